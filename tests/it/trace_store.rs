//! The live session's traces stay within the bound `live::trace_store`
//! states, and each window's slowest and first failures are still kept.

use std::collections::{BTreeMap, HashSet};
use std::mem::size_of;

use faultlab::live::trace_store::{FAILED_PER_WINDOW, POOL_CAP};
use faultlab::live::{Command, Session, Speed};
use faultlab::metrics::trace::{Span, Trace, TraceConfig};
use faultlab::sim::Simulation;
use faultlab::sim::time::SimDuration;

use super::alloc_meter::peak_bytes;
use super::support::config;

/// An overloaded service: most requests are refused, so failures far
/// outnumber the pinned ones and the pool must be thinned.
const OVERLOAD: &str = r#"Scenario(
    version: 1, name: "overload", seed: 3, duration: "20s", window: "100ms",
    nodes: {
        "users": Client(open: Poisson(per_second: 2000), target: "api", policy: Policy(timeout: "1s")),
        "api": Service(workers: 2, queue: 4, work: Exponential(mean: "5ms")),
    },
)"#;

fn window_of(t: &Trace, window_ns: u64) -> u64 {
    t.end.unwrap_or(t.start).as_nanos() / window_ns
}

#[test]
fn session_traces_stay_bounded_and_keep_each_windows_slowest_and_first_failures() {
    let cfg = config(OVERLOAD, 3);
    let window_ns = cfg.window.as_nanos();
    // The independent truth: the same run headless, its tracer unbounded.
    let mut headless = Simulation::new(cfg.clone());
    headless.enable_tracing(TraceConfig {
        max_traces: usize::MAX,
        ..TraceConfig::default()
    });
    headless.run_until(faultlab::sim::time::SimTime::ZERO + cfg.duration);
    let all = headless.take_traces();

    let mut session = Session::new(cfg.clone());
    session.command(Command::SetSpeed(Speed::Max));
    session.command(Command::Play);
    // One window per step, as the window's runner does at this load.
    while session.playing() {
        session.advance_by(cfg.window);
    }
    check(&session.snapshot(), &all, window_ns);
    // Rewinding re-simulates headless in one go: the same traces are kept.
    session.command(Command::RewindTo(session.now()));
    check(&session.snapshot(), &all, window_ns);
}

fn check(snap: &faultlab::live::Snapshot, all: &[Trace], window_ns: u64) {
    let windows = snap.windows.len();
    assert!(windows >= 199, "{windows} windows");

    // Exact accounting: every trace the tracer kept is shown or counted dropped.
    assert_eq!(
        snap.traces.len() as u64 + snap.traces_dropped,
        all.len() as u64
    );
    assert!(snap.traces_dropped > 0, "the pool was never thinned");
    let bound =
        (TraceConfig::default().slowest_per_window + FAILED_PER_WINDOW) * windows + POOL_CAP;
    assert!(
        snap.traces.len() <= bound,
        "{} > {bound}",
        snap.traces.len()
    );

    let shown: HashSet<u64> = snap.traces.iter().map(|t| t.root.0).collect();
    // Each window's slowest successes, as the unbounded tracer chose them.
    let slow: Vec<&Trace> = all.iter().filter(|t| t.kept_for.slow).collect();
    assert!(!slow.is_empty());
    for t in slow {
        assert!(shown.contains(&t.root.0), "slow trace {} dropped", t.root.0);
    }
    // Each window's first failures, in the order kept.
    let mut first_failures: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for t in all.iter().filter(|t| t.kept_for.failed) {
        let w = first_failures.entry(window_of(t, window_ns)).or_default();
        if w.len() < FAILED_PER_WINDOW {
            w.push(t.root.0);
        }
    }
    assert!(
        first_failures.len() > windows / 2,
        "too few failing windows to test"
    );
    for (w, roots) in &first_failures {
        for r in roots {
            assert!(shown.contains(r), "window {w}: failure {r} dropped");
        }
    }
}

/// Rough bytes a trace holds (its spans' buffer included).
fn trace_bytes(t: &Trace) -> usize {
    size_of::<Trace>() + 16 + t.spans.capacity() * size_of::<Span>()
}

/// Where a live session's memory goes over two simulated minutes of the
/// memory benchmark; run with `--ignored --nocapture` to see the figures.
#[test]
#[ignore = "a measurement: two simulated minutes at 5,000 requests per second"]
fn live_memory_breakdown_of_the_hour_benchmark() {
    let src = std::fs::read_to_string("bench/hour-at-5000.ron").unwrap();
    let cfg = config(&src, 11);
    let (snap, peak) = peak_bytes(|| {
        let mut session = Session::new(cfg.clone());
        session.command(Command::SetSpeed(Speed::Max));
        session.command(Command::Play);
        for _ in 0..120 {
            session.advance_by(SimDuration::from_secs(1));
        }
        session.snapshot()
    });
    let traces: usize = snap.traces.iter().map(|t| trace_bytes(t)).sum();
    let spans: usize = snap.traces.iter().map(|t| t.spans.len()).sum();
    let windows: usize = snap
        .windows
        .iter()
        .map(|w| {
            size_of_val(&**w)
                + w.services
                    .iter()
                    .map(|(k, v)| k.len() + size_of_val(v) + 48)
                    .sum::<usize>()
        })
        .sum();
    let edges: usize = snap
        .edge_windows
        .iter()
        .map(|e| 24 + e.capacity() * size_of::<faultlab::metrics::edges::EdgeWindow>())
        .sum();
    println!(
        "after {} windows: {} traces ({} spans, ~{} KB, {} dropped), windows ~{} KB, edge windows ~{} KB, session peak {} KB",
        snap.windows.len(),
        snap.traces.len(),
        spans,
        traces / 1024,
        snap.traces_dropped,
        windows / 1024,
        edges / 1024,
        peak / 1024
    );
    let bound = (TraceConfig::default().slowest_per_window + FAILED_PER_WINDOW)
        * snap.windows.len()
        + POOL_CAP;
    assert!(snap.traces.len() <= bound);
}
