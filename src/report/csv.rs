//! `timeseries.csv`: one row per output interval and service.

use crate::model::RunOutput;
use crate::scenario::Scenario;

use super::{local_time, round3};

pub fn timeseries(s: &Scenario, out: &RunOutput) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "time",
        "service",
        "dau",
        "offered_rps",
        "desired_replicas",
        "desired_replicas_max",
        "ready_replicas",
        "ready_replicas_mean",
        "pods",
        "hpa_cpu_utilization_pct",
    ]);
    for r in &out.rows {
        let _ = w.write_record([
            local_time(s, r.t_ms),
            out.service_names[r.service].clone(),
            format!("{:.1}", r.dau),
            round3(r.offered_rps).to_string(),
            r.desired_replicas.to_string(),
            r.desired_replicas_max.to_string(),
            r.ready_replicas.to_string(),
            round3(r.ready_replicas_mean).to_string(),
            r.pods.to_string(),
            r.hpa_cpu_utilization_pct
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
