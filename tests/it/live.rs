//! The live session: commands at chosen moments, and the promise that the
//! recorded actions replayed headless give the same run.

use faultlab::live::{Command, Session, Speed};
use faultlab::report;
use faultlab::sim::Simulation;
use faultlab::sim::config::Action;
use faultlab::sim::time::{SimDuration, SimTime};

use super::support::example;

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

#[test]
fn recorded_actions_replay_headless_to_the_same_numbers() {
    let config = example("three-tier.ron").config;
    let db = config.node_id("db").unwrap();
    let cache = config.node_id("cache").unwrap();
    let end = SimTime::ZERO + config.duration;
    let mut session = Session::new(config);
    session.command(Command::SetSpeed(Speed::Max));
    session.command(Command::Play);
    // Advance in uneven steps, as a window would, acting in between.
    session.advance_by(SimDuration::from_millis(12_345));
    session.command(Command::Act(Action::Crash(cache)));
    session.advance_by(SimDuration::from_millis(7_777));
    session.command(Command::Act(Action::Restart(cache)));
    session.command(Command::Act(Action::Slow {
        node: db,
        factor: 3.0,
    }));
    session.advance_by(secs(5));
    session.command(Command::Pause);
    session.advance_by(secs(5)); // paused: nothing happens
    session.command(Command::Act(Action::Slow {
        node: db,
        factor: 1.0,
    }));
    session.command(Command::Play);
    while session.now() < end {
        session.advance_by(SimDuration::from_millis(999));
    }
    assert_eq!(session.snapshot().recorded.len(), 4);
    let replay = session.replay_config();
    let live = session.finish_summary();
    let headless = Simulation::new(replay).run();
    assert_eq!(report::to_json(&live), report::to_json(&headless));
}

#[test]
fn the_session_pauses_at_the_scenario_end_and_can_play_on() {
    let mut config = example("mm1.ron").config;
    config.duration = secs(3);
    let mut session = Session::new(config);
    session.command(Command::Play);
    session.advance_by(secs(10));
    assert_eq!(session.now(), SimTime::ZERO + secs(3));
    assert!(!session.playing());
    session.command(Command::Play);
    session.advance_by(secs(2));
    assert_eq!(session.now(), SimTime::ZERO + secs(5));
}

#[test]
fn step_advances_one_window_and_pauses() {
    let mut session = Session::new(example("mm1.ron").config);
    session.command(Command::Step);
    session.advance_by(secs(10));
    assert_eq!(session.now(), SimTime::ZERO + secs(1));
    assert!(!session.playing());
    assert_eq!(session.snapshot().windows.len(), 1);
}

#[test]
fn rewind_resimulates_to_the_same_state() {
    let config = example("retry-storm.ron").config;
    let api = config.node_id("api").unwrap();
    let mut session = Session::new(config);
    session.command(Command::Play);
    session.advance_by(secs(20));
    session.command(Command::Act(Action::Crash(api)));
    session.advance_by(secs(20));
    let at_40 = session.snapshot();
    session.command(Command::RewindTo(SimTime::ZERO + secs(10)));
    assert_eq!(session.now(), SimTime::ZERO + secs(10));
    assert!(
        session.snapshot().recorded.is_empty(),
        "the crash at 20 s is after the rewind point"
    );
    // Rewinding to 40 s after re-doing the crash gives the same picture.
    session.command(Command::Play);
    session.advance_by(secs(10));
    session.command(Command::Act(Action::Crash(api)));
    session.advance_by(secs(20));
    let again = session.snapshot();
    assert_eq!(again.events, at_40.events);
    assert_eq!(again.totals, at_40.totals);
}

#[test]
fn undo_removes_an_action_not_yet_simulated_past() {
    let config = example("mm1.ron").config;
    let server = config.node_id("server").unwrap();
    let mut session = Session::new(config);
    session.command(Command::Play);
    session.advance_by(secs(5));
    session.command(Command::Pause);
    let before = session.snapshot();
    session.command(Command::Act(Action::Crash(server)));
    assert!(!session.snapshot().nodes[server.index()].up);
    session.command(Command::UndoLastAction);
    let after = session.snapshot();
    assert!(after.nodes[server.index()].up);
    assert!(after.recorded.is_empty());
    assert_eq!(after.events, before.events);
}

#[test]
fn change_seed_keeps_the_actions_and_changes_the_luck() {
    let config = example("mm1.ron").config;
    let server = config.node_id("server").unwrap();
    let mut session = Session::new(config);
    session.command(Command::Play);
    session.advance_by(secs(2));
    session.command(Command::Act(Action::Slow {
        node: server,
        factor: 1.1,
    }));
    session.command(Command::SetSeed(99));
    let s = session.snapshot();
    assert_eq!(s.seed, 99);
    assert_eq!(s.recorded.len(), 1);
    assert_eq!(session.now(), SimTime::ZERO);
}
