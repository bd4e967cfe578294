//! The deployments part of the table: requests per version, rollout events.

use std::fmt::Write as _;

use crate::metrics::deploy::{DeployKind, DeploySummary};

use super::{pct, truncate};

/// Appends the per-version counts and the rollout events to `o`.
pub(super) fn table(o: &mut String, d: &DeploySummary) {
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<16} {:<10} {:>10} {:>8} {:>9} {:>8}",
        "service", "version", "requests", "errors", "rejected", "failed"
    );
    for (name, s) in &d.services {
        for (i, v) in s.versions.iter().enumerate() {
            let shown = if i == 0 {
                truncate(name, 16)
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "{:<16} {:<10} {:>10} {:>8} {:>9} {:>8}",
                shown,
                truncate(&v.version, 10),
                v.counts.requests,
                v.counts.errors,
                v.counts.rejected,
                pct(v.failure_rate)
            );
        }
    }
    for e in &d.events {
        let what = match e.kind {
            DeployKind::Canary => format!("canary {} at {}", e.version, pct(e.fraction)),
            DeployKind::Step => format!("canary {} raised to {}", e.version, pct(e.fraction)),
            DeployKind::Promote => format!("canary {} promoted to 100%", e.version),
            DeployKind::Switch => format!("switched to {}", e.version),
            DeployKind::Rollback => format!("rolled back to {}", e.version),
        };
        let reason = e
            .reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        let _ = writeln!(
            o,
            "deploy      {:.1} s  {} {what}{reason}",
            e.at_s, e.service
        );
    }
}

/// Each version's counts per window in the CSV: `SERVICE@VERSION.FIELD`.
const CSV_FIELDS: [&str; 3] = ["requests", "errors", "rejected"];

/// The CSV's per-version column names, in service then version order.
pub(super) fn csv_header(d: &DeploySummary) -> Vec<String> {
    let mut out = Vec::new();
    for (name, s) in &d.services {
        for v in &s.versions {
            out.extend(
                CSV_FIELDS
                    .iter()
                    .map(|f| format!("{name}@{}.{f}", v.version)),
            );
        }
    }
    out
}

/// Window `k`'s per-version cells, in [`csv_header`] order.
pub(super) fn csv_cells(d: &DeploySummary, k: usize) -> Vec<String> {
    let mut out = Vec::new();
    for s in d.services.values() {
        for v in 0..s.versions.len() {
            let c = s
                .windows
                .get(k)
                .and_then(|w| w.get(v))
                .copied()
                .unwrap_or_default();
            out.extend([c.requests, c.errors, c.rejected].map(|x| x.to_string()));
        }
    }
    out
}
