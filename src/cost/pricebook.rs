//! The price book: dated unit prices per (provider, region, SKU), each row with its source.
//!
//! The data is a CSV file (`data/prices/seoul-2026.csv` is built in; see `data/prices/README.md`
//! and `docs/price-book.md`). A scenario may point at another file with the same columns, e.g.
//! one with negotiated prices.
//!
//! ```text
//! # comment lines first: what the file is, currency, units, conventions
//! provider,region,service,sku,unit,on_demand_usd,spot_usd,reserved_1y_usd,reserved_3y_usd,payment_option,source,source_date,exactness,notes
//! aws,ap-northeast-2,EC2,m6i.xlarge,instance-hour,0.236,0.069025,0.1534,0.1062,standard-ri-no-upfront,github:...,2026-11-26,estimate,...
//! ```
//!
//! Prices are parsed exactly into [`UnitPrice`] (integer nano-dollars). Every problem in a file
//! is reported at once, each with the file, line and column.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use jiff::civil::Date;

use crate::cost::money::UnitPrice;
use crate::error::{Error, Problem, Result};

/// The price book compiled into the binary.
pub const BUILTIN_PATH: &str = "data/prices/seoul-2026.csv";
const BUILTIN_TEXT: &str = include_str!("../../data/prices/seoul-2026.csv");

/// The columns, in the order the built-in file writes them (a file may order them otherwise).
pub const COLUMNS: [&str; 14] = [
    "provider",
    "region",
    "service",
    "sku",
    "unit",
    "on_demand_usd",
    "spot_usd",
    "reserved_1y_usd",
    "reserved_3y_usd",
    "payment_option",
    "source",
    "source_date",
    "exactness",
    "notes",
];

/// A row whose `source_date` is more than this many months before the pricing date is stale.
pub const STALE_AFTER_MONTHS: i64 = 12;

const C_PROVIDER: usize = 0;
const C_REGION: usize = 1;
const C_SERVICE: usize = 2;
const C_SKU: usize = 3;
const C_UNIT: usize = 4;
const C_ON_DEMAND: usize = 5;
const C_SPOT: usize = 6;
const C_RESERVED_1Y: usize = 7;
const C_RESERVED_3Y: usize = 8;
const C_PAYMENT: usize = 9;
const C_SOURCE: usize = 10;
const C_SOURCE_DATE: usize = 11;
const C_EXACTNESS: usize = 12;
const C_NOTES: usize = 13;

/// How a row's prices were obtained: the weakest provenance among its filled price columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exactness {
    /// Read directly from a copy of the provider's price list.
    ExactList,
    /// Back-computed from a real bill (amount ÷ usage quantity).
    ExactBill,
    /// Arithmetic on exact figures (e.g. Multi-AZ = 2 × Single-AZ).
    Derived,
    /// A third party quoting the price list; plausible, not read first-hand.
    Secondary,
    /// Not a price-list reading; the row's notes say how it was derived.
    Estimate,
}

impl Exactness {
    pub const ALL: [Exactness; 5] = [
        Exactness::ExactList,
        Exactness::ExactBill,
        Exactness::Derived,
        Exactness::Secondary,
        Exactness::Estimate,
    ];

    /// The label used in the file: `exact-list`, `exact-bill`, `derived`, `secondary`, `estimate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Exactness::ExactList => "exact-list",
            Exactness::ExactBill => "exact-bill",
            Exactness::Derived => "derived",
            Exactness::Secondary => "secondary",
            Exactness::Estimate => "estimate",
        }
    }

    pub fn parse(text: &str) -> Option<Exactness> {
        Exactness::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

impl fmt::Display for Exactness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One priced SKU in one region.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PriceRow {
    /// `aws`, `gcp`, `cloudflare`.
    pub provider: String,
    /// `ap-northeast-2`, `asia-northeast3`, `global`.
    pub region: String,
    /// The provider's service, as people read it (`EC2`, `Cloud SQL`).
    pub service: String,
    /// The key usage looks the row up by: an instance API name or a descriptive key.
    pub sku: String,
    /// The unit of the prices (`instance-hour`, `GB-month`, `GB`, `month`, ...).
    pub unit: String,
    pub on_demand: UnitPrice,
    pub spot: Option<UnitPrice>,
    /// Effective price per unit under a 1-year commitment (`payment_option` says which).
    pub reserved_1y: Option<UnitPrice>,
    /// Effective price per unit under a 3-year commitment.
    pub reserved_3y: Option<UnitPrice>,
    pub payment_option: String,
    /// Where the prices were read (repository + path + commit, or URL).
    pub source: String,
    /// When the prices were published, or read when the source carries no date.
    pub source_date: Date,
    pub exactness: Exactness,
    pub notes: String,
    /// 1-based line of the row in its file.
    pub line: usize,
}

impl PriceRow {
    /// The row's `source_date` is more than [`STALE_AFTER_MONTHS`] months before `on`.
    pub fn is_stale(&self, on: Date) -> bool {
        on.checked_sub(jiff::Span::new().months(STALE_AFTER_MONTHS))
            .is_ok_and(|cutoff| self.source_date < cutoff)
    }

    /// At least one of the row's prices is an estimate rather than a reading.
    pub fn is_estimate(&self) -> bool {
        self.exactness == Exactness::Estimate
    }
}

/// All rows of one price-book file, indexed by (provider, region, SKU).
#[derive(Debug, Clone, PartialEq)]
pub struct PriceBook {
    file: String,
    /// 1-based column of `unit` in the file, for pointing at a unit mismatch.
    unit_column: usize,
    rows: Vec<PriceRow>,
    index: HashMap<(String, String, String), usize>,
}

impl PriceBook {
    /// The price book shipped with capsim (`data/prices/seoul-2026.csv`), parsed once per process.
    ///
    /// # Panics
    /// Never in a released build: the tests parse the built-in file.
    pub fn builtin() -> PriceBook {
        static BUILTIN: OnceLock<PriceBook> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                PriceBook::parse(BUILTIN_TEXT, BUILTIN_PATH)
                    .unwrap_or_else(|e| panic!("the built-in price book does not parse:\n{e}"))
            })
            .clone()
    }

    /// Read a price-book file; problems name `path` as given.
    pub fn load(path: &Path) -> Result<PriceBook> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        PriceBook::parse(&text, &path.display().to_string())
    }

    /// Parse price-book text; `file` names it in problems. Every bad row is reported, all at
    /// once: missing or unknown columns, a wrong number of fields, an empty required field, a bad
    /// or negative price (naming the SKU and the column), reserved prices without a payment
    /// option, a bad date, an unknown exactness, a duplicate (provider, region, SKU).
    pub fn parse(text: &str, file: &str) -> Result<PriceBook> {
        let mut table = crate::csvutil::Table::open(text, file, &COLUMNS)?;
        let mut problems = Vec::new();
        let mut rows: Vec<PriceRow> = Vec::new();
        let mut index: HashMap<(String, String, String), usize> = HashMap::new();
        for rec in table.rows() {
            let rec = match rec {
                Ok(r) => r,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let (row_no, line) = (rec.number, rec.line);
            let before = problems.len();
            let field = |k: usize| rec.get(k);
            let at = |k: usize| rec.at(k);
            let path = |k: usize| format!("row {row_no}.{}", COLUMNS[k]);
            let sku = field(C_SKU);
            let who = if sku.is_empty() {
                format!("row {row_no}")
            } else {
                format!("SKU `{sku}`")
            };

            for k in [
                C_PROVIDER,
                C_REGION,
                C_SERVICE,
                C_SKU,
                C_UNIT,
                C_ON_DEMAND,
                C_SOURCE,
                C_SOURCE_DATE,
                C_EXACTNESS,
            ] {
                if field(k).is_empty() {
                    problems.push(
                        Problem::new(
                            file,
                            path(k),
                            format!("{who}: `{}` is empty", COLUMNS[k]),
                            match k {
                                C_ON_DEMAND => "give the list price in USD per unit, e.g. 0.0952",
                                C_SOURCE => "say where the price was read (repository + path + commit, or URL)",
                                C_SOURCE_DATE => "give the date the price was published or read, YYYY-MM-DD",
                                C_EXACTNESS => "use exact-list, exact-bill, derived, secondary or estimate",
                                _ => "fill in every key column",
                            },
                        )
                        .at(at(k)),
                    );
                }
            }

            let mut price = |k: usize, required: bool| -> Option<UnitPrice> {
                let text = field(k);
                if text.is_empty() {
                    return None;
                }
                match UnitPrice::parse(text) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        problems.push(
                            Problem::new(
                                file,
                                path(k),
                                format!("{who}: {}: {e}", COLUMNS[k]),
                                if required {
                                    "write the price in USD as a plain decimal, e.g. 0.0952"
                                } else {
                                    "write the price in USD as a plain decimal, or leave the field empty when there is none"
                                },
                            )
                            .at(at(k)),
                        );
                        None
                    }
                }
            };
            let on_demand = price(C_ON_DEMAND, true);
            let spot = price(C_SPOT, false);
            let reserved_1y = price(C_RESERVED_1Y, false);
            let reserved_3y = price(C_RESERVED_3Y, false);

            let has_reserved = !field(C_RESERVED_1Y).is_empty() || !field(C_RESERVED_3Y).is_empty();
            if has_reserved && field(C_PAYMENT).is_empty() {
                problems.push(
                    Problem::new(
                        file,
                        path(C_PAYMENT),
                        format!("{who}: reserved prices without a `payment_option`"),
                        "name the commitment, e.g. standard-ri-no-upfront or resource-cud",
                    )
                    .at(at(C_PAYMENT)),
                );
            }

            let date_text = field(C_SOURCE_DATE);
            let source_date = if date_text.is_empty() {
                None
            } else {
                match date_text.parse::<Date>() {
                    Ok(d) => Some(d),
                    Err(_) => {
                        problems.push(
                            Problem::new(
                                file,
                                path(C_SOURCE_DATE),
                                format!("{who}: `{date_text}` is not a date"),
                                "write the date as YYYY-MM-DD, e.g. 2026-07-30",
                            )
                            .at(at(C_SOURCE_DATE)),
                        );
                        None
                    }
                }
            };

            let exactness_text = field(C_EXACTNESS);
            let exactness = if exactness_text.is_empty() {
                None
            } else {
                let e = Exactness::parse(exactness_text);
                if e.is_none() {
                    problems.push(
                        Problem::new(
                            file,
                            path(C_EXACTNESS),
                            format!("{who}: unknown exactness `{exactness_text}`"),
                            format!(
                                "use one of {}",
                                Exactness::ALL.map(|e| e.as_str()).join(", ")
                            ),
                        )
                        .at(at(C_EXACTNESS)),
                    );
                }
                e
            };

            let key = (
                field(C_PROVIDER).to_string(),
                field(C_REGION).to_string(),
                sku.to_string(),
            );
            if !sku.is_empty()
                && let Some(&first) = index.get(&key)
            {
                problems.push(
                    Problem::new(
                        file,
                        path(C_SKU),
                        format!(
                            "duplicate price for {}/{}/{}: line {} already has it",
                            key.0, key.1, key.2, rows[first].line
                        ),
                        "keep one row per provider, region and SKU",
                    )
                    .at(at(C_SKU)),
                );
            }

            if problems.len() > before {
                continue;
            }
            let (Some(on_demand), Some(source_date), Some(exactness)) =
                (on_demand, source_date, exactness)
            else {
                continue;
            };
            index.insert(key, rows.len());
            rows.push(PriceRow {
                provider: field(C_PROVIDER).to_string(),
                region: field(C_REGION).to_string(),
                service: field(C_SERVICE).to_string(),
                sku: sku.to_string(),
                unit: field(C_UNIT).to_string(),
                on_demand,
                spot,
                reserved_1y,
                reserved_3y,
                payment_option: field(C_PAYMENT).to_string(),
                source: field(C_SOURCE).to_string(),
                source_date,
                exactness,
                notes: field(C_NOTES).to_string(),
                line,
            });
        }
        if problems.is_empty() && rows.is_empty() {
            problems.push(
                Problem::new(
                    file,
                    "",
                    "the price book has no rows",
                    "add one row per priced SKU under the header",
                )
                .at(Some((table.header_line(), 1))),
            );
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        Ok(PriceBook {
            file: file.to_string(),
            unit_column: table.column(C_UNIT),
            rows,
            index,
        })
    }

    /// The file the book was read from, as it was named (`data/prices/seoul-2026.csv`).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[PriceRow] {
        &self.rows
    }

    /// The row for (provider, region, SKU), if the book has one.
    pub fn get(&self, provider: &str, region: &str, sku: &str) -> Option<&PriceRow> {
        self.index
            .get(&(provider.to_string(), region.to_string(), sku.to_string()))
            .map(|&i| &self.rows[i])
    }

    /// The row a usage quantity in `unit` is priced by. Errors (exit code 2) name the file and:
    /// for an unknown SKU, the SKU, the closest SKUs the book has and all SKUs for that provider
    /// and region; for a provider or region without rows, the ones the book has; for a unit
    /// mismatch, both units.
    pub fn lookup(&self, provider: &str, region: &str, sku: &str, unit: &str) -> Result<&PriceRow> {
        let field = format!("{provider}/{region}/{sku}");
        if let Some(row) = self.get(provider, region, sku) {
            if row.unit == unit {
                return Ok(row);
            }
            return Err(Error::invalid(
                Problem::new(
                    &self.file,
                    field,
                    format!(
                        "SKU `{sku}` is priced per `{}` but the usage is in `{unit}`",
                        row.unit
                    ),
                    format!(
                        "express the usage in `{}` (or give the book a row priced per `{unit}`)",
                        row.unit
                    ),
                )
                .at(Some((row.line, self.unit_column))),
            ));
        }

        let places = self.places();
        let Some(regions) = places.get(provider) else {
            let providers: Vec<&str> = places.keys().map(String::as_str).collect();
            return Err(Error::invalid(Problem::new(
                &self.file,
                field,
                format!(
                    "the price book has no prices for provider `{provider}`; it has {}",
                    providers.join(", ")
                ),
                "use one of those providers, or point the scenario at a price book that has this one",
            )));
        };
        if !regions.contains(region) {
            let list: Vec<&str> = regions.iter().map(String::as_str).collect();
            return Err(Error::invalid(Problem::new(
                &self.file,
                field,
                format!(
                    "the price book has no prices for region `{region}` of `{provider}`; it has {}",
                    list.join(", ")
                ),
                format!(
                    "use {} in the scenario, or point it at a price book for {region}",
                    list.join(" or ")
                ),
            )));
        }

        let skus: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.provider == provider && r.region == region)
            .map(|r| r.sku.as_str())
            .collect();
        let close = closest(sku, &skus);
        let did_you_mean = if close.is_empty() {
            String::new()
        } else {
            format!(
                "; did you mean {}?",
                close
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        let mut sorted = skus.clone();
        sorted.sort_unstable();
        Err(Error::invalid(Problem::new(
            &self.file,
            field,
            format!("no price for SKU `{sku}` ({provider}, {region}){did_you_mean}"),
            format!(
                "use a SKU the book has for {provider} {region}: {}; or add a row for `{sku}`",
                sorted.join(", ")
            ),
        )))
    }

    /// The newest `source_date` of the book's rows.
    pub fn newest_date(&self) -> Date {
        self.rows
            .iter()
            .map(|r| r.source_date)
            .max()
            .expect("a parsed price book has rows")
    }

    /// The oldest `source_date` of the book's rows.
    pub fn oldest_date(&self) -> Date {
        self.rows
            .iter()
            .map(|r| r.source_date)
            .min()
            .expect("a parsed price book has rows")
    }

    /// Providers and their regions, as the book has them.
    fn places(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut places: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in &self.rows {
            places
                .entry(r.provider.clone())
                .or_default()
                .insert(r.region.clone());
        }
        places
    }
}

/// Up to three of `candidates` closest to `wanted` (edit distance, ties by name), when close
/// enough to be a plausible typo or a different size of the same family.
fn closest<'a>(wanted: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| (edit_distance(wanted, c), *c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "provider,region,service,sku,unit,on_demand_usd,spot_usd,reserved_1y_usd,reserved_3y_usd,payment_option,source,source_date,exactness,notes";

    fn book(rows: &str) -> Result<PriceBook> {
        PriceBook::parse(&format!("# a test book\n{HEADER}\n{rows}"), "test.csv")
    }

    fn problems(r: Result<PriceBook>) -> Vec<Problem> {
        match r {
            Err(Error::Invalid(p)) => p,
            Err(e) => panic!("expected Invalid, got {e}"),
            Ok(_) => panic!("expected an error"),
        }
    }

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn parses_rows_exactly_with_lines() {
        let b = book(
            "aws,ap-northeast-2,EC2,m6i.xlarge,instance-hour,0.236,0.069025,0.1534,0.1062,standard-ri-no-upfront,src,2026-11-26,estimate,n\n\
             # a comment between rows\n\
             \n\
             aws,ap-northeast-2,EBS,ebs-gp3,GB-month,0.0952,,,,,src,2026-09-25,exact-list,\"a, quoted note\"\n",
        )
        .unwrap();
        assert_eq!(b.file(), "test.csv");
        assert_eq!(b.rows().len(), 2);
        let r = b
            .lookup("aws", "ap-northeast-2", "ebs-gp3", "GB-month")
            .unwrap();
        assert_eq!(r.on_demand.nanos(), 95_200_000);
        assert_eq!(r.spot, None);
        assert_eq!(r.reserved_1y, None);
        assert_eq!(r.notes, "a, quoted note");
        assert_eq!(
            r.line, 6,
            "1-based line in the file, comments and blank lines counted"
        );
        assert_eq!(r.exactness, Exactness::ExactList);
        let m = b
            .lookup("aws", "ap-northeast-2", "m6i.xlarge", "instance-hour")
            .unwrap();
        assert_eq!(m.line, 3);
        assert_eq!(m.on_demand, UnitPrice::from_nanos(236_000_000));
        assert_eq!(m.spot, Some(UnitPrice::from_nanos(69_025_000)));
        assert_eq!(m.reserved_1y, Some(UnitPrice::from_nanos(153_400_000)));
        assert_eq!(m.reserved_3y, Some(UnitPrice::from_nanos(106_200_000)));
        assert_eq!(m.source_date, d("2026-11-26"));
        assert!(m.is_estimate());
        assert_eq!(b.newest_date(), d("2026-11-26"));
        assert_eq!(b.oldest_date(), d("2026-09-25"));
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let text = "provider,sku,region,unit,on_demand_usd,service,spot_usd,reserved_1y_usd,reserved_3y_usd,payment_option,source,source_date,exactness,notes\n\
                    gcp,n2-standard-4,asia-northeast3,instance-hour,0.249436,Compute Engine,0.08166,,,,src,2026-07-30,exact-list,\n";
        let b = PriceBook::parse(text, "t.csv").unwrap();
        let r = b.get("gcp", "asia-northeast3", "n2-standard-4").unwrap();
        assert_eq!(r.on_demand.nanos(), 249_436_000);
        assert_eq!(r.service, "Compute Engine");
    }

    #[test]
    fn every_bad_row_is_reported_at_once() {
        let p = problems(book(
            "aws,ap-northeast-2,EC2,m6i.xlarge,instance-hour,-0.236,,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EC2,c6i.xlarge,instance-hour,0.192,1e-2,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EC2,t3.medium,instance-hour,0.052,,,,,src,2026-13-01,exact-list,\n\
             aws,ap-northeast-2,EC2,t3.large,instance-hour,0.104,,,,,src,2026-11-26,guess,\n\
             aws,ap-northeast-2,EC2,m6i.large,instance-hour,0.118,,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EC2,m6i.large,instance-hour,0.119,,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EC2,too-few,instance-hour\n\
             aws,ap-northeast-2,EC2,m7i.xlarge,instance-hour,0.2478,,0.16,,,src,2026-11-26,estimate,\n\
             aws,ap-northeast-2,EC2,no-source,instance-hour,0.2478,,,,,,2026-11-26,estimate,\n\
             aws,ap-northeast-2,EC2,m6i.2xlarge,instance-hour,0.4720000000001,,,,,src,2026-11-26,exact-list,\n",
        ));
        let text: Vec<String> = p.iter().map(|x| x.to_string()).collect();
        assert_eq!(p.len(), 9, "{text:#?}");
        assert!(p.iter().all(|x| x.file == "test.csv"));
        let find = |needle: &str| {
            p.iter()
                .find(|x| x.to_string().contains(needle))
                .unwrap_or_else(|| panic!("no problem mentions {needle}: {text:#?}"))
        };
        // Negative price: names the SKU, the column and the value, at line 3 column 6.
        let neg = find("negative");
        assert!(neg.message.contains("`m6i.xlarge`") && neg.message.contains("on_demand_usd"));
        assert!(neg.message.contains("`-0.236`"));
        assert_eq!(neg.line_col, Some((3, 6)));
        assert_eq!(neg.field, "row 1.on_demand_usd");
        let exp = find("exponent");
        assert!(exp.message.contains("`c6i.xlarge`") && exp.message.contains("spot_usd"));
        assert_eq!(exp.line_col, Some((4, 7)));
        let date = find("not a date");
        assert!(date.message.contains("`t3.medium`") && date.message.contains("2026-13-01"));
        assert_eq!(date.line_col, Some((5, 12)));
        let ex = find("unknown exactness");
        assert!(ex.message.contains("`guess`") && ex.fix.contains("exact-list"));
        let dup = find("duplicate");
        assert!(
            dup.message.contains("aws/ap-northeast-2/m6i.large") && dup.message.contains("line 7")
        );
        assert_eq!(dup.line_col, Some((8, 4)));
        let few = find("fields where the header has 14");
        assert_eq!(few.line_col, Some((9, 1)));
        assert!(find("payment_option").message.contains("`m7i.xlarge`"));
        assert!(find("`source` is empty").message.contains("`no-source`"));
        let decimals = find("decimals");
        assert!(
            decimals.message.contains("`m6i.2xlarge`")
                && decimals.message.contains("on_demand_usd")
        );
        // The rendered error lists them all with the count.
        let all = Error::Invalid(p).to_string();
        assert!(all.contains("test.csv:3:6"), "{all}");
        assert!(all.ends_with("9 problems found"), "{all}");
    }

    #[test]
    fn negative_price_names_the_sku_and_the_file() {
        let err = book("gcp,asia-northeast3,Cloud SQL,db-custom-4-16384,instance-hour,0.3604,,-0.27,,spend-cud,src,2024-03-21,secondary,\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("test.csv:3:8: "), "{err}");
        assert!(err.contains("SKU `db-custom-4-16384`"), "{err}");
        assert!(
            err.contains("reserved_1y_usd") && err.contains("`-0.27` is negative"),
            "{err}"
        );
    }

    #[test]
    fn header_problems_are_reported_together() {
        let p = problems(PriceBook::parse(
            "# c\nprovider,region,sku,unit,on_demand_usd,colour,colour\n",
            "h.csv",
        ));
        let all: Vec<String> = p.iter().map(|x| x.to_string()).collect();
        assert!(
            all.iter().any(|m| m.contains("unknown column `colour`")),
            "{all:#?}"
        );
        assert!(
            all.iter().any(|m| m.contains("missing columns `service`")),
            "{all:#?}"
        );
        assert!(all.iter().any(|m| m.contains("`exactness`")), "{all:#?}");
        assert!(all.iter().all(|m| m.starts_with("h.csv:2")), "{all:#?}");
        let empty = problems(PriceBook::parse("# only comments\n", "e.csv"));
        assert!(empty[0].message.contains("no header"));
        let no_rows = problems(PriceBook::parse(&format!("{HEADER}\n"), "n.csv"));
        assert!(no_rows[0].message.contains("no rows"));
    }

    fn small() -> PriceBook {
        book(
            "aws,ap-northeast-2,EC2,m6i.xlarge,instance-hour,0.236,,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EC2,m6i.2xlarge,instance-hour,0.472,,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EC2,c6i.xlarge,instance-hour,0.192,,,,,src,2026-11-26,exact-list,\n\
             aws,ap-northeast-2,EBS,ebs-gp3,GB-month,0.0912,,,,,src,2026-09-25,exact-list,\n\
             gcp,asia-northeast3,GKE,gke-cluster-fee,cluster-hour,0.10,,,,,src,2026-07-01,exact-list,\n",
        )
        .unwrap()
    }

    #[test]
    fn unknown_sku_suggests_and_lists() {
        let err = small()
            .lookup("aws", "ap-northeast-2", "m6i.xlarg", "instance-hour")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("test.csv: aws/ap-northeast-2/m6i.xlarg: "),
            "{err}"
        );
        assert!(err.contains("no price for SKU `m6i.xlarg`"), "{err}");
        assert!(err.contains("did you mean `m6i.xlarge`"), "{err}");
        assert!(
            err.contains("c6i.xlarge, ebs-gp3, m6i.2xlarge, m6i.xlarge"),
            "lists the SKUs of that provider and region: {err}"
        );
        assert!(!err.contains("gke-cluster-fee"), "{err}");
        // Nothing close: no guess, still the list.
        let far = small()
            .lookup("aws", "ap-northeast-2", "cloudflare-pro", "month")
            .unwrap_err()
            .to_string();
        assert!(!far.contains("did you mean"), "{far}");
        assert!(far.contains("ebs-gp3"), "{far}");
    }

    #[test]
    fn unknown_region_and_provider_name_what_the_book_has() {
        let err = small()
            .lookup("aws", "us-east-1", "m6i.xlarge", "instance-hour")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no prices for region `us-east-1`"), "{err}");
        assert!(err.contains("it has ap-northeast-2"), "{err}");
        assert!(err.contains("test.csv"), "{err}");
        let err = small()
            .lookup("azure", "koreacentral", "x", "hour")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("provider `azure`") && err.contains("aws, gcp"),
            "{err}"
        );
    }

    #[test]
    fn unit_mismatch_names_both_units() {
        let err = small()
            .lookup("aws", "ap-northeast-2", "ebs-gp3", "GB")
            .unwrap_err();
        let Error::Invalid(p) = &err else {
            panic!("{err}")
        };
        assert_eq!(p[0].line_col, Some((6, 5)));
        let text = err.to_string();
        assert!(
            text.contains("priced per `GB-month`") && text.contains("in `GB`"),
            "{text}"
        );
    }

    #[test]
    fn staleness_and_estimates() {
        let b = small();
        let row = b.get("aws", "ap-northeast-2", "ebs-gp3").unwrap();
        assert!(
            !row.is_stale(d("2027-09-25")),
            "exactly 12 months is not stale"
        );
        assert!(row.is_stale(d("2027-09-26")));
        assert!(!row.is_stale(d("2026-01-01")));
        assert!(!row.is_estimate());
        assert_eq!(Exactness::parse("secondary"), Some(Exactness::Secondary));
        assert_eq!(Exactness::parse("Secondary"), None);
        assert_eq!(Exactness::Estimate.to_string(), "estimate");
        assert_eq!(
            serde_json::to_string(&Exactness::ExactBill).unwrap(),
            "\"exact-bill\""
        );
    }

    #[test]
    fn load_reads_a_file_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("negotiated.csv");
        std::fs::write(
            &path,
            format!("{HEADER}\naws,ap-northeast-2,EC2,m6i.xlarge,instance-hour,0.2,,,,,contract 2026,2026-10-01,exact-bill,negotiated\n"),
        )
        .unwrap();
        let b = PriceBook::load(&path).unwrap();
        assert_eq!(b.file(), path.display().to_string());
        assert_eq!(b.rows()[0].on_demand.nanos(), 200_000_000);
        let missing = PriceBook::load(&dir.path().join("nope.csv")).unwrap_err();
        assert!(matches!(missing, Error::Read { .. }));
    }

    #[test]
    fn closest_and_edit_distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            closest(
                "db.r6g.xlarge",
                &[
                    "db.r6g.2xlarge",
                    "db.r6g.xlarge-multi-az",
                    "cache.r6g.large"
                ]
            ),
            vec!["db.r6g.2xlarge"]
        );
    }

    // ---- the built-in book -------------------------------------------------------------

    fn builtin() -> PriceBook {
        PriceBook::parse(BUILTIN_TEXT, BUILTIN_PATH).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn builtin_parses() {
        let b = builtin();
        assert_eq!(b, PriceBook::builtin());
        assert_eq!(b.file(), "data/prices/seoul-2026.csv");
        assert!(b.rows().len() >= 90, "{}", b.rows().len());
        assert!(b.oldest_date() >= d("2021-01-01") && b.newest_date() <= d("2026-11-26"));
    }

    /// The instance types heal7 names (`instanceType`, `instanceClass`, `nodeType`), read from the
    /// scenario file itself so a new type there fails here until it is priced.
    #[test]
    fn builtin_prices_every_instance_heal7_names() {
        let b = builtin();
        let yaml = include_str!("../../scenarios/heal7.yaml");
        let mut found = 0;
        for line in yaml.lines() {
            for key in ["instanceType:", "instanceClass:", "nodeType:"] {
                let mut rest = line;
                while let Some(pos) = rest.find(key) {
                    let after = rest[pos + key.len()..].trim_start();
                    let name: String = after
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                        .collect();
                    let hit = [("aws", "ap-northeast-2"), ("gcp", "asia-northeast3")]
                        .iter()
                        .any(|(p, r)| b.lookup(p, r, &name, "instance-hour").is_ok());
                    assert!(
                        hit,
                        "heal7 names `{name}` but the built-in book has no instance-hour price for it"
                    );
                    found += 1;
                    rest = &rest[pos + key.len()..];
                }
            }
        }
        assert!(found >= 8, "read {found} instance names from heal7.yaml");
    }

    #[test]
    fn builtin_has_the_skus_the_cost_model_needs() {
        let b = builtin();
        let aws = [
            ("m6i.xlarge", "instance-hour"),
            ("c6i.xlarge", "instance-hour"),
            ("m6i.large", "instance-hour"),
            ("m6i.2xlarge", "instance-hour"),
            ("c6i.2xlarge", "instance-hour"),
            ("m7i.xlarge", "instance-hour"),
            ("t3.medium", "instance-hour"),
            ("t3.large", "instance-hour"),
            ("db.r6g.xlarge", "instance-hour"),
            ("db.r6g.2xlarge", "instance-hour"),
            ("db.r6g.xlarge-multi-az", "instance-hour"),
            ("db.r6g.2xlarge-multi-az", "instance-hour"),
            ("cache.r6g.large", "instance-hour"),
            ("cache.r6g.xlarge", "instance-hour"),
            ("eks-control-plane-standard", "cluster-hour"),
            ("eks-control-plane-extended", "cluster-hour"),
            ("ebs-gp3", "GB-month"),
            ("rds-gp3-storage", "GB-month"),
            ("rds-gp3-storage-multi-az", "GB-month"),
            ("rds-backup-storage", "GB-month"),
            ("s3-intelligent-tiering-frequent", "GB-month"),
            ("internet-egress-first-10tb", "GB"),
            ("internet-egress-next-40tb", "GB"),
            ("internet-egress-next-100tb", "GB"),
            ("internet-egress-over-150tb", "GB"),
            ("nat-gateway-hour", "hour"),
            ("nat-gateway-gb", "GB"),
            ("alb-hour", "hour"),
            ("alb-lcu-hour", "LCU-hour"),
            ("cloudwatch-logs-ingestion", "GB"),
            ("cloudwatch-logs-storage", "GB-month"),
        ];
        for (sku, unit) in aws {
            b.lookup("aws", "ap-northeast-2", sku, unit)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let gcp = [
            ("n2-standard-4", "instance-hour"),
            ("e2-standard-4", "instance-hour"),
            ("c3-standard-4", "instance-hour"),
            ("g2-standard-4", "instance-hour"),
            ("db-custom-4-16384", "instance-hour"),
            ("gke-cluster-fee", "cluster-hour"),
            ("cloud-sql-vcpu-hour", "vCPU-hour"),
            ("cloud-sql-ram-gb-hour", "GB-hour"),
            ("cloud-sql-ssd-gb-month", "GB-month"),
            ("internet-egress-first-1tb", "GB"),
            ("nat-gateway-hour", "hour"),
            ("lb-forwarding-rule-hour", "hour"),
            ("cloud-logging-ingestion", "GB"),
        ];
        for (sku, unit) in gcp {
            b.lookup("gcp", "asia-northeast3", sku, unit)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        for sku in ["cloudflare-free", "cloudflare-pro", "cloudflare-business"] {
            b.lookup("cloudflare", "global", sku, "month")
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// Values checked against the sources named in the rows.
    #[test]
    fn builtin_values_match_their_sources() {
        let b = builtin();
        let aws = |sku: &str| b.get("aws", "ap-northeast-2", sku).unwrap();
        let gcp = |sku: &str| b.get("gcp", "asia-northeast3", sku).unwrap();
        let n = UnitPrice::from_nanos;
        // skypilot-catalog vms.csv @001367d2, ap-northeast-2: c6i.xlarge 0.192, spot per AZ
        // 0.0674 / 0.0671 / 0.0593 / 0.0634 → mean 0.0643.
        assert_eq!(aws("c6i.xlarge").on_demand, n(192_000_000));
        assert_eq!(aws("c6i.xlarge").spot, Some(n(64_300_000)));
        // m6i.xlarge 0.236, spot 0.0675 / 0.0701 / 0.0687 / 0.0698 → 0.069025.
        assert_eq!(aws("m6i.xlarge").on_demand, n(236_000_000));
        assert_eq!(aws("m6i.xlarge").spot, Some(n(69_025_000)));
        // t3.medium 0.052: the price list and the Seoul bill (smallbiz-cloud-platform) agree.
        assert_eq!(aws("t3.medium").on_demand, n(52_000_000));
        // Cyclenerd pricing.yml: n2-standard-4 hour 0.249436, month_1y 114.71804 / 730.
        let n2 = gcp("n2-standard-4");
        assert_eq!(n2.on_demand, n(249_436_000));
        assert_eq!(n2.reserved_1y, Some(n(157_148_000)));
        assert_eq!(n2.reserved_3y, Some(n(112_256_000)));
        assert_eq!(n2.spot, Some(n(81_660_000)));
        // g2-standard-4 (1 × L4): hour 0.907714004, spot 0.27087 (2026-07-30 file).
        assert_eq!(gcp("g2-standard-4").on_demand, n(907_714_004));
        assert_eq!(gcp("g2-standard-4").spot, Some(n(270_870_000)));
        // EKS by support tier, from the Seoul bill.
        assert_eq!(aws("eks-control-plane-standard").on_demand, n(100_000_000));
        assert_eq!(aws("eks-control-plane-extended").on_demand, n(600_000_000));
        // Multi-AZ is twice Single-AZ.
        assert_eq!(
            aws("db.r6g.2xlarge-multi-az").on_demand.nanos(),
            2 * aws("db.r6g.2xlarge").on_demand.nanos()
        );
        // Cloud SQL replica = 4 vCPU + 16 GB.
        assert_eq!(
            gcp("db-custom-4-16384").on_demand.nanos(),
            4 * gcp("cloud-sql-vcpu-hour").on_demand.nanos()
                + 16 * gcp("cloud-sql-ram-gb-hour").on_demand.nanos()
        );
    }

    #[test]
    fn builtin_rows_are_consistent() {
        let b = builtin();
        let units: BTreeSet<&str> = [
            "instance-hour",
            "cluster-hour",
            "hour",
            "vm-hour",
            "LCU-hour",
            "vCPU-hour",
            "GB-hour",
            "GB-month",
            "IOPS-month",
            "MiBps-month",
            "1k-objects-month",
            "GB",
            "month",
        ]
        .into();
        let discountable = [
            "Compute",
            "EC2",
            "Compute Engine",
            "RDS for PostgreSQL",
            "ElastiCache",
            "Cloud SQL",
        ];
        for r in b.rows() {
            let at = format!("{}:{} {}", b.file(), r.line, r.sku);
            assert!(units.contains(r.unit.as_str()), "{at}: unit {}", r.unit);
            assert!(
                !r.source.is_empty() && !r.notes.is_empty(),
                "{at}: source and notes"
            );
            if let Some(s) = r.spot {
                assert!(s < r.on_demand, "{at}: spot below on-demand");
            }
            if let Some(r1) = r.reserved_1y {
                assert!(r1 < r.on_demand, "{at}: 1y below on-demand");
                assert!(!r.payment_option.is_empty(), "{at}: payment option");
                if let Some(r3) = r.reserved_3y {
                    assert!(r3 < r1, "{at}: 3y below 1y");
                }
            }
            if r.reserved_1y.is_some() || r.spot.is_some() {
                assert!(
                    discountable.contains(&r.service.as_str()),
                    "{at}: only compute and managed instances have spot or commitments"
                );
            }
            if r.is_estimate() {
                assert!(
                    r.notes.contains("ESTIMATE"),
                    "{at}: an estimate says how it was derived, flagged ESTIMATE in its notes"
                );
            }
            assert!(r.source_date <= d("2026-11-26"), "{at}: date in the future");
            let text_line = BUILTIN_TEXT.lines().nth(r.line - 1).unwrap_or("");
            assert!(
                text_line.starts_with(&format!("{},{},", r.provider, r.region))
                    && text_line.contains(&format!(",{},", r.sku)),
                "{at}: `line` points at the row: {text_line}"
            );
        }
        // Both clouds' Seoul regions and the CDN, nothing else.
        let places: BTreeSet<(String, String)> = b
            .rows()
            .iter()
            .map(|r| (r.provider.clone(), r.region.clone()))
            .collect();
        let expected: BTreeSet<(String, String)> = [
            ("aws", "ap-northeast-2"),
            ("gcp", "asia-northeast3"),
            ("cloudflare", "global"),
        ]
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
        assert_eq!(places, expected);
    }
}
