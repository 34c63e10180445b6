//! Hostile SPARQL: queries built to overflow the parser's stack, to compute for ever without
//! reading the store, or to take all the memory there is. Each is refused or stopped, and the
//! server goes on answering.

use crate::common::{TestServer, enc, shared};
use std::time::Duration;

/// `n` numbers for a `VALUES` block.
fn numbers(n: usize) -> String {
    (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(" ")
}

/// Every route that parses SPARQL, with one query: GET, form POST, direct POST.
fn every_route(server: &crate::common::Client, query: &str) -> Vec<(&'static str, crate::common::Response)> {
    let form = format!("query={}", enc(query));
    vec![
        ("GET", server.get(&format!("/sparql?query={}", enc(query)))),
        (
            "form POST",
            server.post("/sparql", "application/x-www-form-urlencoded", &form),
        ),
        (
            "direct POST",
            server.post("/sparql", "application/sparql-query", query),
        ),
    ]
}

/// Queries over one limit each; (name, query, code). Short enough for a URL.
fn over_the_limits() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "nested groups",
            format!("ASK {}{}", "{".repeat(100), "}".repeat(100)),
            "sparql_query_too_deep",
        ),
        (
            "nested brackets in an expression",
            format!("ASK {{ FILTER({}1{}) }}", "(".repeat(100), ")".repeat(100)),
            "sparql_query_too_deep",
        ),
        (
            "nested collections",
            format!(
                "ASK {{ <urn:a> <urn:b> {}1{} }}",
                "(".repeat(100),
                ")".repeat(100)
            ),
            "sparql_query_too_deep",
        ),
        (
            "nested blank nodes",
            format!(
                "ASK {{ <urn:a> <urn:b> {}1{} }}",
                "[<urn:c> ".repeat(100),
                "]".repeat(100)
            ),
            "sparql_query_too_deep",
        ),
        (
            "a long sum",
            format!("ASK {{ FILTER(1{} > 0) }}", "+1".repeat(600)),
            "sparql_query_too_deep",
        ),
        (
            "a long chain of ||",
            format!("ASK {{ FILTER(false{}) }}", " || false".repeat(300)),
            "sparql_query_too_deep",
        ),
        (
            "a long union",
            format!("ASK {{ {{}}{} }}", " UNION {}".repeat(300)),
            "sparql_query_too_deep",
        ),
        (
            "a long path",
            format!("ASK {{ ?s <urn:p>{} ?o }}", "|<urn:p>".repeat(300)),
            "sparql_query_too_deep",
        ),
        (
            "a long sequence path (a chain of joins)",
            format!("ASK {{ ?s <urn:p>{} ?o }}", "/<urn:p>".repeat(300)),
            "sparql_query_too_deep",
        ),
        (
            "a long chain of OPTIONAL",
            format!("SELECT * {{ ?s ?p ?o {} }}", "OPTIONAL { ?s ?p ?o } ".repeat(300)),
            "sparql_query_too_deep",
        ),
    ]
}

#[test]
fn queries_over_the_parse_limits_are_refused_on_every_route() {
    let server = shared();
    for (name, query, code) in over_the_limits() {
        for (route, r) in every_route(server, &query) {
            let p = r.assert_problem(400, code);
            assert!(
                p["detail"].as_str().unwrap().contains("at most"),
                "{name} by {route}: the limit is named: {p}"
            );
        }
    }
    // The attacks as they were found, far larger than a URL: in the body.
    let large = [
        (
            format!("ASK {}{}", "{".repeat(50_000), "}".repeat(50_000)),
            "sparql_query_too_deep",
        ),
        (
            format!("ASK {{ FILTER(1{} > 0) }}", "+1".repeat(40_000)),
            "sparql_query_too_deep",
        ),
        (
            format!("ASK {{ {{}}{} }}", " UNION {}".repeat(12_000)),
            "sparql_query_too_deep",
        ),
        (
            format!("ASK {{}} # {}", "x".repeat(200_000)),
            "sparql_query_too_large",
        ),
    ];
    for (query, code) in large {
        let form = format!("query={}", enc(&query));
        server
            .post("/sparql", "application/x-www-form-urlencoded", &form)
            .assert_problem(400, code);
        server
            .post("/sparql", "application/sparql-query", &query)
            .assert_problem(400, code);
    }
    // Brackets in strings, comments and IRIs are not nesting; the server is still there.
    let fine = format!(
        "SELECT * WHERE {{ BIND(\"{}\" AS ?x) }} # {}",
        "(".repeat(200),
        "{".repeat(200)
    );
    for (route, r) in every_route(server, &fine) {
        assert_eq!(r.status, 200, "{route}: {}", r.body);
    }
}

/// A server whose queries of the embedded store run in worker processes.
fn with_workers(timeout: Duration, max_concurrent: usize, memory_mb: u64) -> (TestServer, tempfile::TempDir) {
    let snapshots = tempfile::tempdir().unwrap();
    let dir = snapshots.path().join("sparql-snapshots");
    let server = crate::common::start_with(move |p| {
        p.set_sparql_limits(datahamn::service::sparql::SparqlLimits {
            timeout,
            max_concurrent,
            ..Default::default()
        });
        p.use_sparql_workers(datahamn::service::sparql::worker::WorkerSettings {
            program: env!("CARGO_BIN_EXE_datahamn").into(),
            memory_mb,
            snapshot_dir: dir,
        })
        .unwrap();
    });
    (server, snapshots)
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Runs `query` in a thread; while it runs, notes the workers running; returns the answer and
/// those workers.
fn run_watching(server: &std::sync::Arc<TestServer>, query: &str) -> (crate::common::Response, Vec<u32>) {
    let client = server.clone();
    let query = query.to_owned();
    let running = std::thread::spawn(move || client.post("/sparql", "application/sparql-query", &query));
    let mut seen = Vec::new();
    while !running.is_finished() {
        for pid in server.platform.sparql_worker_pids() {
            if !seen.contains(&pid) {
                seen.push(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (running.join().unwrap(), seen)
}

#[test]
fn queries_that_compute_without_reading_stop_at_the_timeout() {
    let (server, _dir) = with_workers(Duration::from_millis(1500), 1, 512);
    let server = std::sync::Arc::new(server);
    let values = numbers(300);
    let endless = [
        // The example: 300^4 combinations, counted.
        format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} VALUES ?d {{ {values} }} }}"
        ),
        // Expression evaluation over a cross join.
        format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} FILTER(SHA512(STR(?a * ?b * ?c)) != \"\") }}"
        ),
        // DISTINCT and grouping of a cross join that reads the store.
        "SELECT (COUNT(DISTINCT CONCAT(STR(?a), STR(?b), STR(?c))) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }".to_owned(),
    ];
    for query in &endless {
        let (r, workers) = run_watching(&server, query);
        r.assert_problem(503, "query_timeout");
        assert!(!workers.is_empty(), "the query ran in a worker");
        for pid in &workers {
            if !server.platform.sparql_worker_pids().contains(pid) {
                assert!(!alive(*pid), "worker {pid} was stopped and reaped");
            }
        }
        assert!(
            server
                .platform
                .sparql_worker_pids()
                .iter()
                .all(|pid| !workers.contains(pid)),
            "the stopped worker is not reused"
        );
        // The only slot is free again: a normal query answers.
        let r = server.post(
            "/sparql",
            "application/sparql-query",
            "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://schema.org/Beach> }",
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

#[test]
fn queries_that_need_too_much_memory_are_refused_and_harm_nothing() {
    // A deadline far beyond what the test waits for: the memory limit stops these.
    let (server, _dir) = with_workers(Duration::from_secs(600), 2, 256);
    let server = std::sync::Arc::new(server);
    let mut doubling = String::from("SELECT (STRLEN(?s30) AS ?n) WHERE { BIND(\"xxxxxxxxxxxxxxxx\" AS ?s0)");
    for i in 1..=30 {
        doubling.push_str(&format!(" BIND(CONCAT(?s{p}, ?s{p}) AS ?s{i})", p = i - 1));
    }
    doubling.push_str(" }");
    let values = numbers(300);
    let sorted = format!(
        "SELECT * WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} }} ORDER BY DESC(?a * ?b * ?c)"
    );
    // Each row a string of 1 MiB (16 bytes doubled 16 times), 300 rows concatenated.
    let mut megabyte = String::from("BIND(\"xxxxxxxxxxxxxxxx\" AS ?m0)");
    for i in 1..=16 {
        megabyte.push_str(&format!(" BIND(CONCAT(?m{p}, ?m{p}) AS ?m{i})", p = i - 1));
    }
    let concatenated = format!(
        "SELECT (STRLEN(GROUP_CONCAT(?row)) AS ?n) WHERE {{ {{ {megabyte} }} VALUES ?a {{ {values} }} BIND(CONCAT(STR(?a), ?m16) AS ?row) }}"
    );
    for query in [&doubling, &sorted, &concatenated] {
        let (r, workers) = run_watching(&server, query);
        let p = r.assert_problem(400, "query_memory_exceeded");
        assert!(p["detail"].as_str().unwrap().contains("256 MiB"), "{p}");
        for pid in &workers {
            if !server.platform.sparql_worker_pids().contains(pid) {
                assert!(!alive(*pid), "worker {pid} is gone");
            }
        }
        let r = server.get_accept(
            &format!(
                "/sparql?query={}",
                enc("SELECT ?s WHERE { ?s a <https://schema.org/Beach> } LIMIT 2")
            ),
            "text/csv",
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body.lines().count(), 3);
    }
}

#[test]
fn workers_answer_like_the_server_and_see_each_publish() {
    let (server, dir) = with_workers(Duration::from_secs(60), 2, 512);
    let beaches = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://schema.org/Beach> }";
    let count = |server: &TestServer| {
        let r = server.post_accept("/sparql", "application/sparql-query", "text/csv", beaches);
        assert_eq!(r.status, 200, "{}", r.body);
        r.body.lines().nth(1).unwrap().trim().parse::<u64>().unwrap()
    };
    let before = count(&server);
    assert!(before > 0);
    assert!(
        !server.platform.sparql_worker_pids().is_empty(),
        "answered by a worker"
    );
    // Every form and format, and the row cap, as the in-process path answers them.
    let describe = server.post_accept(
        "/sparql",
        "application/sparql-query",
        "application/n-triples",
        "DESCRIBE ?s WHERE { ?s a <https://schema.org/Beach> } LIMIT 1",
    );
    assert_eq!(describe.status, 200, "{}", describe.body);
    assert!(describe.body.contains("<https://schema.org/Beach>"));
    let ask = server.post_accept(
        "/sparql",
        "application/sparql-query",
        "application/sparql-results+json",
        "ASK { ?s a <https://schema.org/Beach> }",
    );
    assert_eq!(ask.json()["boolean"], true);
    let error = server.post(
        "/sparql",
        "application/sparql-query",
        "SELECT (1/?x AS ?y) WHERE { BIND(<urn:x> AS ?x) FILTER(xsd:nope(?x)) }",
    );
    assert_eq!(error.status / 100, 4, "{}", error.body);

    // Delete a dataset: the next query sees it gone.
    let token = server.token(None, "admin");
    let gone = server.send(
        "DELETE",
        "/api/v1/datasets/harryda-badplatser",
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert!(gone.status / 100 == 2, "{}", gone.body);
    let after = count(&server);
    assert!(after < before, "{after} < {before}");
    // Old snapshots go once unused: at most a few are kept.
    let kept = std::fs::read_dir(dir.path().join("sparql-snapshots"))
        .unwrap()
        .count();
    assert!(
        (1..=datahamn::service::sparql::worker::KEEP_SNAPSHOTS).contains(&kept),
        "{kept}"
    );
}

/// Whether a process runs (a zombie left to be reaped does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

/// The running children of a process.
fn children(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent) && fields[0] != "Z" {
            out.push(pid);
        }
    }
    out
}

#[test]
fn sigterm_ends_the_server_with_queries_running() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::spawn_serve(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--sparql-timeout",
            "3600",
        ],
        &[],
        crate::common::free_port(),
    );
    let values = numbers(300);
    let endless = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} VALUES ?d {{ {values} }} }}"
    );
    let queries: Vec<_> = (0..2)
        .map(|_| {
            let client = crate::common::Client::socket(server.base.clone());
            let query = endless.clone();
            std::thread::spawn(move || {
                client.send_once(
                    "POST",
                    "/sparql",
                    &[("Content-Type", "application/sparql-query")],
                    query.as_bytes(),
                )
            })
        })
        .collect();
    // Both run, each in a worker.
    let mut workers = Vec::new();
    for _ in 0..600 {
        workers = children(server.pid());
        if workers.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(workers.len(), 2, "two workers run the two queries");
    assert!(
        server.terminate(Duration::from_secs(60)),
        "the server ended on SIGTERM"
    );
    for query in queries {
        let r = query.join().unwrap();
        r.assert_problem(503, "service_unavailable");
    }
    for pid in workers {
        assert!(!running(pid), "worker {pid} ended with the server");
    }
}
