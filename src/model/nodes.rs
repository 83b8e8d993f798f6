//! Kubernetes nodes: node pools, a first-fit scheduler, the Cluster Autoscaler and spot
//! interruptions, as one deterministic state machine.
//!
//! [`Cluster`] never touches the engine: the world calls its methods when events happen and
//! schedules the [`ClusterAction`]s they return (a node becoming ready, a spot node going away).
//! One `Cluster` stands for one Kubernetes cluster (one per cloud); pool indexes are local to it.
//!
//! What is modelled, with the Cluster Autoscaler (CA) defaults and the sources, is written up in
//! `docs/nodes.md`. In short:
//!
//! - **Scheduling.** A pod binds to the first Ready node, in pool order then node order, whose free
//!   allocatable CPU, memory and pod slots hold its requests. A pod that fits nowhere is Pending.
//!   Pending pods are retried, oldest first, whenever capacity frees up or a node becomes Ready.
//! - **Scale-up** (every `scan_interval`): pending pods that would fit on nodes already being
//!   provisioned wait for them; for the rest each pool below `max_nodes` is binpacked (first fit
//!   decreasing, CA's `binpacking` estimator) and the expander picks one pool. Its new nodes are
//!   Ready after the pool's provisioning delay. No scale-down in a loop that scaled up.
//! - **Scale-down.** A Ready node is *unneeded* when its utilisation — the larger of Σ CPU requests /
//!   allocatable CPU and Σ memory requests / allocatable memory, DaemonSet overhead included — is
//!   below the threshold and all its pods fit on other nodes (simulated; nodes already marked
//!   removable are not destinations). A node unneeded for `scale_down_unneeded_time` is deleted,
//!   unless the pool is at `min_nodes` or scale-down is cooling down after a scale-up
//!   (`scale_down_delay_after_add`) or a deletion. At most `max_scale_down_parallelism` nodes per
//!   loop, of which at most `max_drain_parallelism` have pods.
//! - **Spot.** Each Ready spot node draws its interruption time (Poisson, the pool's rate per
//!   node-day). At the first scan at or after it the node gets a notice: it is cordoned, its pods
//!   are evicted, and it is gone `spot_notice_ms` later, when the node group starts a replacement
//!   (its target size did not change).

use std::collections::HashMap;

use rand::{RngExt, SeedableRng};

use crate::sim::{DAY_MS, SimRng, TimeMs};

/// A pod: (service index, pod id).
pub type PodKey = (usize, u64);
/// A node's id, unique within a [`Cluster`] (never reused).
pub type NodeId = u64;

pub const MIB: i64 = 1 << 20;
pub const GIB: i64 = 1 << 30;

/// EC2 Spot Instance interruption notice: two minutes.
pub const AWS_SPOT_NOTICE_MS: TimeMs = 120_000;
/// Compute Engine Spot VMs: 30 s between the preemption notice (ACPI G2 Soft Off) and the stop.
pub const GCP_SPOT_NOTICE_MS: TimeMs = 30_000;

/// How a pool's instances are bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityType {
    OnDemand,
    Spot,
}

/// One node pool (an EKS managed node group / ASG, a GKE node pool / MIG): one instance type.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSpec {
    pub name: String,
    pub instance_type: String,
    /// Node allocatable (capacity − kube/system reserved − eviction threshold); see
    /// [`eks_allocatable`] and [`gke_allocatable`].
    pub allocatable_cpu_milli: i64,
    pub allocatable_memory_bytes: i64,
    /// Pods a node holds (kubelet `--max-pods`, 110 by default; on EKS the ENI limit, see
    /// [`eks_max_pods`]), net of DaemonSet pods.
    pub max_pods: u32,
    /// Requests of the DaemonSet pods every node runs (kube-proxy, CNI, log agent…). They use
    /// allocatable and count in the utilisation, as CA counts them by default
    /// (`--ignore-daemonsets-utilization=false`).
    pub daemonset_cpu_milli: i64,
    pub daemonset_memory_bytes: i64,
    /// Size limits of the node group. The cluster starts with `min_nodes` Ready nodes.
    pub min_nodes: u32,
    pub max_nodes: u32,
    pub capacity: CapacityType,
    /// Interruptions per node per day while Ready (spot pools only).
    pub spot_interruptions_per_node_day: f64,
    /// Notice before an interrupted node is gone ([`AWS_SPOT_NOTICE_MS`], [`GCP_SPOT_NOTICE_MS`]).
    pub spot_notice_ms: TimeMs,
    /// From CA's request to the node being Ready for pods.
    pub provisioning_delay_ms: TimeMs,
    /// Tainted NoSchedule: only pods whose placement names the pool
    /// ([`Cluster::set_placement`]) go there.
    pub dedicated: bool,
}

impl Default for PoolSpec {
    /// Sizes and limits are zero and must be set. `max_pods` is the kubelet default (110), the
    /// notice is AWS's two minutes, and provisioning takes three minutes: the CA FAQ ("How fast
    /// is HPA when combined with CA?") says 3 to 4 minutes from CA's request to schedulable on GCE.
    fn default() -> Self {
        PoolSpec {
            name: String::new(),
            instance_type: String::new(),
            allocatable_cpu_milli: 0,
            allocatable_memory_bytes: 0,
            max_pods: 110,
            daemonset_cpu_milli: 0,
            daemonset_memory_bytes: 0,
            min_nodes: 0,
            max_nodes: 0,
            capacity: CapacityType::OnDemand,
            spot_interruptions_per_node_day: 0.0,
            spot_notice_ms: AWS_SPOT_NOTICE_MS,
            provisioning_delay_ms: 180_000,
            dedicated: false,
        }
    }
}

impl PoolSpec {
    /// CPU, memory and pod slots a fresh node offers to pods (allocatable − DaemonSets).
    fn template_free(&self) -> Free {
        Free {
            cpu: self.allocatable_cpu_milli - self.daemonset_cpu_milli,
            mem: self.allocatable_memory_bytes - self.daemonset_memory_bytes,
            slots: self.max_pods,
        }
    }

    /// Why this pool cannot be simulated, if it cannot.
    pub fn validate(&self, autoscaler: &AutoscalerSpec) -> Result<(), String> {
        let name = &self.name;
        if self.allocatable_cpu_milli <= 0 || self.allocatable_memory_bytes <= 0 {
            return Err(format!(
                "pool {name}: allocatable CPU and memory must be positive"
            ));
        }
        if self.daemonset_cpu_milli < 0
            || self.daemonset_memory_bytes < 0
            || self.daemonset_cpu_milli >= self.allocatable_cpu_milli
            || self.daemonset_memory_bytes >= self.allocatable_memory_bytes
        {
            return Err(format!(
                "pool {name}: DaemonSet requests must be ≥ 0 and below the node's allocatable"
            ));
        }
        if self.max_pods == 0 {
            return Err(format!("pool {name}: max_pods must be at least 1"));
        }
        if self.min_nodes > self.max_nodes {
            return Err(format!(
                "pool {name}: min_nodes {} is above max_nodes {}",
                self.min_nodes, self.max_nodes
            ));
        }
        if !(self.spot_interruptions_per_node_day >= 0.0
            && self.spot_interruptions_per_node_day.is_finite())
        {
            return Err(format!(
                "pool {name}: spot interruptions per node-day must be a finite number ≥ 0"
            ));
        }
        if self.spot_notice_ms < 0 || self.provisioning_delay_ms < 0 {
            return Err(format!("pool {name}: delays must be ≥ 0"));
        }
        if self.provisioning_delay_ms > autoscaler.max_node_provision_time_ms {
            return Err(format!(
                "pool {name}: provisioning takes {} ms, longer than --max-node-provision-time \
                 ({} ms): Cluster Autoscaler would give every new node up",
                self.provisioning_delay_ms, autoscaler.max_node_provision_time_ms
            ));
        }
        Ok(())
    }
}

/// How CA picks the pool to grow when several could help (`--expander`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expander {
    /// `least-waste`: least idle CPU + memory fraction after scale-up (CA's default). Ties random.
    LeastWaste,
    /// `random`: any pool that helps.
    Random,
    /// `most-pods`: the pool that schedules the most pending pods. Ties random.
    MostPods,
    /// `priority`, with pool order as the priority list: the first pool that helps.
    Priority,
}

/// Cluster Autoscaler flags, with its defaults. Sources: `kubernetes/autoscaler`
/// `cluster-autoscaler/config/flags/flags.go` (@01ea19e5) and `config/const.go`, and the FAQ.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerSpec {
    /// `--scan-interval` (10 s): how often the cluster is reevaluated for scale up or down.
    pub scan_interval_ms: TimeMs,
    /// `--scale-down-enabled` (true).
    pub scale_down_enabled: bool,
    /// `--scale-down-utilization-threshold` (0.5): a node is a scale-down candidate when
    /// max(Σ CPU requests / allocatable CPU, Σ memory requests / allocatable memory) is below this.
    pub scale_down_utilization_threshold: f64,
    /// `--scale-down-unneeded-time` (10 min): how long a node must be unneeded before removal.
    pub scale_down_unneeded_time_ms: TimeMs,
    /// `--scale-down-delay-after-add` (10 min): no scale-down this long after a scale-up.
    pub scale_down_delay_after_add_ms: TimeMs,
    /// `--scale-down-delay-after-delete` (0 in flags.go; the FAQ says "defaults to
    /// scan-interval", which is the same: the next loop may delete again).
    pub scale_down_delay_after_delete_ms: TimeMs,
    /// `--max-scale-down-parallelism` (10): nodes deleted per loop, empty or not (it replaced
    /// `--max-empty-bulk-delete`, also 10).
    pub max_scale_down_parallelism: u32,
    /// `--max-drain-parallelism` (1): non-empty nodes drained per loop ("CA terminates one
    /// non-empty node at a time", FAQ).
    pub max_drain_parallelism: u32,
    /// `--max-node-provision-time` (15 min): CA gives up on nodes not ready by then. Only checked
    /// by [`PoolSpec::validate`]: a pool's provisioning delay must not exceed it.
    pub max_node_provision_time_ms: TimeMs,
    /// `--max-nodes-per-scaleup` (1000).
    pub max_nodes_per_scale_up: u32,
    /// `--expander` (least-waste; remaining ties are broken randomly).
    pub expander: Expander,
}

impl Default for AutoscalerSpec {
    fn default() -> Self {
        AutoscalerSpec {
            scan_interval_ms: 10_000,
            scale_down_enabled: true,
            scale_down_utilization_threshold: 0.5,
            scale_down_unneeded_time_ms: 600_000,
            scale_down_delay_after_add_ms: 600_000,
            scale_down_delay_after_delete_ms: 0,
            max_scale_down_parallelism: 10,
            max_drain_parallelism: 1,
            max_node_provision_time_ms: 900_000,
            max_nodes_per_scale_up: 1000,
            expander: Expander::LeastWaste,
        }
    }
}

impl AutoscalerSpec {
    pub fn validate(&self) -> Result<(), String> {
        if self.scan_interval_ms <= 0 {
            return Err("cluster autoscaler: scan interval must be positive".into());
        }
        if !(0.0..=1.0).contains(&self.scale_down_utilization_threshold) {
            return Err(
                "cluster autoscaler: scale-down utilization threshold must be in [0, 1]".into(),
            );
        }
        if self.scale_down_unneeded_time_ms < 0
            || self.scale_down_delay_after_add_ms < 0
            || self.scale_down_delay_after_delete_ms < 0
            || self.max_node_provision_time_ms < 0
        {
            return Err("cluster autoscaler: delays must be ≥ 0".into());
        }
        if self.max_nodes_per_scale_up == 0 {
            return Err("cluster autoscaler: max nodes per scale-up must be at least 1".into());
        }
        Ok(())
    }
}

/// Check a whole cluster configuration (what [`Cluster::new`] asserts).
pub fn validate(pools: &[PoolSpec], autoscaler: &AutoscalerSpec) -> Result<(), String> {
    autoscaler.validate()?;
    pools.iter().try_for_each(|p| p.validate(autoscaler))
}

/// Where a node is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Requested from the cloud, not yet Ready (billed: the instance is being booted).
    Provisioning,
    /// Schedulable.
    Ready,
    /// Spot notice received: cordoned and drained, gone when the notice runs out.
    Interrupting,
}

/// What the world must do after a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterAction {
    /// A node was requested; call [`Cluster::node_ready`] at `ready_at_ms`.
    NodeProvisioning {
        node: NodeId,
        pool: usize,
        ready_at_ms: TimeMs,
    },
    /// Spot notice: call [`Cluster::node_interrupted`] at `at_ms`. The pods listed are evicted now
    /// and forgotten by the cluster: end them and reschedule (new pods via [`Cluster::add_pending`]).
    SpotNotice {
        node: NodeId,
        at_ms: TimeMs,
        evicted: Vec<PodKey>,
    },
    /// Scale-down: the node is gone now. Its pods are evicted and forgotten, as for a notice.
    NodeRemoved { node: NodeId, evicted: Vec<PodKey> },
    /// A pending pod was bound to a node: start it (image pull, container start) now.
    PodBound { pod: PodKey, node: NodeId },
}

/// Nodes of one pool by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolCounts {
    pub ready: u32,
    pub provisioning: u32,
    pub interrupting: u32,
}

impl PoolCounts {
    /// Every node that exists (and is billed): the node group's size.
    pub fn total(&self) -> u32 {
        self.ready + self.provisioning + self.interrupting
    }

    fn get_mut(&mut self, state: NodeState) -> &mut u32 {
        match state {
            NodeState::Provisioning => &mut self.provisioning,
            NodeState::Ready => &mut self.ready,
            NodeState::Interrupting => &mut self.interrupting,
        }
    }
}

/// A read-only view of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeView {
    pub id: NodeId,
    pub pool: usize,
    pub state: NodeState,
    /// Requests on the node, DaemonSets included.
    pub cpu_requested_milli: i64,
    pub memory_requested_bytes: i64,
    pub pods: usize,
}

#[derive(Debug, Clone, Copy)]
struct Free {
    cpu: i64,
    mem: i64,
    slots: u32,
}

impl Free {
    fn fits(&self, cpu: i64, mem: i64) -> bool {
        cpu <= self.cpu && mem <= self.mem && self.slots > 0
    }

    fn take(&mut self, cpu: i64, mem: i64) {
        self.cpu -= cpu;
        self.mem -= mem;
        self.slots -= 1;
    }

    fn give(&mut self, cpu: i64, mem: i64) {
        self.cpu += cpu;
        self.mem += mem;
        self.slots += 1;
    }
}

#[derive(Debug, Clone)]
struct Node {
    id: NodeId,
    pool: usize,
    state: NodeState,
    /// Requests on the node, DaemonSets included.
    cpu_used: i64,
    mem_used: i64,
    /// Bound pods with their (CPU, memory) requests, in binding order.
    pods: Vec<(PodKey, i64, i64)>,
    /// When the spot notice comes (`TimeMs::MAX`: never).
    spot_notice_at_ms: TimeMs,
}

#[derive(Debug, Clone, Copy)]
struct PodRec {
    cpu: i64,
    mem: i64,
    node: Option<NodeId>,
}

#[derive(Debug, Clone, Copy)]
struct Unneeded {
    node: NodeId,
    since_ms: TimeMs,
    empty: bool,
}

#[derive(Debug, Clone, Copy)]
struct ScaleUpOption {
    pool: usize,
    nodes: u32,
    pods: u32,
    cpu: i64,
    mem: i64,
}

/// Per-pool running integral of node-milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct NodeTime {
    node_ms: i64,
    counted_at_ms: TimeMs,
}

const SIM_REMOVED: u8 = 1;
const SIM_RECEIVED: u8 = 2;
const SIM_QUEUED: u8 = 4;

/// Buffers reused by every scan, so a scan allocates nothing in the steady state.
#[derive(Debug, Default)]
struct Scratch {
    free: Vec<Free>,
    flags: Vec<u8>,
    budget: Vec<u32>,
    order: Vec<usize>,
    undo: Vec<(usize, i64, i64)>,
    prev: Vec<Unneeded>,
    upcoming: Vec<(usize, Free)>,
    bins: Vec<Free>,
    /// Pending pods no upcoming node takes: (CPU, memory, instance).
    remaining: Vec<(i64, i64, usize)>,
    options: Vec<ScaleUpOption>,
    ties: Vec<usize>,
}

/// The nodes of one cluster, the pods bound to them, and its Cluster Autoscaler.
#[derive(Debug)]
pub struct Cluster {
    pools: Vec<PoolSpec>,
    spec: AutoscalerSpec,
    counts: Vec<PoolCounts>,
    node_time: Vec<NodeTime>,
    /// Sorted by (pool, id): the scheduler's and the simulations' node order.
    nodes: Vec<Node>,
    next_node_id: NodeId,
    pods: HashMap<PodKey, PodRec>,
    /// Pending pods with their requests, oldest first.
    pending: Vec<(PodKey, i64, i64)>,
    /// Per instance (`PodKey.0`) that names its pools: which pools its pods may use.
    placement: HashMap<usize, Vec<bool>>,
    /// The pools of every other pod: those not dedicated.
    open_pools: Vec<bool>,
    spot_rng: SimRng,
    expander_rng: SimRng,
    /// Bumped by every change of nodes or pods; lets a scan skip work when nothing changed.
    generation: u64,
    /// The generation at which scale-up last found nothing to do.
    scale_up_idle_at: Option<u64>,
    /// The generation `unneeded` was computed at.
    unneeded_at: Option<u64>,
    unneeded: Vec<Unneeded>,
    last_scale_up_ms: TimeMs,
    last_scale_down_delete_ms: TimeMs,
    /// No spot notice is due before this.
    next_spot_ms: TimeMs,
    scratch: Scratch,
}

impl Cluster {
    /// A cluster at t = 0 with `min_nodes` Ready nodes per pool. `rng` drives spot interruptions;
    /// the expander's tie-breaks use a generator seeded from its first draw.
    ///
    /// # Panics
    /// If [`validate`] rejects the configuration.
    pub fn new(pools: Vec<PoolSpec>, autoscaler: AutoscalerSpec, mut rng: SimRng) -> Cluster {
        if let Err(e) = validate(&pools, &autoscaler) {
            panic!("invalid node pools: {e}");
        }
        let expander_rng = SimRng::seed_from_u64(rng.random::<u64>());
        let n = pools.len();
        let open_pools = pools.iter().map(|p| !p.dedicated).collect();
        let mut c = Cluster {
            pools,
            spec: autoscaler,
            counts: vec![PoolCounts::default(); n],
            node_time: vec![NodeTime::default(); n],
            nodes: Vec::new(),
            next_node_id: 1,
            pods: HashMap::new(),
            pending: Vec::new(),
            placement: HashMap::new(),
            open_pools,
            spot_rng: rng,
            expander_rng,
            generation: 0,
            scale_up_idle_at: None,
            unneeded_at: None,
            unneeded: Vec::new(),
            // CA starts with both set to its start time (`initialScaleTime`).
            last_scale_up_ms: 0,
            last_scale_down_delete_ms: 0,
            next_spot_ms: TimeMs::MAX,
            scratch: Scratch::default(),
        };
        for p in 0..n {
            for _ in 0..c.pools[p].min_nodes {
                c.add_node(p, NodeState::Ready, 0);
            }
        }
        c
    }

    /// The pods of `instance` may use only the pools marked in `allowed` (indexed like
    /// [`Cluster::pools`]) — a nodeSelector with the tolerations of those pools' taints — in
    /// scheduling, scale-up and scale-down alike. Call before the instance's first pod.
    pub fn set_placement(&mut self, instance: usize, allowed: Vec<bool>) {
        debug_assert_eq!(allowed.len(), self.pools.len());
        self.placement.insert(instance, allowed);
    }

    /// The pools the pods of `instance` may use.
    pub fn allowed_pools(&self, instance: usize) -> &[bool] {
        self.placement.get(&instance).unwrap_or(&self.open_pools)
    }

    /// At t = 0, before the run: bind the pods that exist from the start, adding Ready nodes
    /// (chosen as a scale-up would, up to `max_nodes`) until they all fit or no pool can help.
    /// Returns a `PodBound` for every pod placed; the others are Pending.
    pub fn ensure_initial_capacity(&mut self, pods: &[(PodKey, i64, i64)]) -> Vec<ClusterAction> {
        let mut out = Vec::with_capacity(pods.len());
        for &(key, cpu, mem) in pods {
            self.add_pending(key, cpu, mem, 0, &mut out);
        }
        while !self.pending.is_empty() {
            let Some((pool, n)) = self.plan_scale_up() else {
                break;
            };
            for _ in 0..n {
                self.add_node(pool, NodeState::Ready, 0);
            }
            self.bind_pending(&mut out);
        }
        out
    }

    /// A new pod asks for a node: it binds at once to the first node that fits (pool order, then
    /// node order), else it is Pending until capacity frees up or a node becomes Ready.
    pub fn add_pending(
        &mut self,
        pod: PodKey,
        cpu_milli: i64,
        mem_bytes: i64,
        _now_ms: TimeMs,
        out: &mut Vec<ClusterAction>,
    ) {
        debug_assert!(!self.pods.contains_key(&pod), "pod {pod:?} added twice");
        if self.pods.contains_key(&pod) {
            return;
        }
        self.generation += 1;
        self.pods.insert(
            pod,
            PodRec {
                cpu: cpu_milli,
                mem: mem_bytes,
                node: None,
            },
        );
        match self.first_fit(pod.0, cpu_milli, mem_bytes) {
            Some(idx) => {
                let node = self.bind(idx, pod, cpu_milli, mem_bytes);
                out.push(ClusterAction::PodBound { pod, node });
            }
            None => self.pending.push((pod, cpu_milli, mem_bytes)),
        }
    }

    /// The pod is gone (its termination finished) or was deleted while Pending: its requests are
    /// freed, then pending pods are retried. Unknown pods (e.g. already evicted) are ignored.
    pub fn remove_pod(&mut self, pod: PodKey, _now_ms: TimeMs, out: &mut Vec<ClusterAction>) {
        let Some(rec) = self.pods.remove(&pod) else {
            return;
        };
        self.generation += 1;
        match rec.node {
            None => {
                if let Some(i) = self.pending.iter().position(|p| p.0 == pod) {
                    self.pending.remove(i);
                }
            }
            Some(id) => {
                if let Some(idx) = self.node_idx(id) {
                    let n = &mut self.nodes[idx];
                    if let Some(i) = n.pods.iter().position(|p| p.0 == pod) {
                        n.pods.remove(i);
                        n.cpu_used -= rec.cpu;
                        n.mem_used -= rec.mem;
                    }
                }
                self.bind_pending(out);
            }
        }
    }

    /// A provisioned node registered and is Ready: pending pods are bound. Unknown or already
    /// Ready nodes are ignored.
    pub fn node_ready(&mut self, node: NodeId, now_ms: TimeMs, out: &mut Vec<ClusterAction>) {
        let Some(idx) = self.node_idx(node) else {
            return;
        };
        if self.nodes[idx].state != NodeState::Provisioning {
            return;
        }
        self.set_state(idx, NodeState::Ready, now_ms);
        let at = self.draw_spot_notice(self.nodes[idx].pool, now_ms);
        self.nodes[idx].spot_notice_at_ms = at;
        self.next_spot_ms = self.next_spot_ms.min(at);
        self.bind_pending(out);
    }

    /// The spot notice ran out: the node is gone. Its node group keeps its target size, so the
    /// cloud starts a replacement (a `NodeProvisioning`). Ignored unless the node is under notice.
    pub fn node_interrupted(&mut self, node: NodeId, now_ms: TimeMs, out: &mut Vec<ClusterAction>) {
        let Some(idx) = self.node_idx(node) else {
            return;
        };
        if self.nodes[idx].state != NodeState::Interrupting {
            return;
        }
        let pool = self.nodes[idx].pool;
        let gone = self.remove_node_at(idx, now_ms);
        debug_assert!(gone.is_empty(), "a node under notice has no pods");
        let id = self.add_node(pool, NodeState::Provisioning, now_ms);
        out.push(ClusterAction::NodeProvisioning {
            node: id,
            pool,
            ready_at_ms: now_ms + self.pools[pool].provisioning_delay_ms,
        });
    }

    /// One Cluster Autoscaler loop; call every `scan_interval_ms`. First the spot notices that
    /// are due, then scale-up for pending pods; if it scaled up, nothing else (as CA), otherwise
    /// scale-down. Cheap when nothing changed since the last call.
    pub fn autoscaler_scan(&mut self, now_ms: TimeMs, out: &mut Vec<ClusterAction>) {
        if self.next_spot_ms <= now_ms {
            self.deliver_spot_notices(now_ms, out);
        }
        if !self.pending.is_empty() && self.scale_up_idle_at != Some(self.generation) {
            if let Some((pool, n)) = self.plan_scale_up() {
                for _ in 0..n {
                    let id = self.add_node(pool, NodeState::Provisioning, now_ms);
                    out.push(ClusterAction::NodeProvisioning {
                        node: id,
                        pool,
                        ready_at_ms: now_ms + self.pools[pool].provisioning_delay_ms,
                    });
                }
                self.last_scale_up_ms = now_ms;
                return;
            }
            self.scale_up_idle_at = Some(self.generation);
        }
        if !self.spec.scale_down_enabled {
            return;
        }
        if self.unneeded_at != Some(self.generation) {
            self.find_unneeded(now_ms);
            self.unneeded_at = Some(self.generation);
        }
        if !self.unneeded.is_empty() {
            self.scale_down(now_ms, out);
        }
    }

    /// Pods waiting for a node.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    pub fn is_pending(&self, pod: PodKey) -> bool {
        self.pods.get(&pod).is_some_and(|p| p.node.is_none())
    }

    /// The node a pod is bound to.
    pub fn node_of(&self, pod: PodKey) -> Option<NodeId> {
        self.pods.get(&pod).and_then(|p| p.node)
    }

    pub fn pools(&self) -> &[PoolSpec] {
        &self.pools
    }

    pub fn autoscaler(&self) -> &AutoscalerSpec {
        &self.spec
    }

    /// How often to call [`Cluster::autoscaler_scan`] (`--scan-interval`).
    pub fn scan_interval_ms(&self) -> TimeMs {
        self.spec.scan_interval_ms
    }

    /// The pool of a node that still exists.
    pub fn pool_of(&self, node: NodeId) -> Option<usize> {
        self.node_idx(node).map(|i| self.nodes[i].pool)
    }

    /// Nodes per pool by state, indexed like [`Cluster::pools`]. Kept up to date; no allocation.
    pub fn pool_counts(&self) -> &[PoolCounts] {
        &self.counts
    }

    /// Node-milliseconds of `pool` from t = 0 to `now_ms`: every node counts from its request to
    /// its removal (provisioning and notice time included, as the instance is billed then).
    /// Node-hours = this / 3 600 000. `now_ms` must not be before the last call that changed nodes.
    pub fn pool_node_ms(&self, pool: usize, now_ms: TimeMs) -> i64 {
        let t = self.node_time[pool];
        t.node_ms + i64::from(self.counts[pool].total()) * (now_ms - t.counted_at_ms).max(0)
    }

    /// Every node, in scheduling order (pool, then age).
    pub fn nodes(&self) -> impl Iterator<Item = NodeView> + '_ {
        self.nodes.iter().map(|n| NodeView {
            id: n.id,
            pool: n.pool,
            state: n.state,
            cpu_requested_milli: n.cpu_used,
            memory_requested_bytes: n.mem_used,
            pods: n.pods.len(),
        })
    }

    pub fn node(&self, node: NodeId) -> Option<NodeView> {
        self.node_idx(node).and_then(|i| self.nodes().nth(i))
    }

    /// A counter that moves whenever a pod or node changes (binding, removal, state): equal
    /// generations mean the same bindings.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Every pod bound to a node, with the node's pool (local index), in node order. Read-only:
    /// the cost allocation counts pods per pool and service with it.
    pub fn bound_pods(&self) -> impl Iterator<Item = (usize, PodKey)> + '_ {
        self.nodes
            .iter()
            .flat_map(|n| n.pods.iter().map(move |p| (n.pool, p.0)))
    }

    /// The pods bound to a node, in binding order.
    pub fn pods_on(&self, node: NodeId) -> impl Iterator<Item = PodKey> + '_ {
        self.node_idx(node)
            .map_or(&[][..], |i| &self.nodes[i].pods[..])
            .iter()
            .map(|p| p.0)
    }

    // ---- internals ----

    fn node_idx(&self, id: NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    fn free_of(&self, n: &Node) -> Free {
        let p = &self.pools[n.pool];
        Free {
            cpu: p.allocatable_cpu_milli - n.cpu_used,
            mem: p.allocatable_memory_bytes - n.mem_used,
            slots: p.max_pods.saturating_sub(n.pods.len() as u32),
        }
    }

    /// The first Ready node (pool order, node order) of a pool the instance may use with room
    /// for the requests.
    fn first_fit(&self, instance: usize, cpu: i64, mem: i64) -> Option<usize> {
        let allowed = self.allowed_pools(instance);
        self.nodes.iter().position(|n| {
            n.state == NodeState::Ready && allowed[n.pool] && self.free_of(n).fits(cpu, mem)
        })
    }

    fn bind(&mut self, idx: usize, pod: PodKey, cpu: i64, mem: i64) -> NodeId {
        self.generation += 1;
        let n = &mut self.nodes[idx];
        n.cpu_used += cpu;
        n.mem_used += mem;
        n.pods.push((pod, cpu, mem));
        if let Some(rec) = self.pods.get_mut(&pod) {
            rec.node = Some(n.id);
        }
        n.id
    }

    /// The scheduler's retry: pending pods, oldest first, each to the first node that fits.
    fn bind_pending(&mut self, out: &mut Vec<ClusterAction>) {
        let mut kept = 0;
        for i in 0..self.pending.len() {
            let (pod, cpu, mem) = self.pending[i];
            match self.first_fit(pod.0, cpu, mem) {
                Some(idx) => {
                    let node = self.bind(idx, pod, cpu, mem);
                    out.push(ClusterAction::PodBound { pod, node });
                }
                None => {
                    self.pending[kept] = self.pending[i];
                    kept += 1;
                }
            }
        }
        self.pending.truncate(kept);
    }

    /// Bring the pool's node-time integral up to `now` before its node count changes.
    fn touch_pool(&mut self, pool: usize, now: TimeMs) {
        let total = i64::from(self.counts[pool].total());
        let t = &mut self.node_time[pool];
        t.node_ms += total * (now - t.counted_at_ms).max(0);
        t.counted_at_ms = t.counted_at_ms.max(now);
    }

    fn add_node(&mut self, pool: usize, state: NodeState, now: TimeMs) -> NodeId {
        self.touch_pool(pool, now);
        self.generation += 1;
        let id = self.next_node_id;
        self.next_node_id += 1;
        let spot_notice_at_ms = if state == NodeState::Ready {
            self.draw_spot_notice(pool, now)
        } else {
            TimeMs::MAX
        };
        self.next_spot_ms = self.next_spot_ms.min(spot_notice_at_ms);
        let p = &self.pools[pool];
        let node = Node {
            id,
            pool,
            state,
            cpu_used: p.daemonset_cpu_milli,
            mem_used: p.daemonset_memory_bytes,
            pods: Vec::new(),
            spot_notice_at_ms,
        };
        let pos = self.nodes.partition_point(|n| n.pool <= pool);
        self.nodes.insert(pos, node);
        *self.counts[pool].get_mut(state) += 1;
        id
    }

    fn set_state(&mut self, idx: usize, state: NodeState, now: TimeMs) {
        let pool = self.nodes[idx].pool;
        self.touch_pool(pool, now);
        self.generation += 1;
        *self.counts[pool].get_mut(self.nodes[idx].state) -= 1;
        *self.counts[pool].get_mut(state) += 1;
        self.nodes[idx].state = state;
    }

    /// Remove the node; its pods are evicted and forgotten. Returns them.
    fn remove_node_at(&mut self, idx: usize, now: TimeMs) -> Vec<PodKey> {
        let pool = self.nodes[idx].pool;
        self.touch_pool(pool, now);
        self.generation += 1;
        let node = self.nodes.remove(idx);
        *self.counts[pool].get_mut(node.state) -= 1;
        node.pods
            .into_iter()
            .map(|(pod, _, _)| {
                self.pods.remove(&pod);
                pod
            })
            .collect()
    }

    /// When a spot node that is Ready from `from` gets its notice: an exponential waiting time
    /// with the pool's rate (a Poisson process per node). `TimeMs::MAX` for on-demand pools.
    fn draw_spot_notice(&mut self, pool: usize, from: TimeMs) -> TimeMs {
        let p = &self.pools[pool];
        let rate = p.spot_interruptions_per_node_day;
        if p.capacity != CapacityType::Spot || rate <= 0.0 {
            return TimeMs::MAX;
        }
        let u: f64 = self.spot_rng.random();
        let wait_ms = -(1.0 - u).ln() / rate * DAY_MS as f64;
        // `as` saturates: a wait beyond i64 is "never".
        from.saturating_add(wait_ms as TimeMs)
    }

    fn deliver_spot_notices(&mut self, now: TimeMs, out: &mut Vec<ClusterAction>) {
        let mut next = TimeMs::MAX;
        for idx in 0..self.nodes.len() {
            if self.nodes[idx].state != NodeState::Ready {
                continue;
            }
            let at = self.nodes[idx].spot_notice_at_ms;
            if at > now {
                next = next.min(at);
                continue;
            }
            self.set_state(idx, NodeState::Interrupting, now);
            let pool = self.nodes[idx].pool;
            let n = &mut self.nodes[idx];
            n.spot_notice_at_ms = TimeMs::MAX;
            n.cpu_used = self.pools[pool].daemonset_cpu_milli;
            n.mem_used = self.pools[pool].daemonset_memory_bytes;
            let evicted: Vec<PodKey> = n.pods.drain(..).map(|p| p.0).collect();
            for pod in &evicted {
                self.pods.remove(pod);
            }
            out.push(ClusterAction::SpotNotice {
                node: n.id,
                at_ms: now + self.pools[pool].spot_notice_ms,
                evicted,
            });
        }
        self.next_spot_ms = next;
    }

    /// CA's scale-up decision for the current pending pods: (pool, nodes to add), or None.
    fn plan_scale_up(&mut self) -> Option<(usize, u32)> {
        let mut s = std::mem::take(&mut self.scratch);
        // Pods that will fit on nodes already coming up wait for them (CA counts upcoming nodes).
        s.upcoming.clear();
        for n in &self.nodes {
            if n.state == NodeState::Provisioning {
                s.upcoming
                    .push((n.pool, self.pools[n.pool].template_free()));
            }
        }
        s.remaining.clear();
        for &(pod, cpu, mem) in &self.pending {
            let allowed = self.allowed_pools(pod.0);
            match s
                .upcoming
                .iter_mut()
                .find(|(p, f)| allowed[*p] && f.fits(cpu, mem))
            {
                Some((_, f)) => f.take(cpu, mem),
                None => s.remaining.push((cpu, mem, pod.0)),
            }
        }
        s.options.clear();
        if !s.remaining.is_empty() {
            for (p, pool) in self.pools.iter().enumerate() {
                let total = self.counts[p].total();
                if total >= pool.max_nodes {
                    continue;
                }
                let limit = (pool.max_nodes - total).min(self.spec.max_nodes_per_scale_up) as usize;
                let template = pool.template_free();
                // CA's binpacking estimator: pods that fit a fresh node, largest first
                // (score = cpu/allocatable cpu + mem/allocatable mem), first fit over new nodes.
                s.order.clear();
                s.order.extend((0..s.remaining.len()).filter(|&i| {
                    let (cpu, mem, inst) = s.remaining[i];
                    self.allowed_pools(inst)[p] && template.fits(cpu, mem)
                }));
                if s.order.is_empty() {
                    continue;
                }
                let (ac, am) = (
                    pool.allocatable_cpu_milli as f64,
                    pool.allocatable_memory_bytes as f64,
                );
                let score = |r: (i64, i64, usize)| r.0 as f64 / ac + r.1 as f64 / am;
                let rem = &s.remaining;
                s.order
                    .sort_by(|&a, &b| score(rem[b]).total_cmp(&score(rem[a])));
                s.bins.clear();
                let mut opt = ScaleUpOption {
                    pool: p,
                    nodes: 0,
                    pods: 0,
                    cpu: 0,
                    mem: 0,
                };
                for &i in &s.order {
                    let (cpu, mem, _) = s.remaining[i];
                    let bin = match s.bins.iter().position(|b| b.fits(cpu, mem)) {
                        Some(b) => b,
                        None if s.bins.len() < limit => {
                            s.bins.push(template);
                            s.bins.len() - 1
                        }
                        None => break,
                    };
                    s.bins[bin].take(cpu, mem);
                    opt.pods += 1;
                    opt.cpu += cpu;
                    opt.mem += mem;
                }
                opt.nodes = s.bins.len() as u32;
                if opt.nodes > 0 {
                    s.options.push(opt);
                }
            }
        }
        let choice = self.expand(&mut s);
        self.scratch = s;
        choice
    }

    /// The expander: which of the scale-up options to take.
    fn expand(&mut self, s: &mut Scratch) -> Option<(usize, u32)> {
        if s.options.is_empty() {
            return None;
        }
        s.ties.clear();
        match self.spec.expander {
            Expander::Priority => s.ties.push(0),
            Expander::Random => s.ties.extend(0..s.options.len()),
            Expander::MostPods => {
                let best = s.options.iter().map(|o| o.pods).max().unwrap_or(0);
                s.ties
                    .extend((0..s.options.len()).filter(|&i| s.options[i].pods == best));
            }
            Expander::LeastWaste => {
                // expander/waste/waste.go: (avail − requested) / avail for CPU plus the same for
                // memory, avail = node resources × node count. CA reads node capacity; we have
                // allocatable.
                let waste = |o: &ScaleUpOption| {
                    let pool = &self.pools[o.pool];
                    let ac = pool.allocatable_cpu_milli * i64::from(o.nodes);
                    let am = pool.allocatable_memory_bytes * i64::from(o.nodes);
                    (ac - o.cpu) as f64 / ac as f64 + (am - o.mem) as f64 / am as f64
                };
                let best = s.options.iter().map(waste).fold(f64::INFINITY, f64::min);
                s.ties
                    .extend((0..s.options.len()).filter(|&i| waste(&s.options[i]) == best));
            }
        }
        let pick = if s.ties.len() > 1 {
            s.ties[self.expander_rng.random_range(0..s.ties.len() as u32) as usize]
        } else {
            s.ties[0]
        };
        let o = s.options[pick];
        Some((o.pool, o.nodes))
    }

    fn utilization(&self, n: &Node) -> f64 {
        let p = &self.pools[n.pool];
        let cpu = n.cpu_used as f64 / p.allocatable_cpu_milli as f64;
        let mem = n.mem_used as f64 / p.allocatable_memory_bytes as f64;
        cpu.max(mem)
    }

    /// Recompute the unneeded nodes, keeping the `since` of nodes that stay unneeded. Candidates
    /// are Ready nodes below the threshold in pools above `min_nodes`, previously unneeded ones
    /// first; a candidate is unneeded when all its pods fit, first fit, on Ready nodes that are
    /// not themselves marked for removal. Its pods then occupy their destinations for the
    /// following candidates, and a node that received pods is not a candidate itself.
    fn find_unneeded(&mut self, now: TimeMs) {
        let mut s = std::mem::take(&mut self.scratch);
        s.prev.clear();
        s.prev.append(&mut self.unneeded);
        s.free.clear();
        s.flags.clear();
        for n in &self.nodes {
            s.free.push(self.free_of(n));
            s.flags.push(0);
        }
        s.budget.clear();
        s.budget.extend(
            self.pools
                .iter()
                .zip(&self.counts)
                .map(|(p, c)| c.total().saturating_sub(p.min_nodes)),
        );
        s.order.clear();
        for u in &s.prev {
            if let Some(i) = self.node_idx(u.node) {
                s.order.push(i);
                s.flags[i] |= SIM_QUEUED;
            }
        }
        for i in 0..self.nodes.len() {
            if s.flags[i] & SIM_QUEUED == 0 {
                s.order.push(i);
            }
        }
        let threshold = self.spec.scale_down_utilization_threshold;
        for &idx in &s.order {
            let node = &self.nodes[idx];
            if node.state != NodeState::Ready
                || s.flags[idx] & (SIM_REMOVED | SIM_RECEIVED) != 0
                || s.budget[node.pool] == 0
                || self.utilization(node) >= threshold
            {
                continue;
            }
            s.undo.clear();
            let mut fits = true;
            for &(pod, cpu, mem) in &node.pods {
                let allowed = self.allowed_pools(pod.0);
                let dest = (0..self.nodes.len()).find(|&j| {
                    j != idx
                        && allowed[self.nodes[j].pool]
                        && self.nodes[j].state == NodeState::Ready
                        && s.flags[j] & SIM_REMOVED == 0
                        && s.free[j].fits(cpu, mem)
                });
                match dest {
                    Some(j) => {
                        s.free[j].take(cpu, mem);
                        s.undo.push((j, cpu, mem));
                    }
                    None => {
                        fits = false;
                        break;
                    }
                }
            }
            if !fits {
                for &(j, cpu, mem) in &s.undo {
                    s.free[j].give(cpu, mem);
                }
                continue;
            }
            for &(j, _, _) in &s.undo {
                s.flags[j] |= SIM_RECEIVED;
            }
            s.flags[idx] |= SIM_REMOVED;
            s.budget[node.pool] -= 1;
            let since_ms = s
                .prev
                .iter()
                .find(|u| u.node == node.id)
                .map_or(now, |u| u.since_ms);
            self.unneeded.push(Unneeded {
                node: node.id,
                since_ms,
                empty: node.pods.is_empty(),
            });
        }
        self.scratch = s;
    }

    /// Delete the nodes unneeded for long enough, unless scale-down is cooling down.
    fn scale_down(&mut self, now: TimeMs, out: &mut Vec<ClusterAction>) {
        let spec = &self.spec;
        if now < self.last_scale_up_ms + spec.scale_down_delay_after_add_ms
            || now < self.last_scale_down_delete_ms + spec.scale_down_delay_after_delete_ms
        {
            return;
        }
        let (unneeded_time, max_all, max_drain) = (
            spec.scale_down_unneeded_time_ms,
            spec.max_scale_down_parallelism,
            spec.max_drain_parallelism,
        );
        let mut s = std::mem::take(&mut self.scratch);
        s.budget.clear();
        s.budget.extend(
            self.pools
                .iter()
                .zip(&self.counts)
                .map(|(p, c)| c.total().saturating_sub(p.min_nodes)),
        );
        let (mut deleted, mut drained) = (0, 0);
        for k in 0..self.unneeded.len() {
            let u = self.unneeded[k];
            if now - u.since_ms < unneeded_time {
                continue;
            }
            if deleted >= max_all {
                break;
            }
            if !u.empty && drained >= max_drain {
                continue;
            }
            let Some(idx) = self.node_idx(u.node) else {
                continue;
            };
            let pool = self.nodes[idx].pool;
            if s.budget[pool] == 0 {
                continue;
            }
            s.budget[pool] -= 1;
            let evicted = self.remove_node_at(idx, now);
            out.push(ClusterAction::NodeRemoved {
                node: u.node,
                evicted,
            });
            deleted += 1;
            if !u.empty {
                drained += 1;
            }
        }
        if deleted > 0 {
            self.last_scale_down_delete_ms = now;
        }
        self.scratch = s;
    }
}

/// A scenario node pool as a [`PoolSpec`]: allocatable by the provider's formula
/// ([`eks_allocatable`] for `aws`, [`gke_allocatable`] for `gcp`) and the provider's spot notice.
pub fn pool_spec(p: &crate::scenario::platform::NodePoolCfg, provider: &str) -> PoolSpec {
    let mem = p.memory_bytes as i64;
    let ((cpu, mem), notice) = match provider {
        "gcp" => (gke_allocatable(p.vcpu, mem), GCP_SPOT_NOTICE_MS),
        _ => (eks_allocatable(p.vcpu, mem, p.max_pods), AWS_SPOT_NOTICE_MS),
    };
    PoolSpec {
        name: p.name.clone(),
        instance_type: p.instance_type.clone(),
        allocatable_cpu_milli: cpu,
        allocatable_memory_bytes: mem,
        max_pods: p.max_pods,
        min_nodes: p.min_nodes,
        max_nodes: p.max_nodes,
        capacity: if p.spot {
            CapacityType::Spot
        } else {
            CapacityType::OnDemand
        },
        spot_interruptions_per_node_day: p.spot_interruptions_per_node_day,
        spot_notice_ms: notice,
        provisioning_delay_ms: p.provisioning_delay_ms,
        dedicated: p.dedicated,
        ..PoolSpec::default()
    }
}

/// The scenario's autoscaler settings over CA's defaults.
pub fn autoscaler_spec(a: &crate::scenario::platform::AutoscalerCfg) -> AutoscalerSpec {
    AutoscalerSpec {
        scan_interval_ms: a.scan_interval_ms,
        scale_down_utilization_threshold: a.scale_down_utilization_threshold,
        scale_down_unneeded_time_ms: a.scale_down_unneeded_time_ms,
        scale_down_delay_after_add_ms: a.scale_down_delay_after_add_ms,
        ..AutoscalerSpec::default()
    }
}

/// Reserved CPU (millicores) for a node of `cpu_milli`: 6 % of the first core, 1 % of the second,
/// 0.5 % of cores 3–4, 0.25 % of the rest. Integer arithmetic per range as in the EKS AMI's
/// `get_cpu_millicores_to_reserve` (each range floors on its own).
fn reserved_cpu_milli(cpu_milli: i64) -> i64 {
    // (range start, range end, percent × 100)
    const RANGES: [(i64, i64, i64); 4] = [
        (0, 1_000, 600),
        (1_000, 2_000, 100),
        (2_000, 4_000, 50),
        (4_000, i64::MAX, 25),
    ];
    RANGES
        .iter()
        .filter(|&&(start, _, _)| cpu_milli > start)
        .map(|&(start, end, pct)| (cpu_milli.min(end) - start) * pct / 100 / 100)
        .sum()
}

fn cpu_milli_of(vcpu: f64) -> i64 {
    (vcpu * 1000.0).round() as i64
}

/// Kubelet's hard eviction threshold on EKS and GKE: `memory.available<100Mi`.
const EVICTION_HARD_MEMORY: i64 = 100 * MIB;

/// Node allocatable on the Amazon EKS optimized AMI: capacity − kubeReserved − evictionHard.
///
/// From `awslabs/amazon-eks-ami` `files/bootstrap.sh` (AL2) and `nodeadm/internal/kubelet/config.go`
/// (AL2023): kubeReserved CPU by the ranges of [`gke_allocatable`] (integer per range),
/// kubeReserved memory = 11 MiB × max pods + 255 MiB, `evictionHard memory.available 100Mi`, no
/// systemReserved. `max_pods` is the instance type's `eni-max-pods.txt` value ([`eks_max_pods`]).
/// Returns (CPU millicores, memory bytes). Pass the node's memory capacity: the kernel keeps a few
/// percent of the instance's nominal memory, so a real node reports less than the nominal size.
pub fn eks_allocatable(vcpu: f64, memory_bytes: i64, max_pods: u32) -> (i64, i64) {
    let cpu = cpu_milli_of(vcpu);
    let kube_reserved_mem = (11 * i64::from(max_pods) + 255) * MIB;
    (
        cpu - reserved_cpu_milli(cpu),
        memory_bytes - kube_reserved_mem - EVICTION_HARD_MEMORY,
    )
}

/// The EKS max-pods value for an instance type without prefix delegation: ENIs × (IPv4 addresses
/// per ENI − 1) + 2 (`eni-max-pods.txt`, `max-pods-calculator.sh` in `awslabs/amazon-eks-ami`;
/// m5.large: 3 × (10 − 1) + 2 = 29).
pub fn eks_max_pods(enis: u32, ipv4_per_eni: u32) -> u32 {
    enis * ipv4_per_eni.saturating_sub(1) + 2
}

/// Node allocatable on GKE Standard: capacity − reserved − 100 MiB eviction threshold, per
/// "Plan GKE Standard node sizes" › "Memory and CPU reservations"
/// (cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations).
///
/// Memory reserved: 255 MiB on machines with less than 1 GiB; otherwise 25 % of the first 4 GiB,
/// 20 % of the next 4 GiB, 10 % of the next 8 GiB, 6 % of the next 112 GiB, 2 % above 128 GiB.
/// CPU reserved: 6 % of the first core, 1 % of the next, 0.5 % of the next 2, 0.25 % above 4.
/// Returns (CPU millicores, memory bytes), each reservation floored to whole millicores/bytes.
pub fn gke_allocatable(vcpu: f64, memory_bytes: i64) -> (i64, i64) {
    let cpu = cpu_milli_of(vcpu);
    let reserved_mem = if memory_bytes < GIB {
        255 * MIB
    } else {
        // (tier start, tier end, percent)
        const TIERS: [(i64, i64, i64); 5] = [
            (0, 4 * GIB, 25),
            (4 * GIB, 8 * GIB, 20),
            (8 * GIB, 16 * GIB, 10),
            (16 * GIB, 128 * GIB, 6),
            (128 * GIB, i64::MAX, 2),
        ];
        TIERS
            .iter()
            .filter(|&&(start, _, _)| memory_bytes > start)
            .map(|&(start, end, pct)| {
                (i128::from(memory_bytes.min(end) - start) * i128::from(pct) / 100) as i64
            })
            .sum()
    };
    (
        cpu - reserved_cpu_milli(cpu),
        memory_bytes - reserved_mem - EVICTION_HARD_MEMORY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{HOUR_MS, MINUTE_MS, RngStreams};

    const DELAY: TimeMs = 3 * MINUTE_MS;

    /// A 2-core / 8 GiB pool.
    fn pool(name: &str, min: u32, max: u32) -> PoolSpec {
        PoolSpec {
            name: name.into(),
            instance_type: "m5.large".into(),
            allocatable_cpu_milli: 2000,
            allocatable_memory_bytes: 8 * GIB,
            min_nodes: min,
            max_nodes: max,
            provisioning_delay_ms: DELAY,
            ..PoolSpec::default()
        }
    }

    /// A 4-core / 16 GiB pool.
    fn big(name: &str, min: u32, max: u32) -> PoolSpec {
        PoolSpec {
            instance_type: "m5.xlarge".into(),
            allocatable_cpu_milli: 4000,
            allocatable_memory_bytes: 16 * GIB,
            ..pool(name, min, max)
        }
    }

    fn spot(name: &str, min: u32, max: u32, per_day: f64) -> PoolSpec {
        PoolSpec {
            capacity: CapacityType::Spot,
            spot_interruptions_per_node_day: per_day,
            ..pool(name, min, max)
        }
    }

    fn cluster(pools: Vec<PoolSpec>) -> Cluster {
        with(pools, Expander::LeastWaste, 7)
    }

    fn with(pools: Vec<PoolSpec>, expander: Expander, seed: u64) -> Cluster {
        let spec = AutoscalerSpec {
            expander,
            ..AutoscalerSpec::default()
        };
        Cluster::new(pools, spec, RngStreams::new(seed).stream("nodes"))
    }

    fn bound(out: &[ClusterAction]) -> Vec<(PodKey, NodeId)> {
        out.iter()
            .filter_map(|a| match a {
                ClusterAction::PodBound { pod, node } => Some((*pod, *node)),
                _ => None,
            })
            .collect()
    }

    fn provisioned(out: &[ClusterAction]) -> Vec<(NodeId, usize, TimeMs)> {
        out.iter()
            .filter_map(|a| match a {
                ClusterAction::NodeProvisioning {
                    node,
                    pool,
                    ready_at_ms,
                } => Some((*node, *pool, *ready_at_ms)),
                _ => None,
            })
            .collect()
    }

    fn removed(out: &[ClusterAction]) -> Vec<(NodeId, Vec<PodKey>)> {
        out.iter()
            .filter_map(|a| match a {
                ClusterAction::NodeRemoved { node, evicted } => Some((*node, evicted.clone())),
                _ => None,
            })
            .collect()
    }

    /// Drives a cluster as the world would: a scan every 10 s, `node_ready` and
    /// `node_interrupted` when due (before a scan at the same time). Evicted pods are dropped.
    struct World {
        c: Cluster,
        t: TimeMs,
        /// (time, is interruption, node)
        due: Vec<(TimeMs, bool, NodeId)>,
    }

    impl World {
        fn new(c: Cluster) -> World {
            World {
                c,
                t: 0,
                due: Vec::new(),
            }
        }

        fn note(&mut self, out: &[ClusterAction]) {
            for a in out {
                match *a {
                    ClusterAction::NodeProvisioning {
                        node, ready_at_ms, ..
                    } => self.due.push((ready_at_ms, false, node)),
                    ClusterAction::SpotNotice { node, at_ms, .. } => {
                        self.due.push((at_ms, true, node))
                    }
                    _ => {}
                }
            }
        }

        /// Everything that happens in (t, to].
        fn run_to(&mut self, to: TimeMs) -> Vec<ClusterAction> {
            let mut all = Vec::new();
            let mut scan = self.t - self.t.rem_euclid(10_000) + 10_000;
            while scan <= to {
                let mut out = Vec::new();
                self.due.sort();
                while self.due.first().is_some_and(|d| d.0 <= scan) {
                    let (at, interrupt, node) = self.due.remove(0);
                    if interrupt {
                        self.c.node_interrupted(node, at, &mut out);
                    } else {
                        self.c.node_ready(node, at, &mut out);
                    }
                    self.note(&out);
                    all.append(&mut out);
                    self.due.sort();
                }
                self.c.autoscaler_scan(scan, &mut out);
                self.note(&out);
                all.append(&mut out);
                scan += 10_000;
            }
            self.t = to;
            all
        }

        fn add(&mut self, pod: PodKey, cpu: i64, mem: i64) -> Vec<ClusterAction> {
            let mut out = Vec::new();
            self.c.add_pending(pod, cpu, mem, self.t, &mut out);
            out
        }

        fn remove(&mut self, pod: PodKey) -> Vec<ClusterAction> {
            let mut out = Vec::new();
            self.c.remove_pod(pod, self.t, &mut out);
            out
        }
    }

    #[test]
    fn first_fit_in_pool_order_then_node_order() {
        let mut c = cluster(vec![pool("a", 2, 4), pool("b", 1, 4)]);
        let ids: Vec<NodeId> = c.nodes().map(|n| n.id).collect();
        assert_eq!(ids.len(), 3);
        let mut out = Vec::new();
        // 1.5 cores: one per node, the fourth fits nowhere.
        for i in 0..4 {
            c.add_pending((0, i), 1500, GIB, 0, &mut out);
        }
        let nodes: Vec<NodeId> = bound(&out).iter().map(|b| b.1).collect();
        assert_eq!(nodes, ids);
        assert_eq!(c.pending_count(), 1);
        assert!(c.is_pending((0, 3)));
        // A small pod still fits in the gap left on the first node.
        out.clear();
        c.add_pending((1, 1), 500, GIB, 0, &mut out);
        assert_eq!(bound(&out), vec![((1, 1), ids[0])]);
        // Memory counts: the second node takes 7 GiB, then has no room for another 7 GiB.
        out.clear();
        c.add_pending((1, 2), 100, 7 * GIB, 0, &mut out);
        c.add_pending((1, 3), 100, 7 * GIB, 0, &mut out);
        assert_eq!(bound(&out), vec![((1, 2), ids[1]), ((1, 3), ids[2])]);
        assert_eq!(c.node_of((1, 3)), Some(ids[2]));
        assert_eq!(c.pods_on(ids[1]).collect::<Vec<_>>(), vec![(0, 1), (1, 2)]);
    }

    /// Pools `open` (a, 1 node) and `gpu` (dedicated, 1 node): pods of instance 0 (no
    /// placement) never go to `gpu`, pods of instance 1 (placed on `gpu`) never go to `a`, in
    /// binding, in scale-up and in scale-down's moves.
    #[test]
    fn placement_restricts_binding_scale_up_and_scale_down() {
        let gpu = PoolSpec {
            dedicated: true,
            ..pool("gpu", 1, 3)
        };
        let mut c = cluster(vec![pool("a", 1, 3), gpu]);
        c.set_placement(1, vec![false, true]);
        let ids: Vec<NodeId> = c.nodes().map(|n| n.id).collect();
        let mut out = Vec::new();
        // 1.5 cores each: instance 0's first pod takes node a; its second fits only the gpu
        // node, which it may not use: pending. Instance 1's pod goes to gpu though a has room
        // for a small one.
        c.add_pending((0, 1), 1500, GIB, 0, &mut out);
        c.add_pending((0, 2), 1500, GIB, 0, &mut out);
        c.add_pending((1, 1), 100, GIB, 0, &mut out);
        assert_eq!(bound(&out), vec![((0, 1), ids[0]), ((1, 1), ids[1])]);
        assert!(c.is_pending((0, 2)));
        // Scale-up for (0, 2) adds to `a` only.
        let mut w = World::new(c);
        let grown = provisioned(&w.run_to(10_000));
        assert_eq!(grown.iter().map(|g| g.1).collect::<Vec<_>>(), vec![0]);
        // A second small gpu pod binds on the gpu node; a big one (1.95 cores) fits no gpu
        // node and grows `gpu`, not `a`.
        assert_eq!(bound(&w.add((1, 2), 100, GIB)), vec![((1, 2), ids[1])]);
        assert!(bound(&w.add((1, 3), 1950, GIB)).is_empty());
        let grown = provisioned(&w.run_to(20_000));
        assert_eq!(grown.iter().map(|g| g.1).collect::<Vec<_>>(), vec![1]);
        // Scale-down: the first gpu node is under the threshold (max(200 m / 2 cores, 2 GiB /
        // 8 GiB) = 25 %) and node a has room for its two pods, but they may not move there and
        // the other gpu node has 50 m free: it stays. (Without placement it would go.)
        let removed_nodes = removed(&w.run_to(40 * MINUTE_MS));
        for (node, pods) in &removed_nodes {
            assert!(
                pods.iter().all(|p| p.0 == 0),
                "node {node} evicted gpu pods {pods:?}"
            );
        }
        assert!(w.c.node_of((1, 1)).is_some() && w.c.node_of((1, 2)).is_some());
    }

    #[test]
    fn pending_when_nothing_fits_and_freed_capacity_binds_it() {
        let c = cluster(vec![PoolSpec {
            max_pods: 2,
            ..pool("a", 1, 1)
        }]);
        let node = c.nodes().next().unwrap().id;
        let mut w = World::new(c);
        w.add((0, 1), 100, MIB);
        w.add((0, 2), 100, MIB);
        assert!(bound(&w.add((0, 3), 100, MIB)).is_empty()); // max_pods reached
        assert!(bound(&w.add((0, 4), 3000, MIB)).is_empty()); // bigger than any node
        assert_eq!(w.c.pending_count(), 2);
        w.t = 5_000;
        assert_eq!(bound(&w.remove((0, 1))), vec![((0, 3), node)]);
        // Deleting a pending pod just drops it.
        w.remove((0, 4));
        assert_eq!(w.c.pending_count(), 0);
        // At max_nodes, or too big for the pool: no scale-up, ever.
        w.add((0, 5), 3000, MIB);
        w.add((0, 6), 100, MIB);
        assert!(provisioned(&w.run_to(HOUR_MS)).is_empty());
        assert_eq!(w.c.pending_count(), 2);
    }

    #[test]
    fn scale_up_binds_pending_pods_after_the_provisioning_delay() {
        let mut c = cluster(vec![pool("a", 1, 5)]);
        let mut out = Vec::new();
        for i in 0..5 {
            c.add_pending((0, i), 900, GIB, 1_000, &mut out);
        }
        assert_eq!(c.pending_count(), 3); // 2 fit on the first node
        out.clear();
        c.autoscaler_scan(10_000, &mut out);
        // Binpacking: 3 pods of 0.9 cores need 2 new nodes.
        let p = provisioned(&out);
        assert_eq!(p.len(), 2);
        assert!(
            p.iter()
                .all(|&(_, pool, at)| pool == 0 && at == 10_000 + DELAY)
        );
        let counts = PoolCounts {
            ready: 1,
            provisioning: 2,
            interrupting: 0,
        };
        assert_eq!(c.pool_counts()[0], counts);
        // Pods waiting for upcoming nodes trigger no further scale-up.
        out.clear();
        c.autoscaler_scan(20_000, &mut out);
        c.autoscaler_scan(30_000, &mut out);
        assert!(out.is_empty());
        assert_eq!(c.pending_count(), 3);
        c.node_ready(p[0].0, p[0].2, &mut out);
        assert_eq!(bound(&out).len(), 2);
        c.node_ready(p[1].0, p[1].2, &mut out);
        assert_eq!(bound(&out).len(), 3);
        assert_eq!(c.pending_count(), 0);
        assert_eq!(
            (c.pool_counts()[0].ready, c.pool_counts()[0].provisioning),
            (3, 0)
        );
    }

    #[test]
    fn no_scale_up_beyond_max_nodes() {
        let mut w = World::new(cluster(vec![pool("a", 1, 3)]));
        for i in 0..10 {
            w.add((0, i), 1500, GIB);
        }
        let all = w.run_to(20 * MINUTE_MS);
        assert_eq!(provisioned(&all).len(), 2);
        assert_eq!(w.c.pool_counts()[0].total(), 3);
        assert_eq!(w.c.pending_count(), 7);
    }

    /// The pools the first scale-up takes for `pods`, with `expander`.
    fn first_scale_up(pools: &[PoolSpec], expander: Expander, pods: &[(i64, i64)]) -> Vec<usize> {
        let mut c = with(pools.to_vec(), expander, 1);
        let mut out = Vec::new();
        for (i, &(cpu, mem)) in pods.iter().enumerate() {
            c.add_pending((0, i as u64), cpu, mem, 0, &mut out);
        }
        c.autoscaler_scan(10_000, &mut out);
        provisioned(&out).iter().map(|p| p.1).collect()
    }

    #[test]
    fn expanders_choose_the_pool() {
        let pools = [pool("small", 0, 5), big("big", 0, 5)];
        // One 1.9-core / 7 GiB pod: small wastes 0.05 + 0.125, big 0.525 + 0.5625.
        assert_eq!(
            first_scale_up(&pools, Expander::LeastWaste, &[(1900, 7 * GIB)]),
            [0]
        );
        // Three 1.3-core / 5 GiB pods: three small nodes (waste 0.35 + 0.375) or one big
        // (0.025 + 0.0625).
        let three = [(1300, 5 * GIB); 3];
        assert_eq!(first_scale_up(&pools, Expander::LeastWaste, &three), [1]);
        assert_eq!(
            first_scale_up(&pools, Expander::Priority, &three),
            [0, 0, 0]
        );
        // most-pods: with room for one small node only, "big" schedules more pods.
        let capped = [pool("small", 0, 1), big("big", 0, 5)];
        assert_eq!(first_scale_up(&capped, Expander::MostPods, &three), [1]);
        assert_eq!(first_scale_up(&capped, Expander::Priority, &three), [0]);
    }

    #[test]
    fn expander_ties_are_random_but_reproducible() {
        // Two identical pools: random, and least-waste's tie-break, pick either, per seed.
        let picks = |expander, run: u64| -> Vec<usize> {
            (0..20)
                .map(|k| {
                    let pools = vec![pool("a", 0, 5), spot("b", 0, 5, 0.0)];
                    let mut c = with(pools, expander, run * 1000 + k);
                    let mut out = Vec::new();
                    c.add_pending((0, 1), 1000, GIB, 0, &mut out);
                    c.autoscaler_scan(10_000, &mut out);
                    provisioned(&out)[0].1
                })
                .collect()
        };
        for expander in [Expander::Random, Expander::LeastWaste] {
            let a = picks(expander, 1);
            assert!(a.contains(&0) && a.contains(&1), "{expander:?}: {a:?}");
            assert_eq!(a, picks(expander, 1));
        }
    }

    #[test]
    fn scale_down_after_unneeded_time_never_below_min() {
        let mut w = World::new(cluster(vec![pool("a", 1, 5)]));
        for i in 0..3 {
            w.add((0, i), 1500, GIB);
        }
        assert_eq!(provisioned(&w.run_to(10 * MINUTE_MS)).len(), 2);
        let ids: Vec<NodeId> = w.c.nodes().map(|n| n.id).collect();
        // Replace the pods by three small ones: first fit puts them all on the first node (75 %).
        for i in 0..3 {
            w.remove((0, i));
        }
        for i in 10..13 {
            w.add((0, i), 500, GIB);
        }
        assert_eq!(w.c.pods_on(ids[0]).count(), 3);
        // The empty nodes are unneeded from the next scan (10:10) and go 10 minutes later,
        // together (empty nodes do not count against --max-drain-parallelism).
        assert!(removed(&w.run_to(20 * MINUTE_MS)).is_empty());
        let r = removed(&w.run_to(20 * MINUTE_MS + 10_000));
        assert_eq!(r, vec![(ids[1], vec![]), (ids[2], vec![])]);
        // The node with pods is above the threshold, and the pool is at min anyway.
        assert!(removed(&w.run_to(2 * HOUR_MS)).is_empty());
        assert_eq!(w.c.pool_counts()[0].total(), 1);
        // Even empty, a node at min_nodes stays.
        for i in 10..13 {
            w.remove((0, i));
        }
        assert!(removed(&w.run_to(4 * HOUR_MS)).is_empty());
    }

    #[test]
    fn scale_down_only_below_threshold_of_cpu_and_memory() {
        let mut w = World::new(cluster(vec![pool("a", 0, 5)]));
        w.add((0, 1), 200, 5 * GIB);
        w.add((0, 2), 200, GIB);
        let n1 = provisioned(&w.run_to(5 * MINUTE_MS))[0].0;
        // A 1.7-core pod needs a second node; when it is gone the second node is empty.
        w.add((0, 3), 1700, GIB);
        let n2 = provisioned(&w.run_to(10 * MINUTE_MS))[0].0;
        assert_eq!(w.c.node_of((0, 3)), Some(n2));
        w.remove((0, 3));
        // Node 1: CPU 20 %, memory 75 %: above the threshold, so although its pods would fit on
        // node 2, it is node 2 (empty) that goes, at 20:10 (unneeded from 10:10).
        let all = w.run_to(20 * MINUTE_MS);
        assert!(removed(&all).is_empty());
        let all = w.run_to(21 * MINUTE_MS);
        assert_eq!(removed(&all), vec![(n2, vec![])]);
        assert!(w.c.node(n1).is_some());
        // Below the threshold but its pods fit nowhere else: it stays.
        w.remove((0, 1));
        assert!(removed(&w.run_to(2 * HOUR_MS)).is_empty());
        assert_eq!(w.c.pool_counts()[0].total(), 1);
    }

    #[test]
    fn scale_down_only_when_pods_fit_elsewhere() {
        // Two nodes at 45 %: node 1's pod fits on node 2, which then is not a candidate.
        let mut w = World::new(cluster(vec![pool("a", 0, 5)]));
        let pods = [((0, 1), 900, GIB), ((0, 2), 900, GIB), ((0, 3), 900, GIB)];
        assert_eq!(bound(&w.c.ensure_initial_capacity(&pods)).len(), 3);
        let ids: Vec<NodeId> = w.c.nodes().map(|n| n.id).collect();
        assert_eq!(ids.len(), 2);
        w.remove((0, 2));
        // CA's start counts as a scale-up: nothing before 10:00; unneeded from 0:10.
        assert!(removed(&w.run_to(10 * MINUTE_MS)).is_empty());
        let r = removed(&w.run_to(11 * MINUTE_MS));
        assert_eq!(r, vec![(ids[0], vec![(0, 1)])]);
        assert_eq!(w.c.pool_counts()[0].ready, 1);

        // Two nodes at 90 % and one at 45 %: its pod fits nowhere else.
        let mut w = World::new(cluster(vec![pool("a", 0, 5)]));
        let pods = [((0, 1), 1800, GIB), ((0, 2), 1800, GIB), ((0, 3), 900, GIB)];
        w.c.ensure_initial_capacity(&pods);
        assert_eq!(w.c.pool_counts()[0].ready, 3);
        assert!(removed(&w.run_to(2 * HOUR_MS)).is_empty());
    }

    #[test]
    fn one_non_empty_node_drained_per_loop() {
        // Four nodes with one 0.5-core pod each: the pods of three fit on the fourth, but only
        // one non-empty node goes per loop (--max-drain-parallelism 1).
        let mut w = World::new(cluster(vec![pool("a", 0, 5)]));
        let fill: Vec<_> = (0..4).map(|i| ((0, i), 1500, GIB)).collect();
        w.c.ensure_initial_capacity(&fill);
        let ids: Vec<NodeId> = w.c.nodes().map(|n| n.id).collect();
        assert_eq!(ids.len(), 4);
        for (k, &id) in ids.iter().enumerate() {
            w.remove((0, k as u64));
            w.add((1, k as u64), 1500, GIB);
            w.add((2, k as u64), 500, GIB);
            assert_eq!(w.c.node_of((2, k as u64)), Some(id));
        }
        for k in 0..4 {
            w.remove((1, k));
        }
        assert!(removed(&w.run_to(10 * MINUTE_MS)).is_empty());
        let r = removed(&w.run_to(10 * MINUTE_MS + 10_000));
        assert_eq!(r, vec![(ids[0], vec![(2, 0)])]);
        let r = removed(&w.run_to(10 * MINUTE_MS + 20_000));
        assert_eq!(
            r,
            vec![(ids[2], vec![(2, 2)])],
            "the next one in the next loop"
        );
    }

    #[test]
    fn no_scale_down_within_delay_after_add() {
        let c = with(
            vec![pool("a", 0, 5), big("big", 0, 10)],
            Expander::Priority,
            7,
        );
        let mut w = World::new(c);
        w.c.ensure_initial_capacity(&[((0, 1), 1500, GIB), ((0, 2), 1500, GIB)]);
        let a2 = w.c.node_of((0, 2)).unwrap();
        w.remove((0, 2)); // a2 is empty: unneeded from 0:10
        // A 3-core pod (only "big" fits it, one per node) every 8 minutes from 5:00: each
        // scale-up restarts --scale-down-delay-after-add.
        for k in 0..4 {
            let spike = 5 * MINUTE_MS + k * 8 * MINUTE_MS;
            let all = w.run_to(spike);
            assert!(removed(&all).is_empty(), "removal before {spike}");
            w.add((5, k as u64), 3000, GIB);
            assert_eq!(provisioned(&w.run_to(spike + 10_000)).len(), 1);
        }
        // The last scale-up was at 29:10: scale-down resumes at 39:10 and removes a2, unneeded
        // since 0:10. The big nodes are 75 % used.
        assert!(removed(&w.run_to(39 * MINUTE_MS)).is_empty());
        let r = removed(&w.run_to(39 * MINUTE_MS + 10_000));
        assert_eq!(r, vec![(a2, vec![])]);
        assert!(removed(&w.run_to(2 * HOUR_MS)).is_empty());
        assert_eq!(w.c.pool_counts()[1].ready, 4);
    }

    #[test]
    fn spot_notice_evicts_pods_and_the_node_goes_two_minutes_later() {
        // 50 interruptions per node-day: one every ~29 minutes.
        let mut c = cluster(vec![spot("s", 1, 3, 50.0)]);
        let mut out = Vec::new();
        c.add_pending((0, 1), 500, GIB, 0, &mut out);
        c.add_pending((0, 2), 500, GIB, 0, &mut out);
        let node = c.nodes().next().unwrap().id;
        let mut t = 0;
        let (at_ms, evicted) = loop {
            t += 10_000;
            assert!(t < 2 * DAY_MS, "no interruption");
            let mut o = Vec::new();
            c.autoscaler_scan(t, &mut o);
            if let Some(ClusterAction::SpotNotice {
                node: n,
                at_ms,
                evicted,
            }) = o.pop()
            {
                assert_eq!(n, node);
                break (at_ms, evicted);
            }
        };
        assert_eq!(at_ms, t + AWS_SPOT_NOTICE_MS);
        assert_eq!(evicted, vec![(0, 1), (0, 2)]);
        assert_eq!(c.pool_counts()[0].interrupting, 1);
        assert_eq!(c.node_of((0, 1)), None);
        assert_eq!(c.node(node).unwrap().pods, 0);
        // Rescheduled pods do not go back to the cordoned node: they wait, and CA scales up.
        out.clear();
        c.add_pending((0, 3), 500, GIB, t, &mut out);
        c.add_pending((0, 4), 500, GIB, t, &mut out);
        assert!(bound(&out).is_empty());
        c.autoscaler_scan(t + 10_000, &mut out);
        assert_eq!(provisioned(&out).len(), 1);
        // The node goes when the notice runs out, and its node group starts a replacement.
        out.clear();
        c.node_interrupted(node, at_ms, &mut out);
        assert!(c.node(node).is_none());
        assert_eq!(provisioned(&out).len(), 1);
        let counts = PoolCounts {
            ready: 0,
            provisioning: 2,
            interrupting: 0,
        };
        assert_eq!(c.pool_counts()[0], counts);
        // A second call, or one for a node that is not under notice, does nothing.
        out.clear();
        c.node_interrupted(node, at_ms, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn spot_interruptions_follow_the_rate() {
        // 20 nodes × 50 days at 0.1 per node-day → ≈ 100 notices (σ ≈ 10).
        let mut w = World::new(cluster(vec![spot("s", 20, 20, 0.1), pool("o", 2, 2)]));
        let all = w.run_to(50 * DAY_MS);
        let notices = all
            .iter()
            .filter(|a| matches!(a, ClusterAction::SpotNotice { .. }))
            .count();
        assert!((70..=130).contains(&notices), "{notices}");
        // Every interrupted node was replaced; the on-demand pool was never interrupted.
        assert_eq!(w.c.pool_counts()[0].total(), 20);
        assert_eq!(w.c.pool_counts()[1].ready, 2);
    }

    /// A two-day run with load swings, spot interruptions and random tie-breaks.
    fn script(seed: u64) -> Vec<ClusterAction> {
        let pools = vec![spot("s", 1, 6, 5.0), pool("o", 1, 6), spot("s2", 0, 6, 5.0)];
        let mut w = World::new(with(pools, Expander::Random, seed));
        let mut log =
            w.c.ensure_initial_capacity(&[((0, 0), 900, GIB), ((0, 1), 900, GIB)]);
        let mut next = 100;
        for step in 1..=8 {
            let mut all = w.run_to(step * 6 * HOUR_MS);
            // Evicted pods come back as new pods.
            for a in all.clone() {
                if let ClusterAction::SpotNotice { evicted, .. }
                | ClusterAction::NodeRemoved { evicted, .. } = a
                {
                    for _ in evicted {
                        all.extend(w.add((2, next), 700, 2 * GIB));
                        next += 1;
                    }
                }
            }
            // Load: 6 pods in the morning, gone in the evening.
            for k in 0..6 {
                if step % 2 == 1 {
                    all.extend(w.add((1, k), 700, 2 * GIB));
                } else {
                    all.extend(w.remove((1, k)));
                }
            }
            log.extend(all);
        }
        log
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = script(11);
        assert_eq!(a, script(11));
        assert_ne!(a, script(12));
        assert!(
            a.iter()
                .any(|x| matches!(x, ClusterAction::SpotNotice { .. }))
        );
        assert!(
            a.iter()
                .any(|x| matches!(x, ClusterAction::NodeRemoved { .. }))
        );
        assert!(
            a.iter()
                .any(|x| matches!(x, ClusterAction::NodeProvisioning { .. }))
        );
    }

    #[test]
    fn initial_capacity_respects_max_and_leaves_the_rest_pending() {
        let mut c = with(
            vec![pool("a", 0, 2), pool("b", 0, 1)],
            Expander::Priority,
            7,
        );
        let pods: Vec<_> = (0..8).map(|i| ((0, i), 1000, GIB)).collect();
        let out = c.ensure_initial_capacity(&pods);
        assert_eq!(bound(&out).len(), 6);
        assert_eq!(c.pending_count(), 2);
        assert_eq!(c.pool_counts()[0].ready, 2);
        assert_eq!(c.pool_counts()[1].ready, 1);
        assert!(c.nodes().all(|n| n.state == NodeState::Ready));
        assert!(provisioned(&out).is_empty());
    }

    #[test]
    fn node_time_integrates_per_pool() {
        let mut c = with(
            vec![pool("a", 2, 4), pool("b", 0, 4)],
            Expander::Priority,
            7,
        );
        let mut out = Vec::new();
        assert_eq!(c.pool_node_ms(0, 60_000), 120_000);
        for i in 0..3 {
            c.add_pending((0, i), 1900, GIB, 0, &mut out);
        }
        c.autoscaler_scan(10_000, &mut out); // a third node in "a" from 10 s
        let (node, _, ready) = provisioned(&out)[0];
        assert_eq!(
            c.pool_node_ms(0, 70_000) - c.pool_node_ms(0, 10_000),
            3 * 60_000
        );
        c.node_ready(node, ready, &mut out);
        c.remove_pod((0, 2), HOUR_MS, &mut out);
        // Removed at 20 min past its unneeded start: count it until then.
        let hour = c.pool_node_ms(0, HOUR_MS);
        assert_eq!(hour, 2 * HOUR_MS + (HOUR_MS - 10_000));
        assert_eq!(c.pool_node_ms(1, HOUR_MS), 0);
        c.autoscaler_scan(HOUR_MS + 10_000, &mut out);
        c.autoscaler_scan(HOUR_MS + 10 * MINUTE_MS + 10_000, &mut out);
        assert_eq!(removed(&out), vec![(node, vec![])]);
        let later = c.pool_node_ms(0, 2 * HOUR_MS);
        assert_eq!(later - hour, 2 * HOUR_MS + 10 * MINUTE_MS + 10_000);
    }

    /// Allocatable formulas vs the published worked examples.
    #[test]
    fn eks_allocatable_matches_the_ami() {
        // m5.large: 2 vCPU, 8 GiB, 29 pods (eni-max-pods.txt; 3 ENIs × 9 + 2). Reserved 70 m and
        // 11 × 29 + 255 = 574 MiB, plus the 100 MiB eviction threshold.
        assert_eq!(eks_max_pods(3, 10), 29);
        let m5_large = eks_allocatable(2.0, 8 * GIB, 29);
        assert_eq!(m5_large, (1930, (8192 - 574 - 100) * MIB));
        // nodeadm config_test.go TestKubeReservedMemoryWithUserMaxPods: maxPods 100 → 1355Mi.
        let (_, mem) = eks_allocatable(4.0, 16 * GIB, 100);
        assert_eq!(16 * GIB - mem - 100 * MIB, 1355 * MIB);
        // CPU ranges: 1 core → 60 m, 4 → 80, 8 → 90, 96 → 60 + 10 + 10 + 230 = 310.
        assert_eq!(eks_allocatable(1.0, 4 * GIB, 8).0, 940);
        assert_eq!(eks_allocatable(4.0, 16 * GIB, 58).0, 3920);
        assert_eq!(eks_allocatable(8.0, 32 * GIB, 58).0, 7910);
        assert_eq!(eks_allocatable(96.0, 384 * GIB, 737).0, 96_000 - 310);
        // bash integer arithmetic per range: on 5 cores the last range gives 1000 × 25 / 10000
        // = 2 (not 2.5).
        assert_eq!(eks_allocatable(5.0, 16 * GIB, 58).0, 5000 - 82);
    }

    #[test]
    fn gke_allocatable_matches_the_docs() {
        let mib = |b: i64| b as f64 / MIB as f64;
        // 1 vCPU / 4 GiB: 60 m, and 25 % of 4 GiB + 100 MiB → 940 m, 2972 MiB (learnk8s.io,
        // "Allocatable memory and CPU in Kubernetes Nodes": 940 m and 2.9 GB for pods).
        assert_eq!(gke_allocatable(1.0, 4 * GIB), (940, 2972 * MIB));
        // 4 vCPU / 16 GiB: 80 m; 1 + 0.8 + 0.8 GiB + 100 MiB.
        let (cpu, mem) = gke_allocatable(4.0, 16 * GIB);
        assert_eq!(cpu, 3920);
        assert!((mib(16 * GIB - mem) - (2.6 * 1024.0 + 100.0)).abs() < 0.01);
        // 150 GiB (hatemosphere/gke-node-allocatable-memory-calculator README): reserved
        // 9.8577 GiB with the eviction threshold, allocatable 140.1423 GiB.
        let (_, mem) = gke_allocatable(32.0, 150 * GIB);
        assert!((mem as f64 / GIB as f64 - 140.1423).abs() < 1e-4);
        // The same tiers in Tencent TKE's reservation table: 12 GB → 2,252 MB, 32 GB → 3,645 MB,
        // 320 GB → 13,475 MB reserved (their GB = GiB), before the eviction threshold.
        for (gib, reserved_mib) in [(12, 2252.8), (32, 3645.44), (320, 13475.84)] {
            let (_, mem) = gke_allocatable(8.0, gib * GIB);
            let reserved = mib(gib * GIB - mem) - 100.0;
            assert!(
                (reserved - reserved_mib).abs() < 0.01,
                "{gib} GiB: {reserved}"
            );
        }
        // Below 1 GiB: a flat 255 MiB (f1-micro, 0.6 GB).
        assert_eq!(gke_allocatable(1.0, 614 * MIB).1, (614 - 255 - 100) * MIB);
    }

    #[test]
    fn validation_names_the_problem() {
        let a = AutoscalerSpec::default();
        assert!(validate(&[pool("a", 0, 3)], &a).is_ok());
        let e = validate(&[pool("a", 4, 3)], &a).unwrap_err();
        assert!(e.contains("pool a") && e.contains("min_nodes"), "{e}");
        let slow = PoolSpec {
            provisioning_delay_ms: 20 * MINUTE_MS,
            ..pool("slow", 0, 3)
        };
        assert!(
            validate(&[slow], &a)
                .unwrap_err()
                .contains("max-node-provision-time")
        );
        let bad = AutoscalerSpec {
            scale_down_utilization_threshold: 1.5,
            ..AutoscalerSpec::default()
        };
        assert!(validate(&[], &bad).is_err());
    }

    /// Rough cost of a scan when nothing changes:
    /// `cargo test --release --lib nodes::tests::scan_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn scan_cost() {
        let mut c = cluster(vec![pool("a", 10, 30), spot("s", 10, 30, 0.05)]);
        let pods: Vec<_> = (0..120).map(|i| ((0, i), 250, GIB / 2)).collect();
        c.ensure_initial_capacity(&pods);
        let mut out = Vec::new();
        let n = 3_000_000;
        let start = std::time::Instant::now();
        for k in 0..n {
            c.autoscaler_scan(700 * MINUTE_MS + k * 10, &mut out);
            out.clear();
        }
        let per = start.elapsed().as_nanos() as f64 / n as f64;
        println!("{} nodes: {per:.1} ns per scan", c.nodes().count());
        // With a pod replaced before every scan: the unneeded set is recomputed each time.
        for i in 0..40 {
            c.remove_pod((0, i), 700 * MINUTE_MS, &mut out);
        }
        let n = 300_000;
        let start = std::time::Instant::now();
        for k in 0..n {
            let t = 800 * MINUTE_MS + k * 10;
            c.remove_pod((0, 100 + (k as u64 % 20)), t, &mut out);
            c.add_pending((0, 100 + (k as u64 % 20)), 250, GIB / 2, t, &mut out);
            c.autoscaler_scan(t, &mut out);
            out.clear();
        }
        let per = start.elapsed().as_nanos() as f64 / n as f64;
        println!("a pod replaced before each scan: {per:.1} ns per scan");
    }
}
