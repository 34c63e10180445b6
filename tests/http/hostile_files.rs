//! Hostile files over HTTP: every `hostile-*` case of the checker's corpus
//! (`tests/fixtures/ingest/`), uploaded as it is and as a job to poll, is answered with the
//! outcome its `expected.json` records (422 `validation_failed`, or 201 when the file is valid)
//! and a report of bounded size; never a 5xx, and the job always ends. Adding a case adds a
//! folder, not code.

use crate::common::{TestServer, repo_path, start};
use serde_json::Value;
use std::io::Read;

/// The largest answer a hostile file may get: the report's lists are capped (1,000 issues of
/// each kind by default), and every message names at most a few rows.
const MAX_ANSWER_BYTES: usize = 1_000_000;

/// Each hostile case: its name, its file's bytes and whether its report says valid.
fn cases() -> Vec<(String, Vec<u8>, bool)> {
    let root = repo_path("tests/fixtures/ingest");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("hostile-") {
            continue;
        }
        let case: toml::Value =
            toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap()).unwrap();
        // Cases that lower a limit to reach it with a small file are checked as the server's
        // defaults would check them: over HTTP only the outcome's class and size are compared.
        let lowered = ["max_columns", "max_cell_bytes", "max_rows", "max_expanded_bytes"]
            .iter()
            .any(|k| case.get(k).is_some());
        let gz = dir.join("input.csv.gz");
        let bytes = if gz.exists() {
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap())
                .read_to_end(&mut bytes)
                .unwrap();
            bytes
        } else {
            // The server tells the format from the content: a workbook or GeoJSON as it is.
            let input = ["input.csv", "input.xlsx", "input.ods", "input.geojson"]
                .iter()
                .map(|f| dir.join(f))
                .find(|f| f.exists())
                .unwrap();
            std::fs::read(input).unwrap()
        };
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let valid = expected["report"]["valid"].as_bool().unwrap();
        if lowered && !valid {
            continue;
        }
        assert_eq!(case["profile"].as_str(), Some("bathing-sites"), "{name}");
        out.push((name, bytes, valid));
    }
    assert!(out.len() >= 10, "only {} hostile cases", out.len());
    out
}

fn dataset(server: &TestServer, token: &str, id: &str) {
    let created = server.create(token, id);
    assert_eq!(created.status, 201, "{}", created.body);
}

/// Checks one answer (or a job's result): the status the case expects, and a bounded report.
fn assert_outcome(name: &str, how: &str, status: u64, body: &Value, size: usize, valid: bool) {
    assert!(size < MAX_ANSWER_BYTES, "{name} ({how}): {size} bytes");
    if valid {
        assert_eq!(status, 201, "{name} ({how}): {body}");
        return;
    }
    assert_eq!(status, 422, "{name} ({how}): {body}");
    assert_eq!(body["code"], "validation_failed", "{name} ({how}): {body}");
    let report = &body["details"];
    let errors = report["errors"].as_array().unwrap();
    assert!(!errors.is_empty() && errors.len() <= 1_000, "{name} ({how})");
    assert!(report["error_count"].as_u64().unwrap() >= errors.len() as u64);
    for issue in errors {
        assert!(issue["message"]["sv"].is_string() && issue["message"]["en"].is_string());
    }
}

#[test]
fn hostile_files_are_refused_with_a_bounded_report_sync_and_async() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    let auth = format!("Bearer {token}");
    for (i, (name, bytes, valid)) in cases().into_iter().enumerate() {
        let id = format!("hostile-{i}");
        dataset(&server, &token, &id);
        let path = format!("/api/v1/datasets/{id}/data");
        let sync = server.send(
            "PUT",
            &path,
            &[("Authorization", &auth), ("Content-Type", "text/csv")],
            &bytes,
        );
        assert_outcome(
            &name,
            "sync",
            u64::from(sync.status),
            &sync.json(),
            sync.body.len(),
            valid,
        );

        let accepted = server.send(
            "PUT",
            &path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "text/csv"),
                ("Prefer", "respond-async"),
            ],
            &bytes,
        );
        assert_eq!(accepted.status, 202, "{name}: {}", accepted.body);
        let location = accepted.header("location").unwrap().to_owned();
        let job = (0..1_200)
            .find_map(|_| {
                let r = server.send("GET", &location, &[("Authorization", &auth)], b"");
                assert_eq!(r.status, 200, "{name}: {}", r.body);
                let job = r.json();
                if job["result"].is_object() {
                    return Some((job, r.body.len()));
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            })
            .unwrap_or_else(|| panic!("{name}: the job never ended"));
        let (job, size) = job;
        assert_eq!(
            job["status"],
            if valid { "succeeded" } else { "failed" },
            "{name}: {job}"
        );
        assert_outcome(
            &name,
            "async",
            job["result"]["status"].as_u64().unwrap(),
            &job["result"]["body"],
            size,
            valid,
        );
    }
    // The server is alive and serving after them all.
    assert_eq!(server.get("/api/v1/datasets").status, 200);
}
