//! Scenario files: a table of malformed and hostile files, each with the
//! position, path and message it must be reported with; generated files that
//! push every size limit; and one file using every feature, checked field by
//! field against the engine configuration it must give.

use std::path::{Path, PathBuf};

use faultlab::scenario::{self, Problem, ScenarioError, limits};
use faultlab::sim::config::*;
use faultlab::sim::dist::Dist;
use faultlab::sim::time::{SimDuration, SimTime};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// `(file in tests/data/bad without .ron, "line:col", in the path, in the message)`
/// for the first problem reported.
const BAD: &[(&str, &str, &str, &str)] = &[
    // Syntax and types.
    (
        "syntax_missing_comma",
        "5:48",
        r#"nodes."api""#,
        "expected `,`",
    ),
    (
        "unclosed_string",
        "2:16",
        "duration",
        "closing `\"` missing",
    ),
    ("unclosed_comment", "1:13", "", "comment is never closed"),
    ("trailing_text", "7:2", "", "after the end of the scenario"),
    (
        "struct_name",
        "1:1",
        "",
        "expected `Scenario(...)`, found `Scenaro(...)`",
    ),
    (
        "wrong_type",
        "5:32",
        r#"nodes."api".workers"#,
        "expected a whole number",
    ),
    (
        "integer_overflow",
        "5:33",
        r#"nodes."api".workers"#,
        "out of range",
    ),
    (
        "missing_field",
        "5:44",
        r#"nodes."api""#,
        "`Service` needs the field `work`",
    ),
    (
        "duplicate_field",
        "5:36",
        r#"nodes."api""#,
        "`workers` is given twice",
    ),
    (
        "unknown_field",
        "5:24",
        r#"nodes."api""#,
        "unknown field `wrokers` (did you mean `workers`?)",
    ),
    (
        "wrong_variant",
        "5:42",
        r#"nodes."api".work"#,
        "unknown `Normol` (did you mean `Normal`?)",
    ),
    (
        "heal_typo",
        "7:25",
        "timeline[0]",
        "unknown `Heel` (did you mean `Heal`?)",
    ),
    ("duplicate_node", "5:10", "nodes", "\"users\" is used twice"),
    (
        "long_name",
        "5:10",
        "nodes",
        "is 100 characters long; names have at most 64",
    ),
    ("bad_name_chars", "5:10", "nodes", "contains ' '"),
    // Files that are not scenarios at all.
    ("empty", "1:1", "", "the file is empty"),
    ("only_comment", "1:1", "", "only comments"),
    ("binary", "1:1", "", "not UTF-8 text"),
    ("garbage_text", "1:1", "", "expected opening `(`"),
    ("not_a_scenario", "1:1", "", "expected opening `(`"),
    // Versions.
    (
        "newer_version",
        "2:5",
        "version",
        "written by a newer faultlab (format 2); this build reads up to 1",
    ),
    (
        "version_zero",
        "2:5",
        "version",
        "format versions start at 1",
    ),
    // Numbers: NaN, infinities, ranges and limits.
    (
        "negative_rate",
        "4:51",
        r#"nodes."users".open.per_second"#,
        "-5 is out of range",
    ),
    (
        "nan",
        "5:61",
        r#"nodes."api".error_rate"#,
        "NaN is not a number",
    ),
    (
        "inf",
        "4:51",
        r#"nodes."users".open.per_second"#,
        "inf is not allowed",
    ),
    (
        "probability",
        "4:79",
        r#"nodes."users".writes"#,
        "1.5 is out of range; it must be between 0 and 1",
    ),
    (
        "slo_target_one",
        "7:28",
        "slo.availability",
        "a target of 1 leaves no error budget",
    ),
    (
        "huge_rate",
        "4:51",
        "per_second",
        "at most 1000000 per second",
    ),
    (
        "total_requests",
        "4:9",
        r#"nodes."users""#,
        "1.080e10 requests",
    ),
    (
        "retries",
        "4:104",
        "policy.retry.max",
        "11 is too large; the limit is 10",
    ),
    (
        "budget_out_of_range",
        "4:115",
        "retry.budget",
        "2.5 is out of range",
    ),
    ("drift", "5:73", "clock.drift_ppm", "±100000 ppm"),
    (
        "slow_factor",
        "7:37",
        "timeline[0].factor",
        "0 is out of range",
    ),
    ("pareto_shape", "5:70", "work.shape", "0 is out of range"),
    (
        "set_service_on_client",
        "7:42",
        "timeline[0].node",
        "\"users\" is not a service",
    ),
    (
        "set_service_changes_nothing",
        "7:16",
        "timeline[0]",
        "SetService changes nothing",
    ),
    (
        "set_service_zero_workers",
        "7:58",
        "timeline[0].workers",
        "0 is too small; it must be at least 1",
    ),
    (
        "too_many_windows",
        "3:5",
        "window",
        "makes 86400000 windows; the limit is 100000",
    ),
    // Durations.
    (
        "duration_parsecs",
        "5:42",
        r#"nodes."api".work"#,
        "unknown unit \"parsecs\"",
    ),
    (
        "duration_negative",
        "4:96",
        "policy.timeout",
        "\"-1s\" is negative",
    ),
    (
        "duration_huge",
        "2:16",
        "duration",
        "\"100000h\" is longer than the limit of 86400s",
    ),
    (
        "zero_duration",
        "2:5",
        "duration",
        "a run must last at least 1ms",
    ),
    (
        "inline_policy_bad_duration",
        "4:96",
        "policy.timeout",
        "\"fast\" does not start with a number",
    ),
    // Distributions.
    (
        "mixture_weights",
        "5:42",
        "work",
        "the weights add up to 1.1, not 1",
    ),
    (
        "mixture_deep",
        "5:87",
        "work[0][0][0]",
        "mixtures nest more than 3 deep",
    ),
    (
        "mixture_bad_part",
        "5:90",
        "work[1].mean",
        "unknown unit \"jiffy\"",
    ),
    (
        "lognormal_p99_below_median",
        "5:42",
        "work",
        "p99 (1ms) is below the median (5ms)",
    ),
    (
        "uniform_min_above_max",
        "5:42",
        "work",
        "min (9ms) is above max (1ms)",
    ),
    // Cross-references.
    (
        "unknown_node",
        "4:64",
        r#"nodes."users".target"#,
        r#"no node named "apii" (known: "users", "api")"#,
    ),
    (
        "unknown_policy",
        "4:79",
        r#"nodes."users".policy"#,
        r#"no policy named "carefull""#,
    ),
    (
        "client_targets_client",
        "4:63",
        r#"nodes."users".target"#,
        "a client's target must be a service",
    ),
    ("calls_a_client", "5:66", "calls[0].to", "cannot be called"),
    (
        "calls_itself",
        "5:66",
        "calls[0].to",
        "must not call itself",
    ),
    (
        "cycle",
        "7:64",
        r#"nodes."c".calls[0].to"#,
        r#"cycle: "api" -> "b" -> "c" -> "api""#,
    ),
    (
        "queue_consumer_not_service",
        "5:32",
        r#"nodes."api".consumer"#,
        "a queue's consumer must be a service",
    ),
    (
        "open_and_closed",
        "4:71",
        r#"nodes."users".closed"#,
        "either open: or closed:",
    ),
    (
        "priorities_sum",
        "4:71",
        "priorities",
        "the weights add up to 1.1",
    ),
    (
        "shed_decreasing",
        "5:89",
        "shed.critical",
        "critical (80) is below normal (100)",
    ),
    (
        "link_to_itself",
        "7:28",
        "links[0].between",
        "not \"api\" to itself",
    ),
    (
        "link_endpoints_missing",
        "7:13",
        "links[0]",
        "both from: and to:",
    ),
    (
        "timeline_after_end",
        "7:43",
        "timeline[1]",
        "at 11s, after the end of the run (10s)",
    ),
    (
        "setload_wrong_loop",
        "7:50",
        "timeline[0].users",
        "is open-loop",
    ),
    (
        "set_policy_without_call",
        "7:50",
        "timeline[0].callee",
        "\"api\" does not call \"users\"",
    ),
    (
        "many_problems",
        "4:64",
        r#"nodes."users".target"#,
        "no node named \"gatewy\"",
    ),
];

fn describe(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}\n")).collect()
}

#[test]
fn bad_files_are_reported_where_and_as_expected() {
    let mut failures = Vec::new();
    for &(name, at, path, message) in BAD {
        let file = data(&format!("bad/{name}.ron"));
        let err = match scenario::load_file(&file) {
            Ok(_) => {
                failures.push(format!("{name}: loaded without error"));
                continue;
            }
            Err(e) => e,
        };
        let p = &err.problems[0];
        let got_at = format!("{}:{}", p.line, p.col);
        if got_at != at || !p.path.contains(path) || !p.message.contains(message) {
            failures.push(format!(
                "{name}: want {at} path ~ {path:?} message ~ {message:?}\n got:\n{}",
                describe(&err.problems)
            ));
        }
        // Display: one `FILE:LINE:COL: ...` line per problem.
        let shown = err.to_string();
        assert_eq!(shown.lines().count(), err.problems.len(), "{name}: {shown}");
        assert!(
            shown.starts_with(&format!("{}:{at}: ", file.display())),
            "{name}: {shown}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad files misreported:\n{}",
        failures.len(),
        BAD.len(),
        failures.join("\n")
    );
}

#[test]
fn every_bad_fixture_is_in_the_table() {
    let dir = data("bad");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/data/bad") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !BAD.iter().any(|(name, ..)| *name == stem) {
            missing.push(stem);
        }
    }
    assert!(BAD.len() >= 25);
    assert!(
        missing.is_empty(),
        "fixtures without an expectation: {missing:?}"
    );
}

#[test]
fn several_problems_in_one_file_are_all_reported() {
    let err = scenario::load_file(&data("bad/many_problems.ron")).expect_err("many_problems.ron");
    let got: Vec<String> = err.problems.iter().map(|p| p.to_string()).collect();
    let want = [
        r#"4:64: nodes."users".target: no node named "gatewy" (known: "users", "gateway", "q")"#,
        r#"4:82: nodes."users".policy: no policy named "carefull" (known: none)"#,
        r#"5:70: nodes."gateway".calls[0].to: no node named "db" (known: "users", "gateway", "q")"#,
        r#"5:86: nodes."gateway".calls[1].to: "users" is a client; clients send requests but cannot be called"#,
        r#"6:30: nodes."q".consumer: "users" is a client; a queue's consumer must be a service"#,
        r#"8:39: links[0].to: no node named "dbb" (known: "users", "gateway", "q")"#,
        r#"9:19: timeline[0]: at 30s, after the end of the run (10s); it would never happen"#,
        r#"9:72: timeline[1].group: no node named "nobody" (known: "users", "gateway", "q")"#,
    ];
    assert_eq!(got, want);
}

// ---- generated files: sizes and depths ------------------------------------

fn parse_err(src: &str) -> ScenarioError {
    match scenario::parse_str(src, "generated.ron") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

fn assert_first(err: &ScenarioError, at: (usize, usize), path: &str, message: &str) {
    let p = &err.problems[0];
    assert!(
        (p.line, p.col) == at && p.path.contains(path) && p.message.contains(message),
        "want {}:{} {path:?} {message:?}, got:\n{}",
        at.0,
        at.1,
        describe(&err.problems)
    );
}

/// A scenario with `n` services `s0..`, one client, and `extra` inserted before the end.
fn services(n: usize, extra: &str) -> String {
    let mut s = String::from(
        "Scenario(\n    duration: \"10s\",\n    nodes: {\n        \"users\": Client(open: Poisson(per_second: 1), target: \"s0\"),\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "        \"s{i}\": Service(workers: 1, work: \"1ms\"),\n"
        ));
    }
    s.push_str("    },\n");
    s.push_str(extra);
    s.push_str(")\n");
    s
}

#[test]
fn too_many_nodes() {
    let err = parse_err(&services(limits::MAX_NODES, ""));
    assert_first(&err, (3, 5), "nodes", "257 nodes; the limit is 256");
    assert!(scenario::parse_str(&services(limits::MAX_NODES - 1, ""), "ok.ron").is_ok());
}

#[test]
fn too_many_links_and_timeline_entries() {
    let mut links = String::from("    links: [\n");
    let pairs = (0..70)
        .flat_map(|a| (0..70).map(move |b| (a, b)))
        .filter(|(a, b)| a != b);
    for (a, b) in pairs.take(limits::MAX_LINKS + 1) {
        links.push_str(&format!("        Link(from: \"s{a}\", to: \"s{b}\"),\n"));
    }
    links.push_str("    ],\n");
    assert_first(
        &parse_err(&services(70, &links)),
        (76, 5),
        "links",
        "4097 links; the limit is 4096",
    );

    let mut timeline = String::from("    timeline: [\n");
    for _ in 0..=limits::MAX_TIMELINE {
        timeline.push_str("At(\"1s\", Crash(\"s0\")),");
    }
    timeline.push_str("],\n");
    assert_first(
        &parse_err(&services(1, &timeline)),
        (7, 5),
        "timeline",
        "10001 timeline entries; the limit is 10000",
    );
}

#[test]
fn partitions_cannot_expand_into_gigabytes() {
    let group: Vec<String> = (0..128).map(|i| format!("\"s{i}\"")).collect();
    let entry = format!("At(\"1s\", Partition(group: [{}])),\n", group.join(", "));
    let timeline = format!("    timeline: [\n{}    ],\n", entry.repeat(40));
    let err = parse_err(&services(255, &timeline));
    assert!(
        err.problems
            .iter()
            .any(|p| p.message.contains("more than 1000000 pairs")),
        "{}",
        describe(&err.problems)
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // 10,000 brackets where a distribution goes, and 10,000 at the top.
    let deep = format!("{}\"1ms\"{}", "[".repeat(10_000), "]".repeat(10_000));
    let src = services(1, "").replace("work: \"1ms\"", &format!("work: {deep}"));
    let err = parse_err(&src);
    assert!(
        err.problems[0].message.contains("nest too deeply"),
        "{}",
        describe(&err.problems)
    );
    // An unknown field holding 10,000 brackets: skipped over while looking for
    // the version (see `newer_version`), and that skipping is bounded too.
    let src = format!("Scenario(hologram: {}", "[".repeat(10_000));
    let err = parse_err(&src);
    assert_first(&err, (1, 10), "", "unknown field `hologram`");

    // 100 mixtures deep: refused at the fourth level, before the rest is parsed.
    let mut dist = String::from("\"1ms\"");
    for _ in 0..100 {
        dist = format!("Mixture([(1.0, {dist})])");
    }
    let src = services(1, "").replace("work: \"1ms\"", &format!("work: {dist}"));
    let err = parse_err(&src);
    assert!(
        err.problems[0].message.contains("nest too deeply")
            || err.problems[0].message.contains("mixtures nest")
    );
}

#[test]
fn files_over_one_mebibyte_are_refused_unread() {
    let padding = " ".repeat(limits::MAX_FILE_BYTES);
    let src = services(1, &padding);
    assert_first(&parse_err(&src), (1, 1), "", "1 MiB");

    let path = std::env::temp_dir().join(format!("faultlab-huge-{}.ron", std::process::id()));
    std::fs::write(&path, &src).expect("write temp file");
    let err = scenario::load_file(&path).expect_err("huge file");
    std::fs::remove_file(&path).ok();
    assert_first(&err, (1, 1), "", "1 MiB");

    let err =
        scenario::load_file(Path::new("/nonexistent/faultlab.ron")).expect_err("missing file");
    assert_first(&err, (1, 1), "", "cannot read the file");
}

#[test]
fn problem_lists_are_capped() {
    let timeline = format!(
        "    timeline: [{}],\n",
        "At(\"11s\", Crash(\"s0\")),".repeat(1000)
    );
    let err = parse_err(&services(1, &timeline));
    assert_eq!(err.problems.len(), limits::MAX_PROBLEMS + 1);
    assert_eq!(
        err.problems.last().map(|p| p.message.as_str()),
        Some("900 more problems not shown")
    );
}

#[test]
fn mangled_files_never_panic() {
    // Truncations, deletions and byte swaps of a valid file, from a fixed seed.
    let src = std::fs::read_to_string(data("good/full.ron")).expect("full.ron");
    let bytes = src.as_bytes();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let specials = b"()[]{}:,\"'/*\\ 0-.eN#r";
    for round in 0..600 {
        let mut m = bytes.to_vec();
        match round % 3 {
            0 => m.truncate(next(m.len())),
            1 => {
                let at = next(m.len());
                let len = next(40).min(m.len() - at);
                m.drain(at..at + len);
            }
            _ => {
                for _ in 0..3 {
                    let at = next(m.len());
                    m[at] = specials[next(specials.len())];
                }
            }
        }
        if let Ok(text) = std::str::from_utf8(&m) {
            let _ = scenario::parse_str(text, "mangled.ron");
        }
    }
}

// ---- the good file ----------------------------------------------------------

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

fn constant_ns(ns: f64) -> Dist {
    Dist::Constant { ns }
}

fn careful() -> PolicyConfig {
    PolicyConfig {
        timeout: Some(ms(50)),
        deadline: Some(ms(300)),
        retry: RetryConfig {
            max_retries: 3,
            backoff: Backoff::Exponential {
                base: ms(10),
                cap: ms(1000),
            },
            jitter: Jitter::Full,
            budget: Some(RetryBudgetConfig {
                ratio: 0.1,
                max_tokens: 10.0,
            }),
            on: RetryOn {
                timeout: true,
                error: true,
            },
        },
        breaker: Some(BreakerConfig {
            failure_rate: 0.5,
            window: ms(10_000),
            min_calls: 20,
            open_for: ms(5_000),
            probes: 3,
        }),
        hedge: Some(HedgeConfig::After(ms(20))),
        idempotency_keys: true,
    }
}

fn hedgy() -> PolicyConfig {
    PolicyConfig {
        timeout: None,
        deadline: None,
        retry: RetryConfig {
            max_retries: 1,
            backoff: Backoff::Constant(ms(100)),
            jitter: Jitter::Decorrelated,
            budget: Some(RetryBudgetConfig {
                ratio: 0.2,
                max_tokens: 20.0,
            }),
            on: RetryOn {
                timeout: true,
                error: false,
            },
        },
        breaker: Some(BreakerConfig {
            failure_rate: 0.25,
            window: ms(1_000),
            min_calls: 10,
            open_for: ms(2_000),
            probes: 1,
        }),
        hedge: Some(HedgeConfig::Percentile(95.0)),
        idempotency_keys: false,
    }
}

fn only<T>(policy: T) -> PolicyConfig
where
    T: FnOnce(&mut PolicyConfig),
{
    let mut p = PolicyConfig::default();
    policy(&mut p);
    p
}

fn client(c: &SimConfig, name: &str) -> ClientConfig {
    match &c.nodes[c.node_id(name).expect(name).index()].kind {
        NodeKind::Client(x) => x.clone(),
        other => panic!("{name} is a {}", other.label()),
    }
}

fn service(c: &SimConfig, name: &str) -> ServiceConfig {
    match &c.nodes[c.node_id(name).expect(name).index()].kind {
        NodeKind::Service(x) => x.clone(),
        other => panic!("{name} is a {}", other.label()),
    }
}

fn cache(c: &SimConfig, name: &str) -> CacheConfig {
    match &c.nodes[c.node_id(name).expect(name).index()].kind {
        NodeKind::Cache(x) => x.clone(),
        other => panic!("{name} is a {}", other.label()),
    }
}

fn queue(c: &SimConfig, name: &str) -> QueueConfig {
    match &c.nodes[c.node_id(name).expect(name).index()].kind {
        NodeKind::Queue(x) => x.clone(),
        other => panic!("{name} is a {}", other.label()),
    }
}

#[test]
fn the_full_file_gives_exactly_the_expected_configuration() {
    let s = scenario::load_file(&data("good/full.ron")).unwrap_or_else(|e| panic!("{e}"));
    let c = &s.config;
    assert_eq!(
        s.description,
        "Checkout over a flaky database,\nwith every knob turned."
    );
    assert_eq!(c.name, "Every feature");
    assert_eq!(c.seed, 7);
    assert_eq!(c.duration, ms(120_000));
    assert_eq!(c.window, ms(500));

    let names: Vec<&str> = c.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "users", "batch", "humans", "gateway", "orders", "recs", "catalog", "sessions", "db",
            "jobs", "spool", "worker"
        ]
    );
    let id = |n: &str| c.node_id(n).expect(n);

    // Placement.
    let users_node = &c.nodes[0];
    assert_eq!(users_node.zone.as_deref(), Some("a"));
    assert_eq!(users_node.position, Some((120.0, 80.0)));
    assert_eq!(
        users_node.clock,
        ClockConfig {
            offset_ns: -50_000_000,
            drift_ppm: 200
        }
    );
    assert_eq!(c.nodes[id("gateway").index()].zone.as_deref(), Some("b"));
    assert_eq!(c.nodes[1].zone, None);
    assert_eq!(c.nodes[1].position, None);
    assert_eq!(c.nodes[1].clock, ClockConfig::default());

    // Clients.
    let users = client(c, "users");
    assert_eq!(
        users.load,
        Load::Open {
            arrivals: Arrivals::Poisson { rate_per_s: 400.0 }
        }
    );
    assert_eq!(users.target, id("gateway"));
    assert_eq!(users.policy, careful());
    assert_eq!(users.keys, KeySpace::Zipf { n: 10_000, s: 1.1 });
    assert_eq!(users.write_fraction, 0.1);
    assert_eq!(
        users.priorities,
        vec![
            (Priority::Critical, 0.1),
            (Priority::Normal, 0.8),
            (Priority::Background, 0.1)
        ]
    );
    assert_eq!(users.max_in_flight, Some(10_000));

    let batch = client(c, "batch");
    assert_eq!(
        batch.load,
        Load::Open {
            arrivals: Arrivals::Constant { rate_per_s: 50.5 }
        }
    );
    assert_eq!(batch.target, id("jobs"));
    assert_eq!(batch.policy, PolicyConfig::default());
    assert_eq!(batch.keys, KeySpace::Uniform { n: 1000 });
    assert_eq!(batch.write_fraction, 0.0);
    assert_eq!(batch.priorities, vec![(Priority::Normal, 1.0)]);
    assert_eq!(batch.max_in_flight, None);

    let humans = client(c, "humans");
    assert_eq!(
        humans.load,
        Load::Closed {
            users: 50,
            think: Dist::Exponential { mean_ns: 1e8 }
        }
    );
    assert_eq!(humans.target, id("catalog"));
    assert_eq!(humans.policy, only(|p| p.timeout = Some(ms(1000))));
    assert_eq!(humans.keys, KeySpace::Uniform { n: 500 });

    // Services.
    let gw = service(c, "gateway");
    assert_eq!(gw.workers, 64);
    assert_eq!(gw.queue_capacity, Some(128));
    assert_eq!(gw.work, Dist::log_normal_from_median_p99(ms(1), ms(5)));
    assert_eq!(gw.error_rate, 0.01);
    assert_eq!(gw.calls.len(), 2);
    assert_eq!(
        (gw.calls[0].to, &gw.calls[0].policy),
        (id("orders"), &PolicyConfig::default())
    );
    assert_eq!(
        (gw.calls[1].to, &gw.calls[1].policy),
        (id("recs"), &careful())
    );
    assert_eq!(gw.call_mode, CallMode::Parallel { wait_for: 2 });
    assert_eq!(gw.fallback, Fallback::Default);
    assert_eq!(gw.operation, Operation::NonIdempotent);
    assert!(gw.idempotency_keys);
    assert_eq!(gw.key_ttl, ms(600_000));
    assert_eq!(
        gw.rate_limit,
        Some(RateLimitConfig {
            overall: Some(TokenBucketConfig {
                rate_per_s: 100.0,
                burst: 20.0
            }),
            per_caller: Some(TokenBucketConfig {
                rate_per_s: 50.0,
                burst: 10.0
            }),
        })
    );
    assert_eq!(
        gw.shedding,
        Some(SheddingConfig {
            background_at: 50,
            normal_at: 100,
            critical_at: 200
        })
    );

    let orders = service(c, "orders");
    assert_eq!((orders.workers, orders.queue_capacity), (16, Some(0)));
    assert_eq!(
        orders.work,
        Dist::Uniform {
            lo_ns: 1e6,
            hi_ns: 3e6
        }
    );
    assert_eq!(
        (orders.calls[0].to, &orders.calls[0].policy),
        (id("db"), &hedgy())
    );
    assert_eq!(orders.call_mode, CallMode::Sequential);
    assert_eq!(
        (orders.fallback, orders.operation),
        (Fallback::Fail, Operation::Idempotent)
    );
    assert!(!orders.idempotency_keys);
    assert_eq!((orders.rate_limit, orders.shedding), (None, None));

    let recs = service(c, "recs");
    assert_eq!((recs.workers, recs.queue_capacity), (4, None));
    assert_eq!(
        recs.work,
        Dist::Normal {
            mean_ns: 2e6,
            sd_ns: 1e6
        }
    );
    assert_eq!(recs.calls[0].to, id("catalog"));
    assert_eq!(
        recs.versions,
        faultlab::sim::deploy::Versions {
            base: "r1".into(),
            others: vec![faultlab::sim::deploy::VersionConfig {
                name: "r2".into(),
                error_rate: 0.05,
                work: Some(Dist::Constant { ns: 3e6 }),
                extra_latency: Some(Dist::Exponential { mean_ns: 1e6 }),
                format: 2,
                reads: 3,
            }],
        }
    );

    let db = service(c, "db");
    assert_eq!(
        db.work,
        Dist::Mixture(vec![
            (0.9, Dist::Exponential { mean_ns: 2e6 }),
            (
                0.1,
                Dist::Mixture(vec![
                    (
                        0.5,
                        Dist::Pareto {
                            scale_ns: 1e6,
                            shape: 1.5
                        }
                    ),
                    (0.5, constant_ns(40e6))
                ])
            ),
        ])
    );
    assert!(db.calls.is_empty());

    let worker = service(c, "worker");
    assert_eq!(worker.work, constant_ns(850.0));
    assert_eq!(worker.calls[0].to, id("sessions"));

    // Caches.
    let catalog = cache(c, "catalog");
    assert_eq!((catalog.capacity, catalog.ttl), (1000, ms(30_000)));
    assert_eq!(catalog.hit_time, constant_ns(200_000.0));
    assert_eq!(catalog.backing.to, id("db"));
    assert_eq!(catalog.backing.policy, only(|p| p.timeout = Some(ms(20))));
    assert!(catalog.serve_stale);
    let sessions = cache(c, "sessions");
    assert_eq!((sessions.capacity, sessions.ttl), (5, ms(1000)));
    assert_eq!(sessions.hit_time, constant_ns(100_000.0));
    assert_eq!(
        (sessions.backing.to, &sessions.backing.policy),
        (id("db"), &PolicyConfig::default())
    );
    assert!(!sessions.serve_stale);

    // Queues.
    let jobs = queue(c, "jobs");
    assert_eq!(
        (
            jobs.consumer,
            jobs.concurrency,
            jobs.max_deliveries,
            jobs.ack_timeout,
            jobs.capacity
        ),
        (id("worker"), 4, 5, ms(5_000), Some(10_000))
    );
    let spool = queue(c, "spool");
    assert_eq!(
        (
            spool.consumer,
            spool.concurrency,
            spool.max_deliveries,
            spool.ack_timeout,
            spool.capacity
        ),
        (id("worker"), 1, 1, ms(3_600_000), None)
    );

    // The network.
    assert_eq!(
        c.default_link,
        LinkModel {
            latency: constant_ns(100_000.0),
            loss: 0.0001,
            duplicate: 0.0
        }
    );
    let flaky = LinkModel {
        latency: Dist::Mixture(vec![(0.99, constant_ns(1e6)), (0.01, constant_ns(1e9))]),
        loss: 0.001,
        duplicate: 0.0,
    };
    assert_eq!(
        c.links,
        vec![
            LinkConfig {
                from: id("orders"),
                to: id("db"),
                model: flaky.clone()
            },
            LinkConfig {
                from: id("db"),
                to: id("orders"),
                model: flaky
            },
            LinkConfig {
                from: id("gateway"),
                to: id("orders"),
                model: LinkModel {
                    latency: Dist::Normal {
                        mean_ns: 2e6,
                        sd_ns: 1e6
                    },
                    loss: 0.0001,
                    duplicate: 0.01,
                },
            },
        ]
    );

    // The timeline, sorted by time (stable for equal times).
    let db_cut: Vec<(NodeId, NodeId)> = (0..c.nodes.len() as u32)
        .map(NodeId)
        .filter(|&o| o != id("db"))
        .flat_map(|o| [(id("db"), o), (o, id("db"))])
        .collect();
    let s_ = |secs: u64| SimTime(secs * 1_000_000_000);
    let expected = vec![
        (s_(30), Action::Partition(db_cut.clone())),
        (
            s_(31),
            Action::Partition(vec![
                (id("gateway"), id("orders")),
                (id("orders"), id("gateway")),
            ]),
        ),
        (s_(32), Action::Partition(vec![(id("recs"), id("catalog"))])),
        (s_(45), Action::Heal(None)),
        (s_(46), Action::Heal(Some(db_cut))),
        (
            s_(47),
            Action::Heal(Some(vec![(id("gateway"), id("orders"))])),
        ),
        (
            s_(48),
            Action::Heal(Some(vec![(id("recs"), id("catalog"))])),
        ),
        (s_(50), Action::Crash(id("db"))),
        (s_(60), Action::Restart(id("db"))),
        (
            s_(70),
            Action::Slow {
                node: id("db"),
                factor: 5.0,
            },
        ),
        (
            s_(80),
            Action::SetLink {
                from: id("gateway"),
                to: id("orders"),
                latency: Some(constant_ns(5e6)),
                loss: Some(0.1),
                duplicate: None,
            },
        ),
        (
            s_(81),
            Action::SetLink {
                from: id("orders"),
                to: id("db"),
                latency: None,
                loss: None,
                duplicate: Some(0.5),
            },
        ),
        (
            s_(81),
            Action::SetLink {
                from: id("db"),
                to: id("orders"),
                latency: None,
                loss: None,
                duplicate: Some(0.5),
            },
        ),
        (
            s_(90),
            Action::SetClock {
                node: id("db"),
                offset_ns: Some(2_000_000_000),
                drift_ppm: Some(-100),
            },
        ),
        (
            s_(95),
            Action::SetPolicy {
                caller: id("orders"),
                callee: id("db"),
                policy: careful(),
            },
        ),
        (
            s_(96),
            Action::SetPolicy {
                caller: id("humans"),
                callee: id("catalog"),
                policy: only(|p| p.deadline = Some(ms(2000))),
            },
        ),
        (
            s_(99),
            Action::SetLoad {
                client: id("users"),
                load: Load::Open {
                    arrivals: Arrivals::Poisson { rate_per_s: 900.0 },
                },
            },
        ),
        (
            s_(99),
            Action::SetLoad {
                client: id("humans"),
                load: Load::Closed {
                    users: 80,
                    think: Dist::Exponential { mean_ns: 1e8 },
                },
            },
        ),
        (
            s_(100),
            Action::Canary {
                service: id("recs"),
                canary: faultlab::sim::deploy::CanaryConfig {
                    version: 1,
                    steps: vec![0.1, 0.5],
                    step_every: ms(5000),
                    rollback_if: faultlab::sim::deploy::RollbackBound {
                        error_rate: Some(0.01),
                        p99: Some(ms(50)),
                    },
                },
            },
        ),
        (
            s_(110),
            Action::BlueGreen {
                service: id("recs"),
                version: 1,
            },
        ),
        (s_(115), Action::Rollback(id("recs"))),
        (s_(120), Action::Crash(id("worker"))),
    ];
    let got: Vec<(SimTime, Action)> = c
        .timeline
        .iter()
        .map(|t| (t.at, t.action.clone()))
        .collect();
    assert_eq!(got.len(), expected.len());
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "timeline entry {i}");
    }

    assert_eq!(
        c.slo,
        SloConfig {
            availability: 0.995,
            latency: ms(250),
            percentile: 99.9
        }
    );
}

#[test]
fn parse_duration_is_public_for_the_command_line() {
    assert_eq!(
        scenario::parse_duration("1.5s"),
        Ok(SimDuration::from_millis(1500))
    );
    assert_eq!(
        scenario::parse_duration("12µs"),
        Ok(SimDuration::from_micros(12))
    );
    assert!(
        scenario::parse_duration("5 parsecs")
            .unwrap_err()
            .contains("parsecs")
    );
}
