//! The `faultlab` command: with no subcommand it opens the window with the
//! default scenario running (headless when there is no display); `run`,
//! `validate` and `sweep` work on scenario files, `check` and `grade` on labs.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use faultlab::export::{otlp, prometheus};
use faultlab::metrics::RunSummary;
use faultlab::metrics::trace::{Trace, TraceConfig};
use faultlab::report;
use faultlab::scenario::{self, Scenario};
use faultlab::sim::Simulation;
use faultlab::sim::time::{SimDuration, SimTime};

/// Exit status for bad input (a scenario file that does not load, a bad argument).
const EXIT_BAD_INPUT: u8 = 2;

/// Runs with more simulated seconds than this get a progress bar (on a terminal).
const PROGRESS_MIN_SIM_SECONDS: f64 = 30.0;

/// The scenario `faultlab` runs when started without arguments.
const DEFAULT_SCENARIO: &str = include_str!("../labs/examples/three-tier.ron");

#[derive(Parser)]
#[command(
    name = "faultlab",
    version,
    about = "A lab for learning fault tolerance in distributed systems",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// A scenario file to open in the window (default: the three-tier shop).
    file: Option<PathBuf>,
    /// Open the window on this lab (a folder such as labs/04-fanout), with
    /// its text, objectives and hints beside the graph.
    #[arg(long, value_name = "DIR", conflicts_with = "file")]
    lab: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless and print a summary.
    Run {
        /// The scenario file (RON).
        file: PathBuf,
        /// Override the file's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the file's duration, e.g. 90s, 5m, 1h.
        #[arg(long, value_parser = parse_duration_arg)]
        duration: Option<SimDuration>,
        /// Print the full summary as one JSON document instead of a table.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Write the per-window series as CSV to this file ("-" for standard output).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Write sampled traces as OpenTelemetry JSON (OTLP/JSON) to this file.
        #[arg(long, value_name = "FILE")]
        traces: Option<PathBuf>,
        /// Fraction of requests traced (failed ones and each window's slowest are always kept).
        #[arg(long, default_value_t = 0.01, value_parser = parse_fraction, requires = "traces")]
        sample: f64,
        /// Write a Prometheus text-format snapshot of the metrics to this file.
        #[arg(long, value_name = "FILE")]
        prometheus: Option<PathBuf>,
    },
    /// Check scenario files and report every problem with its location.
    Validate {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a lab's objectives headless; exit 0 when all pass, 1 when any fails.
    Check {
        /// The lab's folder, e.g. labs/01-timeouts.
        lab: PathBuf,
        /// Check this scenario (a learner's saved work) instead of the lab's starting one.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Run on this seed instead of the lab's (to see whether a solution
        /// passes by luck).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Grade a folder of submitted scenarios against a lab; writes a CSV table.
    Grade {
        /// The lab's folder.
        lab: PathBuf,
        /// A folder of submitted scenario files (*.ron).
        submissions: PathBuf,
        /// Write the table here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Parallel runs (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Run a scenario over a grid of settings and seeds; writes CSV, one row per run.
    Sweep {
        /// The scenario file.
        file: PathBuf,
        /// A setting and its values, e.g. nodes.api.workers=4,8,16 or
        /// policies.web->api.retries=0,1,3 (repeat for a grid).
        #[arg(long = "set", value_name = "PATH=VALUES")]
        set: Vec<String>,
        /// Seeds per grid point: the file's seed and the next ones.
        #[arg(long, default_value_t = 1)]
        seeds: u64,
        /// Write the CSV here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Parallel runs (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
}

fn parse_duration_arg(s: &str) -> Result<SimDuration, String> {
    let d = scenario::parse_duration(s)?;
    if d == SimDuration::ZERO || d > scenario::limits::MAX_DURATION {
        return Err(format!(
            "duration must be above 0 and at most {}",
            scenario::limits::MAX_DURATION
        ));
    }
    Ok(d)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => open_window(cli.file.as_deref(), cli.lab),
        Some(Command::Run {
            file,
            seed,
            duration,
            json,
            csv,
            traces,
            sample,
            prometheus,
        }) => run_file(
            &file,
            seed,
            duration,
            Outputs {
                json,
                csv,
                traces,
                sample,
                prometheus,
            },
        ),
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::Check {
            lab,
            scenario,
            seed,
        }) => check(&lab, scenario.as_deref(), seed),
        Some(Command::Grade {
            lab,
            submissions,
            out,
            threads,
        }) => grade(&lab, &submissions, out.as_deref(), threads),
        Some(Command::Sweep {
            file,
            set,
            seeds,
            out,
            threads,
        }) => sweep(&file, &set, seeds, out.as_deref(), threads),
    };
    match result {
        Ok(code) => code,
        // The reader closed standard output (`faultlab run … | head`): it has
        // all it wants, so end quietly with success, as `cat` and ripgrep do.
        // (Output goes through `write!`, not `print!`, which would panic.)
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `e` comes from writing to a pipe whose reader has gone, looking
/// through added context and into a CSV writer's error (which does not give
/// its `io::Error` as a `source`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = match cause.downcast_ref::<csv::Error>() {
            Some(csv) => match csv.kind() {
                csv::ErrorKind::Io(io) => Some(io),
                _ => None,
            },
            None => cause.downcast_ref::<io::Error>(),
        };
        io.is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Opens the window on a lab, on a scenario `file`, or on the default scenario.
fn open_window(file: Option<&Path>, lab_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (scenario, path) = match (&lab_dir, file) {
        (Some(dir), _) => match faultlab::lab::load(dir) {
            Ok(l) => (l.scenario, Some(l.scenario_path)),
            Err(e) => {
                eprintln!("{e}");
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        },
        (None, Some(path)) => match load(path) {
            Ok(s) => (s, Some(path.to_path_buf())),
            Err(code) => return Ok(code),
        },
        (None, None) => (
            scenario::parse_str(DEFAULT_SCENARIO, "labs/examples/three-tier.ron")
                .context("the built-in default scenario does not load")?,
            None,
        ),
    };
    // eframe runs on the main thread, outside any async runtime; the live
    // runner starts its own thread.
    match faultlab::ui::run_with_lab(scenario.clone(), path, lab_dir) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            // No display (a server, CI): say so and run the scenario headless.
            eprintln!("faultlab: cannot open the window ({e}); running the scenario headless.");
            eprintln!("Try `faultlab run labs/examples/retry-storm.ron` or `faultlab --help`.\n");
            let (summary, _) = simulate(scenario, None);
            write!(io::stdout().lock(), "{}", report::to_table(&summary))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(path: &Path) -> Result<Scenario, ExitCode> {
    scenario::load_file(path).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("{s:?} is not a fraction between 0 and 1")),
    }
}

/// What `run` writes besides the table.
struct Outputs {
    json: bool,
    csv: Option<PathBuf>,
    traces: Option<PathBuf>,
    sample: f64,
    prometheus: Option<PathBuf>,
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn run_file(
    path: &Path,
    seed: Option<u64>,
    duration: Option<SimDuration>,
    out: Outputs,
) -> anyhow::Result<ExitCode> {
    let Outputs {
        json,
        csv,
        traces,
        sample,
        prometheus,
    } = out;
    let mut scenario = match load(path) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if let Some(seed) = seed {
        scenario.config.seed = seed;
    }
    if let Some(d) = duration {
        scenario.config.duration = d;
    }
    let names: Vec<String> = scenario
        .config
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect();
    let trace = traces.as_ref().map(|_| TraceConfig {
        sample_rate: sample,
        ..TraceConfig::default()
    });
    let (summary, kept) = simulate(scenario, trace);
    if let Some(path) = &traces {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        otlp::write_otlp_json(&kept, &names, &mut out)
            .with_context(|| format!("cannot write {}", path.display()))?;
        std::io::Write::flush(&mut out)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("{} traces written to {}", kept.len(), path.display());
    }
    if let Some(path) = &prometheus {
        write_file(path, &prometheus::to_prometheus(&summary))?;
        eprintln!("metrics snapshot written to {}", path.display());
    }
    let mut stdout = io::stdout().lock();
    if json {
        writeln!(stdout, "{}", report::to_json(&summary))?;
    } else if let Some(csv) = csv {
        if csv.as_os_str() == "-" {
            report::write_csv(&summary, stdout)?;
        } else {
            let file = std::fs::File::create(&csv)
                .with_context(|| format!("cannot create {}", csv.display()))?;
            report::write_csv(&summary, file)
                .with_context(|| format!("cannot write {}", csv.display()))?;
            write!(stdout, "{}", report::to_table(&summary))?;
            eprintln!("per-window series written to {}", csv.display());
        }
    } else {
        write!(stdout, "{}", report::to_table(&summary))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a scenario to its end, with a progress bar on a terminal for long
/// runs, collecting traces when `trace` says.
fn simulate(scenario: Scenario, trace: Option<TraceConfig>) -> (RunSummary, Vec<Trace>) {
    let duration = scenario.config.duration;
    let step = scenario.config.window;
    let mut sim = Simulation::new(scenario.config);
    if let Some(config) = trace {
        sim.enable_tracing(config);
    }
    let bar = (std::io::stderr().is_terminal()
        && duration.as_secs_f64() > PROGRESS_MIN_SIM_SECONDS)
        .then(|| {
            let bar = ProgressBar::new(duration.as_nanos() / step.as_nanos().max(1));
            bar.set_style(
                ProgressStyle::with_template("{spinner} simulating [{bar:40}] {msg} ({eta} left)")
                    .expect("constant template is valid")
                    .progress_chars("=> "),
            );
            bar
        });
    let end = SimTime::ZERO + duration;
    let mut t = SimTime::ZERO;
    while t < end {
        t = (t + step).min(end);
        sim.run_until(t);
        if let Some(bar) = &bar {
            bar.inc(1);
            bar.set_message(format!(
                "{:.0}/{:.0} s",
                t.as_secs_f64(),
                duration.as_secs_f64()
            ));
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    sim.finish_traced()
}

fn validate(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut bad = 0;
    let mut stdout = io::stdout().lock();
    for f in files {
        match scenario::load_file(f) {
            Ok(s) => writeln!(
                stdout,
                "{}: ok ({}, {} nodes)",
                f.display(),
                s.config.name,
                s.config.nodes.len()
            )?,
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

fn check(lab: &Path, scenario: Option<&Path>, seed: Option<u64>) -> anyhow::Result<ExitCode> {
    match faultlab::lab::check(lab, scenario, seed) {
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(EXIT_BAD_INPUT))
        }
        Ok(report) => {
            let written = write!(
                io::stdout().lock(),
                "{}",
                faultlab::lab::render_check_report(&report)
            );
            // The exit status is the verdict a grading script reads, so a
            // reader that stopped early (`| true`) must not turn it into a pass.
            if let Err(e) = written
                && e.kind() != io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn grade(
    lab: &Path,
    submissions: &Path,
    out: Option<&Path>,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    let table = match faultlab::lab::grade(lab, submissions, threads) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let csv = table.to_csv();
    match out {
        Some(path) => {
            std::fs::write(path, csv)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{} of {} submissions pass; table written to {}",
                table.passed(),
                table.rows.len(),
                path.display()
            );
        }
        None => {
            write!(io::stdout().lock(), "{csv}")?;
            eprintln!(
                "{} of {} submissions pass",
                table.passed(),
                table.rows.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sweep(
    path: &Path,
    set: &[String],
    seeds: u64,
    out: Option<&Path>,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    use faultlab::sweep;
    let base = match load(path) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let planned = set
        .iter()
        .map(|s| s.parse::<sweep::Setting>())
        .collect::<Result<Vec<_>, _>>()
        .and_then(|settings| Ok((sweep::plan(&base, &settings, seeds)?, settings)));
    let (plan, settings) = match planned {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(plan.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} sweeping [{bar:40}] {pos}/{len} runs ({eta} left)")
            .expect("constant template is valid")
            .progress_chars("=> "),
    );
    let rows = sweep::run(plan, threads, &|| bar.inc(1));
    bar.finish_and_clear();
    let csv = sweep::to_csv(&settings, &rows);
    match out {
        Some(file) => {
            std::fs::write(file, csv)
                .with_context(|| format!("cannot write {}", file.display()))?;
            eprintln!("{} runs written to {}", rows.len(), file.display());
        }
        None => write!(io::stdout().lock(), "{csv}")?,
    }
    Ok(ExitCode::SUCCESS)
}
