//! `report.html` and `charts/`: byte-identical across runs, non-blank PNGs, and a page that headless
//! Chromium opens offline with no console error, no failed or external resource, and every chart
//! laid out with drawn shapes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use capsim::report::RunReport;
use capsim::report::charts::{self, Chart};

use crate::common::*;

const CHROMIUM: &str = "/usr/bin/chromium";

fn run_to(dir: &Path, scenario: &str) {
    run_ok(scenario, dir, &["-q"]);
}

/// heal7 (every chart has data), run once per test process into the target's temp folder.
fn heal7() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("it-html-heal7");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        run_to(&dir, "scenarios/heal7.yaml");
        dir
    })
}

fn report_of(dir: &Path) -> RunReport {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

fn chart_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn expected_files(charts: &[Chart]) -> Vec<String> {
    let mut v: Vec<String> = charts
        .iter()
        .flat_map(|c| [format!("{}.png", c.name()), format!("{}.svg", c.name())])
        .collect();
    v.sort();
    v
}

#[test]
fn charts_and_report_are_byte_identical_across_runs() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_to(a.path(), "tests/fixtures/small.yaml");
    run_to(b.path(), "tests/fixtures/small.yaml");
    let files = chart_files(a.path());
    assert_eq!(files, chart_files(b.path()));
    assert_eq!(
        files,
        expected_files(&charts::all_for(&report_of(a.path())))
    );
    assert!(files.iter().any(|f| f.ends_with(".png")) && files.iter().any(|f| f.ends_with(".svg")));
    for f in &files {
        let (x, y) = (
            std::fs::read(a.path().join("charts").join(f)).unwrap(),
            std::fs::read(b.path().join("charts").join(f)).unwrap(),
        );
        assert!(x == y, "charts/{f} differs between two runs");
    }
    assert!(
        std::fs::read(a.path().join("report.html")).unwrap()
            == std::fs::read(b.path().join("report.html")).unwrap(),
        "report.html differs between two runs"
    );

    // The files are a pure function of summary.json: rendering again in this process gives the
    // same bytes, for every chart of heal7.
    let dir = heal7();
    let r = report_of(dir);
    for &c in charts::all() {
        let (svg, png) = (charts::svg(&r, c), charts::png(&r, c));
        assert!(
            svg == charts::svg(&r, c),
            "{} SVG not deterministic",
            c.name()
        );
        assert!(
            png == charts::png(&r, c),
            "{} PNG not deterministic",
            c.name()
        );
        let on_disk = dir.join("charts").join(c.name());
        assert!(
            std::fs::read(on_disk.with_extension("svg")).unwrap() == svg,
            "{}.svg",
            c.name()
        );
        assert!(
            std::fs::read(on_disk.with_extension("png")).unwrap() == png,
            "{}.png",
            c.name()
        );
    }
    assert!(
        capsim::report::html::render(&r).into_bytes()
            == std::fs::read(dir.join("report.html")).unwrap()
    );
}

#[test]
fn every_chart_png_of_heal7_is_non_blank() {
    let dir = heal7();
    let r = report_of(dir);
    assert_eq!(
        charts::all_for(&r),
        charts::all(),
        "heal7 has data for every chart"
    );
    assert_eq!(chart_files(dir), expected_files(charts::all()));
    for c in charts::all() {
        let path = dir.join("charts").join(format!("{}.png", c.name()));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (charts::WIDTH, charts::HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let px: Vec<[u8; 3]> = buf[..info.buffer_size()]
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        let colours: HashSet<[u8; 3]> = px.iter().copied().collect();
        let inked = px.iter().filter(|p| **p != [255, 255, 255]).count();
        // Coloured (not grey) pixels: the data series, not only axes and text.
        let coloured = px
            .iter()
            .filter(|p| {
                let (mx, mn) = (p.iter().max().unwrap(), p.iter().min().unwrap());
                mx - mn > 60
            })
            .count();
        assert!(
            colours.len() > 20,
            "{}: only {} colours",
            c.name(),
            colours.len()
        );
        assert!(
            inked > px.len() / 100,
            "{}: only {inked} non-white pixels",
            c.name()
        );
        assert!(
            coloured > 500,
            "{}: only {coloured} coloured pixels",
            c.name()
        );
    }
}

/// The small fixture models no database, cache or node pools (it is priced with the bundled book),
/// so those three charts are left out of `charts/` and of the page.
#[test]
fn charts_without_data_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    run_to(dir.path(), "tests/fixtures/small.yaml");
    let r = report_of(dir.path());
    assert!(r.database.is_none() && r.cache.is_none() && r.node_pools.is_empty());
    let have = [
        Chart::TrafficReplicas,
        Chart::LatencyP95,
        Chart::CostByCloud,
        Chart::CostVariants,
    ];
    assert_eq!(charts::all_for(&r), have);
    assert_eq!(chart_files(dir.path()), expected_files(&have));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let figures: Vec<&str> = html
        .split("<figure class=\"chart\" id=\"chart-")
        .skip(1)
        .map(|f| f.split('"').next().unwrap())
        .collect();
    // The page draws its own panels: one per service, the cost charts, the peak day; nothing
    // for the database, cache or node pools the fixture does not model.
    for absent in ["db-connections", "cache-hit-ratio", "nodes"] {
        assert!(!figures.contains(&absent), "{absent}: {figures:?}");
    }
    for present in [
        "service-web",
        "cost-budget",
        "cost-variants",
        "cost-by-cloud",
    ] {
        assert!(figures.contains(&present), "{present}: {figures:?}");
    }
    assert!(
        figures.iter().any(|f| f.starts_with("peak-day-")),
        "{figures:?}"
    );
}

#[test]
fn report_html_is_self_contained_and_escapes_text() {
    let text = small_fixture().replacen(
        "  name: small\n",
        "  name: small\n  description: \"<script>alert('x')</script> & <b>bold</b>\"\n",
        1,
    );
    let (tmp, path) = write_temp("small.yaml", &text);
    let out = tmp.path().join("out");
    run_to(&out, path_str(&path));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        )
    );
    assert!(!html.contains("<script"), "no script in the report");
    // The only URL is the SVG namespace: no CDN, no external font or stylesheet.
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(
        urls,
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert!(!html.contains("@import") && !html.contains("url("));
}

// ---------------------------------------------------------------------------------------------
// Headless Chromium

/// Injected first in <head>: records script errors and failed resource loads (those do not
/// reach the console log on stderr).
const PROBE_HEAD: &str = "<script>window.__probeErrors=[];window.addEventListener('error',function(e){var t=e.target;window.__probeErrors.push(t&&t!==window?('resource '+(t.src||t.href||t.tagName)):('script '+e.message));},true);</script>";

/// Injected before </body>: after load, measures the page (its scroll width against the window's,
/// the sections present) and every chart figure: laid-out size, shapes with a non-empty bounding
/// box, how many of those are stroked or filled in a colour rather than black/grey/white (the
/// data series), marks (polylines, rects, circles) and how many lack a `<title>` tooltip, and
/// the smallest text as rendered (font size × the SVG's scale), in CSS pixels. Lists every
/// resource the page fetched.
const PROBE_TAIL: &str = "<script>function hue(c){var m=/rgba?\\((\\d+), (\\d+), (\\d+)/.exec(c||'');if(!m)return false;var v=[+m[1],+m[2],+m[3]];return Math.max.apply(null,v)-Math.min.apply(null,v)>60;}window.addEventListener('load',function(){var charts=[];document.querySelectorAll('figure.chart').forEach(function(f){var svg=f.querySelector('svg');var w=0,h=0,drawn=0,coloured=0,marks=0,untitled=0,font=1e9;if(svg){var r=svg.getBoundingClientRect();w=Math.round(r.width);h=Math.round(r.height);svg.querySelectorAll('polyline,path,rect,line,circle,polygon').forEach(function(el){var b=el.getBBox();if(b.width>0||b.height>0){drawn++;var cs=getComputedStyle(el);if(hue(cs.stroke)||hue(cs.fill))coloured++;}});svg.querySelectorAll('polyline,rect,circle').forEach(function(el){marks++;if(!el.querySelector(':scope > title'))untitled++;});var vb=svg.viewBox&&svg.viewBox.baseVal;var scale=(vb&&vb.width)?r.width/vb.width:1;svg.querySelectorAll('text').forEach(function(t){var fs=parseFloat(getComputedStyle(t).fontSize)*scale;if(fs<font)font=fs;});}charts.push({name:f.getAttribute('data-chart'),w:w,h:h,drawn:drawn,coloured:coloured,marks:marks,untitled:untitled,font:Math.round(font*10)/10});});var res=performance.getEntriesByType('resource').map(function(e){return e.name;});var ids=[];document.querySelectorAll('section[id]').forEach(function(s){ids.push(s.id);});document.body.setAttribute('data-probe',JSON.stringify({charts:charts,errors:window.__probeErrors,resources:res,scrollWidth:document.documentElement.scrollWidth,innerWidth:window.innerWidth,sections:ids,bytes:document.documentElement.outerHTML.length}));});</script>";

#[derive(Debug)]
struct Probe {
    /// `INFO:CONSOLE` lines Chromium logged (console.* calls, uncaught exceptions).
    console: Vec<String>,
    /// The probe's JSON, `None` if it did not run.
    page: Option<serde_json::Value>,
}

fn chromium_probe(html: &str) -> Probe {
    chromium_probe_at(html, 1400)
}

/// [`chromium_probe`] with a window `width` CSS pixels wide.
fn chromium_probe_at(html: &str, width: u32) -> Probe {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: .ci/run installs it (apt-get update && apt-get install -y chromium)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let with_head = match html.find("<head>") {
        Some(i) => format!("{}{PROBE_HEAD}{}", &html[..i + 6], &html[i + 6..]),
        None => format!("{PROBE_HEAD}{html}"),
    };
    let probed = match with_head.rfind("</body>") {
        Some(i) => format!("{}{PROBE_TAIL}{}", &with_head[..i], &with_head[i..]),
        None => format!("{with_head}{PROBE_TAIL}"),
    };
    // Headless Chromium will not make a window narrower than 500 px, so the page is laid out in
    // an iframe exactly `width` px wide (srcdoc: same origin, so the wrapper can read the
    // probe's result once the frame has loaded).
    let escaped = probed.replace('&', "&amp;").replace('"', "&quot;");
    let wrapper = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\"><iframe id=\"f\" style=\"width:{width}px;height:3000px;border:0;display:block\" srcdoc=\"{escaped}\"></iframe><script>document.getElementById('f').addEventListener('load',function(){{var b=this.contentDocument&&this.contentDocument.body;if(b&&b.hasAttribute('data-probe'))document.body.setAttribute('data-probe',b.getAttribute('data-probe'));}});</script></body></html>"
    );
    let page = tmp.path().join("page.html");
    std::fs::write(&page, wrapper).unwrap();
    let profile = tmp.path().join("profile");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Offline: any host lookup fails, so an external resource shows up as an error.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--hide-scrollbars",
            "--dump-dom",
        ])
        .arg(format!("--window-size={},3100", width.max(500) + 40))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a full pipe cannot stall Chromium.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut so, &mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut se, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (dom, err) = (t_out.join().unwrap(), t_err.join().unwrap());
    let console = err
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    let page = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|attr| {
            let json = attr
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            serde_json::from_str(&json).expect("probe JSON")
        });
    Probe { console, page }
}

/// heal7-failover (a two-week run with an outage), once per test process.
fn failover() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("it-html-failover");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        run_to(&dir, "scenarios/heal7-failover.yaml");
        dir
    })
}

/// A small sweep (the platform fixture, 2 grid points × 2 runs) with its report.
fn sweep_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("it-html-sweep");
        let _ = std::fs::remove_dir_all(&dir);
        let o = capsim(&[
            "sweep",
            "tests/fixtures/platform.yaml",
            "--runs",
            "2",
            "--set=services.web.hpa.maxReplicas=4,20",
            "--quiet",
            "--out",
            path_str(&dir),
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
        dir
    })
}

/// Opens `page` at 390 and 1440 CSS pixels and checks what the issue asks of every report: no
/// console error or failed resource, no horizontal page scroll, every chart laid out, drawn in
/// colour, with a tooltip on every mark and text at least 9 px; and the `sections` present.
/// Returns the probes (390 first) for page-specific checks.
fn check_page(what: &str, html: &str, sections: &[&str]) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for width in [390u32, 1440] {
        let p = chromium_probe_at(html, width);
        assert!(
            p.console.is_empty(),
            "{what} @{width}: console: {:#?}",
            p.console
        );
        let page = p.page.expect("the probe ran (page loaded)");
        assert_eq!(
            page["errors"],
            serde_json::json!([]),
            "{what} @{width}: {page}"
        );
        assert_eq!(page["resources"], serde_json::json!([]), "{what} @{width}");
        let (sw, iw) = (
            page["scrollWidth"].as_u64().unwrap(),
            page["innerWidth"].as_u64().unwrap(),
        );
        assert_eq!(iw, u64::from(width), "{what}: the window is {iw} px wide");
        assert!(
            sw <= iw,
            "{what} @{width}: the page scrolls sideways ({sw} > {iw})"
        );
        let ids: Vec<&str> = page["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        for s in sections {
            assert!(ids.contains(s), "{what}: no section #{s} in {ids:?}");
        }
        let charts = page["charts"].as_array().unwrap();
        assert!(!charts.is_empty(), "{what}: no chart");
        for c in charts {
            let (w, h) = (c["w"].as_u64().unwrap(), c["h"].as_u64().unwrap());
            assert!(
                w >= 300 && w <= u64::from(width) && h >= 100,
                "{what} @{width}: laid out {w}×{h}: {c}"
            );
            assert!(
                c["drawn"].as_u64().unwrap() >= 5,
                "{what} @{width}: too few shapes: {c}"
            );
            assert!(
                c["coloured"].as_u64().unwrap() >= 1,
                "{what} @{width}: nothing in colour: {c}"
            );
            assert!(c["marks"].as_u64().unwrap() >= 1, "{what}: no marks: {c}");
            assert_eq!(c["untitled"], 0, "{what}: marks without a tooltip: {c}");
            assert!(
                c["font"].as_f64().unwrap() >= 9.0,
                "{what} @{width}: text too small: {c}"
            );
        }
        let min_font = charts
            .iter()
            .filter_map(|c| c["font"].as_f64())
            .fold(f64::INFINITY, f64::min);
        eprintln!(
            "{what} @{width}px: scrollWidth {sw}, {} charts, smallest chart text {min_font} px",
            charts.len()
        );
        out.push(page);
    }
    out
}

#[test]
fn heal7_report_reads_at_390_and_1440_px_in_headless_chromium() {
    let html = std::fs::read_to_string(heal7().join("report.html")).unwrap();
    let pages = check_page(
        "heal7",
        &html,
        &[
            "verdict",
            "cost-variants",
            "slo",
            "alerts",
            "outages",
            "capacity",
            "charts",
            "peak-day",
        ],
    );
    let names: Vec<&str> = pages[1]["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for want in [
        "service-web-main",
        "nodes",
        "db-connections",
        "cache-hit-ratio",
        "cost-budget",
        "cost-variants",
        "cost-by-cloud",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    // The verdict leads, from the scenario's own spec.check; the alert that fired is named.
    let verdict =
        &html[html.find("id=\"verdict\"").unwrap()..html.find("id=\"cost-variants\"").unwrap()];
    assert!(verdict.contains("budget: every month"), "{verdict}");
    assert!(html.find("id=\"verdict\"") < html.find("id=\"charts\""));
    assert!(html.contains("DatabaseConnectionsHigh"));
    assert!(html.contains("class=\"est\""), "estimate markers");
}

#[test]
fn failover_report_shows_the_outage_minute_by_minute() {
    let html = std::fs::read_to_string(failover().join("report.html")).unwrap();
    let pages = check_page(
        "failover",
        &html,
        &["verdict", "alerts", "outages", "peak-day"],
    );
    let names: Vec<String> = pages[0]["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("outage-")), "{names:?}");
    let outages = &html[html.find("id=\"outages\"").unwrap()..];
    assert!(
        outages.contains("every 1 min") && outages.contains("aws down"),
        "outage panel"
    );
    assert!(outages.contains("min</b>"), "recovery time");
}

#[test]
fn sweep_and_headroom_pages_read_at_390_and_1440_px() {
    let html = std::fs::read_to_string(sweep_dir().join("report.html")).unwrap();
    check_page("sweep", &html, &[]);
    let tmp = tempfile::tempdir().unwrap();
    let o = capsim(&[
        "headroom",
        "tests/fixtures/headroom-db.yaml",
        "--by",
        "rps",
        "--max",
        "8",
        "--quiet",
        "--out",
        path_str(tmp.path()),
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let html = std::fs::read_to_string(tmp.path().join("headroom.html")).unwrap();
    check_page("headroom", &html, &[]);
}

#[test]
fn chromium_probe_detects_console_errors_failed_resources_and_empty_charts() {
    let broken = "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"https://cdn.example.com/x.css\"></head><body>\
        <figure class=\"chart\" data-chart=\"empty\"><svg width=\"600\" height=\"300\"></svg></figure>\
        <img src=\"missing.png\"><script>console.error('deliberate');no_such_function();</script></body></html>";
    let p = chromium_probe(broken);
    assert!(p.console.iter().any(|l| l.contains("deliberate")), "{p:#?}");
    assert!(
        p.console.iter().any(|l| l.contains("no_such_function")),
        "{p:#?}"
    );
    let page = p.page.expect("probe ran");
    let errors = page["errors"].to_string();
    assert!(
        errors.contains("missing.png") && errors.contains("cdn.example.com"),
        "{page}"
    );
    assert_eq!(page["charts"][0]["drawn"], 0, "{page}");
    assert_eq!(page["charts"][0]["coloured"], 0, "{page}");

    let clean = "<!DOCTYPE html><html><head></head><body><figure class=\"chart\" data-chart=\"ok\">\
        <svg width=\"600\" height=\"300\"><rect width=\"50\" height=\"50\"/>\
        <rect x=\"60\" width=\"50\" height=\"50\" fill=\"#1f77b4\"/></svg></figure></body></html>";
    let p = chromium_probe(clean);
    assert!(p.console.is_empty(), "{p:#?}");
    let page = p.page.expect("probe ran");
    assert_eq!(page["errors"], serde_json::json!([]));
    assert_eq!(page["charts"][0]["drawn"], 2);
    assert_eq!(page["charts"][0]["coloured"], 1);
}
