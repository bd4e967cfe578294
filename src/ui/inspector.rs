//! The inspector: what is selected, its live figures, its knobs and its
//! fault buttons. Knob edits are drafts until applied; every button sends
//! one [`Action`], which the run applies now and records on the timeline.

use egui::{Button, CollapsingHeader, Grid, RichText, ScrollArea, Ui};

use super::drafts::{
    ClockDraft, Drafts, History, LinkDraft, LoadDraft, ServiceDraft, UNBOUNDED_QUEUE, through_draft,
};
use super::effective::Effective;
use super::selection::Selection;
use super::topology::{Role, Topology};
use super::{dist_edit, palette, policy, widgets};
use crate::live::{Health, Snapshot};
use crate::scenario::limits;
use crate::sim::config::{
    Action, DetectorConfig, Load, NodeId, NodeKind, Operation, ServiceConfig,
};

/// Slowest slow factor offered (the scenario files' limit).
const MAX_SLOW: f64 = limits::MAX_SLOW_FACTOR;
/// Most workers offered (the scenario files' limit).
const MAX_WORKERS: u32 = limits::MAX_WORKERS as u32;

/// The inspector's state: pending knob edits and their history.
#[derive(Default)]
pub struct Inspector {
    /// Edits not yet applied.
    pub drafts: Drafts,
    /// Undo / redo of those edits.
    pub history: History,
    /// The rollout being prepared for the selected service.
    pub deploy: super::deploy_panel::DeployDraft,
}

/// What the inspector reads.
pub struct View<'a> {
    /// The run now.
    pub snapshot: &'a Snapshot,
    /// Knobs in force now.
    pub effective: &'a Effective,
    /// Roles and callees.
    pub topology: &'a Topology,
}

impl View<'_> {
    fn name(&self, id: NodeId) -> &str {
        self.snapshot
            .scenario
            .nodes
            .get(id.index())
            .map_or("?", |n| n.name.as_str())
    }

    fn role(&self, id: NodeId) -> Role {
        self.topology
            .roles
            .get(id.index())
            .copied()
            .unwrap_or(Role::Service)
    }

    fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.snapshot.cuts.contains(&(from, to))
    }
}

impl Inspector {
    /// Shows the inspector for `selection`; actions to apply go to `out`.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        view: &View<'_>,
        selection: &mut Selection,
        out: &mut Vec<Action>,
    ) {
        let before = self.drafts.clone();
        ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| match selection.clone() {
                Selection::None => self.scenario(ui, view, selection, out),
                Selection::Node(id) => self.node(ui, view, id, out),
                Selection::Link { from, to } => self.link(ui, view, from, to, out),
                Selection::Nodes(set) => {
                    let ids: Vec<NodeId> = set.into_iter().collect();
                    self.group(ui, view, &ids, out);
                }
            });
        let pointer_down = ui.input(|i| i.pointer.any_down());
        self.history.track(&before, &self.drafts, pointer_down);
    }

    fn scenario(
        &mut self,
        ui: &mut Ui,
        view: &View<'_>,
        selection: &mut Selection,
        out: &mut Vec<Action>,
    ) {
        let s = view.snapshot;
        ui.heading(&s.scenario.name);
        ui.label(format!(
            "{} nodes · runs {} s · seed {}",
            s.scenario.nodes.len(),
            s.scenario.duration.as_secs_f64(),
            s.seed
        ));
        ui.add_space(6.0);
        ui.label(
            RichText::new("Click a node or a link in the graph to inspect it and break it.")
                .strong(),
        );
        ui.label("Shift-click (or shift-drag a box) to select several nodes.");
        if !s.cuts.is_empty() {
            ui.add_space(6.0);
            ui.colored_label(
                palette::VERMILLION,
                format!("⊘ {} directed links are cut.", s.cuts.len()),
            );
            if ui.button("Heal all partitions").clicked() {
                out.push(Action::Heal(None));
            }
        }
        super::zones::show(ui, s, out);
        ui.add_space(8.0);
        ui.label(RichText::new("Nodes").strong());
        for (i, n) in s.scenario.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            let state = &s.nodes[i.min(s.nodes.len().saturating_sub(1))];
            let text = format!(
                "{} {} — {} · {}",
                palette::health_mark(state.health),
                n.name,
                view.role(id).label(),
                state.health.label()
            );
            if ui
                .add(Button::selectable(
                    false,
                    RichText::new(text).color(health_text(ui, state.health)),
                ))
                .clicked()
            {
                *selection = Selection::Node(id);
            }
        }
    }

    fn node(&mut self, ui: &mut Ui, view: &View<'_>, id: NodeId, out: &mut Vec<Action>) {
        let s = view.snapshot;
        let (Some(cfg), Some(state)) = (s.scenario.nodes.get(id.index()), s.nodes.get(id.index()))
        else {
            return;
        };
        let role = view.role(id);
        ui.heading(format!("{} ({})", cfg.name, role.label()));
        ui.horizontal(|ui| {
            ui.colored_label(
                health_text(ui, state.health),
                RichText::new(format!(
                    "{} {}",
                    palette::health_mark(state.health),
                    state.health.label()
                ))
                .strong(),
            );
            if let Some(zone) = &cfg.zone {
                ui.label(format!("· zone {zone}"));
            }
        });

        // Live figures.
        Grid::new("node-now")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                if let Some(w) = state.workers {
                    ui.label("workers busy");
                    ui.label(format!("{} of {w}", state.busy));
                    ui.end_row();
                    ui.label("utilization");
                    ui.label(format!("{:.0}%", state.utilization * 100.0));
                    ui.end_row();
                } else if !role.is_caller_only() {
                    ui.label("in progress");
                    ui.label(state.busy.to_string());
                    ui.end_row();
                }
                if !role.is_caller_only() {
                    ui.label("waiting in queue");
                    ui.label(state.queued.to_string());
                    ui.end_row();
                }
                if role != Role::Monitor {
                    ui.label(if role == Role::Client {
                        "requests / s"
                    } else {
                        "arrivals / s"
                    });
                    ui.label(format!("{:.1}", state.arrivals_per_s));
                    ui.end_row();
                }
                ui.label("answers failed");
                ui.label(format!("{:.2}%", state.error_fraction * 100.0));
                ui.end_row();
                if let Some(r) = state.raft {
                    ui.label("raft");
                    ui.label(format!(
                        "{} · term {} · commit {}",
                        r.role, r.term, r.commit
                    ));
                    ui.end_row();
                }
            });
        if let Some(d) = &state.detail {
            super::replica_view::show(ui, s, d);
        }
        super::pool_view::show(ui, s, &state.pool);

        ui.add_space(6.0);
        ui.label(RichText::new("Break it").strong());
        ui.horizontal_wrapped(|ui| {
            if state.up {
                if ui
                    .add(Button::new(
                        RichText::new("⊗ Crash").color(palette::VERMILLION),
                    ))
                    .on_hover_text("Stop the node now: work in progress and its queue are lost.")
                    .clicked()
                {
                    out.push(Action::Crash(id));
                }
            } else if ui
                .button("↻ Restart")
                .on_hover_text("Start the node again, empty (caches cold).")
                .clicked()
            {
                out.push(Action::Restart(id));
            }
        });

        // Slow factor (a gray failure).
        if !role.is_caller_only() {
            let current = state.slow;
            let mut pending = false;
            Grid::new("node-slow").num_columns(2).show(ui, |ui| {
                pending = through_draft(&mut self.drafts.slow, id, &current, |f| {
                    widgets::number(ui, "slow factor", f, 1.0..=MAX_SLOW, 0.05, " ×", 2)
                        .on_hover_text(
                            "Multiply its work time: 1 × is normal, 4 × is a gray failure.",
                        );
                });
            });
            ui.horizontal(|ui| {
                let factor = self
                    .drafts
                    .slow
                    .get(&id)
                    .copied()
                    .unwrap_or(current.max(4.0));
                let label = if pending {
                    format!("Slow ×{factor:.1}")
                } else {
                    "Slow ×4".to_string()
                };
                let target = if pending {
                    factor
                } else if current > 1.0 {
                    current
                } else {
                    4.0
                };
                if ui
                    .add_enabled(pending || current <= 1.0, Button::new(label))
                    .on_hover_text("Apply the slow factor now (4 × if unchanged).")
                    .clicked()
                {
                    out.push(Action::Slow {
                        node: id,
                        factor: target,
                    });
                    self.drafts.slow.remove(&id);
                }
                if ui
                    .add_enabled(current != 1.0, Button::new("Normal speed"))
                    .clicked()
                {
                    out.push(Action::Slow {
                        node: id,
                        factor: 1.0,
                    });
                    self.drafts.slow.remove(&id);
                }
            });
        }

        // Capacity and behaviour of a service.
        if let Some(service) = view.effective.services.get(&id) {
            ui.add_space(4.0);
            CollapsingHeader::new("Capacity")
                .id_salt(("capacity", id))
                .default_open(true)
                .show(ui, |ui| self.service_editor(ui, id, service, out));
        }

        // Versions and rollouts of a service with several versions.
        if let Some(deploy) = &state.deploy {
            ui.add_space(4.0);
            CollapsingHeader::new("Deployments")
                .id_salt(("deployments", id))
                .default_open(true)
                .show(ui, |ui| {
                    super::deploy_panel::show(ui, &mut self.deploy, id, deploy, out);
                });
        }

        // Clock.
        ui.add_space(4.0);
        CollapsingHeader::new("Clock")
            .id_salt(("clock", id))
            .default_open(false)
            .show(ui, |ui| {
                let current = ClockDraft {
                    offset_ms: state.clock_offset_ms,
                    drift_ppm: state.drift_ppm,
                };
                let mut pending = false;
                Grid::new("node-clock").num_columns(2).show(ui, |ui| {
                    pending = through_draft(&mut self.drafts.clock, id, &current, |c| {
                        widgets::number(
                            ui,
                            "offset",
                            &mut c.offset_ms,
                            -3_600_000.0..=3_600_000.0,
                            1.0,
                            " ms",
                            3,
                        )
                        .on_hover_text("Local clock minus true time.");
                        let mut drift = c.drift_ppm as f64;
                        if widgets::number(
                            ui,
                            "drift",
                            &mut drift,
                            -500_000.0..=500_000.0,
                            10.0,
                            " ppm",
                            0,
                        )
                        .on_hover_text(
                            "Rate error: +100000 ppm runs 10% fast, so timeouts fire early.",
                        )
                        .changed()
                        {
                            c.drift_ppm = drift.round() as i64;
                        }
                    });
                });
                if ui
                    .add_enabled(pending, Button::new("Apply clock"))
                    .clicked()
                    && let Some(c) = self.drafts.clock.remove(&id)
                {
                    out.push(Action::SetClock {
                        node: id,
                        offset_ns: (c.offset_ms != current.offset_ms)
                            .then_some((c.offset_ms * 1e6).round() as i64),
                        drift_ppm: (c.drift_ppm != current.drift_ppm).then_some(c.drift_ppm),
                    });
                }
            });

        // Workload of a client.
        if let (NodeKind::Client(_), Some(load)) = (&cfg.kind, view.effective.loads.get(&id)) {
            ui.add_space(4.0);
            ui.label(RichText::new("Workload").strong());
            self.load_editor(ui, id, load, out);
        }

        // Configuration that only a file can change.
        ui.add_space(4.0);
        CollapsingHeader::new("Configuration")
            .id_salt(("config", id))
            .default_open(false)
            .show(ui, |ui| config_grid(ui, view, &cfg.kind));

        // Outgoing calls, each with its policy.
        let callees = view.topology.callees(id);
        if !callees.is_empty() {
            ui.add_space(4.0);
            ui.label(RichText::new("Calls").strong());
            let only = callees.len() == 1;
            for callee in callees {
                let Some(current) = view.effective.policies.get(&(id, callee)) else {
                    continue;
                };
                let pending = self.drafts.policies.contains_key(&(id, callee));
                let title = format!(
                    "→ {}{}",
                    view.name(callee),
                    if pending { " (edited)" } else { "" }
                );
                CollapsingHeader::new(title)
                    .id_salt(("calls", id, callee))
                    .default_open(only)
                    .show(ui, |ui| self.policy_editor(ui, view, id, callee, out));
                if !only {
                    ui.weak(policy::summary(current));
                }
            }
        }
    }

    fn service_editor(
        &mut self,
        ui: &mut Ui,
        id: NodeId,
        service: &ServiceConfig,
        out: &mut Vec<Action>,
    ) {
        let current = ServiceDraft::of(service);
        let mut pending = false;
        Grid::new(("service-knobs", id))
            .num_columns(2)
            .show(ui, |ui| {
                pending = through_draft(&mut self.drafts.services, id, &current, |d| {
                    widgets::integer(ui, "workers", &mut d.workers, 1..=MAX_WORKERS, "")
                        .on_hover_text("Requests it works on at once (c in M/M/c).");
                    widgets::integer(ui, "queue capacity", &mut d.queue, 0..=UNBOUNDED_QUEUE, "")
                        .on_hover_text(format!(
                            "Requests that may wait for a worker; more are refused. \
                             {UNBOUNDED_QUEUE} is the most any queue holds (\"unbounded\")."
                        ));
                    dist_edit::edit(ui, &format!("work-{}", id.0), "work time", &mut d.work);
                    widgets::percent(ui, "error rate", &mut d.error_rate)
                        .on_hover_text("Chance that a request's work fails.");
                });
            });
        if ui
            .add_enabled(pending, Button::new("Apply capacity"))
            .on_hover_text("Change these knobs now; the change is recorded on the timeline.")
            .clicked()
            && let Some(d) = self.drafts.services.remove(&id)
        {
            let change = d.change_from(&current);
            if !change.is_empty() {
                out.push(Action::SetService { node: id, change });
            }
        }
    }

    fn load_editor(&mut self, ui: &mut Ui, id: NodeId, load: &Load, out: &mut Vec<Action>) {
        let current = match load {
            Load::Open { arrivals } => LoadDraft::Rate(arrivals.rate_per_s()),
            Load::Closed { users, .. } => LoadDraft::Users(*users),
        };
        let mut pending = false;
        Grid::new("client-load").num_columns(2).show(ui, |ui| {
            pending = through_draft(&mut self.drafts.loads, id, &current, |d| match d {
                LoadDraft::Rate(r) => {
                    widgets::number(
                        ui,
                        "requests per second",
                        r,
                        0.0..=1_000_000.0,
                        (*r * 0.01).max(0.1),
                        " /s",
                        1,
                    )
                    .on_hover_text("Open loop: requests keep arriving whatever the answers.");
                }
                LoadDraft::Users(u) => {
                    widgets::integer(ui, "users", u, 0..=100_000, "").on_hover_text(
                        "Closed loop: each user waits for an answer, thinks, then asks again.",
                    );
                }
            });
        });
        let kind = match load {
            Load::Open { .. } => "open loop",
            Load::Closed { .. } => "closed loop",
        };
        ui.horizontal(|ui| {
            ui.weak(kind);
            if ui.add_enabled(pending, Button::new("Apply load")).clicked()
                && let Some(d) = self.drafts.loads.remove(&id)
            {
                let load = match (d, load) {
                    (LoadDraft::Rate(r), Load::Open { arrivals }) => Load::Open {
                        arrivals: arrivals.with_rate(r),
                    },
                    (LoadDraft::Users(u), Load::Closed { think, .. }) => Load::Closed {
                        users: u,
                        think: think.clone(),
                    },
                    _ => return,
                };
                out.push(Action::SetLoad { client: id, load });
            }
        });
    }

    fn policy_editor(
        &mut self,
        ui: &mut Ui,
        view: &View<'_>,
        caller: NodeId,
        callee: NodeId,
        out: &mut Vec<Action>,
    ) {
        let key = (caller, callee);
        let Some(current) = view.effective.policies.get(&key) else {
            ui.weak("No call policy.");
            return;
        };
        let salt = format!("{}-{}", caller.0, callee.0);
        let pending = through_draft(&mut self.drafts.policies, key, current, |p| {
            policy::edit(ui, &salt, p);
        });
        ui.horizontal(|ui| {
            let apply = format!("Apply policy → {}", view.name(callee));
            if ui.add_enabled(pending, Button::new(apply)).clicked()
                && let Some(p) = self.drafts.policies.remove(&key)
            {
                out.push(Action::SetPolicy {
                    caller,
                    callee,
                    policy: p,
                });
            }
            if ui.add_enabled(pending, Button::new("Revert")).clicked() {
                self.drafts.policies.remove(&key);
            }
        });
    }

    fn link(
        &mut self,
        ui: &mut Ui,
        view: &View<'_>,
        from: NodeId,
        to: NodeId,
        out: &mut Vec<Action>,
    ) {
        let s = view.snapshot;
        let (a, b) = (view.name(from).to_string(), view.name(to).to_string());
        ui.heading(format!("{a} → {b}"));
        ui.label(format!("Requests go {a} → {b}; replies come back."));
        if let Some(e) = s.edges.iter().find(|e| e.from == from && e.to == to) {
            Grid::new("link-now")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    ui.label("attempts / s");
                    ui.label(format!("{:.1}", e.attempts_per_s));
                    ui.end_row();
                    ui.label("attempts failed");
                    ui.label(format!("{:.2}%", e.error_fraction.clamp(0.0, 1.0) * 100.0));
                    ui.end_row();
                });
        }

        ui.add_space(6.0);
        ui.label(RichText::new("Network").strong());
        let (fwd, back) = (view.is_cut(from, to), view.is_cut(to, from));
        let word = |cut: bool| if cut { "⊘ cut" } else { "→ flowing" };
        Grid::new("link-state").num_columns(2).show(ui, |ui| {
            ui.label(format!("requests {a} → {b}"));
            ui.colored_label(
                if fwd {
                    palette::VERMILLION
                } else {
                    ui.visuals().text_color()
                },
                word(fwd),
            );
            ui.end_row();
            ui.label(format!("replies {b} → {a}"));
            ui.colored_label(
                if back {
                    palette::VERMILLION
                } else {
                    ui.visuals().text_color()
                },
                word(back),
            );
            ui.end_row();
        });
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!(fwd && back), Button::new("Partition both ways"))
                .on_hover_text("Cut the network between them in both directions.")
                .clicked()
            {
                out.push(Action::Partition(vec![(from, to), (to, from)]));
            }
            if ui
                .add_enabled(!fwd, Button::new("Partition one way"))
                .on_hover_text(format!("Cut only requests {a} → {b}: calls time out, nothing executes."))
                .clicked()
            {
                out.push(Action::Partition(vec![(from, to)]));
            }
            if ui
                .add_enabled(!back, Button::new("Cut replies only"))
                .on_hover_text(format!(
                    "Cut only replies {b} → {a}: the work is done but {a} never hears — an ambiguous outcome."
                ))
                .clicked()
            {
                out.push(Action::Partition(vec![(to, from)]));
            }
            if ui.add_enabled(fwd || back, Button::new("Heal")).clicked() {
                out.push(Action::Heal(Some(vec![(from, to), (to, from)])));
            }
        });

        // The call policy of this edge.
        let key = (from, to);
        if view.effective.policies.contains_key(&key) {
            ui.add_space(6.0);
            ui.label(RichText::new(format!("How {a} calls {b}")).strong());
            self.policy_editor(ui, view, from, to, out);
        }

        // Link models both ways.
        ui.add_space(6.0);
        ui.label(RichText::new("Latency, loss, duplication").strong());
        let current = LinkDraft {
            forward: view.effective.link(from, to).clone(),
            backward: view.effective.link(to, from).clone(),
            same: view.effective.link(from, to) == view.effective.link(to, from),
        };
        let pending = through_draft(&mut self.drafts.links, key, &current, |d| {
            ui.checkbox(&mut d.same, "same both ways");
            Grid::new("link-forward").num_columns(2).show(ui, |ui| {
                let title = if d.same {
                    "latency".to_string()
                } else {
                    format!("latency {a} → {b}")
                };
                dist_edit::edit(ui, "fwd", &title, &mut d.forward.latency);
                widgets::percent(
                    ui,
                    if d.same { "loss" } else { "loss →" },
                    &mut d.forward.loss,
                );
                widgets::percent(
                    ui,
                    if d.same {
                        "duplicates"
                    } else {
                        "duplicates →"
                    },
                    &mut d.forward.duplicate,
                );
            });
            if d.same {
                d.backward = d.forward.clone();
            } else {
                Grid::new("link-backward").num_columns(2).show(ui, |ui| {
                    dist_edit::edit(
                        ui,
                        "back",
                        &format!("latency {b} → {a}"),
                        &mut d.backward.latency,
                    );
                    widgets::percent(ui, "loss ←", &mut d.backward.loss);
                    widgets::percent(ui, "duplicates ←", &mut d.backward.duplicate);
                });
            }
        });
        ui.horizontal(|ui| {
            if ui.add_enabled(pending, Button::new("Apply link")).clicked()
                && let Some(d) = self.drafts.links.remove(&key)
            {
                for (f, t, model, old) in [
                    (from, to, &d.forward, &current.forward),
                    (to, from, &d.backward, &current.backward),
                ] {
                    if model != old {
                        out.push(Action::SetLink {
                            from: f,
                            to: t,
                            latency: (model.latency != old.latency).then(|| model.latency.clone()),
                            loss: (model.loss != old.loss).then_some(model.loss),
                            duplicate: (model.duplicate != old.duplicate)
                                .then_some(model.duplicate),
                        });
                    }
                }
            }
            if ui
                .add_enabled(pending, Button::new("Revert link"))
                .clicked()
            {
                self.drafts.links.remove(&key);
            }
        });
    }

    fn group(&mut self, ui: &mut Ui, view: &View<'_>, ids: &[NodeId], out: &mut Vec<Action>) {
        let names: Vec<&str> = ids.iter().map(|&i| view.name(i)).collect();
        ui.heading(format!("{} nodes selected", ids.len()));
        ui.label(names.join(", "));
        ui.add_space(6.0);
        let n = view.snapshot.scenario.nodes.len();
        let inside = |i: usize| ids.contains(&NodeId(i as u32));
        let mut pairs = Vec::new();
        for a in (0..n).filter(|&a| inside(a)) {
            for b in (0..n).filter(|&b| !inside(b)) {
                pairs.push((NodeId(a as u32), NodeId(b as u32)));
                pairs.push((NodeId(b as u32), NodeId(a as u32)));
            }
        }
        if ui
            .add_enabled(
                !pairs.is_empty(),
                Button::new("Partition these from the rest"),
            )
            .on_hover_text("Cut every link between these nodes and all the others, both ways.")
            .clicked()
        {
            out.push(Action::Partition(pairs.clone()));
        }
        let any_cut = pairs.iter().any(|p| view.snapshot.cuts.contains(p));
        if ui.add_enabled(any_cut, Button::new("Heal these")).clicked() {
            out.push(Action::Heal(Some(pairs)));
        }
        ui.horizontal(|ui| {
            if ui.button("⊗ Crash these").clicked() {
                out.extend(ids.iter().map(|&i| Action::Crash(i)));
            }
            if ui.button("↻ Restart these").clicked() {
                out.extend(ids.iter().map(|&i| Action::Restart(i)));
            }
        });
    }
}

/// Readable text colour for a health state (grey is too faint as text).
fn health_text(ui: &Ui, h: Health) -> egui::Color32 {
    if h == Health::Crashed || h == Health::Healthy && !ui.visuals().dark_mode {
        ui.visuals().strong_text_color()
    } else if h == Health::Healthy {
        palette::SKY
    } else {
        palette::health(h)
    }
}

fn config_grid(ui: &mut Ui, view: &View<'_>, kind: &NodeKind) {
    let row = |ui: &mut Ui, k: &str, v: String| {
        ui.label(k);
        ui.label(v);
        ui.end_row();
    };
    Grid::new("node-config")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| match kind {
            NodeKind::Service(s) => {
                row(
                    ui,
                    "operation",
                    match s.operation {
                        Operation::Idempotent => "idempotent".to_string(),
                        Operation::NonIdempotent => "not idempotent (repeats do harm)".to_string(),
                    },
                );
                row(
                    ui,
                    "remembers keys",
                    if s.idempotency_keys { "yes" } else { "no" }.to_string(),
                );
            }
            NodeKind::Cache(c) => {
                row(ui, "entries", c.capacity.to_string());
                row(ui, "fresh for", widgets::fmt_ms(c.ttl.as_millis_f64()));
                row(ui, "hit time", widgets::describe_dist(&c.hit_time));
                row(
                    ui,
                    "serves stale",
                    if c.serve_stale { "yes" } else { "no" }.to_string(),
                );
            }
            NodeKind::Queue(q) => {
                row(ui, "consumer", view.name(q.consumer).to_string());
                row(ui, "concurrency", q.concurrency.to_string());
                row(ui, "deliveries at most", q.max_deliveries.to_string());
                row(
                    ui,
                    "ack timeout",
                    widgets::fmt_ms(q.ack_timeout.as_millis_f64()),
                );
            }
            NodeKind::Balancer(b) => {
                let pool: Vec<&str> = b.pool.iter().map(|&r| view.name(r)).collect();
                row(ui, "pool", pool.join(", "));
                row(ui, "strategy", format!("{:?}", b.strategy));
                if let Some(e) = b.ejection {
                    row(
                        ui,
                        "ejects after",
                        format!("{} failures in a row", e.consecutive_failures),
                    );
                    row(
                        ui,
                        "ejected for",
                        widgets::fmt_ms(e.duration.as_millis_f64()),
                    );
                    row(
                        ui,
                        "ejected at most",
                        format!("{:.0}%", e.max_fraction * 100.0),
                    );
                }
                if let Some(h) = b.health {
                    let rule = match h.detector {
                        DetectorConfig::FixedTimeout { timeout } => {
                            format!("silent > {}", widgets::fmt_ms(timeout.as_millis_f64()))
                        }
                        DetectorConfig::PhiAccrual { threshold, .. } => format!("φ > {threshold}"),
                    };
                    row(
                        ui,
                        "health checks",
                        format!(
                            "every {} · suspect when {rule}",
                            widgets::fmt_ms(h.every.as_millis_f64())
                        ),
                    );
                }
            }
            NodeKind::Client(c) => {
                row(ui, "target", view.name(c.target).to_string());
                row(ui, "writes", format!("{:.1}%", c.write_fraction * 100.0));
                if let Some(m) = c.max_in_flight {
                    row(ui, "in flight at most", m.to_string());
                }
            }
            NodeKind::StoreClient(c) => {
                row(ui, "target", view.name(c.target).to_string());
                row(ui, "writes", format!("{:.1}%", c.write_fraction * 100.0));
            }
            NodeKind::Replica(r) => {
                row(ui, "replicas", (r.peers.len() + 1).to_string());
                row(
                    ui,
                    "quorums",
                    format!("R={} W={}", r.read_quorum, r.write_quorum),
                );
                row(ui, "resolve", format!("{:?}", r.resolve));
                row(ui, "on partition", format!("{:?}", r.mode));
            }
            NodeKind::Raft(r) => {
                row(ui, "cluster", (r.peers.len() + 1).to_string());
                row(
                    ui,
                    "election timeout",
                    format!(
                        "{} – {}",
                        widgets::fmt_ms(r.election_min.as_millis_f64()),
                        widgets::fmt_ms(r.election_max.as_millis_f64())
                    ),
                );
                row(
                    ui,
                    "heartbeat",
                    widgets::fmt_ms(r.heartbeat.as_millis_f64()),
                );
            }
            NodeKind::Monitor(m) => {
                row(ui, "watches", m.watch.len().to_string());
                row(ui, "detector", format!("{:?}", m.detector));
            }
        });
    ui.weak("These come from the scenario file.");
}
