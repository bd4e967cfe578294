//! Distributed traces against the metrics: every attempt the metrics count is
//! a span, spans nest, retries show each attempt, local times show skew.

use faultlab::metrics::RunSummary;
use faultlab::metrics::trace::{SpanKind, SpanStatus, Trace, TraceConfig};
use faultlab::sim::Simulation;
use faultlab::sim::message::Failure;
use faultlab::sim::time::{SimDuration, SimTime};

use super::support::config;

/// A client retrying errors; an API (clock 50 ms ahead) calling a database
/// with a timeout, retries, hedging and a breaker, and falling back when the
/// database fails; the database is non-idempotent, fails 5% of the time and
/// is 20 times slower from 8 s to 11 s (timeouts, duplicates, an open breaker).
const TRACED: &str = r#"Scenario(name: "traced", duration: "20s",
    nodes: {
        "users": Client(open: Poisson(per_second: 200), target: "api",
                        policy: Policy(retry: Retry(max: 2))),
        "api": Service(workers: 8, work: "1ms", error_rate: 0.05, fallback: Default,
                       calls: [Call(to: "db", policy: Policy(timeout: "20ms", hedge: After("8ms"),
                           retry: Retry(max: 2),
                           breaker: Breaker(failure_rate: 0.5, window: "1s", open_for: "1s", min_calls: 20)))],
                       clock: Clock(offset: "50ms")),
        "db": Service(workers: 4, error_rate: 0.05, operation: NonIdempotent,
                      work: Mixture([(0.9, Exponential(mean: "2ms")), (0.1, Constant("30ms"))])),
    },
    timeline: [At("8s", Slow("db", 20)), At("11s", Slow("db", 1))])"#;

const ALL: TraceConfig = TraceConfig {
    sample_rate: 1.0,
    slowest_per_window: 0,
    max_traces: 1_000_000,
};

/// The run's summary and every trace: kept ones and those still in flight.
fn traced_run(src: &str, trace: TraceConfig) -> (RunSummary, Vec<Trace>) {
    let c = config(src, 7);
    let end = SimTime::ZERO + c.duration;
    let mut sim = Simulation::new(c);
    sim.enable_tracing(trace);
    sim.run_until(end);
    let open: Vec<Trace> = sim.traces_in_flight().into_iter().cloned().collect();
    let (summary, mut traces) = sim.finish_traced();
    traces.extend(open);
    (summary, traces)
}

fn node(c: &faultlab::sim::config::SimConfig, name: &str) -> u32 {
    c.node_id(name).expect(name).0
}

#[test]
fn span_trees_account_for_every_attempt_the_metrics_counted() {
    let (s, traces) = traced_run(TRACED, ALL);
    let c = config(TRACED, 7);
    let (users, api, db) = (node(&c, "users"), node(&c, "api"), node(&c, "db"));
    assert_eq!(
        traces.len() as u64,
        s.requests.total + s.requests.unfinished
    );
    let spans = || traces.iter().flat_map(|t| t.spans.iter());
    let count = |f: &dyn Fn(&faultlab::metrics::trace::Span) -> bool| {
        spans().filter(|s| f(s)).count() as u64
    };
    let refused =
        |sp: &faultlab::metrics::trace::Span| sp.status == SpanStatus::Failed(Failure::CircuitOpen);
    let attempt_at = |n: u32| {
        move |sp: &faultlab::metrics::trace::Span| {
            sp.kind == SpanKind::Attempt && sp.node == n && !refused(sp)
        }
    };

    let client_attempts = count(&attempt_at(users));
    assert_eq!(client_attempts, s.requests.attempts);
    let calls = s.services["api"].calls;
    eprintln!(
        "api calls: {calls:?}; duplicates {}, degraded {}",
        s.requests.duplicates, s.requests.degraded
    );
    assert_eq!(count(&attempt_at(api)), calls.attempts);
    assert_eq!(count(&|sp| attempt_at(api)(sp) && sp.retry), calls.retries);
    assert_eq!(count(&|sp| attempt_at(api)(sp) && sp.hedge), calls.hedges);
    assert_eq!(
        count(&|sp| sp.node == api && refused(sp)),
        calls.circuit_open
    );
    // Every request's first attempt, and the client's retries are the rest.
    let first = count(&|sp| attempt_at(users)(sp) && !sp.retry && !sp.hedge);
    assert_eq!(first, s.requests.offered);
    assert!(client_attempts > first);
    // Each kind of event happened, so the equalities above test something.
    assert!(calls.retries > 0 && calls.hedges > 0 && calls.circuit_open > 0);
    // Serve spans: one per request a node received; marks match the metrics.
    assert_eq!(
        count(&|sp| sp.kind == SpanKind::Serve && sp.node == db),
        s.services["db"].arrivals
    );
    assert_eq!(
        count(&|sp| sp.kind == SpanKind::Serve && sp.node == api),
        s.services["api"].arrivals
    );
    let duplicates = count(&|sp| sp.node == db && sp.duplicate);
    assert!(duplicates > 0);
    assert_eq!(duplicates, s.requests.duplicates);
    let fallbacks = count(&|sp| sp.node == api && sp.fallback);
    assert!(fallbacks > 0);
    assert_eq!(fallbacks, s.requests.degraded);
}

#[test]
fn durations_nest_and_local_times_show_the_skew() {
    let (_, traces) = traced_run(TRACED, ALL);
    let c = config(TRACED, 7);
    let api = node(&c, "api");
    let mut checked = 0;
    for t in &traces {
        let root = &t.spans[0];
        assert_eq!(root.kind, SpanKind::Request);
        for sp in &t.spans[1..] {
            let parent = t
                .spans
                .iter()
                .find(|p| Some(p.id) == sp.parent)
                .unwrap_or_else(|| panic!("span {:?} has no parent in {:?}", sp.id, t.root));
            assert!(sp.start >= parent.start, "{sp:?} starts before {parent:?}");
            // A child ends within its parent, except work that outlives a
            // timed-out attempt (the caller stopped waiting, the callee did not).
            let parent_gave_up = parent.status == SpanStatus::Failed(Failure::Timeout)
                || parent.status == SpanStatus::Abandoned;
            if let (Some(end), Some(parent_end)) = (sp.end, parent.end)
                && !parent_gave_up
            {
                assert!(end <= parent_end, "{sp:?} ends after {parent:?}");
                checked += 1;
            }
            if sp.node == api {
                // The API's clock is 50 ms ahead and does not drift.
                assert_eq!(sp.local_start - sp.start.as_nanos() as i64, 50_000_000);
            }
        }
    }
    assert!(checked > 10_000, "only {checked} spans checked");
}

#[test]
fn a_retried_request_shows_each_attempt() {
    let (_, traces) = traced_run(TRACED, ALL);
    let c = config(TRACED, 7);
    let (users, api) = (node(&c, "users"), node(&c, "api"));
    let mut seen = 0;
    for t in traces.iter().filter(|t| t.result.is_some()) {
        let root = t.spans[0].id;
        let attempts: Vec<_> = t
            .spans
            .iter()
            .filter(|sp| sp.node == users && sp.kind == SpanKind::Attempt)
            .collect();
        if attempts.len() < 2 {
            continue;
        }
        seen += 1;
        for (n, a) in attempts.iter().enumerate() {
            assert_eq!(a.parent, Some(root));
            assert_eq!(a.attempt as usize, n);
            assert_eq!(a.retry, n > 0);
            if n + 1 < attempts.len() {
                assert!(matches!(a.status, SpanStatus::Failed(_)), "{a:?}");
                assert!(a.end.unwrap() <= attempts[n + 1].start);
            }
            // Each attempt reached the API: a serve span under it.
            assert!(
                t.spans.iter().any(|sp| sp.parent == Some(a.id)
                    && sp.node == api
                    && sp.kind == SpanKind::Serve),
                "attempt {n} of {:?} has no serve span",
                t.root
            );
        }
    }
    assert!(seen > 10, "only {seen} retried requests");
}

#[test]
fn tracing_observes_without_changing_the_run() {
    let plain = Simulation::new(config(TRACED, 7)).run();
    let (traced, _) = traced_run(TRACED, TraceConfig::default());
    assert_eq!(format!("{plain:?}"), format!("{traced:?}"));
}

#[test]
fn sampling_keeps_the_rate_the_failures_and_each_windows_slowest() {
    let config = TraceConfig {
        sample_rate: 0.05,
        slowest_per_window: 3,
        max_traces: 100_000,
    };
    let (s, traces) = traced_run(TRACED, config);
    let finished: Vec<&Trace> = traces.iter().filter(|t| t.result.is_some()).collect();
    let failed = finished.iter().filter(|t| t.kept_for.failed).count() as u64;
    assert_eq!(failed, s.requests.failed, "every failed request is kept");
    let sampled = finished.iter().filter(|t| t.kept_for.sampled).count() as f64;
    // Binomial(total, 0.05): within 5 sd.
    let n = s.requests.total as f64;
    let sd = (n * 0.05 * 0.95).sqrt();
    assert!((sampled - 0.05 * n).abs() < 5.0 * sd, "{sampled} of {n}");
    // In each window, the slowest successes are kept: none kept finished
    // faster than a success left out of that window. Check against the
    // window's max latency from the metrics.
    for w in &s.windows {
        let in_window = |t: &&&Trace| {
            let end = t.end.unwrap().as_secs_f64();
            end >= w.start_s && end < w.end_s && t.result.unwrap().is_ok()
        };
        let slowest_kept = finished
            .iter()
            .filter(in_window)
            .map(|t| t.latency())
            .max()
            .unwrap_or(SimDuration::ZERO);
        if w.ok > 0 {
            let max_ms = w.latency_ms.max;
            // HDR keeps 3 significant digits.
            assert!(
                (slowest_kept.as_millis_f64() - max_ms).abs() <= max_ms * 1e-3 + 1e-6,
                "window at {} s: slowest kept {} ms, max {} ms",
                w.start_s,
                slowest_kept.as_millis_f64(),
                max_ms
            );
        }
    }
}

#[test]
fn span_durations_add_up_to_exact_constant_times() {
    // Every time a constant: 1 ms on each link, 1 ms of work at api and at
    // db. So db serves for 1 ms; api's attempt to db takes 1 + 1 + 1 = 3 ms;
    // api serves for its 1 ms plus that call, 4 ms; the client's attempt
    // and the request take 1 + 4 + 1 = 6 ms.
    let src = r#"Scenario(name: "constant", duration: "5s",
        nodes: {
            "users": Client(open: Constant(per_second: 100), target: "api"),
            "api": Service(workers: 4, work: Constant("1ms"), calls: [Call(to: "db")]),
            "db": Service(workers: 4, work: Constant("1ms")),
        },
        default_link: Link(latency: Constant("1ms")))"#;
    let (s, traces) = traced_run(src, ALL);
    let c = config(src, 7);
    let (users, api, db) = (node(&c, "users"), node(&c, "api"), node(&c, "db"));
    let ms = SimDuration::from_millis;
    let finished: Vec<&Trace> = traces.iter().filter(|t| t.end.is_some()).collect();
    assert_eq!(finished.len() as u64, s.requests.ok);
    for t in finished {
        assert_eq!(t.latency(), ms(6));
        for span in &t.spans {
            let expected = match (span.kind, span.node) {
                (SpanKind::Request, n) if n == users => ms(6),
                (SpanKind::Attempt, n) if n == users => ms(6),
                (SpanKind::Serve, n) if n == api => ms(4),
                (SpanKind::Attempt, n) if n == api => ms(3),
                (SpanKind::Serve, n) if n == db => ms(1),
                other => panic!("an unexpected span {other:?}"),
            };
            assert_eq!(span.duration(), expected, "{span:?}");
        }
        assert_eq!(t.spans.len(), 5, "request, two attempts, two serves");
    }
    // The latency figures read the same 6 ms, to the histogram's precision.
    assert!(
        (s.latency_ms.mean - 6.0).abs() < 6.0e-3,
        "{}",
        s.latency_ms.mean
    );
    assert!(
        (s.latency_ms.p99 - 6.0).abs() < 6.0e-3,
        "{}",
        s.latency_ms.p99
    );
}
