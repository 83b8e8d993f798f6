//! `capsim run`: outputs, determinism, seeds, and what heal7's replicas follow.

use crate::common::*;

fn run_to(dir: &std::path::Path, scenario: &str, extra: &[&str]) -> (String, String) {
    let out = dir.to_str().unwrap();
    let mut args = vec!["run", scenario, "--out", out];
    args.extend_from_slice(extra);
    let o = capsim(&args);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
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
    let (csv3, json3) = run_to(c.path(), "tests/fixtures/small.yaml", &["--seed", "8"]);
    assert_ne!(csv1, csv3, "another seed must change the noise");
    assert!(json3.contains("\"seed\": 8"));
    // The deterministic parts (DAU) are the same; the offered traffic differs.
    let dau = |csv: &str| {
        csv.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap()
            .to_string()
    };
    assert_eq!(dau(&csv1), dau(&csv3));
}

#[test]
fn outputs_have_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, json) = run_to(dir.path(), "tests/fixtures/small.yaml", &[]);
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "time,service,dau,offered_rps,desired_replicas,desired_replicas_max,ready_replicas,ready_replicas_mean,pods,hpa_cpu_utilization_pct"
    );
    // 4 days × 96 intervals of 15 min × 2 services.
    assert_eq!(csv.lines().count(), 1 + 4 * 96 * 2);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-02-14T00:00:00+09:00,web,")
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["scenario"]["name"], "small");
    assert_eq!(v["services"][0]["name"], "web");
    assert_eq!(
        v["services"][1]["hpa_max_replicas"],
        serde_json::Value::Null
    );
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn replicas_follow_the_seollal_peak_and_the_daily_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = run_to(dir.path(), "tests/fixtures/small.yaml", &[]);
    // (local time, desired replicas) of the web service.
    let web: Vec<(String, u32)> = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("web"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[4].parse().unwrap())
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
    let o = capsim(&[
        "run",
        "tests/fixtures/small.yaml",
        "--out",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
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
    let (csv, _) = run_to(&dir.path().join("out"), path.to_str().unwrap(), &[]);
    let rps: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
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
    let o = capsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("recorded.csv:2:1: row 1.timestamp"), "{err}");
    assert!(err.contains("row 2.page_views_per_s"), "{err}");
}
