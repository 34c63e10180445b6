//! The real binary: configuration by flags and environment, first-start publishing, and a
//! restart that keeps what was published.

use crate::common::{free_port, repo_path};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(url: &str) -> Option<(u16, String)> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut r = agent.get(url).call().ok()?;
    Some((r.status().as_u16(), r.body_mut().read_to_string().ok()?))
}

fn start(data_dir: &std::path::Path, port: u16) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_datahamn"))
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .env("DATAHAMN_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATAHAMN_BASE_URL", "https://data.example.se")
        .current_dir(repo_path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if get(&format!("http://127.0.0.1:{port}/healthz")).is_some_and(|(s, _)| s == 200) {
            return running;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("datahamn serve did not become ready");
}

#[test]
fn serve_publishes_once_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = start(dir.path(), port);
    let (_, body) = get(&format!(
        "http://127.0.0.1:{port}/api/v1/items/harryda-badplatser:gingsjon"
    ))
    .unwrap();
    let item: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        item["uri"], "https://data.example.se/id/harryda-badplatser/gingsjon",
        "base URL from the environment"
    );
    drop(first);

    let port = free_port();
    let _second = start(dir.path(), port);
    let (_, body) = get(&format!("http://127.0.0.1:{port}/api/v1/datasets")).unwrap();
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let datasets = list["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 6);
    for d in datasets {
        assert_eq!(
            d["current_version"]["number"], 1,
            "a restart must not publish again"
        );
    }
    let (status, body) = get(&format!(
        "http://127.0.0.1:{port}/api/v1/items/harryda-badplatser:gingsjon"
    ))
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap(), item);
}
