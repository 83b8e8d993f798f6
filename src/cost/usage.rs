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
            let gb = cost.database_base_gb + cost.database_gb_per_1k_dau * m.mean_dau[mi] / 1000.0;
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
                    let backup = (cost.backup_factor - 1.0).max(0.0) * gb;
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
        // Objects (user uploads, static assets) in the primary cloud.
        let objects_gb =
            cost.objects_base_gb + cost.objects_gb_per_1k_dau * m.mean_dau[mi] / 1000.0;
        lines.push(prod(0).line(
            "object storage",
            "s3-intelligent-tiering-frequent",
            "GB-month",
            prorated(objects_gb),
            CostClass::Storage,
        ));
        for (ci, c) in clouds.iter().enumerate() {
            let here = prod(ci);
            let aws = c.provider == "aws";
            // Logs: one line per request, kept for the retention period.
            let log_gb = m.requests[ci][mi] * cost.log_bytes_per_request / BYTES_PER_BILLED_GB;
            let ingestion = if aws {
                "cloudwatch-logs-ingestion"
            } else {
                "cloud-logging-ingestion"
            };
            lines.push(UsageLine {
                shared: Shared::Logs(ci),
                ..here.line("log ingestion", ingestion, "GB", log_gb, CostClass::Logs)
            });
            if aws {
                lines.push(UsageLine {
                    shared: Shared::Logs(ci),
                    ..here.line(
                        "log retention",
                        "cloudwatch-logs-storage",
                        "GB-month",
                        log_gb * cost.log_retention_days / 30.0,
                        CostClass::Logs,
                    )
                });
            }
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
