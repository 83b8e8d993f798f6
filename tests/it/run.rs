//! `capsim run`: outputs, determinism, seeds, and what heal7's replicas follow.

use crate::common::*;

/// `capsim run` into `dir`; returns (timeseries.csv, summary.json).
fn run_to(dir: &std::path::Path, scenario: &str, extra: &[&str]) -> (String, String) {
    run_ok(scenario, dir, extra);
    (
        std::fs::read_to_string(dir.join("timeseries.csv")).unwrap(),
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
    )
}

#[test]
fn same_seed_gives_byte_identical_outputs_and_another_seed_changes_the_noise() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (csv1, json1) = run_to(a.path(), "tests/fixtures/small.yaml", &[]);
    let (csv2, json2) = run_to(b.path(), "tests/fixtures/small.yaml", &[]);
    assert_eq!(csv1, csv2);
    assert_eq!(json1, json2);
    for name in ["cost_monthly.csv", "cost_monthly.parquet", "focus.csv"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let (csv3, json3) = run_to(c.path(), "tests/fixtures/small.yaml", &["--seed", "8"]);
    assert_ne!(csv1, csv3, "another seed must change the noise");
    assert!(json3.contains("\"seed\": 8"));
    // The deterministic part (DAU, column 3) is the same; the offered traffic (column 4) differs.
    let column = |csv: &str, i: usize| -> Vec<String> {
        csv.lines()
            .map(|l| l.split(',').nth(i).unwrap().to_string())
            .collect()
    };
    assert_eq!(column(&csv1, 3)[0], "dau");
    assert_eq!(column(&csv1, 3), column(&csv3, 3));
    assert_eq!(column(&csv1, 4)[0], "offered_rps");
    assert_ne!(column(&csv1, 4), column(&csv3, 4));
}

#[test]
fn outputs_have_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, json) = run_to(dir.path(), "tests/fixtures/small.yaml", &[]);
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "time,cloud,service,dau,offered_rps,desired_replicas,desired_replicas_max,ready_replicas,ready_replicas_mean,pods,hpa_cpu_utilization_pct,failed_requests,error_rate,p95_ms,db_connections_max,cache_hit_ratio_min"
    );
    // 4 days × 96 intervals of 15 min × 2 services.
    assert_eq!(csv.lines().count(), 1 + 4 * 96 * 2);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-02-14T00:00:00+09:00,default,web,")
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["scenario"]["name"], "small");
    assert_eq!(v["services"][0]["name"], "web");
    assert_eq!(
        v["services"][1]["hpa_max_replicas"],
        serde_json::Value::Null
    );
    // Exactly the reports, and no temporary files left behind.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "charts",
            "cost_monthly.csv",
            "cost_monthly.parquet",
            "focus.csv",
            "report.html",
            "summary.json",
            "timeseries.csv"
        ]
    );
}

#[test]
fn replicas_follow_the_seollal_peak_and_the_daily_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = run_to(dir.path(), "tests/fixtures/small.yaml", &[]);
    // (local time, desired replicas) of the web service.
    let web: Vec<(String, u32)> = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2) == Some("web"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[5].parse().unwrap())
        })
        .collect();
    let at = |prefix: &str| web.iter().find(|(t, _)| t.starts_with(prefix)).unwrap().1;
    // Seollal 2026 is 16–18 February: 21:00 on the 17th (×3) needs far more pods than 21:00 on
    // Saturday the 14th, and 04:00 (the daily trough) needs fewer than 21:00.
    let normal_evening = at("2026-02-14T21:00");
    let holiday_evening = at("2026-02-17T21:00");
    let holiday_night = at("2026-02-17T04:00");
    assert!(
        holiday_evening >= 2 * normal_evening,
        "{holiday_evening} vs {normal_evening}"
    );
    assert!(
        holiday_night < holiday_evening,
        "{holiday_night} vs {holiday_evening}"
    );
    assert!(web.iter().all(|(_, r)| (2..=20).contains(r)));
}

#[test]
fn json_format_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_ok(
        "tests/fixtures/small.yaml",
        dir.path(),
        &["--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scenario"]["seed"], 7);
}

#[test]
fn bundled_scenarios_validate() {
    let o = capsim(&[
        "validate",
        "scenarios/heal7.yaml",
        "tests/fixtures/small.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("ok scenarios/heal7.yaml"));
}

#[test]
fn a_recorded_series_is_replayed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("recorded.csv"),
        "# page views per second recorded by the CDN\ntimestamp,page_views_per_s\n\
         2026-03-01T00:00:00+09:00,10\n2026-03-01 06:00,40\n2026-03-01T12:00:00+09:00,100\n",
    )
    .unwrap();
    let text = r#"
apiVersion: capsim/v1alpha1
kind: Scenario
metadata: { name: replayed }
spec:
  simulation: { start: 2026-03-01, duration: 1d, outputResolution: 1h }
  traffic:
    replay: { file: recorded.csv }
  services:
    web:
      requestsPerPageView: 2
      cpuPerRequest: 10ms
      serviceTime: 50ms
      concurrencyPerPod: 8
      resources: { requests: { cpu: 250m, memory: 256Mi } }
      startupDelay: 10s
      readinessDelay: 5s
      hpa: { minReplicas: 1, maxReplicas: 10 }
"#;
    let path = dir.path().join("replayed.yaml");
    std::fs::write(&path, text).unwrap();
    let (csv, _) = run_to(&dir.path().join("out"), path_str(&path), &[]);
    let rps: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    assert_eq!(rps.len(), 24);
    // Held from each row to the next, × 2 requests per page view.
    assert_eq!(rps[0], 20.0);
    assert_eq!(rps[6], 80.0);
    assert_eq!(rps[23], 200.0);
}

#[test]
fn a_replayed_series_with_bad_rows_is_rejected_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("recorded.csv"),
        "timestamp,page_views_per_s\nyesterday,10\n2026-03-01 06:00,-4\n",
    )
    .unwrap();
    let text = small_fixture();
    let start = text.find("    dau:").unwrap();
    let end = text.find("    noise:").unwrap();
    let bad = format!(
        "{}    replay: {{ file: recorded.csv }}\n{}",
        &text[..start],
        &text[end..]
    );
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, bad).unwrap();
    let o = capsim(&["validate", path_str(&path)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("recorded.csv:2:1: row 1.timestamp"), "{err}");
    assert!(err.contains("row 2.page_views_per_s"), "{err}");
}

/// The platform fixture: two clouds, nodes, database, cache, an AWS outage at 20:00 on
/// 2026-09-25 for an hour with a 60 s failover, and a cache flush at noon on the 24th.
#[test]
fn an_outage_fails_traffic_until_failover_and_gcp_absorbs_it() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, json) = run_to(dir.path(), "tests/fixtures/platform.yaml", &[]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let outage = &v["outages"][0];
    assert_eq!(outage["cloud"], "aws");
    // The 60 s before failover lose AWS's 70 % of traffic: one 5-minute window drops to about
    // 1 − 0.7/5 = 86 % availability and breaks the SLO; GCP's pods then carry everything.
    let worst = outage["worst_window_availability"].as_f64().unwrap();
    assert!((0.80..0.90).contains(&worst), "{worst}");
    assert!(outage["violating_windows"].as_u64().unwrap() >= 1);
    let recovery = outage["recovery_minutes"].as_f64().unwrap();
    assert!(recovery <= 30.0, "{recovery}");
    // GCP's web HPA scales up for the failed-over traffic.
    let gcp_web_peak = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["cloud"] == "gcp" && s["name"] == "web")
        .unwrap()["peak_replicas_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        gcp_web_peak.starts_with("2026-09-25T20") || gcp_web_peak.starts_with("2026-09-25T21"),
        "{gcp_web_peak}"
    );
    // The cache flush shows as a dip in the hit ratio at noon on the 24th.
    assert!(
        v["cache"]["min_hit_ratio_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-09-24T12")
    );
    assert!(v["cache"]["min_hit_ratio"].as_f64().unwrap() < 0.5);
    // Node pools and connections are reported.
    assert!(v["node_pools"].as_array().unwrap().len() == 2);
    let primary = &v["database"]["instances"][0];
    assert!(primary["peak_connections"].as_f64().unwrap() > 0.0);
    assert!(
        std::fs::read_to_string(dir.path().join("nodes.csv"))
            .unwrap()
            .starts_with("time,cloud,pool,")
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("2026-09-25T20:00:00+09:00,aws,web,"))
    );
}

/// Pools of web (10) and api (10) connections on every pod of both clouds: beyond 197
/// connections (200 − 3 reserved) the primary refuses them and those pods' requests fail. A
/// transaction-mode pooler needs only the connections in use.
#[test]
fn connection_limit_and_what_a_pooler_changes() {
    let base = std::fs::read_to_string(repo("tests/fixtures/platform.yaml")).unwrap();
    // Twice the traffic, pools of 20: the primary runs out of connections at the evening peak.
    let heavy = base
        .replace("dau: 40000", "dau: 80000")
        .replace("poolSize: 10", "poolSize: 20");
    let pooled = heavy.replace(
        "  database:\n    maxConnections: 200\n",
        "  database:\n    maxConnections: 200\n    pooler: { maxServerConnections: 100 }\n",
    );
    let run = |text: &str| -> serde_json::Value {
        let (dir, path) = write_temp("s.yaml", text);
        let (_, json) = run_to(&dir.path().join("out"), path_str(&path), &[]);
        serde_json::from_str(&json).unwrap()
    };
    let direct = run(&heavy);
    let p = &direct["database"]["instances"][0];
    assert!(
        p["peak_demanded_connections"].as_f64().unwrap() > 197.0,
        "{p}"
    );
    assert_eq!(p["peak_connections"].as_f64().unwrap(), 197.0);
    assert!(p["minutes_with_refused_connections"].as_u64().unwrap() > 0);
    let web = direct["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["cloud"] == "aws" && s["name"] == "web")
        .unwrap()
        .clone();
    let pooled = run(&pooled);
    let pp = &pooled["database"]["instances"][0];
    assert_eq!(pp["minutes_with_refused_connections"].as_u64().unwrap(), 0);
    assert!(pp["peak_connections"].as_f64().unwrap() <= 100.0);
    let web_pooled = pooled["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["cloud"] == "aws" && s["name"] == "web")
        .unwrap()
        .clone();
    assert!(
        web_pooled["failed_requests"].as_f64().unwrap() < web["failed_requests"].as_f64().unwrap()
    );
}

/// The heal7 variants are generated from heal7.yaml; the committed files must be current.
#[test]
fn scenario_variants_are_generated_from_heal7() {
    let o = std::process::Command::new("python3")
        .args(["scenarios/make-variants.py", "--check"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python3 runs (the rust machine kind ships CPython 3.11)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The small fixture for March 2026 (744 h) with a fixed `dev` inventory, priced with the bundled
/// book. By hand, from data/prices/seoul-2026.csv rows 29 (t3.large: on-demand 0.104, spot
/// 0.0313, 1y 0.0676, 3y 0.0468 $/h) and 50 (rds-gp3-storage 0.131 $/GB-month):
///   on-demand 2 × 744 × 0.104  = 154.752   + 20 × 0.131 = 2.62 → 157.372
///   spot      1,488 × 0.0313   =  46.5744  + 2.62             →  49.1944
///   1y        1,488 × 0.0676   = 100.5888  + 2.62 (both instances run every hour: baseline 2) → 103.2088
///   3y        1,488 × 0.0468   =  69.6384  + 2.62             →  72.2584
/// The *-spot commitments have no burst, so they equal the plain ones.
fn priced_dev_inventory() -> (String, String) {
    let text = small_fixture()
        .replace(
            "    start: 2026-02-14\n    duration: 4d\n",
            "    start: 2026-03-01\n    duration: 1mo\n",
        )
        .replace("    outputResolution: 15m\n", "    outputResolution: 1h\n")
        + "  cost:\n    environments:\n      dev:\n        items:\n          - { sku: t3.large, count: 2, spot: true }\n          - { sku: rds-gp3-storage, count: 20, unit: GB-month, class: storage }\n";
    let (dir, path) = write_temp("dev.yaml", &text);
    let out = dir.path().join("out");
    run_ok(path_str(&path), &out, &["-q"]);
    (
        std::fs::read_to_string(out.join("cost_monthly.csv")).unwrap(),
        std::fs::read_to_string(out.join("summary.json")).unwrap(),
    )
}

#[test]
fn a_fixed_inventory_is_priced_to_the_cent_in_every_variant() {
    let (csv, json) = priced_dev_inventory();
    // One row per line (no line repeats per variant): a column per variant.
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut totals: std::collections::BTreeMap<String, i64> = Default::default();
    let mut dev_rows = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[at("environment")] == "dev" {
            dev_rows += 1;
            assert_eq!(&rec[at("service")], "__shared__");
            for variant in VARIANTS {
                // Exact: the decimal strings parse to whole micro-dollars.
                let cell = &rec[at(&format!("{}_usd", variant.replace('-', "_")))];
                *totals.entry(variant.to_string()).or_default() += micros(cell);
            }
        }
    }
    // The instances and the storage: two lines.
    assert_eq!(dev_rows, 2);
    let expected = [
        ("on-demand", 157_372_000),
        ("spot", 49_194_400),
        ("committed-1y", 103_208_800),
        ("committed-3y", 72_258_400),
        ("committed-1y-spot", 103_208_800),
        ("committed-3y-spot", 72_258_400),
    ];
    for (variant, micros) in expected {
        assert_eq!(totals.get(variant), Some(&micros), "{variant}: {totals:?}");
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cost"]["price_book"], "data/prices/seoul-2026.csv");
    // Money in summary.json is a number of dollars: the amount itself.
    assert_eq!(
        v["cost"]["months"][0]["on_demand_by_environment_usd"]["dev"],
        serde_json::json!(157.372)
    );
}

#[test]
fn unknown_sku_region_and_negative_price_exit_2() {
    /// Run `text` (with `extra` files beside it); assert exit 2, no report, and return stderr.
    fn fails(text: &str, extra: &[(&str, &str)]) -> String {
        let (dir, path) = write_temp("s.yaml", text);
        for (name, body) in extra {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let out = dir.path().join("o");
        let o = capsim(&["run", path_str(&path), "--out", path_str(&out)]);
        assert_eq!(o.status.code(), Some(2));
        assert!(!out.exists(), "no report for bad input");
        stderr(&o)
    }
    let base = small_fixture();
    // An SKU the book does not have.
    let err = fails(
        &(base.clone()
            + "  cost:\n    environments:\n      dev:\n        items:\n          - { sku: t3.humongous }\n"),
        &[],
    );
    assert!(
        err.contains("t3.humongous") && err.contains("seoul-2026.csv"),
        "{err}"
    );
    // A region the book has no rows for.
    let err = fails(
        &(base.clone() + "  cost:\n    regions: { default: us-east-1 }\n"),
        &[],
    );
    assert!(err.contains("us-east-1"), "{err}");
    // A negotiated price book with a negative price.
    let book = std::fs::read_to_string(repo("data/prices/seoul-2026.csv"))
        .unwrap()
        .replace(
            ",t3.large,instance-hour,0.104,",
            ",t3.large,instance-hour,-0.104,",
        );
    let err = fails(
        &(base + "  cost:\n    priceBook: negotiated.csv\n"),
        &[("negotiated.csv", &book)],
    );
    assert!(
        err.contains("t3.large") && err.contains("negotiated.csv"),
        "{err}"
    );
}

#[test]
fn markdown_format_prints_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_ok(
        "tests/fixtures/small.yaml",
        dir.path(),
        &["--format", "markdown"],
    );
    let md = stdout(&o);
    assert!(md.starts_with("## capsim run — `small`"), "{md}");
    assert!(md.contains("| service@cloud |"), "{md}");
}

/// A folder holding anything capsim does not write is refused before the run, left as it was,
/// with no temporary folder beside it.
#[test]
fn a_folder_with_other_files_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = capsim(&[
        "run",
        "tests/fixtures/small.yaml",
        "--out",
        path_str(&out),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(entries(dir.path()), ["out"]);
}

/// A report folder appears complete or not at all: a new run replaces an older report as a
/// whole (no stale file of the old one survives), cleans the temporaries of dead capsim
/// processes, and leaves no temporary of its own.
#[test]
fn a_report_folder_is_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok("tests/fixtures/platform.yaml", &out, &["-q"]);
    assert!(out.join("nodes.csv").exists());
    // A dead process's half-written folder and a stale per-file temporary.
    let stale = dir.path().join(".out.capsim-tmp-999999999");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(out.join(".summary.json.tmp-999999999"), "x").unwrap();
    run_ok("tests/fixtures/small.yaml", &out, &["-q"]);
    // small has no node pools: the old nodes.csv went with the old report.
    assert!(!out.join("nodes.csv").exists());
    assert!(!out.join(".summary.json.tmp-999999999").exists());
    assert!(!stale.exists());
    // A sweep nested in the run's folder (the default reports/<name>/sweep) is kept.
    std::fs::create_dir(out.join("sweep")).unwrap();
    std::fs::write(out.join("sweep").join("manifest.json"), "{}").unwrap();
    run_ok("tests/fixtures/small.yaml", &out, &["-q"]);
    assert!(out.join("sweep").join("manifest.json").exists());
    assert_eq!(entries(dir.path()), ["out"]);
}

/// A kill between renaming the old report aside and renaming the new one in leaves the old
/// report under `.NAME.capsim-old-PID`; the next write beside it puts it back first.
#[test]
fn an_old_report_renamed_aside_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok("tests/fixtures/small.yaml", &out, &["-q"]);
    let aside = dir.path().join(".out.capsim-old-999999999");
    std::fs::rename(&out, &aside).unwrap();
    let before = std::fs::read(aside.join("summary.json")).unwrap();
    // Even a run that then fails (no such scenario) puts the old report back first.
    let o = capsim(&[
        "run",
        "tests/fixtures/nope.yaml",
        "--out",
        path_str(&out),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);
    assert!(!aside.exists());
}

/// The names in a folder (what a report write left beside its output).
fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Issue 12: a float column written as `3` in most rows made polars fail and duckdb round 3.557
/// to 4. Every cell of a float column has a decimal point (or is empty).
#[test]
fn timeseries_float_columns_always_have_decimals() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok("tests/fixtures/small.yaml", &out, &["-q"]);
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let floats = [
        "dau",
        "offered_rps",
        "ready_replicas_mean",
        "failed_requests",
        "error_rate",
        "p95_ms",
        "db_connections_max",
        "cache_hit_ratio_min",
    ];
    let cols: Vec<usize> = floats
        .iter()
        .map(|f| head.iter().position(|h| h == f).expect("column"))
        .collect();
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for &c in &cols {
            let v = cells[c];
            if v.is_empty() {
                continue;
            }
            assert!(
                v.contains('.') && v.parse::<f64>().is_ok(),
                "{}: {v:?}",
                head[c]
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked} cells");
}

/// A row holds the evaluation steps that end inside it, its last one included: with AWS down
/// for the whole run and never routed away, each AWS row's failed requests are exactly what its
/// users sent in that row. The step ending on a row's boundary used to be counted after the
/// row was closed, so each 15-minute row held the minute before it instead of its last (the
/// first row 14 minutes' worth).
#[test]
fn a_row_holds_the_evaluation_steps_that_end_in_it() {
    let text = std::fs::read_to_string(repo("tests/fixtures/platform.yaml"))
        .unwrap()
        .replacen(
            r#"- { type: outage, cloud: aws, start: "2026-09-25T20:00", duration: 1h }"#,
            r#"- { type: outage, cloud: aws, start: "2026-09-24T00:00", duration: 2d }"#,
            1,
        )
        .replacen(
            "  slo:\n",
            "  failover:\n    detectionDelay: 3d\n  slo:\n",
            1,
        );
    let (dir, path) = write_temp("aws-down.yaml", &text);
    let out = dir.path().join("out");
    let (csv, _) = run_to(&out, path_str(&path), &[]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (cloud, offered, failed) = (col("cloud"), col("offered_rps"), col("failed_requests"));
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[cloud] != "aws" {
            continue;
        }
        let sent = f[offered].parse::<f64>().unwrap() * 900.0;
        let lost = f[failed].parse::<f64>().unwrap();
        // Both columns are printed to 3 decimals.
        assert!(
            (lost - sent).abs() <= 1e-6 * sent + 1.0,
            "{line}: {lost} failed of {sent}"
        );
        rows += 1;
    }
    assert_eq!(
        rows,
        2 * 2 * 96,
        "two services × two days of 15-minute rows"
    );
    // A cloud that is down serves nothing: no responses leave it (egress) and it logs no
    // requests (the failed traffic was billed as served).
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let usd = |v: &serde_json::Value| {
        v.as_f64()
            .unwrap_or_else(|| v.as_str().unwrap().parse().unwrap())
    };
    for m in summary["cost"]["months"].as_array().unwrap() {
        let lines = &m["by_resource_usd"]["on-demand"];
        for what in ["internet egress", "log ingestion"] {
            // GCP served everything and pays for it; AWS's line is absent (no usage) or zero.
            assert!(usd(&lines[format!("gcp/prod/{what}")]) > 0.0, "gcp {what}");
            let aws = &lines[format!("aws/prod/{what}")];
            assert!(aws.is_null() || usd(aws) == 0.0, "aws {what}: {aws}");
        }
    }
}

/// Both clouds down at once: once each failure is detected no cloud is routed, and the users'
/// requests still arrive and fail (they used to vanish: offered 0, failed 0, availability
/// untouched by a 35-minute total outage).
#[test]
fn a_total_outage_fails_the_users_traffic() {
    let outage = r#"- { type: outage, cloud: aws, start: "2026-09-25T20:00", duration: 1h }"#;
    let text = std::fs::read_to_string(repo("tests/fixtures/platform.yaml"))
        .unwrap()
        .replacen(
            outage,
            &format!(
                "{outage}\n    - {{ type: outage, cloud: gcp, start: \"2026-09-25T20:10\", duration: 40m }}"
            ),
            1,
        );
    let (dir, path) = write_temp("both-down.yaml", &text);
    let out = dir.path().join("out");
    let (csv, _) = run_to(&out, path_str(&path), &[]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (offered, failed) = (col("offered_rps"), col("failed_requests"));
    // 20:15–20:45: both clouds down and routed away for all of both rows.
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .filter(|l| l.starts_with("2026-09-25T20:15") || l.starts_with("2026-09-25T20:30"))
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows.len(),
        2 * 2 * 2,
        "two rows × two services × two clouds"
    );
    let sent: f64 = rows
        .iter()
        .map(|f| f[offered].parse::<f64>().unwrap() * 900.0)
        .sum();
    let lost: f64 = rows.iter().map(|f| f[failed].parse::<f64>().unwrap()).sum();
    assert!(sent > 100_000.0, "{sent} requests offered");
    assert!((lost / sent - 1.0).abs() < 0.01, "{lost} of {sent} failed");
}

/// nodes.csv and the node charts keep a surge that falls between two interval ends: heal7's
/// January has deploys whose surge pods take gcp-general to 5 nodes for minutes. The charts
/// and nodes.csv showed at most the counts at each hour's end (3), against the pools table's 5.
#[test]
fn node_counts_per_interval_keep_the_peak_between_interval_ends() {
    let text = std::fs::read_to_string(repo("scenarios/heal7.yaml"))
        .unwrap()
        .replacen("duration: 12mo", "duration: 1mo", 1);
    let (dir, path) = write_temp("heal7-january.yaml", &text);
    let out = dir.path().join("out");
    let (_, json) = run_to(&out, path_str(&path), &["-q"]);
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let nodes = std::fs::read_to_string(out.join("nodes.csv")).unwrap();
    let header: Vec<&str> = nodes.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (pool, ready, prov, max) = (
        col("pool"),
        col("ready_nodes"),
        col("provisioning_nodes"),
        col("nodes_max"),
    );
    let mut surged = false;
    for p in summary["node_pools"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let peak = p["peak_nodes"].as_u64().unwrap();
        let rows: Vec<Vec<u64>> = nodes
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[pool] == name)
            .map(|f| [ready, prov, max].map(|c| f[c].parse().unwrap()).to_vec())
            .collect();
        let at_ends = rows.iter().map(|r| r[0] + r[1]).max().unwrap();
        let most = rows.iter().map(|r| r[2]).max().unwrap();
        assert_eq!(
            most, peak,
            "{name}: nodes.csv's nodes_max against the pools table"
        );
        surged |= at_ends < peak;
        let series = summary["series"]["node_pools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        let daily = series["nodes_max"].as_array().unwrap();
        assert_eq!(
            daily.iter().map(|v| v.as_u64().unwrap()).max(),
            Some(peak),
            "{name}"
        );
    }
    assert!(surged, "some pool's peak falls between two interval ends");
}
