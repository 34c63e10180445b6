//! Small read helpers over in-memory quads, shared by the mapping (item views) and the catalog
//! (dataset records): quads grouped by subject, and lookups of a subject's objects.

use oxigraph::model::{NamedOrBlankNode, Quad, Term};
use std::collections::HashMap;

/// Quads grouped by their (IRI) subject; blank-node subjects are ignored (datahamn mints none).
pub struct SubjectIndex<'a> {
    by_subject: HashMap<&'a str, Vec<(&'a str, &'a Term)>>,
}

impl<'a> SubjectIndex<'a> {
    pub fn new(quads: &'a [Quad]) -> Self {
        let mut by_subject: HashMap<&str, Vec<(&str, &Term)>> = HashMap::new();
        for q in quads {
            if let NamedOrBlankNode::NamedNode(s) = &q.subject {
                by_subject
                    .entry(s.as_str())
                    .or_default()
                    .push((q.predicate.as_str(), &q.object));
            }
        }
        Self { by_subject }
    }

    /// Every subject with its (predicate, object) pairs.
    pub fn subjects(&self) -> impl Iterator<Item = (&'a str, &[(&'a str, &'a Term)])> {
        self.by_subject.iter().map(|(s, pairs)| (*s, pairs.as_slice()))
    }

    /// The objects of `(subject, predicate)`, in quad order.
    pub fn all(&self, subject: &str, predicate: &str) -> Vec<&'a Term> {
        self.by_subject
            .get(subject)
            .map(|pairs| {
                pairs
                    .iter()
                    .filter(|(p, _)| *p == predicate)
                    .map(|(_, o)| *o)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first object of `(subject, predicate)`.
    pub fn first(&self, subject: &str, predicate: &str) -> Option<&'a Term> {
        self.by_subject
            .get(subject)?
            .iter()
            .find(|(p, _)| *p == predicate)
            .map(|(_, o)| *o)
    }
}

/// The lexical value of a literal, or the IRI of a named node.
pub fn text(term: &Term) -> Option<&str> {
    match term {
        Term::Literal(l) => Some(l.value()),
        Term::NamedNode(n) => Some(n.as_str()),
        _ => None,
    }
}
