//! `capsim validate FILE...`: check scenario files without running them; every problem of every
//! file is reported at once.

use std::path::PathBuf;

use super::Outcome;
use super::output::print_stdout;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn exec(args: Args) -> Result<Outcome> {
    let mut problems = Vec::new();
    let mut report = String::new();
    for f in &args.files {
        let checked = crate::scenario::load(f).and_then(|s| {
            // The price book and every SKU the run will price.
            crate::cost::load_price_book(&s, f)?;
            // The work the run would take (events, output rows, pods).
            super::check_work(&s)?;
            Ok(s)
        });
        match checked {
            Ok(s) => report.push_str(&format!(
                "ok {} (scenario {}, {} service{}, {} to {})\n",
                f.display(),
                s.name,
                s.services.len(),
                if s.services.len() == 1 { "" } else { "s" },
                s.simulation.start,
                s.simulation.end
            )),
            Err(Error::Invalid(ps)) => problems.extend(ps),
            // Read and usage errors name the file in their own message.
            Err(e) => problems.push(crate::error::Problem::new("", "", e.to_string(), "")),
        }
    }
    if !super::quiet() {
        print_stdout(&report)?;
    }
    if problems.is_empty() {
        Ok(Outcome::Success)
    } else {
        Err(Error::Invalid(problems))
    }
}
