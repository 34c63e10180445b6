//! Stewards over HTTP: tokens, authorisation on every write route, publishing, versions,
//! rollback, deletion, the change feed, the audit log and rate limiting.

use crate::common::{TestServer, repo_path, start, start_with};
use datahamn::service::rate_limit::RateLimits;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A bath-site dataset's metadata, every required field valid.
pub fn new_dataset(id: &str) -> String {
    json!({
        "id": id,
        "profile": "bathing-sites",
        "title": {"sv": "Badplatser", "en": "Bath sites"},
        "description": {"sv": "Kommunens badplatser.", "en": "The municipality's bath sites."},
        "license": "http://creativecommons.org/publicdomain/zero/1.0/",
        "contact_email": "gis@example.se",
        "update_frequency": "ANNUAL",
        "keywords": {"sv": ["bad"], "en": ["bathing"]}
    })
    .to_string()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn csv(rows: &[(&str, &str, f64, f64)]) -> Vec<u8> {
    let mut out = String::from("place_id,name,latitude,longitude,description\n");
    for (id, name, lat, lon) in rows {
        out.push_str(&format!("{id},{name},{lat},{lon},Sandstrand\n"));
    }
    out.into_bytes()
}

const SITES: [(&str, &str, f64, f64); 3] = [
    ("a1", "Alpha", 57.65, 12.14),
    ("b2", "Beta", 57.66, 12.15),
    ("c3", "Gamma", 57.67, 12.16),
];

impl TestServer {
    /// Creates dataset `id` (a bath-site dataset with valid metadata) with a steward's token.
    pub fn create(&self, token: &str, id: &str) -> crate::common::Response {
        self.send(
            "POST",
            "/api/v1/datasets",
            &[
                ("Authorization", &bearer(token)),
                ("Content-Type", "application/json"),
            ],
            new_dataset(id).as_bytes(),
        )
    }

    fn upload(&self, token: &str, id: &str, body: &[u8]) -> crate::common::Response {
        self.send(
            "PUT",
            &format!("/api/v1/datasets/{id}/data"),
            &[("Authorization", &bearer(token)), ("Content-Type", "text/csv")],
            body,
        )
    }

    fn item_ids(&self, dataset: &str) -> BTreeSet<String> {
        let r = self.get(&format!("/api/v1/datasets/{dataset}/items?limit=1000"));
        if r.status == 404 {
            return BTreeSet::new();
        }
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn two_stewards_publish_update_and_roll_back_their_own_datasets_only() {
    publish_update_roll_back_and_delete(&start());
}

/// Two stewards' whole path on a server with `datasets/` published: create, publish, update,
/// metadata, versions, rollback, SPARQL, deletion. Also part of the store contract, on every
/// backend.
pub(crate) fn publish_update_roll_back_and_delete(server: &TestServer) {
    let harryda = server.token(Some("1401"), "Härryda GIS");
    let goteborg = server.token(Some("1480"), "Göteborg GIS");

    let created = server.create(&harryda, "harryda-bad");
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("location"), Some("/api/v1/datasets/harryda-bad"));
    assert_eq!(created.json()["publisher"]["id"], "1401");
    assert_eq!(server.create(&goteborg, "goteborg-bad").status, 201);
    server
        .create(&goteborg, "harryda-bad")
        .assert_problem(409, "dataset_exists");

    // Version 1 and 2 of each; the other steward's token is refused and changes nothing.
    assert_eq!(server.upload(&harryda, "harryda-bad", &csv(&SITES)).status, 201);
    assert_eq!(
        server.upload(&goteborg, "goteborg-bad", &csv(&SITES[..1])).status,
        201
    );
    server
        .upload(&goteborg, "harryda-bad", &csv(&SITES[..1]))
        .assert_problem(403, "forbidden");
    let v2 = server.upload(&harryda, "harryda-bad", &csv(&SITES[..2]));
    assert_eq!(v2.status, 201, "{}", v2.body);
    assert_eq!(v2.json()["version"]["number"], 2);
    assert_eq!(v2.json()["version"]["published_by"], "Härryda GIS");
    assert_eq!(server.item_ids("harryda-bad").len(), 2);

    // Metadata: own dataset yes, the other's no.
    let patched = server.send(
        "PATCH",
        "/api/v1/datasets/harryda-bad",
        &[
            ("Authorization", &bearer(&harryda)),
            ("Content-Type", "application/json"),
        ],
        br#"{"title": {"sv": "Badplatser i Harryda", "en": "Bath sites in Harryda"}}"#,
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.json()["title"]["sv"], "Badplatser i Harryda");
    assert_eq!(
        patched.json()["item_count"],
        2,
        "a metadata change keeps the items"
    );
    server
        .send(
            "PATCH",
            "/api/v1/datasets/goteborg-bad",
            &[
                ("Authorization", &bearer(&harryda)),
                ("Content-Type", "application/json"),
            ],
            br#"{"title": {"sv": "Kapad", "en": "Hijacked"}}"#,
        )
        .assert_problem(403, "forbidden");
    assert_eq!(
        server.get("/api/v1/datasets/goteborg-bad").json()["title"]["sv"],
        "Badplatser"
    );

    // Versions, a past version's data, and a rollback that is itself a new version.
    let versions = server.get("/api/v1/datasets/harryda-bad/versions").json();
    let numbers: Vec<u64> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    let v1 = server.get_accept(
        "/api/v1/datasets/harryda-bad/versions/1/data",
        "application/n-triples",
    );
    assert_eq!(v1.status, 200);
    assert!(v1.body.contains("/id/harryda-bad/c3>"), "version 1 held Gamma");
    server
        .get("/api/v1/datasets/harryda-bad/versions/9")
        .assert_problem(404, "version_not_found");
    let rollback = |token: &str, id: &str| {
        server.send(
            "POST",
            &format!("/api/v1/datasets/{id}/rollback"),
            &[
                ("Authorization", &bearer(token)),
                ("Content-Type", "application/json"),
            ],
            br#"{"version": 1}"#,
        )
    };
    rollback(&goteborg, "harryda-bad").assert_problem(403, "forbidden");
    let rolled = rollback(&harryda, "harryda-bad");
    assert_eq!(rolled.status, 201, "{}", rolled.body);
    assert_eq!(rolled.json()["number"], 3);
    assert_eq!(rolled.json()["rollback_of"], 1);
    assert_eq!(server.item_ids("harryda-bad").len(), 3);
    assert!(
        server.get("/id/harryda-bad/c3").status == 200,
        "the URI of a restored item resolves"
    );

    // SPARQL sees the current versions only.
    let count = server.get_accept(
        &format!(
            "/sparql?query={}",
            crate::common::enc(&format!(
                "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{}/def/municipalityCode> \"1401\" ; a <https://schema.org/Beach> . FILTER(STRSTARTS(STR(?s), \"{}/id/harryda-bad/\")) }}",
                server.base, server.base
            ))
        ),
        "text/csv",
    );
    assert_eq!(count.body.lines().nth(1), Some("3"), "{}", count.body);

    // Deleting: the other steward cannot; the owner can, and the items are gone.
    server
        .send(
            "DELETE",
            "/api/v1/datasets/harryda-bad",
            &[("Authorization", &bearer(&goteborg))],
            b"",
        )
        .assert_problem(403, "forbidden");
    let deleted = server.send(
        "DELETE",
        "/api/v1/datasets/harryda-bad",
        &[("Authorization", &bearer(&harryda))],
        b"",
    );
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.json()["tombstones"], 3);
    server
        .get("/api/v1/datasets/harryda-bad")
        .assert_problem(404, "dataset_not_found");
    assert_eq!(server.get("/api/v1/items/harryda-bad:a1").status, 404);
    // Its id stays with its publisher.
    server
        .create(&goteborg, "harryda-bad")
        .assert_problem(403, "forbidden");
    assert_eq!(server.create(&harryda, "harryda-bad").status, 201);
    assert_eq!(
        server.get("/api/v1/datasets/goteborg-bad").json()["item_count"],
        1
    );
}

/// A write route: method, path, content type header, body.
type Route<'a> = (&'a str, &'a str, (&'a str, &'a str), &'a [u8]);

#[test]
fn every_write_route_refuses_missing_bad_expired_revoked_and_foreign_tokens() {
    let server = start();
    let owner = server.token(Some("1401"), "owner");
    assert_eq!(server.create(&owner, "guarded").status, 201);
    assert_eq!(server.upload(&owner, "guarded", &csv(&SITES)).status, 201);

    let tokens = datahamn::auth::Tokens::in_dir(server.data_dir());
    let foreign = server.token(Some("1480"), "foreign");
    let revoked = server.token(Some("1401"), "revoked");
    tokens.revoke(&revoked).unwrap();
    let expired = server.token(Some("1401"), "expired");
    let mut records = tokens.list().unwrap();
    for r in &mut records {
        if r.name == "expired" {
            r.expires = Some(r.created - 1);
        }
    }
    std::fs::write(
        server.data_dir().join(datahamn::auth::TOKENS_FILE),
        serde_json::to_vec(&json!({ "tokens": records })).unwrap(),
    )
    .unwrap();
    let garbage = format!("dh_{}_{}", "0".repeat(8), "f".repeat(64));

    let csv_body = csv(&SITES[..1]);
    let json_ct = ("Content-Type", "application/json");
    let csv_ct = ("Content-Type", "text/csv");
    let new_body = new_dataset("intruder");
    let routes: Vec<Route> = vec![
        ("POST", "/api/v1/datasets", json_ct, new_body.as_bytes()),
        (
            "PATCH",
            "/api/v1/datasets/guarded",
            json_ct,
            br#"{"license": "https://example.org/l"}"#,
        ),
        ("PUT", "/api/v1/datasets/guarded/data", csv_ct, &csv_body),
        ("POST", "/api/v1/datasets/guarded/data", csv_ct, &csv_body),
        (
            "PUT",
            "/api/v1/datasets/guarded/data?dry_run=true",
            csv_ct,
            &csv_body,
        ),
        (
            "POST",
            "/api/v1/datasets/guarded/rollback",
            json_ct,
            br#"{"version": 1}"#,
        ),
        ("DELETE", "/api/v1/datasets/guarded", json_ct, b""),
    ];
    for (method, path, content_type, body) in &routes {
        let call = |auth: Option<String>| {
            let mut headers = vec![*content_type];
            let value;
            if let Some(a) = auth {
                value = a;
                headers.push(("Authorization", value.as_str()));
            }
            server.send(method, path, &headers, body)
        };
        let what = format!("{method} {path}");
        let r = call(None);
        r.assert_problem(401, "unauthorized");
        assert!(r.header("www-authenticate").is_some(), "{what}");
        call(Some("Basic dXNlcjpwYXNz".into())).assert_problem(401, "unauthorized");
        for bad in [&garbage, &revoked, &expired] {
            let r = call(Some(bearer(bad)));
            r.assert_problem(401, "invalid_token");
            assert!(
                !r.body.contains(bad.as_str()),
                "{what}: a problem must not echo the token"
            );
        }
        if *path == "/api/v1/datasets" {
            // A foreign organisation cannot create a dataset in another's name.
            let mut body: Value = serde_json::from_slice(body).unwrap();
            body["publisher"] = json!("1401");
            server
                .send(
                    method,
                    path,
                    &[*content_type, ("Authorization", &bearer(&foreign))],
                    body.to_string().as_bytes(),
                )
                .assert_problem(403, "forbidden");
        } else {
            call(Some(bearer(&foreign))).assert_problem(403, "forbidden");
        }
    }
    // Nothing changed.
    let d = server.get("/api/v1/datasets/guarded").json();
    assert_eq!(d["license"], "http://creativecommons.org/publicdomain/zero/1.0/");
    assert_eq!(d["current_version"]["number"], 1);
    assert_eq!(d["item_count"], 3);
    assert_eq!(server.get("/api/v1/datasets/intruder").status, 404);

    // The administrator sees every attempt with a valid token in the audit log; a steward may
    // not read it.
    server
        .send("GET", "/api/v1/audit", &[("Authorization", &bearer(&owner))], b"")
        .assert_problem(403, "forbidden");
    let admin = server.token(None, "ops");
    let audit = server.send(
        "GET",
        "/api/v1/audit?limit=1000",
        &[("Authorization", &bearer(&admin))],
        b"",
    );
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.json()["entries"].as_array().unwrap().clone();
    assert!(entries.len() >= routes.len(), "{} entries", entries.len());
    assert!(
        entries
            .iter()
            .any(|e| e["result"] == "forbidden" && e["token_name"] == "foreign")
    );
    // Anyone can send a request without a valid token: those are not audited (the server's
    // log has a short line for each), so they cannot fill the disk.
    assert!(
        entries.iter().all(|e| e["token_id"].is_string()
            && e["result"] != "invalid_token"
            && e["result"] != "unauthorized"),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["result"] == "ok" && e["action"] == "publish" && e["token_name"] == "owner")
    );
    let log = std::fs::read_to_string(server.data_dir().join("audit.log")).unwrap();
    for token in [&owner, &foreign, &revoked, &expired] {
        assert!(
            !log.contains(token.as_str()),
            "the audit log must not hold tokens"
        );
    }
    let file = std::fs::read_to_string(server.data_dir().join(datahamn::auth::TOKENS_FILE)).unwrap();
    assert!(!file.contains(&owner[12..]), "tokens are stored hashed");
}

#[test]
fn uploads_check_media_type_size_and_content() {
    let server = start_with(|p| p.set_max_upload_bytes(2_000));
    let token = server.token(Some("1401"), "steward");
    assert_eq!(server.create(&token, "checked").status, 201);
    let auth = bearer(&token);

    server
        .send(
            "PUT",
            "/api/v1/datasets/checked/data",
            &[("Authorization", &auth), ("Content-Type", "application/pdf")],
            b"%PDF",
        )
        .assert_problem(415, "unsupported_media_type");
    server
        .send(
            "PUT",
            "/api/v1/datasets/checked/data",
            &[("Authorization", &auth), ("Content-Type", "text/csv")],
            &vec![b'x'; 5_000],
        )
        .assert_problem(413, "payload_too_large");

    // A dry run answers with the report and publishes nothing.
    let dry = server.send(
        "PUT",
        "/api/v1/datasets/checked/data?dry_run=true",
        &[("Authorization", &auth), ("Content-Type", "text/csv")],
        &csv(&SITES),
    );
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.json()["outcome"], "checked");
    assert_eq!(dry.json()["publishable"], true);
    assert!(server.get("/api/v1/datasets/checked").json()["current_version"].is_null());

    // A file with an error: refused with the report naming row and column; nothing changes.
    let bad = b"place_id,name,latitude,longitude\na1,Alpha,91.5,12.1\n";
    let refused = server.upload(&token, "checked", bad);
    let problem = refused.assert_problem(422, "validation_failed");
    let error = &problem["details"]["errors"][0];
    assert_eq!(error["row"], 2, "{problem}");
    assert_eq!(error["column"], "latitude", "{problem}");

    // Multipart form upload.
    let boundary = "XyZ";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bad.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(&csv(&SITES));
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let published = server.send(
        "POST",
        "/api/v1/datasets/checked/data",
        &[
            ("Authorization", &auth),
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            ),
        ],
        &form,
    );
    assert_eq!(published.status, 201, "{}", published.body);
    assert_eq!(server.item_ids("checked").len(), 3);
}

/// A file past the in-memory threshold is spooled to disk, checked and published as a stream:
/// row numbers stay right across read buffers, a legacy encoding is decoded on the fly, and the
/// temporary file is gone afterwards.
#[test]
fn large_uploads_are_streamed_through_a_temporary_file() {
    use sha2::Digest as _;
    let server = start();
    let token = server.token(Some("1401"), "steward");
    assert_eq!(server.create(&token, "large").status, 201);
    // Bytes, not rows, decide whether a file is spooled: 30,000 rows of ~300 bytes are more than
    // twice the part kept in memory.
    let rows = 30_000usize;
    let file = |bad_row: Option<usize>| {
        let mut text = String::from("place_id;name;latitude;longitude;description\r\n");
        for i in 0..rows {
            // Spreadsheet row i + 2; a quoted cell with a line break every 1,000 rows.
            let lat = if bad_row == Some(i + 2) {
                "91.5".to_owned()
            } else {
                format!("57.{:06}", i)
            };
            let description = if i % 1_000 == 0 {
                "\"Sandstrand,\nbrygga\""
            } else {
                "Klippor och sandstrand vid sjön, med brygga och grillplats. Grunt vatten vid \
                 stranden, djupare vid bryggan, livräddningsutrustning vid kiosken, parkering \
                 vid vägen och en stig runt sjön som passar barnvagnar och rullstolar hela vägen."
            };
            text.push_str(&format!(
                "s{i};Badplats Åsa {i};{lat};12.{:06};{description}\r\n",
                i
            ));
        }
        encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
    };
    let bad = file(Some(28_002));
    assert!(
        bad.len() > 2 * datahamn::service::spool::MEMORY_LIMIT,
        "{} bytes",
        bad.len()
    );
    let refused = server.upload(&token, "large", &bad);
    let problem = refused.assert_problem(422, "validation_failed");
    let errors = problem["details"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(errors[0]["row"], 28_002, "{problem}");
    assert_eq!(errors[0]["column"], "latitude", "{problem}");
    assert_eq!(
        problem["details"]["dialect"]["encoding"], "windows-1252",
        "{problem}"
    );
    assert_eq!(
        problem["details"]["dialect"]["line_terminator"], "CRLF",
        "{problem}"
    );

    let good = file(None);
    let published = server.upload(&token, "large", &good);
    assert_eq!(published.status, 201, "{}", published.body);
    let version = &published.json()["version"];
    assert_eq!(version["item_count"], rows, "{version}");
    let checksum: String = sha2::Sha256::digest(&good)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(version["checksum"], checksum.as_str());
    let item = server.get("/api/v1/items/large:s1000").json();
    assert_eq!(item["name"], "Badplats Åsa 1000", "{item}");
    let spooled: Vec<_> = std::fs::read_dir(server.data_dir().join("uploads"))
        .unwrap()
        .collect();
    assert!(spooled.is_empty(), "temporary files left: {spooled:?}");
}

/// `Prefer: respond-async`: 202 with a job to poll, whose result is what the upload would have
/// answered; only the dataset's organisation reads the job.
#[test]
fn uploads_may_run_as_jobs_to_poll() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    let other = server.token(Some("1480"), "other steward");
    assert_eq!(server.create(&token, "async").status, 201);
    let send = |token: &str, body: &[u8]| {
        server.send(
            "PUT",
            "/api/v1/datasets/async/data",
            &[
                ("Authorization", &bearer(token)),
                ("Content-Type", "text/csv"),
                ("Prefer", "respond-async, wait=5"),
            ],
            body,
        )
    };
    let poll = |location: &str| {
        for _ in 0..600 {
            let r = server.send("GET", location, &[("Authorization", &bearer(&token))], b"");
            assert_eq!(r.status, 200, "{}", r.body);
            let job = r.json();
            if job["result"].is_object() {
                assert!(r.header("retry-after").is_none());
                return job;
            }
            assert!(
                ["queued", "running"].contains(&job["status"].as_str().unwrap()),
                "{job}"
            );
            assert_eq!(r.header("retry-after"), Some("1"));
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the job at {location} did not finish");
    };

    // Another organisation's dataset: refused at once, no job.
    send(&other, &csv(&SITES)).assert_problem(403, "forbidden");

    let accepted = send(&token, &csv(&SITES));
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    assert_eq!(accepted.header("preference-applied"), Some("respond-async"));
    let location = accepted.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("/api/v1/jobs/{}", accepted.json()["id"].as_str().unwrap())
    );
    let job = poll(&location);
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["status"], 201, "{job}");
    assert_eq!(job["result"]["body"]["version"]["number"], 1, "{job}");
    assert_eq!(job["started_by"], "steward");
    assert_eq!(server.item_ids("async").len(), 3);

    // The job is the organisation's: others get 403, no token 401, an unknown id 404.
    server
        .send("GET", &location, &[("Authorization", &bearer(&other))], b"")
        .assert_problem(403, "forbidden");
    server
        .send("GET", &location, &[], b"")
        .assert_problem(401, "unauthorized");
    server
        .send(
            "GET",
            "/api/v1/jobs/0123456789abcdef",
            &[("Authorization", &bearer(&token))],
            b"",
        )
        .assert_problem(404, "job_not_found");

    // A file with errors: the job fails with the problem the upload would have answered.
    let refused = send(&token, b"place_id,name,latitude,longitude\na1,Alpha,91.5,12.1\n");
    let failed = poll(refused.header("location").unwrap());
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["result"]["status"], 422);
    assert_eq!(failed["result"]["body"]["code"], "validation_failed");
    assert_eq!(failed["result"]["body"]["details"]["errors"][0]["row"], 2);
    assert_eq!(
        server.item_ids("async").len(),
        3,
        "the refused file changed nothing"
    );
}

/// An app that follows the change feed from the start holds exactly the published items.
#[test]
fn following_the_change_feed_mirrors_the_published_items() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    let mut mirror: BTreeSet<String> = BTreeSet::new();
    let mut cursor: Option<String> = None;
    fn follow_feed(server: &TestServer, mirror: &mut BTreeSet<String>, cursor: &mut Option<String>) {
        loop {
            let path = match cursor {
                Some(c) => format!("/api/v1/changes?limit=700&since={c}"),
                None => "/api/v1/changes?limit=700".to_owned(),
            };
            let page = server.get(&path).json();
            for c in page["changes"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap().to_owned();
                match c["kind"].as_str().unwrap() {
                    "created" | "updated" => {
                        mirror.insert(id);
                    }
                    "deleted" => {
                        assert!(mirror.remove(&id), "a tombstone for an item never seen: {id}");
                    }
                    other => panic!("{other}"),
                }
            }
            *cursor = Some(page["cursor"].as_str().unwrap().to_owned());
            if page["more"] == false {
                break;
            }
        }
    }
    let published = |server: &TestServer| -> BTreeSet<String> {
        let datasets = server.get("/api/v1/datasets").json();
        datasets["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| {
                let id = d["id"].as_str().unwrap();
                let mut ids = BTreeSet::new();
                let mut next = Some(format!("/api/v1/datasets/{id}/items?limit=1000"));
                while let Some(path) = next {
                    let page = server.get(&path).json();
                    ids.extend(
                        page["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|i| i["id"].as_str().unwrap().to_owned()),
                    );
                    next = page["next"]
                        .as_str()
                        .map(|n| n.trim_start_matches(&server.base).to_owned());
                }
                ids
            })
            .collect()
    };
    follow_feed(&server, &mut mirror, &mut cursor);
    assert_eq!(mirror, published(&server), "the datasets/ published on start");
    assert!(mirror.len() > 2_000);

    assert_eq!(server.create(&token, "feed").status, 201);
    assert_eq!(server.upload(&token, "feed", &csv(&SITES)).status, 201);
    follow_feed(&server, &mut mirror, &mut cursor);
    // Beta changes, Gamma goes, Delta comes.
    let next = [
        ("a1", "Alpha", 57.65, 12.14),
        ("b2", "Beta", 57.70, 12.15),
        ("d4", "Delta", 57.68, 12.17),
    ];
    assert_eq!(server.upload(&token, "feed", &csv(&next)).status, 201);
    let since = cursor.clone().unwrap();
    let changes = server
        .get(&format!("/api/v1/datasets/feed/changes?since={since}"))
        .json();
    let kinds: Vec<(String, String)> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("updated".into(), "feed:b2".into()),
            ("created".into(), "feed:d4".into()),
            ("deleted".into(), "feed:c3".into()),
        ]
    );
    follow_feed(&server, &mut mirror, &mut cursor);
    assert_eq!(mirror, published(&server));
    // The same file again changes nothing.
    assert_eq!(server.upload(&token, "feed", &csv(&next)).status, 201);
    let none = server
        .get(&format!("/api/v1/changes?since={}", cursor.clone().unwrap()))
        .json();
    assert_eq!(none["changes"].as_array().unwrap().len(), 0);
    // A deleted dataset leaves tombstones.
    let admin = server.token(None, "ops");
    assert_eq!(
        server
            .send(
                "DELETE",
                "/api/v1/datasets/goteborg-badhus",
                &[("Authorization", &bearer(&admin))],
                b""
            )
            .status,
        200
    );
    follow_feed(&server, &mut mirror, &mut cursor);
    assert_eq!(mirror, published(&server));
    assert!(!mirror.iter().any(|id| id.starts_with("goteborg-badhus:")));

    // The LDES view: an event stream whose pages link on to the end.
    let first = server.get_accept("/changes", "application/n-triples");
    assert_eq!(first.status, 200);
    assert!(first.body.contains("<https://w3id.org/ldes#EventStream>"));
    assert!(first.body.contains("<https://w3id.org/tree#GreaterThanRelation>"));
    assert!(
        first
            .body
            .contains("<https://www.w3.org/ns/activitystreams#Create>")
    );
    server
        .get("/api/v1/changes?since=yesterday")
        .assert_problem(400, "invalid_parameter");
    let from_time = server
        .get("/api/v1/changes?since=2000-01-01T00:00:00Z&limit=1")
        .json();
    assert_eq!(from_time["changes"][0]["seq"], 1);
}

#[test]
fn anonymous_clients_are_rate_limited_and_told_when_to_retry() {
    let server = start_with(|p| {
        p.set_rate_limits(RateLimits {
            anonymous: 3,
            token: 5,
        })
    });
    for n in 0..3 {
        let r = server.get("/api/v1");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("ratelimit-limit"), Some("3"));
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some((2 - n).to_string().as_str())
        );
    }
    let limited = server.get("/api/v1");
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    // A token holder has a quota of its own, and a larger one.
    let token = server.token(Some("1401"), "steward");
    let r = server.send("GET", "/api/v1", &[("Authorization", &bearer(&token))], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("ratelimit-limit"), Some("5"));
}

#[test]
fn repository_datasets_record_how_they_were_published() {
    let server = crate::common::shared();
    let versions = server.get("/api/v1/datasets/harryda-badplatser/versions").json();
    assert_eq!(versions["versions"][0]["published_by"], "datasets/ folder");
    assert!(repo_path("datasets/harryda-badplatser/data.csv").is_file());
}

#[test]
fn a_dataset_not_yet_published_has_no_downloads() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    assert_eq!(server.create(&token, "harryda-tom").status, 201);
    // Refused with a problem before streaming, not a 200 whose body breaks off.
    for path in [
        "/dumps/datasets/harryda-tom.nq.gz",
        "/dumps/datasets/harryda-tom.csv",
        "/dumps/datasets/harryda-tom.geojson",
    ] {
        server.get(path).assert_problem(404, "dataset_not_found");
    }
}

/// Workbooks and GeoJSON are uploaded like CSV, under their own media types or any the API
/// lists: the format is told from the content, the report says what was read and names each
/// problem as the steward's tool does; a format datahamn does not read is 415 with the report.
#[test]
fn workbooks_and_geojson_are_read_by_content_and_other_formats_refused() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    assert_eq!(server.create(&token, "formats").status, 201);
    let auth = bearer(&token);
    let fixture = |case: &str, file: &str| {
        std::fs::read(crate::common::repo_path(&format!(
            "tests/fixtures/ingest/{case}/{file}"
        )))
        .unwrap()
    };
    let put = |query: &str, media: &str, body: &[u8]| {
        server.send(
            "PUT",
            &format!("/api/v1/datasets/formats/data{query}"),
            &[("Authorization", &auth), ("Content-Type", media)],
            body,
        )
    };
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    let xlsx = put("?dry_run=true", XLSX, &fixture("xlsx-excel-habits", "input.xlsx"));
    assert_eq!(xlsx.status, 200, "{}", xlsx.body);
    let report = &xlsx.json()["report"];
    assert_eq!(report["dialect"]["format"], "xlsx", "{report}");
    assert_eq!(report["dialect"]["sheet"], "Blad1");
    assert_eq!(report["dialect"]["header_row"], 3);
    assert_eq!(xlsx.json()["publishable"], true);

    // The media type does not decide: an .ods sent as bytes is read as what it is.
    let ods = put(
        "?dry_run=true",
        "application/octet-stream",
        &fixture("ods-libreoffice-habits", "input.ods"),
    );
    assert_eq!(ods.json()["report"]["dialect"]["format"], "ods", "{}", ods.body);

    let sheet = put(
        "?dry_run=true&sheet=Badplatser",
        XLSX,
        &fixture("xlsx-sheet-by-name", "input.xlsx"),
    );
    assert_eq!(
        sheet.json()["report"]["dialect"]["sheet"],
        "Badplatser",
        "{}",
        sheet.body
    );

    let bad = put("", XLSX, &fixture("xlsx-bad-values", "input.xlsx"));
    let problem = bad.assert_problem(422, "validation_failed");
    let first = &problem["details"]["errors"][0];
    assert_eq!(
        (first["row"].as_u64(), first["column"].as_str()),
        (Some(3), Some("Kommunkod"))
    );
    assert!(
        first["message"]["sv"]
            .as_str()
            .unwrap()
            .starts_with("Cell Blad1!B3: "),
        "{problem}"
    );

    let geojson = put(
        "",
        "application/geo+json",
        &fixture("geojson-qgis-sweref99tm", "input.geojson"),
    );
    let problem = geojson.assert_problem(422, "validation_failed");
    assert!(
        problem["details"]["errors"][0]["message"]["en"]
            .as_str()
            .unwrap()
            .starts_with("Feature 3, geometry: "),
        "{problem}"
    );

    for (media, body) in [
        ("text/csv", b"%PDF-1.7\n".to_vec()),
        (
            "application/octet-stream",
            fixture("unsupported-shapefile-zip", "input.csv"),
        ),
    ] {
        // A dry run refuses it as a publish does.
        for query in ["", "?dry_run=true"] {
            let refused = put(query, media, &body);
            let problem = refused.assert_problem(415, "unsupported_file_format");
            assert_eq!(
                problem["details"]["errors"][0]["code"], "unsupported-format",
                "{problem}"
            );
        }
        let refused = put("", media, &body);
        let problem = refused.assert_problem(415, "unsupported_file_format");
        assert_eq!(
            problem["details"]["errors"][0]["code"], "unsupported-format",
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("Formats that work"),
            "{problem}"
        );
    }
    assert!(server.get("/api/v1/datasets/formats").json()["current_version"].is_null());

    let published = put("", XLSX, &fixture("xlsx-excel-habits", "input.xlsx"));
    assert_eq!(published.status, 201, "{}", published.body);
    assert_eq!(server.item_ids("formats").len(), 4);
    let published = put(
        "",
        "application/geo+json",
        &fixture("geojson-arcgis-uppercase-wgs84", "input.geojson"),
    );
    assert_eq!(published.status, 422, "{}", published.body);
}
