//! Knob edits not yet applied, and their undo / redo history (UI-local:
//! nothing reaches the run until the learner presses an Apply button).

use std::collections::BTreeMap;

use crate::sim::config::{LinkModel, NodeId, PolicyConfig, ServiceChange, ServiceConfig};
use crate::sim::dist::Dist;

/// Most undo steps kept.
const MAX_HISTORY: usize = 200;

/// A node's clock, as edited.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockDraft {
    /// Offset from true time, in milliseconds.
    pub offset_ms: f64,
    /// Rate error in parts per million.
    pub drift_ppm: i64,
}

/// Both directions of the network between a caller and a callee, as edited.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkDraft {
    /// Caller → callee (requests).
    pub forward: LinkModel,
    /// Callee → caller (replies).
    pub backward: LinkModel,
    /// Edit both directions as one.
    pub same: bool,
}

/// A client's workload, as edited.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoadDraft {
    /// Open loop: arrivals per second.
    Rate(f64),
    /// Closed loop: number of users.
    Users(u32),
}

/// A service's capacity knobs, as edited.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDraft {
    /// Parallel workers.
    pub workers: u32,
    /// Queue capacity ([`UNBOUNDED_QUEUE`] for the file's unbounded queue).
    pub queue: u32,
    /// Work time per request.
    pub work: Dist,
    /// Probability the work fails.
    pub error_rate: f64,
}

/// The queue capacity that stands for "unbounded": the hard limit every
/// queue has anyway (the scenario files' largest capacity).
pub const UNBOUNDED_QUEUE: u32 = crate::scenario::limits::MAX_QUEUE as u32;

impl ServiceDraft {
    /// The knobs of `config`.
    pub fn of(config: &ServiceConfig) -> Self {
        ServiceDraft {
            workers: config.workers,
            queue: config.queue_capacity.unwrap_or(UNBOUNDED_QUEUE),
            work: config.work.clone(),
            error_rate: config.error_rate,
        }
    }

    /// The change from `current` to this draft: only the knobs that differ.
    pub fn change_from(&self, current: &ServiceDraft) -> ServiceChange {
        ServiceChange {
            workers: (self.workers != current.workers).then_some(self.workers),
            queue_capacity: (self.queue != current.queue).then_some(self.queue),
            work: (self.work != current.work).then(|| self.work.clone()),
            error_rate: (self.error_rate != current.error_rate).then_some(self.error_rate),
        }
    }
}

/// Every pending edit, keyed by what it edits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drafts {
    /// Slow factors by node.
    pub slow: BTreeMap<NodeId, f64>,
    /// Clocks by node.
    pub clock: BTreeMap<NodeId, ClockDraft>,
    /// Call policies by (caller, callee).
    pub policies: BTreeMap<(NodeId, NodeId), PolicyConfig>,
    /// Links by (caller, callee).
    pub links: BTreeMap<(NodeId, NodeId), LinkDraft>,
    /// Workloads by client.
    pub loads: BTreeMap<NodeId, LoadDraft>,
    /// Service capacity knobs by node.
    pub services: BTreeMap<NodeId, ServiceDraft>,
}

impl Drafts {
    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.slow.is_empty()
            && self.clock.is_empty()
            && self.policies.is_empty()
            && self.links.is_empty()
            && self.loads.is_empty()
            && self.services.is_empty()
    }
}

/// Edits `current` through a draft in `map`: the editor works on the draft
/// if there is one, else on a copy of the value in force; the draft is kept
/// only while it differs from that value. Returns whether a draft remains.
pub fn through_draft<K: Ord + Copy, V: Clone + PartialEq>(
    map: &mut BTreeMap<K, V>,
    key: K,
    current: &V,
    edit: impl FnOnce(&mut V),
) -> bool {
    let mut value = map.get(&key).cloned().unwrap_or_else(|| current.clone());
    edit(&mut value);
    if value == *current {
        map.remove(&key);
        false
    } else {
        map.insert(key, value);
        true
    }
}

/// Undo / redo of draft edits. A drag is one step: changes made while the
/// pointer stays down are merged.
#[derive(Default)]
pub struct History {
    undo: Vec<Drafts>,
    redo: Vec<Drafts>,
    in_gesture: bool,
}

impl History {
    /// Records a frame's edits: `before` is the drafts at the frame's start.
    pub fn track(&mut self, before: &Drafts, after: &Drafts, pointer_down: bool) {
        if before != after {
            if !self.in_gesture {
                self.undo.push(before.clone());
                if self.undo.len() > MAX_HISTORY {
                    self.undo.remove(0);
                }
                self.redo.clear();
            }
            self.in_gesture = pointer_down;
        } else if !pointer_down {
            self.in_gesture = false;
        }
    }

    /// Steps back; returns false when there is nothing to undo.
    pub fn undo(&mut self, drafts: &mut Drafts) -> bool {
        match self.undo.pop() {
            Some(prev) => {
                self.redo.push(std::mem::replace(drafts, prev));
                true
            }
            None => false,
        }
    }

    /// Steps forward again; returns false when there is nothing to redo.
    pub fn redo(&mut self, drafts: &mut Drafts) -> bool {
        match self.redo.pop() {
            Some(next) => {
                self.undo.push(std::mem::replace(drafts, next));
                true
            }
            None => false,
        }
    }

    /// Forgets everything (a new scenario was opened).
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.in_gesture = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_slow(f: f64) -> Drafts {
        let mut d = Drafts::default();
        d.slow.insert(NodeId(0), f);
        d
    }

    #[test]
    fn undo_and_redo_walk_the_edits() {
        let mut h = History::default();
        let mut d = Drafts::default();
        let a = with_slow(2.0);
        h.track(&d, &a, false);
        d = a.clone();
        let b = with_slow(3.0);
        h.track(&d, &b, false);
        d = b.clone();
        assert!(h.undo(&mut d));
        assert_eq!(d, a);
        assert!(h.undo(&mut d));
        assert!(d.is_empty());
        assert!(!h.undo(&mut d));
        assert!(h.redo(&mut d));
        assert_eq!(d, a);
    }

    #[test]
    fn a_drag_is_one_step() {
        let mut h = History::default();
        let mut d = Drafts::default();
        for f in [1.5, 2.0, 2.5] {
            let next = with_slow(f);
            h.track(&d, &next, true);
            d = next;
        }
        h.track(&d, &d.clone(), false);
        assert!(h.undo(&mut d));
        assert!(d.is_empty());
    }

    #[test]
    fn a_draft_equal_to_the_value_in_force_is_dropped() {
        let mut map = BTreeMap::new();
        assert!(through_draft(&mut map, 1, &5, |v| *v = 6));
        assert!(!through_draft(&mut map, 1, &5, |v| *v = 5));
        assert!(map.is_empty());
    }
}
