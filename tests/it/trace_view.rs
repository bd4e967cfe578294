//! The trace view in the window: a picked trace's path is highlighted on
//! the graph (named in the accessibility tree) and can be cleared.

use std::collections::BTreeSet;

use egui_kittest::kittest::Queryable as _;

use faultlab::metrics::trace::{SpanKind, SpanStatus};
use faultlab::ui::trace_path::TracePath;

use super::ui::{advance, click, window};

#[test]
fn an_open_trace_highlights_the_nodes_its_spans_touched_and_clears() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 20);
    h.key_press(egui::Key::T);
    h.run();
    assert!(h.query_by_label_contains("Path of request").is_none());
    let snap = h.state().snapshot();
    let slowest = snap
        .traces
        .iter()
        .filter(|t| t.result.is_some_and(|r| r.is_ok()))
        .max_by_key(|t| t.latency())
        .expect("a successful trace")
        .clone();
    let ms = format!("{:.2} ms", slowest.latency().as_millis_f64());
    h.get_by_label_contains(&ms).click();
    h.run();
    // The nodes, worked out here from the spans: where each ran and whom it called.
    let touched: BTreeSet<u32> = slowest
        .spans
        .iter()
        .flat_map(|s| [Some(s.node), s.peer])
        .flatten()
        .collect();
    assert!(touched.len() >= 3, "{touched:?}");
    let names: Vec<&str> = touched
        .iter()
        .map(|&i| snap.scenario.nodes[i as usize].name.as_str())
        .collect();
    let expected = format!(
        "Path of request {}: {}",
        slowest.root.0 & 0xff_ffff_ffff,
        names.join(", ")
    );
    h.get_by_label(&expected);
    // Closing the traces window keeps the path; its button on the graph
    // clears it, and the waterfall with it.
    h.key_press(egui::Key::T);
    h.run();
    assert!(h.query_by_label("Slowest").is_none());
    h.get_by_label(&expected);
    click(&mut h, "× Clear path");
    assert!(h.query_by_label_contains("Path of request").is_none());
    h.key_press(egui::Key::T);
    h.run();
    h.get_by_label("Pick a request above.");
}

#[test]
fn a_path_counts_each_hops_attempts_failures_and_retries() {
    // The retry storm's API retries the slowed database: traces with retries.
    let mut sim = faultlab::sim::Simulation::new(super::support::example("retry-storm.ron").config);
    sim.enable_tracing(faultlab::metrics::trace::TraceConfig::default());
    sim.run_until(
        faultlab::sim::time::SimTime::ZERO + faultlab::sim::time::SimDuration::from_secs(33),
    );
    let traces = sim.traces();
    let retried = traces
        .iter()
        .find(|t| t.spans.iter().any(|s| s.retry))
        .expect("a retried request by 33 s");
    let path = TracePath::of(retried);
    let api = sim.config().node_id("api").unwrap();
    let db = sim.config().node_id("db").unwrap();
    let hop = path.hop(api, db).expect("api called db");
    let attempts: Vec<_> = retried
        .spans
        .iter()
        .filter(|s| s.kind == SpanKind::Attempt && s.node == api.0 && s.peer == Some(db.0))
        .collect();
    assert!(attempts.len() >= 2);
    assert_eq!(hop.attempts as usize, attempts.len());
    assert_eq!(
        hop.retries as usize,
        attempts
            .iter()
            .filter(|s| s.attempt > 0 && !s.hedge)
            .count()
    );
    assert_eq!(
        hop.failed as usize,
        attempts
            .iter()
            .filter(|s| matches!(s.status, SpanStatus::Failed(_)))
            .count()
    );
    assert!(hop.failed >= 1, "a retry follows a failed attempt");
    assert!(path.hop(db, api).is_none(), "the database calls no one");
}
