//! Monte Carlo sweeps: one scenario run over many seeds × a parameter grid, in parallel (rayon),
//! each run reduced to one result row; the rows tabulated and aggregated per grid point with
//! polars (confined to [`frame`]); shards of a sweep run apart (a Kubernetes Indexed Job) and
//! merged into exactly the tables an unsharded sweep writes.
//!
//! Determinism: run `r` is (grid point `r / runs`, replicate `r % runs`) and its seed depends only
//! on (base seed, replicate), so no result depends on the thread count or the shard split.

pub mod frame;
pub mod grid;
pub mod recommend;
pub mod record;
pub mod report;

use std::path::Path;

use rayon::prelude::*;

use crate::cost::pricebook::PriceBook;
use crate::error::{Error, Problem, Result};
use crate::report::RunReport;
use crate::scenario::Scenario;
use grid::{Grid, RunSpec, Shard};
use record::{Row, SloRule};

/// Version of `sweep.json` and of the runs/aggregates table layout.
pub const SCHEMA_VERSION: u32 = 1;

/// More runs than this in one sweep is surely a typo (at ~4 s a run it would be months of cores).
pub const MAX_RUNS: usize = 10_000_000;

/// What a sweep is: enough to check that shards belong together and to label every table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Manifest {
    pub schema_version: u32,
    pub capsim_version: String,
    pub scenario: String,
    pub scenario_file: String,
    /// FNV-1a 64 of the scenario file's bytes, hex: shards of different files are not merged.
    pub scenario_fingerprint: String,
    pub base_seed: u64,
    pub runs_per_point: usize,
    pub grid: Grid,
    pub slo_rule: SloRule,
    /// The slice of the runs this table holds (`0/1` for all of them).
    pub shard: Shard,
}

impl Manifest {
    pub fn total_runs(&self) -> usize {
        self.grid.points() * self.runs_per_point
    }

    /// The same sweep, whatever the slice.
    pub fn same_sweep(&self, other: &Manifest) -> bool {
        Manifest {
            shard: Shard::ALL,
            ..self.clone()
        } == Manifest {
            shard: Shard::ALL,
            ..other.clone()
        }
    }
}

/// A sweep ready to run: every grid point's scenario decoded and its price book checked, and
/// what does not depend on the seed (the price book, the demand curve with its calendar) built
/// once per grid point and shared by the point's runs.
pub struct Plan {
    pub manifest: Manifest,
    scenarios: Vec<Scenario>,
    books: Vec<PriceBook>,
    /// Each point's demand curve, made when its first run starts (a shard builds only the
    /// points it runs).
    demands: Vec<std::sync::OnceLock<crate::traffic::Demand>>,
}

/// Validate every grid point of `path` with `params` before anything runs: a bad path or value
/// fails here, naming the grid point, with exit code 2.
pub fn plan(path: &Path, grid: Grid, runs_per_point: usize, seed: Option<u64>) -> Result<Plan> {
    if runs_per_point == 0 {
        return Err(Error::Usage(
            "--runs must be at least 1 (runs per grid point)".into(),
        ));
    }
    if grid.points().saturating_mul(runs_per_point) > MAX_RUNS {
        return Err(Error::Usage(format!(
            "{} grid points × --runs {runs_per_point} is more than {MAX_RUNS} runs; sweep fewer",
            grid.points()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let file = path.display().to_string();
    let base = path.parent().unwrap_or(Path::new("."));
    let root = crate::scenario::yaml::parse(&text, &file).map_err(Error::Invalid)?;
    let mut scenarios = Vec::with_capacity(grid.points());
    let mut books = Vec::with_capacity(grid.points());
    for point in 0..grid.points() {
        let loaded = grid
            .apply(&root, point, &file)
            .and_then(|tree| crate::scenario::decode_tree(&tree, &file, base))
            .and_then(|s| crate::cost::load_price_book(&s, path).map(|b| (s, b)));
        match loaded {
            Ok((s, b)) => {
                scenarios.push(s);
                books.push(b);
            }
            Err(Error::Invalid(problems)) if !grid.params.is_empty() => {
                let label = grid.label(point);
                return Err(Error::Invalid(
                    problems
                        .into_iter()
                        .map(|p| Problem {
                            message: format!("{} (grid point {point}: {label})", p.message),
                            ..p
                        })
                        .collect(),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    let first = &scenarios[0];
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        capsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: first.name.clone(),
        scenario_file: file,
        scenario_fingerprint: format!("{:016x}", fnv1a64(text.as_bytes())),
        base_seed: seed.unwrap_or(first.simulation.seed),
        runs_per_point,
        slo_rule: SloRule::of(first),
        grid,
        shard: Shard::ALL,
    };
    let demands = scenarios
        .iter()
        .map(|_| std::sync::OnceLock::new())
        .collect();
    Ok(Plan {
        manifest,
        scenarios,
        books,
        demands,
    })
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Plan {
    /// Every grid point's validated scenario, in point order.
    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    /// The runs `shard` does, in run-id order.
    pub fn runs(&self, shard: Shard) -> Vec<RunSpec> {
        grid::runs(
            &self.manifest.grid,
            self.manifest.runs_per_point,
            self.manifest.base_seed,
            shard,
        )
    }

    /// A point's demand curve. Its runs differ only in their seed, so the curve is tabulated at
    /// the traffic ticks once when more than one run will read it, unless the tables of every
    /// point would take more than `TABLES_MAX_BYTES` (16.8 MB a year each: a large grid then
    /// computes the curve per tick, as a single run does).
    fn demand(&self, point: usize) -> crate::traffic::Demand {
        const TABLES_MAX_BYTES: i64 = 512 << 20;
        let s = &self.scenarios[point];
        let mut demand = crate::traffic::Demand::new(s);
        let tick_ms = crate::scenario::limits::tick_period_ms(s);
        let table_bytes = 8 * (s.simulation.duration_ms / tick_ms.max(1) + 1);
        if self.manifest.runs_per_point > 1
            && table_bytes * self.scenarios.len() as i64 <= TABLES_MAX_BYTES
        {
            demand.tabulate(tick_ms, s.simulation.duration_ms);
        }
        demand
    }

    /// Simulate and price one run, reduced to its row.
    pub fn run_one(&self, spec: &RunSpec) -> Result<Row> {
        let mut s = self.scenarios[spec.point].clone();
        s.simulation.seed = spec.seed;
        let demand = self.demands[spec.point].get_or_init(|| self.demand(spec.point));
        let out = crate::model::simulate_with_demand(&s, demand, &mut |_, _| {});
        let priced = crate::cost::cost_of(&s, &out, &self.books[spec.point])?;
        let report = RunReport::build(&s, &out, Some((&priced, &self.books[spec.point])));
        let params: Vec<(String, String)> = self
            .manifest
            .grid
            .params
            .iter()
            .zip(self.manifest.grid.values_at(spec.point))
            .map(|(p, v)| (p.column(), v.to_string()))
            .collect();
        Ok(record::row(
            spec,
            &params,
            &report,
            &priced,
            &self.manifest.slo_rule,
        ))
    }

    /// Do `specs` (from [`Plan::runs`]) on `threads` threads; `done` is called after each run
    /// (from any thread). Rows come back in the order of `specs` whatever the threads did.
    pub fn execute(
        &self,
        specs: &[RunSpec],
        threads: usize,
        done: &(dyn Fn() + Sync),
    ) -> Result<Vec<Row>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
        pool.install(|| {
            specs
                .par_iter()
                .map(|spec| {
                    let row = self.run_one(spec);
                    done();
                    row
                })
                .collect()
        })
    }
}

/// Each parameter's column name and its value at every grid point, for the aggregates table.
pub fn param_columns(grid: &Grid) -> Vec<(String, Vec<String>)> {
    grid.params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let values = (0..grid.points())
                .map(|pt| grid.values_at(pt)[i].to_string())
                .collect();
            (p.column(), values)
        })
        .collect()
}
