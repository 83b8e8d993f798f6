//! Reading capsim's data CSVs (price book, instance catalogue, replayed traffic): they start with
//! `#` comment lines, and the `csv` crate reports a record's position from *before* the comment
//! and blank lines it skipped. [`PhysicalLines`] maps that position to the line a person sees.

use crate::error::{Error, Problem, Result};

/// A reader over `text` (comments skipped, fields trimmed, rows of any length) and its header
/// record; a file without a header is an error naming `file` and the expected `columns`.
pub fn reader_with_header<'t>(
    text: &'t str,
    file: &str,
    columns: &[&str],
) -> Result<(csv::Reader<&'t [u8]>, csv::StringRecord)> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let fix = format!(
        "start the file (after its # comments) with: {}",
        columns.join(",")
    );
    match rdr.headers() {
        Ok(h) if h.iter().any(|f| !f.is_empty()) => {
            let h = h.clone();
            Ok((rdr, h))
        }
        Ok(_) => Err(Error::invalid(Problem::new(
            file,
            "header",
            "the file has no header line",
            fix,
        ))),
        Err(e) => Err(Error::invalid(Problem::new(
            file,
            "header",
            format!("cannot read the CSV header: {e}"),
            fix,
        ))),
    }
}

/// The text's lines, for mapping `csv` positions to physical line numbers.
pub struct PhysicalLines<'t> {
    lines: Vec<&'t str>,
}

impl<'t> PhysicalLines<'t> {
    pub fn new(text: &'t str) -> Self {
        PhysicalLines {
            lines: text.split('\n').collect(),
        }
    }

    /// The 1-based line a record reported at `reported` (csv's `Position::line()`) is really on:
    /// past any comment (`#`) and blank lines.
    pub fn line(&self, reported: u64) -> usize {
        let mut line = usize::try_from(reported).unwrap_or(usize::MAX).max(1);
        while let Some(t) = self.lines.get(line - 1) {
            if t.starts_with('#') || t.trim().is_empty() {
                line += 1;
            } else {
                break;
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_comments_and_blank_lines() {
        let text = "# a\n# b\nh1,h2\n\n# c\n1,2\n";
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let lines = PhysicalLines::new(text);
        assert_eq!(
            lines.line(rdr.headers().unwrap().position().unwrap().line()),
            3
        );
        let rec = rdr.records().next().unwrap().unwrap();
        assert_eq!(lines.line(rec.position().unwrap().line()), 6);
    }
}
