//! The raw YAML document as a tree of nodes that remember their line and column.
//!
//! serde stops at the first problem and loses positions inside tagged enums; capsim wants every
//! problem of a scenario at once, each with its position. So the YAML event stream of
//! serde-saphyr's parser (granit-parser) is built into this small tree, and
//! [`super::decode`] walks it, collecting problems as it goes.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use crate::error::Problem;

/// One YAML node and where it starts in the file (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text; `plain` is false for quoted and block scalars (`"3"` is a string, `3` a number).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in file order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn pos(&self) -> Option<(usize, usize)> {
        Some((self.line, self.col))
    }

    /// True for an explicit or implicit YAML null (`~`, `null`, empty value).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if text.is_empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    /// What kind of node this is, for messages ("a mapping", "a list", "the text \"x\"").
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "an empty value".to_string(),
            Value::Scalar { text, .. } => format!("{text:?}"),
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
        }
    }
}

/// The most nodes one document may expand to, aliases counted at their full size (~25 MB of
/// tree). A scenario has a few thousand; the bound stops an alias bomb (`a: &a [x, x]`,
/// `b: &b [*a, *a]`, … doubles at every line) before it takes the machine's memory.
pub const MAX_NODES: usize = 250_000;

/// One document of a multi-document YAML stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based position among the stream's non-empty documents.
    pub index: usize,
    /// 1-based line where the document starts (its `---`, or its first node).
    pub line: usize,
    pub root: Node,
}

/// Parse the one YAML document of `text` (a scenario). Syntax errors and duplicate keys are
/// problems of `file`; so is a second non-empty document, which would otherwise be silently
/// ignored (a `kubectl`-style file of several manifests is not a scenario).
pub fn parse(text: &str, file: &str) -> Result<Node, Vec<Problem>> {
    let mut docs = parse_all(text, file)?.into_iter();
    let Some(first) = docs.next() else {
        return Err(vec![Problem::new(
            file,
            "",
            "the file is empty",
            "write a Scenario document: apiVersion: capsim/v1alpha1, kind: Scenario, metadata, spec",
        )]);
    };
    let extra: Vec<Problem> = docs
        .map(|d| {
            Problem::new(
                file,
                "",
                format!(
                    "a second YAML document (document {} at line {}; the first starts at line {}): \
                     a scenario file holds exactly one document",
                    d.index + 1,
                    d.line,
                    first.line
                ),
                "remove the extra `---` document, or move it into its own file \
                 (Kubernetes manifests: `capsim import k8s FILE`)",
            )
            .at(Some((d.line, 1)))
        })
        .collect();
    if extra.is_empty() {
        Ok(first.root)
    } else {
        Err(extra)
    }
}

/// Parse every document of a YAML stream (`---`-separated, as `helm template` and
/// `kubectl get -o yaml` write them). Empty documents (only comments, or a bare `---`) are
/// skipped; the others are numbered in order. Syntax errors, duplicate keys and a document
/// that expands beyond [`MAX_NODES`] are problems of `file`.
pub fn parse_all(text: &str, file: &str) -> Result<Vec<Document>, Vec<Problem>> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        expanded: 0,
    };
    let mut docs: Vec<Document> = Vec::new();
    let mut doc_line = 1;
    let mut problems = Vec::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = match item {
            Ok(pair) => pair,
            Err(e) => {
                let m = e.marker();
                problems.push(
                    Problem::new(
                        file,
                        "",
                        format!("malformed YAML: {}", e.info()),
                        "fix the YAML syntax at this position (indentation, a missing ':' or an unclosed quote or bracket)",
                    )
                    .at(Some((m.line(), m.col() + 1))),
                );
                return Err(problems);
            }
        };
        let (line, col) = (span.start.line(), span.start.col() + 1);
        match event {
            Event::DocumentStart(..) => doc_line = line,
            Event::DocumentEnd => {
                if let Some(root) = builder.root.take()
                    && !root.is_null()
                {
                    // An implicit start is reported where the first node is.
                    let line = if doc_line > root.line {
                        root.line
                    } else {
                        doc_line
                    };
                    docs.push(Document {
                        index: docs.len(),
                        line,
                        root,
                    });
                }
                builder.anchors.clear();
                builder.expanded = 0;
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: matches!(style, ScalarStyle::Plain),
                    },
                    line,
                    col,
                };
                builder.expanded += 1;
                builder.push_node(node, anchor, 1, file, &mut problems);
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                builder.stack.push(Frame {
                    node: Node { value, line, col },
                    pending_key: None,
                    keys: HashMap::new(),
                    anchor,
                    expanded_before: builder.expanded,
                });
                builder.expanded += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = builder.stack.pop() {
                    let size = builder.expanded - frame.expanded_before;
                    builder.push_node(frame.node, frame.anchor, size, file, &mut problems);
                }
            }
            Event::Alias(id) => {
                let (node, size) = builder.anchors.get(&id).cloned().unwrap_or((
                    Node {
                        value: Value::Scalar {
                            text: String::new(),
                            plain: true,
                        },
                        line,
                        col,
                    },
                    1,
                ));
                // Checked before the copy is made: the copy is what would take the memory.
                builder.expanded = builder.expanded.saturating_add(size);
                if builder.expanded <= MAX_NODES {
                    builder.push_node(node, 0, size, file, &mut problems);
                }
            }
            _ => {}
        }
        if builder.expanded > MAX_NODES {
            problems.push(
                Problem::new(
                    file,
                    "",
                    format!(
                        "the document expands to more than {MAX_NODES} values (each alias \
                         `*name` repeats everything its anchor holds)"
                    ),
                    "write the values out, or use fewer aliases of large anchors; a scenario has \
                     a few thousand values",
                )
                .at(Some((line, col))),
            );
            return Err(problems);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(docs)
}

/// A collection being built.
struct Frame {
    node: Node,
    /// For a mapping: a key waiting for its value.
    pending_key: Option<Node>,
    /// For a mapping: the line of each text key so far (duplicate keys in O(1) each).
    keys: HashMap<String, usize>,
    anchor: usize,
    /// [`Builder::expanded`] before this collection started (its size is the difference).
    expanded_before: usize,
}

struct Builder {
    stack: Vec<Frame>,
    /// Anchored nodes with their expanded size.
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    /// Nodes of the current document so far, aliases counted at their anchor's size.
    expanded: usize,
}

impl Builder {
    fn push_node(
        &mut self,
        node: Node,
        anchor: usize,
        size: usize,
        file: &str,
        problems: &mut Vec<Problem>,
    ) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(frame) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return;
        };
        match &mut frame.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match frame.pending_key.take() {
                None => frame.pending_key = Some(node),
                Some(key) => {
                    if let Value::Scalar { text, .. } = &key.value {
                        if let Some(first_line) = frame.keys.get(text) {
                            problems.push(
                                Problem::new(
                                    file,
                                    text.clone(),
                                    format!("duplicate key (first at line {first_line})"),
                                    "keep only one of the two entries",
                                )
                                .at(key.pos()),
                            );
                            return;
                        }
                        frame.keys.insert(text.clone(), key.line);
                    }
                    entries.push((key, node));
                }
            },
            Value::Scalar { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_with_positions() {
        let n = parse("a: 1\nb:\n  - x\n  - 'y'\n", "f.yaml").unwrap();
        let Value::Map(entries) = &n.value else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[1].1.line, entries[1].1.col), (3, 3));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(
            items[1].value,
            Value::Scalar {
                text: "y".into(),
                plain: false
            }
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: 3\n", "f.yaml").unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].line_col.is_some());
        assert!(err[0].message.starts_with("malformed YAML"));
    }

    #[test]
    fn duplicate_key_is_a_problem() {
        let err = parse("a: 1\na: 2\n", "f.yaml").unwrap_err();
        assert_eq!(err[0].field, "a");
        assert_eq!(err[0].line_col, Some((2, 1)));
    }

    #[test]
    fn a_second_document_is_a_problem_naming_it() {
        // A leading `---`, comment-only documents and a trailing `---` are not documents.
        let ok = "# c\n---\na: 1\n---\n# only a comment\n---\n";
        assert!(parse(ok, "f.yaml").is_ok());
        let err = parse("---\na: 1\n---\nb: 2\n---\nc: 3\n", "f.yaml").unwrap_err();
        assert_eq!(err.len(), 2, "{err:#?}");
        assert_eq!(err[0].line_col, Some((3, 1)));
        assert!(
            err[0].message.contains("document 2 at line 3"),
            "{}",
            err[0].message
        );
        assert!(err[1].message.contains("document 3 at line 5"));
        assert!(err[0].fix.contains("capsim import k8s"));
    }

    #[test]
    fn parse_all_numbers_documents_and_their_lines() {
        let docs = parse_all("# Source: x\n---\na: 1\n---\n---\nb:\n  c: 2\n", "f.yaml").unwrap();
        let found: Vec<(usize, usize)> = docs.iter().map(|d| (d.index, d.line)).collect();
        assert_eq!(found, [(0, 2), (1, 5)]);
        assert!(parse_all("a: 1", "f.yaml").unwrap()[0].line == 1);
        assert!(parse_all("", "f.yaml").unwrap().is_empty());
    }

    #[test]
    fn alias_bomb_is_a_problem_not_a_gigabyte() {
        // 10 × 10 × … nine levels deep: 10⁹ values from 500 bytes.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&text, "f.yaml").unwrap_err();
        assert!(
            err[0].message.contains("expands to more than"),
            "{}",
            err[0]
        );
        assert!(err[0].line_col.is_some());
    }

    #[test]
    fn many_keys_are_checked_in_linear_time() {
        let text: String = (0..20_000).map(|i| format!("k{i}: {i}\n")).collect();
        let n = parse(&text, "f.yaml").unwrap();
        assert!(matches!(&n.value, Value::Map(e) if e.len() == 20_000));
        let err = parse("a: 1\nb: 2\na: 3\n", "f.yaml").unwrap_err();
        assert!(err[0].message.contains("first at line 1"), "{}", err[0]);
    }

    #[test]
    fn aliases_resolve() {
        let n = parse("x: &v 5\ny: *v\n", "f.yaml").unwrap();
        let Value::Map(e) = &n.value else { panic!() };
        assert!(matches!(&e[1].1.value, Value::Scalar { text, .. } if text == "5"));
    }
}
