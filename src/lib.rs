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

pub mod catalogue;
pub mod cli;
pub mod cost;
pub mod csvutil;
pub mod error;
pub mod hpa;
pub mod metrics;
pub mod model;
pub mod queueing;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod traffic;

pub use error::{Error, Problem, Result};
