//! Issue 12: every CSV and Parquet file a run and a sweep write reads with the same values in
//! polars, pandas and duckdb (Python; `.ci/run` installs them), with their default settings.

use crate::common::*;

fn readers(files: &[std::path::PathBuf]) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/readers.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(script).args(files);
    cmd.output().expect("python3 runs")
}

fn tables(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "parquet"))
        .collect();
    files.sort();
    files
}

#[test]
fn polars_pandas_and_duckdb_read_every_table_with_the_values_written() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import polars, pandas, pyarrow, duckdb"])
        .output()
        .expect("python3 runs");
    assert!(
        probe.status.success(),
        "this test needs polars, pandas, pyarrow and duckdb for python3 \
         (`python3 -m pip install polars pandas pyarrow duckdb`, as .ci/run does): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    run_ok("tests/fixtures/platform.yaml", &run, &[]);
    let sweep = dir.path().join("sweep");
    let o = capsim(&[
        "sweep",
        "tests/fixtures/small.yaml",
        "--runs",
        "3",
        "--out",
        path_str(&sweep),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files = tables(&run);
    files.extend(tables(&sweep));
    // cost_monthly, focus, nodes, timeseries; runs and aggregates, each as CSV and Parquet.
    assert_eq!(files.len(), 9, "{files:?}");
    let o = readers(&files);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    // The check fails on the defect it guards against: a float column whose first rows are
    // whole numbers written without a decimal point (polars stops on the 3.557).
    let bad = dir.path().join("bad.csv");
    let mut text = String::from("a,b\n");
    for i in 0..30_000 {
        text.push_str(&format!("{i},3\n"));
    }
    text.push_str("30000,3.557\n");
    std::fs::write(&bad, text).unwrap();
    let o = readers(&[bad]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{said}");
    // Both failures the check exists for: polars stops, duckdb rounds 3.557 (read as 4).
    assert!(said.contains("polars could not read it"), "{said}");
    assert!(
        said.contains("duckdb row 30000 'b': 3.557 read as 4"),
        "{said}"
    );
}
