//! Request-level simulation of the same FCFS queue, to validate the formulas.
//!
//! Events (arrivals and service completions) go through the engine's [`EventQueue`], ordered by
//! (time, insertion sequence), with time in integer ticks: 10⁹ ticks per mean service time
//! (so 1 ns when the mean service time is 1 s), coarser only if a very long run would overflow
//! i64. Interarrival times are exponential; service times are exponential, constant, or gamma
//! with the requested coefficient of variation. Two named random streams from [`RngStreams`]
//! (`queueing.arrivals`, `queueing.service`) make a run a pure function of (queue, N, seed).
//!
//! Warm-up: the first ⌊N/10⌋ arrivals are discarded (the queue starts empty). Waits and
//! response times of the other requests form the sample for the means and the percentiles
//! (nearest rank: the ⌈pn⌉-th smallest). Utilisation, Lq and L are time averages over the
//! measurement window, from the first measured arrival to the last arrival, so L = λW (Little)
//! is a check rather than an assumption.

use std::collections::VecDeque;

use rand_distr::{Distribution, Exp, Gamma};

use serde::Serialize;

use super::{Queue, ServiceDist, SteadyState};
use crate::error::{Error, Result};
use crate::sim::{EventQueue, RngStreams, SimRng};

/// Statistics measured by [`simulate`]; times in seconds. The field names are the JSON field
/// names of `capsim queue --simulate`'s `simulated` object.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimStats {
    /// N, all arrivals simulated.
    pub arrivals: u64,
    /// The first ⌊N/10⌋ arrivals, left out of every statistic.
    pub warmup_discarded: u64,
    /// Requests in the sample: N − warm-up.
    pub measured: u64,
    pub seed: u64,
    /// Length of the measurement window (simulated seconds).
    pub window_s: f64,
    /// Time-average busy servers / c.
    pub utilisation: f64,
    /// The measured counterparts of [`Analysis::steady`](super::Analysis::steady): the share of
    /// measured requests that waited at all (the simulated Erlang C), sample means and
    /// percentiles of the wait and the response time, and time-average Lq and L.
    #[serde(flatten)]
    pub steady: SteadyState,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    Departure,
}

enum ServiceSampler {
    Exp(Exp<f64>),
    Const(f64),
    Gamma(Gamma<f64>),
}

impl ServiceSampler {
    fn new(q: &Queue) -> Result<ServiceSampler> {
        let mu = q.service_rate_per_s;
        let service = q.service.normalized().ok_or_else(|| {
            Error::Usage(
                "the service-time coefficient of variation must be a finite number ≥ 0".into(),
            )
        })?;
        Ok(match service {
            ServiceDist::Exponential => {
                ServiceSampler::Exp(Exp::new(mu).map_err(|e| Error::Usage(e.to_string()))?)
            }
            ServiceDist::Deterministic => ServiceSampler::Const(1.0 / mu),
            ServiceDist::General { cv } => {
                let shape = 1.0 / (cv * cv);
                ServiceSampler::Gamma(
                    Gamma::new(shape, 1.0 / (shape * mu))
                        .map_err(|e| Error::Usage(e.to_string()))?,
                )
            }
        })
    }

    #[inline]
    fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            ServiceSampler::Exp(d) => d.sample(rng),
            ServiceSampler::Const(s) => *s,
            ServiceSampler::Gamma(d) => d.sample(rng),
        }
    }
}

/// Largest tick value a run may reach (leaves headroom below i64::MAX).
const MAX_TICKS: f64 = 2.0e18;

/// Simulate `arrivals` requests through `q` with random streams seeded by `seed`.
///
/// Errors (as [`Error::Usage`]) for N = 0, rates that are not positive and finite, zero
/// servers, or a run so long that the time resolution would drop below 10⁻³ of a mean service
/// time. An unstable queue can be simulated (its numbers then describe a growing backlog, not a
/// steady state).
pub fn simulate(q: &Queue, arrivals: u64, seed: u64) -> Result<SimStats> {
    let lambda = q.arrival_rate_per_s;
    let mu = q.service_rate_per_s;
    if arrivals == 0 {
        return Err(Error::Usage(
            "the simulation needs at least 1 arrival".into(),
        ));
    }
    if !(lambda.is_finite() && lambda > 0.0 && mu.is_finite() && mu > 0.0) {
        return Err(Error::Usage(
            "arrival and service rates must be positive, finite numbers".into(),
        ));
    }
    if q.servers == 0 {
        return Err(Error::Usage("the queue needs at least 1 server".into()));
    }
    let sampler = ServiceSampler::new(q)?;
    let c = q.servers;
    let n = arrivals;

    // Resolution: 1e9 ticks per mean service time unless the run would overflow.
    let horizon_s = 4.0 * (n as f64 / lambda + n as f64 / (f64::from(c) * mu)) + 1e4 / mu;
    let ticks_per_s = (1e9 * mu).min(MAX_TICKS / horizon_s);
    if ticks_per_s / mu < 1e3 {
        return Err(Error::Usage(format!(
            "{n} arrivals at {lambda} /s span too long a simulated time for the clock \
             (at least 1000 ticks per mean service time within i64)"
        )));
    }
    // Times are ≥ 0, so adding ½ and truncating rounds to nearest (and avoids a libm call).
    let to_ticks = |s: f64| (s * ticks_per_s + 0.5) as i64;

    let streams = RngStreams::new(seed);
    let mut arrival_rng = streams.stream("queueing.arrivals");
    let mut service_rng = streams.stream("queueing.service");
    let interarrival = Exp::new(lambda).map_err(|e| Error::Usage(e.to_string()))?;

    let warmup = n / 10;
    let measured = n - warmup;
    let inv_tps = 1.0 / ticks_per_s;
    let mut rec = Recorder {
        warmup,
        started: 0,
        n_waited: 0,
        sum_wait: 0.0,
        sum_resp: 0.0,
        inv_tps,
        waits: Vec::with_capacity(measured as usize),
        responses: Vec::with_capacity(measured as usize),
    };

    let mut events: EventQueue<Ev> = EventQueue::default();
    let mut waiting: VecDeque<i64> = VecDeque::new();
    let mut next_arrival_s = interarrival.sample(&mut arrival_rng);
    events.push(to_ticks(next_arrival_s), Ev::Arrival);
    let mut arrived = 0_u64;
    let mut busy = 0_u32;
    let mut in_system = 0_u64;

    let mut measuring = false;
    let (mut window_start, mut window_end, mut last) = (0_i64, 0_i64, 0_i64);
    let (mut area_n, mut area_busy) = (0.0_f64, 0.0_f64);

    while let Some((now, ev, _)) = events.pop() {
        if measuring {
            let dt = (now - last) as f64;
            area_n += in_system as f64 * dt;
            area_busy += f64::from(busy) * dt;
            last = now;
        }
        // The request that starts service now (FCFS: the k-th start is the k-th arrival), with
        // its arrival time; its departure is scheduled and its statistics recorded.
        let starts = match ev {
            Ev::Arrival => {
                if arrived == warmup {
                    measuring = true;
                    window_start = now;
                    last = now;
                }
                arrived += 1;
                in_system += 1;
                if arrived < n {
                    next_arrival_s += interarrival.sample(&mut arrival_rng);
                    events.push(to_ticks(next_arrival_s), Ev::Arrival);
                } else {
                    measuring = false;
                    window_end = now;
                }
                if busy < c {
                    busy += 1;
                    Some(now)
                } else {
                    waiting.push_back(now);
                    None
                }
            }
            Ev::Departure => {
                in_system -= 1;
                let next = waiting.pop_front();
                if next.is_none() {
                    busy -= 1;
                }
                next
            }
        };
        if let Some(arrived_at) = starts {
            let service = to_ticks(sampler.sample(&mut service_rng));
            events.push(now + service, Ev::Departure);
            rec.record(now - arrived_at, service);
        }
    }
    let Recorder {
        n_waited,
        sum_wait,
        sum_resp,
        mut waits,
        mut responses,
        ..
    } = rec;

    let window_ticks = (window_end - window_start) as f64;
    let m = measured as f64;
    let [wq_p50_s, wq_p95_s, wq_p99_s] = sample_percentiles(&mut waits);
    let [w_p50_s, w_p95_s, w_p99_s] = sample_percentiles(&mut responses);
    Ok(SimStats {
        arrivals: n,
        warmup_discarded: warmup,
        measured,
        seed,
        window_s: window_ticks * inv_tps,
        utilisation: area_busy / (f64::from(c) * window_ticks),
        steady: SteadyState {
            erlang_c_p_wait: n_waited as f64 / m,
            wq_mean_s: sum_wait / m * inv_tps,
            w_mean_s: sum_resp / m * inv_tps,
            lq_mean: (area_n - area_busy) / window_ticks,
            l_mean: area_n / window_ticks,
            wq_p50_s,
            wq_p95_s,
            wq_p99_s,
            w_p50_s,
            w_p95_s,
            w_p99_s,
        },
    })
}

/// Per-request statistics of the measured requests.
struct Recorder {
    warmup: u64,
    /// Service starts so far (measured or not).
    started: u64,
    n_waited: u64,
    /// Ticks.
    sum_wait: f64,
    sum_resp: f64,
    inv_tps: f64,
    waits: Vec<f32>,
    responses: Vec<f32>,
}

impl Recorder {
    #[inline(always)]
    fn record(&mut self, wait: i64, service: i64) {
        if self.started >= self.warmup {
            let resp = wait + service;
            self.n_waited += u64::from(wait > 0);
            self.sum_wait += wait as f64;
            self.sum_resp += resp as f64;
            self.waits.push((wait as f64 * self.inv_tps) as f32);
            self.responses.push((resp as f64 * self.inv_tps) as f32);
        }
        self.started += 1;
    }
}

/// Nearest-rank 50th, 95th and 99th percentiles (the ⌈pn⌉-th smallest), by selection; each
/// later selection only searches above the previous rank.
fn sample_percentiles(xs: &mut [f32]) -> [f64; 3] {
    let n = xs.len();
    if n == 0 {
        return [f64::NAN; 3];
    }
    let mut from = 0;
    [0.50, 0.95, 0.99].map(|p: f64| {
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        let (_, v, _) = xs[from..].select_nth_unstable_by(rank - from, f32::total_cmp);
        // The f32 sample value with its shortest decimal form (no f32→f64 widening noise).
        let v = v.to_string().parse().unwrap_or(f64::from(*v));
        from = rank;
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queueing::{ServiceDist, analyze};

    fn queue(lambda: f64, mu: f64, c: u32, service: ServiceDist) -> Queue {
        Queue {
            arrival_rate_per_s: lambda,
            service_rate_per_s: mu,
            servers: c,
            service,
        }
    }

    #[test]
    fn deterministic_given_the_seed() {
        let q = queue(9.0, 1.0, 10, ServiceDist::Exponential);
        let a = simulate(&q, 20_000, 7).unwrap();
        let b = simulate(&q, 20_000, 7).unwrap();
        let c = simulate(&q, 20_000, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.steady.wq_mean_s, c.steady.wq_mean_s);
        assert_eq!(a.warmup_discarded, 2_000);
        assert_eq!(a.measured, 18_000);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let mut xs: Vec<f32> = (1..=100).rev().map(|i| i as f32).collect();
        assert_eq!(sample_percentiles(&mut xs), [50.0, 95.0, 99.0]);
        let mut one = [3.5_f32];
        assert_eq!(sample_percentiles(&mut one), [3.5; 3]);
    }

    #[test]
    fn light_load_never_waits_and_service_is_exact() {
        // λ tiny vs c·μ with deterministic service: waits are ~0, responses are exactly D.
        let q = queue(0.1, 10.0, 50, ServiceDist::Deterministic);
        let s = simulate(&q, 10_000, 1).unwrap();
        assert_eq!(s.steady.wq_p99_s, 0.0);
        assert!((s.steady.w_p50_s - 0.1).abs() < 1e-6);
        assert!((s.steady.w_mean_s - 0.1).abs() < 1e-9);
    }

    #[test]
    fn rejects_bad_input() {
        let q = queue(1.0, 2.0, 1, ServiceDist::Exponential);
        assert!(simulate(&q, 0, 1).is_err());
        assert!(simulate(&queue(0.0, 2.0, 1, ServiceDist::Exponential), 10, 1).is_err());
        assert!(simulate(&queue(1.0, -2.0, 1, ServiceDist::Exponential), 10, 1).is_err());
        assert!(simulate(&queue(1.0, 2.0, 0, ServiceDist::Exponential), 10, 1).is_err());
        assert!(
            simulate(
                &queue(1.0, 2.0, 1, ServiceDist::General { cv: -1.0 }),
                10,
                1
            )
            .is_err()
        );
    }

    /// Little's law holds in the time averages (it is not built in).
    #[test]
    fn little_holds_in_the_simulation() {
        let q = queue(8.0, 1.0, 10, ServiceDist::Exponential);
        let s = simulate(&q, 200_000, 3).unwrap();
        let lambda_hat = s.measured as f64 / s.window_s;
        assert!(
            (s.steady.l_mean / (lambda_hat * s.steady.w_mean_s) - 1.0).abs() < 0.02,
            "{s:?}"
        );
        let a = analyze(&q);
        assert!((s.utilisation / a.utilisation - 1.0).abs() < 0.02);
    }
}
