//! Latency and errors of one service instance over one step: the pooled queue over
//! ready pods × concurrency (Erlang C from `crate::queueing`), CPU throttling at the limit, a fluid
//! backlog when capacity falls short, and timeouts; during a blue-green's canary, two such queues
//! (blue and green) whose served requests are mixed. Response times are
//! [`Moments`](crate::queueing::moments::Moments).

use crate::queueing::moments::Moments;
use crate::queueing::{self, Queue, ServiceDist};
use crate::scenario::{Service, ServiceTimeDist};

/// The queue-relevant numbers of one service, fixed for a run.
#[derive(Debug, Clone, Copy)]
pub struct ServiceQueueCfg {
    pub service_time_s: f64,
    pub cpu_per_request_s: f64,
    /// CPU limit in cores (None = unlimited).
    pub cpu_limit_cores: Option<f64>,
    pub concurrency: u32,
    /// The service-time distribution, converted once for the queueing formulas.
    pub dist: ServiceDist,
    pub timeout_s: f64,
}

impl ServiceQueueCfg {
    pub fn of(s: &Service) -> Self {
        ServiceQueueCfg {
            service_time_s: s.service_time_ms / 1000.0,
            cpu_per_request_s: s.cpu_per_request_ms / 1000.0,
            cpu_limit_cores: s.cpu_limit_milli.map(|l| l as f64 / 1000.0),
            concurrency: s.concurrency_per_pod,
            dist: match s.service_time_dist {
                ServiceTimeDist::Exponential => ServiceDist::Exponential,
                ServiceTimeDist::Deterministic => ServiceDist::Deterministic,
                ServiceTimeDist::General(cv) => ServiceDist::General { cv },
            },
            timeout_s: s.timeout_ms as f64 / 1000.0,
        }
    }

    /// Service time at CPU demand `u` (share of the limit): the CPU part of a request runs at
    /// most at min(1 core, limit) and is shared processor-sharing style by the requests in flight,
    /// so it slows by 1/(1 − u). None when the pod is CPU-saturated (u ≥ 1).
    fn effective_service_time(&self, rps_per_pod: f64) -> Option<f64> {
        let Some(limit) = self.cpu_limit_cores else {
            return Some(self.service_time_s);
        };
        let cpu = self.cpu_per_request_s.min(self.service_time_s);
        let u = rps_per_pod * self.cpu_per_request_s / limit;
        if u >= 1.0 {
            return None;
        }
        Some(self.service_time_s - cpu + cpu / limit.min(1.0) / (1.0 - u))
    }

    /// Most requests per second one pod completes (CPU- or concurrency-bound).
    fn pod_capacity_rps(&self) -> f64 {
        let slots = f64::from(self.concurrency) / self.service_time_s;
        match self.cpu_limit_cores {
            Some(l) if self.cpu_per_request_s > 0.0 => slots.min(l / self.cpu_per_request_s),
            _ => slots,
        }
    }

    fn service_var(&self, s: f64) -> f64 {
        match self.dist {
            ServiceDist::Exponential => s * s,
            ServiceDist::Deterministic => 0.0,
            ServiceDist::General { cv } => (cv * s).powi(2),
        }
    }
}

/// What one step of one service instance produced.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepOutcome {
    /// Requests offered during the step.
    pub offered: f64,
    /// Requests that failed by timeout (queue or backlog).
    pub timed_out: f64,
    /// Response-time moments of the requests that were served.
    pub response: Moments,
    /// Mean servers busy / servers (0..1; 1 when overloaded).
    pub utilisation: f64,
}

/// Evaluate one step of `dt_s` seconds with `rps` offered to `pods` ready pods, carrying the
/// fluid `backlog` (requests) across steps.
pub fn step(
    cfg: &ServiceQueueCfg,
    rps: f64,
    pods: u32,
    dt_s: f64,
    backlog: &mut f64,
) -> StepOutcome {
    let offered = rps * dt_s;
    if pods == 0 {
        // Nobody to serve: everything waits, and what waits past the timeout fails.
        *backlog += offered;
        let dropped = *backlog;
        *backlog = 0.0;
        return StepOutcome {
            offered,
            timed_out: dropped,
            response: Moments::ZERO,
            utilisation: 1.0,
        };
    }
    let n = f64::from(pods);
    let per_pod = rps / n;
    let stable_s = cfg.effective_service_time(per_pod);
    let servers = pods.saturating_mul(cfg.concurrency).max(1);
    if let Some(s) = stable_s.filter(|s| rps * s < f64::from(servers) * 0.999) {
        let q = Queue {
            arrival_rate_per_s: rps.max(1e-12),
            service_rate_per_s: 1.0 / s,
            servers,
            service: cfg.dist,
        };
        let (p_wait, wq_mean) = queueing::wait_summary(&q);
        // Wait: 0 with probability 1 − C, else exponential with mean wq/C (exact for M/M/c; the
        // same shape around the approximated mean otherwise).
        let wq_var = if p_wait > 0.0 {
            2.0 * wq_mean * wq_mean / p_wait - wq_mean * wq_mean
        } else {
            0.0
        };
        // A leftover backlog drains at the spare capacity and adds its wait.
        let cap = n * cfg.pod_capacity_rps().min(f64::from(cfg.concurrency) / s);
        let backlog_wait = if *backlog > 0.0 { *backlog / cap } else { 0.0 };
        *backlog = (*backlog - (cap - rps).max(0.0) * dt_s).max(0.0);
        let response = Moments {
            mean_s: wq_mean + s + backlog_wait,
            var_s2: wq_var + cfg.service_var(s),
        };
        // What would take longer than the timeout fails; the served keep what finished in time.
        let (response, late) = response.truncated(cfg.timeout_s);
        return StepOutcome {
            offered,
            timed_out: offered * late,
            response,
            utilisation: rps * s / f64::from(servers),
        };
    }
    // Overloaded: the pods complete `cap` requests a second; the rest queue up, and whatever would
    // wait longer than the timeout fails.
    let cap = n * cfg.pod_capacity_rps();
    let s_sat = f64::from(cfg.concurrency) / cfg.pod_capacity_rps();
    let start = *backlog;
    *backlog = (*backlog + (rps - cap) * dt_s).max(0.0);
    let max_backlog = cap * cfg.timeout_s;
    let mut timed_out = 0.0;
    if *backlog > max_backlog {
        timed_out = *backlog - max_backlog;
        *backlog = max_backlog;
    }
    let wait = 0.5 * (start + *backlog) / cap;
    let response = Moments {
        mean_s: wait + s_sat,
        var_s2: cfg.service_var(s_sat) + (wait * wait) / 3.0,
    };
    // The pods complete `cap` requests a second whatever happens, and the backlog is already
    // held to what they can serve within the timeout, so the failures are counted; what is
    // left is the shape of the served times, which cannot reach past the timeout (the fit's
    // tail would: a p95 of several timeouts).
    let (response, _) = response.truncated(cfg.timeout_s);
    StepOutcome {
        offered,
        timed_out: timed_out.min(offered),
        response,
        utilisation: 1.0,
    }
}

/// One step of a blue-green's canary: the ingress splits the requests by weight before they
/// queue, so blue's and green's Ready pods are two queues — blue with (1 − `green_share`)·rps
/// over `blue_pods`, green with `green_share`·rps over `green_pods` —, each carrying its own
/// fluid backlog (`backlogs`: blue's, green's). Offered and timed-out requests add up; the
/// served requests' response time is the mixture of the two groups weighted by the requests
/// each served, carried as its exact first two moments (a single [`Moments`], as a request
/// path sums one per hop).
pub fn step_split(
    cfg: &ServiceQueueCfg,
    rps: f64,
    (blue_pods, green_pods): (u32, u32),
    green_share: f64,
    dt_s: f64,
    (blue_backlog, green_backlog): (&mut f64, &mut f64),
) -> StepOutcome {
    let blue = step(
        cfg,
        rps * (1.0 - green_share),
        blue_pods,
        dt_s,
        blue_backlog,
    );
    let green = step(cfg, rps * green_share, green_pods, dt_s, green_backlog);
    let served = |o: &StepOutcome| (o.offered - o.timed_out).max(0.0);
    let (wb, wg) = (served(&blue), served(&green));
    let pods = f64::from(blue_pods) + f64::from(green_pods);
    StepOutcome {
        offered: blue.offered + green.offered,
        timed_out: blue.timed_out + green.timed_out,
        response: mix(&[(wb, blue.response), (wg, green.response)]),
        // Both groups have the same servers per pod: a mean over pods.
        utilisation: if pods > 0.0 {
            (blue.utilisation * f64::from(blue_pods) + green.utilisation * f64::from(green_pods))
                / pods
        } else {
            1.0
        },
    }
}

/// The first two moments of a mixture of response times in (weight, moments) groups: mean
/// Σwm/Σw and E[T²] = Σw(v + m²)/Σw. Zero when no group has weight.
fn mix(parts: &[(f64, Moments)]) -> Moments {
    let total: f64 = parts.iter().map(|(w, _)| w).sum();
    if total <= 0.0 {
        return Moments::ZERO;
    }
    let mean = parts.iter().map(|(w, m)| w * m.mean_s).sum::<f64>() / total;
    let second = parts
        .iter()
        .map(|(w, m)| w * (m.var_s2 + m.mean_s * m.mean_s))
        .sum::<f64>()
        / total;
    Moments {
        mean_s: mean,
        var_s2: (second - mean * mean).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queueing::moments::Mixture;

    #[test]
    fn two_moment_fits_keep_the_moments() {
        // Shifted exponential (cv < 1): mean d + σ, variance σ².
        let m = Moments {
            mean_s: 1.0,
            var_s2: 0.25,
        };
        assert_eq!(m.tail(0.49), 1.0);
        assert!((m.tail(1.0) - (-1.0f64).exp()).abs() < 1e-12);
        // Hyperexponential (cv² = 4): the tail integrates to the mean, and 2∫t·tail to E[T²].
        let h = Moments {
            mean_s: 1.0,
            var_s2: 4.0,
        };
        let dt = 1e-3;
        let integral: f64 = (0..200_000)
            .map(|i| h.tail((i as f64 + 0.5) * dt) * dt)
            .sum();
        assert!((integral - 1.0).abs() < 1e-3, "{integral}");
        let second: f64 = (0..200_000)
            .map(|i| 2.0 * (i as f64 + 0.5) * dt * h.tail((i as f64 + 0.5) * dt) * dt)
            .sum();
        assert!(
            (second - 5.0).abs() < 1e-2,
            "E[T²] = var + mean² = 5, got {second}"
        );
    }

    #[test]
    fn an_exponential_time_has_exponential_percentiles() {
        // cv = 1 fits an exponential exactly: p95 = −ln(0.05)·mean.
        let m = Moments {
            mean_s: 0.2,
            var_s2: 0.04,
        };
        let mut mix = Mixture::default();
        mix.add(1.0, m);
        assert!((mix.quantile(0.95) - 0.2 * 20f64.ln()).abs() < 1e-6);
        // A mixture's percentile is not the average of the parts' percentiles.
        mix.add(
            1.0,
            Moments {
                mean_s: 2.0,
                var_s2: 4.0,
            },
        );
        let p95 = mix.quantile(0.95);
        assert!((mix.tail(p95) - 0.05).abs() < 1e-6);
    }

    fn cfg() -> ServiceQueueCfg {
        ServiceQueueCfg {
            service_time_s: 0.1,
            cpu_per_request_s: 0.01,
            cpu_limit_cores: Some(1.0),
            concurrency: 4,
            dist: ServiceDist::Exponential,
            timeout_s: 5.0,
        }
    }

    #[test]
    fn light_load_costs_about_the_service_time() {
        let mut b = 0.0;
        let o = step(&cfg(), 1.0, 2, 60.0, &mut b);
        assert!(
            o.response.mean_s > 0.1 && o.response.mean_s < 0.102,
            "{o:?}"
        );
        assert!(o.timed_out < 1e-9);
        assert_eq!(b, 0.0);
    }

    /// The canary's two queues, hand-derived. With 1,000 slots a pod nothing waits, so a
    /// request takes its service time (exponential): 0.09 s plus 0.01 s of CPU slowed by
    /// 1/(1 − u), u = per-pod rps × 0.01 s / 1 core. 40 rps with a 10 % canary on 2 + 2 pods:
    /// blue 18 rps a pod, s_b = 0.09 + 0.01/0.82; green 2 rps a pod, s_g = 0.09 + 0.01/0.98.
    /// The served mix weighs them 0.9 / 0.1: mean 0.9 s_b + 0.1 s_g, E[T²] = 0.9 · 2s_b² +
    /// 0.1 · 2s_g² (an exponential's second moment is 2s²).
    #[test]
    fn a_canary_is_two_queues_mixed_by_their_requests() {
        let cfg = ServiceQueueCfg {
            concurrency: 1_000,
            ..cfg()
        };
        let (mut b, mut g) = (0.0, 0.0);
        let o = step_split(&cfg, 40.0, (2, 2), 0.1, 60.0, (&mut b, &mut g));
        let s_b = 0.09 + 0.01 / 0.82;
        let s_g = 0.09 + 0.01 / 0.98;
        let mean = 0.9 * s_b + 0.1 * s_g;
        let second = 0.9 * 2.0 * s_b * s_b + 0.1 * 2.0 * s_g * s_g;
        assert!((o.response.mean_s - mean).abs() < 1e-9, "{o:?}");
        assert!((o.response.var_s2 - (second - mean * mean)).abs() < 1e-9);
        assert_eq!(o.offered, 40.0 * 60.0);
        assert!(o.timed_out < 1e-9);
        // One pooled queue of 4 pods (10 rps each) would say 0.09 + 0.01/0.9 on average.
        let pooled = step(&cfg, 40.0, 4, 60.0, &mut 0.0);
        assert!((pooled.response.mean_s - (0.09 + 0.01 / 0.9)).abs() < 1e-9);
        assert!((pooled.response.mean_s - o.response.mean_s).abs() > 1e-4);
    }

    /// Timeouts add up over the groups: a 50 % canary of 120 rps on one green pod (capacity 4
    /// slots / 0.1 s = 40 rps) falls 20 rps short for 60 s, 1,200 requests, of which 40 × 5 s =
    /// 200 may wait: 1,000 time out, all green's; blue's 60 rps over 4 pods (15 a pod) are
    /// served. The green backlog stays green's.
    #[test]
    fn a_canary_overloading_green_times_out_green_requests() {
        let (mut b, mut g) = (0.0, 0.0);
        let o = step_split(&cfg(), 120.0, (4, 1), 0.5, 60.0, (&mut b, &mut g));
        assert_eq!(o.offered, 7_200.0);
        assert!((o.timed_out - 1_000.0).abs() < 1e-6, "{o:?}");
        assert_eq!(b, 0.0);
        assert!((g - 200.0).abs() < 1e-6);
        // A canary of 0 % leaves green's queue empty: the response is blue's alone.
        let (mut b, mut g) = (0.0, 0.0);
        let o = step_split(&cfg(), 40.0, (2, 2), 0.0, 60.0, (&mut b, &mut g));
        let blue = step(&cfg(), 40.0, 2, 60.0, &mut 0.0);
        assert!((o.response.mean_s - blue.response.mean_s).abs() < 1e-12);
        assert!((o.response.var_s2 - blue.response.var_s2).abs() < 1e-12);
    }

    #[test]
    fn overload_builds_a_backlog_that_times_out_and_then_drains() {
        // 2 pods × 4 slots / 0.1 s = 80 rps of capacity; 120 rps offered for a minute.
        let mut b = 0.0;
        let o = step(&cfg(), 120.0, 2, 60.0, &mut b);
        // 40 rps short for 60 s = 2,400 requests; at most 80 × 5 s = 400 may wait.
        assert!((b - 400.0).abs() < 1e-6);
        assert!((o.timed_out - 2_000.0).abs() < 1e-6);
        assert!(o.response.mean_s > 2.0);
        // Served requests finish within the timeout (issue 10: the fit's tail said 3–4×).
        assert!(o.response.quantile(0.95) <= 5.0 + 1e-9, "{o:?}");
        // Back under capacity, the backlog drains; the step's requests queue behind it (the
        // backlog's 5 s wait), so those the timeout cuts off fail and the rest are served in time.
        let o = step(&cfg(), 40.0, 2, 60.0, &mut b);
        assert_eq!(b, 0.0);
        assert!(o.timed_out <= o.offered);
        assert!(o.response.mean_s <= 5.0, "{o:?}");
    }
}
