//! Whole documents as insta snapshots (in `snapshots/` beside this file): problem documents and
//! RDF descriptions, compared whole, so that a change anywhere in one shows. A changed or missing
//! snapshot fails the test; under CI (`CI=true`, or `INSTA_UPDATE=no`) insta writes nothing, and
//! elsewhere it leaves the new document in a `.snap.new` file to review (`cargo insta review`).

use crate::common::shared;
use std::fmt::Write;

/// The test server's base URL written as one fixed name: snapshots never depend on its port.
fn fixed_base(text: &str) -> String {
    text.replace(&shared().base, "http://datahamn.test")
}

/// Problem documents for the kinds of failure a client meets most: each request, then the
/// status, the headers a client acts on and the whole document.
#[test]
fn problem_documents() {
    let mut out = String::new();
    for (method, path, accept) in [
        ("GET", "/nope", "*/*"),
        ("GET", "/api/v1/datasets/nope", "*/*"),
        ("GET", "/api/v1/items/nope:nope", "*/*"),
        ("GET", "/api/v1/bathing-sites?municipality=9999", "*/*"),
        ("GET", "/api/v1/swimming-pools?limit=abc", "*/*"),
        ("DELETE", "/api/v1/datasets", "*/*"),
        ("GET", "/api/v1/datasets", "image/png"),
        ("GET", "/dumps/datasets/harryda-badplatser.csv?limit=5", "*/*"),
    ] {
        let r = shared().get_with(method, path, &[("Accept", accept)]);
        writeln!(out, "{method} {path}\nAccept: {accept}\n").unwrap();
        writeln!(out, "{}", r.status).unwrap();
        for name in ["content-type", "allow"] {
            if let Some(value) = r.header(name) {
                writeln!(out, "{name}: {value}").unwrap();
            }
        }
        let document = serde_json::to_string_pretty(&r.json()).unwrap();
        writeln!(out, "{document}\n").unwrap();
    }
    insta::assert_snapshot!(fixed_base(&out));
}

/// An item's RDF description (N-Triples, one statement a line, sorted): every statement the
/// item's URI dereferences to.
#[test]
fn an_items_rdf_description() {
    let r = shared().get_accept("/id/harryda-badplatser/frokens-udde", "application/n-triples");
    assert_eq!(r.status, 200, "{}", r.body);
    let mut lines: Vec<&str> = r.body.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.sort_unstable();
    insta::assert_snapshot!(fixed_base(&lines.join("\n")));
}

/// A term of the platform's own vocabulary, as its URI dereferences.
#[test]
fn a_vocabulary_terms_rdf_description() {
    let r = shared().get_accept("/def/municipalityCode", "application/n-triples");
    assert_eq!(r.status, 200, "{}", r.body);
    let mut lines: Vec<&str> = r.body.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.sort_unstable();
    insta::assert_snapshot!(fixed_base(&lines.join("\n")));
}
