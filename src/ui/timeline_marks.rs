//! What the timeline marks besides actions: Raft elections (a change of
//! leader stands out from a re-election of the same node), SLO burn-rate
//! alerts firing and clearing, and rollouts (a canary stepped up, promoted
//! or rolled back, a blue/green switch), whoever started them.

use crate::live::Snapshot;
use crate::metrics::alerts::Severity;
use crate::metrics::deploy::DeployKind;

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
    /// A rollout event.
    Rollout(DeployKind),
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
    for r in snapshot.rollouts.iter() {
        let service = name(r.node as u32);
        let version = snapshot
            .scenario
            .nodes
            .get(r.node)
            .and_then(|n| match &n.kind {
                crate::sim::config::NodeKind::Service(s) if r.version < s.versions.count() => {
                    Some(s.versions.name(r.version).to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| "?".to_string());
        let at_s = r.at.as_secs_f64();
        let percent = r.fraction * 100.0;
        let what = match r.kind {
            DeployKind::Canary => format!("canary {version} starts at {percent:.0}%"),
            DeployKind::Step => format!("canary {version} steps up to {percent:.0}%"),
            DeployKind::Promote => format!("canary {version} promoted: serves everything"),
            DeployKind::Switch => format!("switched to {version}"),
            DeployKind::Rollback => match &r.reason {
                Some(why) => format!("rolled back to {version} ({why})"),
                None => format!("rolled back to {version}"),
            },
        };
        out.push(Mark {
            at_s,
            kind: MarkKind::Rollout(r.kind),
            label: format!("{at_s:.1} s: {service} {what}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{Command, Session};
    use crate::sim::time::SimDuration;

    /// The canary example starts v2 at 5% at 20 s and the engine rolls it
    /// back at the end of its first step (30 s): both are marked, the
    /// rollback with the engine's reason.
    #[test]
    fn the_engines_rollback_is_marked_with_its_reason() {
        let text = include_str!("../../labs/examples/canary.ron");
        let scenario = crate::scenario::parse_str(text, "canary.ron").unwrap();
        let mut session = Session::new(scenario.config);
        session.command(Command::Play);
        session.advance_by(SimDuration::from_secs(35));
        let rollouts: Vec<Mark> = marks(&session.snapshot())
            .into_iter()
            .filter(|m| matches!(m.kind, MarkKind::Rollout(_)))
            .collect();
        assert_eq!(rollouts.len(), 2, "{rollouts:?}");
        assert_eq!(rollouts[0].kind, MarkKind::Rollout(DeployKind::Canary));
        assert_eq!(rollouts[0].at_s, 20.0);
        assert_eq!(rollouts[0].label, "20.0 s: api canary v2 starts at 5%");
        assert_eq!(rollouts[1].kind, MarkKind::Rollout(DeployKind::Rollback));
        assert_eq!(rollouts[1].at_s, 30.0);
        assert!(
            rollouts[1]
                .label
                .starts_with("30.0 s: api rolled back to v1 (error rate "),
            "{}",
            rollouts[1].label
        );
    }
}
