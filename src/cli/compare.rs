//! `capsim compare A B`: two runs side by side — replicas, SLOs, cost per month and variant —
//! with deltas (B − A). Each side is a scenario YAML (simulated and priced exactly as
//! `capsim run` does) or a saved `summary.json`.

use std::path::{Path, PathBuf};

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Problem, Result};
use crate::report::{self, RunReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first run (A): a scenario file (YAML) or a saved summary.json.
    pub a: PathBuf,
    /// The second run (B): a scenario file (YAML) or a saved summary.json.
    pub b: PathBuf,
    /// Seed for the random streams of scenario files (overrides spec.simulation.seed).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
}

pub fn exec(args: Args) -> Result<Outcome> {
    // Read both sides (saved summaries, scenarios with their validation) before simulating
    // either, so a bad file fails fast; then simulate the scenarios in parallel, each exactly as
    // `capsim run` does.
    enum Side {
        // Both boxed: the two are large and of different sizes.
        Saved(Box<RunReport>),
        Scenario(Box<crate::scenario::Scenario>),
    }
    // Saved summaries first (cheap), then the scenarios.
    let saved = |path: &Path| is_summary(path).then(|| load_summary(path)).transpose();
    let (saved_a, saved_b) = (saved(&args.a)?, saved(&args.b)?);
    let side = |saved: Option<RunReport>, path: &Path| -> Result<Side> {
        match saved {
            Some(r) => Ok(Side::Saved(Box::new(r))),
            None => crate::scenario::load(path).map(|s| Side::Scenario(Box::new(s))),
        }
    };
    let (side_a, side_b) = (side(saved_a, &args.a)?, side(saved_b, &args.b)?);
    let report = |side: Side, path: &Path| match side {
        Side::Saved(r) => Ok(*r),
        Side::Scenario(s) => {
            super::run::prepare_loaded(*s, path, args.seed, true).map(|p| p.report)
        }
    };
    let (a, b) = rayon::join(|| report(side_a, &args.a), || report(side_b, &args.b));
    let (a, b) = (a?, b?);
    let cmp = report::compare::compare(&a, &b);
    let text = match args.format {
        Format::Table => report::compare::table(&cmp),
        Format::Markdown => report::compare::markdown(&cmp),
        Format::Json => report::json::pretty(&cmp),
    };
    print_stdout(&text)?;
    Ok(Outcome::Success)
}

/// True when `path` names a saved summary (`.json`) rather than a scenario.
fn is_summary(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Read a saved `summary.json`; its `schema_version` must be this build's.
pub fn load_summary(path: &Path) -> Result<RunReport> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let file = path.display().to_string();
    let malformed = |e: &serde_json::Error| {
        Problem::new(
            file.clone(),
            "",
            format!("not a capsim summary.json: {e}"),
            "pass a summary.json written by `capsim run`, or a scenario YAML",
        )
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(malformed(&e).at(Some((e.line(), e.column())))))?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(report::SCHEMA_VERSION) => {}
        found => {
            return Err(Error::invalid(Problem::new(
                file.clone(),
                "schema_version",
                format!(
                    "schema version {} but this capsim (v{}) reads schema version {}",
                    found.map_or_else(|| "missing".to_string(), |v| v.to_string()),
                    env!("CARGO_PKG_VERSION"),
                    report::SCHEMA_VERSION
                ),
                "re-run the scenario with this capsim to write a current summary.json",
            )));
        }
    }
    // A well-formed document of the wrong shape: serde_json has no position to give.
    serde_json::from_value(value).map_err(|e| Error::invalid(malformed(&e)))
}
