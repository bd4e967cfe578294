//! Format versions: a frozen copy of files of every released format lives in
//! `tests/data/versions/vN/` and must keep loading; a file from a newer
//! format is refused with a message that says so, not a parse error.
//!
//! Format 1 (the first) was frozen from `labs/examples`, `tests/data/good`
//! and two labs. When the format changes, bump `FORMAT_VERSION`, add a
//! `vN` folder, and keep the old ones.

use std::path::{Path, PathBuf};

use faultlab::lab;
use faultlab::scenario::{self, FORMAT_VERSION};
use faultlab::sim::Simulation;

fn versions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/versions")
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn there_is_a_fixture_folder_for_every_released_format() {
    for v in 1..=FORMAT_VERSION {
        let dir = versions().join(format!("v{v}"));
        assert!(
            !sorted(&dir.join("scenarios")).is_empty(),
            "{}",
            dir.display()
        );
        assert!(!sorted(&dir.join("labs")).is_empty(), "{}", dir.display());
    }
}

#[test]
fn every_released_scenario_still_loads_and_runs() {
    for v in 1..=FORMAT_VERSION {
        for path in sorted(&versions().join(format!("v{v}/scenarios"))) {
            let s = scenario::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
            let mut config = s.config;
            config.duration = config
                .duration
                .min(faultlab::sim::time::SimDuration::from_secs(2));
            let run = Simulation::new(config).run();
            assert!(run.events > 0, "{}", path.display());
        }
    }
}

#[test]
fn every_released_lab_still_loads() {
    for v in 1..=lab::FORMAT_VERSION {
        for dir in sorted(&versions().join(format!("v{v}/labs"))) {
            lab::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
    }
}

/// The text with its `version: 1` replaced by `version: N` and a field this
/// build does not know added after it, as a newer faultlab might write.
fn from_the_future(text: &str, current: u32, newer: u64) -> String {
    let current = format!("version: {current},");
    assert!(text.contains(&current), "fixture without a version");
    text.replacen(
        &current,
        &format!("version: {newer},\n    hologram: Projector(lumens: 9000),"),
        1,
    )
}

#[test]
fn a_newer_scenario_gets_a_clear_message_not_a_parse_error() {
    let newer = u64::from(FORMAT_VERSION) + 1;
    let want = format!(
        "written by a newer faultlab (format {newer}); this build reads up to {FORMAT_VERSION}"
    );
    for path in sorted(&versions().join(format!("v{FORMAT_VERSION}/scenarios"))) {
        let text = std::fs::read_to_string(&path).unwrap();
        let err = scenario::parse_str(&from_the_future(&text, FORMAT_VERSION, newer), "new.ron")
            .expect_err("a newer file is refused");
        assert_eq!(err.problems.len(), 1, "{err}");
        let p = &err.problems[0];
        assert_eq!(p.path, "version", "{err}");
        assert!(p.message.contains(&want), "{}: {err}", path.display());
        // Located at the version field itself.
        let line = text
            .lines()
            .position(|l| l.contains("version:"))
            .map(|i| i + 1);
        assert_eq!(Some(p.line), line, "{err}");
    }
}

#[test]
fn a_newer_lab_gets_a_clear_message_not_a_parse_error() {
    let newer = u64::from(lab::FORMAT_VERSION) + 1;
    let scratch = std::env::temp_dir().join(format!("faultlab-versions-{}", std::process::id()));
    for dir in sorted(&versions().join(format!("v{}/labs", lab::FORMAT_VERSION))) {
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        for file in sorted(&dir) {
            let text = std::fs::read_to_string(&file).unwrap();
            let text = if file.ends_with(lab::LAB_FILE) {
                from_the_future(&text, lab::FORMAT_VERSION, newer)
            } else {
                text
            };
            std::fs::write(scratch.join(file.file_name().unwrap()), text).unwrap();
        }
        let err = lab::load(&scratch).expect_err("a newer lab is refused");
        let shown = err.to_string();
        assert!(
            shown.contains(&format!(
                "this lab is in format {newer}, made by a newer faultlab; this one reads up to {}",
                lab::FORMAT_VERSION
            )),
            "{}: {shown}",
            dir.display()
        );
        assert!(!shown.contains("hologram"), "{shown}");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
