//! Response times as (mean, variance) moments: summed along a request path, mixed over groups of
//! requests, and turned into tail probabilities and percentiles through two-moment fits. The
//! arithmetic the latency model and the SLO windows share.

use super::percentile::invert_tail;

/// Mean and variance of a response time, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    pub mean_s: f64,
    pub var_s2: f64,
}

impl Moments {
    pub const ZERO: Moments = Moments {
        mean_s: 0.0,
        var_s2: 0.0,
    };

    /// The sum of two independent response times.
    pub fn plus(self, o: Moments) -> Moments {
        Moments {
            mean_s: self.mean_s + o.mean_s,
            var_s2: self.var_s2 + o.var_s2,
        }
    }

    /// `k` independent copies in sequence (e.g. k database queries per request).
    pub fn times(self, k: f64) -> Moments {
        Moments {
            mean_s: self.mean_s * k,
            var_s2: self.var_s2 * k,
        }
    }

    /// The p-quantile of the two-moment fit (closed form for the shifted exponential, bisection
    /// for the hyperexponential).
    pub fn quantile(self, p: f64) -> f64 {
        let m = self.mean_s;
        if m <= 0.0 {
            return 0.0;
        }
        let sd = self.var_s2.max(0.0).sqrt();
        if sd <= m {
            return m - sd + sd * (1.0 / (1.0 - p)).ln();
        }
        invert_tail(|t| self.tail(t), 1.0 - p, m)
    }

    /// The requests that finish within `tau_s` (the rest time out): the moments of T given
    /// T ≤ τ and P(T > τ), from E[T; T ≤ τ] = ∫₀^τ (G(t) − G(τ)) dt and E[T²; T ≤ τ] =
    /// ∫₀^τ 2t (G(t) − G(τ)) dt with G the fitted tail, integrated in closed form (G is a
    /// shifted exponential or a sum of two exponentials; a quadrature cost 129 `exp`s a step and
    /// lost accuracy at the shifted exponential's kink). Unchanged (and a probability of 0) when
    /// the tail at τ is negligible, which is the usual case.
    pub fn truncated(self, tau_s: f64) -> (Moments, f64) {
        if tau_s <= 0.0 || !tau_s.is_finite() {
            return (self, 0.0);
        }
        let g_tau = self.tail(tau_s);
        if g_tau <= 1e-12 {
            return (self, g_tau.max(0.0));
        }
        if g_tau >= 1.0 - 1e-12 {
            // Nothing finishes in time: every request times out.
            return (Moments::ZERO, 1.0);
        }
        let (int_g, int_2tg) = self.tail_integrals(tau_s);
        let m1 = int_g - tau_s * g_tau;
        let m2 = int_2tg - tau_s * tau_s * g_tau;
        let kept = 1.0 - g_tau;
        let mean = (m1 / kept).clamp(0.0, tau_s);
        let var = (m2 / kept - mean * mean).max(0.0);
        (
            Moments {
                mean_s: mean,
                var_s2: var,
            },
            g_tau,
        )
    }

    /// (∫₀^τ G(t) dt, ∫₀^τ 2t G(t) dt) for the fit of [`Moments::tail`], in closed form. Called
    /// only where G(τ) is neither ≈0 nor ≈1, so the mean is positive and τ is past the shift.
    fn tail_integrals(self, tau_s: f64) -> (f64, f64) {
        let m = self.mean_s;
        let sd = self.var_s2.max(0.0).sqrt();
        if sd <= m {
            // G = 1 up to the shift c, then exp(−(t − c)/sd): with L = τ − c and E = G(τ),
            // ∫G = c + sd(1 − E) and ∫2tG = c² + 2c·sd(1 − E) + 2sd²(1 − E(1 + L/sd)).
            let c = m - sd;
            let x = (tau_s - c) / sd;
            let (one_minus_e, one_minus_e1x) = exp_integrals(x);
            (
                c + sd * one_minus_e,
                c * c + 2.0 * c * sd * one_minus_e + 2.0 * sd * sd * one_minus_e1x,
            )
        } else {
            // G = p1·exp(−r1 t) + p2·exp(−r2 t): ∫e^{−rt} = (1 − e^{−rτ})/r and
            // ∫2t·e^{−rt} = 2(1 − e^{−rτ}(1 + rτ))/r².
            let (p1, p2, r1, r2) = self.hyper_phases();
            let (a1, b1) = exp_integrals(r1 * tau_s);
            let (a2, b2) = exp_integrals(r2 * tau_s);
            (
                p1 * a1 / r1 + p2 * a2 / r2,
                2.0 * (p1 * b1 / (r1 * r1) + p2 * b2 / (r2 * r2)),
            )
        }
    }

    /// The balanced-means two-phase hyperexponential of a fit with cv > 1: (p1, p2, r1, r2).
    fn hyper_phases(self) -> (f64, f64, f64, f64) {
        let m = self.mean_s;
        let cv2 = self.var_s2 / (m * m);
        let p1 = 0.5 * (1.0 + ((cv2 - 1.0) / (cv2 + 1.0)).sqrt());
        let p2 = 1.0 - p1;
        (p1, p2, 2.0 * p1 / m, 2.0 * p2 / m)
    }

    /// P(T > t) under a two-moment fit (Whitt's QNA conventions, "The Queueing Network
    /// Analyzer", Bell System Technical Journal 62(9), 1983): a shifted exponential when the
    /// coefficient of variation is ≤ 1 (exact for an exponential time), a balanced-means
    /// two-phase hyperexponential when it is > 1. Cheap enough to evaluate millions of times.
    pub fn tail(self, t_s: f64) -> f64 {
        let m = self.mean_s;
        if m <= 0.0 {
            return 0.0;
        }
        let sd = self.var_s2.max(0.0).sqrt();
        if sd <= m {
            let shift = m - sd;
            if t_s < shift {
                1.0
            } else if sd <= 0.0 {
                0.0
            } else {
                (-(t_s - shift) / sd).exp()
            }
        } else {
            let (p1, p2, r1, r2) = self.hyper_phases();
            p1 * (-r1 * t_s).exp() + p2 * (-r2 * t_s).exp()
        }
    }
}

/// (1 − e^{−x}, 1 − e^{−x}(1 + x)) for x ≥ 0, without cancellation near 0 (the second by its
/// series Σₖ₌₂ (−1)ᵏ(k − 1)xᵏ/k! below 0.01, seven terms, truncation < 1e-18 relative; above
/// it the difference loses at most ≈1e-14 relative).
fn exp_integrals(x: f64) -> (f64, f64) {
    let one_minus_e = -(-x).exp_m1();
    let one_minus_e1x = if x < 0.01 {
        let tail = 1.0 / 30.0 - x * (1.0 / 144.0 - x * (1.0 / 840.0 - x / 5760.0));
        x * x * (0.5 - x * (1.0 / 3.0 - x * (1.0 / 8.0 - x * tail)))
    } else {
        one_minus_e - x * (-x).exp()
    };
    (one_minus_e, one_minus_e1x)
}

/// Response times of many requests drawn from several (weight, moments) groups: its tail and
/// percentiles, computed on the mixture, never by averaging the groups' percentiles.
#[derive(Debug, Clone, Default)]
pub struct Mixture {
    parts: Vec<(f64, Moments)>,
    /// Σ weights of `parts`.
    total: f64,
}

impl Mixture {
    pub fn clear(&mut self) {
        self.parts.clear();
        self.total = 0.0;
    }
    pub fn add(&mut self, weight: f64, m: Moments) {
        if weight > 0.0 {
            self.parts.push((weight, m));
            self.total += weight;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
    pub fn tail(&self, t_s: f64) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        self.parts.iter().map(|(w, m)| w * m.tail(t_s)).sum::<f64>() / self.total
    }
    /// The p-quantile (e.g. 0.95), by bisection on the tail; 0 for an empty mixture.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.parts.is_empty() {
            return 0.0;
        }
        let scale = self
            .parts
            .iter()
            .map(|(_, m)| m.mean_s)
            .fold(1e-3, f64::max);
        invert_tail(|t| self.tail(t), 1.0 - p, scale)
    }
}

#[cfg(test)]
mod truncation_tests {
    use super::*;

    /// Exponential with mean 1 cut at τ = 1 (the truncated exponential, e.g. Johnson, Kotz &
    /// Balakrishnan, Continuous Univariate Distributions vol. 1, ch. 19): P(T > 1) = e⁻¹,
    /// E[T | T ≤ 1] = (1 − 2e⁻¹)/(1 − e⁻¹), E[T² | T ≤ 1] = (2 − 5e⁻¹)/(1 − e⁻¹).
    #[test]
    fn truncated_exponential_matches_the_closed_form() {
        let e = (-1.0f64).exp();
        let (m, late) = Moments {
            mean_s: 1.0,
            var_s2: 1.0,
        }
        .truncated(1.0);
        assert!((late - e).abs() < 1e-12);
        let mean = (1.0 - 2.0 * e) / (1.0 - e);
        let second = (2.0 - 5.0 * e) / (1.0 - e);
        assert!((m.mean_s - mean).abs() < 1e-14, "{m:?}");
        assert!((m.var_s2 - (second - mean * mean)).abs() < 1e-14, "{m:?}");
    }

    /// E[T; T ≤ τ] and E[T²; T ≤ τ] by a fine midpoint rule on the density −G′ (a different
    /// integral from the closed form's ∫(G(t) − G(τ))): the shifted exponential with its kink
    /// and a heavy-tailed hyperexponential.
    #[test]
    fn truncated_moments_match_direct_integration_of_the_density() {
        for m in [
            Moments {
                mean_s: 2.0,
                var_s2: 1.0,
            },
            Moments {
                mean_s: 3.0,
                var_s2: 36.0,
            },
            Moments {
                mean_s: 0.5,
                var_s2: 0.0625,
            },
        ] {
            let tau = 4.0;
            let n = 400_000;
            let h = tau / n as f64;
            let (mut p, mut e1, mut e2) = (0.0, 0.0, 0.0);
            for i in 0..n {
                let (a, b) = (i as f64 * h, (i + 1) as f64 * h);
                let mass = m.tail(a) - m.tail(b);
                let t = 0.5 * (a + b);
                p += mass;
                e1 += t * mass;
                e2 += t * t * mass;
            }
            let (got, late) = m.truncated(tau);
            assert!((late - m.tail(tau)).abs() < 1e-15);
            assert!((p - (1.0 - late)).abs() < 1e-9, "{m:?}");
            let (mean, var) = (e1 / p, e2 / p - (e1 / p).powi(2));
            assert!(
                (got.mean_s - mean).abs() < 1e-8 * mean,
                "{m:?}: {got:?} vs {mean}"
            );
            assert!(
                (got.var_s2 - var).abs() < 1e-7 * var,
                "{m:?}: {got:?} vs {var}"
            );
        }
    }

    /// 1 − e^{−x}(1 + x) on both sides of the switch to the series, against the full series
    /// Σₖ₌₂²⁵ (−1)ᵏ(k − 1)xᵏ/k! (alternating and decreasing here, so exact to rounding).
    #[test]
    fn exp_integrals_hold_on_both_sides_of_the_series_switch() {
        for x in [1e-6, 1e-3, 0.01 - 1e-9, 0.01, 0.02, 0.5] {
            let (mut reference, mut term) = (0.0, x);
            for k in 2..=25 {
                term *= x / k as f64;
                let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                reference += sign * (k - 1) as f64 * term;
            }
            let got = exp_integrals(x).1;
            assert!(
                (got - reference).abs() < 1e-13 * reference,
                "{x}: {got} vs {reference}"
            );
        }
    }

    #[test]
    fn a_negligible_tail_leaves_the_moments_alone() {
        let m = Moments {
            mean_s: 0.1,
            var_s2: 0.01,
        };
        assert_eq!(m.truncated(10.0).0, m);
        assert_eq!(m.truncated(f64::INFINITY), (m, 0.0));
    }
}
