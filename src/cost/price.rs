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
pub(crate) const HOURS_PER_YEAR: f64 = 8760.0;

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

pub use crate::billing::Variant;

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
    /// Index of the usage line this part prices (into `Usage::lines`): the parts of one usage
    /// line under one variant add up to that line's cost. Meaningful only beside that usage,
    /// so not serialized.
    #[serde(skip)]
    pub usage_line: usize,
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
    /// Per instance-hour resource line with a committed price, per term: how many units the
    /// break-even rule would commit to (`cost::sizing`).
    #[serde(default)]
    pub sizing: Vec<crate::cost::sizing::Sizing>,
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
    /// The usage lines allocated to services, every variant side by side
    /// (`cost::allocation::rows`; filled by `cost::cost_of`, empty from [`price`] alone).
    #[serde(skip)]
    pub rows: Vec<crate::cost::allocation::CostRow>,
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
    let key_baselines = key_baselines(usage, &levels);
    let baselines = allocate_baselines(usage, &levels, &key_baselines);
    let labels: Vec<String> = usage.months.iter().map(Month::label).collect();

    let file = book.file().to_string();
    let mut lines: Vec<(usize, CostLine)> = Vec::new();
    for (i, l) in usage.lines.iter().enumerate() {
        let ctx = LineCtx {
            line: l,
            row: rows[i],
            month: &usage.months[l.month],
            label: &labels[l.month],
            levels: &levels[i],
            baseline: baselines[i],
            price_row: format!("{file}:{}", rows[i].line),
            index: i,
            overflow: std::cell::Cell::new(false),
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
        if ctx.overflow.get() {
            return Err(too_costly(Some(l)));
        }
    }
    // Every total below (months, clouds, savings) is a sum of some of these lines: when their
    // magnitudes sum to a quarter of the range, no total or difference of totals can overflow.
    let magnitude: i128 = lines
        .iter()
        .map(|(_, cl)| i128::from(cl.cost.micros()).abs())
        .sum();
    if magnitude > i128::from(i64::MAX / 4) {
        return Err(too_costly(usage.lines.first()));
    }
    // Stable: parts of one line keep their order, lines of equal keys keep usage order.
    lines.sort_by(|(ia, a), (ib, b)| {
        let (la, lb) = (&usage.lines[*ia], &usage.lines[*ib]);
        (
            la.month,
            &a.cloud,
            &a.environment,
            &a.resource,
            a.variant,
            *ia,
        )
            .cmp(&(
                lb.month,
                &b.cloud,
                &b.environment,
                &b.resource,
                b.variant,
                *ib,
            ))
    });

    let months = month_totals(usage, &labels, &lines);
    let mut year_totals: BTreeMap<Variant, Money> = BTreeMap::new();
    for v in Variant::ALL {
        year_totals.insert(
            v,
            months
                .iter()
                .filter(|m| m.variant == v)
                .map(|m| m.total)
                .sum(),
        );
    }
    let cheapest_per_month = months
        .chunks(Variant::ALL.len())
        .map(|m| {
            (
                m[0].month.clone(),
                cheapest(m.iter().map(|t| (t.variant, t.total))),
            )
        })
        .collect();
    let cheapest_overall = cheapest(year_totals.iter().map(|(v, t)| (*v, *t)));

    let commitments = commitments(usage, &rows, &key_baselines, &lines)
        .ok_or_else(|| too_costly(usage.lines.first()))?;
    let sizing = crate::cost::sizing::size(usage, &rows, &levels, &key_baselines)
        .ok_or_else(|| too_costly(usage.lines.first()))?;

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

    let price_book_newest = rows
        .iter()
        .map(|r| r.source_date)
        .max()
        .unwrap_or_else(|| book.newest_date());
    let price_book_oldest = rows
        .iter()
        .map(|r| r.source_date)
        .min()
        .unwrap_or_else(|| book.oldest_date());

    Ok(CostReport {
        lines: lines.into_iter().map(|(_, l)| l).collect(),
        months,
        year_totals,
        cheapest_per_month,
        cheapest_overall,
        commitments,
        sizing,
        price_book: file,
        price_book_newest,
        price_book_oldest,
        warnings: warnings.into_iter().collect(),
        rows: Vec::new(),
    })
}

/// The error for a run whose cost does not fit in exact money (beyond ±$2.3 trillion over the
/// run): an input far outside any real plan. `cost::cost_of` names the scenario file.
fn too_costly(l: Option<&UsageLine>) -> Error {
    let at = l
        .map(|l| {
            format!(
                " (first at {}: {} {} of {})",
                l.resource, l.quantity, l.unit, l.sku
            )
        })
        .unwrap_or_default();
    Error::invalid(Problem::new(
        USAGE_FILE,
        "spec.traffic",
        format!("the run's cost is too large to price exactly{at}"),
        "lower the traffic (dau, pageViewsPerDauPerDay, requestsPerPageView, replayed values) \
         or the counts in spec.cost; capsim prices up to about $2 trillion",
    ))
}

/// The file name a pricing problem carries until `cost::cost_of` replaces it with the scenario's.
pub const USAGE_FILE: &str = "usage";

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

/// SUD tiers when a line's on-demand usage earns SUD: GCE compute of an SUD family.
pub fn line_sud(l: &UsageLine) -> Option<&'static [f64; 4]> {
    if l.class == CostClass::Compute && l.provider.eq_ignore_ascii_case("gcp") {
        sud_tiers(&l.sku)
    } else {
        None
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
                l.resource,
                l.quantity,
                month.label()
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
pub(crate) type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

pub(crate) fn key(l: &UsageLine) -> Key<'_> {
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

fn allocate_baselines(
    usage: &Usage,
    levels: &[Vec<f64>],
    by_key: &BTreeMap<Key<'_>, u32>,
) -> Vec<u32> {
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
    /// The month's `YYYY-MM`.
    label: &'a str,
    levels: &'a [f64],
    baseline: u32,
    price_row: String,
    /// Index of `line` in the usage.
    index: usize,
    /// Set when a part's cost does not fit in [`Money`]; [`price`] then fails.
    overflow: std::cell::Cell<bool>,
}

impl LineCtx<'_> {
    fn part(&self, variant: Variant, what: &str, quantity: f64, unit_price: UnitPrice) -> CostLine {
        let l = self.line;
        CostLine {
            month: self.label.to_string(),
            cloud: l.cloud.clone(),
            environment: l.environment.clone(),
            resource: l.resource.clone(),
            variant,
            line: what.to_string(),
            sku: l.sku.clone(),
            quantity,
            unit: l.unit.clone(),
            unit_price,
            cost: Money::checked_from_quantity(quantity, unit_price).unwrap_or_else(|| {
                self.overflow.set(true);
                Money::ZERO
            }),
            price_row: self.price_row.clone(),
            class: l.class,
            usage_line: self.index,
        }
    }

    fn commit_price(&self, variant: Variant) -> Option<UnitPrice> {
        if !is_discountable(self.line.class) {
            return None;
        }
        committed_rate(self.row, variant)
    }

    /// SUD tiers when this line's on-demand usage earns SUD.
    fn sud(&self) -> Option<&'static [f64; 4]> {
        line_sud(self.line)
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
        out.push(self.part(
            variant,
            &format!("{prefix}on-demand"),
            burst_q,
            row.on_demand,
        ));
        if let Some(tiers) = self.sud() {
            let h = self.month.calendar_hours();
            let d: f64 = burst_levels
                .iter()
                .map(|k| sud_discount_hours(*k, h, tiers))
                .sum();
            // Rounded to the micro-hour so the line reads 173.2404 h, not 173.24040000000002.
            let d = (d * 1e6).round() / 1e6;
            if d > 0.0 {
                out.push(self.part(variant, "SUD", -d, row.on_demand));
            }
        }
        out
    }
}

/// The row's rate under a committed variant's term; `None` for the other variants and for a
/// row without that term's price.
fn committed_rate(row: &PriceRow, variant: Variant) -> Option<UnitPrice> {
    match variant.term_years()? {
        1 => row.reserved_1y,
        _ => row.reserved_3y,
    }
}

/// One total per month and variant (month-major, variants in [`Variant::ALL`] order).
fn month_totals(usage: &Usage, labels: &[String], lines: &[(usize, CostLine)]) -> Vec<MonthTotal> {
    let mut out: Vec<MonthTotal> = labels
        .iter()
        .flat_map(|label| {
            Variant::ALL.map(|variant| MonthTotal {
                month: label.clone(),
                variant,
                total: Money::ZERO,
                by_cloud: BTreeMap::new(),
                by_environment: BTreeMap::new(),
                by_resource: BTreeMap::new(),
            })
        })
        .collect();
    for (i, cl) in lines {
        let v = Variant::ALL
            .iter()
            .position(|v| *v == cl.variant)
            .expect("every variant is in Variant::ALL");
        let t = &mut out[usage.lines[*i].month * Variant::ALL.len() + v];
        t.total += cl.cost;
        add(&mut t.by_cloud, &cl.cloud, cl.cost);
        add(&mut t.by_environment, &cl.environment, cl.cost);
        add(
            &mut t.by_resource,
            &format!("{}/{}/{}", cl.cloud, cl.environment, cl.resource),
            cl.cost,
        );
    }
    out
}

/// `amount × factor`, rounded once, half to even, to the micro-dollar (zero for a factor that is
/// not finite, e.g. a run of zero hours); `None` when the result does not fit in [`Money`].
pub(crate) fn scale(amount: Money, factor: f64) -> Option<Money> {
    if !factor.is_finite() {
        return Some(Money::ZERO);
    }
    // Money::from_quantity computes quantity × nano-dollars / 1000 exactly and rounds once.
    match amount.micros().checked_mul(1000) {
        Some(nanos) => Money::checked_from_quantity(factor, UnitPrice::from_nanos(nanos)),
        None => {
            let micros = (amount.micros() as f64 * factor).round_ties_even();
            // i64::MAX as f64 rounds up to 2^63, which does not fit: a strict bound.
            (micros.abs() < i64::MAX as f64).then(|| Money::from_micros(micros as i64))
        }
    }
}

fn add(map: &mut BTreeMap<String, Money>, k: &str, m: Money) {
    let e = map.entry(k.to_string()).or_default();
    *e += m;
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
    baselines: &BTreeMap<Key<'_>, u32>,
    lines: &[(usize, CostLine)],
) -> Option<Vec<Commitment>> {
    let run_hours: f64 = usage.months.iter().map(|m| m.hours).sum();
    // First usage line of each key, for its row.
    let mut first: BTreeMap<Key<'_>, usize> = BTreeMap::new();
    for (i, l) in usage.lines.iter().enumerate() {
        if is_discountable(l.class) {
            first.entry(key(l)).or_insert(i);
        }
    }
    // Cost of each resource line over the run, per variant.
    let mut cost: BTreeMap<(Key<'_>, Variant), Money> = BTreeMap::new();
    for (j, cl) in lines {
        *cost.entry((key(&usage.lines[*j]), cl.variant)).or_default() += cl.cost;
    }
    let mut out = Vec::new();
    for (k, i) in &first {
        let l = &usage.lines[*i];
        let row = rows[*i];
        for v in Variant::ALL {
            let Some(rate) = committed_rate(row, v) else {
                continue;
            };
            let cost_under =
                |variant: Variant| cost.get(&(*k, variant)).copied().unwrap_or_default();
            let saving = cost_under(v.without_commitment()) - cost_under(v);
            let yearly_saving = scale(saving, HOURS_PER_YEAR / run_hours)?;
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
    Some(out)
}

/// `CostClass` is a plain data enum in `usage` (no serde there); reports spell it in kebab-case.
mod cost_class_serde {
    use super::CostClass;
    use serde::{Deserialize, Deserializer, Serializer};

    const NAMES: [(CostClass, &str); 8] = CostClass::NAMES;

    /// The names alone, for serde's "expected one of" message.
    const LABELS: [&str; NAMES.len()] = {
        let mut out = [""; NAMES.len()];
        let mut i = 0;
        while i < NAMES.len() {
            out[i] = NAMES[i].1;
            i += 1;
        }
        out
    };

    pub fn serialize<S: Serializer>(c: &CostClass, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.label())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CostClass, D::Error> {
        let s = String::deserialize(d)?;
        NAMES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(c, _)| *c)
            .ok_or_else(|| serde::de::Error::unknown_variant(&s, &LABELS))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cost::usage::Month;

    /// Five rows, priced by hand below. Line numbers (for `price_row`): header = 1, m7g.large = 2,
    /// n2-standard-4 = 3, db.r6g.xlarge = 4, gp3 = 5, egress = 6, n1-standard-1 = 7,
    /// e2-standard-4 = 8.
    const BOOK: &str = "\
provider,region,service,sku,unit,on_demand_usd,spot_usd,reserved_1y_usd,reserved_3y_usd,payment_option,source,source_date,exactness,notes
aws,ap-northeast-2,EC2,m7g.large,instance-hour,0.1003,0.0301,0.0656,0.0453,standard-ri-no-upfront,test,2026-10-01,secondary,
gcp,asia-northeast3,Compute Engine,n2-standard-4,instance-hour,0.24944,0.08166,0.15715,0.11226,resource-cud,test,2026-07-30,exact-list,
aws,ap-northeast-2,RDS,db.r6g.xlarge,instance-hour,0.54,,0.373,0.238,ri-no-upfront,test,2021-08-03,estimate,ESTIMATE: reserved = on-demand x 0.69 / 0.44
aws,ap-northeast-2,EBS,gp3,GB-month,0.0912,,,,,test,2026-09-01,exact-list,
aws,ap-northeast-2,Data transfer,internet-egress,GB,0.126,,,,,test,2026-09-01,derived,
gcp,asia-northeast3,Compute Engine,n1-standard-1,instance-hour,0.0475,0.01,,,,test,2026-07-30,exact-list,
gcp,asia-northeast3,Compute Engine,e2-standard-4,instance-hour,0.17193,,0.10832,0.07737,resource-cud,test,2026-07-30,exact-list,
";

    fn book() -> PriceBook {
        PriceBook::parse(BOOK, "test.csv").unwrap()
    }

    fn on() -> Date {
        Date::new(2026, 12, 1).unwrap()
    }

    /// January (744 h) and February (672 h) 2026; also `sizing`'s tests' months.
    pub(crate) fn months() -> Vec<Month> {
        vec![
            Month {
                first_day: Date::new(2026, 1, 1).unwrap(),
                hours: 744.0,
            },
            Month {
                first_day: Date::new(2026, 2, 1).unwrap(),
                hours: 672.0,
            },
        ]
    }

    /// A usage line in Seoul (the test books' regions); also built by `sizing`'s tests.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn line(
        month: usize,
        cloud: &str,
        resource: &str,
        sku: &str,
        unit: &str,
        quantity: f64,
        level_hours: &[f64],
        class: CostClass,
        spot_eligible: bool,
    ) -> UsageLine {
        let (provider, region) = if cloud == "gcp" {
            ("gcp", "asia-northeast3")
        } else {
            ("aws", "ap-northeast-2")
        };
        UsageLine {
            month,
            cloud: cloud.into(),
            environment: "prod".into(),
            resource: resource.into(),
            provider: provider.into(),
            region: region.into(),
            sku: sku.into(),
            unit: unit.into(),
            quantity,
            level_hours: level_hours.to_vec(),
            class,
            spot_eligible,
            shared: Default::default(),
        }
    }

    /// Two months (January 744 h, February 672 h):
    /// - aws node pool, m7g.large, spot-eligible: Jan 2 nodes all month + a third for 300 h
    ///   (1,788 h), Feb 2 nodes + 100 h (1,444 h) → baseline 2;
    /// - gcp node pool, n2-standard-4, not spot-eligible: Jan one node all month + one for half of
    ///   it (1,116 h), Feb one node (672 h) → baseline 1;
    /// - rds primary, db.r6g.xlarge: all month both months → baseline 1;
    /// - ebs gp3 100 GB-month each month; egress 1,000 GB then 1,500 GB.
    #[rustfmt::skip]
    fn usage() -> Usage {
        use CostClass::*;
        let ih = "instance-hour";
        Usage {
            months: months(),
            lines: vec![
                line(0, "aws", "node pool aws-general", "m7g.large", ih, 1788.0, &[744.0, 744.0, 300.0], Compute, true),
                line(1, "aws", "node pool aws-general", "m7g.large", ih, 1444.0, &[672.0, 672.0, 100.0], Compute, true),
                line(0, "gcp", "node pool gcp-general", "n2-standard-4", ih, 1116.0, &[744.0, 372.0], Compute, false),
                line(1, "gcp", "node pool gcp-general", "n2-standard-4", ih, 672.0, &[672.0], Compute, false),
                line(0, "aws", "rds primary", "db.r6g.xlarge", ih, 744.0, &[744.0], ManagedInstance, false),
                line(1, "aws", "rds primary", "db.r6g.xlarge", ih, 672.0, &[672.0], ManagedInstance, false),
                line(0, "aws", "ebs gp3", "gp3", "GB-month", 100.0, &[], Storage, false),
                line(1, "aws", "ebs gp3", "gp3", "GB-month", 100.0, &[], Storage, false),
                line(0, "aws", "internet egress", "internet-egress", "GB", 1000.0, &[], Egress, false),
                line(1, "aws", "internet egress", "internet-egress", "GB", 1500.0, &[], Egress, false),
            ],
        }
    }

    fn usd(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn total(r: &CostReport, month: &str, v: Variant) -> Money {
        r.months
            .iter()
            .find(|m| m.month == month && m.variant == v)
            .unwrap()
            .total
    }

    fn parts<'a>(r: &'a CostReport, month: &str, resource: &str, v: Variant) -> Vec<&'a CostLine> {
        r.lines
            .iter()
            .filter(|l| l.month == month && l.resource == resource && l.variant == v)
            .collect()
    }

    /// Every month total of every variant, priced by hand (exact decimals; each line rounded
    /// half-even to the micro-dollar — none of these needs rounding except the SUD lines).
    ///
    /// Shared lines (every variant): ebs 100 × 0.0912 = 9.12; egress Jan 1000 × 0.126 = 126.00,
    /// Feb 1500 × 0.126 = 189.00.
    ///
    /// n2 SUD (see `sud_matches_googles_documented_tiers`): Jan instance 1 (744 h) gets
    /// 744 − 186 × (1 + 0.8678 + 0.733 + 0.6) = 148.6512 h off, instance 2 (372 h)
    /// 372 − 186 × (1 + 0.8678) = 24.5892 h off; Feb instance 1 (672 h of a 672-h month)
    /// 672 − 168 × 3.2008 = 134.2656 h off.
    ///
    /// January (744 h)
    /// - on-demand: ec2 1788 × 0.1003 = 179.3364; n2 1116 × 0.24944 = 278.37504, SUD
    ///   −173.2404 × 0.24944 = −43.213085376 → −43.213085; rds 744 × 0.54 = 401.76;
    ///   + 9.12 + 126 = **951.378355**
    /// - spot: ec2 1788 × 0.0301 = 53.8188; n2 (not spot-eligible) and rds as on-demand;
    ///   = 951.378355 − 179.3364 + 53.8188 = **825.860755**
    /// - committed-1y: ec2 2 × 744 = 1488 × 0.0656 = 97.6128 + burst 300 × 0.1003 = 30.09;
    ///   n2 744 × 0.15715 = 116.9196 + burst 372 × 0.24944 = 92.79168, SUD on the burst only
    ///   −24.5892 × 0.24944 = −6.133530048 → −6.13353; rds 744 × 0.373 = 277.512; + 135.12
    ///   = **743.91255**
    /// - committed-3y: ec2 1488 × 0.0453 = 67.4064 + 30.09; n2 744 × 0.11226 = 83.52144
    ///   + 92.79168 − 6.13353; rds 744 × 0.238 = 177.072; + 135.12 = **579.86799**
    /// - committed-1y-spot: as committed-1y with the ec2 burst on spot 300 × 0.0301 = 9.03
    ///   = 743.91255 − 30.09 + 9.03 = **722.85255**
    /// - committed-3y-spot: 579.86799 − 30.09 + 9.03 = **558.80799**
    ///
    /// February (672 h)
    /// - on-demand: ec2 1444 × 0.1003 = 144.8332; n2 672 × 0.24944 = 167.62368, SUD
    ///   −134.2656 × 0.24944 = −33.491211264 → −33.491211; rds 672 × 0.54 = 362.88;
    ///   + 9.12 + 189 = **839.965669**
    /// - spot: ec2 1444 × 0.0301 = 43.4644 → 839.965669 − 144.8332 + 43.4644 = **738.596869**
    /// - committed-1y: ec2 1344 × 0.0656 = 88.1664 + burst 100 × 0.1003 = 10.03; n2
    ///   672 × 0.15715 = 105.6048, no burst; rds 672 × 0.373 = 250.656; + 198.12
    ///   = **652.5772**
    /// - committed-3y: ec2 1344 × 0.0453 = 60.8832 + 10.03; n2 672 × 0.11226 = 75.43872; rds
    ///   672 × 0.238 = 159.936; + 198.12 = **504.40792**
    /// - committed-1y-spot: 652.5772 − 10.03 + 100 × 0.0301 (3.01) = **645.5572**
    /// - committed-3y-spot: 504.40792 − 10.03 + 3.01 = **497.38792**
    #[test]
    fn month_totals_of_every_variant_match_hand_pricing() {
        let r = price(&usage(), &book(), on()).unwrap();
        use Variant::*;
        let expected = [
            ("2026-01", OnDemand, "951.378355"),
            ("2026-01", Spot, "825.860755"),
            ("2026-01", Committed1y, "743.91255"),
            ("2026-01", Committed3y, "579.86799"),
            ("2026-01", Committed1ySpot, "722.85255"),
            ("2026-01", Committed3ySpot, "558.80799"),
            ("2026-02", OnDemand, "839.965669"),
            ("2026-02", Spot, "738.596869"),
            ("2026-02", Committed1y, "652.5772"),
            ("2026-02", Committed3y, "504.40792"),
            ("2026-02", Committed1ySpot, "645.5572"),
            ("2026-02", Committed3ySpot, "497.38792"),
        ];
        for (month, v, want) in expected {
            assert_eq!(total(&r, month, v), usd(want), "{month} {v}");
        }
        // Year totals = Jan + Feb.
        let years = [
            (OnDemand, "1791.344024"),
            (Spot, "1564.457624"),
            (Committed1y, "1396.48975"),
            (Committed3y, "1084.27591"),
            (Committed1ySpot, "1368.40975"),
            (Committed3ySpot, "1056.19591"),
        ];
        for (v, want) in years {
            assert_eq!(r.year_totals[&v], usd(want), "{v}");
        }
        // To the cent, as users read it.
        assert_eq!(r.year_totals[&OnDemand].to_string(), "$1,791.34");
        assert_eq!(r.year_totals[&Committed3ySpot].to_string(), "$1,056.20");
        assert_eq!(
            r.cheapest_per_month,
            vec![
                ("2026-01".to_string(), Committed3ySpot),
                ("2026-02".to_string(), Committed3ySpot)
            ]
        );
        assert_eq!(r.cheapest_overall, Committed3ySpot);

        // Roll-ups are integer sums of the same lines.
        for m in &r.months {
            let of_lines: Money = r
                .lines
                .iter()
                .filter(|l| l.month == m.month && l.variant == m.variant)
                .map(|l| l.cost)
                .sum();
            assert_eq!(m.total, of_lines);
            assert_eq!(m.by_cloud.values().copied().sum::<Money>(), m.total);
            assert_eq!(m.by_environment.values().copied().sum::<Money>(), m.total);
            assert_eq!(m.by_resource.values().copied().sum::<Money>(), m.total);
        }
        let jan = r
            .months
            .iter()
            .find(|m| m.month == "2026-01" && m.variant == OnDemand)
            .unwrap();
        // gcp: 278.37504 − 43.213085
        assert_eq!(jan.by_cloud["gcp"], usd("235.161955"));
        assert_eq!(jan.by_resource["aws/prod/rds primary"], usd("401.76"));
        assert_eq!(jan.by_environment["prod"], usd("951.378355"));
        // Every line's cost is from_quantity of its own quantity and unit price.
        for l in &r.lines {
            assert_eq!(l.cost, Money::from_quantity(l.quantity, l.unit_price));
        }
    }

    #[test]
    fn lines_say_what_each_part_is_and_which_row_priced_it() {
        let r = price(&usage(), &book(), on()).unwrap();
        let summary = |month: &str, resource: &str, v: Variant| -> Vec<(String, f64, String)> {
            parts(&r, month, resource, v)
                .iter()
                .map(|l| (l.line.clone(), l.quantity, l.cost.to_decimal_string()))
                .collect()
        };
        let s = |a: &str, q: f64, c: &str| (a.to_string(), q, c.to_string());
        assert_eq!(
            summary("2026-01", "node pool aws-general", Variant::Committed1ySpot),
            vec![
                s("committed 1y", 1488.0, "97.612800"),
                s("burst spot", 300.0, "9.030000")
            ]
        );
        assert_eq!(
            summary("2026-01", "node pool gcp-general", Variant::OnDemand),
            vec![
                s("on-demand", 1116.0, "278.375040"),
                s("SUD", -173.2404, "-43.213085")
            ]
        );
        assert_eq!(
            summary("2026-01", "node pool gcp-general", Variant::Committed3y),
            vec![
                s("committed 3y", 744.0, "83.521440"),
                s("burst on-demand", 372.0, "92.791680"),
                s("SUD", -24.5892, "-6.133530"),
            ]
        );
        // A burst of zero hours has no line.
        assert_eq!(
            summary("2026-02", "node pool gcp-general", Variant::Committed1y),
            vec![s("committed 1y", 672.0, "105.604800")]
        );
        assert_eq!(
            summary("2026-02", "rds primary", Variant::Spot),
            vec![s("on-demand", 672.0, "362.880000")]
        );
        let ec2 = parts(&r, "2026-01", "node pool aws-general", Variant::OnDemand)[0];
        assert_eq!(ec2.price_row, "test.csv:2");
        assert_eq!(ec2.unit_price, UnitPrice::parse("0.1003").unwrap());
        assert_eq!(ec2.unit, "instance-hour");
        assert_eq!(ec2.class, CostClass::Compute);
        assert_eq!(
            parts(&r, "2026-02", "internet egress", Variant::Spot)[0].price_row,
            "test.csv:6"
        );
        // Ordered by month, cloud, environment, resource, variant.
        let keys: Vec<_> = r
            .lines
            .iter()
            .map(|l| (&l.month, &l.cloud, &l.environment, &l.resource, l.variant))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(r.price_book, "test.csv");
        assert_eq!(r.price_book_newest, Date::new(2026, 10, 1).unwrap());
        assert_eq!(r.price_book_oldest, Date::new(2021, 8, 3).unwrap());
    }

    /// Google's documented example for the 30 % families (N1): a VM used 50 % of the month gets an
    /// effective 10 % discount, 75 % → 20 %, the whole month → 30 % (tiers 100/80/60/40 % per
    /// quarter). N2/N2D/C2 (tiers 100/86.78/73.3/60 %): the whole month → 19.98 % ("up to 20 %"),
    /// half of it → (0.25 × 0 + 0.25 × 0.1322) / 0.5 = 6.61 %.
    #[test]
    fn sud_matches_googles_documented_tiers() {
        let h = 744.0;
        let eff = |frac: f64, tiers: &[f64; 4]| sud_discount_hours(h * frac, h, tiers) / (h * frac);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(eff(0.25, &SUD_TIERS_30), 0.0));
        assert!(close(eff(0.5, &SUD_TIERS_30), 0.10));
        assert!(close(eff(0.75, &SUD_TIERS_30), 0.20));
        assert!(close(eff(1.0, &SUD_TIERS_30), 0.30));
        assert!(close(eff(1.0, &SUD_TIERS_20), 0.1998));
        assert!(close(eff(0.5, &SUD_TIERS_20), 0.0661));
        assert!(close(
            sud_discount_hours(744.0, 744.0, &SUD_TIERS_20),
            148.6512
        ));
        assert!(close(
            sud_discount_hours(372.0, 744.0, &SUD_TIERS_20),
            24.5892
        ));
        // Never more than the month.
        assert!(close(
            sud_discount_hours(800.0, 744.0, &SUD_TIERS_30),
            744.0 * 0.3
        ));

        assert_eq!(sud_tiers("n2-standard-4"), Some(&SUD_TIERS_20));
        assert_eq!(sud_tiers("n2d-highmem-8"), Some(&SUD_TIERS_20));
        assert_eq!(sud_tiers("c2-standard-8"), Some(&SUD_TIERS_20));
        assert_eq!(sud_tiers("n1-standard-1"), Some(&SUD_TIERS_30));
        assert_eq!(sud_tiers("m2-ultramem-208"), Some(&SUD_TIERS_30));
        for none in [
            "e2-standard-4",
            "c3-highcpu-4",
            "c2d-standard-4",
            "n4-standard-4",
            "t2d-standard-1",
            "g2-standard-4",
            "a2-highgpu-1g",
        ] {
            assert_eq!(sud_tiers(none), None, "{none}");
        }

        // An N1 VM running half of January through price(): 10 % off, to the micro-dollar.
        // 372 × 0.0475 = 17.67; SUD −37.2 × 0.0475 = −1.767.
        // E2 all month: no SUD line. 744 × 0.17193 = 127.91592.
        let u = Usage {
            months: months(),
            lines: vec![
                line(
                    0,
                    "gcp",
                    "n1 pool",
                    "n1-standard-1",
                    "instance-hour",
                    372.0,
                    &[372.0],
                    CostClass::Compute,
                    false,
                ),
                line(
                    0,
                    "gcp",
                    "e2 pool",
                    "e2-standard-4",
                    "instance-hour",
                    744.0,
                    &[744.0],
                    CostClass::Compute,
                    false,
                ),
            ],
        };
        let r = price(&u, &book(), on()).unwrap();
        let n1: Vec<_> = parts(&r, "2026-01", "n1 pool", Variant::OnDemand)
            .iter()
            .map(|l| l.cost)
            .collect();
        assert_eq!(n1, vec![usd("17.67"), usd("-1.767")]);
        assert_eq!(total(&r, "2026-01", Variant::OnDemand), usd("143.81892"));
        assert_eq!(parts(&r, "2026-01", "e2 pool", Variant::OnDemand).len(), 1);
        // AWS lines never get SUD, whatever the SKU looks like.
        let aws = parts(&r, "2026-01", "e2 pool", Variant::OnDemand);
        assert_eq!(aws[0].line, "on-demand");
    }

    /// SUD quarters are quarters of the calendar month, not of the part the run covers: a run that
    /// starts on 2026-01-16 has 384 h of January; an N1 VM running all of them ran 384 / 744 =
    /// 51.6 % of the billing month: 186 h at 100 %, 186 h at 80 %, 12 h at 60 % →
    /// 37.2 + 4.8 = 42 h off (not the 30 % = 115.2 h a whole month would give).
    #[test]
    fn sud_uses_the_calendar_month() {
        let u = Usage {
            months: vec![Month {
                first_day: Date::new(2026, 1, 1).unwrap(),
                hours: 384.0,
            }],
            lines: vec![line(
                0,
                "gcp",
                "n1 pool",
                "n1-standard-1",
                "instance-hour",
                384.0,
                &[384.0],
                CostClass::Compute,
                false,
            )],
        };
        let r = price(&u, &book(), on()).unwrap();
        let sud = parts(&r, "2026-01", "n1 pool", Variant::OnDemand)[1];
        assert_eq!(sud.line, "SUD");
        assert!((sud.quantity + 42.0).abs() < 1e-9);
        // 42 × 0.0475 = 1.995
        assert_eq!(sud.cost, usd("-1.995"));
    }

    /// Spot VMs get no SUD; a spot-eligible pool whose row has no spot price runs on-demand (with
    /// SUD) in the spot variants, and the report warns.
    #[test]
    fn spot_gce_gets_no_sud_and_missing_spot_prices_are_flagged() {
        let u = Usage {
            months: months()[..1].to_vec(),
            lines: vec![
                line(
                    0,
                    "gcp",
                    "n2 spot pool",
                    "n2-standard-4",
                    "instance-hour",
                    744.0,
                    &[744.0],
                    CostClass::Compute,
                    true,
                ),
                line(
                    0,
                    "gcp",
                    "e2 spot pool",
                    "e2-standard-4",
                    "instance-hour",
                    744.0,
                    &[744.0],
                    CostClass::Compute,
                    true,
                ),
            ],
        };
        let r = price(&u, &book(), on()).unwrap();
        let spot = parts(&r, "2026-01", "n2 spot pool", Variant::Spot);
        assert_eq!(spot.len(), 1);
        assert_eq!(spot[0].line, "spot");
        // 744 × 0.08166 = 60.75504
        assert_eq!(spot[0].cost, usd("60.75504"));
        // The e2 row has no spot price: on-demand in the spot variant.
        let e2 = parts(&r, "2026-01", "e2 spot pool", Variant::Spot);
        assert_eq!(e2[0].line, "on-demand");
        assert!(
            r.warnings.iter().any(
                |w| w.starts_with("e2 spot pool: e2-standard-4 (test.csv:8) has no spot price")
            ),
            "{:?}",
            r.warnings
        );
        // Committed-1y-spot: the n2 node ran all of the run's only month → baseline 1, no burst.
        let c = parts(&r, "2026-01", "n2 spot pool", Variant::Committed1ySpot);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, "committed 1y");
    }

    /// b = max k with level_hours[k-1] ≥ month.hours (± 1e-6) in every month of the run.
    #[test]
    fn baseline_is_the_instances_that_ran_every_hour_of_every_month() {
        let ih = "instance-hour";
        let pool = |m: usize, lv: &[f64]| {
            line(
                m,
                "aws",
                "pool",
                "m7g.large",
                ih,
                lv.iter().sum(),
                lv,
                CostClass::Compute,
                false,
            )
        };
        let baseline = |u: &Usage| -> u32 {
            let r = price(u, &book(), on()).unwrap();
            r.commitments
                .iter()
                .find(|c| c.resource == "pool" && c.variant == Variant::Committed1y)
                .unwrap()
                .baseline_instances
        };
        let mk = |lines: Vec<UsageLine>| Usage {
            months: months(),
            lines,
        };
        // 3 full in Jan, 2 full in Feb → 2.
        assert_eq!(
            baseline(&mk(vec![
                pool(0, &[744.0, 744.0, 744.0]),
                pool(1, &[672.0, 672.0, 5.0])
            ])),
            2
        );
        // Within 1e-6 h counts as the whole month.
        assert_eq!(
            baseline(&mk(vec![pool(0, &[744.0 - 5e-7]), pool(1, &[672.0])])),
            1
        );
        // One hour short in one month → that instance is not baseline.
        assert_eq!(
            baseline(&mk(vec![
                pool(0, &[744.0, 743.0]),
                pool(1, &[672.0, 672.0])
            ])),
            1
        );
        // A month without the resource → 0, and nothing is committed.
        let u = mk(vec![pool(0, &[744.0, 744.0])]);
        assert_eq!(baseline(&u), 0);
        let r = price(&u, &book(), on()).unwrap();
        let c1 = parts(&r, "2026-01", "pool", Variant::Committed1y);
        assert_eq!(c1.len(), 1);
        assert_eq!(c1[0].line, "on-demand");
        // The fixture: aws pool 2, gcp pool 1, rds 1.
        let r = price(&usage(), &book(), on()).unwrap();
        let b: BTreeMap<&str, u32> = r
            .commitments
            .iter()
            .filter(|c| c.variant == Variant::Committed3y)
            .map(|c| (c.resource.as_str(), c.baseline_instances))
            .collect();
        assert_eq!(
            b,
            BTreeMap::from([
                ("node pool aws-general", 2),
                ("node pool gcp-general", 1),
                ("rds primary", 1)
            ])
        );
        // A commitment is billed for every hour of the month, used or not: partial months pay
        // for their hours in the run (b × month.hours).
        let u = Usage {
            months: vec![Month {
                first_day: Date::new(2026, 3, 1).unwrap(),
                hours: 100.0,
            }],
            lines: vec![line(
                0,
                "aws",
                "pool",
                "m7g.large",
                ih,
                250.0,
                &[100.0, 100.0, 50.0],
                CostClass::Compute,
                false,
            )],
        };
        let r = price(&u, &book(), on()).unwrap();
        let c = parts(&r, "2026-03", "pool", Variant::Committed1y);
        assert_eq!((c[0].line.as_str(), c[0].quantity), ("committed 1y", 200.0));
        assert_eq!(
            (c[1].line.as_str(), c[1].quantity),
            ("burst on-demand", 50.0)
        );
    }

    /// break-even = committed / on-demand; yearly saving = (cost without the commitment − cost
    /// with it) over the run × 8760 / run hours (1,416 h here).
    #[test]
    fn break_even_and_yearly_saving() {
        let r = price(&usage(), &book(), on()).unwrap();
        let find = |res: &str, v: Variant| {
            r.commitments
                .iter()
                .find(|c| c.resource == res && c.variant == v)
                .unwrap()
        };
        let c = find("node pool aws-general", Variant::Committed1y);
        assert!((c.break_even_utilisation - 0.0656 / 0.1003).abs() < 1e-12);
        assert_eq!(c.sku, "m7g.large");
        assert_eq!((c.cloud.as_str(), c.environment.as_str()), ("aws", "prod"));
        // on-demand 179.3364 + 144.8332 = 324.1696; committed-1y 97.6128 + 30.09 + 88.1664
        // + 10.03 = 225.8992; saving 98.2704 × 8760 / 1416 = 607.944
        assert_eq!(c.yearly_saving, usd("607.944"));
        // Against spot, committing costs more: spot 53.8188 + 43.4644 = 97.2832; committed-1y-spot
        // 97.6128 + 9.03 + 88.1664 + 3.01 = 197.8192; −100.536 × 8760 / 1416 = −621.96
        assert_eq!(
            find("node pool aws-general", Variant::Committed1ySpot).yearly_saving,
            usd("-621.96")
        );
        // rds: 0.373 / 0.54; (764.64 − 528.168) × 8760 / 1416 = 236.472 × 6.1864… = 1462.92
        let c = find("rds primary", Variant::Committed1y);
        assert!((c.break_even_utilisation - 0.373 / 0.54).abs() < 1e-12);
        assert_eq!(c.yearly_saving, usd("1462.92"));
        // gcp n2 against on-demand *with* SUD: (278.37504 − 43.213085 + 167.62368 − 33.491211)
        // − (116.9196 + 92.79168 − 6.13353 + 105.6048) = 369.294424 − 309.18255 = 60.111874;
        // × 8760 / 1416 = 371.87854254… → 371.878543
        assert_eq!(
            find("node pool gcp-general", Variant::Committed1y).yearly_saving,
            usd("371.878543")
        );
        // Four committed variants for each of the three discountable resources; none for
        // storage or egress.
        assert_eq!(r.commitments.len(), 12);
        assert!(
            r.commitments
                .iter()
                .all(|c| c.variant.term_years().is_some())
        );
    }

    #[test]
    fn storage_egress_and_other_fees_are_identical_in_every_variant() {
        let r = price(&usage(), &book(), on()).unwrap();
        for resource in ["ebs gp3", "internet egress"] {
            for month in ["2026-01", "2026-02"] {
                let base: Vec<(String, f64, UnitPrice, Money)> =
                    parts(&r, month, resource, Variant::OnDemand)
                        .iter()
                        .map(|l| (l.line.clone(), l.quantity, l.unit_price, l.cost))
                        .collect();
                assert_eq!(base.len(), 1);
                assert_eq!(base[0].0, "on-demand");
                for v in Variant::ALL {
                    let got: Vec<_> = parts(&r, month, resource, v)
                        .iter()
                        .map(|l| (l.line.clone(), l.quantity, l.unit_price, l.cost))
                        .collect();
                    assert_eq!(got, base, "{resource} {month} {v}");
                }
            }
        }
        // Even with spot_eligible set and committed prices in the row, a non-discountable class
        // is priced on-demand everywhere.
        let odd = "\
provider,region,service,sku,unit,on_demand_usd,spot_usd,reserved_1y_usd,reserved_3y_usd,payment_option,source,source_date,exactness,notes
aws,ap-northeast-2,EKS,eks-control-plane-standard,cluster-hour,0.10,0.01,0.05,0.03,made-up,test,2026-04-03,exact-bill,
";
        let b = PriceBook::parse(odd, "odd.csv").unwrap();
        let u = Usage {
            months: months(),
            lines: vec![line(
                0,
                "aws",
                "eks",
                "eks-control-plane-standard",
                "cluster-hour",
                744.0,
                &[744.0],
                CostClass::ControlPlane,
                true,
            )],
        };
        let r = price(&u, &b, on()).unwrap();
        for v in Variant::ALL {
            // 744 × 0.10 = 74.40
            assert_eq!(total(&r, "2026-01", v), usd("74.4"), "{v}");
        }
        assert!(r.commitments.is_empty());
    }

    #[test]
    fn unknown_sku_errors_naming_the_sku_and_the_file() {
        let mut u = usage();
        u.lines[4].sku = "db.r6g.huge".into();
        let err = price(&u, &book(), on()).unwrap_err().to_string();
        assert!(err.contains("db.r6g.huge"), "{err}");
        assert!(err.contains("test.csv"), "{err}");
        // A unit mismatch, too.
        let mut u = usage();
        u.lines[6].unit = "GB".into();
        let err = price(&u, &book(), on()).unwrap_err().to_string();
        assert!(err.contains("gp3") && err.contains("test.csv"), "{err}");
        // A line pointing past the months.
        let mut u = usage();
        u.lines[0].month = 7;
        assert!(price(&u, &book(), on()).is_err());
    }

    #[test]
    fn warns_about_stale_and_estimated_rows() {
        let r = price(&usage(), &book(), on()).unwrap();
        assert_eq!(
            r.warnings,
            vec![
                "rds primary: db.r6g.xlarge (test.csv:4) is an estimate".to_string(),
                "rds primary: db.r6g.xlarge (test.csv:4) is dated 2021-08-03, more than 12 months before 2026-12-01"
                    .to_string(),
            ]
        );
        // Priced in 2027-11 the October-2026 EC2 row is stale too.
        let r = price(&usage(), &book(), Date::new(2027, 11, 1).unwrap()).unwrap();
        assert!(r.warnings.iter().any(|w| {
            w.starts_with("node pool aws-general: m7g.large (test.csv:2) is dated 2026-10-01")
        }));
    }

    #[test]
    fn missing_level_hours_are_packed_and_flagged() {
        let u = Usage {
            months: months(),
            lines: vec![
                line(
                    0,
                    "aws",
                    "pool",
                    "m7g.large",
                    "instance-hour",
                    1588.0,
                    &[],
                    CostClass::Compute,
                    false,
                ),
                line(
                    1,
                    "aws",
                    "pool",
                    "m7g.large",
                    "instance-hour",
                    1344.0,
                    &[],
                    CostClass::Compute,
                    false,
                ),
            ],
        };
        let r = price(&u, &book(), on()).unwrap();
        // Jan: 2 × 744 + 100; Feb: 2 × 672 → baseline 2.
        let c = parts(&r, "2026-01", "pool", Variant::Committed3y);
        assert_eq!((c[0].quantity, c[1].quantity), (1488.0, 100.0));
        assert!(r.warnings.iter().any(|w| w.contains("no level_hours")));
    }

    #[test]
    fn deterministic_and_independent_of_usage_order() {
        let a = price(&usage(), &book(), on()).unwrap();
        let b = price(&usage(), &book(), on()).unwrap();
        assert_eq!(a, b);
        let ja = serde_json::to_string(&a).unwrap();
        assert_eq!(ja, serde_json::to_string(&b).unwrap());
        let mut reversed = usage();
        reversed.lines.reverse();
        let c = price(&reversed, &book(), on()).unwrap();
        assert_eq!(ja, serde_json::to_string(&c).unwrap());
        // Round trip through JSON: money, variants, classes and dates come back exactly (floats
        // may differ in the last bit, serde_json's default float parsing is not exact).
        let back: CostReport = serde_json::from_str(&ja).unwrap();
        assert_eq!(back.months, a.months);
        assert_eq!(back.year_totals, a.year_totals);
        assert_eq!(back.warnings, a.warnings);
        let costs = |r: &CostReport| -> Vec<(Variant, String, Money, CostClass)> {
            r.lines
                .iter()
                .map(|l| (l.variant, l.line.clone(), l.cost, l.class))
                .collect()
        };
        assert_eq!(costs(&back), costs(&a));
    }

    /// The built-in book prices a GKE n2 pool with SUD and a Cloud SQL instance with CUDs.
    #[test]
    fn prices_with_the_builtin_book() {
        let ih = "instance-hour";
        let u = Usage {
            months: months(),
            lines: vec![
                line(
                    0,
                    "gcp",
                    "gke pool",
                    "n2-standard-4",
                    ih,
                    744.0,
                    &[744.0],
                    CostClass::Compute,
                    false,
                ),
                line(
                    1,
                    "gcp",
                    "gke pool",
                    "n2-standard-4",
                    ih,
                    672.0,
                    &[672.0],
                    CostClass::Compute,
                    false,
                ),
                line(
                    0,
                    "gcp",
                    "cloud sql",
                    "db-custom-4-16384",
                    ih,
                    744.0,
                    &[744.0],
                    CostClass::ManagedInstance,
                    false,
                ),
                line(
                    1,
                    "gcp",
                    "cloud sql",
                    "db-custom-4-16384",
                    ih,
                    672.0,
                    &[672.0],
                    CostClass::ManagedInstance,
                    false,
                ),
            ],
        };
        let b = PriceBook::builtin();
        let r = price(&u, &b, on()).unwrap();
        let od = parts(&r, "2026-01", "gke pool", Variant::OnDemand);
        assert_eq!(od[1].line, "SUD");
        // A whole month of N2: 19.98 % off.
        assert!((od[1].quantity + 744.0 * 0.1998).abs() < 1e-6);
        assert!(od[0].price_row.starts_with("data/prices/seoul-2026.csv:"));
        let c = parts(&r, "2026-02", "cloud sql", Variant::Committed3y);
        assert_eq!((c.len(), c[0].line.as_str()), (1, "committed 3y"));
        assert!(r.year_totals[&Variant::Committed3y] < r.year_totals[&Variant::OnDemand]);
    }

    #[test]
    fn variants_and_classes_serialize_as_labels() {
        for v in Variant::ALL {
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.label())
            );
            assert_eq!(Variant::from_label(v.label()), Some(v));
        }
        assert_eq!(Variant::Committed1ySpot.label(), "committed-1y-spot");
        let r = price(&usage(), &book(), on()).unwrap();
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["year_totals"]["committed-3y"], "1084.275910");
        assert_eq!(j["lines"][0]["resource"], "ebs gp3");
        assert_eq!(j["lines"][0]["class"], "storage");
        assert_eq!(j["lines"][0]["variant"], "on-demand");
        assert_eq!(j["lines"][0]["cost"], "9.120000");
        assert_eq!(j["lines"][0]["unit_price"], "0.0912");
        for (i, (class, name)) in CostClass::NAMES.iter().enumerate() {
            assert_eq!((*class as usize, class.label()), (i, *name));
        }
        assert_eq!(CostClass::ManagedInstance.label(), "managed");
    }
}
