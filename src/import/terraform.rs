//! Reading a Terraform plan (`terraform show -json PLAN`, HashiCorp's documented JSON output
//! format): the resources of `planned_values.root_module` and its `child_modules` (or, for a
//! state, `values.root_module`), mapped to the scenario's clusters, database and cache. Resource
//! types capsim does not model are listed as skipped, never fatal.

use std::path::Path;

use serde_json::Value;

use super::{Entry, Summary};
use crate::error::{Error, Problem, Result};

/// A node pool (EKS managed node group, GKE node pool).
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub name: String,
    /// `aws` or `gcp`.
    pub provider: String,
    pub instance_type: String,
    pub min_nodes: i64,
    pub max_nodes: i64,
    pub spot: bool,
    /// Further instance types of a mixed node group (capsim simulates the first).
    pub other_types: Vec<String>,
    pub source: String,
}

/// A managed PostgreSQL (or other engine) instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    pub provider: String,
    pub address: String,
    pub instance_class: String,
    /// `postgres`, `mysql`, `POSTGRES_16`, ...
    pub engine: String,
    pub multi_az: bool,
    pub storage_gb: Option<f64>,
    /// From the parameter group / database flags, when the plan sets it.
    pub max_connections: Option<i64>,
    /// The primary's address for a read replica.
    pub replica_of: Option<String>,
}

/// An ElastiCache replication group.
#[derive(Debug, Clone, PartialEq)]
pub struct Cache {
    pub address: String,
    pub node_type: String,
    /// Shards (node groups) holding data.
    pub shards: i64,
    pub replicas_per_shard: i64,
}

/// A Kubernetes control plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub provider: String,
    pub address: String,
    pub version: Option<String>,
}

/// Everything read from a plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Infra {
    pub clusters: Vec<Cluster>,
    pub pools: Vec<Pool>,
    pub databases: Vec<Database>,
    pub caches: Vec<Cache>,
    pub summary: Summary,
}

impl Infra {
    /// The providers the plan uses, `aws` before `gcp`.
    pub fn providers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in ["aws", "gcp"] {
            let used = self.pools.iter().any(|x| x.provider == p)
                || self.databases.iter().any(|x| x.provider == p)
                || self.clusters.iter().any(|x| x.provider == p)
                || (p == "aws" && !self.caches.is_empty());
            if used {
                out.push(p.to_string());
            }
        }
        out
    }
}

/// Read and map a plan file.
pub fn read(path: &Path) -> Result<Infra> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    parse(&text, &path.display().to_string())
}

/// One resource from the plan: its address, type and planned values.
struct Resource<'a> {
    address: &'a str,
    ty: &'a str,
    values: &'a Value,
}

/// Map plan JSON text; `file` names it in problems.
pub fn parse(text: &str, file: &str) -> Result<Infra> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            Problem::new(
                file,
                "",
                format!("not JSON: {e}"),
                "give the output of `terraform show -json PLANFILE` (not the text of `terraform plan`)",
            )
            .at(Some((e.line(), e.column()))),
        )
    })?;
    let module = root
        .pointer("/planned_values/root_module")
        .or_else(|| root.pointer("/values/root_module"));
    let mut resources = Vec::new();
    match module {
        Some(m) => collect(m, &mut resources),
        None => {
            // A plan without planned_values (only resource changes) still lists each change.
            match root.get("resource_changes").and_then(Value::as_array) {
                Some(changes) => {
                    for c in changes {
                        let deleted = c
                            .pointer("/change/actions")
                            .and_then(Value::as_array)
                            .is_some_and(|a| a.iter().any(|x| x == "delete") && a.len() == 1);
                        if let (Some(address), Some(ty), Some(values), false) = (
                            c.get("address").and_then(Value::as_str),
                            c.get("type").and_then(Value::as_str),
                            c.pointer("/change/after"),
                            deleted,
                        ) {
                            resources.push(Resource {
                                address,
                                ty,
                                values,
                            });
                        }
                    }
                }
                None => {
                    return Err(Error::invalid(Problem::new(
                        file,
                        "planned_values",
                        "no planned_values.root_module, values.root_module or resource_changes: not a Terraform plan or state in JSON",
                        "give the output of `terraform show -json PLANFILE`",
                    )));
                }
            }
        }
    }
    Ok(map_resources(&resources))
}

fn collect<'a>(module: &'a Value, out: &mut Vec<Resource<'a>>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        // Data sources are read, not created.
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        if let (Some(address), Some(ty)) = (
            r.get("address").and_then(Value::as_str),
            r.get("type").and_then(Value::as_str),
        ) {
            out.push(Resource {
                address,
                ty,
                values: r.get("values").unwrap_or(&Value::Null),
            });
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(child, out);
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn i(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(|x| {
        x.as_i64()
            .or_else(|| x.as_f64().map(|f| f as i64))
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    })
}

/// The first object of a nested block (Terraform writes blocks as lists of objects).
fn block<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v.get(key) {
        Some(Value::Array(a)) => a.first(),
        Some(o @ Value::Object(_)) => Some(o),
        _ => None,
    }
}

/// A `{name, value}` list (RDS parameters, Cloud SQL flags): the value of `max_connections`.
fn max_connections(list: Option<&Value>) -> Option<i64> {
    list.and_then(Value::as_array)?
        .iter()
        .find(|p| s(p, "name") == Some("max_connections"))
        .and_then(|p| i(p, "value"))
}

fn map_resources(resources: &[Resource<'_>]) -> Infra {
    let mut infra = Infra::default();
    let used = |infra: &mut Infra, r: &Resource<'_>, note: String| {
        infra.summary.imported.push(Entry {
            source: r.address.to_string(),
            what: r.ty.to_string(),
            note,
        })
    };
    // Parameter groups by name, for the max_connections of the instances that use them.
    let param_groups: Vec<(&str, Option<i64>)> = resources
        .iter()
        .filter(|r| r.ty == "aws_db_parameter_group")
        .filter_map(|r| {
            Some((
                s(r.values, "name")?,
                max_connections(r.values.get("parameter")),
            ))
        })
        .collect();
    // GKE clusters by name: a node pool names its cluster and inherits its zones.
    let gke_clusters: Vec<(&str, &Value)> = resources
        .iter()
        .filter(|r| r.ty == "google_container_cluster")
        .filter_map(|r| Some((s(r.values, "name")?, r.values)))
        .collect();
    for r in resources {
        let v = r.values;
        match r.ty {
            "aws_eks_cluster" => {
                let version = s(v, "version").map(str::to_string);
                used(
                    &mut infra,
                    r,
                    format!(
                        "spec.cost.kubernetesVersion {}",
                        version.as_deref().unwrap_or("(unset: EKS's default)")
                    ),
                );
                infra.clusters.push(Cluster {
                    provider: "aws".into(),
                    address: r.address.into(),
                    version,
                });
            }
            "google_container_cluster" => {
                let version = s(v, "min_master_version").map(str::to_string);
                infra.clusters.push(Cluster {
                    provider: "gcp".into(),
                    address: r.address.into(),
                    version,
                });
                // Node pools declared inline in the cluster.
                let mut n = 0;
                for (k, np) in v
                    .get("node_pool")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let name = s(np, "name")
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{}-pool-{k}", s(v, "name").unwrap_or("gke")));
                    infra
                        .pools
                        .push(gke_pool(np, name, r.address, gke_zones(np, Some(v))));
                    n += 1;
                }
                // The default pool GKE creates unless the plan removes it (or lists its pools).
                if n == 0
                    && v.get("remove_default_node_pool").and_then(Value::as_bool) != Some(true)
                {
                    let cluster_name = s(v, "name").unwrap_or("gke");
                    let mut pool = gke_pool(
                        v,
                        format!("{cluster_name}-default-pool"),
                        r.address,
                        gke_zones(v, None),
                    );
                    // The cluster's autoscaling block is node auto-provisioning, not this pool's.
                    let count = i(v, "initial_node_count")
                        .unwrap_or(1)
                        .saturating_mul(gke_zones(v, None));
                    (pool.min_nodes, pool.max_nodes) = (count, count.max(1));
                    infra.pools.push(pool);
                    n += 1;
                }
                used(
                    &mut infra,
                    r,
                    format!("a gcp cloud ({n} node pools → spec.cluster.nodePools)"),
                );
            }
            "aws_eks_node_group" => {
                let scaling = block(v, "scaling_config");
                let mut types: Vec<String> = v
                    .get("instance_types")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                if types.is_empty() {
                    // EKS's default when instance_types is unset.
                    types.push("t3.medium".into());
                }
                let instance_type = types.remove(0);
                let name = s(v, "node_group_name")
                    .map(str::to_string)
                    .unwrap_or_else(|| resource_name(r.address));
                let pool = Pool {
                    name: super::k8s_name(&name),
                    provider: "aws".into(),
                    instance_type,
                    min_nodes: scaling.and_then(|c| i(c, "min_size")).unwrap_or(1),
                    max_nodes: scaling.and_then(|c| i(c, "max_size")).unwrap_or(1),
                    spot: s(v, "capacity_type") == Some("SPOT"),
                    other_types: types,
                    source: r.address.into(),
                };
                used(
                    &mut infra,
                    r,
                    format!("spec.cluster.nodePools.{}", pool.name),
                );
                infra.pools.push(pool);
            }
            "google_container_node_pool" => {
                let name = s(v, "name")
                    .map(str::to_string)
                    .unwrap_or_else(|| resource_name(r.address));
                let cluster = s(v, "cluster").and_then(|c| {
                    // `cluster` is a name or a projects/…/clusters/NAME id.
                    let c = c.rsplit('/').next().unwrap_or(c);
                    gke_clusters.iter().find(|(n, _)| *n == c).map(|(_, v)| *v)
                });
                let pool = gke_pool(v, name, r.address, gke_zones(v, cluster));
                used(
                    &mut infra,
                    r,
                    format!("spec.cluster.nodePools.{}", pool.name),
                );
                infra.pools.push(pool);
            }
            "aws_db_instance" => {
                let group = s(v, "parameter_group_name");
                let max_conn = group.and_then(|g| {
                    param_groups
                        .iter()
                        .find(|(n, _)| *n == g)
                        .and_then(|(_, m)| *m)
                });
                let db = Database {
                    provider: "aws".into(),
                    address: r.address.into(),
                    instance_class: s(v, "instance_class").unwrap_or("").into(),
                    engine: s(v, "engine").unwrap_or("postgres").into(),
                    multi_az: v.get("multi_az").and_then(Value::as_bool).unwrap_or(false),
                    storage_gb: v.get("allocated_storage").and_then(Value::as_f64),
                    max_connections: max_conn,
                    replica_of: s(v, "replicate_source_db").map(str::to_string),
                };
                let role = if db.replica_of.is_some() {
                    "a replica in spec.database.replicas"
                } else {
                    "spec.database"
                };
                used(&mut infra, r, role.into());
                infra.databases.push(db);
            }
            "google_sql_database_instance" => {
                let settings = block(v, "settings");
                let db = Database {
                    provider: "gcp".into(),
                    address: r.address.into(),
                    instance_class: settings.and_then(|x| s(x, "tier")).unwrap_or("").into(),
                    engine: s(v, "database_version").unwrap_or("POSTGRES").into(),
                    multi_az: settings.and_then(|x| s(x, "availability_type")) == Some("REGIONAL"),
                    storage_gb: settings
                        .and_then(|x| x.get("disk_size"))
                        .and_then(Value::as_f64),
                    max_connections: max_connections(
                        settings.and_then(|x| x.get("database_flags")),
                    ),
                    replica_of: s(v, "master_instance_name").map(str::to_string),
                };
                used(&mut infra, r, "spec.database".into());
                infra.databases.push(db);
            }
            "aws_elasticache_replication_group" => {
                // Cluster mode: num_node_groups shards; otherwise one shard of
                // num_cache_clusters nodes (a primary and its replicas).
                let shards = i(v, "num_node_groups").filter(|n| *n > 0).unwrap_or(1);
                let replicas = i(v, "replicas_per_node_group")
                    .or_else(|| i(v, "num_cache_clusters").map(|n| n - 1))
                    .unwrap_or(0)
                    .max(0);
                used(&mut infra, r, "spec.cache".into());
                infra.caches.push(Cache {
                    address: r.address.into(),
                    node_type: s(v, "node_type").unwrap_or("").into(),
                    shards,
                    replicas_per_shard: replicas,
                });
            }
            "aws_db_parameter_group" => used(
                &mut infra,
                r,
                "max_connections of the instances that use it".into(),
            ),
            _ => infra.summary.skipped.push(Entry {
                source: r.address.to_string(),
                what: r.ty.to_string(),
                note: "not a resource capsim models".into(),
            }),
        }
    }
    infra
}

/// The resource name of an address: `module.x.aws_eks_node_group.main[0]` → `main`.
fn resource_name(address: &str) -> String {
    let last = address.rsplit('.').next().unwrap_or(address);
    last.split('[').next().unwrap_or(last).to_string()
}

/// The zones a GKE node pool's nodes are spread over: its `node_locations`, else (when the
/// resource names one) `cluster`'s, else one for a zonal `location` (`asia-northeast3-a`) and
/// three for a regional one (`asia-northeast3`: GKE replicates a regional cluster's node pools
/// across three of the region's zones by default), else one. `node_count`,
/// `initial_node_count` and autoscaling's `min_node_count`/`max_node_count` are per zone
/// (Google provider docs: "Minimum number of nodes per zone in the NodePool"); the
/// `total_*` bounds are not.
fn gke_zones(v: &Value, cluster: Option<&Value>) -> i64 {
    let listed = |x: &Value| {
        x.get("node_locations")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let n = listed(v);
    if n > 0 {
        return n as i64;
    }
    if let Some(c) = cluster {
        let n = listed(c);
        if n > 0 {
            return n as i64;
        }
    }
    let location = s(v, "location").or_else(|| cluster.and_then(|c| s(c, "location")));
    match location.map(str::as_bytes) {
        // A zone is its region plus "-" and a letter.
        Some([.., b'-', z]) if z.is_ascii_lowercase() => 1,
        Some([.., d]) if d.is_ascii_digit() => 3,
        _ => 1,
    }
}

fn gke_pool(v: &Value, name: String, address: &str, zones: i64) -> Pool {
    let config = block(v, "node_config");
    let auto = block(v, "autoscaling");
    let per_zone = |n: i64| n.saturating_mul(zones);
    let count = i(v, "node_count")
        .or_else(|| i(v, "initial_node_count"))
        .map(per_zone);
    // Per-zone bounds × zones, or the total ones; a pool without autoscaling stays at its count.
    let min = auto
        .and_then(|a| {
            i(a, "min_node_count")
                .map(per_zone)
                .or_else(|| i(a, "total_min_node_count"))
        })
        .or(count)
        .unwrap_or(1);
    let max = auto
        .and_then(|a| {
            i(a, "max_node_count")
                .map(per_zone)
                .or_else(|| i(a, "total_max_node_count"))
        })
        .or(count)
        .unwrap_or(min)
        .max(min.max(1));
    let spot = config.is_some_and(|c| {
        c.get("spot").and_then(Value::as_bool) == Some(true)
            || c.get("preemptible").and_then(Value::as_bool) == Some(true)
    });
    Pool {
        name: super::k8s_name(&name),
        provider: "gcp".into(),
        // GKE's default machine type.
        instance_type: config
            .and_then(|c| s(c, "machine_type"))
            .unwrap_or("e2-medium")
            .into(),
        min_nodes: min,
        max_nodes: max,
        spot,
        other_types: Vec::new(),
        source: address.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GKE counts per zone (Google provider docs: node_count, min/max_node_count are per zone;
    /// the total_* bounds are the pool's): a regional location spreads a pool over three zones,
    /// a zonal one over one, node_locations (the pool's, else its cluster's) over as many as it
    /// lists; a cluster that keeps its default pool gets it.
    #[test]
    fn gke_pools_count_per_zone_and_the_default_pool_is_kept() {
        let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
          {"address": "google_container_cluster.a", "type": "google_container_cluster",
           "values": {"name": "a", "location": "us-central1", "initial_node_count": 1,
                      "node_config": [{"machine_type": "e2-standard-4"}]}},
          {"address": "google_container_cluster.b", "type": "google_container_cluster",
           "values": {"name": "b", "location": "us-central1",
                      "node_locations": ["us-central1-a", "us-central1-b"],
                      "remove_default_node_pool": true}},
          {"address": "google_container_node_pool.on_b", "type": "google_container_node_pool",
           "values": {"name": "on-b", "cluster": "projects/p/locations/us-central1/clusters/b",
                      "autoscaling": [{"min_node_count": 1, "max_node_count": 4}]}},
          {"address": "google_container_node_pool.zonal", "type": "google_container_node_pool",
           "values": {"name": "zonal", "location": "us-central1-c", "node_count": 2}},
          {"address": "google_container_node_pool.total", "type": "google_container_node_pool",
           "values": {"name": "total", "location": "us-central1",
                      "autoscaling": [{"total_min_node_count": 0, "total_max_node_count": 5}]}}
        ]}}}"#;
        let infra = parse(plan, "plan.json").expect("parses");
        let bounds: Vec<(&str, i64, i64)> = infra
            .pools
            .iter()
            .map(|p| (p.name.as_str(), p.min_nodes, p.max_nodes))
            .collect();
        assert_eq!(
            bounds,
            [
                ("a-default-pool", 3, 3),
                ("on-b", 2, 8),
                ("zonal", 2, 2),
                ("total", 0, 5)
            ]
        );
        assert_eq!(infra.pools[0].instance_type, "e2-standard-4");
    }

    #[test]
    fn not_json_and_not_a_plan_are_short_problems() {
        let Err(Error::Invalid(p)) = parse("Terraform will perform the following actions:", "p")
        else {
            panic!()
        };
        assert!(p[0].message.starts_with("not JSON"));
        assert!(p[0].fix.contains("terraform show -json"));
        let Err(Error::Invalid(p)) = parse("{\"a\": 1}", "p") else {
            panic!()
        };
        assert!(p[0].message.contains("not a Terraform plan"));
    }

    #[test]
    fn resource_changes_alone_are_read_and_deletions_skipped() {
        let plan = r#"{"resource_changes":[
          {"address":"aws_db_instance.a","type":"aws_db_instance","change":{"actions":["create"],"after":{"instance_class":"db.r6g.large","engine":"postgres"}}},
          {"address":"aws_db_instance.old","type":"aws_db_instance","change":{"actions":["delete"],"after":null}}]}"#;
        let infra = parse(plan, "p").unwrap();
        assert_eq!(infra.databases.len(), 1);
        assert_eq!(infra.databases[0].instance_class, "db.r6g.large");
    }

    #[test]
    fn names_of_addresses() {
        assert_eq!(resource_name("module.x.aws_eks_node_group.main[0]"), "main");
        assert_eq!(resource_name("aws_eks_node_group.b[\"k\"]"), "b");
    }
}
