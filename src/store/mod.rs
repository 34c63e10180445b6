//! The store: the only module that touches oxigraph's `Store` or talks to a SPARQL engine.
//!
//! It offers what the service needs and nothing more: atomic loads of a new version (data graph
//! and catalog records in one commit), small transactional updates of the catalog graph, reading
//! a graph back, retiring a graph to the archive, and SPARQL query evaluation over a set of
//! graphs. It knows nothing about datasets or profiles.
//!
//! One interface, two backends:
//! - [`embedded`]: oxigraph's RocksDB store in the data directory (the default);
//! - [`remote`]: an existing SPARQL engine (oxigraph's server, Virtuoso, …) reached through the
//!   SPARQL 1.1 Protocol and the Graph Store HTTP Protocol, for deployments beyond one machine.
//!
//! Both keep the same promises, which the contract tests (`tests/store/`) check on each: a load
//! is seen whole or not at all, readers choose their graphs in a [`View`] that no drop of a graph
//! can cut through, retired graphs stay readable from the archive, and queries see exactly the
//! graphs of their scope: a query's own `FROM` and `FROM NAMED` choose among them, and a graph
//! outside the scope (an archived version, a load in progress, the engine's own graphs) is seen
//! as empty.
//!
//! Writes: a [`Store`] opened for a process that only reads ([`Store::set_read_only`]) refuses
//! every write, and only the writer repairs the store ([`Store::recover`]). A write that failed
//! is remembered ([`Store::take_write_failure`]), so that the writer re-reads what the store
//! holds before it numbers anything again: a failed write may still have been applied.

mod client;
pub mod embedded;
pub mod remote;
mod terms;

pub use client::Credentials;
pub use oxigraph::sparql::QueryEvaluationError;
pub use remote::RemoteConfig;

use oxigraph::model::{NamedNode, Quad, Term};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlSyntaxError};
use oxigraph::store::StorageError;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A storage failure: the disk, the database, a corrupt record, or the remote engine.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Storage(#[from] StorageError),
    /// The remote engine answered with an error, or something this store cannot read.
    #[error("remote store: {0}")]
    Remote(String),
    /// The remote engine cannot be reached.
    #[error("remote store unreachable: {0}")]
    Unavailable(String),
}

/// Why a query did not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The text is not a SPARQL query.
    #[error("{0}")]
    Syntax(#[from] SparqlSyntaxError),
    /// The query failed while running (includes cancellation).
    #[error("{0}")]
    Evaluation(#[from] QueryEvaluationError),
}

/// The graphs a query sees: by default, and at most (its `FROM` and `FROM NAMED` choose only
/// among them).
#[derive(Clone, Debug, Default)]
pub struct QueryScope {
    /// The graphs whose union is the default graph.
    pub default_graphs: Vec<NamedNode>,
    /// The graphs available to `GRAPH` patterns.
    pub named_graphs: Vec<NamedNode>,
}

impl QueryScope {
    /// Whether a query may name a graph: one of the scope's, default or named.
    pub fn reaches(&self, graph: &NamedNode) -> bool {
        self.default_graphs.contains(graph) || self.named_graphs.contains(graph)
    }

    /// Gives a query this dataset instead of its own `FROM` and `FROM NAMED` (what the SPARQL
    /// protocol's `default-graph-uri` and `named-graph-uri` do).
    pub fn replace_dataset(&self, query: &mut spargebra::Query) {
        *dataset_of(query) = Some(spargebra::algebra::QueryDataset {
            default: self.default_graphs.clone(),
            named: Some(self.named_graphs.clone()),
        });
    }

    /// Confines a query to the scope: the graphs its `FROM` and `FROM NAMED` name outside the
    /// scope are left out, so it sees nothing of them; without `FROM NAMED`, it has no named
    /// graphs. A query that names no graphs is left to run on the scope.
    fn confine(&self, query: &mut spargebra::Query) {
        let dataset = dataset_of(query);
        if let Some(own) = dataset.take() {
            let reachable: std::collections::HashSet<&NamedNode> =
                self.default_graphs.iter().chain(&self.named_graphs).collect();
            let keep = |graphs: Vec<NamedNode>| -> Vec<NamedNode> {
                graphs.into_iter().filter(|g| reachable.contains(g)).collect()
            };
            *dataset = Some(spargebra::algebra::QueryDataset {
                default: keep(own.default),
                named: Some(keep(own.named.unwrap_or_default())),
            });
        }
    }
}

fn dataset_of(query: &mut spargebra::Query) -> &mut Option<spargebra::algebra::QueryDataset> {
    match query {
        spargebra::Query::Select { dataset, .. }
        | spargebra::Query::Construct { dataset, .. }
        | spargebra::Query::Describe { dataset, .. }
        | spargebra::Query::Ask { dataset, .. } => dataset,
    }
}

/// The RDF store the platform publishes into.
pub struct Store {
    backend: Backend,
    /// Refuses every write (a process that only reads).
    read_only: bool,
    /// A write failed since [`Store::take_write_failure`] was last asked.
    write_failed: AtomicBool,
}

enum Backend {
    Embedded(embedded::Embedded),
    Remote(remote::Remote),
}

/// An atomic load in progress: quads streamed in with [`AtomicLoad::add`] become visible all at
/// once at [`AtomicLoad::commit`]. Dropping it without a commit (or a crash) leaves the store as
/// it was. Holds the store's writer lock.
pub struct AtomicLoad<'a> {
    load: Load<'a>,
    write_failed: &'a AtomicBool,
}

enum Load<'a> {
    Embedded(embedded::AtomicLoad<'a>),
    Remote(remote::AtomicLoad<'a>),
}

impl AtomicLoad<'_> {
    /// Adds quads (each in a named graph).
    pub fn add(&mut self, quads: impl IntoIterator<Item = Quad>) -> Result<(), StoreError> {
        let result = match &mut self.load {
            Load::Embedded(l) => l.add(quads),
            Load::Remote(l) => l.add(quads),
        };
        noted(self.write_failed, result)
    }

    /// Makes everything added visible, atomically.
    pub fn commit(self) -> Result<(), StoreError> {
        let result = match self.load {
            Load::Embedded(l) => l.commit(),
            Load::Remote(l) => l.commit(),
        };
        noted(self.write_failed, result)
    }
}

/// Remembers a failed write (see [`Store::take_write_failure`]).
fn noted<T>(write_failed: &AtomicBool, result: Result<T, StoreError>) -> Result<T, StoreError> {
    if result.is_err() {
        write_failed.store(true, Ordering::SeqCst);
    }
    result
}

/// A consistent view for reading: the caller chooses its graphs while holding it, then reads
/// (each read starts at once). Writers that drop named graphs wait for open views, so hold it
/// only as long as choosing and starting the reads takes.
pub enum View<'a> {
    Embedded(embedded::View<'a>),
    Remote(remote::View<'a>),
}

/// Quads read from the store, streamed.
pub type QuadStream = Box<dyn Iterator<Item = Result<Quad, StoreError>> + Send>;

impl View<'_> {
    /// Every quad of some named graphs, streamed. Every graph's reading starts now, so the
    /// stream holds what the graphs held when the view was taken, however long it is read.
    pub fn stream_graphs(self, graphs: Vec<NamedNode>) -> QuadStream {
        match self {
            View::Embedded(v) => Box::new(v.stream_graphs(graphs)),
            View::Remote(v) => v.stream_graphs(graphs),
        }
    }

    /// See [`Store::describe`].
    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        match self {
            View::Embedded(v) => v.describe(resources, graph),
            View::Remote(v) => v.describe(resources, graph),
        }
    }

    /// Parses and runs a read-only SPARQL query over `scope`. The query's own `FROM` and
    /// `FROM NAMED` clauses choose among the scope's graphs; a graph they name outside it is
    /// seen as empty (see [`QueryScope`]).
    ///
    /// The results borrow nothing from the caller; iterate them off the async runtime.
    pub fn query(
        self,
        query: &str,
        scope: &QueryScope,
        base_iri: Option<&str>,
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, QueryError> {
        let mut parser = spargebra::SparqlParser::new();
        if let Some(base) = base_iri {
            parser = parser.with_base_iri(base).map_err(|e| {
                QueryError::Evaluation(QueryEvaluationError::Unexpected(e.to_string().into()))
            })?;
        }
        self.query_parsed(parser.parse_query(query)?, scope, cancel)
    }

    /// Runs a parsed read-only SPARQL query over `scope` (see [`View::query`]). `SERVICE` calls
    /// to other endpoints never run.
    pub fn query_parsed(
        self,
        query: spargebra::Query,
        scope: &QueryScope,
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, QueryError> {
        let mut query = query;
        scope.confine(&mut query);
        match self {
            View::Embedded(v) => v.query_parsed(query, scope, cancel),
            View::Remote(v) => v.query_parsed(query, scope, cancel),
        }
    }
}

macro_rules! each {
    ($self:ident, $b:ident => $e:expr) => {
        match &$self.backend {
            Backend::Embedded($b) => $e,
            Backend::Remote($b) => $e,
        }
    };
}

/// A write: refused on a read-only store, and remembered when it fails.
macro_rules! writing {
    ($self:ident, $b:ident => $e:expr) => {{
        $self.writable()?;
        noted(&$self.write_failed, each!($self, $b => $e))
    }};
}

impl Store {
    fn with(backend: Backend) -> Self {
        Self {
            backend,
            read_only: false,
            write_failed: AtomicBool::new(false),
        }
    }

    /// Makes this store refuse every write: for a process that only reads a store another
    /// process (the writer) publishes to, which must never change or repair it.
    pub fn set_read_only(&mut self) {
        self.read_only = true;
    }

    /// Whether this store refuses every write.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::Remote(
                "this process only reads the store: it writes nothing to it".into(),
            ));
        }
        Ok(())
    }

    /// Whether a write failed since the last call (and forgets it). A failed write may still
    /// have been applied (a commit whose answer was lost), so the writer reads back what the
    /// store holds before it numbers anything again.
    pub fn take_write_failure(&self) -> bool {
        self.write_failed.swap(false, Ordering::SeqCst)
    }

    /// Remembers a write failure (see [`Store::take_write_failure`]), for a caller whose repair
    /// failed in turn.
    pub fn note_write_failure(&self) {
        self.write_failed.store(true, Ordering::SeqCst);
    }

    /// The store's own repairs after a crash, which only the writer runs: on a remote engine,
    /// the staging graphs of loads that never committed and the markers of commits that did.
    /// (The platform's repairs of its records are in `service`.)
    pub fn recover(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Embedded(_) => self.writable(),
            Backend::Remote(r) => {
                self.writable()?;
                noted(&self.write_failed, r.recover())
            }
        }
    }

    /// Opens (or creates) the embedded store: the live store in one directory and the archive
    /// in another.
    pub fn open(live: &Path, archive: &Path) -> Result<Self, StoreError> {
        Ok(Self::with(Backend::Embedded(embedded::Embedded::open(
            live, archive,
        )?)))
    }

    /// Opens a checkpoint of the embedded store (see [`Store::checkpoint`]) read-only: what a
    /// replica serves. Every write fails.
    pub fn open_read_only(live: &Path, archive: &Path) -> Result<Self, StoreError> {
        let mut store = Self::with(Backend::Embedded(embedded::Embedded::open_read_only(
            live, archive,
        )?));
        store.read_only = true;
        Ok(store)
    }

    /// Writes a consistent copy of the embedded store into `target/store` and `target/archive`,
    /// for a replica to open with [`Store::open_read_only`]. Writers wait meanwhile. A remote
    /// engine has its own replication, and no checkpoints here.
    pub fn checkpoint(&self, target: &Path) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Embedded(e) => e.checkpoint(target),
            Backend::Remote(_) => Err(StoreError::Remote(
                "checkpoints are made of the embedded store only; a remote engine replicates itself".into(),
            )),
        }
    }

    /// An embedded store in memory, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self::with(Backend::Embedded(embedded::Embedded::in_memory()?)))
    }

    /// Connects to a remote SPARQL engine (see [`remote`]).
    pub fn remote(config: RemoteConfig) -> Result<Self, StoreError> {
        Ok(Self::with(Backend::Remote(remote::Remote::open(config)?)))
    }

    /// Which backend this is, for logs and the health check: `embedded` or `remote`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Embedded(_) => "embedded",
            Backend::Remote(_) => "remote",
        }
    }

    /// Whether reads are answered in this process, from local storage, rather than by another
    /// server over the network: only then is a small read cheaper than a thread switch.
    pub fn reads_locally(&self) -> bool {
        matches!(self.backend, Backend::Embedded(_))
    }

    /// The SPARQL extension functions this store's queries can call (see
    /// [`embedded::EXTENSION_FUNCTIONS`]). None are promised for a remote engine: queries are
    /// forwarded to it as they are, and what it offers beyond SPARQL 1.1 is its own.
    pub fn extension_functions(&self) -> Vec<NamedNode> {
        match self.backend {
            Backend::Embedded(_) => embedded::EXTENSION_FUNCTIONS
                .iter()
                .map(|(name, _)| name.into_owned())
                .collect(),
            Backend::Remote(_) => Vec::new(),
        }
    }

    /// Asks for the store to be compacted in the background once writes have been quiet for a
    /// moment (embedded; a remote engine compacts itself).
    pub fn compact_soon(&self) {
        if let Backend::Embedded(e) = &self.backend {
            e.compact_soon();
        }
    }

    /// Compacts the store now. Blocking; readers and writers go on meanwhile.
    pub fn compact(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Embedded(e) => e.compact(),
            Backend::Remote(_) => Ok(()),
        }
    }

    /// Opens a [`View`] for a consistent read.
    pub fn view(&self) -> View<'_> {
        match &self.backend {
            Backend::Embedded(e) => View::Embedded(e.view()),
            Backend::Remote(r) => View::Remote(r.view()),
        }
    }

    /// Whether a published named graph holds no quad.
    pub fn graph_is_empty(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        each!(self, b => b.graph_is_empty(graph))
    }

    /// Every quad of a published named graph.
    pub fn graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        each!(self, b => b.graph_quads(graph))
    }

    /// Every quad of a named graph, published or, for a retired graph, from the archive.
    pub fn any_graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        each!(self, b => b.any_graph_quads(graph))
    }

    /// Adds quads in one atomic commit.
    pub fn load_atomic(&self, quads: impl IntoIterator<Item = Quad>) -> Result<(), StoreError> {
        let mut load = self.begin_load()?;
        load.add(quads)?;
        load.commit()
    }

    /// Starts an atomic load that quads can be streamed into; see [`AtomicLoad`].
    pub fn begin_load(&self) -> Result<AtomicLoad<'_>, StoreError> {
        self.writable()?;
        let load = match &self.backend {
            Backend::Embedded(e) => Load::Embedded(noted(&self.write_failed, e.begin_load())?),
            Backend::Remote(r) => Load::Remote(r.begin_load()),
        };
        Ok(AtomicLoad {
            load,
            write_failed: &self.write_failed,
        })
    }

    /// In one transaction: removes every quad with one of the given (subject, predicate) pairs in
    /// `graph`, then inserts `inserts`.
    pub fn replace(
        &self,
        graph: &NamedNode,
        remove: &[(NamedNode, NamedNode)],
        inserts: &[Quad],
    ) -> Result<(), StoreError> {
        writing!(self, b => b.replace(graph, remove, inserts))
    }

    /// In one transaction: removes `remove`, then inserts `insert` (a metadata change).
    pub fn update(&self, remove: &[Quad], insert: &[Quad]) -> Result<(), StoreError> {
        writing!(self, b => b.update(remove, insert))
    }

    /// Moves a graph no reader should see any more (a superseded version) to the archive. A
    /// crash in the middle leaves it in both, and calling this again finishes the move.
    pub fn retire(&self, graph: &NamedNode) -> Result<(), StoreError> {
        writing!(self, b => b.retire(graph))
    }

    /// Removes a whole graph. Only for graphs no reader chooses any more (a retired version, an
    /// orphan of an interrupted publish): it first waits for the views that may have chosen it.
    pub fn drop_graph(&self, graph: &NamedNode) -> Result<(), StoreError> {
        writing!(self, b => b.drop_graph(graph))
    }

    /// The names of every published named graph (not the archive's).
    pub fn named_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        each!(self, b => b.named_graphs())
    }

    /// Whether the archive holds a graph.
    pub fn is_archived(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        each!(self, b => b.is_archived(graph))
    }

    /// Whether a published graph holds a given quad.
    pub fn contains(&self, quad: &Quad) -> Result<bool, StoreError> {
        each!(self, b => b.contains(quad))
    }

    /// The description of resources in a published graph: every quad whose subject is one of
    /// them, or a node of theirs (an IRI `{resource}#…` they link to), recursively.
    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        each!(self, b => b.describe(resources, graph))
    }

    /// Objects of `(subject, predicate, ?, graph)`.
    pub fn objects(
        &self,
        subject: &NamedNode,
        predicate: &NamedNode,
        graph: &NamedNode,
    ) -> Result<Vec<Term>, StoreError> {
        each!(self, b => b.objects(subject, predicate, graph))
    }

    /// Parses and runs a read-only SPARQL query over `scope` in a view of its own (see
    /// [`View::query`]).
    pub fn query(
        &self,
        query: &str,
        scope: &QueryScope,
        base_iri: Option<&str>,
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, QueryError> {
        self.view().query(query, scope, base_iri, cancel)
    }
}
