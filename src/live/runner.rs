//! The runner thread: a current-thread tokio runtime that owns a [`Session`],
//! paces it against the wall clock, applies commands between steps, and
//! publishes snapshots.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::sim::config::SimConfig;
use crate::sim::time::SimDuration;

use super::session::Session;
use super::snapshot::Snapshot;
use super::{Command, Speed};

/// How often the runner advances and publishes while playing (~60 per second).
const TICK: Duration = Duration::from_millis(16);
/// Wall time the simulation may use per tick, so commands are never kept
/// waiting long and a heavy scenario cannot starve the window.
const WORK_BUDGET: Duration = Duration::from_millis(12);
/// Simulated time advanced between wall-clock checks at "as fast as possible".
const MAX_SPEED_CHUNK: SimDuration = SimDuration::from_millis(20);
/// A paced run that falls behind by more than this stops trying to catch up.
const MAX_LAG: Duration = Duration::from_millis(250);

/// Called after each new snapshot, e.g. to ask the window to repaint.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// A simulation running on its own thread.
pub struct LiveRunner {
    commands: mpsc::UnboundedSender<Command>,
    snapshots: watch::Receiver<Arc<Snapshot>>,
    thread: Option<JoinHandle<()>>,
}

impl LiveRunner {
    /// Starts a paused run of `config`; `notify` is called after every new snapshot.
    pub fn start(config: SimConfig, notify: Notify) -> Self {
        let session = Session::new(config);
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (snapshot_tx, snapshots) = watch::channel(Arc::new(session.snapshot()));
        let thread = std::thread::Builder::new()
            .name("faultlab-runner".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("a current-thread runtime can always be built");
                runtime.block_on(run(session, command_rx, snapshot_tx, notify));
            })
            .expect("the runner thread starts");
        LiveRunner {
            commands,
            snapshots,
            thread: Some(thread),
        }
    }

    /// Sends a command; it is applied before the next step.
    pub fn send(&self, command: Command) {
        // The runner only stops on Shutdown or drop, so sending cannot fail before.
        let _ = self.commands.send(command);
    }

    /// The latest snapshot.
    pub fn latest(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }
}

impl Drop for LiveRunner {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn run(
    mut session: Session,
    mut commands: mpsc::UnboundedReceiver<Command>,
    snapshots: watch::Sender<Arc<Snapshot>>,
    notify: Notify,
) {
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    loop {
        tokio::select! {
            command = commands.recv() => {
                let Some(command) = command else { return };
                if !session.command(command) {
                    return;
                }
                // Apply every command already waiting before publishing.
                while let Ok(command) = commands.try_recv() {
                    if !session.command(command) {
                        return;
                    }
                }
                last = Instant::now();
            }
            _ = ticker.tick() => {
                let elapsed = last.elapsed().min(MAX_LAG);
                last = Instant::now();
                if !session.playing() {
                    continue;
                }
                advance(&mut session, elapsed);
            }
        }
        let _ = snapshots.send(Arc::new(session.snapshot()));
        notify();
    }
}

/// Advances the session by the simulated time `elapsed` wall time is worth at
/// its speed, within the work budget.
fn advance(session: &mut Session, elapsed: Duration) {
    let started = Instant::now();
    match session.speed() {
        Speed::Factor(f) => {
            let mut remaining = SimDuration::from_secs_f64(elapsed.as_secs_f64() * f);
            let chunk = SimDuration::from_secs_f64((TICK.as_secs_f64() * f).max(1e-3));
            while remaining > SimDuration::ZERO
                && session.playing()
                && started.elapsed() < WORK_BUDGET
            {
                let step = SimDuration(remaining.as_nanos().min(chunk.as_nanos()));
                let done = session.advance_by(step);
                remaining = SimDuration(remaining.as_nanos().saturating_sub(done.as_nanos()));
                if done == SimDuration::ZERO {
                    break;
                }
            }
        }
        Speed::Max => {
            while session.playing() && started.elapsed() < WORK_BUDGET {
                session.advance_by(MAX_SPEED_CHUNK);
            }
        }
    }
}
