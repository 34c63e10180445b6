//! The hostile corpus (`tests/hostile/`, see its README): every case file is one request an
//! attacker could send, with the outcome it must get. The runner sends each case's bytes exactly
//! as written over a raw TCP connection to the real binary (so a stack overflow or an abort
//! shows as a dead process instead of taking the test down), checks the case's own expectation
//! and the invariants every case shares, and reports every failing case by file name at once.
//!
//! Invariants, for every case: no 5xx (except a 503 that the case expects, with `Retry-After`
//! unless it is a `query_timeout`);
//! every 4xx or 5xx is an RFC 9457 problem (`application/problem+json`) with a `code` (except
//! the bodiless 4xx of the HTTP layer, for a case that says `http_layer = true`); after the case
//! the server process is alive and answers `/healthz`. A server that crashed or stalls is
//! restarted for the next case.

use crate::common::{Process, repo_path, spawn_serve};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a case (or a health check) may go unanswered before the server counts as stalled.
/// A guard against hanging the suite, not a performance assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// The most bytes of an answer kept (the rest is counted, not stored).
const KEEP_BYTES: usize = 4 << 20;

/// The settings every case's server starts with (a case's `[server]` table adds to them).
const SERVER_ENV: &[(&str, &str)] = &[
    ("DATAHAMN_RATE_LIMIT", "0"),
    ("DATAHAMN_SPARQL_TIMEOUT", "2"),
    ("DATAHAMN_MAX_UPLOAD_MB", "1"),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the case attacks, and what it did before it was refused.
    about: String,
    #[serde(default = "default_method")]
    method: String,
    /// The request target, exactly as sent (percent-encode what a client would).
    path: Text,
    #[serde(default)]
    headers: Vec<(String, Text)>,
    #[serde(default)]
    body: Option<Text>,
    /// Who sends it: `anonymous`, `steward` (organisation 1401), `other-steward` (1480) or
    /// `admin`; a token adds `Authorization: Bearer …`.
    #[serde(default, rename = "as")]
    sender: Sender,
    /// Send the request this many times (`${i}` counts them); the expectation is about the
    /// last answer, the invariants about every one.
    #[serde(default = "one")]
    times: usize,
    /// Environment for a server of this case's own (e.g. a rate limit); without it, the
    /// shared server.
    #[serde(default)]
    server: BTreeMap<String, String>,
    expect: Expect,
}

fn default_method() -> String {
    "GET".to_owned()
}

fn one() -> usize {
    1
}

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Sender {
    #[default]
    Anonymous,
    Steward,
    OtherSteward,
    Admin,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The status, or the statuses any of which will do.
    status: OneOrMany<u16>,
    /// The problem's `code` (or any of several), for a refusal.
    #[serde(default)]
    code: Option<OneOrMany<String>>,
    /// The most bytes the whole answer body may have (a bounded report, say).
    #[serde(default)]
    max_body_bytes: Option<usize>,
    /// The HTTP layer (actix-http's parser) refuses this request before any handler runs, with
    /// a 4xx that has no body (a malformed or oversized request head): no problem document can
    /// be written there, so a bodiless 4xx passes.
    #[serde(default)]
    http_layer: bool,
    /// A request from a browser to a web page (it sends `Accept: text/html`): a refusal may be
    /// the HTML page a person reads instead of a problem document.
    #[serde(default)]
    html: bool,
    /// The most bytes the audit log (`audit.log` in the data directory) may grow by over all
    /// the case's sendings: refusals must not fill the disk.
    #[serde(default)]
    max_audit_log_growth: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: PartialEq> OneOrMany<T> {
    fn contains(&self, x: &T) -> bool {
        match self {
            OneOrMany::One(one) => one == x,
            OneOrMany::Many(many) => many.contains(x),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Display for OneOrMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OneOrMany::One(one) => write!(f, "{one:?}"),
            OneOrMany::Many(many) => write!(f, "one of {many:?}"),
        }
    }
}

/// Text given whole, or built from parts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Text {
    Whole(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Part {
    Text(String),
    /// `{ repeat = "{", times = 50000 }`
    Repeat {
        repeat: String,
        times: usize,
    },
    /// `{ hex = "ff fe" }`: raw bytes (invalid UTF-8, control characters).
    Hex {
        hex: String,
    },
    /// `{ file = "data.csv" }`: a file beside the case file.
    File {
        file: String,
    },
}

impl Text {
    /// The bytes, with `${i}` (the repetition), `${base}` (the server's base URL) and
    /// `${token:steward}` (`other-steward`, `admin`: a token) replaced in the text parts.
    fn bytes(&self, dir: &Path, vars: &Vars) -> Result<Vec<u8>, String> {
        let parts = match self {
            Text::Whole(s) => return Ok(vars.apply(s).into_bytes()),
            Text::Parts(parts) => parts,
        };
        let mut out = Vec::new();
        for part in parts {
            match part {
                Part::Text(s) => out.extend(vars.apply(s).into_bytes()),
                Part::Repeat { repeat, times } => {
                    let one = vars.apply(repeat);
                    out.extend(one.repeat(*times).into_bytes());
                }
                Part::Hex { hex } => {
                    let digits: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
                    if !digits.len().is_multiple_of(2) {
                        return Err(format!("odd number of hex digits in `{hex}`"));
                    }
                    for pair in digits.as_bytes().chunks(2) {
                        let pair = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
                        out.push(u8::from_str_radix(pair, 16).map_err(|e| format!("`{hex}`: {e}"))?);
                    }
                }
                Part::File { file } => {
                    out.extend(std::fs::read(dir.join(file)).map_err(|e| format!("{file}: {e}"))?)
                }
            }
        }
        Ok(out)
    }
}

struct Vars<'a> {
    i: usize,
    base: String,
    tokens: Option<&'a BTreeMap<&'static str, String>>,
}

impl Vars<'_> {
    fn apply(&self, s: &str) -> String {
        let mut out = s
            .replace("${i}", &self.i.to_string())
            .replace("${base}", &self.base);
        for (who, token) in self.tokens.into_iter().flatten() {
            out = out.replace(&format!("${{token:{who}}}"), token);
        }
        out
    }
}

/// An answer as read off the wire.
pub(crate) struct Answer {
    pub status: u16,
    headers: Vec<(String, String)>,
    /// The body (de-chunked), at most [`KEEP_BYTES`].
    pub body: Vec<u8>,
    /// The whole body's length on the wire.
    body_len: usize,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw request bytes and reads the answer until the server closes the connection. The
/// request is written from another thread, so a server that answers (413, say) before reading
/// a large body is heard.
pub(crate) fn exchange(port: u16, request: Vec<u8>) -> Result<Answer, String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(HANG_GUARD))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(HANG_GUARD))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let sender = std::thread::spawn(move || {
        // The server may close early on purpose (a refused body): not an error here.
        let _ = writer.write_all(&request).and_then(|()| writer.flush());
    });
    let mut stream = stream;
    let deadline = Instant::now() + HANG_GUARD;
    let mut raw = Vec::new();
    let mut total = 0usize;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut failure = None;
    loop {
        if Instant::now() > deadline {
            failure = Some(format!("no complete answer within {} s", HANG_GUARD.as_secs()));
            break;
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                if raw.len() < KEEP_BYTES {
                    raw.extend_from_slice(&chunk[..n]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                failure = Some(match e.kind() {
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                        format!("no answer within {} s", HANG_GUARD.as_secs())
                    }
                    _ => format!("read: {e}"),
                });
                break;
            }
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = sender.join();
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(failure.unwrap_or_else(|| {
            format!(
                "no HTTP answer ({} bytes: {:?})",
                raw.len(),
                String::from_utf8_lossy(&raw[..raw.len().min(200)])
            )
        }));
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut answer = Answer {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
        body_len: total - (end + 4),
    };
    if answer
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        answer.body = dechunk(&answer.body);
        answer.body_len = answer.body_len.max(answer.body.len());
    }
    // A server that answers and then resets the connection (while the rest of a refused request
    // was still being sent) has answered, if the body it announced arrived whole.
    let announced = answer
        .header("content-length")
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(failure) = failure
        && announced.is_none_or(|n| answer.body_len < n)
    {
        return Err(format!("status {status}, then {failure}"));
    }
    Ok(answer)
}

/// The `code` of a problem document. A body longer than what was kept is cut, so its `code` is
/// looked up in what arrived: a problem writes `code` before its `details`.
fn problem_code(answer: &Answer) -> Option<String> {
    if let Ok(problem) = serde_json::from_slice::<serde_json::Value>(&answer.body) {
        return problem.get("code").and_then(|c| c.as_str()).map(str::to_owned);
    }
    if answer.body_len <= answer.body.len() {
        return None;
    }
    let text = String::from_utf8_lossy(&answer.body);
    let start = text.find("\"code\":\"")? + "\"code\":\"".len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

/// The payload of a chunked body (as much as arrived).
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size.filter(|s| *s > 0) else {
            break;
        };
        let start = eol + 2;
        let end = (start + size).min(raw.len());
        out.extend_from_slice(&raw[start..end]);
        raw = raw.get(end + 2..).unwrap_or_default();
    }
    out
}

/// A running server for cases, with its tokens.
struct Target {
    process: Process,
    port: u16,
    dir: tempfile::TempDir,
    tokens: BTreeMap<&'static str, String>,
}

impl Target {
    fn start(extra: &BTreeMap<String, String>) -> Target {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::common::free_port();
        let mut env: BTreeMap<String, String> = SERVER_ENV
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.extend(extra.clone());
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let process = spawn_serve(&["--data-dir", dir.path().to_str().unwrap()], &env, port);
        use datahamn::auth::{Scope, Tokens};
        let tokens = Tokens::in_dir(dir.path());
        let mut made = BTreeMap::new();
        for (who, scope) in [
            ("steward", Scope::Organisation("1401".to_owned())),
            ("other-steward", Scope::Organisation("1480".to_owned())),
            ("admin", Scope::Admin),
        ] {
            made.insert(who, tokens.create(scope, "hostile corpus", None).unwrap().0);
        }
        Target {
            process,
            port,
            dir,
            tokens: made,
        }
    }

    /// The audit log's size now.
    fn audit_log_bytes(&self) -> u64 {
        std::fs::metadata(self.dir.path().join("audit.log")).map_or(0, |m| m.len())
    }

    fn token(&self, sender: Sender) -> Option<&str> {
        let key = match sender {
            Sender::Anonymous => return None,
            Sender::Steward => "steward",
            Sender::OtherSteward => "other-steward",
            Sender::Admin => "admin",
        };
        self.tokens.get(key).map(String::as_str)
    }

    /// Why the server is not serving, if it is not: it exited, or `/healthz` goes unanswered.
    fn trouble(&mut self) -> Option<String> {
        if let Some(status) = self.process.exited() {
            return Some(format!("the server process died ({status})"));
        }
        let health = format!(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        match exchange(self.port, health.into_bytes()) {
            Ok(a) if a.status == 200 => None,
            Ok(a) => Some(format!("/healthz answered {}", a.status)),
            Err(e) => {
                // A process that is going down may still hold its port for a moment.
                std::thread::sleep(Duration::from_millis(500));
                Some(match self.process.exited() {
                    Some(status) => format!("the server process died ({status})"),
                    None => format!("/healthz: {e}"),
                })
            }
        }
    }
}

/// The request's bytes for one sending of a case.
fn request(case: &Case, dir: &Path, target: &Target, i: usize) -> Result<Vec<u8>, String> {
    let vars = Vars {
        i,
        base: format!("http://127.0.0.1:{}", target.port),
        tokens: Some(&target.tokens),
    };
    let mut out = Vec::new();
    out.extend_from_slice(case.method.as_bytes());
    out.push(b' ');
    out.extend(case.path.bytes(dir, &vars)?);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let has = |name: &str| case.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if !has("host") {
        out.extend(format!("Host: 127.0.0.1:{}\r\n", target.port).into_bytes());
    }
    if let Some(token) = target.token(case.sender) {
        out.extend(format!("Authorization: Bearer {token}\r\n").into_bytes());
    }
    for (name, value) in &case.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend(value.bytes(dir, &vars)?);
        out.extend_from_slice(b"\r\n");
    }
    if !has("connection") {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    let body = match &case.body {
        Some(b) => b.bytes(dir, &vars)?,
        None => Vec::new(),
    };
    if !body.is_empty() && !has("content-length") && !has("transfer-encoding") {
        out.extend(format!("Content-Length: {}\r\n", body.len()).into_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend(body);
    Ok(out)
}

/// What is wrong with one answer: the invariants, then (for the last sending) the case's own
/// expectation.
fn judge(case: &Case, answer: &Answer, last: bool) -> Vec<String> {
    let mut faults = Vec::new();
    let status = answer.status;
    let code = problem_code(answer);
    let shown = || {
        format!(
            "{status} {}",
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)])
        )
    };
    if status >= 500 {
        let expected_503 = status == 503 && case.expect.status.contains(&503);
        if !expected_503 {
            faults.push(format!("answered {}", shown()));
        } else if answer.header("retry-after").is_none() && code.as_deref() != Some("query_timeout") {
            // A busy service says when to come back; a query stopped at its timeout would only
            // be stopped again, so it has no Retry-After.
            faults.push("a 503 without Retry-After".to_owned());
        }
    }
    let bare_http_layer = case.expect.http_layer && (400..500).contains(&status) && answer.body_len == 0;
    if status >= 400 && !bare_http_layer {
        let kind = answer.header("content-type").unwrap_or("");
        if case.expect.html && kind.starts_with("text/html") {
            // The page a person reads; its status is checked below.
        } else if !kind.starts_with("application/problem+json") {
            faults.push(format!(
                "a {status} that is not a problem document (Content-Type {kind:?}): {}",
                shown()
            ));
        } else if code.is_none() {
            faults.push(format!("a problem without a `code`: {}", shown()));
        }
    }
    if !last {
        return faults;
    }
    if !case.expect.status.contains(&status) {
        faults.push(format!("expected status {}, got {}", case.expect.status, shown()));
    }
    // The code a refusal must carry (an answer the case also allows, such as a 200 for a
    // header that is ignored, has none).
    if let (Some(expected), Some(c)) = (&case.expect.code, &code)
        && !expected.contains(c)
    {
        faults.push(format!("expected code {expected}, got {c:?}"));
    }
    if let Some(max) = case.expect.max_body_bytes
        && answer.body_len > max
    {
        faults.push(format!(
            "a body of {} bytes (at most {max} expected)",
            answer.body_len
        ));
    }
    faults
}

/// Every case file under `tests/hostile/`, in order.
fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The case's faults, and whether the server still serves afterwards.
fn run_case(case: &Case, dir: &Path, target: &mut Target) -> (Vec<String>, bool) {
    let mut faults = Vec::new();
    let audit_before = target.audit_log_bytes();
    for i in 0..case.times {
        let last = i + 1 == case.times;
        let bytes = match request(case, dir, target, i) {
            Ok(b) => b,
            Err(e) => return (vec![format!("the case file is broken: {e}")], true),
        };
        match exchange(target.port, bytes) {
            Ok(answer) => {
                for fault in judge(case, &answer, last) {
                    let fault = if case.times > 1 {
                        format!("sending {}: {fault}", i + 1)
                    } else {
                        fault
                    };
                    faults.push(fault);
                }
            }
            Err(e) => faults.push(format!("no answer: {e}")),
        }
        if !faults.is_empty() {
            break;
        }
    }
    if let Some(max) = case.expect.max_audit_log_growth {
        let grown = target.audit_log_bytes().saturating_sub(audit_before);
        if grown > max {
            faults.push(format!(
                "the audit log grew by {grown} bytes (at most {max} expected)"
            ));
        }
    }
    let trouble = target.trouble();
    let serving = trouble.is_none();
    faults.extend(trouble);
    (faults, serving)
}

#[test]
fn every_hostile_case_is_refused_or_bounded_and_the_server_survives() {
    let root = repo_path("tests/hostile");
    let mut files = case_files(&root);
    assert!(files.len() >= 40, "the corpus has {} cases", files.len());
    // `HOSTILE_CASES=sparql/` runs only the cases whose path holds that text.
    if let Ok(only) = std::env::var("HOSTILE_CASES") {
        files.retain(|f| f.to_string_lossy().contains(&only));
    }
    let mut shared: Option<Target> = None;
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(repo_path(""))
            .unwrap_or(file)
            .display()
            .to_string();
        let case: Case = match std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| toml::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: the case file is broken: {e}"));
                continue;
            }
        };
        assert!(
            !case.about.trim().is_empty(),
            "{name}: say what the case attacks in `about`"
        );
        let dir = file.parent().unwrap();
        let faults = if case.server.is_empty() {
            let target = shared.get_or_insert_with(|| Target::start(&BTreeMap::new()));
            let (faults, serving) = run_case(&case, dir, target);
            // A crashed or stalled server is replaced, so the next case starts clean.
            if !serving {
                shared = None;
            }
            faults
        } else {
            let mut own = Target::start(&case.server);
            run_case(&case, dir, &mut own).0
        };
        if !faults.is_empty() {
            failures.push(format!("{name}: {}", faults.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn case_text_is_built_from_parts() {
    let toml = r#"
        about = "x"
        path = ["/a?", { repeat = "b", times = 3 }, { hex = "ff 00" }, "${i}"]
        [expect]
        status = [200, 404]
    "#;
    let case: Case = toml::from_str(toml).unwrap();
    let vars = Vars {
        i: 7,
        base: String::new(),
        tokens: None,
    };
    assert_eq!(
        case.path.bytes(Path::new("."), &vars).unwrap(),
        b"/a?bbb\xff\x007"
    );
    assert!(case.expect.status.contains(&404) && !case.expect.status.contains(&500));
    assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"), b"abcde");
}
