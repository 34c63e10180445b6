//! The one table of public error codes, and the trait every domain error implements.
//!
//! Every HTTP error datahamn returns is an RFC 9457 `application/problem+json` document with a
//! stable `code` from [`Code`]. Each code is declared once, in [`make_error_codes!`]'s table:
//! its name, its HTTP status and its title; adding a code is adding one row. Domain errors (the
//! service's [`crate::service::ServiceError`], SPARQL's, the read model's) carry what explains
//! them and name their code through [`ErrorCode`]; only `http::problem` turns them into problem
//! documents, statuses, headers (`Allow`, `Retry-After`) and links. Codes are a contract: they
//! are listed in the OpenAPI document and at `/problems/{code}`, and are never renamed.

/// The problem document and the error on its way to an HTTP client live in `http` (re-exported
/// here, where handlers have always found them).
pub use crate::http::problem::{ApiError, PROBLEM_JSON, Problem};

/// A domain error's public code: what it is, never how it is answered.
pub trait ErrorCode {
    /// The code from the table.
    fn error_code(&self) -> Code;
}

/// Declares the table of codes: one row per code, with its documentation, `Variant, "name",
/// HTTP status, "title";`.
macro_rules! make_error_codes {
    ($($(#[$doc:meta])* $variant:ident, $name:literal, $status:literal, $title:literal;)*) => {
        /// Stable public error codes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The snake_case name, as in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The HTTP status answered with this code.
            pub fn http_status(self) -> u16 {
                match self {
                    $(Code::$variant => $status,)*
                }
            }

            /// A short, fixed summary of the problem type.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }
        }
    };
}

make_error_codes! {
    /// No resource at this URL.
    NotFound, "not_found", 404, "Not found";
    /// No dataset with this id.
    DatasetNotFound, "dataset_not_found", 404, "Dataset not found";
    /// No item with this id.
    ItemNotFound, "item_not_found", 404, "Item not found";
    /// A query or path parameter is invalid.
    InvalidParameter, "invalid_parameter", 400, "Invalid parameter";
    /// The request body is malformed.
    InvalidBody, "invalid_body", 400, "Invalid request body";
    /// The method is not allowed on this resource; see `Allow`.
    MethodNotAllowed, "method_not_allowed", 405, "Method not allowed";
    /// None of the formats in `Accept` can be produced.
    NotAcceptable, "not_acceptable", 406, "Not acceptable";
    /// The request body's media type is not accepted here.
    UnsupportedMediaType, "unsupported_media_type", 415, "Unsupported media type";
    /// The request body is too large.
    PayloadTooLarge, "payload_too_large", 413, "Payload too large";
    /// The uploaded file is in a format datahamn does not read (told from its content: a PDF,
    /// an image, a Shapefile archive); `details` is the report, naming the formats that work.
    UnsupportedFileFormat, "unsupported_file_format", 415, "Unsupported file format";
    /// The SPARQL request has no query.
    SparqlMissingQuery, "sparql_missing_query", 400, "Missing SPARQL query";
    /// The SPARQL request has more than one query.
    SparqlMultipleQueries, "sparql_multiple_queries", 400, "More than one SPARQL query";
    /// The SPARQL query has a syntax error.
    SparqlSyntax, "sparql_syntax", 400, "SPARQL syntax error";
    /// SPARQL updates are refused: the endpoint is read-only.
    SparqlUpdateNotAllowed, "sparql_update_not_allowed", 400, "SPARQL updates are not allowed";
    /// The SPARQL query could not be evaluated.
    SparqlEvaluation, "sparql_evaluation", 400, "SPARQL evaluation error";
    /// The query took longer than the allowed time and was stopped.
    QueryTimeout, "query_timeout", 503, "Query timeout";
    /// The SPARQL query text is longer than the endpoint accepts.
    SparqlQueryTooLarge, "sparql_query_too_large", 400, "SPARQL query too large";
    /// The SPARQL query nests deeper than the endpoint accepts (brackets in its text, or
    /// operators, joins and unions in its algebra).
    SparqlQueryTooDeep, "sparql_query_too_deep", 400, "SPARQL query nested too deeply";
    /// The query needed more memory than the endpoint gives one query, and was stopped.
    QueryMemoryExceeded, "query_memory_exceeded", 400, "Query memory limit exceeded";
    /// The file has errors; see the report.
    ValidationFailed, "validation_failed", 422, "Validation failed";
    /// The server is starting or overloaded; retry later.
    ServiceUnavailable, "service_unavailable", 503, "Service unavailable";
    /// An unexpected error; it has been logged.
    Internal, "internal", 500, "Internal server error";
    /// The request needs a token (`Authorization: Bearer …`) and has none.
    Unauthorized, "unauthorized", 401, "Token required";
    /// The token is unknown, expired or revoked.
    InvalidToken, "invalid_token", 401, "Invalid token";
    /// The token is valid but may not do this (another organisation's dataset, or an
    /// administrator's task).
    Forbidden, "forbidden", 403, "Forbidden";
    /// A dataset with this id exists already.
    DatasetExists, "dataset_exists", 409, "Dataset exists";
    /// The dataset has no version with this number.
    VersionNotFound, "version_not_found", 404, "Version not found";
    /// Too many requests from this client; see `Retry-After` and the `RateLimit` headers.
    RateLimited, "rate_limited", 429, "Too many requests";
    /// No job with this id (jobs are kept for a day, and not across restarts).
    JobNotFound, "job_not_found", 404, "Job not found";
    /// The checked file a web form names is gone (published already, replaced by a newer
    /// check, older than an hour, or the server restarted): check the file again.
    DraftNotFound, "draft_not_found", 404, "Checked file not found";
    /// A web form was sent without its session's secret, or from another site: reload the
    /// page and send it again.
    FormExpired, "form_expired", 403, "Form expired";
    /// This server is a read-only replica: it serves what the writer published and changes
    /// nothing. Send changes to the writer.
    ReadOnlyReplica, "read_only_replica", 405, "Read-only replica";
}

impl Code {
    /// Looks a code up by name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

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
            let s = code.http_status();
            assert!((400..600).contains(&s), "{code:?}");
            assert_eq!(*code == Code::Internal, s == 500);
        }
    }
}
