//! Scenario files: the YAML format (`apiVersion: capsim/v1alpha1`, `kind: Scenario`), loading,
//! and the validated [`Scenario`] every later stage takes.
//!
//! `yaml` builds a position-carrying node tree; `spec` walks it into typed values, checking units,
//! ranges and cross-field rules and collecting every problem at once; [`load`] adds the files a
//! scenario points at (holiday calendar, replayed traffic).

pub mod check_spec;
pub mod cost_spec;
mod decode;
pub mod holidays;
pub mod hpa_spec;
pub mod limits;
pub mod platform;
pub mod replay;
mod spec;
pub mod units;
pub mod yaml;

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::error::{Error, Problem, Result};
use crate::sim::TimeMs;
use holidays::HolidayCalendar;

pub use hpa_spec::HpaSpec;
pub use platform::Platform;

/// The bundled Korean holiday calendar, used when a scenario names `builtin:KR` (the default).
pub const BUILTIN_KR_HOLIDAYS: &str = include_str!("../../data/holidays/kr.csv");

/// A validated scenario: every value has its unit, every cross-field rule holds.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `metadata.name`; names the default output folder.
    pub name: String,
    pub description: String,
    /// The file the scenario came from, as the user named it.
    pub file: String,
    pub simulation: Simulation,
    pub traffic: Traffic,
    pub services: Vec<Service>,
    pub kubernetes: Kubernetes,
    /// Clouds, nodes, database, cache, SLOs and events.
    pub platform: Platform,
    /// Price book, usage assumptions and fixed environments for the cost report.
    pub cost: cost_spec::CostCfg,
    /// The CI gate's rules (`capsim check`); empty when the scenario sets none.
    pub check: check_spec::CheckCfg,
}

/// Time frame, calendar and output settings.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub start: Date,
    /// Exclusive end date (start + duration, in calendar terms).
    pub end: Date,
    pub time_zone: TimeZone,
    pub time_zone_name: String,
    /// Length of the run in milliseconds (accounts for DST transitions in the zone).
    pub duration_ms: TimeMs,
    pub seed: u64,
    pub output_resolution_ms: TimeMs,
}

impl Simulation {
    /// The instant the simulation starts: local midnight of `start`.
    pub fn start_timestamp(&self) -> jiff::Timestamp {
        self.start
            .to_zoned_datetime(self.time_zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Local midnight of `d`, in ms since the simulation start (0 for a date the zone cannot
    /// place; decoding has already rejected runs outside the supported range).
    pub fn ms_of_date(&self, d: Date) -> TimeMs {
        let start = self.start_timestamp().as_millisecond();
        d.to_zoned_datetime(self.time_zone.clone())
            .map(|z| z.timestamp().as_millisecond() - start)
            .unwrap_or(0)
    }
}

/// Where demand comes from.
#[derive(Debug, Clone)]
pub struct Traffic {
    pub source: TrafficSource,
    pub noise: Option<Noise>,
}

#[derive(Debug, Clone)]
pub enum TrafficSource {
    Synthetic(Box<Synthetic>),
    Replay(Replay),
}

/// DAU growth × page views × daily/weekly profiles × holiday peaks.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub dau: DauCurve,
    pub page_views_per_dau_per_day: f64,
    /// 24 weights, hour 0..23 local time, normalised to mean 1.
    pub daily_profile: [f64; 24],
    /// 7 weights, Monday..Sunday, normalised to mean 1.
    pub weekly_profile: [f64; 7],
    pub holidays: Option<HolidayPeaks>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    Linear,
    /// Constant growth rate between milestones (linear in log DAU).
    Exponential,
    /// Logistic towards `capacity` (linear in logit DAU/capacity).
    Logistic,
}

#[derive(Debug, Clone)]
pub struct DauCurve {
    pub interpolation: Interpolation,
    /// (date, DAU), strictly increasing dates.
    pub milestones: Vec<(Date, f64)>,
    /// Carrying capacity for logistic growth (above every milestone).
    pub capacity: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct HolidayPeaks {
    pub calendar: HolidayCalendar,
    pub peaks: Vec<HolidayPeak>,
}

/// Traffic on every day of holiday `key` is multiplied by `multiplier`, ramping linearly over
/// `ramp_ms` before the first and after the last day.
#[derive(Debug, Clone)]
pub struct HolidayPeak {
    pub key: String,
    pub multiplier: f64,
    pub ramp_ms: TimeMs,
}

/// A recorded series of page views per second, held from each timestamp to the next.
#[derive(Debug, Clone)]
pub struct Replay {
    pub file: PathBuf,
    /// (ms since the scenario start, page views per second), sorted.
    pub points: Vec<(TimeMs, f64)>,
}

/// Multiplicative log-normal noise with AR(1) (Ornstein–Uhlenbeck) correlation.
#[derive(Debug, Clone, Copy)]
pub struct Noise {
    /// Standard deviation of log traffic.
    pub sigma: f64,
    pub correlation_time_ms: TimeMs,
}

/// One Deployment and its HPA.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub requests_per_page_view: f64,
    /// CPU time one request costs, in CPU-milliseconds (so rps × this = millicores).
    pub cpu_per_request_ms: f64,
    /// CPU a pod burns with no traffic, in millicores.
    pub idle_cpu_milli: f64,
    /// Mean time a request spends being served, in milliseconds.
    pub service_time_ms: f64,
    pub concurrency_per_pod: u32,
    pub cpu_request_milli: i64,
    pub memory_request_bytes: i64,
    pub cpu_limit_milli: Option<i64>,
    pub memory_limit_bytes: Option<i64>,
    /// Memory a pod holds with no requests in flight.
    pub memory_baseline_bytes: i64,
    /// Extra memory per request in flight (Little's law: in flight = rps × service time).
    pub memory_per_inflight_bytes: i64,
    /// From scheduling to the container running (image pull, container start).
    pub startup_delay_ms: TimeMs,
    /// From the container running to the Ready condition (readiness probe).
    pub readiness_delay_ms: TimeMs,
    /// From deletion to the pod being gone (graceful shutdown).
    pub termination_delay_ms: TimeMs,
    pub initial_replicas: u32,
    pub hpa: Option<HpaSpec>,
    pub service_time_dist: ServiceTimeDist,
    /// Requests that would wait longer than this fail.
    pub timeout_ms: TimeMs,
    pub database: Option<ServiceDb>,
    /// Node pools its pods may use (`nodePools`, like a nodeSelector on the pool label, with the
    /// toleration of a dedicated pool's taint). Empty: any pool that is not dedicated. A service
    /// that names pools runs only in the clouds of those pools; the other clouds' users reach
    /// it there.
    pub node_pools: Vec<String>,
}

/// The distribution of a request's service time (mean `service_time_ms`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTimeDist {
    Exponential,
    Deterministic,
    /// Any distribution with this coefficient of variation (an approximation is used).
    General(f64),
}

/// How a service uses the database.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceDb {
    /// Connections each Ready pod holds to the primary (and to its cloud's replica).
    pub pool_size: u32,
    /// Queries per request before the cache; reads that hit the cache never reach the database.
    pub queries_per_request: f64,
    /// Share of queries that are writes (to the primary, never cached).
    pub write_fraction: f64,
}

/// Cluster-side settings: the HPA controller's flags and metrics-server.
#[derive(Debug, Clone)]
pub struct Kubernetes {
    pub hpa_sync_period_ms: TimeMs,
    pub tolerance: f64,
    pub cpu_initialization_period_ms: TimeMs,
    pub initial_readiness_delay_ms: TimeMs,
    pub downscale_stabilization_ms: TimeMs,
    /// metrics-server's scrape interval (`--metric-resolution`, default 15 s).
    pub metric_resolution_ms: TimeMs,
    /// `HPAConfigurableTolerance` feature gate (beta, on by default since 1.34).
    pub configurable_tolerance: bool,
}

impl Default for Kubernetes {
    fn default() -> Self {
        Kubernetes {
            hpa_sync_period_ms: 15_000,
            tolerance: 0.1,
            cpu_initialization_period_ms: 300_000,
            initial_readiness_delay_ms: 30_000,
            downscale_stabilization_ms: 300_000,
            metric_resolution_ms: 15_000,
            configurable_tolerance: true,
        }
    }
}

/// Read, parse and validate a scenario file, and load the files it points at.
pub fn load(path: &Path) -> Result<Scenario> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    parse(
        &text,
        &path.display().to_string(),
        path.parent().unwrap_or(Path::new(".")),
    )
}

/// Where a dotted field path (`spec.cluster.nodePools.a.instanceType`, `spec.x.items[2].sku`)
/// starts in the scenario file `path`, for problems found after decoding (a SKU the price book
/// lacks). `None` when the file or the field is not there (a default, say).
pub fn position_of(path: &Path, field: &str) -> Option<(usize, usize)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut node = yaml::parse(&text, "").ok()?;
    let mut found = (node.line, node.col);
    for part in field.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let yaml::Value::Map(entries) = &node.value else {
            return None;
        };
        let (k, v) = entries
            .iter()
            .find(|(k, _)| matches!(&k.value, yaml::Value::Scalar { text, .. } if text == key))?;
        found = (k.line, k.col);
        node = v.clone();
        if let Some(i) = index {
            let yaml::Value::Seq(items) = &node.value else {
                return None;
            };
            node = items.get(i)?.clone();
            found = (node.line, node.col);
        }
    }
    Some(found)
}

/// Parse and validate scenario text; relative file references resolve against `base_dir`.
pub fn parse(text: &str, file: &str, base_dir: &Path) -> Result<Scenario> {
    let root = yaml::parse(text, file).map_err(Error::Invalid)?;
    decode_tree(&root, file, base_dir)
}

/// Validate an already parsed (and perhaps edited, as `capsim sweep --set` does) scenario tree.
pub fn decode_tree(root: &yaml::Node, file: &str, base_dir: &Path) -> Result<Scenario> {
    let mut cx = decode::Cx::new(file);
    let scenario = spec::decode_scenario(root, &mut cx, base_dir);
    match scenario {
        Some(s) if cx.problems.is_empty() => Ok(s),
        _ => {
            if cx.problems.is_empty() {
                cx.problems.push(Problem::new(
                    file,
                    "",
                    "the scenario is not valid",
                    "see the format in README.md",
                ));
            }
            Err(Error::Invalid(cx.problems))
        }
    }
}
