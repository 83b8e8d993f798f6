//! `capsim check SCENARIO --budget USD …`: the CI gate. Simulates and prices the scenario as
//! `capsim run` does, judges it against a monthly budget, an increase over a baseline run and SLO
//! minimums, prints the verdict, and appends the Markdown to `$GITHUB_STEP_SUMMARY` when set.
//! Exit 0 when every rule holds, 1 when one fails, 2 on a usage or input error.

use std::io::Write;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use super::Outcome;
use super::output::print_stdout;
use crate::cost::price::Variant;
use crate::error::{Error, Result};
use crate::report::check::{self, Rules};
use crate::scenario::check_spec as spec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (YAML, kind: Scenario).
    pub scenario: PathBuf,
    /// Monthly budget in USD: every month's total under --variant must be at most this.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    pub budget: Option<f64>,
    /// Purchase variant whose totals are checked: on-demand, spot, committed-1y, committed-3y,
    /// committed-1y-spot, committed-3y-spot [default: spec.check.variant, else on-demand].
    #[arg(long)]
    pub variant: Option<String>,
    /// A saved summary.json to compare against (with --max-increase-usd / --max-increase-pct).
    #[arg(long, value_name = "SUMMARY_JSON")]
    pub baseline: Option<PathBuf>,
    /// Largest allowed cost increase over the baseline, per month and over the run, in USD.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    pub max_increase_usd: Option<f64>,
    /// Largest allowed cost increase over the baseline, per month and over the run, in percent.
    #[arg(long, value_name = "PERCENT", allow_negative_numbers = true)]
    pub max_increase_pct: Option<f64>,
    /// Smallest share (0..1) of SLO windows meeting the p95 target, every month (SLO path).
    #[arg(long, value_name = "RATIO", allow_negative_numbers = true)]
    pub min_latency_compliance: Option<f64>,
    /// Smallest availability (0..1) every month (SLO path).
    #[arg(long, value_name = "RATIO", allow_negative_numbers = true)]
    pub min_availability: Option<f64>,
    /// Smallest mean cache hit ratio (0..1) every month [default: spec.slo.cacheHitRatio].
    #[arg(long, value_name = "RATIO")]
    pub min_cache_hit_ratio: Option<f64>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Seed for the random streams (overrides spec.simulation.seed).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// Also write the run's report here (summary.json, CSVs, report.html, charts), as
    /// `capsim run --out` would: CI then simulates once for the gate and the artifacts.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// The verdict as plain lines (`text` is accepted too, the name before 0.2).
    #[value(alias = "text")]
    Table,
    Markdown,
    Json,
}

/// The scenario's `spec.check` rules under the flags: a flag given on the command line wins.
/// The scenario's baseline path is relative to the scenario file.
fn merged(mut args: Args, s: &crate::scenario::Scenario) -> Args {
    let c = &s.check;
    args.budget = args.budget.or(c.monthly_budget_usd);
    args.variant = args.variant.or_else(|| c.variant.clone());
    args.max_increase_usd = args.max_increase_usd.or(c.max_increase_usd);
    args.max_increase_pct = args.max_increase_pct.or(c.max_increase_pct);
    args.min_latency_compliance = args.min_latency_compliance.or(c.min_latency_compliance);
    args.min_availability = args.min_availability.or(c.min_availability);
    args.min_cache_hit_ratio = args.min_cache_hit_ratio.or(s.platform.slo.cache_hit_ratio);
    if args.baseline.is_none() {
        let base = args.scenario.parent().unwrap_or(std::path::Path::new("."));
        args.baseline = c.baseline.as_ref().map(|b| base.join(b));
    }
    args
}

/// The rules the flags (and the scenario) ask for, validated (usage errors name the flag), and
/// the checked purchase variant.
fn rules_of(args: &Args) -> Result<(Rules, Variant)> {
    let variant = args
        .variant
        .clone()
        .unwrap_or_else(|| "on-demand".to_string());
    let Some(checked) = Variant::from_label(&variant) else {
        return Err(Error::Usage(format!(
            "--variant {}: unknown purchase variant\n  fix: use one of {}",
            variant,
            Variant::labels()
        )));
    };
    let rules = Rules {
        monthly_budget_usd: args.budget,
        variant,
        max_increase_usd: args.max_increase_usd,
        max_increase_pct: args.max_increase_pct,
        min_latency_compliance: args.min_latency_compliance,
        min_availability: args.min_availability,
        min_cache_hit_ratio: args.min_cache_hit_ratio,
    };
    if rules.is_empty() {
        return Err(Error::Usage(
            "no rule to check\n  fix: pass at least one of --budget, --max-increase-usd or \
             --max-increase-pct (with --baseline), --min-latency-compliance, --min-availability, --min-cache-hit-ratio, \
             or set them in the scenario's spec.check"
                .into(),
        ));
    }
    let within = |flag: &str, v: Option<f64>, range: RangeInclusive<f64>, what: &str| match v {
        Some(x) if !range.contains(&x) => Err(Error::Usage(format!("{flag} {x}: must be {what}"))),
        _ => Ok(()),
    };
    within(
        "--budget",
        args.budget,
        spec::BUDGET_USD,
        "a dollar amount ≥ 0",
    )?;
    within(
        "--max-increase-usd",
        args.max_increase_usd,
        spec::INCREASE_USD,
        "a dollar amount",
    )?;
    within(
        "--max-increase-pct",
        args.max_increase_pct,
        spec::INCREASE_PCT,
        "a percentage ≥ -100",
    )?;
    let ratio = "a ratio between 0 and 1 (e.g. 0.999)";
    within(
        "--min-latency-compliance",
        args.min_latency_compliance,
        spec::RATIO,
        ratio,
    )?;
    within(
        "--min-availability",
        args.min_availability,
        spec::RATIO,
        ratio,
    )?;
    within(
        "--min-cache-hit-ratio",
        args.min_cache_hit_ratio,
        spec::RATIO,
        ratio,
    )?;
    match (rules.checks_increase(), args.baseline.is_some()) {
        (true, false) => Err(Error::Usage(
            "--max-increase-usd/--max-increase-pct need a baseline\n  fix: pass --baseline \
             path/to/summary.json (written by `capsim run`)"
                .into(),
        )),
        (false, true) => Err(Error::Usage(
            "--baseline is only used by --max-increase-usd/--max-increase-pct\n  fix: add one of \
             them, or drop --baseline"
                .into(),
        )),
        _ => Ok((rules, checked)),
    }
}

pub fn exec(args: Args) -> Result<Outcome> {
    let scenario = crate::scenario::load(&args.scenario)?;
    let args = merged(args, &scenario);
    let (rules, variant) = rules_of(&args)?;
    if let Some(dir) = &args.out {
        super::output::check_output_folder(dir)?;
    }
    // The baseline is read before the (long) simulation, so a bad file fails fast.
    let baseline = match &args.baseline {
        Some(p) => Some(super::compare::load_summary(p)?),
        None => None,
    };
    let prepared = super::run::prepare_loaded(scenario, &args.scenario, args.seed, false)?;
    // Written whatever the verdict: a failed gate is when people open the report.
    if let Some(dir) = &args.out {
        // focus.csv holds the checked variant.
        super::run::write_report(dir, &prepared, variant)?;
    }
    let report = prepared.report;
    let verdict = check::evaluate(&report, baseline.as_ref(), &rules);
    let md = check::markdown_with(&verdict, &report, baseline.as_ref(), &rules);
    let text = match args.format {
        Format::Table => check::text(&verdict, &report, &rules),
        Format::Markdown => md.clone(),
        Format::Json => check::json(&verdict, &report, &rules),
    };
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        append(Path::new(&summary), &md)?;
    }
    if !super::quiet() {
        print_stdout(&text)?;
    }
    Ok(if verdict.passed {
        Outcome::Success
    } else {
        Outcome::GateFailed
    })
}

/// Append `text` to the job-summary file (GitHub creates it; we create it when missing).
fn append(path: &Path, text: &str) -> Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.write_all(b"\n")
        })
        .map_err(|e| Error::write(path, e))
}
