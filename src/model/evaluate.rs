//! The evaluation step of the world (every [`EVAL_STEP_MS`](crate::scenario::limits::EVAL_STEP_MS) and at
//! every routing change): offered rates since the last step, usage for cost, the cache's hit
//! ratio, the database's connections and query times, each service's latency, timeouts and
//! errors, and the SLO windows and alerts they feed.

use super::database::{self, DbRun};
use super::latency;
use super::world::World;
use crate::metrics::slo::StepSample;
use crate::queueing::moments::Moments;
use crate::sim::TimeMs;

impl World<'_> {
    /// One evaluation step: rates since the last step, database, cache, latency, errors, SLOs.
    pub fn evaluate(&mut self, now: TimeMs) {
        let dt_s = (now - self.eval.last_eval_ms) as f64 / 1000.0;
        if dt_s <= 0.0 {
            return;
        }
        let n = self.instances.len();
        let mut rates = std::mem::take(&mut self.eval.rates);
        for (i, inst) in self.instances.iter_mut().enumerate() {
            let total = inst.offered_requests_total(now);
            rates[i] = (total - self.eval.last_offered[i]) / dt_s;
            self.eval.last_offered[i] = total;
        }
        // Usage for cost: requests per cloud and per service instance, page views per cloud, and
        // DAU-time, per month. A cloud that is down serves nothing: what is still routed to it
        // fails there and sends no response (egress), writes no request log and takes no share
        // of the shared costs.
        let month = self.usage.monthly.month_of(self.eval.last_eval_ms);
        for (i, r) in rates.iter().enumerate() {
            let cloud = i / self.n_svc;
            if !self.routing.is_up(cloud) {
                continue;
            }
            self.usage.monthly.requests[cloud][month] += r * dt_s;
            self.usage.monthly.service_requests[i][month] += r * dt_s;
            if i % self.n_svc == 0 {
                let rpv = self.instances[i].cfg.requests_per_page_view;
                self.usage.monthly.page_views[cloud][month] += r * dt_s / rpv;
            }
        }
        let dau = self.demand.dau(now);
        self.usage.monthly.mean_dau[month] += dau * dt_s * 1000.0;
        // Allocation of the node pools' cost to services (read-only).
        let instances = &self.instances;
        self.usage.track_allocation(
            month,
            now - self.eval.last_eval_ms,
            &self.clusters,
            &self.pool_offset,
            |i, bound| instances[i].allocation(bound),
        );
        // Database storage: per-user data plus what the writes so far added.
        if let Some(cost) = self.db_data.as_ref() {
            let writes: f64 = (0..n)
                .filter(|&i| self.routing.is_up(i / self.n_svc))
                .filter_map(|i| {
                    self.instances[i]
                        .cfg
                        .database
                        .map(|d| rates[i] * d.queries_per_request * d.write_fraction)
                })
                .sum();
            self.usage.db_writes += writes * dt_s;
            let data_gb = cost.data_gb(dau, self.usage.db_writes);
            self.usage
                .track_db_storage(month, now - self.eval.last_eval_ms, now, data_gb);
        }
        // Cache: lookups are the reads that could be cached (none from a cloud that is down, as
        // for the database).
        let hit = if let Some(cache) = self.cache.as_mut() {
            let lookups: f64 = (0..n)
                .filter(|&i| self.routing.is_up(i / self.n_svc))
                .filter_map(|i| {
                    self.instances[i]
                        .cfg
                        .database
                        .map(|d| rates[i] * d.queries_per_request * (1.0 - d.write_fraction))
                })
                .sum();
            Some(cache.step(now, month, dt_s, lookups, dau))
        } else {
            None
        };
        let miss = 1.0 - hit.unwrap_or(0.0);
        // Database.
        if let Some(db) = &mut self.db {
            let demands = &mut self.eval.demands;
            demands.clear();
            for (i, inst) in self.instances.iter().enumerate() {
                let cloud = i / self.n_svc;
                if let Some(d) = inst.cfg.database {
                    let up = self.routing.is_up(cloud);
                    let q = rates[i] * d.queries_per_request;
                    demands.push(database::Demand {
                        cloud,
                        pods: if up { f64::from(inst.pool_pods()) } else { 0.0 },
                        pool_size: f64::from(d.pool_size),
                        reads_per_s: if up {
                            q * (1.0 - d.write_fraction) * miss
                        } else {
                            0.0
                        },
                        writes_per_s: if up { q * d.write_fraction } else { 0.0 },
                    });
                }
            }
            db.step(now, demands);
        }
        // Services.
        for parts in &mut self.eval.svc_parts {
            parts.clear();
        }
        self.eval.path_parts.clear();
        let mut path_offered = 0.0;
        let mut path_failed = 0.0;
        let n_clouds = self.routing.len();
        for cloud in 0..n_clouds {
            let mut path_moments = Moments::ZERO;
            let mut path_success = 1.0;
            let mut entry_offered = 0.0;
            for s in 0..self.n_svc {
                let i = cloud * self.n_svc + s;
                let offered = rates[i] * dt_s;
                let inst = &self.instances[i];
                let (failed, served, moments) = if !self.routing.is_up(cloud) {
                    // The cloud is down: whatever is still routed to it fails.
                    self.eval.backlogs[i] = 0.0;
                    self.eval.green_backlogs[i] = 0.0;
                    (offered, 0.0, Moments::ZERO)
                } else {
                    // Pods whose pools were refused a connection fail their requests at once.
                    let (refused, db_time, saturated) = match (&self.db, inst.cfg.database) {
                        (Some(db), Some(d)) => {
                            let p = &db.step.instances[0];
                            let (r_refused, r_query, r_sat) = db.db.read_view(cloud, &db.step);
                            let refused = 1.0 - (1.0 - p.refused_share) * (1.0 - r_refused);
                            let writes = d.queries_per_request * d.write_fraction;
                            let reads = d.queries_per_request * (1.0 - d.write_fraction) * miss;
                            let time = p.query.times(writes).plus(r_query.times(reads));
                            let sat = 1.0
                                - (1.0 - p.saturated_share.min(1.0) * writes.min(1.0))
                                    * (1.0 - r_sat.min(1.0) * reads.min(1.0));
                            (refused, time, sat)
                        }
                        _ => (0.0, Moments::ZERO, 0.0),
                    };
                    let working = |pods: u32| (f64::from(pods) * (1.0 - refused)).round() as u32;
                    let rate = rates[i] * (1.0 - refused);
                    let o = match inst.canary_split() {
                        None => {
                            // Green's backlog of a canary that just ended queues with the rest.
                            let green = std::mem::take(&mut self.eval.green_backlogs[i]);
                            if green > 0.0 {
                                self.eval.backlogs[i] += green;
                            }
                            latency::step(
                                &self.queue_cfgs[i],
                                rate,
                                working(inst.ready_count),
                                dt_s,
                                &mut self.eval.backlogs[i],
                            )
                        }
                        // A blue-green before its switch: blue and green are two queues.
                        Some((blue, green, share)) => latency::step_split(
                            &self.queue_cfgs[i],
                            rate,
                            (working(blue), working(green)),
                            share,
                            dt_s,
                            (&mut self.eval.backlogs[i], &mut self.eval.green_backlogs[i]),
                        ),
                    };
                    let response = o.response.plus(db_time);
                    let failed_db = offered * refused;
                    let served = (o.offered - o.timed_out).max(0.0) * (1.0 - saturated);
                    let failed =
                        failed_db + o.timed_out + (o.offered - o.timed_out).max(0.0) * saturated;
                    (failed.min(offered), served, response)
                };
                self.recorder
                    .add_quality(i, offered, failed, served, moments);
                self.eval.svc_parts[s].push((offered, failed, served, moments));
                if let Some(pos) = self.eval.path.iter().position(|&p| p == s) {
                    if pos == 0 {
                        entry_offered = offered;
                    }
                    path_moments = path_moments.plus(moments);
                    if offered > 0.0 {
                        path_success *= 1.0 - failed / offered;
                    }
                }
            }
            let failed = entry_offered * (1.0 - path_success);
            path_offered += entry_offered;
            path_failed += failed;
            self.eval
                .path_parts
                .push(((entry_offered - failed).max(0.0), path_moments));
        }
        let db_conn = self.db.as_ref().and_then(DbRun::primary_connections);
        self.recorder.add_platform(db_conn, hit);
        let sample = StepSample {
            step_ms: now - self.eval.last_eval_ms,
            path_parts: &self.eval.path_parts,
            path_offered,
            path_failed,
            services: &self.eval.svc_parts,
            db_connections: db_conn.unwrap_or(0.0),
        };
        self.slo.add(now, &sample);
        self.eval.last_eval_ms = now;
        self.eval.rates = rates;
    }
}
