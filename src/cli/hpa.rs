//! `capsim hpa ...`: Kubernetes HPA tools (conformance-case evaluation).
//! PLACEHOLDER — being written by the HPA work; see src/hpa/.

use std::path::PathBuf;

use super::Outcome;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Evaluate HPA conformance cases (JSON files); exit 1 when any case fails.
    Eval(EvalArgs),
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Case files (see docs/hpa-cases.md).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "text")]
    pub format: String,
}

pub fn exec(cmd: Command) -> crate::Result<Outcome> {
    match cmd {
        Command::Eval(_args) => Err(crate::Error::Usage("hpa eval: not built yet".into())),
    }
}
