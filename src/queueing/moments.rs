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
    /// T ≤ τ and P(T > τ), by Simpson's rule on the fitted tail: E[T; T ≤ τ] = ∫₀^τ (G(t) − G(τ))
    /// dt and E[T²; T ≤ τ] = ∫₀^τ 2t (G(t) − G(τ)) dt with G the tail. Unchanged (and a
    /// probability of 0) when the tail at τ is negligible, which is the usual case.
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
        const N: usize = 128;
        let h = tau_s / N as f64;
        let (mut m1, mut m2) = (0.0, 0.0);
        for i in 0..=N {
            let t = i as f64 * h;
            let w = if i == 0 || i == N {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let g = self.tail(t) - g_tau;
            m1 += w * g;
            m2 += w * 2.0 * t * g;
        }
        let (m1, m2) = (m1 * h / 3.0, m2 * h / 3.0);
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
            let cv2 = self.var_s2 / (m * m);
            let p1 = 0.5 * (1.0 + ((cv2 - 1.0) / (cv2 + 1.0)).sqrt());
            let p2 = 1.0 - p1;
            let (r1, r2) = (2.0 * p1 / m, 2.0 * p2 / m);
            p1 * (-r1 * t_s).exp() + p2 * (-r2 * t_s).exp()
        }
    }
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
        assert!((m.mean_s - mean).abs() < 1e-6, "{m:?}");
        assert!((m.var_s2 - (second - mean * mean)).abs() < 1e-6, "{m:?}");
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
