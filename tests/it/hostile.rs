//! Hostile sizes: huge counts, rates and durations, deep nesting, very long
//! strings and files, NaN and infinities, many nodes. Each is refused with a
//! located error (`line:col`, a field path, words), and loading it stays
//! within a bounded amount of memory (measured by the allocator meter) and
//! does not hang (the run time of the whole table is printed, not asserted:
//! speed is measured in benches; a hang would stop the suite).
//!
//! `tests/it/scenario_files.rs` checks exact positions for the fixtures in
//! `tests/data/bad`; this table pushes every size to its extreme.

use faultlab::scenario::{self, limits};

use crate::alloc_meter::peak_bytes;

/// Memory one load may need: 64× the largest file read. A parsed file holds
/// its values a few times over (text, ron values, file types, engine
/// configuration); nothing may grow with the *numbers* in it.
const MAX_LOAD_BYTES: usize = 64 * limits::MAX_FILE_BYTES;

/// A small valid scenario with `extra` fields on the service `api`, and
/// `top` fields at the top level.
fn with(api: &str, top: &str) -> String {
    format!(
        "Scenario(\n    duration: \"10s\",\n    nodes: {{\n        \"users\": Client(open: Poisson(per_second: 10), target: \"api\"),\n        \"api\": Service(workers: 1, work: \"1ms\"{api}),\n    }},\n{top})\n"
    )
}

/// `n` services `s0..` and one client.
fn many_services(n: usize) -> String {
    let mut s = String::from(
        "Scenario(duration: \"1s\", nodes: {\"users\": Client(open: Poisson(per_second: 1), target: \"s0\"),\n",
    );
    for i in 0..n {
        s.push_str(&format!("\"s{i}\": Service(workers: 1, work: \"1ms\"),\n"));
    }
    s.push_str("})");
    s
}

/// `(what, scenario text, in the path of some problem, in its message)`.
fn table() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let big = "9".repeat(400);
    vec![
        // Counts.
        (
            "queue u64::MAX",
            with(", queue: 18446744073709551615", ""),
            "queue",
            "out of range",
        ),
        (
            "workers 10^400",
            with("", "").replace("workers: 1", &format!("workers: {big}")),
            "workers",
            "out of range",
        ),
        (
            "workers over the limit",
            with("", "").replace("workers: 1", "workers: 10001"),
            "workers",
            "10000",
        ),
        (
            "queue over the limit",
            with(", queue: 1000001", ""),
            "queue",
            "1000000",
        ),
        (
            "users over the limit",
            with("", "").replace(
                "open: Poisson(per_second: 10)",
                "closed: Users(count: 100001, think: \"1s\")",
            ),
            "users",
            "100000",
        ),
        (
            "keys over the limit",
            with("", "").replace(
                "target: \"api\"",
                "target: \"api\", keys: Zipf(n: 1000000001, s: 1.0)",
            ),
            "keys",
            "1000000000",
        ),
        (
            "retries over the limit",
            with(
                ", calls: [Call(to: \"db\", policy: Policy(retry: Retry(max: 4294967295)))]",
                "",
            )
            .replace(
                "    },\n",
                "        \"db\": Service(workers: 1, work: \"1ms\"),\n    },\n",
            ),
            "retry",
            "10",
        ),
        (
            "65 calls",
            with(
                &format!(", calls: [{}]", "Call(to: \"db\"), ".repeat(65)),
                "",
            )
            .replace(
                "    },\n",
                "        \"db\": Service(workers: 1, work: \"1ms\"),\n    },\n",
            ),
            "calls",
            "64",
        ),
        (
            "257 nodes",
            many_services(limits::MAX_NODES),
            "nodes",
            "256",
        ),
        (
            "10 001 timeline entries",
            with(
                "",
                &format!(
                    "    timeline: [{}],\n",
                    "At(\"1s\", Crash(\"api\")), ".repeat(10_001)
                ),
            ),
            "timeline",
            "10000",
        ),
        (
            "33 mixture parts",
            with("", "").replace(
                "work: \"1ms\"",
                &format!("work: Mixture([{}])", "(0.03125, \"1ms\"), ".repeat(33)),
            ),
            "work",
            "32",
        ),
        // Rates.
        (
            "rate 1e308",
            with("", "").replace("per_second: 10", "per_second: 1e308"),
            "per_second",
            "1e308 is out of range",
        ),
        (
            "rate over the limit",
            with("", "").replace("per_second: 10", "per_second: 1000001"),
            "per_second",
            "1000001 is out of range",
        ),
        (
            "requests over the limit",
            with("", "")
                .replace("per_second: 10", "per_second: 1000000")
                .replace("\"10s\"", "\"24h\""),
            "nodes",
            "8.640e10 requests",
        ),
        (
            "bucket rate 1e300",
            with(
                ", rate_limit: RateLimit(overall: Bucket(per_second: 1e300, burst: 1))",
                "",
            ),
            "per_second",
            "1e300 is out of range",
        ),
        // Durations.
        (
            "duration 10^400 s",
            with("", "").replace("\"10s\"", &format!("\"{big}s\"")),
            "duration",
            "too many digits",
        ),
        (
            "duration 25 h",
            with("", "").replace("\"10s\"", "\"25h\""),
            "duration",
            "longer than the limit of 86400s",
        ),
        (
            "duration 1e30 ns",
            with("", "").replace("\"10s\"", "\"1e30ns\""),
            "duration",
            "unknown unit",
        ),
        (
            "window 1 ns",
            with("", "    window: \"1ns\",\n"),
            "window",
            "between 1ms and 3600s",
        ),
        (
            "100 001 windows",
            with("", "    window: \"1ms\",\n").replace("\"10s\"", "\"101s\""),
            "window",
            "100000",
        ),
        (
            "timeout 1e9 h",
            with(
                ", calls: [Call(to: \"db\", policy: Policy(timeout: \"1000000000h\"))]",
                "",
            )
            .replace(
                "    },\n",
                "        \"db\": Service(workers: 1, work: \"1ms\"),\n    },\n",
            ),
            "timeout",
            "too long",
        ),
        (
            "work 10^400 ms",
            with("", "").replace(
                "work: \"1ms\"",
                &format!("work: Exponential(mean: \"{big}ms\")"),
            ),
            "work",
            "too many digits",
        ),
        // NaN and infinities.
        (
            "NaN error rate",
            with(", error_rate: NaN", ""),
            "error_rate",
            "NaN is not a number",
        ),
        (
            "inf error rate",
            with(", error_rate: inf", ""),
            "error_rate",
            "inf is not allowed",
        ),
        (
            "-inf rate",
            with("", "").replace("per_second: 10", "per_second: -inf"),
            "per_second",
            "-inf is not allowed",
        ),
        (
            "NaN slow factor",
            with("", "    timeline: [At(\"1s\", Slow(\"api\", NaN))],\n"),
            "timeline",
            "NaN is not a number",
        ),
        (
            "inf zipf",
            with("", "").replace(
                "target: \"api\"",
                "target: \"api\", keys: Zipf(n: 10, s: inf)",
            ),
            "keys",
            "inf is not allowed",
        ),
        (
            "NaN coordinate",
            with(", position: (NaN, 0.0)", ""),
            "position",
            "NaN is not a number",
        ),
        (
            "NaN SLO",
            with("", "    slo: Slo(availability: NaN),\n"),
            "slo",
            "NaN is not a number",
        ),
        // Nesting.
        (
            "100 000 brackets",
            with("", "").replace(
                "work: \"1ms\"",
                &format!(
                    "work: {}\"1ms\"{}",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
            ),
            "work",
            "nest too deeply",
        ),
        (
            "100 000 parentheses at the top",
            format!("Scenario(nodes: {}", "(".repeat(100_000)),
            "nodes",
            "expected opening",
        ),
        (
            "mixtures 50 deep",
            with("", "").replace(
                "work: \"1ms\"",
                &format!(
                    "work: {}\"1ms\"{}",
                    "Mixture([(1.0, ".repeat(50),
                    ")])".repeat(50)
                ),
            ),
            "work",
            "nest too deeply",
        ),
        // Long strings and files.
        (
            "name of 100 000 characters",
            with("", &format!("    name: \"{}\",\n", "x".repeat(100_000))),
            "name",
            "200",
        ),
        (
            "node name of 100 000 characters",
            with("", "").replace("\"api\"", &format!("\"{}\"", "a".repeat(100_000))),
            "nodes",
            "64",
        ),
        (
            "description of 70 000 characters",
            with(
                "",
                &format!("    description: \"{}\",\n", "é".repeat(70_000)),
            ),
            "description",
            "65536",
        ),
        (
            "100 000 escapes",
            with(
                "",
                &format!("    name: \"{}\",\n", "\\u{1F4A5}".repeat(100_000)),
            ),
            "name",
            "longer than 200 characters",
        ),
        (
            "unclosed string to the end",
            with("", &format!("    name: \"{}", "x".repeat(900_000))),
            "name",
            "never closed",
        ),
        (
            "a file of 1 MiB + 1",
            format!("{}{}", with("", ""), " ".repeat(limits::MAX_FILE_BYTES)),
            "",
            "1 MiB",
        ),
        (
            "one 900 000-digit number",
            with("", "").replace("workers: 1", &format!("workers: {}", "1".repeat(900_000))),
            "workers",
            "out of range",
        ),
        (
            "100 000 unknown nodes named in a timeline",
            with(
                "",
                &format!(
                    "    timeline: [At(\"1s\", Partition(group: [{}]))],\n",
                    "\"nobody\", ".repeat(100_000)
                ),
            ),
            "timeline",
            "no node named \"nobody\"",
        ),
        (
            "health probes every microsecond",
            balancer_health(r#"every: "1us""#, "10s"),
            "health.every",
            "at least 1ms",
        ),
        (
            "health probes every millisecond for a day",
            balancer_health(r#"every: "1ms""#, "86400s"),
            "\"lb\"",
            "probes",
        ),
    ]
}

/// A balancer over two services with health checks `health` in a run of `duration`.
fn balancer_health(health: &str, duration: &str) -> String {
    format!(
        r#"Scenario(duration: "{duration}", nodes: {{
            "users": Client(open: Poisson(per_second: 1), target: "lb"),
            "lb": Balancer(pool: ["a", "b"], health: Health({health})),
            "a": Service(workers: 1, work: "1ms"),
            "b": Service(workers: 1, work: "1ms"),
        }})"#
    )
}

#[test]
fn hostile_sizes_are_refused_with_a_located_error_in_bounded_memory() {
    let started = std::time::Instant::now();
    let mut worst = (0, "");
    let mut wrong = Vec::new();
    for (what, src, path, message) in table() {
        assert!(
            src.len() <= 2 * limits::MAX_FILE_BYTES,
            "{what}: the test file itself is {} bytes",
            src.len()
        );
        let (result, bytes) = peak_bytes(|| scenario::parse_str(&src, "hostile.ron"));
        let Err(err) = result else {
            wrong.push(format!("{what}: accepted"));
            continue;
        };
        let shown = err.to_string();
        let head: String = shown.chars().take(600).collect();
        if !err.problems.iter().all(|p| p.line >= 1 && p.col >= 1) {
            wrong.push(format!("{what}: unlocated\n{head}"));
        }
        if !err
            .problems
            .iter()
            .any(|p| p.path.contains(path) && p.message.contains(message))
        {
            wrong.push(format!(
                "{what}: want {path:?} saying {message:?}, got\n{head}"
            ));
        }
        if !shown.starts_with("hostile.ron:") {
            wrong.push(format!("{what}: the file and place are not named\n{head}"));
        }
        if bytes > MAX_LOAD_BYTES {
            wrong.push(format!("{what}: loading needed {bytes} bytes at once"));
        }
        if bytes > worst.0 {
            worst = (bytes, what);
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    eprintln!(
        "hostile table: {:?} in all; most memory {} KiB for {:?}",
        started.elapsed(),
        worst.0 / 1024,
        worst.1
    );
}

#[test]
fn the_meter_sees_allocations() {
    // Guards the memory bound above against a meter that counts nothing.
    let (v, bytes) = peak_bytes(|| vec![0u8; 10 << 20]);
    assert!(bytes >= 10 << 20, "{bytes}");
    drop(v);
}
