//! The store: the only module that touches oxigraph's `Store`.
//!
//! It offers what the service needs and nothing more: atomic loads of a new version (data graph
//! and catalog records in one commit), small transactional updates of the catalog graph, reading
//! a graph back, and SPARQL query evaluation over an explicit set of graphs. It knows nothing
//! about datasets or profiles.
//!
//! Durability: oxigraph commits through RocksDB's write-ahead log, so a crash (even `kill -9`)
//! leaves either all of a commit or none of it.

use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, QuadRef, Term};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator, SparqlSyntaxError};
use oxigraph::store::{StorageError, Store as Oxigraph};
use std::path::Path;
use std::sync::Mutex;

pub use oxigraph::sparql::QueryEvaluationError;

/// A storage failure: the disk, the database, or a corrupt record.
#[derive(Debug, thiserror::Error)]
#[error("storage error: {0}")]
pub struct StoreError(#[from] StorageError);

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

/// The graphs a query sees.
#[derive(Clone, Debug, Default)]
pub struct QueryScope {
    /// The graphs whose union is the default graph.
    pub default_graphs: Vec<NamedNode>,
    /// The graphs available to `GRAPH` patterns.
    pub named_graphs: Vec<NamedNode>,
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
    _guard: std::sync::MutexGuard<'a, ()>,
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
        self.loader.commit()?;
        Ok(())
    }
}

/// The embedded RDF store.
pub struct Store {
    inner: Oxigraph,
    /// Serialises writers: oxigraph's bulk loader must not run beside another writer.
    writer: Mutex<()>,
}

impl Store {
    /// Opens (or creates) the store in a directory.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            inner: Oxigraph::open(path)?,
            writer: Mutex::new(()),
        })
    }

    /// A store in memory, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self {
            inner: Oxigraph::new()?,
            writer: Mutex::new(()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a named graph holds any quad.
    pub fn graph_is_empty(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        Ok(self
            .inner
            .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
            .next()
            .transpose()?
            .is_none())
    }

    /// Every quad of some named graphs, streamed: each graph is read from its own snapshot, so
    /// nothing is held in memory and writes go on meanwhile.
    pub fn stream_graphs(
        &self,
        graphs: Vec<NamedNode>,
    ) -> impl Iterator<Item = Result<Quad, StoreError>> + use<> {
        let store = self.inner.clone();
        graphs.into_iter().flat_map(move |g| {
            store
                .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref())))
                .map(|q| q.map_err(StoreError::from))
        })
    }

    /// Every quad of a named graph.
    pub fn graph_quads(&self, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        self.inner
            .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
            .map(|q| q.map_err(StoreError::from))
            .collect()
    }

    /// Adds quads in one atomic commit, through the bulk loader.
    ///
    /// Nothing is visible until the commit, and a crash before it leaves nothing behind.
    pub fn load_atomic(&self, quads: Vec<Quad>) -> Result<(), StoreError> {
        let mut load = self.begin_load()?;
        load.add(quads)?;
        load.commit()
    }

    /// Starts an atomic load that quads can be streamed into; see [`AtomicLoad`].
    pub fn begin_load(&self) -> Result<AtomicLoad<'_>, StoreError> {
        let guard = self.lock();
        let loader = self
            .inner
            .bulk_loader()
            .with_num_threads(2)
            .with_max_memory_size_in_megabytes(LOAD_MEMORY_MB);
        Ok(AtomicLoad {
            loader,
            buffer: Vec::with_capacity(LOAD_CHUNK),
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
        let mut tx = self.inner.start_transaction()?;
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
        tx.commit()?;
        Ok(())
    }

    /// Removes a whole graph in bounded transactions. For graphs no reader can see any more
    /// (orphans of an interrupted publish); not atomic.
    pub fn drop_graph(&self, graph: &NamedNode) -> Result<(), StoreError> {
        let _guard = self.lock();
        loop {
            let batch: Vec<Quad> = self
                .inner
                .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref())))
                .take(100_000)
                .collect::<Result<_, _>>()?;
            if batch.is_empty() {
                break;
            }
            let mut tx = self.inner.start_transaction()?;
            for q in &batch {
                tx.remove(QuadRef::from(q));
            }
            tx.commit()?;
        }
        self.inner.remove_named_graph(graph)?;
        Ok(())
    }

    /// The names of every named graph in the store.
    pub fn named_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        let mut out = Vec::new();
        for g in self.inner.named_graphs() {
            if let NamedOrBlankNode::NamedNode(n) = g? {
                out.push(n);
            }
        }
        Ok(out)
    }

    /// Whether the store holds a given quad.
    pub fn contains(&self, quad: &Quad) -> Result<bool, StoreError> {
        Ok(self.inner.contains(quad)?)
    }

    /// The description of resources in a graph: every quad whose subject is one of them, or a
    /// node of theirs (an IRI `{resource}#…` they link to), recursively.
    pub fn describe(&self, resources: &[NamedNode], graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
        let graph = GraphNameRef::NamedNode(graph.as_ref());
        let mut out = Vec::new();
        let mut seen: std::collections::HashSet<NamedNode> = resources.iter().cloned().collect();
        let mut todo: Vec<(NamedNode, String)> = resources
            .iter()
            .map(|r| (r.clone(), format!("{}#", r.as_str())))
            .collect();
        while let Some((subject, prefix)) = todo.pop() {
            for quad in self
                .inner
                .quads_for_pattern(Some(subject.as_ref().into()), None, None, Some(graph))
            {
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

    /// Objects of `(subject, predicate, ?, graph)`.
    pub fn objects(
        &self,
        subject: &NamedNode,
        predicate: &NamedNode,
        graph: &NamedNode,
    ) -> Result<Vec<Term>, StoreError> {
        self.inner
            .quads_for_pattern(
                Some(subject.as_ref().into()),
                Some(predicate.as_ref()),
                None,
                Some(GraphNameRef::NamedNode(graph.as_ref())),
            )
            .map(|q| q.map(|q| q.object).map_err(StoreError::from))
            .collect()
    }

    /// Parses and runs a read-only SPARQL query over `scope`. The query's own `FROM` and
    /// `FROM NAMED` clauses win over the scope, as the SPARQL protocol says.
    ///
    /// The results borrow nothing from the caller; iterate them off the async runtime.
    pub fn query(
        &self,
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

    /// Runs a parsed read-only SPARQL query over `scope` (see [`Store::query`]).
    pub fn query_parsed(
        &self,
        query: spargebra::Query,
        scope: &QueryScope,
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, QueryError> {
        // oxigraph is built without its HTTP client, so `SERVICE` cannot reach any host.
        let mut evaluator = SparqlEvaluator::new();
        if let Some(token) = cancel {
            evaluator = evaluator.with_cancellation_token(token);
        }
        let mut prepared = evaluator.for_query(query);
        if prepared.dataset().is_default_dataset() {
            let dataset = prepared.dataset_mut();
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
        Ok(prepared.on_store(&self.inner).execute()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
