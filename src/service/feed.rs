//! The change feed: every item created, updated or deleted, numbered in one order across the
//! platform (its record is the changes graph), as JSON pages and as a Linked Data Event Stream.

use super::{Mode, Platform, ServiceError, time};
use crate::catalog::changes::{self, Change, ChangeKind};
use serde::Serialize;

/// The change feed in memory (its record is the changes graph).
#[derive(Default)]
pub(super) struct Feed {
    pub(super) changes: Vec<Change>,
    /// Dataset → item URI → content hash.
    pub(super) live: std::collections::HashMap<String, std::collections::HashMap<String, u64>>,
}

impl Feed {
    pub(super) fn next_seq(&self) -> u64 {
        self.changes.last().map_or(1, |c| c.seq + 1)
    }

    pub(super) fn apply(&mut self, changes: Vec<Change>) {
        changes::apply(&mut self.live, &changes);
        self.changes.extend(changes);
    }
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

impl Platform {
    /// Reads the change feed from the store. Datasets published before the feed existed get
    /// their items recorded as created, once.
    pub(super) fn load_feed(&self) -> Result<(), ServiceError> {
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

    /// The change feed after `since` (a sequence number; 0 or `None` from the start, or an
    /// RFC 3339 time: changes at or after it), optionally for one dataset (unknown:
    /// [`ServiceError::DatasetNotFound`]), at most `limit`.
    pub fn changes(
        &self,
        since: Option<&str>,
        dataset: Option<&str>,
        limit: usize,
    ) -> Result<ChangePage, ServiceError> {
        if let Some(d) = dataset {
            let model = self.model();
            if model.dataset(d).is_none() && model.deleted_dataset(d).is_none() {
                return Err(ServiceError::DatasetNotFound(d.to_owned()));
            }
        }
        let feed = self
            .feed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let start = match since.map(str::trim) {
            None => 0,
            Some("") => {
                return Err(ServiceError::Parameter {
                    parameter: "since",
                    detail: "Give a cursor (a page's `cursor`) or a time, or leave `since` out to start from the beginning.".into(),
                });
            }
            Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<u64>().map_err(|_| ServiceError::Parameter {
                    parameter: "since",
                    detail: "The cursor is too large.".into(),
                })?
            }
            Some(s) => {
                let at = time::parse_instant(s).ok_or_else(|| ServiceError::Parameter {
                    parameter: "since",
                    detail: format!("`{s}` is neither a cursor (a number from a page's `cursor`) nor a time (2026-06-01T00:00:00Z)."),
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

    pub(super) fn change_view(&self, c: &Change) -> ChangeView {
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
}
