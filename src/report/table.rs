//! The terminal summary: one row per service.

use super::RunReport;

pub fn render(r: &RunReport) -> String {
    let s = &r.scenario;
    let mut out = format!(
        "capsim {} — scenario {} ({}), seed {}, {} to {} ({}), {:.0} h simulated\n\n",
        r.capsim_version, s.name, s.file, s.seed, s.start, s.end, s.time_zone, s.duration_hours
    );
    let header = [
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
    ];
    let rows: Vec<[String; 10]> = r
        .services
        .iter()
        .map(|v| {
            [
                v.name.clone(),
                match (v.hpa_min_replicas, v.hpa_max_replicas) {
                    (Some(a), Some(b)) => format!("{a}..{b}"),
                    _ => "fixed".to_string(),
                },
                v.min_replicas.to_string(),
                format!("{:.2}", v.mean_replicas),
                v.peak_replicas.to_string(),
                v.peak_replicas_at
                    .chars()
                    .take(16)
                    .collect::<String>()
                    .replace('T', " "),
                format!("{:.0}", v.replica_hours),
                format!("{:.1}", v.peak_rps),
                format!("{}/{}", v.scale_up_events, v.scale_down_events),
                format!("{:.1}", v.hours_at_max_replicas),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
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
    out.push_str(&line(&header.map(String::from)));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push_str(
        "\nreplicas = spec.replicas set by the HPA; replica-h = pod-hours of every pod that existed; \
         peak at = local time.\n",
    );
    out
}
