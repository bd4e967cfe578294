//! Saving: a [`Scenario`] written back as a scenario file a person can read.
//!
//! The output is what someone would write by hand (DESIGN.md, "The feel of a
//! scenario file"): names instead of ids, durations in the shortest exact
//! human unit (`"50ms"`, `"1.5s"`, `"2m"`, `"1234567ns"`), rates as plain
//! numbers, distributions in their readable form, and every value equal to
//! the loader's default left out. Links set in both directions alike are
//! written once with `between:`; a policy used by several calls is written
//! once under `policies:` as `"policy-1"`, `"policy-2"`, ... and referred to.
//!
//! For every configuration the loader produces, [`parse_str`](super::parse_str)
//! of the text gives the same configuration back, bit for bit, and writing
//! that again gives the same text. A configuration built by hand may hold
//! values the format cannot say; the nearest one it can is written:
//!
//! - distribution parameters are whole nanoseconds in a file, so fractional
//!   (or negative) ones are rounded to the nearest (or to zero);
//! - a `LogNormal` is written as its median and p99 in whole nanoseconds. For
//!   one the loader made, they are found exactly: the file gives back the
//!   same `mu` and `sigma`, bit for bit. For any other `mu`/`sigma` (with
//!   `exp(mu) ≥ 1`) they are the nearest whole nanoseconds, which gives back
//!   `mu` within `1 / median_ns` and `sigma` within about `1 / (p99_ns · Z_99)`
//!   (a millisecond median: within 1e-6);
//! - a `rate_limit` with neither bucket is left out (the loader makes `None`
//!   of it); a `SetLoad` is written as the client's new rate or population, so
//!   it takes the client's arrival process and think time when loaded again.
//!
//! Values outside the loader's limits are written as they are, so that
//! loading the file names the problem rather than hiding it.
//!
//! What a [`SimConfig`] does not hold cannot be written back: comments, the
//! names the file gave its policies (a policy used once is written in place),
//! unused named policies, and the file order of the timeline (the loader
//! sorts it by time). A text that would pass the loader's size limit when
//! laid out for reading is written with one line per node and entry instead.
//!
//! [`save_file`] writes a temporary file next to the target and renames it
//! over the target, so a failed save never damages the previous file.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

mod deploy;

use super::nested::DEFAULT_BUDGET_TOKENS;
use super::validate::{
    DEFAULT_EJECT_AFTER, DEFAULT_EJECT_FOR, DEFAULT_ELECTION_MAX, DEFAULT_ELECTION_MIN,
    DEFAULT_HEALTH_DETECTOR, DEFAULT_HEALTH_EVERY, DEFAULT_HEARTBEAT, DEFAULT_HIT, DEFAULT_KEY_TTL,
    DEFAULT_KEYS, DEFAULT_MAX_EJECTED, DEFAULT_MAX_LOG, DEFAULT_MIN_CALLS, DEFAULT_PHI_MIN_STD,
    DEFAULT_PHI_WINDOW, DEFAULT_PROBES, DEFAULT_QUORUM_TIMEOUT, DEFAULT_WINDOW,
};
use super::{FORMAT_VERSION, Scenario, limits};
use crate::sim::config::{
    Action, Arrivals, Backoff, BalanceStrategy, BreakerConfig, CallConfig, CallMode, CapMode,
    ClockConfig, DetectorConfig, Fallback, HedgeConfig, Jitter, KeySpace, LinkModel, Load,
    NodeConfig, NodeId, NodeKind, Operation, PolicyConfig, Priority, Resolve, RetryConfig, RetryOn,
    SimConfig, SloConfig, TokenBucketConfig,
};
use crate::sim::dist::{Dist, Z_99};
use crate::sim::time::SimDuration;

/// Lines are kept within this many columns where the values allow: wide
/// enough for most nodes to fit on one line.
const WIDTH: usize = 120;
/// A list broken over lines puts several items on a line when each is at most this wide.
const FILL_ITEM: usize = 30;
/// Spaces per level of indentation.
const INDENT: usize = 4;

/// Writes a scenario as scenario-file text (format [`FORMAT_VERSION`]).
///
/// Loading the text with [`parse_str`](super::parse_str) gives back the same
/// configuration and description for anything the loader produced; see the
/// module documentation for what a hand-built configuration may lose.
/// Never panics.
pub fn to_ron(scenario: &Scenario) -> String {
    let writer = Writer::new(&scenario.config);
    let doc = writer.scenario(&scenario.description);
    let mut out = String::new();
    doc.render(&mut out, WIDTH, 0, 0, 0);
    if out.len() >= limits::MAX_FILE_BYTES {
        // Too large for the loader laid out for reading: one line per node,
        // policy and timeline entry takes about half the space.
        out.clear();
        doc.render(&mut out, usize::MAX, 0, 0, 0);
    }
    out.push('\n');
    out
}

/// Saves a scenario to `path` (see [`to_ron`]) without ever damaging the
/// file already there.
///
/// The text goes to a new temporary file in the same directory, which is
/// flushed to disk and then renamed over `path` (following `path` if it is a
/// symbolic link, and keeping an existing file's permissions). On any error
/// the temporary file is removed and the previous file is left as it was.
pub fn save_file(path: &Path, scenario: &Scenario) -> io::Result<()> {
    save_with(path, &to_ron(scenario), &mut |file, bytes| {
        file.write_all(bytes)
    })
}

// ---- saving -------------------------------------------------------------------

/// Distinguishes the temporary files of one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// [`save_file`] with the write of the bytes into the temporary file done by
/// `write` (tests make it fail halfway).
fn save_with(
    path: &Path,
    text: &str,
    write: &mut dyn FnMut(&mut fs::File, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let target = follow_link(path);
    let Some(file_name) = target.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        ));
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (temp, mut file) = create_temp(&dir, &file_name.to_string_lossy())?;
    let result = (|| {
        write(&mut file, text.as_bytes())?;
        if let Ok(meta) = fs::metadata(&target)
            && meta.is_file()
        {
            // Best effort: a file saved over keeps who may read it.
            let _ = file.set_permissions(meta.permissions());
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    // Make the rename itself durable where the platform allows it.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file a symbolic link points to (so saving replaces that file, not the
/// link); any other path as it is.
fn follow_link(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Creates a new, unique temporary file in `dir`: `.NAME.PID.N.tmp`.
fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, fs::File)> {
    // Short enough that the temporary name stays within file-name limits.
    let stem: String = name.chars().take(64).collect();
    let mut last = None;
    for _ in 0..64 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(OsString::from(format!(
            ".{stem}.{}.{n}.tmp",
            std::process::id()
        )));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary file name")))
}

// ---- values -------------------------------------------------------------------

/// Units from the longest, with their length in nanoseconds.
const UNITS: [(&str, u128); 6] = [
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// A duration in the shortest exact form with a whole part of at least 1
/// (`"50ms"`, `"1.5s"`, `"2m"`, `"1234567ns"`); ties go to the longer unit.
/// Minutes and hours are used only with at most two decimals (`"36.5m"`,
/// never `"1021.0068191618m"`).
pub(crate) fn format_duration(d: SimDuration) -> String {
    let ns = u128::from(d.as_nanos());
    if ns == 0 {
        return "0s".to_string();
    }
    let mut best: Option<String> = None;
    for (unit, len) in UNITS {
        if ns < len {
            continue;
        }
        if let Some(mut s) = exact_decimal(ns, len) {
            let decimals = s.find('.').map_or(0, |dot| s.len() - dot - 1);
            if len > 1_000_000_000 && decimals > 2 {
                continue;
            }
            s.push_str(unit);
            if best.as_ref().is_none_or(|b| s.len() < b.len()) {
                best = Some(s);
            }
        }
    }
    best.unwrap_or_else(|| format!("{ns}ns"))
}

/// `ns / unit` as a terminating decimal, if it is one.
fn exact_decimal(ns: u128, unit: u128) -> Option<String> {
    let mut s = (ns / unit).to_string();
    let mut rem = ns % unit;
    if rem == 0 {
        return Some(s);
    }
    s.push('.');
    // No unit holds more than 2^13 or 5^12, so a terminating fraction ends within 13 digits.
    for _ in 0..16 {
        rem *= 10;
        s.push(char::from(b'0' + (rem / unit) as u8));
        rem %= unit;
        if rem == 0 {
            return Some(s);
        }
    }
    None
}

fn signed_duration(ns: i64) -> String {
    let d = format_duration(SimDuration(ns.unsigned_abs()));
    if ns < 0 { format!("-{d}") } else { d }
}

/// The nearest whole nanoseconds to a distribution parameter.
fn whole_ns(ns: f64) -> SimDuration {
    SimDuration::from_nanos_f64(ns)
}

/// A real number in its shortest form that reads back as the same `f64`.
fn num(x: f64) -> String {
    format!("{x}")
}

/// Like [`num`], with `.0` on whole numbers (`3.0`), for factors and coordinates.
fn num_point(x: f64) -> String {
    with_point(num(x))
}

fn with_point(s: String) -> String {
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        s + ".0"
    } else {
        s
    }
}

/// An `f32` coordinate: its shortest form when that reads back (through the
/// loader's `f64`) as the same `f32`, else its exact value as an `f64`.
fn coord(x: f32) -> String {
    let short = with_point(x.to_string());
    if short
        .parse::<f64>()
        .is_ok_and(|v| (v as f32).to_bits() == x.to_bits())
    {
        short
    } else {
        num_point(f64::from(x))
    }
}

/// A string literal, escaped for ron.
/// `zone: "z"`, the selector of a zone's Partition or Heal.
fn zone_field(zone: &str) -> Fields {
    let mut f = Fields::default();
    f.add("zone", atom(quote(zone)));
    f
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

/// Exact equality (f64 compared bit for bit, through their `Debug` form).
fn same<T: std::fmt::Debug>(a: &T, b: &T) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// The `(median, p99)` in whole nanoseconds that give this `mu` and `sigma`:
/// exactly when some pair does (any log-normal the loader made), else the nearest.
fn log_normal_median_p99(mu: f64, sigma: f64) -> (SimDuration, SimDuration) {
    const SEARCH: i64 = 8;
    let near = |x: f64| x.round().clamp(1.0, u64::MAX as f64) as i64;
    let around = |center: i64| {
        (0..=2 * SEARCH).map(move |k| {
            // 0, +1, -1, +2, -2, ...
            let step = (k + 1) / 2;
            center.saturating_add(if k % 2 == 1 { step } else { -step })
        })
    };
    let median0 = near(mu.exp());
    let median = around(median0)
        .filter(|&m| m >= 1)
        .find(|&m| same_f64((m as f64).ln(), mu))
        .unwrap_or(median0);
    let p990 = near(median as f64 * (sigma * Z_99).exp());
    let exact = |p: i64| {
        p >= 1
            && matches!(
                Dist::log_normal_from_median_p99(SimDuration(median as u64), SimDuration(p as u64)),
                Dist::LogNormal { mu: m, sigma: s } if same_f64(m, mu) && same_f64(s, sigma)
            )
    };
    let p99 = around(p990).find(|&p| exact(p)).unwrap_or(p990);
    (SimDuration(median as u64), SimDuration(p99 as u64))
}

// ---- the document -------------------------------------------------------------

/// A value to print: a token, or a bracketed group that may be broken over lines.
enum Doc {
    Atom(String),
    Group(Group),
}

struct Group {
    /// Written before the bracket: `Service`, `Policy`, or nothing for a tuple or list.
    head: String,
    open: &'static str,
    close: &'static str,
    /// Each item's prefix (`workers: `, `"db": `, or nothing) and value.
    items: Vec<(String, Doc)>,
    /// Always one item per line (the scenario, its maps and lists).
    broken: bool,
    /// When too long, keep the first items on the opening line and break only
    /// the last (`At("30s", Partition(pairs: [` ... `])),`).
    hug: bool,
}

fn atom(s: impl Into<String>) -> Doc {
    Doc::Atom(s.into())
}

fn dur(d: SimDuration) -> Doc {
    atom(quote(&format_duration(d)))
}

fn group(head: &str, open: &'static str, close: &'static str, items: Vec<(String, Doc)>) -> Doc {
    let hug = items.len() == 1;
    Doc::Group(Group {
        head: head.to_string(),
        open,
        close,
        items,
        broken: false,
        hug,
    })
}

/// `Name(a: .., b: ..)`.
fn structure(head: &str, fields: Fields) -> Doc {
    let items = fields
        .0
        .into_iter()
        .map(|(k, v)| (format!("{k}: "), v))
        .collect();
    group(head, "(", ")", items)
}

/// `Name(a, b)` or `(a, b)`.
fn tuple(head: &str, items: Vec<Doc>) -> Doc {
    let items = items.into_iter().map(|d| (String::new(), d)).collect();
    group(head, "(", ")", items)
}

/// `[a, b]`.
fn list(items: Vec<Doc>) -> Doc {
    let items = items.into_iter().map(|d| (String::new(), d)).collect();
    group("", "[", "]", items)
}

/// Breaks only its last item when too long: `(0.1, Mixture([` ... `])),`.
fn hugging(mut doc: Doc) -> Doc {
    if let Doc::Group(g) = &mut doc {
        g.hug = true;
    }
    doc
}

fn broken(mut doc: Doc) -> Doc {
    if let Doc::Group(g) = &mut doc {
        g.broken = true;
    }
    doc
}

/// Named fields in order; optional ones are skipped when `None`.
#[derive(Default)]
struct Fields(Vec<(&'static str, Doc)>);

impl Fields {
    fn add(&mut self, name: &'static str, value: Doc) {
        self.0.push((name, value));
    }

    fn opt(&mut self, name: &'static str, value: Option<Doc>) {
        if let Some(v) = value {
            self.add(name, v);
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

impl Doc {
    fn flat(&self) -> String {
        let mut s = String::new();
        self.flat_into(&mut s);
        s
    }

    fn flat_into(&self, out: &mut String) {
        match self {
            Doc::Atom(s) => out.push_str(s),
            Doc::Group(g) => {
                out.push_str(&g.head);
                out.push_str(g.open);
                for (i, (prefix, d)) in g.items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(prefix);
                    d.flat_into(out);
                }
                out.push_str(g.close);
            }
        }
    }

    /// Writes the value starting at column `col` of a line indented by
    /// `indent`, with `tail` more characters to follow it on its last line,
    /// keeping lines within `max` columns where it can.
    fn render(&self, out: &mut String, max: usize, indent: usize, col: usize, tail: usize) {
        let g = match self {
            Doc::Atom(s) => return out.push_str(s),
            Doc::Group(g) => g,
        };
        if !g.broken {
            let flat = self.flat();
            if col + width(&flat) + tail <= max {
                return out.push_str(&flat);
            }
        }
        if g.items.is_empty() {
            out.push_str(&g.head);
            out.push_str(g.open);
            out.push_str(g.close);
            return;
        }
        if g.hug
            && !g.broken
            && let Some(((last_prefix, last @ Doc::Group(_)), rest)) = g.items.split_last()
        {
            let mut line = format!("{}{}", g.head, g.open);
            for (prefix, d) in rest {
                line.push_str(prefix);
                d.flat_into(&mut line);
                line.push_str(", ");
            }
            line.push_str(last_prefix);
            let line_end = col + width(&line);
            if line_end < max {
                out.push_str(&line);
                last.render(out, max, indent, line_end, tail + g.close.len());
                out.push_str(g.close);
                return;
            }
        }
        out.push_str(&g.head);
        out.push_str(g.open);
        out.push('\n');
        let inner = indent + INDENT;
        if g.open == "[" && !g.broken {
            let flats: Vec<String> = g.items.iter().map(|(_, d)| d.flat()).collect();
            if flats.iter().all(|f| width(f) <= FILL_ITEM) {
                // Short items (calls, names, pairs): as many on a line as fit.
                let mut col = 0;
                for f in &flats {
                    if col > 0 && col + 1 + width(f) + 1 > max {
                        out.push('\n');
                        col = 0;
                    }
                    if col == 0 {
                        pad(out, inner);
                        col = inner;
                    } else {
                        out.push(' ');
                        col += 1;
                    }
                    out.push_str(f);
                    out.push(',');
                    col += width(f) + 1;
                }
                out.push('\n');
                pad(out, indent);
                out.push_str(g.close);
                return;
            }
        }
        for (prefix, d) in &g.items {
            pad(out, inner);
            out.push_str(prefix);
            d.render(out, max, inner, inner + width(prefix), 1);
            out.push_str(",\n");
        }
        pad(out, indent);
        out.push_str(g.close);
    }
}

// ---- the scenario -------------------------------------------------------------

struct Writer<'a> {
    config: &'a SimConfig,
    /// Policies written once under `policies:`, by their `Debug` form.
    shared: HashMap<String, String>,
    /// The same, in the order they are written.
    shared_order: Vec<(String, &'a PolicyConfig)>,
}

impl<'a> Writer<'a> {
    fn new(config: &'a SimConfig) -> Self {
        // Every policy in file order: nodes' calls, then the timeline's.
        let mut sites: Vec<&PolicyConfig> = Vec::new();
        for node in &config.nodes {
            match &node.kind {
                NodeKind::Client(c) => sites.push(&c.policy),
                NodeKind::Service(s) => sites.extend(s.calls.iter().map(|c| &c.policy)),
                NodeKind::Cache(c) => sites.push(&c.backing.policy),
                NodeKind::Queue(_)
                | NodeKind::Replica(_)
                | NodeKind::StoreClient(_)
                | NodeKind::Monitor(_)
                | NodeKind::Raft(_) => {}
                NodeKind::Balancer(b) => sites.push(&b.policy),
            }
        }
        for t in &config.timeline {
            if let Action::SetPolicy { policy, .. } = &t.action {
                sites.push(policy);
            }
        }
        let default = PolicyConfig::default();
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
        let mut distinct: Vec<(String, &PolicyConfig)> = Vec::new();
        for p in sites {
            if same(p, &default) {
                continue;
            }
            let key = format!("{p:?}");
            let entry = counts.entry(key.clone()).or_insert_with(|| {
                distinct.push((key, p));
                (distinct.len() - 1, 0)
            });
            entry.1 += 1;
        }
        let mut shared = HashMap::new();
        let mut shared_order = Vec::new();
        for (key, p) in distinct {
            if counts[&key].1 >= 2 && shared_order.len() < limits::MAX_POLICIES {
                let name = format!("policy-{}", shared_order.len() + 1);
                shared.insert(key, name.clone());
                shared_order.push((name, p));
            }
        }
        Writer {
            config,
            shared,
            shared_order,
        }
    }

    fn scenario(&self, description: &str) -> Doc {
        let c = self.config;
        let mut f = Fields::default();
        f.add("version", atom(FORMAT_VERSION.to_string()));
        f.add("name", atom(quote(&c.name)));
        if !description.is_empty() {
            f.add("description", atom(quote(description)));
        }
        f.add("seed", atom(c.seed.to_string()));
        f.add("duration", dur(c.duration));
        let default_window = DEFAULT_WINDOW.min(c.duration).max(limits::MIN_WINDOW);
        if c.window != default_window {
            f.add("window", dur(c.window));
        }
        let nodes = c
            .nodes
            .iter()
            .map(|n| (format!("{}: ", quote(&n.name)), self.node(n)))
            .collect();
        f.add("nodes", broken(group("", "{", "}", nodes)));
        let default_link = LinkModel::default();
        if !same(&c.default_link, &default_link) {
            f.add(
                "default_link",
                structure("Link", self.link_fields(&c.default_link, &default_link)),
            );
        }
        if !c.links.is_empty() {
            f.add("links", broken(list(self.links())));
        }
        if !self.shared_order.is_empty() {
            let entries = self
                .shared_order
                .iter()
                .map(|(name, p)| (format!("{}: ", quote(name)), self.policy(p)))
                .collect();
            f.add("policies", broken(group("", "{", "}", entries)));
        }
        if !c.timeline.is_empty() {
            f.add("timeline", broken(list(self.timeline())));
        }
        if let Some(slo) = self.slo(&c.slo) {
            f.add("slo", slo);
        }
        broken(structure("Scenario", f))
    }

    /// Nodes' names as a list.
    fn names(&self, ids: &[NodeId]) -> Doc {
        list(ids.iter().map(|&id| self.name(id)).collect())
    }

    fn name(&self, id: NodeId) -> Doc {
        match self.config.nodes.get(id.index()) {
            Some(n) => atom(quote(&n.name)),
            // Not a node of this scenario: written so that loading says so.
            None => atom(quote(&format!("#{}", id.0))),
        }
    }

    fn pair(&self, (a, b): (NodeId, NodeId)) -> Doc {
        tuple("", vec![self.name(a), self.name(b)])
    }

    // ---- distributions and policies ---------------------------------------

    fn dist(&self, d: &Dist) -> Doc {
        let ns = |x: f64| dur(whole_ns(x));
        match d {
            Dist::Constant { ns: x } => ns(*x),
            Dist::Uniform { lo_ns, hi_ns } => {
                let mut f = Fields::default();
                f.add("min", ns(*lo_ns));
                f.add("max", ns(*hi_ns));
                structure("Uniform", f)
            }
            Dist::Normal { mean_ns, sd_ns } => {
                let mut f = Fields::default();
                f.add("mean", ns(*mean_ns));
                f.add("sd", ns(*sd_ns));
                structure("Normal", f)
            }
            Dist::Exponential { mean_ns } => {
                let mut f = Fields::default();
                f.add("mean", ns(*mean_ns));
                structure("Exponential", f)
            }
            Dist::LogNormal { mu, sigma } => {
                let (median, p99) = log_normal_median_p99(*mu, *sigma);
                let mut f = Fields::default();
                f.add("median", dur(median));
                f.add("p99", dur(p99));
                structure("LogNormal", f)
            }
            Dist::Pareto { scale_ns, shape } => {
                let mut f = Fields::default();
                f.add("scale", ns(*scale_ns));
                f.add("shape", atom(num(*shape)));
                structure("Pareto", f)
            }
            Dist::Mixture(parts) => {
                let parts = parts
                    .iter()
                    .map(|(w, d)| hugging(tuple("", vec![atom(num(*w)), self.dist(d)])))
                    .collect();
                tuple("Mixture", vec![list(parts)])
            }
        }
    }

    /// A policy by its shared name, or written out.
    fn policy_ref(&self, p: &PolicyConfig) -> Doc {
        match self.shared.get(&format!("{p:?}")) {
            Some(name) => atom(quote(name)),
            None => self.policy(p),
        }
    }

    fn policy(&self, p: &PolicyConfig) -> Doc {
        let mut f = Fields::default();
        f.opt("timeout", p.timeout.map(dur));
        f.opt("deadline", p.deadline.map(dur));
        if !same(&p.retry, &RetryConfig::default()) {
            f.add("retry", self.retry(&p.retry));
        }
        f.opt("breaker", p.breaker.as_ref().map(|b| self.breaker(b)));
        f.opt(
            "hedge",
            p.hedge.map(|h| match h {
                HedgeConfig::After(d) => tuple("After", vec![dur(d)]),
                HedgeConfig::Percentile(x) => tuple("Percentile", vec![atom(num(x))]),
            }),
        );
        if p.idempotency_keys {
            f.add("idempotency_keys", atom("true"));
        }
        structure("Policy", f)
    }

    fn retry(&self, r: &RetryConfig) -> Doc {
        let mut f = Fields::default();
        f.add("max", atom(r.max_retries.to_string()));
        match r.backoff {
            Backoff::None => {}
            Backoff::Constant(d) => f.add("backoff", tuple("Constant", vec![dur(d)])),
            Backoff::Exponential { base, cap } => {
                let mut e = Fields::default();
                e.add("base", dur(base));
                e.add("cap", dur(cap));
                f.add("backoff", structure("Exponential", e));
            }
        }
        let jitter = match r.jitter {
            Jitter::None => None,
            Jitter::Full => Some("Full"),
            Jitter::Equal => Some("Equal"),
            Jitter::Decorrelated => Some("Decorrelated"),
        };
        f.opt("jitter", jitter.map(atom));
        f.opt(
            "budget",
            r.budget.map(|b| {
                if same_f64(b.max_tokens, DEFAULT_BUDGET_TOKENS) {
                    atom(num(b.ratio))
                } else {
                    let mut g = Fields::default();
                    g.add("ratio", atom(num(b.ratio)));
                    g.add("max_tokens", atom(num(b.max_tokens)));
                    structure("Budget", g)
                }
            }),
        );
        if r.on != RetryOn::default() {
            let mut on = Vec::new();
            if r.on.timeout {
                on.push(atom("Timeout"));
            }
            if r.on.error {
                on.push(atom("Error"));
            }
            f.add("on", list(on));
        }
        structure("Retry", f)
    }

    fn breaker(&self, b: &BreakerConfig) -> Doc {
        let mut f = Fields::default();
        f.add("failure_rate", atom(num(b.failure_rate)));
        f.add("window", dur(b.window));
        f.add("open_for", dur(b.open_for));
        if b.min_calls != DEFAULT_MIN_CALLS {
            f.add("min_calls", atom(b.min_calls.to_string()));
        }
        if b.probes != DEFAULT_PROBES {
            f.add("probes", atom(b.probes.to_string()));
        }
        structure("Breaker", f)
    }

    fn call(&self, c: &CallConfig) -> Doc {
        let mut f = Fields::default();
        f.add("to", self.name(c.to));
        if !same(&c.policy, &PolicyConfig::default()) {
            f.add("policy", self.policy_ref(&c.policy));
        }
        structure("Call", f)
    }

    // ---- nodes ------------------------------------------------------------

    fn node(&self, n: &NodeConfig) -> Doc {
        let mut f = Fields::default();
        let kind = match &n.kind {
            NodeKind::Client(c) => {
                match &c.load {
                    Load::Open { arrivals } => f.add("open", open_doc(*arrivals)),
                    Load::Closed { users, think } => {
                        let mut u = Fields::default();
                        u.add("count", atom(users.to_string()));
                        if !same(think, &Dist::constant(SimDuration::ZERO)) {
                            u.add("think", self.dist(think));
                        }
                        f.add("closed", structure("Users", u));
                    }
                }
                f.add("target", self.name(c.target));
                if !same(&c.policy, &PolicyConfig::default()) {
                    f.add("policy", self.policy_ref(&c.policy));
                }
                if !same(&c.keys, &DEFAULT_KEYS) {
                    f.add("keys", keys_doc(c.keys));
                }
                if !same_f64(c.write_fraction, 0.0) {
                    f.add("writes", atom(num(c.write_fraction)));
                }
                if !same(&c.priorities, &vec![(Priority::Normal, 1.0)]) {
                    let classes = c
                        .priorities
                        .iter()
                        .map(|(p, w)| {
                            let class = match p {
                                Priority::Critical => "Critical",
                                Priority::Normal => "Normal",
                                Priority::Background => "Background",
                            };
                            tuple("", vec![atom(class), atom(num(*w))])
                        })
                        .collect();
                    f.add("priorities", list(classes));
                }
                f.opt(
                    "max_in_flight",
                    c.max_in_flight.map(|m| atom(m.to_string())),
                );
                "Client"
            }
            NodeKind::Service(s) => {
                f.add("workers", atom(s.workers.to_string()));
                f.opt("queue", s.queue_capacity.map(|q| atom(q.to_string())));
                f.add("work", self.dist(&s.work));
                if !same_f64(s.error_rate, 0.0) {
                    f.add("error_rate", atom(num(s.error_rate)));
                }
                if !s.calls.is_empty() {
                    f.add(
                        "calls",
                        list(s.calls.iter().map(|c| self.call(c)).collect()),
                    );
                }
                if let CallMode::Parallel { wait_for } = s.call_mode {
                    f.add("parallel", atom(wait_for.to_string()));
                }
                if s.fallback == Fallback::Default {
                    f.add("fallback", atom("Default"));
                }
                if s.operation == Operation::NonIdempotent {
                    f.add("operation", atom("NonIdempotent"));
                }
                if s.idempotency_keys {
                    f.add("idempotency_keys", atom("true"));
                }
                if s.key_ttl != DEFAULT_KEY_TTL {
                    f.add("key_ttl", dur(s.key_ttl));
                }
                if let Some(r) = &s.rate_limit
                    && (r.overall.is_some() || r.per_caller.is_some())
                {
                    let bucket = |b: &TokenBucketConfig| {
                        let mut f = Fields::default();
                        f.add("per_second", atom(num(b.rate_per_s)));
                        f.add("burst", atom(num(b.burst)));
                        structure("Bucket", f)
                    };
                    let mut r2 = Fields::default();
                    r2.opt("overall", r.overall.as_ref().map(bucket));
                    r2.opt("per_caller", r.per_caller.as_ref().map(bucket));
                    f.add("rate_limit", structure("RateLimit", r2));
                }
                if let Some(sh) = &s.shedding {
                    let mut g = Fields::default();
                    g.add("background", atom(sh.background_at.to_string()));
                    g.add("normal", atom(sh.normal_at.to_string()));
                    g.add("critical", atom(sh.critical_at.to_string()));
                    f.add("shed", structure("Shed", g));
                }
                self.versions(&s.versions, &mut f);
                "Service"
            }
            NodeKind::Cache(c) => {
                f.add("capacity", atom(c.capacity.to_string()));
                f.add("ttl", dur(c.ttl));
                if !same(&c.hit_time, &Dist::constant(DEFAULT_HIT)) {
                    f.add("hit", self.dist(&c.hit_time));
                }
                f.add("backing", self.call(&c.backing));
                if c.serve_stale {
                    f.add("serve_stale", atom("true"));
                }
                "Cache"
            }
            NodeKind::Replica(r) => {
                f.add("peers", self.names(&r.peers));
                f.add("read_quorum", atom(r.read_quorum.to_string()));
                f.add("write_quorum", atom(r.write_quorum.to_string()));
                if r.resolve == Resolve::VersionVectors {
                    f.add("resolve", atom("VersionVectors"));
                }
                if r.mode == CapMode::Available {
                    f.add("mode", atom("Available"));
                }
                if r.quorum_timeout != DEFAULT_QUORUM_TIMEOUT {
                    f.add("quorum_timeout", dur(r.quorum_timeout));
                }
                f.opt("anti_entropy", r.anti_entropy.map(dur));
                "Replica"
            }
            NodeKind::Raft(r) => {
                f.add("peers", self.names(&r.peers));
                if r.election_min != DEFAULT_ELECTION_MIN {
                    f.add("election_min", dur(r.election_min));
                }
                if r.election_max != DEFAULT_ELECTION_MAX {
                    f.add("election_max", dur(r.election_max));
                }
                if r.heartbeat != DEFAULT_HEARTBEAT {
                    f.add("heartbeat", dur(r.heartbeat));
                }
                f.opt("lease", r.lease.map(dur));
                if !r.pre_vote {
                    f.add("pre_vote", atom("false"));
                }
                if r.max_log != DEFAULT_MAX_LOG {
                    f.add("max_log", atom(r.max_log.to_string()));
                }
                "Raft"
            }
            NodeKind::StoreClient(c) => {
                f.add("target", self.name(c.target));
                f.add("open", open_doc(c.arrivals));
                if !same(&c.keys, &DEFAULT_KEYS) {
                    f.add("keys", keys_doc(c.keys));
                }
                if !same_f64(c.write_fraction, 0.0) {
                    f.add("writes", atom(num(c.write_fraction)));
                }
                f.add("timeout", dur(c.timeout));
                if c.read_after_write {
                    f.add("read_after_write", atom("true"));
                }
                "StoreClient"
            }
            NodeKind::Monitor(m) => {
                f.add("watch", self.names(&m.watch));
                f.add("interval", dur(m.interval));
                f.add("detector", detector_doc(m.detector));
                "Monitor"
            }
            NodeKind::Queue(q) => {
                f.add("consumer", self.name(q.consumer));
                f.add("concurrency", atom(q.concurrency.to_string()));
                f.add("max_deliveries", atom(q.max_deliveries.to_string()));
                f.add("ack_timeout", dur(q.ack_timeout));
                f.opt("capacity", q.capacity.map(|c| atom(c.to_string())));
                "Queue"
            }
            NodeKind::Balancer(b) => {
                f.add("pool", self.names(&b.pool));
                let strategy = match b.strategy {
                    BalanceStrategy::RoundRobin => None,
                    BalanceStrategy::Random => Some("Random"),
                    BalanceStrategy::LeastOutstanding => Some("LeastOutstanding"),
                    BalanceStrategy::PowerOfTwo => Some("PowerOfTwo"),
                };
                f.opt("strategy", strategy.map(atom));
                if !same(&b.policy, &PolicyConfig::default()) {
                    f.add("policy", self.policy_ref(&b.policy));
                }
                if let Some(e) = &b.ejection {
                    let mut g = Fields::default();
                    if e.consecutive_failures != DEFAULT_EJECT_AFTER {
                        g.add("after", atom(e.consecutive_failures.to_string()));
                    }
                    if !same_f64(e.max_fraction, DEFAULT_MAX_EJECTED) {
                        g.add("max_ejected", atom(num(e.max_fraction)));
                    }
                    if e.duration != DEFAULT_EJECT_FOR {
                        g.add("duration", dur(e.duration));
                    }
                    f.add("eject", structure("Eject", g));
                }
                if let Some(h) = &b.health {
                    let mut g = Fields::default();
                    if h.every != DEFAULT_HEALTH_EVERY {
                        g.add("every", dur(h.every));
                    }
                    if h.detector != DEFAULT_HEALTH_DETECTOR {
                        g.add("detector", detector_doc(h.detector));
                    }
                    if h.deep {
                        g.add("deep", atom("true"));
                    }
                    f.add("health", structure("Health", g));
                }
                "Balancer"
            }
        };
        f.opt("zone", n.zone.as_ref().map(|z| atom(quote(z))));
        f.opt(
            "position",
            n.position
                .map(|(x, y)| tuple("", vec![atom(coord(x)), atom(coord(y))])),
        );
        if n.clock != ClockConfig::default() {
            let mut c = Fields::default();
            if n.clock.offset_ns != 0 {
                c.add("offset", atom(quote(&signed_duration(n.clock.offset_ns))));
            }
            if n.clock.drift_ppm != 0 {
                c.add("drift_ppm", atom(n.clock.drift_ppm.to_string()));
            }
            f.add("clock", structure("Clock", c));
        }
        structure(kind, f)
    }

    // ---- the network ------------------------------------------------------

    /// The fields of a link model that differ from `base`.
    fn link_fields(&self, m: &LinkModel, base: &LinkModel) -> Fields {
        let mut f = Fields::default();
        if !same(&m.latency, &base.latency) {
            f.add("latency", self.dist(&m.latency));
        }
        if !same_f64(m.loss, base.loss) {
            f.add("loss", atom(num(m.loss)));
        }
        if !same_f64(m.duplicate, base.duplicate) {
            f.add("duplicate", atom(num(m.duplicate)));
        }
        f
    }

    /// `links`, a direction and its reverse set alike written once as `between:`.
    fn links(&self) -> Vec<Doc> {
        let links = &self.config.links;
        let mut out = Vec::new();
        let mut i = 0;
        while i < links.len() {
            let l = &links[i];
            let mut f = Fields::default();
            let both = links
                .get(i + 1)
                .is_some_and(|r| r.from == l.to && r.to == l.from && same(&r.model, &l.model));
            if both {
                f.add("between", self.pair((l.from, l.to)));
                i += 2;
            } else {
                f.add("from", self.name(l.from));
                f.add("to", self.name(l.to));
                i += 1;
            }
            f.0.extend(self.link_fields(&l.model, &self.config.default_link).0);
            out.push(structure("Link", f));
        }
        out
    }

    // ---- the timeline -----------------------------------------------------

    fn timeline(&self) -> Vec<Doc> {
        let timeline = &self.config.timeline;
        let mut out = Vec::new();
        let mut i = 0;
        while i < timeline.len() {
            let t = &timeline[i];
            // A link changed alike both ways at once: one `SetLink(between: ..)`.
            let both = match (&t.action, timeline.get(i + 1)) {
                (
                    Action::SetLink { from, to, .. },
                    Some(
                        next @ crate::sim::config::TimedAction {
                            action:
                                Action::SetLink {
                                    from: f2, to: t2, ..
                                },
                            ..
                        },
                    ),
                ) => {
                    next.at == t.at
                        && f2 == to
                        && t2 == from
                        && same(&set_link_values(&t.action), &set_link_values(&next.action))
                }
                _ => false,
            };
            let action = self.action(&t.action, both);
            i += if both { 2 } else { 1 };
            let at = dur(SimDuration(t.at.as_nanos()));
            out.push(hugging(tuple("At", vec![at, action])));
        }
        out
    }

    /// `group: [..]`, `one_way: (a, b)` or `pairs: [..]`, whichever says these pairs.
    fn selector(&self, pairs: &[(NodeId, NodeId)]) -> Fields {
        let mut f = Fields::default();
        if let [p] = pairs {
            f.add("one_way", self.pair(*p));
        } else if let Some(members) = self.as_group(pairs) {
            f.add(
                "group",
                list(members.into_iter().map(|m| self.name(m)).collect()),
            );
        } else {
            f.add("pairs", list(pairs.iter().map(|&p| self.pair(p)).collect()));
        }
        f
    }

    /// The group whose cut is exactly these pairs, in the loader's order, if any.
    fn as_group(&self, pairs: &[(NodeId, NodeId)]) -> Option<BTreeSet<NodeId>> {
        if pairs.is_empty() {
            return None;
        }
        let members: BTreeSet<NodeId> = pairs.iter().step_by(2).map(|p| p.0).collect();
        let n = self.config.nodes.len() as u32;
        let mut cut = Vec::with_capacity(pairs.len());
        for &g in &members {
            for o in (0..n).map(NodeId) {
                if !members.contains(&o) {
                    cut.push((g, o));
                    cut.push((o, g));
                }
            }
        }
        (cut == pairs).then_some(members)
    }

    fn action(&self, action: &Action, between: bool) -> Doc {
        match action {
            Action::Crash(n) => tuple("Crash", vec![self.name(*n)]),
            Action::Restart(n) => tuple("Restart", vec![self.name(*n)]),
            Action::Slow { node, factor } => {
                tuple("Slow", vec![self.name(*node), atom(num_point(*factor))])
            }
            Action::Partition(pairs) => structure("Partition", self.selector(pairs)),
            Action::Heal(None) => atom("Heal"),
            Action::Heal(Some(pairs)) => structure("Heal", self.selector(pairs)),
            Action::CrashZone(z) => tuple("CrashZone", vec![atom(quote(z))]),
            Action::RestartZone(z) => tuple("RestartZone", vec![atom(quote(z))]),
            Action::PartitionZone(z) => structure("Partition", zone_field(z)),
            Action::HealZone(z) => structure("Heal", zone_field(z)),
            Action::SetLink {
                from,
                to,
                latency,
                loss,
                duplicate,
            } => {
                let mut f = Fields::default();
                if between {
                    f.add("between", self.pair((*from, *to)));
                } else {
                    f.add("from", self.name(*from));
                    f.add("to", self.name(*to));
                }
                f.opt("latency", latency.as_ref().map(|l| self.dist(l)));
                f.opt("loss", loss.map(|p| atom(num(p))));
                f.opt("duplicate", duplicate.map(|p| atom(num(p))));
                structure("SetLink", f)
            }
            Action::SetClock {
                node,
                offset_ns,
                drift_ppm,
            } => {
                let mut f = Fields::default();
                f.add("node", self.name(*node));
                f.opt(
                    "offset",
                    offset_ns.map(|o| atom(quote(&signed_duration(o)))),
                );
                f.opt("drift_ppm", drift_ppm.map(|d| atom(d.to_string())));
                structure("SetClock", f)
            }
            Action::SetPolicy {
                caller,
                callee,
                policy,
            } => {
                let mut f = Fields::default();
                f.add("caller", self.name(*caller));
                f.add("callee", self.name(*callee));
                f.add("policy", self.policy_ref(policy));
                structure("SetPolicy", f)
            }
            Action::SetLoad { client, load } => {
                let mut f = Fields::default();
                f.add("client", self.name(*client));
                match load {
                    Load::Open { arrivals } => {
                        f.add("per_second", atom(num(arrivals.rate_per_s())))
                    }
                    Load::Closed { users, .. } => f.add("users", atom(users.to_string())),
                }
                structure("SetLoad", f)
            }
            Action::SetService { node, change } => {
                let mut f = Fields::default();
                f.add("node", self.name(*node));
                f.opt("workers", change.workers.map(|w| atom(w.to_string())));
                f.opt("queue", change.queue_capacity.map(|q| atom(q.to_string())));
                f.opt("work", change.work.as_ref().map(|d| self.dist(d)));
                f.opt("error_rate", change.error_rate.map(|p| atom(num(p))));
                structure("SetService", f)
            }
            Action::Canary { service, canary } => self.canary(*service, canary),
            Action::BlueGreen { service, version } => self.blue_green(*service, *version),
            Action::Rollback(service) => self.rollback(*service),
        }
    }

    fn slo(&self, s: &SloConfig) -> Option<Doc> {
        let d = SloConfig::default();
        let mut f = Fields::default();
        if !same_f64(s.availability, d.availability) {
            f.add("availability", atom(num(s.availability)));
        }
        if s.latency != d.latency {
            f.add("latency", dur(s.latency));
        }
        if !same_f64(s.percentile, d.percentile) {
            f.add("percentile", atom(num(s.percentile)));
        }
        (!f.0.is_empty()).then(|| structure("Slo", f))
    }
}

/// What a `SetLink` changes, apart from its endpoints.
fn set_link_values(a: &Action) -> Option<(&Option<Dist>, &Option<f64>, &Option<f64>)> {
    match a {
        Action::SetLink {
            latency,
            loss,
            duplicate,
            ..
        } => Some((latency, loss, duplicate)),
        _ => None,
    }
}

/// `Poisson(per_second: ..)` or `Constant(per_second: ..)`.
fn open_doc(arrivals: Arrivals) -> Doc {
    let (head, rate) = match arrivals {
        Arrivals::Poisson { rate_per_s } => ("Poisson", rate_per_s),
        Arrivals::Constant { rate_per_s } => ("Constant", rate_per_s),
    };
    let mut o = Fields::default();
    o.add("per_second", atom(num(rate)));
    structure(head, o)
}

/// `FixedTimeout(timeout: ..)` or `PhiAccrual(threshold: .., ..)`.
fn detector_doc(detector: DetectorConfig) -> Doc {
    let mut d = Fields::default();
    let head = match detector {
        DetectorConfig::FixedTimeout { timeout } => {
            d.add("timeout", dur(timeout));
            "FixedTimeout"
        }
        DetectorConfig::PhiAccrual {
            threshold,
            window,
            min_std,
        } => {
            d.add("threshold", atom(num(threshold)));
            if window != DEFAULT_PHI_WINDOW {
                d.add("window", atom(window.to_string()));
            }
            if min_std != DEFAULT_PHI_MIN_STD {
                d.add("min_std", dur(min_std));
            }
            "PhiAccrual"
        }
    };
    structure(head, d)
}

/// `Uniform(n: ..)` or `Zipf(n: .., s: ..)`.
fn keys_doc(keys: KeySpace) -> Doc {
    let mut k = Fields::default();
    let head = match keys {
        KeySpace::Uniform { n } => {
            k.add("n", atom(n.to_string()));
            "Uniform"
        }
        KeySpace::Zipf { n, s } => {
            k.add("n", atom(n.to_string()));
            k.add("s", atom(num(s)));
            "Zipf"
        }
    };
    structure(head, k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::duration::parse_duration;

    #[test]
    fn durations_take_their_shortest_exact_form() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (850, "850ns"),
            (1_000, "1us"),
            (1_500, "1.5us"),
            (12_000, "12us"),
            (100_000, "100us"),
            (50_000_000, "50ms"),
            (200_000_000, "200ms"),
            (1_500_000_000, "1.5s"),
            (1_000_000_001, "1.000000001s"),
            (1_234_567, "1234567ns"),
            (90_000_000_000, "90s"),
            (120_000_000_000, "2m"),
            (150_000_000_000, "2.5m"),
            (2_190_000_000_000, "36.5m"),
            (3_600_000_000_000, "1h"),
            (5_400_000_000_000, "90m"),
            (6_120_000_000_000, "1.7h"),
            (61_260_409_149_708, "61260.409149708s"),
            (86_400_000_000_000, "24h"),
        ];
        for (ns, want) in cases {
            let got = format_duration(SimDuration(ns));
            assert_eq!(got, want, "{ns} ns");
            assert_eq!(parse_duration(&got), Ok(SimDuration(ns)), "{got}");
        }
        assert_eq!(signed_duration(-50_000_000), "-50ms");
        assert_eq!(signed_duration(i64::MIN), "-9223372036.854775808s");
    }

    #[test]
    fn every_duration_reads_back_exactly() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            // xorshift: values of every size up to u64::MAX
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ns = x >> (x % 64);
            let s = format_duration(SimDuration(ns));
            assert_eq!(parse_duration(&s), Ok(SimDuration(ns)), "{s}");
            assert!(
                s.len() <= format!("{ns}ns").len(),
                "{s} is not the shortest"
            );
        }
    }

    #[test]
    fn numbers_and_text() {
        assert_eq!(num(400.0), "400");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num_point(3.0), "3.0");
        assert_eq!(num_point(-0.0), "-0.0");
        assert_eq!(coord(80.0), "80.0");
        assert_eq!(coord(0.1), "0.1");
        assert_eq!(coord(-0.0), "-0.0");
        assert_eq!(quote("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u{1}é\"");
    }

    #[test]
    fn a_log_normal_from_a_file_gives_back_its_median_and_p99() {
        for (m, p) in [(1, 1), (1_000_000, 5_000_000), (7, 86_400_000_000_000)] {
            let Dist::LogNormal { mu, sigma } =
                Dist::log_normal_from_median_p99(SimDuration(m), SimDuration(p))
            else {
                unreachable!()
            };
            let (m2, p2) = log_normal_median_p99(mu, sigma);
            let Dist::LogNormal { mu: mu2, sigma: s2 } = Dist::log_normal_from_median_p99(m2, p2)
            else {
                unreachable!()
            };
            assert_eq!(
                (mu.to_bits(), sigma.to_bits()),
                (mu2.to_bits(), s2.to_bits())
            );
        }
    }

    /// A fresh directory for one test (root ignores permissions, so failures
    /// are injected rather than provoked with a read-only directory).
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("faultlab-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_write_failing_halfway_leaves_the_old_file_and_no_temporary() {
        let dir = scratch("halfway");
        let path = dir.join("lab.ron");
        let old = b"Scenario(duration: \"1s\", nodes: {}) // the previous save\n";
        fs::write(&path, old).unwrap();
        let mut temp_seen = None;
        let err = save_with(
            &path,
            "NEW CONTENTS ".repeat(1000).as_str(),
            &mut |file, bytes| {
                file.write_all(&bytes[..bytes.len() / 2])?;
                file.flush()?;
                // The half-written temporary really is on disk, next to the target.
                let others: Vec<String> = listing(&dir)
                    .into_iter()
                    .filter(|n| n != "lab.ron")
                    .collect();
                assert_eq!(others.len(), 1, "{others:?}");
                assert!(others[0].starts_with(".lab.ron.") && others[0].ends_with(".tmp"));
                temp_seen = Some(fs::metadata(dir.join(&others[0])).unwrap().len());
                Err(io::Error::other("disk full"))
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(temp_seen, Some(6500));
        assert_eq!(fs::read(&path).unwrap(), old, "the old file is untouched");
        assert_eq!(listing(&dir), ["lab.ron"], "the temporary file is removed");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_successful_save_replaces_the_file_whole() {
        let dir = scratch("whole");
        let path = dir.join("lab.ron");
        fs::write(&path, "x".repeat(10_000)).unwrap();
        save_with(&path, "short", &mut |f, b| f.write_all(b)).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "short");
        assert_eq!(listing(&dir), ["lab.ron"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temporary_names_are_unique_and_bounded() {
        let dir = scratch("names");
        let long = "n".repeat(250);
        let (a, fa) = create_temp(&dir, &long).unwrap();
        let (b, fb) = create_temp(&dir, &long).unwrap();
        assert_ne!(a, b);
        assert!(a.file_name().unwrap().len() < 100);
        drop((fa, fb));
        fs::remove_dir_all(&dir).unwrap();
    }
}
