//! The recorder: samples the models into per-interval rows (the time series) and keeps the
//! running statistics the summary reports (min/mean/peak replicas, replica-hours, scale events,
//! time at maxReplicas, peak traffic, failed requests); `slo` judges SLO windows and alerts.

pub mod slo;

use crate::queueing::moments::Moments;
use crate::sim::{HOUR_MS, TimeMs};

/// One output interval of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Interval start, ms since the simulation start.
    pub t_ms: TimeMs,
    pub service: usize,
    pub dau: f64,
    /// Mean offered requests per second over the interval.
    pub offered_rps: f64,
    /// `spec.replicas` at the end of the interval, and its maximum within it.
    pub desired_replicas: u32,
    pub desired_replicas_max: u32,
    /// Ready pods at the end of the interval, and their time-weighted mean.
    pub ready_replicas: u32,
    pub ready_replicas_mean: f64,
    /// Pods that exist (starting, ready or terminating) at the end of the interval.
    pub pods: u32,
    /// CPU utilisation (percent of request) the HPA computed at its last sync in the interval.
    pub hpa_cpu_utilization_pct: Option<i32>,
    /// Requests that failed in the interval (timeouts, refused database connections, outages).
    pub failed_requests: f64,
    /// p95 response time of the requests served in the interval (two-moment fit of the
    /// interval's mixture; the SLO windows use the full mixture), when any were served.
    pub p95_ms: Option<f64>,
    /// Most connections open on the database primary during the interval.
    pub db_connections_max: Option<f64>,
    /// Lowest cache hit ratio during the interval.
    pub cache_hit_ratio_min: Option<f64>,
}

/// Running statistics of one service over the whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStats {
    pub min_replicas: u32,
    pub peak_replicas: u32,
    /// When `spec.replicas` first reached its peak.
    pub peak_replicas_at_ms: TimeMs,
    /// ∫ spec.replicas dt, for the time-weighted mean.
    pub replica_ms: f64,
    /// ∫ pods that exist dt (what occupies nodes): replica-hours = this / 1 h.
    pub pod_ms: f64,
    pub peak_rps: f64,
    pub peak_rps_at_ms: TimeMs,
    pub scale_ups: u32,
    pub scale_downs: u32,
    /// Time with spec.replicas at the HPA's maxReplicas.
    pub at_max_ms: TimeMs,
    pub ready_min: u32,
    pub offered_requests: f64,
    pub failed_requests: f64,
}

/// Per-service accumulators for the current interval and the whole run.
#[derive(Debug, Clone)]
struct Acc {
    // Current piecewise-constant state and when it last changed.
    desired: u32,
    ready: u32,
    pods: u32,
    rps: f64,
    max_replicas: Option<u32>,
    since_ms: TimeMs,
    // Interval integrals.
    rps_ms: f64,
    ready_ms: f64,
    desired_max: u32,
    /// Σ served, Σ served·mean, Σ served·E[T²] and Σ failed over the interval.
    served: f64,
    served_mean: f64,
    served_m2: f64,
    failed: f64,
    stats: ServiceStats,
}

pub struct Recorder {
    resolution_ms: TimeMs,
    interval_start_ms: TimeMs,
    acc: Vec<Acc>,
    rows: Vec<Row>,
    dau_at_start: f64,
    db_max: Option<f64>,
    hit_min: Option<f64>,
    /// Per service: the largest p95 a row may report (its timeout, s).
    p95_caps_s: Vec<f64>,
}

/// What a service looks like right now, as the recorder needs it.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub desired: u32,
    pub ready: u32,
    pub pods: u32,
    pub rps: f64,
}

impl Recorder {
    /// Cap each service's reported p95 (seconds): a served request never waits past its timeout.
    pub fn with_p95_caps(mut self, caps_s: Vec<f64>) -> Self {
        self.p95_caps_s = caps_s;
        self
    }

    pub fn new(resolution_ms: TimeMs, initial: &[(Snapshot, Option<u32>)], dau: f64) -> Self {
        let acc = initial
            .iter()
            .map(|(s, max)| Acc {
                desired: s.desired,
                ready: s.ready,
                pods: s.pods,
                rps: s.rps,
                max_replicas: *max,
                since_ms: 0,
                rps_ms: 0.0,
                ready_ms: 0.0,
                desired_max: s.desired,
                served: 0.0,
                served_mean: 0.0,
                served_m2: 0.0,
                failed: 0.0,
                stats: ServiceStats {
                    min_replicas: s.desired,
                    peak_replicas: s.desired,
                    peak_replicas_at_ms: 0,
                    replica_ms: 0.0,
                    pod_ms: 0.0,
                    peak_rps: s.rps,
                    peak_rps_at_ms: 0,
                    scale_ups: 0,
                    scale_downs: 0,
                    at_max_ms: 0,
                    ready_min: s.ready,
                    offered_requests: 0.0,
                    failed_requests: 0.0,
                },
            })
            .collect();
        Recorder {
            resolution_ms,
            interval_start_ms: 0,
            acc,
            rows: Vec::new(),
            dau_at_start: dau,
            db_max: None,
            hit_min: None,
            p95_caps_s: Vec::new(),
        }
    }

    /// Close the piece of constant state that ends at `now`.
    fn advance(a: &mut Acc, now: TimeMs) {
        let dt = now - a.since_ms;
        if dt <= 0 {
            return;
        }
        let dtf = dt as f64;
        a.rps_ms += a.rps * dtf;
        a.ready_ms += f64::from(a.ready) * dtf;
        a.stats.replica_ms += f64::from(a.desired) * dtf;
        a.stats.pod_ms += f64::from(a.pods) * dtf;
        if a.max_replicas == Some(a.desired) {
            a.stats.at_max_ms += dt;
        }
        a.since_ms = now;
    }

    /// A service's state changed at `now` (call after the change).
    pub fn update(&mut self, now: TimeMs, service: usize, s: Snapshot) {
        let a = &mut self.acc[service];
        Self::advance(a, now);
        if s.desired > a.desired {
            a.stats.scale_ups += 1;
        } else if s.desired < a.desired {
            a.stats.scale_downs += 1;
        }
        if s.desired > a.stats.peak_replicas {
            a.stats.peak_replicas = s.desired;
            a.stats.peak_replicas_at_ms = now;
        }
        a.stats.min_replicas = a.stats.min_replicas.min(s.desired);
        a.stats.ready_min = a.stats.ready_min.min(s.ready);
        if s.rps > a.stats.peak_rps {
            a.stats.peak_rps = s.rps;
            a.stats.peak_rps_at_ms = now;
        }
        a.desired_max = a.desired_max.max(s.desired);
        a.desired = s.desired;
        a.ready = s.ready;
        a.pods = s.pods;
        a.rps = s.rps;
    }

    /// Requests of one service over a step: offered, failed, and the moments of those served.
    pub fn add_quality(
        &mut self,
        service: usize,
        offered: f64,
        failed: f64,
        served: f64,
        m: Moments,
    ) {
        let a = &mut self.acc[service];
        a.served += served;
        a.served_mean += served * m.mean_s;
        a.served_m2 += served * (m.var_s2 + m.mean_s * m.mean_s);
        a.failed += failed;
        a.stats.offered_requests += offered;
        a.stats.failed_requests += failed;
    }

    /// Platform-wide values of a step.
    pub fn add_platform(&mut self, db_connections: Option<f64>, hit_ratio: Option<f64>) {
        if let Some(c) = db_connections {
            self.db_max = Some(self.db_max.map_or(c, |m| m.max(c)));
        }
        if let Some(h) = hit_ratio {
            self.hit_min = Some(self.hit_min.map_or(h, |m| m.min(h)));
        }
    }

    /// Close the interval ending at `now`: one row per service.
    pub fn close_interval(&mut self, now: TimeMs, dau_now: f64, hpa_cpu: &[Option<i32>]) {
        let len = (now - self.interval_start_ms).max(1) as f64;
        let dau = 0.5 * (self.dau_at_start + dau_now);
        for (i, a) in self.acc.iter_mut().enumerate() {
            Self::advance(a, now);
            self.rows.push(Row {
                t_ms: self.interval_start_ms,
                service: i,
                dau,
                offered_rps: a.rps_ms / len,
                desired_replicas: a.desired,
                desired_replicas_max: a.desired_max,
                ready_replicas: a.ready,
                ready_replicas_mean: a.ready_ms / len,
                pods: a.pods,
                hpa_cpu_utilization_pct: hpa_cpu.get(i).copied().flatten(),
                failed_requests: a.failed,
                p95_ms: (a.served > 0.0).then(|| {
                    let mean = a.served_mean / a.served;
                    let var = (a.served_m2 / a.served - mean * mean).max(0.0);
                    Moments {
                        mean_s: mean,
                        var_s2: var,
                    }
                    .quantile(0.95)
                    .min(self.p95_caps_s.get(i).copied().unwrap_or(f64::INFINITY))
                        * 1000.0
                }),
                db_connections_max: self.db_max,
                cache_hit_ratio_min: self.hit_min,
            });
            a.served = 0.0;
            a.served_mean = 0.0;
            a.served_m2 = 0.0;
            a.failed = 0.0;
            a.rps_ms = 0.0;
            a.ready_ms = 0.0;
            a.desired_max = a.desired;
        }
        self.interval_start_ms = now;
        self.dau_at_start = dau_now;
        self.db_max = None;
        self.hit_min = None;
    }

    pub fn interval_start_ms(&self) -> TimeMs {
        self.interval_start_ms
    }

    pub fn resolution_ms(&self) -> TimeMs {
        self.resolution_ms
    }

    /// Finish at `end` and hand back the rows and each service's statistics.
    pub fn finish(mut self, end: TimeMs) -> (Vec<Row>, Vec<ServiceStats>) {
        for a in &mut self.acc {
            Self::advance(a, end);
        }
        (self.rows, self.acc.into_iter().map(|a| a.stats).collect())
    }
}

impl ServiceStats {
    pub fn mean_replicas(&self, duration_ms: TimeMs) -> f64 {
        self.replica_ms / duration_ms.max(1) as f64
    }
    pub fn replica_hours(&self) -> f64 {
        self.pod_ms / HOUR_MS as f64
    }
    pub fn hours_at_max(&self) -> f64 {
        self.at_max_ms as f64 / HOUR_MS as f64
    }
}
