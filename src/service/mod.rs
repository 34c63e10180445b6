//! The service layer: the only layer HTTP handlers (and the CLI) call.
//!
//! It owns publishing (check → map → one atomic store commit → the read model), the in-memory
//! read model that serves the REST API, and SPARQL over the published graphs. It speaks in domain
//! types and [`ServiceError`]; the HTTP layer turns those into responses.

mod audit;
mod grid;
pub mod jobs;
pub mod rate_limit;
mod read_model;
pub mod replica;
pub mod search;
pub mod sessions;
pub mod slots;
pub mod sparql;
pub mod spool;
pub mod steward;
pub mod time;

use crate::catalog::changes::{self, Change};
use crate::catalog::{self, DatasetMeta, DatasetRecord, VersionRecord, dcat};
use crate::error::{Code, ErrorCode};
use crate::ingest::{self, CheckOptions, IssueCode, Report};
use crate::mapping::{self, ItemView, MapContext};
use crate::profile;
use crate::reference;
use crate::store::{QueryScope, Store, StoreError};
use crate::vocab::Iris;
pub use audit::{AuditEntry, AuditLog};
use oxigraph::model::NamedNode;
pub use read_model::{Collection, DatasetState, DownloadSizes, Entry, ReadModel};
pub use search::{BBox, CollectionQuery, Hit, Near, Page, PropertyFilter, SearchError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// A bound of the platform is reached for everyone (a queue, a pool): 503.
    #[error("{message}")]
    Busy { message: String, retry_after: u64 },
    /// A bound of one organisation or client is reached: 429.
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

/// What describes a resource, for rendering as RDF or as rows of a page.
#[derive(Debug)]
pub struct ResourceDescription {
    triples: Vec<oxigraph::model::Triple>,
}

/// One statement of a description, as text: the object is an IRI or a literal (with its
/// language tag, if any).
#[derive(Debug, PartialEq)]
pub struct Statement {
    pub subject: String,
    pub predicate: String,
    pub object: String,
    pub object_is_iri: bool,
    pub language: Option<String>,
}

impl ResourceDescription {
    /// The statements, subject by subject (the resource's own first, then its parts).
    pub fn statements(&self) -> Vec<Statement> {
        use oxigraph::model::{NamedOrBlankNode, Term};
        let mut out: Vec<Statement> = self
            .triples
            .iter()
            .map(|t| {
                let subject = match &t.subject {
                    NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                    other => other.to_string(),
                };
                let (object, object_is_iri, language) = match &t.object {
                    Term::NamedNode(n) => (n.as_str().to_owned(), true, None),
                    Term::Literal(l) => (l.value().to_owned(), false, l.language().map(str::to_owned)),
                    other => (other.to_string(), false, None),
                };
                Statement {
                    subject,
                    predicate: t.predicate.as_str().to_owned(),
                    object,
                    object_is_iri,
                    language,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.subject.contains('#'), &a.subject, &a.predicate).cmp(&(
                b.subject.contains('#'),
                &b.subject,
                &b.predicate,
            ))
        });
        out
    }
}

/// datahamn's own vocabulary (`vocab/datahamn.ttl`), with this deployment's base URL.
fn vocabulary(iris: &Iris) -> Result<Vec<oxigraph::model::Triple>, ServiceError> {
    use oxigraph::io::{RdfFormat, RdfParser};
    let text = include_str!("../../vocab/datahamn.ttl");
    RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(format!("{}/", iris.base()))
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .for_slice(text.as_bytes())
        .map(|q| {
            q.map(oxigraph::model::Triple::from)
                .map_err(|e| ServiceError::Internal(e.to_string()))
        })
        .collect()
}

/// The RDF syntaxes documents are served in, by media type: Turtle, N-Triples, RDF/XML and
/// JSON-LD (without a profile).
pub fn rdf_syntax(media_type: &str) -> Option<oxigraph::io::RdfFormat> {
    use oxigraph::io::{JsonLdProfileSet, RdfFormat};
    match RdfFormat::from_media_type(media_type)? {
        RdfFormat::JsonLd { .. } => Some(RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        }),
        format @ (RdfFormat::Turtle | RdfFormat::NTriples | RdfFormat::RdfXml) => Some(format),
        _ => None,
    }
}

/// The result of a publish.
#[derive(Clone, Debug)]
pub struct Published {
    pub dataset: String,
    pub version: VersionRecord,
}

/// How to publish.
#[derive(Clone, Debug, Default)]
pub struct PublishOptions {
    /// Publish the valid rows of a file with errors, listing the skipped rows in the report.
    pub valid_rows_only: bool,
    /// The coordinate system of the file, when the steward declares it.
    pub crs: Option<crate::ingest::coords::Crs>,
    /// Who publishes: a token's name, or how (`command line`).
    pub published_by: String,
}

/// A stage of a publish, for progress display.
#[derive(Clone, Copy, Debug)]
pub enum Stage {
    Checking { bytes: u64 },
    Loading { rows: u64 },
}

/// What became of one dataset folder: published, or the folder and why not.
pub type DirectoryOutcome = Result<Published, (PathBuf, ServiceError)>;

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

/// The change feed in memory (its record is the changes graph).
#[derive(Default)]
struct Feed {
    changes: Vec<Change>,
    /// Dataset → item URI → content hash.
    live: std::collections::HashMap<String, std::collections::HashMap<String, u64>>,
}

impl Feed {
    fn next_seq(&self) -> u64 {
        self.changes.last().map_or(1, |c| c.seq + 1)
    }

    fn apply(&mut self, changes: Vec<Change>) {
        changes::apply(&mut self.live, &changes);
        self.changes.extend(changes);
    }
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

/// The largest upload by default: 100 MB.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// The file in a data directory that records the base URL its store was published under.
/// Items described per store read when the RDF of many is written (a whole dataset's).
pub const DESCRIBE_BATCH: usize = 500;

const DATA_DIR_CONFIG: &str = "datahamn.toml";

/// Opens the platform in a data directory: the store in `store/`, and the base URL recorded in
/// `datahamn.toml` on first use. A different base URL later is refused, since every URI in the
/// store was minted under the first.
///
/// With a remote engine (`remote`), the RDF lives there and the data directory keeps the rest.
pub fn open_data_dir(
    dir: &Path,
    base_url: &str,
    mode: Mode,
    remote: Option<crate::store::RemoteConfig>,
) -> Result<Platform, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let base_url = base_url.trim_end_matches('/');
    let config = dir.join(DATA_DIR_CONFIG);
    match std::fs::read_to_string(&config) {
        Ok(text) => {
            let recorded = text
                .lines()
                .find_map(|l| l.strip_prefix("base_url = "))
                .map(|v| v.trim().trim_matches('"').to_owned())
                .unwrap_or_default();
            if recorded != base_url {
                return Err(format!(
                    "the store in {} was published under the base URL {recorded}, not {base_url}; pass --base-url {recorded} (or DATAHAMN_BASE_URL), or use a new data directory",
                    dir.display()
                ));
            }
        }
        Err(_) => std::fs::write(
            &config,
            format!("# Written by datahamn on first use.\nbase_url = \"{base_url}\"\n"),
        )
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?,
    }
    let store_dir = dir.join("store");
    let store = match remote {
        Some(config) => {
            let url = config.query_url.clone();
            let mut store =
                Store::remote(config).map_err(|e| format!("cannot use the remote store at {url}: {e}"))?;
            if mode == Mode::Replica {
                // A reader of an engine another process publishes to: it never writes there.
                store.set_read_only();
            }
            store
        }
        None => Store::open(&store_dir, &dir.join("archive")).map_err(|e| {
            let text = e.to_string();
            if text.contains("LOCK") || text.contains("lock") {
                format!(
                    "the store in {} is in use by another datahamn process (a running server?); stop it first",
                    store_dir.display()
                )
            } else {
                format!("cannot open the store in {}: {text}", store_dir.display())
            }
        })?,
    };
    let mut platform = Platform::open_with(store, base_url, mode).map_err(|e| e.to_string())?;
    platform.attach_dir(dir);
    Ok(platform)
}

impl Platform {
    /// Opens the platform over a store and loads the read model from it.
    pub fn open(store: Store, base_url: &str) -> Result<Self, ServiceError> {
        Self::open_with(store, base_url, Mode::Serve)
    }

    /// Sets the SPARQL endpoint's guard-rails (before serving).
    pub fn set_sparql_limits(&mut self, limits: sparql::SparqlLimits) {
        self.sparql_limits = limits;
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

    /// The largest file an upload may send, in bytes.
    pub fn max_upload_bytes(&self) -> usize {
        self.max_upload_bytes
    }

    /// Sets the rate limits (before serving).
    pub fn set_rate_limits(&mut self, limits: rate_limit::RateLimits) {
        self.rate_limiter = Arc::new(rate_limit::RateLimiter::new(limits));
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

    /// The publishing lock, which every write holds; a replica refuses to write.
    ///
    /// After a write to the store failed, the store is read back first (repaired, the read
    /// model and the change feed reloaded): the failed write may have been applied all the
    /// same (a commit whose answer was lost), and numbering the next version or change from
    /// memory would reuse a number the store already holds.
    fn lock_publishing(&self) -> Result<std::sync::MutexGuard<'_, ()>, ServiceError> {
        if self.is_replica() {
            return Err(ServiceError::ReadOnly);
        }
        let guard = self
            .publishing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.store.take_write_failure() {
            tracing::warn!("a write to the store failed earlier; reading back what the store holds");
            let resynced = self
                .recover()
                .and_then(|()| self.reload())
                .and_then(|()| self.load_feed());
            if let Err(e) = resynced {
                self.store.note_write_failure();
                return Err(e);
            }
        }
        Ok(guard)
    }

    /// The first version number from `first` on whose graph holds nothing, live or archived:
    /// a number is never given to a second version, even one whose load left data behind.
    fn unused_version(&self, dataset: &str, first: u64) -> Result<u64, ServiceError> {
        let mut number = first;
        loop {
            let graph = self.iris.version(dataset, number);
            if self.store.graph_is_empty(&graph)? && !self.store.is_archived(&graph)? {
                return Ok(number);
            }
            tracing::warn!(graph = %graph, "a version graph holds data without a record; skipping its number");
            number += 1;
        }
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

    /// Sets the largest file an upload may send (before serving).
    pub fn set_max_upload_bytes(&mut self, bytes: usize) {
        self.max_upload_bytes = bytes;
    }

    /// The bounds every file is checked within.
    pub fn file_limits(&self) -> ingest::Limits {
        self.file_limits
    }

    /// Sets the bounds every file is checked within (before serving).
    pub fn set_file_limits(&mut self, limits: ingest::Limits) {
        self.file_limits = limits;
    }

    /// Keeps the stewards' tokens (`tokens.json`) and the audit log (`audit.log`) in a data
    /// directory.
    pub fn attach_dir(&mut self, dir: &Path) {
        self.tokens = Some(crate::auth::Tokens::in_dir(dir));
        self.audit = Some(AuditLog::in_dir(dir));
        let uploads = dir.join("uploads");
        match spool::prepare_dir(&uploads) {
            Ok(()) => self.upload_dir = Some(uploads),
            Err(e) => tracing::warn!(
                "cannot use {} for uploads ({e}); using the temporary directory",
                uploads.display()
            ),
        }
    }

    /// Uploads running in the background, and what became of them.
    pub fn jobs(&self) -> &jobs::Jobs<steward::UploadOutcome> {
        &self.jobs
    }

    /// Sets the bounds of the background jobs' pool (before serving).
    pub fn set_job_limits(&mut self, limits: jobs::JobLimits) {
        self.jobs = jobs::Jobs::new(limits);
    }

    /// Sets the bounds of the checked files waiting to be published (before serving).
    pub fn set_draft_limits(&mut self, limits: sessions::DraftLimits) {
        self.sessions.set_draft_limits(limits);
    }

    /// Sets the bounds of dump and download streams (before serving).
    pub fn set_stream_limits(&mut self, limits: slots::StreamLimits) {
        self.streams = Arc::new(slots::Streams::new(limits));
    }

    /// The dump and download streams: their bounds and how many run.
    pub fn streams(&self) -> &slots::Streams {
        &self.streams
    }

    /// Sets the reverse proxies whose forwarding headers name the client (before serving).
    pub fn set_proxies(&mut self, proxies: rate_limit::Proxies) {
        self.proxies = proxies;
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

    /// Whether the platform was set up: reference data written and `datasets/` published once.
    /// Publishing from the command line alone does not count.
    pub fn is_bootstrapped(&self) -> Result<bool, ServiceError> {
        let first = &reference::municipalities()[0];
        Ok(!self
            .store
            .objects(
                &self.iris.municipality(&first.code),
                &oxigraph::model::vocab::rdf::TYPE.into_owned(),
                &self.iris.catalog_graph(),
            )?
            .is_empty())
    }

    /// Writes the reference data and publishes every `datasets/<id>/` (a `dataset.toml` and a
    /// `data.csv`) in name order, except datasets the store already has. Used on first start.
    /// Returns what was published and, for datasets that could not be published, why.
    pub fn publish_directory(&self, dir: &Path) -> Result<Vec<DirectoryOutcome>, ServiceError> {
        if self.is_replica() {
            return Err(ServiceError::ReadOnly);
        }
        self.store.load_atomic(catalog::reference_quads(&self.iris))?;
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("dataset.toml").is_file())
            .collect();
        dirs.sort();
        let mut out = Vec::new();
        for path in dirs {
            let result = self.publish_folder(&path);
            out.push(result.map_err(|e| (path, e)));
        }
        Ok(out)
    }

    /// Publishes one dataset folder (its `dataset.toml` and `data.csv`), unless the store
    /// already has the dataset.
    fn publish_folder(&self, path: &Path) -> Result<Published, ServiceError> {
        let meta = DatasetMeta::from_toml(&std::fs::read_to_string(path.join("dataset.toml"))?)?;
        if let Some(existing) = self.model().dataset(&meta.id) {
            return Err(ServiceError::AlreadyPublished(existing.record.meta.id.clone()));
        }
        self.publish(&meta, ingest::Source::File(&path.join("data.csv")))
    }

    /// Checks a file against the dataset's profile and, when it may be published, publishes it
    /// as the dataset's next version in one atomic commit.
    ///
    /// A file with errors is refused with its report, unless the dataset publishes valid rows
    /// only; then the skipped rows are listed in the report.
    pub fn publish(&self, meta: &DatasetMeta, file: ingest::Source<'_>) -> Result<Published, ServiceError> {
        let options = PublishOptions {
            published_by: "datasets/ folder".to_owned(),
            ..PublishOptions::default()
        };
        self.publish_with(meta, file, &options, &|_| {})
    }

    /// [`Platform::publish`] with options, reporting each stage to `progress`.
    pub fn publish_with(
        &self,
        meta: &DatasetMeta,
        file: ingest::Source<'_>,
        options: &PublishOptions,
        progress: &dyn Fn(Stage),
    ) -> Result<Published, ServiceError> {
        meta.check()?;
        let profile = profile::get(&meta.profile).ok_or_else(|| {
            ServiceError::Metadata(catalog::MetaError::new(
                "profile",
                "known_profile",
                "okänd profil",
                "unknown profile",
            ))
        })?;
        let _guard = self.lock_publishing()?;
        let started = std::time::Instant::now();
        progress(Stage::Checking { bytes: file.len()? });
        // Pass 1 settles the report and every id, keeping no values: a large file is never
        // held in memory as rows or quads.
        let check_options = CheckOptions {
            default_municipality: meta.default_municipality(),
            crs: options.crs,
            limits: self.file_limits,
            ..CheckOptions::default()
        };
        let mut checked = ingest::check_with(file, profile, &check_options, &mut ingest::KeepIds);
        let valid_rows_only = options.valid_rows_only || meta.publish_valid_rows;
        let publishable = checked.report.valid
            || (valid_rows_only && !checked.rows.is_empty() && !checked.report.has_file_errors());
        if !publishable {
            return Err(ServiceError::Invalid(Box::new(checked.report)));
        }
        let skipped = checked.invalid_rows.len() as u64;
        for (row, label) in &checked.invalid_rows {
            let mut issue = ingest::Issue::warning(
                IssueCode::SkippedRow,
                crate::profile::Localized::new(
                    "Raden publicerades inte eftersom den har fel (se felen för raden).",
                    "The row was not published because it has errors (see the errors for the row).",
                ),
            )
            .at_row(*row);
            if let Some(label) = label {
                issue = issue.with_value(label);
            }
            checked.report.push(issue, ingest::report::DEFAULT_ISSUE_LIMIT);
        }
        let model = self.model();
        let existing = model.dataset(&meta.id);
        let previous = existing.and_then(|d| d.record.current()).map(|v| v.number);
        let number = existing
            .and_then(|d| d.record.latest())
            .or_else(|| model.deleted_dataset(&meta.id).and_then(DatasetRecord::latest))
            .map_or(1, |v| v.number + 1);
        let number = self.unused_version(&meta.id, number)?;
        let graph = self.iris.version(&meta.id, number);
        tracing::debug!(elapsed = ?started.elapsed(), "checked");
        let item_count = checked.rows.len() as u64;
        progress(Stage::Loading { rows: item_count });

        // Pass 2 maps each valid row under its final id and streams the quads into one atomic load.
        let final_ids = ingest::final_ids(&checked);
        checked.rows = Vec::new();
        let mut load = self.store.begin_load()?;
        let context = MapContext {
            iris: &self.iris,
            dataset: &meta.id,
            graph: &graph,
        };
        let mapper = mapping::Mapper::new(profile, &context);
        let mut items = Vec::new();
        let mut hashes = Vec::with_capacity(final_ids.len());
        let mut failure = None;
        ingest::for_each_final_row(file, profile, &check_options, &final_ids, &mut |row| {
            if failure.is_some() {
                return;
            }
            let mut quads = Vec::with_capacity(48);
            mapper.map_row(&row, &mut quads);
            hashes.push((
                self.iris.item(&meta.id, &row.local_id).into_string(),
                changes::content_hash(&quads),
            ));
            if self.mode == Mode::Serve {
                items.extend(mapping::project(profile, &self.iris, &meta.id, &quads));
            }
            if let Err(e) = load.add(quads) {
                failure = Some(e);
            }
        });
        if let Some(e) = failure {
            return Err(e.into());
        }
        let version = VersionRecord {
            number,
            issued: time::now_rfc3339(),
            row_count: checked.report.rows.total,
            item_count,
            skipped_row_count: skipped,
            checksum: file.sha256()?,
            report: checked.report,
            published_by: options.published_by.clone(),
            rollback_of: None,
        };
        if existing.is_none() && model.deleted_dataset(&meta.id).is_none() {
            load.add(catalog::dataset_quads(&self.iris, meta))?;
        }
        tracing::debug!(elapsed = ?started.elapsed(), "mapped");
        self.finish_version(meta, load, version, previous, items, &hashes)
    }

    /// The end of every publish (a file, or a rollback): records the version and its changes in
    /// the load, commits it, points the dataset at it, refreshes the read model and the feed,
    /// and retires the version it supersedes. Holds the publishing lock (the caller's).
    fn finish_version(
        &self,
        meta: &DatasetMeta,
        mut load: crate::store::AtomicLoad<'_>,
        version: VersionRecord,
        previous: Option<u64>,
        items: Vec<ItemView>,
        hashes: &[(String, u64)],
    ) -> Result<Published, ServiceError> {
        let started = std::time::Instant::now();
        let feed_changes = {
            let feed = self
                .feed
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let empty = std::collections::HashMap::new();
            let live = feed.live.get(&meta.id).unwrap_or(&empty);
            let first = feed.next_seq();
            changes::diff(live, hashes)
                .into_iter()
                .zip(first..)
                .map(|((kind, item, hash), seq)| Change {
                    seq,
                    kind,
                    item,
                    dataset: meta.id.clone(),
                    version: version.number,
                    at: version.issued.clone(),
                    hash,
                })
                .collect::<Vec<_>>()
        };
        // The version record last: on a remote engine that commits graph by graph, it is what
        // makes the version exist.
        load.add(changes::change_quads(&self.iris, &feed_changes))?;
        load.add(catalog::version_quads(&self.iris, &meta.id, &version))?;
        load.commit()?;
        tracing::debug!(elapsed = ?started.elapsed(), "loaded");
        let number = version.number;
        self.point_to(&meta.id, number)?;
        // The feed before the read model: an answer is never labelled with a revision newer
        // than what it shows (see `http::caching`).
        let change_count = feed_changes.len();
        self.feed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .apply(feed_changes);
        self.refresh_dataset(&meta.id, items)?;
        tracing::debug!(elapsed = ?started.elapsed(), "read model rebuilt");
        if let Some(previous) = previous {
            // Published: the superseded version moves to the archive.
            self.store.retire(&self.iris.version(&meta.id, previous))?;
            tracing::debug!(elapsed = ?started.elapsed(), "previous version archived");
        }
        if self.mode == Mode::Serve {
            self.store.compact_soon();
        }
        tracing::info!(dataset = %meta.id, version = number, items = version.item_count, changes = change_count, "published");
        Ok(Published {
            dataset: meta.id.clone(),
            version,
        })
    }

    /// Removes a dataset's current-version pointer (it is deleted).
    fn unpoint(&self, dataset: &str) -> Result<(), ServiceError> {
        let pointer = catalog::current_version_quad(&self.iris, dataset, 1);
        self.store.replace(
            &self.iris.catalog_graph(),
            &[(self.iris.dataset(dataset), pointer.predicate)],
            &[],
        )?;
        Ok(())
    }

    /// Reads the change feed from the store. Datasets published before the feed existed get
    /// their items recorded as created, once.
    fn load_feed(&self) -> Result<(), ServiceError> {
        let recorded = changes::read(&self.iris, &self.store.graph_quads(&self.iris.changes_graph())?);
        let mut feed = Feed::default();
        feed.apply(recorded);
        let model = self.model();
        for d in model.datasets() {
            let Some(current) = d.record.current() else {
                continue;
            };
            if feed.changes.iter().any(|c| c.dataset == d.record.meta.id) {
                continue;
            }
            let quads = self
                .store
                .graph_quads(&self.iris.version(&d.record.meta.id, current.number))?;
            let prefix = format!("{}/id/{}/", self.iris.base(), d.record.meta.id);
            let hashes = changes::item_hashes(&quads, &prefix);
            let first = feed.next_seq();
            let created: Vec<Change> = hashes
                .into_iter()
                .zip(first..)
                .map(|((item, hash), seq)| Change {
                    seq,
                    kind: changes::ChangeKind::Created,
                    item,
                    dataset: d.record.meta.id.clone(),
                    version: current.number,
                    at: current.issued.clone(),
                    hash,
                })
                .collect();
            if self.is_replica() {
                // Counted in memory alike; the writer records them.
                feed.apply(created);
                continue;
            }
            tracing::info!(dataset = %d.record.meta.id, items = created.len(), "recording the items of a dataset published before the change feed");
            self.store
                .load_atomic(changes::change_quads(&self.iris, &created))?;
            feed.apply(created);
            if self.mode == Mode::Serve {
                self.store.compact_soon();
            }
        }
        *self
            .feed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = feed;
        Ok(())
    }

    fn point_to(&self, dataset: &str, number: u64) -> Result<(), ServiceError> {
        let pointer = catalog::current_version_quad(&self.iris, dataset, number);
        let predicate = pointer.predicate.clone();
        self.store.replace(
            &self.iris.catalog_graph(),
            &[(self.iris.dataset(dataset), predicate)],
            &[pointer],
        )?;
        Ok(())
    }

    /// After a crash: drops version graphs that have no version record (a load that never
    /// committed cannot leave any, but an older layout or manual edits might), points every
    /// dataset at its newest version, and finishes moving superseded versions to the archive.
    fn recover(&self) -> Result<(), ServiceError> {
        self.store.recover()?;
        let records = catalog::read(&self.iris, &self.store.graph_quads(&self.iris.catalog_graph())?);
        for record in &records {
            if let Some(current) = record.current() {
                let pointer = catalog::current_version_quad(&self.iris, &record.meta.id, current.number);
                if !self.store.contains(&pointer)? {
                    self.point_to(&record.meta.id, current.number)?;
                }
            } else if record.deleted.is_some() {
                // Deleted, maybe interrupted before the pointer went.
                self.unpoint(&record.meta.id)?;
            }
        }
        for graph in self.store.named_graphs()? {
            let Some((dataset, number)) = self.iris.parse_version(graph.as_str()) else {
                continue;
            };
            let record = records.iter().find(|r| r.meta.id == dataset);
            let known = record.is_some_and(|r| r.versions.iter().any(|v| v.number == number));
            let current = record.and_then(DatasetRecord::current).map(|v| v.number);
            if !known {
                tracing::warn!(graph = %graph, "dropping an orphaned version graph");
                self.store.drop_graph(&graph)?;
            } else if current != Some(number) {
                tracing::info!(graph = %graph, "moving a superseded version to the archive");
                self.store.retire(&graph)?;
                self.store.compact_soon();
            }
        }
        Ok(())
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

    /// The RDF of some current items (without graph names): each item and its nodes (position,
    /// address, amenity features), exactly as the SPARQL endpoint holds them, in the RDF syntax
    /// of `media_type` (see [`rdf_syntax`]).
    pub fn describe_items(&self, items: &[&ItemView], media_type: &str) -> Result<Vec<u8>, ServiceError> {
        self.write_items(items, media_type, Vec::new())
    }

    /// Writes the RDF of current items (see [`Platform::describe_items`]) to `out`, reading
    /// the store [`DESCRIBE_BATCH`] items at a time, so a whole dataset streams with memory
    /// bounded by a batch. Blocking. Stops at the first write error (a client that went away).
    pub fn write_items<W: std::io::Write>(
        &self,
        items: &[&ItemView],
        media_type: &str,
        out: W,
    ) -> Result<W, ServiceError> {
        // The graphs are chosen and read in one view, so a publish cannot retire one meanwhile.
        let view = self.store.view();
        let model = self.model();
        let mut by_graph: BTreeMap<NamedNode, Vec<NamedNode>> = BTreeMap::new();
        for item in items {
            let Some(version) = model.dataset(&item.dataset).and_then(|d| d.record.current()) else {
                continue;
            };
            let (Ok(subject), graph) = (
                NamedNode::new(item.uri.clone()),
                self.iris.version(&item.dataset, version.number),
            ) else {
                continue;
            };
            by_graph.entry(graph).or_default().push(subject);
        }
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
        let mut writer = self.serializer(media_type)?.for_writer(out);
        for (graph, subjects) in by_graph {
            for batch in subjects.chunks(DESCRIBE_BATCH) {
                for quad in view.describe(batch, &graph)? {
                    writer.serialize_triple(quad.as_ref())?;
                }
            }
        }
        writer.finish().map_err(|e| failed(&e))
    }

    /// A DCAT-AP-SE catalog: the platform's (`None`) or one municipality's, in the RDF syntax
    /// of `media_type` (see [`rdf_syntax`]). `byte_size` gives the size of a dataset's
    /// download, when known.
    pub fn dcat_catalog(
        &self,
        municipality: Option<&str>,
        media_type: &str,
        byte_size: &dyn Fn(&DatasetState, &'static catalog::Download) -> Option<u64>,
    ) -> Result<Vec<u8>, ServiceError> {
        let model = self.model();
        let records: Vec<&catalog::DatasetRecord> = model.datasets().map(|d| &d.record).collect();
        let scope = municipality.map_or(dcat::Scope::Platform, dcat::Scope::Municipality);
        let sizes = |record: &catalog::DatasetRecord, download: &'static catalog::Download| {
            model
                .dataset(&record.meta.id)
                .and_then(|d| byte_size(d, download))
        };
        let triples = dcat::catalog(&self.iris, &records, scope, &sizes)?;
        self.serialize(&triples, media_type)
    }

    /// The VoID description of the platform's data, in the RDF syntax of `media_type`.
    pub fn void_document(&self, media_type: &str) -> Result<Vec<u8>, ServiceError> {
        let model = self.model();
        let records: Vec<&catalog::DatasetRecord> = model.datasets().map(|d| &d.record).collect();
        self.serialize(&catalog::void::void_description(&self.iris, &records), media_type)
    }

    /// The SPARQL service description, in the RDF syntax of `media_type`.
    pub fn sparql_service_description(&self, media_type: &str) -> Result<Vec<u8>, ServiceError> {
        let scope = self.query_scope();
        self.serialize(
            &catalog::void::service_description(
                &self.iris,
                &scope.named_graphs,
                &self.store.extension_functions(),
            ),
            media_type,
        )
    }

    /// The description of a platform resource by its IRI: a dataset, a version, a municipality,
    /// a county or an organisation (from the catalog graph), the catalog graph itself (by its
    /// name), a profile, or a term of datahamn's vocabulary (the namespace itself gives the whole
    /// vocabulary). `None` when nothing describes it.
    pub fn describe_resource(&self, iri: &str) -> Result<Option<ResourceDescription>, ServiceError> {
        let namespace = self.iris.dh_namespace();
        let profile_prefix = format!("{namespace}profile/");
        let triples: Vec<oxigraph::model::Triple> = if iri == self.iris.catalog_graph().as_str() {
            // The catalog graph's name: the graph itself.
            self.store
                .graph_quads(&self.iris.catalog_graph())?
                .into_iter()
                .map(oxigraph::model::Triple::from)
                .collect()
        } else if let Some(id) = iri.strip_prefix(&profile_prefix) {
            crate::profile::get(id).map_or_else(Vec::new, |p| catalog::profile_triples(&self.iris, p))
        } else if iri.starts_with(&namespace) {
            let fragment = format!("{iri}#");
            vocabulary(&self.iris)?
                .into_iter()
                .filter(|t| {
                    iri == namespace || {
                        let s = t.subject.to_string();
                        let s = s.trim_start_matches('<').trim_end_matches('>');
                        s == iri || s.starts_with(&fragment)
                    }
                })
                .collect()
        } else {
            let Ok(node) = NamedNode::new(iri) else {
                return Ok(None);
            };
            self.store
                .describe(&[node], &self.iris.catalog_graph())?
                .into_iter()
                .map(oxigraph::model::Triple::from)
                .collect()
        };
        if triples.is_empty() {
            return Ok(None);
        }
        Ok(Some(ResourceDescription { triples }))
    }

    /// A resource description in the RDF syntax of `media_type` (see [`rdf_syntax`]).
    pub fn serialize_description(
        &self,
        d: &ResourceDescription,
        media_type: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        self.serialize(&d.triples, media_type)
    }

    /// A serializer for the RDF syntax of `media_type`, with the platform's prefixes.
    fn serializer(&self, media_type: &str) -> Result<oxigraph::io::RdfSerializer, ServiceError> {
        use oxigraph::io::RdfSerializer;
        let format = rdf_syntax(media_type)
            .ok_or_else(|| ServiceError::Internal(format!("no RDF serializer for {media_type}")))?;
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
        let mut serializer = RdfSerializer::from_format(format);
        for (prefix, ns) in crate::vocab::PREFIXES {
            serializer = serializer.with_prefix(*prefix, *ns).map_err(|e| failed(&e))?;
        }
        serializer
            .with_prefix("dh", self.iris.dh_namespace())
            .map_err(|e| failed(&e))
    }

    fn serialize(
        &self,
        triples: &[oxigraph::model::Triple],
        media_type: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
        let mut writer = self.serializer(media_type)?.for_writer(Vec::new());
        for t in triples {
            writer.serialize_triple(t).map_err(|e| failed(&e))?;
        }
        writer.finish().map_err(|e| failed(&e))
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

    /// The graphs of a dump: one dataset's current version, or (`None`) every graph a query
    /// sees by default ([`Platform::query_scope`]).
    fn dump_graphs(&self, dataset: Option<&str>) -> Result<Vec<NamedNode>, ServiceError> {
        match dataset {
            None => Ok(self.query_scope().named_graphs.clone()),
            Some(id) => {
                let model = self.model();
                let d = model.published(id)?;
                let v = d
                    .record
                    .current()
                    .ok_or_else(|| ServiceError::DatasetNotFound(id.to_owned()))?;
                Ok(vec![self.iris.version(id, v.number)])
            }
        }
    }

    /// A dump, ready to write: one dataset's current version, or (`None`) everything published
    /// (every dataset's current version and the catalog graph). Its snapshot is taken now: a
    /// publish while it is written changes nothing in it. Unknown or unpublished dataset: an
    /// error.
    pub fn dump(&self, dataset: Option<&str>) -> Result<Dump, ServiceError> {
        let view = self.store.view();
        let graphs = self.dump_graphs(dataset)?;
        Ok(Dump {
            quads: Box::new(view.stream_graphs(graphs)),
        })
    }

    /// Compacts the store now (after a large load from the command line; a server compacts in
    /// the background after each publish). Blocking.
    pub fn compact(&self) -> Result<(), ServiceError> {
        Ok(self.store.compact()?)
    }

    /// Every quad of one version of a dataset, current or earlier (from the archive); empty
    /// when there is no such version.
    pub fn version_quads(
        &self,
        dataset: &str,
        number: u64,
    ) -> Result<Vec<oxigraph::model::Quad>, ServiceError> {
        Ok(self.store.any_graph_quads(&self.iris.version(dataset, number))?)
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

/// A dump of published graphs (see [`Platform::dump`]).
pub struct Dump {
    quads: Box<dyn Iterator<Item = Result<oxigraph::model::Quad, crate::store::StoreError>> + Send>,
}

impl Dump {
    /// Writes the quads as gzip-compressed N-Quads to `out`, streaming from the store (memory
    /// stays flat however large the graphs). Blocking. Stops at the first write error (a client
    /// that went away).
    pub fn write(self, out: impl std::io::Write) -> Result<(), ServiceError> {
        use oxigraph::io::{RdfFormat, RdfSerializer};
        let gzip = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let mut writer = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(gzip);
        for quad in self.quads {
            writer.serialize_quad(&quad?)?;
        }
        writer.finish()?.finish()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::changes::ChangeKind;
    use oxigraph::model::Term;

    /// Every term of our namespace that the platform's own records use (catalog, versions,
    /// deletions, reference data, the change feed) is defined in the vocabulary, including
    /// those the shipped data never needs (a rollback, a deleted dataset).
    #[test]
    fn every_term_the_records_use_is_defined() {
        let iris = Iris::new("http://example.org");
        let meta =
            DatasetMeta::from_toml(include_str!("../../datasets/harryda-badplatser/dataset.toml")).unwrap();
        let version = VersionRecord {
            number: 2,
            issued: "2026-11-21T10:00:00Z".into(),
            row_count: 9,
            item_count: 9,
            skipped_row_count: 0,
            checksum: "ab".into(),
            report: Report::default(),
            published_by: "Härryda GIS".into(),
            rollback_of: Some(1),
        };
        let change = |seq, kind| Change {
            seq,
            kind,
            item: "http://example.org/id/d/a".into(),
            dataset: meta.id.clone(),
            version: 2,
            at: "2026-11-21T10:00:00Z".into(),
            hash: 7,
        };
        let mut quads = catalog::dataset_quads(&iris, &meta);
        quads.extend(catalog::version_quads(&iris, &meta.id, &version));
        quads.push(catalog::deleted_quad(&iris, &meta.id, "2026-11-22T10:00:00Z"));
        quads.push(catalog::current_version_quad(&iris, &meta.id, 2));
        quads.extend(catalog::reference_quads(&iris));
        quads.extend(changes::change_quads(
            &iris,
            &[change(1, ChangeKind::Created), change(2, ChangeKind::Deleted)],
        ));
        let namespace = iris.dh_namespace();
        let profiles = format!("{namespace}profile/");
        let mut used: Vec<String> = quads
            .iter()
            .flat_map(|q| [Term::from(q.predicate.clone()), q.object.clone()])
            .filter_map(|t| match t {
                Term::NamedNode(n) => Some(n.into_string()),
                _ => None,
            })
            .filter(|t| t.starts_with(&namespace) && !t.starts_with(&profiles))
            .collect();
        used.sort();
        used.dedup();
        for term in [
            "byVersion",
            "changeOf",
            "contentHash",
            "sequence",
            "publishedBy",
            "deleted",
            "rollbackOf",
        ] {
            assert!(used.contains(&format!("{namespace}{term}")), "{term} is used");
        }
        let vocabulary = vocabulary(&iris).unwrap();
        for term in &used {
            let said: Vec<_> = vocabulary
                .iter()
                .filter(|t| t.subject.to_string() == format!("<{term}>"))
                .collect();
            for property in ["label", "comment"] {
                for lang in ["sv", "en"] {
                    assert!(
                        said.iter().any(|t| t.predicate.as_str()
                            == format!("{}{property}", crate::vocab::ns::RDFS)
                            && matches!(&t.object, Term::Literal(l) if l.language() == Some(lang))),
                        "{term} has no rdfs:{property}@{lang} in vocab/datahamn.ttl"
                    );
                }
            }
        }
    }
}
