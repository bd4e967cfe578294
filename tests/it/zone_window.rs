//! The inspector's zone buttons, driven through an egui_kittest harness: they
//! record the zone actions a file holds, and the saved session replays
//! headless to the same numbers.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use faultlab::live::Health;
use faultlab::report;
use faultlab::scenario;
use faultlab::sim::Simulation;
use faultlab::sim::config::Action;
use faultlab::ui::{Driver, FaultlabApp};

use super::ui::{advance, click, example_window_with_hint, save_as, temp_path};

/// A window over a paused thread-free session of `zone-outage.ron`.
fn window() -> Harness<'static, FaultlabApp> {
    let mut h = example_window_with_hint("zone-outage.ron");
    h.get_by_label("Got it").click();
    h.run();
    h
}

fn health(h: &Harness<'_, FaultlabApp>, name: &str) -> Health {
    let s = h.state().snapshot();
    s.nodes[s.scenario.node_id(name).unwrap().index()].health
}

#[test]
fn zone_buttons_record_zone_actions_that_replay_headless() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 2);
    click(&mut h, "Crash zone a");
    assert_eq!(health(&h, "r1"), Health::Crashed);
    assert_eq!(health(&h, "r2"), Health::Crashed);
    assert_ne!(health(&h, "r3"), Health::Crashed, "zone b is untouched");
    advance(&mut h, 2);
    click(&mut h, "Partition zone c");
    let cuts = h.state().snapshot().cuts.clone();
    let expected = h.state().snapshot().scenario.zone_cut("c");
    assert!(expected.iter().all(|p| cuts.contains(p)), "zone c cut off");
    advance(&mut h, 3);
    click(&mut h, "Restore zone a");
    click(&mut h, "Restore zone c");
    assert_eq!(health(&h, "r1"), Health::Healthy);
    assert!(h.state().snapshot().cuts.is_empty());
    let recorded: Vec<(f64, Action)> = h
        .state()
        .snapshot()
        .recorded
        .iter()
        .map(|t| (t.at.as_secs_f64(), t.action.clone()))
        .collect();
    assert_eq!(
        recorded,
        vec![
            (2.0, Action::CrashZone("a".into())),
            (4.0, Action::PartitionZone("c".into())),
            (7.0, Action::RestartZone("a".into())),
            (7.0, Action::HealZone("c".into())),
        ]
    );
    // Play to the scenario's end (the session pauses there).
    for _ in 0..6 {
        advance(&mut h, 10);
    }
    let path = temp_path("zones.ron");
    save_as(&mut h, &path);
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(r#"At("2s", CrashZone("a"))"#), "{text}");
    assert!(text.contains(r#"Partition(zone: "c")"#), "{text}");

    let live = match h.into_state().into_driver() {
        Driver::Manual { session, .. } => session.finish_summary(),
        Driver::Live(_) => unreachable!("tests use a manual session"),
    };
    let replay = Simulation::new(scenario::load_file(&path).expect("loads").config).run();
    assert_eq!(report::to_json(&live), report::to_json(&replay));
}
