//! The stabilization windows kept as monotonic deques: the same answer as
//! [`legacy_stabilize`](super::normalize::legacy_stabilize) and
//! [`stabilize`](super::normalize::stabilize) give over the controller's recommendation list, in
//! O(1) amortised per sync instead of a scan of the whole window.
//!
//! Why it is the same: the Go list reuses only slots older than every window it is read with,
//! and the clock never goes back, so the entries a query sees are exactly the recommendations
//! recorded inside its window. A maximum (minimum) over a sliding window only needs the entries
//! not dominated by a later, larger (smaller) one. Valid while the windows stay the same from one
//! sync to the next, which the simulation guarantees (one HPA spec and one controller config per
//! run); `capsim hpa eval` cases use the list.

use std::collections::VecDeque;

use super::normalize::{Recommendation, clamp_recommendation};

/// One HPA's recommendations, as the window extremes need them.
#[derive(Debug, Clone, Default)]
pub struct Windows {
    /// Decreasing replicas from front to back: the front is the window's maximum.
    max: VecDeque<Recommendation>,
    /// Increasing replicas from front to back: the front is the window's minimum.
    min: VecDeque<Recommendation>,
}

impl Windows {
    /// Forget everything and record `{replicas, now}` (`recordInitialRecommendation`).
    pub fn seed(&mut self, replicas: i32, now_ms: i64) {
        self.max.clear();
        self.min.clear();
        self.record(replicas, now_ms);
    }

    fn record(&mut self, replicas: i32, now_ms: i64) {
        self.record_max(replicas, now_ms);
        let rec = Recommendation {
            replicas,
            timestamp_ms: now_ms,
        };
        while self.min.back().is_some_and(|r| r.replicas >= replicas) {
            self.min.pop_back();
        }
        self.min.push_back(rec);
    }

    fn record_max(&mut self, replicas: i32, now_ms: i64) {
        let rec = Recommendation {
            replicas,
            timestamp_ms: now_ms,
        };
        while self.max.back().is_some_and(|r| r.replicas <= replicas) {
            self.max.pop_back();
        }
        self.max.push_back(rec);
    }

    /// The largest recommendation with `timestamp > cutoff` (`inclusive`: `>=`), if any.
    fn max_after(&mut self, cutoff: i64, inclusive: bool) -> Option<i32> {
        while self
            .max
            .front()
            .is_some_and(|r| r.timestamp_ms < cutoff || (!inclusive && r.timestamp_ms == cutoff))
        {
            self.max.pop_front();
        }
        self.max.front().map(|r| r.replicas)
    }

    /// The smallest recommendation with `timestamp > cutoff`, if any. Entries at or before
    /// the cutoff are dropped for good: the caller's cutoffs never decrease.
    fn min_after(&mut self, cutoff: i64) -> Option<i32> {
        while self.min.front().is_some_and(|r| r.timestamp_ms <= cutoff) {
            self.min.pop_front();
        }
        self.min.front().map(|r| r.replicas)
    }

    /// [`legacy_stabilize`](super::normalize::legacy_stabilize): the maximum of `desired` and
    /// every recommendation at or after `now − window`; then records `{desired, now}`.
    pub fn legacy_stabilize(&mut self, desired: i32, window_ms: i64, now_ms: i64) -> i32 {
        let max = self
            .max_after(now_ms - window_ms, true)
            .map_or(desired, |m| m.max(desired));
        // The legacy path reads no minimum: only the max deque is kept (the min deque holds just
        // the seed).
        self.record_max(desired, now_ms);
        max
    }

    /// [`stabilize`](super::normalize::stabilize): `current` clamped into `[upRec, downRec]`
    /// (the minimum over the scale-up window and the maximum over the scale-down window, each
    /// with `desired`, entries strictly after the cutoff); then records `{desired, now}`.
    pub fn stabilize(
        &mut self,
        current: i32,
        desired: i32,
        up_window_ms: i64,
        down_window_ms: i64,
        now_ms: i64,
    ) -> i32 {
        let up = self
            .min_after(now_ms - up_window_ms)
            .map_or(desired, |m| m.min(desired));
        let down = self
            .max_after(now_ms - down_window_ms, false)
            .map_or(desired, |m| m.max(desired));
        self.record(desired, now_ms);
        clamp_recommendation(current, up, down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpa::normalize::{legacy_stabilize, stabilize};
    use rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};

    /// Random syncs (irregular gaps, noisy proposals) through both implementations: the list
    /// transcribed from Go and the deques must agree at every sync.
    #[test]
    fn deques_agree_with_the_go_list() {
        for seed in 0..200u64 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let up_window = [0, 15_000, 60_000, 300_000][rng.random_range(0..4usize)];
            let down_window = [0, 15_000, 300_000, 600_000][rng.random_range(0..4usize)];
            let legacy = rng.random_bool(0.5);
            let mut list = vec![Recommendation {
                replicas: 3,
                timestamp_ms: 0,
            }];
            let mut deques = Windows::default();
            deques.seed(3, 0);
            let mut now = 0i64;
            let mut current = 3;
            for _ in 0..2_000 {
                now += [15_000, 15_000, 15_000, 1, 7_500, 45_000][rng.random_range(0..6usize)];
                let desired = rng.random_range(0..40);
                let (a, b) = if legacy {
                    (
                        legacy_stabilize(&mut list, desired, down_window, now),
                        deques.legacy_stabilize(desired, down_window, now),
                    )
                } else {
                    (
                        stabilize(&mut list, current, desired, up_window, down_window, now),
                        deques.stabilize(current, desired, up_window, down_window, now),
                    )
                };
                assert_eq!(a, b, "seed {seed} at {now} ms");
                current = a;
            }
        }
    }
}
