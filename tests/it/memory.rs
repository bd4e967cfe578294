//! What bounds memory: the idempotency-key stores and the duplicate ledger
//! hold about rate × TTL entries at a few bytes each, measured by the
//! allocator meter; the ledger remembers only as long as keys do.

use faultlab::sim::Simulation;
use faultlab::sim::engine::ledger_horizon;
use faultlab::sim::time::SimDuration;

use super::alloc_meter::peak_bytes;
use super::support::config;

/// A client at `rate` per second against a service; with `keys` the
/// service is non-idempotent (so the ledger records its executions) and
/// keeps idempotency keys for `ttl`.
fn shop(rate: u32, keys: bool, ttl: &str, duration: &str) -> String {
    let operation = if keys { "NonIdempotent" } else { "Idempotent" };
    format!(
        r#"Scenario(
    version: 1,
    name: "keys",
    duration: "{duration}",
    nodes: {{
        "users": Client(open: Poisson(per_second: {rate}), target: "orders",
                        policy: Policy(timeout: "2s", idempotency_keys: {keys})),
        "orders": Service(workers: 64, work: Exponential(mean: "2ms"),
                          operation: {operation}, idempotency_keys: {keys}, key_ttl: "{ttl}"),
        "catalog": Service(workers: 1, work: Constant("1ms"), key_ttl: "1h"),
    }},
)"#
    )
}

#[test]
fn the_ledger_horizon_is_the_longest_ttl_of_services_that_keep_keys() {
    // `catalog` keeps no keys: its hour-long TTL is not the ledger's.
    let with_keys = config(&shop(10, true, "2m", "1s"), 1);
    assert_eq!(ledger_horizon(&with_keys), SimDuration::from_secs(120));
    let without = config(&shop(10, false, "2m", "1s"), 1);
    assert_eq!(ledger_horizon(&without), SimDuration::from_secs(600));
}

/// Peak heap bytes of a run, and its summary.
fn peak_of(src: &str) -> (faultlab::metrics::RunSummary, usize) {
    let cfg = config(src, 5);
    peak_bytes(|| Simulation::new(cfg).run())
}

#[test]
fn keys_and_ledger_cost_a_few_bytes_per_request_of_one_ttl() {
    // 2,000 requests/s, a 20 s TTL, 90 s: the key store and the ledger
    // each hold 40,000–50,000 entries (1 to 1.25 TTLs) once full.
    let (rate, ttl) = (2_000.0, 20.0);
    let (with, peak_with) = peak_of(&shop(2_000, true, "20s", "90s"));
    let (without, peak_without) = peak_of(&shop(2_000, false, "20s", "90s"));
    // Same seed, no retries: the same requests, executed once each.
    assert_eq!(with.requests.total, without.requests.total);
    assert_eq!(with.requests.duplicates, 0);
    let extra = peak_with.saturating_sub(peak_without) as f64;
    let per_request = extra / (rate * ttl);
    eprintln!(
        "keys + ledger: {:.0} KB more at the peak, {per_request:.1} bytes per request of one TTL ({} KB vs {} KB)",
        extra / 1024.0,
        peak_with / 1024,
        peak_without / 1024
    );
    // With a hash map for every generation this was 69.8 bytes (measured
    // before sealing). Now, per request of one TTL: the key store's open
    // generation (an eighth of the TTL, 25-byte buckets at ~60% load) ~5,
    // its sealed ones (1 to 1.125 TTLs at ~6 bytes) ~7, the keys sorted as
    // a generation is sealed (8 bytes an entry) ~1; the ledger's open
    // generation (a quarter horizon, 9-byte buckets) ~4 and its sealed ones
    // (~1.5 bytes) ~2. About 19: the run measures 16.6.
    assert!(
        per_request < 22.0,
        "{per_request:.1} bytes per request of one TTL"
    );
    // Guards against a meter that counts nothing.
    assert!(extra > 0.0);
}
