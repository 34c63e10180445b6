//! Linked Data: an item's URI (`/id/{dataset}/{local id}`) dereferences to its description, as
//! RDF (Turtle, JSON-LD, N-Triples, RDF/XML) or as an HTML page for people, by `Accept`.

use crate::error::{ApiError, Code};
use crate::http::{State, caching, negotiate};
use crate::mapping::ItemView;
use crate::service::ServiceError;
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
    if !req.query_string().is_empty() {
        return Err(ApiError::parameter(
            req.query_string().split(['=', '&']).next().unwrap_or_default(),
            "An item URI takes no parameters; choose the format with `Accept`.",
        ));
    }
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let media_type = negotiate::best(accept, &OFFERS).ok_or_else(|| {
        ApiError::new(
            Code::NotAcceptable,
            format!("An item URI answers in {}.", OFFERS.join(", ")),
        )
    })?;
    let model = state.model();
    let id = format!("{dataset}:{local}");
    let entry = model.item(&id).ok_or(ServiceError::ItemNotFound(id))?.clone();
    let generation = model.generation();
    let body = if media_type == "text/html" {
        page(&entry.view).into_bytes()
    } else {
        let platform = state.clone().into_inner();
        let media = media_type.to_owned();
        web::block(move || platform.describe_items(&[&entry.view], &media))
            .await
            .map_err(|e| ApiError::internal(&e))??
    };
    let content_type = match media_type {
        "text/html" | "text/turtle" => format!("{media_type}; charset=utf-8"),
        other => other.to_owned(),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type.as_str())
        .insert_header((header::VARY, "Accept, Accept-Encoding"))
        .insert_header((
            header::ETAG,
            caching::representation_etag(&req, generation, media_type),
        ))
        .body(body))
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML page of an item: what it is, where, its attributes, and links to every other
/// representation. Every value is escaped.
fn page(v: &ItemView) -> String {
    let e = escape;
    let mut rows = String::new();
    let mut row = |k: &str, val: &str| {
        let _ = write!(rows, "<tr><th>{}</th><td>{}</td></tr>", e(k), e(val));
    };
    row("type", &v.kind);
    row("dataset", &v.dataset);
    row(
        "municipality",
        &format!("{} ({})", v.municipality.name, v.municipality.code),
    );
    if let (Some(lat), Some(lon)) = (v.latitude, v.longitude) {
        row("position (WGS84)", &format!("{lat}, {lon}"));
    }
    if let Some(u) = &v.updated {
        row("updated", u);
    }
    for (k, val) in &v.properties {
        let text = match val {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        row(k, &text);
    }
    let uri = e(&v.uri);
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
        (v.links.dataset.as_str(), "Its dataset", "application/json"),
    ];
    let mut alternates = String::new();
    let mut list = String::new();
    for (href, title, media) in links {
        let (href, title, media) = (e(href), e(title), e(media));
        let _ = write!(
            alternates,
            r#"<link rel="alternate" type="{media}" href="{href}">"#
        );
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
    format!(
        r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}</title>{alternates}
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}th{{text-align:left;padding-right:1rem;vertical-align:top}}code{{color:#555}}</style>
</head><body>
<h1>{name}</h1>
<p><code>{uri}</code></p>
{description}
<table>{rows}</table>
<h2>Andra format / Other formats</h2>
<p>The same URI answers in each format by <code>Accept</code>.</p>
<ul>{list}</ul>
</body></html>
"#,
        name = e(&v.name),
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
