//! `kill -9` at any moment of a publish leaves the old or the new version, never a mix.

use datahamn::service;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const BASE: &str = "http://127.0.0.1:8080";

/// A deterministic bath-site file of `rows` rows (a simple LCG; no randomness between runs).
fn bath_sites(rows: usize, tag: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows * 120);
    writeln!(
        out,
        "place_id,name,latitude,longitude,toilet,shower,description,watertype"
    )
    .unwrap();
    let mut x: u64 = 42;
    for i in 0..rows {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let lat = 55.5 + (x >> 40) as f64 / (1u64 << 24) as f64 * 13.0;
        let lon = 11.5 + (x >> 16 & 0xff_ffff) as f64 / (1u64 << 24) as f64 * 12.0;
        writeln!(
            out,
            "{tag}-{i},\"Badplats {i}, {tag}\",{lat:.6},{lon:.6},{},{},Sandstrand med brygga,lake",
            i % 2 == 0,
            i % 3 == 0
        )
        .unwrap();
    }
    out
}

fn ingest(data_dir: &std::path::Path, file: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_datahamn"))
        .args(["ingest"])
        .arg(file)
        .args([
            "--dataset",
            "crash",
            "--org",
            "1401",
            "--profile",
            "bathing-sites",
            "--base-url",
            BASE,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env("DATAHAMN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Rows of the large file: enough that a publish takes long enough for kills at fractions of it
/// to land while it is under way (each attempt checks that they did).
const BIG: usize = 5_000;

/// Opens the store as a server would and checks that what it serves is one whole version, and
/// that the archive holds whole the earlier versions numbered `from` or later (the ones a publish
/// since the last check can have touched).
fn assert_whole_version(data_dir: &std::path::Path, sizes: &[(u64, usize)], from: u64) -> u64 {
    let platform = service::open_data_dir(data_dir, BASE, service::Mode::Serve, None).unwrap();
    let model = platform.model();
    let dataset = model.dataset("crash").expect("version 1 is always there");
    let current = dataset.record.current().unwrap();
    let expected = sizes
        .iter()
        .find(|(v, _)| *v == current.number)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("unexpected version {}", current.number));
    assert_eq!(
        dataset.items.len(),
        expected,
        "version {} is incomplete",
        current.number
    );
    assert_eq!(current.item_count as usize, expected);
    // The live store holds the current version, the catalog and the change feed only; every
    // earlier version is whole in the archive.
    let mut live: Vec<String> = platform
        .live_graphs()
        .unwrap()
        .into_iter()
        .map(|g| g.into_string())
        .collect();
    live.sort();
    let iris = platform.iris();
    let mut expected_live = vec![
        iris.version("crash", current.number).into_string(),
        iris.catalog_graph().into_string(),
        iris.changes_graph().into_string(),
    ];
    expected_live.sort();
    assert_eq!(live, expected_live);
    for version in dataset.record.versions.iter().filter(|v| v.number >= from) {
        let quads = platform.version_quads("crash", version.number).unwrap();
        let items = quads
            .iter()
            .filter(|q| {
                q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                    && q.object.to_string() == "<https://schema.org/Beach>"
            })
            .count();
        assert_eq!(items as u64, version.item_count, "version {}", version.number);
    }
    current.number
}

/// What `datahamn ingest` keeps in the data directory while a publish is under way: written as
/// the new version starts to go into the store, removed once the publish has finished.
const MARKER: &str = "publishing";

/// Waits until the ingest marks its publish as under way, and returns when it saw it. Fails
/// when the process ends first.
fn publish_begins(child: &mut std::process::Child, marker: &std::path::Path) -> std::time::Instant {
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        if marker.exists() {
            return std::time::Instant::now();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the ingest ended ({status}) before its publish began");
        }
        assert!(std::time::Instant::now() < deadline, "the publish never began");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn kill_9_mid_publish_leaves_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("var");
    let marker = data_dir.join(MARKER);
    let small = dir.path().join("small.csv");
    let big = dir.path().join("big.csv");
    std::fs::write(&small, bath_sites(50, "a")).unwrap();
    std::fs::write(&big, bath_sites(BIG, "b")).unwrap();

    assert!(ingest(&data_dir, &small).wait().unwrap().success());
    assert!(!marker.exists(), "a finished publish leaves no marker");
    // One whole publish of the large file, timed from its marker to the marker's removal: the
    // kills below land at fractions of that time after the marker appears.
    let mut child = ingest(&data_dir, &big);
    let began = publish_begins(&mut child, &marker);
    while marker.exists() {
        std::thread::sleep(Duration::from_millis(2));
    }
    let publishing = began.elapsed();
    assert!(child.wait().unwrap().success());
    let mut versions_seen = vec![1, 2];
    let mut sizes = vec![(1, 50), (2, BIG)];
    assert_eq!(assert_whole_version(&data_dir, &sizes, 1), 2);
    for (attempt, fraction) in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5].into_iter().enumerate() {
        let mut child = ingest(&data_dir, &big);
        publish_begins(&mut child, &marker);
        std::thread::sleep(publishing.mul_f64(fraction));
        child.kill().ok();
        child.wait().unwrap();
        // The marker goes only when the publish has finished: still there, the kill landed
        // while the publish was under way.
        assert!(
            marker.exists(),
            "attempt {attempt}: the kill at {fraction} of a publish ({publishing:?}) landed after it had finished"
        );
        std::fs::remove_file(&marker).unwrap();
        // A kill after the commit (the version's record is written last) shows the next
        // version whole; before it, the previous one.
        let next = *versions_seen.last().unwrap() + 1;
        sizes.push((next, BIG));
        let version = assert_whole_version(&data_dir, &sizes, next - 1);
        assert!(
            version == *versions_seen.last().unwrap() || version == next,
            "attempt {attempt}"
        );
        if version == next {
            versions_seen.push(next);
        } else {
            sizes.pop();
        }
    }
    let mut child = ingest(&data_dir, &big);
    assert!(child.wait().unwrap().success());
    assert!(!marker.exists(), "a finished publish leaves no marker");
    let next = *versions_seen.last().unwrap() + 1;
    sizes.push((next, BIG));
    // Every version, the archived ones included, once more at the end.
    assert_eq!(assert_whole_version(&data_dir, &sizes, 1), next);
}
