//! Bad input: every case exits 2 with a message naming the file, the field and the fix, never
//! panics, and leaves no report behind.

use crate::common::*;

/// Run `capsim run` on `text`; assert exit 2, no panic, no output files, and that stderr
/// mentions each of `needles`. Returns stderr.
fn rejects(text: &str, needles: &[&str]) -> String {
    let (dir, path) = write_temp("bad.yaml", text);
    let out = dir.path().join("out");
    let o = capsim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("bad.yaml"), "names the file: {err}");
    assert!(err.contains("fix:"), "says how to fix it: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    assert!(!out.exists(), "no report may be written for bad input");
    // validate agrees.
    let v = capsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(2));
    err
}

#[test]
fn malformed_yaml() {
    let err = rejects(
        &variant("    seed: 7\n", "    seed: [7\n"),
        &["malformed YAML"],
    );
    assert!(err.contains("bad.yaml:"), "has a line number: {err}");
}

#[test]
fn unknown_field_with_suggestion() {
    let err = rejects(
        &variant("      readinessDelay: 5s\n", "      readinesDelay: 5s\n"),
        &[
            "spec.services.web.readinesDelay",
            "unknown field",
            "did you mean `readinessDelay`",
        ],
    );
    // The misspelt field also leaves readinessDelay missing: both are reported at once.
    assert!(
        err.contains("spec.services.web.readinessDelay: required field is missing"),
        "{err}"
    );
    assert!(err.contains("problems found"), "{err}");
}

#[test]
fn wrong_type() {
    rejects(
        &variant(
            "    pageViewsPerDauPerDay: 50\n",
            "    pageViewsPerDauPerDay: fifty\n",
        ),
        &["spec.traffic.pageViewsPerDauPerDay", "expected a number"],
    );
}

#[test]
fn min_replicas_above_max_replicas() {
    rejects(
        &variant("        minReplicas: 2\n", "        minReplicas: 30\n"),
        &["spec.services.web.hpa.maxReplicas", "less than minReplicas"],
    );
}

#[test]
fn negative_rate() {
    rejects(
        &variant(
            "      requestsPerPageView: 0.1\n",
            "      requestsPerPageView: -0.1\n",
        ),
        &["spec.services.batch.requestsPerPageView", "greater than 0"],
    );
}

#[test]
fn zero_rate() {
    rejects(
        &variant(
            "    pageViewsPerDauPerDay: 50\n",
            "    pageViewsPerDauPerDay: 0\n",
        ),
        &["spec.traffic.pageViewsPerDauPerDay", "greater than 0"],
    );
}

#[test]
fn empty_milestone_list() {
    let text = small_fixture();
    let start = text.find("      milestones:\n").unwrap();
    let end = text.find("    pageViewsPerDauPerDay").unwrap();
    let bad = format!("{}      milestones: []\n{}", &text[..start], &text[end..]);
    rejects(&bad, &["spec.traffic.dau.milestones", "empty"]);
}

#[test]
fn date_outside_the_holiday_data() {
    let bad = variant("    start: 2026-02-14\n", "    start: 2035-12-30\n")
        .replace("2026-02-01, dau: 20000", "2035-12-01, dau: 20000")
        .replace("2026-03-01, dau: 30000", "2036-03-01, dau: 30000");
    rejects(
        &bad,
        &[
            "spec.traffic.holidays.calendar",
            "covers 2025–2035",
            "2036-01-02",
        ],
    );
}

#[test]
fn unknown_holiday_key() {
    rejects(
        &variant("holiday: seollal,", "holiday: sollal,"),
        &["peaks[0].holiday", "chuseok"],
    );
}

#[test]
fn several_problems_reported_at_once_with_positions() {
    let bad = variant("    seed: 7\n", "    seed: -7\n")
        .replace("cpuPerRequest: 30ms", "cpuPerRequest: 30");
    let err = rejects(
        &bad,
        &[
            "spec.simulation.seed",
            "spec.services.web.cpuPerRequest",
            "2 problems found",
        ],
    );
    assert!(
        err.contains("bad.yaml:10:11"),
        "seed's line and column: {err}"
    );
}

#[test]
fn unreadable_file() {
    let o = capsim(&["run", "no/such/scenario.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("no/such/scenario.yaml")
            && err.contains("cannot read")
            && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = capsim(&["run"]);
    assert_eq!(o.status.code(), Some(2));
    let o = capsim(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The platform fixture with `from` replaced by `to` (exactly once).
fn platform_variant(from: &str, to: &str) -> String {
    let base = std::fs::read_to_string(repo("tests/fixtures/platform.yaml")).unwrap();
    assert_eq!(
        base.matches(from).count(),
        1,
        "fixture must contain {from:?} exactly once"
    );
    base.replacen(from, to, 1)
}

#[test]
fn unknown_instance_type() {
    rejects(
        &platform_variant("instanceType: m6i.xlarge", "instanceType: m6i.huge"),
        &[
            "spec.cluster.nodePools.aws-general.instanceType",
            "unknown instance type",
            "m6i.large",
        ],
    );
}

#[test]
fn node_pool_in_an_unknown_cloud() {
    rejects(
        &platform_variant(
            "cloud: gcp, instanceType: n2",
            "cloud: azure, instanceType: n2",
        ),
        &["spec.cluster.nodePools.gcp-general.cloud", "unknown cloud"],
    );
}

#[test]
fn pooler_larger_than_the_database_allows() {
    rejects(
        &platform_variant(
            "  database:\n    maxConnections: 200\n",
            "  database:\n    maxConnections: 200\n    pooler: { maxServerConnections: 500 }\n",
        ),
        &[
            "spec.database.pooler.maxServerConnections",
            "at most maxConnections",
        ],
    );
}

#[test]
fn event_outside_the_run() {
    rejects(
        &platform_variant("start: \"2026-09-25T20:00\"", "start: \"2026-10-25T20:00\""),
        &["spec.events[0].start", "outside the simulation"],
    );
}

#[test]
fn slo_path_names_an_unknown_service() {
    rejects(
        &platform_variant("path: [web, api]", "path: [web, gateway]"),
        &["spec.slo.path[1]", "unknown service"],
    );
}

#[test]
fn negative_pool_size() {
    rejects(
        &platform_variant(
            "database: { poolSize: 10, queriesPerRequest: 2",
            "database: { poolSize: -10, queriesPerRequest: 2",
        ),
        &["spec.services.web.database.poolSize", "out of range"],
    );
}

/// Counts of things are whole numbers: 2.5 NAT gateways is an error, not a rounding.
#[test]
fn fractional_nat_gateways() {
    rejects(
        &(small_fixture() + "  cost:\n    natGateways: 2.5\n"),
        &["spec.cost.natGateways", "whole number"],
    );
}

/// Every problem of `spec.cost` is reported in one go, each with its own field path.
#[test]
fn bad_cost_section_reports_every_problem() {
    rejects(
        &(small_fixture()
            + "  cost:\n    regions: { azure: westus }\n    kubernetesVersion: \"1.19\"\n    \
               backupFactor: 1000\n    environments:\n      dev:\n        \
               items: [{ sku: m7i.large, class: gpu }]\n"),
        &[
            "spec.cost.regions.azure",
            "unknown cloud \"azure\"",
            "spec.cost.kubernetesVersion",
            "no release date known for Kubernetes \"1.19\"",
            "spec.cost.backupFactor",
            "1000 is too large",
            "spec.cost.environments.dev.items[0].class",
        ],
    );
}

#[test]
fn zero_slo_latency_target() {
    rejects(
        &platform_variant("latencyP95: 500ms", "latencyP95: 0ms"),
        &[
            "bad.yaml:78:17",
            "spec.slo.latencyP95",
            "must be longer than 0",
        ],
    );
}

#[test]
fn geo_steering_rules_are_checked() {
    let with = |rules: &str| {
        platform_variant(
            "    gcp: { weight: 30 }\n",
            &format!("    gcp: {{ weight: 30 }}\n  steering:\n    geo:\n{rules}"),
        )
    };
    rejects(
        &with(
            "      - { region: KR, share: 0.9, cloud: aws }\n      - { region: JP, share: 0.2, cloud: gcp }\n",
        ),
        &["spec.steering.geo", "sum to 1.1", "at most 1"],
    );
    rejects(
        &with("      - { region: KR, share: 0.5, cloud: azure }\n"),
        &["spec.steering.geo[0].cloud", "unknown cloud \"azure\""],
    );
    rejects(
        &with(
            "      - { region: KR, share: 0.5, cloud: aws }\n      - { region: KR, share: 0.1, cloud: gcp }\n",
        ),
        &["spec.steering.geo[1].region", "has a rule already"],
    );
    rejects(
        &with("      - { region: KR, share: 1.5, cloud: aws }\n"),
        &["spec.steering.geo[0].share", "not a fraction"],
    );
}
