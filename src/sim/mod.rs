//! The deterministic discrete-event simulation.
//!
//! Integer nanosecond time, one event queue with insertion-order tie-breaks, a
//! random stream per component, and nodes written as sans-IO state machines.
//! Nothing here reads the wall clock, spawns a thread or knows about a window.

pub mod clock;
pub mod config;
pub mod deploy;
pub mod detector;
pub mod dist;
pub mod engine;
pub mod lanes;
pub mod message;
pub mod network;
pub mod node;
pub mod queue;
pub mod rng;
pub mod sealed;
pub mod store_config;
pub mod time;
pub mod view;
pub mod zones;

pub use engine::Simulation;
