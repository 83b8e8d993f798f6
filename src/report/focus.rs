//! `focus.csv`: the run's cost as a FinOps FOCUS dataset (FinOps Open Cost and Usage
//! Specification **v1.2**), so FinOps tools that read cloud bills can read a capsim forecast.
//!
//! One purchase variant per file (on-demand unless `capsim run --focus-variant` says otherwise),
//! named in `x_Variant`; every row is `x_Forecast = true`. One row per usage line, priced part
//! (commitment, burst, on-demand with its SUD folded in) and service (the allocation of
//! `cost_monthly.csv`), so `BilledCost` sums to the variant's run total exactly.
//!
//! Columns and allowed values follow the FOCUS v1.2 column definitions
//! (github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, `specification/columns/*.md`; the same
//! list Microsoft's FocusCost 1.2 export documents). Conditional columns capsim has nothing for
//! (capacity reservations, SKU meters, pricing currency) are left out; nullable ones it cannot
//! fill (availability zone, invoice id, sub-account) are present and empty. Dates are the
//! calendar days of the scenario's months written as UTC midnights (`2026-01-01T00:00:00Z`).

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::billing::{CostClass, Variant};
use crate::cost::allocation::split_money;
use crate::cost::money::Money;
use crate::cost::price::CostReport;
use crate::scenario::Scenario;

/// The FOCUS version the file follows.
pub const FOCUS_VERSION: &str = "1.2";

/// The columns of `focus.csv`: FOCUS v1.2 columns in the specification's (alphabetical) order,
/// then capsim's own `x_` columns.
pub const HEADER: [&str; 55] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_Variant",
    "x_Forecast",
    "x_Service",
    "x_Class",
    "x_Environment",
    "x_Cloud",
    "x_Part",
    "x_PriceRow",
    "x_Scenario",
];

/// A priced part of one usage line under the exported variant (SUD folded into on-demand).
struct Part {
    what: String,
    quantity: f64,
    cost: Money,
    pricing_category: &'static str,
    commitment: Option<u8>,
}

/// `focus.csv` for `variant`.
pub fn csv(s: &Scenario, r: &CostReport, variant: Variant) -> Vec<u8> {
    // The parts of each usage line under the variant.
    let mut parts: BTreeMap<usize, Vec<Part>> = BTreeMap::new();
    for l in r.lines.iter().filter(|l| l.variant == variant) {
        let list = parts.entry(l.usage_line).or_default();
        if l.line == "SUD" {
            // Google's sustained-use discount reduces the on-demand charge it belongs to.
            if let Some(p) = list.iter_mut().find(|p| p.pricing_category == "Standard") {
                p.cost += l.cost;
                continue;
            }
        }
        let (pricing_category, commitment) = if l.line.starts_with("committed") {
            ("Committed", variant.term_years())
        } else if l.line.contains("spot") {
            ("Dynamic", None)
        } else {
            ("Standard", None)
        };
        list.push(Part {
            what: l.line.clone(),
            quantity: l.quantity,
            cost: l.cost,
            pricing_category,
            commitment,
        });
    }
    // Each usage line's services and shares, from the allocation.
    let mut shares: BTreeMap<usize, Vec<(&str, f64)>> = BTreeMap::new();
    for row in &r.rows {
        shares
            .entry(row.usage_line)
            .or_default()
            .push((row.service.as_str(), row.share));
    }
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)
        .expect("writing a CSV header to memory cannot fail");
    let account = format!("capsim-forecast:{}", s.name);
    for row0 in r.rows.iter().filter(|row| {
        // One pass per usage line: its first allocation row carries the line's facts.
        shares
            .get(&row.usage_line)
            .and_then(|v| v.first())
            .is_some_and(|(svc, _)| *svc == row.service.as_str())
    }) {
        let Some(line_parts) = parts.get(&row0.usage_line) else {
            continue;
        };
        let buckets = &shares[&row0.usage_line];
        let weights: Vec<f64> = buckets.iter().map(|(_, w)| *w).collect();
        let (start, end) = charge_period(s, &row0.month);
        let (bp_start, bp_end) = billing_period(&row0.month);
        let names = names(&row0.provider, row0.class, &row0.sku, &row0.resource);
        for part in line_parts {
            let list_cost = Money::checked_from_quantity(part.quantity, row0.list_unit_price)
                .unwrap_or(part.cost);
            let billed = split_money(part.cost, &weights);
            let listed = split_money(list_cost, &weights);
            for (b, (service, share)) in buckets.iter().enumerate() {
                if *share <= 0.0 && billed[b] == Money::ZERO {
                    continue;
                }
                let quantity = super::csv::fixed(part.quantity * share, 6);
                let unit = pricing_unit(&row0.unit);
                let (cd_category, cd_id, cd_name, cd_status, cd_type) = match part.commitment {
                    Some(years) => (
                        "Usage",
                        format!(
                            "capsim:{}/{}/{}/{}y",
                            row0.cloud, row0.environment, row0.resource, years
                        ),
                        format!("{years}-year commitment for {}", row0.resource),
                        "Used",
                        if row0.provider == "gcp" {
                            "Committed Use Discount"
                        } else {
                            "Reserved Instance"
                        },
                    ),
                    None => ("", String::new(), String::new(), "", ""),
                };
                let tags = serde_json::json!({
                    "service": service,
                    "environment": row0.environment,
                    "cloud": row0.cloud,
                })
                .to_string();
                let recurring = row0.unit == "month";
                let rec: [String; 55] = [
                    String::new(),
                    billed[b].to_decimal_string(),
                    account.clone(),
                    s.name.clone(),
                    "Forecast".into(),
                    "USD".into(),
                    bp_end.clone(),
                    bp_start.clone(),
                    "Usage".into(),
                    String::new(),
                    format!("{} — {} ({})", row0.resource, part.what, row0.sku),
                    if recurring {
                        "Recurring"
                    } else {
                        "Usage-Based"
                    }
                    .into(),
                    end.clone(),
                    start.clone(),
                    cd_category.into(),
                    cd_id,
                    cd_name,
                    cd_status.into(),
                    cd_type.into(),
                    quantity.clone(),
                    unit.to_string(),
                    listed[b].to_decimal_string(),
                    row0.list_unit_price.to_decimal_string(),
                    billed[b].to_decimal_string(),
                    String::new(),
                    names.provider.into(),
                    listed[b].to_decimal_string(),
                    row0.list_unit_price.to_decimal_string(),
                    part.pricing_category.into(),
                    quantity,
                    unit.to_string(),
                    names.provider.into(),
                    names.provider.into(),
                    region_id(&row0.region),
                    region_name(&row0.region),
                    format!(
                        "capsim:{}/{}/{}",
                        row0.cloud, row0.environment, row0.resource
                    ),
                    row0.resource.clone(),
                    names.resource_type.into(),
                    names.category.into(),
                    names.service.into(),
                    row0.sku.clone(),
                    row0.price_row.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    tags,
                    variant.label().into(),
                    "true".into(),
                    service.to_string(),
                    row0.class.label().into(),
                    row0.environment.clone(),
                    row0.cloud.clone(),
                    part.what.clone(),
                    row0.price_row.clone(),
                    s.name.clone(),
                ];
                w.write_record(&rec)
                    .expect("writing a CSV record to memory cannot fail");
            }
        }
    }
    w.into_inner()
        .expect("flushing a CSV writer into memory cannot fail")
}

/// `YYYY-MM-DDT00:00:00Z`.
fn utc_midnight(d: Date) -> String {
    format!("{d}T00:00:00Z")
}

fn month_start(label: &str) -> Option<Date> {
    let (y, m) = label.split_once('-')?;
    Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()
}

/// The calendar month of `label`: first day and the next month's first day.
fn billing_period(label: &str) -> (String, String) {
    match month_start(label) {
        Some(d) => (
            utc_midnight(d),
            utc_midnight(d.checked_add(jiff::Span::new().months(1)).unwrap_or(d)),
        ),
        None => (String::new(), String::new()),
    }
}

/// The part of the month inside the run: from the later of the month's first day and the run's
/// start to the earlier of the next month and the run's (exclusive) end.
fn charge_period(s: &Scenario, label: &str) -> (String, String) {
    match month_start(label) {
        Some(d) => {
            let next = d.checked_add(jiff::Span::new().months(1)).unwrap_or(d);
            (
                utc_midnight(d.max(s.simulation.start)),
                utc_midnight(next.min(s.simulation.end)),
            )
        }
        None => (String::new(), String::new()),
    }
}

/// FOCUS's unit names for capsim's units (FOCUS "Unit Format": `Hours`, `GB`, `GB-Months`, ...).
fn pricing_unit(unit: &str) -> &str {
    match unit {
        "instance-hour" | "cluster-hour" | "hour" | "node-hour" => "Hours",
        "GB" => "GB",
        "GB-month" => "GB-Months",
        "month" => "Months",
        other => other,
    }
}

fn region_id(region: &str) -> String {
    if region == "global" {
        String::new()
    } else {
        region.to_string()
    }
}

fn region_name(region: &str) -> String {
    match region {
        "ap-northeast-2" => "Asia Pacific (Seoul)".into(),
        "asia-northeast3" => "Seoul".into(),
        "us-east-1" => "US East (N. Virginia)".into(),
        "us-central1" => "Iowa".into(),
        "global" => String::new(),
        other => other.into(),
    }
}

/// The provider's, service's and category's names for a line.
struct Names {
    provider: &'static str,
    service: &'static str,
    category: &'static str,
    resource_type: &'static str,
}

fn names(provider: &str, class: CostClass, sku: &str, resource: &str) -> Names {
    let aws = provider == "aws";
    let gcp = provider == "gcp";
    let provider_name = match provider {
        "aws" => "Amazon Web Services",
        "gcp" => "Google Cloud",
        "cloudflare" => "Cloudflare",
        _ => "Other",
    };
    let database = resource.starts_with("database") || sku.starts_with("db") || sku.contains("sql");
    let (service, category, resource_type) = match class {
        CostClass::Compute if aws => ("Amazon Elastic Compute Cloud", "Compute", "Instance"),
        CostClass::Compute => ("Compute Engine", "Compute", "Instance"),
        CostClass::ManagedInstance if sku.starts_with("cache") => {
            ("Amazon ElastiCache", "Databases", "Cache node")
        }
        CostClass::ManagedInstance if gcp => ("Cloud SQL", "Databases", "Database instance"),
        CostClass::ManagedInstance => (
            "Amazon Relational Database Service",
            "Databases",
            "Database instance",
        ),
        CostClass::Storage if database && gcp => ("Cloud SQL", "Databases", "Storage"),
        CostClass::Storage if database => {
            ("Amazon Relational Database Service", "Databases", "Storage")
        }
        CostClass::Storage if gcp => ("Cloud Storage", "Storage", "Bucket"),
        CostClass::Storage if sku.starts_with("ebs") => {
            ("Amazon Elastic Compute Cloud", "Storage", "Volume")
        }
        CostClass::Storage => ("Amazon Simple Storage Service", "Storage", "Bucket"),
        CostClass::ControlPlane if gcp => ("Kubernetes Engine", "Compute", "Cluster"),
        CostClass::ControlPlane => ("Amazon Elastic Kubernetes Service", "Compute", "Cluster"),
        CostClass::Egress if gcp => ("Networking", "Networking", "Data transfer"),
        CostClass::Egress => ("AWS Data Transfer", "Networking", "Data transfer"),
        CostClass::Logs if gcp => ("Cloud Logging", "Management and Governance", "Log group"),
        CostClass::Logs => (
            "Amazon CloudWatch",
            "Management and Governance",
            "Log group",
        ),
        CostClass::Network if gcp && sku.starts_with("lb") => {
            ("Cloud Load Balancing", "Networking", "Load balancer")
        }
        CostClass::Network if gcp => ("Cloud NAT", "Networking", "NAT gateway"),
        CostClass::Network if sku.starts_with("alb") => {
            ("Elastic Load Balancing", "Networking", "Load balancer")
        }
        CostClass::Network => ("Amazon Virtual Private Cloud", "Networking", "NAT gateway"),
        CostClass::Cdn => ("Cloudflare CDN", "Networking", "CDN plan"),
    };
    Names {
        provider: provider_name,
        service,
        category,
        resource_type,
    }
}
