//! Writing result files: a report folder appears complete or not at all (written as a sibling
//! temporary folder, then renamed into place), single files atomically (temporary file +
//! rename); and stdout writes that treat a closed pipe as success.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The marks of capsim's own temporaries beside a report folder `NAME`:
/// `.NAME.capsim-tmp-PID` (being written) and `.NAME.capsim-old-PID` (the report it replaces).
const TMP_MARK: &str = ".capsim-tmp-";
const OLD_MARK: &str = ".capsim-old-";

/// The names capsim writes into a report folder (run, check --out, sweep, sweep shards). Only a
/// folder holding nothing else is replaced; anything else there is the user's.
const REPORT_NAMES: &[&str] = &[
    "summary.json",
    "timeseries.csv",
    "cost_monthly.csv",
    "cost_monthly.parquet",
    "focus.csv",
    "nodes.csv",
    "report.html",
    "charts",
    "runs.parquet",
    "runs.csv",
    "aggregates.parquet",
    "aggregates.csv",
    "sweep.json",
    "manifest.json",
    "summary.md",
    "headroom.json",
    "headroom.md",
    "headroom.html",
];

/// Write a whole report folder `dir` so that it appears complete or not at all. `files` are
/// paths inside `dir` (subfolders are created). The files go to a sibling temporary folder
/// `.NAME.capsim-tmp-PID`, which one rename then puts in place. An older report at `dir` is
/// first renamed aside (`.NAME.capsim-old-PID`) and removed after; a kill between those two
/// renames leaves the old report under that name, and the next write beside it renames it back
/// before doing anything else. A folder that holds anything capsim does not write is refused,
/// not replaced; sweep folders nested in a run's report (`sweep`, `sweep-shard-*`) are moved
/// into the new one. Stale temporaries of dead capsim processes beside `dir` are cleaned first.
pub fn write_folder_atomic(dir: &Path, files: &[(&Path, &[u8])]) -> Result<()> {
    let name = folder_name(dir)?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
    clean_stale(parent, &name);
    if dir.exists() {
        check_replaceable(dir)?;
    }
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}{TMP_MARK}{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = write_tree(&tmp, dir, files);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        let old = parent.join(format!(".{name}{OLD_MARK}{pid}"));
        let _ = std::fs::remove_dir_all(&old);
        if let Err(e) = std::fs::rename(dir, &old) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(Error::write(dir, e));
        }
        if let Err(e) = std::fs::rename(&tmp, dir) {
            let _ = std::fs::rename(&old, dir);
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(Error::write(dir, e));
        }
        carry_nested(&old, dir);
        let _ = std::fs::remove_dir_all(&old);
    } else if let Err(e) = std::fs::rename(&tmp, dir) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::write(dir, e));
    }
    Ok(())
}

/// The name of report folder `dir`; `.`, `..` and `/` name no folder capsim may replace.
fn folder_name(dir: &Path) -> Result<String> {
    match dir.file_name() {
        Some(n) => Ok(n.to_string_lossy().into_owned()),
        None => Err(Error::Usage(format!(
            "{}: the output must be a named folder (not . or ..)\n  fix: pass --out with a new \
             folder's name, e.g. --out reports/run1",
            dir.display()
        ))),
    }
}

/// Check, before any work, that a report can be written to `dir`: it names a folder, and an
/// existing one holds only what capsim writes (after the temporaries of dead capsim processes
/// beside it are cleaned, and an old report they renamed aside is put back).
pub fn check_output_folder(dir: &Path) -> Result<()> {
    let name = folder_name(dir)?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    clean_stale(parent, &name);
    if dir.exists() {
        check_replaceable(dir)?;
    }
    Ok(())
}

/// Write `files` (paths under `dir`) into `tmp`, each synced to disk.
fn write_tree(tmp: &Path, dir: &Path, files: &[(&Path, &[u8])]) -> Result<()> {
    std::fs::create_dir_all(tmp).map_err(|e| Error::write(tmp, e))?;
    for (path, bytes) in files {
        let rel = path
            .strip_prefix(dir)
            .ok()
            .or_else(|| path.file_name().map(Path::new))
            .unwrap_or(path);
        let target = tmp.join(rel);
        if let Some(sub) = target.parent() {
            std::fs::create_dir_all(sub).map_err(|e| Error::write(path, e))?;
        }
        std::fs::File::create(&target)
            .and_then(|mut f| {
                f.write_all(bytes)?;
                f.sync_all()
            })
            .map_err(|e| Error::write(path, e))?;
    }
    Ok(())
}

/// An existing `dir` may be replaced only when it holds nothing but what capsim writes.
fn check_replaceable(dir: &Path) -> Result<()> {
    let refuse = |what: String| {
        Err(Error::Usage(format!(
            "{}: {what}, so capsim will not replace it\n  fix: pass --out with a new folder \
             (or remove this one)",
            dir.display()
        )))
    };
    if !dir.is_dir() {
        return refuse("exists and is not a folder".into());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::read(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_temp = name.starts_with('.') && name.contains(".tmp-");
        if name == "charts" {
            let inner = std::fs::read_dir(entry.path()).map_err(|e| Error::read(dir, e))?;
            for c in inner {
                let c = c.map_err(|e| Error::read(dir, e))?;
                let n = c.file_name().to_string_lossy().into_owned();
                if !(n.ends_with(".png") || n.ends_with(".svg") || n.contains(".tmp-")) {
                    return refuse(format!("holds charts/{n}, which capsim did not write"));
                }
            }
        } else if !is_temp && !is_nested_report(&name) && !REPORT_NAMES.contains(&name.as_str()) {
            return refuse(format!("holds {name}, which capsim did not write"));
        }
    }
    Ok(())
}

/// Remove (or, for a report renamed aside whose replacement never arrived, restore) the
/// temporaries of report folder `name` in `parent` left by capsim processes that are gone.
fn clean_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let (is_old, pid) = if let Some(pid) = rest.strip_prefix(TMP_MARK) {
            (false, pid)
        } else if let Some(pid) = rest.strip_prefix(OLD_MARK) {
            (true, pid)
        } else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let dir = parent.join(name);
        if is_old && !dir.exists() {
            let _ = std::fs::rename(&path, &dir);
        } else {
            if is_old {
                carry_nested(&path, &dir);
            }
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Report folders capsim nests in a run's report folder by default (`reports/<name>/sweep`,
/// `reports/<name>/sweep-shard-I-of-N`): they are not the run's, and survive its replacement.
fn is_nested_report(name: &str) -> bool {
    name == "sweep" || name.starts_with("sweep-shard-")
}

/// Move the nested report folders of an old report `from` into its replacement `to`.
fn carry_nested(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if is_nested_report(&name.to_string_lossy()) && !to.join(&name).exists() {
            let _ = std::fs::rename(entry.path(), to.join(&name));
        }
    }
}

/// Whether process `pid` runs. Only Linux's /proc answers; elsewhere every process counts as
/// alive, so nothing another process may still be writing is ever removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Write several files so that none is ever left half-written: each goes to a temporary file in
/// its folder first, and the renames into place happen only once every temporary file is complete.
/// On an error, the temporary files not yet renamed are removed.
pub fn write_files_atomic(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut temps = Vec::new();
    for (path, bytes) in files {
        let tmp = temp_path(path);
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        temps.push((tmp, *path));
        if let Err(e) = written {
            remove_all(&temps);
            return Err(Error::write(path, e));
        }
    }
    for (i, (tmp, path)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            remove_all(&temps[i..]);
            return Err(Error::write(path, e));
        }
    }
    Ok(())
}

/// Remove temporary files, ignoring errors (the write error is the one to report).
fn remove_all(temps: &[(PathBuf, &Path)]) {
    for (tmp, _) in temps {
        let _ = std::fs::remove_file(tmp);
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Print to stdout; a closed pipe (`capsim ... | head`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::write(Path::new("<stdout>"), e)),
    }
}

/// A progress bar on stderr with `template`; indicatif hides it when stderr is not a terminal,
/// and `quiet` hides it always.
pub fn progress_bar(
    len: u64,
    quiet: bool,
    template: &str,
    message: String,
) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    // `-q` hides every bar, whatever the caller passed (a caller may hide its own besides).
    if quiet || super::quiet() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}
