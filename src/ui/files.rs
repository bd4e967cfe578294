//! Opening and saving scenario files: native dialogs (rfd) with a typed-path
//! fallback (rfd gives up at once without a desktop portal), the current
//! file, recent files, and whether the learner's actions are saved.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::live::Snapshot;
use crate::scenario::{self, Scenario};
use crate::sim::config::SimConfig;
use crate::sim::time::SimDuration;

use super::effective::replay_config;

/// Recent files remembered.
const MAX_RECENT: usize = 8;
/// A dialog that returns nothing faster than this never showed (no portal
/// answered); a person takes longer to read a dialog and cancel it.
const NO_DIALOG: Duration = Duration::from_millis(1500);

/// What a file operation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Open a scenario.
    Open,
    /// Save the scenario and the learner's actions.
    Save,
    /// Export metrics or a picture.
    Export(super::export::Kind),
}

/// The typed-path dialog.
#[derive(Clone, Debug)]
pub struct PathDialog {
    /// Open or save.
    pub purpose: Purpose,
    /// The path typed so far.
    pub text: String,
}

/// What a native dialog gave.
pub enum Picked {
    /// A file.
    Path(PathBuf),
    /// The learner closed the dialog.
    Cancelled,
    /// No dialog could be shown: ask for a typed path.
    Unavailable,
}

/// Which run a save covers, to tell whether what is on screen is saved.
#[derive(Clone, Debug, PartialEq)]
struct SavedMark {
    scenario: usize,
    recorded: usize,
    seed: u64,
}

/// The file side of the window.
#[derive(Default)]
pub struct Files {
    /// The file the scenario came from or was last saved to.
    pub path: Option<PathBuf>,
    /// The scenario's description (kept to be saved again).
    pub description: String,
    /// Recently opened or saved files, newest first.
    pub recent: Vec<PathBuf>,
    /// The typed-path dialog, when open.
    pub dialog: Option<PathDialog>,
    /// Use native dialogs (off in tests).
    pub native: bool,
    saved: Option<SavedMark>,
}

impl Files {
    /// Whether the learner has actions that are not saved.
    pub fn unsaved(&self, s: &Snapshot) -> bool {
        !s.recorded.is_empty() && self.saved.as_ref() != Some(&mark(s))
    }

    /// Notes that what `s` shows is saved (or freshly opened).
    pub fn mark_saved(&mut self, s: &Snapshot) {
        self.saved = Some(mark(s));
    }

    /// Forgets the saved mark (a new scenario is on its way).
    pub fn clear_saved(&mut self) {
        self.saved = None;
    }

    /// Puts `path` first among the recent files.
    pub fn remember(&mut self, path: &Path) {
        let path = path.to_path_buf();
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }

    /// Shows a native dialog for `purpose` (when allowed).
    pub fn pick(&self, purpose: Purpose) -> Picked {
        // rfd asks the desktop portal over the session bus; without a bus
        // there is no dialog to show.
        if !self.native || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return Picked::Unavailable;
        }
        let mut dialog = rfd::FileDialog::new().add_filter("faultlab scenario", &["ron"]);
        if let Some(dir) = self.path.as_ref().and_then(|p| p.parent()) {
            dialog = dialog.set_directory(dir);
        }
        let started = Instant::now();
        let picked = match purpose {
            Purpose::Open => dialog.pick_file(),
            Purpose::Save => {
                let name = self.path.as_ref().and_then(|p| p.file_name()).map_or_else(
                    || "scenario.ron".to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                dialog.set_file_name(name).save_file()
            }
            Purpose::Export(kind) => {
                let ext = kind.extension();
                let mut d = rfd::FileDialog::new()
                    .add_filter(ext, &[ext])
                    .set_file_name(self.export_name(kind));
                if let Some(dir) = self.path.as_ref().and_then(|p| p.parent()) {
                    d = d.set_directory(dir);
                }
                d.save_file()
            }
        };
        match picked {
            Some(p) => Picked::Path(p),
            None if started.elapsed() < NO_DIALOG => Picked::Unavailable,
            None => Picked::Cancelled,
        }
    }

    /// Opens the typed-path dialog, prefilled with the current file (or,
    /// for an export, a name beside it).
    pub fn ask_path(&mut self, purpose: Purpose) {
        let text = match purpose {
            Purpose::Export(kind) => {
                let name = self.export_name(kind);
                match self.path.as_ref().and_then(|p| p.parent()) {
                    Some(dir) => dir.join(name).display().to_string(),
                    None => name,
                }
            }
            _ => self
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        };
        self.dialog = Some(PathDialog { purpose, text });
    }

    /// A file name for an export: the scenario file's stem and the kind.
    fn export_name(&self, kind: super::export::Kind) -> String {
        let stem = self.path.as_ref().and_then(|p| p.file_stem()).map_or_else(
            || "faultlab".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let what = match kind {
            super::export::Kind::Png => "window".to_string(),
            super::export::Kind::PlotPng(plot) => plot.replace(' ', "-"),
            super::export::Kind::Json | super::export::Kind::Csv => "metrics".to_string(),
        };
        format!("{stem}-{what}.{}", kind.extension())
    }
}

fn mark(s: &Snapshot) -> SavedMark {
    SavedMark {
        scenario: Arc::as_ptr(&s.scenario) as usize,
        recorded: s.recorded.len(),
        seed: s.seed,
    }
}

/// Reads and checks a scenario file; the error names file, line, column and field.
pub fn load(path: &Path) -> Result<Scenario, String> {
    scenario::load_file(path).map_err(|e| e.to_string())
}

/// The scenario to save for `s`: its configuration with the learner's
/// actions merged into the timeline (and the duration stretched to cover
/// them when the learner played past the end), and `description`.
pub fn to_save(s: &Snapshot, description: &str) -> Scenario {
    let mut config: SimConfig = replay_config(s);
    let last = config.timeline.iter().map(|a| a.at).max();
    if let Some(last) = last {
        let needed = last.saturating_since(crate::sim::time::SimTime::ZERO);
        if needed >= config.duration {
            // Whole seconds past the last action, so it lies inside the run.
            let secs = needed.as_secs_f64().floor() + 1.0;
            config.duration = SimDuration::from_secs_f64(secs);
        }
    }
    Scenario {
        config,
        description: description.to_string(),
    }
}

/// Saves `s` to `path` (atomically: a failed save leaves the old file).
pub fn save(path: &Path, s: &Snapshot, description: &str) -> Result<(), String> {
    scenario::save_file(path, &to_save(s, description))
        .map_err(|e| format!("{}: cannot save: {e}", path.display()))
}
