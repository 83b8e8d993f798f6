//! Queueing theory for the latency model and `capsim queue`: one FCFS queue with Poisson
//! arrivals (rate λ), c identical servers (rate μ each) and a service-time distribution.
//!
//! | service | c = 1 | c > 1 |
//! |---|---|---|
//! | exponential | M/M/1 closed forms | M/M/c exact (Erlang C) |
//! | deterministic | M/D/1 exact (stable Erlang CDF, see [`mdc`](self#md1)) | M/D/c: Cosmetatos mean |
//! | general, coefficient of variation cs | M/G/1: P-K mean (exact) | M/G/c: Allen–Cunneen mean |
//!
//! [`analyze`] returns means (Wq, W, Lq, L), the probability of waiting and the 50/95/99th
//! percentiles of the wait and of the response time, and says which method produced them in
//! [`Analysis::method`]. [`prob_response_exceeds`] and [`prob_wait_exceeds`] answer "what share
//! of requests takes longer than t" (SLOs, timeouts); [`response_quantile`] inverts it by
//! bisection. All of them are pure and allocation-free; an M/M/c analysis with c = 1000 servers
//! takes a few microseconds.
//!
//! # Methods
//!
//! * **Erlang B/C** ([`erlang_b`], [`erlang_c`]) by the recursion B(k) = A·B(k−1)/(k + A·B(k−1))
//!   (no factorials), C = c·B/(c − A(1 − B)).
//! * **M/M/c**: Wq = C/(cμ − λ); P(Wq > t) = C·e^{−θt} with θ = cμ − λ;
//!   P(W > t) = (1 − C)e^{−μt} + C[θe^{−μt} − μe^{−θt}]/(θ − μ), evaluated through `expm1` so
//!   that θ ≈ μ is exact. Response percentiles by bisection (M/M/1: −ln(1 − q)/(μ − λ)).
//! * <a id="md1"></a>**M/D/1**: Pollaczek–Khinchine mean Wq = ρD/(2(1 − ρ)); the waiting-time
//!   CDF is Erlang's, evaluated stably from the state probabilities (level-crossing recursion
//!   with positive terms) and a Poisson deconvolution whose alternating terms sum to at most e²
//!   in absolute value, with the Cramér–Lundberg asymptote beyond 320·D. Details in `mdc.rs`.
//! * **M/D/c**, c > 1: Cosmetatos' mean; **M/G/c**: Allen–Cunneen Wq ≈ Wq(M/M/c)·(1 + cs²)/2.
//!   For both, the wait is C·(exponential with that mean / C) — Erlang C mass, exponential
//!   conditional wait — and the response time is that wait plus the service time (D, or a gamma
//!   with mean 1/μ and the given cs), convolved exactly; details in `general.rs`.
//!
//! One queue over c servers is the *pooled* model: c = ready pods × concurrency per pod, all
//! fed from one queue, which is how a Kubernetes Service with least-busy balancing behaves
//! better than c separate M/M/1 queues would.
//!
//! The request-level simulation [`simulate`] runs the same queue on the engine's event
//! queue to validate all of this.

mod des;
mod erlang;
mod general;
mod mdc;
pub mod moments;
pub(crate) mod percentile;

pub use des::{SimStats, simulate};
pub use erlang::{erlang_b, erlang_c};

use serde::Serialize;

use erlang::Mmc;
use general::ExpWait;
use mdc::Md1;

/// The service-time distribution of one server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceDist {
    /// Exponential with mean 1/μ (cs = 1).
    Exponential,
    /// Exactly 1/μ (cs = 0).
    Deterministic,
    /// Mean 1/μ and coefficient of variation `cv` (standard deviation / mean); a gamma
    /// distribution wherever a shape is needed. `cv = 1` is treated as exponential and
    /// `cv < 0.001` as deterministic.
    General { cv: f64 },
}

impl ServiceDist {
    /// The effective distribution (General with cv = 1 → exponential, cv < 0.001 →
    /// deterministic), or `None` when cv is negative or not finite.
    pub(crate) fn normalized(self) -> Option<ServiceDist> {
        match self {
            ServiceDist::General { cv } if !(cv.is_finite() && cv >= 0.0) => None,
            ServiceDist::General { cv: 1.0 } => Some(ServiceDist::Exponential),
            ServiceDist::General { cv } if cv < 1e-3 => Some(ServiceDist::Deterministic),
            s => Some(s),
        }
    }
}

/// One FCFS queue: Poisson arrivals, `servers` identical servers, unlimited waiting room.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Queue {
    /// λ, requests per second.
    pub arrival_rate_per_s: f64,
    /// μ, requests per second that one server completes (1 / mean service time).
    pub service_rate_per_s: f64,
    /// c.
    pub servers: u32,
    pub service: ServiceDist,
}

pub const METHOD_MMC: &str = "M/M/c exact";
pub const METHOD_MD1: &str = "M/D/1 exact";
pub const METHOD_MDC: &str = "M/D/c approximation (Cosmetatos mean, Erlang C wait probability, exponential conditional wait)";
pub const METHOD_MGC: &str = "M/G/c approximation (Allen–Cunneen mean, Erlang C wait probability, \
                              exponential conditional wait, gamma service)";
pub const METHOD_INVALID: &str = "invalid input";

/// The steady-state numbers of a queue, from the formulas ([`Analysis::steady`]) or measured by
/// the simulation ([`SimStats::steady`]). Times in seconds, lengths in requests. The field names
/// are the JSON field names of `capsim queue`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SteadyState {
    /// P(Wq > 0): Erlang C for the M/M/c (and the approximations), exactly ρ for the M/D/1; in a
    /// simulation, the share of requests that waited.
    pub erlang_c_p_wait: f64,
    pub wq_mean_s: f64,
    pub w_mean_s: f64,
    /// Lq = λ·Wq (a time average in a simulation).
    pub lq_mean: f64,
    /// L = λ·W (a time average in a simulation).
    pub l_mean: f64,
    /// Percentiles of the wait before service (0 when at least that share never waits).
    pub wq_p50_s: f64,
    pub wq_p95_s: f64,
    pub wq_p99_s: f64,
    /// Percentiles of the response time (wait + service).
    pub w_p50_s: f64,
    pub w_p95_s: f64,
    pub w_p99_s: f64,
}

/// Steady-state results of [`analyze`].
///
/// When the queue is not stable (λ ≥ cμ, or an input is out of range) `stable` is false,
/// `utilisation` and `offered_load_erlangs` still say how overloaded it is, and every number in
/// `steady` is NaN: there is no steady state to describe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    pub stable: bool,
    /// ρ = λ/(cμ).
    pub utilisation: f64,
    /// A = λ/μ.
    pub offered_load_erlangs: f64,
    pub steady: SteadyState,
    /// Which model produced the numbers, e.g. "M/M/c exact".
    pub method: &'static str,
}

/// The queue resolved into one of the evaluation paths.
enum Model {
    Invalid,
    Unstable,
    Mmc(Mmc),
    /// λ and D; the ~12 KB table is built on the caller's stack when needed.
    Md1 {
        lambda: f64,
        d: f64,
    },
    /// M/D/c and M/G/c.
    Approx(ExpWait),
}

impl Queue {
    /// Rates and server count in range (the service distribution is checked by
    /// [`ServiceDist::normalized`]).
    fn rates_valid(&self) -> bool {
        self.arrival_rate_per_s.is_finite()
            && self.arrival_rate_per_s >= 0.0
            && self.service_rate_per_s.is_finite()
            && self.service_rate_per_s > 0.0
            && self.servers >= 1
    }

    /// ρ = λ/(cμ).
    pub fn utilisation(&self) -> f64 {
        self.arrival_rate_per_s / (f64::from(self.servers) * self.service_rate_per_s)
    }

    /// A = λ/μ.
    pub fn offered_load_erlangs(&self) -> f64 {
        self.arrival_rate_per_s / self.service_rate_per_s
    }

    /// The evaluation path, and the method label that [`analyze`] reports for it.
    fn model(&self) -> (Model, &'static str) {
        let Some(service) = self.service.normalized().filter(|_| self.rates_valid()) else {
            return (Model::Invalid, METHOD_INVALID);
        };
        let (lam, mu, c) = (
            self.arrival_rate_per_s,
            self.service_rate_per_s,
            self.servers,
        );
        let method = match (service, c) {
            (ServiceDist::Exponential, _) => METHOD_MMC,
            (ServiceDist::Deterministic, 1) => METHOD_MD1,
            (ServiceDist::Deterministic, _) => METHOD_MDC,
            (ServiceDist::General { .. }, _) => METHOD_MGC,
        };
        let Some(mmc) = Mmc::new(lam, mu, c) else {
            return (Model::Unstable, method);
        };
        let model = match service {
            ServiceDist::Exponential => Model::Mmc(mmc),
            ServiceDist::Deterministic if c == 1 => Model::Md1 {
                lambda: lam,
                d: 1.0 / mu,
            },
            ServiceDist::Deterministic => {
                let wq = if mmc.p_wait > 0.0 {
                    mdc::cosmetatos_factor(c, self.utilisation()) * mmc.wq_mean()
                } else {
                    0.0
                };
                Model::Approx(ExpWait::new(mmc.p_wait, wq, 1.0 / mu, None))
            }
            ServiceDist::General { cv } => {
                let wq = mmc.wq_mean() * (1.0 + cv * cv) / 2.0;
                Model::Approx(ExpWait::new(mmc.p_wait, wq, 1.0 / mu, Some(cv)))
            }
        };
        (model, method)
    }
}

/// Steady-state analysis of `q`. Unstable or invalid queues give `stable: false` and NaN
/// results (see [`Analysis`]).
pub fn analyze(q: &Queue) -> Analysis {
    let (model, method) = q.model();
    // (P(wait), mean wait, wait percentiles, response percentiles) when there is a steady state.
    let numbers = match model {
        Model::Invalid | Model::Unstable => None,
        Model::Mmc(m) => Some((
            m.p_wait,
            m.wq_mean(),
            PERCENTILES.map(|p| m.wait_quantile(p)),
            PERCENTILES.map(|p| m.response_quantile(p)),
        )),
        Model::Md1 { lambda, d } => Md1::new(lambda, d).map(|mut m| {
            let wait_q = PERCENTILES.map(|p| m.wait_quantile(p));
            (m.rho(), m.wq_mean(), wait_q, wait_q.map(|w| w + d))
        }),
        Model::Approx(m) => Some((
            m.p_wait,
            m.wq_mean(),
            PERCENTILES.map(|p| m.wait_quantile(p)),
            PERCENTILES.map(|p| m.response_quantile(p)),
        )),
    };
    let (p_wait, wq, wait_q, resp_q) =
        numbers.unwrap_or((f64::NAN, f64::NAN, [f64::NAN; 3], [f64::NAN; 3]));
    let lam = q.arrival_rate_per_s;
    let w = wq + 1.0 / q.service_rate_per_s;
    Analysis {
        stable: numbers.is_some(),
        utilisation: q.utilisation(),
        offered_load_erlangs: q.offered_load_erlangs(),
        steady: SteadyState {
            erlang_c_p_wait: p_wait,
            wq_mean_s: wq,
            w_mean_s: w,
            lq_mean: lam * wq,
            l_mean: lam * w,
            wq_p50_s: wait_q[0],
            wq_p95_s: wait_q[1],
            wq_p99_s: wait_q[2],
            w_p50_s: resp_q[0],
            w_p95_s: resp_q[1],
            w_p99_s: resp_q[2],
        },
        method,
    }
}

const PERCENTILES: [f64; 3] = [0.50, 0.95, 0.99];

/// (P(Wq > 0), mean Wq in seconds) without the percentiles: the cheap part of [`analyze`], for
/// callers that evaluate many queues (the service latency model, every step of a run).
/// (1, +∞) when the queue is not stable.
pub fn wait_summary(q: &Queue) -> (f64, f64) {
    // The same arithmetic as `q.model()` followed by `wq_mean()`, without building the parts the
    // summary does not read (the M/G/c service-time fit needs ln Γ(k), every step of a run).
    const UNSTABLE: (f64, f64) = (1.0, f64::INFINITY);
    let Some(service) = q.service.normalized().filter(|_| q.rates_valid()) else {
        return UNSTABLE;
    };
    let (lam, mu, c) = (q.arrival_rate_per_s, q.service_rate_per_s, q.servers);
    let Some(mmc) = Mmc::new(lam, mu, c) else {
        return UNSTABLE;
    };
    match service {
        ServiceDist::Exponential => (mmc.p_wait, mmc.wq_mean()),
        ServiceDist::Deterministic if c == 1 => {
            let d = 1.0 / mu;
            let rho = lam * d;
            (rho, mdc::md1_wq_mean(rho, d))
        }
        ServiceDist::Deterministic => {
            let wq = if mmc.p_wait > 0.0 {
                mdc::cosmetatos_factor(c, q.utilisation()) * mmc.wq_mean()
            } else {
                0.0
            };
            (mmc.p_wait, ExpWait::wq_mean_of(mmc.p_wait, wq))
        }
        ServiceDist::General { cv } => {
            let wq = mmc.wq_mean() * (1.0 + cv * cv) / 2.0;
            (mmc.p_wait, ExpWait::wq_mean_of(mmc.p_wait, wq))
        }
    }
}

/// P(W > t): the share of requests whose response time (wait + service) exceeds `t_s` seconds.
/// 1 for a queue that is not stable (every request eventually exceeds any t).
pub fn prob_response_exceeds(q: &Queue, t_s: f64) -> f64 {
    if t_s.is_nan() {
        return f64::NAN;
    }
    match q.model().0 {
        Model::Invalid | Model::Unstable => 1.0,
        Model::Mmc(m) => m.response_tail(t_s),
        Model::Md1 { lambda, d } => Md1::new(lambda, d).map_or(1.0, |mut m| m.response_tail(t_s)),
        Model::Approx(m) => m.response_tail(t_s),
    }
}

/// P(Wq > t): the share of requests that wait longer than `t_s` seconds before service starts.
/// 1 for a queue that is not stable.
pub fn prob_wait_exceeds(q: &Queue, t_s: f64) -> f64 {
    if t_s.is_nan() {
        return f64::NAN;
    }
    match q.model().0 {
        Model::Invalid | Model::Unstable => 1.0,
        Model::Mmc(m) => m.wait_tail(t_s),
        Model::Md1 { lambda, d } => Md1::new(lambda, d).map_or(1.0, |mut m| m.wait_tail(t_s)),
        Model::Approx(m) => m.wait_tail(t_s),
    }
}

/// The `p`-quantile (0 < p < 1) of the response time in seconds, by bisection on
/// [`prob_response_exceeds`] (closed form for M/M/1). +∞ when the queue is not stable; NaN
/// for p outside [0, 1].
pub fn response_quantile(q: &Queue, p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    match q.model().0 {
        Model::Invalid | Model::Unstable => f64::INFINITY,
        Model::Mmc(m) => m.response_quantile(p),
        Model::Md1 { lambda, d } => {
            Md1::new(lambda, d).map_or(f64::INFINITY, |mut m| m.wait_quantile(p) + d)
        }
        Model::Approx(m) => m.response_quantile(p),
    }
}

#[cfg(test)]
mod tests;
