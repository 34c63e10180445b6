//! The read model: every dataset's record and current items in memory, indexed for the REST
//! API. Rebuilt from the store at start and after each publish; a reader holds one immutable
//! snapshot, so a page never mixes two versions.

use crate::catalog::DatasetRecord;
use crate::mapping::ItemView;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One dataset and its current items, in id order.
#[derive(Clone, Debug)]
pub struct DatasetState {
    pub record: DatasetRecord,
    pub items: Arc<Vec<Arc<ItemView>>>,
}

/// A snapshot of everything published.
#[derive(Clone, Debug, Default)]
pub struct ReadModel {
    datasets: BTreeMap<String, DatasetState>,
    /// Items by id, across datasets.
    items: HashMap<String, Arc<ItemView>>,
    /// Items of each kind across datasets, in id order.
    collections: HashMap<String, Arc<Vec<Arc<ItemView>>>>,
}

/// Filters for a typed collection.
#[derive(Clone, Debug, Default)]
pub struct CollectionQuery {
    /// Municipality codes; empty means all.
    pub municipalities: Vec<String>,
}

/// One page of items.
#[derive(Clone, Debug)]
pub struct Page {
    pub items: Vec<Arc<ItemView>>,
    /// The cursor for the next page, when there is one.
    pub next_cursor: Option<String>,
}

impl ReadModel {
    /// Adds or replaces a dataset.
    pub fn insert(&mut self, record: DatasetRecord, items: Vec<ItemView>) {
        let id = record.meta.id.clone();
        if let Some(old) = self.datasets.remove(&id) {
            for item in old.items.iter() {
                self.items.remove(&item.id);
            }
        }
        let mut items: Vec<Arc<ItemView>> = items.into_iter().map(Arc::new).collect();
        items.sort_by(|a, b| a.id.cmp(&b.id));
        for item in &items {
            self.items.insert(item.id.clone(), item.clone());
        }
        self.datasets.insert(
            id,
            DatasetState {
                record,
                items: Arc::new(items),
            },
        );
        self.rebuild_collections();
    }

    fn rebuild_collections(&mut self) {
        let mut collections: HashMap<String, Vec<Arc<ItemView>>> = HashMap::new();
        for state in self.datasets.values() {
            for item in state.items.iter() {
                collections
                    .entry(item.kind.clone())
                    .or_default()
                    .push(item.clone());
            }
        }
        self.collections = collections
            .into_iter()
            .map(|(k, mut v)| {
                v.sort_by(|a, b| a.id.cmp(&b.id));
                (k, Arc::new(v))
            })
            .collect();
    }

    /// Every dataset, in id order.
    pub fn datasets(&self) -> impl Iterator<Item = &DatasetState> {
        self.datasets.values()
    }

    pub fn dataset(&self, id: &str) -> Option<&DatasetState> {
        self.datasets.get(id)
    }

    pub fn item(&self, id: &str) -> Option<&Arc<ItemView>> {
        self.items.get(id)
    }

    /// A page of a dataset's items, after `cursor` (an item id).
    pub fn dataset_items(&self, id: &str, cursor: Option<&str>, limit: usize) -> Option<Page> {
        let state = self.datasets.get(id)?;
        Some(page(&state.items, cursor, limit, |_| true))
    }

    /// A page of items of one kind across datasets.
    pub fn collection(
        &self,
        kind: &str,
        query: &CollectionQuery,
        cursor: Option<&str>,
        limit: usize,
    ) -> Page {
        let empty = Vec::new();
        let items = self.collections.get(kind).map_or(&empty, |v| v.as_ref());
        page(items, cursor, limit, |item| {
            query.municipalities.is_empty() || query.municipalities.contains(&item.municipality.code)
        })
    }
}

fn page(
    items: &[Arc<ItemView>],
    cursor: Option<&str>,
    limit: usize,
    keep: impl Fn(&ItemView) -> bool,
) -> Page {
    let start = match cursor {
        Some(c) => items.partition_point(|i| i.id.as_str() <= c),
        None => 0,
    };
    let mut out = Vec::with_capacity(limit.min(items.len()));
    let mut next_cursor = None;
    for item in &items[start..] {
        if !keep(item) {
            continue;
        }
        if out.len() == limit {
            next_cursor = out.last().map(|i: &Arc<ItemView>| i.id.clone());
            break;
        }
        out.push(item.clone());
    }
    Page {
        items: out,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::MunicipalityRef;

    fn item(id: &str, code: &str) -> ItemView {
        ItemView {
            id: id.into(),
            uri: format!("http://e/{id}"),
            kind: "bathing-site".into(),
            dataset: id.split(':').next().unwrap().into(),
            name: id.into(),
            description: None,
            latitude: None,
            longitude: None,
            municipality: MunicipalityRef::from_code(code),
            updated: None,
            properties: Default::default(),
            extra_columns: Default::default(),
        }
    }

    #[test]
    fn pages_follow_cursors_without_gaps() {
        let items: Vec<Arc<ItemView>> = (0..25)
            .map(|i| {
                Arc::new(item(
                    &format!("d:{i:03}"),
                    if i % 2 == 0 { "1401" } else { "1480" },
                ))
            })
            .collect();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let p = page(&items, cursor.as_deref(), 4, |i| i.municipality.code == "1401");
            seen.extend(p.items.iter().map(|i| i.id.clone()));
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 13);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn no_next_cursor_on_an_exact_last_page() {
        let items: Vec<Arc<ItemView>> = (0..4)
            .map(|i| Arc::new(item(&format!("d:{i}"), "1401")))
            .collect();
        let p = page(&items, None, 4, |_| true);
        assert_eq!(p.items.len(), 4);
        assert!(p.next_cursor.is_none());
    }
}
