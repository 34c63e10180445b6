//! Stewards' actions and the history they leave: creating a dataset, changing its metadata,
//! publishing a file (or only checking it), rolling back to an earlier version, deleting; the
//! version list, past versions' data and the audit log (the change feed is [`super::feed`]).
//!
//! Every write is an [`Action`] (one type each: [`CreateDataset`], [`Upload`], [`Rollback`], …)
//! and goes through [`Platform::steward`] (a bearer token) or [`Platform::steward_as`] (a
//! browser session's holder): the token is verified, the action runs with the token's
//! [`Principal`], and the outcome is appended to the audit log under the action's one name and
//! text, refused or not (a request without a valid token only to the server's log, see
//! [`super::audit`]), whether the API or the steward pages sent it. A
//! token acts for one organisation (or the platform's administration), and
//! [`Platform::authorise`] is the one place that decides what it may change.

use super::{AuditEntry, Mode, Platform, PublishOptions, Published, ServiceError, time};
use crate::auth::{Principal, Scope};
use crate::catalog::changes::{self, Change, ChangeKind};
use crate::catalog::{self, DatasetMeta, Keywords, VersionRecord};
use crate::error::ErrorCode;
use crate::ingest::{ConfirmedMapping, Report};
use crate::links;
use crate::mapping;
use crate::profile::{self, Localized};
use crate::reference;
use serde::Deserialize;

pub use super::feed::{ChangePage, ChangeView};

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
    /// The sheet of a workbook to read; without it, the first with data.
    pub sheet: Option<String>,
}

/// What became of an upload.
#[derive(Debug)]
pub enum UploadOutcome {
    /// Checked only.
    Checked(Box<Report>),
    Published(Box<Published>),
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

/// A steward's write, typed: its name in the audit log, the dataset it concerns, how it runs as
/// the token's holder and what a success says in the log. Every write of the API and of the
/// steward pages is one of these, run through [`Platform::steward`] or [`Platform::steward_as`],
/// so an action is recorded with the same name and text whichever surface sent it.
pub trait Action {
    /// What a success returns.
    type Output;
    /// Its name in the audit log (`rollback`).
    fn name(&self) -> &'static str;
    /// The dataset it changes, if any.
    fn dataset(&self) -> Option<&str>;
    /// Runs it as `principal`.
    fn run(self, platform: &Platform, principal: &Principal) -> Result<Self::Output, ServiceError>;
    /// What a success did, for the audit log (`version 3`).
    fn describe(output: &Self::Output) -> Option<String>;
}

/// Signing in from a browser: a new session for the token's holder.
pub struct SignIn;

impl Action for SignIn {
    type Output = (super::sessions::NewSession, Principal);
    fn name(&self) -> &'static str {
        "sign_in"
    }
    fn dataset(&self) -> Option<&str> {
        None
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<Self::Output, ServiceError> {
        Ok((platform.sessions.create(principal)?, principal.clone()))
    }
    fn describe(_: &Self::Output) -> Option<String> {
        None
    }
}

/// Creating a dataset (no version yet).
pub struct CreateDataset(pub NewDataset);

impl Action for CreateDataset {
    type Output = DatasetMeta;
    fn name(&self) -> &'static str {
        "create_dataset"
    }
    fn dataset(&self) -> Option<&str> {
        Some(&self.0.id)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<DatasetMeta, ServiceError> {
        platform.create_dataset(principal, self.0)
    }
    fn describe(_: &DatasetMeta) -> Option<String> {
        None
    }
}

/// Changing a dataset's metadata.
pub struct UpdateDataset {
    pub dataset: String,
    pub patch: DatasetPatch,
}

impl Action for UpdateDataset {
    type Output = DatasetMeta;
    fn name(&self) -> &'static str {
        "update_dataset"
    }
    fn dataset(&self) -> Option<&str> {
        Some(&self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<DatasetMeta, ServiceError> {
        platform.update_dataset(principal, &self.dataset, self.patch)
    }
    fn describe(_: &DatasetMeta) -> Option<String> {
        None
    }
}

/// Deleting a dataset: the number of tombstones it left.
pub struct DeleteDataset {
    pub dataset: String,
}

impl Action for DeleteDataset {
    type Output = u64;
    fn name(&self) -> &'static str {
        "delete_dataset"
    }
    fn dataset(&self) -> Option<&str> {
        Some(&self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<u64, ServiceError> {
        platform.delete_dataset(principal, &self.dataset)
    }
    fn describe(tombstones: &u64) -> Option<String> {
        Some(format!("{tombstones} tombstones"))
    }
}

/// Uploading a file: checked only (`dry_run`), or published as the next version.
pub struct Upload<'a> {
    pub dataset: &'a str,
    pub file: crate::ingest::Source<'a>,
    pub options: &'a UploadOptions,
}

/// What an upload's audit line says.
fn describe_upload(outcome: &UploadOutcome) -> Option<String> {
    match outcome {
        UploadOutcome::Published(p) => Some(format!("version {}", p.version.number)),
        UploadOutcome::Checked(r) => Some(format!("{} errors", r.error_count)),
    }
}

/// An upload's name in the audit log.
fn upload_name(dry_run: bool) -> &'static str {
    if dry_run { "dry_run" } else { "publish" }
}

impl Action for Upload<'_> {
    type Output = UploadOutcome;
    fn name(&self) -> &'static str {
        upload_name(self.options.dry_run)
    }
    fn dataset(&self) -> Option<&str> {
        Some(self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<UploadOutcome, ServiceError> {
        platform.upload(principal, self.dataset, self.file, self.options)
    }
    fn describe(outcome: &UploadOutcome) -> Option<String> {
        describe_upload(outcome)
    }
}

/// An upload refused before its file is read (the token is not valid): recorded as the upload
/// it would have been, and never run.
pub struct UploadRefused<'a> {
    pub dataset: &'a str,
    pub dry_run: bool,
}

impl Action for UploadRefused<'_> {
    type Output = ();
    fn name(&self) -> &'static str {
        upload_name(self.dry_run)
    }
    fn dataset(&self) -> Option<&str> {
        Some(self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<(), ServiceError> {
        let _ = (platform, principal);
        Ok(())
    }
    fn describe(_: &()) -> Option<String> {
        None
    }
}

/// Publishing an earlier version's data again, as the next version.
pub struct Rollback {
    pub dataset: String,
    pub to: u64,
}

impl Action for Rollback {
    type Output = Published;
    fn name(&self) -> &'static str {
        "rollback"
    }
    fn dataset(&self) -> Option<&str> {
        Some(&self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<Published, ServiceError> {
        platform.rollback(principal, &self.dataset, self.to)
    }
    fn describe(published: &Published) -> Option<String> {
        Some(format!(
            "version {} from version {}",
            published.version.number,
            published.version.rollback_of.unwrap_or_default()
        ))
    }
}

/// Checking a file from the steward pages, kept as the session's draft (see
/// [`super::sessions`]).
pub struct CheckDraft<'a> {
    pub session_id: &'a str,
    pub dataset: &'a str,
    pub file_name: &'a str,
    /// The workbook sheet to read; without it, the first with data.
    pub sheet: Option<&'a str>,
    pub file: super::spool::Received,
}

impl Action for CheckDraft<'_> {
    type Output = super::sessions::CheckedDraft;
    fn name(&self) -> &'static str {
        upload_name(true)
    }
    fn dataset(&self) -> Option<&str> {
        Some(self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<Self::Output, ServiceError> {
        platform.keep_checked_draft(
            self.session_id,
            principal,
            self.dataset,
            self.file_name,
            self.sheet.map(str::to_owned),
            self.file,
        )
    }
    fn describe(checked: &Self::Output) -> Option<String> {
        Some(format!("{} errors", checked.draft.report.error_count))
    }
}

/// Publishing the file a session checked, exactly as it was checked.
pub struct PublishDraft<'a> {
    pub session_id: &'a str,
    pub dataset: &'a str,
    pub draft_id: &'a str,
    pub valid_rows_only: bool,
}

impl Action for PublishDraft<'_> {
    type Output = Published;
    fn name(&self) -> &'static str {
        upload_name(false)
    }
    fn dataset(&self) -> Option<&str> {
        Some(self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<Published, ServiceError> {
        platform.publish_kept_draft(
            self.session_id,
            principal,
            self.dataset,
            self.draft_id,
            self.valid_rows_only,
        )
    }
    fn describe(published: &Published) -> Option<String> {
        Some(format!("version {}", published.version.number))
    }
}

/// Setting the header → column mapping every upload of a dataset is checked with (the whole
/// mapping: an empty one clears it). Answers the mapping as kept.
pub struct SetMapping {
    pub dataset: String,
    pub mapping: ConfirmedMapping,
}

impl Action for SetMapping {
    type Output = ConfirmedMapping;
    fn name(&self) -> &'static str {
        "set_mapping"
    }
    fn dataset(&self) -> Option<&str> {
        Some(&self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<ConfirmedMapping, ServiceError> {
        platform.set_mapping(principal, &self.dataset, self.mapping)
    }
    fn describe(mapping: &ConfirmedMapping) -> Option<String> {
        Some(format!("{} headers", mapping.0.len()))
    }
}

/// Confirming a mapping from the report page of a checked file: the mapping is kept with the
/// dataset (as [`SetMapping`]) and the session's draft is checked again with it.
pub struct ConfirmDraftMapping<'a> {
    pub session_id: &'a str,
    pub dataset: &'a str,
    pub draft_id: &'a str,
    pub mapping: ConfirmedMapping,
}

impl Action for ConfirmDraftMapping<'_> {
    type Output = super::sessions::CheckedDraft;
    fn name(&self) -> &'static str {
        "set_mapping"
    }
    fn dataset(&self) -> Option<&str> {
        Some(self.dataset)
    }
    fn run(self, platform: &Platform, principal: &Principal) -> Result<Self::Output, ServiceError> {
        let headers = self.mapping.0.len();
        platform.set_mapping(principal, self.dataset, self.mapping)?;
        let checked = platform.recheck_draft(self.session_id, principal, self.dataset, self.draft_id)?;
        tracing::debug!(headers, "mapping confirmed from a draft");
        Ok(checked)
    }
    fn describe(checked: &Self::Output) -> Option<String> {
        Some(format!(
            "{} headers; {} errors",
            checked.draft.report.column_count.unwrap_or_default(),
            checked.draft.report.error_count
        ))
    }
}

/// The most headers a confirmed mapping holds: as many as a file may have columns.
pub const MAX_MAPPING_ENTRIES: usize = crate::ingest::DEFAULT_MAX_COLUMNS;

/// Checks a mapping a steward sends against the dataset's profile: every header non-empty and
/// at most 200 characters, every target a column of the profile or `-`.
fn check_mapping(meta: &DatasetMeta, mapping: &ConfirmedMapping) -> Result<(), ServiceError> {
    let profile = profile::get(&meta.profile)
        .ok_or_else(|| ServiceError::Internal(format!("unknown profile {}", meta.profile)))?;
    let refuse = |rule: &'static str, sv: String, en: String| {
        Err(ServiceError::Metadata(catalog::MetaError::new(
            "column_mapping",
            rule,
            sv,
            en,
        )))
    };
    if mapping.0.len() > MAX_MAPPING_ENTRIES {
        return refuse(
            "too_many",
            format!("högst {MAX_MAPPING_ENTRIES} rubriker"),
            format!("at most {MAX_MAPPING_ENTRIES} headers"),
        );
    }
    if let Some(header) = mapping
        .0
        .keys()
        .find(|h| h.chars().count() > crate::ingest::report::CLIP_CHARS)
    {
        let header = crate::ingest::report::clip(header);
        return refuse(
            "header_length",
            format!("rubriken \"{header}\" är längre än 200 tecken"),
            format!("the header \"{header}\" is longer than 200 characters"),
        );
    }
    if let Some((header, target)) = mapping.invalid_entry(profile) {
        let header = crate::ingest::report::clip(header);
        let target = crate::ingest::report::clip(target);
        return refuse(
            "known_column",
            format!(
                "\"{header}\" → \"{target}\": ange en kolumn i profilen {} eller \"-\" för att utelämna kolumnen (rubriken får inte vara tom)",
                profile.id
            ),
            format!(
                "\"{header}\" → \"{target}\": name a column of the profile {} or \"-\" to leave the column out (the header may not be empty)",
                profile.id
            ),
        );
    }
    Ok(())
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

    /// Runs a steward's write: authenticates the bearer token, runs `action` as its holder and
    /// records the outcome in the audit log.
    pub fn steward<A: Action>(&self, bearer: Option<&str>, action: A) -> Result<A::Output, ServiceError> {
        self.steward_as(self.authenticate(bearer), action)
    }

    /// Runs a steward's write as [`Platform::steward`] does, for a holder already
    /// authenticated (a browser session), or the reason they are not. The one place a write is
    /// audited.
    pub fn steward_as<A: Action>(
        &self,
        who: Result<Principal, ServiceError>,
        action: A,
    ) -> Result<A::Output, ServiceError> {
        let name = action.name();
        let dataset = action.dataset().map(str::to_owned);
        let (result, principal) = match who {
            Ok(p) => (action.run(self, &p), Some(p)),
            Err(e) => (Err(e), None),
        };
        let (outcome, detail) = match &result {
            Ok(value) => ("ok".to_owned(), A::describe(value)),
            Err(e) => (e.error_code().as_str().to_owned(), Some(e.to_string())),
        };
        let entry = AuditEntry {
            at: time::now_rfc3339(),
            token_id: principal.as_ref().map(|p| p.token_id.clone()),
            token_name: principal.as_ref().map(|p| p.token_name.clone()),
            scope: principal.as_ref().map(|p| p.scope.label()),
            action: name.to_owned(),
            dataset: dataset.clone(),
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
            action = name,
            dataset = ?super::audit::clip(dataset.as_deref().unwrap_or(""), super::audit::MAX_FIELD_CHARS),
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
    pub(super) fn create_dataset(
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
            column_mapping: Default::default(),
        };
        check_steward_meta(&meta)?;
        let _guard = self.lock_publishing()?;
        let model = self.model();
        if let Some(existing) = model.dataset(&meta.id) {
            return Err(ServiceError::DatasetExists {
                id: meta.id.clone(),
                publisher: existing.record.meta.publisher.clone(),
            });
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
    pub(super) fn update_dataset(
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

    /// Keeps a confirmed header → column mapping with a dataset; every later upload is
    /// checked with it.
    pub(super) fn set_mapping(
        &self,
        principal: &Principal,
        id: &str,
        mapping: ConfirmedMapping,
    ) -> Result<ConfirmedMapping, ServiceError> {
        let _guard = self.lock_publishing()?;
        let model = self.model();
        let state = model.published(id)?;
        let old = &state.record.meta;
        self.authorise(principal, &old.publisher)?;
        check_mapping(old, &mapping)?;
        let mut meta = old.clone();
        meta.column_mapping = mapping;
        self.store.update(
            &catalog::dataset_quads(&self.iris, old),
            &catalog::dataset_quads(&self.iris, &meta),
        )?;
        self.refresh_dataset(id, self.current_items(id))?;
        Ok(meta.column_mapping)
    }

    /// The mapping a dataset's uploads are checked with, for a token that may upload to it.
    pub fn column_mapping(&self, principal: &Principal, id: &str) -> Result<ConfirmedMapping, ServiceError> {
        let model = self.model();
        let meta = &model.published(id)?.record.meta;
        self.authorise(principal, &meta.publisher)?;
        Ok(meta.column_mapping.clone())
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
    pub(super) fn upload(
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
            sheet: options.sheet.clone(),
        };
        if options.dry_run {
            let report = self.check_only(&meta, file, &publish)?;
            // A file in no format datahamn reads is refused as a publish would refuse it, not
            // answered as a checked file.
            if report
                .errors
                .iter()
                .any(|i| i.code == crate::ingest::IssueCode::UnsupportedFormat)
            {
                return Err(ServiceError::Invalid(Box::new(report)));
            }
            return Ok(UploadOutcome::Checked(Box::new(report)));
        }
        Ok(UploadOutcome::Published(Box::new(self.publish_with(
            &meta,
            file,
            &publish,
            &|_| {},
        )?)))
    }

    /// Publishes the data of an earlier version again, as the next version.
    pub(super) fn rollback(
        &self,
        principal: &Principal,
        id: &str,
        to: u64,
    ) -> Result<Published, ServiceError> {
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
    pub(super) fn delete_dataset(&self, principal: &Principal, id: &str) -> Result<u64, ServiceError> {
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
}
