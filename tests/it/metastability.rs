//! The metastability view's numbers: retry amplification per edge and
//! window against attempts counted independently from complete traces;
//! offered load and goodput against a scenario whose rates are exact; and
//! the retry storm's amplification outliving its trigger.

use std::collections::BTreeMap;
use std::sync::Arc;

use egui_kittest::kittest::Queryable as _;
use faultlab::metrics::trace::{SpanKind, TraceConfig};
use faultlab::scenario;
use faultlab::sim::Simulation;
use faultlab::sim::time::{SimDuration, SimTime};
use faultlab::ui::metastability::{LoadSeries, amplification};

use super::support::example;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

#[test]
fn amplification_per_edge_and_window_equals_attempts_over_calls_counted_from_traces() {
    // Every request traced: each attempt a caller sends is an attempt span,
    // each call's first try is the one neither a retry nor a hedge.
    let mut sim = Simulation::new(example("retry-storm.ron").config);
    sim.enable_tracing(TraceConfig {
        sample_rate: 1.0,
        slowest_per_window: 0,
        max_traces: 1_000_000,
    });
    sim.run_until(at(40));
    let windows = Arc::new(
        sim.windows_since(0)
            .into_iter()
            .map(Arc::new)
            .collect::<Vec<_>>(),
    );
    let edge_windows: Vec<_> = sim
        .edge_windows_since(0)
        .into_iter()
        .map(Arc::new)
        .collect();
    assert_eq!(windows.len(), 40);
    assert_eq!(edge_windows.len(), windows.len());
    // (window, from, to) -> (calls, attempts), from the spans alone.
    let mut counted: BTreeMap<(usize, u32, u32), (u64, u64)> = BTreeMap::new();
    let mut traces = sim.traces();
    traces.extend(sim.traces_in_flight());
    for t in traces {
        for s in t.spans.iter().filter(|s| s.kind == SpanKind::Attempt) {
            let w = (s.start.as_nanos() / 1_000_000_000) as usize;
            if w >= windows.len() {
                continue;
            }
            let c = counted.entry((w, s.node, s.peer.unwrap())).or_default();
            c.0 += u64::from(!s.retry && !s.hedge);
            c.1 += 1;
        }
    }
    let mut recorded: BTreeMap<(usize, u32, u32), (u64, u64)> = BTreeMap::new();
    for (w, edges) in edge_windows.iter().enumerate() {
        for e in edges.iter() {
            recorded.insert((w, e.from, e.to), (e.calls, e.attempts));
        }
    }
    assert_eq!(recorded, counted, "seed 3");
    // The plotted series is attempts / calls of exactly those counts.
    let series = amplification(&windows, &edge_windows);
    assert_eq!(series.len(), 2, "users → api and api → db");
    for s in &series {
        assert_eq!(s.points.len(), windows.len());
        for (w, p) in s.points.iter().enumerate() {
            let (calls, attempts) = counted[&(w, s.from, s.to)];
            assert_eq!(p[0], windows[w].end_s);
            assert_eq!(p[1], attempts as f64 / calls as f64, "window {w}");
        }
    }
}

#[test]
fn offered_load_and_goodput_match_a_constant_rate() {
    // 200 requests/s exactly, each answered in 3 ms (1 ms each way, 1 ms of
    // work, workers to spare): every 1 s window offers 200 and, give or take
    // the one request straddling a boundary, completes 200.
    let text = r#"Scenario(
        version: 1,
        name: "constant",
        seed: 1,
        duration: "20s",
        nodes: {
            "users": Client(open: Constant(per_second: 200), target: "api"),
            "api": Service(workers: 4, work: Constant("1ms")),
        },
        default_link: Link(latency: "1ms"),
    )"#;
    let config = scenario::parse_str(text, "constant.ron").unwrap().config;
    let mut sim = Simulation::new(config);
    sim.run_until(at(20));
    let windows: Vec<_> = sim.windows_since(0).into_iter().map(Arc::new).collect();
    let load = LoadSeries::of(&windows, &["users", "api"]);
    assert_eq!(load.t_s.len(), 20);
    assert_eq!(load.arrivals.len(), 1, "clients have no arrivals series");
    for i in 1..20 {
        assert_eq!(load.offered[i], 200.0, "window {i}");
        assert!(
            (load.goodput[i] - 200.0).abs() <= 1.0,
            "window {i}: {}",
            load.goodput[i]
        );
        assert!((load.arrivals[0].1[i] - 200.0).abs() <= 1.0, "window {i}");
    }
    let total_ok: f64 = load.goodput.iter().sum();
    assert_eq!(total_ok as u64, windows.iter().map(|w| w.ok).sum::<u64>());
}

#[test]
fn the_retry_storm_outlives_its_trigger() {
    // The database is slowed from 30 s to 35 s. Before: about one attempt
    // per call and goodput equal to offered load. Long after: the API still
    // sends several attempts per call and most requests fail.
    let mut sim = Simulation::new(example("retry-storm.ron").config);
    sim.run_until(at(60));
    let windows: Vec<_> = sim.windows_since(0).into_iter().map(Arc::new).collect();
    let edge_windows: Vec<_> = sim
        .edge_windows_since(0)
        .into_iter()
        .map(Arc::new)
        .collect();
    let load = LoadSeries::of(&windows, &["users", "api", "db"]);
    let series = amplification(&windows, &edge_windows);
    let api_db = series
        .iter()
        .find(|s| (s.from, s.to) == (1, 2))
        .expect("api → db");
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let amp =
        |a: usize, b: usize| mean(&api_db.points[a..b].iter().map(|p| p[1]).collect::<Vec<_>>());
    let ratio = |a: usize, b: usize| mean(&load.goodput[a..b]) / mean(&load.offered[a..b]);
    assert!(amp(5, 29) < 1.05, "before: {}", amp(5, 29));
    assert!(ratio(5, 29) > 0.99, "before: {}", ratio(5, 29));
    assert!(amp(45, 60) > 2.0, "after: {}", amp(45, 60));
    assert!(ratio(45, 60) < 0.5, "after: {}", ratio(45, 60));
}

#[test]
fn key_m_opens_the_metastability_window_with_the_last_windows_figures() {
    let mut h = super::ui::window();
    super::ui::click(&mut h, "▶ Play");
    super::ui::advance(&mut h, 5);
    h.key_press(egui::Key::M);
    h.run();
    let snap = h.state().snapshot();
    let w = snap.windows.last().expect("a closed window");
    let secs = w.end_s - w.start_s;
    let words = format!(
        "offered {:.1}/s, goodput {:.1}/s",
        w.offered as f64 / secs,
        w.ok as f64 / secs
    );
    h.get_by_label_contains(&words);
    h.get_by_label_contains("most amplified edge");
}

#[test]
fn amplification_per_edge_follows_the_geometric_law() {
    // Each attempt of api → db fails with probability p = 0.3 and is
    // retried up to twice, so a call makes 1, 2 or 3 attempts with
    // probabilities 0.7, 0.21 and 0.09: mean (1 − p³)/(1 − p) = 1.39.
    // The edge's windows, summed, must read that within 5 standard errors
    // (the count's own sd over the calls made).
    let src = r#"Scenario(name: "retrying", duration: "60s",
        nodes: {
            "users": Client(open: Poisson(per_second: 500), target: "api"),
            "api": Service(workers: 100, work: Constant("1ms"),
                           calls: [Call(to: "db", policy: Policy(retry: Retry(max: 2, backoff: Constant("1ms"))))]),
            "db": Service(workers: 100, work: Constant("1ms"), error_rate: 0.3),
        })"#;
    let config = scenario::parse_str(src, "retrying.ron")
        .expect("loads")
        .config;
    let (api, db) = (
        config.node_id("api").unwrap().0,
        config.node_id("db").unwrap().0,
    );
    let mut sim = Simulation::new(config);
    sim.run_until(at(60));
    let (mut calls, mut attempts) = (0u64, 0u64);
    for e in sim.edge_windows_since(0).iter().flatten() {
        if (e.from, e.to) == (api, db) {
            calls += e.calls;
            attempts += e.attempts;
        }
    }
    let p: f64 = 0.3;
    let mean = (1.0 - p.powi(3)) / (1.0 - p);
    let second_moment = 0.7 + 4.0 * 0.21 + 9.0 * 0.09;
    let se = ((second_moment - mean * mean) / calls as f64).sqrt();
    let measured = attempts as f64 / calls as f64;
    eprintln!("api → db: {measured:.4} attempts per call (theory {mean:.4} ± {se:.4})");
    assert!(calls > 25_000, "{calls} calls");
    assert!(
        (measured - mean).abs() < 5.0 * se,
        "{measured} attempts per call, theory {mean} ± {se}"
    );
}
