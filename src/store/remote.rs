//! The remote backend: a SPARQL engine reached through the SPARQL 1.1 Protocol (queries and
//! updates) and, when configured, the Graph Store HTTP Protocol (bulk loads and whole-graph
//! reads). Tested against oxigraph's server and Virtuoso Open Source.
//!
//! How the embedded store's promises hold on an engine that has no multi-request transactions:
//!
//! - **Atomic loads.** A graph that is empty when a load starts (a new version) is streamed
//!   straight into its final name: no reader asks for it until the dataset's pointer names it,
//!   and that is a separate, one-request update after the commit. Quads for a graph that already
//!   holds data (the catalog, the change feed) wait in memory and land in one `INSERT DATA`; a
//!   large batch of them is first loaded into a staging graph, and the commit is one update that
//!   adds each staging graph to its target and drops it. An interrupted load leaves only graphs
//!   no reader asks for (a version without a record, staging graphs); the writer's recovery
//!   ([`Remote::recover`], and the platform's, which drops versions without a record) removes
//!   them. Opening the store repairs nothing: another process may be the writer, mid-load.
//! - **A lost answer to a commit** (a timeout, a connection cut after the request left) does not
//!   mean the commit failed. The commit's last operation also writes a marker graph
//!   (`urn:datahamn:commit:…`); when the answer is lost, the marker is looked up and, if absent,
//!   the same idempotent update is sent again. When neither settles it, the load fails with its
//!   outcome unknown and nothing is cleaned up: what the engine may have committed stays, for the
//!   writer's recovery to judge by the records. Only a commit known not to have been applied (the
//!   engine refused it, or it never left) drops what the load wrote.
//! - **Readers never see a graph half dropped** by this process: views hold the same read lock
//!   the embedded store uses, and dropping a graph waits for them.
//! - **The archive** is a second name per retired graph (`urn:datahamn:archive:` and the graph's
//!   name), which no query can reach: see below.
//! - **Queries** name their graphs in `FROM` and `FROM NAMED`: the scope's, or those the query
//!   (or the protocol's `default-graph-uri`/`named-graph-uri`) names within the scope, anything
//!   else being left out (`QueryScope`), so the archive, staging graphs, markers and whatever
//!   else the engine holds are never in a query's dataset. They are sent as form-encoded POSTs,
//!   and their results are parsed back, streamed. `SERVICE` is refused, since the engine might
//!   call out to any host, and so are functions named by IRI other than XSD casts and
//!   GeoSPARQL's ([`CALLABLE`]): an engine's own (Virtuoso's `bif:` and `sql:`) reach past any
//!   dataset. The text sent is spargebra's canonical form, with `\u` guarded (see
//!   [`terms::guard_u_escapes`]).
//! - **Update text** is built only by [`terms`]: every IRI checked, every literal escaped, so
//!   no value a caller passes can leave its position.

use super::client::{Client, Credentials, Response, SendFailure};
use super::terms::{self, named, quad_data};
use super::{QueryError, QueryScope, StoreError};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, NamedNode, Quad, Term, Triple};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput};
use oxigraph::sparql::{
    CancellationToken, QueryEvaluationError, QueryResults, QuerySolutionIter, QueryTripleIter,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

/// Where the engine is and how to reach it.
#[derive(Clone, Debug)]
pub struct RemoteConfig {
    /// The SPARQL 1.1 Protocol query endpoint.
    pub query_url: String,
    /// The update endpoint; the query endpoint when `None`.
    pub update_url: Option<String>,
    /// The Graph Store HTTP Protocol endpoint (`?graph=` is appended); without it, loads are
    /// `INSERT DATA` requests and graphs are read with `CONSTRUCT`.
    pub gsp_url: Option<String>,
    /// Sent when the engine asks (HTTP Basic or Digest).
    pub credentials: Option<Credentials>,
    /// How long to wait for an answer to start.
    pub timeout: Duration,
}

/// Prefix of the names under which retired graphs are kept.
const ARCHIVE_PREFIX: &str = "urn:datahamn:archive:";
/// Prefix of staging graphs (see the module docs).
const STAGING_PREFIX: &str = "urn:datahamn:staging:";
/// Prefix of commit markers (see [`AtomicLoad::commit`]).
const COMMIT_PREFIX: &str = "urn:datahamn:commit:";
/// The marker's predicate.
const COMMITTED: &str = "urn:datahamn:committed";
/// How long to wait between looks for a commit's marker while the engine does not answer.
const SETTLE_WAITS: &[Duration] = &[
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(3),
];
/// Triples per Graph Store Protocol upload.
const GSP_CHUNK: usize = 50_000;
/// Triples per `INSERT DATA` request, when there is no Graph Store endpoint. Virtuoso's SPARQL
/// compiler runs out of memory a little under 5,000 lines.
const INSERT_CHUNK: usize = 2_000;
/// Quads for graphs that hold data already, kept in memory until the commit (one `INSERT
/// DATA`); past it they go to staging graphs.
const PENDING_MAX: usize = 2_000;
/// Subjects per request when describing resources.
const DESCRIBE_BATCH: usize = 200;

pub(super) struct Remote {
    client: Client,
    config: RemoteConfig,
    writer: Mutex<()>,
    /// Views hold it for reading; dropping a graph takes it for writing (see the module docs).
    readers: RwLock<()>,
}

fn archive_name(graph: &NamedNode) -> NamedNode {
    NamedNode::new_unchecked(format!("{ARCHIVE_PREFIX}{}", graph.as_str()))
}

fn remote_error(what: &str, response: Response) -> StoreError {
    let status = response.status;
    StoreError::Remote(format!(
        "{what}: the engine answered {status}: {}",
        response.excerpt()
    ))
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The media type of a `Content-Type` header, without parameters, lower-cased.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn rdf_format(content_type: &str) -> RdfFormat {
    match media_type(content_type).as_str() {
        // Some engines label N-Triples as plain text.
        "text/plain" | "" => RdfFormat::NTriples,
        m => RdfFormat::from_media_type(m).unwrap_or(RdfFormat::NTriples),
    }
}

/// Virtuoso's own datatype for the geometries it parsed from `geo:wktLiteral` values.
const VIRTUOSO_GEOMETRY: &str = "http://www.openlinksw.com/schemas/virtrdf#Geometry";
const WKT_LITERAL: &str = "http://www.opengis.net/ont/geosparql#wktLiteral";

/// A term as it was stored: engines that retype values on the way in are undone here.
fn as_stored(term: Term) -> Term {
    match term {
        // Virtuoso answers booleans as 1 and 0 in SPARQL results.
        Term::Literal(l)
            if l.datatype() == oxigraph::model::vocab::xsd::BOOLEAN && matches!(l.value(), "1" | "0") =>
        {
            Term::Literal(oxigraph::model::Literal::from(l.value() == "1"))
        }
        Term::Literal(l) if l.datatype().as_str() == VIRTUOSO_GEOMETRY => Term::Literal(
            oxigraph::model::Literal::new_typed_literal(l.value(), NamedNode::new_unchecked(WKT_LITERAL)),
        ),
        t => t,
    }
}

fn triple_as_stored(t: Triple) -> Triple {
    Triple::new(t.subject, t.predicate, as_stored(t.object))
}

fn solution_as_stored(s: oxigraph::sparql::QuerySolution) -> oxigraph::sparql::QuerySolution {
    let variables: std::sync::Arc<[oxigraph::sparql::Variable]> = s.variables().into();
    let values: Vec<Option<Term>> = s.values().iter().cloned().map(|v| v.map(as_stored)).collect();
    (variables, values).into()
}

fn evaluation(e: StoreError) -> QueryEvaluationError {
    QueryEvaluationError::Dataset(Box::new(e))
}

/// Just past the string literal whose opening `"` is at `i` in a canonical query.
fn past_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i + 1
}

/// Whether the `<` at `i` of a canonical query opens an IRI (the operators `<` and `<=` are
/// followed by a space or `=`).
fn opens_iri(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(i + 1)
        .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'=')
}

/// The index of the `>` closing the IRI opened at `i` (the end of the text if none does).
fn iri_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'>' {
        i += 1;
    }
    i
}

/// Whether a query (in spargebra's canonical form) has a `SERVICE` pattern. The canonical form
/// quotes every literal with `"` and writes IRIs as `<…>` without spaces, while the operator
/// `<` is followed by a space, so skipping both leaves only keywords and variables.
pub(super) fn calls_service(canonical: &str) -> bool {
    let bytes = canonical.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = past_string(bytes, i),
            b'<' if opens_iri(bytes, i) => i = iri_end(bytes, i) + 1,
            b'?' | b'$' => {
                // A variable may be called ?service.
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &canonical[start..i];
                // A prefixed name's local part (`ex:service`) is not a keyword.
                let prefixed = bytes.get(i) == Some(&b':') || (start > 0 && bytes[start - 1] == b':');
                if !prefixed && word.eq_ignore_ascii_case("SERVICE") {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

/// Namespaces of the functions a query may call on an engine, besides SPARQL 1.1's built-ins:
/// XSD casts and GeoSPARQL's functions. An engine's own functions (Virtuoso's `bif:` and
/// `sql:`, which reach its SQL layer and every graph it holds) are refused.
const CALLABLE: &[&str] = &[
    "http://www.w3.org/2001/XMLSchema#",
    "http://www.opengis.net/def/function/geosparql/",
];

/// The first function a query (in spargebra's canonical form, where a call of a function named
/// by an IRI is written `<iri>(`) calls outside [`CALLABLE`], if any.
pub(super) fn engine_function(canonical: &str) -> Option<&str> {
    let bytes = canonical.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = past_string(bytes, i),
            b'<' if opens_iri(bytes, i) => {
                let start = i + 1;
                i = iri_end(bytes, i);
                let iri = &canonical[start..i.min(bytes.len())];
                i += 1;
                if bytes.get(i) == Some(&b'(') && !CALLABLE.iter().any(|ns| iri.starts_with(ns)) {
                    return Some(iri);
                }
            }
            _ => i += 1,
        }
    }
    None
}

impl Remote {
    /// Connects to the engine: a trivial query must answer.
    pub fn open(config: RemoteConfig) -> Result<Self, StoreError> {
        let remote = Self {
            client: Client::new(config.credentials.clone(), config.timeout),
            config,
            writer: Mutex::new(()),
            readers: RwLock::new(()),
        };
        remote.ask("ASK { ?s ?p ?o }")?;
        Ok(remote)
    }

    /// The writer's repairs after a crash: drops the staging graphs of loads that never
    /// committed and the markers of commits that did (see [`AtomicLoad::commit`]). Only the
    /// writer calls it: another process's staging graph may belong to a load in progress.
    pub fn recover(&self) -> Result<(), StoreError> {
        let _guard = self.writer();
        for prefix in [STAGING_PREFIX, COMMIT_PREFIX] {
            for graph in self.graph_names(Some(prefix))? {
                self.run_update(&format!("DROP SILENT GRAPH {}", named(&graph)?))?;
            }
        }
        Ok(())
    }

    fn update_url(&self) -> &str {
        self.config
            .update_url
            .as_deref()
            .unwrap_or(&self.config.query_url)
    }

    /// Sends a query as a form-encoded POST: the form every engine reads, however long the
    /// query (Virtuoso never answers `application/sparql-query` bodies, and cuts long URLs).
    /// Graphs are named in the query itself, never as protocol parameters (Virtuoso echoes each
    /// as a response header).
    fn post_query(&self, query: &str, accept: &str) -> Result<Response, StoreError> {
        let body = form(&[("query", query)]);
        let response = self.client.send(
            "POST",
            &self.config.query_url,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", accept),
            ],
            body.as_bytes(),
        )?;
        if response.status >= 300 {
            return Err(remote_error("query", response));
        }
        if let Some(reason) = &response.partial {
            return Err(StoreError::Remote(format!(
                "the engine answered with partial results ({reason}); raise its result and time limits"
            )));
        }
        Ok(response)
    }

    fn results(&self, query: &str) -> Result<QueryResults<'static>, StoreError> {
        let response = self.post_query(query, "application/sparql-results+json")?;
        parse_results(response).map_err(|e| StoreError::Remote(e.to_string()))
    }

    fn ask(&self, query: &str) -> Result<bool, StoreError> {
        match self.results(query)? {
            QueryResults::Boolean(b) => Ok(b),
            _ => Err(StoreError::Remote(format!("not a boolean answer to {query}"))),
        }
    }

    fn select(&self, query: &str) -> Result<Vec<Vec<Option<Term>>>, StoreError> {
        let QueryResults::Solutions(solutions) = self.results(query)? else {
            return Err(StoreError::Remote(format!("not a table answer to {query}")));
        };
        let variables = solutions.variables().to_vec();
        solutions
            .map(|s| {
                let s = s.map_err(|e| StoreError::Remote(e.to_string()))?;
                Ok(variables
                    .iter()
                    .map(|v| s.get(v).cloned().map(as_stored))
                    .collect())
            })
            .collect()
    }

    fn run_update(&self, update: &str) -> Result<(), StoreError> {
        Ok(self.try_update(update)?)
    }

    /// Sends an update. A failure says whether the engine may have applied it: a request lost
    /// on the way back, or a gateway's 502 or 504, may hide an update the engine applied.
    fn try_update(&self, update: &str) -> Result<(), SendFailure> {
        let response = self.client.send(
            "POST",
            self.update_url(),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form(&[("update", update)]).as_bytes(),
        )?;
        if response.status >= 300 {
            return Err(SendFailure {
                maybe_delivered: matches!(response.status, 502 | 504),
                error: remote_error("update", response),
            });
        }
        Ok(())
    }

    /// Adds triples to a graph: a Graph Store Protocol POST, or `INSERT DATA` requests.
    fn upload(&self, graph: &NamedNode, triples: &[Triple]) -> Result<(), StoreError> {
        if triples.is_empty() {
            return Ok(());
        }
        match &self.config.gsp_url {
            Some(gsp) => {
                for chunk in triples.chunks(GSP_CHUNK) {
                    let url = format!("{gsp}?{}", form(&[("graph", graph.as_str())]));
                    let response = self.client.send(
                        "POST",
                        &url,
                        &[("Content-Type", "application/n-triples")],
                        &terms::n_triples(chunk)?,
                    )?;
                    if response.status >= 300 {
                        return Err(remote_error("graph store upload", response));
                    }
                }
            }
            None => {
                for chunk in triples.chunks(INSERT_CHUNK) {
                    let quads: Vec<Quad> = chunk.iter().map(|t| t.clone().in_graph(graph.clone())).collect();
                    self.run_update(&format!("INSERT DATA {{\n{}}}", quad_data(&quads)?))?;
                }
            }
        }
        Ok(())
    }

    /// The names of named graphs holding data, optionally only those with a prefix.
    fn graph_names(&self, prefix: Option<&str>) -> Result<Vec<NamedNode>, StoreError> {
        let filter = prefix
            .map(|p| {
                Ok::<_, StoreError>(format!(
                    "FILTER(STRSTARTS(STR(?g), {}))",
                    terms::literal(&oxigraph::model::Literal::new_simple_literal(p))?
                ))
            })
            .transpose()?
            .unwrap_or_default();
        let rows = self.select(&format!(
            "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {filter} }}"
        ))?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match r.into_iter().next().flatten() {
                Some(Term::NamedNode(n)) => Some(n),
                _ => None,
            })
            .collect())
    }

    fn writer(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until every view opened so far is closed.
    fn barrier(&self) {
        drop(self.readers.write().unwrap_or_else(PoisonError::into_inner));
    }

    pub fn view(&self) -> View<'_> {
        View {
            remote: self,
            _guard: self.readers.read().unwrap_or_else(PoisonError::into_inner),
        }
    }

    pub fn graph_is_empty(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        Ok(!self.ask(&format!("ASK {{ GRAPH {} {{ ?s ?p ?o }} }}", named(graph)?))?)
    }

    /// Opens the reading of a whole graph (its triples, streamed).
    fn open_graph(&self, graph: &NamedNode) -> Result<GraphStream, StoreError> {
        let accept = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5";
        let response = match &self.config.gsp_url {
            Some(gsp) => {
                let url = format!("{gsp}?{}", form(&[("graph", graph.as_str())]));
                let response = self.client.send("GET", &url, &[("Accept", accept)], &[])?;
                if response.status == 404 {
                    // The protocol's answer for a graph that does not exist: nothing in it.
                    return Ok(GraphStream::empty());
                }
                if response.status >= 300 {
                    return Err(remote_error("graph store read", response));
                }
                response
            }
            None => self.post_query(
                &format!(
                    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {} {{ ?s ?p ?o }} }}",
                    named(graph)?
                ),
                accept,
            )?,
        };
        Ok(GraphStream::new(response, graph.clone()))
    }

    pub fn graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        self.open_graph(graph)?.collect()
    }

    pub fn any_graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        let quads = self.graph_quads(graph)?;
        if quads.is_empty() {
            return Ok(self
                .graph_quads(&archive_name(graph))?
                .into_iter()
                .map(|q| Quad::new(q.subject, q.predicate, q.object, graph.clone()))
                .collect());
        }
        Ok(quads)
    }

    pub fn begin_load(&self) -> AtomicLoad<'_> {
        AtomicLoad {
            remote: self,
            _guard: self.writer(),
            targets: HashMap::new(),
            direct: HashMap::new(),
            pending: Vec::new(),
            staged: HashMap::new(),
            last_touched: HashMap::new(),
            adds: 0,
            committed: false,
            outcome_unknown: false,
        }
    }

    pub fn replace(
        &self,
        graph: &NamedNode,
        remove: &[(NamedNode, NamedNode)],
        inserts: &[Quad],
    ) -> Result<(), StoreError> {
        let _guard = self.writer();
        if remove.is_empty() && inserts.is_empty() {
            return Ok(());
        }
        // One operation, so engines that run each operation of a request on its own (Virtuoso)
        // still switch a pointer at once.
        let pairs = remove
            .iter()
            .map(|(s, p)| Ok(format!("({} {})", named(s)?, named(p)?)))
            .collect::<Result<Vec<String>, StoreError>>()?;
        let graph = named(graph)?;
        let update = format!(
            "DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }}\nINSERT {{\n{}}}\nWHERE {{ OPTIONAL {{ VALUES (?s ?p) {{ {} }} GRAPH {graph} {{ ?s ?p ?o }} }} }}",
            quad_data(inserts)?,
            pairs.join(" ")
        );
        self.run_update(&update)
    }

    pub fn update(&self, remove: &[Quad], insert: &[Quad]) -> Result<(), StoreError> {
        let _guard = self.writer();
        if remove.is_empty() && insert.is_empty() {
            return Ok(());
        }
        // One operation (see `replace`).
        self.run_update(&format!(
            "DELETE {{\n{}}}\nINSERT {{\n{}}}\nWHERE {{}}",
            quad_data(remove)?,
            quad_data(insert)?
        ))
    }

    pub fn retire(&self, graph: &NamedNode) -> Result<(), StoreError> {
        self.barrier();
        let _guard = self.writer();
        // `ADD` is idempotent: after an interrupted retirement, retiring again finishes it.
        let archive = named(&archive_name(graph))?;
        let graph = named(graph)?;
        self.run_update(&format!(
            "ADD SILENT GRAPH {graph} TO GRAPH {archive} ;\nDROP SILENT GRAPH {graph}"
        ))
    }

    pub fn drop_graph(&self, graph: &NamedNode) -> Result<(), StoreError> {
        self.barrier();
        let _guard = self.writer();
        self.run_update(&format!("DROP SILENT GRAPH {}", named(graph)?))
    }

    pub fn named_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        Ok(self
            .graph_names(None)?
            .into_iter()
            .filter(|g| !g.as_str().starts_with("urn:datahamn:"))
            .collect())
    }

    pub fn is_archived(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        Ok(!self.graph_is_empty(&archive_name(graph))?)
    }

    pub fn contains(&self, quad: &Quad) -> Result<bool, StoreError> {
        let (GraphName::NamedNode(g), oxigraph::model::NamedOrBlankNode::NamedNode(s)) =
            (&quad.graph_name, &quad.subject)
        else {
            return Ok(false);
        };
        // Compared here rather than in the engine: Virtuoso refuses some typed constants (a
        // `geo:wktLiteral`) in a pattern.
        Ok(self.objects(s, &quad.predicate, g)?.contains(&quad.object))
    }

    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        let mut out = Vec::new();
        let mut seen: HashSet<NamedNode> = resources.iter().cloned().collect();
        // Each subject with the prefix of its own nodes (`{resource}#…`).
        let mut todo: Vec<(NamedNode, String)> = resources
            .iter()
            .map(|r| (r.clone(), format!("{}#", r.as_str())))
            .collect();
        while !todo.is_empty() {
            let batch: Vec<(NamedNode, String)> = todo.drain(..todo.len().min(DESCRIBE_BATCH)).collect();
            let values = batch
                .iter()
                .map(|(s, _)| named(s))
                .collect::<Result<Vec<String>, StoreError>>()?;
            let rows = self.select(&format!(
                "SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {} }} GRAPH {} {{ ?s ?p ?o }} }}",
                values.join(" "),
                named(graph)?
            ))?;
            let prefixes: HashMap<&NamedNode, &String> = batch.iter().map(|(s, p)| (s, p)).collect();
            for row in rows {
                let [Some(Term::NamedNode(s)), Some(Term::NamedNode(p)), Some(o)] =
                    <[Option<Term>; 3]>::try_from(row).unwrap_or([None, None, None])
                else {
                    continue;
                };
                if let (Term::NamedNode(node), Some(prefix)) = (&o, prefixes.get(&s))
                    && node.as_str().starts_with(prefix.as_str())
                    && seen.insert(node.clone())
                {
                    todo.push((node.clone(), (*prefix).clone()));
                }
                out.push(Quad::new(s, p, o, graph.clone()));
            }
        }
        Ok(out)
    }

    pub fn objects(
        &self,
        subject: &NamedNode,
        predicate: &NamedNode,
        graph: &NamedNode,
    ) -> Result<Vec<Term>, StoreError> {
        Ok(self
            .select(&format!(
                "SELECT ?o WHERE {{ GRAPH {} {{ {} {} ?o }} }}",
                named(graph)?,
                named(subject)?,
                named(predicate)?
            ))?
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }
}

/// Parses a SPARQL results document (JSON, XML, CSV or TSV, by its content type), streamed.
fn parse_results(response: Response) -> Result<QueryResults<'static>, QueryEvaluationError> {
    let format = QueryResultsFormat::from_media_type(&media_type(&response.content_type))
        .unwrap_or(QueryResultsFormat::Json);
    let output = QueryResultsParser::from_format(format)
        .for_reader(response.body.into_reader())
        .map_err(|e| QueryEvaluationError::Service(Box::new(e)))?;
    Ok(match output {
        ReaderQueryResultsParserOutput::Boolean(b) => QueryResults::Boolean(b),
        ReaderQueryResultsParserOutput::Solutions(s) => QueryResults::Solutions(QuerySolutionIter::from(s)),
    })
}

/// The triples of a graph as they arrive, as quads of that graph.
pub(super) struct GraphStream {
    triples: Box<dyn Iterator<Item = Result<Triple, StoreError>> + Send>,
    graph: NamedNode,
}

impl GraphStream {
    fn empty() -> Self {
        Self {
            triples: Box::new(std::iter::empty()),
            graph: NamedNode::new_unchecked("urn:datahamn:none"),
        }
    }

    fn new(response: Response, graph: NamedNode) -> Self {
        let parser = RdfParser::from_format(rdf_format(&response.content_type))
            .for_reader(response.body.into_reader())
            .map(|q| {
                q.map(|q| triple_as_stored(Triple::from(q)))
                    .map_err(|e| StoreError::Remote(format!("cannot read the engine's answer: {e}")))
            });
        Self {
            triples: Box::new(parser),
            graph,
        }
    }
}

impl Iterator for GraphStream {
    type Item = Result<Quad, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.triples
            .next()
            .map(|t| t.map(|t| t.in_graph(self.graph.clone())))
    }
}

/// A consistent read (see the module docs).
pub struct View<'a> {
    remote: &'a Remote,
    _guard: RwLockReadGuard<'a, ()>,
}

impl View<'_> {
    /// Every quad of some graphs. Every graph's reading is started now, while the view is held.
    pub fn stream_graphs(
        self,
        graphs: Vec<NamedNode>,
    ) -> Box<dyn Iterator<Item = Result<Quad, StoreError>> + Send> {
        let mut streams = Vec::with_capacity(graphs.len());
        for g in &graphs {
            match self.remote.open_graph(g) {
                Ok(s) => streams.push(s),
                Err(e) => return Box::new(std::iter::once(Err(e))),
            }
        }
        Box::new(streams.into_iter().flatten())
    }

    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        self.remote.describe(resources, graph)
    }

    pub fn query_parsed(
        self,
        query: spargebra::Query,
        scope: &QueryScope,
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, QueryError> {
        let mut query = query;
        let dataset = match &mut query {
            spargebra::Query::Select { dataset, .. }
            | spargebra::Query::Construct { dataset, .. }
            | spargebra::Query::Describe { dataset, .. }
            | spargebra::Query::Ask { dataset, .. } => dataset,
        };
        // The scope goes into the query as FROM and FROM NAMED, unless the query names its own
        // graphs; an empty list is a graph that does not exist, since an engine may read "none
        // given" as "every graph" (Virtuoso does, for GRAPH patterns, archive included).
        let mut chosen = dataset
            .take()
            .unwrap_or_else(|| spargebra::algebra::QueryDataset {
                default: scope.default_graphs.clone(),
                named: Some(scope.named_graphs.clone()),
            });
        let nothing = NamedNode::new_unchecked("urn:datahamn:no-graph");
        if chosen.default.is_empty() {
            chosen.default.push(nothing.clone());
        }
        match &mut chosen.named {
            Some(named) if !named.is_empty() => {}
            _ => chosen.named = Some(vec![nothing]),
        }
        *dataset = Some(chosen);
        let text = terms::guard_u_escapes(&query.to_string());
        if calls_service(&text) {
            return Err(QueryError::Evaluation(QueryEvaluationError::Unexpected(
                "SERVICE calls to other endpoints are not allowed".into(),
            )));
        }
        if let Some(function) = engine_function(&text) {
            return Err(QueryError::Evaluation(QueryEvaluationError::Unexpected(
                format!(
                    "the function <{function}> is not available here: besides SPARQL 1.1's own, only XSD casts and GeoSPARQL functions (geof:) are"
                )
                .into(),
            )));
        }
        let accept = match query {
            spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => {
                "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
            }
            _ => "application/sparql-results+json, application/sparql-results+xml;q=0.9",
        };
        let response = self
            .remote
            .post_query(&text, accept)
            .map_err(|e| QueryError::Evaluation(evaluation(e)))?;
        drop(self);
        let graph_form = !accept.starts_with("application/sparql-results");
        let results = if graph_form {
            let parser = RdfParser::from_format(rdf_format(&response.content_type))
                .for_reader(response.body.into_reader())
                .map(|q| {
                    q.map(|q| triple_as_stored(Triple::from(q)))
                        .map_err(|e| QueryEvaluationError::Service(Box::new(e)))
                });
            QueryResults::Graph(QueryTripleIter::new(parser))
        } else {
            match parse_results(response)? {
                QueryResults::Solutions(s) => {
                    let variables = s.variables().to_vec().into();
                    QueryResults::Solutions(QuerySolutionIter::new(
                        variables,
                        s.map(|r| r.map(solution_as_stored)),
                    ))
                }
                other => other,
            }
        };
        Ok(match (results, cancel) {
            (QueryResults::Solutions(s), Some(token)) => {
                let variables = s.variables().to_vec().into();
                QueryResults::Solutions(QuerySolutionIter::new(variables, Cancellable::new(s, token)))
            }
            (QueryResults::Graph(t), Some(token)) => {
                QueryResults::Graph(QueryTripleIter::new(Cancellable::new(t, token)))
            }
            (results, _) => results,
        })
    }
}

/// Stops a stream of results once its query is cancelled (the timeout).
struct Cancellable<I> {
    inner: I,
    token: CancellationToken,
    done: bool,
}

impl<I> Cancellable<I> {
    fn new(inner: I, token: CancellationToken) -> Self {
        Self {
            inner,
            token,
            done: false,
        }
    }
}

impl<T, I: Iterator<Item = Result<T, QueryEvaluationError>>> Iterator for Cancellable<I> {
    type Item = Result<T, QueryEvaluationError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.token.is_cancelled() {
            self.done = true;
            return Some(Err(QueryEvaluationError::Cancelled));
        }
        self.inner.next()
    }
}

/// Where a graph's quads go during a load.
enum Target {
    /// Empty when the load started: straight into it.
    Direct,
    /// Holds data: kept for the commit.
    Pending,
}

/// A load in progress (see the module docs).
pub struct AtomicLoad<'a> {
    remote: &'a Remote,
    _guard: MutexGuard<'a, ()>,
    targets: HashMap<NamedNode, Target>,
    /// Triples waiting to be uploaded into each empty graph.
    direct: HashMap<NamedNode, Vec<Triple>>,
    /// Quads for graphs that hold data, until the commit (or until they go to staging).
    pending: Vec<Quad>,
    /// Target graph → its staging graph, once pending quads overflowed.
    staged: HashMap<NamedNode, NamedNode>,
    /// Graphs with pending quads → when quads for them were last added (a count of adds).
    last_touched: HashMap<NamedNode, usize>,
    adds: usize,
    committed: bool,
    /// The commit was sent and its outcome could not be settled: nothing is dropped.
    outcome_unknown: bool,
}

impl AtomicLoad<'_> {
    pub fn add(&mut self, quads: impl IntoIterator<Item = Quad>) -> Result<(), StoreError> {
        for quad in quads {
            let GraphName::NamedNode(graph) = &quad.graph_name else {
                return Err(StoreError::Remote(
                    "the remote store keeps quads in named graphs only".into(),
                ));
            };
            if !self.targets.contains_key(graph) {
                let target = if self.remote.graph_is_empty(graph)? {
                    Target::Direct
                } else {
                    Target::Pending
                };
                self.targets.insert(graph.clone(), target);
            }
            match self.targets.get(graph) {
                Some(Target::Direct) => {
                    let graph = graph.clone();
                    let buffer = self.direct.entry(graph.clone()).or_default();
                    buffer.push(Triple::from(quad));
                    if buffer.len() >= GSP_CHUNK {
                        let chunk = std::mem::take(buffer);
                        self.remote.upload(&graph, &chunk)?;
                    }
                }
                _ => {
                    self.adds += 1;
                    self.last_touched.insert(graph.clone(), self.adds);
                    self.pending.push(quad);
                    if self.pending.len() >= PENDING_MAX {
                        self.stage()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves the pending quads into staging graphs.
    fn stage(&mut self) -> Result<(), StoreError> {
        let mut by_graph: HashMap<NamedNode, Vec<Triple>> = HashMap::new();
        for quad in std::mem::take(&mut self.pending) {
            if let GraphName::NamedNode(g) = quad.graph_name.clone() {
                by_graph.entry(g).or_default().push(Triple::from(quad));
            }
        }
        for (graph, triples) in by_graph {
            let staging = match self.staged.get(&graph) {
                Some(s) => s.clone(),
                None => {
                    let id = crate::text::random_hex(12).map_err(|e| StoreError::Remote(e.to_string()))?;
                    let s = NamedNode::new_unchecked(format!("{STAGING_PREFIX}{id}"));
                    self.staged.insert(graph.clone(), s.clone());
                    s
                }
            };
            self.remote.upload(&staging, &triples)?;
        }
        Ok(())
    }

    pub fn commit(mut self) -> Result<(), StoreError> {
        for (graph, triples) in std::mem::take(&mut self.direct) {
            self.remote.upload(&graph, &triples)?;
        }
        if !self.staged.is_empty() {
            self.stage()?;
        }
        // The marker: a graph of its own, written by the commit's last operation, so that a
        // commit whose answer is lost can be looked up (see `settle`).
        let id = crate::text::random_hex(12).map_err(|e| StoreError::Remote(e.to_string()))?;
        let marker = NamedNode::new_unchecked(format!("{COMMIT_PREFIX}{id}"));
        let marker_quad = Quad::new(
            marker.clone(),
            NamedNode::new_unchecked(COMMITTED),
            oxigraph::model::Literal::from(true),
            marker.clone(),
        );
        // The commit point: one update operation.
        let update = if self.staged.is_empty() {
            (!self.pending.is_empty())
                .then(|| {
                    let mut data = self.pending.clone();
                    data.push(marker_quad.clone());
                    quad_data(&data).map(|data| format!("INSERT DATA {{\n{data}}}"))
                })
                .transpose()?
        } else {
            // Everything pending went to staging above. One request copies each staging graph
            // into its target, the graph the load touched last at the end: one transaction on
            // engines that make a request one (oxigraph), in that order on those that run each
            // operation on its own (Virtuoso, which also cannot take the target graph from a
            // variable nor copy several graphs in one operation). The marker comes last.
            let mut order: Vec<&NamedNode> = self.staged.keys().collect();
            order.sort_by_key(|g| self.last_touched.get(*g).copied().unwrap_or(0));
            let mut operations = order
                .into_iter()
                .map(|target| {
                    Ok(format!(
                        "INSERT {{ GRAPH {} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {} {{ ?s ?p ?o }} }}",
                        named(target)?,
                        named(&self.staged[target])?
                    ))
                })
                .collect::<Result<Vec<String>, StoreError>>()?;
            operations.push(format!(
                "INSERT DATA {{\n{}}}",
                quad_data(std::slice::from_ref(&marker_quad))?
            ));
            Some(operations.join(" ;\n"))
        };
        if let Some(update) = update {
            match self.remote.try_update(&update) {
                Ok(()) => {}
                Err(failure) if failure.maybe_delivered => {
                    if !self.settle(&marker, &update, &failure.error) {
                        // Neither applied for certain nor refused: nothing is cleaned up (the
                        // engine may hold the commit); the writer's recovery settles it.
                        self.outcome_unknown = true;
                        return Err(StoreError::Unavailable(format!(
                            "the engine did not answer a commit, and whether it applied it is unknown: {}",
                            failure.error
                        )));
                    }
                }
                Err(failure) => return Err(failure.error),
            }
            if let Err(e) = self
                .remote
                .run_update(&format!("DROP SILENT GRAPH {}", named(&marker)?))
            {
                // Nothing reads a marker; one left behind is dropped by the writer's recovery.
                tracing::warn!(graph = %marker, error = %e, "cannot drop a commit marker");
            }
        }
        self.committed = true;
        for staging in self.staged.values() {
            // Nothing reads a staging graph; one left behind is dropped by the writer's recovery.
            if let Err(e) =
                named(staging).and_then(|g| self.remote.run_update(&format!("DROP SILENT GRAPH {g}")))
            {
                tracing::warn!(graph = %staging, error = %e, "cannot drop a staging graph");
            }
        }
        Ok(())
    }

    /// After a commit whose answer was lost: whether the engine applied it. Looks for the
    /// commit's marker (for a while, if the engine is unreachable); when it is not there, sends
    /// the same update again, which is idempotent (the same quads, without blank nodes, or the
    /// same staging graphs, which are kept until the commit is settled), so that an answer to
    /// it settles the commit either way.
    fn settle(&self, marker: &NamedNode, update: &str, lost: &StoreError) -> bool {
        tracing::warn!(error = %lost, "the answer to a commit was lost; looking it up");
        let applied = || -> Option<bool> {
            for wait in SETTLE_WAITS {
                match self.remote.graph_is_empty(marker) {
                    Ok(empty) => return Some(!empty),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot look up a commit yet");
                        std::thread::sleep(*wait);
                    }
                }
            }
            None
        };
        match applied() {
            Some(true) => return true,
            None => return false,
            Some(false) => {}
        }
        let blank = |q: &Quad| {
            matches!(q.subject, oxigraph::model::NamedOrBlankNode::BlankNode(_))
                || matches!(q.object, Term::BlankNode(_))
        };
        if self.pending.iter().any(blank) {
            return false;
        }
        match self.remote.try_update(update) {
            Ok(()) => true,
            Err(_) => applied() == Some(true),
        }
    }
}

impl Drop for AtomicLoad<'_> {
    fn drop(&mut self) {
        if self.committed || self.outcome_unknown {
            return;
        }
        // Abandoned: what went straight into empty graphs, and the staging graphs, go again.
        let graphs = self
            .targets
            .iter()
            .filter(|(_, t)| matches!(t, Target::Direct))
            .map(|(g, _)| g)
            .chain(self.staged.values());
        for graph in graphs {
            let dropped =
                named(graph).and_then(|g| self.remote.run_update(&format!("DROP SILENT GRAPH {g}")));
            if let Err(e) = dropped {
                tracing::warn!(graph = %graph, error = %e, "cannot drop the graph of an abandoned load");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_service_calls_outside_literals_and_iris() {
        let parse = |q: &str| spargebra::SparqlParser::new().parse_query(q).unwrap().to_string();
        assert!(calls_service(&parse(
            "SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }"
        )));
        assert!(calls_service(&parse(
            "SELECT * { ?a ?b ?c FILTER EXISTS { SERVICE SILENT <http://x/> { ?a ?b 1 } } }"
        )));
        assert!(calls_service(&parse(
            "SELECT * { VALUES ?e { <http://x/> } SERVICE ?e { ?s ?p ?o } }"
        )));
        assert!(!calls_service(&parse(
            "SELECT ?service { ?service <http://x/SERVICE> \"SERVICE { }\" FILTER(?service < 3) }"
        )));
        assert!(!calls_service(&parse(
            "PREFIX ex: <http://x/> SELECT * { ?s ex:service ?o }"
        )));
    }

    #[test]
    fn finds_engine_functions_outside_literals() {
        let parse = |q: &str| spargebra::SparqlParser::new().parse_query(q).unwrap().to_string();
        assert_eq!(
            engine_function(&parse(
                "PREFIX bif: <bif:> SELECT * { ?s ?p ?o FILTER(bif:contains(?o, 'x')) }"
            )),
            Some("bif:contains")
        );
        assert_eq!(
            engine_function(&parse("SELECT (<sql:exec>('x') AS ?x) {}")),
            Some("sql:exec")
        );
        assert_eq!(
            engine_function(&parse("SELECT * { ?s ?p ?o FILTER(<http://x/f>(?o)) }")),
            Some("http://x/f")
        );
        for allowed in [
            "SELECT (xsd:integer(?o) AS ?x) { ?s ?p ?o }",
            "PREFIX geof: <http://www.opengis.net/def/function/geosparql/> SELECT * { ?s ?p ?o FILTER(geof:sfWithin(?o, ?o)) }",
            "SELECT * { ?s <http://x/p> ?o FILTER(?o = \"<bif:x>(\") }",
            "SELECT * { <http://x/s> (<http://x/p>|<http://x/q>) ?o }",
            "SELECT * { VALUES (?a ?b) { (<http://x/a> <http://x/b>) } }",
        ] {
            let q = format!("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> {allowed}");
            assert_eq!(engine_function(&parse(&q)), None, "{q}");
        }
    }

    #[test]
    fn reads_n_triples_labelled_as_text() {
        assert_eq!(rdf_format("text/plain; charset=UTF-8"), RdfFormat::NTriples);
        assert_eq!(rdf_format("text/turtle"), RdfFormat::Turtle);
        assert_eq!(rdf_format("application/n-triples"), RdfFormat::NTriples);
    }
}
