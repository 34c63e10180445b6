//! The W3C SPARQL 1.1 Protocol tests, run from the manifest itself: `manifest.ttl` (a copy of
//! `../shared/testing/sparql11-protocol/`, see `tests/conformance/sparql11-protocol/README.md`)
//! is parsed as Turtle at test time and every case's requests are sent exactly as it describes
//! them (method, path, headers, body in its character encoding) over a raw connection.
//!
//! datahamn's endpoint is read-only, so the manifest is read as a read-only endpoint must
//! answer it: an update request is refused with 4xx (the manifest's 2xx is for endpoints that
//! take updates), and the queries of a case that began with a refused update, and of a case whose
//! test data (`ut:graphData`) a read-only endpoint cannot load, are held to the manifest's
//! status and result format but not to its expected boolean.

use crate::common::{repo_path, shared_socket};
use crate::http::hostile::{Answer, exchange};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Literal, Term};
use std::collections::HashMap;
use std::path::Path;

const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const HT: &str = "http://www.w3.org/2011/http#";
const CNT: &str = "http://www.w3.org/2011/content#";
const HTS: &str = "http://www.w3.org/2011/http-statusCodes#";
const UT: &str = "http://www.w3.org/2009/sparql/tests/test-update#";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

fn manifest_dir() -> std::path::PathBuf {
    repo_path("tests/conformance/sparql11-protocol")
}

/// The manifest's triples, by subject and predicate.
struct Graph(HashMap<(Term, String), Vec<Term>>);

impl Graph {
    fn load(path: &Path) -> Graph {
        let bytes = std::fs::read(path).unwrap();
        let base = format!("file://{}", path.display());
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(base)
            .unwrap();
        let mut map: HashMap<(Term, String), Vec<Term>> = HashMap::new();
        for quad in parser.for_slice(&bytes) {
            let quad = quad.unwrap();
            map.entry((Term::from(quad.subject), quad.predicate.as_str().to_owned()))
                .or_default()
                .push(quad.object);
        }
        Graph(map)
    }

    fn all(&self, s: &Term, p: &str) -> Vec<Term> {
        self.0
            .get(&(s.clone(), p.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    fn one(&self, s: &Term, p: &str) -> Option<Term> {
        self.all(s, p).into_iter().next()
    }

    fn text(&self, s: &Term, p: &str) -> Option<String> {
        match self.one(s, p)? {
            Term::Literal(l) => Some(l.value().to_owned()),
            Term::NamedNode(n) => Some(n.as_str().to_owned()),
            _ => None,
        }
    }

    /// The members of an RDF list, in order.
    fn list(&self, mut head: Term) -> Vec<Term> {
        let mut out = Vec::new();
        let nil = format!("{RDF}nil");
        while !matches!(&head, Term::NamedNode(n) if n.as_str() == nil) {
            out.extend(self.one(&head, &format!("{RDF}first")));
            head = self
                .one(&head, &format!("{RDF}rest"))
                .expect("a well-formed list");
        }
        out
    }
}

/// One request of a case, and what the manifest expects of its answer.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// Status classes: 2, 3, 4 (from `hts:StatusCode2xx`, …).
    classes: Vec<u16>,
    boolean: Option<bool>,
    format: Option<String>,
}

impl Request {
    fn is_update(&self) -> bool {
        let typed_update = self.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("content-type") && v.starts_with("application/sparql-update")
        });
        let form_update = self.body.as_deref().is_some_and(|b| b.starts_with(b"update="));
        typed_update || form_update || self.path.contains("?update=") || self.path.contains("&update=")
    }

    /// The raw bytes to send, with the manifest's `/sparql/` path prefix mapped onto ours.
    fn bytes(&self, port: u16) -> Vec<u8> {
        let path = match self.path.strip_prefix("/sparql/") {
            Some(rest) => format!("/sparql{rest}"),
            None => self.path.clone(),
        };
        let mut out = format!(
            "{} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n",
            self.method
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        let body = self.body.clone().unwrap_or_default();
        if self.body.is_some() {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        out.push_str("\r\n");
        let mut out = out.into_bytes();
        out.extend(body);
        out
    }
}

struct Case {
    name: String,
    about: String,
    /// Test data the case loads first (`ut:graphData`).
    needs_data: bool,
    requests: Vec<Request>,
}

fn cases(graph: &Graph) -> Vec<Case> {
    let manifest = graph
        .0
        .iter()
        .find(|((_, p), o)| {
            p == &format!("{RDF}type")
                && o.iter()
                    .any(|t| matches!(t, Term::NamedNode(n) if n.as_str() == format!("{MF}Manifest")))
        })
        .map(|((s, _), _)| s.clone())
        .expect("an mf:Manifest");
    let entries = graph.one(&manifest, &format!("{MF}entries")).expect("mf:entries");
    let mut out = Vec::new();
    for test in graph.list(entries) {
        let name = match &test {
            Term::NamedNode(n) => n.as_str().rsplit('#').next().unwrap_or_default().to_owned(),
            other => other.to_string(),
        };
        let about = graph.text(&test, &format!("{MF}name")).unwrap_or_default();
        let action = graph.one(&test, &format!("{MF}action")).expect("mf:action");
        let list = graph.one(&action, &format!("{HT}requests")).expect("ht:requests");
        let mut requests = Vec::new();
        for r in graph.list(list) {
            let headers = graph
                .one(&r, &format!("{HT}headers"))
                .map(|h| graph.list(h))
                .unwrap_or_default()
                .iter()
                .map(|h| {
                    (
                        graph.text(h, &format!("{HT}fieldName")).unwrap_or_default(),
                        graph.text(h, &format!("{HT}fieldValue")).unwrap_or_default(),
                    )
                })
                .collect();
            let body = graph.one(&r, &format!("{HT}body")).map(|b| {
                let chars = graph.text(&b, &format!("{CNT}chars")).unwrap_or_default();
                match graph.text(&b, &format!("{CNT}characterEncoding")).as_deref() {
                    Some(e) if e.eq_ignore_ascii_case("UTF-16") => {
                        let mut bytes = vec![0xFF, 0xFE];
                        bytes.extend(chars.encode_utf16().flat_map(u16::to_le_bytes));
                        bytes
                    }
                    _ => chars.into_bytes(),
                }
            });
            let resp = graph.one(&r, &format!("{HT}resp")).expect("ht:resp");
            let classes = graph
                .all(&resp, &format!("{MF}expectedStatus"))
                .iter()
                .filter_map(|t| match t {
                    Term::NamedNode(n) => n
                        .as_str()
                        .strip_prefix(&format!("{HTS}StatusCode"))?
                        .chars()
                        .next()?
                        .to_digit(10),
                    _ => None,
                })
                .map(|d| d as u16)
                .collect();
            let boolean = match graph.one(&resp, &format!("{MF}expectedBoolean")) {
                Some(Term::Literal(l)) => Some(l == Literal::from(true)),
                _ => None,
            };
            requests.push(Request {
                method: graph.text(&r, &format!("{HT}methodName")).unwrap_or_default(),
                path: graph.text(&r, &format!("{HT}absolutePath")).unwrap_or_default(),
                headers,
                body,
                classes,
                boolean,
                format: graph.text(&resp, &format!("{MF}expectedFormat")),
            });
        }
        out.push(Case {
            name,
            about,
            needs_data: !graph.all(&test, &format!("{UT}graphData")).is_empty(),
            requests,
        });
    }
    out
}

/// What is wrong with one answer, held to the manifest as a read-only endpoint reads it.
fn judge(request: &Request, answer: &Answer, check_boolean: bool) -> Option<String> {
    let class = answer.status / 100;
    let kind = answer.header("content-type").unwrap_or("").to_ascii_lowercase();
    let body = String::from_utf8_lossy(&answer.body);
    if request.is_update() {
        return (class != 4).then(|| {
            format!(
                "an update answered {} (a read-only endpoint refuses it with 4xx): {body}",
                answer.status
            )
        });
    }
    if !request.classes.contains(&class) {
        return Some(format!(
            "expected {:?}xx, got {}: {body}",
            request.classes, answer.status
        ));
    }
    if class != 2 {
        return None;
    }
    let formats: &[&str] = match request.format.as_deref() {
        Some("boolean") => &[
            "application/sparql-results+json",
            "application/sparql-results+xml",
        ],
        Some("tabular") => &[
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        ],
        Some("RDF") => &[
            "text/turtle",
            "application/n-triples",
            "application/rdf+xml",
            "application/ld+json",
        ],
        _ => &[],
    };
    if !formats.is_empty() && !formats.iter().any(|f| kind.starts_with(f)) {
        return Some(format!(
            "expected {:?} results, got Content-Type {kind:?}",
            request.format
        ));
    }
    if let (Some(expected), true) = (request.boolean, check_boolean) {
        let got = if kind.starts_with("application/sparql-results+json") {
            serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v["boolean"].as_bool())
        } else {
            Some(body.contains("<boolean>true</boolean>"))
        };
        if got != Some(expected) {
            return Some(format!("expected the boolean {expected}, got {body}"));
        }
    }
    None
}

#[test]
fn the_w3c_protocol_manifest_passes_as_a_read_only_endpoint() {
    let graph = Graph::load(&manifest_dir().join("manifest.ttl"));
    let cases = cases(&graph);
    assert_eq!(cases.len(), 34, "the manifest lists 34 tests");
    // Raw requests on a socket, byte for byte as the manifest writes them.
    let port = shared_socket().port();
    let mut failures = Vec::new();
    let mut requests = 0;
    for case in &cases {
        let mut refused_update = false;
        for (n, request) in case.requests.iter().enumerate() {
            requests += 1;
            let check_boolean = !case.needs_data && !refused_update;
            let fault = match exchange(port, request.bytes(port)) {
                Ok(answer) => judge(request, &answer, check_boolean),
                Err(e) => Some(format!("no answer: {e}")),
            };
            refused_update |= request.is_update();
            if let Some(fault) = fault {
                failures.push(format!(
                    "{} ({}), request {}: {fault}",
                    case.name,
                    case.about,
                    n + 1
                ));
            }
        }
    }
    assert!(requests >= cases.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_manifest_copy_matches_the_shared_one_when_present() {
    let shared_dir = repo_path("../shared/testing/sparql11-protocol");
    if !shared_dir.is_dir() {
        eprintln!(
            "{} is absent (a fresh clone): the copy in the repository is used",
            shared_dir.display()
        );
        return;
    }
    for file in ["manifest.ttl", "data1.nt", "data2.nt", "data3.nt"] {
        assert_eq!(
            std::fs::read(manifest_dir().join(file)).unwrap(),
            std::fs::read(shared_dir.join(file)).unwrap(),
            "tests/conformance/sparql11-protocol/{file} differs from ../shared: copy it again"
        );
    }
}
