//! `capsim schema`: print the JSON Schema of `summary.json` (the RunReport), generated from the
//! Rust types, so the documented format cannot drift from what `capsim run` writes.

use super::Outcome;
use super::output::print_stdout;
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// The schema as pretty JSON with a trailing newline.
fn schema_json() -> String {
    crate::report::json::pretty(&schemars::schema_for!(crate::report::RunReport))
}

pub fn exec(_args: Args) -> Result<Outcome> {
    print_stdout(&schema_json())?;
    Ok(Outcome::Success)
}
