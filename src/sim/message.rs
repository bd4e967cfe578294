//! What nodes send each other: requests and replies.

use super::config::Priority;

/// The identity of one end-user request, shared by every call made on its
/// behalf downstream and by every retry. Duplicate executions and idempotency
/// keys are counted per root request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RootId(pub u64);

/// Identifies one attempt of one call, chosen by the caller and echoed in the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallId(pub u64);

/// A span's id in a trace (see `crate::metrics::trace`), derived from what
/// both ends of a hop know, so no id travels in the messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanId(pub u64);

impl SpanId {
    /// The span of end-user request `root` at its client.
    pub fn request(root: RootId) -> SpanId {
        SpanId(span_mix(root.0 ^ 0x5151_0000_0000_0001))
    }

    /// The span of attempt `call` sent by `caller`.
    pub fn attempt(caller: u32, call: CallId) -> SpanId {
        SpanId(span_mix(
            call.0 ^ span_mix(u64::from(caller) ^ 0xa77e_0000_0000_0000),
        ))
    }

    /// The span of `node` handling attempt `call` from `caller`.
    pub fn serve(node: u32, caller: u32, call: CallId) -> SpanId {
        let peers = (u64::from(node) << 32) | u64::from(caller);
        SpanId(span_mix(call.0 ^ span_mix(peers ^ 0x5e4e_0000_0000_0000)))
    }
}

/// SplitMix64's finaliser: a fixed, well-mixing 64-bit hash.
pub fn span_mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Read or write: caches answer reads and pass writes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Reads a key.
    Read,
    /// Writes a key.
    Write,
}

/// A request for work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// The attempt this is; the reply carries it back.
    pub call: CallId,
    /// The end-user request this serves.
    pub root: RootId,
    /// The key touched.
    pub key: u64,
    /// Read or write.
    pub op: Op,
    /// Priority class (for load shedding).
    pub priority: Priority,
    /// The caller attached an idempotency key (the root id).
    pub idempotency_key: bool,
}

/// Why a call failed, as the caller sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// No answer in time (the outcome is unknown: it may have executed).
    Timeout,
    /// The callee refused: queue full or rate limited.
    Rejected,
    /// The callee shed it under load.
    Shed,
    /// The caller's circuit breaker refused to send it.
    CircuitOpen,
    /// The callee answered with an error (its own, or a dependency's without fallback).
    Error,
    /// The client had too many requests outstanding and dropped it unsent.
    Dropped,
    /// The client crashed while waiting.
    Crashed,
}

impl Failure {
    /// Every cause, in the order reports list them.
    pub const ALL: [Failure; 7] = [
        Failure::Timeout,
        Failure::Rejected,
        Failure::Shed,
        Failure::CircuitOpen,
        Failure::Error,
        Failure::Dropped,
        Failure::Crashed,
    ];

    /// The cause's name in reports: `timeout`, `circuit_open`, ...
    pub fn key(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Rejected => "rejected",
            Failure::Shed => "shed",
            Failure::CircuitOpen => "circuit_open",
            Failure::Error => "error",
            Failure::Dropped => "dropped",
            Failure::Crashed => "crashed",
        }
    }

    /// Position in [`Failure::ALL`], for dense counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A successful answer's flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// A fallback answered instead of the real thing.
    pub degraded: bool,
    /// A cache answered with an expired entry.
    pub stale: bool,
    /// The message format of the answer (1, the original, unless a service
    /// version writes a newer one; see `sim::deploy`).
    pub format: u8,
    /// The version of the service that answered (0: the base, or not a service).
    pub version: u8,
}

impl Default for Served {
    fn default() -> Self {
        Served {
            degraded: false,
            stale: false,
            format: 1,
            version: 0,
        }
    }
}

/// The answer to one attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reply {
    /// The attempt answered.
    pub call: CallId,
    /// Success or the reason for failure.
    pub result: Result<Served, Failure>,
}

/// Anything that crosses the network.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Please do this.
    Request(Request),
    /// Here is how it went.
    Reply(Reply),
    /// Replicated-store traffic (boxed: it carries versions and lists).
    Kv(Box<crate::sim::node::replica::msg::KvMsg>),
    /// A failure detector's probe (`pong: false`) or its answer (`pong: true`);
    /// every node answers a probe.
    Heartbeat {
        /// The probe's sequence number, echoed in the answer.
        seq: u64,
        /// Whether this is the answer.
        pong: bool,
        /// A deep health check: a service answers it only when a worker
        /// takes it from its queue (other nodes answer every probe at once).
        deep: bool,
    },
}

impl Message {
    /// The answer to probe number `seq`.
    pub fn pong(seq: u64) -> Message {
        Message::Heartbeat {
            seq,
            pong: true,
            deep: false,
        }
    }
}
