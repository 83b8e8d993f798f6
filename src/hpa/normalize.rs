//! Turning the raw metric proposal into the replica count to write (`horizontal.go`): the legacy
//! path (`stabilizeRecommendation` + `convertDesiredReplicasWithRules`), the behavior path
//! (`stabilizeRecommendationWithBehaviors` + `convertDesiredReplicasWithBehaviorRate` with the
//! per-policy limits), and the bookkeeping of recommendations and scale events they read.

use super::spec::{Config, PolicyKind, Rules, SelectPolicy};

/// `timestampedRecommendation`: one unstabilized recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    pub replicas: i32,
    pub timestamp_ms: i64,
}

/// `timestampedScaleEvent`: one rescale, `replica_change` = |new − old|.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleEvent {
    pub replica_change: i32,
    pub timestamp_ms: i64,
    /// Older than the direction's longest policy period when last checked; its slot is reusable.
    pub outdated: bool,
}

/// The reason of the `ScalingLimited=True` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    /// A scale-up policy (or, on the legacy path, `max(factor × current, minimum)`) bound.
    ScaleUpLimit,
    /// A scale-down policy bound.
    ScaleDownLimit,
    /// `maxReplicas` bound.
    TooManyReplicas,
    /// `minReplicas` bound.
    TooFewReplicas,
}

impl LimitReason {
    /// The Kubernetes reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitReason::ScaleUpLimit => "ScaleUpLimit",
            LimitReason::ScaleDownLimit => "ScaleDownLimit",
            LimitReason::TooManyReplicas => "TooManyReplicas",
            LimitReason::TooFewReplicas => "TooFewReplicas",
        }
    }
}

impl std::fmt::Display for LimitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `stabilizeRecommendation` (legacy path, no `behavior`): the maximum of `desired` and every
/// recommendation at or after `now − window` (inclusive: `!Before(cutoff)`); then records
/// `{desired, now}` in the slot of the last expired entry, or appends.
pub fn legacy_stabilize(
    recommendations: &mut Vec<Recommendation>,
    desired: i32,
    window_ms: i64,
    now_ms: i64,
) -> i32 {
    let cutoff = now_ms - window_ms;
    let mut max_recommendation = desired;
    let mut old_slot = None;
    for (i, rec) in recommendations.iter().enumerate() {
        if rec.timestamp_ms < cutoff {
            old_slot = Some(i);
        } else if rec.replicas > max_recommendation {
            max_recommendation = rec.replicas;
        }
    }
    record(
        recommendations,
        old_slot,
        Recommendation {
            replicas: desired,
            timestamp_ms: now_ms,
        },
    );
    max_recommendation
}

fn record(recommendations: &mut Vec<Recommendation>, slot: Option<usize>, rec: Recommendation) {
    match slot {
        Some(i) => recommendations[i] = rec,
        None => recommendations.push(rec),
    }
}

/// `calculateScaleUpLimit`: `int32(max(factor × current, minimum))`.
pub fn legacy_scale_up_limit(cfg: &Config, current: i32) -> i32 {
    (cfg.legacy_scale_up_limit_factor * current as f64).max(cfg.legacy_scale_up_limit_minimum)
        as i32
}

/// `convertDesiredReplicasWithRules` (legacy path): clamp into `[min, min(max, scaleUpLimit)]`.
/// Returns the count and the `ScalingLimited` reason when it differs from `desired`.
pub fn legacy_rules(
    cfg: &Config,
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
) -> (i32, Option<LimitReason>) {
    let scale_up_limit = legacy_scale_up_limit(cfg, current);
    let (maximum_allowed, max_reason) = if max > scale_up_limit {
        (scale_up_limit, LimitReason::ScaleUpLimit)
    } else {
        (max, LimitReason::TooManyReplicas)
    };
    if desired < min {
        (min, Some(LimitReason::TooFewReplicas))
    } else if desired > maximum_allowed {
        (maximum_allowed, Some(max_reason))
    } else {
        (desired, None)
    }
}

/// `stabilizeRecommendationWithBehaviors`: `current` clamped into `[upRec, downRec]`, where
/// `upRec` is the minimum and `downRec` the maximum of `desired` and the recommendations strictly
/// after `now − window` of each direction. Then records `{desired, now}` in the slot of the last
/// entry older than both windows, or appends.
pub fn stabilize(
    recommendations: &mut Vec<Recommendation>,
    current: i32,
    desired: i32,
    up_window_ms: i64,
    down_window_ms: i64,
    now_ms: i64,
) -> i32 {
    let up_cutoff = now_ms - up_window_ms;
    let down_cutoff = now_ms - down_window_ms;
    let mut up_recommendation = desired;
    let mut down_recommendation = desired;
    let mut old_slot = None;
    for (i, rec) in recommendations.iter().enumerate() {
        if rec.timestamp_ms > up_cutoff {
            up_recommendation = up_recommendation.min(rec.replicas);
        }
        if rec.timestamp_ms > down_cutoff {
            down_recommendation = down_recommendation.max(rec.replicas);
        }
        if rec.timestamp_ms < up_cutoff && rec.timestamp_ms < down_cutoff {
            old_slot = Some(i);
        }
    }
    let recommendation = clamp_recommendation(current, up_recommendation, down_recommendation);
    record(
        recommendations,
        old_slot,
        Recommendation {
            replicas: desired,
            timestamp_ms: now_ms,
        },
    );
    recommendation
}

/// `current` raised to `up` then lowered to `down` (Go's two ifs: with `up > down`, `down` wins).
pub(super) fn clamp_recommendation(current: i32, up: i32, down: i32) -> i32 {
    let mut recommendation = current;
    if recommendation < up {
        recommendation = up;
    }
    if recommendation > down {
        recommendation = down;
    }
    recommendation
}

/// `getReplicasChangePerPeriod`: the sum of the changes strictly after `now − period`.
pub fn replicas_change_per_period(period_ms: i64, events: &[ScaleEvent], now_ms: i64) -> i64 {
    let cutoff = now_ms - period_ms;
    events
        .iter()
        .filter(|e| e.timestamp_ms > cutoff)
        .map(|e| i64::from(e.replica_change))
        .sum()
}

/// The replicas at the start of a policy period: `current − Σup + Σdown` (events of both
/// directions shift it; kubernetes#108354).
fn period_start_replicas(
    current: i32,
    period_ms: i64,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    now_ms: i64,
) -> i64 {
    i64::from(current) - replicas_change_per_period(period_ms, up, now_ms)
        + replicas_change_per_period(period_ms, down, now_ms)
}

/// `calculateScaleUpLimitWithScalingRules`: the largest count the policies allow (`Max`), the
/// smallest (`Min`), or `current` (`Disabled`). Not floored at `current` (the caller does that).
pub fn scale_up_limit(
    current: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &Rules<'_>,
    now_ms: i64,
) -> i32 {
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Min => (i32::MAX, std::cmp::min),
        SelectPolicy::Max => (i32::MIN, std::cmp::max),
    };
    for policy in rules.policies {
        let start = period_start_replicas(current, policy.period_ms, up, down, now_ms);
        let proposed = match policy.kind {
            PolicyKind::Pods => start + i64::from(policy.value),
            // Rounded up so that a small percent still allows one more pod.
            PolicyKind::Percent => {
                (start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
            }
        };
        result = pick(result, saturate(proposed));
    }
    result
}

/// `calculateScaleDownLimitWithBehaviors`: the smallest count the policies allow (`Max` = the
/// largest change), the largest (`Min`), or `current` (`Disabled`). Not capped at `current`.
pub fn scale_down_limit(
    current: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &Rules<'_>,
    now_ms: i64,
) -> i32 {
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Min => (i32::MIN, std::cmp::max),
        SelectPolicy::Max => (i32::MAX, std::cmp::min),
    };
    for policy in rules.policies {
        let start = period_start_replicas(current, policy.period_ms, up, down, now_ms);
        let proposed = match policy.kind {
            PolicyKind::Pods => start - i64::from(policy.value),
            // Truncated toward zero (Go's int32(float64)).
            PolicyKind::Percent => (start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64,
        };
        result = pick(result, saturate(proposed));
    }
    result
}

fn saturate(x: i64) -> i32 {
    x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// Everything `convertDesiredReplicasWithBehaviorRate` reads (`NormalizationArg` + the events).
#[derive(Debug, Clone, Copy)]
pub struct RateLimitArgs<'a> {
    pub current: i32,
    /// The stabilized recommendation.
    pub desired: i32,
    pub min: i32,
    pub max: i32,
    pub scale_up: &'a Rules<'a>,
    pub scale_down: &'a Rules<'a>,
    pub up_events: &'a [ScaleEvent],
    pub down_events: &'a [ScaleEvent],
    pub now_ms: i64,
}

/// `convertDesiredReplicasWithBehaviorRate`: on a scale-up `min(desired, max, max(limit,
/// current))`, on a scale-down `max(desired, min, min(limit, current))`; `desired == current`
/// is returned as is. Returns the count and the `ScalingLimited` reason when it differs.
pub fn rate_limit(a: &RateLimitArgs<'_>) -> (i32, Option<LimitReason>) {
    if a.desired > a.current {
        let limit = scale_up_limit(a.current, a.up_events, a.down_events, a.scale_up, a.now_ms)
            .max(a.current);
        let (maximum_allowed, reason) = if a.max > limit {
            (limit, LimitReason::ScaleUpLimit)
        } else {
            (a.max, LimitReason::TooManyReplicas)
        };
        if a.desired > maximum_allowed {
            return (maximum_allowed, Some(reason));
        }
    } else if a.desired < a.current {
        let limit = scale_down_limit(
            a.current,
            a.up_events,
            a.down_events,
            a.scale_down,
            a.now_ms,
        )
        .min(a.current);
        let (minimum_allowed, reason) = if a.min < limit {
            (limit, LimitReason::ScaleDownLimit)
        } else {
            (a.min, LimitReason::TooFewReplicas)
        };
        if a.desired < minimum_allowed {
            return (minimum_allowed, Some(reason));
        }
    }
    (a.desired, None)
}

/// `storeScaleEvent` for one direction (`markScaleEventsOutdated` with that direction's
/// `getLongestPolicyPeriod`, then overwrite the last outdated slot or append).
pub fn store_scale_event(
    events: &mut Vec<ScaleEvent>,
    longest_period_ms: i64,
    replica_change: i32,
    now_ms: i64,
) {
    let cutoff = now_ms - longest_period_ms;
    let mut old_slot = None;
    for (i, event) in events.iter_mut().enumerate() {
        if event.timestamp_ms < cutoff {
            event.outdated = true;
        }
        if event.outdated {
            old_slot = Some(i);
        }
    }
    let event = ScaleEvent {
        replica_change,
        timestamp_ms: now_ms,
        outdated: false,
    };
    match old_slot {
        Some(i) => events[i] = event,
        None => events.push(event),
    }
}

#[cfg(test)]
mod tests {
    //! Cases from kubernetes `horizontal_test.go` (`omerap12/kubernetes@060da168`) and the worked
    //! examples of hpa-spec.md.
    use super::*;
    use crate::hpa::spec::{Policy, ScalingRules};

    const NOW: i64 = 1_000_000_000;
    const MIN: i64 = 60_000;

    fn rec(replicas: i32, ago_ms: i64) -> Recommendation {
        Recommendation {
            replicas,
            timestamp_ms: NOW - ago_ms,
        }
    }

    fn replicas(recs: &[Recommendation]) -> Vec<i32> {
        recs.iter().map(|r| r.replicas).collect()
    }

    // TestNormalizeDesiredReplicas (legacy stabilizeRecommendation, 5 min window).
    #[test]
    fn legacy_stabilize_cases() {
        let run = |mut recs: Vec<Recommendation>, desired| {
            let r = legacy_stabilize(&mut recs, desired, 5 * MIN, NOW);
            (r, recs.len())
        };
        assert_eq!(run(vec![], 5), (5, 1)); // "empty log"
        assert_eq!(run(vec![rec(4, 2 * MIN), rec(5, MIN)], 3), (5, 3)); // "stabilize"
        assert_eq!(run(vec![rec(1, 2 * MIN), rec(2, MIN)], 3), (3, 3)); // "no stabilize"
        assert_eq!(run(vec![rec(10, 10 * MIN), rec(9, 9 * MIN)], 3), (3, 2)); // "old recommendations"
        let recs = vec![
            rec(10, 10 * MIN),
            rec(4, MIN),
            rec(5, 2 * MIN),
            rec(9, 9 * MIN),
        ];
        assert_eq!(run(recs, 3), (5, 4)); // "stabilize - old recommendations"
    }

    // The legacy cutoff is inclusive: an entry exactly `window` old still counts.
    #[test]
    fn legacy_stabilize_boundary_is_inclusive() {
        let mut recs = vec![rec(9, 5 * MIN)];
        assert_eq!(legacy_stabilize(&mut recs, 3, 5 * MIN, NOW), 9);
        let mut recs = vec![rec(9, 5 * MIN)];
        assert_eq!(stabilize(&mut recs, 10, 3, 0, 5 * MIN, NOW), 3);
    }

    // TestNormalizeDesiredReplicasWithBehavior.
    #[test]
    fn stabilize_with_behaviors_cases() {
        let run = |mut recs: Vec<Recommendation>, current, desired, up_s: i64, down_s: i64| {
            let r = stabilize(&mut recs, current, desired, up_s * 1000, down_s * 1000, NOW);
            (r, replicas(&recs))
        };
        assert_eq!(run(vec![], 100, 5, 0, 0), (5, vec![5]));
        assert_eq!(
            run(vec![rec(4, 2 * MIN), rec(5, MIN)], 100, 3, 0, 180),
            (5, vec![4, 5, 3])
        );
        assert_eq!(
            run(vec![rec(4, 2 * MIN), rec(5, MIN)], 1, 7, 300, 0),
            (4, vec![4, 5, 7])
        );
        assert_eq!(
            run(vec![rec(1, 2 * MIN), rec(2, MIN)], 100, 3, 300, 0),
            (3, vec![1, 2, 3])
        );
        assert_eq!(
            run(vec![rec(4, 2 * MIN), rec(5, MIN)], 1, 3, 0, 300),
            (3, vec![4, 5, 3])
        );
        assert_eq!(
            run(vec![rec(10, 10 * MIN), rec(9, 9 * MIN)], 100, 3, 0, 0),
            (3, vec![10, 3])
        );
        assert_eq!(
            run(vec![rec(10, 10 * MIN), rec(9, 9 * MIN)], 1, 100, 0, 0),
            (100, vec![10, 100])
        );
        let recs = vec![
            rec(10, 10 * MIN),
            rec(4, MIN),
            rec(5, 2 * MIN),
            rec(9, 9 * MIN),
        ];
        assert_eq!(run(recs, 100, 3, 0, 180), (5, vec![10, 4, 5, 3]));
        let recs = vec![
            rec(10, 100 * MIN),
            rec(6, MIN),
            rec(5, 2 * MIN),
            rec(9, 3 * MIN),
        ];
        assert_eq!(run(recs, 1, 100, 300, 0), (5, vec![100, 6, 5, 9]));
        // "do not scale up when prenormalized rec goes down" / "... down when it goes up".
        assert_eq!(
            run(vec![rec(2, 100 * MIN), rec(3, 3 * MIN)], 2, 1, 300, 300).0,
            2
        );
        assert_eq!(
            run(vec![rec(2, 100 * MIN), rec(1, 3 * MIN)], 2, 3, 300, 300).0,
            2
        );
    }

    // hpa-case-format.md example "example-stabilize-holds".
    #[test]
    fn stabilize_format_example() {
        let mut recs = vec![rec(7, 100_000), rec(6, 200_000), rec(9, 400_000)];
        assert_eq!(stabilize(&mut recs, 8, 5, 0, 300_000, NOW), 7);
    }

    // TestConvertDesiredReplicasWithRules (horizontal_test.go init() sets the factor to 8).
    #[test]
    fn legacy_rules_cases() {
        let cfg = Config {
            legacy_scale_up_limit_factor: 8.0,
            ..Config::default()
        };
        assert_eq!(legacy_rules(&cfg, 5, 7, 3, 8), (7, None));
        assert_eq!(
            legacy_rules(&cfg, 3, 1, 2, 8),
            (2, Some(LimitReason::TooFewReplicas))
        );
        assert_eq!(legacy_rules(&cfg, 1, 0, 0, 10), (0, None));
        assert_eq!(
            legacy_rules(&cfg, 20, 1000, 1, 10),
            (10, Some(LimitReason::TooManyReplicas))
        );
        assert_eq!(
            legacy_rules(&cfg, 3, 1000, 1, 2000),
            (24, Some(LimitReason::ScaleUpLimit))
        );
    }

    // hpa-spec.md §4: legacy path from 1 replica reaches 4 (production factor 2, minimum 4).
    #[test]
    fn legacy_from_one_reaches_four() {
        let cfg = Config::default();
        assert_eq!(
            legacy_rules(&cfg, 1, 10, 1, 100),
            (4, Some(LimitReason::ScaleUpLimit))
        );
        assert_eq!(
            legacy_rules(&cfg, 10, 100, 1, 100),
            (20, Some(LimitReason::ScaleUpLimit))
        );
    }

    fn policy(kind: PolicyKind, value: i32, period_s: i64) -> Policy {
        Policy {
            kind,
            value,
            period_ms: period_s * 1000,
        }
    }

    /// `generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow)`.
    fn generate(
        pods: i32,
        pods_period: i64,
        percent: i32,
        percent_period: i64,
        window_s: i64,
    ) -> ScalingRules {
        let mut policies = Vec::new();
        if pods != 0 {
            policies.push(policy(PolicyKind::Pods, pods, pods_period));
        }
        if percent != 0 {
            policies.push(policy(PolicyKind::Percent, percent, percent_period));
        }
        ScalingRules {
            stabilization_window_ms: Some(window_s * 1000),
            select_policy: Some(SelectPolicy::Max),
            policies: Some(policies),
            tolerance: None,
        }
    }

    /// `generateEventsUniformDistribution(rawEvents, periodSeconds)`.
    fn events(raw: &[i32], period_s: i64) -> Vec<ScaleEvent> {
        let segment = period_s as f64 / raw.len() as f64;
        raw.iter()
            .enumerate()
            .map(|(i, &change)| {
                let boundary_s = period_s as f64 - segment * (i + 1) as f64 + segment / 2.0;
                ScaleEvent {
                    replica_change: change,
                    timestamp_ms: NOW - (boundary_s * 1000.0) as i64,
                    outdated: false,
                }
            })
            .collect()
    }

    // TestCalculateScaleUpLimitWithScalingRules / TestCalculateScaleDownLimitWithBehaviors.
    #[test]
    fn scale_limit_min_select() {
        let user = ScalingRules {
            select_policy: Some(SelectPolicy::Min),
            policies: Some(vec![
                policy(PolicyKind::Pods, 2, 60),
                policy(PolicyKind::Percent, 50, 60),
            ]),
            ..Default::default()
        };
        assert_eq!(
            scale_up_limit(1, &[], &[], &Rules::scale_up(Some(&user)), NOW),
            2
        );
        assert_eq!(
            scale_down_limit(5, &[], &[], &Rules::scale_down(Some(&user), 300_000), NOW),
            3
        );
    }

    // TestScalingWithRules (convertDesiredReplicasWithBehaviorRate with defaulted rules). A row:
    // the Go case; min, max, current and desired replicas; the expected count and reason; the
    // scale-up and scale-down rules as `generateScalingRules` arguments (`None` = API defaults);
    // the scale-up and scale-down events as `generateEventsUniformDistribution(_, 120)` changes.
    #[test]
    #[rustfmt::skip]
    fn scaling_with_rules() {
        use LimitReason::*;
        // `generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow)`.
        type Gen = (i32, i64, i32, i64, i64);
        type Row = (&'static str, i32, i32, i32, i32, i32, Option<LimitReason>,
                    Option<Gen>, Option<Gen>, &'static [i32], &'static [i32]);
        let cases: &[Row] = &[
            ("within range",                                3,   8,    5,   7,    7,   None,                  None, None, &[], &[]),
            ("< minReplicas",                               2,   8,    3,   1,    2,   Some(TooFewReplicas),  None, None, &[], &[]),
            ("within range when min 0",                     0,   10,   1,   0,    0,   None,                  None, None, &[], &[]),
            ("maxReplicas < scaleUpLimit",                  1,   10,   20,  1000, 10,  Some(TooManyReplicas), None, None, &[], &[]),
            ("more than max",                               100, 150,  100, 1000, 150, Some(TooManyReplicas), None, None, &[], &[]),
            ("1 % policy",                                  1,   2000, 3,   1000, 4,   Some(ScaleUpLimit),    Some((0, 0, 1, 60, 0)), None, &[], &[]),
            ("scaleUp with default behavior",               1,   1000, 10,  50,   20,  Some(ScaleUpLimit),    None, None, &[], &[]),
            ("pods > percent",                              1,   1000, 10,  500,  110, Some(ScaleUpLimit),    Some((100, 60, 100, 60, 0)), None, &[], &[]),
            ("percent > pods",                              1,   1000, 10,  500,  20,  Some(ScaleUpLimit),    Some((2, 60, 100, 60, 0)), None, &[], &[]),
            ("large pod policy",                            1,   1000, 10,  50,   50,  None,                  Some((100, 60, 0, 0, 0)), None, &[], &[]),
            ("large percent policy",                        1,   1000, 10,  50,   50,  None,                  Some((10000, 60, 0, 0, 0)), None, &[], &[]),
            ("pod policy limitation",                       1,   1000, 10,  50,   40,  Some(ScaleUpLimit),    Some((30, 60, 0, 0, 0)), None, &[], &[]),
            ("percent policy limitation",                   1,   1000, 10,  50,   30,  Some(ScaleUpLimit),    Some((0, 0, 200, 60, 0)), None, &[], &[]),
            ("down percent > pod",                          1,   1000, 100, 2,    80,  Some(ScaleDownLimit),  None, Some((20, 60, 1, 60, 300)), &[], &[]),
            ("down pod > percent",                          1,   1000, 100, 2,    98,  Some(ScaleDownLimit),  None, Some((2, 60, 1, 60, 300)), &[], &[]),
            ("down min, large pod",                         1,   1000, 10,  0,    1,   Some(TooFewReplicas),  None, Some((100, 60, 0, 0, 300)), &[], &[]),
            ("down min, large percent",                     5,   1000, 10,  2,    5,   Some(TooFewReplicas),  None, Some((0, 0, 100, 60, 300)), &[], &[]),
            ("down pod limitation",                         1,   1000, 10,  2,    5,   Some(ScaleDownLimit),  None, Some((5, 60, 0, 0, 300)), &[], &[]),
            ("down percent limitation",                     1,   1000, 10,  5,    5,   None,                  None, Some((0, 0, 50, 60, 300)), &[], &[]),
            ("max with large pod policy and events",        1,   200,  100, 500,  200, Some(TooManyReplicas), Some((300, 60, 0, 0, 0)), None, &[1, 5, 9], &[]),
            ("max with large percent policy and events",    1,   200,  100, 500,  200, Some(TooManyReplicas), Some((0, 0, 10000, 60, 0)), None, &[1, 5, 9], &[]),
            ("current floor after many scale-ups",          1,   1000, 100, 500,  100, Some(ScaleUpLimit),    Some((5, 120, 0, 0, 0)), None, &[1, 5, 9], &[]),
            ("pod policy and previous scale-ups",           1,   1000, 100, 500,  235, Some(ScaleUpLimit),    Some((150, 120, 0, 0, 0)), None, &[1, 5, 9], &[]),
            ("percent policy and previous scale-ups",       1,   1000, 100, 500,  255, Some(ScaleUpLimit),    Some((0, 0, 200, 120, 0)), None, &[1, 5, 9], &[]),
            // kubernetes#108354: start = 6 - 4 + 2 = 4, × (1 + 300 %) = 16.
            ("percent policy and scale up and down events", 1,   1000, 6,   24,   16,  Some(ScaleUpLimit),    Some((0, 0, 300, 300, 0)), None, &[4], &[2]),
            ("default down policy and events",              1,   1000, 10,  5,    5,   None,                  None, None, &[], &[1, 5, 9]),
            ("down min with large pod policy and events",   1,   1000, 100, 0,    1,   Some(TooFewReplicas),  None, Some((115, 120, 0, 0, 300)), &[], &[1, 5, 9]),
            ("down min 5 with large pod policy and events", 5,   1000, 100, 0,    5,   Some(TooFewReplicas),  None, Some((130, 120, 0, 0, 300)), &[], &[1, 5, 9]),
            ("down min with 100 % policy and events",       5,   1000, 100, 2,    5,   Some(TooFewReplicas),  None, Some((0, 0, 100, 120, 300)), &[], &[1, 5, 9]),
            ("down pod policy and events",                  1,   1000, 100, 2,    100, Some(ScaleDownLimit),  None, Some((5, 120, 0, 0, 300)), &[], &[1, 5, 9]),
            ("down percent policy and events",              1,   1000, 100, 0,    56,  Some(ScaleDownLimit),  None, Some((0, 0, 50, 120, 300)), &[], &[2, 4, 6]),
            ("down percent policy, up and down events",     1,   1000, 10,  1,    6,   Some(ScaleDownLimit),  None, Some((0, 0, 50, 180, 0)), &[2], &[4]),
            ("down events prevent further scale-down",      1,   1000, 100, 0,    100, Some(ScaleDownLimit),  None, Some((0, 0, 10, 120, 300)), &[], &[10, 10, 10]),
            ("down events still allow scale-down",          1,   1000, 10,  5,    5,   None,                  None, Some((0, 0, 1000, 120, 300)), &[], &[10, 10, 10]),
            ("outdated flag, one policy, up",               1,   1000, 100, 200,  200, None,                  Some((1000, 60, 0, 0, 0)), None, &[8, 12, 9, 11], &[]),
            ("not outdated, two policies, up",              1,   1000, 100, 200,  200, None,                  Some((1000, 120, 100, 60, 0)), None, &[8, 12, 9, 11], &[]),
            ("outdated flag, one policy, down",             1,   1000, 100, 5,    5,   None,                  None, Some((1000, 60, 0, 0, 300)), &[], &[8, 12, 9, 11]),
        ];
        let rules = |g: Option<Gen>| g.map(|(pods, pp, percent, cp, w)| generate(pods, pp, percent, cp, w));
        for &(name, min, max, current, desired, expected, reason, up, down, up_raw, down_raw) in cases {
            let (up, down) = (rules(up), rules(down));
            let up = Rules::scale_up(up.as_ref());
            let down = Rules::scale_down(down.as_ref(), 300_000);
            let (up_events, down_events) = (events(up_raw, 120), events(down_raw, 120));
            let args = RateLimitArgs {
                current, desired, min, max,
                scale_up: &up, scale_down: &down,
                up_events: &up_events, down_events: &down_events,
                now_ms: NOW,
            };
            assert_eq!(rate_limit(&args), (expected, reason), "{name}");
        }
    }

    // hpa-spec.md §5.3, the docs example: 80 replicas, Pods 4/60 s and Percent 10/60 s (Max);
    // 80 → 72, held at 72 while the 8 removals are inside the period, then 72 → 64.
    #[test]
    fn docs_example_80_72_72_64() {
        let rules = ScalingRules {
            select_policy: Some(SelectPolicy::Max),
            policies: Some(vec![
                policy(PolicyKind::Pods, 4, 60),
                policy(PolicyKind::Percent, 10, 60),
            ]),
            ..Default::default()
        };
        let down = Rules::scale_down(Some(&rules), 0);
        let up = Rules::scale_up(None);
        let mut down_events = Vec::new();
        let mut current = 80;
        let mut seen = vec![current];
        for tick in 0..6 {
            let now = NOW + tick * 15_000;
            let args = RateLimitArgs {
                current,
                desired: 10,
                min: 1,
                max: 100,
                scale_up: &up,
                scale_down: &down,
                up_events: &[],
                down_events: &down_events,
                now_ms: now,
            };
            let (next, _) = rate_limit(&args);
            if next != current {
                store_scale_event(
                    &mut down_events,
                    down.longest_policy_period_ms(),
                    current - next,
                    now,
                );
                current = next;
            }
            seen.push(current);
        }
        // t=0: 72; t=15,30,45: held (start stays 80); t=60: the t=0 event is exactly 60 s old,
        // outside the strict period, so start = 72 → 64.
        assert_eq!(seen, vec![80, 72, 72, 72, 72, 64, 64]);
    }

    // hpa-spec.md §4 vs §5: from 1 replica, the default policies reach 5 (legacy reaches 4).
    #[test]
    fn behavior_defaults_from_one_reach_five() {
        let up = Rules::scale_up(None);
        let down = Rules::scale_down(None, 300_000);
        let args = RateLimitArgs {
            current: 1,
            desired: 10,
            min: 1,
            max: 100,
            scale_up: &up,
            scale_down: &down,
            up_events: &[],
            down_events: &[],
            now_ms: NOW,
        };
        assert_eq!(rate_limit(&args), (5, Some(LimitReason::ScaleUpLimit)));
    }

    // TestStoreScaleEvents.
    #[test]
    fn store_scale_events() {
        let ev = |change, ago_s: i64, outdated| ScaleEvent {
            replica_change: change,
            timestamp_ms: NOW - ago_s * 1000,
            outdated,
        };
        let run = |prev: Vec<ScaleEvent>, rules: ScalingRules| {
            let longest = Rules::scale_up(Some(&rules)).longest_policy_period_ms();
            let before = replicas_change_per_period(60_000, &prev, NOW);
            let mut events = prev;
            store_scale_event(&mut events, longest, 5, NOW);
            (
                before,
                events
                    .iter()
                    .map(|e| (e.replica_change, e.outdated))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            run(vec![], generate(10, 60, 100, 60, 0)),
            (0, vec![(5, false)])
        );
        assert_eq!(
            run(vec![ev(7, 61, false)], generate(10, 60, 100, 60, 0)),
            (0, vec![(5, false)])
        );
        assert_eq!(
            run(vec![ev(7, 58, false)], generate(10, 60, 100, 60, 0)),
            (7, vec![(7, false), (5, false)])
        );
        assert_eq!(
            run(
                vec![ev(7, 61, false), ev(6, 59, false)],
                generate(10, 60, 0, 0, 0)
            ),
            (6, vec![(5, false), (6, false)])
        );
        assert_eq!(
            run(
                vec![
                    ev(8, 29, false),
                    ev(6, 59, false),
                    ev(7, 61, false),
                    ev(9, 61, false)
                ],
                generate(10, 60, 100, 30, 0)
            ),
            (14, vec![(8, false), (6, false), (7, true), (5, false)])
        );
        assert_eq!(
            run(
                vec![ev(7, 58, false), ev(6, 59, false)],
                generate(10, 120, 100, 30, 0)
            ),
            (13, vec![(7, false), (6, false), (5, false)])
        );
    }
}
