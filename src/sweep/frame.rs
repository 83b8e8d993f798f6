//! The sweep's tables, with polars (the only module that uses it): run rows → a DataFrame →
//! Parquet and CSV; Parquet files back into one frame; and the per-grid-point aggregates — n,
//! mean, standard deviation, min, p5 / p50 / p95, max, with 95 % confidence intervals of the
//! mean beside them (computed in plain Rust: polars here is a table and its file formats).

use std::io::Cursor;

use polars::prelude::*;

pub use polars::prelude::DataFrame;

use super::record::{Cell, POINT, REPLICATE, RUN_ID, Row, SEED, SLO_MET};
use crate::error::{Error, Result};

/// A polars failure on the way to or from a table, named by what was being done.
fn failed(what: &str) -> impl FnOnce(PolarsError) -> Error + '_ {
    move |e| Error::Usage(format!("{what}: {e}"))
}

/// The runs table: one row per run, one column per figure, in the rows' column order; a column
/// a run lacks is null there.
pub fn runs_frame(rows: &[Row]) -> Result<DataFrame> {
    let mut names: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        for (name, _) in &row.cells {
            if seen.insert(name.as_str()) {
                names.push(name);
            }
        }
    }
    let index: Vec<std::collections::HashMap<&str, &Cell>> = rows
        .iter()
        .map(|r| r.cells.iter().map(|(n, c)| (n.as_str(), c)).collect())
        .collect();
    let columns = names
        .iter()
        .map(|name| {
            let cells: Vec<Option<&Cell>> = index.iter().map(|r| r.get(name).copied()).collect();
            column_of(name, &cells)
        })
        .collect();
    DataFrame::new(rows.len(), columns).map_err(failed("building the runs table"))
}

/// One column from its cells: text if any cell is text, else floats if any is a float, else
/// integers if any is an integer, else true/false; a missing cell is null.
fn column_of(name: &str, cells: &[Option<&Cell>]) -> Column {
    let name = PlSmallStr::from_str(name);
    let any = |f: fn(&Cell) -> bool| cells.iter().flatten().any(|c| f(c));
    let each = |f: &dyn Fn(&Cell) -> Option<f64>| -> Vec<Option<f64>> {
        cells.iter().map(|c| c.and_then(f)).collect()
    };
    let number = |c: &Cell| match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(f) => Some(*f),
        Cell::Bool(b) => Some(f64::from(u8::from(*b))),
        Cell::Text(_) => None,
    };
    if any(|c| matches!(c, Cell::Text(_))) {
        let v: Vec<Option<String>> = cells
            .iter()
            .map(|c| {
                c.map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Int(i) => i.to_string(),
                    Cell::Float(f) => f.to_string(),
                    Cell::Bool(b) => b.to_string(),
                })
            })
            .collect();
        Column::new(name, v)
    } else if any(|c| matches!(c, Cell::Float(_))) {
        Column::new(name, each(&number))
    } else if any(|c| matches!(c, Cell::Int(_))) {
        // Whole numbers stay integers (exact in Parquet and CSV; i64 → f64 → i64 is exact below 2^53).
        let v: Vec<Option<i64>> = each(&number)
            .into_iter()
            .map(|x| x.map(|x| x as i64))
            .collect();
        Column::new(name, v)
    } else {
        let v: Vec<Option<bool>> = each(&number)
            .into_iter()
            .map(|x| x.map(|x| x != 0.0))
            .collect();
        Column::new(name, v)
    }
}

/// `cost_monthly.parquet`: the rows of `cost_monthly.csv` (same columns, same order), money as
/// Float64 dollars (each value the nearest double to its exact micro-dollar amount: sums agree
/// with the CSV's to the cent; the CSV's decimal text is the exact form), booleans as Boolean.
/// Hours, quantities and shares are the CSV's rounded decimals too (3, 6 and 6 places), so the
/// two files hold the same values whichever a reader opens (tests/readers.py).
pub fn cost_monthly_frame(rows: &[crate::cost::allocation::CostRow]) -> Result<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&crate::cost::allocation::CostRow) -> String| {
        Column::new(
            PlSmallStr::from_str(name),
            rows.iter().map(f).collect::<Vec<String>>(),
        )
    };
    let float = |name: &str, f: &dyn Fn(&crate::cost::allocation::CostRow) -> f64| {
        Column::new(
            PlSmallStr::from_str(name),
            rows.iter().map(f).collect::<Vec<f64>>(),
        )
    };
    // The CSV's own column names, in its order: the two files cannot drift apart.
    let h = crate::report::cost::monthly_header();
    let mut columns = vec![
        text(&h[0], &|r| r.month.clone()),
        Column::new(
            PlSmallStr::from_str(&h[1]),
            rows.iter().map(|r| r.partial_month).collect::<Vec<bool>>(),
        ),
        float(&h[2], &|r| as_written(r.hours_in_month, 3)),
        text(&h[3], &|r| r.provider.clone()),
        text(&h[4], &|r| r.cloud.clone()),
        text(&h[5], &|r| r.region.clone()),
        text(&h[6], &|r| r.environment.clone()),
        text(&h[7], &|r| r.service.clone()),
        text(&h[8], &|r| r.class.label().to_string()),
        text(&h[9], &|r| r.resource.clone()),
        text(&h[10], &|r| r.sku.clone()),
        float(&h[11], &|r| as_written(r.quantity, 6)),
        text(&h[12], &|r| r.unit.clone()),
        float(&h[13], &|r| as_written(r.share, 6)),
    ];
    for (v, variant) in crate::billing::Variant::ALL.iter().enumerate() {
        let name = crate::report::cost::variant_column(*variant);
        columns.push(float(&name, &|r| r.costs[v].micros() as f64 / 1e6));
    }
    columns.push(text(&h[h.len() - 1], &|r| r.price_row.clone()));
    DataFrame::new(rows.len(), columns).map_err(failed("building the cost table"))
}

/// `x` as `cost_monthly.csv` writes it with `places` decimals, read back.
fn as_written(x: f64, places: usize) -> f64 {
    crate::report::csv::fixed(x, places).parse().unwrap_or(x)
}

/// A frame as Parquet bytes (zstd, statistics on; the bytes depend only on the frame).
pub fn parquet_bytes(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .finish(df)
        .map_err(failed("writing Parquet"))?;
    Ok(out)
}

/// A frame as CSV bytes, with a header row.
pub fn csv_bytes(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    CsvWriter::new(&mut out)
        .include_header(true)
        .finish(df)
        .map_err(failed("writing CSV"))?;
    Ok(out)
}

/// Read a Parquet file's bytes; `file` names it in errors.
pub fn read_parquet(bytes: Vec<u8>, file: &std::path::Path) -> Result<DataFrame> {
    ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| {
            Error::read(
                file,
                std::io::Error::other(format!("not a readable Parquet file: {e}")),
            )
        })
}

/// Stack the shards' run tables into one, in run-id order, as one chunk (so the aggregates are
/// computed over exactly the same memory layout as an unsharded sweep's).
pub fn concat_runs(frames: Vec<DataFrame>) -> Result<DataFrame> {
    let mut iter = frames.into_iter();
    let Some(mut all) = iter.next() else {
        return Err(Error::Usage("no run tables to merge".into()));
    };
    for f in iter {
        all.vstack_mut_owned(f).map_err(failed(
            "stacking the shards' run tables (do their columns match?)",
        ))?;
    }
    let mut all = all
        .sort([RUN_ID], SortMultipleOptions::default())
        .map_err(failed("sorting runs"))?;
    all.rechunk_mut();
    Ok(all)
}

/// The run ids in a runs table.
pub fn run_ids(df: &DataFrame) -> Result<Vec<i64>> {
    let c = df
        .column(RUN_ID)
        .and_then(|c| c.i64())
        .map_err(failed("reading run_id"))?;
    Ok(c.iter().flatten().collect())
}

/// The columns whose values are aggregated: every numeric or true/false column but the ids.
pub fn metric_columns(df: &DataFrame) -> Vec<String> {
    df.columns()
        .iter()
        .filter(|c| {
            let n = c.name().as_str();
            n != RUN_ID && n != POINT && n != REPLICATE && n != SEED
        })
        .filter(|c| c.dtype().is_primitive_numeric() || c.dtype() == &DataType::Boolean)
        .map(|c| c.name().to_string())
        .collect()
}

/// Two-sided 95 % critical value of Student's t with `df` degrees of freedom: tabulated to
/// df 30, then the Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5), which is within
/// 1e-6 there.
pub fn t975(df: usize) -> f64 {
    // scipy.stats.t.ppf(0.975, df), df = 1..30; re-derived here with mpmath (root of the
    // regularised incomplete beta, 30 digits) and equal to all 9 decimals at df 1, 2, 3, 10, 29, 30.
    const TABLE: [f64; 30] = [
        12.706204736,
        4.302652730,
        3.182446305,
        2.776445105,
        2.570581836,
        2.446911851,
        2.364624252,
        2.306004135,
        2.262157163,
        2.228138852,
        2.200985160,
        2.178812830,
        2.160368656,
        2.144786688,
        2.131449546,
        2.119905299,
        2.109815578,
        2.100922040,
        2.093024054,
        2.085963447,
        2.079613845,
        2.073873068,
        2.068657610,
        2.063898562,
        2.059538553,
        2.055529439,
        2.051830516,
        2.048407142,
        2.045229642,
        2.042272456,
    ];
    if df == 0 {
        return f64::NAN;
    }
    if df <= TABLE.len() {
        return TABLE[df - 1];
    }
    let z = Z975;
    let v = df as f64;
    let (z2, z3) = (z * z, z * z * z);
    let (z5, z7, z9) = (z3 * z2, z3 * z2 * z2, z3 * z3 * z3);
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    z + g1 / v + g2 / v.powi(2) + g3 / v.powi(3) + g4 / v.powi(4)
}

/// The standard normal's 97.5 % quantile.
pub const Z975: f64 = 1.959_963_984_540_054;

/// Wilson's score interval for a share `p` of `n` trials at 95 % (stays inside [0, 1] and is
/// honest at p = 0 or 1, where the t interval collapses to a point).
pub fn wilson(p: f64, n: usize) -> (f64, f64) {
    let n = n as f64;
    let z2 = Z975 * Z975;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z975 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    // At p = 0 (or 1) the bound is exactly 0 (or 1); the formula leaves rounding dust there.
    let lo = if p <= 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if p >= 1.0 {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// The aggregate columns, in table order after `point`, the parameters and `metric`.
pub const STATS: [&str; 10] = [
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "min",
    "p5",
    "p50",
    "p95",
    "max",
];

/// Per grid point and metric: n, mean, sd, 95 % CI of the mean (Student t; Wilson for the
/// true/false `slo_met`, whose mean is the share of runs meeting the SLOs), min, p5, p50, p95
/// (linear interpolation between order statistics, numpy's default) and max. `param_columns`
/// holds each parameter's column name and its value at every grid point.
///
/// Computed here rather than by a polars group-by: the statistics are a few lines over at most
/// 10⁴ values, and polars' query engine (its `lazy` feature) brings an async runtime and an
/// HTTP/TLS stack into the build that nothing else uses.
pub fn aggregate(runs: &DataFrame, params: &[(String, Vec<String>)]) -> Result<DataFrame> {
    let metrics = metric_columns(runs);
    if metrics.is_empty() {
        return Err(Error::Usage(
            "the runs table has no figures to aggregate".into(),
        ));
    }
    let points = i64_column(runs, POINT)?;
    // Grid points in ascending order; within a point, metrics in table order.
    let mut ids: Vec<i64> = points.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let values: Vec<Vec<Option<f64>>> = metrics
        .iter()
        .map(|m| f64_column(runs, m))
        .collect::<Result<_>>()?;
    let rows = ids.len() * metrics.len();
    let mut point_col = Vec::with_capacity(rows);
    let mut metric_col = Vec::with_capacity(rows);
    let mut stats: [Vec<Option<f64>>; 10] = Default::default();
    let mut n_col: Vec<i64> = Vec::with_capacity(rows);
    for &point in &ids {
        for (m, name) in metrics.iter().enumerate() {
            let mut v: Vec<f64> = points
                .iter()
                .zip(&values[m])
                .filter(|(p, _)| **p == Some(point))
                .filter_map(|(_, x)| *x)
                .collect();
            let s = Summary::of(&mut v);
            let ci = match s.mean {
                Some(mean) if name == SLO_MET && s.n > 0 => Some(wilson(mean, s.n)),
                Some(mean) if s.n >= 2 => s.sd.map(|sd| {
                    let half = t975(s.n - 1) * sd / (s.n as f64).sqrt();
                    (mean - half, mean + half)
                }),
                _ => None,
            };
            point_col.push(point);
            metric_col.push(name.clone());
            n_col.push(s.n as i64);
            let row = [
                None,
                s.mean,
                s.sd,
                ci.map(|c| c.0),
                ci.map(|c| c.1),
                s.min,
                quantile(&v, 0.05),
                quantile(&v, 0.50),
                quantile(&v, 0.95),
                s.max,
            ];
            for (col, x) in stats.iter_mut().zip(row) {
                col.push(x);
            }
        }
    }
    let mut columns = vec![
        Column::new(POINT.into(), point_col),
        Column::new("metric".into(), metric_col),
        Column::new("n".into(), n_col),
    ];
    for (name, col) in STATS.iter().zip(stats).skip(1) {
        columns.push(Column::new(PlSmallStr::from_str(name), col));
    }
    let mut agg = DataFrame::new(rows, columns).map_err(failed("building the aggregates"))?;
    for (i, (name, values)) in params.iter().enumerate() {
        let v: Vec<Option<String>> = ids
            .iter()
            .flat_map(|&p| std::iter::repeat_n(values.get(p as usize).cloned(), metrics.len()))
            .collect();
        agg.insert_column(1 + i, Column::new(PlSmallStr::from_str(name), v))
            .map_err(failed("adding parameters"))?;
    }
    Ok(agg)
}

/// One metric's values at one grid point, summarised (nulls left out).
struct Summary {
    n: usize,
    mean: Option<f64>,
    sd: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
}

impl Summary {
    /// Sorts `v` (the quantiles read it afterwards).
    fn of(v: &mut [f64]) -> Summary {
        v.sort_unstable_by(f64::total_cmp);
        let n = v.len();
        let mean = (n > 0).then(|| v.iter().sum::<f64>() / n as f64);
        // Two passes (the mean first): exact for equal values, no cancellation.
        let sd = mean.filter(|_| n >= 2).map(|m| {
            let ss: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
            (ss / (n - 1) as f64).sqrt()
        });
        Summary {
            n,
            mean,
            sd,
            min: v.first().copied(),
            max: v.last().copied(),
        }
    }
}

/// The `p` quantile of sorted values by linear interpolation between order statistics (numpy's
/// default, polars' `Linear`): position p·(n − 1).
fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let at = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    let (a, b) = (sorted[lo], sorted[hi]);
    Some(if a == b {
        a
    } else {
        (at - lo as f64) * (b - a) + a
    })
}

/// An integer column (nulls as `None`).
fn i64_column(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = df
        .column(name)
        .and_then(|c| c.cast(&DataType::Int64))
        .map_err(failed("reading the runs table"))?;
    Ok(c.i64()
        .map_err(failed("reading the runs table"))?
        .iter()
        .collect())
}

/// A numeric column as floats (nulls as `None`).
fn f64_column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df
        .column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .map_err(failed("reading aggregates"))?;
    Ok(c.f64()
        .map_err(failed("reading aggregates"))?
        .iter()
        .collect())
}

/// A text column (nulls as empty text).
fn str_column(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let c = df.column(name).map_err(failed("reading aggregates"))?;
    let s = c.str().map_err(failed("reading aggregates"))?;
    Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
}

/// Metric `metric` of every run, as (point, replicate, value): what a paired comparison of two
/// grid points over the same replicates (the same seeds) needs. `None` when there is no such
/// column.
pub fn per_run(runs: &DataFrame, metric: &str) -> Result<Option<Vec<(usize, usize, f64)>>> {
    if runs.column(metric).is_err() {
        return Ok(None);
    }
    let (point, replicate, value) = (
        f64_column(runs, POINT)?,
        f64_column(runs, REPLICATE)?,
        f64_column(runs, metric)?,
    );
    Ok(Some(
        (0..value.len())
            .filter_map(|i| Some((point[i]? as usize, replicate[i]? as usize, value[i]?)))
            .collect(),
    ))
}

/// Mean of the paired differences `b − a` (matched by replicate) and its 95 % t interval, with
/// the number of pairs; `None` with fewer than two pairs.
pub fn paired_difference(a: &[(usize, f64)], b: &[(usize, f64)]) -> Option<(f64, f64, f64, usize)> {
    let a: std::collections::BTreeMap<usize, f64> = a.iter().copied().collect();
    let d: Vec<f64> = b
        .iter()
        .filter_map(|(k, vb)| a.get(k).map(|va| vb - va))
        .collect();
    let n = d.len();
    if n < 2 {
        return None;
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * var.sqrt() / (n as f64).sqrt();
    Some((mean, mean - half, mean + half, n))
}

/// One aggregate row, as plain values for the report and the recommender.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct AggRow {
    pub point: usize,
    pub metric: String,
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub min: Option<f64>,
    pub p5: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

/// The aggregate of `metric` at grid point `point`. `aggs` is in point order (as [`aggregate`]
/// sorts it), so the point's rows are found by binary search and only they are scanned: the
/// report and the recommender look up every point's figures, which a linear scan would make
/// quadratic in the number of grid points.
pub fn find_agg<'a>(aggs: &'a [AggRow], point: usize, metric: &str) -> Option<&'a AggRow> {
    let start = aggs.partition_point(|a| a.point < point);
    aggs[start..]
        .iter()
        .take_while(|a| a.point == point)
        .find(|a| a.metric == metric)
}

/// The aggregates frame as rows.
pub fn agg_rows(agg: &DataFrame) -> Result<Vec<AggRow>> {
    let metric = str_column(agg, "metric")?;
    let point = f64_column(agg, POINT)?;
    let cols: Vec<Vec<Option<f64>>> = STATS
        .iter()
        .map(|s| f64_column(agg, s))
        .collect::<Result<_>>()?;
    Ok((0..metric.len())
        .map(|i| AggRow {
            point: point[i].unwrap_or(0.0) as usize,
            metric: metric[i].clone(),
            n: cols[0][i].unwrap_or(0.0) as usize,
            mean: cols[1][i],
            sd: cols[2][i],
            ci95_low: cols[3][i],
            ci95_high: cols[4][i],
            min: cols[5][i],
            p5: cols[6][i],
            p50: cols[7][i],
            p95: cols[8][i],
            max: cols[9][i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_critical_values_match_published_tables() {
        // NIST/SEMATECH e-Handbook 1.3.6.7.2 (upper critical values of Student's t, 0.025 column).
        for (df, want) in [
            (1, 12.706),
            (5, 2.571),
            (10, 2.228),
            (30, 2.042),
            (40, 2.021),
            (60, 2.000),
            (100, 1.984),
        ] {
            assert!((t975(df) - want).abs() < 6e-4, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn wilson_interval_matches_a_worked_example() {
        // Wilson (1927) as in Newcombe (1998), Stat. Med. 17:857, table I: 81 of 263 → 0.2553–0.3662;
        // 0 of 10 → 0–0.2775.
        let (lo, hi) = wilson(81.0 / 263.0, 263);
        assert!(
            (lo - 0.2553).abs() < 1e-4 && (hi - 0.3662).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0.0, 10);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 1e-4, "{hi}");
    }

    fn row(run: i64, point: i64, x: f64, ok: bool) -> Row {
        Row {
            cells: vec![
                (RUN_ID.into(), Cell::Int(run)),
                (POINT.into(), Cell::Int(point)),
                (REPLICATE.into(), Cell::Int(run % 4)),
                (SEED.into(), Cell::Text(format!("{run}"))),
                (SLO_MET.into(), Cell::Bool(ok)),
                ("x".into(), Cell::Float(x)),
            ],
        }
    }

    #[test]
    fn aggregates_follow_hand_computation() {
        // Point 0: x = 1, 2, 3, 10 → mean 4, sd √((9+4+1+36)/3) = √(50/3) = 4.0825, p5 = 1.15, p50 = 2.5, p95 = 8.95
        // (numpy.percentile's linear method: position 0.05·3 = 0.15 → 1 + 0.15·1).
        let rows = vec![
            row(0, 0, 1.0, true),
            row(1, 0, 2.0, true),
            row(2, 0, 3.0, false),
            row(3, 0, 10.0, true),
            row(4, 1, 5.0, true),
            row(5, 1, 5.0, true),
            row(6, 1, 5.0, true),
            row(7, 1, 5.0, true),
        ];
        let runs = runs_frame(&rows).unwrap();
        let params = vec![(
            "param.a".to_string(),
            vec!["1".to_string(), "2".to_string()],
        )];
        let agg = aggregate(&runs, &params).unwrap();
        assert_eq!(agg.get_column_names()[1].as_str(), "param.a");
        let rows = agg_rows(&agg).unwrap();
        let x0 = rows
            .iter()
            .find(|r| r.point == 0 && r.metric == "x")
            .unwrap();
        assert_eq!(x0.n, 4);
        assert_eq!(x0.mean, Some(4.0));
        assert!((x0.sd.unwrap() - (50.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((x0.p5.unwrap() - 1.15).abs() < 1e-12);
        assert!((x0.p50.unwrap() - 2.5).abs() < 1e-12);
        assert!((x0.p95.unwrap() - 8.95).abs() < 1e-12);
        let half = 3.182446305 * (50.0f64 / 3.0).sqrt() / 2.0;
        assert!((x0.ci95_low.unwrap() - (4.0 - half)).abs() < 1e-9);
        let slo0 = rows
            .iter()
            .find(|r| r.point == 0 && r.metric == SLO_MET)
            .unwrap();
        assert_eq!(slo0.mean, Some(0.75));
        assert_eq!((slo0.ci95_low, slo0.ci95_high), {
            let (l, h) = wilson(0.75, 4);
            (Some(l), Some(h))
        });
        let x1 = rows
            .iter()
            .find(|r| r.point == 1 && r.metric == "x")
            .unwrap();
        assert_eq!((x1.mean, x1.sd, x1.p95), (Some(5.0), Some(0.0), Some(5.0)));
    }

    #[test]
    fn summary_of_one_value_and_of_none() {
        // One run: mean, min, max and every quantile are the value; no standard deviation
        // (n − 1 = 0), as polars' std(ddof = 1) gave null.
        let mut one = [7.5];
        let s = Summary::of(&mut one);
        assert_eq!((s.n, s.mean, s.sd), (1, Some(7.5), None));
        assert_eq!(
            (s.min, s.max, quantile(&one, 0.95)),
            (Some(7.5), Some(7.5), Some(7.5))
        );
        let s = Summary::of(&mut []);
        assert_eq!(
            (s.n, s.mean, s.sd, s.min, quantile(&[], 0.5)),
            (0, None, None, None, None)
        );
    }

    #[test]
    fn paired_difference_matches_hand_arithmetic() {
        // b − a by replicate: 2, 3, 4 (replicate 9 has no partner) → mean 3, sd 1,
        // half-width t(0.975, 2)·1/√3 = 4.302652730/1.7320508 = 2.4841.
        let a = [(0, 10.0), (1, 20.0), (2, 30.0)];
        let b = [(2, 34.0), (0, 12.0), (1, 23.0), (9, 1.0)];
        let (m, lo, hi, n) = paired_difference(&a, &b).unwrap();
        assert_eq!((m, n), (3.0, 3));
        assert!((hi - m - 2.484138).abs() < 1e-6 && (m - lo - 2.484138).abs() < 1e-6);
        assert!(paired_difference(&a[..1], &b).is_none());
    }

    #[test]
    fn parquet_round_trip_keeps_the_table() {
        let rows: Vec<Row> = (0..6)
            .map(|i| row(i, i / 3, i as f64 * 1.5, i % 2 == 0))
            .collect();
        let mut df = runs_frame(&rows).unwrap();
        let bytes = parquet_bytes(&mut df).unwrap();
        let back = read_parquet(bytes.clone(), std::path::Path::new("x.parquet")).unwrap();
        assert!(back.equals_missing(&df));
        // Shards stacked in any order give the same table as the whole.
        let a = runs_frame(&rows[3..]).unwrap();
        let b = runs_frame(&rows[..3]).unwrap();
        let mut merged = concat_runs(vec![a, b]).unwrap();
        assert_eq!(parquet_bytes(&mut merged).unwrap(), bytes);
    }
}
