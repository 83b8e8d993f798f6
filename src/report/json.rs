//! `summary.json`: the RunReport as pretty JSON; [`pretty`] for the other JSON outputs.

use serde::Serialize;

use super::RunReport;

/// `value` as pretty JSON with a trailing newline.
pub fn pretty(value: &impl Serialize) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

pub fn to_bytes(report: &RunReport) -> Vec<u8> {
    pretty(report).into_bytes()
}
