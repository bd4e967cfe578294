//! Exports: the window as a PNG image, and the run's metrics as JSON or CSV.
//!
//! Metrics come from a headless replay of the scenario with the learner's
//! actions up to the current time (the same numbers the live run shows, by
//! determinism), computed on a worker thread so the window stays responsive.
//! Results come back as messages the app polls each frame.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use egui::{ColorImage, Context};

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
}

impl Kind {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Csv => "csv",
            Kind::Png => "png",
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
        let result = write(&path, &png(&image));
        outbox.put(
            result.map(|()| format!("Saved a picture of the window to {}", path.display())),
            &ctx2,
        );
    });
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Encodes an image as PNG (RGBA, 8 bits, deflate "stored" blocks: larger
/// than a compressed PNG but needs no extra crate and every viewer reads it).
pub fn png(image: &ColorImage) -> Vec<u8> {
    let [w, h] = image.size;
    let mut raw = Vec::with_capacity(h * (w * 4 + 1));
    for row in image.pixels.chunks(w.max(1)).take(h) {
        raw.push(0); // filter: none
        for p in row {
            let [r, g, b, a] = p.to_srgba_unmultiplied();
            raw.extend_from_slice(&[r, g, b, a]);
        }
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 65_535 * 5 + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(w as u32).to_be_bytes());
    ihdr.extend_from_slice(&(h as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter set, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of uncompressed deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65_535 * 5 + 11);
    out.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = u8::from(blocks.peek().is_none());
        let len = block.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn a_png_has_its_signature_size_and_end() {
        let img = ColorImage::filled([3, 2], egui::Color32::RED);
        let bytes = png(&img);
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&bytes[16..24], &[0, 0, 0, 3, 0, 0, 0, 2]);
        assert_eq!(&bytes[bytes.len() - 8..bytes.len() - 4], b"IEND");
    }
}
