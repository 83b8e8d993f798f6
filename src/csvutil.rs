//! Reading capsim's data CSVs (price book, instance catalogue, replayed traffic): they start with
//! `#` comment lines, and the `csv` crate reports a record's position from *before* the comment
//! and blank lines it skipped. [`PhysicalLines`] maps that position to the line a person sees.
//!
//! [`Table`] is the part the price book and the instance catalogue share: a header checked
//! against the expected columns (in any order), then the data rows, each with its row number and
//! physical line, malformed rows and rows of the wrong width turned into problems.

use crate::error::{Error, Problem, Result};

/// A commented data CSV opened against its `N` expected columns.
pub struct Table<'a, const N: usize> {
    file: &'a str,
    rdr: csv::Reader<&'a [u8]>,
    /// Fields in the header.
    width: usize,
    /// `col[k]` = 0-based position in the file of expected column `k`.
    col: [usize; N],
    lines: PhysicalLines<'a>,
    header_line: usize,
}

/// One data row of a [`Table`] with the right number of fields.
pub struct Row<const N: usize> {
    /// 1-based among the data rows (`row N` in problems).
    pub number: usize,
    /// 1-based physical line in the file.
    pub line: usize,
    record: csv::StringRecord,
    col: [usize; N],
}

impl<const N: usize> Row<N> {
    /// The field of expected column `k`.
    pub fn get(&self, k: usize) -> &str {
        self.record.get(self.col[k]).unwrap_or("")
    }

    /// The (line, 1-based column) of expected column `k`, for [`Problem::at`].
    pub fn at(&self, k: usize) -> Option<(usize, usize)> {
        Some((self.line, self.col[k] + 1))
    }
}

impl<'a, const N: usize> Table<'a, N> {
    /// Opens `text` (comments skipped, fields trimmed); `file` names it in problems. The header
    /// must hold each of `columns` once, in any order, and nothing else; every header problem is
    /// reported at once.
    pub fn open(text: &'a str, file: &'a str, columns: &[&str; N]) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let fix = format!(
            "start the file (after its # comments) with: {}",
            columns.join(",")
        );
        let headers = match rdr.headers() {
            Ok(h) if h.iter().any(|f| !f.is_empty()) => h.clone(),
            Ok(_) => {
                return Err(Error::invalid(Problem::new(
                    file,
                    "header",
                    "the file has no header line",
                    fix,
                )));
            }
            Err(e) => {
                return Err(Error::invalid(Problem::new(
                    file,
                    "header",
                    format!("cannot read the CSV header: {e}"),
                    fix,
                )));
            }
        };
        let lines = PhysicalLines::new(text);
        let header_line = headers.position().map_or(1, |p| lines.line(p.line()));

        let mut problems = Vec::new();
        let mut col = [usize::MAX; N];
        for (i, h) in headers.iter().enumerate() {
            let problem = match columns.iter().position(|c| *c == h) {
                Some(k) if col[k] == usize::MAX => {
                    col[k] = i;
                    continue;
                }
                Some(_) => Problem::new(
                    file,
                    "header",
                    format!("column `{h}` appears twice"),
                    "keep one column of each name",
                ),
                None => Problem::new(
                    file,
                    "header",
                    format!("unknown column `{h}`"),
                    format!("use the columns {}", columns.join(",")),
                ),
            };
            problems.push(problem.at(Some((header_line, i + 1))));
        }
        let missing: Vec<String> = columns
            .iter()
            .zip(col)
            .filter(|(_, c)| *c == usize::MAX)
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        if !missing.is_empty() {
            problems.push(
                Problem::new(
                    file,
                    "header",
                    format!(
                        "missing column{} {}",
                        if missing.len() > 1 { "s" } else { "" },
                        missing.join(", ")
                    ),
                    fix,
                )
                .at(Some((header_line, 1))),
            );
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        Ok(Table {
            file,
            rdr,
            width: headers.len(),
            col,
            lines,
            header_line,
        })
    }

    /// The 1-based line of the header.
    pub fn header_line(&self) -> usize {
        self.header_line
    }

    /// The 1-based column in the file of expected column `k`.
    pub fn column(&self, k: usize) -> usize {
        self.col[k] + 1
    }

    /// The data rows in file order: a malformed record, or one whose number of fields differs
    /// from the header's, is a problem naming `row N` instead.
    pub fn rows(&mut self) -> impl Iterator<Item = std::result::Result<Row<N>, Problem>> + '_ {
        let (file, width, col, lines) = (self.file, self.width, self.col, &self.lines);
        self.rdr.records().enumerate().map(move |(i, rec)| {
            let number = i + 1;
            let record = rec.map_err(|e| {
                Problem::new(
                    file,
                    format!("row {number}"),
                    format!("malformed CSV: {e}"),
                    "quote fields that contain commas or quotes",
                )
                .at(e.position().map(|p| (lines.line(p.line()), 1)))
            })?;
            let line = record.position().map_or(0, |p| lines.line(p.line()));
            if record.len() != width {
                return Err(Problem::new(
                    file,
                    format!("row {number}"),
                    format!("{} fields where the header has {width}", record.len()),
                    "give every row the header's columns (an empty field stays as `,,`)",
                )
                .at(Some((line, 1))));
            }
            Ok(Row {
                number,
                line,
                record,
                col,
            })
        })
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

    const COLS: [&str; 3] = ["a", "b", "c"];

    fn header_problems(text: &str) -> Vec<Problem> {
        match Table::open(text, "t.csv", &COLS) {
            Err(Error::Invalid(p)) => p,
            Err(e) => panic!("expected Invalid, got {e}"),
            Ok(_) => panic!("expected header problems"),
        }
    }

    /// Columns in any order; rows on their physical lines (line 1 is the comment, 2 the header,
    /// 3 blank, 4 the first row, 5 a comment, 6 too short, 7 a quoted comma).
    #[test]
    fn table_maps_columns_and_reports_bad_rows() {
        let text = "# c\nc,a,b\n\n3,1,2\n# between\n9\n6,\"4,5\",x\n";
        let mut t = Table::open(text, "t.csv", &COLS).unwrap();
        assert_eq!((t.header_line(), t.column(0), t.column(2)), (2, 2, 1));
        let rows: Vec<_> = t.rows().collect();
        let first = rows[0].as_ref().unwrap();
        assert_eq!((first.number, first.line), (1, 4));
        assert_eq!((first.get(0), first.get(1), first.get(2)), ("1", "2", "3"));
        assert_eq!(first.at(1), Some((4, 3)));
        let short = rows[1].as_ref().err().unwrap();
        assert_eq!(short.field, "row 2");
        assert_eq!(short.line_col, Some((6, 1)));
        assert!(short.message.contains("1 fields where the header has 3"));
        let quoted = rows[2].as_ref().unwrap();
        assert_eq!((quoted.number, quoted.line), (3, 7));
        assert_eq!(
            (quoted.get(0), quoted.get(1), quoted.get(2)),
            ("4,5", "x", "6")
        );
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn header_problems_are_reported_together_where_they_are() {
        let p = header_problems("# c\nb,x,b\n");
        let found: Vec<(&str, Option<(usize, usize)>)> =
            p.iter().map(|p| (p.message.as_str(), p.line_col)).collect();
        assert_eq!(
            found,
            [
                ("unknown column `x`", Some((2, 2))),
                ("column `b` appears twice", Some((2, 3))),
                ("missing columns `a`, `c`", Some((2, 1))),
            ]
        );
        assert_eq!(
            p[2].fix,
            "start the file (after its # comments) with: a,b,c"
        );
        assert!(
            header_problems("# only comments\n")[0]
                .message
                .contains("no header")
        );
    }
}
