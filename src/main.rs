//! The `capsim` binary: parse arguments, run one command, print an error once, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    capsim::cli::main()
}
