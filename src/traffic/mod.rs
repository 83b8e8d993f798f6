//! Traffic: DAU growth, daily and weekly profiles, holiday peaks, noise and replayed series →
//! page views per second, which each service turns into requests per second. (The holiday
//! calendar and the replay reader are inputs, in `scenario`.)

mod demand;
mod noise;

pub use demand::Demand;
pub use noise::NoiseProcess;
