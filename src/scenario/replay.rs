//! Reading recorded series (replayed traffic, and the inputs of `capsim calibrate`): a CSV with a
//! time column and a value column (capsim's own `timestamp,page_views_per_s`, or a Grafana CSV
//! export), or Prometheus `query_range` JSON (a matrix). A series is held from each point to the
//! next.
//!
//! Times: RFC 3339 instants, civil date-times in a given time zone (`2026-01-01 00:00`), or Unix
//! epoch numbers — seconds, or milliseconds when the number is 10¹¹ or more (10¹¹ s is the year
//! 5138; 10¹¹ ms is 1973). A problem that repeats on many rows is reported once, with the count.

use std::path::Path;

use jiff::tz::TimeZone;
use serde_json::Value;

use crate::error::{Error, Problem, Result};
use crate::scenario::Simulation;
use crate::sim::TimeMs;

/// Which series of a file to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Select {
    /// CSV: the value column.
    pub column: String,
    /// CSV: the time column; by default the one named `timestamp`, `time` or `Time`.
    pub time_column: Option<String>,
    /// Prometheus: only series whose labels include all of these (several matching series are
    /// summed per timestamp).
    pub labels: Vec<(String, String)>,
}

impl Select {
    pub fn column(column: &str) -> Select {
        Select {
            column: column.to_string(),
            ..Select::default()
        }
    }
}

/// Read `(ms since the simulation start, value)` points from `path`. The series must start at or
/// before the simulation start.
pub fn read_series(path: &Path, column: &str, sim: &Simulation) -> Result<Vec<(TimeMs, f64)>> {
    read_series_with(path, &Select::column(column), sim)
}

/// [`read_series`] with a full selection (time column, Prometheus labels).
pub fn read_series_with(
    path: &Path,
    select: &Select,
    sim: &Simulation,
) -> Result<Vec<(TimeMs, f64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let file = path.display().to_string();
    let points = parse_points(&text, &file, select, &sim.time_zone)?;
    let start = sim.start_timestamp().as_millisecond();
    let points: Vec<(TimeMs, f64)> = points.into_iter().map(|(t, v)| (t - start, v)).collect();
    match points.first() {
        Some((t, _)) if *t > 0 => Err(Error::invalid(Problem::new(
            &file,
            "row 1.timestamp",
            "the series starts after the simulation start",
            "add a point at or before spec.simulation.start, or move the start",
        ))),
        _ => Ok(points),
    }
}

/// Read `(Unix ms, value)` points from a file, sorted, in either format.
pub fn read_points(path: &Path, select: &Select, tz: &TimeZone) -> Result<Vec<(i64, f64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    parse_points(&text, &path.display().to_string(), select, tz)
}

/// Parse series text: JSON (it starts with `{`) as Prometheus, anything else as CSV. Civil
/// date-times are read in `tz`. At least one point, times strictly increasing.
pub fn parse_points(
    text: &str,
    file: &str,
    select: &Select,
    tz: &TimeZone,
) -> Result<Vec<(i64, f64)>> {
    let points = if text.trim_start().starts_with(['{', '[']) {
        parse_prometheus(text, file, select)?
    } else {
        parse_csv(text, file, select, tz)?
    };
    if points.is_empty() {
        return Err(Error::invalid(Problem::new(
            file,
            "",
            "the series has no points",
            "add rows of time and value (or widen the Prometheus query's range)",
        )));
    }
    Ok(points)
}

/// Problems that may repeat on many rows: each kind is reported once, at its first row, with
/// how many rows had it.
#[derive(Default)]
struct RowProblems {
    /// (kind, first problem, rows, last line).
    kinds: Vec<(&'static str, Problem, usize, Option<usize>)>,
}

impl RowProblems {
    fn push(&mut self, kind: &'static str, p: Problem) {
        let line = p.line_col.map(|(l, _)| l);
        match self.kinds.iter_mut().find(|(k, ..)| *k == kind) {
            Some((_, _, n, last)) => {
                *n += 1;
                *last = line;
            }
            None => self.kinds.push((kind, p, 1, line)),
        }
    }

    fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    fn into_problems(self) -> Vec<Problem> {
        self.kinds
            .into_iter()
            .map(|(_, mut p, n, last)| {
                if n > 1 {
                    let upto = last.map_or(String::new(), |l| format!(", the last on line {l}"));
                    p.message = format!("{} (and {} more rows like it{upto})", p.message, n - 1);
                }
                p
            })
            .collect()
    }
}

/// A time field: epoch seconds or milliseconds, RFC 3339, or a civil date-time in `tz`.
fn parse_time_ms(text: &str, tz: &TimeZone) -> Option<i64> {
    let t = text.trim();
    if let Ok(x) = t.parse::<f64>() {
        if !x.is_finite() {
            return None;
        }
        let ms = if x.abs() >= 1e11 { x } else { x * 1000.0 };
        return Some(ms.round() as i64);
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    t.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned_datetime(tz.clone()).ok())
        .map(|z| z.timestamp().as_millisecond())
}

fn parse_csv(text: &str, file: &str, select: &Select, tz: &TimeZone) -> Result<Vec<(i64, f64)>> {
    if !select.labels.is_empty() {
        return Err(Error::invalid(Problem::new(
            file,
            "labels",
            "labels select series of Prometheus JSON, but this file is a CSV",
            "pick the CSV's value column with `column` instead, and remove the labels",
        )));
    }
    // Grafana's older exports use ';'; take the separator the header line uses most.
    let header_line = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let physical = crate::csvutil::PhysicalLines::new(text);
    let headers = rdr
        .headers()
        .map_err(|e| {
            Error::invalid(Problem::new(
                file,
                "header",
                format!("cannot read the CSV header: {e}"),
                "start the file with a header line, e.g. timestamp,page_views_per_s",
            ))
        })?
        .clone();
    let names: Vec<&str> = headers.iter().collect();
    let listed = names.join(", ");
    let ts_col = match &select.time_column {
        Some(c) => names.iter().position(|h| h == c),
        None => ["timestamp", "time", "Time"]
            .iter()
            .find_map(|c| names.iter().position(|h| h == c)),
    };
    let val_col = names.iter().position(|h| *h == select.column);
    let mut problems = Vec::new();
    if ts_col.is_none() {
        let what = select.time_column.as_deref().unwrap_or("timestamp");
        problems.push(Problem::new(
            file,
            "header",
            format!("no `{what}` column (the columns are: {listed})"),
            "name the time column with timeColumn (RFC 3339, YYYY-MM-DD HH:MM, or Unix seconds or milliseconds)",
        ));
    }
    if val_col.is_none() {
        problems.push(Problem::new(
            file,
            "header",
            format!("no `{}` column", select.column),
            format!("set `column` to one of: {listed}"),
        ));
    }
    let (Some(ts_col), Some(val_col)) = (ts_col, val_col) else {
        return Err(Error::Invalid(problems));
    };
    let column = &select.column;
    let mut rows = RowProblems::default();
    let mut points: Vec<(i64, f64)> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| (physical.line(p.line()), 1));
                rows.push(
                    "malformed",
                    Problem::new(
                        file,
                        format!("row {row}"),
                        format!("malformed CSV: {e}"),
                        "give every row the same number of fields as the header",
                    )
                    .at(line),
                );
                continue;
            }
        };
        let line = rec.position().map(|p| (physical.line(p.line()), 1));
        let ts_text = rec.get(ts_col).unwrap_or("");
        let Some(t) = parse_time_ms(ts_text, tz) else {
            rows.push(
                "time",
                Problem::new(
                    file,
                    format!("row {row}.{}", names[ts_col]),
                    format!("cannot read {ts_text:?} as a time"),
                    "write 2026-01-01T00:00:00+09:00, 2026-01-01 00:00, or Unix seconds or milliseconds",
                )
                .at(line),
            );
            continue;
        };
        let v_text = rec.get(val_col).unwrap_or("");
        let v = match v_text.parse::<f64>() {
            Ok(v) if in_range(v) => v,
            _ => {
                rows.push(
                    "value",
                    Problem::new(
                        file,
                        format!("row {row}.{column}"),
                        format!(
                            "expected a number from 0 to {MAX_RATE_PER_S:e}, found {v_text:?}"
                        ),
                        "write a plain non-negative number (Grafana: export with \"Formatted data\" off)",
                    )
                    .at(line),
                );
                continue;
            }
        };
        if let Some((prev, _)) = points.last()
            && t <= *prev
        {
            rows.push(
                "order",
                Problem::new(
                    file,
                    format!("row {row}.{}", names[ts_col]),
                    "times must increase",
                    "sort the rows by time and remove duplicates",
                )
                .at(line),
            );
            continue;
        }
        points.push((t, v));
    }
    if rows.is_empty() {
        Ok(points)
    } else {
        Err(Error::Invalid(rows.into_problems()))
    }
}

const PROMETHEUS_SHAPE: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[<unix seconds>,"<value>"],...]}]}}"#;

/// The largest rate a series may hold: what the largest DAU and page views a scenario accepts
/// give (about 1.2e10 per second), so a replayed run cannot overflow the money arithmetic.
pub const MAX_RATE_PER_S: f64 = 1e10;

fn in_range(v: f64) -> bool {
    v.is_finite() && (0.0..=MAX_RATE_PER_S).contains(&v)
}

/// What a JSON value is, in a few words (never its content).
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn parse_prometheus(text: &str, file: &str, select: &Select) -> Result<Vec<(i64, f64)>> {
    let shape = |found: String| {
        Error::invalid(Problem::new(
            file,
            "",
            format!("not Prometheus query_range JSON: {found}"),
            format!(
                "give the body of /api/v1/query_range (a range query): {PROMETHEUS_SHAPE}; or a CSV with a time and a value column"
            ),
        ))
    };
    let root: Value = serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            Problem::new(
                file,
                "",
                format!("not valid JSON: {e}"),
                format!("give Prometheus query_range JSON: {PROMETHEUS_SHAPE}"),
            )
            .at(Some((e.line(), e.column()))),
        )
    })?;
    let Some(obj) = root.as_object() else {
        return Err(shape(format!("the file holds {}", describe(&root))));
    };
    if obj.get("status").and_then(Value::as_str) == Some("error") {
        let why = obj.get("error").and_then(Value::as_str).unwrap_or("");
        let short: String = why.chars().take(200).collect();
        return Err(shape(format!("the query failed: {short}")));
    }
    let Some(data) = obj.get("data") else {
        let keys: Vec<&str> = obj.keys().map(String::as_str).take(8).collect();
        return Err(shape(format!(
            "no `data` (the top-level keys are: {})",
            keys.join(", ")
        )));
    };
    match data.get("resultType").and_then(Value::as_str) {
        Some("matrix") => {}
        Some(other) => {
            return Err(shape(format!(
                "resultType is {other:?}, not \"matrix\" (an instant query gives one point per series: use query_range)"
            )));
        }
        None => return Err(shape("no data.resultType".into())),
    }
    let Some(result) = data.get("result").and_then(Value::as_array) else {
        return Err(shape("data.result is not a list".into()));
    };
    let matching: Vec<(usize, &Value)> = result
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            select.labels.iter().all(|(k, v)| {
                s.pointer(&format!("/metric/{k}")).and_then(Value::as_str) == Some(v.as_str())
            })
        })
        .collect();
    if matching.is_empty() {
        let wanted: Vec<String> = select
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        let seen: Vec<String> = result
            .iter()
            .take(5)
            .map(|s| {
                let m = s.get("metric").and_then(Value::as_object);
                let labels: Vec<String> = m
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
                    .collect();
                format!("{{{}}}", labels.join(","))
            })
            .collect();
        return Err(Error::invalid(Problem::new(
            file,
            "data.result",
            if result.is_empty() {
                "the query returned no series".to_string()
            } else {
                format!("no series has the labels {}", wanted.join(", "))
            },
            if result.is_empty() {
                "check the query and its time range".to_string()
            } else {
                format!("choose labels of one of the series: {}", seen.join(" "))
            },
        )));
    }
    // Several series (e.g. one per pod) are summed at each timestamp.
    let mut by_time: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::new();
    let mut rows = RowProblems::default();
    for (si, s) in matching {
        let Some(values) = s.get("values").and_then(Value::as_array) else {
            rows.push(
                "values",
                Problem::new(
                    file,
                    format!("data.result[{si}].values"),
                    "a series without a `values` list",
                    format!("give a range query's matrix: {PROMETHEUS_SHAPE}"),
                ),
            );
            continue;
        };
        for (pi, pair) in values.iter().enumerate() {
            let field = format!("data.result[{si}].values[{pi}]");
            let (t, v) = match pair.as_array().map(Vec::as_slice) {
                Some([t, v]) => (t, v),
                _ => {
                    rows.push(
                        "pair",
                        Problem::new(
                            file,
                            field,
                            format!(
                                "expected [<unix seconds>, \"<value>\"], found {}",
                                describe(pair)
                            ),
                            "keep Prometheus' [time, value] pairs",
                        ),
                    );
                    continue;
                }
            };
            let Some(t_s) = t.as_f64() else {
                rows.push(
                    "time",
                    Problem::new(
                        file,
                        field,
                        format!("the time is {}, not Unix seconds", describe(t)),
                        "keep Prometheus' [time, value] pairs",
                    ),
                );
                continue;
            };
            // Prometheus writes sample values as strings ("NaN", "+Inf" included).
            let value = v
                .as_str()
                .and_then(|x| x.parse::<f64>().ok())
                .or_else(|| v.as_f64());
            match value {
                Some(x) if in_range(x) => {
                    *by_time.entry((t_s * 1000.0).round() as i64).or_insert(0.0) += x;
                }
                _ => rows.push(
                    "value",
                    Problem::new(
                        file,
                        field,
                        format!("expected a value from 0 to {MAX_RATE_PER_S:e}, found {}", v),
                        "fill the gaps in the query (e.g. `... or vector(0)`) or cut the range",
                    ),
                ),
            }
        }
    }
    if !rows.is_empty() {
        return Err(Error::Invalid(rows.into_problems()));
    }
    Ok(by_time.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    fn problems(text: &str, select: &Select) -> Vec<Problem> {
        match parse_points(text, "s", select, &utc()) {
            Err(Error::Invalid(p)) => p,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn epoch_seconds_milliseconds_rfc3339_and_civil_times() {
        let sel = Select::column("v");
        let secs = parse_points(
            "timestamp,v\n1767225600,1\n1767225660.5,2\n",
            "s",
            &sel,
            &utc(),
        );
        assert_eq!(
            secs.unwrap(),
            [(1_767_225_600_000, 1.0), (1_767_225_660_500, 2.0)]
        );
        let ms = parse_points("time,v\n1767225600000,1\n", "s", &sel, &utc()).unwrap();
        assert_eq!(ms, [(1_767_225_600_000, 1.0)]);
        let rfc = parse_points("Time,v\n2026-01-01T09:00:00+09:00,1\n", "s", &sel, &utc());
        assert_eq!(rfc.unwrap(), [(1_767_225_600_000, 1.0)]);
        let seoul = TimeZone::get("Asia/Seoul").unwrap();
        let civil = parse_points("timestamp,v\n2026-01-01 09:00:00,1\n", "s", &sel, &seoul);
        assert_eq!(civil.unwrap(), [(1_767_225_600_000, 1.0)]);
    }

    /// Issue 11: a replay of epoch times gave one error per row (385 of them).
    #[test]
    fn a_repeated_problem_is_reported_once_with_a_count() {
        let mut text = String::from("timestamp,v\n");
        for i in 0..385 {
            text.push_str(&format!("t{i},1\n"));
        }
        let p = problems(&text, &Select::column("v"));
        assert_eq!(p.len(), 1, "{p:#?}");
        assert_eq!(p[0].line_col, Some((2, 1)));
        assert!(
            p[0].message
                .ends_with("(and 384 more rows like it, the last on line 386)"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn grafana_exports_with_a_chosen_time_column_and_semicolons() {
        let sel = Select {
            column: "Value".into(),
            time_column: Some("Time".into()),
            labels: Vec::new(),
        };
        let text =
            "\"Series\";\"Time\";\"Value\"\n\"web\";1767225600000;3.5\n\"web\";1767225660000;4\n";
        let p = parse_points(text, "s", &sel, &utc()).unwrap();
        assert_eq!(p, [(1_767_225_600_000, 3.5), (1_767_225_660_000, 4.0)]);
        let p = problems("a,b\n1,2\n", &Select::column("b"));
        assert!(
            p[0].message.contains("the columns are: a, b"),
            "{}",
            p[0].message
        );
        let labelled = Select {
            labels: vec![("service".into(), "web".into())],
            ..Select::column("b")
        };
        let p = problems("time,b\n1,2\n", &labelled);
        assert!(p[0].message.contains("but this file is a CSV"));
    }

    #[test]
    fn prometheus_matrix_sums_matching_series() {
        let json = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"service":"web","pod":"a"},"values":[[1767225600,"1.5"],[1767225660,"2"]]},
          {"metric":{"service":"web","pod":"b"},"values":[[1767225600,"0.5"],[1767225660,"1"]]},
          {"metric":{"service":"api","pod":"c"},"values":[[1767225600,"100"]]}]}}"#;
        let sel = Select {
            labels: vec![("service".into(), "web".into())],
            ..Select::default()
        };
        let p = parse_points(json, "s", &sel, &utc()).unwrap();
        assert_eq!(p, [(1_767_225_600_000, 2.0), (1_767_225_660_000, 3.0)]);
        let sel = Select {
            labels: vec![("service".into(), "db".into())],
            ..Select::default()
        };
        let p = problems(json, &sel);
        assert!(
            p[0].message
                .contains("no series has the labels service=\"db\"")
        );
        assert!(p[0].fix.contains("{pod=a,service=web}"), "{}", p[0].fix);
    }

    /// Issue 11: a JSON file given as a replay dumped the whole file into one message.
    #[test]
    fn a_wrong_json_shape_gets_a_short_message_naming_the_expected_shape() {
        let big = format!(r#"{{"rows": [{}]}}"#, vec!["1"; 10_000].join(","));
        let p = problems(&big, &Select::column("v"));
        assert_eq!(p.len(), 1);
        assert!(p[0].message.len() < 200, "{}", p[0].message);
        assert!(
            p[0].message
                .contains("no `data` (the top-level keys are: rows)")
        );
        assert!(p[0].fix.contains(r#""resultType":"matrix""#));
        let p = problems(
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            &Select::default(),
        );
        assert!(p[0].message.contains("not \"matrix\""), "{}", p[0].message);
        let p = problems("{\"data\": [1, 2", &Select::default());
        assert!(p[0].message.starts_with("not valid JSON"));
        assert!(p[0].line_col.is_some());
        let nan = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{},"values":[[1,"NaN"],[2,"NaN"],[3,"1"]]}]}}"#;
        let p = problems(nan, &Select::default());
        assert_eq!(p.len(), 1);
        assert!(
            p[0].message.contains("and 1 more rows like it"),
            "{}",
            p[0].message
        );
    }
}
