//! The HTTP client of the remote store: one connection pool, and the engine's authentication.
//!
//! Credentials are sent the way the engine asks for them: the first request goes without, and
//! a `401` with a `WWW-Authenticate` challenge is answered with HTTP Basic or HTTP Digest
//! (RFC 7616: MD5 or SHA-256, `qop=auth`). The last digest challenge is kept and reused with a
//! growing nonce count, so a large upload is not sent twice; a stale nonce is answered once
//! more. The password is never logged.

use super::StoreError;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;

/// Why a request got no answer, and whether the engine may have received it: only a request
/// that never left (no connection, a name that does not resolve) is known not to have been
/// acted on. A timeout or a connection lost after sending may hide an update the engine applied.
pub(crate) struct SendFailure {
    pub error: StoreError,
    pub maybe_delivered: bool,
}

impl From<SendFailure> for StoreError {
    fn from(failure: SendFailure) -> Self {
        failure.error
    }
}

impl SendFailure {
    fn not_sent(error: StoreError) -> Self {
        Self {
            error,
            maybe_delivered: false,
        }
    }
}

/// Whether a failed request may have reached the engine (see [`SendFailure`]).
fn maybe_delivered(e: &ureq::Error) -> bool {
    use ureq::Timeout;
    !matches!(
        e,
        ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::ConnectProxyFailed(_)
            | ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve)
    )
}

/// A response: its status, content type and body.
pub(crate) struct Response {
    pub status: u16,
    pub content_type: String,
    /// Why the engine says its answer is incomplete (Virtuoso: `X-SPARQL-MaxRows`, or
    /// `X-SQL-State: S1TAT` after its own time limit), when it does.
    pub partial: Option<String>,
    pub body: ureq::Body,
}

impl Response {
    /// The first part of the body, for an error message.
    pub fn excerpt(self) -> String {
        use std::io::Read;
        let mut bytes = Vec::new();
        let _ = self.body.into_reader().take(4096).read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        match text.char_indices().nth(400) {
            Some((at, _)) => format!("{}…", &text[..at]),
            None => text.to_owned(),
        }
    }
}

/// User name and password for the engine.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials {{ user: {:?}, password: *** }}", self.user)
    }
}

pub(crate) struct Client {
    agent: ureq::Agent,
    credentials: Option<Credentials>,
    /// The last digest challenge and how many times its nonce was used.
    digest: Mutex<Option<(Challenge, u32)>>,
}

/// A `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Challenge {
    scheme: String,
    params: Vec<(String, String)>,
}

impl Challenge {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses a `WWW-Authenticate` header value into its challenges (`Digest realm="x", …`).
    pub fn parse_all(header: &str) -> Vec<Challenge> {
        let mut out: Vec<Challenge> = Vec::new();
        let mut rest = header.trim();
        while !rest.is_empty() {
            // A token followed by `=` is a parameter of the current challenge; otherwise it is a
            // new scheme.
            let end = rest
                .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
                .unwrap_or(rest.len());
            let token = &rest[..end];
            let after = rest[end..].trim_start();
            if let Some(value_start) = after.strip_prefix('=')
                && !token.is_empty()
                && let Some(current) = out.last_mut()
            {
                let value_start = value_start.trim_start();
                let (value, remainder) = if let Some(quoted) = value_start.strip_prefix('"') {
                    let mut value = String::new();
                    let mut chars = quoted.char_indices();
                    let mut end = quoted.len();
                    while let Some((i, c)) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some((_, next)) = chars.next() {
                                    value.push(next);
                                }
                            }
                            '"' => {
                                end = i + 1;
                                break;
                            }
                            c => value.push(c),
                        }
                    }
                    (value, &quoted[end.min(quoted.len())..])
                } else {
                    let end = value_start.find(',').unwrap_or(value_start.len());
                    (value_start[..end].trim().to_owned(), &value_start[end..])
                };
                current.params.push((token.to_owned(), value));
                rest = remainder.trim_start().trim_start_matches(',').trim_start();
            } else if token.is_empty() {
                rest = rest[1..].trim_start();
            } else {
                out.push(Challenge {
                    scheme: token.to_owned(),
                    params: Vec::new(),
                });
                rest = after.trim_start_matches(',').trim_start();
            }
        }
        out
    }
}

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    crate::text::hex(&Md5::digest(text.as_bytes()))
}

fn sha256_hex(text: &str) -> String {
    crate::text::sha256_hex(text)
}

/// The `Authorization` header answering a digest challenge (RFC 7616), or `None` for an
/// algorithm or protection this client does not speak.
pub(crate) fn digest_authorization(
    challenge: &Challenge,
    credentials: &Credentials,
    method: &str,
    uri: &str,
    nc: u32,
    cnonce: &str,
) -> Option<String> {
    let realm = challenge.param("realm").unwrap_or("");
    let nonce = challenge.param("nonce")?;
    let algorithm = challenge.param("algorithm").unwrap_or("MD5");
    let hash: fn(&str) -> String = match algorithm.to_ascii_uppercase().as_str() {
        "MD5" => md5_hex,
        "SHA-256" => sha256_hex,
        _ => return None,
    };
    let qop_offered = challenge.param("qop");
    let qop = match qop_offered {
        None => None,
        Some(q) if q.split(',').any(|o| o.trim() == "auth") => Some("auth"),
        Some(_) => return None,
    };
    let ha1 = hash(&format!("{}:{realm}:{}", credentials.user, credentials.password));
    let ha2 = hash(&format!("{method}:{uri}"));
    let nc_text = format!("{nc:08x}");
    let response = match qop {
        Some(qop) => hash(&format!("{ha1}:{nonce}:{nc_text}:{cnonce}:{qop}:{ha2}")),
        None => hash(&format!("{ha1}:{nonce}:{ha2}")),
    };
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{response}\", algorithm={algorithm}",
        quote(&credentials.user),
        quote(realm),
        quote(nonce),
        quote(uri)
    );
    if let Some(qop) = qop {
        header.push_str(&format!(", qop={qop}, nc={nc_text}, cnonce=\"{cnonce}\""));
    }
    if let Some(opaque) = challenge.param("opaque") {
        header.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
    }
    Some(header)
}

/// The request target of a URL (path and query), which digest authentication signs.
fn request_target(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
}

fn basic_authorization(credentials: &Credentials) -> String {
    use base64::Engine;
    let pair = format!("{}:{}", credentials.user, credentials.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
    )
}

impl Client {
    pub fn new(credentials: Option<Credentials>, timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(timeout))
            .max_redirects(0)
            .user_agent(concat!("datahamn/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            agent,
            credentials,
            digest: Mutex::new(None),
        }
    }

    fn authorization(&self, method: &str, url: &str) -> Result<Option<String>, StoreError> {
        let Some(credentials) = &self.credentials else {
            return Ok(None);
        };
        let mut digest = self.digest.lock().unwrap_or_else(PoisonError::into_inner);
        match digest.as_mut() {
            Some((challenge, nc)) if challenge.scheme.eq_ignore_ascii_case("digest") => {
                *nc += 1;
                let cnonce = crate::text::random_hex(8).map_err(|e| StoreError::Remote(e.to_string()))?;
                Ok(digest_authorization(
                    challenge,
                    credentials,
                    method,
                    request_target(url),
                    *nc,
                    &cnonce,
                ))
            }
            Some((challenge, _)) if challenge.scheme.eq_ignore_ascii_case("basic") => {
                Ok(Some(basic_authorization(credentials)))
            }
            _ => Ok(None),
        }
    }

    /// Sends a request, answering an authentication challenge once. Network failures are
    /// [`StoreError::Unavailable`], saying whether the request may have been delivered; any
    /// status is returned to the caller.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, SendFailure> {
        for attempt in 0..2 {
            let authorization = self.authorization(method, url).map_err(SendFailure::not_sent)?;
            let mut request = ureq::http::Request::builder().method(method).uri(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(value) = &authorization {
                request = request.header("Authorization", value.as_str());
            }
            let request = request.body(body.to_vec()).map_err(|e| {
                SendFailure::not_sent(StoreError::Remote(format!(
                    "cannot build a request to {url}: {e}"
                )))
            })?;
            let response = self.agent.run(request).map_err(|e| SendFailure {
                maybe_delivered: maybe_delivered(&e),
                error: StoreError::Unavailable(format!("{method} {url}: {e}")),
            })?;
            let status = response.status().as_u16();
            if status == 401 && attempt == 0 && self.credentials.is_some() {
                let challenges: Vec<Challenge> = response
                    .headers()
                    .get_all("www-authenticate")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(Challenge::parse_all)
                    .collect();
                let chosen = challenges
                    .iter()
                    .find(|c| c.scheme.eq_ignore_ascii_case("digest"))
                    .or_else(|| challenges.iter().find(|c| c.scheme.eq_ignore_ascii_case("basic")));
                if let Some(challenge) = chosen {
                    let known = self
                        .digest
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .as_ref()
                        .map(|(c, _)| c.clone());
                    // A rejected answer to the same challenge means wrong credentials, unless
                    // the nonce was only stale.
                    let stale = challenge
                        .param("stale")
                        .is_some_and(|s| s.eq_ignore_ascii_case("true"));
                    if known.as_ref() != Some(challenge) || stale || authorization.is_none() {
                        *self.digest.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some((challenge.clone(), 0));
                        continue;
                    }
                }
            }
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let partial = match (header("x-sparql-maxrows"), header("x-sql-state")) {
                (Some(rows), _) => Some(format!("cut at {rows} rows")),
                (_, Some(state)) if state == "S1TAT" => Some("stopped by its time limit".to_owned()),
                _ => None,
            };
            return Ok(Response {
                status,
                content_type,
                partial,
                body: response.into_body(),
            });
        }
        Err(SendFailure::not_sent(StoreError::Remote(format!(
            "{method} {url}: the engine refused the credentials"
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        let c = Challenge::parse_all(
            r#"Digest realm="virtuoso@host", domain="/sparql-auth", nonce="abc, def", opaque="5ebe", stale=false, algorithm="MD5", qop="auth""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "Digest");
        assert_eq!(c[0].param("realm"), Some("virtuoso@host"));
        assert_eq!(c[0].param("nonce"), Some("abc, def"));
        assert_eq!(c[0].param("stale"), Some("false"));
        assert_eq!(c[0].param("qop"), Some("auth"));
        let two = Challenge::parse_all(r#"Basic realm="a b", Digest realm="x", nonce=n1"#);
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].param("realm"), Some("a b"));
        assert_eq!(two[1].scheme, "Digest");
        assert_eq!(two[1].param("nonce"), Some("n1"));
    }

    #[test]
    fn digest_matches_rfc_2617_example() {
        // RFC 2617 section 3.5.
        let challenge = Challenge::parse_all(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .remove(0);
        let credentials = Credentials {
            user: "Mufasa".into(),
            password: "Circle Of Life".into(),
        };
        let header =
            digest_authorization(&challenge, &credentials, "GET", "/dir/index.html", 1, "0a4f113b").unwrap();
        assert!(
            header.contains(r#"response="6629fae49393a05397450978507c4ef1""#),
            "{header}"
        );
        assert!(header.contains("nc=00000001"));
        assert!(header.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
    }

    #[test]
    fn digest_matches_rfc_7616_sha256_example() {
        // RFC 7616 section 3.9.1.
        let challenge = Challenge::parse_all(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
        )
        .remove(0);
        let credentials = Credentials {
            user: "Mufasa".into(),
            password: "Circle of Life".into(),
        };
        let header = digest_authorization(
            &challenge,
            &credentials,
            "GET",
            "/dir/index.html",
            1,
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        )
        .unwrap();
        assert!(
            header.contains(r#"response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1""#),
            "{header}"
        );
    }

    #[test]
    fn the_request_target_is_path_and_query() {
        assert_eq!(
            request_target("http://127.0.0.1:8890/sparql-auth?x=1"),
            "/sparql-auth?x=1"
        );
        assert_eq!(request_target("https://h"), "/");
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let c = Credentials {
            user: "dba".into(),
            password: "secret".into(),
        };
        assert!(!format!("{c:?}").contains("secret"));
    }
}
