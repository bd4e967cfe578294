//! faultlab: a deterministic lab for learning fault tolerance in distributed systems.
//!
//! - [`sim`]: the discrete-event simulation engine (pure, deterministic, no I/O).
//! - [`metrics`]: windows, percentiles, availability, SLO and error budget.
//! - [`scenario`]: the RON scenario file, validated into a [`sim::config::SimConfig`].
//! - [`report`]: the summary of a run as a table, JSON or CSV.
//! - [`export`]: traces as OpenTelemetry JSON, metrics as Prometheus text.
//! - [`live`]: the runner that paces a simulation for the window.
//! - [`sweep`]: a scenario over a grid of settings and seeds, as CSV.
//! - [`parallel`]: independent jobs over the cores, results in order.

pub mod check;
pub mod export;
pub mod lab;
pub mod live;
pub mod metrics;
pub mod parallel;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod ui;
