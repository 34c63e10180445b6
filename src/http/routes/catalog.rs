//! The DCAT-AP-SE catalogs the national portal harvests (`/catalog` for the platform and
//! `/catalog/{municipality code}` per municipality, RDF/XML by default), and the VoID
//! description (`/.well-known/void`).

use crate::catalog::Download;
use crate::error::ApiError;
use crate::http::{State, negotiate};
use crate::service::DatasetState;
use actix_web::{HttpRequest, HttpResponse, web};

/// What a catalog answers in; `*/*` (and no `Accept`) gets RDF/XML, what the portal harvests.
const OFFERS: [&str; 4] = [
    "application/rdf+xml",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
];

async fn respond(
    req: HttpRequest,
    state: State,
    municipality: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let media_type = negotiate::acceptable(&req, &OFFERS, "The catalog", "")?;
    let platform = state.clone().into_inner();
    let body = web::block(move || {
        // Each download's size, computed once per version (the first catalog after a publish
        // writes the new files to a counter).
        let size = |dataset: &DatasetState, download: &'static Download| {
            super::dumps::download_size(&platform, dataset, download)
                .inspect_err(|e| tracing::warn!(error = %e, "no size for a download"))
                .ok()
        };
        platform.dcat_catalog(municipality.as_deref(), media_type, &size)
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    Ok(crate::http::rdf_response(media_type, body))
}

/// The platform's DCAT-AP-SE catalog.
///
/// Every published dataset but example data (which no harvestable catalog lists), each with
/// its downloads (the whole current version as CSV, GeoJSON, JSON, JSON-LD and gzip-compressed
/// N-Quads, each a `dcat:downloadURL`) and the REST API as a distribution whose access service
/// is a `dcat:DataService`. Query parameters are ignored (harvesters add their own).
#[utoipa::path(
    get,
    path = "/catalog",
    tag = "catalog",
    responses(
        (status = 200, description = "The catalog", content(
            (String = "application/rdf+xml"), (String = "text/turtle"),
            (Object = "application/ld+json"), (String = "application/n-triples"),
        )),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_catalog(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    respond(req, state, None).await
}

/// One municipality's DCAT-AP-SE catalog: the URL it registers with the national portal.
///
/// The datasets the municipality publishes, never example data, with the municipality as
/// publisher (`http://dataportal.se/organisation/SE<organisation number>`) and the same
/// distributions as in the platform's catalog. 404 when it publishes nothing yet. Query
/// parameters are ignored (harvesters add their own).
#[utoipa::path(
    get,
    path = "/catalog/{municipality}",
    tag = "catalog",
    params(("municipality" = String, Path, description = "The municipality code (SCB, four digits)", example = "1401")),
    responses(
        (status = 200, description = "The municipality's catalog", content(
            (String = "application/rdf+xml"), (String = "text/turtle"),
            (Object = "application/ld+json"), (String = "application/n-triples"),
        )),
        (status = 404, description = "Not a municipality code, or nothing published by it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_municipality_catalog(
    req: HttpRequest,
    state: State,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    respond(req, state, Some(code.into_inner())).await
}

/// What the VoID description answers in; `*/*` gets Turtle.
const VOID_OFFERS: [&str; 4] = [
    "text/turtle",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-triples",
];

/// The VoID description of the platform's data.
///
/// The platform as a `void:Dataset` (SPARQL endpoint, dump, URI space, vocabularies, item
/// count), each published dataset a subset with its own dump and URI space.
#[utoipa::path(
    get,
    path = "/.well-known/void",
    tag = "catalog",
    responses(
        (status = 200, description = "The VoID description", content(
            (String = "text/turtle"), (String = "application/rdf+xml"),
            (Object = "application/ld+json"), (String = "application/n-triples"),
        )),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_void(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let media_type = negotiate::acceptable(&req, &VOID_OFFERS, "The VoID description", "")?;
    let body = state.void_document(media_type)?;
    Ok(crate::http::rdf_response(media_type, body))
}
