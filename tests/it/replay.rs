//! Replays from Prometheus query_range JSON and Grafana CSV exports, and `capsim calibrate`.
//! Fixtures: `tests/fixtures/import/replay/` (synthetic, in the documented formats; see its README).

use crate::common::{capsim, path_str, repo, stderr, stdout};

const DIR: &str = "tests/fixtures/import/replay";

fn scenario(replay: &str) -> String {
    format!(
        r#"apiVersion: capsim/v1alpha1
kind: Scenario
metadata: {{ name: replayed }}
spec:
  simulation: {{ start: 2026-03-01, duration: 1d, outputResolution: 1h, timeZone: Asia/Seoul }}
  traffic:
    replay: {replay}
  services:
    web:
      requestsPerPageView: 2
      cpuPerRequest: 20ms
      serviceTime: 50ms
      concurrencyPerPod: 8
      resources: {{ requests: {{ cpu: 250m, memory: 256Mi }} }}
      startupDelay: 10s
      readinessDelay: 5s
      hpa: {{ minReplicas: 1, maxReplicas: 20 }}
"#
    )
}

/// Run a scenario written next to copies of the fixtures; the offered rps per hour.
fn offered_rps(replay: &str) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    for f in ["prometheus-web-rps.json", "grafana-page-views.csv"] {
        std::fs::copy(repo(&format!("{DIR}/{f}")), dir.path().join(f)).unwrap();
    }
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, scenario(replay)).unwrap();
    let out = dir.path().join("out");
    let o = capsim(&["run", path_str(&path), "--out", path_str(&out), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "offered_rps").unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect()
}

/// The generating curve: web's requests per second at 15-minute step i (see the README).
fn web_rps(i: f64) -> f64 {
    60.0 + 40.0 * (i / 96.0 * std::f64::consts::TAU - std::f64::consts::FRAC_PI_2).sin() + 40.0
}

fn assert_hourly_means(rps: &[f64]) {
    assert_eq!(rps.len(), 24);
    for (h, got) in rps.iter().enumerate() {
        // Each hour holds four 15-minute points.
        let want = (0..4).map(|k| web_rps((h * 4 + k) as f64)).sum::<f64>() / 4.0;
        assert!((got - want).abs() < 0.01, "hour {h}: {got} vs {want}");
    }
}

/// A Prometheus matrix of one service's pods: summed, and turned into page views through the
/// service's requestsPerPageView, so `web` sees exactly the recorded rate.
#[test]
fn prometheus_matrix_replay_per_service() {
    let rps =
        offered_rps("{ file: prometheus-web-rps.json, service: web, labels: { service: web } }");
    assert_hourly_means(&rps);
}

/// Per service with a second service: `web`'s recorded requests (requestsPerPageView 2) become
/// page views = rps / 2, and `api` (requestsPerPageView 3) follows the same page views, so its
/// offered rate is 3/2 of `web`'s at every hour. Both read from `timeseries.csv`'s per-service rows.
#[test]
fn per_service_replay_drives_the_other_services_through_page_views() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo(&format!("{DIR}/prometheus-web-rps.json")),
        dir.path().join("prometheus-web-rps.json"),
    )
    .unwrap();
    let api = "    api:\n      requestsPerPageView: 3\n      cpuPerRequest: 20ms\n      serviceTime: 50ms\n      concurrencyPerPod: 8\n      resources: { requests: { cpu: 250m, memory: 256Mi } }\n      startupDelay: 10s\n      readinessDelay: 5s\n      hpa: { minReplicas: 1, maxReplicas: 30 }\n";
    let text =
        scenario("{ file: prometheus-web-rps.json, service: web, labels: { service: web } }") + api;
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let o = capsim(&["run", path_str(&path), "--out", path_str(&out), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (svc, rps) = (at("service"), at("offered_rps"));
    let of = |name: &str| -> Vec<f64> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[svc] == name)
            .map(|f| f[rps].parse().unwrap())
            .collect()
    };
    let (web, api) = (of("web"), of("api"));
    assert_hourly_means(&web);
    assert_eq!(api.len(), 24);
    for (h, (w, a)) in web.iter().zip(&api).enumerate() {
        // The file rounds to 3 decimals: compare with a tolerance of that rounding × 3/2.
        assert!(
            (a - w * 1.5).abs() < 0.002,
            "hour {h}: api {a} vs web {w} × 3/2"
        );
    }
}

/// A Grafana CSV export with epoch-millisecond times, product-level page views.
#[test]
fn grafana_csv_replay_per_product() {
    let rps =
        offered_rps(r#"{ file: grafana-page-views.csv, timeColumn: Time, column: "page views" }"#);
    assert_hourly_means(&rps);
}

#[test]
fn replay_problems_are_short_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // Issue 11: a JSON file that is not a query_range body dumped itself into one message.
    let rows: Vec<String> = (0..5000)
        .map(|i| format!("{{\"t\":{i},\"v\":1}}"))
        .collect();
    std::fs::write(
        dir.path().join("export.json"),
        format!("{{\"rows\":[{}]}}", rows.join(",")),
    )
    .unwrap();
    // Issue 11: 385 identical errors for a column of unreadable times.
    let mut csv = String::from("timestamp,page_views_per_s\n");
    for i in 0..385 {
        csv.push_str(&format!("day {i},1\n"));
    }
    std::fs::write(dir.path().join("bad.csv"), csv).unwrap();
    // Issue 11: a rate of 1e308 page views per second overflowed the pricing after the run.
    std::fs::write(
        dir.path().join("huge.csv"),
        "timestamp,page_views_per_s\n2026-03-01T00:00:00+09:00,1e308\n",
    )
    .unwrap();
    for (file, want) in [
        ("huge.csv", "expected a number from 0 to 1e10"),
        (
            "export.json",
            "not Prometheus query_range JSON: no `data` (the top-level keys are: rows)",
        ),
        (
            "bad.csv",
            "(and 384 more rows like it, the last on line 386)",
        ),
    ] {
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, scenario(&format!("{{ file: {file} }}"))).unwrap();
        let o = capsim(&["validate", path_str(&path)]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(e.contains(want), "{e}");
        assert!(e.len() < 1000, "{} bytes: {e}", e.len());
    }
}

#[test]
fn calibrate_recovers_the_generating_parameters() {
    let o = capsim(&[
        "calibrate",
        "--requests",
        &format!("{DIR}/prometheus-web-rps.json"),
        "--requests-label",
        "service=web",
        "--cpu",
        &format!("{DIR}/prometheus-web-cpu.json"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ms = v["cpu_per_request_ms"].as_f64().unwrap();
    let idle = v["idle_cpu_milli"].as_f64().unwrap();
    assert!((ms / 20.0 - 1.0).abs() < 0.02, "{v}");
    assert!((idle / 300.0 - 1.0).abs() < 0.05, "{v}");
    assert_eq!(v["points"], 97);
    assert!(v["r_squared"].as_f64().unwrap() > 0.9);
    let table = capsim(&[
        "calibrate",
        "--requests",
        &format!("{DIR}/grafana-page-views.csv"),
        "--requests-column",
        "page views",
        "--cpu",
        &format!("{DIR}/prometheus-web-cpu.json"),
    ]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let t = stdout(&table);
    // Page views are half the requests: twice the CPU per page view.
    assert!(
        t.contains("cpuPerRequest") && t.contains("R²") && t.contains("points"),
        "{t}"
    );
    let pasted = t
        .split("for spec.services.<name>:\n  cpuPerRequest: ")
        .nth(1)
        .unwrap();
    let ms: f64 = pasted.split("ms").next().unwrap().parse().unwrap();
    assert!((ms / 40.0 - 1.0).abs() < 0.02, "{t}");
}
