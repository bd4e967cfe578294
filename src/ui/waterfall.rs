//! The waterfall of one trace: a row per span (indented under its parent),
//! a bar in true time, an outline where the span's own node clock puts it
//! (so clock skew shows as a shift), the clock difference in a column, and
//! tags for retries, hedges, timeouts, open breakers, fallbacks and
//! duplicate executions. Scrolls both ways for long traces.

use egui::{
    Align2, Color32, FontId, Rect, RichText, ScrollArea, Sense, Stroke, StrokeKind, Ui, pos2, vec2,
};

use super::palette;
use super::traces::describe;
use crate::metrics::trace::{Span, SpanStatus, Trace};
use crate::sim::message::Failure;

/// Height of one row.
const ROW: f32 = 20.0;
/// Width of the span names.
const LABEL_W: f32 = 360.0;
/// Width of the clock column.
const CLOCK_W: f32 = 86.0;
/// Narrowest the bars get (wider windows give them more).
const MIN_BARS_W: f32 = 420.0;
/// Room right of the bars for the tags of a span ending at the trace's end.
const TAGS_W: f32 = 150.0;

/// Draws the waterfall of `t`; `names` are the scenario's node names.
pub fn show(ui: &mut Ui, t: &Trace, names: &[&str]) {
    let start = t.start.as_nanos();
    let end = t
        .spans
        .iter()
        .filter_map(|s| s.end)
        .chain(t.end)
        .map(|e| e.as_nanos())
        .max()
        .unwrap_or(start)
        .max(start + 1);
    ui.label(format!(
        "request {} from {} · {:.3} ms end to end · {} spans",
        t.root.0 & 0xff_ffff_ffff,
        names.get(t.client as usize).copied().unwrap_or("?"),
        t.latency().as_millis_f64(),
        t.spans.len()
    ));
    legend(ui);
    // The client's clock is the reference: an outline shifted from its bar
    // means that node's clock disagrees with the client's.
    let client_offset = t.spans.first().map_or(0, local_offset);
    let depth = depths(t);
    let bars_w = (ui.available_width() - LABEL_W - CLOCK_W - TAGS_W - 24.0).max(MIN_BARS_W);
    let scale = Scale {
        start,
        end,
        left: 0.0,
        width: bars_w,
    };
    ScrollArea::both()
        .auto_shrink([false, false])
        .max_height(ui.available_height().max(160.0))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                left_aligned(
                    ui,
                    LABEL_W,
                    egui::Label::new(RichText::new("span").strong()),
                );
                ui.add_sized(
                    vec2(CLOCK_W, ROW),
                    egui::Label::new(RichText::new("clock skew").strong()),
                )
                .on_hover_text("The node's clock minus the client's at the span's start: skew.");
                let (rect, _) = ui.allocate_exact_size(vec2(bars_w + TAGS_W, ROW), Sense::hover());
                axis(ui, rect, &scale);
            });
            for (s, d) in t.spans.iter().zip(depth) {
                ui.horizontal(|ui| {
                    let text = format!("{}{}", "   ".repeat(d.min(12)), describe(s, names));
                    left_aligned(ui, LABEL_W, egui::Label::new(text).truncate());
                    let skew_ms = (local_offset(s) - client_offset) as f64 / 1e6;
                    let skew = RichText::new(format!("{skew:+.3} ms", skew = skew_ms)).monospace();
                    let skew = if skew_ms.abs() >= 0.001 {
                        skew.color(palette::PURPLE)
                    } else {
                        skew.weak()
                    };
                    ui.add_sized(vec2(CLOCK_W, ROW), egui::Label::new(skew));
                    let (rect, response) =
                        ui.allocate_exact_size(vec2(bars_w + TAGS_W, ROW), Sense::hover());
                    let row = Scale {
                        left: rect.left(),
                        ..scale
                    };
                    bar(ui, rect, &row, s, client_offset);
                    response.on_hover_text(hover(s, start, end, names));
                });
            }
        });
}

/// A widget in a cell `width` wide, from its left edge.
fn left_aligned(ui: &mut Ui, width: f32, widget: impl egui::Widget) {
    ui.allocate_ui_with_layout(
        vec2(width, ROW),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.set_min_width(width);
            ui.add(widget)
        },
    );
}

/// Maps true nanoseconds to x within the bars.
#[derive(Clone, Copy)]
struct Scale {
    start: u64,
    end: u64,
    left: f32,
    width: f32,
}

impl Scale {
    fn x(&self, ns: i128) -> f32 {
        let frac = (ns - i128::from(self.start)) as f64 / (self.end - self.start) as f64;
        self.left + self.width * frac as f32
    }
}

/// Local clock minus true time at the span's start, nanoseconds.
fn local_offset(s: &Span) -> i128 {
    i128::from(s.local_start) - i128::from(s.start.as_nanos())
}

fn legend(ui: &mut Ui) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 10.0;
        for (c, w) in [
            (palette::BLUE, "ok"),
            (palette::VERMILLION, "failed"),
            (palette::ORANGE, "fallback / duplicate"),
            (Color32::GRAY, "abandoned or open"),
        ] {
            ui.label(RichText::new(format!("■ {w}")).color(c).small());
        }
        ui.label(
            RichText::new(
                "bar: true time · outline: the span on its node's own clock (shifted = skew)",
            )
            .small()
            .weak(),
        );
    });
}

/// Tick marks and millisecond labels above the bars.
fn axis(ui: &Ui, rect: Rect, scale: &Scale) {
    let scale = Scale {
        left: rect.left(),
        ..*scale
    };
    let painter = ui.painter_at(rect);
    let total_ms = (scale.end - scale.start) as f64 / 1e6;
    let step = nice_step(total_ms / 6.0);
    let color = ui.visuals().weak_text_color();
    let mut ms = 0.0;
    while ms <= total_ms + 1e-9 {
        let x = scale.x(i128::from(scale.start) + (ms * 1e6) as i128);
        painter.line_segment(
            [pos2(x, rect.bottom() - 5.0), pos2(x, rect.bottom())],
            Stroke::new(1.0, color),
        );
        painter.text(
            pos2(x + 2.0, rect.center().y - 2.0),
            Align2::LEFT_CENTER,
            format!("{} ms", trim(ms)),
            FontId::proportional(10.5),
            color,
        );
        ms += step;
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1e-6);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * p)
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One span's bar, its local-clock outline and its tags.
fn bar(ui: &Ui, rect: Rect, scale: &Scale, s: &Span, client_offset: i128) {
    let painter = ui.painter_at(rect);
    let s0 = i128::from(s.start.as_nanos());
    let s1 = s
        .end
        .map_or(i128::from(scale.end), |e| i128::from(e.as_nanos()));
    let (x0, x1) = (scale.x(s0), scale.x(s1).max(scale.x(s0) + 2.0));
    let fill = colour(s);
    let bar = Rect::from_min_max(pos2(x0, rect.top() + 4.0), pos2(x1, rect.bottom() - 4.0));
    painter.rect_filled(bar, 2.0, fill);
    // Where the node's own clock (read against the client's) puts the span.
    let shift = local_offset(s) - client_offset;
    if shift != 0 {
        let (l0, l1) = (
            scale.x(s0 + shift),
            scale.x(s1 + shift).max(scale.x(s0 + shift) + 2.0),
        );
        let outline = Rect::from_min_max(pos2(l0, rect.top() + 1.0), pos2(l1, rect.bottom() - 1.0));
        painter.rect_stroke(
            outline,
            2.0,
            Stroke::new(1.5, palette::PURPLE),
            StrokeKind::Inside,
        );
    }
    let mut x = x1 + 4.0;
    for (tag, color) in tags(s) {
        let r = painter.text(
            pos2(x, rect.center().y),
            Align2::LEFT_CENTER,
            tag,
            FontId::proportional(11.0),
            color,
        );
        x = r.right() + 5.0;
    }
}

/// The marks a span carries, as short coloured words.
pub fn tags(s: &Span) -> Vec<(&'static str, Color32)> {
    let mut out = Vec::new();
    if s.retry {
        out.push(("↻ retry", palette::ORANGE));
    }
    if s.hedge {
        out.push(("hedge", palette::SKY));
    }
    match s.status {
        SpanStatus::Failed(Failure::Timeout) => out.push(("timeout", palette::VERMILLION)),
        SpanStatus::Failed(Failure::CircuitOpen) => {
            out.push(("⊘ breaker open", palette::VERMILLION))
        }
        SpanStatus::Failed(cause) => out.push((cause.key(), palette::VERMILLION)),
        SpanStatus::Abandoned => out.push(("abandoned", Color32::GRAY)),
        SpanStatus::Ok | SpanStatus::Open => {}
    }
    if s.fallback {
        out.push(("fallback", palette::ORANGE));
    }
    if s.duplicate {
        out.push(("DUPLICATE", palette::VERMILLION));
    }
    if s.deduplicated {
        out.push(("deduplicated", palette::GREEN));
    }
    out
}

fn hover(s: &Span, start: u64, end: u64, names: &[&str]) -> String {
    let s_end = s.end.map_or(end, |e| e.as_nanos());
    format!(
        "{}\ntrue {:.3} → {:.3} ms after the request began\nlocal {:.3} → {} ms on {}'s clock",
        describe(s, names),
        (s.start.as_nanos() - start) as f64 / 1e6,
        (s_end - start) as f64 / 1e6,
        s.local_start as f64 / 1e6,
        s.local_end
            .map_or("—".to_string(), |e| format!("{:.3}", e as f64 / 1e6)),
        names.get(s.node as usize).copied().unwrap_or("?"),
    )
}

fn colour(s: &Span) -> Color32 {
    match s.status {
        SpanStatus::Ok if s.fallback || s.duplicate => palette::ORANGE,
        SpanStatus::Ok => palette::BLUE,
        SpanStatus::Failed(_) => palette::VERMILLION,
        SpanStatus::Abandoned | SpanStatus::Open => Color32::GRAY,
    }
}

/// Depth of each span in its tree (the request span at 0).
fn depths(t: &Trace) -> Vec<usize> {
    let mut depth = vec![0usize; t.spans.len()];
    for (i, s) in t.spans.iter().enumerate() {
        // Parents start first, so they come earlier in the list.
        if let Some(p) = t.spans[..i].iter().position(|p| Some(p.id) == s.parent) {
            depth[i] = depth[p] + 1;
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(60.0), 100.0);
        assert!((nice_step(0.013) - 0.02).abs() < 1e-12);
        assert_eq!(trim(2.500), "2.5");
        assert_eq!(trim(10.0), "10");
    }
}
