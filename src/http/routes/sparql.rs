//! The SPARQL 1.1 Protocol endpoint (queries only).

use crate::error::{ApiError, Code};
use crate::http::{State, negotiate};
use crate::service::sparql::SparqlRequest;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// The protocol parameters of a request, gathered from the URL or a form body.
#[derive(Default)]
pub(crate) struct ProtocolParams {
    pub(crate) queries: Vec<String>,
    pub(crate) updates: usize,
    pub(crate) default_graph_uri: Vec<String>,
    pub(crate) named_graph_uri: Vec<String>,
}

impl ProtocolParams {
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut p = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "query" => p.queries.push(v),
                "update" => p.updates += 1,
                "default-graph-uri" => p.default_graph_uri.push(v),
                "named-graph-uri" => p.named_graph_uri.push(v),
                _ => {}
            }
        }
        p
    }
}

pub(crate) fn parse_pairs(text: &str, what: &str) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(text).map_err(|e| {
        ApiError::new(
            Code::InvalidParameter,
            format!("The {what} is not valid URL encoding: {e}"),
        )
    })
}

fn update_refused() -> ApiError {
    ApiError::new(
        Code::SparqlUpdateNotAllowed,
        "This endpoint is read-only: SPARQL updates are refused and nothing was changed. Data is published by uploading CSV files.",
    )
}

pub(crate) fn single_query(p: &mut ProtocolParams) -> Result<String, ApiError> {
    if p.updates > 0 {
        return Err(update_refused());
    }
    match p.queries.len() {
        0 => Err(ApiError::new(
            Code::SparqlMissingQuery,
            "Give a SPARQL query in the `query` parameter, or POST it as application/sparql-query.",
        )),
        1 => Ok(p.queries.remove(0)),
        _ => Err(ApiError::new(
            Code::SparqlMultipleQueries,
            "Give exactly one `query` parameter.",
        )),
    }
}

async fn run(
    req: &HttpRequest,
    state: State,
    query: &str,
    p: &ProtocolParams,
) -> Result<HttpResponse, ApiError> {
    let request: SparqlRequest = state.sparql_request(query, &p.default_graph_uri, &p.named_graph_uri)?;
    let offers = request.form.media_types();
    let media_type = negotiate::acceptable(req, offers, "The results of this query", "")?;
    let answer = if request.lookup {
        // What one resource says is read faster than a thread switch: answer at once.
        state.sparql_execute(request, media_type)?
    } else {
        let served = media_type.to_owned();
        web::block(move || state.sparql_execute(request, &served))
            .await
            .map_err(|e| ApiError::internal(&e))??
    };
    let content_type = if media_type == "application/json" {
        "application/sparql-results+json"
    } else {
        media_type
    };
    let mut res = HttpResponse::Ok();
    res.content_type(format!("{content_type}; charset=utf-8"))
        .insert_header((header::VARY, "Accept, Accept-Encoding"));
    if let Some(n) = answer.truncated_at {
        // Never a silent truncation: the answer says it holds the first `n` results only.
        res.insert_header((TRUNCATED, n.to_string()));
    }
    Ok(res.body(answer.body))
}

/// What `GET /sparql` without a query answers in: the service description, or the query page.
const SERVICE_DESCRIPTION: [&str; 5] = [
    "text/turtle",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-triples",
    "text/html",
];

/// Set when the results were cut at the endpoint's row cap: its value is the number of
/// results given (there were more).
pub const TRUNCATED: &str = "Datahamn-Results-Truncated";

/// Run a SPARQL query given in the URL.
///
/// SPARQL 1.1 Protocol, queries only. The default graph is the union of every published dataset
/// and the catalog; each is also a named graph. `default-graph-uri` and `named-graph-uri` choose
/// other graphs. Results by `Accept`: SELECT and ASK as SPARQL JSON (default), XML, CSV or TSV;
/// CONSTRUCT and DESCRIBE as Turtle (default), N-Triples, RDF/XML or JSON-LD. Other parameters
/// (such as `format=json`) are ignored. Without any parameter, the endpoint answers with its
/// SPARQL service description (Turtle, RDF/XML, JSON-LD or N-Triples) to clients that accept RDF,
/// and with a query page (YASGUI, with example queries) to browsers.
#[utoipa::path(
    get,
    path = "/sparql",
    tag = "sparql",
    params(
        ("query" = String, Query, description = "The SPARQL query"),
        ("default-graph-uri" = Option<Vec<String>>, Query, description = "Graphs whose union is the default graph"),
        ("named-graph-uri" = Option<Vec<String>>, Query, description = "Graphs available as named graphs"),
    ),
    responses(
        (status = 200, description = "Query results. At most the endpoint's row cap (default 100,000) of them: when there were more, the `Datahamn-Results-Truncated` header gives the number returned", content(
            (String = "application/sparql-results+json"), (String = "application/sparql-results+xml"),
            (String = "text/csv"), (String = "text/tab-separated-values"), (String = "text/turtle"),
            (String = "application/n-triples"), (String = "application/rdf+xml"),
            (String = "application/ld+json"), (String = "text/html")),
            headers(("Datahamn-Results-Truncated" = u64, description = "Present when the results were cut at the row cap: how many are in the answer"))),
        (status = 400, description = "Missing, repeated or invalid query, or an update; a query longer or nested deeper than the endpoint accepts (`sparql_query_too_large`, `sparql_query_too_deep`), or one that needed more memory than one query may use (`query_memory_exceeded`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable result format", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The query ran past the time limit and was stopped (`query_timeout`), or the most concurrent queries are running (`service_unavailable`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn query_sparql_get(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    if req.query_string().is_empty() {
        // The endpoint itself, dereferenced: its service description, for clients that take RDF.
        let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
        // A browser gets the query page.
        match negotiate::best(accept, &SERVICE_DESCRIPTION) {
            Some("text/html") => return Ok(super::sparql_ui::respond(&state)),
            Some(media_type) => {
                let body = state.sparql_service_description(media_type)?;
                return Ok(crate::http::rdf_response(media_type, body));
            }
            None => {}
        }
    }
    let mut p = ProtocolParams::from_pairs(parse_pairs(req.query_string(), "query string")?);
    let query = single_query(&mut p)?;
    run(&req, state, &query, &p).await
}

/// Run a SPARQL query sent in the body.
///
/// Either `application/x-www-form-urlencoded` with a `query` parameter, or the query itself as
/// `application/sparql-query` (UTF-8). Updates (`application/sparql-update` or an `update`
/// parameter) are refused.
#[utoipa::path(
    post,
    path = "/sparql",
    tag = "sparql",
    request_body(content(
        (String = "application/sparql-query"),
        (String = "application/x-www-form-urlencoded")),
        description = "The query, directly or form-encoded"),
    responses(
        (status = 200, description = "Query results. At most the endpoint's row cap (default 100,000) of them: when there were more, the `Datahamn-Results-Truncated` header gives the number returned", content(
            (String = "application/sparql-results+json"), (String = "application/sparql-results+xml"),
            (String = "text/csv"), (String = "text/tab-separated-values"), (String = "text/turtle"),
            (String = "application/n-triples"), (String = "application/rdf+xml"),
            (String = "application/ld+json")),
            headers(("Datahamn-Results-Truncated" = u64, description = "Present when the results were cut at the row cap: how many are in the answer"))),
        (status = 400, description = "Missing, repeated or invalid query, or an update; a query longer or nested deeper than the endpoint accepts (`sparql_query_too_large`, `sparql_query_too_deep`), or one that needed more memory than one query may use (`query_memory_exceeded`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable result format", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The query ran past the time limit and was stopped (`query_timeout`), or the most concurrent queries are running (`service_unavailable`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported body media type", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn query_sparql_post(
    req: HttpRequest,
    state: State,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset_ok = parts.all(|p| {
        p.split_once('=').is_none_or(|(k, v)| {
            !k.trim().eq_ignore_ascii_case("charset")
                || v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
    });
    let unsupported = |detail: &str| ApiError::new(Code::UnsupportedMediaType, detail.to_owned());
    match media.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::new(Code::InvalidBody, "The form body is not UTF-8."))?;
            let mut p = ProtocolParams::from_pairs(parse_pairs(text, "form body")?);
            let query = single_query(&mut p)?;
            run(&req, state, &query, &p).await
        }
        "application/sparql-query" => {
            if !charset_ok {
                return Err(unsupported("A SPARQL query body must be UTF-8."));
            }
            let query = std::str::from_utf8(&body)
                .map_err(|_| ApiError::new(Code::InvalidBody, "The query body is not UTF-8."))?
                .to_owned();
            let mut p = ProtocolParams::from_pairs(parse_pairs(req.query_string(), "query string")?);
            if !p.queries.is_empty() {
                return Err(ApiError::new(
                    Code::SparqlMultipleQueries,
                    "Give the query either in the body or in the URL, not both.",
                ));
            }
            p.queries.push(query);
            let query = single_query(&mut p)?;
            run(&req, state, &query, &p).await
        }
        "application/sparql-update" => Err(update_refused()),
        "" => Err(unsupported(
            "Say what the body is: Content-Type application/sparql-query or application/x-www-form-urlencoded.",
        )),
        other => Err(unsupported(&format!(
            "`{other}` is not accepted here; use application/sparql-query or application/x-www-form-urlencoded."
        ))),
    }
}
