//! A monitor: probes the nodes it watches every `interval` and feeds each
//! answer to a failure detector (see [`Prober`]); it tells the observer when
//! it starts and stops suspecting a node (the observer knows whether the
//! node was really down, and so counts detection times and false suspicions).

use crate::sim::config::NodeId;
use crate::sim::store_config::MonitorConfig;

use super::Ctx;
pub use super::prober::MonitorTimer;
use super::prober::Prober;

/// A node watching others.
pub struct Monitor {
    prober: Prober,
}

impl Monitor {
    /// A monitor that has heard nothing yet.
    pub fn new(config: MonitorConfig) -> Self {
        Monitor {
            prober: Prober::new(config.watch, config.interval, config.detector).counted_on_links(),
        }
    }

    /// Whether it suspects each watched node now, in `watch` order.
    pub fn suspicions(&self) -> Vec<(NodeId, bool)> {
        self.prober.suspicions()
    }

    /// Its detector's view of each watched node; `local` is its clock now.
    pub fn detail(&self, local: crate::sim::clock::LocalTime) -> crate::sim::view::NodeDetail {
        crate::sim::view::NodeDetail {
            peers: self.prober.peers(local),
            ..Default::default()
        }
    }

    /// Probes at once and starts the timers (at the start and after a restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.prober.start(ctx);
    }

    /// A watched node answered probe number `seq`.
    pub fn on_pong(&mut self, ctx: &mut Ctx, from: NodeId, seq: u64) {
        self.prober.on_pong(ctx, from, seq);
    }

    /// Handles one of its timers.
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: MonitorTimer) {
        self.prober.on_timer(ctx, timer);
    }
}
