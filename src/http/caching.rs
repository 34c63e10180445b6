//! Conditional requests and caching headers for every successful `GET` and `HEAD`:
//! a weak `ETag` (a hash of the body, unless the handler set one with [`representation_etag`]),
//! `Last-Modified` (the last publish, or the server's start
//! when that is later, since a new build may change documents), `Cache-Control`, and
//! `304 Not Modified` when `If-None-Match` or `If-Modified-Since` match (RFC 9110 §13).

use crate::http::State;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue, HttpDate, TryIntoHeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long clients and proxies may reuse a response without revalidating.
pub const MAX_AGE_SECONDS: u32 = 60;

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

fn last_modified(req: &ServiceRequest) -> SystemTime {
    let published = req
        .app_data::<State>()
        .and_then(|s| s.model().last_published())
        .and_then(|secs| u64::try_from(secs).ok())
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
    published.map_or(started(), |p| p.max(started()))
}

/// The entity tag of a response rendered from one read-model snapshot alone: a hash of the
/// snapshot's generation, this process's start, the request target and the representation's
/// media type. Handlers of the item lists set it so that a page of a thousand items is not
/// hashed byte by byte on every request; any publish (a new generation) or restart changes it.
pub fn representation_etag(req: &HttpRequest, generation: u64, content_type: &str) -> HeaderValue {
    let started = started().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&started.to_le_bytes());
    hasher.update(&generation.to_le_bytes());
    hasher.update(req.path().as_bytes());
    hasher.update(b"?");
    hasher.update(req.query_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(content_type.as_bytes());
    HeaderValue::from_str(&format!("W/\"g{:016x}\"", hasher.digest())).expect("an entity tag is ASCII")
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
    let modified = last_modified(&req);
    let res = next.call(req).await?;
    if !cacheable || res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        // A streamed body: passed on as it is, without validators.
        Err(body) => {
            return Ok(ServiceResponse::new(
                req,
                res.set_body(body).map_into_boxed_body(),
            ));
        }
    };
    let headers = res.headers_mut();
    let etag = match headers.get(header::ETAG).and_then(|v| v.to_str().ok()) {
        Some(set) => set.to_owned(),
        None => {
            let etag = format!("W/\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&bytes));
            if let Ok(v) = HeaderValue::from_str(&etag) {
                headers.insert(header::ETAG, v);
            }
            etag
        }
    };
    if !headers.contains_key(header::LAST_MODIFIED) {
        headers.insert(header::LAST_MODIFIED, HttpDate::from(modified).try_into_value()?);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&format!("public, max-age={MAX_AGE_SECONDS}"))?,
        );
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
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(bytes))))
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
