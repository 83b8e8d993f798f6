//! Cost: usage first, prices second (Infracost's split). `usage` turns a run into quantities per
//! calendar month (node-hours per pool, managed instance-hours, control-plane hours, GB-months,
//! GB of egress); `pricebook` loads dated price rows with their sources; `price` multiplies them
//! into cost lines for every purchase variant, in exact integer money (`money`).

pub mod money;
pub mod price;
pub mod pricebook;
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
    price::price(&usage, book, s.simulation.start).map_err(|e| match e {
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
    })
}

/// Check, before a run, that the price book has every SKU, region and unit the run will need.
pub fn check_prices(s: &Scenario, book: &pricebook::PriceBook) -> crate::Result<()> {
    let usage = usage::usage_of(s, &usage::probe_usage(s));
    match price::price(&usage, book, s.simulation.start) {
        // The probe's quantities are made up (only which lines exist matters): a cost too
        // large to price is the real run's to report, not the probe's.
        Err(crate::Error::Invalid(ps)) if ps.iter().all(|p| p.file == price::USAGE_FILE) => Ok(()),
        r => r.map(|_| ()),
    }
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
