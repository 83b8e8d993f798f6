//! The simulated world: services with their pods and HPAs, driven by traffic, on the engine.
//! [`simulate`] is the pure entry point: scenario in, [`RunOutput`] out.

pub mod service;

use crate::hpa;
use crate::metrics::{Recorder, Row, ServiceStats, Snapshot};
use crate::scenario::Scenario;
use crate::sim::{Context, Engine, Model, RngStreams, TimeMs};
use crate::traffic::{Demand, NoiseProcess};

use service::{Followup, ServiceState};

/// How often offered traffic is recomputed (and the noise advanced).
pub const TRAFFIC_STEP_MS: TimeMs = 15_000;

/// Everything a run produced, before any formatting.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub service_names: Vec<String>,
    /// maxReplicas of each service's HPA (None = no HPA).
    pub max_replicas: Vec<Option<u32>>,
    pub rows: Vec<Row>,
    pub stats: Vec<ServiceStats>,
    pub duration_ms: TimeMs,
    pub events_handled: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// New offered traffic, then metrics-server's scrape of the window that just ended.
    Tick,
    HpaSync(usize),
    PodRunning(usize, u64),
    PodReady(usize, u64),
    PodGone(usize, u64),
    CloseInterval,
}

struct World {
    demand: Demand,
    noise: Option<NoiseProcess>,
    services: Vec<ServiceState>,
    hpa_config: hpa::Config,
    sync_period_ms: TimeMs,
    metric_resolution_ms: TimeMs,
    /// gcd(traffic step, metric resolution): the Tick period.
    tick_ms: TimeMs,
    recorder: Recorder,
    followups: Vec<Followup>,
}

impl World {
    fn snapshot(&self, i: usize) -> Snapshot {
        let s = &self.services[i];
        Snapshot {
            desired: s.spec_replicas,
            ready: s.ready_count,
            pods: s.pods.len() as u32,
            rps: s.offered_rps,
        }
    }

    fn record(&mut self, now: TimeMs, i: usize) {
        let snap = self.snapshot(i);
        self.recorder.update(now, i, snap);
    }

    fn schedule_followups(&mut self, svc: usize, ctx: &mut Context<'_, Event>) {
        for f in self.followups.drain(..) {
            match f {
                Followup::Running { pod, at_ms } => {
                    ctx.schedule_at(at_ms, Event::PodRunning(svc, pod))
                }
                Followup::Ready { pod, at_ms } => ctx.schedule_at(at_ms, Event::PodReady(svc, pod)),
                Followup::Gone { pod, at_ms } => ctx.schedule_at(at_ms, Event::PodGone(svc, pod)),
            }
        }
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now_ms();
        match event {
            Event::Tick => {
                let noise = self.noise.as_mut().map_or(1.0, |n| n.step(TRAFFIC_STEP_MS));
                let pv = self.demand.page_views_per_s(now) * noise;
                for i in 0..self.services.len() {
                    let rps = pv * self.services[i].cfg.requests_per_page_view;
                    // The scrape reads usage up to now, so the order of these two does not matter.
                    self.services[i].set_offered_rps(now, rps);
                    if now % self.metric_resolution_ms == 0 {
                        self.services[i].scrape(now);
                    }
                    self.record(now, i);
                }
                ctx.schedule_in(self.tick_ms, Event::Tick);
            }
            Event::HpaSync(i) => {
                if let Some(replicas) = self.services[i].hpa_sync(now, &self.hpa_config) {
                    self.services[i].set_replicas(now, replicas, &mut self.followups);
                    self.schedule_followups(i, ctx);
                    self.record(now, i);
                }
                ctx.schedule_in(self.sync_period_ms, Event::HpaSync(i));
            }
            Event::PodRunning(i, pod) => {
                self.services[i].pod_running(now, pod, &mut self.followups);
                self.schedule_followups(i, ctx);
                self.record(now, i);
            }
            Event::PodReady(i, pod) => {
                self.services[i].pod_ready(now, pod);
                self.record(now, i);
            }
            Event::PodGone(i, pod) => {
                self.services[i].pod_gone(now, pod);
                self.record(now, i);
            }
            Event::CloseInterval => {
                let cpu: Vec<Option<i32>> = self
                    .services
                    .iter()
                    .map(|s| s.last_cpu_utilization_pct)
                    .collect();
                self.recorder
                    .close_interval(now, self.demand.dau(now), &cpu);
                ctx.schedule_in(self.recorder.resolution_ms(), Event::CloseInterval);
            }
        }
    }
}

fn gcd(a: TimeMs, b: TimeMs) -> TimeMs {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Controller flags from the scenario.
pub fn hpa_config(s: &Scenario) -> hpa::Config {
    let k = &s.kubernetes;
    hpa::Config {
        tolerance: k.tolerance,
        cpu_initialization_period_ms: k.cpu_initialization_period_ms,
        initial_readiness_delay_ms: k.initial_readiness_delay_ms,
        downscale_stabilization_window_ms: k.downscale_stabilization_ms,
        sync_period_ms: k.hpa_sync_period_ms,
        gates: hpa::FeatureGates {
            configurable_tolerance: k.configurable_tolerance,
            ..Default::default()
        },
        ..hpa::Config::default()
    }
}

/// Run the scenario with its seed. Same scenario ⇒ same output, bit for bit.
pub fn simulate(s: &Scenario) -> RunOutput {
    let end = s.simulation.duration_ms;
    let streams = RngStreams::new(s.simulation.seed);
    let demand = Demand::new(s);
    let noise = s
        .traffic
        .noise
        .as_ref()
        .map(|n| NoiseProcess::new(n, streams.stream("traffic.noise")));
    let mut services: Vec<ServiceState> =
        s.services.iter().cloned().map(ServiceState::new).collect();
    for svc in &mut services {
        svc.start_initial_pods();
    }
    let initial: Vec<(Snapshot, Option<u32>)> = services
        .iter()
        .map(|s| {
            (
                Snapshot {
                    desired: s.spec_replicas,
                    ready: s.ready_count,
                    pods: s.pods.len() as u32,
                    rps: 0.0,
                },
                s.cfg.hpa.as_ref().map(|h| h.max_replicas as u32),
            )
        })
        .collect();
    let recorder = Recorder::new(s.simulation.output_resolution_ms, &initial, demand.dau(0));
    let mut world = World {
        demand,
        noise,
        services,
        hpa_config: hpa_config(s),
        sync_period_ms: s.kubernetes.hpa_sync_period_ms,
        metric_resolution_ms: s.kubernetes.metric_resolution_ms,
        tick_ms: gcd(TRAFFIC_STEP_MS, s.kubernetes.metric_resolution_ms),
        recorder,
        followups: Vec::new(),
    };
    let mut engine = Engine::default();
    engine.schedule_at(0, Event::Tick);
    // Each HPA syncs on its own phase, a few seconds after the scrapes (as a live controller
    // would be, at an arbitrary offset); the order is fixed so runs are reproducible.
    for i in 0..world.services.len() {
        if world.services[i].hpa_spec.is_some() {
            engine.schedule_at(5_000 + 250 * i as TimeMs, Event::HpaSync(i));
        }
    }
    engine.schedule_at(s.simulation.output_resolution_ms, Event::CloseInterval);
    engine.run_until(&mut world, end);
    // The interval closing exactly at `end` is not handled by run_until (it stops before `end`).
    let cpu: Vec<Option<i32>> = world
        .services
        .iter()
        .map(|s| s.last_cpu_utilization_pct)
        .collect();
    if world.recorder.interval_start_ms() < end {
        world
            .recorder
            .close_interval(end, world.demand.dau(end), &cpu);
    }
    let (rows, stats) = world.recorder.finish(end);
    RunOutput {
        service_names: s.services.iter().map(|s| s.name.clone()).collect(),
        max_replicas: s
            .services
            .iter()
            .map(|s| s.hpa.as_ref().map(|h| h.max_replicas as u32))
            .collect(),
        rows,
        stats,
        duration_ms: end,
        events_handled: engine.events_handled(),
        seed: s.simulation.seed,
    }
}
