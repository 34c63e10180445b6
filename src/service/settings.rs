//! The platform's settings, built once from the configuration (`datahamn serve`'s flags and
//! environment) and applied with [`Platform::configure`]; a replica applies the same settings
//! to every checkpoint it swaps in.

use super::{Platform, jobs, rate_limit, sessions, slots, sparql};
use crate::ingest;
use std::sync::Arc;

/// Everything a deployment sets about a platform (the rest follows from its store).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The SPARQL endpoint's guard-rails.
    pub sparql: sparql::SparqlLimits,
    /// The worker processes that run SPARQL queries over the embedded store, when used.
    pub sparql_workers: Option<sparql::worker::WorkerSettings>,
    pub rate_limits: rate_limit::RateLimits,
    /// The largest file an upload may send, in bytes.
    pub max_upload_bytes: usize,
    /// The reverse proxies whose forwarding headers name the client.
    pub proxies: rate_limit::Proxies,
    /// The background jobs' pool.
    pub jobs: jobs::JobLimits,
    /// The checked files waiting to be published from the steward pages.
    pub drafts: sessions::DraftLimits,
    /// Dump and download streams.
    pub streams: slots::StreamLimits,
    /// The bounds every file is checked within.
    pub file_limits: ingest::Limits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sparql: sparql::SparqlLimits::default(),
            sparql_workers: None,
            rate_limits: rate_limit::RateLimits::OFF,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            proxies: rate_limit::Proxies::default(),
            jobs: jobs::JobLimits::default(),
            drafts: sessions::DraftLimits::default(),
            streams: slots::StreamLimits::default(),
            file_limits: ingest::Limits::default(),
        }
    }
}

/// The largest upload by default: 100 MB.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

impl Platform {
    /// Applies the settings (before serving). SPARQL workers that cannot be set up are logged,
    /// and queries then run in the server's process.
    pub fn configure(&mut self, settings: &Settings) {
        self.set_sparql_limits(settings.sparql);
        if let Some(workers) = &settings.sparql_workers
            && let Err(e) = self.use_sparql_workers(workers.clone())
        {
            tracing::error!(error = %e, "SPARQL queries run in the server's process");
        }
        self.set_rate_limits(settings.rate_limits);
        self.set_max_upload_bytes(settings.max_upload_bytes);
        self.set_proxies(settings.proxies.clone());
        self.set_job_limits(settings.jobs);
        self.set_draft_limits(settings.drafts);
        self.set_stream_limits(settings.streams);
        self.set_file_limits(settings.file_limits);
    }

    /// Sets the SPARQL endpoint's guard-rails (before serving).
    pub fn set_sparql_limits(&mut self, limits: sparql::SparqlLimits) {
        self.sparql_limits = limits;
    }

    /// The largest file an upload may send, in bytes.
    pub fn max_upload_bytes(&self) -> usize {
        self.max_upload_bytes
    }

    /// Sets the rate limits (before serving).
    pub fn set_rate_limits(&mut self, limits: rate_limit::RateLimits) {
        self.rate_limiter = Arc::new(rate_limit::RateLimiter::new(limits));
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

    /// Sets the reverse proxies whose forwarding headers name the client (before serving).
    pub fn set_proxies(&mut self, proxies: rate_limit::Proxies) {
        self.proxies = proxies;
    }
}
