//! Timer lanes: call timeouts and deadlines kept out of the event heap.
//!
//! Every call arms a timeout (and often a deadline) that almost always finds
//! the call finished. Timers of one node with one kind and one delay, set in
//! time order, also fall due in time order; so each such group waits in a
//! FIFO lane and only the lane's front has a place in the event heap. When the
//! front fires, the lane drops the timers behind it that are already known to
//! be stale (staleness of these kinds never reverts) and arms the next one with
//! the insertion number it was given when it was set. The heap therefore pops
//! exactly the same `(time, insertion)` order as if every timer were in it.

use std::collections::VecDeque;

use super::config::NodeId;
use super::node::Timer;
use super::node::caller::{CallTimer, CallTimerKind};
use super::time::{SimDuration, SimTime};

/// Most lanes one node keeps; further groups go to the heap directly.
const MAX_LANES_PER_NODE: usize = 16;

/// Marks a heap timer that belongs to no lane.
pub const NO_LANE: u32 = u32::MAX;

/// A timer waiting in a lane: its due time, insertion number and epoch.
#[derive(Clone, Copy, Debug)]
pub struct Parked {
    /// When it falls due (true time).
    pub at: SimTime,
    /// Its insertion number in the event queue.
    pub seq: u64,
    /// The node's epoch when it was set.
    pub epoch: u32,
    /// The timer.
    pub timer: Timer,
}

/// Where a newly set timer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Into the heap, as the front of lane `lane`.
    Arm(u32),
    /// Into the heap, outside any lane.
    Heap,
    /// Kept in a lane: take an insertion number and call [`Lanes::park`].
    Park(u32),
}

struct Lane {
    kind: CallTimerKind,
    delay: SimDuration,
    /// Whether the lane's front is in the heap.
    armed: bool,
    /// Due time of the latest timer the lane took.
    last: SimTime,
    waiting: VecDeque<Parked>,
}

/// Every node's lanes.
#[derive(Default)]
pub struct Lanes {
    per_node: Vec<Vec<Lane>>,
}

/// The lane group of a timer: only call timeouts and deadlines use lanes,
/// because once stale they stay stale (see `Caller::is_stale`).
fn lane_kind(timer: &Timer) -> Option<CallTimerKind> {
    match timer {
        Timer::Call(CallTimer {
            kind: kind @ (CallTimerKind::AttemptTimeout | CallTimerKind::Deadline),
            ..
        }) => Some(*kind),
        _ => None,
    }
}

impl Lanes {
    /// Decides where a timer of `node` set with local `delay`, due at `at`, goes.
    pub fn admit(&mut self, node: NodeId, delay: SimDuration, at: SimTime, timer: &Timer) -> Admit {
        let Some(kind) = lane_kind(timer) else {
            return Admit::Heap;
        };
        let i = node.index();
        if self.per_node.len() <= i {
            self.per_node.resize_with(i + 1, Vec::new);
        }
        let lanes = &mut self.per_node[i];
        let index = match lanes
            .iter()
            .position(|l| l.kind == kind && l.delay == delay)
        {
            Some(index) => index,
            None if lanes.len() < MAX_LANES_PER_NODE => {
                lanes.push(Lane {
                    kind,
                    delay,
                    armed: false,
                    last: at,
                    waiting: VecDeque::new(),
                });
                lanes.len() - 1
            }
            None => return Admit::Heap,
        };
        let lane = &mut lanes[index];
        if !lane.armed {
            lane.armed = true;
            lane.last = at;
            Admit::Arm(index as u32)
        } else if at >= lane.last {
            lane.last = at;
            Admit::Park(index as u32)
        } else {
            // Out of order (the clock's drift changed): the heap keeps it.
            Admit::Heap
        }
    }

    /// Keeps a timer that [`Lanes::admit`] sent to lane `lane`.
    pub fn park(&mut self, node: NodeId, lane: u32, parked: Parked) {
        self.per_node[node.index()][lane as usize]
            .waiting
            .push_back(parked);
    }

    /// The front of lane `lane` of `node` has left the heap: drops the stale
    /// timers now at the front and returns the next one to arm, if any.
    pub fn next(
        &mut self,
        node: NodeId,
        lane: u32,
        mut stale: impl FnMut(&Parked) -> bool,
    ) -> Option<Parked> {
        let lane = &mut self.per_node[node.index()][lane as usize];
        lane.armed = false;
        while let Some(front) = lane.waiting.pop_front() {
            if !stale(&front) {
                lane.armed = true;
                return Some(front);
            }
        }
        None
    }

    /// Timers waiting in lanes (not counting the fronts in the heap).
    pub fn waiting(&self) -> usize {
        self.per_node
            .iter()
            .flatten()
            .map(|l| l.waiting.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::message::CallId;

    fn timeout(id: u64) -> Timer {
        Timer::Call(CallTimer {
            id: CallId(id),
            kind: CallTimerKind::AttemptTimeout,
        })
    }

    #[test]
    fn first_timer_arms_later_ones_park_and_drop_when_stale() {
        let mut lanes = Lanes::default();
        let (n, d) = (NodeId(2), SimDuration::from_millis(100));
        assert_eq!(lanes.admit(n, d, SimTime(10), &timeout(1)), Admit::Arm(0));
        for (id, at) in [(2, 20), (3, 30), (4, 40)] {
            assert_eq!(lanes.admit(n, d, SimTime(at), &timeout(id)), Admit::Park(0));
            let timer = timeout(id);
            let parked = Parked {
                at: SimTime(at),
                seq: id,
                epoch: 0,
                timer,
            };
            lanes.park(n, 0, parked);
        }
        // Earlier than the lane's last: the heap takes it.
        assert_eq!(lanes.admit(n, d, SimTime(35), &timeout(9)), Admit::Heap);
        // Another delay is another lane; other timers never use lanes.
        let other = SimDuration::from_millis(5);
        assert_eq!(
            lanes.admit(n, other, SimTime(1), &timeout(5)),
            Admit::Arm(1)
        );
        let work = Timer::WorkDone {
            slot: 0,
            generation: 0,
        };
        assert_eq!(lanes.admit(n, d, SimTime(50), &work), Admit::Heap);
        // The front fired: 2 is stale and dropped, 3 is armed.
        let next = lanes.next(n, 0, |p| p.seq == 2).expect("3 is live");
        assert_eq!((next.seq, lanes.waiting()), (3, 1));
        assert_eq!(lanes.admit(n, d, SimTime(45), &timeout(6)), Admit::Park(0));
        // Everything stale: the lane disarms, and the next timer arms it again.
        lanes.park(
            n,
            0,
            Parked {
                at: SimTime(45),
                seq: 6,
                epoch: 0,
                timer: timeout(6),
            },
        );
        assert!(lanes.next(n, 0, |_| true).is_none());
        assert_eq!(lanes.waiting(), 0);
        assert_eq!(lanes.admit(n, d, SimTime(60), &timeout(7)), Admit::Arm(0));
    }
}
