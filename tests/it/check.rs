//! `capsim check`: the CI gate's exit codes (0 held, 1 failed, 2 error), the Markdown that names
//! the broken month and its top cost line, baselines, SLO minimums and `$GITHUB_STEP_SUMMARY`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

/// The platform fixture moved to straddle September and October (two months, four days).
fn two_month_platform() -> String {
    let base = std::fs::read_to_string(repo("tests/fixtures/platform.yaml")).unwrap();
    base.replacen("start: 2026-09-24", "start: 2026-09-29", 1)
        .replacen("duration: 2d", "duration: 4d", 1)
        .replacen("2026-09-25T20:00", "2026-09-30T20:00", 1)
        .replacen("2026-09-24T12:00", "2026-09-29T12:00", 1)
}

/// `capsim run` into `dir`; returns summary.json parsed.
fn run_summary(scenario: &Path, dir: &Path) -> serde_json::Value {
    run_ok(path_str(scenario), dir, &["-q"]);
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Month label → on-demand total in dollars.
fn on_demand_months(summary: &serde_json::Value) -> Vec<(String, f64)> {
    summary["cost"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap().to_string(),
                m["totals_usd"]["on-demand"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn check(args: &[&str]) -> Output {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    capsim(&all)
}

struct Fixture {
    _dir: tempfile::TempDir,
    scenario: PathBuf,
    summary: PathBuf,
    months: Vec<(String, f64)>,
}

impl Fixture {
    /// `capsim check` of the scenario with `--budget` (to the cent) and `extra` flags.
    fn check_budget(&self, budget: f64, extra: &[&str]) -> Output {
        let budget = format!("{budget:.2}");
        let mut args = vec![path_str(&self.scenario), "--budget", &budget];
        args.extend_from_slice(extra);
        check(&args)
    }
}

fn fixture() -> Fixture {
    let (dir, scenario) = write_temp("platform2.yaml", &two_month_platform());
    let out = dir.path().join("run");
    let summary = run_summary(&scenario, &out);
    let months = on_demand_months(&summary);
    assert_eq!(months.len(), 2, "{months:?}");
    Fixture {
        scenario,
        summary: out.join("summary.json"),
        months,
        _dir: dir,
    }
}

/// The most expensive month's label, its total, and the top cost line a failing check names.
fn most_expensive(f: &Fixture) -> (String, f64, String) {
    let (month, total) = f
        .months
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .cloned()
        .unwrap();
    let o = f.check_budget(0.0, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["passed"], false);
    let failure = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["month"] == month.as_str())
        .unwrap()
        .clone();
    let top = failure["lines"][0][0].as_str().unwrap().to_string();
    (month, total, top)
}

#[test]
fn budget_just_below_the_most_expensive_month_fails_and_names_it() {
    let f = fixture();
    let (month, total, top) = most_expensive(&f);
    let budget = total - 0.01;
    let o = f.check_budget(budget, &["--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let md = stdout(&o);
    assert!(md.contains("❌"), "{md}");
    // The comment starts with its marker and names the broken rule once per month.
    assert!(md.starts_with("<!-- capsim-comment -->\n"), "{md}");
    assert!(md.contains(&format!("**budget** {month}:")), "{md}");
    assert!(
        md.contains(&format!("`{top}`")),
        "names the top line {top}: {md}"
    );
    assert!(md.contains("prices as of"), "{md}");
    // The other month is named exactly when it is over the budget (to the cent) too.
    let other = f.months.iter().find(|m| m.0 != month).unwrap();
    let cents: f64 = format!("{budget:.2}").parse().unwrap();
    assert_eq!(
        md.contains(&format!("**budget** {}:", other.0)),
        other.1 > cents,
        "{other:?} against {cents}: {md}"
    );
    // Text format: the same verdict.
    let o = f.check_budget(budget, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAILED"), "{}", stdout(&o));
}

#[test]
fn budget_above_every_month_passes() {
    let f = fixture();
    let max = f.months.iter().map(|m| m.1).fold(0.0, f64::max);
    let o = f.check_budget(max + 0.01, &["--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("· ✅ passed"), "{}", stdout(&o));
}

#[test]
fn baseline_increase_against_itself_passes_and_against_a_cheaper_run_fails() {
    let f = fixture();
    let o = check(&[
        path_str(&f.scenario),
        "--baseline",
        path_str(&f.summary),
        "--max-increase-pct",
        "0",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );

    // A cheaper baseline: one cache node instead of three.
    let cheaper_text = two_month_platform().replacen("    nodes: 3\n", "    nodes: 1\n", 1);
    let (dir, cheaper) = write_temp("cheaper.yaml", &cheaper_text);
    let out = dir.path().join("run");
    let cheap = run_summary(&cheaper, &out);
    let cheap_months = on_demand_months(&cheap);
    assert!(
        cheap_months[0].1 < f.months[0].1,
        "{cheap_months:?} vs {:?}",
        f.months
    );
    let baseline = out.join("summary.json");
    let o = check(&[
        path_str(&f.scenario),
        "--baseline",
        path_str(&baseline),
        "--max-increase-pct",
        "0",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let md = stdout(&o);
    assert!(md.contains("**increase**"), "{md}");
    assert!(md.contains(&f.months[0].0), "{md}");
    // A generous dollar allowance lets it pass.
    let o = check(&[
        path_str(&f.scenario),
        "--baseline",
        path_str(&baseline),
        "--max-increase-usd",
        "100000",
    ]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
}

#[test]
fn slo_minimum_above_what_the_run_reaches_fails() {
    let f = fixture();
    // The AWS outage costs availability; nothing reaches 100 %.
    let o = check(&[path_str(&f.scenario), "--min-availability", "1"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("[availability]"), "{}", stdout(&o));
    let o = check(&[
        path_str(&f.scenario),
        "--min-availability",
        "0.9",
        "--min-latency-compliance",
        "0.5",
    ]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
}

#[test]
fn usage_errors_exit_2() {
    let scenario = "tests/fixtures/platform.yaml";
    let o = check(&[scenario]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for flag in [
        "--budget",
        "--max-increase-pct",
        "--min-availability",
        "--min-latency-compliance",
    ] {
        assert!(err.contains(flag), "names {flag}: {err}");
    }
    let o = check(&[scenario, "--budget", "100", "--variant", "reserved"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("reserved") && err.contains("committed-1y-spot"),
        "{err}"
    );
    let o = check(&[scenario, "--max-increase-pct", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--baseline"), "{}", stderr(&o));
    let o = check(&[scenario, "--min-availability", "99.9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--min-availability"), "{}", stderr(&o));
    // A baseline with another schema version.
    let (_dir, bad) = write_temp("old-summary.json", r#"{"schema_version": 999}"#);
    let o = check(&[
        scenario,
        "--baseline",
        path_str(&bad),
        "--max-increase-pct",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("old-summary.json"), "{}", stderr(&o));
}

#[test]
fn github_step_summary_gets_the_markdown_appended() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let o = capsim_with_env(
        &["check", "tests/fixtures/platform.yaml", "--budget", "1"],
        "GITHUB_STEP_SUMMARY",
        &summary,
    );
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("FAILED"), "stdout is the text format");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("# earlier step\n"), "{text}");
    assert!(text.contains("· ❌ failed"), "{text}");
    assert!(text.contains("**budget**"), "{text}");
    // A summary path that cannot be written is an error naming it.
    let o = capsim_with_env(
        &["check", "tests/fixtures/platform.yaml", "--budget", "1"],
        "GITHUB_STEP_SUMMARY",
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(path_str(dir.path())), "{}", stderr(&o));
}

#[test]
fn heal7_shortened_to_one_month_over_and_within_budget() {
    let text = std::fs::read_to_string(repo("scenarios/heal7.yaml")).unwrap();
    let re = "    duration: 12mo ";
    assert_eq!(text.matches(re).count(), 1);
    let (dir, path) = write_temp(
        "heal7-1mo.yaml",
        &text.replacen(re, "    duration: 1mo  ", 1),
    );
    let months = on_demand_months(&run_summary(&path, &dir.path().join("run")));
    assert_eq!(months.len(), 1);
    let (month, total) = months[0].clone();
    assert_eq!(month, "2026-01");
    let over = format!("{:.2}", total - 1.0);
    let o = check(&[path_str(&path), "--budget", &over, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["failures"][0]["month"], "2026-01");
    // Issue 12: the totals as numbers, with the headroom under the budget (negative: over).
    let t = &v["totals"];
    assert_eq!(t["variant"], "on-demand");
    assert_eq!(t["worst_month"], "2026-01");
    let month_total = t["months"][0]["total_usd"].as_f64().unwrap();
    assert!((month_total - total).abs() < 0.005, "{t}");
    let headroom = t["worst_month_headroom_usd"].as_f64().unwrap();
    let budget: f64 = over.parse().unwrap();
    assert!(
        (headroom - (budget - month_total)).abs() < 1e-6 && headroom < 0.0,
        "{t}"
    );
    let top = v["failures"][0]["lines"][0][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(top.starts_with("aws/") || top.starts_with("gcp/"), "{top}");
    let o = check(&[path_str(&path), "--budget", &over, "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1));
    let md = stdout(&o);
    assert!(md.contains("2026-01") && md.contains(&top), "{md}");
    let within = format!("{:.2}", total + 1.0);
    let o = check(&[path_str(&path), "--budget", &within]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
}

/// `spec.check`'s allowed increase and baseline go together; a bad increase value is reported
/// as that alone, not also as a missing pairing.
#[test]
fn spec_check_increase_and_baseline_pairing() {
    let (_dir, path) = write_temp(
        "s.yaml",
        &(two_month_platform() + "  check:\n    maxIncreasePct: 10\n"),
    );
    let o = capsim(&["validate", path_str(&path)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "spec.check.baseline: maxIncreaseUsd/maxIncreasePct and baseline go together"
        ),
        "{}",
        stderr(&o)
    );
    let (_dir, path) = write_temp(
        "s.yaml",
        &(two_month_platform() + "  check:\n    maxIncreasePct: -150\n    baseline: base.json\n"),
    );
    let o = capsim(&["validate", path_str(&path)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("spec.check.maxIncreasePct: -150 is out of range"),
        "{err}"
    );
    assert!(!err.contains("go together"), "{err}");
}

/// Rules kept in the scenario's `spec.check` apply without flags; a flag overrides them; a bad
/// rule in the scenario is an input error naming the field.
#[test]
fn rules_from_the_scenario_and_flags_overriding_them() {
    let dir = tempfile::tempdir().unwrap();
    let with_rules =
        two_month_platform() + "  check:\n    monthlyBudgetUsd: 1\n    variant: committed-1y\n";
    let path = dir.path().join("gated.yaml");
    std::fs::write(&path, &with_rules).unwrap();
    let o = check(&[path_str(&path), "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("committed-1y"), "{}", stdout(&o));
    let o = check(&[path_str(&path), "--budget", "1000000000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        two_month_platform() + "  check:\n    variant: reserved\n",
    )
    .unwrap();
    let o = check(&[path_str(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("spec.check.variant") && stderr(&o).contains("committed-3y"),
        "{}",
        stderr(&o)
    );
}

/// `check --out DIR` writes the run's files, byte for byte what `capsim run --out` writes for the
/// same scenario and seed, whether the gate passes or fails (CI simulates once).
#[test]
fn check_out_writes_the_same_report_as_run() {
    let f = fixture();
    let max = f.months.iter().map(|m| m.1).fold(0.0, f64::max);
    let run_dir = f.summary.parent().unwrap();
    for (budget, code) in [(max + 0.01, 0), (max - 0.01, 1)] {
        let out = tempfile::tempdir().unwrap();
        let o = f.check_budget(budget, &["--out", path_str(out.path())]);
        assert_eq!(o.status.code(), Some(code), "stderr: {}", stderr(&o));
        for name in [
            "summary.json",
            "timeseries.csv",
            "cost_monthly.csv",
            "report.html",
        ] {
            assert_eq!(
                std::fs::read(out.path().join(name)).unwrap(),
                std::fs::read(run_dir.join(name)).unwrap(),
                "{name} differs from capsim run's"
            );
        }
    }
}

/// A run's average month is its total scaled to 730 hours in the check's headline and in the
/// report's cards alike. The check divided by the calendar months the run touched, so this
/// 4-day run across two months showed half of a 4-day total as "per month" while report.html
/// showed the total scaled to a month.
#[test]
fn a_run_across_two_months_shows_one_average_month_everywhere() {
    let f = fixture();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&f.summary).unwrap()).unwrap();
    let total = &summary["cost"]["run_totals_usd"]["on-demand"];
    let total = total
        .as_f64()
        .unwrap_or_else(|| total.as_str().unwrap().parse().unwrap());
    let hours = summary["scenario"]["duration_hours"].as_f64().unwrap();
    assert_eq!(hours, 96.0);
    let per_month = total * 730.0 / 96.0;
    let expected = format!("${}", with_commas(per_month));
    let out = tempfile::tempdir().unwrap();
    let o = f.check_budget(
        1e9,
        &["--format", "markdown", "--out", path_str(out.path())],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains(&format!("on-demand **{expected}/month**")) && md.contains("over 4 days"),
        "{expected} expected in: {md}"
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        html.contains(&format!("class=\"v\">{expected}<span class=\"u\">/month")),
        "{expected} expected in report.html's cards"
    );
}

/// `1234.5` → `1,234.50`.
fn with_commas(usd: f64) -> String {
    let cents = format!("{usd:.2}");
    let (whole, frac) = cents.split_once('.').unwrap();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{frac}")
}

/// A baseline over another span cannot say whether costs rose: the platform fixture's own
/// 2-day run (from 2026-09-24) as the baseline of the 4-day run from 2026-09-29. The increase
/// rule used to compare their September totals and run totals as if they covered the same
/// hours, so the longer run "rose" however its prices moved.
#[test]
fn a_baseline_over_another_span_is_refused_by_the_increase_rule() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    run_summary(&repo("tests/fixtures/platform.yaml"), &base);
    let o = check(&[
        path_str(&f.scenario),
        "--baseline",
        path_str(&base.join("summary.json")),
        "--max-increase-usd",
        "100000",
    ]);
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "the baseline covers 2026-09-24 to 2026-09-26 and this run 2026-09-29 to 2026-10-03"
        ) && out.contains("only over the same span"),
        "{out}"
    );
}
