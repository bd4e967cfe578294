//! The window: an [`eframe::App`] that lays out the top bar, the graph, the
//! inspector, the plots and the timeline, reads the latest snapshot once per
//! frame, and sends what the learner asks for as [`Command`]s. It never
//! touches the simulation itself (DESIGN.md, principle 4).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{
    Align2, Button, CentralPanel, Context, Frame, Id, Key, Margin, Modal, Panel, RichText,
    TextEdit, Ui, ViewportCommand, vec2,
};
use serde::{Deserialize, Serialize};

use super::compare::CompareView;
use super::driver::Driver;
use super::effective::Effective;
use super::export;
use super::files::{self, Files, Picked, Purpose};
use super::graph::GraphView;
use super::inspector::{Inspector, View};
use super::lab_panel::{LabPanel, LabRequest};
use super::metastability::MetastabilityView;
use super::pace::Pace;
use super::palette;
use super::plots::{Marker, Plots};
use super::selection::Selection;
use super::timeline::{self, TimelineEvent};
use super::topbar::{self, Intent, ViewToggles};
use super::topology::Role;
use super::trace_path::TracePath;
use super::traces::TracesView;
use crate::live::{Command, Snapshot};
use crate::scenario::Scenario;
use crate::sim::config::{Action, TimedAction};

/// How long a status message stays, in seconds.
const STATUS_SECONDS: f64 = 8.0;

/// Key under which the window's preferences are stored between launches.
const STORAGE_KEY: &str = "faultlab-window";

/// What is remembered between launches (eframe also keeps the window's
/// size and position, and egui its panel sizes).
#[derive(Serialize, Deserialize)]
#[serde(default)]
struct Remembered {
    recent: Vec<PathBuf>,
    hint_dismissed: bool,
    show_inspector: bool,
    show_plots: bool,
    log_latency: bool,
}

impl Default for Remembered {
    fn default() -> Self {
        Remembered {
            recent: Vec::new(),
            hint_dismissed: false,
            show_inspector: true,
            show_plots: true,
            log_latency: true,
        }
    }
}

/// Something that would lose unsaved actions, waiting for the learner's word.
#[derive(Clone, Debug)]
enum Confirm {
    /// Open a file (ask which, when `None`).
    Open(Option<PathBuf>),
    /// Close the window.
    Close,
    /// Start again without the actions.
    Reset,
}

/// An error shown in a window until dismissed.
struct ErrorNote {
    title: String,
    body: String,
}

/// The faultlab window.
pub struct FaultlabApp {
    driver: Driver,
    graph: GraphView,
    inspector: Inspector,
    selection: Selection,
    plots: Plots,
    files: Files,
    seed: u64,
    /// The run's seed when the seed field was last set from it.
    seed_seen: u64,
    hint: bool,
    show_inspector: bool,
    show_plots: bool,
    shortcuts_open: bool,
    about_open: bool,
    error: Option<ErrorNote>,
    confirm: Option<Confirm>,
    allow_close: bool,
    /// A short message (saved, opened, undid) and when it was set (egui time).
    status: Option<(String, f64)>,
    /// Actions undone with Ctrl+Z, redone with Ctrl+Y while still at that time.
    redo_actions: Vec<TimedAction>,
    /// Achieved speed and frame rate.
    pace: Pace,
    /// Show the frame rate (View menu).
    show_fps: bool,
    traces: TracesView,
    meta: MetastabilityView,
    compare: CompareView,
    /// Results of exports running on other threads.
    exports: export::Outbox,
    /// egui's time at the start of this frame (for status messages).
    status_clock: f64,
    /// Repaint every frame while playing (the dots move). Off in tests.
    animate: bool,
    /// The lab panel on the left.
    lab: LabPanel,
    /// Unsaved work kept across a crash (off in tests unless enabled).
    autosave: super::autosave::Autosave,
}

impl FaultlabApp {
    /// The window for a live run of `scenario` (opened from `path`, if a
    /// file), started at once.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        scenario: Scenario,
        path: Option<PathBuf>,
    ) -> Self {
        let ctx = cc.egui_ctx.clone();
        let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ctx.request_repaint());
        let description = scenario.description.clone();
        let mut driver = Driver::live(scenario.config, repaint);
        driver.send(Command::Play);
        let remembered: Remembered = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let mut app = Self::with_driver(&cc.egui_ctx, driver, description, path);
        app.apply_remembered(remembered);
        app.lab.restore(cc.storage);
        app.files.native = true;
        app.animate = true;
        if let Some(path) = super::autosave::Autosave::default_path() {
            app.enable_autosave(path);
        }
        app
    }

    /// The window over any driver, with no native dialogs, no animation and
    /// nothing remembered: what tests build.
    pub fn with_driver(
        ctx: &Context,
        driver: Driver,
        description: String,
        path: Option<PathBuf>,
    ) -> Self {
        super::style::setup(ctx);
        let snapshot = driver.latest();
        let mut files = Files::default();
        files.path = path.clone();
        files.description = description;
        if let Some(p) = &path {
            files.remember(p);
        }
        files.mark_saved(&snapshot);
        FaultlabApp {
            seed: snapshot.seed,
            seed_seen: snapshot.seed,
            driver,
            graph: GraphView::default(),
            inspector: Inspector::default(),
            selection: Selection::None,
            plots: Plots::default(),
            files,
            hint: true,
            show_inspector: true,
            show_plots: true,
            shortcuts_open: false,
            about_open: false,
            error: None,
            confirm: None,
            allow_close: false,
            status: None,
            redo_actions: Vec::new(),
            status_clock: 0.0,
            exports: export::Outbox::default(),
            pace: Pace::default(),
            show_fps: false,
            traces: TracesView::default(),
            meta: MetastabilityView::default(),
            compare: CompareView::default(),
            animate: false,
            lab: LabPanel::default(),
            autosave: Default::default(),
        }
    }

    /// Autosaves unsaved work to `path`, and offers to restore work found
    /// there (a session that crashed). `new` uses faultlab's data folder.
    pub fn enable_autosave(&mut self, path: PathBuf) {
        self.autosave = super::autosave::Autosave::at(path);
    }

    fn apply_remembered(&mut self, r: Remembered) {
        for p in r.recent.iter().rev() {
            if p.exists() {
                self.files.remember(p);
            }
        }
        self.hint = !r.hint_dismissed;
        self.show_inspector = r.show_inspector;
        self.show_plots = r.show_plots;
        self.plots.log_latency = r.log_latency;
    }

    /// The driver (tests advance a manual session through it).
    pub fn driver_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }

    /// The driver, taking the window apart (tests finish a manual session).
    pub fn into_driver(self) -> Driver {
        self.driver
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.driver.latest()
    }

    /// What is selected.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The error shown, if any: its title and text.
    pub fn error(&self) -> Option<(&str, &str)> {
        self.error
            .as_ref()
            .map(|e| (e.title.as_str(), e.body.as_str()))
    }

    /// The file the scenario came from or was saved to.
    pub fn path(&self) -> Option<&Path> {
        self.files.path.as_deref()
    }

    /// Whether the learner has actions not yet saved.
    pub fn unsaved(&self) -> bool {
        self.files.unsaved(&self.driver.latest())
    }

    /// Sends a command to the run.
    pub fn send(&mut self, command: Command) {
        self.driver.send(command);
    }

    fn ui_frame(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let snap = self.driver.latest();
        // The topology first: everything this frame reads it for this snapshot.
        self.graph.sync(&snap);
        self.pace.frame(snap.now);
        self.selection
            .retain_valid(snap.scenario.nodes.len().min(snap.nodes.len()));
        // Follow the run's seed (changed by reset, open, or the seed field).
        if snap.seed != self.seed_seen {
            self.seed = snap.seed;
            self.seed_seen = snap.seed;
        }
        let now = ctx.input(|i| i.time);
        self.status_clock = now;
        if self
            .status
            .as_ref()
            .is_some_and(|(_, at)| now - at > STATUS_SECONDS)
        {
            self.status = None;
        }
        for result in self.exports.take() {
            match result {
                Ok(message) => self.set_status(message),
                Err(message) => {
                    self.error = Some(ErrorNote {
                        title: "Could not export".to_string(),
                        body: message,
                    });
                }
            }
        }
        let mut intents: Vec<Intent> = Vec::new();
        let mut actions: Vec<Action> = Vec::new();

        self.keyboard(&ctx, &snap, &mut intents);
        self.dropped_files(&ctx, &mut intents);
        self.close_request(&ctx, &snap);

        Panel::top("menu").show(ui, |ui| {
            let can_undo = !self.inspector.drafts.is_empty() || !snap.recorded.is_empty();
            let toggles = ViewToggles {
                inspector: &mut self.show_inspector,
                plots: &mut self.show_plots,
                shortcuts: &mut self.shortcuts_open,
                fps: &mut self.show_fps,
                about: &mut self.about_open,
                traces: &mut self.traces.open,
                red_use: &mut self.traces.red_use_open,
                metastability: &mut self.meta.open,
                compare: &mut self.compare.open,
            };
            topbar::menu(ui, &self.files.recent, can_undo, toggles, &mut intents);
        });
        Panel::top("controls")
            .frame(Frame::side_top_panel(ui.style()).inner_margin(Margin::symmetric(8, 6)))
            .show(ui, |ui| {
                topbar::controls(ui, &snap, &mut self.seed, self.pace.speed(), &mut intents)
            });

        if self.show_plots {
            Panel::bottom("plots")
                .resizable(true)
                .default_size(340.0)
                .size_range(160.0..=900.0)
                .show(ui, |ui| self.bottom(ui, &snap, &mut intents));
        }
        if self.show_inspector {
            Panel::right("inspector")
                .resizable(true)
                .default_size(340.0)
                .size_range(240.0..=700.0)
                .show(ui, |ui| {
                    if let Some(topology) = self.graph.topology() {
                        let effective = Effective::of(&snap);
                        let view = View {
                            snapshot: &snap,
                            effective: &effective,
                            topology,
                        };
                        self.inspector
                            .show(ui, &view, &mut self.selection, &mut actions);
                    }
                });
        }
        let mut lab_request = None;
        let (id, size) = match self.lab.expanded {
            true => ("lab", 400.0),
            false => ("lab-collapsed", 60.0),
        };
        Panel::left(id)
            .resizable(self.lab.expanded)
            .default_size(size)
            .show(ui, |ui| lab_request = self.lab.show(ui, &snap));
        CentralPanel::default()
            .frame(Frame::central_panel(ui.style()).inner_margin(Margin::same(0)))
            .show(ui, |ui| {
                if self.hint && snap.failure.is_none() {
                    self.hint_strip(ui, &snap);
                }
                let path = self.traces.selected(&snap).map(TracePath::of);
                self.graph.set_path(path);
                self.graph.show(ui, &snap, &mut self.selection);
                self.overlays(ui, &snap, &mut intents);
            });

        self.dialogs(&ctx, &snap, &mut intents);
        if self.graph.take_clear_path() {
            self.traces.deselect();
        }
        if let Some(t) = self.plots.clicked_at.take() {
            self.traces.focus_time(&snap, t);
        }
        self.traces.show(&ctx, &snap);
        self.meta.show(&ctx, &snap);
        if let Some(command) = self.compare.show(&ctx, &snap) {
            self.driver.send(command);
        }

        if !actions.is_empty() {
            self.redo_actions.clear();
            self.hint = false;
        }
        for a in actions {
            let command = self.compare.route(a, &snap);
            self.driver.send(command);
        }
        for intent in intents {
            self.carry_out(&ctx, intent);
        }
        if let Some(LabRequest::Open(path)) = lab_request {
            self.open_paused(&path);
        }
        if self.animate && self.driver.latest().playing {
            ctx.request_repaint();
        } else if self.status.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(STATUS_SECONDS));
        }
    }

    fn bottom(&mut self, ui: &mut Ui, snap: &Snapshot, intents: &mut Vec<Intent>) {
        // Fill the panel's height whatever the content, so the panel keeps
        // the size the learner gave it.
        ui.set_min_height(ui.available_height());
        ui.horizontal(|ui| {
            ui.label(RichText::new("Metrics").strong());
            ui.checkbox(&mut self.plots.log_latency, "log latency");
            ui.label(
                RichText::new("hover for values · drag to pan · double-click to reset · dashed grey: scenario events · orange: your actions")
                    .small()
                    .weak(),
            );
        });
        let markers: Vec<Marker> = snap
            .scenario
            .timeline
            .iter()
            .map(|a| Marker {
                at_s: a.at.as_secs_f64(),
                learner: false,
            })
            .chain(snap.recorded.iter().map(|a| Marker {
                at_s: a.at.as_secs_f64(),
                learner: true,
            }))
            .collect();
        let selected = match &self.selection {
            Selection::Node(id) => snap.scenario.nodes.get(id.index()).map(|n| n.name.as_str()),
            _ => None,
        };
        let strip = timeline::HEIGHT + ui.spacing().item_spacing.y * 2.0;
        let plots_h = (ui.available_height() - strip).max(120.0);
        let rect = egui::Rect::from_min_size(ui.cursor().min, vec2(ui.available_width(), plots_h));
        ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
            ui.set_clip_rect(rect.intersect(ui.clip_rect()));
            if let Some(plot) = self.plots.show(ui, snap, &markers, selected) {
                intents.push(Intent::Export(export::Kind::PlotPng(plot)));
            }
        });
        ui.advance_cursor_after_rect(rect);
        if let Some(TimelineEvent::RewindTo(t)) = timeline::show(ui, snap) {
            intents.push(Intent::Send(Command::RewindTo(t)));
        }
    }

    /// Things drawn over the graph: the first-run hint, a stopped run, a status line.
    fn overlays(&mut self, ui: &mut Ui, snap: &Snapshot, intents: &mut Vec<Intent>) {
        let rect = ui.max_rect();
        if let Some(failure) = &snap.failure {
            egui::Area::new(Id::unique("failure"))
                .anchor(Align2::CENTER_TOP, vec2(0.0, 12.0))
                .show(ui.ctx(), |ui| {
                    Frame::popup(ui.style()).fill(palette::VERMILLION.gamma_multiply(0.25)).show(ui, |ui| {
                        ui.label(RichText::new("The simulation stopped with an internal error.").strong());
                        ui.label(&failure.message);
                        ui.label(format!(
                            "Seed {} at t = {:.3} s — `faultlab run` with the saved scenario reproduces it.",
                            failure.seed,
                            failure.at.as_secs_f64()
                        ));
                        if ui.button("Start again").clicked() {
                            intents.push(Intent::Send(Command::Reset));
                        }
                    });
                });
        }
        if self.show_fps
            && let Some(fps) = self.pace.fps()
        {
            ui.painter().text(
                rect.right_top() + vec2(-12.0, 8.0),
                Align2::RIGHT_TOP,
                format!("{fps:.0} frames/s · {} events", snap.events),
                egui::FontId::monospace(11.0),
                ui.visuals().weak_text_color(),
            );
        }
        if let Some((status, _)) = &self.status {
            ui.painter().text(
                rect.right_bottom() + vec2(-12.0, -30.0),
                Align2::RIGHT_BOTTOM,
                status,
                egui::FontId::proportional(12.0),
                ui.visuals().weak_text_color(),
            );
        }
    }

    /// The first-run hint, in a strip above the graph (never over a node).
    fn hint_strip(&mut self, ui: &mut Ui, snap: &Snapshot) {
        let lines = hint_text(self, snap);
        if lines.is_empty() {
            return;
        }
        Frame::new()
            .fill(palette::lerp(
                ui.visuals().panel_fill,
                palette::ORANGE,
                0.12,
            ))
            .inner_margin(Margin::symmetric(12, 8))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_top(|ui| {
                    ui.label(RichText::new("Try this").strong().color(palette::ORANGE));
                    // Leave room for "Got it"; long steps wrap rather than hide under it.
                    let room = (ui.available_width() - 80.0).max(120.0);
                    ui.vertical(|ui| {
                        ui.set_max_width(room);
                        for line in &lines {
                            ui.add(egui::Label::new(line.as_str()).wrap());
                        }
                    });
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                        if ui
                            .button("Got it")
                            .on_hover_text("Hide this hint (View ▸ Show the hint again)")
                            .clicked()
                        {
                            self.hint = false;
                        }
                    });
                });
            });
    }

    fn keyboard(&mut self, ctx: &Context, snap: &Snapshot, intents: &mut Vec<Intent>) {
        let typing = ctx.memory(|m| m.focused().is_some()) && ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            if i.consume_shortcut(&topbar::OPEN) {
                intents.push(Intent::Open);
            }
            if i.consume_shortcut(&topbar::SAVE_AS) {
                intents.push(Intent::SaveAs);
            }
            if i.consume_shortcut(&topbar::SAVE) {
                intents.push(Intent::Save);
            }
            if i.consume_shortcut(&topbar::REDO_SHIFT) || i.consume_shortcut(&topbar::REDO) {
                intents.push(Intent::Redo);
            }
            if i.consume_shortcut(&topbar::UNDO) {
                intents.push(Intent::Undo);
            }
            if !typing && i.consume_key(egui::Modifiers::NONE, Key::Space) {
                intents.push(Intent::Send(if snap.playing {
                    Command::Pause
                } else {
                    Command::Play
                }));
            }
            if !typing && i.consume_key(egui::Modifiers::NONE, Key::Escape) {
                self.selection = Selection::None;
            }
            if !typing && i.consume_key(egui::Modifiers::NONE, Key::T) {
                self.traces.open = !self.traces.open;
            }
            if !typing && i.consume_key(egui::Modifiers::NONE, Key::R) {
                self.traces.red_use_open = !self.traces.red_use_open;
            }
            if !typing && i.consume_key(egui::Modifiers::NONE, Key::M) {
                self.meta.open = !self.meta.open;
            }
        });
    }

    fn dropped_files(&mut self, ctx: &Context, intents: &mut Vec<Intent>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            intents.push(Intent::OpenPath(p));
        }
    }

    fn close_request(&mut self, ctx: &Context, snap: &Snapshot) {
        if ctx.input(|i| i.viewport().close_requested())
            && !self.allow_close
            && self.files.unsaved(snap)
        {
            ctx.send_viewport_cmd(ViewportCommand::CancelClose);
            self.confirm = Some(Confirm::Close);
        }
    }

    fn carry_out(&mut self, ctx: &Context, intent: Intent) {
        let snap = self.driver.latest();
        match intent {
            Intent::Send(c) => {
                if matches!(c, Command::RewindTo(_)) {
                    self.redo_actions.clear();
                }
                self.driver.send(c);
            }
            Intent::Open => {
                if self.files.unsaved(&snap) {
                    self.confirm = Some(Confirm::Open(None));
                } else {
                    self.open_dialog();
                }
            }
            Intent::OpenPath(p) => {
                if self.files.unsaved(&snap) {
                    self.confirm = Some(Confirm::Open(Some(p)));
                } else {
                    self.open(&p);
                }
            }
            Intent::Save => match self.files.path.clone() {
                Some(p) => self.save(&p),
                None => self.save_dialog(),
            },
            Intent::SaveAs => self.save_dialog(),
            Intent::Export(kind) => self.export_dialog(ctx, &snap, kind),
            Intent::Quit => ctx.send_viewport_cmd(ViewportCommand::Close),
            Intent::Undo => self.undo(&snap),
            Intent::Redo => self.redo(&snap),
            Intent::Reset => {
                if snap.recorded.is_empty() {
                    self.reset(&snap);
                } else {
                    self.confirm = Some(Confirm::Reset);
                }
            }
            Intent::SetSeed(seed) => {
                let playing = snap.playing;
                self.driver.send(Command::SetSeed(seed));
                if playing {
                    self.driver.send(Command::Play);
                }
            }
            Intent::FitGraph => self.graph.refit(),
            Intent::ResetLayout => self.graph.reset_layout(),
            Intent::ShowHint => self.hint = true,
        }
    }

    fn reset(&mut self, snap: &Snapshot) {
        self.driver.send(Command::Reset);
        if snap.playing {
            self.driver.send(Command::Play);
        }
        self.redo_actions.clear();
    }

    /// Ctrl+Z: the last knob edit; with none, the last action if the run
    /// is paused right after it.
    fn undo(&mut self, snap: &Snapshot) {
        if self.inspector.history.undo(&mut self.inspector.drafts) {
            return;
        }
        match snap.recorded.last() {
            Some(last) if !snap.playing && last.at == snap.now => {
                self.redo_actions.push(last.clone());
                self.driver.send(Command::UndoLastAction);
                self.set_status(format!(
                    "Undid: {}",
                    timeline::describe(&last.action, &snap.scenario)
                ));
            }
            Some(_) => {
                self.set_status(
                    "Pause right after an action to undo it (or rewind on the timeline)."
                        .to_string(),
                );
            }
            None => {}
        }
    }

    fn redo(&mut self, snap: &Snapshot) {
        if self.inspector.history.redo(&mut self.inspector.drafts) {
            return;
        }
        if let Some(a) = self.redo_actions.pop() {
            if a.at == snap.now && !snap.playing {
                self.set_status(format!(
                    "Redid: {}",
                    timeline::describe(&a.action, &snap.scenario)
                ));
                self.driver.send(Command::Act(a.action));
            } else {
                self.redo_actions.clear();
            }
        }
    }

    fn set_status(&mut self, text: String) {
        self.status = Some((text, self.status_clock));
    }

    fn export_dialog(&mut self, ctx: &Context, snap: &Snapshot, kind: export::Kind) {
        match self.files.pick(Purpose::Export(kind)) {
            Picked::Path(p) => self.export_to(ctx, snap, kind, p),
            Picked::Cancelled => {}
            Picked::Unavailable => self.files.ask_path(Purpose::Export(kind)),
        }
    }

    fn export_to(&mut self, ctx: &Context, snap: &Snapshot, kind: export::Kind, path: PathBuf) {
        match kind {
            export::Kind::Png => export::window_png(ctx, path, &self.exports),
            export::Kind::PlotPng(plot) => match self.plots.rect_of(plot) {
                Some(rect) => export::region_png(ctx, rect, plot, path, &self.exports),
                None => self.set_status(format!("Show the plots to save the {plot} plot")),
            },
            _ => {
                export::metrics(ctx, snap, kind, path, &self.exports);
                self.set_status("Exporting the metrics…".to_string());
            }
        }
    }

    fn open_dialog(&mut self) {
        match self.files.pick(Purpose::Open) {
            Picked::Path(p) => self.open(&p),
            Picked::Cancelled => {}
            Picked::Unavailable => self.files.ask_path(Purpose::Open),
        }
    }

    fn save_dialog(&mut self) {
        match self.files.pick(Purpose::Save) {
            Picked::Path(p) => self.save(&p),
            Picked::Cancelled => {}
            Picked::Unavailable => self.files.ask_path(Purpose::Save),
        }
    }

    /// Opens a scenario file; on error shows it and keeps the current run.
    pub fn open(&mut self, path: &Path) {
        match files::load(path) {
            Ok(scenario) => {
                self.driver.send(Command::Load(Box::new(scenario.config)));
                self.driver.send(Command::Play);
                self.files.description = scenario.description;
                self.files.path = Some(path.to_path_buf());
                self.files.remember(path);
                let snap = self.driver.latest();
                if self.driver.is_live() {
                    // The runner applies the load on its thread; the next
                    // snapshot is the new scenario (with nothing recorded).
                    self.files.clear_saved();
                } else {
                    self.files.mark_saved(&snap);
                }
                self.selection = Selection::None;
                self.inspector.drafts = Default::default();
                self.inspector.history.clear();
                self.redo_actions.clear();
                self.set_status(format!("Opened {}", path.display()));
                self.error = None;
            }
            Err(message) => {
                self.error = Some(ErrorNote {
                    title: "This file did not open".to_string(),
                    body: format!("{message}\n\nThe scenario that was running is unchanged."),
                });
            }
        }
    }

    /// Opens the lab in `dir` (`labs/NN-slug`) in the lab panel and runs its
    /// starting scenario; on error shows it and keeps the current run.
    pub fn open_lab(&mut self, dir: &Path) {
        match self.lab.open(dir) {
            Ok(start) => {
                // The lab's own steps replace the generic first-run hint.
                self.hint = false;
                self.open_paused(&start);
            }
            Err(message) => {
                self.error = Some(ErrorNote {
                    title: "This lab did not open".to_string(),
                    body: message,
                });
            }
        }
    }

    /// Opens a lab's scenario paused at 0 s: the learner reads, predicts and
    /// sets knobs first (knobs set at 0 s count as the scenario's policies).
    fn open_paused(&mut self, path: &Path) {
        self.open(path);
        self.driver.send(Command::Pause);
    }

    /// The lab open in the lab panel, by its folder's name.
    pub fn lab_slug(&self) -> Option<&str> {
        self.lab.current_slug()
    }

    /// Saves the scenario and the learner's actions to `path`.
    pub fn save(&mut self, path: &Path) {
        let snap = self.driver.latest();
        match files::save(path, &snap, &self.files.description) {
            Ok(()) => {
                self.files.path = Some(path.to_path_buf());
                self.files.remember(path);
                self.files.mark_saved(&snap);
                self.set_status(format!(
                    "Saved {} action{} to {}",
                    snap.recorded.len(),
                    if snap.recorded.len() == 1 { "" } else { "s" },
                    path.display()
                ));
            }
            Err(message) => {
                self.error = Some(ErrorNote {
                    title: "Could not save".to_string(),
                    body: format!("{message}\n\nAny file already there is unchanged."),
                });
            }
        }
    }

    fn dialogs(&mut self, ctx: &Context, snap: &Snapshot, intents: &mut Vec<Intent>) {
        // Typed path (no native dialog available).
        if let Some(dialog) = &mut self.files.dialog {
            let mut go = false;
            let mut cancel = false;
            let purpose = dialog.purpose;
            Modal::new(Id::unique("path-dialog")).show(ctx, |ui| {
                ui.set_width(460.0);
                ui.heading(match purpose {
                    Purpose::Open => "Open a scenario",
                    Purpose::Save => "Save the scenario and your actions",
                    Purpose::Export(export::Kind::Png) => "Save a picture of the window",
                    Purpose::Export(export::Kind::PlotPng(_)) => "Save a picture of the plot",
                    Purpose::Export(_) => "Export the metrics of the run so far",
                });
                let l = ui.label("File path");
                let r = ui
                    .add(
                        TextEdit::singleline(&mut dialog.text)
                            .desired_width(f32::INFINITY)
                            .hint_text("labs/examples/retry-storm.ron"),
                    )
                    .labelled_by(l.id);
                if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                    go = true;
                }
                r.request_focus();
                ui.horizontal(|ui| {
                    let label = match purpose {
                        Purpose::Open => "Open file",
                        Purpose::Save => "Save file",
                        Purpose::Export(_) => "Export",
                    };
                    if ui
                        .add_enabled(!dialog.text.trim().is_empty(), Button::new(label))
                        .clicked()
                    {
                        go = true;
                    }
                    if ui.button("Cancel").clicked() {
                        cancel = true;
                    }
                });
            });
            if go {
                let path = PathBuf::from(dialog.text.trim());
                self.files.dialog = None;
                match purpose {
                    Purpose::Open => self.open(&path),
                    Purpose::Save => self.save(&path),
                    Purpose::Export(kind) => self.export_to(ctx, snap, kind, path),
                }
            } else if cancel {
                self.files.dialog = None;
            }
        }

        if let Some(error) = &self.error {
            let mut close = false;
            Modal::new(Id::unique("error")).show(ctx, |ui| {
                ui.set_max_width(620.0);
                ui.heading(RichText::new(&error.title).color(palette::VERMILLION));
                ui.add_space(4.0);
                ui.label(RichText::new(&error.body).monospace());
                if ui.button("OK").clicked() {
                    close = true;
                }
            });
            if close {
                self.error = None;
            }
        }

        if let Some(confirm) = self.confirm.clone() {
            let mut choice = None;
            let n = snap.recorded.len();
            Modal::new(Id::unique("confirm")).show(ctx, |ui| {
                ui.set_max_width(460.0);
                ui.heading("Your actions are not saved");
                ui.label(format!(
                    "You took {n} action{} in this run. {}",
                    if n == 1 { "" } else { "s" },
                    match confirm {
                        Confirm::Open(_) => "Opening another scenario drops them.",
                        Confirm::Close => "Closing the window drops them.",
                        Confirm::Reset => "Starting again drops them.",
                    }
                ));
                ui.horizontal(|ui| {
                    if ui.button("Save first").clicked() {
                        choice = Some(0);
                    }
                    if ui.button("Discard them").clicked() {
                        choice = Some(1);
                    }
                    if ui.button("Keep working").clicked() {
                        choice = Some(2);
                    }
                });
            });
            match choice {
                Some(0) => {
                    self.confirm = None;
                    intents.push(Intent::Save);
                }
                Some(1) => {
                    self.confirm = None;
                    match confirm {
                        Confirm::Open(None) => self.open_dialog(),
                        Confirm::Open(Some(p)) => self.open(&p),
                        Confirm::Close => {
                            self.allow_close = true;
                            ctx.send_viewport_cmd(ViewportCommand::Close);
                        }
                        Confirm::Reset => self.reset(snap),
                    }
                }
                Some(_) => self.confirm = None,
                None => {}
            }
        }

        if self.shortcuts_open {
            egui::Window::new("Keyboard and mouse")
                .open(&mut self.shortcuts_open)
                .collapsible(false)
                .show(ctx, |ui| {
                    egui::Grid::new("keys").num_columns(2).striped(true).show(ui, |ui| {
                        for (k, v) in [
                            ("space", "play / pause"),
                            ("Ctrl+O / Ctrl+S / Ctrl+Shift+S", "open / save / save as"),
                            ("Ctrl+Z / Ctrl+Y", "undo / redo a knob edit, or the last action while paused right after it"),
                            ("Esc", "clear the selection"),
                            ("T / R / M", "traces / RED and USE / metastability windows"),
                            ("click", "select a node or a link"),
                            ("shift-click, shift-drag", "select several nodes"),
                            ("drag a node", "move it"),
                            ("drag the background", "pan"),
                            ("scroll", "zoom"),
                            ("double-click the background", "fit the graph"),
                            ("click the timeline", "rewind to that moment"),
                            ("drop a .ron file", "open it"),
                        ] {
                            ui.label(RichText::new(k).monospace());
                            ui.label(v);
                            ui.end_row();
                        }
                    });
                });
        }
        if self.about_open {
            egui::Window::new("About faultlab")
                .open(&mut self.about_open)
                .collapsible(false)
                .show(ctx, |ui| {
                    ui.label("A lab for learning fault tolerance in distributed systems.");
                    ui.label(
                        "Same scenario and seed give the same run, bit for bit, on any machine.",
                    );
                    ui.label(format!("Version {}", env!("CARGO_PKG_VERSION")));
                });
        }
    }
}

impl eframe::App for FaultlabApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.ui_frame(ui);
        self.keep_unsaved_work(ui.ctx());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.autosave.on_exit();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let r = Remembered {
            recent: self.files.recent.clone(),
            hint_dismissed: !self.hint,
            show_inspector: self.show_inspector,
            show_plots: self.show_plots,
            log_latency: self.plots.log_latency,
        };
        eframe::set_value(storage, STORAGE_KEY, &r);
        self.lab.store(storage);
    }
}

impl FaultlabApp {
    /// Autosaves unsaved work, and offers to restore work a crash left.
    fn keep_unsaved_work(&mut self, ctx: &Context) {
        let snap = self.driver.latest();
        let now = ctx.input(|i| i.time);
        self.autosave
            .tick(&snap, &self.files, &self.files.description, now);
        if self.files.unsaved(&snap) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(
                super::autosave::INTERVAL_S,
            ));
        }
        if let Some(restored) = self.autosave.prompt(ctx) {
            self.driver.send(Command::Load(Box::new(restored.config)));
            self.files.description = restored.description;
            self.files.path = None;
            self.set_status("Restored unsaved work: File ▸ Save as… to keep it".to_string());
        }
    }
}

/// The first-run hint, naming real nodes of the scenario.
fn hint_text(app: &FaultlabApp, snap: &Snapshot) -> Vec<String> {
    let Some(topology) = app.graph.topology() else {
        return Vec::new();
    };
    let name = |i: usize| snap.scenario.nodes.get(i).map_or("?", |n| n.name.as_str());
    let n = snap.scenario.nodes.len().min(topology.roles.len());
    let roles = &topology.roles[..n];
    let find = |role: Role| roles.iter().position(|r| *r == role);
    let victim = find(Role::Database)
        .or_else(|| find(Role::Service))
        .or_else(|| roles.iter().rposition(|r| !r.is_caller_only()));
    let mut tries = Vec::new();
    if let Some(v) = victim {
        tries.push(format!(
            "Click {} in the graph, then ⊗ Crash — watch availability fall in the plots below. Then ↻ Restart it.",
            name(v)
        ));
        if let Some(e) = snap.edges.iter().find(|e| e.to.index() == v) {
            tries.push(format!(
                "Click the label on the arrow {} → {}, then Partition one way. Heal it after a while.",
                name(e.from.index()),
                name(v)
            ));
        }
    }
    if let Some(e) = snap.edges.iter().find(|e| {
        matches!(
            roles.get(e.from.index()),
            Some(Role::Gateway | Role::Service)
        ) && roles.get(e.to.index()).is_some_and(|r| !r.is_caller_only())
    }) {
        tries.push(format!(
            "Click the arrow {} → {}, raise retries to 5 with no backoff, apply, then slow {} down.",
            name(e.from.index()),
            name(e.to.index()),
            name(e.to.index())
        ));
    }
    let mut lines: Vec<String> = tries
        .into_iter()
        .enumerate()
        .map(|(i, t)| format!("{}. {t}", i + 1))
        .collect();
    lines.push(
        "Your actions appear as ● on the timeline; File ▸ Save keeps them for anyone to replay."
            .to_string(),
    );
    lines
}
