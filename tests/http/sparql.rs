//! The SPARQL endpoint: the problems protocol errors get, result formats, guard rails and
//! agreement with the REST API (the W3C protocol manifest itself runs in `sparql_protocol.rs`).

use crate::common::{enc, shared};
use std::collections::BTreeSet;

const HARRYDA: &str = "PREFIX schema: <https://schema.org/>
SELECT ?site ?name ?lat ?lon WHERE {
  ?site a schema:Beach ; schema:name ?name ; schema:geo [ schema:latitude ?lat ; schema:longitude ?lon ] ;
        <BASE/def/municipalityCode> \"1401\" .
} ORDER BY ?name";

fn harryda_query() -> String {
    HARRYDA.replace("BASE", &shared().base)
}

#[test]
fn select_returns_the_same_sites_as_rest() {
    let r = shared().get(&format!("/sparql?query={}", enc(&harryda_query())));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/sparql-results+json")
    );
    let results = r.json();
    let bindings = results["results"]["bindings"].as_array().unwrap();
    let sparql: BTreeSet<(String, String)> = bindings
        .iter()
        .map(|b| {
            (
                b["site"]["value"].as_str().unwrap().to_owned(),
                b["name"]["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let rest = shared().get("/api/v1/bathing-sites?municipality=1401").json();
    let rest: BTreeSet<(String, String)> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["uri"].as_str().unwrap().to_owned(),
                i["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(bindings.len(), rest.len());
    assert_eq!(sparql, rest);
    // Härryda's nine sites, plus the bathing waters HaV lists in Härryda.
    assert!(rest.iter().any(|(_, name)| name == "Frökens udde") && rest.len() > 9);
}

#[test]
fn a_charset_parameter_of_utf_8_is_accepted() {
    // The W3C manifest's direct POST has no charset (tests/http/sparql_protocol.rs runs it).
    let r = shared().post("/sparql", "application/sparql-query; charset=utf-8", "ASK {}");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["boolean"], true);
}

#[test]
fn result_formats_by_accept() {
    let s = shared();
    let q = "/sparql?query=SELECT%20(1%20AS%20%3Fvalue)%20%7B%7D";
    for (accept, expected) in [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
        ),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
    ] {
        let r = s.get_accept(q, accept);
        assert_eq!(r.status, 200, "{accept}: {}", r.body);
        assert!(
            r.header("content-type").unwrap().starts_with(expected),
            "{accept}"
        );
    }
    let construct = format!(
        "/sparql?query={}",
        enc("CONSTRUCT { <http://e/s> <http://e/p> 1 } WHERE {}")
    );
    for (accept, expected) in [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("", "text/turtle"),
    ] {
        let r = if accept.is_empty() {
            s.get(&construct)
        } else {
            s.get_accept(&construct, accept)
        };
        assert_eq!(r.status, 200, "{accept}: {}", r.body);
        assert!(
            r.header("content-type").unwrap().starts_with(expected),
            "{accept}"
        );
    }
    s.get_accept(q, "image/png").assert_problem(406, "not_acceptable");
}

#[test]
fn protocol_errors() {
    // The W3C manifest's negative cases check the status class (tests/http/sparql_protocol.rs);
    // these check the problem each one gets.
    let s = shared();
    s.get("/sparql?query=ASK%20%7B")
        .assert_problem(400, "sparql_syntax");
    s.get_accept("/sparql", "application/sparql-results+json")
        .assert_problem(400, "sparql_missing_query");
    s.get("/sparql?format=json")
        .assert_problem(400, "sparql_missing_query");
    s.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
        .assert_problem(400, "sparql_multiple_queries");
    s.post("/sparql", "text/plain", "ASK {}")
        .assert_problem(415, "unsupported_media_type");
    s.post("/sparql", "", "ASK {}")
        .assert_problem(415, "unsupported_media_type");
    s.post("/sparql", "application/sparql-query; charset=UTF-16", "ASK {}")
        .assert_problem(415, "unsupported_media_type");
}

#[test]
fn extra_client_parameters_are_ignored() {
    let r = shared().get("/sparql?query=ASK%20%7B%7D&format=json&output=json&results=json");
    assert_eq!(r.status, 200);
}

#[test]
fn updates_are_refused_and_change_nothing() {
    let s = shared();
    let count = || {
        s.get(&format!(
            "/sparql?query={}",
            enc("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
        ))
        .json()["results"]["bindings"][0]["n"]["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let before = count();
    let update = "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }";
    s.get(&format!("/sparql?update={}", enc(update)))
        .assert_problem(400, "sparql_update_not_allowed");
    s.get(&format!("/sparql?query={}", enc(update)))
        .assert_problem(400, "sparql_update_not_allowed");
    s.post(
        "/sparql",
        "application/x-www-form-urlencoded",
        &format!("update={}", enc(update)),
    )
    .assert_problem(400, "sparql_update_not_allowed");
    s.post("/sparql", "application/sparql-update", update)
        .assert_problem(400, "sparql_update_not_allowed");
    assert_eq!(count(), before);
}

#[test]
fn the_default_graph_is_the_union_of_datasets_and_each_is_named() {
    let s = shared();
    let q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g";
    let r = s.get(&format!("/sparql?query={}", enc(q))).json();
    let graphs: BTreeSet<String> = r["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["g"]["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        graphs.len(),
        10,
        "eight dataset versions, the catalog and the change feed: {graphs:?}"
    );
    assert!(graphs.contains(&format!("{}/dataset/harryda-badplatser/version/1", s.base)));
    let q = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://schema.org/Beach> }".to_owned();
    let r = s.get(&format!("/sparql?query={}", enc(&q))).json();
    assert_eq!(r["results"]["bindings"][0]["n"]["value"], "2677");
    let only_harryda = s.get(&format!(
        "/sparql?query={}&default-graph-uri={}",
        enc(&q),
        enc(&format!("{}/dataset/harryda-badplatser/version/1", s.base))
    ));
    assert_eq!(only_harryda.json()["results"]["bindings"][0]["n"]["value"], "9");
}

#[test]
fn same_kind_same_shape_across_municipalities() {
    let q = "SELECT ?code (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?s a <https://schema.org/PublicSwimmingPool> ; ?p ?o ; <BASE/def/municipalityCode> ?code
    } GROUP BY ?code ORDER BY ?code"
        .replace("BASE", &shared().base);
    let r = shared().get(&format!("/sparql?query={}", enc(&q))).json();
    let rows = r["results"]["bindings"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["n"]["value"], rows[1]["n"]["value"], "{rows:?}");
}

/// The IRI and name of one of Härryda's bath sites, as the REST API of `server` gives them.
fn harryda_site(server: &crate::common::Client) -> (String, String) {
    let list = server.get("/api/v1/bathing-sites?municipality=1401").json();
    let item = &list["items"][0];
    (
        item["uri"].as_str().unwrap().to_owned(),
        item["name"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn lookups_answer_with_everything_said_of_the_resource() {
    // What one resource says is answered at once, on the request thread: the same answers as
    // any other query.
    let (uri, name) = harryda_site(shared());
    let describe = format!("DESCRIBE <{uri}>");
    let r = shared().get_accept(
        &format!("/sparql?query={}", enc(&describe)),
        "application/n-triples",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let own: Vec<&str> = r
        .body
        .lines()
        .filter(|l| l.starts_with(&format!("<{uri}> ")))
        .collect();
    assert!(own.len() > 5, "{}", r.body);
    assert!(
        own.iter()
            .any(|l| l.contains("<https://schema.org/name>") && l.contains(&name)),
        "{}",
        r.body
    );
    let select = format!("SELECT ?p ?o WHERE {{ <{uri}> ?p ?o }} ORDER BY ?p ?o");
    let r = shared().get_accept(
        &format!("/sparql?query={}", enc(&select)),
        "application/sparql-results+json",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let bindings = r.json()["results"]["bindings"].as_array().unwrap().clone();
    assert_eq!(bindings.len(), own.len(), "{}", r.body);
    // A lookup of something that is not there: an empty answer, not an error.
    let missing = format!("SELECT ?p ?o WHERE {{ <{uri}-not-there> ?p ?o }}");
    let r = shared().get_accept(
        &format!("/sparql?query={}", enc(&missing)),
        "application/sparql-results+json",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["results"]["bindings"].as_array().unwrap().len(), 0);
}

/// A query whose evaluation takes far longer than any test waits: every pair of triples.
const ENDLESS: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }";

fn limited(timeout_ms: u64, max_rows: usize, max_concurrent: usize) -> crate::common::TestServer {
    crate::common::start_with(|p| {
        p.set_sparql_limits(datahamn::service::sparql::SparqlLimits {
            timeout: std::time::Duration::from_millis(timeout_ms),
            max_rows,
            max_concurrent,
            ..Default::default()
        })
    })
}

#[test]
fn guard_rails_stop_long_queries_cap_rows_and_limit_concurrency() {
    let server = std::sync::Arc::new(limited(1500, 5, 1));

    // Row cap: 5 of the many bath sites, and the header says the answer was cut.
    let many = "SELECT ?s WHERE { ?s a <https://schema.org/Beach> }";
    let r = server.get_accept(
        &format!("/sparql?query={}", enc(many)),
        "application/sparql-results+json",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("datahamn-results-truncated"), Some("5"));
    assert_eq!(r.json()["results"]["bindings"].as_array().unwrap().len(), 5);
    // Browser code may read the header.
    let r = server.get_with(
        "GET",
        &format!("/sparql?query={}", enc(many)),
        &[("Accept", "text/csv"), ("Origin", "https://app.example")],
    );
    assert_eq!(r.header("datahamn-results-truncated"), Some("5"));
    assert!(
        r.assert_headers_exposed()
            .contains(&"datahamn-results-truncated".to_owned())
    );
    // Under the cap: no header.
    let few = format!("{many} LIMIT 3");
    let r = server.get_accept(&format!("/sparql?query={}", enc(&few)), "text/csv");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("datahamn-results-truncated"), None);
    assert_eq!(r.body.lines().count(), 4, "{}", r.body);
    // CONSTRUCT results are capped in triples.
    let construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }";
    let r = server.get_accept(
        &format!("/sparql?query={}", enc(construct)),
        "application/n-triples",
    );
    assert_eq!(r.header("datahamn-results-truncated"), Some("5"));
    assert_eq!(r.body.lines().filter(|l| !l.trim().is_empty()).count(), 5);
    // So are lookups, answered on the request thread.
    let (uri, _) = harryda_site(&server);
    let lookup = format!("/sparql?query={}", enc(&format!("DESCRIBE <{uri}>")));
    let r = server.get_accept(&lookup, "application/n-triples");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("datahamn-results-truncated"), Some("5"));

    // Concurrency 1: while an endless query runs, another is refused with Retry-After.
    let busy = server.clone();
    let endless = std::thread::spawn(move || busy.post("/sparql", "application/sparql-query", ENDLESS));
    let mut refused = None;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let r = server.get(&format!("/sparql?query={}", enc("ASK {}")));
        if r.status == 503 {
            // A lookup needs no slot: queries filling every slot never starve it.
            refused = Some((r, server.get_accept(&lookup, "application/n-triples")));
            break;
        }
    }
    let (refused, lookup) = refused.expect("a second query while the first runs is refused");
    assert_eq!(refused.header("retry-after"), Some("1"));
    refused.assert_problem(503, "service_unavailable");
    assert_eq!(lookup.status, 200, "{}", lookup.body);
    assert!(lookup.body.contains(&uri), "{}", lookup.body);

    // The endless query is stopped at the timeout: a 503 problem, and the slot is free again.
    endless.join().unwrap().assert_problem(503, "query_timeout");
    let r = server.get_accept(
        &format!("/sparql?query={}", enc("ASK {}")),
        "application/sparql-results+json",
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn service_calls_reach_no_host() {
    let q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }";
    let r = shared().get(&format!("/sparql?query={}", enc(q)));
    assert!(r.status == 400, "{} {}", r.status, r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn dumps_hold_every_current_quad_in_its_graph() {
    let server = shared();
    let base = &server.base;
    let one = server.get_bytes("/dumps/datasets/harryda-badplatser.nq.gz");
    assert_eq!(one.0, 200);
    assert_eq!(one.1.as_deref(), Some("application/gzip"));
    let text = gunzip(&one.2);
    let graph = format!("<{base}/dataset/harryda-badplatser/version/1> .");
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.len() > 50);
    assert!(lines.iter().all(|l| l.ends_with(&graph)), "{}", lines[0]);
    // As many as SPARQL counts in that graph.
    let count = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{base}/dataset/harryda-badplatser/version/1> {{ ?s ?p ?o }} }}"
    );
    let r = server.get_accept(&format!("/sparql?query={}", enc(&count)), "text/csv");
    assert_eq!(r.body.lines().nth(1).unwrap().trim(), lines.len().to_string());

    let all = gunzip(&server.get_bytes("/dumps/all.nq.gz").2);
    assert!(all.contains(&format!("<{base}/graph/catalog> .")));
    assert!(all.contains(&graph));
    assert!(all.lines().count() > lines.len());

    let missing = server.get("/dumps/datasets/nope.nq.gz");
    assert_eq!(missing.status, 404);
}

#[test]
fn the_endpoint_describes_itself_and_void_lists_every_dataset() {
    let server = shared();
    let base = &server.base;
    let sd = server.get("/sparql");
    assert_eq!(sd.status, 200, "{}", sd.body);
    assert_eq!(sd.header("content-type"), Some("text/turtle; charset=utf-8"));
    assert!(sd.body.contains(&format!("<{base}/sparql>")));
    assert!(
        sd.body
            .contains(&format!("<{base}/dataset/harryda-badplatser/version/1>"))
    );
    let void = server.get("/.well-known/void");
    assert_eq!(void.status, 200, "{}", void.body);
    for needle in [
        format!("<{base}/dumps/all.nq.gz>"),
        format!("<{base}/dumps/datasets/harryda-badplatser.nq.gz>"),
        format!("<{base}/sparql>"),
    ] {
        assert!(void.body.contains(&needle), "{needle}: {}", void.body);
    }
}

#[test]
fn browsers_get_a_query_page_that_needs_no_internet() {
    let server = shared();
    let page = server.get_accept("/sparql", "text/html,application/xhtml+xml,*/*;q=0.8");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    // Every script and style sheet comes from this server.
    let assets: Vec<&str> = page
        .body
        .split(['"', '\''])
        .filter(|s| s.starts_with("/sparql/ui/"))
        .collect();
    assert_eq!(assets.len(), 2, "{assets:?}");
    assert!(!page.body.contains("://cdn") && !page.body.contains("unpkg") && !page.body.contains("jsdelivr"));
    for asset in assets {
        let r = server.get(asset);
        assert_eq!(r.status, 200, "{asset}");
        assert!(r.header("cache-control").unwrap().contains("immutable"));
        assert!(r.body.len() > 10_000, "{asset}");
    }
    // The example about wheelchair access answers with the example pools' municipalities.
    assert!(page.body.contains("wheelchair_accessible"));
}
