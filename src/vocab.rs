//! IRIs: the standard namespaces datahamn reuses, and the IRIs it mints under its base URL.
//!
//! Everything datahamn publishes is named here, so the IRI scheme is visible in one place:
//!
//! | what | IRI |
//! |---|---|
//! | our own vocabulary term | `{base}/def/{term}` |
//! | a profile | `{base}/def/profile/{id}` |
//! | a dataset | `{base}/dataset/{id}` |
//! | a dataset version, and the named graph holding its data | `{base}/dataset/{id}/version/{n}` |
//! | an item | `{base}/id/{dataset}/{local id}` |
//! | a municipality (the place) | `{base}/municipality/{code}` |
//! | an organisation (the publisher or authority) | `{base}/organisation/{id}` |
//! | platform metadata (catalog, versions, municipalities) | graph `{base}/graph/catalog` |

use oxigraph::model::NamedNode;

/// Standard namespaces, as used in profiles (`schema:name`) and in code.
pub mod ns {
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
    pub const SCHEMA: &str = "https://schema.org/";
    pub const DCT: &str = "http://purl.org/dc/terms/";
    pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
    pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
    pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
    pub const GEO: &str = "http://www.opengis.net/ont/geosparql#";
    pub const SF: &str = "http://www.opengis.net/ont/sf#";
    pub const VOID: &str = "http://rdfs.org/ns/void#";
    pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
    pub const CPSV: &str = "http://purl.org/vocab/cpsv#";
    pub const CV: &str = "http://data.europa.eu/m8g/";
    pub const ADMS: &str = "http://www.w3.org/ns/adms#";
    pub const PROV: &str = "http://www.w3.org/ns/prov#";
    pub const WIKIDATA_ENTITY: &str = "http://www.wikidata.org/entity/";
    pub const EU_LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
}

/// The prefixes profiles may use, with `dh` standing for our own namespace.
pub const PREFIXES: &[(&str, &str)] = &[
    ("rdf", ns::RDF),
    ("rdfs", ns::RDFS),
    ("xsd", ns::XSD),
    ("owl", ns::OWL),
    ("schema", ns::SCHEMA),
    ("dct", ns::DCT),
    ("dcat", ns::DCAT),
    ("foaf", ns::FOAF),
    ("vcard", ns::VCARD),
    ("geo", ns::GEO),
    ("void", ns::VOID),
    ("skos", ns::SKOS),
    ("cpsv", ns::CPSV),
    ("cv", ns::CV),
];

/// Builds a named node from a namespace and a local name.
///
/// Both parts come from this crate's constants or from already-validated identifiers, so the
/// result is a valid IRI.
pub fn iri(namespace: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{namespace}{local}"))
}

/// The IRIs datahamn mints under its base URL.
#[derive(Clone, Debug)]
pub struct Iris {
    base: String,
}

impl Iris {
    /// `base` is the public base URL, e.g. `http://127.0.0.1:8080`; a trailing `/` is dropped.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The namespace of our own vocabulary, `{base}/def/`.
    pub fn dh_namespace(&self) -> String {
        format!("{}/def/", self.base)
    }

    /// A term of our own vocabulary.
    pub fn dh(&self, term: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/def/{term}", self.base))
    }

    /// A profile.
    pub fn profile(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/def/profile/{id}", self.base))
    }

    /// A dataset.
    pub fn dataset(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/dataset/{id}", self.base))
    }

    /// A dataset version; also the name of the graph that holds the version's data.
    pub fn version(&self, dataset: &str, number: u64) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/dataset/{dataset}/version/{number}", self.base))
    }

    /// Parses a version IRI back into its dataset id and number.
    pub fn parse_version(&self, iri: &str) -> Option<(String, u64)> {
        let rest = iri.strip_prefix(&self.base)?.strip_prefix("/dataset/")?;
        let (dataset, number) = rest.split_once("/version/")?;
        Some((dataset.to_owned(), number.parse().ok()?))
    }

    /// An item. `local` must already be URI-safe (see [`crate::text::slug`]).
    pub fn item(&self, dataset: &str, local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/id/{dataset}/{local}", self.base))
    }

    /// A node that belongs to an item (its address, position, a facility): `{item}#{part}`.
    pub fn item_part(item: &NamedNode, part: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}#{part}", item.as_str()))
    }

    /// A municipality as a place.
    pub fn municipality(&self, code: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/municipality/{code}", self.base))
    }

    /// A county as a place.
    pub fn county(&self, code: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/county/{code}", self.base))
    }

    /// An organisation (municipality or agency) as a publisher or authority.
    pub fn organisation(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/organisation/{id}", self.base))
    }

    /// The graph that holds platform metadata.
    pub fn catalog_graph(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/graph/catalog", self.base))
    }

    /// The graph of the change feed: one resource per change of an item.
    pub fn changes_graph(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/graph/changes", self.base))
    }

    /// The change feed as a Linked Data Event Stream.
    pub fn event_stream(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/changes", self.base))
    }

    /// One change of the feed.
    pub fn change(&self, seq: u64) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/changes/{seq}", self.base))
    }

    /// The platform catalog.
    pub fn catalog(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/catalog", self.base))
    }

    /// Expands a compact IRI (`schema:name`, `dh:waterType`) or passes an absolute IRI through.
    pub fn expand(&self, curie: &str) -> Option<NamedNode> {
        if let Some((prefix, local)) = curie.split_once(':') {
            if prefix == "dh" {
                return Some(self.dh(local));
            }
            if let Some((_, ns)) = PREFIXES.iter().find(|(p, _)| *p == prefix) {
                return NamedNode::new(format!("{ns}{local}")).ok();
            }
            if prefix == "http" || prefix == "https" {
                return NamedNode::new(curie).ok();
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_compact_iris() {
        let iris = Iris::new("http://example.org/");
        assert_eq!(
            iris.expand("schema:name").unwrap().as_str(),
            "https://schema.org/name"
        );
        assert_eq!(
            iris.expand("dh:waterType").unwrap().as_str(),
            "http://example.org/def/waterType"
        );
        assert!(iris.expand("nope:x").is_none());
        assert!(iris.expand("plain").is_none());
    }

    #[test]
    fn version_iris_round_trip() {
        let iris = Iris::new("http://example.org");
        let v = iris.version("harryda-badplatser", 12);
        assert_eq!(
            iris.parse_version(v.as_str()),
            Some(("harryda-badplatser".to_owned(), 12))
        );
        assert_eq!(iris.parse_version("http://other/dataset/x/version/1"), None);
    }
}
