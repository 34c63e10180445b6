//! Stewards' browser sessions, and the files they checked but have not published yet.
//!
//! Owns the session table: a steward signs in once with a token; the browser then holds only a
//! random session id (256 bits, in a cookie), and the table holds its SHA-256, the token's id
//! (never the token), a per-session CSRF secret and when it was made and last used. Every
//! request through a session verifies the token's id again, so revoking a token ends its
//! sessions at once. Sessions end after [`IDLE`] without use or [`LIFETIME`] in all, and live in
//! memory only (a restart signs everyone out).
//!
//! Owns the sign-in forms' protection against login CSRF too: before sign-in the browser holds
//! a random pre-session id (a cookie), and the form carries a secret derived from it with a
//! key only this process knows ([`Sessions::sign_in_secret`]); a sign-in without the pair is
//! refused.
//!
//! Owns the drafts too: the file of the last check a session made for a dataset, kept (in
//! memory, or its temporary file) with its report until the steward publishes it, checks
//! another file, or [`DRAFT_LIFETIME`] passes. Drafts are bounded ([`DraftLimits`]): per
//! organisation, so one organisation's checks never crowd out another's, and in all; a check
//! past a bound is refused (429 for the organisation's, 503 for the platform's, each with
//! `Retry-After` until the oldest draft in the way expires), never made room for by dropping
//! someone else's draft. Publishing a draft publishes exactly the bytes that were checked.

use super::spool::Received;
use super::steward::{UploadOptions, UploadOutcome};
use super::{Published, ServiceError};
use crate::auth::Principal;
use crate::ingest::Report;
use crate::text::{random_hex, same_secret, sha256_hex};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(2 * 3_600);
/// A session ends this long after sign-in, used or not.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3_600);
/// A checked file waits this long to be published.
pub const DRAFT_LIFETIME: Duration = Duration::from_secs(3_600);
/// At most this many sessions are kept; the least recently used go first.
const MAX_SESSIONS: usize = 10_000;

/// How many checked files may wait to be published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DraftLimits {
    /// Per organisation (the checking token's: a municipality, a regional body, or the
    /// platform's administration).
    pub per_organisation: usize,
    /// On the whole platform.
    pub total: usize,
}

impl Default for DraftLimits {
    fn default() -> Self {
        Self {
            per_organisation: 20,
            total: 200,
        }
    }
}

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
    /// The workbook sheet the steward asked for (else the first with data): rechecks and the
    /// publish read the same one.
    pub sheet: Option<String>,
    pub report: Report,
    /// The checked bytes.
    pub file: Received,
    session: String,
    /// The organisation of the token that checked it.
    organisation: String,
    created: Instant,
}

/// A file checked from the steward pages, as a draft keeps it.
pub struct CheckedFile {
    /// The file's name as the browser sent it.
    pub file_name: String,
    /// The workbook sheet asked for, if any.
    pub sheet: Option<String>,
    pub report: Report,
    pub file: Received,
}

/// The session table and the drafts.
#[derive(Default)]
pub struct Sessions {
    table: Mutex<HashMap<String, Entry>>,
    drafts: Mutex<Vec<Arc<Draft>>>,
    draft_limits: DraftLimits,
    /// The key that binds a sign-in form's secret to its pre-session (256 random bits, made
    /// on first use; a restart makes open sign-in forms stale, as it ends sessions).
    sign_in_key: OnceLock<String>,
}

/// What the table keys a session by: the hash of its cookie id.
fn key(id: &str) -> String {
    sha256_hex(id)
}

impl Sessions {
    /// A pre-session for the sign-in form: a random id (256 bits, hex) for a cookie the
    /// browser holds before anyone signs in. See [`Sessions::sign_in_secret`].
    pub fn pre_session(&self) -> std::io::Result<String> {
        random_hex(32)
    }

    /// The secret a sign-in form carries for the pre-session `pre`: SHA-256 of a key only this
    /// process knows and the pre-session id. Another site can neither read the form nor
    /// compute the secret for a cookie it managed to plant, so a sign-in it posts (login CSRF:
    /// signing the victim in as the attacker) is refused.
    pub fn sign_in_secret(&self, pre: &str) -> std::io::Result<String> {
        let key = match self.sign_in_key.get() {
            Some(k) => k,
            None => {
                let fresh = random_hex(32)?;
                self.sign_in_key.get_or_init(|| fresh)
            }
        };
        Ok(sha256_hex(&format!("{key}:{pre}")))
    }

    /// Whether a sign-in form's `secret` belongs to the browser's pre-session `pre`.
    pub fn sign_in_allowed(&self, pre: Option<&str>, secret: Option<&str>) -> bool {
        match (pre, secret) {
            (Some(pre), Some(secret)) => self
                .sign_in_secret(pre)
                .is_ok_and(|expected| same_secret(&expected, secret)),
            _ => false,
        }
    }

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

    /// Sets the bounds of the drafts (before serving).
    pub fn set_draft_limits(&mut self, limits: DraftLimits) {
        self.draft_limits = limits;
    }

    /// Keeps a checked file for the session (by its cookie id) and dataset, replacing the
    /// session's earlier draft for that dataset. Returns the draft; refused past a bound of
    /// [`DraftLimits`].
    pub fn keep_draft(
        &self,
        session_id: &str,
        organisation: &str,
        dataset: &str,
        checked: CheckedFile,
    ) -> Result<Arc<Draft>, ServiceError> {
        let now = Instant::now();
        let session = key(session_id);
        let mut drafts = self.drafts.lock().unwrap_or_else(PoisonError::into_inner);
        drafts.retain(|d| now.duration_since(d.created) < DRAFT_LIFETIME);
        self.room(&drafts, &session, organisation, dataset, now)?;
        let draft = Arc::new(Draft {
            id: random_hex(16)?,
            dataset: dataset.to_owned(),
            file_name: checked.file_name,
            sheet: checked.sheet,
            report: checked.report,
            file: checked.file,
            session: session.clone(),
            organisation: organisation.to_owned(),
            created: now,
        });
        drafts.retain(|d| !(d.session == session && d.dataset == dataset));
        drafts.push(draft.clone());
        Ok(draft)
    }

    /// Whether a check by the session (by its cookie id) for the dataset could be kept now:
    /// asked before the file is checked, so a check that could not be kept costs nothing.
    pub fn draft_room(
        &self,
        session_id: &str,
        organisation: &str,
        dataset: &str,
    ) -> Result<(), ServiceError> {
        let now = Instant::now();
        let mut drafts = self.drafts.lock().unwrap_or_else(PoisonError::into_inner);
        drafts.retain(|d| now.duration_since(d.created) < DRAFT_LIFETIME);
        self.room(&drafts, &key(session_id), organisation, dataset, now)
    }

    /// The refusal of one more draft of `organisation`, if a bound is reached. The draft the
    /// session's check for `dataset` would replace does not count.
    fn room(
        &self,
        drafts: &[Arc<Draft>],
        session: &str,
        organisation: &str,
        dataset: &str,
        now: Instant,
    ) -> Result<(), ServiceError> {
        let replaced = |d: &Draft| d.session == session && d.dataset == dataset;
        let retry_after = |oldest: Option<&Arc<Draft>>| {
            oldest.map_or(1, |d| {
                DRAFT_LIFETIME
                    .saturating_sub(now.duration_since(d.created))
                    .as_secs()
                    .max(1)
            })
        };
        let limits = self.draft_limits;
        let own: Vec<&Arc<Draft>> = drafts
            .iter()
            .filter(|d| d.organisation == organisation && !replaced(d))
            .collect();
        if own.len() >= limits.per_organisation {
            return Err(ServiceError::TooMany {
                message: format!(
                    "Your organisation has {n} checked files waiting to be published, the most it may have (--max-drafts-per-org). Publish one, or wait until the oldest expires (an hour after its check). / Organisationen har {n} kontrollerade filer som väntar på publicering, det högsta antalet. Publicera någon av dem, eller vänta tills den äldsta går ut (en timme efter kontrollen).",
                    n = own.len(),
                ),
                retry_after: retry_after(own.first().copied()),
            });
        }
        let kept = drafts.iter().filter(|d| !replaced(d)).count();
        if kept >= limits.total {
            return Err(ServiceError::Busy {
                message: format!(
                    "{kept} checked files are waiting to be published on this platform, the most it keeps (--max-drafts); try again later. / {kept} kontrollerade filer väntar på publicering, det högsta antal plattformen håller; försök igen senare."
                ),
                retry_after: retry_after(drafts.first()),
            });
        }
        Ok(())
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
    pub fn sign_in(&self, token: &str) -> Result<(NewSession, Principal), ServiceError> {
        self.steward(Some(token), super::steward::SignIn)
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
        sheet: Option<&str>,
        file: Received,
    ) -> Result<CheckedDraft, ServiceError> {
        self.steward_as(
            Ok(principal.clone()),
            super::steward::CheckDraft {
                session_id,
                dataset,
                file_name,
                sheet,
                file,
            },
        )
    }

    /// The work of [`super::steward::CheckDraft`].
    pub(super) fn keep_checked_draft(
        &self,
        session_id: &str,
        p: &Principal,
        dataset: &str,
        file_name: &str,
        sheet: Option<String>,
        file: Received,
    ) -> Result<CheckedDraft, ServiceError> {
        self.sessions.draft_room(session_id, &p.scope.label(), dataset)?;
        let options = UploadOptions {
            dry_run: true,
            sheet: sheet.clone(),
            ..UploadOptions::default()
        };
        let report = match self.upload(p, dataset, file.source(), &options) {
            Ok(UploadOutcome::Checked(report)) => *report,
            // A file in no format datahamn reads: the page shows its report, which names the
            // formats that work, in the page's language.
            Err(ServiceError::Invalid(report)) => *report,
            Ok(UploadOutcome::Published(_)) => {
                return Err(ServiceError::Internal("a dry run published".into()));
            }
            Err(e) => return Err(e),
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
        let checked = CheckedFile {
            file_name: file_name.to_owned(),
            sheet,
            report,
            file,
        };
        let draft = self
            .sessions
            .keep_draft(session_id, &p.scope.label(), dataset, checked)?;
        Ok(CheckedDraft { draft, excerpt })
    }

    /// Checks a session's draft again (after its dataset's mapping changed) and keeps it as
    /// the session's new draft for the dataset.
    pub(super) fn recheck_draft(
        &self,
        session_id: &str,
        p: &Principal,
        dataset: &str,
        draft_id: &str,
    ) -> Result<CheckedDraft, ServiceError> {
        self.may_upload(p, dataset)?;
        let draft = self
            .sessions
            .take_draft(session_id, dataset, draft_id)
            .and_then(|d| Arc::try_unwrap(d).ok())
            .ok_or_else(|| ServiceError::DraftNotFound(draft_id.to_owned()))?;
        self.keep_checked_draft(session_id, p, dataset, &draft.file_name, draft.sheet, draft.file)
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
    ) -> Result<Published, ServiceError> {
        self.steward_as(
            Ok(principal.clone()),
            super::steward::PublishDraft {
                session_id,
                dataset,
                draft_id,
                valid_rows_only,
            },
        )
    }

    /// The work of [`super::steward::PublishDraft`].
    pub(super) fn publish_kept_draft(
        &self,
        session_id: &str,
        p: &Principal,
        dataset: &str,
        draft_id: &str,
        valid_rows_only: bool,
    ) -> Result<Published, ServiceError> {
        self.may_upload(p, dataset)?;
        let draft = self
            .sessions
            .take_draft(session_id, dataset, draft_id)
            .ok_or_else(|| ServiceError::DraftNotFound(draft_id.to_owned()))?;
        let options = UploadOptions {
            valid_rows_only,
            sheet: draft.sheet.clone(),
            ..UploadOptions::default()
        };
        match self.upload(p, dataset, draft.file.source(), &options)? {
            UploadOutcome::Published(published) => Ok(*published),
            UploadOutcome::Checked(_) => Err(ServiceError::Internal("a publish only checked".into())),
        }
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
    fn a_sign_in_secret_belongs_to_one_pre_session_of_one_process() {
        let sessions = Sessions::default();
        let pre = sessions.pre_session().unwrap();
        let other = sessions.pre_session().unwrap();
        assert_ne!(pre, other);
        let secret = sessions.sign_in_secret(&pre).unwrap();
        assert_eq!(
            sessions.sign_in_secret(&pre).unwrap(),
            secret,
            "stable for its pre-session"
        );
        assert!(sessions.sign_in_allowed(Some(&pre), Some(&secret)));
        assert!(!sessions.sign_in_allowed(Some(&other), Some(&secret)));
        assert!(!sessions.sign_in_allowed(None, Some(&secret)));
        assert!(!sessions.sign_in_allowed(Some(&pre), None));
        assert!(
            !sessions.sign_in_allowed(Some(&pre), Some(&pre)),
            "the cookie itself is not the secret"
        );
        let restarted = Sessions::default();
        assert!(
            !restarted.sign_in_allowed(Some(&pre), Some(&secret)),
            "bound to this process's key"
        );
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
    fn drafts_past_their_organisation_s_bound_or_the_platform_s_are_refused() {
        let mut sessions = Sessions::default();
        sessions.set_draft_limits(DraftLimits {
            per_organisation: 2,
            total: 3,
        });
        let a = sessions.create(&steward()).unwrap();
        let keep = |org: &str, dataset: &str| {
            sessions.keep_draft(
                &a.id,
                org,
                dataset,
                CheckedFile {
                    file_name: "f.csv".into(),
                    sheet: None,
                    report: Report::default(),
                    file: Received::Memory(Vec::new()),
                },
            )
        };
        keep("org 1401", "d1").unwrap();
        keep("org 1401", "d2").unwrap();
        // A new check of a dataset replaces its draft: no more room needed.
        keep("org 1401", "d2").unwrap();
        let Err(refused) = keep("org 1401", "d3") else {
            panic!("a draft past the organisation's bound was kept")
        };
        assert!(
            matches!(&refused, ServiceError::TooMany { message, retry_after } if message.contains("2 checked files") && (1..=3_600).contains(retry_after)),
            "{refused:?}"
        );
        assert!(sessions.draft_room(&a.id, "org 1401", "d3").is_err());
        assert!(sessions.draft_room(&a.id, "org 1401", "d1").is_ok());
        // Another organisation has room of its own, up to the platform's bound.
        keep("org 1480", "e1").unwrap();
        assert!(matches!(keep("org 1480", "e2"), Err(ServiceError::Busy { .. })));
        // Nothing was dropped to make room.
        assert_eq!(sessions.drafts.lock().unwrap().len(), 3);
    }

    #[test]
    fn a_draft_is_published_once_by_the_session_that_checked_it() {
        let sessions = Sessions::default();
        let a = sessions.create(&steward()).unwrap();
        let b = sessions.create(&steward()).unwrap();
        let draft = sessions
            .keep_draft(
                &a.id,
                "org 1401",
                "harryda-badplatser",
                CheckedFile {
                    file_name: "bad.csv".into(),
                    sheet: None,
                    report: Report::default(),
                    file: Received::Memory(b"a\n1\n".to_vec()),
                },
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
                "org 1401",
                "harryda-badplatser",
                CheckedFile {
                    file_name: "fixed.csv".into(),
                    sheet: None,
                    report: Report::default(),
                    file: Received::Memory(b"a\n2\n".to_vec()),
                },
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
