//! The simulated world's models and the run: clouds, each with its services (pods + HPA) and its
//! cluster of node pools, a shared database and cache, driven by traffic on the engine.
//! [`simulate`] is the pure entry point: scenario in, [`RunOutput`] out.
//!
//! A service in a cloud is an *instance* (index `cloud × services + service`): each instance has
//! its own pods and HPA, as two Kubernetes clusters would. Each model owns its state behind a
//! small interface (`service`, `nodes`, `routing`, `database`, `cache`, `usage`, `latency`);
//! `world` dispatches the engine's events to them and `evaluate` runs the per-minute step.

pub mod cache;
pub mod database;
mod evaluate;
pub mod latency;
pub mod nodes;
pub mod routing;
pub mod service;
pub mod usage;
mod world;

use crate::hpa;
use crate::metrics::slo::SloTracker;
use crate::metrics::{Recorder, Row, ServiceStats, Snapshot};
use crate::scenario::Scenario;
use crate::scenario::platform::PlatformEvent;
use crate::sim::{Engine, RngStreams, TimeMs};
use crate::traffic::{Demand, NoiseProcess};

pub use database::DbStats;
pub use usage::MonthlyUsage;
pub use world::{EVAL_STEP_MS, TRAFFIC_STEP_MS};

use latency::ServiceQueueCfg;
use service::ServiceState;
use world::{EvalState, Event, World, snapshot};

/// Node counts of one pool at the end of an output interval.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub t_ms: TimeMs,
    pub pool: usize,
    /// At the end of the interval (nodes under a spot notice count as ready: they still run).
    pub ready: u32,
    pub provisioning: u32,
    /// The most nodes (ready, provisioning or under notice) at any moment of the interval.
    pub nodes_max: u32,
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
    /// Per calendar month (as in `usage.months`): the mean hit ratio of its steps.
    pub cache_monthly_hit_ratio: Vec<Option<f64>>,
    pub slo: SloTracker,
    pub outages: Vec<OutageStats>,
    /// Per instance: its deploys (start, end, peak pods), in order, and how many were skipped
    /// because one was still in progress.
    pub deploys: Vec<(Vec<service::DeployRecord>, u32)>,
    /// Usage by calendar month, for cost.
    pub monthly: MonthlyUsage,
    pub duration_ms: TimeMs,
    pub events_handled: u64,
}

/// Per instance (cloud-major, as `RunOutput::instance_names`): whether the service runs in that
/// cloud. A service that names node pools runs only in the clouds of those pools.
pub fn placements(s: &Scenario) -> Vec<bool> {
    let platform = &s.platform;
    let pool_cfgs = platform.cluster.as_ref().map_or(&[][..], |c| &c.pools[..]);
    (0..platform.clouds.len())
        .flat_map(|ci| {
            s.services.iter().map(move |svc| {
                svc.node_pools.is_empty()
                    || pool_cfgs
                        .iter()
                        .any(|p| p.cloud == ci && svc.node_pools.contains(&p.name))
            })
        })
        .collect()
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
    simulate_with_demand(s, &Demand::new(s), progress)
}

/// [`simulate_with_progress`] with the demand curve built already (`Demand::new(s)`): it does
/// not depend on the seed, so a sweep builds it once per grid point and shares it between runs.
pub fn simulate_with_demand(
    s: &Scenario,
    demand: &Demand,
    progress: &mut dyn FnMut(TimeMs, TimeMs),
) -> RunOutput {
    let end = s.simulation.duration_ms;
    let streams = RngStreams::new(s.simulation.seed);
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
    // A service that names node pools runs only in the clouds of those pools: elsewhere it has
    // no pods and no HPA, and its users' requests go to the clouds where it runs.
    let runs_in = placements(s);
    let everywhere: Vec<bool> = (0..n_svc)
        .map(|si| (0..n_clouds).all(|ci| runs_in[ci * n_svc + si]))
        .collect();
    for (ci, c) in platform.clouds.iter().enumerate() {
        for (si, svc) in s.services.iter().enumerate() {
            let mut svc = svc.clone();
            if !runs_in[ci * n_svc + si] {
                svc.hpa = None;
                svc.initial_replicas = 0;
            }
            instance_names.push((c.name.clone(), svc.name.clone()));
            let mut st = ServiceState::new(svc);
            st.needs_nodes = platform.cluster.is_some();
            st.start_initial_pods();
            instances.push(st);
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
        let local: Vec<&crate::scenario::platform::NodePoolCfg> =
            cfg.pools.iter().filter(|p| p.cloud == ci).collect();
        let specs: Vec<nodes::PoolSpec> = local
            .iter()
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
        for (si, svc) in s.services.iter().enumerate() {
            if !svc.node_pools.is_empty() {
                let allowed = local.iter().map(|p| svc.node_pools.contains(&p.name));
                cluster.set_placement(ci * n_svc + si, allowed.collect());
            }
        }
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
        // A container without a CPU limit still cannot use more than its node: the largest
        // node of the pools it may use (allocatable − DaemonSets) is its limit.
        for (k, inst) in instances[ci * n_svc..(ci + 1) * n_svc]
            .iter_mut()
            .enumerate()
        {
            let allowed = cluster.allowed_pools(ci * n_svc + k);
            if let Some(node_cpu) = cluster
                .pools()
                .iter()
                .zip(allowed)
                .filter(|(_, ok)| **ok)
                .map(|(p, _)| p.allocatable_cpu_milli - p.daemonset_cpu_milli)
                .max()
                .filter(|&c| c > 0)
            {
                inst.cfg.cpu_limit_milli.get_or_insert(node_cpu);
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
    // Served requests never take longer than their timeout (the rest failed), whatever the
    // two-moment fit's tail says: the reported percentiles stop there.
    let timeouts_s: Vec<f64> = s
        .services
        .iter()
        .map(|x| x.timeout_ms as f64 / 1000.0)
        .collect();
    let recorder = Recorder::new(s.simulation.output_resolution_ms, &initial, demand.dau(0))
        .with_p95_caps(
            (0..instances.len())
                .map(|i| timeouts_s[i % n_svc])
                .collect(),
        );
    let db = platform
        .database
        .clone()
        .map(|cfg| database::DbRun::new(cfg, n_clouds));
    let cache = platform
        .cache
        .as_ref()
        .map(|c| cache::CacheRun::new(cache::Cache::from_cfg(c)));
    let months = months(s);
    let slo =
        SloTracker::new(platform.slo.clone(), months.clone(), n_svc).with_p95_caps(timeouts_s);
    let n = instances.len();
    let mut usage = usage::UsageMeter::new(months, end, pools.len(), n_clouds, n);
    usage.set_db_storage(
        platform
            .database
            .as_ref()
            .and_then(|d| d.storage.as_ref())
            .map(|st| usage::StorageAutoscaler::new(st.allocated_gb, st.max_allocated_gb)),
    );
    let db_data = platform
        .database
        .as_ref()
        .map(|_| usage::DataGrowth::of(&s.cost));
    let tick_ms = crate::scenario::limits::tick_period_ms(s);
    let n_pools = pools.len();
    let mut world = World {
        demand,
        noise,
        n_svc,
        routing: routing::Routing::new(
            platform.clouds.iter().map(|c| c.weight),
            platform.failover_detection_ms,
        )
        .with_geo(platform.geo.iter().map(|g| (g.share, g.cloud))),
        queue_cfgs: instances
            .iter()
            .map(|i| ServiceQueueCfg::of(&i.cfg))
            .collect(),
        instances,
        clusters,
        pool_offset,
        pools,
        db,
        cache,
        hpa_config: hpa_config(s),
        metric_resolution_ms: s.kubernetes.metric_resolution_ms,
        recorder,
        slo,
        followups: Vec::new(),
        actions: Vec::new(),
        eval: EvalState {
            last_offered: vec![0.0; n],
            rates: vec![0.0; n],
            last_eval_ms: 0,
            path: platform.slo.path.clone(),
            demands: Vec::new(),
            path_parts: Vec::new(),
            svc_parts: vec![Vec::new(); n_svc],
            backlogs: vec![0.0; n],
            green_backlogs: vec![0.0; n],
        },
        node_rows: Vec::new(),
        interval_max_nodes: vec![0; n_pools],
        usage,
        db_data,
        runs_in,
        everywhere,
        shares: Vec::new(),
        shares_generation: None,
    };
    world.track_node_counts(0);
    let mut engine = Engine::default();
    engine.every(0, tick_ms, Event::Tick);
    // Each HPA syncs on its own phase, a few seconds after the scrapes (as a live controller
    // would be, at an arbitrary offset); the order is fixed so runs are reproducible.
    for i in 0..world.instances.len() {
        if world.instances[i].cfg.hpa.is_some() {
            engine.every(
                5_000 + 250 * i as TimeMs,
                s.kubernetes.hpa_sync_period_ms,
                Event::HpaSync(i),
            );
        }
    }
    // At least as often as the output rows (a 1-minute step over 15-s rows put four rows'
    // failures into one).
    let res = s.simulation.output_resolution_ms;
    let eval_ms = crate::scenario::limits::eval_period_ms(s);
    engine.every(eval_ms, eval_ms, Event::Evaluate);
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
            PlatformEvent::Deploy {
                service,
                at_ms,
                every_ms,
                strategy,
            } => {
                // Every occurrence up front (one-off events), in every cloud the service runs in;
                // a cadence anchored before the start begins at its first occurrence after it.
                let mut t = match every_ms {
                    Some(e) if at_ms < 0 => at_ms + (-at_ms + e - 1) / e * e,
                    _ => at_ms,
                };
                while t < end {
                    for ci in 0..n_clouds {
                        if world.runs_in[ci * n_svc + service] {
                            engine.schedule_at(t, Event::Deploy(ci * n_svc + service, strategy));
                        }
                    }
                    match every_ms {
                        Some(e) => t += e,
                        None => break,
                    }
                }
            }
        }
    }
    let mut at = 0;
    while at < end {
        at = (at + crate::sim::DAY_MS).min(end);
        engine.run_until(&mut world, at);
        progress(at, end);
    }
    // The step and interval closing exactly at `end` are not handled by run_until.
    if world.eval.last_eval_ms < end {
        world.evaluate(end);
    }
    world.slo.close_window(end);
    world.track_node_counts(end);
    // Node-hours: every node from its request to its removal (provisioning and notice included).
    for (ci, c) in world.clusters.iter().enumerate() {
        if let Some(c) = c {
            for pi in 0..c.pools().len() {
                world.pools[world.pool_offset[ci] + pi].node_ms = c.pool_node_ms(pi, end) as f64;
            }
        }
    }
    let cpu = world.hpa_cpu();
    if world.recorder.interval_start_ms() < end {
        world
            .recorder
            .close_interval(end, world.demand.dau(end), &cpu);
    }
    let outages = outage_stats(s, &world.slo);
    let deploys = world
        .instances
        .iter_mut()
        .map(|i| (std::mem::take(&mut i.deploys), i.deploys_skipped))
        .collect();
    let (rows, stats) = world.recorder.finish(end);
    let (db, db_connection_limit) = match world.db {
        Some(d) => (d.stats, Some(d.db.connection_limit())),
        None => (Vec::new(), None),
    };
    RunOutput {
        instance_names,
        rows,
        stats,
        node_rows: world.node_rows,
        pools: world.pools,
        db,
        db_connection_limit,
        cache_min_hit_ratio: world.cache.as_ref().and_then(|c| c.min_hit_ratio()),
        cache_mean_hit_ratio: world.cache.as_ref().and_then(|c| c.mean_hit_ratio()),
        cache_monthly_hit_ratio: world
            .cache
            .as_ref()
            .map(|c| c.monthly_mean_hit_ratio())
            .unwrap_or_default(),
        slo: world.slo,
        outages,
        deploys,
        monthly: world.usage.finish(),
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
