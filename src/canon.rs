//! Canonical RDF: RDFC-1.0 canonical N-Quads of a set of quads, through sophia.
//!
//! The one place where sophia's term model meets oxigraph's: quads cross as N-Quads text, so
//! the two models never share a signature. Used to compare RDF by meaning rather than by
//! serialisation (the golden mapping fixtures).

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Quad;
use sophia::api::prelude::*;
use sophia::api::quad::Spog;
use sophia::api::term::SimpleTerm;
use std::collections::HashSet;

/// Why canonicalisation failed.
#[derive(Debug, thiserror::Error)]
#[error("canonicalisation failed: {0}")]
pub struct CanonError(String);

/// N-Quads text of oxigraph quads, in input order.
pub fn to_nquads(quads: &[Quad]) -> String {
    let mut writer = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(Vec::new());
    for q in quads {
        if writer.serialize_quad(q).is_err() {
            break;
        }
    }
    String::from_utf8(writer.finish().unwrap_or_default()).unwrap_or_default()
}

/// The RDFC-1.0 canonical N-Quads of N-Quads text: one line per quad, sorted, blank nodes
/// relabelled canonically.
pub fn canonicalize_nquads(nquads: &str) -> Result<String, CanonError> {
    let dataset: HashSet<Spog<SimpleTerm<'static>>> = sophia::turtle::parser::nq::parse_str(nquads)
        .collect_quads()
        .map_err(|e| CanonError(e.to_string()))?;
    let mut out = Vec::new();
    sophia::c14n::rdfc10::normalize(&dataset, &mut out).map_err(|e| CanonError(e.to_string()))?;
    String::from_utf8(out).map_err(|e| CanonError(e.to_string()))
}

/// The canonical N-Quads of oxigraph quads.
pub fn canonicalize(quads: &[Quad]) -> Result<String, CanonError> {
    canonicalize_nquads(&to_nquads(quads))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_blank_labels_do_not_matter() {
        let a = "_:x <http://e/p> \"1\" <http://e/g> .\n<http://e/s> <http://e/p> _:x <http://e/g> .\n";
        let b =
            "<http://e/s> <http://e/p> _:other <http://e/g> .\n_:other <http://e/p> \"1\" <http://e/g> .\n";
        assert_eq!(canonicalize_nquads(a).unwrap(), canonicalize_nquads(b).unwrap());
        let c = "<http://e/s> <http://e/p> _:y <http://e/g> .\n_:y <http://e/p> \"2\" <http://e/g> .\n";
        assert_ne!(canonicalize_nquads(a).unwrap(), canonicalize_nquads(c).unwrap());
    }
}
