//! `timeseries.csv` (one row per output interval and service), `nodes.csv`, and the in-memory CSV
//! writer they and `cost_monthly.csv` share.

use crate::model::RunOutput;
use crate::scenario::Scenario;

use super::local_time;

/// The columns of `timeseries.csv`.
pub const TIMESERIES_HEADER: [&str; 16] = [
    "time",
    "cloud",
    "service",
    "dau",
    "offered_rps",
    "desired_replicas",
    "desired_replicas_max",
    "ready_replicas",
    "ready_replicas_mean",
    "pods",
    "hpa_cpu_utilization_pct",
    "failed_requests",
    "error_rate",
    "p95_ms",
    "db_connections_max",
    "cache_hit_ratio_min",
];

/// A float column's cell: always `decimals` places, so every reader types the column as a float
/// (a bare `3` in most rows made polars fail and duckdb round `3.557` to an integer).
pub(crate) fn fixed(x: f64, decimals: usize) -> String {
    // −0.0 prints as "-0.000": write it as zero.
    format!("{:.*}", decimals, if x == 0.0 { 0.0 } else { x })
}

/// A CSV file in memory: `header`, then `records`. Every record is an array as long as the header
/// (the compiler checks it), so the writer, which refuses rows of another length, cannot fail.
pub(crate) fn write<const N: usize>(
    header: [&str; N],
    records: impl IntoIterator<Item = [String; N]>,
) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)
        .expect("writing a CSV header to memory cannot fail");
    for record in records {
        w.write_record(&record)
            .expect("writing a CSV record of the header's length to memory cannot fail");
    }
    w.into_inner()
        .expect("flushing a CSV writer into memory cannot fail")
}

pub fn timeseries(s: &Scenario, out: &RunOutput) -> Vec<u8> {
    let records = out.rows.iter().map(|r| {
        [
            local_time(s, r.t_ms),
            out.instance_names[r.service].0.clone(),
            out.instance_names[r.service].1.clone(),
            fixed(r.dau, 1),
            fixed(r.offered_rps, 3),
            r.desired_replicas.to_string(),
            r.desired_replicas_max.to_string(),
            r.ready_replicas.to_string(),
            fixed(r.ready_replicas_mean, 3),
            r.pods.to_string(),
            r.hpa_cpu_utilization_pct
                .map(|v| v.to_string())
                .unwrap_or_default(),
            fixed(r.failed_requests, 3),
            {
                let offered = r.offered_rps * s.simulation.output_resolution_ms as f64 / 1000.0;
                if offered > 0.0 {
                    fixed((r.failed_requests / offered).min(1.0), 6)
                } else {
                    fixed(0.0, 6)
                }
            },
            r.p95_ms.map(|v| fixed(v, 3)).unwrap_or_default(),
            r.db_connections_max
                .map(|v| fixed(v, 3))
                .unwrap_or_default(),
            r.cache_hit_ratio_min
                .map(|v| fixed(v, 6))
                .unwrap_or_default(),
        ]
    });
    write(TIMESERIES_HEADER, records)
}

/// `nodes.csv`: node counts per pool at the end of each output interval.
pub fn nodes(s: &Scenario, out: &RunOutput) -> Vec<u8> {
    let header = [
        "time",
        "cloud",
        "pool",
        "instance_type",
        "capacity_type",
        "ready_nodes",
        "provisioning_nodes",
        "nodes_max",
    ];
    let records = out.node_rows.iter().map(|r| {
        let p = &out.pools[r.pool];
        [
            local_time(s, r.t_ms),
            p.cloud.clone(),
            p.name.clone(),
            p.instance_type.clone(),
            if p.spot { "spot" } else { "on-demand" }.to_string(),
            r.ready.to_string(),
            r.provisioning.to_string(),
            r.nodes_max.to_string(),
        ]
    });
    write(header, records)
}
