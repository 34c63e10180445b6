//! The OpenAPI document: served, complete, and committed up to date.

use crate::common::{repo_path, shared};

#[test]
fn committed_openapi_is_up_to_date() {
    let committed = std::fs::read_to_string(repo_path("openapi/openapi.json")).unwrap_or_default();
    let generated = datahamn::http::openapi::document_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn served_document_is_openapi_3_1_and_lists_every_route_and_code() {
    let doc = shared().get("/openapi.json").json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    // Every route of the real route table that the document should describe is described,
    // with each of its methods; and the document describes no path the server does not route.
    let table = datahamn::http::route_table();
    assert!(
        table.iter().any(|r| r.path == "/api/v1/bathing-sites"),
        "one route per profile"
    );
    let mut routed = std::collections::HashSet::new();
    for route in &table {
        let path = route.openapi_path();
        routed.insert(path.clone());
        if route.documented == datahamn::http::Doc::No {
            continue;
        }
        let item = &doc["paths"][&path];
        assert!(item.is_object(), "{path} is not documented");
        for method in route.methods.split(", ").filter(|m| *m != "HEAD") {
            assert!(
                item[method.to_ascii_lowercase()].is_object(),
                "{method} {path} is not documented"
            );
        }
    }
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(routed.contains(path), "{path} is documented but not routed");
    }
    let codes: Vec<&str> = doc["x-error-codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for code in datahamn::error::Code::ALL {
        assert!(codes.contains(&code.as_str()));
    }
}

/// The operationIds of a document, with the path and method of each.
fn operation_ids(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut ids = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                ids.push((id.to_owned(), format!("{method} {path}")));
            }
        }
    }
    ids
}

#[test]
fn operation_ids_are_unique_in_both_documents() {
    for path in ["/openapi.json", "/ogc/api"] {
        let doc = shared().get_accept(path, "application/json").json();
        let ids = operation_ids(&doc);
        let operations: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        // Every operation has one (path items here hold operations only).
        assert_eq!(
            ids.len(),
            operations,
            "{path}: an operation without an operationId"
        );
        let mut seen = std::collections::HashMap::new();
        for (id, at) in &ids {
            if let Some(first) = seen.insert(id.as_str(), at.as_str()) {
                panic!("{path}: operationId `{id}` is used by {first} and by {at}");
            }
        }
    }
}
