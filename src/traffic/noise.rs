//! Seeded, autocorrelated traffic noise: an Ornstein–Uhlenbeck process on log traffic, sampled
//! exactly at each step, so the multiplier is log-normal with mean 1 whatever the step size.

use rand_distr::{Distribution, StandardNormal};

use crate::scenario::Noise;
use crate::sim::{SimRng, TimeMs};

pub struct NoiseProcess {
    sigma: f64,
    correlation_time_ms: f64,
    /// Current log deviation, stationary N(0, σ²).
    x: f64,
    /// (step, e^(−step/τ)) of the last step: steps are nearly always the same length.
    phi_cache: (TimeMs, f64),
    rng: SimRng,
}

impl NoiseProcess {
    /// Starts from a draw of the stationary distribution, so the first hours are not special.
    pub fn new(noise: &Noise, mut rng: SimRng) -> Self {
        let z: f64 = StandardNormal.sample(&mut rng);
        NoiseProcess {
            sigma: noise.sigma,
            correlation_time_ms: noise.correlation_time_ms as f64,
            x: noise.sigma * z,
            phi_cache: (-1, 0.0),
            rng,
        }
    }

    /// Advance by `dt_ms` and return the new multiplier exp(x − σ²/2) (mean 1).
    pub fn step(&mut self, dt_ms: TimeMs) -> f64 {
        if self.phi_cache.0 != dt_ms {
            self.phi_cache = (dt_ms, (-(dt_ms as f64) / self.correlation_time_ms).exp());
        }
        let phi = self.phi_cache.1;
        let z: f64 = StandardNormal.sample(&mut self.rng);
        self.x = phi * self.x + (1.0 - phi * phi).sqrt() * self.sigma * z;
        self.multiplier()
    }

    pub fn multiplier(&self) -> f64 {
        (self.x - 0.5 * self.sigma * self.sigma).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::RngStreams;

    #[test]
    fn stationary_mean_one_and_correlated() {
        let noise = Noise {
            sigma: 0.2,
            correlation_time_ms: 600_000,
        };
        let mut p = NoiseProcess::new(&noise, RngStreams::new(3).stream("t"));
        let n = 400_000;
        let mut sum = 0.0;
        let mut xs = Vec::with_capacity(n);
        for _ in 0..n {
            let m = p.step(15_000);
            sum += m;
            xs.push(m.ln());
        }
        let mean = sum / n as f64;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        // OU autocorrelation at lag Δ is exp(-Δ/τ) = exp(-0.025) ≈ 0.975 (of the centred log).
        let mu: f64 = xs.iter().sum::<f64>() / n as f64;
        let var: f64 = xs.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / n as f64;
        let cov: f64 = xs
            .windows(2)
            .map(|w| (w[0] - mu) * (w[1] - mu))
            .sum::<f64>()
            / (n - 1) as f64;
        assert!(
            (cov / var - (-0.025f64).exp()).abs() < 0.01,
            "rho {}",
            cov / var
        );
        assert!((var.sqrt() - 0.2).abs() < 0.01, "sd {}", var.sqrt());
    }
}
