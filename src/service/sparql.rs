//! SPARQL over the published graphs: checking that a request is a query (never an update)
//! within the parse limits ([`bounds`]), choosing the dataset it sees, running it and
//! serialising the results.
//!
//! Where a query runs: a [lookup](is_lookup), and every query of a remote store (which does the
//! work itself and honours cancellation), in this process; every other query of the embedded
//! store in a worker process ([`worker`]) that is killed at the deadline and has a memory limit,
//! once [`Platform::use_sparql_workers`] has set them up (`datahamn serve` does). Without
//! workers (an in-memory store in tests), queries run here, stopped at the deadline only when
//! they read from the store.

pub mod bounds;
pub mod worker;

use super::Platform;
use crate::error::{Code, ErrorCode};
use crate::store::{QueryError, QueryScope};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

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
    /// The query's text, as sent (a worker parses it again).
    pub text: String,
    /// The query, parsed once (against the base URL).
    pub query: spargebra::Query,
    pub form: QueryForm,
    /// The graphs given by `default-graph-uri` and `named-graph-uri`; `None`: everything
    /// published (chosen when the query runs).
    pub scope: Option<QueryScope>,
    /// Whether the query reads only what is said about a few named resources (see
    /// [`is_lookup`]) from the embedded store: cheaper to answer at once than to hand to
    /// another thread. Never for a remote store, whose answer may be slow in coming.
    pub lookup: bool,
}

/// Why a SPARQL request was refused or failed: what explains it, never how it is answered.
#[derive(Debug, thiserror::Error)]
pub enum SparqlError {
    /// A graph named by a protocol parameter is not an IRI.
    #[error("`{iri}` is not an IRI: {reason}")]
    NotAnIri {
        parameter: &'static str,
        iri: String,
        reason: String,
    },
    /// `max_concurrent` queries are running already.
    #[error("{max_concurrent} SPARQL queries are running")]
    Busy { max_concurrent: usize },
    /// Stopped at the deadline.
    #[error("the query ran longer than {} s", .0.as_secs_f64())]
    Timeout(Duration),
    /// Its worker ran out of memory.
    #[error("the query needed more than {memory_mb} MiB ({status})")]
    MemoryExceeded { memory_mb: u64, status: String },
    /// The server is stopping.
    #[error("the server is stopping")]
    ShuttingDown,
    /// No worker could be started or reached (logged).
    #[error("no SPARQL worker could take the query")]
    WorkerUnavailable,
    /// No snapshot of the store could be made for a worker (logged).
    #[error("the query could not be started")]
    NotStarted,
    /// A worker could not read its snapshot (logged).
    #[error("the query could not be run")]
    NotRun,
    #[error("{0}")]
    Syntax(String),
    #[error("{0}")]
    Evaluation(String),
    /// Evaluation failed while the results were written.
    #[error("{0}")]
    Results(String),
    /// The text is longer than the endpoint accepts: its length and the limit.
    #[error("the query is {0} bytes long (at most {1})")]
    TooLarge(usize, usize),
    /// Its brackets nest deeper than the limit.
    #[error("the query's brackets nest {0} levels deep (at most {1})")]
    TooNested(usize, usize),
    /// Its algebra nests deeper than the limit.
    #[error("the query nests {0} levels deep once parsed (at most {1})")]
    TooDeep(usize, usize),
    /// An update, which the endpoint refuses.
    #[error("SPARQL updates are refused")]
    Update,
    /// The remote store cannot be reached.
    #[error("the store cannot be reached: {0}")]
    StoreUnavailable(String),
    /// The store failed under the query.
    #[error("the store failed: {0}")]
    StoreFailed(String),
}

impl ErrorCode for SparqlError {
    fn error_code(&self) -> Code {
        match self {
            SparqlError::NotAnIri { .. } => Code::InvalidParameter,
            SparqlError::Busy { .. } | SparqlError::ShuttingDown | SparqlError::WorkerUnavailable => {
                Code::ServiceUnavailable
            }
            SparqlError::Timeout(_) => Code::QueryTimeout,
            SparqlError::MemoryExceeded { .. } => Code::QueryMemoryExceeded,
            SparqlError::NotStarted | SparqlError::NotRun => Code::Internal,
            SparqlError::Syntax(_) => Code::SparqlSyntax,
            SparqlError::Evaluation(_) | SparqlError::Results(_) => Code::SparqlEvaluation,
            SparqlError::TooLarge(..) => Code::SparqlQueryTooLarge,
            SparqlError::TooNested(..) | SparqlError::TooDeep(..) => Code::SparqlQueryTooDeep,
            SparqlError::Update => Code::SparqlUpdateNotAllowed,
            SparqlError::StoreUnavailable(_) => Code::ServiceUnavailable,
            SparqlError::StoreFailed(_) => Code::Internal,
        }
    }
}

fn graph_iris(parameter: &'static str, iris: &[String]) -> Result<Vec<NamedNode>, SparqlError> {
    iris.iter()
        .map(|i| {
            NamedNode::new(i).map_err(|e| SparqlError::NotAnIri {
                parameter,
                iri: i.clone(),
                reason: e.to_string(),
            })
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
    ) -> Result<SparqlRequest, SparqlError> {
        let base = format!("{}/", self.iris().base());
        let limits = self.sparql_limits.parse;
        let parsed = bounds::parse(query, Some(&base), limits).map_err(refusal)?;
        let form = match &parsed {
            spargebra::Query::Select { .. } => QueryForm::Select,
            spargebra::Query::Ask { .. } => QueryForm::Ask,
            spargebra::Query::Construct { .. } => QueryForm::Construct,
            spargebra::Query::Describe { .. } => QueryForm::Describe,
        };
        let mut scope = None;
        if !default_graph_uri.is_empty() || !named_graph_uri.is_empty() {
            scope = Some(QueryScope {
                default_graphs: graph_iris("default-graph-uri", default_graph_uri)?,
                named_graphs: graph_iris("named-graph-uri", named_graph_uri)?,
            });
        }
        Ok(SparqlRequest {
            text: query.to_owned(),
            lookup: self.store().reads_locally() && is_lookup(&parsed),
            query: with_own_nodes(parsed),
            form,
            scope,
        })
    }

    /// Runs a checked query within the endpoint's [`SparqlLimits`] and serialises its results
    /// as `media_type` (one of [`QueryForm::media_types`]). Blocking: call it off the async
    /// runtime, unless the request is a [`SparqlRequest::lookup`].
    ///
    /// Refused ([`SparqlError::Busy`]) when `max_concurrent` queries other than lookups are
    /// running; stopped after `timeout` ([`SparqlError::Timeout`], in a worker whatever it
    /// computes; see the module docs); refused ([`SparqlError::MemoryExceeded`]) when its worker
    /// runs out of memory; results beyond `max_rows` are cut and [`SparqlAnswer::truncated_at`]
    /// says so.
    pub fn sparql_execute(
        &self,
        request: SparqlRequest,
        media_type: &str,
    ) -> Result<SparqlAnswer, SparqlError> {
        // A lookup reads what is said about one named resource, in the server, in bounded
        // time: it needs no slot, so queries that fill every slot never starve lookups.
        if request.lookup {
            return self.execute_here(request, media_type);
        }
        let limits = self.sparql_limits;
        let _permit =
            Permit::acquire(&self.sparql_running, limits.max_concurrent).ok_or(SparqlError::Busy {
                max_concurrent: limits.max_concurrent,
            })?;
        match &self.sparql_workers {
            Some(workers) => self.execute_in_worker(workers, request, media_type),
            None => self.execute_here(request, media_type),
        }
    }

    /// Sets up worker processes for the queries of the embedded store (see [`worker`]); a
    /// remote store keeps running them itself. On a replica, the workers read the replica's
    /// copy of the checkpoint it serves; on the writer, snapshots in `settings.snapshot_dir`.
    pub fn use_sparql_workers(&mut self, settings: worker::WorkerSettings) -> Result<(), String> {
        if !self.store().reads_locally() {
            return Ok(());
        }
        let source = match &self.checkpoint_copy {
            Some(copy) => SnapshotSource::Replica(copy.clone()),
            None => SnapshotSource::Writer(Arc::new(
                worker::Snapshots::new(settings.snapshot_dir.clone()).map_err(|e| {
                    format!(
                        "cannot keep SPARQL snapshots in {}: {e}",
                        settings.snapshot_dir.display()
                    )
                })?,
            )),
        };
        self.sparql_workers = Some(Workers {
            pool: Arc::new(worker::Pool::new(settings)),
            source,
        });
        Ok(())
    }

    /// The process ids of the SPARQL workers (running a query or idle).
    pub fn sparql_worker_pids(&self) -> Vec<u32> {
        self.sparql_workers
            .as_ref()
            .map(|w| w.pool.pids())
            .unwrap_or_default()
    }

    /// Stops the SPARQL workers (the server is stopping): queries running are answered at once,
    /// new ones refused.
    pub fn sparql_shutdown(&self) {
        if let Some(workers) = &self.sparql_workers {
            workers.pool.shutdown();
        }
    }

    /// Shares a replica's previous platform's workers (see [`Platform::carry_over`]).
    pub(super) fn carry_over_sparql_workers(&mut self, previous: &Platform) {
        if let (Some(mine), Some(theirs)) = (&mut self.sparql_workers, &previous.sparql_workers) {
            mine.pool = theirs.pool.clone();
        }
    }

    /// The snapshot a worker reads for the current revision (see [`worker::Snapshots`]).
    fn sparql_snapshot(&self, source: &SnapshotSource) -> Result<Arc<worker::Snapshot>, SparqlError> {
        let failed = |e: String| {
            tracing::error!(error = %e, "no snapshot of the store for SPARQL");
            SparqlError::NotStarted
        };
        match source {
            SnapshotSource::Replica(path) => Ok(Arc::new(worker::replica_snapshot(
                path.clone(),
                self.revision(),
                self.query_scope(),
            ))),
            SnapshotSource::Writer(snapshots) => snapshots
                .get(
                    self.revision(),
                    || {
                        matches!(
                            self.publishing.try_lock(),
                            Err(std::sync::TryLockError::WouldBlock)
                        )
                    },
                    |path| {
                        // Under the publishing lock: whole publishes only, and the graphs
                        // published at that moment.
                        let _guard = self.lock_publishing().map_err(|e| e.to_string())?;
                        std::fs::create_dir_all(path).map_err(|e| e.to_string())?;
                        self.store.checkpoint(path).map_err(|e| e.to_string())?;
                        Ok((self.revision(), self.query_scope()))
                    },
                )
                .map_err(failed),
        }
    }

    fn execute_in_worker(
        &self,
        workers: &Workers,
        request: SparqlRequest,
        media_type: &str,
    ) -> Result<SparqlAnswer, SparqlError> {
        let limits = self.sparql_limits;
        let snapshot = self.sparql_snapshot(&workers.source)?;
        let scope = request.scope.as_ref().unwrap_or(&snapshot.scope);
        let names = |graphs: &[NamedNode]| graphs.iter().map(|g| g.as_str().to_owned()).collect();
        let job = worker::Job {
            query: request.text,
            base_iri: format!("{}/", self.iris().base()),
            limits: worker::wire_limits(limits.parse),
            default_graphs: names(&scope.default_graphs),
            named_graphs: names(&scope.named_graphs),
            media_type: media_type.to_owned(),
            max_rows: limits.max_rows,
            store: snapshot.path.clone(),
        };
        let answer = workers.pool.run(&job, limits.timeout);
        drop(snapshot);
        answer.map_err(|failure| match failure {
            worker::Failure::Timeout => timed_out(limits.timeout),
            worker::Failure::Died(status) => SparqlError::MemoryExceeded {
                memory_mb: workers.pool.settings().memory_mb,
                status,
            },
            worker::Failure::ShuttingDown => SparqlError::ShuttingDown,
            worker::Failure::Query(worker::FailureKind::Syntax, message) => SparqlError::Syntax(message),
            worker::Failure::Query(worker::FailureKind::Evaluation, message) => {
                SparqlError::Evaluation(message)
            }
            worker::Failure::Query(worker::FailureKind::Store, message) => {
                tracing::error!(error = %message, "a SPARQL worker cannot read its snapshot");
                SparqlError::NotRun
            }
            worker::Failure::Io(message) => {
                tracing::error!(error = %message, "SPARQL worker failure");
                SparqlError::WorkerUnavailable
            }
        })
    }

    /// Runs a query in this process: stopped at the deadline through its cancellation token.
    fn execute_here(&self, request: SparqlRequest, media_type: &str) -> Result<SparqlAnswer, SparqlError> {
        let limits = self.sparql_limits;
        let token = CancellationToken::new();
        let watchdog = Watchdog::start(Expiry::Cancel(token.clone()), limits.timeout);
        // The published graphs are chosen in the view the query runs in: a publish cannot
        // retire one of them before the query's snapshot is taken.
        // The protocol's graphs replace the query's own `FROM` and `FROM NAMED` (SPARQL 1.1
        // Protocol, 2.1.4); either way the store confines them to what is published, so an
        // archived version or an unpublished graph is seen as empty.
        let SparqlRequest { mut query, scope, .. } = request;
        if let Some(protocol) = &scope {
            protocol.replace_dataset(&mut query);
        }
        let view = self.store().view();
        let published = self.query_scope();
        let results = view
            .query_parsed(query, &published, Some(token))
            .map_err(|e| match e {
                _ if watchdog.fired() => timed_out(limits.timeout),
                QueryError::Syntax(e) => SparqlError::Syntax(e.to_string()),
                QueryError::Evaluation(e) => match store_failure(&e) {
                    Some(failure) => failure,
                    None => SparqlError::Evaluation(e.to_string()),
                },
            })?;
        serialize_results(results, media_type, limits.max_rows).map_err(|e| {
            if watchdog.fired() {
                return timed_out(limits.timeout);
            }
            SparqlError::Results(e.to_string())
        })
    }
}

/// Where a platform's SPARQL workers find the store.
enum SnapshotSource {
    /// The writer: snapshots it makes of its store.
    Writer(Arc<worker::Snapshots>),
    /// A replica: its own copy of the checkpoint it serves.
    Replica(std::path::PathBuf),
}

/// A platform's SPARQL workers (see [`Platform::use_sparql_workers`]).
pub struct Workers {
    pool: Arc<worker::Pool>,
    source: SnapshotSource,
}

fn timed_out(timeout: Duration) -> SparqlError {
    SparqlError::Timeout(timeout)
}

/// The refusal of a query text that was not parsed.
fn refusal(refusal: bounds::Refusal) -> SparqlError {
    use bounds::Refusal;
    match refusal {
        Refusal::TooLarge(len, max) => SparqlError::TooLarge(len, max),
        Refusal::TooNested(depth, max) => SparqlError::TooNested(depth, max),
        Refusal::TooDeep(depth, max) => SparqlError::TooDeep(depth, max),
        Refusal::Update => SparqlError::Update,
        Refusal::Syntax(e) => SparqlError::Syntax(e),
    }
}

/// Serialises a query's results as `media_type`, at most `max` of them (see
/// [`SparqlAnswer::truncated_at`]).
pub(crate) fn serialize_results(
    results: QueryResults<'_>,
    media_type: &str,
    max: usize,
) -> Result<SparqlAnswer, Box<dyn std::error::Error>> {
    let mut truncated_at = None;
    let body = match results {
        QueryResults::Boolean(value) => QueryResultsSerializer::from_format(results_format(media_type))
            .serialize_boolean_to_writer(Vec::new(), value)?,
        QueryResults::Solutions(solutions) => {
            let mut writer = QueryResultsSerializer::from_format(results_format(media_type))
                .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())?;
            for (n, solution) in solutions.enumerate() {
                let solution = solution?;
                if n == max {
                    truncated_at = Some(max);
                    break;
                }
                writer.serialize(&solution)?;
            }
            writer.finish()?
        }
        QueryResults::Graph(triples) => {
            let format = RdfFormat::from_media_type(media_type).unwrap_or(RdfFormat::Turtle);
            let mut serializer = RdfSerializer::from_format(format);
            for (prefix, ns) in crate::vocab::PREFIXES {
                serializer = serializer.with_prefix(*prefix, *ns)?;
            }
            let mut writer = serializer.for_writer(Vec::new());
            for (n, triple) in triples.enumerate() {
                let triple = triple?;
                if n == max {
                    truncated_at = Some(max);
                    break;
                }
                writer.serialize_triple(&triple)?;
            }
            writer.finish()?
        }
    };
    Ok(SparqlAnswer { body, truncated_at })
}

/// Makes a `DESCRIBE` of named resources (`DESCRIBE <item>`) describe each one's own nodes too:
/// a Concise Bounded Description in which the nodes that belong to a resource (`{resource}#…`,
/// as [`crate::vocab::Iris::item_part`] names an item's position, geometry, address and
/// facilities) count as its blank nodes. The evaluator already follows blank-node objects; this
/// adds the IRIs `{resource}#…` each named resource links to as more resources to describe.
/// Other queries, and a `DESCRIBE` naming more than [`OWN_NODES_DESCRIBED`] resources, are
/// returned unchanged.
///
/// `DESCRIBE <r>` becomes, in the algebra, `DESCRIBE ?r ?n WHERE { BIND(<r> AS ?r)
/// OPTIONAL { <r> ?p ?n FILTER(isIRI(?n) && STRSTARTS(STR(?n), "r#")) } }`: the pattern names
/// the resource, so it is one index lookup whatever join the evaluator picks, and a lookup stays
/// a lookup. (A variable in its place would let a join read the whole store.)
pub fn with_own_nodes(query: spargebra::Query) -> spargebra::Query {
    use spargebra::algebra::{Expression, Function, GraphPattern};
    use spargebra::term::{TriplePattern, Variable};

    let spargebra::Query::Describe {
        dataset,
        pattern,
        base_iri,
    } = query
    else {
        return query;
    };
    let GraphPattern::Project { inner, variables } = &pattern else {
        return spargebra::Query::Describe {
            dataset,
            pattern,
            base_iri,
        };
    };
    let mut named = Vec::new();
    let mut rest = &**inner;
    while let GraphPattern::Extend {
        inner,
        expression: Expression::NamedNode(node),
        ..
    } = rest
    {
        named.push(node.clone());
        rest = inner;
    }
    // Each named resource adds a join to the pattern; past a few, the query is a bulk read,
    // described as the evaluator describes it.
    if named.is_empty() || named.len() > OWN_NODES_DESCRIBED {
        return spargebra::Query::Describe {
            dataset,
            pattern,
            base_iri,
        };
    }
    // Fresh variable names: none the query uses.
    let text = pattern.to_string();
    let mut prefix = String::from("own");
    while text.contains(&format!("?{prefix}")) {
        prefix.push('_');
    }
    let mut described = variables.clone();
    let mut joined = (**inner).clone();
    for (i, resource) in named.iter().enumerate() {
        let node = Variable::new_unchecked(format!("{prefix}_n{i}"));
        let call = |f: Function, args: Vec<Expression>| Expression::FunctionCall(f, args);
        let own = Expression::And(
            Box::new(call(Function::IsIri, vec![Expression::Variable(node.clone())])),
            Box::new(call(
                Function::StrStarts,
                vec![
                    call(Function::Str, vec![Expression::Variable(node.clone())]),
                    Expression::Literal(format!("{}#", resource.as_str()).into()),
                ],
            )),
        );
        let step = GraphPattern::Filter {
            expr: own,
            inner: Box::new(GraphPattern::Bgp {
                patterns: vec![TriplePattern {
                    subject: resource.clone().into(),
                    predicate: Variable::new_unchecked(format!("{prefix}_p{i}")).into(),
                    object: node.clone().into(),
                }],
            }),
        };
        joined = GraphPattern::LeftJoin {
            left: Box::new(joined),
            right: Box::new(step),
            expression: None,
        };
        described.push(node);
    }
    spargebra::Query::Describe {
        dataset,
        pattern: GraphPattern::Project {
            inner: Box::new(joined),
            variables: described,
        },
        base_iri,
    }
}

/// The most resources a `DESCRIBE` may name and still have their own nodes added (see
/// [`with_own_nodes`]): each adds a join, and a deep chain of joins costs stack in every walk
/// over the query.
const OWN_NODES_DESCRIBED: usize = 64;

/// The most resources a `DESCRIBE` may name and still count as a lookup.
const LOOKUP_DESCRIBED: usize = 16;

/// Whether a query reads only what is said about a few named resources, so that its cost is
/// bounded by how much the data says of one resource (an item's few dozen statements), not by
/// the size of the store:
///
/// - `DESCRIBE` of at most [`LOOKUP_DESCRIBED`] IRIs, without a `WHERE` clause;
/// - `SELECT`, `ASK` or `CONSTRUCT` over one triple pattern whose subject is an IRI, with
///   nothing around it but projection, `DISTINCT`, `REDUCED`, `LIMIT`/`OFFSET` and an
///   `ORDER BY` on variables (no expression, so no `EXISTS` hides another pattern).
///
/// Everything else may read the whole store and is run off the request thread.
pub fn is_lookup(query: &spargebra::Query) -> bool {
    use spargebra::algebra::{Expression, GraphPattern, OrderExpression};
    use spargebra::term::TermPattern;

    fn peel(mut pattern: &GraphPattern) -> &GraphPattern {
        loop {
            pattern = match pattern {
                GraphPattern::Project { inner, .. }
                | GraphPattern::Distinct { inner }
                | GraphPattern::Reduced { inner }
                | GraphPattern::Slice { inner, .. } => inner,
                GraphPattern::OrderBy { inner, expression }
                    if expression.iter().all(|e| {
                        matches!(
                            e,
                            OrderExpression::Asc(Expression::Variable(_))
                                | OrderExpression::Desc(Expression::Variable(_))
                        )
                    }) =>
                {
                    inner
                }
                _ => return pattern,
            }
        }
    }

    match query {
        spargebra::Query::Describe { pattern, .. } => {
            let mut pattern = peel(pattern);
            let mut described = 0;
            while let GraphPattern::Extend {
                inner,
                expression: Expression::NamedNode(_),
                ..
            } = pattern
            {
                described += 1;
                pattern = inner;
            }
            described <= LOOKUP_DESCRIBED
                && matches!(pattern, GraphPattern::Bgp { patterns } if patterns.is_empty())
        }
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Ask { pattern, .. }
        | spargebra::Query::Construct { pattern, .. } => matches!(
            peel(pattern),
            GraphPattern::Bgp { patterns }
                if patterns.len() == 1 && matches!(patterns[0].subject, TermPattern::NamedNode(_))
        ),
    }
}

/// A query that failed in the store rather than in itself.
fn store_failure(e: &oxigraph::sparql::QueryEvaluationError) -> Option<SparqlError> {
    let oxigraph::sparql::QueryEvaluationError::Dataset(inner) = e else {
        return None;
    };
    inner.downcast_ref::<crate::store::StoreError>().map(|e| match e {
        crate::store::StoreError::Unavailable(reason) => SparqlError::StoreUnavailable(reason.clone()),
        e => SparqlError::StoreFailed(e.to_string()),
    })
}

/// The guard-rails of the SPARQL endpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SparqlLimits {
    /// How long a query may run before it is stopped.
    pub timeout: Duration,
    /// The most result rows (solutions, or triples of CONSTRUCT and DESCRIBE) in one answer.
    pub max_rows: usize,
    /// The most queries running at once; more are refused with 503 and `Retry-After`.
    pub max_concurrent: usize,
    /// The limits on a query's text and shape.
    pub parse: bounds::ParseLimits,
}

impl Default for SparqlLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_rows: 100_000,
            max_concurrent: 4,
            parse: bounds::ParseLimits::default(),
        }
    }
}

/// The results of a query, serialised.
#[derive(Debug)]
pub struct SparqlAnswer {
    pub body: Vec<u8>,
    /// `Some(n)` when there were more than `n` results and only the first `n` are in `body`.
    pub truncated_at: Option<usize>,
}

/// One of the endpoint's concurrent query slots, given back on drop.
struct Permit<'a>(&'a AtomicUsize);

impl<'a> Permit<'a> {
    fn acquire(running: &'a AtomicUsize, max: usize) -> Option<Self> {
        running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Permit(running))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Stops a query when its time is up. One timer thread serves every query (a thread per query
/// cost more than a small lookup itself); dropping the watchdog (the query finished) disarms it.
struct Watchdog {
    deadline: Arc<Deadline>,
}

/// How a query is stopped.
enum Expiry {
    /// In this process: its cancellation token (seen when the evaluator next reads the store).
    Cancel(CancellationToken),
    /// In a worker: the process is killed.
    Kill(Arc<std::sync::Mutex<std::process::Child>>),
}

impl Expiry {
    fn expire(&self) {
        match self {
            Expiry::Cancel(token) => token.cancel(),
            Expiry::Kill(child) => {
                if let Err(e) = child
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .kill()
                {
                    tracing::warn!(error = %e, "cannot stop a SPARQL worker");
                }
            }
        }
    }
}

/// A registered deadline: how to stop the query, and whether it finished or was stopped.
struct Deadline {
    expiry: Expiry,
    finished: AtomicBool,
    fired: AtomicBool,
}

/// A deadline in the timer's queue, ordered by time (then by arrival).
struct Entry {
    at: std::time::Instant,
    id: u64,
    deadline: Arc<Deadline>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.id) == (other.at, other.id)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.id).cmp(&(other.at, other.id))
    }
}

/// The deadlines, soonest first (`BinaryHeap` is a max-heap, hence `Reverse`), shared with the
/// timer thread. A new deadline wakes the thread only when it is the soonest: with one timeout
/// for every query that is only when the queue was empty, so a busy endpoint arms its queries
/// without a single thread switch.
struct Timer {
    queue: std::sync::Mutex<(std::collections::BinaryHeap<std::cmp::Reverse<Entry>>, u64)>,
    wake: std::sync::Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: std::sync::OnceLock<&'static Timer> = std::sync::OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::new(Timer {
            queue: std::sync::Mutex::new((std::collections::BinaryHeap::new(), 0)),
            wake: std::sync::Condvar::new(),
        }));
        let spawned = std::thread::Builder::new()
            .name("sparql-timeouts".into())
            .spawn(move || {
                let mut guard = timer
                    .queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                loop {
                    let now = std::time::Instant::now();
                    let mut due = Vec::new();
                    while guard.0.peek().is_some_and(|std::cmp::Reverse(e)| e.at <= now) {
                        if let Some(std::cmp::Reverse(e)) = guard.0.pop()
                            && !e.deadline.finished.load(Ordering::Acquire)
                        {
                            e.deadline.fired.store(true, Ordering::Release);
                            due.push(e.deadline);
                        }
                    }
                    if !due.is_empty() {
                        // Stopped without the queue locked: killing a process takes a moment.
                        drop(guard);
                        for deadline in due {
                            deadline.expiry.expire();
                        }
                        guard = timer
                            .queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        continue;
                    }
                    guard = match guard.0.peek().map(|std::cmp::Reverse(e)| e.at) {
                        Some(at) => {
                            timer
                                .wake
                                .wait_timeout(guard, at.saturating_duration_since(now))
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .0
                        }
                        None => timer
                            .wake
                            .wait(guard)
                            .unwrap_or_else(std::sync::PoisonError::into_inner),
                    };
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "no SPARQL timeout thread: queries will not be stopped");
        }
        timer
    })
}

impl Watchdog {
    fn start(expiry: Expiry, timeout: Duration) -> Self {
        let deadline = Arc::new(Deadline {
            expiry,
            finished: AtomicBool::new(false),
            fired: AtomicBool::new(false),
        });
        let at = std::time::Instant::now() + timeout;
        let timer = timer();
        let mut guard = timer
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let soonest = guard.0.peek().is_none_or(|std::cmp::Reverse(e)| at < e.at);
        guard.1 += 1;
        let id = guard.1;
        guard.0.push(std::cmp::Reverse(Entry {
            at,
            id,
            deadline: deadline.clone(),
        }));
        drop(guard);
        if soonest {
            timer.wake.notify_one();
        }
        Self { deadline }
    }

    fn fired(&self) -> bool {
        self.deadline.fired.load(Ordering::Acquire)
    }

    /// The query finished: the deadline no longer stops it.
    fn disarm(&self) {
        self.deadline.finished.store(true, Ordering::Release);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.deadline.finished.store(true, Ordering::Release);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use spargebra::SparqlParser;
    use std::sync::Arc;

    fn publish(platform: &Platform, folder: &str) {
        let datasets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
        platform.publish_folder(&datasets.join(folder)).unwrap();
    }

    fn count(platform: &Platform, query: &str) -> String {
        let request = platform.sparql_request(query, &[], &[]).unwrap();
        let answer = platform.sparql_execute(request, "text/csv").unwrap();
        String::from_utf8(answer.body)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned()
    }

    #[test]
    fn the_default_scope_is_built_once_per_published_state() {
        let platform = Platform::open(Store::in_memory().unwrap(), "https://data.example.se").unwrap();
        publish(&platform, "harryda-badplatser");
        let first = platform.query_scope();
        assert!(
            Arc::ptr_eq(&first, &platform.query_scope()),
            "nothing changed: the same scope"
        );
        let iris = platform.iris();
        let harryda = iris.version("harryda-badplatser", 1);
        assert_eq!(
            first.named_graphs,
            vec![harryda.clone(), iris.catalog_graph(), iris.changes_graph()],
            "every published graph, sorted"
        );
        assert_eq!(first.default_graphs, first.named_graphs);
        let beaches = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://schema.org/Beach> }";
        let harryda_only = count(&platform, beaches);

        publish(&platform, "molndal-badhus");
        let second = platform.query_scope();
        assert!(!Arc::ptr_eq(&first, &second), "a publish changes the scope");
        assert!(second.named_graphs.contains(&iris.version("molndal-badhus", 1)));
        assert!(second.named_graphs.contains(&harryda));
        assert!(second.named_graphs.is_sorted());
        // Queries see the new dataset at once.
        let graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
        assert_eq!(count(&platform, graphs), "4");
        assert_eq!(
            count(&platform, beaches),
            harryda_only,
            "Mölndal publishes bath houses, not beaches"
        );
    }

    fn describe(platform: &Platform, query: &str) -> Vec<String> {
        let request = platform.sparql_request(query, &[], &[]).unwrap();
        let answer = platform.sparql_execute(request, "application/n-triples").unwrap();
        let mut lines: Vec<String> = String::from_utf8(answer.body)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn describe_includes_a_resources_own_nodes_and_nothing_else() {
        let platform = Platform::open(Store::in_memory().unwrap(), "https://data.example.se").unwrap();
        publish(&platform, "harryda-badplatser");
        let item = "https://data.example.se/id/harryda-badplatser/frokens-udde";
        let lines = describe(&platform, &format!("DESCRIBE <{item}>"));
        let subjects: std::collections::BTreeSet<&str> = lines
            .iter()
            .filter_map(|l| l.split_once(' ').map(|(s, _)| s))
            .collect();
        assert_eq!(
            subjects.into_iter().collect::<Vec<_>>(),
            [
                format!("<{item}#address>"),
                format!("<{item}#geo>"),
                format!("<{item}#geometry>"),
                format!("<{item}>")
            ],
            "{lines:#?}"
        );
        // The same whatever the query's own variables are called.
        let named = describe(
            &platform,
            &format!("DESCRIBE <{item}> ?own_n0 WHERE {{ BIND(<{item}> AS ?own_n0) }}"),
        );
        assert_eq!(named, lines);
        // Other forms are left alone.
        let select = SparqlParser::new().parse_query("SELECT * { ?s ?p ?o }").unwrap();
        assert_eq!(with_own_nodes(select.clone()), select);
    }

    #[test]
    fn own_nodes_are_added_for_a_few_named_resources_only() {
        let parse = |n: usize| {
            let iris: Vec<String> = (0..n).map(|i| format!("<http://example.org/id/d/{i}>")).collect();
            SparqlParser::new()
                .parse_query(&format!("DESCRIBE {}", iris.join(" ")))
                .unwrap()
        };
        let few = parse(OWN_NODES_DESCRIBED);
        assert_ne!(with_own_nodes(few.clone()), few);
        let many = parse(OWN_NODES_DESCRIBED + 1);
        assert_eq!(with_own_nodes(many.clone()), many);
    }

    fn lookup(query: &str) -> bool {
        let parsed = SparqlParser::new()
            .with_base_iri("http://example.org/")
            .unwrap()
            .parse_query(query)
            .unwrap();
        is_lookup(&parsed)
    }

    #[test]
    fn what_one_resource_says_is_a_lookup() {
        assert!(lookup("DESCRIBE <http://example.org/id/a>"));
        assert!(lookup("DESCRIBE <id/a> <id/b> WHERE {}"));
        assert!(lookup("SELECT ?p ?o WHERE { <id/a> ?p ?o } ORDER BY ?p ?o"));
        assert!(lookup(
            "SELECT DISTINCT ?o WHERE { <id/a> <p> ?o } LIMIT 5 OFFSET 1"
        ));
        assert!(lookup("ASK { <id/a> ?p ?o }"));
        assert!(lookup("CONSTRUCT { ?s ?p ?o } WHERE { <id/a> ?p ?o }"));
    }

    #[test]
    fn anything_that_may_read_the_store_is_not() {
        // No named subject: may read every statement.
        assert!(!lookup("SELECT * WHERE { ?s ?p ?o }"));
        assert!(!lookup("SELECT * WHERE { ?s <p> <id/a> }"));
        assert!(!lookup("DESCRIBE ?s WHERE { ?s a <C> }"));
        // A second pattern joins with what may be anything.
        assert!(!lookup("SELECT * WHERE { <id/a> ?p ?o . ?o ?q ?r }"));
        // Expressions may hold patterns of their own.
        assert!(!lookup(
            "SELECT * WHERE { <id/a> ?p ?o FILTER EXISTS { ?x ?y ?z } }"
        ));
        assert!(!lookup(
            "SELECT * WHERE { <id/a> ?p ?o } ORDER BY (EXISTS { ?x ?y ?z })"
        ));
        assert!(!lookup("SELECT * WHERE { GRAPH ?g { <id/a> ?p ?o } }"));
        assert!(!lookup("SELECT * WHERE { <id/a> <p>+ ?o }"));
        // Too many resources to describe at once.
        let many: String = (0..=LOOKUP_DESCRIBED).map(|i| format!("<id/{i}> ")).collect();
        assert!(!lookup(&format!("DESCRIBE {many}")));
    }
}
