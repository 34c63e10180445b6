//! Start-up recovery (and the read-back after a failed write): whatever a crash interrupted is
//! finished or undone, so the store holds whole versions only.

use super::{Platform, ServiceError};
use crate::catalog::{self, DatasetRecord};

impl Platform {
    /// After a crash: drops version graphs that have no version record (a load that never
    /// committed cannot leave any, but an older layout or manual edits might), points every
    /// dataset at its newest version, and finishes moving superseded versions to the archive.
    pub(super) fn recover(&self) -> Result<(), ServiceError> {
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
}
