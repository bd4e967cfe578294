//! Failure-detector quality: the observer knows when a node really crashed,
//! so it can tell a detection (suspecting a node that is down) from a false
//! suspicion (suspecting one that is up).

use serde::Serialize;

use crate::sim::time::{SimDuration, SimTime};

/// Failure-detector figures over a run (the `detection` section of the JSON summary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct DetectionSummary {
    /// (monitor, watched node) pairs.
    pub watched_pairs: u64,
    /// Suspicions of a node that was up.
    pub false_suspicions: u64,
    /// False suspicions per hour per watched pair.
    pub false_suspicions_per_hour: f64,
    /// Crashes of a watched node, counted per watching monitor.
    pub crashes_watched: u64,
    /// Of those, detected before the node restarted (or the run ended).
    pub detections: u64,
    /// Mean time from a crash to its detection, in milliseconds.
    pub mean_time_to_detect_ms: f64,
    /// Longest time from a crash to its detection, in milliseconds.
    pub max_time_to_detect_ms: f64,
}

/// Collects suspicions against the truth.
#[derive(Clone, Debug, Default)]
pub struct Detection {
    /// For each node: down since when.
    down_since: Vec<Option<SimTime>>,
    /// For each node: the monitors watching it.
    watchers: Vec<Vec<usize>>,
    /// (monitor, target) pairs that already detected the target's current crash.
    detected: Vec<(usize, usize)>,
    false_at: Vec<SimTime>,
    suspect_at: Vec<SimTime>,
    detect_times: Vec<SimDuration>,
    detect_at: Vec<SimTime>,
    crashes_watched: u64,
}

impl Detection {
    /// Sizes the tables: `nodes` nodes, `watch` as (monitor, target) pairs.
    pub fn new(nodes: usize, watch: &[(usize, usize)]) -> Self {
        let mut watchers = vec![Vec::new(); nodes];
        for &(m, t) in watch {
            if let Some(w) = watchers.get_mut(t) {
                w.push(m);
            }
        }
        Detection {
            down_since: vec![None; nodes],
            watchers,
            ..Detection::default()
        }
    }

    /// Whether any monitor watches anything.
    pub fn active(&self) -> bool {
        self.watchers.iter().any(|w| !w.is_empty())
    }

    /// Node `node` crashed at `now`.
    pub fn down(&mut self, now: SimTime, node: usize) {
        if let Some(d) = self.down_since.get_mut(node) {
            *d = Some(now);
            self.crashes_watched += self.watchers[node].len() as u64;
        }
    }

    /// Node `node` restarted.
    pub fn up(&mut self, node: usize) {
        if let Some(d) = self.down_since.get_mut(node) {
            *d = None;
        }
        self.detected.retain(|&(_, t)| t != node);
    }

    /// `monitor` began suspecting `target` at `now`.
    pub fn suspected(&mut self, now: SimTime, monitor: usize, target: usize) {
        self.suspect_at.push(now);
        match self.down_since.get(target).copied().flatten() {
            Some(since) => {
                if !self.detected.contains(&(monitor, target)) {
                    self.detected.push((monitor, target));
                    self.detect_times.push(now.saturating_since(since));
                    self.detect_at.push(now);
                }
            }
            None => self.false_at.push(now),
        }
    }

    /// The figures for a run of `seconds`.
    pub fn summary(&self, seconds: f64) -> DetectionSummary {
        let pairs: u64 = self.watchers.iter().map(|w| w.len() as u64).sum();
        let ms: Vec<f64> = self
            .detect_times
            .iter()
            .map(|d| d.as_millis_f64())
            .collect();
        let hours = pairs as f64 * seconds / 3600.0;
        DetectionSummary {
            watched_pairs: pairs,
            false_suspicions: self.false_at.len() as u64,
            false_suspicions_per_hour: if hours > 0.0 {
                self.false_at.len() as f64 / hours
            } else {
                0.0
            },
            crashes_watched: self.crashes_watched,
            detections: ms.len() as u64,
            mean_time_to_detect_ms: if ms.is_empty() {
                0.0
            } else {
                ms.iter().sum::<f64>() / ms.len() as f64
            },
            max_time_to_detect_ms: ms.iter().copied().fold(0.0, f64::max),
        }
    }

    /// Times of the false suspicions.
    pub fn false_times(&self) -> &[SimTime] {
        &self.false_at
    }

    /// Times of every suspicion raised (detections, false suspicions, and
    /// repeated suspicions of a crash already detected).
    pub fn suspicion_times(&self) -> &[SimTime] {
        &self.suspect_at
    }

    /// The detections: when each happened and how long after its crash.
    pub fn detections(&self) -> impl Iterator<Item = (SimTime, SimDuration)> + '_ {
        self.detect_at
            .iter()
            .copied()
            .zip(self.detect_times.iter().copied())
    }
}
