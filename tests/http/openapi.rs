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
    for path in [
        "/api/v1/datasets",
        "/api/v1/datasets/{id}",
        "/api/v1/datasets/{id}/items",
        "/api/v1/bathing-sites",
        "/api/v1/swimming-pools",
        "/api/v1/public-services",
        "/api/v1/items/{id}",
        "/sparql",
        "/healthz",
        "/openapi.json",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
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
