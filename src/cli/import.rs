//! `capsim import k8s FILE|DIR... [--terraform PLAN]` and `capsim import terraform PLAN...`:
//! turn Kubernetes manifests (also `helm template` output) and Terraform plans
//! (`terraform show -json`) into one commented scenario skeleton. The summary of what was
//! imported and skipped goes to stderr; the scenario to `--out` or stdout.

use std::path::{Path, PathBuf};

use super::Outcome;
use super::output::{print_stdout, write_files_atomic};
use crate::error::{Error, Result};
use crate::import::{k8s, skeleton, terraform};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Kubernetes YAML (multi-document, e.g. `helm template` output; directories are walked):
    /// Deployments/StatefulSets → services, HPAs (v2, v1) and KEDA ScaledObjects → hpa,
    /// PodDisruptionBudgets noted, everything else listed as skipped.
    K8s(K8sArgs),
    /// Terraform plan JSON (`terraform show -json PLANFILE`): node groups/pools, RDS/Cloud SQL,
    /// ElastiCache and the EKS version; unknown resources listed as skipped.
    Terraform(TerraformArgs),
}

#[derive(Debug, clap::Args)]
pub struct Common {
    /// Write the scenario here (atomically) instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The scenario's metadata.name.
    #[arg(long, default_value = "imported")]
    pub name: String,
    /// The scenario's first simulated day (YYYY-MM-DD).
    #[arg(long, default_value = "2026-01-01")]
    pub start: String,
}

#[derive(Debug, clap::Args)]
pub struct K8sArgs {
    /// Manifest files or directories (*.yaml, *.yml).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also import this Terraform plan JSON into the same scenario.
    #[arg(long, value_name = "PLAN.json")]
    pub terraform: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct TerraformArgs {
    /// Plan JSON files (`terraform show -json PLANFILE > plan.json`).
    #[arg(required = true)]
    pub plans: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

pub fn exec(cmd: Command) -> Result<Outcome> {
    match cmd {
        Command::K8s(a) => {
            let m = k8s::read(&a.files)?;
            let infra = read_plans(&a.terraform)?;
            let mut inputs: Vec<&PathBuf> = a.files.iter().collect();
            inputs.extend(&a.terraform);
            finish(Some(&m), infra.as_ref(), &inputs, &a.common)
        }
        Command::Terraform(a) => {
            let infra = read_plans(&a.plans)?;
            let inputs: Vec<&PathBuf> = a.plans.iter().collect();
            finish(None, infra.as_ref(), &inputs, &a.common)
        }
    }
}

/// Every plan, merged (None when none was given).
fn read_plans(plans: &[PathBuf]) -> Result<Option<terraform::Infra>> {
    let mut merged: Option<terraform::Infra> = None;
    for p in plans {
        let i = terraform::read(p)?;
        match &mut merged {
            None => merged = Some(i),
            Some(m) => {
                m.clusters.extend(i.clusters);
                m.pools.extend(i.pools);
                m.databases.extend(i.databases);
                m.caches.extend(i.caches);
                m.summary.extend(i.summary);
            }
        }
    }
    Ok(merged)
}

fn finish(
    m: Option<&k8s::Manifests>,
    infra: Option<&terraform::Infra>,
    inputs: &[&PathBuf],
    c: &Common,
) -> Result<Outcome> {
    let start: jiff::civil::Date = c.start.parse().map_err(|_| {
        Error::Usage(format!(
            "--start {:?} is not a date\n  fix: write YYYY-MM-DD, e.g. --start 2026-01-01",
            c.start
        ))
    })?;
    let name_ok = !c.name.is_empty()
        && c.name.len() <= 63
        && c.name.chars().all(|ch| {
            ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '-' | '_' | '.')
        });
    if !name_ok {
        return Err(Error::Usage(format!(
            "--name {:?} is not a scenario name\n  fix: use up to 63 lowercase letters, digits, '-', '_' or '.'",
            c.name
        )));
    }
    let inputs: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let text = skeleton::write(
        m,
        infra,
        &skeleton::Options {
            name: &c.name,
            start,
            inputs: &inputs,
        },
    );
    let mut summary = skeleton::summary_lines(m, infra).join("\n");
    summary.push('\n');
    if !super::quiet() {
        eprint!("{summary}");
    }
    match &c.out {
        Some(out) => {
            write_files_atomic(&[(Path::new(out), text.as_bytes())])?;
            if !super::quiet() {
                eprintln!(
                    "wrote {} (check it with `capsim validate {}`; replace the TODO values)",
                    out.display(),
                    out.display()
                );
            }
        }
        None => print_stdout(&text)?,
    }
    Ok(Outcome::Success)
}
