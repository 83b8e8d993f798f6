//! Benchmarks: the one-year heal7 run end to end (scenario already parsed), reported as wall time
//! and as simulated events per second. Run with `cargo bench --bench engine`.

use std::sync::OnceLock;

use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

fn heal7() -> capsim::scenario::Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/heal7.yaml");
    capsim::scenario::load(std::path::Path::new(path)).expect("heal7 loads")
}

/// heal7 loaded and simulated once, shared by the benches that need a finished run.
fn heal7_run() -> &'static (capsim::scenario::Scenario, capsim::model::RunOutput) {
    static RUN: OnceLock<(capsim::scenario::Scenario, capsim::model::RunOutput)> = OnceLock::new();
    RUN.get_or_init(|| {
        let scenario = heal7();
        let out = capsim::model::simulate(&scenario);
        (scenario, out)
    })
}

/// One simulated year of heal7 (4 services × 2 clouds, HPA syncs every 15 s), items = engine events.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn heal7_one_year(bencher: divan::Bencher) {
    let (scenario, out) = heal7_run();
    bencher
        .counter(ItemsCount::new(out.events_handled))
        .bench(|| capsim::model::simulate(divan::black_box(scenario)));
}

/// Parsing and validating the scenario (YAML + holiday calendar).
#[divan::bench]
fn heal7_load() -> capsim::scenario::Scenario {
    heal7()
}

/// Building the report and serializing timeseries.csv (26,280 rows) and summary.json.
#[divan::bench(sample_count = 10)]
fn heal7_outputs(bencher: divan::Bencher) {
    let (scenario, out) = heal7_run();
    bencher.bench(|| {
        let report = capsim::report::RunReport::build(scenario, out, None);
        (
            capsim::report::json::to_bytes(&report),
            capsim::report::csv::timeseries(scenario, out),
        )
    });
}

/// Usage extraction and pricing of the year under all six variants (bundled price book).
#[divan::bench(sample_count = 10)]
fn heal7_price(bencher: divan::Bencher) {
    let (scenario, out) = heal7_run();
    let book = capsim::cost::pricebook::PriceBook::builtin();
    bencher.bench(|| capsim::cost::cost_of(scenario, out, &book).expect("heal7 prices"));
}
