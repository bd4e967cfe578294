//! Comparing runs: a fork is the same scenario and seed with one change,
//! stepped in lockstep with the live run. With common random numbers a fork
//! without a change is the live run exactly, and a fork with one differs
//! only from the change on.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;

use faultlab::live::{Command, Session};
use faultlab::sim::config::{Action, PolicyConfig};
use faultlab::sim::time::SimDuration;

use super::support::example;
use super::ui::{advance, click, window};

fn json(w: &faultlab::metrics::WindowSummary) -> String {
    serde_json::to_string(w).expect("a window serializes")
}

/// The retry storm played to `fork_s`, forked with `change`, played to `end_s`.
fn storm_with_fork(fork_s: u64, change: Option<Action>, end_s: u64) -> Session {
    let mut s = Session::new(example("retry-storm.ron").config);
    s.command(Command::Play);
    s.advance_by(SimDuration::from_secs(fork_s));
    s.command(Command::Fork {
        change,
        label: "test".to_string(),
    });
    // In uneven steps, as the runner's ticks would be.
    for ms in [1_700, 9_000, 333] {
        s.advance_by(SimDuration::from_millis(ms));
    }
    let left = end_s * 1000 - s.now().as_nanos() / 1_000_000;
    s.advance_by(SimDuration::from_millis(left));
    s
}

#[test]
fn a_fork_without_a_change_is_the_same_run() {
    let s = storm_with_fork(10, None, 45);
    let snap = s.snapshot();
    let fork = snap.fork.as_ref().expect("a fork");
    assert_eq!(snap.windows.len(), 45);
    assert_eq!(fork.windows.len(), snap.windows.len());
    for (a, b) in snap.windows.iter().zip(fork.windows.iter()) {
        assert_eq!(json(a), json(b), "window ending {} s, seed 3", a.end_s);
    }
}

#[test]
fn a_fork_with_a_change_differs_only_from_the_change_on() {
    // At 20 s the fork's API stops retrying the database (same 50 ms timeout).
    let snap0 = Session::new(example("retry-storm.ron").config).snapshot();
    let api = snap0.scenario.node_id("api").unwrap();
    let db = snap0.scenario.node_id("db").unwrap();
    let change = Action::SetPolicy {
        caller: api,
        callee: db,
        policy: PolicyConfig {
            timeout: Some(SimDuration::from_millis(50)),
            ..PolicyConfig::default()
        },
    };
    let s = storm_with_fork(20, Some(change), 60);
    let snap = s.snapshot();
    let fork = snap.fork.as_ref().expect("a fork");
    assert_eq!(fork.windows.len(), 60);
    let first_diff = snap
        .windows
        .iter()
        .zip(fork.windows.iter())
        .position(|(a, b)| json(a) != json(b))
        .expect("the change makes a difference");
    assert!(
        snap.windows[first_diff].end_s > 20.0,
        "differs in the window ending {} s, before the change",
        snap.windows[first_diff].end_s
    );
    // The change's effect: without retries the fork recovers after the
    // slowdown ends (35 s); the live run's storm goes on.
    let goodput = |ws: &[std::sync::Arc<faultlab::metrics::WindowSummary>]| {
        ws[45..60].iter().map(|w| w.ok).sum::<u64>() as f64
            / ws[45..60].iter().map(|w| w.offered).sum::<u64>() as f64
    };
    assert!(goodput(&snap.windows) < 0.5, "{}", goodput(&snap.windows));
    assert!(goodput(&fork.windows) > 0.99, "{}", goodput(&fork.windows));
}

#[test]
fn starting_again_ends_the_comparison() {
    let mut s = storm_with_fork(2, None, 15);
    assert!(s.snapshot().fork.is_some());
    s.command(Command::EndFork);
    assert!(s.snapshot().fork.is_none());
    let mut s = storm_with_fork(2, None, 15);
    s.command(Command::Reset);
    assert!(s.snapshot().fork.is_none());
}

#[test]
fn the_compare_window_forks_and_ends_the_comparison() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 3);
    h.get_by_label("View").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, "Compare runs")
        .click();
    h.run();
    h.key_press(egui::Key::Escape);
    h.run();
    click(&mut h, "Fork with no change");
    advance(&mut h, 4);
    let snap = h.state().snapshot();
    let fork = snap.fork.as_ref().expect("the button forked the run");
    assert_eq!(fork.windows.len(), snap.windows.len());
    h.get_by_label_contains("Fork from 3.0 s: no change");
    click(&mut h, "End comparison");
    assert!(h.state().snapshot().fork.is_none());
    h.get_by_label("Fork with no change");
}
