//! Test harness: the datahamn app over a temporary store with the repository's datasets
//! published, and a small blocking HTTP client for it.
//!
//! Most tests run the app in-process ([`start`], [`shared`]): `actix_web::test::init_service`
//! on a thread of its own, each request handed to it as a value and answered without a socket,
//! with the head a client would read off the wire (`Content-Length`, `Transfer-Encoding`, `Date`,
//! no body to `HEAD`). Tests of what only a socket shows (compression on the wire, accepted
//! connections, a client that stops reading) use [`start_socket`] or [`shared_socket`]: the
//! same app behind a real server on 127.0.0.1.

#![allow(dead_code)]

use datahamn::service::Platform;
use datahamn::service::replica::Serving;
use datahamn::store::Store;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub struct TestServer {
    client: Client,
    pub platform: Arc<Platform>,
    dir: PathBuf,
    /// Keeps a temporary data directory alive (none when the caller gave the directory).
    _temp: Option<tempfile::TempDir>,
    runner: Runner,
}

/// How a test server serves.
enum Runner {
    /// A real server on a socket.
    Socket {
        handle: actix_web::dev::ServerHandle,
        thread: Option<std::thread::JoinHandle<()>>,
    },
    /// The app in-process on its own thread; it ends when the client's channel closes.
    InProcess {
        thread: Option<std::thread::JoinHandle<()>>,
    },
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// An in-process app over a fresh store with `datasets/` published.
pub fn start() -> TestServer {
    start_with(|_| {})
}

/// An in-process app like [`start`], with `configure` applied to the platform before it serves.
pub fn start_with(configure: impl FnOnce(&mut Platform)) -> TestServer {
    fresh(false, configure)
}

/// A real server on 127.0.0.1 over a fresh store with `datasets/` published: for tests of what
/// only a socket shows.
pub fn start_socket() -> TestServer {
    start_socket_with(|_| {})
}

/// A server on a socket like [`start_socket`], with `configure` applied to the platform.
pub fn start_socket_with(configure: impl FnOnce(&mut Platform)) -> TestServer {
    fresh(true, configure)
}

fn fresh(socket: bool, configure: impl FnOnce(&mut Platform)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store"), &dir.path().join("archive")).unwrap();
    let mut server = serve(store, dir.path(), None, socket, configure);
    server._temp = Some(dir);
    server
}

/// An in-process app over a given store and data directory, publishing `datasets/` unless the
/// store has it already. `port` names the base URL's port (a restart keeps the base URL).
pub fn start_on(
    store: Store,
    dir: &Path,
    port: Option<u16>,
    configure: impl FnOnce(&mut Platform),
) -> TestServer {
    serve(store, dir, port, false, configure)
}

fn serve(
    store: Store,
    dir: &Path,
    port: Option<u16>,
    socket: bool,
    configure: impl FnOnce(&mut Platform),
) -> TestServer {
    // In-process, the base URL names a port nothing listens on: a test that reaches for a
    // socket there fails at once.
    let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0))).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut platform = Platform::open(store, &base).unwrap();
    platform.attach_dir(dir);
    configure(&mut platform);
    if !platform.is_bootstrapped().unwrap() {
        for outcome in platform.publish_directory(&repo_path("datasets")).unwrap() {
            if let Err((path, e)) = outcome {
                panic!("{} was not published: {e:?}", path.display());
            }
        }
    }
    let platform = Arc::new(platform);
    if !socket {
        drop(listener);
        let (app, thread) = InProcess::start(platform.clone());
        return TestServer {
            client: Client { base, app: Some(app) },
            platform,
            dir: dir.to_owned(),
            _temp: None,
            runner: Runner::InProcess { thread: Some(thread) },
        };
    }
    let serving = platform.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = datahamn::http::start(serving, listener).unwrap();
            tx.send(server.handle()).unwrap();
            server.await.unwrap();
        });
    });
    let handle = rx.recv().unwrap();
    let server = TestServer {
        client: Client::socket(base),
        platform,
        dir: dir.to_owned(),
        _temp: None,
        runner: Runner::Socket {
            handle,
            thread: Some(thread),
        },
    };
    for _ in 0..200 {
        if server.get("/healthz").status == 200 {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("the server did not become ready");
}

/// One in-process app shared by the read-only tests.
pub fn shared() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(start)
}

/// One server on a socket shared by the read-only tests of what only a socket shows.
pub fn shared_socket() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(start_socket)
}

/// A request as a client sends it.
struct Outgoing {
    method: String,
    /// The path and query.
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// An answer as a client reads it: the head, and the body as bytes.
struct Incoming {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn into_text(self) -> Response {
        Response {
            status: self.status,
            headers: self.headers,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }
}

type Exchange = (Outgoing, std::sync::mpsc::Sender<Incoming>);

/// The in-process app's end of the channel: requests go in, answers come back.
struct InProcess {
    requests: tokio::sync::mpsc::UnboundedSender<Exchange>,
}

impl InProcess {
    /// Builds the app (`actix_web::test::init_service`) on a thread with its own actix system,
    /// which answers each request as a task of its own (several at once, as a server would).
    fn start(platform: Arc<Platform>) -> (InProcess, std::thread::JoinHandle<()>) {
        let (requests, mut incoming) = tokio::sync::mpsc::unbounded_channel::<Exchange>();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let serving = actix_web::web::Data::from(Arc::new(Serving::new(platform)));
                let app = std::rc::Rc::new(actix_web::test::init_service(datahamn::http::app(serving)).await);
                let mut running = Vec::new();
                while let Some((request, reply)) = incoming.recv().await {
                    let app = app.clone();
                    running.push(actix_web::rt::spawn(async move {
                        let _ = reply.send(answer(&*app, request).await);
                    }));
                    running.retain(|task| !task.is_finished());
                }
                // The client is gone: the answers under way finish, then the app (and its
                // platform) is dropped.
                for task in running {
                    let _ = task.await;
                }
            });
        });
        (InProcess { requests }, thread)
    }

    fn send(&self, request: Outgoing) -> Incoming {
        let (reply, answer) = std::sync::mpsc::channel();
        self.requests
            .send((request, reply))
            .expect("the in-process app has stopped");
        answer.recv().expect("the in-process app dropped a request")
    }
}

/// Answers one request with the app, and gives the answer the head an HTTP/1.1 server writes
/// (what `actix-http`'s encoder adds: the length or chunked coding from the body's size, `Date`),
/// without a body to `HEAD`.
async fn answer<S, B>(app: &S, request: Outgoing) -> Incoming
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody + 'static,
{
    use actix_web::body::{BodySize, MessageBody};
    use actix_web::http::{Method, StatusCode};
    let method = Method::from_bytes(request.method.as_bytes()).unwrap();
    let head = method == Method::HEAD;
    let mut req = actix_web::test::TestRequest::default()
        .method(method)
        .uri(&request.target)
        .peer_addr("127.0.0.1:50000".parse().unwrap());
    for (name, value) in &request.headers {
        req = req.append_header((name.as_str(), value.as_str()));
    }
    if let Some(body) = request.body {
        req = req.set_payload(body);
    }
    let response = match app.call(req.to_request()).await {
        Ok(res) => res.into_parts().1.map_into_boxed_body(),
        Err(e) => e.error_response(),
    };
    let status = response.status();
    let size = response.body().size();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .filter(|(k, _)| k != "content-length" || status == StatusCode::NOT_MODIFIED)
        .collect();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let no_length = status.is_informational() || status == StatusCode::NO_CONTENT;
    match size {
        _ if no_length || status == StatusCode::NOT_MODIFIED => {}
        BodySize::Stream => headers.push(("transfer-encoding".into(), "chunked".into())),
        BodySize::Sized(n) => headers.push(("content-length".into(), n.to_string())),
        BodySize::None => {}
    }
    headers.push(("date".into(), http_date()));
    Incoming {
        status: status.as_u16(),
        headers,
        body: if head { Vec::new() } else { body },
    }
}

/// Now as an HTTP date.
fn http_date() -> String {
    actix_web::http::header::HttpDate::from(std::time::SystemTime::now()).to_string()
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts that browser code may read every header of this answer (to a request with an
    /// `Origin`) that tells a client something: each is CORS-safelisted or listed in
    /// `Access-Control-Expose-Headers`. Returns the exposed names, lower case.
    pub fn assert_headers_exposed(&self) -> Vec<String> {
        let exposed: Vec<String> = self
            .header("access-control-expose-headers")
            .unwrap_or_else(|| panic!("no Access-Control-Expose-Headers: {:?}", self.headers))
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        // Safelisted (Fetch), for the browser or caches only, or connection-level.
        const READABLE_OR_NOT_FOR_CODE: &[&str] = &[
            "cache-control",
            "content-language",
            "content-type",
            "expires",
            "pragma",
            "vary",
            "content-encoding",
            "content-security-policy",
            "date",
            "connection",
            "keep-alive",
            "transfer-encoding",
            "set-cookie",
        ];
        for (name, _) in &self.headers {
            let name = name.to_ascii_lowercase();
            if READABLE_OR_NOT_FOR_CODE.contains(&name.as_str()) || name.starts_with("access-control-") {
                continue;
            }
            assert!(
                exposed.contains(&name),
                "`{name}` is not in Access-Control-Expose-Headers ({exposed:?})"
            );
        }
        exposed
    }

    /// Asserts an RFC 9457 problem with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) -> serde_json::Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["code"], code, "{p}");
        assert_eq!(p["status"], status);
        assert!(p["type"].as_str().unwrap().ends_with(code));
        assert!(!p["detail"].as_str().unwrap().is_empty());
        p
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// How many redirects a client follows (ureq's default).
const MAX_REDIRECTS: usize = 10;

impl TestServer {
    /// The data directory (tokens, audit log).
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// The port of the base URL (the one the server listens on, when it has a socket).
    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Stops serving and closes the store (a restart may open it again).
    pub fn stop(self) {
        let TestServer {
            platform,
            runner,
            client,
            ..
        } = self;
        drop(client);
        let thread = match runner {
            Runner::Socket { handle, thread } => {
                actix_web::rt::System::new().block_on(handle.stop(false));
                thread
            }
            Runner::InProcess { thread } => thread,
        };
        if let Some(thread) = thread {
            thread.join().unwrap();
        }
        // The workers let go of the platform as they wind down.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while Arc::strong_count(&platform) > 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the server kept the platform"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// A steward's token for an organisation (`None`: a platform administrator's).
    pub fn token(&self, org: Option<&str>, name: &str) -> String {
        use datahamn::auth::{Scope, Tokens};
        let scope = org.map_or(Scope::Admin, |o| Scope::Organisation(o.to_owned()));
        Tokens::in_dir(self.data_dir())
            .create(scope, name, None)
            .unwrap()
            .0
    }
}

/// An HTTP client for one server's base URL: over a socket, or to an in-process app.
pub struct Client {
    pub base: String,
    app: Option<InProcess>,
}

impl Client {
    /// A client that connects to `base` over a socket.
    pub fn socket(base: String) -> Client {
        Client { base, app: None }
    }

    /// Sends a request and reads the whole answer, following redirects as ureq does (up to
    /// [`MAX_REDIRECTS`]; a 301, 302 or 303 turns into a `GET` without a body, `Authorization`
    /// and `Cookie` are not sent on) when `follow`.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        follow: bool,
    ) -> Incoming {
        let Some(app) = &self.app else {
            return self.exchange_socket(method, path, headers, body, follow);
        };
        let mut request = Outgoing {
            method: method.to_owned(),
            target: self.target(path),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.map(<[u8]>::to_vec),
        };
        // What ureq adds to every request.
        let authority = self.base.strip_prefix("http://").unwrap_or(&self.base).to_owned();
        for (name, value) in [
            ("host", authority.as_str()),
            ("user-agent", "ureq/3"),
            ("accept", "*/*"),
        ] {
            if !request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                request.headers.push((name.to_owned(), value.to_owned()));
            }
        }
        let mut redirects = 0;
        loop {
            let keep = (request.method.clone(), request.headers.clone());
            let answer = app.send(request);
            let location = answer.header("location").map(str::to_owned);
            let (retains_method, changes_method) = (
                matches!(answer.status, 307 | 308),
                matches!(answer.status, 301..=303),
            );
            let Some(location) = location.filter(|_| follow && (retains_method || changes_method)) else {
                return answer;
            };
            let (method, mut headers) = keep;
            if redirects == MAX_REDIRECTS
                || (retains_method && matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
            {
                return answer;
            }
            redirects += 1;
            headers.retain(|(k, _)| {
                !["authorization", "cookie", "content-length"]
                    .iter()
                    .any(|h| k.eq_ignore_ascii_case(h))
            });
            let method = if changes_method && !matches!(method.as_str(), "GET" | "HEAD") {
                "GET".to_owned()
            } else {
                method
            };
            request = Outgoing {
                method,
                target: self.target(&location),
                headers,
                body: None,
            };
        }
    }

    /// The path and query of a path or of an absolute URL on this server.
    fn target(&self, path: &str) -> String {
        let target = path.strip_prefix(self.base.as_str()).unwrap_or(path);
        assert!(
            target.starts_with('/'),
            "the in-process app answers only its own URLs: {path}"
        );
        target.to_owned()
    }

    fn exchange_socket(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        follow: bool,
    ) -> Incoming {
        let agent: ureq::Agent = if follow {
            agent()
        } else {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .build()
                .into()
        };
        let mut req = ureq::http::Request::builder().method(method).uri(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let result = match body {
            None => agent.run(req.body(()).unwrap()),
            Some(body) => agent.run(req.body(body.to_vec()).unwrap()),
        };
        let mut response = result.unwrap();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        Incoming {
            status: response.status().as_u16(),
            headers,
            body: response
                .body_mut()
                .with_config()
                .limit(u64::MAX)
                .read_to_vec()
                .unwrap_or_default(),
        }
    }

    /// A request with a body and headers (`body` may be empty).
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let body = (!body.is_empty()).then_some(body);
        self.exchange(method, path, headers, body, true).into_text()
    }

    /// A request like [`Client::send`] whose redirect is answered, not followed.
    pub fn send_once(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let body = (!body.is_empty()).then_some(body);
        self.exchange(method, path, headers, body, false).into_text()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Response {
        self.exchange("GET", path, &[], None, true).into_text()
    }

    /// A GET whose body is bytes: (status, content type, body).
    pub fn get_bytes(&self, path: &str) -> (u16, Option<String>, Vec<u8>) {
        let answer = self.exchange("GET", path, &[], None, true);
        let kind = answer.header("content-type").map(str::to_owned);
        (answer.status, kind, answer.body)
    }

    /// A GET with extra headers whose body is kept as bytes (a compressed answer, say): the
    /// headers as [`Response`] has them, and the body.
    pub fn get_raw(&self, path: &str, headers: &[(&str, &str)]) -> (Response, Vec<u8>) {
        let answer = self.exchange("GET", path, headers, None, true);
        let head = Response {
            status: answer.status,
            headers: answer.headers,
            body: String::new(),
        };
        (head, answer.body)
    }

    pub fn get_accept(&self, path: &str, accept: &str) -> Response {
        self.get_with("GET", path, &[("Accept", accept)])
    }

    /// A request with extra headers.
    pub fn get_with(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        self.exchange(method, path, headers, None, true).into_text()
    }

    pub fn post(&self, path: &str, content_type: &str, body: &str) -> Response {
        self.post_accept(path, content_type, "*/*", body)
    }

    pub fn post_accept(&self, path: &str, content_type: &str, accept: &str, body: &str) -> Response {
        self.exchange(
            "POST",
            path,
            &[("Content-Type", content_type), ("Accept", accept)],
            Some(body.as_bytes()),
            true,
        )
        .into_text()
    }

    pub fn request(&self, method: &str, path: &str) -> Response {
        self.exchange(method, path, &[], None, true).into_text()
    }
}

impl std::ops::Deref for TestServer {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// A `datahamn` process (the real binary), killed when dropped.
pub struct Process {
    child: std::process::Child,
    client: Client,
}

impl std::ops::Deref for Process {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// How the process ended, if it has (a crash, say); `None` while it runs.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the process to end, at most `bound` (a hang, not a timing).
    /// Whether it ended.
    pub fn terminate(mut self, bound: std::time::Duration) -> bool {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = std::time::Instant::now() + bound;
        while std::time::Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }

    /// Stops the process at once (`kill -9`), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `datahamn serve` with `args` and `env` on 127.0.0.1:`port` from the repository root, and
/// waits until it answers `/healthz`.
pub fn spawn_serve(args: &[&str], env: &[(&str, &str)], port: u16) -> Process {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_datahamn"));
    command
        .arg("serve")
        .args(args)
        .env("DATAHAMN_LISTEN", format!("127.0.0.1:{port}"))
        .current_dir(repo_path(""))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let process = Process {
        child: command.spawn().unwrap(),
        client: Client::socket(format!("http://127.0.0.1:{port}")),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        if agent()
            .get(process.url("/healthz"))
            .call()
            .is_ok_and(|r| r.status() == 200)
        {
            return process;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("datahamn serve {args:?} did not become ready");
}

/// URL-encodes a query parameter value.
pub fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()[2..].to_owned()
}
