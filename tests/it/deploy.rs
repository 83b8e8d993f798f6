//! Deploys as scheduled events (issue 10, part 1): a rolling update's surge pods and a
//! blue-green's second set, with figures worked out by hand.

use crate::common::*;

const ROLLING: &str = r#"apiVersion: capsim/v1alpha1
kind: Scenario
metadata:
  name: rolling
spec:
  simulation:
    start: 2026-03-02
    duration: 1d
    seed: 1
    outputResolution: 1m
  traffic:
    dau:
      interpolation: linear
      milestones:
        - { date: 2026-03-01, dau: 10000 }
        - { date: 2026-03-04, dau: 10000 }
    pageViewsPerDauPerDay: 86.4
  services:
    web:
      requestsPerPageView: 1.0
      cpuPerRequest: 5ms
      serviceTime: 20ms
      concurrencyPerPod: 8
      resources:
        requests: { cpu: 500m, memory: 512Mi }
      startupDelay: 20s
      readinessDelay: 10s
      terminationDelay: 10s
      initialReplicas: 3
  events:
    - { type: deploy, service: web, at: "2026-03-02T10:00", strategy: rolling, maxSurge: 1, maxUnavailable: 0 }
"#;

fn parse(text: &str) -> capsim::scenario::Scenario {
    capsim::scenario::parse(text, "deploy.yaml", std::path::Path::new(".")).unwrap()
}

const MIN: i64 = 60_000;

/// Three pods, maxSurge 1, maxUnavailable 0, no cluster (pods start at once): a new pod starts
/// at 10:00 (4 pods), is Ready 20 s + 10 s later, an old pod is deleted and the next new pod
/// starts; three waves of 30 s, done at 10:01:30 with three new pods. Never more than 4 pods
/// that are not terminating, never fewer than 3 Ready.
#[test]
fn rolling_update_of_three_pods_surges_one_at_a_time() {
    let s = parse(ROLLING);
    let out = capsim::model::simulate(&s);
    let (deploys, skipped) = &out.deploys[0];
    assert_eq!(*skipped, 0);
    assert_eq!(deploys.len(), 1);
    let d = deploys[0];
    assert_eq!(d.started_ms, 600 * MIN);
    assert_eq!(d.done_ms, Some(600 * MIN + 3 * 30_000));
    assert_eq!(d.peak_active, 4);
    assert!(!d.blue_green);
    // A new pod Ready beside 3 old ones, then the old one deleted keeps its pool while it
    // shuts down: 4 pools at the peak, for spec.replicas 3.
    assert_eq!((d.peak_pool_pods, d.replicas_at_start), (4, 3));
    // Rows: the minute rows around the rollout never have fewer than 3 Ready pods, and end
    // with 3 pods, all Ready.
    let rows: Vec<_> = out.rows.iter().filter(|r| r.service == 0).collect();
    assert!(
        rows.iter()
            .all(|r| r.ready_replicas >= 3 && r.ready_replicas_mean >= 3.0 - 1e-9),
        "never below 3 ready"
    );
    let last = rows.last().unwrap();
    assert_eq!((last.pods, last.ready_replicas), (3, 3));
    // Same seed, same output.
    let again = capsim::model::simulate(&s);
    assert_eq!(format!("{:?}", again.rows), format!("{:?}", out.rows));
}

/// A cadence anchored before the run starts at its first occurrence inside it: weekly from
/// Monday 2026-02-23 10:00 gives 2026-03-02 10:00 in a run from 2026-03-02.
#[test]
fn a_cadence_may_be_anchored_before_the_run() {
    let text = ROLLING.replace(
        "at: \"2026-03-02T10:00\", strategy: rolling, maxSurge: 1, maxUnavailable: 0 }",
        "at: \"2026-02-23T10:00\", every: 7d, strategy: rolling, maxSurge: 1, maxUnavailable: 0 }",
    );
    let out = capsim::model::simulate(&parse(&text));
    let starts: Vec<i64> = out.deploys[0].0.iter().map(|d| d.started_ms).collect();
    assert_eq!(starts, vec![600 * MIN]);
}

/// `every: 6h` over one day from 10:00 gives deploys at 10:00 and 16:00 (22:00 too).
#[test]
fn a_cadence_repeats_the_deploy() {
    let text = ROLLING.replace("maxUnavailable: 0 }", "maxUnavailable: 0, every: 6h }");
    let out = capsim::model::simulate(&parse(&text));
    let starts: Vec<i64> = out.deploys[0].0.iter().map(|d| d.started_ms).collect();
    assert_eq!(starts, vec![600 * MIN, 960 * MIN, 1320 * MIN]);
    assert!(
        out.deploys[0]
            .0
            .iter()
            .all(|d| d.done_ms == Some(d.started_ms + 90_000))
    );
}

fn headroom_db(events: &str) -> capsim::scenario::Scenario {
    let base = std::fs::read_to_string(repo("tests/fixtures/headroom-db.yaml")).unwrap();
    let text = base.replacen("  clouds:\n", &format!("  events:\n{events}  clouds:\n"), 1);
    parse(&text)
}

/// The headroom fixture's API runs 2 pods (100 rps at 50 per pod) with pools of 10: 20
/// connections. A blue-green at 10:00 starts 2 green pods beside them (Ready 15 s later), sends
/// them a 10 % canary for 30 min, switches, and keeps blue 10 min more (then 10 s of shutdown):
/// 4 pods hold pools from 10:00:15 to 10:40:25, so the peak is 40 connections, 2 × the steady
/// figure, inside that window.
#[test]
fn blue_green_doubles_connection_demand_for_the_switch_window() {
    let steady = capsim::model::simulate(&headroom_db(""));
    assert_eq!(steady.db[0].peak_demanded, 20.0);
    let s = headroom_db(
        "    - { type: deploy, service: api, at: \"2026-03-02T10:00\", strategy: blueGreen, \
         canaryPercent: 10, canaryFor: 30m, switchFor: 10m }\n",
    );
    let out = capsim::model::simulate(&s);
    let db = &out.db[0];
    assert_eq!(db.peak_demanded, 40.0);
    let (from, to) = (600 * MIN + 15_000, 640 * MIN + 25_000);
    assert!(
        (from..=to).contains(&db.peak_demanded_at_ms),
        "{}",
        db.peak_demanded_at_ms
    );
    let d = out.deploys[0].0[0];
    assert!(d.blue_green);
    assert_eq!(d.peak_active, 4);
    assert_eq!((d.peak_pool_pods, d.replicas_at_start), (4, 2));
    // Blue leaves when the switch comes (10:00:15 + 30 min), kept 10 min more before shutdown.
    assert_eq!(d.done_ms, Some(630 * MIN + 15_000));
    // After blue is gone the demand is back to 20 (the last minute's figure).
    let late: Vec<_> = out
        .rows
        .iter()
        .filter(|r| r.t_ms >= 660 * MIN && r.service == 0)
        .collect();
    assert!(
        late.iter().all(|r| r.pods == 2),
        "two pods after the deploy"
    );
}

fn rejected_events(events: &str, needles: &[&str]) {
    let text = ROLLING.replace(
        "    - { type: deploy, service: web, at: \"2026-03-02T10:00\", strategy: rolling, maxSurge: 1, maxUnavailable: 0 }\n",
        events,
    );
    crate::common::rejected(&text, needles);
}

#[test]
fn unknown_service_is_named() {
    rejected_events(
        "    - { type: deploy, service: wbe, at: \"2026-03-02T10:00\", strategy: rolling }\n",
        &[
            "spec.events[0].service",
            "unknown service \"wbe\"",
            "did you mean `web`",
        ],
    );
}

#[test]
fn zero_surge_and_zero_unavailable_is_rejected() {
    rejected_events(
        "    - { type: deploy, service: web, at: \"2026-03-02T10:00\", strategy: rolling, maxSurge: 0, maxUnavailable: 0 }\n",
        &["spec.events[0].maxSurge", "maxUnavailable"],
    );
}

#[test]
fn negative_durations_are_rejected() {
    rejected_events(
        "    - { type: deploy, service: web, at: \"2026-03-02T10:00\", strategy: blueGreen, canaryFor: -5m }\n",
        &["spec.events[0].canaryFor"],
    );
    rejected_events(
        "    - { type: deploy, service: web, at: \"2026-03-02T10:00\", strategy: rolling, every: -7d }\n",
        &["spec.events[0].every"],
    );
    rejected_events(
        "    - { type: deploy, service: web, at: \"2026-03-02T10:00\", strategy: blueGreen, canaryPercent: 120 }\n",
        &["spec.events[0].canaryPercent"],
    );
    // Too often to be a deploy cadence; a one-off deploy before the run.
    rejected_events(
        "    - { type: deploy, service: web, at: \"2026-03-02T10:00\", strategy: rolling, every: 1m }\n",
        &["spec.events[0].every", "at most once an hour"],
    );
    rejected_events(
        "    - { type: deploy, service: web, at: \"2026-02-02T10:00\", strategy: rolling }\n",
        &["spec.events[0].at", "outside the simulation"],
    );
}

fn blue_green(canary_percent: u32) -> capsim::model::RunOutput {
    let text = ROLLING.replace(
        "strategy: rolling, maxSurge: 1, maxUnavailable: 0 }",
        &format!(
            "strategy: blueGreen, canaryPercent: {canary_percent}, canaryFor: 5m, switchFor: 0s }}"
        ),
    );
    capsim::model::simulate(&parse(&text))
}

/// The canary's share changes only the canary: green (3 pods) is Ready at 10:00:30, the switch
/// comes 5 min later (10:05:30) and blue is gone 10 s after. With a 0 % and a 10 % canary the
/// runs are the same row for row outside 10:00–10:06 (the canary shifts requests between two
/// sets of pods, nothing else), and differ inside it: blue's 3 pods serve 100 % or 90 % of the
/// requests, which changes their queue's wait.
#[test]
fn the_canary_share_changes_only_the_canary_window() {
    let (none, tenth) = (blue_green(0), blue_green(10));
    assert_eq!(none.deploys[0].0[0].done_ms, Some(600 * MIN + 330_000));
    assert_eq!(none.rows.len(), tenth.rows.len());
    let window = 600 * MIN..606 * MIN;
    let mut differ = 0;
    for (a, b) in none.rows.iter().zip(&tenth.rows) {
        if window.contains(&a.t_ms) {
            differ += usize::from(a.p95_ms != b.p95_ms);
        } else {
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "at {} ms", a.t_ms);
        }
    }
    assert!(differ >= 5, "{differ} rows of the canary differ");
    // Nothing fails either way (beyond the exponential's tail past the 10 s timeout): 10 rps
    // over 3 pods of 8 slots × 20 ms is light.
    assert!(tenth.rows.iter().all(|r| r.failed_requests < 1e-9));
}

/// The report lists each deploy: the headroom fixture's blue-green of the API (2 replicas,
/// pools of 10) peaks at 4 pods, 2 more pools, 20 extra connections, and rolls out at the
/// switch, 15 s + 30 min after it started (1,815 s). The HTML report has the table and a
/// deploy tick, titled, on the API's panel; summary.json carries the list.
#[test]
fn the_report_lists_the_deploys() {
    let s = headroom_db(
        "    - { type: deploy, service: api, at: \"2026-03-02T10:00\", strategy: blueGreen, \
         canaryPercent: 10, canaryFor: 30m, switchFor: 10m }\n",
    );
    let out = capsim::model::simulate(&s);
    let r = capsim::report::RunReport::build(&s, &out, None);
    assert_eq!(r.deploys.len(), 1);
    let d = &r.deploys[0];
    assert_eq!(
        (d.service.as_str(), d.strategy.as_str()),
        ("api", "blueGreen")
    );
    assert!(
        d.started.starts_with("2026-03-02T10:00:00"),
        "{}",
        d.started
    );
    assert_eq!(d.rolled_out_after_s, Some(1_815.0));
    assert_eq!((d.peak_pods, d.replicas), (4, 2));
    assert_eq!(d.extra_db_connections_at_peak, Some(20.0));
    assert_eq!(r.deploys_skipped, 0);
    let html = capsim::report::html::render(&r);
    assert!(html.contains("<h3>Deploys</h3>"));
    assert!(html.contains("<table id=\"deploys\">"));
    assert!(
        html.contains("<td>4 / 2</td><td>20</td>"),
        "peak and extra connections"
    );
    assert!(html.contains(&format!(
        "<title>deploy api@{} blueGreen 2026-03-02 10:00: rolled out after 30.2 min, peak 4 pods (2 replicas), +20 database connections</title>",
        d.cloud
    )));
    // The peak day's intraday panel ticks the deploy at its step too, with the same tooltip.
    let peak = r
        .intraday
        .iter()
        .find(|w| w.kind == "peak-day")
        .expect("a peak day");
    assert!(
        peak.times.iter().any(|t| t == "2026-03-02T10:00"),
        "the deploy is on the peak day: {:?}",
        peak.times.first()
    );
    let tip = format!(
        "<title>deploy api@{} blueGreen 2026-03-02 10:00: rolled out after 30.2 min",
        d.cloud
    );
    // Each tick is a line through the plots and a triangle above them, both titled: two on the
    // daily panel, two on the peak day's.
    assert_eq!(html.matches(&tip).count(), 4, "daily and intraday ticks");
    let json = String::from_utf8(capsim::report::json::to_bytes(&r)).unwrap();
    assert!(json.contains("\"extra_db_connections_at_peak\": 20.0"));
    // Without deploys summary.json has no such field (outputs of such runs are unchanged).
    let steady = headroom_db("");
    let r = capsim::report::RunReport::build(&steady, &capsim::model::simulate(&steady), None);
    let json = String::from_utf8(capsim::report::json::to_bytes(&r)).unwrap();
    assert!(!json.contains("\"deploys\""));
}
