//! The real binary: configuration by flags and environment, first-start publishing, and a
//! restart that keeps what was published.

use crate::common::{Process, free_port, spawn_serve};

fn start(data_dir: &std::path::Path, port: u16) -> Process {
    spawn_serve(
        &["--data-dir", data_dir.to_str().unwrap()],
        &[("DATAHAMN_BASE_URL", "https://data.example.se")],
        port,
    )
}

#[test]
fn serve_publishes_once_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), free_port());
    let item = first.get("/api/v1/items/harryda-badplatser:gingsjon").json();
    assert_eq!(
        item["uri"], "https://data.example.se/id/harryda-badplatser/gingsjon",
        "base URL from the environment"
    );
    drop(first);

    let second = start(dir.path(), free_port());
    let list = second.get("/api/v1/datasets").json();
    let datasets = list["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 8);
    for d in datasets {
        assert_eq!(
            d["current_version"]["number"], 1,
            "a restart must not publish again"
        );
    }
    let again = second.get("/api/v1/items/harryda-badplatser:gingsjon");
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), item);
}
