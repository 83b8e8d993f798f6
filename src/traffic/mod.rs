//! Traffic: DAU growth, daily and weekly profiles, holiday peaks, noise and replayed series →
//! page views per second, which each service turns into requests per second.

mod demand;
pub mod holidays;
mod noise;
pub mod replay;

pub use demand::Demand;
pub use noise::NoiseProcess;
