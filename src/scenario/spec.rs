//! Decoding and validating the `Scenario` document: every field's type, unit and range, and the
//! rules across fields (milestones in order, min ≤ max, holiday data covering the run).

use std::path::Path;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::decode::show;
use super::decode::{Cx, MapReader};
use super::yaml::{Node, Value};
use super::*;
use crate::sim::{DAY_MS, HOUR_MS};

pub(super) fn decode_scenario(root: &Node, cx: &mut Cx, base_dir: &Path) -> Option<Scenario> {
    let mut m = cx.map(root, "")?;
    if let Some(n) = m.req(cx, "apiVersion", "capsim/v1alpha1")
        && let Some(v) = cx.scalar(n, "apiVersion", "capsim/v1alpha1")
        && v != "capsim/v1alpha1"
    {
        cx.problem(
            n,
            "apiVersion",
            format!("unsupported apiVersion {v:?}"),
            "write apiVersion: capsim/v1alpha1",
        );
    }
    if let Some(n) = m.req(cx, "kind", "Scenario")
        && let Some(v) = cx.scalar(n, "kind", "Scenario")
        && v != "Scenario"
    {
        cx.problem(
            n,
            "kind",
            format!("expected kind Scenario, found {v:?}"),
            "write kind: Scenario",
        );
    }
    let (name, description) = m
        .req(cx, "metadata", "name: ...")
        .and_then(|n| decode_metadata(n, cx))
        .unzip();
    let spec = m.req(
        cx,
        "spec",
        "the scenario's simulation, traffic and services",
    );
    m.finish(cx);
    let spec = spec?;

    let mut s = cx.map(spec, "spec")?;
    let simulation = s
        .req(cx, "simulation", "start, duration and seed")
        .and_then(|n| decode_simulation(n, cx));
    let traffic_node = s.req(cx, "traffic", "the demand model");
    let services = s
        .req(cx, "services", "a mapping of service name to service")
        .and_then(|n| decode_services(n, cx));
    let kubernetes = s.opt_or(cx, "kubernetes", Kubernetes::default(), |cx, n, _| {
        decode_kubernetes(n, cx)
    });
    // Traffic needs the simulation's dates and zone to check coverage and read replayed series.
    // Without a valid simulation section, traffic's own problems are still reported, but the
    // checks against the run's dates are skipped (they would only add noise).
    let traffic = traffic_node
        .and_then(|n| decode_traffic(n, cx, simulation.as_ref(), services.as_deref(), base_dir));
    let catalogue = decode_catalogue(&mut s, cx, base_dir);
    let platform = match (&simulation, &services, &catalogue) {
        (Some(sim), Some(svcs), Some(catalogue)) => {
            let names: Vec<String> = svcs.iter().map(|s| s.name.clone()).collect();
            let ctx = platform::Context {
                service_names: &names,
                start: sim.start,
                time_zone: sim.time_zone.clone(),
                duration_ms: sim.duration_ms,
                catalogue,
            };
            let p = platform::decode(&mut s, cx, &ctx);
            if let Some(p) = &p {
                check_node_pools(spec, cx, svcs, p);
            }
            if let (Some(p), Some(svcs)) = (&p, &services)
                && p.database.is_none()
                && let Some(svc) = svcs.iter().find(|s| s.database.is_some())
            {
                cx.problem(
                    spec,
                    &format!("spec.services.{}.database", svc.name),
                    "the service uses a database, but spec.database is missing",
                    "add spec.database or remove the service's database section",
                );
            }
            p
        }
        _ => {
            // Their problems would only repeat the ones that stopped the platform's decoding.
            s.ignore(platform::KEYS);
            None
        }
    };
    // When the platform could not be decoded (the simulation or the services are invalid), its
    // sections are still known fields: their problems wait for the next run of `validate`.
    s.ignore(platform::KEYS);
    let cost = match &platform {
        Some(p) => {
            let clouds: Vec<String> = p.clouds.iter().map(|c| c.name.clone()).collect();
            let providers: Vec<String> = p.clouds.iter().map(|c| c.provider.clone()).collect();
            match s.opt("cost") {
                Some(n) => cost_spec::decode(n, cx, &clouds, &providers),
                None => Some(cost_spec::CostCfg::defaults(&providers)),
            }
        }
        None => {
            s.ignore(&["cost"]);
            None
        }
    };
    let check = s.opt_or(cx, "check", check_spec::CheckCfg::default(), |cx, n, _| {
        check_spec::decode(n, cx, base_dir)
    });
    s.finish(cx);
    Some(Scenario {
        name: name?,
        description: description.unwrap_or_default(),
        file: cx.file.clone(),
        simulation: simulation?,
        traffic: traffic?,
        services: services?,
        kubernetes: kubernetes?,
        platform: platform?,
        cost: cost?,
        check: check?,
    })
}

/// `spec.catalogue`: a CSV of instance types (the built-in catalogue's columns) laid over the
/// built-in catalogue, so a new type needs no rebuild. `None` (with problems) when it is bad.
fn decode_catalogue(
    s: &mut MapReader,
    cx: &mut Cx,
    base_dir: &Path,
) -> Option<crate::catalogue::Catalogue> {
    let builtin = crate::catalogue::Catalogue::builtin();
    let Some(n) = s.opt("catalogue") else {
        return Some(builtin);
    };
    let rel = cx.string(n, "spec.catalogue")?;
    cx.absorb(
        builtin.extended_from(&base_dir.join(&rel)),
        n,
        "spec.catalogue",
        "give a CSV path relative to the scenario file (columns as data/instances/catalogue.csv)",
    )
}

fn decode_metadata(node: &Node, cx: &mut Cx) -> Option<(String, String)> {
    let mut m = cx.map(node, "metadata")?;
    let name = m.req(cx, "name", "a name such as heal7").and_then(|n| {
        let v = cx.string(n, "metadata.name")?;
        // It names the output folder (reports/<name>/): it starts with a letter or digit, so
        // "." and ".." (the folder itself, its parent) and hidden names are not names.
        let ok = !v.is_empty()
            && v.len() <= 63
            && v.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.');
        if !ok {
            cx.problem(
                n,
                "metadata.name",
                format!("{v:?} is not a valid name"),
                "use up to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit (it names the output folder)",
            );
            return None;
        }
        Some(v)
    });
    let description = m
        .opt("description")
        .and_then(|n| cx.string(n, "metadata.description"));
    m.ignore(&["labels", "annotations"]);
    m.finish(cx);
    Some((name?, description.unwrap_or_default()))
}

fn decode_simulation(node: &Node, cx: &mut Cx) -> Option<Simulation> {
    let mut m = cx.map(node, "spec.simulation")?;
    let start = m
        .req(cx, "start", "a date such as 2026-01-01")
        .and_then(|n| cx.date(n, "spec.simulation.start"));
    let duration_node = m.req(cx, "duration", "a length such as 12mo, 365d or 2w");
    let tz_name = m.opt_or(cx, "timeZone", "Asia/Seoul".to_string(), Cx::string);
    let tz = tz_name.as_ref().and_then(|name| match TimeZone::get(name) {
        Ok(tz) => Some(tz),
        Err(_) => {
            let n = m.opt("timeZone").unwrap_or(node);
            cx.problem(
                n,
                "spec.simulation.timeZone",
                format!("unknown time zone {name:?}"),
                "write an IANA time zone name such as Asia/Seoul or UTC",
            );
            None
        }
    });
    let seed = m.opt_or(cx, "seed", 1, |cx, n, p| {
        cx.int(n, p, 0, i64::MAX).map(|v| v as u64)
    });
    let resolution = m.opt_or(cx, "outputResolution", HOUR_MS, |cx, n, p| {
        let ms = cx.duration_ms(n, p)?;
        if ms < 15_000 || DAY_MS % ms != 0 {
            cx.problem(
                n,
                p,
                "must be at least 15s and divide a day evenly",
                "use e.g. 1m, 5m, 15m or 1h",
            );
            return None;
        }
        Some(ms)
    });
    m.finish(cx);
    let (start, tz, duration_node) = (start?, tz?, duration_node?);
    let end = match parse_calendar_span(
        cx.scalar(duration_node, "spec.simulation.duration", "a length")?,
        start,
    ) {
        Ok(end) => end,
        Err(why) => {
            cx.problem(
                duration_node,
                "spec.simulation.duration",
                why,
                "write a length such as 12mo, 365d, 2w or 1y",
            );
            return None;
        }
    };
    let ts = |d: Date| d.to_zoned_datetime(tz.clone()).map(|z| z.timestamp());
    let duration_ms = match (ts(start), ts(end)) {
        (Ok(a), Ok(b)) => b.as_millisecond() - a.as_millisecond(),
        _ => {
            cx.problem(
                duration_node,
                "spec.simulation.duration",
                "the dates are outside the supported range",
                "use dates between 1900 and 2200",
            );
            return None;
        }
    };
    Some(Simulation {
        start,
        end,
        time_zone: tz,
        time_zone_name: tz_name?,
        duration_ms,
        seed: seed?,
        output_resolution_ms: resolution?,
    })
}

/// `<n>d`, `<n>w`, `<n>mo`, `<n>y` → the exclusive end date; the run must last 1 day to 20 years.
fn parse_calendar_span(text: &str, start: Date) -> Result<Date, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("expected a whole number and a unit, found {t:?}"))?;
    if n <= 0 {
        return Err(format!("the duration must be positive, found {t:?}"));
    }
    let span = match unit.trim() {
        "d" => jiff::Span::new().try_days(n),
        "w" => jiff::Span::new().try_weeks(n),
        "mo" => jiff::Span::new().try_months(n),
        "y" => jiff::Span::new().try_years(n),
        _ => return Err(format!("unknown unit in {t:?} (use d, w, mo or y)")),
    }
    .map_err(|_| format!("{t:?} is too long"))?;
    let end = start
        .checked_add(span)
        .map_err(|_| format!("{t:?} is too long"))?;
    if end
        > start
            .checked_add(jiff::Span::new().years(20))
            .unwrap_or(end)
    {
        return Err(format!(
            "{t:?} is longer than the 20 years capsim simulates"
        ));
    }
    Ok(end)
}

fn decode_traffic(
    node: &Node,
    cx: &mut Cx,
    sim: Option<&Simulation>,
    services: Option<&[Service]>,
    base_dir: &Path,
) -> Option<Traffic> {
    let mut m = cx.map(node, "spec.traffic")?;
    let noise = m.opt_read(cx, "noise", |cx, n, _| decode_noise(n, cx));
    let replay = m.opt("replay");
    let source = if let Some(r) = replay {
        for k in [
            "dau",
            "pageViewsPerDauPerDay",
            "dailyProfile",
            "weeklyProfile",
            "holidays",
        ] {
            if let Some(n) = m.opt(k) {
                cx.problem(
                    n,
                    &m.child(k),
                    "a replayed series replaces the synthetic demand model",
                    format!("remove `{k}` or remove `replay`"),
                );
            }
        }
        decode_replay(r, cx, sim, services, base_dir).map(TrafficSource::Replay)
    } else {
        decode_synthetic(&mut m, cx, sim, base_dir).map(|s| TrafficSource::Synthetic(Box::new(s)))
    };
    m.finish(cx);
    Some(Traffic {
        source: source?,
        noise: noise?,
    })
}

fn decode_noise(node: &Node, cx: &mut Cx) -> Option<Noise> {
    let mut m = cx.map(node, "spec.traffic.noise")?;
    let sigma = m
        .req(
            cx,
            "sigma",
            "the standard deviation of log traffic, e.g. 0.1",
        )
        .and_then(|n| {
            let v = cx.non_negative(n, "spec.traffic.noise.sigma")?;
            if v > 2.0 {
                cx.problem(
                    n,
                    "spec.traffic.noise.sigma",
                    format!("{} is implausibly large (e^2 ≈ 7× swings)", show(v)),
                    "use a value from 0 to 2; 0.05–0.2 is typical",
                );
                return None;
            }
            Some(v)
        });
    let tau = m
        .req(
            cx,
            "correlationTime",
            "how long a deviation persists, e.g. 30m",
        )
        .and_then(|n| cx.positive_duration_ms(n, "spec.traffic.noise.correlationTime"));
    m.finish(cx);
    Some(Noise {
        sigma: sigma?,
        correlation_time_ms: tau?,
    })
}

fn decode_synthetic(
    m: &mut MapReader,
    cx: &mut Cx,
    sim: Option<&Simulation>,
    base_dir: &Path,
) -> Option<Synthetic> {
    let dau_node = m.req(cx, "dau", "the DAU growth curve (milestones)");
    let dau = dau_node.and_then(|n| decode_dau(n, cx));
    let pv = m
        .req(
            cx,
            "pageViewsPerDauPerDay",
            "page views per daily active user per day, e.g. 50",
        )
        .and_then(|n| {
            cx.positive_at_most(
                n,
                "spec.traffic.pageViewsPerDauPerDay",
                limits::MAX_PAGE_VIEWS_PER_DAU_PER_DAY,
            )
        });
    let daily = m.opt_or(cx, "dailyProfile", [1.0; 24], |cx, n, p| {
        profile(n, cx, p, "24 weights, one per local hour 0..23")
    });
    let weekly = m.opt_or(cx, "weeklyProfile", [1.0; 7], |cx, n, p| {
        profile(n, cx, p, "7 weights, Monday to Sunday")
    });
    let holidays = m.opt_read(cx, "holidays", |cx, n, _| {
        decode_holidays(n, cx, sim, base_dir)
    });
    let dau = dau?;
    let sim = sim?;
    if dau.milestones[0].0 > sim.start {
        cx.problem(
            dau_node.unwrap_or(m.node),
            "spec.traffic.dau.milestones[0].date",
            format!(
                "the first milestone ({}) is after the simulation start ({})",
                dau.milestones[0].0, sim.start
            ),
            "add a milestone on or before spec.simulation.start",
        );
        return None;
    }
    Some(Synthetic {
        dau,
        page_views_per_dau_per_day: pv?,
        daily_profile: daily?,
        weekly_profile: weekly?,
        holidays: holidays?,
    })
}

fn profile<const N: usize>(node: &Node, cx: &mut Cx, path: &str, what: &str) -> Option<[f64; N]> {
    let items = cx.seq(node, path)?;
    if items.len() != N {
        cx.problem(
            node,
            path,
            format!("expected {what}, found {} values", items.len()),
            format!("write exactly {N} numbers"),
        );
        return None;
    }
    let mut out = [0.0; N];
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        match cx.non_negative_at_most(it, &format!("{path}[{i}]"), limits::MAX_WEIGHT) {
            Some(v) => out[i] = v,
            None => ok = false,
        }
    }
    let sum: f64 = out.iter().sum();
    if ok && sum <= 0.0 {
        cx.problem(
            node,
            path,
            "all weights are zero",
            "give at least one positive weight",
        );
        return None;
    }
    // Normalised to mean 1, so the profile shapes traffic without changing the daily total.
    ok.then(|| out.map(|w| w * N as f64 / sum))
}

fn decode_dau(node: &Node, cx: &mut Cx) -> Option<DauCurve> {
    let mut m = cx.map(node, "spec.traffic.dau")?;
    let interpolation = m.opt_or(cx, "interpolation", Interpolation::Linear, |cx, n, p| {
        cx.choice(
            n,
            p,
            &[
                ("linear", Interpolation::Linear),
                ("exponential", Interpolation::Exponential),
                ("logistic", Interpolation::Logistic),
            ],
        )
    });
    let capacity_node = m.opt("capacity");
    let capacity = capacity_node
        .and_then(|n| cx.positive_at_most(n, "spec.traffic.dau.capacity", limits::MAX_DAU));
    let ms_node = m.req(cx, "milestones", "a list of {date, dau}");
    m.finish(cx);
    let ms_node = ms_node?;
    let items = cx.seq(ms_node, "spec.traffic.dau.milestones")?;
    if items.is_empty() {
        cx.problem(
            ms_node,
            "spec.traffic.dau.milestones",
            "the milestone list is empty",
            "add at least one milestone: - { date: 2026-01-01, dau: 1000 }",
        );
        return None;
    }
    let mut milestones = Vec::new();
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        let p = format!("spec.traffic.dau.milestones[{i}]");
        let Some(mut mm) = cx.map(it, &p) else {
            ok = false;
            continue;
        };
        let date = mm
            .req(cx, "date", "a date")
            .and_then(|n| cx.date(n, &format!("{p}.date")));
        let dau = mm
            .req(cx, "dau", "the daily active users")
            .and_then(|n| cx.positive_at_most(n, &format!("{p}.dau"), limits::MAX_DAU));
        mm.finish(cx);
        match (date, dau) {
            (Some(d), Some(v)) => {
                if let Some((prev, _)) = milestones.last()
                    && d <= *prev
                {
                    cx.problem(
                        it,
                        &format!("{p}.date"),
                        format!("{d} is not after the previous milestone ({prev})"),
                        "list milestones in increasing date order, one per date",
                    );
                    ok = false;
                }
                milestones.push((d, v));
            }
            _ => ok = false,
        }
    }
    let interpolation = interpolation?;
    if interpolation == Interpolation::Logistic {
        match capacity {
            None if capacity_node.is_none() => {
                cx.problem(
                    node,
                    "spec.traffic.dau.capacity",
                    "logistic growth needs a carrying capacity",
                    "add capacity: <DAU the market saturates at>, above every milestone",
                );
                ok = false;
            }
            Some(k) if milestones.iter().any(|(_, d)| *d >= k) => {
                cx.problem(
                    capacity_node.unwrap_or(node),
                    "spec.traffic.dau.capacity",
                    format!("capacity {k} is not above every milestone"),
                    "raise capacity above the largest milestone's DAU",
                );
                ok = false;
            }
            _ => {}
        }
    } else if let Some(n) = capacity_node {
        cx.problem(
            n,
            "spec.traffic.dau.capacity",
            "capacity only applies to logistic growth",
            "remove capacity or set interpolation: logistic",
        );
        ok = false;
    }
    ok.then_some(DauCurve {
        interpolation,
        milestones,
        capacity,
    })
}

fn decode_holidays(
    node: &Node,
    cx: &mut Cx,
    sim: Option<&Simulation>,
    base_dir: &Path,
) -> Option<HolidayPeaks> {
    let mut m = cx.map(node, "spec.traffic.holidays")?;
    let cal_node = m.opt("calendar");
    let calendar = match cal_node {
        None => load_calendar("builtin:KR", node, cx, base_dir),
        Some(n) => cx
            .string(n, "spec.traffic.holidays.calendar")
            .and_then(|s| load_calendar(&s, n, cx, base_dir)),
    };
    let peaks_node = m.req(cx, "peaks", "a list of {holiday, multiplier, rampHours}");
    m.finish(cx);
    let calendar = calendar?;
    let covered = |sim: &Simulation| {
        let last_day = sim.end.yesterday().unwrap_or(sim.end);
        (calendar.covers(sim.start) && calendar.covers(last_day))
            .then_some(())
            .ok_or(last_day)
    };
    if let Some(Err(last_day)) = sim.map(covered) {
        let sim = sim?;
        let (a, b) = calendar.years();
        cx.problem(
            cal_node.unwrap_or(node),
            "spec.traffic.holidays.calendar",
            format!(
                "the holiday data ({}) covers {a}–{b}, but the simulation runs {} to {}",
                calendar.source(),
                sim.start,
                last_day
            ),
            "point `calendar` at a file that covers the whole run, or move spec.simulation.start/duration inside it",
        );
        return None;
    }
    let items = cx.seq(peaks_node?, "spec.traffic.holidays.peaks")?;
    let keys = calendar
        .keys()
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    let mut peaks = Vec::new();
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        let p = format!("spec.traffic.holidays.peaks[{i}]");
        let Some(mut pm) = cx.map(it, &p) else {
            ok = false;
            continue;
        };
        let key = pm
            .req(cx, "holiday", "a holiday key from the calendar")
            .and_then(|n| {
                let k = cx.string(n, &format!("{p}.holiday"))?;
                if !keys.contains(&k) {
                    cx.problem(
                        n,
                        &format!("{p}.holiday"),
                        format!("the calendar has no holiday {k:?}"),
                        format!("use one of: {}", keys.join(", ")),
                    );
                    return None;
                }
                Some(k)
            });
        let mult = pm
            .req(
                cx,
                "multiplier",
                "traffic relative to a normal day, e.g. 3 for 300 %",
            )
            .and_then(|n| {
                cx.positive_at_most(
                    n,
                    &format!("{p}.multiplier"),
                    limits::MAX_HOLIDAY_MULTIPLIER,
                )
            });
        let ramp = pm.opt_or(cx, "rampHours", 0, |cx, n, p| {
            // A month of ramp at most: beyond it the peak is the season, and the milliseconds
            // of an unbounded ramp overflow the clock.
            cx.non_negative_at_most(n, p, limits::MAX_RAMP_HOURS)
                .map(|h| (h * HOUR_MS as f64).round() as i64)
        });
        pm.finish(cx);
        match (key, mult, ramp) {
            (Some(key), Some(multiplier), Some(ramp_ms)) => peaks.push(HolidayPeak {
                key,
                multiplier,
                ramp_ms,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(HolidayPeaks { calendar, peaks })
}

fn load_calendar(spec: &str, node: &Node, cx: &mut Cx, base_dir: &Path) -> Option<HolidayCalendar> {
    let result = if spec == "builtin:KR" {
        HolidayCalendar::parse(BUILTIN_KR_HOLIDAYS, "builtin:KR (data/holidays/kr.csv)")
    } else {
        HolidayCalendar::load(&base_dir.join(spec))
    };
    cx.absorb(
        result,
        node,
        "spec.traffic.holidays.calendar",
        "use builtin:KR or a path (relative to the scenario file) to a holiday CSV",
    )
}

fn decode_replay(
    node: &Node,
    cx: &mut Cx,
    sim: Option<&Simulation>,
    services: Option<&[Service]>,
    base_dir: &Path,
) -> Option<Replay> {
    let mut m = cx.map(node, "spec.traffic.replay")?;
    let file_node = m.req(
        cx,
        "file",
        "a CSV or Prometheus JSON path relative to the scenario file",
    );
    let column = m.opt_or(cx, "column", "page_views_per_s".to_string(), Cx::string);
    let time_column = m.opt_read(cx, "timeColumn", Cx::string);
    let labels = m.opt_or(cx, "labels", Vec::new(), |cx, n, p| {
        let mut out = Vec::new();
        let all = cx.each_named(n, p, |cx, k, _, v| {
            if let Some(v) = cx.string(v, &format!("{p}.{k}")) {
                out.push((k, v));
            }
        })?;
        all.then_some(out)
    });
    // A service's requests per second instead of the product's page views: the series is
    // divided by that service's requestsPerPageView, and every service follows from it.
    let service_node = m.opt("service");
    let service_rpv = match service_node {
        None => Some(1.0),
        Some(n) => {
            let name = cx.string(n, "spec.traffic.replay.service");
            match (name, services) {
                (Some(name), Some(svcs)) => match svcs.iter().find(|s| s.name == name) {
                    Some(s) => Some(s.requests_per_page_view),
                    None => {
                        let names: Vec<&str> = svcs.iter().map(|s| s.name.as_str()).collect();
                        cx.problem(
                            n,
                            "spec.traffic.replay.service",
                            format!("no service {name:?}"),
                            format!("use one of: {}", names.join(", ")),
                        );
                        None
                    }
                },
                _ => None,
            }
        }
    };
    m.finish(cx);
    let file_node = file_node?;
    let rel = cx.string(file_node, "spec.traffic.replay.file")?;
    let path = base_dir.join(&rel);
    let select = super::replay::Select {
        column: column?,
        time_column: time_column?,
        labels: labels?,
    };
    let rpv = service_rpv?;
    let points = cx.absorb(
        super::replay::read_series_with(&path, &select, sim?),
        file_node,
        "spec.traffic.replay.file",
        "check the path (it is relative to the scenario file)",
    )?;
    Some(Replay {
        file: path,
        points: points.into_iter().map(|(t, v)| (t, v / rpv)).collect(),
    })
}

fn decode_services(node: &Node, cx: &mut Cx) -> Option<Vec<Service>> {
    if matches!(&node.value, Value::Map(entries) if entries.is_empty()) {
        cx.problem(
            node,
            "spec.services",
            "no services",
            "add at least one service: <name>: { ... }",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    let all_named = cx.each_named(node, "spec.services", |cx, name, k, v| {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            cx.problem(
                k,
                &format!("spec.services.{name}"),
                "not a valid Kubernetes name",
                "use lowercase letters, digits and '-' (at most 63)",
            );
            ok = false;
        }
        match decode_service(&name, v, cx) {
            Some(s) => out.push(s),
            None => ok = false,
        }
    })?;
    (ok && all_named).then_some(out)
}

fn decode_service(name: &str, node: &Node, cx: &mut Cx) -> Option<Service> {
    let p = format!("spec.services.{name}");
    let mut m = cx.map(node, &p)?;
    let rpv = m
        .req(
            cx,
            "requestsPerPageView",
            "requests this service receives per page view, e.g. 1.2",
        )
        .and_then(|n| {
            cx.positive_at_most(
                n,
                &m.child("requestsPerPageView"),
                limits::MAX_REQUESTS_PER_PAGE_VIEW,
            )
        });
    let cpu_per_req = m
        .req(
            cx,
            "cpuPerRequest",
            "the CPU time one request costs, e.g. 25ms",
        )
        .and_then(|n| cx.positive_duration_ms(n, &m.child("cpuPerRequest")))
        .map(|ms| ms as f64);
    let idle_cpu = m.opt_or(cx, "idleCpu", 0.0, |cx, n, p| {
        cx.quantity_milli(n, p).map(|v| v as f64)
    });
    let service_time = m
        .req(
            cx,
            "serviceTime",
            "the mean time to serve one request, e.g. 80ms",
        )
        .and_then(|n| cx.positive_duration_ms(n, &m.child("serviceTime")))
        .map(|ms| ms as f64);
    let concurrency = m
        .req(
            cx,
            "concurrencyPerPod",
            "requests one pod serves at once, e.g. 16",
        )
        .and_then(|n| cx.int(n, &m.child("concurrencyPerPod"), 1, 100_000))
        .map(|v| v as u32);
    let resources = m
        .req(
            cx,
            "resources",
            "requests: {cpu, memory} and optional limits",
        )
        .and_then(|n| decode_resources(n, cx, &m.child("resources")));
    let memory = match m.opt("memory") {
        Some(n) => {
            let mp = m.child("memory");
            let mut mm = cx.map(n, &mp)?;
            let base = mm.opt_read(cx, "baseline", Cx::quantity_milli).flatten();
            let per = mm
                .opt_read(cx, "perInflightRequest", Cx::quantity_milli)
                .flatten();
            mm.finish(cx);
            Some((base.map(|v| v / 1000), per.map(|v| v / 1000)))
        }
        None => Some((None, None)),
    };
    let startup = m
        .req(
            cx,
            "startupDelay",
            "time from scheduling to the container running, e.g. 20s",
        )
        .and_then(|n| cx.duration_ms(n, &m.child("startupDelay")));
    let readiness = m
        .req(cx, "readinessDelay", "time from running to Ready, e.g. 5s")
        .and_then(|n| cx.duration_ms(n, &m.child("readinessDelay")));
    let termination = m.opt_or(cx, "terminationDelay", 10_000, Cx::duration_ms);
    let hpa = m.opt_read(cx, "hpa", |cx, n, p| hpa_spec::decode(n, cx, p));
    let dist = m.opt_or(cx, "serviceTimeDistribution", 0, |cx, n, p| {
        cx.choice(
            n,
            p,
            &[("exponential", 0u8), ("deterministic", 1), ("general", 2)],
        )
    });
    let cv_node = m.opt("serviceTimeCv");
    let service_time_dist = match (dist, cv_node) {
        (Some(2), Some(n)) => cx
            .non_negative_at_most(n, &m.child("serviceTimeCv"), limits::MAX_SERVICE_TIME_CV)
            .map(ServiceTimeDist::General),
        (Some(2), None) => {
            cx.problem(
                node,
                &m.child("serviceTimeCv"),
                "a general service-time distribution needs its coefficient of variation",
                "add serviceTimeCv: e.g. 0.5",
            );
            None
        }
        (Some(_), Some(n)) => {
            cx.problem(
                n,
                &m.child("serviceTimeCv"),
                "only a general distribution takes a coefficient of variation",
                "remove serviceTimeCv or set serviceTimeDistribution: general",
            );
            None
        }
        (Some(0), None) => Some(ServiceTimeDist::Exponential),
        (Some(_), None) => Some(ServiceTimeDist::Deterministic),
        (None, _) => None,
    };
    // Default: a common ingress/application request timeout.
    let timeout = m.opt_or(cx, "timeout", 10_000, Cx::positive_duration_ms);
    let database = match m.opt("database") {
        Some(n) => {
            let dp = m.child("database");
            let mut d = cx.map(n, &dp)?;
            let pool = d
                .req(cx, "poolSize", "connections each pod holds, e.g. 10")
                .and_then(|v| cx.int(v, &d.child("poolSize"), 1, 10_000));
            let qpr = d
                .req(
                    cx,
                    "queriesPerRequest",
                    "database queries per request before the cache, e.g. 3",
                )
                .and_then(|v| {
                    cx.non_negative_at_most(
                        v,
                        &d.child("queriesPerRequest"),
                        limits::MAX_QUERIES_PER_REQUEST,
                    )
                });
            let wf = d.opt_or(cx, "writeFraction", 0.1, |cx, v, p| {
                cx.fraction(v, p, "write a value from 0 to 1")
            });
            d.finish(cx);
            Some(Some(ServiceDb {
                pool_size: pool? as u32,
                queries_per_request: qpr?,
                write_fraction: wf?,
            }))
        }
        None => Some(None),
    };
    let node_pools = match m.opt("nodePools") {
        Some(n) => decode_node_pools(n, cx, &m.child("nodePools")),
        None => Some(Vec::new()),
    };
    let initial_node = m.opt("initialReplicas");
    let initial = match initial_node {
        Some(n) => cx
            .int(n, &m.child("initialReplicas"), 0, 100_000)
            .map(|v| v as u32),
        None => hpa
            .as_ref()
            .map(|h| h.as_ref().map_or(1, |h| h.min_replicas as u32)),
    };
    if let (Some(None), None) = (&hpa, initial_node) {
        cx.problem(
            node,
            &m.child("initialReplicas"),
            "a service without an HPA needs a fixed replica count",
            "add initialReplicas: <n> or an hpa: section",
        );
    }
    let path_memory = m.child("memory");
    m.finish(cx);
    let (req_cpu, req_mem, lim_cpu, lim_mem) = resources?;
    let (base, per) = memory?;
    // Default baseline: half the memory request — a typical idle heap for a web runtime.
    let memory_baseline_bytes = base.unwrap_or(req_mem / 2);
    if let Some(lim) = lim_mem
        && memory_baseline_bytes > lim
    {
        cx.problem(
            node,
            &format!("{path_memory}.baseline"),
            "the idle memory exceeds the memory limit (the pod would be OOM-killed)",
            "lower memory.baseline or raise resources.limits.memory",
        );
        return None;
    }
    Some(Service {
        name: name.to_string(),
        requests_per_page_view: rpv?,
        cpu_per_request_ms: cpu_per_req?,
        idle_cpu_milli: idle_cpu?,
        service_time_ms: service_time?,
        concurrency_per_pod: concurrency?,
        cpu_request_milli: req_cpu,
        memory_request_bytes: req_mem,
        cpu_limit_milli: lim_cpu,
        memory_limit_bytes: lim_mem,
        memory_baseline_bytes,
        memory_per_inflight_bytes: per.unwrap_or(0),
        startup_delay_ms: startup?,
        readiness_delay_ms: readiness?,
        termination_delay_ms: termination?,
        initial_replicas: initial?,
        hpa: hpa?,
        service_time_dist: service_time_dist?,
        timeout_ms: timeout?,
        database: database?,
        node_pools: node_pools?,
    })
}

/// `nodePools`: a non-empty list of distinct pool names (checked against `spec.cluster` later).
fn decode_node_pools(node: &Node, cx: &mut Cx, path: &str) -> Option<Vec<String>> {
    let items = cx.seq(node, path)?;
    if items.is_empty() {
        cx.problem(
            node,
            path,
            "the list is empty",
            "name the node pools the pods may use, e.g. [aws-general, gcp-general], or remove it",
        );
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match cx.string(it, &p) {
            Some(name) if out.contains(&name) => {
                cx.problem(it, &p, format!("{name:?} is listed twice"), "list it once");
                ok = false;
            }
            Some(name) => out.push(name),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Each service's `nodePools` against the cluster: every name a pool of `spec.cluster`, and in
/// every cloud a pool that the services without `nodePools` may use (one not dedicated).
fn check_node_pools(spec: &Node, cx: &mut Cx, services: &[Service], platform: &platform::Platform) {
    let at = |path: &[&str]| -> &Node {
        let mut node = spec;
        for key in path {
            let next = match &node.value {
                Value::Map(entries) => entries.iter().find_map(|(k, v)| {
                    matches!(&k.value, Value::Scalar { text, .. } if text == key).then_some(v)
                }),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    };
    let pools = platform
        .cluster
        .as_ref()
        .map(|c| &c.pools[..])
        .unwrap_or(&[]);
    let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    for svc in services.iter().filter(|s| !s.node_pools.is_empty()) {
        let list = at(&["services", &svc.name, "nodePools"]);
        let path = format!("spec.services.{}.nodePools", svc.name);
        if platform.cluster.is_none() {
            cx.problem(
                list,
                &path,
                "there are no node pools to choose from",
                "add spec.cluster.nodePools, or remove nodePools",
            );
            continue;
        }
        let items = match &list.value {
            Value::Seq(items) => &items[..],
            _ => &[],
        };
        for (i, name) in svc.node_pools.iter().enumerate() {
            if names.contains(&name.as_str()) {
                continue;
            }
            let suggestion = super::decode::closest(name, &names)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            cx.problem(
                items.get(i).unwrap_or(list),
                &format!("{path}[{i}]"),
                format!("unknown node pool {name:?}"),
                format!(
                    "{suggestion}use pools of spec.cluster.nodePools: {}",
                    names.join(", ")
                ),
            );
        }
    }
    let Some(cluster) = &platform.cluster else {
        return;
    };
    if let Some(svc) = services.iter().find(|s| s.node_pools.is_empty()) {
        for (ci, cloud) in platform.clouds.iter().enumerate() {
            let open = cluster.pools.iter().any(|p| p.cloud == ci && !p.dedicated);
            if !open && cluster.pools.iter().any(|p| p.cloud == ci) {
                cx.problem(
                    at(&["services", &svc.name]),
                    &format!("spec.services.{}.nodePools", svc.name),
                    format!(
                        "every node pool of cloud {:?} is dedicated, and {} names none of them",
                        cloud.name, svc.name
                    ),
                    "list the pools it may use in nodePools, or add a pool that is not dedicated",
                );
            }
        }
    }
}

/// (cpu request milli, memory request bytes, cpu limit milli, memory limit bytes)
fn decode_resources(
    node: &Node,
    cx: &mut Cx,
    path: &str,
) -> Option<(i64, i64, Option<i64>, Option<i64>)> {
    let mut m = cx.map(node, path)?;
    let requests = m
        .req(cx, "requests", "cpu and memory requests")
        .and_then(|n| cpu_mem(n, cx, &m.child("requests"), true));
    let limits = m.opt_or(cx, "limits", (None, None), |cx, n, p| {
        cpu_mem(n, cx, p, false)
    });
    m.finish(cx);
    let (rc, rm) = requests?;
    let (lc, lm) = limits?;
    let (rc, rm) = (rc?, rm?);
    let mut ok = true;
    if let Some(lc) = lc
        && lc < rc
    {
        cx.problem(
            node,
            &format!("{path}.limits.cpu"),
            "the cpu limit is below the cpu request (Kubernetes rejects this)",
            "make limits.cpu at least requests.cpu",
        );
        ok = false;
    }
    if let Some(lm) = lm
        && lm < rm
    {
        cx.problem(
            node,
            &format!("{path}.limits.memory"),
            "the memory limit is below the memory request (Kubernetes rejects this)",
            "make limits.memory at least requests.memory",
        );
        ok = false;
    }
    ok.then_some((rc, rm / 1000, lc, lm.map(|v| v / 1000)))
}

fn cpu_mem(
    node: &Node,
    cx: &mut Cx,
    path: &str,
    required: bool,
) -> Option<(Option<i64>, Option<i64>)> {
    let mut m = cx.map(node, path)?;
    let get = |m: &mut MapReader, cx: &mut Cx, key: &'static str, what: &str| {
        let n = if required {
            m.req(cx, key, what)
        } else {
            m.opt(key)
        };
        n.and_then(|n| cx.positive_quantity_milli(n, &m.child(key), "write a positive quantity"))
    };
    let cpu = get(&mut m, cx, "cpu", "a CPU quantity such as 250m");
    let mem = get(&mut m, cx, "memory", "a memory quantity such as 256Mi");
    m.finish(cx);
    if required && (cpu.is_none() || mem.is_none()) {
        return None;
    }
    Some((cpu, mem))
}

fn decode_kubernetes(node: &Node, cx: &mut Cx) -> Option<Kubernetes> {
    let mut k = Kubernetes::default();
    let mut m = cx.map(node, "spec.kubernetes")?;
    let mut ok = true;
    if let Some(n) = m.opt("hpaController") {
        let p = m.child("hpaController");
        if let Some(mut h) = cx.map(n, &p) {
            ok &= h.opt_set(
                cx,
                "syncPeriod",
                &mut k.hpa_sync_period_ms,
                control_period_ms,
            );
            ok &= h.opt_set(
                cx,
                "cpuInitializationPeriod",
                &mut k.cpu_initialization_period_ms,
                Cx::duration_ms,
            );
            ok &= h.opt_set(
                cx,
                "initialReadinessDelay",
                &mut k.initial_readiness_delay_ms,
                Cx::duration_ms,
            );
            ok &= h.opt_set(
                cx,
                "downscaleStabilization",
                &mut k.downscale_stabilization_ms,
                Cx::duration_ms,
            );
            ok &= h.opt_set(cx, "tolerance", &mut k.tolerance, Cx::non_negative);
            ok &= h.opt_set(
                cx,
                "configurableTolerance",
                &mut k.configurable_tolerance,
                Cx::bool,
            );
            h.finish(cx);
        }
    }
    if let Some(n) = m.opt("metricsServer") {
        let p = m.child("metricsServer");
        if let Some(mut h) = cx.map(n, &p) {
            ok &= h.opt_set(
                cx,
                "metricResolution",
                &mut k.metric_resolution_ms,
                control_period_ms,
            );
            h.finish(cx);
        }
    }
    m.finish(cx);
    ok.then_some(k)
}

/// A controller's period (HPA sync, metrics-server resolution, autoscaler scan): at least
/// [`limits::MIN_CONTROL_PERIOD_MS`].
pub(super) fn control_period_ms(cx: &mut Cx, node: &Node, path: &str) -> Option<i64> {
    let ms = cx.duration_ms(node, path)?;
    if ms < limits::MIN_CONTROL_PERIOD_MS {
        cx.problem(
            node,
            path,
            format!("{ms} ms is shorter than the 1s capsim simulates"),
            "write a period of at least 1s (Kubernetes' defaults are 10s–15s)",
        );
        return None;
    }
    Some(ms)
}
