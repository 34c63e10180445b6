//! Stewards' browser sessions, and the files they checked but have not published yet.
//!
//! Owns the session table: a steward signs in once with a token; the browser then holds only a
//! random session id (256 bits, in a cookie), and the table holds its SHA-256, the token's id
//! (never the token), a per-session CSRF secret and when it was made and last used. Every
//! request through a session verifies the token's id again, so revoking a token ends its
//! sessions at once. Sessions end after [`IDLE`] without use or [`LIFETIME`] in all, and live in
//! memory only (a restart signs everyone out).
//!
//! Owns the drafts too: the file of the last check a session made for a dataset, kept (in
//! memory, or its temporary file) with its report until the steward publishes it, checks
//! another file, or [`DRAFT_LIFETIME`] passes (200 drafts at most, the oldest dropped first).
//! Publishing a draft publishes exactly the bytes that were checked.

use super::spool::Received;
use super::steward::{UploadOptions, UploadOutcome};
use super::{Published, ServiceError};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::ingest::Report;
use crate::text::{random_hex, same_secret, sha256_hex};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(2 * 3_600);
/// A session ends this long after sign-in, used or not.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3_600);
/// A checked file waits this long to be published.
pub const DRAFT_LIFETIME: Duration = Duration::from_secs(3_600);
/// At most this many sessions are kept; the least recently used go first.
const MAX_SESSIONS: usize = 10_000;
/// At most this many checked files wait to be published; the oldest go first.
const MAX_DRAFTS: usize = 200;

/// A session as a request sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The id of the token the steward signed in with.
    pub token_id: String,
    /// The secret every form of this session carries (`csrf`).
    pub csrf: String,
}

/// A session just made: the id for the cookie (shown once) and the session.
#[derive(Debug)]
pub struct NewSession {
    pub id: String,
    pub session: Session,
}

struct Entry {
    session: Session,
    created: Instant,
    last_used: Instant,
}

/// A checked file waiting to be published.
pub struct Draft {
    /// 128 random bits, hex: what the publish form names.
    pub id: String,
    pub dataset: String,
    /// The file's name as the browser sent it (for the page only).
    pub file_name: String,
    pub report: Report,
    /// The checked bytes.
    pub file: Received,
    session: String,
    created: Instant,
}

/// The session table and the drafts.
#[derive(Default)]
pub struct Sessions {
    table: Mutex<HashMap<String, Entry>>,
    drafts: Mutex<Vec<Arc<Draft>>>,
}

/// What the table keys a session by: the hash of its cookie id.
fn key(id: &str) -> String {
    sha256_hex(id)
}

impl Sessions {
    /// Starts a session for a steward who proved `principal`'s token.
    pub fn create(&self, principal: &Principal) -> std::io::Result<NewSession> {
        self.create_at(principal, Instant::now())
    }

    fn create_at(&self, principal: &Principal, now: Instant) -> std::io::Result<NewSession> {
        let id = random_hex(32)?;
        let session = Session {
            token_id: principal.token_id.clone(),
            csrf: random_hex(32)?,
        };
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table.retain(|_, e| live(e, now));
        if table.len() >= MAX_SESSIONS
            && let Some(oldest) = table
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
        {
            table.remove(&oldest);
        }
        table.insert(
            key(&id),
            Entry {
                session: session.clone(),
                created: now,
                last_used: now,
            },
        );
        Ok(NewSession { id, session })
    }

    /// The live session with this id (from the cookie), marked as used now.
    pub fn get(&self, id: &str) -> Option<Session> {
        self.get_at(id, Instant::now())
    }

    fn get_at(&self, id: &str, now: Instant) -> Option<Session> {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let k = key(id);
        match table.get_mut(&k) {
            Some(e) if live(e, now) => {
                e.last_used = now;
                Some(e.session.clone())
            }
            Some(_) => {
                table.remove(&k);
                None
            }
            None => None,
        }
    }

    /// Ends a session and drops its drafts.
    pub fn end(&self, id: &str) {
        let k = key(id);
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&k);
        self.drafts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|d| d.session != k);
    }

    /// Keeps a checked file for the session (by its cookie id) and dataset, replacing the
    /// session's earlier draft for that dataset. Returns the draft.
    pub fn keep_draft(
        &self,
        session_id: &str,
        dataset: &str,
        file_name: &str,
        report: Report,
        file: Received,
    ) -> std::io::Result<Arc<Draft>> {
        let now = Instant::now();
        let session = key(session_id);
        let draft = Arc::new(Draft {
            id: random_hex(16)?,
            dataset: dataset.to_owned(),
            file_name: file_name.to_owned(),
            report,
            file,
            session: session.clone(),
            created: now,
        });
        let mut drafts = self.drafts.lock().unwrap_or_else(PoisonError::into_inner);
        drafts.retain(|d| {
            now.duration_since(d.created) < DRAFT_LIFETIME && !(d.session == session && d.dataset == dataset)
        });
        if drafts.len() >= MAX_DRAFTS {
            // Oldest first: they were pushed in order.
            drafts.remove(0);
        }
        drafts.push(draft.clone());
        Ok(draft)
    }

    /// Takes a session's draft out (to publish it): only the session that checked it, for
    /// the dataset it was checked for, and only once.
    pub fn take_draft(&self, session_id: &str, dataset: &str, draft_id: &str) -> Option<Arc<Draft>> {
        let now = Instant::now();
        let session = key(session_id);
        let mut drafts = self.drafts.lock().unwrap_or_else(PoisonError::into_inner);
        drafts.retain(|d| now.duration_since(d.created) < DRAFT_LIFETIME);
        let at = drafts
            .iter()
            .position(|d| d.session == session && d.dataset == dataset && same_secret(&d.id, draft_id))?;
        Some(drafts.swap_remove(at))
    }
}

fn live(e: &Entry, now: Instant) -> bool {
    now.duration_since(e.last_used) < IDLE && now.duration_since(e.created) < LIFETIME
}

/// A file checked from the steward pages: the draft that keeps it (with its report) and the
/// rows the report names, as the file has them.
pub struct CheckedDraft {
    pub draft: Arc<Draft>,
    pub excerpt: crate::ingest::Excerpt,
}

/// At most this many rows with errors are shown beside the report.
pub const EXCERPT_ROWS: usize = 50;

impl super::Platform {
    /// Signs a steward in with a whole token: a new session, recorded in the audit log.
    pub fn sign_in(&self, token: &str) -> Result<(NewSession, Principal), ApiError> {
        self.steward(
            Some(token),
            "sign_in",
            None,
            |p| Ok((self.sessions.create(p)?, p.clone())),
            |_| None,
        )
    }

    /// The live session with this cookie id and its holder. A session whose token was revoked
    /// or expired since is ended.
    pub fn session(&self, id: &str) -> Result<Option<(Session, Principal)>, ServiceError> {
        let Some(session) = self.sessions.get(id) else {
            return Ok(None);
        };
        let tokens = self
            .tokens
            .as_ref()
            .ok_or_else(|| ServiceError::Internal("this platform has no token file".into()))?;
        match tokens.verify_id(&session.token_id)? {
            Ok(principal) => Ok(Some((session, principal))),
            Err(_) => {
                self.sessions.end(id);
                Ok(None)
            }
        }
    }

    /// Checks a file a steward uploaded from the browser and keeps it as the session's draft
    /// for the dataset, to publish once the steward has seen the report.
    pub fn check_draft(
        &self,
        session_id: &str,
        principal: &Principal,
        dataset: &str,
        file_name: &str,
        file: Received,
    ) -> Result<CheckedDraft, ApiError> {
        self.steward_as(
            Ok(principal.clone()),
            "dry_run",
            Some(dataset),
            |p| {
                let options = UploadOptions {
                    dry_run: true,
                    ..UploadOptions::default()
                };
                let report = match self.upload(p, dataset, file.source(), &options)? {
                    UploadOutcome::Checked(report) => *report,
                    UploadOutcome::Published(_) => {
                        return Err(ServiceError::Internal("a dry run published".into()));
                    }
                };
                let wanted: BTreeSet<u64> = report
                    .errors
                    .iter()
                    .filter_map(|i| i.row)
                    .filter(|&r| r > 1)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .take(EXCERPT_ROWS)
                    .collect();
                let excerpt = crate::ingest::excerpt(file.source(), &wanted, &self.file_limits());
                let draft = self
                    .sessions
                    .keep_draft(session_id, dataset, file_name, report, file)?;
                Ok(CheckedDraft { draft, excerpt })
            },
            |c| Some(format!("{} errors", c.draft.report.error_count)),
        )
    }

    /// Publishes the file a session checked, exactly as it was checked, as the dataset's next
    /// version; with `valid_rows_only`, the rows without errors of a file that has some.
    pub fn publish_draft(
        &self,
        session_id: &str,
        principal: &Principal,
        dataset: &str,
        draft_id: &str,
        valid_rows_only: bool,
    ) -> Result<Published, ApiError> {
        self.steward_as(
            Ok(principal.clone()),
            "publish",
            Some(dataset),
            |p| {
                self.may_upload(p, dataset)?;
                let draft = self
                    .sessions
                    .take_draft(session_id, dataset, draft_id)
                    .ok_or_else(|| ServiceError::DraftNotFound(draft_id.to_owned()))?;
                let options = UploadOptions {
                    valid_rows_only,
                    ..UploadOptions::default()
                };
                match self.upload(p, dataset, draft.file.source(), &options)? {
                    UploadOutcome::Published(published) => Ok(*published),
                    UploadOutcome::Checked(_) => Err(ServiceError::Internal("a publish only checked".into())),
                }
            },
            |p| Some(format!("version {}", p.version.number)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scope;

    fn steward() -> Principal {
        Principal {
            token_id: "0123abcd".into(),
            token_name: "Anna".into(),
            scope: Scope::Organisation("1401".into()),
        }
    }

    #[test]
    fn a_session_is_found_by_its_id_only_and_holds_no_token() {
        let sessions = Sessions::default();
        let new = sessions.create(&steward()).unwrap();
        assert_eq!(new.id.len(), 64);
        assert_eq!(sessions.get(&new.id), Some(new.session.clone()));
        assert_eq!(new.session.token_id, "0123abcd");
        assert!(sessions.get("0".repeat(64).as_str()).is_none());
        let table = sessions.table.lock().unwrap();
        assert!(!table.contains_key(&new.id), "the table keeps a hash of the id");
        drop(table);
        sessions.end(&new.id);
        assert!(sessions.get(&new.id).is_none());
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let sessions = Sessions::default();
        let t0 = Instant::now();
        let new = sessions.create_at(&steward(), t0).unwrap();
        assert!(sessions.get_at(&new.id, t0 + IDLE / 2).is_some());
        assert!(sessions.get_at(&new.id, t0 + IDLE / 2 + IDLE).is_none(), "idle");
        let new = sessions.create_at(&steward(), t0).unwrap();
        let mut t = t0;
        while t < t0 + LIFETIME - IDLE / 2 {
            t += IDLE / 2;
            assert!(sessions.get_at(&new.id, t).is_some());
        }
        assert!(
            sessions.get_at(&new.id, t0 + LIFETIME).is_none(),
            "used, but too old"
        );
    }

    #[test]
    fn the_oldest_drafts_go_when_too_many_wait() {
        let sessions = Sessions::default();
        let a = sessions.create(&steward()).unwrap();
        let mut ids = Vec::new();
        for i in 0..=MAX_DRAFTS {
            let d = sessions
                .keep_draft(
                    &a.id,
                    &format!("d{i}"),
                    "f.csv",
                    Report::default(),
                    Received::Memory(Vec::new()),
                )
                .unwrap();
            ids.push(d.id.clone());
        }
        assert_eq!(sessions.drafts.lock().unwrap().len(), MAX_DRAFTS);
        assert!(
            sessions.take_draft(&a.id, "d0", &ids[0]).is_none(),
            "the oldest went"
        );
        assert!(sessions.take_draft(&a.id, "d1", &ids[1]).is_some());
    }

    #[test]
    fn a_draft_is_published_once_by_the_session_that_checked_it() {
        let sessions = Sessions::default();
        let a = sessions.create(&steward()).unwrap();
        let b = sessions.create(&steward()).unwrap();
        let draft = sessions
            .keep_draft(
                &a.id,
                "harryda-badplatser",
                "bad.csv",
                Report::default(),
                Received::Memory(b"a\n1\n".to_vec()),
            )
            .unwrap();
        assert!(
            sessions
                .take_draft(&b.id, "harryda-badplatser", &draft.id)
                .is_none()
        );
        assert!(sessions.take_draft(&a.id, "other", &draft.id).is_none());
        let again = sessions
            .keep_draft(
                &a.id,
                "harryda-badplatser",
                "fixed.csv",
                Report::default(),
                Received::Memory(b"a\n2\n".to_vec()),
            )
            .unwrap();
        assert!(
            sessions
                .take_draft(&a.id, "harryda-badplatser", &draft.id)
                .is_none(),
            "a new check replaces the draft"
        );
        let taken = sessions
            .take_draft(&a.id, "harryda-badplatser", &again.id)
            .unwrap();
        assert_eq!(taken.file_name, "fixed.csv");
        assert!(
            sessions
                .take_draft(&a.id, "harryda-badplatser", &again.id)
                .is_none()
        );
    }
}
