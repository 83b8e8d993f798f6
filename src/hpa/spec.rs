//! What the controller is told: its flags ([`Config`], [`FeatureGates`]) and its resolved view of one
//! HPA ([`Spec`]: replica bounds, metric targets, `behavior` rules with the API defaults applied by
//! [`Rules::scale_up`] / [`Rules::scale_down`]).

/// Metrics per HPA the simulation feeds (validation rejects more).
pub const MAX_METRICS: usize = 16;

/// Controller flags of kube-controller-manager, in integer milliseconds.
///
/// `Default` = the production defaults of `RecommendedDefaultHPAControllerConfiguration`
/// (`pkg/controller/podautoscaler/config/v1alpha1/defaults.go`) plus the legacy scale-up limit
/// constants of `horizontal.go` (`scaleUpLimitFactor`, `scaleUpLimitMinimum`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// `--horizontal-pod-autoscaler-tolerance` (both directions unless `behavior` overrides).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period_ms: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub initial_readiness_delay_ms: i64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`.
    pub downscale_stabilization_window_ms: i64,
    /// `scaleUpLimitFactor` of the legacy path (2; Kubernetes' `horizontal_test.go` uses 8).
    pub legacy_scale_up_limit_factor: f64,
    /// `scaleUpLimitMinimum` of the legacy path (4).
    pub legacy_scale_up_limit_minimum: f64,
    /// `--horizontal-pod-autoscaler-sync-period`: how often the simulator should call `reconcile`.
    pub sync_period_ms: i64,
    /// Feature gates of the controller process.
    pub gates: FeatureGates,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tolerance: 0.1,
            cpu_initialization_period_ms: 300_000,
            initial_readiness_delay_ms: 30_000,
            downscale_stabilization_window_ms: 300_000,
            legacy_scale_up_limit_factor: 2.0,
            legacy_scale_up_limit_minimum: 4.0,
            sync_period_ms: 15_000,
            gates: FeatureGates::default(),
        }
    }
}

/// The feature gates the controller reads (`utilfeature.DefaultFeatureGate.Enabled(...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureGates {
    /// `HPAScaleToZero` (alpha, off by default).
    pub scale_to_zero: bool,
    /// `HPAConfigurableTolerance` (beta, on by default).
    pub configurable_tolerance: bool,
}

impl Default for FeatureGates {
    fn default() -> Self {
        FeatureGates {
            scale_to_zero: false,
            configurable_tolerance: true,
        }
    }
}

/// The controller's resolved view of one HPA (`spec` after API defaulting).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// `spec.minReplicas` (the API default is 1).
    pub min_replicas: i32,
    /// `spec.maxReplicas`.
    pub max_replicas: i32,
    /// `spec.metrics`, in order; the observations passed to `reconcile` are aligned by index.
    pub metrics: Vec<MetricSpec>,
    /// `spec.behavior`; `None` takes the legacy path (`normalizeDesiredReplicas`).
    pub behavior: Option<Behavior>,
}

/// One entry of `spec.metrics`.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricSpec {
    /// `type: Resource` (metrics.k8s.io, summed over the pod's containers).
    Resource { resource: Resource, target: Target },
    /// `type: ContainerResource`: the same computation on one container's usage and request.
    ContainerResource {
        resource: Resource,
        container: String,
        target: Target,
    },
    /// `type: Pods` (custom.metrics.k8s.io, one value per pod); target must be `AverageValue`.
    Pods { name: String, target: Target },
    /// `type: Object` (one value describing one object); `Value` or `AverageValue`.
    Object { name: String, target: Target },
    /// `type: External` (external.metrics.k8s.io, summed over series); `Value` or `AverageValue`.
    External { name: String, target: Target },
}

impl MetricSpec {
    /// The target of this metric.
    pub fn target(&self) -> Target {
        match self {
            MetricSpec::Resource { target, .. }
            | MetricSpec::ContainerResource { target, .. }
            | MetricSpec::Pods { target, .. }
            | MetricSpec::Object { target, .. }
            | MetricSpec::External { target, .. } => *target,
        }
    }

    /// Whether this is an Object or External metric (`hasObjectOrExternalMetrics`).
    pub fn is_object_or_external(&self) -> bool {
        matches!(
            self,
            MetricSpec::Object { .. } | MetricSpec::External { .. }
        )
    }
}

/// A resource name of a `Resource` metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `cpu`: the only resource with the readiness rules of `groupPods`.
    Cpu,
    /// `memory`.
    Memory,
    /// Any other resource name.
    Other(String),
}

impl Resource {
    /// Parse a Kubernetes resource name.
    pub fn from_name(name: &str) -> Resource {
        match name {
            "cpu" => Resource::Cpu,
            "memory" => Resource::Memory,
            other => Resource::Other(other.to_string()),
        }
    }

    /// The Kubernetes resource name.
    pub fn name(&self) -> &str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
            Resource::Other(name) => name,
        }
    }
}

/// `MetricTarget`: exactly one of the three target kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `averageUtilization`, integer percent of the request.
    Utilization(i32),
    /// `averageValue`, milli-units per pod.
    AverageValue(i64),
    /// `value`, milli-units in total.
    Value(i64),
}

/// `spec.behavior`; a `None` direction gets that direction's API defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Behavior {
    pub scale_up: Option<ScalingRules>,
    pub scale_down: Option<ScalingRules>,
}

/// `HPAScalingRules` as written by the user: every `None` field takes its API default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`, in ms.
    pub stabilization_window_ms: Option<i64>,
    /// `selectPolicy`.
    pub select_policy: Option<SelectPolicy>,
    /// `policies`; a user list replaces the whole default list.
    pub policies: Option<Vec<Policy>>,
    /// `tolerance` (read only with the `HPAConfigurableTolerance` gate).
    pub tolerance: Option<f64>,
}

/// `HPAScalingPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub kind: PolicyKind,
    /// `value`: pods, or percent of the replicas at the start of the period.
    pub value: i32,
    /// `periodSeconds`, in ms.
    pub period_ms: i64,
}

/// `HPAScalingPolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Pods,
    Percent,
}

/// `ScalingPolicySelect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelectPolicy {
    /// The policy allowing the largest change (the default).
    #[default]
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// `HPAScalingRules` after defaulting: what the normalization functions read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules<'a> {
    pub stabilization_window_ms: i64,
    pub select_policy: SelectPolicy,
    pub policies: &'a [Policy],
    pub tolerance: Option<f64>,
}

/// Default scale-up policies: 4 pods or 100 % per 15 s (`defaultHPAScaleUpRules`).
pub static DEFAULT_SCALE_UP_POLICIES: [Policy; 2] = [
    Policy {
        kind: PolicyKind::Pods,
        value: 4,
        period_ms: 15_000,
    },
    Policy {
        kind: PolicyKind::Percent,
        value: 100,
        period_ms: 15_000,
    },
];

/// Default scale-down policies: 100 % per 15 s (`defaultHPAScaleDownRules`).
pub static DEFAULT_SCALE_DOWN_POLICIES: [Policy; 1] = [Policy {
    kind: PolicyKind::Percent,
    value: 100,
    period_ms: 15_000,
}];

impl<'a> Rules<'a> {
    /// `GenerateHPAScaleUpRules` + `copyHPAScalingRules`: the user's fields over the defaults
    /// (window 0, `Max`, 4 pods / 100 % per 15 s), field by field.
    pub fn scale_up(user: Option<&'a ScalingRules>) -> Rules<'a> {
        let defaults = Rules {
            stabilization_window_ms: 0,
            select_policy: SelectPolicy::Max,
            policies: &DEFAULT_SCALE_UP_POLICIES,
            tolerance: None,
        };
        defaults.overlay(user)
    }

    /// `GenerateHPAScaleDownRules` + `maybeInitScaleDownStabilizationWindow`: the user's fields
    /// over the defaults (`Max`, 100 % per 15 s); a missing window takes the controller's
    /// `--horizontal-pod-autoscaler-downscale-stabilization`, truncated to whole seconds as Go's
    /// `int32(window.Seconds())` does.
    pub fn scale_down(user: Option<&'a ScalingRules>, downscale_window_ms: i64) -> Rules<'a> {
        let defaults = Rules {
            stabilization_window_ms: downscale_window_ms / 1000 * 1000,
            select_policy: SelectPolicy::Max,
            policies: &DEFAULT_SCALE_DOWN_POLICIES,
            tolerance: None,
        };
        defaults.overlay(user)
    }

    /// `copyHPAScalingRules(from, to)`.
    fn overlay(mut self, user: Option<&'a ScalingRules>) -> Rules<'a> {
        if let Some(user) = user {
            if let Some(window) = user.stabilization_window_ms {
                self.stabilization_window_ms = window;
            }
            if let Some(select) = user.select_policy {
                self.select_policy = select;
            }
            if let Some(policies) = &user.policies {
                self.policies = policies;
            }
            if user.tolerance.is_some() {
                self.tolerance = user.tolerance;
            }
        }
        self
    }

    /// `getLongestPolicyPeriod`.
    pub fn longest_policy_period_ms(&self) -> i64 {
        self.policies.iter().map(|p| p.period_ms).fold(0, i64::max)
    }
}

/// Scale-up and scale-down tolerances around a usage ratio of 1 (`Tolerances`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    pub scale_down: f64,
    pub scale_up: f64,
}

impl Tolerances {
    /// The same tolerance in both directions.
    pub fn both(tolerance: f64) -> Tolerances {
        Tolerances {
            scale_down: tolerance,
            scale_up: tolerance,
        }
    }

    /// `Tolerances.isWithin`: `1 - down <= ratio <= 1 + up`, both bounds inclusive.
    #[inline]
    pub fn is_within(&self, usage_ratio: f64) -> bool {
        (1.0 - self.scale_down) <= usage_ratio && usage_ratio <= (1.0 + self.scale_up)
    }

    /// `tolerancesForHpa`: the controller flag in both directions, replaced per direction by
    /// `behavior.scale{Up,Down}.tolerance` when the `HPAConfigurableTolerance` gate is on.
    pub fn for_hpa(cfg: &Config, behavior: Option<&Behavior>) -> Tolerances {
        let mut t = Tolerances::both(cfg.tolerance);
        let Some(behavior) = behavior else { return t };
        if !cfg.gates.configurable_tolerance {
            return t;
        }
        if let Some(down) = behavior.scale_down.as_ref().and_then(|r| r.tolerance) {
            t.scale_down = down;
        }
        if let Some(up) = behavior.scale_up.as_ref().and_then(|r| r.tolerance) {
            t.scale_up = up;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // pkg/apis/autoscaling/v2/defaults.go: per-field merge in copyHPAScalingRules.
    #[test]
    fn rules_merge_per_field() {
        let user = ScalingRules {
            select_policy: Some(SelectPolicy::Min),
            ..Default::default()
        };
        let up = Rules::scale_up(Some(&user));
        assert_eq!(up.select_policy, SelectPolicy::Min);
        assert_eq!(up.policies, &DEFAULT_SCALE_UP_POLICIES);
        assert_eq!(up.stabilization_window_ms, 0);

        let down = Rules::scale_down(None, 300_000);
        assert_eq!(down.stabilization_window_ms, 300_000);
        assert_eq!(down.policies, &DEFAULT_SCALE_DOWN_POLICIES);

        let user = ScalingRules {
            stabilization_window_ms: Some(60_000),
            ..Default::default()
        };
        assert_eq!(
            Rules::scale_down(Some(&user), 300_000).stabilization_window_ms,
            60_000
        );
        // maybeInitScaleDownStabilizationWindow: int32(window.Seconds()) truncates.
        assert_eq!(
            Rules::scale_down(None, 1_500).stabilization_window_ms,
            1_000
        );
    }

    #[test]
    fn user_policies_replace_the_default_list() {
        let user = ScalingRules {
            policies: Some(vec![Policy {
                kind: PolicyKind::Pods,
                value: 1,
                period_ms: 60_000,
            }]),
            ..Default::default()
        };
        let up = Rules::scale_up(Some(&user));
        assert_eq!(up.policies.len(), 1);
        assert_eq!(up.longest_policy_period_ms(), 60_000);
    }

    // TestTolerancesForHpa-like: the gate decides whether behavior tolerances are read.
    #[test]
    fn tolerances_for_hpa_respects_the_gate() {
        let behavior = Behavior {
            scale_up: Some(ScalingRules {
                tolerance: Some(0.01),
                ..Default::default()
            }),
            scale_down: None,
        };
        let mut cfg = Config::default();
        let t = Tolerances::for_hpa(&cfg, Some(&behavior));
        assert_eq!(
            t,
            Tolerances {
                scale_down: 0.1,
                scale_up: 0.01
            }
        );
        cfg.gates.configurable_tolerance = false;
        assert_eq!(
            Tolerances::for_hpa(&cfg, Some(&behavior)),
            Tolerances::both(0.1)
        );
        assert_eq!(
            Tolerances::for_hpa(&Config::default(), None),
            Tolerances::both(0.1)
        );
    }

    #[test]
    fn is_within_is_inclusive() {
        let t = Tolerances::both(0.1);
        assert!(t.is_within(1.1));
        assert!(t.is_within(0.9));
        assert!(!t.is_within(1.1000001));
        assert!(!t.is_within(f64::NAN));
    }
}
