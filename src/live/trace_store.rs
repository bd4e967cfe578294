//! The live session's traces, kept within a stated bound however long the
//! run goes on.
//!
//! Every trace the tracer keeps is handed here when its window closes (and
//! taken out of the tracer, so it is held once). The rule:
//!
//! - **Pinned**: each window's slowest successes (the tracer keeps
//!   [`TraceConfig::slowest_per_window`](crate::metrics::trace::TraceConfig))
//!   and its first [`FAILED_PER_WINDOW`] failures are always kept.
//! - **Pool**: every other kept trace (the 1% sample, further failures) goes
//!   to a pool of at most [`POOL_CAP`]. When the pool overflows it is thinned
//!   evenly (every second one dropped) and from then on only every
//!   `stride`-th newcomer is taken, the stride doubling at each thinning; so
//!   the pool stays an even sample of the whole run.
//!
//! So at most `(slowest_per_window + FAILED_PER_WINDOW) × windows + POOL_CAP`
//! traces are held; [`TraceStore::dropped`] counts those let go.

use std::sync::Arc;

use crate::metrics::trace::Trace;
use crate::sim::time::SimDuration;

/// Failures pinned per metrics window (the rest go to the thinned pool).
pub const FAILED_PER_WINDOW: usize = 3;
/// Most traces in the thinned pool.
pub const POOL_CAP: usize = 2_000;

/// The bounded list of traces a live session shows.
#[derive(Clone, Debug)]
pub struct TraceStore {
    window: SimDuration,
    /// Kept traces in the order kept (shared with snapshots).
    traces: Arc<Vec<Arc<Trace>>>,
    /// Which of `traces` are in the pool (parallel to `traces`).
    in_pool: Vec<bool>,
    pool_len: usize,
    /// Take every `stride`-th pool newcomer.
    stride: u64,
    /// Pool newcomers seen so far.
    offered: u64,
    /// The window whose failures `failed_pinned` counts, and that count.
    failed_window: Option<u64>,
    failed_pinned: usize,
    dropped: u64,
}

impl TraceStore {
    /// An empty store for a run with metrics windows of `window`.
    pub fn new(window: SimDuration) -> Self {
        TraceStore {
            window,
            traces: Arc::new(Vec::new()),
            in_pool: Vec::new(),
            pool_len: 0,
            stride: 1,
            offered: 0,
            failed_window: None,
            failed_pinned: 0,
            dropped: 0,
        }
    }

    /// The kept traces, in the order kept.
    pub fn traces(&self) -> &Arc<Vec<Arc<Trace>>> {
        &self.traces
    }

    /// Traces the tracer kept that this store let go (pool thinning).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Traces in the thinned pool now.
    pub fn pool_len(&self) -> usize {
        self.pool_len
    }

    /// Adds traces the tracer kept, in the order it kept them.
    pub fn extend(&mut self, traces: Vec<Trace>) {
        if traces.is_empty() {
            return;
        }
        let mut added = Vec::with_capacity(traces.len());
        for trace in traces {
            let pinned = trace.kept_for.slow || (trace.kept_for.failed && self.pin_failure(&trace));
            if !pinned {
                self.offered += 1;
                if !(self.offered - 1).is_multiple_of(self.stride) {
                    self.dropped += 1;
                    continue;
                }
                self.pool_len += 1;
            }
            added.push(Arc::new(trace));
            self.in_pool.push(!pinned);
        }
        Arc::make_mut(&mut self.traces).extend(added);
        if self.pool_len > POOL_CAP {
            self.thin();
        }
    }

    /// Whether a failed trace is among its window's first few failures.
    fn pin_failure(&mut self, trace: &Trace) -> bool {
        let end = trace.end.unwrap_or(trace.start);
        let w = self.window.as_nanos().max(1);
        let index = end.as_nanos() / w;
        if self.failed_window != Some(index) {
            self.failed_window = Some(index);
            self.failed_pinned = 0;
        }
        if self.failed_pinned < FAILED_PER_WINDOW {
            self.failed_pinned += 1;
            true
        } else {
            false
        }
    }

    /// Drops every second pool trace and doubles the stride.
    fn thin(&mut self) {
        while self.pool_len > POOL_CAP {
            let list = Arc::make_mut(&mut self.traces);
            let mut nth = 0u64;
            let mut keep = Vec::with_capacity(list.len());
            for &pool in &self.in_pool {
                let k = !pool || {
                    nth += 1;
                    nth % 2 == 1
                };
                keep.push(k);
            }
            let mut it = keep.iter();
            list.retain(|_| *it.next().unwrap_or(&true));
            let mut it = keep.iter();
            self.in_pool.retain(|_| *it.next().unwrap_or(&true));
            let removed = self.pool_len - self.pool_len.div_ceil(2);
            self.pool_len -= removed;
            self.dropped += removed as u64;
            self.stride *= 2;
        }
    }
}
