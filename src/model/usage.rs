//! Usage by calendar month, as the cost model needs it: node-hours per pool as a histogram of node
//! counts (hours with exactly n nodes), requests and page views per cloud, mean DAU.

use super::nodes::Cluster;
use crate::sim::{HOUR_MS, TimeMs};

/// Bytes in a GiB.
const GIB_F64: f64 = (1u64 << 30) as f64;

/// Quantities per calendar month that cost needs (the cost model prices them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonthlyUsage {
    /// (label `YYYY-MM`, start ms) of each month of the run.
    pub months: Vec<(String, TimeMs)>,
    /// Hours of each month inside the run.
    pub month_hours: Vec<f64>,
    /// `[pool][month][n]` = hours with exactly n nodes of the pool existing (billed).
    pub pool_node_hours: Vec<Vec<Vec<f64>>>,
    /// `[cloud][month]` page views and requests (all services) users sent to the cloud.
    pub page_views: Vec<Vec<f64>>,
    pub requests: Vec<Vec<f64>>,
    /// `[month]` mean DAU.
    pub mean_dau: Vec<f64>,
    /// `[instance][month]` requests offered to each service instance (cloud-major, as the run's
    /// instances): what the database, cache and log lines are allocated by.
    pub service_requests: Vec<Vec<f64>>,
    /// `[pool][month][instance]` = (CPU core-hours, memory GiB-hours) the instance's pods held
    /// on the pool's nodes, max(request, usage) per pod (OpenCost's allocation), sampled at every
    /// evaluation step: what the pool's cost is allocated by.
    pub pool_service_alloc: Vec<Vec<Vec<(f64, f64)>>>,
}

impl MonthlyUsage {
    pub fn month_of(&self, t: TimeMs) -> usize {
        self.months
            .partition_point(|(_, start)| *start <= t)
            .saturating_sub(1)
    }
}

/// Accumulates [`MonthlyUsage`] during a run.
pub struct UsageMeter {
    pub monthly: MonthlyUsage,
    /// Per pool: node count since `node_count_since`.
    node_counts: Vec<u32>,
    /// `[pool][month][n]` = ms with exactly n nodes (converted to hours at the end).
    pool_node_ms: Vec<Vec<Vec<TimeMs>>>,
    node_count_since: TimeMs,
    /// Scratch for [`UsageMeter::track_allocation`]: pods per (pool, instance), and per instance.
    pod_counts: Vec<u32>,
    bound: Vec<u32>,
}

impl UsageMeter {
    pub fn new(
        months: Vec<(String, TimeMs)>,
        end_ms: TimeMs,
        pools: usize,
        clouds: usize,
        instances: usize,
    ) -> Self {
        let nm = months.len();
        let hours: Vec<f64> = (0..nm)
            .map(|m| {
                let end = months.get(m + 1).map_or(end_ms, |(_, t)| *t);
                (end - months[m].1) as f64 / HOUR_MS as f64
            })
            .collect();
        UsageMeter {
            monthly: MonthlyUsage {
                months,
                month_hours: hours,
                pool_node_hours: Vec::new(),
                page_views: vec![vec![0.0; nm]; clouds],
                requests: vec![vec![0.0; nm]; clouds],
                mean_dau: vec![0.0; nm],
                service_requests: vec![vec![0.0; nm]; instances],
                pool_service_alloc: vec![vec![vec![(0.0, 0.0); instances]; nm]; pools],
            },
            node_counts: vec![0; pools],
            pool_node_ms: vec![vec![Vec::new(); nm]; pools],
            node_count_since: 0,
            pod_counts: vec![0; pools * instances],
            bound: vec![0; instances],
        }
    }

    /// Whether some pool's node count differs from the one last tracked.
    pub fn counts_changed(&self, clusters: &[Option<Cluster>], pool_offset: &[usize]) -> bool {
        clusters.iter().enumerate().any(|(ci, c)| {
            c.as_ref().is_some_and(|c| {
                c.pool_counts()
                    .iter()
                    .enumerate()
                    .any(|(pi, n)| n.total() != self.node_counts[pool_offset[ci] + pi])
            })
        })
    }

    /// Add the time since the last call to each pool's node-count histogram (in whole
    /// milliseconds, split at month boundaries, so the sums do not depend on how often this is
    /// called), then read the counts as they are now; `count(pool, n)` hears every pool's count
    /// (pool = index into the run's pool list). Pool sizes change only in autoscaler scans
    /// (nodes requested or removed) and spot interruptions (nodes gone), so this runs after
    /// those when a count changed, and at the start and the end.
    pub fn track_nodes(
        &mut self,
        now: TimeMs,
        clusters: &[Option<Cluster>],
        pool_offset: &[usize],
        mut count: impl FnMut(usize, u32),
    ) {
        let mut from = self.node_count_since;
        while from < now {
            let m = self.monthly.month_of(from);
            let month_end = self
                .monthly
                .months
                .get(m + 1)
                .map_or(TimeMs::MAX, |(_, t)| *t);
            let to = now.min(month_end);
            for (p, &n) in self.node_counts.iter().enumerate() {
                let h = &mut self.pool_node_ms[p][m];
                if h.len() <= n as usize {
                    h.resize(n as usize + 1, 0);
                }
                h[n as usize] += to - from;
            }
            from = to;
        }
        self.node_count_since = now;
        for (ci, c) in clusters.iter().enumerate() {
            let Some(c) = c else { continue };
            for (pi, counts) in c.pool_counts().iter().enumerate() {
                let p = pool_offset[ci] + pi;
                let n = counts.total();
                self.node_counts[p] = n;
                count(p, n);
            }
        }
    }

    /// Add `dt_ms` of each instance's allocation on each pool to `month`: pods are counted per
    /// pool from the clusters' bindings, and `allocation(instance, bound pods)` gives what they
    /// hold (millicores, bytes), split over the pools by their pod counts.
    pub fn track_allocation(
        &mut self,
        month: usize,
        dt_ms: TimeMs,
        clusters: &[Option<Cluster>],
        pool_offset: &[usize],
        mut allocation: impl FnMut(usize, u32) -> (f64, f64),
    ) {
        let n = self.bound.len();
        if n == 0 || self.pod_counts.is_empty() || dt_ms <= 0 {
            return;
        }
        self.pod_counts.fill(0);
        self.bound.fill(0);
        for (ci, c) in clusters.iter().enumerate() {
            let Some(c) = c else { continue };
            for (pool, (inst, _)) in c.bound_pods() {
                if inst < n {
                    self.pod_counts[(pool_offset[ci] + pool) * n + inst] += 1;
                    self.bound[inst] += 1;
                }
            }
        }
        let hours = dt_ms as f64 / HOUR_MS as f64;
        for inst in 0..n {
            let bound = self.bound[inst];
            if bound == 0 {
                continue;
            }
            let (cpu_milli, mem_bytes) = allocation(inst, bound);
            for (pool, months) in self.monthly.pool_service_alloc.iter_mut().enumerate() {
                let k = self.pod_counts[pool * n + inst];
                if k > 0 {
                    let share = f64::from(k) / f64::from(bound);
                    let a = &mut months[month][inst];
                    a.0 += cpu_milli / 1000.0 * share * hours;
                    a.1 += mem_bytes / GIB_F64 * share * hours;
                }
            }
        }
    }

    /// The finished usage: node histograms in hours, DAU-time turned into a monthly mean.
    pub fn finish(mut self) -> MonthlyUsage {
        self.monthly.pool_node_hours = self
            .pool_node_ms
            .iter()
            .map(|months| {
                months
                    .iter()
                    .map(|counts| {
                        counts
                            .iter()
                            .map(|&ms| ms as f64 / HOUR_MS as f64)
                            .collect()
                    })
                    .collect()
            })
            .collect();
        for (m, h) in self.monthly.month_hours.iter().enumerate() {
            self.monthly.mean_dau[m] /= (h * HOUR_MS as f64).max(1.0);
        }
        self.monthly
    }
}
