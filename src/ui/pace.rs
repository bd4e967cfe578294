//! How fast things actually go: simulated seconds per wall second (the
//! achieved speed, shown beside the chosen one) and frames per second.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::sim::time::SimTime;

/// Samples older than this are dropped.
const SPAN: Duration = Duration::from_secs(2);

/// Recent (wall time, simulated time) samples, one per frame.
#[derive(Default)]
pub struct Pace {
    samples: VecDeque<(Instant, SimTime)>,
}

impl Pace {
    /// Records a frame showing simulated time `now`. A jump back (reset,
    /// rewind, open) starts over.
    pub fn frame(&mut self, now: SimTime) {
        let wall = Instant::now();
        if self.samples.back().is_some_and(|&(_, t)| t > now) {
            self.samples.clear();
        }
        self.samples.push_back((wall, now));
        while self
            .samples
            .front()
            .is_some_and(|&(w, _)| wall.duration_since(w) > SPAN)
        {
            self.samples.pop_front();
        }
    }

    /// Simulated seconds per wall second over the last two seconds.
    pub fn speed(&self) -> Option<f64> {
        let (&(w0, t0), &(w1, t1)) = (self.samples.front()?, self.samples.back()?);
        let wall = w1.duration_since(w0).as_secs_f64();
        (wall > 0.5).then(|| t1.saturating_since(t0).as_secs_f64() / wall)
    }

    /// Frames per second over the last two seconds.
    pub fn fps(&self) -> Option<f64> {
        let (&(w0, _), &(w1, _)) = (self.samples.front()?, self.samples.back()?);
        let wall = w1.duration_since(w0).as_secs_f64();
        (wall > 0.5).then(|| (self.samples.len() - 1) as f64 / wall)
    }
}
