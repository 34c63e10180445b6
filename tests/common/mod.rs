//! Test harness: a real datahamn server on 127.0.0.1 over a temporary store, with the
//! repository's datasets published, and a small HTTP client.

#![allow(dead_code)]

use datahamn::service::Platform;
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
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
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

/// Starts a server over a fresh store with `datasets/` published.
pub fn start() -> TestServer {
    start_with(|_| {})
}

/// Starts a server like [`start`], with `configure` applied to the platform before it serves.
pub fn start_with(configure: impl FnOnce(&mut Platform)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store"), &dir.path().join("archive")).unwrap();
    let mut server = serve(store, dir.path(), None, configure);
    server._temp = Some(dir);
    server
}

/// Starts a server over a given store and data directory, publishing `datasets/` unless the
/// store has it already. `port` reuses a port (a restart keeps the base URL).
pub fn start_on(
    store: Store,
    dir: &Path,
    port: Option<u16>,
    configure: impl FnOnce(&mut Platform),
) -> TestServer {
    serve(store, dir, port, configure)
}

fn serve(store: Store, dir: &Path, port: Option<u16>, configure: impl FnOnce(&mut Platform)) -> TestServer {
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
        client: Client { base },
        platform,
        dir: dir.to_owned(),
        _temp: None,
        handle,
        thread: Some(thread),
    };
    for _ in 0..200 {
        if server.get("/healthz").status == 200 {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("the server did not become ready");
}

/// One server shared by the read-only tests.
pub fn shared() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(start)
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

fn read(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Response {
    let mut response = result.unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    Response {
        status: response.status().as_u16(),
        headers,
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}

impl TestServer {
    /// The data directory (tokens, audit log).
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Stops serving and closes the store (a restart may open it again).
    pub fn stop(self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        let TestServer { platform, thread, .. } = self;
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

/// An HTTP client for one server's base URL.
pub struct Client {
    pub base: String,
}

impl Client {
    /// A request with a body and headers (`body` may be empty).
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut req = ureq::http::Request::builder().method(method).uri(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_empty() {
            return read(agent().run(req.body(()).unwrap()));
        }
        read(agent().run(req.body(body.to_vec()).unwrap()))
    }

    /// A request like [`TestServer::send`] whose redirect is answered, not followed.
    pub fn send_once(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .build()
            .into();
        let mut req = ureq::http::Request::builder().method(method).uri(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_empty() {
            return read(agent.run(req.body(()).unwrap()));
        }
        read(agent.run(req.body(body.to_vec()).unwrap()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Response {
        read(agent().get(self.url(path)).call())
    }

    /// A GET whose body is bytes: (status, content type, body).
    pub fn get_bytes(&self, path: &str) -> (u16, Option<String>, Vec<u8>) {
        let mut response = agent().get(self.url(path)).call().unwrap();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.body_mut().read_to_vec().unwrap_or_default();
        (response.status().as_u16(), kind, body)
    }

    /// A GET with extra headers whose body is kept as bytes (a compressed answer, say): the
    /// headers as [`Response`] has them, and the body.
    pub fn get_raw(&self, path: &str, headers: &[(&str, &str)]) -> (Response, Vec<u8>) {
        let mut req = agent().get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut response = req.call().unwrap();
        let body = response.body_mut().read_to_vec().unwrap_or_default();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let head = Response {
            status: response.status().as_u16(),
            headers,
            body: String::new(),
        };
        (head, body)
    }

    pub fn get_accept(&self, path: &str, accept: &str) -> Response {
        read(agent().get(self.url(path)).header("Accept", accept).call())
    }

    /// A request with extra headers.
    pub fn get_with(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = ureq::http::Request::builder().method(method).uri(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        read(agent().run(req.body(()).unwrap()))
    }

    pub fn post(&self, path: &str, content_type: &str, body: &str) -> Response {
        read(
            agent()
                .post(self.url(path))
                .header("Content-Type", content_type)
                .send(body),
        )
    }

    pub fn post_accept(&self, path: &str, content_type: &str, accept: &str, body: &str) -> Response {
        read(
            agent()
                .post(self.url(path))
                .header("Content-Type", content_type)
                .header("Accept", accept)
                .send(body),
        )
    }

    pub fn request(&self, method: &str, path: &str) -> Response {
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path))
            .body(())
            .unwrap();
        read(agent().run(req))
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
        client: Client {
            base: format!("http://127.0.0.1:{port}"),
        },
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
