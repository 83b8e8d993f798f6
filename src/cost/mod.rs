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
    price::price(&usage, book, s.simulation.start)
}

/// Check, before a run, that the price book has every SKU, region and unit the run will need.
pub fn check_prices(s: &Scenario, book: &pricebook::PriceBook) -> crate::Result<()> {
    let usage = usage::usage_of(s, &usage::probe_usage(s));
    price::price(&usage, book, s.simulation.start).map(|_| ())
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
