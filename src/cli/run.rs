//! `capsim run SCENARIO`: simulate, price, print the summary (table, JSON or Markdown), write
//! `timeseries.csv`, `summary.json`, `cost_monthly.csv` and `.parquet`, `focus.csv` (and
//! `nodes.csv` when node pools are modelled), `report.html` and `charts/` to the output folder.

use std::path::PathBuf;

use super::Outcome;
use super::output::{print_stdout, write_folder_atomic};
use crate::error::Result;
use crate::report::{self, RunReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (YAML, kind: Scenario).
    pub scenario: PathBuf,
    /// Output folder [default: reports/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed for the random streams (overrides spec.simulation.seed).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The purchase variant focus.csv (the FOCUS 1.2 export) holds: on-demand, spot,
    /// committed-1y, committed-3y, committed-1y-spot, committed-3y-spot.
    #[arg(long, value_name = "VARIANT", default_value = "on-demand")]
    pub focus_variant: String,
}

/// A `--focus-variant` value as a variant (a usage error naming the choices otherwise).
pub fn focus_variant(label: &str) -> Result<crate::cost::price::Variant> {
    crate::cost::price::Variant::from_label(label).ok_or_else(|| {
        crate::error::Error::Usage(format!(
            "--focus-variant {label}: unknown purchase variant\n  fix: use one of {}",
            crate::cost::price::Variant::labels()
        ))
    })
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// The Markdown summary (for a PR comment or a wiki page).
    Markdown,
}

pub fn exec(args: Args) -> Result<Outcome> {
    let variant = focus_variant(&args.focus_variant)?;
    if let Some(dir) = &args.out {
        super::output::check_output_folder(dir)?;
    }
    let prepared = prepare(&args.scenario, args.seed, super::quiet())?;
    let dir = args
        .out
        .unwrap_or_else(|| PathBuf::from("reports").join(&prepared.scenario.name));
    let html_path = write_report(&dir, &prepared, variant)?;
    let report = &prepared.report;
    if !super::quiet() {
        match args.format {
            Format::Table => {
                let mut text = report::table::render(report);
                text.push_str(&format!(
                    "\nwrote {} and the data files beside it\n",
                    html_path.display()
                ));
                print_stdout(&text)?;
            }
            Format::Json => print_stdout(&report::json::pretty(report))?,
            Format::Markdown => print_stdout(&report::markdown::render(report))?,
        }
    }
    Ok(Outcome::Success)
}

/// Write a run's files into `dir`: summary.json, timeseries.csv, cost_monthly.csv and .parquet,
/// focus.csv (under `focus_variant`), nodes.csv, report.html and charts/. Returns the path of
/// report.html. Shared by `run` and `check --out`.
pub fn write_report(
    dir: &std::path::Path,
    prepared: &Prepared,
    focus_variant: crate::cost::price::Variant,
) -> Result<PathBuf> {
    let Prepared {
        scenario,
        out,
        priced,
        report,
    } = prepared;
    let cost_csv = report::cost::monthly_csv(priced);
    let cost_parquet = crate::sweep::frame::parquet_bytes(
        &mut crate::sweep::frame::cost_monthly_frame(&priced.rows)?,
    )?;
    let focus = report::focus::csv(scenario, priced, focus_variant);
    let json = report::json::pretty(report);
    let csv = report::csv::timeseries(scenario, out);
    let summary_path = dir.join("summary.json");
    let series_path = dir.join("timeseries.csv");
    let cost_path = dir.join("cost_monthly.csv");
    let parquet_path = dir.join("cost_monthly.parquet");
    let focus_path = dir.join("focus.csv");
    let mut files: Vec<(&std::path::Path, &[u8])> = vec![
        (&series_path, &csv),
        (&summary_path, json.as_bytes()),
        (&cost_path, &cost_csv),
        (&parquet_path, &cost_parquet),
        (&focus_path, &focus),
    ];
    let nodes_path = dir.join("nodes.csv");
    let nodes_csv = (!out.pools.is_empty()).then(|| report::csv::nodes(scenario, out));
    if let Some(nodes_csv) = &nodes_csv {
        files.push((&nodes_path, nodes_csv));
    }
    // report.html and charts/<name>.{png,svg} (charts without data are left out).
    let html_path = dir.join("report.html");
    let html = report::html::render(report);
    files.push((&html_path, html.as_bytes()));
    let charts_dir = dir.join("charts");
    let charts: Vec<(PathBuf, Vec<u8>)> = report::charts::all_for(report)
        .into_iter()
        .flat_map(|c| {
            let stem = charts_dir.join(c.name());
            [
                (stem.with_extension("png"), report::charts::png(report, c)),
                (stem.with_extension("svg"), report::charts::svg(report, c)),
            ]
        })
        .collect();
    files.extend(charts.iter().map(|(p, b)| (p.as_path(), b.as_slice())));
    write_folder_atomic(dir, &files)?;
    Ok(html_path)
}

/// A scenario loaded, simulated and priced, with its report.
pub struct Prepared {
    pub scenario: crate::scenario::Scenario,
    pub out: crate::model::RunOutput,
    pub priced: crate::cost::price::CostReport,
    pub report: RunReport,
}

/// Load, simulate (with a progress bar unless `quiet`) and price a scenario: what `run`,
/// `compare` and `check` all do. The price book is read and checked before the (long)
/// simulation, so a bad book or SKU fails fast.
pub fn prepare(path: &std::path::Path, seed: Option<u64>, quiet: bool) -> Result<Prepared> {
    prepare_loaded(crate::scenario::load(path)?, path, seed, quiet)
}

/// [`prepare`] for a scenario already loaded from `path`.
pub fn prepare_loaded(
    mut scenario: crate::scenario::Scenario,
    path: &std::path::Path,
    seed: Option<u64>,
    quiet: bool,
) -> Result<Prepared> {
    if let Some(seed) = seed {
        scenario.simulation.seed = seed;
    }
    let book = crate::cost::load_price_book(&scenario, path)?;
    super::check_work(&scenario)?;
    let out = simulate_with_bar(&scenario, quiet);
    let priced = crate::cost::cost_of(&scenario, &out, &book)?;
    let report = RunReport::build(&scenario, &out, Some((&priced, &book)));
    Ok(Prepared {
        scenario,
        out,
        priced,
        report,
    })
}

/// Simulate with a progress bar on stderr (simulated days); indicatif hides it when stderr is not
/// a terminal, and `quiet` hides it always.
fn simulate_with_bar(scenario: &crate::scenario::Scenario, quiet: bool) -> crate::model::RunOutput {
    let days = (scenario.simulation.duration_ms / crate::sim::DAY_MS).max(1) as u64;
    let bar = super::output::progress_bar(
        days,
        quiet,
        "{msg} [{bar:40}] {pos}/{len} simulated days ({eta} left)",
        scenario.name.clone(),
    );
    let out = crate::model::simulate_with_progress(scenario, &mut |at, _| {
        bar.set_position((at / crate::sim::DAY_MS) as u64);
    });
    bar.finish_and_clear();
    out
}
