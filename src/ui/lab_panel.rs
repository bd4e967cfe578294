//! The lab panel: a picker of the labs found on disk, and for the open lab
//! its text (Markdown), a live checklist of its objectives, its prediction
//! questions, hints revealed one at a time, "reset" and "show the reference
//! solution". Progress (labs passed, hints shown, answers given) is kept
//! between launches in eframe's storage.
//!
//! The checklist is measured from the snapshot's closed windows with
//! [`lab::evaluate_so_far`]; once the run reaches its end, the same run is
//! replayed headless on a thread ([`lab::evaluate_config`]) for the exact,
//! final verdict, including the whole-run-only figures.
//!
//! Labs are looked for, in order, in `./labs`, in `labs/` beside the
//! executable (and two levels up, for `target/release/faultlab` in a
//! clone), and in the source tree the binary was built from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use egui::{Button, Color32, RichText, ScrollArea, Ui};
use egui_commonmark::{CommonMarkCache, CommonMarkViewer};
use serde::{Deserialize, Serialize};

use super::effective::replay_config;
use super::palette;
use crate::lab::{self, Lab, ObjectiveResult, Verdict};
use crate::live::Snapshot;
use crate::metrics::WindowSummary;

/// Key under which lab progress is stored between launches.
const STORAGE_KEY: &str = "faultlab-labs";

/// What the panel asks the window to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabRequest {
    /// Run this scenario file (the lab's start, or its reference solution).
    Open(PathBuf),
}

/// One lab found on disk, for the picker.
struct Entry {
    dir: PathBuf,
    slug: String,
    /// The title, or why the lab does not load.
    title: Result<String, String>,
}

/// What a learner has done in one lab.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct LabProgress {
    hints_shown: usize,
    /// Question index → the choice locked in.
    answers: BTreeMap<usize, usize>,
    passed: bool,
}

/// Every lab's progress, by slug.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Progress {
    labs: BTreeMap<String, LabProgress>,
}

/// Which part of the open lab is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Text,
    Predict,
    Hints,
}

/// A final, headless check of a finished live run.
struct FinalCheck {
    /// Which run it is for: windows closed, actions recorded, seed.
    run: (usize, usize, u64),
    /// The answer, once the thread is done.
    result: Option<Result<Vec<ObjectiveResult>, String>>,
    inbox: Option<mpsc::Receiver<Result<Vec<ObjectiveResult>, String>>>,
}

/// The open lab.
struct Current {
    lab: Lab,
    /// The README as shown (see [`without_code_fences`]).
    text: String,
    tab: Tab,
    /// Live results and the windows they were measured on.
    results: Vec<ObjectiveResult>,
    measured: Option<(usize, u64)>,
    /// The choice being considered for each question, before it is locked in.
    picking: BTreeMap<usize, usize>,
    /// The reference solution is running, not the learner's work.
    solution: bool,
    last_check: Option<FinalCheck>,
}

/// The panel.
pub struct LabPanel {
    root: Option<PathBuf>,
    entries: Vec<Entry>,
    current: Option<Current>,
    progress: Progress,
    markdown: CommonMarkCache,
    /// Shown at full width (else a narrow strip with one button).
    pub expanded: bool,
}

impl Default for LabPanel {
    fn default() -> Self {
        let root = labs_root();
        let entries = root.as_deref().map(discover).unwrap_or_default();
        LabPanel {
            root,
            entries,
            current: None,
            progress: Progress::default(),
            markdown: CommonMarkCache::default(),
            expanded: true,
        }
    }
}

/// Where the labs are: the first of `./labs`, `labs/` beside the executable
/// or two levels above it, and the source tree's `labs/`.
fn labs_root() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("labs")];
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| {
        e.canonicalize()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
    }) {
        candidates.push(dir.join("labs"));
        if let Some(up) = dir.parent().and_then(Path::parent) {
            candidates.push(up.join("labs"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("labs"));
    candidates.into_iter().find(|d| !discover(d).is_empty())
}

/// The numbered labs (`NN-slug`) in `root`.
fn discover(root: &Path) -> Vec<Entry> {
    let dirs = lab::discover(root).unwrap_or_default();
    dirs.into_iter()
        .filter_map(|dir| {
            let slug = dir.file_name()?.to_string_lossy().to_string();
            let numbered = slug.len() > 3
                && slug.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && slug.as_bytes()[2] == b'-';
            numbered.then(|| Entry {
                title: lab::load(&dir).map(|l| l.title).map_err(|e| e.to_string()),
                dir,
                slug,
            })
        })
        .collect()
}

impl LabPanel {
    /// Restores progress saved by an earlier launch.
    pub fn restore(&mut self, storage: Option<&dyn eframe::Storage>) {
        if let Some(p) = storage.and_then(|s| eframe::get_value(s, STORAGE_KEY)) {
            self.progress = p;
        }
    }

    /// Saves progress for the next launch.
    pub fn store(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.progress);
    }

    /// Opens the lab in `dir`; the window should then run the returned file.
    pub fn open(&mut self, dir: &Path) -> Result<PathBuf, String> {
        let lab = lab::load(dir).map_err(|e| e.to_string())?;
        let start = lab.scenario_path.clone();
        self.progress.labs.entry(lab.slug.clone()).or_default();
        self.current = Some(Current {
            text: without_code_fences(&lab.readme),
            lab,
            tab: Tab::Text,
            results: Vec::new(),
            measured: None,
            picking: BTreeMap::new(),
            solution: false,
            last_check: None,
        });
        self.expanded = true;
        Ok(start)
    }

    /// The open lab's slug.
    pub fn current_slug(&self) -> Option<&str> {
        self.current.as_ref().map(|c| c.lab.slug.as_str())
    }

    /// Draws the panel; returns what the window should do.
    pub fn show(&mut self, ui: &mut Ui, snap: &Snapshot) -> Option<LabRequest> {
        if !self.expanded {
            if ui.button("Labs").clicked() {
                self.expanded = true;
            }
            return None;
        }
        ui.horizontal(|ui| {
            if self.current.is_some() && ui.button("< All labs").clicked() {
                self.current = None;
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Hide")
                    .on_hover_text("Hide the lab panel")
                    .clicked()
                {
                    self.expanded = false;
                }
            });
        });
        match self.current.as_mut() {
            None => self.picker(ui),
            Some(current) => {
                let progress = self
                    .progress
                    .labs
                    .entry(current.lab.slug.clone())
                    .or_default();
                current.measure(snap, progress, ui.ctx());
                lab_view(ui, current, progress, &mut self.markdown, snap)
            }
        }
    }

    fn picker(&mut self, ui: &mut Ui) -> Option<LabRequest> {
        ui.heading("Labs");
        let Some(root) = self.root.clone() else {
            ui.label(
                "No labs found: run faultlab from the folder that holds labs/, or pass --lab DIR.",
            );
            return None;
        };
        ui.label(
            RichText::new(format!("from {}", root.display()))
                .small()
                .weak(),
        );
        let passed = self
            .entries
            .iter()
            .filter(|e| self.progress.labs.get(&e.slug).is_some_and(|p| p.passed))
            .count();
        ui.label(format!("{passed} of {} passed", self.entries.len()));
        ui.label(
            "Pick a lab: its scenario starts, and its story, objectives, questions and hints appear here.",
        );
        ui.separator();
        let mut open = None;
        ScrollArea::vertical().show(ui, |ui| {
            for e in &self.entries {
                let mark = match self.progress.labs.get(&e.slug) {
                    Some(p) if p.passed => "●",
                    Some(_) => "◐",
                    None => " ",
                };
                match &e.title {
                    Ok(title) => {
                        let text = format!("{mark} {}  {title}", &e.slug[..2]);
                        if ui
                            .add(Button::new(text).frame(false))
                            .on_hover_text(e.dir.display().to_string())
                            .clicked()
                        {
                            open = Some(e.dir.clone());
                        }
                    }
                    Err(why) => {
                        ui.label(format!("▲ {}: does not load", e.slug))
                            .on_hover_text(why);
                    }
                }
            }
        });
        ui.label(RichText::new("● passed   ◐ started").small().weak());
        let dir = open?;
        match self.open(&dir) {
            Ok(path) => Some(LabRequest::Open(path)),
            Err(_) => None,
        }
    }
}

impl Current {
    /// Brings the live checklist up to date with the snapshot, and starts or
    /// collects the final check once the run has ended.
    fn measure(&mut self, snap: &Snapshot, progress: &mut LabProgress, ctx: &egui::Context) {
        let key = (snap.windows.len(), snap.now.as_nanos());
        if self.measured != Some(key) {
            let windows: Vec<WindowSummary> = snap.windows.iter().map(|w| (**w).clone()).collect();
            let end_s = snap.scenario.duration.as_secs_f64();
            self.results = lab::evaluate_so_far(
                &self.lab.objectives,
                &windows,
                snap.now.as_secs_f64(),
                end_s,
            );
            self.measured = Some(key);
        }
        let ended = run_over(snap);
        let run = (snap.windows.len(), snap.recorded.len(), snap.seed);
        if ended && self.last_check.as_ref().is_none_or(|c| c.run != run) {
            let (tx, rx) = mpsc::channel();
            let lab = self.lab.clone();
            let config = replay_config(snap);
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                let _ = tx.send(lab::evaluate_config(&lab, config));
                // Nothing else repaints a window whose run has ended.
                ctx.request_repaint();
            });
            self.last_check = Some(FinalCheck {
                run,
                result: None,
                inbox: Some(rx),
            });
        }
        if let Some(check) = self.last_check.as_mut()
            && let Some(rx) = &check.inbox
            && let Ok(result) = rx.try_recv()
        {
            if !self.solution
                && let Ok(results) = &result
            {
                progress.passed |= results.iter().all(ObjectiveResult::passed);
            }
            check.result = Some(result);
            check.inbox = None;
        }
        if !ended {
            self.last_check = None;
        }
    }

    /// The final results if the finished run has been checked, else the live ones.
    fn shown_results(&self) -> (&[ObjectiveResult], bool) {
        match self.last_check.as_ref().and_then(|c| c.result.as_ref()) {
            Some(Ok(r)) => (r, true),
            _ => (&self.results, false),
        }
    }
}

fn lab_view(
    ui: &mut Ui,
    current: &mut Current,
    progress: &mut LabProgress,
    markdown: &mut CommonMarkCache,
    snap: &Snapshot,
) -> Option<LabRequest> {
    let mut request = None;
    ui.heading(&current.lab.title);
    if current.solution {
        ui.label(
            RichText::new("Running the reference solution, not your work.").color(palette::ORANGE),
        );
    }
    ui.horizontal(|ui| {
        if ui
            .button("↻ Reset lab")
            .on_hover_text("Start the lab's scenario again, without your changes")
            .clicked()
        {
            current.solution = false;
            request = Some(LabRequest::Open(current.lab.scenario_path.clone()));
        }
        if ui
            .button("Show reference solution")
            .on_hover_text("Run the solution the lab was written with")
            .clicked()
        {
            current.solution = true;
            request = Some(LabRequest::Open(current.lab.solution_path.clone()));
        }
    });
    if !snap.playing && snap.now.as_nanos() == 0 {
        ui.label(
            RichText::new(
                "Paused at 0 s. Read the story, answer the questions under Predict, \
                 set your knobs (in the inspector, or in a saved copy of the scenario \
                 opened with File ▸ Open…), then press Play.",
            )
            .color(palette::SKY),
        );
    }
    ui.separator();
    checklist(ui, current);
    ui.separator();
    ui.horizontal(|ui| {
        ui.selectable_value(&mut current.tab, Tab::Text, "Text");
        let questions = current.lab.predictions.len();
        let answered = progress.answers.len();
        ui.selectable_value(
            &mut current.tab,
            Tab::Predict,
            format!("Predict ({answered}/{questions})"),
        );
        ui.selectable_value(
            &mut current.tab,
            Tab::Hints,
            format!(
                "Hints ({}/{})",
                progress.hints_shown.min(current.lab.hints.len()),
                current.lab.hints.len()
            ),
        );
    });
    ScrollArea::vertical()
        .id_salt("lab-body")
        .auto_shrink([false, false])
        .show(ui, |ui| match current.tab {
            Tab::Text => {
                CommonMarkViewer::new().show(ui, markdown, &current.text);
            }
            Tab::Predict => predictions(ui, current, progress, snap),
            Tab::Hints => hints(ui, &current.lab, progress),
        });
    request
}

fn checklist(ui: &mut Ui, current: &Current) {
    let (results, final_) = current.shown_results();
    let met = results.iter().filter(|r| r.passed()).count();
    let note = if final_ {
        "final: the whole run, replayed"
    } else if current.last_check.is_some() {
        "checking the whole run…"
    } else {
        "live, so far"
    };
    let title = format!("Objectives: {met} of {} met ({note})", results.len());
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .id_salt("lab-objectives")
        .default_open(true)
        .show(ui, |ui| {
            for r in results {
                let (mark, color) = verdict_mark(r.verdict);
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(mark).color(color).strong())
                        .on_hover_text(verdict_help(r.verdict));
                    ui.label(&r.name);
                    let value = match (r.value, r.verdict) {
                        (None, Verdict::NotYet) if r.metric.measured_at_end() => {
                            "at the end".to_string()
                        }
                        _ => r.value_text(),
                    };
                    ui.label(RichText::new(value).monospace());
                });
                ui.label(RichText::new(&r.requirement).small().weak())
                    .on_hover_text(r.note.clone().unwrap_or_default());
            }
            if let Some(Some(Err(e))) = current.last_check.as_ref().map(|c| c.result.as_ref()) {
                ui.colored_label(palette::VERMILLION, e);
            }
        });
}

/// What a verdict means, for its hover text.
fn verdict_help(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "Met over its time range.",
        Verdict::Fail => "Not met over its time range (or a count already past its limit).",
        Verdict::NotYet => "Its time range has not ended: the value is so far.",
    }
}

/// `markdown` with each fenced code block's lines as inline code instead:
/// egui_commonmark gives a code block a copy button drawn with an emoji the
/// window's fonts lack, and the labs' blocks are single commands anyway.
fn without_code_fences(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut fenced = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced && !trimmed.is_empty() {
            let indent = &line[..line.len() - trimmed.len()];
            out.push_str(&format!("{indent}`{trimmed}`"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Whether the run has reached its end.
fn run_over(snap: &Snapshot) -> bool {
    snap.now.as_nanos() >= snap.scenario.duration.as_nanos()
}

/// The mark of a verdict, in words as well as colour.
fn verdict_mark(v: Verdict) -> (&'static str, Color32) {
    match v {
        Verdict::Pass => ("● pass", palette::GREEN),
        Verdict::Fail => ("▲ fail", palette::VERMILLION),
        Verdict::NotYet => ("◐ not yet", palette::GREY),
    }
}

fn predictions(ui: &mut Ui, current: &mut Current, progress: &mut LabProgress, snap: &Snapshot) {
    if current.lab.predictions.is_empty() {
        ui.label("This lab asks no questions.");
        return;
    }
    ui.label("Answer before you run, then check after the run.");
    let ran = run_over(snap);
    for (i, q) in current.lab.predictions.iter().enumerate() {
        ui.separator();
        ui.label(RichText::new(format!("{}. {}", i + 1, q.question)).strong());
        match progress.answers.get(&i).copied() {
            None => {
                let pick = current.picking.entry(i).or_insert(usize::MAX);
                for (c, choice) in q.choices.iter().enumerate() {
                    ui.radio_value(pick, c, choice);
                }
                let chosen = *pick != usize::MAX;
                let lock = Button::new(format!("Lock in answer {}", i + 1));
                if ui.add_enabled(chosen, lock).clicked() {
                    progress.answers.insert(i, *pick);
                }
            }
            Some(a) => {
                let choice = q.choices.get(a).map_or("?", String::as_str);
                ui.label(format!("Your answer: {choice}"));
                if ran {
                    let (mark, color) = if a == q.answer {
                        ("● right", palette::GREEN)
                    } else {
                        ("▲ not quite", palette::VERMILLION)
                    };
                    ui.label(RichText::new(mark).color(color).strong());
                    ui.label(&q.explanation);
                } else {
                    ui.label(
                        RichText::new("Run to the end to see whether you were right.")
                            .small()
                            .weak(),
                    );
                }
            }
        }
    }
}

fn hints(ui: &mut Ui, lab: &Lab, progress: &mut LabProgress) {
    if lab.hints.is_empty() {
        ui.label("This lab has no hints.");
        return;
    }
    let shown = progress.hints_shown.min(lab.hints.len());
    for (i, h) in lab.hints[..shown].iter().enumerate() {
        ui.label(format!("{}. {h}", i + 1));
        ui.add_space(4.0);
    }
    if shown < lab.hints.len() {
        if ui
            .button(format!("Show hint {} of {}", shown + 1, lab.hints.len()))
            .clicked()
        {
            progress.hints_shown = shown + 1;
        }
    } else {
        ui.label(RichText::new("That was the last hint.").small().weak());
    }
    if shown > 0 && ui.small_button("Hide the hints again").clicked() {
        progress.hints_shown = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// eframe's storage, in memory.
    #[derive(Default)]
    struct Memory(BTreeMap<String, String>);

    impl eframe::Storage for Memory {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_string(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    #[test]
    fn progress_survives_a_relaunch() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/01-timeouts");
        let mut panel = LabPanel::default();
        let start = panel.open(&dir).unwrap();
        assert!(start.ends_with("scenario.ron"));
        let p = panel.progress.labs.get_mut("01-timeouts").unwrap();
        p.hints_shown = 2;
        p.answers.insert(1, 2);
        p.passed = true;
        let mut storage = Memory::default();
        panel.store(&mut storage);

        let mut again = LabPanel::default();
        assert!(again.progress.labs.is_empty());
        again.restore(Some(&storage));
        let p = &again.progress.labs["01-timeouts"];
        assert_eq!((p.hints_shown, p.passed), (2, true));
        assert_eq!(p.answers.get(&1), Some(&2));
    }

    #[test]
    fn finds_the_numbered_labs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs");
        let slugs: Vec<String> = discover(&root).into_iter().map(|e| e.slug).collect();
        assert!(slugs.len() >= 7, "{slugs:?}");
        assert!(slugs.iter().all(|s| s.as_bytes()[0].is_ascii_digit()));
        assert!(!slugs.contains(&"examples".to_string()));
    }

    #[test]
    fn code_fences_become_inline_code() {
        let md = "Run\n\n   ```sh\n   faultlab check labs/01\n   ```\n\nthen";
        assert_eq!(
            without_code_fences(md),
            "Run\n\n   `faultlab check labs/01`\n\nthen\n"
        );
    }
}
