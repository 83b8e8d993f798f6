//! Price marks: which of a run's totals rest on price-book rows that are estimates (the row's
//! `exactness` is `estimate`) or stale (dated more than 12 months before the pricing date), and
//! how much money that is, per month and purchase variant. The HTML report puts a marker next to
//! every total they touch.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::cost::money::Money;
use crate::cost::price::CostReport;
use crate::cost::pricebook::PriceBook;

/// A price-book row the run used that is an estimate or stale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct MarkedRow {
    /// `data/prices/seoul-2026.csv:17`.
    pub price_row: String,
    pub provider: String,
    pub sku: String,
    /// The row's `exactness` (`estimate`, `secondary`, `exact-list`, ...).
    pub exactness: String,
    pub source_date: String,
    pub estimate: bool,
    pub stale: bool,
}

/// One month: per variant, the part of the total priced from estimate rows and from stale rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct MarkedMonth {
    pub month: String,
    /// Variant label → dollars (`"1234.560000"`); variants with nothing marked are left out.
    pub estimate_usd: BTreeMap<String, String>,
    pub stale_usd: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct PriceMarks {
    /// The marked rows, in price-book order.
    pub rows: Vec<MarkedRow>,
    /// In the order of `cost.months`.
    pub months: Vec<MarkedMonth>,
    /// Variant → the run's estimate / stale part (dollars).
    pub estimate_run_usd: BTreeMap<String, String>,
    pub stale_run_usd: BTreeMap<String, String>,
    /// `cloud/environment/resource` keys (as in `cost.months[].by_resource_usd`) priced in part
    /// from an estimate row, and from a stale row.
    pub estimate_resources: Vec<String>,
    pub stale_resources: Vec<String>,
}

/// Exact dollars, as `CostSummary` writes them (`"1234.560000"`).
fn dollars(m: Money) -> String {
    m.to_decimal_string()
}

impl PriceMarks {
    /// The marks of `priced`, whose lines name their rows of `book`; `on` is the pricing date.
    pub fn of(priced: &CostReport, book: &PriceBook, on: Date) -> PriceMarks {
        let by_line: BTreeMap<String, (bool, bool)> = book
            .rows()
            .iter()
            .map(|r| {
                (
                    format!("{}:{}", book.file(), r.line),
                    (r.is_estimate(), r.is_stale(on)),
                )
            })
            .collect();
        let mut used: BTreeSet<&str> = BTreeSet::new();
        let mut months: Vec<MarkedMonth> = Vec::new();
        let mut est_run: BTreeMap<String, Money> = BTreeMap::new();
        let mut stale_run: BTreeMap<String, Money> = BTreeMap::new();
        let mut est_month: BTreeMap<(String, String), Money> = BTreeMap::new();
        let mut stale_month: BTreeMap<(String, String), Money> = BTreeMap::new();
        let mut est_res: BTreeSet<String> = BTreeSet::new();
        let mut stale_res: BTreeSet<String> = BTreeSet::new();
        for l in &priced.lines {
            let Some(&(estimate, stale)) = by_line.get(&l.price_row) else {
                continue;
            };
            if !(estimate || stale) {
                continue;
            }
            used.insert(l.price_row.as_str());
            let v = l.variant.label().to_string();
            let key = format!("{}/{}/{}", l.cloud, l.environment, l.resource);
            if months.last().is_none_or(|m| m.month != l.month)
                && !months.iter().any(|m| m.month == l.month)
            {
                months.push(MarkedMonth {
                    month: l.month.clone(),
                    estimate_usd: BTreeMap::new(),
                    stale_usd: BTreeMap::new(),
                });
            }
            if estimate {
                *est_run.entry(v.clone()).or_insert(Money::ZERO) += l.cost;
                *est_month
                    .entry((l.month.clone(), v.clone()))
                    .or_insert(Money::ZERO) += l.cost;
                est_res.insert(key.clone());
            }
            if stale {
                *stale_run.entry(v.clone()).or_insert(Money::ZERO) += l.cost;
                *stale_month
                    .entry((l.month.clone(), v))
                    .or_insert(Money::ZERO) += l.cost;
                stale_res.insert(key);
            }
        }
        for m in &mut months {
            for ((month, v), x) in &est_month {
                if *month == m.month {
                    m.estimate_usd.insert(v.clone(), dollars(*x));
                }
            }
            for ((month, v), x) in &stale_month {
                if *month == m.month {
                    m.stale_usd.insert(v.clone(), dollars(*x));
                }
            }
        }
        let rows = book
            .rows()
            .iter()
            .filter_map(|r| {
                let at = format!("{}:{}", book.file(), r.line);
                used.contains(at.as_str()).then(|| MarkedRow {
                    provider: r.provider.clone(),
                    sku: r.sku.clone(),
                    exactness: r.exactness.as_str().to_string(),
                    source_date: r.source_date.to_string(),
                    estimate: r.is_estimate(),
                    stale: r.is_stale(on),
                    price_row: at,
                })
            })
            .collect();
        let map =
            |m: BTreeMap<String, Money>| m.into_iter().map(|(k, v)| (k, dollars(v))).collect();
        PriceMarks {
            rows,
            months,
            estimate_run_usd: map(est_run),
            stale_run_usd: map(stale_run),
            estimate_resources: est_res.into_iter().collect(),
            stale_resources: stale_res.into_iter().collect(),
        }
    }

    /// The month's estimate and stale parts under `variant` (dollars; 0 when none).
    pub fn month(&self, month: &str, variant: &str) -> (f64, f64) {
        let get = |m: &BTreeMap<String, String>| {
            m.get(variant)
                .and_then(|x| x.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        self.months
            .iter()
            .find(|m| m.month == month)
            .map_or((0.0, 0.0), |m| (get(&m.estimate_usd), get(&m.stale_usd)))
    }

    /// The run's estimate and stale parts under `variant` (dollars; 0 when none).
    pub fn run(&self, variant: &str) -> (f64, f64) {
        let get = |m: &BTreeMap<String, String>| {
            m.get(variant)
                .and_then(|x| x.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (get(&self.estimate_run_usd), get(&self.stale_run_usd))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn heal7_like_fixture_marks_estimates_and_they_add_up() {
        let r = crate::report::fixture_report("platform");
        let m = r.price_marks.as_ref().expect("priced");
        let c = r.cost.as_ref().unwrap();
        // Every marked row is an estimate or stale; every marked resource is priced this run.
        assert!(m.rows.iter().all(|x| x.estimate || x.stale));
        for key in &m.estimate_resources {
            assert!(
                c.months
                    .iter()
                    .any(|mo| mo.by_resource_usd["on-demand"].contains_key(key)),
                "{key}"
            );
        }
        // A month's estimate part never exceeds its total.
        for mo in &c.months {
            for v in &c.variants {
                let (e, s) = m.month(&mo.month, v);
                let total: f64 = mo.totals_usd[v].parse().unwrap();
                assert!(e <= total + 0.01 && s <= total + 0.01, "{} {v}", mo.month);
            }
        }
    }
}
