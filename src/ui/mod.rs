//! The window (egui/eframe): the cluster as a live graph, an inspector with
//! knobs and fault buttons, plots over simulated time, and a timeline.
//!
//! The window only reads [`Snapshot`](crate::live::Snapshot)s and sends
//! [`Command`](crate::live::Command)s (DESIGN.md, principle 4). Modules, one
//! concept each:
//!
//! - `app`: the [`FaultlabApp`] — layout, shortcuts, files, undo, dialogs.
//! - `topbar`: menus and run controls (play, step, speed, seed, SLO status).
//! - `graph`: the graph view — pan, zoom, drag, select; `glyphs` draws a
//!   node, `links` an edge with its dots and cuts; `topology` holds the
//!   petgraph graph, node roles and the automatic layout.
//! - `inspector`: the selected node, link or group, its knobs and buttons;
//!   `policy` edits a call policy, `dist_edit` a latency distribution,
//!   `drafts` holds unapplied edits and their undo history, `effective`
//!   works out the knobs in force from the snapshot alone.
//! - `plots` and `series`: the plots and their downsampled data;
//!   `timeline`: the strip of events with rewind.
//! - `lab_panel`: the lab picker, the lab's text, its live checklist,
//!   predictions and hints, with progress kept between launches.
//! - `files`: open and save; `autosave`: unsaved work kept across a crash;
//!   `export`: PNG of the window or one plot, metrics as JSON/CSV;
//!   `palette`: the one colour palette; `style`: fonts;
//!   `traces`: the traces and RED/USE windows, `waterfall` one trace's
//!   spans, `trace_path` the path a trace took (highlighted on the graph);
//!   `compare`: fork the run with one change and plot both;
//!   `metastability`: offered load against goodput and retry
//!   amplification per edge;
//!   `zones`: crash, cut off or restore a whole zone;
//!   `driver`: the live runner or a thread-free session (tests); `pace`:
//!   the achieved speed and frame rate.

mod app;
mod autosave;
mod compare;
mod deploy_panel;
mod dist_edit;
mod drafts;
mod driver;
mod effective;
mod export;
mod files;
mod glyphs;
mod graph;
mod inspector;
mod lab_panel;
mod links;
pub mod metastability;
mod pace;
mod palette;
mod plots;
mod policy;
mod pool_view;
mod replica_view;
mod selection;
mod series;
mod style;
mod timeline;
mod timeline_marks;
mod topbar;
mod topology;
pub mod trace_path;
mod traces;
mod waterfall;
mod widgets;
mod zones;

use std::path::PathBuf;

pub use app::FaultlabApp;
pub use driver::Driver;
pub use effective::replay_config;
pub use selection::Selection;

use crate::scenario::Scenario;

/// Opens the window with `scenario` running (from the file at `path`, if
/// any). Blocks until the window closes. Call on the main thread, outside
/// any async runtime.
pub fn run(scenario: Scenario, path: Option<PathBuf>) -> eframe::Result {
    run_with_lab(scenario, path, None)
}

/// Like [`run`], with the lab in `lab` (a `labs/NN-slug` folder) open in the
/// lab panel and its starting scenario running.
pub fn run_with_lab(
    scenario: Scenario,
    path: Option<PathBuf>,
    lab: Option<PathBuf>,
) -> eframe::Result {
    let title = format!("faultlab — {}", scenario.config.name);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_app_id("faultlab")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "faultlab",
        options,
        Box::new(move |cc| {
            let mut app = FaultlabApp::new(cc, scenario, path);
            if let Some(dir) = lab {
                app.open_lab(&dir);
            }
            Ok(Box::new(app))
        }),
    )
}
