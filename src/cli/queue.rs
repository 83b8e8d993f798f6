//! `capsim queue`: the queueing calculator. Prints the steady state of one FCFS queue (M/M/c,
//! M/D/1 exact, or the labelled M/D/c and M/G/c approximations) and, with `--simulate N`, the
//! same statistics measured by the request-level simulation.
//!
//! JSON field names are stable: `stable`, `utilisation`, `offered_load_erlangs`,
//! `erlang_c_p_wait`, `wq_mean_s`, `w_mean_s`, `lq_mean`, `l_mean`, `wq_p50_s`, `wq_p95_s`,
//! `wq_p99_s`, `w_p50_s`, `w_p95_s`, `w_p99_s`, plus `method`, `inputs` and `simulated`. An
//! unstable queue (ρ ≥ 1) prints `"stable": false` with `utilisation` and
//! `offered_load_erlangs` (to show by how much) and omits every steady-state number; it is not
//! simulated.

use serde::Serialize;

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Result};
use crate::queueing::{self, Analysis, Queue, ServiceDist, SimStats, SteadyState};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Steady state of one FCFS queue with Poisson arrivals and c identical \
servers: probability of waiting (Erlang C), mean and 50/95/99th percentile wait and response \
time, queue lengths. Exponential service is exact (M/M/c); deterministic service is exact for \
one server (M/D/1) and Cosmetatos' approximation otherwise; --cv gives the Allen–Cunneen M/G/c \
approximation. --simulate N also runs a request-level simulation of the same queue (the first \
N/10 arrivals are discarded as warm-up). Methods and JSON fields: docs/queueing.md."
)]
pub struct Args {
    /// Mean arrival rate λ, requests per second (Poisson arrivals).
    #[arg(long, value_name = "PER_S", allow_negative_numbers = true)]
    pub arrival_rate: f64,
    /// Service rate μ of one server, requests per second (1 / mean service time).
    #[arg(long, value_name = "PER_S", allow_negative_numbers = true)]
    pub service_rate: f64,
    /// Number of servers c (ready pods × concurrency per pod), all fed from one queue.
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub servers: i64,
    /// Service-time distribution [default: exponential, or general when --cv is given].
    #[arg(long, value_enum, value_name = "DIST")]
    pub service_time: Option<ServiceTime>,
    /// Coefficient of variation of the service time (standard deviation / mean): 0 is
    /// deterministic, 1 exponential; other values use the M/G/c approximation.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub cv: Option<f64>,
    /// Also simulate N arrivals request by request and print the measured statistics.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub simulate: Option<i64>,
    /// Seed for the simulation's random streams (same seed ⇒ same numbers).
    #[arg(long, value_name = "S", requires = "simulate", default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServiceTime {
    /// Exponential service times (M/M/c).
    Exponential,
    /// Constant service time 1/μ (M/D/1, M/D/c).
    Deterministic,
    /// Any distribution with the coefficient of variation given by --cv (M/G/c).
    General,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table with units (`text` is accepted too, the name before 0.2).
    #[value(alias = "text")]
    Table,
    /// One JSON object (field names documented in docs/queueing.md).
    Json,
}

/// Most arrivals `--simulate` accepts (the sample of waits and responses is kept in memory:
/// 8 bytes per arrival).
const MAX_SIMULATED: i64 = 200_000_000;
/// Fewest arrivals `--simulate` accepts: the time averages (utilisation, queue lengths) divide
/// by the measured time, which a handful of arrivals (one: none at all) does not give.
const MIN_SIMULATED: i64 = 100;

pub fn exec(args: Args) -> Result<Outcome> {
    let queue = validate(&args)?;
    let analysis = queueing::analyze(&queue);
    let simulated = match args.simulate {
        Some(n) if analysis.stable => Some(
            queueing::simulate(&queue, n as u64, args.seed).map_err(|e| {
                usage(
                    "--simulate",
                    n,
                    &e.to_string(),
                    "simulate fewer arrivals (or check --arrival-rate)",
                )
            })?,
        ),
        _ => None,
    };
    let inputs = Inputs::of(&queue);
    let out = match args.format {
        Format::Json => {
            crate::report::json::pretty(&JsonReport::new(inputs, &analysis, simulated.as_ref()))
        }
        Format::Table => render_text(
            &inputs,
            &analysis,
            simulated.as_ref(),
            args.simulate.is_some(),
        ),
    };
    print_stdout(&out)?;
    Ok(Outcome::Success)
}

fn usage(flag: &str, got: impl std::fmt::Display, what: &str, fix: &str) -> Error {
    Error::Usage(format!("{flag} {got}: {what}\n  fix: {fix}"))
}

/// Check every flag; the message names the flag, says what is wrong and how to fix it.
fn validate(args: &Args) -> Result<Queue> {
    let positive_rate = |flag: &str, v: f64, example: &str| {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(usage(
                flag,
                v,
                "must be a positive, finite number of requests per second",
                &format!("pass a rate above zero, e.g. {flag} {example}"),
            ))
        }
    };
    let lambda = positive_rate("--arrival-rate", args.arrival_rate, "300")?;
    let mu = positive_rate(
        "--service-rate",
        args.service_rate,
        "10 (for a mean service time of 100 ms)",
    )?;
    let servers = match u32::try_from(args.servers) {
        Ok(c) if (1..=1_000_000).contains(&c) => c,
        _ => {
            return Err(usage(
                "--servers",
                args.servers,
                "must be a whole number of servers from 1 to 1000000",
                "pass the number of ready pods × concurrency per pod, e.g. --servers 35",
            ));
        }
    };
    if let Some(cv) = args.cv
        && !(cv.is_finite() && (0.0..=10.0).contains(&cv))
    {
        return Err(usage(
            "--cv",
            cv,
            "the coefficient of variation must be a number from 0 to 10",
            "pass standard deviation / mean of the service time, e.g. --cv 0.5 (0 = constant, 1 = exponential)",
        ));
    }
    let contradicts = |name: &str, implied: u8, cv: f64| {
        Err(usage(
            "--cv",
            cv,
            &format!("contradicts --service-time {name} (whose cv is {implied})"),
            "drop --service-time (or use --service-time general) to model a service time with this cv",
        ))
    };
    let service = match (args.service_time, args.cv) {
        (Some(ServiceTime::General), None) => {
            return Err(Error::Usage(
                "--service-time general: needs the coefficient of variation\n  fix: add --cv X, e.g. --cv 0.5".into(),
            ));
        }
        (Some(ServiceTime::Exponential), Some(cv)) if cv != 1.0 => {
            return contradicts("exponential", 1, cv);
        }
        (Some(ServiceTime::Deterministic), Some(cv)) if cv != 0.0 => {
            return contradicts("deterministic", 0, cv);
        }
        (Some(ServiceTime::Deterministic), None) => ServiceDist::Deterministic,
        (_, None) => ServiceDist::Exponential,
        // cv = 1 is the exponential queue exactly and cv < 0.001 the deterministic one.
        (_, Some(cv)) => ServiceDist::General { cv }
            .normalized()
            .expect("--cv is checked above"),
    };
    if let Some(n) = args.simulate
        && !(MIN_SIMULATED..=MAX_SIMULATED).contains(&n)
    {
        return Err(usage(
            "--simulate",
            n,
            &format!(
                "the number of simulated arrivals must be from {MIN_SIMULATED} to {MAX_SIMULATED}"
            ),
            "pass e.g. --simulate 1000000 (the first 10 % are discarded as warm-up)",
        ));
    }
    Ok(Queue {
        arrival_rate_per_s: lambda,
        service_rate_per_s: mu,
        servers,
        service,
    })
}

#[derive(Debug, Serialize)]
struct Inputs {
    arrival_rate_per_s: f64,
    service_rate_per_s: f64,
    mean_service_time_s: f64,
    servers: u32,
    service_time: &'static str,
    cv: f64,
}

impl Inputs {
    fn of(queue: &Queue) -> Inputs {
        let (service_time, cv) = match queue.service {
            ServiceDist::Exponential => ("exponential", 1.0),
            ServiceDist::Deterministic => ("deterministic", 0.0),
            ServiceDist::General { cv } => ("general", cv),
        };
        Inputs {
            arrival_rate_per_s: queue.arrival_rate_per_s,
            service_rate_per_s: queue.service_rate_per_s,
            mean_service_time_s: 1.0 / queue.service_rate_per_s,
            servers: queue.servers,
            service_time,
            cv,
        }
    }
}

#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    inputs: Inputs,
    method: &'static str,
    stable: bool,
    utilisation: f64,
    offered_load_erlangs: f64,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    steady: Option<SteadyState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    simulated: Option<&'a SimStats>,
}

impl<'a> JsonReport<'a> {
    fn new(inputs: Inputs, a: &Analysis, sim: Option<&'a SimStats>) -> JsonReport<'a> {
        JsonReport {
            inputs,
            method: a.method,
            stable: a.stable,
            utilisation: a.utilisation,
            offered_load_erlangs: a.offered_load_erlangs,
            steady: a.stable.then_some(a.steady),
            simulated: sim,
        }
    }
}

/// A duration in s, ms, µs or ns with 4 significant digits.
fn duration(s: f64) -> String {
    let a = s.abs();
    let (v, unit) = if a == 0.0 {
        return "0 s".to_string();
    } else if a >= 1.0 {
        (s, "s")
    } else if a >= 1e-3 {
        (s * 1e3, "ms")
    } else if a >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    format!("{} {unit}", significant(v, 4))
}

/// `v` with `digits` significant digits (no exponent).
fn significant(v: f64, digits: i32) -> String {
    let magnitude = if v == 0.0 {
        0
    } else {
        v.abs().log10().floor() as i32
    };
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

fn percent(x: f64) -> String {
    format!("{} %", significant(x * 100.0, 4))
}

fn requests(x: f64) -> String {
    format!("{} requests", significant(x, 4))
}

/// A line of the text table: label, formula value, simulated value.
type Row = (&'static str, String, Option<String>);

/// A steady-state line of the text table: label, field, format.
type SteadyRow = (&'static str, fn(&SteadyState) -> f64, fn(f64) -> String);

const STEADY_ROWS: [SteadyRow; 11] = [
    ("P(wait) (Erlang C)", |s| s.erlang_c_p_wait, percent),
    ("mean wait Wq", |s| s.wq_mean_s, duration),
    ("mean response W", |s| s.w_mean_s, duration),
    ("mean queue length Lq", |s| s.lq_mean, requests),
    ("mean in system L", |s| s.l_mean, requests),
    ("wait p50", |s| s.wq_p50_s, duration),
    ("wait p95", |s| s.wq_p95_s, duration),
    ("wait p99", |s| s.wq_p99_s, duration),
    ("response p50", |s| s.w_p50_s, duration),
    ("response p95", |s| s.w_p95_s, duration),
    ("response p99", |s| s.w_p99_s, duration),
];

fn render_text(
    inputs: &Inputs,
    a: &Analysis,
    sim: Option<&SimStats>,
    asked_to_simulate: bool,
) -> String {
    let mut out = String::new();
    out.push_str(&format!("queue: {}\n", a.method));
    out.push_str(&format!(
        "  arrival rate λ = {} /s, service rate μ = {} /s per server (mean service time {}), c = {} server{}, {} service{}\n\n",
        inputs.arrival_rate_per_s,
        inputs.service_rate_per_s,
        duration(inputs.mean_service_time_s),
        inputs.servers,
        if inputs.servers == 1 { "" } else { "s" },
        inputs.service_time,
        if inputs.service_time == "general" {
            format!(" (cv {})", inputs.cv)
        } else {
            String::new()
        }
    ));
    let mut rows: Vec<Row> = vec![
        (
            "stable",
            if a.stable { "yes" } else { "no" }.to_string(),
            None,
        ),
        (
            "utilisation ρ",
            percent(a.utilisation),
            sim.map(|s| percent(s.utilisation)),
        ),
        (
            "offered load A",
            format!("{} Erlang", significant(a.offered_load_erlangs, 4)),
            None,
        ),
    ];
    if a.stable {
        rows.extend(STEADY_ROWS.iter().map(|(label, get, fmt)| {
            (
                *label,
                fmt(get(&a.steady)),
                sim.map(|s| fmt(get(&s.steady))),
            )
        }));
    }
    let width = |cell: fn(&Row) -> &str, min: usize| {
        rows.iter()
            .map(|r| cell(r).chars().count())
            .max()
            .unwrap_or(0)
            .max(min)
    };
    let label_w = width(|r| r.0, 6);
    let value_w = width(|r| &r.1, 8);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    if sim.is_some() {
        out.push_str(&format!(
            "  {}  {}  simulated\n",
            pad("", label_w),
            pad("formula", value_w)
        ));
    }
    for (label, value, simulated) in &rows {
        let line = match simulated {
            Some(s) => format!("  {}  {}  {}", pad(label, label_w), pad(value, value_w), s),
            None => format!("  {}  {}", pad(label, label_w), value),
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !a.stable {
        out.push_str(&format!(
            "\nunstable: λ ≥ c·μ (ρ = {:.4}), the queue grows without bound; no steady-state numbers{}\n",
            a.utilisation,
            if asked_to_simulate { ", nothing simulated" } else { "" }
        ));
    }
    if let Some(s) = sim {
        out.push_str(&format!(
            "\nsimulated: {} arrivals, first {} discarded as warm-up, seed {}, {} of simulated time measured\n",
            s.arrivals,
            s.warmup_discarded,
            s.seed,
            duration(s.window_s)
        ));
    }
    out
}
