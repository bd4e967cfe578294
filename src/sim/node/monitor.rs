//! A monitor: probes the nodes it watches every `interval` and feeds each
//! answer to a failure detector; it tells the observer when it starts and
//! stops suspecting a node (the observer knows whether the node was really
//! down, and so counts detection times and false suspicions).

use crate::sim::config::NodeId;
use crate::sim::detector::Detector;
use crate::sim::message::Message;
use crate::sim::store_config::{DetectorConfig, MonitorConfig};
use crate::sim::time::SimDuration;

use super::{Ctx, Timer};

/// Phi accrual is evaluated this many times per probe interval.
const PHI_CHECKS_PER_INTERVAL: u64 = 10;

/// Timers of a monitor.
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

/// A node watching others.
pub struct Monitor {
    config: MonitorConfig,
    detectors: Vec<Detector>,
    suspected: Vec<bool>,
    heard: Vec<u32>,
    seq: u64,
}

impl Monitor {
    /// A monitor that has heard nothing yet.
    pub fn new(config: MonitorConfig) -> Self {
        let n = config.watch.len();
        Monitor {
            detectors: vec![Detector::new(config.detector); n],
            suspected: vec![false; n],
            heard: vec![0; n],
            seq: 0,
            config,
        }
    }

    /// Whether it suspects each watched node now, in `watch` order.
    pub fn suspicions(&self) -> Vec<(NodeId, bool)> {
        self.config
            .watch
            .iter()
            .copied()
            .zip(self.suspected.iter().copied())
            .collect()
    }

    /// Its detector's view of each watched node; `local` is its clock now.
    pub fn detail(&self, local: crate::sim::clock::LocalTime) -> crate::sim::view::NodeDetail {
        let peers = self
            .config
            .watch
            .iter()
            .zip(&self.detectors)
            .zip(&self.suspected)
            .map(|((&node, d), &suspected)| crate::sim::view::PeerView {
                node,
                alive: !suspected,
                heard_ms_ago: d.last().map(|h| local.since(h).as_millis_f64()),
            })
            .collect();
        crate::sim::view::NodeDetail {
            peers,
            ..Default::default()
        }
    }

    /// Probes at once and starts the timers (at the start and after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        *self = Monitor::new(self.config.clone());
        self.probe(ctx);
        if let DetectorConfig::PhiAccrual { .. } = self.config.detector {
            ctx.set_timer(self.check_every(), Timer::Monitor(MonitorTimer::Check));
        }
    }

    fn check_every(&self) -> SimDuration {
        SimDuration((self.config.interval.as_nanos() / PHI_CHECKS_PER_INTERVAL).max(1))
    }

    fn probe(&mut self, ctx: &mut Ctx) {
        self.seq += 1;
        for &to in &self.config.watch {
            ctx.send(
                to,
                Message::Heartbeat {
                    seq: self.seq,
                    pong: false,
                },
            );
        }
        ctx.set_timer(self.config.interval, Timer::Monitor(MonitorTimer::Probe));
    }

    /// A watched node answered a probe.
    pub fn on_pong(&mut self, ctx: &mut Ctx, from: NodeId) {
        let Some(i) = self.config.watch.iter().position(|&w| w == from) else {
            return;
        };
        self.detectors[i].heartbeat(ctx.local);
        self.heard[i] = self.heard[i].wrapping_add(1);
        self.suspected[i] = false;
        if let DetectorConfig::FixedTimeout { timeout } = self.config.detector {
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
            let target = self.config.watch[i].index();
            ctx.suspected(target);
        }
    }
}
