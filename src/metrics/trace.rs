//! Distributed traces: a span per request, per attempt and per hop.
//!
//! When tracing is on, every end-user request collects spans while it is in
//! flight: the client's request (the root span), each attempt a caller sends
//! (first tries, retries, hedges; zero-length ones for calls a circuit
//! breaker refused) and each node's handling of a request (the serve span,
//! marked when it was a fallback, a duplicate execution or answered from an
//! idempotency key). Each span has its start and end in true time and in the
//! local time of the node it ran on, so clock skew shows.
//!
//! Sampling is decided when the request ends (tail-based): a trace is kept
//! when its root id falls in the sample rate (a hash, so no random stream is
//! touched and the run is unchanged), when it failed, or when it is among the
//! slowest successes of its metrics window. At most [`TraceConfig::max_traces`]
//! are kept; spans that arrive after the request ended (a losing hedge, a
//! duplicate execution) are still added to a kept trace.
//!
//! Span ids are derived from what both ends of a hop know (caller, call id,
//! callee), so a serve span finds its parent attempt without any id travelling
//! in the messages.

use rustc_hash::FxHashMap;

use crate::sim::message::{CallId, Failure, RootId, Served, SpanId, span_mix as mix};
use crate::sim::time::{SimDuration, SimTime};

/// Most spans one trace holds (a retry storm or redelivery loop stops adding here).
pub const MAX_SPANS_PER_TRACE: usize = 1_000;

/// What to keep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceConfig {
    /// Fraction of requests kept whatever happened to them.
    pub sample_rate: f64,
    /// Slowest successful requests kept per metrics window.
    pub slowest_per_window: usize,
    /// Failed requests are kept too; this bounds every kind together.
    pub max_traces: usize,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            sample_rate: 0.01,
            slowest_per_window: 3,
            max_traces: 10_000,
        }
    }
}

/// What a span stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// The end-user request, at the client.
    Request,
    /// One attempt of a call, at the caller.
    Attempt,
    /// A node handling one request it received.
    Serve,
}

/// How a span ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanStatus {
    /// Not ended (yet, or ever: the node crashed, the run ended).
    Open,
    /// Succeeded.
    Ok,
    /// Failed for this reason (`Timeout` on an attempt: its timeout fired).
    Failed(Failure),
    /// Still out when its call ended another way (a hedge lost, a deadline passed).
    Abandoned,
}

/// One span.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Its id (unique within the trace).
    pub id: SpanId,
    /// The enclosing span; `None` for the request span.
    pub parent: Option<SpanId>,
    /// What it stands for.
    pub kind: SpanKind,
    /// The node it ran on (an index into the scenario's nodes).
    pub node: u32,
    /// The callee (attempts) or the caller (serve spans); `None` for the request span.
    pub peer: Option<u32>,
    /// True start.
    pub start: SimTime,
    /// True end (`None` while open).
    pub end: Option<SimTime>,
    /// Start on the node's local clock, nanoseconds.
    pub local_start: i64,
    /// End on the node's local clock.
    pub local_end: Option<i64>,
    /// Attempt number within its call (0: the first try).
    pub attempt: u32,
    /// A retry after a failed attempt.
    pub retry: bool,
    /// A hedge (a second copy of a slow attempt).
    pub hedge: bool,
    /// A serve span that answered with a fallback (a dependency failed).
    pub fallback: bool,
    /// A serve span that executed a non-idempotent operation again.
    pub duplicate: bool,
    /// A serve span answered from remembered idempotency keys.
    pub deduplicated: bool,
    /// How it ended.
    pub status: SpanStatus,
    /// The id it was derived from, before making it unique (network duplicates).
    key: SpanId,
}

impl Span {
    /// Its length in true time (zero while open).
    pub fn duration(&self) -> SimDuration {
        self.end
            .map_or(SimDuration::ZERO, |e| e.saturating_since(self.start))
    }
}

/// Why a trace was kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeptFor {
    /// Its root id fell in the sample rate.
    pub sampled: bool,
    /// It failed.
    pub failed: bool,
    /// It was among the slowest successes of its window.
    pub slow: bool,
}

/// One end-user request's spans.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The request.
    pub root: RootId,
    /// The client that sent it.
    pub client: u32,
    /// When it was generated.
    pub start: SimTime,
    /// When its answer (or failure) reached the client.
    pub end: Option<SimTime>,
    /// `None` while in flight.
    pub result: Option<Result<Served, Failure>>,
    /// Why it was kept.
    pub kept_for: KeptFor,
    /// Its spans, in the order they started.
    pub spans: Vec<Span>,
}

impl Trace {
    /// End-to-end latency (zero while in flight).
    pub fn latency(&self) -> SimDuration {
        self.end
            .map_or(SimDuration::ZERO, |e| e.saturating_since(self.start))
    }

    /// The trace id OpenTelemetry wants: 16 bytes, never all zero.
    pub fn trace_id(&self) -> u128 {
        (u128::from(self.root.0) << 64) | 1
    }

    fn open(&mut self, span: Span) {
        if self.spans.len() >= MAX_SPANS_PER_TRACE {
            return;
        }
        let mut span = span;
        let mut n = 0u64;
        while self.spans.iter().any(|s| s.id == span.id) {
            n += 1;
            span.id = SpanId(mix(span.key.0 ^ n.rotate_left(17)));
        }
        self.spans.push(span);
    }

    /// The most recent open span derived from `key`.
    fn open_span(&mut self, key: SpanId) -> Option<&mut Span> {
        self.spans
            .iter_mut()
            .rev()
            .find(|s| s.key == key && s.status == SpanStatus::Open)
    }
}

/// Where a moment is, in true and local time.
#[derive(Clone, Copy, Debug)]
pub struct At {
    /// True time.
    pub now: SimTime,
    /// The node's local clock, nanoseconds.
    pub local: i64,
    /// The node.
    pub node: u32,
}

/// What an attempt span starts with.
#[derive(Clone, Copy, Debug)]
pub struct AttemptStart {
    /// The request served.
    pub root: RootId,
    /// The span the call is made from.
    pub parent: SpanId,
    /// The attempt's call id.
    pub call: CallId,
    /// The callee.
    pub to: u32,
    /// Attempt number (0: first).
    pub attempt: u32,
    /// A retry.
    pub retry: bool,
    /// A hedge.
    pub hedge: bool,
}

/// Collects spans of requests in flight and keeps the traces worth keeping.
pub struct Tracer {
    config: TraceConfig,
    /// Traces of requests in flight, candidates and kept ones, by root.
    traces: FxHashMap<RootId, Trace>,
    /// Kept traces, in the order they were kept.
    kept: Vec<RootId>,
    /// This window's slowest successes so far (latency, root), slowest last.
    slowest: Vec<(SimDuration, RootId)>,
}

impl Tracer {
    /// A tracer keeping what `config` says.
    pub fn new(config: TraceConfig) -> Self {
        Tracer {
            config,
            traces: FxHashMap::default(),
            kept: Vec::new(),
            slowest: Vec::new(),
        }
    }

    /// The kept traces, in the order they were kept.
    pub fn kept(&self) -> impl Iterator<Item = &Trace> {
        self.kept.iter().filter_map(|r| self.traces.get(r))
    }

    /// Traces of requests still in flight, by root id.
    pub fn in_flight(&self) -> Vec<&Trace> {
        let mut open: Vec<&Trace> = self.traces.values().filter(|t| t.end.is_none()).collect();
        open.sort_by_key(|t| t.root);
        open
    }

    /// Takes the kept traces out, in the order they were kept.
    pub fn take_kept(&mut self) -> Vec<Trace> {
        let kept = std::mem::take(&mut self.kept);
        kept.iter().filter_map(|r| self.traces.remove(r)).collect()
    }

    /// A client generated request `root`.
    pub fn request(&mut self, at: At, root: RootId) {
        let id = SpanId::request(root);
        let mut trace = Trace {
            root,
            client: at.node,
            start: at.now,
            end: None,
            result: None,
            kept_for: KeptFor::default(),
            spans: Vec::new(),
        };
        trace.open(span(at, id, None, SpanKind::Request, None));
        self.traces.insert(root, trace);
    }

    /// Request `root` ended at its client: keep its trace or drop it.
    pub fn request_end(&mut self, at: At, root: RootId, result: Result<Served, Failure>) {
        let Some(trace) = self.traces.get_mut(&root) else {
            return;
        };
        trace.end = Some(at.now);
        trace.result = Some(result);
        close(
            trace.open_span(SpanId::request(root)),
            at,
            status_of(result),
        );
        let latency = trace.latency();
        let room = self.kept.len() + self.slowest.len() < self.config.max_traces;
        let sampled = sample(root, self.config.sample_rate);
        let failed = result.is_err();
        if room && (sampled || failed) {
            trace.kept_for.sampled = sampled;
            trace.kept_for.failed = failed;
            self.kept.push(root);
            return;
        }
        if room && !failed && self.config.slowest_per_window > 0 {
            let full = self.slowest.len() >= self.config.slowest_per_window;
            if !full || latency > self.slowest[0].0 {
                trace.kept_for.slow = true;
                let at = self.slowest.partition_point(|&(l, _)| l < latency);
                self.slowest.insert(at, (latency, root));
                if self.slowest.len() > self.config.slowest_per_window {
                    let (_, evicted) = self.slowest.remove(0);
                    self.traces.remove(&evicted);
                }
                return;
            }
        }
        self.traces.remove(&root);
    }

    /// A metrics window closed: its slowest successes are kept.
    pub fn close_window(&mut self) {
        for (_, root) in self.slowest.drain(..) {
            self.kept.push(root);
        }
    }

    /// A caller sent an attempt.
    pub fn attempt(&mut self, at: At, a: AttemptStart) {
        let Some(trace) = self.traces.get_mut(&a.root) else {
            return;
        };
        let id = SpanId::attempt(at.node, a.call);
        let mut s = span(at, id, Some(a.parent), SpanKind::Attempt, Some(a.to));
        s.attempt = a.attempt;
        s.retry = a.retry;
        s.hedge = a.hedge;
        trace.open(s);
    }

    /// An attempt ended (answered, timed out, or abandoned).
    pub fn attempt_end(&mut self, at: At, root: RootId, call: CallId, status: SpanStatus) {
        if let Some(trace) = self.traces.get_mut(&root) {
            close(trace.open_span(SpanId::attempt(at.node, call)), at, status);
        }
    }

    /// A caller's circuit breaker refused a call made from `parent`.
    pub fn refused(&mut self, at: At, root: RootId, parent: SpanId, to: u32) {
        let Some(trace) = self.traces.get_mut(&root) else {
            return;
        };
        let id = SpanId(mix(parent.0
            ^ 0x0c1c_u64.rotate_left(40)
            ^ at.now.as_nanos()));
        let mut s = span(at, id, Some(parent), SpanKind::Attempt, Some(to));
        s.end = Some(at.now);
        s.local_end = Some(at.local);
        s.status = SpanStatus::Failed(Failure::CircuitOpen);
        trace.open(s);
    }

    /// A node received request `call` from `from`.
    pub fn serve(&mut self, at: At, root: RootId, from: u32, call: CallId) {
        let Some(trace) = self.traces.get_mut(&root) else {
            return;
        };
        let id = SpanId::serve(at.node, from, call);
        let parent = SpanId::attempt(from, call);
        trace.open(span(at, id, Some(parent), SpanKind::Serve, Some(from)));
    }

    /// A node answered request `call` from `from`.
    pub fn serve_end(&mut self, at: At, root: RootId, from: u32, call: CallId, end: ServeEnd) {
        let Some(trace) = self.traces.get_mut(&root) else {
            return;
        };
        if let Some(s) = trace.open_span(SpanId::serve(at.node, from, call)) {
            s.fallback = end.fallback;
            s.deduplicated = end.deduplicated;
            close(Some(s), at, end.status);
        }
    }

    /// The node handling request `call` from `from` executed it a second time.
    pub fn duplicate(&mut self, at: At, root: RootId, from: u32, call: CallId) {
        if let Some(s) = self
            .traces
            .get_mut(&root)
            .and_then(|t| t.open_span(SpanId::serve(at.node, from, call)))
        {
            s.duplicate = true;
        }
    }
}

/// How a serve span ended.
#[derive(Clone, Copy, Debug)]
pub struct ServeEnd {
    /// The answer's status.
    pub status: SpanStatus,
    /// Answered by a fallback.
    pub fallback: bool,
    /// Answered from remembered idempotency keys.
    pub deduplicated: bool,
}

impl ServeEnd {
    /// A plain answer.
    pub fn answered(result: Result<Served, Failure>) -> Self {
        ServeEnd {
            status: status_of(result),
            fallback: false,
            deduplicated: false,
        }
    }
}

/// The status a result gives a span.
pub fn status_of(result: Result<Served, Failure>) -> SpanStatus {
    match result {
        Ok(_) => SpanStatus::Ok,
        Err(cause) => SpanStatus::Failed(cause),
    }
}

fn span(at: At, id: SpanId, parent: Option<SpanId>, kind: SpanKind, peer: Option<u32>) -> Span {
    Span {
        id,
        parent,
        kind,
        node: at.node,
        peer,
        start: at.now,
        end: None,
        local_start: at.local,
        local_end: None,
        attempt: 0,
        retry: false,
        hedge: false,
        fallback: false,
        duplicate: false,
        deduplicated: false,
        status: SpanStatus::Open,
        key: id,
    }
}

fn close(span: Option<&mut Span>, at: At, status: SpanStatus) {
    if let Some(s) = span {
        s.end = Some(at.now);
        s.local_end = Some(at.local);
        s.status = status;
    }
}

/// Whether `root` falls in the sample: a hash of the id against the rate.
fn sample(root: RootId, rate: f64) -> bool {
    ((mix(root.0) >> 11) as f64 / (1u64 << 53) as f64) < rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_rate_is_honoured() {
        let n = 100_000u64;
        let kept = (0..n).filter(|&r| sample(RootId(r), 0.1)).count() as f64;
        // Binomial(100000, 0.1): sd ≈ 95, so 5 sd is ±475.
        assert!((kept - 10_000.0).abs() < 475.0, "{kept}");
        assert!(!(0..n).any(|r| sample(RootId(r), 0.0)));
        assert!((0..n).all(|r| sample(RootId(r), 1.0)));
    }
}
