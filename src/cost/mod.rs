//! Cost: usage first, prices second (Infracost's split). `usage` turns a run into quantities per
//! calendar month (node-hours per pool, managed instance-hours, control-plane hours, GB-months,
//! GB of egress); `pricebook` loads dated price rows with their sources; `price` multiplies them
//! into cost lines for every purchase variant, in exact integer money (`money`).

pub mod money;
pub mod pricebook;
pub mod usage;
