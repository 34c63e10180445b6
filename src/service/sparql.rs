//! SPARQL over the published graphs: checking that a request is a query (never an update),
//! choosing the dataset it sees, running it in the store and serialising the results.

use super::Platform;
use crate::error::{ApiError, Code};
use crate::store::{QueryError, QueryScope};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::NamedNode;
use oxigraph::sparql::QueryResults;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use spargebra::SparqlParser;

/// The form of a query, which decides the formats its results can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryForm {
    Select,
    Ask,
    Construct,
    Describe,
}

impl QueryForm {
    /// Media types the results can be serialised to, preferred first.
    pub fn media_types(self) -> &'static [&'static str] {
        match self {
            QueryForm::Select => &[
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
                "application/json",
            ],
            QueryForm::Ask => &[
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "application/json",
            ],
            QueryForm::Construct | QueryForm::Describe => &[
                "text/turtle",
                "application/n-triples",
                "application/rdf+xml",
                "application/ld+json",
            ],
        }
    }
}

/// A checked SPARQL request.
#[derive(Clone, Debug)]
pub struct SparqlRequest {
    pub query: String,
    pub form: QueryForm,
    pub scope: QueryScope,
}

fn graph_iris(param: &str, iris: &[String]) -> Result<Vec<NamedNode>, ApiError> {
    iris.iter()
        .map(|i| {
            NamedNode::new(i).map_err(|e| ApiError::parameter(param, format!("`{i}` is not an IRI: {e}")))
        })
        .collect()
}

impl Platform {
    /// Checks a query and fixes the graphs it sees. `default_graph_uri` and `named_graph_uri`
    /// are the SPARQL protocol parameters; without them the default graph is the union of every
    /// published dataset and the catalog, and each of those is a named graph.
    pub fn sparql_request(
        &self,
        query: &str,
        default_graph_uri: &[String],
        named_graph_uri: &[String],
    ) -> Result<SparqlRequest, ApiError> {
        let form = match SparqlParser::new().parse_query(query) {
            Ok(spargebra::Query::Select { .. }) => QueryForm::Select,
            Ok(spargebra::Query::Ask { .. }) => QueryForm::Ask,
            Ok(spargebra::Query::Construct { .. }) => QueryForm::Construct,
            Ok(spargebra::Query::Describe { .. }) => QueryForm::Describe,
            Err(e) => {
                if SparqlParser::new().parse_update(query).is_ok() {
                    return Err(ApiError::new(
                        Code::SparqlUpdateNotAllowed,
                        "This endpoint is read-only: SPARQL updates are refused and nothing was changed. Data is published by uploading CSV files.",
                    ));
                }
                return Err(ApiError::new(
                    Code::SparqlSyntax,
                    format!("The query is not valid SPARQL: {e}"),
                ));
            }
        };
        let mut scope = self.query_scope();
        if !default_graph_uri.is_empty() || !named_graph_uri.is_empty() {
            scope = QueryScope {
                default_graphs: graph_iris("default-graph-uri", default_graph_uri)?,
                named_graphs: graph_iris("named-graph-uri", named_graph_uri)?,
            };
        }
        Ok(SparqlRequest {
            query: query.to_owned(),
            form,
            scope,
        })
    }

    /// Runs a checked query and serialises its results as `media_type` (one of
    /// [`QueryForm::media_types`]). Blocking: call it off the async runtime.
    pub fn sparql_execute(&self, request: &SparqlRequest, media_type: &str) -> Result<Vec<u8>, ApiError> {
        let base = format!("{}/", self.iris().base());
        let results = self
            .store()
            .query(&request.query, &request.scope, Some(&base), None)
            .map_err(|e| match e {
                QueryError::Syntax(e) => {
                    ApiError::new(Code::SparqlSyntax, format!("The query is not valid SPARQL: {e}"))
                }
                QueryError::Evaluation(e) => ApiError::new(
                    Code::SparqlEvaluation,
                    format!("The query could not be evaluated: {e}"),
                ),
            })?;
        let failed = |e: &dyn std::error::Error| {
            ApiError::new(
                Code::SparqlEvaluation,
                format!("The query failed while producing results: {e}"),
            )
        };
        match results {
            QueryResults::Boolean(value) => {
                let format = results_format(media_type);
                QueryResultsSerializer::from_format(format)
                    .serialize_boolean_to_writer(Vec::new(), value)
                    .map_err(|e| failed(&e))
            }
            QueryResults::Solutions(solutions) => {
                let format = results_format(media_type);
                let mut writer = QueryResultsSerializer::from_format(format)
                    .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                    .map_err(|e| failed(&e))?;
                for solution in solutions {
                    let solution = solution.map_err(|e| failed(&e))?;
                    writer.serialize(&solution).map_err(|e| failed(&e))?;
                }
                writer.finish().map_err(|e| failed(&e))
            }
            QueryResults::Graph(triples) => {
                let format = RdfFormat::from_media_type(media_type).unwrap_or(RdfFormat::Turtle);
                let mut serializer = RdfSerializer::from_format(format);
                for (prefix, ns) in crate::vocab::PREFIXES {
                    serializer = serializer.with_prefix(*prefix, *ns).map_err(|e| failed(&e))?;
                }
                let mut writer = serializer.for_writer(Vec::new());
                for triple in triples {
                    let triple = triple.map_err(|e| failed(&e))?;
                    writer.serialize_triple(&triple).map_err(|e| failed(&e))?;
                }
                writer.finish().map_err(|e| failed(&e))
            }
        }
    }
}

fn results_format(media_type: &str) -> QueryResultsFormat {
    match media_type {
        "application/sparql-results+xml" => QueryResultsFormat::Xml,
        "text/csv" => QueryResultsFormat::Csv,
        "text/tab-separated-values" => QueryResultsFormat::Tsv,
        _ => QueryResultsFormat::Json,
    }
}
