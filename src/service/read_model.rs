//! The read model: every dataset's record and current items in memory, indexed for the REST and
//! OGC APIs. Built from the store at start and swapped after each publish; a reader holds one
//! immutable snapshot, so a page never mixes two versions.
//!
//! Each item is kept as its view, its JSON (rendered once, so a page is assembled by copying
//! bytes) and the folded text and timestamps the filters compare. Each typed collection (and each
//! dataset) has indexes by municipality, by dataset and by position (a [`Grid`]); [`super::search`] evaluates
//! queries over them.

use crate::catalog::DatasetRecord;
use crate::catalog::coverage::{Coverage, Extent, Period};
use crate::mapping::{ItemLinks, ItemView};
use crate::reference;
use crate::service::grid::Grid;
use crate::service::search::BBox;
use crate::service::time::parse_instant;
use crate::text::fold;
use crate::vocab::Iris;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One item as the read model keeps it.
#[derive(Debug)]
pub struct Entry {
    pub view: ItemView,
    /// The view as JSON, rendered once.
    pub json: Box<[u8]>,
    /// Name and description, folded (see [`fold`]) for text search.
    pub(crate) folded: String,
    /// `updated` as seconds since the epoch.
    pub(crate) updated_at: Option<i64>,
    /// The two-digit county code of the item's municipality.
    pub(crate) county: &'static str,
}

impl Entry {
    /// Completes a projected view (links, `updated` fallback) and renders it.
    /// `collection` is the id of the typed collection (the profile id).
    pub fn new(mut view: ItemView, iris: &Iris, version_issued: &str, collection: &str) -> Self {
        let base = iris.base();
        view.links = ItemLinks {
            self_: format!("{base}/api/v1/items/{}", view.id),
            feature: format!("{base}/ogc/collections/{collection}/items/{}", view.id),
            dataset: format!("{base}/api/v1/datasets/{}", view.dataset),
        };
        if view.updated.is_none() && !version_issued.is_empty() {
            view.updated = Some(version_issued.to_owned());
        }
        let mut folded = fold(&view.name);
        if let Some(d) = &view.description {
            folded.push('\n');
            folded.push_str(&fold(d));
        }
        let updated_at = view.updated.as_deref().and_then(parse_instant);
        let county = reference::municipality(&view.municipality.code).map_or("", |m| m.county_code.as_str());
        let json = serde_json::to_vec(&view).unwrap_or_default().into_boxed_slice();
        Self {
            view,
            json,
            folded,
            updated_at,
            county,
        }
    }

    /// The position, when the item has one.
    pub fn position(&self) -> Option<(f64, f64)> {
        Some((self.view.latitude?, self.view.longitude?))
    }
}

/// Items of one kind (or of one dataset) in id order, with their indexes.
#[derive(Debug, Default)]
pub struct Collection {
    pub(crate) entries: Vec<Arc<Entry>>,
    /// Positions in `entries` (ascending) by municipality code.
    pub(crate) by_municipality: HashMap<String, Vec<u32>>,
    /// Positions in `entries` (ascending) by dataset id.
    pub(crate) by_dataset: HashMap<String, Vec<u32>>,
    /// Every item with a position, by grid cell.
    pub(crate) grid: Grid,
    /// The bounding box of every position, when any item has one.
    pub extent: Option<BBox>,
    /// The latest `updated` of any item (seconds since the epoch).
    pub latest_update: Option<i64>,
}

impl Collection {
    /// Indexes entries; sorts them by id.
    pub fn new(mut entries: Vec<Arc<Entry>>) -> Self {
        entries.sort_by(|a, b| a.view.id.cmp(&b.view.id));
        let mut by_municipality: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_dataset: HashMap<String, Vec<u32>> = HashMap::new();
        let mut points = Vec::new();
        let mut extent: Option<BBox> = None;
        for (pos, entry) in entries.iter().enumerate() {
            let pos = pos as u32;
            by_municipality
                .entry(entry.view.municipality.code.clone())
                .or_default()
                .push(pos);
            if let Some(list) = by_dataset.get_mut(&entry.view.dataset) {
                list.push(pos);
            } else {
                by_dataset.insert(entry.view.dataset.clone(), vec![pos]);
            }
            if let Some((lat, lon)) = entry.position() {
                points.push((lat, lon, pos));
                extent = Some(match extent {
                    None => BBox::point(lon, lat),
                    Some(b) => b.expanded(lon, lat),
                });
            }
        }
        let grid = Grid::new(points);
        let latest_update = entries.iter().filter_map(|e| e.updated_at).max();
        Self {
            entries,
            by_municipality,
            by_dataset,
            grid,
            extent,
            latest_update,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One dataset and its current items.
#[derive(Clone, Debug)]
pub struct DatasetState {
    pub record: DatasetRecord,
    pub items: Arc<Collection>,
    /// The byte sizes of its downloads, by file extension, once known: a download's bytes are a
    /// function of the current version (and the build), so a size holds until the dataset
    /// changes, which replaces this state.
    pub download_sizes: Arc<DownloadSizes>,
}

impl DatasetState {
    /// What the catalogs say it covers: the extent of its current items' positions, and the
    /// time from the earliest to the latest of its versions' publications and its items' dates.
    pub fn coverage(&self) -> Coverage {
        let extent = Extent::of_points(
            self.items
                .entries
                .iter()
                .filter_map(|e| e.position())
                .map(|(lat, lon)| (lon, lat)),
        );
        let versions = self
            .record
            .versions
            .iter()
            .filter_map(|v| Some((parse_instant(&v.issued)?, v.issued.as_str())));
        let items = self
            .items
            .entries
            .iter()
            .filter_map(|e| Some((e.updated_at?, e.view.updated.as_deref()?)));
        Coverage {
            extent,
            period: Period::span(versions.chain(items)),
        }
    }
}

/// The known byte sizes of a dataset's downloads, by file extension.
#[derive(Debug, Default)]
pub struct DownloadSizes(std::sync::Mutex<HashMap<&'static str, u64>>);

impl DownloadSizes {
    pub fn get(&self, extension: &str) -> Option<u64> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(extension)
            .copied()
    }

    pub fn insert(&self, extension: &'static str, size: u64) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(extension, size);
    }
}

/// A snapshot of everything published.
#[derive(Clone, Debug, Default)]
pub struct ReadModel {
    datasets: BTreeMap<String, DatasetState>,
    /// Deleted datasets, kept so their ids stay with their publisher.
    deleted: BTreeMap<String, DatasetRecord>,
    /// Items by id, across datasets.
    items: HashMap<String, Arc<Entry>>,
    /// The typed collections, by id (the profile ids).
    collections: HashMap<String, Arc<Collection>>,
    /// When anything was last published (seconds since the epoch).
    last_published: Option<i64>,
    /// The store revision this snapshot was built from (see [`ReadModel::revision`]).
    revision: u64,
}

impl ReadModel {
    /// A model of these datasets with their current items, read at store revision `revision`.
    pub fn build(iris: &Iris, datasets: Vec<(DatasetRecord, Vec<ItemView>)>, revision: u64) -> Self {
        let mut model = Self::default();
        for (record, items) in datasets {
            model.put(iris, record, items);
        }
        model.reindex();
        model.revision = revision;
        model
    }

    /// A copy of this model with one dataset added or replaced, at store revision `revision`.
    pub fn with_dataset(
        &self,
        iris: &Iris,
        record: DatasetRecord,
        items: Vec<ItemView>,
        revision: u64,
    ) -> Self {
        let mut model = self.clone();
        model.put(iris, record, items);
        model.reindex();
        model.revision = revision;
        model
    }

    fn put(&mut self, iris: &Iris, record: DatasetRecord, items: Vec<ItemView>) {
        let id = record.meta.id.clone();
        if let Some(old) = self.datasets.remove(&id) {
            for entry in &old.items.entries {
                self.items.remove(&entry.view.id);
            }
        }
        self.deleted.remove(&id);
        if record.deleted.is_some() {
            self.deleted.insert(id, record);
            return;
        }
        let issued = record.current().map(|v| v.issued.clone()).unwrap_or_default();
        let entries: Vec<Arc<Entry>> = items
            .into_iter()
            .map(|view| Arc::new(Entry::new(view, iris, &issued, &record.meta.profile)))
            .collect();
        for entry in &entries {
            self.items.insert(entry.view.id.clone(), entry.clone());
        }
        self.datasets.insert(
            id,
            DatasetState {
                record,
                items: Arc::new(Collection::new(entries)),
                download_sizes: Arc::default(),
            },
        );
    }

    fn reindex(&mut self) {
        let mut by_kind: HashMap<String, Vec<Arc<Entry>>> = HashMap::new();
        for state in self.datasets.values() {
            by_kind
                .entry(state.record.meta.profile.clone())
                .or_default()
                .extend(state.items.entries.iter().cloned());
        }
        self.collections = by_kind
            .into_iter()
            .map(|(kind, entries)| (kind, Arc::new(Collection::new(entries))))
            .collect();
        self.last_published = self
            .datasets
            .values()
            .filter_map(|d| d.record.current().and_then(|v| parse_instant(&v.issued)))
            .max();
    }

    /// Every dataset, in id order.
    pub fn datasets(&self) -> impl Iterator<Item = &DatasetState> {
        self.datasets.values()
    }

    pub fn dataset(&self, id: &str) -> Option<&DatasetState> {
        self.datasets.get(id)
    }

    /// A published dataset, or the service's "no dataset" error.
    pub fn published(&self, id: &str) -> Result<&DatasetState, super::ServiceError> {
        self.dataset(id)
            .ok_or_else(|| super::ServiceError::DatasetNotFound(id.to_owned()))
    }

    /// A deleted dataset's record.
    pub fn deleted_dataset(&self, id: &str) -> Option<&DatasetRecord> {
        self.deleted.get(id)
    }

    pub fn item(&self, id: &str) -> Option<&Arc<Entry>> {
        self.items.get(id)
    }

    /// Every published item.
    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    /// The items of one typed collection (a profile id) across datasets; empty when none is
    /// published.
    pub fn collection(&self, id: &str) -> Arc<Collection> {
        self.collections.get(id).cloned().unwrap_or_default()
    }

    /// When anything was last published (seconds since the epoch).
    pub fn last_published(&self) -> Option<i64> {
        self.last_published
    }

    /// The store revision the snapshot was built from: the digest of the catalog graph
    /// ([`crate::catalog::revision`]). Every answer rendered from what is published depends on
    /// it and on the request alone, in any process serving the same store (the HTTP layer's
    /// entity tags).
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{DatasetMeta, VersionRecord};
    use crate::mapping::MunicipalityRef;

    fn version(number: u64, issued: &str) -> VersionRecord {
        VersionRecord {
            number,
            issued: issued.into(),
            row_count: 2,
            item_count: 2,
            skipped_row_count: 0,
            checksum: "00".into(),
            report: Default::default(),
            published_by: String::new(),
            rollback_of: None,
        }
    }

    fn item(local: &str, position: Option<(f64, f64)>, updated: Option<&str>) -> ItemView {
        ItemView {
            id: format!("harryda-badplatser:{local}"),
            uri: format!("http://e/id/harryda-badplatser/{local}"),
            kind: "bathing-site".into(),
            dataset: "harryda-badplatser".into(),
            name: local.into(),
            description: None,
            latitude: position.map(|p| p.0),
            longitude: position.map(|p| p.1),
            municipality: MunicipalityRef::from_code("1401"),
            updated: updated.map(str::to_owned),
            properties: Default::default(),
            extra_columns: Default::default(),
            links: Default::default(),
        }
    }

    #[test]
    fn coverage_spans_the_versions_and_the_items_dates_and_bounds_their_positions() {
        let meta =
            DatasetMeta::from_toml(include_str!("../../datasets/harryda-badplatser/dataset.toml")).unwrap();
        let record = DatasetRecord {
            meta,
            versions: vec![
                version(1, "2026-05-01T10:00:00Z"),
                version(2, "2026-06-01T10:00:00Z"),
            ],
            deleted: None,
        };
        let items = vec![
            item("a", Some((57.6, 12.1)), Some("2024-06-01")),
            item("b", Some((57.7, 12.5)), None),
            item("c", None, None),
        ];
        let model = ReadModel::build(&Iris::new("http://e"), vec![(record.clone(), items)], 1);
        let coverage = model.dataset("harryda-badplatser").unwrap().coverage();
        let period = coverage.period.unwrap();
        // An item's own date reaches before the first version; the latest is the current version.
        assert_eq!(
            (period.start.as_str(), period.end.as_str()),
            ("2024-06-01", "2026-06-01T10:00:00Z")
        );
        let extent = coverage.extent.unwrap();
        assert_eq!(
            extent.count(),
            2,
            "the item without a position is not in the extent"
        );
        assert_eq!(extent.centroid_wkt(), "POINT(12.3 57.65)");
        // Without items' dates: from the first version's publication to the latest one's.
        let model = ReadModel::build(
            &Iris::new("http://e"),
            vec![(record, vec![item("c", None, None)])],
            1,
        );
        let coverage = model.dataset("harryda-badplatser").unwrap().coverage();
        assert_eq!(coverage.extent, None);
        let period = coverage.period.unwrap();
        assert_eq!(
            (period.start.as_str(), period.end.as_str()),
            ("2026-05-01T10:00:00Z", "2026-06-01T10:00:00Z")
        );
    }
}
