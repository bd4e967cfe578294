//! Unit tests of the scenario module: defaults, the string-or-variant values,
//! and error placement. The data-driven table of bad files is in
//! `tests/it/scenario_files.rs`.

use super::*;
use crate::sim::config::*;
use crate::sim::dist::Dist;
use crate::sim::time::SimDuration;

const MINIMAL: &str = r#"Scenario(
    duration: "10s",
    nodes: {
        "users": Client(open: Poisson(per_second: 10), target: "api"),
        "api": Service(workers: 2, work: "1ms"),
    },
)"#;

fn parse(src: &str) -> Scenario {
    parse_str(src, "t.ron").unwrap_or_else(|e| panic!("{e}"))
}

fn problems(src: &str) -> Vec<Problem> {
    match parse_str(src, "t.ron") {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.problems,
    }
}

/// The first problem as `line:col path: message`.
fn first(src: &str) -> String {
    let p = &problems(src)[0];
    format!("{}:{} {}: {}", p.line, p.col, p.path, p.message)
}

#[test]
fn minimal_file_gets_every_default() {
    let s = parse(MINIMAL);
    let c = &s.config;
    assert_eq!(c.name, "t");
    assert_eq!(s.description, "");
    assert_eq!(c.seed, 1);
    assert_eq!(c.duration, SimDuration::from_secs(10));
    assert_eq!(c.window, SimDuration::from_secs(1));
    assert_eq!(c.default_link, LinkModel::default());
    assert!(c.links.is_empty() && c.timeline.is_empty());
    assert_eq!(c.slo, SloConfig::default());
    assert_eq!(c.nodes.len(), 2);

    let users = &c.nodes[0];
    assert_eq!(users.name, "users");
    assert_eq!(
        (users.zone.clone(), users.position, users.clock),
        (None, None, ClockConfig::default())
    );
    let NodeKind::Client(client) = &users.kind else {
        panic!("users is not a client")
    };
    assert_eq!(
        client.load,
        Load::Open {
            arrivals: Arrivals::Poisson { rate_per_s: 10.0 }
        }
    );
    assert_eq!(client.target, NodeId(1));
    assert_eq!(client.policy, PolicyConfig::default());
    assert_eq!(client.keys, KeySpace::Uniform { n: 1000 });
    assert_eq!(client.write_fraction, 0.0);
    assert_eq!(client.priorities, vec![(Priority::Normal, 1.0)]);
    assert_eq!(client.max_in_flight, None);

    let NodeKind::Service(api) = &c.nodes[1].kind else {
        panic!("api is not a service")
    };
    assert_eq!(api.workers, 2);
    assert_eq!(api.queue_capacity, None);
    assert_eq!(api.work, Dist::Constant { ns: 1e6 });
    assert_eq!(api.error_rate, 0.0);
    assert!(api.calls.is_empty());
    assert_eq!(api.call_mode, CallMode::Sequential);
    assert_eq!(api.fallback, Fallback::Fail);
    assert_eq!(api.operation, Operation::Idempotent);
    assert!(!api.idempotency_keys);
    assert_eq!(api.key_ttl, SimDuration::from_secs(600));
    assert_eq!(api.rate_limit, None);
    assert_eq!(api.shedding, None);
}

#[test]
fn short_runs_get_a_window_no_longer_than_the_run() {
    let s = parse(&MINIMAL.replace("\"10s\"", "\"300ms\""));
    assert_eq!(s.config.window, SimDuration::from_millis(300));
}

#[test]
fn policy_defaults() {
    let src = MINIMAL.replace(
        "target: \"api\"",
        r#"target: "api", policy: Policy(retry: Retry(max: 2, budget: 0.2), breaker: Breaker(failure_rate: 0.5, window: "10s", open_for: "5s"))"#,
    );
    let NodeKind::Client(c) = &parse(&src).config.nodes[0].kind else {
        panic!()
    };
    let p = &c.policy;
    assert_eq!(p.timeout, None);
    assert_eq!(p.retry.max_retries, 2);
    assert_eq!(p.retry.backoff, Backoff::None);
    assert_eq!(p.retry.jitter, Jitter::None);
    assert_eq!(
        p.retry.on,
        RetryOn {
            timeout: true,
            error: true
        }
    );
    assert_eq!(
        p.retry.budget,
        Some(RetryBudgetConfig {
            ratio: 0.2,
            max_tokens: 10.0
        })
    );
    let b = p.breaker.expect("breaker");
    assert_eq!((b.min_calls, b.probes), (10, 1));
}

#[test]
fn distributions_in_both_forms() {
    let cases: &[(&str, Dist)] = &[
        ("\"2ms\"", Dist::Constant { ns: 2e6 }),
        ("Constant(\"2ms\")", Dist::Constant { ns: 2e6 }),
        (
            "Uniform(min: \"1ms\", max: \"3ms\")",
            Dist::Uniform {
                lo_ns: 1e6,
                hi_ns: 3e6,
            },
        ),
        (
            "Normal(mean: \"2ms\", sd: \"1ms\")",
            Dist::Normal {
                mean_ns: 2e6,
                sd_ns: 1e6,
            },
        ),
        (
            "Exponential(mean: \"4ms\")",
            Dist::Exponential { mean_ns: 4e6 },
        ),
        (
            "LogNormal(median: \"1ms\", p99: \"5ms\")",
            Dist::log_normal_from_median_p99(
                SimDuration::from_millis(1),
                SimDuration::from_millis(5),
            ),
        ),
        (
            "Pareto(scale: \"1ms\", shape: 1.5)",
            Dist::Pareto {
                scale_ns: 1e6,
                shape: 1.5,
            },
        ),
        (
            "Mixture([(0.99, \"1ms\"), (0.01, Exponential(mean: \"1s\"))])",
            Dist::Mixture(vec![
                (0.99, Dist::Constant { ns: 1e6 }),
                (0.01, Dist::Exponential { mean_ns: 1e9 }),
            ]),
        ),
        ("/* a comment */ \"2ms\"", Dist::Constant { ns: 2e6 }),
        ("r#\"2ms\"#", Dist::Constant { ns: 2e6 }),
    ];
    for (text, want) in cases {
        let src = MINIMAL.replace("work: \"1ms\"", &format!("work: {text}"));
        let NodeKind::Service(s) = &parse(&src).config.nodes[1].kind else {
            panic!()
        };
        assert_eq!(&s.work, want, "{text}");
    }
}

#[test]
fn a_bad_distribution_is_placed_exactly() {
    // Line 5 is the "api" node; the bad duration sits inside a nested mixture.
    let src = MINIMAL.replace(
        "work: \"1ms\"",
        "work: Mixture([(0.5, \"1ms\"), (0.5, Uniform(min: \"1ms\", max: \"5 parsecs\"))])",
    );
    // ron places errors in a string at its first character, just inside the quote.
    let col = src.lines().nth(4).unwrap().find("5 parsecs").unwrap() + 1;
    let got = first(&src);
    assert!(
        got.starts_with(&format!("5:{col} nodes.\"api\".work[1].max: ")),
        "{got}"
    );
    assert!(got.contains("unknown unit \"parsecs\""), "{got}");

    // An unknown variant names the choices.
    let src = MINIMAL.replace("work: \"1ms\"", "work: Normol(mean: \"1ms\", sd: \"1ms\")");
    let got = first(&src);
    assert!(
        got.starts_with("5:42 nodes.\"api\".work: unknown `Normol` (did you mean `Normal`?)"),
        "{got}"
    );

    // A whole-value problem points at the start of the value.
    let src = MINIMAL.replace("work: \"1ms\"", "work: Uniform(min: \"3ms\", max: \"1ms\")");
    let got = first(&src);
    assert!(
        got.starts_with("5:42 nodes.\"api\".work: min (3ms) is above max (1ms)"),
        "{got}"
    );

    // A bare string with a bad duration.
    let src = MINIMAL.replace("work: \"1ms\"", "work: \"1 fortnight\"");
    assert!(
        first(&src).starts_with("5:42 nodes.\"api\".work: \"1 fortnight\" has an unknown unit")
    );
}

#[test]
fn heal_alone_or_with_a_selector() {
    let src = MINIMAL.replace(
        "\n)",
        r#"
    timeline: [At("2s", Heal), At("1s", Partition(one_way: ("users", "api"))), At("2s", Heal(one_way: ("users", "api")))],
)"#,
    );
    let t = parse(&src).config.timeline;
    let pair = vec![(NodeId(0), NodeId(1))];
    assert_eq!(t[0].action, Action::Partition(pair.clone()));
    assert_eq!(t[1].action, Action::Heal(None));
    assert_eq!(t[2].action, Action::Heal(Some(pair)));
}

#[test]
fn unknown_fields_name_the_field_and_the_choices() {
    let src = MINIMAL.replace("workers: 2", "wrokers: 2");
    let got = first(&src);
    assert!(
        got.starts_with(
            "5:24 nodes.\"api\".wrokers: unknown field `wrokers` (did you mean `workers`?)"
        ),
        "{got}"
    );
    assert!(got.contains("`workers`, `queue`, `work`"), "{got}");
}

#[test]
fn cross_reference_problems_are_all_reported_and_placed() {
    let src = r#"Scenario(
    duration: "10s",
    nodes: {
        // "users" has target: "nowhere" in this comment, which must not be matched
        "users": Client(open: Poisson(per_second: 10), target: "gatewy", policy: "nope"),
        "api": Service(workers: 2, work: "1ms", calls: [Call(to: "db"), Call(to: "users")]),
    },
    timeline: [At("20s", Crash("api"))],
)"#;
    let ps = problems(src);
    let lines: Vec<String> = ps
        .iter()
        .map(|p| format!("{}:{} {}: {}", p.line, p.col, p.path, p.message))
        .collect();
    assert_eq!(
        lines,
        [
            r#"5:64 nodes."users".target: no node named "gatewy" (known: "users", "api")"#,
            r#"5:82 nodes."users".policy: no policy named "nope" (known: none)"#,
            r#"6:66 nodes."api".calls[0].to: no node named "db" (known: "users", "api")"#,
            r#"6:82 nodes."api".calls[1].to: "users" is a client; clients send requests but cannot be called"#,
            r#"8:19 timeline[0]: at 20s, after the end of the run (10s); it would never happen"#,
        ],
        "{lines:#?}"
    );
}

#[test]
fn newer_versions_are_named_even_with_unknown_fields() {
    let src = "Scenario(\n  hologram: true,\n  version: 7,\n  duration: \"1s\", nodes: {})";
    let got = first(src);
    assert!(
        got.starts_with(
            "3:3 version: written by a newer faultlab (format 7); this build reads up to 1"
        ),
        "{got}"
    );
}

#[test]
fn limits_are_consistent() {
    use limits::*;
    assert!(MIN_WINDOW <= MAX_WINDOW && MAX_WINDOW <= MAX_DURATION);
    assert!(MAX_DURATION.as_nanos() / MIN_WINDOW.as_nanos() > MAX_WINDOWS); // the window check can trigger
    assert!(MAX_RATE_PER_S * MAX_DURATION.as_secs_f64() > MAX_TOTAL_REQUESTS);
    assert!(u32::try_from(MAX_KEYS).is_ok() && u32::try_from(MAX_CACHE_ENTRIES).is_ok());
}

#[test]
fn nothing_panics_on_truncations_of_a_real_file() {
    // Every prefix of a valid file is an error (or the file), never a panic.
    let src = MINIMAL.replace(
        "work: \"1ms\"",
        "work: Mixture([(0.5, \"1ms\"), (0.5, LogNormal(median: \"1ms\", p99: \"9ms\"))])",
    );
    for end in (0..src.len()).filter(|&i| src.is_char_boundary(i)) {
        let _ = parse_str(&src[..end], "t.ron");
    }
}

#[test]
fn echoes_of_hostile_text_are_cut_short() {
    let huge = "x".repeat(100_000);
    for src in [
        MINIMAL.replace("workers: 2", &format!("{huge}: 2")),
        MINIMAL.replace("\"api\": Service", &format!("\"{huge}\": Service")),
        MINIMAL.replace("Service(", &format!("{huge}(")),
        MINIMAL.replace("work: \"1ms\"", &format!("work: \"{huge}\"")),
        MINIMAL.replace("target: \"api\"", &format!("target: \"{huge}\"")),
    ] {
        let e = parse_str(&src, "t.ron").expect_err("hostile");
        let shown = e.to_string();
        assert!(
            shown.len() < 1000,
            "{} bytes: {}",
            shown.len(),
            &shown[..200]
        );
    }
}

#[test]
fn a_newer_version_that_parses_is_reported_alone() {
    let src = MINIMAL
        .replace("Scenario(\n", "Scenario(\n    version: 3,\n")
        .replace("\"api\"),", "\"nowhere\"),");
    let ps = problems(&src);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(
        ps[0].to_string(),
        "2:5: version: written by a newer faultlab (format 3); this build reads up to 1. Update faultlab to open it"
    );
    // Version 1, given explicitly, is the current format.
    parse(&MINIMAL.replace("Scenario(\n", "Scenario(\n    version: 1,\n"));
}

#[test]
fn explicit_some_and_none_are_accepted_too() {
    let src = MINIMAL.replace("workers: 2", "workers: 2, queue: Some(5), error_rate: None");
    let NodeKind::Service(s) = &parse(&src).config.nodes[1].kind else {
        panic!()
    };
    assert_eq!((s.queue_capacity, s.error_rate), (Some(5), 0.0));
}

#[test]
fn planned_requests_count_set_load_peaks() {
    let src = MINIMAL.replace("\"10s\"", "\"1000s\"").replace(
        "\n)",
        "\n    timeline: [At(\"500s\", SetLoad(client: \"users\", per_second: 1000000))],\n)",
    );
    let got = first(&src);
    assert!(
        got.starts_with("4:9 nodes.\"users\": the clients would send about 1.000e9 requests"),
        "{got}"
    );
}

#[test]
fn cycles_through_caches_and_queues_are_found() {
    let src = r#"Scenario(
    duration: "10s",
    nodes: {
        "users": Client(open: Poisson(per_second: 1), target: "front"),
        "front": Cache(capacity: 10, ttl: "1s", backing: Call(to: "api")),
        "api": Service(workers: 1, work: "1ms", calls: [Call(to: "front")]),
    },
)"#;
    assert_eq!(
        first(src),
        r#"6:66 nodes."api".calls[0].to: calls go round in a cycle: "front" -> "api" -> "front""#
    );
}
