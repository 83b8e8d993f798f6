//! How cloud spend is billed, as words the scenario and the cost model share: the kinds of
//! spend ([`CostClass`]), the ways of buying capacity ([`Variant`]), and the EKS support calendar
//! that decides a control plane's rate. Below `scenario` (which reads these words) and `cost`
//! (which prices with them).

use serde::{Deserialize, Serialize};

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

impl CostClass {
    /// Every class with its name in scenarios, files and reports (one spelling everywhere).
    pub const NAMES: [(CostClass, &'static str); 8] = [
        (CostClass::Compute, "compute"),
        (CostClass::ManagedInstance, "managed"),
        (CostClass::ControlPlane, "control-plane"),
        (CostClass::Storage, "storage"),
        (CostClass::Egress, "egress"),
        (CostClass::Logs, "logs"),
        (CostClass::Network, "network"),
        (CostClass::Cdn, "cdn"),
    ];

    /// The class's name: `compute`, `managed`, `control-plane`, `storage`, `egress`, `logs`,
    /// `network`, `cdn` (`NAMES` lists the classes in declaration order).
    pub fn label(self) -> &'static str {
        Self::NAMES[self as usize].1
    }
}

/// A way of buying the same capacity. All six are computed in one [`price`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// Every line at the on-demand price (GCP SUD applied where Google applies it).
    #[serde(rename = "on-demand")]
    OnDemand,
    /// Spot-eligible compute pools on spot; everything else as `on-demand`.
    #[serde(rename = "spot")]
    Spot,
    /// 1-year reserved instances / CUDs for the baseline, the burst on-demand.
    #[serde(rename = "committed-1y")]
    Committed1y,
    /// 3-year reserved instances / CUDs for the baseline, the burst on-demand.
    #[serde(rename = "committed-3y")]
    Committed3y,
    /// 1-year commitments for the baseline, the burst on spot where the pool may run on spot.
    #[serde(rename = "committed-1y-spot")]
    Committed1ySpot,
    /// 3-year commitments for the baseline, the burst on spot where the pool may run on spot.
    #[serde(rename = "committed-3y-spot")]
    Committed3ySpot,
}

impl Variant {
    /// All variants, in report order.
    pub const ALL: [Variant; 6] = [
        Variant::OnDemand,
        Variant::Spot,
        Variant::Committed1y,
        Variant::Committed3y,
        Variant::Committed1ySpot,
        Variant::Committed3ySpot,
    ];

    /// The name users read and type: `on-demand`, `spot`, `committed-1y`, `committed-3y`,
    /// `committed-1y-spot`, `committed-3y-spot` (also the serde name).
    pub fn label(self) -> &'static str {
        match self {
            Variant::OnDemand => "on-demand",
            Variant::Spot => "spot",
            Variant::Committed1y => "committed-1y",
            Variant::Committed3y => "committed-3y",
            Variant::Committed1ySpot => "committed-1y-spot",
            Variant::Committed3ySpot => "committed-3y-spot",
        }
    }

    /// Every label, comma-separated, for "use one of: ..." messages.
    pub fn labels() -> String {
        Variant::ALL.map(Variant::label).join(", ")
    }

    /// Parses a [`label`](Self::label).
    pub fn from_label(label: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.label() == label)
    }

    /// Commitment term in years, for the committed variants.
    pub fn term_years(self) -> Option<u8> {
        match self {
            Variant::Committed1y | Variant::Committed1ySpot => Some(1),
            Variant::Committed3y | Variant::Committed3ySpot => Some(3),
            Variant::OnDemand | Variant::Spot => None,
        }
    }

    /// Whether spot-eligible compute runs on spot (the whole pool, or the burst above a
    /// commitment).
    pub fn uses_spot(self) -> bool {
        matches!(
            self,
            Variant::Spot | Variant::Committed1ySpot | Variant::Committed3ySpot
        )
    }

    /// The variant a commitment's saving is measured against: the same purchase without the
    /// commitment (`on-demand` for `committed-*`, `spot` for `committed-*-spot`).
    pub fn without_commitment(self) -> Variant {
        if self.uses_spot() {
            Variant::Spot
        } else {
            Variant::OnDemand
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Amazon EKS release dates of Kubernetes minor versions (endoflife.date/amazon-eks and the EKS
/// user guide's version calendar, read 2026-11). A version gets 14 months of standard support,
/// then 12 months of extended support (billed $0.60 instead of $0.10 per cluster-hour); after
/// that EKS upgrades the cluster to a version still in extended support, so the rate stays the
/// extended one until the owner upgrades past it.
pub const EKS_RELEASES: &[(&str, (i16, i8, i8))] = &[
    ("1.27", (2023, 5, 24)),
    ("1.28", (2023, 9, 26)),
    ("1.29", (2024, 1, 23)),
    ("1.30", (2024, 5, 23)),
    ("1.31", (2024, 9, 26)),
    ("1.32", (2025, 1, 23)),
    ("1.33", (2025, 5, 29)),
    ("1.34", (2025, 10, 2)),
];

/// The EKS release date of a Kubernetes minor version.
pub fn eks_release(version: &str) -> Option<jiff::civil::Date> {
    EKS_RELEASES
        .iter()
        .find(|(v, _)| *v == version)
        .and_then(|(_, (y, m, d))| jiff::civil::Date::new(*y, *m, *d).ok())
}

/// Whether an EKS cluster on `version` is billed at the extended-support rate on `day`.
pub fn eks_extended_support(version: &str, day: jiff::civil::Date) -> bool {
    eks_release(version)
        .and_then(|r| r.checked_add(jiff::Span::new().months(14)).ok())
        .is_some_and(|standard_end| day >= standard_end)
}
