//! Erlang B and C, and the M/M/c queue: means, waiting-time and response-time tails.
//!
//! λ arrival rate, μ service rate of one server, c servers, A = λ/μ (Erlangs), θ = cμ − λ.

/// Erlang B, the blocking probability of an M/M/c/c loss system with offered load `load`
/// Erlangs, by the recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)) — no factorials, so it
/// is safe for any number of servers.
///
/// Evaluated in its reciprocal form r(k) = 1/B(k) = 1 + (k/A)·r(k−1): the same recursion with
/// a multiply-add per step instead of a division, and four steps folded into one,
/// r(k+3) = P + Q·r(k−1) with P, Q products of the k/A (independent of r, so the processor
/// overlaps them), which cuts the dependent chain to c/4 operations. Every term is positive, so
/// the relative error stays near k·ε; when B underflows r goes to +∞ and B is 0, as it should.
/// Far below saturation, where B < 1e−304, `erlang_b_light_load` returns 0 without the O(c) loop.
pub fn erlang_b(servers: u32, load: f64) -> f64 {
    if servers == 0 {
        return 1.0;
    }
    if load.is_nan() || load <= 0.0 {
        return 0.0;
    }
    if let Some(b) = erlang_b_light_load(servers, load) {
        return b;
    }
    let inv_load = 1.0 / load;
    let mut r = 1.0_f64; // 1/B(0)
    let mut k = 1_u32;
    while k + 3 <= servers {
        let a0 = f64::from(k) * inv_load;
        let a1 = f64::from(k + 1) * inv_load;
        let a2 = f64::from(k + 2) * inv_load;
        let a3 = f64::from(k + 3) * inv_load;
        // r(k+3) = 1 + a3(1 + a2(1 + a1(1 + a0·r)))
        let p = 1.0 + a3 * (1.0 + a2 * (1.0 + a1));
        let q = a3 * a2 * a1 * a0;
        r = p + q * r;
        k += 4;
    }
    while k <= servers {
        r = 1.0 + f64::from(k) * inv_load * r;
        k += 1;
    }
    1.0 / r
}

/// Erlang B far below saturation in O(1): B(c, A) = P(N = c) / P(N ≤ c) for N ~ Poisson(A), and
/// when c exceeds A by more than 10 standard deviations (+10) the tail P(N > c) is below e^-50,
/// so B = P(N = c) = exp(c·ln A − A − ln c!) (ln c! by Stirling's series, whose error for
/// c ≥ 30 is below 1e-15). Used only to detect a B below 1e-304 without the O(c) recursion.
/// None when the shortcut does not apply. The simulation
/// evaluates lightly loaded pools of hundreds of servers every minute, where the recursion's O(c)
/// cost adds up.
fn erlang_b_light_load(servers: u32, load: f64) -> Option<f64> {
    let c = f64::from(servers);
    if servers < 30 || c - load <= 10.0 * load.sqrt() + 10.0 {
        return None;
    }
    let ln_fact = c * c.ln() - c + 0.5 * (2.0 * std::f64::consts::PI * c).ln() + 1.0 / (12.0 * c)
        - 1.0 / (360.0 * c * c * c)
        + 1.0 / (1260.0 * c.powi(5));
    let ln_pmf = c * load.ln() - load - ln_fact;
    // Only where B is below 1e-304 (it is then 0 for every purpose): elsewhere the recursion keeps
    // its 1e-13 accuracy, which the cancellation in c·ln A − ln c! (≈1e-12 relative) would lose.
    (ln_pmf < -700.0).then_some(0.0)
}

/// q-quantile of a wait that is 0 with probability 1 − `p_wait` and otherwise exponential with
/// rate `theta`: ln(p_wait/(1−q))/θ, or 0 when at least a fraction q never waits.
pub fn exp_wait_quantile(p_wait: f64, theta: f64, q: f64) -> f64 {
    let tail = 1.0 - q;
    if p_wait <= tail {
        0.0
    } else {
        (p_wait / tail).ln() / theta
    }
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
        if theta.is_nan() || theta <= 0.0 {
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
        exp_wait_quantile(self.p_wait, self.theta, q)
    }

    /// q-quantile of W: closed form −ln(1−q)/(μ−λ) for c = 1, else bisection on the tail.
    pub fn response_quantile(&self, q: f64) -> f64 {
        if self.c == 1 {
            return -(1.0 - q).ln() / self.theta;
        }
        // W ≥ Wq and W ≥ S path by path, so the quantile is at least both of theirs; and
        // P(Wq + S > a + b) ≤ P(Wq > a) + P(S > b), so it is at most the sum of their
        // (1 − (1−q)/2)-quantiles.
        let service_q = |q: f64| -(1.0 - q).ln() / self.mu;
        let half = 1.0 - (1.0 - q) / 2.0;
        let lo = self.wait_quantile(q).max(service_q(q));
        let hi = self.wait_quantile(half) + service_q(half);
        super::percentile::invert_tail_between(|t| self.response_tail(t), 1.0 - q, lo, hi)
    }
}

/// P(X + Y > t) for independent exponentials X ~ Exp(a), Y ~ Exp(b):
/// [b·e^{−at} − a·e^{−bt}] / (b − a), evaluated without cancellation for any a, b > 0.
fn hypoexp_tail(a: f64, b: f64, t: f64) -> f64 {
    let (slow, fast) = if a <= b { (a, b) } else { (b, a) };
    let delta = fast - slow; // ≥ 0
    // e^{−slow·t}·[1 + slow·(1 − e^{−δt})/δ]; (1 − e^{−δt})/δ → t as δ → 0.
    let ratio = if delta * t < 1e-300 {
        t
    } else {
        -(-delta * t).exp_m1() / delta
    };
    (-slow * t).exp() * (1.0 + slow * ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The O(1) light-load form agrees with the recursion wherever it applies.
    #[test]
    fn light_load_shortcut_matches_the_recursion() {
        fn by_recursion(c: u32, a: f64) -> f64 {
            (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
        }
        for (c, a) in [
            (30u32, 1.0),
            (40, 5.0),
            (60, 20.0),
            (100, 50.0),
            (512, 48.0),
            (1000, 700.0),
            (200, 0.3),
        ] {
            let Some(fast) = erlang_b_light_load(c, a) else {
                continue;
            };
            let exact = by_recursion(c, a);
            assert!(
                exact == 0.0 && fast == 0.0 || ((fast - exact) / exact).abs() < 1e-9,
                "c={c} A={a}: {fast} vs {exact}"
            );
        }
        assert!(erlang_b_light_load(100, 80.0).is_none());
    }

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
        for &(c, a) in &[
            (1, 0.5),
            (2, 1.5),
            (14, 10.0),
            (30, 29.0),
            (50, 10.0),
            (100, 95.0),
        ] {
            let got = erlang_c(c, a);
            let want = erlang_c_by_factorials(c, a);
            assert!(rel(got, want) < 1e-12, "c={c} a={a}: {got} vs {want}");
        }
    }

    #[test]
    fn blocked_recursion_matches_the_plain_one() {
        for c in [1, 2, 3, 4, 5, 7, 8, 9, 63, 100, 1001] {
            for a in [
                0.01,
                0.7,
                5.0,
                0.5 * f64::from(c),
                0.97 * f64::from(c),
                2.0 * f64::from(c),
            ] {
                let mut b = 1.0_f64;
                for k in 1..=c {
                    b = a * b / (f64::from(k) + a * b);
                }
                let got = erlang_b(c, a);
                assert!(
                    (got - b).abs() <= 1e-13 * b || (b < 1e-290 && got < 1e-290),
                    "c={c} a={a}: {got} vs {b}"
                );
            }
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
        let general =
            (1.0 - q.p_wait) * (-q.mu * 3.0f64).exp() + q.p_wait * hypoexp_tail(q.mu, q.theta, 3.0);
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
            assert!((q.response_tail(t) - (1.0 - p)).abs() < 1e-10, "p={p}");
        }
    }
}
