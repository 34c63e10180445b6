//! The store contract: the same tests on every backend (the embedded store, oxigraph's server,
//! Virtuoso), first on the store's own interface, then the whole platform over HTTP on it.
//!
//! Each test is a function over an [`Engine`]; `contract!` runs it once per backend, as
//! `store::embedded::<test>`, `store::oxigraph::<test>` (with the Graph Store Protocol),
//! `store::oxigraph_sparql_only::<test>` (without it) and `store::virtuoso::<test>`.

mod engines;
mod proxy;

use ::oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use ::oxigraph::sparql::{CancellationToken, QueryResults};
use datahamn::store::{QueryError, QueryScope, Store};
use engines::{Engine, Kind};
use std::collections::BTreeSet;

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $( #[test] fn $test() { if let Some(e) = super::Engine::start(super::Kind::Embedded) { super::$test(&e) } } )*
        }
        mod oxigraph {
            $( #[test] fn $test() { if let Some(e) = super::Engine::start(super::Kind::Oxigraph) { super::$test(&e) } } )*
        }
        mod oxigraph_sparql_only {
            $( #[test] fn $test() { if let Some(e) = super::Engine::start(super::Kind::OxigraphSparqlOnly) { super::$test(&e) } } )*
        }
        mod virtuoso {
            $( #[test] fn $test() { if let Some(e) = super::Engine::start(super::Kind::Virtuoso) { super::$test(&e) } } )*
        }
    };
}

contract!(
    a_load_is_seen_whole_or_not_at_all,
    an_abandoned_load_leaves_nothing,
    small_updates_replace_what_they_name,
    retired_graphs_stay_readable_from_the_archive,
    queries_see_exactly_their_scope,
    values_round_trip_unchanged,
    descriptions_follow_an_items_nodes,
    dumps_stream_every_graph,
    service_calls_never_run,
    queries_reach_no_graph_outside_their_scope,
    a_read_only_store_writes_nothing,
    the_platform_publishes_queries_restarts_and_rolls_back,
);

/// The contract of a remote engine only: answers lost on the way back, and readers beside the
/// writer.
macro_rules! remote_contract {
    ($($test:ident),* $(,)?) => {
        mod remote_only {
            mod oxigraph {
                $( #[test] fn $test() { if let Some(e) = super::super::Engine::start(super::super::Kind::Oxigraph) { super::super::$test(&e) } } )*
            }
            mod oxigraph_sparql_only {
                $( #[test] fn $test() { if let Some(e) = super::super::Engine::start(super::super::Kind::OxigraphSparqlOnly) { super::super::$test(&e) } } )*
            }
            mod virtuoso {
                $( #[test] fn $test() { if let Some(e) = super::super::Engine::start(super::super::Kind::Virtuoso) { super::super::$test(&e) } } )*
            }
        }
    };
}

remote_contract!(
    a_lost_commit_answer_never_loses_what_the_engine_committed,
    a_publish_after_a_lost_answer_takes_new_numbers,
    a_reader_never_repairs_the_writers_load,
);

const NS: &str = "http://contract.example/";

fn iri(local: &str) -> NamedNode {
    NamedNode::new(format!("{NS}{local}")).unwrap()
}

fn quad(s: &str, p: &str, o: impl Into<Term>, g: &str) -> Quad {
    Quad::new(iri(s), iri(p), o, iri(g))
}

fn numbered(graph: &str, n: usize) -> Vec<Quad> {
    (0..n)
        .map(|i| quad(&format!("s{i}"), "n", Literal::from(i as i64), graph))
        .collect()
}

fn set(quads: Vec<Quad>) -> BTreeSet<String> {
    quads.iter().map(ToString::to_string).collect()
}

fn ours(graphs: Vec<NamedNode>) -> Vec<NamedNode> {
    let mut g: Vec<_> = graphs
        .into_iter()
        .filter(|g| g.as_str().starts_with(NS))
        .collect();
    g.sort();
    g
}

fn scope(graphs: &[&str]) -> QueryScope {
    let g: Vec<NamedNode> = graphs.iter().map(|g| iri(g)).collect();
    QueryScope {
        default_graphs: g.clone(),
        named_graphs: g,
    }
}

fn rows(store: &Store, query: &str, scope: &QueryScope) -> Vec<Vec<Option<Term>>> {
    match store.query(query, scope, None, None).unwrap() {
        QueryResults::Solutions(s) => {
            let vars = s.variables().to_vec();
            s.map(|r| {
                let r = r.unwrap();
                vars.iter().map(|v| r.get(v).cloned()).collect()
            })
            .collect()
        }
        _ => panic!("not a SELECT"),
    }
}

fn count(store: &Store, query: &str, scope: &QueryScope) -> usize {
    rows(store, query, scope).len()
}

fn a_load_is_seen_whole_or_not_at_all(engine: &Engine) {
    let store = engine.store();
    store
        .load_atomic(vec![quad("cat", "has", Literal::from("old"), "catalog")])
        .unwrap();
    // A new graph far larger than one upload, and more records for a graph that holds data than
    // are kept in memory.
    let mut load = store.begin_load().unwrap();
    load.add(numbered("v1", 120_000)).unwrap();
    load.add(numbered("catalog", 30_000)).unwrap();
    assert_eq!(
        store.graph_quads(&iri("catalog")).unwrap().len(),
        1,
        "nothing of the load shows in a graph readers use before the commit"
    );
    assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &scope(&["catalog"])), 1);
    load.commit().unwrap();
    assert_eq!(store.graph_quads(&iri("v1")).unwrap().len(), 120_000);
    assert_eq!(store.graph_quads(&iri("catalog")).unwrap().len(), 30_001);
    assert_eq!(
        ours(store.named_graphs().unwrap()),
        vec![iri("catalog"), iri("v1")],
        "no staging graph is left"
    );
    // Reopened: all of it is there.
    drop(store);
    let store = engine.store();
    assert_eq!(
        count(&store, "SELECT * { ?s ?p ?o }", &scope(&["catalog", "v1"])),
        150_001
    );
}

fn an_abandoned_load_leaves_nothing(engine: &Engine) {
    let store = engine.store();
    store
        .load_atomic(vec![quad("cat", "has", Literal::from("old"), "catalog")])
        .unwrap();
    {
        let mut load = store.begin_load().unwrap();
        load.add(numbered("v2", 60_000)).unwrap();
        load.add(numbered("catalog", 25_000)).unwrap();
        // Dropped: a failed publish.
    }
    assert!(store.graph_is_empty(&iri("v2")).unwrap());
    assert_eq!(store.graph_quads(&iri("catalog")).unwrap().len(), 1);
    assert_eq!(ours(store.named_graphs().unwrap()), vec![iri("catalog")]);
    // And the next load works.
    store.load_atomic(numbered("v2", 10)).unwrap();
    assert_eq!(store.graph_quads(&iri("v2")).unwrap().len(), 10);
}

fn small_updates_replace_what_they_name(engine: &Engine) {
    let store = engine.store();
    store
        .load_atomic(vec![
            quad("d", "current", iri("v1"), "catalog"),
            quad(
                "d",
                "title",
                Literal::new_language_tagged_literal_unchecked("Bad", "sv"),
                "catalog",
            ),
            quad("e", "current", iri("v7"), "catalog"),
        ])
        .unwrap();
    // The pointer switch: one (subject, predicate) replaced, the rest untouched.
    store
        .replace(
            &iri("catalog"),
            &[(iri("d"), iri("current"))],
            &[quad("d", "current", iri("v2"), "catalog")],
        )
        .unwrap();
    assert_eq!(
        store
            .objects(&iri("d"), &iri("current"), &iri("catalog"))
            .unwrap(),
        vec![Term::from(iri("v2"))]
    );
    assert!(
        store
            .contains(&quad("e", "current", iri("v7"), "catalog"))
            .unwrap()
    );
    assert!(
        !store
            .contains(&quad("d", "current", iri("v1"), "catalog"))
            .unwrap()
    );
    // A metadata change: exact quads out and in.
    let old = quad(
        "d",
        "title",
        Literal::new_language_tagged_literal_unchecked("Bad", "sv"),
        "catalog",
    );
    let new = quad(
        "d",
        "title",
        Literal::new_language_tagged_literal_unchecked("Badplatser", "sv"),
        "catalog",
    );
    store
        .update(std::slice::from_ref(&old), std::slice::from_ref(&new))
        .unwrap();
    assert!(store.contains(&new).unwrap());
    assert!(!store.contains(&old).unwrap());
    // Removing only: the pointer of a deleted dataset.
    store
        .replace(&iri("catalog"), &[(iri("e"), iri("current"))], &[])
        .unwrap();
    assert!(
        store
            .objects(&iri("e"), &iri("current"), &iri("catalog"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.graph_quads(&iri("catalog")).unwrap().len(), 2);
}

fn retired_graphs_stay_readable_from_the_archive(engine: &Engine) {
    let store = engine.store();
    store.load_atomic(numbered("v1", 500)).unwrap();
    store.load_atomic(numbered("v2", 3)).unwrap();
    let before = set(store.graph_quads(&iri("v1")).unwrap());
    store.retire(&iri("v1")).unwrap();
    assert!(store.graph_is_empty(&iri("v1")).unwrap());
    assert!(store.is_archived(&iri("v1")).unwrap());
    assert!(!store.is_archived(&iri("v2")).unwrap());
    assert_eq!(ours(store.named_graphs().unwrap()), vec![iri("v2")]);
    assert_eq!(
        set(store.any_graph_quads(&iri("v1")).unwrap()),
        before,
        "the archive gives the version back under its own name"
    );
    assert_eq!(store.any_graph_quads(&iri("v2")).unwrap().len(), 3);
    assert_eq!(
        count(
            &store,
            "SELECT * { GRAPH ?g { ?s ?p ?o } }",
            &scope(&["v1", "v2"])
        ),
        3,
        "no query sees the archive"
    );
    // Retiring again (after an interruption) changes nothing.
    store.retire(&iri("v1")).unwrap();
    assert_eq!(set(store.any_graph_quads(&iri("v1")).unwrap()), before);
    store.drop_graph(&iri("v2")).unwrap();
    assert!(store.graph_is_empty(&iri("v2")).unwrap());
    assert!(ours(store.named_graphs().unwrap()).is_empty());
}

fn queries_see_exactly_their_scope(engine: &Engine) {
    let store = engine.store();
    store
        .load_atomic(vec![
            quad("a", "p", Literal::from(1), "g1"),
            quad("b", "p", Literal::from(2), "g2"),
            quad("a", "p", Literal::from(1), "g2"),
            quad("c", "p", Literal::from(3), "hidden"),
        ])
        .unwrap();
    let both = scope(&["g1", "g2"]);
    assert_eq!(count(&store, "SELECT DISTINCT ?s ?o { ?s ?p ?o }", &both), 2);
    assert_eq!(count(&store, "SELECT * { GRAPH ?g { ?s ?p ?o } }", &both), 3);
    let graphs: BTreeSet<String> = rows(&store, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", &both)
        .into_iter()
        .map(|r| r[0].as_ref().unwrap().to_string())
        .collect();
    assert_eq!(
        graphs,
        [iri("g1"), iri("g2")].iter().map(ToString::to_string).collect()
    );
    assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &scope(&["g1"])), 1);
    // The query's own FROM chooses among the scope's graphs.
    assert_eq!(
        count(&store, &format!("SELECT * FROM <{NS}g2> {{ ?s ?p ?o }}"), &both),
        2
    );
    assert_eq!(
        count(
            &store,
            &format!("SELECT * FROM <{NS}g2> {{ ?s ?p ?o }}"),
            &scope(&["g1"])
        ),
        0,
        "a graph outside the scope is seen as empty"
    );
    // FROM without FROM NAMED: no named graphs at all (not every graph of the engine).
    assert_eq!(
        count(
            &store,
            &format!("SELECT * FROM <{NS}g2> {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
            &both
        ),
        0
    );
    let default_only = QueryScope {
        default_graphs: vec![iri("g1")],
        named_graphs: vec![],
    };
    assert_eq!(
        count(&store, "SELECT * { GRAPH ?g { ?s ?p ?o } }", &default_only),
        0
    );
    assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &default_only), 1);
    assert!(matches!(
        store
            .query(&format!("ASK {{ <{NS}c> ?p ?o }}"), &both, None, None)
            .unwrap(),
        QueryResults::Boolean(false)
    ));
    let QueryResults::Graph(triples) = store
        .query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", &both, None, None)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(triples.count(), 2);
    // Relative IRIs resolve against the base.
    assert_eq!(count_with_base(&store, "SELECT * { <a> ?p ?o }", &both, NS), 2);
    // A cancelled query stops.
    let token = CancellationToken::new();
    token.cancel();
    let cancelled = store
        .query("SELECT * { ?s ?p ?o }", &both, None, Some(token))
        .and_then(|r| match r {
            QueryResults::Solutions(mut s) => s.try_fold((), |(), r| r.map(|_| ())).map_err(QueryError::from),
            _ => Ok(()),
        });
    assert!(cancelled.is_err(), "a cancelled query gives no complete answer");
}

fn queries_reach_no_graph_outside_their_scope(engine: &Engine) {
    let store = engine.store();
    store
        .load_atomic(vec![
            quad("a", "p", Literal::from(1), "published"),
            quad("c", "p", Literal::from(3), "hidden"),
            quad("d", "p", Literal::from(4), "old"),
        ])
        .unwrap();
    store.retire(&iri("old")).unwrap();
    let published = scope(&["published"]);
    let hidden = format!("{NS}hidden");
    let archived = format!("urn:datahamn:archive:{NS}old");
    for graph in [
        hidden.as_str(),
        &format!("{NS}old"),
        &archived,
        "urn:datahamn:no-graph",
    ] {
        for query in [
            format!("SELECT * FROM <{graph}> {{ ?s ?p ?o }}"),
            format!("SELECT * FROM <{NS}published> FROM <{graph}> {{ ?s ?p ?o FILTER(?o != 1) }}"),
            format!("SELECT * FROM NAMED <{graph}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
            format!("SELECT * FROM NAMED <{graph}> {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
            format!("SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
            format!("SELECT * FROM <{NS}published> {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
            format!(
                "SELECT * FROM <{NS}published> FROM NAMED <{NS}published> {{ GRAPH ?g {{ ?s ?p ?o FILTER(?g != <{NS}published>) }} }}"
            ),
        ] {
            assert_eq!(count(&store, &query, &published), 0, "{query}");
        }
        // As the protocol's default-graph-uri and named-graph-uri do it.
        let mut parsed = spargebra::SparqlParser::new()
            .parse_query("SELECT * { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
            .unwrap();
        let wanted = QueryScope {
            default_graphs: vec![NamedNode::new(graph).unwrap()],
            named_graphs: vec![NamedNode::new(graph).unwrap()],
        };
        wanted.replace_dataset(&mut parsed);
        let QueryResults::Solutions(solutions) = store.view().query_parsed(parsed, &published, None).unwrap()
        else {
            panic!()
        };
        assert_eq!(solutions.count(), 0, "{graph} through the protocol");
    }
    // What the scope holds is reached alike.
    let mut parsed = spargebra::SparqlParser::new()
        .parse_query("SELECT * { GRAPH ?g { ?s ?p ?o } }")
        .unwrap();
    published.replace_dataset(&mut parsed);
    let QueryResults::Solutions(solutions) = store.view().query_parsed(parsed, &published, None).unwrap()
    else {
        panic!()
    };
    assert_eq!(solutions.count(), 1);
}

fn a_read_only_store_writes_nothing(engine: &Engine) {
    let writer = engine.store();
    writer.load_atomic(numbered("g", 3)).unwrap();
    drop(writer);
    let mut store = engine.store();
    store.set_read_only();
    assert!(store.load_atomic(numbered("g2", 1)).is_err());
    assert!(store.begin_load().is_err());
    assert!(store.drop_graph(&iri("g")).is_err());
    assert!(store.retire(&iri("g")).is_err());
    assert!(store.update(&numbered("g", 1), &[]).is_err());
    assert!(store.replace(&iri("g"), &[(iri("s0"), iri("n"))], &[]).is_err());
    assert!(store.recover().is_err());
    assert_eq!(store.graph_quads(&iri("g")).unwrap().len(), 3, "and it reads");
    assert!(store.graph_is_empty(&iri("g2")).unwrap());
}

/// The graphs of the engine under a prefix, asked of it directly.
fn engine_graphs(engine: &Engine, prefix: &str) -> Vec<String> {
    let config = engine.config.as_ref().unwrap();
    let query = format!(
        "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{prefix}\")) }}"
    );
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .post(&config.query_url)
        .header("Accept", "text/csv")
        .send_form([("query", query.as_str())])
        .unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    body.lines().skip(1).map(str::to_owned).collect()
}

/// A commit's marker, as it is form-encoded in the update that writes it.
const MARKER: &[u8] = b"urn%3Adatahamn%3Acommitted";

fn a_lost_commit_answer_never_loses_what_the_engine_committed(engine: &Engine) {
    let proxy = proxy::Proxy::start(engine.engine_port().unwrap(), MARKER);
    let store = Store::remote(engine.config_via(proxy.port).unwrap()).unwrap();
    store
        .load_atomic(vec![quad("cat", "has", Literal::from("old"), "catalog")])
        .unwrap();
    let records = |version: &str, n: usize| -> Vec<Quad> {
        (0..n)
            .map(|i| {
                quad(
                    &format!("{version}-r{i}"),
                    "record",
                    Literal::from(i as i64),
                    "catalog",
                )
            })
            .collect()
    };
    // The answer to the commit is lost once, after the engine applied it (records in one
    // INSERT DATA, then through staging graphs): the commit is found applied, and succeeds.
    for (version, n) in [("v1", 10), ("v2", 2_500)] {
        proxy.lose_answers(1);
        let lost = proxy.lost();
        let mut load = store.begin_load().unwrap();
        load.add(numbered(version, 3_000)).unwrap();
        load.add(records(version, n)).unwrap();
        load.commit().unwrap();
        assert_eq!(proxy.lost(), lost + 1, "the answer was lost");
        assert_eq!(store.graph_quads(&iri(version)).unwrap().len(), 3_000);
        assert_eq!(
            count(
                &store,
                &format!("SELECT * {{ ?s <{NS}record> ?o FILTER(STRSTARTS(STR(?s), \"{NS}{version}-\")) }}"),
                &scope(&["catalog"])
            ),
            n
        );
        assert!(
            engine_graphs(engine, "urn:datahamn:commit:").is_empty(),
            "no marker is left"
        );
        assert!(engine_graphs(engine, "urn:datahamn:staging:").is_empty());
    }
    assert!(!store.take_write_failure(), "a settled commit is no failure");
    // The engine applies the commit and then answers nothing at all: the commit fails, its
    // outcome unknown, and nothing the engine may hold of it is removed.
    proxy.fall_silent_after_match();
    let mut load = store.begin_load().unwrap();
    load.add(numbered("v3", 3_000)).unwrap();
    load.add(records("v3", 2_500)).unwrap();
    assert!(load.commit().is_err());
    assert!(store.take_write_failure(), "the failed write is remembered");
    proxy.restore();
    assert_eq!(
        store.graph_quads(&iri("v3")).unwrap().len(),
        3_000,
        "the version was kept"
    );
    assert_eq!(
        store.graph_quads(&iri("catalog")).unwrap().len(),
        1 + 10 + 2_500 + 2_500
    );
    // The writer's recovery clears what the commit left (its marker, its staging graph).
    store.recover().unwrap();
    assert!(engine_graphs(engine, "urn:datahamn:").is_empty());
    assert_eq!(store.graph_quads(&iri("v3")).unwrap().len(), 3_000);
    // An answer lost before anything was applied is told apart: a load whose commit is refused
    // outright still leaves nothing.
    let mut load = store.begin_load().unwrap();
    load.add(numbered("v4", 10)).unwrap();
    load.add(vec![Quad::new(
        iri("bad"),
        NamedNode::new_unchecked(format!("{NS}p> <{NS}q> <{NS}r")),
        Literal::from(1),
        iri("catalog"),
    )])
    .unwrap();
    assert!(load.commit().is_err());
    assert!(store.graph_is_empty(&iri("v4")).unwrap());
    assert_eq!(store.graph_quads(&iri("catalog")).unwrap().len(), 5_011);
}

fn a_publish_after_a_lost_answer_takes_new_numbers(engine: &Engine) {
    use datahamn::catalog::DatasetMeta;
    use datahamn::ingest::Source;
    let proxy = proxy::Proxy::start(engine.engine_port().unwrap(), MARKER);
    let store = Store::remote(engine.config_via(proxy.port).unwrap()).unwrap();
    let platform = datahamn::service::Platform::open(store, "http://datahamn.test").unwrap();
    let folder = crate::common::repo_path("datasets/harryda-badplatser");
    let meta =
        DatasetMeta::from_toml(&std::fs::read_to_string(folder.join("dataset.toml")).unwrap()).unwrap();
    let all = std::fs::read(folder.join("data.csv")).unwrap();
    let text = String::from_utf8(all.clone()).unwrap();
    let fewer: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    let first = platform.publish(&meta, Source::Bytes(&all)).unwrap();
    assert_eq!(first.version.number, 1);
    // Version 2 (fewer items) is committed, but the answer never comes back.
    proxy.fall_silent_after_match();
    assert!(platform.publish(&meta, Source::Bytes(fewer.as_bytes())).is_err());
    proxy.restore();
    // The next publish reads back what the engine holds: version 2 exists, so this is 3, and its
    // changes are numbered after version 2's.
    let third = platform.publish(&meta, Source::Bytes(&all)).unwrap();
    assert_eq!(third.version.number, 3);
    let model = platform.model();
    let record = &model.dataset(&meta.id).unwrap().record;
    let numbers: Vec<u64> = record.versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, vec![1, 2, 3]);
    let iris = platform.iris();
    let changes =
        datahamn::catalog::changes::read(iris, &engine.store().graph_quads(&iris.changes_graph()).unwrap());
    let mut seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    let total = seqs.len();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), total, "no change number is used twice");
    assert!(
        changes.iter().any(|c| c.version == 2),
        "version 2's changes are recorded"
    );
    assert!(
        changes.iter().any(|c| c.version == 3),
        "and version 3's after them"
    );
    // Its version graph holds version 3's items only, the number never shared.
    assert_eq!(
        platform.version_quads(&meta.id, 3).unwrap().len(),
        platform.version_quads(&meta.id, 1).unwrap().len()
    );
}

fn a_reader_never_repairs_the_writers_load(engine: &Engine) {
    use datahamn::service::{Mode, Platform};
    let writer = engine.store();
    writer
        .load_atomic(vec![quad("cat", "has", Literal::from("old"), "catalog")])
        .unwrap();
    // A load in progress: a new graph, and records for the catalog in a staging graph.
    let mut load = writer.begin_load().unwrap();
    // More than one upload's worth: the first part is in the engine before the commit.
    load.add(numbered("v9", 60_000)).unwrap();
    load.add(
        (0..2_500)
            .map(|i| quad(&format!("r{i}"), "record", Literal::from(i), "catalog"))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(engine_graphs(engine, "urn:datahamn:staging:").len(), 1);
    let uploaded = writer.graph_quads(&iri("v9")).unwrap().len();
    assert!(uploaded > 0);
    // A reader starts meanwhile (and another process merely opens the engine).
    let mut reader_store = engine.store();
    reader_store.set_read_only();
    let reader = Platform::open_with(reader_store, "http://contract.example", Mode::Replica).unwrap();
    drop(engine.store());
    assert_eq!(
        engine_graphs(engine, "urn:datahamn:staging:").len(),
        1,
        "the staging graph is kept"
    );
    assert_eq!(
        writer.graph_quads(&iri("v9")).unwrap().len(),
        uploaded,
        "the new graph is kept"
    );
    load.commit().unwrap();
    assert_eq!(writer.graph_quads(&iri("v9")).unwrap().len(), 60_000);
    assert_eq!(writer.graph_quads(&iri("catalog")).unwrap().len(), 2_501);
    assert!(reader.is_replica());
}

fn count_with_base(store: &Store, query: &str, scope: &QueryScope, base: &str) -> usize {
    match store.query(query, scope, Some(base), None).unwrap() {
        QueryResults::Solutions(s) => s.count(),
        _ => panic!(),
    }
}

fn values_round_trip_unchanged(engine: &Engine) {
    let store = engine.store();
    let typed = |v: &str, t: &str| Literal::new_typed_literal(v, NamedNode::new_unchecked(t));
    let xsd = |t: &str| format!("http://www.w3.org/2001/XMLSchema#{t}");
    let values: Vec<Term> = vec![
        Literal::from("plain").into(),
        Literal::new_language_tagged_literal_unchecked("Badplats", "sv").into(),
        Literal::new_language_tagged_literal_unchecked("Bath site", "en").into(),
        typed("2026-11-21T10:00:00Z", &xsd("dateTime")).into(),
        typed("2026-11-21", &xsd("date")).into(),
        typed("57.640188", &xsd("decimal")).into(),
        typed("12", &xsd("integer")).into(),
        typed("true", &xsd("boolean")).into(),
        typed(
            "POINT(12.136258 57.640188)",
            "http://www.opengis.net/ont/geosparql#wktLiteral",
        )
        .into(),
        Literal::from("rad ett\nrad två\t\"citat\" \\ snedstreck").into(),
        Literal::from("Härryda 🏊 Åsa").into(),
        Literal::from("x".repeat(10_000)).into(),
        NamedNode::new("http://contract.example/id/härryda/sjö#geo")
            .unwrap()
            .into(),
    ];
    let quads: Vec<Quad> = values
        .iter()
        .enumerate()
        .map(|(i, v)| quad(&format!("v{i}"), "value", v.clone(), "values"))
        .collect();
    store.load_atomic(quads.clone()).unwrap();
    same(
        set(store.graph_quads(&iri("values")).unwrap()),
        set(quads.clone()),
    );
    // Through a query, too.
    let read: BTreeSet<String> = rows(&store, "SELECT ?o { ?s ?p ?o }", &scope(&["values"]))
        .into_iter()
        .map(|r| r[0].as_ref().unwrap().to_string())
        .collect();
    same(read, values.iter().map(ToString::to_string).collect());
    // And what was read back can be named exactly in an update.
    for q in &quads {
        assert!(store.contains(q).unwrap(), "{q}");
    }
    store.update(&quads[..3], &[]).unwrap();
    assert_eq!(store.graph_quads(&iri("values")).unwrap().len(), quads.len() - 3);
}

/// Asserts two sets are equal, showing only what differs (shortened).
fn same(got: BTreeSet<String>, want: BTreeSet<String>) {
    let short = |s: &String| s.chars().take(200).collect::<String>();
    let missing: Vec<String> = want.difference(&got).map(short).collect();
    let extra: Vec<String> = got.difference(&want).map(short).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

fn descriptions_follow_an_items_nodes(engine: &Engine) {
    let store = engine.store();
    let item = iri("id/d/x");
    let geo = NamedNode::new(format!("{NS}id/d/x#geo")).unwrap();
    let feature = NamedNode::new(format!("{NS}id/d/x#feature-1")).unwrap();
    let value = NamedNode::new(format!("{NS}id/d/x#feature-1-value")).unwrap();
    let g = iri("v1");
    let q = |s: &NamedNode, p: &str, o: Term| Quad::new(s.clone(), iri(p), o, g.clone());
    store
        .load_atomic(vec![
            q(&item, "name", Literal::from("X").into()),
            q(&item, "geo", geo.clone().into()),
            q(&item, "feature", feature.clone().into()),
            q(&item, "other", iri("id/d/y").into()),
            q(&geo, "lat", Literal::from(57.6).into()),
            q(&feature, "value", value.clone().into()),
            q(&value, "label", Literal::from("Toalett").into()),
            q(&iri("id/d/y"), "name", Literal::from("Y").into()),
            q(&iri("id/d/x2"), "name", Literal::from("not a node of x").into()),
        ])
        .unwrap();
    let described = set(store.describe(std::slice::from_ref(&item), &g).unwrap());
    assert_eq!(described.len(), 7, "{described:#?}");
    assert!(
        !described
            .iter()
            .any(|q| q.contains("Y\"") || q.contains("not a node"))
    );
    let view = store.view();
    assert_eq!(set(view.describe(&[item, iri("id/d/y")], &g).unwrap()).len(), 8);
}

fn dumps_stream_every_graph(engine: &Engine) {
    let store = engine.store();
    store.load_atomic(numbered("d1", 1000)).unwrap();
    store.load_atomic(numbered("d2", 7)).unwrap();
    let stream = store.view().stream_graphs(vec![iri("d1"), iri("d2")]);
    let quads: Vec<Quad> = stream.map(Result::unwrap).collect();
    assert_eq!(quads.len(), 1007);
    assert_eq!(
        quads
            .iter()
            .filter(|q| q.graph_name == GraphName::NamedNode(iri("d2")))
            .count(),
        7
    );
    // Taken before a drop: still whole.
    let stream = store.view().stream_graphs(vec![iri("d1")]);
    store.drop_graph(&iri("d2")).unwrap();
    assert_eq!(stream.count(), 1000);
}

fn service_calls_never_run(engine: &Engine) {
    let store = engine.store();
    store.load_atomic(numbered("g", 1)).unwrap();
    let result = store
        .query(
            "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
            &scope(&["g"]),
            None,
            None,
        )
        .and_then(|r| match r {
            QueryResults::Solutions(mut s) => {
                s.try_fold(0, |n, r| r.map(|_| n + 1)).map_err(QueryError::from)
            }
            _ => Ok(0),
        });
    assert!(result.is_err(), "SERVICE is refused");
}

fn the_platform_publishes_queries_restarts_and_rolls_back(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::start_on(engine.store(), dir.path(), None, |_| {});
    let published: Vec<String> = server.get("/api/v1/datasets").json()["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(published.len() >= 4, "{published:?}");
    crate::http::steward::publish_update_roll_back_and_delete(&server);
    let items = server.get("/api/v1/bathing-sites?limit=1000").json()["items"]
        .as_array()
        .unwrap()
        .len();
    let (base, port) = (server.base.clone(), server.port());
    server.stop();
    // Started again over the same store: the same datasets and items, the same URIs.
    let again = crate::common::start_on(engine.store(), dir.path(), Some(port), |_| {});
    assert_eq!(
        again.get("/api/v1/bathing-sites?limit=1000").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        items
    );
    assert_eq!(again.base, base);
    assert_eq!(again.get("/id/harryda-badplatser/finnsjon").status, 200);
    let versions = again.get("/api/v1/datasets/goteborg-bad/versions").json();
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
}
