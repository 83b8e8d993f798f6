//! Fitting a service's CPU per request and idle CPU from measured series.
