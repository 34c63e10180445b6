//! The error boundary: domain errors become RFC 9457 problem documents here, and only here.
//!
//! The service and everything below it return domain errors ([`ServiceError`],
//! [`SparqlError`], [`SearchError`]) that carry what explains them and name their public code
//! through [`ErrorCode`]. This module chooses each answer's words, its status (from the code's
//! row in [`crate::error`]'s table), its headers (`Allow`, `Retry-After`, `WWW-Authenticate`)
//! and the links in its text.

use crate::error::{Code, ErrorCode};
use crate::service::sparql::SparqlError;
use crate::service::{SearchError, ServiceError};
use crate::store::StoreError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value as Json;
use std::fmt;

impl Code {
    /// The HTTP status for this code (its row in the table).
    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/problems/dataset_not_found",
    "title": "Dataset not found",
    "status": 404,
    "detail": "There is no dataset `nope`.",
    "code": "dataset_not_found"
}))]
pub struct Problem {
    /// A URI reference naming the problem type; it resolves to its documentation.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// What went wrong in this case, and how to fix it.
    pub detail: String,
    /// The stable error code.
    pub code: Code,
    /// The parameter at fault, for `invalid_parameter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Details specific to the code (a validation report, the allowed methods, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Json>,
}

/// An error on its way to an HTTP client. Small, so `Result<_, ApiError>` stays cheap.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub detail: String,
    extra: Option<Box<Extra>>,
}

/// The rarely used parts of an error.
#[derive(Debug, Default)]
struct Extra {
    parameter: Option<String>,
    details: Option<Json>,
    /// For 405: the allowed methods.
    allow: Option<String>,
    /// For 503: seconds to wait.
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            extra: None,
        }
    }

    fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// A 400 naming the parameter at fault.
    pub fn parameter(name: &str, detail: impl Into<String>) -> Self {
        let mut e = Self::new(Code::InvalidParameter, detail);
        e.extra().parameter = Some(name.to_owned());
        e
    }

    /// The parameter at fault, for `invalid_parameter`.
    pub fn parameter_name(&self) -> Option<&str> {
        self.extra.as_ref()?.parameter.as_deref()
    }

    /// Adds the `Allow` header of a 405.
    pub fn with_allow(mut self, methods: &str) -> Self {
        self.extra().allow = Some(methods.to_owned());
        self
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.extra().retry_after = Some(seconds);
        self
    }

    /// An unexpected failure: logged in full, answered with a generic message.
    pub fn internal(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new(
            Code::Internal,
            "An unexpected error occurred. It has been logged; please try again later.",
        )
    }

    /// The problem's `details`, when it has any.
    pub fn details(&self) -> Option<&Json> {
        self.extra.as_ref()?.details.as_ref()
    }

    pub fn with_details(mut self, details: Json) -> Self {
        self.extra().details = Some(details);
        self
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("/problems/{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            parameter: self.extra.as_ref().and_then(|e| e.parameter.clone()),
            details: self.extra.as_ref().and_then(|e| e.details.clone()),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for ApiError {}

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        if let Some(extra) = &self.extra {
            if let Some(allow) = &extra.allow {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            if let Some(seconds) = extra.retry_after {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
        }
        match self.code {
            Code::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"datahamn\""));
            }
            Code::InvalidToken => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"datahamn\", error=\"invalid_token\"",
                ));
            }
            _ => {}
        }
        response.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError::from(&e)
    }
}

impl From<&ServiceError> for ApiError {
    fn from(e: &ServiceError) -> Self {
        let code = e.error_code();
        match e {
            ServiceError::Catalog(e) => ApiError::new(code, e.to_string()),
            ServiceError::DatasetNotFound(id) => {
                ApiError::new(code, format!("There is no dataset `{id}`. GET /api/v1/datasets lists them."))
            }
            ServiceError::ItemNotFound(id) => {
                ApiError::new(code, format!("There is no item `{id}`. Item ids look like `harryda-badplatser:frokens-udde`."))
            }
            ServiceError::Metadata(m) => ApiError::new(code, m.to_string()).with_details(serde_json::json!({
                "field": m.field,
                "rule": m.rule,
                "message": {"sv": m.message.sv, "en": m.message.en},
            })),
            ServiceError::AlreadyPublished(id) => ApiError::new(code, format!("Dataset `{id}` is already published.")),
            ServiceError::Invalid(report) => ApiError::new(
                code,
                match report.errors.iter().find(|i| i.code == crate::ingest::IssueCode::UnsupportedFormat) {
                    Some(issue) => issue.message.en.clone(),
                    None => format!(
                        "The file has {} errors and was not published; the report says where and how to fix them.",
                        report.error_count
                    ),
                },
            )
            .with_details(serde_json::to_value(&**report).unwrap_or_default()),
            ServiceError::NoToken => ApiError::new(
                code,
                "This needs a token: send `Authorization: Bearer <token>`. A platform administrator creates tokens with `datahamn token create`.",
            ),
            ServiceError::Token(e) => ApiError::new(
                code,
                format!("The token was refused: {e}. Ask your platform administrator for a new one."),
            ),
            ServiceError::Forbidden(m) => ApiError::new(code, m.as_str()),
            ServiceError::DatasetExists { id, publisher } => ApiError::new(
                code,
                format!(
                    "A dataset `{id}` exists already (published by {publisher}). Choose another id, or PATCH /api/v1/datasets/{id} to change its metadata."
                ),
            ),
            ServiceError::VersionNotFound(id, n) => ApiError::new(
                code,
                format!("Dataset `{id}` has no version {n}. GET /api/v1/datasets/{id}/versions lists them."),
            ),
            ServiceError::DraftNotFound(_) => ApiError::new(
                code,
                "The checked file is gone: it was published already, replaced by a newer check, or kept longer than an hour. Check the file again.",
            ),
            ServiceError::ReadOnly => read_only_problem(),
            ServiceError::Busy { message, retry_after } | ServiceError::TooMany { message, retry_after } => {
                ApiError::new(code, message.as_str()).with_retry_after(*retry_after)
            }
            ServiceError::Parameter { parameter, detail } => ApiError::parameter(parameter, detail.as_str()),
            ServiceError::JobStopped => ApiError::new(
                code,
                "The job stopped on an unexpected error and did not finish; nothing it would have changed was changed. It has been logged; please try again later.",
            ),
            ServiceError::TokenFile(e) => ApiError::internal(e),
            ServiceError::Store(e) => store_problem(e),
            ServiceError::Io(e) => ApiError::internal(e),
            e @ ServiceError::Internal(_) => ApiError::internal(e),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::BadCursor => ApiError::parameter("cursor", e.to_string()),
        }
    }
}

impl From<SparqlError> for ApiError {
    fn from(e: SparqlError) -> Self {
        let code = e.error_code();
        match e {
            SparqlError::NotAnIri { parameter, ref iri, ref reason } => {
                ApiError::parameter(parameter, format!("`{iri}` is not an IRI: {reason}"))
            }
            SparqlError::Busy { max_concurrent } => ApiError::new(
                code,
                format!(
                    "{max_concurrent} SPARQL queries are running, the most this endpoint runs at once; retry in a moment."
                ),
            )
            .with_retry_after(1),
            SparqlError::Timeout(timeout) => ApiError::new(
                code,
                format!(
                    "The query ran longer than {} s, the most this endpoint allows, and was stopped. Narrow it (a LIMIT, a more selective pattern) or ask for fewer results.",
                    timeout.as_secs_f64()
                ),
            ),
            SparqlError::MemoryExceeded { memory_mb, status } => ApiError::new(
                code,
                format!(
                    "The query needed more memory than this endpoint gives one query ({memory_mb} MiB), and was stopped ({status}). Narrow it: a LIMIT, fewer combinations, shorter strings."
                ),
            ),
            SparqlError::ShuttingDown => {
                ApiError::new(code, "The server is stopping; retry in a moment.").with_retry_after(1)
            }
            SparqlError::WorkerUnavailable => {
                ApiError::new(code, "The query could not be started now; retry in a moment.").with_retry_after(1)
            }
            SparqlError::NotStarted => ApiError::new(code, "The query could not be started; it has been logged."),
            SparqlError::NotRun => ApiError::new(code, "The query could not be run; it has been logged."),
            SparqlError::Syntax(e) => ApiError::new(code, format!("The query is not valid SPARQL: {e}")),
            SparqlError::Evaluation(e) => ApiError::new(code, format!("The query could not be evaluated: {e}")),
            SparqlError::Results(e) => ApiError::new(code, format!("The query failed while producing results: {e}")),
            SparqlError::TooLarge(len, max) => ApiError::new(
                code,
                format!("The query is {len} bytes long; this endpoint accepts queries of at most {max} bytes."),
            ),
            SparqlError::TooNested(depth, max) => ApiError::new(
                code,
                format!(
                    "The query's brackets ({{ ( [) nest at least {depth} levels deep; this endpoint accepts at most {max}."
                ),
            ),
            SparqlError::TooDeep(depth, max) => ApiError::new(
                code,
                format!(
                    "The query nests {depth} levels deep once parsed (operators, joins, unions and paths, one inside another); this endpoint accepts at most {max}. Use VALUES or IN rather than long chains of || or UNION."
                ),
            ),
            SparqlError::Update => ApiError::new(
                code,
                "This endpoint is read-only: SPARQL updates are refused and nothing was changed. Data is published by uploading CSV files.",
            ),
            SparqlError::StoreUnavailable(reason) => store_problem(&StoreError::Unavailable(reason)),
            e @ SparqlError::StoreFailed(_) => ApiError::internal(&e),
        }
    }
}

/// The answer to a store failure: the remote engine unreachable is 503 with `Retry-After`,
/// anything else an internal error.
pub(crate) fn store_problem(e: &StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(reason) => {
            tracing::error!(error = %reason, "the store cannot be reached");
            ApiError::new(
                Code::ServiceUnavailable,
                "The data store cannot be reached at the moment; retry in a little while.",
            )
            .with_retry_after(5)
        }
        e => ApiError::internal(e),
    }
}

/// The answer to a change sent to a read-only replica.
pub fn read_only_problem() -> ApiError {
    ApiError::new(
        Code::ReadOnlyReplica,
        "This server is a read-only replica of the platform: it serves what is published and changes nothing. Send changes to the platform's writer (the address your administrator gave stewards).",
    )
    .with_allow("GET, HEAD, OPTIONS")
}
