//! The audit log: every write of a steward with a valid token (who, what, when, and how it
//! ended, refused or not), one JSON line each, appended to `audit.log` in the data directory
//! and read back by the platform administrator. It names tokens by id and name, never by the
//! token itself.
//!
//! Bounded: a request without a valid token is not written here (anyone could send those; the
//! server's log has one short line for each), every field an entry takes from a request is cut
//! at [`MAX_FIELD_CHARS`] characters (JSON escapes the rest), and only a write that changed
//! something is synced to disk before it is answered; a refusal is appended unsynced.

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

/// The most characters an entry keeps of a field that comes from a request (a dataset id, a
/// detail); longer ones are cut, with `…`.
pub const MAX_FIELD_CHARS: usize = 200;

/// `s` cut after `max` characters, with `…`.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

impl AuditEntry {
    /// The entry with every field cut to [`MAX_FIELD_CHARS`].
    fn bounded(&self) -> AuditEntry {
        let cut = |s: &Option<String>| s.as_deref().map(|s| clip(s, MAX_FIELD_CHARS));
        AuditEntry {
            at: self.at.clone(),
            token_id: cut(&self.token_id),
            token_name: cut(&self.token_name),
            scope: cut(&self.scope),
            action: clip(&self.action, MAX_FIELD_CHARS),
            dataset: cut(&self.dataset),
            result: clip(&self.result, MAX_FIELD_CHARS),
            detail: cut(&self.detail),
        }
    }
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

    /// Appends an entry, its fields cut to [`MAX_FIELD_CHARS`]; durably (synced) when its
    /// result is `ok`.
    pub fn record(&self, entry: &AuditEntry) -> std::io::Result<()> {
        let entry = entry.bounded();
        let _guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path)?;
        file.write_all(&line)?;
        if entry.result == "ok" {
            file.sync_data()?;
        }
        Ok(())
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

    #[test]
    fn fields_from_requests_are_cut_and_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_dir(dir.path());
        log.record(&AuditEntry {
            at: "2026-11-21T10:00:00Z".into(),
            token_id: Some("0a1b2c3d".into()),
            token_name: Some("GIS".into()),
            scope: Some("org 1401".into()),
            action: "publish".into(),
            dataset: Some(format!("x\n{{\"forged\":1}}{}", "é".repeat(100_000))),
            result: "forbidden".into(),
            detail: Some("d".repeat(100_000)),
        })
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join("audit.log")).unwrap();
        assert_eq!(text.lines().count(), 1, "one line, whatever the id holds");
        assert!(text.len() < 2_000, "{} bytes", text.len());
        let (entries, _) = log.read(0, 1).unwrap();
        let dataset = entries[0].dataset.as_deref().unwrap();
        assert!(dataset.starts_with("x\n{") && dataset.ends_with('…'));
        assert_eq!(dataset.chars().count(), MAX_FIELD_CHARS + 1);
    }
}
