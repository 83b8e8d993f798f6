//! `capsim compare A B`: two runs side by side — replicas, SLOs, cost per month and variant —
//! with deltas (B − A). Each side is a scenario YAML (simulated and priced exactly as
//! `capsim run` does) or a saved `summary.json`.

use std::path::{Path, PathBuf};

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Problem, Result};
use crate::model::RunOutput;
use crate::report::{self, RunReport};
use crate::scenario::Scenario;

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
    // Read both inputs before simulating either, so a bad summary fails fast.
    let a = load_run(&args.a, args.seed)?;
    let b = load_run(&args.b, args.seed)?;
    let cmp = report::compare::compare(&a, &b);
    let text = match args.format {
        Format::Table => report::compare::table(&cmp),
        Format::Markdown => report::compare::markdown(&cmp),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&cmp).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    print_stdout(&text)?;
    Ok(Outcome::Success)
}

/// A run's report from a scenario file (simulated and priced) or a `summary.json` (by extension).
pub fn load_run(path: &Path, seed: Option<u64>) -> Result<RunReport> {
    if is_summary(path) {
        load_summary(path)
    } else {
        report_for(path, seed).map(|(_, _, r)| r)
    }
}

/// True when `path` names a saved summary (`.json`) rather than a scenario.
pub fn is_summary(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Load a scenario, simulate and price it exactly as `capsim run` does, and build its report.
pub fn report_for(path: &Path, seed: Option<u64>) -> Result<(Scenario, RunOutput, RunReport)> {
    let p = super::run::prepare(path, seed, false)?;
    Ok((p.scenario, p.out, p.report))
}

/// Read a saved `summary.json`; its `schema_version` must be this build's.
pub fn load_summary(path: &Path) -> Result<RunReport> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let file = path.display().to_string();
    let malformed = |e: serde_json::Error| {
        Error::invalid(
            Problem::new(
                file.clone(),
                "",
                format!("not a capsim summary.json: {e}"),
                "pass a summary.json written by `capsim run`, or a scenario YAML",
            )
            .at(Some((e.line(), e.column()))),
        )
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(malformed)?;
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
    serde_json::from_value(value).map_err(|e| {
        Error::invalid(Problem::new(
            file.clone(),
            "",
            format!("not a capsim summary.json: {e}"),
            "pass a summary.json written by `capsim run`, or a scenario YAML",
        ))
    })
}
