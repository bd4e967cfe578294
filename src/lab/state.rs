//! Objectives on replicated state, failure detection and elections: figures
//! the run knows only once it is summarised (the checker needs the whole
//! history of store operations).
//!
//! - **Stale reads, lost writes, false suspicions, detections** over the whole
//!   run are the summary's counts (`consistency`, `detection`); over a range
//!   they are the sums of the windows' `state` counts, by the rule of
//!   [`super::measure`] (a stale read counts in the window its read
//!   completed in, a lost write in the window it was acknowledged in, a
//!   suspicion in the window it was raised in).
//! - **Leader elections** count the leaders the run recorded whose election
//!   time lies in the range (`from ≤ t < to`): exact, since each carries its time.
//! - **Non-linearizable keys, store and client availability, missed
//!   detections, times to detect** exist for the whole run only.
//!
//! Live, none of these has a value yet: they are shown at the end.

use super::measure::windows_in;
use super::objective::{During, Metric};
use crate::metrics::summary::availability;
use crate::metrics::{RunSummary, WindowSummary};

/// A value and what a reader should know about it.
type Measured = (Option<f64>, Option<String>);

/// The value of `metric` over `during`, or `None` when `metric` is not one
/// of this module's. `run` is the finished run (`None` while it is live).
pub(super) fn measure(
    metric: &Metric,
    during: During,
    windows: &[WindowSummary],
    run: Option<&RunSummary>,
) -> Option<Measured> {
    if !is_state(metric) {
        return None;
    }
    let Some(run) = run else {
        return Some((None, Some("measured at the end of the run".to_string())));
    };
    let windowed = |f: fn(&crate::metrics::summary::StateWindow) -> u64| -> Measured {
        let ws = windows_in(during, windows);
        if ws.is_empty() {
            return (None, Some(format!("no metrics window lies {during}")));
        }
        let n: u64 = ws.iter().filter_map(|w| w.state.as_ref()).map(f).sum();
        (Some(n as f64), None)
    };
    let whole = during == During::Whole;
    Some(match metric {
        Metric::StaleReads | Metric::LostWrites | Metric::NonLinearizableKeys => {
            let Some(c) = &run.consistency else {
                return Some(absent("replicated store"));
            };
            match metric {
                Metric::StaleReads if whole => (Some(c.stale_reads as f64), None),
                Metric::StaleReads => windowed(|s| s.stale_reads),
                Metric::LostWrites if whole => (Some(c.lost_writes as f64), None),
                Metric::LostWrites => windowed(|s| s.lost_writes),
                _ => (
                    Some(c.keys_not_linearizable as f64),
                    (c.keys_too_large > 0).then(|| {
                        format!(
                            "{} keys were too large for the checker and have no verdict",
                            c.keys_too_large
                        )
                    }),
                ),
            }
        }
        Metric::StoreAvailability => match &run.consistency {
            None => absent("replicated store"),
            Some(c) if c.operations == 0 => (None, Some("no store operation ran".to_string())),
            Some(c) => (
                Some(availability(c.reads_ok + c.writes_ok, c.operations)),
                (c.dropped > 0).then(|| {
                    format!(
                        "{} operations past the history's limit are left out",
                        c.dropped
                    )
                }),
            ),
        },
        Metric::ClientAvailability(n) => match run.clients.get(n) {
            None => (None, Some(format!("this run has no client named {n:?}"))),
            Some(c) if c.ok + c.failed == 0 && c.offered > 0 => (Some(0.0), None),
            Some(c) => (Some(availability(c.ok, c.ok + c.failed)), None),
        },
        Metric::FalseSuspicions
        | Metric::Detections
        | Metric::MissedDetections
        | Metric::MeanTimeToDetectMs
        | Metric::MaxTimeToDetectMs => {
            let Some(d) = &run.detection else {
                return Some(absent("monitor"));
            };
            let time = |t: f64| -> Measured {
                match (d.crashes_watched, d.detections) {
                    (0, _) => (None, Some("no watched node crashed".to_string())),
                    (_, 0) => (None, Some("no crash was detected".to_string())),
                    _ => (Some(t), None),
                }
            };
            match metric {
                Metric::FalseSuspicions if whole => (Some(d.false_suspicions as f64), None),
                Metric::FalseSuspicions => windowed(|s| s.false_suspicions),
                Metric::Detections if whole => (Some(d.detections as f64), None),
                Metric::Detections => windowed(|s| s.detections),
                Metric::MissedDetections => (
                    Some(d.crashes_watched.saturating_sub(d.detections) as f64),
                    None,
                ),
                Metric::MeanTimeToDetectMs => time(d.mean_time_to_detect_ms),
                _ => time(d.max_time_to_detect_ms),
            }
        }
        Metric::LeaderElections => match &run.raft {
            None => absent("Raft node"),
            Some(r) => {
                let (from, to) = during.bounds_s();
                let n = r
                    .leaders
                    .iter()
                    .filter(|l| l.at_s >= from && to.is_none_or(|to| l.at_s < to))
                    .count();
                let full = r.leaders.len() >= crate::metrics::raft::MAX_LEADER_RECORDS;
                (
                    Some(n as f64),
                    full.then(|| "a lower bound: the run kept only its first leaders".to_string()),
                )
            }
        },
        _ => return None,
    })
}

/// Whether `metric` is measured here.
fn is_state(metric: &Metric) -> bool {
    matches!(
        metric,
        Metric::StaleReads
            | Metric::LostWrites
            | Metric::NonLinearizableKeys
            | Metric::StoreAvailability
            | Metric::ClientAvailability(_)
            | Metric::FalseSuspicions
            | Metric::Detections
            | Metric::MissedDetections
            | Metric::MeanTimeToDetectMs
            | Metric::MaxTimeToDetectMs
            | Metric::LeaderElections
    )
}

fn absent(what: &str) -> Measured {
    (None, Some(format!("this run has no {what}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ConsistencySummary;
    use crate::lab::{Comparison, Objective, Verdict, evaluate_objectives, evaluate_so_far};
    use crate::metrics::detection::DetectionSummary;
    use crate::metrics::raft::{LeaderRecord, RaftSummary};
    use crate::metrics::summary::StateWindow;
    use crate::sim::Simulation;
    use crate::sim::time::SimDuration;

    /// A real 10 s run of one store client, with planted state figures:
    /// one stale read in each of windows 2, 3 and 7, a lost write in window
    /// 7, a false suspicion in window 1 and leaders elected at 0.2 s and 5.5 s.
    fn run() -> RunSummary {
        let text = r#"Scenario(version: 1, seed: 1, duration: "10s", nodes: {
            "r1": Replica(peers: [], read_quorum: 1, write_quorum: 1),
            "c": StoreClient(target: "r1", open: Poisson(per_second: 5), keys: Uniform(n: 2), writes: 0.5, timeout: "1s"),
        })"#;
        let s = crate::scenario::parse_str(text, "t.ron").unwrap();
        let mut run = Simulation::new(s.config).run();
        for (i, w) in run.windows.iter_mut().enumerate() {
            w.state = Some(StateWindow {
                stale_reads: u64::from(matches!(i, 2 | 3 | 7)),
                lost_writes: u64::from(i == 7),
                false_suspicions: u64::from(i == 1),
                ..StateWindow::default()
            });
        }
        run.consistency = Some(ConsistencySummary {
            operations: 40,
            reads_ok: 20,
            writes_ok: 10,
            stale_reads: 3,
            lost_writes: 1,
            keys_not_linearizable: 2,
            ..ConsistencySummary::default()
        });
        run.detection = Some(DetectionSummary {
            false_suspicions: 1,
            crashes_watched: 3,
            detections: 2,
            mean_time_to_detect_ms: 150.0,
            max_time_to_detect_ms: 200.0,
            ..DetectionSummary::default()
        });
        run.raft = Some(RaftSummary {
            leaders: [0.2, 5.5]
                .map(|at_s| LeaderRecord {
                    at_s,
                    term: 1,
                    node: 0,
                })
                .to_vec(),
            ..RaftSummary::default()
        });
        run
    }

    fn value(run: &RunSummary, metric: Metric, during: During) -> Option<f64> {
        let o = Objective {
            name: "o".into(),
            metric,
            op: Comparison::AtMost,
            target: 0.0,
            during,
        };
        evaluate_objectives(&[o], run)[0].value
    }

    fn s(secs: u64) -> SimDuration {
        SimDuration::from_secs(secs)
    }

    #[test]
    fn counts_come_from_the_summary_over_the_run_and_from_windows_over_a_range() {
        let r = run();
        assert_eq!(value(&r, Metric::StaleReads, During::Whole), Some(3.0));
        assert_eq!(
            value(&r, Metric::StaleReads, During::Between(s(2), s(4))),
            Some(2.0)
        );
        assert_eq!(
            value(&r, Metric::StaleReads, During::After(s(4))),
            Some(1.0)
        );
        assert_eq!(
            value(&r, Metric::LostWrites, During::Before(s(7))),
            Some(0.0)
        );
        assert_eq!(value(&r, Metric::LostWrites, During::Whole), Some(1.0));
        assert_eq!(
            value(&r, Metric::FalseSuspicions, During::Before(s(2))),
            Some(1.0)
        );
        assert_eq!(
            value(&r, Metric::NonLinearizableKeys, During::Whole),
            Some(2.0)
        );
    }

    #[test]
    fn availabilities_are_ok_over_finished() {
        let r = run();
        assert_eq!(
            value(&r, Metric::StoreAvailability, During::Whole),
            Some(30.0 / 40.0)
        );
        let c = &r.clients["c"];
        assert!(c.offered > 20, "the client ran: {c:?}");
        let expected = c.ok as f64 / (c.ok + c.failed) as f64;
        assert_eq!(
            value(&r, Metric::ClientAvailability("c".into()), During::Whole),
            Some(expected)
        );
        assert_eq!(
            value(&r, Metric::ClientAvailability("x".into()), During::Whole),
            None
        );
    }

    #[test]
    fn detection_times_need_a_detected_crash() {
        let mut r = run();
        assert_eq!(
            value(&r, Metric::MissedDetections, During::Whole),
            Some(1.0)
        );
        assert_eq!(
            value(&r, Metric::MaxTimeToDetectMs, During::Whole),
            Some(200.0)
        );
        assert_eq!(
            value(&r, Metric::MeanTimeToDetectMs, During::Whole),
            Some(150.0)
        );
        r.detection.as_mut().unwrap().detections = 0;
        assert_eq!(value(&r, Metric::MaxTimeToDetectMs, During::Whole), None);
        r.detection = None;
        assert_eq!(value(&r, Metric::FalseSuspicions, During::Whole), None);
    }

    #[test]
    fn elections_count_by_their_time() {
        let r = run();
        assert_eq!(value(&r, Metric::LeaderElections, During::Whole), Some(2.0));
        assert_eq!(
            value(&r, Metric::LeaderElections, During::After(s(1))),
            Some(1.0)
        );
        assert_eq!(
            value(&r, Metric::LeaderElections, During::Between(s(1), s(5))),
            Some(0.0)
        );
    }

    #[test]
    fn live_they_wait_for_the_end() {
        let r = run();
        let o = Objective {
            name: "o".into(),
            metric: Metric::LostWrites,
            op: Comparison::AtMost,
            target: 0.0,
            during: During::Before(s(5)),
        };
        let live = &evaluate_so_far(std::slice::from_ref(&o), &r.windows, 10.0, 10.0)[0];
        assert_eq!((live.value, live.verdict), (None, Verdict::NotYet));
        assert_eq!(evaluate_objectives(&[o], &r)[0].verdict, Verdict::Pass);
    }
}
