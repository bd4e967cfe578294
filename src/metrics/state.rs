//! The per-window series of replicated-state figures: what the consistency
//! checker found, store availability, failure-detector suspicions and Raft
//! elections, each counted in the window it happened in.

use crate::check::WindowConsistency;
use crate::check::windows::bump;
use crate::sim::time::SimTime;

use super::detection::Detection;
use super::history::History;
use super::raft::RaftLedger;
use super::summary::StateWindow;

/// The sources a state series is made from.
pub struct StateSources<'a> {
    /// The store history.
    pub history: &'a History,
    /// Suspicions judged against real crashes.
    pub detection: &'a Detection,
    /// Raft leaders.
    pub raft: &'a RaftLedger,
}

impl StateSources<'_> {
    /// Whether any of them has something to say (a store, a monitor or Raft ran).
    pub fn active(&self) -> bool {
        !self.history.is_empty() || self.detection.active() || self.raft.used()
    }

    /// One [`StateWindow`] per window ending at `ends`; `consistency` is the
    /// checker's per-window counts, when it ran.
    pub fn series(
        &self,
        ends: &[SimTime],
        consistency: Option<&[WindowConsistency]>,
    ) -> Vec<StateWindow> {
        let mut out = vec![StateWindow::default(); ends.len()];
        if let Some(c) = consistency {
            for (st, c) in out.iter_mut().zip(c) {
                st.stale_reads = c.stale_reads;
                st.lost_writes = c.lost_writes;
                st.not_linearizable = c.not_linearizable;
            }
        }
        for &(t, ok) in &self.history.ended {
            bump(&mut out, ends, t, |s| {
                s.store_ops += 1;
                s.store_ok += u64::from(ok);
            });
        }
        for &t in self.detection.suspicion_times() {
            bump(&mut out, ends, t, |s| s.suspicions += 1);
        }
        for &t in self.detection.false_times() {
            bump(&mut out, ends, t, |s| s.false_suspicions += 1);
        }
        for (t, took) in self.detection.detections() {
            let ms = took.as_millis_f64();
            bump(&mut out, ends, t, |s| {
                s.detections += 1;
                s.detect_ms_total += ms;
                s.detect_ms_max = s.detect_ms_max.max(ms);
            });
        }
        let ends_s: Vec<f64> = ends.iter().map(|e| e.as_secs_f64()).collect();
        for l in self.raft.leaders() {
            let w = ends_s.partition_point(|&end| end <= l.at_s);
            if let Some(s) = out.get_mut(w) {
                s.elections += 1;
            }
        }
        out
    }
}
