//! The Kubernetes HorizontalPodAutoscaler controller (autoscaling/v2) as pure functions.
//!
//! A transcription of `pkg/controller/podautoscaler/horizontal.go` and `replica_calculator.go`
//! (Kubernetes master of 2026, with the scale-to-zero rework of PR #135118); every function
//! names its Go counterpart. See `docs/hpa.md` for what is modelled and the deviations, and
//! `shared/reference/hpa-spec.md` for the algorithm rule by rule.
//!
//! ```text
//! reconcile(cfg, spec, observation, &mut state)          reconcileAutoscaler
//!   ├─ current == 0 / > max / < min                       (no metrics read)
//!   ├─ calc::replica_calc per metric → max                computeReplicasForMetrics
//!   ├─ behavior == None: legacy_stabilize + legacy_rules   normalizeDesiredReplicas
//!   │  behavior != None: stabilize + rate_limit            normalizeDesiredReplicasWithBehaviors
//!   └─ rescale: store_scale_event, ScaledToZero            storeScaleEvent
//! ```
//!
//! The hot path ([`reconcile`]) allocates nothing in the steady state: observations are borrowed
//! slices aligned by index with the pods, and the controller's memory ([`State`]) reuses its
//! vectors. [`cases`] reads the JSON conformance cases of `capsim hpa eval`.

pub mod calc;
pub mod cases;
pub mod normalize;
pub mod reconcile;
pub mod settled;
pub mod spec;
pub mod window;

pub use calc::{
    CalcEnv, LONG_AGO_MS, MetricError, MetricInput, MetricProposal, Pod, PodPhase, Pods, Sample,
    Scale, replica_calc,
};
pub use normalize::{
    LimitReason, RateLimitArgs, Recommendation, ScaleEvent, legacy_rules, legacy_stabilize,
    rate_limit, scale_down_limit, scale_up_limit, stabilize, store_scale_event,
};
pub use reconcile::{
    Conditions, MetricStatus, Observation, ReconcileError, Reconciliation, State, reconcile,
};
pub use settled::{Observed, SettledOutcome, SettledPlan};
pub use spec::{
    Behavior, Config, FeatureGates, MAX_METRICS, MetricSpec, Policy, PolicyKind, Resource, Rules,
    ScalingRules, SelectPolicy, Spec, Target, Tolerances,
};
