//! What bounds memory: the duplicate ledger remembers only as long as
//! idempotency keys do.

use faultlab::sim::engine::ledger_horizon;
use faultlab::sim::time::SimDuration;

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
