//! Read replicas, with two real processes: a writer that keeps checkpoints and a replica that
//! serves them read-only, swapping to each newer one whole; and entity tags derived from the
//! store revision, the same on both.

use crate::common::{Client, Process, free_port, repo_path, spawn_serve};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const BASE: &str = "https://data.example.se";

fn writer(dir: &Path) -> Process {
    spawn_serve(
        &[
            "--data-dir",
            dir.join("writer").to_str().unwrap(),
            "--checkpoint-dir",
            dir.join("checkpoints").to_str().unwrap(),
            "--rate-limit",
            "0",
        ],
        &[("DATAHAMN_BASE_URL", BASE)],
        free_port(),
    )
}

fn replica(dir: &Path) -> Process {
    spawn_serve(
        &[
            "--data-dir",
            dir.join("replica").to_str().unwrap(),
            "--replica-of",
            dir.join("checkpoints").to_str().unwrap(),
            "--replica-poll",
            "0.2",
            // The reader below asks as fast as it can.
            "--rate-limit",
            "0",
        ],
        &[],
        free_port(),
    )
}

fn revision(server: &Client) -> String {
    server.get("/healthz").json()["revision"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until the replica serves the writer's revision.
fn caught_up(writer: &Client, replica: &Client) -> String {
    let wanted = revision(writer);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if revision(replica) == wanted {
            return wanted;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the replica did not catch up with revision {wanted}");
}

fn item_ids(server: &Client) -> Vec<String> {
    let page = server
        .get("/api/v1/datasets/harryda-badplatser/items?limit=100")
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn publish(writer: &Client, token: &str, csv: &[u8]) {
    let r = writer.send(
        "PUT",
        "/api/v1/datasets/harryda-badplatser/data",
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "text/csv"),
        ],
        csv,
    );
    assert!(r.status == 200 || r.status == 201, "{}: {}", r.status, r.body);
}

#[test]
fn a_replica_serves_the_writers_checkpoints_and_swaps_to_each_newer_one_whole() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer(dir.path());
    let replica = replica(dir.path());
    let start = caught_up(&writer, &replica);
    let health = replica.get("/healthz").json();
    assert_eq!(health["role"], "replica");
    assert!(health["checkpoint"].as_str().unwrap().ends_with(&start));
    assert_eq!(writer.get("/healthz").json()["role"], "writer");

    // The same state gives the same answers and the same entity tags, on either process; a tag
    // from one revalidates on the other without anything being rendered.
    for (path, accept) in [
        ("/api/v1/items/harryda-badplatser:gingsjon", "application/json"),
        ("/api/v1/bathing-sites?municipality=1401", "text/csv"),
        (
            "/ogc/collections/bathing-sites/items?limit=5",
            "application/geo+json",
        ),
        ("/id/harryda-badplatser/gingsjon", "text/turtle"),
        ("/catalog/1401", "application/rdf+xml"),
    ] {
        let w = writer.get_accept(path, accept);
        let r = replica.get_accept(path, accept);
        assert_eq!((w.status, r.status), (200, 200), "{path}");
        assert_eq!(w.body, r.body, "{path}");
        let tag = w.header("etag").unwrap();
        assert!(tag.starts_with("W/\"r"), "{path}: {tag}");
        assert_eq!(r.header("etag"), Some(tag), "{path}");
        let again = replica.get_with("GET", path, &[("Accept", accept), ("If-None-Match", tag)]);
        assert_eq!(again.status, 304, "{path}");
        assert_eq!(again.header("etag"), Some(tag));
        assert!(again.header("vary").unwrap().contains("Accept"));
        // Another representation is another tag.
        let other = writer.get_with("GET", path, &[("Accept", "*/*"), ("If-None-Match", tag)]);
        assert!(
            other.status == 200 || other.status == 406,
            "{path}: {}",
            other.status
        );
    }
    let item_tag = writer
        .get("/api/v1/items/harryda-badplatser:gingsjon")
        .header("etag")
        .unwrap()
        .to_owned();

    // Nothing changes on a replica.
    replica
        .send(
            "PUT",
            "/api/v1/datasets/harryda-badplatser/data",
            &[("Content-Type", "text/csv")],
            b"a,b\n",
        )
        .assert_problem(405, "read_only_replica");
    replica
        .send("DELETE", "/api/v1/datasets/harryda-badplatser", &[], b"")
        .assert_problem(405, "read_only_replica");
    let ask = replica.post(
        "/sparql",
        "application/sparql-query",
        "ASK { ?s a <https://schema.org/Beach> }",
    );
    assert_eq!(ask.status, 200, "SPARQL queries by POST are reads: {}", ask.body);

    // Publishes on the writer reach the replica. Meanwhile a reader asks the replica for an
    // item that only the full file has: each answer is from one checkpoint, so it is either
    // "no such item" (the short file's model) or that item's RDF (the full file's model and
    // store); never an error, never an empty description.
    let token = datahamn::auth::Tokens::in_dir(&dir.path().join("writer"))
        .create(datahamn::auth::Scope::Organisation("1401".into()), "Anna", None)
        .unwrap()
        .0;
    let full = std::fs::read(repo_path("datasets/harryda-badplatser/data.csv")).unwrap();
    let text = String::from_utf8(full.clone()).unwrap();
    let short: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    let all_items = item_ids(&writer);
    publish(&writer, &token, short.as_bytes());
    let kept = item_ids(&writer);
    assert_eq!(kept.len(), 3);
    let gone = all_items.iter().find(|i| !kept.contains(i)).unwrap().clone();
    let (dataset, local) = gone.split_once(':').unwrap();
    let uri_path = format!("/id/{dataset}/{local}");
    let uri = format!("{BASE}{uri_path}");
    let short_revision = caught_up(&writer, &replica);
    assert_ne!(short_revision, start);
    assert_eq!(item_ids(&replica), kept);
    // The old tag no longer matches: a full answer with a new tag.
    let changed = replica.get_with(
        "GET",
        "/api/v1/items/harryda-badplatser:gingsjon",
        &[("If-None-Match", &item_tag)],
    );
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(item_tag.as_str()));

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let client = Client::socket(replica.base.clone());
        let (uri_path, uri) = (uri_path.clone(), uri.clone());
        std::thread::spawn(move || {
            let (mut absent, mut present) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                let r = client.get_accept(&uri_path, "application/n-triples");
                match r.status {
                    404 => absent += 1,
                    200 => {
                        assert!(r.body.contains(&format!("<{uri}>")), "a mixed answer: {}", r.body);
                        present += 1;
                    }
                    other => panic!("{other} from the replica during a swap: {}", r.body),
                }
            }
            (absent, present)
        })
    };
    let mut last = short_revision;
    for round in 0..3 {
        publish(&writer, &token, &full);
        caught_up(&writer, &replica);
        publish(&writer, &token, short.as_bytes());
        last = caught_up(&writer, &replica);
        assert_eq!(item_ids(&replica), kept, "round {round}");
    }
    stop.store(true, Ordering::Relaxed);
    let (absent, present) = reader.join().unwrap();
    assert!(absent > 0, "the reader saw the short file");
    assert!(present + absent > 10);

    // Old copies go once nothing uses them; nothing half-written stays.
    std::thread::sleep(Duration::from_secs(1));
    let copies = std::fs::read_dir(dir.path().join("replica/replica"))
        .unwrap()
        .count();
    assert!(copies <= 2, "{copies} checkpoint copies kept");
    for entry in std::fs::read_dir(dir.path().join("checkpoints")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(name == "LATEST" || !name.starts_with('.'), "left over: {name}");
    }

    // The writer gone, the replica goes on serving its last checkpoint.
    writer.kill();
    assert_eq!(
        replica.get("/api/v1/items/harryda-badplatser:gingsjon").status,
        200
    );
    assert_eq!(revision(&replica), last);
}

#[test]
fn a_replica_refuses_a_checkpoint_made_under_another_base_url() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer(dir.path());
    // Waits for the first checkpoint.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.path().join("checkpoints/LATEST").exists() {
        assert!(Instant::now() < deadline, "no checkpoint");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datahamn"))
        .args(["serve", "--replica-of"])
        .arg(dir.path().join("checkpoints"))
        .arg("--data-dir")
        .arg(dir.path().join("replica"))
        .args(["--base-url", "https://other.example.se", "--listen"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(BASE), "{stderr}");
    drop(writer);
}
