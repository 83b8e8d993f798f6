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
    #[arg(long)]
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
    // Read the saved summaries (`.json`) before simulating either scenario, so a bad summary fails
    // fast.
    let saved = |path: &Path| is_summary(path).then(|| load_summary(path)).transpose();
    let (saved_a, saved_b) = (saved(&args.a)?, saved(&args.b)?);
    // A scenario is simulated and priced exactly as `capsim run` does.
    let report = |saved: Option<RunReport>, path: &Path| match saved {
        Some(r) => Ok(r),
        None => super::run::prepare(path, args.seed, false).map(|p| p.report),
    };
    let a = report(saved_a, &args.a)?;
    let b = report(saved_b, &args.b)?;
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
