//! The JSON Schemas of capsim's JSON outputs (`capsim schema summary|check|compare|sweep`):
//! each committed `docs/<name>.schema.json` is what the binary prints, and a real output of each
//! command validates against it with an outside validator (Python `jsonschema`, Draft 2020-12,
//! which `.ci/run` installs when missing).

use std::path::Path;

use crate::common::{capsim, path_str, repo, run_ok, stdout};

const KINDS: [&str; 4] = ["summary", "check", "compare", "sweep"];

/// Regenerate with `for k in summary check compare sweep; do cargo run -q -- schema $k >
/// docs/$k.schema.json; done`.
#[test]
fn the_committed_json_schemas_are_current() {
    for kind in KINDS {
        let o = capsim(&["schema", kind]);
        assert_eq!(o.status.code(), Some(0), "schema {kind}");
        let committed = std::fs::read_to_string(repo(&format!("docs/{kind}.schema.json"))).unwrap();
        assert_eq!(
            stdout(&o),
            committed,
            "run: cargo run -q -- schema {kind} > docs/{kind}.schema.json"
        );
        let v: serde_json::Value = serde_json::from_str(&committed).unwrap();
        assert!(
            v["$id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("urn:capsim:schema:{kind}:")),
            "{kind}"
        );
        assert!(
            v["properties"]["schema_version"]["const"].is_u64(),
            "{kind}"
        );
    }
    // `capsim schema` alone is the summary's, as before.
    assert_eq!(
        stdout(&capsim(&["schema"])),
        stdout(&capsim(&["schema", "summary"]))
    );
}

/// Validate `instance` (a JSON file) against `docs/<kind>.schema.json`; the validator's message
/// on failure.
fn validate(kind: &str, instance: &Path) {
    let script = "import json, sys\n\
import jsonschema\n\
schema = json.load(open(sys.argv[1]))\n\
jsonschema.Draft202012Validator.check_schema(schema)\n\
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))\n";
    let o = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(repo(&format!("docs/{kind}.schema.json")))
        .arg(instance)
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "{kind}: {} does not validate (needs Python's jsonschema: pip install jsonschema)\n{}",
        instance.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn real_outputs_validate_against_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    run_ok("tests/fixtures/small.yaml", &run, &["-q"]);
    let summary = run.join("summary.json");
    validate("summary", &summary);

    // check: a failing budget (failures with lines, negative headroom) and a passing one.
    for (budget, code) in [("1", 1), ("1000000", 0)] {
        let o = capsim(&[
            "check",
            "tests/fixtures/small.yaml",
            "--budget",
            budget,
            "--min-availability",
            "0.9",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(code), "budget {budget}");
        let file = dir.path().join(format!("check-{budget}.json"));
        std::fs::write(&file, o.stdout).unwrap();
        validate("check", &file);
    }

    let o = capsim(&[
        "compare",
        path_str(&summary),
        "tests/fixtures/small.yaml",
        "--seed",
        "7",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let file = dir.path().join("compare.json");
    std::fs::write(&file, o.stdout).unwrap();
    validate("compare", &file);

    let sweep = dir.path().join("sweep");
    let o = capsim(&[
        "sweep",
        "tests/fixtures/small.yaml",
        "--runs",
        "2",
        "--threads",
        "1",
        "--require",
        "slo>=0.5",
        "--out",
        path_str(&sweep),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", crate::common::stderr(&o));
    validate("sweep", &sweep.join("sweep.json"));
}
