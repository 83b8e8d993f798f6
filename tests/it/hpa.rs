//! `capsim hpa eval` end to end: the real binary on case files written to a temporary folder.

use std::process::Output;

use crate::common::{capsim, stderr, stdout, write_temp};

/// The two examples of shared/reference/hpa-case-format.md.
const EXAMPLES: &str = include_str!("../fixtures/hpa-format-examples.json");

fn eval(text: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let (dir, path) = write_temp("cases.json", text);
    let path = path.display().to_string();
    let mut args = vec!["hpa", "eval", path.as_str()];
    args.extend_from_slice(extra);
    (dir, capsim(&args))
}

/// Every committed conformance case, transcribed from Kubernetes' own tests
/// (kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go and
/// horizontal_test.go; see tests/hpa-cases/README.md for commits and the mapping), must pass.
#[test]
fn committed_kubernetes_cases_pass() {
    let mut files: Vec<String> = std::fs::read_dir(crate::common::repo("tests/hpa-cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut args = vec!["hpa", "eval"];
    args.extend(files.iter().map(String::as_str));
    let o = capsim(&args);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    let last = out.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 200, "{last}");
    assert!(last.ends_with(" 0 failed"), "{last}");
    assert!(!out.contains("FAIL"));
}

#[test]
fn format_examples_pass() {
    let (_dir, out) = eval(EXAMPLES, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text,
        "PASS example-cpu-scale-up\nPASS example-stabilize-holds\n2 passed, 0 failed\n"
    );
}

#[test]
fn format_examples_as_json() {
    let (_dir, out) = eval(EXAMPLES, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert_eq!(v["passed"], 2);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["results"][0]["id"], "example-cpu-scale-up");
    assert_eq!(
        v["results"][1]["source"]["note"],
        "scale-down window 300 s keeps the highest recent recommendation"
    );
}

#[test]
fn wrong_expectation_exits_1_with_a_fail_line() {
    let text = EXAMPLES.replacen(
        "\"stabilized_replicas\": 7",
        "\"stabilized_replicas\": 9",
        1,
    );
    let (_dir, out) = eval(&text, &[]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("PASS example-cpu-scale-up\n"), "{text}");
    assert!(
        text.contains("FAIL example-stabilize-holds: expected 9, got 7 (stabilized_replicas)\n"),
        "{text}"
    );
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");
}

#[test]
fn unknown_field_exits_2_naming_case_and_field() {
    let text = EXAMPLES.replacen("\"deleting\": false", "\"deleted\": false", 1);
    let (_dir, out) = eval(&text, &[]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cases[0](example-cpu-scale-up).inputs.pods[0].deleted"),
        "{err}"
    );
    assert!(err.contains("unknown field `deleted`"), "{err}");
    assert!(err.contains("cases.json:9:"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn missing_file_exits_2() {
    let out = capsim(&["hpa", "eval", "/nonexistent/cases.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read file"),
        "{}",
        stderr(&out)
    );
}
