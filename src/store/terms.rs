//! The text of RDF terms in the SPARQL Update requests and N-Triples uploads sent to a remote
//! engine, built so that no term can leave its position, whatever the caller passes.
//!
//! The model types can be made unchecked (`NamedNode::new_unchecked`, a language tag or a
//! datatype without validation), so nothing here trusts them:
//!
//! - an IRI is written only when it is a valid IRI (RFC 3987) and holds none of the characters
//!   SPARQL's and N-Triples' `IRIREF` exclude (`<>"{}|^`\` and spaces or control characters);
//!   anything else is refused, never escaped, since an escaped IRI would name another resource;
//! - a literal's value is escaped character by character: `"` and `\` by their backslash
//!   escapes, line breaks and the other control characters too. No `\u` escape is ever written
//!   for `"`, `\`, a line feed or a carriage return, and a `u`/`U` after an escaped backslash is
//!   itself escaped, so an engine that decodes `\u` escapes before parsing (as SPARQL 1.1 allows)
//!   still reads one string with the same value;
//! - a language tag is written only when it has the form `[a-zA-Z]+(-[a-zA-Z0-9]+)*`, a datatype
//!   only as a checked IRI, and a blank node only with a label of letters, digits, `_` and `-`.

use super::StoreError;
use oxigraph::model::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use std::fmt::Write as _;

fn refused(what: &str, value: &str) -> StoreError {
    let shown: String = value.chars().take(200).flat_map(char::escape_debug).collect();
    StoreError::Remote(format!(
        "refusing to send {what} `{shown}` to the engine: it is not one well-formed term"
    ))
}

/// Whether a character may appear in an `IRIREF` of SPARQL and N-Triples.
fn iriref_char(c: char) -> bool {
    !matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\') && c > ' ' && !c.is_control()
}

/// `<iri>`, or an error for anything that is not an absolute IRI made of `IRIREF` characters.
pub fn iri(iri: &str) -> Result<String, StoreError> {
    if iri.is_empty() || !iri.chars().all(iriref_char) || NamedNode::new(iri).is_err() {
        return Err(refused("the IRI", iri));
    }
    Ok(format!("<{iri}>"))
}

/// [`iri`] of a named node.
pub fn named(node: &NamedNode) -> Result<String, StoreError> {
    iri(node.as_str())
}

fn blank(node: &BlankNode) -> Result<String, StoreError> {
    let id = node.as_str();
    let well_formed = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && id.chars().next().is_some_and(|c| c != '-');
    if !well_formed {
        return Err(refused("the blank node", id));
    }
    Ok(format!("_:{id}"))
}

fn language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A string's value as the inside of a `"…"` literal (see the module docs).
pub fn escape_string(value: &str, out: &mut String) {
    let mut after_backslash = false;
    for c in value.chars() {
        let escaped_backslash = after_backslash;
        after_backslash = false;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => {
                out.push_str("\\\\");
                after_backslash = true;
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // Read as the start of a `\u` escape by an engine that decodes them first.
            'u' | 'U' if escaped_backslash => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// Query text in spargebra's canonical form (whose IRIs hold no backslash and whose strings
/// escape `\\` as `\\\\`), made safe for an engine that decodes `\\u` escapes before
/// parsing: a `u`/`U` right after an escaped backslash is escaped too.
pub fn guard_u_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => {
                out.push_str("\\\\");
                if let Some(u) = chars.next_if(|n| matches!(n, 'u' | 'U')) {
                    let _ = write!(out, "\\u{:04X}", u32::from(u));
                }
            }
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `"value"`, `"value"@lang` or `"value"^^<datatype>`.
pub fn literal(l: &Literal) -> Result<String, StoreError> {
    let mut out = String::with_capacity(l.value().len() + 2);
    out.push('"');
    escape_string(l.value(), &mut out);
    out.push('"');
    if let Some(tag) = l.language() {
        if !language_tag(tag) {
            return Err(refused("the language tag", tag));
        }
        out.push('@');
        out.push_str(tag);
    } else if l.datatype() != oxigraph::model::vocab::xsd::STRING {
        out.push_str("^^");
        out.push_str(&iri(l.datatype().as_str())?);
    }
    Ok(out)
}

pub fn subject(s: &NamedOrBlankNode) -> Result<String, StoreError> {
    match s {
        NamedOrBlankNode::NamedNode(n) => named(n),
        NamedOrBlankNode::BlankNode(b) => blank(b),
    }
}

pub fn term(t: &Term) -> Result<String, StoreError> {
    match t {
        Term::NamedNode(n) => named(n),
        Term::BlankNode(b) => blank(b),
        Term::Literal(l) => literal(l),
    }
}

/// `s p o` of a triple.
pub fn triple(t: &Triple) -> Result<String, StoreError> {
    Ok(format!(
        "{} {} {}",
        subject(&t.subject)?,
        named(&t.predicate)?,
        term(&t.object)?
    ))
}

/// Triples as N-Triples.
pub fn n_triples(triples: &[Triple]) -> Result<Vec<u8>, StoreError> {
    let mut out = String::with_capacity(triples.len() * 120);
    for t in triples {
        out.push_str(&triple(t)?);
        out.push_str(" .\n");
    }
    Ok(out.into_bytes())
}

/// `INSERT DATA`/`DELETE DATA` body: the quads grouped by graph.
pub fn quad_data(quads: &[Quad]) -> Result<String, StoreError> {
    let mut by_graph: Vec<(&GraphName, Vec<&Quad>)> = Vec::new();
    for q in quads {
        match by_graph.iter_mut().find(|(g, _)| *g == &q.graph_name) {
            Some((_, list)) => list.push(q),
            None => by_graph.push((&q.graph_name, vec![q])),
        }
    }
    let mut out = String::new();
    for (graph, list) in by_graph {
        let GraphName::NamedNode(g) = graph else {
            return Err(StoreError::Remote(
                "the remote store keeps quads in named graphs only".into(),
            ));
        };
        let _ = writeln!(out, "GRAPH {} {{", named(g)?);
        for q in list {
            let _ = writeln!(
                out,
                "{} {} {} .",
                subject(&q.subject)?,
                named(&q.predicate)?,
                term(&q.object)?
            );
        }
        out.push_str("}\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Literal;
    use spargebra::SparqlParser;
    use spargebra::term::GroundQuadPattern;

    const HOSTILE: &[&str] = &[
        "a\"} ; DROP ALL ; INSERT DATA { GRAPH <http://x/> { <http://x/s> <http://x/p> \"",
        "a\\\"} ; DROP ALL #",
        "line\n} ; CLEAR ALL ;\r\n#",
        "\\u0022 } ; DROP ALL ; #",
        "\\\\u0022 } ; DROP ALL ; #",
        "\\U00000022 } ; DROP ALL #",
        "\\u005C\\u0022 } ; DROP ALL #",
        "x\\",
        "\\",
        "'''\"\"\" ''' \"\"\"",
        "> . <http://x/s> <http://x/p> <http://x/o",
        "tab\there \u{0} nul \u{7f} del \u{2028} ls",
        "Härryda 🏊 \u{feff}",
    ];

    fn hostile_iris() -> Vec<String> {
        [
            "http://x/a> <http://x/p> <http://x/o> } ; DROP ALL ; INSERT DATA { GRAPH <http://x/g",
            "http://x/a>",
            "http://x/}",
            "http://x/a b",
            "http://x/a\nb",
            "http://x/\\u003E",
            "http://x/\"",
            "http://x/{",
            "http://x/|",
            "http://x/^",
            "http://x/`",
            "mailto:a>b@x.se",
            "relative/iri",
            "",
            "http://x/\u{0}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    /// Parses `INSERT DATA { GRAPH <g> { <s> <p> OBJECT } }` and returns the object read back.
    fn one_object(object: &str) -> Term {
        let update = format!("INSERT DATA {{ GRAPH <http://x/g> {{ <http://x/s> <http://x/p> {object} }} }}");
        let parsed = SparqlParser::new()
            .parse_update(&update)
            .unwrap_or_else(|e| panic!("{e}: {update}"));
        assert_eq!(parsed.operations.len(), 1, "{update}");
        let spargebra::GraphUpdateOperation::InsertData { data } = &parsed.operations[0] else {
            panic!("{update}");
        };
        assert_eq!(data.len(), 1, "{update}");
        data[0].object.clone()
    }

    /// What an engine that decodes `\u` escapes before parsing reads (SPARQL 1.1, section 19.2).
    fn decode_u_escapes(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let width = match (chars[i], chars.get(i + 1)) {
                ('\\', Some('u')) => 4,
                ('\\', Some('U')) => 8,
                _ => 0,
            };
            let hex: String = chars.iter().skip(i + 2).take(width).collect();
            if width > 0
                && hex.len() == width
                && let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
            {
                out.push(c);
                i += 2 + width;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn hostile_literals_stay_one_literal_with_their_value() {
        let x = NamedNode::new_unchecked("http://x/t");
        for value in HOSTILE {
            for literal_value in [
                Literal::new_simple_literal(*value),
                Literal::new_language_tagged_literal_unchecked(*value, "sv"),
                Literal::new_typed_literal(*value, x.clone()),
            ] {
                let text = literal(&literal_value).unwrap();
                assert_eq!(one_object(&text), Term::from(literal_value.clone()), "{text}");
                // An engine that decodes `\u` first still reads one literal, with the same value.
                let decoded = decode_u_escapes(&text);
                assert_eq!(one_object(&decoded), Term::from(literal_value), "{decoded}");
            }
        }
    }

    #[test]
    fn hostile_literals_stay_one_term_in_n_triples() {
        let triples: Vec<Triple> = HOSTILE
            .iter()
            .map(|v| {
                Triple::new(
                    NamedNode::new_unchecked("http://x/s"),
                    NamedNode::new_unchecked("http://x/p"),
                    Literal::new_simple_literal(*v),
                )
            })
            .collect();
        let text = n_triples(&triples).unwrap();
        let read: Vec<Triple> = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
            .for_slice(&text)
            .map(|q| Triple::from(q.unwrap()))
            .collect();
        assert_eq!(read, triples);
    }

    #[test]
    fn hostile_iris_are_refused_wherever_they_stand() {
        let ok = NamedNode::new_unchecked("http://x/ok");
        for bad in hostile_iris() {
            let node = NamedNode::new_unchecked(bad.clone());
            assert!(iri(&bad).is_err(), "{bad:?} accepted");
            let graph = Quad::new(ok.clone(), ok.clone(), ok.clone(), node.clone());
            let subject = Quad::new(node.clone(), ok.clone(), ok.clone(), ok.clone());
            let predicate = Quad::new(ok.clone(), node.clone(), ok.clone(), ok.clone());
            let object = Quad::new(ok.clone(), ok.clone(), node.clone(), ok.clone());
            let datatype = Quad::new(
                ok.clone(),
                ok.clone(),
                Literal::new_typed_literal("1", node.clone()),
                ok.clone(),
            );
            for q in [graph, subject, predicate, object, datatype] {
                assert!(quad_data(std::slice::from_ref(&q)).is_err(), "{bad:?} in {q}");
                assert!(n_triples(&[Triple::from(q.clone())]).is_err() || q.graph_name != ok.clone().into());
            }
        }
    }

    #[test]
    fn bad_language_tags_and_blank_nodes_are_refused() {
        for tag in ["sv\" } ; DROP ALL #", "", "sv-", "-sv", "s v", "sv\n"] {
            let l = Literal::new_language_tagged_literal_unchecked("x", tag);
            assert!(literal(&l).is_err(), "{tag:?}");
        }
        for id in ["a> ; DROP ALL", "", "-a", "a b", "a.b"] {
            assert!(term(&BlankNode::new_unchecked(id).into()).is_err(), "{id:?}");
        }
        assert_eq!(
            literal(&Literal::new_language_tagged_literal_unchecked("x", "sv-SE")).unwrap(),
            "\"x\"@sv-SE"
        );
        assert_eq!(
            term(&BlankNode::new_unchecked("b0_x-1").into()).unwrap(),
            "_:b0_x-1"
        );
    }

    #[test]
    fn query_text_keeps_its_strings_whole_where_u_escapes_are_decoded_first() {
        for value in HOSTILE {
            let query = format!(
                "SELECT * {{ ?s ?p {} }}",
                literal(&Literal::new_simple_literal(*value)).unwrap()
            );
            let canonical = SparqlParser::new().parse_query(&query).unwrap().to_string();
            let guarded = guard_u_escapes(&canonical);
            for text in [guarded.clone(), decode_u_escapes(&guarded)] {
                let read = SparqlParser::new()
                    .parse_query(&text)
                    .unwrap_or_else(|e| panic!("{e}: {text}"));
                assert_eq!(read.to_string(), canonical, "{text}");
            }
        }
    }

    #[test]
    fn good_iris_are_written_as_they_are() {
        for good in [
            "http://x/a",
            "https://exempel.se/id/härryda/sjö#geo",
            "mailto:registrator@harryda.se",
            "urn:datahamn:archive:http://x/v1",
            "http://x/a?b=c&d=%20e",
        ] {
            assert_eq!(iri(good).unwrap(), format!("<{good}>"));
        }
    }

    #[test]
    fn data_blocks_are_grouped_by_graph_and_parse_as_written() {
        let q = |s: &str, g: &str| {
            Quad::new(
                NamedNode::new_unchecked(format!("http://e/{s}")),
                NamedNode::new_unchecked("http://e/p"),
                Literal::new_simple_literal("a \"quoted\"\nline"),
                NamedNode::new_unchecked(format!("http://e/{g}")),
            )
        };
        let quads = [q("a", "g1"), q("b", "g2"), q("c", "g1")];
        let text = quad_data(&quads).unwrap();
        assert_eq!(text.matches("GRAPH").count(), 2);
        assert!(text.contains(r#""a \"quoted\"\nline""#), "{text}");
        let parsed = SparqlParser::new()
            .parse_update(&format!("INSERT DATA {{ {text} }}"))
            .unwrap();
        let spargebra::GraphUpdateOperation::InsertData { data } = &parsed.operations[0] else {
            panic!()
        };
        assert_eq!(data.len(), 3);
        // And as a DELETE template.
        let parsed = SparqlParser::new()
            .parse_update(&format!("DELETE {{ {text} }} WHERE {{}}"))
            .unwrap();
        let spargebra::GraphUpdateOperation::DeleteInsert { delete, .. } = &parsed.operations[0] else {
            panic!()
        };
        assert!(
            delete
                .iter()
                .all(|p: &GroundQuadPattern| p.graph_name.to_string().starts_with("<http://e/g"))
        );
    }
}
