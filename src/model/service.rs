//! One service: its Deployment's pods (Pending → Starting → Ready → Terminating), how offered
//! load spreads over ready pods (blue and green apart during a blue-green's canary), the usage each pod accumulates, and metrics-server's windowed,
//! lagging view of it that the HPA reads.

use crate::hpa;
use crate::scenario::Service;
use crate::scenario::platform::DeployStrategy;
use crate::sim::TimeMs;

/// Where a pod is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodStage {
    /// Waiting for a node with room for its requests (`phase: Pending`, no startTime).
    Unscheduled,
    /// Bound to a node, pulling the image and starting the container (`phase: Pending`, startTime set).
    Starting,
    /// Container running, readiness probe not yet passed (`phase: Running`, Ready=False).
    Running,
    /// Ready: in the Service's endpoints, receiving traffic.
    Ready,
    /// Deleted: out of the endpoints, shutting down until it is gone.
    Terminating,
}

/// One pod and its usage counters.
#[derive(Debug, Clone)]
pub struct Pod {
    pub id: u64,
    pub stage: PodStage,
    pub start_time_ms: TimeMs,
    pub ready_transition_ms: TimeMs,
    /// CPU (millicore·ms) used up to `counted_at_ms`.
    cpu_cum: f64,
    /// Requests served up to `counted_at_ms`.
    req_cum: f64,
    counted_at_ms: TimeMs,
    /// The service-level per-ready-pod integrals when `cpu_cum`/`req_cum` were last brought
    /// up to date, for pods that are Ready.
    ready_cpu_mark: f64,
    ready_req_mark: f64,
    /// metrics-server's last cumulative reading of this pod (time, cpu, requests).
    reading: Option<(TimeMs, f64, f64)>,
    /// The window the metrics APIs' samples for this pod cover (see [`Pod::sample`]).
    window: Option<ScrapeWindow>,
    /// The pod template's revision it was created from (0: the one the run starts with).
    pub revision: u32,
    /// Deleted by a deploy, it keeps its database pool open until it is gone (an old pod shutting
    /// down after a rolling update replaced it, or blue kept for `switchFor` after a switch).
    pub holds_pool: bool,
}

/// Two consecutive readings of one pod by metrics-server and the requests it had in flight at
/// the second: what its samples are computed from when the HPA reads them (the scrape runs for
/// every pod every 15 s; it only keeps the readings).
#[derive(Debug, Clone, Copy)]
struct ScrapeWindow {
    t0_ms: TimeMs,
    cpu0: f64,
    req0: f64,
    t1_ms: TimeMs,
    cpu1: f64,
    req1: f64,
    inflight: f64,
}

impl ScrapeWindow {
    /// The sample value of one kind, before rounding to milli-units (metrics-server's rate over
    /// the window; in flight and memory as of the second reading).
    #[inline]
    fn value(&self, kind: SampleKind, cfg: &Service) -> f64 {
        let window = (self.t1_ms - self.t0_ms) as f64;
        match kind {
            SampleKind::Cpu => (self.cpu1 - self.cpu0) / window,
            SampleKind::Rps => (self.req1 - self.req0) * 1000.0 / window * 1000.0,
            SampleKind::Inflight => self.inflight * 1000.0,
            SampleKind::Memory => {
                (cfg.memory_baseline_bytes as f64
                    + self.inflight * cfg.memory_per_inflight_bytes as f64)
                    * 1000.0
            }
        }
    }
}

impl Pod {
    /// The sample the metrics APIs serve for this pod, if it has been read twice.
    fn sample(&self, kind: SampleKind, cfg: &Service) -> Option<hpa::Sample> {
        let w = self.window.as_ref()?;
        Some(hpa::Sample {
            value_milli: to_milli(w.value(kind, cfg)),
            timestamp_ms: w.t1_ms,
            window_ms: w.t1_ms - w.t0_ms,
        })
    }
}

/// A deploy in progress on one service instance.
#[derive(Debug, Clone, Copy)]
/// Its start and peak are kept in its [`DeployRecord`], the last of `ServiceState::deploys`.
pub struct Rollout {
    pub strategy: DeployStrategy,
    /// Blue-green: the switch has been scheduled (every green pod was Ready).
    switch_scheduled: bool,
}

/// A finished (or still running, at the end of a run) deploy of one instance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeployRecord {
    pub started_ms: TimeMs,
    /// When the last old pod was deleted and every new one was Ready (`None`: still running at
    /// the end).
    pub done_ms: Option<TimeMs>,
    pub peak_active: u32,
    pub blue_green: bool,
    /// `spec.replicas` when it started (what the peak is compared with in the report).
    pub replicas_at_start: u32,
    /// The most pods holding database pools during it (Ready, or deleted by it and shutting
    /// down), for the extra connections it asked for.
    pub peak_pool_pods: u32,
}

/// A service's live state during a run.
pub struct ServiceState {
    pub cfg: Service,
    pub hpa_state: hpa::State,
    /// `spec.replicas` of the Deployment.
    pub spec_replicas: u32,
    pub pods: Vec<Pod>,
    next_pod_id: u64,
    /// Requests per second reaching the pods right now.
    pub offered_rps: f64,
    /// Requests per second users send right now (for error accounting).
    accounted_rps: f64,
    /// Per-ready-pod integrals of CPU (millicore·ms) and requests since the start, at `integ_ms`
    /// (during a blue-green before its switch: per Ready pod of blue, the old revisions).
    ready_cpu_integral: f64,
    ready_req_integral: f64,
    /// During a blue-green before its switch, green's share of the requests (0 until every
    /// green pod is Ready, then `canaryPercent` / 100); `None` otherwise, when every Ready pod
    /// gets the same share (the fast path: this is `None` almost all the time).
    canary_share: Option<f64>,
    /// The same integrals per Ready pod of green (the current revision) while `canary_share`
    /// is set.
    green_cpu_integral: f64,
    green_req_integral: f64,
    /// Total offered requests since the start (for the service-level windowed rate).
    total_req_integral: f64,
    /// Requests that reached the pods since the start (what an ingress metric counts).
    served_req_integral: f64,
    integ_ms: TimeMs,
    /// Cached count of Ready pods.
    pub ready_count: u32,
    /// The service's request rate over the last scrape window, as an ingress-metrics adapter
    /// serves it to Object/External metrics, and the reading it was computed from.
    last_total_scrape: Option<(TimeMs, f64)>,
    total_rps_sample: f64,
    /// Scratch buffers for the HPA's inputs, reused every sync.
    scratch: Scratch,
    /// What the HPA saw at its last sync, for the CPU utilisation the output rows report.
    last_cpu: CpuReading,
    /// The HPA's pass for settled syncs, made at the first sync (`None` inside: the spec has a
    /// metric that pass does not handle).
    settled_plan: Option<Option<hpa::SettledPlan>>,
    needs: Needs,
    /// Per metric of the HPA, where its observation comes from.
    sources: Vec<Source>,
    /// The first Resource cpu metric (its utilisation is reported).
    cpu_metric: Option<usize>,
    /// That metric's sample kind and request when its target is `Utilization` (what the settled
    /// pass reports it from).
    cpu_utilization: Option<(SampleKind, i64)>,
    /// New pods wait for a node (a cluster is modelled) instead of starting at once.
    pub needs_nodes: bool,
    /// The latest `startTime` any pod has had (an upper bound for the pods there are now).
    latest_start_ms: TimeMs,
    /// Take the settled-pod path of a sync when it applies (false: always the general path;
    /// the tests run both and compare).
    settled_path: bool,
    /// The current pod template's revision (each deploy adds one).
    pub revision: u32,
    pub rollout: Option<Rollout>,
    /// Every deploy of this instance, in order; deploys that came while one was in progress
    /// were skipped and are counted in `deploys_skipped`.
    pub deploys: Vec<DeployRecord>,
    pub deploys_skipped: u32,
}

#[derive(Default)]
struct Scratch {
    pods: Vec<hpa::Pod>,
    /// One sample vector and one request vector per metric.
    samples: Vec<Vec<Option<hpa::Sample>>>,
    requests: Vec<Vec<Option<i64>>>,
    external: Vec<[i64; 1]>,
}

/// The CPU utilisation of the last sync: computed by the general pass, or the totals the settled
/// pass compared (it divides only when asked, once per output interval instead of every sync).
#[derive(Debug, Clone, Copy)]
enum CpuReading {
    None,
    Percent(i32),
    Totals {
        usage_milli: i128,
        request_milli: i128,
    },
}

/// Which per-pod samples some HPA metric of the service reads.
#[derive(Debug, Clone, Copy, Default)]
struct Needs {
    cpu: bool,
    memory: bool,
    rps: bool,
    inflight: bool,
}

impl Needs {
    /// Each kind with whether some metric reads it.
    #[inline]
    fn kinds(self) -> [(SampleKind, bool); 4] {
        [
            (SampleKind::Cpu, self.cpu),
            (SampleKind::Memory, self.memory),
            (SampleKind::Rps, self.rps),
            (SampleKind::Inflight, self.inflight),
        ]
    }

    /// The sample kinds the HPA's per-pod metrics read.
    fn of(sources: &[Source]) -> Needs {
        let mut n = Needs::default();
        for src in sources {
            if let Source::PerPod { kind, .. } = src {
                match kind {
                    SampleKind::Cpu => n.cpu = true,
                    SampleKind::Memory => n.memory = true,
                    SampleKind::Rps => n.rps = true,
                    SampleKind::Inflight => n.inflight = true,
                }
            }
        }
        n
    }
}

/// A non-negative quantity rounded half-up to whole milli-units (`f64::round` is a library call
/// on baseline x86-64, and this runs for every pod at every scrape).
fn to_milli(v: f64) -> i64 {
    (v + 0.5) as i64
}

/// What the ingress adapter serves an Object/External metric: the service's request rate over
/// the last scrape window, or the requests in flight it implies (milli-units).
fn ingress_value_milli(rps: f64, service_time_ms: f64, inflight: bool) -> i64 {
    let value = if inflight {
        rps * service_time_ms / 1000.0
    } else {
        rps
    };
    to_milli(value * 1000.0)
}

/// Where one metric of the HPA reads its observation, decided once per run (the metric names
/// are strings; a sync should not compare them).
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A Resource or Pods metric: one sample kind per pod, and the request each pod has for it
    /// (`None` for Pods metrics).
    PerPod {
        kind: SampleKind,
        request: Option<i64>,
    },
    /// The service's request rate (or requests in flight) from the ingress adapter.
    Object {
        inflight: bool,
    },
    External {
        inflight: bool,
    },
}

impl Source {
    fn of(m: &hpa::MetricSpec, cfg: &Service) -> Source {
        match m {
            hpa::MetricSpec::Resource { resource, .. }
            | hpa::MetricSpec::ContainerResource { resource, .. } => match resource {
                hpa::Resource::Memory => Source::PerPod {
                    kind: SampleKind::Memory,
                    request: Some(cfg.memory_request_bytes * 1000),
                },
                _ => Source::PerPod {
                    kind: SampleKind::Cpu,
                    request: Some(cfg.cpu_request_milli),
                },
            },
            hpa::MetricSpec::Pods { name, .. } => Source::PerPod {
                kind: if name == "inflight_requests" {
                    SampleKind::Inflight
                } else {
                    SampleKind::Rps
                },
                request: None,
            },
            hpa::MetricSpec::Object { name, .. } => Source::Object {
                inflight: name == "inflight_requests",
            },
            hpa::MetricSpec::External { name, .. } => Source::External {
                inflight: name == "inflight_requests",
            },
        }
    }
}

/// One of the per-pod samples the metrics APIs serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SampleKind {
    Cpu,
    Memory,
    Rps,
    Inflight,
}

/// Per sample kind: how many pods have one, and their sum (milli-units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    kinds: [(usize, i128); 4],
}

impl Totals {
    /// One pass over the pods for every kind some metric reads.
    fn of(pods: &[Pod], needs: Needs, cfg: &Service) -> Totals {
        let mut t = Totals::default();
        for p in pods {
            let Some(w) = p.window.as_ref() else { continue };
            for (kind, wanted) in needs.kinds() {
                if wanted {
                    let k = &mut t.kinds[kind as usize];
                    k.0 += 1;
                    k.1 += i128::from(to_milli(w.value(kind, cfg)));
                }
            }
        }
        t
    }

    fn get(&self, kind: SampleKind) -> (usize, i128) {
        self.kinds[kind as usize]
    }
}

use crate::hpa::MAX_METRICS;

/// What a pod lifecycle change asks the world to do.
pub enum Followup {
    /// Find the pod a node (it stays Unscheduled until `pod_bound`).
    NeedsNode {
        pod: u64,
        cpu_milli: i64,
        memory_bytes: i64,
    },
    Running {
        pod: u64,
        at_ms: TimeMs,
    },
    Ready {
        pod: u64,
        at_ms: TimeMs,
    },
    Gone {
        pod: u64,
        at_ms: TimeMs,
    },
    /// Blue-green: switch all traffic to revision `revision` at `at_ms`.
    Switch {
        revision: u32,
        at_ms: TimeMs,
    },
}

impl ServiceState {
    pub fn new(cfg: Service) -> Self {
        let sources: Vec<Source> = cfg
            .hpa
            .iter()
            .flat_map(|h| &h.metrics)
            .map(|m| Source::of(m, &cfg))
            .collect();
        let cpu_metric = cfg.hpa.as_ref().and_then(|h| {
            h.metrics.iter().position(|m| {
                matches!(
                    m,
                    hpa::MetricSpec::Resource {
                        resource: hpa::Resource::Cpu,
                        ..
                    }
                )
            })
        });
        let cpu_utilization = cpu_metric.and_then(|i| {
            let utilization = cfg.hpa.as_ref().map(|h| h.metrics[i].target());
            match (utilization, sources[i]) {
                (
                    Some(hpa::Target::Utilization(_)),
                    Source::PerPod {
                        kind,
                        request: Some(request),
                    },
                ) => Some((kind, request)),
                _ => None,
            }
        });
        ServiceState {
            needs: Needs::of(&sources),
            sources,
            cpu_metric,
            cpu_utilization,
            needs_nodes: false,
            spec_replicas: cfg.initial_replicas,
            cfg,
            hpa_state: hpa::State::windowed(),
            pods: Vec::new(),
            next_pod_id: 0,
            offered_rps: 0.0,
            accounted_rps: 0.0,
            ready_cpu_integral: 0.0,
            ready_req_integral: 0.0,
            canary_share: None,
            green_cpu_integral: 0.0,
            green_req_integral: 0.0,
            total_req_integral: 0.0,
            served_req_integral: 0.0,
            integ_ms: 0,
            ready_count: 0,
            last_total_scrape: None,
            total_rps_sample: 0.0,
            scratch: Scratch::default(),
            last_cpu: CpuReading::None,
            settled_plan: None,
            latest_start_ms: TimeMs::MIN,
            settled_path: true,
            revision: 0,
            rollout: None,
            deploys: Vec::new(),
            deploys_skipped: 0,
        }
    }

    /// The initial replicas, Ready since long before the run starts (the steady state).
    pub fn start_initial_pods(&mut self) {
        let long_ago = -24 * crate::sim::HOUR_MS;
        for _ in 0..self.cfg.initial_replicas {
            let id = self.new_pod_id();
            self.pods
                .push(Pod::new(id, PodStage::Ready, long_ago, long_ago));
            self.latest_start_ms = self.latest_start_ms.max(long_ago);
        }
        self.ready_count = self.cfg.initial_replicas;
    }

    fn new_pod_id(&mut self) -> u64 {
        self.next_pod_id += 1;
        self.next_pod_id
    }

    /// Requests per second one Ready pod receives.
    fn per_pod_rps(&self) -> f64 {
        if self.ready_count == 0 {
            0.0
        } else {
            self.offered_rps / f64::from(self.ready_count)
        }
    }

    /// CPU one Ready pod uses (millicores): rps × CPU per request plus idle, capped at the limit.
    fn per_pod_cpu_milli(&self) -> f64 {
        self.cpu_milli_at(self.per_pod_rps())
    }

    /// CPU (millicores) of a Ready pod receiving `rps`: idle plus rps × CPU per request, capped
    /// at the limit.
    fn cpu_milli_at(&self, rps: f64) -> f64 {
        let cpu = self.cfg.idle_cpu_milli + rps * self.cfg.cpu_per_request_ms;
        match self.cfg.cpu_limit_milli {
            Some(limit) => cpu.min(limit as f64),
            None => cpu,
        }
    }

    /// Ready pods of green (the current revision); only meaningful while `canary_share` is set.
    fn green_ready(&self) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.stage == PodStage::Ready && p.revision == self.revision)
            .count() as u32
    }

    /// While a blue-green splits the load: (blue Ready pods, green Ready pods, green's share of
    /// the requests). A group without Ready pods passes its share to the other (an empty
    /// backend drops out of the ingress's weighted split). `None` when every Ready pod gets the
    /// same share.
    pub fn canary_split(&self) -> Option<(u32, u32, f64)> {
        let share = self.canary_share?;
        let green = self.green_ready();
        let blue = self.ready_count - green;
        let share = match (blue, green) {
            (0, g) if g > 0 => 1.0,
            (_, 0) => 0.0,
            _ => share,
        };
        Some((blue, green, share))
    }

    /// Requests per second one Ready pod of blue and one of green receive while a blue-green
    /// splits the load.
    fn split_rps(&self) -> (f64, f64) {
        let Some((blue, green, share)) = self.canary_split() else {
            return (self.per_pod_rps(), 0.0);
        };
        let per = |pods: u32, part: f64| {
            if pods == 0 {
                0.0
            } else {
                self.offered_rps * part / f64::from(pods)
            }
        };
        (per(blue, 1.0 - share), per(green, share))
    }

    /// The load split ends (blue left the endpoints, or the rollout ended): green's pods join
    /// the common per-ready-pod integrals. Exact because every pod is settled first and then
    /// marked at the common integrals it accrues from.
    fn end_split(&mut self, now: TimeMs) {
        if self.canary_share.is_none() {
            return;
        }
        self.settle_all(now);
        self.canary_share = None;
        for p in &mut self.pods {
            p.ready_cpu_mark = self.ready_cpu_integral;
            p.ready_req_mark = self.ready_req_integral;
        }
    }

    /// What `bound` pods of this service (those on nodes; the Ready ones among them) hold of
    /// their nodes now, OpenCost-style: per pod max(request, usage) of CPU (millicores) and of
    /// memory (bytes), summed. A Ready pod uses its share of the load's CPU (capped at the limit)
    /// and its baseline plus in-flight memory; a pod on a node that is not Ready is counted at
    /// its idle CPU and baseline memory. Read-only: the simulation does not depend on it.
    pub fn allocation(&self, bound: u32) -> (f64, f64) {
        let (cpu_req, mem_req) = (
            self.cfg.cpu_request_milli as f64,
            self.cfg.memory_request_bytes as f64,
        );
        let ready = self.ready_count.min(bound);
        let other = bound - ready;
        let idle_mem = self.cfg.memory_baseline_bytes as f64;
        let idle = (
            f64::from(other) * cpu_req.max(self.cfg.idle_cpu_milli),
            f64::from(other) * mem_req.max(idle_mem),
        );
        let held = |pods: u32, rps: f64| {
            let inflight = rps * self.cfg.service_time_ms / 1000.0;
            let mem = idle_mem + inflight * self.cfg.memory_per_inflight_bytes as f64;
            (
                f64::from(pods) * cpu_req.max(self.cpu_milli_at(rps)),
                f64::from(pods) * mem_req.max(mem),
            )
        };
        if let Some((_, green, _)) = self.canary_split() {
            // Blue and green pods carry different loads.
            let (blue_rps, green_rps) = self.split_rps();
            let green = green.min(ready);
            let (b, g) = (held(ready - green, blue_rps), held(green, green_rps));
            return (b.0 + g.0 + idle.0, b.1 + g.1 + idle.1);
        }
        let (cpu, mem) = held(ready, self.per_pod_rps());
        (cpu + idle.0, mem + idle.1)
    }

    /// Bring the service-level integrals up to `now` at the current rates. Must run before any
    /// change of the offered load or of the set of Ready pods.
    fn integrate(&mut self, now: TimeMs) {
        let dt = (now - self.integ_ms) as f64;
        if dt > 0.0 {
            if self.canary_share.is_none() {
                self.ready_cpu_integral += self.per_pod_cpu_milli() * dt;
                self.ready_req_integral += self.per_pod_rps() * dt / 1000.0;
            } else {
                self.integrate_split(dt);
            }
            self.total_req_integral += self.accounted_rps * dt / 1000.0;
            self.served_req_integral += self.offered_rps * dt / 1000.0;
        }
        self.integ_ms = now;
    }

    /// [`integrate`](Self::integrate)'s ready-pod part while a blue-green splits the load: blue
    /// and green apart, each pod's CPU capped at the limit on its own load. Out of line: a few
    /// minutes a deploy, against every 15 s of a run.
    #[cold]
    #[inline(never)]
    fn integrate_split(&mut self, dt: f64) {
        let (blue, green) = self.split_rps();
        self.ready_cpu_integral += self.cpu_milli_at(blue) * dt;
        self.ready_req_integral += blue * dt / 1000.0;
        self.green_cpu_integral += self.cpu_milli_at(green) * dt;
        self.green_req_integral += green * dt / 1000.0;
    }

    /// Bring one pod's counters up to `now` (the service integrals must be current).
    #[inline(always)]
    fn settle_pod(pod: &mut Pod, now: TimeMs, idle_cpu: f64, cpu_int: f64, req_int: f64) {
        match pod.stage {
            PodStage::Ready => {
                pod.cpu_cum += cpu_int - pod.ready_cpu_mark;
                pod.req_cum += req_int - pod.ready_req_mark;
            }
            PodStage::Running | PodStage::Terminating => {
                pod.cpu_cum += idle_cpu * (now - pod.counted_at_ms) as f64;
            }
            PodStage::Starting | PodStage::Unscheduled => {}
        }
        pod.ready_cpu_mark = cpu_int;
        pod.ready_req_mark = req_int;
        pod.counted_at_ms = now;
    }

    fn settle_all(&mut self, now: TimeMs) {
        self.integrate(now);
        let (idle, ci, ri) = (
            self.cfg.idle_cpu_milli,
            self.ready_cpu_integral,
            self.ready_req_integral,
        );
        if self.canary_share.is_some() {
            self.settle_split(now);
            return;
        }
        for p in &mut self.pods {
            Self::settle_pod(p, now, idle, ci, ri);
        }
    }

    /// [`settle_all`](Self::settle_all) while a blue-green splits the load: green's pods accrue
    /// from green's integrals (a pod's group changes only at `end_split`, which re-marks it).
    #[cold]
    #[inline(never)]
    fn settle_split(&mut self, now: TimeMs) {
        let (idle, rev) = (self.cfg.idle_cpu_milli, self.revision);
        let (ci, ri) = (self.ready_cpu_integral, self.ready_req_integral);
        let (gc, gr) = (self.green_cpu_integral, self.green_req_integral);
        for p in &mut self.pods {
            if p.revision == rev {
                Self::settle_pod(p, now, idle, gc, gr);
            } else {
                Self::settle_pod(p, now, idle, ci, ri);
            }
        }
    }

    /// New offered load from now on.
    pub fn set_offered_rps(&mut self, now: TimeMs, rps: f64) {
        self.set_offered(now, rps, rps);
    }

    /// New load from now on: `rps` reaches the pods; `offered` is what users send (more than
    /// `rps` while the service's cloud is down but traffic is still routed to it).
    pub fn set_offered(&mut self, now: TimeMs, rps: f64, offered: f64) {
        self.integrate(now);
        self.offered_rps = rps;
        self.accounted_rps = offered;
    }

    /// metrics-server (and the custom-metrics adapter) scrape every pod: a rate over the time since
    /// the previous scrape, time-stamped now. A pod needs two readings before it has a sample.
    pub fn scrape(&mut self, now: TimeMs) {
        self.settle_all(now);
        let st = self.cfg.service_time_ms / 1000.0;
        if self.canary_share.is_none() {
            let inflight = self.per_pod_rps() * st;
            self.scrape_pods(now, |_| inflight);
        } else {
            // While a blue-green splits the load, blue's and green's pods have their own
            // requests in flight.
            let (blue_rps, green_rps) = self.split_rps();
            let (blue, green, rev) = (blue_rps * st, green_rps * st, self.revision);
            self.scrape_pods(now, |p| if p.revision == rev { green } else { blue });
        }
        if let Some((t0, r0)) = self.last_total_scrape
            && now > t0
        {
            self.total_rps_sample = (self.served_req_integral - r0) * 1000.0 / (now - t0) as f64;
        }
        self.last_total_scrape = Some((now, self.served_req_integral));
    }

    /// The per-pod part of [`scrape`](Self::scrape), given each Ready pod's requests in flight
    /// (one copy per caller: the common one has no per-pod branch on the canary). Each pod keeps
    /// its two readings; its samples are computed when the HPA reads them.
    #[inline(always)]
    fn scrape_pods(&mut self, now: TimeMs, ready_inflight: impl Fn(&Pod) -> f64) {
        for p in &mut self.pods {
            if matches!(p.stage, PodStage::Starting | PodStage::Unscheduled) {
                continue;
            }
            if let Some((t0_ms, cpu0, req0)) = p.reading
                && now > t0_ms
            {
                p.window = Some(ScrapeWindow {
                    t0_ms,
                    cpu0,
                    req0,
                    t1_ms: now,
                    cpu1: p.cpu_cum,
                    req1: p.req_cum,
                    inflight: if p.stage == PodStage::Ready {
                        ready_inflight(p)
                    } else {
                        0.0
                    },
                });
            }
            p.reading = Some((now, p.cpu_cum, p.req_cum));
        }
    }

    /// Pods that count towards `status.replicas` (not terminating).
    pub fn active_pods(&self) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.stage != PodStage::Terminating)
            .count() as u32
    }

    /// Whether every pod is Ready and past the CPU initialization period at `now`: then the
    /// controller's `groupPods` sees each as a settled pod ([`hpa::Pods::Settled`]) and a sync
    /// needs only per-metric totals. True at almost every sync of a steady Deployment.
    fn settled(&self, now: TimeMs, cfg: &hpa::Config) -> bool {
        self.settled_path
            && self.ready_count as usize == self.pods.len()
            && self
                .latest_start_ms
                .saturating_add(cfg.cpu_initialization_period_ms)
                <= now
    }

    /// One HPA sync: gather what the controller reads, reconcile, and return the new
    /// `spec.replicas` if it changed.
    pub fn hpa_sync(&mut self, now: TimeMs, cfg: &hpa::Config) -> Option<u32> {
        self.cfg.hpa.as_ref()?;
        let settled = self.settled(now, cfg);
        if settled && let Some(decision) = self.settled_sync(now, cfg) {
            return decision;
        }
        let spec = self.cfg.hpa.as_ref()?;
        let status_replicas = if settled {
            self.pods.len() as i32
        } else {
            self.active_pods() as i32
        };
        let totals = settled.then(|| Totals::of(&self.pods, self.needs, &self.cfg));
        let s = &mut self.scratch;
        let n_metrics = self.sources.len().min(MAX_METRICS);
        s.external.resize(n_metrics, [0]);
        if totals.is_none() {
            s.pods.clear();
            for p in &self.pods {
                s.pods.push(hpa::Pod {
                    phase: match p.stage {
                        PodStage::Starting | PodStage::Unscheduled => hpa::PodPhase::Pending,
                        _ => hpa::PodPhase::Running,
                    },
                    deleting: p.stage == PodStage::Terminating,
                    ready: Some(p.stage == PodStage::Ready),
                    start_time_ms: (p.stage != PodStage::Unscheduled).then_some(p.start_time_ms),
                    ready_transition_ms: Some(p.ready_transition_ms),
                });
            }
            s.samples.resize_with(n_metrics, Vec::new);
            s.requests.resize_with(n_metrics, Vec::new);
            for (i, src) in self.sources.iter().enumerate().take(n_metrics) {
                if let Source::PerPod { kind, request } = *src {
                    let (samples, requests) = (&mut s.samples[i], &mut s.requests[i]);
                    samples.clear();
                    requests.clear();
                    for p in &self.pods {
                        samples.push(p.sample(kind, &self.cfg));
                        requests.push(request);
                    }
                }
            }
        }
        for (i, src) in self.sources.iter().enumerate().take(n_metrics) {
            if let Source::Object { inflight } | Source::External { inflight } = *src {
                s.external[i] = [ingress_value_milli(
                    self.total_rps_sample,
                    self.cfg.service_time_ms,
                    inflight,
                )];
            }
        }
        let input = |i: usize| match (self.sources[i], totals) {
            (Source::Object { .. }, _) => hpa::MetricInput::Object {
                value_milli: s.external[i][0],
            },
            (Source::External { .. }, _) => hpa::MetricInput::External {
                values_milli: &s.external[i],
            },
            (Source::PerPod { kind, request }, Some(t)) => {
                let (sampled, usage_total_milli) = t.get(kind);
                hpa::MetricInput::Totals {
                    sampled,
                    usage_total_milli,
                    request_milli: request,
                }
            }
            (Source::PerPod { .. }, None) => hpa::MetricInput::PerPod {
                samples: &s.samples[i],
                requests_milli: &s.requests[i],
            },
        };
        // On the stack for the usual few metrics: this runs millions of times a simulated year.
        let mut few = [hpa::MetricInput::FetchError; 4];
        let many: Vec<hpa::MetricInput<'_>>;
        let inputs: &[hpa::MetricInput<'_>] = if n_metrics <= few.len() {
            for (i, slot) in few.iter_mut().enumerate().take(n_metrics) {
                *slot = input(i);
            }
            &few[..n_metrics]
        } else {
            many = (0..n_metrics).map(input).collect();
            &many
        };
        let scale = hpa::Scale {
            spec_replicas: self.spec_replicas as i32,
            status_replicas,
        };
        let obs = hpa::Observation {
            scale,
            pods: if settled {
                hpa::Pods::Settled(self.pods.len())
            } else {
                hpa::Pods::Listed(&s.pods)
            },
            inputs,
            now_ms: now,
        };
        let out = hpa::reconcile(cfg, spec, &obs, &mut self.hpa_state);
        self.last_cpu = match self
            .cpu_metric
            .and_then(|i| out.metrics.get(i))
            .and_then(|r| r.as_ref().ok().and_then(|p| p.utilization_percent))
        {
            Some(pct) => CpuReading::Percent(pct),
            None => CpuReading::None,
        };
        let desired = out.desired_replicas.max(0) as u32;
        (out.rescaled && desired != self.spec_replicas).then_some(desired)
    }

    /// The sync through the HPA's settled pass ([`hpa::SettledPlan`]): `None` where that pass
    /// does not apply (the caller then runs the general one), else the new `spec.replicas` if
    /// it changed.
    fn settled_sync(&mut self, now: TimeMs, cfg: &hpa::Config) -> Option<Option<u32>> {
        let spec = self.cfg.hpa.as_ref()?;
        let plan = self
            .settled_plan
            .get_or_insert_with(|| hpa::SettledPlan::new(cfg, spec))
            .as_ref()?;
        let ingress = |inflight| {
            ingress_value_milli(self.total_rps_sample, self.cfg.service_time_ms, inflight)
        };
        let totals = Totals::of(&self.pods, self.needs, &self.cfg);
        // On the stack: this runs millions of times a simulated year. More metrics than this
        // take the general pass.
        let n_metrics = self.sources.len();
        let mut observed = [hpa::Observed::Object { value_milli: 0 }; 4];
        for (slot, src) in observed.iter_mut().zip(&self.sources) {
            *slot = match *src {
                Source::PerPod { kind, request } => {
                    let (sampled, usage_total_milli) = totals.get(kind);
                    hpa::Observed::Totals {
                        sampled,
                        usage_total_milli,
                        request_milli: request,
                    }
                }
                Source::Object { inflight } => hpa::Observed::Object {
                    value_milli: ingress(inflight),
                },
                Source::External { inflight } => hpa::Observed::External {
                    value_milli: ingress(inflight),
                },
            };
        }
        let n = self.pods.len();
        let out = plan.sync(
            &mut self.hpa_state,
            self.spec_replicas as i32,
            n,
            observed.get(..n_metrics)?,
            now,
        )?;
        self.last_cpu = match self.cpu_utilization {
            Some((kind, request)) => CpuReading::Totals {
                usage_milli: totals.get(kind).1,
                request_milli: n as i128 * i128::from(request),
            },
            None => CpuReading::None,
        };
        let desired = out.desired_replicas.max(0) as u32;
        Some((out.rescaled && desired != self.spec_replicas).then_some(desired))
    }

    /// The CPU utilisation percent the HPA computed at its last sync, if it computed one.
    pub fn last_cpu_utilization_pct(&self) -> Option<i32> {
        match self.last_cpu {
            CpuReading::None => None,
            CpuReading::Percent(pct) => Some(pct),
            CpuReading::Totals {
                usage_milli,
                request_milli,
            } => Some(hpa::calc::utilization_percent(usage_milli, request_milli)),
        }
    }

    /// The Deployment controller: create or delete pods to match `spec.replicas`. New pods wait
    /// for a node when a cluster is modelled (`needs_nodes`), else they are bound at once.
    /// During a deploy the rollout decides which revision's pods to add or delete.
    pub fn set_replicas(&mut self, now: TimeMs, replicas: u32, out: &mut Vec<Followup>) {
        self.settle_all(now);
        self.spec_replicas = replicas;
        if self.rollout.is_some() {
            self.advance_rollout(now, out);
            return;
        }
        let active = self.active_pods();
        if replicas > active {
            for _ in active..replicas {
                self.create_pod(now, out);
            }
        } else if replicas < active {
            self.delete_ranked(now, (active - replicas) as usize, false, |_| true, out);
        }
    }

    /// One new pod of the current revision.
    fn create_pod(&mut self, now: TimeMs, out: &mut Vec<Followup>) {
        let id = self.new_pod_id();
        let mut pod = if self.needs_nodes {
            out.push(Followup::NeedsNode {
                pod: id,
                cpu_milli: self.cfg.cpu_request_milli,
                memory_bytes: self.cfg.memory_request_bytes,
            });
            Pod::new(id, PodStage::Unscheduled, now, now)
        } else {
            self.latest_start_ms = self.latest_start_ms.max(now);
            out.push(Followup::Running {
                pod: id,
                at_ms: now + self.cfg.startup_delay_ms,
            });
            Pod::new(id, PodStage::Starting, now, now)
        };
        pod.revision = self.revision;
        self.pods.push(pod);
    }

    /// Delete `count` of the pods (not terminating) that `which` picks, in the ReplicaSet's
    /// deletion order (ActivePodsWithRanks): not-ready before ready, then the most recently
    /// ready first. Returns how many were deleted.
    fn delete_ranked(
        &mut self,
        now: TimeMs,
        count: usize,
        keeps_pool: bool,
        which: impl Fn(&Pod) -> bool,
        out: &mut Vec<Followup>,
    ) -> usize {
        let mut victims: Vec<(u8, TimeMs, u64)> = self
            .pods
            .iter()
            .filter(|p| p.stage != PodStage::Terminating && which(p))
            .map(|p| {
                let rank = match p.stage {
                    PodStage::Unscheduled => 0,
                    PodStage::Starting => 1,
                    PodStage::Running => 2,
                    _ => 3,
                };
                (rank, -p.ready_transition_ms, p.id)
            })
            .collect();
        victims.sort_by(|a, b| a.cmp(b).then(b.2.cmp(&a.2)));
        let n = victims.len().min(count);
        for (_, _, id) in victims.into_iter().take(n) {
            self.terminate_after(now, id, 0, keeps_pool, out);
        }
        n
    }

    /// A deploy of a new revision starts now (skipped while another is in progress, or when
    /// the instance has no replicas).
    pub fn start_deploy(&mut self, now: TimeMs, strategy: DeployStrategy, out: &mut Vec<Followup>) {
        if self.rollout.is_some() || self.spec_replicas == 0 {
            self.deploys_skipped += 1;
            return;
        }
        self.settle_all(now);
        self.revision += 1;
        if matches!(strategy, DeployStrategy::BlueGreen { .. }) {
            // Green (the new revision, no pod yet) gets nothing until it is all Ready: blue
            // serves everything, as the previous revision's integrals already count.
            self.canary_share = Some(0.0);
        }
        self.rollout = Some(Rollout {
            strategy,
            switch_scheduled: false,
        });
        self.deploys.push(DeployRecord {
            started_ms: now,
            done_ms: None,
            peak_active: self.active_pods(),
            blue_green: matches!(strategy, DeployStrategy::BlueGreen { .. }),
            replicas_at_start: self.spec_replicas,
            peak_pool_pods: self.pool_pods(),
        });
        self.advance_rollout(now, out);
    }

    /// Counts of the pods not terminating: (new revision, new Ready, old revision).
    fn revision_counts(&self) -> (u32, u32, u32) {
        let (mut new, mut new_ready, mut old) = (0, 0, 0);
        for p in &self.pods {
            if p.stage == PodStage::Terminating {
                continue;
            }
            if p.revision == self.revision {
                new += 1;
                new_ready += u32::from(p.stage == PodStage::Ready);
            } else {
                old += 1;
            }
        }
        (new, new_ready, old)
    }

    /// The Deployment controller's pass over a rollout in progress (after a pod change, a deploy
    /// or a new `spec.replicas`). Rolling: scale the new ReplicaSet up within `replicas +
    /// maxSurge`, then the old one down while `replicas − maxUnavailable` stay available
    /// (`NewRSNewReplicas`, `reconcileOldReplicaSets`), and up again. Blue-green: the new set
    /// follows `spec.replicas`; once it is all Ready the switch is scheduled. No-op without one.
    pub fn advance_rollout(&mut self, now: TimeMs, out: &mut Vec<Followup>) {
        let Some(r) = self.rollout else { return };
        self.settle_all(now);
        let n = self.spec_replicas;
        let rev = self.revision;
        match r.strategy {
            DeployStrategy::Rolling {
                max_surge,
                max_unavailable,
            } => {
                let scale_up = |s: &mut Self, out: &mut Vec<Followup>| {
                    let (new, _, old) = s.revision_counts();
                    if new > n {
                        s.delete_ranked(now, (new - n) as usize, false, |p| p.revision == rev, out);
                        return;
                    }
                    let room = (n + max_surge).saturating_sub(new + old);
                    for _ in 0..room.min(n - new) {
                        s.create_pod(now, out);
                    }
                };
                scale_up(self, out);
                let (new, new_ready, old) = self.revision_counts();
                let min_available = n.saturating_sub(max_unavailable);
                let max_down =
                    i64::from(new + old) - i64::from(min_available) - i64::from(new - new_ready);
                if max_down > 0 && old > 0 {
                    self.delete_ranked(now, max_down as usize, true, |p| p.revision != rev, out);
                }
                scale_up(self, out);
            }
            DeployStrategy::BlueGreen {
                canary_ms,
                canary_percent,
                ..
            } => {
                let (new, new_ready, _) = self.revision_counts();
                if new < n {
                    for _ in new..n {
                        self.create_pod(now, out);
                    }
                } else if new > n {
                    self.delete_ranked(now, (new - n) as usize, false, |p| p.revision == rev, out);
                }
                if !r.switch_scheduled && new_ready >= n && n > 0 {
                    // The canary: green's share from now until the switch (the integrals are
                    // current, settled above).
                    self.canary_share = Some(canary_percent / 100.0);
                    out.push(Followup::Switch {
                        revision: rev,
                        at_ms: now + canary_ms,
                    });
                    if let Some(r) = self.rollout.as_mut() {
                        r.switch_scheduled = true;
                    }
                }
            }
        }
        self.note_rollout(now);
    }

    /// Blue-green: all traffic goes to green now; blue leaves the endpoints and is kept (holding
    /// its nodes and database pools) for `switchFor`, then shuts down.
    pub fn switch_to(&mut self, now: TimeMs, revision: u32, out: &mut Vec<Followup>) {
        let Some(Rollout {
            strategy: DeployStrategy::BlueGreen { switch_ms, .. },
            ..
        }) = self.rollout
        else {
            return;
        };
        if revision != self.revision {
            return;
        }
        self.settle_all(now);
        let old: Vec<u64> = self
            .pods
            .iter()
            .filter(|p| p.stage != PodStage::Terminating && p.revision != revision)
            .map(|p| p.id)
            .collect();
        for id in old {
            self.terminate_after(now, id, switch_ms, true, out);
        }
        // Blue left the endpoints: green takes everything.
        self.end_split(now);
        self.note_rollout(now);
    }

    /// Track the rollout's peak and close it once no old pod is left and every new one is
    /// Ready (Kubernetes' "successfully rolled out").
    fn note_rollout(&mut self, now: TimeMs) {
        if self.rollout.is_none() {
            return;
        }
        let active = self.active_pods();
        let (new, new_ready, old) = self.revision_counts();
        let done = old == 0 && new_ready == new;
        let pool_pods = self.pool_pods();
        if let Some(rec) = self.deploys.last_mut() {
            // The most pods (not terminating) there were during it, and holding pools.
            rec.peak_active = rec.peak_active.max(active);
            rec.peak_pool_pods = rec.peak_pool_pods.max(pool_pods);
            if done {
                rec.done_ms = Some(now);
            }
        }
        if done {
            // No blue is left (a switch, or blue's pods all evicted before it).
            self.end_split(now);
            self.rollout = None;
        }
    }

    /// Pods whose database pools are open: the Ready ones, and those a deploy deleted that are
    /// still shutting down (or kept for a blue-green's `switchFor`).
    pub fn pool_pods(&self) -> u32 {
        if self.revision == 0 {
            return self.ready_count;
        }
        self.ready_count
            + self
                .pods
                .iter()
                .filter(|p| p.holds_pool && p.stage == PodStage::Terminating)
                .count() as u32
    }

    /// Delete pod `id` (if it is not already going): out of the endpoints now, gone after the
    /// termination delay — at once for a pod that never started, as it has nothing to shut down.
    /// The caller has settled the usage counters.
    fn terminate(&mut self, now: TimeMs, id: u64, out: &mut Vec<Followup>) {
        self.terminate_after(now, id, 0, false, out);
    }

    /// [`Self::terminate`], kept `extra_ms` longer before the shutdown starts; with
    /// `keeps_pool` (a deploy deletes it) a Ready pod keeps its database pool until it is gone.
    fn terminate_after(
        &mut self,
        now: TimeMs,
        id: u64,
        extra_ms: TimeMs,
        keeps_pool: bool,
        out: &mut Vec<Followup>,
    ) {
        let Some(p) = self
            .pods
            .iter_mut()
            .find(|p| p.id == id && p.stage != PodStage::Terminating)
        else {
            return;
        };
        if p.stage == PodStage::Ready {
            self.ready_count -= 1;
            p.holds_pool = keeps_pool;
        }
        let delay = if p.stage == PodStage::Unscheduled {
            0
        } else {
            self.cfg.termination_delay_ms
        };
        p.stage = PodStage::Terminating;
        out.push(Followup::Gone {
            pod: id,
            at_ms: now + extra_ms + delay,
        });
    }

    /// An initial pod the cluster could not place: it waits for a node like a new one.
    pub fn demote_to_unscheduled(&mut self, id: u64) {
        if let Some(p) = self
            .pods
            .iter_mut()
            .find(|p| p.id == id && p.stage == PodStage::Ready)
        {
            p.stage = PodStage::Unscheduled;
            self.ready_count -= 1;
        }
    }

    /// The scheduler bound the pod to a node: it starts (startTime = now).
    pub fn pod_bound(&mut self, now: TimeMs, id: u64, out: &mut Vec<Followup>) {
        if let Some(p) = self
            .pods
            .iter_mut()
            .find(|p| p.id == id && p.stage == PodStage::Unscheduled)
        {
            p.stage = PodStage::Starting;
            p.start_time_ms = now;
            self.latest_start_ms = self.latest_start_ms.max(now);
            p.counted_at_ms = now;
            out.push(Followup::Running {
                pod: id,
                at_ms: now + self.cfg.startup_delay_ms,
            });
        }
    }

    /// The pod's node is going away (spot notice, scale-down): it is deleted gracefully and the
    /// ReplicaSet creates a replacement.
    pub fn evict(&mut self, now: TimeMs, id: u64, out: &mut Vec<Followup>) {
        self.settle_all(now);
        self.terminate(now, id, out);
        let spec = self.spec_replicas;
        self.set_replicas(now, spec, out);
    }

    /// Requests per second users send to this service right now (including what is routed to it
    /// while its cloud is down).
    pub fn users_rps(&self) -> f64 {
        self.accounted_rps
    }

    /// Requests offered since the start, up to `now`.
    pub fn offered_requests_total(&mut self, now: TimeMs) -> f64 {
        self.integrate(now);
        self.total_req_integral
    }

    /// The container started: Running, not yet Ready.
    pub fn pod_running(&mut self, now: TimeMs, id: u64, out: &mut Vec<Followup>) {
        self.settle_all(now);
        if let Some(p) = self
            .pods
            .iter_mut()
            .find(|p| p.id == id && p.stage == PodStage::Starting)
        {
            p.stage = PodStage::Running;
            p.ready_transition_ms = now;
            out.push(Followup::Ready {
                pod: id,
                at_ms: now + self.cfg.readiness_delay_ms,
            });
        }
    }

    /// The readiness probe passed: the pod joins the endpoints and load spreads over one more pod.
    pub fn pod_ready(&mut self, now: TimeMs, id: u64) {
        self.settle_all(now);
        if let Some(p) = self
            .pods
            .iter_mut()
            .find(|p| p.id == id && p.stage == PodStage::Running)
        {
            p.stage = PodStage::Ready;
            p.ready_transition_ms = now;
            self.ready_count += 1;
        }
    }

    /// Graceful shutdown finished.
    pub fn pod_gone(&mut self, now: TimeMs, id: u64) {
        self.settle_all(now);
        self.pods.retain(|p| p.id != id);
    }
}

impl Pod {
    fn new(id: u64, stage: PodStage, start: TimeMs, ready_transition: TimeMs) -> Pod {
        Pod {
            id,
            stage,
            start_time_ms: start,
            ready_transition_ms: ready_transition,
            cpu_cum: 0.0,
            req_cum: 0.0,
            counted_at_ms: start.max(0),
            ready_cpu_mark: 0.0,
            ready_req_mark: 0.0,
            reading: None,
            window: None,
            revision: 0,
            holds_pool: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Service;

    fn service() -> Service {
        Service {
            name: "web".into(),
            requests_per_page_view: 1.0,
            cpu_per_request_ms: 10.0,
            idle_cpu_milli: 0.0,
            service_time_ms: 100.0,
            concurrency_per_pod: 8,
            cpu_request_milli: 500,
            memory_request_bytes: 256 << 20,
            cpu_limit_milli: Some(1000),
            memory_limit_bytes: None,
            memory_baseline_bytes: 100 << 20,
            memory_per_inflight_bytes: 1 << 20,
            startup_delay_ms: 20_000,
            readiness_delay_ms: 5_000,
            termination_delay_ms: 10_000,
            initial_replicas: 2,
            hpa: None,
            service_time_dist: crate::scenario::ServiceTimeDist::Exponential,
            timeout_ms: 10_000,
            database: None,
            node_pools: Vec::new(),
        }
    }

    /// One due follow-up, as the world handles it (0 running, 1 ready, 2 gone, 3 switch).
    fn handle(s: &mut ServiceState, at: TimeMs, kind: u8, id: u64, f: &mut Vec<Followup>) {
        match kind {
            0 => s.pod_running(at, id, f),
            1 => {
                s.pod_ready(at, id);
                s.advance_rollout(at, f);
            }
            2 => s.pod_gone(at, id),
            _ => s.switch_to(at, id as u32, f),
        }
    }

    /// Run a service's follow-ups (no cluster) until none is left, in time order; returns the
    /// most pods not terminating there were.
    fn drain(s: &mut ServiceState, mut f: Vec<Followup>) -> u32 {
        let mut due: Vec<(TimeMs, u8, u64)> = Vec::new();
        let mut peak = s.active_pods();
        loop {
            for x in f.drain(..) {
                match x {
                    Followup::Running { pod, at_ms } => due.push((at_ms, 0, pod)),
                    Followup::Ready { pod, at_ms } => due.push((at_ms, 1, pod)),
                    Followup::Gone { pod, at_ms } => due.push((at_ms, 2, pod)),
                    Followup::Switch { revision, at_ms } => due.push((at_ms, 3, revision.into())),
                    Followup::NeedsNode { .. } => unreachable!("no cluster"),
                }
            }
            peak = peak.max(s.active_pods());
            due.sort();
            if due.is_empty() {
                return peak;
            }
            let (at, kind, id) = due.remove(0);
            handle(s, at, kind, id, &mut f);
        }
    }

    /// maxSurge 0, maxUnavailable 1 on 3 pods: an old pod goes first (it keeps its pool while it
    /// shuts down), then each new Ready pod lets the next old one go; never more than 3 pods.
    #[test]
    fn rolling_update_without_surge_goes_one_down_one_up() {
        let mut s = ServiceState::new(Service {
            initial_replicas: 3,
            ..service()
        });
        s.start_initial_pods();
        let mut f = Vec::new();
        let strategy = DeployStrategy::Rolling {
            max_surge: 0,
            max_unavailable: 1,
        };
        s.start_deploy(0, strategy, &mut f);
        assert_eq!((s.active_pods(), s.ready_count, s.pool_pods()), (3, 2, 3));
        let peak = drain(&mut s, f);
        assert_eq!(peak, 3);
        assert!(s.rollout.is_none());
        assert!(
            s.pods
                .iter()
                .all(|p| p.revision == 1 && p.stage == PodStage::Ready)
        );
        // Three waves of startup (20 s) + readiness (5 s).
        assert_eq!(s.deploys[0].done_ms, Some(3 * 25_000));
        assert_eq!(s.pods.len(), 3);
        // A deploy while none is in progress starts; one during a rollout is skipped.
        let mut f = Vec::new();
        s.start_deploy(100_000, strategy, &mut f);
        s.start_deploy(100_000, strategy, &mut f);
        assert_eq!((s.deploys.len(), s.deploys_skipped), (2, 1));
    }

    /// Blue-green on 2 pods: 4 pods (and pools) until the switch + switchFor + termination.
    #[test]
    fn blue_green_holds_both_sets_until_blue_is_gone() {
        let mut s = ServiceState::new(service());
        s.start_initial_pods();
        let mut f = Vec::new();
        let strategy = DeployStrategy::BlueGreen {
            canary_percent: 10.0,
            canary_ms: 60_000,
            switch_ms: 30_000,
        };
        s.start_deploy(0, strategy, &mut f);
        assert_eq!(s.active_pods(), 4);
        let peak = drain(&mut s, f);
        assert_eq!(peak, 4);
        // Green Ready at 25 s, switch at 85 s: done then; blue gone at 85 + 30 + 10 s.
        assert_eq!(s.deploys[0].done_ms, Some(85_000));
        assert_eq!((s.pods.len(), s.ready_count, s.pool_pods()), (2, 2, 2));
    }

    /// A service with `replicas` Ready pods, an HPA reading CPU utilisation and requests per pod
    /// (so metrics-server keeps both samples), idle 50 m, 10 ms of CPU a request, limit 1 core.
    fn sampled(replicas: u32) -> ServiceState {
        let spec = hpa::Spec {
            min_replicas: 1,
            max_replicas: 10,
            metrics: vec![
                hpa::MetricSpec::Resource {
                    resource: hpa::Resource::Cpu,
                    target: hpa::Target::Utilization(70),
                },
                hpa::MetricSpec::Pods {
                    name: "requests_per_second".into(),
                    target: hpa::Target::AverageValue(100_000),
                },
            ],
            behavior: None,
        };
        let mut s = ServiceState::new(Service {
            initial_replicas: replicas,
            idle_cpu_milli: 50.0,
            hpa: Some(spec),
            ..service()
        });
        s.start_initial_pods();
        s
    }

    /// Run the follow-ups due up to `until` (no cluster), in time order.
    fn run_until(s: &mut ServiceState, due: &mut Vec<(TimeMs, u8, u64)>, until: TimeMs) {
        loop {
            due.sort();
            let Some(&(at, kind, id)) = due.first() else {
                return;
            };
            if at > until {
                return;
            }
            due.remove(0);
            let mut f = Vec::new();
            handle(s, at, kind, id, &mut f);
            queue(due, f);
        }
    }

    fn queue(due: &mut Vec<(TimeMs, u8, u64)>, f: Vec<Followup>) {
        for x in f {
            due.push(match x {
                Followup::Running { pod, at_ms } => (at_ms, 0, pod),
                Followup::Ready { pod, at_ms } => (at_ms, 1, pod),
                Followup::Gone { pod, at_ms } => (at_ms, 2, pod),
                Followup::Switch { revision, at_ms } => (at_ms, 3, revision.into()),
                Followup::NeedsNode { .. } => unreachable!("no cluster"),
            });
        }
    }

    /// (CPU millicores, requests per second) samples of the Ready pods of revision `rev`.
    fn samples_of(s: &ServiceState, rev: u32) -> Vec<(i64, i64)> {
        s.pods
            .iter()
            .filter(|p| p.revision == rev && p.stage == PodStage::Ready)
            .map(|p| {
                (
                    p.sample(SampleKind::Cpu, &s.cfg).unwrap().value_milli,
                    p.sample(SampleKind::Rps, &s.cfg).unwrap().value_milli / 1000,
                )
            })
            .collect()
    }

    /// A blue-green of 2 pods with a `canary` % canary for 60 s (green Ready at 25 s, switch at
    /// 85 s, blue gone at 85 + 10 s), 40 rps offered from the start; scrapes every 15 s from
    /// 0 s. Returns the state and its pending follow-ups at `until`.
    fn canary_run(canary: f64, rps: f64, until: TimeMs) -> (ServiceState, Vec<(TimeMs, u8, u64)>) {
        let mut s = sampled(2);
        s.set_offered_rps(0, rps);
        let mut f = Vec::new();
        let strategy = DeployStrategy::BlueGreen {
            canary_percent: canary,
            canary_ms: 60_000,
            switch_ms: 0,
        };
        s.start_deploy(0, strategy, &mut f);
        let mut due = Vec::new();
        queue(&mut due, f);
        let mut t = 0;
        while t <= until {
            run_until(&mut s, &mut due, t);
            s.scrape(t);
            t += 15_000;
        }
        (s, due)
    }

    /// The canary routes 10 % of the requests to green: with 2 blue and 2 green Ready pods and
    /// 40 rps, a green pod gets 0.1 × 40 / 2 = 2 rps and uses 50 + 2 × 10 = 70 m; a blue pod
    /// 0.9 × 40 / 2 = 18 rps and 50 + 18 × 10 = 230 m (an equal share would have been 10 rps
    /// and 150 m for all four). Samples over the scrape window 30–45 s, inside the canary
    /// (25–85 s).
    #[test]
    fn a_canary_sends_its_percentage_to_green() {
        let (s, _) = canary_run(10.0, 40.0, 45_000);
        assert_eq!(s.canary_split(), Some((2, 2, 0.1)));
        assert_eq!(samples_of(&s, 1), vec![(70, 2), (70, 2)]);
        assert_eq!(samples_of(&s, 0), vec![(230, 18), (230, 18)]);
        // The HPA's total is unchanged by the split: 2 × 70 + 2 × 230 = 600 m over 4 pods of a
        // 500 m request = 30 %, as 4 × 150 m would be.
        let mut s = s;
        s.hpa_sync(50_000, &hpa::Config::default());
        assert_eq!(s.last_cpu_utilization_pct(), Some(30));
    }

    /// Each pod's CPU is capped at the limit on its own group's load: at 300 rps a blue pod gets
    /// 0.9 × 300 / 2 = 135 rps, 50 + 1,350 m, capped at 1,000 m; a green pod 15 rps, 50 + 150 =
    /// 200 m.
    #[test]
    fn the_cpu_limit_caps_each_group_on_its_own_load() {
        let (s, _) = canary_run(10.0, 300.0, 45_000);
        assert_eq!(samples_of(&s, 1), vec![(200, 15), (200, 15)]);
        assert_eq!(samples_of(&s, 0), vec![(1_000, 135), (1_000, 135)]);
    }

    /// canaryPercent 0: nothing reaches green before the switch (green at idle, 50 m; blue at
    /// 40 / 2 = 20 rps, 250 m), then everything does.
    #[test]
    fn a_zero_canary_sends_nothing_to_green_before_the_switch() {
        let (s, _) = canary_run(0.0, 40.0, 75_000);
        assert_eq!(s.canary_split(), Some((2, 2, 0.0)));
        assert_eq!(samples_of(&s, 1), vec![(50, 0), (50, 0)]);
        assert_eq!(samples_of(&s, 0), vec![(250, 20), (250, 20)]);
        // After the switch (85 s) blue has left the endpoints: the window 90–105 s sees green
        // alone at 20 rps, 250 m per pod.
        let (s, _) = canary_run(0.0, 40.0, 105_000);
        assert_eq!(s.canary_split(), None);
        assert!(s.rollout.is_none());
        assert_eq!(samples_of(&s, 1), vec![(250, 20), (250, 20)]);
    }

    /// Across the switch at 85 s the counters stay exact: over the window 75–90 s a green pod
    /// had 10 s at 70 m and 5 s at 250 m, (700 + 1,250) / 15 = 130 m; a blue pod 10 s at 230 m
    /// and 5 s shutting down at idle 50 m, (2,300 + 250) / 15 = 170 m. Green's requests:
    /// (10 s × 2 + 5 s × 20) / 15 = 8 rps.
    #[test]
    fn counters_stay_exact_across_the_switch() {
        let (s, _) = canary_run(10.0, 40.0, 90_000);
        assert_eq!(samples_of(&s, 1), vec![(130, 8), (130, 8)]);
        let blue: Vec<i64> = s
            .pods
            .iter()
            .filter(|p| p.revision == 0)
            .map(|p| p.sample(SampleKind::Cpu, &s.cfg).unwrap().value_milli)
            .collect();
        assert_eq!(blue, vec![170, 170]);
    }

    /// Before green is all Ready (and so before the canary starts) green gets nothing; a rolling
    /// update splits nothing (both revisions share the endpoints alike).
    #[test]
    fn only_a_blue_green_splits_the_load() {
        let (s, _) = canary_run(10.0, 40.0, 15_000);
        assert_eq!(s.canary_split(), Some((2, 0, 0.0)));
        let mut s = sampled(2);
        let mut f = Vec::new();
        let strategy = DeployStrategy::Rolling {
            max_surge: 1,
            max_unavailable: 0,
        };
        s.start_deploy(0, strategy, &mut f);
        assert_eq!(s.canary_split(), None);
    }

    #[test]
    fn pod_lifecycle_and_load_spreading() {
        let mut s = ServiceState::new(service());
        s.start_initial_pods();
        s.set_offered_rps(0, 40.0);
        let mut f = Vec::new();
        s.set_replicas(1_000, 3, &mut f);
        assert_eq!(s.active_pods(), 3);
        let Followup::Running { pod, at_ms } = f[0] else {
            panic!()
        };
        assert_eq!(at_ms, 21_000);
        assert_eq!(s.ready_count, 2);
        f.clear();
        s.pod_running(at_ms, pod, &mut f);
        let Followup::Ready { at_ms, .. } = f[0] else {
            panic!()
        };
        assert_eq!(at_ms, 26_000);
        assert_eq!(s.pods[2].stage, PodStage::Running);
        s.pod_ready(at_ms, pod);
        assert_eq!(s.ready_count, 3);
        // 40 rps over 3 ready pods, 10 ms of CPU each: 133.3 millicores per pod.
        assert!((s.per_pod_cpu_milli() - 400.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn cpu_is_capped_at_the_limit() {
        let mut s = ServiceState::new(service());
        s.start_initial_pods();
        s.set_offered_rps(0, 1_000.0); // 500 rps per pod × 10 ms = 5 cores, limit 1 core
        assert_eq!(s.per_pod_cpu_milli(), 1000.0);
    }

    /// metrics-server needs two readings of a pod before it serves a rate, and the rate is the
    /// average over the window between them.
    #[test]
    fn metrics_are_windowed_rates_that_lag() {
        let cpu = hpa::MetricSpec::Resource {
            resource: hpa::Resource::Cpu,
            target: hpa::Target::Utilization(70),
        };
        let mem = hpa::MetricSpec::Resource {
            resource: hpa::Resource::Memory,
            target: hpa::Target::Utilization(80),
        };
        let rps = hpa::MetricSpec::Pods {
            name: "requests_per_second".into(),
            target: hpa::Target::AverageValue(100_000),
        };
        let spec = hpa::Spec {
            min_replicas: 2,
            max_replicas: 4,
            metrics: vec![cpu, mem, rps],
            behavior: None,
        };
        let mut s = ServiceState::new(Service {
            hpa: Some(spec),
            ..service()
        });
        s.start_initial_pods();
        s.set_offered_rps(0, 20.0); // 10 rps per pod → 100 millicores
        s.scrape(0);
        assert!(
            s.pods[0].sample(SampleKind::Cpu, &s.cfg).is_none(),
            "one reading is not a rate yet"
        );
        s.set_offered_rps(5_000, 60.0); // 30 rps per pod → 300 millicores from t = 5 s
        s.scrape(15_000);
        let sample = s.pods[0].sample(SampleKind::Cpu, &s.cfg).unwrap();
        // (5 s × 100 + 10 s × 300) / 15 s = 233.33 → 233 millicores, time-stamped at the scrape.
        assert_eq!(sample.value_milli, 233);
        assert_eq!((sample.timestamp_ms, sample.window_ms), (15_000, 15_000));
        let rps = s.pods[0]
            .sample(SampleKind::Rps, &s.cfg)
            .unwrap()
            .value_milli;
        assert_eq!(rps, 23_333); // (5 × 10 + 10 × 30) / 15 = 23.333 rps
        // Memory is a gauge: baseline + in flight (30 rps × 0.1 s = 3) × 1 MiB.
        let mem = s.pods[0]
            .sample(SampleKind::Memory, &s.cfg)
            .unwrap()
            .value_milli;
        assert_eq!(mem, ((100 << 20) + 3 * (1 << 20)) * 1000);
    }

    #[test]
    fn scale_down_removes_not_ready_pods_first_then_the_newest() {
        let mut s = ServiceState::new(service());
        s.start_initial_pods();
        let mut f = Vec::new();
        s.set_replicas(0, 4, &mut f); // pods 3 and 4 start
        let ids: Vec<u64> = s.pods.iter().map(|p| p.id).collect();
        s.pod_running(20_000, ids[2], &mut f);
        s.pod_ready(25_000, ids[2]);
        f.clear();
        s.set_replicas(30_000, 2, &mut f);
        let terminating: Vec<u64> = s
            .pods
            .iter()
            .filter(|p| p.stage == PodStage::Terminating)
            .map(|p| p.id)
            .collect();
        // Pod 4 never became ready; of the ready ones pod 3 is the newest.
        assert_eq!(terminating, vec![ids[2], ids[3]]);
        assert_eq!(s.ready_count, 2);
        assert!(matches!(f[0], Followup::Gone { at_ms: 40_000, .. }));
    }

    /// A day of syncs through the settled-pod path and through the general path gives the same
    /// decisions and the same reported utilisation at every sync: scale-ups (pods starting,
    /// inside the CPU initialization period), steady stretches and scale-downs (terminating pods).
    #[test]
    fn settled_path_decides_as_the_general_path() {
        let metrics = vec![
            hpa::MetricSpec::Resource {
                resource: hpa::Resource::Cpu,
                target: hpa::Target::Utilization(60),
            },
            hpa::MetricSpec::Resource {
                resource: hpa::Resource::Memory,
                target: hpa::Target::Utilization(80),
            },
            hpa::MetricSpec::Pods {
                name: "requests_per_second".into(),
                target: hpa::Target::AverageValue(30_000),
            },
            hpa::MetricSpec::External {
                name: "requests_per_second".into(),
                target: hpa::Target::AverageValue(40_000),
            },
        ];
        let spec = hpa::Spec {
            min_replicas: 2,
            max_replicas: 12,
            metrics,
            behavior: None,
        };
        let cfg = hpa::Config {
            cpu_initialization_period_ms: 300_000,
            ..hpa::Config::default()
        };
        let new = |settled_path| {
            let mut s = ServiceState::new(Service {
                hpa: Some(spec.clone()),
                ..service()
            });
            s.settled_path = settled_path;
            s.start_initial_pods();
            s
        };
        let (mut fast, mut slow) = (new(true), new(false));
        // Pod lifecycle events due, per state: (time, kind, pod).
        let mut due: [Vec<(TimeMs, u8, u64)>; 2] = [Vec::new(), Vec::new()];
        let (mut changes, mut settled_syncs) = (0, 0);
        for step in 0..5_760 {
            let now = step * 15_000;
            // A daily wave with steps, 5 to 180 rps.
            let rps = 5.0
                + 175.0 * (0.5 - 0.5 * (now as f64 / 8.64e7 * std::f64::consts::TAU).cos())
                + if (step / 400) % 3 == 1 { 60.0 } else { 0.0 };
            for (k, s) in [&mut fast, &mut slow].into_iter().enumerate() {
                let mut f = Vec::new();
                due[k].sort();
                while let Some(&(at, kind, pod)) = due[k].first() {
                    if at > now {
                        break;
                    }
                    due[k].remove(0);
                    match kind {
                        0 => s.pod_running(at, pod, &mut f),
                        1 => s.pod_ready(at, pod),
                        _ => s.pod_gone(at, pod),
                    }
                }
                s.set_offered_rps(now, rps);
                s.scrape(now);
                let sync = now + 5_000;
                if k == 0 && s.settled(sync, &cfg) {
                    settled_syncs += 1;
                }
                if let Some(r) = s.hpa_sync(sync, &cfg) {
                    s.set_replicas(sync, r, &mut f);
                    changes += usize::from(k == 0);
                }
                for x in f {
                    match x {
                        Followup::Running { pod, at_ms } => due[k].push((at_ms, 0, pod)),
                        Followup::Ready { pod, at_ms } => due[k].push((at_ms, 1, pod)),
                        Followup::Gone { pod, at_ms } => due[k].push((at_ms, 2, pod)),
                        Followup::NeedsNode { .. } => unreachable!("no cluster"),
                        Followup::Switch { .. } => unreachable!("no deploy"),
                    }
                }
            }
            assert_eq!(fast.spec_replicas, slow.spec_replicas, "step {step}");
            assert_eq!(
                fast.last_cpu_utilization_pct(),
                slow.last_cpu_utilization_pct(),
                "step {step}"
            );
            assert_eq!(fast.pods.len(), slow.pods.len(), "step {step}");
        }
        assert!(
            changes >= 10,
            "only {changes} rescales: the test would not exercise much"
        );
        assert!(
            settled_syncs > 4_000 && settled_syncs < 5_760,
            "{settled_syncs} settled syncs: both paths must be exercised"
        );
    }
}
