//! Writing result files: atomically (temporary file + rename), so a failed run never leaves a
//! half-written report, and stdout writes that treat a closed pipe as success.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Write `bytes` to `path` through a temporary file in the same folder, then rename it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_files_atomic(&[(path, bytes)])
}

/// Write several files so that either all of them are replaced or, on an error, none is left
/// half-written: each goes to a temporary file first, and the renames happen only once every
/// temporary file is complete.
pub fn write_files_atomic(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut temps = Vec::new();
    for (path, bytes) in files {
        let tmp = temp_path(path);
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            for (t, _) in &temps {
                let _ = std::fs::remove_file(t);
            }
            return Err(Error::write(path, e));
        }
        temps.push((tmp, *path));
    }
    for (tmp, path) in &temps {
        std::fs::rename(tmp, path).map_err(|e| Error::write(path, e))?;
    }
    Ok(())
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
