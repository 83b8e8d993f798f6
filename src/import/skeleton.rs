//! Writing the imported pieces as one commented scenario: the values the inputs give, in their
//! own words (quantities and the HPA spec verbatim), and a placeholder with a `# TODO` for each
//! value they cannot give, chosen so the file validates as written.

use std::fmt::Write as _;

use super::k8s::{AutoscalerKind, Container, Manifests, Workload};
use super::terraform::{Database, Infra};
use crate::catalogue::Catalogue;
use crate::scenario::units::parse_quantity_milli;
use crate::scenario::yaml::{Node, Value};

/// Placeholders for what manifests cannot tell. Deliberately on the expensive side (more CPU per
/// request, a modest concurrency) so an uncalibrated run errs towards more pods, not fewer.
const TODO_REQUESTS_PER_PAGE_VIEW: &str = "1";
const TODO_CPU_PER_REQUEST: &str = "20ms";
const TODO_SERVICE_TIME: &str = "100ms";
const TODO_CONCURRENCY: &str = "8";
/// Image pull + container start: not in any manifest.
const TODO_STARTUP_DELAY: &str = "20s";
const TODO_CPU_REQUEST: &str = "100m";
const TODO_MEMORY_REQUEST: &str = "128Mi";

/// What the skeleton is made of and how it is labelled.
pub struct Options<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `spec.simulation.start` (a date; given, so the output does not depend on today).
    pub start: jiff::civil::Date,
    /// The inputs, as the user named them (for the header).
    pub inputs: &'a [String],
}

/// The scenario text.
pub fn write(k8s: Option<&Manifests>, infra: Option<&Infra>, opts: &Options<'_>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Imported by `capsim import` from: {}",
        opts.inputs.join(", ")
    );
    o.push_str(
        "# Values marked TODO are placeholders the inputs cannot give, chosen so this file validates.\n\
         # cpuPerRequest and idleCpu: `capsim calibrate --requests RATE --cpu USAGE` fits them from\n\
         # Prometheus query_range JSON or Grafana CSV exports (see README, \"Importing what you already have\").\n",
    );
    for line in summary_lines(k8s, infra) {
        let _ = writeln!(o, "#   {line}");
    }
    let _ = write!(
        o,
        "apiVersion: capsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: {}\nspec:\n",
        opts.name
    );
    let start = opts.start;
    let _ = write!(
        o,
        "  simulation:\n    start: {start}  # TODO: the first day to simulate\n    duration: 7d  # TODO: how long\n    seed: 1\n"
    );
    let _ = write!(
        o,
        "  traffic:\n    # TODO: the demand. A flat placeholder: replace it with your DAU curve and profiles, or with a\n    # replay of measured traffic: replay: {{ file: page_views.json }} (Prometheus query_range JSON\n    # or a Grafana CSV export; see docs/scenario-format.md).\n    dau:\n      milestones:\n        - {{ date: {start}, dau: 10000 }}\n    pageViewsPerDauPerDay: 20\n"
    );
    let providers = infra.map(Infra::providers).unwrap_or_default();
    if !providers.is_empty() {
        o.push_str("  clouds:\n");
        let weight = 100 / providers.len();
        for p in &providers {
            let todo = if providers.len() > 1 {
                "  # TODO: this cloud's share of traffic"
            } else {
                ""
            };
            let _ = writeln!(o, "    {p}: {{ weight: {weight} }}{todo}");
        }
    }
    o.push_str("  services:\n");
    match k8s {
        Some(m) => {
            let names = service_names(&m.workloads);
            for (w, name) in m.workloads.iter().zip(&names) {
                write_service(&mut o, w, name, m);
            }
        }
        None => {
            o.push_str(
                "    app:\n      # TODO: a placeholder service; import your workloads with `capsim import k8s FILES --terraform PLAN`\n",
            );
            write_unknowns(&mut o);
            let _ = write!(
                o,
                "      resources:\n        requests:\n          cpu: {TODO_CPU_REQUEST}\n          memory: {TODO_MEMORY_REQUEST}\n      startupDelay: {TODO_STARTUP_DELAY}\n      readinessDelay: 5s\n      initialReplicas: 2\n"
            );
        }
    }
    if let Some(infra) = infra {
        write_infra(&mut o, infra, &providers, start);
    }
    o
}

/// The summary as it is printed and written at the top of the file.
pub fn summary_lines(k8s: Option<&Manifests>, infra: Option<&Infra>) -> Vec<String> {
    let mut s = super::Summary::default();
    if let Some(m) = k8s {
        s.extend(m.summary.clone());
        for w in &m.workloads {
            s.imported.push(super::Entry {
                source: w.source.clone(),
                what: format!("{} {}/{}", w.kind, w.namespace, w.name),
                note: "a service".into(),
            });
        }
        for a in &m.autoscalers {
            let kind = match a.kind {
                AutoscalerKind::HpaV2 => "HorizontalPodAutoscaler",
                AutoscalerKind::HpaV1 => "HorizontalPodAutoscaler (v1)",
                AutoscalerKind::KedaScaledObject => "ScaledObject",
            };
            let target = m
                .workloads
                .iter()
                .any(|w| matches_target(w, a.namespace.as_str(), &a.target_kind, &a.target_name));
            let entry = super::Entry {
                source: a.source.clone(),
                what: format!("{kind} {}/{}", a.namespace, a.name),
                note: if target {
                    format!("the hpa of {}", a.target_name)
                } else {
                    format!(
                        "its target {} {} is not among the manifests",
                        a.target_kind, a.target_name
                    )
                },
            };
            if target {
                s.imported.push(entry);
            } else {
                s.skipped.push(entry);
            }
        }
        for p in &m.pdbs {
            s.imported.push(super::Entry {
                source: p.source.clone(),
                what: format!("PodDisruptionBudget {}/{}", p.namespace, p.name),
                note: "a note on the services it selects (not simulated)".into(),
            });
        }
    }
    if let Some(i) = infra {
        s.extend(i.summary.clone());
    }
    // Workloads first, in input order; then the rest.
    s.lines()
}

fn matches_target(w: &Workload, namespace: &str, kind: &str, name: &str) -> bool {
    w.namespace == namespace && w.kind == kind && w.name == name
}

/// Service names: the workload name as a Kubernetes name, suffixed with the namespace when two
/// workloads share a name.
fn service_names(ws: &[Workload]) -> Vec<String> {
    let base: Vec<String> = ws.iter().map(|w| super::k8s_name(&w.name)).collect();
    base.iter()
        .zip(ws)
        .map(|(b, w)| {
            if base.iter().filter(|x| *x == b).count() > 1 {
                super::k8s_name(&format!("{b}-{}", w.namespace))
            } else {
                b.clone()
            }
        })
        .collect()
}

fn write_unknowns(o: &mut String) {
    let _ = write!(
        o,
        "      requestsPerPageView: {TODO_REQUESTS_PER_PAGE_VIEW}  # TODO: this service's requests per page view\n\
         \x20     cpuPerRequest: {TODO_CPU_PER_REQUEST}  # TODO: fit with `capsim calibrate`\n\
         \x20     idleCpu: 0m  # TODO: fit with `capsim calibrate`\n\
         \x20     serviceTime: {TODO_SERVICE_TIME}  # TODO: mean time to serve one request\n\
         \x20     concurrencyPerPod: {TODO_CONCURRENCY}  # TODO: requests one pod serves at once\n"
    );
}

/// The pod's resources: one container's quantities verbatim; several containers summed (CPU in
/// millicores, memory in bytes). `None` where the manifest gives nothing.
fn pod_quantity(
    cs: &[Container],
    pick: fn(&Container) -> Option<&String>,
    cpu: bool,
) -> Option<String> {
    let given: Vec<&String> = cs.iter().filter_map(pick).collect();
    match given.as_slice() {
        [] => None,
        [one] => Some((*one).clone()),
        many => {
            let milli: i64 = many
                .iter()
                .map(|q| parse_quantity_milli(q).unwrap_or(0))
                .sum();
            let bytes = milli / 1000;
            Some(if cpu {
                format!("{milli}m")
            } else if bytes % (1024 * 1024) == 0 {
                format!("{}Mi", bytes / (1024 * 1024))
            } else {
                format!("{bytes}")
            })
        }
    }
}

fn write_service(o: &mut String, w: &Workload, name: &str, m: &Manifests) {
    let _ = writeln!(o, "    {name}:");
    let _ = writeln!(
        o,
        "      # from {} {}/{} ({})",
        w.kind, w.namespace, w.name, w.source
    );
    if w.containers.len() > 1 {
        let names: Vec<&str> = w.containers.iter().map(|c| c.name.as_str()).collect();
        let _ = writeln!(
            o,
            "      # {} containers ({}): resources are the pod's sums",
            w.containers.len(),
            names.join(", ")
        );
    }
    write_unknowns(o);
    let cs = &w.containers;
    let cpu_limit = pod_quantity(cs, |c| c.cpu_limit.as_ref(), true);
    let mem_limit = pod_quantity(cs, |c| c.memory_limit.as_ref(), false);
    // Kubernetes defaults a missing request to the limit.
    let cpu_req = pod_quantity(cs, |c| c.cpu_request.as_ref(), true).or(cpu_limit.clone());
    let mem_req = pod_quantity(cs, |c| c.memory_request.as_ref(), false).or(mem_limit.clone());
    o.push_str("      resources:\n        requests:\n");
    match cpu_req {
        Some(q) => {
            let _ = writeln!(o, "          cpu: {q}");
        }
        None => {
            let _ = writeln!(
                o,
                "          cpu: {TODO_CPU_REQUEST}  # TODO: the manifest sets no cpu request"
            );
        }
    }
    match mem_req {
        Some(q) => {
            let _ = writeln!(o, "          memory: {q}");
        }
        None => {
            let _ = writeln!(
                o,
                "          memory: {TODO_MEMORY_REQUEST}  # TODO: the manifest sets no memory request"
            );
        }
    }
    if cpu_limit.is_some() || mem_limit.is_some() {
        o.push_str("        limits:\n");
        if let Some(q) = cpu_limit {
            let _ = writeln!(o, "          cpu: {q}");
        }
        if let Some(q) = mem_limit {
            let _ = writeln!(o, "          memory: {q}");
        }
    }
    let _ = writeln!(
        o,
        "      startupDelay: {TODO_STARTUP_DELAY}  # TODO: image pull + container start (no manifest says)"
    );
    // The slowest container gates readiness: a startupProbe holds readiness back until it
    // passes, then the readinessProbe's first success makes the pod Ready.
    let mut ready_s = 0;
    let mut why = "no readinessProbe: Ready as soon as the container runs".to_string();
    for c in cs {
        let s = c.startup_probe.map_or(0, |p| p.initial_delay_s)
            + c.readiness_probe.map_or(0, |p| p.initial_delay_s);
        if c.readiness_probe.is_some() || c.startup_probe.is_some() {
            if s >= ready_s {
                why = format!(
                    "container {}: {}",
                    c.name,
                    probe_words(c.startup_probe, c.readiness_probe)
                );
            }
            ready_s = ready_s.max(s);
        }
    }
    let _ = writeln!(o, "      readinessDelay: {ready_s}s  # {why}");
    if let Some(g) = w.termination_grace_s {
        let _ = writeln!(
            o,
            "      terminationDelay: {g}s  # terminationGracePeriodSeconds (an upper bound: pods may exit sooner)"
        );
    }
    if let Some(s) = &w.strategy {
        let _ = writeln!(
            o,
            "      # rollout: {s}. TODO: deploys are simulated as spec.events (type: deploy, at, every, \
             strategy: rolling with maxSurge/maxUnavailable in whole pods); a manifest gives no cadence"
        );
    }
    for p in m.pdbs.iter().filter(|p| {
        p.namespace == w.namespace
            && !p.match_labels.is_empty()
            && p.match_labels.iter().all(|l| w.labels.contains(l))
    }) {
        let _ = writeln!(
            o,
            "      # PodDisruptionBudget {}/{}: {} ({}; not simulated: capsim has no voluntary evictions)",
            p.namespace, p.name, p.budget, p.source
        );
    }
    let hpa = m
        .autoscalers
        .iter()
        .find(|a| matches_target(w, &a.namespace, &a.target_kind, &a.target_name));
    match hpa {
        None => {
            let _ = writeln!(
                o,
                "      initialReplicas: {}{}",
                w.replicas.unwrap_or(1),
                if w.replicas.is_none() {
                    "  # spec.replicas unset: the API's default"
                } else {
                    ""
                }
            );
        }
        Some(a) => {
            let min = super::int_at(&a.spec, &["minReplicas"]).unwrap_or(1);
            let max = super::int_at(&a.spec, &["maxReplicas"]).unwrap_or(min);
            if let Some(r) = w.replicas {
                let clamped = r.clamp(min, max.max(min));
                let _ = writeln!(
                    o,
                    "      initialReplicas: {clamped}  # spec.replicas {r}{}",
                    if clamped != r {
                        ", within the HPA's bounds"
                    } else {
                        ""
                    }
                );
            }
            let kind = match a.kind {
                AutoscalerKind::HpaV2 => "HorizontalPodAutoscaler",
                AutoscalerKind::HpaV1 => "HorizontalPodAutoscaler autoscaling/v1",
                AutoscalerKind::KedaScaledObject => "KEDA ScaledObject",
            };
            o.push_str("      hpa:\n");
            let _ = writeln!(
                o,
                "        # from {kind} {}/{} ({})",
                a.namespace, a.name, a.source
            );
            for n in &a.notes {
                let _ = writeln!(o, "        # {n}");
            }
            for d in &a.dropped {
                let _ = writeln!(
                    o,
                    "        # TODO: {d} left out: capsim simulates cpu, memory, requests_per_second and inflight_requests"
                );
            }
            if let Value::Map(entries) = &a.spec.value {
                emit_map(o, entries, 8, false);
            }
        }
    }
}

fn probe_words(startup: Option<super::k8s::Probe>, readiness: Option<super::k8s::Probe>) -> String {
    let mut w = Vec::new();
    if let Some(p) = startup {
        w.push(format!(
            "startupProbe initialDelaySeconds {} (then up to {} × {}s more)",
            p.initial_delay_s, p.failure_threshold, p.period_s
        ));
    }
    if let Some(p) = readiness {
        w.push(format!(
            "readinessProbe initialDelaySeconds {} (periodSeconds {})",
            p.initial_delay_s, p.period_s
        ));
    }
    w.join(" + ")
}

/// A scalar as YAML: plain scalars as written, quoted ones double-quoted (JSON escapes are
/// valid YAML double-quoted escapes).
fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, plain: true } if !text.is_empty() => text.clone(),
        Value::Scalar { text, plain: true } if text.is_empty() => "~".into(),
        Value::Scalar { text, .. } => {
            serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
        }
        _ => String::new(),
    }
}

/// Block-style YAML of a mapping's entries at `indent` spaces; `first_inline` when the first
/// key follows a `- ` already written.
fn emit_map(o: &mut String, entries: &[(Node, Node)], indent: usize, first_inline: bool) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if !(i == 0 && first_inline) {
            o.push_str(&" ".repeat(indent));
        }
        o.push_str(&scalar_text(k));
        o.push(':');
        emit_value(o, v, indent);
    }
}

fn emit_value(o: &mut String, v: &Node, indent: usize) {
    match &v.value {
        Value::Scalar { .. } => {
            o.push(' ');
            o.push_str(&scalar_text(v));
            o.push('\n');
        }
        Value::Map(e) if e.is_empty() => o.push_str(" {}\n"),
        Value::Map(e) => {
            o.push('\n');
            emit_map(o, e, indent + 2, false);
        }
        Value::Seq(items) if items.is_empty() => o.push_str(" []\n"),
        Value::Seq(items) => {
            o.push('\n');
            emit_seq(o, items, indent + 2);
        }
    }
}

fn emit_seq(o: &mut String, items: &[Node], indent: usize) {
    for it in items {
        o.push_str(&" ".repeat(indent));
        o.push('-');
        match &it.value {
            Value::Scalar { .. } => {
                o.push(' ');
                o.push_str(&scalar_text(it));
                o.push('\n');
            }
            Value::Map(e) if e.is_empty() => o.push_str(" {}\n"),
            Value::Map(e) => {
                o.push(' ');
                emit_map(o, e, indent + 2, true);
            }
            Value::Seq(inner) if inner.is_empty() => o.push_str(" []\n"),
            Value::Seq(inner) => {
                o.push('\n');
                emit_seq(o, inner, indent + 2);
            }
        }
    }
}

/// RDS for PostgreSQL's default `max_connections`: LEAST({DBInstanceClassMemory/9531392}, 5000)
/// (the RDS user guide's formula). DBInstanceClassMemory is the class's memory less what the OS
/// and RDS reserve, so the catalogue's memory gives a slight overestimate.
fn rds_default_max_connections(memory_bytes: f64) -> i64 {
    ((memory_bytes / 9_531_392.0).floor() as i64).clamp(1, 5000)
}

fn write_infra(o: &mut String, infra: &Infra, providers: &[String], start: jiff::civil::Date) {
    let catalogue = Catalogue::builtin();
    let several = providers.len() > 1;
    // A pool of an instance type the catalogue lacks would not validate (the simulation needs its
    // vCPU and memory, the cost model its price), and any stand-in type would be a guess: such a
    // pool is written as a TODO comment carrying the plan's values instead.
    let (pools, unknown): (Vec<_>, Vec<_>) = infra
        .pools
        .iter()
        .partition(|p| catalogue.get(&p.instance_type).is_some());
    for p in &unknown {
        let _ = writeln!(
            o,
            "  # TODO: node pool {} (from {}: {}, {}..{} nodes{}) not written: {} is not in the \
             built-in catalogue;\n  #   add it with spec.catalogue (and its price to the price \
             book), then write the pool under cluster.nodePools",
            p.name,
            p.source,
            p.instance_type,
            p.min_nodes.max(0),
            p.max_nodes.max(p.min_nodes).max(1),
            if p.spot { ", spot" } else { "" },
            p.instance_type
        );
    }
    if !pools.is_empty() {
        o.push_str("  cluster:\n    nodePools:\n");
        let mut seen: Vec<String> = Vec::new();
        for p in pools {
            let mut name = p.name.clone();
            let mut k = 2;
            while seen.contains(&name) {
                name = format!("{}-{k}", p.name);
                k += 1;
            }
            seen.push(name.clone());
            let _ = writeln!(o, "      {name}:\n        # from {}", p.source);
            if several {
                let _ = writeln!(o, "        cloud: {}", p.provider);
            }
            let _ = writeln!(o, "        instanceType: {}", p.instance_type);
            let _ = writeln!(
                o,
                "        minNodes: {}\n        maxNodes: {}",
                p.min_nodes.max(0),
                p.max_nodes.max(p.min_nodes).max(1)
            );
            if p.spot {
                o.push_str("        capacityType: spot\n");
            }
            if !p.other_types.is_empty() {
                let _ = writeln!(
                    o,
                    "        # also {}: capsim simulates one instance type per pool",
                    p.other_types.join(", ")
                );
            }
        }
    }
    let primary = infra.databases.iter().find(|d| d.replica_of.is_none());
    // A class the catalogue lacks cannot validate, and its size is not in the plan: the section
    // is written commented out, with what to add (as for an unknown node pool type).
    if let Some(db) = primary {
        let mut section = String::new();
        write_database(&mut section, db, infra, several, &catalogue);
        let unknown = infra
            .databases
            .iter()
            .filter(|d| {
                d.provider == db.provider && (d.address == db.address || d.replica_of.is_some())
            })
            .map(|d| d.instance_class.as_str())
            .filter(|c| catalogue.get(c).is_none())
            .collect::<Vec<_>>();
        push_section(o, &section, &unknown);
    }
    if let Some(c) = infra.caches.first() {
        let mut section = String::new();
        let _ = write!(
            section,
            "  cache:\n    # from {} ({} shard(s), {} replica(s) each; replicas hold copies, not more data)\n    nodeType: {}\n    nodes: {}\n    hitRatio: 0.9  # TODO: your measured hit ratio, or {{keysPerUser, itemSize, zipfAlpha}}\n",
            c.address, c.shards, c.replicas_per_shard, c.node_type, c.shards
        );
        for extra in &infra.caches[1..] {
            let _ = writeln!(
                section,
                "    # {} ({}) not written: a scenario has one cache",
                extra.address, extra.node_type
            );
        }
        let unknown: Vec<&str> = [c.node_type.as_str()]
            .into_iter()
            .filter(|t| catalogue.get(t).is_none())
            .collect();
        push_section(o, &section, &unknown);
    }
    // The cost section: the EKS version decides the control plane's support tier.
    let mut cost = Vec::new();
    if let Some(c) = infra.clusters.iter().find(|c| c.provider == "aws") {
        match c.version.as_deref() {
            Some(v) if crate::billing::eks_release(v).is_some() => {
                let tier = if crate::billing::eks_extended_support(v, start) {
                    "extended support ($0.60/cluster-hour)"
                } else {
                    "standard support ($0.10/cluster-hour)"
                };
                cost.push(format!(
                    "    kubernetesVersion: \"{v}\"  # {} → {tier} on {start}",
                    c.address
                ));
            }
            Some(v) => cost.push(format!(
                "    # {}: EKS version {v} has no known release date; the default {} is used",
                c.address, "1.34"
            )),
            // Unset in the configuration: EKS picks its default version when it creates the
            // cluster, so the plan knows it only after apply.
            None => cost.push(format!(
                "    # {}: the plan leaves the version to EKS (known after apply); the default {} is used",
                c.address, "1.34"
            )),
        }
    }
    if let Some(db) = primary {
        if db.multi_az && db.provider == "aws" {
            cost.push(format!("    databaseMultiAz: true  # {}", db.address));
        } else if db.multi_az {
            // The price book has no high-availability Cloud SQL SKUs.
            cost.push(format!(
                "    # {}: availability_type REGIONAL (HA) is not priced: the price book has no HA Cloud SQL SKU",
                db.address
            ));
        }
        if let Some(gb) = db.storage_gb {
            cost.push(format!(
                "    databaseBaseGb: {gb}  # {} allocated storage",
                db.address
            ));
        }
    }
    // `cost:` holding only comments would be a null section: such notes stand alone.
    let header = cost.iter().any(|l| !l.trim_start().starts_with('#'));
    if header {
        o.push_str("  cost:\n");
    }
    for l in cost {
        let _ = writeln!(o, "{}", if header { &l[..] } else { &l[2..] });
    }
}

/// Append a written section, commented out under a TODO when it names instance classes the
/// catalogue does not have (`unknown`).
fn push_section(o: &mut String, section: &str, unknown: &[&str]) {
    if unknown.is_empty() {
        o.push_str(section);
        return;
    }
    let _ = writeln!(
        o,
        "  # TODO: {} not in the built-in catalogue: add a row for each (vCPU, memory, ...) in a CSV \
         named by spec.catalogue (docs/import.md), then uncomment this section",
        unknown.join(", ")
    );
    for line in section.lines() {
        let _ = writeln!(o, "  # {}", line.strip_prefix("  ").unwrap_or(line));
    }
}

fn write_database(
    o: &mut String,
    db: &Database,
    infra: &Infra,
    several: bool,
    catalogue: &Catalogue,
) {
    o.push_str("  database:\n");
    let _ = writeln!(o, "    # from {} (engine {})", db.address, db.engine);
    if !db.engine.to_ascii_lowercase().starts_with("postgres") {
        let _ = writeln!(
            o,
            "    # TODO: capsim models PostgreSQL; {} is simulated as if it were",
            db.engine
        );
    }
    let mem = catalogue.get(&db.instance_class).map(|i| i.memory_bytes);
    match (db.max_connections, mem) {
        (Some(n), _) => {
            let _ = writeln!(
                o,
                "    maxConnections: {n}  # the plan's max_connections parameter"
            );
        }
        // Cloud SQL sets its default by the tier's memory in a table capsim has no copy of (its
        // "Quotas and limits" page, "Maximum concurrent connections"): rather than a remembered
        // number, PostgreSQL's own default (100) stands in, marked TODO.
        (None, _) if db.provider == "gcp" => {
            let _ = writeln!(
                o,
                "    maxConnections: 100  # TODO: the plan sets no max_connections flag; Cloud SQL's default \
                 depends on the tier's memory (Cloud SQL \"Quotas and limits\"): set the flag or this value \
                 (100 is PostgreSQL's own default)"
            );
        }
        (None, Some(mem)) => {
            let _ = writeln!(
                o,
                "    maxConnections: {}  # TODO: the plan sets none; RDS's default LEAST(memory/9531392, 5000)",
                rds_default_max_connections(mem)
            );
        }
        (None, None) => {
            let _ = writeln!(
                o,
                "    maxConnections: 100  # TODO: the plan sets none and the class is not in the catalogue"
            );
        }
    }
    let cloud = |d: &Database| {
        if several {
            format!("cloud: {}, ", d.provider)
        } else {
            String::new()
        }
    };
    let known = |d: &Database| {
        if catalogue.get(&d.instance_class).is_some() {
            ""
        } else {
            "  # TODO: not in the built-in catalogue: add a row with spec.catalogue"
        }
    };
    let _ = writeln!(
        o,
        "    primary: {{ {}instanceClass: {} }}{}",
        cloud(db),
        db.instance_class,
        known(db)
    );
    let replicas: Vec<&Database> = infra
        .databases
        .iter()
        .filter(|d| d.replica_of.is_some() && d.provider == db.provider)
        .collect();
    if !replicas.is_empty() {
        o.push_str("    replicas:\n");
        for r in replicas {
            let _ = writeln!(
                o,
                "      - {{ {}instanceClass: {} }}  # {}{}",
                cloud(r),
                r.instance_class,
                r.address,
                known(r)
            );
        }
    }
    for other in infra
        .databases
        .iter()
        .filter(|d| d.replica_of.is_none() && d.address != db.address)
    {
        let _ = writeln!(
            o,
            "    # {} ({}) not written: a scenario has one primary",
            other.address, other.instance_class
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml;

    /// Strip positions so trees can be compared.
    fn shape(n: &Node) -> String {
        match &n.value {
            Value::Scalar { text, plain } => format!("{text:?}{}", if *plain { "" } else { "q" }),
            Value::Seq(items) => format!(
                "[{}]",
                items.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            Value::Map(e) => format!(
                "{{{}}}",
                e.iter()
                    .map(|(k, v)| format!("{}:{}", shape(k), shape(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// What the emitter writes parses back to the same tree (quoted strings stay strings).
    #[test]
    fn emitted_yaml_parses_back_to_the_same_tree() {
        let text = "a: 1\nb: \"60\"\nc:\n  - x\n  - {k: 'it''s: \"q\"', l: [1, [2, 3]]}\n  - []\nd: {}\ne: ~\n";
        let node = yaml::parse(text, "t").unwrap();
        let Value::Map(entries) = &node.value else {
            panic!()
        };
        let mut out = String::new();
        emit_map(&mut out, entries, 0, false);
        let back = yaml::parse(&out, "t").unwrap();
        assert_eq!(shape(&back), shape(&node), "{out}");
    }

    #[test]
    fn default_max_connections() {
        let gib = 1024.0 * 1024.0 * 1024.0;
        // db.r6g.large (16 GiB): 17179869184 / 9531392 = 1802.
        assert_eq!(rds_default_max_connections(16.0 * gib), 1802);
        assert_eq!(rds_default_max_connections(512.0 * gib), 5000);
    }
}
