//! The inspector's deploy controls, driven through an egui_kittest harness.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use faultlab::sim::config::Action;
use faultlab::ui::FaultlabApp;

use super::ui::{advance, click, example_window_with_hint};

/// A window over a paused thread-free session of `canary.ron`.
fn window() -> Harness<'static, FaultlabApp> {
    let mut h = example_window_with_hint("canary.ron");
    h.get_by_label("Got it").click();
    h.run();
    h
}

#[test]
fn start_canary_records_the_action_and_the_graph_shows_the_fraction() {
    let mut h = window();
    let api = h.state().snapshot().scenario.node_id("api").unwrap();
    click(&mut h, "▶ Play");
    advance(&mut h, 2);
    click(&mut h, "▮▮ Pause");
    h.get_by_role_and_label(Role::Button, "api").click();
    h.run();
    assert_eq!(
        h.state().snapshot().nodes[api.index()]
            .deploy
            .as_ref()
            .unwrap()
            .label(),
        "v1"
    );
    click(&mut h, "Start canary of v2");
    let s = h.state().snapshot();
    let last = s.recorded.last().expect("an action was recorded");
    match &last.action {
        Action::Canary { service, canary } => {
            assert_eq!(*service, api);
            assert_eq!(canary.version, 1);
            assert_eq!(canary.steps, vec![0.05, 0.25, 0.5]);
        }
        other => panic!("expected Canary, got {other:?}"),
    }
    assert_eq!(last.at.as_secs_f64(), 2.0);
    click(&mut h, "▶ Play");
    advance(&mut h, 1);
    let deploy = h.state().snapshot().nodes[api.index()]
        .deploy
        .clone()
        .unwrap();
    assert_eq!(deploy.canary, Some((1, 0.05)));
    assert_eq!(deploy.label(), "v1 · canary v2 5%");
    // The inspector says so too.
    h.get_by_label("serving: v1 · canary v2 5%");
}
