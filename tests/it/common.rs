//! Helpers: run the real binary, make scenario variants in temporary folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn capsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the capsim binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn small_fixture() -> String {
    std::fs::read_to_string(repo("tests/fixtures/small.yaml")).unwrap()
}

/// Write `text` as `name` in a fresh temporary folder; returns (folder guard, file path).
pub fn write_temp(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The small fixture with `from` replaced by `to` (which must occur exactly once).
pub fn variant(from: &str, to: &str) -> String {
    let base = small_fixture();
    assert_eq!(
        base.matches(from).count(),
        1,
        "fixture must contain {from:?} exactly once"
    );
    base.replacen(from, to, 1)
}
