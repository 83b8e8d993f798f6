//! The versioned [`RunReport`] — the contract every output is a pure function of — and its
//! serializers: terminal table, `summary.json`, `timeseries.csv`. Serializers return bytes; only
//! the CLI writes files.

pub mod csv;
pub mod json;
pub mod table;

use serde::Serialize;

use crate::model::RunOutput;
use crate::scenario::Scenario;
use crate::sim::{HOUR_MS, TimeMs};

/// Bumped when a field changes meaning or disappears (adding fields keeps the version).
pub const SCHEMA_VERSION: u32 = 1;

/// The result of one run, as saved in `summary.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct RunReport {
    pub schema_version: u32,
    pub capsim_version: String,
    pub scenario: ScenarioInfo,
    pub services: Vec<ServiceSummary>,
    pub engine: EngineInfo,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    pub file: String,
    pub seed: u64,
    /// First simulated day (local midnight).
    pub start: String,
    /// Exclusive end date.
    pub end: String,
    pub time_zone: String,
    pub duration_hours: f64,
    pub output_resolution_s: f64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ServiceSummary {
    pub name: String,
    /// The HPA's bounds; `null` for a service with fixed replicas.
    pub hpa_min_replicas: Option<u32>,
    pub hpa_max_replicas: Option<u32>,
    /// `spec.replicas` (what the HPA asked for) over the run.
    pub min_replicas: u32,
    /// Time-weighted mean of `spec.replicas`.
    pub mean_replicas: f64,
    pub peak_replicas: u32,
    /// When `spec.replicas` first reached its peak (local time, RFC 3339).
    pub peak_replicas_at: String,
    /// Pod-hours of every pod that existed (starting, ready or terminating): what occupies nodes.
    pub replica_hours: f64,
    pub peak_rps: f64,
    pub peak_rps_at: String,
    pub scale_up_events: u32,
    pub scale_down_events: u32,
    /// Hours with `spec.replicas` at maxReplicas.
    pub hours_at_max_replicas: f64,
    /// Fewest Ready pods at any moment.
    pub min_ready_replicas: u32,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct EngineInfo {
    /// Discrete events the engine handled (deterministic; wall time is not recorded, so the
    /// report stays byte-identical across runs).
    pub events: u64,
}

/// Local time of a simulated instant, RFC 3339 with offset, to the second.
pub fn local_time(s: &Scenario, t_ms: TimeMs) -> String {
    let start = s.simulation.start_timestamp();
    let ts = jiff::Timestamp::from_millisecond(start.as_millisecond() + t_ms).unwrap_or(start);
    ts.to_zoned_datetime(s.simulation.time_zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Round for presentation so reports do not carry float noise (3 decimals).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl RunReport {
    pub fn build(s: &Scenario, out: &RunOutput) -> RunReport {
        let services = s
            .services
            .iter()
            .zip(&out.stats)
            .map(|(svc, st)| ServiceSummary {
                name: svc.name.clone(),
                hpa_min_replicas: svc.hpa.as_ref().map(|h| h.min_replicas as u32),
                hpa_max_replicas: svc.hpa.as_ref().map(|h| h.max_replicas as u32),
                min_replicas: st.min_replicas,
                mean_replicas: round3(st.mean_replicas(out.duration_ms)),
                peak_replicas: st.peak_replicas,
                peak_replicas_at: local_time(s, st.peak_replicas_at_ms),
                replica_hours: round3(st.replica_hours()),
                peak_rps: round3(st.peak_rps),
                peak_rps_at: local_time(s, st.peak_rps_at_ms),
                scale_up_events: st.scale_ups,
                scale_down_events: st.scale_downs,
                hours_at_max_replicas: round3(st.hours_at_max()),
                min_ready_replicas: st.ready_min,
            })
            .collect();
        RunReport {
            schema_version: SCHEMA_VERSION,
            capsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: s.name.clone(),
                description: s.description.clone(),
                file: s.file.clone(),
                seed: s.simulation.seed,
                start: s.simulation.start.to_string(),
                end: s.simulation.end.to_string(),
                time_zone: s.simulation.time_zone_name.clone(),
                duration_hours: round3(out.duration_ms as f64 / HOUR_MS as f64),
                output_resolution_s: s.simulation.output_resolution_ms as f64 / 1000.0,
            },
            services,
            engine: EngineInfo {
                events: out.events_handled,
            },
        }
    }
}
