//! OGC API – Features Part 1 (Core, GeoJSON) under `/ogc`, over the same collections as the REST
//! API, so GIS clients (QGIS, Leaflet plug-ins, GDAL) read them as they are.

use crate::error::{ApiError, Code};
use crate::http::State;
use crate::http::crs::{Axes, CRS84, OgcCrs};
use crate::http::negotiate;
use crate::http::params::{self, Api};
use crate::http::render::{self, Link, ListMeta};
use crate::http::routes::items::query_pairs;
use crate::profile::{self, Profile};
use crate::service::{Collection, time};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value as Json, json};

const GEOJSON: &str = "application/geo+json";
/// The header naming the CRS of a GeoJSON answer (OGC API Features Part 2).
pub const CONTENT_CRS: &str = "Content-Crs";
const JSON: &str = "application/json";
/// Mainland Sweden and its islands, for collections without positions.
const SWEDEN: [f64; 4] = [10.9, 55.3, 24.2, 69.1];

/// The conformance classes implemented.
pub const CONFORMANCE: [&str; 4] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
];

/// The landing page of OGC API Features.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OgcLanding {
    pub title: String,
    pub description: String,
    pub links: Vec<Link>,
}

/// The conformance classes this API implements.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conformance {
    pub conforms_to: Vec<String>,
}

/// A collection's spatial extent.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SpatialExtent {
    /// `[[minLon, minLat, maxLon, maxLat]]`.
    pub bbox: Vec<[f64; 4]>,
    pub crs: String,
}

/// A collection's temporal extent (of the items' `updated`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TemporalExtent {
    /// `[[start, end]]`, RFC 3339.
    #[schema(value_type = Vec<Vec<Option<String>>>)]
    pub interval: Vec<[Option<String>; 2]>,
    pub trs: String,
}

/// Spatial and temporal extents.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal: Option<TemporalExtent>,
}

/// A feature collection.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Always `feature`.
    pub item_type: String,
    pub extent: Extent,
    /// The CRSs features can be asked for (`crs`) and boxes given in (`bbox-crs`).
    pub crs: Vec<String>,
    /// The CRS positions are stored in: CRS84, so answers in it are exact.
    pub storage_crs: String,
    pub links: Vec<Link>,
}

/// The collections.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<CollectionInfo>,
}

/// Only `f` may be given, once; `f=json` is the only value of these JSON resources.
fn only_f(req: &HttpRequest) -> Result<(), ApiError> {
    match params::single(&query_pairs(req)?, "f")? {
        Some(v) if v != "json" => Err(ApiError::parameter(
            "f",
            format!("`f={}` is not offered here; use `f=json`.", params::shown(&v)),
        )),
        _ => Ok(()),
    }
}

fn json_response<T: Serialize>(req: &HttpRequest, body: &T) -> Result<HttpResponse, ApiError> {
    only_f(req)?;
    crate::http::json(req, body)
}

/// GeoJSON, after checking that the client accepts it (as `application/geo+json` or JSON).
fn geojson_response(
    req: &HttpRequest,
    crs: OgcCrs,
    f: Option<&str>,
    body: Vec<u8>,
    next: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    match f {
        None | Some("json" | "geojson") => {}
        Some(other) => {
            return Err(ApiError::parameter(
                "f",
                format!(
                    "`f={}` is not offered; use `f=json` (GeoJSON).",
                    params::shown(other)
                ),
            ));
        }
    }
    if f.is_none() {
        negotiate::acceptable(req, &[GEOJSON, JSON], "Features", " Use `f=json` for GeoJSON.")?;
    }
    let mut res = HttpResponse::Ok();
    res.content_type(GEOJSON)
        .insert_header((header::VARY, "Accept, Accept-Encoding"))
        .insert_header((CONTENT_CRS, format!("<{}>", crs.uri())));
    if let Some(next) = next {
        res.insert_header((
            header::LINK,
            format!("<{next}>; rel=\"next\"; type=\"{GEOJSON}\""),
        ));
    }
    Ok(res.body(body))
}

fn collection_profile(id: &str) -> Result<&'static Profile, ApiError> {
    profile::get(id).ok_or_else(|| {
        ApiError::new(
            Code::NotFound,
            format!(
                "There is no collection `{id}`; the collections are {}.",
                profile::all()
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

fn collection_info(base: &str, profile: &Profile, items: &Collection) -> CollectionInfo {
    let id = &profile.id;
    let b = items.extent;
    let bbox = b.map_or(SWEDEN, |b| [b.min_lon, b.min_lat, b.max_lon, b.max_lat]);
    let temporal = items.latest_update.map(|t| TemporalExtent {
        interval: [[None, Some(time::rfc3339(u64::try_from(t).unwrap_or(0)))]].to_vec(),
        trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian".into(),
    });
    CollectionInfo {
        id: id.clone(),
        title: format!("{} / {}", profile.title.sv, profile.title.en),
        description: format!(
            "{} {} Items: {}.",
            profile.description.en,
            "Temporal property: `updated`.",
            items.len()
        ),
        item_type: "feature".into(),
        extent: Extent {
            spatial: SpatialExtent {
                bbox: vec![bbox],
                crs: CRS84.into(),
            },
            temporal,
        },
        crs: OgcCrs::uris(),
        storage_crs: CRS84.into(),
        links: vec![
            Link::new(
                format!("{base}/ogc/collections/{id}"),
                "self",
                JSON,
                "This collection",
            ),
            Link::new(
                format!("{base}/ogc/collections/{id}/items"),
                "items",
                GEOJSON,
                "Its features",
            ),
            Link::new(
                format!("{base}/api/v1/{id}"),
                "alternate",
                JSON,
                "The same items in the REST API",
            ),
        ],
    }
}

/// OGC API Features: the landing page.
#[utoipa::path(
    get,
    path = "/ogc",
    operation_id = "ogc_landing",
    tag = "ogc",
    params(("f" = Option<String>, Query, description = "`json`, the only format")),
    responses(
        (status = 200, description = "Links to the API definition, the conformance classes and the collections", body = OgcLanding),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn landing(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let base = state.iris().base();
    json_response(
        &req,
        &OgcLanding {
            title: "datahamn: OGC API – Features".into(),
            description: {
                let kinds = crate::profile::kinds();
                format!(
                    "Från svenska kommuner: {}. / From Swedish municipalities: {}.",
                    kinds.sv, kinds.en
                )
            },
            links: vec![
                Link::new(format!("{base}/ogc"), "self", JSON, "This document"),
                Link::new(
                    format!("{base}/ogc/api"),
                    "service-desc",
                    "application/vnd.oai.openapi+json;version=3.0",
                    "The API definition (OpenAPI 3.0)",
                ),
                Link::new(
                    format!("{base}/openapi.json"),
                    "service-desc",
                    "application/vnd.oai.openapi+json;version=3.1",
                    "The API definition (OpenAPI 3.1)",
                ),
                Link::new(
                    format!("{base}/docs/"),
                    "service-doc",
                    "text/html",
                    "The API documentation",
                ),
                Link::new(
                    format!("{base}/ogc/conformance"),
                    "conformance",
                    JSON,
                    "Conformance classes",
                ),
                Link::new(format!("{base}/ogc/collections"), "data", JSON, "The collections"),
            ],
        },
    )
}

/// OGC API Features: the API definition as OpenAPI 3.0.
///
/// The OGC operations of `/openapi.json`, written down to OpenAPI 3.0.3 (for clients that read
/// only 3.0) with paths relative to `/ogc` and one items path per collection.
#[utoipa::path(
    get,
    path = "/ogc/api",
    operation_id = "ogc_api_definition",
    tag = "ogc",
    responses((status = 200, description = "The OpenAPI 3.0 document", content_type = "application/vnd.oai.openapi+json;version=3.0"))
)]
pub async fn api_definition(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    only_f(&req)?;
    let offers = ["application/vnd.oai.openapi+json", JSON];
    let chosen = negotiate::acceptable(&req, &offers, "The API definition", "")?;
    let content_type = if chosen == JSON {
        JSON
    } else {
        "application/vnd.oai.openapi+json;version=3.0"
    };
    let doc = crate::http::openapi::ogc_document();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::VARY, "Accept, Accept-Encoding"))
        .body(serde_json::to_vec(&doc).map_err(|e| ApiError::internal(&e))?))
}

/// OGC API Features: the conformance classes.
#[utoipa::path(
    get,
    path = "/ogc/conformance",
    operation_id = "ogc_conformance",
    tag = "ogc",
    params(("f" = Option<String>, Query, description = "`json`, the only format")),
    responses(
        (status = 200, description = "The conformance classes", body = Conformance),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn conformance(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    json_response(
        &req,
        &Conformance {
            conforms_to: CONFORMANCE.iter().map(|s| (*s).to_owned()).collect(),
        },
    )
}

/// OGC API Features: the collections.
#[utoipa::path(
    get,
    path = "/ogc/collections",
    operation_id = "ogc_collections",
    tag = "ogc",
    params(("f" = Option<String>, Query, description = "`json`, the only format")),
    responses(
        (status = 200, description = "The collections", body = Collections),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn collections(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let base = state.iris().base();
    let model = state.model();
    let collections = profile::all()
        .iter()
        .map(|p| collection_info(base, p, &model.collection(&p.id)))
        .collect();
    json_response(
        &req,
        &Collections {
            links: vec![Link::new(
                format!("{base}/ogc/collections"),
                "self",
                JSON,
                "The collections",
            )],
            collections,
        },
    )
}

/// OGC API Features: one collection.
#[utoipa::path(
    get,
    path = "/ogc/collections/{collectionId}",
    operation_id = "ogc_collection",
    tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "The collection: a profile id"),
        ("f" = Option<String>, Query, description = "`json`, the only format"),
    ),
    responses(
        (status = 200, description = "The collection", body = CollectionInfo),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn collection(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = collection_profile(&id)?;
    let info = collection_info(
        state.iris().base(),
        profile,
        &state.model().collection(&profile.id),
    );
    json_response(&req, &info)
}

/// OGC API Features: the features of a collection.
///
/// GeoJSON, paged with `next` links. Besides `bbox`, `datetime` (on `updated`) and `limit`,
/// the REST API's filters work here too (`municipality`, `q`, `near`, `toilet=true`, …).
#[utoipa::path(
    get,
    path = "/ogc/collections/{collectionId}/items",
    operation_id = "ogc_items",
    tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "The collection: a profile id"),
        ("bbox" = Option<String>, Query, description = "`minLon,minLat,maxLon,maxLat` in CRS84, or with `bbox-crs` the lower and upper corner in that CRS's axis order (EPSG:4326 `minLat,minLon,maxLat,maxLon`; SWEREF 99 `minN,minE,maxN,maxE` in metres)", example = "11.8,57.5,12.3,57.8"),
        ("bbox-crs" = Option<String>, Query, description = "The CRS of `bbox` (a URI of the collection's `crs` list; default CRS84)", example = "http://www.opengis.net/def/crs/EPSG/0/3006"),
        ("crs" = Option<String>, Query, description = "The CRS of the features' coordinates (a URI of the collection's `crs` list; default CRS84), in its axis order; the `Content-Crs` header names it", example = "http://www.opengis.net/def/crs/EPSG/0/3006"),
        ("datetime" = Option<String>, Query, description = "An instant or interval (`2024-06-01T00:00:00Z/..`) matched against `updated`"),
        ("limit" = Option<u64>, Query, description = "Page size, 1-1000 (default 100; larger values are clamped to 1000, and a notice says so). GIS clients copying a whole collection should ask for 1000.", minimum = 1, example = 10),
        ("cursor" = Option<String>, Query, description = "Opaque cursor; follow the `next` link instead. A cursor this API did not issue is a 400 (`invalid_parameter`). A cursor stays valid across publishes: it resumes after the item it names, so items that still exist are neither skipped nor repeated."),
        ("municipality" = Option<String>, Query, description = "Municipality codes, comma separated", example = "1401"),
        ("count" = Option<bool>, Query, description = "Accepted for compatibility with the REST API; `numberMatched` is on every page"),
        ("f" = Option<String>, Query, description = "`json` or `geojson` (both GeoJSON)"),
    ),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection with `links`, `timeStamp`, `numberMatched` and `numberReturned`", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is invalid or unknown", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "GeoJSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn items(req: HttpRequest, state: State, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let profile = collection_profile(&id)?;
    let model = state.model();
    let pairs = query_pairs(&req)?;
    let request = params::parse(&pairs, &profile::all().iter().collect::<Vec<_>>(), Api::Ogc)?;
    // `numberMatched` on every page (counting is one pass over the candidates of the read
    // model): GIS clients such as GDAL read the feature count from the first page instead of
    // paging through the collection to count it.
    let page = model.collection(&profile.id).search(
        &request.query,
        request.cursor.as_deref(),
        request.limit,
        true,
    )?;
    let base = state.iris().base();
    let next = page
        .next_cursor
        .as_deref()
        .map(|c| render::next_url(base, req.path(), &pairs, c));
    let mut links = vec![
        Link::new(format!("{base}{}", req.uri()), "self", GEOJSON, "This page"),
        Link::new(
            format!("{base}/ogc/collections/{}", profile.id),
            "collection",
            JSON,
            "The collection",
        ),
    ];
    if let Some(n) = &next {
        links.push(Link::new(n.clone(), "next", GEOJSON, "Next page"));
    }
    let meta = ListMeta {
        limit: request.limit,
        next_cursor: None,
        next: next.clone(),
        total: page.total,
        notices: request.notices,
    };
    let crs = request.crs.unwrap_or(OgcCrs::Crs84);
    let axes = Axes::new(crs).map_err(|e| ApiError::internal(&e))?;
    let body = render::feature_collection(&page, &meta, links, &time::now_rfc3339(), &axes);
    geojson_response(&req, crs, request.format.as_deref(), body, next.as_deref())
}

/// OGC API Features: one feature.
#[utoipa::path(
    get,
    path = "/ogc/collections/{collectionId}/items/{featureId}",
    operation_id = "ogc_feature",
    tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "The collection: a profile id"),
        ("featureId" = String, Path, description = "The item id", example = "harryda-badplatser:frokens-udde"),
        ("f" = Option<String>, Query, description = "`json` or `geojson` (both GeoJSON)"),
        ("crs" = Option<String>, Query, description = "The CRS of the coordinates (a URI of the collection's `crs` list; default CRS84), in its axis order; the `Content-Crs` header names it", example = "http://www.opengis.net/def/crs/EPSG/0/3006"),
    ),
    responses(
        (status = 200, description = "A GeoJSON Feature with `links`", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or feature", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "GeoJSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn feature(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (cid, fid) = path.into_inner();
    let profile = collection_profile(&cid)?;
    let (f, crs) = feature_params(&query_pairs(&req)?)?;
    let model = state.model();
    let entry = model
        .item(&fid)
        .filter(|e| {
            model
                .dataset(&e.view.dataset)
                .is_some_and(|d| d.record.meta.profile == profile.id)
        })
        .ok_or_else(|| {
            ApiError::new(
                Code::ItemNotFound,
                format!("There is no feature `{fid}` in `{cid}`."),
            )
        })?;
    let base = state.iris().base();
    let axes = Axes::new(crs).map_err(|e| ApiError::internal(&e))?;
    let mut doc: Json = render::feature(&entry.view, None, &axes);
    doc["links"] = json!([
        Link::new(
            format!("{base}/ogc/collections/{cid}/items/{fid}"),
            "self",
            GEOJSON,
            "This feature"
        ),
        Link::new(
            format!("{base}/ogc/collections/{cid}"),
            "collection",
            JSON,
            "The collection"
        ),
        Link::new(
            entry.view.links.self_.clone(),
            "alternate",
            JSON,
            "This item in the REST API"
        ),
    ]);
    let body = serde_json::to_vec(&doc).map_err(|e| ApiError::internal(&e))?;
    geojson_response(&req, crs, f.as_deref(), body, None)
}

/// The parameters of one feature: `f` and `crs`, each at most once.
pub(crate) fn feature_params(pairs: &[(String, String)]) -> Result<(Option<String>, OgcCrs), ApiError> {
    let (mut f, mut crs) = (None, None);
    for (name, value) in pairs {
        let slot_taken = match name.as_str() {
            "f" => f.replace(value.clone()).is_some(),
            "crs" => {
                let parsed = OgcCrs::parse(value).ok_or_else(|| {
                    ApiError::parameter(
                        "crs",
                        format!(
                            "`{}` is not a CRS offered here. `crs` takes one of: {}.",
                            params::shown(value),
                            OgcCrs::uris().join(", ")
                        ),
                    )
                })?;
                crs.replace(parsed).is_some()
            }
            other => {
                let other = params::shown(other);
                return Err(ApiError::parameter(
                    &other,
                    format!("`{other}` is not a parameter here; a feature takes `f` and `crs`, each once."),
                ));
            }
        };
        if slot_taken {
            return Err(ApiError::parameter(
                name,
                format!("`{name}` may be given only once."),
            ));
        }
    }
    Ok((f, crs.unwrap_or(OgcCrs::Crs84)))
}
