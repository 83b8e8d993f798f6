//! `capsim schema`: print the JSON Schema of `summary.json` (the RunReport), generated from the
//! Rust types, so the documented format cannot drift from what `capsim run` writes.

use super::Outcome;
use super::output::print_stdout;
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// The schema as pretty JSON with a trailing newline: the generated schema with an `$id` naming
/// the version, and `schema_version` pinned to this build's (`const`), so a validator rejects a
/// `summary.json` of another version instead of reading its fields with the wrong types.
fn schema_json() -> String {
    let v = crate::report::SCHEMA_VERSION;
    let mut schema = schemars::schema_for!(crate::report::RunReport);
    schema.insert(
        "$id".into(),
        serde_json::Value::String(format!("urn:capsim:schema:summary:{v}")),
    );
    if let Some(p) = schema.pointer_mut("/properties/schema_version") {
        *p = serde_json::json!({
            "description": "The report format's version; bumped when a field changes meaning, type or disappears.",
            "type": "integer",
            "const": v,
        });
    }
    crate::report::json::pretty(&schema)
}

pub fn exec(_args: Args) -> Result<Outcome> {
    print_stdout(&schema_json())?;
    Ok(Outcome::Success)
}
