//! `capsim compare`: scenario files and saved summaries side by side, in every format; bad
//! summaries exit 2 naming the file.

use crate::common::*;

fn platform() -> String {
    std::fs::read_to_string(repo("tests/fixtures/platform.yaml")).unwrap()
}

/// The platform fixture with a transaction-mode pooler and a fourth cache node.
fn with_pooler() -> String {
    let base = platform();
    assert_eq!(base.matches("    maxConnections: 200\n").count(), 1);
    base.replacen(
        "    maxConnections: 200\n",
        "    maxConnections: 200\n    pooler: { maxServerConnections: 100, maxClientConnections: 5000 }\n",
        1,
    )
    .replacen("    nodes: 3\n", "    nodes: 4\n", 1)
}

#[test]
fn two_scenarios_side_by_side_with_deltas() {
    let (_dir, b) = write_temp("pooler.yaml", &with_pooler());
    let o = capsim(&["compare", "tests/fixtures/platform.yaml", path_str(&b)]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    for part in [
        "A: platform (tests/fixtures/platform.yaml)",
        "pooler.yaml",
        "Δ peak",
        "web@aws",
        "api@gcp",
        "SLO per month — path web → api",
        "2026-09",
        "committed-3y",
        "prices as of",
    ] {
        assert!(out.contains(part), "missing {part:?} in\n{out}");
    }
    // The fourth cache node costs money in every variant.
    assert!(out.contains("+$"), "{out}");
    let md = capsim(&[
        "compare",
        "tests/fixtures/platform.yaml",
        path_str(&b),
        "--format",
        "markdown",
    ]);
    assert_eq!(md.status.code(), Some(0));
    assert!(stdout(&md).contains("| month | variant | A | B | Δ USD | Δ % |"));
}

#[test]
fn scenario_against_its_own_summary_has_no_deltas_and_json_parses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_ok("tests/fixtures/platform.yaml", &out, &["-q"]);
    let summary = out.join("summary.json");
    let o = capsim(&[
        "compare",
        "tests/fixtures/platform.yaml",
        path_str(&summary),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["a"]["scenario"], "platform");
    assert_eq!(v["b"]["scenario"], "platform");
    let services = v["services"].as_array().unwrap();
    assert_eq!(services.len(), 4);
    for s in services {
        assert_eq!(s["peak_replicas"]["delta"], 0.0, "{s}");
    }
    let months = v["cost_months"].as_array().unwrap();
    assert!(!months.is_empty());
    for m in months {
        assert_eq!(m["total"]["delta_usd"], 0.0, "{m}");
    }
    assert!(v["cost_run_totals"].as_array().unwrap().len() >= 2);
    assert!(v["slo_months"][0]["availability"]["a"].is_number());
}

#[test]
fn bad_summaries_exit_2_naming_the_file() {
    let (dir, wrong) = write_temp("summary-v999.json", r#"{"schema_version": 999, "x": 1}"#);
    let o = capsim(&["compare", "tests/fixtures/platform.yaml", path_str(&wrong)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("summary-v999.json"), "{err}");
    assert!(
        err.contains("999") && err.contains("schema version 2"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let malformed = dir.path().join("broken.json");
    std::fs::write(&malformed, "{ not json").unwrap();
    let o = capsim(&[
        "compare",
        path_str(&malformed),
        "tests/fixtures/platform.yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("broken.json"), "{}", stderr(&o));

    let missing = dir.path().join("missing.json");
    let o = capsim(&[
        "compare",
        "tests/fixtures/platform.yaml",
        path_str(&missing),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));

    // Right version, wrong shape.
    let shape = dir.path().join("shape.json");
    std::fs::write(&shape, r#"{"schema_version": 2}"#).unwrap();
    let o = capsim(&["compare", "tests/fixtures/platform.yaml", path_str(&shape)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("shape.json"), "{}", stderr(&o));
}

/// Saved summaries are read before any scenario is simulated: a bad summary fails first, even
/// when the scenario on the other side does not exist.
#[test]
fn a_bad_summary_fails_before_any_scenario_is_read() {
    let (dir, bad) = write_temp("bad-summary.json", "{ not json");
    let missing = dir.path().join("missing-scenario.yaml");
    let o = capsim(&["compare", path_str(&missing), path_str(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad-summary.json"), "{err}");
    assert!(!err.contains("missing-scenario.yaml"), "{err}");
}

/// Issue 12: compare showed all-zero deltas for a pooler, which changes only the database. The
/// platform section has each instance's peak connections (the pooler holds them to its server
/// connections) and the other platform figures.
#[test]
fn the_platform_differences_are_compared() {
    let (_dir, b) = write_temp("pooler.yaml", &with_pooler());
    let o = capsim(&[
        "compare",
        "tests/fixtures/platform.yaml",
        path_str(&b),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let c: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let figures = c["platform"].as_array().expect("a platform section");
    let figure = |name: &str| {
        figures
            .iter()
            .find(|f| f["figure"].as_str().unwrap().starts_with(name))
            .unwrap_or_else(|| panic!("no {name:?} in {figures:?}"))
    };
    let peak = &figure("db primary")["value"];
    assert!(
        peak["b"].as_f64().unwrap() < peak["a"].as_f64().unwrap(),
        "the pooler lowers the primary's peak connections: {peak}"
    );
    for name in ["cache: lowest hit ratio", "pool ", "alert "] {
        figure(name);
    }
    let text = stdout(&capsim(&[
        "compare",
        "tests/fixtures/platform.yaml",
        path_str(&b),
    ]));
    assert!(
        text.contains("Platform: database, cache, node pools"),
        "{text}"
    );
}
