//! Replaying a recorded traffic series: a CSV with a `timestamp` column and a value column
//! (page views per second), held from each timestamp until the next.

use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::scenario::Simulation;
use crate::sim::TimeMs;

/// Read `(ms since the simulation start, value)` points from `path`. Timestamps are RFC 3339
/// instants (`2026-01-01T00:00:00+09:00`) or civil date-times in the scenario's time zone
/// (`2026-01-01 00:00`). The series must start at or before the simulation start.
pub fn read_series(path: &Path, column: &str, sim: &Simulation) -> Result<Vec<(TimeMs, f64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    parse_series(&text, &path.display().to_string(), column, sim)
}

fn parse_series(
    text: &str,
    file: &str,
    column: &str,
    sim: &Simulation,
) -> Result<Vec<(TimeMs, f64)>> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let physical = crate::csvutil::PhysicalLines::new(text);
    let headers = rdr
        .headers()
        .map_err(|e| {
            Error::invalid(Problem::new(
                file,
                "header",
                format!("cannot read the CSV header: {e}"),
                "start the file with a header line: timestamp,page_views_per_s",
            ))
        })?
        .clone();
    let ts_col = headers.iter().position(|h| h == "timestamp");
    let val_col = headers.iter().position(|h| h == column);
    let mut problems = Vec::new();
    if ts_col.is_none() {
        problems.push(Problem::new(
            file,
            "header",
            "no `timestamp` column",
            "add a timestamp column (RFC 3339 or YYYY-MM-DD HH:MM in the scenario's time zone)",
        ));
    }
    if val_col.is_none() {
        problems.push(Problem::new(
            file,
            "header",
            format!("no `{column}` column"),
            format!(
                "add a `{column}` column or set spec.traffic.replay.column to one of: {}",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let (Some(ts_col), Some(val_col)) = (ts_col, val_col) else {
        return Err(Error::Invalid(problems));
    };
    let start = sim.start_timestamp().as_millisecond();
    let mut points: Vec<(TimeMs, f64)> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem::new(
                    file,
                    format!("row {row}"),
                    format!("malformed CSV: {e}"),
                    "give every row the same number of fields as the header",
                ));
                continue;
            }
        };
        let line = rec.position().map(|p| physical.line(p.line()));
        let at = |p: Problem| p.at(line.map(|l| (l, 1)));
        let ts_text = rec.get(ts_col).unwrap_or("");
        let ts = ts_text.parse::<jiff::Timestamp>().ok().or_else(|| {
            ts_text
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned_datetime(sim.time_zone.clone()).ok())
                .map(|z| z.timestamp())
        });
        let Some(ts) = ts else {
            problems.push(at(Problem::new(
                file,
                format!("row {row}.timestamp"),
                format!("cannot read {ts_text:?} as a time"),
                "write 2026-01-01T00:00:00+09:00 or 2026-01-01 00:00",
            )));
            continue;
        };
        let v_text = rec.get(val_col).unwrap_or("");
        let v = match v_text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => v,
            _ => {
                problems.push(at(Problem::new(
                    file,
                    format!("row {row}.{column}"),
                    format!("expected a rate ≥ 0, found {v_text:?}"),
                    "write a non-negative number of page views per second",
                )));
                continue;
            }
        };
        let t = ts.as_millisecond() - start;
        if let Some((prev, _)) = points.last()
            && t <= *prev
        {
            problems.push(at(Problem::new(
                file,
                format!("row {row}.timestamp"),
                "timestamps must increase",
                "sort the rows by time and remove duplicates",
            )));
            continue;
        }
        points.push((t, v));
    }
    if problems.is_empty() {
        match points.first() {
            None => problems.push(Problem::new(
                file,
                "",
                "the series has no rows",
                "add rows of timestamp and value",
            )),
            Some((t, _)) if *t > 0 => problems.push(Problem::new(
                file,
                "row 1.timestamp",
                "the series starts after the simulation start",
                "add a row at or before spec.simulation.start",
            )),
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(points)
    } else {
        Err(Error::Invalid(problems))
    }
}
