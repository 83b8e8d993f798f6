//! Published cases (each names its source) and agreement of the formulas with the simulation.

use super::*;

fn rel(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

fn q(lambda: f64, mu: f64, c: u32, service: ServiceDist) -> Queue {
    Queue {
        arrival_rate_per_s: lambda,
        service_rate_per_s: mu,
        servers: c,
        service,
    }
}

/// Assert `got` equals a value printed with `decimals` decimals (half a unit in the last place).
fn printed(got: f64, shown: f64, decimals: i32, what: &str) {
    let half_ulp = 0.5 * 10f64.powi(-decimals) * (1.0 + 1e-9);
    assert!(
        (got - shown).abs() <= half_ulp,
        "{what}: {got} does not round to {shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// Erlang C / M/M/c
// ---------------------------------------------------------------------------------------------

/// The call-centre example of the R package ErlangC 0.1.0 (CRAN README,
/// https://rdocumentation.org/packages/ErlangC/versions/0.1.0 and
/// https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/README.html), the same case as the
/// pyworkforce README (https://github.com/rodrigo-arenas/pyworkforce, "Erlang C — infinite
/// patience": 14 raw positions, service_level 0.8884, occupancy 0.7143, waiting_probability
/// 0.1741): 100 calls per 30 minutes, 180 s handling time, 14 agents, 20 s answer target.
/// Published: traffic intensity 10, wait_probability 0.1741319, service_level 0.88835,
/// average_speed_of_answer 7.83593701177724 s, occupancy 0.7142857.
#[test]
fn erlangc_r_package_and_pyworkforce_call_centre() {
    let queue = q(100.0 / 1800.0, 1.0 / 180.0, 14, ServiceDist::Exponential);
    let a = analyze(&queue);
    assert!(a.stable);
    assert_eq!(a.method, METHOD_MMC);
    assert!(rel(a.offered_load_erlangs, 10.0) < 1e-12);
    assert!(rel(a.utilisation, 0.714_285_7) < 1e-6);
    assert!(rel(a.steady.erlang_c_p_wait, 0.174_131_9) < 1e-6);
    assert!(rel(a.steady.wq_mean_s, 7.835_937_011_777_24) < 1e-6);
    // Service level = P(Wq ≤ 20 s), published to 5 decimals (pyworkforce: 0.8884).
    let sl = 1.0 - prob_wait_exceeds(&queue, 20.0);
    printed(sl, 0.88835, 5, "service level");
    printed(sl, 0.8884, 4, "pyworkforce service level");
    printed(
        a.steady.erlang_c_p_wait,
        0.1741,
        4,
        "pyworkforce waiting probability",
    );
    // And 1e-9 against the same quantities in 40-digit arithmetic (mpmath, the recursion above).
    assert!(rel(a.steady.erlang_c_p_wait, 0.174_131_933_595_049_84) < 1e-9);
    assert!(rel(a.steady.wq_mean_s, 7.835_937_011_777_243) < 1e-9);
    assert!(rel(sl, 0.888_350_019_179_466_9) < 1e-9);
}

/// Gunther's PDQ (Pretty Damn Quick), examples/MultiServer/gross_pdq42.c and its report
/// gross_pdq42.rpt (github.com/DrQz/pdq-qnm-pkg): Gross & Harris Example 4.2, an insurance
/// company's phone system with an M/M/1 "Select" node (30 s), an M/M/3 "Claims" node and an
/// M/M/7 "Policy" node, 35 calls/hour; PDQ solves each multiserver node as M/M/m with the
/// service demand D = visits × service time (its visit ratios: 0.5545/0.9955 for Claims,
/// 0.45 + 0.02·that for Policy). The report prints 4 decimals (times in minutes):
/// Select U 29.1667 %, queue 0.4118, waiting line 0.1201, waiting time 0.2059, residence 0.7059;
/// Claims U 64.9841 %, 2.7309, 0.7813, 1.3395, 4.6815; Policy U 76.8567 %, 6.7826, 1.4027,
/// 2.4046, 11.6274.
#[test]
fn pdq_gross_harris_example_4_2() {
    let lambda = 35.0 / 60.0; // per minute
    let v_claims = (0.55 + 0.01 * 0.45) / (1.0 - 0.01 * 0.45);
    let v_policy = 0.45 + 0.02 * v_claims;
    // (servers, demand, U %, L, Lq, Wq, W, then 17-digit mpmath values of Wq and L)
    let nodes: [(u32, f64, [f64; 5], [f64; 2]); 3] = [
        (
            1,
            0.5,
            [29.1667, 0.4118, 0.1201, 0.2059, 0.7059],
            [0.205_882_352_941_176_47, 0.4117647058823529],
        ),
        (
            3,
            6.0 * v_claims,
            [64.9841, 2.7309, 0.7813, 1.3395, 4.6815],
            [1.339456369464572, 2.730_872_401_692_103_7],
        ),
        (
            7,
            20.0 * v_policy,
            [76.8567, 6.7826, 1.4027, 2.4046, 11.6274],
            [2.404581875582713, 6.782640950945767],
        ),
    ];
    for (c, demand, shown, exact) in nodes {
        let a = analyze(&q(lambda, 1.0 / demand, c, ServiceDist::Exponential));
        printed(a.utilisation * 100.0, shown[0], 4, "utilisation %");
        printed(a.steady.l_mean, shown[1], 4, "queue length");
        printed(a.steady.lq_mean, shown[2], 4, "waiting line");
        printed(a.steady.wq_mean_s, shown[3], 4, "waiting time");
        printed(a.steady.w_mean_s, shown[4], 4, "residence time");
        assert!(rel(a.steady.wq_mean_s, exact[0]) < 1e-9, "c={c}");
        assert!(rel(a.steady.l_mean, exact[1]) < 1e-9, "c={c}");
    }
    // Gross & Harris' own answers with the correct traffic equations (as quoted in PDQ's
    // examples/MultiServer/gross_te42.py): L = 0.412, 2.706, 6.781.
    let l2 = (0.55 + 0.01 * 0.45) * lambda / (1.0 - 0.01 * 0.02);
    let l3 = 0.45 * lambda + 0.02 * l2;
    printed(
        analyze(&q(lambda, 2.0, 1, ServiceDist::Exponential))
            .steady
            .l_mean,
        0.412,
        3,
        "G&H L1",
    );
    printed(
        analyze(&q(l2, 1.0 / 6.0, 3, ServiceDist::Exponential))
            .steady
            .l_mean,
        2.706,
        3,
        "G&H L2",
    );
    printed(
        analyze(&q(l3, 1.0 / 20.0, 7, ServiceDist::Exponential))
            .steady
            .l_mean,
        6.781,
        3,
        "G&H L3",
    );
}

/// Textbook M/M/1: Mannering & Washburn, *Principles of Highway Engineering and Traffic
/// Analysis*, "Example M/M/1 queuing: parking-lot application" (worked solution quoted at
/// https://mysuperiorpaper.com/2023/05/17/m-m-1-queuing/): 180 veh/h arrive, a park attendant
/// takes 15 s on average: ρ = 0.75, Q = 2.25 veh, w = 0.75 min/veh, t = 1 min/veh.
#[test]
fn textbook_mm1_parking_lot() {
    let a = analyze(&q(3.0, 4.0, 1, ServiceDist::Exponential)); // per minute
    assert!(rel(a.utilisation, 0.75) < 1e-15);
    assert!(rel(a.steady.lq_mean, 2.25) < 1e-12);
    assert!(rel(a.steady.wq_mean_s, 0.75) < 1e-12);
    assert!(rel(a.steady.w_mean_s, 1.0) < 1e-12);
    // M/M/1 response time is exponential with rate μ − λ: percentiles −ln(1 − q)/(μ − λ), and
    // the wait has an atom 1 − ρ at zero: p50 of the wait is ln(0.75/0.5) / (μ − λ).
    assert!(rel(a.steady.w_p95_s, 20f64.ln()) < 1e-12);
    assert!(rel(a.steady.w_p99_s, 100f64.ln()) < 1e-12);
    assert!(rel(a.steady.wq_p50_s, 1.5f64.ln()) < 1e-12);
    assert!(rel(a.steady.wq_p99_s, 75f64.ln()) < 1e-12);
}

/// M/M/c tails and percentiles on the LINDO QMMC model
/// (http://www.lindo.com/cgi-bin/modelf.cgi?QMMC.txt;LINGO: R = 0.8333333 /min, T = 4 min,
/// S = 4 servers, DW = 5 min), which computes PWAIT = @PEB(R·T, S) (Erlang C) and the fraction
/// served within DW, FWD = 1 − PWAIT·e^{−DW(S/T − R)}. The page prints no results, so the
/// expected values are those formulas in 50-digit mpmath (Erlang C by its factorial definition):
/// PWAIT = 0.65772158963277143, FWD = 0.71415542308993665; and the response-time percentiles
/// solve the tail in the module docs, P(W > t) = (1 − C)e^{−μt} + C[θe^{−μt} − μe^{−θt}]/(θ − μ),
/// by mpmath's `findroot`: 6.1319687141638884, 21.539274873185161, 31.490384348458813 min.
#[test]
fn mmc_tails_and_percentiles() {
    let queue = q(0.833_333_3, 0.25, 4, ServiceDist::Exponential);
    let a = analyze(&queue);
    assert!(rel(a.steady.erlang_c_p_wait, 0.657_721_589_632_771_4) < 1e-14);
    let fwd = 1.0 - prob_wait_exceeds(&queue, 5.0);
    assert!(rel(fwd, 0.714_155_423_089_936_6) < 1e-14);
    let c = a.steady.erlang_c_p_wait;
    assert!(rel(fwd, 1.0 - c * (-5.0_f64 * (4.0 / 4.0 - 0.833_333_3)).exp()) < 1e-14);
    let published = [
        (0.5, a.steady.w_p50_s, 6.131_968_714_163_889),
        (0.95, a.steady.w_p95_s, 21.539_274_873_185_16),
        (0.99, a.steady.w_p99_s, 31.490_384_348_458_814),
    ];
    for (p, t, want) in published {
        assert!(rel(t, want) < 1e-9, "p={p}: {t} vs {want}");
        assert!(
            (prob_response_exceeds(&queue, t) - (1.0 - p)).abs() < 1e-9,
            "p={p}"
        );
        assert!(rel(response_quantile(&queue, p), t) < 1e-12);
    }
    // Wait percentiles: ln(C/(1 − p))/θ, θ = S/T − R.
    for (p, t) in [(0.95, a.steady.wq_p95_s), (0.99, a.steady.wq_p99_s)] {
        assert!(rel(t, (c / (1.0 - p)).ln() / (1.0 - 0.833_333_3)) < 1e-12);
        assert!(
            (prob_wait_exceeds(&queue, t) - (1.0 - p)).abs() < 1e-12,
            "p={p}"
        );
    }
}

/// Pooling: at the same ρ = 0.95 a bigger pool waits less (Erlang C falls with c), and large
/// pools stay finite.
#[test]
fn mmc_pooling_and_large_pools() {
    let mut smaller_pool_p_wait = 1.0;
    for c in [10, 100, 1000, 10_000] {
        let a = analyze(&q(0.95 * f64::from(c), 1.0, c, ServiceDist::Exponential));
        assert!(
            a.stable && a.steady.w_p99_s.is_finite() && a.steady.w_p99_s > 1.0,
            "c={c}: {a:?}"
        );
        let p_wait = a.steady.erlang_c_p_wait;
        assert!(
            p_wait > 0.0 && p_wait < smaller_pool_p_wait,
            "c={c}: {p_wait}"
        );
        smaller_pool_p_wait = p_wait;
    }
}

// ---------------------------------------------------------------------------------------------
// M/D/1, M/D/c, M/G/c
// ---------------------------------------------------------------------------------------------

/// Wikipedia, "M/D/1 queue", Example (revision 721754899, stored at
/// https://s.cnmilf.com/w/index.php?diff=prev&oldid=721754899&title=M%2FD%2F1_queue):
/// 20 arrivals/hour, constant service at 30/hour: L_Q = 0.6667, L = 1.333, ω_Q = 0.033 h,
/// ω = 0.067 h. And the car-wash exercise (https://qammunity.org/5141475/?show=5141476):
/// a car every 10 minutes, 6 minutes deterministic washing, one bay: L_q = 0.45.
#[test]
fn textbook_md1_examples() {
    let a = analyze(&q(20.0, 30.0, 1, ServiceDist::Deterministic));
    assert_eq!(a.method, METHOD_MD1);
    printed(a.steady.lq_mean, 0.6667, 4, "L_Q");
    printed(a.steady.l_mean, 1.333, 3, "L");
    printed(a.steady.wq_mean_s, 0.033, 3, "ω_Q (hours)");
    printed(a.steady.w_mean_s, 0.067, 3, "ω (hours)");
    assert!(rel(a.steady.lq_mean, 2.0 / 3.0) < 1e-14);
    let wash = analyze(&q(6.0, 10.0, 1, ServiceDist::Deterministic));
    assert!(rel(wash.steady.lq_mean, 0.45) < 1e-14);
    // P(wait) = ρ exactly; response percentiles = wait percentiles + D.
    assert!(rel(wash.steady.erlang_c_p_wait, 0.6) < 1e-15);
    assert!(rel(wash.steady.w_p95_s - wash.steady.wq_p95_s, 0.1) < 1e-12);
    // 40 % never wait, so the median wait is positive; at ρ = 0.45 it would be 0.
    assert!(
        (prob_wait_exceeds(
            &q(6.0, 10.0, 1, ServiceDist::Deterministic),
            wash.steady.wq_p50_s
        ) - 0.5)
            .abs()
            < 1e-9
    );
    assert_eq!(
        analyze(&q(4.5, 10.0, 1, ServiceDist::Deterministic))
            .steady
            .wq_p50_s,
        0.0
    );
}

/// M/D/1 percentiles invert the stable CDF; the wait p50 is positive once ρ > 0.5.
#[test]
fn md1_percentiles_invert_the_tail() {
    let queue = q(0.9, 1.0, 1, ServiceDist::Deterministic);
    let a = analyze(&queue);
    for (p, t) in [
        (0.5, a.steady.wq_p50_s),
        (0.95, a.steady.wq_p95_s),
        (0.99, a.steady.wq_p99_s),
    ] {
        assert!(t > 0.0);
        assert!(
            (prob_wait_exceeds(&queue, t) - (1.0 - p)).abs() < 1e-9,
            "p={p}"
        );
        assert!(rel(response_quantile(&queue, p), t + 1.0) < 1e-12);
    }
    assert!(rel(a.steady.wq_mean_s, 4.5) < 1e-14);
}

#[test]
fn approximations_are_labelled_and_consistent() {
    let det = analyze(&q(9.0, 1.0, 10, ServiceDist::Deterministic));
    assert_eq!(det.method, METHOD_MDC);
    let exp = analyze(&q(9.0, 1.0, 10, ServiceDist::Exponential));
    // Cosmetatos: a bit more than half the M/M/c wait, ½·[1 + (1 − ρ)(c − 1)(√(4 + 5c) − 2)/(16ρc)]
    // = ½·[1 + 0.1·9·(√54 − 2)/144] = 0.51671396633859229 at c = 10, ρ = 0.9.
    let ratio = det.steady.wq_mean_s / exp.steady.wq_mean_s;
    assert!(ratio > 0.5 && ratio < 0.6, "{ratio}");
    assert!(rel(ratio, 0.516_713_966_338_592_3) < 1e-12, "{ratio}");
    assert!(rel(det.steady.w_p99_s - det.steady.wq_p99_s, 1.0) < 1e-12);

    let general = analyze(&q(9.0, 1.0, 10, ServiceDist::General { cv: 0.5 }));
    assert_eq!(general.method, METHOD_MGC);
    assert!(
        rel(
            general.steady.wq_mean_s,
            exp.steady.wq_mean_s * (1.0 + 0.25) / 2.0
        ) < 1e-14
    );
    // cv = 1 is the M/M/c and cv = 0 the deterministic queue.
    assert_eq!(
        analyze(&q(9.0, 1.0, 10, ServiceDist::General { cv: 1.0 })),
        exp
    );
    assert_eq!(
        analyze(&q(9.0, 1.0, 10, ServiceDist::General { cv: 0.0 })),
        det
    );
    // M/G/1 mean is Pollaczek–Khinchine: Wq = ρ(1 + cs²)/(2μ(1 − ρ)).
    let mg1 = analyze(&q(0.6, 1.0, 1, ServiceDist::General { cv: 2.0 }));
    assert!(rel(mg1.steady.wq_mean_s, 0.6 * 5.0 / (2.0 * 0.4)) < 1e-14);
    // Response percentiles solve their tail equation.
    let queue = q(9.0, 1.0, 10, ServiceDist::General { cv: 0.5 });
    for (p, t) in [
        (0.5, general.steady.w_p50_s),
        (0.95, general.steady.w_p95_s),
        (0.99, general.steady.w_p99_s),
    ] {
        assert!(
            (prob_response_exceeds(&queue, t) - (1.0 - p)).abs() < 1e-9,
            "p={p}"
        );
    }
}

#[test]
fn unstable_and_invalid_queues() {
    let a = analyze(&q(10.0, 1.0, 10, ServiceDist::Exponential));
    assert!(!a.stable);
    assert_eq!(a.utilisation, 1.0);
    assert!(
        a.steady.wq_mean_s.is_nan()
            && a.steady.w_p99_s.is_nan()
            && a.steady.erlang_c_p_wait.is_nan()
    );
    assert_eq!(
        prob_response_exceeds(&q(12.0, 1.0, 10, ServiceDist::Deterministic), 100.0),
        1.0
    );
    assert_eq!(
        response_quantile(&q(2.0, 1.0, 1, ServiceDist::Exponential), 0.5),
        f64::INFINITY
    );
    assert_eq!(
        wait_summary(&q(2.0, 1.0, 1, ServiceDist::Deterministic)),
        (1.0, f64::INFINITY)
    );
    for bad in [
        q(-1.0, 1.0, 1, ServiceDist::Exponential),
        q(1.0, 0.0, 1, ServiceDist::Exponential),
        q(1.0, 2.0, 0, ServiceDist::Exponential),
        q(f64::NAN, 2.0, 1, ServiceDist::Exponential),
        q(1.0, 2.0, 1, ServiceDist::General { cv: -0.1 }),
    ] {
        let a = analyze(&bad);
        assert!(!a.stable, "{bad:?}");
        assert_eq!(a.method, METHOD_INVALID);
    }
    // No load: nobody waits, the response is the service time.
    let idle = analyze(&q(0.0, 2.0, 3, ServiceDist::Deterministic));
    assert!(
        idle.stable
            && idle.steady.wq_mean_s == 0.0
            && idle.steady.wq_p99_s == 0.0
            && idle.steady.w_p50_s == 0.5
    );
}

#[test]
fn wait_summary_matches_analyze() {
    for service in [
        ServiceDist::Exponential,
        ServiceDist::Deterministic,
        ServiceDist::General { cv: 0.3 },
    ] {
        for c in [1, 4, 50] {
            let queue = q(0.8 * f64::from(c) * 2.0, 2.0, c, service);
            let a = analyze(&queue);
            let (p, wq) = wait_summary(&queue);
            assert_eq!(
                (p, wq),
                (a.steady.erlang_c_p_wait, a.steady.wq_mean_s),
                "{queue:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Formulas vs the request-level simulation (dev profile: opt-level 1; each case < ~1 s)
// ---------------------------------------------------------------------------------------------

/// The response time's simulated mean within 2 % and p95 within 5 % of the formulas, the wait's
/// within `wait_tol` (its relative noise is larger when it is a small part of the response, as
/// in the M/M/c), and utilisation, P(wait), L and Lq close. Run lengths give ≥ 3 standard
/// errors of margin (measured over 12 seeds; see docs/queueing.md).
fn agrees(queue: Queue, arrivals: u64, seed: u64, wait_tol: [f64; 2]) {
    let a = analyze(&queue);
    let s = simulate(&queue, arrivals, seed).unwrap();
    let (f, m) = (&a.steady, &s.steady);
    for (what, simulated, formula, tol) in [
        ("W mean", m.w_mean_s, f.w_mean_s, 0.02),
        ("W p95", m.w_p95_s, f.w_p95_s, 0.05),
        ("Wq mean", m.wq_mean_s, f.wq_mean_s, wait_tol[0]),
        ("Wq p95", m.wq_p95_s, f.wq_p95_s, wait_tol[1]),
        ("utilisation", s.utilisation, a.utilisation, 0.01),
        ("P(wait)", m.erlang_c_p_wait, f.erlang_c_p_wait, 0.02),
        ("L", m.l_mean, f.l_mean, 0.02),
        ("Lq", m.lq_mean, f.lq_mean, wait_tol[0] + 0.01),
    ] {
        assert!(
            rel(simulated, formula) < tol,
            "{what}: {queue:?}\nformula   {a:?}\nsimulated {s:?}"
        );
    }
}

#[test]
fn simulation_agrees_mm1() {
    agrees(
        q(0.8, 1.0, 1, ServiceDist::Exponential),
        10_000_000,
        11,
        [0.02, 0.05],
    );
}

#[test]
fn simulation_agrees_mmc() {
    agrees(
        q(9.0, 1.0, 10, ServiceDist::Exponential),
        10_000_000,
        12,
        [0.05, 0.05],
    );
}

#[test]
fn simulation_agrees_md1() {
    agrees(
        q(0.9, 1.0, 1, ServiceDist::Deterministic),
        10_000_000,
        13,
        [0.02, 0.05],
    );
}

/// The approximations against the simulation, with their (looser) known accuracy: Cosmetatos
/// for M/D/c, Allen–Cunneen for M/G/c (measured: mean within 1 % and 4 %, response p95 within
/// 2 %).
#[test]
fn simulation_checks_the_approximations() {
    for (service, mean_tol) in [
        (ServiceDist::Deterministic, 0.03),
        (ServiceDist::General { cv: 0.5 }, 0.05),
        (ServiceDist::General { cv: 2.0 }, 0.07),
    ] {
        let queue = q(9.0, 1.0, 10, service);
        let a = analyze(&queue);
        let s = simulate(&queue, 2_000_000, 14).unwrap();
        assert!(
            rel(s.steady.w_mean_s, a.steady.w_mean_s) < mean_tol,
            "{service:?}: {a:?}\n{s:?}"
        );
        assert!(
            rel(s.steady.w_p95_s, a.steady.w_p95_s) < 0.05,
            "{service:?}: {a:?}\n{s:?}"
        );
    }
}

/// The M/D/1 waiting-time tail at high load and large t/D (where Erlang's alternating sum in
/// f64 is noise), against a long simulation: the Lindley recursion W' = max(0, W + D − A) is an
/// exact FCFS single-server simulation; 5·10⁷ customers at ρ = 0.95, standard errors by 50
/// batch means.
#[test]
fn md1_tail_at_high_load_matches_long_simulation() {
    use rand_distr::{Distribution, Exp};
    let rho = 0.95;
    let queue = q(rho, 1.0, 1, ServiceDist::Deterministic);
    let ts = [20.0, 40.0, 60.0];
    let n: u64 = 50_000_000;
    let batches = 50;
    let per_batch = n / batches;
    let mut rng = crate::sim::RngStreams::new(2026).stream("test.lindley");
    let exp = Exp::new(rho).unwrap();
    let mut w = 0.0_f64;
    for _ in 0..100_000 {
        w = (w + 1.0 - exp.sample(&mut rng)).max(0.0);
    }
    let mut batch_means = vec![[0.0_f64; 3]; batches as usize];
    for b in batch_means.iter_mut() {
        let mut counts = [0_u64; 3];
        for _ in 0..per_batch {
            w = (w + 1.0 - exp.sample(&mut rng)).max(0.0);
            for (i, t) in ts.iter().enumerate() {
                counts[i] += u64::from(w > *t);
            }
        }
        for i in 0..3 {
            b[i] = counts[i] as f64 / per_batch as f64;
        }
    }
    for (i, &t) in ts.iter().enumerate() {
        let mean = batch_means.iter().map(|b| b[i]).sum::<f64>() / batches as f64;
        let var = batch_means
            .iter()
            .map(|b| (b[i] - mean).powi(2))
            .sum::<f64>()
            / (batches - 1) as f64;
        let se = (var / batches as f64).sqrt();
        let exact = prob_wait_exceeds(&queue, t);
        assert!(
            (mean - exact).abs() < 4.0 * se,
            "t={t}D: simulated {mean:e} ± {se:e}, exact {exact:e}"
        );
        assert!(
            se < 0.2 * exact,
            "t={t}D: run too short ({se:e} vs {exact:e})"
        );
    }
}
