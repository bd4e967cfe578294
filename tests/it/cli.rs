//! The command line as a user meets it: exit statuses, outputs, messages.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs the built `faultlab` binary in the project folder.
pub fn faultlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_json_has_the_documented_keys() {
    let out = faultlab(&[
        "run",
        "labs/examples/retry-storm.ron",
        "--json",
        "--duration",
        "40s",
        "--seed",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(v["scenario"], "Retry storm");
    assert_eq!(v["seed"], 9);
    assert_eq!(v["sim_seconds"], 40.0);
    assert!(v["events"].as_u64().unwrap() > 0);
    for key in [
        "total",
        "ok",
        "failed",
        "availability",
        "attempts",
        "amplification",
        "duplicates",
    ] {
        assert!(v["requests"][key].is_number(), "requests.{key}");
    }
    for key in [
        "timeout",
        "rejected",
        "shed",
        "circuit_open",
        "error",
        "dropped",
        "crashed",
    ] {
        assert!(v["failures"][key].is_number(), "failures.{key}");
    }
    for key in ["mean", "p50", "p90", "p99", "p999", "max"] {
        assert!(v["latency_ms"][key].is_number(), "latency_ms.{key}");
    }
    for key in [
        "rate_per_s",
        "errors",
        "utilization",
        "mean_queue",
        "rejected",
        "duration_ms",
    ] {
        assert!(!v["services"]["db"][key].is_null(), "services.db.{key}");
    }
    for key in [
        "availability_target",
        "availability",
        "error_budget",
        "budget_remaining",
        "latency_met",
    ] {
        assert!(!v["slo"][key].is_null(), "slo.{key}");
    }
    let windows = v["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 40, "one window per simulated second");
    // The books balance: ok + failed = total, overall and per window.
    let r = &v["requests"];
    assert_eq!(
        r["ok"].as_u64().unwrap() + r["failed"].as_u64().unwrap(),
        r["total"].as_u64().unwrap()
    );
    let window_total: u64 = windows.iter().map(|w| w["total"].as_u64().unwrap()).sum();
    assert_eq!(window_total, r["total"].as_u64().unwrap());
}

#[test]
fn run_prints_a_readable_table_by_default() {
    let out = faultlab(&["run", "labs/examples/mm1.ron", "--duration", "10s"]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    for needle in ["M/M/1 at 80% load", "latency ms", "p99", "SLO", "server"] {
        assert!(table.contains(needle), "table lacks {needle:?}:\n{table}");
    }
}

#[test]
fn csv_has_a_header_and_one_row_per_window() {
    let out = faultlab(&[
        "run",
        "labs/examples/mm1.ron",
        "--duration",
        "12s",
        "--csv",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[0].starts_with("start_s,end_s,offered,total,ok,failed"));
    assert!(lines[0].contains("server.utilization"));
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    // `faultlab run … --json | head -c 16`: the JSON (over 200 KB) is more than
    // a pipe holds (64 KiB), so the reader goes while the writer still writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultlab"))
        .args(["run", "labs/examples/three-tier.ron", "--json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut start = [0; 16];
    stdout.read_exact(&mut start).expect("some output comes");
    assert!(start.starts_with(b"{"), "{}", text(&start));
    drop(stdout);
    let out = child.wait_with_output().expect("the binary ends");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr, "", "a closed pipe is no error to report");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_closed_pipe_does_not_turn_a_failing_check_into_a_pass() {
    // `faultlab check LAB | true`: the reader is gone before the report is
    // written (the lab runs first), and the exit status is still the verdict.
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultlab"))
        .args(["check", "labs/01-timeouts"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the binary ends");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the lab's starting scenario fails its objectives: {stderr}"
    );
}

#[test]
fn a_missing_file_is_bad_input() {
    let out = faultlab(&["run", "no/such/file.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/file.ron"));
}

#[test]
fn a_bad_duration_argument_is_bad_input() {
    let out = faultlab(&["run", "labs/examples/mm1.ron", "--duration", "5 parsecs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("parsecs"),
        "{}",
        text(&out.stderr)
    );
}

fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_fixture_exits_2_with_a_located_error_and_no_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad");
    let files = ron_files(&dir);
    assert!(files.len() >= 20);
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let out = faultlab(&["validate", file.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name} panicked: {stderr}");
        // FILE:LINE:COL at the start of the first line.
        let first = stderr.lines().next().unwrap_or_default();
        let located = first.split(':').take(3).collect::<Vec<_>>();
        assert!(
            located.len() == 3
                && located[0].ends_with(&name)
                && located[1].parse::<u32>().is_ok()
                && located[2].parse::<u32>().is_ok(),
            "{name}: not located: {first}"
        );
        // Running it is refused the same way.
        let run = faultlab(&["run", file.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(2), "{name}");
    }
}

#[test]
fn every_example_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/examples");
    let files = ron_files(&dir);
    let args: Vec<&str> = std::iter::once("validate")
        .chain(files.iter().map(|f| f.to_str().unwrap()))
        .collect();
    let out = faultlab(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), files.len());
}

#[test]
fn validate_reports_a_bad_file_among_good_ones() {
    let out = faultlab(&[
        "validate",
        "labs/examples/mm1.ron",
        "tests/data/bad/unknown_field.ron",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("mm1.ron: ok"));
    assert!(text(&out.stderr).contains("unknown_field.ron:"));
}

#[test]
fn no_arguments_without_a_display_runs_the_default_scenario_headless_and_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("headless"));
    assert!(text(&out.stdout).contains("Three-tier web shop"));
}

#[test]
fn a_file_argument_opens_that_scenario_or_says_why_not() {
    let headless = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_faultlab"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("the binary runs")
    };
    let out = headless(&["labs/examples/mm1.ron"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("headless"));
    assert!(text(&out.stdout).contains("M/M/1"), "{}", text(&out.stdout));

    let out = headless(&["tests/data/bad/nan.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nan.ron:5:61"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_exits_1_on_the_starting_scenario_and_0_on_the_solution() {
    let out = faultlab(&["check", "labs/01-timeouts"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Partial failure"),
        "{}",
        text(&out.stdout)
    );
    let out = faultlab(&[
        "check",
        "labs/01-timeouts",
        "--scenario",
        "labs/01-timeouts/solution.ron",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn check_of_a_missing_lab_or_bad_scenario_is_bad_input() {
    assert_eq!(
        faultlab(&["check", "labs/no-such-lab"]).status.code(),
        Some(2)
    );
    let out = faultlab(&[
        "check",
        "labs/01-timeouts",
        "--scenario",
        "tests/data/bad/unknown_field.ron",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown_field.ron:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn grade_writes_one_row_per_submission() {
    let dir = std::env::temp_dir().join(format!("faultlab-grade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("labs/03-idempotency/solution.ron", dir.join("alice.ron")).unwrap();
    std::fs::copy("labs/03-idempotency/scenario.ron", dir.join("bob.ron")).unwrap();
    std::fs::write(dir.join("carol.ron"), "Scenario(").unwrap();
    let out = faultlab(&["grade", "labs/03-idempotency", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows[1].starts_with("alice.ron,true"), "{csv}");
    assert!(rows[2].starts_with("bob.ron,false"), "{csv}");
    assert!(rows[3].starts_with("carol.ron,false"), "{csv}");
    assert!(text(&out.stderr).contains("1 of 3 submissions pass"));
}

#[test]
fn opening_a_lab_that_is_not_there_is_bad_input() {
    // Checked before any window opens, so this needs no display.
    let out = faultlab(&["--lab", "labs/no-such-lab"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("labs/no-such-lab: not a folder"),
        "{}",
        text(&out.stderr)
    );
}
