//! Usage × price book × purchase variant → [`CostReport`]. Pure and deterministic: the same
//! usage, book and date give the same report, byte for byte.
//!
//! Every usage line is looked up once in the [`PriceBook`] (an unknown SKU, a missing region or
//! a unit mismatch stops here with the book's own error) and then priced under all six
//! [`Variant`]s:
//!
//! | variant | compute (`Compute`) | managed instances (`ManagedInstance`) | everything else |
//! |---|---|---|---|
//! | `on-demand` | on-demand, GCP SUD on eligible GCE families | on-demand | on-demand |
//! | `spot` | spot where `spot_eligible` (on-demand + SUD otherwise) | on-demand | on-demand |
//! | `committed-1y` / `-3y` | baseline committed, burst on-demand (+ SUD) | baseline reserved, burst on-demand | on-demand |
//! | `committed-1y-spot` / `-3y-spot` | baseline committed, burst on spot where eligible | as above | on-demand |
//!
//! Storage, egress, logs, network, control-plane and CDN lines are never discounted: they carry
//! the same cost in every variant.
//!
//! **Baseline rule.** Per resource line (same cloud, environment, resource, provider, region and
//! SKU), the baseline `b` is the largest instance count that ran in every hour of every month of
//! the run: `b = max k` such that `level_hours[k-1] ≥ month.hours − 1e-6` in every month (a month
//! without the line counts as 0). A commitment is billed for every hour of every month whether
//! used or not (`b × month.hours` at the committed rate); the rest of the quantity is the burst.
//!
//! **Sustained-use discount (SUD).** Computed per inferred instance: instance `k` ran
//! `level_hours[k-1]` hours. Each quarter of the *calendar* month is charged at a falling share
//! of the base rate (see [`SUD_TIERS_20`], [`SUD_TIERS_30`]); the difference to the full on-demand
//! price is a separate negative `SUD` line (never folded into the on-demand line). Usage covered
//! by a commitment or running on spot gets no SUD.
//!
//! **Money.** Each line's cost is `Money::from_quantity(quantity, unit_price)` (rounded half-even
//! once per line); every total is an integer sum of line costs.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::cost::money::{Money, UnitPrice};
use crate::cost::pricebook::{PriceBook, PriceRow};
use crate::cost::usage::{CostClass, Month, Usage, UsageLine};
use crate::error::{Error, Problem};

/// Hours within which two hour counts are equal (level hours come from integer-millisecond
/// simulated time divided into hours).
const HOURS_EPS: f64 = 1e-6;

/// Hours in a year, for [`Commitment::yearly_saving`].
const HOURS_PER_YEAR: f64 = 8760.0;

/// GCP SUD for N2, N2D and C2 (at most 20 % a month): share of the base rate charged for the
/// usage in each quarter of the month (0–25 %, 25–50 %, 50–75 %, 75–100 %). Google Cloud,
/// "Sustained use discounts" (cloud.google.com/compute/docs/sustained-use-discounts), as encoded
/// by Infracost (`internal/resources/google/compute_cost_component_helpers.go`, PR #2577): a
/// whole month costs (1 + 0.8678 + 0.733 + 0.6) / 4 = 80.02 % of on-demand, i.e. 19.98 % off.
pub const SUD_TIERS_20: [f64; 4] = [1.0, 0.8678, 0.733, 0.6];

/// GCP SUD for N1, M1, M2, f1-micro and g1-small (at most 30 % a month): 100 %, 80 %, 60 %, 40 %
/// of the base rate per quarter of the month (same sources). Google's own example: 50 % of the
/// month → 10 % off, 75 % → 20 %, 100 % → 30 %.
pub const SUD_TIERS_30: [f64; 4] = [1.0, 0.8, 0.6, 0.4];

/// A way of buying the same capacity. All six are computed in one [`price`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// Every line at the on-demand price (GCP SUD applied where Google applies it).
    #[serde(rename = "on-demand")]
    OnDemand,
    /// Spot-eligible compute pools on spot; everything else as `on-demand`.
    #[serde(rename = "spot")]
    Spot,
    /// 1-year reserved instances / CUDs for the baseline, the burst on-demand.
    #[serde(rename = "committed-1y")]
    Committed1y,
    /// 3-year reserved instances / CUDs for the baseline, the burst on-demand.
    #[serde(rename = "committed-3y")]
    Committed3y,
    /// 1-year commitments for the baseline, the burst on spot where the pool may run on spot.
    #[serde(rename = "committed-1y-spot")]
    Committed1ySpot,
    /// 3-year commitments for the baseline, the burst on spot where the pool may run on spot.
    #[serde(rename = "committed-3y-spot")]
    Committed3ySpot,
}

impl Variant {
    /// All variants, in report order.
    pub const ALL: [Variant; 6] = [
        Variant::OnDemand,
        Variant::Spot,
        Variant::Committed1y,
        Variant::Committed3y,
        Variant::Committed1ySpot,
        Variant::Committed3ySpot,
    ];

    /// The name users read and type: `on-demand`, `spot`, `committed-1y`, `committed-3y`,
    /// `committed-1y-spot`, `committed-3y-spot` (also the serde name).
    pub fn label(self) -> &'static str {
        match self {
            Variant::OnDemand => "on-demand",
            Variant::Spot => "spot",
            Variant::Committed1y => "committed-1y",
            Variant::Committed3y => "committed-3y",
            Variant::Committed1ySpot => "committed-1y-spot",
            Variant::Committed3ySpot => "committed-3y-spot",
        }
    }

    /// Parses a [`label`](Self::label).
    pub fn from_label(label: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.label() == label)
    }

    /// Commitment term in years, for the committed variants.
    pub fn term_years(self) -> Option<u8> {
        match self {
            Variant::Committed1y | Variant::Committed1ySpot => Some(1),
            Variant::Committed3y | Variant::Committed3ySpot => Some(3),
            Variant::OnDemand | Variant::Spot => None,
        }
    }

    /// Whether spot-eligible compute runs on spot (the whole pool, or the burst above a
    /// commitment).
    pub fn uses_spot(self) -> bool {
        matches!(
            self,
            Variant::Spot | Variant::Committed1ySpot | Variant::Committed3ySpot
        )
    }

    /// The variant a commitment's saving is measured against: the same purchase without the
    /// commitment (`on-demand` for `committed-*`, `spot` for `committed-*-spot`).
    pub fn without_commitment(self) -> Variant {
        if self.uses_spot() {
            Variant::Spot
        } else {
            Variant::OnDemand
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One priced part of one usage line under one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    /// `YYYY-MM`.
    pub month: String,
    pub cloud: String,
    pub environment: String,
    pub resource: String,
    pub variant: Variant,
    /// What this part is: `on-demand`, `spot`, `committed 1y`, `committed 3y`,
    /// `burst on-demand`, `burst spot`, or `SUD`. The sustained-use discount is its own line with
    /// a negative quantity (instance-hours' worth of discount) at the on-demand unit price, so
    /// its cost is negative; it is never folded into the on-demand line.
    pub line: String,
    pub sku: String,
    pub quantity: f64,
    pub unit: String,
    pub unit_price: UnitPrice,
    /// `Money::from_quantity(quantity, unit_price)`.
    pub cost: Money,
    /// The price-book row: `data/prices/seoul-2026.csv:17`.
    pub price_row: String,
    #[serde(with = "cost_class_serde")]
    pub class: CostClass,
}

/// One month's total under one variant, with three roll-ups of the same lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthTotal {
    pub month: String,
    pub variant: Variant,
    pub total: Money,
    /// Keyed by cloud (`aws`, `gcp`).
    pub by_cloud: BTreeMap<String, Money>,
    /// Keyed by environment (`prod`, `dev`, ...).
    pub by_environment: BTreeMap<String, Money>,
    /// Keyed by `cloud/environment/resource` (`aws/prod/node pool aws-general`), so equal
    /// resource names in different clouds or environments stay apart.
    pub by_resource: BTreeMap<String, Money>,
}

/// What a commitment of one resource line would be under one committed variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    pub cloud: String,
    pub environment: String,
    pub resource: String,
    pub sku: String,
    pub variant: Variant,
    /// Instances that ran every hour of every month of the run (the baseline rule); 0 means
    /// nothing is committed.
    pub baseline_instances: u32,
    /// Committed rate / on-demand rate: the share of hours an instance must run for the
    /// commitment to pay off.
    pub break_even_utilisation: f64,
    /// (cost of this resource under [`Variant::without_commitment`] − its cost under this
    /// variant) over the run, scaled to 8,760 hours. Negative when committing costs more (e.g.
    /// against spot).
    pub yearly_saving: Money,
}

/// Everything [`price`] computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// Ordered by month, cloud, environment, resource, variant, then usage order and part.
    pub lines: Vec<CostLine>,
    /// Ordered by month, then variant.
    pub months: Vec<MonthTotal>,
    /// Per variant, the total over all months of the run.
    pub year_totals: BTreeMap<Variant, Money>,
    /// Per month, the cheapest variant (ties go to the earlier one in [`Variant::ALL`]).
    pub cheapest_per_month: Vec<(String, Variant)>,
    /// The variant with the lowest total over the run (same tie rule).
    pub cheapest_overall: Variant,
    /// Per discountable resource line with a committed price, per committed variant.
    pub commitments: Vec<Commitment>,
    /// The price book's file, as loaded.
    pub price_book: String,
    /// Newest and oldest `source_date` of the rows this usage used (of the whole book when no
    /// row was used).
    pub price_book_newest: Date,
    pub price_book_oldest: Date,
    /// Rows used that are older than 12 months on the pricing date, or estimates:
    /// `rds primary: db.r6g.xlarge (data/...:12) is an estimate`; spot-eligible pools without a
    /// spot price; lines whose `level_hours` had to be inferred or do not add up.
    pub warnings: Vec<String>,
}

/// Prices `usage` with `book` under every [`Variant`]. `on` is the pricing date, used only to
/// flag stale rows.
///
/// Errors: whatever [`PriceBook::lookup`] returns for a line (unknown SKU, missing region, unit
/// mismatch — each names the SKU and the file), or a usage line pointing at a month the usage
/// does not have.
pub fn price(usage: &Usage, book: &PriceBook, on: Date) -> crate::Result<CostReport> {
    let n_months = usage.months.len();
    let mut rows: Vec<&PriceRow> = Vec::with_capacity(usage.lines.len());
    for (i, l) in usage.lines.iter().enumerate() {
        if l.month >= n_months {
            return Err(Error::invalid(Problem::new(
                "usage",
                format!("lines[{i}].month"),
                format!(
                    "{}: month index {} but the run has {n_months} month(s)",
                    l.resource, l.month
                ),
                "this is a bug in the usage roll-up; please report it",
            )));
        }
        rows.push(book.lookup(&l.provider, &l.region, &l.sku, &l.unit)?);
    }

    let mut warnings = BTreeSet::new();
    let levels: Vec<Vec<f64>> = usage
        .lines
        .iter()
        .map(|l| line_levels(l, &usage.months[l.month], &mut warnings))
        .collect();
    let baselines = allocate_baselines(usage, &levels);

    let file = book.file().to_string();
    let mut lines: Vec<(usize, CostLine)> = Vec::new();
    for (i, l) in usage.lines.iter().enumerate() {
        let ctx = LineCtx {
            line: l,
            row: rows[i],
            month: &usage.months[l.month],
            levels: &levels[i],
            baseline: baselines[i],
            price_row: format!("{file}:{}", rows[i].line),
        };
        if l.class == CostClass::Compute && l.spot_eligible && rows[i].spot.is_none() {
            warnings.insert(format!(
                "{}: {} ({}) has no spot price; the spot variants price it on-demand",
                l.resource, l.sku, ctx.price_row
            ));
        }
        for variant in Variant::ALL {
            for cl in ctx.price(variant) {
                lines.push((i, cl));
            }
        }
    }
    // Stable: parts of one line keep their order, lines of equal keys keep usage order.
    lines.sort_by(|(ia, a), (ib, b)| {
        let (la, lb) = (&usage.lines[*ia], &usage.lines[*ib]);
        (la.month, &a.cloud, &a.environment, &a.resource, a.variant, *ia).cmp(&(
            lb.month,
            &b.cloud,
            &b.environment,
            &b.resource,
            b.variant,
            *ib,
        ))
    });

    let months = month_totals(usage, &lines);
    let mut year_totals: BTreeMap<Variant, Money> = BTreeMap::new();
    for v in Variant::ALL {
        year_totals.insert(v, months.iter().filter(|m| m.variant == v).map(|m| m.total).sum());
    }
    let cheapest_per_month = usage
        .months
        .iter()
        .map(|m| {
            let best = cheapest(
                months
                    .iter()
                    .filter(|t| t.month == m.label)
                    .map(|t| (t.variant, t.total)),
            );
            (m.label.clone(), best)
        })
        .collect();
    let cheapest_overall = cheapest(year_totals.iter().map(|(v, t)| (*v, *t)));

    let commitments = commitments(usage, &rows, &levels, &lines);

    for (i, row) in rows.iter().enumerate() {
        let l = &usage.lines[i];
        let at = format!("{file}:{}", row.line);
        if row.is_estimate() {
            warnings.insert(format!("{}: {} ({at}) is an estimate", l.resource, row.sku));
        }
        if row.is_stale(on) {
            warnings.insert(format!(
                "{}: {} ({at}) is dated {}, more than 12 months before {on}",
                l.resource, row.sku, row.source_date
            ));
        }
    }

    let dates: Vec<Date> = if rows.is_empty() {
        book.rows().iter().map(|r| r.source_date).collect()
    } else {
        rows.iter().map(|r| r.source_date).collect()
    };
    let price_book_newest = dates.iter().copied().max().unwrap_or(on);
    let price_book_oldest = dates.iter().copied().min().unwrap_or(on);

    Ok(CostReport {
        lines: lines.into_iter().map(|(_, l)| l).collect(),
        months,
        year_totals,
        cheapest_per_month,
        cheapest_overall,
        commitments,
        price_book: file,
        price_book_newest,
        price_book_oldest,
        warnings: warnings.into_iter().collect(),
    })
}

/// Whether commitments (and, for compute, spot and SUD) may touch a line of this class.
pub fn is_discountable(class: CostClass) -> bool {
    matches!(class, CostClass::Compute | CostClass::ManagedInstance)
}

/// The SUD tiers for a GCE machine type, from the family before the first `-` of the SKU
/// (`n2-standard-4` → N2). `None` for families without SUD (E2, C3, C3D, C2D, N4, T2D, G2, A2,
/// ...).
pub fn sud_tiers(sku: &str) -> Option<&'static [f64; 4]> {
    let family = sku
        .trim()
        .split(['-', ' '])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match family.as_str() {
        "n2" | "n2d" | "c2" => Some(&SUD_TIERS_20),
        "n1" | "m1" | "m2" | "f1" | "g1" | "custom" => Some(&SUD_TIERS_30),
        _ => None,
    }
}

/// Instance-hours' worth of discount that SUD gives one instance running `hours` of a calendar
/// month of `month_hours`: `hours − Σ tier share × hours in that quarter`.
pub fn sud_discount_hours(hours: f64, month_hours: f64, tiers: &[f64; 4]) -> f64 {
    if hours <= 0.0 || month_hours <= 0.0 {
        return 0.0;
    }
    let h = hours.min(month_hours);
    let quarter = month_hours / 4.0;
    let mut charged = 0.0;
    for (q, share) in tiers.iter().enumerate() {
        let start = quarter * q as f64;
        let in_tier = (h - start).clamp(0.0, quarter);
        charged += in_tier * share;
    }
    h - charged
}

/// Hours of the calendar month `YYYY-MM` (SUD tiers are quarters of the billing month, not of
/// the part of it the run covers). Falls back to the run's hours when the label does not parse.
fn calendar_month_hours(month: &Month) -> f64 {
    let parsed = month
        .label
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i16>().ok()?, m.parse::<i8>().ok()?)))
        .and_then(|(y, m)| Date::new(y, m, 1).ok());
    match parsed {
        Some(d) => f64::from(d.days_in_month()) * 24.0,
        None => month.hours,
    }
}

/// `level_hours` of an instance-hour line of a discountable class, or — when the line has none —
/// the tightest packing of its quantity (`⌊q / h⌋` full-month instances and one partial), with a
/// warning. Other lines get no levels (no SUD, no commitment).
fn line_levels(l: &UsageLine, month: &Month, warnings: &mut BTreeSet<String>) -> Vec<f64> {
    if !is_discountable(l.class) {
        return Vec::new();
    }
    if !l.level_hours.is_empty() {
        let sum: f64 = l.level_hours.iter().sum();
        if (sum - l.quantity).abs() > HOURS_EPS * l.quantity.abs().max(1.0) {
            warnings.insert(format!(
                "{}: level_hours add up to {sum} h but the quantity is {} h in {}; \
                 commitments and SUD follow level_hours",
                l.resource, l.quantity, month.label
            ));
        }
        return l.level_hours.clone();
    }
    if l.quantity <= HOURS_EPS || month.hours <= 0.0 {
        return Vec::new();
    }
    warnings.insert(format!(
        "{}: no level_hours; assumed steady instances (quantity packed into full months)",
        l.resource
    ));
    let full = ((l.quantity + HOURS_EPS) / month.hours).floor();
    let mut out = vec![month.hours; full as usize];
    let rest = l.quantity - full * month.hours;
    if rest > HOURS_EPS {
        out.push(rest);
    }
    out
}

/// Instances of a line that ran every hour of its month.
fn full_instances(levels: &[f64], month_hours: f64) -> u32 {
    levels
        .iter()
        .take_while(|h| **h >= month_hours - HOURS_EPS)
        .count() as u32
}

/// The resource-line key commitments are decided per.
type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

fn key(l: &UsageLine) -> Key<'_> {
    (
        &l.cloud,
        &l.environment,
        &l.resource,
        &l.provider,
        &l.region,
        &l.sku,
    )
}

/// Per resource line, the baseline (min over all months of the instances that ran every hour);
/// then per usage line, its share of it (in usage order, when a month has several lines of one
/// key).
fn key_baselines<'a>(usage: &'a Usage, levels: &[Vec<f64>]) -> BTreeMap<Key<'a>, u32> {
    let mut per_month: BTreeMap<Key<'a>, Vec<u32>> = BTreeMap::new();
    for (i, l) in usage.lines.iter().enumerate() {
        if !is_discountable(l.class) {
            continue;
        }
        let counts = per_month
            .entry(key(l))
            .or_insert_with(|| vec![0; usage.months.len()]);
        counts[l.month] += full_instances(&levels[i], usage.months[l.month].hours);
    }
    per_month
        .into_iter()
        .map(|(k, counts)| (k, counts.into_iter().min().unwrap_or(0)))
        .collect()
}

fn allocate_baselines(usage: &Usage, levels: &[Vec<f64>]) -> Vec<u32> {
    let by_key = key_baselines(usage, levels);
    let mut left: BTreeMap<(Key<'_>, usize), u32> = BTreeMap::new();
    usage
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let Some(b) = by_key.get(&key(l)) else {
                return 0;
            };
            let remaining = left.entry((key(l), l.month)).or_insert(*b);
            let take = (*remaining).min(full_instances(&levels[i], usage.months[l.month].hours));
            *remaining -= take;
            take
        })
        .collect()
}

/// One usage line with what pricing it needs.
struct LineCtx<'a> {
    line: &'a UsageLine,
    row: &'a PriceRow,
    month: &'a Month,
    levels: &'a [f64],
    baseline: u32,
    price_row: String,
}

impl LineCtx<'_> {
    fn part(
        &self,
        variant: Variant,
        what: &str,
        quantity: f64,
        unit_price: UnitPrice,
    ) -> CostLine {
        let l = self.line;
        CostLine {
            month: self.month.label.clone(),
            cloud: l.cloud.clone(),
            environment: l.environment.clone(),
            resource: l.resource.clone(),
            variant,
            line: what.to_string(),
            sku: l.sku.clone(),
            quantity,
            unit: l.unit.clone(),
            unit_price,
            cost: Money::from_quantity(quantity, unit_price),
            price_row: self.price_row.clone(),
            class: l.class,
        }
    }

    fn commit_price(&self, variant: Variant) -> Option<UnitPrice> {
        if !is_discountable(self.line.class) {
            return None;
        }
        match variant.term_years()? {
            1 => self.row.reserved_1y,
            _ => self.row.reserved_3y,
        }
    }

    /// SUD tiers when this line's on-demand usage earns SUD.
    fn sud(&self) -> Option<&'static [f64; 4]> {
        if self.line.class == CostClass::Compute && self.line.provider.eq_ignore_ascii_case("gcp")
        {
            sud_tiers(&self.line.sku)
        } else {
            None
        }
    }

    fn price(&self, variant: Variant) -> Vec<CostLine> {
        let l = self.line;
        let row = self.row;
        let mut out = Vec::new();
        if !is_discountable(l.class) {
            out.push(self.part(variant, "on-demand", l.quantity, row.on_demand));
            return out;
        }

        let commit = self.commit_price(variant);
        let b = if commit.is_some() { self.baseline } else { 0 };
        let term = variant.term_years().unwrap_or(0);
        if let Some(rate) = commit
            && b > 0
        {
            let q = f64::from(b) * self.month.hours;
            out.push(self.part(variant, &format!("committed {term}y"), q, rate));
        }
        let burst_levels = &self.levels[(b as usize).min(self.levels.len())..];
        let burst_q = if b > 0 {
            (l.quantity - f64::from(b) * self.month.hours).max(0.0)
        } else {
            l.quantity
        };
        if b > 0 && burst_q <= HOURS_EPS {
            return out;
        }
        let prefix = if b > 0 { "burst " } else { "" };

        let spot = match row.spot {
            Some(p) if variant.uses_spot() && l.class == CostClass::Compute && l.spot_eligible => {
                Some(p)
            }
            _ => None,
        };
        if let Some(p) = spot {
            out.push(self.part(variant, &format!("{prefix}spot"), burst_q, p));
            return out;
        }
        out.push(self.part(variant, &format!("{prefix}on-demand"), burst_q, row.on_demand));
        if let Some(tiers) = self.sud() {
            let h = calendar_month_hours(self.month);
            let d: f64 = burst_levels
                .iter()
                .map(|k| sud_discount_hours(*k, h, tiers))
                .sum();
            if d > 0.0 {
                out.push(self.part(variant, "SUD", -d, row.on_demand));
            }
        }
        out
    }
}

fn month_totals(usage: &Usage, lines: &[(usize, CostLine)]) -> Vec<MonthTotal> {
    let mut out = Vec::with_capacity(usage.months.len() * Variant::ALL.len());
    for (mi, m) in usage.months.iter().enumerate() {
        for v in Variant::ALL {
            let mut t = MonthTotal {
                month: m.label.clone(),
                variant: v,
                total: Money::default(),
                by_cloud: BTreeMap::new(),
                by_environment: BTreeMap::new(),
                by_resource: BTreeMap::new(),
            };
            for (i, cl) in lines {
                if usage.lines[*i].month != mi || cl.variant != v {
                    continue;
                }
                t.total = t.total + cl.cost;
                add(&mut t.by_cloud, &cl.cloud, cl.cost);
                add(&mut t.by_environment, &cl.environment, cl.cost);
                add(
                    &mut t.by_resource,
                    &format!("{}/{}/{}", cl.cloud, cl.environment, cl.resource),
                    cl.cost,
                );
            }
            out.push(t);
        }
    }
    out
}

fn add(map: &mut BTreeMap<String, Money>, k: &str, m: Money) {
    let e = map.entry(k.to_string()).or_default();
    *e = *e + m;
}

fn cheapest(totals: impl Iterator<Item = (Variant, Money)>) -> Variant {
    let mut best: Option<(Variant, Money)> = None;
    for (v, t) in totals {
        match best {
            Some((_, bt)) if bt <= t => {}
            _ => best = Some((v, t)),
        }
    }
    best.map_or(Variant::OnDemand, |(v, _)| v)
}

fn commitments(
    usage: &Usage,
    rows: &[&PriceRow],
    levels: &[Vec<f64>],
    lines: &[(usize, CostLine)],
) -> Vec<Commitment> {
    let baselines = key_baselines(usage, levels);
    let run_hours: f64 = usage.months.iter().map(|m| m.hours).sum();
    // First usage line of each key, for its row.
    let mut first: BTreeMap<Key<'_>, usize> = BTreeMap::new();
    for (i, l) in usage.lines.iter().enumerate() {
        if is_discountable(l.class) {
            first.entry(key(l)).or_insert(i);
        }
    }
    let mut out = Vec::new();
    for (k, i) in &first {
        let l = &usage.lines[*i];
        let row = rows[*i];
        for v in Variant::ALL {
            let rate = match v.term_years() {
                Some(1) => row.reserved_1y,
                Some(_) => row.reserved_3y,
                None => None,
            };
            let Some(rate) = rate else { continue };
            let cost_under = |variant: Variant| -> Money {
                lines
                    .iter()
                    .filter(|(j, cl)| cl.variant == variant && key(&usage.lines[*j]) == *k)
                    .map(|(_, cl)| cl.cost)
                    .sum()
            };
            let saving = cost_under(v.without_commitment()) - cost_under(v);
            let yearly_saving = if run_hours > 0.0 {
                saving.scale(HOURS_PER_YEAR / run_hours)
            } else {
                Money::default()
            };
            let od = row.on_demand.nanos();
            out.push(Commitment {
                cloud: l.cloud.clone(),
                environment: l.environment.clone(),
                resource: l.resource.clone(),
                sku: l.sku.clone(),
                variant: v,
                baseline_instances: baselines.get(k).copied().unwrap_or(0),
                break_even_utilisation: if od > 0 {
                    rate.nanos() as f64 / od as f64
                } else {
                    0.0
                },
                yearly_saving,
            });
        }
    }
    out
}

/// `CostClass` is a plain data enum in `usage` (no serde there); reports spell it in kebab-case.
mod cost_class_serde {
    use super::CostClass;
    use serde::{Deserialize, Deserializer, Serializer};

    const NAMES: [(CostClass, &str); 8] = [
        (CostClass::Compute, "compute"),
        (CostClass::ManagedInstance, "managed-instance"),
        (CostClass::ControlPlane, "control-plane"),
        (CostClass::Storage, "storage"),
        (CostClass::Egress, "egress"),
        (CostClass::Logs, "logs"),
        (CostClass::Network, "network"),
        (CostClass::Cdn, "cdn"),
    ];

    pub fn name(c: CostClass) -> &'static str {
        NAMES
            .iter()
            .find(|(k, _)| *k == c)
            .map_or("compute", |(_, n)| n)
    }

    pub fn serialize<S: Serializer>(c: &CostClass, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name(*c))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CostClass, D::Error> {
        let s = String::deserialize(d)?;
        NAMES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(c, _)| *c)
            .ok_or_else(|| {
                serde::de::Error::unknown_variant(&s, &NAMES.map(|(_, n)| n))
            })
    }
}

/// The report name of a cost class: `compute`, `managed-instance`, `control-plane`, `storage`,
/// `egress`, `logs`, `network`, `cdn`.
pub fn class_name(c: CostClass) -> &'static str {
    cost_class_serde::name(c)
}
