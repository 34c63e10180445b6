//! Every error is an RFC 9457 problem with a stable code; no bad input gives a 5xx.

use crate::common::shared;

#[test]
fn unknown_things_are_404_problems() {
    shared().get("/nope").assert_problem(404, "not_found");
    shared()
        .get("/api/v1/datasets/nope")
        .assert_problem(404, "dataset_not_found");
    shared()
        .get("/api/v1/datasets/nope/items")
        .assert_problem(404, "dataset_not_found");
    shared()
        .get("/api/v1/items/nope:nope")
        .assert_problem(404, "item_not_found");
}

#[test]
fn bad_parameters_name_the_parameter() {
    let p = shared()
        .get("/api/v1/bathing-sites?municipality=9999")
        .assert_problem(400, "invalid_parameter");
    assert_eq!(p["parameter"], "municipality");
    for bad in ["0", "-3", "abc", "1e3", "2.5"] {
        let p = shared()
            .get(&format!("/api/v1/swimming-pools?limit={bad}"))
            .assert_problem(400, "invalid_parameter");
        assert_eq!(p["parameter"], "limit");
    }
}

#[test]
fn wrong_methods_are_405_with_allow() {
    let r = shared().request("DELETE", "/api/v1/datasets");
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
    let r = shared().request("DELETE", "/api/v1/items/harryda-badplatser:frokens-udde");
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    let r = shared().request("PUT", "/sparql?query=ASK%7B%7D");
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
}

#[test]
fn unacceptable_formats_are_406() {
    shared()
        .get_accept("/api/v1/datasets", "image/png")
        .assert_problem(406, "not_acceptable");
}

#[test]
fn problem_types_are_documented() {
    let r = shared().get("/problems/dataset_not_found");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], 404);
    shared().get("/problems/nope").assert_problem(404, "not_found");
}

#[test]
fn oversized_bodies_are_413_problems() {
    let body = format!("query={}", "a".repeat(2 * 1024 * 1024));
    shared()
        .post("/sparql", "application/x-www-form-urlencoded", &body)
        .assert_problem(413, "payload_too_large");
}
