//! The publish pipeline, one for the server, the steward pages and the command line: a file is
//! checked against its profile (pass 1: the report and every id, no values kept), mapped and
//! streamed into one atomic load (pass 2), recorded with its version and changes in one commit,
//! pointed at, and the read model and change feed refreshed; the version it supersedes is
//! retired to the archive. See `docs/architecture.md`, "Publishing".

use super::{Mode, Platform, ServiceError, time};
use crate::catalog::changes::{self, Change};
use crate::catalog::{self, DatasetMeta, DatasetRecord, VersionRecord};
use crate::ingest::{self, CheckOptions, IssueCode, Report};
use crate::mapping::{self, ItemView, MapContext};
use crate::profile;
use std::path::{Path, PathBuf};

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
    /// The sheet of a workbook to read; without it, the first with data.
    pub sheet: Option<String>,
}

/// A stage of a publish, for progress display.
#[derive(Clone, Copy, Debug)]
pub enum Stage {
    Checking { bytes: u64 },
    Loading { rows: u64 },
}

/// What became of one dataset folder: published, or the folder and why not.
pub type DirectoryOutcome = Result<Published, (PathBuf, ServiceError)>;

/// Pass 1 of every publish (the server's, the steward pages', `datahamn ingest`) and of
/// `datahamn convert`: the file checked against its profile, each valid row's number and final
/// id kept (ids made unique across the file), no values. Refused with its report unless the
/// file is valid, or `valid_rows_only` and some rows are valid and the file itself (its
/// encoding, its header) has no errors.
pub fn check_file(
    file: ingest::Source<'_>,
    profile: &profile::Profile,
    options: &CheckOptions,
    valid_rows_only: bool,
) -> Result<ingest::Checked, Box<Report>> {
    let checked = ingest::check_with(file, profile, options, &mut ingest::KeepIds);
    let publishable = checked.report.valid
        || (valid_rows_only && !checked.rows.is_empty() && !checked.report.has_file_errors());
    if publishable {
        Ok(checked)
    } else {
        Err(Box::new(checked.report))
    }
}

/// Pass 2: reads the file again and maps each row [`check_file`] kept, under its final id,
/// into `context`'s graph, handing each row's id and quads to `each` (rows and quads are never
/// collected). The kept rows are let go (their ids are all it needs).
pub fn map_file(
    file: ingest::Source<'_>,
    profile: &profile::Profile,
    options: &CheckOptions,
    checked: &mut ingest::Checked,
    context: &MapContext<'_>,
    each: &mut dyn FnMut(&str, Vec<oxigraph::model::Quad>),
) {
    let final_ids = ingest::final_ids(checked);
    checked.rows = Vec::new();
    let mapper = mapping::Mapper::new(profile, context);
    ingest::for_each_final_row(file, profile, options, &final_ids, &mut |row| {
        let mut quads = Vec::with_capacity(48);
        mapper.map_row(&row, &mut quads);
        each(&row.local_id, quads);
    });
}

/// The metadata of a dataset first published from the command line (`datahamn ingest`): the
/// profile's title and description with the organisation's name, CC0, no contact address.
pub fn command_line_meta(
    id: &str,
    organisation: &crate::reference::Organisation,
    profile: &profile::Profile,
) -> DatasetMeta {
    DatasetMeta {
        id: id.to_owned(),
        profile: profile.id.clone(),
        publisher: organisation.id.clone(),
        title: profile::Localized::new(
            format!("{}: {}", profile.title.sv, organisation.name),
            format!("{}: {}", profile.title.en, organisation.name),
        ),
        description: profile.description.clone(),
        license: "http://creativecommons.org/publicdomain/zero/1.0/".to_owned(),
        conforms_to: profile.conforms_to.clone(),
        keywords: Default::default(),
        themes: Vec::new(),
        contact_email: String::new(),
        landing_page: None,
        example: false,
        publish_valid_rows: false,
        provenance: None,
        update_frequency: None,
        column_mapping: Default::default(),
    }
}

impl Platform {
    /// The publishing lock, which every write holds; a replica refuses to write.
    ///
    /// After a write to the store failed, the store is read back first (repaired, the read
    /// model and the change feed reloaded): the failed write may have been applied all the
    /// same (a commit whose answer was lost), and numbering the next version or change from
    /// memory would reuse a number the store already holds.
    pub(super) fn lock_publishing(&self) -> Result<std::sync::MutexGuard<'_, ()>, ServiceError> {
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
    pub(super) fn unused_version(&self, dataset: &str, first: u64) -> Result<u64, ServiceError> {
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
    pub(super) fn publish_folder(&self, path: &Path) -> Result<Published, ServiceError> {
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
        let profile = profile_of(meta)?;
        let _guard = self.lock_publishing()?;
        let started = std::time::Instant::now();
        progress(Stage::Checking { bytes: file.len()? });
        // Pass 1 settles the report and every id, keeping no values: a large file is never
        // held in memory as rows or quads.
        let check_options = CheckOptions {
            default_municipality: meta.default_municipality(),
            crs: options.crs,
            limits: self.file_limits,
            mapping: meta.column_mapping.clone(),
            sheet: options.sheet.clone(),
            ..CheckOptions::default()
        };
        let valid_rows_only = options.valid_rows_only || meta.publish_valid_rows;
        let mut checked =
            check_file(file, profile, &check_options, valid_rows_only).map_err(ServiceError::Invalid)?;
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
        let mut load = self.store.begin_load()?;
        let context = MapContext {
            iris: &self.iris,
            dataset: &meta.id,
            graph: &graph,
        };
        let mut items = Vec::new();
        let mut hashes = Vec::with_capacity(checked.rows.len());
        let mut failure = None;
        map_file(
            file,
            profile,
            &check_options,
            &mut checked,
            &context,
            &mut |local_id, quads| {
                if failure.is_some() {
                    return;
                }
                hashes.push((
                    self.iris.item(&meta.id, local_id).into_string(),
                    changes::content_hash(&quads),
                ));
                if self.mode == Mode::Serve {
                    items.extend(mapping::project(profile, &self.iris, &meta.id, &quads));
                }
                if let Err(e) = load.add(quads) {
                    failure = Some(e);
                }
            },
        );
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
    pub(super) fn finish_version(
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
    pub(super) fn unpoint(&self, dataset: &str) -> Result<(), ServiceError> {
        let pointer = catalog::current_version_quad(&self.iris, dataset, 1);
        self.store.replace(
            &self.iris.catalog_graph(),
            &[(self.iris.dataset(dataset), pointer.predicate)],
            &[],
        )?;
        Ok(())
    }

    pub(super) fn point_to(&self, dataset: &str, number: u64) -> Result<(), ServiceError> {
        let pointer = catalog::current_version_quad(&self.iris, dataset, number);
        let predicate = pointer.predicate.clone();
        self.store.replace(
            &self.iris.catalog_graph(),
            &[(self.iris.dataset(dataset), predicate)],
            &[pointer],
        )?;
        Ok(())
    }

    /// Checks a file as a publish would, changing nothing: the report says whether it would
    /// be published.
    pub(super) fn check_only(
        &self,
        meta: &DatasetMeta,
        file: crate::ingest::Source<'_>,
        options: &PublishOptions,
    ) -> Result<Report, ServiceError> {
        let profile = profile_of(meta)?;
        let check_options = crate::ingest::CheckOptions {
            default_municipality: meta.default_municipality(),
            crs: options.crs,
            limits: self.file_limits(),
            mapping: meta.column_mapping.clone(),
            sheet: options.sheet.clone(),
            ..crate::ingest::CheckOptions::default()
        };
        let checked = crate::ingest::check_with(file, profile, &check_options, &mut crate::ingest::KeepIds);
        Ok(checked.report)
    }
}

/// The profile a dataset's metadata names; an unknown one is a metadata error on `profile`.
fn profile_of(meta: &DatasetMeta) -> Result<&'static profile::Profile, ServiceError> {
    profile::get(&meta.profile).ok_or_else(|| {
        ServiceError::Metadata(catalog::MetaError::new(
            "profile",
            "known_profile",
            "okänd profil",
            "unknown profile",
        ))
    })
}
