//! Per-edge traffic by metrics window: logical calls a caller started
//! towards a callee and the attempts it sent (first tries, retries, hedges).
//! Their ratio is the edge's retry amplification: 1 when every call needs
//! one attempt, 4 when a policy with three retries gives up every time.

/// One caller → callee edge in one closed window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EdgeWindow {
    /// The caller (an index into the scenario's nodes).
    pub from: u32,
    /// The callee.
    pub to: u32,
    /// Logical calls started (refused ones included).
    pub calls: u64,
    /// Attempts sent.
    pub attempts: u64,
}

impl EdgeWindow {
    /// Attempts per call; `None` when no call started in the window.
    pub fn amplification(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.attempts as f64 / self.calls as f64)
    }
}

/// Counts of one directed pair in one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PairCounts {
    /// Logical calls started.
    pub(crate) calls: u64,
    /// Attempts sent.
    pub(crate) attempts: u64,
    /// Attempts that failed (error or refusal answer, or timeout).
    pub(crate) failures: u64,
}

/// Per directed pair: the window in progress, the last closed one (for
/// drawing edges live) and every closed window's edges that carried traffic.
pub(crate) struct EdgeHistory {
    nodes: usize,
    /// By `from * nodes + to`.
    current: Vec<PairCounts>,
    last: Vec<PairCounts>,
    closed: Vec<Vec<EdgeWindow>>,
}

impl EdgeHistory {
    pub(crate) fn new(nodes: usize) -> Self {
        EdgeHistory {
            nodes,
            current: vec![PairCounts::default(); nodes * nodes],
            last: vec![PairCounts::default(); nodes * nodes],
            closed: Vec::new(),
        }
    }

    fn at(&mut self, from: usize, to: usize) -> &mut PairCounts {
        &mut self.current[from * self.nodes + to]
    }

    pub(crate) fn call(&mut self, from: usize, to: usize) {
        self.at(from, to).calls += 1;
    }

    pub(crate) fn attempt(&mut self, from: usize, to: usize) {
        self.at(from, to).attempts += 1;
    }

    pub(crate) fn failure(&mut self, from: usize, to: usize) {
        self.at(from, to).failures += 1;
    }

    /// The pair's counts in the last closed window.
    pub(crate) fn last(&self, from: usize, to: usize) -> PairCounts {
        self.last[from * self.nodes + to]
    }

    /// Closes the window in progress.
    pub(crate) fn roll(&mut self) {
        let n = self.nodes.max(1);
        let window = self
            .current
            .iter()
            .enumerate()
            .filter(|(_, c)| c.calls + c.attempts > 0)
            .map(|(i, c)| EdgeWindow {
                from: (i / n) as u32,
                to: (i % n) as u32,
                calls: c.calls,
                attempts: c.attempts,
            })
            .collect();
        self.closed.push(window);
        std::mem::swap(&mut self.current, &mut self.last);
        self.current.fill(PairCounts::default());
    }

    /// The closed windows from index `first` on.
    pub(crate) fn since(&self, first: usize) -> &[Vec<EdgeWindow>] {
        &self.closed[first.min(self.closed.len())..]
    }
}
