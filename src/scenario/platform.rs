//! The platform around the services: clouds and their traffic split, node pools and the cluster
//! autoscaler, the PostgreSQL database (and pooler), the Redis cache, SLOs with alert rules, and
//! timed events (cloud outages, cache flushes) — their scenario types and decoding.

use super::decode::show;
use super::decode::{Cx, MapReader};
use super::yaml::Node;
use crate::catalogue::Catalogue;
use crate::sim::TimeMs;

/// Share of node memory that holds data by default. ElastiCache reserves 25 % of each node's
/// `maxmemory` for backups, replication and failover in its default parameter groups
/// (`reserved-memory-percent = 25`, the documented default and recommendation), so 75 % of
/// the node memory the catalogue lists holds keys.
pub const DEFAULT_USABLE_FRACTION: f64 = 0.75;

/// The sections of `spec` this module decodes (the decoder of `spec` knows them as fields even
/// when it cannot decode them).
pub const KEYS: &[&str] = &[
    "clouds", "failover", "steering", "cluster", "database", "cache", "slo", "events",
];

/// Cluster Autoscaler's `--max-node-provision-time` (15 min, `model::nodes::AutoscalerSpec`):
/// a node slower than this is given up, so a pool's provisioning delay must not exceed it.
pub const MAX_NODE_PROVISION_TIME_MS: TimeMs = 15 * 60_000;

/// The longest SLO p95 window (it slides over the run; a day is already a compliance view).
pub const MAX_SLO_WINDOW_MS: TimeMs = 24 * 60 * 60_000;

/// Memory a node keeps from pods (kubelet reservation + the 100 MiB eviction threshold) — an upper
/// bound of `model::nodes::{eks_allocatable, gke_allocatable}`, which this layer cannot call. AWS
/// reserves 11 MiB per possible pod + 255 MiB; GKE at most a quarter of memory, or 255 MiB under
/// 1 GiB. `tests/it/limits.rs` checks that every pool this accepts has positive allocatable.
fn reserved_memory_bytes(provider: &str, memory_bytes: f64, max_pods: u32) -> f64 {
    const MIB: f64 = 1024.0 * 1024.0;
    let kube = match provider {
        "gcp" if memory_bytes < 1024.0 * MIB => 255.0 * MIB,
        "gcp" => memory_bytes / 4.0,
        _ => (11.0 * f64::from(max_pods) + 255.0) * MIB,
    };
    kube + 100.0 * MIB
}

/// One cloud (provider + region) with its share of the traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct Cloud {
    pub name: String,
    /// Share of traffic, normalised so the weights sum to 1.
    pub weight: f64,
    /// `aws` or `gcp` (from the name or `provider:`), for instance lookups and node allocatable.
    pub provider: String,
}

/// A geo-steering rule (Cloudflare Load Balancing's geo steering): the users of one region go to
/// one cloud while it is routed; the users no rule names are split by the clouds' weights.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoRoute {
    /// The region's name as the scenario gives it (e.g. a country code), for reports.
    pub region: String,
    /// Share of all users (0..1]; the rules' shares sum to at most 1.
    pub share: f64,
    /// Index into `Platform::clouds`.
    pub cloud: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    /// At least one; a scenario without `clouds` has one cloud named `default`.
    pub clouds: Vec<Cloud>,
    /// Geo steering ahead of the weights (`spec.steering.geo`); empty: weights only.
    pub geo: Vec<GeoRoute>,
    /// Time from a cloud failing to its traffic moving (health checks + DNS TTL).
    pub failover_detection_ms: TimeMs,
    pub cluster: Option<ClusterCfg>,
    pub database: Option<DatabaseCfg>,
    pub cache: Option<CacheCfg>,
    pub slo: SloCfg,
    pub events: Vec<PlatformEvent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterCfg {
    pub pools: Vec<NodePoolCfg>,
    pub autoscaler: AutoscalerCfg,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodePoolCfg {
    pub name: String,
    pub cloud: usize,
    pub instance_type: String,
    pub vcpu: f64,
    pub memory_bytes: f64,
    pub min_nodes: u32,
    pub max_nodes: u32,
    pub spot: bool,
    pub spot_interruptions_per_node_day: f64,
    pub provisioning_delay_ms: TimeMs,
    /// Kubernetes' limit of pods per node (EKS: ENI-based; GKE: 110), used for allocatable memory.
    pub max_pods: u32,
    /// A NoSchedule taint (`dedicated: true`): only services that name the pool in `nodePools`
    /// schedule there, as GKE taints GPU nodes (`nvidia.com/gpu=present:NoSchedule`).
    pub dedicated: bool,
}

/// Cluster Autoscaler settings; defaults are its documented flag defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerCfg {
    /// `--scan-interval` (10 s).
    pub scan_interval_ms: TimeMs,
    /// `--scale-down-utilization-threshold` (0.5).
    pub scale_down_utilization_threshold: f64,
    /// `--scale-down-unneeded-time` (10 min).
    pub scale_down_unneeded_time_ms: TimeMs,
    /// `--scale-down-delay-after-add` (10 min).
    pub scale_down_delay_after_add_ms: TimeMs,
}

impl Default for AutoscalerCfg {
    fn default() -> Self {
        AutoscalerCfg {
            scan_interval_ms: 10_000,
            scale_down_utilization_threshold: 0.5,
            scale_down_unneeded_time_ms: 600_000,
            scale_down_delay_after_add_ms: 600_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DbInstance {
    pub cloud: usize,
    pub instance_class: String,
    pub vcpu: f64,
    pub memory_bytes: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseCfg {
    /// `max_connections` of every instance.
    pub max_connections: u32,
    /// `superuser_reserved_connections` (PostgreSQL default 3) plus any other reserved slots.
    pub reserved_connections: u32,
    pub primary: DbInstance,
    pub replicas: Vec<DbInstance>,
    /// CPU time one query costs on the instance.
    pub query_cpu_ms: f64,
    pub pooler: Option<PoolerCfg>,
    /// Provisioned storage with storage autoscaling (`spec.database.storage`); `None`: every
    /// instance is billed for the data it holds.
    pub storage: Option<StorageCfg>,
}

/// Provisioned database storage and its autoscaling limit (RDS `AllocatedStorage` and
/// `MaxAllocatedStorage`, in GiB). Every instance holds a full copy at the primary's size.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageCfg {
    pub allocated_gb: f64,
    /// Storage autoscaling grows the allocation up to this; equal to `allocated_gb`: no
    /// autoscaling.
    pub max_allocated_gb: f64,
}

/// RDS's largest gp3 volume for PostgreSQL: 64 TiB (65,536 GiB).
pub const MAX_DATABASE_STORAGE_GB: f64 = 65_536.0;

/// A PgBouncer-style pooler in transaction mode in front of each instance.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolerCfg {
    /// Server connections the pooler opens to an instance (`default_pool_size` × pools).
    pub max_server_connections: u32,
    /// Client connections it accepts (`max_client_conn`).
    pub max_client_connections: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HitRatioCfg {
    Fixed(f64),
    Derived {
        keys_per_user: f64,
        item_bytes: f64,
        zipf_alpha: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CacheCfg {
    pub node_type: String,
    pub nodes: u32,
    pub node_memory_bytes: f64,
    /// Share of node memory that holds data (Redis `maxmemory` after overhead).
    pub usable_fraction: f64,
    pub hit_ratio: HitRatioCfg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertMetric {
    /// Failed / offered requests of a service (any service).
    ErrorRate,
    /// Connections open on the primary.
    DbConnections,
    /// p95 latency of the request path, ms.
    LatencyP95Ms,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub name: String,
    pub metric: AlertMetric,
    pub above: f64,
    /// The condition must hold this long before the alert fires (Prometheus `for:`).
    pub for_ms: TimeMs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloCfg {
    pub latency_p95_ms: f64,
    /// Target share of successful requests, e.g. 0.999.
    pub availability: f64,
    /// Window over which p95 is evaluated.
    pub window_ms: TimeMs,
    /// Services a user request passes through, entry first (indices into `Scenario::services`);
    /// their latencies add up.
    pub path: Vec<usize>,
    pub alerts: Vec<AlertRule>,
    /// Smallest mean cache hit ratio allowed in any month (`slo.cacheHitRatio`), if set.
    pub cache_hit_ratio: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlatformEvent {
    /// The cloud fails: its pods serve nothing from `start_ms` for `duration_ms`.
    Outage {
        cloud: usize,
        start_ms: TimeMs,
        duration_ms: TimeMs,
    },
    /// The cache empties (flush or failover) and warms up again.
    CacheFlush { at_ms: TimeMs },
    /// A new version of a service is rolled out (in every cloud where it runs) at `at_ms`, and
    /// again every `every_ms` after it if set, until the run ends.
    Deploy {
        service: usize,
        at_ms: TimeMs,
        every_ms: Option<TimeMs>,
        strategy: DeployStrategy,
    },
}

/// How a deploy replaces a service's pods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeployStrategy {
    /// The Deployment controller's RollingUpdate: at most `replicas + max_surge` pods, at least
    /// `replicas − max_unavailable` of them available.
    Rolling {
        max_surge: u32,
        max_unavailable: u32,
    },
    /// A second full set (green) beside the old one (blue): `canary_percent` of traffic to green
    /// for `canary_ms` once it is Ready, then all of it; blue kept `switch_ms`, then deleted.
    BlueGreen {
        canary_percent: f64,
        canary_ms: TimeMs,
        switch_ms: TimeMs,
    },
}

impl Platform {
    /// A single cloud, no nodes, database or cache; SLO p95 < 500 ms and 99.9 % over 5 min.
    pub fn single(services: usize) -> Platform {
        Platform {
            clouds: vec![Cloud {
                name: "default".into(),
                weight: 1.0,
                provider: "aws".into(),
            }],
            geo: Vec::new(),
            failover_detection_ms: 60_000,
            cluster: None,
            database: None,
            cache: None,
            slo: SloCfg {
                latency_p95_ms: 500.0,
                availability: 0.999,
                window_ms: 300_000,
                path: if services > 0 { vec![0] } else { vec![] },
                alerts: Vec::new(),
                cache_hit_ratio: None,
            },
            events: Vec::new(),
        }
    }
}

/// What the decoder needs from the rest of the scenario.
pub(super) struct Context<'a> {
    pub service_names: &'a [String],
    pub start: jiff::civil::Date,
    pub time_zone: jiff::tz::TimeZone,
    pub duration_ms: TimeMs,
    /// The instance catalogue: the built-in one, or it extended by `spec.catalogue`.
    pub catalogue: &'a Catalogue,
}

/// Decode the platform sections of `spec` (all optional).
pub(super) fn decode(s: &mut MapReader, cx: &mut Cx, ctx: &Context<'_>) -> Option<Platform> {
    let catalogue = ctx.catalogue;
    let mut p = Platform::single(ctx.service_names.len());
    let mut ok = true;
    if let Some(n) = s.opt("clouds") {
        match decode_clouds(n, cx) {
            Some(c) => p.clouds = c,
            None => {
                ok = false;
                // The names still resolve the sections that refer to them (no "unknown cloud"
                // after a bad weight); the platform is not built.
                if let super::yaml::Value::Map(entries) = &n.value {
                    p.clouds = entries
                        .iter()
                        .filter_map(|(k, _)| match &k.value {
                            super::yaml::Value::Scalar { text, .. } => Some(Cloud {
                                name: text.clone(),
                                weight: 1.0,
                                provider: if text.starts_with("gcp") || text.starts_with("gke") {
                                    "gcp".into()
                                } else {
                                    "aws".into()
                                },
                            }),
                            _ => None,
                        })
                        .collect();
                }
            }
        }
    }
    if let Some(n) = s.opt("failover") {
        match cx.map(n, "spec.failover") {
            Some(mut m) => {
                ok &= m.opt_set(
                    cx,
                    "detectionDelay",
                    &mut p.failover_detection_ms,
                    Cx::duration_ms,
                );
                m.finish(cx);
            }
            None => ok = false,
        }
    }
    let clouds: Vec<String> = p.clouds.iter().map(|c| c.name.clone()).collect();
    if let Some(n) = s.opt("steering") {
        match decode_steering(n, cx, &clouds) {
            Some(g) => p.geo = g,
            None => ok = false,
        }
    }
    if let Some(n) = s.opt("cluster") {
        p.cluster = decode_cluster(n, cx, &clouds, &p.clouds, catalogue);
        ok &= p.cluster.is_some();
    }
    if let Some(n) = s.opt("database") {
        p.database = decode_database(n, cx, &clouds, catalogue);
        ok &= p.database.is_some();
    }
    let cache_node = s.opt("cache");
    if let Some(n) = cache_node {
        p.cache = decode_cache(n, cx, catalogue);
        ok &= p.cache.is_some();
    }
    if let Some(n) = s.opt("slo") {
        match decode_slo(n, cx, ctx, cache_node.is_some()) {
            Some(slo) => p.slo = slo,
            None => ok = false,
        }
    }
    if let Some(n) = s.opt("events") {
        match decode_events(n, cx, &clouds, ctx, cache_node.is_some()) {
            Some(e) => p.events = e,
            None => ok = false,
        }
    }
    ok.then_some(p)
}

fn cloud_index(n: &Node, cx: &mut Cx, path: &str, clouds: &[String]) -> Option<usize> {
    let name = cx.string(n, path)?;
    match clouds.iter().position(|c| *c == name) {
        Some(i) => Some(i),
        None => {
            cx.problem(
                n,
                path,
                format!("unknown cloud {name:?}"),
                format!(
                    "use one of the clouds in spec.clouds: {}",
                    clouds.join(", ")
                ),
            );
            None
        }
    }
}

/// `spec.steering`: `geo`, a list of `{ region, share, cloud }` (shares of all users, summing to
/// at most 1; each region once).
fn decode_steering(node: &Node, cx: &mut Cx, clouds: &[String]) -> Option<Vec<GeoRoute>> {
    let mut m = cx.map(node, "spec.steering")?;
    let mut out = Vec::new();
    let mut ok = true;
    if let Some(list) = m.opt("geo") {
        let items = cx.seq(list, "spec.steering.geo")?;
        for (i, item) in items.iter().enumerate() {
            let p = format!("spec.steering.geo[{i}]");
            let Some(mut r) = cx.map(item, &p) else {
                ok = false;
                continue;
            };
            let region = r
                .req(cx, "region", "the users' region, e.g. KR")
                .and_then(|n| cx.string(n, &format!("{p}.region")));
            let share = r
                .req(cx, "share", "the region's share of all users, e.g. 0.85")
                .and_then(|n| {
                    cx.fraction(
                        n,
                        &format!("{p}.share"),
                        "a share of all users between 0 and 1, e.g. 0.85",
                    )
                });
            let cloud = r
                .req(cx, "cloud", "the cloud its users are sent to")
                .and_then(|n| cloud_index(n, cx, &format!("{p}.cloud"), clouds));
            r.finish(cx);
            match (region, share, cloud) {
                (Some(region), Some(share), Some(cloud)) => {
                    if share <= 0.0 {
                        cx.problem(
                            item,
                            &format!("{p}.share"),
                            "a share of 0 sends nobody",
                            "give the region's share of users (> 0), or remove the rule",
                        );
                        ok = false;
                    } else if out.iter().any(|g: &GeoRoute| g.region == region) {
                        cx.problem(
                            item,
                            &format!("{p}.region"),
                            format!("region {region:?} has a rule already"),
                            "give each region one rule",
                        );
                        ok = false;
                    } else {
                        out.push(GeoRoute {
                            region,
                            share,
                            cloud,
                        });
                    }
                }
                _ => ok = false,
            }
        }
        let total: f64 = out.iter().map(|g| g.share).sum();
        if ok && total > 1.0 + 1e-9 {
            cx.problem(
                list,
                "spec.steering.geo",
                format!("the regions' shares sum to {total}, more than all users"),
                "make the shares sum to at most 1 (the rest is split by the clouds' weights)",
            );
            ok = false;
        }
    }
    m.finish(cx);
    ok.then_some(out)
}

fn decode_clouds(node: &Node, cx: &mut Cx) -> Option<Vec<Cloud>> {
    let mut out = Vec::new();
    let mut ok = true;
    let all_named = cx.each_named(node, "spec.clouds", |cx, name, _, v| {
        let p = format!("spec.clouds.{name}");
        let Some(mut c) = cx.map(v, &p) else {
            ok = false;
            return;
        };
        let weight = c
            .req(cx, "weight", "the share of traffic, e.g. 70")
            .and_then(|n| {
                cx.positive_at_most(n, &format!("{p}.weight"), super::limits::MAX_WEIGHT)
            });
        let provider = match c.opt("provider") {
            Some(n) => cx.choice(n, &c.child("provider"), &[("aws", "aws"), ("gcp", "gcp")]),
            None if name.starts_with("gcp") || name.starts_with("gke") => Some("gcp"),
            None if name.starts_with("aws") || name.starts_with("eks") => Some("aws"),
            None => {
                cx.problem(
                    v,
                    &format!("{p}.provider"),
                    "cannot tell the provider from the name",
                    "add provider: aws or provider: gcp",
                );
                None
            }
        };
        c.finish(cx);
        match (weight, provider) {
            (Some(weight), Some(provider)) => out.push(Cloud {
                name,
                weight,
                provider: provider.into(),
            }),
            _ => ok = false,
        }
    })?;
    ok &= all_named;
    if out.is_empty() && ok {
        cx.problem(
            node,
            "spec.clouds",
            "no clouds",
            "add at least one cloud: <name>: { weight: 100 }",
        );
        return None;
    }
    let total: f64 = out.iter().map(|c| c.weight).sum();
    for c in &mut out {
        c.weight /= total;
    }
    ok.then_some(out)
}

fn instance<'c>(
    n: &Node,
    cx: &mut Cx,
    path: &str,
    catalogue: &'c Catalogue,
    service: &str,
) -> Option<&'c crate::catalogue::Instance> {
    let name = cx.string(n, path)?;
    match catalogue.get(&name) {
        Some(i) if i.service == service => Some(i),
        Some(i) => {
            cx.problem(
                n,
                path,
                format!("{name:?} is a {} type, not {service}", i.service),
                format!("use one of: {}", catalogue.names(service).join(", ")),
            );
            None
        }
        None => {
            cx.problem(
                n,
                path,
                format!("unknown instance type {name:?} (not in the instance catalogue)"),
                format!(
                    "use one of: {}; or add a row for it in a file named by spec.catalogue",
                    catalogue.names(service).join(", ")
                ),
            );
            None
        }
    }
}

fn decode_cluster(
    node: &Node,
    cx: &mut Cx,
    clouds: &[String],
    cloud_defs: &[Cloud],
    catalogue: &Catalogue,
) -> Option<ClusterCfg> {
    let mut m = cx.map(node, "spec.cluster")?;
    let mut autoscaler = AutoscalerCfg::default();
    let mut ok = true;
    if let Some(n) = m.opt("autoscaler") {
        let p = "spec.cluster.autoscaler";
        if let Some(mut a) = cx.map(n, p) {
            ok &= a.opt_set(
                cx,
                "scanInterval",
                &mut autoscaler.scan_interval_ms,
                super::spec::control_period_ms,
            );
            ok &= a.opt_set(
                cx,
                "scaleDownUnneededTime",
                &mut autoscaler.scale_down_unneeded_time_ms,
                Cx::duration_ms,
            );
            ok &= a.opt_set(
                cx,
                "scaleDownDelayAfterAdd",
                &mut autoscaler.scale_down_delay_after_add_ms,
                Cx::duration_ms,
            );
            ok &= a.opt_set(
                cx,
                "scaleDownUtilizationThreshold",
                &mut autoscaler.scale_down_utilization_threshold,
                |cx, n, p| cx.fraction(n, p, "write a value from 0 to 1, e.g. 0.5"),
            );
            a.finish(cx);
        }
    }
    let pools_node = m.req(cx, "nodePools", "a mapping of pool name to pool");
    m.finish(cx);
    let mut pools = Vec::new();
    let all_named = cx.each_named(pools_node?, "spec.cluster.nodePools", |cx, name, _, v| {
        let p = format!("spec.cluster.nodePools.{name}");
        let Some(mut n) = cx.map(v, &p) else {
            ok = false;
            return;
        };
        let cloud = match n.opt("cloud") {
            Some(c) => cloud_index(c, cx, &format!("{p}.cloud"), clouds),
            None if clouds.len() == 1 => Some(0),
            None => {
                cx.problem(
                    v,
                    &format!("{p}.cloud"),
                    "required when there are several clouds",
                    format!("add cloud: one of {}", clouds.join(", ")),
                );
                None
            }
        };
        let service = match cloud.map(|c| cloud_defs[c].provider.as_str()) {
            Some("gcp") => "gce",
            _ => "ec2",
        };
        let inst = n
            .req(cx, "instanceType", "a node instance type, e.g. m6i.xlarge")
            .and_then(|t| instance(t, cx, &format!("{p}.instanceType"), catalogue, service));
        let min = n
            .req(cx, "minNodes", "the fewest nodes")
            .and_then(|t| cx.int(t, &format!("{p}.minNodes"), 0, 10_000));
        let max_node = n.req(cx, "maxNodes", "the most nodes");
        let max = max_node.and_then(|t| cx.int(t, &format!("{p}.maxNodes"), 1, 10_000));
        if let (Some(a), Some(b), Some(t)) = (min, max, max_node)
            && a > b
        {
            cx.problem(
                t,
                &format!("{p}.maxNodes"),
                format!("maxNodes ({b}) is less than minNodes ({a})"),
                "make minNodes ≤ maxNodes",
            );
            ok = false;
        }
        let spot = n.opt_or(cx, "capacityType", false, |cx, t, p| {
            cx.choice(t, p, &[("on-demand", false), ("spot", true)])
        });
        let rate = match n.opt("spotInterruptionsPerNodeDay") {
            Some(t) => {
                if spot == Some(false) {
                    cx.problem(
                        t,
                        &format!("{p}.spotInterruptionsPerNodeDay"),
                        "only spot pools are interrupted",
                        "remove it or set capacityType: spot",
                    );
                    ok = false;
                }
                cx.non_negative_at_most(
                    t,
                    &format!("{p}.spotInterruptionsPerNodeDay"),
                    super::limits::MAX_SPOT_INTERRUPTIONS_PER_NODE_DAY,
                )
            }
            // AWS's Spot Instance Advisor puts most types in the "<5 %" monthly interruption
            // band: 5 % a month ≈ 0.0017 a day. Default to that band's upper edge.
            None => Some(if spot == Some(true) { 0.05 / 30.0 } else { 0.0 }),
        };
        // Default: EC2/GCE boot + kubelet registration + CNI, typically 1–2 minutes.
        let delay = n.opt_or(cx, "provisioningDelay", 90_000, |cx, t, p| {
            let ms = cx.duration_ms(t, p)?;
            if ms > MAX_NODE_PROVISION_TIME_MS {
                cx.problem(
                    t,
                    p,
                    "longer than the Cluster Autoscaler's --max-node-provision-time (15m): it \
                     would give up every new node",
                    "write a delay of at most 15m (boot + registration is typically 1–2m)",
                );
                return None;
            }
            Some(ms)
        });
        let default_max_pods = if service == "gce" { 110 } else { 58 };
        let max_pods_node = n.opt("maxPods");
        let max_pods = n.opt_or(cx, "maxPods", default_max_pods, |cx, t, p| {
            cx.int(t, p, 1, 1000).map(|v| v as u32)
        });
        // The node must keep CPU and memory for pods after the kubelet's reservation (which
        // grows with maxPods on EKS), or model::nodes could not build the pool. Checked with
        // the default maxPods too: an instance type from spec.catalogue may be tiny.
        let max_pods = match (max_pods, &inst, cloud) {
            (Some(pods), Some(inst), Some(c)) => {
                let provider = cloud_defs[c].provider.as_str();
                let no_memory =
                    reserved_memory_bytes(provider, inst.memory_bytes, pods) >= inst.memory_bytes;
                let no_cpu = (inst.vcpu * 1000.0).round() < 1.0;
                if no_memory || no_cpu {
                    let (at, field) = match max_pods_node {
                        Some(t) => (t, format!("{p}.maxPods")),
                        None => (v, format!("{p}.instanceType")),
                    };
                    cx.problem(
                        at,
                        &field,
                        format!(
                            "a {} node with maxPods {pods} has no {} left for pods (the kubelet \
                             reserves memory per possible pod)",
                            inst.name,
                            if no_cpu { "CPU" } else { "memory" }
                        ),
                        "lower maxPods or choose an instance type with more memory and CPU",
                    );
                    None
                } else {
                    Some(pods)
                }
            }
            (other, _, _) => other,
        };
        let dedicated = n.opt_or(cx, "dedicated", false, Cx::bool);
        n.finish(cx);
        ok &= dedicated.is_some();
        let dedicated = dedicated.unwrap_or(false);
        match (cloud, inst, min, max, spot, rate, delay, max_pods) {
            (
                Some(cloud),
                Some(inst),
                Some(min),
                Some(max),
                Some(spot),
                Some(rate),
                Some(delay),
                Some(max_pods),
            ) => pools.push(NodePoolCfg {
                name,
                cloud,
                instance_type: inst.name.clone(),
                vcpu: inst.vcpu,
                memory_bytes: inst.memory_bytes,
                min_nodes: min as u32,
                max_nodes: max as u32,
                spot,
                spot_interruptions_per_node_day: rate,
                provisioning_delay_ms: delay,
                max_pods,
                dedicated,
            }),
            _ => ok = false,
        }
    })?;
    ok &= all_named;
    for (ci, c) in clouds.iter().enumerate() {
        if ok && !pools.iter().any(|p| p.cloud == ci) {
            cx.problem(
                node,
                "spec.cluster.nodePools",
                format!("cloud {c:?} has no node pool, so its pods could never run"),
                format!("add a node pool with cloud: {c}"),
            );
            ok = false;
        }
    }
    // The run builds one cluster per cloud and lists pools cloud by cloud; keep the file's order
    // within each cloud, so that pool indices mean the same pool everywhere (usage, cost).
    pools.sort_by_key(|p| p.cloud);
    ok.then_some(ClusterCfg { pools, autoscaler })
}

fn decode_db_instance(
    node: &Node,
    cx: &mut Cx,
    path: &str,
    clouds: &[String],
    catalogue: &Catalogue,
) -> Option<DbInstance> {
    let mut m = cx.map(node, path)?;
    let cloud = match m.opt("cloud") {
        Some(c) => cloud_index(c, cx, &m.child("cloud"), clouds),
        None if clouds.len() == 1 => Some(0),
        None => {
            cx.problem(
                node,
                &m.child("cloud"),
                "required when there are several clouds",
                format!("add cloud: one of {}", clouds.join(", ")),
            );
            None
        }
    };
    let class = m
        .req(cx, "instanceClass", "e.g. db.r6g.xlarge")
        .and_then(|n| {
            let name = cx.string(n, &m.child("instanceClass"))?;
            match catalogue.get(&name) {
                Some(i) if i.service == "rds" || i.service == "cloudsql" => Some(i),
                _ => {
                    let mut names = catalogue.names("rds");
                    names.extend(catalogue.names("cloudsql"));
                    cx.problem(
                        n,
                        &m.child("instanceClass"),
                        format!("unknown database instance class {name:?}"),
                        format!(
                            "use one of: {}; or add a row for it in a file named by spec.catalogue",
                            names.join(", ")
                        ),
                    );
                    None
                }
            }
        });
    m.finish(cx);
    let class = class?;
    Some(DbInstance {
        cloud: cloud?,
        instance_class: class.name.clone(),
        vcpu: class.vcpu,
        memory_bytes: class.memory_bytes,
    })
}

fn decode_database(
    node: &Node,
    cx: &mut Cx,
    clouds: &[String],
    catalogue: &Catalogue,
) -> Option<DatabaseCfg> {
    let mut m = cx.map(node, "spec.database")?;
    if let Some(n) = m.opt("engine") {
        cx.choice(n, "spec.database.engine", &[("postgresql", ())]);
    }
    let max_conn = m
        .req(cx, "maxConnections", "PostgreSQL max_connections, e.g. 200")
        .and_then(|n| cx.int(n, "spec.database.maxConnections", 1, 1_000_000));
    // Default: superuser_reserved_connections' default.
    let reserved = m.opt_or(cx, "reservedConnections", 3, |cx, n, p| {
        cx.int(n, p, 0, 1_000_000)
    });
    let primary = m
        .req(cx, "primary", "{cloud, instanceClass}")
        .and_then(|n| decode_db_instance(n, cx, "spec.database.primary", clouds, catalogue));
    let replicas = match m.opt("replicas") {
        Some(n) => cx.seq(n, "spec.database.replicas").map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, it)| {
                    decode_db_instance(
                        it,
                        cx,
                        &format!("spec.database.replicas[{i}]"),
                        clouds,
                        catalogue,
                    )
                })
                .collect::<Vec<_>>()
        }),
        None => Some(Vec::new()),
    };
    // Default: an indexed OLTP lookup takes well under a millisecond of CPU; 1 ms leaves room
    // for joins.
    let query_cpu = m.opt_or(cx, "queryCpuTime", 1.0, |cx, n, p| {
        cx.duration_ms(n, p).map(|v| v as f64)
    });
    let pooler = match m.opt("pooler") {
        Some(n) => {
            let mut pm = cx.map(n, "spec.database.pooler")?;
            let server = pm
                .req(
                    cx,
                    "maxServerConnections",
                    "server connections the pooler may open",
                )
                .and_then(|v| cx.int(v, "spec.database.pooler.maxServerConnections", 1, 1_000_000));
            let client = pm.opt_or(cx, "maxClientConnections", 10_000, |cx, v, p| {
                cx.int(v, p, 1, 10_000_000)
            });
            pm.finish(cx);
            Some(Some(PoolerCfg {
                max_server_connections: server? as u32,
                max_client_connections: client? as u32,
            }))
        }
        None => Some(None),
    };
    let storage = match m.opt("storage") {
        Some(n) => decode_storage(n, cx).map(Some),
        None => Some(None),
    };
    m.finish(cx);
    let (max_conn, reserved) = (max_conn?, reserved?);
    if reserved >= max_conn {
        cx.problem(
            node,
            "spec.database.reservedConnections",
            format!("{reserved} reserved of {max_conn} leaves no connection for the services"),
            "lower reservedConnections or raise maxConnections",
        );
        return None;
    }
    if let Some(Some(p)) = &pooler
        && i64::from(p.max_server_connections) > max_conn - reserved
    {
        cx.problem(
            node,
            "spec.database.pooler.maxServerConnections",
            format!(
                "{} server connections exceed the {} the database allows",
                p.max_server_connections,
                max_conn - reserved
            ),
            "make it at most maxConnections − reservedConnections",
        );
        return None;
    }
    Some(DatabaseCfg {
        max_connections: max_conn as u32,
        reserved_connections: reserved as u32,
        primary: primary?,
        replicas: replicas?,
        query_cpu_ms: query_cpu?,
        pooler: pooler?,
        storage: storage?,
    })
}

fn decode_storage(node: &Node, cx: &mut Cx) -> Option<StorageCfg> {
    let p = "spec.database.storage";
    let mut m = cx.map(node, p)?;
    let size = |cx: &mut Cx, n: &Node, path: &str| {
        cx.f64_where(
            n,
            path,
            |v| (1.0..=MAX_DATABASE_STORAGE_GB).contains(&v),
            |v| format!("{} GiB is out of range", show(v)),
            "write GiB from 1 to 65536 (RDS's largest volume), e.g. 2000",
        )
    };
    let allocated = m
        .req(
            cx,
            "allocatedGb",
            "the storage provisioned at the start, in GiB",
        )
        .and_then(|n| size(cx, n, &format!("{p}.allocatedGb")));
    let max_node = m.opt("maxAllocatedGb");
    let max = match max_node {
        Some(n) => size(cx, n, &format!("{p}.maxAllocatedGb")),
        None => allocated,
    };
    m.finish(cx);
    let (allocated, max) = (allocated?, max?);
    if max < allocated {
        cx.problem(
            max_node.unwrap_or(node),
            &format!("{p}.maxAllocatedGb"),
            format!(
                "{} GiB is below the {} GiB allocated at the start",
                show(max),
                show(allocated)
            ),
            "make maxAllocatedGb at least allocatedGb (equal: no autoscaling)",
        );
        return None;
    }
    Some(StorageCfg {
        allocated_gb: allocated,
        max_allocated_gb: max,
    })
}

fn decode_cache(node: &Node, cx: &mut Cx, catalogue: &Catalogue) -> Option<CacheCfg> {
    let mut m = cx.map(node, "spec.cache")?;
    if let Some(n) = m.opt("engine") {
        cx.choice(n, "spec.cache.engine", &[("redis", ())]);
    }
    let inst = m.req(cx, "nodeType", "e.g. cache.r6g.large").and_then(|n| {
        let name = cx.string(n, "spec.cache.nodeType")?;
        match catalogue.get(&name) {
            Some(i) if i.service == "elasticache" || i.service == "memorystore" => Some(i),
            _ => {
                let mut names = catalogue.names("elasticache");
                names.extend(catalogue.names("memorystore"));
                cx.problem(
                    n,
                    "spec.cache.nodeType",
                    format!("unknown cache node type {name:?}"),
                    format!(
                        "use one of: {}; or add a row for it in a file named by spec.catalogue",
                        names.join(", ")
                    ),
                );
                None
            }
        }
    });
    let nodes = m
        .req(cx, "nodes", "the number of shards/nodes holding data")
        .and_then(|n| cx.int(n, "spec.cache.nodes", 1, 1000));
    // Default: ElastiCache reserves 25 % of memory (reserved-memory-percent = 25).
    let default = DEFAULT_USABLE_FRACTION;
    let usable = m.opt_or(cx, "usableFraction", default, |cx, n, p| {
        cx.f64_where(
            n,
            p,
            |v| v > 0.0 && v <= 1.0,
            |v| format!("{} is not a fraction", show(v)),
            "write a value in (0, 1], e.g. 0.75",
        )
    });
    let hit = m
        .req(
            cx,
            "hitRatio",
            "a fixed ratio such as 0.9, or {keysPerUser, itemSize, zipfAlpha}",
        )
        .and_then(|n| {
            if let super::yaml::Value::Scalar { .. } = &n.value {
                return cx
                    .f64_where(
                        n,
                        "spec.cache.hitRatio",
                        |v| (0.0..=1.0).contains(&v),
                        |v| format!("{} is not a ratio", show(v)),
                        "write a value from 0 to 1",
                    )
                    .map(HitRatioCfg::Fixed);
            }
            let mut h = cx.map(n, "spec.cache.hitRatio")?;
            let k = h
                .req(cx, "keysPerUser", "distinct cached keys per daily user")
                .and_then(|v| {
                    // Below a key per thousand users the working set is a fraction of one item.
                    cx.f64_where(
                        v,
                        "spec.cache.hitRatio.keysPerUser",
                        |k| (1e-3..=1e9).contains(&k),
                        |k| format!("{} is out of range", show(k)),
                        "write a number from 0.001 to 1000000000",
                    )
                });
            let size = h
                .req(cx, "itemSize", "bytes per cached item, e.g. 2Ki")
                .and_then(|v| {
                    cx.positive_quantity_milli(v, "spec.cache.hitRatio.itemSize", "write e.g. 2Ki")
                })
                .map(|q| q as f64 / 1000.0);
            let alpha = h
                .req(
                    cx,
                    "zipfAlpha",
                    "the Zipf exponent of key popularity, e.g. 0.9",
                )
                .and_then(|v| cx.positive(v, "spec.cache.hitRatio.zipfAlpha"));
            h.finish(cx);
            Some(HitRatioCfg::Derived {
                keys_per_user: k?,
                item_bytes: size?,
                zipf_alpha: alpha?,
            })
        });
    m.finish(cx);
    let inst = inst?;
    Some(CacheCfg {
        node_type: inst.name.clone(),
        nodes: nodes? as u32,
        node_memory_bytes: inst.memory_bytes,
        usable_fraction: usable?,
        hit_ratio: hit?,
    })
}

fn decode_slo(node: &Node, cx: &mut Cx, ctx: &Context<'_>, has_cache: bool) -> Option<SloCfg> {
    let mut d = Platform::single(ctx.service_names.len()).slo;
    let mut m = cx.map(node, "spec.slo")?;
    let mut ok = true;
    ok &= m.opt_set(cx, "latencyP95", &mut d.latency_p95_ms, |cx, n, p| {
        cx.positive_duration_ms(n, p).map(|v| v as f64)
    });
    ok &= m.opt_set(cx, "availability", &mut d.availability, |cx, n, p| {
        cx.f64_where(
            n,
            p,
            |v| v > 0.0 && v < 1.0,
            |v| format!("{} is not a ratio below 1", show(v)),
            "write e.g. 0.999 for 99.9 %",
        )
    });
    if let Some(n) = m.opt("cacheHitRatio") {
        let p = "spec.slo.cacheHitRatio";
        let v = cx.f64_where(
            n,
            p,
            |v| v > 0.0 && v < 1.0,
            |v| format!("{v} is not a ratio between 0 and 1"),
            "write e.g. 0.95 for a hit ratio above 95 % in every month",
        );
        if v.is_some() && !has_cache {
            cx.problem(
                n,
                p,
                "there is no spec.cache to hold to it",
                "add a spec.cache section, or remove cacheHitRatio",
            );
            ok = false;
        } else {
            ok &= v.is_some();
            d.cache_hit_ratio = v;
        }
    }
    ok &= m.opt_set(cx, "window", &mut d.window_ms, |cx, n, p| {
        let v = cx.duration_ms(n, p)?;
        if v < 60_000 || v % 60_000 != 0 {
            cx.problem(n, p, "must be whole minutes", "write e.g. 5m");
            return None;
        }
        // The p95 window slides over the run: one longer than the run never fills.
        if v > ctx.duration_ms.min(MAX_SLO_WINDOW_MS) {
            cx.problem(
                n,
                p,
                "longer than the run (or than 1 day)",
                "write a window of whole minutes up to 1d and no longer than \
                 spec.simulation.duration, e.g. 5m",
            );
            return None;
        }
        Some(v)
    });
    if let Some(n) = m.opt("path") {
        let items = cx.seq(n, "spec.slo.path")?;
        let mut path = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let p = format!("spec.slo.path[{i}]");
            let Some(name) = cx.string(it, &p) else {
                ok = false;
                continue;
            };
            match ctx.service_names.iter().position(|s| *s == name) {
                Some(ix) => path.push(ix),
                None => {
                    cx.problem(
                        it,
                        &p,
                        format!("unknown service {name:?}"),
                        format!("use one of: {}", ctx.service_names.join(", ")),
                    );
                    ok = false;
                }
            }
        }
        if path.is_empty() && ok {
            cx.problem(
                n,
                "spec.slo.path",
                "the path is empty",
                "list the services a request passes through, entry first",
            );
            ok = false;
        }
        d.path = path;
    }
    if let Some(n) = m.opt("alerts") {
        let items = cx.seq(n, "spec.slo.alerts")?;
        for (i, it) in items.iter().enumerate() {
            let p = format!("spec.slo.alerts[{i}]");
            let Some(mut a) = cx.map(it, &p) else {
                ok = false;
                continue;
            };
            let name = a
                .req(cx, "name", "the alert's name")
                .and_then(|v| cx.string(v, &format!("{p}.name")));
            let metric = a
                .req(cx, "metric", "errorRate, dbConnections or latencyP95Ms")
                .and_then(|v| {
                    cx.choice(
                        v,
                        &format!("{p}.metric"),
                        &[
                            ("errorRate", AlertMetric::ErrorRate),
                            ("dbConnections", AlertMetric::DbConnections),
                            ("latencyP95Ms", AlertMetric::LatencyP95Ms),
                        ],
                    )
                });
            let above = a
                .req(cx, "above", "the threshold")
                .and_then(|v| cx.non_negative(v, &format!("{p}.above")));
            let for_ms = a.opt_or(cx, "for", 0, Cx::duration_ms);
            a.finish(cx);
            match (name, metric, above, for_ms) {
                (Some(name), Some(metric), Some(above), Some(for_ms)) => d.alerts.push(AlertRule {
                    name,
                    metric,
                    above,
                    for_ms,
                }),
                _ => ok = false,
            }
        }
    }
    m.finish(cx);
    ok.then_some(d)
}

/// A local date-time (`2026-09-25T19:00` or `2026-09-25 19:00`) → ms since the start.
fn local_ms(n: &Node, cx: &mut Cx, path: &str, ctx: &Context<'_>) -> Option<TimeMs> {
    local_ms_from(n, cx, path, ctx, false)
}

/// [`local_ms`]; with `before_ok` a time before the start is accepted (negative), e.g. the
/// anchor of a cadence.
fn local_ms_from(
    n: &Node,
    cx: &mut Cx,
    path: &str,
    ctx: &Context<'_>,
    before_ok: bool,
) -> Option<TimeMs> {
    let text = cx.scalar(n, path, "a local date and time")?;
    let dt = text
        .trim()
        .replace(' ', "T")
        .parse::<jiff::civil::DateTime>()
        .ok();
    let start = ctx
        .start
        .to_zoned_datetime(ctx.time_zone.clone())
        .ok()?
        .timestamp();
    let at = dt
        .and_then(|dt| dt.to_zoned_datetime(ctx.time_zone.clone()).ok())
        .map(|z| z.timestamp());
    match at {
        Some(at) => {
            let ms = at.as_millisecond() - start.as_millisecond();
            if (ms < 0 && !before_ok) || ms >= ctx.duration_ms {
                cx.problem(
                    n,
                    path,
                    format!("{text} is outside the simulation"),
                    "pick a time between spec.simulation.start and its end",
                );
                return None;
            }
            Some(ms)
        }
        None => {
            cx.problem(
                n,
                path,
                format!("cannot read {text:?} as a local date and time"),
                "write e.g. 2026-09-25T19:00",
            );
            None
        }
    }
}

fn decode_events(
    node: &Node,
    cx: &mut Cx,
    clouds: &[String],
    ctx: &Context<'_>,
    has_cache: bool,
) -> Option<Vec<PlatformEvent>> {
    let items = cx.seq(node, "spec.events")?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        let p = format!("spec.events[{i}]");
        let Some(mut m) = cx.map(it, &p) else {
            ok = false;
            continue;
        };
        let kind = m
            .req(cx, "type", "outage, cacheFlush or deploy")
            .and_then(|v| {
                cx.choice(
                    v,
                    &format!("{p}.type"),
                    &[("outage", 0u8), ("cacheFlush", 1), ("deploy", 2)],
                )
            });
        let ev = match kind {
            Some(0) => {
                let cloud = m
                    .req(cx, "cloud", "the cloud that fails")
                    .and_then(|v| cloud_index(v, cx, &format!("{p}.cloud"), clouds));
                let start = m
                    .req(cx, "start", "local date-time")
                    .and_then(|v| local_ms(v, cx, &format!("{p}.start"), ctx));
                let dur = m
                    .req(cx, "duration", "how long, e.g. 2h")
                    .and_then(|v| cx.positive_duration_ms(v, &format!("{p}.duration")));
                if clouds.len() < 2 && cloud.is_some() {
                    cx.problem(
                        it,
                        &format!("{p}.cloud"),
                        "an outage of the only cloud leaves nowhere to fail over to",
                        "add a second cloud in spec.clouds",
                    );
                    ok = false;
                }
                match (cloud, start, dur) {
                    (Some(cloud), Some(start_ms), Some(duration_ms)) => {
                        Some(PlatformEvent::Outage {
                            cloud,
                            start_ms,
                            duration_ms,
                        })
                    }
                    _ => None,
                }
            }
            Some(2) => {
                m.ignore(&["cloud", "start", "duration"]);
                decode_deploy(&mut m, cx, &p, ctx)
            }
            Some(_) => {
                if !has_cache {
                    cx.problem(
                        it,
                        &format!("{p}.type"),
                        "a cache flush needs spec.cache",
                        "add spec.cache or remove the event",
                    );
                    ok = false;
                }
                m.req(cx, "at", "local date-time")
                    .and_then(|v| local_ms(v, cx, &format!("{p}.at"), ctx))
                    .map(|at_ms| PlatformEvent::CacheFlush { at_ms })
            }
            None => {
                m.ignore(&[
                    "cloud",
                    "start",
                    "duration",
                    "at",
                    "service",
                    "strategy",
                    "maxSurge",
                    "maxUnavailable",
                    "canaryPercent",
                    "canaryFor",
                    "switchFor",
                    "every",
                ]);
                None
            }
        };
        m.finish(cx);
        match ev {
            Some(e) => out.push(e),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// One `type: deploy` event: which service, when (and how often), and how its pods are replaced.
fn decode_deploy(
    m: &mut MapReader<'_>,
    cx: &mut Cx,
    p: &str,
    ctx: &Context<'_>,
) -> Option<PlatformEvent> {
    let service = m.req(cx, "service", "the service to deploy").and_then(|v| {
        let path = format!("{p}.service");
        let name = cx.string(v, &path)?;
        let ix = ctx.service_names.iter().position(|s| *s == name);
        if ix.is_none() {
            let names: Vec<&str> = ctx.service_names.iter().map(String::as_str).collect();
            let hint = crate::scenario::decode::closest(&name, &names)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            cx.problem(
                v,
                &path,
                format!("unknown service {name:?}"),
                format!("{hint}use one of: {}", ctx.service_names.join(", ")),
            );
        }
        ix
    });
    let every = m.opt_read(cx, "every", |cx, v, path| {
        let ms = cx.positive_duration_ms(v, path)?;
        if ms < crate::sim::HOUR_MS {
            cx.problem(
                v,
                path,
                "deploys repeat at most once an hour",
                "write a cadence such as 7d (weekly) or 4w",
            );
            return None;
        }
        Some(ms)
    });
    // A cadence may be anchored before the run: its first occurrence inside the run counts.
    let anchored = matches!(every, Some(Some(_)));
    let at = m
        .req(cx, "at", "local date-time")
        .and_then(|v| local_ms_from(v, cx, &format!("{p}.at"), ctx, anchored));
    let strategy = m.req(cx, "strategy", "rolling or blueGreen").and_then(|v| {
        cx.choice(
            v,
            &format!("{p}.strategy"),
            &[("rolling", false), ("blueGreen", true)],
        )
    });
    let count = |cx: &mut Cx, v: &Node, path: &str| cx.int(v, path, 0, 10_000).map(|x| x as u32);
    let strategy = match strategy {
        Some(false) => {
            m.ignore(&["canaryPercent", "canaryFor", "switchFor"]);
            let surge = m.opt_or(cx, "maxSurge", 1, count);
            let unavailable = m.opt_or(cx, "maxUnavailable", 0, count);
            match (surge, unavailable) {
                (Some(0), Some(0)) => {
                    cx.problem(
                        m.opt("maxSurge").unwrap_or(m.node),
                        &format!("{p}.maxSurge"),
                        "maxSurge and maxUnavailable are both 0: the rollout could never make progress \
                         (Kubernetes rejects this Deployment)",
                        "set maxSurge: 1 (one extra pod at a time) or maxUnavailable: 1",
                    );
                    None
                }
                (Some(max_surge), Some(max_unavailable)) => Some(DeployStrategy::Rolling {
                    max_surge,
                    max_unavailable,
                }),
                _ => None,
            }
        }
        Some(true) => {
            m.ignore(&["maxSurge", "maxUnavailable"]);
            let canary = m.opt_or(cx, "canaryPercent", 10.0, |cx, v, path| {
                let x = cx.f64(v, path)?;
                if !(0.0..100.0).contains(&x) {
                    cx.problem(
                        v,
                        path,
                        format!("must be at least 0 and under 100, found {}", show(x)),
                        "write the canary's share of traffic in percent, e.g. 10 (0: no canary)",
                    );
                    return None;
                }
                Some(x)
            });
            let canary_for = m.opt_or(cx, "canaryFor", 0, |cx, v, path| cx.duration_ms(v, path));
            let switch_for = m.opt_or(cx, "switchFor", 0, |cx, v, path| cx.duration_ms(v, path));
            let mut ok = true;
            for (key, val) in [("canaryFor", canary_for), ("switchFor", switch_for)] {
                if let Some(ms) = val
                    && ms < 0
                {
                    cx.problem(
                        m.opt(key).unwrap_or(m.node),
                        &format!("{p}.{key}"),
                        "must not be negative",
                        "write a duration such as 30m (0s: none)",
                    );
                    ok = false;
                }
            }
            match (canary, canary_for, switch_for, ok) {
                (Some(canary_percent), Some(canary_ms), Some(switch_ms), true) => {
                    Some(DeployStrategy::BlueGreen {
                        canary_percent,
                        canary_ms,
                        switch_ms,
                    })
                }
                _ => None,
            }
        }
        None => {
            m.ignore(&[
                "maxSurge",
                "maxUnavailable",
                "canaryPercent",
                "canaryFor",
                "switchFor",
            ]);
            None
        }
    };
    Some(PlatformEvent::Deploy {
        service: service?,
        at_ms: at?,
        every_ms: every?,
        strategy: strategy?,
    })
}
