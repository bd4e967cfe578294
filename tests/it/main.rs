//! One integration test binary; each module is one concern.

mod alloc_meter;
mod support;

mod alerts;
mod balancing;
mod cli;
mod clocks;
mod crash_isolation;
mod detectors;
mod determinism;
mod exports;
mod generated;
mod hostile;
mod idempotency;
mod lab_window;
mod labs;
mod leases;
mod live;
mod partitions;
mod policies;
mod queueing;
mod raft;
mod replica_window;
mod replication;
mod retries;
mod scenario_files;
mod scenario_roundtrip;
mod service_knobs;
mod state_windows;
mod sweep;
mod tidy;
mod traces;
mod ui;
mod versions;
