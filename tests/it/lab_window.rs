//! The lab panel in the window: each lab opens with its objectives listed;
//! hints come one at a time; predictions lock in; "reset" and "show the
//! reference solution" run the right scenario.

use std::path::PathBuf;

use egui_kittest::kittest::Queryable as _;

use faultlab::lab;

use super::ui::{advance, click, window};

fn labs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("labs");
    let dirs: Vec<PathBuf> = lab::discover(&root)
        .unwrap()
        .into_iter()
        .filter(|d| d.file_name().unwrap().to_string_lossy().as_bytes()[0].is_ascii_digit())
        .collect();
    assert!(dirs.len() >= 14, "expected labs 01 to 14");
    dirs
}

#[test]
fn each_lab_opens_with_its_objectives_listed() {
    for dir in labs() {
        let lab = lab::load(&dir).unwrap();
        let mut h = window();
        h.state_mut().open_lab(&dir);
        h.run();
        assert_eq!(h.state().lab_slug(), Some(lab.slug.as_str()));
        assert!(
            h.state().error().is_none(),
            "{}: {:?}",
            lab.slug,
            h.state().error()
        );
        assert_eq!(
            h.state().snapshot().scenario.name,
            lab.scenario.config.name,
            "{}: the starting scenario runs",
            lab.slug
        );
        assert!(
            h.query_by_label(&lab.title).is_some(),
            "{}: title",
            lab.slug
        );
        for o in &lab.objectives {
            assert!(
                h.query_all_by_label(&o.name).next().is_some(),
                "{}: objective {:?} is not listed",
                lab.slug,
                o.name
            );
            assert!(h.query_all_by_label(&o.requirement()).next().is_some());
        }
    }
}

#[test]
fn hints_one_at_a_time_predictions_and_reset() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("labs/01-timeouts");
    let lab = lab::load(&dir).unwrap();
    let mut h = window();
    h.state_mut().open_lab(&dir);
    h.run();
    assert!(!h.state().snapshot().playing, "a lab opens paused at 0 s");
    let n = lab.hints.len();

    // Hints: none shown until asked, then one per click.
    click(&mut h, &format!("Hints (0/{n})"));
    let first = format!("1. {}", lab.hints[0]);
    let second = format!("2. {}", lab.hints[1]);
    assert!(h.query_by_label(&first).is_none());
    click(&mut h, &format!("Show hint 1 of {n}"));
    assert!(h.query_by_label(&first).is_some());
    assert!(h.query_by_label(&second).is_none());
    click(&mut h, &format!("Show hint 2 of {n}"));
    assert!(h.query_by_label(&second).is_some());

    // A prediction is locked in before the run and judged after it.
    click(&mut h, &format!("Predict (0/{})", lab.predictions.len()));
    let q = &lab.predictions[0];
    click(&mut h, &q.choices[q.answer]);
    click(&mut h, "Lock in answer 1");
    assert!(
        h.query_by_label(&format!("Predict (1/{})", lab.predictions.len()))
            .is_some()
    );
    assert!(
        h.query_by_label(&q.explanation).is_none(),
        "not before the run"
    );
    click(&mut h, "▶ Play");
    advance(&mut h, 10);
    assert!(h.state().snapshot().now.as_secs_f64() >= 10.0);

    // Reset runs the lab's start again from zero.
    click(&mut h, "↻ Reset lab");
    assert_eq!(h.state().snapshot().now.as_secs_f64(), 0.0);
    assert!(!h.state().snapshot().playing);
    assert_eq!(h.state().snapshot().scenario.name, lab.scenario.config.name);

    // The reference solution runs, and says so.
    click(&mut h, "Show reference solution");
    assert_eq!(h.state().snapshot().scenario.name, lab.solution.config.name);
    assert!(
        h.query_by_label("Running the reference solution, not your work.")
            .is_some()
    );
}
