//! Cost: usage first, prices second (Infracost's split). `usage` turns a run into quantities per
//! calendar month (node-hours per pool, managed instance-hours, control-plane hours, GB-months,
//! GB of egress); `pricebook` loads dated price rows with their sources; `price` multiplies them
//! into cost lines for every purchase variant, in exact integer money (`money`); `allocation`
//! splits the priced lines over the services that caused them (OpenCost-style), idle apart;
//! `sizing` says how many units of each pool to commit to (the break-even rule).

pub mod allocation;
pub mod money;
pub mod price;
pub mod pricebook;
pub mod sizing;
pub mod usage;

use crate::model::RunOutput;
use crate::scenario::Scenario;

/// Price a run: its usage (plus the fixed environments) against `book`. Rows are judged stale
/// against the simulation's start date, so reports stay reproducible.
pub fn cost_of(
    s: &Scenario,
    out: &RunOutput,
    book: &pricebook::PriceBook,
) -> crate::Result<price::CostReport> {
    let usage = usage::usage_of(s, &out.monthly);
    let mut report = price::price(&usage, book, s.simulation.start).map_err(|e| match e {
        // Pricing knows no file; its problems are the scenario's.
        crate::Error::Invalid(mut ps) => {
            for p in &mut ps {
                if p.file == price::USAGE_FILE {
                    p.file = s.file.clone();
                }
            }
            crate::Error::Invalid(ps)
        }
        e => e,
    })?;
    report.rows = allocation::rows(s, &out.monthly, &usage, &report);
    Ok(report)
}

/// Check, before a run, that the price book has every SKU, region and unit the run will need.
pub fn check_prices(s: &Scenario, book: &pricebook::PriceBook) -> crate::Result<()> {
    let usage = usage::usage_of(s, &usage::probe_usage(s));
    // Every SKU and region first, so one the book lacks names the scenario field that asked
    // for it (file:line), not only the price book's row.
    let mut problems: Vec<crate::error::Problem> = Vec::new();
    for l in &usage.lines {
        if let Err(crate::Error::Invalid(ps)) = book.lookup(&l.provider, &l.region, &l.sku, &l.unit)
        {
            for p in ps {
                let field = scenario_field(s, book, l);
                let message = format!("{} (price book {})", p.message, p.file);
                if !problems
                    .iter()
                    .any(|q| q.field == field && q.message == message)
                {
                    problems.push(
                        crate::error::Problem::new(&s.file, &field, message, p.fix).at(
                            crate::scenario::position_of(std::path::Path::new(&s.file), &field),
                        ),
                    );
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(crate::Error::Invalid(problems));
    }
    match price::price(&usage, book, s.simulation.start) {
        // The probe's quantities are made up (only which lines exist matters): a cost too
        // large to price is the real run's to report, not the probe's.
        Err(crate::Error::Invalid(ps)) if ps.iter().all(|p| p.file == price::USAGE_FILE) => Ok(()),
        r => r.map(|_| ()),
    }
}

/// The scenario field that makes usage line `l` need its SKU and region: a region the book
/// lacks is `spec.cost.regions.<cloud>`; a SKU is the pool, database, cache, CDN plan or fixed
/// inventory that names it, or (for the SKUs capsim itself bills: egress, logs, control plane)
/// `spec.cost.priceBook`.
fn scenario_field(s: &Scenario, book: &pricebook::PriceBook, l: &usage::UsageLine) -> String {
    let has_region = book
        .rows()
        .iter()
        .any(|r| r.provider == l.provider && r.region == l.region);
    if !has_region {
        return format!("spec.cost.regions.{}", l.cloud);
    }
    let p = &s.platform;
    if let Some(c) = &p.cluster
        && let Some(pool) = c.pools.iter().find(|x| x.instance_type == l.sku)
    {
        return format!("spec.cluster.nodePools.{}.instanceType", pool.name);
    }
    if let Some(db) = &p.database {
        let base = l.sku.trim_end_matches("-multi-az");
        if db.primary.instance_class == base {
            return "spec.database.primary.instanceClass".into();
        }
        if let Some(i) = db.replicas.iter().position(|r| r.instance_class == base) {
            return format!("spec.database.replicas[{i}].instanceClass");
        }
    }
    if p.cache.as_ref().is_some_and(|c| c.node_type == l.sku) {
        return "spec.cache.nodeType".into();
    }
    if s.cost.cdn_plan.as_deref() == Some(l.sku.as_str()) {
        return "spec.cost.cdnPlan".into();
    }
    for e in &s.cost.environments {
        if let Some(i) = e.items.iter().position(|it| it.sku == l.sku) {
            return format!("spec.cost.environments.{}.items[{i}].sku", e.name);
        }
    }
    "spec.cost.priceBook".into()
}

/// The scenario's price book (the bundled one, or a CSV relative to the scenario file), checked
/// to price every SKU the run will need.
pub fn load_price_book(
    s: &Scenario,
    scenario_path: &std::path::Path,
) -> crate::Result<pricebook::PriceBook> {
    let book = if s.cost.price_book == "builtin" {
        pricebook::PriceBook::builtin()
    } else {
        let base = scenario_path.parent().unwrap_or(std::path::Path::new("."));
        pricebook::PriceBook::load(&base.join(&s.cost.price_book))?
    };
    check_prices(s, &book)?;
    Ok(book)
}
