//! Commitment sizing: how many units of each node pool or managed instance to buy under each
//! commitment kind (AWS RI, GCP CUD; 1 and 3 years), by the break-even rule on the run's usage
//! histogram, and what that saves against on-demand.
//!
//! **The rule.** Rank a resource line's instances as `level_hours` does: unit `k` runs
//! `h_k = Σ_months level_hours[k-1]` hours of the run's `T` hours (the hours with at least `k`
//! instances up). A commitment bills `T` hours at the committed rate `c` whether used or not;
//! left on-demand, unit `k` costs `h_k` hours at the on-demand rate `o`. So committing unit `k`
//! pays exactly when `h_k / T ≥ c / o`, each unit on its own (a commitment covers one running
//! instance in any hour, and unit `k` runs only where units `1..k` do). `h_k` falls with `k`, so
//! the units worth committing are the first `N`: commit the k-th unit *while* the rule holds.
//! That `N` minimises the run's cost over every coverage level, given the simulated histogram.
//!
//! **Sustained-use discounts.** On GCE families with SUD, on-demand is cheaper than list: unit
//! `k` would pay for only its SUD-charged hours, `Σ_months (h_km − SUD(h_km))` (per inferred
//! instance, quarters of the calendar month, as `cost::price` bills them), so `h_k` above is
//! those charged hours and a CUD must beat the discounted price, not the list price. Usage a CUD
//! covers gets no SUD, and the units left on-demand keep theirs, so the units stay independent.
//!
//! `cost::price` calls [`size`] with the levels it already inferred; the result is
//! `CostReport::sizing`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cost::money::{Money, UnitPrice};
use crate::cost::price::{Key, is_discountable, key, line_sud};
use crate::cost::pricebook::PriceRow;
use crate::cost::usage::Usage;

/// Hours within which two hour counts are equal (as in `cost::price`): a unit that ran its
/// break-even share to within a micro-hour is committed.
const HOURS_EPS: f64 = 1e-6;

/// How many units of one resource line to commit to under one commitment kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sizing {
    pub cloud: String,
    pub environment: String,
    pub resource: String,
    /// The instance type (or managed instance class) one unit is.
    pub sku: String,
    /// 1 or 3.
    pub term_years: u8,
    /// The commitment in words: `AWS RI 1y, standard-ri-no-upfront`, `GCP CUD 3y, resource-cud`.
    pub kind: String,
    /// `N`: units to commit to (0: none pays).
    pub units: u32,
    /// Units that ran every hour of the run (the committed variants' baseline; `units` ≥ it).
    pub always_on_units: u32,
    /// Committed rate ÷ on-demand list rate.
    pub break_even_utilisation: f64,
    /// Per unit `k` = 1, 2, …, the most that ran: its (SUD-charged) hours ÷ the run's hours,
    /// non-increasing. `units` = how many lead the list at ≥ `break_even_utilisation`.
    pub unit_utilisation: Vec<f64>,
    /// The committed rate of one unit per hour.
    pub committed_rate: UnitPrice,
    /// On-demand cost of the `units` units over the run minus their commitment over the run,
    /// scaled to 8,760 hours.
    pub yearly_saving: Money,
}

impl Sizing {
    /// `buy 3 × m6i.xlarge (AWS RI 1y, standard-ri-no-upfront)`, or `buy none (…)`.
    pub fn recommendation(&self) -> String {
        if self.units == 0 {
            format!("buy no {} ({})", self.sku, self.kind)
        } else {
            format!("buy {} × {} ({})", self.units, self.sku, self.kind)
        }
    }
}

/// The break-even rule on one histogram: `unit_hours[k-1]` are unit `k`'s on-demand (charged)
/// hours over a run of `run_hours`. Returns `N`, the number of leading units with
/// `unit_hours[k-1] / run_hours ≥ committed / on_demand`, and the saving of committing them over
/// the run (`Σ_{k≤N} unit_hours[k-1] × on_demand − N × run_hours × committed`, each product
/// rounded once); `None` when money overflows.
pub fn break_even_units(
    unit_hours: &[f64],
    run_hours: f64,
    on_demand: UnitPrice,
    committed: UnitPrice,
) -> Option<(u32, Money)> {
    if run_hours <= 0.0 || on_demand.nanos() <= 0 {
        return Some((0, Money::ZERO));
    }
    let ratio = committed.nanos() as f64 / on_demand.nanos() as f64;
    let n = unit_hours
        .iter()
        .take_while(|h| **h >= ratio * run_hours - HOURS_EPS)
        .count();
    let used: f64 = unit_hours[..n].iter().sum();
    let on_demand_cost = Money::checked_from_quantity(used, on_demand)?;
    let commitment_cost = Money::checked_from_quantity(n as f64 * run_hours, committed)?;
    Some((n as u32, on_demand_cost.checked_sub(commitment_cost)?))
}

/// The commitment kind in words, from the row's provider and `payment_option` (a
/// `1y-…/3y-…` option is cut to the term's part).
pub fn kind(row: &PriceRow, term_years: u8) -> String {
    let prefix = format!("{term_years}y-");
    let option = row
        .payment_option
        .split('/')
        .find_map(|p| p.trim().strip_prefix(&prefix))
        .unwrap_or(row.payment_option.trim());
    let what = match row.provider.to_ascii_lowercase().as_str() {
        "aws" => "AWS RI".to_string(),
        "gcp" => "GCP CUD".to_string(),
        p => format!("{p} commitment"),
    };
    format!("{what} {term_years}y, {option}")
}

/// The sizing of every instance-hour line of a discountable class whose row has a committed
/// rate, per term: resource lines (cloud, environment, resource, provider, region, SKU) in
/// order, 1 year before 3. `levels[i]` are usage line `i`'s level hours (as `cost::price`
/// inferred them); `sud(i)` its SUD tiers when its on-demand usage earns SUD. `None` when
/// money overflows.
pub fn size(
    usage: &Usage,
    rows: &[&PriceRow],
    levels: &[Vec<f64>],
    always_on: &BTreeMap<Key<'_>, u32>,
) -> Option<Vec<Sizing>> {
    let run_hours: f64 = usage.months.iter().map(|m| m.hours).sum();
    // Per resource line: its first usage line (for the row) and, per month, its levels. Two
    // lines of one resource line in one month pool their instances, ranked together.
    let mut lines: BTreeMap<Key<'_>, (usize, Vec<Vec<f64>>)> = BTreeMap::new();
    for (i, l) in usage.lines.iter().enumerate() {
        if !is_discountable(l.class) || l.unit != "instance-hour" {
            continue;
        }
        let e = lines
            .entry(key(l))
            .or_insert_with(|| (i, vec![Vec::new(); usage.months.len()]));
        e.1[l.month].extend_from_slice(&levels[i]);
    }
    let mut out = Vec::new();
    for (k, (first, mut per_month)) in lines {
        let row = rows[first];
        let tiers = line_sud(&usage.lines[first]);
        for m in &mut per_month {
            m.sort_by(|a, b| b.total_cmp(a));
        }
        let peak = per_month.iter().map(Vec::len).max().unwrap_or(0);
        // Unit k's on-demand hours over the run, SUD taken off where it applies.
        let unit_hours: Vec<f64> = (0..peak)
            .map(|k| {
                per_month
                    .iter()
                    .zip(&usage.months)
                    .map(|(lv, month)| {
                        let h = lv.get(k).copied().unwrap_or(0.0);
                        let off = tiers.map_or(0.0, |t| {
                            crate::cost::price::sud_discount_hours(h, month.calendar_hours(), t)
                        });
                        h - off
                    })
                    .sum()
            })
            .collect();
        // The units every month ran every hour: the baseline pricing commits.
        let always_on = always_on.get(&k).copied().unwrap_or(0);
        for (term, rate) in [(1u8, row.reserved_1y), (3, row.reserved_3y)] {
            let Some(rate) = rate else { continue };
            let (units, saving) = break_even_units(&unit_hours, run_hours, row.on_demand, rate)?;
            let yearly_saving = if run_hours > 0.0 {
                crate::cost::price::scale(saving, crate::cost::price::HOURS_PER_YEAR / run_hours)?
            } else {
                Money::ZERO
            };
            let l = &usage.lines[first];
            out.push(Sizing {
                cloud: l.cloud.clone(),
                environment: l.environment.clone(),
                resource: l.resource.clone(),
                sku: l.sku.clone(),
                term_years: term,
                kind: kind(row, term),
                units,
                always_on_units: always_on,
                break_even_utilisation: if row.on_demand.nanos() > 0 {
                    rate.nanos() as f64 / row.on_demand.nanos() as f64
                } else {
                    0.0
                },
                unit_utilisation: unit_hours
                    .iter()
                    .map(|h| if run_hours > 0.0 { h / run_hours } else { 0.0 })
                    .collect(),
                committed_rate: rate,
                yearly_saving,
            });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::price::{Variant, price};
    use crate::cost::pricebook::PriceBook;
    use crate::cost::usage::{CostClass, Month, UsageLine};
    use jiff::civil::Date;

    fn usd(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn rate(text: &str) -> UnitPrice {
        UnitPrice::parse(text).unwrap()
    }

    /// A hand-computed histogram: a pool over a 720-hour run (one 30-day month) whose units ran
    /// 720, 720, 540, 468, 400 and 100 hours, so their shares are 1, 1, 0.75, 0.65, 0.5556 and
    /// 0.1389. On-demand $0.20/h, 1-year RI $0.13/h: break-even 0.13 / 0.20 = 0.65, and
    /// 0.65 × 720 = 468 h.
    ///   unit 1, 2: 720 ≥ 468 → commit; unit 3: 540 ≥ 468 → commit; unit 4: 468 ≥ 468 → commit
    ///   (at exactly break-even either choice costs the same; the rule says ≥); unit 5: 400 <
    ///   468 → stop. N = 4.
    ///   saving = (720 + 720 + 540 + 468) × 0.20 − 4 × 720 × 0.13 = 489.60 − 374.40 = 115.20.
    /// 3-year at $0.09/h: break-even 0.45, 0.45 × 720 = 324 h: units 1–5 (400 ≥ 324), not 6
    ///   (100 < 324) → N = 5; saving = (2448 + 400) × 0.20 − 5 × 720 × 0.09 = 569.60 − 324 =
    ///   245.60.
    #[test]
    fn the_break_even_rule_on_a_hand_computed_histogram() {
        let h = [720.0, 720.0, 540.0, 468.0, 400.0, 100.0];
        assert_eq!(
            break_even_units(&h, 720.0, rate("0.20"), rate("0.13")),
            Some((4, usd("115.20")))
        );
        assert_eq!(
            break_even_units(&h, 720.0, rate("0.20"), rate("0.09")),
            Some((5, usd("245.60")))
        );
        // One more unit either way costs money: N = 3 saves (1980 × 0.20 − 3 × 720 × 0.13)
        // = 396 − 280.80 = 115.20 too (unit 4 is exactly break-even), N = 5 saves 115.20 +
        // 400 × 0.20 − 720 × 0.13 = 115.20 + 80 − 93.60 = 101.60. No histogram unit, no
        // commitment; a commitment dearer than on-demand, none either.
        assert_eq!(
            break_even_units(&[], 720.0, rate("0.20"), rate("0.13")),
            Some((0, Money::ZERO))
        );
        assert_eq!(
            break_even_units(&h, 720.0, rate("0.20"), rate("0.21")),
            Some((0, Money::ZERO))
        );
    }

    const BOOK: &str = "\
provider,region,service,sku,unit,on_demand_usd,spot_usd,reserved_1y_usd,reserved_3y_usd,payment_option,source,source_date,exactness,notes
aws,ap-northeast-2,EC2,m7g.large,instance-hour,0.1003,0.0301,0.0656,0.0453,standard-ri-no-upfront,test,2026-10-01,secondary,
gcp,asia-northeast3,Compute Engine,n2-standard-4,instance-hour,0.24944,0.08166,0.15715,0.11226,resource-cud,test,2026-07-30,exact-list,
aws,ap-northeast-2,RDS,db.r6g.xlarge,instance-hour,0.54,,0.373,0.238,1y-no-upfront/3y-all-upfront,test,2021-08-03,estimate,
";

    fn pool(month: usize, cloud: &str, sku: &str, levels: &[f64]) -> UsageLine {
        let quantity = levels.iter().sum();
        crate::cost::price::tests::line(
            month,
            cloud,
            &format!("node pool {cloud}"),
            sku,
            "instance-hour",
            quantity,
            levels,
            CostClass::Compute,
            false,
        )
    }

    fn two_months() -> Vec<Month> {
        crate::cost::price::tests::months()
    }

    /// Through `price`: January (744 h) and February (672 h), T = 1,416 h.
    ///
    /// AWS m7g.large ($0.1003 on-demand, 1y $0.0656 → 0.654038, 3y $0.0453 → 0.451645):
    /// levels Jan [744, 744, 600, 300], Feb [672, 672, 400] → unit hours 1416, 1416, 1000, 300;
    /// shares 1, 1, 0.706215, 0.211864.
    ///   1y: units 1–3 (1000 / 1416 = 0.706 ≥ 0.654), not 4 → N = 3, always-on 2;
    ///   saving = 3832 × 0.1003 − 3 × 1416 × 0.0656 = 384.3496 − 278.6688 = 105.6808 over the
    ///   run; × 8760 / 1416 = 925,763.808 / 1416 = 653.788.
    ///   3y: the same 3 units (0.211864 < 0.451645): 384.3496 − 3 × 1416 × 0.0453 = 384.3496 −
    ///   192.4344 = 191.9152; × 8760 / 1416 = 1187.272.
    ///
    /// GCP n2-standard-4 ($0.24944, 1y $0.15715 → 0.630012…): one node all of January and 420 h
    /// of February, one more for 400 h of January. SUD (N2 tiers 1, 0.8678, 0.733, 0.6):
    ///   Jan unit 1, 744 h: 744 − 186 × 3.2008 = 148.6512 off → 595.3488 charged;
    ///   Jan unit 2, 400 h: quarters of 186 h: 186 × 1 + 186 × 0.8678 + 28 × 0.733 = 186 +
    ///     161.4108 + 20.524 = 367.9348 charged;
    ///   Feb unit 1, 420 h of a 672-h month (quarters of 168 h): 168 + 168 × 0.8678 + 84 ×
    ///     0.733 = 168 + 145.7904 + 61.572 = 375.3624 charged.
    ///   unit 1: 595.3488 + 375.3624 = 970.7112 charged h, share 0.685530 ≥ 0.630012 → commit
    ///   (its raw share, 1164 / 1416 = 0.822, overstates it); unit 2: 367.9348 / 1416 =
    ///   0.259841 → not. saving = 970.7112 × 0.24944 = 242.134201728 → 242.134202, minus
    ///   1416 × 0.15715 = 222.5244 → 19.609802; × 8760 / 1416 = 121.3148770… → 121.314877.
    /// 3y ($0.11226, 0.450048): unit 2's 0.259841 still < 0.45 → N = 1; saving = 242.134202 −
    ///   1416 × 0.11226 = 242.134202 − 158.96016 = 83.174042; × 8760 / 1416 = 514.5512771…
    ///   → 514.551277.
    ///
    /// The baseline variants agree where N = always-on: the RDS instance that ran every hour
    /// (N = 1) saves what `Commitment::yearly_saving` says.
    #[test]
    fn pools_are_sized_through_price_with_sud_on_the_gcp_side() {
        let book = PriceBook::parse(BOOK, "test.csv").unwrap();
        let rds = |m: usize, h: f64| {
            let mut l = pool(m, "aws", "db.r6g.xlarge", &[h]);
            l.resource = "rds primary".into();
            l.class = CostClass::ManagedInstance;
            l
        };
        let u = Usage {
            months: two_months(),
            lines: vec![
                pool(0, "aws", "m7g.large", &[744.0, 744.0, 600.0, 300.0]),
                pool(1, "aws", "m7g.large", &[672.0, 672.0, 400.0]),
                pool(0, "gcp", "n2-standard-4", &[744.0, 400.0]),
                pool(1, "gcp", "n2-standard-4", &[420.0]),
                rds(0, 744.0),
                rds(1, 672.0),
            ],
        };
        let r = price(&u, &book, Date::new(2026, 12, 1).unwrap()).unwrap();
        let get = |res: &str, term: u8| {
            r.sizing
                .iter()
                .find(|s| s.resource == res && s.term_years == term)
                .unwrap()
        };
        let a1 = get("node pool aws", 1);
        assert_eq!((a1.units, a1.always_on_units), (3, 2));
        assert_eq!(a1.kind, "AWS RI 1y, standard-ri-no-upfront");
        assert_eq!(a1.yearly_saving, usd("653.788"));
        assert_eq!(
            a1.recommendation(),
            "buy 3 × m7g.large (AWS RI 1y, standard-ri-no-upfront)"
        );
        assert_eq!(a1.unit_utilisation.len(), 4);
        assert!((a1.unit_utilisation[2] - 1000.0 / 1416.0).abs() < 1e-12);
        let a3 = get("node pool aws", 3);
        assert_eq!((a3.units, a3.yearly_saving), (3, usd("1187.272")));

        let g1 = get("node pool gcp", 1);
        assert_eq!((g1.units, g1.always_on_units), (1, 0));
        assert_eq!(g1.kind, "GCP CUD 1y, resource-cud");
        assert!((g1.unit_utilisation[0] - 970.7112 / 1416.0).abs() < 1e-9);
        assert!((g1.unit_utilisation[1] - 367.9348 / 1416.0).abs() < 1e-9);
        assert_eq!(g1.yearly_saving, usd("121.314877"));
        let g3 = get("node pool gcp", 3);
        assert_eq!((g3.units, g3.yearly_saving), (1, usd("514.551277")));

        // RDS: "1y-no-upfront/3y-all-upfront" reads per term.
        let d1 = get("rds primary", 1);
        assert_eq!(d1.kind, "AWS RI 1y, no-upfront");
        assert_eq!(get("rds primary", 3).kind, "AWS RI 3y, all-upfront");
        let baseline = r
            .commitments
            .iter()
            .find(|c| c.resource == "rds primary" && c.variant == Variant::Committed1y)
            .unwrap();
        assert_eq!((d1.units, baseline.baseline_instances), (1, 1));
        assert_eq!(d1.yearly_saving, baseline.yearly_saving);
    }
}
