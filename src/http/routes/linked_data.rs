//! Linked Data: every URI datahamn mints dereferences to its description, as RDF (Turtle,
//! JSON-LD, N-Triples, RDF/XML) or as an HTML page for people, by `Accept`: items
//! (`/id/{dataset}/{local id}`), datasets and their versions, municipalities, counties,
//! organisations, and the terms of datahamn's own vocabulary (`/def/…`).

use super::pages::{LEAFLET_VERSION, MAP_JS_VERSION};
use crate::error::{ApiError, Code};
use crate::http::pages::{self, Lang};
use crate::http::render::{anchor, escape};
use crate::http::{State, negotiate};
use crate::mapping::ItemView;
use crate::service::{ServiceError, Statement};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value as Json;
use std::fmt::Write as _;

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
        let html = page(
            &entry.view,
            model.dataset(&dataset).map(|d| &d.record.meta.title),
            lang,
        );
        // One representation per language: `Vary` says so (and the entity tag, see `caching`).
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::VARY, "Accept, Accept-Language, Accept-Encoding"))
            .body(html));
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
        resource_page(&iri, &description.statements()).into_bytes()
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

/// A page of statements: each subject with its predicates and objects; IRIs are links.
fn resource_page(iri: &str, statements: &[Statement]) -> String {
    let e = escape;
    let label = statements
        .iter()
        .find(|s| {
            s.subject == iri
                && (s.predicate.ends_with("/title")
                    || s.predicate.ends_with("#label")
                    || s.predicate.ends_with("/name"))
        })
        .map_or(iri, |s| s.object.as_str());
    let mut body = String::new();
    let mut current: Option<&str> = None;
    for s in statements {
        if current != Some(s.subject.as_str()) {
            if current.is_some() {
                body.push_str("</table>");
            }
            let _ = write!(body, "<h2><code>{}</code></h2><table>", e(&s.subject));
            current = Some(&s.subject);
        }
        let object = if s.object_is_iri {
            anchor(&s.object, &s.object)
        } else {
            match &s.language {
                Some(l) => format!(
                    r#"<span lang="{}">{}</span> <code>@{}</code>"#,
                    e(l),
                    e(&s.object),
                    e(l)
                ),
                None => e(&s.object),
            }
        };
        let _ = write!(
            body,
            r#"<tr><th>{0}</th><td>{1}</td></tr>"#,
            anchor(&s.predicate, &s.predicate),
            object
        );
    }
    if current.is_some() {
        body.push_str("</table>");
    }
    format!(
        r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}th{{text-align:left;padding-right:1rem;vertical-align:top;font-weight:normal}}td{{word-break:break-word}}</style>
</head><body>
<h1>{title}</h1>
<p><code>{uri}</code>: also as Turtle, JSON-LD, N-Triples and RDF/XML by <code>Accept</code>.</p>
{body}
</body></html>
"#,
        title = e(label),
        uri = e(iri),
    )
}

/// The HTML page of an item, in the public pages' layout: what it is, where (a map with its
/// point), its attributes, its dataset and municipality pages, and links to every other
/// representation. Every value is escaped.
fn page(v: &ItemView, dataset_title: Option<&crate::profile::Localized>, lang: Lang) -> String {
    let e = escape;
    let q = lang.query();
    let mut rows = String::new();
    let mut row = |k: &str, val: &str| {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            e(k),
            e(val)
        );
    };
    row(lang.t("typ", "type"), &v.kind);
    if let (Some(lat), Some(lon)) = (v.latitude, v.longitude) {
        row(
            lang.t("position (WGS84)", "position (WGS84)"),
            &format!("{lat}, {lon}"),
        );
    }
    if let Some(u) = &v.updated {
        row(lang.t("uppdaterad", "updated"), u);
    }
    for (k, val) in &v.properties {
        let text = match val {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        row(k, &text);
    }
    let links = [
        (v.uri.as_str(), "Turtle", "text/turtle"),
        (v.uri.as_str(), "JSON-LD", "application/ld+json"),
        (v.uri.as_str(), "N-Triples", "application/n-triples"),
        (v.uri.as_str(), "RDF/XML", "application/rdf+xml"),
        (v.links.self_.as_str(), "JSON (REST API)", "application/json"),
        (
            v.links.feature.as_str(),
            "GeoJSON (OGC API Features)",
            "application/geo+json",
        ),
        (
            v.links.dataset.as_str(),
            lang.t("Datamängden (JSON)", "The dataset (JSON)"),
            "application/json",
        ),
    ];
    let mut head = String::new();
    let mut list = String::new();
    for (href, title, media) in links {
        let (href, title, media) = (e(href), e(title), e(media));
        let _ = write!(head, r#"<link rel="alternate" type="{media}" href="{href}">"#);
        let _ = write!(
            list,
            r#"<li><a href="{href}" type="{media}">{title}</a> <code>{media}</code></li>"#
        );
    }
    let description = v
        .description
        .as_deref()
        .map(|d| format!("<p>{}</p>", e(d)))
        .unwrap_or_default();
    let map = if v.latitude.is_some() && v.longitude.is_some() {
        let _ = write!(
            head,
            r#"<link rel="stylesheet" href="/assets/leaflet/{LEAFLET_VERSION}/leaflet.css"><script defer src="/assets/leaflet/{LEAFLET_VERSION}/leaflet.js"></script><script defer src="/assets/web/{MAP_JS_VERSION}/map.js"></script>"#
        );
        format!(
            r#"<div id="map" class="small" role="region" aria-label="{label}" data-items="{feature}" data-lang="{code}"></div>"#,
            label = lang.t("Karta med postens läge", "Map of the item's position"),
            feature = e(&v.links.feature),
            code = lang.code(),
        )
    } else {
        String::new()
    };
    let main = format!(
        r#"<h1>{name}</h1>
<p class="meta"><a href="/datasets/{dataset}{q}">{dataset_label}</a> · <a href="/municipalities/{code}{q}">{municipality} ({code})</a></p>
<p><code>{uri}</code></p>
{description}
{map}
<table>{rows}</table>
<h2>{other}</h2>
<p>{same}</p>
<ul>{list}</ul>"#,
        name = e(&v.name),
        dataset = e(&v.dataset),
        dataset_label = e(&format!(
            "{}: {}",
            lang.t("Datamängd", "Dataset"),
            dataset_title.map_or(v.dataset.as_str(), |t| lang.pick(t))
        )),
        code = e(&v.municipality.code),
        municipality = e(&v.municipality.name),
        uri = e(&v.uri),
        other = lang.t("Andra format", "Other formats"),
        same = lang.t(
            "Samma URI svarar i varje format efter Accept-huvudet.",
            "The same URI answers in each format by the Accept header."
        ),
    );
    pages::layout(lang, &v.name, "", &head, &main)
}
