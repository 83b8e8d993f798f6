//! `capsim completions SHELL` and `capsim man`: shell completion scripts (clap_complete) and
//! man pages (clap_mangen), both generated from the same clap definitions as the parser, so
//! they list exactly the commands and flags this build accepts.

use std::path::PathBuf;

use clap::CommandFactory;

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for, e.g. `capsim completions bash > /etc/bash_completion.d/capsim`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write capsim.1 and one page per command (capsim-run.1, capsim-check.1, …) into this
    /// folder instead of printing capsim.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> Result<Outcome> {
    let mut cmd = super::Cli::command();
    let mut buf: Vec<u8> = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "capsim", &mut buf);
    print_stdout(&String::from_utf8_lossy(&buf))?;
    Ok(Outcome::Success)
}

pub fn man(args: ManArgs) -> Result<Outcome> {
    let cmd = super::Cli::command();
    match args.out {
        None => {
            let mut buf: Vec<u8> = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(|e| Error::Usage(format!("rendering the man page: {e}")))?;
            print_stdout(&String::from_utf8_lossy(&buf))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
            clap_mangen::generate_to(cmd, &dir).map_err(|e| Error::write(&dir, e))?;
            if !super::quiet() {
                eprintln!("man pages written to {}", dir.display());
            }
        }
    }
    Ok(Outcome::Success)
}
