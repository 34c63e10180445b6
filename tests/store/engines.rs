//! The backends the contract runs on: the embedded store in a temporary directory, and SPARQL
//! engines started here on 127.0.0.1, each test with its own, so tests never share state.
//!
//! The engines come from outside the crate: oxigraph's server from PyPI (`oxigraph`) and Virtuoso
//! Open Source from Debian (`virtuoso-opensource`), installed by `tests/remote/setup.sh`.
//! `DATAHAMN_TEST_BACKENDS` (comma-separated: `oxigraph`, `virtuoso`) names those that must run;
//! `make test` sets `oxigraph`, `make test-remote` both. Under `CI=true` every engine must run.
//! An engine missing elsewhere is skipped with a note; an engine that must run and is missing
//! fails the test, so CI never passes a contract it did not run.

use crate::common::{free_port, repo_path};
use datahamn::store::{Credentials, RemoteConfig, Store};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Embedded,
    Oxigraph,
    /// oxigraph's server through the SPARQL protocol only: loads as `INSERT DATA`, graphs read
    /// with `CONSTRUCT`.
    OxigraphSparqlOnly,
    Virtuoso,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Embedded => "embedded",
            Kind::Oxigraph | Kind::OxigraphSparqlOnly => "oxigraph",
            Kind::Virtuoso => "virtuoso",
        }
    }
}

/// A running backend; stopped (and its files removed) on drop.
pub struct Engine {
    pub kind: Kind,
    dir: tempfile::TempDir,
    process: Option<Child>,
    pub config: Option<RemoteConfig>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if self.kind == Kind::Virtuoso {
            let _ = Command::new("bash")
                .arg(repo_path("tests/remote/virtuoso.sh"))
                .arg("stop")
                .arg(self.dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut p) = self.process.take() {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

/// Whether the engine must run: named in `DATAHAMN_TEST_BACKENDS`, or any engine under CI.
fn required(kind: Kind) -> bool {
    on_ci()
        || std::env::var("DATAHAMN_TEST_BACKENDS")
            .unwrap_or_default()
            .split(',')
            .any(|b| b.trim() == kind.name())
}

/// Whether the tests run under CI (`CI=true`, as CI services set it).
fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn oxigraph_binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("DATAHAMN_TEST_OXIGRAPH") {
        let path = PathBuf::from(path);
        return path.exists().then_some(path);
    }
    let venv = repo_path(".venv-remote/bin/oxigraph");
    venv.exists().then_some(venv)
}

fn virtuoso_installed() -> bool {
    Command::new("sh")
        .arg("-c")
        .arg("command -v virtuoso-t")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn answers(url: &str) -> bool {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .new_agent();
    agent
        .get(format!("{url}?query=ASK%7B%7D"))
        .call()
        .is_ok_and(|r| r.status().as_u16() == 200)
}

impl Engine {
    /// Starts a backend, or `None` (with a note) when it is not installed and not required.
    pub fn start(kind: Kind) -> Option<Engine> {
        let dir = tempfile::tempdir().unwrap();
        match kind {
            Kind::Embedded => Some(Engine {
                kind,
                dir,
                process: None,
                config: None,
            }),
            Kind::Oxigraph | Kind::OxigraphSparqlOnly => {
                let Some(binary) = oxigraph_binary() else {
                    assert!(
                        !required(kind),
                        "the oxigraph server is required (DATAHAMN_TEST_BACKENDS or CI=true) but not installed: run `bash tests/remote/setup.sh`"
                    );
                    eprintln!(
                        "note: oxigraph server not installed; its leg of the store contract is skipped"
                    );
                    return None;
                };
                let port = free_port();
                let process = Command::new(binary)
                    .arg("serve")
                    .arg("--location")
                    .arg(dir.path().join("db"))
                    .arg("--bind")
                    .arg(format!("127.0.0.1:{port}"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let base = format!("http://127.0.0.1:{port}");
                let engine = Engine {
                    kind,
                    dir,
                    process: Some(process),
                    config: Some(RemoteConfig {
                        query_url: format!("{base}/query"),
                        update_url: Some(format!("{base}/update")),
                        gsp_url: (kind == Kind::Oxigraph).then(|| format!("{base}/store")),
                        credentials: None,
                        timeout: Duration::from_secs(60),
                    }),
                };
                engine.wait_ready();
                Some(engine)
            }
            Kind::Virtuoso => {
                if !virtuoso_installed() {
                    assert!(
                        !required(kind),
                        "Virtuoso is required (DATAHAMN_TEST_BACKENDS or CI=true) but not installed: run `bash tests/remote/setup.sh virtuoso`"
                    );
                    eprintln!("note: Virtuoso not installed; its leg of the store contract is skipped");
                    return None;
                }
                let (http, sql) = (free_port(), free_port());
                let password = "datahamn-test";
                let status = Command::new("bash")
                    .arg(repo_path("tests/remote/virtuoso.sh"))
                    .arg("start")
                    .arg(dir.path())
                    .arg(http.to_string())
                    .arg(sql.to_string())
                    .env("VIRTUOSO_PASSWORD", password)
                    .stdout(Stdio::null())
                    .stderr(Stdio::inherit())
                    .status()
                    .unwrap();
                assert!(status.success(), "Virtuoso did not start");
                let base = format!("http://127.0.0.1:{http}");
                let engine = Engine {
                    kind,
                    dir,
                    process: None,
                    config: Some(RemoteConfig {
                        query_url: format!("{base}/sparql"),
                        update_url: Some(format!("{base}/sparql-auth")),
                        gsp_url: Some(format!("{base}/sparql-graph-crud-auth")),
                        credentials: Some(Credentials {
                            user: "dba".into(),
                            password: password.into(),
                        }),
                        timeout: Duration::from_secs(60),
                    }),
                };
                engine.wait_ready();
                Some(engine)
            }
        }
    }

    fn wait_ready(&self) {
        let url = &self.config.as_ref().unwrap().query_url;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if answers(url) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not answer at {url}", self.kind.name());
    }

    /// The engine's settings with every URL sent to `port` of 127.0.0.1 instead (a proxy).
    pub fn config_via(&self, port: u16) -> Option<RemoteConfig> {
        let mut config = self.config.clone()?;
        let engine = self.engine_port()?;
        let (from, to) = (format!("127.0.0.1:{engine}"), format!("127.0.0.1:{port}"));
        config.query_url = config.query_url.replace(&from, &to);
        config.update_url = config.update_url.map(|url| url.replace(&from, &to));
        config.gsp_url = config.gsp_url.map(|url| url.replace(&from, &to));
        Some(config)
    }

    /// The port the engine answers on.
    pub fn engine_port(&self) -> Option<u16> {
        let url = &self.config.as_ref()?.query_url;
        let after = url.strip_prefix("http://127.0.0.1:")?;
        after.split('/').next()?.parse().ok()
    }

    /// Opens the store on this backend (again after a drop: the same data).
    pub fn store(&self) -> Store {
        match &self.config {
            None => Store::open(&self.dir.path().join("live"), &self.dir.path().join("archive")).unwrap(),
            Some(config) => Store::remote(config.clone()).unwrap(),
        }
    }
}
