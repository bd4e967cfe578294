//! The window, driven like a learner would: by clicking labelled widgets in
//! an egui_kittest harness (no display needed). The run behind it is a
//! thread-free session that moves only when a test advances it, so every
//! test is deterministic.

use std::path::PathBuf;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use faultlab::live::Command;
use faultlab::report;
use faultlab::scenario;
use faultlab::sim::Simulation;
use faultlab::sim::config::{Action, NodeId};
use faultlab::sim::time::SimDuration;
use faultlab::ui::{Driver, FaultlabApp, Selection};

use super::support::example;

/// A window over a paused thread-free session of `three-tier.ron`, with the
/// first-run hint still shown.
fn window_with_hint() -> Harness<'static, FaultlabApp> {
    example_window_with_hint("three-tier.ron")
}

/// A window over a paused thread-free session of example `name`, with the
/// first-run hint still shown.
pub(crate) fn example_window_with_hint(name: &str) -> Harness<'static, FaultlabApp> {
    window_over(example(name))
}

/// A window over a paused thread-free session of `scenario`, with the
/// first-run hint still shown.
fn window_over(scenario: scenario::Scenario) -> Harness<'static, FaultlabApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            FaultlabApp::with_driver(
                &cc.egui_ctx,
                Driver::manual(scenario.config),
                scenario.description,
                None,
            )
        });
    harness.run();
    harness
}

/// A window over a paused thread-free session of `three-tier.ron`, with the
/// first-run hint dismissed.
pub(crate) fn window() -> Harness<'static, FaultlabApp> {
    let mut harness = window_with_hint();
    harness.get_by_label("Got it").click();
    harness.run();
    harness
}

/// Clicks the graph node called `name` (the plots' legends have check
/// boxes with the same names).
fn click_node(h: &mut Harness<'_, FaultlabApp>, name: &str) {
    h.get_by_role_and_label(Role::Button, name).click();
    h.run();
}

/// Clicks a button, first scrolling it into view (the inspector scrolls),
/// then lets the window settle.
pub(crate) fn click(h: &mut Harness<'_, FaultlabApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
    // Let the double-click window pass, so the next click is a click.
    h.run_steps(30);
}

pub(crate) fn advance(h: &mut Harness<'_, FaultlabApp>, secs: u64) {
    h.state_mut()
        .driver_mut()
        .advance(SimDuration::from_secs(secs));
    h.run();
}

fn id(h: &Harness<'_, FaultlabApp>, name: &str) -> NodeId {
    h.state()
        .snapshot()
        .scenario
        .node_id(name)
        .expect("node exists")
}

/// A fresh path in the temporary directory for this test.
pub(crate) fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultlab-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// Saves through the typed-path dialog (no native dialog in tests).
pub(crate) fn save_as(h: &mut Harness<'_, FaultlabApp>, path: &std::path::Path) {
    h.key_press_modifiers(
        egui::Modifiers::COMMAND.plus(egui::Modifiers::SHIFT),
        egui::Key::S,
    );
    h.run();
    let field = h.get_by_role_and_label(Role::TextInput, "File path");
    field.focus();
    field.type_text(&path.display().to_string());
    h.run();
    click(h, "Save file");
}

fn open(h: &mut Harness<'_, FaultlabApp>, path: &std::path::Path) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run();
    let field = h.get_by_role_and_label(Role::TextInput, "File path");
    field.focus();
    // The field starts with the current file's path: clear it first.
    field.set_text_value_accesskit(&path.display().to_string());
    h.run();
    click(h, "Open file");
}

#[test]
fn play_and_pause() {
    let mut h = window();
    assert!(!h.state().snapshot().playing);
    click(&mut h, "▶ Play");
    assert!(h.state().snapshot().playing);
    advance(&mut h, 2);
    assert!(
        h.query_by_label("t = 2.000 s").is_some(),
        "the top bar shows the time"
    );
    click(&mut h, "▮▮ Pause");
    assert!(!h.state().snapshot().playing);
    advance(&mut h, 2);
    assert_eq!(
        h.state().snapshot().now.as_secs_f64(),
        2.0,
        "paused time stays put"
    );
}

/// Before any request has finished, the SLO readings say there is nothing
/// to judge yet instead of showing a perfect 100% and a 0 ms p99.
#[test]
fn the_slo_readings_wait_for_the_first_answers() {
    let mut h = window();
    assert_eq!(h.query_all_by_label("○ no data yet").count(), 2);
    assert!(h.query_by_label("p99 — ≤ 100 ms").is_some());
    assert!(h.query_by_label("● met").is_none());
    click(&mut h, "▶ Play");
    advance(&mut h, 2);
    assert!(h.query_by_label("○ no data yet").is_none());
    assert_eq!(h.query_all_by_label("● met").count(), 2);
    assert!(h.query_by_label("100.00%").is_some());
}

/// The verdict word ("● met", "▲ missed", "○ no data yet") shown just
/// right of the top-bar reading `reading`.
fn verdict_beside(h: &Harness<'_, FaultlabApp>, reading: &str) -> String {
    let at = h.get_by_label(reading).rect();
    ["● met", "▲ missed", "○ no data yet"]
        .into_iter()
        .flat_map(|word| h.query_all_by_label(word).map(move |n| (word, n.rect())))
        .filter(|(_, r)| r.left() >= at.right() && r.y_range().contains(at.center().y))
        .min_by(|(_, a), (_, b)| a.left().total_cmp(&b.left()))
        .map(|(word, _)| word.to_string())
        .unwrap_or_else(|| panic!("no verdict beside {reading:?}"))
}

/// An M/M/1 queue (λ = 800/s, μ = 1000/s) whose SLO asks for p95 ≤ 20 ms:
/// p95 ≈ ln(20)/200 s ≈ 15 ms meets it, p99 ≈ 23 ms would not.
const P95_SLO: &str = r#"Scenario(
    version: 1,
    name: "M/M/1 with a p95 objective",
    seed: 7,
    duration: "60s",
    nodes: {
        "arrivals": Client(open: Poisson(per_second: 800), target: "server"),
        "server": Service(workers: 1, work: Exponential(mean: "1ms")),
    },
    slo: Slo(availability: 0.999, latency: "20ms", percentile: 95),
)"#;

/// The top bar judges the latency objective at the SLO's own percentile,
/// by the rule the headless run summary uses, and names that percentile.
#[test]
fn the_latency_verdict_reads_the_slos_own_percentile_as_the_report_does() {
    let scenario = scenario::parse_str(P95_SLO, "p95.ron").expect("loads");
    let end = scenario.config.duration;
    let threshold = scenario.config.slo.latency.as_millis_f64();
    let headless = Simulation::new(scenario.config.clone()).run();
    assert!(
        headless.slo.latency_met && headless.latency_ms.p99 > threshold,
        "the scenario must meet its p95 objective and miss it at p99: {:?}",
        headless.slo
    );

    let mut h = window_over(scenario);
    h.get_by_label("Got it").click();
    h.run();
    click(&mut h, "▶ Play");
    h.state_mut().driver_mut().advance(end);
    h.run();
    assert_eq!(h.state().snapshot().now.as_secs_f64(), headless.sim_seconds);

    // The reading of the latency objective, e.g. "p95 15.03 ms ≤ 20 ms".
    let reading = h
        .get_by_label_contains(" ≤ 20 ms")
        .value()
        .expect("a label's text is its value");
    let expected = if headless.slo.latency_met {
        "● met"
    } else {
        "▲ missed"
    };
    assert_eq!(
        verdict_beside(&h, &reading),
        expected,
        "the top bar's verdict on {reading:?} differs from the report's {:?}",
        headless.slo
    );
    let mut words = reading.split_whitespace();
    assert_eq!(words.next(), Some("p95"), "{reading:?} names p95");
    let shown: f64 = words.next().and_then(|v| v.parse().ok()).expect("a value");
    assert_eq!(words.next(), Some("ms"), "{reading:?}");
    assert!(
        (shown - headless.slo.latency_at_percentile_ms).abs() < 0.01,
        "the top bar shows {shown} ms, the report {} ms",
        headless.slo.latency_at_percentile_ms
    );
}

#[test]
fn requests_left_unanswered_are_flagged_beside_availability() {
    // A client without a timeout, its service down from 5 s to 15 s: the
    // lost requests never finish, so availability (of finished requests)
    // stays 100%, and the top bar must say what it leaves out.
    let src = crate::exact_counts::crash_scenario("Policy()");
    let scenario = scenario::parse_str(&src, "crash.ron").expect("loads");
    let mut h = window_over(scenario);
    h.get_by_label("Got it").click();
    h.run();
    click(&mut h, "▶ Play");
    advance(&mut h, 4);
    assert!(
        h.query_by_label_contains("unanswered").is_none(),
        "nothing is unanswered before the crash"
    );
    advance(&mut h, 16);
    assert_eq!(h.state().snapshot().now.as_secs_f64(), 20.0);
    assert_eq!(h.state().snapshot().totals.availability, 1.0);
    let flag = format!("{} unanswered", crate::exact_counts::LOST);
    assert!(h.query_by_label(&flag).is_some(), "{flag:?} is shown");
}

#[test]
fn crashing_the_database_makes_availability_fall() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 10);
    let before = h.state().snapshot().totals;
    assert_eq!(before.failed, 0, "the default scenario starts healthy");

    click_node(&mut h, "db");
    let db = id(&h, "db");
    assert_eq!(*h.state().selection(), Selection::Node(db));
    click(&mut h, "⊗ Crash");
    assert!(!h.state().snapshot().nodes[db.index()].up);
    assert!(
        h.query_by_label("↻ Restart").is_some(),
        "a crashed node offers Restart"
    );

    advance(&mut h, 10);
    let after = h.state().snapshot().totals;
    assert!(after.failed > 0 && after.availability < before.availability);
    assert_eq!(
        h.state().snapshot().recorded.len(),
        1,
        "the crash is on the timeline"
    );

    click(&mut h, "↻ Restart");
    assert!(h.state().snapshot().nodes[db.index()].up);
}

#[test]
fn partition_a_link_both_ways_one_way_and_heal() {
    let mut h = window();
    let (orders, db) = (id(&h, "orders"), id(&h, "db"));
    click(&mut h, "link orders → db");
    assert_eq!(
        *h.state().selection(),
        Selection::Link {
            from: orders,
            to: db
        }
    );

    click(&mut h, "Partition both ways");
    let cuts = h.state().snapshot().cuts.clone();
    assert!(cuts.contains(&(orders, db)) && cuts.contains(&(db, orders)));
    let e = h
        .state()
        .snapshot()
        .edges
        .iter()
        .find(|e| e.from == orders && e.to == db)
        .copied()
        .unwrap();
    assert!(e.cut_forward && e.cut_backward);

    click(&mut h, "Heal");
    assert!(h.state().snapshot().cuts.is_empty());

    click(&mut h, "Partition one way");
    assert_eq!(h.state().snapshot().cuts, vec![(orders, db)]);
    click(&mut h, "Heal");
    assert!(h.state().snapshot().cuts.is_empty());
}

#[test]
fn several_nodes_partitioned_from_the_rest() {
    let mut h = window();
    click_node(&mut h, "orders");
    h.get_by_role_and_label(Role::Button, "db")
        .click_modifiers(egui::Modifiers::SHIFT);
    h.run();
    let (orders, db) = (id(&h, "orders"), id(&h, "db"));
    assert_eq!(h.state().selection().nodes(), vec![orders, db]);
    click(&mut h, "Partition these from the rest");
    let s = h.state().snapshot();
    let gateway = s.scenario.node_id("gateway").unwrap();
    assert!(s.cuts.contains(&(gateway, orders)) && s.cuts.contains(&(db, gateway)));
    assert!(
        !s.cuts.contains(&(orders, db)),
        "inside the group nothing is cut"
    );
}

#[test]
fn change_a_retry_policy() {
    let mut h = window();
    let (gateway, orders) = (id(&h, "gateway"), id(&h, "orders"));
    click(&mut h, "link gateway → orders");
    h.get_by_role_and_label(Role::SpinButton, "retries")
        .set_value_accesskit(5.0);
    h.run();
    click(&mut h, "Apply policy → orders");
    let s = h.state().snapshot();
    match &s.recorded.last().expect("an action was recorded").action {
        Action::SetPolicy {
            caller,
            callee,
            policy,
        } => {
            assert_eq!((*caller, *callee), (gateway, orders));
            assert_eq!(policy.retry.max_retries, 5);
            assert_eq!(
                policy.timeout,
                Some(SimDuration::from_millis(100)),
                "other knobs kept"
            );
        }
        other => panic!("expected SetPolicy, got {other:?}"),
    }
}

#[test]
fn add_workers_to_an_overloaded_service() {
    let mut h = window();
    let orders = id(&h, "orders");
    click_node(&mut h, "orders");
    let before = h.state().snapshot().nodes[orders.index()].workers;
    h.get_by_role_and_label(Role::SpinButton, "workers")
        .set_value_accesskit(40.0);
    h.run();
    click(&mut h, "Apply capacity");
    let s = h.state().snapshot();
    match &s.recorded.last().expect("an action was recorded").action {
        Action::SetService { node, change } => {
            assert_eq!(*node, orders);
            assert_eq!(change.workers, Some(40));
            assert_eq!(change.error_rate, None, "only the edited knob changes");
        }
        other => panic!("expected SetService, got {other:?}"),
    }
    assert_ne!(before, Some(40));
    assert_eq!(
        s.nodes[orders.index()].workers,
        Some(40),
        "the run has 40 now"
    );
}

#[test]
fn save_one_plot_as_a_picture_asks_where() {
    let mut h = window();
    click(&mut h, "File");
    click(&mut h, "Save a plot as PNG");
    click(&mut h, "error budget…");
    h.get_by_label("Save a picture of the plot");
    let field = h.get_by_role_and_label(Role::TextInput, "File path");
    let text = field.value().expect("the path field has text");
    assert!(
        text.ends_with("-error-budget.png"),
        "a name saying which plot: {text}"
    );
}

#[test]
fn undo_an_action_while_paused_right_after_it() {
    let mut h = window();
    click_node(&mut h, "db");
    click(&mut h, "⊗ Crash");
    let db = id(&h, "db");
    assert!(!h.state().snapshot().nodes[db.index()].up);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(h.state().snapshot().recorded.is_empty());
    assert!(h.state().snapshot().nodes[db.index()].up);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    h.run();
    assert_eq!(
        h.state().snapshot().recorded.len(),
        1,
        "redo applies it again"
    );
}

#[test]
fn rewind_on_the_timeline_drops_later_actions() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 20);
    click_node(&mut h, "db");
    click(&mut h, "⊗ Crash");
    advance(&mut h, 60);
    assert_eq!(h.state().snapshot().now.as_secs_f64(), 80.0);
    // The strip spans the whole run (120 s): its middle is 60 s.
    click(&mut h, "timeline");
    let s = h.state().snapshot();
    assert!(!s.playing, "rewinding pauses");
    let t = s.now.as_secs_f64();
    assert!((55.0..65.0).contains(&t), "rewound to about 60 s, got {t}");
    assert_eq!(s.recorded.len(), 1, "the crash at 20 s is kept");
    assert!(!s.nodes[id(&h, "db").index()].up, "and re-simulated");
}

#[test]
fn save_then_open_gives_an_equal_scenario() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 5);
    click_node(&mut h, "db");
    click(&mut h, "⊗ Crash");
    assert!(h.state().unsaved());
    let path = temp_path("saved.ron");
    save_as(&mut h, &path);
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    assert!(!h.state().unsaved());
    let saved = scenario::load_file(&path).expect("the saved file loads");
    let expected = faultlab::ui::replay_config(&h.state().snapshot());
    assert_eq!(
        scenario::to_ron(&saved),
        scenario::to_ron(&scenario::Scenario {
            config: expected,
            description: saved.description.clone()
        }),
    );

    open(&mut h, &path);
    let s = h.state().snapshot();
    assert!(h.state().error().is_none(), "{:?}", h.state().error());
    assert_eq!(
        s.now.as_secs_f64(),
        0.0,
        "an opened scenario starts from zero"
    );
    assert!(s.recorded.is_empty());
    assert!(
        s.scenario
            .timeline
            .iter()
            .any(|a| matches!(a.action, Action::Crash(_))),
        "the crash is now in the file's timeline"
    );
    assert_eq!(h.state().path(), Some(path.as_path()));
}

#[test]
fn a_panic_in_the_run_shows_seed_and_time_and_start_again_recovers() {
    let mut h = window();
    h.state_mut().send(Command::Play);
    advance(&mut h, 3);
    h.state_mut()
        .send(Command::Act(super::crash_isolation::impossible_action()));
    h.run();
    assert!(
        h.query_by_label("The simulation stopped with an internal error.")
            .is_some(),
        "the failure is on screen"
    );
    assert!(
        h.query_by_label_contains("Seed 7 at t = 3.000 s").is_some(),
        "with the seed and time that reproduce it"
    );
    assert!(h.state().snapshot().failure.is_some());
    click(&mut h, "Start again");
    assert_eq!(h.state().snapshot().failure, None);
    assert!(
        h.query_by_label("The simulation stopped with an internal error.")
            .is_none()
    );
    // The window still works: the run plays on.
    h.state_mut().send(Command::Play);
    advance(&mut h, 2);
    assert!(h.state().snapshot().totals.ok > 0);
}

#[test]
fn unsaved_work_is_autosaved_and_offered_back_after_a_crash() {
    let path = temp_path("autosave.ron");
    let mut h = window();
    h.state_mut().enable_autosave(path.clone());
    h.run();
    assert!(!path.exists(), "nothing unsaved, nothing written");
    let db = id(&h, "db");
    h.state_mut().send(Command::Play);
    advance(&mut h, 2);
    h.state_mut().send(Command::Act(Action::Crash(db)));
    h.run();
    let crashes_db = |c: &faultlab::sim::config::SimConfig| {
        c.timeline
            .iter()
            .any(|a| matches!(a.action, Action::Crash(n) if n == db))
    };
    let kept = scenario::load_file(&path).expect("the autosave loads");
    assert!(crashes_db(&kept.config), "it holds the action");
    // The window goes away without a clean exit (a crash): the file stays,
    // and the next window offers it.
    drop(h);
    let mut h = window();
    h.state_mut().enable_autosave(path.clone());
    h.run();
    assert!(h.query_by_label("Restore unsaved work?").is_some());
    click(&mut h, "Restore");
    assert!(
        crashes_db(&h.state().snapshot().scenario),
        "the restored scenario has the crash in its timeline"
    );
    assert!(h.query_by_label("Restore unsaved work?").is_none());
    assert_eq!(h.state().path(), None, "restored work is not a file yet");

    // Discarding removes the file.
    drop(h);
    let mut h = window();
    h.state_mut().enable_autosave(path.clone());
    h.run();
    click(&mut h, "Discard");
    assert!(!path.exists());
}

#[test]
fn a_bad_file_shows_the_error_and_keeps_the_scenario() {
    let mut h = window();
    let before = h.state().snapshot().scenario.clone();
    let path = temp_path("bad.ron");
    std::fs::write(
        &path,
        "Scenario(\n    name: \"broken\",\n    nodes: { \"a\": Client(target: \"nobody\") },\n)\n",
    )
    .unwrap();
    open(&mut h, &path);
    let (title, body) = h.state().error().expect("an error is shown");
    assert_eq!(title, "This file did not open");
    assert!(
        body.contains("bad.ron:"),
        "the error names the file: {body}"
    );
    assert!(
        h.query_by_label("This file did not open").is_some(),
        "and it is on screen"
    );
    assert!(
        std::sync::Arc::ptr_eq(&before, &h.state().snapshot().scenario),
        "the scenario is untouched"
    );
    click(&mut h, "OK");
    assert!(h.state().error().is_none());
}

#[test]
fn a_saved_session_replays_headless_to_the_same_json() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 15);
    click_node(&mut h, "cache");
    click(&mut h, "⊗ Crash");
    advance(&mut h, 10);
    click(&mut h, "↻ Restart");
    click(&mut h, "link orders → db");
    click(&mut h, "Partition one way");
    advance(&mut h, 5);
    click(&mut h, "Heal");
    // Play to the scenario's end (the session pauses there).
    for _ in 0..20 {
        advance(&mut h, 10);
    }
    let path = temp_path("session.ron");
    save_as(&mut h, &path);
    assert!(h.state().error().is_none(), "{:?}", h.state().error());

    let live = match h.into_state().into_driver() {
        Driver::Manual { session, .. } => session.finish_summary(),
        Driver::Live(_) => unreachable!("tests use a manual session"),
    };
    let replay = Simulation::new(scenario::load_file(&path).expect("loads").config).run();
    assert_eq!(report::to_json(&live), report::to_json(&replay));
}

#[test]
fn every_widget_has_a_name_and_commands_are_sent() {
    // The harness checks accessibility after each run; also exercise the
    // speed box and a step.
    let mut h = window();
    click(&mut h, "▶▮ Step");
    let s = h.state().snapshot();
    assert_eq!(
        s.now,
        faultlab::sim::time::SimTime::ZERO,
        "a step waits for time to be advanced"
    );
    h.state_mut()
        .driver_mut()
        .advance(SimDuration::from_secs(5));
    assert_eq!(
        h.state().snapshot().now.as_secs_f64(),
        1.0,
        "a step is one window"
    );
    h.state_mut()
        .send(Command::SetSpeed(faultlab::live::Speed::Max));
    h.run();
    assert_eq!(h.state().snapshot().speed, faultlab::live::Speed::Max);
}

#[test]
fn opening_a_smaller_scenario_with_a_node_selected_and_the_hint_shown() {
    let mut h = window_with_hint();
    assert!(h.query_by_label("Got it").is_some(), "the hint is shown");
    click_node(&mut h, "db");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/examples/retry-storm.ron");
    open(&mut h, &path);
    let s = h.state().snapshot();
    assert_eq!(s.scenario.nodes.len(), 3);
    assert_eq!(*h.state().selection(), Selection::None);
    assert!(
        h.query_by_role_and_label(Role::Button, "api").is_some(),
        "the new graph is drawn"
    );
}

/// A 30-node cluster (users → gateway → 4 services → 12 services → 12
/// databases) at 5,000 requests per second, for the frame-time measurement.
fn thirty_nodes() -> String {
    let mut nodes = String::from(
        "\"users\": Client(open: Poisson(per_second: 5000), target: \"gateway\"),\n\
         \"gateway\": Service(workers: 2048, work: Exponential(mean: \"200us\"), \
         calls: [Call(to: \"a0\"), Call(to: \"a1\"), Call(to: \"a2\"), Call(to: \"a3\")]),\n",
    );
    for a in 0..4 {
        let calls: Vec<String> = (0..3)
            .map(|k| format!("Call(to: \"b{}\")", a * 3 + k))
            .collect();
        nodes.push_str(&format!(
            "\"a{a}\": Service(workers: 2048, work: Exponential(mean: \"200us\"), calls: [{}]),\n",
            calls.join(", ")
        ));
    }
    for b in 0..12 {
        nodes.push_str(&format!(
            "\"b{b}\": Service(workers: 1024, work: Exponential(mean: \"200us\"), calls: [Call(to: \"db{b}\")]),\n\
             \"db{b}\": Service(workers: 256, work: Exponential(mean: \"1ms\")),\n"
        ));
    }
    format!(
        "Scenario(version: 1, name: \"Thirty nodes\", seed: 1, duration: \"10m\",\n\
         nodes: {{\n{nodes}}},\n\
         default_link: Link(latency: \"500us\"),\n)\n"
    )
}

/// UI work per frame (layout, graph, plots, accessibility tree; no GPU),
/// with 30 nodes at 5,000 requests per second at 1×. Run with
/// `cargo test --release --test it ui::frame_time -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn frame_time_with_30_nodes_at_5000_requests_per_second() {
    let scenario = scenario::parse_str(&thirty_nodes(), "thirty.ron").expect("loads");
    assert_eq!(scenario.config.nodes.len(), 30);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_max_steps(1_000_000)
        .build_eframe(move |cc| {
            FaultlabApp::with_driver(
                &cc.egui_ctx,
                Driver::manual(scenario.config),
                String::new(),
                None,
            )
        });
    h.run();
    h.state_mut().send(Command::Play);
    // A minute of history in the plots, then frames at 60 per second, 1×.
    h.state_mut()
        .driver_mut()
        .advance(SimDuration::from_secs(60));
    let mut times = Vec::new();
    for frame in 0..300 {
        h.state_mut()
            .driver_mut()
            .advance(SimDuration::from_nanos(16_666_667));
        let t = std::time::Instant::now();
        h.step();
        if frame >= 20 {
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let p95 = times[times.len() * 95 / 100];
    let max = times[times.len() - 1];
    let s = h.state().snapshot();
    let rate: f64 = s
        .edges
        .iter()
        .filter(|e| e.from.index() == 0)
        .map(|e| e.attempts_per_s)
        .sum();
    println!(
        "frame time over {} frames: mean {mean:.2} ms, p95 {p95:.2} ms, max {max:.2} ms \
         ({} nodes, {rate:.0} requests/s, {} windows plotted)",
        times.len(),
        s.nodes.len(),
        s.windows.len()
    );
}

/// Opens a window from the View menu by its check box.
fn view_toggle(h: &mut Harness<'_, FaultlabApp>, label: &str) {
    h.get_by_label("View").click();
    h.run();
    h.get_by_role_and_label(Role::CheckBox, label).click();
    h.run();
    h.key_press(egui::Key::Escape);
    h.run();
}

#[test]
fn the_traces_window_lists_requests_and_draws_a_waterfall() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 20);
    view_toggle(&mut h, "Traces");
    let snap = h.state().snapshot();
    assert!(!snap.traces.is_empty(), "the live run keeps traces");
    h.get_by_label("Slowest");
    h.get_by_label("Pick a request above.");
    // The slowest kept request is listed first; pick it.
    let slowest = snap
        .traces
        .iter()
        .filter(|t| t.result.is_some_and(|r| r.is_ok()))
        .max_by_key(|t| t.latency())
        .expect("a successful trace");
    let ms = format!("{:.2} ms", slowest.latency().as_millis_f64());
    h.get_by_label_contains(&ms).click();
    h.run();
    // Its waterfall: one row per span, starting with the client's request.
    assert!(h.query_by_label("Pick a request above.").is_none());
    h.get_by_label_contains("users request");
    let serves = slowest
        .spans
        .iter()
        .filter(|s| s.kind == faultlab::metrics::trace::SpanKind::Serve)
        .count();
    assert!(serves >= 2, "the slowest request went through several hops");
    assert_eq!(h.query_all_by_label_contains(" serves · ").count(), serves);
}

#[test]
fn the_red_use_window_shows_every_node_but_the_clients() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 5);
    view_toggle(&mut h, "RED / USE");
    h.get_by_label("utilization");
    let snap = h.state().snapshot();
    let last = snap.windows.last().expect("a closed window");
    for (name, s) in &last.services {
        let rate = format!("{:.1}", s.arrivals as f64 / (last.end_s - last.start_s));
        assert!(
            h.query_all_by_label(&rate).count() > 0,
            "{name}: rate {rate} not shown"
        );
    }
}

#[test]
fn keys_t_and_r_open_the_traces_and_red_use_windows() {
    let mut h = window();
    click(&mut h, "▶ Play");
    advance(&mut h, 3);
    h.key_press(egui::Key::T);
    h.run();
    h.get_by_label("Slowest");
    h.key_press(egui::Key::R);
    h.run();
    h.get_by_label("utilization");
}
