//! Walking a [`yaml::Node`](super::yaml::Node) tree into typed values while collecting every
//! problem (file, line:column, field path, what was expected) instead of stopping at the first.

use std::collections::BTreeSet;

use super::units;
use super::yaml::{Node, Value};
use crate::error::Problem;

/// The decoding context: the file name and the problems found so far.
pub struct Cx {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl Cx {
    pub fn new(file: impl Into<String>) -> Self {
        Cx {
            file: file.into(),
            problems: Vec::new(),
        }
    }

    /// Record a problem at `node`.
    pub fn problem(
        &mut self,
        node: &Node,
        path: &str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.problems
            .push(Problem::new(&self.file, path, message, fix).at(node.pos()));
    }

    /// What a loader the scenario points at (a calendar, a catalogue, a replay) returned, as a
    /// decoded value: its own problems join this file's; any other error (an unreadable file)
    /// becomes one problem at `node`, `path`, with `fix`.
    pub fn absorb<T>(
        &mut self,
        result: crate::error::Result<T>,
        node: &Node,
        path: &str,
        fix: &str,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(crate::error::Error::Invalid(problems)) => {
                self.problems.extend(problems);
                None
            }
            Err(e) => {
                self.problem(node, path, e.to_string(), fix);
                None
            }
        }
    }

    /// Open a mapping; `None` (with a problem) when the node is something else.
    pub fn map<'n>(&mut self, node: &'n Node, path: &str) -> Option<MapReader<'n>> {
        match &node.value {
            Value::Map(entries) => Some(MapReader {
                node,
                entries,
                path: path.to_string(),
                used: BTreeSet::new(),
                allowed: Vec::new(),
            }),
            _ => {
                self.problem(
                    node,
                    path,
                    format!(
                        "expected a mapping (key: value lines), found {}",
                        node.describe()
                    ),
                    "indent the fields of this section under its key",
                );
                None
            }
        }
    }

    /// Walk a mapping keyed by user-chosen names (`spec.services`, `spec.clouds`, ...), calling
    /// `each(cx, name, key, value)` in file order; a key that is not a text value is reported and
    /// skipped. `None` (with a problem) when the node is not a mapping, else whether every key
    /// was a text value.
    pub fn each_named<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        mut each: impl FnMut(&mut Cx, String, &'n Node, &'n Node),
    ) -> Option<bool> {
        let entries = self.map(node, path)?.entries;
        let mut all_named = true;
        for (k, v) in entries {
            match self.string(k, path) {
                Some(name) => each(self, name, k, v),
                None => all_named = false,
            }
        }
        Some(all_named)
    }

    /// The items of a list; `None` (with a problem) when the node is something else.
    pub fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.problem(
                    node,
                    path,
                    format!("expected a list, found {}", node.describe()),
                    "write the items as a YAML list (lines starting with '- ' or [a, b])",
                );
                None
            }
        }
    }

    /// A scalar's text; `None` (with a problem) for mappings and lists.
    pub fn scalar<'n>(&mut self, node: &'n Node, path: &str, expected: &str) -> Option<&'n str> {
        match &node.value {
            Value::Scalar { text, .. } => Some(text),
            _ => {
                self.problem(
                    node,
                    path,
                    format!("expected {expected}, found {}", node.describe()),
                    format!("write {expected} here"),
                );
                None
            }
        }
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        if node.is_null() {
            self.problem(
                node,
                path,
                "expected a text value, found an empty value",
                "write a value",
            );
            return None;
        }
        self.scalar(node, path, "a text value").map(str::to_string)
    }

    pub fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        let text = self.scalar(node, path, "true or false")?;
        match text {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => {
                self.problem(
                    node,
                    path,
                    format!("expected true or false, found {text:?}"),
                    "write true or false",
                );
                None
            }
        }
    }

    /// A finite number; `what` says what it is for messages ("a number of page views").
    pub fn f64(&mut self, node: &Node, path: &str) -> Option<f64> {
        let text = self.scalar(node, path, "a number")?;
        match text.trim().replace('_', "").parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                self.problem(
                    node,
                    path,
                    format!("expected a number, found {}", node.describe()),
                    "write a plain number, e.g. 1.5",
                );
                None
            }
        }
    }

    /// A number that passes `valid`; otherwise a problem saying `message(value)` and `fix`.
    pub fn f64_where(
        &mut self,
        node: &Node,
        path: &str,
        valid: impl FnOnce(f64) -> bool,
        message: impl FnOnce(f64) -> String,
        fix: &str,
    ) -> Option<f64> {
        let v = self.f64(node, path)?;
        if !valid(v) {
            self.problem(node, path, message(v), fix);
            return None;
        }
        Some(v)
    }

    /// A number that must be > 0.
    pub fn positive(&mut self, node: &Node, path: &str) -> Option<f64> {
        self.f64_where(
            node,
            path,
            |v| v > 0.0,
            |v| format!("must be greater than 0, found {}", show(v)),
            "write a positive number",
        )
    }

    /// A number that must be >= 0.
    pub fn non_negative(&mut self, node: &Node, path: &str) -> Option<f64> {
        self.f64_where(
            node,
            path,
            |v| v >= 0.0,
            |v| format!("must not be negative, found {}", show(v)),
            "write 0 or a positive number",
        )
    }

    /// A number in `(0, max]`. The upper bound keeps a value inside what the simulation's
    /// arithmetic (and the money it prices) can hold; above it is a unit slip, not a plan.
    pub fn positive_at_most(&mut self, node: &Node, path: &str, max: f64) -> Option<f64> {
        self.f64_where(
            node,
            path,
            |v| v > 0.0 && v <= max,
            |v| {
                if v <= 0.0 {
                    format!("must be greater than 0, found {}", show(v))
                } else {
                    format!("{} is out of range (at most {max})", show(v))
                }
            },
            &format!("write a number greater than 0 and at most {max}"),
        )
    }

    /// A number in `[0, max]` (see [`Cx::positive_at_most`] for why there is a maximum).
    pub fn non_negative_at_most(&mut self, node: &Node, path: &str, max: f64) -> Option<f64> {
        self.f64_where(
            node,
            path,
            |v| (0.0..=max).contains(&v),
            |v| {
                if v < 0.0 {
                    format!("must not be negative, found {}", show(v))
                } else {
                    format!("{} is out of range (at most {max})", show(v))
                }
            },
            &format!("write a number from 0 to {max}"),
        )
    }

    /// A number from 0 to 1.
    pub fn fraction(&mut self, node: &Node, path: &str, fix: &str) -> Option<f64> {
        self.f64_where(
            node,
            path,
            |v| (0.0..=1.0).contains(&v),
            |v| format!("{} is not a fraction", show(v)),
            fix,
        )
    }

    /// A whole number in `[min, max]`.
    pub fn int(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        let text = self.scalar(node, path, "a whole number")?;
        match text.trim().replace('_', "").parse::<i64>() {
            Ok(v) if v >= min && v <= max => Some(v),
            Ok(v) => {
                self.problem(
                    node,
                    path,
                    format!("{v} is out of range"),
                    format!("write a whole number from {min} to {max}"),
                );
                None
            }
            Err(_) => {
                self.problem(
                    node,
                    path,
                    format!("expected a whole number, found {}", node.describe()),
                    format!("write a whole number from {min} to {max}"),
                );
                None
            }
        }
    }

    /// A duration such as `250ms`, `5s`, `10m`, `1.5h`, `2d` → milliseconds.
    pub fn duration_ms(&mut self, node: &Node, path: &str) -> Option<i64> {
        let text = self.scalar(node, path, "a duration")?;
        match units::parse_duration_ms(text) {
            Ok(ms) => Some(ms),
            Err(why) => {
                self.problem(
                    node,
                    path,
                    format!("{why}, found {}", node.describe()),
                    "write a duration such as 250ms, 5s, 10m, 2h or 3d",
                );
                None
            }
        }
    }

    /// A duration longer than 0, in milliseconds.
    pub fn positive_duration_ms(&mut self, node: &Node, path: &str) -> Option<i64> {
        let ms = self.duration_ms(node, path)?;
        if ms <= 0 {
            self.problem(
                node,
                path,
                "must be longer than 0",
                "write a positive duration such as 30s",
            );
            return None;
        }
        Some(ms)
    }

    /// A Kubernetes quantity (`250m`, `2`, `512Mi`, `1.5Gi`, `1k`) → milli-units.
    pub fn quantity_milli(&mut self, node: &Node, path: &str) -> Option<i64> {
        let text = self.scalar(node, path, "a Kubernetes quantity")?;
        match units::parse_quantity_milli(text) {
            Ok(v) => Some(v),
            Err(why) => {
                self.problem(
                    node,
                    path,
                    format!("{why}, found {}", node.describe()),
                    "write a Kubernetes quantity such as 250m, 2, 512Mi or 4Gi",
                );
                None
            }
        }
    }

    /// A Kubernetes quantity greater than 0, in milli-units; `fix` says what to write instead.
    pub fn positive_quantity_milli(&mut self, node: &Node, path: &str, fix: &str) -> Option<i64> {
        let v = self.quantity_milli(node, path)?;
        if v <= 0 {
            self.problem(node, path, "must be greater than 0", fix);
            return None;
        }
        Some(v)
    }

    /// A civil date `YYYY-MM-DD`.
    pub fn date(&mut self, node: &Node, path: &str) -> Option<jiff::civil::Date> {
        let text = self.scalar(node, path, "a date")?;
        match text.trim().parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(
                    node,
                    path,
                    format!("expected a date, found {}", node.describe()),
                    "write the date as YYYY-MM-DD, e.g. 2026-01-01",
                );
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub fn choice<T: Copy>(&mut self, node: &Node, path: &str, options: &[(&str, T)]) -> Option<T> {
        let text = self.scalar(node, path, "one of the listed words")?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == text) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        self.problem(
            node,
            path,
            format!("unknown value {text:?}"),
            format!("write one of: {}", names.join(", ")),
        );
        None
    }
}

/// Reads the fields of one mapping, remembering which were used so unknown fields become problems.
pub struct MapReader<'n> {
    pub node: &'n Node,
    entries: &'n [(Node, Node)],
    pub path: String,
    used: BTreeSet<usize>,
    allowed: Vec<&'static str>,
}

impl<'n> MapReader<'n> {
    /// The dotted path of a field of this mapping.
    pub fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// An optional field; explicit `null` counts as absent.
    pub fn opt(&mut self, key: &'static str) -> Option<&'n Node> {
        self.allowed.push(key);
        let idx = self
            .entries
            .iter()
            .position(|(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == key))?;
        self.used.insert(idx);
        let v = &self.entries[idx].1;
        if v.is_null() { None } else { Some(v) }
    }

    /// An optional field read with `read` (given the field's path): `Some(None)` when absent,
    /// `None` when present but invalid (`read` has recorded the problem).
    pub fn opt_read<T>(
        &mut self,
        cx: &mut Cx,
        key: &'static str,
        read: impl FnOnce(&mut Cx, &'n Node, &str) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.opt(key) {
            Some(n) => read(cx, n, &self.child(key)).map(Some),
            None => Some(None),
        }
    }

    /// An optional field read with `read`, `default` when absent; `None` when invalid.
    pub fn opt_or<T>(
        &mut self,
        cx: &mut Cx,
        key: &'static str,
        default: T,
        read: impl FnOnce(&mut Cx, &'n Node, &str) -> Option<T>,
    ) -> Option<T> {
        self.opt_read(cx, key, read).map(|v| v.unwrap_or(default))
    }

    /// An optional field read with `read` into `slot` (left as it is when the field is absent);
    /// false when the field is present but invalid.
    pub fn opt_set<T>(
        &mut self,
        cx: &mut Cx,
        key: &'static str,
        slot: &mut T,
        read: impl FnOnce(&mut Cx, &'n Node, &str) -> Option<T>,
    ) -> bool {
        match self.opt_read(cx, key, read) {
            Some(Some(v)) => {
                *slot = v;
                true
            }
            Some(None) => true,
            None => false,
        }
    }

    /// Accept these fields without reading them (so they are not reported as unknown).
    pub fn ignore(&mut self, keys: &[&'static str]) {
        for &k in keys {
            let _ = self.opt(k);
        }
    }

    /// A required field; a problem when missing.
    pub fn req(&mut self, cx: &mut Cx, key: &'static str, what: &str) -> Option<&'n Node> {
        let v = self.opt(key);
        if v.is_none() {
            cx.problem(
                self.node,
                &self.child(key),
                "required field is missing",
                format!("add `{key}:` with {what}"),
            );
        }
        v
    }

    /// Report every field that no `opt`/`req` asked for.
    pub fn finish(self, cx: &mut Cx) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if self.used.contains(&i) {
                continue;
            }
            let name = match &k.value {
                Value::Scalar { text, .. } => text.clone(),
                _ => "<complex key>".to_string(),
            };
            let mut allowed = self.allowed.clone();
            allowed.sort_unstable();
            allowed.dedup();
            let suggestion = closest(&name, &allowed)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            cx.problem(
                k,
                &self.child(&name),
                "unknown field",
                format!("{suggestion}allowed fields here: {}", allowed.join(", ")),
            );
        }
    }
}

/// A number for a message: plain, or in exponent form when plain would be a wall of digits.
pub fn show(v: f64) -> String {
    if v != 0.0 && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The allowed name closest to a misspelt one (edit distance ≤ 3, or same letters ignoring case).
pub fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(&name.to_lowercase(), &a.to_lowercase()), *a))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::yaml;
    use super::*;

    #[test]
    fn unknown_fields_are_reported_with_suggestion() {
        let n = yaml::parse("minReplica: 3\nmaxReplicas: 5\n", "f.yaml").unwrap();
        let mut cx = Cx::new("f.yaml");
        let mut m = cx.map(&n, "spec.hpa").unwrap();
        let _ = m.opt("minReplicas");
        let _ = m.opt("maxReplicas");
        m.finish(&mut cx);
        assert_eq!(cx.problems.len(), 1);
        let p = &cx.problems[0];
        assert_eq!(p.field, "spec.hpa.minReplica");
        assert_eq!(p.line_col, Some((1, 1)));
        assert!(p.fix.contains("did you mean `minReplicas`"), "{}", p.fix);
    }

    #[test]
    fn every_problem_is_collected() {
        let n = yaml::parse("a: x\nb: -1\nc: 5q\n", "f.yaml").unwrap();
        let mut cx = Cx::new("f.yaml");
        let mut m = cx.map(&n, "").unwrap();
        let a = m.opt("a").unwrap();
        let b = m.opt("b").unwrap();
        let c = m.opt("c").unwrap();
        assert!(cx.f64(a, "a").is_none());
        assert!(cx.positive(b, "b").is_none());
        assert!(cx.duration_ms(c, "c").is_none());
        assert_eq!(cx.problems.len(), 3);
        assert_eq!(cx.problems[1].line_col, Some((2, 4)));
    }
}
