//! The cost part of the report: the summary kept in `summary.json` and printed in the terminal,
//! and `cost_monthly.csv`, every priced line by service with its cost under every variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cost::price::{CostReport, Variant};

/// Money in `summary.json`: a JSON **number** of US dollars (`1234.56`), exact to the
/// micro-dollar. In memory the report keeps the exact decimal text (`"1234.560000"`, what
/// [`Money::to_decimal_string`] writes), so every renderer and the check gate compare exact
/// money; on the way out it becomes the double nearest to that decimal, which JSON writers print
/// as the shortest decimal that reads back to it — the amount itself, for any amount with at most
/// 15 significant digits (under $1 billion to the micro-dollar). Reading accepts a number or the
/// older decimal string.
pub mod usd {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    use crate::cost::money::Money;

    /// The schema of one amount: a number of US dollars with at most six decimals.
    #[derive(schemars::JsonSchema)]
    #[schemars(
        description = "US dollars as a JSON number, exact to the micro-dollar (at most six decimals)"
    )]
    pub struct Usd(#[allow(dead_code)] f64);

    /// The exact decimal text as the nearest double.
    pub fn to_f64(text: &str) -> f64 {
        Money::parse(text).map_or(f64::NAN, |m| m.micros() as f64 / 1e6)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(f64),
        Text(String),
    }

    fn text_of(e: Either) -> String {
        match e {
            Either::Number(x) => Money::from_micros((x * 1e6).round() as i64).to_decimal_string(),
            Either::Text(t) => t,
        }
    }

    pub mod one {
        use super::*;

        pub fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_f64(to_f64(v))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
            Either::deserialize(d).map(text_of)
        }
    }

    /// `Option<String>` as a number or `null` (serialize only: the compare output).
    pub mod opt {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(x) => s.serialize_some(&to_f64(x)),
                None => s.serialize_none(),
            }
        }
    }

    pub mod map {
        use super::*;

        pub fn serialize<S: Serializer>(
            v: &BTreeMap<String, String>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_map(v.iter().map(|(k, x)| (k, to_f64(x))))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<BTreeMap<String, String>, D::Error> {
            let m = BTreeMap::<String, Either>::deserialize(d)?;
            Ok(m.into_iter().map(|(k, v)| (k, text_of(v))).collect())
        }
    }

    pub mod nested {
        use super::*;

        pub fn serialize<S: Serializer>(
            v: &BTreeMap<String, BTreeMap<String, String>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_map(v.iter().map(|(k, inner)| {
                (
                    k,
                    inner
                        .iter()
                        .map(|(k2, x)| (k2.clone(), to_f64(x)))
                        .collect::<BTreeMap<String, f64>>(),
                )
            }))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<BTreeMap<String, BTreeMap<String, String>>, D::Error> {
            let m = BTreeMap::<String, BTreeMap<String, Either>>::deserialize(d)?;
            Ok(m.into_iter()
                .map(|(k, inner)| {
                    (
                        k,
                        inner.into_iter().map(|(k2, v)| (k2, text_of(v))).collect(),
                    )
                })
                .collect())
        }
    }
}

/// One month's totals under every variant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CostMonth {
    pub month: String,
    /// Variant label → total, in US dollars (a JSON number, exact to the micro-dollar).
    #[serde(with = "usd::map")]
    #[schemars(with = "BTreeMap<String, usd::Usd>")]
    pub totals_usd: BTreeMap<String, String>,
    pub cheapest: String,
    /// On-demand total per cloud and per environment, for the stacked chart and the table.
    #[serde(with = "usd::map")]
    #[schemars(with = "BTreeMap<String, usd::Usd>")]
    pub on_demand_by_cloud_usd: BTreeMap<String, String>,
    #[serde(with = "usd::map")]
    #[schemars(with = "BTreeMap<String, usd::Usd>")]
    pub on_demand_by_environment_usd: BTreeMap<String, String>,
    /// Variant label → `cloud/environment/resource` → cost: what a budget check names.
    #[serde(with = "usd::nested")]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, usd::Usd>>")]
    pub by_resource_usd: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CommitmentSummary {
    pub resource: String,
    pub cloud: String,
    pub environment: String,
    pub sku: String,
    pub variant: String,
    pub baseline_instances: u32,
    pub break_even_utilisation: f64,
    #[serde(with = "usd::one")]
    #[schemars(with = "usd::Usd")]
    pub yearly_saving_usd: String,
}

/// How many units of one resource line to commit to under one commitment kind, by the
/// break-even rule on the run's usage histogram (`cost::sizing`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SizingSummary {
    pub resource: String,
    pub cloud: String,
    pub environment: String,
    /// The instance type or class one unit is.
    pub sku: String,
    pub term_years: u8,
    /// `AWS RI 1y, standard-ri-no-upfront`, `GCP CUD 3y, resource-cud`.
    pub kind: String,
    /// `buy 3 × m6i.xlarge (AWS RI 1y, standard-ri-no-upfront)`.
    pub recommendation: String,
    /// Units to commit to: those whose share of the run's hours is at least the break-even.
    pub units: u32,
    /// Units that ran every hour of the run (what the committed variants commit).
    pub always_on_units: u32,
    /// Committed rate ÷ on-demand rate.
    pub break_even_utilisation: f64,
    /// Per unit k = 1, 2, …: the share of the run's hours it ran (for GCE families with
    /// sustained-use discounts, its SUD-charged hours), non-increasing.
    pub unit_utilisation: Vec<f64>,
    /// The commitment's effective price of one unit per hour.
    pub committed_usd_per_unit_hour: f64,
    /// What committing `units` saves against on-demand, per 8,760 hours.
    #[serde(with = "usd::one")]
    #[schemars(with = "usd::Usd")]
    pub yearly_saving_usd: String,
}

impl SizingSummary {
    /// The resource as tables name it: `prod node pool aws-general`, `dev t3.large` (fixed
    /// inventories already carry their environment).
    pub fn label(&self) -> String {
        if self.resource.starts_with(&format!("{} ", self.environment)) {
            self.resource.clone()
        } else {
            format!("{} {}", self.environment, self.resource)
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CostSummary {
    pub currency: String,
    pub price_book: String,
    /// Newest and oldest source date of the price rows used: "prices as of".
    pub price_book_date: String,
    pub price_book_oldest: String,
    pub variants: Vec<String>,
    pub months: Vec<CostMonth>,
    /// Variant label → total over the run.
    #[serde(with = "usd::map")]
    #[schemars(with = "BTreeMap<String, usd::Usd>")]
    pub run_totals_usd: BTreeMap<String, String>,
    pub cheapest_overall: String,
    pub commitments: Vec<CommitmentSummary>,
    /// Commitment sizing per resource line and term (`cost::sizing`).
    #[serde(default)]
    pub sizing: Vec<SizingSummary>,
    pub warnings: Vec<String>,
}

impl CostSummary {
    /// The clouds that appear in the on-demand roll-ups, sorted.
    pub fn clouds(&self) -> Vec<&String> {
        let mut clouds: Vec<&String> = self
            .months
            .iter()
            .flat_map(|m| m.on_demand_by_cloud_usd.keys())
            .collect();
        clouds.sort();
        clouds.dedup();
        clouds
    }

    pub fn of(r: &CostReport) -> CostSummary {
        let mut months: Vec<CostMonth> = Vec::new();
        for t in &r.months {
            if months.last().is_none_or(|m| m.month != t.month) {
                months.push(CostMonth {
                    month: t.month.clone(),
                    totals_usd: BTreeMap::new(),
                    cheapest: String::new(),
                    on_demand_by_cloud_usd: BTreeMap::new(),
                    on_demand_by_environment_usd: BTreeMap::new(),
                    by_resource_usd: BTreeMap::new(),
                });
            }
            let m = months
                .last_mut()
                .unwrap_or_else(|| unreachable!("pushed above"));
            m.totals_usd
                .insert(t.variant.label().to_string(), t.total.to_decimal_string());
            m.by_resource_usd.insert(
                t.variant.label().to_string(),
                t.by_resource
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_decimal_string()))
                    .collect(),
            );
            if t.variant == Variant::OnDemand {
                m.on_demand_by_cloud_usd = t
                    .by_cloud
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_decimal_string()))
                    .collect();
                m.on_demand_by_environment_usd = t
                    .by_environment
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_decimal_string()))
                    .collect();
            }
        }
        for (label, v) in &r.cheapest_per_month {
            if let Some(m) = months.iter_mut().find(|m| &m.month == label) {
                m.cheapest = v.label().to_string();
            }
        }
        CostSummary {
            currency: "USD".into(),
            price_book: r.price_book.clone(),
            price_book_date: r.price_book_newest.to_string(),
            price_book_oldest: r.price_book_oldest.to_string(),
            variants: Variant::ALL.iter().map(|v| v.label().to_string()).collect(),
            months,
            run_totals_usd: r
                .year_totals
                .iter()
                .map(|(v, m)| (v.label().to_string(), m.to_decimal_string()))
                .collect(),
            cheapest_overall: r.cheapest_overall.label().to_string(),
            commitments: r
                .commitments
                .iter()
                .map(|c| CommitmentSummary {
                    resource: c.resource.clone(),
                    cloud: c.cloud.clone(),
                    environment: c.environment.clone(),
                    sku: c.sku.clone(),
                    variant: c.variant.label().to_string(),
                    baseline_instances: c.baseline_instances,
                    break_even_utilisation: super::round6(c.break_even_utilisation),
                    yearly_saving_usd: c.yearly_saving.to_decimal_string(),
                })
                .collect(),
            sizing: r
                .sizing
                .iter()
                .map(|z| SizingSummary {
                    resource: z.resource.clone(),
                    cloud: z.cloud.clone(),
                    environment: z.environment.clone(),
                    sku: z.sku.clone(),
                    term_years: z.term_years,
                    kind: z.kind.clone(),
                    recommendation: z.recommendation(),
                    units: z.units,
                    always_on_units: z.always_on_units,
                    break_even_utilisation: super::round6(z.break_even_utilisation),
                    unit_utilisation: z
                        .unit_utilisation
                        .iter()
                        .map(|u| super::round6(*u))
                        .collect(),
                    committed_usd_per_unit_hour: z.committed_rate.as_dollars_f64(),
                    yearly_saving_usd: z.yearly_saving.to_decimal_string(),
                })
                .collect(),
            warnings: r.warnings.clone(),
        }
    }
}

/// The columns of `cost_monthly.csv`: one row per priced usage line and service, every
/// purchase variant in its own column (`<variant>_usd`, the variant's label with `_` for `-`).
pub fn monthly_header() -> Vec<String> {
    let mut h: Vec<String> = [
        "month",
        "partial_month",
        "hours_in_month",
        "provider",
        "cloud",
        "region",
        "environment",
        "service",
        "class",
        "resource",
        "sku",
        "quantity",
        "unit",
        "share",
    ]
    .map(str::to_string)
    .to_vec();
    h.extend(Variant::ALL.map(variant_column));
    h.push("price_row".into());
    h
}

/// `on-demand` → `on_demand_usd`.
pub fn variant_column(v: Variant) -> String {
    format!("{}_usd", v.label().replace('-', "_"))
}

/// `cost_monthly.csv`: every priced usage line split over the services it is allocated to
/// (`cost::allocation`), a column per variant. Summing a variant's column gives the run's total
/// under that variant exactly; no line repeats per variant.
pub fn monthly_csv(r: &CostReport) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let records = std::iter::once(monthly_header()).chain(r.rows.iter().map(|l| {
        let mut rec = vec![
            l.month.clone(),
            l.partial_month.to_string(),
            format!("{:.3}", l.hours_in_month),
            l.provider.clone(),
            l.cloud.clone(),
            l.region.clone(),
            l.environment.clone(),
            l.service.clone(),
            l.class.label().to_string(),
            l.resource.clone(),
            l.sku.clone(),
            super::csv::fixed(l.quantity, 6),
            l.unit.clone(),
            super::csv::fixed(l.share, 6),
        ];
        rec.extend(l.costs.iter().map(|c| c.to_decimal_string()));
        rec.push(l.price_row.clone());
        rec
    }));
    for rec in records {
        w.write_record(&rec)
            .expect("writing a CSV record to memory cannot fail");
    }
    w.into_inner()
        .expect("flushing a CSV writer into memory cannot fail")
}
