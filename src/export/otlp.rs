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

use serde_json::{Value, json};

use crate::metrics::trace::{Span, SpanKind, SpanStatus, Trace};

/// OTLP `SpanKind` values.
const KIND_INTERNAL: u32 = 1;
const KIND_SERVER: u32 = 2;
const KIND_CLIENT: u32 = 3;
/// OTLP `StatusCode` values.
const STATUS_UNSET: u32 = 0;
const STATUS_OK: u32 = 1;
const STATUS_ERROR: u32 = 2;

/// The traces as one OTLP/JSON `TracesData` document; `names` gives each node's name.
pub fn to_otlp_json(traces: &[Trace], names: &[String]) -> Value {
    let mut by_node: Vec<Vec<Value>> = vec![Vec::new(); names.len()];
    for t in traces {
        for s in &t.spans {
            if let Some(list) = by_node.get_mut(s.node as usize) {
                list.push(span(t, s, names));
            }
        }
    }
    let resource_spans: Vec<Value> = by_node
        .into_iter()
        .enumerate()
        .filter(|(_, spans)| !spans.is_empty())
        .map(|(i, spans)| {
            json!({
                "resource": { "attributes": [attr_str("service.name", &names[i])] },
                "scopeSpans": [{
                    "scope": { "name": "faultlab", "version": env!("CARGO_PKG_VERSION") },
                    "spans": spans,
                }],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
}

fn span(t: &Trace, s: &Span, names: &[String]) -> Value {
    let name_of = |n: Option<u32>| {
        n.and_then(|n| names.get(n as usize))
            .map_or("?", String::as_str)
    };
    let (name, kind) = match s.kind {
        SpanKind::Request => ("request".to_string(), KIND_INTERNAL),
        SpanKind::Attempt => (format!("call {}", name_of(s.peer)), KIND_CLIENT),
        SpanKind::Serve => ("serve".to_string(), KIND_SERVER),
    };
    let end = s.end.unwrap_or(s.start);
    let mut attributes = vec![
        attr_int("faultlab.local_start_ns", s.local_start),
        attr_int(
            "faultlab.local_end_ns",
            s.local_end.unwrap_or(s.local_start),
        ),
        attr_str("faultlab.root", &t.root.0.to_string()),
    ];
    if let Some(peer) = s.peer {
        attributes.push(attr_str("peer.service", name_of(Some(peer))));
    }
    if s.kind == SpanKind::Attempt {
        attributes.push(attr_int("faultlab.attempt", i64::from(s.attempt)));
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
            attributes.push(json!({ "key": key, "value": { "boolValue": true } }));
        }
    }
    let status = match s.status {
        SpanStatus::Ok => json!({ "code": STATUS_OK }),
        SpanStatus::Failed(cause) => json!({ "code": STATUS_ERROR, "message": cause.key() }),
        SpanStatus::Open | SpanStatus::Abandoned => json!({ "code": STATUS_UNSET }),
    };
    let mut v = json!({
        "traceId": format!("{:032x}", t.trace_id()),
        "spanId": format!("{:016x}", s.id.0),
        "name": name,
        "kind": kind,
        "startTimeUnixNano": s.start.as_nanos().to_string(),
        "endTimeUnixNano": end.as_nanos().to_string(),
        "attributes": attributes,
        "status": status,
    });
    if let Some(p) = s.parent {
        v["parentSpanId"] = json!(format!("{:016x}", p.0));
    }
    v
}

fn attr_str(key: &str, value: &str) -> Value {
    json!({ "key": key, "value": { "stringValue": value } })
}

fn attr_int(key: &str, value: i64) -> Value {
    json!({ "key": key, "value": { "intValue": value.to_string() } })
}
