//! One pass of the controller for one HPA (`reconcileAutoscaler`): the zero / out-of-range
//! branches, the maximum over the metric proposals with the no-scale-down-on-failure rule,
//! normalization, the scale-from-zero clamp and the bookkeeping of a rescale; plus the
//! per-HPA memory the controller keeps between passes ([`State`]).

use super::calc::{self, CalcEnv, MetricError, MetricInput, MetricProposal, Pods, Scale};
use super::normalize::{self, LimitReason, RateLimitArgs, Recommendation, ScaleEvent};
use super::spec::{Config, Rules, Spec, Tolerances};
use super::window::Windows;

/// The HPA's status conditions the controller reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conditions {
    /// `ScaledToZero=True`: the controller itself scaled the target to zero (`HPAScaleToZero`).
    pub scaled_to_zero: bool,
}

/// The controller's memory of one HPA between passes: `recommendations[key]`,
/// `scaleUpEvents[key]`, `scaleDownEvents[key]` of `HorizontalController`, plus the HPA's
/// `ScaledToZero` condition (kept in the API object in Kubernetes; here for convenience).
///
/// `State::default()` = a new HPA or a restarted controller: no history. The vectors keep their
/// capacity, so a steady-state `reconcile` does not allocate.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// `false` = `recommendations[key] == nil` (recordInitialRecommendation will seed it).
    pub has_history: bool,
    pub recommendations: Vec<Recommendation>,
    pub scale_up_events: Vec<ScaleEvent>,
    pub scale_down_events: Vec<ScaleEvent>,
    pub conditions: Conditions,
    metrics: Vec<MetricStatus>,
    /// With [`State::windowed`]: the stabilization windows as deques instead of the list.
    pub(super) windows: Option<Windows>,
}

impl State {
    /// A new HPA whose stabilization windows are kept as monotonic deques ([`Windows`]): the
    /// same decisions as with the list, O(1) per sync. For a caller that reconciles one HPA with
    /// one spec and config many times (the simulation); `recommendations` then stays empty.
    pub fn windowed() -> State {
        State {
            windows: Some(Windows::default()),
            ..State::default()
        }
    }

    /// Forget the metric statuses of the last pass (a pass that builds none ran since).
    pub(super) fn clear_metric_statuses(&mut self) {
        self.metrics.clear();
    }
}

/// One metric's result, aligned with `spec.metrics`.
pub type MetricStatus = Result<MetricProposal, MetricError>;

/// What the controller observes at one sync: the scale subresource, the pods the selector
/// returns, one [`MetricInput`] per entry of `spec.metrics` (a missing entry counts as a fetch
/// error), and the clock.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub scale: Scale,
    pub pods: Pods<'a>,
    pub inputs: &'a [MetricInput<'a>],
    pub now_ms: i64,
}

/// Why the pass did not write a scale computed from the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconcileError {
    /// Some metrics failed (`invalid` of them; the first one at `index`). When every metric
    /// failed, or the valid ones would scale down, nothing is written (`rescaled == false`);
    /// otherwise the scale-up went ahead and this is still reported, as Kubernetes does.
    InvalidMetrics {
        index: usize,
        error: MetricError,
        invalid: usize,
    },
    /// `spec.metrics` is empty (the API defaults it to cpu 80 %; nothing to compute here).
    NoMetrics,
}

impl std::fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReconcileError::InvalidMetrics {
                index,
                error,
                invalid,
            } => {
                write!(
                    f,
                    "invalid metrics ({invalid} invalid), first error is metrics[{index}]: {error}"
                )
            }
            ReconcileError::NoMetrics => f.write_str("no metrics in spec"),
        }
    }
}

/// The outcome of one pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reconciliation<'a> {
    /// The count written to the scale subresource, or `spec_replicas` when nothing was written.
    pub desired_replicas: i32,
    /// Whether the scale was written (`desired != current`).
    pub rescaled: bool,
    /// `ScalingLimited=True` with this reason (only set when normalization ran).
    pub limited: Option<LimitReason>,
    /// `ScalingActive=False, ScalingDisabled`: current is 0 and the HPA does not act on it.
    pub scaling_disabled: bool,
    /// The maximum over the valid metric proposals (before normalization), when computed.
    pub metric_replicas: Option<i32>,
    /// The stabilized recommendation (before rate limits and clamps), when computed.
    pub stabilized_replicas: Option<i32>,
    /// One entry per metric of `spec.metrics`; empty when no metric was computed.
    pub metrics: &'a [MetricStatus],
    /// Metric failures (see [`ReconcileError`]).
    pub error: Option<ReconcileError>,
}

/// One `reconcileAutoscaler` pass for one HPA, at `obs.now_ms`.
///
/// Mutates `state` the way the controller mutates its maps: the initial recommendation, the
/// stabilization record, the scale events of a rescale (only with `behavior`), and the
/// `ScaledToZero` condition (with the `HPAScaleToZero` gate).
pub fn reconcile<'s>(
    cfg: &Config,
    spec: &Spec,
    obs: &Observation<'_>,
    state: &'s mut State,
) -> Reconciliation<'s> {
    let current = obs.scale.spec_replicas;
    let now = obs.now_ms;
    let (min, max) = (spec.min_replicas, spec.max_replicas);
    state.metrics.clear();
    if !state.has_history {
        reserve_history(cfg, spec, state);
    }
    record_initial_recommendation(state, current, now);

    let gate = cfg.gates.scale_to_zero;
    let has_object_or_external = spec.metrics.iter().any(|m| m.is_object_or_external());
    let scaled_to_zero_condition = gate && state.conditions.scaled_to_zero;
    let can_scale_from_zero = scaled_to_zero_condition && has_object_or_external;

    let mut result = Reconciliation {
        desired_replicas: current,
        rescaled: false,
        limited: None,
        scaling_disabled: false,
        metric_replicas: None,
        stabilized_replicas: None,
        metrics: &[],
        error: None,
    };

    let desired = if current == 0
        && !should_compute_metrics_for_zero_replicas(
            min,
            scaled_to_zero_condition,
            can_scale_from_zero,
        ) {
        // Autoscaling is disabled for this resource (a manual `replicas: 0` pauses the HPA).
        result.scaling_disabled = true;
        if !gate {
            state.conditions.scaled_to_zero = false;
        }
        return result;
    } else if current != 0 && current > max {
        max
    } else if current != 0 && current < min {
        min
    } else {
        let tolerances = Tolerances::for_hpa(cfg, spec.behavior.as_ref());
        let env = CalcEnv {
            tolerances,
            cpu_initialization_period_ms: cfg.cpu_initialization_period_ms,
            initial_readiness_delay_ms: cfg.initial_readiness_delay_ms,
            now_ms: now,
        };
        let metric_replicas =
            match compute_replicas_for_metrics(&env, spec, obs, &mut state.metrics) {
                Ok((replicas, error)) => {
                    result.error = error;
                    replicas
                }
                Err(error) => {
                    result.error = Some(error);
                    result.metrics = &state.metrics;
                    return result;
                }
            };
        result.metric_replicas = Some(metric_replicas);
        let prenormalized = metric_replicas.max(0);
        let (mut desired, stabilized, limited) = match &spec.behavior {
            None => normalize_desired_replicas(cfg, state, current, prenormalized, min, max, now),
            Some(behavior) => {
                let up = Rules::scale_up(behavior.scale_up.as_ref());
                let down = Rules::scale_down(
                    behavior.scale_down.as_ref(),
                    cfg.downscale_stabilization_window_ms,
                );
                normalize_desired_replicas_with_behaviors(
                    state,
                    &up,
                    &down,
                    current,
                    prenormalized,
                    min,
                    max,
                    now,
                )
            }
        };
        result.stabilized_replicas = Some(stabilized);
        result.limited = limited;
        // Scale from zero with an increased minReplicas lands on at least minReplicas.
        if current == 0 && min != 0 && scaled_to_zero_condition && desired < min {
            desired = min;
        }
        desired
    };

    if desired != current {
        result.rescaled = true;
        result.desired_replicas = desired;
        store_scale_event(cfg, spec, state, current, desired, now);
        state.conditions.scaled_to_zero =
            gate && current > 0 && desired == 0 && min == 0 && has_object_or_external;
    }
    result.metrics = &state.metrics;
    result
}

/// Not in Go: size the history vectors once, for the windows at one sync per period, so that
/// they do not grow during the first minutes of a simulation.
fn reserve_history(cfg: &Config, spec: &Spec, state: &mut State) {
    let mut window = cfg.downscale_stabilization_window_ms;
    if let Some(b) = &spec.behavior {
        let up = Rules::scale_up(b.scale_up.as_ref());
        let down = Rules::scale_down(b.scale_down.as_ref(), cfg.downscale_stabilization_window_ms);
        window = window
            .max(up.stabilization_window_ms)
            .max(down.stabilization_window_ms);
        let events = |r: &Rules<'_>| {
            (r.longest_policy_period_ms() / cfg.sync_period_ms.max(1)).clamp(0, 1024) as usize + 2
        };
        state.scale_up_events.reserve(events(&up));
        state.scale_down_events.reserve(events(&down));
    }
    let recs = (window / cfg.sync_period_ms.max(1)).clamp(0, 4096) as usize + 4;
    if state.windows.is_none() {
        state.recommendations.reserve(recs);
    }
    state.metrics.reserve(spec.metrics.len());
}

/// `recordInitialRecommendation`: with no history, remember `{current, now}`, so a new HPA (or a
/// restarted controller) cannot scale down during its first stabilization window.
pub fn record_initial_recommendation(state: &mut State, current: i32, now_ms: i64) {
    if !state.has_history {
        if let Some(w) = &mut state.windows {
            w.seed(current, now_ms);
        } else {
            state.recommendations.clear();
            state.recommendations.push(Recommendation {
                replicas: current,
                timestamp_ms: now_ms,
            });
        }
        state.has_history = true;
    }
}

/// `shouldComputeMetricsForZeroReplicas`: with `current == 0`, compute metrics only if the HPA
/// scaled itself to zero (`ScaledToZero=True`, which already requires the gate) and either has
/// an Object/External metric or now has `minReplicas != 0`.
pub fn should_compute_metrics_for_zero_replicas(
    min: i32,
    scaled_to_zero_condition: bool,
    can_scale_from_zero: bool,
) -> bool {
    (min != 0 && scaled_to_zero_condition) || can_scale_from_zero
}

/// `computeReplicasForMetrics`: the maximum over the valid proposals (`replicas == 0 || p >
/// replicas`). `Err` when every metric failed, or some failed and the rest would scale down;
/// `Ok((replicas, Some(error)))` when some failed but the rest scale up or hold.
fn compute_replicas_for_metrics(
    env: &CalcEnv,
    spec: &Spec,
    obs: &Observation<'_>,
    statuses: &mut Vec<MetricStatus>,
) -> Result<(i32, Option<ReconcileError>), ReconcileError> {
    if spec.metrics.is_empty() {
        return Err(ReconcileError::NoMetrics);
    }
    let mut replicas = 0;
    let mut invalid = 0;
    let mut first = None;
    for (i, metric) in spec.metrics.iter().enumerate() {
        let input = obs
            .inputs
            .get(i)
            .copied()
            .unwrap_or(MetricInput::FetchError);
        let fast = match obs.pods {
            Pods::Settled(n) => {
                calc::settled_proposal(env, metric, obs.scale.spec_replicas, n, &input)
            }
            Pods::Listed(_) => None,
        };
        let status = match fast {
            Some(p) => Ok(p),
            None => calc::replica_calc(env, metric, obs.scale, obs.pods, input),
        };
        statuses.push(status);
        match status {
            Err(error) => {
                if invalid == 0 {
                    first = Some((i, error));
                }
                invalid += 1;
            }
            Ok(p) => {
                if replicas == 0 || p.replicas > replicas {
                    replicas = p.replicas;
                }
            }
        }
    }
    let error = first.map(|(index, error)| ReconcileError::InvalidMetrics {
        index,
        error,
        invalid,
    });
    if invalid >= spec.metrics.len() || (invalid > 0 && replicas < obs.scale.spec_replicas) {
        return Err(error.unwrap_or(ReconcileError::NoMetrics));
    }
    Ok((replicas, error))
}

/// `normalizeDesiredReplicas` (no `behavior`): `stabilizeRecommendation` then
/// `convertDesiredReplicasWithRules`. Returns (desired, stabilized, limit reason).
fn normalize_desired_replicas(
    cfg: &Config,
    state: &mut State,
    current: i32,
    prenormalized: i32,
    min: i32,
    max: i32,
    now: i64,
) -> (i32, i32, Option<LimitReason>) {
    let window = cfg.downscale_stabilization_window_ms;
    let stabilized = match &mut state.windows {
        Some(w) => w.legacy_stabilize(prenormalized, window, now),
        None => normalize::legacy_stabilize(&mut state.recommendations, prenormalized, window, now),
    };
    let (desired, reason) = normalize::legacy_rules(cfg, current, stabilized, min, max);
    (desired, stabilized, reason)
}

/// `normalizeDesiredReplicasWithBehaviors`: `stabilizeRecommendationWithBehaviors` then
/// `convertDesiredReplicasWithBehaviorRate`. Returns (desired, stabilized, limit reason).
#[allow(clippy::too_many_arguments)]
fn normalize_desired_replicas_with_behaviors(
    state: &mut State,
    up: &Rules<'_>,
    down: &Rules<'_>,
    current: i32,
    prenormalized: i32,
    min: i32,
    max: i32,
    now: i64,
) -> (i32, i32, Option<LimitReason>) {
    let (up_window, down_window) = (up.stabilization_window_ms, down.stabilization_window_ms);
    let stabilized = match &mut state.windows {
        Some(w) => w.stabilize(current, prenormalized, up_window, down_window, now),
        None => normalize::stabilize(
            &mut state.recommendations,
            current,
            prenormalized,
            up_window,
            down_window,
            now,
        ),
    };
    let (desired, reason) = normalize::rate_limit(&RateLimitArgs {
        current,
        desired: stabilized,
        min,
        max,
        scale_up: up,
        scale_down: down,
        up_events: &state.scale_up_events,
        down_events: &state.scale_down_events,
        now_ms: now,
    });
    (desired, stabilized, reason)
}

/// `storeScaleEvent`: nothing without `behavior`; otherwise the change goes to the up or down
/// list, reusing an outdated slot.
pub(super) fn store_scale_event(
    cfg: &Config,
    spec: &Spec,
    state: &mut State,
    previous: i32,
    new: i32,
    now: i64,
) {
    let Some(behavior) = &spec.behavior else {
        return;
    };
    if new > previous {
        let longest = Rules::scale_up(behavior.scale_up.as_ref()).longest_policy_period_ms();
        normalize::store_scale_event(&mut state.scale_up_events, longest, new - previous, now);
    } else {
        let rules = Rules::scale_down(
            behavior.scale_down.as_ref(),
            cfg.downscale_stabilization_window_ms,
        );
        normalize::store_scale_event(
            &mut state.scale_down_events,
            rules.longest_policy_period_ms(),
            previous - new,
            now,
        );
    }
}

#[cfg(test)]
mod tests {
    //! Full passes from kubernetes `horizontal_test.go` (`omerap12/kubernetes@060da168`) and the
    //! worked examples of hpa-spec.md.
    use super::*;
    use crate::hpa::calc::{Pod, PodPhase, Sample};
    use crate::hpa::spec::{Behavior, FeatureGates, MetricSpec, Resource, Target};

    fn test_config() -> Config {
        Config {
            cpu_initialization_period_ms: 120_000,
            initial_readiness_delay_ms: 10_000,
            legacy_scale_up_limit_factor: 8.0,
            ..Config::default()
        }
    }

    fn cpu(target: i32) -> MetricSpec {
        MetricSpec::Resource {
            resource: Resource::Cpu,
            target: Target::Utilization(target),
        }
    }

    fn spec(min: i32, max: i32, metrics: Vec<MetricSpec>) -> Spec {
        Spec {
            min_replicas: min,
            max_replicas: max,
            metrics,
            behavior: None,
        }
    }

    fn samples(values: &[i64]) -> Vec<Option<Sample>> {
        values
            .iter()
            .map(|&v| {
                Some(Sample {
                    value_milli: v,
                    timestamp_ms: 0,
                    window_ms: 60_000,
                })
            })
            .collect()
    }

    struct Fixture {
        pods: Vec<Pod>,
        samples: Vec<Option<Sample>>,
        requests: Vec<Option<i64>>,
    }

    fn fixture(levels: &[i64], requests: &[i64]) -> Fixture {
        Fixture {
            pods: vec![Pod::default(); requests.len()],
            samples: samples(levels),
            requests: requests.iter().map(|&r| Some(r)).collect(),
        }
    }

    fn run_one(
        cfg: &Config,
        spec: &Spec,
        f: &Fixture,
        current: i32,
        state: &mut State,
    ) -> (i32, Option<LimitReason>) {
        let inputs = [MetricInput::PerPod {
            samples: &f.samples,
            requests_milli: &f.requests,
        }];
        let obs = Observation {
            scale: Scale {
                spec_replicas: current,
                status_replicas: current,
            },
            pods: Pods::Listed(&f.pods),
            inputs: &inputs,
            now_ms: 0,
        };
        let r = reconcile(cfg, spec, &obs, state);
        (r.desired_replicas, r.limited)
    }

    fn empty_history() -> State {
        State {
            has_history: true,
            ..State::default()
        }
    }

    // TestScaleUp (horizontal_test.go): 3 → 5 at cpu 30 %.
    #[test]
    fn scale_up() {
        let f = fixture(&[300, 500, 700], &[1000; 3]);
        let s = spec(2, 6, vec![cpu(30)]);
        assert_eq!(
            run_one(&test_config(), &s, &f, 3, &mut State::default()).0,
            5
        );
    }

    // TestReplicaLimits "stabilize downscale": the legacy window keeps 4.
    #[test]
    fn stabilize_downscale() {
        let f = fixture(&[50, 50, 50], &[100; 3]);
        let s = spec(1, 5, vec![cpu(100)]);
        let mut state = State {
            has_history: true,
            recommendations: vec![
                Recommendation {
                    replicas: 10,
                    timestamp_ms: -600_000,
                },
                Recommendation {
                    replicas: 4,
                    timestamp_ms: -60_000,
                },
            ],
            ..State::default()
        };
        assert_eq!(run_one(&test_config(), &s, &f, 4, &mut state).0, 4);
    }

    // recordInitialRecommendation: a new HPA cannot scale down during its first window.
    #[test]
    fn initial_recommendation_blocks_first_scale_down() {
        let f = fixture(&[100, 100, 100, 100, 100], &[1000; 5]);
        let s = spec(1, 10, vec![cpu(50)]);
        assert_eq!(
            run_one(&test_config(), &s, &f, 5, &mut State::default()).0,
            5
        );
        assert_eq!(
            run_one(&test_config(), &s, &f, 5, &mut empty_history()).0,
            1
        );
    }

    // TestReplicaLimits "scale down clamped to min replicas".
    #[test]
    fn scale_down_clamped_to_min() {
        let f = fixture(&[10, 95, 10], &[900, 1000, 1100]);
        let s = spec(2, 5, vec![cpu(90)]);
        assert_eq!(
            run_one(&test_config(), &s, &f, 3, &mut empty_history()),
            (2, Some(LimitReason::TooFewReplicas))
        );
    }

    // TestScaleRCImmediately: out-of-range counts are clamped without reading metrics.
    #[test]
    fn out_of_range_is_clamped_immediately() {
        let f = fixture(&[0, 0, 0, 0], &[1000; 4]);
        let s = spec(2, 6, vec![cpu(80)]);
        let mut state = State::default();
        assert_eq!(run_one(&test_config(), &s, &f, 1, &mut state), (2, None));
        assert!(state.metrics.is_empty());
        let f = fixture(&[8000, 9500, 1000], &[900, 1000, 1100]);
        let s = spec(2, 5, vec![cpu(50)]);
        assert_eq!(
            run_one(&test_config(), &s, &f, 6, &mut State::default()),
            (5, None)
        );
    }

    // TestUpscaleCap-like: the legacy path from 1 reaches 4, the default behaviors reach 5.
    #[test]
    fn legacy_four_vs_behavior_five() {
        let cfg = Config::default();
        let f = fixture(&[10_000], &[1000]);
        let mut s = spec(1, 100, vec![cpu(50)]);
        assert_eq!(
            run_one(&cfg, &s, &f, 1, &mut State::default()),
            (4, Some(LimitReason::ScaleUpLimit))
        );
        s.behavior = Some(Behavior::default());
        assert_eq!(
            run_one(&cfg, &s, &f, 1, &mut State::default()),
            (5, Some(LimitReason::ScaleUpLimit))
        );
    }

    // TestNoScaleDownOneMetricEmpty / TestScaleUpOneMetricEmpty: a failing metric blocks a
    // scale-down but not a scale-up.
    #[test]
    fn failing_metric_blocks_scale_down_only() {
        let cfg = test_config();
        let ext = MetricSpec::External {
            name: "qps".into(),
            target: Target::Value(1000),
        };
        let f = fixture(&[100, 300, 500, 250, 250], &[1000; 5]);
        let inputs = [
            MetricInput::PerPod {
                samples: &f.samples,
                requests_milli: &f.requests,
            },
            MetricInput::FetchError,
        ];
        let s = spec(2, 6, vec![cpu(50), ext.clone()]);
        let obs = Observation {
            scale: Scale {
                spec_replicas: 5,
                status_replicas: 5,
            },
            pods: Pods::Listed(&f.pods),
            inputs: &inputs,
            now_ms: 0,
        };
        let mut state = empty_history();
        let r = reconcile(&cfg, &s, &obs, &mut state);
        assert_eq!((r.desired_replicas, r.rescaled), (5, false));
        assert!(matches!(
            r.error,
            Some(ReconcileError::InvalidMetrics {
                index: 1,
                error: MetricError::FetchFailed,
                invalid: 1
            })
        ));
        assert_eq!(r.metrics.len(), 2);

        let f = fixture(&[300, 400, 500], &[1000; 3]);
        let inputs = [
            MetricInput::PerPod {
                samples: &f.samples,
                requests_milli: &f.requests,
            },
            MetricInput::FetchError,
        ];
        let s = spec(2, 6, vec![cpu(30), ext]);
        let obs = Observation {
            scale: Scale {
                spec_replicas: 3,
                status_replicas: 3,
            },
            pods: Pods::Listed(&f.pods),
            inputs: &inputs,
            now_ms: 0,
        };
        let mut state = empty_history();
        let r = reconcile(&cfg, &s, &obs, &mut state);
        assert_eq!((r.desired_replicas, r.rescaled), (4, true));
        assert!(r.error.is_some());
    }

    fn object_spec(min: i32, target: i64) -> Spec {
        spec(
            min,
            6,
            vec![MetricSpec::Object {
                name: "qps".into(),
                target: Target::Value(target),
            }],
        )
    }

    struct Outcome {
        desired_replicas: i32,
        rescaled: bool,
        limited: Option<LimitReason>,
        scaling_disabled: bool,
    }

    fn run_object(cfg: &Config, s: &Spec, value: i64, current: i32, state: &mut State) -> Outcome {
        let pods = vec![Pod::default(); current as usize];
        let inputs = [MetricInput::Object { value_milli: value }];
        let obs = Observation {
            scale: Scale {
                spec_replicas: current,
                status_replicas: current,
            },
            pods: Pods::Listed(&pods),
            inputs: &inputs,
            now_ms: 0,
        };
        let r = reconcile(cfg, s, &obs, state);
        Outcome {
            desired_replicas: r.desired_replicas,
            rescaled: r.rescaled,
            limited: r.limited,
            scaling_disabled: r.scaling_disabled,
        }
    }

    // TestScaleDownCM "scale down to zero object metric with feature gate enabled/disabled".
    #[test]
    fn scale_to_zero_sets_the_condition_with_the_gate() {
        let mut cfg = test_config();
        cfg.gates = FeatureGates {
            scale_to_zero: true,
            ..FeatureGates::default()
        };
        let s = object_spec(0, 20_000);
        let mut state = empty_history();
        assert_eq!(run_object(&cfg, &s, 0, 5, &mut state).desired_replicas, 0);
        assert!(state.conditions.scaled_to_zero);
        // Scale from zero: Object Value from 0 is ceil(ratio).
        let r = run_object(&cfg, &s, 30_000, 0, &mut state);
        assert_eq!(r.desired_replicas, 2);
        assert!(!state.conditions.scaled_to_zero);

        cfg.gates.scale_to_zero = false;
        let mut state = empty_history();
        assert_eq!(run_object(&cfg, &s, 0, 5, &mut state).desired_replicas, 0);
        assert!(!state.conditions.scaled_to_zero);
    }

    // TestScaleUpFromZeroWithoutCondition / TestManualScaleToZeroDisablesHPA.
    #[test]
    fn zero_without_condition_is_disabled() {
        for gate in [true, false] {
            let mut cfg = test_config();
            cfg.gates.scale_to_zero = gate;
            let r = run_object(
                &cfg,
                &object_spec(0, 15_000),
                20_000,
                0,
                &mut State::default(),
            );
            assert!(r.scaling_disabled);
            assert_eq!((r.desired_replicas, r.rescaled), (0, false));
            let r = run_object(
                &cfg,
                &object_spec(1, 15_000),
                20_000,
                0,
                &mut State::default(),
            );
            assert!(r.scaling_disabled);
        }
    }

    // TestScaleUpFromZeroWhenMinReplicasIncreased: gate on → minReplicas; gate off → disabled.
    #[test]
    fn scale_up_from_zero_when_min_increased() {
        let s = object_spec(2, 15_000);
        let mut cfg = test_config();
        cfg.gates.scale_to_zero = true;
        let mut state = State {
            conditions: Conditions {
                scaled_to_zero: true,
            },
            ..State::default()
        };
        let r = run_object(&cfg, &s, 10_000, 0, &mut state);
        assert_eq!(
            (r.desired_replicas, r.limited),
            (2, Some(LimitReason::TooFewReplicas))
        );
        assert!(!state.conditions.scaled_to_zero);
        cfg.gates.scale_to_zero = false;
        let mut state = State {
            conditions: Conditions {
                scaled_to_zero: true,
            },
            ..State::default()
        };
        let r = run_object(&cfg, &s, 10_000, 0, &mut state);
        assert!(r.scaling_disabled);
        assert!(!state.conditions.scaled_to_zero);
    }

    // TestConfigurableTolerance.
    #[test]
    fn configurable_tolerance() {
        use crate::hpa::spec::ScalingRules;
        let f = fixture(&[1010, 1030, 1020], &[900, 1000, 1100]);
        let mut s = spec(1, 5, vec![cpu(100)]);
        s.behavior = Some(Behavior {
            scale_up: Some(ScalingRules {
                tolerance: Some(0.01),
                ..Default::default()
            }),
            scale_down: None,
        });
        let mut cfg = test_config();
        assert_eq!(run_one(&cfg, &s, &f, 3, &mut State::default()).0, 4);
        cfg.gates.configurable_tolerance = false;
        assert_eq!(run_one(&cfg, &s, &f, 3, &mut State::default()).0, 3);
        cfg.gates.configurable_tolerance = true;
        s.behavior = Some(Behavior {
            scale_up: None,
            scale_down: Some(ScalingRules {
                tolerance: Some(0.9),
                ..Default::default()
            }),
        });
        let f = fixture(&[300, 300, 300], &[1000; 3]);
        assert_eq!(run_one(&cfg, &s, &f, 3, &mut empty_history()).0, 3);
    }

    // A rescale with behavior stores the event; the steady state reuses capacity.
    #[test]
    fn events_are_stored_and_storage_stays_bounded() {
        let cfg = Config::default();
        let mut s = spec(1, 100, vec![cpu(50)]);
        s.behavior = Some(Behavior::default());
        let mut state = State::default();
        let pods = vec![Pod::default(); 2];
        let smp = samples(&[1000, 1000]);
        let req = vec![Some(1000); 2];
        let inputs = [MetricInput::PerPod {
            samples: &smp,
            requests_milli: &req,
        }];
        let mut current = 2;
        let mut capacity = [0; 4];
        for tick in 0..2000 {
            let obs = Observation {
                scale: Scale {
                    spec_replicas: current,
                    status_replicas: current,
                },
                pods: Pods::Listed(&pods),
                inputs: &inputs,
                now_ms: tick * 15_000,
            };
            current = reconcile(&cfg, &s, &obs, &mut state).desired_replicas;
            if tick == 0 {
                assert_eq!(current, 4);
                assert_eq!(state.scale_up_events.len(), 1);
            }
            if tick == 100 {
                capacity = capacities(&state);
            }
        }
        assert_eq!(current, 4);
        // 300 s window / 15 s sync: about 21 recommendations are live at any time.
        assert!(
            state.recommendations.len() <= 22,
            "{}",
            state.recommendations.len()
        );
        assert_eq!(capacity, capacities(&state));
    }

    fn capacities(state: &State) -> [usize; 4] {
        [
            state.recommendations.capacity(),
            state.scale_up_events.capacity(),
            state.scale_down_events.capacity(),
            state.metrics.capacity(),
        ]
    }

    // Pending pods with a Pods metric: unready pods dampen a scale-up.
    #[test]
    fn pending_pods_count_as_unready() {
        let cfg = test_config();
        let s = spec(
            1,
            10,
            vec![MetricSpec::Pods {
                name: "qps".into(),
                target: Target::AverageValue(10_000),
            }],
        );
        let mut pods = vec![Pod::default(); 4];
        pods[3].phase = PodPhase::Pending;
        let smp = samples(&[20_000, 20_000, 20_000]);
        let inputs = [MetricInput::PerPod {
            samples: &smp,
            requests_milli: &[],
        }];
        let obs = Observation {
            scale: Scale {
                spec_replicas: 4,
                status_replicas: 4,
            },
            pods: Pods::Listed(&pods),
            inputs: &inputs,
            now_ms: 0,
        };
        // 60000 / 4 entries = 15000 → 1.5 → ceil(6) = 6.
        assert_eq!(
            reconcile(&cfg, &s, &obs, &mut empty_history()).desired_replicas,
            6
        );
    }
}
