//! Traces as OTLP/JSON: the `TracesData` message of the OpenTelemetry
//! protocol in its JSON mapping (lowerCamelCase field names, trace and span
//! ids as lowercase hex, 64-bit integers and nanosecond times as decimal
//! strings, enums as numbers).
//!
//! One `resourceSpans` entry per node that has spans, with `service.name` the
//! node's name, so a trace viewer shows each hop under its service. Times are
//! the simulation's true time in nanoseconds from the start of the run (a
//! viewer shows them as moments of 1 January 1970); each span also carries its
//! start and end on the node's own clock as `faultlab.local_*_ns`, so skew can
//! be read off. A span still open when the run ended ends where it started
//! and says `faultlab.open = true`.

use std::borrow::Cow;
use std::io;

use serde::Serialize;

use crate::metrics::trace::{Span, SpanKind, SpanStatus, Trace};

/// OTLP `SpanKind` values.
const KIND_INTERNAL: u32 = 1;
const KIND_SERVER: u32 = 2;
const KIND_CLIENT: u32 = 3;
/// OTLP `StatusCode` values.
const STATUS_UNSET: u32 = 0;
const STATUS_OK: u32 = 1;
const STATUS_ERROR: u32 = 2;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TracesData<'a> {
    resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    resource: Resource<'a>,
    scope_spans: [ScopeSpans<'a>; 1],
}

#[derive(Serialize)]
struct Resource<'a> {
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Serialize)]
struct ScopeSpans<'a> {
    scope: Scope,
    spans: Vec<OtlpSpan<'a>>,
}

#[derive(Serialize)]
struct Scope {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OtlpSpan<'a> {
    trace_id: String,
    span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<String>,
    name: Cow<'a, str>,
    kind: u32,
    start_time_unix_nano: String,
    end_time_unix_nano: String,
    attributes: Vec<KeyValue<'a>>,
    status: Status,
}

#[derive(Serialize)]
struct Status {
    code: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
}

#[derive(Serialize)]
struct KeyValue<'a> {
    key: &'static str,
    value: AnyValue<'a>,
}

/// OTLP's `AnyValue`, one of its variants.
#[derive(Serialize)]
enum AnyValue<'a> {
    #[serde(rename = "stringValue")]
    Str(Cow<'a, str>),
    #[serde(rename = "intValue")]
    Int(String),
    #[serde(rename = "boolValue")]
    Bool(bool),
}

/// Writes the traces as one OTLP/JSON `TracesData` document; `names` gives
/// each node's name. Streams to `out` (a run's traces can be large).
pub fn write_otlp_json<W: io::Write>(
    traces: &[Trace],
    names: &[String],
    out: W,
) -> serde_json::Result<()> {
    serde_json::to_writer(out, &document(traces, names))
}

/// The same document as a string.
pub fn to_otlp_string(traces: &[Trace], names: &[String]) -> String {
    serde_json::to_string(&document(traces, names)).expect("the document always serializes")
}

fn document<'a>(traces: &'a [Trace], names: &'a [String]) -> TracesData<'a> {
    let mut by_node: Vec<Vec<OtlpSpan<'a>>> = (0..names.len()).map(|_| Vec::new()).collect();
    for t in traces {
        for s in &t.spans {
            if let Some(list) = by_node.get_mut(s.node as usize) {
                list.push(span(t, s, names));
            }
        }
    }
    let resource_spans = by_node
        .into_iter()
        .enumerate()
        .filter(|(_, spans)| !spans.is_empty())
        .map(|(i, spans)| ResourceSpans {
            resource: Resource {
                attributes: vec![text("service.name", &names[i])],
            },
            scope_spans: [ScopeSpans {
                scope: Scope {
                    name: "faultlab",
                    version: env!("CARGO_PKG_VERSION"),
                },
                spans,
            }],
        })
        .collect();
    TracesData { resource_spans }
}

fn span<'a>(t: &Trace, s: &Span, names: &'a [String]) -> OtlpSpan<'a> {
    let name_of = |n: Option<u32>| {
        n.and_then(|n| names.get(n as usize))
            .map_or("?", String::as_str)
    };
    let (name, kind): (Cow<'a, str>, u32) = match s.kind {
        SpanKind::Request => (Cow::Borrowed("request"), KIND_INTERNAL),
        SpanKind::Attempt => (Cow::Owned(format!("call {}", name_of(s.peer))), KIND_CLIENT),
        SpanKind::Serve => (Cow::Borrowed("serve"), KIND_SERVER),
    };
    let end = s.end.unwrap_or(s.start);
    let mut attributes = vec![
        int("faultlab.local_start_ns", s.local_start),
        int(
            "faultlab.local_end_ns",
            s.local_end.unwrap_or(s.local_start),
        ),
        KeyValue {
            key: "faultlab.root",
            value: AnyValue::Str(Cow::Owned(t.root.0.to_string())),
        },
    ];
    if let Some(peer) = s.peer {
        attributes.push(text("peer.service", name_of(Some(peer))));
    }
    if s.kind == SpanKind::Attempt {
        attributes.push(int("faultlab.attempt", i64::from(s.attempt)));
    }
    for (key, on) in [
        ("faultlab.retry", s.retry),
        ("faultlab.hedge", s.hedge),
        ("faultlab.fallback", s.fallback),
        ("faultlab.duplicate", s.duplicate),
        ("faultlab.deduplicated", s.deduplicated),
        ("faultlab.open", s.status == SpanStatus::Open),
        ("faultlab.abandoned", s.status == SpanStatus::Abandoned),
    ] {
        if on {
            attributes.push(KeyValue {
                key,
                value: AnyValue::Bool(true),
            });
        }
    }
    let status = match s.status {
        SpanStatus::Ok => Status {
            code: STATUS_OK,
            message: None,
        },
        SpanStatus::Failed(cause) => Status {
            code: STATUS_ERROR,
            message: Some(cause.key()),
        },
        SpanStatus::Open | SpanStatus::Abandoned => Status {
            code: STATUS_UNSET,
            message: None,
        },
    };
    OtlpSpan {
        trace_id: format!("{:032x}", t.trace_id()),
        span_id: format!("{:016x}", s.id.0),
        parent_span_id: s.parent.map(|p| format!("{:016x}", p.0)),
        name,
        kind,
        start_time_unix_nano: s.start.as_nanos().to_string(),
        end_time_unix_nano: end.as_nanos().to_string(),
        attributes,
        status,
    }
}

fn text<'a>(key: &'static str, value: &'a str) -> KeyValue<'a> {
    KeyValue {
        key,
        value: AnyValue::Str(Cow::Borrowed(value)),
    }
}

fn int(key: &'static str, value: i64) -> KeyValue<'static> {
    KeyValue {
        key,
        value: AnyValue::Int(value.to_string()),
    }
}
