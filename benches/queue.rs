//! Benchmarks of the queueing module: `analyze` for c = 10, 100 and 1000 servers (M/M/c, and
//! the M/D/1 and M/G/c paths), and the request-level simulation at 10⁶ arrivals with arrivals
//! per second as the counter (compare `python3 benches/simpy_mmc.py`, the same M/M/c in SimPy).
//! Run with `cargo bench --bench queue`.

use capsim::queueing::{self, Queue, ServiceDist};
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

fn mmc(servers: u32) -> Queue {
    // ρ = 0.9 at every size.
    Queue {
        arrival_rate_per_s: 0.9 * f64::from(servers),
        service_rate_per_s: 1.0,
        servers,
        service: ServiceDist::Exponential,
    }
}

/// Full M/M/c analysis (Erlang C, means, wait and response percentiles).
#[divan::bench(args = [10, 100, 1000])]
fn analyze_mmc(servers: u32) -> queueing::Analysis {
    queueing::analyze(divan::black_box(&mmc(servers)))
}

/// M/M/c with the cheap summary only (P(wait), mean wait): what the latency model calls.
#[divan::bench(args = [10, 100, 1000])]
fn wait_summary_mmc(servers: u32) -> (f64, f64) {
    queueing::wait_summary(divan::black_box(&mmc(servers)))
}

/// M/D/1 at ρ = 0.9 (stable Erlang CDF, percentiles by bisection).
#[divan::bench]
fn analyze_md1() -> queueing::Analysis {
    let q = Queue {
        arrival_rate_per_s: 0.9,
        service_rate_per_s: 1.0,
        servers: 1,
        service: ServiceDist::Deterministic,
    };
    queueing::analyze(divan::black_box(&q))
}

/// M/G/c (Allen–Cunneen, gamma service with cv = 0.5), c = 100.
#[divan::bench]
fn analyze_mgc_100() -> queueing::Analysis {
    let q = Queue {
        service: ServiceDist::General { cv: 0.5 },
        ..mmc(100)
    };
    queueing::analyze(divan::black_box(&q))
}

/// The DES: λ = 9, μ = 1, c = 10 (ρ = 0.9), 10⁶ arrivals; items = arrivals.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn des_mmc_1e6(bencher: divan::Bencher) {
    let q = mmc(10);
    let n = 1_000_000;
    bencher
        .counter(ItemsCount::new(n))
        .bench(|| queueing::simulate(divan::black_box(&q), n, 1).expect("valid queue"));
}
