//! Integration tests: one binary (so the crate links once), running the real `capsim` executable.

mod common;
mod errors;
mod hpa;
mod queue;
mod run;
