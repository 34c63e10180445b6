//! The embedded backend: oxigraph's RocksDB store, in the data directory.
//!
//! Two oxigraph stores: the *live* one holds what is published now (and, for the length of a
//! publish, the graph on its way in or out); the *archive* holds retired graphs (earlier
//! versions), which no query sees. Keeping the live store to the published graphs lets a query
//! over all of them run on the union of the store's named graphs: one index range per triple
//! pattern, instead of one per graph.
//!
//! Readers fix what they see through a [`View`]: a query (or a dump) chooses its graphs and
//! takes its snapshot while holding the view, and a writer that changes which named graphs the
//! live store holds waits until no view is open. So a query never sees a graph half dropped, and
//! the union is used only when the live store holds exactly the graphs the query asked for.
//!
//! Durability: oxigraph commits through RocksDB's write-ahead log, so a crash (even `kill -9`)
//! leaves either all of a commit or none of it.
//!
//! Compaction: a bulk load lands as files whose key ranges overlap, and a retired graph leaves
//! deletion markers; until RocksDB compacts them, every index lookup reads more files. After a
//! publish, [`Embedded::compact_soon`] asks a background thread to compact the live store once
//! publishing has been quiet for a moment; [`Embedded::compact`] does it at once (the CLI, after
//! a load).
//!
//! Replicas: [`Embedded::checkpoint`] writes a consistent copy of the live store and the archive
//! (RocksDB checkpoints: hard links where it can), which [`Embedded::open_read_only`] opens in
//! another process. A checkpoint is never written to after it is made, which is what RocksDB asks
//! of a database opened read-only.
//!
//! Extension functions: queries are evaluated with GeoSPARQL's functions (`geof:distance`,
//! `geof:sfWithin`, …, from oxigraph's `spargeo`) over the items' WKT points; see
//! [`EXTENSION_FUNCTIONS`].
//!
//! Without the `rocksdb` feature (on by default; off only in the fuzzing harness, which never
//! opens a store on disk) only [`Embedded::in_memory`] works: opening, checkpointing and
//! compacting a store on disk answer a storage error saying so.

use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, QuadRef, Term};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use oxigraph::store::{StorageError, Store as Oxigraph};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, RwLock, RwLockReadGuard};

use super::{QueryError, QueryScope, StoreError};

/// The SPARQL extension functions queries may call: GeoSPARQL 1.1's (`geof:`), as oxigraph's
/// `spargeo` implements them (CRS84 WKT and GeoJSON literals; `geof:distance` between points).
pub const EXTENSION_FUNCTIONS: &[ExtensionFunction] = &spargeo::GEOSPARQL_EXTENSION_FUNCTIONS;

/// An extension function: its IRI, and what it computes from its arguments (`None`: an error).
pub type ExtensionFunction = (
    oxigraph::model::NamedNodeRef<'static>,
    fn(&[Term]) -> Option<Term>,
);

/// oxigraph's RocksDB operations: the store on disk.
#[cfg(feature = "rocksdb")]
mod disk {
    use oxigraph::store::{StorageError, Store as Oxigraph};
    use std::path::Path;

    pub fn open(path: &Path) -> Result<Oxigraph, StorageError> {
        Oxigraph::open(path)
    }

    pub fn open_read_only(path: &Path) -> Result<Oxigraph, StorageError> {
        Oxigraph::open_read_only(path)
    }

    pub fn backup(store: &Oxigraph, target: &Path) -> Result<(), StorageError> {
        store.backup(target)
    }

    pub fn optimize(store: &Oxigraph) -> Result<(), StorageError> {
        store.optimize()
    }
}

/// A build without RocksDB: every operation on a store on disk fails, saying why.
#[cfg(not(feature = "rocksdb"))]
mod disk {
    use oxigraph::store::{StorageError, Store as Oxigraph};
    use std::path::Path;

    fn unavailable() -> StorageError {
        StorageError::Other("this build of datahamn has no RocksDB (the `rocksdb` feature is off): it cannot use a store on disk".into())
    }

    pub fn open(_path: &Path) -> Result<Oxigraph, StorageError> {
        Err(unavailable())
    }

    pub fn open_read_only(_path: &Path) -> Result<Oxigraph, StorageError> {
        Err(unavailable())
    }

    pub fn backup(_store: &Oxigraph, _target: &Path) -> Result<(), StorageError> {
        Err(unavailable())
    }

    pub fn optimize(_store: &Oxigraph) -> Result<(), StorageError> {
        Err(unavailable())
    }
}

/// The evaluator every query starts from: oxigraph's, with the [`EXTENSION_FUNCTIONS`]. Built
/// once; each query clones it.
fn evaluator() -> SparqlEvaluator {
    static BASE: OnceLock<SparqlEvaluator> = OnceLock::new();
    BASE.get_or_init(|| {
        EXTENSION_FUNCTIONS
            .iter()
            .fold(SparqlEvaluator::new(), |evaluator, (name, function)| {
                evaluator.with_custom_function(name.into_owned(), *function)
            })
    })
    .clone()
}

/// Memory the bulk loader may use for its sort buffers, in MB.
const LOAD_MEMORY_MB: usize = 512;
/// Quads handed to the bulk loader at a time.
const LOAD_CHUNK: usize = 200_000;

/// An atomic load in progress: quads streamed in with [`AtomicLoad::add`] become visible all at
/// once at [`AtomicLoad::commit`]. Dropping it without a commit (or a crash) leaves the store as
/// it was. Holds the store's writer lock.
pub struct AtomicLoad<'a> {
    loader: oxigraph::store::BulkLoader<'a>,
    buffer: Vec<Quad>,
    /// The live store's graph names, refreshed at the commit (`None` when loading the archive).
    graphs: Option<&'a LiveGraphs>,
    _guard: MutexGuard<'a, ()>,
}

impl AtomicLoad<'_> {
    /// Adds quads; they are handed to the bulk loader in large chunks.
    pub fn add(&mut self, quads: impl IntoIterator<Item = Quad>) -> Result<(), StoreError> {
        for quad in quads {
            self.buffer.push(quad);
            if self.buffer.len() >= LOAD_CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(LOAD_CHUNK));
        self.loader.load_quads(chunk)?;
        Ok(())
    }

    /// Makes everything added visible, atomically.
    pub fn commit(mut self) -> Result<(), StoreError> {
        if !self.buffer.is_empty() {
            self.flush()?;
        }
        match self.graphs {
            // The load may add named graphs: no view may be open while it lands.
            Some(graphs) => graphs.change(|| self.loader.commit())?,
            None => self.loader.commit()?,
        }
        Ok(())
    }
}

/// The names of the live store's named graphs (sorted), as views see them. Changed only while no
/// view is open.
struct LiveGraphs {
    store: Oxigraph,
    names: RwLock<Vec<NamedNode>>,
}

impl LiveGraphs {
    fn new(store: Oxigraph) -> Result<Self, StoreError> {
        let names = sorted(named_graphs(&store)?);
        Ok(Self {
            store,
            names: RwLock::new(names),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Vec<NamedNode>> {
        self.names.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a write that may add or remove named graphs with no view open, then reads the names
    /// again.
    fn change<T, E: From<StorageError>>(&self, write: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let mut names = self.names.write().unwrap_or_else(PoisonError::into_inner);
        let result = write();
        // Read again even after a failure: a failed write may still have done part of its work.
        *names = sorted(named_graphs(&self.store)?);
        result
    }

    /// Waits until every view opened so far is closed.
    fn barrier(&self) {
        drop(self.names.write().unwrap_or_else(PoisonError::into_inner));
    }
}

fn sorted(mut names: Vec<NamedNode>) -> Vec<NamedNode> {
    names.sort_unstable();
    names.dedup();
    names
}

fn named_graphs(store: &Oxigraph) -> Result<Vec<NamedNode>, StorageError> {
    let mut out = Vec::new();
    for g in store.named_graphs() {
        if let NamedOrBlankNode::NamedNode(n) = g? {
            out.push(n);
        }
    }
    Ok(out)
}

/// A consistent view for reading: the caller chooses its graphs while holding it, then reads
/// (each read takes its snapshot at once). Writers that add or drop named graphs wait for open
/// views, so hold it only as long as choosing and starting the reads takes.
pub struct View<'a> {
    live: &'a Oxigraph,
    names: RwLockReadGuard<'a, Vec<NamedNode>>,
}

impl View<'_> {
    /// Every quad of some named graphs, streamed. Every graph's snapshot is taken now, so the
    /// stream is one consistent state however long it is read, and nothing is held in memory.
    pub fn stream_graphs(
        self,
        graphs: Vec<NamedNode>,
    ) -> impl Iterator<Item = Result<Quad, StoreError>> + use<> {
        let iters: Vec<_> = graphs
            .iter()
            .map(|g| {
                self.live
                    .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref())))
            })
            .collect();
        iters.into_iter().flatten().map(|q| q.map_err(StoreError::from))
    }

    /// See [`Embedded::describe`].
    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        describe(self.live, resources, graph)
    }

    /// Runs a parsed read-only SPARQL query over `scope` (see [`super::View::query`]).
    ///
    /// When the scope's default and named graphs are both exactly the live store's named
    /// graphs, the query runs on their union (the same answer, one index range per pattern).
    pub fn query_parsed(
        self,
        query: spargebra::Query,
        scope: &QueryScope,
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, QueryError> {
        // oxigraph is built without its HTTP client, so `SERVICE` cannot reach any host.
        let mut evaluator = evaluator();
        if let Some(token) = cancel {
            evaluator = evaluator.with_cancellation_token(token);
        }
        let mut prepared = evaluator.for_query(query);
        if prepared.dataset().is_default_dataset() {
            let dataset = prepared.dataset_mut();
            if is_exactly(&scope.default_graphs, &self.names) && is_exactly(&scope.named_graphs, &self.names)
            {
                dataset.set_default_graph_as_union();
            } else {
                dataset.set_default_graph(
                    scope
                        .default_graphs
                        .iter()
                        .cloned()
                        .map(GraphName::NamedNode)
                        .collect(),
                );
                dataset.set_available_named_graphs(
                    scope
                        .named_graphs
                        .iter()
                        .cloned()
                        .map(NamedOrBlankNode::NamedNode)
                        .collect(),
                );
            }
        }
        // The snapshot is taken here, while the view is held.
        let bound = prepared.on_store(self.live);
        drop(self);
        Ok(bound.execute()?)
    }
}

/// Whether `graphs` names every graph of `names` (sorted, distinct) and nothing else.
fn is_exactly(graphs: &[NamedNode], names: &[NamedNode]) -> bool {
    if graphs.len() != names.len() {
        return false;
    }
    // The platform's own scope is sorted: one pass, without hashing an IRI.
    if graphs == names {
        return true;
    }
    let mut distinct: Vec<&NamedNode> = graphs.iter().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() == names.len() && distinct.into_iter().eq(names)
}

fn describe(store: &Oxigraph, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
    let graph = GraphNameRef::NamedNode(graph.as_ref());
    let mut out = Vec::new();
    let mut seen: HashSet<NamedNode> = resources.iter().cloned().collect();
    let mut todo: Vec<(NamedNode, String)> = resources
        .iter()
        .map(|r| (r.clone(), format!("{}#", r.as_str())))
        .collect();
    while let Some((subject, prefix)) = todo.pop() {
        for quad in store.quads_for_pattern(Some(subject.as_ref().into()), None, None, Some(graph)) {
            let quad = quad?;
            if let Term::NamedNode(node) = &quad.object
                && node.as_str().starts_with(&prefix)
                && seen.insert(node.clone())
            {
                todo.push((node.clone(), prefix.clone()));
            }
            out.push(quad);
        }
    }
    Ok(out)
}

/// The embedded RDF store: the live store and the archive.
pub struct Embedded {
    live: Oxigraph,
    archive: Oxigraph,
    graphs: LiveGraphs,
    /// Serialises writers: oxigraph's bulk loader must not run beside another writer.
    writer: Mutex<()>,
    compactor: Option<Compactor>,
}

/// How long publishing must be quiet before a requested compaction starts.
const COMPACTION_QUIET: std::time::Duration = std::time::Duration::from_secs(2);

/// The background thread that compacts the live store when asked (see the module docs).
struct Compactor {
    requests: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Compactor {
    fn start(store: Oxigraph) -> std::io::Result<Self> {
        use std::sync::mpsc::RecvTimeoutError;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("datahamn-compact".into())
            .spawn(move || {
                // Each request waits for a quiet moment; requests meanwhile join it.
                while rx.recv().is_ok() {
                    loop {
                        match rx.recv_timeout(COMPACTION_QUIET) {
                            Ok(()) => {}
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    let started = std::time::Instant::now();
                    match disk::optimize(&store) {
                        Ok(()) => tracing::info!(elapsed = ?started.elapsed(), "store compacted"),
                        Err(e) => tracing::warn!(error = %e, "store compaction failed"),
                    }
                }
            })?;
        Ok(Self {
            requests: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Compactor {
    fn drop(&mut self) {
        // Closing the channel ends the thread (a compaction under way finishes first), so the
        // database is closed when the store is dropped.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Embedded {
    /// Opens (or creates) the live store in one directory and the archive in another.
    pub fn open(live: &Path, archive: &Path) -> Result<Self, StoreError> {
        let live = disk::open(live)?;
        let compactor = Compactor::start(live.clone()).map_err(StorageError::Io)?;
        let mut store = Self::with(live, disk::open(archive)?)?;
        store.compactor = Some(compactor);
        Ok(store)
    }

    /// Opens a checkpoint (see [`Embedded::checkpoint`]) read-only: a replica's store. Every
    /// write fails; nothing is compacted.
    pub fn open_read_only(live: &Path, archive: &Path) -> Result<Self, StoreError> {
        Self::with(disk::open_read_only(live)?, disk::open_read_only(archive)?)
    }

    /// Writes a consistent copy of the live store and the archive into `target/store` and
    /// `target/archive` (`target` must not hold them yet). RocksDB checkpoints: the immutable
    /// table files are hard-linked when `target` is on the same file system, so a checkpoint
    /// costs little disk and time. Writers wait meanwhile, so both parts are of one moment.
    pub fn checkpoint(&self, target: &Path) -> Result<(), StoreError> {
        let _guard = self.lock();
        disk::backup(&self.live, &target.join("store"))?;
        disk::backup(&self.archive, &target.join("archive"))?;
        Ok(())
    }

    /// A store in memory, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::with(Oxigraph::new()?, Oxigraph::new()?)
    }

    fn with(live: Oxigraph, archive: Oxigraph) -> Result<Self, StoreError> {
        Ok(Self {
            graphs: LiveGraphs::new(live.clone())?,
            live,
            archive,
            writer: Mutex::new(()),
            compactor: None,
        })
    }

    /// Asks for the live store to be compacted in the background, once writes have been quiet
    /// for a moment (see the module docs).
    pub fn compact_soon(&self) {
        if let Some(tx) = self.compactor.as_ref().and_then(|c| c.requests.as_ref()) {
            let _ = tx.send(());
        }
    }

    /// Compacts the live store now. Blocking; readers and writers go on meanwhile.
    pub fn compact(&self) -> Result<(), StoreError> {
        if self.compactor.is_some() {
            disk::optimize(&self.live)?;
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a [`View`] for a consistent read.
    pub fn view(&self) -> View<'_> {
        View {
            live: &self.live,
            names: self.graphs.read(),
        }
    }

    /// Whether a named graph of the live store holds any quad.
    pub fn graph_is_empty(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        Ok(is_empty(&self.live, graph)?)
    }

    /// Every quad of a named graph of the live store.
    pub fn graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        graph_quads(&self.live, graph)
    }

    /// Every quad of a named graph, from the live store or, for a retired graph, the archive.
    pub fn any_graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        let quads = graph_quads(&self.live, graph)?;
        if quads.is_empty() {
            return graph_quads(&self.archive, graph);
        }
        Ok(quads)
    }

    /// Starts an atomic load into the live store that quads can be streamed into; see
    /// [`AtomicLoad`].
    pub fn begin_load(&self) -> Result<AtomicLoad<'_>, StoreError> {
        let guard = self.lock();
        Ok(AtomicLoad {
            loader: bulk_loader(&self.live),
            buffer: Vec::with_capacity(LOAD_CHUNK),
            graphs: Some(&self.graphs),
            _guard: guard,
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
        let _guard = self.lock();
        let mut tx = self.live.start_transaction()?;
        let g = GraphNameRef::NamedNode(graph.as_ref());
        let mut doomed = Vec::new();
        for (s, p) in remove {
            for q in tx.quads_for_pattern(Some(s.as_ref().into()), Some(p.as_ref()), None, Some(g)) {
                doomed.push(q?);
            }
        }
        for q in &doomed {
            tx.remove(q);
        }
        for q in inserts {
            tx.insert(q);
        }
        // The inserts may start a new named graph.
        self.graphs.change(|| tx.commit())?;
        Ok(())
    }

    /// In one transaction: removes `remove`, then inserts `insert` (a metadata change).
    pub fn update(&self, remove: &[Quad], insert: &[Quad]) -> Result<(), StoreError> {
        let _guard = self.lock();
        let mut tx = self.live.start_transaction()?;
        for q in remove {
            tx.remove(q);
        }
        for q in insert {
            tx.insert(q);
        }
        self.graphs.change(|| tx.commit())?;
        Ok(())
    }

    /// Moves a graph no reader should see any more (a superseded version) from the live store to
    /// the archive: copied in one atomic commit (unless the archive holds it already, from an
    /// earlier attempt), then dropped from the live store. A crash in between leaves it in both,
    /// and calling this again finishes the move.
    pub fn retire(&self, graph: &NamedNode) -> Result<(), StoreError> {
        if is_empty(&self.archive, graph)? {
            let _guard = self.lock();
            let mut loader = bulk_loader(&self.archive);
            let mut batch = Vec::with_capacity(LOAD_CHUNK);
            for quad in
                self.live
                    .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
            {
                batch.push(quad?);
                if batch.len() == LOAD_CHUNK {
                    loader.load_quads(std::mem::take(&mut batch))?;
                }
            }
            loader.load_quads(batch)?;
            loader.commit()?;
        }
        self.drop_graph(graph)
    }

    /// Removes a whole graph from the live store in bounded transactions. Only for graphs no
    /// reader chooses any more (a retired version, an orphan of an interrupted publish): it first
    /// waits for the views that may have chosen it. Not atomic.
    pub fn drop_graph(&self, graph: &NamedNode) -> Result<(), StoreError> {
        self.graphs.barrier();
        let _guard = self.lock();
        loop {
            let batch: Vec<Quad> = self
                .live
                .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
                .take(100_000)
                .collect::<Result<_, _>>()?;
            if batch.is_empty() {
                break;
            }
            let mut tx = self.live.start_transaction()?;
            for q in &batch {
                tx.remove(QuadRef::from(q));
            }
            tx.commit()?;
        }
        self.graphs.change(|| self.live.remove_named_graph(graph))?;
        Ok(())
    }

    /// The names of every named graph in the live store.
    pub fn named_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        Ok(named_graphs(&self.live)?)
    }

    /// Whether the archive holds a graph.
    pub fn is_archived(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        Ok(!is_empty(&self.archive, graph)?)
    }

    /// Whether the live store holds a given quad.
    pub fn contains(&self, quad: &Quad) -> Result<bool, StoreError> {
        Ok(self.live.contains(quad)?)
    }

    /// The description of resources in a graph of the live store: every quad whose subject is
    /// one of them, or a node of theirs (an IRI `{resource}#…` they link to), recursively.
    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        describe(&self.live, resources, graph)
    }

    /// Objects of `(subject, predicate, ?, graph)` in the live store.
    pub fn objects(
        &self,
        subject: &NamedNode,
        predicate: &NamedNode,
        graph: &NamedNode,
    ) -> Result<Vec<Term>, StoreError> {
        self.live
            .quads_for_pattern(
                Some(subject.as_ref().into()),
                Some(predicate.as_ref()),
                None,
                Some(GraphNameRef::NamedNode(graph.as_ref())),
            )
            .map(|q| q.map(|q| q.object).map_err(StoreError::from))
            .collect()
    }
}

fn bulk_loader(store: &Oxigraph) -> oxigraph::store::BulkLoader<'_> {
    store
        .bulk_loader()
        .with_num_threads(2)
        .with_max_memory_size_in_megabytes(LOAD_MEMORY_MB)
}

fn is_empty(store: &Oxigraph, graph: &NamedNode) -> Result<bool, StorageError> {
    Ok(store
        .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
        .next()
        .transpose()?
        .is_none())
}

fn graph_quads(store: &Oxigraph, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
    store
        .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
        .map(|q| q.map_err(StoreError::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use oxigraph::model::Literal;

    fn quad(s: &str, o: &str, g: &str) -> Quad {
        Quad::new(
            NamedNode::new_unchecked(format!("http://e/{s}")),
            NamedNode::new_unchecked("http://e/p"),
            Literal::new_simple_literal(o),
            NamedNode::new_unchecked(format!("http://e/{g}")),
        )
    }

    #[test]
    fn loads_replaces_and_scopes_queries() {
        let store = Store::in_memory().unwrap();
        store
            .load_atomic(vec![quad("a", "1", "g1"), quad("b", "2", "g2")])
            .unwrap();
        let g1 = NamedNode::new_unchecked("http://e/g1");
        let g2 = NamedNode::new_unchecked("http://e/g2");
        assert_eq!(store.graph_quads(&g1).unwrap().len(), 1);
        let scope = QueryScope {
            default_graphs: vec![g1.clone()],
            named_graphs: vec![g1.clone()],
        };
        let QueryResults::Solutions(rows) =
            store.query("SELECT ?o { ?s ?p ?o }", &scope, None, None).unwrap()
        else {
            panic!()
        };
        assert_eq!(rows.count(), 1, "g2 must be invisible");
        store
            .replace(
                &g1,
                &[(
                    NamedNode::new_unchecked("http://e/a"),
                    NamedNode::new_unchecked("http://e/p"),
                )],
                &[quad("a", "3", "g1")],
            )
            .unwrap();
        assert_eq!(store.graph_quads(&g1).unwrap(), vec![quad("a", "3", "g1")]);
        store.drop_graph(&g2).unwrap();
        assert!(store.graph_is_empty(&g2).unwrap());
        assert_eq!(store.named_graphs().unwrap(), vec![g1]);
    }

    fn count(store: &Store, query: &str, scope: &QueryScope) -> usize {
        let QueryResults::Solutions(rows) = store.query(query, scope, None, None).unwrap() else {
            panic!()
        };
        rows.count()
    }

    #[test]
    fn the_union_answers_like_the_list_of_every_graph() {
        let store = Store::in_memory().unwrap();
        store
            .load_atomic(vec![
                quad("a", "1", "g1"),
                quad("b", "2", "g2"),
                quad("a", "1", "g2"),
            ])
            .unwrap();
        let g1 = NamedNode::new_unchecked("http://e/g1");
        let g2 = NamedNode::new_unchecked("http://e/g2");
        let all = QueryScope {
            default_graphs: vec![g2.clone(), g1.clone()],
            named_graphs: vec![g1.clone(), g2.clone()],
        };
        let super::super::Backend::Embedded(embedded) = &store.backend else {
            panic!()
        };
        let view = embedded.view();
        assert!(is_exactly(&all.default_graphs, &view.names));
        assert!(!is_exactly(&[g1.clone(), g1.clone()], &view.names));
        drop(view);
        // Bag semantics either way: the triple in both graphs counts twice.
        assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &all), 3);
        assert_eq!(count(&store, "SELECT * { GRAPH ?g { ?s ?p ?o } }", &all), 3);
        let only_g1 = QueryScope {
            default_graphs: vec![g1.clone()],
            named_graphs: vec![g1.clone()],
        };
        assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &only_g1), 1);
        assert_eq!(count(&store, "SELECT * { GRAPH ?g { ?s ?p ?o } }", &only_g1), 1);
        // Once a graph has gone, the same list is no longer every graph.
        store.drop_graph(&g2).unwrap();
        assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &all), 1);
        assert!(is_exactly(&only_g1.named_graphs, &embedded.view().names));
    }

    #[test]
    fn retiring_moves_a_graph_to_the_archive() {
        let store = Store::in_memory().unwrap();
        store
            .load_atomic(vec![
                quad("a", "1", "v1"),
                quad("b", "2", "v1"),
                quad("a", "3", "v2"),
            ])
            .unwrap();
        let v1 = NamedNode::new_unchecked("http://e/v1");
        let v2 = NamedNode::new_unchecked("http://e/v2");
        store.retire(&v1).unwrap();
        assert_eq!(store.named_graphs().unwrap(), vec![v2.clone()]);
        assert!(store.graph_is_empty(&v1).unwrap());
        assert!(store.is_archived(&v1).unwrap());
        let mut archived = store.any_graph_quads(&v1).unwrap();
        archived.sort_by_key(ToString::to_string);
        assert_eq!(archived, vec![quad("a", "1", "v1"), quad("b", "2", "v1")]);
        assert_eq!(store.any_graph_quads(&v2).unwrap(), vec![quad("a", "3", "v2")]);
        // Interrupted after the copy: the graph is in both, and retiring again finishes the move
        // without copying twice.
        store.load_atomic(vec![quad("a", "1", "v1")]).unwrap();
        store.retire(&v1).unwrap();
        assert!(store.graph_is_empty(&v1).unwrap());
        assert_eq!(store.any_graph_quads(&v1).unwrap().len(), 2);
        let everything = QueryScope {
            default_graphs: vec![v2.clone()],
            named_graphs: vec![v2],
        };
        assert_eq!(count(&store, "SELECT * { ?s ?p ?o }", &everything), 1);
    }

    #[test]
    fn updates_are_not_queries() {
        let store = Store::in_memory().unwrap();
        let result = store.query(
            "INSERT DATA { <http://e/a> <http://e/b> 1 }",
            &QueryScope::default(),
            None,
            None,
        );
        assert!(matches!(result, Err(QueryError::Syntax(_))));
    }
}
