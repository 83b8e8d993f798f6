//! The replica calculator (`replica_calculator.go`): one metric's replica proposal from the pods
//! and their samples — `groupPods`, the Resource/Pods two-pass unready/missing logic, and the
//! Object/External Value and AverageValue rules.
//!
//! Everything here is allocation-free: per-pod observations are slices aligned by index with the
//! pods slice, and pod classes are recomputed on each pass instead of being collected into sets.

use super::spec::{MetricSpec, Resource, Target, Tolerances};

/// "Infinitely long ago" on the `now_ms` clock (Go's zero `time.Time` for unset timestamps).
pub const LONG_AGO_MS: i64 = -1_000_000_000_000;

/// `pod.Status.Phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PodPhase {
    Pending,
    #[default]
    Running,
    Succeeded,
    Failed,
}

/// What the controller reads of a pod. Times are absolute ms on the same clock as `now_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pod {
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// Status of the `Ready` condition; `None` = the pod has no `Ready` condition.
    pub ready: Option<bool>,
    /// `status.startTime`; `None` = not set.
    pub start_time_ms: Option<i64>,
    /// `lastTransitionTime` of the `Ready` condition; `None` = zero time (long ago).
    pub ready_transition_ms: Option<i64>,
}

impl Default for Pod {
    /// A Running, Ready pod that started and became ready long ago.
    fn default() -> Self {
        Pod {
            phase: PodPhase::Running,
            deleting: false,
            ready: Some(true),
            start_time_ms: Some(LONG_AGO_MS),
            ready_transition_ms: Some(LONG_AGO_MS),
        }
    }
}

impl Pod {
    /// `podutil.IsPodTerminal`: Failed or Succeeded.
    pub fn is_terminal(&self) -> bool {
        matches!(self.phase, PodPhase::Failed | PodPhase::Succeeded)
    }

    /// The condition the counting of `getReadyPodsCount` uses: Running and `IsPodReady`.
    pub fn is_running_and_ready(&self) -> bool {
        self.phase == PodPhase::Running && self.ready == Some(true)
    }
}

/// One pod's sample from a metrics API (`metricsclient.PodMetric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// The value in milli-units (`Quantity.MilliValue()`); for Resource metrics the sum over the
    /// containers (or the one container of a ContainerResource metric).
    pub value_milli: i64,
    /// When the sample was taken (metrics-server: end of its window).
    pub timestamp_ms: i64,
    /// The window the sample averages over (metrics-server default: 60 s).
    pub window_ms: i64,
}

/// The pods the selector returns, as the calculators read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pods<'a> {
    /// Each pod as it is (the general case, and every conformance case).
    Listed(&'a [Pod]),
    /// `n` pods that `groupPods` and `getReadyPodsCount` cannot tell from [`Pod::default()`]:
    /// Running, Ready, not being deleted, and started at or before `now − cpuInitializationPeriod`
    /// (so no CPU readiness rule applies). A steady Deployment looks like this at almost every
    /// sync; it lets the caller pass per-metric [`MetricInput::Totals`] instead of per-pod slices,
    /// which makes a sync O(1) in the pods. `Settled(n)` ≡ `Listed(&[Pod::default(); n])`
    /// (tested against the conformance cases).
    Settled(usize),
}

impl Pods<'_> {
    /// `getReadyPodsCount`: Running and Ready pods; an error when the selector returns none.
    pub fn ready_count(&self) -> Result<usize, MetricError> {
        match *self {
            Pods::Listed(pods) => ready_pods_count(pods),
            Pods::Settled(0) => Err(MetricError::NoPods),
            Pods::Settled(n) => Ok(n),
        }
    }
}

/// What the metrics APIs returned for one metric of `spec.metrics`, aligned by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricInput<'a> {
    /// Resource / ContainerResource / Pods metrics: one optional sample and one optional request
    /// per pod, aligned by index with the pods slice (`None` sample = no metric for the pod;
    /// `None` request = the pod has no request for the resource). Requests are read only for
    /// `Utilization` targets.
    PerPod {
        samples: &'a [Option<Sample>],
        requests_milli: &'a [Option<i64>],
    },
    /// Resource / ContainerResource / Pods metrics over [`Pods::Settled`] pods: how many of
    /// them have a sample, the sum of those samples, and the request every pod of the Deployment
    /// has (`None` = no request). Any other pods view is an [`MetricError::InputMismatch`].
    Totals {
        sampled: usize,
        usage_total_milli: i128,
        request_milli: Option<i64>,
    },
    /// An Object metric's value.
    Object { value_milli: i64 },
    /// An External metric's series.
    External { values_milli: &'a [i64] },
    /// The metrics API call failed.
    FetchError,
}

/// A successful proposal, with the values the controller writes to `status.currentMetrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricProposal {
    /// `replicaCountProposal`.
    pub replicas: i32,
    /// `currentMetrics[].current.averageUtilization` (Resource Utilization targets only).
    pub utilization_percent: Option<i32>,
    /// The other current value: the raw per-pod average (Resource, Pods, Object/External
    /// AverageValue) or the total (Object/External Value), in milli-units.
    pub value_milli: i64,
}

/// Why a metric produced no proposal (the metric then counts as invalid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricError {
    /// The metrics API call failed.
    FetchFailed,
    /// "no pods returned by selector while calculating replica count".
    NoPods,
    /// "did not receive metrics for targeted pods (pods might be unready)".
    NoMetricsForReadyPods,
    /// "missing request for <resource>" (`calculateRequests`).
    MissingRequest,
    /// "no metrics returned matched known pods" (Σ request is 0).
    NoMatchingMetrics,
    /// The target kind does not fit the metric type (e.g. a `Value` target on a Resource metric).
    InvalidTarget,
    /// The observation kind does not fit the metric type (e.g. `Object` input for a Pods metric).
    InputMismatch,
}

impl std::fmt::Display for MetricError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MetricError::FetchFailed => "unable to get metrics (metrics API error)",
            MetricError::NoPods => "no pods returned by selector while calculating replica count",
            MetricError::NoMetricsForReadyPods => {
                "did not receive metrics for targeted pods (pods might be unready)"
            }
            MetricError::MissingRequest => "missing request for the resource in a pod",
            MetricError::NoMatchingMetrics => "no metrics returned matched known pods",
            MetricError::InvalidTarget => "invalid metric source: unsupported target type",
            MetricError::InputMismatch => "observation kind does not fit the metric type",
        })
    }
}

/// The readiness flags and clock `groupPods` and the calculators read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalcEnv {
    pub tolerances: Tolerances,
    pub cpu_initialization_period_ms: i64,
    pub initial_readiness_delay_ms: i64,
    pub now_ms: i64,
}

/// The replica counts of the scale subresource: `spec.replicas` and `status.replicas`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub spec_replicas: i32,
    pub status_replicas: i32,
}

/// The group `groupPods` puts one pod in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PodClass {
    /// Has a sample and counts (`readyPodCount`).
    Ready,
    /// Pending, or (cpu only) not ready / initializing: left out, re-added at 0 on scale-up.
    Unready,
    /// Not Pending and no sample: filled in on the second pass.
    Missing,
    /// Being deleted, or terminal (Failed / Succeeded): left out entirely.
    Ignored,
}

/// Counts of the [`PodClass`]es the calculators read (the sizes of `groupPods`' sets; ignored
/// pods are only left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PodGroups {
    ready: usize,
    unready: usize,
    missing: usize,
}

/// One pod's class in `groupPods(pods, metrics, resource, cpuInitializationPeriod,
/// delayOfInitialReadinessStatus)`. `cpu_rules` is `resource == v1.ResourceCPU`.
fn classify_pod(pod: &Pod, sample: Option<&Sample>, cpu_rules: bool, env: &CalcEnv) -> PodClass {
    if pod.deleting || pod.is_terminal() {
        return PodClass::Ignored;
    }
    if pod.phase == PodPhase::Pending {
        return PodClass::Unready;
    }
    let Some(sample) = sample else {
        return PodClass::Missing;
    };
    if cpu_rules {
        let unready = match (pod.ready, pod.start_time_ms) {
            (None, _) | (_, None) => true,
            (Some(ready), Some(start)) => {
                let transition = pod.ready_transition_ms.unwrap_or(LONG_AGO_MS);
                if start + env.cpu_initialization_period_ms > env.now_ms {
                    // Still initializing: ignore the sample if unready, or if one full metric
                    // window has not passed since the last readiness transition.
                    !ready || sample.timestamp_ms < transition + sample.window_ms
                } else {
                    // Unready and never became ready.
                    !ready && start + env.initial_readiness_delay_ms > transition
                }
            }
        };
        if unready {
            return PodClass::Unready;
        }
    }
    PodClass::Ready
}

/// `groupPods` and the first pass over the ready pods in one loop, so that on the common path each
/// pod is classified once: the groups, Σ sample and Σ request (0 where missing) of the ready pods.
fn group_and_sum(
    pods: &[Pod],
    samples: &[Option<Sample>],
    requests_milli: &[Option<i64>],
    cpu_rules: bool,
    env: &CalcEnv,
) -> (PodGroups, i128, i128) {
    let mut groups = PodGroups::default();
    let (mut usage, mut request) = (0i128, 0i128);
    for (i, pod) in pods.iter().enumerate() {
        let sample = sample_at(samples, i);
        match classify_pod(pod, sample, cpu_rules, env) {
            PodClass::Ready => {
                groups.ready += 1;
                usage += sample.map_or(0, |s| s.value_milli) as i128;
                request += requests_milli.get(i).copied().flatten().unwrap_or(0) as i128;
            }
            PodClass::Unready => groups.unready += 1,
            PodClass::Missing => groups.missing += 1,
            PodClass::Ignored => {}
        }
    }
    (groups, usage, request)
}

fn sample_at(samples: &[Option<Sample>], i: usize) -> Option<&Sample> {
    samples.get(i).and_then(|s| s.as_ref())
}

#[inline]
pub fn ceil_to_i32(x: f64) -> i32 {
    // Go's int32(math.Ceil(x)); Rust saturates where Go's conversion is undefined. Written out
    // because `f64::ceil` is a library call on baseline x86-64, and this runs millions of times
    // per simulated year; it equals `x.ceil() as i32` for every input, NaN and ±∞ included.
    let t = x as i64;
    let c = if (t as f64) < x {
        t.saturating_add(1)
    } else {
        t
    };
    c.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// `a / b` with an i64 fast path: the sums fit in i64 in practice (Go uses int64), and i128
/// division is a slow library call on x86-64. `b` is never 0 or -1 here.
#[inline]
fn div128(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) if y > 0 => i128::from(x / y),
        _ => a / b,
    }
}

/// One metric's proposal (`computeReplicasForMetric` → `computeStatusFor*Metric` → the
/// `ReplicaCalculator.Get*Replicas` function for the metric and target type).
///
/// Resource, ContainerResource and Pods metrics and Object/External `Value` targets use
/// `scale.spec_replicas`; Object/External `AverageValue` targets use `scale.status_replicas`.
pub fn replica_calc(
    env: &CalcEnv,
    metric: &MetricSpec,
    scale: Scale,
    pods: Pods<'_>,
    input: MetricInput<'_>,
) -> Result<MetricProposal, MetricError> {
    let current = scale.spec_replicas;
    match (input, metric) {
        (MetricInput::FetchError, _) => Err(MetricError::FetchFailed),
        (
            MetricInput::PerPod {
                samples,
                requests_milli,
            },
            _,
        ) => match pods {
            Pods::Listed(pods) => per_pod_replicas(
                env,
                metric,
                current,
                PerPod::Listed {
                    pods,
                    samples,
                    requests_milli,
                },
            ),
            Pods::Settled(_) => Err(MetricError::InputMismatch),
        },
        (
            MetricInput::Totals {
                sampled,
                usage_total_milli,
                request_milli,
            },
            _,
        ) => match pods {
            Pods::Settled(n) if sampled <= n => per_pod_replicas(
                env,
                metric,
                current,
                PerPod::Settled {
                    n,
                    sampled,
                    usage_total: usage_total_milli,
                    request: request_milli,
                },
            ),
            _ => Err(MetricError::InputMismatch),
        },
        (MetricInput::Object { value_milli }, MetricSpec::Object { target, .. }) => match *target {
            Target::Value(t) => object_replicas(env, current, t, value_milli, pods.ready_count()),
            Target::AverageValue(t) => Ok(per_pod_metric_replicas(
                env.tolerances,
                scale.status_replicas,
                t,
                value_milli,
                false,
            )),
            Target::Utilization(_) => Err(MetricError::InvalidTarget),
        },
        (MetricInput::External { values_milli }, MetricSpec::External { target, .. }) => {
            match *target {
                Target::AverageValue(t) => {
                    let usage = external_per_pod_usage_sum(values_milli);
                    Ok(per_pod_metric_replicas(
                        env.tolerances,
                        scale.status_replicas,
                        t,
                        usage,
                        true,
                    ))
                }
                Target::Value(t) => {
                    let usage = external_usage_sum(values_milli);
                    external_replicas(env, current, t, usage, pods.ready_count())
                }
                Target::Utilization(_) => Err(MetricError::InvalidTarget),
            }
        }
        _ => Err(MetricError::InputMismatch),
    }
}

/// A Resource, ContainerResource or Pods metric over its per-pod observations.
#[inline]
fn per_pod_replicas(
    env: &CalcEnv,
    metric: &MetricSpec,
    current: i32,
    per_pod: PerPod<'_>,
) -> Result<MetricProposal, MetricError> {
    match metric {
        MetricSpec::Resource { resource, target }
        | MetricSpec::ContainerResource {
            resource, target, ..
        } => {
            let cpu = *resource == Resource::Cpu;
            match *target {
                Target::AverageValue(t) => plain_replicas(env, current, t, cpu, per_pod),
                Target::Utilization(u) => utilization_replicas(env, current, u, cpu, per_pod),
                Target::Value(_) => Err(MetricError::InvalidTarget),
            }
        }
        MetricSpec::Pods { target, .. } => match *target {
            Target::AverageValue(t) => plain_replicas(env, current, t, false, per_pod),
            _ => Err(MetricError::InvalidTarget),
        },
        MetricSpec::Object { .. } | MetricSpec::External { .. } => Err(MetricError::InputMismatch),
    }
}

/// The common case of [`replica_calc`] on its shortest path: settled pods, every one sampled,
/// no second pass. `None` where anything else applies (missing samples or requests, an error,
/// an Object/External metric): the caller then runs [`replica_calc`]. The same helpers as the
/// general path, without its checks for cases that cannot occur here; the settled-case tests
/// hold it to the general path.
#[inline]
pub fn settled_proposal(
    env: &CalcEnv,
    metric: &MetricSpec,
    current: i32,
    n: usize,
    input: &MetricInput<'_>,
) -> Option<MetricProposal> {
    let MetricInput::Totals {
        sampled,
        usage_total_milli: usage,
        request_milli,
    } = *input
    else {
        return None;
    };
    if sampled != n || n == 0 {
        return None;
    }
    let ready = n as i128;
    let (ratio, utilization, value) = match metric {
        MetricSpec::Resource { target, .. } | MetricSpec::ContainerResource { target, .. } => {
            match *target {
                Target::Utilization(u) => {
                    let request_total = ready * i128::from(request_milli?);
                    if request_total == 0 {
                        return None;
                    }
                    let util = utilization_percent(usage, request_total);
                    (
                        util as f64 / u as f64,
                        Some(util),
                        div128(usage, ready) as i64,
                    )
                }
                Target::AverageValue(t) => {
                    let avg = div128(usage, ready) as i64;
                    (avg as f64 / t as f64, None, avg)
                }
                Target::Value(_) => return None,
            }
        }
        MetricSpec::Pods {
            target: Target::AverageValue(t),
            ..
        } => {
            let avg = div128(usage, ready) as i64;
            (avg as f64 / *t as f64, None, avg)
        }
        _ => return None,
    };
    Some(MetricProposal {
        replicas: first_pass_replicas(env.tolerances, current, ratio, n),
        utilization_percent: utilization,
        value_milli: value,
    })
}

/// The end of the first pass when no pod is missing or unready: `current` within tolerance,
/// else `ceil(ratio × ready)`.
#[inline]
fn first_pass_replicas(tol: Tolerances, current: i32, usage_ratio: f64, ready: usize) -> i32 {
    if tol.is_within(usage_ratio) {
        current
    } else {
        ceil_to_i32(usage_ratio * ready as f64)
    }
}

/// A Resource or Pods metric's per-pod observations, listed pod by pod or as settled totals.
#[derive(Debug, Clone, Copy)]
enum PerPod<'a> {
    Listed {
        pods: &'a [Pod],
        samples: &'a [Option<Sample>],
        requests_milli: &'a [Option<i64>],
    },
    /// `n` settled pods, `sampled` of them with a sample summing to `usage_total`, each with the
    /// same `request`: groupPods puts the sampled ones in the ready set and the rest in the
    /// missing set.
    Settled {
        n: usize,
        sampled: usize,
        usage_total: i128,
        request: Option<i64>,
    },
}

impl PerPod<'_> {
    #[inline]
    fn is_empty(&self) -> bool {
        match *self {
            PerPod::Listed { pods, .. } => pods.is_empty(),
            PerPod::Settled { n, .. } => n == 0,
        }
    }

    /// `groupPods` and the first pass: the groups, Σ sample and Σ request of the ready pods.
    #[inline]
    fn first_pass(&self, cpu_rules: bool, env: &CalcEnv) -> (PodGroups, i128, i128) {
        match *self {
            PerPod::Listed {
                pods,
                samples,
                requests_milli,
            } => group_and_sum(pods, samples, requests_milli, cpu_rules, env),
            PerPod::Settled {
                n,
                sampled,
                usage_total,
                request,
            } => (
                PodGroups {
                    ready: sampled,
                    unready: 0,
                    missing: n - sampled,
                },
                usage_total,
                sampled as i128 * i128::from(request.unwrap_or(0)),
            ),
        }
    }

    /// `calculateRequests`: every pod the selector returns needs a request.
    #[inline]
    fn any_request_missing(&self) -> bool {
        match *self {
            PerPod::Listed {
                pods,
                requests_milli,
                ..
            } => (0..pods.len()).any(|i| requests_milli.get(i).copied().flatten().is_none()),
            PerPod::Settled { request, .. } => request.is_none(),
        }
    }

    /// The second pass of `GetResourceReplicas`: what the missing pods (direction-dependent)
    /// and, on a scale-up with unready pods, the unready pods add to (Σ usage, Σ request,
    /// entries).
    fn resource_second_pass(
        &self,
        usage_ratio: f64,
        scale_up_with_unready: bool,
        fallback_utilization: i128,
        cpu_rules: bool,
        env: &CalcEnv,
    ) -> (i128, i128, usize) {
        let (mut usage, mut request, mut entries) = (0i128, 0i128, 0usize);
        match *self {
            PerPod::Listed {
                pods,
                samples,
                requests_milli,
            } => {
                let req = |i: usize| requests_milli[i].unwrap_or(0) as i128;
                for (i, pod) in pods.iter().enumerate() {
                    match classify_pod(pod, sample_at(samples, i), cpu_rules, env) {
                        PodClass::Missing if usage_ratio < 1.0 => {
                            // On a scale-down, a missing pod uses max(100 %, target) of its request.
                            usage += req(i) * fallback_utilization / 100;
                            request += req(i);
                            entries += 1;
                        }
                        PodClass::Missing if usage_ratio > 1.0 => {
                            request += req(i);
                            entries += 1;
                        }
                        PodClass::Unready if scale_up_with_unready => {
                            request += req(i);
                            entries += 1;
                        }
                        _ => {}
                    }
                }
            }
            PerPod::Settled {
                n,
                sampled,
                request: req,
                ..
            } => {
                // Settled pods are never unready; each missing one counts as on the list above.
                let missing = n - sampled;
                let req = i128::from(req.unwrap_or(0));
                if usage_ratio < 1.0 {
                    usage = missing as i128 * (req * fallback_utilization / 100);
                }
                // Missing pods count on either side of 1, never at 1 nor for a NaN ratio.
                if usage_ratio.partial_cmp(&1.0).is_some_and(|o| o.is_ne()) {
                    request = missing as i128 * req;
                    entries = missing;
                }
            }
        }
        (usage, request, entries)
    }
}

/// `GetResourceReplicas` + `calculateRequests` + `GetResourceUtilizationRatio`: a Resource
/// (or ContainerResource) metric with a `Utilization` target.
///
/// Requests are needed for every pod the selector returns (ignored and unready pods included);
/// one missing request makes the metric invalid, as in `calculateRequests`.
pub fn resource_replicas(
    env: &CalcEnv,
    current: i32,
    target_utilization: i32,
    cpu: bool,
    pods: &[Pod],
    samples: &[Option<Sample>],
    requests_milli: &[Option<i64>],
) -> Result<MetricProposal, MetricError> {
    let per_pod = PerPod::Listed {
        pods,
        samples,
        requests_milli,
    };
    utilization_replicas(env, current, target_utilization, cpu, per_pod)
}

#[inline]
fn utilization_replicas(
    env: &CalcEnv,
    current: i32,
    target_utilization: i32,
    cpu: bool,
    per_pod: PerPod<'_>,
) -> Result<MetricProposal, MetricError> {
    if per_pod.is_empty() {
        return Err(MetricError::NoPods);
    }
    // First pass (with groupPods): the ready pods only.
    let (groups, mut usage_total, mut request_total) = per_pod.first_pass(cpu, env);
    if groups.ready == 0 {
        return Err(MetricError::NoMetricsForReadyPods);
    }
    if per_pod.any_request_missing() {
        return Err(MetricError::MissingRequest);
    }
    if request_total == 0 {
        return Err(MetricError::NoMatchingMetrics);
    }
    let utilization = utilization_percent(usage_total, request_total);
    let raw_average = div128(usage_total, groups.ready as i128) as i64;
    let usage_ratio = utilization as f64 / target_utilization as f64;
    let proposal = |replicas| MetricProposal {
        replicas,
        utilization_percent: Some(utilization),
        value_milli: raw_average,
    };

    let scale_up_with_unready = groups.unready > 0 && usage_ratio > 1.0;
    if !scale_up_with_unready && groups.missing == 0 {
        return Ok(proposal(first_pass_replicas(
            env.tolerances,
            current,
            usage_ratio,
            groups.ready,
        )));
    }

    // Second pass: fill in the missing pods (direction-dependent) and, on a scale-up, the
    // unready pods at 0.
    let fallback_utilization = i128::from(target_utilization.max(100));
    let (usage_add, request_add, entries_add) = per_pod.resource_second_pass(
        usage_ratio,
        scale_up_with_unready,
        fallback_utilization,
        cpu,
        env,
    );
    usage_total += usage_add;
    request_total += request_add;
    let entries = groups.ready + entries_add;
    if request_total == 0 {
        return Err(MetricError::NoMatchingMetrics);
    }
    let new_usage_ratio =
        utilization_percent(usage_total, request_total) as f64 / target_utilization as f64;
    Ok(proposal(second_pass_replicas(
        env.tolerances,
        current,
        usage_ratio,
        new_usage_ratio,
        entries,
    )))
}

/// `int32((metricsTotal * 100) / requestsTotal)`.
#[inline]
pub fn utilization_percent(usage_total: i128, request_total: i128) -> i32 {
    div128(usage_total * 100, request_total).clamp(i32::MIN as i128, i32::MAX as i128) as i32
}

/// The end of the two-pass logic shared by `GetResourceReplicas` and `calcPlainMetricReplicas`:
/// keep `current` when the new ratio is within tolerance or flips direction, or when the
/// recomputed count would move against the ratio's direction.
fn second_pass_replicas(
    tol: Tolerances,
    current: i32,
    usage_ratio: f64,
    new_usage_ratio: f64,
    entries: usize,
) -> i32 {
    if tol.is_within(new_usage_ratio)
        || (usage_ratio < 1.0 && new_usage_ratio > 1.0)
        || (usage_ratio > 1.0 && new_usage_ratio < 1.0)
    {
        return current;
    }
    let new_replicas = ceil_to_i32(new_usage_ratio * entries as f64);
    if (new_usage_ratio < 1.0 && new_replicas > current)
        || (new_usage_ratio > 1.0 && new_replicas < current)
    {
        return current;
    }
    new_replicas
}

/// `GetRawResourceReplicas`: a Resource metric with an `AverageValue` target
/// (`calcPlainMetricReplicas` with the cpu readiness rules when the resource is cpu).
pub fn raw_resource_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    cpu: bool,
    pods: &[Pod],
    samples: &[Option<Sample>],
) -> Result<MetricProposal, MetricError> {
    plain_metric_replicas(env, current, target_milli, cpu, pods, samples)
}

/// `GetMetricReplicas`: a Pods metric (`AverageValue` target), no readiness rules.
pub fn metric_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    pods: &[Pod],
    samples: &[Option<Sample>],
) -> Result<MetricProposal, MetricError> {
    plain_metric_replicas(env, current, target_milli, false, pods, samples)
}

/// `calcPlainMetricReplicas` + `GetMetricUsageRatio`: `usage = Σvalue / n` (integer division),
/// `ratio = usage / target`; on a scale-down a missing pod counts as exactly `target`.
pub fn plain_metric_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    cpu: bool,
    pods: &[Pod],
    samples: &[Option<Sample>],
) -> Result<MetricProposal, MetricError> {
    let per_pod = PerPod::Listed {
        pods,
        samples,
        requests_milli: &[],
    };
    plain_replicas(env, current, target_milli, cpu, per_pod)
}

#[inline]
fn plain_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    cpu: bool,
    per_pod: PerPod<'_>,
) -> Result<MetricProposal, MetricError> {
    if per_pod.is_empty() {
        return Err(MetricError::NoPods);
    }
    let (groups, mut total, _) = per_pod.first_pass(cpu, env);
    if groups.ready == 0 {
        return Err(MetricError::NoMetricsForReadyPods);
    }
    let usage = div128(total, groups.ready as i128) as i64;
    let usage_ratio = usage as f64 / target_milli as f64;
    let proposal = |replicas| MetricProposal {
        replicas,
        utilization_percent: None,
        value_milli: usage,
    };

    let scale_up_with_unready = groups.unready > 0 && usage_ratio > 1.0;
    if !scale_up_with_unready && groups.missing == 0 {
        return Ok(proposal(first_pass_replicas(
            env.tolerances,
            current,
            usage_ratio,
            groups.ready,
        )));
    }

    let mut entries = groups.ready;
    if groups.missing > 0 {
        if usage_ratio < 1.0 {
            total += i128::from(target_milli) * groups.missing as i128;
            entries += groups.missing;
        } else if usage_ratio > 1.0 {
            entries += groups.missing;
        }
    }
    if scale_up_with_unready {
        entries += groups.unready;
    }
    let new_usage = div128(total, entries as i128) as i64;
    let new_usage_ratio = new_usage as f64 / target_milli as f64;
    Ok(proposal(second_pass_replicas(
        env.tolerances,
        current,
        usage_ratio,
        new_usage_ratio,
        entries,
    )))
}

/// `GetObjectMetricReplicas`: an Object metric with a `Value` target.
pub fn object_metric_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    value_milli: i64,
    pods: &[Pod],
) -> Result<MetricProposal, MetricError> {
    object_replicas(
        env,
        current,
        target_milli,
        value_milli,
        ready_pods_count(pods),
    )
}

/// [`object_metric_replicas`] given `getReadyPodsCount`'s answer.
fn object_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    value_milli: i64,
    ready: Result<usize, MetricError>,
) -> Result<MetricProposal, MetricError> {
    let usage_ratio = value_milli as f64 / target_milli as f64;
    let replicas = usage_ratio_replicas(env.tolerances, current, usage_ratio, ready)?;
    Ok(MetricProposal {
        replicas,
        utilization_percent: None,
        value_milli,
    })
}

/// `GetExternalMetricReplicas`: an External metric with a `Value` target (`usage` = the capped
/// sum of the series, see [`external_usage_sum`]).
pub fn external_metric_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    usage_milli: i64,
    pods: &[Pod],
) -> Result<MetricProposal, MetricError> {
    external_replicas(
        env,
        current,
        target_milli,
        usage_milli,
        ready_pods_count(pods),
    )
}

/// [`external_metric_replicas`] given `getReadyPodsCount`'s answer.
fn external_replicas(
    env: &CalcEnv,
    current: i32,
    target_milli: i64,
    usage_milli: i64,
    ready: Result<usize, MetricError>,
) -> Result<MetricProposal, MetricError> {
    let usage_ratio = usage_milli as f64 / target_milli as f64;
    let replicas = usage_ratio_replicas(env.tolerances, current, usage_ratio, ready)?;
    Ok(MetricProposal {
        replicas,
        utilization_percent: None,
        value_milli: usage_milli,
    })
}

/// `getUsageRatioReplicaCount`: with `current != 0`, `current` within tolerance, else
/// `ceil(ratio × Running&Ready pods)` capped at `MaxInt32`; with `current == 0`, `ceil(ratio)`
/// with no tolerance (scale from zero).
pub fn usage_ratio_replica_count(
    tol: Tolerances,
    current: i32,
    usage_ratio: f64,
    pods: &[Pod],
) -> Result<i32, MetricError> {
    usage_ratio_replicas(tol, current, usage_ratio, ready_pods_count(pods))
}

/// [`usage_ratio_replica_count`] given `getReadyPodsCount`'s answer (read only when needed,
/// as in Go: an empty pod list is an error only outside the tolerance).
fn usage_ratio_replicas(
    tol: Tolerances,
    current: i32,
    usage_ratio: f64,
    ready: Result<usize, MetricError>,
) -> Result<i32, MetricError> {
    if current == 0 {
        return Ok(ceil_to_i32(usage_ratio));
    }
    if tol.is_within(usage_ratio) {
        return Ok(current);
    }
    let ready = ready?;
    let replicas = usage_ratio * ready as f64;
    if replicas > i32::MAX as f64 {
        return Ok(i32::MAX);
    }
    Ok(ceil_to_i32(replicas))
}

/// `getReadyPodsCount`: pods with phase Running and the Ready condition True (pods being
/// deleted included); an error when the selector returns no pods.
pub fn ready_pods_count(pods: &[Pod]) -> Result<usize, MetricError> {
    if pods.is_empty() {
        return Err(MetricError::NoPods);
    }
    Ok(pods.iter().filter(|p| p.is_running_and_ready()).count())
}

/// `GetObjectPerPodMetricReplicas` / `GetExternalPerPodMetricReplicas`: `status_replicas`
/// unless `usage / (target × status)` is outside tolerance, then `ceil(usage / target)`.
/// The reported value is `getPerPodUsage(usage, status)`. `cap` = the External variant's
/// explicit `MaxInt32` cap (the Object variant converts directly; Rust saturates both).
pub fn per_pod_metric_replicas(
    tol: Tolerances,
    status_replicas: i32,
    target_milli: i64,
    usage_milli: i64,
    cap: bool,
) -> MetricProposal {
    let mut replicas = status_replicas;
    let usage_ratio = usage_milli as f64 / (target_milli as f64 * status_replicas as f64);
    if !tol.is_within(usage_ratio) {
        let count = (usage_milli as f64 / target_milli as f64).ceil();
        replicas = if cap && count > i32::MAX as f64 {
            i32::MAX
        } else {
            count as i32
        };
    }
    MetricProposal {
        replicas,
        utilization_percent: None,
        value_milli: per_pod_usage(usage_milli, status_replicas),
    }
}

/// `getPerPodUsage`: `ceil(usage / status)`, `MaxInt64` on overflow, 0 with no replicas.
pub fn per_pod_usage(usage_milli: i64, status_replicas: i32) -> i64 {
    if usage_milli as f64 >= i64::MAX as f64 {
        return i64::MAX;
    }
    if status_replicas == 0 {
        return 0;
    }
    (usage_milli as f64 / status_replicas as f64).ceil() as i64
}

/// The usage sum of `GetExternalMetricReplicas`: positive overflow caps at `MaxInt64`.
pub fn external_usage_sum(values_milli: &[i64]) -> i64 {
    let mut usage: i64 = 0;
    for &v in values_milli {
        if v > 0 && usage > i64::MAX - v {
            return i64::MAX;
        }
        usage = usage.wrapping_add(v);
    }
    usage
}

/// The usage sum of `GetExternalPerPodMetricReplicas`: a negative running sum is taken as an
/// overflow and caps at `MaxInt64`.
pub fn external_per_pod_usage_sum(values_milli: &[i64]) -> i64 {
    let mut usage: i64 = 0;
    for &v in values_milli {
        usage = usage.wrapping_add(v);
        if usage < 0 {
            return i64::MAX;
        }
    }
    usage
}

#[cfg(test)]
mod fast_math_tests {
    use super::*;

    #[test]
    fn ceil_to_i32_matches_the_library_ceil() {
        for x in [
            0.0,
            -0.0,
            0.5,
            1.0,
            1.0000001,
            -1.5,
            -2.0,
            2.9999999,
            1e12,
            -1e12,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4.000000000000001,
        ] {
            assert_eq!(ceil_to_i32(x), x.ceil() as i32, "{x}");
        }
    }

    #[test]
    fn div128_matches_i128_division() {
        for (a, b) in [
            (7i128, 2i128),
            (-7, 2),
            (i128::from(i64::MAX) * 4, 3),
            (0, 5),
            (99, 100),
        ] {
            assert_eq!(div128(a, b), a / b);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Cases from kubernetes `replica_calculator_test.go` (`omerap12/kubernetes@fb6d0a38`; the
    //! Go fixtures give each pod two containers with the same request and usage, which leaves
    //! every ratio unchanged and doubles the raw values) and `horizontal_test.go`.
    use super::*;

    const NOW: i64 = 0;
    /// `coolCPUCreationTime()`: 3 minutes ago (past the 2 min testing init period).
    const COOL: i64 = NOW - 180_000;
    /// `hotCPUCreationTime()`: now.
    const HOT: i64 = NOW;

    /// `defaultTestingCPUInitializationPeriod` = 2 min, `...DelayOfInitialReadinessStatus` = 10 s.
    fn env() -> CalcEnv {
        CalcEnv {
            tolerances: Tolerances::both(0.1),
            cpu_initialization_period_ms: 120_000,
            initial_readiness_delay_ms: 10_000,
            now_ms: NOW,
        }
    }

    fn pod() -> Pod {
        Pod::default()
    }

    fn pods(n: usize) -> Vec<Pod> {
        vec![pod(); n]
    }

    /// `buildFakePod`: start time (default zero), Ready condition with a zero transition time.
    fn pod_with(ready: bool, start: i64) -> Pod {
        Pod {
            ready: Some(ready),
            start_time_ms: Some(start),
            ready_transition_ms: Some(LONG_AGO_MS),
            ..pod()
        }
    }

    /// The fake metrics client's samples: timestamp = the fixture's (zero) time, 1 min window.
    fn samples(values: &[i64], n: usize) -> Vec<Option<Sample>> {
        (0..n)
            .map(|i| {
                values.get(i).map(|&v| Sample {
                    value_milli: v,
                    timestamp_ms: LONG_AGO_MS,
                    window_ms: 60_000,
                })
            })
            .collect()
    }

    fn requests(values: &[i64]) -> Vec<Option<i64>> {
        values.iter().map(|&v| Some(v)).collect()
    }

    fn resource(
        pods: &[Pod],
        levels: &[i64],
        reqs: &[i64],
        target: i32,
        current: i32,
    ) -> Result<MetricProposal, MetricError> {
        resource_replicas(
            &env(),
            current,
            target,
            true,
            pods,
            &samples(levels, pods.len()),
            &requests(reqs),
        )
    }

    fn ok(replicas: i32, util: i32, raw: i64) -> Result<MetricProposal, MetricError> {
        Ok(MetricProposal {
            replicas,
            utilization_percent: Some(util),
            value_milli: raw,
        })
    }

    // TestReplicaCalcResourceScale "scale up".
    #[test]
    fn resource_scale_up() {
        assert_eq!(
            resource(&pods(3), &[300, 500, 700], &[1000; 3], 30, 3),
            ok(5, 50, 500)
        );
    }

    // TestReplicaCalcResourceScale "scale up: unready pod scales less".
    #[test]
    fn resource_scale_up_unready_pod_scales_less() {
        let p = [pod_with(false, LONG_AGO_MS), pod(), pod()];
        assert_eq!(
            resource(&p, &[300, 500, 700], &[1000; 3], 30, 3),
            ok(4, 60, 600)
        );
    }

    // TestReplicaCalcResourceScale "scale up: hot-CPU pod scales less".
    #[test]
    fn resource_scale_up_hot_cpu_pod_scales_less() {
        let p = [
            pod_with(true, HOT),
            pod_with(true, COOL),
            pod_with(true, COOL),
        ];
        assert_eq!(
            resource(&p, &[300, 500, 700], &[1000; 3], 30, 3),
            ok(4, 60, 600)
        );
    }

    // TestReplicaCalcResourceScale "no scale: unready pods ignored" / "no scale: hot-CPU pods ignored".
    #[test]
    fn resource_no_scale_unready_pods_ignored() {
        let p = [
            pod(),
            pod_with(false, LONG_AGO_MS),
            pod_with(false, LONG_AGO_MS),
        ];
        assert_eq!(
            resource(&p, &[400, 500, 700], &[1000; 3], 30, 3),
            ok(3, 40, 400)
        );
        let p = [
            pod_with(true, COOL),
            pod_with(false, HOT),
            pod_with(false, HOT),
        ];
        assert_eq!(
            resource(&p, &[400, 500, 700], &[1000; 3], 30, 3),
            ok(3, 40, 400)
        );
    }

    // TestReplicaCalcResourceScale "scale up: failed pods ignored" / "pods being deleted are ignored".
    #[test]
    fn resource_failed_and_deleted_pods_ignored() {
        let failed = Pod {
            phase: PodPhase::Failed,
            ready: Some(false),
            ..pod()
        };
        let p = [pod(), pod(), failed, failed];
        assert_eq!(resource(&p, &[500, 700], &[1000; 4], 30, 2), ok(4, 60, 600));
        let deleting = Pod {
            deleting: true,
            ready: Some(false),
            ..pod()
        };
        let p = [pod(), pod(), deleting, deleting];
        assert_eq!(resource(&p, &[500, 700], &[1000; 4], 30, 2), ok(4, 60, 600));
    }

    // TestReplicaCalcResourceScale "scale down" / "scale down: exclude unready pods" /
    // "scale down: exclude unscheduled pods" / "scale down: ignore hot-CPU pods".
    #[test]
    fn resource_scale_down_variants() {
        let levels = [100, 300, 500, 250, 250];
        assert_eq!(
            resource(&pods(5), &levels, &[1000; 5], 50, 5),
            ok(3, 28, 280)
        );
        let unready = pod_with(false, LONG_AGO_MS);
        let p = [pod(), pod(), pod(), unready, unready];
        assert_eq!(resource(&p, &levels, &[1000; 5], 50, 5), ok(2, 30, 300));
        let pending = Pod {
            phase: PodPhase::Pending,
            ready: Some(false),
            ..pod()
        };
        let p = [pod(), pending, pending, pending, pending];
        assert_eq!(resource(&p, &[100], &[1000; 5], 50, 5), ok(1, 10, 100));
        let p = [
            pod_with(true, COOL),
            pod_with(true, COOL),
            pod_with(true, COOL),
            pod_with(true, HOT),
            pod_with(true, HOT),
        ];
        assert_eq!(resource(&p, &levels, &[1000; 5], 50, 5), ok(2, 30, 300));
    }

    // TestReplicaCalcResourceTolerance: default, 0 %, 200 % up, 8 % up, 36 % / 34 % down.
    #[test]
    fn resource_tolerances() {
        let reqs = [900, 1000, 1100];
        assert_eq!(
            resource(&pods(3), &[1010, 1030, 1020], &reqs, 100, 3),
            ok(3, 102, 1020)
        );
        let with = |t: Tolerances, levels: &[i64]| {
            let e = CalcEnv {
                tolerances: t,
                ..env()
            };
            resource_replicas(
                &e,
                3,
                100,
                true,
                &pods(3),
                &samples(levels, 3),
                &requests(&reqs),
            )
        };
        assert_eq!(
            with(Tolerances::both(0.0), &[909, 1010, 1111]),
            ok(4, 101, 1010)
        );
        let t = Tolerances {
            scale_down: 0.1,
            scale_up: 2.0,
        };
        assert_eq!(with(t, &[1890, 1910, 1900]), ok(3, 190, 1900));
        let t = Tolerances {
            scale_down: 2.0,
            scale_up: 0.08,
        };
        assert_eq!(with(t, &[1100, 1080, 1090]), ok(4, 109, 1090));
        let t = Tolerances {
            scale_down: 0.36,
            scale_up: 0.1,
        };
        assert_eq!(with(t, &[660, 640, 650]), ok(3, 65, 650));
        let t = Tolerances {
            scale_down: 0.34,
            scale_up: 0.1,
        };
        assert_eq!(with(t, &[660, 640, 650]), ok(2, 65, 650));
    }

    // TestReplicaCalcResourceMissingMetrics.
    #[test]
    fn resource_missing_metrics() {
        // "some pods missing metrics scales down": 2 of 4 report; fill at 100 % on scale-down.
        assert_eq!(
            resource(&pods(4), &[400, 95], &[1000; 4], 100, 4),
            ok(3, 24, 247)
        );
        // "no change: metric equal to / above / below target" (one pod missing).
        assert_eq!(
            resource(&pods(2), &[1000], &[1000; 2], 100, 2),
            ok(2, 100, 1000)
        );
        assert_eq!(
            resource(&pods(2), &[1900], &[1000; 2], 100, 2),
            ok(2, 190, 1900)
        );
        assert_eq!(
            resource(&pods(2), &[600], &[1000; 2], 100, 2),
            ok(2, 60, 600)
        );
        // "no change: unready pod metric missing".
        let p = [pod_with(false, LONG_AGO_MS), pod(), pod()];
        assert_eq!(resource(&p, &[100, 450], &[1000; 3], 50, 3), ok(3, 45, 450));
        // "scale up: unready pod metric missing".
        assert_eq!(
            resource(&p, &[100, 2000], &[1000; 3], 50, 3),
            ok(4, 200, 2000)
        );
        // "scale down: unready pod metric missing".
        let p = [pod_with(false, LONG_AGO_MS), pod(), pod(), pod()];
        assert_eq!(
            resource(&p, &[100, 100, 100], &[1000; 4], 50, 4),
            ok(3, 10, 100)
        );
        // "scale down: target over 100": missing pods filled at max(100, target) = 300 %.
        assert_eq!(
            resource(&p, &[200, 100, 100], &[1000, 1000, 2000, 2000], 300, 4),
            ok(2, 6, 100)
        );
        // "rolling update with maxSurge: extra pod missing metric".
        assert_eq!(
            resource(&pods(3), &[100, 100], &[1000; 3], 50, 2),
            ok(2, 10, 100)
        );
    }

    // TestReplicaCalcResourceErrors "missing CPU request on container" and no metrics at all.
    #[test]
    fn resource_errors() {
        let e = env();
        let s = samples(&[200], 1);
        assert_eq!(
            resource_replicas(&e, 1, 100, true, &pods(1), &s, &[None]),
            Err(MetricError::MissingRequest)
        );
        assert_eq!(
            resource(&pods(4), &[], &[1000; 4], 100, 4),
            Err(MetricError::NoMetricsForReadyPods)
        );
        assert_eq!(resource(&[], &[], &[], 100, 4), Err(MetricError::NoPods));
    }

    // TestReplicaCalcComputedToleranceAlgImplementation.
    #[test]
    fn computed_tolerance_alg() {
        let per_pod = 300;
        let reqs = [
            per_pod + 100,
            per_pod - 100,
            per_pod + 10,
            per_pod - 10,
            per_pod + 2,
            per_pod - 2,
            per_pod + 1,
            per_pod - 1,
            per_pod,
            per_pod,
        ];
        let levels = [150; 10];
        // target = 1/(2*0.9) + .01 = 0.5656 → 56 %; ratio 50/56 → ceil(0.8928 * 10) = 9.
        assert_eq!(resource(&pods(10), &levels, &reqs, 56, 10), ok(9, 50, 150));
        // target = 1/(2*0.9) + .004 → 55 %; 50/55 = 0.909 within tolerance.
        assert_eq!(resource(&pods(10), &levels, &reqs, 55, 10), ok(10, 50, 150));
    }

    fn plain(
        pods: &[Pod],
        levels: &[i64],
        target: i64,
        current: i32,
    ) -> Result<MetricProposal, MetricError> {
        metric_replicas(&env(), current, target, pods, &samples(levels, pods.len()))
    }

    fn okv(replicas: i32, value: i64) -> Result<MetricProposal, MetricError> {
        Ok(MetricProposal {
            replicas,
            utilization_percent: None,
            value_milli: value,
        })
    }

    // TestReplicaCalcPodMetric.
    #[test]
    fn pods_metric() {
        assert_eq!(
            plain(&pods(3), &[20000, 10000, 30000], 15000, 3),
            okv(4, 20000)
        );
        // "scale up: unready hot-CPU pod scales less": Pods metrics ignore readiness.
        let p = [
            pod_with(true, COOL),
            pod_with(true, COOL),
            pod_with(false, HOT),
        ];
        assert_eq!(plain(&p, &[50000, 10000, 30000], 15000, 3), okv(6, 30000));
        let p = [
            pod_with(false, HOT),
            pod_with(true, COOL),
            pod_with(false, HOT),
        ];
        assert_eq!(plain(&p, &[50000, 15000, 30000], 15000, 3), okv(7, 31666));
        assert_eq!(plain(&pods(5), &[12000; 5], 20000, 5), okv(3, 12000));
        assert_eq!(
            plain(&pods(3), &[20000, 21000, 21000], 20000, 3),
            okv(3, 20666)
        );
        let e = CalcEnv {
            tolerances: Tolerances {
                scale_down: 0.1,
                scale_up: 0.01,
            },
            ..env()
        };
        let s = samples(&[20000, 21000, 21000], 3);
        assert_eq!(metric_replicas(&e, 3, 20000, &pods(3), &s), okv(4, 20666));
        // "no change: missing metrics".
        assert_eq!(
            plain(&pods(5), &[20000, 19000, 21000], 20000, 5),
            okv(5, 20000)
        );
        // "rolling update with maxSurge: extra pod missing metric".
        assert_eq!(plain(&pods(3), &[10000, 10000], 17000, 2), okv(2, 10000));
    }

    fn object(
        pods: &[Pod],
        value: i64,
        target: i64,
        current: i32,
    ) -> Result<MetricProposal, MetricError> {
        object_metric_replicas(&env(), current, target, value, pods)
    }

    // TestReplicaCalcObjectMetric.
    #[test]
    fn object_metric() {
        assert_eq!(object(&pods(3), 20000, 15000, 3), okv(4, 20000));
        assert_eq!(object(&pods(3), i64::MAX, 1, 3), okv(i32::MAX, i64::MAX));
        let p = [
            pod_with(false, LONG_AGO_MS),
            pod(),
            pod_with(false, LONG_AGO_MS),
        ];
        assert_eq!(object(&p, 50000, 10000, 3), okv(5, 50000));
        assert_eq!(object(&pods(5), 12000, 20000, 5), okv(3, 12000));
        assert_eq!(object(&pods(3), 20666, 20000, 3), okv(3, 20666));
        let e = CalcEnv {
            tolerances: Tolerances {
                scale_down: 0.1,
                scale_up: 0.01,
            },
            ..env()
        };
        assert_eq!(
            object_metric_replicas(&e, 3, 20000, 20666, &pods(3)),
            okv(4, 20666)
        );
    }

    // hpa-spec.md §3.4: "scales 3 → 2 even though the metric is 1.95× the target, because
    // only 1 pod is ready" (TestReplicaCalcExternalMetric "ignores unready pods").
    #[test]
    fn object_value_uses_ready_pods_only() {
        let p = [
            pod_with(false, LONG_AGO_MS),
            pod(),
            pod_with(false, LONG_AGO_MS),
        ];
        assert_eq!(
            external_metric_replicas(&env(), 3, 4400, 8600, &p),
            okv(2, 8600)
        );
        // current == 0: ceil(ratio), no tolerance, no pods needed.
        assert_eq!(object(&[], 20000, 15000, 0), okv(2, 20000));
        assert_eq!(object(&[], 0, 15000, 0), okv(0, 0));
        // Within tolerance the pod count is never read.
        assert_eq!(object(&[], 20000, 20000, 3), okv(3, 20000));
        assert_eq!(object(&[], 40000, 20000, 3), Err(MetricError::NoPods));
    }

    // TestReplicaCalcExternalMetric.
    #[test]
    fn external_metric() {
        assert_eq!(
            external_metric_replicas(&env(), 5, 14334, 8600, &pods(5)),
            okv(3, 8600)
        );
        assert_eq!(
            external_metric_replicas(&env(), 3, 8888, 8600, &pods(3)),
            okv(3, 8600)
        );
        let e = CalcEnv {
            tolerances: Tolerances {
                scale_down: 0.1,
                scale_up: 0.01,
            },
            ..env()
        };
        assert_eq!(
            external_metric_replicas(&e, 3, 8800, 8900, &pods(3)),
            okv(4, 8900)
        );
        let usage = external_usage_sum(&[i64::MAX / 2 + 1, i64::MAX / 2 + 1]);
        assert_eq!(usage, i64::MAX);
        assert_eq!(
            external_metric_replicas(&env(), 3, i64::MAX, usage, &pods(3)),
            okv(3, i64::MAX)
        );
    }

    // TestReplicaCalcObjectPerPodMetric and TestReplicaCalcExternalPerPodMetric. Each row: the
    // tolerances, status replicas, per-pod target, usage, the External cap, and the expected
    // replicas and reported per-pod usage `ceil(usage / status)` (0 with no replicas).
    #[test]
    #[rustfmt::skip]
    fn per_pod_metrics() {
        let t = Tolerances::both(0.1);
        let up = Tolerances { scale_down: 0.1, scale_up: 0.01 };
        let cases = [
            // Object per pod.
            (t,  3, 5000,     20000,    false, 4,        6667),
            (t,  5, 2000,     6000,     false, 3,        1200),
            (t,  4, 5000,     20166,    false, 4,        5042),
            (up, 4, 5000,     20208,    false, 5,        5052),
            // External per pod; an overflowing usage reports MaxInt64.
            (t,  1, 1,        i64::MAX, true,  i32::MAX, i64::MAX),
            (t,  1, i64::MAX, i64::MAX, true,  1,        i64::MAX),
            (t,  3, 2150,     8600,     true,  4,        2867),
            (t,  5, 2867,     8600,     true,  3,        1720),
            (t,  3, 2900,     8600,     true,  3,        2867),
            (up, 3, 2800,     8600,     true,  4,        2867),
            // status == 0: the ratio is +Inf, so ceil(usage / target); reported usage 0.
            (t,  0, 2000,     6000,     true,  3,        0),
        ];
        for (i, (tol, status, target, usage, cap, replicas, value)) in cases.into_iter().enumerate() {
            let expected = MetricProposal { replicas, utilization_percent: None, value_milli: value };
            assert_eq!(per_pod_metric_replicas(tol, status, target, usage, cap), expected, "row {i}");
        }
        assert_eq!(external_per_pod_usage_sum(&[i64::MAX, 1]), i64::MAX);
    }

    /// Go's zero `time.Time` as an age in seconds before `NOW` (`NOW - LONG * 1000 == LONG_AGO_MS`).
    const LONG: i64 = 1_000_000_000;

    fn ago(seconds: i64) -> i64 {
        NOW - seconds * 1000
    }

    // TestGroupPods, the Running pods under the cpu readiness rules (2 min initialization
    // period, 10 s readiness delay). Each row: Ready status, start age, Ready transition age,
    // the sample's (age, window), all in seconds, and the expected class.
    #[test]
    #[rustfmt::skip]
    fn group_pods_cpu_readiness() {
        use PodClass::*;
        let cases = [
            // "unready a pod without ready condition - CPU"
            (None,        Some(0),   LONG, (0, 60),      Unready),
            // "count in a ready pod with fresh metrics during initialization period - CPU"
            (Some(true),  Some(60),  30,   (0, 30),      Ready),
            // "unready a ready pod without fresh metrics during initialization period - CPU"
            (Some(true),  Some(60),  30,   (0, 60),      Unready),
            // "unready an unready pod during initialization period - CPU": past the 2 min period
            // here, but never ready (start + 10 s is after the transition 9:54 ago).
            (Some(false), Some(600), 594,  (LONG, 0),    Unready),
            // "count in a ready pod without fresh metrics after initialization period - CPU"
            (Some(true),  Some(180), 180,  (120, 60),    Ready),
            // "count in an unready pod that was ready after initialization period - CPU"
            (Some(false), Some(600), 540,  (LONG, 0),    Ready),
            // "unready pod that has never been ready after initialization period - CPU": the Go
            // test expects Ready, the transition 9:50 ago is start + 10 s, not after it.
            (Some(false), Some(600), 590,  (LONG, 0),    Ready),
        ];
        for (i, (ready, start, transition, (age, window), expected)) in cases.into_iter().enumerate() {
            let pod = Pod {
                ready,
                start_time_ms: start.map(ago),
                ready_transition_ms: Some(ago(transition)),
                ..pod()
            };
            let sample = Sample { value_milli: 1, timestamp_ms: ago(age), window_ms: window * 1000 };
            assert_eq!(classify_pod(&pod, Some(&sample), true, &env()), expected, "row {i}");
        }
    }

    // TestGroupPods, the cases decided before the cpu readiness rules.
    #[test]
    #[rustfmt::skip]
    fn group_pods_phase_deletion_and_missing() {
        use PodClass::*;
        use PodPhase::*;
        let sample = Some(Sample { value_milli: 1, timestamp_ms: NOW, window_ms: 60_000 });
        let in_phase = |phase| Pod { phase, ..pod() };
        let cases = [
            // "count in a ready pod - memory": no Ready condition, no start time, no cpu rules.
            (Pod { ready: None, start_time_ms: None, ..pod() }, sample, false, Ready),
            // "a missing pod"
            (pod(), None, true, Missing),
            // "pending pods are unreadied"
            (in_phase(Pending), None, true, Unready),
            // "ignore pods with deletion timestamps"
            (Pod { deleting: true, ..in_phase(Pending) }, sample, true, Ignored),
            // "ignore pods in a failed state" / "ignore pods in a succeeded state" (IsPodTerminal;
            // older code ignored Failed only).
            (in_phase(Failed), sample, true, Ignored),
            (in_phase(Succeeded), sample, true, Ignored),
        ];
        for (i, (pod, sample, cpu, expected)) in cases.into_iter().enumerate() {
            assert_eq!(classify_pod(&pod, sample.as_ref(), cpu, &env()), expected, "row {i}");
        }
    }

    // TestGroupPods "void" and "several pods": one unready (started now, no Ready condition),
    // one ready (Ready 3 min ago), one missing; only the ready pod's sample and request count.
    #[test]
    fn group_and_sum_several_pods() {
        let e = env();
        assert_eq!(
            group_and_sum(&[], &[], &[], true, &e),
            (PodGroups::default(), 0, 0)
        );
        let no_ready = Pod {
            ready: None,
            start_time_ms: Some(NOW),
            ..pod()
        };
        let p = [no_ready, pod_with(true, ago(180)), pod()];
        let s = samples(&[1, 1], 3);
        let groups = PodGroups {
            ready: 1,
            unready: 1,
            missing: 1,
        };
        assert_eq!(
            group_and_sum(&p, &s, &requests(&[100, 200, 300]), true, &e),
            (groups, 1, 200)
        );
    }

    #[test]
    fn replica_calc_dispatch() {
        let e = env();
        let scale = Scale {
            spec_replicas: 3,
            status_replicas: 3,
        };
        let s = samples(&[300, 500, 700], 3);
        let r = requests(&[1000; 3]);
        let input = MetricInput::PerPod {
            samples: &s,
            requests_milli: &r,
        };
        let cpu = MetricSpec::Resource {
            resource: Resource::Cpu,
            target: Target::Utilization(30),
        };
        assert_eq!(
            replica_calc(&e, &cpu, scale, Pods::Listed(&pods(3)), input),
            ok(5, 50, 500)
        );
        assert_eq!(
            replica_calc(
                &e,
                &cpu,
                scale,
                Pods::Listed(&pods(3)),
                MetricInput::FetchError
            ),
            Err(MetricError::FetchFailed)
        );
        let bad = MetricSpec::Resource {
            resource: Resource::Cpu,
            target: Target::Value(1),
        };
        assert_eq!(
            replica_calc(&e, &bad, scale, Pods::Listed(&pods(3)), input),
            Err(MetricError::InvalidTarget)
        );
        let obj = MetricSpec::Object {
            name: "qps".into(),
            target: Target::Value(1),
        };
        assert_eq!(
            replica_calc(&e, &obj, scale, Pods::Listed(&pods(3)), input),
            Err(MetricError::InputMismatch)
        );
        // Object AverageValue reads status replicas (hpa-spec §3.5).
        let obj = MetricSpec::Object {
            name: "qps".into(),
            target: Target::AverageValue(20000),
        };
        let scale = Scale {
            spec_replicas: 5,
            status_replicas: 5,
        };
        assert_eq!(
            replica_calc(
                &e,
                &obj,
                scale,
                Pods::Listed(&pods(5)),
                MetricInput::Object { value_milli: 60000 }
            )
            .map(|p| p.replicas),
            Ok(3)
        );
    }

    /// Random settled observations: the shortest path, the settled totals and the listed pods
    /// (`Pod::default()` each) give the same proposal whenever the shortest path answers.
    #[test]
    fn settled_paths_agree_with_listed_pods() {
        use rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut answered = 0;
        for _ in 0..20_000 {
            let n = rng.random_range(0..12usize);
            let current = rng.random_range(0..40);
            let request = [None, Some(0), Some(250), Some(1000), Some(4_000_000_000)]
                [rng.random_range(0..5usize)];
            let metric = match rng.random_range(0..5) {
                0 => MetricSpec::Resource {
                    resource: Resource::Cpu,
                    target: Target::Utilization(rng.random_range(1..150)),
                },
                1 => MetricSpec::Resource {
                    resource: Resource::Memory,
                    target: Target::AverageValue(rng.random_range(1..500_000)),
                },
                2 => MetricSpec::Pods {
                    name: "rps".into(),
                    target: Target::AverageValue(rng.random_range(1..200_000)),
                },
                3 => MetricSpec::Pods {
                    name: "rps".into(),
                    target: Target::Value(5),
                },
                _ => MetricSpec::ContainerResource {
                    resource: Resource::Cpu,
                    container: "app".into(),
                    target: Target::Utilization(rng.random_range(1..150)),
                },
            };
            let samples: Vec<Option<Sample>> = (0..n)
                .map(|_| {
                    rng.random_bool(0.95).then(|| Sample {
                        value_milli: rng.random_range(0..3_000_000),
                        timestamp_ms: 0,
                        window_ms: 15_000,
                    })
                })
                .collect();
            let requests = vec![request; n];
            let pods = vec![Pod::default(); n];
            let scale = Scale {
                spec_replicas: current,
                status_replicas: current,
            };
            let e = CalcEnv {
                tolerances: Tolerances::both([0.0, 0.1, 0.3][rng.random_range(0..3usize)]),
                ..env()
            };
            let listed = replica_calc(
                &e,
                &metric,
                scale,
                Pods::Listed(&pods),
                MetricInput::PerPod {
                    samples: &samples,
                    requests_milli: &requests,
                },
            );
            let totals = MetricInput::Totals {
                sampled: samples.iter().flatten().count(),
                usage_total_milli: samples
                    .iter()
                    .flatten()
                    .map(|s| i128::from(s.value_milli))
                    .sum(),
                request_milli: request,
            };
            let settled = replica_calc(&e, &metric, scale, Pods::Settled(n), totals);
            assert_eq!(listed, settled, "{metric:?} n={n} {samples:?} {request:?}");
            if let Some(fast) = settled_proposal(&e, &metric, current, n, &totals) {
                assert_eq!(listed, Ok(fast), "{metric:?} n={n} {samples:?} {request:?}");
                answered += 1;
            }
        }
        assert!(
            answered > 5_000,
            "the shortest path answered only {answered} times"
        );
    }
}
