//! The HTTP layer: everything actix-web. Routes, extractor configuration, content negotiation,
//! the OpenAPI document and the mapping of errors to problem responses. Handlers are thin: they
//! parse the request, call the [`crate::service`] layer and render the answer.

pub mod caching;
pub mod compression;
pub mod connection;
pub mod crs;
pub mod negotiate;
pub mod openapi;
pub mod pages;
pub mod params;
pub mod problem;
pub mod render;
pub(crate) mod routes;
pub use routes::{Cache, Doc, Route, table as route_table};
pub mod steward_pages;
pub mod views;

use crate::error::{ApiError, Code};
use crate::service::Platform;
use crate::service::replica::Serving;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::Server;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{Compress, ErrorHandlerResponse, ErrorHandlers, Logger, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use serde::Serialize;
use std::net::TcpListener;
use std::sync::Arc;

/// The platform a request is answered from: taken once per request from the [`Serving`]
/// holder and kept in the request, so the middlewares and the handler all answer from the same
/// one, and a replica's swap to a newer checkpoint never changes it under a request.
#[derive(Clone)]
pub struct State(Arc<Platform>);

impl State {
    /// The platform for a request, when the app serves one.
    pub fn of(req: &HttpRequest) -> Option<State> {
        if let Some(state) = req.extensions().get::<State>() {
            return Some(state.clone());
        }
        let state = State(req.app_data::<web::Data<Serving>>()?.current());
        req.extensions_mut().insert(state.clone());
        Some(state)
    }

    /// The platform itself, to move into blocking work.
    pub fn into_inner(self) -> Arc<Platform> {
        self.0
    }
}

impl std::ops::Deref for State {
    type Target = Platform;

    fn deref(&self) -> &Platform {
        &self.0
    }
}

impl actix_web::FromRequest for State {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(State::of(req).ok_or_else(|| {
            ApiError::internal(&std::io::Error::other("the app was built without a platform"))
        }))
    }
}

/// The largest request body accepted (SPARQL queries).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Registers every route and the extractor error handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        ApiError::new(Code::InvalidParameter, format!("Invalid query parameters: {err}")).into()
    }))
    .app_data(
        web::PathConfig::default().error_handler(|err, _| {
            ApiError::new(Code::InvalidParameter, format!("Invalid path: {err}")).into()
        }),
    )
    .app_data(
        web::FormConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|err, _| {
                ApiError::new(Code::InvalidBody, format!("Invalid form body: {err}")).into()
            }),
    )
    .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
    .app_data(
        web::JsonConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|err, _| {
                use actix_web::error::JsonPayloadError;
                match err {
                    JsonPayloadError::ContentType => {
                        ApiError::new(Code::UnsupportedMediaType, "Send the body as application/json.")
                    }
                    JsonPayloadError::Overflow { limit }
                    | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
                        Code::PayloadTooLarge,
                        format!("The JSON body is larger than {limit} bytes."),
                    ),
                    err => ApiError::new(Code::InvalidBody, format!("Invalid JSON body: {err}")),
                }
                .into()
            }),
    );
    routes::configure(cfg);
}

/// Starts the server on a bound listener. The returned future runs until the server stops.
pub fn start(platform: Arc<Platform>, listener: TcpListener) -> std::io::Result<Server> {
    start_serving(Arc::new(Serving::new(platform)), listener)
}

/// Starts the server over a [`Serving`] holder (a replica's, which swaps platforms).
pub fn start_serving(serving: Arc<Serving>, listener: TcpListener) -> std::io::Result<Server> {
    let state = web::Data::from(serving);
    Ok(HttpServer::new(move || app(state.clone()))
        .on_connect(connection::on_connect)
        .listen(listener)?
        .run())
}

/// The whole application a server runs for each worker: every route and middleware over a
/// [`Serving`] holder. Also what tests serve in-process (`actix_web::test::init_service`),
/// without a socket.
pub fn app(
    state: web::Data<Serving>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    caching::init();
    App::new()
        .app_data(state)
        .wrap(ErrorHandlers::new().default_handler(into_problem))
        .wrap(from_fn(caching::conditional))
        .wrap(from_fn(read_only))
        .wrap(from_fn(rate_limit))
        .wrap(from_fn(compression::whole_bodies))
        .wrap(Compress::default())
        .wrap(cors())
        .wrap(
            Logger::new("%{client}xi \"%{request}xi\" %s %b %Dms")
                .custom_request_replace("client", |req| {
                    client_ip(req.request()).map_or_else(|| "-".to_owned(), |ip| ip.to_string())
                })
                .custom_request_replace("request", logged_request_line),
        )
        .configure(configure)
        .default_service(web::to(not_found))
}

/// Keeps the size of every published download known from a background thread (see
/// `routes::dumps::warm_sizes`), so the catalogs list each `dcat:byteSize` without computing it.
pub fn warm_download_sizes(serving: Arc<Serving>) -> std::io::Result<()> {
    routes::dumps::warm_sizes(serving)
}

/// The bearer token a request sends in `Authorization`, if any.
pub fn bearer(headers: &header::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The client's address: the connection's peer, or, when the peer is a trusted reverse proxy
/// (`--trusted-proxy`), the client its forwarding header names (see
/// [`crate::service::rate_limit::Proxies::client`]).
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Some(state) = State::of(req) else {
        return Some(peer);
    };
    let proxies = state.proxies();
    let values = req
        .headers()
        .get_all(proxies.header_name())
        .filter_map(|v| v.to_str().ok());
    Some(proxies.client(peer, values))
}

/// The request line as the access log writes it: cut after [`LOGGED_TARGET_CHARS`] characters
/// (with `…`), so a log line never grows with what a client sends.
fn logged_request_line(req: &actix_web::dev::ServiceRequest) -> String {
    let target = req.uri().to_string();
    let target = match target.char_indices().nth(LOGGED_TARGET_CHARS) {
        Some((at, _)) => format!("{}…", &target[..at]),
        None => target,
    };
    format!("{} {target} {:?}", req.method(), req.version())
}

/// The most characters of a request target the access log keeps.
const LOGGED_TARGET_CHARS: usize = 512;

/// Counts each request against its client's quota (see [`crate::service::rate_limit`]): over
/// it, 429 with `Retry-After`; every counted answer carries the `RateLimit-*` headers
/// (draft-ietf-httpapi-ratelimit-headers).
async fn rate_limit(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let counted = routes::metered(req.path());
    let decision = State::of(req.request())
        .filter(|_| counted)
        .and_then(|state| state.rate_check(bearer(req.headers()).as_deref(), client_ip(req.request())));
    let headers = |h: &mut header::HeaderMap, d: &crate::service::rate_limit::Decision| {
        let window = crate::service::rate_limit::WINDOW.as_secs();
        for (name, value) in [
            ("ratelimit-limit", d.limit.to_string()),
            ("ratelimit-remaining", d.remaining.to_string()),
            ("ratelimit-reset", d.reset_secs.to_string()),
            ("ratelimit-policy", format!("{};w={window}", d.limit)),
        ] {
            if let Ok(v) = header::HeaderValue::from_str(&value) {
                h.insert(header::HeaderName::from_static(name), v);
            }
        }
    };
    match decision {
        Some(d) if !d.allowed => {
            let error = ApiError::new(
                Code::RateLimited,
                format!(
                    "More than {} requests in a minute; retry in {} s. A steward's token has a larger quota.",
                    d.limit, d.reset_secs
                ),
            )
            .with_retry_after(d.reset_secs);
            let mut res = actix_web::ResponseError::error_response(&error);
            headers(res.headers_mut(), &d);
            Ok(req.into_response(res))
        }
        Some(d) => {
            let mut res = next.call(req).await?.map_into_boxed_body();
            headers(res.headers_mut(), &d);
            Ok(res)
        }
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// On a read-only replica, refuses every request that would change something (anything but
/// `GET`, `HEAD`, `OPTIONS` and SPARQL queries by `POST`) with one clear problem, before it
/// reaches a handler.
async fn read_only(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    use actix_web::http::Method;
    let reading = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || (req.method() == Method::POST && req.path() == "/sparql");
    if !reading && State::of(req.request()).is_some_and(|s| s.is_replica()) {
        let problem = problem::read_only_problem();
        return Ok(req.error_response(problem).map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The response headers browser code may read besides the CORS-safelisted ones
/// (`Cache-Control`, `Content-Language`, `Content-Length`, `Content-Type`, `Expires`,
/// `Last-Modified`, `Pragma`): every header the service sets that tells a client something.
/// `Vary`, `Content-Encoding` and `Content-Security-Policy` are for caches and the browser itself,
/// and `Set-Cookie` can never be exposed.
pub const EXPOSED_HEADERS: &[&str] = &[
    "etag",
    "last-modified",
    "link",
    "location",
    "retry-after",
    "allow",
    "content-length",
    "content-disposition",
    "www-authenticate",
    routes::ogc::CONTENT_CRS,
    routes::sparql::TRUNCATED,
    routes::steward::PREFERENCE_APPLIED,
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
];

/// CORS: any origin may read the API (it is open data, and no request carries credentials).
fn cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allow_any_header()
        .expose_headers(EXPOSED_HEADERS.iter().copied())
        .max_age(86_400)
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        Code::NotFound,
        format!("Nothing lives at {}. GET / lists what does.", req.path()),
    ))
}

/// A 405 problem with the `Allow` header.
pub fn method_not_allowed(allow: &'static str) -> ApiError {
    ApiError::new(
        Code::MethodNotAllowed,
        format!("This resource allows only {allow}."),
    )
    .with_allow(allow)
}

/// A resource answering GET and HEAD with `handler`, and 405 otherwise.
#[macro_export]
#[doc(hidden)]
macro_rules! get_resource {
    ($path:expr, $handler:expr) => {
        actix_web::web::resource($path)
            .route(actix_web::web::get().to($handler))
            .route(actix_web::web::head().to($handler))
            .default_service(actix_web::web::to(|| async {
                Err::<actix_web::HttpResponse, _>($crate::http::method_not_allowed("GET, HEAD"))
            }))
    };
}

/// A vendored static file under a versioned URL: its content never changes, so it may be
/// cached for good.
pub fn immutable_asset(body: &'static [u8], content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body)
}

/// A JSON response, after checking that the client accepts JSON.
pub fn json<T: Serialize>(req: &HttpRequest, body: &T) -> Result<HttpResponse, ApiError> {
    negotiate::acceptable(req, &["application/json"], "This resource", "")?;
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::VARY, "Accept, Accept-Encoding"))
        .body(bytes))
}

/// A 200 response with an RDF document (or an HTML page): the content type (UTF-8 spelled out
/// for the text syntaxes) and `Vary`. Its entity tag comes from [`caching`].
pub fn rdf_response(media_type: &str, body: Vec<u8>) -> HttpResponse {
    let content_type = match media_type {
        "text/html" | "text/turtle" | "application/rdf+xml" => format!("{media_type}; charset=utf-8"),
        other => other.to_owned(),
    };
    HttpResponse::Ok()
        .content_type(content_type.as_str())
        .insert_header((header::VARY, "Accept, Accept-Encoding"))
        .body(body)
}

/// Turns any error response that is not yet a problem document (actix's own rejections: an
/// oversized body, a broken payload) into one, so every error has the same envelope.
fn into_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(crate::error::PROBLEM_JSON.as_bytes()));
    // Problem documents, and the web pages' own HTML error pages, pass as they are.
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status {
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::NOT_ACCEPTABLE => Code::NotAcceptable,
        StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        StatusCode::SERVICE_UNAVAILABLE => Code::ServiceUnavailable,
        s if s.is_client_error() => Code::InvalidBody,
        _ => Code::Internal,
    };
    let detail = match code {
        Code::PayloadTooLarge => format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        Code::Internal => {
            "An unexpected error occurred. It has been logged; please try again later.".to_owned()
        }
        _ => format!(
            "The request was rejected: {}.",
            status.canonical_reason().unwrap_or("error")
        ),
    };
    let problem = ApiError::new(code, detail);
    let (req, _) = res.into_parts();
    let response: HttpResponse<BoxBody> = actix_web::ResponseError::error_response(&problem);
    let res = ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
