//! Saving scenarios: `to_ron` gives text the loader reads back as the same
//! configuration, and `save_file` never damages the file it replaces.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use faultlab::report;
use faultlab::scenario::{Scenario, limits, load_file, parse_str, save_file, to_ron};
use faultlab::sim::Simulation;
use faultlab::sim::config::{
    Action, Arrivals, Backoff, BalanceStrategy, BalancerConfig, BreakerConfig, CacheConfig,
    CallConfig, CallMode, ClientConfig, ClockConfig, DetectorConfig, EjectionConfig, Fallback,
    HealthConfig, HedgeConfig, Jitter, KeySpace, LinkConfig, LinkModel, Load, NodeConfig, NodeId,
    NodeKind, Operation, PolicyConfig, Priority, QueueConfig, RateLimitConfig, RetryBudgetConfig,
    RetryConfig, RetryOn, ServiceChange, ServiceConfig, SheddingConfig, SimConfig, SloConfig,
    TimedAction, TokenBucketConfig,
};
use faultlab::sim::deploy::{CanaryConfig, RollbackBound, VersionConfig, Versions};
use faultlab::sim::dist::{Dist, Z_99};
use faultlab::sim::time::{SimDuration, SimTime};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ---- helpers ------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every example and the every-feature file.
fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("labs/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "at least six examples");
    files.push(root().join("tests/data/good/full.ron"));
    files
}

/// Where two long strings first differ, with some context.
fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let from = a[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
    let tail = |s: &str| {
        s.get(from..)
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>()
    };
    format!(
        "first difference at byte {at}:\n  before: …{}\n  after:  …{}",
        tail(a),
        tail(b)
    )
}

fn same_config(a: &SimConfig, b: &SimConfig) -> Result<(), String> {
    let (x, y) = (format!("{a:?}"), format!("{b:?}"));
    if x == y {
        Ok(())
    } else {
        Err(first_difference(&x, &y))
    }
}

/// Writes, reads back, compares, and writes again; returns the text.
fn round_trip(s: &Scenario, origin: &str) -> String {
    let text = to_ron(s);
    let back = parse_str(&text, origin)
        .unwrap_or_else(|e| panic!("{origin}: the saved text does not load:\n{e}\n\n{text}"));
    if let Err(d) = same_config(&s.config, &back.config) {
        panic!("{origin}: the configuration changed on the way\n{d}\n\n{text}");
    }
    assert_eq!(back.description, s.description, "{origin}: description");
    let again = to_ron(&back);
    assert!(
        again == text,
        "{origin}: writing again gives other text\n{}",
        first_difference(&text, &again)
    );
    text
}

fn scenario(config: SimConfig) -> Scenario {
    Scenario {
        config,
        description: String::new(),
    }
}

fn load(path: &Path) -> Scenario {
    load_file(path).unwrap_or_else(|e| panic!("{e}"))
}

// ---- the shipped files -------------------------------------------------------

#[test]
fn every_example_and_the_full_file_round_trip() {
    for path in scenario_files() {
        let original = load(&path);
        round_trip(&original, &path.display().to_string());
    }
}

#[test]
fn a_saved_example_runs_exactly_like_the_original() {
    for path in scenario_files() {
        let original = load(&path).config;
        let text = to_ron(&scenario(original.clone()));
        let saved = parse_str(&text, "saved.ron").unwrap().config;
        let short = |mut c: SimConfig| {
            c.duration = c.duration.min(SimDuration::from_secs(5));
            c
        };
        let a = Simulation::new(short(original)).run();
        let b = Simulation::new(short(saved)).run();
        assert_eq!(
            report::to_json(&a),
            report::to_json(&b),
            "{}",
            path.display()
        );
    }
}

/// Field names (`name:`) in scenario text, strings and comments aside.
fn fields(text: &str) -> usize {
    let mut count = 0;
    let mut word = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                word = 0;
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                word = 0;
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                word = 0;
            }
            ':' if word > 0 => {
                count += 1;
                word = 0;
            }
            c if c.is_ascii_lowercase() || c == '_' => word += 1,
            _ => word = 0,
        }
    }
    count
}

#[test]
fn saved_files_say_no_more_than_the_originals_and_keep_to_the_width() {
    for path in scenario_files() {
        let text = to_ron(&load(&path));
        let original = std::fs::read_to_string(&path).unwrap();
        // Defaults are left out: a saved file never sets more fields than the hand-written one.
        assert!(
            fields(&text) <= fields(&original),
            "{}: {} fields saved from {}\n{text}",
            path.display(),
            fields(&text),
            fields(&original)
        );
        for line in text.lines() {
            let long_string = line.trim_start().starts_with("description:");
            assert!(
                line.chars().count() <= 120 || long_string,
                "{}: line longer than 120 columns: {line}",
                path.display()
            );
            let indent = line.len() - line.trim_start().len();
            assert_eq!(indent % 4, 0, "{line:?}");
        }
    }
}

#[test]
fn a_small_scenario_reads_like_one_written_by_hand() {
    let src = r#"Scenario(
        version: 1, name: "Checkout", seed: 7, duration: "120s",
        nodes: {
            "users": Client(open: Poisson(per_second: 400), target: "gateway", keys: Zipf(n: 10000, s: 1.1), policy: "careful"),
            "gateway": Service(workers: 64, work: LogNormal(median: "1ms", p99: "5ms"), calls: [Call(to: "orders")]),
            "orders": Service(workers: 16, queue: 128, work: Exponential(mean: "4ms"), operation: NonIdempotent,
                              calls: [Call(to: "db", policy: "careful"), Call(to: "audit", policy: Policy(timeout: "1s"))]),
            "db": Service(workers: 8, work: Exponential(mean: "2ms"), zone: "a"),
            "audit": Service(workers: 1, work: "90s"),
        },
        links: [
            Link(from: "orders", to: "db", latency: Mixture([(0.99, "1ms"), (0.01, "1.5s")]), loss: 0.001),
            Link(from: "db", to: "orders", latency: Mixture([(0.99, "1ms"), (0.01, "1.5s")]), loss: 0.001),
        ],
        policies: {
            "careful": Policy(timeout: "50ms", retry: Retry(max: 3, backoff: Exponential(base: "10ms", cap: "1s"), jitter: Full, budget: 0.1),
                              breaker: Breaker(failure_rate: 0.5, window: "10s", open_for: "5s"), idempotency_keys: true),
        },
        timeline: [At("1m", Partition(group: ["db"])), At("2m", Heal)],
        slo: Slo(availability: 0.999, latency: "200ms", percentile: 99),
    )"#;
    let s = parse_str(src, "checkout.ron").unwrap();
    let text = round_trip(&s, "checkout.ron");
    let want = r#"Scenario(
    version: 1,
    name: "Checkout",
    seed: 7,
    duration: "2m",
    nodes: {
        "users": Client(
            open: Poisson(per_second: 400),
            target: "gateway",
            policy: "policy-1",
            keys: Zipf(n: 10000, s: 1.1),
        ),
        "gateway": Service(workers: 64, work: LogNormal(median: "1ms", p99: "5ms"), calls: [Call(to: "orders")]),
        "orders": Service(
            workers: 16,
            queue: 128,
            work: Exponential(mean: "4ms"),
            calls: [Call(to: "db", policy: "policy-1"), Call(to: "audit", policy: Policy(timeout: "1s"))],
            operation: NonIdempotent,
        ),
        "db": Service(workers: 8, work: Exponential(mean: "2ms"), zone: "a"),
        "audit": Service(workers: 1, work: "90s"),
    },
    links: [
        Link(between: ("orders", "db"), latency: Mixture([(0.99, "1ms"), (0.01, "1.5s")]), loss: 0.001),
    ],
    policies: {
        "policy-1": Policy(
            timeout: "50ms",
            retry: Retry(max: 3, backoff: Exponential(base: "10ms", cap: "1s"), jitter: Full, budget: 0.1),
            breaker: Breaker(failure_rate: 0.5, window: "10s", open_for: "5s"),
            idempotency_keys: true,
        ),
    },
    timeline: [
        At("1m", Partition(group: ["db"])),
        At("2m", Heal),
    ],
)
"#;
    assert!(
        text == want,
        "got:\n{text}\n{}",
        first_difference(&text, want)
    );
}

#[test]
fn node_ids_follow_file_order_through_a_save() {
    // Not alphabetical, and calls pointing both ways in the file: ids are file positions.
    let src = r#"Scenario(duration: "1s", nodes: {
        "zeta": Service(workers: 1, work: "1ms", calls: [Call(to: "alpha")]),
        "users": Client(open: Poisson(per_second: 10), target: "zeta"),
        "alpha": Service(workers: 1, work: "1ms", calls: [Call(to: "mid")]),
        "mid": Service(workers: 1, work: "1ms"),
    })"#;
    let s = parse_str(src, "order.ron").unwrap();
    let names: Vec<&str> = s.config.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["zeta", "users", "alpha", "mid"]);
    let back = parse_str(&round_trip(&s, "order.ron"), "order.ron").unwrap();
    for (i, n) in back.config.nodes.iter().enumerate() {
        assert_eq!(back.config.node_id(&n.name), Some(NodeId(i as u32)));
        assert_eq!(n.name, names[i]);
    }
}

#[test]
fn timeline_selectors_are_written_in_their_shortest_form() {
    let src = r#"Scenario(duration: "10s", nodes: {
        "c": Client(open: Poisson(per_second: 10), target: "a"),
        "a": Service(workers: 1, work: "1ms", calls: [Call(to: "b")]),
        "b": Service(workers: 1, work: "1ms"),
    }, timeline: [
        At("1s", Partition(group: ["b", "c"])),
        At("2s", Partition(pairs: [("a", "b"), ("c", "a")])),
        At("3s", Heal(one_way: ("a", "b"))),
        At("4s", SetLink(between: ("a", "b"), loss: 0.5)),
        At("5s", SetLink(from: "a", to: "c", loss: 0.5)),
        At("6s", SetLink(from: "c", to: "a", loss: 0.25)),
        At("7s", SetPolicy(caller: "a", callee: "b", policy: Policy())),
        At("8s", Partition(pairs: [])),
        At("9s", Heal),
    ])"#;
    let text = round_trip(&parse_str(src, "t.ron").unwrap(), "t.ron");
    for want in [
        r#"At("1s", Partition(group: ["c", "b"])),"#,
        r#"At("2s", Partition(pairs: [("a", "b"), ("c", "a")])),"#,
        r#"At("3s", Heal(one_way: ("a", "b"))),"#,
        r#"At("4s", SetLink(between: ("a", "b"), loss: 0.5)),"#,
        r#"At("5s", SetLink(from: "a", to: "c", loss: 0.5)),"#,
        r#"At("6s", SetLink(from: "c", to: "a", loss: 0.25)),"#,
        r#"At("7s", SetPolicy(caller: "a", callee: "b", policy: Policy())),"#,
        r#"At("8s", Partition(pairs: [])),"#,
        r#"At("9s", Heal),"#,
    ] {
        assert!(text.contains(want), "missing {want}\n{text}");
    }
}

#[test]
fn long_values_break_over_lines_and_still_load() {
    let names: Vec<String> = (0..30).map(|i| format!("shard-{i:02}")).collect();
    let mut src = String::from(
        r#"Scenario(duration: "1s", nodes: { "front": Service(workers: 1, work: "1ms", calls: ["#,
    );
    for n in &names {
        src.push_str(&format!(r#"Call(to: "{n}"), "#));
    }
    src.push_str("]),");
    for n in &names {
        src.push_str(&format!(r#""{n}": Service(workers: 1, work: "1ms"),"#));
    }
    src.push_str(r#"}, timeline: [At("1s", Partition(pairs: ["#);
    for n in &names {
        src.push_str(&format!(r#"("front", "{n}"), "#));
    }
    src.push_str("]))])");
    let text = round_trip(&parse_str(&src, "wide.ron").unwrap(), "wide.ron");
    assert!(text.contains("        \"front\": Service(\n"), "{text}");
    // Short items share lines.
    assert!(
        text.contains(
            "            calls: [\n                Call(to: \"shard-00\"), Call(to: \"shard-01\"), "
        ),
        "{text}"
    );
    assert!(
        text.contains("        At(\"1s\", Partition(pairs: [\n            (\"front\", \"shard-00\"), (\"front\", \"shard-01\"), "),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
}

#[test]
fn text_is_escaped() {
    let mut s = load(&root().join("labs/examples/mm1.ron"));
    s.config.name = r#"a "quoted" \ name, µs // not a comment /* nor this */"#.to_string();
    s.description =
        "line one\nline two\twith a tab\r\n\"quotes\" and \\ and r#\"raw\"#".to_string();
    round_trip(&s, "escaped.ron");
}

// ---- log-normal parameters ----------------------------------------------------

/// A log-normal the loader did not make (any `mu`, `sigma`) comes back within
/// the rounding of its median and p99 to whole nanoseconds.
#[test]
fn any_log_normal_comes_back_within_a_nanosecond_of_median_and_p99() {
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let max_ln = (limits::MAX_DURATION.as_nanos() as f64).ln();
    for _ in 0..2000 {
        let mu: f64 = rng.random_range(0.0..max_ln - 0.01);
        let room = (max_ln - mu) / Z_99;
        let sigma: f64 = rng.random_range(0.0..room * 0.99);
        let mut config = load(&root().join("labs/examples/mm1.ron")).config;
        let NodeKind::Service(s) = &mut config.nodes[1].kind else {
            panic!("server is a service")
        };
        s.work = Dist::LogNormal { mu, sigma };
        let text = to_ron(&scenario(config));
        let back = parse_str(&text, "ln.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let NodeKind::Service(s) = &back.config.nodes[1].kind else {
            unreachable!()
        };
        let Dist::LogNormal { mu: m2, sigma: s2 } = s.work else {
            panic!("{:?}", s.work)
        };
        let median = mu.exp();
        let p99 = (mu + sigma * Z_99).exp();
        let mu_tol = 1.0 / median + 1e-12;
        let sigma_tol = (1.0 / p99) / Z_99 + 1e-12;
        assert!(
            (m2 - mu).abs() <= mu_tol,
            "mu {mu} -> {m2} (tolerance {mu_tol})"
        );
        assert!(
            (s2 - sigma).abs() <= sigma_tol,
            "sigma {sigma} -> {s2} (tolerance {sigma_tol}), mu {mu}"
        );
    }
}

#[test]
fn loaded_log_normals_come_back_exactly_even_at_the_extremes() {
    let max = limits::MAX_DURATION.as_nanos();
    let cases = [
        (1, 1),
        (1, 2),
        (1, max),
        (max, max),
        (max - 1, max),
        (999_999, 1_000_001),
        (1_000_000, 5_000_000),
        (123_456_789, 9_876_543_210),
        (3, 86_399_999_999_999),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let random = (0..3000).map(|_| {
        let m = if rng.random_bool(0.5) {
            rng.random_range(1..=max)
        } else {
            rng.random_range(1..=10_000_000)
        };
        (m, rng.random_range(m..=max))
    });
    for (median, p99) in cases.into_iter().chain(random.collect::<Vec<_>>()) {
        let d = Dist::log_normal_from_median_p99(SimDuration(median), SimDuration(p99));
        let mut config = load(&root().join("labs/examples/mm1.ron")).config;
        let NodeKind::Service(s) = &mut config.nodes[1].kind else {
            unreachable!()
        };
        s.work = d;
        round_trip(&scenario(config), "ln.ron");
    }
}

// ---- saving to a file ---------------------------------------------------------

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("scenario-roundtrip-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn save_file_writes_a_file_that_loads_back() {
    let dir = scratch("save");
    let path = dir.join("mine.ron");
    std::fs::write(&path, "old contents").unwrap();
    for file in scenario_files() {
        let s = load(&file);
        save_file(&path, &s).unwrap();
        let back = load(&path);
        same_config(&s.config, &back.config).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), to_ron(&s));
    }
    assert_eq!(entries(&dir), ["mine.ron"], "no temporary file is left");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_save_leaves_the_old_file_alone() {
    let dir = scratch("fail");
    let s = load(&root().join("labs/examples/mm1.ron"));

    // The target is a directory: the rename fails after the temporary file was written.
    let target = dir.join("taken.ron");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("inside"), "keep me").unwrap();
    assert!(save_file(&target, &s).is_err());
    assert!(target.is_dir());
    assert_eq!(
        std::fs::read_to_string(target.join("inside")).unwrap(),
        "keep me"
    );
    assert_eq!(
        entries(&dir),
        ["taken.ron"],
        "the temporary file is removed"
    );

    // The directory does not exist: nothing is created.
    assert!(save_file(&dir.join("missing").join("x.ron"), &s).is_err());
    assert_eq!(entries(&dir), ["taken.ron"]);

    // A path that names no file.
    assert!(save_file(Path::new("/"), &s).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn saving_through_a_link_replaces_the_linked_file_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("link");
    let real = dir.join("real.ron");
    std::fs::write(&real, "old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.join("link.ron");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let s = load(&root().join("labs/examples/mm1.ron"));
    save_file(&link, &s).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), to_ron(&s));
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(entries(&dir), ["link.ron", "real.ron"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- generated configurations ---------------------------------------------------

/// Random, valid configurations covering every field, value ranges up to the
/// loader's limits, and awkward values (arbitrary nanoseconds, full-precision
/// probabilities, subnormals, `-0.0`, 64-character names).
struct Gen {
    rng: ChaCha8Rng,
}

const DAY: u64 = 24 * 3600 * 1_000_000_000;

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.random_range(0..n)
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..=hi)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// Nanoseconds in `lo..=hi`: round values in some unit, halves, or anything.
    fn ns(&mut self, lo: u64, hi: u64) -> u64 {
        let units = [
            1,
            1_000,
            1_000_000,
            1_000_000_000,
            60_000_000_000,
            3_600_000_000_000,
        ];
        let candidate = match self.below(4) {
            0 => self.range(lo, hi),
            1 => self.pick(&units) * self.range(1, 1000),
            2 => self.pick(&units) * self.range(1, 100) / 2,
            _ => self.pick(&units) * self.range(1, 9) + self.pick(&[0, 1, 7]),
        };
        if (lo..=hi).contains(&candidate) {
            candidate
        } else {
            self.range(lo, hi)
        }
    }

    fn dur(&mut self, lo: u64, hi: u64) -> SimDuration {
        SimDuration(self.ns(lo, hi))
    }

    /// A service's versions: usually just the base, sometimes up to two more.
    fn versions(&mut self) -> Versions {
        let base = if self.chance(0.5) { "v1" } else { "blue" }.to_string();
        let others = if self.chance(0.3) {
            (0..self.range(1, 2))
                .map(|k| VersionConfig {
                    name: format!("v{}", k + 2),
                    error_rate: if self.chance(0.5) { 0.0 } else { self.prob() },
                    work: self.chance(0.5).then(|| self.dist(0)),
                    extra_latency: self.chance(0.5).then(|| self.dist(0)),
                    format: self.range(1, 255) as u8,
                    reads: self.range(1, 255) as u8,
                })
                .collect()
        } else {
            Vec::new()
        };
        Versions { base, others }
    }

    /// A failure detector.
    fn detector(&mut self) -> DetectorConfig {
        if self.chance(0.5) {
            DetectorConfig::FixedTimeout {
                timeout: self.dur(1, DAY),
            }
        } else {
            DetectorConfig::PhiAccrual {
                threshold: self.positive(limits::MAX_PHI),
                window: self.range(1, limits::MAX_PHI_WINDOW) as u32,
                min_std: self.dur(0, DAY),
            }
        }
    }

    /// A probability, often an awkward one.
    fn prob(&mut self) -> f64 {
        match self.below(7) {
            0 => 0.0,
            1 => 1.0,
            2 => self.pick(&[
                0.1,
                0.5,
                0.001,
                0.05,
                0.999,
                1e-300,
                5e-324,
                0.30000000000000004,
            ]),
            _ => self.rng.random::<f64>(),
        }
    }

    /// A real in (0, max].
    fn positive(&mut self, max: f64) -> f64 {
        match self.below(4) {
            0 => max,
            1 => (self.range(1, 1000) as f64).min(max),
            _ => max * (1.0 - self.rng.random::<f64>()),
        }
    }

    /// A fraction in (0, 1), often at its edges: the largest double below
    /// 1, or a billionth.
    fn below_one(&mut self) -> f64 {
        const LARGEST_BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;
        match self.below(4) {
            0 => LARGEST_BELOW_ONE,
            1 => 1e-9,
            _ => (1.0 - self.rng.random::<f64>()).min(LARGEST_BELOW_ONE),
        }
    }

    fn name(&mut self, i: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
        let len = if self.chance(0.1) {
            60
        } else {
            self.range(1, 10) as usize
        };
        let mut s: String = (0..len)
            .map(|_| char::from(CHARS[self.below(CHARS.len() as u64) as usize]))
            .collect();
        s.push_str(&format!("-{i}"));
        // At most 64 characters, keeping the unique suffix.
        let skip = s.chars().count().saturating_sub(64);
        s.chars().skip(skip).collect()
    }

    fn text(&mut self, max: usize, multiline: bool) -> String {
        let pieces = [
            "a", "Checkout", " ", "\"", "\\", "µs", "é", "日本", "//", "/*", "*/", "r#\"", "\"#",
            "{", "}", "(", ")", ",", ":", "Heal", "💥",
        ];
        let lines = ["\n", "\t", "\r\n"];
        let n = self.below(20);
        let mut s = String::new();
        for _ in 0..n {
            if multiline && self.chance(0.2) {
                s.push_str(self.pick(&lines));
            } else {
                s.push_str(self.pick(&pieces));
            }
        }
        s.chars().take(max).collect()
    }

    fn dist(&mut self, depth: usize) -> Dist {
        let kinds = if depth < limits::MAX_MIXTURE_DEPTH {
            7
        } else {
            6
        };
        match self.below(kinds) {
            0 => Dist::constant(self.dur(0, DAY)),
            1 => {
                let a = self.ns(0, DAY);
                let b = self.ns(a, DAY);
                Dist::Uniform {
                    lo_ns: a as f64,
                    hi_ns: b as f64,
                }
            }
            2 => Dist::Normal {
                mean_ns: self.ns(0, DAY) as f64,
                sd_ns: self.ns(0, DAY) as f64,
            },
            3 => Dist::exponential(self.dur(0, DAY)),
            4 => {
                let m = self.ns(1, DAY);
                let p = if self.chance(0.2) { m } else { self.ns(m, DAY) };
                Dist::log_normal_from_median_p99(SimDuration(m), SimDuration(p))
            }
            5 => Dist::Pareto {
                scale_ns: self.ns(0, DAY) as f64,
                shape: self.positive(limits::MAX_PARETO_SHAPE),
            },
            _ => {
                let n = self.range(1, 4) as usize;
                let raw: Vec<f64> = (0..n).map(|_| 0.01 + self.rng.random::<f64>()).collect();
                let sum: f64 = raw.iter().sum();
                let parts = raw
                    .iter()
                    .map(|w| (w / sum, self.dist(depth + 1)))
                    .collect();
                Dist::Mixture(parts)
            }
        }
    }

    fn policy(&mut self) -> PolicyConfig {
        let d = |g: &mut Self| g.dur(1, DAY);
        PolicyConfig {
            timeout: self.chance(0.6).then(|| d(self)),
            deadline: self.chance(0.3).then(|| d(self)),
            retry: if self.chance(0.3) {
                RetryConfig::default()
            } else {
                RetryConfig {
                    max_retries: self.range(0, limits::MAX_RETRIES) as u32,
                    backoff: match self.below(3) {
                        0 => Backoff::None,
                        1 => Backoff::Constant(self.dur(0, DAY)),
                        _ => {
                            let base = self.ns(1, DAY);
                            Backoff::Exponential {
                                base: SimDuration(base),
                                cap: self.dur(base, DAY),
                            }
                        }
                    },
                    jitter: self.pick(&[
                        Jitter::None,
                        Jitter::Full,
                        Jitter::Equal,
                        Jitter::Decorrelated,
                    ]),
                    budget: self.chance(0.5).then(|| RetryBudgetConfig {
                        ratio: self.prob(),
                        max_tokens: if self.chance(0.4) {
                            10.0
                        } else {
                            self.positive(limits::MAX_TOKENS)
                        },
                    }),
                    on: RetryOn {
                        timeout: self.chance(0.7),
                        error: self.chance(0.7),
                    },
                }
            },
            breaker: self.chance(0.4).then(|| BreakerConfig {
                failure_rate: self.positive(1.0),
                window: d(self),
                min_calls: if self.chance(0.5) {
                    10
                } else {
                    self.range(1, 1_000_000) as u32
                },
                open_for: d(self),
                probes: if self.chance(0.5) {
                    1
                } else {
                    self.range(1, 1000) as u32
                },
            }),
            hedge: match self.below(3) {
                0 => None,
                1 => Some(HedgeConfig::After(self.dur(0, DAY))),
                _ => Some(HedgeConfig::Percentile(self.pick(&[
                    50.0,
                    95.0,
                    99.9,
                    1e-9,
                    99.99999999,
                ]))),
            },
            idempotency_keys: self.chance(0.3),
        }
    }

    /// The policy of one call: the default, one of a few shared ones, or a new one.
    fn call_policy(&mut self, pool: &[PolicyConfig]) -> PolicyConfig {
        match self.below(5) {
            0 | 1 => PolicyConfig::default(),
            2 | 3 => pool[self.below(pool.len() as u64) as usize].clone(),
            _ => self.policy(),
        }
    }

    fn link_model(&mut self, base: &LinkModel) -> LinkModel {
        LinkModel {
            latency: if self.chance(0.3) {
                base.latency.clone()
            } else {
                self.dist(0)
            },
            loss: if self.chance(0.3) {
                base.loss
            } else {
                self.prob()
            },
            duplicate: if self.chance(0.5) {
                base.duplicate
            } else {
                self.prob()
            },
        }
    }

    fn config(&mut self) -> SimConfig {
        let duration = self.dur(limits::MIN_WINDOW.as_nanos(), DAY);
        let window = {
            let lo = limits::MIN_WINDOW
                .as_nanos()
                .max(duration.as_nanos().div_ceil(limits::MAX_WINDOWS));
            let hi = limits::MAX_WINDOW.as_nanos().min(duration.as_nanos());
            if self.chance(0.5) || lo > hi {
                SimDuration::from_secs(1)
                    .min(duration)
                    .max(limits::MIN_WINDOW)
            } else {
                self.dur(lo, hi)
            }
        };

        // Backends in call order (a backend calls only later ones), then clients.
        let backends = self.range(1, 7) as usize;
        let clients = self.range(1, 3) as usize;
        let total = backends + clients;
        // File position of each (backend 0.., then client 0..): a shuffle.
        let mut pos: Vec<usize> = (0..total).collect();
        for i in (1..total).rev() {
            let j = self.below(i as u64 + 1) as usize;
            pos.swap(i, j);
        }
        let id = |k: usize| NodeId(pos[k] as u32);
        let names: Vec<String> = (0..total).map(|i| self.name(i)).collect();
        let pool: Vec<PolicyConfig> = (0..3).map(|_| self.policy()).collect();

        // Every open-loop client at its peak stays within the request limit.
        let max_rate = (limits::MAX_TOTAL_REQUESTS / duration.as_secs_f64() / clients as f64
            * 0.99)
            .min(limits::MAX_RATE_PER_S);

        let mut kinds: Vec<Option<NodeKind>> = vec![None; total];
        let mut is_service = vec![false; backends];
        for r in (0..backends).rev() {
            let later: Vec<usize> = (r + 1..backends).collect();
            let later_services: Vec<usize> =
                later.iter().copied().filter(|&k| is_service[k]).collect();
            let kind = match self.below(5) {
                4 if !later.is_empty() => {
                    let mut members = later.clone();
                    let keep = self.range(1, members.len() as u64) as usize;
                    for i in (1..members.len()).rev() {
                        let j = self.below(i as u64 + 1) as usize;
                        members.swap(i, j);
                    }
                    members.truncate(keep);
                    NodeKind::Balancer(BalancerConfig {
                        pool: members.into_iter().map(id).collect(),
                        strategy: self.pick(&[
                            BalanceStrategy::RoundRobin,
                            BalanceStrategy::Random,
                            BalanceStrategy::LeastOutstanding,
                            BalanceStrategy::PowerOfTwo,
                        ]),
                        policy: self.call_policy(&pool),
                        ejection: self.chance(0.5).then(|| EjectionConfig {
                            consecutive_failures: self.range(1, 1_000) as u32,
                            max_fraction: if self.chance(0.5) {
                                0.5
                            } else {
                                self.prob().max(0.01)
                            },
                            duration: self.dur(1, DAY),
                        }),
                        health: self.chance(0.5).then(|| {
                            // At most 64 targets × 1000 probes per balancer: far under the limit.
                            let every = self.dur(
                                limits::MIN_PROBE_INTERVAL
                                    .as_nanos()
                                    .max(duration.as_nanos() / 1000),
                                DAY,
                            );
                            let detector = self.detector();
                            // Deep checks need a fixed timeout.
                            let fixed = matches!(detector, DetectorConfig::FixedTimeout { .. });
                            HealthConfig {
                                every,
                                detector,
                                deep: fixed && self.chance(0.5),
                            }
                        }),
                    })
                }
                0 if !later.is_empty() => {
                    let to = self.pick(&later);
                    NodeKind::Cache(CacheConfig {
                        capacity: self.range(1, 10_000_000) as u32,
                        ttl: self.dur(1, DAY),
                        hit_time: if self.chance(0.5) {
                            Dist::constant(SimDuration::from_micros(100))
                        } else {
                            self.dist(0)
                        },
                        backing: CallConfig {
                            to: id(to),
                            policy: self.call_policy(&pool),
                        },
                        serve_stale: self.chance(0.5),
                    })
                }
                1 if !later_services.is_empty() => NodeKind::Queue(QueueConfig {
                    consumer: id(self.pick(&later_services)),
                    concurrency: self.range(1, 10_000) as u32,
                    max_deliveries: self.range(1, 100) as u32,
                    ack_timeout: self.dur(1, DAY),
                    capacity: self.chance(0.5).then(|| self.range(1, 1_000_000) as u32),
                }),
                _ => {
                    is_service[r] = true;
                    let n_calls = if later.is_empty() {
                        0
                    } else {
                        self.below(4) as usize
                    };
                    let calls: Vec<CallConfig> = (0..n_calls)
                        .map(|_| CallConfig {
                            to: id(self.pick(&later)),
                            policy: self.call_policy(&pool),
                        })
                        .collect();
                    let bucket = |g: &mut Self| TokenBucketConfig {
                        rate_per_s: g.positive(limits::MAX_RATE_PER_S),
                        burst: g.positive(limits::MAX_TOKENS),
                    };
                    let b = self.range(0, 1_000_000);
                    let n = self.range(b, 1_000_000);
                    let c = self.range(n, 1_000_000);
                    NodeKind::Service(ServiceConfig {
                        workers: self.range(1, 10_000) as u32,
                        queue_capacity: self.chance(0.5).then(|| self.range(0, 1_000_000) as u32),
                        work: self.dist(0),
                        error_rate: if self.chance(0.5) { 0.0 } else { self.prob() },
                        call_mode: if !calls.is_empty() && self.chance(0.4) {
                            CallMode::Parallel {
                                wait_for: self.range(1, calls.len() as u64) as u32,
                            }
                        } else {
                            CallMode::Sequential
                        },
                        calls,
                        fallback: self.pick(&[Fallback::Fail, Fallback::Default]),
                        operation: self.pick(&[Operation::Idempotent, Operation::NonIdempotent]),
                        idempotency_keys: self.chance(0.3),
                        key_ttl: if self.chance(0.5) {
                            SimDuration::from_secs(600)
                        } else {
                            self.dur(1, DAY)
                        },
                        rate_limit: match self.below(4) {
                            0 => Some(RateLimitConfig {
                                overall: Some(bucket(self)),
                                per_caller: None,
                            }),
                            1 => Some(RateLimitConfig {
                                overall: self.chance(0.5).then(|| bucket(self)),
                                per_caller: Some(bucket(self)),
                            }),
                            _ => None,
                        },
                        shedding: self.chance(0.3).then_some(SheddingConfig {
                            background_at: b as u32,
                            normal_at: n as u32,
                            critical_at: c as u32,
                        }),
                        versions: self.versions(),
                    })
                }
            };
            kinds[r] = Some(kind);
        }
        for kind in kinds.iter_mut().skip(backends) {
            let load = if self.chance(0.7) {
                let rate = self.positive(max_rate);
                Load::Open {
                    arrivals: if self.chance(0.5) {
                        Arrivals::Poisson { rate_per_s: rate }
                    } else {
                        Arrivals::Constant { rate_per_s: rate }
                    },
                }
            } else {
                Load::Closed {
                    users: self.range(1, limits::MAX_USERS) as u32,
                    think: if self.chance(0.3) {
                        Dist::constant(SimDuration::ZERO)
                    } else {
                        self.dist(0)
                    },
                }
            };
            let priorities = if self.chance(0.5) {
                vec![(Priority::Normal, 1.0)]
            } else {
                let mut classes = vec![Priority::Critical, Priority::Normal, Priority::Background];
                let keep = self.range(1, 3) as usize;
                for i in (1..3).rev() {
                    let j = self.below(i as u64 + 1) as usize;
                    classes.swap(i, j);
                }
                let raw: Vec<f64> = (0..keep).map(|_| 0.01 + self.rng.random::<f64>()).collect();
                let sum: f64 = raw.iter().sum();
                classes
                    .into_iter()
                    .zip(raw)
                    .map(|(c, w)| (c, w / sum))
                    .collect()
            };
            let target = self.below(backends as u64) as usize;
            *kind = Some(NodeKind::Client(ClientConfig {
                load,
                target: id(target),
                policy: self.call_policy(&pool),
                keys: match self.below(3) {
                    0 => KeySpace::Uniform { n: 1000 },
                    1 => KeySpace::Uniform {
                        n: self.range(1, limits::MAX_KEYS),
                    },
                    _ => KeySpace::Zipf {
                        n: self.range(1, limits::MAX_KEYS),
                        s: self.pick(&[0.0, 1.1, 10.0, 0.123456789]),
                    },
                },
                write_fraction: if self.chance(0.5) { 0.0 } else { self.prob() },
                priorities,
                max_in_flight: self.chance(0.3).then(|| self.range(1, 1_000_000) as u32),
            }));
        }

        // Nodes in file order.
        let mut nodes: Vec<Option<NodeConfig>> = vec![None; total];
        for k in 0..total {
            let kind = kinds[k].take().unwrap();
            let zone = self.chance(0.3).then(|| self.name(100 + k));
            let position = self.chance(0.3).then(|| {
                let c = |g: &mut Self| match g.below(4) {
                    0 => g.range(0, 1000) as f32,
                    1 => -0.0,
                    _ => g.rng.random_range(-1.0e6f32..=1.0e6),
                };
                (c(self), c(self))
            });
            let clock = if self.chance(0.7) {
                ClockConfig::default()
            } else {
                let off = self.ns(0, DAY) as i64;
                ClockConfig {
                    offset_ns: if self.chance(0.5) { -off } else { off },
                    drift_ppm: self
                        .rng
                        .random_range(-limits::MAX_DRIFT_PPM..=limits::MAX_DRIFT_PPM),
                }
            };
            nodes[pos[k]] = Some(NodeConfig {
                name: names[k].clone(),
                zone,
                position,
                clock,
                kind,
            });
        }
        let nodes: Vec<NodeConfig> = nodes.into_iter().map(Option::unwrap).collect();
        let n = nodes.len() as u32;
        let zones: Vec<String> = nodes.iter().filter_map(|n| n.zone.clone()).collect();

        let default_link = if self.chance(0.5) {
            LinkModel::default()
        } else {
            self.link_model(&LinkModel::default())
        };
        let mut links = Vec::new();
        let mut used = BTreeSet::new();
        for _ in 0..self.below(6) {
            let a = NodeId(self.below(n as u64) as u32);
            let b = NodeId(self.below(n as u64) as u32);
            if a == b || used.contains(&(a, b)) {
                continue;
            }
            let model = self.link_model(&default_link);
            used.insert((a, b));
            links.push(LinkConfig {
                from: a,
                to: b,
                model: model.clone(),
            });
            if self.chance(0.5) && !used.contains(&(b, a)) {
                used.insert((b, a));
                links.push(LinkConfig {
                    from: b,
                    to: a,
                    model,
                });
            }
        }

        // Who calls whom through a policy (SetPolicy needs such a pair).
        let mut edges = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let me = NodeId(i as u32);
            match &node.kind {
                NodeKind::Client(c) => edges.push((me, c.target)),
                NodeKind::Service(s) => edges.extend(s.calls.iter().map(|c| (me, c.to))),
                NodeKind::Cache(c) => edges.push((me, c.backing.to)),
                NodeKind::Queue(_)
                | NodeKind::Replica(_)
                | NodeKind::StoreClient(_)
                | NodeKind::Monitor(_)
                | NodeKind::Raft(_) => {}
                NodeKind::Balancer(b) => edges.extend(b.pool.iter().map(|&to| (me, to))),
            }
        }
        let client_ids: Vec<NodeId> = (0..n)
            .map(NodeId)
            .filter(|i| matches!(nodes[i.index()].kind, NodeKind::Client(_)))
            .collect();
        let service_ids: Vec<NodeId> = (0..n)
            .map(NodeId)
            .filter(|i| matches!(nodes[i.index()].kind, NodeKind::Service(_)))
            .collect();
        let versioned: Vec<(NodeId, usize)> = (0..n)
            .map(NodeId)
            .filter_map(|i| match &nodes[i.index()].kind {
                NodeKind::Service(s) if s.versions.count() > 1 => Some((i, s.versions.count())),
                _ => None,
            })
            .collect();

        let mut times: Vec<u64> = (0..self.below(10))
            .map(|_| self.ns(0, duration.as_nanos()))
            .collect();
        if self.chance(0.5) && !times.is_empty() {
            // Several actions at one moment.
            let t = times[0];
            times.push(t);
            times.push(t);
        }
        times.sort_unstable();
        let mut timeline = Vec::new();
        for t in times {
            let at = SimTime(t);
            let node = |g: &mut Self| NodeId(g.below(n as u64) as u32);
            let mut push = |action| timeline.push(TimedAction { at, action });
            match self.below(13) {
                0 if !zones.is_empty() && self.chance(0.5) => {
                    let zone = zones[self.below(zones.len() as u64) as usize].clone();
                    push(match self.below(4) {
                        0 => Action::CrashZone(zone),
                        1 => Action::RestartZone(zone),
                        2 => Action::PartitionZone(zone),
                        _ => Action::HealZone(zone),
                    });
                }
                0 => push(Action::Crash(node(self))),
                1 => push(Action::Restart(node(self))),
                2 => push(Action::Slow {
                    node: node(self),
                    factor: self.positive(limits::MAX_SLOW_FACTOR),
                }),
                3 | 4 => {
                    let pairs = self.pairs(n);
                    if self.chance(0.5) {
                        push(Action::Partition(pairs));
                    } else {
                        push(Action::Heal(self.chance(0.7).then_some(pairs)));
                    }
                }
                5 if n > 1 => {
                    let a = node(self);
                    let b = NodeId((a.0 + 1 + self.below(n as u64 - 1) as u32) % n);
                    let mut latency = self.chance(0.5).then(|| self.dist(0));
                    let loss = self.chance(0.5).then(|| self.prob());
                    let duplicate = self.chance(0.5).then(|| self.prob());
                    if latency.is_none() && loss.is_none() && duplicate.is_none() {
                        latency = Some(self.dist(0));
                    }
                    let both = self.chance(0.5);
                    let set = |from, to| Action::SetLink {
                        from,
                        to,
                        latency: latency.clone(),
                        loss,
                        duplicate,
                    };
                    push(set(a, b));
                    if both {
                        push(set(b, a));
                    }
                }
                6 => {
                    let mut offset_ns = self.chance(0.5).then(|| {
                        let o = self.ns(0, DAY) as i64;
                        if self.chance(0.5) { -o } else { o }
                    });
                    let drift_ppm = self.chance(0.5).then(|| {
                        self.rng
                            .random_range(-limits::MAX_DRIFT_PPM..=limits::MAX_DRIFT_PPM)
                    });
                    if offset_ns.is_none() && drift_ppm.is_none() {
                        offset_ns = Some(0);
                    }
                    push(Action::SetClock {
                        node: node(self),
                        offset_ns,
                        drift_ppm,
                    });
                }
                11 if !versioned.is_empty() => {
                    let (service, count) = self.pick(&versioned);
                    let mut steps: Vec<f64> =
                        (0..self.range(1, 4)).map(|_| self.positive(1.0)).collect();
                    steps.sort_by(f64::total_cmp);
                    push(Action::Canary {
                        service,
                        canary: CanaryConfig {
                            version: self.below(count as u64) as usize,
                            steps,
                            step_every: self.dur(1, DAY),
                            rollback_if: RollbackBound {
                                error_rate: self.chance(0.5).then(|| self.prob()),
                                p99: self.chance(0.5).then(|| self.dur(1, DAY)),
                            },
                        },
                    });
                }
                12 if !versioned.is_empty() => {
                    let (service, count) = self.pick(&versioned);
                    if self.chance(0.5) {
                        push(Action::BlueGreen {
                            service,
                            version: self.below(count as u64) as usize,
                        });
                    } else {
                        push(Action::Rollback(service));
                    }
                }
                8 if !service_ids.is_empty() => {
                    let mut change = ServiceChange {
                        workers: self
                            .chance(0.5)
                            .then(|| self.range(1, limits::MAX_WORKERS) as u32),
                        queue_capacity: self
                            .chance(0.5)
                            .then(|| self.range(0, limits::MAX_QUEUE) as u32),
                        work: self.chance(0.5).then(|| self.dist(0)),
                        error_rate: self.chance(0.5).then(|| self.prob()),
                    };
                    if change.is_empty() {
                        change.workers = Some(1);
                    }
                    push(Action::SetService {
                        node: self.pick(&service_ids),
                        change,
                    });
                }
                7 if !edges.is_empty() => {
                    let (caller, callee) = self.pick(&edges);
                    push(Action::SetPolicy {
                        caller,
                        callee,
                        policy: self.call_policy(&pool),
                    });
                }
                _ => {
                    let client = self.pick(&client_ids);
                    let NodeKind::Client(c) = &nodes[client.index()].kind else {
                        unreachable!()
                    };
                    let load = match &c.load {
                        Load::Open { arrivals } => Load::Open {
                            arrivals: arrivals.with_rate(self.positive(max_rate)),
                        },
                        Load::Closed { think, .. } => Load::Closed {
                            users: self.range(1, limits::MAX_USERS) as u32,
                            think: think.clone(),
                        },
                    };
                    push(Action::SetLoad { client, load });
                }
            }
        }

        let slo = if self.chance(0.5) {
            SloConfig::default()
        } else {
            SloConfig {
                availability: if self.chance(0.3) {
                    0.999
                } else {
                    self.below_one()
                },
                latency: if self.chance(0.3) {
                    SimDuration::from_millis(200)
                } else {
                    self.dur(1, DAY)
                },
                percentile: if self.chance(0.3) {
                    99.0
                } else {
                    self.positive(100.0)
                },
            }
        };
        SimConfig {
            name: self.text(limits::MAX_TITLE_CHARS, false),
            seed: if self.chance(0.3) {
                1
            } else {
                self.rng.random()
            },
            duration,
            window,
            nodes,
            default_link,
            links,
            timeline,
            slo,
        }
    }

    /// Directed pairs: a few at random, or exactly those a group cuts (as the loader expands it).
    fn pairs(&mut self, n: u32) -> Vec<(NodeId, NodeId)> {
        if self.chance(0.4) {
            let members: BTreeSet<NodeId> =
                (0..n).filter(|_| self.chance(0.4)).map(NodeId).collect();
            let mut out = Vec::new();
            for &g in &members {
                for o in (0..n).map(NodeId) {
                    if !members.contains(&o) {
                        out.push((g, o));
                        out.push((o, g));
                    }
                }
            }
            if !members.is_empty() {
                return out;
            }
        }
        let mut out = Vec::new();
        if n < 2 {
            return out;
        }
        for _ in 0..self.below(4) {
            let a = self.below(n as u64) as u32;
            let b = (a + 1 + self.below(n as u64 - 1) as u32) % n;
            out.push((NodeId(a), NodeId(b)));
        }
        out
    }
}

#[test]
fn generated_configurations_round_trip() {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(20_240_601),
    };
    for i in 0..200 {
        let config = g.config();
        let description = if g.chance(0.5) {
            String::new()
        } else {
            g.text(limits::MAX_DESCRIPTION_CHARS, true)
        };
        let s = Scenario {
            config,
            description,
        };
        round_trip(&s, &format!("generated-{i}.ron"));
    }
}

/// Laid out for reading, a saved file takes about twice the bytes of a terse
/// hand-written one; near the loader's 1 MiB limit it falls back to one line
/// per node so that it still loads.
#[test]
fn a_scenario_near_the_size_limit_still_saves_to_a_file_the_loader_reads() {
    let name = |i: usize| format!("service-number-{i:03}");
    let mut src = format!(
        r#"Scenario(duration:"1s",nodes:{{"c":Client(open:Poisson(per_second:1),target:"{}",policy:"p"),"#,
        name(0)
    );
    for i in 0..255 {
        src.push_str(&format!(
            r#""{}":Service(workers:1,work:"1ms",calls:["#,
            name(i)
        ));
        for j in (i + 1..255).take(64) {
            src.push_str(&format!(r#"Call(to:"{}",policy:"p"),"#, name(j)));
        }
        src.push_str("]),");
    }
    src.push_str(r#"},policies:{"p":Policy(timeout:"1s",retry:Retry(max:3))},timeline:["#);
    for i in 0..900 {
        let (a, b) = (name(i % 255), name((i * 7 + 1) % 255));
        src.push_str(&format!(
            r#"At("{}ms",Partition(group:["{a}","{b}"])),"#,
            i % 1000
        ));
    }
    src.push_str("])");
    assert!(src.len() < limits::MAX_FILE_BYTES);
    let s = parse_str(&src, "big.ron").unwrap_or_else(|e| panic!("{e}"));
    let text = round_trip(&s, "big.ron");
    assert!(text.len() < limits::MAX_FILE_BYTES, "{} bytes", text.len());
    // The compact layout was needed: nodes on one (long) line each.
    assert!(text.lines().any(|l| l.len() > 1000));
    assert!(text.lines().all(|l| !l.starts_with("            ")));
}
