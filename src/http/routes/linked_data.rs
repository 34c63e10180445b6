//! Linked Data: every URI datahamn mints dereferences to its description, as RDF (Turtle,
//! JSON-LD, N-Triples, RDF/XML) or as an HTML page for people, by `Accept`: items
//! (`/id/{dataset}/{local id}`), datasets and their versions, municipalities, counties,
//! organisations, and the terms of datahamn's own vocabulary (`/def/…`). The HTML pages are
//! rendered in [`crate::http::pages`] ([`pages::item`], [`pages::resource`]).

use crate::error::{ApiError, Code};
use crate::http::pages::{self, Lang};
use crate::http::{State, negotiate};
use crate::service::ServiceError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// What an item URI answers in; `*/*` gets the first.
const OFFERS: [&str; 5] = [
    "text/turtle",
    "text/html",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
];

/// An item, by its Linked Data URI.
///
/// The item's RDF description (the item, its position, address and facilities, as the SPARQL
/// endpoint holds them) in the format `Accept` asks for, or an HTML page with links to every
/// other representation.
#[utoipa::path(
    get,
    path = "/id/{dataset}/{local}",
    tag = "linked data",
    params(
        ("dataset" = String, Path, description = "The dataset id", example = "harryda-badplatser"),
        ("local" = String, Path, description = "The item's id within the dataset", example = "frokens-udde"),
    ),
    responses(
        (status = 200, description = "The item's description",
            content(
                (String = "text/turtle"),
                (String = "text/html"),
                (Object = "application/ld+json"),
                (String = "application/n-triples"),
                (String = "application/rdf+xml"),
            )),
        (status = 404, description = "No such item", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_item_uri(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (dataset, local) = path.into_inner();
    let media_type = negotiate(&req)?;
    let model = state.model();
    let id = format!("{dataset}:{local}");
    let entry = model.item(&id).ok_or(ServiceError::ItemNotFound(id))?.clone();
    let body = if media_type == "text/html" {
        let lang = Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let html = pages::item(
            &entry.view,
            model.dataset(&dataset).map(|d| &d.record.meta.title),
            lang,
        );
        // One representation per language: `Vary` says so (and the entity tag, see `caching`).
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::VARY, "Accept, Accept-Language, Accept-Encoding"))
            .body(html.into_string()));
    } else {
        let platform = state.clone().into_inner();
        web::block(move || platform.describe_items(&[&entry.view], media_type))
            .await
            .map_err(|e| ApiError::internal(&e))??
    };
    Ok(crate::http::rdf_response(media_type, body))
}

/// The media type `Accept` asks for among [`OFFERS`], or a 406 problem; a query string is a 400.
fn negotiate(req: &HttpRequest) -> Result<&'static str, ApiError> {
    crate::http::params::none(
        req.query_string(),
        "A Linked Data URI takes no parameters; choose the format with `Accept`.",
    )?;
    negotiate::acceptable(req, &OFFERS, "A Linked Data URI", "")
}

/// A platform resource (not an item) by its URI: the request's path under the base URL.
async fn describe(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let media_type = negotiate(&req)?;
    let iri = format!("{}{}", state.iris().base(), req.path());
    let platform = state.clone().into_inner();
    let lookup = iri.clone();
    let description = web::block(move || platform.describe_resource(&lookup))
        .await
        .map_err(|e| ApiError::internal(&e))??
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("Nothing is described at {iri}. Item URIs look like {}/id/harryda-badplatser/frokens-udde.", state.iris().base()),
            )
        })?;
    let body = if media_type == "text/html" {
        pages::resource(&iri, &description.statements())
            .into_string()
            .into_bytes()
    } else {
        state.serialize_description(&description, media_type)?
    };
    Ok(crate::http::rdf_response(media_type, body))
}

/// A dataset, by its URI.
///
/// Its catalog record: title, description, publisher, licence, keywords, themes, profile, and
/// links to its versions; RDF by `Accept`, or an HTML page.
#[utoipa::path(get, path = "/dataset/{id}", tag = "linked data",
    params(("id" = String, Path, description = "The dataset id", example = "harryda-badplatser")),
    responses(
        (status = 200, description = "The description", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "Nothing is described there", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_dataset_uri(
    req: HttpRequest,
    state: State,
    _id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// A dataset version, by its URI (also the name of the graph that holds its data).
#[utoipa::path(get, path = "/dataset/{id}/version/{number}", tag = "linked data",
    params(
        ("id" = String, Path, description = "The dataset id", example = "harryda-badplatser"),
        ("number" = String, Path, description = "The version number", example = "1"),
    ),
    responses(
        (status = 200, description = "The description", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "Nothing is described there", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_version_uri(
    req: HttpRequest,
    state: State,
    _p: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// A municipality (the place), by its URI.
#[utoipa::path(get, path = "/municipality/{code}", tag = "linked data",
    params(("code" = String, Path, description = "The municipality code (SCB)", example = "1401")),
    responses(
        (status = 200, description = "The description", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "Nothing is described there", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_municipality_uri(
    req: HttpRequest,
    state: State,
    _c: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// A county (län), by its URI.
#[utoipa::path(get, path = "/county/{code}", tag = "linked data",
    params(("code" = String, Path, description = "The county code (SCB)", example = "14")),
    responses(
        (status = 200, description = "The description", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "Nothing is described there", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_county_uri(
    req: HttpRequest,
    state: State,
    _c: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// An organisation (a publisher), by its URI.
#[utoipa::path(get, path = "/organisation/{id}", tag = "linked data",
    params(("id" = String, Path, description = "The organisation id: a municipality code, or an agency id", example = "1401")),
    responses(
        (status = 200, description = "The description", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "Nothing is described there", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_organisation_uri(
    req: HttpRequest,
    state: State,
    _id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// datahamn's vocabulary, at its namespace URI.
#[utoipa::path(get, path = "/def/", tag = "linked data",
    responses(
        (status = 200, description = "The whole vocabulary", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_vocabulary(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// A term of datahamn's vocabulary, by its URI.
#[utoipa::path(get, path = "/def/{term}", tag = "linked data",
    params(("term" = String, Path, description = "The term", example = "municipalityCode")),
    responses(
        (status = 200, description = "The term's definition", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "No such term", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_term(
    req: HttpRequest,
    state: State,
    _t: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// A profile (the shared format a dataset's CSV follows), by its URI.
#[utoipa::path(get, path = "/def/profile/{id}", tag = "linked data",
    params(("id" = String, Path, description = "The profile id")),
    responses(
        (status = 200, description = "The profile's description", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 404, description = "No such profile", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_profile_uri(
    req: HttpRequest,
    state: State,
    _id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}

/// The catalog graph, by its name: every dataset record, version record and the reference data
/// (municipalities, counties, organisations).
#[utoipa::path(get, path = "/graph/catalog", tag = "linked data",
    responses(
        (status = 200, description = "The graph's triples", content((String = "text/turtle"), (String = "text/html"), (Object = "application/ld+json"), (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_catalog_graph(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    describe(req, state).await
}
