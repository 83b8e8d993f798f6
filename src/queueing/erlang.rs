//! Erlang B and C, and the M/M/c queue: means, waiting-time and response-time tails.
//!
//! λ arrival rate, μ service rate of one server, c servers, A = λ/μ (Erlangs), θ = cμ − λ.

/// Erlang B, the blocking probability of an M/M/c/c loss system with offered load `load`
/// Erlangs, by the recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)) — no factorials, so it
/// is safe for any number of servers.
///
/// Evaluated in its reciprocal form 1/B(k) = 1 + (k/A)·(1/B(k−1)): the same recursion with a
/// multiply-add per step instead of a division. Every step adds positive terms, so the relative
/// error stays near k·ε; when B underflows the reciprocal goes to +∞ and B is 0, as it should.
pub fn erlang_b(servers: u32, load: f64) -> f64 {
    if servers == 0 {
        return 1.0;
    }
    if !(load > 0.0) {
        return 0.0;
    }
    let inv_load = 1.0 / load;
    let mut r = 1.0_f64; // 1/B(0)
    for k in 1..=servers {
        r = (f64::from(k) * inv_load).mul_add(r, 1.0);
    }
    1.0 / r
}

/// Erlang C, the probability that an arrival waits in an M/M/c queue: C = c·B / (c − A·(1 − B)).
/// 1 when the queue is unstable (A ≥ c).
pub fn erlang_c(servers: u32, load: f64) -> f64 {
    let c = f64::from(servers);
    if servers == 0 || load >= c {
        return 1.0;
    }
    let b = erlang_b(servers, load);
    c * b / (c - load * (1.0 - b))
}

/// The stable M/M/c queue, ready for tail and percentile questions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mmc {
    pub mu: f64,
    pub c: u32,
    /// Erlang C: P(Wq > 0).
    pub p_wait: f64,
    /// cμ − λ: the rate of the conditional waiting time.
    pub theta: f64,
}

impl Mmc {
    /// `None` when unstable (λ ≥ cμ).
    pub fn new(lambda: f64, mu: f64, c: u32) -> Option<Mmc> {
        let theta = f64::from(c) * mu - lambda;
        if !(theta > 0.0) {
            return None;
        }
        Some(Mmc {
            mu,
            c,
            p_wait: erlang_c(c, lambda / mu),
            theta,
        })
    }

    pub fn wq_mean(&self) -> f64 {
        self.p_wait / self.theta
    }

    /// P(Wq > t) = C·e^{−θt}.
    pub fn wait_tail(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        self.p_wait * (-self.theta * t).exp()
    }

    /// P(W > t), W = Wq + exponential service:
    /// (1 − C)·e^{−μt} + C·[θ·e^{−μt} − μ·e^{−θt}] / (θ − μ),
    /// with the bracket rewritten as e^{−μt}·[1 − μ·expm1(−δt)/δ], δ = θ − μ (or the mirror image
    /// when δ < 0), which is exact for every δ and tends to e^{−μt}(1 + μt) as δ → 0.
    /// For c = 1 it is the M/M/1 closed form e^{−(μ−λ)t}.
    pub fn response_tail(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        if self.c == 1 {
            return (-self.theta * t).exp();
        }
        let (mu, theta, c) = (self.mu, self.theta, self.p_wait);
        let exp_conv = hypoexp_tail(mu, theta, t);
        ((1.0 - c) * (-mu * t).exp() + c * exp_conv).clamp(0.0, 1.0)
    }

    /// q-quantile of Wq: ln(C/(1−q))/θ, or 0 when at least a fraction q never waits.
    pub fn wait_quantile(&self, q: f64) -> f64 {
        let tail = 1.0 - q;
        if self.p_wait <= tail {
            0.0
        } else {
            (self.p_wait / tail).ln() / self.theta
        }
    }

    /// q-quantile of W: closed form −ln(1−q)/(μ−λ) for c = 1, else bisection on the tail.
    pub fn response_quantile(&self, q: f64) -> f64 {
        if self.c == 1 {
            return -(1.0 - q).ln() / self.theta;
        }
        let scale = self.wq_mean() + 1.0 / self.mu;
        super::percentile::invert_tail(|t| self.response_tail(t), 1.0 - q, scale)
    }
}

/// P(X + Y > t) for independent exponentials X ~ Exp(a), Y ~ Exp(b):
/// [b·e^{−at} − a·e^{−bt}] / (b − a), evaluated without cancellation for any a, b > 0.
pub(crate) fn hypoexp_tail(a: f64, b: f64, t: f64) -> f64 {
    let (slow, fast) = if a <= b { (a, b) } else { (b, a) };
    let delta = fast - slow; // ≥ 0
    // e^{−slow·t}·[1 + slow·(1 − e^{−δt})/δ]; (1 − e^{−δt})/δ → t as δ → 0.
    let ratio = if delta * t < 1e-300 {
        t
    } else {
        -(-delta * t).exp_m1() / delta
    };
    (-slow * t).exp() * slow.mul_add(ratio, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// The direct definition with factorials (fine for small c), to check the recursion.
    fn erlang_c_by_factorials(c: u32, a: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 0.0;
        for k in 0..c {
            if k > 0 {
                term *= a / f64::from(k);
            }
            sum += term;
        }
        let top = term * a / f64::from(c) / (1.0 - a / f64::from(c));
        top / (sum + top)
    }

    #[test]
    fn recursion_matches_factorial_definition() {
        for &(c, a) in &[(1, 0.5), (2, 1.5), (14, 10.0), (30, 29.0), (50, 10.0), (100, 95.0)] {
            let got = erlang_c(c, a);
            let want = erlang_c_by_factorials(c, a);
            assert!(rel(got, want) < 1e-12, "c={c} a={a}: {got} vs {want}");
        }
    }

    #[test]
    fn erlang_b_small_cases_and_extremes() {
        // B(1, A) = A/(1+A); B(2, A) = A²/2 / (1 + A + A²/2).
        assert!(rel(erlang_b(1, 3.0), 0.75) < 1e-15);
        assert!(rel(erlang_b(2, 2.0), 2.0 / 5.0) < 1e-15);
        assert_eq!(erlang_b(5, 0.0), 0.0);
        assert_eq!(erlang_b(0, 4.0), 1.0);
        // Tens of thousands of servers: no overflow, no NaN.
        let b = erlang_b(50_000, 49_000.0);
        assert!(b.is_finite() && b > 0.0 && b < 0.01, "{b}");
        let c = erlang_c(50_000, 49_000.0);
        assert!(c.is_finite() && c > 0.0 && c < 1.0, "{c}");
        // Far from saturation B underflows to 0 cleanly.
        assert_eq!(erlang_b(1000, 1.0), 0.0);
        assert_eq!(erlang_c(1000, 1.0), 0.0);
    }

    #[test]
    fn mm1_reduces_to_closed_forms() {
        let q = Mmc::new(0.5, 1.0, 1).unwrap();
        assert!(rel(q.p_wait, 0.5) < 1e-15);
        assert!(rel(q.wq_mean(), 1.0) < 1e-15);
        assert!(rel(q.response_quantile(0.95), 20f64.ln() / 0.5) < 1e-15);
        // The general two-term tail agrees with e^{−(μ−λ)t} at c = 1.
        let general = (1.0 - q.p_wait) * (-q.mu * 3.0f64).exp() + q.p_wait * hypoexp_tail(q.mu, q.theta, 3.0);
        assert!(rel(general, (-0.5 * 3.0f64).exp()) < 1e-14);
    }

    #[test]
    fn response_tail_is_continuous_through_theta_equal_mu() {
        // c = 2, μ = 1, λ = 1 gives θ = 1 = μ exactly: the limit form e^{−t}(1 + t).
        let q = Mmc::new(1.0, 1.0, 2).unwrap();
        assert_eq!(q.theta, 1.0);
        let t = 2.5_f64;
        let c = q.p_wait;
        let want = (1.0 - c) * (-t).exp() + c * (-t).exp() * (1.0 + t);
        assert!(rel(q.response_tail(t), want) < 1e-14);
        // Nudging λ either side changes the tail smoothly.
        for lam in [1.0 - 1e-9, 1.0 + 1e-9] {
            let q2 = Mmc::new(lam, 1.0, 2).unwrap();
            assert!(rel(q2.response_tail(t), want) < 1e-7);
        }
    }

    #[test]
    fn hypoexp_matches_textbook_form_away_from_the_limit() {
        let (a, b, t) = (1.0_f64, 3.0_f64, 0.7_f64);
        let want = (b * (-a * t).exp() - a * (-b * t).exp()) / (b - a);
        assert!(rel(hypoexp_tail(a, b, t), want) < 1e-14);
        assert!(rel(hypoexp_tail(b, a, t), want) < 1e-14);
    }

    /// Response-time percentiles solve the tail equation.
    #[test]
    fn response_quantiles_invert_the_tail() {
        let q = Mmc::new(9.0, 1.0, 10).unwrap();
        for p in [0.5, 0.95, 0.99] {
            let t = q.response_quantile(p);
            assert!((q.response_tail(t) - (1.0 - p)).abs() < 1e-12, "p={p}");
        }
    }
}
