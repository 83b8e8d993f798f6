//! The PostgreSQL primary and its read replicas: connections the pods' pools demand against
//! `max_connections` (and what a transaction-mode pooler changes), the query load left after the
//! cache on each instance, CPU utilisation, and query latency from a queue over its vCPUs.

use crate::queueing::moments::Moments;
use crate::queueing::{self, Queue, ServiceDist};
use crate::scenario::platform::DatabaseCfg;
use crate::sim::TimeMs;

/// What one service instance (a service in a cloud) asks of the database during a step.
#[derive(Debug, Clone, Copy, Default)]
pub struct Demand {
    pub cloud: usize,
    /// Ready pods holding pools.
    pub pods: f64,
    pub pool_size: f64,
    /// Queries per second reaching the database after the cache: reads and writes.
    pub reads_per_s: f64,
    pub writes_per_s: f64,
}

/// One instance's state after a step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InstanceLoad {
    /// Connections the clients (pods or the pooler) hold open on the instance.
    pub connections: f64,
    /// Connections the pods' pools ask for (client side).
    pub demanded: f64,
    /// Share of those refused (max_connections reached, or the pooler's max_client_conn).
    pub refused_share: f64,
    pub queries_per_s: f64,
    /// Busy vCPUs / vCPUs.
    pub cpu_utilisation: f64,
    /// Response time of one query (CPU queue + pooler wait).
    pub query: Moments,
    /// Share of queries that fail because the instance is saturated.
    pub saturated_share: f64,
}

/// The outcome of a step for the whole database tier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbStep {
    /// `[primary, replicas...]`, in the scenario's order.
    pub instances: Vec<InstanceLoad>,
}

pub struct Database {
    cfg: DatabaseCfg,
    /// For each cloud, the instances its reads go to: its replicas, or the primary if it has none.
    read_targets: Vec<Vec<usize>>,
    /// Connections available to clients on each instance.
    capacity: f64,
}

impl Database {
    pub fn new(cfg: DatabaseCfg, clouds: usize) -> Database {
        let read_targets = (0..clouds)
            .map(|c| {
                let own: Vec<usize> = cfg
                    .replicas
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.cloud == c)
                    .map(|(i, _)| i + 1)
                    .collect();
                if own.is_empty() { vec![0] } else { own }
            })
            .collect();
        let capacity = f64::from(cfg.max_connections - cfg.reserved_connections);
        Database {
            cfg,
            read_targets,
            capacity,
        }
    }

    pub fn instance_count(&self) -> usize {
        1 + self.cfg.replicas.len()
    }

    /// Connections available to clients on one instance (max_connections − reserved).
    pub fn connection_limit(&self) -> f64 {
        self.capacity
    }

    pub fn instance_name(&self, i: usize) -> String {
        if i == 0 {
            format!("primary ({})", self.cfg.primary.instance_class)
        } else {
            format!(
                "replica {} ({})",
                i,
                self.cfg.replicas[i - 1].instance_class
            )
        }
    }

    fn vcpu(&self, i: usize) -> f64 {
        if i == 0 {
            self.cfg.primary.vcpu
        } else {
            self.cfg.replicas[i - 1].vcpu
        }
    }

    /// What a cloud's reads see: refused share, query time and saturated share, averaged over its
    /// read targets (reads and pods spread evenly over them).
    pub fn read_view(&self, cloud: usize, step: &DbStep) -> (f64, Moments, f64) {
        let targets = &self.read_targets[cloud];
        let k = targets.len() as f64;
        let (mut refused, mut mean, mut m2, mut sat) = (0.0, 0.0, 0.0, 0.0);
        for &t in targets {
            let i = &step.instances[t];
            refused += i.refused_share / k;
            mean += i.query.mean_s / k;
            m2 += (i.query.var_s2 + i.query.mean_s * i.query.mean_s) / k;
            sat += i.saturated_share / k;
        }
        (
            refused,
            Moments {
                mean_s: mean,
                var_s2: (m2 - mean * mean).max(0.0),
            },
            sat,
        )
    }

    /// Evaluate one step. Every pod holds `pool_size` connections to the primary and as many to
    /// one of its cloud's replicas (pods spread evenly over them; one pool when reads go to the
    /// primary). Reads spread evenly over the cloud's replicas.
    pub fn step(&self, demands: &[Demand], out: &mut DbStep) {
        let n = self.instance_count();
        out.instances.clear();
        out.instances.resize(n, InstanceLoad::default());
        for d in demands {
            let conns = d.pods * d.pool_size;
            let targets = &self.read_targets[d.cloud];
            let share = 1.0 / targets.len() as f64;
            out.instances[0].demanded += conns;
            out.instances[0].queries_per_s += d.writes_per_s;
            for &rt in targets {
                if rt != 0 {
                    out.instances[rt].demanded += conns * share;
                }
                out.instances[rt].queries_per_s += d.reads_per_s * share;
            }
        }
        let query_s = self.cfg.query_cpu_ms / 1000.0;
        for (i, inst) in out.instances.iter_mut().enumerate() {
            let vcpu = self.vcpu(i).max(1.0);
            inst.cpu_utilisation = (inst.queries_per_s * query_s / vcpu).min(1.0);
            // CPU: an M/M/c queue over the vCPUs.
            let (cpu_wait, saturated) =
                wait_moments(inst.queries_per_s, query_s, vcpu.round() as u32);
            inst.saturated_share = saturated;
            let mut query = cpu_wait.plus(Moments {
                mean_s: query_s,
                var_s2: query_s * query_s,
            });
            match &self.cfg.pooler {
                None => {
                    // Without a pooler every pool connection is a server connection.
                    inst.refused_share = refused(inst.demanded, self.capacity);
                    inst.connections = inst.demanded.min(self.capacity);
                }
                Some(p) => {
                    // Transaction mode: a server connection is busy only while a query runs, so
                    // Little's law gives the connections in use; when more are needed than the
                    // pooler may open, queries wait for one (an M/M/c queue over them).
                    inst.refused_share =
                        refused(inst.demanded, f64::from(p.max_client_connections));
                    let servers = f64::from(p.max_server_connections);
                    let busy = inst.queries_per_s * query.mean_s;
                    let (pool_wait, pool_saturated) =
                        wait_moments(inst.queries_per_s, query.mean_s, p.max_server_connections);
                    inst.saturated_share = inst.saturated_share.max(pool_saturated);
                    query = query.plus(pool_wait);
                    // PgBouncer keeps idle server connections for server_idle_timeout (600 s), so
                    // the pool stays near its recent peak; the busy count is the lower bound.
                    inst.connections = busy.ceil().min(servers);
                }
            }
            inst.query = query;
        }
    }
}

/// Share of `demanded` connections above `limit`.
fn refused(demanded: f64, limit: f64) -> f64 {
    if demanded > limit && demanded > 0.0 {
        (demanded - limit) / demanded
    } else {
        0.0
    }
}

/// Waiting-time moments of an M/M/c queue (0 with probability 1 − C, else exponential), and the
/// share of arrivals that cannot be served when it is saturated (1 − 1/ρ).
fn wait_moments(rate_per_s: f64, service_s: f64, servers: u32) -> (Moments, f64) {
    if rate_per_s <= 0.0 || service_s <= 0.0 {
        return (Moments::ZERO, 0.0);
    }
    let servers = servers.max(1);
    let rho = rate_per_s * service_s / f64::from(servers);
    if rho >= 0.999 {
        // Saturated: what exceeds capacity fails; the rest waits about a timeout's worth.
        return (
            Moments {
                mean_s: 1.0,
                var_s2: 1.0,
            },
            1.0 - 1.0 / rho.max(1.0),
        );
    }
    let q = Queue {
        arrival_rate_per_s: rate_per_s,
        service_rate_per_s: 1.0 / service_s,
        servers,
        service: ServiceDist::Exponential,
    };
    let (c, wq) = queueing::wait_summary(&q);
    let var = if c > 0.0 {
        2.0 * wq * wq / c - wq * wq
    } else {
        0.0
    };
    (
        Moments {
            mean_s: wq,
            var_s2: var,
        },
        0.0,
    )
}

/// Per database instance over the run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbStats {
    pub name: String,
    pub peak_connections: f64,
    pub peak_connections_at_ms: TimeMs,
    pub peak_demanded: f64,
    pub peak_demanded_at_ms: TimeMs,
    /// Minutes with some connections refused.
    pub refused_minutes: u32,
    pub peak_cpu_utilisation: f64,
}

/// The database during a run: the model, its state after the last step, and the run's peaks.
pub struct DbRun {
    pub db: Database,
    /// The last step's result (what the services' requests see).
    pub step: DbStep,
    pub stats: Vec<DbStats>,
}

impl DbRun {
    pub fn new(cfg: DatabaseCfg, clouds: usize) -> DbRun {
        let db = Database::new(cfg, clouds);
        let stats = (0..db.instance_count())
            .map(|i| DbStats {
                name: db.instance_name(i),
                ..DbStats::default()
            })
            .collect();
        DbRun {
            db,
            step: DbStep::default(),
            stats,
        }
    }

    /// One step with the pools' demands; notes the peaks at `now`.
    pub fn step(&mut self, now: TimeMs, demands: &[Demand]) {
        self.db.step(demands, &mut self.step);
        for (k, inst) in self.step.instances.iter().enumerate() {
            let st = &mut self.stats[k];
            if inst.connections > st.peak_connections {
                st.peak_connections = inst.connections;
                st.peak_connections_at_ms = now;
            }
            if inst.demanded > st.peak_demanded {
                st.peak_demanded = inst.demanded;
                st.peak_demanded_at_ms = now;
            }
            if inst.refused_share > 0.0 {
                st.refused_minutes += 1;
            }
            st.peak_cpu_utilisation = st.peak_cpu_utilisation.max(inst.cpu_utilisation);
        }
    }

    /// Connections open on the primary after the last step.
    pub fn primary_connections(&self) -> Option<f64> {
        self.step.instances.first().map(|p| p.connections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::platform::{DbInstance, PoolerCfg};

    fn cfg(pooler: Option<PoolerCfg>) -> DatabaseCfg {
        let inst = |cloud, class: &str, vcpu| DbInstance {
            cloud,
            instance_class: class.into(),
            vcpu,
            memory_bytes: 0.0,
        };
        DatabaseCfg {
            max_connections: 200,
            reserved_connections: 3,
            primary: inst(0, "db.r6g.2xlarge", 8.0),
            replicas: vec![inst(0, "db.r6g.xlarge", 4.0), inst(1, "db.r6g.xlarge", 4.0)],
            query_cpu_ms: 1.0,
            pooler,
            storage: None,
        }
    }

    #[test]
    fn pools_beyond_max_connections_are_refused() {
        let db = Database::new(cfg(None), 2);
        // 20 + 15 pods × 10 = 350 connections asked of the primary; 197 available.
        let d = [
            Demand {
                cloud: 0,
                pods: 20.0,
                pool_size: 10.0,
                reads_per_s: 100.0,
                writes_per_s: 10.0,
            },
            Demand {
                cloud: 1,
                pods: 15.0,
                pool_size: 10.0,
                reads_per_s: 50.0,
                writes_per_s: 5.0,
            },
        ];
        let mut out = DbStep::default();
        db.step(&d, &mut out);
        let p = out.instances[0];
        assert_eq!(p.demanded, 350.0);
        assert_eq!(p.connections, 197.0);
        assert!((p.refused_share - 153.0 / 350.0).abs() < 1e-12);
        // Reads go to each cloud's own replica.
        assert_eq!(out.instances[1].queries_per_s, 100.0);
        assert_eq!(out.instances[2].queries_per_s, 50.0);
        assert_eq!(out.instances[1].demanded, 200.0);
        assert_eq!(db.read_targets[1], [2]);
        assert_eq!(p.queries_per_s, 15.0);
    }

    #[test]
    fn a_pooler_needs_only_the_connections_in_use() {
        let db = Database::new(
            cfg(Some(PoolerCfg {
                max_server_connections: 50,
                max_client_connections: 10_000,
            })),
            2,
        );
        let d = [Demand {
            cloud: 0,
            pods: 35.0,
            pool_size: 10.0,
            reads_per_s: 1_000.0,
            writes_per_s: 200.0,
        }];
        let mut out = DbStep::default();
        db.step(&d, &mut out);
        let p = out.instances[0];
        assert_eq!(p.refused_share, 0.0);
        // 200 writes/s × ≈1 ms = 0.2 busy → one server connection.
        assert_eq!(p.connections, 1.0);
        assert!(p.query.mean_s >= 0.001);
    }

    #[test]
    fn a_saturated_instance_fails_the_excess() {
        let db = Database::new(cfg(None), 2);
        // 16,000 writes/s × 1 ms = 16 busy vCPUs on an 8-vCPU primary.
        let d = [Demand {
            cloud: 0,
            pods: 1.0,
            pool_size: 1.0,
            reads_per_s: 0.0,
            writes_per_s: 16_000.0,
        }];
        let mut out = DbStep::default();
        db.step(&d, &mut out);
        assert!((out.instances[0].saturated_share - 0.5).abs() < 1e-9);
        assert_eq!(out.instances[0].cpu_utilisation, 1.0);
    }
}
