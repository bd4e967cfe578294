//! One integration test binary; each module is one concern.

mod support;

mod clocks;
mod determinism;
mod idempotency;
mod partitions;
mod queueing;
mod retries;
mod scenario_files;
mod tidy;
