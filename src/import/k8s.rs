//! Reading Kubernetes manifests (multi-document YAML as `helm template` or `kubectl get -o yaml`
//! writes it): Deployments and StatefulSets become services; HorizontalPodAutoscalers (v2 and
//! v1) and KEDA ScaledObjects (their cpu/memory triggers) become the services' `hpa`;
//! PodDisruptionBudgets are noted; every other document is listed as skipped.

use std::path::{Path, PathBuf};

use super::{Entry, Summary, at, get, int_at, items, text, text_at};
use crate::error::{Error, Problem, Result};
use crate::scenario::yaml::{self, Node, Value};

/// A probe's timing (seconds, as the API writes them; API defaults filled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub initial_delay_s: i64,
    pub period_s: i64,
    pub failure_threshold: i64,
}

/// One container's resources (quantities as the manifest writes them) and probes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Container {
    pub name: String,
    pub cpu_request: Option<String>,
    pub memory_request: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory_limit: Option<String>,
    pub startup_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
}

/// A Deployment or StatefulSet.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// `file:line` of the document.
    pub source: String,
    /// `spec.replicas` (None when unset: the API defaults it to 1).
    pub replicas: Option<i64>,
    pub containers: Vec<Container>,
    /// `spec.template.metadata.labels`, for matching PodDisruptionBudgets.
    pub labels: Vec<(String, String)>,
    /// The rollout strategy in words (`RollingUpdate maxSurge 25% maxUnavailable 25%`).
    pub strategy: Option<String>,
    pub termination_grace_s: Option<i64>,
}

/// Where an autoscaler came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoscalerKind {
    HpaV2,
    HpaV1,
    KedaScaledObject,
}

/// An HPA (or what a ScaledObject makes of one) as the scenario's `hpa` node, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaler {
    pub kind: AutoscalerKind,
    pub name: String,
    pub namespace: String,
    pub source: String,
    pub target_kind: String,
    pub target_name: String,
    /// The `autoscaling/v2` HorizontalPodAutoscalerSpec to write (without `scaleTargetRef`).
    pub spec: Node,
    /// Metrics or triggers capsim cannot simulate, as text, written as TODO comments.
    pub dropped: Vec<String>,
    /// Changes made so the spec validates (e.g. KEDA's minReplicaCount 0 → 1).
    pub notes: Vec<String>,
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, PartialEq)]
pub struct Pdb {
    pub name: String,
    pub namespace: String,
    pub source: String,
    pub match_labels: Vec<(String, String)>,
    /// `minAvailable 1` or `maxUnavailable 25%`.
    pub budget: String,
}

/// Everything read from the manifests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifests {
    pub workloads: Vec<Workload>,
    pub autoscalers: Vec<Autoscaler>,
    pub pdbs: Vec<Pdb>,
    pub summary: Summary,
}

/// The YAML files named by `paths`: files as given, directories walked for `*.yaml` / `*.yml`
/// in name order (so the result does not depend on the file system's order).
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::read(dir, e))?;
    for e in entries {
        let p = e.map_err(|e| Error::read(dir, e))?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    Ok(())
}

/// Read every document of every file. YAML syntax errors are problems (exit 2); documents that
/// are not workloads, autoscalers or budgets are listed in the summary as skipped.
pub fn read(paths: &[PathBuf]) -> Result<Manifests> {
    let mut m = Manifests::default();
    let mut problems = Vec::new();
    for path in files(paths)? {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::read(&path, e))?;
        let file = path.display().to_string();
        match parse(&text, &file, &mut m) {
            Ok(()) => {}
            Err(ps) => problems.extend(ps),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    if m.workloads.is_empty() {
        return Err(Error::invalid(Problem::new(
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            "",
            format!(
                "no Deployment or StatefulSet found ({} documents skipped)",
                m.summary.skipped.len()
            ),
            "give the manifests of the workloads to simulate (e.g. the output of `helm template`)",
        )));
    }
    Ok(m)
}

/// Read the documents of one file's text into `m`.
pub fn parse(text: &str, file: &str, m: &mut Manifests) -> std::result::Result<(), Vec<Problem>> {
    for doc in yaml::parse_all(text, file)? {
        let source = format!("{file}:{}", doc.line);
        read_document(&doc.root, &source, m);
    }
    Ok(())
}

fn read_document(root: &Node, source: &str, m: &mut Manifests) {
    let kind = text_at(root, &["kind"]).unwrap_or("").to_string();
    let api = text_at(root, &["apiVersion"]).unwrap_or("").to_string();
    let name = text_at(root, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let namespace = text_at(root, &["metadata", "namespace"])
        .unwrap_or("default")
        .to_string();
    let what = if kind.is_empty() {
        "a document without `kind`".to_string()
    } else {
        format!("{kind} {namespace}/{name}")
    };
    let skip = |m: &mut Manifests, why: &str| {
        m.summary.skipped.push(Entry {
            source: source.to_string(),
            what: what.clone(),
            note: why.to_string(),
        })
    };
    match kind.as_str() {
        "List" => {
            // `kubectl get -o yaml` wraps several objects in a List.
            for item in items(get(root, "items")) {
                read_document(item, source, m);
            }
        }
        "Deployment" | "StatefulSet" => {
            m.workloads
                .push(workload(root, &kind, name, namespace, source));
        }
        "HorizontalPodAutoscaler" => match hpa(root, &api, name, namespace, source) {
            Ok(a) => m.autoscalers.push(a),
            Err(why) => skip(m, &why),
        },
        "ScaledObject" if api.starts_with("keda.sh/") => {
            match scaled_object(root, name, namespace, source) {
                Ok(a) => m.autoscalers.push(a),
                Err(why) => skip(m, &why),
            }
        }
        "PodDisruptionBudget" => {
            let spec = get(root, "spec");
            let budget = ["minAvailable", "maxUnavailable"]
                .iter()
                .find_map(|k| {
                    spec.and_then(|s| get(s, k))
                        .and_then(text)
                        .map(|v| format!("{k} {v}"))
                })
                .unwrap_or_else(|| "no budget".into());
            m.pdbs.push(Pdb {
                name,
                namespace,
                source: source.to_string(),
                match_labels: string_map(spec.and_then(|s| at(s, &["selector", "matchLabels"]))),
                budget,
            });
        }
        "DaemonSet" => skip(
            m,
            "a DaemonSet runs one pod per node, not a scaled service; capsim does not simulate it",
        ),
        "" => skip(m, "not a Kubernetes object"),
        _ => skip(m, "not a workload, autoscaler or disruption budget"),
    }
}

fn string_map(node: Option<&Node>) -> Vec<(String, String)> {
    match node.map(|n| &n.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|(k, v)| Some((text(k)?.to_string(), text(v).unwrap_or("").to_string())))
            .collect(),
        _ => Vec::new(),
    }
}

fn probe(node: Option<&Node>) -> Option<Probe> {
    let n = node?;
    // API defaults (core/v1 Probe): initialDelaySeconds 0, periodSeconds 10, failureThreshold 3.
    Some(Probe {
        initial_delay_s: int_at(n, &["initialDelaySeconds"]).unwrap_or(0),
        period_s: int_at(n, &["periodSeconds"]).unwrap_or(10),
        failure_threshold: int_at(n, &["failureThreshold"]).unwrap_or(3),
    })
}

fn workload(root: &Node, kind: &str, name: String, namespace: String, source: &str) -> Workload {
    let spec = get(root, "spec");
    let pod = spec.and_then(|s| at(s, &["template", "spec"]));
    let containers = items(pod.and_then(|p| get(p, "containers")))
        .iter()
        .map(|c| {
            let q = |path: &[&str]| text_at(c, path).map(str::to_string);
            Container {
                name: text_at(c, &["name"]).unwrap_or("").to_string(),
                cpu_request: q(&["resources", "requests", "cpu"]),
                memory_request: q(&["resources", "requests", "memory"]),
                cpu_limit: q(&["resources", "limits", "cpu"]),
                memory_limit: q(&["resources", "limits", "memory"]),
                startup_probe: probe(get(c, "startupProbe")),
                readiness_probe: probe(get(c, "readinessProbe")),
            }
        })
        .collect();
    let strategy_node = spec.and_then(|s| {
        get(
            s,
            if kind == "StatefulSet" {
                "updateStrategy"
            } else {
                "strategy"
            },
        )
    });
    let strategy = match strategy_node {
        Some(st) => {
            let t = text_at(st, &["type"]).unwrap_or("RollingUpdate");
            let mut words = vec![t.to_string()];
            for k in ["maxSurge", "maxUnavailable", "partition"] {
                if let Some(v) = text_at(st, &["rollingUpdate", k]) {
                    words.push(format!("{k} {v}"));
                }
            }
            Some(words.join(" "))
        }
        // API defaults: Deployments roll 25 % / 25 %, StatefulSets one pod at a time.
        None if kind == "Deployment" => {
            Some("RollingUpdate maxSurge 25% maxUnavailable 25% (API defaults)".into())
        }
        None => Some("RollingUpdate maxUnavailable 1 (API default)".into()),
    };
    Workload {
        kind: kind.to_string(),
        name,
        namespace,
        source: source.to_string(),
        replicas: spec.and_then(|s| int_at(s, &["replicas"])),
        containers,
        labels: string_map(spec.and_then(|s| at(s, &["template", "metadata", "labels"]))),
        strategy,
        termination_grace_s: pod.and_then(|p| int_at(p, &["terminationGracePeriodSeconds"])),
    }
}

/// Metric names the simulation produces (`scenario::hpa_spec::SIM_METRICS`).
fn simulated(name: &str) -> bool {
    crate::scenario::hpa_spec::SIM_METRICS
        .iter()
        .any(|(k, _)| *k == name)
}

/// Whether capsim can simulate this `autoscaling/v2` MetricSpec; else a one-line description.
fn metric_supported(metric: &Node) -> Result<(), String> {
    let ty = text_at(metric, &["type"]).unwrap_or("");
    let (key, name) = match ty {
        "Resource" => ("resource", text_at(metric, &["resource", "name"])),
        "ContainerResource" => (
            "containerResource",
            text_at(metric, &["containerResource", "name"]),
        ),
        "Pods" => ("pods", text_at(metric, &["pods", "metric", "name"])),
        "Object" => ("object", text_at(metric, &["object", "metric", "name"])),
        "External" => ("external", text_at(metric, &["external", "metric", "name"])),
        _ => return Err(format!("a metric of type {ty:?}")),
    };
    let name = name.unwrap_or("");
    let ok = match key {
        "resource" | "containerResource" => name == "cpu" || name == "memory",
        _ => simulated(name),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{ty} metric {name:?}"))
    }
}

fn scalar(text: &str, plain: bool) -> Node {
    Node {
        value: Value::Scalar {
            text: text.to_string(),
            plain,
        },
        line: 0,
        col: 0,
    }
}

fn map(entries: Vec<(&str, Node)>) -> Node {
    Node {
        value: Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (scalar(k, true), v))
                .collect(),
        ),
        line: 0,
        col: 0,
    }
}

fn seq(items: Vec<Node>) -> Node {
    Node {
        value: Value::Seq(items),
        line: 0,
        col: 0,
    }
}

/// `{type: Resource, resource: {name, target: {type, averageUtilization | averageValue}}}`.
fn resource_metric(resource: &str, target_type: &str, value: &str) -> Node {
    let target = if target_type == "Utilization" {
        map(vec![
            ("type", scalar("Utilization", true)),
            ("averageUtilization", scalar(value, true)),
        ])
    } else {
        map(vec![
            ("type", scalar("AverageValue", true)),
            ("averageValue", scalar(value, true)),
        ])
    };
    map(vec![
        ("type", scalar("Resource", true)),
        (
            "resource",
            map(vec![("name", scalar(resource, true)), ("target", target)]),
        ),
    ])
}

fn target_ref(spec: Option<&Node>) -> (String, String) {
    let r = spec.and_then(|s| get(s, "scaleTargetRef"));
    (
        r.and_then(|r| text_at(r, &["kind"]))
            .unwrap_or("Deployment")
            .to_string(),
        r.and_then(|r| text_at(r, &["name"]))
            .unwrap_or("")
            .to_string(),
    )
}

/// The spec to write: `minReplicas` (raised to 1 from 0, which capsim cannot simulate),
/// `maxReplicas`, the supported `metrics` and `behavior`, in the manifest's words.
fn assemble(
    min: Option<Node>,
    max: Option<Node>,
    metrics: Vec<Node>,
    behavior: Option<Node>,
    notes: &mut Vec<String>,
    had_metrics: bool,
) -> Node {
    let mut entries: Vec<(&str, Node)> = Vec::new();
    match min {
        Some(n) if text(&n) == Some("0") => {
            notes.push(
                "minReplicas 0 (scale to zero) raised to 1: capsim does not simulate scale-to-zero"
                    .into(),
            );
            entries.push(("minReplicas", scalar("1", true)));
        }
        Some(n) => entries.push(("minReplicas", n)),
        None => {}
    }
    if let Some(n) = max {
        entries.push(("maxReplicas", n));
    }
    if !metrics.is_empty() {
        entries.push(("metrics", seq(metrics)));
    } else if had_metrics {
        // Nothing left that capsim can simulate: an explicit placeholder rather than the API's
        // silent default, so the TODO is visible.
        notes.push(
            "no metric capsim can simulate: cpu Utilization 80 % (the API default) written as a placeholder"
                .into(),
        );
        entries.push((
            "metrics",
            seq(vec![resource_metric("cpu", "Utilization", "80")]),
        ));
    }
    if let Some(b) = behavior {
        entries.push(("behavior", b));
    }
    map(entries)
}

fn hpa(
    root: &Node,
    api: &str,
    name: String,
    namespace: String,
    source: &str,
) -> std::result::Result<Autoscaler, String> {
    let spec = get(root, "spec");
    let (target_kind, target_name) = target_ref(spec);
    let mut notes = Vec::new();
    let mut dropped = Vec::new();
    let (kind, spec_node) = match api {
        "autoscaling/v2" | "autoscaling/v2beta2" => {
            let mut metrics = Vec::new();
            let listed = items(spec.and_then(|s| get(s, "metrics")));
            for m in listed {
                match metric_supported(m) {
                    Ok(()) => metrics.push(m.clone()),
                    Err(what) => dropped.push(what),
                }
            }
            let node = assemble(
                spec.and_then(|s| get(s, "minReplicas")).cloned(),
                spec.and_then(|s| get(s, "maxReplicas")).cloned(),
                metrics,
                spec.and_then(|s| get(s, "behavior")).cloned(),
                &mut notes,
                !listed.is_empty(),
            );
            (AutoscalerKind::HpaV2, node)
        }
        "autoscaling/v1" => {
            // v1 has one metric: CPU utilization (the controller's default 80 % when unset).
            let target = spec
                .and_then(|s| text_at(s, &["targetCPUUtilizationPercentage"]))
                .unwrap_or("80");
            let node = assemble(
                spec.and_then(|s| get(s, "minReplicas")).cloned(),
                spec.and_then(|s| get(s, "maxReplicas")).cloned(),
                vec![resource_metric("cpu", "Utilization", target)],
                None,
                &mut notes,
                true,
            );
            notes.push(format!(
                "autoscaling/v1 targetCPUUtilizationPercentage {target} written as a v2 cpu Utilization metric"
            ));
            (AutoscalerKind::HpaV1, node)
        }
        other => {
            return Err(format!(
                "unknown HorizontalPodAutoscaler apiVersion {other:?}"
            ));
        }
    };
    Ok(Autoscaler {
        kind,
        name,
        namespace,
        source: source.to_string(),
        target_kind,
        target_name,
        spec: spec_node,
        dropped,
        notes,
    })
}

/// A KEDA ScaledObject: KEDA creates an HPA from it; its `cpu` and `memory` triggers are
/// Resource metrics of that HPA (other scalers become External metrics capsim cannot feed).
fn scaled_object(
    root: &Node,
    name: String,
    namespace: String,
    source: &str,
) -> std::result::Result<Autoscaler, String> {
    let spec = get(root, "spec").ok_or("no spec")?;
    let (target_kind, target_name) = target_ref(Some(spec));
    let mut metrics = Vec::new();
    let mut dropped = Vec::new();
    let triggers = items(get(spec, "triggers"));
    for t in triggers {
        let ty = text_at(t, &["type"]).unwrap_or("");
        if ty == "cpu" || ty == "memory" {
            // KEDA ≥ 2.10 uses trigger-level `metricType`; older versions `metadata.type`.
            let target_type = text_at(t, &["metricType"])
                .or_else(|| text_at(t, &["metadata", "type"]))
                .unwrap_or("Utilization");
            let value = text_at(t, &["metadata", "value"]).unwrap_or("80");
            metrics.push(resource_metric(ty, target_type, value));
        } else {
            dropped.push(format!("KEDA trigger {ty:?}"));
        }
    }
    if metrics.is_empty() {
        return Err(format!(
            "no cpu or memory trigger ({}): KEDA would scale on an external metric capsim cannot simulate",
            dropped.join(", ")
        ));
    }
    // KEDA's defaults: minReplicaCount 0, maxReplicaCount 100.
    let min = get(spec, "minReplicaCount")
        .cloned()
        .unwrap_or_else(|| scalar("0", true));
    let max = get(spec, "maxReplicaCount")
        .cloned()
        .unwrap_or_else(|| scalar("100", true));
    let mut notes = Vec::new();
    let node = assemble(
        Some(min),
        Some(max),
        metrics,
        at(
            spec,
            &["advanced", "horizontalPodAutoscalerConfig", "behavior"],
        )
        .cloned(),
        &mut notes,
        true,
    );
    Ok(Autoscaler {
        kind: AutoscalerKind::KedaScaledObject,
        name,
        namespace,
        source: source.to_string(),
        target_kind,
        target_name,
        spec: node,
        dropped,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Manifests {
        let mut m = Manifests::default();
        parse(text, "m.yaml", &mut m).unwrap();
        m
    }

    #[test]
    fn unsupported_hpa_metrics_are_dropped_with_a_placeholder_when_none_is_left() {
        let m = read_text(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n\
             spec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 5\n  metrics:\n\
             \x20 - type: Pods\n    pods:\n      metric: {name: http_requests}\n      target: {type: AverageValue, averageValue: \"10\"}\n",
        );
        let a = &m.autoscalers[0];
        assert_eq!(a.dropped, ["Pods metric \"http_requests\""]);
        assert!(a.notes[0].contains("cpu Utilization 80 %"), "{:?}", a.notes);
        assert_eq!(text_at(&a.spec, &["maxReplicas"]), Some("5"));
        let metrics = items(get(&a.spec, "metrics"));
        assert_eq!(
            text_at(&metrics[0], &["resource", "target", "averageUtilization"]),
            Some("80")
        );
        assert_eq!(
            (a.target_kind.as_str(), a.target_name.as_str()),
            ("Deployment", "web")
        );
    }

    #[test]
    fn lists_are_read_and_other_kinds_skipped() {
        let m = read_text(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a, namespace: x}\n  spec: {replicas: 4}\n\
             - apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n---\n# just a comment\n---\nkind: DaemonSet\nmetadata: {name: d}\n",
        );
        assert_eq!(m.workloads.len(), 1);
        let w = &m.workloads[0];
        assert_eq!(
            (w.name.as_str(), w.namespace.as_str(), w.replicas),
            ("a", "x", Some(4))
        );
        assert_eq!(w.source, "m.yaml:1");
        let skipped: Vec<&str> = m.summary.skipped.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(skipped, ["ConfigMap default/c", "DaemonSet default/d"]);
        assert!(m.summary.skipped[1].note.contains("one pod per node"));
    }

    #[test]
    fn keda_without_a_cpu_or_memory_trigger_is_skipped_with_the_reason() {
        let m = read_text(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: q}\n\
             spec:\n  scaleTargetRef: {name: worker}\n  triggers:\n  - type: rabbitmq\n    metadata: {queueName: jobs}\n",
        );
        assert!(m.autoscalers.is_empty());
        assert!(
            m.summary.skipped[0]
                .note
                .contains("KEDA trigger \"rabbitmq\"")
        );
    }
}
