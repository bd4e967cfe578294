//! What the timeline marks besides actions: Raft elections (a change of
//! leader stands out from a re-election of the same node) and SLO burn-rate
//! alerts firing and clearing.

use crate::live::Snapshot;
use crate::metrics::alerts::Severity;

/// Kinds of mark, each drawn its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A node became leader; `change`: a different node than the last leader.
    Election {
        /// Another node than the previous leader (or the first leader).
        change: bool,
    },
    /// A burn-rate alert fired (`firing`) or cleared.
    Alert {
        /// Fast (page) or slow burn.
        severity: Severity,
        /// Fired, else cleared.
        firing: bool,
    },
}

/// One mark on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// When, simulated seconds.
    pub at_s: f64,
    /// What.
    pub kind: MarkKind,
    /// Its hover text.
    pub label: String,
}

/// The elections and alerts of the run so far, in time order per kind.
pub fn marks(snapshot: &Snapshot) -> Vec<Mark> {
    let name = |i: u32| {
        snapshot
            .scenario
            .nodes
            .get(i as usize)
            .map_or("?", |n| n.name.as_str())
    };
    let mut out = Vec::new();
    let mut last: Option<u32> = None;
    for l in snapshot.leaders.iter() {
        let change = last != Some(l.node);
        last = Some(l.node);
        let what = if change {
            "new leader"
        } else {
            "re-elected leader"
        };
        out.push(Mark {
            at_s: l.at_s,
            kind: MarkKind::Election { change },
            label: format!("{:.2} s: {} {what} (term {})", l.at_s, name(l.node), l.term),
        });
    }
    for a in snapshot.alerts.iter() {
        let rule = match a.severity {
            Severity::Fast => "fast-burn",
            Severity::Slow => "slow-burn",
        };
        let what = if a.firing { "fires" } else { "clears" };
        out.push(Mark {
            at_s: a.at_s,
            kind: MarkKind::Alert {
                severity: a.severity,
                firing: a.firing,
            },
            label: format!(
                "{:.1} s: {rule} SLO alert {what} (burn rate {:.1} long, {:.1} short)",
                a.at_s, a.long_burn, a.short_burn
            ),
        });
    }
    out
}
