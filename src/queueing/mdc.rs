//! Deterministic service: the M/D/1 queue exactly, the M/D/c queue by Cosmetatos' approximation.
//!
//! # M/D/1: a stable evaluation of Erlang's waiting-time distribution
//!
//! Erlang's formula F(t) = (1 − ρ)·Σ_{k=0}^{⌊t/D⌋} [λ(kD − t)]^k / k! · e^{−λ(kD − t)} is an
//! alternating sum whose terms grow to ~e^{λt}: at ρ = 0.95 and t = 100·D they reach 10^25
//! and f64 returns noise. We never evaluate it. Instead (time in units of D, λ = ρ):
//!
//! 1. **State probabilities by level crossing.** πₙ, the stationary probability of n requests in
//!    the system (the same at departures, at arrivals and at a random time), follows from
//!    equating crossings of the level n↔n+1 in the embedded chain X' = max(X−1, 0) + A,
//!    A ~ Poisson(ρ) arrivals per service:
//!    π_{n+1}·a₀ = π₀·Ā_n + Σ_{j=1}^{n} π_j·Ā_{n+1−j}, with a₀ = e^{−ρ}, Ā_k = P(A > k).
//!    Every term is positive (Ā_k is summed from the far end, never as 1 − CDF), so there is no
//!    cancellation; this is the textbook recursion π_{n+1} = (π_n − …)/a₀ with the subtractions
//!    moved to the other side.
//! 2. **Deconvolution by the fractional part.** Write t = T + τ (T integer, 0 ≤ τ < 1). A request
//!    arriving at time s waits at most T + τ exactly when at most T of the requests present at
//!    s are still there at s + τ (each needs one full D, FCFS). Requests that arrive in (s, s+τ]
//!    are all still present at s + τ, and their number is Poisson(ρτ), independent of the past,
//!    so Q = G ⋆ Poisson(ρτ) where Q(n) = Σ_{j≤n} π_j and G(T) = P(W ≤ T + τ). Inverting the
//!    Poisson convolution: G(T) = Σ_{i=0}^{T} Q(T−i)·cᵢ, cᵢ = e^{ρτ}(−ρτ)^i / i!.
//!    The cᵢ alternate, but Σ|cᵢ| = e^{2ρτ} ≤ e², so at most ~3 bits are lost whatever t is
//!    (this is Iversen & Staalhage's "state probability" method, Electronics Letters 35(25),
//!    1999; expanded, the sum is exactly Erlang's formula). The series is cut once |cᵢ| < 1e−18.
//! 3. **Beyond 320·D** the Cramér–Lundberg asymptote P(W > t) = C·e^{−γt} is used, with
//!    ρ(e^{γD} − 1) = γD and C = (1 − ρ)/(ρe^{γD} − 1). Its relative error there is below
//!    1e−12 whenever the tail itself is above 1e−12 (the next roots decay ≥ 1.8/D faster).
//!
//! Absolute error of P(W > t) in the exact range: ~1e−15 (tested against 300-digit mpmath).
//!
//! # M/D/c (c > 1): Cosmetatos
//!
//! Mean wait Wq ≈ ½·Wq(M/M/c)·[1 + (1 − ρ)(c − 1)(√(4 + 5c) − 2)/(16ρc)] (Cosmetatos 1976, as
//! given in Tijms, *A First Course in Stochastic Models*, 2003, §5.4; it is the exact P-K mean
//! at c = 1). The distribution keeps the Erlang C probability of waiting and an exponential
//! conditional wait with that mean; the response time is the wait plus D.

/// Table length in units of D; beyond it the asymptote takes over.
const N_MAX: usize = 320;
/// P(Poisson(ρ) > k) is below the smallest f64 for k ≥ 180 when ρ < 1.
const ABAR_LEN: usize = 184;

/// An M/D/1 queue with its state-probability table, extended lazily as larger t are asked for.
/// About 12 KB, on the stack; no heap allocation.
pub(crate) struct Md1 {
    /// ρ = λD.
    rho: f64,
    d: f64,
    /// 1/a₀ = e^{ρ}.
    inv_a0: f64,
    /// abar[k] = P(A > k), A ~ Poisson(ρ).
    abar: [f64; ABAR_LEN],
    /// π₀ … π_{len−1}.
    pi: [f64; N_MAX + 1],
    /// cum[n] = Q(n) = π₀ + … + πₙ.
    cum: [f64; N_MAX + 1],
    len: usize,
    /// (γD, C) of the asymptote, computed when first needed.
    asymptote: Option<(f64, f64)>,
}

impl Md1 {
    /// `None` unless 0 ≤ λD < 1.
    pub fn new(lambda: f64, d: f64) -> Option<Md1> {
        let rho = lambda * d;
        if !((0.0..1.0).contains(&rho) && d > 0.0 && d.is_finite()) {
            return None;
        }
        let mut a = [0.0_f64; ABAR_LEN + 1];
        a[0] = (-rho).exp();
        for k in 1..=ABAR_LEN {
            a[k] = a[k - 1] * rho / k as f64;
        }
        let mut abar = [0.0_f64; ABAR_LEN];
        abar[ABAR_LEN - 1] = a[ABAR_LEN];
        for k in (0..ABAR_LEN - 1).rev() {
            abar[k] = abar[k + 1] + a[k + 1];
        }
        let mut m = Md1 {
            rho,
            d,
            inv_a0: rho.exp(),
            abar,
            pi: [0.0; N_MAX + 1],
            cum: [0.0; N_MAX + 1],
            len: 1,
            asymptote: None,
        };
        m.pi[0] = 1.0 - rho;
        m.cum[0] = 1.0 - rho;
        Some(m)
    }

    pub fn rho(&self) -> f64 {
        self.rho
    }

    /// Pollaczek–Khinchine: Wq = ρD / (2(1 − ρ)).
    pub fn wq_mean(&self) -> f64 {
        md1_wq_mean(self.rho, self.d)
    }

    /// Extend π and Q up to index n (≤ N_MAX).
    fn ensure(&mut self, n: usize) {
        while self.len <= n {
            let m = self.len; // computing π_m from π_0..π_{m-1}
            let abar = |k: usize| if k < ABAR_LEN { self.abar[k] } else { 0.0 };
            let mut s = self.pi[0] * abar(m - 1);
            let j_from = if m > ABAR_LEN { m - ABAR_LEN + 1 } else { 1 };
            for j in j_from.max(1)..m {
                s += self.pi[j] * abar(m - j);
            }
            let p = s * self.inv_a0;
            self.pi[m] = p;
            self.cum[m] = (self.cum[m - 1] + p).min(1.0);
            self.len += 1;
        }
    }

    /// P(Wq > t).
    pub fn wait_tail(&mut self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        if self.rho == 0.0 {
            return 0.0;
        }
        let x = t / self.d;
        if x >= (N_MAX + 1) as f64 {
            let (rate, c) = self.asymptote();
            return (c * (-rate * x).exp()).min(1.0);
        }
        let big_t = x.floor() as usize;
        let tau = x - big_t as f64;
        self.ensure(big_t);
        let rt = self.rho * tau;
        let mut ci = rt.exp();
        let mut g = 0.0;
        for i in 0..=big_t {
            g += self.cum[big_t - i] * ci;
            ci *= -rt / (i + 1) as f64;
            if ci.abs() < 1e-18 {
                break;
            }
        }
        (1.0 - g).clamp(0.0, 1.0)
    }

    /// P(W > t), W = Wq + D.
    pub fn response_tail(&mut self, t: f64) -> f64 {
        if t < self.d {
            1.0
        } else {
            self.wait_tail(t - self.d)
        }
    }

    /// q-quantile of Wq (0 when at least a fraction q never waits: P(Wq > 0) = ρ).
    pub fn wait_quantile(&mut self, q: f64) -> f64 {
        if self.rho <= 1.0 - q {
            return 0.0;
        }
        let scale = self.wq_mean().max(self.d);
        super::percentile::invert_tail(|t| self.wait_tail(t), 1.0 - q, scale)
    }

    /// (γD, C): ρ(e^{γD} − 1) = γD and C = (1 − ρ)/(ρ·e^{γD} − 1).
    fn asymptote(&mut self) -> (f64, f64) {
        if let Some(a) = self.asymptote {
            return a;
        }
        let rho = self.rho;
        let x = decay_root(rho);
        let c = (1.0 - rho) / (rho * x.exp_m1() - (1.0 - rho));
        self.asymptote = Some((x, c));
        (x, c)
    }
}

/// The M/D/1 mean wait by Pollaczek–Khinchine, Wq = ρD / (2(1 − ρ)), without the table.
pub(crate) fn md1_wq_mean(rho: f64, d: f64) -> f64 {
    rho * d / (2.0 * (1.0 - rho))
}

/// The positive root x of ρ(eˣ − 1) = x, written φ(x) = (eˣ − 1 − x)/x = (1 − ρ)/ρ so that it
/// stays accurate as ρ → 1 (x → 0). Safeguarded Newton (φ is increasing and convex).
fn decay_root(rho: f64) -> f64 {
    fn phi(x: f64) -> f64 {
        if x < 1e-3 {
            x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x / 120.0)))
        } else {
            (x.exp_m1() - x) / x
        }
    }
    fn dphi(x: f64) -> f64 {
        if x < 1e-3 {
            0.5 + x * (1.0 / 3.0 + x * (1.0 / 8.0 + x / 30.0))
        } else {
            (x * x.exp() - x.exp_m1()) / (x * x)
        }
    }
    let r = (1.0 - rho) / rho;
    // φ(x) ≥ x/2, so 2r is right of the root; for large r, φ(x) ≈ eˣ/x puts the root just
    // below ln r + 2·ln(ln r + 2) (Newton from far right would crawl one unit per step).
    // φ(700) ≈ 1e301 caps it for any ρ > 1e−300.
    let mut hi = (2.0 * r).min(700.0);
    if r > 1.0 {
        let guess = r.ln() + 2.0 * (r.ln() + 2.0).ln();
        if guess < hi && phi(guess) >= r {
            hi = guess;
        }
    }
    let mut lo = 0.0_f64;
    let mut x = hi;
    for _ in 0..200 {
        let f = phi(x) - r;
        if f > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        let mut next = x - f / dphi(x);
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() <= 4.0 * f64::EPSILON * x {
            return next;
        }
        x = next;
    }
    x
}

/// Cosmetatos' correction: Wq(M/D/c) ≈ factor × Wq(M/M/c), with
/// factor = ½·[1 + (1 − ρ)(c − 1)(√(4 + 5c) − 2)/(16ρc)].
pub(crate) fn cosmetatos_factor(c: u32, rho: f64) -> f64 {
    let cf = f64::from(c);
    0.5 * (1.0 + (1.0 - rho) * (cf - 1.0) * ((4.0 + 5.0 * cf).sqrt() - 2.0) / (16.0 * rho * cf))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang's alternating sum in f64: fine for small t/D, noise for large t/D.
    fn erlang_naive_cdf(rho: f64, t: f64) -> f64 {
        let mut s = 0.0;
        let mut fact = 1.0;
        for k in 0..=(t.floor() as i32) {
            if k > 0 {
                fact *= f64::from(k);
            }
            let x = rho * (f64::from(k) - t);
            s += x.powi(k) / fact * (-x).exp();
        }
        (1.0 - rho) * s
    }

    /// Reference values of P(Wq > t·D), D = 1, from Erlang's formula evaluated in 300-digit
    /// arithmetic with mpmath 1.3.0 (`mp.dps = 300`; the script is in docs/queueing.md).
    const MPMATH_TAILS: &[(f64, f64, f64)] = &[
        (0.3, 0.5, 0.18671603009020181),
        (0.3, 3.7, 0.00024609586856788997),
        (0.3, 10.25, 3.308560532993505e-10),
        (0.5, 12.5, 9.98702889106532e-08),
        (0.9, 3.7, 0.4336645171591807),
        (0.9, 20.25, 0.014069533233341007),
        (0.9, 60.5, 3.367330289506828e-06),
        (0.9, 100.9, 7.812631793419604e-10),
        (0.95, 20.25, 0.12321512587014708),
        (0.95, 60.5, 0.0020534617229751031),
        (0.95, 100.9, 3.370407795977485e-05),
        (0.95, 250.3, 8.461382340518454e-12),
        (0.99, 60.5, 0.2950089927662738),
        (0.99, 250.3, 0.0065421609240695016),
    ];

    #[test]
    fn matches_extended_precision_erlang_formula() {
        for &(rho, t, want) in MPMATH_TAILS {
            let mut m = Md1::new(rho, 1.0).unwrap();
            let got = m.wait_tail(t);
            assert!(
                (got - want).abs() < 5e-15 + 1e-6 * want,
                "rho={rho} t={t}: {got:e} vs {want:e}"
            );
        }
    }

    #[test]
    fn naive_sum_agrees_for_small_t_and_fails_for_large_t() {
        for &rho in &[0.2, 0.5, 0.8, 0.95] {
            let mut m = Md1::new(rho, 1.0).unwrap();
            for &t in &[0.0, 0.3, 1.0, 2.5, 7.9] {
                let naive = 1.0 - erlang_naive_cdf(rho, t);
                let ours = m.wait_tail(t);
                // (The naive sum is the less accurate of the two: at ρ = 0.95, t = 7.9 it is off
                // by 1.3e−13 from mpmath, ours by < 1e−16.)
                assert!(
                    (ours - naive).abs() < 1e-12,
                    "rho={rho} t={t}: {ours} vs {naive}"
                );
            }
        }
        // The reason for the method: at ρ = 0.95, t = 150·D the naive sum is far off.
        let naive = 1.0 - erlang_naive_cdf(0.95, 150.5);
        let mut m = Md1::new(0.95, 1.0).unwrap();
        let good = m.wait_tail(150.5);
        assert!(good > 0.0 && good < 1e-6, "{good:e}");
        assert!((naive - good).abs() > 1e-3, "naive {naive:e}");
    }

    #[test]
    fn tail_is_a_proper_survival_function() {
        for &rho in &[0.05, 0.5, 0.9, 0.99, 0.999] {
            let mut m = Md1::new(rho, 1.0).unwrap();
            assert!((m.wait_tail(0.0) - rho).abs() < 1e-15);
            let mut prev = 1.0;
            let mut t = 0.0;
            while t < 400.0 {
                let p = m.wait_tail(t);
                assert!((0.0..=1.0).contains(&p));
                assert!(p <= prev + 1e-14, "rho={rho}: not monotone at t={t}");
                prev = p;
                t += 0.37;
            }
        }
    }

    #[test]
    fn mean_of_the_distribution_is_pollaczek_khinchine() {
        // ∫ P(Wq > t) dt by the trapezoid rule over a fine grid (plus the exponential tail).
        for &rho in &[0.3, 0.7, 0.9] {
            let mut m = Md1::new(rho, 1.0).unwrap();
            let h = 1e-3;
            let mut integral = 0.0;
            let mut t = 0.0;
            let end = 300.0;
            let mut prev = m.wait_tail(0.0);
            while t < end {
                let next = m.wait_tail(t + h);
                integral += 0.5 * h * (prev + next);
                prev = next;
                t += h;
            }
            let want = m.wq_mean();
            assert!(
                ((integral - want) / want).abs() < 1e-6,
                "rho={rho}: {integral} vs {want}"
            );
        }
    }

    #[test]
    fn exact_range_joins_the_asymptote() {
        for &rho in &[0.95, 0.99, 0.995] {
            let mut m = Md1::new(rho, 1.0).unwrap();
            let (x, c) = m.asymptote();
            for &t in &[80.5, 200.25, 320.9] {
                let exact = m.wait_tail(t);
                let asym = c * (-x * t).exp();
                // The exact range has ~1e−15 absolute error, the asymptote ~0 relative error here.
                assert!(
                    (exact - asym).abs() < 1e-14 + 1e-9 * exact,
                    "rho={rho} t={t}: {exact:e} vs {asym:e}"
                );
            }
            // Either side of the switch at 321·D.
            let below = m.wait_tail(320.999_999);
            let above = m.wait_tail(321.0);
            assert!(
                (below - above).abs() < 1e-14 + 1e-6 * below,
                "{below:e} {above:e}"
            );
        }
    }

    #[test]
    fn decay_root_solves_its_equation() {
        for &rho in &[1e-6, 0.01, 0.3, 0.9, 0.999, 1.0 - 1e-9] {
            let x = decay_root(rho);
            let lhs = rho * x.exp_m1();
            assert!(((lhs - x) / x).abs() < 1e-9, "rho={rho}: x={x}");
        }
        // M/M/1 analogue check of the constant: ρ → 1 gives x ≈ 2(1 − ρ)/ρ.
        let x = decay_root(0.999);
        assert!((x / (2.0 * 0.001 / 0.999) - 1.0).abs() < 2e-3);
    }

    #[test]
    fn cosmetatos_is_exact_pk_at_one_server() {
        assert_eq!(cosmetatos_factor(1, 0.7), 0.5);
        assert!(cosmetatos_factor(10, 0.5) > 0.5);
    }
}
