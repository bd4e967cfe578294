//! Where the window gets snapshots from and sends commands to: the live
//! runner on its thread, or — in tests — a thread-free session that only
//! moves when the test says so.

use std::sync::Arc;

use crate::live::{Command, LiveRunner, Session, Snapshot};
use crate::sim::config::SimConfig;
use crate::sim::time::SimDuration;

/// The window's end of a run.
pub enum Driver {
    /// A run paced against the wall clock on a background thread.
    Live(LiveRunner),
    /// A deterministic session advanced explicitly (tests, benchmarks).
    Manual {
        /// The session.
        session: Box<Session>,
        /// Its snapshot after the last command or advance.
        snapshot: Arc<Snapshot>,
    },
}

impl Driver {
    /// Starts `config` on a runner thread; `repaint` is called at each new snapshot.
    pub fn live(config: SimConfig, repaint: Arc<dyn Fn() + Send + Sync>) -> Self {
        Driver::Live(LiveRunner::start(config, repaint))
    }

    /// A paused thread-free session of `config`.
    pub fn manual(config: SimConfig) -> Self {
        let session = Box::new(Session::new(config));
        let snapshot = Arc::new(session.snapshot());
        Driver::Manual { session, snapshot }
    }

    /// Sends a command (applied in order).
    pub fn send(&mut self, command: Command) {
        match self {
            Driver::Live(runner) => runner.send(command),
            Driver::Manual { session, snapshot } => {
                session.command(command);
                *snapshot = Arc::new(session.snapshot());
            }
        }
    }

    /// The latest snapshot.
    pub fn latest(&self) -> Arc<Snapshot> {
        match self {
            Driver::Live(runner) => runner.latest(),
            Driver::Manual { snapshot, .. } => snapshot.clone(),
        }
    }

    /// Advances a manual session by `d` of simulated time (if it is
    /// playing); does nothing to a live runner, which paces itself.
    pub fn advance(&mut self, d: SimDuration) {
        if let Driver::Manual { session, snapshot } = self {
            session.advance_by(d);
            *snapshot = Arc::new(session.snapshot());
        }
    }

    /// Whether this is a live runner (which repaints the window by itself).
    pub fn is_live(&self) -> bool {
        matches!(self, Driver::Live(_))
    }
}
