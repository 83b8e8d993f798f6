//! The `autoscaling/v2` HorizontalPodAutoscalerSpec as written in a scenario (the Kubernetes YAML
//! shape, so a real manifest's `spec:` — or the whole manifest — can be pasted in), decoded and
//! validated with the API server's rules.

use super::decode::show;
use super::decode::{Cx, MapReader};
use super::yaml::{Node, Value};
use crate::hpa::{self, MetricSpec, PolicyKind, ScalingRules, SelectPolicy, Target};

/// Metric names the simulation can produce, and what they mean.
pub const SIM_METRICS: &[(&str, &str)] = &[
    (
        "requests_per_second",
        "requests per second (per pod for Pods metrics, the service total for Object/External)",
    ),
    (
        "inflight_requests",
        "requests being served (per pod for Pods metrics, the service total for Object/External)",
    ),
];

/// The validated HPA of a service is the controller's own resolved spec.
pub type HpaSpec = hpa::Spec;

/// Decode `hpa:`. Accepts a HorizontalPodAutoscalerSpec, or a whole `autoscaling/v2`
/// HorizontalPodAutoscaler manifest (its `spec` is used).
pub fn decode(node: &Node, cx: &mut Cx, path: &str) -> Option<HpaSpec> {
    let mut m = cx.map(node, path)?;
    let kind = m.opt("kind");
    let api = m.opt("apiVersion");
    if kind.is_some() || api.is_some() {
        // A whole manifest: check its header and decode its spec.
        if let Some(api) = api {
            let v = cx.scalar(api, &m.child("apiVersion"), "autoscaling/v2");
            if v.is_some_and(|v| v != "autoscaling/v2") {
                cx.problem(
                    api,
                    &m.child("apiVersion"),
                    "only autoscaling/v2 manifests are read",
                    "write apiVersion: autoscaling/v2",
                );
            }
        }
        m.ignore(&["metadata"]);
        let spec = m.req(cx, "spec", "the HorizontalPodAutoscalerSpec");
        m.ignore(&["status"]);
        let child = m.child("spec");
        m.finish(cx);
        return decode(spec?, cx, &child);
    }
    m.ignore(&["scaleTargetRef"]); // capsim scales the service this HPA sits under.
    // Default: the API's (SetDefaults_HorizontalPodAutoscaler).
    let min = m.opt_or(cx, "minReplicas", 1, |cx, n, p| {
        match cx.int(n, p, 0, i64::from(i32::MAX)) {
            Some(0) => {
                cx.problem(
                    n,
                    p,
                    "minReplicas 0 needs the HPAScaleToZero feature gate and an Object or External metric, which capsim does not simulate",
                    "set minReplicas to 1 or more",
                );
                None
            }
            v => v.map(|v| v as u32),
        }
    });
    let max_node = m.req(
        cx,
        "maxReplicas",
        "the upper limit for the number of replicas",
    );
    let max = max_node
        .and_then(|n| cx.int(n, &m.child("maxReplicas"), 1, i64::from(i32::MAX)))
        .map(|v| v as u32);
    if let (Some(min), Some(max), Some(n)) = (min, max, max_node)
        && min > max
    {
        cx.problem(
            n,
            &m.child("maxReplicas"),
            format!("maxReplicas ({max}) is less than minReplicas ({min})"),
            "make minReplicas less than or equal to maxReplicas",
        );
    }
    let metrics = match m.opt("metrics") {
        // The API server defaults an empty list to cpu at 80 % (SetDefaults_HorizontalPodAutoscaler).
        None => Some(vec![MetricSpec::Resource {
            resource: hpa::Resource::Cpu,
            target: Target::Utilization(80),
        }]),
        Some(n) => {
            let p = m.child("metrics");
            if let Value::Seq(items) = &n.value
                && items.len() > crate::hpa::MAX_METRICS
            {
                cx.problem(
                    n,
                    &p,
                    format!(
                        "{} metrics; capsim simulates at most {}",
                        items.len(),
                        crate::hpa::MAX_METRICS
                    ),
                    "keep the metrics that drive scaling",
                );
            }
            cx.seq(n, &p).map(|items| {
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| decode_metric(item, cx, &format!("{p}[{i}]")))
                    .collect::<Vec<_>>()
            })
        }
    };
    let behavior = m
        .opt("behavior")
        .map(|n| decode_behavior(n, cx, &m.child("behavior")));
    m.finish(cx);
    Some(HpaSpec {
        min_replicas: min? as i32,
        max_replicas: max? as i32,
        metrics: metrics?,
        behavior: behavior.flatten(),
    })
}

/// The metric source fields of a MetricSpec, one per metric type.
const SOURCES: [&str; 5] = [
    "resource",
    "containerResource",
    "pods",
    "object",
    "external",
];

fn decode_metric(node: &Node, cx: &mut Cx, path: &str) -> Option<MetricSpec> {
    let mut m = cx.map(node, path)?;
    let kind = m
        .req(
            cx,
            "type",
            "Resource, ContainerResource, Pods, Object or External",
        )
        .and_then(|n| {
            cx.choice(
                n,
                &m.child("type"),
                &[
                    ("Resource", 0u8),
                    ("ContainerResource", 1),
                    ("Pods", 2),
                    ("Object", 3),
                    ("External", 4),
                ],
            )
        });
    let key = match kind {
        Some(0) => "resource",
        Some(1) => "containerResource",
        Some(2) => "pods",
        Some(3) => "object",
        Some(4) => "external",
        _ => {
            // Still mark the source fields as known so they are not reported twice.
            m.ignore(&SOURCES);
            m.finish(cx);
            return None;
        }
    };
    for k in SOURCES {
        if k != key && m.opt(k).is_some() {
            cx.problem(
                node,
                &m.child(k),
                format!("`{k}` does not go with the metric type"),
                format!("keep only `{key}:` for this type"),
            );
        }
    }
    let body = m.req(cx, key, "the metric source");
    let body_path = m.child(key);
    m.finish(cx);
    let mut b = cx.map(body?, &body_path)?;
    let result = match key {
        "resource" | "containerResource" => {
            let name = b
                .req(cx, "name", "cpu or memory")
                .and_then(|n| cx.choice(n, &b.child("name"), &[("cpu", true), ("memory", false)]));
            // capsim pods have one container, so a ContainerResource metric sees the whole pod.
            let container = if key == "containerResource" {
                b.req(cx, "container", "the container name")
                    .and_then(|n| cx.string(n, &b.child("container")))
            } else {
                None
            };
            let target = b.req(cx, "target", "the target").and_then(|t| {
                decode_target(t, cx, &b.child("target"), &["Utilization", "AverageValue"])
            });
            let resource = if name? {
                hpa::Resource::Cpu
            } else {
                hpa::Resource::Memory
            };
            match key {
                "containerResource" => Some(MetricSpec::ContainerResource {
                    resource,
                    container: container?,
                    target: target?,
                }),
                _ => Some(MetricSpec::Resource {
                    resource,
                    target: target?,
                }),
            }
        }
        _ => {
            let metric = b
                .req(cx, "metric", "the metric identifier (name: ...)")
                .and_then(|n| {
                    let p = b.child("metric");
                    let mut mm = cx.map(n, &p)?;
                    let name = mm.req(cx, "name", "a metric name");
                    mm.ignore(&["selector"]);
                    let name = name.and_then(|n| {
                        let s = cx.string(n, &mm.child("name"))?;
                        if !SIM_METRICS.iter().any(|(k, _)| *k == s) {
                            let known: Vec<_> = SIM_METRICS
                                .iter()
                                .map(|(k, d)| format!("{k} ({d})"))
                                .collect();
                            cx.problem(
                                n,
                                &mm.child("name"),
                                format!("capsim does not simulate the metric {s:?}"),
                                format!("use one of: {}", known.join("; ")),
                            );
                            return None;
                        }
                        Some(s)
                    });
                    mm.finish(cx);
                    name
                });
            if key == "object" {
                let _ = b.req(cx, "describedObject", "the object the metric describes");
            }
            let allowed: &[&str] = if key == "pods" {
                &["AverageValue"]
            } else {
                &["Value", "AverageValue"]
            };
            let target = b
                .req(cx, "target", "the target")
                .and_then(|t| decode_target(t, cx, &b.child("target"), allowed));
            let (metric, target) = (metric?, target?);
            Some(match key {
                "pods" => MetricSpec::Pods {
                    name: metric,
                    target,
                },
                "object" => MetricSpec::Object {
                    name: metric,
                    target,
                },
                _ => MetricSpec::External {
                    name: metric,
                    target,
                },
            })
        }
    };
    b.finish(cx);
    result
}

fn decode_target(node: &Node, cx: &mut Cx, path: &str, allowed: &[&str]) -> Option<Target> {
    let mut m = cx.map(node, path)?;
    let ty_node = m.req(cx, "type", "the target type");
    let ty = ty_node.and_then(|n| cx.scalar(n, &m.child("type"), "a target type"));
    let util = m.opt("averageUtilization");
    let avg = m.opt("averageValue");
    let val = m.opt("value");
    let out = match ty {
        Some(t) if !allowed.contains(&t) => {
            cx.problem(
                ty_node.unwrap_or(node),
                &m.child("type"),
                format!("target type {t:?} is not allowed for this metric"),
                format!("write one of: {}", allowed.join(", ")),
            );
            None
        }
        Some("Utilization") => util
            .or_else(|| {
                cx.problem(
                    node,
                    &m.child("averageUtilization"),
                    "required for a Utilization target",
                    "add averageUtilization: <percent>, e.g. 70",
                );
                None
            })
            .and_then(|n| cx.int(n, &m.child("averageUtilization"), 1, 100_000))
            .map(|v| Target::Utilization(v as i32)),
        Some("AverageValue") => avg
            .or_else(|| {
                cx.problem(
                    node,
                    &m.child("averageValue"),
                    "required for an AverageValue target",
                    "add averageValue: <quantity>, e.g. 100 or 500m",
                );
                None
            })
            .and_then(|n| {
                cx.positive_quantity_milli(n, &m.child("averageValue"), "write a positive quantity")
            })
            .map(Target::AverageValue),
        Some("Value") => val
            .or_else(|| {
                cx.problem(
                    node,
                    &m.child("value"),
                    "required for a Value target",
                    "add value: <quantity>",
                );
                None
            })
            .and_then(|n| {
                cx.positive_quantity_milli(n, &m.child("value"), "write a positive quantity")
            })
            .map(Target::Value),
        _ => None,
    };
    m.finish(cx);
    out
}

fn decode_behavior(node: &Node, cx: &mut Cx, path: &str) -> Option<hpa::Behavior> {
    let mut m = cx.map(node, path)?;
    let up = m
        .opt("scaleUp")
        .and_then(|n| decode_rules(n, cx, &m.child("scaleUp")));
    let down = m
        .opt("scaleDown")
        .and_then(|n| decode_rules(n, cx, &m.child("scaleDown")));
    m.finish(cx);
    Some(hpa::Behavior {
        scale_up: up,
        scale_down: down,
    })
}

fn decode_rules(node: &Node, cx: &mut Cx, path: &str) -> Option<ScalingRules> {
    let mut m: MapReader = cx.map(node, path)?;
    // Ranges from the API server's validation (ValidateHorizontalPodAutoscalerSpec).
    let window = m
        .opt("stabilizationWindowSeconds")
        .and_then(|n| cx.int(n, &m.child("stabilizationWindowSeconds"), 0, 3600))
        .map(|v| v as i32);
    let select = m.opt("selectPolicy").and_then(|n| {
        cx.choice(
            n,
            &m.child("selectPolicy"),
            &[
                ("Max", SelectPolicy::Max),
                ("Min", SelectPolicy::Min),
                ("Disabled", SelectPolicy::Disabled),
            ],
        )
    });
    let tolerance = m
        .opt_read(cx, "tolerance", |cx, n, p| {
            cx.f64_where(
                n,
                p,
                |v| v >= 0.0,
                |v| format!("must not be negative, found {}", show(v)),
                "write 0 or a positive quantity like 0.05",
            )
        })
        .flatten();
    let policies = m.opt("policies").and_then(|n| {
        let p = m.child("policies");
        let items = cx.seq(n, &p)?;
        if items.is_empty() {
            cx.problem(
                n,
                &p,
                "must contain at least one policy",
                "add a policy or remove `policies`",
            );
            return None;
        }
        let out: Vec<_> = items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let ip = format!("{p}[{i}]");
                let mut pm = cx.map(it, &ip)?;
                let kind = pm.req(cx, "type", "Pods or Percent").and_then(|t| {
                    cx.choice(
                        t,
                        &pm.child("type"),
                        &[("Pods", PolicyKind::Pods), ("Percent", PolicyKind::Percent)],
                    )
                });
                let value = pm
                    .req(cx, "value", "a positive number")
                    .and_then(|v| cx.int(v, &pm.child("value"), 1, i64::from(i32::MAX)));
                let period = pm
                    .req(cx, "periodSeconds", "a period from 1 to 1800 seconds")
                    .and_then(|v| cx.int(v, &pm.child("periodSeconds"), 1, 1800));
                pm.finish(cx);
                Some(hpa::Policy {
                    kind: kind?,
                    value: value? as i32,
                    period_ms: period? * 1000,
                })
            })
            .collect();
        (out.len() == items.len()).then_some(out)
    });
    m.finish(cx);
    Some(ScalingRules {
        stabilization_window_ms: window.map(|s| i64::from(s) * 1000),
        select_policy: select,
        policies,
        tolerance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml;

    fn decode_text(text: &str) -> (Option<HpaSpec>, Vec<crate::Problem>) {
        let node = yaml::parse(text, "t.yaml").unwrap();
        let mut cx = Cx::new("t.yaml");
        let spec = decode(&node, &mut cx, "hpa");
        (spec, cx.problems)
    }

    /// A manifest as `kubectl get hpa -o yaml` would print it (the example of the Kubernetes
    /// "HorizontalPodAutoscaler Walkthrough", with a behavior section) is read as it is.
    #[test]
    fn a_whole_manifest_can_be_pasted() {
        let (spec, problems) = decode_text(
            r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: php-apache }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: php-apache }
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } }
  - type: Pods
    pods: { metric: { name: requests_per_second }, target: { type: AverageValue, averageValue: 1k } }
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      selectPolicy: Min
      policies: [ { type: Percent, value: 10, periodSeconds: 60 }, { type: Pods, value: 4, periodSeconds: 60 } ]
"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let spec = spec.unwrap();
        assert_eq!((spec.min_replicas, spec.max_replicas), (1, 10));
        assert_eq!(
            spec.metrics[1],
            MetricSpec::Pods {
                name: "requests_per_second".into(),
                target: Target::AverageValue(1_000_000)
            }
        );
        let down = spec.behavior.unwrap().scale_down.unwrap();
        assert_eq!(down.stabilization_window_ms, Some(300_000));
        assert_eq!(down.select_policy, Some(SelectPolicy::Min));
        assert_eq!(
            down.policies.unwrap()[0],
            hpa::Policy {
                kind: PolicyKind::Percent,
                value: 10,
                period_ms: 60_000
            }
        );
    }

    #[test]
    fn defaults_follow_the_api_server() {
        let (spec, problems) = decode_text("maxReplicas: 5\n");
        assert!(problems.is_empty());
        let spec = spec.unwrap();
        assert_eq!(spec.min_replicas, 1);
        assert_eq!(
            spec.metrics,
            vec![MetricSpec::Resource {
                resource: hpa::Resource::Cpu,
                target: Target::Utilization(80)
            }]
        );
        assert_eq!(spec.behavior, None);
    }

    /// A bad tolerance is one problem (with the HPA's own fix), not a generic one as well.
    #[test]
    fn a_bad_tolerance_is_reported_once() {
        for (value, message) in [
            ("-0.5", "must not be negative, found -0.5"),
            ("lots", "expected a number, found \"lots\""),
        ] {
            let (_, problems) = decode_text(&format!(
                "maxReplicas: 5\nbehavior:\n  scaleDown:\n    tolerance: {value}\n"
            ));
            assert_eq!(problems.len(), 1, "{value}: {problems:?}");
            assert_eq!(problems[0].field, "hpa.behavior.scaleDown.tolerance");
            assert_eq!(problems[0].message, message);
            assert_eq!(problems[0].line_col, Some((4, 16)));
        }
    }

    #[test]
    fn api_validation_rules_are_enforced() {
        let (_, problems) = decode_text(
            r#"
minReplicas: 0
maxReplicas: 5
metrics:
- type: Pods
  pods: { metric: { name: queue_depth }, target: { type: Utilization, averageUtilization: 50 } }
behavior:
  scaleUp:
    stabilizationWindowSeconds: 4000
    policies: [ { type: Pods, value: 0, periodSeconds: 2000 } ]
"#,
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "hpa.minReplicas",
            "hpa.metrics[0].pods.metric.name",
            "hpa.metrics[0].pods.target.type",
            "hpa.behavior.scaleUp.stabilizationWindowSeconds",
            "hpa.behavior.scaleUp.policies[0].value",
            "hpa.behavior.scaleUp.policies[0].periodSeconds",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }
}
