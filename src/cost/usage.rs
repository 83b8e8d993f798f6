//! Usage quantities per calendar month, with the price-book key each one is priced by. Pure data:
//! no prices here.

/// One calendar month of the run (possibly partial at the ends).
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// `YYYY-MM`.
    pub label: String,
    /// Hours of this month inside the run (a full 31-day month = 744).
    pub hours: f64,
}

/// What kind of spend a line is: decides which discounts may touch it. Commitments, spot and
/// sustained-use discounts apply to compute only — never to storage, egress, logs, network or
/// control-plane fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CostClass {
    /// Kubernetes worker nodes (EC2, GCE): on-demand, spot, reserved/committed, GCP SUD.
    Compute,
    /// Managed database / cache instances (RDS, ElastiCache, Cloud SQL): on-demand or reserved.
    ManagedInstance,
    /// EKS / GKE cluster fees.
    ControlPlane,
    /// GB-months of storage (volumes, database storage, backups, objects).
    Storage,
    /// GB transferred out to the internet.
    Egress,
    /// Log ingestion and retention.
    Logs,
    /// NAT gateways, load balancers, public IPs.
    Network,
    /// CDN / WAF plans.
    Cdn,
}

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
}

/// All usage of a run (and of the fixed environments), month by month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    pub months: Vec<Month>,
    pub lines: Vec<UsageLine>,
}
