//! One integration test binary; each module is one concern.

mod support;

mod alerts;
mod balancing;
mod cli;
mod clocks;
mod determinism;
mod exports;
mod idempotency;
mod labs;
mod live;
mod partitions;
mod policies;
mod queueing;
mod retries;
mod scenario_files;
mod scenario_roundtrip;
mod tidy;
mod traces;
mod ui;
