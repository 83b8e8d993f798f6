//! The Redis cache: how many lookups hit, and how a flush or failover empties it.
//!
//! The hit ratio is either fixed or derived from memory against the working set:
//!
//! * the working set is `N = DAU × keys_per_user` items, requested with Zipf(α) popularity
//!   (`p_i ∝ i^-α`) under the Independent Reference Model;
//! * the cache holds `C = nodes × node memory × usable fraction / item_bytes` items and evicts the
//!   least recently used one (Redis `allkeys-lru`);
//! * the LRU hit ratio follows Che's approximation (Che, Tung & Wang 2002; explained and shown
//!   accurate by Fricker, Robert & Roberts 2012): find the characteristic time `T_C` with
//!   `Σ_i (1 − e^(−p_i T_C)) = C`; the hit ratio is `Σ_i p_i (1 − e^(−p_i T_C))`.
//!
//! After a flush the cache refills: every miss inserts the key it missed (cache-aside), so the
//! cache holds exactly the distinct keys requested since the flush until it is full. Under the
//! IRM that is Che's formula again, with `T` = lookups since the flush instead of `T_C`; see
//! [`Cache::step`] and `docs/cache-model.md`, which has the formulas, the error bounds and the
//! validation figures.

use rand::RngExt;

use crate::sim::{RngStreams, TimeMs};

// ---------------------------------------------------------------------------------------------
// Che's approximation for Zipf popularity over a large population
// ---------------------------------------------------------------------------------------------

/// Ranks summed exactly; ranks above are integrated (Euler–Maclaurin, midpoint form).
const HEAD: usize = 32;
/// Gauss–Legendre panels in `y = ln x` start at `ln(HEAD + 1/2)` and are this wide.
const PANEL_WIDTH: f64 = 1.0;
/// Full panels tabulated per α: they cover populations up to `(HEAD + 1/2)·e^40 ≈ 7.7e18` items.
const MAX_PANELS: usize = 40;
/// Populations above this are treated as this large (far beyond any working set).
const MAX_ITEMS: f64 = 1e18;
/// α is clamped to `[0, MAX_ALPHA]`; the validated range is `[0, 3]`.
const MAX_ALPHA: f64 = 10.0;

/// 8-point Gauss–Legendre nodes (positive half) and weights on `[-1, 1]`.
const GL_X: [f64; 4] = [
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL_W: [f64; 4] = [
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];

/// Everything about Zipf(α) that does not depend on the population size: `i^-α` for the exact
/// head and the quadrature nodes of the full panels of the tail.
#[derive(Debug, Clone)]
struct AlphaTable {
    alpha: f64,
    /// `i^-α` for `i = 1..=HEAD`.
    head_q: [f64; HEAD],
    /// The quadrature nodes of the full panels, panel after panel.
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    /// `x^-α` at the node.
    q: f64,
    /// Gauss–Legendre weight × `dx/dy` (= x) × half the panel width.
    w: f64,
}

impl AlphaTable {
    fn new(alpha: f64) -> AlphaTable {
        let mut head_q = [0.0; HEAD];
        for (i, q) in head_q.iter_mut().enumerate() {
            *q = ((i + 1) as f64).powf(-alpha);
        }
        let y0 = (HEAD as f64 + 0.5).ln();
        let mut nodes = Vec::with_capacity(MAX_PANELS * 8);
        for p in 0..MAX_PANELS {
            let lo = y0 + p as f64 * PANEL_WIDTH;
            push_panel(&mut nodes, alpha, lo, lo + PANEL_WIDTH);
        }
        AlphaTable {
            alpha,
            head_q,
            nodes,
        }
    }
}

/// The 8 Gauss–Legendre nodes of `[y_lo, y_hi]` in `y = ln x`, for `∫ f(x) dx = ∫ f(e^y) e^y dy`.
fn push_panel(nodes: &mut Vec<Node>, alpha: f64, y_lo: f64, y_hi: f64) {
    let half = 0.5 * (y_hi - y_lo);
    let mid = 0.5 * (y_hi + y_lo);
    for k in 0..8 {
        let (xi, w) = if k < 4 {
            (-GL_X[3 - k], GL_W[3 - k])
        } else {
            (GL_X[k - 4], GL_W[k - 4])
        };
        let y = mid + half * xi;
        let x = y.exp();
        nodes.push(Node {
            q: (-alpha * y).exp(),
            w: w * half * x,
        });
    }
}

/// Zipf(α) over `n` items (n may be fractional: the tail integral ends at `n + 1/2`).
#[derive(Debug, Clone)]
struct Population {
    n: f64,
    /// Ranks summed exactly: `min(HEAD, ⌊n⌋)`.
    k: usize,
    /// Number of tabulated full panels used.
    full: usize,
    /// The last, partial panel (computed for this n).
    partial: Vec<Node>,
    /// Tail `[a, b] = [k + 1/2, n + 1/2]` exists.
    tail: bool,
    a: f64,
    b: f64,
    qa: f64,
    qb: f64,
    /// Normaliser `H = Σ i^-α` (the tail by the same Euler–Maclaurin rule).
    h: f64,
}

/// Sums over the population at normalised time `t = T / H` (`u_i = t·i^-α = p_i T`).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    /// `Σ (1 − e^-u)`: expected items in the cache (the fill).
    fill: f64,
    /// `Σ i^-α (1 − e^-u)`: `H ×` the hit ratio.
    hit: f64,
    /// `Σ u e^-u = d fill / d ln t`.
    dfill: f64,
}

impl Population {
    fn new(tab: &AlphaTable, n: f64) -> Population {
        let n = n.min(MAX_ITEMS);
        let alpha = tab.alpha;
        let k = (n.floor() as usize).min(HEAD);
        let a = k as f64 + 0.5;
        let b = n + 0.5;
        let tail = b > a;
        let mut h: f64 = tab.head_q[..k].iter().sum();
        let mut full = 0;
        let mut partial = Vec::new();
        let (mut qa, mut qb) = (0.0, 0.0);
        if tail {
            let (ya, yb) = (a.ln(), b.ln());
            if k == HEAD {
                full = (((yb - ya) / PANEL_WIDTH).floor() as usize).min(MAX_PANELS);
            }
            let y_start = ya + full as f64 * PANEL_WIDTH;
            if yb > y_start {
                push_panel(&mut partial, alpha, y_start, yb);
            }
            qa = (-alpha * ya).exp();
            qb = (-alpha * yb).exp();
            // ∫_a^b x^-α dx = a^(1-α) · L · expm1(z)/z with L = ln(b/a), z = (1-α)L: stable at α = 1.
            let l = yb - ya;
            let z = (1.0 - alpha) * l;
            let phi = if z.abs() < 1e-8 {
                1.0 + 0.5 * z
            } else {
                z.exp_m1() / z
            };
            let integral = a * qa * l * phi;
            // Midpoint Euler–Maclaurin: Σ f(i) = ∫_a^b f − (f'(b) − f'(a))/24, f' = −α x^-α / x.
            let correction = (-alpha * qa / a + alpha * qb / b) / 24.0;
            h += integral + correction;
        }
        Population {
            n,
            k,
            full,
            partial,
            tail,
            a,
            b,
            qa,
            qb,
            h,
        }
    }

    fn eval(&self, tab: &AlphaTable, t: f64) -> Sums {
        let mut s = Sums::default();
        for &q in &tab.head_q[..self.k] {
            let u = t * q;
            let em = (-u).exp_m1(); // e^-u − 1, exact for small u
            s.fill -= em;
            s.hit -= q * em;
            s.dfill += u * (1.0 + em);
        }
        if !self.tail {
            return s;
        }
        let full = &tab.nodes[..self.full * 8];
        for nd in full.iter().chain(self.partial.iter()) {
            let u = t * nd.q;
            let em = (-u).exp_m1();
            s.fill -= nd.w * em;
            s.hit -= nd.w * nd.q * em;
            s.dfill += nd.w * u * (1.0 + em);
        }
        // Euler–Maclaurin end corrections (f'(a) − f'(b))/24 for the three integrands.
        let alpha = tab.alpha;
        let deriv = |x: f64, q: f64| -> (f64, f64, f64) {
            let u = t * q;
            let em = (-u).exp_m1();
            let e = 1.0 + em;
            let one_minus = -em;
            (
                -alpha * u * e / x,
                -alpha * q * (one_minus + u * e) / x,
                -alpha * u * (1.0 - u) * e / x,
            )
        };
        let (fa, ga, da) = deriv(self.a, self.qa);
        let (fb, gb, db) = deriv(self.b, self.qb);
        s.fill += (fa - fb) / 24.0;
        s.hit += (ga - gb) / 24.0;
        s.dfill += (da - db) / 24.0;
        s
    }

    /// Normalised characteristic time `t` with `fill(t) = c`, for `0 < c < n`, by Newton's method
    /// on `ln t` inside a bracket (bisection when a step leaves it). `guess` is a previous `t`.
    fn solve(&self, tab: &AlphaTable, c: f64, guess: Option<f64>) -> (f64, Sums) {
        // fill(t) ≤ t·H (1 − e^-u ≤ u) and fill(t) ≥ n (1 − e^(−t n^-α)) (every term ≥ the last).
        let mut lo = (c / self.h).ln() - 1e-3;
        let hi_t = -(self.n.powf(tab.alpha)) * (-c / self.n).ln_1p();
        let mut hi = hi_t.ln() + 1e-3;
        if !hi.is_finite() || hi <= lo {
            hi = lo + 60.0;
        }
        let tol = 1e-11 * c.max(1e-3);
        let mut s = guess
            .filter(|g| g.is_finite() && *g > 0.0)
            .map_or(tab.alpha * c.ln(), f64::ln)
            .clamp(lo, hi);
        let mut best = (s.exp(), Sums::default());
        for iter in 0..200 {
            let t = s.exp();
            let sums = self.eval(tab, t);
            best = (t, sums);
            let r = sums.fill - c;
            if r.abs() <= tol {
                break;
            }
            if r > 0.0 {
                hi = s;
            } else {
                lo = s;
            }
            if hi - lo <= 1e-14 * s.abs().max(1.0) {
                break;
            }
            let newton = s - r / sums.dfill;
            s = if sums.dfill > 0.0 && newton > lo && newton < hi && iter < 100 {
                newton
            } else {
                0.5 * (lo + hi)
            };
        }
        best
    }
}

thread_local! {
    /// The table of the last α used by the free functions (scenarios use one α).
    static TABLE: std::cell::RefCell<Option<std::rc::Rc<AlphaTable>>> = const { std::cell::RefCell::new(None) };
}

fn table_for(alpha: f64) -> std::rc::Rc<AlphaTable> {
    TABLE.with(|cell| {
        let mut slot = cell.borrow_mut();
        match slot.as_ref() {
            Some(t) if t.alpha.to_bits() == alpha.to_bits() => t.clone(),
            _ => {
                let t = std::rc::Rc::new(AlphaTable::new(alpha));
                *slot = Some(t.clone());
                t
            }
        }
    })
}

/// `x > 0`, false for NaN.
fn is_positive(x: f64) -> bool {
    x > 0.0
}

fn clamp_alpha(alpha: f64) -> f64 {
    if alpha.is_nan() {
        0.0
    } else {
        alpha.clamp(0.0, MAX_ALPHA)
    }
}

/// Che's approximation of an LRU cache under the IRM: `(T_C in requests, hit ratio)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheResult {
    /// Characteristic time: requests an item stays in the cache after its last request.
    pub characteristic_time: f64,
    pub hit_ratio: f64,
}

/// Che's approximation for an LRU cache of `cache_items` items under Zipf(`zipf_alpha`)
/// requests over `n_items` items. `cache_items ≤ 0` gives 0; `cache_items ≥ n_items` gives 1
/// (the whole population fits: only cold misses, which the steady state does not count).
/// α below 0 counts as 0 (uniform), above 10 as 10; accuracy is checked for α in `[0, 3]`.
///
/// Cost: one Newton solve over 32 exact ranks and `8 × ⌈ln((n + ½)/32.5)⌉` quadrature nodes
/// (≈ 120 for n = 10⁸), typically 5–8 iterations; see `docs/cache-model.md`.
pub fn che(n_items: f64, cache_items: f64, zipf_alpha: f64) -> CheResult {
    if !is_positive(n_items) || !is_positive(cache_items) {
        return CheResult {
            characteristic_time: 0.0,
            hit_ratio: 0.0,
        };
    }
    if cache_items >= n_items {
        return CheResult {
            characteristic_time: f64::INFINITY,
            hit_ratio: 1.0,
        };
    }
    let tab = table_for(clamp_alpha(zipf_alpha));
    let pop = Population::new(&tab, n_items);
    let (t, sums) = pop.solve(&tab, cache_items.min(pop.n), None);
    CheResult {
        characteristic_time: t * pop.h,
        hit_ratio: (sums.hit / pop.h).clamp(0.0, 1.0),
    }
}

/// The LRU hit ratio by Che's approximation; see [`che`].
pub fn che_hit_ratio(n_items: f64, cache_items: f64, zipf_alpha: f64) -> f64 {
    che(n_items, cache_items, zipf_alpha).hit_ratio
}

/// Che's characteristic time `T_C` in requests; see [`che`].
pub fn che_characteristic_time(n_items: f64, cache_items: f64, zipf_alpha: f64) -> f64 {
    che(n_items, cache_items, zipf_alpha).characteristic_time
}

// ---------------------------------------------------------------------------------------------
// Request-level LRU simulation (validates Che's approximation and the refill model)
// ---------------------------------------------------------------------------------------------

/// Draws item ranks `0..n` with `P(i) ∝ (i + 1)^-α` by inverse CDF.
struct ZipfSampler {
    cdf: Vec<f64>,
}

impl ZipfSampler {
    fn new(n: usize, alpha: f64) -> ZipfSampler {
        let mut acc = 0.0;
        let cdf = (1..=n)
            .map(|i| {
                acc += (i as f64).powf(-alpha);
                acc
            })
            .collect();
        ZipfSampler { cdf }
    }

    fn sample(&self, rng: &mut crate::sim::SimRng) -> usize {
        let total = *self.cdf.last().unwrap_or(&0.0);
        let u = rng.random::<f64>() * total;
        self.cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len() - 1)
    }
}

/// An exact LRU cache of item ranks: a doubly linked list threaded through arrays.
struct Lru {
    capacity: usize,
    len: usize,
    prev: Vec<u32>,
    next: Vec<u32>,
    cached: Vec<bool>,
    /// Sentinel index (= n): `next[s]` is the most recent item, `prev[s]` the least recent.
    sentinel: u32,
}

impl Lru {
    fn new(n: usize, capacity: usize) -> Lru {
        let s = n as u32;
        Lru {
            capacity,
            len: 0,
            prev: vec![s; n + 1],
            next: vec![s; n + 1],
            cached: vec![false; n],
            sentinel: s,
        }
    }

    fn unlink(&mut self, i: u32) {
        let (p, nx) = (self.prev[i as usize], self.next[i as usize]);
        self.next[p as usize] = nx;
        self.prev[nx as usize] = p;
    }

    fn push_front(&mut self, i: u32) {
        let s = self.sentinel;
        let first = self.next[s as usize];
        self.next[i as usize] = first;
        self.prev[i as usize] = s;
        self.prev[first as usize] = i;
        self.next[s as usize] = i;
    }

    /// One request; `true` on a hit. A miss inserts the item and evicts the least recent one.
    fn request(&mut self, item: usize) -> bool {
        let i = item as u32;
        if self.cached[item] {
            self.unlink(i);
            self.push_front(i);
            return true;
        }
        if self.capacity == 0 {
            return false;
        }
        if self.len == self.capacity {
            let last = self.prev[self.sentinel as usize];
            self.unlink(last);
            self.cached[last as usize] = false;
            self.len -= 1;
        }
        self.push_front(i);
        self.cached[item] = true;
        self.len += 1;
        false
    }
}

/// Hit ratio of an exact LRU cache of `capacity` items under `requests` independent Zipf(α)
/// requests over `n_items` items, seeded. The cache starts holding the `capacity` most popular
/// items (close to its steady state); a further `requests / 4` unmeasured requests precede the
/// measured ones so the recency order settles.
pub fn simulate_lru(
    n_items: usize,
    capacity: usize,
    zipf_alpha: f64,
    requests: u64,
    seed: u64,
) -> f64 {
    if n_items == 0 || requests == 0 {
        return 0.0;
    }
    let mut rng = RngStreams::new(seed).stream("cache.lru-validation");
    let sampler = ZipfSampler::new(n_items, zipf_alpha);
    let mut lru = Lru::new(n_items, capacity.min(n_items));
    for i in (0..capacity.min(n_items)).rev() {
        lru.request(i);
    }
    for _ in 0..requests / 4 {
        lru.request(sampler.sample(&mut rng));
    }
    let mut hits = 0u64;
    for _ in 0..requests {
        hits += u64::from(lru.request(sampler.sample(&mut rng)));
    }
    hits as f64 / requests as f64
}

// ---------------------------------------------------------------------------------------------
// The cache as the simulation sees it
// ---------------------------------------------------------------------------------------------

pub use crate::scenario::platform::DEFAULT_USABLE_FRACTION;

/// Warm-up time constant for a [`HitRatioSpec::Fixed`] cache under [`Warmup::Refill`]: without an
/// item size the refill cannot be counted in items, so the fixed ratio recovers as
/// `r·(1 − e^(−t/τ))` with this τ (10 minutes).
pub const DEFAULT_FIXED_WARMUP_TAU_MS: i64 = 10 * 60 * 1000;

/// How the hit ratio is obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HitRatioSpec {
    /// A measured or assumed ratio in `[0, 1]`.
    Fixed(f64),
    /// From memory against the working set: `N = DAU × keys_per_user` items of `item_bytes` each,
    /// Zipf(`zipf_alpha`) popularity, LRU eviction (Che's approximation).
    Derived {
        keys_per_user: f64,
        item_bytes: f64,
        zipf_alpha: f64,
    },
}

/// What happens after a flush or failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Warmup {
    /// The cache starts empty and every miss inserts the key it missed (cache-aside) until the
    /// cache is full. Derived: the hit ratio at each moment is Che's formula with `T` = lookups
    /// since the flush (exact under the IRM). Fixed: no item size, so the ratio recovers as
    /// [`Warmup::Exponential`] with τ = [`DEFAULT_FIXED_WARMUP_TAU_MS`].
    #[default]
    Refill,
    /// The hit ratio recovers as `steady × (1 − e^(−t/τ))`, t since the flush.
    Exponential { tau_ms: i64 },
    /// No warm-up: a replica with the data takes over (e.g. a Redis failover that keeps data).
    Instant,
}

/// A Redis cluster (ElastiCache or Memorystore) as the simulation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheSpec {
    /// Nodes (shards) holding distinct data; replicas do not add capacity.
    pub nodes: u32,
    /// Memory of one node as its provider lists it (ElastiCache: the node type's memory).
    pub node_memory_bytes: f64,
    /// Share of node memory that holds data, default [`DEFAULT_USABLE_FRACTION`].
    pub usable_fraction: f64,
    pub hit_ratio: HitRatioSpec,
    pub warmup: Warmup,
}

impl CacheSpec {
    /// Bytes available for keys: `nodes × node memory × usable fraction`.
    pub fn usable_bytes(&self) -> f64 {
        f64::from(self.nodes) * self.node_memory_bytes * self.usable_fraction
    }
}

/// A steady-state result kept while the working set changes by less than [`MEMO_REL_N`].
#[derive(Debug, Clone, Copy)]
struct Memo {
    n: f64,
    c: f64,
    t: f64,
    hit: f64,
}

/// Relative change of the working set below which the last steady-state hit ratio is reused.
/// `|d hit / d ln N| ≤ 1` (it is `(1 − α)·hit`-sized), so the error this allows is below 1e-4.
const MEMO_REL_N: f64 = 1e-4;

/// The cache's state through a run.
#[derive(Debug, Clone)]
pub struct Cache {
    spec: CacheSpec,
    table: Option<AlphaTable>,
    /// Items held (Derived + Refill). `None` until the first step: a running cache starts warm.
    filled: Option<f64>,
    /// Time since the last flush for the exponential rules; `None` when warm.
    since_flush_ms: Option<i64>,
    last_hit: f64,
    memo: Option<Memo>,
    /// Last characteristic time solved while filling (warm start for Newton).
    fill_guess: Option<f64>,
}

impl Cache {
    pub fn new(spec: CacheSpec) -> Cache {
        let table = match spec.hit_ratio {
            HitRatioSpec::Derived { zipf_alpha, .. } => {
                Some(AlphaTable::new(clamp_alpha(zipf_alpha)))
            }
            HitRatioSpec::Fixed(_) => None,
        };
        let last_hit = match spec.hit_ratio {
            HitRatioSpec::Fixed(r) => r.clamp(0.0, 1.0),
            HitRatioSpec::Derived { .. } => 0.0,
        };
        Cache {
            spec,
            table,
            filled: None,
            since_flush_ms: None,
            last_hit,
            memo: None,
            fill_guess: None,
        }
    }

    /// The cache a scenario describes (warm-up: [`Warmup::Refill`], the default).
    pub fn from_cfg(cfg: &crate::scenario::platform::CacheCfg) -> Cache {
        use crate::scenario::platform::HitRatioCfg;
        let hit_ratio = match cfg.hit_ratio {
            HitRatioCfg::Fixed(r) => HitRatioSpec::Fixed(r),
            HitRatioCfg::Derived {
                keys_per_user,
                item_bytes,
                zipf_alpha,
            } => HitRatioSpec::Derived {
                keys_per_user,
                item_bytes,
                zipf_alpha,
            },
        };
        Cache::new(CacheSpec {
            nodes: cfg.nodes,
            node_memory_bytes: cfg.node_memory_bytes,
            usable_fraction: cfg.usable_fraction,
            hit_ratio,
            warmup: Warmup::default(),
        })
    }

    pub fn spec(&self) -> &CacheSpec {
        &self.spec
    }

    /// Items the cache can hold: usable bytes / item size (Derived only).
    pub fn capacity_items(&self) -> Option<f64> {
        match self.spec.hit_ratio {
            HitRatioSpec::Derived { item_bytes, .. } if item_bytes > 0.0 => {
                Some(self.spec.usable_bytes() / item_bytes)
            }
            _ => None,
        }
    }

    /// Working-set size `N = DAU × keys_per_user` (Derived only).
    pub fn working_set_items(&self, dau: f64) -> Option<f64> {
        match self.spec.hit_ratio {
            HitRatioSpec::Derived { keys_per_user, .. } => Some((dau * keys_per_user).max(0.0)),
            HitRatioSpec::Fixed(_) => None,
        }
    }

    /// Items of the working set the cache can hold at this DAU: `min(C, N)`. 0 for a Fixed spec,
    /// which has no item size.
    pub fn usable_items(&self, dau: f64) -> f64 {
        match (self.capacity_items(), self.working_set_items(dau)) {
            (Some(c), Some(n)) => c.min(n),
            _ => 0.0,
        }
    }

    /// Items held now (Derived with the refill rule; `None` before the first step).
    pub fn filled_items(&self) -> Option<f64> {
        self.filled
    }

    /// Hit ratio of the last step (Fixed: the fixed ratio before any step; Derived: 0).
    pub fn hit_ratio(&self) -> f64 {
        self.last_hit
    }

    /// A flush or failover: the cache empties now.
    pub fn flush(&mut self) {
        if self.spec.warmup == Warmup::Instant {
            return;
        }
        self.filled = Some(0.0);
        self.since_flush_ms = Some(0);
        self.fill_guess = None;
    }

    /// Advance `dt_ms` with `lookups_per_s` lookups at `dau` daily users; returns the hit ratio
    /// for this step (hits / lookups over the step). Misses are `(1 − ratio) × lookups`; they
    /// become database queries.
    pub fn step(&mut self, dt_ms: i64, lookups_per_s: f64, dau: f64) -> f64 {
        let dt_ms = dt_ms.max(0);
        let lookups = if lookups_per_s.is_finite() {
            lookups_per_s.max(0.0) * dt_ms as f64 / 1000.0
        } else {
            0.0
        };
        let hit = match self.spec.hit_ratio {
            HitRatioSpec::Fixed(r) => {
                let tau = match self.spec.warmup {
                    Warmup::Exponential { tau_ms } => tau_ms,
                    _ => DEFAULT_FIXED_WARMUP_TAU_MS,
                };
                r.clamp(0.0, 1.0) * self.exponential_factor(dt_ms, tau)
            }
            HitRatioSpec::Derived { .. } => {
                let n = self.working_set_items(dau).unwrap_or(0.0);
                let c = self.capacity_items().unwrap_or(0.0);
                match self.spec.warmup {
                    Warmup::Refill => self.refill_step(n, c, lookups),
                    Warmup::Exponential { tau_ms } => {
                        self.steady(n, c) * self.exponential_factor(dt_ms, tau_ms)
                    }
                    Warmup::Instant => self.steady(n, c),
                }
            }
        };
        self.last_hit = if hit.is_finite() {
            hit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.last_hit
    }

    /// Mean of `1 − e^(−t/τ)` over the step, t since the flush (1 when warm); advances the clock.
    fn exponential_factor(&mut self, dt_ms: i64, tau_ms: i64) -> f64 {
        let Some(s0) = self.since_flush_ms else {
            return 1.0;
        };
        let s1 = s0.saturating_add(dt_ms);
        let tau = tau_ms.max(1) as f64;
        let factor = if dt_ms == 0 {
            1.0 - (-(s0 as f64) / tau).exp()
        } else {
            let (e0, e1) = ((-(s0 as f64) / tau).exp(), (-(s1 as f64) / tau).exp());
            1.0 - tau / dt_ms as f64 * (e0 - e1)
        };
        self.since_flush_ms = if s1 as f64 > 40.0 * tau {
            None
        } else {
            Some(s1)
        };
        factor
    }

    /// Steady LRU hit ratio for `n` items and a cache of `c` items (Che), memoised.
    fn steady(&mut self, n: f64, c: f64) -> f64 {
        self.steady_solution(n, c).1
    }

    /// `(t, hit)` of the full cache; `t` normalised (`T / H`).
    fn steady_solution(&mut self, n: f64, c: f64) -> (f64, f64) {
        // A cache smaller than one item holds nothing (Che's population is not defined below
        // one item; it gave NaN).
        if !is_positive(n) || !is_positive(c) || c < 1.0 {
            return (0.0, 0.0);
        }
        if c >= n {
            return (f64::INFINITY, 1.0);
        }
        if let Some(m) = self.memo
            && m.c == c
            && ((n - m.n) / m.n).abs() < MEMO_REL_N
        {
            return (m.t, m.hit);
        }
        let Some(tab) = self.table.as_ref() else {
            return (0.0, 0.0);
        };
        let pop = Population::new(tab, n);
        let guess = self.memo.map(|m| m.t * (n / m.n).powf(tab.alpha.min(1.0)));
        let (t, sums) = pop.solve(tab, c, guess);
        let hit = (sums.hit / pop.h).clamp(0.0, 1.0);
        self.memo = Some(Memo { n, c, t, hit });
        (t, hit)
    }

    /// One step of the refill model; returns the step's hit ratio and updates `filled`.
    ///
    /// With `f0` items held and `L` lookups in the step: while the cache is not full it holds
    /// exactly the distinct keys requested, so under the IRM `fill = F(T)` and every miss adds
    /// one item: `T0` solves `F(T0) = f0`, `T1 = T0 + L` and the misses are `F(T1) − f0`. If
    /// `T1` passes `T_C` (the cache fills up), the remaining lookups miss at the steady rate.
    fn refill_step(&mut self, n: f64, c: f64, lookups: f64) -> f64 {
        if !is_positive(n) || !is_positive(c) || c < 1.0 {
            self.filled = Some(0.0);
            return 0.0;
        }
        // A working set of less than one item (a tiny DAU × keysPerUser) is cached whole: Che's
        // population is not defined below one item, and solving it gave NaN, which then stuck
        // in `filled` (a hit ratio of 0 for the rest of the run).
        if n < 1.0 {
            self.filled = Some(n);
            return 1.0;
        }
        let cap = c.min(n);
        let f0 = self.filled.unwrap_or(cap).clamp(0.0, cap);
        if f0 >= n {
            // The whole working set is cached.
            self.filled = Some(n);
            return 1.0;
        }
        if f0 >= c {
            self.filled = Some(c);
            return self.steady(n, c);
        }
        let Some(tab) = self.table.as_ref() else {
            return 0.0;
        };
        let pop = Population::new(tab, n);
        let (t0, s0) = if f0 > 0.0 {
            pop.solve(tab, f0, self.fill_guess)
        } else {
            (0.0, Sums::default())
        };
        let h = pop.h;
        if lookups <= 0.0 {
            self.filled = Some(f0);
            return (s0.hit / h).clamp(0.0, 1.0);
        }
        let t1 = t0 + lookups / h;
        let (t_full, hit_full) = if c < n {
            let (t, sums) = pop.solve(tab, c, self.memo.filter(|m| m.c == c).map(|m| m.t));
            (t, (sums.hit / h).clamp(0.0, 1.0))
        } else {
            (f64::INFINITY, 1.0)
        };
        let misses = if t1 < t_full {
            let s1 = pop.eval(tab, t1);
            self.fill_guess = Some(t1);
            self.filled = Some(s1.fill.clamp(f0, cap));
            if (t1 - t0) <= 1e-7 * t0 {
                // Tiny step: F(T1) − F(T0) would cancel; use dF/dT = 1 − hit.
                lookups * (1.0 - s0.hit / h)
            } else {
                s1.fill - s0.fill
            }
        } else {
            self.fill_guess = None;
            self.filled = Some(c);
            let filling_lookups = (t_full - t0) * h;
            (c - f0) + (lookups - filling_lookups).max(0.0) * (1.0 - hit_full)
        };
        1.0 - (misses / lookups).clamp(0.0, 1.0)
    }
}

/// The cache during a run: the model, the lookups since it was last solved, and the run's
/// lowest and mean hit ratio.
pub struct CacheRun {
    cache: Cache,
    hit_ratio: f64,
    /// Lookups since the cache was last stepped, when, and the last flush.
    lookups: f64,
    stepped_ms: TimeMs,
    last_flush_ms: TimeMs,
    hit_min: Option<(f64, TimeMs)>,
    hit_sum: f64,
    hit_steps: f64,
    /// Per calendar month of the run: (sum of the steps' hit ratios, steps).
    months: Vec<(f64, f64)>,
}

impl CacheRun {
    pub fn new(cache: Cache) -> CacheRun {
        CacheRun {
            cache,
            hit_ratio: 0.0,
            lookups: 0.0,
            stepped_ms: 0,
            last_flush_ms: -crate::sim::DAY_MS,
            hit_min: None,
            hit_sum: 0.0,
            hit_steps: 0.0,
            months: Vec::new(),
        }
    }

    /// Add `lookups_per_s` over a step of `dt_s` ending at `now` and return the hit ratio. Che's
    /// solution costs microseconds, so the cache is solved every [`STEP_MS`] with the lookups of
    /// the whole step, except in the two hours after a flush, when the warm-up is followed step
    /// by step.
    pub fn step(
        &mut self,
        now: TimeMs,
        month: usize,
        dt_s: f64,
        lookups_per_s: f64,
        dau: f64,
    ) -> f64 {
        self.lookups += lookups_per_s * dt_s;
        let warming = now - self.last_flush_ms < 2 * crate::sim::HOUR_MS;
        let dt = now - self.stepped_ms;
        if warming || dt >= STEP_MS || self.stepped_ms == 0 {
            let rate = self.lookups / (dt as f64 / 1000.0).max(1e-9);
            self.hit_ratio = self.cache.step(dt, rate, dau);
            self.lookups = 0.0;
            self.stepped_ms = now;
        }
        let h = self.hit_ratio;
        self.hit_sum += h;
        self.hit_steps += 1.0;
        if self.months.len() <= month {
            self.months.resize(month + 1, (0.0, 0.0));
        }
        self.months[month].0 += h;
        self.months[month].1 += 1.0;
        if self.hit_min.is_none_or(|(m, _)| h < m) {
            self.hit_min = Some((h, now));
        }
        h
    }

    /// Empty the cache at `now` (bring it up to date with [`step`](Self::step) first).
    pub fn flush(&mut self, now: TimeMs) {
        self.cache.flush();
        self.last_flush_ms = now;
    }

    /// The lowest hit ratio of the run and when.
    pub fn min_hit_ratio(&self) -> Option<(f64, TimeMs)> {
        self.hit_min
    }

    /// The mean over each calendar month's steps (`None` for a month without any).
    pub fn monthly_mean_hit_ratio(&self) -> Vec<Option<f64>> {
        self.months
            .iter()
            .map(|&(sum, n)| (n > 0.0).then(|| sum / n))
            .collect()
    }

    /// The mean over the steps.
    pub fn mean_hit_ratio(&self) -> Option<f64> {
        (self.hit_steps > 0.0).then(|| self.hit_sum / self.hit_steps)
    }
}

/// How often a warm cache's hit ratio is recomputed (it moves with DAU, i.e. slowly).
pub const STEP_MS: TimeMs = 15 * 60_000;

#[cfg(test)]
mod tests {
    use super::*;

    /// Che's approximation by brute force over every item (no quadrature), for checking the
    /// head + Euler–Maclaurin + Gauss–Legendre evaluation.
    fn che_brute(n: usize, c: f64, alpha: f64) -> (f64, f64) {
        let p: Vec<f64> = (1..=n).map(|i| (i as f64).powf(-alpha)).collect();
        let h: f64 = p.iter().sum();
        let p: Vec<f64> = p.iter().map(|x| x / h).collect();
        let fill = |t: f64| p.iter().map(|&pi| -(-pi * t).exp_m1()).sum::<f64>();
        let (mut lo, mut hi) = (c.ln(), (c * h).ln() + 1.0);
        while fill(hi.exp()) < c {
            hi += 5.0;
        }
        for _ in 0..52 {
            let mid = 0.5 * (lo + hi);
            if fill(mid.exp()) < c {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let t = (0.5 * (lo + hi)).exp();
        let hit = p.iter().map(|&pi| pi * -(-pi * t).exp_m1()).sum::<f64>();
        (t, hit)
    }

    #[test]
    fn quadrature_matches_brute_force_sums() {
        let mut worst: f64 = 0.0;
        for &alpha in &[0.0, 0.3, 0.6, 0.8, 0.99, 1.0, 1.01, 1.2, 1.5, 2.0, 3.0] {
            for &(n, c) in &[
                (100_000usize, 1_000.0),
                (100_000, 30_000.0),
                (1_000, 17.0),
                (50, 20.0),
            ] {
                let (t_ref, h_ref) = che_brute(n, c, alpha);
                let r = che(n as f64, c, alpha);
                let dh = (r.hit_ratio - h_ref).abs();
                let dt = (r.characteristic_time / t_ref - 1.0).abs();
                worst = worst.max(dh);
                assert!(
                    dh < 1e-7,
                    "α={alpha} n={n} c={c}: hit {} vs {h_ref}",
                    r.hit_ratio
                );
                assert!(
                    dt < 1e-6,
                    "α={alpha} n={n} c={c}: T {} vs {t_ref}",
                    r.characteristic_time
                );
            }
        }
        eprintln!("worst |hit − brute force| = {worst:.2e}");
    }

    /// icarus-sim/icarus, `icarus/tools/tests/test_cacheperf.py` @ 11f5d020 (`TestCheApproximation`):
    /// Zipf α = 0.8, N = 100, C = 40 → characteristic time in [72.1, 72.3], hit ratio in [0.63, 0.66].
    #[test]
    fn matches_icarus_reference_values() {
        let r = che(100.0, 40.0, 0.8);
        assert!((72.1..=72.3).contains(&r.characteristic_time), "{r:?}");
        assert!((0.63..=0.66).contains(&r.hit_ratio), "{r:?}");
    }

    /// Jelenković (1999, Ann. Appl. Probab. 9(2)): for Zipf α > 1 and a large LRU cache, the miss
    /// ratio over the static-optimal miss ratio `P[R > C]` tends to `(1 − 1/α)·Γ(1 − 1/α)^α`
    /// (π/2 for α = 2). Che's approximation reproduces the limit (Fricker et al. 2012).
    #[test]
    fn matches_jelenkovic_asymptotic_ratio() {
        // Γ(1/2) = √π, Γ(1/3) = 2.678938534707747...
        for (alpha, gamma) in [
            (2.0, std::f64::consts::PI.sqrt()),
            (1.5, 2.678_938_534_707_747),
        ] {
            let expected = (1.0 - 1.0 / alpha) * f64::powf(gamma, alpha);
            let (n, c) = (1e15, 1e5);
            let r = che(n, c, alpha);
            let tab = AlphaTable::new(alpha);
            let static_miss = 1.0 - Population::new(&tab, c).h / Population::new(&tab, n).h;
            let ratio = (1.0 - r.hit_ratio) / static_miss;
            assert!(
                (ratio / expected - 1.0).abs() < 2e-3,
                "α={alpha}: {ratio} vs {expected}"
            );
        }
    }

    #[test]
    fn limits() {
        assert_eq!(che_hit_ratio(1e6, 0.0, 0.8), 0.0);
        assert_eq!(che_hit_ratio(1e6, -5.0, 0.8), 0.0);
        assert_eq!(che_hit_ratio(0.0, 10.0, 0.8), 0.0);
        assert_eq!(che_hit_ratio(1e6, 1e6, 0.8), 1.0);
        assert_eq!(che_hit_ratio(1e6, 2e6, 0.8), 1.0);
        assert_eq!(che_hit_ratio(f64::NAN, 2e6, 0.8), 0.0);
        // Uniform popularity: the hit ratio is exactly C/N.
        for c in [10.0, 5_000.0, 90_000.0] {
            assert!((che_hit_ratio(1e5, c, 0.0) - c / 1e5).abs() < 1e-9);
        }
        // Almost everything fits: close to 1; a tiny cache: close to 0.
        assert!(che_hit_ratio(1e8, 1e8 - 1.0, 0.8) > 0.999_999);
        assert!(che_hit_ratio(1e8, 1.0, 0.6) < 1e-3);
        // Large populations are fine (50k DAU × 2,000 keys, and beyond).
        for n in [1e8, 1e10, 1e13] {
            let h = che_hit_ratio(n, n / 100.0, 0.9);
            assert!(h > 0.0 && h < 1.0, "{n}: {h}");
        }
    }

    #[test]
    fn monotone_in_memory_and_alpha() {
        for &alpha in &[0.6, 0.8, 0.99, 1.0, 1.01, 1.2] {
            let mut prev = 0.0;
            for k in 0..40 {
                let c = 1e8 * 10f64.powf(-6.0 + k as f64 * 0.15);
                let h = che_hit_ratio(1e8, c, alpha);
                assert!(h > prev, "α={alpha} c={c}: {h} ≤ {prev}");
                prev = h;
            }
        }
        for &c in &[1e3, 1e5, 1e7] {
            let mut prev = 0.0;
            for k in 0..30 {
                let alpha = k as f64 * 0.1;
                let h = che_hit_ratio(1e8, c, alpha);
                assert!(h > prev, "c={c} α={alpha}: {h} ≤ {prev}");
                prev = h;
            }
        }
        // Continuous through α = 1 (the integral's special case).
        let (a, b, m) = (
            che_hit_ratio(1e8, 1e6, 1.0 - 1e-9),
            che_hit_ratio(1e8, 1e6, 1.0 + 1e-9),
            che_hit_ratio(1e8, 1e6, 1.0),
        );
        assert!((a - m).abs() < 1e-8 && (b - m).abs() < 1e-8, "{a} {m} {b}");
    }

    /// Che's approximation against an exact LRU simulation: the claim of Che et al. (2002) and
    /// Fricker, Robert & Roberts (2012) that it is very accurate for Zipf popularity.
    #[test]
    fn che_agrees_with_exact_lru_simulation() {
        let mut worst: f64 = 0.0;
        let mut cases = Vec::new();
        for &alpha in &[0.6, 0.8, 1.0, 1.2] {
            for &ratio in &[0.01, 0.1, 0.5] {
                cases.push((10_000usize, ratio, alpha, 300_000u64));
            }
        }
        for &alpha in &[0.8, 1.2] {
            cases.push((100_000usize, 0.01, alpha, 400_000u64));
        }
        for (i, &(n, ratio, alpha, requests)) in cases.iter().enumerate() {
            let c = (n as f64 * ratio) as usize;
            let sim = simulate_lru(n, c, alpha, requests, 1000 + i as u64);
            let model = che_hit_ratio(n as f64, c as f64, alpha);
            let diff = (model - sim).abs();
            worst = worst.max(diff);
            eprintln!("N={n} C={c} α={alpha}: Che {model:.4} LRU {sim:.4} diff {diff:+.4}");
            assert!(
                diff < 0.015,
                "N={n} C={c} α={alpha}: Che {model} vs LRU {sim}"
            );
        }
        eprintln!("worst |Che − LRU| = {worst:.4}");
    }

    #[test]
    fn lru_simulation_is_seeded() {
        let a = simulate_lru(1_000, 100, 0.8, 20_000, 7);
        let b = simulate_lru(1_000, 100, 0.8, 20_000, 7);
        let c = simulate_lru(1_000, 100, 0.8, 20_000, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    fn derived(nodes: u32, node_gib: f64, alpha: f64, warmup: Warmup) -> CacheSpec {
        CacheSpec {
            nodes,
            node_memory_bytes: node_gib * 1024.0 * 1024.0 * 1024.0,
            usable_fraction: DEFAULT_USABLE_FRACTION,
            hit_ratio: HitRatioSpec::Derived {
                keys_per_user: 2_000.0,
                item_bytes: 2_048.0,
                zipf_alpha: alpha,
            },
            warmup,
        }
    }

    #[test]
    fn capacity_and_working_set() {
        // 2 × cache.r6g.large (13.07 GiB), 75 % usable, 2 KiB items.
        let cache = Cache::new(derived(2, 13.07, 0.9, Warmup::Refill));
        let c = 2.0 * 13.07 * 0.75 * 1024.0 * 1024.0 * 1024.0 / 2048.0;
        assert!((cache.capacity_items().unwrap() / c - 1.0).abs() < 1e-12);
        assert_eq!(cache.working_set_items(50_000.0), Some(1e8));
        assert!((cache.usable_items(50_000.0) - c).abs() < 1e-6);
        assert_eq!(cache.usable_items(1_000.0), 2e6);
    }

    #[test]
    fn derived_steady_state_follows_che_and_memory() {
        let mut small = Cache::new(derived(1, 3.09, 0.9, Warmup::Refill));
        let mut large = Cache::new(derived(2, 13.07, 0.9, Warmup::Refill));
        let h_small = small.step(60_000, 1_000.0, 50_000.0);
        let h_large = large.step(60_000, 1_000.0, 50_000.0);
        let c = small.capacity_items().unwrap();
        assert!((h_small - che_hit_ratio(1e8, c, 0.9)).abs() < 1e-9);
        assert!(h_large > h_small);
        // A working set that fits entirely: everything hits.
        assert_eq!(large.step(60_000, 1_000.0, 1_000.0), 1.0);
        assert_eq!(large.hit_ratio(), 1.0);
    }

    #[test]
    fn warm_up_after_flush_returns_to_steady_ratio() {
        let mut cache = Cache::new(derived(1, 3.09, 0.9, Warmup::Refill));
        let dau = 50_000.0;
        let steady = cache.step(60_000, 2_000.0, dau);
        cache.flush();
        assert_eq!(cache.filled_items(), Some(0.0));
        // The first second after the flush (2,000 lookups into an empty cache) mostly misses.
        let first = cache.step(1_000, 2_000.0, dau);
        assert!(
            first < 0.5 * steady,
            "first second {first} vs steady {steady}"
        );
        let mut prev = first;
        let mut ratios = Vec::new();
        for _ in 0..600 {
            let h = cache.step(60_000, 2_000.0, dau);
            assert!(
                h >= prev - 1e-12,
                "warm-up must not go backwards: {h} after {prev}"
            );
            prev = h;
            ratios.push(h);
        }
        assert!(
            ratios[0] < steady,
            "first minute {} vs steady {steady}",
            ratios[0]
        );
        assert!((prev - steady).abs() < 1e-9, "{prev} vs {steady}");
        assert_eq!(cache.filled_items(), cache.capacity_items());
    }

    /// A working set below one item (issue 11: `keysPerUser: 1e-308`) or a cache below one item
    /// gives finite ratios before and after a flush, never NaN.
    #[test]
    fn degenerate_sizes_give_finite_ratios() {
        for (keys_per_user, memory) in [(1e-308, 1e9), (1e-3, 1e9), (300.0, 0.5), (1e-308, 0.5)] {
            for warmup in [Warmup::Refill, Warmup::Instant] {
                let mut cache = Cache::new(CacheSpec {
                    nodes: 1,
                    node_memory_bytes: memory,
                    usable_fraction: 1.0,
                    hit_ratio: HitRatioSpec::Derived {
                        keys_per_user,
                        item_bytes: 1.0,
                        zipf_alpha: 0.9,
                    },
                    warmup,
                });
                let whole = keys_per_user * 20_000.0 < 1.0 && memory >= 1.0;
                for step in 0..4 {
                    if step == 2 {
                        cache.flush();
                    }
                    let h = cache.step(60_000, 1e4, 20_000.0);
                    assert!(h.is_finite(), "{keys_per_user} {memory} {warmup:?}: {h}");
                    assert!(cache.filled_items().is_none_or(f64::is_finite));
                    // Less than one item is held whole, also after a flush (it was stuck at 0).
                    if whole {
                        assert_eq!(h, 1.0, "{keys_per_user} {warmup:?} step {step}");
                    }
                    if memory < 1.0 {
                        assert_eq!(h, 0.0, "{keys_per_user} {warmup:?} step {step}");
                    }
                }
            }
        }
    }

    /// The refill model against a request-level LRU that starts empty: per window of lookups
    /// the model's ratio matches the simulated one.
    #[test]
    fn refill_matches_request_level_simulation() {
        let (n, c, alpha) = (20_000usize, 2_000usize, 0.8);
        let window = 2_000u64;
        let mut rng = RngStreams::new(3).stream("cache.refill-validation");
        let sampler = ZipfSampler::new(n, alpha);
        let spec = CacheSpec {
            nodes: 1,
            node_memory_bytes: c as f64,
            usable_fraction: 1.0,
            hit_ratio: HitRatioSpec::Derived {
                keys_per_user: n as f64,
                item_bytes: 1.0,
                zipf_alpha: alpha,
            },
            warmup: Warmup::Refill,
        };
        let mut cache = Cache::new(spec);
        cache.flush();
        let runs = 20;
        let mut sim = vec![0.0; 30];
        for _ in 0..runs {
            let mut lru_run = Lru::new(n, c);
            for s in sim.iter_mut() {
                let hits: u64 = (0..window)
                    .map(|_| u64::from(lru_run.request(sampler.sample(&mut rng))))
                    .sum();
                *s += hits as f64 / window as f64 / runs as f64;
            }
        }
        let mut worst: f64 = 0.0;
        for (w, s) in sim.iter().enumerate() {
            let model = cache.step(1_000, window as f64, 1.0);
            worst = worst.max((model - s).abs());
            assert!(
                (model - s).abs() < 0.02,
                "window {w}: model {model} vs LRU {s}"
            );
        }
        eprintln!("refill: worst |model − LRU| per window = {worst:.4}");
    }

    #[test]
    fn fixed_spec_and_its_warm_up() {
        let spec = CacheSpec {
            nodes: 2,
            node_memory_bytes: 13.07 * 1024.0 * 1024.0 * 1024.0,
            usable_fraction: DEFAULT_USABLE_FRACTION,
            hit_ratio: HitRatioSpec::Fixed(0.9),
            warmup: Warmup::Refill,
        };
        let mut cache = Cache::new(spec.clone());
        assert_eq!(cache.hit_ratio(), 0.9);
        assert_eq!(cache.step(60_000, 500.0, 50_000.0), 0.9);
        assert_eq!(cache.usable_items(50_000.0), 0.0);
        assert_eq!(cache.capacity_items(), None);
        cache.flush();
        let first = cache.step(60_000, 500.0, 50_000.0);
        // Mean of 0.9·(1 − e^(−t/10 min)) over the first minute.
        let expected = 0.9 * (1.0 - 10.0 * (1.0 - (-0.1f64).exp()));
        assert!((first - expected).abs() < 1e-12, "{first} vs {expected}");
        for _ in 0..600 {
            cache.step(60_000, 500.0, 50_000.0);
        }
        assert_eq!(cache.step(60_000, 500.0, 50_000.0), 0.9);

        let mut instant = Cache::new(CacheSpec {
            warmup: Warmup::Instant,
            ..spec
        });
        instant.flush();
        assert_eq!(instant.step(60_000, 500.0, 50_000.0), 0.9);
    }

    #[test]
    fn exponential_warm_up_for_derived() {
        let mut cache = Cache::new(derived(
            1,
            3.09,
            0.9,
            Warmup::Exponential { tau_ms: 60_000 },
        ));
        let steady = cache.step(60_000, 1_000.0, 50_000.0);
        cache.flush();
        let first = cache.step(60_000, 1_000.0, 50_000.0);
        assert!((first - steady * (-1f64).exp()).abs() < 1e-9, "{first}");
        for _ in 0..100 {
            cache.step(60_000, 1_000.0, 50_000.0);
        }
        assert!((cache.hit_ratio() - steady).abs() < 1e-12);
    }

    /// Not a test: prints the cost of a cold `che_hit_ratio` call and of a simulation step.
    /// `cargo test --release che_call_cost -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn che_call_cost() {
        let calls = 20_000;
        let start = std::time::Instant::now();
        let mut acc = 0.0;
        for i in 0..calls {
            let n = 1e8 * (1.0 + i as f64 * 1e-5);
            acc += che_hit_ratio(n, 4e6, 0.9);
        }
        let per = start.elapsed().as_secs_f64() / calls as f64;
        eprintln!(
            "che_hit_ratio(1e8, 4e6, 0.9): {:.2} µs per call ({acc:.1})",
            per * 1e6
        );
        let mut cache = Cache::new(derived(2, 13.07, 0.9, Warmup::Refill));
        let start = std::time::Instant::now();
        for i in 0..calls {
            let dau = 1_000.0 + 49_000.0 * i as f64 / calls as f64;
            cache.step(60_000, 1_000.0, dau);
        }
        let per = start.elapsed().as_secs_f64() / calls as f64;
        eprintln!(
            "Cache::step with DAU growing 1k→50k: {:.2} µs per step",
            per * 1e6
        );
    }
}
