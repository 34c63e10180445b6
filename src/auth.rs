//! Access tokens: minting, hashed storage and verification. Owns `tokens.json` in the data
//! directory.
//!
//! A token is `dh_<id>_<secret>`: `id` (8 hex digits) names its record, the secret is 256 random
//! bits. Only the SHA-256 of the whole token is stored, so the file reveals nothing that grants
//! access; the token is shown once, when it is created. Each token acts for one organisation or
//! for the platform's administration, may expire, and can be revoked.
//!
//! The command line writes the file while a server may be reading it: every write replaces the
//! file at once (a new file renamed over the old), and the server reads it again whenever it has
//! changed, so a token created or revoked from the command line takes effect at once.

use crate::service::time;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file, in the data directory.
pub const TOKENS_FILE: &str = "tokens.json";

/// What a token may act for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "organisation")]
pub enum Scope {
    /// One organisation's datasets (its id: a municipality code, or a regional body's id).
    Organisation(String),
    /// Platform administration: every dataset, and the audit log.
    Admin,
}

impl Scope {
    /// Whether a token of this scope may change a dataset published by `publisher`.
    pub fn may_write(&self, publisher: &str) -> bool {
        match self {
            Scope::Admin => true,
            Scope::Organisation(org) => org == publisher,
        }
    }

    /// How the scope reads in listings and logs.
    pub fn label(&self) -> String {
        match self {
            Scope::Admin => "admin".to_owned(),
            Scope::Organisation(org) => format!("org {org}"),
        }
    }
}

/// A stored token: everything but the token itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public id (the token's second part).
    pub id: String,
    /// Who or what it is for ("Anna, GIS export").
    pub name: String,
    pub scope: Scope,
    /// Seconds since the epoch.
    pub created: i64,
    pub expires: Option<i64>,
    pub revoked: Option<i64>,
    /// SHA-256 of the token, hex.
    pub hash: String,
}

impl TokenRecord {
    /// Whether the token works at `now`.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked.is_none() && self.expires.is_none_or(|e| now < e)
    }
}

/// The holder of a valid token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub token_name: String,
    pub scope: Scope,
}

/// Why a token was refused. The messages never repeat the token.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the token is not valid")]
    Unknown,
    #[error("the token expired")]
    Expired,
    #[error("the token was revoked")]
    Revoked,
}

/// Why the token file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read or write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a token file: {source}")]
    Format {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
    #[error("no token with the id {0}")]
    NoSuchToken(String),
}

#[derive(Default, Serialize, Deserialize)]
struct TokenFile {
    tokens: Vec<TokenRecord>,
}

/// The tokens of a data directory.
pub struct Tokens {
    path: PathBuf,
    cache: Mutex<Option<Cached>>,
}

/// The file's tokens, and the modification time and length they were read at.
type Cached = (Option<std::time::SystemTime>, u64, Vec<TokenRecord>);

use crate::text::{hex, same_secret, sha256_hex};

impl Tokens {
    /// The tokens of the data directory `dir` (the file need not exist yet).
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(TOKENS_FILE),
            cache: Mutex::new(None),
        }
    }

    fn io(&self, source: std::io::Error) -> TokenFileError {
        TokenFileError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<Vec<TokenRecord>, TokenFileError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice::<TokenFile>(&bytes)
                .map(|f| f.tokens)
                .map_err(|source| TokenFileError::Format {
                    path: self.path.clone(),
                    source,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// The current records, read again when the file has changed.
    fn current(&self) -> Result<Vec<TokenRecord>, TokenFileError> {
        let stamp = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.modified().ok(), m.len()));
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some((modified, len)), Some((cached_modified, cached_len, records))) = (stamp, cache.as_ref())
            && modified == *cached_modified
            && len == *cached_len
        {
            return Ok(records.clone());
        }
        let records = self.read()?;
        *cache = stamp.map(|(modified, len)| (modified, len, records.clone()));
        Ok(records)
    }

    fn write(&self, records: Vec<TokenRecord>) -> Result<(), TokenFileError> {
        use std::io::Write;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        let tmp = self.path.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(&TokenFile { tokens: records }).map_err(|source| {
            TokenFileError::Format {
                path: self.path.clone(),
                source,
            }
        })?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(|e| self.io(e))?;
        file.write_all(&body).map_err(|e| self.io(e))?;
        file.sync_all().map_err(|e| self.io(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))?;
        Ok(())
    }

    /// Read-modify-write under an exclusive lock on the data directory's lock file, so two
    /// commands never lose each other's change.
    fn update<T>(
        &self,
        change: impl FnOnce(&mut Vec<TokenRecord>) -> Result<T, TokenFileError>,
    ) -> Result<T, TokenFileError> {
        let lock_path = self.path.with_extension("lock");
        if let Some(dir) = lock_path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| self.io(e))?;
        lock.lock().map_err(|e| self.io(e))?;
        let mut records = self.read()?;
        let out = change(&mut records)?;
        self.write(records)?;
        Ok(out)
    }

    /// Mints a token. Returns the token (shown once, never stored) and its record.
    pub fn create(
        &self,
        scope: Scope,
        name: &str,
        lifetime: Option<std::time::Duration>,
    ) -> Result<(String, TokenRecord), TokenFileError> {
        let mut id_bytes = [0u8; 4];
        let mut secret = [0u8; 32];
        getrandom::fill(&mut id_bytes).map_err(|e| TokenFileError::Random(e.to_string()))?;
        getrandom::fill(&mut secret).map_err(|e| TokenFileError::Random(e.to_string()))?;
        let now = time::now_secs();
        self.update(|records| {
            let mut id = hex(&id_bytes);
            while records.iter().any(|r| r.id == id) {
                // Four random bytes rarely collide; step on when they do.
                id = format!(
                    "{:08x}",
                    u32::from_str_radix(&id, 16).unwrap_or(0).wrapping_add(1)
                );
            }
            let token = format!("dh_{id}_{}", hex(&secret));
            let record = TokenRecord {
                id,
                name: name.to_owned(),
                scope,
                created: now,
                expires: lifetime.map(|d| now + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)),
                revoked: None,
                hash: sha256_hex(&token),
            };
            records.push(record.clone());
            Ok((token, record))
        })
    }

    /// Every token's record, oldest first.
    pub fn list(&self) -> Result<Vec<TokenRecord>, TokenFileError> {
        self.read()
    }

    /// Revokes a token by its id (or the whole token). Revoking twice changes nothing.
    pub fn revoke(&self, id_or_token: &str) -> Result<TokenRecord, TokenFileError> {
        let id = parse(id_or_token).map_or(id_or_token, |(id, _)| id).to_owned();
        let now = time::now_secs();
        self.update(|records| {
            let record = records
                .iter_mut()
                .find(|r| r.id == id)
                .ok_or_else(|| TokenFileError::NoSuchToken(id.clone()))?;
            record.revoked.get_or_insert(now);
            Ok(record.clone())
        })
    }

    /// Who holds `token`, if it is valid now.
    pub fn verify(&self, token: &str) -> Result<Result<Principal, AuthError>, TokenFileError> {
        let Some((id, _)) = parse(token) else {
            return Ok(Err(AuthError::Unknown));
        };
        let records = self.current()?;
        let Some(record) = records.iter().find(|r| r.id == id) else {
            return Ok(Err(AuthError::Unknown));
        };
        if !same_secret(&record.hash, &sha256_hex(token)) {
            return Ok(Err(AuthError::Unknown));
        }
        Ok(Self::principal(record))
    }

    /// Who holds the token with this id, if it is still valid now: for a browser session,
    /// which proved the whole token once at sign-in and keeps only its id. A token revoked or
    /// expired since ends the session.
    pub fn verify_id(&self, id: &str) -> Result<Result<Principal, AuthError>, TokenFileError> {
        let records = self.current()?;
        Ok(records
            .iter()
            .find(|r| r.id == id)
            .map_or(Err(AuthError::Unknown), Self::principal))
    }

    fn principal(record: &TokenRecord) -> Result<Principal, AuthError> {
        if record.revoked.is_some() {
            return Err(AuthError::Revoked);
        }
        if !record.is_active(time::now_secs()) {
            return Err(AuthError::Expired);
        }
        Ok(Principal {
            token_id: record.id.clone(),
            token_name: record.name.clone(),
            scope: record.scope.clone(),
        })
    }
}

/// The id and secret of a well-formed token.
fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("dh_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 8
        && secret.len() == 64
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && secret.bytes().all(|b| b.is_ascii_hexdigit()))
    .then_some((id, secret))
}

/// Parses a lifetime such as `90d`, `12h`, `30m` or `1y` (365 days).
pub fn parse_lifetime(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let secs = match unit {
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    if n == 0 {
        return None;
    }
    n.checked_mul(secs).map(std::time::Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_hashed_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = Tokens::in_dir(dir.path());
        let (token, record) = tokens
            .create(Scope::Organisation("1401".into()), "Härryda GIS", None)
            .unwrap();
        assert!(parse(&token).is_some());
        let file = std::fs::read_to_string(dir.path().join(TOKENS_FILE)).unwrap();
        assert!(!file.contains(&token[12..]), "the secret must not be stored");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKENS_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only the owner reads the token file");
        }
        assert!(file.contains(&record.hash));
        let principal = tokens.verify(&token).unwrap().unwrap();
        assert_eq!(principal.scope, Scope::Organisation("1401".into()));
        assert_eq!(principal.token_name, "Härryda GIS");
        // One changed character, a malformed token, an unknown id.
        let mut wrong = token.clone();
        let last = if wrong.ends_with('0') { "1" } else { "0" };
        wrong.replace_range(wrong.len() - 1.., last);
        assert_eq!(tokens.verify(&wrong).unwrap(), Err(AuthError::Unknown));
        assert_eq!(tokens.verify("secret").unwrap(), Err(AuthError::Unknown));
        assert_eq!(
            tokens.verify(&format!("dh_00000000_{}", "0".repeat(64))).unwrap(),
            Err(AuthError::Unknown)
        );
        // Revoked, from another handle on the same file (as the command line would).
        Tokens::in_dir(dir.path()).revoke(&record.id).unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), Err(AuthError::Revoked));
        assert!(matches!(
            tokens.revoke("ffffffff"),
            Err(TokenFileError::NoSuchToken(_))
        ));
    }

    /// A token file written by an earlier release (its hash computed outside this crate) keeps
    /// working: the stored hash is SHA-256 of the whole token in lower-case hex.
    #[test]
    fn a_token_file_written_before_keeps_verifying() {
        let dir = tempfile::tempdir().unwrap();
        let token = format!("dh_0a1b2c3d_{}", "5e".repeat(32));
        std::fs::write(
            dir.path().join(TOKENS_FILE),
            r#"{"tokens":[{"id":"0a1b2c3d","name":"Härryda GIS","scope":{"kind":"organisation","organisation":"1401"},"created":1795000000,"expires":null,"revoked":null,"hash":"ffed742fc15bac1785810fce7b3c659c41ebefa04c30dc154f464a7eb466d10d"}]}"#,
        )
        .unwrap();
        let tokens = Tokens::in_dir(dir.path());
        let principal = tokens.verify(&token).unwrap().unwrap();
        assert_eq!(principal.token_id, "0a1b2c3d");
        assert_eq!(principal.scope, Scope::Organisation("1401".into()));
        let upper = format!("dh_0a1b2c3d_{}", "5E".repeat(32));
        assert_eq!(tokens.verify(&upper).unwrap(), Err(AuthError::Unknown));
    }

    #[test]
    fn tokens_expire() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = Tokens::in_dir(dir.path());
        let (token, _) = tokens.create(Scope::Admin, "ops", None).unwrap();
        let mut records = tokens.list().unwrap();
        records[0].expires = Some(time::now_secs() - 1);
        tokens.write(records).unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), Err(AuthError::Expired));
    }

    #[test]
    fn scopes_and_lifetimes() {
        assert!(Scope::Admin.may_write("1480"));
        assert!(Scope::Organisation("1401".into()).may_write("1401"));
        assert!(!Scope::Organisation("1401".into()).may_write("1480"));
        assert_eq!(
            parse_lifetime("90d"),
            Some(std::time::Duration::from_secs(90 * 86_400))
        );
        assert_eq!(
            parse_lifetime("12h"),
            Some(std::time::Duration::from_secs(12 * 3_600))
        );
        assert_eq!(parse_lifetime("0d"), None);
        assert_eq!(parse_lifetime("d"), None);
        assert_eq!(parse_lifetime("5 days"), None);
    }
}
