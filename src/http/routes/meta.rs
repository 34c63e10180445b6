//! The landing page, health, the OpenAPI document and problem-type documentation.

use crate::error::{ApiError, Code};
use crate::http::views::{Health, Landing, ProblemType};
use crate::http::{State, json, openapi};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

/// Where to start: links to everything the API offers (JSON), or, for browsers
/// (`Accept: text/html`), the home page: every dataset, with search and filters.
#[utoipa::path(
    get,
    path = "/",
    tag = "meta",
    params(
        ("q" = Option<String>, Query, description = "Home page: words to search datasets and items for"),
        ("municipality" = Option<String>, Query, description = "Home page: only this publisher's datasets"),
        ("kind" = Option<String>, Query, description = "Home page: only datasets of this profile"),
        ("lang" = Option<String>, Query, description = "Home page: `en` for English (Swedish by default)"),
    ),
    responses((status = 200, description = "Links to the API's parts, or the home page",
        content((Landing = "application/json"), (String = "text/html"))))
)]
pub async fn get_landing(req: HttpRequest, state: crate::http::State) -> Result<HttpResponse, ApiError> {
    if super::pages::wants_html(&req) {
        return super::pages::home(&req, &state).await;
    }
    landing(&req)
}

/// The REST API's root: the same links as `/` (the endpoint URL the DCAT catalogs name).
#[utoipa::path(
    get,
    path = "/api/v1",
    tag = "meta",
    responses((status = 200, description = "Links to the API's parts", body = Landing))
)]
pub async fn get_api_root(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    landing(&req)
}

fn landing(req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let mut links = Map::new();
    links.insert("datasets".into(), Value::String("/api/v1/datasets".into()));
    for p in crate::profile::all() {
        links.insert(p.snake_id(), Value::String(p.collection_path()));
    }
    for (name, href) in [
        ("ogc_api_features", "/ogc"),
        ("sparql", "/sparql"),
        ("catalog", "/catalog"),
        ("vocabulary", "/def/"),
        ("openapi", "/openapi.json"),
        ("docs", "/docs/"),
        ("health", "/healthz"),
    ] {
        links.insert(name.into(), Value::String(href.into()));
    }
    json(
        req,
        &Landing {
            title: "datahamn".into(),
            description: {
                let kinds = crate::profile::kinds();
                format!(
                    "Öppna data från svenska kommuner: {}. / Open data from Swedish municipalities: {}.",
                    kinds.sv, kinds.en
                )
            },
            links,
        },
    )
}

/// Health: 200 once the service is ready to serve.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses((status = 200, description = "Ready", body = Health))
)]
pub async fn get_health(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let model = state.model();
    let datasets = model.datasets().count();
    let items = model.datasets().map(|d| d.items.len()).sum();
    json(
        &req,
        &Health {
            status: "ok".into(),
            datasets,
            items,
            revision: format!("{:016x}", model.revision()),
            role: if state.is_replica() { "replica" } else { "writer" }.into(),
            checkpoint: state.checkpoint_name().map(str::to_owned),
        },
    )
}

/// This OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn get_openapi(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    json(&req, &openapi::document())
}

/// Documentation of one error code.
#[utoipa::path(
    get,
    path = "/problems/{code}",
    tag = "meta",
    params(("code" = String, Path, description = "An error code", example = "dataset_not_found")),
    responses(
        (status = 200, description = "The problem type", body = ProblemType),
        (status = 404, description = "No such code", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_problem_type(req: HttpRequest, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let found = Code::from_name(&code)
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("There is no error code `{code}`.")))?;
    json(
        &req,
        &ProblemType {
            code: found,
            title: found.title().into(),
            status: found.status().as_u16(),
        },
    )
}
