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

/// Calls and attempts per directed pair in the window in progress, and the
/// closed windows' edges that carried traffic.
pub(crate) struct EdgeHistory {
    nodes: usize,
    /// (calls, attempts) by `from * nodes + to`.
    current: Vec<(u64, u64)>,
    closed: Vec<Vec<EdgeWindow>>,
}

impl EdgeHistory {
    pub(crate) fn new(nodes: usize) -> Self {
        EdgeHistory {
            nodes,
            current: vec![(0, 0); nodes * nodes],
            closed: Vec::new(),
        }
    }

    pub(crate) fn call(&mut self, from: usize, to: usize) {
        self.current[from * self.nodes + to].0 += 1;
    }

    pub(crate) fn attempt(&mut self, from: usize, to: usize) {
        self.current[from * self.nodes + to].1 += 1;
    }

    /// Closes the window in progress.
    pub(crate) fn roll(&mut self) {
        let n = self.nodes.max(1);
        let window = self
            .current
            .iter()
            .enumerate()
            .filter(|(_, c)| c.0 + c.1 > 0)
            .map(|(i, &(calls, attempts))| EdgeWindow {
                from: (i / n) as u32,
                to: (i % n) as u32,
                calls,
                attempts,
            })
            .collect();
        self.closed.push(window);
        self.current.fill((0, 0));
    }

    /// The closed windows from index `first` on.
    pub(crate) fn since(&self, first: usize) -> &[Vec<EdgeWindow>] {
        &self.closed[first.min(self.closed.len())..]
    }
}
