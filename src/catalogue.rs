//! The instance catalogue: vCPUs and memory of the instance types scenarios name (EC2, RDS,
//! ElastiCache, Compute Engine, Cloud SQL, Memorystore). The data is `data/instances/catalogue.csv`
//! (each row cites its documentation page); [`Catalogue::builtin`] embeds it.
//!
//! ```text
//! # comment lines first: sources, date read, units
//! provider,service,type,vcpu,memory_gib,network,notes,source
//! aws,elasticache,cache.r6g.large,2,13.07,0.75 Gbps baseline / 10 Gbps burst,,https://aws.amazon.com/elasticache/pricing/
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::error::{Error, Problem, Result};

/// The catalogue file compiled into the binary.
pub const BUILTIN_PATH: &str = "data/instances/catalogue.csv";
const BUILTIN_TEXT: &str = include_str!("../data/instances/catalogue.csv");

/// The columns, in the order the file writes them.
pub const COLUMNS: [&str; 8] = [
    "provider",
    "service",
    "type",
    "vcpu",
    "memory_gib",
    "network",
    "notes",
    "source",
];

/// Services per provider, as the `service` column names them.
pub const SERVICES: [(&str, &[&str]); 2] = [
    ("aws", &["ec2", "rds", "elasticache"]),
    ("gcp", &["gce", "cloudsql", "memorystore"]),
];

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// One instance type (or managed node class / capacity tier).
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// `aws` or `gcp`.
    pub provider: String,
    /// `ec2`, `rds`, `elasticache`, `gce`, `cloudsql` or `memorystore`.
    pub service: String,
    /// The provider's name for the type, e.g. `m6i.large`, `db.r6g.large`, `e2-standard-4`.
    pub name: String,
    /// vCPUs; 0 where the provider does not publish them (Memorystore capacity tiers).
    pub vcpu: f64,
    /// Memory in bytes (the file's GiB × 2^30).
    pub memory_bytes: f64,
    /// Network performance as documented (free text).
    pub network: String,
    pub notes: String,
    /// The documentation page the figures come from.
    pub source: String,
}

/// All instance types, by name (names are unique across providers).
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    rows: Vec<Instance>,
    index: BTreeMap<String, usize>,
}

impl Catalogue {
    /// The catalogue shipped with capsim (`data/instances/catalogue.csv`), parsed once per process.
    ///
    /// # Panics
    /// Never in a released build: the tests parse the built-in file.
    pub fn builtin() -> Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Catalogue::parse(BUILTIN_TEXT, BUILTIN_PATH).unwrap_or_else(|e| {
                    panic!("the built-in instance catalogue does not parse:\n{e}")
                })
            })
            .clone()
    }

    /// Parse catalogue text; `file` names it in problems. Every bad row is reported, all at once.
    pub fn parse(text: &str, file: &str) -> Result<Catalogue> {
        let mut table = crate::csvutil::Table::open(text, file, &COLUMNS)?;
        let mut problems = Vec::new();
        let mut rows: Vec<Instance> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut lines: Vec<usize> = Vec::new();
        for rec in table.rows() {
            let rec = match rec {
                Ok(r) => r,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let (row, line) = (rec.number, rec.line);
            let at = Some((line, 1));
            let get = |k: usize| rec.get(k);
            let mut row_problems = Vec::new();
            let mut bad = |column: &str, message: String, fix: String| {
                row_problems
                    .push(Problem::new(file, format!("row {row}.{column}"), message, fix).at(at));
            };
            let name = get(2).to_string();
            let label = if name.is_empty() {
                String::new()
            } else {
                format!("{name}: ")
            };

            let provider = get(0).to_string();
            let services = SERVICES
                .iter()
                .find(|(p, _)| *p == provider)
                .map(|(_, s)| *s);
            if services.is_none() {
                bad(
                    "provider",
                    format!("{label}unknown provider {provider:?}"),
                    format!(
                        "use one of: {}",
                        SERVICES
                            .iter()
                            .map(|(p, _)| *p)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            let service = get(1).to_string();
            if let Some(services) = services
                && !services.contains(&service.as_str())
            {
                bad(
                    "service",
                    format!("{label}{service:?} is not a service of {provider}"),
                    format!("use one of: {}", services.join(", ")),
                );
            }

            if name.is_empty() || name.chars().any(char::is_whitespace) {
                bad(
                    "type",
                    format!("{name:?} is not an instance type name"),
                    "write the provider's name for the type, e.g. m6i.large".into(),
                );
            } else if let Some(&first) = index.get(&name) {
                bad(
                    "type",
                    format!("{name} is listed twice (first on line {})", lines[first]),
                    "keep one row per instance type; names are unique across providers".into(),
                );
            }

            let vcpu_text = get(3);
            let vcpu = if vcpu_text == "-" {
                Some(0.0)
            } else {
                match vcpu_text.parse::<f64>() {
                    Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                    _ => {
                        bad(
                            "vcpu",
                            format!("{label}expected a vCPU count > 0, found {vcpu_text:?}"),
                            "write the documented vCPUs, e.g. 4, or - if the provider publishes none".into(),
                        );
                        None
                    }
                }
            };

            let mem_text = get(4);
            let memory_gib = match mem_text.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                _ => {
                    bad(
                        "memory_gib",
                        format!("{label}expected memory in GiB > 0, found {mem_text:?}"),
                        "write the documented memory in GiB, e.g. 13.07".into(),
                    );
                    None
                }
            };

            let source = get(7).to_string();
            if !source.starts_with("https://") {
                bad(
                    "source",
                    format!("{label}expected the documentation page, found {source:?}"),
                    "write the https:// address of the page the figures come from".into(),
                );
            }

            // Cloud SQL custom machine types carry their size in the name.
            if service == "cloudsql"
                && let Some(rest) = name.strip_prefix("db-custom-")
                && let Some((cpus, mb)) = rest.split_once('-')
                && let (Ok(cpus), Ok(mb)) = (cpus.parse::<f64>(), mb.parse::<f64>())
            {
                if let Some(v) = vcpu
                    && v != cpus
                {
                    bad(
                        "vcpu",
                        format!("{name} has {cpus} vCPUs by its name, not {v}"),
                        format!("write {cpus}"),
                    );
                }
                if let Some(m) = memory_gib
                    && (m * 1024.0 - mb).abs() > 1e-6
                {
                    bad(
                        "memory_gib",
                        format!(
                            "{name} has {mb} MB = {} GiB by its name, not {m}",
                            mb / 1024.0
                        ),
                        format!("write {}", mb / 1024.0),
                    );
                }
            }

            if !row_problems.is_empty() {
                problems.extend(row_problems);
                continue;
            }
            let (Some(vcpu), Some(memory_gib)) = (vcpu, memory_gib) else {
                continue;
            };
            index.insert(name.clone(), rows.len());
            lines.push(line);
            rows.push(Instance {
                provider,
                service,
                name,
                vcpu,
                memory_bytes: memory_gib * GIB,
                network: get(5).to_string(),
                notes: get(6).to_string(),
                source,
            });
        }
        if problems.is_empty() && rows.is_empty() {
            problems.push(Problem::new(
                file,
                "",
                "the catalogue has no rows",
                "add one row per instance type after the header",
            ));
        }
        if problems.is_empty() {
            Ok(Catalogue { rows, index })
        } else {
            Err(Error::Invalid(problems))
        }
    }

    /// Read a catalogue file (same columns as the built-in one) and lay it over `self`: a row
    /// whose type the catalogue already has replaces it, a new type is added. Every bad row is
    /// reported, naming the file and line.
    pub fn extended_from(&self, path: &std::path::Path) -> Result<Catalogue> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        Ok(self.extended(Catalogue::parse(&text, &path.display().to_string())?))
    }

    /// `self` with `other`'s rows laid over it (replacing types of the same name).
    pub fn extended(&self, other: Catalogue) -> Catalogue {
        let mut out = self.clone();
        for row in other.rows {
            match out.index.get(&row.name) {
                Some(&i) => out.rows[i] = row,
                None => {
                    out.index.insert(row.name.clone(), out.rows.len());
                    out.rows.push(row);
                }
            }
        }
        out
    }

    /// The instance type of this name.
    pub fn get(&self, name: &str) -> Option<&Instance> {
        self.index.get(name).map(|&i| &self.rows[i])
    }

    /// The names of one service's types, in file order (for "use one of: ..." messages).
    pub fn names(&self, service: &str) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| r.service == service)
            .map(|r| r.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "provider,service,type,vcpu,memory_gib,network,notes,source\n";

    fn problems(text: &str) -> Vec<Problem> {
        match Catalogue::parse(text, "cat.csv") {
            Err(Error::Invalid(p)) => p,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn builtin_file_parses() {
        let c = Catalogue::parse(BUILTIN_TEXT, BUILTIN_PATH).expect("the shipped catalogue parses");
        assert_eq!(c, Catalogue::builtin());
        assert!(c.rows.len() >= 37, "{} rows", c.rows.len());
        // Every type the platform's scenarios need is there.
        let needed = [
            (
                "ec2",
                "m6i.large m6i.xlarge m6i.2xlarge m7i.xlarge c6i.xlarge c6i.2xlarge c7i.2xlarge r6i.xlarge t3.medium t3.large g5.xlarge",
            ),
            (
                "rds",
                "db.r6g.large db.r6g.xlarge db.r6g.2xlarge db.r6g.4xlarge db.m6g.large db.m6g.xlarge db.t4g.medium",
            ),
            (
                "elasticache",
                "cache.r6g.large cache.r6g.xlarge cache.m6g.large cache.t4g.medium",
            ),
            (
                "gce",
                "e2-standard-2 e2-standard-4 e2-standard-8 n2-standard-2 n2-standard-4 n2-standard-8 n2-highcpu-8 c2-standard-8 c3-standard-4 g2-standard-4",
            ),
            (
                "cloudsql",
                "db-custom-2-8192 db-custom-4-16384 db-custom-8-32768",
            ),
            (
                "memorystore",
                "memorystore-standard-5gb memorystore-standard-13gb",
            ),
        ];
        for (service, names) in needed {
            for name in names.split_whitespace() {
                let i = c.get(name).unwrap_or_else(|| panic!("{name} missing"));
                assert_eq!(i.service, service, "{name}");
                assert!(i.memory_bytes > 0.0 && i.source.starts_with("https://"));
                if service != "memorystore" {
                    assert!(i.vcpu >= 2.0, "{name}");
                }
            }
        }
        assert_eq!(
            c.names("cloudsql"),
            ["db-custom-2-8192", "db-custom-4-16384", "db-custom-8-32768"]
        );
        assert!(c.get("m5.large").is_none());
    }

    /// Spot values against the providers' pages (read 2026-11-26).
    #[test]
    fn spot_values_match_the_documentation() {
        let c = Catalogue::builtin();
        let gib = |name: &str| c.get(name).unwrap().memory_bytes / GIB;
        let vcpu = |name: &str| c.get(name).unwrap().vcpu;
        // EC2 general purpose instances (docs.aws.amazon.com/ec2/latest/instancetypes/gp.html).
        assert_eq!((vcpu("m6i.large"), gib("m6i.large")), (2.0, 8.0));
        assert_eq!((vcpu("t3.medium"), gib("t3.medium")), (2.0, 4.0));
        // EC2 compute optimized (…/co.html) and accelerated computing (…/ac.html).
        assert_eq!((vcpu("c6i.2xlarge"), gib("c6i.2xlarge")), (8.0, 16.0));
        assert_eq!((vcpu("g5.xlarge"), gib("g5.xlarge")), (4.0, 16.0));
        // RDS "Hardware specifications for DB instance classes".
        assert_eq!((vcpu("db.r6g.large"), gib("db.r6g.large")), (2.0, 16.0));
        assert_eq!(
            (vcpu("db.r6g.4xlarge"), gib("db.r6g.4xlarge")),
            (16.0, 128.0)
        );
        // ElastiCache pricing page (node memory) = the node type's maxmemory in the
        // "Redis OSS node-type specific parameters" table: 14037181030 bytes for cache.r6g.large.
        assert_eq!(
            (vcpu("cache.r6g.large"), gib("cache.r6g.large")),
            (2.0, 13.07)
        );
        assert!((gib("cache.r6g.large") * GIB / 14_037_181_030.0 - 1.0).abs() < 5e-4);
        assert!((gib("cache.t4g.medium") * GIB / 3_317_862_236.0 - 1.0).abs() < 5e-4);
        // Compute Engine general-purpose machine family (cloud.google.com/compute/docs/general-purpose-machines).
        assert_eq!((vcpu("e2-standard-4"), gib("e2-standard-4")), (4.0, 16.0));
        assert_eq!((vcpu("n2-highcpu-8"), gib("n2-highcpu-8")), (8.0, 8.0));
        // Cloud SQL custom machine types: db-custom-<vCPUs>-<memory MB>.
        assert_eq!(
            (vcpu("db-custom-4-16384"), gib("db-custom-4-16384")),
            (4.0, 16.0)
        );
        // Memorystore: capacity only.
        assert_eq!(
            (
                vcpu("memorystore-standard-13gb"),
                gib("memorystore-standard-13gb")
            ),
            (0.0, 13.0)
        );
    }

    #[test]
    fn every_bad_row_is_reported_at_once() {
        let text = format!(
            "# comment\n{HEADER}\
             aws,ec2,m6i.large,2,8,,,https://x.example/\n\
             azure,vm,Standard_D2,2,8,,,https://x.example/\n\
             aws,gce,m6i.xlarge,four,16,,,https://x.example/\n\
             aws,ec2,m6i.large,2,-1,,,https://x.example/\n\
             gcp,cloudsql,db-custom-2-8192,2,7.5,,,docs\n\
             aws,ec2,m7i.xlarge,4\n"
        );
        let p = problems(&text);
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "row 2.provider",
                "row 3.service",
                "row 3.vcpu",
                "row 4.type",
                "row 4.memory_gib",
                "row 5.source",
                "row 5.memory_gib",
                "row 6",
            ],
            "{p:#?}"
        );
        // Each problem names the file, the line and a fix.
        assert!(p.iter().all(|p| p.file == "cat.csv" && !p.fix.is_empty()));
        assert_eq!(p[0].line_col, Some((4, 1)));
        assert!(p[1].fix.contains("ec2, rds, elasticache"), "{}", p[1].fix);
        assert!(p[3].message.contains("first on line 3"), "{}", p[3].message);
        assert!(
            p[6].message.contains("8 GiB by its name"),
            "{}",
            p[6].message
        );
        let rendered = Error::Invalid(p).to_string();
        assert!(
            rendered
                .contains("cat.csv:4:1: row 2.provider: Standard_D2: unknown provider \"azure\""),
            "{rendered}"
        );
        assert!(rendered.ends_with("8 problems found"), "{rendered}");
    }

    #[test]
    fn header_problems() {
        let p = problems("provider,service,type,vcpus,memory_gib,network,notes,source\n");
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[0].message.contains("unknown column `vcpus`"));
        assert_eq!(p[1].message, "missing column `vcpu`");
        let p = problems("# only comments\n");
        assert_eq!(p[0].field, "header");
        let p = problems(HEADER);
        assert_eq!(p[0].message, "the catalogue has no rows");
    }

    #[test]
    fn a_file_adds_types_and_replaces_built_in_ones() {
        let text = format!(
            "# my additions\n{HEADER}\
             aws,rds,db.r7g.2xlarge,8,64,up to 15 Gbps,,https://aws.amazon.com/rds/instance-types/\n\
             aws,ec2,p5.48xlarge,192,2048,3200 Gbps,8 H100,https://aws.amazon.com/ec2/instance-types/p5/\n\
             aws,ec2,m6i.large,2,8,,re-measured,https://x.example/\n"
        );
        let builtin = Catalogue::builtin();
        let c = builtin.extended(Catalogue::parse(&text, "mine.csv").unwrap());
        assert_eq!(c.get("db.r7g.2xlarge").unwrap().vcpu, 8.0);
        assert_eq!(c.get("p5.48xlarge").unwrap().memory_bytes, 2048.0 * GIB);
        assert_eq!(c.get("m6i.large").unwrap().notes, "re-measured");
        assert_eq!(c.rows.len(), builtin.rows.len() + 2);
        assert!(c.names("rds").ends_with(&["db.r7g.2xlarge"]));
        // Bad rows of a user's file: file, line and fix.
        let bad = format!("{HEADER}aws,rds,db.r7g.4xlarge,sixteen,128,,,https://x.example/\n");
        let p = problems(&bad);
        assert_eq!(p[0].line_col, Some((2, 1)));
        assert_eq!(p[0].field, "row 1.vcpu");
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let text = "type,provider,service,vcpu,memory_gib,source,notes,network\n\
                    m6i.large,aws,ec2,2,8,https://x.example/,,\n";
        let c = Catalogue::parse(text, "cat.csv").unwrap();
        let i = c.get("m6i.large").unwrap();
        assert_eq!((i.vcpu, i.memory_bytes), (2.0, 8.0 * GIB));
        assert_eq!(c.names("ec2"), ["m6i.large"]);
        assert!(c.names("rds").is_empty());
    }
}
