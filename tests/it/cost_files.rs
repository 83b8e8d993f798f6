//! The finance files of a run: `cost_monthly.csv` (one row per priced line and service, a column
//! per variant) sums to the report's totals exactly, its allocation adds back up to each shared
//! line, and `focus.csv` keeps to the FOCUS 1.2 columns and allowed values.

use std::collections::BTreeMap;

use crate::common::*;

/// A CSV file as (header, records).
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// The platform fixture run once into a temporary folder.
fn platform_run() -> &'static (tempfile::TempDir, serde_json::Value) {
    static RUN: std::sync::OnceLock<(tempfile::TempDir, serde_json::Value)> =
        std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        run_ok("tests/fixtures/platform.yaml", dir.path(), &["-q"]);
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("summary.json")).unwrap(),
        )
        .unwrap();
        (dir, json)
    })
}

fn money_of(v: &serde_json::Value) -> i64 {
    match v {
        serde_json::Value::String(s) => micros(s),
        serde_json::Value::Number(n) => micros(&n.to_string()),
        other => panic!("not money: {other}"),
    }
}

#[test]
fn cost_monthly_csv_sums_to_the_report_totals_per_variant_exactly() {
    let (dir, json) = platform_run();
    let (header, rows) = read_csv(&dir.path().join("cost_monthly.csv"));
    assert_eq!(
        header.join(","),
        "month,partial_month,hours_in_month,provider,cloud,region,environment,service,class,\
         resource,sku,quantity,unit,share,on_demand_usd,spot_usd,committed_1y_usd,\
         committed_3y_usd,committed_1y_spot_usd,committed_3y_spot_usd,price_row"
    );
    let cost = &json["cost"];
    for variant in VARIANTS {
        let c = col(&header, &format!("{}_usd", variant.replace('-', "_")));
        // The documented way: sum the variant's column.
        let total: i64 = rows.iter().map(|r| micros(&r[c])).sum();
        assert_eq!(
            total,
            money_of(&cost["run_totals_usd"][variant]),
            "{variant}"
        );
        // Per month too.
        for m in cost["months"].as_array().unwrap() {
            let month = m["month"].as_str().unwrap();
            let t: i64 = rows
                .iter()
                .filter(|r| r[0] == month)
                .map(|r| micros(&r[c]))
                .sum();
            assert_eq!(t, money_of(&m["totals_usd"][variant]), "{variant} {month}");
        }
    }
    // The fixture runs two days of September: a partial month of 48 hours.
    assert!(rows.iter().all(|r| r[1] == "true" && r[2] == "48.000"));
    // Every class is one of the documented names; the CDN is its own provider, not a cloud's.
    let classes = [
        "compute",
        "managed",
        "storage",
        "egress",
        "network",
        "control-plane",
        "cdn",
        "logs",
    ];
    assert!(rows.iter().all(|r| classes.contains(&r[8].as_str())));
}

#[test]
fn allocation_adds_back_up_to_each_shared_line() {
    let (dir, json) = platform_run();
    let (header, rows) = read_csv(&dir.path().join("cost_monthly.csv"));
    let (month, cloud, env, service, resource, share, od) = (
        col(&header, "month"),
        col(&header, "cloud"),
        col(&header, "environment"),
        col(&header, "service"),
        col(&header, "resource"),
        col(&header, "share"),
        col(&header, "on_demand_usd"),
    );
    // Per line: the services' shares add up to 1, and their costs to the line's cost in the
    // report's by-resource roll-up (which sums the line's priced parts).
    let mut by_line: BTreeMap<(String, String), (f64, i64, Vec<String>)> = BTreeMap::new();
    for r in &rows {
        let key = (
            r[month].clone(),
            format!("{}/{}/{}", r[cloud], r[env], r[resource]),
        );
        let e = by_line.entry(key).or_default();
        e.0 += r[share].parse::<f64>().unwrap();
        e.1 += micros(&r[od]);
        e.2.push(r[service].clone());
    }
    let months = json["cost"]["months"].as_array().unwrap();
    for ((m, key), (shares, cost, _)) in &by_line {
        let month = months.iter().find(|x| x["month"] == m.as_str()).unwrap();
        let expected = month["by_resource_usd"]["on-demand"][key].clone();
        // A resource may have several usage lines (egress tiers): compare the sums.
        assert_eq!(*cost, money_of(&expected), "{key}");
        // One usage line per resource, or a few (egress tiers): whole lines' worth of shares.
        assert!(
            (shares - shares.round()).abs() < 1e-5 && shares.round() >= 1.0,
            "{key}: shares add up to {shares}"
        );
    }
    // The node pool: the services and an idle row; the database: the services that query it.
    let pool = &by_line
        .iter()
        .find(|((_, k), _)| k == "aws/prod/node pool aws-general")
        .unwrap()
        .1;
    assert!(pool.2.contains(&"web".to_string()) && pool.2.contains(&"__idle__".to_string()));
    let db = by_line
        .iter()
        .find(|((_, k), _)| k.starts_with("aws/prod/database primary ("))
        .unwrap()
        .1;
    assert!(db.2.contains(&"web".to_string()) && db.2.contains(&"api".to_string()));
    // Platform fees are not any service's.
    let eks = by_line
        .iter()
        .find(|((_, k), _)| k == "aws/prod/EKS control plane")
        .unwrap()
        .1;
    assert_eq!(eks.2, vec!["__shared__".to_string()]);
}

/// FOCUS 1.2 (github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, `specification/columns`):
/// the mandatory columns are present and not null, and the columns with allowed values hold
/// only those values. The FinOps Foundation's validator on PyPI (`focus-validator` 1.0.0)
/// checks FOCUS 1.0 only, so this test states the 1.2 rules itself.
#[test]
fn focus_csv_keeps_to_the_focus_1_2_columns_and_values() {
    let (dir, json) = platform_run();
    let (header, rows) = read_csv(&dir.path().join("focus.csv"));
    // Mandatory in FOCUS 1.2 (non-null unless noted).
    let mandatory = [
        "BilledCost",
        "BillingAccountId",
        "BillingCurrency",
        "BillingPeriodEnd",
        "BillingPeriodStart",
        "ChargeCategory",
        "ChargeDescription",
        "ChargeFrequency",
        "ChargePeriodEnd",
        "ChargePeriodStart",
        "ContractedCost",
        "EffectiveCost",
        "InvoiceIssuerName",
        "ListCost",
        "ProviderName",
        "PublisherName",
        "ServiceCategory",
        "ServiceName",
    ];
    for name in mandatory {
        let c = col(&header, name);
        assert!(rows.iter().all(|r| !r[c].is_empty()), "{name} has nulls");
    }
    for name in [
        "ChargeClass",
        "PricingCategory",
        "PricingQuantity",
        "PricingUnit",
        "CommitmentDiscountStatus",
        "RegionId",
        "RegionName",
        "ResourceId",
        "ResourceName",
        "ResourceType",
        "SkuId",
        "SkuPriceId",
        "ListUnitPrice",
        "ContractedUnitPrice",
        "ConsumedQuantity",
        "ConsumedUnit",
        "Tags",
        "AvailabilityZone",
        "InvoiceId",
        "SubAccountId",
    ] {
        col(&header, name);
    }
    let allowed = |name: &str, values: &[&str], nullable: bool| {
        let c = col(&header, name);
        for r in &rows {
            assert!(
                values.contains(&r[c].as_str()) || (nullable && r[c].is_empty()),
                "{name} = {:?}",
                r[c]
            );
        }
    };
    allowed(
        "ChargeCategory",
        &["Usage", "Purchase", "Tax", "Credit", "Adjustment"],
        false,
    );
    allowed("ChargeClass", &["Correction"], true);
    allowed(
        "ChargeFrequency",
        &["One-Time", "Recurring", "Usage-Based"],
        false,
    );
    allowed(
        "PricingCategory",
        &["Standard", "Dynamic", "Committed", "Other"],
        false,
    );
    allowed("CommitmentDiscountStatus", &["Used", "Unused"], true);
    allowed("CommitmentDiscountCategory", &["Spend", "Usage"], true);
    allowed(
        "ServiceCategory",
        &[
            "AI and Machine Learning",
            "Analytics",
            "Business Applications",
            "Compute",
            "Databases",
            "Developer Tools",
            "Multicloud",
            "Identity",
            "Integration",
            "Internet of Things",
            "Management and Governance",
            "Media",
            "Migration",
            "Mobile",
            "Networking",
            "Security",
            "Storage",
            "Web",
            "Other",
        ],
        false,
    );
    allowed("BillingCurrency", &["USD"], false);
    allowed("x_Forecast", &["true"], false);
    allowed("x_Variant", &["on-demand"], false);
    // Date-times: ISO 8601 in UTC, `YYYY-MM-DDTHH:mm:ssZ`; the charge period inside the billing
    // period (the fixture runs 2026-09-24 and 25 of September).
    for name in [
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargePeriodStart",
        "ChargePeriodEnd",
    ] {
        let c = col(&header, name);
        for r in &rows {
            let t = r[c].as_bytes();
            assert!(
                t.len() == 20 && t[4] == b'-' && t[10] == b'T' && t[19] == b'Z',
                "{name} = {}",
                r[c]
            );
        }
    }
    let first = &rows[0];
    assert_eq!(
        first[col(&header, "BillingPeriodStart")],
        "2026-09-01T00:00:00Z"
    );
    assert_eq!(
        first[col(&header, "BillingPeriodEnd")],
        "2026-10-01T00:00:00Z"
    );
    assert_eq!(
        first[col(&header, "ChargePeriodStart")],
        "2026-09-24T00:00:00Z"
    );
    assert_eq!(
        first[col(&header, "ChargePeriodEnd")],
        "2026-09-26T00:00:00Z"
    );
    // Tags are JSON objects naming the service.
    let tags = col(&header, "Tags");
    for r in &rows {
        let v: serde_json::Value = serde_json::from_str(&r[tags]).unwrap();
        assert!(v["service"].is_string());
    }
    // BilledCost sums to the on-demand run total exactly; EffectiveCost equals it (no upfront
    // fees to amortise); on-demand ListCost is never below BilledCost (SUD only lowers it).
    let sum = |name: &str| -> i64 { rows.iter().map(|r| micros(&r[col(&header, name)])).sum() };
    assert_eq!(
        sum("BilledCost"),
        money_of(&json["cost"]["run_totals_usd"]["on-demand"])
    );
    assert_eq!(sum("EffectiveCost"), sum("BilledCost"));
    assert!(sum("ListCost") >= sum("BilledCost"));
}

#[test]
fn focus_variant_committed_marks_commitments_and_bad_variants_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        "tests/fixtures/platform.yaml",
        dir.path(),
        &["-q", "--focus-variant", "committed-1y"],
    );
    let (header, rows) = read_csv(&dir.path().join("focus.csv"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let (pc, status, billed) = (
        col(&header, "PricingCategory"),
        col(&header, "CommitmentDiscountStatus"),
        col(&header, "BilledCost"),
    );
    let committed: Vec<&Vec<String>> = rows.iter().filter(|r| r[pc] == "Committed").collect();
    assert!(!committed.is_empty());
    assert!(committed.iter().all(|r| r[status] == "Used"));
    assert!(
        rows.iter()
            .filter(|r| r[pc] != "Committed")
            .all(|r| r[status].is_empty())
    );
    let total: i64 = rows.iter().map(|r| micros(&r[billed])).sum();
    assert_eq!(
        total,
        money_of(&json["cost"]["run_totals_usd"]["committed-1y"])
    );
    let out = dir.path().join("bad");
    let o = capsim(&[
        "run",
        "tests/fixtures/platform.yaml",
        "--out",
        path_str(&out),
        "--focus-variant",
        "reserved",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("committed-1y"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// `cost_monthly.parquet` holds the CSV's rows; its Float64 money columns sum to the report's
/// totals to the cent (the CSV is the exact form).
#[test]
fn cost_monthly_parquet_has_the_csv_rows_and_sums_to_the_cent() {
    let (dir, json) = platform_run();
    let path = dir.path().join("cost_monthly.parquet");
    let df = capsim::sweep::frame::read_parquet(std::fs::read(&path).unwrap(), &path).unwrap();
    let (header, rows) = read_csv(&dir.path().join("cost_monthly.csv"));
    assert_eq!(df.height(), rows.len());
    // The same columns in the same order (tests/readers.py compares the values with outside
    // readers).
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, header);
    for variant in VARIANTS {
        let name = format!("{}_usd", variant.replace('-', "_"));
        let sum: f64 = df
            .column(&name)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .flatten()
            .sum();
        let cents = (sum * 100.0).round() as i64;
        let expected = money_of(&json["cost"]["run_totals_usd"][variant]);
        // The exact micro-dollar total rounded half-up to the cent.
        let expected_cents = (expected + 5_000).div_euclid(10_000);
        assert!(
            (cents - expected_cents).abs() <= 1 && (sum * 1e6 - expected as f64).abs() < 1.0,
            "{variant}: {sum} vs {expected} micro-dollars"
        );
    }
}
