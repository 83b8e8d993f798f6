//! `summary.json`: the RunReport as pretty JSON.

use super::RunReport;

pub fn to_bytes(report: &RunReport) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(report).unwrap_or_default();
    out.push(b'\n');
    out
}
