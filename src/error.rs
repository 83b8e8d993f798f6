//! The library's error type and how each error maps to the process exit code.
//!
//! Every error here is a user or environment problem (exit code 2). A gate that *fails*
//! (an HPA case that disagrees, a budget that is broken) is not an error: commands report it
//! through the CLI's `Outcome` and exit 1.

use std::path::{Path, PathBuf};

/// Everything that can stop a command before it produced its result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read (missing, unreadable, not UTF-8).
    #[error("{}", read_message(path, source))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// An output file or folder could not be written.
    #[error("{}: cannot write: {source}\n  fix: check that the folder is writable and the disk is not full", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    /// One or more problems in an input file; each names the file, the place and the fix.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),

    /// A command-line value that makes no sense (names the flag and the fix).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn read(path: &Path, source: std::io::Error) -> Self {
        Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn write(path: &Path, source: std::io::Error) -> Self {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    }
    /// One problem as an error.
    pub fn invalid(problem: Problem) -> Self {
        Error::Invalid(vec![problem])
    }
}

/// One problem in an input file: where it is, what is wrong and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line and column, when the parser knows them.
    pub line_col: Option<(usize, usize)>,
    /// Dotted field path, e.g. `spec.services.web-main.hpa.minReplicas`; empty for the whole file.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Problem {
    pub fn new(
        file: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.into(),
            line_col: None,
            field: field.into(),
            message: message.into(),
            fix: fix.into(),
        }
    }
    pub fn at(mut self, line_col: Option<(usize, usize)>) -> Self {
        self.line_col = line_col;
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An empty file is a problem whose message already names it (a read error).
        let mut sep = "";
        if !self.file.is_empty() {
            write!(f, "{}", self.file)?;
            if let Some((line, col)) = self.line_col {
                write!(f, ":{line}:{col}")?;
            }
            sep = ": ";
        }
        if self.field.is_empty() {
            write!(f, "{sep}{}", self.message)?;
        } else {
            write!(f, "{sep}{}: {}", self.field, self.message)?;
        }
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// A read error's message: a file that is not UTF-8 text is told so (its permissions are fine).
fn read_message(path: &Path, source: &std::io::Error) -> String {
    if source.kind() == std::io::ErrorKind::InvalidData {
        format!(
            "{}: the file is not UTF-8 text ({source})\n  fix: save it as UTF-8 (a text editor's \
             \"encoding\" setting, or iconv -t UTF-8)",
            path.display()
        )
    } else {
        format!(
            "{}: cannot read file: {source}\n  fix: check the path and the file's permissions",
            path.display()
        )
    }
}

fn render_problems(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.to_string());
    }
    if problems.len() > 1 {
        out.push_str(&format!("\n{} problems found", problems.len()));
    }
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
