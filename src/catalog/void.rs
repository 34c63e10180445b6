//! Discovery: the VoID description of the platform's data (`/.well-known/void`) and the SPARQL
//! service description (`GET /sparql` without a query). Pure: built from the dataset records
//! and the graphs queries see.

use crate::catalog::{DatasetRecord, lang};
use crate::vocab::{Iris, iri, ns};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Literal, NamedNode, Term, Triple};

const SD: &str = "http://www.w3.org/ns/sparql-service-description#";
const FORMATS: &str = "http://www.w3.org/ns/formats/";

fn add(out: &mut Vec<Triple>, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
    out.push(Triple::new(s.clone(), p, o.into()));
}

fn void(l: &str) -> NamedNode {
    iri(ns::VOID, l)
}

fn sd(l: &str) -> NamedNode {
    iri(SD, l)
}

/// The IRI of the platform's VoID dataset.
pub fn platform_dataset(iris: &Iris) -> NamedNode {
    NamedNode::new_unchecked(format!("{}/.well-known/void#datahamn", iris.base()))
}

/// The VoID description: the platform as one `void:Dataset` (SPARQL endpoint, dump, URI space,
/// vocabularies) with each published dataset as a subset (its dump, its items' URI space, how
/// many items it has).
pub fn void_description(iris: &Iris, records: &[&DatasetRecord]) -> Vec<Triple> {
    let base = iris.base();
    let mut out = Vec::new();
    let all = platform_dataset(iris);
    add(&mut out, &all, rdf::TYPE.into_owned(), void("Dataset"));
    add(
        &mut out,
        &all,
        iri(ns::DCT, "title"),
        lang("datahamn: öppna data från kommunerna", "sv"),
    );
    add(
        &mut out,
        &all,
        iri(ns::DCT, "title"),
        lang("datahamn: open data from the municipalities", "en"),
    );
    add(
        &mut out,
        &all,
        iri(ns::FOAF, "homepage"),
        NamedNode::new_unchecked(format!("{base}/")),
    );
    add(
        &mut out,
        &all,
        void("sparqlEndpoint"),
        NamedNode::new_unchecked(format!("{base}/sparql")),
    );
    add(
        &mut out,
        &all,
        void("dataDump"),
        NamedNode::new_unchecked(format!("{base}/dumps/all.nq.gz")),
    );
    add(
        &mut out,
        &all,
        void("uriSpace"),
        Literal::new_simple_literal(format!("{base}/")),
    );
    add(
        &mut out,
        &all,
        void("rootResource"),
        NamedNode::new_unchecked(format!("{base}/catalog")),
    );
    for vocabulary in [ns::SCHEMA, ns::GEO, ns::DCAT, ns::DCT, ns::CV] {
        add(
            &mut out,
            &all,
            void("vocabulary"),
            NamedNode::new_unchecked(vocabulary),
        );
    }
    add(
        &mut out,
        &all,
        void("vocabulary"),
        NamedNode::new_unchecked(iris.dh_namespace()),
    );
    let entities: u64 = records
        .iter()
        .filter_map(|r| r.current())
        .map(|v| v.item_count)
        .sum();
    add(
        &mut out,
        &all,
        void("entities"),
        Literal::new_typed_literal(entities.to_string(), xsd::INTEGER),
    );
    for r in records.iter().filter(|r| r.current().is_some()) {
        let id = &r.meta.id;
        let ds = iris.dataset(id);
        add(&mut out, &all, void("subset"), ds.clone());
        add(&mut out, &ds, rdf::TYPE.into_owned(), void("Dataset"));
        add(&mut out, &ds, iri(ns::DCT, "title"), lang(&r.meta.title.sv, "sv"));
        add(&mut out, &ds, iri(ns::DCT, "title"), lang(&r.meta.title.en, "en"));
        add(
            &mut out,
            &ds,
            void("sparqlEndpoint"),
            NamedNode::new_unchecked(format!("{base}/sparql")),
        );
        add(
            &mut out,
            &ds,
            void("dataDump"),
            NamedNode::new_unchecked(format!("{base}{}", super::NQUADS_DUMP.path(id))),
        );
        add(
            &mut out,
            &ds,
            void("uriSpace"),
            Literal::new_simple_literal(format!("{base}/id/{id}/")),
        );
        if let Some(v) = r.current() {
            add(
                &mut out,
                &ds,
                void("entities"),
                Literal::new_typed_literal(v.item_count.to_string(), xsd::INTEGER),
            );
        }
    }
    out
}

/// The SPARQL 1.1 service description of the endpoint: what it supports (with the extension
/// functions in `functions`), and its default dataset (the union of the graphs in `graphs`, each
/// also a named graph).
pub fn service_description(iris: &Iris, graphs: &[NamedNode], functions: &[NamedNode]) -> Vec<Triple> {
    let base = iris.base();
    let mut out = Vec::new();
    let service = NamedNode::new_unchecked(format!("{base}/sparql#service"));
    let endpoint = NamedNode::new_unchecked(format!("{base}/sparql"));
    add(&mut out, &service, rdf::TYPE.into_owned(), sd("Service"));
    add(&mut out, &service, sd("endpoint"), endpoint);
    add(&mut out, &service, sd("supportedLanguage"), sd("SPARQL11Query"));
    add(&mut out, &service, sd("feature"), sd("UnionDefaultGraph"));
    for function in functions {
        add(&mut out, &service, sd("extensionFunction"), function.clone());
        add(&mut out, function, rdf::TYPE.into_owned(), sd("Function"));
    }
    for format in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "JSON-LD",
    ] {
        add(
            &mut out,
            &service,
            sd("resultFormat"),
            NamedNode::new_unchecked(format!("{FORMATS}{format}")),
        );
    }
    let dataset = NamedNode::new_unchecked(format!("{base}/sparql#dataset"));
    add(&mut out, &service, sd("defaultDataset"), dataset.clone());
    add(&mut out, &dataset, rdf::TYPE.into_owned(), sd("Dataset"));
    add(
        &mut out,
        &dataset,
        iri(ns::DCT, "description"),
        lang(
            "The default graph is the union of every dataset's current version and the catalog; each is also a named graph.",
            "en",
        ),
    );
    let default_graph = NamedNode::new_unchecked(format!("{base}/sparql#default-graph"));
    add(&mut out, &dataset, sd("defaultGraph"), default_graph.clone());
    add(&mut out, &default_graph, rdf::TYPE.into_owned(), sd("Graph"));
    add(
        &mut out,
        &default_graph,
        void("sparqlEndpoint"),
        NamedNode::new_unchecked(format!("{base}/sparql")),
    );
    for (i, graph) in graphs.iter().enumerate() {
        let named = NamedNode::new_unchecked(format!("{base}/sparql#graph-{}", i + 1));
        add(&mut out, &dataset, sd("namedGraph"), named.clone());
        add(&mut out, &named, rdf::TYPE.into_owned(), sd("NamedGraph"));
        add(&mut out, &named, sd("name"), graph.clone());
    }
    add(
        &mut out,
        &service,
        iri(ns::RDFS, "seeAlso"),
        NamedNode::new_unchecked(format!("{base}/.well-known/void")),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_names_its_endpoint_and_every_graph() {
        let iris = Iris::new("http://example.org");
        let graphs = [iris.catalog_graph(), iris.version("d", 1)];
        let distance = NamedNode::new_unchecked("http://www.opengis.net/def/function/geosparql/distance");
        let triples = service_description(&iris, &graphs, std::slice::from_ref(&distance));
        let names: Vec<String> = triples
            .iter()
            .filter(|t| t.predicate == sd("name"))
            .map(|t| t.object.to_string())
            .collect();
        assert_eq!(names.len(), 2);
        assert!(
            triples
                .iter()
                .any(|t| t.predicate == sd("endpoint")
                    && t.object.to_string() == "<http://example.org/sparql>")
        );
        let functions: Vec<&Triple> = triples
            .iter()
            .filter(|t| t.predicate == sd("extensionFunction"))
            .collect();
        assert_eq!(functions.len(), 1);
        assert_eq!(functions[0].object, distance.clone().into());
        assert!(triples.iter().any(|t| t.subject == distance.clone().into()
            && t.predicate == rdf::TYPE
            && t.object == sd("Function").into()));
    }
}
