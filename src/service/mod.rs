//! The service layer: the only layer HTTP handlers (and the CLI) call.
//!
//! [`Platform`] holds the store, the read model and the change feed; what it does is in one
//! module each: [`publish`] (check → map → one atomic store commit → the read model, for the
//! server and the command line alike), [`feed`] (the change feed), [`recovery`] (what a crash
//! left), [`steward`] (stewards' typed, audited actions), [`documents`] (RDF documents and
//! dumps), [`settings`] (built once from the configuration), [`data_dir`] (a data directory's
//! set-up) and [`sparql`]. It speaks in domain types and [`ServiceError`]; only `http` turns
//! those into responses.

mod audit;
pub mod data_dir;
pub mod documents;
pub mod feed;
mod grid;
pub mod jobs;
pub mod publish;
pub mod rate_limit;
mod read_model;
pub mod recovery;
pub mod replica;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod slots;
pub mod sparql;
pub mod spool;
pub mod steward;
pub mod time;

use crate::catalog::{self, DatasetMeta, DatasetRecord, dcat};
use crate::error::{Code, ErrorCode};
use crate::ingest::{self, Report};
use crate::mapping::{self, ItemView};
use crate::profile;
use crate::store::{QueryScope, Store, StoreError};
use crate::vocab::Iris;
pub use audit::{AuditEntry, AuditLog};
pub use data_dir::open_data_dir;
pub use documents::{DESCRIBE_BATCH, Dump, ResourceDescription, Statement, rdf_syntax};
use feed::Feed;
use oxigraph::model::NamedNode;
pub use publish::{DirectoryOutcome, PublishOptions, Published, Stage};
pub use read_model::{Collection, DatasetState, DownloadSizes, Entry, ReadModel};
pub use search::{BBox, CollectionQuery, Hit, Near, Page, PropertyFilter, SearchError};
pub use settings::{DEFAULT_MAX_UPLOAD_BYTES, Settings};
use std::sync::{Arc, Mutex, RwLock};

/// What went wrong in a service call.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no dataset `{0}`")]
    DatasetNotFound(String),
    #[error("no item `{0}`")]
    ItemNotFound(String),
    #[error("invalid dataset metadata: {0}")]
    Metadata(#[from] catalog::MetaError),
    #[error("the file has {} errors", .0.error_count)]
    Invalid(Box<Report>),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("dataset `{0}` is already published")]
    AlreadyPublished(String),
    #[error(transparent)]
    Catalog(#[from] dcat::CatalogError),
    #[error("{0}")]
    Internal(String),
    #[error("no token")]
    NoToken,
    #[error(transparent)]
    Token(#[from] crate::auth::AuthError),
    #[error("{0}")]
    Forbidden(String),
    /// A dataset with this id exists already, published by `publisher`.
    #[error("a dataset `{id}` exists already (published by {publisher})")]
    DatasetExists { id: String, publisher: String },
    #[error("dataset `{0}` has no version {1}")]
    VersionNotFound(String, u64),
    #[error(transparent)]
    TokenFile(#[from] crate::auth::TokenFileError),
    #[error("no checked file `{0}`")]
    DraftNotFound(String),
    #[error("this server is a read-only replica")]
    ReadOnly,
    /// A bound of the platform is reached for everyone (a queue, a pool): retry after
    /// `retry_after` seconds.
    #[error("{message}")]
    Busy { message: String, retry_after: u64 },
    /// A bound of one organisation or client is reached: retry after `retry_after` seconds.
    #[error("{message}")]
    TooMany { message: String, retry_after: u64 },
    /// An argument a caller passed is not one this call takes (`parameter` names it).
    #[error("{detail}")]
    Parameter { parameter: &'static str, detail: String },
    /// A background job stopped on an unexpected error (a panic) and did not finish.
    #[error("the job stopped on an unexpected error")]
    JobStopped,
}

impl ErrorCode for ServiceError {
    fn error_code(&self) -> Code {
        match self {
            ServiceError::Store(e) => store_error_code(e),
            ServiceError::DatasetNotFound(_) => Code::DatasetNotFound,
            ServiceError::ItemNotFound(_) => Code::ItemNotFound,
            ServiceError::Metadata(_) | ServiceError::AlreadyPublished(_) => Code::InvalidBody,
            ServiceError::Invalid(report)
                if report
                    .errors
                    .iter()
                    .any(|i| i.code == crate::ingest::IssueCode::UnsupportedFormat) =>
            {
                Code::UnsupportedFileFormat
            }
            ServiceError::Invalid(_) => Code::ValidationFailed,
            ServiceError::Catalog(_) => Code::NotFound,
            ServiceError::Io(_)
            | ServiceError::Internal(_)
            | ServiceError::TokenFile(_)
            | ServiceError::JobStopped => Code::Internal,
            ServiceError::NoToken => Code::Unauthorized,
            ServiceError::Token(_) => Code::InvalidToken,
            ServiceError::Forbidden(_) => Code::Forbidden,
            ServiceError::DatasetExists { .. } => Code::DatasetExists,
            ServiceError::VersionNotFound(..) => Code::VersionNotFound,
            ServiceError::DraftNotFound(_) => Code::DraftNotFound,
            ServiceError::ReadOnly => Code::ReadOnlyReplica,
            ServiceError::Busy { .. } => Code::ServiceUnavailable,
            ServiceError::TooMany { .. } => Code::RateLimited,
            ServiceError::Parameter { .. } => Code::InvalidParameter,
        }
    }
}

impl ErrorCode for SearchError {
    fn error_code(&self) -> Code {
        match self {
            SearchError::BadCursor => Code::InvalidParameter,
        }
    }
}

/// A store failure's code: the remote engine unreachable is `service_unavailable` (retry),
/// anything else `internal`.
pub fn store_error_code(e: &StoreError) -> Code {
    match e {
        StoreError::Unavailable(_) => Code::ServiceUnavailable,
        _ => Code::Internal,
    }
}

/// The platform: the store, the IRIs and the read model.
pub struct Platform {
    iris: Iris,
    store: Store,
    model: RwLock<Arc<ReadModel>>,
    /// Serialises publishes, so version numbers never race.
    publishing: Mutex<()>,
    mode: Mode,
    /// The SPARQL endpoint's guard-rails, and how many queries are running.
    sparql_limits: sparql::SparqlLimits,
    /// Shared with the platform that replaces this one on a replica (see [`Platform::carry_over`]).
    sparql_running: Arc<std::sync::atomic::AtomicUsize>,
    /// The worker processes that evaluate SPARQL over the embedded store (see [`sparql::worker`]).
    sparql_workers: Option<sparql::Workers>,
    /// The change feed, and every dataset's live items as it leaves them.
    feed: RwLock<Feed>,
    /// The largest file an upload may send, in bytes.
    max_upload_bytes: usize,
    /// The bounds every file is checked within (columns, cell size, rows).
    file_limits: ingest::Limits,
    rate_limiter: Arc<rate_limit::RateLimiter>,
    /// Stewards' tokens and the audit log, when the platform has a data directory.
    tokens: Option<crate::auth::Tokens>,
    audit: Option<AuditLog>,
    /// Where large uploads are spooled while they are checked and published.
    upload_dir: Option<std::path::PathBuf>,
    jobs: jobs::Jobs<steward::UploadOutcome>,
    /// Dump and download streams running, within their bounds (shared across a replica's swaps).
    streams: Arc<slots::Streams>,
    /// The reverse proxies trusted to name the client (none by default).
    proxies: rate_limit::Proxies,
    /// Stewards signed in from a browser, and the files they checked there.
    sessions: sessions::Sessions,
    /// On a replica: the checkpoint served (see [`replica`]).
    checkpoint_name: Option<String>,
    /// On a replica: the directory of its copy of that checkpoint.
    checkpoint_copy: Option<std::path::PathBuf>,
    /// The graphs a query sees by default, as last built (see [`Platform::query_scope`]).
    published_scope: RwLock<Option<PublishedScope>>,
}

/// [`Platform::query_scope`] as built for one read model and change feed. The model is held
/// weakly: the cache never keeps a replaced model's items in memory, and its address is not
/// reused while the cache holds it.
struct PublishedScope {
    model: std::sync::Weak<ReadModel>,
    feed_has_changes: bool,
    scope: Arc<QueryScope>,
}

/// What the platform is opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Serving: the read model holds every current item.
    Serve,
    /// Publishing from the command line: the read model holds dataset records only, so opening
    /// a large store does not read every item back.
    Publish,
    /// Serving a read-only replica's checkpoint (see [`replica`]): like `Serve`, and every write
    /// is refused.
    Replica,
}

impl Platform {
    /// Opens the platform over a store and loads the read model from it.
    pub fn open(store: Store, base_url: &str) -> Result<Self, ServiceError> {
        Self::open_with(store, base_url, Mode::Serve)
    }

    /// Opens the platform in a [`Mode`].
    pub fn open_with(store: Store, base_url: &str, mode: Mode) -> Result<Self, ServiceError> {
        let platform = Self {
            iris: Iris::new(base_url),
            store,
            model: RwLock::new(Arc::new(ReadModel::default())),
            published_scope: RwLock::new(None),
            publishing: Mutex::new(()),
            mode,
            sparql_limits: sparql::SparqlLimits::default(),
            sparql_running: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            sparql_workers: None,
            feed: RwLock::new(Feed::default()),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            file_limits: ingest::Limits::default(),
            rate_limiter: Arc::new(rate_limit::RateLimiter::new(rate_limit::RateLimits::OFF)),
            tokens: None,
            upload_dir: None,
            jobs: jobs::Jobs::default(),
            streams: Arc::new(slots::Streams::new(slots::StreamLimits::default())),
            proxies: rate_limit::Proxies::default(),
            sessions: sessions::Sessions::default(),
            audit: None,
            checkpoint_name: None,
            checkpoint_copy: None,
        };
        // Only the writer repairs the store: a replica, or a reader of a remote engine that
        // another process publishes to, may be looking at a publish in progress.
        if mode != Mode::Replica && !platform.store.is_read_only() {
            platform.recover()?;
        }
        platform.reload()?;
        platform.load_feed()?;
        Ok(platform)
    }

    /// Shares what a replica's previous platform is counting (its clients' requests against
    /// their rate limits, the SPARQL queries running and their workers), so a swap to a newer checkpoint changes
    /// the data served and nothing else. The settings come from the replica's own `configure`.
    pub fn carry_over(&mut self, previous: &Platform) {
        self.rate_limiter = previous.rate_limiter.clone();
        self.sparql_running = previous.sparql_running.clone();
        self.streams = previous.streams.clone();
        self.carry_over_sparql_workers(previous);
    }

    /// On a replica, the name of the checkpoint served.
    pub fn checkpoint_name(&self) -> Option<&str> {
        self.checkpoint_name.as_deref()
    }

    /// Whether this platform serves a read-only replica's checkpoint.
    pub fn is_replica(&self) -> bool {
        self.mode == Mode::Replica
    }

    /// The store revision the current read model was built from (see [`ReadModel::revision`]).
    pub fn revision(&self) -> u64 {
        self.model().revision()
    }

    /// Counts a request: by its token when it sends a valid one, else by its address. `None`
    /// when that kind of client has no limit.
    pub fn rate_check(
        &self,
        bearer: Option<&str>,
        address: Option<std::net::IpAddr>,
    ) -> Option<rate_limit::Decision> {
        use rate_limit::Client;
        let limits = self.rate_limiter.limits();
        if limits == rate_limit::RateLimits::OFF {
            return None;
        }
        let client = match bearer.map(|b| self.authenticate(Some(b))) {
            Some(Ok(p)) => Client::Token(p.token_id),
            _ => Client::Address(address.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))),
        };
        self.rate_limiter.check(client, std::time::Instant::now())
    }

    /// Uploads running in the background, and what became of them.
    pub fn jobs(&self) -> &jobs::Jobs<steward::UploadOutcome> {
        &self.jobs
    }

    /// The dump and download streams: their bounds and how many run.
    pub fn streams(&self) -> &slots::Streams {
        &self.streams
    }

    /// The reverse proxies trusted to name the client.
    pub fn proxies(&self) -> &rate_limit::Proxies {
        &self.proxies
    }

    /// Stewards' browser sessions and their checked files.
    pub fn sessions(&self) -> &sessions::Sessions {
        &self.sessions
    }

    /// A spool for the next upload: held in memory while small, in a temporary file past that,
    /// and refused past the upload limit.
    pub fn spool(&self) -> spool::Spool {
        spool::Spool::new(self.upload_dir.as_deref(), self.max_upload_bytes as u64)
    }

    /// A dataset's recorded metadata, when it has been published before.
    pub fn dataset_meta(&self, id: &str) -> Option<DatasetMeta> {
        self.model().dataset(id).map(|d| d.record.meta.clone())
    }

    /// The IRIs under this platform's base URL.
    pub fn iris(&self) -> &Iris {
        &self.iris
    }

    /// The current read model. Cheap; the snapshot stays consistent while the caller holds it.
    pub fn model(&self) -> Arc<ReadModel> {
        self.model
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Every dataset's record, read back from the catalog graph, and the store revision they
    /// are at (see [`catalog::revision`]).
    fn read_catalog(&self) -> Result<(Vec<DatasetRecord>, u64), ServiceError> {
        let quads = self.store.graph_quads(&self.iris.catalog_graph())?;
        Ok((catalog::read(&self.iris, &quads), catalog::revision(&quads)))
    }

    /// Rebuilds the whole read model from the store.
    fn reload(&self) -> Result<(), ServiceError> {
        let (records, revision) = self.read_catalog()?;
        let mut datasets = Vec::with_capacity(records.len());
        for record in records {
            let items = self.load_items(&record)?;
            datasets.push((record, items));
        }
        let model = ReadModel::build(&self.iris, datasets, revision);
        *self
            .model
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(model);
        Ok(())
    }

    /// Replaces one dataset in the read model with its freshly published items (projected from
    /// the quads just committed, so nothing is read back from the store).
    fn refresh_dataset(&self, id: &str, items: Vec<ItemView>) -> Result<(), ServiceError> {
        let (records, revision) = self.read_catalog()?;
        let record = records
            .into_iter()
            .find(|r| r.meta.id == id)
            .ok_or_else(|| ServiceError::DatasetNotFound(id.to_owned()))?;
        let mut lock = self
            .model
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *lock = Arc::new(lock.with_dataset(&self.iris, record, items, revision));
        Ok(())
    }

    fn load_items(&self, record: &DatasetRecord) -> Result<Vec<ItemView>, ServiceError> {
        let (Some(current), Some(profile)) = (record.current(), profile::get(&record.meta.profile)) else {
            return Ok(Vec::new());
        };
        if self.mode == Mode::Publish {
            return Ok(Vec::new());
        }
        let started = std::time::Instant::now();
        let quads = self
            .store
            .graph_quads(&self.iris.version(&record.meta.id, current.number))?;
        tracing::debug!(elapsed = ?started.elapsed(), quads = quads.len(), "read version graph");
        let items = mapping::project(profile, &self.iris, &record.meta.id, &quads);
        tracing::debug!(elapsed = ?started.elapsed(), items = items.len(), "projected");
        Ok(items)
    }

    /// The graphs a query sees when it names none: every dataset's current version, the catalog
    /// graph and (once anything was published) the change feed, each also a named graph.
    /// Sorted by IRI, so the store compares it with its own graph names in one pass.
    ///
    /// Built once per read model and feed state, not per query: with hundreds of datasets,
    /// building the list again for every query would cost more than a lookup itself.
    pub fn query_scope(&self) -> Arc<QueryScope> {
        let model = self.model();
        let feed_has_changes = !self
            .feed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .changes
            .is_empty();
        let cached = self
            .published_scope
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cached.as_ref()
            && c.feed_has_changes == feed_has_changes
            && std::ptr::eq(c.model.as_ptr(), Arc::as_ptr(&model))
        {
            return Arc::clone(&c.scope);
        }
        drop(cached);
        let mut graphs: Vec<_> = model
            .datasets()
            .filter_map(|d| {
                d.record
                    .current()
                    .map(|v| self.iris.version(&d.record.meta.id, v.number))
            })
            .collect();
        graphs.push(self.iris.catalog_graph());
        if feed_has_changes {
            graphs.push(self.iris.changes_graph());
        }
        graphs.sort_unstable();
        graphs.dedup();
        let scope = Arc::new(QueryScope {
            default_graphs: graphs.clone(),
            named_graphs: graphs,
        });
        *self
            .published_scope
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(PublishedScope {
            model: Arc::downgrade(&model),
            feed_has_changes,
            scope: Arc::clone(&scope),
        });
        scope
    }

    /// Compacts the store now (after a large load from the command line; a server compacts in
    /// the background after each publish). Blocking.
    pub fn compact(&self) -> Result<(), ServiceError> {
        Ok(self.store.compact()?)
    }

    /// The named graphs the live store holds: the current version of every dataset and the
    /// catalog graph, once a publish is over.
    pub fn live_graphs(&self) -> Result<Vec<NamedNode>, ServiceError> {
        Ok(self.store.named_graphs()?)
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
}
