//! Integration tests: one binary (so the crate links once), running the real `capsim` executable.

mod bad_input;
mod catalogue;
mod check;
mod cli;
mod commitments;
mod common;
mod compare;
mod cost_files;
mod deploy;
mod errors;
mod fuzz;
mod headroom;
mod hpa;
mod html;
mod import;
mod overload;
mod plan;
mod queue;
mod readers;
mod replay;
mod run;
mod schemas;
mod snapshots;
mod sweep;
