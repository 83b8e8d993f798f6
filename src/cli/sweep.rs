//! `capsim sweep SCENARIO --runs N [--set path=v1,v2]... [--shard I/N]` and
//! `capsim sweep merge DIR...`: run (a slice of) a Monte Carlo sweep, or merge the slices; write
//! the runs and aggregates tables (Parquet and CSV), `sweep.json`, `summary.md`, `report.html`
//! and the spread chart, and optionally recommend the cheapest configuration meeting the
//! requirements.

use std::path::{Path, PathBuf};

use super::Outcome;
use super::output::{print_stdout, write_folder_atomic};
use super::run::Format;
use crate::error::{Error, Result};
use crate::sweep::grid::{Grid, Param, Shard};
use crate::sweep::recommend::{self, Objective, Requirement};
use crate::sweep::report::{self as sweep_report, SweepReport};
use crate::sweep::{self, Manifest, frame};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The scenario file (YAML, kind: Scenario).
    #[arg(required = true)]
    pub scenario: Option<PathBuf>,
    /// Runs (seeds) per grid point.
    #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub runs: usize,
    /// Sweep a scenario field: a dotted path below `spec` and its values, e.g.
    /// `services.web-main.hpa.maxReplicas=15,20,30`; repeat for a grid of every combination.
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    pub set: Vec<String>,
    /// Worker threads [default: the machine's cores]. Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_count)]
    pub threads: Option<usize>,
    /// Base seed [default: spec.simulation.seed]; run k of every grid point uses a seed derived
    /// from (base seed, k).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// Run only slice I of N (0-based I), for a batch engine; merge the slices with
    /// `capsim sweep merge`.
    #[arg(long, value_name = "I/N", conflicts_with = "shards")]
    pub shard: Option<String>,
    /// Run slice $JOB_COMPLETION_INDEX of N (a Kubernetes Indexed Job with N completions).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::parse_count)]
    pub shards: Option<usize>,
    /// Output folder [default: reports/<scenario name>/sweep, or .../sweep-shard-I-of-N].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub pick: PickArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Merge the output folders of a sharded sweep into the tables an unsharded sweep writes.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' output folders (each holds manifest.json and runs.parquet).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output folder for the merged sweep.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub pick: PickArgs,
}

/// The recommendation and output flags `sweep` and `sweep merge` share.
#[derive(Debug, clap::Args)]
pub struct PickArgs {
    /// Recommend a configuration: the grid point and purchase variant that is cheapest
    /// [implied by --require].
    #[arg(long, value_enum)]
    pub objective: Option<Objective>,
    /// A requirement the pick must meet: `slo>=0.95` (share of runs meeting every SLO) or
    /// `STAT(METRIC) OP NUMBER`, e.g. `p95(db.peak_connections)<=197`. Repeatable.
    #[arg(long, value_name = "RULE")]
    pub require: Vec<String>,
    /// What to print on stdout (json: sweep.json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub const MANIFEST: &str = "manifest.json";
pub const RUNS_PARQUET: &str = "runs.parquet";

pub fn exec(args: Args) -> Result<Outcome> {
    if let Some(Command::Merge(m)) = args.command {
        return merge(m);
    }
    let Some(scenario) = args.scenario else {
        return Err(Error::Usage("capsim sweep needs a scenario file".into()));
    };
    let requirements = parse_requirements(&args.pick.require)?;
    let params = args
        .set
        .iter()
        .map(|s| Param::parse(s))
        .collect::<Result<Vec<_>>>()?;
    let shard = match (&args.shard, args.shards) {
        (Some(s), _) => Shard::parse(s)?,
        (None, Some(n)) => shard_from_env(n)?,
        (None, None) => Shard::ALL,
    };
    let threads = super::thread_count(args.threads)?;
    if let Some(dir) = &args.out {
        super::output::check_output_folder(dir)?;
    }
    let plan = sweep::plan(&scenario, Grid::new(params)?, args.runs, args.seed)?;
    for s in plan.scenarios() {
        super::check_work(s)?;
    }
    check_metrics(&requirements, plan.scenarios())?;
    let mut manifest = plan.manifest.clone();
    manifest.shard = shard;
    let dir = args.out.unwrap_or_else(|| {
        let base = PathBuf::from("reports").join(&manifest.scenario);
        if shard.is_all() {
            base.join("sweep")
        } else {
            base.join(format!("sweep-shard-{}-of-{}", shard.index, shard.count))
        }
    });
    let specs = plan.runs(shard);
    let bar = super::output::progress_bar(
        specs.len() as u64,
        super::quiet(),
        "{msg} [{bar:40}] {pos}/{len} runs ({elapsed} elapsed, {eta} left)",
        format!("sweep {}", manifest.scenario),
    );
    let rows = plan.execute(&specs, threads, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let mut df = frame::runs_frame(&rows)?;
    // Every table goes through Parquet and back, as a merge's do, so a sharded-and-merged sweep
    // and an unsharded one aggregate byte-identical inputs.
    let bytes = frame::parquet_bytes(&mut df)?;
    let runs = frame::concat_runs(vec![frame::read_parquet(bytes, Path::new(RUNS_PARQUET))?])?;
    if shard.is_all() {
        finish(manifest, runs, &dir, &args.pick, &requirements)
    } else {
        write_shard(&manifest, runs, &dir, super::quiet()).map(|()| Outcome::Success)
    }
}

/// Every `--require` metric must be one the sweep's runs will have: a typo fails here, before
/// any run, naming the metrics there are.
fn check_metrics(
    requirements: &[Requirement],
    scenarios: &[crate::scenario::Scenario],
) -> Result<()> {
    let mut names = std::collections::BTreeSet::new();
    for s in scenarios {
        names.extend(crate::sweep::record::metric_names(s));
    }
    for r in requirements {
        if r.metric != crate::sweep::record::SLO_MET && !names.contains(&r.metric) {
            let list: Vec<&str> = names.iter().map(String::as_str).collect();
            return Err(Error::Usage(format!(
                "--require: no metric {:?} in this sweep\n  fix: use slo or one of: {}",
                r.metric,
                list.join(", ")
            )));
        }
    }
    Ok(())
}

fn parse_requirements(texts: &[String]) -> Result<Vec<Requirement>> {
    texts.iter().map(|t| Requirement::parse(t)).collect()
}

/// The slice a Kubernetes Indexed Job's pod runs: `JOB_COMPLETION_INDEX` of `count`.
fn shard_from_env(count: usize) -> Result<Shard> {
    let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
        Error::Usage(
            "--shards N reads the slice index from JOB_COMPLETION_INDEX, which is not set; \
             run it in a Kubernetes Indexed Job or use --shard I/N"
                .into(),
        )
    })?;
    Shard::parse(&format!("{}/{count}", index.trim()))
}

/// A shard writes its runs and its manifest; the aggregates come from the merge.
fn write_shard(
    manifest: &Manifest,
    mut runs: frame::DataFrame,
    dir: &Path,
    quiet: bool,
) -> Result<()> {
    let parquet = frame::parquet_bytes(&mut runs)?;
    let csv = frame::csv_bytes(&mut runs)?;
    let json = crate::report::json::pretty(manifest);
    let (m, p, c) = (
        dir.join(MANIFEST),
        dir.join(RUNS_PARQUET),
        dir.join("runs.csv"),
    );
    write_folder_atomic(dir, &[(&p, &parquet), (&c, &csv), (&m, json.as_bytes())])?;
    if !quiet {
        print_stdout(&format!(
            "shard {}/{} of sweep {}: {} of {} runs written to {}\nmerge all {} shard folders with: capsim sweep merge DIR... --out DIR\n",
            manifest.shard.index,
            manifest.shard.count,
            manifest.scenario,
            runs.height(),
            manifest.total_runs(),
            dir.display(),
            manifest.shard.count
        ))?;
    }
    Ok(())
}

/// Aggregate a complete runs table, recommend, and write and print everything.
fn finish(
    manifest: Manifest,
    mut runs: frame::DataFrame,
    dir: &Path,
    pick: &PickArgs,
    requirements: &[Requirement],
) -> Result<Outcome> {
    let mut agg = frame::aggregate(&runs, &sweep::param_columns(&manifest.grid))?;
    let rows = frame::agg_rows(&agg)?;
    let recommendation = if pick.objective.is_some() || !requirements.is_empty() {
        Some(recommend::recommend(
            &rows,
            &manifest.grid,
            manifest.runs_per_point,
            pick.objective.unwrap_or(Objective::Cheapest),
            requirements,
            &|metric| frame::per_run(&runs, metric).ok().flatten(),
        )?)
    } else {
        None
    };
    let gate_failed = recommendation.as_ref().is_some_and(|r| r.pick.is_none());
    let report = SweepReport::build(manifest, rows, recommendation);
    let json = crate::report::json::pretty(&report);
    let md = sweep_report::markdown(&report);
    let html = sweep_report::html(&report);
    let spread = report.spread();
    let png = crate::report::charts::spread_png(&report.spread_title(), "USD", &spread);
    let svg = crate::report::charts::spread_svg(&report.spread_title(), "USD", &spread);
    let tables = [
        frame::parquet_bytes(&mut runs)?,
        frame::csv_bytes(&mut runs)?,
        frame::parquet_bytes(&mut agg)?,
        frame::csv_bytes(&mut agg)?,
    ];
    let manifest_json = crate::report::json::pretty(&report.manifest);
    let charts = dir.join("charts");
    let names = [
        dir.join(RUNS_PARQUET),
        dir.join("runs.csv"),
        dir.join("aggregates.parquet"),
        dir.join("aggregates.csv"),
        dir.join("sweep.json"),
        dir.join(MANIFEST),
        dir.join("summary.md"),
        dir.join("report.html"),
        charts.join("spread.png"),
        charts.join("spread.svg"),
    ];
    let bodies: [&[u8]; 10] = [
        &tables[0],
        &tables[1],
        &tables[2],
        &tables[3],
        json.as_bytes(),
        manifest_json.as_bytes(),
        md.as_bytes(),
        html.as_bytes(),
        &png,
        &svg,
    ];
    let files: Vec<(&Path, &[u8])> = names.iter().map(PathBuf::as_path).zip(bodies).collect();
    write_folder_atomic(dir, &files)?;
    if !super::quiet() {
        match pick.format {
            Format::Table => {
                let mut text = sweep_report::table(&report);
                text.push_str(&format!(
                    "\nwrote {} and the tables beside it (runs.parquet, aggregates.parquet, CSV)\n",
                    dir.join("report.html").display()
                ));
                print_stdout(&text)?;
            }
            Format::Json => print_stdout(&json)?,
            Format::Markdown => print_stdout(&md)?,
        }
    }
    Ok(if gate_failed {
        Outcome::GateFailed
    } else {
        Outcome::Success
    })
}

/// `capsim sweep merge`: check the shards belong to one sweep and cover it exactly once, stack
/// their runs, and finish as an unsharded sweep would.
fn merge(args: MergeArgs) -> Result<Outcome> {
    let requirements = parse_requirements(&args.pick.require)?;
    let mut manifests = Vec::new();
    let mut frames = Vec::new();
    for d in &args.dirs {
        let path = d.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::read(&path, e))?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            Error::read(
                &path,
                std::io::Error::other(format!(
                    "not a capsim sweep manifest ({e}); point merge at the folders `capsim sweep --shard` wrote"
                )),
            )
        })?;
        let runs_path = d.join(RUNS_PARQUET);
        let bytes = std::fs::read(&runs_path).map_err(|e| Error::read(&runs_path, e))?;
        frames.push(frame::read_parquet(bytes, &runs_path)?);
        manifests.push((d.clone(), m));
    }
    let (first_dir, first) = &manifests[0];
    for (d, m) in &manifests[1..] {
        if !m.same_sweep(first) {
            return Err(Error::Usage(format!(
                "{} and {} hold different sweeps (scenario, its contents, seed, runs, --set grid or version differ); merge only the shards of one sweep",
                first_dir.display(),
                d.display()
            )));
        }
        if m.shard.count != first.shard.count {
            return Err(Error::Usage(format!(
                "{} is shard {}/{} but {} is shard {}/{}: the shards of one sweep share N",
                first_dir.display(),
                first.shard.index,
                first.shard.count,
                d.display(),
                m.shard.index,
                m.shard.count
            )));
        }
    }
    let count = first.shard.count;
    let mut seen = vec![0usize; count];
    for (_, m) in &manifests {
        seen[m.shard.index] += 1;
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| seen[*i] == 0)
        .map(|i| i.to_string())
        .collect();
    let twice: Vec<String> = (0..count)
        .filter(|i| seen[*i] > 1)
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() || !twice.is_empty() {
        return Err(Error::Usage(format!(
            "the shards do not cover the sweep exactly once (N = {count}): missing {}; given twice {}",
            if missing.is_empty() {
                "none".into()
            } else {
                missing.join(", ")
            },
            if twice.is_empty() {
                "none".into()
            } else {
                twice.join(", ")
            }
        )));
    }
    let mut manifest = first.clone();
    manifest.shard = Shard::ALL;
    let runs = frame::concat_runs(frames)?;
    let ids = frame::run_ids(&runs)?;
    let total = manifest.total_runs();
    if ids.len() != total || ids.iter().enumerate().any(|(i, id)| *id != i as i64) {
        return Err(Error::Usage(format!(
            "the shards hold {} runs, not runs 0..{total} once each: a shard's runs.parquet does not match its manifest",
            ids.len()
        )));
    }
    finish(manifest, runs, &args.out, &args.pick, &requirements)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::scenario::yaml::{Node, Value, parse};

    fn get<'a>(n: &'a Node, path: &[&str]) -> &'a Node {
        path.iter().fold(n, |n, seg| match &n.value {
            Value::Map(e) => {
                &e.iter()
                    .find(|(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == seg))
                    .unwrap_or_else(|| panic!("no {seg}"))
                    .1
            }
            Value::Seq(items) => &items[seg.parse::<usize>().unwrap()],
            Value::Scalar { .. } => panic!("{seg}: a scalar"),
        })
    }

    fn text(n: &Node) -> &str {
        match &n.value {
            Value::Scalar { text, .. } => text,
            _ => panic!("not a scalar"),
        }
    }

    /// The shipped Indexed Job runs arguments capsim accepts, with --shards equal to the Job's
    /// completions; the merge Job's command line parses too.
    #[test]
    fn shipped_kubernetes_jobs_call_capsim_correctly() {
        let job = parse(
            include_str!("../../deploy/k8s/sweep-job.yaml"),
            "sweep-job.yaml",
        )
        .unwrap();
        assert_eq!(text(get(&job, &["spec", "completionMode"])), "Indexed");
        let completions = text(get(&job, &["spec", "completions"]));
        let container = get(&job, &["spec", "template", "spec", "containers", "0"]);
        let Value::Seq(args) = &get(container, &["args"]).value else {
            panic!("args is a list")
        };
        let args: Vec<&str> = args.iter().map(text).collect();
        assert!(
            args.contains(&format!("--shards={completions}").as_str()),
            "{args:?}"
        );
        let cli = super::super::Cli::try_parse_from(
            std::iter::once("capsim").chain(args.iter().copied()),
        );
        assert!(cli.is_ok(), "{:?}", cli.err());

        let merge = parse(
            include_str!("../../deploy/k8s/sweep-merge-job.yaml"),
            "sweep-merge-job.yaml",
        )
        .unwrap();
        let c = get(&merge, &["spec", "template", "spec", "containers", "0"]);
        let line = text(get(c, &["args", "0"]));
        assert!(line.contains(&format!("-of-{completions}")), "{line}");
        let words: Vec<String> = line
            .split_whitespace()
            .map(|w| w.trim_matches('\'').to_string())
            .collect();
        assert_eq!(words[0], "capsim");
        let cli = super::super::Cli::try_parse_from(&words);
        assert!(cli.is_ok(), "{:?}", cli.err());
    }
}
