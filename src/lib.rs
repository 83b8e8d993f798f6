//! capsim — a capacity-planning and cloud-cost simulator for Kubernetes workloads.
//!
//! ```text
//! scenarios/*.yaml ─parse─► scenario::raw ─validate─► Scenario (typed, units checked)
//!                                                         │
//!           data/holidays ────────────────────────────────┤
//!                                                         ▼
//!                                      traffic::Demand  λ(t) per service
//!                                                         │
//!                                                         ▼
//!    sim::Engine (clock + event queue ordered by (time, seq); named seeded RNG streams)
//!      ⇄ models: model::service (pods, metrics-server) · hpa (autoscaling/v2 controller)
//!                                                         │ samples
//!                                                         ▼
//!                          report::RunReport (versioned) ─► summary table · summary.json · timeseries.csv
//! ```
//!
//! Only the edges touch the file system: [`scenario::load`] reads, [`cli`] writes. In between,
//! [`simulate`](model::simulate) is a plain function: same scenario and seed ⇒ byte-identical outputs.

pub mod billing;
pub mod catalogue;
pub mod cli;
pub mod cost;
pub mod csvutil;
pub mod error;
pub mod headroom;
pub mod hpa;
pub mod import;
pub mod metrics;
pub mod model;
pub mod queueing;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod traffic;

pub use error::{Error, Problem, Result};

/// The layers, lowest first: a module may name (`crate::…`) only modules before it. Kept in one
/// place with ARCHITECTURE.md, which explains each layer; the test below enforces it.
pub const LAYERS: [&str; 17] = [
    "error",
    "sim",
    "csvutil",
    "catalogue",
    "billing",
    "queueing",
    "hpa",
    "scenario",
    "import",
    "traffic",
    "metrics",
    "model",
    "cost",
    "report",
    "headroom",
    "sweep",
    "cli",
];

#[cfg(test)]
mod layering {
    use super::LAYERS;
    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// The top-level modules a file names through `crate::` paths (root re-exports of `error`
    /// such as `crate::Error` count as `error`).
    fn named(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + 7..];
            if let Some(group) = rest.strip_prefix('{') {
                // The first path segment of each top-level item (nested groups skipped).
                let (mut depth, mut start) = (0usize, 0usize);
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            out.push(first_segment(&group[start..j]));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(first_segment(&group[start..j]));
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                out.push(rest[..end].to_string());
            }
        }
        out.into_iter()
            .map(|m| match m.as_str() {
                "Error" | "Problem" | "Result" => "error".to_string(),
                _ => m,
            })
            .filter(|m| !m.is_empty())
            .collect()
    }

    fn first_segment(item: &str) -> String {
        item.trim().split("::").next().unwrap_or("").to_string()
    }

    #[test]
    fn the_reader_finds_every_named_module() {
        let text = "use crate::{a::{b, c}, d, e::f}; x = crate::g::h(); crate::Error";
        assert_eq!(named(text), ["a", "d", "e", "g", "error"]);
    }

    #[test]
    fn no_module_names_one_above_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut problems = Vec::new();
        for f in files {
            let rel = f.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let Some(level) = LAYERS.iter().position(|l| *l == top) else {
                continue; // lib.rs, main.rs
            };
            let text = std::fs::read_to_string(&f).unwrap();
            for m in named(&text) {
                match LAYERS.iter().position(|l| *l == m) {
                    Some(l) if l > level => {
                        problems.push(format!("{} names crate::{m}", rel.display()))
                    }
                    None => problems.push(format!("{} names unknown crate::{m}", rel.display())),
                    _ => {}
                }
            }
        }
        assert!(
            problems.is_empty(),
            "upward imports:\n{}",
            problems.join("\n")
        );
    }
}
