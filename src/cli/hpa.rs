//! `capsim hpa ...`: Kubernetes HPA tools. `hpa eval` runs conformance cases (JSON files in the
//! format of `shared/reference/hpa-case-format.md`) against [`crate::hpa`] and reports each case.

use std::path::PathBuf;

use serde::Serialize;

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Problem};
use crate::hpa::cases::{self, CaseResult, Mismatch};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Evaluate HPA conformance cases (JSON files); exit 1 when any case fails.
    Eval(EvalArgs),
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Case files (format: shared/reference/hpa-case-format.md).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How `hpa eval` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per case, then `N passed, M failed` (`text` is accepted too, the name before
    /// 0.2).
    #[value(alias = "text")]
    Table,
    /// The same content as one JSON object.
    Json,
}

pub fn exec(cmd: Command) -> crate::Result<Outcome> {
    match cmd {
        Command::Eval(args) => eval(&args),
    }
}

/// Read, validate and evaluate every file; malformed files are reported together (exit 2).
fn eval(args: &EvalArgs) -> crate::Result<Outcome> {
    let mut results: Vec<CaseResult> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        let label = path.display().to_string();
        match cases::evaluate_file(&label, &text) {
            Ok(mut r) => results.append(&mut r),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    let passed = results.len() - failed;
    let out = match args.format {
        Format::Table => render_text(&results, passed, failed),
        Format::Json => render_json(&results, passed, failed),
    };
    if !super::quiet() {
        print_stdout(&out)?;
    }
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::GateFailed
    })
}

/// `PASS id` / `FAIL id: expected X, got Y (field)` per case, then the totals.
fn render_text(results: &[CaseResult], passed: usize, failed: usize) -> String {
    let mut out = String::new();
    for r in results {
        if r.passed {
            out.push_str(&format!("PASS {}\n", r.id));
        } else {
            let details: Vec<String> = r
                .mismatches
                .iter()
                .map(|m| format!("expected {}, got {} ({})", m.expected, m.got, m.field))
                .collect();
            out.push_str(&format!("FAIL {}: {}\n", r.id, details.join("; ")));
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    results: Vec<JsonResult<'a>>,
    passed: usize,
    failed: usize,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    file: &'a str,
    id: &'a str,
    kind: &'a str,
    status: &'static str,
    mismatches: &'a [Mismatch],
    source: &'a serde_json::Value,
}

fn render_json(results: &[CaseResult], passed: usize, failed: usize) -> String {
    let report = JsonReport {
        results: results
            .iter()
            .map(|r| JsonResult {
                file: &r.file,
                id: &r.id,
                kind: r.kind.as_str(),
                status: if r.passed { "pass" } else { "fail" },
                mismatches: &r.mismatches,
                source: &r.source,
            })
            .collect(),
        passed,
        failed,
    };
    crate::report::json::pretty(&report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpa::cases::Kind;

    fn result(id: &str, mismatches: Vec<Mismatch>) -> CaseResult {
        CaseResult {
            file: "f.json".into(),
            id: id.into(),
            kind: Kind::Stabilize,
            passed: mismatches.is_empty(),
            mismatches,
            source: serde_json::json!({"test": "X"}),
        }
    }

    #[test]
    fn text_lines() {
        let results = vec![
            result("a", vec![]),
            result(
                "b",
                vec![Mismatch {
                    field: "stabilized_replicas",
                    expected: "7".into(),
                    got: "5".into(),
                }],
            ),
        ];
        assert_eq!(
            render_text(&results, 1, 1),
            "PASS a\nFAIL b: expected 7, got 5 (stabilized_replicas)\n1 passed, 1 failed\n"
        );
    }

    #[test]
    fn json_has_the_same_content() {
        let results = vec![result("a", vec![])];
        let v: serde_json::Value = serde_json::from_str(&render_json(&results, 1, 0)).unwrap();
        assert_eq!(v["passed"], 1);
        assert_eq!(v["failed"], 0);
        assert_eq!(v["results"][0]["id"], "a");
        assert_eq!(v["results"][0]["status"], "pass");
        assert_eq!(v["results"][0]["kind"], "stabilize");
        assert_eq!(v["results"][0]["source"]["test"], "X");
    }
}
