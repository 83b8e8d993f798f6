//! `capsim headroom` on scenarios whose limits are known by hand.

use crate::common::{capsim, stderr, stdout};

fn json(o: &std::process::Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("headroom --format json prints JSON")
}

/// `capsim headroom SCENARIO --by rps --max MAX EXTRA…`.
fn headroom(scenario: &str, max: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["headroom", scenario, "--by", "rps", "--max", max];
    args.extend_from_slice(extra);
    capsim(&args)
}

/// tests/fixtures/headroom-db.yaml: replicas = ceil(rps / 50), 10 connections each, 100
/// connections allowed, 100 rps at factor 1 ⇒ the database refuses connections first, just above
/// 500 rps, i.e. factor 5.0 (by hand: 11 replicas × 10 = 110 > 100 once rps > 500).
#[test]
fn first_break_is_the_database_at_five_times() {
    let r = json(&headroom(
        "tests/fixtures/headroom-db.yaml",
        "16",
        &["--format", "json", "--target-rps", "800"],
    ));
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["entry_service"], "api");
    let first = &r["breaks"][0];
    assert_eq!(first["constraint"], "db_connections", "{first}");
    let factor = first["factor"].as_f64().unwrap();
    assert!(
        (factor / 5.0 - 1.0).abs() <= 0.02 && factor > 5.0,
        "db_connections breaks at {factor}×, expected just above 5.0×"
    );
    let peak = first["peak_rps"].as_f64().unwrap();
    assert!((peak / 500.0 - 1.0).abs() <= 0.02, "peak {peak} rps");
    // The SLOs hold up to the database limit and no further (refused connections fail requests).
    let max = r["max_factor"].as_f64().unwrap();
    assert!(max < factor && max / factor > 0.98, "max_factor {max}");
    assert_eq!(r["holds_to_max_factor"], false);
    // 800 rps = 8× the plan: not reached; the fix names max_connections sized from the pools.
    let t = &r["target"];
    assert_eq!(t["reached"], false);
    // One service: every request is the entry's, so the total and the entry rate agree.
    assert_eq!(t["of"], "total");
    assert_eq!(r["base_total_peak_rps"], r["base_peak_rps"]);
    assert!((t["factor"].as_f64().unwrap() - 8.0).abs() < 0.05, "{t}");
    let fixes = t["fixes"].as_array().unwrap();
    let db = fixes
        .iter()
        .find(|f| f["constraint"] == "db_connections")
        .expect("a database fix");
    // ceil(800 / 50) = 16 replicas × 10 connections = 160, plus 3 reserved.
    assert!(
        db["change"].as_str().unwrap().contains("at least 163"),
        "{db}"
    );
}

#[test]
fn writes_the_chart_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hr");
    let o = headroom(
        "tests/fixtures/headroom-db.yaml",
        "8",
        &["--quiet", "--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let html = std::fs::read_to_string(out.join("headroom.html")).unwrap();
    assert!(
        html.contains("<svg") && html.contains("<title>"),
        "chart with tooltips"
    );
    assert!(html.contains("db_connections"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("headroom.json")).unwrap()).unwrap();
    assert_eq!(v["breaks"][0]["constraint"], "db_connections");
    assert!(out.join("headroom.md").exists());
}

#[test]
fn bad_requests_exit_2_before_simulating() {
    for (args, needle) in [
        (vec!["--by", "peak"], "holiday"),
        (vec!["--max", "0.5"], "--max"),
        (vec!["--target-rps=-5"], "--target-rps"),
        (vec!["--precision", "2"], "--precision"),
    ] {
        let mut all = vec!["headroom", "tests/fixtures/headroom-db.yaml"];
        all.extend(args);
        let o = capsim(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{all:?}: {}", stderr(&o));
    }
}

/// The fixes at a target are sized by a simulation there with the limits lifted. With
/// maxReplicas 8 the HPA reaches its max (ceil(rps / 50) = 8) just above 350 rps; at an
/// 800-rps target it asks for ceil(800 / 50) = 16 replicas (by hand), which is the fix.
#[test]
fn fixes_are_sized_by_a_run_with_the_limits_lifted() {
    let text = std::fs::read_to_string(crate::common::repo("tests/fixtures/headroom-db.yaml"))
        .unwrap()
        .replace("maxReplicas: 100", "maxReplicas: 8");
    let (_dir, path) = crate::common::write_temp("capped.yaml", &text);
    let r = json(&headroom(
        crate::common::path_str(&path),
        "16",
        &["--target-rps", "800", "--format", "json"],
    ));
    assert_eq!(
        r["breaks"][0]["constraint"], "max_replicas",
        "{}",
        r["breaks"]
    );
    let factor = r["breaks"][0]["factor"].as_f64().unwrap();
    assert!(
        (factor / 3.5 - 1.0).abs() <= 0.02 && factor > 3.5,
        "at its max of 8 above 350 rps: {factor}"
    );
    let t = &r["target"];
    let fix = t["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["constraint"] == "max_replicas")
        .expect("a maxReplicas fix");
    assert!(
        fix["change"]
            .as_str()
            .unwrap()
            .contains("from 8 to at least 16 "),
        "{fix}"
    );
}
