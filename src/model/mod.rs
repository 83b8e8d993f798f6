//! The simulated world: clouds, each with its services (pods + HPA) and its cluster of node pools,
//! a shared database and cache, driven by traffic on the engine. [`simulate`] is the pure entry
//! point: scenario in, [`RunOutput`] out.
//!
//! A service in a cloud is an *instance* (index `cloud × services + service`): each instance has
//! its own pods and HPA, as two Kubernetes clusters would.

pub mod cache;
pub mod database;
pub mod latency;
pub mod nodes;
pub mod service;

use crate::hpa;
use crate::metrics::slo::{SloTracker, StepSample};
use crate::metrics::{Recorder, Row, ServiceStats, Snapshot};
use crate::scenario::Scenario;
use crate::scenario::platform::PlatformEvent;
use crate::sim::{Context, Engine, Model, RngStreams, TimeMs};
use crate::traffic::{Demand, NoiseProcess};

use latency::{Moments, ServiceQueueCfg};
use service::{Followup, ServiceState};

/// How often offered traffic is recomputed (and the noise advanced).
pub const TRAFFIC_STEP_MS: TimeMs = 15_000;
/// How often latency, errors, the database, the cache and the SLOs are evaluated.
pub const EVAL_STEP_MS: TimeMs = 60_000;
/// How often a warm cache's hit ratio is recomputed (it moves with DAU, i.e. slowly).
pub const CACHE_STEP_MS: TimeMs = 15 * 60_000;

/// Node counts of one pool at the end of an output interval.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub t_ms: TimeMs,
    pub pool: usize,
    pub ready: u32,
    pub provisioning: u32,
}

/// Per node pool over the run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolStats {
    pub name: String,
    pub cloud: String,
    pub instance_type: String,
    pub spot: bool,
    pub peak_nodes: u32,
    pub peak_at_ms: TimeMs,
    pub node_ms: f64,
    pub interruptions: u32,
}

/// Per database instance over the run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbStats {
    pub name: String,
    pub peak_connections: f64,
    pub peak_connections_at_ms: TimeMs,
    pub peak_demanded: f64,
    pub peak_demanded_at_ms: TimeMs,
    /// Minutes with some connections refused.
    pub refused_minutes: u32,
    pub peak_cpu_utilisation: f64,
}

/// Quantities per calendar month that cost needs (`crate::cost::usage` prices them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonthlyUsage {
    /// (label `YYYY-MM`, start ms) of each month of the run.
    pub months: Vec<(String, TimeMs)>,
    /// Hours of each month inside the run.
    pub month_hours: Vec<f64>,
    /// `[pool][month][n]` = hours with exactly n nodes of the pool existing (billed).
    pub pool_node_hours: Vec<Vec<Vec<f64>>>,
    /// `[cloud][month]` page views and requests (all services) users sent to the cloud.
    pub page_views: Vec<Vec<f64>>,
    pub requests: Vec<Vec<f64>>,
    /// `[month]` mean DAU.
    pub mean_dau: Vec<f64>,
}

impl MonthlyUsage {
    fn month_of(&self, t: TimeMs) -> usize {
        self.months
            .partition_point(|(_, start)| *start <= t)
            .saturating_sub(1)
    }
}

/// A cloud outage and what it did to the request path.
#[derive(Debug, Clone, PartialEq)]
pub struct OutageStats {
    pub cloud: String,
    pub start_ms: TimeMs,
    pub end_ms: TimeMs,
    /// SLO windows that failed between the outage start and 2 h after its end.
    pub violating_windows: u32,
    pub worst_availability: f64,
    pub worst_p95_s: f64,
    /// End of the last failing window (None: no window failed).
    pub recovered_at_ms: Option<TimeMs>,
}

/// Everything a run produced, before any formatting.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Per instance: (cloud name, service name).
    pub instance_names: Vec<(String, String)>,
    pub rows: Vec<Row>,
    pub stats: Vec<ServiceStats>,
    pub node_rows: Vec<NodeRow>,
    pub pools: Vec<PoolStats>,
    pub db: Vec<DbStats>,
    pub db_connection_limit: Option<f64>,
    pub cache_min_hit_ratio: Option<(f64, TimeMs)>,
    pub cache_mean_hit_ratio: Option<f64>,
    pub slo: SloTracker,
    pub outages: Vec<OutageStats>,
    /// Usage by calendar month, for cost.
    pub monthly: MonthlyUsage,
    pub duration_ms: TimeMs,
    pub events_handled: u64,
}

#[derive(Debug, Clone, Copy)]
enum Event {
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
}

struct CloudState {
    weight: f64,
    up: bool,
    routed: bool,
}

struct World {
    demand: Demand,
    noise: Option<NoiseProcess>,
    n_svc: usize,
    clouds: Vec<CloudState>,
    instances: Vec<ServiceState>,
    queue_cfgs: Vec<ServiceQueueCfg>,
    backlogs: Vec<f64>,
    clusters: Vec<Option<nodes::Cluster>>,
    /// Pool index offset of each cloud's cluster in `pools`.
    pool_offset: Vec<usize>,
    pools: Vec<PoolStats>,
    db: Option<database::Database>,
    db_step: database::DbStep,
    db_stats: Vec<DbStats>,
    cache: Option<cache::Cache>,
    hit_ratio: f64,
    /// Lookups since the cache was last stepped, when, and the last flush.
    cache_lookups: f64,
    cache_stepped_ms: TimeMs,
    last_flush_ms: TimeMs,
    hit_min: Option<(f64, TimeMs)>,
    hit_sum: f64,
    hit_steps: f64,
    hpa_config: hpa::Config,
    sync_period_ms: TimeMs,
    metric_resolution_ms: TimeMs,
    failover_ms: TimeMs,
    tick_ms: TimeMs,
    recorder: Recorder,
    slo: SloTracker,
    followups: Vec<Followup>,
    actions: Vec<nodes::ClusterAction>,
    /// Offered requests per instance at the last evaluation, and the step's mean rates.
    last_offered: Vec<f64>,
    rates: Vec<f64>,
    last_eval_ms: TimeMs,
    path: Vec<usize>,
    // Scratch for the evaluation step.
    demands: Vec<database::Demand>,
    path_parts: Vec<(f64, Moments)>,
    svc_parts: Vec<Vec<(f64, f64, f64, Moments)>>,
    node_rows: Vec<NodeRow>,
    monthly: MonthlyUsage,
    /// Per pool: node count since `node_count_since`.
    node_counts: Vec<u32>,
    /// `[pool][month][n]` = ms with exactly n nodes (converted to hours at the end).
    pool_node_ms: Vec<Vec<Vec<TimeMs>>>,
    node_count_since: TimeMs,
}

/// What the recorder needs of a service instance right now.
fn snapshot(s: &ServiceState) -> Snapshot {
    Snapshot {
        desired: s.spec_replicas,
        ready: s.ready_count,
        pods: s.pods.len() as u32,
        rps: s.users_rps(),
    }
}

impl World {
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

    /// Cloud `c`'s share of traffic, given the total weight of the routed clouds: routed clouds
    /// share by weight.
    fn share(&self, c: usize, routed_weight: f64) -> f64 {
        let cloud = &self.clouds[c];
        if cloud.routed && routed_weight > 0.0 {
            cloud.weight / routed_weight
        } else {
            0.0
        }
    }

    /// Whether some pool's node count differs from the one last tracked.
    fn pool_counts_changed(&self) -> bool {
        self.clusters.iter().enumerate().any(|(ci, c)| {
            c.as_ref().is_some_and(|c| {
                c.pool_counts()
                    .iter()
                    .enumerate()
                    .any(|(pi, n)| n.total() != self.node_counts[self.pool_offset[ci] + pi])
            })
        })
    }

    /// Add the time since the last call to each pool's node-count histogram (in whole
    /// milliseconds, split at month boundaries, so the sums do not depend on how often this is
    /// called), then read the counts as they are now and note new peaks. Pool sizes change only
    /// in autoscaler scans (nodes requested or removed) and spot interruptions (nodes gone), so
    /// this runs after those, and at the start and the end.
    fn track_node_counts(&mut self, now: TimeMs) {
        let mut from = self.node_count_since;
        while from < now {
            let m = self.monthly.month_of(from);
            let month_end = self
                .monthly
                .months
                .get(m + 1)
                .map_or(TimeMs::MAX, |(_, t)| *t);
            let to = now.min(month_end);
            for (p, &n) in self.node_counts.iter().enumerate() {
                let h = &mut self.pool_node_ms[p][m];
                if h.len() <= n as usize {
                    h.resize(n as usize + 1, 0);
                }
                h[n as usize] += to - from;
            }
            from = to;
        }
        self.node_count_since = now;
        for (ci, c) in self.clusters.iter().enumerate() {
            let Some(c) = c else { continue };
            for (pi, counts) in c.pool_counts().iter().enumerate() {
                let p = self.pool_offset[ci] + pi;
                let n = counts.total();
                self.node_counts[p] = n;
                if n > self.pools[p].peak_nodes {
                    self.pools[p].peak_nodes = n;
                    self.pools[p].peak_at_ms = now;
                }
            }
        }
    }

    /// One evaluation step: rates since the last step, database, cache, latency, errors, SLOs.
    fn evaluate(&mut self, now: TimeMs) {
        let dt_s = (now - self.last_eval_ms) as f64 / 1000.0;
        if dt_s <= 0.0 {
            return;
        }
        let n = self.instances.len();
        let mut rates = std::mem::take(&mut self.rates);
        for (i, inst) in self.instances.iter_mut().enumerate() {
            let total = inst.offered_requests_total(now);
            rates[i] = (total - self.last_offered[i]) / dt_s;
            self.last_offered[i] = total;
        }
        // Usage for cost: requests and page views per cloud and month, and DAU-time.
        let month = self.monthly.month_of(self.last_eval_ms);
        for (i, r) in rates.iter().enumerate() {
            let cloud = i / self.n_svc;
            self.monthly.requests[cloud][month] += r * dt_s;
            if i % self.n_svc == 0 {
                let rpv = self.instances[i].cfg.requests_per_page_view;
                self.monthly.page_views[cloud][month] += r * dt_s / rpv;
            }
        }
        let dau = self.demand.dau(now);
        self.monthly.mean_dau[month] += dau * dt_s * 1000.0;
        // Cache: lookups are the reads that could be cached. Che's solution costs microseconds, so
        // the cache is stepped every CACHE_STEP_MS with the lookups of the whole step, except in
        // the two hours after a flush, when the warm-up is followed minute by minute.
        let hit = if let Some(cache) = self.cache.as_mut() {
            let lookups: f64 = (0..n)
                .filter_map(|i| {
                    self.instances[i]
                        .cfg
                        .database
                        .map(|d| rates[i] * d.queries_per_request * (1.0 - d.write_fraction))
                })
                .sum();
            self.cache_lookups += lookups * dt_s;
            let warming = now - self.last_flush_ms < 2 * crate::sim::HOUR_MS;
            let dt = now - self.cache_stepped_ms;
            if warming || dt >= CACHE_STEP_MS || self.cache_stepped_ms == 0 {
                let rate = self.cache_lookups / (dt as f64 / 1000.0).max(1e-9);
                self.hit_ratio = cache.step(dt, rate, dau);
                self.cache_lookups = 0.0;
                self.cache_stepped_ms = now;
            }
            let h = self.hit_ratio;
            self.hit_sum += h;
            self.hit_steps += 1.0;
            if self.hit_min.is_none_or(|(m, _)| h < m) {
                self.hit_min = Some((h, now));
            }
            Some(h)
        } else {
            None
        };
        let miss = 1.0 - hit.unwrap_or(0.0);
        // Database.
        if let Some(db) = &self.db {
            self.demands.clear();
            for (i, inst) in self.instances.iter().enumerate() {
                let cloud = i / self.n_svc;
                if let Some(d) = inst.cfg.database {
                    let up = self.clouds[cloud].up;
                    let q = rates[i] * d.queries_per_request;
                    self.demands.push(database::Demand {
                        cloud,
                        pods: if up { f64::from(inst.ready_count) } else { 0.0 },
                        pool_size: f64::from(d.pool_size),
                        reads_per_s: if up {
                            q * (1.0 - d.write_fraction) * miss
                        } else {
                            0.0
                        },
                        writes_per_s: if up { q * d.write_fraction } else { 0.0 },
                    });
                }
            }
            db.step(&self.demands, &mut self.db_step);
            for (k, inst) in self.db_step.instances.iter().enumerate() {
                let st = &mut self.db_stats[k];
                if inst.connections > st.peak_connections {
                    st.peak_connections = inst.connections;
                    st.peak_connections_at_ms = now;
                }
                if inst.demanded > st.peak_demanded {
                    st.peak_demanded = inst.demanded;
                    st.peak_demanded_at_ms = now;
                }
                if inst.refused_share > 0.0 {
                    st.refused_minutes += 1;
                }
                st.peak_cpu_utilisation = st.peak_cpu_utilisation.max(inst.cpu_utilisation);
            }
        }
        // Services.
        for parts in &mut self.svc_parts {
            parts.clear();
        }
        self.path_parts.clear();
        let mut path_offered = 0.0;
        let mut path_failed = 0.0;
        let n_clouds = self.clouds.len();
        for cloud in 0..n_clouds {
            let mut path_moments = Moments::ZERO;
            let mut path_success = 1.0;
            let mut entry_offered = 0.0;
            for s in 0..self.n_svc {
                let i = cloud * self.n_svc + s;
                let offered = rates[i] * dt_s;
                let inst = &self.instances[i];
                let (failed, served, moments) = if !self.clouds[cloud].up {
                    // The cloud is down: whatever is still routed to it fails.
                    self.backlogs[i] = 0.0;
                    (offered, 0.0, Moments::ZERO)
                } else {
                    // Pods whose pools were refused a connection fail their requests at once.
                    let (refused, db_time, saturated) = match (&self.db, inst.cfg.database) {
                        (Some(db), Some(d)) => {
                            let p = &self.db_step.instances[0];
                            let (r_refused, r_query, r_sat) = db.read_view(cloud, &self.db_step);
                            let refused = 1.0 - (1.0 - p.refused_share) * (1.0 - r_refused);
                            let writes = d.queries_per_request * d.write_fraction;
                            let reads = d.queries_per_request * (1.0 - d.write_fraction) * miss;
                            let time = p.query.times(writes).plus(r_query.times(reads));
                            let sat = 1.0
                                - (1.0 - p.saturated_share.min(1.0) * writes.min(1.0))
                                    * (1.0 - r_sat.min(1.0) * reads.min(1.0));
                            (refused, time, sat)
                        }
                        _ => (0.0, Moments::ZERO, 0.0),
                    };
                    let working = (f64::from(inst.ready_count) * (1.0 - refused)).round() as u32;
                    let rate = rates[i] * (1.0 - refused);
                    let o = latency::step(
                        &self.queue_cfgs[i],
                        rate,
                        working,
                        dt_s,
                        &mut self.backlogs[i],
                    );
                    let response = o.response.plus(db_time);
                    let failed_db = offered * refused;
                    let served = (o.offered - o.timed_out).max(0.0) * (1.0 - saturated);
                    let failed =
                        failed_db + o.timed_out + (o.offered - o.timed_out).max(0.0) * saturated;
                    (failed.min(offered), served, response)
                };
                self.recorder
                    .add_quality(i, offered, failed, served, moments);
                self.svc_parts[s].push((offered, failed, served, moments));
                if let Some(pos) = self.path.iter().position(|&p| p == s) {
                    if pos == 0 {
                        entry_offered = offered;
                    }
                    path_moments = path_moments.plus(moments);
                    if offered > 0.0 {
                        path_success *= 1.0 - failed / offered;
                    }
                }
            }
            let failed = entry_offered * (1.0 - path_success);
            path_offered += entry_offered;
            path_failed += failed;
            self.path_parts
                .push(((entry_offered - failed).max(0.0), path_moments));
        }
        let db_conn = self.db_step.instances.first().map(|p| p.connections);
        self.recorder.add_platform(db_conn, hit);
        let sample = StepSample {
            step_ms: now - self.last_eval_ms,
            path_parts: &self.path_parts,
            path_offered,
            path_failed,
            services: &self.svc_parts,
            db_connections: db_conn.unwrap_or(0.0),
        };
        self.slo.add(now, &sample);
        self.last_eval_ms = now;
        self.rates = rates;
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now_ms();
        match event {
            Event::Tick => {
                let noise = self.noise.as_mut().map_or(1.0, |n| n.step(TRAFFIC_STEP_MS));
                let pv = self.demand.page_views_per_s(now) * noise;
                let routed_weight: f64 = self
                    .clouds
                    .iter()
                    .filter(|c| c.routed)
                    .map(|c| c.weight)
                    .sum();
                let scrape = now % self.metric_resolution_ms == 0;
                for i in 0..self.instances.len() {
                    let cloud = i / self.n_svc;
                    let offered = pv
                        * self.instances[i].cfg.requests_per_page_view
                        * self.share(cloud, routed_weight);
                    // A down cloud that is still routed receives traffic it cannot serve; its
                    // pods see none of it.
                    let rps = if self.clouds[cloud].up { offered } else { 0.0 };
                    self.instances[i].set_offered(now, rps, offered);
                    if scrape {
                        self.instances[i].scrape(now);
                    }
                    self.record(now, i);
                }
            }
            Event::HpaSync(i) => {
                // A cloud that is down takes its control plane with it: the HPA does not act.
                let up = self.clouds[self.cloud_of(i)].up;
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
                let cpu: Vec<Option<i32>> = self
                    .instances
                    .iter()
                    .map(|s| s.last_cpu_utilization_pct)
                    .collect();
                self.recorder
                    .close_interval(now, self.demand.dau(now), &cpu);
                self.record_nodes(now);
            }
            Event::AutoscalerScan(cloud) => {
                if let Some(c) = self.clusters[cloud].as_mut() {
                    c.autoscaler_scan(now, &mut self.actions);
                    self.apply_actions(cloud, now, ctx);
                    if self.pool_counts_changed() {
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
                self.clouds[c].up = false;
                ctx.schedule_in(self.failover_ms, Event::RouteAway(c));
            }
            Event::RouteAway(c) => {
                self.evaluate(now);
                // Only if it is still down (a short outage may have ended already).
                if !self.clouds[c].up {
                    self.clouds[c].routed = false;
                }
            }
            Event::CloudUp(c) => {
                self.evaluate(now);
                self.clouds[c].up = true;
                ctx.schedule_in(self.failover_ms, Event::RouteBack(c));
            }
            Event::RouteBack(c) => {
                self.evaluate(now);
                if self.clouds[c].up {
                    self.clouds[c].routed = true;
                }
            }
            Event::CacheFlush => {
                // Bring the cache up to the flush with the lookups so far, then empty it.
                self.evaluate(now);
                if let Some(c) = self.cache.as_mut() {
                    c.flush();
                }
                self.last_flush_ms = now;
            }
        }
    }
}

impl World {
    /// Node counts per pool at the end of an output interval (the interval's start is `now − res`).
    fn record_nodes(&mut self, now: TimeMs) {
        let t_ms = now - self.recorder.resolution_ms();
        for (ci, c) in self.clusters.iter().enumerate() {
            let Some(c) = c else { continue };
            for (pi, n) in c.pool_counts().iter().enumerate() {
                self.node_rows.push(NodeRow {
                    t_ms: t_ms.max(0),
                    pool: self.pool_offset[ci] + pi,
                    // Nodes under a spot notice still run.
                    ready: n.ready + n.interrupting,
                    provisioning: n.provisioning,
                });
            }
        }
    }
}

/// Controller flags from the scenario.
pub fn hpa_config(s: &Scenario) -> hpa::Config {
    let k = &s.kubernetes;
    hpa::Config {
        tolerance: k.tolerance,
        cpu_initialization_period_ms: k.cpu_initialization_period_ms,
        initial_readiness_delay_ms: k.initial_readiness_delay_ms,
        downscale_stabilization_window_ms: k.downscale_stabilization_ms,
        sync_period_ms: k.hpa_sync_period_ms,
        gates: hpa::FeatureGates {
            configurable_tolerance: k.configurable_tolerance,
            ..Default::default()
        },
        ..hpa::Config::default()
    }
}

fn gcd(a: TimeMs, b: TimeMs) -> TimeMs {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Calendar months of the run: (label `YYYY-MM`, start in ms since the simulation start).
pub fn months(s: &Scenario) -> Vec<(String, TimeMs)> {
    let sim = &s.simulation;
    let mut out = Vec::new();
    let mut d = sim.start;
    while d < sim.end {
        let ms = sim.ms_of_date(d).max(0);
        out.push((format!("{:04}-{:02}", d.year(), d.month()), ms));
        d = d
            .first_of_month()
            .checked_add(jiff::Span::new().months(1))
            .unwrap_or(sim.end);
    }
    out
}

/// Run the scenario with its seed. Same scenario ⇒ same output, bit for bit.
pub fn simulate(s: &Scenario) -> RunOutput {
    simulate_with_progress(s, &mut |_, _| {})
}

/// [`simulate`], calling `progress(simulated_ms, total_ms)` after each simulated day (for a
/// progress bar). Running the engine day by day changes nothing: it stops before the first event
/// at or after each day's end and resumes from there.
pub fn simulate_with_progress(s: &Scenario, progress: &mut dyn FnMut(TimeMs, TimeMs)) -> RunOutput {
    let end = s.simulation.duration_ms;
    let streams = RngStreams::new(s.simulation.seed);
    let demand = Demand::new(s);
    let noise = s
        .traffic
        .noise
        .as_ref()
        .map(|n| NoiseProcess::new(n, streams.stream("traffic.noise")));
    let platform = &s.platform;
    let n_svc = s.services.len();
    let n_clouds = platform.clouds.len();
    let mut instances = Vec::new();
    let mut instance_names = Vec::new();
    for c in &platform.clouds {
        for svc in &s.services {
            let mut st = ServiceState::new(svc.clone());
            st.needs_nodes = platform.cluster.is_some();
            st.start_initial_pods();
            instances.push(st);
            instance_names.push((c.name.clone(), svc.name.clone()));
        }
    }
    // Clusters: one per cloud, with that cloud's pools; the initial pods are bound at t = 0.
    let mut clusters = Vec::new();
    let mut pools = Vec::new();
    let mut pool_offset = Vec::new();
    let mut init_actions = Vec::new();
    for (ci, cloud) in platform.clouds.iter().enumerate() {
        pool_offset.push(pools.len());
        let Some(cfg) = &platform.cluster else {
            clusters.push(None);
            continue;
        };
        let specs: Vec<nodes::PoolSpec> = cfg
            .pools
            .iter()
            .filter(|p| p.cloud == ci)
            .map(|p| {
                pools.push(PoolStats {
                    name: p.name.clone(),
                    cloud: cloud.name.clone(),
                    instance_type: p.instance_type.clone(),
                    spot: p.spot,
                    ..PoolStats::default()
                });
                nodes::pool_spec(p, &cloud.provider)
            })
            .collect();
        let autoscaler = nodes::autoscaler_spec(&cfg.autoscaler);
        let mut cluster = nodes::Cluster::new(
            specs,
            autoscaler,
            streams.stream(&format!("nodes.{}", cloud.name)),
        );
        let initial: Vec<(nodes::PodKey, i64, i64)> = (0..n_svc)
            .flat_map(|si| {
                let inst = &instances[ci * n_svc + si];
                inst.pods.iter().map(move |p| {
                    (
                        (ci * n_svc + si, p.id),
                        inst.cfg.cpu_request_milli,
                        inst.cfg.memory_request_bytes,
                    )
                })
            })
            .collect();
        let actions = cluster.ensure_initial_capacity(&initial);
        // Initial pods that fit nowhere (more than maxNodes hold) wait for a node like any other.
        let bound: std::collections::BTreeSet<nodes::PodKey> = actions
            .iter()
            .filter_map(|a| {
                if let nodes::ClusterAction::PodBound { pod, .. } = a {
                    Some(*pod)
                } else {
                    None
                }
            })
            .collect();
        for (key, _, _) in &initial {
            if !bound.contains(key) {
                instances[key.0].demote_to_unscheduled(key.1);
            }
        }
        init_actions.push(actions);
        clusters.push(Some(cluster));
    }
    let initial: Vec<(Snapshot, Option<u32>)> = instances
        .iter()
        .map(|s| {
            (
                snapshot(s),
                s.cfg.hpa.as_ref().map(|h| h.max_replicas as u32),
            )
        })
        .collect();
    let recorder = Recorder::new(s.simulation.output_resolution_ms, &initial, demand.dau(0));
    let db = platform
        .database
        .clone()
        .map(|cfg| database::Database::new(cfg, n_clouds));
    let db_stats = db
        .as_ref()
        .map(|d| {
            (0..d.instance_count())
                .map(|i| DbStats {
                    name: d.instance_name(i),
                    ..DbStats::default()
                })
                .collect()
        })
        .unwrap_or_default();
    let cache = platform.cache.as_ref().map(cache::Cache::from_cfg);
    let months = months(s);
    let slo = SloTracker::new(platform.slo.clone(), months.clone(), n_svc);
    let n = instances.len();
    let mut world = World {
        demand,
        noise,
        n_svc,
        clouds: platform
            .clouds
            .iter()
            .map(|c| CloudState {
                weight: c.weight,
                up: true,
                routed: true,
            })
            .collect(),
        queue_cfgs: instances
            .iter()
            .map(|i| ServiceQueueCfg::of(&i.cfg))
            .collect(),
        backlogs: vec![0.0; n],
        instances,
        clusters,
        pool_offset,
        pools,
        db,
        db_step: database::DbStep::default(),
        db_stats,
        cache,
        hit_ratio: 0.0,
        cache_lookups: 0.0,
        cache_stepped_ms: 0,
        last_flush_ms: -crate::sim::DAY_MS,
        hit_min: None,
        hit_sum: 0.0,
        hit_steps: 0.0,
        hpa_config: hpa_config(s),
        sync_period_ms: s.kubernetes.hpa_sync_period_ms,
        metric_resolution_ms: s.kubernetes.metric_resolution_ms,
        failover_ms: platform.failover_detection_ms,
        tick_ms: gcd(TRAFFIC_STEP_MS, s.kubernetes.metric_resolution_ms),
        recorder,
        slo,
        followups: Vec::new(),
        actions: Vec::new(),
        last_offered: vec![0.0; n],
        rates: vec![0.0; n],
        last_eval_ms: 0,
        path: platform.slo.path.clone(),
        demands: Vec::new(),
        path_parts: Vec::new(),
        svc_parts: vec![Vec::new(); n_svc],
        node_rows: Vec::new(),
        monthly: MonthlyUsage::default(),
        node_counts: Vec::new(),
        pool_node_ms: Vec::new(),
        node_count_since: 0,
    };
    {
        let nm = months.len();
        let hours: Vec<f64> = (0..nm)
            .map(|m| {
                let end = months.get(m + 1).map_or(end, |(_, t)| *t);
                (end - months[m].1) as f64 / crate::sim::HOUR_MS as f64
            })
            .collect();
        world.node_counts = vec![0; world.pools.len()];
        world.pool_node_ms = vec![vec![Vec::new(); nm]; world.pools.len()];
        world.monthly = MonthlyUsage {
            months,
            month_hours: hours,
            pool_node_hours: Vec::new(),
            page_views: vec![vec![0.0; nm]; n_clouds],
            requests: vec![vec![0.0; nm]; n_clouds],
            mean_dau: vec![0.0; nm],
        };
    }
    world.track_node_counts(0);
    let mut engine = Engine::default();
    engine.every(0, world.tick_ms, Event::Tick);
    // Each HPA syncs on its own phase, a few seconds after the scrapes (as a live controller
    // would be, at an arbitrary offset); the order is fixed so runs are reproducible.
    for i in 0..world.instances.len() {
        if world.instances[i].cfg.hpa.is_some() {
            engine.every(
                5_000 + 250 * i as TimeMs,
                world.sync_period_ms,
                Event::HpaSync(i),
            );
        }
    }
    engine.every(EVAL_STEP_MS, EVAL_STEP_MS, Event::Evaluate);
    let res = s.simulation.output_resolution_ms;
    engine.every(res, res, Event::CloseInterval);
    for (ci, c) in world.clusters.iter().enumerate() {
        if let Some(c) = c {
            let scan = c.scan_interval_ms();
            engine.every(scan, scan, Event::AutoscalerScan(ci));
        }
    }
    for (ci, actions) in init_actions.into_iter().enumerate() {
        for a in actions {
            if let nodes::ClusterAction::NodeProvisioning {
                node, ready_at_ms, ..
            } = a
            {
                engine.schedule_at(ready_at_ms, Event::NodeReady(ci, node));
            }
        }
    }
    for ev in &platform.events {
        match *ev {
            PlatformEvent::Outage {
                cloud,
                start_ms,
                duration_ms,
            } => {
                engine.schedule_at(start_ms, Event::CloudDown(cloud));
                engine.schedule_at(start_ms + duration_ms, Event::CloudUp(cloud));
            }
            PlatformEvent::CacheFlush { at_ms } => engine.schedule_at(at_ms, Event::CacheFlush),
        }
    }
    let mut at = 0;
    while at < end {
        at = (at + crate::sim::DAY_MS).min(end);
        engine.run_until(&mut world, at);
        progress(at, end);
    }
    // The step and interval closing exactly at `end` are not handled by run_until.
    if world.last_eval_ms < end {
        world.evaluate(end);
    }
    world.slo.close_window(end);
    world.track_node_counts(end);
    world.monthly.pool_node_hours = world
        .pool_node_ms
        .iter()
        .map(|months| {
            months
                .iter()
                .map(|counts| {
                    counts
                        .iter()
                        .map(|&ms| ms as f64 / crate::sim::HOUR_MS as f64)
                        .collect()
                })
                .collect()
        })
        .collect();
    for (m, h) in world.monthly.month_hours.iter().enumerate() {
        world.monthly.mean_dau[m] /= (h * crate::sim::HOUR_MS as f64).max(1.0);
    }
    // Node-hours: every node from its request to its removal (provisioning and notice included).
    for (ci, c) in world.clusters.iter().enumerate() {
        if let Some(c) = c {
            for pi in 0..c.pools().len() {
                world.pools[world.pool_offset[ci] + pi].node_ms = c.pool_node_ms(pi, end) as f64;
            }
        }
    }
    let cpu: Vec<Option<i32>> = world
        .instances
        .iter()
        .map(|s| s.last_cpu_utilization_pct)
        .collect();
    if world.recorder.interval_start_ms() < end {
        world
            .recorder
            .close_interval(end, world.demand.dau(end), &cpu);
    }
    let outages = outage_stats(s, &world.slo);
    let (rows, stats) = world.recorder.finish(end);
    RunOutput {
        instance_names,
        rows,
        stats,
        node_rows: world.node_rows,
        pools: world.pools,
        db: world.db_stats,
        db_connection_limit: world.db.as_ref().map(|d| d.connection_limit()),
        cache_min_hit_ratio: world.hit_min,
        cache_mean_hit_ratio: (world.hit_steps > 0.0).then(|| world.hit_sum / world.hit_steps),
        slo: world.slo,
        outages,
        monthly: world.monthly,
        duration_ms: end,
        events_handled: engine.events_handled(),
    }
}

/// For each outage: the failing SLO windows from its start to 2 h after its end, the worst of
/// them, and when the last one ended (the recovery).
fn outage_stats(s: &Scenario, slo: &SloTracker) -> Vec<OutageStats> {
    let window = slo.window_ms();
    s.platform
        .events
        .iter()
        .filter_map(|e| match *e {
            PlatformEvent::Outage {
                cloud,
                start_ms,
                duration_ms,
            } => {
                let end_ms = start_ms + duration_ms;
                let hits: Vec<_> = slo
                    .violations
                    .iter()
                    .filter(|v| {
                        v.start_ms + window > start_ms
                            && v.start_ms < end_ms + 2 * crate::sim::HOUR_MS
                    })
                    .collect();
                Some(OutageStats {
                    cloud: s.platform.clouds[cloud].name.clone(),
                    start_ms,
                    end_ms,
                    violating_windows: hits.len() as u32,
                    worst_availability: hits.iter().map(|v| v.availability).fold(1.0, f64::min),
                    worst_p95_s: hits.iter().map(|v| v.p95_s).fold(0.0, f64::max),
                    recovered_at_ms: hits.last().map(|v| v.start_ms + window),
                })
            }
            _ => None,
        })
        .collect()
}
