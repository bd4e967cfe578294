//! Exports: the window as a PNG image, and the run's metrics as JSON or CSV.
//!
//! Metrics come from a headless replay of the scenario with the learner's
//! actions up to the current time (the same numbers the live run shows, by
//! determinism), computed on a worker thread so the window stays responsive.
//! Results come back as messages the app polls each frame.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use egui::{ColorImage, Context, Rect};

use super::effective::replay_config;
use crate::live::Snapshot;
use crate::report;
use crate::sim::Simulation;

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The per-run summary with the per-window series, as one JSON document.
    Json,
    /// The per-window series as CSV.
    Csv,
    /// A picture of the whole window.
    Png,
    /// A picture of one plot, named as in [`super::plots::PLOT_NAMES`].
    PlotPng(&'static str),
}

impl Kind {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Csv => "csv",
            Kind::Png | Kind::PlotPng(_) => "png",
        }
    }
}

/// Messages from export threads: `Ok(what was written)` or `Err(why not)`.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Mutex<Vec<Result<String, String>>>>);

impl Outbox {
    /// Takes the messages that arrived.
    pub fn take(&self) -> Vec<Result<String, String>> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    fn put(&self, m: Result<String, String>, ctx: &Context) {
        if let Ok(mut v) = self.0.lock() {
            v.push(m);
        }
        ctx.request_repaint();
    }
}

/// Starts exporting the metrics of `snapshot`'s run so far to `path`.
pub fn metrics(ctx: &Context, snapshot: &Snapshot, kind: Kind, path: PathBuf, outbox: &Outbox) {
    let config = replay_config(snapshot);
    let until = snapshot.now;
    let (ctx, outbox) = (ctx.clone(), outbox.clone());
    std::thread::spawn(move || {
        let mut sim = Simulation::new(config);
        sim.run_until(until);
        let summary = sim.finish();
        let result = match kind {
            Kind::Csv => {
                let mut bytes = Vec::new();
                report::write_csv(&summary, &mut bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|()| write(&path, &bytes))
            }
            _ => write(&path, report::to_json(&summary).as_bytes()),
        };
        outbox.put(
            result.map(|()| format!("Exported metrics to {}", path.display())),
            &ctx,
        );
    });
}

/// Asks for a picture of the next frame and writes it to `path` as PNG.
pub fn window_png(ctx: &Context, path: PathBuf, outbox: &Outbox) {
    let (ctx2, outbox) = (ctx.clone(), outbox.clone());
    ctx.request_screenshot(move |image| {
        let result = png(&image).and_then(|bytes| write(&path, &bytes));
        outbox.put(
            result.map(|()| format!("Saved a picture of the window to {}", path.display())),
            &ctx2,
        );
    });
}

/// Asks for a picture of the next frame, cuts out `rect` (in points) and
/// writes it to `path` as PNG: one plot, say.
pub fn region_png(ctx: &Context, rect: Rect, what: &str, path: PathBuf, outbox: &Outbox) {
    let (ctx2, outbox, what) = (ctx.clone(), outbox.clone(), what.to_string());
    let pixels_per_point = ctx.pixels_per_point();
    ctx.request_screenshot(move |image| {
        let [w, h] = image.size;
        let whole = Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(w as f32, h as f32) / pixels_per_point,
        );
        let inside = rect.intersect(whole);
        let result = if inside.width() < 1.0 || inside.height() < 1.0 {
            Err(format!("the {what} plot is not on screen"))
        } else {
            png(&image.region(&inside, Some(pixels_per_point)))
                .and_then(|bytes| write(&path, &bytes))
        };
        outbox.put(
            result.map(|()| format!("Saved the {what} plot to {}", path.display())),
            &ctx2,
        );
    });
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Encodes an image as an 8-bit RGBA PNG.
pub fn png(image: &ColorImage) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|p| p.to_srgba_unmultiplied())
        .collect();
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, w as u32, h as u32);
    encoder.set_color(::png::ColorType::Rgba);
    encoder.set_depth(::png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&rgba))
        .map_err(|e| format!("cannot encode the picture: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_decodes_to_the_same_pixels() {
        let mut img = ColorImage::filled([3, 2], egui::Color32::RED);
        img.pixels[4] = egui::Color32::from_rgb(10, 200, 30);
        let bytes = png(&img).expect("encodes");
        let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut buf).expect("one frame");
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&buf[..4], &[255, 0, 0, 255]);
        assert_eq!(&buf[16..20], &[10, 200, 30, 255]);
    }
}
