//! Usage quantities per calendar month, with the price-book key each one is priced by. Pure data:
//! no prices here.

use jiff::civil::Date;

use crate::scenario::cost_spec::Schedule;

/// The "GB" of transfer and log prices is a binary gigabyte: AWS's billing counts 1 GB as 2³⁰
/// bytes (AWS Billing and Cost Management User Guide, "Understanding your bill": "GB = 2^30
/// bytes"), and Google Cloud prices network and logging per GiB. Dividing bytes by 10⁹ billed
/// 7.4 % too much.
pub const BYTES_PER_BILLED_GB: f64 = 1_073_741_824.0;

/// One calendar month of the run (possibly partial at the ends).
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// The first day of the calendar month (the run may start later in it).
    pub first_day: Date,
    /// Hours of this month inside the run (a full 31-day month = 744).
    pub hours: f64,
}

impl Month {
    /// `YYYY-MM`.
    pub fn label(&self) -> String {
        format!("{:04}-{:02}", self.first_day.year(), self.first_day.month())
    }

    /// Hours in the whole calendar month, whatever part of it the run covers (monthly rates are
    /// prorated by it; SUD tiers are quarters of it).
    pub fn calendar_hours(&self) -> f64 {
        f64::from(self.first_day.days_in_month()) * 24.0
    }

    /// Hours a scheduled environment runs in this month (scaled to the part inside the run).
    fn scheduled_hours(&self, schedule: Schedule) -> f64 {
        match schedule {
            Schedule::Always => self.hours,
            Schedule::Weekdays { from_hour, to_hour } => {
                let weekdays = (0..self.first_day.days_in_month())
                    .filter_map(|i| self.first_day.checked_add(jiff::Span::new().days(i)).ok())
                    .filter(|d| d.weekday().to_monday_zero_offset() < 5)
                    .count() as f64;
                weekdays * f64::from(to_hour - from_hour) * self.hours / self.calendar_hours()
            }
        }
    }
}

pub use crate::billing::CostClass;

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
    /// How the line's cost is allocated to services (`cost::allocation`).
    pub shared: Shared,
}

/// How a usage line's cost is allocated to the services that caused it (`cost::allocation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shared {
    /// Not attributable to one service (control planes, NAT, load balancers, objects, the CDN,
    /// fixed environments): one `__shared__` row.
    #[default]
    Platform,
    /// A node pool (index into the run's pool list): by the CPU and memory the services' pods
    /// held on its nodes, max(request, usage), the unheld rest as `__idle__`.
    NodePool(usize),
    /// Database instances, storage and backups: by the services' queries.
    Database,
    /// Cache nodes: by the services' cache lookups (reads).
    Cache,
    /// Log ingestion and retention of a cloud (index): by the services' requests there.
    Logs(usize),
    /// Internet egress of a cloud (index): page bytes, all the entry service's.
    Egress(usize),
}

/// All usage of a run (and of the fixed environments), month by month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    pub months: Vec<Month>,
    pub lines: Vec<UsageLine>,
}

pub use crate::billing::{EKS_RELEASES, eks_extended_support, eks_release};

/// Where a usage line is billed: its month, cloud, price-book place and environment.
struct Place<'a> {
    month: usize,
    cloud: &'a str,
    provider: &'a str,
    region: &'a str,
    environment: &'a str,
}

impl Place<'_> {
    /// `quantity` `unit`s of `sku` billed here, without levels and not on spot.
    fn line(
        &self,
        resource: impl Into<String>,
        sku: impl Into<String>,
        unit: &str,
        quantity: f64,
        class: CostClass,
    ) -> UsageLine {
        UsageLine {
            month: self.month,
            cloud: self.cloud.to_string(),
            environment: self.environment.to_string(),
            resource: resource.into(),
            provider: self.provider.to_string(),
            region: self.region.to_string(),
            sku: sku.into(),
            unit: unit.to_string(),
            quantity,
            level_hours: Vec::new(),
            class,
            spot_eligible: false,
            shared: Shared::Platform,
        }
    }
}

/// The first day of the month a `YYYY-MM` label names.
fn first_day(label: &str) -> Option<Date> {
    let (y, m) = label.split_once('-')?;
    Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()
}

/// Build the usage of a run: the simulated production environment from `out`, plus the
/// scenario's fixed environments. Quantities only; `price` looks the SKUs up. Lines of no
/// quantity are left out.
///
/// # Panics
/// When a month label of `m` is not `YYYY-MM` (`model::months` writes them).
pub fn usage_of(s: &crate::scenario::Scenario, m: &crate::model::MonthlyUsage) -> Usage {
    let cost = &s.cost;
    let clouds = &s.platform.clouds;
    let months: Vec<Month> = m
        .months
        .iter()
        .zip(&m.month_hours)
        .map(|((label, _), h)| Month {
            first_day: first_day(label)
                .unwrap_or_else(|| panic!("month label {label:?} is not YYYY-MM")),
            hours: *h,
        })
        .collect();
    // Log GB ingested per cloud and month.
    let log_ingested: Vec<Vec<f64>> = m
        .requests
        .iter()
        .map(|r| {
            r.iter()
                .map(|n| n * cost.log_bytes_per_request / BYTES_PER_BILLED_GB)
                .collect()
        })
        .collect();
    let mut lines = Vec::new();
    for (mi, month) in months.iter().enumerate() {
        let hours = month.hours;
        // A monthly quantity (GB-months, plan-months) for the part of the month in the run.
        let prorated = |x: f64| x * hours / month.calendar_hours();
        let place = |cloud: usize, environment| Place {
            month: mi,
            cloud: &clouds[cloud].name,
            provider: &clouds[cloud].provider,
            region: cost.regions.get(cloud).map_or("", String::as_str),
            environment,
        };
        let prod = |cloud| place(cloud, "prod");
        // Worker nodes: instance-hours per pool from the simulated node counts.
        if let Some(cluster) = &s.platform.cluster {
            for (pi, pool) in cluster.pools.iter().enumerate() {
                let hist = &m.pool_node_hours[pi][mi];
                let level: Vec<f64> = (1..hist.len()).map(|k| hist[k..].iter().sum()).collect();
                let total: f64 = level.iter().sum();
                lines.push(UsageLine {
                    level_hours: level,
                    spot_eligible: pool.spot,
                    shared: Shared::NodePool(pi),
                    ..prod(pool.cloud).line(
                        format!("node pool {}", pool.name),
                        &pool.instance_type,
                        "instance-hour",
                        total,
                        CostClass::Compute,
                    )
                });
            }
        }
        // Control plane: one cluster per cloud.
        for (ci, c) in clouds.iter().enumerate() {
            let (resource, sku) = if c.provider == "aws" {
                let extended = eks_extended_support(&cost.kubernetes_version, month.first_day);
                (
                    "EKS control plane",
                    if extended {
                        "eks-control-plane-extended"
                    } else {
                        "eks-control-plane-standard"
                    },
                )
            } else {
                ("GKE control plane", "gke-cluster-fee")
            };
            lines.push(UsageLine {
                level_hours: vec![hours],
                ..prod(ci).line(
                    resource,
                    sku,
                    "cluster-hour",
                    hours,
                    CostClass::ControlPlane,
                )
            });
        }
        // Database instances and storage (each instance keeps a full copy of the data).
        if let Some(db) = &s.platform.database {
            let data_gb =
                cost.database_base_gb + cost.database_gb_per_1k_dau * m.mean_dau[mi] / 1000.0;
            // With provisioned storage (spec.database.storage) every instance is billed for the
            // allocation as storage autoscaling grew it, hour by hour, and backups beyond the
            // free 100 % of it for the data the run tracked; without it, for the data itself.
            let (gb, backup) = match (&db.storage, m.db_allocated_gb_hours.get(mi)) {
                (Some(_), Some(&allocated_gb_hours)) => {
                    let allocated = allocated_gb_hours / hours.max(f64::MIN_POSITIVE);
                    let data = m.db_data_gb_hours.get(mi).copied().unwrap_or(0.0)
                        / hours.max(f64::MIN_POSITIVE);
                    (allocated, (cost.backup_factor * data - allocated).max(0.0))
                }
                (Some(st), None) => (
                    st.allocated_gb,
                    (cost.backup_factor * data_gb - st.allocated_gb).max(0.0),
                ),
                (None, _) => (data_gb, (cost.backup_factor - 1.0).max(0.0) * data_gb),
            };
            let replicas = db
                .replicas
                .iter()
                .enumerate()
                .map(|(i, r)| (r, format!("replica {}", i + 1), false));
            let all = std::iter::once((&db.primary, "primary".to_string(), cost.database_multi_az))
                .chain(replicas);
            for (inst, role, multi_az) in all {
                let here = prod(inst.cloud);
                let cloud_sql = here.provider == "gcp";
                let sku = if multi_az {
                    format!("{}-multi-az", inst.instance_class)
                } else {
                    inst.instance_class.clone()
                };
                lines.push(UsageLine {
                    level_hours: vec![hours],
                    shared: Shared::Database,
                    ..here.line(
                        format!("database {role} ({})", inst.instance_class),
                        sku,
                        "instance-hour",
                        hours,
                        CostClass::ManagedInstance,
                    )
                });
                // Multi-AZ RDS bills its standby's storage through the multi-AZ storage rate.
                let storage_sku = if cloud_sql {
                    "cloud-sql-ssd-gb-month"
                } else if multi_az {
                    "rds-gp3-storage-multi-az"
                } else {
                    "rds-gp3-storage"
                };
                lines.push(UsageLine {
                    shared: Shared::Database,
                    ..here.line(
                        format!("database {role} storage"),
                        storage_sku,
                        "GB-month",
                        prorated(gb),
                        CostClass::Storage,
                    )
                });
                if role == "primary" && !cloud_sql {
                    // RDS includes backup storage up to the database size; the rest is billed.
                    lines.push(UsageLine {
                        shared: Shared::Database,
                        ..here.line(
                            "database backups",
                            "rds-backup-storage",
                            "GB-month",
                            prorated(backup),
                            CostClass::Storage,
                        )
                    });
                }
            }
        }
        // Cache nodes (in the primary cloud).
        if let Some(cache) = &s.platform.cache {
            lines.push(UsageLine {
                level_hours: vec![hours; cache.nodes as usize],
                shared: Shared::Cache,
                ..prod(0).line(
                    format!("cache {} × {}", cache.nodes, cache.node_type),
                    &cache.node_type,
                    "instance-hour",
                    f64::from(cache.nodes) * hours,
                    CostClass::ManagedInstance,
                )
            });
        }
        // Objects (user uploads, static assets) in the primary cloud: S3 Intelligent-Tiering on
        // AWS, Cloud Storage Standard on GCP.
        let aws_objects = clouds.first().is_some_and(|c| c.provider == "aws");
        for (sku, unit, quantity) in object_storage(cost, &m.mean_dau, mi, aws_objects) {
            lines.push(prod(0).line(
                "object storage",
                sku,
                unit,
                prorated(quantity),
                CostClass::Storage,
            ));
        }
        for (ci, c) in clouds.iter().enumerate() {
            let here = prod(ci);
            let aws = c.provider == "aws";
            // Logs: one line per request, ingested, then kept for the retention period (CloudWatch
            // stores it compressed; Cloud Logging keeps 30 days free and bills the days beyond).
            let log_gb = log_ingested[ci][mi];
            let ingestion = if aws {
                "cloudwatch-logs-ingestion"
            } else {
                "cloud-logging-ingestion"
            };
            lines.push(UsageLine {
                shared: Shared::Logs(ci),
                ..here.line("log ingestion", ingestion, "GB", log_gb, CostClass::Logs)
            });
            let (retained, sku) = if aws {
                let days = (0.0, cost.log_retention_days);
                let gb = retained_gb(&months, &log_ingested[ci], mi, days);
                (gb * cost.log_stored_fraction, "cloudwatch-logs-storage")
            } else {
                let days = (GCP_INCLUDED_LOG_RETENTION_DAYS, cost.log_retention_days);
                (
                    retained_gb(&months, &log_ingested[ci], mi, days),
                    "cloud-logging-retention",
                )
            };
            lines.push(UsageLine {
                shared: Shared::Logs(ci),
                ..here.line(
                    "log retention",
                    sku,
                    "GB-month",
                    prorated(retained),
                    CostClass::Logs,
                )
            });
            // Egress: page bytes the CDN does not serve leave the origin, priced by monthly tier.
            let egress_gb =
                m.page_views[ci][mi] * cost.page_weight_bytes * (1.0 - cost.cdn_offload)
                    / BYTES_PER_BILLED_GB;
            for (sku, gb) in egress_tiers(aws, egress_gb) {
                lines.push(UsageLine {
                    shared: Shared::Egress(ci),
                    ..here.line("internet egress", sku, "GB", gb, CostClass::Egress)
                });
            }
            // NAT gateways and load balancers run all month.
            // AWS NAT gateways are zonal (one per AZ); GCP's Cloud NAT is one regional gateway.
            let gateways = if aws {
                cost.nat_gateways
            } else {
                cost.nat_gateways.min(1)
            };
            lines.push(here.line(
                format!("NAT gateways × {gateways}"),
                "nat-gateway-hour",
                "hour",
                f64::from(gateways) * hours,
                CostClass::Network,
            ));
            let lb_sku = if aws {
                "alb-hour"
            } else {
                "lb-forwarding-rule-hour"
            };
            lines.push(here.line(
                format!("load balancers × {}", cost.load_balancers),
                lb_sku,
                "hour",
                f64::from(cost.load_balancers) * hours,
                CostClass::Network,
            ));
        }
        if let Some(plan) = &cost.cdn_plan {
            // The CDN is its own provider, priced per month wherever the origins are.
            let cdn = Place {
                month: mi,
                cloud: "cdn",
                provider: "cloudflare",
                region: "global",
                environment: "prod",
            };
            lines.push(cdn.line("CDN plan", plan, "month", prorated(1.0), CostClass::Cdn));
        }
        // Fixed environments on their schedules.
        for env in &cost.environments {
            let here = place(env.cloud, &env.name);
            let scheduled = month.scheduled_hours(env.schedule);
            for item in &env.items {
                // The schedule stops instances; control planes, load balancers and NAT keep running.
                let run_hours = match item.class {
                    CostClass::Compute | CostClass::ManagedInstance => scheduled,
                    _ => hours,
                };
                let (quantity, level_hours) = match item.unit.as_str() {
                    "GB-month" | "month" => (prorated(item.count), Vec::new()),
                    unit => {
                        let mut level = Vec::new();
                        if unit == "instance-hour" {
                            let whole = item.count.floor() as usize;
                            level = vec![run_hours; whole];
                            if item.count > whole as f64 {
                                level.push(run_hours * (item.count - whole as f64));
                            }
                        }
                        (item.count * run_hours, level)
                    }
                };
                lines.push(UsageLine {
                    level_hours,
                    spot_eligible: item.spot,
                    ..here.line(
                        format!("{} {}", env.name, item.sku),
                        &item.sku,
                        &item.unit,
                        quantity,
                        item.class,
                    )
                });
            }
        }
    }
    lines.retain(|l| l.quantity > 0.0);
    Usage { months, lines }
}

/// A one-month usage in which every resource of the scenario appears (one node per pool, one
/// user, one request): pricing it checks every SKU the real run will look up, before the run.
pub fn probe_usage(s: &crate::scenario::Scenario) -> crate::model::MonthlyUsage {
    let pools = s.platform.cluster.as_ref().map_or(0, |c| c.pools.len());
    let clouds = s.platform.clouds.len();
    crate::model::MonthlyUsage {
        months: crate::model::months(s).into_iter().take(1).collect(),
        month_hours: vec![24.0],
        pool_node_hours: vec![vec![vec![0.0, 24.0]]; pools],
        // Enough traffic to reach every egress tier.
        page_views: vec![vec![1e12]; clouds],
        requests: vec![vec![1.0]; clouds],
        mean_dau: vec![1.0],
        service_requests: vec![vec![1.0]; clouds * s.services.len()],
        pool_service_alloc: vec![vec![vec![(0.0, 0.0); clouds * s.services.len()]]; pools],
        ..Default::default()
    }
}

/// Cloud Logging's retention included in the ingestion price (30 days); longer retention is
/// billed per GiB-month.
const GCP_INCLUDED_LOG_RETENTION_DAYS: f64 = 30.0;

/// S3 Intelligent-Tiering neither monitors nor tiers objects under 128 KiB: they stay in the
/// Frequent Access tier (AWS S3 User Guide, "How S3 Intelligent-Tiering works").
const INTELLIGENT_TIERING_MIN_OBJECT_BYTES: f64 = 128.0 * 1024.0;

/// Mean log volume kept during month `mi` (GB, not yet prorated), for logs kept from `days.0` to
/// `days.1` days after ingestion. Ingestion is spread evenly over each month's days in the run;
/// nothing was logged before the run. A day's volume counts from the end of that day.
fn retained_gb(months: &[Month], ingested: &[f64], mi: usize, days: (f64, f64)) -> f64 {
    let (from, to) = (days.0.max(0.0), days.1);
    if to <= from || ingested.is_empty() {
        return 0.0;
    }
    // Days of the run, oldest first, with their ingestion.
    let mut per_day = Vec::new();
    let mut first_of = Vec::with_capacity(months.len());
    for (k, month) in months.iter().enumerate() {
        first_of.push(per_day.len());
        let n = (month.hours / 24.0).ceil().max(1.0) as usize;
        let gb = ingested.get(k).copied().unwrap_or(0.0) / n as f64;
        per_day.extend(std::iter::repeat_n(gb, n));
    }
    first_of.push(per_day.len());
    // prefix[i] = volume of days 0..i.
    let mut prefix = Vec::with_capacity(per_day.len() + 1);
    prefix.push(0.0);
    for gb in &per_day {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + gb);
    }
    let (start, end) = (first_of[mi], first_of[mi + 1]);
    let kept: f64 = (start..end)
        .map(|d| {
            // Held at the end of day d: the days ingested from `to` to `from` days before.
            let newest = (d + 1).saturating_sub(from.round() as usize);
            let oldest = (d + 1).saturating_sub(to.round() as usize);
            prefix[newest] - prefix[oldest]
        })
        .sum();
    kept / (end - start).max(1) as f64
}

/// Object storage in month `mi` as (SKU, unit, quantity per whole month). On AWS, S3
/// Intelligent-Tiering: user objects older than 30 days — about those of the previous month's
/// users — that nobody read (`objectsColdShare`) sit in Infrequent Access; the rest in Frequent
/// Access; each object of at least 128 KiB pays the monitoring fee. On GCP, a regional Cloud
/// Storage Standard bucket (Autoclass, GCS's counterpart, is not modelled: the price book has
/// no sourced row for its management fee).
fn object_storage(
    cost: &crate::scenario::cost_spec::CostCfg,
    mean_dau: &[f64],
    mi: usize,
    aws: bool,
) -> Vec<(&'static str, &'static str, f64)> {
    let user_gb = |dau: f64| cost.objects_gb_per_1k_dau * dau / 1000.0;
    let total = cost.objects_base_gb + user_gb(mean_dau[mi]);
    if !aws {
        return vec![("gcs-standard", "GB-month", total)];
    }
    let tiered = cost
        .object_size_bytes
        .is_some_and(|b| b >= INTELLIGENT_TIERING_MIN_OBJECT_BYTES);
    let cold = match mi.checked_sub(1) {
        Some(prev) if tiered => (cost.objects_cold_share * user_gb(mean_dau[prev])).min(total),
        _ => 0.0,
    };
    let mut out = vec![
        ("s3-intelligent-tiering-frequent", "GB-month", total - cold),
        ("s3-intelligent-tiering-infrequent", "GB-month", cold),
    ];
    if let Some(size) = cost.object_size_bytes.filter(|_| tiered) {
        let objects = total * BYTES_PER_BILLED_GB / size;
        out.push((
            "s3-intelligent-tiering-monitoring",
            "1k-objects-month",
            objects / 1000.0,
        ));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let d = |y, m| Date::new(y, m, 1).unwrap();
        let jan = Month {
            first_day: d(2026, 1),
            hours: 744.0,
        };
        let weekdays = Schedule::Weekdays {
            from_hour: 9,
            to_hour: 21,
        };
        // January 2026 has 22 weekdays (Thursday the 1st to Saturday the 31st).
        assert_eq!(jan.scheduled_hours(weekdays), 22.0 * 12.0);
        assert_eq!(jan.scheduled_hours(Schedule::Always), 744.0);
        // A run that starts on 2026-01-16 has 384 h of January: the schedule scales with them.
        let late_jan = Month {
            hours: 384.0,
            ..jan.clone()
        };
        assert_eq!(
            late_jan.scheduled_hours(weekdays),
            22.0 * 12.0 * 384.0 / 744.0
        );
        let feb = Month {
            first_day: d(2026, 2),
            hours: 10.0,
        };
        // 28 days × 24 h, whatever part of February the run covers.
        assert_eq!(feb.calendar_hours(), 672.0);
        assert_eq!(
            (jan.label(), feb.label()),
            ("2026-01".into(), "2026-02".into())
        );
        assert_eq!(first_day("2026-02"), Some(d(2026, 2)));
        assert_eq!(first_day("2026-13"), None);
        assert_eq!(first_day("202602"), None);
    }

    /// Issue 10: egress and logs were computed in decimal GB and priced per binary GB. A month
    /// whose origin sends exactly 3 GiB (and whose requests log exactly 2 GiB) bills 3 and 2 GB.
    #[test]
    fn transfer_and_logs_are_counted_in_billed_gigabytes() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/platform.yaml");
        let s = crate::scenario::load(&path).expect("fixture loads");
        let cost = &s.cost;
        let mut m = probe_usage(&s);
        let bytes_per_view = cost.page_weight_bytes * (1.0 - cost.cdn_offload);
        m.page_views = vec![vec![3.0 * BYTES_PER_BILLED_GB / bytes_per_view]; m.page_views.len()];
        m.requests =
            vec![vec![2.0 * BYTES_PER_BILLED_GB / cost.log_bytes_per_request]; m.requests.len()];
        let u = usage_of(&s, &m);
        let sum = |pred: &dyn Fn(&UsageLine) -> bool| -> f64 {
            u.lines
                .iter()
                .filter(|l| l.cloud == "aws" && pred(l))
                .map(|l| l.quantity)
                .sum()
        };
        let egress = sum(&|l| l.sku.starts_with("internet-egress"));
        let ingested = sum(&|l| l.sku == "cloudwatch-logs-ingestion");
        assert!((egress - 3.0).abs() < 1e-9, "egress {egress} GB");
        assert!((ingested - 2.0).abs() < 1e-9, "logs {ingested} GB");
    }

    /// Logs kept 90 days with 1 GB ingested a day (three 30-day months of 30 GB): the store holds
    /// d + 1 GB at the end of day d until it is 90 days deep. Month means: days 1..30 → 15.5,
    /// 31..60 → 45.5, 61..90 → 75.5. Cloud Logging bills only days 31..90: 0, then 1..30 → 15.5.
    #[test]
    fn logs_are_kept_as_they_accumulate() {
        let month = |m: i8| Month {
            first_day: Date::new(2026, 4 + m, 1).unwrap(),
            hours: 720.0,
        };
        let months = [month(0), month(1), month(2)];
        let ingested = [30.0, 30.0, 30.0];
        let aws: Vec<f64> = (0..3)
            .map(|m| retained_gb(&months, &ingested, m, (0.0, 90.0)))
            .collect();
        assert_eq!(aws, vec![15.5, 45.5, 75.5]);
        let gcp: Vec<f64> = (0..3)
            .map(|m| retained_gb(&months, &ingested, m, (30.0, 90.0)))
            .collect();
        assert_eq!(gcp, vec![0.0, 15.5, 45.5]);
        // Thirty days kept: a full month's volume once the store is a month deep.
        assert_eq!(retained_gb(&months, &ingested, 2, (0.0, 30.0)), 30.0);
        assert_eq!(retained_gb(&months, &ingested, 1, (30.0, 30.0)), 0.0);
    }

    /// S3 Intelligent-Tiering: 20 GB base + 1 GB per 1k DAU; 10k users last month, 12k now.
    /// Total 32 GB; 70 % of last month's 10 GB of user objects are cold → 7 GB Infrequent Access,
    /// 25 GB Frequent; 32 GiB of 256 KiB objects = 131,072 objects monitored.
    #[test]
    fn intelligent_tiering_moves_cold_user_objects() {
        let mut cost = crate::scenario::cost_spec::CostCfg::defaults(&["aws".to_string()]);
        cost.objects_base_gb = 20.0;
        cost.objects_gb_per_1k_dau = 1.0;
        cost.objects_cold_share = 0.7;
        cost.object_size_bytes = Some(256.0 * 1024.0);
        let dau = [10_000.0, 12_000.0];
        assert_eq!(
            object_storage(&cost, &dau, 1, true),
            vec![
                ("s3-intelligent-tiering-frequent", "GB-month", 25.0),
                ("s3-intelligent-tiering-infrequent", "GB-month", 7.0),
                (
                    "s3-intelligent-tiering-monitoring",
                    "1k-objects-month",
                    131.072
                ),
            ]
        );
        // The first month has nothing 30 days old.
        assert_eq!(object_storage(&cost, &dau, 0, true)[1].2, 0.0);
        // Objects under 128 KiB are neither tiered nor monitored.
        cost.object_size_bytes = Some(64.0 * 1024.0);
        assert_eq!(
            object_storage(&cost, &dau, 1, true),
            vec![
                ("s3-intelligent-tiering-frequent", "GB-month", 32.0),
                ("s3-intelligent-tiering-infrequent", "GB-month", 0.0),
            ]
        );
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
