//! Which clouds are up and which receive traffic: the weighted split between the routed clouds
//! and the failover sequence (a cloud fails → after the detection delay traffic moves away → it
//! recovers → after the delay traffic returns).

use crate::sim::TimeMs;

struct CloudState {
    weight: f64,
    up: bool,
    routed: bool,
}

/// The routing state of every cloud.
pub struct Routing {
    clouds: Vec<CloudState>,
    /// Health checks + DNS TTL before traffic moves (either way).
    pub failover_ms: TimeMs,
}

impl Routing {
    /// All clouds up and routed, with their traffic weights.
    pub fn new(weights: impl IntoIterator<Item = f64>, failover_ms: TimeMs) -> Routing {
        Routing {
            clouds: weights
                .into_iter()
                .map(|weight| CloudState {
                    weight,
                    up: true,
                    routed: true,
                })
                .collect(),
            failover_ms,
        }
    }

    pub fn len(&self) -> usize {
        self.clouds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clouds.is_empty()
    }

    pub fn is_up(&self, c: usize) -> bool {
        self.clouds[c].up
    }

    /// Total weight of the clouds traffic is routed to.
    pub fn routed_weight(&self) -> f64 {
        self.clouds
            .iter()
            .filter(|c| c.routed)
            .map(|c| c.weight)
            .sum()
    }

    /// Cloud `c`'s share of traffic, given [`routed_weight`](Self::routed_weight): routed clouds
    /// share by weight.
    pub fn share(&self, c: usize, routed_weight: f64) -> f64 {
        let cloud = &self.clouds[c];
        if cloud.routed && routed_weight > 0.0 {
            cloud.weight / routed_weight
        } else {
            0.0
        }
    }

    /// Cloud `c`'s share of the traffic of a service that runs only in the clouds `runs_in`
    /// marks: the routed ones among them share by weight; when none of them is routed, the
    /// traffic still goes to them by weight (and fails in the clouds that are down).
    pub fn share_among(&self, c: usize, runs_in: impl Fn(usize) -> bool) -> f64 {
        if !runs_in(c) {
            return 0.0;
        }
        let members = || (0..self.clouds.len()).filter(|&k| runs_in(k));
        let routed: f64 = members()
            .filter(|&k| self.clouds[k].routed)
            .map(|k| self.clouds[k].weight)
            .sum();
        if routed > 0.0 {
            return self.share(c, routed);
        }
        let all: f64 = members().map(|k| self.clouds[k].weight).sum();
        if all > 0.0 {
            self.clouds[c].weight / all
        } else {
            0.0
        }
    }

    /// The cloud fails (traffic still goes there until the failure is detected).
    pub fn down(&mut self, c: usize) {
        self.clouds[c].up = false;
    }

    /// The failure is detected: traffic moves away, if the cloud is still down (a short outage
    /// may have ended already).
    pub fn route_away(&mut self, c: usize) {
        if !self.clouds[c].up {
            self.clouds[c].routed = false;
        }
    }

    pub fn up(&mut self, c: usize) {
        self.clouds[c].up = true;
    }

    /// Recovery is detected: traffic returns, if the cloud is still up.
    pub fn route_back(&mut self, c: usize) {
        if self.clouds[c].up {
            self.clouds[c].routed = true;
        }
    }
}
