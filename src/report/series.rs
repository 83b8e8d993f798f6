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
        ps.nodes_max[d] = ps.nodes_max[d].max(r.ready + r.provisioning);
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
