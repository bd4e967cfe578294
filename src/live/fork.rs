//! A forked run for comparing: the same scenario, seed and recorded actions
//! as the live run, plus one change at the moment of forking, advanced in
//! lockstep with the live run to the same simulated time.
//!
//! Each component draws from its own random stream (common random numbers),
//! so up to the change the fork is the live run event for event, and after
//! it the difference between the two is the change's effect, not luck.

use std::sync::Arc;

use crate::metrics::WindowSummary;
use crate::sim::Simulation;
use crate::sim::config::{Action, SimConfig, TimedAction};
use crate::sim::time::SimTime;

/// What the window reads of a fork.
#[derive(Clone, Debug)]
pub struct ForkView {
    /// The change, in words ("no change" for a control fork).
    pub label: String,
    /// When the fork was made (the change's time).
    pub at: SimTime,
    /// The fork's closed metrics windows, aligned with the live run's.
    pub windows: Arc<Vec<Arc<WindowSummary>>>,
}

/// The second simulation of a comparison.
pub struct Fork {
    sim: Simulation,
    view: ForkView,
}

impl Fork {
    /// Rebuilds `config` (with its recorded actions already merged) plus
    /// `change` at `now`, and runs it, headless, to `now`.
    pub fn start(mut config: SimConfig, change: Option<Action>, label: String, now: SimTime) -> Fork {
        if let Some(action) = change {
            // After every action already due at `now`, as a live action is.
            config.timeline.push(TimedAction { at: now, action });
            config.timeline.sort_by_key(|a| a.at);
        }
        let mut sim = Simulation::new(config);
        sim.run_until(now);
        let mut fork = Fork {
            sim,
            view: ForkView {
                label,
                at: now,
                windows: Arc::new(Vec::new()),
            },
        };
        fork.collect();
        fork
    }

    /// Advances the fork to `t` (the live run's time).
    pub fn advance_to(&mut self, t: SimTime) {
        self.sim.run_until(t);
        self.collect();
    }

    /// Applies a learner's action at `at` to the fork too, so both runs see it.
    pub fn act(&mut self, at: SimTime, action: Action) {
        self.sim.schedule_action(at, action);
        self.advance_to(at);
    }

    /// What the window reads.
    pub fn view(&self) -> ForkView {
        self.view.clone()
    }

    fn collect(&mut self) {
        let new = self.sim.windows_since(self.view.windows.len());
        if !new.is_empty() {
            Arc::make_mut(&mut self.view.windows).extend(new.into_iter().map(Arc::new));
        }
    }
}
