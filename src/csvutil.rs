//! Reading capsim's data CSVs (price book, instance catalogue, replayed traffic): they start with
//! `#` comment lines, and the `csv` crate reports a record's position from *before* the comment
//! and blank lines it skipped. [`PhysicalLines`] maps that position to the line a person sees.

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
