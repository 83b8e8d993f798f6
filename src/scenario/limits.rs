//! Limits: the largest inputs capsim accepts, and the work and memory a valid scenario would
//! take (events, output rows, pods), checked before a run so a typo cannot start an hours-long
//! run or fill the disk.
//!
//! Input limits are ranges in the decoder (a value above them is rejected with the allowed
//! range). Work limits are estimates from the validated [`Scenario`]: `capsim` refuses a run over
//! them unless `--allow-large` says the user means it.

use super::Scenario;
use crate::error::Problem;
use crate::sim::TimeMs;

/// The most daily active users a milestone or a logistic capacity may name (above every
/// product on Earth; keeps page views, requests and their cost inside integer money).
pub const MAX_DAU: f64 = 1e10;
/// The most page views per DAU per day.
pub const MAX_PAGE_VIEWS_PER_DAU_PER_DAY: f64 = 1e5;
/// The most requests a service receives per page view.
pub const MAX_REQUESTS_PER_PAGE_VIEW: f64 = 1e5;
/// The largest relative weight (profile hours and days, cloud shares): weights only matter
/// relative to each other, and a bound keeps their sum finite.
pub const MAX_WEIGHT: f64 = 1e9;
/// The largest holiday multiplier.
pub const MAX_HOLIDAY_MULTIPLIER: f64 = 1e3;
/// The longest holiday ramp, in hours (a month).
pub const MAX_RAMP_HOURS: f64 = 720.0;
/// The largest coefficient of variation of a service time.
pub const MAX_SERVICE_TIME_CV: f64 = 100.0;
/// The most database queries per request.
pub const MAX_QUERIES_PER_REQUEST: f64 = 1e4;
/// The most spot interruptions per node and day (one a minute).
pub const MAX_SPOT_INTERRUPTIONS_PER_NODE_DAY: f64 = 1440.0;
/// The most instances (or GB, or units) one fixed-inventory line may count. Instance-hour lines
/// are priced per instance, so a count becomes that many per-instance levels.
pub const MAX_INVENTORY_COUNT: f64 = 1e5;
/// The shortest period of the HPA sync, metrics-server's resolution and the autoscaler scan:
/// below a second the simulation does work no controller does.
pub const MIN_CONTROL_PERIOD_MS: TimeMs = 1_000;

/// How often offered traffic is recomputed (and the noise advanced). Defined here, below the
/// model that schedules by it, so that the work estimate counts the same events.
pub const TRAFFIC_STEP_MS: TimeMs = 15_000;
/// How often latency, errors, the database, the cache and the SLOs are evaluated (or at every
/// output interval, when that is shorter: [`eval_period_ms`]).
pub const EVAL_STEP_MS: TimeMs = 60_000;

/// Estimated simulation events beyond which a run needs `--allow-large`: about 20 years of
/// `scenarios/heal7.yaml` (~22 M events a year, ~3 s in a release build), so roughly a minute.
pub const MAX_EVENTS: u64 = 500_000_000;
/// Estimated `timeseries.csv` rows (intervals × services × clouds) beyond which a run needs
/// `--allow-large`: 1.5 M rows is ~500 MB of CSV and the memory to hold it.
pub const MAX_OUTPUT_ROWS: u64 = 1_500_000;
/// Pods at the start of a run (initial replicas over every service and cloud) beyond which a
/// run needs `--allow-large`: every pod is simulated one by one.
pub const MAX_INITIAL_PODS: u64 = 20_000;
/// Sweep worker threads beyond which `capsim sweep` needs `--allow-large` (each thread runs
/// one simulation and holds its memory).
pub const MAX_THREADS: usize = 256;

/// What a run of a scenario will cost, estimated before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Engine events: traffic ticks, HPA syncs, evaluations, output intervals, autoscaler scans.
    pub events: u64,
    /// Rows of `timeseries.csv`.
    pub output_rows: u64,
    /// Pods that exist at t = 0.
    pub initial_pods: u64,
}

fn gcd(a: TimeMs, b: TimeMs) -> TimeMs {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The traffic tick of a run of `s`: every 15 s, or at every scrape that does not divide it.
pub fn tick_period_ms(s: &Scenario) -> TimeMs {
    gcd(TRAFFIC_STEP_MS, s.kubernetes.metric_resolution_ms.max(1))
}

/// The evaluation period of a run of `s`: every minute, or at every output interval that does
/// not divide one, so a step's failures and latencies belong to the rows it covers.
pub fn eval_period_ms(s: &Scenario) -> TimeMs {
    gcd(EVAL_STEP_MS, s.simulation.output_resolution_ms.max(1))
}

/// How many times a timer of `period_ms` fires over `duration_ms` (≥ 1 ms periods only).
fn fires(duration_ms: TimeMs, period_ms: TimeMs) -> u64 {
    (duration_ms.max(0) / period_ms.max(1)) as u64 + 1
}

/// Estimate the work of one run of `s`.
pub fn estimate(s: &Scenario) -> Work {
    let d = s.simulation.duration_ms;
    let instances = (s.services.len() * s.platform.clouds.len()) as u64;
    let tick_ms = tick_period_ms(s);
    let scans = match &s.platform.cluster {
        Some(c) => s.platform.clouds.len() as u64 * fires(d, c.autoscaler.scan_interval_ms.max(1)),
        None => 0,
    };
    let events = fires(d, tick_ms)
        .saturating_add(instances.saturating_mul(fires(d, s.kubernetes.hpa_sync_period_ms)))
        .saturating_add(fires(d, eval_period_ms(s)))
        .saturating_add(fires(d, s.simulation.output_resolution_ms))
        .saturating_add(scans);
    let output_rows = instances.saturating_mul(fires(d, s.simulation.output_resolution_ms));
    let per_cloud: u64 = s
        .services
        .iter()
        .map(|x| u64::from(x.initial_replicas))
        .sum();
    Work {
        events,
        output_rows,
        initial_pods: per_cloud.saturating_mul(s.platform.clouds.len() as u64),
    }
}

/// The work limits `s` breaks, each as a problem naming the field that drives it.
pub fn check(s: &Scenario) -> Vec<Problem> {
    let w = estimate(s);
    let mut out = Vec::new();
    let over = |what: String, field: &str, fix: &str| {
        Problem::new(
            &s.file,
            field,
            what,
            format!("{fix}, or pass --allow-large if you mean it"),
        )
        .at(super::position_of(std::path::Path::new(&s.file), field))
    };
    if w.events > MAX_EVENTS {
        out.push(over(
            format!(
                "the run would take about {} simulation events, more than the {} capsim runs \
                 without --allow-large",
                w.events, MAX_EVENTS
            ),
            "spec.simulation.duration",
            "shorten spec.simulation.duration or lengthen hpaController.syncPeriod, \
             metricsServer.metricResolution or the autoscaler's scanInterval",
        ));
    }
    if w.output_rows > MAX_OUTPUT_ROWS {
        out.push(over(
            format!(
                "timeseries.csv would have about {} rows, more than the {} capsim writes without \
                 --allow-large",
                w.output_rows, MAX_OUTPUT_ROWS
            ),
            "spec.simulation.outputResolution",
            "use a coarser outputResolution (e.g. 1h) or a shorter duration",
        ));
    }
    if w.initial_pods > MAX_INITIAL_PODS {
        out.push(over(
            format!(
                "the run would start {} pods, more than the {} capsim simulates without \
                 --allow-large",
                w.initial_pods, MAX_INITIAL_PODS
            ),
            "spec.services",
            "lower initialReplicas (or hpa.minReplicas)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_counts_the_first_firing() {
        assert_eq!(fires(0, 1000), 1);
        assert_eq!(fires(60_000, 15_000), 5);
        assert_eq!(fires(-5, 1000), 1);
    }
}
