//! What the published data answers through SPARQL: every example query of the query page,
//! GeoSPARQL functions over the items' points, arithmetic on coordinates, `DESCRIBE` with an
//! item's own nodes, and every term of our namespace that the store uses dereferencing.

use crate::common::{Response, TestServer, shared};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Runs a query, asking for JSON results (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE).
fn run(server: &TestServer, query: &str) -> Response {
    server.post_accept(
        "/sparql",
        "application/sparql-query",
        "application/sparql-results+json, application/n-triples;q=0.9",
        query,
    )
}

/// The solutions of a SELECT query.
fn select(server: &TestServer, query: &str) -> Vec<Value> {
    let r = run(server, query);
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.json()["results"]["bindings"].as_array().unwrap().clone()
}

/// The triples of a CONSTRUCT or DESCRIBE answer in N-Triples.
fn triples(r: &Response) -> Vec<Triple> {
    RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(r.body.as_bytes())
        .map(|q| Triple::from(q.unwrap()))
        .collect()
}

fn value<'a>(row: &'a Value, var: &str) -> &'a str {
    row[var]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("?{var} unbound: {row}"))
}

/// The page's examples, as the page carries them for its script: (title, query).
fn page_examples(server: &TestServer) -> Vec<(String, String)> {
    let page = server.get_accept("/sparql", "text/html");
    assert_eq!(page.status, 200);
    let start = r#"<script type="application/json" id="example-queries">"#;
    let data = page.body.split_once(start).unwrap().1;
    let data = data.split_once("</script>").unwrap().0;
    let examples: Vec<Value> = serde_json::from_str(data).unwrap();
    examples
        .iter()
        .map(|e| {
            (
                e["title"].as_str().unwrap().to_owned(),
                e["query"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_example_on_the_query_page_answers_on_the_shipped_data() {
    let server = shared();
    let examples = page_examples(server);
    assert!(examples.len() >= 6, "{examples:?}");
    for (title, query) in &examples {
        assert!(
            !query.contains("{BASE}"),
            "{title}: the page fills in the base URL"
        );
        let r = run(server, query);
        assert_eq!(r.status, 200, "{title}: {}", r.body);
        let kind = r.header("content-type").unwrap_or_default();
        if kind.starts_with("application/sparql-results+json") {
            let answer = r.json();
            match answer.get("boolean") {
                Some(b) => assert_eq!(b, true, "{title}"),
                None => assert!(
                    !answer["results"]["bindings"].as_array().unwrap().is_empty(),
                    "{title}: no rows\n{query}"
                ),
            }
        } else {
            assert!(!triples(&r).is_empty(), "{title}: an empty graph\n{query}");
        }
    }
    // One of them shows GeoSPARQL.
    assert!(examples.iter().any(|(_, q)| q.contains("geof:distance(")));
}

const NEAR: (f64, f64) = (57.655, 12.14);

#[test]
fn geof_distance_finds_what_the_rest_api_finds_near_a_point() {
    let server = shared();
    let (lat, lon) = NEAR;
    let query = format!(
        r#"PREFIX schema: <https://schema.org/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
SELECT ?site ?metres WHERE {{
  ?site a schema:Beach ; geo:hasGeometry/geo:asWKT ?point .
  BIND(geof:distance(?point, "POINT({lon} {lat})"^^geo:wktLiteral, uom:metre) AS ?metres)
  FILTER(?metres <= 5000)
}} ORDER BY ?metres"#
    );
    let rows = select(server, &query);
    let sparql: Vec<(String, f64)> = rows
        .iter()
        .map(|r| (value(r, "site").to_owned(), value(r, "metres").parse().unwrap()))
        .collect();
    assert!(!sparql.is_empty());
    assert!(sparql.windows(2).all(|w| w[0].1 <= w[1].1), "nearest first");
    let rest = server
        .get(&format!(
            "/api/v1/bathing-sites?near={lat},{lon}&radius=5000&limit=1000"
        ))
        .json();
    let rest: BTreeMap<String, f64> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["uri"].as_str().unwrap().to_owned(),
                i["distance_m"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sparql.iter().map(|(s, _)| s.clone()).collect::<BTreeSet<_>>(),
        rest.keys().cloned().collect::<BTreeSet<_>>()
    );
    for (site, metres) in &sparql {
        assert!(
            (metres - rest[site]).abs() < 1.0,
            "{site}: {metres} m, REST {} m",
            rest[site]
        );
    }
}

#[test]
fn geof_sf_within_finds_what_the_rest_api_finds_in_a_box() {
    let server = shared();
    let (west, south, east, north) = (12.0, 57.55, 12.5, 57.75);
    let query = format!(
        r#"PREFIX schema: <https://schema.org/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
SELECT ?site WHERE {{
  ?site a schema:Beach ; geo:hasGeometry/geo:asWKT ?point .
  FILTER(geof:sfWithin(?point, "POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))"^^geo:wktLiteral))
}}"#
    );
    let sparql: BTreeSet<String> = select(server, &query)
        .iter()
        .map(|r| value(r, "site").to_owned())
        .collect();
    let rest = server
        .get(&format!(
            "/api/v1/bathing-sites?bbox={west},{south},{east},{north}&limit=1000"
        ))
        .json();
    let rest: BTreeSet<String> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uri"].as_str().unwrap().to_owned())
        .collect();
    assert!(sparql.len() > 9, "Härryda's sites and more: {sparql:?}");
    assert_eq!(sparql, rest);
    // The service description names the functions.
    let sd = server.get_accept("/sparql", "text/turtle");
    assert!(
        sd.body
            .contains("<http://www.opengis.net/def/function/geosparql/sfWithin>"),
        "{}",
        sd.body
    );
    assert!(sd.body.contains("extensionFunction"), "{}", sd.body);
}

#[test]
fn coordinates_are_kept_to_a_centimetre_and_multiply() {
    let server = shared();
    let counts = select(
        server,
        "PREFIX schema: <https://schema.org/>
SELECT (COUNT(*) AS ?places) (COUNT(?product) AS ?products) (COUNT(?d2) AS ?squared)
       (SUM(IF(STRLEN(STRAFTER(STR(?lat), \".\")) > 7, 1, 0)) AS ?too_precise) WHERE {
  ?place schema:geo ?geo .
  ?geo schema:latitude ?lat ; schema:longitude ?lon .
  BIND(?lat * ?lon AS ?product)
  BIND((?lat - 57.655) * (?lat - 57.655) + (?lon - 12.14) * (?lon - 12.14) AS ?d2)
}",
    );
    let count = |var: &str| value(&counts[0], var).parse::<u64>().unwrap();
    assert!(count("places") > 2600);
    assert_eq!(count("products"), count("places"), "lat * lon for every place");
    assert_eq!(
        count("squared"),
        count("places"),
        "a squared distance for every place"
    );
    assert_eq!(count("too_precise"), 0);

    // The nearest by squared degrees, and the REST API gives the same position as the RDF.
    let nearest = select(
        server,
        "PREFIX schema: <https://schema.org/>
SELECT ?place ?lat ?lon WHERE {
  ?place schema:geo [ schema:latitude ?lat ; schema:longitude ?lon ] .
  BIND((?lat - 57.6651) * (?lat - 57.6651) + (?lon - 12.1425) * (?lon - 12.1425) AS ?d2)
} ORDER BY ?d2 LIMIT 1",
    );
    let place = value(&nearest[0], "place");
    assert!(place.ends_with("/id/harryda-badplatser/frokens-udde"), "{place}");
    let item = server.get("/api/v1/items/harryda-badplatser:frokens-udde").json();
    assert_eq!(value(&nearest[0], "lat"), "57.6651218");
    assert_eq!(value(&nearest[0], "lon"), "12.1425453");
    assert_eq!(item["latitude"].as_f64(), Some(57.6651218));
    assert_eq!(item["longitude"].as_f64(), Some(12.1425453));
}

#[test]
fn describe_includes_an_items_own_nodes() {
    let server = shared();
    let harryda = format!("{}/id/harryda-badplatser/frokens-udde", server.base);
    let pools = select(
        server,
        "SELECT ?pool WHERE { ?pool a <https://schema.org/PublicSwimmingPool> ; <https://schema.org/amenityFeature> ?f } ORDER BY ?pool LIMIT 1",
    );
    let pool = value(&pools[0], "pool").to_owned();
    {
        let query = format!("DESCRIBE <{harryda}> <{pool}>");
        let r = run(server, &query);
        assert_eq!(r.status, 200, "{}", r.body);
        let triples = triples(&r);
        let has = |subject: &str, predicate: &str| {
            triples.iter().any(|t| {
                t.subject.to_string() == format!("<{subject}>")
                    && t.predicate.as_str() == format!("https://schema.org/{predicate}")
            })
        };
        // The bath site's position and address.
        assert!(has(&harryda, "geo") && has(&harryda, "address"), "{}", r.body);
        assert!(has(&format!("{harryda}#geo"), "latitude"), "{}", r.body);
        assert!(has(&format!("{harryda}#geo"), "longitude"), "{}", r.body);
        assert!(has(&format!("{harryda}#address"), "postalCode"), "{}", r.body);
        assert!(
            triples
                .iter()
                .any(|t| t.subject.to_string() == format!("<{harryda}#geometry>")
                    && t.predicate.as_str() == "http://www.opengis.net/ont/geosparql#asWKT"),
            "{}",
            r.body
        );
        // The pool's facilities.
        let features: Vec<String> = triples
            .iter()
            .filter(|t| {
                t.subject.to_string() == format!("<{pool}>")
                    && t.predicate.as_str() == "https://schema.org/amenityFeature"
            })
            .map(|t| t.object.to_string())
            .collect();
        assert!(!features.is_empty(), "{}", r.body);
        for feature in &features {
            let feature = feature.trim_start_matches('<').trim_end_matches('>');
            assert!(
                has(feature, "propertyID") && has(feature, "value"),
                "{feature}: {}",
                r.body
            );
        }
        // Nothing beyond the two resources and their own nodes.
        for t in &triples {
            let s = t.subject.to_string();
            assert!(
                s.starts_with(&format!("<{harryda}")) || s.starts_with(&format!("<{pool}")),
                "{t}"
            );
        }
    }
}

#[test]
fn every_term_of_our_namespace_in_the_store_dereferences() {
    let server = shared();
    let namespace = format!("{}/def/", server.base);
    let query = format!(
        "SELECT DISTINCT ?term WHERE {{
  {{ ?s ?term ?o }} UNION {{ ?s ?p ?term }}
  FILTER(isIRI(?term) && STRSTARTS(STR(?term), \"{namespace}\"))
}} ORDER BY ?term"
    );
    let terms: Vec<String> = select(server, &query)
        .iter()
        .map(|r| value(r, "term").to_owned())
        .collect();
    // The catalog's and the change feed's terms are among them.
    for term in [
        "municipalityCode",
        "Municipality",
        "Version",
        "publishedBy",
        "sequence",
        "changeOf",
        "byVersion",
        "contentHash",
        "profile/bathing-sites",
    ] {
        assert!(terms.contains(&format!("{namespace}{term}")), "{term}: {terms:?}");
    }
    for term in &terms {
        let path = term.strip_prefix(&server.base).unwrap();
        let r = server.get_accept(path, "text/turtle");
        assert_eq!(r.status, 200, "{term}: {}", r.body);
        assert_eq!(
            r.header("content-type"),
            Some("text/turtle; charset=utf-8"),
            "{term}"
        );
        let described = RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(r.body.as_bytes())
            .map(|q| q.unwrap())
            .any(|q| q.subject.to_string() == format!("<{term}>"));
        assert!(described, "{term}: {}", r.body);
    }
}
