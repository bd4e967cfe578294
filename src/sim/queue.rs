//! The event queue: earliest time first, ties broken by insertion order.

use super::time::SimTime;

/// A min-queue of `(time, event)` that pops events in time order and, for
/// equal times, in the order they were pushed. This tie-break is what makes a
/// run reproducible: it never depends on memory addresses or hashing.
///
/// The heap orders small keys (time and insertion number packed into one
/// 128-bit number, so a comparison is one wide compare) with the event's
/// slot; the events themselves wait in `slots` (reused through `free`), so
/// sifting moves 32 bytes per level instead of a whole event, and an event
/// is moved out, never copied. The heap is a plain binary heap written here
/// rather than `std`'s, whose pop writes the root in 8-byte pieces and reads
/// it back at once in 16 (a store-forwarding stall on every event).
pub struct EventQueue<E> {
    heap: Vec<Entry>,
    /// Events by slot; a slot listed in `free` is empty.
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
}

/// One scheduled event in the heap: `key` is `time << 64 | seq`.
#[derive(Clone, Copy)]
struct Entry {
    key: u128,
    slot: u32,
}

impl Entry {
    fn at(self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`.
    #[inline]
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.take_seq();
        self.push_seq(at, seq, event);
    }

    /// Takes the next insertion number without scheduling anything, for an
    /// event kept elsewhere for now and scheduled later with [`push_seq`]
    /// (it then ties as if it had been pushed at this moment).
    ///
    /// [`push_seq`]: EventQueue::push_seq
    pub fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `at` with an insertion number from [`take_seq`].
    ///
    /// [`take_seq`]: EventQueue::take_seq
    #[inline]
    pub fn push_seq(&mut self, at: SimTime, seq: u64, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        let entry = Entry {
            key: (u128::from(at.as_nanos()) << 64) | u128::from(seq),
            slot,
        };
        self.sift_up(entry);
    }

    /// Adds `entry` at the bottom and moves it up to its place.
    fn sift_up(&mut self, entry: Entry) {
        let mut hole = self.heap.len();
        self.heap.push(entry);
        while hole > 0 {
            let parent = (hole - 1) / 2;
            if self.heap[parent].key <= entry.key {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = entry;
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| e.at())
    }

    /// The earliest event and its time, if any.
    pub fn peek(&self) -> Option<(SimTime, &E)> {
        let top = self.heap.first()?;
        Some((top.at(), self.slots[top.slot as usize].as_ref()?))
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let top = *self.heap.first()?;
        let last = self.heap.pop()?;
        if !self.heap.is_empty() {
            self.sift_down_from_root(last);
        }
        self.free.push(top.slot);
        let event = self.slots[top.slot as usize].take()?;
        Some((top.at(), event))
    }

    /// Fills the root's hole with `entry` and moves it down to its place.
    fn sift_down_from_root(&mut self, entry: Entry) {
        let len = self.heap.len();
        let mut hole = 0;
        loop {
            let mut child = 2 * hole + 1;
            if child >= len {
                break;
            }
            if child + 1 < len && self.heap[child + 1].key < self.heap[child].key {
                child += 1;
            }
            if entry.key <= self.heap[child].key {
                break;
            }
            self.heap[hole] = self.heap[child];
            hole = child;
        }
        self.heap[hole] = entry;
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), "c");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "d");
        q.push(SimTime(1), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    /// Interleaved pushes and pops, with many equal times, against a sorted list.
    #[test]
    fn matches_a_sorted_list() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut q = EventQueue::default();
        let mut reference: Vec<(u64, usize)> = Vec::new();
        let mut now = 0;
        for id in 0..10_000 {
            let at = now + next() % 50;
            q.push(SimTime(at), id);
            reference.push((at, id));
            while next() % 3 == 0 && !reference.is_empty() {
                reference.sort();
                let (at, id) = reference.remove(0);
                assert_eq!(q.pop(), Some((SimTime(at), id)));
                now = at;
            }
            assert_eq!(q.len(), reference.len());
        }
        reference.sort();
        for (at, id) in reference {
            assert_eq!(q.pop(), Some((SimTime(at), id)));
        }
        assert!(q.is_empty());
    }
}
