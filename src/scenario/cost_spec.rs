//! The `spec.cost` section: which price book, regions, the Kubernetes version (EKS support tier),
//! the usage assumptions behind storage, logs and egress, the network pieces, the CDN plan, and
//! the fixed dev/staging inventories with their schedules.

use super::decode::Cx;
use super::decode::show;
use super::yaml::Node;

/// When a fixed inventory runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    Always,
    /// Weekdays (Monday–Friday, holidays not excepted) from `from_hour` to `to_hour` local time:
    /// the usual auto-shutdown of dev/test at nights and weekends.
    Weekdays {
        from_hour: u32,
        to_hour: u32,
    },
}

/// One line of a fixed inventory: `count` of `sku` (priced like any usage line).
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryItem {
    pub sku: String,
    pub count: f64,
    /// `instance-hour`-like units run on the schedule; `GB-month` and `month` units are
    /// billed whole months.
    pub unit: String,
    pub class: crate::billing::CostClass,
    pub spot: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    pub cloud: usize,
    pub schedule: Schedule,
    pub items: Vec<InventoryItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostCfg {
    /// `builtin` or a CSV path relative to the scenario file.
    pub price_book: String,
    /// Region per cloud (index as in `Platform::clouds`).
    pub regions: Vec<String>,
    /// Kubernetes minor version of the clusters (EKS standard vs extended support).
    pub kubernetes_version: String,
    pub database_base_gb: f64,
    pub database_gb_per_1k_dau: f64,
    /// Bytes each write query adds to the database for good (rows, index entries), on top of
    /// the per-user data (`databaseBytesPerWrite`).
    pub database_bytes_per_write: f64,
    /// Backup storage as a multiple of the database size (RDS gives 100 % free).
    pub backup_factor: f64,
    pub database_multi_az: bool,
    pub objects_base_gb: f64,
    pub objects_gb_per_1k_dau: f64,
    pub log_bytes_per_request: f64,
    pub log_retention_days: f64,
    /// Stored log bytes per ingested byte (`logStoredFraction`): CloudWatch Logs bills archived
    /// storage on compressed bytes. 1 (the default) stores what was ingested.
    pub log_stored_fraction: f64,
    /// Share of the user objects older than 30 days that nobody read in those 30 days
    /// (`objectsColdShare`): S3 Intelligent-Tiering moves them to its Infrequent Access tier.
    pub objects_cold_share: f64,
    /// Mean size of a user object (`objectSize`), for Intelligent-Tiering's monitoring fee per
    /// object; `None`: no monitoring line. Objects under 128 KiB are neither monitored nor tiered.
    pub object_size_bytes: Option<f64>,
    pub page_weight_bytes: f64,
    /// Share of page bytes the CDN serves from its edge.
    pub cdn_offload: f64,
    pub nat_gateways: u32,
    pub load_balancers: u32,
    /// Price-book SKU of the CDN plan (`cloudflare-pro`), or none.
    pub cdn_plan: Option<String>,
    pub environments: Vec<Environment>,
}

impl CostCfg {
    /// Defaults; see the comments in `decode` for where each comes from.
    pub fn defaults(providers: &[String]) -> CostCfg {
        CostCfg {
            price_book: "builtin".into(),
            regions: providers
                .iter()
                .map(|p| default_region(p).to_string())
                .collect(),
            kubernetes_version: "1.34".into(),
            database_base_gb: 100.0,
            database_gb_per_1k_dau: 2.0,
            database_bytes_per_write: 0.0,
            backup_factor: 2.0,
            database_multi_az: false,
            objects_base_gb: 50.0,
            objects_gb_per_1k_dau: 1.0,
            log_bytes_per_request: 400.0,
            log_retention_days: 30.0,
            log_stored_fraction: 1.0,
            objects_cold_share: 0.0,
            object_size_bytes: None,
            page_weight_bytes: 2_000_000.0,
            cdn_offload: 0.9,
            nat_gateways: 1,
            load_balancers: 1,
            cdn_plan: None,
            environments: Vec::new(),
        }
    }
}

/// The largest page weight (bytes one page view transfers).
const MAX_PAGE_WEIGHT_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;
/// S3's largest object (5 TiB).
const MAX_OBJECT_SIZE_BYTES: f64 = 5.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0;
/// The largest amount of a fixed-inventory line in GB-month or month units.
const MAX_INVENTORY_AMOUNT: f64 = 1e9;

pub fn default_region(provider: &str) -> &'static str {
    if provider == "gcp" {
        "asia-northeast3"
    } else {
        "ap-northeast-2"
    }
}

pub(super) fn decode(
    node: &Node,
    cx: &mut Cx,
    clouds: &[String],
    providers: &[String],
) -> Option<CostCfg> {
    let mut c = CostCfg::defaults(providers);
    let mut m = cx.map(node, "spec.cost")?;
    let mut ok = true;
    ok &= m.opt_set(cx, "priceBook", &mut c.price_book, Cx::string);
    if let Some(n) = m.opt("regions") {
        cx.each_named(n, "spec.cost.regions", |cx, name, k, v| {
            let p = format!("spec.cost.regions.{name}");
            match clouds.iter().position(|c| *c == name) {
                Some(i) => match cx.string(v, &p) {
                    Some(region) => c.regions[i] = region,
                    None => ok = false,
                },
                None => {
                    cx.problem(
                        k,
                        &p,
                        format!("unknown cloud {name:?}"),
                        format!("use one of: {}", clouds.join(", ")),
                    );
                    ok = false;
                }
            }
        })?;
    }
    ok &= m.opt_set(
        cx,
        "kubernetesVersion",
        &mut c.kubernetes_version,
        |cx, n, p| {
            let v = cx.string(n, p)?;
            if crate::billing::eks_release(&v).is_some() {
                return Some(v);
            }
            let known: Vec<&str> = crate::billing::EKS_RELEASES
                .iter()
                .map(|(v, _)| *v)
                .collect();
            cx.problem(
                n,
                p,
                format!("no release date known for Kubernetes {v:?}"),
                format!("use one of: {}", known.join(", ")),
            );
            None
        },
    );
    // Usage assumptions: non-negative, with an upper bound that catches unit slips.
    for (key, slot, max) in [
        ("databaseBaseGb", &mut c.database_base_gb, 1e7),
        ("databaseGbPer1kDau", &mut c.database_gb_per_1k_dau, 1e6),
        (
            "databaseBytesPerWrite",
            &mut c.database_bytes_per_write,
            1e9,
        ),
        ("backupFactor", &mut c.backup_factor, 100.0),
        ("objectsBaseGb", &mut c.objects_base_gb, 1e9),
        ("objectsGbPer1kDau", &mut c.objects_gb_per_1k_dau, 1e6),
        ("logBytesPerRequest", &mut c.log_bytes_per_request, 1e7),
        ("logRetentionDays", &mut c.log_retention_days, 3650.0),
        ("cdnOffload", &mut c.cdn_offload, 1.0),
        ("objectsColdShare", &mut c.objects_cold_share, 1.0),
    ] {
        ok &= m.opt_set(cx, key, slot, |cx, n, p| {
            let v = cx.non_negative(n, p)?;
            if v > max {
                cx.problem(
                    n,
                    p,
                    format!("{} is too large", show(v)),
                    format!("write a value up to {max}"),
                );
                return None;
            }
            Some(v)
        });
    }
    // Counts of things: whole numbers (2.5 NAT gateways is an error, not a rounding).
    for (key, slot) in [
        ("natGateways", &mut c.nat_gateways),
        ("loadBalancers", &mut c.load_balancers),
    ] {
        ok &= m.opt_set(cx, key, slot, |cx, n, p| {
            cx.int(n, p, 0, 100).map(|v| v as u32)
        });
    }
    ok &= m.opt_set(cx, "pageWeight", &mut c.page_weight_bytes, |cx, n, p| {
        let bytes = cx.quantity_milli(n, p)? as f64 / 1000.0;
        // A page of more than a GiB is a unit slip, and its egress would not fit in money.
        if bytes > MAX_PAGE_WEIGHT_BYTES {
            cx.problem(
                n,
                p,
                format!("{bytes} bytes per page view is out of range (at most 1Gi)"),
                "write the bytes one page view transfers, e.g. 2M or 500Ki (at most 1Gi)",
            );
            return None;
        }
        Some(bytes)
    });
    ok &= m.opt_set(
        cx,
        "logStoredFraction",
        &mut c.log_stored_fraction,
        |cx, n, p| {
            cx.f64_where(
                n,
                p,
                |v| v > 0.0 && v <= 1.0,
                |v| format!("{} is not a fraction in (0, 1]", show(v)),
                "write the stored (compressed) bytes per ingested byte, e.g. 0.15",
            )
        },
    );
    ok &= m.opt_set(cx, "objectSize", &mut c.object_size_bytes, |cx, n, p| {
        let bytes = cx.positive_quantity_milli(n, p, "write e.g. 256Ki")? as f64 / 1000.0;
        if bytes > MAX_OBJECT_SIZE_BYTES {
            cx.problem(
                n,
                p,
                format!("{bytes} bytes per object is out of range (at most 5Ti, S3's limit)"),
                "write the mean size of a stored object, e.g. 256Ki",
            );
            return None;
        }
        Some(Some(bytes))
    });
    ok &= m.opt_set(cx, "databaseMultiAz", &mut c.database_multi_az, Cx::bool);
    ok &= m.opt_set(cx, "cdnPlan", &mut c.cdn_plan, |cx, n, p| {
        cx.string(n, p).map(Some)
    });
    if let Some(n) = m.opt("environments") {
        cx.each_named(
            n,
            "spec.cost.environments",
            |cx, name, _, v| match decode_environment(&name, v, cx, clouds) {
                Some(e) => c.environments.push(e),
                None => ok = false,
            },
        )?;
    }
    m.finish(cx);
    ok.then_some(c)
}

fn decode_environment(
    name: &str,
    node: &Node,
    cx: &mut Cx,
    clouds: &[String],
) -> Option<Environment> {
    use crate::billing::CostClass;
    let p = format!("spec.cost.environments.{name}");
    let mut m = cx.map(node, &p)?;
    let cloud = match m.opt("cloud") {
        Some(n) => {
            let v = cx.string(n, &m.child("cloud"))?;
            let i = clouds.iter().position(|c| *c == v);
            if i.is_none() {
                cx.problem(
                    n,
                    &m.child("cloud"),
                    format!("unknown cloud {v:?}"),
                    format!("use one of: {}", clouds.join(", ")),
                );
            }
            i
        }
        None => Some(0),
    };
    let schedule = match m.opt("schedule") {
        None => Some(Schedule::Always),
        Some(n) => {
            let text = cx.scalar(n, &m.child("schedule"), "always or weekdays HH-HH")?;
            parse_schedule(text).or_else(|| {
                cx.problem(
                    n,
                    &m.child("schedule"),
                    format!("cannot read {text:?}"),
                    "write `always` or `weekdays 09-21` (local hours, auto-shutdown outside them)",
                );
                None
            })
        }
    };
    let items_node = m.req(cx, "items", "a list of {sku, count, unit, class}");
    m.finish(cx);
    let items = cx.seq(items_node?, &format!("{p}.items"))?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        let ip = format!("{p}.items[{i}]");
        let Some(mut im) = cx.map(it, &ip) else {
            ok = false;
            continue;
        };
        let sku = im
            .req(cx, "sku", "a price-book SKU")
            .and_then(|n| cx.string(n, &im.child("sku")));
        let count_node = im.opt("count");
        let count = im.opt_or(cx, "count", 1.0, |cx, n, p| {
            cx.non_negative_at_most(n, p, MAX_INVENTORY_AMOUNT)
        });
        let unit = im.opt_or(cx, "unit", "instance-hour".to_string(), Cx::string);
        // Hourly lines are priced per instance (one usage level each): a bounded count.
        let count = match (count, &unit, count_node) {
            (Some(c), Some(u), Some(n))
                if !matches!(u.as_str(), "GB-month" | "month")
                    && c > super::limits::MAX_INVENTORY_COUNT =>
            {
                cx.problem(
                    n,
                    &im.child("count"),
                    format!("{c} instances is out of range"),
                    format!(
                        "write a count up to {} (split a larger fleet into environments)",
                        super::limits::MAX_INVENTORY_COUNT
                    ),
                );
                None
            }
            (c, _, _) => c,
        };
        let class = im.opt_or(cx, "class", CostClass::Compute, |cx, n, p| {
            cx.choice(n, p, &CostClass::NAMES.map(|(c, name)| (name, c)))
        });
        let spot = im.opt_or(cx, "spot", false, Cx::bool);
        im.finish(cx);
        match (sku, count, unit, class, spot) {
            (Some(sku), Some(count), Some(unit), Some(class), Some(spot)) => {
                out.push(InventoryItem {
                    sku,
                    count,
                    unit,
                    class,
                    spot,
                })
            }
            _ => ok = false,
        }
    }
    (ok && cloud.is_some() && schedule.is_some()).then(|| Environment {
        name: name.to_string(),
        cloud: cloud.unwrap_or(0),
        schedule: schedule.unwrap_or(Schedule::Always),
        items: out,
    })
}

fn parse_schedule(text: &str) -> Option<Schedule> {
    let t = text.trim();
    if t == "always" {
        return Some(Schedule::Always);
    }
    let rest = t.strip_prefix("weekdays")?.trim();
    let (a, b) = rest.split_once('-')?;
    let (from_hour, to_hour): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (from_hour < to_hour && to_hour <= 24).then_some(Schedule::Weekdays { from_hour, to_hour })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert_eq!(parse_schedule("always"), Some(Schedule::Always));
        assert_eq!(
            parse_schedule("weekdays 09-21"),
            Some(Schedule::Weekdays {
                from_hour: 9,
                to_hour: 21
            })
        );
        assert_eq!(parse_schedule("weekdays 21-09"), None);
        assert_eq!(parse_schedule("nights"), None);
    }
}
