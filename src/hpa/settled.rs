//! One controller pass specialised, once per HPA, for the simulation's usual sync: every pod Ready
//! and past the CPU initialization period, every per-pod metric sampled for every pod, and
//! `spec.replicas` already inside `[minReplicas, maxReplicas]` (99.9 % of a year's syncs).
//!
//! [`reconcile`](super::reconcile::reconcile) stays the reference and this pass calls the same
//! functions for everything but one step: whether a Resource or Pods metric is within tolerance.
//! Go computes `ratio = util / target` (or `average / target`) and compares it with
//! `1 ± tolerance`; since the division is monotone in `util`, the values within tolerance are one
//! interval of integers, found once per HPA by evaluating Go's own test ([`Tolerances::is_within`])
//! at its ends. The pass then compares `util × requests` with the interval's ends instead of
//! dividing, and divides only when the metric is outside tolerance. No status is built (the
//! caller reads the CPU totals it passed in). Tests run both passes on the same syncs.

use super::calc::{self, CalcEnv, MetricInput, Pods, Scale};
use super::normalize::{self, RateLimitArgs};
use super::reconcile::State;
use super::spec::{Config, MetricSpec, Rules, Spec, Target, Tolerances};

/// What the caller observed for one metric of `spec.metrics`, in the same order.
#[derive(Debug, Clone, Copy)]
pub enum Observed {
    /// A Resource or Pods metric: how many pods have a sample, the sum of their samples, and
    /// the per-pod request (Resource metrics; `None` for Pods metrics or a missing request).
    Totals {
        sampled: usize,
        usage_total_milli: i128,
        request_milli: Option<i64>,
    },
    /// An Object metric's value.
    Object { value_milli: i64 },
    /// An External metric's single series value.
    External { value_milli: i64 },
}

/// The integers `x` whose ratio `x / target` is within tolerance: `lo ..= hi`, with
/// `hi_plus_1 = None` when the interval reaches the top of the domain (no upper check).
#[derive(Debug, Clone, Copy)]
struct Within {
    lo: i64,
    hi_plus_1: Option<i64>,
}

impl Within {
    /// The interval for `ratio(x) = x as f64 / target as f64` over `0 ..= top`, by bisection on
    /// Go's own comparison (both ends of the tolerance are monotone in `x`).
    fn find(tol: Tolerances, target: f64, top: i64) -> Within {
        let ratio = |x: i64| x as f64 / target;
        // The first x with 1 − down ≤ ratio(x).
        let lo = first_true(top, |x| (1.0 - tol.scale_down) <= ratio(x));
        // The first x with ratio(x) > 1 + up (top + 1 if none).
        let past = first_true(top, |x| ratio(x) > (1.0 + tol.scale_up));
        Within {
            lo,
            hi_plus_1: (past <= top).then_some(past),
        }
    }

    /// Whether `floor(num / den)` (`num ≥ 0`, `den > 0`) lies in the interval, without dividing;
    /// `None` if a product overflows 64 bits (the caller then takes the general pass).
    #[inline]
    fn holds(&self, num: i64, den: i64) -> Option<bool> {
        let above_lo = num >= self.lo.checked_mul(den)?;
        let below_hi = match self.hi_plus_1 {
            Some(h) => num < h.checked_mul(den)?,
            None => true,
        };
        Some(above_lo && below_hi)
    }
}

/// The smallest `x` in `0 ..= top` with `pred(x)` (`top + 1` if none), `pred` monotone.
fn first_true(top: i64, pred: impl Fn(i64) -> bool) -> i64 {
    let (mut lo, mut hi) = (0i64, top.saturating_add(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) { hi = mid } else { lo = mid + 1 }
    }
    lo
}

/// How one metric is decided on this path.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Resource `Utilization`: `floor(usage × 100 / (n × request))` against the interval.
    Utilization { target: i32, within: Within },
    /// Resource or Pods `AverageValue`: `floor(usage / n)` against the interval.
    Average { target: i64, within: Within },
    /// External `AverageValue`: `GetExternalPerPodMetricReplicas` on the one series.
    ExternalAverage { target: i64 },
    /// Other Object / External targets: the general calculator (no pods involved).
    General,
}

/// One HPA's pass for settled syncs (see the module doc).
#[derive(Debug, Clone)]
pub struct SettledPlan {
    cfg: Config,
    spec: Spec,
    rules: Vec<Rule>,
    tolerances: Tolerances,
    up_window_ms: i64,
    down_window_ms: i64,
    has_object_or_external: bool,
}

/// What the pass decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettledOutcome {
    /// The count written to the scale subresource, or the current count.
    pub desired_replicas: i32,
    /// Whether the scale was written.
    pub rescaled: bool,
}

impl SettledPlan {
    /// The plan for one HPA under one controller config; `None` where this path never applies
    /// (no metrics, a target this pass does not handle, a non-positive target).
    pub fn new(cfg: &Config, spec: &Spec) -> Option<SettledPlan> {
        if spec.metrics.is_empty() || spec.metrics.len() > super::MAX_METRICS {
            return None;
        }
        let tolerances = Tolerances::for_hpa(cfg, spec.behavior.as_ref());
        let mut rules = Vec::with_capacity(spec.metrics.len());
        for m in &spec.metrics {
            rules.push(match m {
                MetricSpec::Resource { target, .. }
                | MetricSpec::ContainerResource { target, .. } => match *target {
                    Target::Utilization(u) if u > 0 => Rule::Utilization {
                        target: u,
                        within: Within::find(tolerances, u as f64, i64::from(i32::MAX)),
                    },
                    Target::AverageValue(t) if t > 0 => Rule::Average {
                        target: t,
                        within: Within::find(tolerances, t as f64, i64::MAX),
                    },
                    _ => return None,
                },
                MetricSpec::Pods {
                    target: Target::AverageValue(t),
                    ..
                } if *t > 0 => Rule::Average {
                    target: *t,
                    within: Within::find(tolerances, *t as f64, i64::MAX),
                },
                MetricSpec::Pods { .. } => return None,
                MetricSpec::External {
                    target: Target::AverageValue(t),
                    ..
                } => Rule::ExternalAverage { target: *t },
                MetricSpec::Object { .. } | MetricSpec::External { .. } => Rule::General,
            });
        }
        let (up_window_ms, down_window_ms) = match &spec.behavior {
            None => (0, cfg.downscale_stabilization_window_ms),
            Some(b) => (
                Rules::scale_up(b.scale_up.as_ref()).stabilization_window_ms,
                Rules::scale_down(b.scale_down.as_ref(), cfg.downscale_stabilization_window_ms)
                    .stabilization_window_ms,
            ),
        };
        Some(SettledPlan {
            cfg: *cfg,
            spec: spec.clone(),
            rules,
            tolerances,
            up_window_ms,
            down_window_ms,
            has_object_or_external: spec.metrics.iter().any(|m| m.is_object_or_external()),
        })
    }

    /// One pass over `n` settled pods with `spec.replicas == current` (`status.replicas == n`).
    /// `None` (nothing changed) where the general pass must run instead: no history yet,
    /// `current` outside `[min, max]` or 0, no pods, a pod without a sample, a missing request, a
    /// negative or out-of-range total, or a failing Object/External metric.
    pub fn sync(
        &self,
        state: &mut State,
        current: i32,
        n: usize,
        observed: &[Observed],
        now_ms: i64,
    ) -> Option<SettledOutcome> {
        let spec = &self.spec;
        let (min, max) = (spec.min_replicas, spec.max_replicas);
        if !state.has_history
            || current == 0
            || current < min
            || current > max
            || n == 0
            || observed.len() != self.rules.len()
        {
            return None;
        }
        let ready = i64::try_from(n).ok()?;
        let mut replicas = 0;
        for (i, (rule, obs)) in self.rules.iter().zip(observed).enumerate() {
            let proposal = match (rule, *obs) {
                (
                    &Rule::Utilization { target, within },
                    Observed::Totals {
                        sampled,
                        usage_total_milli,
                        request_milli: Some(request),
                    },
                ) if sampled == n => {
                    // 64-bit products (the general pass works in 128 bits): totals that do not
                    // fit take the general pass.
                    let usage = i64::try_from(usage_total_milli).ok()?;
                    let request_total = ready.checked_mul(request)?;
                    if usage < 0 || request_total <= 0 {
                        return None;
                    }
                    if within.holds(usage.checked_mul(100)?, request_total)? {
                        current
                    } else {
                        let util =
                            calc::utilization_percent(i128::from(usage), i128::from(request_total));
                        calc::ceil_to_i32(util as f64 / target as f64 * n as f64)
                    }
                }
                (
                    &Rule::Average { target, within },
                    Observed::Totals {
                        sampled,
                        usage_total_milli,
                        ..
                    },
                ) if sampled == n => {
                    let usage = i64::try_from(usage_total_milli).ok()?;
                    if usage < 0 {
                        return None;
                    }
                    if within.holds(usage, ready)? {
                        current
                    } else {
                        let avg = usage / ready;
                        calc::ceil_to_i32(avg as f64 / target as f64 * n as f64)
                    }
                }
                (&Rule::ExternalAverage { target }, Observed::External { value_milli }) => {
                    let usage = calc::external_per_pod_usage_sum(&[value_milli]);
                    calc::per_pod_metric_replicas(self.tolerances, n as i32, target, usage, true)
                        .replicas
                }
                (Rule::General, obs) => {
                    let values;
                    let input = match obs {
                        Observed::Object { value_milli } => MetricInput::Object { value_milli },
                        Observed::External { value_milli } => {
                            values = [value_milli];
                            MetricInput::External {
                                values_milli: &values,
                            }
                        }
                        Observed::Totals { .. } => return None,
                    };
                    let env = CalcEnv {
                        tolerances: self.tolerances,
                        cpu_initialization_period_ms: self.cfg.cpu_initialization_period_ms,
                        initial_readiness_delay_ms: self.cfg.initial_readiness_delay_ms,
                        now_ms,
                    };
                    let scale = Scale {
                        spec_replicas: current,
                        status_replicas: n as i32,
                    };
                    calc::replica_calc(&env, &spec.metrics[i], scale, Pods::Settled(n), input)
                        .ok()?
                        .replicas
                }
                _ => return None,
            };
            if replicas == 0 || proposal > replicas {
                replicas = proposal;
            }
        }
        let prenormalized = replicas.max(0);
        let windows = state.windows.as_mut()?;
        let desired = match &spec.behavior {
            None => {
                let stabilized =
                    windows.legacy_stabilize(prenormalized, self.down_window_ms, now_ms);
                normalize::legacy_rules(&self.cfg, current, stabilized, min, max).0
            }
            Some(behavior) => {
                let stabilized = windows.stabilize(
                    current,
                    prenormalized,
                    self.up_window_ms,
                    self.down_window_ms,
                    now_ms,
                );
                // rate_limit's answer without the event scans where the bound decides: at
                // min (max) no scale-down (-up) limit can go below (above) the bound itself.
                if stabilized == current
                    || (stabilized < current && current == min)
                    || (stabilized > current && current == max)
                {
                    current
                } else {
                    let up = Rules::scale_up(behavior.scale_up.as_ref());
                    let down = Rules::scale_down(
                        behavior.scale_down.as_ref(),
                        self.cfg.downscale_stabilization_window_ms,
                    );
                    normalize::rate_limit(&RateLimitArgs {
                        current,
                        desired: stabilized,
                        min,
                        max,
                        scale_up: &up,
                        scale_down: &down,
                        up_events: &state.scale_up_events,
                        down_events: &state.scale_down_events,
                        now_ms,
                    })
                    .0
                }
            }
        };
        // The statuses of the last general pass no longer describe this one.
        state.clear_metric_statuses();
        let rescaled = desired != current;
        if rescaled {
            super::reconcile::store_scale_event(&self.cfg, spec, state, current, desired, now_ms);
            state.conditions.scaled_to_zero = self.cfg.gates.scale_to_zero
                && desired == 0
                && min == 0
                && self.has_object_or_external;
        }
        Some(SettledOutcome {
            desired_replicas: desired,
            rescaled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpa::reconcile::{Observation, reconcile};
    use crate::hpa::spec::{Behavior, Policy, PolicyKind, Resource, ScalingRules, SelectPolicy};
    use rand::{Rng, RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};

    fn utilization(resource: Resource, u: i32) -> MetricSpec {
        MetricSpec::Resource {
            resource,
            target: Target::Utilization(u),
        }
    }

    fn average(t: i64) -> MetricSpec {
        MetricSpec::Pods {
            name: "requests_per_second".into(),
            target: Target::AverageValue(t),
        }
    }

    fn rules(window_s: i64, policies: Vec<Policy>, tolerance: Option<f64>) -> ScalingRules {
        ScalingRules {
            stabilization_window_ms: Some(window_s * 1000),
            select_policy: Some(SelectPolicy::Max),
            policies: Some(policies),
            tolerance,
        }
    }

    fn policy(kind: PolicyKind, value: i32, period_s: i64) -> Policy {
        Policy {
            kind,
            value,
            period_ms: period_s * 1000,
        }
    }

    /// The HPAs the pass must decide exactly as `reconcile` does: the bundled plan's three
    /// (legacy with three metrics; External + cpu; cpu with behavior), configurable
    /// tolerances, an Object `Value` target (through the general calculator), Resource
    /// `AverageValue`, minReplicas 1 and odd targets.
    fn specs() -> Vec<Spec> {
        let behavior = Behavior {
            scale_up: Some(rules(
                0,
                vec![
                    policy(PolicyKind::Pods, 4, 15),
                    policy(PolicyKind::Percent, 100, 15),
                ],
                None,
            )),
            scale_down: Some(rules(600, vec![policy(PolicyKind::Percent, 20, 60)], None)),
        };
        let tolerant = Behavior {
            scale_up: Some(rules(60, vec![policy(PolicyKind::Pods, 2, 30)], Some(0.03))),
            scale_down: Some(rules(
                120,
                vec![policy(PolicyKind::Pods, 1, 45)],
                Some(0.25),
            )),
        };
        vec![
            Spec {
                min_replicas: 3,
                max_replicas: 20,
                metrics: vec![
                    utilization(Resource::Cpu, 70),
                    utilization(Resource::Memory, 80),
                    average(100_000),
                ],
                behavior: None,
            },
            Spec {
                min_replicas: 2,
                max_replicas: 15,
                metrics: vec![
                    MetricSpec::External {
                        name: "requests_per_second".into(),
                        target: Target::AverageValue(500_000),
                    },
                    utilization(Resource::Cpu, 70),
                ],
                behavior: None,
            },
            Spec {
                min_replicas: 2,
                max_replicas: 30,
                metrics: vec![utilization(Resource::Cpu, 60)],
                behavior: Some(behavior),
            },
            Spec {
                min_replicas: 1,
                max_replicas: 9,
                metrics: vec![
                    utilization(Resource::Cpu, 33),
                    MetricSpec::Object {
                        name: "inflight_requests".into(),
                        target: Target::Value(7_000),
                    },
                    MetricSpec::Resource {
                        resource: Resource::Memory,
                        target: Target::AverageValue(1_500_000_000),
                    },
                ],
                behavior: Some(tolerant),
            },
        ]
    }

    /// A total of `n` pods' samples whose per-pod value is `per_pod` (`regime` × target, a few
    /// units off), often exactly on the integer the controller's division gives, sometimes one
    /// above or below it: the ends of the tolerance interval are hit exactly.
    fn total(rng: &mut impl Rng, per_pod: f64, n: usize) -> i128 {
        let whole = (per_pod as i64 + rng.random_range(-2..=2)).max(0);
        let offset = [0, 0, 0, 1, -1, n as i64 - 1][rng.random_range(0..6usize)];
        (i128::from(whole) * n as i128 + i128::from(offset)).max(0)
    }

    /// Random settled syncs of each spec through both passes, each HPA with its own state:
    /// the same decision at every sync, and the same controller memory at the end.
    #[test]
    fn settled_pass_decides_as_reconcile() {
        let cfg = Config::default();
        let (cpu_request, mem_request) = (500i64, 2_000_000_000_000i64);
        let mut fast_syncs = 0;
        for (k, spec) in specs().iter().enumerate() {
            let plan = SettledPlan::new(&cfg, spec).expect("every metric kind is handled");
            for seed in 0..40u64 {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed * 10 + k as u64);
                let (mut reference, mut settled) = (State::windowed(), State::windowed());
                let mut current = spec.min_replicas;
                let mut now = 0i64;
                // Load regimes that last minutes (so windows fill and policies bind), around
                // and at the ends of the tolerance.
                let regimes = [
                    0.3, 0.5, 0.89, 0.9, 0.91, 0.97, 1.0, 1.03, 1.09, 1.1, 1.11, 1.6, 2.5,
                ];
                let mut regime = 1.0;
                for step in 0..1_500 {
                    now += 15_000;
                    if rng.random_bool(0.03) {
                        regime = regimes[rng.random_range(0..regimes.len())];
                    }
                    // Mostly the pods the scale asks for; sometimes a few more or fewer.
                    let n = match rng.random_range(0..10) {
                        0 => (current + 1) as usize,
                        1 => (current - 1).max(1) as usize,
                        _ => current.max(1) as usize,
                    };
                    let mut observed = Vec::new();
                    let mut values = Vec::new();
                    for m in &spec.metrics {
                        let (obs, value) = match m {
                            MetricSpec::Resource {
                                resource,
                                target: Target::Utilization(u),
                            } => {
                                let request = if *resource == Resource::Cpu {
                                    cpu_request
                                } else {
                                    mem_request
                                };
                                // usage = util % × n × request / 100, exactly for whole util.
                                let util = total(&mut rng, f64::from(*u) * regime, n);
                                let usage = util * i128::from(request) / 100;
                                (
                                    Observed::Totals {
                                        sampled: n,
                                        usage_total_milli: usage,
                                        request_milli: Some(request),
                                    },
                                    0,
                                )
                            }
                            MetricSpec::Resource {
                                target: Target::AverageValue(t),
                                ..
                            }
                            | MetricSpec::Pods {
                                target: Target::AverageValue(t),
                                ..
                            } => {
                                let usage = total(&mut rng, *t as f64 * regime, n);
                                (
                                    Observed::Totals {
                                        sampled: n,
                                        usage_total_milli: usage,
                                        request_milli: None,
                                    },
                                    0,
                                )
                            }
                            MetricSpec::External { target, .. }
                            | MetricSpec::Object { target, .. } => {
                                let t = match *target {
                                    Target::AverageValue(t) | Target::Value(t) => t,
                                    Target::Utilization(_) => unreachable!(),
                                };
                                let v = total(&mut rng, t as f64 * regime, n) as i64;
                                let obs = if matches!(m, MetricSpec::Object { .. }) {
                                    Observed::Object { value_milli: v }
                                } else {
                                    Observed::External { value_milli: v }
                                };
                                (obs, v)
                            }
                            _ => unreachable!(),
                        };
                        observed.push(obs);
                        values.push([value]);
                    }
                    let inputs: Vec<MetricInput<'_>> = observed
                        .iter()
                        .zip(&values)
                        .map(|(o, v)| match *o {
                            Observed::Totals {
                                sampled,
                                usage_total_milli,
                                request_milli,
                            } => MetricInput::Totals {
                                sampled,
                                usage_total_milli,
                                request_milli,
                            },
                            Observed::Object { value_milli } => MetricInput::Object { value_milli },
                            Observed::External { .. } => MetricInput::External { values_milli: v },
                        })
                        .collect();
                    let obs = Observation {
                        scale: Scale {
                            spec_replicas: current,
                            status_replicas: n as i32,
                        },
                        pods: Pods::Settled(n),
                        inputs: &inputs,
                        now_ms: now,
                    };
                    let want = reconcile(&cfg, spec, &obs, &mut reference);
                    let (want_desired, want_rescaled) = (want.desired_replicas, want.rescaled);
                    let got = match plan.sync(&mut settled, current, n, &observed, now) {
                        Some(out) => {
                            fast_syncs += 1;
                            (out.desired_replicas, out.rescaled)
                        }
                        None => {
                            let r = reconcile(&cfg, spec, &obs, &mut settled);
                            (r.desired_replicas, r.rescaled)
                        }
                    };
                    assert_eq!(
                        got,
                        (want_desired, want_rescaled),
                        "spec {k}, seed {seed}, step {step}"
                    );
                    current = want_desired;
                }
                assert_eq!(reference.scale_up_events, settled.scale_up_events);
                assert_eq!(reference.scale_down_events, settled.scale_down_events);
                assert_eq!(reference.conditions, settled.conditions);
            }
        }
        // The pass must actually have run (not fallen back every time).
        assert!(fast_syncs > 200_000, "{fast_syncs} settled passes");
    }

    /// The tolerance interval is Go's comparison, end to end: every integer inside is within,
    /// the neighbours outside are not.
    #[test]
    fn within_interval_matches_go_comparison() {
        for (down, up, target) in [
            (0.1, 0.1, 70.0),
            (0.1, 0.1, 60.0),
            (0.03, 0.25, 33.0),
            (0.0, 0.0, 100_000.0),
            (0.1, 0.1, 1_500_000_000.0),
            (1.5, 0.1, 7.0),
        ] {
            let tol = Tolerances {
                scale_down: down,
                scale_up: up,
            };
            let w = Within::find(tol, target, i64::from(i32::MAX));
            let hi = w.hi_plus_1.expect("bounded") - 1;
            for x in [w.lo - 1, w.lo, hi, hi + 1] {
                if x < 0 {
                    continue;
                }
                let inside = (w.lo..=hi).contains(&x);
                assert_eq!(
                    tol.is_within(x as f64 / target),
                    inside,
                    "x {x}, target {target}"
                );
                // floor(num / 7) == x at both ends of the remainders.
                assert_eq!(w.holds(x * 7, 7), Some(inside));
                assert_eq!(w.holds(x * 7 + 6, 7), Some(inside));
            }
        }
    }
}
