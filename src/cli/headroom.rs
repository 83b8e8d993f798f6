//! `capsim headroom SCENARIO [--by dau|rps|peak] [--max X] [--target-rps R]`: how far the plan
//! holds as demand grows, and what breaks first. Prints the result (table, JSON or Markdown) and,
//! with `--out`, writes `headroom.json`, `headroom.md` and `headroom.html` (the breaking points on
//! a chart).

use std::path::PathBuf;

use super::Outcome;
use super::output::{print_stdout, progress_bar, write_folder_atomic};
use super::run::Format;
use crate::error::{Error, Result};
use crate::headroom::{self, Options, Scale, render};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (YAML, kind: Scenario).
    pub scenario: PathBuf,
    /// What the demand factor scales: `dau` (DAU milestones; traffic and the cache's working set
    /// grow together), `rps` (page views per DAU; traffic only) or `peak` (each holiday peak's
    /// excess over normal).
    #[arg(long, value_enum, default_value_t = By::Dau)]
    pub by: By,
    /// The largest demand factor to try.
    #[arg(long, default_value_t = 100.0, allow_negative_numbers = true)]
    pub max: f64,
    /// Also answer whether the peak can reach this many requests per second (see --target-of),
    /// and what would lift each limit broken there.
    #[arg(long, value_name = "RPS", allow_negative_numbers = true)]
    pub target_rps: Option<f64>,
    /// Which peak --target-rps means: `total` (every service's requests together, the plan's
    /// throughput) or `entry` (the SLO path's entry service).
    #[arg(long, value_enum, default_value_t = TargetOfArg::Total)]
    pub target_of: TargetOfArg,
    /// Refine each breaking point to this relative precision (e.g. 0.01 = 1 %).
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub precision: f64,
    /// Worker threads [default: the machine's cores]. Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub threads: Option<usize>,
    /// Seed for the random streams (overrides spec.simulation.seed); every probe uses it.
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// Write headroom.json, headroom.md and headroom.html into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TargetOfArg {
    Total,
    Entry,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum By {
    Dau,
    Rps,
    Peak,
}

pub fn exec(args: Args) -> Result<Outcome> {
    if !(args.precision > 0.0 && args.precision < 1.0) {
        return Err(Error::Usage(format!(
            "--precision {} must be between 0 and 1 (e.g. 0.01 for 1 %)",
            args.precision
        )));
    }
    if let Some(dir) = &args.out {
        super::output::check_output_folder(dir)?;
    }
    let mut scenario = crate::scenario::load(&args.scenario)?;
    // One probe is one run of the scenario (scaled): the same work limits.
    super::check_work(&scenario)?;
    if let Some(seed) = args.seed {
        scenario.simulation.seed = seed;
    }
    let opts = Options {
        by: match args.by {
            By::Dau => Scale::Dau,
            By::Rps => Scale::Rps,
            By::Peak => Scale::Peak,
        },
        max_factor: args.max,
        precision: args.precision,
        target_rps: args.target_rps,
        target_of: match args.target_of {
            TargetOfArg::Total => headroom::TargetOf::Total,
            TargetOfArg::Entry => headroom::TargetOf::Entry,
        },
        threads: super::thread_count(args.threads)?,
        ..Options::default()
    };
    let bar = progress_bar(
        1,
        super::quiet(),
        "{msg} [{bar:30}] {pos}/{len} simulations ({elapsed})",
        format!("headroom of {}", scenario.name),
    );
    let report = headroom::search(&scenario, &opts, &|done, planned| {
        bar.set_length(planned as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    if let Some(dir) = &args.out {
        let (json, md, html) = (
            render::json(&report),
            render::markdown(&report),
            render::html(&report),
        );
        let paths = [
            dir.join("headroom.json"),
            dir.join("headroom.md"),
            dir.join("headroom.html"),
        ];
        write_folder_atomic(
            dir,
            &[
                (&paths[0], json.as_bytes()),
                (&paths[1], md.as_bytes()),
                (&paths[2], html.as_bytes()),
            ],
        )?;
    }
    if !super::quiet() {
        match args.format {
            Format::Table => print_stdout(&render::table(&report))?,
            Format::Json => print_stdout(&render::json(&report))?,
            Format::Markdown => print_stdout(&render::markdown(&report))?,
        }
    }
    Ok(Outcome::Success)
}
