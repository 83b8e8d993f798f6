//! `capsim schema [summary|check|compare|sweep]`: print the JSON Schema of one of capsim's JSON
//! outputs, generated from the Rust types, so the documented formats (`docs/*.schema.json`)
//! cannot drift from what the commands write.

use super::Outcome;
use super::output::print_stdout;
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which output: summary.json of `run` (the default), `check --format json`,
    /// `compare --format json`, or sweep.json of `sweep`.
    #[arg(value_enum, default_value_t = Kind::Summary)]
    pub output: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Summary,
    Check,
    Compare,
    Sweep,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Summary, Kind::Check, Kind::Compare, Kind::Sweep];

    /// The name in `$id`, the command line and `docs/<name>.schema.json`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Summary => "summary",
            Kind::Check => "check",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
        }
    }

    fn version(self) -> u32 {
        match self {
            Kind::Summary => crate::report::SCHEMA_VERSION,
            Kind::Check => crate::report::check::SCHEMA_VERSION,
            Kind::Compare => crate::report::compare::SCHEMA_VERSION,
            Kind::Sweep => crate::sweep::SCHEMA_VERSION,
        }
    }
}

/// The schema as pretty JSON with a trailing newline: the generated schema with an `$id` naming
/// the output and its version, and `schema_version` pinned to this build's (`const`), so a
/// validator rejects a file of another version instead of reading its fields with the wrong
/// types.
pub fn schema_json(kind: Kind) -> String {
    let v = kind.version();
    let mut schema = match kind {
        Kind::Summary => schemars::schema_for!(crate::report::RunReport),
        Kind::Check => schemars::schema_for!(crate::report::check::CheckOutput),
        Kind::Compare => schemars::schema_for!(crate::report::compare::Comparison),
        Kind::Sweep => schemars::schema_for!(crate::sweep::report::SweepReport),
    };
    schema.insert(
        "$id".into(),
        serde_json::Value::String(format!("urn:capsim:schema:{}:{v}", kind.name())),
    );
    if let Some(p) = schema.pointer_mut("/properties/schema_version") {
        *p = serde_json::json!({
            "description": "The format's version; bumped when a field changes meaning, type or disappears.",
            "type": "integer",
            "const": v,
        });
    }
    crate::report::json::pretty(&schema)
}

pub fn exec(args: Args) -> Result<Outcome> {
    print_stdout(&schema_json(args.output))?;
    Ok(Outcome::Success)
}
