//! `capsim headroom`: how far a plan holds as demand grows. Demand is scaled by a factor k (DAU,
//! request rate or holiday peaks, keeping the curve's shape); a search over k finds the largest
//! factor at which every SLO rule of the scenario still holds, and each limit — maxReplicas, node
//! pools, database connections and CPU, cache memory and hit ratio, the SLOs — at the factor
//! where demand first breaks it. Every probe is a full simulation of the scenario; probes are
//! kept and reused by every bracket that needs them.
//!
//! [`HeadroomReport`] is the one result; [`render`] holds its serializers.

pub mod render;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::report::RunReport;
use crate::report::check;
use crate::scenario::{Scenario, TrafficSource};

/// Version of the `headroom.json` layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Peak database CPU utilisation counted as a limit (the usual RDS CPU alarm threshold: past it,
/// query latency grows with the queue).
pub const DB_CPU_LIMIT: f64 = 0.8;

/// Relative precision of the breaks found past the SLOs' break.
pub const COARSE_PRECISION: f64 = 0.1;

/// What the factor scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Every DAU milestone (traffic and the cache's working set grow together).
    Dau,
    /// Page views per DAU (traffic grows, the user base and working set do not).
    Rps,
    /// Each holiday peak's excess over normal traffic: multiplier m becomes 1 + k (m − 1).
    Peak,
}

impl Scale {
    pub fn name(self) -> &'static str {
        match self {
            Scale::Dau => "dau",
            Scale::Rps => "rps",
            Scale::Peak => "peak",
        }
    }
}

/// Which peak rate `--target-rps` is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetOf {
    /// Every service's requests together: the platform's throughput.
    Total,
    /// The request path's entry service (page requests).
    Entry,
}

/// The limits a break can name, in the order they are listed when several break at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    CacheMemory,
    CacheHitRatio,
    MaxReplicas,
    NodePoolMax,
    DbConnections,
    DbCpu,
    LatencySlo,
    AvailabilitySlo,
}

impl Constraint {
    pub fn name(self) -> &'static str {
        match self {
            Constraint::CacheMemory => "cache_memory",
            Constraint::CacheHitRatio => "cache_hit_ratio",
            Constraint::MaxReplicas => "max_replicas",
            Constraint::NodePoolMax => "node_pool_max",
            Constraint::DbConnections => "db_connections",
            Constraint::DbCpu => "db_cpu",
            Constraint::LatencySlo => "latency_slo",
            Constraint::AvailabilitySlo => "availability_slo",
        }
    }

    /// An SLO rule of the scenario (the ones `max_factor` is about).
    pub fn is_slo(self) -> bool {
        matches!(
            self,
            Constraint::LatencySlo | Constraint::AvailabilitySlo | Constraint::CacheHitRatio
        )
    }
}

/// The search's settings.
#[derive(Debug, Clone)]
pub struct Options {
    pub by: Scale,
    /// The largest factor tried.
    pub max_factor: f64,
    /// The smallest factor tried when the plan already breaks at 1.
    pub min_factor: f64,
    /// Stop refining a break once its bracket is narrower than this (relative, e.g. 0.01).
    pub precision: f64,
    /// Answer whether the peak rate can reach this, and what lifts each limit.
    pub target_rps: Option<f64>,
    pub target_of: TargetOf,
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            by: Scale::Dau,
            max_factor: 100.0,
            min_factor: 1.0 / 64.0,
            precision: 0.01,
            target_rps: None,
            target_of: TargetOf::Total,
            threads: 1,
        }
    }
}

/// Which limit: the constraint and where it is (a service in a cloud, a node pool, a database
/// instance, the cache, or the request path for the SLO rules). It names a limit across probes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Limit {
    pub constraint: Constraint,
    /// The service (Deployment) it concerns, if one.
    pub service: Option<String>,
    pub cloud: Option<String>,
    /// The node pool, database instance or cache it concerns, if one.
    pub resource: Option<String>,
}

impl Limit {
    fn of(constraint: Constraint) -> Limit {
        Limit {
            constraint,
            service: None,
            cloud: None,
            resource: None,
        }
    }

    fn service(constraint: Constraint, service: &str, cloud: &str) -> Limit {
        Limit {
            service: Some(service.to_string()),
            cloud: Some(cloud.to_string()),
            ..Limit::of(constraint)
        }
    }

    fn resource(constraint: Constraint, cloud: Option<&str>, resource: String) -> Limit {
        Limit {
            cloud: cloud.map(str::to_string),
            resource: Some(resource),
            ..Limit::of(constraint)
        }
    }
}

/// One limit found broken in one probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub limit: Limit,
    pub detail: String,
    /// The figure the fix is sized from: replicas at max, nodes, connections asked, CPU
    /// utilisation, working-set items — per constraint.
    #[serde(skip)]
    pub amount: f64,
    /// What that figure is allowed to be.
    #[serde(skip)]
    pub allowed: f64,
}

impl Hit {
    fn new(limit: Limit, detail: String, amount: f64, allowed: f64) -> Hit {
        Hit {
            limit,
            detail,
            amount,
            allowed,
        }
    }
}

/// One simulation at one factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    pub factor: f64,
    /// Peak requests per second of the request path's entry service, summed over clouds.
    pub peak_rps: f64,
    /// Peak requests per second of every service together (what a plan's "throughput" counts).
    pub total_peak_rps: f64,
    /// Peak DAU of the scaled scenario (`null` for a replay).
    pub peak_dau: Option<f64>,
    /// Every SLO rule held.
    pub slo_met: bool,
    pub hits: Vec<Hit>,
}

/// A limit as demand grows past it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Break {
    #[serde(flatten)]
    pub limit: Limit,
    /// The smallest factor tried at which it is broken (the largest at which it holds is within
    /// the report's `precision` below, unless it broke at the smallest factor tried).
    pub factor: f64,
    /// The entry service's peak rate at that factor.
    pub peak_rps: f64,
    /// Every service's requests together at that factor.
    pub total_peak_rps: f64,
    pub detail: String,
}

/// One broken limit at the target and the smallest change that would lift it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    #[serde(flatten)]
    pub limit: Limit,
    pub change: String,
}

/// The answer to `--target-rps`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetAnswer {
    pub rps: f64,
    /// Which rate the target is: `total` (every service's requests together) or `entry`.
    pub of: TargetOf,
    /// The factor that brings that peak rate to `rps` (from the factor-1 probe; the peak scales
    /// with the factor).
    pub factor: f64,
    /// Whether every SLO rule holds at that factor (simulated, not extrapolated).
    pub reached: bool,
    /// Whether the factor was beyond `--max` (then nothing was simulated there).
    pub beyond_search: bool,
    /// For each limit broken at the target, the smallest change that would lift it, sized by
    /// one more simulation at the target with every maxReplicas and maxNodes raised 20× (at
    /// most 2,000) and max_connections unbounded.
    pub fixes: Vec<Fix>,
}

/// The result of `capsim headroom`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadroomReport {
    pub schema_version: u32,
    pub capsim_version: String,
    pub scenario: String,
    pub file: String,
    pub by: Scale,
    /// The request path's entry service (whose peak rate the figures give).
    pub entry_service: String,
    /// The largest factor at which every SLO rule holds (to `precision`); when
    /// `holds_to_max_factor`, the largest factor searched.
    pub max_factor: f64,
    pub holds_to_max_factor: bool,
    /// The entry service's peak requests per second at `max_factor`.
    pub max_peak_rps: f64,
    /// Every service's peak requests per second together at `max_factor`.
    pub max_total_peak_rps: f64,
    /// Peak DAU at `max_factor` (`null` for a replay).
    pub max_dau: Option<f64>,
    /// Each limit in the order demand breaks it.
    pub breaks: Vec<Break>,
    pub target: Option<TargetAnswer>,
    /// The factor-1 figures: the plan as written.
    pub base_peak_rps: f64,
    pub base_total_peak_rps: f64,
    pub base_peak_dau: Option<f64>,
    pub search: SearchInfo,
    /// Every probe, by factor (the chart's points).
    pub probes: Vec<ProbeSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchInfo {
    pub min_factor: f64,
    pub max_factor: f64,
    pub precision: f64,
    pub runs: usize,
    pub db_cpu_limit: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeSummary {
    pub factor: f64,
    pub peak_rps: f64,
    pub total_peak_rps: f64,
    pub slo_met: bool,
    /// The constraints broken there.
    pub broken: Vec<Constraint>,
}

/// The scenario with demand scaled by `k`.
pub fn scaled(base: &Scenario, by: Scale, k: f64) -> Result<Scenario> {
    let mut s = base.clone();
    match (&mut s.traffic.source, by) {
        (TrafficSource::Synthetic(syn), Scale::Dau) => {
            for m in &mut syn.dau.milestones {
                m.1 *= k;
            }
            if let Some(c) = &mut syn.dau.capacity {
                *c *= k;
            }
        }
        (TrafficSource::Synthetic(syn), Scale::Rps) => syn.page_views_per_dau_per_day *= k,
        (TrafficSource::Synthetic(syn), Scale::Peak) => {
            let Some(h) = syn.holidays.as_mut().filter(|h| !h.peaks.is_empty()) else {
                return Err(Error::Usage(format!(
                    "{}: --by peak scales the holiday peaks, and spec.traffic.holidays.peaks is empty; use --by dau or --by rps",
                    base.file
                )));
            };
            for p in &mut h.peaks {
                p.multiplier = 1.0 + k * (p.multiplier - 1.0);
            }
        }
        (TrafficSource::Replay(r), Scale::Dau | Scale::Rps) => {
            for p in &mut r.points {
                p.1 *= k;
            }
        }
        (TrafficSource::Replay(_), Scale::Peak) => {
            return Err(Error::Usage(format!(
                "{}: --by peak needs synthetic traffic with holiday peaks; this scenario replays a recorded series (use --by rps)",
                base.file
            )));
        }
    }
    Ok(s)
}

/// Peak DAU of a scenario (the largest milestone), `None` for a replay.
fn peak_dau(s: &Scenario) -> Option<f64> {
    match &s.traffic.source {
        TrafficSource::Synthetic(syn) => syn
            .dau
            .milestones
            .iter()
            .map(|m| m.1)
            .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v)))),
        TrafficSource::Replay(_) => None,
    }
}

/// Simulate `s` (already scaled by `factor`) and name every limit it breaks.
pub fn probe(s: &Scenario, factor: f64) -> Probe {
    observe(s, &simulate(s), factor)
}

fn simulate(s: &Scenario) -> RunReport {
    let demand = crate::traffic::Demand::new(s);
    let out = crate::model::simulate_with_demand(s, &demand, &mut |_, _| {});
    RunReport::build(s, &out, None)
}

/// How far the sizing run raises maxReplicas and maxNodes (at most [`LIFTED_MAX`]).
const LIFT: i64 = 20;
const LIFTED_MAX: i64 = 2_000;

/// `s` with the limits a fix can raise lifted out of reach: every maxReplicas and maxNodes × 20
/// (at most 2,000), max_connections unbounded. Simulated at the target, it shows what each limit
/// would have to be.
fn lifted(s: &Scenario) -> Scenario {
    let mut l = s.clone();
    let lift = |v: i64| (v * LIFT).min(LIFTED_MAX).max(v);
    for svc in &mut l.services {
        if let Some(h) = &mut svc.hpa {
            h.max_replicas = lift(i64::from(h.max_replicas)) as i32;
        }
    }
    if let Some(c) = &mut l.platform.cluster {
        for p in &mut c.pools {
            p.max_nodes = lift(i64::from(p.max_nodes)) as u32;
        }
    }
    if let Some(d) = &mut l.platform.database {
        d.max_connections = u32::MAX / 2;
    }
    l
}

/// What the lifted run at the target needed: peak replicas per service (over its clouds), peak
/// nodes per pool, connections the pools asked of each database instance.
#[derive(Debug, Default)]
struct Sizing {
    replicas: BTreeMap<String, (u32, u32)>,
    nodes: BTreeMap<String, (u32, u32)>,
    connections: BTreeMap<String, f64>,
}

impl Sizing {
    fn of(lifted: &Scenario, r: &RunReport) -> Sizing {
        let mut z = Sizing::default();
        for svc in &r.services {
            if let Some(max) = svc.hpa_max_replicas {
                let e = z.replicas.entry(svc.name.clone()).or_insert((0, max));
                e.0 = e.0.max(svc.peak_replicas);
            }
        }
        if let Some(c) = &lifted.platform.cluster {
            for (pool, cfg) in r.node_pools.iter().zip(&c.pools) {
                z.nodes
                    .insert(pool.name.clone(), (pool.peak_nodes, cfg.max_nodes));
            }
        }
        for inst in r.database.iter().flat_map(|d| &d.instances) {
            z.connections
                .insert(inst.name.clone(), inst.peak_demanded_connections);
        }
        z
    }
}

/// The limits a run's report shows broken.
pub fn observe(s: &Scenario, r: &RunReport, factor: f64) -> Probe {
    let mut hits = Vec::new();
    for svc in &r.services {
        if let Some(max) = svc.hpa_max_replicas
            && svc.hours_at_max_replicas > 0.0
        {
            hits.push(Hit::new(
                Limit::service(Constraint::MaxReplicas, &svc.name, &svc.cloud),
                format!(
                    "{}@{} held at maxReplicas {max} for {:.1} h",
                    svc.name, svc.cloud, svc.hours_at_max_replicas
                ),
                f64::from(svc.peak_replicas),
                f64::from(max),
            ));
        }
    }
    if let Some(cluster) = &s.platform.cluster {
        for (pool, cfg) in r.node_pools.iter().zip(&cluster.pools) {
            if pool.peak_nodes >= cfg.max_nodes {
                hits.push(Hit::new(
                    Limit::resource(
                        Constraint::NodePoolMax,
                        Some(&pool.cloud),
                        pool.name.clone(),
                    ),
                    format!(
                        "node pool {} reached maxNodes {} ({})",
                        pool.name, cfg.max_nodes, pool.instance_type
                    ),
                    f64::from(pool.peak_nodes),
                    f64::from(cfg.max_nodes),
                ));
            }
        }
    }
    if let Some(db) = &r.database {
        for inst in &db.instances {
            if inst.minutes_with_refused_connections > 0 {
                hits.push(Hit::new(
                    Limit::resource(Constraint::DbConnections, None, inst.name.clone()),
                    format!(
                        "{}: pools asked for {:.0} connections of {:.0} ({} min refused)",
                        inst.name,
                        inst.peak_demanded_connections,
                        db.connection_limit,
                        inst.minutes_with_refused_connections
                    ),
                    inst.peak_demanded_connections,
                    db.connection_limit,
                ));
            }
            if inst.peak_cpu_utilisation >= DB_CPU_LIMIT {
                hits.push(Hit::new(
                    Limit::resource(Constraint::DbCpu, None, inst.name.clone()),
                    format!(
                        "{}: CPU at {:.0} % (limit {:.0} %)",
                        inst.name,
                        inst.peak_cpu_utilisation * 100.0,
                        DB_CPU_LIMIT * 100.0
                    ),
                    inst.peak_cpu_utilisation,
                    DB_CPU_LIMIT,
                ));
            }
        }
    }
    let dau = peak_dau(s);
    if let (Some(c), Some(dau)) = (&s.platform.cache, dau) {
        let cache = crate::model::cache::Cache::from_cfg(c);
        if let (Some(cap), Some(ws)) = (cache.capacity_items(), cache.working_set_items(dau))
            && ws > cap
        {
            hits.push(Hit::new(
                Limit::resource(
                    Constraint::CacheMemory,
                    None,
                    format!("{} × {}", c.nodes, c.node_type),
                ),
                format!(
                    "working set of {:.0} DAU ({:.1} M items) exceeds the {:.1} M items the cache holds",
                    dau,
                    ws / 1e6,
                    cap / 1e6
                ),
                ws,
                cap,
            ));
        }
    }
    let verdict = check::evaluate(r, None, &check::Rules::slos(s));
    let mut seen = std::collections::BTreeSet::new();
    for f in &verdict.failures {
        let constraint = match f.rule.as_str() {
            "latency-compliance" => Constraint::LatencySlo,
            "availability" => Constraint::AvailabilitySlo,
            "cache-hit-ratio" => Constraint::CacheHitRatio,
            _ => continue,
        };
        // The first failing month speaks for the rule.
        if seen.insert(constraint) {
            hits.push(Hit::new(Limit::of(constraint), f.message.clone(), 0.0, 0.0));
        }
    }
    let entry = s.platform.slo.path.first().copied().unwrap_or(0);
    let entry_name = s.services.get(entry).map(|x| x.name.as_str()).unwrap_or("");
    let peak_rps = r
        .services
        .iter()
        .filter(|x| x.name == entry_name)
        .map(|x| x.peak_rps)
        .sum();
    // The services share one demand curve, so their peaks coincide.
    let total_peak_rps = r.services.iter().map(|x| x.peak_rps).sum();
    Probe {
        factor,
        peak_rps,
        total_peak_rps,
        peak_dau: dau,
        slo_met: verdict.passed,
        hits,
    }
}

impl Probe {
    fn rate(&self, of: TargetOf) -> f64 {
        match of {
            TargetOf::Total => self.total_peak_rps,
            TargetOf::Entry => self.peak_rps,
        }
    }
}

/// Probes by factor (keyed by the factor's bits: factors are positive, so the order is kept).
type Probes = BTreeMap<u64, Probe>;

fn key(k: f64) -> u64 {
    k.to_bits()
}

/// Run the search. `progress(done, total)` is called after each probe (from any thread).
pub fn search(
    base: &Scenario,
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<HeadroomReport> {
    if !(opts.max_factor > 1.0 && opts.max_factor.is_finite()) {
        return Err(Error::Usage(format!(
            "--max {} must be a number above 1 (the largest demand factor to try)",
            opts.max_factor
        )));
    }
    if let Some(t) = opts.target_rps
        && !(t > 0.0 && t.is_finite())
    {
        return Err(Error::Usage(format!(
            "--target-rps {t} must be a positive number of requests per second"
        )));
    }
    // Fail on a scale the scenario cannot take before simulating anything.
    scaled(base, opts.by, 1.0)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let planned = std::sync::atomic::AtomicUsize::new(0);
    let mut probes = Probes::new();
    let run = |ks: Vec<f64>, probes: &mut Probes| -> Result<()> {
        let ks: Vec<f64> = ks
            .into_iter()
            .filter(|k| !probes.contains_key(&key(*k)))
            .collect();
        planned.fetch_add(ks.len(), std::sync::atomic::Ordering::Relaxed);
        let results: Vec<Result<Probe>> = pool.install(|| {
            ks.par_iter()
                .map(|&k| {
                    let s = scaled(base, opts.by, k)?;
                    let p = probe(&s, k);
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress(n, planned.load(std::sync::atomic::Ordering::Relaxed));
                    Ok(p)
                })
                .collect()
        });
        for r in results {
            let p = r?;
            probes.insert(key(p.factor), p);
        }
        Ok(())
    };

    run(vec![1.0], &mut probes)?;
    let base_probe = probes[&key(1.0)].clone();
    // Down: until nothing is broken (or the floor).
    let mut k = 1.0;
    while !probes[&key(k)].hits.is_empty() && k / 2.0 >= opts.min_factor {
        k /= 2.0;
        run(vec![k], &mut probes)?;
    }
    let target_factor = opts
        .target_rps
        .map(|t| (t, base_probe.rate(opts.target_of)))
        .filter(|&(_, base)| base > 0.0)
        .map(|(t, base)| t / base);
    // Up: doubling until the SLOs break and the target (if any) is passed, or the ceiling.
    let mut k = 1.0;
    loop {
        let p = &probes[&key(k)];
        let past_target = target_factor.is_none_or(|t| k >= t);
        if (!p.slo_met && past_target) || k >= opts.max_factor {
            break;
        }
        k = match target_factor {
            // Land on the target instead of doubling past it.
            Some(t) if k < t && t < k * 2.0 => t.min(opts.max_factor),
            _ => (k * 2.0).min(opts.max_factor),
        };
        run(vec![k], &mut probes)?;
    }
    // The target itself, simulated.
    if let Some(t) = target_factor
        && t <= opts.max_factor
        && t >= opts.min_factor
    {
        run(vec![t], &mut probes)?;
    }
    // Refine every bracket (each limit's, and the SLOs' together) by geometric bisection; the
    // midpoints of one round run in parallel and serve every bracket that contains them.
    loop {
        // Full precision up to where the SLOs break; past it, a limit's place in the order is
        // what matters, so 10 % does (the target itself is simulated exactly).
        let fine_until = probes
            .values()
            .find(|p| !p.slo_met)
            .map_or(f64::INFINITY, |p| p.factor);
        let mut mids: Vec<f64> = Vec::new();
        for (lo, hi) in brackets(&probes) {
            let precision = if lo < fine_until {
                opts.precision
            } else {
                opts.precision.max(COARSE_PRECISION)
            };
            if hi / lo > 1.0 + precision {
                let mid = (lo * hi).sqrt();
                if !mids
                    .iter()
                    .any(|m| (m / mid - 1.0).abs() < opts.precision / 4.0)
                {
                    mids.push(mid);
                }
            }
        }
        if mids.is_empty() {
            break;
        }
        run(mids, &mut probes)?;
    }
    // Size the fixes: the target once more, with the limits a fix can raise lifted.
    let sizing = match target_factor.and_then(|t| probes.get(&key(t)).map(|p| (t, p))) {
        Some((t, p)) if !p.hits.is_empty() => {
            let l = lifted(&scaled(base, opts.by, t)?);
            let report = pool.install(|| simulate(&l));
            Some(Sizing::of(&l, &report))
        }
        _ => None,
    };
    Ok(assemble(
        base,
        opts,
        &probes,
        &base_probe,
        target_factor,
        sizing.as_ref(),
    ))
}

/// Each broken limit's bracket (largest factor where it holds below the smallest where it is
/// broken), and the SLO rules' bracket; limits broken at the smallest factor tried have none.
fn brackets(probes: &Probes) -> Vec<(f64, f64)> {
    let mut keys = std::collections::BTreeSet::new();
    for p in probes.values() {
        for h in &p.hits {
            keys.insert(h.limit.clone());
        }
    }
    let mut out = Vec::new();
    let bracket = |broken: &dyn Fn(&Probe) -> bool| -> Option<(f64, f64)> {
        let hi = probes.values().find(|p| broken(p))?.factor;
        let lo = probes
            .values()
            .take_while(|p| p.factor < hi)
            .filter(|p| !broken(p))
            .last()?
            .factor;
        Some((lo, hi))
    };
    for k in &keys {
        if let Some(b) = bracket(&|p: &Probe| p.hits.iter().any(|h| h.limit == *k)) {
            out.push(b);
        }
    }
    if let Some(b) = bracket(&|p: &Probe| !p.slo_met) {
        out.push(b);
    }
    out
}

fn assemble(
    base: &Scenario,
    opts: &Options,
    probes: &Probes,
    base_probe: &Probe,
    target_factor: Option<f64>,
    sizing: Option<&Sizing>,
) -> HeadroomReport {
    // Each limit: the smallest factor where it is broken.
    let mut first: BTreeMap<&Limit, (&Probe, &Hit)> = BTreeMap::new();
    for p in probes.values() {
        for h in &p.hits {
            first.entry(&h.limit).or_insert((p, h));
        }
    }
    let mut breaks: Vec<Break> = first
        .values()
        .map(|(p, h)| Break {
            limit: h.limit.clone(),
            factor: p.factor,
            peak_rps: p.peak_rps,
            total_peak_rps: p.total_peak_rps,
            detail: h.detail.clone(),
        })
        .collect();
    breaks.sort_by(|a, b| {
        a.factor
            .total_cmp(&b.factor)
            .then(a.limit.constraint.cmp(&b.limit.constraint))
    });
    let first_slo_break = probes.values().find(|p| !p.slo_met).map(|p| p.factor);
    let holding = probes
        .values()
        .take_while(|p| first_slo_break.is_none_or(|f| p.factor < f))
        .filter(|p| p.slo_met)
        .last();
    let (max_factor, max_probe) = match holding {
        Some(p) => (p.factor, Some(p)),
        None => (0.0, None),
    };
    let target = target_factor.map(|t| {
        let at = probes.get(&key(t));
        TargetAnswer {
            rps: opts.target_rps.unwrap_or(0.0),
            of: opts.target_of,
            factor: round4(t),
            reached: at.is_some_and(|p| p.slo_met),
            beyond_search: at.is_none(),
            fixes: match (at, sizing) {
                (Some(p), Some(z)) => fixes(base, p, &first, t, z),
                _ => Vec::new(),
            },
        }
    });
    let entry = base.platform.slo.path.first().copied().unwrap_or(0);
    HeadroomReport {
        schema_version: SCHEMA_VERSION,
        capsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: base.name.clone(),
        file: base.file.clone(),
        by: opts.by,
        entry_service: base
            .services
            .get(entry)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        max_factor: round4(max_factor),
        holds_to_max_factor: first_slo_break.is_none(),
        max_peak_rps: round3(max_probe.map_or(0.0, |p| p.peak_rps)),
        max_total_peak_rps: round3(max_probe.map_or(0.0, |p| p.total_peak_rps)),
        max_dau: max_probe.and_then(|p| p.peak_dau).map(round3),
        breaks: breaks
            .into_iter()
            .map(|b| Break {
                factor: round4(b.factor),
                peak_rps: round3(b.peak_rps),
                total_peak_rps: round3(b.total_peak_rps),
                ..b
            })
            .collect(),
        target,
        base_peak_rps: round3(base_probe.peak_rps),
        base_total_peak_rps: round3(base_probe.total_peak_rps),
        base_peak_dau: base_probe.peak_dau.map(round3),
        search: SearchInfo {
            min_factor: opts.min_factor,
            max_factor: opts.max_factor,
            precision: opts.precision,
            runs: probes.len(),
            db_cpu_limit: DB_CPU_LIMIT,
        },
        probes: probes
            .values()
            .map(|p| {
                let mut broken: Vec<Constraint> =
                    p.hits.iter().map(|h| h.limit.constraint).collect();
                broken.sort();
                broken.dedup();
                ProbeSummary {
                    factor: round4(p.factor),
                    peak_rps: round3(p.peak_rps),
                    total_peak_rps: round3(p.total_peak_rps),
                    slo_met: p.slo_met,
                    broken,
                }
            })
            .collect(),
    }
}

/// The fixes for every limit broken at the target probe `p`: one per limit, and one per
/// service for maxReplicas (the limit is the service's, not a cloud's).
fn fixes(
    s: &Scenario,
    p: &Probe,
    first: &BTreeMap<&Limit, (&Probe, &Hit)>,
    t: f64,
    sizing: &Sizing,
) -> Vec<Fix> {
    let mut out: Vec<Fix> = Vec::new();
    for h in &p.hits {
        let mut limit = h.limit.clone();
        if limit.constraint == Constraint::MaxReplicas {
            limit.cloud = None;
        }
        if out.iter().any(|f| f.limit == limit) {
            continue;
        }
        let broke_at = first.get(&h.limit).map(|x| x.0.factor);
        out.push(Fix {
            change: fix_for(s, h, broke_at, t, sizing),
            limit,
        });
    }
    out
}

/// The smallest change that lifts `hit` at the target factor `t`: what the sizing run (the
/// target with the limits lifted) reached, or for CPU and cache, how far past the break the
/// target is.
fn fix_for(s: &Scenario, hit: &Hit, broke_at: Option<f64>, t: f64, sizing: &Sizing) -> String {
    let growth = broke_at.map_or(1.0, |b| (t / b).max(1.0));
    let svc = hit.limit.service.as_deref().unwrap_or("");
    let resource = hit.limit.resource.as_deref().unwrap_or("");
    // "at least" what the sizing run reached; "more than" when it reached the lifted limit too.
    let needed = |(peak, cap): (u32, u32)| {
        if peak >= cap {
            format!("more than {peak} (the sizing run hit its own lifted limit)")
        } else {
            format!("at least {peak} (the peak at the target with the limit lifted)")
        }
    };
    match hit.limit.constraint {
        Constraint::MaxReplicas => format!(
            "raise services.{svc}.hpa.maxReplicas from {:.0} to {}",
            hit.allowed,
            sizing.replicas.get(svc).map_or_else(
                || "what the target needs".to_string(),
                |&n| needed(n)
            )
        ),
        Constraint::NodePoolMax => format!(
            "raise cluster.nodePools.{resource}.maxNodes from {:.0} to {}",
            hit.allowed,
            sizing.nodes.get(resource).map_or_else(
                || "what the target needs".to_string(),
                |&n| needed(n)
            )
        ),
        Constraint::DbConnections => {
            let reserved = s.platform.database.as_ref().map_or(0, |d| d.reserved_connections);
            // With replicas unbounded the pools ask for more than at the capped target.
            let asked = sizing
                .connections
                .get(resource)
                .copied()
                .unwrap_or(hit.amount)
                .max(hit.amount);
            format!(
                "raise database.maxConnections to at least {:.0} (the pools ask for {:.0} at the target), or put a pooler in front (database.pooler)",
                asked.ceil() + f64::from(reserved),
                asked
            )
        }
        // Utilisation is capped at 100 %, so past saturation only the growth since the break
        // sizes the need.
        Constraint::DbCpu => format!(
            "give {} about {:.1}× its vCPUs (its CPU passed {:.0} % at {}× and demand grows {:.1}× more to the target), or move reads to replicas",
            hit.limit.resource.as_deref().unwrap_or("the instance"),
            growth.max(hit.amount / DB_CPU_LIMIT),
            DB_CPU_LIMIT * 100.0,
            round4(broke_at.unwrap_or(t)),
            growth
        ),
        Constraint::CacheMemory | Constraint::CacheHitRatio => match &s.platform.cache {
            Some(c) => {
                let need = if hit.limit.constraint == Constraint::CacheMemory && hit.allowed > 0.0 {
                    hit.amount / hit.allowed
                } else {
                    growth
                };
                format!(
                    "raise cache.nodes from {} to at least {:.0} ({}), or a node type with more memory",
                    c.nodes,
                    (f64::from(c.nodes) * need).ceil(),
                    c.node_type
                )
            }
            None => "add a cache".to_string(),
        },
        Constraint::LatencySlo | Constraint::AvailabilitySlo => {
            "follows from the capacity limits above; lift them first (if none is listed, more replicas or a shorter service time)".to_string()
        }
    }
}

fn round3(x: f64) -> f64 {
    crate::report::round3(x)
}

/// Factors to 4 decimals (their bisection precision is coarser).
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small.yaml");
        crate::scenario::load(&path).expect("fixture loads")
    }

    fn synthetic(s: &Scenario) -> &crate::scenario::Synthetic {
        match &s.traffic.source {
            TrafficSource::Synthetic(syn) => syn,
            TrafficSource::Replay(_) => panic!("synthetic fixture"),
        }
    }

    #[test]
    fn each_scale_changes_only_its_part_of_the_curve() {
        let base = small();
        let b = synthetic(&base);
        let dau = scaled(&base, Scale::Dau, 2.5).unwrap();
        let d = synthetic(&dau);
        assert_eq!(d.dau.milestones[0].1, b.dau.milestones[0].1 * 2.5);
        assert_eq!(d.page_views_per_dau_per_day, b.page_views_per_dau_per_day);
        let rps = scaled(&base, Scale::Rps, 2.5).unwrap();
        let r = synthetic(&rps);
        assert_eq!(r.dau.milestones, b.dau.milestones);
        assert_eq!(
            r.page_views_per_dau_per_day,
            b.page_views_per_dau_per_day * 2.5
        );
        // Seollal at 3×: the excess doubles, 1 + 2 × (3 − 1) = 5.
        let peak = scaled(&base, Scale::Peak, 2.0).unwrap();
        let p = synthetic(&peak);
        assert_eq!(p.holidays.as_ref().unwrap().peaks[0].multiplier, 5.0);
        assert_eq!(p.dau.milestones, b.dau.milestones);
    }

    #[test]
    fn brackets_sit_between_the_last_hold_and_the_first_break() {
        let hit = |c| Hit::new(Limit::of(c), String::new(), 0.0, 0.0);
        let mut probes = Probes::new();
        for (k, hits, slo) in [
            (1.0, vec![], true),
            (2.0, vec![hit(Constraint::DbConnections)], true),
            (4.0, vec![hit(Constraint::DbConnections)], false),
            (
                8.0,
                vec![hit(Constraint::DbConnections), hit(Constraint::DbCpu)],
                false,
            ),
        ] {
            probes.insert(
                key(k),
                Probe {
                    factor: k,
                    peak_rps: k * 100.0,
                    total_peak_rps: k * 200.0,
                    peak_dau: None,
                    slo_met: slo,
                    hits,
                },
            );
        }
        let mut b = brackets(&probes);
        b.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
        assert_eq!(b, vec![(1.0, 2.0), (2.0, 4.0), (4.0, 8.0)]);
    }
}
