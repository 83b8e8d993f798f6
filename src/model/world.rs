//! The simulated world as one [`Model`]: it owns the models' states (services with their pods
//! and HPAs, clusters, routing, database, cache, recorder, SLO tracker, usage meter) and turns
//! each engine event into calls on them. It never touches the clock or the schedule: it reads
//! the time from the [`Context`] and schedules one-off events through it; periodic events are
//! the engine's timers (set up in [`super::simulate_with_progress`]).

use super::cache::CacheRun;
use super::database::{self, DbRun};
use super::latency::ServiceQueueCfg;
use super::nodes::{self, Cluster};
use super::routing::Routing;
use super::service::{Followup, ServiceState};
use super::usage::UsageMeter;
use super::{NodeRow, PoolStats};
use crate::hpa;
use crate::metrics::slo::SloTracker;
use crate::metrics::{Recorder, Snapshot};
use crate::queueing::moments::Moments;
use crate::sim::{Context, Model, TimeMs};
use crate::traffic::{Demand, NoiseProcess};

pub use crate::scenario::limits::{EVAL_STEP_MS, TRAFFIC_STEP_MS};

#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    /// New offered traffic, then metrics-server's scrape of the window that just ended.
    Tick,
    HpaSync(usize),
    PodRunning(usize, u64),
    PodReady(usize, u64),
    PodGone(usize, u64),
    /// Latency, errors, database, cache and SLOs over the last step.
    Evaluate,
    CloseInterval,
    AutoscalerScan(usize),
    NodeReady(usize, u64),
    NodeInterrupted(usize, u64),
    /// A cloud fails / its failure is detected and traffic moves / it recovers / traffic returns.
    CloudDown(usize),
    RouteAway(usize),
    CloudUp(usize),
    RouteBack(usize),
    CacheFlush,
    /// A deploy of a new revision starts on an instance.
    Deploy(usize, crate::scenario::platform::DeployStrategy),
    /// Blue-green: an instance's traffic switches to this revision.
    DeploySwitch(usize, u32),
}

/// The evaluation step's running totals and scratch space.
pub(super) struct EvalState {
    /// Offered requests per instance at the last evaluation, and the step's mean rates.
    pub last_offered: Vec<f64>,
    pub rates: Vec<f64>,
    pub last_eval_ms: TimeMs,
    /// The SLO's request path (service indices).
    pub path: Vec<usize>,
    pub demands: Vec<database::Demand>,
    pub path_parts: Vec<(f64, Moments)>,
    pub svc_parts: Vec<Vec<(f64, f64, f64, Moments)>>,
    /// Fluid backlog per instance (requests), carried across steps.
    pub backlogs: Vec<f64>,
    /// Green's own backlog per instance during a blue-green's canary (`backlogs` is blue's
    /// then); folded into `backlogs` when the split ends.
    pub green_backlogs: Vec<f64>,
}

pub(super) struct World<'d> {
    /// The seed-independent demand curve, shared by every run of a sweep's grid point.
    pub demand: &'d Demand,
    pub noise: Option<NoiseProcess>,
    pub n_svc: usize,
    pub routing: Routing,
    /// Per instance (`cloud × services + service`).
    pub instances: Vec<ServiceState>,
    pub queue_cfgs: Vec<ServiceQueueCfg>,
    pub clusters: Vec<Option<Cluster>>,
    /// Pool index offset of each cloud's cluster in `pools`.
    pub pool_offset: Vec<usize>,
    pub pools: Vec<PoolStats>,
    pub db: Option<DbRun>,
    pub cache: Option<CacheRun>,
    pub hpa_config: hpa::Config,
    pub metric_resolution_ms: TimeMs,
    pub recorder: Recorder,
    pub slo: SloTracker,
    pub followups: Vec<Followup>,
    pub actions: Vec<nodes::ClusterAction>,
    pub eval: EvalState,
    pub node_rows: Vec<NodeRow>,
    /// Per pool (index into `pools`), the most nodes since the current output interval began.
    pub interval_max_nodes: Vec<u32>,
    pub usage: UsageMeter,
    /// How the database's data grows (with a database).
    pub db_data: Option<super::usage::DataGrowth>,
    /// Per instance: whether its service runs in its cloud (a service naming node pools runs
    /// only in their clouds); per service: whether it runs in every cloud.
    pub runs_in: Vec<bool>,
    pub everywhere: Vec<bool>,
    /// Per instance: its cloud's share of the service's users, as of `shares_generation` of
    /// the routing (recomputed at the first tick after an outage changes it).
    pub shares: Vec<f64>,
    pub shares_generation: Option<u64>,
}

/// What the recorder needs of a service instance right now.
pub(super) fn snapshot(s: &ServiceState) -> Snapshot {
    Snapshot {
        desired: s.spec_replicas,
        ready: s.ready_count,
        pods: s.pods.len() as u32,
        rps: s.users_rps(),
    }
}

impl World<'_> {
    fn record(&mut self, now: TimeMs, i: usize) {
        let snap = snapshot(&self.instances[i]);
        self.recorder.update(now, i, snap);
    }

    fn cloud_of(&self, inst: usize) -> usize {
        inst / self.n_svc
    }

    /// Act on what a pod change asked for: schedule its next steps, or ask the cluster for a node
    /// (the cluster's answers are left in `actions`).
    fn dispatch_followups(&mut self, inst: usize, now: TimeMs, ctx: &mut Context<'_, Event>) {
        let cloud = self.cloud_of(inst);
        for f in std::mem::take(&mut self.followups) {
            match f {
                Followup::Running { pod, at_ms } => {
                    ctx.schedule_at(at_ms, Event::PodRunning(inst, pod))
                }
                Followup::Ready { pod, at_ms } => {
                    ctx.schedule_at(at_ms, Event::PodReady(inst, pod))
                }
                Followup::Gone { pod, at_ms } => ctx.schedule_at(at_ms, Event::PodGone(inst, pod)),
                Followup::Switch { revision, at_ms } => {
                    ctx.schedule_at(at_ms, Event::DeploySwitch(inst, revision))
                }
                Followup::NeedsNode {
                    pod,
                    cpu_milli,
                    memory_bytes,
                } => {
                    if let Some(c) = self.clusters[cloud].as_mut() {
                        c.add_pending((inst, pod), cpu_milli, memory_bytes, now, &mut self.actions);
                    }
                }
            }
        }
    }

    /// Dispatch a pod change's follow-ups and act on whatever the cluster decided.
    fn apply_followups(&mut self, inst: usize, now: TimeMs, ctx: &mut Context<'_, Event>) {
        self.dispatch_followups(inst, now, ctx);
        self.apply_actions(self.cloud_of(inst), now, ctx);
    }

    /// Act on what the cluster decided: bind pods, schedule node events, evict pods.
    fn apply_actions(&mut self, cloud: usize, now: TimeMs, ctx: &mut Context<'_, Event>) {
        while !self.actions.is_empty() {
            let actions: Vec<nodes::ClusterAction> = self.actions.drain(..).collect();
            for a in actions {
                match a {
                    nodes::ClusterAction::PodBound {
                        pod: (inst, id), ..
                    } => {
                        self.instances[inst].pod_bound(now, id, &mut self.followups);
                        self.dispatch_followups(inst, now, ctx);
                        self.record(now, inst);
                    }
                    nodes::ClusterAction::NodeProvisioning {
                        node, ready_at_ms, ..
                    } => {
                        ctx.schedule_at(ready_at_ms, Event::NodeReady(cloud, node));
                    }
                    nodes::ClusterAction::SpotNotice {
                        node,
                        at_ms,
                        evicted,
                    } => {
                        let pool = self.clusters[cloud].as_ref().and_then(|c| c.pool_of(node));
                        if let Some(p) = pool {
                            self.pools[self.pool_offset[cloud] + p].interruptions += 1;
                        }
                        ctx.schedule_at(at_ms, Event::NodeInterrupted(cloud, node));
                        self.evict_all(&evicted, now, ctx);
                    }
                    nodes::ClusterAction::NodeRemoved { evicted, .. } => {
                        self.evict_all(&evicted, now, ctx)
                    }
                }
            }
        }
    }

    /// Evict pods from a node that is going away; their replacements ask for nodes, and the
    /// cluster's answers join `actions` (the caller's loop handles them).
    fn evict_all(&mut self, pods: &[nodes::PodKey], now: TimeMs, ctx: &mut Context<'_, Event>) {
        for &(inst, id) in pods {
            self.instances[inst].evict(now, id, &mut self.followups);
            self.dispatch_followups(inst, now, ctx);
            self.record(now, inst);
        }
    }

    /// Bring the node-hour histograms up to `now` and note new peaks.
    pub fn track_node_counts(&mut self, now: TimeMs) {
        let (pools, interval_max) = (&mut self.pools, &mut self.interval_max_nodes);
        self.usage
            .track_nodes(now, &self.clusters, &self.pool_offset, |pool, nodes| {
                if nodes > pools[pool].peak_nodes {
                    pools[pool].peak_nodes = nodes;
                    pools[pool].peak_at_ms = now;
                }
                interval_max[pool] = interval_max[pool].max(nodes);
            });
    }

    /// Node counts per pool at the end of an output interval (the interval's start is `now − res`).
    fn record_nodes(&mut self, now: TimeMs) {
        let t_ms = now - self.recorder.resolution_ms();
        for (ci, c) in self.clusters.iter().enumerate() {
            let Some(c) = c else { continue };
            for (pi, n) in c.pool_counts().iter().enumerate() {
                let pool = self.pool_offset[ci] + pi;
                let max = &mut self.interval_max_nodes[pool];
                self.node_rows.push(NodeRow {
                    t_ms: t_ms.max(0),
                    pool,
                    // Nodes under a spot notice still run.
                    ready: n.ready + n.interrupting,
                    provisioning: n.provisioning,
                    // A surge between two interval ends is kept (the pools table's peak).
                    nodes_max: (*max).max(n.total()),
                });
                *max = n.total();
            }
        }
    }

    /// Each instance's last computed CPU utilisation (for the output rows).
    pub fn hpa_cpu(&self) -> Vec<Option<i32>> {
        self.instances
            .iter()
            .map(|s| s.last_cpu_utilization_pct())
            .collect()
    }
}

impl World<'_> {
    /// Every instance's share of its service's users under the routing as it is now.
    fn update_shares(&mut self) {
        let routed_weight = self.routing.routed_weight();
        let n_svc = self.n_svc;
        self.shares = (0..self.instances.len())
            .map(|i| {
                let (cloud, svc) = (i / n_svc, i % n_svc);
                if self.everywhere[svc] {
                    self.routing.share(cloud, routed_weight)
                } else {
                    let runs_in = &self.runs_in;
                    self.routing
                        .share_among(cloud, |c| runs_in[c * n_svc + svc])
                }
            })
            .collect();
        self.shares_generation = Some(self.routing.generation());
    }
}

impl Model for World<'_> {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now_ms();
        match event {
            Event::Tick => {
                let noise = self.noise.as_mut().map_or(1.0, |n| n.step(TRAFFIC_STEP_MS));
                let pv = self.demand.page_views_per_s(now) * noise;
                if self.shares_generation != Some(self.routing.generation()) {
                    self.update_shares();
                }
                let scrape = now % self.metric_resolution_ms == 0;
                for i in 0..self.instances.len() {
                    let cloud = i / self.n_svc;
                    let share = self.shares[i];
                    let offered = pv * self.instances[i].cfg.requests_per_page_view * share;
                    // A down cloud that is still routed receives traffic it cannot serve; its
                    // pods see none of it.
                    let rps = if self.routing.is_up(cloud) {
                        offered
                    } else {
                        0.0
                    };
                    self.instances[i].set_offered(now, rps, offered);
                    if scrape {
                        self.instances[i].scrape(now);
                    }
                    self.record(now, i);
                }
            }
            Event::HpaSync(i) => {
                // A cloud that is down takes its control plane with it: the HPA does not act.
                let up = self.routing.is_up(self.cloud_of(i));
                if let Some(replicas) = up
                    .then(|| self.instances[i].hpa_sync(now, &self.hpa_config))
                    .flatten()
                {
                    self.instances[i].set_replicas(now, replicas, &mut self.followups);
                    self.apply_followups(i, now, ctx);
                    self.record(now, i);
                }
            }
            Event::PodRunning(i, pod) => {
                self.instances[i].pod_running(now, pod, &mut self.followups);
                self.dispatch_followups(i, now, ctx);
                self.record(now, i);
            }
            Event::PodReady(i, pod) => {
                self.instances[i].pod_ready(now, pod);
                if self.instances[i].rollout.is_some() {
                    self.instances[i].advance_rollout(now, &mut self.followups);
                    self.apply_followups(i, now, ctx);
                }
                self.record(now, i);
            }
            Event::PodGone(i, pod) => {
                self.instances[i].pod_gone(now, pod);
                let cloud = self.cloud_of(i);
                if let Some(c) = self.clusters[cloud].as_mut() {
                    c.remove_pod((i, pod), now, &mut self.actions);
                    self.apply_actions(cloud, now, ctx);
                }
                self.record(now, i);
            }
            Event::Evaluate => {
                self.evaluate(now);
            }
            Event::CloseInterval => {
                // The evaluation step ending now belongs to the interval ending now (an interval
                // is a whole number of steps). Its own timer may come after this one at the same
                // time; it then finds the step done.
                self.evaluate(now);
                let cpu = self.hpa_cpu();
                self.recorder
                    .close_interval(now, self.demand.dau(now), &cpu);
                self.record_nodes(now);
            }
            Event::AutoscalerScan(cloud) => {
                if let Some(c) = self.clusters[cloud].as_mut() {
                    c.autoscaler_scan(now, &mut self.actions);
                    self.apply_actions(cloud, now, ctx);
                    if self.usage.counts_changed(&self.clusters, &self.pool_offset) {
                        self.track_node_counts(now);
                    }
                }
            }
            Event::NodeReady(cloud, node) => {
                if let Some(c) = self.clusters[cloud].as_mut() {
                    c.node_ready(node, now, &mut self.actions);
                }
                self.apply_actions(cloud, now, ctx);
            }
            Event::NodeInterrupted(cloud, node) => {
                if let Some(c) = self.clusters[cloud].as_mut() {
                    c.node_interrupted(node, now, &mut self.actions);
                }
                self.apply_actions(cloud, now, ctx);
                self.track_node_counts(now);
            }
            Event::CloudDown(c) => {
                // Close the evaluation step with the state it had, then change it.
                self.evaluate(now);
                self.routing.down(c);
                ctx.schedule_in(self.routing.failover_ms, Event::RouteAway(c));
            }
            Event::RouteAway(c) => {
                self.evaluate(now);
                self.routing.route_away(c);
            }
            Event::CloudUp(c) => {
                self.evaluate(now);
                self.routing.up(c);
                ctx.schedule_in(self.routing.failover_ms, Event::RouteBack(c));
            }
            Event::RouteBack(c) => {
                self.evaluate(now);
                self.routing.route_back(c);
            }
            Event::Deploy(i, strategy) => {
                self.instances[i].start_deploy(now, strategy, &mut self.followups);
                self.apply_followups(i, now, ctx);
                self.record(now, i);
            }
            Event::DeploySwitch(i, revision) => {
                self.instances[i].switch_to(now, revision, &mut self.followups);
                self.apply_followups(i, now, ctx);
                self.record(now, i);
            }
            Event::CacheFlush => {
                // Bring the cache up to the flush with the lookups so far, then empty it.
                self.evaluate(now);
                if let Some(c) = self.cache.as_mut() {
                    c.flush(now);
                }
            }
        }
    }
}
