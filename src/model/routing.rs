//! Which clouds are up and which receive traffic: geo steering (a region's users to one cloud
//! while it is routed), the weighted split of the rest between the routed clouds, and the
//! failover sequence (a cloud fails → after the detection delay traffic moves away → it
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
    /// Geo steering: (share of all users, cloud). The rest of the users are split by weight.
    geo: Vec<(f64, usize)>,
    /// Health checks + DNS TTL before traffic moves (either way).
    pub failover_ms: TimeMs,
    /// Bumped by every change of a cloud's state, so a caller can keep what it derived from
    /// the shares (they change only at outages) until the next change.
    generation: u64,
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
            geo: Vec::new(),
            failover_ms,
            generation: 0,
        }
    }

    /// Geo steering ahead of the weights, as Cloudflare Load Balancing does it: the users of a
    /// region (a `share` of all users) go to their `cloud` while it is routed, and like the
    /// unsteered rest (split by weight between the routed clouds) once it is not.
    pub fn with_geo(mut self, geo: impl IntoIterator<Item = (f64, usize)>) -> Routing {
        self.geo = geo.into_iter().collect();
        self
    }

    pub fn len(&self) -> usize {
        self.clouds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clouds.is_empty()
    }

    /// Changes with every change of a cloud's state (down, up, routed away or back).
    pub fn generation(&self) -> u64 {
        self.generation
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
    /// share by weight. When no cloud is routed (every one failed and was routed away), the
    /// users still come: the traffic goes to every cloud by weight and fails there, as it does
    /// for a service whose own clouds are all routed away ([`share_among`](Self::share_among)).
    pub fn share(&self, c: usize, routed_weight: f64) -> f64 {
        if routed_weight <= 0.0 {
            return self.share_among(c, |_| true);
        }
        let cloud = &self.clouds[c];
        let by_weight = if cloud.routed {
            cloud.weight / routed_weight
        } else {
            0.0
        };
        self.steered(c, by_weight, |k| self.clouds[k].routed)
    }

    /// Cloud `c`'s share with geo steering: each rule's users go to its cloud when `goes(cloud)`,
    /// else they join the rest, which is split `by_weight` (`c`'s share of it). Without rules
    /// this is `by_weight` itself, bit for bit (0 + 1 × x = x).
    fn steered(&self, c: usize, by_weight: f64, goes: impl Fn(usize) -> bool) -> f64 {
        let mut rest = 1.0;
        let mut steered = 0.0;
        for &(share, cloud) in &self.geo {
            if goes(cloud) {
                rest -= share;
                if cloud == c {
                    steered += share;
                }
            }
        }
        steered + rest.max(0.0) * by_weight
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
            let cloud = &self.clouds[c];
            let by_weight = if cloud.routed {
                cloud.weight / routed
            } else {
                0.0
            };
            return self.steered(c, by_weight, |k| runs_in(k) && self.clouds[k].routed);
        }
        let all: f64 = members().map(|k| self.clouds[k].weight).sum();
        let by_weight = if all > 0.0 {
            self.clouds[c].weight / all
        } else {
            0.0
        };
        // None of its clouds is routed: the traffic still goes to them, and fails.
        self.steered(c, by_weight, &runs_in)
    }

    /// The cloud fails (traffic still goes there until the failure is detected).
    pub fn down(&mut self, c: usize) {
        self.generation += 1;
        self.clouds[c].up = false;
    }

    /// The failure is detected: traffic moves away, if the cloud is still down (a short outage
    /// may have ended already).
    pub fn route_away(&mut self, c: usize) {
        self.generation += 1;
        if !self.clouds[c].up {
            self.clouds[c].routed = false;
        }
    }

    pub fn up(&mut self, c: usize) {
        self.generation += 1;
        self.clouds[c].up = true;
    }

    /// Recovery is detected: traffic returns, if the cloud is still up.
    pub fn route_back(&mut self, c: usize) {
        self.generation += 1;
        if self.clouds[c].up {
            self.clouds[c].routed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every change of state moves the generation (the world's cached shares depend on it),
    /// and the shares differ only across such a change.
    #[test]
    fn every_change_moves_the_generation() {
        let mut r = Routing::new([70.0, 30.0], 60_000);
        let mut seen = vec![r.generation()];
        let before = r.share(0, r.routed_weight());
        r.down(0);
        seen.push(r.generation());
        r.route_away(0);
        seen.push(r.generation());
        assert_ne!(r.share(0, r.routed_weight()), before);
        r.up(0);
        seen.push(r.generation());
        r.route_back(0);
        seen.push(r.generation());
        assert_eq!(r.share(0, r.routed_weight()), before);
        // Strictly increasing: a generation that came back to an earlier value would let the
        // world keep shares computed before an outage.
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        // Reading the shares changes nothing.
        let g = r.generation();
        let _ = r.share(1, r.routed_weight());
        assert_eq!(r.generation(), g);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Weights 70/30, KR (85 % of users) → aws, JP (10 %) → gcp; by hand the 5 % left is split
    /// 70/30: aws 0.85 + 0.05 × 0.7 = 0.885, gcp 0.10 + 0.05 × 0.3 = 0.115.
    #[test]
    fn geo_steering_then_weights() {
        let mut r = Routing::new([0.7, 0.3], 60_000).with_geo([(0.85, 0), (0.10, 1)]);
        let w = r.routed_weight();
        assert!(close(r.share(0, w), 0.885) && close(r.share(1, w), 0.115));
        // AWS fails and its traffic moves: KR's users fail over with the rest, all to gcp.
        r.down(0);
        let w = r.routed_weight();
        assert!(close(r.share(0, w), 0.885), "still routed until detected");
        r.route_away(0);
        let w = r.routed_weight();
        assert!(close(r.share(0, w), 0.0) && close(r.share(1, w), 1.0));
        // A service that runs only on gcp takes every user, steered or not.
        r.up(0);
        r.route_back(0);
        assert!(close(r.share_among(1, |c| c == 1), 1.0));
        assert!(close(r.share_among(0, |c| c == 1), 0.0));
    }

    /// Every cloud failed and was routed away: the users' traffic still arrives, split by
    /// weight (and geo rules), to fail there; it used to vanish, so a total outage cost no
    /// availability.
    #[test]
    fn with_every_cloud_routed_away_the_traffic_still_arrives() {
        let mut r = Routing::new([0.7, 0.3], 60_000).with_geo([(0.85, 0)]);
        for c in 0..2 {
            r.down(c);
            r.route_away(c);
        }
        let w = r.routed_weight();
        assert_eq!(w, 0.0);
        // KR's 85 % to aws as steered, the other 15 % by weight: 0.85 + 0.15 × 0.7, 0.15 × 0.3.
        assert!(close(r.share(0, w), 0.955) && close(r.share(1, w), 0.045));
        assert!(close(r.share(0, w) + r.share(1, w), 1.0));
        assert!(!r.is_up(0) && !r.is_up(1));
    }

    /// Without geo rules the shares are the weights' exactly (bit for bit the former formula).
    #[test]
    fn no_geo_is_the_weights() {
        let r = Routing::new([0.7, 0.3], 60_000);
        let w = r.routed_weight();
        assert_eq!(r.share(0, w), 0.7 / w);
        assert_eq!(r.share_among(1, |_| true), 0.3 / w);
    }
}
