//! Writing result files: atomically (temporary file + rename), so a failed run never leaves a
//! half-written report, and stdout writes that treat a closed pipe as success.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

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
fn remove_all(temps: &[(std::path::PathBuf, &Path)]) {
    for (tmp, _) in temps {
        let _ = std::fs::remove_file(tmp);
    }
}

fn temp_path(path: &Path) -> std::path::PathBuf {
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
    if quiet {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}
