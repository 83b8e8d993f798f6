//! Importing what a platform team already has into a scenario: Kubernetes manifests (`k8s`,
//! including `helm template` output), Terraform plans (`terraform`), written as one commented
//! scenario skeleton (`skeleton`); and fitting a service's CPU parameters from measured series
//! (`calibrate`).
//!
//! Importers never guess silently: what a manifest or plan cannot tell (CPU per request, requests
//! per page view, traffic) is written as a conservative placeholder with a `# TODO` comment, so
//! the skeleton validates and the TODOs say what to measure. Documents and resources capsim does
//! not model are listed as skipped, never fatal.

pub mod calibrate;
pub mod k8s;
pub mod skeleton;
pub mod terraform;

use crate::scenario::yaml::{Node, Value};

/// Something read from the inputs and what became of it, for the import summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `file:line`, or the Terraform address.
    pub source: String,
    /// `Deployment default/web`, `aws_db_instance.main`.
    pub what: String,
    /// Where it went (`spec.services.web`) or why it was skipped.
    pub note: String,
}

/// The summary of an import: what was used, what was skipped and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub imported: Vec<Entry>,
    pub skipped: Vec<Entry>,
    /// Things worth a look that did not stop the import.
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn extend(&mut self, other: Summary) {
        self.imported.extend(other.imported);
        self.skipped.extend(other.skipped);
        self.warnings.extend(other.warnings);
    }

    /// The summary as text lines (also written at the top of the skeleton, as comments).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.imported {
            out.push(format!("imported {} ({}) → {}", e.what, e.source, e.note));
        }
        for e in &self.skipped {
            out.push(format!("skipped  {} ({}): {}", e.what, e.source, e.note));
        }
        for w in &self.warnings {
            out.push(format!("warning  {w}"));
        }
        out
    }
}

/// The value of `key` in a mapping node.
pub(crate) fn get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The node at a path of keys.
pub(crate) fn at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
    path.iter().try_fold(node, |n, k| get(n, k))
}

/// A scalar's text (not for nulls).
pub(crate) fn text(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar { text, .. } if !node.is_null() => Some(text),
        _ => None,
    }
}

/// The text at a path of keys.
pub(crate) fn text_at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n str> {
    at(node, path).and_then(text)
}

/// A whole number at a path of keys.
pub(crate) fn int_at(node: &Node, path: &[&str]) -> Option<i64> {
    text_at(node, path).and_then(|t| t.trim().parse().ok())
}

/// The items of a list node (none for anything else).
pub(crate) fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

/// A Kubernetes or Terraform name as a capsim service / pool name: lowercase letters, digits
/// and '-', at most 63.
pub fn k8s_name(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s = s.trim_matches('-').to_string();
    s.truncate(63);
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "imported".into() } else { s }
}
