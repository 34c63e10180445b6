//! Items: the typed collections across municipalities, a dataset's items, and single items, in
//! JSON, GeoJSON, CSV and JSON-LD.

use crate::error::{ApiError, Code};
use crate::http::State;
use crate::http::crs::Axes;
use crate::http::params::{self, Api, ListRequest};
use crate::http::render::{self, Format, Link, ListMeta};
use crate::http::views::ItemPage;
use crate::mapping::ItemView;
use crate::profile;
use crate::service::{Collection, Page, ServiceError, time};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;

/// The documented filters of every list; the profile's own (facilities, enums) are added to the
/// OpenAPI document per collection.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// One or more municipality codes (four digits, SCB), comma separated or repeated: `1401,1480`
    /// (at most 100 values).
    #[param(example = "1401", pattern = r"^\s*\d{3,4}\s*(,\s*\d{3,4}\s*)*$")]
    municipality: Option<String>,
    /// One or more county (län) codes, two digits: `14` is Västra Götaland (at most 100 values).
    #[param(example = "14", pattern = r"^\s*\d{1,2}\s*(,\s*\d{1,2}\s*)*$")]
    county: Option<String>,
    /// One or more dataset ids, comma separated (at most 100 values of 100 characters each).
    #[param(example = "harryda-badplatser")]
    dataset: Option<String>,
    /// Words that must all occur in the name or description; case and diacritics are ignored
    /// (`ostra` finds `Östra`). At most 200 characters.
    #[param(example = "udde", max_length = 200)]
    q: Option<String>,
    /// `minLon,minLat,maxLon,maxLat` in WGS84 decimal degrees.
    #[param(example = "11.8,57.5,12.3,57.8")]
    bbox: Option<String>,
    /// `latitude,longitude` in WGS84 decimal degrees: only items within `radius` of this point,
    /// nearest first, each with `distance_m`.
    #[param(example = "57.655,12.14")]
    near: Option<String>,
    /// Radius around `near` in metres (default 5000, at most 1000000). Needs `near`.
    #[param(example = 5000, minimum = 1, maximum = 1000000)]
    radius: Option<f64>,
    /// Only items updated at or after this date or RFC 3339 date-time.
    #[param(example = "2024-01-01")]
    updated_since: Option<String>,
    /// Page size, 1-1000 (default 100). Larger values are clamped to 1000 and a notice says so.
    #[param(example = 100, minimum = 1)]
    limit: Option<u64>,
    /// Opaque cursor from the previous page's `next_cursor` (follow `next` instead). A cursor
    /// this API did not issue is a 400 (`invalid_parameter`). A cursor stays valid across
    /// publishes: it resumes after the item it names, so items that still exist are neither
    /// skipped nor repeated.
    cursor: Option<String>,
    /// `true` adds `total`, the number of matching items (costs a full count).
    count: Option<bool>,
    /// The format, instead of `Accept`: `json` (default), `geojson`, `csv` or `jsonld`.
    #[param(inline)]
    format: Option<FormatParam>,
}

/// The representation of a list.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum FormatParam {
    Json,
    Geojson,
    Csv,
    Jsonld,
}

/// The raw query pairs; a query string that cannot be decoded is a 400.
pub fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    decode_query(req.query_string())
}

/// The pairs of a raw query string; one that cannot be decoded is a 400.
/// Strictly: a name or value whose percent-encoded bytes are not UTF-8 is refused, never
/// decoded loosely into something the client did not send.
pub(crate) fn decode_query(query_string: &str) -> Result<Vec<(String, String)>, ApiError> {
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .map(|text| text.into_owned())
    };
    query_string
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (decode(name), decode(value)) {
                (Ok(name), Ok(value)) => Ok((name, value)),
                _ => Err(ApiError::new(
                    Code::InvalidParameter,
                    format!(
                        "The query string cannot be decoded: `{}` holds percent-encoded bytes that are not UTF-8. Encode text as UTF-8.",
                        params::shown(pair)
                    ),
                )),
            }
        })
        .collect()
}

/// A 200 response (its entity tag comes from [`caching`]).
fn respond(format: Format, body: Vec<u8>, next: Option<&str>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.content_type(format.content_type())
        .insert_header((header::VARY, "Accept, Accept-Encoding"));
    if let Some(next) = next {
        res.insert_header((header::LINK, format!("<{next}>; rel=\"next\"")));
    }
    res.body(body)
}

/// Renders a page of a list in the chosen format.
async fn render_page(
    req: &HttpRequest,
    state: &State,
    format: Format,
    page: Page,
    request: ListRequest,
    pairs: &[(String, String)],
    profile: Option<&'static profile::Profile>,
) -> Result<HttpResponse, ApiError> {
    let base = state.iris().base();
    let next = page
        .next_cursor
        .as_deref()
        .map(|c| render::next_url(base, req.path(), pairs, c));
    let meta = ListMeta {
        limit: request.limit,
        next_cursor: page.next_cursor.clone(),
        next: next.clone(),
        total: if request.count { page.total } else { None },
        notices: request.notices,
    };
    let body = match format {
        Format::Json => render::json_page(&page, &meta),
        Format::GeoJson => {
            let self_url = format!("{base}{}", req.uri());
            let mut links = vec![Link::new(self_url, "self", "application/geo+json", "This page")];
            if let Some(n) = &next {
                links.push(Link::new(n.clone(), "next", "application/geo+json", "Next page"));
            }
            render::feature_collection(&page, &meta, links, &time::now_rfc3339(), &Axes::crs84())
        }
        Format::Csv => render::csv_page(&page, profile)?,
        Format::JsonLd => {
            let platform = state.clone().into_inner();
            let entries: Vec<_> = page.hits.iter().map(|h| h.entry.clone()).collect();
            web::block(move || {
                let views: Vec<&ItemView> = entries.iter().map(|e| &e.view).collect();
                platform.describe_items(&views, "application/ld+json")
            })
            .await
            .map_err(|e| ApiError::internal(&e))??
        }
    };
    Ok(respond(format, body, next.as_deref()))
}

/// A list: a typed collection, or a dataset's items when `dataset` is set.
async fn list(
    req: HttpRequest,
    state: State,
    collection: &str,
    dataset: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let model = state.model();
    let (items, profile): (Arc<Collection>, _) = match dataset {
        Some(id) => {
            let d = model.published(id)?;
            (d.items.clone(), profile::get(&d.record.meta.profile))
        }
        None => (model.collection(collection), profile::get(collection)),
    };
    let pairs = query_pairs(&req)?;
    let request = params::parse(&pairs, &filter_profiles(dataset.is_some(), profile), Api::Rest)?;
    let format = render::choose(&req, request.format.as_deref(), "format", &Format::REST)?;
    let page = items.search(
        &request.query,
        request.cursor.as_deref(),
        request.limit,
        request.count,
    )?;
    render_page(&req, &state, format, page, request, &pairs, profile).await
}

/// The profiles whose filters a list accepts: its own, or, for a dataset's items (documented
/// once for every dataset), every profile's; a filter on a property the items do not have
/// matches none of them.
pub(crate) fn filter_profiles(
    every: bool,
    own: Option<&'static profile::Profile>,
) -> Vec<&'static profile::Profile> {
    if every {
        profile::all().iter().collect()
    } else {
        own.into_iter().collect()
    }
}

/// The profile whose collection a route serves (the route table gives each collection's
/// resource one).
#[derive(Clone, Copy)]
pub struct CollectionOf(pub &'static profile::Profile);

/// The items of one kind from every municipality.
///
/// The template of every profile's collection, `/api/v1/{profile id}`: the OpenAPI document
/// has one path per profile, with the profile's texts and filters (see `openapi.rs`).
#[utoipa::path(
    get,
    path = "/api/v1/{collection}",
    tag = "collections",
    params(ListParams),
    responses(
        (status = 200, description = "A page of items",
            content(
                (ItemPage = "application/json"),
                (Object = "application/geo+json"),
                (String = "text/csv"),
                (Object = "application/ld+json"),
            )),
        (status = 400, description = "A parameter is invalid; `parameter` names it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_collection(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let Some(CollectionOf(profile)) = req.app_data::<CollectionOf>().copied() else {
        return Err(ApiError::internal(&std::io::Error::other(
            "a collection route without its profile",
        )));
    };
    list(req, state, &profile.id, None).await
}

/// The items of one dataset, with the same filters and formats as the collections.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/items",
    tag = "datasets",
    params(("id" = String, Path, description = "Dataset id", example = "harryda-badplatser"), ListParams),
    responses(
        (status = 200, description = "A page of items",
            content(
                (ItemPage = "application/json"),
                (Object = "application/geo+json"),
                (String = "text/csv"),
                (Object = "application/ld+json"),
            )),
        (status = 400, description = "A parameter is invalid; `parameter` names it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_dataset_items(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    list(req, state, "", Some(id.as_str())).await
}

/// One item.
///
/// Item ids are `{dataset}:{local id}` and never change for the same row. JSON (default),
/// GeoJSON (a Feature) or JSON-LD (its RDF).
#[utoipa::path(
    get,
    path = "/api/v1/items/{id}",
    tag = "items",
    params(
        ("id" = String, Path, description = "Item id", example = "harryda-badplatser:frokens-udde"),
        ("format" = Option<String>, Query, description = "`json` (default), `geojson` or `jsonld`, instead of `Accept`", example = "geojson"),
    ),
    responses(
        (status = 200, description = "The item",
            content(
                (ItemView = "application/json"),
                (Object = "application/geo+json"),
                (Object = "application/ld+json"),
            )),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the formats is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_item(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // Taken exactly as sent, as in the lists: `format=` or `format=JSON` is a 400.
    let explicit = params::single(&query_pairs(&req)?, "format")?;
    let offers = [Format::Json, Format::GeoJson, Format::JsonLd];
    let format = render::choose(&req, explicit.as_deref(), "format", &offers)?;
    let model = state.model();
    let entry = model
        .item(&id)
        .ok_or_else(|| ServiceError::ItemNotFound(id.to_string()))?
        .clone();
    let body = match format {
        Format::GeoJson => {
            let mut f = render::feature(&entry.view, None, &Axes::crs84());
            f["links"] = serde_json::to_value(vec![
                Link::new(
                    entry.view.links.self_.clone(),
                    "self",
                    "application/json",
                    "This item",
                ),
                Link::new(
                    entry.view.links.feature.clone(),
                    "alternate",
                    "application/geo+json",
                    "This item in OGC API Features",
                ),
                Link::new(
                    entry.view.links.dataset.clone(),
                    "collection",
                    "application/json",
                    "Its dataset",
                ),
            ])
            .unwrap_or_default();
            serde_json::to_vec(&f).map_err(|e| ApiError::internal(&e))?
        }
        Format::JsonLd => {
            let platform = state.clone().into_inner();
            web::block(move || platform.describe_items(&[&entry.view], "application/ld+json"))
                .await
                .map_err(|e| ApiError::internal(&e))??
        }
        _ => entry.json.to_vec(),
    };
    Ok(respond(format, body, None))
}
