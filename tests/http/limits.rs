//! Bounds on everything a client can make the server hold: query parameter sizes, the audit
//! log, the asynchronous upload pool, download streams and the client address rate limits
//! count by.

use crate::common::{TestServer, shared, start_socket_with, start_with};
use datahamn::auth::{Principal, Scope};
use datahamn::http::params::{MAX_LIST_VALUES, MAX_Q_CHARS, MAX_VALUE_CHARS};
use datahamn::service::jobs::JobLimits;
use datahamn::service::rate_limit::{Proxies, RateLimits};
use datahamn::service::slots::StreamLimits;
use datahamn::service::steward::UploadOutcome;
use std::io::Write;
use std::time::Duration;

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Waits (up to a generous bound, never asserting on time) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1_200 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("never happened: {what}");
}

impl TestServer {
    fn new_dataset(&self, token: &str, id: &str) {
        let r = self.create(token, id);
        assert_eq!(r.status, 201, "{}", r.body);
    }

    fn put_data(&self, token: &str, id: &str, body: &[u8], asynchronous: bool) -> crate::common::Response {
        let auth = bearer(token);
        let mut headers = vec![("Authorization", auth.as_str()), ("Content-Type", "text/csv")];
        if asynchronous {
            headers.push(("Prefer", "respond-async"));
        }
        self.send("PUT", &format!("/api/v1/datasets/{id}/data"), &headers, body)
    }
}

fn sites(rows: usize) -> Vec<u8> {
    let mut text = String::from("place_id,name,latitude,longitude,description\n");
    for i in 0..rows {
        text.push_str(&format!(
            "s{i},Badplats {i},57.{i:06},12.{i:06},Klippor och sandstrand vid sjön med brygga\n"
        ));
    }
    text.into_bytes()
}

#[test]
fn q_and_list_filters_are_bounded_on_every_api_and_the_home_page() {
    let server = shared();
    let long_q = "a".repeat(MAX_Q_CHARS + 1);
    for path in [
        format!("/api/v1/bathing-sites?q={long_q}"),
        format!("/ogc/collections/bathing-sites/items?q={long_q}"),
    ] {
        let r = server.get(&path);
        r.assert_problem(400, "invalid_parameter");
        assert_eq!(r.json()["parameter"], "q", "{path}");
        assert!(
            r.json()["detail"]
                .as_str()
                .unwrap()
                .contains(&MAX_Q_CHARS.to_string())
        );
    }
    assert_eq!(
        server
            .get(&format!("/api/v1/bathing-sites?q={}", "a".repeat(MAX_Q_CHARS)))
            .status,
        200
    );
    // Too many values (over repeats too), or one too long: refused, naming the parameter.
    let codes = vec!["1401"; MAX_LIST_VALUES].join(",");
    assert_eq!(
        server
            .get(&format!("/api/v1/bathing-sites?municipality={codes}"))
            .status,
        200
    );
    let ids = vec!["x"; MAX_LIST_VALUES + 1].join(",");
    for (path, name) in [
        (
            format!("/api/v1/bathing-sites?municipality={codes}&municipality=1480"),
            "municipality",
        ),
        (
            format!("/ogc/collections/bathing-sites/items?dataset={ids}"),
            "dataset",
        ),
        (
            format!(
                "/api/v1/bathing-sites?dataset={}",
                "d".repeat(MAX_VALUE_CHARS + 1)
            ),
            "dataset",
        ),
        (
            format!(
                "/api/v1/bathing-sites?watertype={}",
                vec!["lake"; MAX_LIST_VALUES + 1].join(",")
            ),
            "watertype",
        ),
    ] {
        let r = server.get(&path);
        r.assert_problem(400, "invalid_parameter");
        assert_eq!(r.json()["parameter"], name, "{path}");
        assert!(r.body.len() < 2_000, "the refusal does not echo the input whole");
    }
    // The home page: a 400 page naming `q` and its limit.
    let r = server.send("GET", &format!("/?q={long_q}"), &[("Accept", "text/html")], b"");
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("`q`") && r.body.contains(&MAX_Q_CHARS.to_string()),
        "{}",
        r.body
    );
    let r = server.send("GET", "/?q=bad", &[("Accept", "text/html")], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn requests_without_a_valid_token_leave_nothing_in_the_audit_log() {
    let server = start_with(|_| {});
    let token = server.token(Some("1401"), "steward");
    let foreign = server.token(Some("1480"), "foreign");
    let long_id = format!("{}%0A%7B%22forged%22%3Atrue%7D", "x".repeat(5_000));
    let path = format!("/api/v1/datasets/{long_id}/data");
    for auth in [None, Some("Bearer dh_00000000_garbage".to_owned())] {
        let mut headers = vec![("Content-Type", "text/csv")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        let r = server.send("PUT", &path, &headers, b"a\n1\n");
        assert_eq!(r.status, 401, "{}", r.body);
    }
    let log = server.data_dir().join("audit.log");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(text, "", "anonymous refusals are not audited");
    // A valid token's refusal is, cut short.
    let r = server.put_data(&foreign, &long_id, b"a\n1\n", false);
    assert!(r.status >= 400, "{}", r.body);
    server.new_dataset(&token, "audited");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.len() < 4_000, "{} bytes", text.len());
    assert!(!text.contains(&"x".repeat(1_000)));
}

#[test]
fn async_uploads_wait_in_a_bounded_queue_and_a_panic_fails_its_job() {
    let server = start_with(|p| p.set_job_limits(JobLimits { workers: 1, queue: 1 }));
    let token = server.token(Some("1401"), "steward");
    server.new_dataset(&token, "queued");
    let job = |location: &str| {
        let r = server.send("GET", location, &[("Authorization", &bearer(&token))], b"");
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    // Keep the one worker busy with a job the test releases.
    let owner = Principal {
        token_id: "00000000".into(),
        token_name: "test".into(),
        scope: Scope::Organisation("1401".into()),
    };
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let busy = server
        .platform
        .jobs()
        .spawn(&owner, "1401", "dry_run", "queued", move || {
            wait.recv().ok();
            Ok(UploadOutcome::Checked(Box::default()))
        })
        .unwrap();
    let busy_location = format!("/api/v1/jobs/{}", busy.id);
    eventually("the worker takes the first job", || {
        job(&busy_location)["status"] == "running"
    });

    let accepted = server.put_data(&token, "queued", &sites(3), true);
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let location = accepted.header("location").unwrap().to_owned();
    let queued = job(&location);
    assert_eq!(
        (queued["status"].as_str(), queued["queue_position"].as_u64()),
        (Some("queued"), Some(1))
    );

    // The queue is full: refused at once, with when to retry.
    let refused = server.put_data(&token, "queued", &sites(3), true);
    refused.assert_problem(503, "service_unavailable");
    assert!(refused.header("retry-after").is_some());
    // A synchronous upload is not queued.
    let checked = server.send(
        "PUT",
        "/api/v1/datasets/queued/data?dry_run=true",
        &[("Authorization", &bearer(&token)), ("Content-Type", "text/csv")],
        &sites(3),
    );
    assert_eq!(checked.status, 200, "{}", checked.body);

    release.send(()).unwrap();
    eventually("the queued upload is published", || {
        job(&location)["status"] == "succeeded"
    });
    assert!(job(&location).get("queue_position").is_none());

    // A job that panics ends failed, with a problem, and the worker goes on.
    let panicking = server
        .platform
        .jobs()
        .spawn(&owner, "1401", "dry_run", "queued", || panic!("a bug"))
        .unwrap();
    let panicking = format!("/api/v1/jobs/{}", panicking.id);
    eventually("the panicking job ends", || job(&panicking)["result"].is_object());
    let failed = job(&panicking);
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["result"]["status"], 500);
    assert_eq!(failed["result"]["body"]["code"], "internal");
    let after = server.put_data(&token, "queued", &sites(4), true);
    assert_eq!(after.status, 202, "{}", after.body);
    let after = after.header("location").unwrap().to_owned();
    eventually("the next upload runs", || job(&after)["status"] == "succeeded");
}

#[test]
fn a_download_client_that_stops_reading_frees_its_stream() {
    // A client that stops reading is a socket's.
    let server = start_socket_with(|p| {
        p.set_stream_limits(StreamLimits {
            max_streams: 1,
            stall_timeout: Duration::from_secs(1),
        })
    });
    let token = server.token(Some("1401"), "steward");
    server.new_dataset(&token, "big");
    let r = server.put_data(&token, "big", &sites(20_000), false);
    assert_eq!(r.status, 201, "{}", r.body);

    // A client that asks for a large file and never reads it.
    let address = format!("127.0.0.1:{}", server.port());
    let mut stalled = std::net::TcpStream::connect(&address).unwrap();
    stalled
        .write_all(format!("GET /dumps/datasets/big.jsonld HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .unwrap();
    eventually("the stream starts", || server.platform.streams().running() == 1);
    // Its slot is the only one: another download is refused, with when to retry.
    let refused = server.get("/dumps/datasets/big.csv");
    refused.assert_problem(503, "service_unavailable");
    assert!(refused.header("retry-after").is_some());
    // The stalled client is dropped (its connection still open) and its slot freed.
    eventually("the stalled stream is dropped", || {
        server.platform.streams().running() == 0
    });
    let whole = server.get("/dumps/datasets/big.csv");
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body.lines().count(), 20_001);
    eventually("the finished stream gives its slot back", || {
        server.platform.streams().running() == 0
    });
    drop(stalled);
}

#[test]
fn forwarding_headers_count_only_from_trusted_proxies() {
    let limits = RateLimits {
        anonymous: 2,
        token: 0,
    };
    let remaining = |server: &TestServer, forwarded: &str| {
        let r = server.send("GET", "/api/v1", &[("X-Forwarded-For", forwarded)], b"");
        (r.status, r.header("ratelimit-remaining").map(str::to_owned))
    };
    // No trusted proxy: a spoofed header does not change the bucket.
    let direct = start_with(|p| p.set_rate_limits(limits));
    assert_eq!(remaining(&direct, "198.51.100.1"), (200, Some("1".into())));
    assert_eq!(remaining(&direct, "198.51.100.2"), (200, Some("0".into())));
    assert_eq!(remaining(&direct, "198.51.100.3").0, 429);
    // The health check is never counted (the route table declares it unmetered): answered with
    // the quota spent, and without the rate-limit headers.
    let health = direct.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.header("ratelimit-remaining"), None);

    // Behind a trusted proxy (the test connects from 127.0.0.1): each client its own bucket.
    let proxied = start_with(|p| {
        p.set_rate_limits(limits);
        p.set_proxies(Proxies {
            trusted: vec!["127.0.0.1/32".parse().unwrap()],
            ..Proxies::default()
        });
    });
    assert_eq!(remaining(&proxied, "198.51.100.1"), (200, Some("1".into())));
    assert_eq!(remaining(&proxied, "198.51.100.1"), (200, Some("0".into())));
    assert_eq!(remaining(&proxied, "198.51.100.1").0, 429);
    assert_eq!(remaining(&proxied, "198.51.100.2"), (200, Some("1".into())));
    // A client's own entry left of what the proxy added changes nothing.
    assert_eq!(remaining(&proxied, "203.0.113.77, 198.51.100.1").0, 429);
}
