//! The live runner: owns a [`Simulation`](crate::sim::Simulation) on a
//! background thread, paces it against the wall clock, applies commands
//! between events, and publishes [`Snapshot`]s for the window to read.
//!
//! The window never touches the simulation: it reads the latest snapshot and
//! sends [`Command`]s (DESIGN.md, principle 4). Every action a learner takes
//! is applied at the current simulated time *and recorded* as a timeline
//! entry, so replaying the recorded actions headless gives the same run.

pub mod fork;
pub mod runner;
pub mod session;
pub mod snapshot;
pub mod trace_store;

pub use fork::ForkView;
pub use runner::LiveRunner;
pub use session::Session;
pub use snapshot::{DeployState, EdgeState, Health, NodeState, RunnerFailure, Snapshot, Totals};

use crate::sim::config::{Action, SimConfig};
use crate::sim::time::SimTime;

/// How fast simulated time runs against the wall clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Simulated seconds per wall second (0.1 to 100).
    Factor(f64),
    /// As fast as the machine allows (the window stays responsive).
    Max,
}

impl Speed {
    /// The slowest factor offered.
    pub const MIN_FACTOR: f64 = 0.1;
    /// The fastest factor offered before "as fast as possible".
    pub const MAX_FACTOR: f64 = 100.0;
}

/// What the window asks the runner to do. Applied in the order sent.
#[derive(Clone, Debug)]
pub enum Command {
    /// Let simulated time run.
    Play,
    /// Stop simulated time.
    Pause,
    /// Advance by one metrics window, then pause.
    Step,
    /// Change the pace.
    SetSpeed(Speed),
    /// Start the same scenario again from time zero, dropping recorded actions.
    Reset,
    /// Start again from time zero with another seed, keeping recorded actions.
    SetSeed(u64),
    /// Apply an action now and record it.
    Act(Action),
    /// Replace the scenario (a file was opened) and start it from time zero.
    Load(Box<SimConfig>),
    /// Re-simulate from time zero to this moment (headless, as fast as
    /// possible) with the recorded actions before it, drop the later ones,
    /// and pause there.
    RewindTo(SimTime),
    /// Forget the last recorded action if it has not been simulated past
    /// (paused right after it); the run is replayed without it.
    UndoLastAction,
    /// Fork the run for comparison: the same scenario, seed and recorded
    /// actions with `change` applied now (none: a control fork), stepped in
    /// lockstep with this run. Replaces any earlier fork.
    Fork {
        /// The change the fork gets and this run does not.
        change: Option<Action>,
        /// The change in words.
        label: String,
    },
    /// End the comparison: drop the fork.
    EndFork,
    /// Stop the runner thread.
    Shutdown,
}
