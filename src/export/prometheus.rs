//! A Prometheus text-format (exposition format 0.0.4) snapshot of a run's
//! metrics: end-to-end counters and latency, the SLO and its error budget,
//! and per node the RED (rate, errors, duration) and USE (utilization,
//! saturation, errors) figures and its outgoing calls; per version of a
//! service with several, its requests, errors and rejected answers.
//!
//! Every metric has `# HELP` and `# TYPE` lines, names match
//! `[a-zA-Z_:][a-zA-Z0-9_:]*`, label values are escaped (`\\`, `\"`, `\n`),
//! durations are in seconds as Prometheus convention asks, and latency
//! percentiles are written as a `summary` with its `_sum` and `_count`.

use std::fmt::Write as _;

use crate::metrics::{LatencySummary, RunSummary};
use crate::sim::message::Failure;

/// Collects metric families in text format.
struct Text {
    out: String,
}

impl Text {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// A latency summary in seconds: quantiles, `_sum` and `_count`.
    fn latency(&mut self, name: &str, labels: &[(&str, &str)], l: &LatencySummary, count: u64) {
        for (q, ms) in [
            ("0.5", l.p50),
            ("0.9", l.p90),
            ("0.99", l.p99),
            ("0.999", l.p999),
        ] {
            let mut with_q = labels.to_vec();
            with_q.push(("quantile", q));
            self.sample(name, &with_q, ms / 1e3);
        }
        self.sample(&format!("{name}_sum"), labels, l.mean / 1e3 * count as f64);
        self.sample(&format!("{name}_count"), labels, count as f64);
    }
}

/// The snapshot as Prometheus text.
pub fn to_prometheus(s: &RunSummary) -> String {
    let mut t = Text { out: String::new() };
    let scenario = [("scenario", s.scenario.as_str())];
    t.family(
        "faultlab_sim_seconds",
        "gauge",
        "Simulated seconds covered by the run.",
    );
    t.sample("faultlab_sim_seconds", &scenario, s.sim_seconds);
    t.family(
        "faultlab_requests_offered_total",
        "counter",
        "End-user requests the clients generated.",
    );
    t.sample(
        "faultlab_requests_offered_total",
        &scenario,
        s.requests.offered as f64,
    );
    t.family(
        "faultlab_requests_total",
        "counter",
        "End-user requests that finished, by outcome.",
    );
    t.sample(
        "faultlab_requests_total",
        &[("scenario", &s.scenario), ("outcome", "ok")],
        s.requests.ok as f64,
    );
    t.sample(
        "faultlab_requests_total",
        &[("scenario", &s.scenario), ("outcome", "failed")],
        s.requests.failed as f64,
    );
    t.family(
        "faultlab_request_failures_total",
        "counter",
        "Failed end-user requests by cause.",
    );
    for cause in Failure::ALL {
        t.sample(
            "faultlab_request_failures_total",
            &[("scenario", &s.scenario), ("cause", cause.key())],
            s.failures.get(cause) as f64,
        );
    }
    t.family(
        "faultlab_client_attempts_total",
        "counter",
        "Attempts the clients sent (first tries, retries, hedges).",
    );
    t.sample(
        "faultlab_client_attempts_total",
        &scenario,
        s.requests.attempts as f64,
    );
    t.family(
        "faultlab_duplicate_executions_total",
        "counter",
        "Repeated executions of a non-idempotent operation for the same request.",
    );
    t.sample(
        "faultlab_duplicate_executions_total",
        &scenario,
        s.requests.duplicates as f64,
    );
    t.family(
        "faultlab_request_latency_seconds",
        "summary",
        "End-to-end latency of successful requests.",
    );
    t.latency(
        "faultlab_request_latency_seconds",
        &scenario,
        &s.latency_ms,
        s.requests.ok,
    );
    slo(&mut t, s);
    nodes(&mut t, s);
    if let Some(d) = &s.deployments {
        versions(&mut t, s, d);
    }
    t.out
}

/// Requests, errors and rejected answers of each version of the services
/// with several versions.
fn versions(t: &mut Text, s: &RunSummary, d: &crate::metrics::deploy::DeploySummary) {
    type Field = fn(&crate::metrics::deploy::VersionCounts) -> u64;
    let counters: [(&str, &str, Field); 3] = [
        ("requests", "Requests a version answered.", |c| c.requests),
        ("errors", "Answers of a version that were errors.", |c| {
            c.errors
        }),
        (
            "rejected",
            "Successful answers of a version a caller could not read.",
            |c| c.rejected,
        ),
    ];
    for (field, help, get) in counters {
        let name = format!("faultlab_version_{field}_total");
        t.family(&name, "counter", help);
        for (node, svc) in &d.services {
            for v in &svc.versions {
                let labels = [
                    ("scenario", s.scenario.as_str()),
                    ("node", node.as_str()),
                    ("version", v.version.as_str()),
                ];
                t.sample(&name, &labels, get(&v.counts) as f64);
            }
        }
    }
}

fn slo(t: &mut Text, s: &RunSummary) {
    let scenario = [("scenario", s.scenario.as_str())];
    for (name, help, value) in [
        (
            "faultlab_slo_availability_target",
            "The availability objective.",
            s.slo.availability_target,
        ),
        (
            "faultlab_availability",
            "Measured end-to-end availability.",
            s.slo.availability,
        ),
        (
            "faultlab_error_budget_remaining_ratio",
            "Error budget left (negative when overspent).",
            s.slo.budget_remaining,
        ),
        (
            "faultlab_slo_latency_threshold_seconds",
            "The latency objective's threshold.",
            s.slo.latency_threshold_ms / 1e3,
        ),
        (
            "faultlab_unanswered_requests",
            "Requests waiting longer than the latency threshold with no answer at the end (in neither availability nor latency).",
            s.slo.unanswered as f64,
        ),
    ] {
        t.family(name, "gauge", help);
        t.sample(name, &scenario, value);
    }
}

fn nodes(t: &mut Text, s: &RunSummary) {
    type Field = fn(&crate::metrics::ServiceSummary) -> f64;
    let counters: [(&str, &str, Field); 11] = [
        ("arrivals", "Requests that arrived.", |n| n.arrivals as f64),
        ("ok", "Requests answered successfully.", |n| n.ok as f64),
        ("errors", "Requests answered with an error.", |n| {
            n.errors as f64
        }),
        (
            "rejected",
            "Requests refused: queue full or rate limited.",
            |n| n.rejected as f64,
        ),
        ("shed", "Requests shed by priority under load.", |n| {
            n.shed as f64
        }),
        ("lost_in_crash", "Requests lost in a crash.", |n| {
            n.lost_in_crash as f64
        }),
        ("calls", "Logical calls started.", |n| n.calls.calls as f64),
        ("attempts", "Attempts sent.", |n| n.calls.attempts as f64),
        ("retries", "Retries sent.", |n| n.calls.retries as f64),
        ("hedges", "Hedges sent.", |n| n.calls.hedges as f64),
        ("circuit_open", "Calls refused by a circuit breaker.", |n| {
            n.calls.circuit_open as f64
        }),
    ];
    for (field, help, get) in counters {
        let name = format!("faultlab_node_{field}_total");
        t.family(&name, "counter", help);
        for (node, n) in &s.services {
            t.sample(&name, &node_labels(s, node, n), get(n));
        }
    }
    let gauges: [(&str, &str, Field); 3] = [
        ("utilization_ratio", "Mean fraction of workers busy.", |n| {
            n.utilization
        }),
        ("queue_mean", "Time-average queue length.", |n| n.mean_queue),
        ("queue_max", "Longest queue seen.", |n| n.max_queue as f64),
    ];
    for (field, help, get) in gauges {
        let name = format!("faultlab_node_{field}");
        t.family(&name, "gauge", help);
        for (node, n) in &s.services {
            t.sample(&name, &node_labels(s, node, n), get(n));
        }
    }
    let name = "faultlab_node_duration_seconds";
    t.family(
        name,
        "summary",
        "Time from arrival to answer inside the node.",
    );
    for (node, n) in &s.services {
        t.latency(
            name,
            &node_labels(s, node, n),
            &n.duration_ms,
            n.ok + n.errors,
        );
    }
}

fn node_labels<'a>(
    s: &'a RunSummary,
    node: &'a str,
    n: &'a crate::metrics::ServiceSummary,
) -> [(&'static str, &'a str); 3] {
    [
        ("scenario", s.scenario.as_str()),
        ("node", node),
        ("kind", n.kind.as_str()),
    ]
}

/// A sample value as the format writes it (`NaN`, `+Inf`, `-Inf` spelled so).
fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x == f64::INFINITY {
        "+Inf".into()
    } else if x == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{x}")
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}
