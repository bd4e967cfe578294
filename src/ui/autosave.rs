//! The autosave of unsaved work: while the learner has actions not saved to
//! a file, the scenario with them is written (atomically, like any save) to
//! `autosave.ron` in faultlab's data folder, at most every
//! [`INTERVAL_S`] seconds. A clean exit, or the work being saved or
//! dropped, removes the file; so a file found at start-up is work a crash
//! lost, and the window offers to restore it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::live::Snapshot;
use crate::scenario::{self, Scenario};

use super::files::{Files, to_save};

/// Fewest seconds (of the window's clock) between two autosaves.
pub const INTERVAL_S: f64 = 10.0;

/// The autosave's file name in faultlab's data folder.
pub const FILE_NAME: &str = "autosave.ron";

/// The autosave file and what was last written to it.
#[derive(Default)]
pub struct Autosave {
    /// Where to write; `None` turns autosave off.
    path: Option<PathBuf>,
    /// The run last written: scenario, actions, seed.
    written: Option<(usize, usize, u64)>,
    /// When it was last written (the window's clock, seconds).
    last_write: f64,
    /// Work found at start-up, offered for restoring.
    offer: Option<Scenario>,
    /// The last write failed (shown once, then retried quietly).
    pub error: Option<String>,
}

impl Autosave {
    /// Autosave to `path`; work already there (a crash's) is offered.
    pub fn at(path: PathBuf) -> Self {
        let offer = path
            .exists()
            .then(|| scenario::load_file(&path).ok())
            .flatten();
        Autosave {
            path: Some(path),
            offer,
            ..Autosave::default()
        }
    }

    /// `autosave.ron` in faultlab's data folder (`None` when there is none).
    pub fn default_path() -> Option<PathBuf> {
        eframe::storage_dir("faultlab").map(|d| d.join(FILE_NAME))
    }

    /// Takes the offered work to restore it. Its file stays until the
    /// restored work is saved or autosaved over.
    pub fn take_offer(&mut self) -> Option<Scenario> {
        self.offer.take()
    }

    /// Drops the offered work and its file.
    pub fn discard_offer(&mut self) {
        self.offer = None;
        self.remove();
    }

    /// Called every frame: writes unsaved work when it changed (and the
    /// interval passed), removes the file when there is none.
    pub fn tick(&mut self, snap: &Snapshot, files: &Files, description: &str, now: f64) {
        let Some(path) = self.path.clone() else {
            return;
        };
        if self.offer.is_some() {
            return; // the file holds the lost work until the learner decides
        }
        if !files.unsaved(snap) {
            if self.written.is_some() {
                self.remove();
            }
            return;
        }
        let mark = (
            Arc::as_ptr(&snap.scenario) as usize,
            snap.recorded.len(),
            snap.seed,
        );
        if self.written == Some(mark)
            || (self.written.is_some() && now - self.last_write < INTERVAL_S)
        {
            return;
        }
        self.last_write = now;
        match scenario::save_file(&path, &to_save(snap, description)) {
            Ok(()) => {
                self.written = Some(mark);
                self.error = None;
            }
            Err(e) => self.error = Some(format!("{}: cannot autosave: {e}", path.display())),
        }
    }

    /// The restore prompt while work is on offer; returns the work when the
    /// learner chooses to restore it.
    pub fn prompt(&mut self, ctx: &egui::Context) -> Option<Scenario> {
        let offer = self.offer.as_ref()?;
        let mut restore = None;
        egui::Modal::new(egui::Id::unique("autosave-restore")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            ui.heading("Restore unsaved work?");
            ui.label(format!(
                "faultlab did not close cleanly last time. Your unsaved work on \"{}\" \
                 (the scenario with the actions you had taken, {} timeline entries) was kept.",
                offer.config.name,
                offer.config.timeline.len()
            ));
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Restore").clicked() {
                    restore = Some(true);
                }
                if ui.button("Discard").clicked() {
                    restore = Some(false);
                }
            });
        });
        match restore? {
            true => self.take_offer(),
            false => {
                self.discard_offer();
                None
            }
        }
    }

    /// A clean exit: the work was saved or knowingly dropped. Work still on
    /// offer is kept for the next start.
    pub fn on_exit(&mut self) {
        if self.offer.is_none() {
            self.remove();
        }
    }

    fn remove(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
        self.written = None;
    }
}
