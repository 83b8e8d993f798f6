//! Benchmark: a 100-run sweep of heal7 on 1 and 2 threads (simulate, price, tabulate with polars,
//! aggregate). Each run is heal7's first month (`--set simulation.duration=1mo`), so one sample
//! takes tens of seconds rather than minutes; the one-year, 1,000-run figure is measured with the
//! CLI (`time capsim sweep scenarios/heal7.yaml --runs 1000`, see docs/sweep.md). Run with
//! `cargo bench --bench sweep`; the ratio of the two lines is the thread speed-up.

use capsim::sweep::grid::{Grid, Param, Shard};
use capsim::sweep::{self, frame};
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const RUNS: usize = 100;

#[divan::bench(args = [1, 2], sample_count = 2, sample_size = 1)]
fn heal7_month_100_runs(bencher: divan::Bencher, threads: usize) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/heal7.yaml");
    let grid = Grid::new(vec![
        Param::parse("simulation.duration=1mo").expect("param"),
    ])
    .expect("grid");
    let plan = sweep::plan(std::path::Path::new(path), grid, RUNS, None).expect("heal7 plans");
    let params = sweep::param_columns(&plan.manifest.grid);
    let specs = plan.runs(Shard::ALL);
    bencher.counter(ItemsCount::new(RUNS)).bench(|| {
        let rows = plan.execute(&specs, threads, &|| {}).expect("runs");
        let runs = frame::runs_frame(&rows).expect("table");
        frame::aggregate(&runs, &params).expect("aggregates")
    });
}
