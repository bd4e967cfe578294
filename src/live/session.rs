//! A live session without threads: the runner's state and its response to
//! each [`Command`]. Deterministic given the commands and the simulated times
//! at which they arrive, so tests drive it directly.

use std::sync::Arc;

use crate::metrics::WindowSummary;
use crate::metrics::edges::EdgeWindow;
use crate::sim::Simulation;
use crate::sim::config::{Action, NodeId, NodeKind, SimConfig, TimedAction};
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::view::NodeView;

use super::fork::Fork;
use super::snapshot::{DeployState, EdgeState, Health, NodeState, RunnerFailure, Snapshot, Totals};
use super::trace_store::TraceStore;
use super::{Command, Speed};
use crate::metrics::trace::TraceConfig;

/// Most learner actions one session records; more are ignored (each is a
/// timeline entry, and scenario files hold at most this many).
pub const MAX_RECORDED: usize = 10_000;

/// The state of a live run.
pub struct Session {
    /// The scenario as loaded (its timeline holds only the file's actions).
    base: Arc<SimConfig>,
    seed: u64,
    recorded: Arc<Vec<TimedAction>>,
    sim: Simulation,
    playing: bool,
    speed: Speed,
    /// Pause when simulated time reaches this (a step's end, the scenario's end).
    pause_at: Option<SimTime>,
    windows: Arc<Vec<Arc<WindowSummary>>>,
    /// Kept traces, within the bound `TraceStore` states.
    traces: TraceStore,
    /// Burn-rate alerts over the closed windows.
    alerts: Arc<Vec<crate::metrics::alerts::AlertEvent>>,
    edge_windows: Arc<Vec<Arc<Vec<EdgeWindow>>>>,
    /// Requests waiting past the SLO's latency threshold, counted when the
    /// last window closed (a scan of every client's requests in flight, so
    /// once a window rather than on every frame).
    unanswered: u64,
    failure: Option<RunnerFailure>,
    /// A forked run being compared with this one.
    fork: Option<Fork>,
}

impl Session {
    /// A paused session at time zero.
    pub fn new(config: SimConfig) -> Self {
        let seed = config.seed;
        let base = Arc::new(config);
        let sim = build(&base, seed, &[]);
        let pause_at = Some(SimTime::ZERO + base.duration);
        let traces = TraceStore::new(base.window);
        Session {
            base,
            seed,
            recorded: Arc::new(Vec::new()),
            sim,
            playing: false,
            speed: Speed::Factor(1.0),
            pause_at,
            windows: Arc::new(Vec::new()),
            traces,
            alerts: Arc::new(Vec::new()),
            edge_windows: Arc::new(Vec::new()),
            unanswered: 0,
            failure: None,
            fork: None,
        }
    }

    /// Simulated time now.
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// Whether simulated time is running.
    pub fn playing(&self) -> bool {
        self.playing && self.failure.is_none()
    }

    /// The pace.
    pub fn speed(&self) -> Speed {
        self.speed
    }

    /// The scenario with the learner's actions merged into its timeline:
    /// running it headless reproduces this session. When the learner played
    /// on past the scenario's end, the duration grows to cover the last
    /// action, so the file stays valid.
    pub fn replay_config(&self) -> SimConfig {
        let mut config = merged(&self.base, self.seed, &self.recorded);
        if let Some(last) = self.recorded.last() {
            config.duration = config.duration.max(last.at.saturating_since(SimTime::ZERO));
        }
        config
    }

    /// Ends the session and summarises the run so far, as a headless run would.
    pub fn finish_summary(self) -> crate::metrics::RunSummary {
        self.sim.finish()
    }

    /// Applies one command. Returns false for `Shutdown`.
    pub fn command(&mut self, command: Command) -> bool {
        match command {
            Command::Play => {
                self.playing = true;
                if self.pause_at.is_some_and(|t| t <= self.now()) {
                    self.pause_at = None; // play on past the scenario's end
                }
            }
            Command::Pause => self.playing = false,
            Command::Step => {
                self.pause_at = Some(self.now() + self.base.window);
                self.playing = true;
            }
            Command::SetSpeed(speed) => self.speed = speed,
            Command::Reset => {
                self.recorded = Arc::new(Vec::new());
                self.restart_at(SimTime::ZERO);
            }
            Command::SetSeed(seed) => {
                self.seed = seed;
                self.restart_at(SimTime::ZERO);
            }
            Command::Act(action) => self.act(action),
            Command::Load(config) => {
                self.seed = config.seed;
                self.base = Arc::new(*config);
                self.recorded = Arc::new(Vec::new());
                self.restart_at(SimTime::ZERO);
            }
            Command::RewindTo(t) => {
                let kept: Vec<TimedAction> = self
                    .recorded
                    .iter()
                    .filter(|a| a.at <= t)
                    .cloned()
                    .collect();
                self.recorded = Arc::new(kept);
                self.restart_at(t);
            }
            Command::UndoLastAction => {
                let now = self.now();
                if !self.playing && self.recorded.last().is_some_and(|a| a.at == now) {
                    Arc::make_mut(&mut self.recorded).pop();
                    self.restart_at(now);
                }
            }
            Command::Fork { change, label } => {
                let now = self.now();
                let config = merged(&self.base, self.seed, &self.recorded);
                self.fork = guarded_fork(|| Fork::start(config, change, label, now));
            }
            Command::EndFork => self.fork = None,
            Command::Shutdown => return false,
        }
        true
    }

    fn act(&mut self, action: Action) {
        if self.recorded.len() >= MAX_RECORDED || self.failure.is_some() {
            return;
        }
        let at = self.now();
        Arc::make_mut(&mut self.recorded).push(TimedAction {
            at,
            action: action.clone(),
        });
        if let Some(mut fork) = self.fork.take() {
            let a = action.clone();
            self.fork = guarded_fork(move || {
                fork.act(at, a);
                fork
            });
        }
        self.sim.schedule_action(at, action);
        // Take effect at once, even while paused.
        self.guarded(|sim| sim.run_until(at));
        self.collect_windows();
    }

    /// Rebuilds the run from time zero with the recorded actions and
    /// re-simulates, headless, to `t`; leaves it paused there. Building is
    /// guarded too: if it panics, the failure is shown (at time zero) and the
    /// previous run's windows are not shown as this one's.
    fn restart_at(&mut self, t: SimTime) {
        self.windows = Arc::new(Vec::new());
        self.traces = TraceStore::new(self.base.window);
        self.alerts = Arc::new(Vec::new());
        self.edge_windows = Arc::new(Vec::new());
        self.unanswered = 0;
        self.failure = None;
        // A fork compares from its moment on; starting again ends it.
        self.fork = None;
        self.playing = false;
        self.pause_at = Some(SimTime::ZERO + self.base.duration).filter(|&end| end > t);
        let (base, seed, recorded) = (self.base.clone(), self.seed, self.recorded.clone());
        let mut built = false;
        self.guarded(|sim| {
            *sim = build(&base, seed, &recorded);
            built = true;
        });
        if built {
            // In steps, collecting as it goes, so the tracer hands its traces
            // over before its own cap fills (each window's slowest stay kept).
            let step = self.base.window.max(SimDuration::from_secs(1));
            while self.failure.is_none() && self.now() < t {
                let next = (self.now() + step).min(t);
                self.guarded(|sim| sim.run_until(next));
                self.collect_windows();
            }
            self.collect_windows();
        } else if let Some(failure) = self.failure.as_mut() {
            failure.at = SimTime::ZERO;
        }
    }

    /// Advances simulated time by up to `d`, stopping early at a pause point.
    /// Returns the simulated time actually advanced.
    pub fn advance_by(&mut self, d: SimDuration) -> SimDuration {
        if !self.playing() {
            return SimDuration::ZERO;
        }
        let start = self.now();
        let mut target = start + d;
        if let Some(p) = self.pause_at
            && p <= target
        {
            target = p;
            self.playing = false;
            self.pause_at = None;
        }
        self.guarded(|sim| sim.run_until(target));
        self.collect_windows();
        if let Some(mut fork) = self.fork.take() {
            let now = self.now();
            self.fork = guarded_fork(move || {
                fork.advance_to(now);
                fork
            });
        }
        self.now().saturating_since(start)
    }

    /// Runs `f` on the simulation, turning a panic into a recorded failure
    /// instead of taking the window down.
    fn guarded(&mut self, f: impl FnOnce(&mut Simulation)) {
        if self.failure.is_some() {
            return;
        }
        let sim = &mut self.sim;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(sim)));
        if let Err(payload) = result {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            self.failure = Some(RunnerFailure {
                message,
                seed: self.seed,
                at: self.sim.now(),
            });
            self.playing = false;
        }
    }

    fn collect_windows(&mut self) {
        let have = self.windows.len();
        let new = self.sim.windows_since(have);
        if !new.is_empty() {
            let windows = Arc::make_mut(&mut self.windows);
            windows.extend(new.into_iter().map(Arc::new));
            self.alerts = Arc::new(crate::metrics::alerts::burn_rate_alerts(
                &self.windows,
                self.base.slo.availability,
                self.base.duration.as_secs_f64(),
            ));
            let edges = self.sim.edge_windows_since(self.edge_windows.len());
            Arc::make_mut(&mut self.edge_windows).extend(edges.into_iter().map(Arc::new));
            self.unanswered = self.sim.unanswered();
            // Traces are kept by the time their window closes: move them into
            // the bounded store with it (the tracer no longer holds them).
            self.traces.extend(self.sim.take_traces());
        }
    }

    /// The picture of the run now.
    pub fn snapshot(&self) -> Snapshot {
        let window_s = self.base.window.as_secs_f64();
        let nodes = self
            .sim
            .node_views()
            .into_iter()
            .enumerate()
            .map(|(i, view)| node_state(&self.base, &self.sim, NodeId(i as u32), view))
            .collect();
        let edges = self
            .sim
            .edge_views()
            .into_iter()
            .map(|e| EdgeState {
                from: e.from,
                to: e.to,
                attempts_per_s: e.attempts as f64 / window_s,
                // Failures are counted when they happen; a timeout can fail an
                // attempt sent in the previous window, so cap the share at 1.
                error_fraction: if e.attempts == 0 {
                    0.0
                } else {
                    (e.failures as f64 / e.attempts as f64).min(1.0)
                },
                cut_forward: self.sim.network().is_cut(e.from, e.to),
                cut_backward: self.sim.network().is_cut(e.to, e.from),
            })
            .collect();
        let t = self.sim.totals();
        Snapshot {
            scenario: self.base.clone(),
            recorded: self.recorded.clone(),
            seed: self.seed,
            now: self.now(),
            playing: self.playing(),
            speed: self.speed,
            events: self.sim.events(),
            nodes,
            edges,
            cuts: self.sim.network().cuts(),
            windows: self.windows.clone(),
            totals: Totals {
                offered: t.requests.offered,
                ok: t.requests.ok,
                failed: t.requests.failed,
                availability: t.requests.availability,
                latency_ms: t.latency_ms,
                latency_at_slo_ms: t.latency_at_slo_ms,
                budget_remaining: t.budget_remaining,
                unanswered: self.unanswered,
            },
            failure: self.failure.clone(),
            traces: self.traces.traces().clone(),
            traces_dropped: self.traces.dropped(),
            leaders: Arc::new(self.sim.raft_leaders().to_vec()),
            alerts: self.alerts.clone(),
            rollouts: Arc::new(self.sim.deploy_events().to_vec()),
            edge_windows: self.edge_windows.clone(),
            fork: self.fork.as_ref().map(Fork::view),
        }
    }
}

/// Above this utilization with requests waiting, a node counts as overloaded.
const OVERLOADED_UTILIZATION: f64 = 0.95;
/// Above this fraction of failed answers, a node counts as degraded.
const DEGRADED_ERRORS: f64 = 0.01;

fn node_state(config: &SimConfig, sim: &Simulation, id: NodeId, view: NodeView) -> NodeState {
    let workers = view.workers;
    let last = sim.last_window_of(id).unwrap_or_default();
    let window_s = config.window.as_secs_f64();
    let answered = last.ok + last.errors + last.refused;
    let error_fraction = if answered == 0 {
        0.0
    } else {
        (last.errors + last.refused) as f64 / answered as f64
    };
    let saturated = workers.is_some_and(|w| view.busy >= u64::from(w)) && view.queued > 0;
    let health = if !view.up {
        Health::Crashed
    } else if last.refused > 0
        || saturated
        || last.utilization > OVERLOADED_UTILIZATION && view.queued > 0
    {
        Health::Overloaded
    } else if error_fraction > DEGRADED_ERRORS || view.slow > 1.0 {
        Health::Degraded
    } else {
        Health::Healthy
    };
    NodeState {
        up: view.up,
        busy: view.busy,
        queued: view.queued,
        workers,
        utilization: last.utilization,
        arrivals_per_s: last.arrivals as f64 / window_s,
        error_fraction,
        slow: view.slow,
        clock_offset_ms: view.clock_offset_ns as f64 / 1e6,
        drift_ppm: view.drift_ppm,
        health,
        raft: view.raft,
        detail: sim.node_detail(id),
        deploy: deploy_state(config, sim, id),
        pool: sim.pool_view(id),
    }
}

/// Which versions serve a service with several versions now.
fn deploy_state(config: &SimConfig, sim: &Simulation, id: NodeId) -> Option<DeployState> {
    let NodeKind::Service(s) = &config.nodes.get(id.index())?.kind else {
        return None;
    };
    if s.versions.count() < 2 {
        return None;
    }
    let routing = sim.routing(id);
    Some(DeployState {
        versions: (0..s.versions.count())
            .map(|v| s.versions.name(v).to_string())
            .collect(),
        stable: routing.stable,
        canary: routing.canary,
    })
}

/// The scenario's configuration with `seed` and the recorded actions appended
/// to its timeline (stable by time, file actions first at equal times).
fn merged(base: &SimConfig, seed: u64, recorded: &[TimedAction]) -> SimConfig {
    let mut config = base.clone();
    config.seed = seed;
    config.timeline.extend(recorded.iter().cloned());
    config.timeline.sort_by_key(|a| a.at);
    config
}

/// Runs `f` on a fork; a panic in the fork ends the comparison only.
fn guarded_fork(f: impl FnOnce() -> Fork) -> Option<Fork> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

fn build(base: &SimConfig, seed: u64, recorded: &[TimedAction]) -> Simulation {
    let mut sim = Simulation::new(merged(base, seed, recorded));
    // The window's trace list: tracing observes only, the run is the same.
    sim.enable_tracing(TraceConfig::default());
    sim
}
