//! Deterministic demand: page views per second at any simulated instant, from the DAU curve, the
//! daily and weekly profiles and the holiday peaks (or a replayed series). Noise is applied by the
//! caller, so this stays a pure function of time.

use jiff::civil::{Date, Weekday};

use crate::scenario::holidays::HolidayCalendar;
use crate::scenario::{Interpolation, Scenario, TrafficSource};
use crate::sim::{HOUR_MS, TimeMs};

/// One local calendar day of the run.
#[derive(Debug, Clone)]
struct DayInfo {
    /// Local midnight, in ms since the simulation start.
    start_ms: TimeMs,
    /// Monday = 0 … Sunday = 6.
    weekday: usize,
}

/// A holiday period (consecutive days of one holiday) with its peak and ramps.
#[derive(Debug, Clone)]
struct Peak {
    start_ms: TimeMs,
    end_ms: TimeMs,
    multiplier: f64,
    ramp_ms: TimeMs,
}

pub struct Demand {
    days: Vec<DayInfo>,
    kind: Kind,
    /// The curve at every multiple of a step (the traffic ticks), filled by
    /// [`Demand::tabulate`] when several runs share this curve (a sweep's grid point): a lookup
    /// then replaces ~550 instructions a tick, with the same values.
    table: Option<(TimeMs, Vec<f64>)>,
}

// One Demand per run: the size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
enum Kind {
    Synthetic {
        /// (ms since start, DAU) milestones, and how to interpolate.
        milestones: Vec<(TimeMs, f64)>,
        interpolation: Interpolation,
        capacity: Option<f64>,
        page_views_per_dau_per_day: f64,
        daily: [f64; 24],
        weekly: [f64; 7],
        peaks: Vec<Peak>,
    },
    Replay(Vec<(TimeMs, f64)>),
}

impl Demand {
    pub fn new(s: &Scenario) -> Demand {
        let sim = &s.simulation;
        // One entry per local day, plus the day after the end as a sentinel.
        let mut days = Vec::new();
        let mut d = sim.start;
        loop {
            days.push(DayInfo {
                start_ms: sim.ms_of_date(d),
                weekday: weekday_index(d.weekday()),
            });
            if d >= sim.end {
                break;
            }
            d = d.tomorrow().unwrap_or(sim.end);
        }
        let kind = match &s.traffic.source {
            TrafficSource::Replay(r) => Kind::Replay(r.points.clone()),
            TrafficSource::Synthetic(syn) => {
                let mut peaks = Vec::new();
                if let Some(h) = &syn.holidays {
                    for p in &h.peaks {
                        for (first, last) in holiday_periods(&h.calendar, &p.key) {
                            let end = last.tomorrow().unwrap_or(last);
                            peaks.push(Peak {
                                start_ms: sim.ms_of_date(first),
                                end_ms: sim.ms_of_date(end),
                                multiplier: p.multiplier,
                                ramp_ms: p.ramp_ms,
                            });
                        }
                    }
                }
                let span = days.last().map_or(0, |d| d.start_ms);
                peaks.retain(|p| p.end_ms + p.ramp_ms > 0 && p.start_ms - p.ramp_ms < span);
                Kind::Synthetic {
                    milestones: syn
                        .dau
                        .milestones
                        .iter()
                        .map(|(d, v)| (sim.ms_of_date(*d), *v))
                        .collect(),
                    interpolation: syn.dau.interpolation,
                    capacity: syn.dau.capacity,
                    page_views_per_dau_per_day: syn.page_views_per_dau_per_day,
                    daily: syn.daily_profile,
                    weekly: syn.weekly_profile,
                    peaks,
                }
            }
        };
        Demand {
            days,
            kind,
            table: None,
        }
    }

    /// Index into `days` of the day containing `t_ms`.
    fn day_index(&self, t_ms: TimeMs) -> usize {
        self.days
            .partition_point(|d| d.start_ms <= t_ms)
            .saturating_sub(1)
    }

    /// Daily active users at `t_ms` (synthetic traffic only; 0 for replays).
    pub fn dau(&self, t_ms: TimeMs) -> f64 {
        match &self.kind {
            Kind::Synthetic {
                milestones,
                interpolation,
                capacity,
                ..
            } => dau_at(milestones, *interpolation, *capacity, t_ms),
            Kind::Replay(_) => 0.0,
        }
    }

    /// Compute the curve once at 0, `step_ms`, 2·`step_ms`, … up to `end_ms` for the runs that
    /// will share it (8 bytes a step: a year of 15-s ticks is 16.8 MB).
    pub fn tabulate(&mut self, step_ms: TimeMs, end_ms: TimeMs) {
        if step_ms <= 0 || end_ms < 0 {
            return;
        }
        self.table = None;
        let values = (0..=end_ms / step_ms)
            .map(|k| self.page_views_per_s(k * step_ms))
            .collect();
        self.table = Some((step_ms, values));
    }

    /// Page views per second at `t_ms`, before noise.
    pub fn page_views_per_s(&self, t_ms: TimeMs) -> f64 {
        if let Some((step, values)) = &self.table
            && t_ms % step == 0
            && let Some(v) = usize::try_from(t_ms / step)
                .ok()
                .and_then(|k| values.get(k))
        {
            return *v;
        }
        match &self.kind {
            Kind::Replay(points) => {
                let i = points.partition_point(|(t, _)| *t <= t_ms);
                points[i.saturating_sub(1)].1
            }
            Kind::Synthetic {
                milestones,
                interpolation,
                capacity,
                page_views_per_dau_per_day,
                daily,
                weekly,
                peaks,
            } => {
                let day = &self.days[self.day_index(t_ms)];
                let hour = ((t_ms - day.start_ms) as f64 / HOUR_MS as f64).clamp(0.0, 23.999_999);
                let dau = dau_at(milestones, *interpolation, *capacity, t_ms);
                dau * page_views_per_dau_per_day / 86_400.0
                    * daily_weight(daily, hour)
                    * weekly[day.weekday]
                    * holiday_multiplier(peaks, t_ms)
            }
        }
    }
}

/// The days carrying `key`, consecutive days (Seollal's three days) merged into one
/// `(first, last)` period; the calendar yields a key's dates sorted and each once.
fn holiday_periods(calendar: &HolidayCalendar, key: &str) -> Vec<(Date, Date)> {
    let mut periods: Vec<(Date, Date)> = Vec::new();
    for date in calendar.with_key(key).map(|h| h.date) {
        match periods.last_mut() {
            Some((_, last)) if last.tomorrow().ok() == Some(date) => *last = date,
            _ => periods.push((date, date)),
        }
    }
    periods
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// The 24 hourly weights sit at each hour's midpoint; in between they are interpolated linearly
/// (cyclically across midnight), so traffic has no steps on the hour.
fn daily_weight(daily: &[f64; 24], hour: f64) -> f64 {
    let x = hour - 0.5;
    let i = x.floor();
    let frac = x - i;
    let a = daily[(i as i64).rem_euclid(24) as usize];
    let b = daily[((i as i64) + 1).rem_euclid(24) as usize];
    a + (b - a) * frac
}

/// The largest holiday multiplier in force at `t_ms` (1 outside every peak): full inside the
/// holiday's days, linear ramps of `ramp_ms` on both sides.
fn holiday_multiplier(peaks: &[Peak], t_ms: TimeMs) -> f64 {
    let mut m: f64 = 1.0;
    for p in peaks {
        let f = if t_ms >= p.start_ms && t_ms < p.end_ms {
            1.0
        } else if p.ramp_ms > 0 && t_ms < p.start_ms && t_ms >= p.start_ms - p.ramp_ms {
            1.0 - (p.start_ms - t_ms) as f64 / p.ramp_ms as f64
        } else if p.ramp_ms > 0 && t_ms >= p.end_ms && t_ms < p.end_ms + p.ramp_ms {
            1.0 - (t_ms - p.end_ms) as f64 / p.ramp_ms as f64
        } else {
            continue;
        };
        m = m.max(1.0 + (p.multiplier - 1.0) * f);
    }
    m
}

/// DAU between milestones: linear, exponential (linear in ln DAU) or logistic (linear in
/// logit(DAU / capacity)); held flat before the first and after the last milestone.
fn dau_at(ms: &[(TimeMs, f64)], interp: Interpolation, capacity: Option<f64>, t: TimeMs) -> f64 {
    let i = ms.partition_point(|(mt, _)| *mt <= t);
    if i == 0 {
        return ms[0].1;
    }
    if i == ms.len() {
        return ms[ms.len() - 1].1;
    }
    let (t0, d0) = ms[i - 1];
    let (t1, d1) = ms[i];
    let f = (t - t0) as f64 / (t1 - t0) as f64;
    match interp {
        Interpolation::Linear => d0 + (d1 - d0) * f,
        Interpolation::Exponential => d0 * (d1 / d0).powf(f),
        Interpolation::Logistic => {
            let k = capacity.unwrap_or(f64::INFINITY);
            let logit = |d: f64| (d / (k - d)).ln();
            let y = logit(d0) + (logit(d1) - logit(d0)) * f;
            k / (1.0 + (-y).exp())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolations_pass_through_milestones() {
        let ms = [(0, 1_000.0), (100, 10_000.0), (200, 50_000.0)];
        for interp in [
            Interpolation::Linear,
            Interpolation::Exponential,
            Interpolation::Logistic,
        ] {
            for (t, d) in ms {
                let got = dau_at(&ms, interp, Some(100_000.0), t);
                assert!((got - d).abs() < 1e-6 * d, "{interp:?} at {t}: {got}");
            }
        }
        // Exponential: halfway between 1k and 10k is the geometric mean.
        assert!(
            (dau_at(&ms, Interpolation::Exponential, None, 50)
                - 10_000f64.sqrt() * 1_000f64.sqrt())
            .abs()
                < 1e-6
        );
        assert!((dau_at(&ms, Interpolation::Linear, None, 50) - 5_500.0).abs() < 1e-9);
        // Held flat outside the milestones.
        assert_eq!(dau_at(&ms, Interpolation::Linear, None, 500), 50_000.0);
    }

    #[test]
    fn logistic_is_a_logistic_curve_within_a_segment() {
        // D(t) = K / (1 + e^{-r(t - t0)}) with K = 100, r = 0.05, t0 = 100: D(0) ≈ 0.669, D(200) ≈ 99.33.
        let k = 100.0;
        let d = |t: f64| k / (1.0 + (-0.05 * (t - 100.0)).exp());
        let ms = [(0, d(0.0)), (200, d(200.0))];
        for t in [25, 100, 150] {
            let got = dau_at(&ms, Interpolation::Logistic, Some(k), t);
            assert!(
                (got - d(t as f64)).abs() < 1e-9,
                "{t}: {got} vs {}",
                d(t as f64)
            );
        }
    }

    #[test]
    fn daily_weight_is_continuous_and_hits_midpoints() {
        let mut w = [1.0; 24];
        w[12] = 2.0;
        assert!((daily_weight(&w, 12.5) - 2.0).abs() < 1e-12);
        assert!((daily_weight(&w, 12.0) - 1.5).abs() < 1e-12);
        assert!((daily_weight(&w, 0.0) - 1.0).abs() < 1e-12);
        assert!((daily_weight(&w, 23.99) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn holiday_periods_merge_consecutive_days() {
        // Chuseok 2028 (Oct 2-4) with its substitute day (Oct 5) is one period; New Year's
        // Day 2028 and 2029 are two; Oct 3 also carries another key, which stays apart.
        let text = "\
date,key,name,kind
2028-01-01,new_year,New Year's Day,public
2028-10-02,chuseok,Chuseok (day before),public
2028-10-03,chuseok,Chuseok,public
2028-10-03,national_foundation_day,National Foundation Day,public
2028-10-04,chuseok,Chuseok (day after),public
2028-10-05,chuseok,Substitute holiday for Chuseok,substitute
2029-01-01,new_year,New Year's Day,public
";
        let cal = HolidayCalendar::parse(text, "t.csv").unwrap();
        let d = jiff::civil::date;
        assert_eq!(
            holiday_periods(&cal, "chuseok"),
            [(d(2028, 10, 2), d(2028, 10, 5))]
        );
        assert_eq!(
            holiday_periods(&cal, "new_year"),
            [
                (d(2028, 1, 1), d(2028, 1, 1)),
                (d(2029, 1, 1), d(2029, 1, 1))
            ]
        );
        assert_eq!(
            holiday_periods(&cal, "national_foundation_day"),
            [(d(2028, 10, 3), d(2028, 10, 3))]
        );
        assert!(holiday_periods(&cal, "christmas").is_empty());
    }

    #[test]
    fn holiday_ramps() {
        let peaks = [Peak {
            start_ms: 100,
            end_ms: 200,
            multiplier: 3.0,
            ramp_ms: 50,
        }];
        assert_eq!(holiday_multiplier(&peaks, 40), 1.0);
        assert!((holiday_multiplier(&peaks, 75) - 2.0).abs() < 1e-12);
        assert_eq!(holiday_multiplier(&peaks, 150), 3.0);
        assert!((holiday_multiplier(&peaks, 225) - 2.0).abs() < 1e-12);
        assert_eq!(holiday_multiplier(&peaks, 260), 1.0);
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;

    /// A tabulated curve answers every tick with the value it would compute, and times off
    /// the table's step or past its end as before.
    #[test]
    fn a_tabulated_curve_gives_the_computed_values() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/heal7.yaml");
        let s = crate::scenario::load(&path).expect("heal7 loads");
        let plain = Demand::new(&s);
        let mut table = Demand::new(&s);
        let end_ms = 40 * 86_400_000;
        table.tabulate(15_000, end_ms);
        for t_ms in (0..=end_ms + 60_000).step_by(7_500) {
            let (a, b) = (plain.page_views_per_s(t_ms), table.page_views_per_s(t_ms));
            assert_eq!(a.to_bits(), b.to_bits(), "at {t_ms} ms");
        }
    }
}
