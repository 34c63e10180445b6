//! Read replicas of the embedded store: the writer's checkpoints, and replicas that serve the
//! newest one and swap to the next atomically.
//!
//! The writer (`datahamn serve --checkpoint-dir DIR`) writes a checkpoint of its store whenever
//! the store revision changes (looked at once a second, and taken under the publishing lock, so
//! never in the middle of a publish), then points `LATEST` at it:
//!
//! ```text
//! DIR/LATEST                         the newest checkpoint's name, replaced atomically
//! DIR/<millis>-<revision>/           one checkpoint, never changed once it has its name
//!     checkpoint.json                revision, base URL, when it was made
//!     store/  archive/               RocksDB checkpoints of the live store and the archive
//! ```
//!
//! A replica (`datahamn serve --replica-of DIR`) copies the checkpoint `LATEST` names into its
//! own data directory (hard links where it can: table files never change), opens the copy
//! read-only, builds its read model, and only then swaps the new platform in ([`Serving`]).
//! A request holds the platform it started with, so it is answered from one checkpoint however
//! long it streams, and never sees a mix. The copy is the replica's own: the writer prunes old
//! checkpoints when it likes, and the replica removes a copy once no request uses it.

use super::{Mode, Platform, ServiceError, Settings, time};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

/// The file naming the newest checkpoint.
const LATEST: &str = "LATEST";
/// A checkpoint's description, inside it.
const MANIFEST: &str = "checkpoint.json";
/// Checkpoints the writer keeps besides the newest, for replicas still copying one.
const KEEP: usize = 2;
/// How long a superseded checkpoint stays at least, for replicas still copying it.
const RETAIN: Duration = Duration::from_secs(60);
/// How often the writer looks for a new revision.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The platform requests are answered from: one for ever on the writer, the newest checkpoint's
/// on a replica. Each request takes the current one once ([`Serving::current`]) and keeps it.
pub struct Serving {
    current: RwLock<Arc<Platform>>,
}

impl Serving {
    pub fn new(platform: Arc<Platform>) -> Self {
        Self {
            current: RwLock::new(platform),
        }
    }

    /// The platform to answer a request from.
    pub fn current(&self) -> Arc<Platform> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Puts a new platform in place; returns the one it replaces.
    fn replace(&self, platform: Arc<Platform>) -> Arc<Platform> {
        std::mem::replace(
            &mut *self.current.write().unwrap_or_else(PoisonError::into_inner),
            platform,
        )
    }
}

/// What a checkpoint says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The store revision, 16 hex digits (see [`crate::catalog::revision`]).
    pub revision: String,
    /// The base URL every URI in the store was minted under.
    pub base_url: String,
    /// When the checkpoint was made (RFC 3339).
    pub created: String,
}

/// A checkpoint's directory name: its time (milliseconds since the epoch, so names sort by
/// age) and its revision.
fn checkpoint_name(millis: u128, revision: u64) -> String {
    format!("{millis:013}-{revision:016x}")
}

/// The time in a checkpoint's name, when it is one.
fn checkpoint_millis(name: &str) -> Option<u128> {
    let (millis, revision) = name.split_once('-')?;
    if millis.len() != 13 || revision.len() != 16 || !revision.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    millis
        .parse()
        .ok()
        .filter(|_| millis.bytes().all(|b| b.is_ascii_digit()))
}

fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// The checkpoints that may go: all but the newest `KEEP + 1`, and of those only the ones
/// whose successor is older than `RETAIN` (a replica may still be copying them). `names` are
/// checkpoint names in any order.
fn prunable(mut names: Vec<String>, now: u128) -> Vec<String> {
    names.sort();
    let mut out = Vec::new();
    let keep_from = names.len().saturating_sub(KEEP + 1);
    for i in 0..keep_from {
        let successor = checkpoint_millis(&names[i + 1]).unwrap_or(now);
        if now.saturating_sub(successor) >= RETAIN.as_millis() {
            out.push(names[i].clone());
        }
    }
    out
}

/// The checkpoint names in a directory.
fn checkpoints_in(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if checkpoint_millis(&name).is_some() {
            names.push(name);
        }
    }
    Ok(names)
}

/// The name `LATEST` holds, when there is one.
pub fn latest(dir: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(dir.join(LATEST)) {
        Ok(text) => {
            let name = text.trim();
            Ok(checkpoint_millis(name).is_some().then(|| name.to_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path` whole or not at all: a temporary file, synced, renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Removes what an interrupted checkpoint or copy left (`.tmp-*` directories).
fn remove_staging(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(".tmp-") {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

impl Platform {
    /// Writes a checkpoint of the store into `dir` and points `LATEST` at it, under the
    /// publishing lock (so it holds whole publishes only); then prunes old checkpoints.
    /// Returns the revision it holds.
    pub fn checkpoint(&self, dir: &Path) -> Result<u64, ServiceError> {
        let guard = self.lock_publishing()?;
        let revision = self.revision();
        let name = checkpoint_name(now_millis(), revision);
        let staging = dir.join(format!(".tmp-{name}"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        let started = Instant::now();
        self.store.checkpoint(&staging)?;
        let manifest = Manifest {
            revision: format!("{revision:016x}"),
            base_url: self.iris.base().to_owned(),
            created: time::now_rfc3339(),
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| ServiceError::Internal(e.to_string()))?;
        write_atomically(&staging.join(MANIFEST), &json)?;
        std::fs::rename(&staging, dir.join(&name))?;
        write_atomically(&dir.join(LATEST), format!("{name}\n").as_bytes())?;
        drop(guard);
        tracing::info!(checkpoint = %name, elapsed = ?started.elapsed(), "checkpoint written");
        for old in prunable(checkpoints_in(dir)?, now_millis()) {
            if let Err(e) = std::fs::remove_dir_all(dir.join(&old)) {
                tracing::warn!(checkpoint = %old, error = %e, "cannot remove an old checkpoint");
            }
        }
        Ok(revision)
    }
}

/// Starts the writer's checkpoints into `dir`: one now, and one after every change of the store
/// revision. The thread ends when the platform is dropped.
pub fn start_checkpoints(platform: &Arc<Platform>, dir: PathBuf) -> Result<(), ServiceError> {
    if platform.is_replica() {
        return Err(ServiceError::ReadOnly);
    }
    std::fs::create_dir_all(&dir)?;
    remove_staging(&dir)?;
    let mut written = match latest(&dir)? {
        Some(name) => read_manifest(&dir.join(name)).ok().map(|m| m.revision),
        None => None,
    };
    let platform = Arc::downgrade(platform);
    std::thread::Builder::new()
        .name("datahamn-checkpoint".into())
        .spawn(move || {
            while let Some(platform) = platform.upgrade() {
                let revision = format!("{:016x}", platform.revision());
                if written.as_deref() != Some(revision.as_str()) {
                    match platform.checkpoint(&dir) {
                        Ok(r) => written = Some(format!("{r:016x}")),
                        Err(e) => tracing::error!(dir = %dir.display(), error = %e, "cannot write a checkpoint; trying again"),
                    }
                }
                drop(platform);
                std::thread::sleep(CHECK_EVERY);
            }
        })?;
    Ok(())
}

fn read_manifest(checkpoint: &Path) -> Result<Manifest, String> {
    let path = checkpoint.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a checkpoint description: {e}", path.display()))
}

/// Copies a checkpoint: table files (immutable) hard-linked when the file system allows,
/// everything else copied.
fn copy_checkpoint(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_checkpoint(&source, &target)?;
        } else if source.extension().is_some_and(|e| e == "sst" || e == "blob") {
            if std::fs::hard_link(&source, &target).is_err() {
                std::fs::copy(&source, &target)?;
            }
        } else {
            std::fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

/// Copies one checkpoint of `source` into `local` and opens it: a replica's platform, with the
/// settings and counters of the one it replaces (`previous`).
fn load(
    source: &Path,
    local: &Path,
    base_url: Option<&str>,
    settings: &Settings,
    name: &str,
    previous: Option<&Platform>,
) -> Result<Platform, String> {
    let started = Instant::now();
    let checkpoint = source.join(name);
    let manifest = read_manifest(&checkpoint)?;
    if let Some(base) = base_url
        && base.trim_end_matches('/') != manifest.base_url
    {
        return Err(format!(
            "the checkpoint {} was published under the base URL {}, not {base}; serve it under its own",
            checkpoint.display(),
            manifest.base_url
        ));
    }
    let copy = local.join(name);
    if !copy.exists() {
        let staging = local.join(format!(".tmp-{name}"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| e.to_string())?;
        }
        copy_checkpoint(&checkpoint, &staging)
            .map_err(|e| format!("cannot copy the checkpoint {}: {e}", checkpoint.display()))?;
        std::fs::rename(&staging, &copy).map_err(|e| e.to_string())?;
    }
    let store = Store::open_read_only(&copy.join("store"), &copy.join("archive"))
        .map_err(|e| format!("cannot open the checkpoint {}: {e}", copy.display()))?;
    let mut platform =
        Platform::open_with(store, &manifest.base_url, Mode::Replica).map_err(|e| e.to_string())?;
    platform.checkpoint_name = Some(name.to_owned());
    platform.checkpoint_copy = Some(copy.clone());
    platform.configure(settings);
    if let Some(previous) = previous {
        platform.carry_over(previous);
    }
    tracing::info!(checkpoint = name, revision = %manifest.revision, elapsed = ?started.elapsed(), "checkpoint opened");
    Ok(platform)
}

/// A replica: the checkpoints it follows, its copies, and the platform it serves.
pub struct Replica {
    source: PathBuf,
    local: PathBuf,
    base_url: Option<String>,
    /// Applied to every platform the replica opens.
    settings: Settings,
    serving: Arc<Serving>,
    name: String,
    /// Copies no longer served, removed once no request holds their platform.
    retired: Vec<(PathBuf, Weak<Platform>)>,
}

impl Replica {
    /// Opens the newest checkpoint in `source` (waiting for the first, if the writer has made
    /// none yet), copied into `local`. With `base_url`, refuses checkpoints made under another.
    pub fn open(
        source: &Path,
        local: &Path,
        base_url: Option<&str>,
        settings: Settings,
    ) -> Result<Self, String> {
        std::fs::create_dir_all(local).map_err(|e| format!("cannot create {}: {e}", local.display()))?;
        // Copies of an earlier run are not served by anyone now.
        for entry in std::fs::read_dir(local).map_err(|e| e.to_string())?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") || checkpoint_millis(&name).is_some() {
                std::fs::remove_dir_all(entry.path())
                    .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
            }
        }
        let mut waited = Instant::now();
        let name = loop {
            match latest(source) {
                Ok(Some(name)) => break name,
                Ok(None) => {}
                Err(e) => tracing::debug!(error = %e, "no checkpoint yet"),
            }
            if waited.elapsed() >= Duration::from_secs(10) {
                tracing::warn!(dir = %source.display(), "waiting for the writer's first checkpoint");
                waited = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let base_url = base_url.map(str::to_owned);
        let platform = load(source, local, base_url.as_deref(), &settings, &name, None)?;
        Ok(Self {
            source: source.to_owned(),
            local: local.to_owned(),
            base_url,
            settings,
            serving: Arc::new(Serving::new(Arc::new(platform))),
            name,
            retired: Vec::new(),
        })
    }

    /// What the HTTP layer serves.
    pub fn serving(&self) -> Arc<Serving> {
        self.serving.clone()
    }

    /// The base URL of the checkpoint served.
    pub fn base_url(&self) -> String {
        self.serving.current().iris().base().to_owned()
    }

    /// Swaps to the newest checkpoint when there is a newer one than the one served; removes
    /// copies no request uses any more. Returns whether it swapped.
    pub fn refresh(&mut self) -> Result<bool, String> {
        self.retired.retain(|(dir, platform)| {
            if platform.strong_count() > 0 {
                return true;
            }
            if let Err(e) = std::fs::remove_dir_all(dir) {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a checkpoint copy");
            }
            false
        });
        let Some(name) = latest(&self.source).map_err(|e| e.to_string())? else {
            return Ok(false);
        };
        if name <= self.name {
            return Ok(false);
        }
        let platform = load(
            &self.source,
            &self.local,
            self.base_url.as_deref(),
            &self.settings,
            &name,
            Some(&self.serving.current()),
        )?;
        let old = self.serving.replace(Arc::new(platform));
        self.retired
            .push((self.local.join(&self.name), Arc::downgrade(&old)));
        drop(old);
        self.name = name;
        Ok(true)
    }

    /// Follows the checkpoints in a thread of its own, looking every `poll`.
    pub fn follow(mut self, poll: Duration) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("datahamn-replica".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(poll);
                    if let Err(e) = self.refresh() {
                        tracing::error!(error = %e, "cannot open the newest checkpoint; serving the one before");
                    }
                }
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_age_and_say_their_revision() {
        let a = checkpoint_name(1_763_700_000_000, 0xabc);
        let b = checkpoint_name(1_763_700_000_001, 0x1);
        assert_eq!(a, "1763700000000-0000000000000abc");
        assert!(a < b);
        assert_eq!(checkpoint_millis(&a), Some(1_763_700_000_000));
        for not_one in [
            "LATEST",
            ".tmp-1763700000000-0000000000000abc",
            "1763700000000-xyz",
            "12-0000000000000abc",
        ] {
            assert_eq!(checkpoint_millis(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn pruning_keeps_the_newest_and_what_replicas_may_still_copy() {
        let minute = RETAIN.as_millis();
        let now = 10 * minute;
        let names: Vec<String> = [0, minute, 2 * minute, 9 * minute, now - 5]
            .iter()
            .map(|t| checkpoint_name(*t, 1))
            .collect();
        // The newest three stay; of the older, the one superseded less than a minute ago too.
        assert_eq!(
            prunable(names.clone(), now),
            vec![names[0].clone(), names[1].clone()]
        );
        assert!(prunable(names[3..].to_vec(), now).is_empty());
        let recent: Vec<String> = (0..6).map(|i| checkpoint_name(now - 100 + i, 1)).collect();
        assert!(prunable(recent, now).is_empty(), "superseded a moment ago");
    }

    #[test]
    fn latest_is_read_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(latest(dir.path()).unwrap(), None);
        let name = checkpoint_name(1_763_700_000_000, 7);
        write_atomically(&dir.path().join(LATEST), format!("{name}\n").as_bytes()).unwrap();
        assert_eq!(latest(dir.path()).unwrap(), Some(name));
        std::fs::write(dir.path().join(LATEST), "garbage").unwrap();
        assert_eq!(latest(dir.path()).unwrap(), None);
        assert!(!dir.path().join("LATEST.tmp").exists());
    }

    #[test]
    fn a_checkpoint_opens_read_only_with_what_was_published() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store"), &dir.path().join("archive")).unwrap();
        let platform = Arc::new(Platform::open(store, "https://data.example.se").unwrap());
        let meta = crate::catalog::DatasetMeta::from_toml(include_str!(
            "../../datasets/harryda-badplatser/dataset.toml"
        ))
        .unwrap();
        let csv = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/datasets/harryda-badplatser/data.csv"
        ))
        .unwrap();
        platform
            .publish(&meta, crate::ingest::Source::Bytes(&csv))
            .unwrap();
        let checkpoints = dir.path().join("checkpoints");
        std::fs::create_dir_all(&checkpoints).unwrap();
        let revision = platform.checkpoint(&checkpoints).unwrap();
        assert_eq!(revision, platform.revision());
        let name = latest(&checkpoints).unwrap().unwrap();
        assert!(checkpoint_millis(&name).is_some());

        let local = dir.path().join("replica");
        let mut replica = Replica::open(&checkpoints, &local, None, Settings::default()).unwrap();
        let served = replica.serving().current();
        assert!(served.is_replica());
        assert_eq!(served.revision(), revision, "the same state, the same revision");
        assert_eq!(served.model().item_count(), platform.model().item_count());
        assert!(matches!(
            served.delete_dataset(
                &crate::auth::Principal {
                    token_id: "0123abcd".into(),
                    token_name: "Anna".into(),
                    scope: crate::auth::Scope::Organisation("1401".into()),
                },
                "harryda-badplatser"
            ),
            Err(ServiceError::ReadOnly)
        ));
        // Nothing newer: no swap.
        assert!(!replica.refresh().unwrap());

        // The writer changes; the next checkpoint is swapped in, the old copy goes once unused.
        let mut fewer = Vec::new();
        for (i, line) in String::from_utf8(csv).unwrap().lines().enumerate() {
            if i < 4 {
                fewer.push(line.to_owned());
            }
        }
        let fewer = fewer.join("\n") + "\n";
        platform
            .publish(&meta, crate::ingest::Source::Bytes(fewer.as_bytes()))
            .unwrap();
        platform.checkpoint(&checkpoints).unwrap();
        let old_copy = local.join(&replica.name);
        assert!(replica.refresh().unwrap());
        let newer = replica.serving().current();
        assert_eq!(newer.revision(), platform.revision());
        assert_eq!(newer.model().item_count(), 3);
        assert_eq!(
            served.model().item_count(),
            9,
            "a request under way keeps its checkpoint"
        );
        assert!(old_copy.exists());
        drop(served);
        replica.refresh().unwrap();
        assert!(!old_copy.exists(), "removed once nothing uses it");
    }
}
