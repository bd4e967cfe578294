//! Idempotency keys turn double charges into replayed answers, on the same seed.

use faultlab::sim::Simulation;

use super::support::example;

#[test]
fn idempotency_keys_remove_duplicate_executions() {
    let scenario = example("idempotency.ron");
    let without = Simulation::new(scenario.config.clone()).run();
    assert!(
        without.requests.duplicates > 20,
        "lost replies cause double charges: {}",
        without.requests.duplicates
    );
    assert_eq!(
        without.services["payments"].duplicates,
        without.requests.duplicates
    );

    let mut config = scenario.config;
    let payments = config.node_id("payments").unwrap();
    for node in &mut config.nodes {
        match &mut node.kind {
            faultlab::sim::config::NodeKind::Service(s) if node.name == "payments" => {
                s.idempotency_keys = true
            }
            faultlab::sim::config::NodeKind::Service(s) => {
                for call in s.calls.iter_mut().filter(|c| c.to == payments) {
                    call.policy.idempotency_keys = true;
                }
            }
            _ => {}
        }
    }
    let with = Simulation::new(config).run();
    assert_eq!(with.requests.duplicates, 0);
    assert!(
        with.services["payments"].deduplicated > 0,
        "repeats were answered from the key store"
    );
    // Same arrivals either way: the comparison is of the policy, not the luck.
    assert_eq!(with.requests.offered, without.requests.offered);
}
