//! Usage by calendar month, as the cost model needs it: node-hours per pool as a histogram of node
//! counts (hours with exactly n nodes), requests and page views per cloud, mean DAU.

use super::nodes::Cluster;
use crate::sim::{HOUR_MS, TimeMs};

/// Bytes in a GiB.
const GIB_F64: f64 = super::nodes::GIB as f64;

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
    /// `[month]` GiB-hours of database storage provisioned (`spec.database.storage`; empty
    /// without it) and of data held (the size backups copy).
    pub db_allocated_gb_hours: Vec<f64>,
    pub db_data_gb_hours: Vec<f64>,
    /// Storage autoscaling's modifications: (time, new allocated GiB).
    pub db_storage_changes: Vec<(TimeMs, f64)>,
}

impl MonthlyUsage {
    pub fn month_of(&self, t: TimeMs) -> usize {
        self.months
            .partition_point(|(_, start)| *start <= t)
            .saturating_sub(1)
    }
}

/// How much data the database holds: a base, data per daily user, and what every write query
/// so far added (`spec.cost.databaseBaseGb`, `databaseGbPer1kDau`, `databaseBytesPerWrite`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataGrowth {
    pub base_gb: f64,
    pub gb_per_1k_dau: f64,
    pub bytes_per_write: f64,
}

impl DataGrowth {
    pub fn of(cost: &crate::scenario::cost_spec::CostCfg) -> Self {
        DataGrowth {
            base_gb: cost.database_base_gb,
            gb_per_1k_dau: cost.database_gb_per_1k_dau,
            bytes_per_write: cost.database_bytes_per_write,
        }
    }

    /// GiB held with `dau` daily users after `writes` write queries (storage is billed per GiB).
    pub fn data_gb(&self, dau: f64, writes: f64) -> f64 {
        self.base_gb + self.gb_per_1k_dau * dau / 1000.0 + self.bytes_per_write * writes / GIB_F64
    }
}

/// Amazon RDS storage autoscaling, as the RDS User Guide states it ("Managing capacity
/// automatically with Amazon RDS storage autoscaling",
/// docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html): RDS starts a
/// storage modification when free space is at most 10 % of the allocated storage, the
/// low-storage condition has lasted at least five minutes, and at least six hours have passed
/// since the last storage modification. It adds the greatest of 10 GiB, 10 % of the allocated
/// storage, and the growth predicted for the next 7 hours from the past hour, never beyond the
/// maximum storage threshold. (Older versions of the page and AWS's knowledge-center article
/// say 5 GiB for the first term; at heal7's sizes the 10 % term decides.)
#[derive(Debug, Clone)]
pub struct StorageAutoscaler {
    pub allocated_gb: f64,
    max_gb: f64,
    low_since_ms: Option<TimeMs>,
    last_change_ms: Option<TimeMs>,
    /// (time, data GiB) of the last hour's observations, oldest first.
    recent: std::collections::VecDeque<(TimeMs, f64)>,
    pub changes: Vec<(TimeMs, f64)>,
}

impl StorageAutoscaler {
    pub const FREE_THRESHOLD: f64 = 0.10;
    pub const LOW_FOR_MS: TimeMs = 5 * 60_000;
    pub const COOLDOWN_MS: TimeMs = 6 * HOUR_MS;
    pub const MIN_INCREMENT_GB: f64 = 10.0;
    pub const PREDICTION_HOURS: f64 = 7.0;

    pub fn new(allocated_gb: f64, max_gb: f64) -> Self {
        StorageAutoscaler {
            allocated_gb,
            max_gb,
            low_since_ms: None,
            last_change_ms: None,
            recent: std::collections::VecDeque::new(),
            changes: Vec::new(),
        }
    }

    /// The database holds `data_gb` at `now` (called at least once a minute).
    pub fn observe(&mut self, now: TimeMs, data_gb: f64) {
        while self.recent.front().is_some_and(|&(t, _)| t < now - HOUR_MS) {
            self.recent.pop_front();
        }
        self.recent.push_back((now, data_gb));
        let free = self.allocated_gb - data_gb;
        if free > Self::FREE_THRESHOLD * self.allocated_gb {
            self.low_since_ms = None;
            return;
        }
        let since = *self.low_since_ms.get_or_insert(now);
        if now - since < Self::LOW_FOR_MS
            || self
                .last_change_ms
                .is_some_and(|t| now - t < Self::COOLDOWN_MS)
        {
            return;
        }
        let (t0, d0) = self.recent.front().copied().unwrap_or((now, data_gb));
        let per_hour = if now > t0 {
            (data_gb - d0) / ((now - t0) as f64 / HOUR_MS as f64)
        } else {
            0.0
        };
        let predicted = data_gb + Self::PREDICTION_HOURS * per_hour.max(0.0) - self.allocated_gb;
        let step = Self::MIN_INCREMENT_GB
            .max(Self::FREE_THRESHOLD * self.allocated_gb)
            .max(predicted);
        let grown = (self.allocated_gb + step).min(self.max_gb);
        if grown > self.allocated_gb {
            self.allocated_gb = grown;
            self.last_change_ms = Some(now);
            self.low_since_ms = None;
            self.changes.push((now, grown));
        }
    }
}

/// Accumulates [`MonthlyUsage`] during a run.
pub struct UsageMeter {
    pub monthly: MonthlyUsage,
    /// Provisioned database storage, when the scenario sets it ([`UsageMeter::set_db_storage`]).
    db_storage: Option<StorageAutoscaler>,
    /// Write queries the database has taken since the start.
    pub db_writes: f64,
    /// Per pool: node count since `node_count_since`.
    node_counts: Vec<u32>,
    /// `[pool][month][n]` = ms with exactly n nodes (converted to hours at the end).
    pool_node_ms: Vec<Vec<Vec<TimeMs>>>,
    node_count_since: TimeMs,
    /// For [`UsageMeter::track_allocation`]: bound pods per (pool, instance), and per instance.
    pod_counts: Vec<u32>,
    bound: Vec<u32>,
    /// Each cluster's generation when `pod_counts` and `bound` were counted: they change only
    /// when a pod is bound or unbound, which moves the generation.
    counted_generations: Vec<Option<u64>>,
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
                db_allocated_gb_hours: Vec::new(),
                db_data_gb_hours: vec![0.0; nm],
                db_storage_changes: Vec::new(),
            },
            db_storage: None,
            db_writes: 0.0,
            node_counts: vec![0; pools],
            pool_node_ms: vec![vec![Vec::new(); nm]; pools],
            node_count_since: 0,
            pod_counts: vec![0; pools * instances],
            bound: vec![0; instances],
            counted_generations: Vec::new(),
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
        let unchanged = self.counted_generations.len() == clusters.len()
            && clusters
                .iter()
                .zip(&self.counted_generations)
                .all(|(c, g)| c.as_ref().map(Cluster::generation) == *g);
        if !unchanged {
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
            self.counted_generations = clusters
                .iter()
                .map(|c| c.as_ref().map(Cluster::generation))
                .collect();
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

    /// Database storage over the `dt_ms` before `now` (all in `month`): `data_gb` held, the
    /// allocation as it was, then storage autoscaling sees the new size.
    pub fn track_db_storage(&mut self, month: usize, dt_ms: TimeMs, now: TimeMs, data_gb: f64) {
        let hours = dt_ms as f64 / HOUR_MS as f64;
        self.monthly.db_data_gb_hours[month] += data_gb * hours;
        if let Some(st) = &mut self.db_storage {
            self.monthly.db_allocated_gb_hours[month] += st.allocated_gb * hours;
            st.observe(now, data_gb);
        }
    }

    /// Provisioned database storage under storage autoscaling, when the scenario sets it (its
    /// GiB-hours are then kept per month; without it the list stays empty).
    pub fn set_db_storage(&mut self, storage: Option<StorageAutoscaler>) {
        if storage.is_some() {
            self.monthly.db_allocated_gb_hours = vec![0.0; self.monthly.months.len()];
        }
        self.db_storage = storage;
    }

    /// The finished usage: node histograms in hours, DAU-time turned into a monthly mean.
    pub fn finish(mut self) -> MonthlyUsage {
        if let Some(st) = self.db_storage.take() {
            self.monthly.db_storage_changes = st.changes;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: TimeMs = 60_000;

    /// 1,000 GiB allocated; data 850 GiB growing 0.5 GiB a minute (30 GiB an hour), observed
    /// every minute. Free space reaches 10 % (data 900) at minute 100; at minute 105 (five
    /// minutes low) data is 902.5 and the past hour grew 30 GiB, so 7 hours predict
    /// 902.5 + 210 − 1,000 = 112.5 GiB more than allocated: larger than 10 % (100) and 10 GiB.
    #[test]
    fn storage_grows_by_the_predicted_growth_when_it_is_largest() {
        let mut st = StorageAutoscaler::new(1000.0, 10_000.0);
        for m in 0..=105 {
            st.observe(m * MIN, 850.0 + 0.5 * m as f64);
        }
        assert_eq!(st.changes, vec![(105 * MIN, 1112.5)]);
    }

    /// Without growth the 10 % term decides, six hours apart at the soonest, up to the maximum;
    /// a short dip below the threshold (under five minutes) changes nothing.
    #[test]
    fn storage_grows_by_ten_percent_at_most_every_six_hours() {
        let mut st = StorageAutoscaler::new(100.0, 125.0);
        // Low for four minutes, then free again: nothing.
        for m in 0..4 {
            st.observe(m * MIN, 95.0);
        }
        st.observe(4 * MIN, 50.0);
        assert!(st.changes.is_empty());
        // Full from minute 100 (the dip has left the past hour, so nothing is predicted):
        // +10 % at minute 105 → 110; still low, but the next change waits until 6 h after it
        // (minute 465): +11 → 121; then +12.1, capped at 125 (minute 825).
        for m in 100..=900 {
            st.observe(m * MIN, 110.0);
        }
        assert_eq!(
            st.changes,
            vec![(105 * MIN, 110.0), (465 * MIN, 121.0), (825 * MIN, 125.0)]
        );
    }
}
