//! Crash isolation: a panic inside the simulation stops that run, not the
//! session, its thread or the window; the failure carries the seed and the
//! simulated time, the recorded scenario reproduces it headless, and a
//! reset starts again.
//!
//! The panic is provoked honestly, through the public API: an action naming a
//! node that does not exist (no scenario file can say this: the loader
//! resolves names) indexes past the engine's node table.

use std::time::{Duration, Instant};

use faultlab::live::{Command, LiveRunner, Session, Snapshot, Speed};
use faultlab::sim::Simulation;
use faultlab::sim::config::{Action, NodeId};
use faultlab::sim::time::{SimDuration, SimTime};

use super::support::example;

/// An action the engine cannot carry out: it panics while applying it.
pub fn impossible_action() -> Action {
    Action::Crash(NodeId(9_999))
}

#[test]
fn a_panic_in_the_simulation_stops_the_run_and_reset_starts_again() {
    let config = example("three-tier.ron").config;
    let seed = config.seed;
    let mut session = Session::new(config);
    session.command(Command::SetSpeed(Speed::Max));
    session.command(Command::Play);
    session.advance_by(SimDuration::from_secs(5));
    session.command(Command::Act(impossible_action()));

    let snap = session.snapshot();
    let failure = snap.failure.clone().expect("the failure is recorded");
    assert!(failure.message.contains("out of bounds"), "{failure:?}");
    assert_eq!(failure.seed, seed);
    assert_eq!(failure.at, SimTime::ZERO + SimDuration::from_secs(5));
    assert!(!snap.playing);

    // The stopped run stays stopped: playing, advancing and acting do nothing.
    session.command(Command::Play);
    assert!(!session.playing());
    assert_eq!(
        session.advance_by(SimDuration::from_secs(1)),
        SimDuration::ZERO
    );

    // What the window would save reproduces the failure headless.
    let replay = session.replay_config();
    let headless = std::panic::catch_unwind(|| Simulation::new(replay).run());
    assert!(headless.is_err(), "the saved session fails headless too");

    session.command(Command::Reset);
    let snap = session.snapshot();
    assert_eq!(snap.failure, None);
    assert_eq!(snap.now, SimTime::ZERO);
    session.command(Command::Play);
    session.advance_by(SimDuration::from_secs(2));
    let snap = session.snapshot();
    assert_eq!(snap.now, SimTime::ZERO + SimDuration::from_secs(2));
    assert!(snap.totals.ok > 0, "the run goes on after the reset");
}

/// Polls the runner until `done` holds, for at most ten seconds of wall time
/// (a runner that died would never get there).
fn wait_for(runner: &LiveRunner, done: impl Fn(&Snapshot) -> bool) -> std::sync::Arc<Snapshot> {
    let start = Instant::now();
    loop {
        let snap = runner.latest();
        if done(&snap) {
            return snap;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the runner did not get there"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_runner_thread_survives_a_panic_and_answers_reset() {
    let config = example("mm1.ron").config;
    let runner = LiveRunner::start(config, std::sync::Arc::new(|| {}));
    runner.send(Command::SetSpeed(Speed::Max));
    runner.send(Command::Play);
    wait_for(&runner, |s| s.now > SimTime::ZERO);
    runner.send(Command::Act(impossible_action()));
    let failed = wait_for(&runner, |s| s.failure.is_some());
    assert!(!failed.playing);

    // Still alive: it applies commands and publishes snapshots.
    runner.send(Command::Reset);
    wait_for(&runner, |s| s.failure.is_none() && s.now == SimTime::ZERO);
    runner.send(Command::Play);
    wait_for(&runner, |s| s.totals.ok > 0);
    drop(runner); // joins the thread
}

/// A configuration the engine cannot build: its client targets a node that
/// does not exist (the loader would refuse it; a `Load` command carries a
/// `SimConfig` as is), so building the simulation panics.
fn unbuildable() -> faultlab::sim::config::SimConfig {
    let mut config = example("mm1.ron").config;
    for node in &mut config.nodes {
        if let faultlab::sim::config::NodeKind::Client(c) = &mut node.kind {
            c.target = NodeId(9_999);
        }
    }
    config
}

#[test]
fn a_panic_while_rebuilding_the_run_is_caught_too() {
    let config = example("mm1.ron").config;
    let mut session = Session::new(config);
    session.command(Command::SetSpeed(Speed::Max));
    session.command(Command::Play);
    session.advance_by(SimDuration::from_secs(3));
    assert!(!session.snapshot().windows.is_empty());

    // Loading rebuilds the simulation (restart_at): the panic is caught.
    let bad = unbuildable();
    let seed = bad.seed;
    session.command(Command::Load(Box::new(bad)));
    let snap = session.snapshot();
    let failure = snap.failure.clone().expect("the failure is recorded");
    assert!(failure.message.contains("out of bounds"), "{failure:?}");
    assert_eq!((failure.seed, failure.at), (seed, SimTime::ZERO));
    assert!(snap.windows.is_empty(), "no windows of the old run");
    assert!(!session.playing());

    // A good scenario loads and runs again.
    session.command(Command::Load(Box::new(example("mm1.ron").config)));
    assert_eq!(session.snapshot().failure, None);
    session.command(Command::Play);
    session.advance_by(SimDuration::from_secs(2));
    assert!(session.snapshot().totals.ok > 0);
}
