//! Fitting a service's `cpuPerRequest` and `idleCpu` from what Prometheus measured: a request
//! rate series and a CPU usage series (and optionally a ready-pod count), aligned by timestamp,
//! by ordinary least squares:
//!
//! ```text
//! cpu(t) = cpuPerRequest × rps(t) + idle × x(t)      x = 1 (idle of the whole service)
//!                                                    x = pods(t) (idle per pod, as capsim's idleCpu)
//! ```
//!
//! CPU is in cores (what `rate(container_cpu_usage_seconds_total[5m])` gives), so the slope is
//! CPU-seconds per request; the fit's quality is reported as R², RMSE and the number of points.

use serde::Serialize;

/// A fitted model and how well it fits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// CPU time per request, in CPU-milliseconds (the scenario's `cpuPerRequest`).
    pub cpu_per_request_ms: f64,
    /// CPU with no traffic, in millicores: per pod with a pods series (the scenario's `idleCpu`),
    /// else for the whole service.
    pub idle_cpu_milli: f64,
    /// Whether `idle_cpu_milli` is per pod.
    pub idle_per_pod: bool,
    /// Share of the CPU's variance the model explains (1 is a perfect fit).
    pub r_squared: f64,
    /// Root-mean-square error of the fitted CPU, in millicores.
    pub rmse_milli: f64,
    /// Points used (timestamps present in every series).
    pub points: usize,
    /// Points of the series that had no partner at the same timestamp (left out).
    pub unmatched: usize,
    /// First and last timestamps used, Unix milliseconds.
    pub first_ms: i64,
    pub last_ms: i64,
}

/// Fit `cpu_cores ≈ a·rps + b·x` where x is 1 or the pod count; the series are `(Unix ms,
/// value)` sorted by time. An error says why no fit is possible.
pub fn fit(
    rps: &[(i64, f64)],
    cpu_cores: &[(i64, f64)],
    pods: Option<&[(i64, f64)]>,
) -> Result<Fit, String> {
    // Join on timestamps (every series sorted).
    let at = |s: &[(i64, f64)], t: i64| s.binary_search_by_key(&t, |p| p.0).ok().map(|i| s[i].1);
    let mut rows: Vec<(f64, f64, f64, i64)> = Vec::new();
    for &(t, r) in rps {
        let Some(c) = at(cpu_cores, t) else { continue };
        let x = match pods {
            Some(p) => match at(p, t) {
                Some(n) => n,
                None => continue,
            },
            None => 1.0,
        };
        rows.push((r, x, c, t));
    }
    let n = rows.len();
    let total = rps.len() + cpu_cores.len() + pods.map_or(0, <[_]>::len);
    let used = n * if pods.is_some() { 3 } else { 2 };
    if n < 3 {
        return Err(format!(
            "only {n} timestamps are in every series (need at least 3): export the series with the same step and range"
        ));
    }
    // Normal equations for y = a·r + b·x.
    let (mut srr, mut srx, mut sxx, mut sry, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(r, x, y, _) in &rows {
        srr += r * r;
        srx += r * x;
        sxx += x * x;
        sry += r * y;
        sxy += x * y;
    }
    let det = srr * sxx - srx * srx;
    if det.abs() <= 1e-12 * (srr * sxx).max(f64::MIN_POSITIVE) {
        return Err(
            "the request rate does not vary independently of the intercept (constant traffic): \
             CPU per request and idle CPU cannot be told apart; use a range with traffic changes"
                .into(),
        );
    }
    let a = (sry * sxx - sxy * srx) / det;
    let b = (srr * sxy - srx * sry) / det;
    let mean_y = rows.iter().map(|r| r.2).sum::<f64>() / n as f64;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for &(r, x, y, _) in &rows {
        let e = y - (a * r + b * x);
        ss_res += e * e;
        ss_tot += (y - mean_y) * (y - mean_y);
    }
    let r_squared = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        1.0
    };
    Ok(Fit {
        cpu_per_request_ms: a * 1000.0,
        idle_cpu_milli: b * 1000.0,
        idle_per_pod: pods.is_some(),
        r_squared,
        rmse_milli: (ss_res / n as f64).sqrt() * 1000.0,
        points: n,
        unmatched: total - used,
        first_ms: rows[0].3,
        last_ms: rows[n - 1].3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Series = Vec<(i64, f64)>;

    /// A day of one-minute points: traffic with a daily cycle, pods following it, and a ±3 %
    /// measurement wiggle not correlated with either (deterministic, so the test is exact).
    fn synthetic(
        cpu_per_request_s: f64,
        idle_cores: f64,
        per_pod: bool,
    ) -> (Series, Series, Series) {
        let (mut rps, mut cpu, mut pods) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..1440 {
            let t = 1_767_225_600_000 + i * 60_000;
            let phase = i as f64 / 1440.0 * std::f64::consts::TAU;
            let r = 200.0 + 150.0 * phase.sin();
            // Pods follow traffic with the HPA's lag: up to two extra pods on a slow cycle.
            let n = (r / 40.0).ceil().max(2.0) + ((i / 30) % 3) as f64;
            let x = if per_pod { n } else { 1.0 };
            let noise = 1.0 + 0.03 * (i as f64 * 12.9898).sin();
            rps.push((t, r));
            pods.push((t, n));
            cpu.push((t, (cpu_per_request_s * r + idle_cores * x) * noise));
        }
        (rps, cpu, pods)
    }

    #[test]
    fn recovers_known_parameters_within_one_percent() {
        let (rps, cpu, _) = synthetic(0.025, 0.4, false);
        let f = fit(&rps, &cpu, None).unwrap();
        assert!((f.cpu_per_request_ms / 25.0 - 1.0).abs() < 0.01, "{f:?}");
        assert!((f.idle_cpu_milli / 400.0 - 1.0).abs() < 0.01, "{f:?}");
        assert_eq!((f.points, f.unmatched, f.idle_per_pod), (1440, 0, false));
        assert!(f.r_squared > 0.95 && f.r_squared < 1.0, "{f:?}");
        assert!(f.rmse_milli > 0.0);
    }

    #[test]
    fn recovers_idle_cpu_per_pod_with_a_pods_series() {
        let (rps, cpu, pods) = synthetic(0.012, 0.05, true);
        let f = fit(&rps, &cpu, Some(&pods)).unwrap();
        assert!((f.cpu_per_request_ms / 12.0 - 1.0).abs() < 0.01, "{f:?}");
        assert!((f.idle_cpu_milli / 50.0 - 1.0).abs() < 0.01, "{f:?}");
        assert!(f.idle_per_pod);
    }

    #[test]
    fn exact_data_fits_exactly_and_misaligned_points_are_counted() {
        let rps: Vec<(i64, f64)> = (0..10).map(|i| (i * 1000, i as f64)).collect();
        let mut cpu: Vec<(i64, f64)> = rps.iter().map(|&(t, r)| (t, 0.01 * r + 0.2)).collect();
        cpu.push((99_000, 5.0));
        let f = fit(&rps, &cpu, None).unwrap();
        assert!((f.cpu_per_request_ms - 10.0).abs() < 1e-9);
        assert!((f.idle_cpu_milli - 200.0).abs() < 1e-9);
        assert!((f.r_squared - 1.0).abs() < 1e-12);
        assert_eq!(f.unmatched, 1);
    }

    #[test]
    fn constant_traffic_or_no_overlap_cannot_be_fitted() {
        let rps: Vec<(i64, f64)> = (0..10).map(|i| (i, 5.0)).collect();
        let cpu: Vec<(i64, f64)> = (0..10).map(|i| (i, 1.0)).collect();
        assert!(
            fit(&rps, &cpu, None)
                .unwrap_err()
                .contains("constant traffic")
        );
        let later: Vec<(i64, f64)> = (100..110).map(|i| (i, 1.0)).collect();
        assert!(
            fit(&rps, &later, None)
                .unwrap_err()
                .contains("only 0 timestamps")
        );
    }
}
