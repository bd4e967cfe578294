//! The engine: one event queue, the nodes, the network, the observer.

use crate::metrics::edges::EdgeWindow;
use crate::metrics::recorder::NodeRole;
use crate::metrics::recorder::RunTotals;
use crate::metrics::summary::ServiceWindow;
use crate::metrics::trace::{Trace, TraceConfig};
use crate::metrics::{Recorder, RunSummary, WindowSummary};

use super::clock::Clock;
use super::config::{Action, NodeId, NodeKind, SimConfig, TimedAction};
use super::lanes::{Admit, Lanes, NO_LANE, Parked};
use super::message::Message;
use super::network::{Network, Transit};
use super::node::client::Client;
use super::node::monitor::Monitor;
use super::node::replica::Replica;
use super::node::replica::client::StoreClient;
use super::node::replica::raft::RaftNode;
use super::node::service::Service;
use super::node::{Ctx, Node, Outbox, Timer};
use super::queue::EventQueue;
use super::time::{SimDuration, SimTime};
use super::view::{EdgeView, NodeView};

/// Default horizon of the duplicate-execution ledger when no service sets a key TTL.
const DEFAULT_LEDGER_HORIZON: SimDuration = SimDuration::from_secs(600);

/// How long the duplicate ledger remembers executions: the longest key TTL
/// of the services that keep idempotency keys (a service without keys
/// remembers nothing, whatever its `key_ttl`), or the default when none does.
pub fn ledger_horizon(config: &SimConfig) -> SimDuration {
    config
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Service(s) if s.idempotency_keys => Some(s.key_ttl),
            _ => None,
        })
        .max()
        .filter(|&ttl| ttl > SimDuration::ZERO)
        .unwrap_or(DEFAULT_LEDGER_HORIZON)
}

/// Something that happens at a moment of simulated time.
#[derive(Clone, Debug)]
enum Event {
    /// Start every node (scheduled once, at time zero).
    Start,
    /// A message arrives.
    Deliver {
        from: NodeId,
        to: NodeId,
        msg: Message,
    },
    /// A timer fires, unless the node crashed since it was set (`epoch`).
    /// `lane` is the timer lane it fronts, or `NO_LANE`.
    Timer {
        node: NodeId,
        epoch: u32,
        timer: Timer,
        lane: u32,
    },
    /// A canary's step is over: judge it.
    DeployStep(super::deploy::StepDue),
}

struct NodeSlot {
    node: Node,
    clock: Clock,
    up: bool,
    /// Bumped at each crash and restart; timers from an older epoch are void.
    epoch: u32,
    /// The work-time multiplier last set by `Slow`.
    slow: f64,
}

/// One deterministic run of a scenario.
///
/// Same configuration and seed give the same sequence of events, whatever
/// calls drive it (`step`, `run_until` in any chunks, or `run`).
pub struct Simulation {
    config: SimConfig,
    now: SimTime,
    queue: EventQueue<Event>,
    /// Call timeouts and deadlines waiting behind their lane's front.
    lanes: Lanes,
    nodes: Vec<NodeSlot>,
    network: Network,
    recorder: Recorder,
    events: u64,
    log_hash: u64,
    outbox: Outbox,
    /// Index of the first timeline action not yet applied.
    next_action: usize,
    /// Rollouts of service versions.
    deploys: super::deploy::Deployments,
}

impl Simulation {
    /// Builds the nodes and schedules their start and the scenario's timeline.
    pub fn new(config: SimConfig) -> Self {
        let names: Vec<String> = config.nodes.iter().map(|n| n.name.clone()).collect();
        let seed = config.seed;
        let mut network = Network::new(seed, names.clone(), config.default_link.clone());
        for link in &config.links {
            network.set_model(link.from, link.to, link.model.clone());
        }
        let mut roles = Vec::with_capacity(config.nodes.len());
        let nodes = config
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let id = NodeId(i as u32);
                let node = match &n.kind {
                    NodeKind::Client(c) => {
                        roles.push((n.name.clone(), NodeRole::Client));
                        Node::Client(Client::new(
                            seed,
                            id,
                            &n.name,
                            &names[c.target.index()],
                            c.clone(),
                        ))
                    }
                    NodeKind::Service(s) => {
                        roles.push((n.name.clone(), NodeRole::Service { workers: s.workers }));
                        Node::Service(Service::new(seed, &n.name, &names, s.clone()))
                    }
                    NodeKind::Cache(c) => {
                        roles.push((n.name.clone(), NodeRole::Cache));
                        Node::Cache(super::node::cache::Cache::new(
                            seed,
                            &n.name,
                            &names,
                            c.clone(),
                        ))
                    }
                    NodeKind::Queue(q) => {
                        roles.push((n.name.clone(), NodeRole::Queue));
                        Node::Queue(super::node::broker::Broker::new(q.clone()))
                    }
                    NodeKind::Replica(r) => {
                        roles.push((n.name.clone(), NodeRole::Replica));
                        Node::Replica(Replica::new(r.clone()))
                    }
                    NodeKind::StoreClient(c) => {
                        roles.push((n.name.clone(), NodeRole::Client));
                        Node::StoreClient(StoreClient::new(seed, id.0, &n.name, c.clone()))
                    }
                    NodeKind::Monitor(m) => {
                        roles.push((n.name.clone(), NodeRole::Monitor));
                        Node::Monitor(Monitor::new(m.clone()))
                    }
                    NodeKind::Raft(r) => {
                        roles.push((n.name.clone(), NodeRole::Replica));
                        Node::Raft(RaftNode::new(seed, &n.name, r.clone()))
                    }
                    NodeKind::Balancer(b) => {
                        roles.push((n.name.clone(), NodeRole::Balancer));
                        Node::Balancer(super::node::balancer::Balancer::new(
                            seed,
                            &n.name,
                            &names,
                            b.clone(),
                        ))
                    }
                };
                NodeSlot {
                    node,
                    clock: Clock::new(n.clock),
                    up: true,
                    epoch: 0,
                    slow: 1.0,
                }
            })
            .collect();
        let mut recorder = Recorder::new(roles, config.window, config.slo, ledger_horizon(&config));
        recorder.set_watched(&watched_pairs(&config));
        recorder.set_stores(super::store_config::store_of(&config));
        recorder.set_versions(versioned_services(&config));
        let deploys = super::deploy::Deployments::new(config.nodes.len());
        let mut queue = EventQueue::default();
        queue.push(SimTime::ZERO, Event::Start);
        Simulation {
            config,
            now: SimTime::ZERO,
            queue,
            lanes: Lanes::default(),
            nodes,
            network,
            recorder,
            events: 0,
            log_hash: 0xcbf2_9ce4_8422_2325,
            outbox: Outbox::default(),
            next_action: 0,
            deploys,
        }
    }

    /// The configuration this run was built from.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// A hash of every event processed so far (time, kind, node): two runs
    /// with equal hashes processed the same events in the same order.
    pub fn log_hash(&self) -> u64 {
        self.log_hash
    }

    /// A hash of the moments the clients generated requests (see
    /// [`Recorder::arrival_fingerprint`]); for common-random-number checks.
    pub fn arrival_fingerprint(&self) -> u64 {
        self.recorder.arrival_fingerprint()
    }

    /// The time of the next event or timeline action, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.next_time()
    }

    /// The time of the next event or timeline action, if any.
    fn next_time(&self) -> Option<SimTime> {
        let action = self.config.timeline.get(self.next_action).map(|a| a.at);
        match (self.queue.peek_time(), action) {
            (Some(e), Some(a)) => Some(e.min(a)),
            (e, a) => e.or(a),
        }
    }

    /// Processes the next event; false when there is none.
    ///
    /// A timeline action at time t takes effect after every event already
    /// due at t. This is what makes a learner's action, taken in the window
    /// after the runner has processed everything up to t, replay identically
    /// from a scenario file.
    pub fn step(&mut self) -> bool {
        let action_at = self.config.timeline.get(self.next_action).map(|a| a.at);
        let event_at = self.queue.peek_time();
        let take_action = match (action_at, event_at) {
            (Some(a), Some(e)) => a < e,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_action {
            let i = self.next_action;
            self.next_action += 1;
            let entry = &self.config.timeline[i];
            let (at, action) = (entry.at, entry.action.clone());
            self.now = self.now.max(at);
            self.recorder.advance(self.now);
            self.events += 1;
            self.hash_words([self.now.as_nanos(), 5, i as u64]);
            self.apply(action);
            return true;
        }
        let Some((at, event)) = self.queue.pop() else {
            return false;
        };
        if let Event::Timer {
            node,
            epoch,
            timer,
            lane,
        } = &event
        {
            if *lane != NO_LANE {
                self.arm_next(*node, *lane);
            }
            if self.timer_is_stale(*node, *epoch, timer) {
                // A timer its owner would ignore is no event: skipping it
                // changes nothing but the event count.
                return true;
            }
        }
        self.now = self.now.max(at);
        self.recorder.advance(self.now);
        self.events += 1;
        self.hash_event(&event);
        match event {
            Event::Start => {
                for i in 0..self.nodes.len() {
                    self.handle(NodeId(i as u32), |node, ctx| node.start(ctx));
                }
            }
            Event::Deliver { from, to, msg } => self.deliver(from, to, msg),
            Event::Timer { node, timer, .. } => {
                self.handle(node, |n, ctx| n.on_timer(ctx, timer));
            }
            Event::DeployStep(due) => {
                let version = self.deploys.routing(due.node).canary.map_or(0, |(v, _)| v);
                let stats = self.recorder.deploy().take_step(due.node.index(), version);
                let decision = self.deploys.step(self.now, due, &stats);
                self.carry_out(due.node, decision);
            }
        }
        true
    }

    /// Whether a timer of `node` set in `epoch` would do nothing if it fired
    /// now: the node crashed or restarted since, or its owner ignores it.
    fn timer_is_stale(&self, node: NodeId, epoch: u32, timer: &Timer) -> bool {
        let slot = &self.nodes[node.index()];
        !slot.up || slot.epoch != epoch || slot.node.timer_is_stale(timer)
    }

    /// The front of a timer lane has fired: puts the lane's next live timer
    /// in the queue with its original insertion number.
    fn arm_next(&mut self, node: NodeId, lane: u32) {
        let slot = &self.nodes[node.index()];
        let next = self.lanes.next(node, lane, |p| {
            slot.epoch != p.epoch || slot.node.timer_is_stale(&p.timer)
        });
        if let Some(p) = next {
            let event = Event::Timer {
                node,
                epoch: p.epoch,
                timer: p.timer,
                lane,
            };
            self.queue.push_seq(p.at, p.seq, event);
        }
    }

    /// Adds an action to the timeline at `at` (not earlier than now), after
    /// any action already there at the same time. The live runner records a
    /// learner's action this way, so it is applied exactly as a file's is.
    pub fn schedule_action(&mut self, at: SimTime, action: Action) {
        let at = at.max(self.now);
        let timeline = &mut self.config.timeline;
        let position =
            self.next_action + timeline[self.next_action..].partition_point(|a| a.at <= at);
        timeline.insert(position, TimedAction { at, action });
    }

    /// Processes every event up to and including time `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while self.next_time().is_some_and(|at| at <= t) {
            self.step();
        }
        self.now = self.now.max(t);
        self.recorder.advance(self.now);
    }

    /// Runs to the scenario's duration and summarises.
    pub fn run(mut self) -> RunSummary {
        let end = SimTime::ZERO + self.config.duration;
        self.run_until(end);
        self.finish()
    }

    /// Summarises the run so far (the last window ends now).
    pub fn finish(mut self) -> RunSummary {
        self.record_waiting();
        self.recorder
            .finish(self.now, &self.config.name, self.config.seed, self.events)
    }

    /// [`Simulation::run`], also giving the kept traces (see [`Simulation::enable_tracing`]).
    pub fn run_traced(mut self) -> (RunSummary, Vec<Trace>) {
        let end = SimTime::ZERO + self.config.duration;
        self.run_until(end);
        self.finish_traced()
    }

    /// [`Simulation::finish`], also giving the kept traces (see
    /// [`Simulation::enable_tracing`]; empty when tracing is off).
    pub fn finish_traced(mut self) -> (RunSummary, Vec<Trace>) {
        self.record_waiting();
        self.recorder
            .finish_traced(self.now, &self.config.name, self.config.seed, self.events)
    }

    /// End-to-end requests that have waited for an answer longer than the
    /// SLO's latency threshold: whatever comes of them, they missed it.
    pub fn unanswered(&self) -> u64 {
        let age = self.config.slo.latency;
        let waiting = |n: &NodeSlot| n.node.requests_waiting_longer_than(self.now, age);
        self.nodes.iter().map(waiting).sum()
    }

    /// Tells the recorder, at the end of a run, the requests still waiting.
    fn record_waiting(&mut self) {
        let unfinished = self.nodes.iter().map(|n| n.node.requests_in_flight()).sum();
        let unanswered = self.unanswered();
        self.recorder.set_waiting(unfinished, unanswered);
    }

    fn hash_event(&mut self, event: &Event) {
        let (kind, node) = match event {
            Event::Start => (1, 0),
            Event::Deliver {
                to,
                msg: Message::Request(_),
                ..
            } => (2, to.0),
            Event::Deliver {
                to,
                msg: Message::Reply(_),
                ..
            } => (3, to.0),
            Event::Timer { node, .. } => (4, node.0),
            Event::DeployStep(due) => (8, due.node.0),
            Event::Deliver {
                to,
                msg: Message::Kv(_),
                ..
            } => (6, to.0),
            Event::Deliver {
                to,
                msg: Message::Heartbeat { .. },
                ..
            } => (7, to.0),
        };
        self.hash_words([self.now.as_nanos(), kind, u64::from(node)]);
    }

    fn hash_words(&mut self, words: [u64; 3]) {
        for word in words {
            self.log_hash = (self.log_hash ^ word).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, msg: Message) {
        if self.network.is_cut(from, to) {
            self.recorder.net_cut();
            return;
        }
        if !self.nodes[to.index()].up {
            self.recorder.net_to_crashed();
            return;
        }
        self.handle(to, |node, ctx| node.on_message(ctx, from, msg));
    }

    /// Runs a handler of node `id` with its context, then carries out its outbox.
    fn handle(&mut self, id: NodeId, f: impl FnOnce(&mut Node, &mut Ctx)) {
        let slot = &mut self.nodes[id.index()];
        let local = slot.clock.local(self.now);
        let mut ctx = Ctx::new(self.now, local, id, &mut self.outbox, &mut self.recorder);
        f(&mut slot.node, &mut ctx);
        self.flush(id);
    }

    /// Carries out (and empties) the outbox of node `from`.
    fn flush(&mut self, from: NodeId) {
        let outbox = &mut self.outbox;
        let slot = &self.nodes[from.index()];
        if !slot.up {
            outbox.sends.clear();
            outbox.timers.clear();
            return;
        }
        let epoch = slot.epoch;
        // Timers are `Copy`: read them in place and clear the list after
        // (cheaper than draining it).
        for i in 0..outbox.timers.len() {
            let (delay, timer) = outbox.timers[i];
            let at = self.now + self.nodes[from.index()].clock.true_duration(delay);
            let lane = match self.lanes.admit(from, delay, at, &timer) {
                Admit::Arm(lane) => lane,
                Admit::Heap => NO_LANE,
                Admit::Park(lane) => {
                    let seq = self.queue.take_seq();
                    let parked = Parked {
                        at,
                        seq,
                        epoch,
                        timer,
                    };
                    self.lanes.park(from, lane, parked);
                    continue;
                }
            };
            let event = Event::Timer {
                node: from,
                epoch,
                timer,
                lane,
            };
            self.queue.push(at, event);
        }
        outbox.timers.clear();
        for (to, msg) in outbox.sends.drain(..) {
            self.recorder.net_sent();
            let transit = if matches!(msg, Message::Heartbeat { .. })
                && probes_share_a_request_link(&self.config, from, to)
            {
                self.network.send_probe(from, to)
            } else {
                self.network.send(from, to)
            };
            match transit {
                Transit::Deliver(d) => self
                    .queue
                    .push(self.now + d, Event::Deliver { from, to, msg }),
                Transit::Duplicate(d1, d2) => {
                    self.recorder.net_duplicated();
                    self.queue.push(
                        self.now + d1,
                        Event::Deliver {
                            from,
                            to,
                            msg: msg.clone(),
                        },
                    );
                    self.queue
                        .push(self.now + d2, Event::Deliver { from, to, msg });
                }
                Transit::Lost => self.recorder.net_lost(),
                Transit::Cut => self.recorder.net_cut(),
            }
        }
    }

    /// Applies an action now: a timeline entry, or a command from the window.
    pub fn apply(&mut self, action: Action) {
        let now = self.now;
        match action {
            Action::Crash(id) => {
                if self.nodes[id.index()].up {
                    self.handle(id, |node, ctx| node.crash(ctx));
                    let slot = &mut self.nodes[id.index()];
                    slot.up = false;
                    slot.epoch = slot.epoch.wrapping_add(1);
                    self.recorder.node_down(now, id.index());
                }
            }
            Action::Restart(id) => {
                let slot = &mut self.nodes[id.index()];
                if !slot.up {
                    slot.up = true;
                    slot.epoch = slot.epoch.wrapping_add(1);
                    self.recorder.node_up(id.index());
                    self.handle(id, |node, ctx| node.start(ctx));
                }
            }
            Action::Slow { node, factor } => {
                let slot = &mut self.nodes[node.index()];
                slot.slow = factor;
                slot.node.set_slow(factor);
            }
            Action::Partition(pairs) => {
                for (a, b) in pairs {
                    self.network.set_cut(a, b, true);
                }
            }
            Action::Heal(None) => self.network.heal_all(),
            Action::Heal(Some(pairs)) => {
                for (a, b) in pairs {
                    self.network.set_cut(a, b, false);
                }
            }
            Action::CrashZone(zone) => {
                for id in self.config.zone_members(&zone) {
                    self.apply(Action::Crash(id));
                }
            }
            Action::RestartZone(zone) => {
                for id in self.config.zone_members(&zone) {
                    self.apply(Action::Restart(id));
                }
            }
            Action::PartitionZone(zone) => {
                for (a, b) in self.config.zone_cut(&zone) {
                    self.network.set_cut(a, b, true);
                }
            }
            Action::HealZone(zone) => {
                for (a, b) in self.config.zone_cut(&zone) {
                    self.network.set_cut(a, b, false);
                }
            }
            Action::SetLink {
                from,
                to,
                latency,
                loss,
                duplicate,
            } => {
                let model = self
                    .network
                    .model(from, to)
                    .changed(latency.as_ref(), loss, duplicate);
                self.network.set_model(from, to, model);
            }
            Action::SetClock {
                node,
                offset_ns,
                drift_ppm,
            } => {
                let clock = &mut self.nodes[node.index()].clock;
                if let Some(d) = drift_ppm {
                    clock.set_drift(now, d);
                }
                if let Some(o) = offset_ns {
                    clock.set_offset(now, o);
                }
            }
            Action::SetPolicy {
                caller,
                callee,
                policy,
            } => {
                self.nodes[caller.index()].node.set_policy(callee, policy);
            }
            Action::SetLoad { client, load } => {
                if self.nodes[client.index()].up {
                    self.handle(client, |node, ctx| node.set_load(ctx, load));
                }
            }
            Action::SetService { node, change } => {
                self.handle(node, |n, ctx| n.change_service(ctx, &change));
            }
            Action::Canary { service, canary } => {
                let version = canary.version;
                let decision = self.deploys.canary(now, service, canary);
                // The first step starts now: forget what came before.
                self.recorder.deploy().take_step(service.index(), version);
                self.carry_out(service, decision);
            }
            Action::BlueGreen { service, version } => {
                let decision = self.deploys.switch(now, service, version);
                self.carry_out(service, decision);
            }
            Action::Rollback(service) => {
                let decision = self.deploys.rollback(now, service);
                self.carry_out(service, decision);
            }
        }
    }

    /// Applies a deployment decision: new routing, its event, the next step.
    fn carry_out(&mut self, service: NodeId, decision: super::deploy::Decision) {
        if let Some(routing) = decision.routing {
            self.nodes[service.index()].node.set_routing(routing);
        }
        if let Some(event) = decision.event {
            self.recorder.deploy().event(event);
        }
        if let Some((delay, due)) = decision.next_step {
            self.queue.push(self.now + delay, Event::DeployStep(due));
        }
    }

    /// How service `id` routes its requests between versions now.
    pub fn routing(&self, id: NodeId) -> super::deploy::Routing {
        self.deploys.routing(id)
    }

    /// The rollout events so far.
    pub fn deploy_events(&self) -> &[crate::metrics::deploy::DeployEvent] {
        self.recorder.deploy_events()
    }

    /// Whether node `id` is up.
    pub fn is_up(&self, id: NodeId) -> bool {
        self.nodes[id.index()].up
    }

    /// The local clock reading of node `id` now, in nanoseconds.
    pub fn local_time(&self, id: NodeId) -> i64 {
        self.nodes[id.index()].clock.local(self.now).0
    }

    /// What the inspector shows of a Raft node or monitor (log tail, view
    /// of who is alive); `None` for other kinds.
    pub fn node_detail(&self, id: NodeId) -> Option<crate::sim::view::NodeDetail> {
        let slot = self.nodes.get(id.index())?;
        slot.node.detail(slot.clock.local(self.now))
    }

    /// A balancer's view of its pool (empty for other kinds).
    pub fn pool_view(&self, id: NodeId) -> Vec<crate::sim::view::PoolMember> {
        self.nodes
            .get(id.index())
            .map_or_else(Vec::new, |slot| slot.node.pool(slot.clock.local(self.now)))
    }

    /// Raft leaders elected so far, in order.
    pub fn raft_leaders(&self) -> &[crate::metrics::raft::LeaderRecord] {
        self.recorder.raft_leaders()
    }

    /// Every node's state now, indexed by `NodeId`.
    pub fn node_views(&self) -> Vec<NodeView> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let (busy, queued) = self.recorder.levels_of(i);
                NodeView {
                    up: slot.up,
                    busy,
                    queued,
                    slow: slot.slow,
                    workers: slot.node.workers(),
                    clock_offset_ns: slot.clock.offset_at(self.now),
                    drift_ppm: slot.clock.drift_ppm(),
                    raft: slot.node.raft_view(),
                }
            })
            .collect()
    }

    /// Traffic on every caller → callee edge of the topology over the last
    /// closed window, in the order the callers list their calls. A store
    /// client follows redirects to the leader, which its file does not
    /// name: its edges to other nodes are listed too (after the file's
    /// edges) while they carried operations in that window.
    pub fn edge_views(&self) -> Vec<EdgeView> {
        let mut edges: Vec<EdgeView> = self
            .config
            .call_edges()
            .into_iter()
            .map(|(from, to)| {
                let (attempts, failures) = self.recorder.last_edge(from.index(), to.index());
                EdgeView {
                    from,
                    to,
                    attempts,
                    failures,
                }
            })
            .collect();
        for (i, n) in self.config.nodes.iter().enumerate() {
            let NodeKind::StoreClient(c) = &n.kind else {
                continue;
            };
            for to in (0..self.config.nodes.len()).filter(|&j| j != i && j != c.target.index()) {
                let (attempts, failures) = self.recorder.last_edge(i, to);
                if attempts + failures > 0 {
                    edges.push(EdgeView {
                        from: NodeId(i as u32),
                        to: NodeId(to as u32),
                        attempts,
                        failures,
                    });
                }
            }
        }
        edges
    }

    /// The closed metrics windows from index `first` on.
    pub fn windows_since(&self, first: usize) -> Vec<WindowSummary> {
        self.recorder.windows_since(first)
    }

    /// Calls and attempts per caller → callee edge in the closed windows
    /// from index `first` on (edges without traffic left out).
    pub fn edge_windows_since(&self, first: usize) -> Vec<Vec<EdgeWindow>> {
        self.recorder.edge_windows_since(first).to_vec()
    }

    /// End-to-end figures through the last closed window.
    pub fn totals(&self) -> RunTotals {
        self.recorder.totals()
    }

    /// The last closed window's figures for node `id` (none before the first window closes).
    pub fn last_window_of(&self, id: NodeId) -> Option<ServiceWindow> {
        self.recorder.last_window_of(id.index())
    }

    /// Starts collecting traces (see [`crate::metrics::trace`]). Call before
    /// the run starts; tracing observes only, the run stays the same.
    pub fn enable_tracing(&mut self, config: TraceConfig) {
        self.recorder.enable_tracing(config);
    }

    /// The traces kept so far (none when tracing is off).
    pub fn traces(&self) -> Vec<&Trace> {
        self.recorder
            .tracer()
            .map_or_else(Vec::new, |t| t.kept().collect())
    }

    /// Copies of the kept traces from index `first` on (in the order kept).
    pub fn traces_since(&self, first: usize) -> Vec<Trace> {
        self.recorder
            .tracer()
            .map_or_else(Vec::new, |t| t.kept().skip(first).cloned().collect())
    }

    /// Traces of requests still in flight (none when tracing is off).
    pub fn traces_in_flight(&self) -> Vec<&Trace> {
        self.recorder
            .tracer()
            .map_or_else(Vec::new, |t| t.in_flight())
    }

    /// Takes the traces kept so far out (later spans of them are no longer added).
    pub fn take_traces(&mut self) -> Vec<Trace> {
        self.recorder
            .tracer_mut()
            .map_or_else(Vec::new, |t| t.take_kept())
    }

    /// The network (read-only), e.g. to see which links are cut.
    pub fn network(&self) -> &Network {
        &self.network
    }
}

/// Every service with more than one version, with its versions' names.
fn versioned_services(config: &SimConfig) -> Vec<(usize, Vec<String>)> {
    config
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| match &n.kind {
            NodeKind::Service(s) if s.versions.count() > 1 => Some((
                i,
                (0..s.versions.count())
                    .map(|v| s.versions.name(v).to_string())
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Whether a probe between `from` and `to` travels a link that also
/// carries requests: a balancer's health checks. Those probes draw from the
/// link's probe stream, so turning health checks on does not shift the
/// requests' draws; a monitor's links carry only probes and keep the link's
/// own stream.
fn probes_share_a_request_link(config: &SimConfig, from: NodeId, to: NodeId) -> bool {
    let balancer = |id: NodeId| {
        matches!(
            config.nodes.get(id.index()).map(|n| &n.kind),
            Some(NodeKind::Balancer(_))
        )
    };
    balancer(from) || balancer(to)
}

/// Every (watcher, watched node) pair of the configuration: monitors and
/// balancers with health checks.
fn watched_pairs(config: &SimConfig) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (i, n) in config.nodes.iter().enumerate() {
        match &n.kind {
            NodeKind::Monitor(m) => pairs.extend(m.watch.iter().map(|w| (i, w.index()))),
            NodeKind::Balancer(b) if b.health.is_some() => {
                pairs.extend(b.pool.iter().map(|w| (i, w.index())));
            }
            _ => {}
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::*;
    use crate::sim::dist::Dist;

    /// λ = 800/s Poisson into one worker with exponential 1 ms work.
    pub(crate) fn mm1(seed: u64, secs: u64) -> SimConfig {
        let client = NodeConfig::named(
            "users",
            NodeKind::Client(ClientConfig {
                load: Load::Open {
                    arrivals: Arrivals::Poisson { rate_per_s: 800.0 },
                },
                target: NodeId(1),
                policy: PolicyConfig::default(),
                keys: KeySpace::Uniform { n: 1000 },
                write_fraction: 0.0,
                priorities: vec![(Priority::Normal, 1.0)],
                max_in_flight: None,
            }),
        );
        let server = NodeConfig::named(
            "server",
            NodeKind::Service(ServiceConfig::plain(
                1,
                Dist::exponential(SimDuration::from_millis(1)),
            )),
        );
        SimConfig {
            name: "mm1".into(),
            seed,
            duration: SimDuration::from_secs(secs),
            window: SimDuration::from_secs(1),
            nodes: vec![client, server],
            default_link: LinkModel::default(),
            links: vec![],
            timeline: vec![],
            slo: SloConfig::default(),
        }
    }

    #[test]
    fn mm1_smoke() {
        let s = Simulation::new(mm1(1, 100)).run();
        eprintln!("{:#?}", s.requests);
        eprintln!("{:#?}", s.latency_ms);
        eprintln!("{:#?}", s.services["server"].utilization);
        assert!(s.requests.ok > 70_000);
    }
}
