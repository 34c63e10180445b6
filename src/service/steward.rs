//! Stewards' writes and the history they leave: creating a dataset, changing its metadata,
//! publishing a file (or only checking it), rolling back to an earlier version, deleting; the
//! version list, past versions' data, the change feed and the audit log.
//!
//! Every write goes through [`Platform::steward`]: the token is verified, the write runs with
//! the token's [`Principal`], and the outcome is appended to the audit log, refused or not (a
//! request without a valid token only to the server's log, see [`super::audit`]). A
//! token acts for one organisation (or the platform's administration), and
//! [`Platform::authorise`] is the one place that decides what it may change.

use super::{AuditEntry, Mode, Platform, PublishOptions, Published, ServiceError, time};
use crate::auth::{Principal, Scope};
use crate::catalog::changes::{self, Change, ChangeKind};
use crate::catalog::{self, DatasetMeta, Keywords, VersionRecord};
use crate::error::ApiError;
use crate::ingest::Report;
use crate::links;
use crate::mapping;
use crate::profile::{self, Localized};
use crate::reference;
use serde::{Deserialize, Serialize};

/// A new dataset's metadata, as a steward sends it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "harryda-badplatser-2",
    "profile": "",
    "title": {"sv": "Badplatser", "en": "Bath sites"},
    "description": {"sv": "Kommunens badplatser.", "en": "The bath sites of the municipality."},
    "license": "http://creativecommons.org/publicdomain/zero/1.0/",
    "contact_email": "gis@harryda.se",
    "update_frequency": "ANNUAL"
}))]
#[serde(deny_unknown_fields)]
pub struct NewDataset {
    /// URL-safe id: 2-64 lower-case letters, digits and hyphens (`harryda-badplatser`). It
    /// becomes part of every item's URI, so choose it for good.
    pub id: String,
    /// The profile the CSV files follow (the OpenAPI document lists them).
    pub profile: String,
    pub title: Localized,
    pub description: Localized,
    /// The licence, as a URL.
    pub license: String,
    /// Where to ask about the data.
    pub contact_email: String,
    #[serde(default)]
    pub keywords: Keywords,
    /// DCAT themes: EU data themes, by code (`ENVI`) or IRI
    /// (`http://publications.europa.eu/resource/authority/data-theme/ENVI`).
    #[serde(default)]
    pub themes: Vec<String>,
    /// How often it is updated: an EU frequency IRI, or its last part (`ANNUAL`, `MONTHLY`,
    /// `WEEKLY`, `DAILY`, `IRREG`, …).
    #[serde(default)]
    pub update_frequency: Option<String>,
    #[serde(default)]
    pub landing_page: Option<String>,
    /// The specification the data conforms to; the profile's national one by default.
    #[serde(default)]
    pub conforms_to: Option<String>,
    /// Where the data comes from.
    #[serde(default)]
    pub provenance: Option<String>,
    /// Publish the valid rows of a file that has errors, listing the skipped rows.
    #[serde(default)]
    pub publish_valid_rows: bool,
    /// The publishing organisation. Only an administrator's token may name one; a steward's
    /// datasets belong to the token's organisation.
    #[serde(default)]
    pub publisher: Option<String>,
}

/// A change of a dataset's metadata: the fields given replace the current ones. `id`,
/// `profile` and `publisher` cannot change.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": {"sv": "Badplatser i Härryda", "en": "Bath sites in Härryda"}, "update_frequency": "MONTHLY"}))]
#[serde(deny_unknown_fields)]
pub struct DatasetPatch {
    pub title: Option<Localized>,
    pub description: Option<Localized>,
    pub license: Option<String>,
    pub contact_email: Option<String>,
    pub keywords: Option<Keywords>,
    pub themes: Option<Vec<String>>,
    pub update_frequency: Option<String>,
    pub landing_page: Option<String>,
    pub conforms_to: Option<String>,
    pub provenance: Option<String>,
    pub publish_valid_rows: Option<bool>,
}

/// How to take an uploaded file.
#[derive(Clone, Debug, Default)]
pub struct UploadOptions {
    /// Check only: answer with the report, change nothing.
    pub dry_run: bool,
    pub valid_rows_only: bool,
    pub crs: Option<crate::ingest::coords::Crs>,
}

/// What became of an upload.
#[derive(Debug)]
pub enum UploadOutcome {
    /// Checked only.
    Checked(Box<Report>),
    Published(Box<Published>),
}

/// One page of the change feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangePage {
    pub changes: Vec<ChangeView>,
    /// The cursor to resume from: pass it as `since` to get what happened after this page.
    /// The last change's sequence number, or `since` itself when the page is empty.
    #[schema(example = "1042")]
    pub cursor: String,
    /// Whether more changes follow at once (fetch again with `cursor`).
    pub more: bool,
}

/// One change of one item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    /// Its position in the platform's feed (a resume cursor).
    #[schema(example = 1042)]
    pub seq: u64,
    pub kind: ChangeKind,
    /// The item's id at `/api/v1/items/{id}` (gone for a deletion).
    #[schema(example = "harryda-badplatser:frokens-udde")]
    pub id: String,
    /// The item's URI.
    pub uri: String,
    pub dataset: String,
    /// The version that made the change.
    pub version: u64,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// An update frequency as sent (`ANNUAL`, or the whole IRI) as its IRI.
fn frequency(value: &str) -> String {
    links::expand(links::FREQUENCY, value)
}

/// Data themes as sent (`ENVI`, or the whole IRI) as their IRIs.
fn themes(values: Vec<String>) -> Vec<String> {
    values
        .iter()
        .map(|t| links::expand(links::DATA_THEME, t))
        .collect()
}

/// Checks metadata a steward sends ([`DatasetMeta::check`]); a steward's dataset also needs a
/// contact address (only example data from `datasets/` may go without).
fn check_steward_meta(meta: &DatasetMeta) -> Result<(), ServiceError> {
    meta.check()?;
    if meta.contact_email.is_empty() {
        return Err(ServiceError::Metadata(catalog::MetaError::new(
            "contact_email",
            "required",
            "ge en adress dit användare kan vända sig med frågor om datan",
            "give an address where users can ask about the data",
        )));
    }
    Ok(())
}

fn forbidden(principal: &Principal, publisher: &str) -> ServiceError {
    let name = reference::organisation(publisher).map_or(publisher, |o| o.name.as_str());
    ServiceError::Forbidden(format!(
        "This dataset is published by {name} ({publisher}); the token `{}` acts for {} and cannot change it.",
        principal.token_name,
        principal.scope.label()
    ))
}

impl Platform {
    /// Who holds the bearer token sent (`None`: no token was sent).
    pub fn authenticate(&self, bearer: Option<&str>) -> Result<Principal, ServiceError> {
        let token = bearer.ok_or(ServiceError::NoToken)?;
        let tokens = self
            .tokens
            .as_ref()
            .ok_or_else(|| ServiceError::Internal("this platform has no token file".into()))?;
        Ok(tokens.verify(token)??)
    }

    /// Whether `principal` may change a dataset published by `publisher`.
    pub fn authorise(&self, principal: &Principal, publisher: &str) -> Result<(), ServiceError> {
        if principal.scope.may_write(publisher) {
            Ok(())
        } else {
            Err(forbidden(principal, publisher))
        }
    }

    /// Runs a steward's write: authenticates the bearer token, runs `write` as its holder and
    /// records the outcome in the audit log. `describe` says what a success did (`version 3`).
    pub fn steward<T>(
        &self,
        bearer: Option<&str>,
        action: &str,
        dataset: Option<&str>,
        write: impl FnOnce(&Principal) -> Result<T, ServiceError>,
        describe: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T, ApiError> {
        self.steward_as(self.authenticate(bearer), action, dataset, write, describe)
    }

    /// Runs a steward's write as [`Platform::steward`] does, for a holder already
    /// authenticated (a browser session), or the reason they are not.
    pub fn steward_as<T>(
        &self,
        who: Result<Principal, ServiceError>,
        action: &str,
        dataset: Option<&str>,
        write: impl FnOnce(&Principal) -> Result<T, ServiceError>,
        describe: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T, ApiError> {
        let (result, principal) = match who {
            Ok(p) => (write(&p).map_err(ApiError::from), Some(p)),
            Err(e) => (Err(ApiError::from(e)), None),
        };
        let (outcome, detail) = match &result {
            Ok(value) => ("ok".to_owned(), describe(value)),
            Err(e) => (e.code.as_str().to_owned(), Some(e.detail.clone())),
        };
        let entry = AuditEntry {
            at: time::now_rfc3339(),
            token_id: principal.as_ref().map(|p| p.token_id.clone()),
            token_name: principal.as_ref().map(|p| p.token_name.clone()),
            scope: principal.as_ref().map(|p| p.scope.label()),
            action: action.to_owned(),
            dataset: dataset.map(str::to_owned),
            result: outcome,
            detail,
        };
        // Only a valid token's writes are audited; anyone can send a refusal without one, so
        // those cost one short log line (the id cut and escaped) and nothing on disk.
        if principal.is_some()
            && let Some(audit) = &self.audit
            && let Err(e) = audit.record(&entry)
        {
            tracing::error!(error = %e, "the audit log could not be written");
        }
        tracing::info!(
            action,
            dataset = ?super::audit::clip(dataset.unwrap_or(""), super::audit::MAX_FIELD_CHARS),
            token = entry.token_id.as_deref().unwrap_or("-"),
            result = %entry.result,
            "steward write"
        );
        result
    }

    /// The audit log, newest first (platform administrators only).
    pub fn audit_log(
        &self,
        principal: &Principal,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, usize), ServiceError> {
        if principal.scope != Scope::Admin {
            return Err(ServiceError::Forbidden(
                "Only a platform administrator's token may read the audit log.".into(),
            ));
        }
        let Some(audit) = &self.audit else {
            return Ok((Vec::new(), 0));
        };
        Ok(audit.read(offset, limit)?)
    }

    /// Creates a dataset (no version yet) owned by the token's organisation.
    pub fn create_dataset(
        &self,
        principal: &Principal,
        new: NewDataset,
    ) -> Result<DatasetMeta, ServiceError> {
        let publisher = match (&principal.scope, new.publisher) {
            (Scope::Admin, Some(p)) => p,
            (Scope::Admin, None) => {
                return Err(ServiceError::Metadata(catalog::MetaError::new(
                    "publisher",
                    "required",
                    "en administratörs nyckel måste ange den utgivande organisationen",
                    "an administrator's token must name the publishing organisation",
                )));
            }
            (Scope::Organisation(org), Some(p)) if *org != p => return Err(forbidden(principal, &p)),
            (Scope::Organisation(org), _) => org.clone(),
        };
        let conforms_to = new
            .conforms_to
            .or_else(|| profile::get(&new.profile).and_then(|p| p.conforms_to.clone()));
        let meta = DatasetMeta {
            id: new.id,
            profile: new.profile,
            publisher,
            title: new.title,
            description: new.description,
            license: new.license,
            conforms_to,
            keywords: new.keywords,
            themes: themes(new.themes),
            contact_email: new.contact_email,
            landing_page: new.landing_page,
            example: false,
            publish_valid_rows: new.publish_valid_rows,
            provenance: new.provenance,
            update_frequency: new.update_frequency.as_deref().map(frequency),
        };
        check_steward_meta(&meta)?;
        let _guard = self.lock_publishing()?;
        let model = self.model();
        if let Some(existing) = model.dataset(&meta.id) {
            return Err(ServiceError::Conflict(format!(
                "A dataset `{}` exists already (published by {}). Choose another id, or PATCH /api/v1/datasets/{} to change its metadata.",
                meta.id, existing.record.meta.publisher, meta.id
            )));
        }
        let mut remove = Vec::new();
        if let Some(deleted) = model.deleted_dataset(&meta.id) {
            // A deleted dataset's id stays with its publisher: its URIs were theirs.
            self.authorise(principal, &deleted.meta.publisher)?;
            if deleted.meta.publisher != meta.publisher {
                return Err(forbidden(principal, &deleted.meta.publisher));
            }
            remove = catalog::dataset_quads(&self.iris, &deleted.meta);
            remove.push(catalog::deleted_quad(
                &self.iris,
                &meta.id,
                deleted.deleted.as_deref().unwrap_or_default(),
            ));
        }
        self.store
            .update(&remove, &catalog::dataset_quads(&self.iris, &meta))?;
        self.refresh_dataset(&meta.id, Vec::new())?;
        Ok(meta)
    }

    /// Changes a dataset's metadata (not its data).
    pub fn update_dataset(
        &self,
        principal: &Principal,
        id: &str,
        patch: DatasetPatch,
    ) -> Result<DatasetMeta, ServiceError> {
        let _guard = self.lock_publishing()?;
        let model = self.model();
        let state = model.published(id)?;
        let old = &state.record.meta;
        self.authorise(principal, &old.publisher)?;
        let mut meta = old.clone();
        let DatasetPatch {
            title,
            description,
            license,
            contact_email,
            keywords,
            themes,
            update_frequency,
            landing_page,
            conforms_to,
            provenance,
            publish_valid_rows,
        } = patch;
        if let Some(v) = title {
            meta.title = v;
        }
        if let Some(v) = description {
            meta.description = v;
        }
        if let Some(v) = license {
            meta.license = v;
        }
        if let Some(v) = contact_email {
            meta.contact_email = v;
        }
        if let Some(v) = keywords {
            meta.keywords = v;
        }
        if let Some(v) = themes {
            meta.themes = self::themes(v);
        }
        if let Some(v) = update_frequency {
            meta.update_frequency = Some(frequency(&v));
        }
        if let Some(v) = landing_page {
            meta.landing_page = Some(v);
        }
        if let Some(v) = conforms_to {
            meta.conforms_to = Some(v);
        }
        if let Some(v) = provenance {
            meta.provenance = Some(v);
        }
        if let Some(v) = publish_valid_rows {
            meta.publish_valid_rows = v;
        }
        check_steward_meta(&meta)?;
        self.store.update(
            &catalog::dataset_quads(&self.iris, old),
            &catalog::dataset_quads(&self.iris, &meta),
        )?;
        self.refresh_dataset(id, self.current_items(id))?;
        Ok(meta)
    }

    /// The items the read model holds for a dataset (to keep them across a metadata change).
    fn current_items(&self, id: &str) -> Vec<mapping::ItemView> {
        self.model()
            .dataset(id)
            .map(|d| d.items.entries.iter().map(|e| e.view.clone()).collect())
            .unwrap_or_default()
    }

    /// Whether `principal` may upload to a dataset: its publisher when so.
    pub fn may_upload(&self, principal: &Principal, id: &str) -> Result<String, ServiceError> {
        let publisher = self.model().published(id)?.record.meta.publisher.clone();
        self.authorise(principal, &publisher)?;
        Ok(publisher)
    }

    /// Checks an uploaded file against the dataset's profile and, unless it is a dry run,
    /// publishes it as the dataset's next version.
    pub fn upload(
        &self,
        principal: &Principal,
        id: &str,
        file: crate::ingest::Source<'_>,
        options: &UploadOptions,
    ) -> Result<UploadOutcome, ServiceError> {
        let model = self.model();
        let meta = model.published(id)?.record.meta.clone();
        self.authorise(principal, &meta.publisher)?;
        let publish = PublishOptions {
            valid_rows_only: options.valid_rows_only,
            crs: options.crs,
            published_by: principal.token_name.clone(),
        };
        if options.dry_run {
            return Ok(UploadOutcome::Checked(Box::new(
                self.check_only(&meta, file, &publish)?,
            )));
        }
        Ok(UploadOutcome::Published(Box::new(self.publish_with(
            &meta,
            file,
            &publish,
            &|_| {},
        )?)))
    }

    /// Publishes the data of an earlier version again, as the next version.
    pub fn rollback(&self, principal: &Principal, id: &str, to: u64) -> Result<Published, ServiceError> {
        let _guard = self.lock_publishing()?;
        let model = self.model();
        let state = model.published(id)?;
        let record = state.record.clone();
        self.authorise(principal, &record.meta.publisher)?;
        let target = record
            .version(to)
            .cloned()
            .ok_or_else(|| ServiceError::VersionNotFound(id.to_owned(), to))?;
        let profile = profile::get(&record.meta.profile)
            .ok_or_else(|| ServiceError::Internal(format!("unknown profile {}", record.meta.profile)))?;
        let previous = record.current().map(|v| v.number);
        let number = self.unused_version(id, record.latest().map_or(1, |v| v.number + 1))?;
        let graph = self.iris.version(id, number);
        let quads: Vec<oxigraph::model::Quad> = self
            .store
            .any_graph_quads(&self.iris.version(id, to))?
            .into_iter()
            .map(|mut q| {
                q.graph_name = graph.clone().into();
                q
            })
            .collect();
        let items = if self.mode == Mode::Serve {
            mapping::project(profile, &self.iris, id, &quads)
        } else {
            Vec::new()
        };
        let hashes = changes::item_hashes(&quads, &format!("{}/id/{id}/", self.iris.base()));
        let version = VersionRecord {
            number,
            issued: time::now_rfc3339(),
            published_by: principal.token_name.clone(),
            rollback_of: Some(to),
            ..target
        };
        let mut load = self.store.begin_load()?;
        load.add(quads)?;
        self.finish_version(&record.meta, load, version, previous, items, &hashes)
    }

    /// Deletes a dataset: it leaves the catalog, the API and SPARQL, every item becomes a
    /// tombstone in the change feed, and its versions stay in the archive.
    pub fn delete_dataset(&self, principal: &Principal, id: &str) -> Result<u64, ServiceError> {
        let _guard = self.lock_publishing()?;
        let model = self.model();
        let state = model.published(id)?;
        let record = state.record.clone();
        self.authorise(principal, &record.meta.publisher)?;
        let at = time::now_rfc3339();
        let tombstones: Vec<Change> = {
            let feed = self
                .feed
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut gone: Vec<&String> = feed.live.get(id).map(|m| m.keys().collect()).unwrap_or_default();
            gone.sort();
            gone.into_iter()
                .zip(feed.next_seq()..)
                .map(|(item, seq)| Change {
                    seq,
                    kind: ChangeKind::Deleted,
                    item: item.clone(),
                    dataset: id.to_owned(),
                    version: record.latest().map_or(0, |v| v.number),
                    at: at.clone(),
                    hash: 0,
                })
                .collect()
        };
        let count = tombstones.len() as u64;
        let mut load = self.store.begin_load()?;
        // The deletion record last (see `finish_version`).
        load.add(changes::change_quads(&self.iris, &tombstones))?;
        load.add([catalog::deleted_quad(&self.iris, id, &at)])?;
        load.commit()?;
        self.unpoint(id)?;
        self.feed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .apply(tombstones);
        self.refresh_dataset(id, Vec::new())?;
        if let Some(current) = record.current() {
            self.store.retire(&self.iris.version(id, current.number))?;
        }
        if self.mode == Mode::Serve {
            self.store.compact_soon();
        }
        tracing::info!(dataset = id, tombstones = count, "deleted");
        Ok(count)
    }

    /// A dataset's versions, oldest first.
    pub fn versions(&self, id: &str) -> Result<Vec<VersionRecord>, ServiceError> {
        let model = self.model();
        let record = &model.published(id)?.record;
        Ok(record.versions.clone())
    }

    /// One version's data (current or earlier) in the RDF syntax of `media_type`.
    pub fn version_data(&self, id: &str, number: u64, media_type: &str) -> Result<Vec<u8>, ServiceError> {
        let model = self.model();
        let record = &model.published(id)?.record;
        if record.version(number).is_none() {
            return Err(ServiceError::VersionNotFound(id.to_owned(), number));
        }
        let triples: Vec<oxigraph::model::Triple> = self
            .version_quads(id, number)?
            .into_iter()
            .map(oxigraph::model::Triple::from)
            .collect();
        self.serialize(&triples, media_type)
    }

    /// The change feed after `since` (a sequence number; 0 or `None` from the start, or an
    /// RFC 3339 time: changes at or after it), optionally for one dataset (unknown: 404), at
    /// most `limit`.
    pub fn changes(
        &self,
        since: Option<&str>,
        dataset: Option<&str>,
        limit: usize,
    ) -> Result<ChangePage, ApiError> {
        if let Some(d) = dataset {
            let model = self.model();
            if model.dataset(d).is_none() && model.deleted_dataset(d).is_none() {
                return Err(ServiceError::DatasetNotFound(d.to_owned()).into());
            }
        }
        let feed = self
            .feed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let start = match since.map(str::trim) {
            None => 0,
            Some("") => {
                return Err(ApiError::parameter(
                    "since",
                    "Give a cursor (a page's `cursor`) or a time, or leave `since` out to start from the beginning.",
                ));
            }
            Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse::<u64>()
                .map_err(|_| ApiError::parameter("since", "The cursor is too large."))?,
            Some(s) => {
                let at = time::parse_instant(s).ok_or_else(|| {
                    ApiError::parameter(
                        "since",
                        format!("`{s}` is neither a cursor (a number from a page's `cursor`) nor a time (2026-06-01T00:00:00Z)."),
                    )
                })?;
                // The last change before that time.
                feed.changes
                    .iter()
                    .take_while(|c| time::parse_instant(&c.at).is_some_and(|t| t < at))
                    .last()
                    .map_or(0, |c| c.seq)
            }
        };
        let from = feed.changes.partition_point(|c| c.seq <= start);
        let mut out = Vec::new();
        let mut more = false;
        let mut last = start;
        for c in &feed.changes[from..] {
            if dataset.is_some_and(|d| d != c.dataset) {
                last = c.seq;
                continue;
            }
            if out.len() == limit {
                more = true;
                break;
            }
            last = c.seq;
            out.push(self.change_view(c));
        }
        Ok(ChangePage {
            changes: out,
            cursor: last.to_string(),
            more,
        })
    }

    fn change_view(&self, c: &Change) -> ChangeView {
        let prefix = format!("{}/id/{}/", self.iris.base(), c.dataset);
        let local = c.item.strip_prefix(&prefix).unwrap_or(&c.item);
        ChangeView {
            seq: c.seq,
            kind: c.kind,
            id: format!("{}:{local}", c.dataset),
            uri: c.item.clone(),
            dataset: c.dataset.clone(),
            version: c.version,
            at: c.at.clone(),
        }
    }

    /// One page of the change feed as a Linked Data Event Stream, in the RDF syntax of
    /// `media_type`: the changes after `after`, at most `limit`, with a relation to the next
    /// page when there are more. `page_url` makes a page's URL from its `after`.
    pub fn ldes_page(
        &self,
        after: u64,
        limit: usize,
        page_url: &dyn Fn(u64) -> String,
        media_type: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let feed = self
            .feed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let from = feed.changes.partition_point(|c| c.seq <= after);
        let page: Vec<Change> = feed.changes[from..].iter().take(limit).cloned().collect();
        let more = feed.changes.len() > from + page.len();
        drop(feed);
        let last = page.last().map_or(after, |c| c.seq);
        let next = more.then(|| (page_url(last), last));
        let triples = changes::ldes_page(
            &self.iris,
            &page,
            &page_url(after),
            next.as_ref().map(|(u, n)| (u.as_str(), *n)),
        );
        self.serialize(&triples, media_type)
    }

    /// Checks a file as a publish would, changing nothing: the report says whether it would
    /// be published.
    fn check_only(
        &self,
        meta: &DatasetMeta,
        file: crate::ingest::Source<'_>,
        options: &PublishOptions,
    ) -> Result<Report, ServiceError> {
        let profile = profile::get(&meta.profile).ok_or_else(|| {
            ServiceError::Metadata(catalog::MetaError::new(
                "profile",
                "known_profile",
                "okänd profil",
                "unknown profile",
            ))
        })?;
        let check_options = crate::ingest::CheckOptions {
            default_municipality: meta.default_municipality(),
            crs: options.crs,
            limits: self.file_limits(),
            ..crate::ingest::CheckOptions::default()
        };
        let checked = crate::ingest::check_with(file, profile, &check_options, &mut crate::ingest::KeepIds);
        Ok(checked.report)
    }
}
