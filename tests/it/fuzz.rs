//! A structured fuzzer over capsim's inputs, on stable Rust and without extra crates: scenario
//! files (mutations of the fixtures along the scenario grammar — values swapped for hostile ones,
//! lines dropped, repeated, swapped or cut, aliases and documents added) and the CSV readers
//! (holiday calendar, price book, instance catalogue), the HPA case reader and the summary.json
//! reader of `compare`/`check`. Every input must give a value or an `Error` — never a panic —
//! and every `Error::Invalid` must name a file and say what is wrong. Accepted scenarios small enough are also simulated and priced, where the
//! campaign of issue 11 found its crashes.
//!
//! `cargo test --test it fuzz` runs a short, fixed-seed pass (a few seconds). The long run:
//!
//! ```text
//! CAPSIM_FUZZ_CASES=1000000 CAPSIM_FUZZ_SEED=7 cargo test --release --test it fuzz -- --nocapture
//! ```
//!
//! A failure prints the seed and case number and the input; `CAPSIM_FUZZ_CASE=<n>` replays one.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::common::repo;

/// splitmix64: a tiny, well-mixed generator (the test must not depend on rand's versions).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that broke, or nearly broke, something once: numbers at the edges of f64 and i64,
/// units and durations out of range, the wrong YAML kinds, names that are paths.
const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "0.5",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "1e15",
    "1e20",
    "1e300",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "NaN",
    ".nan",
    ".inf",
    "-.inf",
    "inf",
    "",
    "~",
    "null",
    "x",
    "\"\"",
    "'..'",
    "'.'",
    "a/b",
    "../../etc",
    "2T",
    "2Ti",
    "1Ei",
    "-5m",
    "0s",
    "0ms",
    "1ms",
    "100ms",
    "1000w",
    "99999d",
    "1e9h",
    "15s",
    "7s",
    "1y",
    "21y",
    "0d",
    "-1d",
    "1mo",
    "2026-02-30",
    "1900-01-01",
    "2200-12-31",
    "9999-12-31",
    "[1, 2]",
    "[]",
    "{}",
    "{a: 1}",
    "*nowhere",
    "true",
    "yes",
    "\"\\u0000\"",
    "1_000_000",
    "0x10",
    "+5",
    "Asia/Nowhere",
    "UTC",
    "spot",
    "m6i.xlarge",
    "t3.medium",
    "weekdays 21-09",
    "weekdays 0-24",
    "builtin:KR",
    "builtin:XX",
];

/// One mutation of `text` (a fixture): the scenario grammar's lines, values and structure.
fn mutate(text: &str, g: &mut Gen) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let rounds = 1 + g.below(3);
    for _ in 0..rounds {
        if lines.is_empty() {
            break;
        }
        let i = g.below(lines.len());
        match g.below(12) {
            // Replace the value after `key:` (most of the grammar's leaves).
            0..=4 => {
                if let Some(colon) = lines[i].find(": ") {
                    let head = lines[i][..colon + 2].to_string();
                    lines[i] = format!("{head}{}", g.pick(HOSTILE));
                }
            }
            // Replace a number inside a flow mapping or list (`{ dau: 20000 }`, profiles).
            5 | 6 => {
                let l = &lines[i];
                let starts: Vec<usize> = l
                    .char_indices()
                    .filter(|(k, c)| {
                        c.is_ascii_digit()
                            && (*k == 0 || !l.as_bytes()[k - 1].is_ascii_alphanumeric())
                    })
                    .map(|(k, _)| k)
                    .collect();
                if !starts.is_empty() {
                    let s = *g.pick(&starts);
                    let e = l[s..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                        .map_or(l.len(), |e| s + e);
                    lines[i] = format!("{}{}{}", &l[..s], g.pick(HOSTILE), &l[e..]);
                }
            }
            7 => {
                lines.remove(i);
            }
            8 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            9 => {
                let j = g.below(lines.len());
                lines.swap(i, j);
            }
            10 => {
                // Cut the line (and the file) short, or add garbage.
                lines[i] = cut_short(&lines[i], g.below(lines[i].len() + 1));
                if g.below(4) == 0 {
                    lines.truncate(i + 1);
                }
            }
            _ => {
                // Structure: a second document, an anchor and aliases, a stray key.
                let extra = match g.below(4) {
                    0 => "---\ngarbage: [1, 2".to_string(),
                    1 => "x: &a [1, 2, 3]\ny: [*a, *a, *a]".to_string(),
                    2 => format!("  {}: 1", g.pick(&["clouds", "cache", "slo", "bogus"])),
                    _ => "\t- :".to_string(),
                };
                lines.insert(i, extra);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// What one case must satisfy; returns a description of the failure.
fn check_scenario(text: &str, base: &Path, simulate: bool) -> Result<(), String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let parsed = capsim::scenario::parse(text, "fuzz.yaml", base);
        let s = match parsed {
            Ok(s) => s,
            Err(e) => return check_error(&e),
        };
        // What `validate` does after decoding: the price book and the work estimate; and the
        // demand curve every run builds first (cheap, and where an unbounded ramp once panicked).
        let _ = capsim::traffic::Demand::new(&s);
        let _ = capsim::scenario::limits::estimate(&s);
        let _ = capsim::scenario::limits::check(&s);
        let book = match capsim::cost::load_price_book(&s, &base.join("fuzz.yaml")) {
            Ok(b) => b,
            Err(e) => return check_error(&e),
        };
        let w = capsim::scenario::limits::estimate(&s);
        if simulate && w.events < 2_000_000 && w.initial_pods < 2_000 {
            let out = capsim::model::simulate(&s);
            if let Err(e) = capsim::cost::cost_of(&s, &out, &book) {
                return check_error(&e);
            }
        }
        Ok(())
    }));
    match result {
        Ok(r) => r,
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

/// An error is data: problems that name a file and say what is wrong (exit 2 in `cli`).
fn check_error(e: &capsim::Error) -> Result<(), String> {
    match e {
        capsim::Error::Invalid(problems) => {
            if problems.is_empty() {
                return Err("Error::Invalid with no problem".into());
            }
            for p in problems {
                if p.file.is_empty() || p.message.is_empty() {
                    return Err(format!("a problem without file or message: {p:?}"));
                }
            }
            Ok(())
        }
        other => {
            let text = other.to_string();
            if text.is_empty() {
                Err("an error without a message".into())
            } else {
                Ok(())
            }
        }
    }
}

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fixtures the mutations start from.
fn seeds() -> Vec<String> {
    [
        "tests/fixtures/small.yaml",
        "tests/fixtures/platform.yaml",
        "scenarios/heal7.yaml",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(repo(p)).unwrap())
    .collect()
}

#[test]
fn fuzz_scenarios_never_panic() {
    let cases = env_u64("CAPSIM_FUZZ_CASES", 300);
    let seed = env_u64("CAPSIM_FUZZ_SEED", 11);
    let only = std::env::var("CAPSIM_FUZZ_CASE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let base = repo("tests/fixtures");
    let fixtures = seeds();
    // Simulate one accepted case in `every` (a simulation costs far more than a parse).
    let every = env_u64("CAPSIM_FUZZ_SIMULATE_EVERY", 25).max(1);
    let started = std::time::Instant::now();
    let (mut accepted, mut rejected) = (0u64, 0u64);
    for case in 0..cases {
        if only.is_some_and(|n| n != case) {
            continue;
        }
        let mut g = Gen(seed ^ case.wrapping_mul(0xA24B_AED4_963E_E407));
        let fixture: &String = g.pick(&fixtures);
        let text = mutate(fixture, &mut g);
        let simulate = case % every == 0;
        // A scenario must parse the same either way; whether it was accepted is counted.
        match check_scenario(&text, &base, simulate) {
            Ok(()) => {}
            Err(why) => panic!("seed {seed} case {case}: {why}\n--- input ---\n{text}"),
        }
        if capsim::scenario::parse(&text, "fuzz.yaml", &base).is_ok() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    eprintln!(
        "fuzz: {cases} scenario cases (seed {seed}): {accepted} accepted, {rejected} rejected, \
         0 panics in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Byte-level mutations of one CSV/JSON text: flips, cuts, repeated rows, hostile cells.
fn mutate_table(text: &str, g: &mut Gen) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + g.below(3) {
        if lines.is_empty() {
            break;
        }
        let i = g.below(lines.len());
        match g.below(6) {
            0 | 1 => {
                let cells: Vec<&str> = lines[i].split(',').collect();
                let k = g.below(cells.len());
                let mut cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
                cells[k] = g.pick(HOSTILE).to_string();
                lines[i] = cells.join(",");
            }
            2 => {
                lines.remove(i);
            }
            3 => {
                let l = lines[i].clone();
                lines.push(l);
            }
            4 => {
                lines[i] = cut_short(&lines[i], g.below(lines[i].len() + 1));
            }
            _ => lines[i].push_str(",\"unclosed"),
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn fuzz_readers_never_panic() {
    let cases = env_u64("CAPSIM_FUZZ_CASES", 300);
    let seed = env_u64("CAPSIM_FUZZ_SEED", 11);
    let holidays = std::fs::read_to_string(repo("data/holidays/kr.csv")).unwrap();
    let catalogue = std::fs::read_to_string(repo(capsim::catalogue::BUILTIN_PATH)).unwrap();
    let prices: Vec<String> = std::fs::read_dir(repo("data/prices"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let hpa_cases: Vec<String> = std::fs::read_dir(repo("tests/hpa-cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .take(3)
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    // A summary.json as `capsim run` writes it (the JSON snapshot, without insta's header).
    let snap = std::fs::read_to_string(repo("tests/it/snapshots/it__snapshots__json_report.snap"))
        .unwrap();
    let summary = snap[snap.find("\n{").map_or(0, |i| i + 1)..].to_string();
    let tmp = tempfile::tempdir().unwrap();
    let summary_path = tmp.path().join("summary.json");
    for case in 0..cases {
        let mut g = Gen(seed ^ case.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let which = g.below(5);
        let text = match which {
            0 => mutate_table(&holidays, &mut g),
            1 => mutate_table(&catalogue, &mut g),
            2 => {
                let t: &String = g.pick(&prices);
                mutate_table(t, &mut g)
            }
            3 => {
                let t: &String = g.pick(&hpa_cases);
                mutate_table(t, &mut g)
            }
            _ => mutate_table(&summary, &mut g),
        };
        let result = catch_unwind(AssertUnwindSafe(|| match which {
            0 => capsim::scenario::holidays::HolidayCalendar::parse(&text, "h.csv")
                .err()
                .map_or(Ok(()), |e| check_error(&e)),
            1 => capsim::catalogue::Catalogue::parse(&text, "c.csv")
                .err()
                .map_or(Ok(()), |e| check_error(&e)),
            2 => capsim::cost::pricebook::PriceBook::parse(&text, "p.csv")
                .err()
                .map_or(Ok(()), |e| check_error(&e)),
            3 => capsim::hpa::cases::parse("cases.yaml", &text)
                .err()
                .map_or(Ok(()), |ps| check_error(&capsim::Error::Invalid(ps))),
            _ => {
                std::fs::write(&summary_path, &text).unwrap();
                capsim::cli::compare::load_summary(&summary_path)
                    .err()
                    .map_or(Ok(()), |e| check_error(&e))
            }
        }));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("seed {seed} case {case} (reader {which}): {why}\n{text}"),
            Err(_) => {
                panic!("seed {seed} case {case} (reader {which}) panicked\n--- input ---\n{text}")
            }
        }
    }
}

/// `line` cut at `at` bytes, or at the char boundary before it.
fn cut_short(line: &str, at: usize) -> String {
    let at = (0..=at.min(line.len()))
        .rev()
        .find(|&k| line.is_char_boundary(k))
        .unwrap_or(0);
    line[..at].to_string()
}
