//! Daily series in the report (what the charts draw): per local day, the peaks of traffic,
//! replicas, latency and errors per service and cloud, nodes per pool, database connections and
//! the cache's lowest hit ratio. Small enough for `summary.json` (one value per day), so every
//! chart stays a pure function of the RunReport.

use serde::{Deserialize, Serialize};

use super::{local_time, round3, round6};
use crate::model::RunOutput;
use crate::scenario::{Scenario, TrafficSource};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ServiceSeries {
    pub name: String,
    pub cloud: String,
    pub offered_rps_max: Vec<f64>,
    pub desired_replicas_max: Vec<u32>,
    pub ready_replicas_max: Vec<u32>,
    /// Worst interval p95 of the day (null when nothing was served).
    pub p95_ms_max: Vec<Option<f64>>,
    /// Failed / offered requests over the day.
    pub error_rate: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct PoolSeries {
    pub name: String,
    pub cloud: String,
    pub nodes_max: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct DailySeries {
    /// Local dates `YYYY-MM-DD`.
    pub days: Vec<String>,
    /// Holiday peaks of the scenario: (date, holiday key), for chart markers.
    pub holidays: Vec<(String, String)>,
    pub services: Vec<ServiceSeries>,
    pub node_pools: Vec<PoolSeries>,
    pub db_connections_max: Vec<Option<f64>>,
    pub db_connection_limit: Option<f64>,
    pub cache_hit_ratio_min: Vec<Option<f64>>,
}

/// Fold the run's interval rows into days.
pub fn daily(s: &Scenario, out: &RunOutput) -> DailySeries {
    let mut days: Vec<String> = Vec::new();
    let mut day_of = |t_ms: i64| -> usize {
        let d = local_time(s, t_ms)[..10].to_string();
        match days.iter().rposition(|x| *x == d) {
            Some(i) => i,
            None => {
                days.push(d);
                days.len() - 1
            }
        }
    };
    let n = out.instance_names.len();
    let mut services: Vec<ServiceSeries> = out
        .instance_names
        .iter()
        .map(|(cloud, name)| ServiceSeries {
            name: name.clone(),
            cloud: cloud.clone(),
            offered_rps_max: Vec::new(),
            desired_replicas_max: Vec::new(),
            ready_replicas_max: Vec::new(),
            p95_ms_max: Vec::new(),
            error_rate: Vec::new(),
        })
        .collect();
    let mut offered = vec![Vec::<f64>::new(); n];
    let mut failed = vec![Vec::<f64>::new(); n];
    let mut db: Vec<Option<f64>> = Vec::new();
    let mut hit: Vec<Option<f64>> = Vec::new();
    let interval_s = s.simulation.output_resolution_ms as f64 / 1000.0;
    for r in &out.rows {
        let d = day_of(r.t_ms);
        let sv = &mut services[r.service];
        for v in [&mut offered[r.service], &mut failed[r.service]] {
            if v.len() <= d {
                v.resize(d + 1, 0.0);
            }
        }
        if sv.offered_rps_max.len() <= d {
            sv.offered_rps_max.resize(d + 1, 0.0);
            sv.desired_replicas_max.resize(d + 1, 0);
            sv.ready_replicas_max.resize(d + 1, 0);
            sv.p95_ms_max.resize(d + 1, None);
        }
        sv.offered_rps_max[d] = sv.offered_rps_max[d].max(round3(r.offered_rps));
        sv.desired_replicas_max[d] = sv.desired_replicas_max[d].max(r.desired_replicas_max);
        sv.ready_replicas_max[d] = sv.ready_replicas_max[d].max(r.ready_replicas);
        if let Some(p) = r.p95_ms {
            let p = round3(p);
            sv.p95_ms_max[d] = Some(sv.p95_ms_max[d].map_or(p, |m| m.max(p)));
        }
        offered[r.service][d] += r.offered_rps * interval_s;
        failed[r.service][d] += r.failed_requests;
        if db.len() <= d {
            db.resize(d + 1, None);
            hit.resize(d + 1, None);
        }
        if let Some(c) = r.db_connections_max {
            db[d] = Some(db[d].map_or(c, |m| m.max(c)));
        }
        if let Some(h) = r.cache_hit_ratio_min {
            let h = round6(h);
            hit[d] = Some(hit[d].map_or(h, |m| m.min(h)));
        }
    }
    for (i, sv) in services.iter_mut().enumerate() {
        sv.error_rate = offered[i]
            .iter()
            .zip(&failed[i])
            .map(|(o, f)| {
                if *o > 0.0 {
                    round6((f / o).min(1.0))
                } else {
                    0.0
                }
            })
            .collect();
    }
    let mut node_pools: Vec<PoolSeries> = out
        .pools
        .iter()
        .map(|p| PoolSeries {
            name: p.name.clone(),
            cloud: p.cloud.clone(),
            nodes_max: Vec::new(),
        })
        .collect();
    for r in &out.node_rows {
        let d = day_of(r.t_ms);
        let ps = &mut node_pools[r.pool];
        if ps.nodes_max.len() <= d {
            ps.nodes_max.resize(d + 1, 0);
        }
        ps.nodes_max[d] = ps.nodes_max[d].max(r.nodes_max);
    }
    let holidays = match &s.traffic.source {
        TrafficSource::Synthetic(syn) => syn
            .holidays
            .as_ref()
            .map(|h| {
                let mut v: Vec<(String, String)> = h
                    .peaks
                    .iter()
                    .flat_map(|p| {
                        h.calendar
                            .with_key(&p.key)
                            .map(|d| (d.date.to_string(), p.key.clone()))
                    })
                    .filter(|(d, _)| days.contains(d))
                    .collect();
                v.sort();
                v.dedup();
                v
            })
            .unwrap_or_default(),
        TrafficSource::Replay(_) => Vec::new(),
    };
    DailySeries {
        days,
        holidays,
        services,
        node_pools,
        db_connections_max: db,
        db_connection_limit: out.db_connection_limit,
        cache_hit_ratio_min: hit,
    }
}

/// At most this many points per intraday window; finer rows are merged (peaks kept).
pub const INTRADAY_MAX_POINTS: usize = 1440;
/// An outage window starts this long before the outage…
const OUTAGE_BEFORE_MS: i64 = 30 * 60_000;
/// …and ends this long after the later of its end and the recovery.
const OUTAGE_AFTER_MS: i64 = 60 * 60_000;

impl DailySeries {
    /// The bottom of a hit-ratio axis: 5 points below the lowest daily minimum, on a 5 % step,
    /// not below 0 (the HTML panel and the PNG/SVG chart share it).
    pub fn cache_axis_bottom(&self) -> f64 {
        let low = self
            .cache_hit_ratio_min
            .iter()
            .flatten()
            .copied()
            .fold(1.0, f64::min);
        ((low - 0.05) * 20.0).floor().max(0.0) / 20.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct IntradayService {
    pub name: String,
    pub cloud: String,
    /// Mean offered req/s of each step (the step's largest, when steps were merged).
    pub offered_rps: Vec<f64>,
    /// Ready pods at the end of each step (the largest, when merged).
    pub ready_replicas: Vec<u32>,
    /// The step's p95 (null when nothing was served).
    pub p95_ms: Vec<Option<f64>>,
    /// Requests that failed in the step.
    pub failed_requests: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct IntradayPool {
    pub name: String,
    pub cloud: String,
    /// Ready + provisioning nodes at each step (the largest, when merged); null where the run
    /// recorded no count (its last, unfinished interval).
    pub nodes: Vec<Option<u32>>,
}

/// A stretch of the run at output resolution (or merged to at most
/// [`INTRADAY_MAX_POINTS`] steps): the peak day, or an outage with the time around it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct IntradayWindow {
    /// `peak-day` or `outage`.
    pub kind: String,
    /// What it shows, for a heading: `Peak day 2026-12-31`, `Outage of aws`.
    pub title: String,
    /// Local start of each step, `YYYY-MM-DDTHH:MM`.
    pub times: Vec<String>,
    pub step_s: f64,
    /// For an outage: the index range of `times` the cloud was down, and the step the SLO
    /// recovered in (null: no window failed).
    pub marked_from: Option<usize>,
    pub marked_to: Option<usize>,
    pub recovered_index: Option<usize>,
    pub services: Vec<IntradayService>,
    pub node_pools: Vec<IntradayPool>,
    pub db_connections_max: Vec<Option<f64>>,
    pub cache_hit_ratio_min: Vec<Option<f64>>,
}

/// The peak day (the local day holding the step with the most offered traffic over all
/// services) and each outage's window, from the run's rows.
pub fn intraday(s: &Scenario, out: &RunOutput) -> Vec<IntradayWindow> {
    let res = s.simulation.output_resolution_ms.max(1);
    let mut windows = Vec::new();
    // Total offered per step; rows come in time order, one per instance.
    let mut peak: Option<(i64, f64)> = None;
    let mut i = 0;
    while i < out.rows.len() {
        let t = out.rows[i].t_ms;
        let mut total = 0.0;
        while i < out.rows.len() && out.rows[i].t_ms == t {
            total += out.rows[i].offered_rps;
            i += 1;
        }
        if peak.is_none_or(|(_, m)| total > m) {
            peak = Some((t, total));
        }
    }
    if let Some((t, _)) = peak {
        let day = local_time(s, t)[..10].to_string();
        // The day's first and last step: scan from the peak outwards by date.
        let same_day = |t: i64| local_time(s, t).starts_with(&day);
        let mut from = t - t.rem_euclid(res);
        while from - res >= 0 && same_day(from - res) {
            from -= res;
        }
        let mut to = t - t.rem_euclid(res) + res;
        while to < out.duration_ms && same_day(to) {
            to += res;
        }
        windows.push(window(
            s,
            out,
            "peak-day",
            format!("Peak day {day}"),
            from,
            to,
            None,
            None,
        ));
    }
    for o in &out.outages {
        let from = (o.start_ms - OUTAGE_BEFORE_MS).max(0);
        let from = from - from.rem_euclid(res);
        let last = o.recovered_at_ms.unwrap_or(o.end_ms).max(o.end_ms);
        let to = (last + OUTAGE_AFTER_MS).min(out.duration_ms);
        windows.push(window(
            s,
            out,
            "outage",
            format!("Outage of {}", o.cloud),
            from,
            to,
            Some((o.start_ms, o.end_ms)),
            o.recovered_at_ms,
        ));
    }
    windows
}

#[allow(clippy::too_many_arguments)]
fn window(
    s: &Scenario,
    out: &RunOutput,
    kind: &str,
    title: String,
    from: i64,
    to: i64,
    down: Option<(i64, i64)>,
    recovered: Option<i64>,
) -> IntradayWindow {
    let res = s.simulation.output_resolution_ms.max(1);
    let steps = ((to - from + res - 1) / res).max(1) as usize;
    let merge = steps.div_ceil(INTRADAY_MAX_POINTS).max(1);
    let n = steps.div_ceil(merge);
    let step_ms = res * merge as i64;
    let idx = |t: i64| -> Option<usize> {
        (t >= from && t < to).then(|| ((t - from) / step_ms) as usize)
    };
    let times: Vec<String> = (0..n)
        .map(|k| local_time(s, from + k as i64 * step_ms)[..16].to_string())
        .collect();
    let mut services: Vec<IntradayService> = out
        .instance_names
        .iter()
        .map(|(cloud, name)| IntradayService {
            name: name.clone(),
            cloud: cloud.clone(),
            offered_rps: vec![0.0; n],
            ready_replicas: vec![0; n],
            p95_ms: vec![None; n],
            failed_requests: vec![0.0; n],
        })
        .collect();
    let mut db = vec![None::<f64>; n];
    let mut hit = vec![None::<f64>; n];
    let max_opt = |a: Option<f64>, b: f64| Some(a.map_or(b, |m| m.max(b)));
    // Rows are in time order: binary-search the window's first.
    let first = out.rows.partition_point(|r| r.t_ms < from);
    for r in out.rows[first..].iter().take_while(|r| r.t_ms < to) {
        let Some(k) = idx(r.t_ms) else { continue };
        let sv = &mut services[r.service];
        sv.offered_rps[k] = sv.offered_rps[k].max(round3(r.offered_rps));
        sv.ready_replicas[k] = sv.ready_replicas[k].max(r.ready_replicas);
        if let Some(p) = r.p95_ms {
            sv.p95_ms[k] = max_opt(sv.p95_ms[k], round3(p));
        }
        sv.failed_requests[k] = round3(sv.failed_requests[k] + r.failed_requests);
        if let Some(c) = r.db_connections_max {
            db[k] = max_opt(db[k], round3(c));
        }
        if let Some(h) = r.cache_hit_ratio_min {
            let h = round6(h);
            hit[k] = Some(hit[k].map_or(h, |m: f64| m.min(h)));
        }
    }
    let mut node_pools: Vec<IntradayPool> = out
        .pools
        .iter()
        .map(|p| IntradayPool {
            name: p.name.clone(),
            cloud: p.cloud.clone(),
            nodes: vec![None; n],
        })
        .collect();
    let first = out.node_rows.partition_point(|r| r.t_ms < from);
    for r in out.node_rows[first..].iter().take_while(|r| r.t_ms < to) {
        if let Some(k) = idx(r.t_ms) {
            let p = &mut node_pools[r.pool];
            let v = r.nodes_max;
            p.nodes[k] = Some(p.nodes[k].map_or(v, |m| m.max(v)));
        }
    }
    let clamp = |t: i64| idx(t.clamp(from, to - 1));
    IntradayWindow {
        kind: kind.to_string(),
        title,
        times,
        step_s: step_ms as f64 / 1000.0,
        marked_from: down.and_then(|(a, _)| clamp(a)),
        marked_to: down.and_then(|(_, b)| clamp(b - 1)),
        recovered_index: recovered.and_then(clamp),
        services,
        node_pools,
        db_connections_max: db,
        cache_hit_ratio_min: hit,
    }
}
