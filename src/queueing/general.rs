//! The exponential-tail approximation shared by M/D/c (c > 1) and M/G/c, and the gamma-function
//! helpers it needs.
//!
//! The waiting time is modelled as a mixture: 0 with probability 1 − C (C = Erlang C of the
//! M/M/c queue with the same λ, μ, c), otherwise exponential with rate θ′ = C / Wq, where Wq is
//! the approximate mean (Allen–Cunneen: Wq(M/M/c)·(1 + cs²)/2; Cosmetatos for M/D/c). So
//! P(Wq > t) = C·e^{−θ′t}, matching the approximate mean and the M/M/c tail shape (for cs = 1
//! it *is* the M/M/c). The service time S is gamma with mean 1/μ and coefficient of variation
//! cs (shape k = 1/cs², rate β = kμ; k = 1 is exponential), or exactly D for deterministic
//! service, and W = Wq + S with Wq, S independent. For gamma service:
//!
//!   P(W > t) = Q(k, βt) + C·I(t),   I(t) = ∫₀ᵗ f_S(s)·e^{−θ′(t−s)} ds,
//!
//! with Q the regularised upper incomplete gamma function, and I in closed form:
//! * θ′ < β: I = e^{−θ′t}·(β/(β−θ′))^k·P(k, (β−θ′)t), evaluated in logs (the power and the
//!   incomplete gamma are combined so nothing overflows as θ′ → β);
//! * θ′ ≥ β: I = e^{−βt}(βt)^k/Γ(k)·E[1/(N + k)], N ~ Poisson((θ′ − β)t), a sum of positive
//!   terms (an asymptotic expansion in 1/m when the Poisson mean m exceeds 1000).
//!
//! Percentiles of W come from bisection on that tail.

/// The wait-mixture approximation with gamma (or deterministic) service.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExpWait {
    /// P(Wq > 0).
    pub p_wait: f64,
    /// Rate of the conditional wait, θ′ = C / Wq.
    pub theta: f64,
    /// Mean service time 1/μ.
    pub mean_service: f64,
    pub service: Service,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Service {
    /// Exactly the mean.
    Deterministic,
    /// Gamma with shape k and rate β = k·μ.
    Gamma { k: f64, beta: f64, ln_gamma_k: f64 },
}

impl ExpWait {
    /// `wq_mean` is the approximate mean wait; `p_wait` the probability of waiting.
    pub fn new(p_wait: f64, wq_mean: f64, mean_service: f64, cv: Option<f64>) -> ExpWait {
        let theta = if wq_mean > 0.0 {
            p_wait / wq_mean
        } else {
            f64::INFINITY
        };
        let service = match cv {
            None => Service::Deterministic,
            Some(cv) => {
                let k = 1.0 / (cv * cv);
                Service::Gamma {
                    k,
                    beta: k / mean_service,
                    ln_gamma_k: ln_gamma(k),
                }
            }
        };
        ExpWait {
            p_wait,
            theta,
            mean_service,
            service,
        }
    }

    pub fn wq_mean(&self) -> f64 {
        if self.p_wait > 0.0 {
            self.p_wait / self.theta
        } else {
            0.0
        }
    }

    /// [`wq_mean`](Self::wq_mean) of `ExpWait::new(p_wait, wq_mean, ..)`, bit for bit, without
    /// fitting the service time.
    pub fn wq_mean_of(p_wait: f64, wq_mean: f64) -> f64 {
        let theta = if wq_mean > 0.0 {
            p_wait / wq_mean
        } else {
            f64::INFINITY
        };
        if p_wait > 0.0 { p_wait / theta } else { 0.0 }
    }

    /// P(Wq > t) = C·e^{−θ′t}.
    pub fn wait_tail(&self, t: f64) -> f64 {
        if t < 0.0 {
            1.0
        } else if self.p_wait == 0.0 {
            0.0
        } else {
            self.p_wait * (-self.theta * t).exp()
        }
    }

    pub fn wait_quantile(&self, q: f64) -> f64 {
        super::erlang::exp_wait_quantile(self.p_wait, self.theta, q)
    }

    /// P(W > t) for W = Wq + S.
    pub fn response_tail(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        match self.service {
            Service::Deterministic => self.wait_tail(t - self.mean_service),
            Service::Gamma {
                k,
                beta,
                ln_gamma_k,
            } => {
                let q = gamma_q(k, ln_gamma_k, beta * t);
                if self.p_wait == 0.0 {
                    return q;
                }
                (q + self.p_wait * conv_integral(k, beta, ln_gamma_k, self.theta, t))
                    .clamp(0.0, 1.0)
            }
        }
    }

    pub fn response_quantile(&self, q: f64) -> f64 {
        match self.service {
            Service::Deterministic => self.wait_quantile(q) + self.mean_service,
            Service::Gamma { .. } => {
                let scale = self.wq_mean() + self.mean_service;
                super::percentile::invert_tail(|t| self.response_tail(t), 1.0 - q, scale)
            }
        }
    }
}

/// I(t) = ∫₀ᵗ f_S(s)·e^{−θ(t−s)} ds for S ~ Gamma(k, rate β): P(S ≤ t, E > t − S), E ~ Exp(θ).
fn conv_integral(k: f64, beta: f64, ln_gamma_k: f64, theta: f64, t: f64) -> f64 {
    if !theta.is_finite() {
        return 0.0;
    }
    let bt = beta * t;
    // ln[(βt)^k e^{−βt} / Γ(k)]: the gamma density times t.
    let ln_front = k * bt.ln() - bt - ln_gamma_k;
    let b = beta - theta;
    if b > 0.0 {
        let x = b * t;
        if x < k + 1.0 {
            // P(k, x) = e^{−x} x^k / Γ(k+1) · S(k, x); the e^{−θt}(β/b)^k factor folds into
            // e^{−βt}(βt)^k / Γ(k+1): I = that × S(k, x).
            (ln_front - k.ln()).exp() * lower_series_sum(k, x)
        } else {
            let ln_pref = -theta * t + k * (beta / b).ln();
            (ln_pref + (-gamma_q(k, ln_gamma_k, x)).ln_1p()).exp()
        }
    } else {
        let m = -b * t;
        ln_front.exp() * mean_inverse_shifted_poisson(m, k)
    }
}

/// E[1/(N + k)] for N ~ Poisson(m), k > 0.
fn mean_inverse_shifted_poisson(m: f64, k: f64) -> f64 {
    if m == 0.0 {
        return 1.0 / k;
    }
    if m > 1000.0 {
        poisson_inverse_expansion(m, k)
    } else {
        poisson_inverse_sum(m, k)
    }
}

/// E[1/(N + k)] for large m, by the moment expansion (relative error ~100/m⁴).
fn poisson_inverse_expansion(m: f64, k: f64) -> f64 {
    // E f(N) = Σ_n f^{(n)}(m) μ_n / n!, f(x) = 1/(x+k): f^{(n)}/n! = (−1)^n/(x+k)^{n+1};
    // Poisson central moments μ2 = μ3 = m, μ4 = m + 3m², μ5 = m + 10m², μ6 = m + 25m² + 15m³.
    let s = 1.0 / (m + k);
    let moments = [
        1.0,
        0.0,
        m,
        m,
        m + 3.0 * m * m,
        m + 10.0 * m * m,
        m + 25.0 * m * m + 15.0 * m * m * m,
    ];
    let mut sum = 0.0;
    let mut pow = s;
    for (n, mu) in moments.iter().enumerate() {
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * mu * pow;
        pow *= s;
    }
    sum
}

/// E[1/(N + k)] by summing the Poisson pmf outwards from the mode.
fn poisson_inverse_sum(m: f64, k: f64) -> f64 {
    // Sum outwards from the mode, where the pmf is largest (e^{−m} alone underflows at m > 745).
    let mode = m.floor();
    let p_mode = (mode * m.ln() - m - ln_gamma(mode + 1.0)).exp();
    let mut sum = p_mode / (mode + k);
    let (mut p, mut n) = (p_mode, mode);
    while n > 0.0 {
        p *= n / m;
        n -= 1.0;
        let term = p / (n + k);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    let (mut p, mut n) = (p_mode, mode);
    loop {
        n += 1.0;
        p *= m / n;
        let term = p / (n + k);
        sum += term;
        if term < 1e-17 * sum {
            return sum;
        }
    }
}

/// Σ_{n≥0} xⁿ / ((a+1)(a+2)…(a+n)): P(a, x) = e^{−x} x^a / Γ(a+1) times this.
fn lower_series_sum(a: f64, x: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut ap = a;
    for _ in 0..100_000 {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e−15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), given `ln_gamma_a` = ln Γ(a)
/// (the callers evaluate it for one `a` many times): series for x < a + 1, Lentz's continued
/// fraction otherwise (Numerical Recipes §6.2).
fn gamma_q(a: f64, ln_gamma_a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let ln_pref = a * x.ln() - x - ln_gamma_a;
    if x < a + 1.0 {
        let p = (ln_pref - a.ln()).exp() * lower_series_sum(a, x);
        (1.0 - p).max(0.0)
    } else {
        const TINY: f64 = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..100_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (ln_pref.exp() * h).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(ln_gamma(1.0).abs() < 1e-15);
        assert!(ln_gamma(2.0).abs() < 1e-15);
        assert!(rel(ln_gamma(10.0), (362_880.0f64).ln()) < 1e-14);
        assert!(rel(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln()) < 1e-14);
        // Stirling at 1e4: ln Γ(x) ≈ (x−½)ln x − x + ½ln 2π + 1/(12x).
        let x = 1e4_f64;
        let st =
            (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x);
        assert!(rel(ln_gamma(x), st) < 1e-14);
    }

    #[test]
    fn gamma_q_known_values() {
        // Q(1, x) = e^{−x}; Q(3, x) = e^{−x}(1 + x + x²/2).
        for &x in &[0.1, 1.0, 2.5, 10.0, 40.0] {
            assert!(
                rel(gamma_q(1.0, ln_gamma(1.0), x), (-x).exp()) < 1e-13,
                "x={x}"
            );
            let want = (-x).exp() * (1.0 + x + x * x / 2.0);
            assert!(rel(gamma_q(3.0, ln_gamma(3.0), x), want) < 1e-13, "x={x}");
        }
        // Q(½, x) = erfc(√x); erfc(1) = 0.157299207050285130658...
        assert!(rel(gamma_q(0.5, ln_gamma(0.5), 1.0), 0.157_299_207_050_285_13) < 1e-13);
    }

    #[test]
    fn poisson_inverse_mean_both_branches_agree() {
        let k = 2.5;
        for m in [1000.0_f64, 1500.0] {
            // Reference: every term in logs (e^{−1000} alone would underflow).
            let direct: f64 = (0..6000)
                .map(|n| {
                    let n = f64::from(n);
                    (n * m.ln() - m - ln_gamma(n + 1.0)).exp() / (n + k)
                })
                .sum();
            let sum = poisson_inverse_sum(m, k);
            let expansion = poisson_inverse_expansion(m, k);
            assert!(rel(sum, direct) < 1e-12, "m={m}: {sum} vs {direct}");
            assert!(
                rel(expansion, direct) < 1e-10,
                "m={m}: {expansion} vs {direct}"
            );
        }
        assert_eq!(mean_inverse_shifted_poisson(0.0, 4.0), 0.25);
        // Small m: E[1/(N+1)] = (1 − e^{−m})/m.
        let m = 0.3_f64;
        assert!(rel(mean_inverse_shifted_poisson(m, 1.0), -(-m).exp_m1() / m) < 1e-14);
    }

    /// With k = 1 (exponential service) and θ′ = cμ − λ the mixture is the M/M/c exactly.
    #[test]
    fn gamma_shape_one_reproduces_mmc() {
        let mmc = super::super::erlang::Mmc::new(9.0, 1.0, 10).unwrap();
        let approx = ExpWait::new(mmc.p_wait, mmc.wq_mean(), 1.0, Some(1.0));
        for &t in &[0.1, 0.5, 1.0, 2.0, 5.0, 10.0] {
            assert!(
                rel(approx.response_tail(t), mmc.response_tail(t)) < 1e-12,
                "t={t}"
            );
        }
        // θ′ < β and θ′ > β both covered: λ = 9.5 gives θ′ = 0.5 < 1; λ = 5 gives θ′ = 5 > 1.
        for lam in [9.5, 5.0] {
            let mmc = super::super::erlang::Mmc::new(lam, 1.0, 10).unwrap();
            let approx = ExpWait::new(mmc.p_wait, mmc.wq_mean(), 1.0, Some(1.0));
            for &t in &[0.3, 1.7, 6.0] {
                assert!(
                    rel(approx.response_tail(t), mmc.response_tail(t)) < 1e-11,
                    "lam={lam} t={t}"
                );
            }
        }
    }

    /// The convolution against a brute-force quadrature, for several shapes and both regimes.
    #[test]
    fn convolution_matches_quadrature() {
        for &(k, beta, theta) in &[
            (4.0, 4.0, 0.7),
            (4.0, 4.0, 9.0),
            (0.25, 0.25, 0.1),
            (0.25, 0.25, 3.0),
            (25.0, 25.0, 25.0),
        ] {
            let lg = ln_gamma(k);
            for &t in &[0.5, 1.0, 3.0] {
                let got = conv_integral(k, beta, lg, theta, t);
                // ∫₀ᵗ f_S(s) e^{−θ(t−s)} ds by the midpoint rule; for k < 1 with s = t·u^{1/k},
                // which removes the s^{k−1} singularity (s^{k−1} ds = t^k/k du).
                let n = 200_000;
                let mut sum = 0.0;
                for i in 0..n {
                    let u = (i as f64 + 0.5) / n as f64;
                    sum += if k < 1.0 {
                        let s = t * u.powf(1.0 / k);
                        (-beta * s - theta * (t - s)).exp()
                    } else {
                        let s = t * u;
                        k * u.powf(k - 1.0) * (-beta * s - theta * (t - s)).exp()
                    };
                }
                let want = sum / n as f64 * (k * (beta * t).ln() - lg).exp() / k;
                assert!(
                    rel(got, want) < 1e-6,
                    "k={k} β={beta} θ={theta} t={t}: {got} vs {want}"
                );
            }
        }
    }
}
