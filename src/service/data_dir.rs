//! A data directory: the store (or the remote engine's address), the base URL it was published
//! under (`datahamn.toml`), stewards' tokens, the audit log and the upload spool.

use super::{AuditLog, Mode, Platform, ServiceError, spool};
use crate::reference;
use crate::store::Store;
use std::path::Path;

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
}
