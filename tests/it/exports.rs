//! Exports checked against the formats they claim: OTLP/JSON traces (field
//! names, hex ids, nanosecond times as decimal strings, parents that exist)
//! and Prometheus text (every line parses by the exposition rules).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use faultlab::export::{otlp, prometheus};
use faultlab::metrics::trace::TraceConfig;
use faultlab::sim::Simulation;
use serde_json::Value;

use super::support::config;

/// A client retrying through a balancer into two services, one failing often.
const SRC: &str = r#"Scenario(name: "export \"quoted\"", duration: "10s",
    nodes: {
        "users": Client(open: Poisson(per_second: 100), target: "lb",
                        policy: Policy(timeout: "50ms", retry: Retry(max: 2))),
        "lb": Balancer(pool: ["a", "b"], strategy: PowerOfTwo),
        "a": Service(workers: 2, work: Exponential(mean: "5ms"), clock: Clock(offset: "-3ms")),
        "b": Service(workers: 2, work: Exponential(mean: "5ms"), error_rate: 0.2),
    })"#;

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b != b'0')
}

fn nanos(v: &Value) -> u64 {
    v.as_str()
        .expect("times are decimal strings")
        .parse()
        .expect("times parse as integers")
}

#[test]
fn otlp_export_has_the_otlp_json_shape() {
    let c = config(SRC, 3);
    let names: Vec<String> = c.nodes.iter().map(|n| n.name.clone()).collect();
    let mut sim = Simulation::new(c);
    sim.enable_tracing(TraceConfig {
        sample_rate: 0.2,
        ..TraceConfig::default()
    });
    let (_, traces) = sim.run_traced();
    assert!(traces.len() > 100);
    let text = otlp::to_otlp_string(&traces, &names);
    let doc: Value = serde_json::from_str(&text).expect("the export parses as JSON");

    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut parents = Vec::new();
    let mut spans = 0;
    let mut services = BTreeSet::new();
    for rs in doc["resourceSpans"].as_array().expect("resourceSpans") {
        let attrs = rs["resource"]["attributes"].as_array().unwrap();
        let service = attrs
            .iter()
            .find(|a| a["key"] == "service.name")
            .expect("service.name")["value"]["stringValue"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(names.contains(&service));
        services.insert(service);
        let scope = &rs["scopeSpans"][0];
        assert_eq!(scope["scope"]["name"], "faultlab");
        for span in scope["spans"].as_array().unwrap() {
            spans += 1;
            let trace_id = span["traceId"].as_str().unwrap();
            let span_id = span["spanId"].as_str().unwrap();
            assert!(is_hex(trace_id, 32), "traceId {trace_id}");
            assert!(is_hex(span_id, 16), "spanId {span_id}");
            assert!(
                ids.entry(trace_id.into())
                    .or_default()
                    .insert(span_id.into()),
                "span id {span_id} twice in trace {trace_id}"
            );
            if let Some(p) = span.get("parentSpanId") {
                let p = p.as_str().unwrap();
                assert!(is_hex(p, 16));
                parents.push((trace_id.to_string(), p.to_string()));
            }
            assert!(span["name"].as_str().is_some_and(|n| !n.is_empty()));
            assert!((1..=5).contains(&span["kind"].as_u64().unwrap()));
            assert!(nanos(&span["startTimeUnixNano"]) <= nanos(&span["endTimeUnixNano"]));
            assert!(span["status"]["code"].as_u64().unwrap() <= 2);
            for a in span["attributes"].as_array().unwrap() {
                assert!(a["key"].as_str().is_some());
                let v = a["value"].as_object().unwrap();
                assert_eq!(v.len(), 1);
                match v.keys().next().unwrap().as_str() {
                    "stringValue" => assert!(v["stringValue"].is_string()),
                    "boolValue" => assert!(v["boolValue"].is_boolean()),
                    "intValue" => {
                        let _: i64 = v["intValue"].as_str().unwrap().parse().unwrap();
                    }
                    other => panic!("attribute value kind {other}"),
                }
            }
        }
    }
    assert_eq!(spans, traces.iter().map(|t| t.spans.len()).sum::<usize>());
    assert_eq!(services.len(), names.len(), "every node has spans");
    for (trace, parent) in parents {
        assert!(
            ids[&trace].contains(&parent),
            "parent {parent} missing in {trace}"
        );
    }
}

/// One parsed sample line: name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

fn metric_name_ok(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses a sample line by the text exposition format, or panics saying why.
fn parse_sample(line: &str) -> Sample {
    let name_end = line
        .find(['{', ' '])
        .expect("a name then labels or a value");
    let name = &line[..name_end];
    assert!(metric_name_ok(name), "bad metric name in {line:?}");
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        let mut chars = r.char_indices().peekable();
        loop {
            let (start, _) = *chars.peek().expect("unterminated labels");
            if r[start..].starts_with('}') {
                rest = &r[start + 1..];
                break;
            }
            let eq = r[start..].find('=').expect("label=value") + start;
            let key = &r[start..eq];
            assert!(
                metric_name_ok(key) && !key.contains(':'),
                "bad label name {key:?} in {line:?}"
            );
            assert_eq!(
                &r[eq + 1..eq + 2],
                "\"",
                "label value must be quoted in {line:?}"
            );
            let mut value = String::new();
            let mut iter = r[eq + 2..].char_indices();
            let end = loop {
                let (i, c) = iter.next().expect("unterminated label value");
                match c {
                    '\\' => match iter.next().expect("escape").1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        other => panic!("bad escape \\{other} in {line:?}"),
                    },
                    '"' => break eq + 2 + i + 1,
                    c => value.push(c),
                }
            };
            labels.push((key.to_string(), value));
            let after = &r[end..];
            let skip = if after.starts_with(',') { 1 } else { 0 };
            chars = r.char_indices().peekable();
            while chars.peek().is_some_and(|&(i, _)| i < end + skip) {
                chars.next();
            }
        }
    }
    let value = rest.strip_prefix(' ').expect("one space before the value");
    let value = match value {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v
            .parse()
            .unwrap_or_else(|_| panic!("bad value {v:?} in {line:?}")),
    };
    (name.to_string(), labels, value)
}

#[test]
fn prometheus_snapshot_parses_by_the_exposition_rules() {
    let summary = Simulation::new(config(SRC, 3)).run();
    let text = prometheus::to_prometheus(&summary);
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helped = BTreeSet::new();
    let mut series = BTreeSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(metric_name_ok(name));
            assert!(helped.insert(name.to_string()), "HELP twice for {name}");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(
                ["counter", "gauge", "summary", "histogram", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                types.insert(name.into(), kind.into()).is_none(),
                "TYPE twice for {name}"
            );
        } else {
            assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
            let (name, labels, value) = parse_sample(line);
            let family = types
                .keys()
                .find(|f| {
                    name == **f
                        || (types[*f] == "summary"
                            && (name == format!("{f}_sum") || name == format!("{f}_count")))
                })
                .unwrap_or_else(|| panic!("sample {name} before its TYPE line"));
            if types[family] == "counter" {
                assert!(name.ends_with("_total") && value >= 0.0, "{line}");
            }
            assert!(
                series.insert(format!("{name}{labels:?}")),
                "series twice: {line}"
            );
            samples.push((name, labels, value));
        }
    }
    let get = |name: &str, want: &[(&str, &str)]| {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && want
                        .iter()
                        .all(|(k, v)| l.iter().any(|(a, b)| a == k && b == v))
            })
            .unwrap_or_else(|| panic!("no {name} {want:?}"))
            .2
    };
    // The label value with quotes came back through the escaping.
    let scenario = "export \"quoted\"";
    assert_eq!(
        get(
            "faultlab_requests_total",
            &[("scenario", scenario), ("outcome", "ok")]
        ),
        summary.requests.ok as f64
    );
    assert_eq!(
        get("faultlab_node_arrivals_total", &[("node", "b")]),
        summary.services["b"].arrivals as f64
    );
    assert_eq!(
        get("faultlab_request_latency_seconds", &[("quantile", "0.99")]),
        summary.latency_ms.p99 / 1e3
    );
    assert_eq!(
        get("faultlab_node_retries_total", &[("node", "lb")]),
        summary.services["lb"].calls.retries as f64
    );
    assert_eq!(
        get("faultlab_unanswered_requests", &[("scenario", scenario)]),
        summary.slo.unanswered as f64
    );
}

#[test]
fn the_command_line_writes_traces_and_a_prometheus_snapshot() {
    let dir = std::env::temp_dir().join(format!("faultlab-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (traces, prom) = (dir.join("t.json"), dir.join("m.prom"));
    let out = Command::new(env!("CARGO_BIN_EXE_faultlab"))
        .args([
            "run",
            "labs/examples/balancer.ron",
            "--duration",
            "5s",
            "--sample",
            "0.01",
        ])
        .arg("--traces")
        .arg(&traces)
        .arg("--prometheus")
        .arg(&prom)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&traces).unwrap()).unwrap();
    assert!(!doc["resourceSpans"].as_array().unwrap().is_empty());
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(text.contains("# TYPE faultlab_requests_total counter"));
    std::fs::remove_dir_all(&dir).unwrap();
}
