//! The terminal summary: replicas per service and cloud, then SLOs per month, the database,
//! the cache, node pools and outages, each as an aligned table.

use super::{RunReport, pct, short_time};

/// Render rows as an aligned table: the first column left-aligned, the rest right-aligned.
pub(crate) fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w - c.chars().count();
            if i == 0 {
                l.push_str(c);
                l.push_str(&" ".repeat(pad));
            } else {
                l.push_str("  ");
                l.push_str(&" ".repeat(pad));
                l.push_str(c);
            }
        }
        l.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out.push_str(&line(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

pub fn render(r: &RunReport) -> String {
    let s = &r.scenario;
    let mut out = format!(
        "capsim {} — scenario {} ({}), seed {}, {} to {} ({}), {:.0} h simulated\n\n",
        r.capsim_version, s.name, s.file, s.seed, s.start, s.end, s.time_zone, s.duration_hours
    );
    let multi = r.clouds.len() > 1;
    let rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|v| {
            vec![
                if multi {
                    format!("{}@{}", v.name, v.cloud)
                } else {
                    v.name.clone()
                },
                v.hpa_range(),
                v.min_replicas.to_string(),
                format!("{:.2}", v.mean_replicas),
                v.peak_replicas.to_string(),
                v.peak_at_cell(),
                format!("{:.0}", v.replica_hours),
                format!("{:.1}", v.peak_rps),
                format!("{}/{}", v.scale_up_events, v.scale_down_events),
                format!("{:.1}", v.hours_at_max_replicas),
                v.availability_cell(),
            ]
        })
        .collect();
    out.push_str(&aligned(
        &[
            "service",
            "hpa min..max",
            "replicas min",
            "mean",
            "peak",
            "peak at",
            "replica-h",
            "peak rps",
            "scale up/down",
            "h at max",
            "availability",
        ],
        &rows,
    ));
    out.push_str(
        "replicas = spec.replicas set by the HPA; replica-h = pod-hours of every pod that existed; \
         times are local.\n",
    );
    out.push_str(&super::not_placed_notes(&r.services));

    let slo = &r.slo;
    out.push_str(&format!(
        "\nSLO — path {}: {}\n",
        slo.path.join(" → "),
        slo.objective()
    ));
    let rows: Vec<Vec<String>> = slo
        .months
        .iter()
        .map(|m| {
            let mut row = m.cells();
            // The worst p95 of any window of the month, as report.html and the check give it.
            row.push(if m.worst_window_p95_ms > 0.0 {
                format!("{:.0}", m.worst_window_p95_ms)
            } else {
                "-".into()
            });
            row
        })
        .collect();
    out.push_str(&aligned(
        &[
            "month",
            "windows p95 ok",
            "availability",
            "budget burn",
            "worst window p95 ms",
        ],
        &rows,
    ));
    for a in &slo.alerts {
        out.push_str(&format!(
            "alert {}: fired {} times, {:.2} h in all\n",
            a.name, a.firings, a.firing_hours
        ));
    }

    if let Some(db) = &r.database {
        out.push_str(&format!(
            "\nDatabase — max_connections {} − {} reserved = {:.0} for the services per instance{}\n",
            db.max_connections,
            db.reserved_connections,
            db.connection_limit,
            if db.pooler { ", behind a transaction-mode pooler" } else { "" }
        ));
        out.push_str(&format!(
            "with every HPA at maxReplicas the pools would ask the primary for {:.0} connections ({})\n",
            db.connections_at_max_replicas,
            if db.connections_at_max_replicas > db.connection_limit {
                if db.pooler { "over the limit, but the pooler multiplexes them" } else { "over the limit" }
            } else {
                "within the limit"
            }
        ));
        let rows: Vec<Vec<String>> = db
            .instances
            .iter()
            .map(|i| {
                vec![
                    i.name.clone(),
                    // Half connections happen (reads split over two replicas): the same
                    // figures as report.html.
                    super::svg::num(i.peak_demanded_connections),
                    short_time(&i.peak_demanded_at),
                    super::svg::num(i.peak_connections),
                    i.minutes_with_refused_connections.to_string(),
                    pct(i.peak_cpu_utilisation),
                ]
            })
            .collect();
        out.push_str(&aligned(
            &[
                "instance",
                "peak demanded conns",
                "at",
                "peak open conns",
                "minutes refusing",
                "peak CPU",
            ],
            &rows,
        ));
    }
    if let Some(c) = &r.cache {
        out.push_str(&format!(
            "\nCache — {} × {}: hit ratio mean {}, lowest {} at {}\n",
            c.nodes,
            c.node_type,
            pct(c.mean_hit_ratio),
            pct(c.min_hit_ratio),
            short_time(&c.min_hit_ratio_at)
        ));
    }
    if !r.node_pools.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .node_pools
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.cloud.clone(),
                    format!("{} ({})", p.instance_type, p.capacity_type),
                    p.peak_nodes.to_string(),
                    short_time(&p.peak_nodes_at),
                    format!("{:.0}", p.node_hours),
                    p.spot_interruptions.to_string(),
                ]
            })
            .collect();
        out.push_str(&aligned(
            &[
                "node pool",
                "cloud",
                "instance",
                "peak nodes",
                "at",
                "node-h",
                "spot interruptions",
            ],
            &rows,
        ));
    }
    if let Some(c) = &r.cost {
        out.push_str(&format!(
            "\nCost per month, {} (price book {}, prices as of {}; cheapest marked *)\n",
            c.currency, c.price_book, c.price_book_date
        ));
        let mut header: Vec<&str> = vec!["month"];
        header.extend(c.variants.iter().map(String::as_str));
        let money = |m: &str| -> String {
            let v: f64 = m.parse().unwrap_or(0.0);
            format!("{v:.2}")
        };
        let mut rows: Vec<Vec<String>> = c
            .months
            .iter()
            .map(|m| {
                let mut row = vec![m.month.clone()];
                for v in &c.variants {
                    let cell = m.totals_usd.get(v).map(|x| money(x)).unwrap_or_default();
                    row.push(if *v == m.cheapest {
                        format!("*{cell}")
                    } else {
                        cell
                    });
                }
                row
            })
            .collect();
        let mut total = vec!["run".to_string()];
        for v in &c.variants {
            let cell = c
                .run_totals_usd
                .get(v)
                .map(|x| money(x))
                .unwrap_or_default();
            total.push(if *v == c.cheapest_overall {
                format!("*{cell}")
            } else {
                cell
            });
        }
        rows.push(total);
        out.push_str(&aligned(&header, &rows));
        if let Some(last) = c.months.last() {
            let parts: Vec<String> = last
                .on_demand_by_environment_usd
                .iter()
                .map(|(k, v)| format!("{k} {}", money(v)))
                .collect();
            out.push_str(&format!(
                "{} on-demand by environment: {}\n",
                last.month,
                parts.join(", ")
            ));
        }
        let buy: Vec<&super::cost::SizingSummary> =
            c.sizing.iter().filter(|z| z.units > 0).collect();
        if !buy.is_empty() {
            out.push_str(
                "Commitment sizing: commit the k-th unit while its share of the run's hours \
                 ≥ committed ÷ on-demand rate (saving per year vs on-demand)\n",
            );
            let rows: Vec<Vec<String>> = buy
                .iter()
                .map(|z| {
                    vec![
                        z.label(),
                        z.recommendation.clone(),
                        format!("{}/{}", z.always_on_units, z.unit_utilisation.len()),
                        pct(z.break_even_utilisation),
                        money(&z.yearly_saving_usd),
                    ]
                })
                .collect();
            out.push_str(&aligned(
                &[
                    "resource",
                    "recommendation",
                    "always on/peak",
                    "break-even use",
                    "saving/year",
                ],
                &rows,
            ));
        }
        if !c.warnings.is_empty() {
            out.push_str(&format!(
                "{} price warnings (stale or estimated rows) — see summary.json cost.warnings\n",
                c.warnings.len()
            ));
        }
    }
    for o in &r.outages {
        out.push_str(&format!(
            "\nOutage of {} from {} to {}: {} failing SLO windows, worst availability {}, worst p95 {:.0} ms; {}\n",
            o.cloud,
            short_time(&o.start),
            short_time(&o.end),
            o.violating_windows,
            pct(o.worst_window_availability),
            o.worst_window_p95_ms,
            match (&o.recovered_at, o.recovery_minutes) {
                (Some(t), Some(m)) => format!("recovered at {} ({m:.0} min after the start)", short_time(t)),
                _ => "no SLO window failed".to_string(),
            }
        ));
    }
    out
}
