//! One integration test binary; each module is one concern.

mod support;

mod cli;
mod clocks;
mod detectors;
mod determinism;
mod idempotency;
mod labs;
mod live;
mod partitions;
mod policies;
mod queueing;
mod raft;
mod replication;
mod retries;
mod scenario_files;
mod scenario_roundtrip;
mod tidy;
mod ui;
