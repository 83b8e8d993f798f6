//! `capsim queue` on the real binary: published cases, JSON field names, the text table, the
//! simulation agreeing with the formulas, unstable queues and bad flags.

use serde_json::Value;

use crate::common::*;

fn queue_json(args: &[&str]) -> Value {
    let mut all = vec!["queue"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = capsim(&all);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("stdout is one JSON object")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn rel(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

const FIELDS: [&str; 14] = [
    "stable",
    "utilisation",
    "offered_load_erlangs",
    "erlang_c_p_wait",
    "wq_mean_s",
    "w_mean_s",
    "lq_mean",
    "l_mean",
    "wq_p50_s",
    "wq_p95_s",
    "wq_p99_s",
    "w_p50_s",
    "w_p95_s",
    "w_p99_s",
];

/// The R package ErlangC 0.1.0 README example, also pyworkforce's README
/// (https://rdocumentation.org/packages/ErlangC/versions/0.1.0,
/// https://github.com/rodrigo-arenas/pyworkforce): 100 calls per 30 min, 180 s handling,
/// 14 agents → wait probability 0.1741319, average speed of answer 7.83593701177724 s,
/// occupancy 0.7142857.
#[test]
fn erlang_c_call_centre_in_json() {
    let v = queue_json(&[
        "--arrival-rate",
        "0.05555555555555555",
        "--service-rate",
        "0.005555555555555556",
        "--servers",
        "14",
    ]);
    for f in FIELDS {
        assert!(v.get(f).is_some(), "field {f} missing: {v}");
    }
    assert_eq!(v["stable"], true);
    assert_eq!(v["method"], "M/M/c exact");
    assert!(rel(num(&v, "erlang_c_p_wait"), 0.174_131_9) < 1e-6);
    assert!(rel(num(&v, "wq_mean_s"), 7.835_937_011_777_24) < 1e-6);
    assert!(rel(num(&v, "utilisation"), 0.714_285_7) < 1e-6);
    assert!(rel(num(&v, "offered_load_erlangs"), 10.0) < 1e-9);
    assert!(v.get("simulated").is_none());
}

/// The DESIGN.md sketch: `capsim queue --arrival-rate 300 --service-rate 10 --servers 35`. The
/// expected numbers are Erlang C by its factorial definition in 50-digit mpmath (A = 30, c = 35):
/// P(wait) 0.2845824624, Wq 5.691649248 ms, Lq 1.707494774, and the response p99 467.389893 ms
/// from mpmath's `findroot` on the M/M/c response-time tail (docs/queueing.md).
#[test]
fn text_table_has_units() {
    let o = capsim(&[
        "queue",
        "--arrival-rate",
        "300",
        "--service-rate",
        "10",
        "--servers",
        "35",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("queue: M/M/c exact"), "{out}");
    for needle in [
        "utilisation ρ         85.71 %",
        "offered load A        30.00 Erlang",
        "P(wait) (Erlang C)    28.46 %",
        "mean wait Wq          5.692 ms",
        "mean queue length Lq  1.707 requests",
        "response p99          467.4 ms",
    ] {
        assert!(out.contains(needle), "expected {needle:?} in:\n{out}");
    }
}

/// Wikipedia's M/D/1 example (20/h arrivals, 30/h constant service): L_Q = 0.6667, L = 1.333;
/// deterministic service with more servers is the labelled Cosmetatos approximation, and
/// --cv the Allen–Cunneen one.
#[test]
fn deterministic_and_general_service() {
    let md1 = queue_json(&[
        "--arrival-rate",
        "20",
        "--service-rate",
        "30",
        "--servers",
        "1",
        "--service-time",
        "deterministic",
    ]);
    assert_eq!(md1["method"], "M/D/1 exact");
    assert!((num(&md1, "lq_mean") - 0.6667).abs() < 5e-5);
    assert!((num(&md1, "l_mean") - 1.333).abs() < 5e-4);
    assert!(rel(num(&md1, "erlang_c_p_wait"), 2.0 / 3.0) < 1e-12);

    // λ = 9 /s, μ = 1 /s, c = 10 with `service` flags.
    let pool = |service: &[&str]| {
        let mut args = vec![
            "--arrival-rate",
            "9",
            "--service-rate",
            "1",
            "--servers",
            "10",
        ];
        args.extend_from_slice(service);
        queue_json(&args)
    };
    let mdc = pool(&["--service-time", "deterministic"]);
    let method = mdc["method"].as_str().unwrap();
    assert!(
        method.starts_with("M/D/c approximation (Cosmetatos"),
        "{method}"
    );
    // Response percentiles are the wait percentiles plus the constant service time.
    assert!((num(&mdc, "w_p95_s") - num(&mdc, "wq_p95_s") - 1.0).abs() < 1e-12);

    let mgc = pool(&["--cv", "0.5"]);
    let method = mgc["method"].as_str().unwrap();
    assert!(
        method.starts_with("M/G/c approximation (Allen–Cunneen"),
        "{method}"
    );
    assert_eq!(mgc["inputs"]["service_time"], "general");
    assert_eq!(mgc["inputs"]["cv"], 0.5);
}

/// `--simulate N` agrees with the formulas: response-time mean within 2 % and p95 within 5 %
/// at ρ ≤ 0.9 with 10⁷ arrivals (and the wait within `wait_tol` on the mean, 5 % on p95: its
/// relative noise is larger where it is a small part of the response, as in the M/M/c).
fn simulation_agrees(args: &[&str], wait_tol: f64) {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--simulate", "10000000", "--seed", "5"]);
    let v = queue_json(&all);
    let sim = &v["simulated"];
    assert_eq!(sim["arrivals"], 10_000_000);
    assert_eq!(sim["warmup_discarded"], 1_000_000);
    assert_eq!(sim["seed"], 5);
    for (field, tol) in [
        ("w_mean_s", 0.02),
        ("w_p95_s", 0.05),
        ("wq_mean_s", wait_tol),
        ("wq_p95_s", 0.05),
        ("utilisation", 0.01),
        ("l_mean", 0.02),
    ] {
        assert!(
            rel(num(sim, field), num(&v, field)) < tol,
            "{field}: {args:?}: {v:#}"
        );
    }
}

#[test]
fn simulation_agrees_mm1() {
    simulation_agrees(
        &[
            "--arrival-rate",
            "0.8",
            "--service-rate",
            "1",
            "--servers",
            "1",
        ],
        0.02,
    );
}

#[test]
fn simulation_agrees_mmc() {
    simulation_agrees(
        &[
            "--arrival-rate",
            "9",
            "--service-rate",
            "1",
            "--servers",
            "10",
        ],
        0.05,
    );
}

#[test]
fn simulation_agrees_md1() {
    simulation_agrees(
        &[
            "--arrival-rate",
            "0.9",
            "--service-rate",
            "1",
            "--servers",
            "1",
            "--service-time",
            "deterministic",
        ],
        0.02,
    );
}

#[test]
fn simulation_is_deterministic_given_the_seed() {
    let args = [
        "queue",
        "--arrival-rate",
        "4",
        "--service-rate",
        "1",
        "--servers",
        "5",
        "--simulate",
        "50000",
        "--seed",
        "9",
        "--format",
        "json",
    ];
    let a = capsim(&args);
    let b = capsim(&args);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(stdout(&a), stdout(&b));
    let mut other = args;
    other[10] = "10";
    assert_ne!(stdout(&a), stdout(&capsim(&other)));
}

/// ρ ≥ 1: `"stable": false`, utilisation and offered load to show by how much, and none of
/// the steady-state numbers (omitted, not null); nothing is simulated.
#[test]
fn unstable_queue_has_no_numbers() {
    let v = queue_json(&[
        "--arrival-rate",
        "12",
        "--service-rate",
        "1",
        "--servers",
        "10",
        "--simulate",
        "1000",
    ]);
    assert_eq!(v["stable"], false);
    assert!(rel(num(&v, "utilisation"), 1.2) < 1e-12);
    for f in &FIELDS[3..] {
        assert!(v.get(*f).is_none(), "{f} must be omitted: {v}");
    }
    assert!(v.get("simulated").is_none());
    // Exactly at saturation too.
    let edge = queue_json(&[
        "--arrival-rate",
        "10",
        "--service-rate",
        "1",
        "--servers",
        "10",
    ]);
    assert_eq!(edge["stable"], false);
    let o = capsim(&[
        "queue",
        "--arrival-rate",
        "12",
        "--service-rate",
        "1",
        "--servers",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("unstable"), "{}", stdout(&o));
}

/// Bad flags exit 2 with a message naming the flag and saying how to fix it.
#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let base = [
        "queue",
        "--arrival-rate",
        "1",
        "--service-rate",
        "2",
        "--servers",
        "1",
    ];
    // `base` with the value of `flag` replaced, or with more flags appended.
    let replaced = |flag: &'static str, value: &'static str| {
        let mut args = base.to_vec();
        let at = args
            .iter()
            .position(|a| *a == flag)
            .expect("a flag of base");
        args[at + 1] = value;
        (args, flag)
    };
    let appended = |more: &[&'static str], flag| ([&base[..], more].concat(), flag);
    let cases = [
        replaced("--arrival-rate", "-1"),
        replaced("--arrival-rate", "0"),
        replaced("--service-rate", "0"),
        replaced("--service-rate", "-3"),
        replaced("--servers", "0"),
        appended(&["--simulate", "0"], "--simulate"),
        appended(&["--service-time", "erlang"], "--service-time"),
        appended(&["--cv", "-0.5"], "--cv"),
        appended(&["--service-time", "deterministic", "--cv", "0.5"], "--cv"),
    ];
    for (args, flag) in cases {
        let o = capsim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("fix:") || err.contains("possible values"),
            "{args:?} should say how to fix it: {err}"
        );
        assert!(stdout(&o).is_empty());
    }
}
