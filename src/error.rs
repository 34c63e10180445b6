//! The one table of public error codes and the one error envelope.
//!
//! Every HTTP error datahamn returns is an RFC 9457 `application/problem+json` document with a
//! stable `code` from [`Code`]. Domain modules keep their own error types; the service layer
//! turns them into [`ApiError`] with a code from this table. Codes are a contract: they are
//! listed in the OpenAPI document and at `/problems/{code}`, and are never renamed.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value as Json;
use std::fmt;

/// Stable public error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// No resource at this URL.
    NotFound,
    /// No dataset with this id.
    DatasetNotFound,
    /// No item with this id.
    ItemNotFound,
    /// A query or path parameter is invalid.
    InvalidParameter,
    /// The request body is malformed.
    InvalidBody,
    /// The method is not allowed on this resource; see `Allow`.
    MethodNotAllowed,
    /// None of the formats in `Accept` can be produced.
    NotAcceptable,
    /// The request body's media type is not accepted here.
    UnsupportedMediaType,
    /// The request body is too large.
    PayloadTooLarge,
    /// The SPARQL request has no query.
    SparqlMissingQuery,
    /// The SPARQL request has more than one query.
    SparqlMultipleQueries,
    /// The SPARQL query has a syntax error.
    SparqlSyntax,
    /// SPARQL updates are refused: the endpoint is read-only.
    SparqlUpdateNotAllowed,
    /// The SPARQL query could not be evaluated.
    SparqlEvaluation,
    /// The query took longer than the allowed time and was stopped.
    QueryTimeout,
    /// The SPARQL query text is longer than the endpoint accepts.
    SparqlQueryTooLarge,
    /// The SPARQL query nests deeper than the endpoint accepts (brackets in its text, or
    /// operators, joins and unions in its algebra).
    SparqlQueryTooDeep,
    /// The query needed more memory than the endpoint gives one query, and was stopped.
    QueryMemoryExceeded,
    /// The file has errors; see the report.
    ValidationFailed,
    /// The server is starting or overloaded; retry later.
    ServiceUnavailable,
    /// An unexpected error; it has been logged.
    Internal,
    /// The request needs a token (`Authorization: Bearer …`) and has none.
    Unauthorized,
    /// The token is unknown, expired or revoked.
    InvalidToken,
    /// The token is valid but may not do this (another organisation's dataset, or an
    /// administrator's task).
    Forbidden,
    /// A dataset with this id exists already.
    DatasetExists,
    /// The dataset has no version with this number.
    VersionNotFound,
    /// Too many requests from this client; see `Retry-After` and the `RateLimit` headers.
    RateLimited,
    /// No job with this id (jobs are kept for a day, and not across restarts).
    JobNotFound,
    /// The checked file a web form names is gone (published already, replaced by a newer
    /// check, older than an hour, or the server restarted): check the file again.
    DraftNotFound,
    /// A web form was sent without its session's secret, or from another site: reload the
    /// page and send it again.
    FormExpired,
    /// This server is a read-only replica: it serves what the writer published and changes
    /// nothing. Send changes to the writer.
    ReadOnlyReplica,
}

impl Code {
    /// Every code, in table order.
    pub const ALL: &'static [Code] = &[
        Code::NotFound,
        Code::DatasetNotFound,
        Code::ItemNotFound,
        Code::InvalidParameter,
        Code::InvalidBody,
        Code::MethodNotAllowed,
        Code::NotAcceptable,
        Code::UnsupportedMediaType,
        Code::PayloadTooLarge,
        Code::SparqlMissingQuery,
        Code::SparqlMultipleQueries,
        Code::SparqlSyntax,
        Code::SparqlUpdateNotAllowed,
        Code::SparqlEvaluation,
        Code::QueryTimeout,
        Code::SparqlQueryTooLarge,
        Code::SparqlQueryTooDeep,
        Code::QueryMemoryExceeded,
        Code::ValidationFailed,
        Code::ServiceUnavailable,
        Code::Internal,
        Code::Unauthorized,
        Code::InvalidToken,
        Code::Forbidden,
        Code::DatasetExists,
        Code::VersionNotFound,
        Code::RateLimited,
        Code::JobNotFound,
        Code::DraftNotFound,
        Code::FormExpired,
        Code::ReadOnlyReplica,
    ];

    /// The HTTP status for this code.
    pub fn status(self) -> StatusCode {
        match self {
            Code::NotFound
            | Code::DatasetNotFound
            | Code::ItemNotFound
            | Code::VersionNotFound
            | Code::JobNotFound
            | Code::DraftNotFound => StatusCode::NOT_FOUND,
            Code::Unauthorized | Code::InvalidToken => StatusCode::UNAUTHORIZED,
            Code::Forbidden | Code::FormExpired => StatusCode::FORBIDDEN,
            Code::DatasetExists => StatusCode::CONFLICT,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::InvalidParameter
            | Code::InvalidBody
            | Code::SparqlMissingQuery
            | Code::SparqlMultipleQueries
            | Code::SparqlSyntax
            | Code::SparqlUpdateNotAllowed
            | Code::SparqlEvaluation
            | Code::SparqlQueryTooLarge
            | Code::SparqlQueryTooDeep
            | Code::QueryMemoryExceeded => StatusCode::BAD_REQUEST,
            Code::MethodNotAllowed | Code::ReadOnlyReplica => StatusCode::METHOD_NOT_ALLOWED,
            Code::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Code::QueryTimeout | Code::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotFound => "not_found",
            Code::DatasetNotFound => "dataset_not_found",
            Code::ItemNotFound => "item_not_found",
            Code::InvalidParameter => "invalid_parameter",
            Code::InvalidBody => "invalid_body",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::NotAcceptable => "not_acceptable",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::PayloadTooLarge => "payload_too_large",
            Code::SparqlMissingQuery => "sparql_missing_query",
            Code::SparqlMultipleQueries => "sparql_multiple_queries",
            Code::SparqlSyntax => "sparql_syntax",
            Code::SparqlUpdateNotAllowed => "sparql_update_not_allowed",
            Code::SparqlEvaluation => "sparql_evaluation",
            Code::QueryTimeout => "query_timeout",
            Code::SparqlQueryTooLarge => "sparql_query_too_large",
            Code::SparqlQueryTooDeep => "sparql_query_too_deep",
            Code::QueryMemoryExceeded => "query_memory_exceeded",
            Code::ValidationFailed => "validation_failed",
            Code::ServiceUnavailable => "service_unavailable",
            Code::Internal => "internal",
            Code::Unauthorized => "unauthorized",
            Code::InvalidToken => "invalid_token",
            Code::Forbidden => "forbidden",
            Code::DatasetExists => "dataset_exists",
            Code::VersionNotFound => "version_not_found",
            Code::RateLimited => "rate_limited",
            Code::JobNotFound => "job_not_found",
            Code::DraftNotFound => "draft_not_found",
            Code::FormExpired => "form_expired",
            Code::ReadOnlyReplica => "read_only_replica",
        }
    }

    /// A short, fixed summary of the problem type.
    pub fn title(self) -> &'static str {
        match self {
            Code::NotFound => "Not found",
            Code::DatasetNotFound => "Dataset not found",
            Code::ItemNotFound => "Item not found",
            Code::InvalidParameter => "Invalid parameter",
            Code::InvalidBody => "Invalid request body",
            Code::MethodNotAllowed => "Method not allowed",
            Code::NotAcceptable => "Not acceptable",
            Code::UnsupportedMediaType => "Unsupported media type",
            Code::PayloadTooLarge => "Payload too large",
            Code::SparqlMissingQuery => "Missing SPARQL query",
            Code::SparqlMultipleQueries => "More than one SPARQL query",
            Code::SparqlSyntax => "SPARQL syntax error",
            Code::SparqlUpdateNotAllowed => "SPARQL updates are not allowed",
            Code::SparqlEvaluation => "SPARQL evaluation error",
            Code::QueryTimeout => "Query timeout",
            Code::SparqlQueryTooLarge => "SPARQL query too large",
            Code::SparqlQueryTooDeep => "SPARQL query nested too deeply",
            Code::QueryMemoryExceeded => "Query memory limit exceeded",
            Code::ValidationFailed => "Validation failed",
            Code::ServiceUnavailable => "Service unavailable",
            Code::Internal => "Internal server error",
            Code::Unauthorized => "Token required",
            Code::InvalidToken => "Invalid token",
            Code::Forbidden => "Forbidden",
            Code::DatasetExists => "Dataset exists",
            Code::VersionNotFound => "Version not found",
            Code::RateLimited => "Too many requests",
            Code::JobNotFound => "Job not found",
            Code::DraftNotFound => "Checked file not found",
            Code::FormExpired => "Form expired",
            Code::ReadOnlyReplica => "Read-only replica",
        }
    }

    /// Looks a code up by name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(*code));
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                Json::String(code.as_str().to_owned())
            );
        }
    }

    #[test]
    fn every_code_is_a_client_or_server_error() {
        for code in Code::ALL {
            let s = code.status().as_u16();
            assert!((400..600).contains(&s), "{code:?}");
            assert_eq!(*code == Code::Internal, s == 500);
        }
    }
}
