//! A Markdown summary of one run, for a person reading a pull-request comment: the headline,
//! replicas and availability per service and cloud, the SLO per month, database / cache / node
//! pool one-liners, cost per month and variant with the cheapest marked and the price book's date,
//! and the number of price warnings. Pure and deterministic.

use super::{RunReport, pct, short_time};
use crate::cost::money::Money;

fn money(s: &str) -> String {
    Money::parse(s)
        .map(|m| m.to_string())
        .unwrap_or_else(|_| s.to_string())
}

/// A Markdown table: the first column left-aligned, the rest right-aligned.
pub(crate) fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for i in 0..header.len() {
        out.push_str(if i == 0 { "---|" } else { "---:|" });
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

pub fn render(r: &RunReport) -> String {
    let s = &r.scenario;
    let mut out = format!("## capsim run — `{}`\n\n", s.name);
    out.push_str(&format!(
        "Scenario `{}` (`{}`), seed {}, {} to {} ({}), {:.0} h simulated; capsim {}.\n",
        s.name, s.file, s.seed, s.start, s.end, s.time_zone, s.duration_hours, r.capsim_version
    ));

    out.push_str("\n### Services\n\n");
    let rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|v| {
            vec![
                format!("{}@{}", v.name, v.cloud),
                v.hpa_range(),
                v.peak_replicas.to_string(),
                format!("{:.2}", v.mean_replicas),
                v.peak_at_cell(),
                v.availability_cell(),
            ]
        })
        .collect();
    out.push_str(&md_table(
        &[
            "service@cloud",
            "HPA min..max",
            "peak replicas",
            "mean replicas",
            "peak at (local)",
            "availability",
        ],
        &rows,
    ));
    let notes = super::not_placed_notes(&r.services);
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }

    let slo = &r.slo;
    out.push_str(&format!(
        "\n### SLO — path {}\n\n{}.\n\n",
        slo.path.join(" → "),
        slo.objective()
    ));
    let rows: Vec<Vec<String>> = slo.months.iter().map(|m| m.cells()).collect();
    out.push_str(&md_table(
        &[
            "month",
            "windows with p95 ok",
            "availability",
            "error budget burn",
        ],
        &rows,
    ));

    let mut notes = Vec::new();
    if let Some(db) = &r.database {
        let worst = db.instances.iter().max_by(|a, b| {
            a.peak_demanded_connections
                .total_cmp(&b.peak_demanded_connections)
        });
        notes.push(format!(
            "**Database**: {:.0} connections per instance for the services{}; {}",
            db.connection_limit,
            if db.pooler { " (behind a pooler)" } else { "" },
            match worst {
                Some(i) => format!(
                    "peak demand {:.0} on {} at {}, {} minutes refusing connections, peak CPU {}",
                    i.peak_demanded_connections,
                    i.name,
                    short_time(&i.peak_demanded_at),
                    i.minutes_with_refused_connections,
                    pct(i.peak_cpu_utilisation)
                ),
                None => "no instances".to_string(),
            }
        ));
    }
    if let Some(c) = &r.cache {
        notes.push(format!(
            "**Cache**: {} × {}, hit ratio mean {}, lowest {} at {}",
            c.nodes,
            c.node_type,
            pct(c.mean_hit_ratio),
            pct(c.min_hit_ratio),
            short_time(&c.min_hit_ratio_at)
        ));
    }
    for p in &r.node_pools {
        notes.push(format!(
            "**Node pool {}** ({}, {} {}): peak {} nodes at {}, {:.0} node-hours, {} spot interruptions",
            p.name,
            p.cloud,
            p.instance_type,
            p.capacity_type,
            p.peak_nodes,
            short_time(&p.peak_nodes_at),
            p.node_hours,
            p.spot_interruptions
        ));
    }
    if !r.deploys.is_empty() {
        // One line for all deploys: how many, the longest rollout and the largest peak (the
        // rules report.html's Deploys table uses per group).
        let longest = match super::longest_rollout_s(&r.deploys) {
            Some(s) => format!("longest rollout {s:.0} s"),
            None => "one still rolling out at the end".to_string(),
        };
        let peak = super::largest_surge(&r.deploys);
        notes.push(format!(
            "**Deploys**: {} ({} skipped), {longest}{}",
            r.deploys.len(),
            r.deploys_skipped,
            peak.map_or(String::new(), |d| format!(
                ", largest peak {} pods for {} replicas ({}@{} at {})",
                d.peak_pods,
                d.replicas,
                d.service,
                d.cloud,
                short_time(&d.started)
            ))
        ));
    }
    if !notes.is_empty() {
        out.push_str("\n### Platform\n\n");
        for n in notes {
            out.push_str(&format!("- {n}\n"));
        }
    }

    match &r.cost {
        None => out.push_str("\n### Cost\n\nThe run was not priced.\n"),
        Some(c) => {
            out.push_str(&format!(
                "\n### Cost per month, {} — price book `{}`, prices as of {}\n\nThe cheapest variant of each row is in **bold**.\n\n",
                c.currency, c.price_book, c.price_book_date
            ));
            let mut header = vec!["month"];
            header.extend(c.variants.iter().map(String::as_str));
            let cell = |totals: &std::collections::BTreeMap<String, String>,
                        v: &String,
                        cheapest: &str| {
                let x = totals
                    .get(v)
                    .map(|x| money(x))
                    .unwrap_or_else(|| "-".into());
                if v == cheapest { format!("**{x}**") } else { x }
            };
            let mut rows: Vec<Vec<String>> = c
                .months
                .iter()
                .map(|m| {
                    let mut row = vec![m.month.clone()];
                    row.extend(
                        c.variants
                            .iter()
                            .map(|v| cell(&m.totals_usd, v, &m.cheapest)),
                    );
                    row
                })
                .collect();
            let mut total = vec!["**run**".to_string()];
            total.extend(
                c.variants
                    .iter()
                    .map(|v| cell(&c.run_totals_usd, v, &c.cheapest_overall)),
            );
            rows.push(total);
            out.push_str(&md_table(&header, &rows));
            out.push_str(&format!(
                "\nTotals in {} with prices as of {} (oldest row {}). {} price warning{}{}.\n",
                c.currency,
                c.price_book_date,
                c.price_book_oldest,
                c.warnings.len(),
                if c.warnings.len() == 1 { "" } else { "s" },
                if c.warnings.is_empty() {
                    ""
                } else {
                    " (stale or estimated rows; see summary.json cost.warnings)"
                }
            ));
            out.push_str(&sizing(c));
        }
    }
    out
}

/// The commitment-sizing table (units worth committing only), or nothing when none pays.
pub(crate) fn sizing(c: &super::cost::CostSummary) -> String {
    let rows: Vec<Vec<String>> = c
        .sizing
        .iter()
        .filter(|z| z.units > 0)
        .map(|z| {
            vec![
                z.label(),
                z.recommendation.clone(),
                format!("{} of {}", z.always_on_units, z.unit_utilisation.len()),
                pct(z.break_even_utilisation),
                money(&z.yearly_saving_usd),
            ]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\n### Commitment sizing\n\nCommit the k-th unit while its share of the run's hours is at \
         least the break-even (committed ÷ on-demand rate; GCE on-demand after sustained-use \
         discounts). Savings per year against on-demand.\n\n{}",
        md_table(&super::SIZING_COLUMNS, &rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_section_deterministically() {
        let r = crate::report::fixture_report("platform");
        let md = render(&r);
        assert_eq!(md, render(&r));
        for part in [
            "## capsim run — `platform`",
            "| web@aws |",
            "### SLO — path web → api",
            "**Database**",
            "**Cache**",
            "**Node pool aws-general**",
            "prices as of",
            "price warning",
            "### Commitment sizing",
            "| prod node pool aws-general | buy ",
        ] {
            assert!(md.contains(part), "missing {part:?} in\n{md}");
        }
        let cheapest = &r.cost.as_ref().unwrap().months[0].cheapest;
        assert!(!cheapest.is_empty());
        assert!(md.contains("**$"), "{md}");
    }
}
