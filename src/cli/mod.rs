//! The command line: clap types, dispatch to one file per subcommand, and the single place where
//! outcomes and errors become exit codes (0 ok, 1 a gate failed, 2 usage or input error).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod calibrate;
pub mod check;
pub mod compare;
pub mod docs;
pub mod headroom;
pub mod hpa;
pub mod import;
pub mod output;
pub mod queue;
pub mod run;
pub mod schema;
pub mod sweep;
pub mod validate;

/// What a command that did not error concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything held (exit 0).
    Success,
    /// The command ran, and a gate it checks failed (exit 1): an HPA case disagreed, a budget broke.
    GateFailed,
}

#[derive(Debug, Parser)]
#[command(
    name = "capsim",
    version,
    about = "Capacity-planning and cloud-cost simulator for Kubernetes workloads",
    long_about = "capsim replays DAU growth, daily/weekly cycles and holiday peaks against the Kubernetes \
                  HorizontalPodAutoscaler (autoscaling/v2) and reports replicas over time.\n\n\
                  Exit codes: 0 ok, 1 a gate failed (e.g. an HPA conformance case), 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Run a scenario even when its estimated work (events, output rows, initial pods) or
    /// `sweep --threads` is over capsim's limits (README "Limits").
    #[arg(long, global = true)]
    pub allow_large: bool,
    /// No progress bars and no notes on stderr; the commands that write files or judge a gate
    /// (run, check, sweep, headroom, validate, hpa eval, import) print nothing on stdout either:
    /// their files and exit code are the result. Accepted by every command.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Set once from `--allow-large` before any command runs (a process-wide switch, read by
/// [`check_work`]).
static ALLOW_LARGE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set once from `--quiet` before any command runs.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `-q/--quiet` was given (before or after the subcommand).
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether `--allow-large` was given.
pub fn allow_large() -> bool {
    ALLOW_LARGE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Refuse a scenario whose estimated work is over the limits, unless `--allow-large`.
pub fn check_work(s: &crate::scenario::Scenario) -> crate::Result<()> {
    if allow_large() {
        return Ok(());
    }
    let problems = crate::scenario::limits::check(s);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(crate::Error::Invalid(problems))
    }
}

/// `--threads` of `sweep` and `headroom`: the machine's cores by default; more than
/// [`MAX_THREADS`](crate::scenario::limits::MAX_THREADS) needs `--allow-large`.
pub fn thread_count(arg: Option<usize>) -> crate::Result<usize> {
    let max = crate::scenario::limits::MAX_THREADS;
    match arg {
        Some(0) => Err(crate::Error::Usage("--threads must be at least 1".into())),
        Some(t) if t > max && !allow_large() => Err(crate::Error::Usage(format!(
            "--threads {t} is more than {max} worker threads (each runs a simulation and holds \
             its memory)\n  fix: use at most the machine's cores (the default), or pass \
             --allow-large if you mean it"
        ))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

/// A count flag's value (`--runs`, `--threads`, `--shards`): a whole number ≥ 1, with a message
/// that says so (a negative number is a value here, not a flag).
pub fn parse_count(text: &str) -> std::result::Result<usize, String> {
    match text.trim().parse::<i128>() {
        Ok(n) if n >= 1 && n <= usize::MAX as i128 => Ok(n as usize),
        Ok(n) => Err(format!(
            "{n} is not a count; write a whole number of at least 1"
        )),
        Err(_) => Err(format!("{text:?} is not a whole number; write e.g. 4")),
    }
}

/// A seed flag's value: a whole number from 0 to 2^64 − 1.
pub fn parse_seed(text: &str) -> std::result::Result<u64, String> {
    match text.trim().parse::<i128>() {
        Ok(n) if (0..=u64::MAX as i128).contains(&n) => Ok(n as u64),
        Ok(n) => Err(format!(
            "{n} is not a seed; write a whole number from 0 to 18446744073709551615"
        )),
        Err(_) => Err(format!("{text:?} is not a whole number; write e.g. 42")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario; print a summary and write summary.json, the CSVs, report.html and charts.
    Run(run::Args),
    /// Compare two runs (scenario files or saved summary.json): replicas, SLOs, cost per month and variant.
    Compare(compare::Args),
    /// CI gate: exit 1 when a monthly budget, a cost increase over a baseline or an SLO minimum breaks.
    Check(check::Args),
    /// Monte Carlo sweep: many seeds × a --set parameter grid in parallel; quantiles and 95 % CIs
    /// per grid point (Parquet, CSV, HTML); shardable (--shard I/N, then `capsim sweep merge`).
    Sweep(sweep::Args),
    /// How far the plan holds as demand grows: the largest demand factor meeting every SLO rule,
    /// each limit in the order demand breaks it, and (--target-rps) what would lift each one.
    Headroom(headroom::Args),
    /// Check scenario files without running them; report every problem at once.
    Validate(validate::Args),
    /// Print the JSON Schema of an output: summary (summary.json, the default), check, compare or
    /// sweep (their --format json and sweep.json).
    Schema(schema::Args),
    /// Kubernetes HPA tools: evaluate conformance cases.
    #[command(subcommand)]
    Hpa(hpa::Command),
    /// Queueing calculator: Erlang C / M/M/c, M/D/1 and M/G/c waits and latency percentiles.
    Queue(queue::Args),
    /// Fit a service's cpuPerRequest and idleCpu from Prometheus/Grafana series (least squares).
    Calibrate(calibrate::Args),
    /// Write a scenario skeleton from Kubernetes manifests (Helm output) and Terraform plans.
    #[command(subcommand)]
    Import(import::Command),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions(docs::CompletionsArgs),
    /// Print capsim's man page (roff), or write one page per command into --out.
    Man(docs::ManArgs),
}

/// Parse the process arguments, run the command, and map the result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr.
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    ALLOW_LARGE.store(cli.allow_large, std::sync::atomic::Ordering::Relaxed);
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match dispatch(cli.command) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::GateFailed) => ExitCode::from(1),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> crate::Result<Outcome> {
    match command {
        Command::Run(args) => run::exec(args),
        Command::Compare(args) => compare::exec(args),
        Command::Check(args) => check::exec(args),
        Command::Sweep(args) => sweep::exec(args),
        Command::Headroom(args) => headroom::exec(args),
        Command::Validate(args) => validate::exec(args),
        Command::Schema(args) => schema::exec(args),
        Command::Hpa(cmd) => hpa::exec(cmd),
        Command::Queue(args) => queue::exec(args),
        Command::Import(cmd) => import::exec(cmd),
        Command::Calibrate(args) => calibrate::exec(args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    }
}
