//! Probing for failure detectors: every `interval` (local time) a probe goes
//! to each watched node over the network, and each answer is a heartbeat
//! for that node's [`Detector`]. Shared by monitors and by balancers'
//! health checks. The observer is told when a node starts and stops being
//! suspected (it knows whether the node was really down).

use crate::sim::clock::LocalTime;
use crate::sim::config::NodeId;
use crate::sim::detector::Detector;
use crate::sim::message::Message;
use crate::sim::store_config::DetectorConfig;
use crate::sim::time::SimDuration;
use crate::sim::view::PeerView;

use super::{Ctx, Timer};

/// Phi accrual is evaluated this many times per probe interval.
const PHI_CHECKS_PER_INTERVAL: u64 = 10;

/// Timers of a prober (a monitor's or a balancer's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonitorTimer {
    /// Send the next round of probes.
    Probe,
    /// Fixed timeout: watched node `target` has been silent for the timeout,
    /// unless it answered since (`heard` is its answer count when set).
    Silence { target: u32, heard: u32 },
    /// Phi accrual: evaluate φ for every watched node.
    Check,
}

/// Probes a set of nodes and keeps a failure detector for each.
#[derive(Clone, Debug)]
pub struct Prober {
    targets: Vec<NodeId>,
    interval: SimDuration,
    detector: DetectorConfig,
    detectors: Vec<Detector>,
    suspected: Vec<bool>,
    heard: Vec<u32>,
    seq: u64,
    /// The first probe number of this run of the prober (numbers go on
    /// across a restart, so an answer to an older probe is told apart).
    first_seq: u64,
    /// When (local time) the latest round of probes went out.
    last_sent: LocalTime,
    /// Count each probe on the link it takes (a monitor, whose links carry
    /// nothing else; not a balancer, whose links show requests).
    counted_on_links: bool,
    /// Deep checks (see `HealthConfig::deep`): answers later than the
    /// fixed timeout are failed checks and do not count as heartbeats.
    deep: bool,
}

impl Prober {
    /// A prober of `targets` every `interval` that has heard nothing yet.
    pub fn new(targets: Vec<NodeId>, interval: SimDuration, detector: DetectorConfig) -> Self {
        let n = targets.len();
        Prober {
            detectors: vec![Detector::new(detector); n],
            suspected: vec![false; n],
            heard: vec![0; n],
            seq: 0,
            first_seq: 1,
            last_sent: LocalTime(0),
            counted_on_links: false,
            deep: false,
            targets,
            interval,
            detector,
        }
    }

    /// The same prober, counting each probe as a call and an attempt on
    /// the link it takes, for the window's link rates.
    pub fn counted_on_links(mut self) -> Self {
        self.counted_on_links = true;
        self
    }

    /// The same prober sending deep checks (see `HealthConfig::deep`) when
    /// `deep` is true.
    pub fn deep(mut self, deep: bool) -> Self {
        self.deep = deep;
        self
    }

    /// Whether it suspects target `i` (in `targets` order) now.
    pub fn suspects(&self, i: usize) -> bool {
        self.suspected[i]
    }

    /// Whether it suspects each target now, in `targets` order.
    pub fn suspicions(&self) -> Vec<(NodeId, bool)> {
        self.targets
            .iter()
            .copied()
            .zip(self.suspected.iter().copied())
            .collect()
    }

    /// Its detector's view of each target; `local` is its clock now.
    pub fn peers(&self, local: LocalTime) -> Vec<PeerView> {
        self.targets
            .iter()
            .zip(&self.detectors)
            .zip(&self.suspected)
            .map(|((&node, d), &suspected)| PeerView {
                node,
                alive: !suspected,
                heard_ms_ago: d.last().map(|h| local.since(h).as_millis_f64()),
            })
            .collect()
    }

    /// Forgets everything, probes at once and starts the timers (at the
    /// start and after a restart). Suspicions it held end. With a fixed
    /// timeout the start counts as the last time each target was heard,
    /// so one that never answers is suspected a timeout later.
    pub fn start(&mut self, ctx: &mut Ctx) {
        for i in 0..self.targets.len() {
            self.clear(ctx, i);
        }
        let (counted, deep, seq) = (self.counted_on_links, self.deep, self.seq);
        *self = Prober::new(
            std::mem::take(&mut self.targets),
            self.interval,
            self.detector,
        );
        self.counted_on_links = counted;
        self.deep = deep;
        self.seq = seq;
        self.first_seq = seq + 1;
        self.probe(ctx);
        match self.detector {
            DetectorConfig::PhiAccrual { .. } => {
                ctx.set_timer(self.check_every(), Timer::Monitor(MonitorTimer::Check));
            }
            DetectorConfig::FixedTimeout { .. } => {
                for i in 0..self.targets.len() {
                    self.await_silence(ctx, i);
                }
            }
        }
    }

    fn check_every(&self) -> SimDuration {
        SimDuration((self.interval.as_nanos() / PHI_CHECKS_PER_INTERVAL).max(1))
    }

    fn probe(&mut self, ctx: &mut Ctx) {
        self.seq += 1;
        self.last_sent = ctx.local;
        for &to in &self.targets {
            if self.counted_on_links {
                let me = ctx.me.index();
                ctx.rec().edge_call(me, to.index());
                ctx.rec().edge_attempt(me, to.index());
            }
            ctx.send(
                to,
                Message::Heartbeat {
                    seq: self.seq,
                    pong: false,
                    deep: self.deep,
                },
            );
        }
        ctx.set_timer(self.interval, Timer::Monitor(MonitorTimer::Probe));
    }

    /// A target answered probe number `seq`.
    pub fn on_pong(&mut self, ctx: &mut Ctx, from: NodeId, seq: u64) {
        let Some(i) = self.targets.iter().position(|&w| w == from) else {
            return;
        };
        if self.deep && !self.answered_in_time(ctx.local, seq) {
            return; // a failed deep check
        }
        self.detectors[i].heartbeat(ctx.local);
        self.heard[i] = self.heard[i].wrapping_add(1);
        self.clear(ctx, i);
        self.await_silence(ctx, i);
    }

    /// With a fixed timeout: suspects target `i` unless it is heard from
    /// again within the timeout from now.
    fn await_silence(&mut self, ctx: &mut Ctx, i: usize) {
        if let DetectorConfig::FixedTimeout { timeout } = self.detector {
            // Fires just after the timeout: suspicion needs silence > timeout.
            ctx.set_timer(
                SimDuration(timeout.as_nanos() + 1),
                Timer::Monitor(MonitorTimer::Silence {
                    target: i as u32,
                    heard: self.heard[i],
                }),
            );
        }
    }

    /// Whether probe `seq`, answered at `now`, was answered within the
    /// fixed timeout. Rounds go out every `interval` exactly, so probe
    /// `seq` left `(self.seq - seq)` intervals before the latest round. An
    /// answer to a probe sent before the prober (re)started is not in time.
    fn answered_in_time(&self, now: LocalTime, seq: u64) -> bool {
        let DetectorConfig::FixedTimeout { timeout } = self.detector else {
            return true;
        };
        if seq < self.first_seq || seq > self.seq {
            return false;
        }
        let rounds_before = self.seq - seq;
        let since_latest = now.since(self.last_sent).as_nanos();
        let age =
            since_latest.saturating_add(rounds_before.saturating_mul(self.interval.as_nanos()));
        age <= timeout.as_nanos()
    }

    /// Handles one of its timers.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: MonitorTimer) {
        match timer {
            MonitorTimer::Probe => self.probe(ctx),
            MonitorTimer::Silence { target, heard } => {
                let i = target as usize;
                if self.heard.get(i) == Some(&heard) {
                    self.suspect(ctx, i);
                }
            }
            MonitorTimer::Check => {
                for i in 0..self.detectors.len() {
                    if self.detectors[i].suspects(ctx.local) {
                        self.suspect(ctx, i);
                    }
                }
                ctx.set_timer(self.check_every(), Timer::Monitor(MonitorTimer::Check));
            }
        }
    }

    fn suspect(&mut self, ctx: &mut Ctx, i: usize) {
        if !self.suspected[i] {
            self.suspected[i] = true;
            ctx.suspected(self.targets[i].index());
        }
    }

    fn clear(&mut self, ctx: &mut Ctx, i: usize) {
        if self.suspected[i] {
            self.suspected[i] = false;
            ctx.unsuspected(self.targets[i].index());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Recorder;
    use crate::metrics::recorder::NodeRole;
    use crate::sim::config::SloConfig;
    use crate::sim::node::ctx::run_at;

    const PROBER: NodeId = NodeId(0);
    const TARGET: NodeId = NodeId(1);

    /// Runs `f` on the prober as its node would at `ms` milliseconds.
    fn at(ms: u64, rec: &mut Recorder, f: impl FnOnce(&mut Ctx)) {
        run_at(ms, PROBER, rec, f);
    }

    /// A deep check's answer counts only when it belongs to this run of the
    /// prober: after a restart, an answer to a probe sent before it is
    /// ignored even though it would be in time by the probe numbers alone.
    #[test]
    fn after_a_restart_an_answer_to_an_older_probe_is_not_a_heartbeat() {
        let mut rec = Recorder::new(
            vec![
                ("balancer".to_string(), NodeRole::Client),
                ("replica".to_string(), NodeRole::Service { workers: 1 }),
            ],
            SimDuration::from_secs(1),
            SloConfig::default(),
            SimDuration::from_secs(60),
        );
        let detector = DetectorConfig::FixedTimeout {
            timeout: SimDuration::from_millis(300),
        };
        let mut prober =
            Prober::new(vec![TARGET], SimDuration::from_millis(100), detector).deep(true);
        let heard = |p: &Prober, ms: u64| p.peers(LocalTime(ms as i64 * 1_000_000))[0].heard_ms_ago;

        at(0, &mut rec, |ctx| prober.start(ctx)); // probe 1
        at(50, &mut rec, |ctx| prober.start(ctx)); // restarted: probe 2
        // Probe 1's answer, 60 ms after it left: 110 ms old by the probe
        // numbers (one round before the latest), within the 300 ms timeout.
        at(60, &mut rec, |ctx| prober.on_pong(ctx, TARGET, 1));
        assert_eq!(
            heard(&prober, 60),
            None,
            "an answer from before the restart"
        );
        at(70, &mut rec, |ctx| prober.on_pong(ctx, TARGET, 2));
        assert_eq!(heard(&prober, 70), Some(0.0), "this run's own probe");
    }
}
