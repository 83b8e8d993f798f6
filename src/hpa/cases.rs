//! The conformance-case files of `capsim hpa eval` (`shared/reference/hpa-case-format.md`): the
//! serde mirror of the JSON, validation into the controller's types with a field path and a
//! line:column for every problem, and the evaluation of each case kind.
//!
//! Times in a case are ages in seconds before the reconcile instant; they become absolute
//! milliseconds with `now_ms = 0` (`1000000000` s ago = [`LONG_AGO_MS`]).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use serde::de::{Deserialize, Deserializer};
use serde_json::Value;

use super::calc::{self, CalcEnv, LONG_AGO_MS, MetricInput, Pod, PodPhase, Pods, Sample, Scale};
use super::normalize::{self, LimitReason, RateLimitArgs, Recommendation, ScaleEvent};
use super::reconcile::{self, Conditions, Observation, State};
use super::spec::{
    Behavior, Config, FeatureGates, MetricSpec, Policy, PolicyKind, Resource, Rules, ScalingRules,
    SelectPolicy, Spec, Target, Tolerances,
};
use crate::error::Problem;

/// The reconcile instant of every case.
const NOW_MS: i64 = 0;
/// The only `schema_version` this reader knows.
const SCHEMA_VERSION: u32 = 1;
const FORMAT_DOC: &str = "see shared/reference/hpa-case-format.md";

// ---------------------------------------------------------------------------------------------
// The serde mirror of the file. Every struct denies unknown fields; `source` is free-form.

/// A field that can be absent, distinct from a field given as `null` (`Field<Option<T>>`).
#[derive(Debug, Clone, Default)]
enum Field<T> {
    #[default]
    Absent,
    Given(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Field::Given)
    }
}

impl<T> Field<T> {
    fn given(&self) -> Option<&T> {
        match self {
            Field::Absent => None,
            Field::Given(v) => Some(v),
        }
    }
    fn is_given(&self) -> bool {
        matches!(self, Field::Given(_))
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema_version: u32,
    cases: Vec<RawCase>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    kind: Kind,
    #[serde(default)]
    source: Value,
    #[serde(default)]
    config: Option<RawConfig>,
    inputs: RawInputs,
    expected: RawExpected,
}

/// The controller function a case pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ReplicaCalc,
    RateLimit,
    ScaleLimit,
    Stabilize,
    LegacyStabilize,
    LegacyRules,
    Reconcile,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ReplicaCalc => "replica_calc",
            Kind::RateLimit => "rate_limit",
            Kind::ScaleLimit => "scale_limit",
            Kind::Stabilize => "stabilize",
            Kind::LegacyStabilize => "legacy_stabilize",
            Kind::LegacyRules => "legacy_rules",
            Kind::Reconcile => "reconcile",
        }
    }

    /// The `inputs` fields this kind reads.
    fn inputs(self) -> &'static [&'static str] {
        match self {
            Kind::ReplicaCalc => &[
                "current_replicas",
                "status_replicas",
                "metric",
                "tolerance",
                "pods",
            ],
            Kind::RateLimit => &[
                "current_replicas",
                "stabilized_desired_replicas",
                "min_replicas",
                "max_replicas",
                "behavior",
                "scale_up_events",
                "scale_down_events",
            ],
            Kind::ScaleLimit => &[
                "direction",
                "current_replicas",
                "rules",
                "scale_up_events",
                "scale_down_events",
            ],
            Kind::Stabilize => &[
                "current_replicas",
                "desired_replicas",
                "scale_up_window_s",
                "scale_down_window_s",
                "recommendations",
            ],
            Kind::LegacyStabilize => &["desired_replicas", "recommendations"],
            Kind::LegacyRules => &[
                "current_replicas",
                "desired_replicas",
                "min_replicas",
                "max_replicas",
            ],
            Kind::Reconcile => &[
                "min_replicas",
                "max_replicas",
                "spec_replicas",
                "status_replicas",
                "metrics",
                "pods",
                "recommendations",
                "behavior",
                "scale_up_events",
                "scale_down_events",
                "conditions",
                "feature_gates",
            ],
        }
    }

    /// The `expected` fields this kind can compare.
    fn expected(self) -> &'static [&'static str] {
        match self {
            Kind::ReplicaCalc => &["desired_replicas", "utilization_percent", "usage_milli"],
            Kind::RateLimit | Kind::LegacyRules | Kind::Reconcile => {
                &["desired_replicas", "scaling_limited_reason"]
            }
            Kind::ScaleLimit => &["scale_up_limit", "scale_down_limit"],
            Kind::Stabilize | Kind::LegacyStabilize => &["stabilized_replicas"],
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    tolerance: Option<f64>,
    cpu_initialization_period_s: Option<f64>,
    initial_readiness_delay_s: Option<f64>,
    downscale_stabilization_window_s: Option<f64>,
    legacy_scale_up_limit_factor: Option<f64>,
    legacy_scale_up_limit_minimum: Option<f64>,
    sync_period_s: Option<f64>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    #[serde(default)]
    current_replicas: Field<i32>,
    #[serde(default)]
    status_replicas: Field<i32>,
    #[serde(default)]
    spec_replicas: Field<i32>,
    #[serde(default)]
    desired_replicas: Field<i32>,
    #[serde(default)]
    stabilized_desired_replicas: Field<i32>,
    #[serde(default)]
    min_replicas: Field<i32>,
    #[serde(default)]
    max_replicas: Field<i32>,
    #[serde(default)]
    metric: Field<RawMetric>,
    #[serde(default)]
    metrics: Field<Vec<RawMetric>>,
    #[serde(default)]
    tolerance: Field<RawTolerance>,
    #[serde(default)]
    pods: Field<Vec<RawPod>>,
    #[serde(default)]
    behavior: Field<Option<RawBehavior>>,
    #[serde(default)]
    rules: Field<Option<RawRule>>,
    #[serde(default)]
    direction: Field<Direction>,
    #[serde(default)]
    scale_up_events: Field<Vec<RawEvent>>,
    #[serde(default)]
    scale_down_events: Field<Vec<RawEvent>>,
    #[serde(default)]
    scale_up_window_s: Field<f64>,
    #[serde(default)]
    scale_down_window_s: Field<f64>,
    #[serde(default)]
    recommendations: Field<Option<Vec<RawRecommendation>>>,
    #[serde(default)]
    conditions: Field<RawConditions>,
    #[serde(default)]
    feature_gates: Field<BTreeMap<String, bool>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Up,
    Down,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    #[serde(rename = "type")]
    kind: RawMetricType,
    name: String,
    target: RawTarget,
    #[serde(default)]
    container: Option<String>,
    #[serde(default)]
    current_value_milli: Option<i64>,
    #[serde(default)]
    described_object: Option<Value>,
    #[serde(default)]
    current_values_milli: Option<Vec<i64>>,
    #[serde(default)]
    fetch_error: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum RawMetricType {
    Resource,
    ContainerResource,
    Pods,
    Object,
    External,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    #[serde(rename = "type")]
    kind: RawTargetType,
    #[serde(default)]
    average_utilization: Option<i32>,
    #[serde(default)]
    average_value_milli: Option<i64>,
    #[serde(default)]
    value_milli: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum RawTargetType {
    Utilization,
    AverageValue,
    Value,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTolerance {
    #[serde(default)]
    scale_up: Option<f64>,
    #[serde(default)]
    scale_down: Option<f64>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPod {
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    #[serde(default)]
    phase: Option<RawPhase>,
    #[serde(default)]
    deleting: Option<bool>,
    #[serde(default)]
    ready: Field<Option<bool>>,
    #[serde(default)]
    start_age_s: Field<Option<f64>>,
    #[serde(default)]
    ready_transition_age_s: Field<Option<f64>>,
    #[serde(default)]
    metric_age_s: Option<f64>,
    #[serde(default)]
    metric_window_s: Option<f64>,
    #[serde(default)]
    requests_milli: BTreeMap<String, i64>,
    #[serde(default)]
    usage_milli: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum RawPhase {
    Running,
    Pending,
    Failed,
    Succeeded,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBehavior {
    #[serde(default)]
    scale_up: Option<RawRule>,
    #[serde(default)]
    scale_down: Option<RawRule>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    stabilization_window_s: Option<f64>,
    #[serde(default)]
    select_policy: Option<RawSelect>,
    #[serde(default)]
    policies: Option<Vec<RawPolicy>>,
    #[serde(default)]
    tolerance: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum RawSelect {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(rename = "type")]
    kind: RawPolicyType,
    value: i32,
    period_s: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum RawPolicyType {
    Pods,
    Percent,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    replicas: i32,
    age_s: f64,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecommendation {
    replicas: i32,
    age_s: f64,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConditions {
    #[serde(default)]
    scaled_to_zero: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpected {
    #[serde(default)]
    desired_replicas: Field<i32>,
    #[serde(default)]
    utilization_percent: Field<i32>,
    #[serde(default)]
    usage_milli: Field<i64>,
    #[serde(default)]
    scaling_limited_reason: Field<Option<RawLimitReason>>,
    #[serde(default)]
    scale_up_limit: Field<i32>,
    #[serde(default)]
    scale_down_limit: Field<i32>,
    #[serde(default)]
    stabilized_replicas: Field<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
enum RawLimitReason {
    ScaleUpLimit,
    ScaleDownLimit,
    TooManyReplicas,
    TooFewReplicas,
}

impl RawLimitReason {
    fn reason(self) -> LimitReason {
        match self {
            RawLimitReason::ScaleUpLimit => LimitReason::ScaleUpLimit,
            RawLimitReason::ScaleDownLimit => LimitReason::ScaleDownLimit,
            RawLimitReason::TooManyReplicas => LimitReason::TooManyReplicas,
            RawLimitReason::TooFewReplicas => LimitReason::TooFewReplicas,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validated cases.

/// One validated case, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub kind: Kind,
    /// The free-form `source` object, carried into the results.
    pub source: Value,
    check: Check,
    expected: Expected,
}

/// A per-metric observation that owns its data (borrowed as a [`MetricInput`] when evaluating).
#[derive(Debug, Clone)]
enum OwnedInput {
    PerPod {
        samples: Vec<Option<Sample>>,
        requests: Vec<Option<i64>>,
    },
    Object(i64),
    External(Vec<i64>),
    FetchError,
}

impl OwnedInput {
    fn borrow(&self) -> MetricInput<'_> {
        match self {
            OwnedInput::PerPod { samples, requests } => MetricInput::PerPod {
                samples,
                requests_milli: requests,
            },
            OwnedInput::Object(v) => MetricInput::Object { value_milli: *v },
            OwnedInput::External(v) => MetricInput::External { values_milli: v },
            OwnedInput::FetchError => MetricInput::FetchError,
        }
    }
}

#[derive(Debug, Clone)]
enum Check {
    ReplicaCalc {
        env: CalcEnv,
        metric: MetricSpec,
        scale: Scale,
        pods: Vec<Pod>,
        input: OwnedInput,
    },
    RateLimit {
        current: i32,
        desired: i32,
        min: i32,
        max: i32,
        behavior: Behavior,
        cfg: Config,
        up: Vec<ScaleEvent>,
        down: Vec<ScaleEvent>,
    },
    ScaleLimit {
        direction: Direction,
        current: i32,
        rules: Option<ScalingRules>,
        cfg: Config,
        up: Vec<ScaleEvent>,
        down: Vec<ScaleEvent>,
    },
    Stabilize {
        current: i32,
        desired: i32,
        up_window_ms: i64,
        down_window_ms: i64,
        recommendations: Vec<Recommendation>,
    },
    LegacyStabilize {
        desired: i32,
        window_ms: i64,
        recommendations: Vec<Recommendation>,
    },
    LegacyRules {
        cfg: Config,
        current: i32,
        desired: i32,
        min: i32,
        max: i32,
    },
    Reconcile {
        cfg: Config,
        spec: Spec,
        scale: Scale,
        pods: Vec<Pod>,
        inputs: Vec<OwnedInput>,
        state: State,
    },
}

#[derive(Debug, Clone, Default)]
struct Expected {
    desired_replicas: Option<i32>,
    utilization_percent: Option<i32>,
    usage_milli: Option<i64>,
    scaling_limited_reason: Option<Option<LimitReason>>,
    scale_up_limit: Option<i32>,
    scale_down_limit: Option<i32>,
    stabilized_replicas: Option<i32>,
}

/// One compared field that disagreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub field: &'static str,
    pub expected: String,
    pub got: String,
}

/// The outcome of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub file: String,
    pub id: String,
    pub kind: Kind,
    pub passed: bool,
    pub mismatches: Vec<Mismatch>,
    pub source: Value,
}

/// Parse and validate a case file (`file` is the name shown in problems), then evaluate every
/// case. A malformed file yields every problem found, each with its field path.
pub fn evaluate_file(file: &str, text: &str) -> Result<Vec<CaseResult>, Vec<Problem>> {
    let cases = parse(file, text)?;
    Ok(cases.iter().map(|c| c.evaluate(file)).collect())
}

/// Parse and validate a case file.
pub fn parse(file: &str, text: &str) -> Result<Vec<Case>, Vec<Problem>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![
            Problem::new(file, "", serde_message(&e), "fix the JSON syntax")
                .at(Some((e.line(), e.column()))),
        ]
    })?;
    let raw: RawFile =
        serde_json::from_str(text).map_err(|e| vec![serde_problem(file, text, &value, &e)])?;
    let mut v = Validator {
        file,
        text,
        case: None,
        problems: Vec::new(),
    };
    if raw.schema_version != SCHEMA_VERSION {
        v.problem_at(
            "schema_version",
            format!("unsupported schema_version {}", raw.schema_version),
            format!("use \"schema_version\": {SCHEMA_VERSION}"),
        );
    }
    let mut ids = HashSet::new();
    let mut cases = Vec::with_capacity(raw.cases.len());
    for (i, rc) in raw.cases.into_iter().enumerate() {
        v.case = Some((i, rc.id.clone()));
        if rc.id.trim().is_empty() {
            v.problem(
                "id",
                "the case id is empty",
                "give every case a unique, non-empty id",
            );
        } else if !ids.insert(rc.id.clone()) {
            v.problem(
                "id",
                format!("duplicate case id {:?}", rc.id),
                "give every case a unique id",
            );
        }
        if let Some(case) = v.case(rc, &value["cases"][i]) {
            cases.push(case);
        }
    }
    if v.problems.is_empty() {
        Ok(cases)
    } else {
        Err(v.problems)
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A typed-parse error as a problem: the field path is recovered from the error's position.
fn serde_problem(file: &str, text: &str, value: &Value, e: &serde_json::Error) -> Problem {
    let offset = offset_of(text, e.line(), e.column());
    let path = path_at(text, offset);
    let field = render_path(&path, value);
    let message = serde_message(e);
    let fix = if message.starts_with("unknown field") {
        format!("remove the field or fix its spelling ({FORMAT_DOC})")
    } else if message.starts_with("missing field") {
        format!("add the field ({FORMAT_DOC})")
    } else {
        format!("give the field a value of the documented type ({FORMAT_DOC})")
    };
    Problem::new(file, field, message, fix).at(Some((e.line(), e.column())))
}

/// Collects problems for one file, with paths relative to the current case.
struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    case: Option<(usize, String)>,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    /// A problem at `rel` inside the current case (`inputs.pods[0].phase`).
    fn problem(&mut self, rel: &str, message: impl Into<String>, fix: impl Into<String>) {
        let (locate, display) = match &self.case {
            Some((i, id)) => (
                format!("cases[{i}].{rel}"),
                format!("cases[{i}]({id}).{rel}"),
            ),
            None => (rel.to_string(), rel.to_string()),
        };
        let pos = locate_path(self.text, &parse_path(&locate));
        self.problems
            .push(Problem::new(self.file, display, message, fix).at(pos));
    }

    /// A problem at a top-level field.
    fn problem_at(&mut self, field: &str, message: impl Into<String>, fix: impl Into<String>) {
        let saved = self.case.take();
        self.problem(field, message, fix);
        self.case = saved;
    }

    fn count(&mut self, rel: &str, v: i32) -> i32 {
        if v < 0 {
            self.problem(
                rel,
                format!("replica count {v} is negative"),
                "use a count ≥ 0",
            );
        }
        v
    }

    fn required_count(&mut self, rel: &str, f: &Field<i32>) -> Option<i32> {
        match f.given() {
            Some(&v) => Some(self.count(rel, v)),
            None => {
                self.problem(
                    rel,
                    "missing field",
                    format!(
                        "add inputs.{} ({FORMAT_DOC})",
                        rel.trim_start_matches("inputs.")
                    ),
                );
                None
            }
        }
    }

    fn optional_count(&mut self, rel: &str, f: &Field<i32>, default: i32) -> i32 {
        match f.given() {
            Some(&v) => self.count(rel, v),
            None => default,
        }
    }

    /// Seconds (an age or a duration) to milliseconds; must be finite and ≥ 0.
    fn seconds(&mut self, rel: &str, s: f64) -> i64 {
        if !s.is_finite() || s < 0.0 {
            self.problem(
                rel,
                format!("{s} is not a duration in seconds ≥ 0"),
                "use a number of seconds ≥ 0",
            );
            return 0;
        }
        (s * 1000.0).round() as i64
    }

    /// An age in seconds to an absolute time on the case clock (`now_ms = 0`).
    fn age(&mut self, rel: &str, age_s: f64) -> i64 {
        NOW_MS - self.seconds(rel, age_s)
    }

    fn config(&mut self, raw: Option<&RawConfig>) -> Config {
        let mut cfg = Config::default();
        let Some(raw) = raw else { return cfg };
        if let Some(t) = raw.tolerance {
            if !(t.is_finite() && t >= 0.0) {
                self.problem(
                    "config.tolerance",
                    format!("tolerance {t} is negative"),
                    "use a tolerance ≥ 0, e.g. 0.1",
                );
            }
            cfg.tolerance = t;
        }
        if let Some(s) = raw.cpu_initialization_period_s {
            cfg.cpu_initialization_period_ms =
                self.seconds("config.cpu_initialization_period_s", s);
        }
        if let Some(s) = raw.initial_readiness_delay_s {
            cfg.initial_readiness_delay_ms = self.seconds("config.initial_readiness_delay_s", s);
        }
        if let Some(s) = raw.downscale_stabilization_window_s {
            cfg.downscale_stabilization_window_ms =
                self.seconds("config.downscale_stabilization_window_s", s);
        }
        if let Some(f) = raw.legacy_scale_up_limit_factor {
            cfg.legacy_scale_up_limit_factor = f;
        }
        if let Some(m) = raw.legacy_scale_up_limit_minimum {
            cfg.legacy_scale_up_limit_minimum = m;
        }
        if let Some(s) = raw.sync_period_s {
            cfg.sync_period_ms = self.seconds("config.sync_period_s", s);
        }
        cfg
    }

    /// One case; `json` is its object in the file, whose keys say which fields were given.
    fn case(&mut self, rc: RawCase, json: &Value) -> Option<Case> {
        let before = self.problems.len();
        let kind = rc.kind;
        let given = |section: &str| -> Vec<&str> {
            json[section].as_object().map_or_else(Vec::new, |fields| {
                fields.keys().map(String::as_str).collect()
            })
        };
        for field in given("inputs") {
            if !kind.inputs().contains(&field) {
                self.problem(
                    &format!("inputs.{field}"),
                    format!("field `{field}` is not an input of kind {}", kind.as_str()),
                    format!(
                        "remove it; kind {} reads: {}",
                        kind.as_str(),
                        kind.inputs().join(", ")
                    ),
                );
            }
        }
        let expected_given = given("expected");
        for &field in &expected_given {
            if !kind.expected().contains(&field) {
                self.problem(
                    &format!("expected.{field}"),
                    format!("field `{field}` is not compared for kind {}", kind.as_str()),
                    format!(
                        "remove it; kind {} compares: {}",
                        kind.as_str(),
                        kind.expected().join(", ")
                    ),
                );
            }
        }
        if expected_given.is_empty() {
            self.problem(
                "expected",
                "no expected value to compare",
                format!("give at least one of: {}", kind.expected().join(", ")),
            );
        }
        let cfg = self.config(rc.config.as_ref());
        let expected = self.expected(&rc.expected);
        let check = self.check(kind, &rc.inputs, cfg, &rc.expected);
        if self.problems.len() > before {
            return None;
        }
        Some(Case {
            id: rc.id,
            kind,
            source: rc.source,
            check: check?,
            expected,
        })
    }

    fn expected(&mut self, raw: &RawExpected) -> Expected {
        Expected {
            desired_replicas: raw.desired_replicas.given().copied(),
            utilization_percent: raw.utilization_percent.given().copied(),
            usage_milli: raw.usage_milli.given().copied(),
            scaling_limited_reason: raw
                .scaling_limited_reason
                .given()
                .map(|r| r.map(RawLimitReason::reason)),
            scale_up_limit: raw.scale_up_limit.given().copied(),
            scale_down_limit: raw.scale_down_limit.given().copied(),
            stabilized_replicas: raw.stabilized_replicas.given().copied(),
        }
    }

    fn check(
        &mut self,
        kind: Kind,
        inputs: &RawInputs,
        cfg: Config,
        expected: &RawExpected,
    ) -> Option<Check> {
        match kind {
            Kind::ReplicaCalc => self.replica_calc(inputs, cfg),
            Kind::RateLimit => {
                let current =
                    self.required_count("inputs.current_replicas", &inputs.current_replicas);
                let desired = self.required_count(
                    "inputs.stabilized_desired_replicas",
                    &inputs.stabilized_desired_replicas,
                );
                let min = self.optional_count("inputs.min_replicas", &inputs.min_replicas, 1);
                let max = self.required_count("inputs.max_replicas", &inputs.max_replicas);
                let behavior = self
                    .behavior(inputs.behavior.given().and_then(|b| b.as_ref()))
                    .unwrap_or_default();
                let up = self.events("inputs.scale_up_events", inputs.scale_up_events.given());
                let down =
                    self.events("inputs.scale_down_events", inputs.scale_down_events.given());
                Some(Check::RateLimit {
                    current: current?,
                    desired: desired?,
                    min,
                    max: max?,
                    behavior,
                    cfg,
                    up,
                    down,
                })
            }
            Kind::ScaleLimit => {
                let direction = match inputs.direction.given() {
                    Some(&d) => Some(d),
                    None => {
                        self.problem(
                            "inputs.direction",
                            "missing field",
                            "add \"direction\": \"up\" or \"down\"",
                        );
                        None
                    }
                };
                let current =
                    self.required_count("inputs.current_replicas", &inputs.current_replicas);
                let rules = inputs
                    .rules
                    .given()
                    .and_then(|r| r.as_ref())
                    .map(|r| self.rule("inputs.rules", r));
                let up = self.events("inputs.scale_up_events", inputs.scale_up_events.given());
                let down =
                    self.events("inputs.scale_down_events", inputs.scale_down_events.given());
                if let Some(direction) = direction {
                    let (wanted, other) = match direction {
                        Direction::Up => ("scale_up_limit", expected.scale_down_limit.is_given()),
                        Direction::Down => ("scale_down_limit", expected.scale_up_limit.is_given()),
                    };
                    if other {
                        self.problem(
                            "expected",
                            "the expected limit is for the other direction",
                            format!("use expected.{wanted} with this direction"),
                        );
                    }
                }
                Some(Check::ScaleLimit {
                    direction: direction?,
                    current: current?,
                    rules,
                    cfg,
                    up,
                    down,
                })
            }
            Kind::Stabilize => {
                let current =
                    self.required_count("inputs.current_replicas", &inputs.current_replicas);
                let desired =
                    self.required_count("inputs.desired_replicas", &inputs.desired_replicas);
                let up_window_ms = match inputs.scale_up_window_s.given() {
                    Some(&s) => self.seconds("inputs.scale_up_window_s", s),
                    None => 0,
                };
                let down_window_ms = match inputs.scale_down_window_s.given() {
                    Some(&s) => self.seconds("inputs.scale_down_window_s", s),
                    None => cfg.downscale_stabilization_window_ms,
                };
                let recommendations = self
                    .recommendations(&inputs.recommendations)
                    .unwrap_or_default();
                Some(Check::Stabilize {
                    current: current?,
                    desired: desired?,
                    up_window_ms,
                    down_window_ms,
                    recommendations,
                })
            }
            Kind::LegacyStabilize => {
                let desired =
                    self.required_count("inputs.desired_replicas", &inputs.desired_replicas);
                let recommendations = self
                    .recommendations(&inputs.recommendations)
                    .unwrap_or_default();
                Some(Check::LegacyStabilize {
                    desired: desired?,
                    window_ms: cfg.downscale_stabilization_window_ms,
                    recommendations,
                })
            }
            Kind::LegacyRules => {
                let current =
                    self.required_count("inputs.current_replicas", &inputs.current_replicas);
                let desired =
                    self.required_count("inputs.desired_replicas", &inputs.desired_replicas);
                let min = self.optional_count("inputs.min_replicas", &inputs.min_replicas, 1);
                let max = self.required_count("inputs.max_replicas", &inputs.max_replicas);
                Some(Check::LegacyRules {
                    cfg,
                    current: current?,
                    desired: desired?,
                    min,
                    max: max?,
                })
            }
            Kind::Reconcile => self.reconcile(inputs, cfg),
        }
    }

    fn replica_calc(&mut self, inputs: &RawInputs, cfg: Config) -> Option<Check> {
        let current = self.required_count("inputs.current_replicas", &inputs.current_replicas);
        let status = self.optional_count(
            "inputs.status_replicas",
            &inputs.status_replicas,
            current.unwrap_or(0),
        );
        let raw_pods: &[RawPod] = inputs.pods.given().map_or(&[], |p| p.as_slice());
        let pods = self.pods("inputs.pods", raw_pods);
        let mut tolerances = Tolerances::both(cfg.tolerance);
        if let Some(t) = inputs.tolerance.given() {
            if let Some(up) = t.scale_up {
                tolerances.scale_up = self.tolerance("inputs.tolerance.scale_up", up);
            }
            if let Some(down) = t.scale_down {
                tolerances.scale_down = self.tolerance("inputs.tolerance.scale_down", down);
            }
        }
        let Some(raw_metric) = inputs.metric.given() else {
            self.problem(
                "inputs.metric",
                "missing field",
                format!("add inputs.metric ({FORMAT_DOC})"),
            );
            return None;
        };
        let (metric, input) = self.metric("inputs.metric", raw_metric, raw_pods)?;
        let env = CalcEnv {
            tolerances,
            cpu_initialization_period_ms: cfg.cpu_initialization_period_ms,
            initial_readiness_delay_ms: cfg.initial_readiness_delay_ms,
            now_ms: NOW_MS,
        };
        let scale = Scale {
            spec_replicas: current?,
            status_replicas: status,
        };
        Some(Check::ReplicaCalc {
            env,
            metric,
            scale,
            pods,
            input,
        })
    }

    fn reconcile(&mut self, inputs: &RawInputs, mut cfg: Config) -> Option<Check> {
        let min = self.optional_count("inputs.min_replicas", &inputs.min_replicas, 1);
        let max = self.required_count("inputs.max_replicas", &inputs.max_replicas);
        let spec_replicas = self.required_count("inputs.spec_replicas", &inputs.spec_replicas);
        let status_replicas = self.optional_count(
            "inputs.status_replicas",
            &inputs.status_replicas,
            spec_replicas.unwrap_or(0),
        );
        let raw_pods: &[RawPod] = inputs.pods.given().map_or(&[], |p| p.as_slice());
        let pods = self.pods("inputs.pods", raw_pods);
        let mut metrics = Vec::new();
        let mut owned = Vec::new();
        match inputs.metrics.given() {
            Some(list) if !list.is_empty() => {
                for (i, m) in list.iter().enumerate() {
                    if let Some((metric, input)) =
                        self.metric(&format!("inputs.metrics[{i}]"), m, raw_pods)
                    {
                        metrics.push(metric);
                        owned.push(input);
                    }
                }
            }
            // SetDefaults_HorizontalPodAutoscaler: no metrics = cpu Utilization 80 %.
            _ => {
                let default = RawMetric {
                    kind: RawMetricType::Resource,
                    name: "cpu".into(),
                    target: RawTarget {
                        kind: RawTargetType::Utilization,
                        average_utilization: Some(80),
                        average_value_milli: None,
                        value_milli: None,
                    },
                    container: None,
                    current_value_milli: None,
                    described_object: None,
                    current_values_milli: None,
                    fetch_error: false,
                };
                let (metric, input) = self.metric("inputs.metrics", &default, raw_pods)?;
                metrics.push(metric);
                owned.push(input);
            }
        }
        let behavior = inputs
            .behavior
            .given()
            .and_then(|b| b.as_ref())
            .map(|b| self.behavior(Some(b)).unwrap_or_default());
        let mut state = State::default();
        if let Some(recs) = self.recommendations(&inputs.recommendations) {
            state.has_history = true;
            state.recommendations = recs;
        }
        state.scale_up_events =
            self.events("inputs.scale_up_events", inputs.scale_up_events.given());
        state.scale_down_events =
            self.events("inputs.scale_down_events", inputs.scale_down_events.given());
        if let Some(c) = inputs.conditions.given() {
            state.conditions = Conditions {
                scaled_to_zero: c.scaled_to_zero,
            };
        }
        if let Some(gates) = inputs.feature_gates.given() {
            cfg.gates = self.gates(gates);
        }
        let spec = Spec {
            min_replicas: min,
            max_replicas: max?,
            metrics,
            behavior,
        };
        let scale = Scale {
            spec_replicas: spec_replicas?,
            status_replicas,
        };
        Some(Check::Reconcile {
            cfg,
            spec,
            scale,
            pods,
            inputs: owned,
            state,
        })
    }

    fn gates(&mut self, raw: &BTreeMap<String, bool>) -> FeatureGates {
        let mut gates = FeatureGates::default();
        for (name, &on) in raw {
            match name.as_str() {
                "HPAScaleToZero" => gates.scale_to_zero = on,
                "HPAConfigurableTolerance" => gates.configurable_tolerance = on,
                other => self.problem(
                    &format!("inputs.feature_gates.{other}"),
                    format!("unknown feature gate {other:?}"),
                    "use HPAScaleToZero or HPAConfigurableTolerance",
                ),
            }
        }
        gates
    }

    fn tolerance(&mut self, rel: &str, t: f64) -> f64 {
        if !(t.is_finite() && t >= 0.0) {
            self.problem(
                rel,
                format!("tolerance {t} is negative"),
                "use a tolerance ≥ 0, e.g. 0.1",
            );
        }
        t
    }

    fn pods(&mut self, rel: &str, raw: &[RawPod]) -> Vec<Pod> {
        let mut pods = Vec::with_capacity(raw.len());
        for (i, p) in raw.iter().enumerate() {
            let at = |f: &str| format!("{rel}[{i}].{f}");
            let start_time_ms = match &p.start_age_s {
                Field::Absent => Some(LONG_AGO_MS),
                Field::Given(None) => None,
                Field::Given(Some(s)) => Some(self.age(&at("start_age_s"), *s)),
            };
            let ready_transition_ms = match &p.ready_transition_age_s {
                Field::Absent | Field::Given(None) => Some(LONG_AGO_MS),
                Field::Given(Some(s)) => Some(self.age(&at("ready_transition_age_s"), *s)),
            };
            let ready = match &p.ready {
                Field::Absent => Some(true),
                Field::Given(r) => *r,
            };
            if let Some(s) = p.metric_age_s {
                self.seconds(&at("metric_age_s"), s);
            }
            if let Some(s) = p.metric_window_s {
                self.seconds(&at("metric_window_s"), s);
            }
            let phase = match p.phase.unwrap_or(RawPhase::Running) {
                RawPhase::Running => PodPhase::Running,
                RawPhase::Pending => PodPhase::Pending,
                RawPhase::Failed => PodPhase::Failed,
                RawPhase::Succeeded => PodPhase::Succeeded,
            };
            pods.push(Pod {
                phase,
                deleting: p.deleting.unwrap_or(false),
                ready,
                start_time_ms,
                ready_transition_ms,
            });
        }
        pods
    }

    /// One metric spec and its observation, read from the metric entry and the pods.
    fn metric(
        &mut self,
        rel: &str,
        m: &RawMetric,
        pods: &[RawPod],
    ) -> Option<(MetricSpec, OwnedInput)> {
        let before = self.problems.len();
        let t = &m.target;
        let given = [
            ("average_utilization", t.average_utilization.is_some()),
            ("average_value_milli", t.average_value_milli.is_some()),
            ("value_milli", t.value_milli.is_some()),
        ];
        let wanted = match t.kind {
            RawTargetType::Utilization => "average_utilization",
            RawTargetType::AverageValue => "average_value_milli",
            RawTargetType::Value => "value_milli",
        };
        for (name, is_given) in given {
            if is_given && name != wanted {
                self.problem(
                    &format!("{rel}.target.{name}"),
                    format!("`{name}` does not go with target type {:?}", t.kind),
                    format!("a {:?} target takes `{wanted}` only", t.kind),
                );
            }
        }
        let target = match t.kind {
            RawTargetType::Utilization => t.average_utilization.map(Target::Utilization),
            RawTargetType::AverageValue => t.average_value_milli.map(Target::AverageValue),
            RawTargetType::Value => t.value_milli.map(Target::Value),
        };
        if target.is_none() {
            self.problem(
                &format!("{rel}.target"),
                format!("target type {:?} without `{wanted}`", t.kind),
                format!("add `{wanted}`"),
            );
        }
        let check_absent = |v: &mut Self, name: &str, present: bool, types: &str| {
            if present {
                v.problem(
                    &format!("{rel}.{name}"),
                    format!("`{name}` does not go with metric type {:?}", m.kind),
                    format!("`{name}` belongs to {types} metrics only"),
                );
            }
        };
        let per_pod = matches!(
            m.kind,
            RawMetricType::Resource | RawMetricType::ContainerResource | RawMetricType::Pods
        );
        check_absent(
            self,
            "current_value_milli",
            m.current_value_milli.is_some() && m.kind != RawMetricType::Object,
            "Object",
        );
        check_absent(
            self,
            "described_object",
            m.described_object.is_some() && m.kind != RawMetricType::Object,
            "Object",
        );
        check_absent(
            self,
            "current_values_milli",
            m.current_values_milli.is_some() && m.kind != RawMetricType::External,
            "External",
        );
        check_absent(
            self,
            "container",
            m.container.is_some() && m.kind != RawMetricType::ContainerResource,
            "ContainerResource",
        );
        if m.kind == RawMetricType::ContainerResource && m.container.is_none() {
            self.problem(
                &format!("{rel}.container"),
                "missing field",
                "name the container",
            );
        }
        let input = if m.fetch_error {
            OwnedInput::FetchError
        } else if per_pod {
            let resource = matches!(
                m.kind,
                RawMetricType::Resource | RawMetricType::ContainerResource
            );
            let samples = pods
                .iter()
                .map(|p| {
                    p.usage_milli.get(&m.name).map(|&v| Sample {
                        value_milli: v,
                        timestamp_ms: NOW_MS
                            - p.metric_age_s.map_or(0, |s| (s * 1000.0).round() as i64),
                        window_ms: p
                            .metric_window_s
                            .map_or(60_000, |s| (s * 1000.0).round() as i64),
                    })
                })
                .collect();
            let requests = if resource {
                pods.iter()
                    .map(|p| p.requests_milli.get(&m.name).copied())
                    .collect()
            } else {
                Vec::new()
            };
            OwnedInput::PerPod { samples, requests }
        } else if m.kind == RawMetricType::Object {
            match m.current_value_milli {
                Some(v) => OwnedInput::Object(v),
                None => {
                    self.problem(
                        &format!("{rel}.current_value_milli"),
                        "missing field",
                        "give the object's value, or \"fetch_error\": true",
                    );
                    OwnedInput::FetchError
                }
            }
        } else {
            match &m.current_values_milli {
                Some(v) => OwnedInput::External(v.clone()),
                None => {
                    self.problem(
                        &format!("{rel}.current_values_milli"),
                        "missing field",
                        "give the series' values, or \"fetch_error\": true",
                    );
                    OwnedInput::FetchError
                }
            }
        };
        let target = target?;
        if self.problems.len() > before {
            return None;
        }
        let spec = match m.kind {
            RawMetricType::Resource => MetricSpec::Resource {
                resource: Resource::from_name(&m.name),
                target,
            },
            RawMetricType::ContainerResource => MetricSpec::ContainerResource {
                resource: Resource::from_name(&m.name),
                container: m.container.clone().unwrap_or_default(),
                target,
            },
            RawMetricType::Pods => MetricSpec::Pods {
                name: m.name.clone(),
                target,
            },
            RawMetricType::Object => MetricSpec::Object {
                name: m.name.clone(),
                target,
            },
            RawMetricType::External => MetricSpec::External {
                name: m.name.clone(),
                target,
            },
        };
        Some((spec, input))
    }

    fn behavior(&mut self, raw: Option<&RawBehavior>) -> Option<Behavior> {
        let raw = raw?;
        Some(Behavior {
            scale_up: raw
                .scale_up
                .as_ref()
                .map(|r| self.rule("inputs.behavior.scale_up", r)),
            scale_down: raw
                .scale_down
                .as_ref()
                .map(|r| self.rule("inputs.behavior.scale_down", r)),
        })
    }

    fn rule(&mut self, rel: &str, raw: &RawRule) -> ScalingRules {
        let stabilization_window_ms = raw
            .stabilization_window_s
            .map(|s| self.seconds(&format!("{rel}.stabilization_window_s"), s));
        let policies = raw.policies.as_ref().map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, p)| Policy {
                    kind: match p.kind {
                        RawPolicyType::Pods => PolicyKind::Pods,
                        RawPolicyType::Percent => PolicyKind::Percent,
                    },
                    value: p.value,
                    period_ms: self.seconds(&format!("{rel}.policies[{i}].period_s"), p.period_s),
                })
                .collect()
        });
        let tolerance = raw
            .tolerance
            .map(|t| self.tolerance(&format!("{rel}.tolerance"), t));
        ScalingRules {
            stabilization_window_ms,
            select_policy: raw.select_policy.map(|s| match s {
                RawSelect::Max => SelectPolicy::Max,
                RawSelect::Min => SelectPolicy::Min,
                RawSelect::Disabled => SelectPolicy::Disabled,
            }),
            policies,
            tolerance,
        }
    }

    fn events(&mut self, rel: &str, raw: Option<&Vec<RawEvent>>) -> Vec<ScaleEvent> {
        let Some(raw) = raw else { return Vec::new() };
        raw.iter()
            .enumerate()
            .map(|(i, e)| {
                if e.replicas < 0 {
                    self.problem(
                        &format!("{rel}[{i}].replicas"),
                        format!("replica change {} is negative", e.replicas),
                        "scale events carry the absolute change (> 0)",
                    );
                }
                ScaleEvent {
                    replica_change: e.replicas,
                    timestamp_ms: self.age(&format!("{rel}[{i}].age_s"), e.age_s),
                    outdated: false,
                }
            })
            .collect()
    }

    /// `None` = no history (`null` or absent).
    fn recommendations(
        &mut self,
        raw: &Field<Option<Vec<RawRecommendation>>>,
    ) -> Option<Vec<Recommendation>> {
        let list = raw.given()?.as_ref()?;
        Some(
            list.iter()
                .enumerate()
                .map(|(i, r)| Recommendation {
                    replicas: self
                        .count(&format!("inputs.recommendations[{i}].replicas"), r.replicas),
                    timestamp_ms: self.age(&format!("inputs.recommendations[{i}].age_s"), r.age_s),
                })
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

impl Case {
    /// Run the controller function the case pins and compare every expected field.
    pub fn evaluate(&self, file: &str) -> CaseResult {
        let mut got = Got::default();
        match &self.check {
            Check::ReplicaCalc {
                env,
                metric,
                scale,
                pods,
                input,
            } => {
                match calc::replica_calc(env, metric, *scale, Pods::Listed(pods), input.borrow()) {
                    Ok(p) => {
                        got.desired_replicas = Some(p.replicas.to_string());
                        got.utilization_percent = Some(
                            p.utilization_percent
                                .map_or("none".into(), |u| u.to_string()),
                        );
                        got.usage_milli = Some(p.value_milli.to_string());
                    }
                    Err(e) => {
                        let error = format!("error ({e})");
                        got.desired_replicas = Some(error.clone());
                        got.utilization_percent = Some(error.clone());
                        got.usage_milli = Some(error);
                    }
                }
            }
            Check::RateLimit {
                current,
                desired,
                min,
                max,
                behavior,
                cfg,
                up,
                down,
            } => {
                let up_rules = Rules::scale_up(behavior.scale_up.as_ref());
                let down_rules = Rules::scale_down(
                    behavior.scale_down.as_ref(),
                    cfg.downscale_stabilization_window_ms,
                );
                let (d, reason) = normalize::rate_limit(&RateLimitArgs {
                    current: *current,
                    desired: *desired,
                    min: *min,
                    max: *max,
                    scale_up: &up_rules,
                    scale_down: &down_rules,
                    up_events: up,
                    down_events: down,
                    now_ms: NOW_MS,
                });
                got.desired_replicas = Some(d.to_string());
                got.scaling_limited_reason = Some(reason_str(reason));
            }
            Check::ScaleLimit {
                direction,
                current,
                rules,
                cfg,
                up,
                down,
            } => match direction {
                Direction::Up => {
                    let r = Rules::scale_up(rules.as_ref());
                    got.scale_up_limit =
                        Some(normalize::scale_up_limit(*current, up, down, &r, NOW_MS).to_string());
                }
                Direction::Down => {
                    let r =
                        Rules::scale_down(rules.as_ref(), cfg.downscale_stabilization_window_ms);
                    got.scale_down_limit = Some(
                        normalize::scale_down_limit(*current, up, down, &r, NOW_MS).to_string(),
                    );
                }
            },
            Check::Stabilize {
                current,
                desired,
                up_window_ms,
                down_window_ms,
                recommendations,
            } => {
                let mut recs = recommendations.clone();
                let r = normalize::stabilize(
                    &mut recs,
                    *current,
                    *desired,
                    *up_window_ms,
                    *down_window_ms,
                    NOW_MS,
                );
                got.stabilized_replicas = Some(r.to_string());
            }
            Check::LegacyStabilize {
                desired,
                window_ms,
                recommendations,
            } => {
                let mut recs = recommendations.clone();
                got.stabilized_replicas = Some(
                    normalize::legacy_stabilize(&mut recs, *desired, *window_ms, NOW_MS)
                        .to_string(),
                );
            }
            Check::LegacyRules {
                cfg,
                current,
                desired,
                min,
                max,
            } => {
                let (d, reason) = normalize::legacy_rules(cfg, *current, *desired, *min, *max);
                got.desired_replicas = Some(d.to_string());
                got.scaling_limited_reason = Some(reason_str(reason));
            }
            Check::Reconcile {
                cfg,
                spec,
                scale,
                pods,
                inputs,
                state,
            } => {
                let borrowed: Vec<MetricInput<'_>> =
                    inputs.iter().map(OwnedInput::borrow).collect();
                let mut state = state.clone();
                let obs = Observation {
                    scale: *scale,
                    pods: Pods::Listed(pods),
                    inputs: &borrowed,
                    now_ms: NOW_MS,
                };
                let r = reconcile::reconcile(cfg, spec, &obs, &mut state);
                got.desired_replicas = Some(r.desired_replicas.to_string());
                got.scaling_limited_reason = Some(reason_str(r.limited));
            }
        }
        let e = &self.expected;
        let mut mismatches = Vec::new();
        let mut compare = |field: &'static str, expected: Option<String>, got: &Option<String>| {
            if let Some(expected) = expected {
                let got = got.clone().unwrap_or_else(|| "nothing".into());
                if expected != got {
                    mismatches.push(Mismatch {
                        field,
                        expected,
                        got,
                    });
                }
            }
        };
        compare(
            "desired_replicas",
            e.desired_replicas.map(|v| v.to_string()),
            &got.desired_replicas,
        );
        compare(
            "utilization_percent",
            e.utilization_percent.map(|v| v.to_string()),
            &got.utilization_percent,
        );
        compare(
            "usage_milli",
            e.usage_milli.map(|v| v.to_string()),
            &got.usage_milli,
        );
        compare(
            "scaling_limited_reason",
            e.scaling_limited_reason.map(reason_str),
            &got.scaling_limited_reason,
        );
        compare(
            "scale_up_limit",
            e.scale_up_limit.map(|v| v.to_string()),
            &got.scale_up_limit,
        );
        compare(
            "scale_down_limit",
            e.scale_down_limit.map(|v| v.to_string()),
            &got.scale_down_limit,
        );
        compare(
            "stabilized_replicas",
            e.stabilized_replicas.map(|v| v.to_string()),
            &got.stabilized_replicas,
        );
        CaseResult {
            file: file.to_string(),
            id: self.id.clone(),
            kind: self.kind,
            passed: mismatches.is_empty(),
            mismatches,
            source: self.source.clone(),
        }
    }
}

#[derive(Default)]
struct Got {
    desired_replicas: Option<String>,
    utilization_percent: Option<String>,
    usage_milli: Option<String>,
    scaling_limited_reason: Option<String>,
    scale_up_limit: Option<String>,
    scale_down_limit: Option<String>,
    stabilized_replicas: Option<String>,
}

fn reason_str(reason: Option<LimitReason>) -> String {
    reason.map_or_else(|| "null".to_string(), |r| r.as_str().to_string())
}

// ---------------------------------------------------------------------------------------------
// Field paths and positions: a small JSON walker over text already known to be valid JSON.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `cases[3].inputs.pods[0].phase` → segments.
fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segs.push(Seg::Key(key.to_string()));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                segs.push(Seg::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    segs
}

/// Segments → `cases[3](id).inputs.pods[0].phase`, with the case id looked up in `value`.
fn render_path(path: &[Seg], value: &Value) -> String {
    let mut out = String::new();
    for (n, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push_str(&format!("[{i}]"));
                if n == 1
                    && path[0] == Seg::Key("cases".into())
                    && let Some(id) = value["cases"][*i]["id"].as_str()
                {
                    out.push_str(&format!("({id})"));
                }
            }
        }
    }
    out
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The path of the innermost field being read at `offset` (where serde_json stopped).
fn path_at(text: &str, offset: usize) -> Vec<Seg> {
    let mut w = Walker {
        b: text.as_bytes(),
        pos: 0,
        path: Vec::new(),
        stop_at: offset,
        target: None,
        found: None,
    };
    let _ = w.value();
    w.path
}

/// The line and column where the value at `path` starts.
fn locate_path(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let mut w = Walker {
        b: text.as_bytes(),
        pos: 0,
        path: Vec::new(),
        stop_at: usize::MAX,
        target: Some(path),
        found: None,
    };
    let _ = w.value();
    w.found.map(|offset| line_col(text, offset))
}

struct Stop;

struct Walker<'a> {
    b: &'a [u8],
    pos: usize,
    path: Vec<Seg>,
    stop_at: usize,
    target: Option<&'a [Seg]>,
    found: Option<usize>,
}

impl Walker<'_> {
    fn ws(&mut self) {
        while self.pos < self.b.len() && self.b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn check(&self) -> Result<(), Stop> {
        if self.pos >= self.stop_at || self.pos >= self.b.len() {
            Err(Stop)
        } else {
            Ok(())
        }
    }

    fn value(&mut self) -> Result<(), Stop> {
        self.ws();
        self.check()?;
        if self.target == Some(self.path.as_slice()) {
            self.found = Some(self.pos);
            return Err(Stop);
        }
        match self.b[self.pos] {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                self.string();
                Ok(())
            }
            _ => {
                while self.pos < self.b.len()
                    && !matches!(self.b[self.pos], b',' | b'}' | b']')
                    && !self.b[self.pos].is_ascii_whitespace()
                {
                    self.pos += 1;
                }
                Ok(())
            }
        }
    }

    fn string(&mut self) -> String {
        let start = self.pos + 1;
        self.pos += 1;
        while self.pos < self.b.len() && self.b[self.pos] != b'"' {
            if self.b[self.pos] == b'\\' {
                self.pos += 1;
            }
            self.pos += 1;
        }
        let end = self.pos.min(self.b.len());
        self.pos += 1;
        let raw = String::from_utf8_lossy(&self.b[start..end]).into_owned();
        serde_json::from_str::<String>(&format!("\"{raw}\"")).unwrap_or(raw)
    }

    fn object(&mut self) -> Result<(), Stop> {
        self.pos += 1;
        loop {
            self.ws();
            if self.pos >= self.b.len() {
                return Err(Stop);
            }
            match self.b[self.pos] {
                b'}' => {
                    self.pos += 1;
                    return self.check();
                }
                b',' => self.pos += 1,
                b'"' => {
                    let key = self.string();
                    self.path.push(Seg::Key(key));
                    self.check()?;
                    self.ws();
                    if self.pos < self.b.len() && self.b[self.pos] == b':' {
                        self.pos += 1;
                    }
                    self.value()?;
                    self.check()?;
                    self.path.pop();
                }
                _ => return Err(Stop),
            }
        }
    }

    fn array(&mut self) -> Result<(), Stop> {
        self.pos += 1;
        let mut index = 0;
        loop {
            self.ws();
            if self.pos >= self.b.len() {
                return Err(Stop);
            }
            match self.b[self.pos] {
                b']' => {
                    self.pos += 1;
                    return self.check();
                }
                b',' => {
                    self.pos += 1;
                    index += 1;
                }
                _ => {
                    self.path.push(Seg::Index(index));
                    self.value()?;
                    self.check()?;
                    self.path.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pod groupPods and getReadyPodsCount cannot tell from `Pod::default()`.
    fn settled_pod(p: &Pod, cfg_init_ms: i64) -> bool {
        p.phase == PodPhase::Running
            && !p.deleting
            && p.ready == Some(true)
            && p.start_time_ms.is_some_and(|t| t + cfg_init_ms <= NOW_MS)
    }

    /// `input` as `MetricInput::Totals` (n, sampled, Σ usage, request) for settled `pods`, when
    /// every pod has the same request.
    fn settled_twin(
        cfg_init_ms: i64,
        pods: &[Pod],
        input: &OwnedInput,
    ) -> Option<(usize, usize, i128, Option<i64>)> {
        if !pods.iter().all(|p| settled_pod(p, cfg_init_ms)) {
            return None;
        }
        let OwnedInput::PerPod { samples, requests } = input else {
            return None;
        };
        if samples.len() != pods.len() || requests.len() != pods.len() {
            return None;
        }
        let request = requests.first().copied().flatten();
        if requests.iter().any(|r| *r != request) {
            return None;
        }
        let sampled = samples.iter().flatten().count();
        let usage = samples
            .iter()
            .flatten()
            .map(|s| i128::from(s.value_milli))
            .sum();
        Some((pods.len(), sampled, usage, request))
    }

    /// Every conformance case whose pods are all settled gives the same answer when its pods are
    /// passed as `Pods::Settled(n)` with per-metric totals: the simulation's fast path is the
    /// transcription, checked against Kubernetes' own test cases.
    #[test]
    fn settled_pods_agree_with_listed_pods_on_every_case() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hpa-cases");
        let (mut calc_cases, mut reconcile_cases) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let cases = parse(&path.display().to_string(), &text).unwrap();
            for case in cases {
                match &case.check {
                    Check::ReplicaCalc {
                        env,
                        metric,
                        scale,
                        pods,
                        input,
                    } => {
                        let Some((n, sampled, usage, request)) =
                            settled_twin(env.cpu_initialization_period_ms, pods, input)
                        else {
                            continue;
                        };
                        let listed = calc::replica_calc(
                            env,
                            metric,
                            *scale,
                            Pods::Listed(pods),
                            input.borrow(),
                        );
                        let totals = MetricInput::Totals {
                            sampled,
                            usage_total_milli: usage,
                            request_milli: request,
                        };
                        let settled =
                            calc::replica_calc(env, metric, *scale, Pods::Settled(n), totals);
                        assert_eq!(listed, settled, "case {}", case.id);
                        if let Some(fast) =
                            calc::settled_proposal(env, metric, scale.spec_replicas, n, &totals)
                        {
                            assert_eq!(listed, Ok(fast), "case {} (shortest path)", case.id);
                        }
                        calc_cases += 1;
                    }
                    Check::Reconcile {
                        cfg,
                        spec,
                        scale,
                        pods,
                        inputs,
                        state,
                    } => {
                        let twins: Vec<_> = inputs
                            .iter()
                            .map(|i| match i {
                                OwnedInput::PerPod { .. } => {
                                    settled_twin(cfg.cpu_initialization_period_ms, pods, i).map(
                                        |(_, sampled, usage, request)| MetricInput::Totals {
                                            sampled,
                                            usage_total_milli: usage,
                                            request_milli: request,
                                        },
                                    )
                                }
                                other => Some(other.borrow()),
                            })
                            .collect();
                        let all_settled = pods
                            .iter()
                            .all(|p| settled_pod(p, cfg.cpu_initialization_period_ms));
                        if !all_settled || twins.iter().any(Option::is_none) {
                            continue;
                        }
                        let twins: Vec<MetricInput<'_>> = twins.into_iter().flatten().collect();
                        let listed_inputs: Vec<MetricInput<'_>> =
                            inputs.iter().map(OwnedInput::borrow).collect();
                        let (mut a, mut b) = (state.clone(), state.clone());
                        let ra = reconcile::reconcile(
                            cfg,
                            spec,
                            &Observation {
                                scale: *scale,
                                pods: Pods::Listed(pods),
                                inputs: &listed_inputs,
                                now_ms: NOW_MS,
                            },
                            &mut a,
                        );
                        let (da, la, ma) = (ra.desired_replicas, ra.limited, ra.metrics.to_vec());
                        let rb = reconcile::reconcile(
                            cfg,
                            spec,
                            &Observation {
                                scale: *scale,
                                pods: Pods::Settled(pods.len()),
                                inputs: &twins,
                                now_ms: NOW_MS,
                            },
                            &mut b,
                        );
                        assert_eq!(
                            (da, la, ma),
                            (rb.desired_replicas, rb.limited, rb.metrics.to_vec()),
                            "case {}",
                            case.id
                        );
                        reconcile_cases += 1;
                    }
                    _ => {}
                }
            }
        }
        // The transcribed files have many steady-pod cases; a change that filtered them all
        // out would make this test vacuous.
        eprintln!("{calc_cases} replica-calculator and {reconcile_cases} reconcile cases settled");
        assert!(
            calc_cases >= 10,
            "only {calc_cases} replica-calculator cases were settled"
        );
        assert!(
            reconcile_cases >= 3,
            "only {reconcile_cases} reconcile cases were settled"
        );
    }

    /// The two examples of hpa-case-format.md.
    pub(crate) const FORMAT_EXAMPLES: &str =
        include_str!("../../tests/fixtures/hpa-format-examples.json");

    #[test]
    fn format_examples_pass() {
        let results = evaluate_file("x.json", FORMAT_EXAMPLES).unwrap();
        assert_eq!(results.len(), 2);
        for r in &results {
            assert!(r.passed, "{r:?}");
        }
    }

    #[test]
    fn long_ago_is_go_zero_time() {
        assert_eq!(NOW_MS - 1_000_000_000 * 1000, LONG_AGO_MS);
    }

    #[test]
    fn unknown_field_names_case_and_path() {
        let text = FORMAT_EXAMPLES.replacen(
            "\"phase\": \"Running\", \"ready\": true",
            "\"phase\": \"Running\", \"readyy\": true",
            1,
        );
        let problems = parse("f.json", &text).unwrap_err();
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        assert_eq!(
            p.field,
            "cases[0](example-cpu-scale-up).inputs.pods[0].readyy"
        );
        assert!(
            p.message.contains("unknown field `readyy`"),
            "{}",
            p.message
        );
        assert_eq!(p.line_col.map(|(l, _)| l), Some(9));
    }

    #[test]
    fn type_error_and_missing_field_paths() {
        let text = FORMAT_EXAMPLES.replacen(
            "\"current_replicas\": 8",
            "\"current_replicas\": \"eight\"",
            1,
        );
        let p = &parse("f.json", &text).unwrap_err()[0];
        assert_eq!(
            p.field,
            "cases[1](example-stabilize-holds).inputs.current_replicas"
        );
        let text = FORMAT_EXAMPLES.replacen("\"kind\": \"stabilize\",", "", 1);
        let p = &parse("f.json", &text).unwrap_err()[0];
        assert!(p.message.contains("missing field `kind`"), "{}", p.message);
        assert!(
            p.field.starts_with("cases[1](example-stabilize-holds)"),
            "{}",
            p.field
        );
        let text = FORMAT_EXAMPLES.replacen("\"phase\": \"Running\"", "\"phase\": \"Runing\"", 1);
        let p = &parse("f.json", &text).unwrap_err()[0];
        assert_eq!(
            p.field,
            "cases[0](example-cpu-scale-up).inputs.pods[0].phase"
        );
    }

    #[test]
    fn semantic_problems_are_located() {
        let text = FORMAT_EXAMPLES.replacen("\"scale_up_window_s\": 0", "\"direction\": \"up\"", 1);
        let problems = parse("f.json", &text).unwrap_err();
        assert_eq!(
            problems[0].field,
            "cases[1](example-stabilize-holds).inputs.direction"
        );
        assert!(problems[0].line_col.is_some());
        let text =
            FORMAT_EXAMPLES.replacen("\"example-stabilize-holds\"", "\"example-cpu-scale-up\"", 1);
        let problems = parse("f.json", &text).unwrap_err();
        assert!(problems[0].message.contains("duplicate"), "{:?}", problems);
    }

    #[test]
    fn wrong_expectation_fails_with_the_field() {
        let text =
            FORMAT_EXAMPLES.replacen("\"desired_replicas\": 6", "\"desired_replicas\": 7", 1);
        let results = evaluate_file("f.json", &text).unwrap();
        assert!(!results[0].passed);
        assert_eq!(
            results[0].mismatches,
            vec![Mismatch {
                field: "desired_replicas",
                expected: "7".into(),
                got: "6".into()
            }]
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let p = &parse("f.json", "{ \"schema_version\": 1, ").unwrap_err()[0];
        assert!(p.line_col.is_some());
        assert_eq!(p.field, "");
    }

    #[test]
    fn every_kind_evaluates() {
        let text = r#"{ "schema_version": 1, "cases": [
          { "id": "rl", "kind": "rate_limit",
            "inputs": { "current_replicas": 6, "stabilized_desired_replicas": 24, "min_replicas": 1, "max_replicas": 1000,
              "behavior": { "scale_up": { "policies": [ { "type": "Percent", "value": 300, "period_s": 300 } ], "stabilization_window_s": 0, "select_policy": "Max" }, "scale_down": null },
              "scale_up_events": [ { "replicas": 4, "age_s": 60 } ], "scale_down_events": [ { "replicas": 2, "age_s": 60 } ] },
            "expected": { "desired_replicas": 16, "scaling_limited_reason": "ScaleUpLimit" } },
          { "id": "sl", "kind": "scale_limit",
            "inputs": { "direction": "down", "current_replicas": 5,
              "rules": { "select_policy": "Min", "policies": [ { "type": "Pods", "value": 2, "period_s": 60 }, { "type": "Percent", "value": 50, "period_s": 60 } ] } },
            "expected": { "scale_down_limit": 3 } },
          { "id": "ls", "kind": "legacy_stabilize", "config": { "downscale_stabilization_window_s": 300 },
            "inputs": { "desired_replicas": 3, "recommendations": [ { "replicas": 4, "age_s": 120 }, { "replicas": 5, "age_s": 60 } ] },
            "expected": { "stabilized_replicas": 5 } },
          { "id": "lr", "kind": "legacy_rules", "config": { "legacy_scale_up_limit_factor": 8 },
            "inputs": { "current_replicas": 3, "desired_replicas": 1000, "min_replicas": 1, "max_replicas": 2000 },
            "expected": { "desired_replicas": 24, "scaling_limited_reason": "ScaleUpLimit" } },
          { "id": "rc", "kind": "reconcile",
            "inputs": { "min_replicas": 1, "max_replicas": 100, "spec_replicas": 1, "status_replicas": 1,
              "metrics": [ { "type": "Resource", "name": "cpu", "target": { "type": "Utilization", "average_utilization": 50 } } ],
              "pods": [ { "requests_milli": { "cpu": 1000 }, "usage_milli": { "cpu": 10000 } } ],
              "recommendations": null, "behavior": {}, "scale_up_events": [], "scale_down_events": [] },
            "expected": { "desired_replicas": 5, "scaling_limited_reason": "ScaleUpLimit" } },
          { "id": "rc-legacy", "kind": "reconcile",
            "inputs": { "min_replicas": 1, "max_replicas": 100, "spec_replicas": 1,
              "pods": [ { "requests_milli": { "cpu": 1000 }, "usage_milli": { "cpu": 10000 } } ],
              "recommendations": null, "behavior": null },
            "expected": { "desired_replicas": 4 } },
          { "id": "obj", "kind": "replica_calc",
            "inputs": { "current_replicas": 3,
              "metric": { "type": "External", "name": "qps", "target": { "type": "Value", "value_milli": 4400 }, "current_values_milli": [8600] },
              "pods": [ { "ready": false }, { "ready": true }, { "ready": false } ] },
            "expected": { "desired_replicas": 2, "usage_milli": 8600 } }
        ] }"#;
        let results = evaluate_file("k.json", text).unwrap();
        for r in &results {
            assert!(r.passed, "{r:?}");
        }
        assert_eq!(results.len(), 7);
    }

    #[test]
    fn fields_of_other_kinds_are_rejected() {
        let text = r#"{ "schema_version": 1, "cases": [
          { "id": "a", "kind": "legacy_rules",
            "inputs": { "current_replicas": 3, "desired_replicas": 1, "max_replicas": 5, "pods": [] },
            "expected": { "stabilized_replicas": 2 } } ] }"#;
        let problems = parse("k.json", text).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "cases[0](a).inputs.pods",
                "cases[0](a).expected.stabilized_replicas"
            ]
        );
    }

    #[test]
    fn path_helpers() {
        assert_eq!(
            parse_path("cases[3].inputs.pods[0].phase"),
            vec![
                Seg::Key("cases".into()),
                Seg::Index(3),
                Seg::Key("inputs".into()),
                Seg::Key("pods".into()),
                Seg::Index(0),
                Seg::Key("phase".into())
            ]
        );
        let text = "{\n  \"a\": [1, {\"b\": 2}]\n}";
        assert_eq!(locate_path(text, &parse_path("a[1].b")), Some((2, 18)));
        assert_eq!(line_col(text, 0), (1, 1));
    }
}
