//! The lab exercises: every lab loads, its starting scenario fails and its
//! reference solution passes (on its seed and on others); bad lab files get
//! located errors; the grader's table is right.

use std::path::{Path, PathBuf};

use faultlab::lab::{self, CheckReport, Lab, LabError, Verdict};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `labs/NN-*` folder.
fn lab_dirs() -> Vec<PathBuf> {
    let dirs = lab::discover(&root().join("labs")).expect("labs/ is readable");
    let numbered: Vec<PathBuf> = dirs
        .into_iter()
        .filter(|d| {
            let name = d.file_name().unwrap().to_string_lossy();
            name.len() > 3 && name[..2].bytes().all(|b| b.is_ascii_digit()) && &name[2..3] == "-"
        })
        .collect();
    assert!(numbered.len() >= 3, "expected the labs in labs/NN-*/");
    numbered
}

fn load(dir: &Path) -> Lab {
    lab::load(dir).unwrap_or_else(|e| panic!("{} does not load:\n{e}", dir.display()))
}

fn check(lab: &Lab, solution: bool, seed: u64) -> CheckReport {
    let (scenario, path) = if solution {
        (&lab.solution, &lab.solution_path)
    } else {
        (&lab.scenario, &lab.scenario_path)
    };
    lab::check_scenario(lab, scenario, &path.display().to_string(), seed)
}

#[test]
fn every_lab_fails_as_given_and_passes_with_its_solution() {
    for dir in lab_dirs() {
        let lab = load(&dir);
        assert!(
            !lab.readme.trim().is_empty(),
            "{}: README.md is empty",
            lab.slug
        );
        assert!(lab.changes(&lab.solution.config).is_empty());
        let start = check(&lab, false, lab.seed());
        let solution = check(&lab, true, lab.seed());
        assert!(start.changed.is_empty() && start.error.is_none());
        assert!(
            !start.passed(),
            "{}: the starting scenario passes every objective:\n{}",
            lab.slug,
            lab::render_check_report(&start)
        );
        assert!(
            solution.passed(),
            "{}: the reference solution fails:\n{}",
            lab.slug,
            lab::render_check_report(&solution)
        );
    }
}

/// The seeds besides each lab's own that every lab is checked on.
const OTHER_SEEDS: std::ops::RangeInclusive<u64> = 101..=110;

#[test]
fn every_lab_holds_on_other_seeds() {
    let labs: Vec<Lab> = lab_dirs().iter().map(|d| load(d)).collect();
    let jobs: Vec<(&Lab, u64)> = labs
        .iter()
        .flat_map(|lab| OTHER_SEEDS.map(move |seed| (lab, seed)))
        .collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for part in jobs.chunks(jobs.len().div_ceil(threads)) {
            scope.spawn(move || {
                for &(lab, seed) in part {
                    let start = check(lab, false, seed);
                    let solution = check(lab, true, seed);
                    let show = lab::render_check_report;
                    assert!(
                        !start.passed(),
                        "{} seed {seed}: the start passes:\n{}",
                        lab.slug,
                        show(&start)
                    );
                    assert!(
                        solution.passed(),
                        "{} seed {seed}: the solution fails:\n{}",
                        lab.slug,
                        show(&solution)
                    );
                }
            });
        }
    });
}

/// What a learner's attempt should get.
enum Expect {
    /// Every objective met.
    Pass,
    /// This objective (at least) not met.
    Fails(&'static str),
    /// Refused for changing what the lab keeps fixed.
    Changed,
}

/// A learner's attempt: the lab, what it tries, the text edits to the
/// starting scenario that make it, and the verdict it should get.
type Attempt = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Expect,
);

/// Likely attempts at each lab, right and wrong: the labs must not be passed
/// by the tempting wrong answers, and must accept other right ones.
const ATTEMPTS: &[Attempt] = &[
    (
        "01-timeouts",
        "a timeout far longer than inventory needs",
        &[(
            r#""cache-to-inventory": Policy()"#,
            r#""cache-to-inventory": Policy(timeout: "1s")"#,
        )],
        Expect::Fails("Page workers stay available"),
    ),
    (
        "01-timeouts",
        "a timeout shorter than a normal inventory call",
        &[(
            r#""cache-to-inventory": Policy()"#,
            r#""cache-to-inventory": Policy(timeout: "5ms")"#,
        )],
        Expect::Fails("A normal day is untouched"),
    ),
    (
        "01-timeouts",
        "a timeout on the outer call only",
        &[(
            r#""pages-to-cache": Policy()"#,
            r#""pages-to-cache": Policy(timeout: "100ms")"#,
        )],
        Expect::Pass,
    ),
    (
        "01-timeouts",
        "more workers instead of a timeout",
        &[("workers: 32", "workers: 2000")],
        Expect::Changed,
    ),
    (
        "02-retries",
        "backoff with full jitter, no budget",
        &[(
            "retry: Retry(max: 3)",
            r#"retry: Retry(max: 3, backoff: Exponential(base: "10ms", cap: "200ms"), jitter: Full)"#,
        )],
        Expect::Fails("The storm ends with the slowdown"),
    ),
    (
        "02-retries",
        "no retries at all",
        &[("retry: Retry(max: 3)", "retry: Retry(max: 0)")],
        Expect::Fails("A normal day stays clean"),
    ),
    (
        "02-retries",
        "a budget alone",
        &[("retry: Retry(max: 3)", "retry: Retry(max: 3, budget: 0.1)")],
        Expect::Pass,
    ),
    (
        "02-retries",
        "a budget with backoff and no jitter",
        &[(
            "retry: Retry(max: 3)",
            r#"retry: Retry(max: 3, backoff: Exponential(base: "10ms", cap: "200ms"), budget: 0.1)"#,
        )],
        Expect::Pass,
    ),
    (
        "02-retries",
        "a budget with equal jitter",
        &[(
            "retry: Retry(max: 3)",
            r#"retry: Retry(max: 3, backoff: Exponential(base: "10ms", cap: "200ms"), jitter: Equal, budget: 0.1)"#,
        )],
        Expect::Pass,
    ),
    (
        "02-retries",
        "a budget with decorrelated jitter",
        &[(
            "retry: Retry(max: 3)",
            r#"retry: Retry(max: 3, backoff: Exponential(base: "10ms", cap: "200ms"), jitter: Decorrelated, budget: 0.1)"#,
        )],
        Expect::Pass,
    ),
    (
        "02-retries",
        "a bounded database queue instead of a budget",
        &[("error_rate: 0.01,", "error_rate: 0.01, queue: 40,")],
        Expect::Pass,
    ),
    (
        "02-retries",
        "a bigger database",
        &[("workers: 8", "workers: 32")],
        Expect::Changed,
    ),
    (
        "03-idempotency",
        "keys on the service only",
        &[(
            "operation: NonIdempotent,",
            "operation: NonIdempotent, idempotency_keys: true,",
        )],
        Expect::Fails("Nobody is charged twice"),
    ),
    (
        "03-idempotency",
        "keys in the caller's policy only",
        &[("jitter: Full)),", "jitter: Full), idempotency_keys: true),")],
        Expect::Fails("Nobody is charged twice"),
    ),
    (
        "03-idempotency",
        "no retries",
        &[("retry: Retry(max: 3,", "retry: Retry(max: 0,")],
        Expect::Fails("Checkouts succeed"),
    ),
    (
        "03-idempotency",
        "keys on both sides, but only one retry",
        &[
            (
                "operation: NonIdempotent,",
                "operation: NonIdempotent, idempotency_keys: true,",
            ),
            ("jitter: Full)),", "jitter: Full), idempotency_keys: true),"),
            ("retry: Retry(max: 3,", "retry: Retry(max: 1,"),
        ],
        Expect::Fails("Checkouts succeed"),
    ),
    (
        "03-idempotency",
        "declaring the payment idempotent",
        &[("operation: NonIdempotent", "operation: Idempotent")],
        Expect::Changed,
    ),
    (
        "03-idempotency",
        "a network that loses nothing",
        &[("loss: 0.05", "loss: 0.0")],
        Expect::Changed,
    ),
    (
        "04-fanout",
        "hedging every call almost at once",
        &[(
            r#""to-shards": Policy(timeout: "1s")"#,
            r#""to-shards": Policy(timeout: "1s", hedge: After("1ms"))"#,
        )],
        Expect::Fails("Hedges stay cheap"),
    ),
    (
        "04-fanout",
        "making the shards fast",
        &[("(0.01, Constant(\"200ms\"))", "(0.01, Constant(\"2ms\"))")],
        Expect::Changed,
    ),
    (
        "05-breakers",
        "a fallback without shorter timeouts",
        &[(
            r#""suggestions": Service(workers: 64,"#,
            r#""suggestions": Service(workers: 64, fallback: Default,"#,
        )],
        Expect::Fails("Checkout stays quick during the outage"),
    ),
    (
        "05-breakers",
        "a fallback and short timeouts but no breaker",
        &[
            (
                r#""suggestions": Service(workers: 64,"#,
                r#""suggestions": Service(workers: 64, fallback: Default,"#,
            ),
            (
                r#""checkout-to-suggestions": Policy(timeout: "2s")"#,
                r#""checkout-to-suggestions": Policy(timeout: "150ms")"#,
            ),
            (
                r#""suggestions-to-recs": Policy(timeout: "1s")"#,
                r#""suggestions-to-recs": Policy(timeout: "100ms")"#,
            ),
        ],
        Expect::Fails("Recommendations recover with the rollback"),
    ),
    (
        "06-overload",
        "a retry budget in the app, and an unbounded queue",
        &[(
            "retry: Retry(max: 2, on",
            "retry: Retry(max: 2, budget: 0.1, on",
        )],
        Expect::Fails("Back to normal 3 s after the spike"),
    ),
    (
        "06-overload",
        "a queue bound of a second and more",
        &[(
            r#""api": Service(workers: 16,"#,
            r#""api": Service(workers: 16, queue: 1000,"#,
        )],
        Expect::Fails("Back to normal 3 s after the spike"),
    ),
    (
        "06-overload",
        "a queue bound of a tenth of a second",
        &[(
            r#""api": Service(workers: 16,"#,
            r#""api": Service(workers: 16, queue: 80,"#,
        )],
        Expect::Pass,
    ),
    (
        "06-overload",
        "a rate limit below capacity",
        &[(
            r#""api": Service(workers: 16,"#,
            r#""api": Service(workers: 16, rate_limit: RateLimit(overall: Bucket(per_second: 750, burst: 50)),"#,
        )],
        Expect::Pass,
    ),
    (
        "07-caching",
        "only a bigger cache",
        &[(
            r#"capacity: 2000, ttl: "5s""#,
            r#"capacity: 20000, ttl: "60s""#,
        )],
        Expect::Fails("Pages are back 4 s after the restart"),
    ),
    (
        "07-caching",
        "a bigger cache and a bounded database queue",
        &[
            (
                r#"capacity: 2000, ttl: "5s""#,
                r#"capacity: 20000, ttl: "60s""#,
            ),
            (
                r#""db": Service(workers: 8,"#,
                r#""db": Service(workers: 8, queue: 100,"#,
            ),
        ],
        Expect::Pass,
    ),
    (
        "08-quorums",
        "R + W = N: reads ask two, writes wait for one",
        &[(
            r#"every: read_quorum: 1, write_quorum: 1"#,
            r#"read_quorum: 2, write_quorum: 1"#,
        )],
        Expect::Fails("Nobody sees an old cart"),
    ),
    (
        "08-quorums",
        "every read asks all three",
        &[(
            r#"every: read_quorum: 1, write_quorum: 1"#,
            r#"read_quorum: 3, write_quorum: 1"#,
        )],
        Expect::Fails("Carts work while r3 is down"),
    ),
    (
        "08-quorums",
        "every write waits for all three",
        &[(
            r#"every: read_quorum: 1, write_quorum: 1"#,
            r#"read_quorum: 1, write_quorum: 3"#,
        )],
        Expect::Fails("Carts work while r3 is down"),
    ),
    (
        "08-quorums",
        "every read asks all three, and answers anyway when one is missing",
        &[(
            r#"every: read_quorum: 1, write_quorum: 1,"#,
            r#"read_quorum: 3, write_quorum: 1, mode: Available,"#,
        )],
        Expect::Fails("Carts stay fast"),
    ),
    (
        "08-quorums",
        "majority quorums",
        &[(
            r#"every: read_quorum: 1, write_quorum: 1"#,
            r#"read_quorum: 2, write_quorum: 2"#,
        )],
        Expect::Pass,
    ),
    (
        "09-cap",
        "consistent, but waiting two seconds for a quorum",
        &[(
            r#"every: mode: Available,
                      quorum_timeout: "100ms""#,
            r#"mode: Consistent,
                      quorum_timeout: "2s""#,
        )],
        Expect::Fails("The west kiosks hear no at once, not after a timeout"),
    ),
    (
        "09-cap",
        "consistent with quorums of three",
        &[(
            r#"every: read_quorum: 2, write_quorum: 2, mode: Available"#,
            r#"read_quorum: 3, write_quorum: 3, mode: Consistent"#,
        )],
        Expect::Fails("The east website keeps selling"),
    ),
    (
        "09-cap",
        "available with quorums of three",
        &[(
            r#"every: read_quorum: 2, write_quorum: 2"#,
            r#"read_quorum: 3, write_quorum: 3"#,
        )],
        Expect::Fails("Nobody is shown a seat as free after it was booked"),
    ),
    (
        "09-cap",
        "consistent",
        &[(r#"every: mode: Available,"#, r#"mode: Consistent,"#)],
        Expect::Pass,
    ),
    (
        "10-leader-election",
        "only a faster heartbeat",
        &[(
            r#"every: election_min: "3s", election_max: "6s", heartbeat: "1s""#,
            r#"election_min: "3s", election_max: "6s", heartbeat: "50ms""#,
        )],
        Expect::Fails("Back quickly each time a zone is cut off"),
    ),
    (
        "10-leader-election",
        "20 to 40 ms, a heartbeat every 10 ms",
        &[(
            r#"every: election_min: "3s", election_max: "6s", heartbeat: "1s""#,
            r#"election_min: "20ms", election_max: "40ms", heartbeat: "10ms""#,
        )],
        Expect::Fails("No elections on a quiet day"),
    ),
    (
        "10-leader-election",
        "300 to 600 ms, a heartbeat every 50 ms",
        &[(
            r#"every: election_min: "3s", election_max: "6s", heartbeat: "1s""#,
            r#"election_min: "300ms", election_max: "600ms", heartbeat: "50ms""#,
        )],
        Expect::Pass,
    ),
    (
        "11-clocks",
        "quorums of three, still last-write-wins",
        &[(
            r#"every: read_quorum: 2, write_quorum: 2"#,
            r#"read_quorum: 3, write_quorum: 3"#,
        )],
        Expect::Fails("No saved change is lost"),
    ),
    (
        "11-clocks",
        "version vectors on every replica, the lease left as it is",
        &[(
            r#"every: resolve: LastWriteWins"#,
            r#"resolve: VersionVectors"#,
        )],
        Expect::Fails("Nobody reads an overwritten list or setting"),
    ),
    (
        "11-clocks",
        "version vectors, and a lease only a little shorter (280 ms / 0.9 > 272.7 ms)",
        &[
            (
                r#"every: resolve: LastWriteWins"#,
                r#"resolve: VersionVectors"#,
            ),
            (r#"every: lease: "285ms""#, r#"lease: "280ms""#),
        ],
        Expect::Fails("Nobody reads an overwritten list or setting"),
    ),
    (
        "11-clocks",
        "version vectors and a lease that fits the drift",
        &[
            (
                r#"every: resolve: LastWriteWins"#,
                r#"resolve: VersionVectors"#,
            ),
            (r#"every: lease: "285ms""#, r#"lease: "240ms""#),
        ],
        Expect::Pass,
    ),
    (
        "11-clocks",
        "version vectors and no lease: every read through the log",
        &[
            (
                r#"every: resolve: LastWriteWins"#,
                r#"resolve: VersionVectors"#,
            ),
            (r#"every: lease: "285ms","#, r#""#),
        ],
        Expect::Pass,
    ),
    (
        "12-failure-detection",
        "a 100 ms timeout",
        &[(
            r#"detector: FixedTimeout(timeout: "300ms")"#,
            r#"detector: FixedTimeout(timeout: "100ms")"#,
        )],
        Expect::Fails("At most two false alarms"),
    ),
    (
        "12-failure-detection",
        "a 1.5 s timeout",
        &[(
            r#"detector: FixedTimeout(timeout: "300ms")"#,
            r#"detector: FixedTimeout(timeout: "1500ms")"#,
        )],
        Expect::Fails("Crashed shards are detected within 100 ms"),
    ),
    (
        "12-failure-detection",
        "a 5 s timeout",
        &[(
            r#"detector: FixedTimeout(timeout: "300ms")"#,
            r#"detector: FixedTimeout(timeout: "5s")"#,
        )],
        Expect::Fails("Every crash is detected"),
    ),
    (
        "12-failure-detection",
        "phi accrual with a threshold of 3",
        &[(
            r#"detector: FixedTimeout(timeout: "300ms")"#,
            r#"detector: PhiAccrual(threshold: 3, window: 100, min_std: "10ms")"#,
        )],
        Expect::Fails("At most two false alarms"),
    ),
    (
        "12-failure-detection",
        "phi accrual with a threshold of 12",
        &[(
            r#"detector: FixedTimeout(timeout: "300ms")"#,
            r#"detector: PhiAccrual(threshold: 12, window: 100, min_std: "10ms")"#,
        )],
        Expect::Pass,
    ),
    (
        "13-correlated-failures",
        "five replicas answering anyway",
        &[(
            r#"every: read_quorum: 3, write_quorum: 3,"#,
            r#"read_quorum: 3, write_quorum: 3, mode: Available,"#,
        )],
        Expect::Fails("Orders stay fast"),
    ),
    (
        "13-correlated-failures",
        // R + W = 4 ≤ 5 survives the zone outage (the two survivors hear each
        // other), but the split after it lets each side make a quorum of two.
        "five replicas with quorums of two",
        &[(
            r#"every: read_quorum: 3, write_quorum: 3"#,
            r#"read_quorum: 2, write_quorum: 2"#,
        )],
        Expect::Fails("No order is shown out of date"),
    ),
    (
        "13-correlated-failures",
        "five replicas with quorums of two, lost writes",
        &[(
            r#"every: read_quorum: 3, write_quorum: 3"#,
            r#"read_quorum: 2, write_quorum: 2"#,
        )],
        Expect::Fails("No acknowledged order is lost"),
    ),
    (
        "14-observability",
        "no retries from pricing to fx-rates",
        &[(
            r#""pricing-to-fx": Policy(timeout: "30ms", retry: Retry(max: 3, on: [Timeout, Error])),"#,
            r#""pricing-to-fx": Policy(timeout: "30ms"),"#,
        )],
        Expect::Fails("Pages load after the e-mail"),
    ),
    (
        "14-observability",
        "a retry budget alone",
        &[(
            r#""pricing-to-fx": Policy(timeout: "30ms", retry: Retry(max: 3, on: [Timeout, Error])),"#,
            r#""pricing-to-fx": Policy(timeout: "30ms", retry: Retry(max: 3, budget: 0.1, on: [Timeout, Error])),"#,
        )],
        Expect::Fails("Pages load after the e-mail"),
    ),
    (
        "14-observability",
        "a shorter gateway timeout",
        &[(
            r#""gateway-to-pricing": Policy(timeout: "1s"),"#,
            r#""gateway-to-pricing": Policy(timeout: "150ms"),"#,
        )],
        Expect::Fails("Pages load after the e-mail"),
    ),
    (
        "14-observability",
        "no retries to catalog, whose errors look suspicious",
        &[(
            r#""gateway-to-catalog": Policy(timeout: "500ms", retry: Retry(max: 1, on: [Timeout, Error])),"#,
            r#""gateway-to-catalog": Policy(timeout: "500ms"),"#,
        )],
        Expect::Fails("A normal day stays clean"),
    ),
    (
        "14-observability",
        "more workers for fx-rates",
        &[(
            r#""fx-rates": Service(workers: 4,"#,
            r#""fx-rates": Service(workers: 8,"#,
        )],
        Expect::Changed,
    ),
    (
        "14-observability",
        "a timeout that waits for fx-rates' queue",
        &[(
            r#""pricing-to-fx": Policy(timeout: "30ms", retry: Retry(max: 3, on: [Timeout, Error])),"#,
            r#""pricing-to-fx": Policy(timeout: "200ms", retry: Retry(max: 3, on: [Timeout, Error])),"#,
        )],
        Expect::Pass,
    ),
    (
        "15-deployments",
        "no release at all",
        &[(LAB15_RELEASE, ""), LAB15_NO_HAND_ROLLBACK],
        Expect::Fails("v2 meets real traffic"),
    ),
    (
        "15-deployments",
        "a canary with no rollback bound",
        &[
            (
                LAB15_RELEASE,
                r#"At("20s", Canary(service: "api", version: "v2", steps: [0.05, 0.25, 0.5], step_every: "10s")),"#,
            ),
            LAB15_NO_HAND_ROLLBACK,
        ],
        Expect::Fails("A normal day after the release"),
    ),
    (
        "15-deployments",
        "a canary that starts at half the traffic",
        &[
            (
                LAB15_RELEASE,
                r#"At("20s", Canary(service: "api", version: "v2", steps: [0.5], step_every: "10s", rollback_if: RollbackIf(error_rate: 0.02))),"#,
            ),
            LAB15_NO_HAND_ROLLBACK,
        ],
        Expect::Fails("Few requests meet a bad v2"),
    ),
    (
        "15-deployments",
        "a canary at 5% judged on its error rate",
        &[
            (
                LAB15_RELEASE,
                r#"At("20s", Canary(service: "api", version: "v2", steps: [0.05, 0.5], step_every: "10s", rollback_if: RollbackIf(error_rate: 0.05))),"#,
            ),
            LAB15_NO_HAND_ROLLBACK,
        ],
        Expect::Pass,
    ),
];

/// Lab 15's release as given, and the removal of its rollback by hand.
const LAB15_RELEASE: &str = r#"At("20s", BlueGreen(service: "api", version: "v2")),"#;
const LAB15_NO_HAND_ROLLBACK: (&str, &str) = (r#"At("40s", Rollback("api")),"#, "");

#[test]
fn likely_attempts_get_the_right_verdict() {
    for (slug, what, edits, expect) in ATTEMPTS {
        let lab = load(&root().join("labs").join(slug));
        let mut text = std::fs::read_to_string(&lab.scenario_path).unwrap();
        for (from, to) in *edits {
            // `every: X` replaces every X (the same setting on each replica), plain X the first.
            let (every, from) = match from.strip_prefix("every: ") {
                Some(f) => (true, f),
                None => (false, *from),
            };
            assert!(
                text.contains(from),
                "{slug}: {what}: no {from:?} in the scenario"
            );
            text = if every {
                text.replace(from, to)
            } else {
                text.replacen(from, to, 1)
            };
        }
        let scenario = faultlab::scenario::parse_str(&text, what)
            .unwrap_or_else(|e| panic!("{slug}: {what}: the edited scenario does not load:\n{e}"));
        let report = lab::check_scenario(&lab, &scenario, what, lab.seed());
        let shown = lab::render_check_report(&report);
        match expect {
            Expect::Pass => assert!(report.passed(), "{slug}: {what} should pass:\n{shown}"),
            Expect::Changed => {
                assert!(
                    !report.changed.is_empty(),
                    "{slug}: {what} should be refused:\n{shown}"
                );
                assert!(!report.passed() && report.summary.is_none());
            }
            Expect::Fails(name) => {
                let r = report.results.iter().find(|r| r.name == *name).unwrap();
                assert_eq!(
                    r.verdict,
                    Verdict::Fail,
                    "{slug}: {what} should fail {name:?}:\n{shown}"
                );
            }
        }
    }
}

/// Each folder in `tests/data/bad-labs` and the start of the error line it
/// must give (`FILE:LINE:COL: PATH: MESSAGE`, the file relative to the folder).
const BAD_LABS: &[(&str, &str)] = &[
    (
        "answer_out_of_range",
        "lab.ron:11:67: predictions[0].answer: answer 2 is not one of the 2 choices",
    ),
    (
        "bad_duration",
        r#"lab.ron:8:96: objectives[1].during[0]: "30 parsecs" has an unknown unit"#,
    ),
    (
        "bad_scenario",
        r#"scenario.ron:4:64: nodes."users".target: no node named "apj""#,
    ),
    (
        "duplicate_names",
        "lab.ron:8:19: objectives[1].name: objectives[0] has the same name",
    ),
    ("empty", "lab.ron:1:1: the file is empty"),
    (
        "empty_range",
        "lab.ron:8:85: objectives[1].during: the range from 40s to 30s is empty",
    ),
    (
        "fixed_unknown_node",
        r#"lab.ron:6:23: fixed[1]: no node named "dbb" in the starting scenario (did you mean `db`?)"#,
    ),
    (
        "hit_ratio_of_a_service",
        r#"lab.ron:8:33: objectives[1].metric: "db" is a service, not a cache"#,
    ),
    (
        "long_name",
        "lab.ron:8:26: objectives[1].name: 81 characters; at most 80",
    ),
    (
        "metric_of_a_client",
        r#"lab.ron:8:39: objectives[1].metric: "users" is a client"#,
    ),
    ("missing_readme", "README.md:1:1: cannot read the file"),
    (
        "missing_solution",
        r#"lab.ron:5:5: solution: there is no file "solution.ron" in the lab folder"#,
    ),
    (
        "misspelt_metric",
        "lab.ron:8:41: objectives[1].metric: unknown `LatencyP99` (did you mean `LatencyP99Ms`?)",
    ),
    (
        "newer_version",
        "lab.ron:2:5: version: this lab is in format 2, made by a newer faultlab",
    ),
    (
        "no_objectives",
        "lab.ron:6:5: objectives: a lab needs at least one objective",
    ),
    (
        "not_a_lab",
        "lab.ron:1:1: expected `Lab(...)`, found `Scenario(...)`",
    ),
    (
        "not_a_number",
        "lab.ron:8:71: objectives[1].value: NaN is not a finite number",
    ),
    (
        "one_choice",
        "lab.ron:11:40: predictions[0].choices: 1 choice; a question has from 2 to 8",
    ),
    (
        "percent_for_fraction",
        "lab.ron:8:71: objectives[1].value: 99.9 is out of range: availability is a fraction",
    ),
    (
        "range_past_the_end",
        "lab.ron:8:81: objectives[1].during: the range after 95s reaches past the end of the run (60s)",
    ),
    (
        "scenario_outside_the_folder",
        "lab.ron:4:5: scenario: \"../unknown_field/scenario.ron\" is not inside the lab folder",
    ),
    (
        "solution_changes_the_timeline",
        "lab.ron:5:5: solution: the reference solution changes what the lab keeps fixed: the timeline",
    ),
    (
        "syntax_missing_comma",
        "lab.ron:8:9: objectives: expected `,` between values",
    ),
    (
        "unknown_field",
        "lab.ron:3:5: gaols: unknown field `gaols` (did you mean `goals`?)",
    ),
    (
        "unknown_node",
        r#"lab.ron:8:36: objectives[1].metric: no node named "dbb" in the starting scenario"#,
    ),
    (
        "whole_run_only_metric",
        r#"lab.ron:8:90: objectives[1].during: hit ratio of "cache" is measured over the whole run only"#,
    ),
];

#[test]
fn bad_lab_files_get_located_errors() {
    let dir = root().join("tests/data/bad-labs");
    lab::load(&dir.join("_control")).unwrap_or_else(|e| panic!("the control lab fails:\n{e}"));
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "_control")
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = BAD_LABS.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        on_disk, listed,
        "every bad lab has one expected error here, in order"
    );
    for (case, expected) in BAD_LABS {
        let folder = dir.join(case);
        let err = lab::load(&folder).expect_err(case);
        let prefix = format!("{}{}", folder.display(), std::path::MAIN_SEPARATOR);
        let lines: Vec<String> = err
            .to_string()
            .lines()
            .map(|l| l.strip_prefix(&prefix).unwrap_or(l).to_string())
            .collect();
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{case}: expected a line starting with\n  {expected}\ngot:\n  {}",
            lines.join("\n  ")
        );
        assert!(matches!(err, LabError::Files(ref f) if !f.is_empty()));
    }
}

#[test]
fn a_missing_folder_is_bad_input() {
    let err = lab::load(&root().join("labs/99-nowhere")).unwrap_err();
    assert!(matches!(err, LabError::Folder { .. }), "{err}");
    assert!(
        err.to_string().contains("99-nowhere: not a folder"),
        "{err}"
    );
}

#[test]
fn check_runs_the_start_or_a_given_scenario() {
    let dir = root().join("labs/03-idempotency");
    let start = lab::check(&dir, None, None).unwrap();
    assert!(!start.passed());
    assert!(start.scenario.ends_with("scenario.ron"));
    let text = lab::render_check_report(&start);
    assert!(text.contains("FAIL  Nobody is charged twice"), "{text}");
    assert!(text.contains("of 3 objectives met: FAIL"), "{text}");

    let solution = lab::check(&dir, Some(&dir.join("solution.ron")), None).unwrap();
    assert!(solution.passed(), "{}", lab::render_check_report(&solution));
    assert!(lab::render_check_report(&solution).ends_with("3 of 3 objectives met: PASS\n"));

    // A scenario file that does not load is bad input, with its located error.
    let bad = root().join("tests/data/bad-labs/bad_scenario/scenario.ron");
    let err = lab::check(&dir, Some(&bad), None).unwrap_err();
    assert!(err.to_string().contains("scenario.ron:4:64:"), "{err}");
}

#[test]
fn check_runs_on_another_seed_when_asked() {
    let dir = root().join("labs/03-idempotency");
    let lab_seed = load(&dir).seed();
    let report = lab::check(&dir, Some(&dir.join("solution.ron")), Some(101)).unwrap();
    assert_ne!(lab_seed, 101);
    assert_eq!(report.seed, 101);
    assert_eq!(report.summary.as_ref().unwrap().seed, 101);
    assert!(lab::render_check_report(&report).contains("seed 101"));
    assert!(report.passed(), "{}", lab::render_check_report(&report));
}

#[test]
fn check_uses_the_labs_seed_duration_and_window() {
    let lab = load(&root().join("labs/03-idempotency"));
    let mut text = std::fs::read_to_string(&lab.solution_path).unwrap();
    text = text.replace("seed: 13,", "seed: 999,").replace(
        r#"duration: "60s","#,
        r#"duration: "45s", window: "250ms","#,
    );
    let s = faultlab::scenario::parse_str(&text, "mine.ron").unwrap();
    let report = lab::check_scenario(&lab, &s, "mine.ron", lab.seed());
    assert_eq!(report.seed, 13);
    let summary = report.summary.as_ref().unwrap();
    assert_eq!(summary.seed, 13);
    assert_eq!(summary.sim_seconds, 60.0);
    assert_eq!(summary.windows.len(), 60);
    assert!(report.passed());
}

#[test]
fn grade_gives_one_row_per_submission() {
    let lab_dir = root().join("labs/01-timeouts");
    let subs = std::env::temp_dir().join(format!("faultlab-grade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&subs);
    std::fs::create_dir_all(&subs).unwrap();
    std::fs::copy(lab_dir.join("solution.ron"), subs.join("ada.ron")).unwrap();
    std::fs::copy(lab_dir.join("scenario.ron"), subs.join("bob.ron")).unwrap();
    std::fs::write(
        subs.join("cy.ron"),
        "Scenario(\n    duration: \"90s\",\n    nodes: {,\n",
    )
    .unwrap();
    let edited = std::fs::read_to_string(lab_dir.join("solution.ron"))
        .unwrap()
        .replace(r#"At("50s", Heal),"#, "");
    std::fs::write(subs.join("dee.ron"), edited).unwrap();
    std::fs::write(subs.join("notes.txt"), "not a submission").unwrap();

    let table = lab::grade(&lab_dir, &subs, 2).unwrap();
    assert_eq!(
        table,
        lab::grade(&lab_dir, &subs, 1).unwrap(),
        "the same whatever the threads"
    );
    let _ = std::fs::remove_dir_all(&subs);

    let files: Vec<&str> = table.rows.iter().map(|r| r.file.as_str()).collect();
    assert_eq!(files, ["ada.ron", "bob.ron", "cy.ron", "dee.ron"]);
    assert_eq!(table.passed(), 1);
    let [ada, bob, cy, dee] = &table.rows[..] else {
        unreachable!()
    };
    assert!(ada.passed && ada.error.is_none() && ada.values.iter().all(Option::is_some));
    assert!(!bob.passed && bob.error.is_none());
    assert_eq!(
        bob.values[0],
        Some(0.0),
        "no cached page loads without timeouts"
    );
    assert!(!cy.passed && cy.values.iter().all(Option::is_none));
    assert!(
        cy.error.as_deref().unwrap().contains("cy.ron:3:"),
        "{:?}",
        cy.error
    );
    assert!(
        !dee.passed && dee.changed[0].contains("timeline"),
        "{:?}",
        dee.changed
    );

    let csv = table.to_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "file,passed,Cached pages load during the outage,Page workers stay available,\
         A normal day is untouched,The site recovers after the repair,changed,error"
    );
    let ada_line = lines.next().unwrap();
    assert!(ada_line.starts_with("ada.ron,true,0.8"), "{ada_line}");
    assert!(ada_line.ends_with(",1,1,,"), "{ada_line}");
    assert_eq!(lines.next().unwrap(), "bob.ron,false,0,1,1,0,,");
    let cy_line = lines.next().unwrap();
    assert!(cy_line.starts_with("cy.ron,false,,,,,,"), "{cy_line}");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("dee.ron,false,,,,,the timeline has 1 entries")
    );
    assert!(lines.next().is_none());
}

#[test]
fn a_missing_submissions_folder_is_bad_input() {
    let err = lab::grade(
        &root().join("labs/01-timeouts"),
        &root().join("no-such-folder"),
        1,
    )
    .unwrap_err();
    assert!(matches!(err, LabError::Folder { .. }), "{err}");
}

/// Lab 1's start with the solution's two call policies set as a learner sets
/// them in the window before pressing play: as actions at `at`.
fn knobs_set_at(at: faultlab::sim::time::SimTime) -> (Lab, faultlab::scenario::Scenario) {
    use faultlab::sim::config::{Action, NodeKind, TimedAction};
    let lab = load(&root().join("labs/01-timeouts"));
    let mut scenario = lab.scenario.clone();
    let sol = &lab.solution.config;
    let id = |name: &str| sol.node_id(name).unwrap();
    let (pages, cache, inventory) = (id("pages"), id("cache"), id("inventory"));
    let NodeKind::Service(p) = &sol.nodes[pages.index()].kind else {
        panic!("pages is a service")
    };
    let NodeKind::Cache(c) = &sol.nodes[cache.index()].kind else {
        panic!("cache is a cache")
    };
    for (caller, callee, policy) in [
        (pages, cache, p.calls[0].policy.clone()),
        (cache, inventory, c.backing.policy.clone()),
    ] {
        scenario.config.timeline.push(TimedAction {
            at,
            action: Action::SetPolicy {
                caller,
                callee,
                policy,
            },
        });
    }
    scenario.config.timeline.sort_by_key(|t| t.at);
    (lab, scenario)
}

#[test]
fn knobs_set_before_play_count_as_policies_not_timeline_changes() {
    use faultlab::sim::Simulation;
    use faultlab::sim::time::{SimDuration, SimTime};
    let (lab, scenario) = knobs_set_at(SimTime::ZERO);
    let report = lab::check_scenario(&lab, &scenario, "window", lab.seed());
    let shown = lab::render_check_report(&report);
    assert!(report.changed.is_empty(), "{shown}");
    assert!(report.passed(), "{shown}");

    // Folding the actions into the calls does not change the run.
    let as_recorded = Simulation::new(lab.run_config(scenario.config.clone())).run();
    let folded = lab::fixed::fold_initial_policies(&scenario.config);
    assert!(folded.timeline.len() < scenario.config.timeline.len());
    let folded = Simulation::new(lab.run_config(folded)).run();
    let same = |r: &faultlab::metrics::RunSummary| {
        serde_json::to_value((
            &r.requests,
            &r.failures,
            &r.latency_ms,
            &r.services,
            &r.windows,
        ))
        .unwrap()
    };
    assert_eq!(same(&as_recorded), same(&folded));

    // The same knobs set during the run are a change of the timeline.
    let (lab, later) = knobs_set_at(SimTime::ZERO + SimDuration::from_secs(5));
    let report = lab::check_scenario(&lab, &later, "window", lab.seed());
    assert!(!report.changed.is_empty());
}
