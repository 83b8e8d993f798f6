//! SLO accounting: per window (5 min by default) the p95 latency of the request path and of each
//! service against the target, availability (successful / offered requests), per calendar month
//! compliance and error-budget burn, alert rules with their `for:` durations counted as firing
//! time, and the windows that broke the SLO (for outage dips and recovery times).

use crate::queueing::moments::{Mixture, Moments};
use crate::scenario::platform::{AlertMetric, AlertRule, SloCfg};
use crate::sim::TimeMs;

/// Requests and latency of one group (the path, or one service) over the current window.
#[derive(Debug, Clone, Default)]
struct WindowAcc {
    mix: Mixture,
    offered: f64,
    failed: f64,
}

/// A month's totals for one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthAgg {
    pub windows: u32,
    /// Windows whose p95 met the target.
    pub windows_latency_ok: u32,
    /// Windows whose availability met the target.
    pub windows_availability_ok: u32,
    pub offered: f64,
    pub failed: f64,
    /// Worst p95 of a window that failed the SLO (0 when none failed).
    pub worst_p95_s: f64,
    /// Worst p95 of any window, failing or not (capped at the timeout like the rest).
    pub worst_window_p95_s: f64,
}

/// Successful / offered requests; 1 when none were offered.
fn availability(offered: f64, failed: f64) -> f64 {
    if offered > 0.0 {
        1.0 - failed / offered
    } else {
        1.0
    }
}

impl MonthAgg {
    pub fn availability(&self) -> f64 {
        availability(self.offered, self.failed)
    }
    pub fn latency_compliance(&self) -> f64 {
        if self.windows > 0 {
            f64::from(self.windows_latency_ok) / f64::from(self.windows)
        } else {
            1.0
        }
    }
}

/// A window that broke the SLO (latency or availability) on the request path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Violation {
    pub start_ms: TimeMs,
    pub p95_s: f64,
    pub availability: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertTotals {
    pub name: String,
    pub firing_ms: TimeMs,
    /// Times the alert started firing.
    pub firings: u32,
}

#[derive(Debug, Clone)]
struct AlertState {
    rule: AlertRule,
    true_since: Option<TimeMs>,
    firing: bool,
    totals: AlertTotals,
}

/// Everything the SLO accounting needs per step.
pub struct StepSample<'a> {
    pub step_ms: TimeMs,
    /// (served requests, response moments) of the path, one entry per cloud.
    pub path_parts: &'a [(f64, Moments)],
    pub path_offered: f64,
    pub path_failed: f64,
    /// Per service: (offered, failed, served, response moments) summed over clouds (moments
    /// already mixed by the caller where there are several clouds: one entry per cloud).
    pub services: &'a [Vec<(f64, f64, f64, Moments)>],
    pub db_connections: f64,
}

#[derive(Debug, Clone)]
pub struct SloTracker {
    cfg: SloCfg,
    /// (label, start ms) of each calendar month of the run.
    months: Vec<(String, TimeMs)>,
    window_start_ms: TimeMs,
    path: WindowAcc,
    services: Vec<WindowAcc>,
    pub path_months: Vec<MonthAgg>,
    pub service_months: Vec<Vec<MonthAgg>>,
    pub violations: Vec<Violation>,
    alerts: Vec<AlertState>,
    scratch: Mixture,
    /// Per service: the largest p95 reported (its timeout, s); the path's is its entry's.
    p95_caps_s: Vec<f64>,
}

impl SloTracker {
    pub fn new(cfg: SloCfg, months: Vec<(String, TimeMs)>, services: usize) -> Self {
        let m = months.len();
        let alerts = cfg
            .alerts
            .iter()
            .map(|r| AlertState {
                rule: r.clone(),
                true_since: None,
                firing: false,
                totals: AlertTotals {
                    name: r.name.clone(),
                    firing_ms: 0,
                    firings: 0,
                },
            })
            .collect();
        SloTracker {
            cfg,
            months,
            window_start_ms: 0,
            path: WindowAcc::default(),
            services: vec![WindowAcc::default(); services],
            path_months: vec![MonthAgg::default(); m],
            service_months: vec![vec![MonthAgg::default(); m]; services],
            violations: Vec::new(),
            alerts,
            scratch: Mixture::default(),
            p95_caps_s: Vec::new(),
        }
    }

    /// Cap the p95 reported for each service at its timeout (seconds), and the path's at its
    /// entry service's: a served request never waits past the timeout, whatever the two-moment
    /// fit's tail says.
    pub fn with_p95_caps(mut self, caps_s: Vec<f64>) -> Self {
        self.p95_caps_s = caps_s;
        self
    }

    fn cap_s(&self, service: Option<usize>) -> f64 {
        let i = service.or_else(|| self.cfg.path.first().copied());
        i.and_then(|i| self.p95_caps_s.get(i).copied())
            .unwrap_or(f64::INFINITY)
    }

    pub fn window_ms(&self) -> TimeMs {
        self.cfg.window_ms
    }

    pub fn months(&self) -> &[(String, TimeMs)] {
        &self.months
    }

    /// Add one step ending at `now`; closes windows as they end.
    pub fn add(&mut self, now: TimeMs, s: &StepSample<'_>) {
        for &(w, m) in s.path_parts {
            self.path.mix.add(w, m);
        }
        self.path.offered += s.path_offered;
        self.path.failed += s.path_failed;
        for (acc, parts) in self.services.iter_mut().zip(s.services) {
            for &(offered, failed, served, m) in parts {
                acc.offered += offered;
                acc.failed += failed;
                acc.mix.add(served, m);
            }
        }
        self.evaluate_alerts(now, s);
        if now - self.window_start_ms >= self.cfg.window_ms {
            self.close_window(now);
        }
    }

    fn evaluate_alerts(&mut self, now: TimeMs, s: &StepSample<'_>) {
        if self.alerts.is_empty() {
            return;
        }
        let error_rate = if s.path_offered > 0.0 {
            s.path_failed / s.path_offered
        } else {
            0.0
        };
        let needs_p95 = self
            .alerts
            .iter()
            .any(|a| a.rule.metric == AlertMetric::LatencyP95Ms);
        let p95_ms = if needs_p95 {
            self.scratch.clear();
            for &(w, m) in s.path_parts {
                self.scratch.add(w, m);
            }
            self.scratch.quantile(0.95).min(self.cap_s(None)) * 1000.0
        } else {
            0.0
        };
        for a in &mut self.alerts {
            let value = match a.rule.metric {
                AlertMetric::ErrorRate => error_rate,
                AlertMetric::DbConnections => s.db_connections,
                AlertMetric::LatencyP95Ms => p95_ms,
            };
            if value > a.rule.above {
                let since = *a.true_since.get_or_insert(now - s.step_ms);
                if now - since >= a.rule.for_ms {
                    if !a.firing {
                        a.firing = true;
                        a.totals.firings += 1;
                        // It fires at since + for; count the part of this step after that.
                        a.totals.firing_ms += (now - (since + a.rule.for_ms)).min(s.step_ms);
                    } else {
                        a.totals.firing_ms += s.step_ms;
                    }
                }
            } else {
                a.true_since = None;
                a.firing = false;
            }
        }
    }

    fn month_index(&self, t: TimeMs) -> usize {
        self.months
            .partition_point(|(_, start)| *start <= t)
            .saturating_sub(1)
    }

    /// Close the window ending at `now` (also call at the end of the run).
    pub fn close_window(&mut self, now: TimeMs) {
        if now <= self.window_start_ms {
            return;
        }
        let target = self.cfg.latency_p95_ms / 1000.0;
        let month = self.month_index(self.window_start_ms);
        let avail_target = self.cfg.availability;
        // Adds the window to the month; returns (p95 met, availability, the window's p95 where it
        // was computed — a failing window needs it again, and a quantile is ~60 tail evaluations).
        let judge = |acc: &WindowAcc, agg: &mut MonthAgg, cap_s: f64| -> (bool, f64, Option<f64>) {
            agg.windows += 1;
            agg.offered += acc.offered;
            agg.failed += acc.failed;
            // p95 ≤ target ⇔ P(T > target) ≤ 5 %: one tail evaluation decides compliance.
            let latency_ok = acc.mix.is_empty() || acc.mix.tail(target) <= 0.05;
            // The month's worst window p95: the quantile is computed only for a window whose p95
            // exceeds the worst so far (P(T > worst) > 5 %), one more tail evaluation otherwise.
            let mut computed = None;
            if !acc.mix.is_empty()
                && agg.worst_window_p95_s < cap_s
                && acc.mix.tail(agg.worst_window_p95_s) > 0.05
            {
                let p95 = acc.mix.quantile(0.95).min(cap_s);
                agg.worst_window_p95_s = agg.worst_window_p95_s.max(p95);
                computed = Some(p95);
            }
            let availability = availability(acc.offered, acc.failed);
            if latency_ok {
                agg.windows_latency_ok += 1;
            }
            if availability >= avail_target {
                agg.windows_availability_ok += 1;
            }
            (latency_ok, availability, computed)
        };
        let mut path_agg = std::mem::take(&mut self.path_months[month]);
        let (lat_ok, availability, computed) = judge(&self.path, &mut path_agg, self.cap_s(None));
        let avail_ok = availability >= avail_target;
        if !lat_ok || !avail_ok {
            // Only the failing windows need their p95 computed.
            let p95 =
                computed.unwrap_or_else(|| self.path.mix.quantile(0.95).min(self.cap_s(None)));
            path_agg.worst_p95_s = path_agg.worst_p95_s.max(p95);
            self.violations.push(Violation {
                start_ms: self.window_start_ms,
                p95_s: p95,
                availability,
            });
        }
        self.path_months[month] = path_agg;
        for (i, acc) in self.services.iter().enumerate() {
            let cap = self.cap_s(Some(i));
            let agg = &mut self.service_months[i][month];
            let (lat_ok, _, computed) = judge(acc, agg, cap);
            // As for the worst window: a window whose tail at the month's worst so far is within
            // 5 % cannot raise it, so its quantile is not needed (a service off the path, slower
            // than the path's target, fails every window).
            if !lat_ok
                && (computed.is_some()
                    || (agg.worst_p95_s < cap && acc.mix.tail(agg.worst_p95_s) > 0.05))
            {
                let p95 = computed.unwrap_or_else(|| acc.mix.quantile(0.95).min(cap));
                agg.worst_p95_s = agg.worst_p95_s.max(p95);
            }
        }
        for acc in std::iter::once(&mut self.path).chain(&mut self.services) {
            acc.mix.clear();
            acc.offered = 0.0;
            acc.failed = 0.0;
        }
        self.window_start_ms = now;
    }

    pub fn alert_totals(&self) -> Vec<AlertTotals> {
        self.alerts.iter().map(|a| a.totals.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::platform::{AlertMetric, AlertRule};

    fn cfg() -> SloCfg {
        SloCfg {
            latency_p95_ms: 500.0,
            availability: 0.999,
            window_ms: 300_000,
            path: vec![0],
            alerts: vec![AlertRule {
                name: "HighErrorRate".into(),
                metric: AlertMetric::ErrorRate,
                above: 0.05,
                for_ms: 300_000,
            }],
            cache_hit_ratio: None,
        }
    }

    fn step(t: &mut SloTracker, now: TimeMs, mean_s: f64, offered: f64, failed: f64) {
        let parts = [(
            offered - failed,
            Moments {
                mean_s,
                var_s2: mean_s * mean_s,
            },
        )];
        let svc = vec![vec![(offered, failed, offered - failed, parts[0].1)]];
        t.add(
            now,
            &StepSample {
                step_ms: 60_000,
                path_parts: &parts,
                path_offered: offered,
                path_failed: failed,
                services: &svc,
                db_connections: 0.0,
            },
        );
    }

    #[test]
    fn windows_months_and_alerts() {
        let months = vec![
            ("2026-01".to_string(), 0),
            ("2026-02".to_string(), 3_600_000),
        ];
        let mut t = SloTracker::new(cfg(), months, 1);
        // First hour: fast and clean (12 windows). Second hour: slow (exponential, mean 0.5 s →
        // p95 1.5 s) with 10 % errors for 10 minutes, then clean.
        for i in 1..=60 {
            step(&mut t, i * 60_000, 0.1, 100.0, 0.0);
        }
        for i in 61..=120 {
            let bad = i <= 70;
            step(
                &mut t,
                i * 60_000,
                if bad { 0.5 } else { 0.1 },
                100.0,
                if bad { 10.0 } else { 0.0 },
            );
        }
        let jan = &t.path_months[0];
        assert_eq!(
            (
                jan.windows,
                jan.windows_latency_ok,
                jan.windows_availability_ok
            ),
            (12, 12, 12)
        );
        let feb = &t.path_months[1];
        assert_eq!((feb.windows, feb.windows_latency_ok), (12, 10));
        assert!((feb.availability() - (1.0 - 100.0 / 6_000.0)).abs() < 1e-12);
        assert!((feb.worst_p95_s - 0.5 * 20f64.ln()).abs() < 1e-3);
        assert_eq!(t.violations.len(), 2);
        // Error rate > 5 % from minute 61 to 70: true for 10 min, fires after 5 → 5 min firing.
        let a = &t.alert_totals()[0];
        assert_eq!((a.firings, a.firing_ms), (1, 300_000));
    }
}
