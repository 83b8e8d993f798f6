//! The discrete-event engine: simulated time in integer milliseconds, an event queue ordered by
//! (time, insertion sequence), named seeded RNG streams, and the loop that hands each event to the
//! model through a [`Context`]. Models never touch the queue or the clock directly.

mod engine;
mod queue;
pub mod rng;

pub use engine::{Context, Engine, Model};
pub use queue::EventQueue;
pub use rng::{RngStreams, SimRng};

/// Simulated time: milliseconds since the scenario's start instant.
pub type TimeMs = i64;

pub const SECOND_MS: TimeMs = 1_000;
pub const MINUTE_MS: TimeMs = 60 * SECOND_MS;
pub const HOUR_MS: TimeMs = 60 * MINUTE_MS;
pub const DAY_MS: TimeMs = 24 * HOUR_MS;
