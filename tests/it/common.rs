//! Helpers: run the real binary, make scenario variants in temporary folders.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_capsim"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

pub fn capsim(args: &[&str]) -> Output {
    command(args).output().expect("the capsim binary runs")
}

/// [`capsim`] with the environment variable `key` set to `value`.
pub fn capsim_with_env(args: &[&str], key: &str, value: impl AsRef<OsStr>) -> Output {
    command(args)
        .env(key, value)
        .output()
        .expect("the capsim binary runs")
}

/// `capsim run SCENARIO --out OUT EXTRA…`, which must exit 0.
pub fn run_ok(scenario: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", scenario, "--out", path_str(out)];
    args.extend_from_slice(extra);
    let o = capsim(&args);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    o
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as a command-line argument.
pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
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

/// `validate` and `run` on `text` both exit 2 without a panic and without a report; stderr names
/// the file, a line, the fix, and each of `needles`. Returns `validate`'s stderr.
pub fn rejected(text: &str, needles: &[&str]) -> String {
    let (dir, path) = write_temp("bad.yaml", text);
    let v = capsim(&["validate", path_str(&path)]);
    let err = stderr(&v);
    assert_eq!(v.status.code(), Some(2), "validate: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("bad.yaml:"), "names the file and line: {err}");
    assert!(err.contains("fix:"), "says how to fix it: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    let out = dir.path().join("out");
    let r = capsim(&["run", path_str(&path), "--out", path_str(&out), "-q"]);
    assert_eq!(r.status.code(), Some(2), "run: {}", stderr(&r));
    assert!(!out.exists(), "no report for bad input");
    err
}

/// The six purchase variants, as the README and docs/cost-model.md name them (in the order the
/// cost files' columns take).
pub const VARIANTS: [&str; 6] = [
    "on-demand",
    "spot",
    "committed-1y",
    "committed-3y",
    "committed-1y-spot",
    "committed-3y-spot",
];

/// A decimal text with at most six decimals as whole micro-dollars, exactly (no float).
pub fn micros(text: &str) -> i64 {
    let (neg, t) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    assert!(frac.len() <= 6, "{text}: more than six decimals");
    let v =
        whole.parse::<i64>().unwrap() * 1_000_000 + format!("{frac:0<6}").parse::<i64>().unwrap();
    if neg { -v } else { v }
}
