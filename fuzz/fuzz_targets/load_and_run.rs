//! Loads, validates and (when valid) runs a scenario from arbitrary bytes.
//!
//! Nothing may panic, hang or grow without bound: an invalid file must give a
//! located error, a valid one must run and save back to a file that loads.
#![no_main]

use faultlab::scenario;
use faultlab::sim::Simulation;
use faultlab::sim::time::SimDuration;
use libfuzzer_sys::fuzz_target;

/// Events run per valid input, so that each input stays fast.
const MAX_EVENTS: u64 = 20_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = match scenario::parse_str(text, "fuzz.ron") {
        Ok(parsed) => parsed,
        Err(err) => {
            for p in &err.problems {
                assert!(p.line >= 1 && p.col >= 1, "unlocated problem: {err}");
            }
            return;
        }
    };
    // What the window saves must load again, and mean the same thing.
    let saved = scenario::to_ron(&parsed);
    let again = scenario::parse_str(&saved, "saved.ron")
        .unwrap_or_else(|e| panic!("a saved scenario does not load: {e}\n{saved}"));
    assert_eq!(
        scenario::to_ron(&again),
        saved,
        "saving is not stable across a round trip"
    );
    let mut sim = Simulation::new(parsed.config);
    let end = sim.now() + sim.config().duration.min(SimDuration::from_secs(3_600));
    while sim.events() < MAX_EVENTS && sim.next_event_time().is_some_and(|t| t <= end) {
        sim.step();
    }
    // The books balance whatever the scenario.
    let s = sim.finish();
    let r = &s.requests;
    assert_eq!(r.ok + r.failed, r.total, "ok + failed != total");
    assert_eq!(
        r.total + r.unfinished,
        r.offered,
        "finished + unfinished != offered"
    );
    assert_eq!(s.failures.total(), r.failed, "failures by cause != failed");
});
