//! Commitment sizing end to end: a small scenario whose histogram is computed by hand, through
//! the real binary's summary.json, terminal table, Markdown and HTML.

use crate::common::{path_str, run_ok, small_fixture, stdout, write_temp};

/// March 2026 (744 h) with a fixed `dev` inventory of 2.5 × t3.large always on: units 1 and 2
/// run all 744 h (share 1), unit 3 half of them, 372 h (share 0.5). From data/prices/
/// seoul-2026.csv, t3.large: on-demand $0.104, 1-year RI $0.0676 (break-even 0.65), 3-year
/// $0.0468 (break-even 0.45).
///   1y: 0.5 < 0.65 → buy 2; saving = (1,488 × 0.104 − 1,488 × 0.0676) × 8,760 / 744 =
///       54.1632 × 11.774193… = 637.728.
///   3y: 0.5 ≥ 0.45 → buy 3; saving = 1,860 × 0.104 − 3 × 744 × 0.0468 = 193.44 − 104.4576 =
///       88.9824; × 8,760 / 744 = 1,047.696.
/// The committed variants commit the always-on units only (2): the 3-year sizing buys one more.
#[test]
fn a_fixed_inventory_is_sized_by_the_break_even_rule() {
    let text = small_fixture()
        .replace(
            "    start: 2026-02-14\n    duration: 4d\n",
            "    start: 2026-03-01\n    duration: 1mo\n",
        )
        .replace("    outputResolution: 15m\n", "    outputResolution: 1h\n")
        + "  cost:\n    environments:\n      dev:\n        items:\n          - { sku: t3.large, count: 2.5 }\n";
    let (dir, path) = write_temp("dev.yaml", &text);
    let out = dir.path().join("out");
    let o = run_ok(path_str(&path), &out, &["-q"]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let sizing = v["cost"]["sizing"].as_array().unwrap();
    let dev = |term: u64| {
        sizing
            .iter()
            .find(|z| z["environment"] == "dev" && z["term_years"] == term)
            .unwrap_or_else(|| panic!("no dev {term}y sizing in {sizing:?}"))
    };
    let one = dev(1);
    assert_eq!(one["units"], 2);
    assert_eq!(one["always_on_units"], 2);
    assert_eq!(one["unit_utilisation"], serde_json::json!([1.0, 1.0, 0.5]));
    assert_eq!(one["break_even_utilisation"], serde_json::json!(0.65));
    assert_eq!(one["yearly_saving_usd"], serde_json::json!(637.728));
    assert_eq!(
        one["recommendation"],
        "buy 2 × t3.large (AWS RI 1y, standard-ri-no-upfront)"
    );
    let three = dev(3);
    assert_eq!(three["units"], 3);
    assert_eq!(three["yearly_saving_usd"], serde_json::json!(1047.696));
    assert_eq!(
        three["recommendation"],
        "buy 3 × t3.large (AWS RI 3y, standard-ri-no-upfront)"
    );
    // The baseline commitments of the committed variants: 2 units.
    let baseline = v["cost"]["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["environment"] == "dev" && c["variant"] == "committed-3y")
        .unwrap();
    assert_eq!(baseline["baseline_instances"], 2);

    // Every sizing follows the rule it states: units = the leading shares ≥ the break-even.
    for z in sizing {
        let be = z["break_even_utilisation"].as_f64().unwrap();
        let shares: Vec<f64> = z["unit_utilisation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_f64().unwrap())
            .collect();
        let n = shares.iter().take_while(|u| **u >= be - 1e-6).count() as u64;
        assert_eq!(z["units"].as_u64().unwrap(), n, "{z}");
        assert!(z["units"].as_u64() >= z["always_on_units"].as_u64(), "{z}");
    }

    // What people read: the table on stdout (run without -q prints it), Markdown and HTML.
    let o2 = run_ok(path_str(&path), &dir.path().join("out2"), &[]);
    let table = stdout(&o2);
    assert!(
        table.contains("buy 3 × t3.large (AWS RI 3y, standard-ri-no-upfront)"),
        "{table}"
    );
    assert!(table.contains("1047.70"), "{table}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h3>Commitment sizing</h3>"));
    assert!(html.contains("buy 2 × t3.large (AWS RI 1y, standard-ri-no-upfront)"));
    drop(o);
    let md = crate::common::capsim(&[
        "run",
        path_str(&path),
        "--out",
        path_str(&dir.path().join("out3")),
        "--format",
        "markdown",
    ]);
    let md = stdout(&md);
    assert!(md.contains("### Commitment sizing"), "{md}");
    assert!(
        md.contains("| dev t3.large | buy 3 × t3.large (AWS RI 3y, standard-ri-no-upfront) | 2 of 3 | 45.000 % | $1,047.70 |"),
        "{md}"
    );
}
