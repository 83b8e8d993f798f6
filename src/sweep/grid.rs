//! The sweep's plan: `--set path=v1,v2` parameters, their grid (Cartesian product), the edits
//! they make to the scenario's YAML tree, the run list (grid point × replicate) with each run's
//! seed, and the deterministic slice a shard runs.

use crate::error::{Error, Problem, Result};
use crate::scenario::yaml::{Node, Value};

/// One swept parameter: a dotted path below `spec` and the values it takes, in the given order.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Param {
    /// As the user wrote it, without a leading `spec.` (e.g. `services.web-main.hpa.maxReplicas`).
    pub path: String,
    pub values: Vec<String>,
}

impl Param {
    /// Parse `path=v1,v2,...` (the `--set` flag).
    pub fn parse(arg: &str) -> Result<Param> {
        let usage = |why: &str| {
            Error::Usage(format!(
                "--set {arg:?}: {why}; write --set PATH=V1,V2,... with PATH a dotted scenario path below spec, e.g. --set services.web-main.hpa.maxReplicas=15,20,30"
            ))
        };
        let (path, values) = arg.split_once('=').ok_or_else(|| usage("no '='"))?;
        let path = path.trim();
        let path = path.strip_prefix("spec.").unwrap_or(path);
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(usage("the path is empty or has an empty segment"));
        }
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(usage("a value is empty"));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = values.iter().find(|v| !seen.insert(v.as_str())) {
            return Err(usage(&format!("the value {dup:?} is listed twice")));
        }
        Ok(Param {
            path: path.to_string(),
            values,
        })
    }

    /// The name of the column holding this parameter's value in the result tables.
    pub fn column(&self) -> String {
        format!("param.{}", self.path)
    }
}

/// The parameter grid: every combination of the parameters' values. Point 0 takes every
/// parameter's first value; the last parameter varies fastest.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Grid {
    pub params: Vec<Param>,
}

impl Grid {
    pub fn new(params: Vec<Param>) -> Result<Grid> {
        let mut seen = std::collections::BTreeSet::new();
        for p in &params {
            if !seen.insert(p.path.as_str()) {
                return Err(Error::Usage(format!(
                    "--set {} is given twice; list all its values in one flag: --set {}=V1,V2,...",
                    p.path, p.path
                )));
            }
        }
        let points = params
            .iter()
            .try_fold(1usize, |n, p| n.checked_mul(p.values.len()));
        match points {
            Some(n) if n <= MAX_POINTS => Ok(Grid { params }),
            _ => Err(Error::Usage(format!(
                "the --set values make more than {MAX_POINTS} grid points; sweep fewer values at once"
            ))),
        }
    }

    /// Number of grid points (1 when nothing is swept).
    pub fn points(&self) -> usize {
        self.params.iter().map(|p| p.values.len()).product()
    }

    /// The value of each parameter at grid point `point`.
    pub fn values_at(&self, point: usize) -> Vec<&str> {
        let mut rest = point;
        let mut out = vec![""; self.params.len()];
        for (i, p) in self.params.iter().enumerate().rev() {
            out[i] = &p.values[rest % p.values.len()];
            rest /= p.values.len();
        }
        out
    }

    /// `path=value, ...` for grid point `point` ("baseline" when nothing is swept).
    pub fn label(&self, point: usize) -> String {
        if self.params.is_empty() {
            return "baseline".to_string();
        }
        self.params
            .iter()
            .zip(self.values_at(point))
            .map(|(p, v)| format!("{}={v}", p.path))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The scenario tree with grid point `point`'s values set. `file` names the scenario in
    /// problems.
    pub fn apply(&self, root: &Node, point: usize, file: &str) -> Result<Node> {
        let mut tree = root.clone();
        for (p, v) in self.params.iter().zip(self.values_at(point)) {
            set_path(&mut tree, &p.path, v, file)?;
        }
        Ok(tree)
    }
}

/// A guard against a typo like `--set a=1,2,...` × 12 parameters running for weeks.
pub const MAX_POINTS: usize = 10_000;

/// Set the scalar at `spec.<path>` to `value`. Missing mapping keys are created (the scenario
/// decoder then rejects a field that does not exist, with a "did you mean"); list items are
/// addressed by their 0-based index.
fn set_path(root: &mut Node, path: &str, value: &str, file: &str) -> Result<()> {
    let problem = |pos, field: &str, message: String, fix: String| {
        Error::invalid(Problem::new(file, field, format!("--set {path}: {message}"), fix).at(pos))
    };
    let segments: Vec<&str> = std::iter::once("spec").chain(path.split('.')).collect();
    let mut node = root;
    // The dotted path of `node` (empty at the document root), for problems.
    let mut field = String::new();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let (pos, line_col) = (node.pos(), (node.line, node.col));
        let here = node.describe();
        node = match &mut node.value {
            Value::Map(entries) => {
                let found = entries.iter().position(
                    |(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == seg),
                );
                let idx = found.unwrap_or_else(|| {
                    let child = if last {
                        scalar(value, line_col)
                    } else {
                        Node {
                            value: Value::Map(Vec::new()),
                            line: line_col.0,
                            col: line_col.1,
                        }
                    };
                    entries.push((scalar(seg, line_col), child));
                    entries.len() - 1
                });
                &mut entries[idx].1
            }
            Value::Seq(items) => {
                let len = items.len();
                let Some(i) = seg.parse::<usize>().ok().filter(|i| *i < len) else {
                    return Err(problem(
                        pos,
                        &field,
                        format!("{seg:?} is not an item of this {len}-item list"),
                        format!(
                            "address a list item by its 0-based index, 0 to {}",
                            len.saturating_sub(1)
                        ),
                    ));
                };
                &mut items[i]
            }
            Value::Scalar { .. } => {
                return Err(problem(
                    pos,
                    &field,
                    format!("{here} is a single value, so it has no field {seg:?}"),
                    "end the path at this field".to_string(),
                ));
            }
        };
        field = if field.is_empty() {
            seg.to_string()
        } else {
            format!("{field}.{seg}")
        };
    }
    let at = (node.line, node.col);
    match &node.value {
        Value::Scalar { .. } => {
            *node = scalar(value, at);
            Ok(())
        }
        other => {
            let what = if matches!(other, Value::Seq(_)) {
                "a list"
            } else {
                "a mapping"
            };
            Err(problem(
                node.pos(),
                &field,
                format!("this field is {what}, not a single value"),
                "sweep one of its fields instead (a longer path)".to_string(),
            ))
        }
    }
}

fn scalar(text: &str, (line, col): (usize, usize)) -> Node {
    Node {
        value: Value::Scalar {
            text: text.to_string(),
            plain: true,
        },
        line,
        col,
    }
}

/// Which runs of a sweep a process does: all of them, or shard `index` of `count` (every
/// `count`-th run from `index`, so each shard gets a similar mix of grid points).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parse `I/N` (0 ≤ I < N), as Kubernetes' `JOB_COMPLETION_INDEX` counts.
    pub fn parse(s: &str) -> Result<Shard> {
        let bad = || {
            Error::Usage(format!(
                "--shard {s:?}: write I/N with 0 ≤ I < N, e.g. --shard 0/8 (I is 0-based, like a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn is_all(&self) -> bool {
        self.count == 1
    }

    /// Whether this shard does run `run_id`.
    pub fn owns(&self, run_id: usize) -> bool {
        run_id % self.count == self.index
    }
}

/// One run of the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    /// `point × runs_per_point + replicate`.
    pub run_id: usize,
    pub point: usize,
    pub replicate: usize,
    pub seed: u64,
}

/// The seed of replicate `k`: a stable hash of (base seed, k). Every grid point's replicate `k`
/// uses the same seed (common random numbers), so two designs are compared on the same simulated
/// years and their difference is not blurred by different traffic noise.
pub fn replicate_seed(base_seed: u64, replicate: usize) -> u64 {
    crate::sim::rng::stream_seed(base_seed, &format!("capsim-sweep-replicate-{replicate}"))
}

/// The runs `shard` does, in run-id order.
pub fn runs(grid: &Grid, runs_per_point: usize, base_seed: u64, shard: Shard) -> Vec<RunSpec> {
    (0..grid.points() * runs_per_point)
        .filter(|id| shard.owns(*id))
        .map(|run_id| {
            let replicate = run_id % runs_per_point;
            RunSpec {
                run_id,
                point: run_id / runs_per_point,
                replicate,
                seed: replicate_seed(base_seed, replicate),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Node {
        crate::scenario::yaml::parse(
            "spec:\n  services:\n    web:\n      hpa: { minReplicas: 2, maxReplicas: 10 }\n  traffic:\n    dau:\n      milestones:\n        - { date: 2026-01-01, dau: 1000 }\n",
            "t.yaml",
        )
        .unwrap()
    }

    fn get<'a>(n: &'a Node, path: &[&str]) -> &'a str {
        let mut n = n;
        for seg in path {
            n = match &n.value {
                Value::Map(e) => {
                    &e.iter()
                        .find(|(k, _)| matches!(&k.value, Value::Scalar{text,..} if text == seg))
                        .unwrap()
                        .1
                }
                Value::Seq(items) => &items[seg.parse::<usize>().unwrap()],
                _ => panic!("scalar"),
            };
        }
        match &n.value {
            Value::Scalar { text, .. } => text,
            _ => panic!("not a scalar"),
        }
    }

    #[test]
    fn grid_points_vary_last_parameter_fastest() {
        let g = Grid::new(vec![
            Param::parse("a=1,2").unwrap(),
            Param::parse("spec.b=x,y,z").unwrap(),
        ])
        .unwrap();
        assert_eq!(g.points(), 6);
        assert_eq!(g.values_at(0), ["1", "x"]);
        assert_eq!(g.values_at(2), ["1", "z"]);
        assert_eq!(g.values_at(3), ["2", "x"]);
        assert_eq!(g.label(5), "a=2, b=z");
        assert_eq!(Grid::new(vec![]).unwrap().points(), 1);
    }

    #[test]
    fn set_replaces_scalars_creates_missing_keys_and_indexes_lists() {
        let g = Grid::new(vec![
            Param::parse("services.web.hpa.maxReplicas=30").unwrap(),
            Param::parse("traffic.dau.milestones.0.dau=2000").unwrap(),
            Param::parse("services.web.startupDelay=20s").unwrap(),
        ])
        .unwrap();
        let t = g.apply(&tree(), 0, "t.yaml").unwrap();
        assert_eq!(
            get(&t, &["spec", "services", "web", "hpa", "maxReplicas"]),
            "30"
        );
        assert_eq!(
            get(&t, &["spec", "services", "web", "hpa", "minReplicas"]),
            "2"
        );
        assert_eq!(
            get(&t, &["spec", "traffic", "dau", "milestones", "0", "dau"]),
            "2000"
        );
        assert_eq!(get(&t, &["spec", "services", "web", "startupDelay"]), "20s");
    }

    #[test]
    fn set_rejects_paths_into_values_lists_and_maps() {
        let cases = [
            ("services.web.hpa.maxReplicas.x=1", "has no field"),
            (
                "traffic.dau.milestones.3.dau=1",
                "not an item of this 1-item list",
            ),
            ("services.web.hpa=1", "not a single value"),
        ];
        for (arg, want) in cases {
            let g = Grid::new(vec![Param::parse(arg).unwrap()]).unwrap();
            let err = g.apply(&tree(), 0, "t.yaml").unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("t.yaml"), "{arg}: {err}");
        }
    }

    #[test]
    fn bad_set_flags_are_usage_errors() {
        for arg in ["noequals", "=1", "a..b=1", "a=1,,2", "a=1,1"] {
            assert!(Param::parse(arg).is_err(), "{arg}");
        }
        let twice = Grid::new(vec![
            Param::parse("a=1").unwrap(),
            Param::parse("a=2").unwrap(),
        ]);
        assert!(twice.is_err());
    }

    #[test]
    fn shards_partition_the_runs_and_keep_seeds() {
        let g = Grid::new(vec![Param::parse("a=1,2,3").unwrap()]).unwrap();
        let all = runs(&g, 5, 42, Shard::ALL);
        assert_eq!(all.len(), 15);
        let mut merged: Vec<RunSpec> = (0..4)
            .flat_map(|i| runs(&g, 5, 42, Shard { index: i, count: 4 }))
            .collect();
        merged.sort_by_key(|r| r.run_id);
        assert_eq!(merged, all);
        // Replicate k has one seed at every grid point; replicates differ.
        assert_eq!(all[1].seed, all[6].seed);
        assert_ne!(all[0].seed, all[1].seed);
        assert_eq!(Shard::parse("3/8").unwrap(), Shard { index: 3, count: 8 });
        for bad in ["8/8", "1", "a/2", "0/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
