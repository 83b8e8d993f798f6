//! Public-holiday calendars: a `date,key,name,kind` file such as `data/holidays/kr.csv`, checked and looked up by date or key.
//!
//! File format (see `data/holidays/README.md`):
//!
//! ```text
//! # comment lines first; `# years: 2025-2035` declares the covered years
//! date,key,name,kind
//! 2026-02-16,seollal,Seollal (day before),public
//! 2026-05-25,buddhas_birthday,Substitute holiday for Buddha's Birthday,substitute
//! ```
//!
//! Rows are sorted by date; one date may carry several holidays (one row each), but a
//! `(date, key)` pair appears once. A substitute day carries the key of the holiday it
//! substitutes for, so everything keyed `seollal` includes Seollal's substitute day.
//! Fields may be double-quoted (`"a, b"`, `""` for a quote); a field never spans lines.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use jiff::civil::Date;

use crate::{Error, Problem, Result};

/// The header every holiday file starts with (after its comment lines).
const HEADER: [&str; 4] = ["date", "key", "name", "kind"];

/// The holidays of one calendar file, sorted by date, and the years the file covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayCalendar {
    source: String,
    first_year: i16,
    last_year: i16,
    days: Vec<Holiday>,
}

/// One holiday on one day (a day with two holidays has two of these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    /// Stable snake_case identifier of the holiday, e.g. `seollal`; a substitute day carries
    /// the key of the holiday it substitutes for.
    pub key: String,
    /// Human-readable English name, e.g. `Seollal (day before)`.
    pub name: String,
    pub kind: HolidayKind,
}

/// Why the day is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidayKind {
    /// A holiday set by law or regulation (including statutory election days).
    Public,
    /// A substitute day (대체공휴일) for a holiday that fell on a weekend or another holiday.
    Substitute,
    /// A one-off day declared by the government (임시공휴일).
    Temporary,
}

impl HolidayKind {
    /// The kind spelt as in holiday files.
    fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(HolidayKind::Public),
            "substitute" => Some(HolidayKind::Substitute),
            "temporary" => Some(HolidayKind::Temporary),
            _ => None,
        }
    }
}

impl HolidayCalendar {
    /// Parses a holiday file's text; `source` is the file name shown in errors.
    ///
    /// Every problem is reported at once (bad dates, unknown kinds, empty keys or names,
    /// rows out of date order, duplicate `(date, key)` pairs, rows outside the declared
    /// years); an empty file or a missing header is an error too.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        Parser::new(source).run(text)
    }

    /// Reads and parses a holiday file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Whether `date` lies in the covered years (`first_year-01-01 ..= last_year-12-31`).
    /// Outside them the file says nothing: no holiday there does not mean a working day.
    pub fn covers(&self, date: Date) -> bool {
        (self.first_year..=self.last_year).contains(&date.year())
    }

    /// The covered years, first and last inclusive.
    pub fn years(&self) -> (i16, i16) {
        (self.first_year, self.last_year)
    }

    /// The file name the calendar was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The holidays on `date` (none, one, or several when holidays coincide).
    pub fn on(&self, date: Date) -> impl Iterator<Item = &Holiday> {
        let start = self.days.partition_point(|h| h.date < date);
        self.days[start..]
            .iter()
            .take_while(move |h| h.date == date)
    }

    /// Every day carrying `key`, substitute days included, in date order.
    pub fn with_key<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Holiday> {
        self.days.iter().filter(move |h| h.key == key)
    }

    /// The distinct holiday keys in the file.
    pub fn keys(&self) -> BTreeSet<&str> {
        self.days.iter().map(|h| h.key.as_str()).collect()
    }

    /// All holidays, sorted by date.
    pub fn days(&self) -> &[Holiday] {
        &self.days
    }
}

/// One field of a line: its text (unquoted, trimmed) and the 1-based column where it starts.
struct Field {
    text: String,
    col: usize,
}

/// Splits one line into fields; `Err((column, message))` for broken quoting.
fn split_fields(line: &str) -> std::result::Result<Vec<Field>, (usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
            i += 1;
        }
        let col = i + 1;
        let mut text = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((col, "quoted field has no closing quote".into())),
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        text.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        text.push(c);
                        i += 1;
                    }
                }
            }
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                i += 1;
            }
            if i < chars.len() && chars[i] != ',' {
                return Err((i + 1, "unexpected text after a closing quote".into()));
            }
        } else {
            while i < chars.len() && chars[i] != ',' {
                text.push(chars[i]);
                i += 1;
            }
            text.truncate(text.trim_end().len());
        }
        fields.push(Field { text, col });
        if i >= chars.len() {
            return Ok(fields);
        }
        i += 1; // the comma
    }
}

/// `YYYY-MM-DD`, strictly (jiff alone would also take other ISO 8601 spellings).
fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let year: i16 = text[0..4].parse().ok()?;
    let month: i8 = text[5..7].parse().ok()?;
    let day: i8 = text[8..10].parse().ok()?;
    Date::new(year, month, day).ok()
}

fn is_snake_case(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `2025-2035` (spaces allowed around the dash).
fn parse_years(text: &str) -> Option<(i16, i16)> {
    let (first, last) = text.split_once('-')?;
    let first: i16 = first.trim().parse().ok()?;
    let last: i16 = last.trim().parse().ok()?;
    let valid = |y: i16| (1..=9999).contains(&y);
    (valid(first) && valid(last)).then_some((first, last))
}

/// Where a parsed holiday came from, for problems found after its row was read.
struct Origin {
    row: usize,
    line: usize,
    col: usize,
}

struct Parser<'s> {
    source: &'s str,
    problems: Vec<Problem>,
    /// `(first, last, line)` of the `# years:` comment.
    declared: Option<(i16, i16, usize)>,
    header_seen: bool,
    row: usize,
    days: Vec<Holiday>,
    origins: Vec<Origin>,
    /// Line of the first row for each `(date, key)`.
    seen: HashMap<(Date, String), usize>,
    /// Date and line of the latest row with a valid date, for the order check.
    previous: Option<(Date, usize)>,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Self {
        Parser {
            source,
            problems: Vec::new(),
            declared: None,
            header_seen: false,
            row: 0,
            days: Vec::new(),
            origins: Vec::new(),
            seen: HashMap::new(),
            previous: None,
        }
    }

    fn problem(&mut self, field: String, at: (usize, usize), message: String, fix: &str) {
        let problem = Problem::new(self.source, field, message, fix);
        self.problems.push(problem.at(Some(at)));
    }

    fn run(mut self, text: &str) -> Result<HolidayCalendar> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                let col = line.len() - trimmed.len() + 1;
                self.comment(comment, line_no, col);
                continue;
            }
            let fields = match split_fields(line) {
                Ok(fields) => fields,
                Err((col, message)) => {
                    let field = if self.header_seen {
                        self.row += 1;
                        self.row_path(line_no, None)
                    } else {
                        self.header_seen = true;
                        "header".to_string()
                    };
                    self.problem(
                        field,
                        (line_no, col),
                        message,
                        "close the quote; a field cannot span lines",
                    );
                    continue;
                }
            };
            if !self.header_seen {
                self.header_seen = true;
                if self.header(&fields, line_no) {
                    continue;
                }
                // No header: the line looks like data; check it as row 1 as well.
            }
            self.row += 1;
            self.data_row(&fields, line_no);
        }
        self.finish()
    }

    fn row_path(&self, line: usize, field: Option<&str>) -> String {
        match field {
            Some(field) => format!("row {} (line {line}).{field}", self.row),
            None => format!("row {} (line {line})", self.row),
        }
    }

    fn comment(&mut self, comment: &str, line: usize, col: usize) {
        let Some(value) = comment.trim().strip_prefix("years:") else {
            return;
        };
        if let Some((_, _, earlier)) = self.declared {
            self.problem(
                "years".into(),
                (line, col),
                format!("a second `# years:` line (the first is on line {earlier})"),
                "keep one `# years: FIRST-LAST` line",
            );
            return;
        }
        match parse_years(value) {
            Some((first, last)) if first <= last => self.declared = Some((first, last, line)),
            Some((first, last)) => self.problem(
                "years".into(),
                (line, col),
                format!("`# years: {first}-{last}` ends before it starts"),
                "write the first year first, e.g. `# years: 2025-2035`",
            ),
            None => self.problem(
                "years".into(),
                (line, col),
                format!("`#{comment}` is not a year range"),
                "write `# years: FIRST-LAST`, e.g. `# years: 2025-2035`",
            ),
        }
    }

    /// Checks the header line; returns false when the line is a data row instead.
    fn header(&mut self, fields: &[Field], line: usize) -> bool {
        let names: Vec<String> = fields.iter().map(|f| f.text.to_ascii_lowercase()).collect();
        if names == HEADER {
            return true;
        }
        let is_data = fields
            .first()
            .is_some_and(|f| parse_date(&f.text).is_some());
        let message = if is_data {
            "the header line is missing: the first line after the comments is a data row".into()
        } else {
            format!(
                "the header is `{}`, expected `{}`",
                names.join(","),
                HEADER.join(",")
            )
        };
        self.problem(
            "header".into(),
            (line, 1),
            message,
            "put the line `date,key,name,kind` after the comment lines",
        );
        !is_data
    }

    fn data_row(&mut self, fields: &[Field], line: usize) {
        if fields.len() != HEADER.len() {
            let field = self.row_path(line, None);
            self.problem(
                field,
                (line, 1),
                format!(
                    "expected 4 fields (date,key,name,kind), found {}",
                    fields.len()
                ),
                "write `date,key,name,kind`; quote a name that contains a comma",
            );
            return;
        }
        let (date_f, key_f, name_f, kind_f) = (&fields[0], &fields[1], &fields[2], &fields[3]);

        let date = parse_date(&date_f.text);
        if date.is_none() {
            let field = self.row_path(line, Some("date"));
            self.problem(
                field,
                (line, date_f.col),
                format!("`{}` is not a date in the form YYYY-MM-DD", date_f.text),
                "write a real calendar date as YYYY-MM-DD, e.g. 2026-02-17",
            );
        }

        let key_ok = is_snake_case(&key_f.text);
        if key_f.text.is_empty() {
            let field = self.row_path(line, Some("key"));
            self.problem(
                field,
                (line, key_f.col),
                "the key is empty".into(),
                "give the holiday's snake_case key, e.g. `seollal`; a substitute day takes the key of the holiday it substitutes for",
            );
        } else if !key_ok {
            let field = self.row_path(line, Some("key"));
            self.problem(
                field,
                (line, key_f.col),
                format!("the key `{}` is not snake_case", key_f.text),
                "use lowercase ASCII letters, digits and `_`, starting with a letter, e.g. `buddhas_birthday`",
            );
        }

        if name_f.text.is_empty() {
            let field = self.row_path(line, Some("name"));
            self.problem(
                field,
                (line, name_f.col),
                "the name is empty".into(),
                "give a human-readable name, e.g. `Seollal (day before)`",
            );
        }

        let kind = HolidayKind::parse(&kind_f.text);
        if kind.is_none() {
            let field = self.row_path(line, Some("kind"));
            self.problem(
                field,
                (line, kind_f.col),
                format!("unknown kind `{}`", kind_f.text),
                "use one of: public, substitute, temporary",
            );
        }

        let Some(date) = date else { return };
        if let Some((previous, previous_line)) = self.previous
            && date < previous
        {
            let field = self.row_path(line, Some("date"));
            self.problem(
                field,
                (line, date_f.col),
                format!("{date} comes after {previous} (line {previous_line}): rows are not sorted by date"),
                "sort the rows by date (python3 data/holidays/generate.py writes them sorted)",
            );
        }
        self.previous = Some((date, line));

        if !key_ok {
            return;
        }
        match self.seen.get(&(date, key_f.text.clone())) {
            Some(&first) => {
                let field = self.row_path(line, None);
                self.problem(
                    field,
                    (line, date_f.col),
                    format!(
                        "duplicate row: ({date}, {}) is already on line {first}",
                        key_f.text
                    ),
                    "remove one of the two rows; a date may carry several holidays, each key once",
                );
                return;
            }
            None => {
                self.seen.insert((date, key_f.text.clone()), line);
            }
        }

        if let Some(kind) = kind
            && !name_f.text.is_empty()
        {
            self.days.push(Holiday {
                date,
                key: key_f.text.clone(),
                name: name_f.text.clone(),
                kind,
            });
            self.origins.push(Origin {
                row: self.row,
                line,
                col: date_f.col,
            });
        }
    }

    fn finish(mut self) -> Result<HolidayCalendar> {
        if !self.header_seen {
            self.problems.push(Problem::new(
                self.source,
                "",
                "the file is empty: no header and no rows",
                "start the file with the header `date,key,name,kind`, one holiday per row below it",
            ));
        }

        let years = match self.declared {
            Some((first, last, years_line)) => {
                for (holiday, origin) in self.days.iter().zip(&self.origins) {
                    if !(first..=last).contains(&holiday.date.year()) {
                        self.problems.push(
                            Problem::new(
                                self.source,
                                format!("row {} (line {}).date", origin.row, origin.line),
                                format!(
                                    "{} is outside the years {first}-{last} declared on line {years_line}",
                                    holiday.date
                                ),
                                "widen the `# years:` line or remove the row",
                            )
                            .at(Some((origin.line, origin.col))),
                        );
                    }
                }
                Some((first, last))
            }
            None => match (self.days.first(), self.days.last()) {
                (Some(first), Some(last)) => Some((first.date.year(), last.date.year())),
                _ => None,
            },
        };

        if years.is_none() && self.header_seen && self.problems.is_empty() {
            self.problems.push(Problem::new(
                self.source,
                "",
                "the file has no holidays and no `# years:` line, so the years it covers are unknown",
                "add holiday rows, or a `# years: FIRST-LAST` comment line for a calendar without holidays",
            ));
        }

        if !self.problems.is_empty() {
            return Err(Error::Invalid(self.problems));
        }
        let (first_year, last_year) = years.expect("checked above: years known when no problems");
        Ok(HolidayCalendar {
            source: self.source.to_string(),
            first_year,
            last_year,
            days: self.days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn problems(text: &str) -> Vec<Problem> {
        match HolidayCalendar::parse(text, "test.csv") {
            Err(Error::Invalid(problems)) => problems,
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    }

    const SMALL: &str = "\
# a comment
date,key,name,kind
2028-10-02,chuseok,Chuseok (day before),public
2028-10-03,chuseok,Chuseok,public
2028-10-03,national_foundation_day,National Foundation Day,public
2028-10-04,chuseok,Chuseok (day after),public
2028-10-05,chuseok,Substitute holiday for Chuseok,substitute
2029-01-01,new_year,\"New Year's Day, the first\",public
";

    #[test]
    fn parses_rows_and_takes_years_from_them() {
        let cal = HolidayCalendar::parse(SMALL, "small.csv").unwrap();
        assert_eq!(cal.source(), "small.csv");
        assert_eq!(cal.years(), (2028, 2029));
        assert_eq!(cal.days().len(), 6);
        assert_eq!(cal.days()[5].name, "New Year's Day, the first");
        assert_eq!(cal.days()[4].kind, HolidayKind::Substitute);
        assert_eq!(
            cal.keys().into_iter().collect::<Vec<_>>(),
            ["chuseok", "national_foundation_day", "new_year"]
        );
        let chuseok: Vec<Date> = cal.with_key("chuseok").map(|h| h.date).collect();
        assert_eq!(
            chuseok,
            [
                date(2028, 10, 2),
                date(2028, 10, 3),
                date(2028, 10, 4),
                date(2028, 10, 5)
            ]
        );
        assert_eq!(cal.with_key("christmas").count(), 0);
    }

    #[test]
    fn on_finds_two_holidays_on_one_day() {
        let cal = HolidayCalendar::parse(SMALL, "small.csv").unwrap();
        let keys: Vec<&str> = cal.on(date(2028, 10, 3)).map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["chuseok", "national_foundation_day"]);
        let one: Vec<&str> = cal.on(date(2028, 10, 2)).map(|h| h.name.as_str()).collect();
        assert_eq!(one, ["Chuseok (day before)"]);
        assert_eq!(cal.on(date(2028, 10, 6)).count(), 0);
        assert_eq!(cal.on(date(2000, 1, 1)).count(), 0);
        assert_eq!(cal.on(date(2099, 1, 1)).count(), 0);
        assert_eq!(cal.on(date(2029, 1, 1)).count(), 1);
    }

    #[test]
    fn covers_whole_declared_years() {
        let text = "# years: 2025-2026\ndate,key,name,kind\n2025-03-01,independence_movement_day,Independence Movement Day,public\n";
        let cal = HolidayCalendar::parse(text, "t.csv").unwrap();
        assert_eq!(cal.years(), (2025, 2026));
        assert!(!cal.covers(date(2024, 12, 31)));
        assert!(cal.covers(date(2025, 1, 1)));
        assert!(cal.covers(date(2026, 12, 31)));
        assert!(!cal.covers(date(2027, 1, 1)));

        // Without the comment: the years of the first and last rows, whole years.
        let cal = HolidayCalendar::parse(SMALL, "small.csv").unwrap();
        assert!(cal.covers(date(2028, 1, 1)));
        assert!(cal.covers(date(2029, 12, 31)));
        assert!(!cal.covers(date(2030, 1, 1)));
    }

    #[test]
    fn declared_years_without_rows_is_a_calendar() {
        let cal = HolidayCalendar::parse("#years: 2030 - 2031\ndate,key,name,kind\n", "t").unwrap();
        assert_eq!(cal.years(), (2030, 2031));
        assert!(cal.days().is_empty());
    }

    #[test]
    fn reports_every_bad_row_at_once() {
        let text = "\
# header comment
# years: 2025-2026
date,key,name,kind
2025-01-01,new_year,New Year's Day,public
2025-13-01,seollal,Seollal,public
2025-02-01,seollal,Seollal,holiday
2025-03-01,,Independence Movement Day,public
2025-02-15,christmas,Christmas Day,public
2025-03-01,new_year,Again,public
2025-03-01,new_year,Twice,public
2025-04-01,Bad Key,Name,public
2025-04-02,labour_day,,public
2025-04-03,too,many,fields,here
2027-01-01,new_year,New Year's Day,public
";
        let problems = problems(text);
        let got: Vec<(&str, Option<(usize, usize)>)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.line_col))
            .collect();
        assert_eq!(
            got,
            [
                ("row 2 (line 5).date", Some((5, 1))),
                ("row 3 (line 6).kind", Some((6, 28))),
                ("row 4 (line 7).key", Some((7, 12))),
                ("row 5 (line 8).date", Some((8, 1))),
                ("row 7 (line 10)", Some((10, 1))),
                ("row 8 (line 11).key", Some((11, 12))),
                ("row 9 (line 12).name", Some((12, 23))),
                ("row 10 (line 13)", Some((13, 1))),
                ("row 11 (line 14).date", Some((14, 1))),
            ]
        );
        assert!(
            problems
                .iter()
                .all(|p| p.file == "test.csv" && !p.fix.is_empty())
        );
        assert!(
            problems[0].message.contains("`2025-13-01`"),
            "{}",
            problems[0].message
        );
        assert!(problems[1].message.contains("unknown kind `holiday`"));
        assert!(problems[2].message.contains("key is empty"));
        assert!(
            problems[3].message.contains("not sorted"),
            "{}",
            problems[3].message
        );
        assert!(
            problems[4].message.contains("already on line 9"),
            "{}",
            problems[4].message
        );
        assert!(problems[5].message.contains("snake_case"));
        assert!(problems[6].message.contains("name is empty"));
        assert!(problems[7].message.contains("found 5"));
        assert!(
            problems[8]
                .message
                .contains("outside the years 2025-2026 declared on line 2")
        );

        // The rendered error lists them all with file:line:col.
        let rendered = Error::Invalid(problems).to_string();
        assert!(
            rendered.contains("test.csv:5:1: row 2 (line 5).date: "),
            "{rendered}"
        );
        assert!(
            rendered.contains("\n  fix: write a real calendar date"),
            "{rendered}"
        );
        assert!(rendered.ends_with("9 problems found"), "{rendered}");
    }

    #[test]
    fn rejects_dates_that_are_not_plain_iso() {
        for bad in [
            "2025-02-30",
            "20250101",
            "2025-1-01",
            "2025/01/01",
            "",
            "2025-01-01T00:00",
        ] {
            let text = format!("date,key,name,kind\n{bad},new_year,New Year's Day,public\n");
            let problems = problems(&text);
            assert_eq!(problems.len(), 1, "{bad}");
            assert_eq!(problems[0].field, "row 1 (line 2).date", "{bad}");
        }
    }

    #[test]
    fn empty_file_and_missing_header_are_errors() {
        for text in ["", "\n\n", "# only comments\n# years: 2025-2035\n"] {
            let problems = problems(text);
            assert_eq!(problems.len(), 1);
            assert!(
                problems[0].message.contains("empty"),
                "{}",
                problems[0].message
            );
        }

        // Data straight after the comments: the header problem, and the row is still checked.
        let problems =
            problems("# c\n2025-01-01,new_year,New Year's Day,public\n2025-02-31,x,y,public\n");
        assert_eq!(problems.len(), 2);
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line_col),
            ("header", Some((2, 1)))
        );
        assert!(problems[0].message.contains("missing"));
        assert_eq!(problems[1].field, "row 2 (line 3).date");

        let problems = self::problems("day,key,name,type\n2025-01-01,new_year,New Year,public\n");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("`day,key,name,type`"),
            "{}",
            problems[0].message
        );

        // A header and nothing else: no years known.
        let problems = self::problems("date,key,name,kind\n");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("years"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn bad_years_lines_and_quotes_are_reported() {
        let text = "# years: 2030-2025\n# years: soon\ndate,key,name,kind\n2025-01-01,new_year,\"New Year,public\n";
        let problems = problems(text);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["years", "years", "row 1 (line 4)"]);
        assert!(problems[0].message.contains("ends before it starts"));
        assert!(problems[1].message.contains("not a year range"));
        assert!(problems[2].message.contains("closing quote"));
        assert_eq!(problems[2].line_col, Some((4, 21)));
    }

    #[test]
    fn load_reports_missing_file_as_read_error() {
        let missing = Path::new("/nonexistent/capsim/holidays.csv");
        match HolidayCalendar::load(missing) {
            Err(Error::Read { path, .. }) => assert_eq!(path, missing),
            other => panic!("expected Error::Read, got {other:?}"),
        }
    }

    #[test]
    fn load_names_the_file_in_problems() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.csv");
        std::fs::write(
            &path,
            "date,key,name,kind\n2025-01-01,new_year,New Year,someday\n",
        )
        .unwrap();
        match HolidayCalendar::load(&path) {
            Err(Error::Invalid(problems)) => {
                assert_eq!(problems[0].file, path.display().to_string());
            }
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    }

    // ---- The committed Korean calendar, checked against outside sources ----
    //
    // Sources (all read 2026-11-26):
    // [M25] 2025 월력요항 (official calendar data, 우주항공청/KASI) as tabulated in
    //       https://github.com/hyunbinseo/holidays-kr/blob/eff530fe43291b6acd37032170b9e2a7196115ad/public/2025.csv
    // [M26] 2026 월력요항, same tabulation:
    //       https://github.com/hyunbinseo/holidays-kr/blob/00b0de89447ba53c78536adc72dcb2908e5725ba/public/2026.csv
    //       It predates two 2026 amendments of the 공휴일에 관한 법률: Constitution Day
    //       (passed 2026-01-29, promulgated 2026-02-10; https://www.etoday.co.kr/news/view/2551379)
    //       and Labour Day (passed 2026-03-31, cabinet 2026-04-06, from 2026-05-01;
    //       https://github.com/hyunbinseo/holidays-kr/issues/25 quoting Yonhap, KBS and YTN).
    // [M27] 2027 월력요항, same tabulation:
    //       https://github.com/hyunbinseo/holidays-kr/blob/8153b5b278171b3a0ea6ef51cb69c63485cba69f/public/2027.csv
    // [KASI] KASI calendar data: lunar 1st month, 1st day of 2027 = 2027-02-07
    //       https://astro.kasi.re.kr/life/post/calendarData
    // [C28] Chuseok 2028 is Oct 2-4, overlapping National Foundation Day, substitute Oct 5:
    //       https://cm.asiae.co.kr/article/2025101008064041860 (2025-10-10, citing Yonhap) and
    //       http://m.gwangnam.co.kr/article.php?aid=1760233921518897015 (2025-10-12)
    // [T25] 2025-01-27 temporary holiday, cabinet decision of 2025-01-14:
    //       https://sedaily.com/NewsView/2GNOVKQEVL
    // [B26] Buddha's Birthday 2026-05-24 (Sunday) -> substitute 2026-05-25:
    //       https://yidstory.com/tag/2026%EB%85%84%20%EB%8C%80%EC%B2%B4%EA%B3%B5%ED%9C%B4%EC%9D%BC?page=1

    fn korea() -> HolidayCalendar {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/holidays/kr.csv");
        HolidayCalendar::load(Path::new(path)).unwrap()
    }

    fn one(cal: &HolidayCalendar, d: Date) -> (&str, HolidayKind) {
        let on: Vec<&Holiday> = cal.on(d).collect();
        assert_eq!(on.len(), 1, "{d}: {on:?}");
        (on[0].key.as_str(), on[0].kind)
    }

    fn dates_in_year(cal: &HolidayCalendar, year: i16) -> Vec<String> {
        let mut dates: Vec<String> = cal
            .days()
            .iter()
            .filter(|h| h.date.year() == year)
            .map(|h| h.date.to_string())
            .collect();
        dates.dedup();
        dates
    }

    #[test]
    fn korea_file_covers_2025_to_2035() {
        let cal = korea();
        assert_eq!(cal.years(), (2025, 2035));
        assert!(cal.covers(date(2035, 12, 31)));
        let expected: BTreeSet<&str> = [
            "buddhas_birthday",
            "childrens_day",
            "christmas",
            "chuseok",
            "constitution_day",
            "election_day",
            "hangul_day",
            "independence_movement_day",
            "labour_day",
            "liberation_day",
            "memorial_day",
            "national_foundation_day",
            "new_year",
            "seollal",
            "temporary",
        ]
        .into();
        assert_eq!(cal.keys(), expected);
        for year in 2025..=2035 {
            // Every year has the fixed-date core and a three-day Seollal and Chuseok.
            assert_eq!(
                one(&cal, date(year, 1, 1)),
                ("new_year", HolidayKind::Public)
            );
            let public = |key| {
                cal.with_key(key)
                    .filter(|h| h.date.year() == year && h.kind == HolidayKind::Public)
                    .count()
            };
            assert_eq!(public("seollal"), 3, "{year}");
            assert_eq!(public("chuseok"), 3, "{year}");
            assert_eq!(public("buddhas_birthday"), 1, "{year}");
        }
    }

    #[test]
    fn korea_2025_matches_the_official_calendar() {
        let cal = korea();
        // [M25]: every red day of 2025.
        let official = "\
            2025-01-01 2025-01-27 2025-01-28 2025-01-29 2025-01-30 2025-03-01 \
            2025-03-03 2025-05-05 2025-05-06 2025-06-03 2025-06-06 2025-08-15 \
            2025-10-03 2025-10-05 2025-10-06 2025-10-07 2025-10-08 2025-10-09 \
            2025-12-25";
        let official: Vec<&str> = official.split_whitespace().collect();
        assert_eq!(dates_in_year(&cal, 2025), official);
        // [T25]
        assert_eq!(
            one(&cal, date(2025, 1, 27)),
            ("temporary", HolidayKind::Temporary)
        );
        // [M25]: 대체공휴일(추석)
        assert_eq!(
            one(&cal, date(2025, 10, 8)),
            ("chuseok", HolidayKind::Substitute)
        );
        // [M25]: one substitute day, 대체공휴일(부처님 오신 날) (override of the package).
        assert_eq!(
            one(&cal, date(2025, 5, 6)),
            ("buddhas_birthday", HolidayKind::Substitute)
        );
        assert_eq!(cal.on(date(2025, 5, 5)).count(), 2);
        // [M25]: 임시공휴일(대통령선거) (override of the package: temporary, not public).
        assert_eq!(
            one(&cal, date(2025, 6, 3)),
            ("election_day", HolidayKind::Temporary)
        );
    }

    #[test]
    fn korea_2026_matches_the_official_calendar() {
        let cal = korea();
        // [M26] plus Labour Day (05-01) and Constitution Day (07-17), public from 2026.
        let official = "\
            2026-01-01 2026-02-16 2026-02-17 2026-02-18 2026-03-01 2026-03-02 \
            2026-05-01 2026-05-05 2026-05-24 2026-05-25 2026-06-03 2026-06-06 \
            2026-07-17 2026-08-15 2026-08-17 2026-09-24 2026-09-25 2026-09-26 \
            2026-10-03 2026-10-05 2026-10-09 2026-12-25";
        let official: Vec<&str> = official.split_whitespace().collect();
        assert_eq!(dates_in_year(&cal, 2026), official);
        for d in [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)] {
            assert_eq!(one(&cal, d), ("seollal", HolidayKind::Public));
        }
        for d in [date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)] {
            assert_eq!(one(&cal, d), ("chuseok", HolidayKind::Public));
        }
        // Chuseok's last day is a Saturday: Seollal/Chuseok get a substitute only for a
        // Sunday or another holiday, so Monday 2026-09-28 is a workday.
        assert_eq!(cal.on(date(2026, 9, 28)).count(), 0);
        // [B26]
        assert_eq!(
            one(&cal, date(2026, 5, 24)),
            ("buddhas_birthday", HolidayKind::Public)
        );
        assert_eq!(
            one(&cal, date(2026, 5, 25)),
            ("buddhas_birthday", HolidayKind::Substitute)
        );
        // [M26]: 전국동시지방선거, a statutory election day.
        assert_eq!(
            one(&cal, date(2026, 6, 3)),
            ("election_day", HolidayKind::Public)
        );
        assert_eq!(
            one(&cal, date(2026, 5, 1)),
            ("labour_day", HolidayKind::Public)
        );
        assert_eq!(
            one(&cal, date(2026, 7, 17)),
            ("constitution_day", HolidayKind::Public)
        );
    }

    #[test]
    fn korea_2027_matches_the_official_calendar() {
        let cal = korea();
        // [M27]: every red day of 2027.
        let official = "\
            2027-01-01 2027-02-06 2027-02-07 2027-02-08 2027-02-09 2027-03-01 \
            2027-05-01 2027-05-03 2027-05-05 2027-05-13 2027-06-06 2027-07-17 \
            2027-07-19 2027-08-15 2027-08-16 2027-09-14 2027-09-15 2027-09-16 \
            2027-10-03 2027-10-04 2027-10-09 2027-10-11 2027-12-25 2027-12-27";
        let official: Vec<&str> = official.split_whitespace().collect();
        assert_eq!(dates_in_year(&cal, 2027), official);
        // [KASI]: Seollal (lunar 1/1) is 2027-02-07, a Sunday -> substitute Tuesday 02-09.
        assert_eq!(cal.on(date(2027, 2, 7)).next().unwrap().name, "Seollal");
        assert_eq!(
            one(&cal, date(2027, 2, 9)),
            ("seollal", HolidayKind::Substitute)
        );
        // [M27]: Christmas on a Saturday -> 대체공휴일(기독탄신일) on Monday 12-27
        // (substitutes for Christmas since the 2023 regulation change).
        assert_eq!(date(2027, 12, 25).weekday(), jiff::civil::Weekday::Saturday);
        assert_eq!(
            one(&cal, date(2027, 12, 27)),
            ("christmas", HolidayKind::Substitute)
        );
        assert_eq!(
            one(&cal, date(2027, 5, 3)),
            ("labour_day", HolidayKind::Substitute)
        );
        assert_eq!(
            one(&cal, date(2027, 7, 19)),
            ("constitution_day", HolidayKind::Substitute)
        );
    }

    #[test]
    fn korea_chuseok_2028_overlaps_national_foundation_day() {
        let cal = korea();
        // [C28]
        assert_eq!(
            one(&cal, date(2028, 10, 2)),
            ("chuseok", HolidayKind::Public)
        );
        let keys: Vec<&str> = cal.on(date(2028, 10, 3)).map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["chuseok", "national_foundation_day"]);
        assert_eq!(
            one(&cal, date(2028, 10, 4)),
            ("chuseok", HolidayKind::Public)
        );
        assert_eq!(
            one(&cal, date(2028, 10, 5)),
            ("chuseok", HolidayKind::Substitute)
        );
        assert_eq!(cal.on(date(2028, 10, 6)).count(), 0);
    }
}
