//! The OpenAPI 3.1 document, generated from the handlers' annotations. Committed as
//! `openapi/openapi.json`; `make openapi` regenerates it and a test fails when it is stale.

use crate::error::{Code, Problem};
use crate::http::routes::{datasets, items, meta, sparql};
use crate::http::views;
use crate::mapping::{ItemView, MunicipalityRef};
use crate::profile::Localized;
use utoipa::OpenApi;
use utoipa::openapi::{OpenApi as Document, extensions::ExtensionsBuilder};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "datahamn",
        description = "Open data from Swedish municipalities: bath sites, pools and bath houses, and municipal services, in one shared vocabulary. Every error is an RFC 9457 problem document (`application/problem+json`) with a stable `code`; the codes are listed under `x-error-codes` and documented at `/problems/{code}`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    paths(
        meta::get_landing,
        meta::get_health,
        meta::get_openapi,
        meta::get_problem_type,
        datasets::list_datasets,
        datasets::get_dataset,
        datasets::list_dataset_items,
        items::list_bathing_sites,
        items::list_swimming_pools,
        items::list_public_services,
        items::get_item,
        sparql::query_sparql_get,
        sparql::query_sparql_post,
    ),
    components(schemas(
        Problem, Code, ItemView, MunicipalityRef, Localized,
        views::DatasetView, views::DatasetDetail, views::DatasetList, views::ItemPage,
        views::PublisherView, views::VersionSummary, views::DatasetLinks, views::Health,
        views::Landing, views::ProblemType,
    )),
    tags(
        (name = "collections", description = "Items of one kind across every municipality"),
        (name = "datasets", description = "Published datasets and their items"),
        (name = "items", description = "Single items by stable id"),
        (name = "sparql", description = "SPARQL 1.1 Protocol (read-only)"),
        (name = "meta", description = "Landing page, health, this document, error codes"),
    )
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    let codes: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "code": c.as_str(),
                "status": c.status().as_u16(),
                "title": c.title(),
            })
        })
        .collect();
    doc.extensions = Some(
        ExtensionsBuilder::new()
            .add("x-error-codes", serde_json::Value::Array(codes))
            .build(),
    );
    doc
}

/// The document as pretty JSON with a trailing newline, as committed.
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}
