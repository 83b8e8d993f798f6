//! Cost by service: every priced usage line as one row per service it is allocated to, with its
//! cost under every purchase variant side by side — the rows of `cost_monthly.csv` and of the
//! FOCUS export. Pure: the same usage and report give the same rows.
//!
//! **How lines are allocated** (per calendar month, from what the run recorded):
//!
//! | line | allocated by | rest |
//! |---|---|---|
//! | node pool | OpenCost's rule: each service's pods hold max(request, usage) of CPU and of memory on the pool's nodes; its share is `w_cpu × its core-hours / the pool's core-hours + (1 − w_cpu) × its GiB-hours / the pool's GiB-hours`, `w_cpu` the CPU part of the instance's price by OpenCost's default CPU and RAM prices ($0.031611 per core-hour, $0.004237 per GiB-hour) | `__idle__`: capacity no pod held (free space, DaemonSets, system reservations, nodes still booting) |
//! | database instances, storage, backups | the services' queries (requests × `queriesPerRequest`) | `__idle__` in a month without queries |
//! | cache nodes | the services' cache lookups (reads) | as above |
//! | log ingestion and retention | the services' requests in that cloud | as above |
//! | internet egress | the cloud's entry service (page bytes leave with its pages) | — |
//! | control planes, NAT, load balancers, object storage, CDN, fixed environments | not attributable: one `__shared__` row | — |
//!
//! **Exact money.** A line's cost under each variant (the sum of its priced parts, SUD included)
//! is split in integer micro-dollars by the largest-remainder method, so the rows of a line add
//! up to it exactly, and every variant's rows add up to the report's total for that variant.

use crate::billing::Variant;
use crate::cost::money::{Money, UnitPrice};
use crate::cost::price::CostReport;
use crate::cost::usage::{CostClass, Shared, Usage};
use crate::model::MonthlyUsage;
use crate::scenario::Scenario;

/// The service name of a line's unallocated share (free node capacity, unused managed capacity).
pub const IDLE: &str = "__idle__";
/// The service name of a line no service can be charged for.
pub const SHARED: &str = "__shared__";

/// OpenCost's default prices (`configs/default.json`, "based on GCP us-central1"), used only
/// for their ratio: the share of a node's price that is its CPU.
pub const OPENCOST_CPU_PER_CORE_HOUR: f64 = 0.031611;
pub const OPENCOST_RAM_PER_GIB_HOUR: f64 = 0.004237;

/// One usage line's share for one service (or `__idle__` / `__shared__`).
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Hours of the month inside the run, and whether that is less than the calendar month.
    pub hours_in_month: f64,
    pub partial_month: bool,
    pub provider: String,
    pub cloud: String,
    pub region: String,
    pub environment: String,
    pub service: String,
    pub class: CostClass,
    pub resource: String,
    pub sku: String,
    /// This row's share of the line's quantity.
    pub quantity: f64,
    pub unit: String,
    /// The share of the line this row carries (0..1).
    pub share: f64,
    /// The price book's on-demand unit price of the SKU (the list price).
    pub list_unit_price: UnitPrice,
    /// Cost under each variant, in [`Variant::ALL`] order.
    pub costs: [Money; 6],
    /// `file:line` of the price-book row.
    pub price_row: String,
    /// Index of the usage line (into `Usage::lines`).
    pub usage_line: usize,
}

/// Every usage line of `usage` split over services; `report` is `price(usage, …)`.
pub fn rows(s: &Scenario, m: &MonthlyUsage, usage: &Usage, report: &CostReport) -> Vec<CostRow> {
    let n_lines = usage.lines.len();
    let mut costs = vec![[Money::ZERO; 6]; n_lines];
    let mut list_price = vec![UnitPrice::ZERO; n_lines];
    for l in &report.lines {
        let Some(c) = costs.get_mut(l.usage_line) else {
            continue;
        };
        let v = Variant::ALL
            .iter()
            .position(|v| *v == l.variant)
            .unwrap_or(0);
        c[v] += l.cost;
        if l.variant == Variant::OnDemand && l.line != "SUD" {
            list_price[l.usage_line] = l.unit_price;
        }
    }
    let mut price_rows = vec![String::new(); n_lines];
    for l in &report.lines {
        if price_rows[l.usage_line].is_empty() {
            price_rows[l.usage_line] = l.price_row.clone();
        }
    }
    let n_svc = s.services.len();
    let mut out = Vec::new();
    for (i, l) in usage.lines.iter().enumerate() {
        let month = &usage.months[l.month];
        let weights = weights(s, m, l.month, l.shared, l.quantity, n_svc);
        let split: Vec<[Money; 6]> = {
            let mut per_bucket = vec![[Money::ZERO; 6]; weights.len()];
            for v in 0..6 {
                let ws: Vec<f64> = weights.iter().map(|(_, w)| *w).collect();
                for (b, x) in split_money(costs[i][v], &ws).into_iter().enumerate() {
                    per_bucket[b][v] = x;
                }
            }
            per_bucket
        };
        for ((service, w), c) in weights.iter().zip(split) {
            if *w <= 0.0 && c.iter().all(|x| *x == Money::ZERO) {
                continue;
            }
            out.push(CostRow {
                month: month.label(),
                hours_in_month: month.hours,
                partial_month: month.hours + 1e-6 < month.calendar_hours(),
                provider: l.provider.clone(),
                cloud: l.cloud.clone(),
                region: l.region.clone(),
                environment: l.environment.clone(),
                service: service.clone(),
                class: l.class,
                resource: l.resource.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity * w,
                unit: l.unit.clone(),
                share: *w,
                list_unit_price: list_price[i],
                costs: c,
                price_row: price_rows[i].clone(),
                usage_line: i,
            });
        }
    }
    out
}

/// The buckets of one line: (service, weight), weights ≥ 0 adding up to 1; `__idle__` last.
fn weights(
    s: &Scenario,
    m: &MonthlyUsage,
    month: usize,
    shared: Shared,
    quantity: f64,
    n_svc: usize,
) -> Vec<(String, f64)> {
    let name = |i: usize| s.services[i % n_svc].name.clone();
    let requests = |i: usize| {
        m.service_requests
            .get(i)
            .and_then(|r| r.get(month))
            .copied()
            .unwrap_or(0.0)
    };
    // Per-service amounts (summed over clouds when `cloud` is None) normalised to weights.
    let by_amount = |amount: &dyn Fn(usize) -> f64, cloud: Option<usize>| {
        let n = m.service_requests.len();
        let mut per_svc = vec![0.0; n_svc];
        for i in 0..n {
            if cloud.is_none_or(|c| i / n_svc == c) {
                per_svc[i % n_svc] += amount(i).max(0.0);
            }
        }
        let total: f64 = per_svc.iter().sum();
        let mut out: Vec<(String, f64)> = Vec::new();
        if total > 0.0 {
            for (k, a) in per_svc.iter().enumerate() {
                out.push((name(k), a / total));
            }
            out.push((IDLE.to_string(), 0.0));
        } else {
            out.push((IDLE.to_string(), 1.0));
        }
        out
    };
    match shared {
        Shared::Platform => vec![(SHARED.to_string(), 1.0)],
        Shared::Egress(_) if n_svc > 0 => vec![(name(0), 1.0)],
        Shared::Egress(_) => vec![(SHARED.to_string(), 1.0)],
        Shared::Logs(c) => by_amount(&requests, Some(c)),
        Shared::Database => by_amount(
            &|i| {
                s.services[i % n_svc]
                    .database
                    .as_ref()
                    .map_or(0.0, |d| requests(i) * d.queries_per_request)
            },
            None,
        ),
        Shared::Cache => by_amount(
            &|i| {
                s.services[i % n_svc].database.as_ref().map_or(0.0, |d| {
                    requests(i) * d.queries_per_request * (1.0 - d.write_fraction)
                })
            },
            None,
        ),
        Shared::NodePool(p) => {
            let pool = s.platform.cluster.as_ref().and_then(|c| c.pools.get(p));
            let alloc = m.pool_service_alloc.get(p).and_then(|a| a.get(month));
            let (Some(pool), Some(alloc)) = (pool, alloc) else {
                return vec![(IDLE.to_string(), 1.0)];
            };
            let gib = pool.memory_bytes / crate::cost::usage::BYTES_PER_BILLED_GB;
            let (cpu_cap, mem_cap) = (quantity * pool.vcpu, quantity * gib);
            let cpu_price = pool.vcpu * OPENCOST_CPU_PER_CORE_HOUR;
            let ram_price = gib * OPENCOST_RAM_PER_GIB_HOUR;
            let w_cpu = if cpu_price + ram_price > 0.0 {
                cpu_price / (cpu_price + ram_price)
            } else {
                0.5
            };
            let mut per_svc = vec![0.0; n_svc];
            for (i, (cpu, mem)) in alloc.iter().enumerate() {
                let share = if cpu_cap > 0.0 {
                    w_cpu * cpu / cpu_cap
                } else {
                    0.0
                } + if mem_cap > 0.0 {
                    (1.0 - w_cpu) * mem / mem_cap
                } else {
                    0.0
                };
                per_svc[i % n_svc] += share;
            }
            // Pods cannot hold more than the nodes have; sampling at evaluation steps can
            // overshoot a little around scale-downs.
            let held: f64 = per_svc.iter().sum();
            if held > 1.0 {
                for x in &mut per_svc {
                    *x /= held;
                }
            }
            let held = held.min(1.0);
            let mut out: Vec<(String, f64)> = per_svc
                .iter()
                .enumerate()
                .map(|(k, w)| (name(k), *w))
                .collect();
            out.push((IDLE.to_string(), (1.0 - held).max(0.0)));
            out
        }
    }
}

/// `total` split by `weights` (≥ 0, any sum > 0) in whole micro-dollars, largest remainder
/// first (ties to the earlier bucket): the parts add up to `total` exactly.
pub fn split_money(total: Money, weights: &[f64]) -> Vec<Money> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if sum <= 0.0 {
        let mut out = vec![Money::ZERO; n];
        out[n - 1] = total;
        return out;
    }
    let magnitude = i128::from(total.micros()).abs();
    let sign: i128 = if total.micros() < 0 { -1 } else { 1 };
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| magnitude as f64 * (w.max(0.0) / sum))
        .collect();
    let mut parts: Vec<i128> = exact.iter().map(|x| x.floor() as i128).collect();
    let mut left = magnitude - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    // Normally 0 ≤ left < n; float rounding of large totals may leave a little more or less.
    let mut k = 0;
    while left != 0 {
        let b = order[k % n];
        if left > 0 {
            parts[b] += 1;
            left -= 1;
        } else if parts[b] > 0 {
            parts[b] -= 1;
            left += 1;
        }
        k += 1;
    }
    parts
        .into_iter()
        .map(|p| Money::from_micros((sign * p) as i64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Scenario {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/platform.yaml");
        crate::scenario::load(&path).expect("fixture loads")
    }

    /// The node pool rule by hand. `aws-general` is m6i.xlarge: 4 vCPU, 16 GiB. OpenCost's
    /// default prices make its CPU 4 × 0.031611 = 0.126444 and its memory 16 × 0.004237 =
    /// 0.067792 of a 0.194236 $/h node: w_cpu = 0.650981. Over 100 node-hours (400 core-hours,
    /// 1,600 GiB-hours), `web` held 200 core-h and 400 GiB-h, `api` 50 core-h and 100 GiB-h:
    ///   web  0.650981 × 200/400 + 0.349019 × 400/1600 = 0.325491 + 0.087255 = 0.412745
    ///   api  0.650981 × 50/400  + 0.349019 × 100/1600 = 0.081373 + 0.021814 = 0.103187
    ///   idle 1 − 0.412745 − 0.103187                                       = 0.484068
    #[test]
    fn a_node_pool_is_shared_by_cpu_and_memory_held_with_the_rest_idle() {
        let s = fixture();
        assert_eq!(s.services[0].name, "web");
        let n = 2 * s.services.len();
        let mut m = crate::cost::usage::probe_usage(&s);
        m.pool_service_alloc = vec![vec![vec![(0.0, 0.0); n]]; 2];
        m.pool_service_alloc[0][0][0] = (200.0, 400.0);
        m.pool_service_alloc[0][0][1] = (50.0, 100.0);
        let w = weights(&s, &m, 0, Shared::NodePool(0), 100.0, s.services.len());
        let get = |name: &str| w.iter().find(|(k, _)| k == name).unwrap().1;
        assert!((get("web") - 0.412745).abs() < 1e-6, "{w:?}");
        assert!((get("api") - 0.103187).abs() < 1e-6, "{w:?}");
        assert!((get(IDLE) - 0.484068).abs() < 1e-6, "{w:?}");
        assert!((w.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-12);
        // Pods of the other cloud's instances (index ≥ services) do not touch this pool's
        // shares unless they were recorded on it; nothing held → all idle.
        let none = weights(&s, &m, 0, Shared::NodePool(1), 100.0, s.services.len());
        assert_eq!(none.last().unwrap(), &(IDLE.to_string(), 1.0));
    }

    /// The database by queries: web sends 2 queries per request, api 1 (the fixture); with
    /// 1,000 web and 4,000 api requests in the month, web sent 2,000 of 6,000 queries: one
    /// third. The cache counts reads only: web 2,000 × 0.95 = 1,900, api 4,000 × 0.8 = 3,200.
    #[test]
    fn the_database_is_shared_by_queries_and_the_cache_by_reads() {
        let s = fixture();
        let mut m = crate::cost::usage::probe_usage(&s);
        let n_svc = s.services.len();
        m.service_requests = vec![vec![0.0]; 2 * n_svc];
        m.service_requests[0][0] = 600.0; // web@aws
        m.service_requests[n_svc][0] = 400.0; // web@gcp
        m.service_requests[1][0] = 4000.0; // api@aws
        let w = weights(&s, &m, 0, Shared::Database, 0.0, n_svc);
        assert!((w[0].1 - 1.0 / 3.0).abs() < 1e-12, "{w:?}");
        assert!((w[1].1 - 2.0 / 3.0).abs() < 1e-12, "{w:?}");
        let c = weights(&s, &m, 0, Shared::Cache, 0.0, n_svc);
        assert!((c[0].1 - 1900.0 / 5100.0).abs() < 1e-12, "{c:?}");
        // Logs of the AWS cloud only count AWS requests: 600 web, 4,000 api.
        let l = weights(&s, &m, 0, Shared::Logs(0), 0.0, n_svc);
        assert!((l[0].1 - 600.0 / 4600.0).abs() < 1e-12, "{l:?}");
        // No requests at all: the month's database is idle.
        m.service_requests = vec![vec![0.0]; 2 * n_svc];
        let idle = weights(&s, &m, 0, Shared::Database, 0.0, n_svc);
        assert_eq!(idle, vec![(IDLE.to_string(), 1.0)]);
    }

    #[test]
    fn money_is_split_exactly_by_largest_remainder() {
        // $1.00 in thirds: 333,334 + 333,333 + 333,333 micro-dollars (the first gets the
        // remainder: equal fractions, earlier bucket).
        let parts = split_money(Money::from_dollars(1), &[1.0, 1.0, 1.0]);
        assert_eq!(
            parts,
            vec![
                Money::from_micros(333_334),
                Money::from_micros(333_333),
                Money::from_micros(333_333)
            ]
        );
        // A negative amount (a discount) splits the same way, negated.
        let parts = split_money(Money::from_micros(-10), &[0.25, 0.75]);
        assert_eq!(parts, vec![Money::from_micros(-3), Money::from_micros(-7)]);
        // 0.7 / 0.2 / 0.1 of $0.000009: 6.3, 1.8, 0.9 → floors 6, 1, 0 and the two units left go to
        // the largest fractions (0.9, then 0.8).
        let parts = split_money(Money::from_micros(9), &[0.7, 0.2, 0.1]);
        assert_eq!(
            parts,
            vec![
                Money::from_micros(6),
                Money::from_micros(2),
                Money::from_micros(1)
            ]
        );
        // No weight: everything in the last bucket (idle).
        assert_eq!(
            split_money(Money::from_micros(5), &[0.0, 0.0]),
            vec![Money::ZERO, Money::from_micros(5)]
        );
    }
}
