//! `spec.catalogue`: instance types from a file, laid over the built-in catalogue.

use crate::common::{capsim, path_str, repo, small_fixture, stderr};

const HEADER: &str = "provider,service,type,vcpu,memory_gib,network,notes,source\n";

/// The small fixture with a catalogue file, a price book and a database on `class`.
fn scenario_with(dir: &std::path::Path, catalogue: &str, class: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("mine.csv"), catalogue).unwrap();
    // The new class needs a price too: the built-in book plus one (test-only) row.
    let mut book = std::fs::read_to_string(repo("data/prices/seoul-2026.csv")).unwrap();
    book.push_str(
        "aws,ap-northeast-2,RDS for PostgreSQL,db.r7g.2xlarge,instance-hour,1.2,,,,,test row,2026-12-07,estimate,made up for a test\n",
    );
    std::fs::write(dir.join("prices.csv"), book).unwrap();
    let text = format!(
        "{}  catalogue: mine.csv\n  database:\n    maxConnections: 500\n    primary: {{ instanceClass: {class} }}\n  cost:\n    priceBook: prices.csv\n",
        small_fixture()
    );
    let path = dir.join("s.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_catalogue_file_adds_an_instance_type_without_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let row =
        "aws,rds,db.r7g.2xlarge,8,64,up to 15 Gbps,,https://aws.amazon.com/rds/instance-types/\n";
    let path = scenario_with(
        dir.path(),
        &format!("# mine\n{HEADER}{row}"),
        "db.r7g.2xlarge",
    );
    let o = capsim(&["validate", path_str(&path)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Without the file the type is unknown, and the fix points at spec.catalogue.
    let bare = format!(
        "{}  database:\n    maxConnections: 500\n    primary: {{ instanceClass: db.r7g.2xlarge }}\n",
        small_fixture()
    );
    let p2 = dir.path().join("bare.yaml");
    std::fs::write(&p2, bare).unwrap();
    let o = capsim(&["validate", path_str(&p2)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown database instance class \"db.r7g.2xlarge\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_catalogue_rows_name_the_file_line_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "aws,rds,db.r7g.2xlarge,eight,64,,,https://aws.amazon.com/rds/instance-types/\n\
                aws,rds,db.r7g.4xlarge,16,128,,,\n";
    let path = scenario_with(dir.path(), &format!("{HEADER}{rows}"), "db.r7g.2xlarge");
    let o = capsim(&["validate", path_str(&path)]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(
            "mine.csv:2:1: row 1.vcpu: db.r7g.2xlarge: expected a vCPU count > 0, found \"eight\""
        ),
        "{e}"
    );
    assert!(e.contains("mine.csv:3:1: row 2.source"), "{e}");
    assert!(e.contains("fix: "), "{e}");
}
