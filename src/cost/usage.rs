//! Usage quantities per calendar month, with the price-book key each one is priced by. Pure data:
//! no prices here.

/// One calendar month of the run (possibly partial at the ends).
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// `YYYY-MM`.
    pub label: String,
    /// Hours of this month inside the run (a full 31-day month = 744).
    pub hours: f64,
}

/// What kind of spend a line is: decides which discounts may touch it. Commitments, spot and
/// sustained-use discounts apply to compute only — never to storage, egress, logs, network or
/// control-plane fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CostClass {
    /// Kubernetes worker nodes (EC2, GCE): on-demand, spot, reserved/committed, GCP SUD.
    Compute,
    /// Managed database / cache instances (RDS, ElastiCache, Cloud SQL): on-demand or reserved.
    ManagedInstance,
    /// EKS / GKE cluster fees.
    ControlPlane,
    /// GB-months of storage (volumes, database storage, backups, objects).
    Storage,
    /// GB transferred out to the internet.
    Egress,
    /// Log ingestion and retention.
    Logs,
    /// NAT gateways, load balancers, public IPs.
    Network,
    /// CDN / WAF plans.
    Cdn,
}

/// One quantity of one month, priced by one price-book row.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageLine {
    /// Index into [`Usage::months`].
    pub month: usize,
    /// Cloud name from the scenario (`aws`, `gcp`).
    pub cloud: String,
    /// `prod` for the simulated environment; `dev`, `staging`, ... for fixed inventories.
    pub environment: String,
    /// What the money is for, as a person reads it: `node pool aws-general`, `rds primary`, ...
    pub resource: String,
    /// Price-book key: provider (`aws`/`gcp`), region, SKU.
    pub provider: String,
    pub region: String,
    pub sku: String,
    /// The unit `quantity` is in; must equal the price-book row's unit (e.g. `instance-hour`,
    /// `GB-month`, `GB`, `cluster-hour`, `month`).
    pub unit: String,
    pub quantity: f64,
    /// For instance-hour lines: `level_hours[k-1]` = hours of the month with at least k
    /// instances running (non-increasing; the sum equals `quantity`). Lets a commitment cover
    /// the always-on baseline and GCP's sustained-use discount apply per inferred instance.
    /// Empty for other units.
    pub level_hours: Vec<f64>,
    pub class: CostClass,
    /// The pool runs on spot capacity in the spot variants (compute only).
    pub spot_eligible: bool,
}

/// All usage of a run (and of the fixed environments), month by month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    pub months: Vec<Month>,
    pub lines: Vec<UsageLine>,
}

/// Amazon EKS release dates of Kubernetes minor versions (endoflife.date/amazon-eks and the EKS
/// user guide's version calendar, read 2026-11). A version gets 14 months of standard support,
/// then 12 months of extended support (billed $0.60 instead of $0.10 per cluster-hour); after
/// that EKS upgrades the cluster to a version still in extended support, so the rate stays the
/// extended one until the owner upgrades past it.
pub const EKS_RELEASES: &[(&str, (i16, i8, i8))] = &[
    ("1.27", (2023, 5, 24)),
    ("1.28", (2023, 9, 26)),
    ("1.29", (2024, 1, 23)),
    ("1.30", (2024, 5, 23)),
    ("1.31", (2024, 9, 26)),
    ("1.32", (2025, 1, 23)),
    ("1.33", (2025, 5, 29)),
    ("1.34", (2025, 10, 2)),
];

/// The EKS release date of a Kubernetes minor version.
pub fn eks_release(version: &str) -> Option<jiff::civil::Date> {
    EKS_RELEASES
        .iter()
        .find(|(v, _)| *v == version)
        .and_then(|(_, (y, m, d))| jiff::civil::Date::new(*y, *m, *d).ok())
}

/// Whether an EKS cluster on `version` is billed at the extended-support rate on `day`.
pub fn eks_extended_support(version: &str, day: jiff::civil::Date) -> bool {
    eks_release(version)
        .and_then(|r| r.checked_add(jiff::Span::new().months(14)).ok())
        .is_some_and(|standard_end| day >= standard_end)
}

/// Build the usage of a run: the simulated production environment from `out`, plus the
/// scenario's fixed environments. Quantities only; `price` looks the SKUs up.
pub fn usage_of(s: &crate::scenario::Scenario, m: &crate::model::MonthlyUsage) -> Usage {
    let cost = &s.cost;
    let clouds = &s.platform.clouds;
    let months: Vec<Month> = m
        .months
        .iter()
        .zip(&m.month_hours)
        .map(|((label, _), h)| Month {
            label: label.clone(),
            hours: *h,
        })
        .collect();
    let mut lines = Vec::new();
    let region = |cloud: usize| cost.regions.get(cloud).cloned().unwrap_or_default();
    let provider = |cloud: usize| clouds[cloud].provider.clone();
    let push = |lines: &mut Vec<UsageLine>,
                month: usize,
                cloud: usize,
                env: &str,
                resource: String,
                sku: String,
                unit: &str,
                quantity: f64,
                level_hours: Vec<f64>,
                class: CostClass,
                spot: bool| {
        if quantity > 0.0 {
            lines.push(UsageLine {
                month,
                cloud: clouds[cloud].name.clone(),
                environment: env.to_string(),
                resource,
                provider: provider(cloud),
                region: region(cloud),
                sku,
                unit: unit.to_string(),
                quantity,
                level_hours,
                class,
                spot_eligible: spot,
            });
        }
    };
    let first_day = |mi: usize| -> jiff::civil::Date {
        let label = &months[mi].label;
        let (y, mo) = label.split_once('-').unwrap_or(("2026", "01"));
        jiff::civil::Date::new(y.parse().unwrap_or(2026), mo.parse().unwrap_or(1), 1)
            .unwrap_or(s.simulation.start)
    };
    for (mi, month) in months.iter().enumerate() {
        let hours = month.hours;
        // Worker nodes: instance-hours per pool from the simulated node counts.
        if let Some(cluster) = &s.platform.cluster {
            for (pi, pool) in cluster.pools.iter().enumerate() {
                let hist = &m.pool_node_hours[pi][mi];
                let level: Vec<f64> = (1..hist.len()).map(|k| hist[k..].iter().sum()).collect();
                let total: f64 = level.iter().sum();
                push(
                    &mut lines,
                    mi,
                    pool.cloud,
                    "prod",
                    format!("node pool {}", pool.name),
                    pool.instance_type.clone(),
                    "instance-hour",
                    total,
                    level,
                    CostClass::Compute,
                    pool.spot,
                );
            }
        }
        // Control plane: one cluster per cloud.
        for (ci, c) in clouds.iter().enumerate() {
            let sku = if c.provider == "aws" {
                if eks_extended_support(&cost.kubernetes_version, first_day(mi)) {
                    "eks-control-plane-extended"
                } else {
                    "eks-control-plane-standard"
                }
            } else {
                "gke-cluster-fee"
            };
            push(
                &mut lines,
                mi,
                ci,
                "prod",
                format!(
                    "{} control plane",
                    if c.provider == "aws" { "EKS" } else { "GKE" }
                ),
                sku.into(),
                "cluster-hour",
                hours,
                vec![hours],
                CostClass::ControlPlane,
                false,
            );
        }
        // Database instances and storage (each instance keeps a full copy of the data).
        if let Some(db) = &s.platform.database {
            let gb = cost.database_base_gb + cost.database_gb_per_1k_dau * m.mean_dau[mi] / 1000.0;
            let mut instances = vec![(
                db.primary.clone(),
                "primary".to_string(),
                cost.database_multi_az,
            )];
            instances.extend(
                db.replicas
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.clone(), format!("replica {}", i + 1), false)),
            );
            for (inst, role, multi_az) in instances {
                let cloud_sql = clouds[inst.cloud].provider == "gcp";
                let sku = if multi_az {
                    format!("{}-multi-az", inst.instance_class)
                } else {
                    inst.instance_class.clone()
                };
                push(
                    &mut lines,
                    mi,
                    inst.cloud,
                    "prod",
                    format!("database {role} ({})", inst.instance_class),
                    sku,
                    "instance-hour",
                    hours,
                    vec![hours],
                    CostClass::ManagedInstance,
                    false,
                );
                // Multi-AZ RDS bills its standby's storage through the multi-AZ storage rate.
                let storage_sku = if cloud_sql {
                    "cloud-sql-ssd-gb-month"
                } else if multi_az {
                    "rds-gp3-storage-multi-az"
                } else {
                    "rds-gp3-storage"
                };
                let per = 1.0;
                push(
                    &mut lines,
                    mi,
                    inst.cloud,
                    "prod",
                    format!("database {role} storage"),
                    storage_sku.into(),
                    "GB-month",
                    gb * per * hours / (month_days_hours(&month.label)),
                    Vec::new(),
                    CostClass::Storage,
                    false,
                );
                if role == "primary" && !cloud_sql {
                    // RDS includes backup storage up to the database size; the rest is billed.
                    let backup = (cost.backup_factor - 1.0).max(0.0) * gb;
                    push(
                        &mut lines,
                        mi,
                        inst.cloud,
                        "prod",
                        "database backups".into(),
                        "rds-backup-storage".into(),
                        "GB-month",
                        backup * hours / month_days_hours(&month.label),
                        Vec::new(),
                        CostClass::Storage,
                        false,
                    );
                }
            }
        }
        // Cache nodes (in the primary cloud).
        if let Some(cache) = &s.platform.cache {
            let n = f64::from(cache.nodes);
            push(
                &mut lines,
                mi,
                0,
                "prod",
                format!("cache {} × {}", cache.nodes, cache.node_type),
                cache.node_type.clone(),
                "instance-hour",
                n * hours,
                vec![hours; cache.nodes as usize],
                CostClass::ManagedInstance,
                false,
            );
        }
        // Objects (user uploads, static assets) in the primary cloud.
        let objects_gb =
            cost.objects_base_gb + cost.objects_gb_per_1k_dau * m.mean_dau[mi] / 1000.0;
        push(
            &mut lines,
            mi,
            0,
            "prod",
            "object storage".into(),
            "s3-intelligent-tiering-frequent".into(),
            "GB-month",
            objects_gb * hours / month_days_hours(&month.label),
            Vec::new(),
            CostClass::Storage,
            false,
        );
        for (ci, c) in clouds.iter().enumerate() {
            let aws = c.provider == "aws";
            // Logs: one line per request, kept for the retention period.
            let log_gb = m.requests[ci][mi] * cost.log_bytes_per_request / 1e9;
            push(
                &mut lines,
                mi,
                ci,
                "prod",
                "log ingestion".into(),
                if aws {
                    "cloudwatch-logs-ingestion"
                } else {
                    "cloud-logging-ingestion"
                }
                .into(),
                "GB",
                log_gb,
                Vec::new(),
                CostClass::Logs,
                false,
            );
            if aws {
                push(
                    &mut lines,
                    mi,
                    ci,
                    "prod",
                    "log retention".into(),
                    "cloudwatch-logs-storage".into(),
                    "GB-month",
                    log_gb * cost.log_retention_days / 30.0,
                    Vec::new(),
                    CostClass::Logs,
                    false,
                );
            }
            // Egress: page bytes the CDN does not serve leave the origin, priced by monthly tier.
            let egress_gb =
                m.page_views[ci][mi] * cost.page_weight_bytes * (1.0 - cost.cdn_offload) / 1e9;
            for (sku, gb) in egress_tiers(aws, egress_gb) {
                push(
                    &mut lines,
                    mi,
                    ci,
                    "prod",
                    "internet egress".into(),
                    sku.into(),
                    "GB",
                    gb,
                    Vec::new(),
                    CostClass::Egress,
                    false,
                );
            }
            // NAT gateways and load balancers run all month.
            // AWS NAT gateways are zonal (one per AZ); GCP's Cloud NAT is one regional gateway.
            let gateways = if aws {
                cost.nat_gateways
            } else {
                cost.nat_gateways.min(1)
            };
            let nat = f64::from(gateways) * hours;
            push(
                &mut lines,
                mi,
                ci,
                "prod",
                format!("NAT gateways × {gateways}"),
                "nat-gateway-hour".into(),
                "hour",
                nat,
                Vec::new(),
                CostClass::Network,
                false,
            );
            let lb = f64::from(cost.load_balancers) * hours;
            push(
                &mut lines,
                mi,
                ci,
                "prod",
                format!("load balancers × {}", cost.load_balancers),
                if aws {
                    "alb-hour"
                } else {
                    "lb-forwarding-rule-hour"
                }
                .into(),
                "hour",
                lb,
                Vec::new(),
                CostClass::Network,
                false,
            );
        }
        if let Some(plan) = &cost.cdn_plan {
            // The CDN is its own provider, priced per month wherever the origins are.
            lines.push(UsageLine {
                month: mi,
                cloud: "cdn".into(),
                environment: "prod".into(),
                resource: "CDN plan".into(),
                provider: "cloudflare".into(),
                region: "global".into(),
                sku: plan.clone(),
                unit: "month".into(),
                quantity: hours / month_days_hours(&month.label),
                level_hours: Vec::new(),
                class: CostClass::Cdn,
                spot_eligible: false,
            });
        }
        // Fixed environments on their schedules.
        for env in &cost.environments {
            let scheduled = scheduled_hours(env.schedule, &month.label, hours);
            for item in &env.items {
                // The schedule stops instances; control planes, load balancers and NAT keep running.
                let run_hours = match item.class {
                    CostClass::Compute | CostClass::ManagedInstance => scheduled,
                    _ => hours,
                };
                let (q, level) = match item.unit.as_str() {
                    "GB-month" | "month" => (
                        item.count * hours / month_days_hours(&month.label),
                        Vec::new(),
                    ),
                    _ => {
                        let whole = item.count.floor() as usize;
                        let mut level = vec![run_hours; whole];
                        if item.count > whole as f64 {
                            level.push(run_hours * (item.count - whole as f64));
                        }
                        (
                            item.count * run_hours,
                            if item.unit == "instance-hour" {
                                level
                            } else {
                                Vec::new()
                            },
                        )
                    }
                };
                push(
                    &mut lines,
                    mi,
                    env.cloud,
                    &env.name,
                    format!("{} {}", env.name, item.sku),
                    item.sku.clone(),
                    &item.unit,
                    q,
                    level,
                    item.class,
                    item.spot,
                );
            }
        }
    }
    Usage { months, lines }
}

/// A one-month usage in which every resource of the scenario appears (one node per pool, one
/// user, one request): pricing it checks every SKU the real run will look up, before the run.
pub fn probe_usage(s: &crate::scenario::Scenario) -> crate::model::MonthlyUsage {
    let pools = s.platform.cluster.as_ref().map_or(0, |c| c.pools.len());
    let clouds = s.platform.clouds.len();
    let label = format!(
        "{:04}-{:02}",
        s.simulation.start.year(),
        s.simulation.start.month()
    );
    crate::model::MonthlyUsage {
        months: vec![(label, 0)],
        month_hours: vec![24.0],
        pool_node_hours: vec![vec![vec![0.0, 24.0]]; pools],
        // Enough traffic to reach every egress tier.
        page_views: vec![vec![1e12]; clouds],
        requests: vec![vec![1.0]; clouds],
        mean_dau: vec![1.0],
    }
}

/// Split a month's internet egress (GB) over the provider's monthly price tiers (AWS: first 10 TB,
/// next 40 TB, next 100 TB, over 150 TB; GCP premium tier: first 1 TiB, next 9 TiB, over 10 TiB;
/// 1 TB = 1,024 GB as both price lists count it).
fn egress_tiers(aws: bool, gb: f64) -> Vec<(&'static str, f64)> {
    let tiers: &[(&str, f64)] = if aws {
        &[
            ("internet-egress-first-10tb", 10.0 * 1024.0),
            ("internet-egress-next-40tb", 40.0 * 1024.0),
            ("internet-egress-next-100tb", 100.0 * 1024.0),
            ("internet-egress-over-150tb", f64::INFINITY),
        ]
    } else {
        &[
            ("internet-egress-first-1tb", 1024.0),
            ("internet-egress-next-9tb", 9.0 * 1024.0),
            ("internet-egress-over-10tb", f64::INFINITY),
        ]
    };
    let mut left = gb;
    let mut out = Vec::new();
    for &(sku, size) in tiers {
        if left <= 0.0 {
            break;
        }
        let take = left.min(size);
        out.push((sku, take));
        left -= take;
    }
    out
}

/// Hours in the whole calendar month `YYYY-MM` (for monthly rates prorated to partial months).
fn month_days_hours(label: &str) -> f64 {
    let (y, m) = label.split_once('-').unwrap_or(("2026", "01"));
    let d = jiff::civil::Date::new(y.parse().unwrap_or(2026), m.parse().unwrap_or(1), 1);
    d.map_or(730.0, |d| f64::from(d.days_in_month()) * 24.0)
}

/// Hours a scheduled environment runs in a month whose part inside the run lasts `hours`.
fn scheduled_hours(schedule: crate::scenario::cost_spec::Schedule, label: &str, hours: f64) -> f64 {
    use crate::scenario::cost_spec::Schedule;
    match schedule {
        Schedule::Always => hours,
        Schedule::Weekdays { from_hour, to_hour } => {
            let (y, m) = label.split_once('-').unwrap_or(("2026", "01"));
            let Ok(first) =
                jiff::civil::Date::new(y.parse().unwrap_or(2026), m.parse().unwrap_or(1), 1)
            else {
                return 0.0;
            };
            let weekdays = (0..first.days_in_month())
                .filter_map(|i| first.checked_add(jiff::Span::new().days(i)).ok())
                .filter(|d| d.weekday().to_monday_zero_offset() < 5)
                .count() as f64;
            // Scaled to the part of the month inside the run.
            weekdays * f64::from(to_hour - from_hour) * hours / month_days_hours(label)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::cost_spec::Schedule;

    #[test]
    fn egress_is_split_over_the_tiers() {
        // 12 TB from AWS: 10 TB at the first tier, 2 TB at the next.
        let t = egress_tiers(true, 12.0 * 1024.0);
        assert_eq!(
            t,
            vec![
                ("internet-egress-first-10tb", 10_240.0),
                ("internet-egress-next-40tb", 2_048.0)
            ]
        );
        // 500 GB from GCP stays in the first TiB.
        assert_eq!(
            egress_tiers(false, 500.0),
            vec![("internet-egress-first-1tb", 500.0)]
        );
        assert!(egress_tiers(true, 0.0).is_empty());
    }

    #[test]
    fn schedules_count_weekday_hours() {
        // January 2026 has 22 weekdays (Thursday the 1st to Saturday the 31st).
        assert_eq!(
            scheduled_hours(
                Schedule::Weekdays {
                    from_hour: 9,
                    to_hour: 21
                },
                "2026-01",
                744.0
            ),
            22.0 * 12.0
        );
        assert_eq!(scheduled_hours(Schedule::Always, "2026-01", 744.0), 744.0);
        assert_eq!(month_days_hours("2026-02"), 672.0);
    }

    /// EKS: 14 months of standard support after release (the EKS user guide's rule).
    #[test]
    fn eks_support_tiers() {
        let d = |y, m, dd| jiff::civil::Date::new(y, m, dd).unwrap();
        assert!(!eks_extended_support("1.28", d(2024, 11, 25)));
        assert!(eks_extended_support("1.28", d(2024, 11, 26)));
        assert!(eks_extended_support("1.28", d(2026, 6, 1)));
        assert!(!eks_extended_support("1.33", d(2026, 6, 1)));
    }
}
