//! Measuring a run: windows of simulated time, HDR latency histograms,
//! availability, per-service RED and USE figures, and the SLO's error budget.
//!
//! The [`Recorder`] is the simulation's omniscient observer: it sees true time,
//! which nodes never do, and it is written to only through the engine.

pub mod alerts;
pub mod counts;
pub mod deploy;
pub mod detection;
pub mod edges;
pub mod histogram;
pub mod history;
pub mod raft;
pub mod recorder;
pub mod state;
pub mod summary;
pub mod trace;

pub use counts::FailureCounts;
pub use histogram::{LatencyHistogram, LatencySummary};
pub use recorder::Recorder;
pub use summary::{ClientSummary, RunSummary, ServiceSummary, SloSummary, WindowSummary};
