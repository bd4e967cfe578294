//! The plotted series, extracted once per closed metrics window and kept
//! (numbers only), then downsampled to the plot's width at draw time so an
//! hour of one-second windows stays cheap to draw.

use std::sync::Arc;

use egui_plot::PlotPoint;

use crate::metrics::WindowSummary;

/// How the windows falling in one pixel bucket are reduced to one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    /// The largest: keeps latency spikes and queue peaks visible.
    Max,
    /// The smallest: keeps availability and budget dips visible.
    Min,
    /// The mean: rates.
    Mean,
}

/// One named series of per-window values (NaN where a window has none).
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Values, one per window.
    pub ys: Vec<f64>,
}

/// Every series of a run so far.
#[derive(Default)]
pub struct SeriesCache {
    /// The last window taken in, to tell an append from a new run.
    last: Option<Arc<WindowSummary>>,
    first: Option<Arc<WindowSummary>>,
    /// Window end times, seconds.
    pub xs: Vec<f64>,
    /// Latency percentiles p50, p90, p99, p99.9 (ms).
    pub latency: [Series; 4],
    /// Availability, percent.
    pub availability: Series,
    /// Successful requests per second.
    pub ok_per_s: Series,
    /// Failed requests per second.
    pub failed_per_s: Series,
    /// Client attempts per second.
    pub attempts_per_s: Series,
    /// Error budget left, percent.
    pub budget: Series,
    /// Service names (non-client nodes), in the order of the first window.
    pub services: Vec<String>,
    /// Utilization per service, percent.
    pub utilization: Vec<Series>,
    /// Mean queue length per service.
    pub queue: Vec<Series>,
    /// The run has replicated state (a store, monitor or Raft node).
    pub has_state: bool,
    /// Stale reads per window.
    pub stale_reads: Series,
    /// Lost writes per window (provisional live).
    pub lost_writes: Series,
    /// False suspicions per window.
    pub false_suspicions: Series,
    /// Longest time to detect a crash per window, ms (NaN without detections).
    pub detect_ms: Series,
}

impl SeriesCache {
    /// Takes in windows closed since the last call (or starts over when
    /// `windows` belongs to another run).
    pub fn update(&mut self, windows: &[Arc<WindowSummary>]) {
        let cached = self.xs.len();
        let same_run = match (&self.first, windows.first()) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, _) => cached == 0,
            (Some(_), None) => false,
        } && windows.len() >= cached
            && (cached == 0
                || self
                    .last
                    .as_ref()
                    .is_some_and(|l| Arc::ptr_eq(l, &windows[cached - 1])));
        if !same_run {
            *self = SeriesCache::default();
        }
        for w in &windows[self.xs.len()..] {
            self.push(w);
        }
        self.first = windows.first().cloned();
        self.last = windows.last().cloned();
    }

    fn push(&mut self, w: &WindowSummary) {
        if self.xs.is_empty() {
            self.services = w.services.keys().cloned().collect();
            self.utilization = vec![Series::default(); self.services.len()];
            self.queue = vec![Series::default(); self.services.len()];
        }
        let width = (w.end_s - w.start_s).max(1e-9);
        self.xs.push(w.end_s);
        let has_latency = w.ok > 0;
        let l = &w.latency_ms;
        for (s, v) in self.latency.iter_mut().zip([l.p50, l.p90, l.p99, l.p999]) {
            s.ys.push(if has_latency { v } else { f64::NAN });
        }
        self.availability.ys.push(w.availability * 100.0);
        self.ok_per_s.ys.push(w.ok as f64 / width);
        self.failed_per_s.ys.push(w.failed as f64 / width);
        self.attempts_per_s.ys.push(w.attempts as f64 / width);
        self.budget.ys.push(w.budget_remaining * 100.0);
        if let Some(st) = &w.state {
            self.has_state = true;
            self.stale_reads.ys.push(st.stale_reads as f64);
            self.lost_writes.ys.push(st.lost_writes as f64);
            self.false_suspicions.ys.push(st.false_suspicions as f64);
            self.detect_ms.ys.push(if st.detections > 0 {
                st.detect_ms_max
            } else {
                f64::NAN
            });
        }
        for (i, name) in self.services.iter().enumerate() {
            let s = w.services.get(name);
            self.utilization[i]
                .ys
                .push(s.map_or(f64::NAN, |s| s.utilization * 100.0));
            self.queue[i].ys.push(s.map_or(f64::NAN, |s| s.mean_queue));
        }
    }
}

/// The points of `ys` (at `xs`) within `x_range` (plus one on each side),
/// reduced to at most `max_points` by `reduce` over equal slices of x;
/// `map` is applied to each kept value (e.g. log10). NaNs are skipped.
pub fn downsample(
    xs: &[f64],
    ys: &[f64],
    x_range: (f64, f64),
    max_points: usize,
    reduce: Reduce,
    map: impl Fn(f64) -> f64,
) -> Vec<PlotPoint> {
    let n = xs.len().min(ys.len());
    if n == 0 {
        return Vec::new();
    }
    let lo = xs[..n]
        .partition_point(|&x| x < x_range.0)
        .saturating_sub(1);
    let hi = (xs[..n].partition_point(|&x| x <= x_range.1) + 1).min(n);
    if lo >= hi {
        return Vec::new();
    }
    let span = hi - lo;
    let max_points = max_points.max(2);
    let mut out = Vec::with_capacity(span.min(max_points) + 1);
    if span <= max_points {
        for i in lo..hi {
            if !ys[i].is_nan() {
                out.push(PlotPoint::new(xs[i], map(ys[i])));
            }
        }
        return out;
    }
    let per = span.div_ceil(max_points);
    let mut i = lo;
    while i < hi {
        let end = (i + per).min(hi);
        let mut acc: Option<f64> = None;
        let mut sum = 0.0;
        let mut count = 0usize;
        let mut x_at = xs[end - 1];
        for j in i..end {
            let y = ys[j];
            if y.is_nan() {
                continue;
            }
            count += 1;
            sum += y;
            let better = match (reduce, acc) {
                (_, None) => true,
                (Reduce::Max, Some(a)) => y > a,
                (Reduce::Min, Some(a)) => y < a,
                (Reduce::Mean, Some(_)) => false,
            };
            if better {
                acc = Some(y);
                if reduce != Reduce::Mean {
                    x_at = xs[j];
                }
            }
        }
        if count > 0 {
            let y = match reduce {
                Reduce::Mean => sum / count as f64,
                _ => acc.unwrap_or(f64::NAN),
            };
            out.push(PlotPoint::new(x_at, map(y)));
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let xs = [1.0, 2.0, 3.0];
        let ys = [5.0, f64::NAN, 7.0];
        let p = downsample(&xs, &ys, (0.0, 10.0), 100, Reduce::Max, |y| y);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].y, 7.0);
    }

    #[test]
    fn long_series_keep_their_peaks() {
        let xs: Vec<f64> = (0..3600).map(f64::from).collect();
        let mut ys = vec![1.0; 3600];
        ys[1234] = 99.0;
        let p = downsample(&xs, &ys, (0.0, 3600.0), 300, Reduce::Max, |y| y);
        assert!(p.len() <= 301);
        assert!(p.iter().any(|q| q.y == 99.0 && q.x == 1234.0));
        let p = downsample(&xs, &ys, (0.0, 3600.0), 300, Reduce::Min, |y| y);
        assert!(p.iter().all(|q| q.y == 1.0));
    }

    #[test]
    fn only_the_visible_range_is_drawn() {
        let xs: Vec<f64> = (0..100).map(f64::from).collect();
        let ys = xs.clone();
        let p = downsample(&xs, &ys, (10.0, 20.0), 1000, Reduce::Mean, |y| y);
        assert_eq!(p.first().map(|q| q.x), Some(9.0));
        assert_eq!(p.last().map(|q| q.x), Some(21.0));
    }

    #[test]
    fn a_new_run_starts_the_cache_over() {
        let w = |end: f64| {
            Arc::new(WindowSummary {
                start_s: end - 1.0,
                end_s: end,
                ok: 1,
                total: 1,
                availability: 1.0,
                ..Default::default()
            })
        };
        let run1 = vec![w(1.0), w(2.0)];
        let mut c = SeriesCache::default();
        c.update(&run1);
        assert_eq!(c.xs, vec![1.0, 2.0]);
        let mut more = run1.clone();
        more.push(w(3.0));
        c.update(&more);
        assert_eq!(c.xs, vec![1.0, 2.0, 3.0]);
        let run2 = vec![w(1.0)];
        c.update(&run2);
        assert_eq!(c.xs, vec![1.0]);
    }
}
