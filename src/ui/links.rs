//! How one caller → callee edge looks: an arrow whose width says traffic and
//! whose colour says the share of failed attempts, with moving dots for
//! requests (out) and replies (back; failed ones drawn as crosses), and a
//! barrier with words where the network is cut, one way or both.

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Shape, Stroke, Vec2, vec2};

use super::palette;
use crate::live::EdgeState;

/// Most dots drawn on one edge in each direction.
pub const MAX_DOTS: usize = 14;
/// Dots travel this fraction of an edge per second of wall time.
const DOT_SPEED: f64 = 0.45;

/// Colours of the theme used by the edge.
pub struct Theme {
    /// Edge colour without errors.
    pub neutral: Color32,
    /// Panel background.
    pub bg: Color32,
    /// Text colour.
    pub text: Color32,
}

/// Width of an edge carrying `rate` attempts per second.
pub fn width(rate: f64, zoom: f32) -> f32 {
    let w = 1.0 + 1.5 * (1.0 + rate.max(0.0)).log10() as f32;
    w.min(8.0) * zoom.clamp(0.6, 1.4)
}

/// Dots on an edge carrying `rate` when the busiest edge carries `max_rate`:
/// proportional to the rate, at least one on any edge with traffic.
pub fn dots(rate: f64, max_rate: f64) -> usize {
    if rate <= 0.0 || max_rate <= 0.0 {
        return 0;
    }
    ((rate / max_rate * MAX_DOTS as f64).ceil() as usize).clamp(1, MAX_DOTS)
}

/// Paints the edge from `p0` (caller side) to `p1` (callee side).
/// `anim` is the animation clock in seconds (frozen while paused).
#[allow(clippy::too_many_arguments)]
pub fn paint_edge(
    painter: &Painter,
    p0: Pos2,
    p1: Pos2,
    e: &EdgeState,
    zoom: f32,
    anim: f64,
    max_rate: f64,
    theme: &Theme,
    highlight: bool,
    cut_words: &mut Vec<Rect>,
) {
    let d = p1 - p0;
    let len = d.length();
    if len < 1.0 {
        return;
    }
    let dir = d / len;
    let normal = vec2(-dir.y, dir.x);
    let cut = e.cut_forward || e.cut_backward;
    let failed = e.error_fraction.clamp(0.0, 1.0);
    let color = if cut {
        palette::VERMILLION
    } else {
        palette::error_rate(failed, theme.neutral)
    };
    let w = width(e.attempts_per_s, zoom);
    let head = (8.0 + w * 1.5) * zoom.clamp(0.6, 1.4);
    let shaft_end = p1 - dir * head;

    if highlight {
        painter.line_segment(
            [p0, shaft_end],
            Stroke::new(w + 6.0, palette::lerp(theme.bg, theme.text, 0.35)),
        );
    }
    if cut {
        painter.extend(Shape::dashed_line(
            &[p0, shaft_end],
            Stroke::new(w.max(1.5), color),
            8.0,
            6.0,
        ));
    } else {
        painter.line_segment([p0, shaft_end], Stroke::new(w, color));
    }
    let side = normal * head * 0.55;
    painter.add(Shape::convex_polygon(
        vec![p1, shaft_end + side, shaft_end - side],
        color,
        Stroke::NONE,
    ));

    // Moving dots: requests out on one side, replies back on the other.
    let n = dots(e.attempts_per_s, max_rate);
    if n > 0 && len > 40.0 {
        let r = (2.2 * zoom).clamp(1.5, 3.5);
        let off = normal * (w / 2.0 + r + 1.0);
        let fails = ((n as f64) * failed).round() as usize;
        for i in 0..n {
            let t = (anim * DOT_SPEED + i as f64 / n as f64).fract() as f32;
            // Requests stop at a forward cut (the barrier in the middle).
            if !(e.cut_forward && t > 0.5) {
                let p = p0 + d * t * 0.97 + off;
                painter.circle_filled(p, r, palette::SKY);
            }
            // Replies start at the callee; they stop at a backward cut, and
            // there are none past a forward cut (nothing arrived).
            if e.cut_forward || (e.cut_backward && t > 0.5) {
                continue;
            }
            let p = p1 - d * t * 0.97 - off;
            // Spread the failed replies among the dots.
            let failed = fails > 0 && (i * fails) % n < fails;
            if failed {
                let k = r * 1.1;
                let s = Stroke::new(1.6, palette::VERMILLION);
                painter.line_segment([p - vec2(k, k), p + vec2(k, k)], s);
                painter.line_segment([p - vec2(k, -k), p + vec2(k, -k)], s);
            } else {
                painter.circle_filled(p, r * 0.85, palette::BLUE);
            }
        }
    }

    if cut {
        paint_cut(painter, p0 + d * 0.5, (dir, normal), e, zoom, cut_words);
    }
}

/// A barrier across the middle of a cut edge, arrows that cannot pass it in
/// the cut direction(s), and a word — left out where it would cover a word
/// already in `words` (the barrier says it; the link's tooltip and
/// inspector say the rest).
fn paint_cut(
    painter: &Painter,
    mid: Pos2,
    (dir, normal): (Vec2, Vec2),
    e: &EdgeState,
    zoom: f32,
    words: &mut Vec<Rect>,
) {
    let z = zoom.clamp(0.6, 1.4);
    let bar = normal * 13.0 * z;
    let stroke = Stroke::new(4.0 * z, palette::VERMILLION);
    painter.line_segment([mid - bar, mid + bar], stroke);
    let arrow = Stroke::new(2.0 * z, palette::VERMILLION);
    let a = 16.0 * z;
    let gap = 4.0 * z;
    if e.cut_forward {
        // → blocked: an arrow from the caller's side hitting the barrier.
        let tip = mid - dir * gap + normal * 6.0 * z;
        painter.arrow(tip - dir * a, dir * a, arrow);
    }
    if e.cut_backward {
        // ← blocked: an arrow from the callee's side hitting the barrier.
        let tip = mid + dir * gap - normal * 6.0 * z;
        painter.arrow(tip + dir * a, -dir * a, arrow);
    }
    let word = match (e.cut_forward, e.cut_backward) {
        (true, true) => "⊘ cut both ways",
        (true, false) => "⊘ requests cut (one way)",
        _ => "⊘ replies cut (one way)",
    };
    let at = mid + bar + normal * 4.0 * z;
    let align = if normal.y >= 0.0 {
        Align2::CENTER_TOP
    } else {
        Align2::CENTER_BOTTOM
    };
    let galley = painter.layout_no_wrap(
        word.to_string(),
        FontId::proportional((11.0 * z).max(9.0)),
        palette::VERMILLION,
    );
    let rect = align.anchor_size(at, galley.size());
    if words.iter().any(|w| w.expand(2.0).intersects(rect)) {
        return;
    }
    words.push(rect);
    painter.galley(rect.min, galley, palette::VERMILLION);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_proportional_to_traffic() {
        assert_eq!(dots(0.0, 100.0), 0);
        assert_eq!(dots(100.0, 100.0), MAX_DOTS);
        assert_eq!(dots(50.0, 100.0), MAX_DOTS / 2);
        assert_eq!(dots(0.01, 100.0), 1);
    }

    #[test]
    fn busier_edges_are_wider() {
        assert!(width(1000.0, 1.0) > width(10.0, 1.0));
        assert!(width(1e9, 1.0) <= 8.0);
    }
}
