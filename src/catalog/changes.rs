//! The change feed: what each publish created, updated and deleted, item by item, in one
//! platform-wide order; its RDF form in the changes graph; and the Linked Data Event Stream
//! (LDES) view of it. Pure: no store, no server.
//!
//! Every change has a sequence number (1, 2, 3, … across the platform), which is also the
//! feed's resume cursor. An item's content is summarised by a hash of its triples, so a file
//! uploaded again unchanged yields no changes, and a changed row yields one `updated`.

use crate::rdf::{SubjectIndex, text as term_text};
use crate::vocab::{Iris, iri, ns};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term, Triple};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// ActivityStreams 2.0, whose activities name the kinds of change.
pub const AS: &str = "https://www.w3.org/ns/activitystreams#";
/// The LDES and TREE vocabularies.
pub const LDES: &str = "https://w3id.org/ldes#";
pub const TREE: &str = "https://w3id.org/tree#";

/// What happened to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Updated,
    /// The item is gone: left out of a new version, or its dataset was deleted. A tombstone.
    Deleted,
}

impl ChangeKind {
    fn activity(self) -> &'static str {
        match self {
            ChangeKind::Created => "Create",
            ChangeKind::Updated => "Update",
            ChangeKind::Deleted => "Delete",
        }
    }

    fn from_activity(local: &str) -> Option<Self> {
        match local {
            "Create" => Some(ChangeKind::Created),
            "Update" => Some(ChangeKind::Updated),
            "Delete" => Some(ChangeKind::Deleted),
            _ => None,
        }
    }
}

/// One change of one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Position in the platform's feed: 1, 2, 3, …
    pub seq: u64,
    pub kind: ChangeKind,
    /// The item's URI.
    pub item: String,
    pub dataset: String,
    /// The version that made the change (for a deleted dataset: the last one it had).
    pub version: u64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The hash of the item's triples after the change (0 for a deletion).
    pub hash: u64,
}

/// The hash of an item's triples, independent of their order and of the graph they are in.
pub fn content_hash(triples: &[Quad]) -> u64 {
    let mut lines: Vec<String> = triples
        .iter()
        .map(|q| format!("{} {} {}", q.subject, q.predicate, q.object))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    xxhash_rust::xxh3::xxh3_64(lines.join("\n").as_bytes())
}

/// The items among `quads` (subjects under `item_prefix`, each with its nodes `…#part`) with the
/// hash of each one's triples, by URI.
pub fn item_hashes(quads: &[Quad], item_prefix: &str) -> Vec<(String, u64)> {
    let mut groups: std::collections::BTreeMap<&str, Vec<Quad>> = std::collections::BTreeMap::new();
    for q in quads {
        let oxigraph::model::NamedOrBlankNode::NamedNode(s) = &q.subject else {
            continue;
        };
        let root = s.as_str().split('#').next().unwrap_or_default();
        if root.starts_with(item_prefix) {
            groups.entry(root).or_default().push(q.clone());
        }
    }
    groups
        .into_iter()
        .map(|(uri, quads)| (uri.to_owned(), content_hash(&quads)))
        .collect()
}

/// The changes that take a dataset from `previous` (its live items: URI and content hash) to
/// `next` (the new version's items, in file order): created and updated items in file order,
/// then the deleted ones by URI. Sequence numbers, versions and times are filled in by the
/// caller.
pub fn diff(previous: &HashMap<String, u64>, next: &[(String, u64)]) -> Vec<(ChangeKind, String, u64)> {
    let mut out = Vec::new();
    let mut seen = HashSet::with_capacity(next.len());
    for (uri, hash) in next {
        if !seen.insert(uri.as_str()) {
            continue;
        }
        match previous.get(uri) {
            None => out.push((ChangeKind::Created, uri.clone(), *hash)),
            Some(old) if old != hash => out.push((ChangeKind::Updated, uri.clone(), *hash)),
            Some(_) => {}
        }
    }
    let mut gone: Vec<&String> = previous.keys().filter(|u| !seen.contains(u.as_str())).collect();
    gone.sort();
    out.extend(gone.into_iter().map(|u| (ChangeKind::Deleted, u.clone(), 0)));
    out
}

/// Applies changes, in order, to the live items of every dataset (dataset → item URI → hash).
pub fn apply(live: &mut HashMap<String, HashMap<String, u64>>, changes: &[Change]) {
    for c in changes {
        let items = live.entry(c.dataset.clone()).or_default();
        match c.kind {
            ChangeKind::Deleted => {
                items.remove(&c.item);
            }
            _ => {
                items.insert(c.item.clone(), c.hash);
            }
        }
    }
}

/// The live items of every dataset as the feed has left them: dataset → item URI → hash.
pub fn live_items(changes: &[Change]) -> HashMap<String, HashMap<String, u64>> {
    let mut out = HashMap::new();
    apply(&mut out, changes);
    out
}

fn as_term(local: &str) -> NamedNode {
    iri(AS, local)
}

/// The quads recording changes, in the changes graph: seven a change, made as they are taken,
/// so a publish that changes every item of a large dataset streams them into its load instead
/// of holding them all.
pub fn change_quads<'a>(iris: &'a Iris, changes: &'a [Change]) -> impl Iterator<Item = Quad> + 'a {
    let graph: GraphName = iris.changes_graph().into();
    changes.iter().flat_map(move |c| {
        let s = iris.change(c.seq);
        let quad = |p: NamedNode, o: Term| Quad::new(s.clone(), p, o, graph.clone());
        [
            quad(rdf::TYPE.into_owned(), as_term(c.kind.activity()).into()),
            quad(as_term("object"), NamedNode::new_unchecked(&c.item).into()),
            quad(
                as_term("published"),
                Literal::new_typed_literal(&c.at, xsd::DATE_TIME).into(),
            ),
            quad(
                iris.dh("sequence"),
                Literal::new_typed_literal(c.seq.to_string(), xsd::INTEGER).into(),
            ),
            quad(iris.dh("changeOf"), iris.dataset(&c.dataset).into()),
            quad(iris.dh("byVersion"), iris.version(&c.dataset, c.version).into()),
            quad(
                iris.dh("contentHash"),
                Literal::new_simple_literal(format!("{:016x}", c.hash)).into(),
            ),
        ]
    })
}

/// The changes recorded in the changes graph's quads, in feed order.
pub fn read(iris: &Iris, quads: &[Quad]) -> Vec<Change> {
    let index = SubjectIndex::new(quads);
    let prefix = format!("{}/changes/", iris.base());
    let (object, published, sequence) = (as_term("object"), as_term("published"), iris.dh("sequence"));
    let (by_version, hash) = (iris.dh("byVersion"), iris.dh("contentHash"));
    let mut out = Vec::new();
    for (subject, _) in index.subjects() {
        if !subject.starts_with(&prefix) {
            continue;
        }
        let first = |p: &NamedNode| index.all(subject, p.as_str()).first().and_then(|t| term_text(t));
        let kind = index
            .all(subject, rdf::TYPE.as_str())
            .iter()
            .find_map(|t| match t {
                Term::NamedNode(n) => n.as_str().strip_prefix(AS).and_then(ChangeKind::from_activity),
                _ => None,
            });
        let version = first(&by_version).and_then(|v| iris.parse_version(v));
        let (Some(kind), Some(item), Some(at), Some(seq), Some((dataset, version))) = (
            kind,
            first(&object),
            first(&published),
            first(&sequence).and_then(|s| s.parse().ok()),
            version,
        ) else {
            continue;
        };
        out.push(Change {
            seq,
            kind,
            item: item.to_owned(),
            dataset,
            version,
            at: at.to_owned(),
            hash: first(&hash)
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .unwrap_or(0),
        });
    }
    out.sort_by_key(|c| c.seq);
    out
}

/// One page of the LDES view: the event stream, the page as a TREE node with a relation to the
/// next page (when there is one), and the page's members. `page` is the page's own URL and
/// `next` the next page's.
pub fn ldes_page(iris: &Iris, changes: &[Change], page: &str, next: Option<(&str, u64)>) -> Vec<Triple> {
    let stream = iris.event_stream();
    let page = NamedNode::new_unchecked(page);
    let mut out = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNode, o: Term| out.push(Triple::new(s.clone(), p, o));
    add(&stream, rdf::TYPE.into_owned(), iri(LDES, "EventStream").into());
    add(&stream, iri(LDES, "timestampPath"), as_term("published").into());
    add(&stream, iri(LDES, "versionOfPath"), as_term("object").into());
    add(&stream, iri(TREE, "view"), page.clone().into());
    add(
        &stream,
        iri(ns::DCT, "title"),
        Literal::new_language_tagged_literal_unchecked("Ändringar i datahamn", "sv").into(),
    );
    add(
        &stream,
        iri(ns::DCT, "title"),
        Literal::new_language_tagged_literal_unchecked("Changes in datahamn", "en").into(),
    );
    add(&page, rdf::TYPE.into_owned(), iri(TREE, "Node").into());
    if let Some((next, after)) = next {
        let relation = NamedNode::new_unchecked(format!("{}#next", page.as_str()));
        add(&page, iri(TREE, "relation"), relation.clone().into());
        add(
            &relation,
            rdf::TYPE.into_owned(),
            iri(TREE, "GreaterThanRelation").into(),
        );
        add(&relation, iri(TREE, "path"), iris.dh("sequence").into());
        add(
            &relation,
            iri(TREE, "value"),
            Literal::new_typed_literal(after.to_string(), xsd::INTEGER).into(),
        );
        add(
            &relation,
            iri(TREE, "node"),
            NamedNode::new_unchecked(next).into(),
        );
    }
    for c in changes {
        add(&stream, iri(TREE, "member"), iris.change(c.seq).into());
    }
    out.extend(change_quads(iris, changes).map(Triple::from));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str, o: &str) -> Quad {
        Quad::new(
            NamedNode::new_unchecked(s),
            NamedNode::new_unchecked("http://e/p"),
            Literal::new_simple_literal(o),
            NamedNode::new_unchecked("http://e/g1"),
        )
    }

    #[test]
    fn the_hash_ignores_order_and_graph() {
        let a = vec![q("http://e/a", "1"), q("http://e/a", "2")];
        let mut b = vec![q("http://e/a", "2"), q("http://e/a", "1")];
        assert_eq!(content_hash(&a), content_hash(&b));
        b[0].graph_name = NamedNode::new_unchecked("http://e/g2").into();
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&[q("http://e/a", "1")]));
    }

    #[test]
    fn diff_names_created_updated_and_deleted_items() {
        let previous: HashMap<String, u64> =
            [("a".to_owned(), 1), ("b".to_owned(), 2), ("c".to_owned(), 3)].into();
        let next = vec![("b".to_owned(), 2), ("d".to_owned(), 4), ("a".to_owned(), 9)];
        assert_eq!(
            diff(&previous, &next),
            vec![
                (ChangeKind::Created, "d".to_owned(), 4),
                (ChangeKind::Updated, "a".to_owned(), 9),
                (ChangeKind::Deleted, "c".to_owned(), 0),
            ]
        );
        assert!(diff(&previous, &[("a".into(), 1), ("b".into(), 2), ("c".into(), 3)]).is_empty());
    }

    #[test]
    fn changes_round_trip_through_rdf() {
        let iris = Iris::new("http://127.0.0.1:8080");
        let changes = vec![
            Change {
                seq: 1,
                kind: ChangeKind::Created,
                item: "http://127.0.0.1:8080/id/d/a".into(),
                dataset: "d".into(),
                version: 1,
                at: "2026-11-21T10:00:00Z".into(),
                hash: 0xdead_beef,
            },
            Change {
                seq: 2,
                kind: ChangeKind::Deleted,
                item: "http://127.0.0.1:8080/id/d/a".into(),
                dataset: "d".into(),
                version: 2,
                at: "2026-11-21T11:00:00Z".into(),
                hash: 0,
            },
        ];
        let quads: Vec<_> = change_quads(&iris, &changes).collect();
        assert!(quads.iter().all(|q| q.graph_name == iris.changes_graph().into()));
        assert_eq!(read(&iris, &quads), changes);
        let live = live_items(&changes);
        assert!(live["d"].is_empty());
        assert_eq!(
            live_items(&changes[..1])["d"]["http://127.0.0.1:8080/id/d/a"],
            0xdead_beef
        );
        let page = ldes_page(
            &iris,
            &changes,
            "http://127.0.0.1:8080/changes",
            Some(("http://127.0.0.1:8080/changes?after=2", 2)),
        );
        assert!(
            page.iter()
                .any(|t| t.predicate.as_str() == format!("{TREE}member"))
        );
        assert!(
            page.iter()
                .any(|t| t.predicate.as_str() == format!("{TREE}relation"))
        );
    }
}
