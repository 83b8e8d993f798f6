//! `capsim calibrate --requests FILE --cpu FILE [--pods FILE]`: fit a service's `cpuPerRequest`
//! and `idleCpu` from measured series (Prometheus query_range JSON or Grafana CSV exports) by
//! least squares, and print the fit's quality (R², RMSE, points) as a table or JSON.

use std::path::PathBuf;

use serde::Serialize;

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Problem, Result};
use crate::import::calibrate::{self, Fit};
use crate::scenario::replay::{self, Select};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each series is Prometheus query_range JSON (several matching series are \
summed per timestamp) or a CSV (a time column — RFC 3339, YYYY-MM-DD HH:MM, or Unix seconds or \
milliseconds — and a value column). The series are joined on equal timestamps: export them with \
the same step and range. Typical queries: sum(rate(http_requests_total{service=\"web\"}[5m])) for \
--requests, sum(rate(container_cpu_usage_seconds_total{container=\"web\"}[5m])) for --cpu (cores), \
and count(kube_pod_status_ready{condition=\"true\",pod=~\"web-.*\"} == 1) for --pods."
)]
pub struct Args {
    /// Request rate of the service (requests per second).
    #[arg(long, value_name = "FILE")]
    pub requests: PathBuf,
    /// CPU usage of the service (cores, or millicores with --cpu-unit millicores).
    #[arg(long, value_name = "FILE")]
    pub cpu: PathBuf,
    /// Ready pods of the service: with it, idle CPU is fitted per pod (the scenario's idleCpu);
    /// without it, for the whole service.
    #[arg(long, value_name = "FILE")]
    pub pods: Option<PathBuf>,
    /// CSV value column of --requests / --cpu / --pods (Grafana names it after the series).
    #[arg(long, default_value = "value", value_name = "NAME")]
    pub requests_column: String,
    #[arg(long, default_value = "value", value_name = "NAME")]
    pub cpu_column: String,
    #[arg(long, default_value = "value", value_name = "NAME")]
    pub pods_column: String,
    /// CSV time column [default: timestamp, time or Time].
    #[arg(long, value_name = "NAME")]
    pub time_column: Option<String>,
    /// Prometheus: keep only --requests series with this label (repeatable), e.g.
    /// --requests-label service=web.
    #[arg(long, value_name = "KEY=VALUE")]
    pub requests_label: Vec<String>,
    /// Prometheus: keep only --cpu series with this label (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub cpu_label: Vec<String>,
    /// Prometheus: keep only --pods series with this label (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub pods_label: Vec<String>,
    /// Time zone of CSV civil date-times (YYYY-MM-DD HH:MM).
    #[arg(long, default_value = "UTC", value_name = "IANA")]
    pub time_zone: String,
    /// Unit of the CPU series.
    #[arg(long, value_enum, default_value_t = CpuUnit::Cores)]
    pub cpu_unit: CpuUnit,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CpuUnit {
    Cores,
    Millicores,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    fit: &'a Fit,
    /// The lines to paste under `spec.services.<name>`.
    scenario: String,
}

pub fn exec(args: Args) -> Result<Outcome> {
    let tz = jiff::tz::TimeZone::get(&args.time_zone).map_err(|_| {
        Error::Usage(format!(
            "--time-zone {:?} is not an IANA time zone\n  fix: write e.g. UTC or Asia/Seoul",
            args.time_zone
        ))
    })?;
    let labels = |given: &[String], flag: &str| -> Result<Vec<(String, String)>> {
        given
            .iter()
            .map(|l| match l.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
                _ => Err(Error::Usage(format!(
                    "{flag} {l:?} is not KEY=VALUE\n  fix: write e.g. {flag} service=web"
                ))),
            })
            .collect()
    };
    let select = |column: &str, labels: Vec<(String, String)>| Select {
        column: column.to_string(),
        time_column: args.time_column.clone(),
        labels,
    };
    let sel_requests = select(
        &args.requests_column,
        labels(&args.requests_label, "--requests-label")?,
    );
    let sel_cpu = select(&args.cpu_column, labels(&args.cpu_label, "--cpu-label")?);
    let sel_pods = select(&args.pods_column, labels(&args.pods_label, "--pods-label")?);
    let mut problems = Vec::new();
    let mut read = |path: &PathBuf, select: &Select| match replay::read_points(path, select, &tz) {
        Ok(p) => Some(p),
        Err(Error::Invalid(ps)) => {
            problems.extend(ps);
            None
        }
        Err(e) => {
            problems.push(Problem::new(
                path.display().to_string(),
                "",
                e.to_string(),
                "",
            ));
            None
        }
    };
    let rps = read(&args.requests, &sel_requests);
    let cpu = read(&args.cpu, &sel_cpu);
    let pods = args.pods.as_ref().map(|p| read(p, &sel_pods));
    let (Some(rps), Some(mut cpu), pods) = (rps, cpu, pods) else {
        return Err(Error::Invalid(problems));
    };
    let pods = match pods {
        Some(Some(p)) => Some(p),
        Some(None) => return Err(Error::Invalid(problems)),
        None => None,
    };
    if args.cpu_unit == CpuUnit::Millicores {
        for p in &mut cpu {
            p.1 /= 1000.0;
        }
    }
    let fit = calibrate::fit(&rps, &cpu, pods.as_deref()).map_err(|why| {
        Error::invalid(Problem::new(
            format!("{} + {}", args.requests.display(), args.cpu.display()),
            "",
            why,
            "check that the series cover the same range with the same step",
        ))
    })?;
    // The scenario reads durations in whole milliseconds (at least 1).
    let whole_ms = fit.cpu_per_request_ms.round().max(1.0);
    let mut scenario = format!("cpuPerRequest: {whole_ms:.0}ms");
    if (whole_ms - fit.cpu_per_request_ms).abs() > 0.05 * fit.cpu_per_request_ms.abs() {
        scenario.push_str(&format!(
            "  # fitted {:.3} ms; the scenario takes whole milliseconds",
            fit.cpu_per_request_ms
        ));
    }
    scenario.push('\n');
    // idleCpu is per pod: only a fit with a pods series gives it.
    if fit.idle_per_pod {
        scenario.push_str(&format!("idleCpu: {:.0}m\n", fit.idle_cpu_milli.max(0.0)));
    } else {
        scenario.push_str("# idleCpu: fit it per pod with --pods\n");
    }
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&JsonOut {
                fit: &fit,
                scenario: scenario.clone(),
            })
            .map_err(|e| Error::Usage(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Table => {
            let ts = |ms: i64| {
                jiff::Timestamp::from_millisecond(ms)
                    .map(|t| t.to_string())
                    .unwrap_or_default()
            };
            let idle_what = if fit.idle_per_pod {
                "per pod"
            } else {
                "whole service (give --pods for per pod)"
            };
            let mut t = String::new();
            t.push_str(&format!(
                "cpuPerRequest   {:>12.3} ms\n",
                fit.cpu_per_request_ms
            ));
            t.push_str(&format!(
                "idleCpu         {:>12.1} m   {idle_what}\n",
                fit.idle_cpu_milli
            ));
            t.push_str(&format!("R²              {:>12.4}\n", fit.r_squared));
            t.push_str(&format!("RMSE            {:>12.1} m\n", fit.rmse_milli));
            t.push_str(&format!(
                "points          {:>12}     {} to {}{}\n",
                fit.points,
                ts(fit.first_ms),
                ts(fit.last_ms),
                if fit.unmatched > 0 {
                    format!(" ({} points without a partner left out)", fit.unmatched)
                } else {
                    String::new()
                }
            ));
            if fit.r_squared < 0.8 {
                t.push_str("warning: R² below 0.8: CPU is not well explained by the request rate (other load, throttling, or misaligned series)\n");
            }
            t.push_str("\nfor spec.services.<name>:\n");
            for l in scenario.lines() {
                t.push_str(&format!("  {l}\n"));
            }
            t
        }
    };
    print_stdout(&text)?;
    Ok(Outcome::Success)
}
