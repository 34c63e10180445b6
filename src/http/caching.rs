//! Conditional requests and caching headers for every successful `GET` and `HEAD`: an `ETag`,
//! `Last-Modified` (the last publish, or the server's start when that is later, since a new
//! build may change documents), `Cache-Control`, and `304 Not Modified` when `If-None-Match` or
//! `If-Modified-Since` match (RFC 9110 §13).
//!
//! The public reads (the REST and OGC APIs, Linked Data, the catalogs, dumps, pages: the routes
//! the route table declares [`Cache::Revision`]) answer from what is published alone, so their entity tag is derived
//! from the store revision (a digest of the catalog graph, [`crate::catalog::revision`]), this
//! build ([`BUILD`]), the request target and the negotiated representation. Such a tag is known
//! before anything is rendered: a revalidation that matches is answered `304` without running
//! the handler, and every replica serving the same revision gives the same tag, so a CDN or a
//! reverse proxy in front of several replicas can serve most reads. Anything else (SPARQL
//! results, which may ask for `NOW()`; health; answers that depend on a token or a session)
//! gets a weak tag hashed from its body.

use crate::http::State;
use crate::http::routes::Cache;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ResourceDef;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue, HttpDate, TryIntoHeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long clients and proxies may reuse a response without revalidating.
pub const MAX_AGE_SECONDS: u32 = 60;

/// This build: a digest of every input compiled into the binary (see `build.rs`).
pub const BUILD: &str = env!("DATAHAMN_BUILD");

/// The `Vary` of a `304` answered before the handler ran: what its `200` would say.
fn vary(language: bool) -> &'static str {
    if language {
        "Accept, Accept-Language, Accept-Encoding"
    } else {
        "Accept, Accept-Encoding"
    }
}

fn started() -> SystemTime {
    static STARTED: OnceLock<SystemTime> = OnceLock::new();
    *STARTED.get_or_init(|| {
        // HTTP dates have whole seconds.
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        UNIX_EPOCH + Duration::from_secs(secs)
    })
}

/// Records the start time (so `Last-Modified` never predates this build's documents).
pub fn init() {
    started();
}

fn last_modified(state: Option<&State>) -> SystemTime {
    let published = state
        .and_then(|s| s.model().last_published())
        .and_then(|secs| u64::try_from(secs).ok())
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
    published.map_or(started(), |p| p.max(started()))
}

/// The routes whose `GET` answers are a function of the published state, the build, the
/// profiles, the request target, `Accept` and (where the flag is set) the language
/// `Accept-Language` picks: those the route table declares [`Cache::Revision`] or
/// [`Cache::RevisionAndLanguage`].
fn revision_routes() -> &'static [(ResourceDef, bool)] {
    static ROUTES: OnceLock<Vec<(ResourceDef, bool)>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        crate::http::routes::table()
            .into_iter()
            .filter_map(|route| match route.cache {
                Cache::Revision => Some((ResourceDef::new(route.path), false)),
                Cache::RevisionAndLanguage => Some((ResourceDef::new(route.path), true)),
                Cache::Body => None,
            })
            .collect()
    })
}

/// Whether `path` is one of the revision-tagged reads, and whether its answer depends on the
/// language too.
fn revision_tagged(path: &str) -> Option<bool> {
    revision_routes()
        .iter()
        .find(|(route, _)| route.is_match(path))
        .map(|(_, language)| *language)
}

/// The entity tag of a revision-tagged read: a digest of the build, the store revision, the
/// request target and the headers the representation is negotiated on.
pub fn revision_etag(revision: u64, path: &str, query: &str, headers: &HeaderMap, language: bool) -> String {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(BUILD.as_bytes());
    hasher.update(&crate::profile::digest().to_le_bytes());
    hasher.update(&revision.to_le_bytes());
    hasher.update(path.as_bytes());
    hasher.update(b"?");
    hasher.update(query.as_bytes());
    hasher.update(b"\n");
    hasher.update(header(header::ACCEPT).as_bytes());
    if language {
        hasher.update(b"\n");
        let lang = crate::http::pages::Lang::from_accept_language(Some(header(header::ACCEPT_LANGUAGE)));
        hasher.update(lang.code().as_bytes());
    }
    format!("W/\"r{:016x}\"", hasher.digest())
}

/// Whether an `If-None-Match` value matches an entity tag (weak comparison).
fn none_match(header: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    header.split(',').any(|t| t.trim() == "*" || opaque(t) == ours)
}

/// The middleware (use with `actix_web::middleware::from_fn`).
pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cacheable = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let if_modified_since = req
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<HttpDate>().ok());
    let state = State::of(req.request());
    let modified = last_modified(state.as_ref());
    // The revision before the handler runs; the tag is kept only if it is still the revision
    // afterwards, so a tag never names a state older than the answer it labels.
    let tagged = revision_tagged(req.path()).filter(|_| cacheable);
    let before = tagged.and(state.as_ref()).map(|s| s.model().revision());
    let etag_before = tagged.zip(before).map(|(language, revision)| {
        revision_etag(revision, req.path(), req.query_string(), req.headers(), language)
    });
    if let (Some(etag), Some(inm)) = (&etag_before, &if_none_match)
        && none_match(inm, etag)
    {
        // Known without rendering anything.
        let language = tagged.unwrap_or(false);
        let res = HttpResponse::NotModified()
            .insert_header((header::ETAG, etag.as_str()))
            .insert_header((header::LAST_MODIFIED, HttpDate::from(modified)))
            .insert_header((
                header::CACHE_CONTROL,
                format!("public, max-age={MAX_AGE_SECONDS}"),
            ))
            .insert_header((header::VARY, vary(language)))
            .finish();
        return Ok(req.into_response(res));
    }
    let res = next.call(req).await?;
    if !cacheable || res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let after = before.and(State::of(res.request())).map(|s| s.model().revision());
    let revision_etag = etag_before.filter(|_| after == before);
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let headers = res.headers_mut();
    if !headers.contains_key(header::LAST_MODIFIED) {
        headers.insert(header::LAST_MODIFIED, HttpDate::from(modified).try_into_value()?);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&format!("public, max-age={MAX_AGE_SECONDS}"))?,
        );
    }
    let (etag, body) = match revision_etag {
        // Streamed bodies (dumps) keep streaming.
        Some(etag) => (etag, BoxBody::new(body)),
        None => match body.try_into_bytes() {
            Ok(bytes) => (
                format!("W/\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&bytes)),
                BoxBody::new(bytes),
            ),
            // A streamed body without a revision: passed on as it is, without validators.
            Err(body) => {
                return Ok(ServiceResponse::new(
                    req,
                    res.set_body(body).map_into_boxed_body(),
                ));
            }
        },
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    let not_modified = match (&if_none_match, if_modified_since) {
        (Some(inm), _) => none_match(inm, &etag),
        (None, Some(ims)) => SystemTime::from(ims) >= modified,
        (None, None) => false,
    };
    if not_modified {
        let mut builder = HttpResponse::NotModified();
        for name in [
            header::ETAG,
            header::LAST_MODIFIED,
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
        ] {
            if let Some(v) = res.headers().get(&name) {
                builder.insert_header((name.clone(), v.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, builder.finish()));
    }
    Ok(ServiceResponse::new(req, res.set_body(body)))
}

#[cfg(test)]
mod tests {
    use super::none_match;

    #[test]
    fn weak_comparison() {
        let etag = "W/\"00ff\"";
        assert!(none_match("W/\"00ff\"", etag));
        assert!(none_match("\"00ff\"", etag));
        assert!(none_match("\"x\", W/\"00ff\"", etag));
        assert!(none_match("*", etag));
        assert!(!none_match("\"00fe\"", etag));
    }
}
