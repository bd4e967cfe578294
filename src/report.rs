//! Presenting a [`RunSummary`]: a readable table, JSON, or a per-window CSV.

mod deploy;

use std::fmt::Write as _;
use std::io;

use crate::metrics::RunSummary;
use crate::sim::message::Failure;

/// The summary as pretty-printed JSON (one document).
pub fn to_json(summary: &RunSummary) -> String {
    serde_json::to_string_pretty(summary).expect("a summary always serializes")
}

/// Writes the per-window series as CSV: one row per window, end-to-end figures
/// first, then `NODE.FIELD` columns for every non-client node, then
/// `SERVICE@VERSION.FIELD` columns for services with several versions.
pub fn write_csv<W: io::Write>(summary: &RunSummary, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let names: Vec<&String> = summary.services.keys().collect();
    let mut header: Vec<String> = [
        "start_s",
        "end_s",
        "offered",
        "total",
        "ok",
        "failed",
        "availability",
        "attempts",
        "duplicates",
        "budget_remaining",
        "latency_mean_ms",
        "latency_p50_ms",
        "latency_p90_ms",
        "latency_p99_ms",
        "latency_p999_ms",
        "latency_max_ms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(Failure::ALL.iter().map(|f| format!("failed_{}", f.key())));
    for n in &names {
        for field in [
            "arrivals",
            "ok",
            "errors",
            "refused",
            "utilization",
            "mean_queue",
            "max_queue",
            "p99_ms",
        ] {
            header.push(format!("{n}.{field}"));
        }
    }
    if let Some(d) = &summary.deployments {
        header.extend(deploy::csv_header(d));
    }
    let with_state = summary.windows.iter().any(|w| w.state.is_some());
    if with_state {
        header.extend(STATE_COLUMNS.iter().map(|c| format!("state.{c}")));
    }
    w.write_record(&header)?;
    for (k, win) in summary.windows.iter().enumerate() {
        let l = &win.latency_ms;
        let mut row: Vec<String> = vec![
            fmt_f(win.start_s),
            fmt_f(win.end_s),
            win.offered.to_string(),
            win.total.to_string(),
            win.ok.to_string(),
            win.failed.to_string(),
            fmt_f(win.availability),
            win.attempts.to_string(),
            win.duplicates.to_string(),
            fmt_f(win.budget_remaining),
            fmt_f(l.mean),
            fmt_f(l.p50),
            fmt_f(l.p90),
            fmt_f(l.p99),
            fmt_f(l.p999),
            fmt_f(l.max),
        ];
        row.extend(
            Failure::ALL
                .iter()
                .map(|&f| win.failures.get(f).to_string()),
        );
        for n in &names {
            let s = win.services.get(*n).copied().unwrap_or_default();
            row.extend([
                s.arrivals.to_string(),
                s.ok.to_string(),
                s.errors.to_string(),
                s.refused.to_string(),
                fmt_f(s.utilization),
                fmt_f(s.mean_queue),
                s.max_queue.to_string(),
                fmt_f(s.p99_ms),
            ]);
        }
        if let Some(d) = &summary.deployments {
            row.extend(deploy::csv_cells(d, k));
        }
        if with_state {
            row.extend(state_cells(&win.state.unwrap_or_default()));
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// The replicated-state columns (`state.NAME`), last in the CSV.
const STATE_COLUMNS: [&str; 11] = [
    "stale_reads",
    "lost_writes",
    "not_linearizable",
    "store_ops",
    "store_ok",
    "suspicions",
    "false_suspicions",
    "detections",
    "detect_ms_total",
    "detect_ms_max",
    "elections",
];

/// One window's [`STATE_COLUMNS`].
fn state_cells(s: &crate::metrics::summary::StateWindow) -> [String; 11] {
    [
        s.stale_reads.to_string(),
        s.lost_writes.to_string(),
        s.not_linearizable.to_string(),
        s.store_ops.to_string(),
        s.store_ok.to_string(),
        s.suspicions.to_string(),
        s.false_suspicions.to_string(),
        s.detections.to_string(),
        fmt_f(s.detect_ms_total),
        fmt_f(s.detect_ms_max),
        s.elections.to_string(),
    ]
}

fn fmt_f(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

fn pct(x: f64) -> String {
    format!("{:.3}%", x * 100.0)
}

/// A readable multi-line summary for a terminal.
pub fn to_table(s: &RunSummary) -> String {
    let mut o = String::new();
    let r = &s.requests;
    let l = &s.latency_ms;
    let _ = writeln!(
        o,
        "{}  (seed {}, {:.1} s simulated, {} events)",
        s.scenario, s.seed, s.sim_seconds, s.events
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "requests    {} offered, {} finished: {} ok, {} failed ({} availability); {} unfinished",
        r.offered,
        r.total,
        r.ok,
        r.failed,
        pct(r.availability),
        r.unfinished
    );
    let _ = writeln!(
        o,
        "attempts    {} ({:.3} per request); {} duplicate executions; {} degraded; {} stale",
        r.attempts, r.amplification, r.duplicates, r.degraded, r.stale
    );
    let causes: Vec<String> = Failure::ALL
        .iter()
        .filter(|&&f| s.failures.get(f) > 0)
        .map(|&f| format!("{} {}", f.key(), s.failures.get(f)))
        .collect();
    if !causes.is_empty() {
        let _ = writeln!(o, "failures    {}", causes.join(", "));
    }
    let _ = writeln!(
        o,
        "latency ms  mean {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        l.mean, l.p50, l.p90, l.p99, l.p999, l.max
    );
    let slo = &s.slo;
    let _ = writeln!(
        o,
        "SLO         availability {} target {} [{}], error budget {}; p{} {:.3} ms vs {:.3} ms [{}]",
        pct(slo.availability),
        pct(slo.availability_target),
        if slo.availability_met {
            "met"
        } else {
            "MISSED"
        },
        budget_text(slo.budget_remaining),
        slo.percentile,
        slo.latency_at_percentile_ms,
        slo.latency_threshold_ms,
        if slo.latency_met { "met" } else { "MISSED" }
    );
    if slo.unanswered > 0 {
        let _ = writeln!(
            o,
            "            but {} requests had waited over {:.3} ms with no answer when the run ended: \
             they are in neither reading until they finish or time out (with no client timeout, never)",
            slo.unanswered, slo.latency_threshold_ms
        );
    }
    if !s.alerts.is_empty() {
        let list: Vec<String> = s
            .alerts
            .iter()
            .map(|a| {
                let what = if a.firing { "fires" } else { "clears" };
                format!("{:?} burn {what} at {:.1} s", a.severity, a.at_s)
            })
            .collect();
        let _ = writeln!(o, "alerts      {}", list.join("; "));
    }
    let n = &s.network;
    let _ = writeln!(
        o,
        "network     {} messages: {} lost, {} cut by partitions, {} duplicated, {} to crashed nodes",
        n.sent, n.lost, n.cut, n.duplicated, n.to_crashed
    );
    if s.clients.len() > 1 {
        for (name, c) in &s.clients {
            let _ = writeln!(
                o,
                "client      {:<16} {} offered, {} availability, p99 {:.3} ms",
                truncate(name, 16),
                c.offered,
                pct(c.availability),
                c.latency_ms.p99
            );
        }
    }
    if !s.services.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<16} {:>8} {:>10} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9} {:>9}",
            "node",
            "kind",
            "rate/s",
            "errors",
            "refused",
            "util",
            "queue",
            "p50 ms",
            "p99 ms",
            "attempts"
        );
        for (name, v) in &s.services {
            let _ = writeln!(
                o,
                "{:<16} {:>8} {:>10.1} {:>8} {:>8} {:>7.1}% {:>6.1} {:>9.3} {:>9.3} {:>9}",
                truncate(name, 16),
                v.kind,
                v.rate_per_s,
                v.errors,
                v.rejected + v.shed,
                v.utilization * 100.0,
                v.mean_queue,
                v.duration_ms.p50,
                v.duration_ms.p99,
                v.calls.attempts
            );
            if let Some(c) = &v.cache {
                let _ = writeln!(
                    o,
                    "{:<16} cache: {} hits, {} misses ({} hit ratio), {} stale answers",
                    "",
                    c.hits,
                    c.misses,
                    pct(c.hit_ratio),
                    c.stale
                );
            }
            if let Some(q) = &v.queue {
                let _ = writeln!(
                    o,
                    "{:<16} queue: {} enqueued, {} acked, {} redelivered, {} dead-lettered",
                    "", q.enqueued, q.acked, q.redeliveries, q.dead_lettered
                );
            }
        }
    }
    if let Some(d) = &s.deployments {
        deploy::table(&mut o, d);
    }
    o
}

/// "63.2% remaining", or "spent 165.4 times over" once overspent.
fn budget_text(remaining: f64) -> String {
    if remaining >= 0.0 {
        format!("{} remaining", pct(remaining))
    } else {
        format!("spent {:.1} times over", 1.0 - remaining)
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}
