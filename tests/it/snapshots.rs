//! Snapshot tests (insta) of what users read: the terminal table, the Markdown summary and the JSON
//! report of a small priced run. Outputs are deterministic, so any change shows up as a diff to
//! review (`cargo insta review`, or `INSTA_UPDATE=always cargo test` to accept).

use capsim::report::{RunReport, json, markdown, table};

fn small_report() -> RunReport {
    let path = crate::common::repo("tests/fixtures/platform.yaml");
    let s = capsim::scenario::load(&path).expect("fixture loads");
    let book = capsim::cost::pricebook::PriceBook::builtin();
    let out = capsim::model::simulate(&s);
    let priced = capsim::cost::cost_of(&s, &out, &book).expect("fixture prices");
    let mut r = RunReport::build(&s, &out, Some((&priced, &book)));
    // The file path is where the test ran from; pin it.
    r.scenario.file = "tests/fixtures/platform.yaml".into();
    r
}

#[test]
fn terminal_table() {
    insta::assert_snapshot!(table::render(&small_report()));
}

#[test]
fn markdown_summary() {
    insta::assert_snapshot!(markdown::render(&small_report()));
}

#[test]
fn json_report() {
    let r = small_report();
    let bytes = json::to_bytes(&r);
    // The daily and intraday series are long; the snapshot pins everything else.
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["series"] = serde_json::Value::String(format!("{} days", r.series.days.len()));
    v["intraday"] = serde_json::Value::String(format!(
        "{} window(s): {}",
        r.intraday.len(),
        r.intraday
            .iter()
            .map(|w| format!("{} ({} steps)", w.title, w.times.len()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
}

/// The sweep's terminal summary and Markdown (with a recommendation) for a 2 × 3-run grid.
#[test]
fn sweep_summaries() {
    use capsim::sweep::report::{SweepReport, markdown, table};
    use capsim::sweep::{self, frame, grid, recommend};
    let path = crate::common::repo("tests/fixtures/platform.yaml");
    let g = grid::Grid::new(vec![
        grid::Param::parse("services.web.hpa.maxReplicas=4,20").unwrap(),
    ])
    .unwrap();
    let plan = sweep::plan(&path, g, 3, None).unwrap();
    let rows = plan
        .execute(&plan.runs(grid::Shard::ALL), 2, &|| {})
        .unwrap();
    let runs = frame::runs_frame(&rows).unwrap();
    let mut manifest = plan.manifest.clone();
    manifest.scenario_file = "tests/fixtures/platform.yaml".into();
    let aggs =
        frame::agg_rows(&frame::aggregate(&runs, &sweep::param_columns(&manifest.grid)).unwrap())
            .unwrap();
    let req = [recommend::Requirement::parse("slo>=0.95").unwrap()];
    let rec = recommend::recommend(
        &aggs,
        &manifest.grid,
        3,
        recommend::Objective::Cheapest,
        &req,
        &|m| frame::per_run(&runs, m).ok().flatten(),
    )
    .unwrap();
    let r = SweepReport::build(manifest, aggs, Some(rec));
    insta::assert_snapshot!(format!("{}\n----\n{}", table(&r), markdown(&r)));
}

/// The PR comment of `capsim check --baseline` for the platform fixture against itself with its
/// AWS read replica upsized from db.r6g.xlarge to db.r6g.2xlarge. By hand, from the price book
/// (on-demand 0.54 and 1.079 $/h, rows of data/prices/seoul-2026.csv) over the fixture's 48 hours:
/// (1.079 − 0.54) × 48 = $25.872 more, in the one (partial) month — the headline and the one
/// changed line, if the larger replica changes nothing else.
#[test]
fn pr_comment_for_an_upsized_database() {
    use capsim::report::check;
    let base = small_report();
    let text = std::fs::read_to_string(crate::common::repo("tests/fixtures/platform.yaml"))
        .unwrap()
        .replace(
            "- { cloud: aws, instanceClass: db.r6g.xlarge }",
            "- { cloud: aws, instanceClass: db.r6g.2xlarge }",
        );
    let (_dir, path) = crate::common::write_temp("platform.yaml", &text);
    let s = capsim::scenario::load(&path).expect("variant loads");
    let book = capsim::cost::pricebook::PriceBook::builtin();
    let out = capsim::model::simulate(&s);
    let priced = capsim::cost::cost_of(&s, &out, &book).expect("variant prices");
    let mut r = RunReport::build(&s, &out, Some((&priced, &book)));
    r.scenario.file = "tests/fixtures/platform-upsized.yaml".into();
    let rules = check::Rules {
        max_increase_pct: Some(50.0),
        min_availability: Some(0.99),
        ..check::Rules::default()
    };
    let v = check::evaluate(&r, Some(&base), &rules);
    let md = check::markdown_with(&v, &r, Some(&base), &rules);
    assert!(md.starts_with(check::COMMENT_MARKER), "{md}");
    // The price book's rates: db.r6g.2xlarge 1.079 $/h, db.r6g.xlarge 0.54 $/h. The difference
    // over an average month of 730 h: 0.539 × 730 = $393.47 (over the 2-day run, 0.539 × 48 =
    // $25.872).
    assert!(md.contains("+$393.47/month"), "{md}");
    assert!(
        md.contains("`aws/prod/database replica 1 (db.r6g.2xlarge)`")
            || md.contains("database replica 1"),
        "{md}"
    );
    insta::assert_snapshot!(md);
}
