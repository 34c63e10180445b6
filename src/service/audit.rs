//! The audit log: every steward write (who, what, when, and how it ended), one JSON line each,
//! appended to `audit.log` in the data directory and read back by the platform administrator.
//! It names tokens by id and name, never by the token itself.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One recorded write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The token's id and name, when a valid token was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_name: Option<String>,
    /// What the token acts for (`org 1401`, `admin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// What was asked: `create_dataset`, `update_dataset`, `publish`, `dry_run`, `rollback`,
    /// `delete_dataset`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// `ok`, or the error code it was refused with.
    pub result: String,
    /// What came of it (`version 3`), or why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The append-only log file.
pub struct AuditLog {
    path: PathBuf,
    /// One writer at a time, so lines never interleave.
    writer: Mutex<()>,
}

impl AuditLog {
    /// The log of the data directory `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join("audit.log"),
            writer: Mutex::new(()),
        }
    }

    /// Appends an entry, durably.
    pub fn record(&self, entry: &AuditEntry) -> std::io::Result<()> {
        let _guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path)?;
        file.write_all(&line)?;
        file.sync_data()
    }

    /// Entries newest first: `limit` of them, after skipping `offset`.
    pub fn read(&self, offset: usize, limit: usize) -> std::io::Result<(Vec<AuditEntry>, usize)> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
            Err(e) => return Err(e),
        };
        let mut all: Vec<AuditEntry> = std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            // A line cut short by a crash is skipped, not fatal.
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect();
        let total = all.len();
        all.reverse();
        Ok((all.into_iter().skip(offset).take(limit).collect(), total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_dir(dir.path());
        assert_eq!(log.read(0, 10).unwrap().1, 0);
        for n in 0..3 {
            log.record(&AuditEntry {
                at: format!("2026-11-21T10:00:0{n}Z"),
                token_id: Some("0a1b2c3d".into()),
                token_name: Some("GIS".into()),
                scope: Some("org 1401".into()),
                action: "publish".into(),
                dataset: Some("harryda-badplatser".into()),
                result: "ok".into(),
                detail: Some(format!("version {n}")),
            })
            .unwrap();
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("audit.log"))
            .unwrap()
            .write_all(b"{\"at\":")
            .unwrap();
        let (entries, total) = log.read(1, 5).unwrap();
        assert_eq!(total, 3);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].detail.as_deref(), Some("version 1"));
    }
}
