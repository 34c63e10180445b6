//! Stewards' routes: create a dataset, change its metadata, upload a file (or check it only),
//! roll back, delete; the version history, the change feed (JSON and LDES) and the audit log.
//! Every write needs `Authorization: Bearer <token>`; the service decides what the token may do.

use crate::error::{ApiError, Code};
use crate::http::views::{DatasetView, JobResult, JobView, VersionDetail, VersionList, VersionSummary};
use crate::http::{State, json, negotiate};
use crate::service::jobs::{JobError, JobState, SpawnError};
use crate::service::spool::{Received, SpoolError};
use crate::service::steward::{self, ChangePage, DatasetPatch, NewDataset, UploadOptions, UploadOutcome};
use crate::service::{AuditEntry, ServiceError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

/// The header of an asynchronous upload's 202 answer (RFC 7240), in lower case as headers are
/// stored.
pub const PREFERENCE_APPLIED: &str = "preference-applied";

/// The bearer token of a request, if it sent one.
fn bearer(req: &HttpRequest) -> Option<String> {
    crate::http::bearer(req.headers())
}

fn json_status<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    body: &T,
) -> Result<HttpResponse, ApiError> {
    let mut res = json(req, body)?;
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

fn dataset_view(state: &State, id: &str) -> Result<DatasetView, ApiError> {
    let model = state.model();
    let d = model.published(id)?;
    Ok(DatasetView::new(state.iris(), &d.record, d.items.len()))
}

/// Create a dataset.
///
/// Creates a dataset with its metadata and no data yet; upload its first file with
/// `PUT /api/v1/datasets/{id}/data`. The dataset belongs to the token's organisation (an
/// administrator's token names the `publisher`). Its id becomes part of every item's URI.
#[utoipa::path(
    post,
    path = "/api/v1/datasets",
    tag = "stewards",
    request_body = NewDataset,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` is the dataset", body = DatasetView),
        (status = 400, description = "Invalid metadata (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may not create datasets for this publisher", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A dataset with this id exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_dataset(
    req: HttpRequest,
    state: State,
    body: web::Json<NewDataset>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer(&req);
    let new = body.into_inner();
    let s = state.clone();
    let meta = web::block(move || s.steward(token.as_deref(), steward::CreateDataset(new)))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    let view = dataset_view(&state, &meta.id)?;
    let mut res = json_status(&req, StatusCode::CREATED, &view)?;
    if let Ok(v) = header::HeaderValue::from_str(&format!("/api/v1/datasets/{}", meta.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Change a dataset's metadata.
///
/// The fields given replace the current ones; `id`, `profile` and `publisher` cannot change.
#[utoipa::path(
    patch,
    path = "/api/v1/datasets/{id}",
    tag = "stewards",
    params(("id" = String, Path, description = "Dataset id")),
    request_body = DatasetPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dataset, changed", body = DatasetView),
        (status = 400, description = "Invalid metadata", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_dataset(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    body: web::Json<DatasetPatch>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer(&req);
    let id = id.into_inner();
    let (s, i) = (state.clone(), id.clone());
    let patch = body.into_inner();
    web::block(move || s.steward(token.as_deref(), steward::UpdateDataset { dataset: i, patch }))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    json_status(&req, StatusCode::OK, &dataset_view(&state, &id)?)
}

/// Set how a dataset's headers map to its profile's columns.
///
/// The mapping every upload of the dataset is checked with: header as written → a column of
/// the profile, or `-` to leave the column out (no warning, not kept). Headers match as the
/// profile's aliases do (case, spaces, punctuation and diacritics do not count). The mapping
/// wins over the profile's names and over proposals; the report of each upload says which
/// headers it mapped (`reason: confirmed`). The whole mapping is replaced; `{}` clears it.
/// The report's `columns` list the proposals to confirm: `proposed`, `confidence`, `why`
/// and `samples`.
#[utoipa::path(
    put,
    path = "/api/v1/datasets/{id}/mapping",
    tag = "stewards",
    params(("id" = String, Path, description = "Dataset id")),
    request_body = crate::ingest::ConfirmedMapping,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The mapping, as kept", body = crate::ingest::ConfirmedMapping),
        (status = 400, description = "A header maps to no column of the profile (the field is `column_mapping`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn set_mapping(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    body: web::Json<crate::ingest::ConfirmedMapping>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer(&req);
    let dataset = id.into_inner();
    let mapping = body.into_inner();
    let s = state.clone();
    let kept = web::block(move || s.steward(token.as_deref(), steward::SetMapping { dataset, mapping }))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    json_status(&req, StatusCode::OK, &kept)
}

/// How a dataset's headers map to its profile's columns.
///
/// The mapping every upload of the dataset is checked with (see `PUT`); for a token that may
/// upload to the dataset.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/mapping",
    tag = "stewards",
    params(("id" = String, Path, description = "Dataset id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The mapping (`{}` when none is kept)", body = crate::ingest::ConfirmedMapping),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_mapping(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = state.authenticate(bearer(&req).as_deref())?;
    let mapping = state.column_mapping(&principal, &id)?;
    json_status(&req, StatusCode::OK, &mapping)
}

/// What a deletion did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub dataset: String,
    /// Items that became tombstones in the change feed.
    pub tombstones: u64,
}

/// Delete a dataset.
///
/// The dataset leaves the API, the catalogs and SPARQL; each of its items becomes a tombstone
/// (`deleted`) in the change feed, and its versions stay in the archive. Its id stays with its
/// publisher, who may create it again.
#[utoipa::path(
    delete,
    path = "/api/v1/datasets/{id}",
    tag = "stewards",
    params(("id" = String, Path, description = "Dataset id")),
    security(("bearer" = [])),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Deleted", body = Deleted),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_dataset(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer(&req);
    let id = id.into_inner();
    let (s, i) = (state.clone(), id.clone());
    let tombstones = web::block(move || s.steward(token.as_deref(), steward::DeleteDataset { dataset: i }))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    json_status(
        &req,
        StatusCode::OK,
        &Deleted {
            dataset: id,
            tombstones,
        },
    )
}

/// Options of an upload.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Check the file and answer with the report; publish nothing.
    #[serde(default)]
    pub dry_run: Option<bool>,
    /// Publish the valid rows of a file with errors, listing the skipped rows in the report.
    #[serde(default)]
    pub valid_rows_only: Option<bool>,
    /// The sheet of an `.xlsx` or `.ods` workbook to read; without it, the first sheet with
    /// data (the report's `dialect.sheet` says which was read).
    #[serde(default)]
    pub sheet: Option<String>,
}

/// What an upload answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadAnswer {
    /// `checked` (a dry run) or `published`.
    #[schema(example = "published")]
    pub outcome: String,
    /// Whether the file would be (or was) published.
    pub publishable: bool,
    /// The new version (when published).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionSummary>,
    /// The validation report: where each problem is (row as in a spreadsheet, column, value)
    /// and how to fix it, in Swedish and English.
    #[schema(value_type = Object)]
    pub report: crate::ingest::Report,
}

/// Receives the file of an upload: the body itself (any of the media types of the formats
/// datahamn reads; the content tells the format), or the first file part of a
/// `multipart/form-data` form. Taken chunk by chunk into a spool (a temporary file once it is
/// large, never the whole file in memory) and refused with 413 as soon as it passes the limit.
async fn upload_body(req: &HttpRequest, state: &State, payload: web::Payload) -> Result<Received, ApiError> {
    receive(req, state, payload).await.map(|u| u.file)
}

/// A received upload: the file, its name as the client sent it, and a form's text fields that
/// came before the file part.
pub(super) struct Upload {
    pub file: Received,
    pub file_name: Option<String>,
    pub fields: Vec<(String, String)>,
}

/// The most text fields, and bytes per field, taken from a form before its file.
const FORM_FIELDS: usize = 32;
const FORM_FIELD_BYTES: usize = 4 * 1024;

/// Receives an upload as [`upload_body`] does, keeping the file's name and the form's text
/// fields before it (the web pages' forms send their CSRF secret first).
pub(super) async fn receive(
    req: &HttpRequest,
    state: &State,
    payload: web::Payload,
) -> Result<Upload, ApiError> {
    let limit = state.max_upload_bytes();
    let too_large = || {
        ApiError::new(
            Code::PayloadTooLarge,
            format!("The file is larger than {limit} bytes, the most this platform takes in one upload."),
        )
    };
    let spool_error = |e: SpoolError| match e {
        SpoolError::TooLarge(_) => too_large(),
        SpoolError::Io(e) => ApiError::internal(&e),
    };
    let broke_off =
        |e: &dyn std::fmt::Display| ApiError::new(Code::InvalidBody, format!("The upload broke off: {e}"));
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim().to_owned();
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > limit.saturating_add(64 * 1024)
    {
        return Err(too_large());
    }
    match essence.as_str() {
        "text/csv"
        | "text/plain"
        | "application/csv"
        | "text/comma-separated-values"
        | "text/tab-separated-values"
        | "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.oasis.opendocument.spreadsheet"
        | "application/geo+json"
        | "application/json"
        | "application/octet-stream" => {
            let mut payload = payload;
            let mut spool = state.spool();
            while let Some(chunk) = payload.next().await {
                spool
                    .write(&chunk.map_err(|e| broke_off(&e))?)
                    .map_err(spool_error)?;
            }
            Ok(Upload {
                file: spool.finish().map_err(spool_error)?,
                file_name: None,
                fields: Vec::new(),
            })
        }
        "multipart/form-data" => {
            let mut form = actix_multipart::Multipart::new(req.headers(), payload);
            let mut fields = Vec::new();
            while let Some(field) = form.next().await {
                let mut field = field.map_err(|e| {
                    ApiError::new(Code::InvalidBody, format!("The form is not valid multipart: {e}"))
                })?;
                let disposition = field.content_disposition();
                let is_file =
                    disposition.is_some_and(|d| d.get_filename().is_some() || d.get_name() == Some("file"));
                if !is_file {
                    let name = disposition.and_then(|d| d.get_name()).map(str::to_owned);
                    let mut value = Vec::new();
                    while let Some(chunk) = field.next().await {
                        let chunk = chunk.map_err(|e| broke_off(&e))?;
                        if value.len() + chunk.len() <= FORM_FIELD_BYTES {
                            value.extend_from_slice(&chunk);
                        }
                    }
                    if let Some(name) = name
                        && fields.len() < FORM_FIELDS
                    {
                        fields.push((name, String::from_utf8_lossy(&value).into_owned()));
                    }
                    continue;
                }
                let file_name = disposition.and_then(|d| d.get_filename()).map(str::to_owned);
                let mut spool = state.spool();
                while let Some(chunk) = field.next().await {
                    spool
                        .write(&chunk.map_err(|e| broke_off(&e))?)
                        .map_err(spool_error)?;
                }
                return Ok(Upload {
                    file: spool.finish().map_err(spool_error)?,
                    file_name,
                    fields,
                });
            }
            Err(ApiError::new(
                Code::InvalidBody,
                "The form has no file: send the file in a field named `file`.",
            ))
        }
        _ => Err(ApiError::new(
            Code::UnsupportedMediaType,
            format!(
                "Send the file as its body (`text/csv`, `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`, `application/vnd.oasis.opendocument.spreadsheet`, `application/geo+json` or `application/octet-stream`) or as `multipart/form-data` (a field named `file`), not `{}`.",
                if essence.is_empty() {
                    "no media type"
                } else {
                    essence.as_str()
                }
            ),
        )),
    }
}

/// Whether the client asked not to wait for the outcome (`Prefer: respond-async`, RFC 7240).
fn prefers_async(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("prefer")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| {
            p.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("respond-async")
        })
}

/// Checks (and, unless a dry run, publishes) a received file as the token's holder, recording
/// the outcome in the audit log.
fn run_upload(
    state: &State,
    token: Option<&str>,
    id: &str,
    file: &Received,
    options: &UploadOptions,
) -> Result<UploadOutcome, ServiceError> {
    state.steward(
        token,
        steward::Upload {
            dataset: id,
            file: file.source(),
            options,
        },
    )
}

/// What an upload answers: the status, the body and, for a new version, its URL.
fn upload_answer(
    state: &State,
    id: &str,
    outcome: &UploadOutcome,
) -> (StatusCode, UploadAnswer, Option<String>) {
    match outcome {
        UploadOutcome::Checked(report) => (
            StatusCode::OK,
            UploadAnswer {
                outcome: "checked".into(),
                publishable: report.valid,
                version: None,
                report: (**report).clone(),
            },
            None,
        ),
        UploadOutcome::Published(published) => (
            StatusCode::CREATED,
            UploadAnswer {
                outcome: "published".into(),
                publishable: true,
                version: Some(VersionSummary::new(state.iris(), id, &published.version)),
                report: published.version.report.clone(),
            },
            Some(format!(
                "/api/v1/datasets/{id}/versions/{}",
                published.version.number
            )),
        ),
    }
}

/// Upload a file: publish it as the dataset's next version, or check it only.
///
/// The body is the file, or a `multipart/form-data` form with the file in a field named `file`
/// (`POST` takes the same). The file is CSV or TSV (`text/csv`, any common encoding and
/// separator), an Excel workbook (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`,
/// `.xlsx`), an OpenDocument spreadsheet (`application/vnd.oasis.opendocument.spreadsheet`,
/// `.ods`) or a GeoJSON FeatureCollection of points (`application/geo+json`); its format is
/// told from its content, not from the media type or the file's name. A workbook's sheet is
/// `sheet`, or the first with data (`dialect` in the report says what was read), and each
/// problem's message starts with its place as the steward's tool names it (`Cell Blad1!C7:`,
/// `Feature 5, property NAMN:`). A file in another format (a PDF, an
/// image, a Shapefile archive, an old `.xls`) is refused with 415 `unsupported_file_format`,
/// the report in `details` naming the formats that work.
/// The file is received as a stream (large files go to a temporary file, never whole into
/// memory) and checked against the dataset's profile; with `dry_run=true` the answer is the
/// report and nothing changes. A file with errors is refused (422) with the report, and what
/// was published before stays as it was. Each publish is a new version; the one it replaces
/// stays retrievable.
///
/// With `Prefer: respond-async` the answer is `202 Accepted` as soon as the file is received,
/// with the job's URL in `Location`: `GET` it (with the same organisation's token) until its
/// `status` is `succeeded` or `failed`; its `result` is then the status and body this request
/// would have answered. A request that would be refused at once (no token, another
/// organisation's dataset) is answered at once. Jobs run on a bounded pool
/// (`--upload-workers`) with a bounded queue (`--upload-queue`): while the job waits, its
/// `queue_position` says where it is; when the queue is full, the upload is refused at once
/// with 503 and `Retry-After`, before its file is received.
#[utoipa::path(
    put,
    path = "/api/v1/datasets/{id}/data",
    tag = "stewards",
    params(
        ("id" = String, Path, description = "Dataset id"),
        UploadParams,
        ("Prefer" = Option<String>, Header, description = "`respond-async`: answer 202 with a job to poll instead of waiting for the outcome", example = "respond-async"),
    ),
    request_body(description = "The file as its body: CSV or TSV (any common encoding and delimiter), an Excel workbook, an OpenDocument spreadsheet or a GeoJSON FeatureCollection. The format is told from the content; the media type only has to be one of these.",
        content(
            (String = "text/csv"),
            (String = "text/tab-separated-values"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "application/vnd.oasis.opendocument.spreadsheet"),
            (String = "application/geo+json"),
            (String = "application/json"),
            (String = "application/octet-stream"),
            (String = "multipart/form-data"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Checked only (`dry_run=true`): the report", body = UploadAnswer),
        (status = 201, description = "Published as a new version", body = UploadAnswer),
        (status = 202, description = "Received (`Prefer: respond-async`): the job to poll is in `Location`", body = JobView,
            headers(("Location" = String, description = "The job's URL"))),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "A media type not listed, or a file in a format datahamn does not read (a PDF, an image, a Shapefile archive): `unsupported_file_format`, with the report in `details`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file has errors and was not published; `details` is the report", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "`Prefer: respond-async` and the job queue is full: retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn upload_data(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    params: web::Query<UploadParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = bearer(&req);
    // Refuse (and record) a request without a valid token before reading a large body.
    if state.authenticate(token.as_deref()).is_err() {
        let (s, i, t) = (state.clone(), id.clone(), token.clone());
        let dry_run = params.dry_run.unwrap_or(false);
        web::block(move || s.steward(t.as_deref(), steward::UploadRefused { dataset: &i, dry_run }))
            .await
            .map_err(|e| ApiError::internal(&e))??;
    }
    // A job the queue cannot take is refused before its file is received.
    let asynchronous = prefers_async(&req);
    if asynchronous && state.jobs().is_full() {
        return Err(queue_full(&state));
    }
    let file = upload_body(&req, &state, payload).await?;
    let options = UploadOptions {
        dry_run: params.dry_run.unwrap_or(false),
        valid_rows_only: params.valid_rows_only.unwrap_or(false),
        crs: None,
        sheet: params.sheet.clone(),
    };
    let id = id.into_inner();
    if asynchronous {
        let allowed = state
            .authenticate(token.as_deref())
            .and_then(|p| Ok((state.may_upload(&p, &id)?, p)));
        // Otherwise answered below, at once, as a synchronous upload is (and recorded).
        if let Ok((publisher, principal)) = allowed {
            let action = if options.dry_run { "dry_run" } else { "publish" };
            let (s, i) = (state.clone(), id.clone());
            let job = state
                .jobs()
                .spawn(&principal, &publisher, action, &id, move || {
                    run_upload(&s, token.as_deref(), &i, &file, &options)
                })
                .map_err(|e| match e {
                    SpawnError::QueueFull { .. } => queue_full(&state),
                    SpawnError::Io(e) => ApiError::internal(&e),
                })?;
            let job = job_view(&state, job);
            let mut res = json_status(&req, StatusCode::ACCEPTED, &job)?;
            for (name, value) in [
                (header::LOCATION.as_str(), format!("/api/v1/jobs/{}", job.id)),
                (PREFERENCE_APPLIED, "respond-async".to_owned()),
                (header::RETRY_AFTER.as_str(), "1".to_owned()),
            ] {
                if let Ok(v) = header::HeaderValue::from_str(&value) {
                    res.headers_mut().insert(header::HeaderName::from_static(name), v);
                }
            }
            return Ok(res);
        }
    }
    let (s, i) = (state.clone(), id.clone());
    let outcome = web::block(move || run_upload(&s, token.as_deref(), &i, &file, &options))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    let (status, answer, location) = upload_answer(&state, &id, &outcome);
    let mut res = json_status(&req, status, &answer)?;
    if let Some(v) = location.and_then(|l| header::HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// A job as its owner reads it: once finished, the status and body its upload would have
/// answered.
fn job_view(state: &State, job: JobState<UploadOutcome>) -> JobView {
    let result = job.outcome.as_deref().map(|outcome| {
        let (status, body) = match outcome {
            Ok(outcome) => {
                let (status, answer, _) = upload_answer(state, &job.dataset, outcome);
                (status.as_u16(), serde_json::to_value(answer))
            }
            Err(e) => {
                let problem = ApiError::from(e).problem();
                (problem.status, serde_json::to_value(problem))
            }
        };
        JobResult {
            status,
            body: body.unwrap_or_default(),
        }
    });
    JobView {
        id: job.id,
        status: job.status,
        queue_position: job.queue_position,
        action: job.action,
        dataset: job.dataset,
        started_by: job.started_by,
        created: job.created,
        started: job.started,
        finished: job.finished,
        result,
    }
}

/// The refusal of an asynchronous upload when every job worker is busy and the queue is full.
fn queue_full(state: &State) -> ApiError {
    let limits = state.jobs().limits();
    ApiError::new(
        Code::ServiceUnavailable,
        format!(
            "{} uploads are running and {} more are waiting, the most this platform queues (--upload-workers, --upload-queue); retry in a little while, or send the upload without `Prefer: respond-async`.",
            limits.workers, limits.queue
        ),
    )
    .with_retry_after(QUEUE_RETRY_SECS)
}

/// The `Retry-After` of a refusal by a full job queue.
const QUEUE_RETRY_SECS: u64 = 10;

/// A background job (an upload sent with `Prefer: respond-async`).
///
/// Readable with a token of the organisation whose dataset the job changes (or an
/// administrator's). While it runs, `status` is `queued` or `running` (poll again after
/// `Retry-After` seconds); once finished, `succeeded` or `failed` with `result`: the status and
/// body the upload would have answered. Jobs are kept for a day, and not across restarts.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}",
    tag = "stewards",
    params(("id" = String, Path, description = "Job id, from the upload's `Location`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's job", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_job(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = state.authenticate(bearer(&req).as_deref())?;
    let job = state.jobs().get(&principal, &id).map_err(|e| match e {
        JobError::NotFound => ApiError::new(
            Code::JobNotFound,
            format!("There is no job `{id}` (jobs are kept for a day, and not across restarts)."),
        ),
        JobError::Forbidden => ApiError::new(
            Code::Forbidden,
            "This job changes another organisation's dataset.",
        ),
    })?;
    let job = job_view(&state, job);
    let mut res = json_status(&req, StatusCode::OK, &job)?;
    if job.result.is_none() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    Ok(res)
}

/// Upload a file (the same as `PUT`, for HTML forms and clients that only POST).
#[utoipa::path(
    post,
    path = "/api/v1/datasets/{id}/data",
    tag = "stewards",
    params(("id" = String, Path, description = "Dataset id"), UploadParams),
    request_body(description = "A form with the file in a field named `file` (or the file itself, as for `PUT`): CSV or TSV, an Excel workbook (.xlsx), an OpenDocument spreadsheet (.ods) or a GeoJSON FeatureCollection, told by its content.",
        content(
            (String = "multipart/form-data"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "application/vnd.oasis.opendocument.spreadsheet"),
            (String = "application/geo+json"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Checked only (`dry_run=true`): the report", body = UploadAnswer),
        (status = 201, description = "Published as a new version", body = UploadAnswer),
        (status = 202, description = "Received (`Prefer: respond-async`): the job to poll is in `Location`", body = JobView,
            headers(("Location" = String, description = "The job's URL"))),
        (status = 400, description = "Invalid parameters or form", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "A media type not listed, or a file in a format datahamn does not read (a PDF, an image, a Shapefile archive): `unsupported_file_format`, with the report in `details`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file has errors and was not published; `details` is the report", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "`Prefer: respond-async` and the job queue is full: retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn upload_data_post(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    params: web::Query<UploadParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    upload_data(req, state, id, params, payload).await
}

/// A dataset's versions.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/versions",
    tag = "datasets",
    params(("id" = String, Path, description = "Dataset id")),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Every version, oldest first", body = VersionList),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_versions(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    crate::http::params::none(req.query_string(), "This list takes no parameters.")?;
    let versions = state.versions(&id)?;
    json(
        &req,
        &VersionList {
            dataset: id.to_string(),
            versions: versions
                .iter()
                .map(|v| VersionSummary::new(state.iris(), &id, v))
                .collect(),
        },
    )
}

/// One version, with its validation report.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/versions/{number}",
    tag = "datasets",
    params(("id" = String, Path, description = "Dataset id"), ("number" = u64, Path, description = "Version number")),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "The version", body = VersionDetail),
        (status = 404, description = "No such dataset or version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_version(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, u64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let versions = state.versions(&id)?;
    let v = versions
        .iter()
        .find(|v| v.number == number)
        .ok_or(ServiceError::VersionNotFound(id.clone(), number))?;
    json(
        &req,
        &VersionDetail {
            version: VersionSummary::new(state.iris(), &id, v),
            report: v.report.clone(),
        },
    )
}

const RDF_OFFERS: [&str; 4] = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
];

/// One version's data, current or earlier, as RDF.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/versions/{number}/data",
    tag = "datasets",
    params(("id" = String, Path, description = "Dataset id"), ("number" = u64, Path, description = "Version number")),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Every triple of the version", content(
            (String = "text/turtle"), (String = "application/n-triples"),
            (String = "application/ld+json"), (String = "application/rdf+xml"))),
        (status = 404, description = "No such dataset or version", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable RDF syntax", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_version_data(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, u64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let media_type = negotiate::acceptable(&req, &RDF_OFFERS, "The data", "")?;
    let s = state.clone();
    let body = web::block(move || s.version_data(&id, number, media_type))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    Ok(crate::http::rdf_response(media_type, body))
}

/// Which version to roll back to.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The version whose data is published again.
    #[schema(example = 2, value_type = u64, minimum = 1)]
    pub version: serde_json::Number,
}

impl RollbackRequest {
    /// The version number: a whole number (`2` or `2.0`), 1 or more.
    fn number(&self) -> Result<u64, ApiError> {
        let n = &self.version;
        n.as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            })
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                ApiError::new(
                    Code::InvalidBody,
                    format!("`version` must be a version number (1, 2, …), not {n}."),
                )
            })
    }
}

/// Roll back to an earlier version.
///
/// Publishes the data of an earlier version again, as a new version (history is never
/// rewritten). Items keep their URIs.
#[utoipa::path(
    post,
    path = "/api/v1/datasets/{id}/rollback",
    tag = "stewards",
    params(("id" = String, Path, description = "Dataset id")),
    request_body = RollbackRequest,
    security(("bearer" = [])),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 201, description = "The new version", body = VersionSummary),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset or version", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rollback(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    body: web::Json<RollbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer(&req);
    let id = id.into_inner();
    let to = body.number()?;
    let (s, i) = (state.clone(), id.clone());
    let published = web::block(move || s.steward(token.as_deref(), steward::Rollback { dataset: i, to }))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    json_status(
        &req,
        StatusCode::CREATED,
        &VersionSummary::new(state.iris(), &id, &published.version),
    )
}

/// Parameters of the change feed.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Where to resume: the `cursor` of the previous page, or a time (RFC 3339) to start from.
    /// Absent: from the beginning.
    #[param(
        pattern = r"^([0-9]{1,19}|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?)$"
    )]
    pub since: Option<String>,
    /// Only this dataset's changes.
    pub dataset: Option<String>,
    /// Changes per page (1-10000, default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
}

fn feed_page(
    state: &State,
    since: Option<&str>,
    dataset: Option<&str>,
    limit: Option<usize>,
) -> Result<ChangePage, ApiError> {
    let limit = match limit {
        None => 1000,
        Some(n @ 1..=10_000) => n,
        Some(_) => return Err(ApiError::parameter("limit", "Give a limit from 1 to 10000.")),
    };
    Ok(state.changes(since, dataset, limit)?)
}

/// The change feed: every item created, updated or deleted, in one stable order.
///
/// Start without `since`, apply the changes in order (a `deleted` change is a tombstone:
/// remove the item), and pass each page's `cursor` as `since` to get what came after. An app
/// that does so holds exactly the published items. Also as a Linked Data Event Stream at
/// `/changes`.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "changes",
    params(ChangeParams),
    responses(
        (status = 200, description = "One page of changes", body = ChangePage),
        (status = 400, description = "A bad cursor, time or limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset (`dataset`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_changes(
    req: HttpRequest,
    state: State,
    params: web::Query<ChangeParams>,
) -> Result<HttpResponse, ApiError> {
    let page = feed_page(
        &state,
        params.since.as_deref(),
        params.dataset.as_deref(),
        params.limit,
    )?;
    json_status(&req, StatusCode::OK, &page)
}

/// Parameters of one dataset's change feed.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DatasetChangeParams {
    /// The `cursor` of the previous page, or a time (RFC 3339).
    #[param(
        pattern = r"^([0-9]{1,19}|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?)$"
    )]
    pub since: Option<String>,
    /// Changes per page (1-10000, default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
}

/// One dataset's change feed (see `/api/v1/changes`).
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/changes",
    tag = "changes",
    params(("id" = String, Path, description = "Dataset id"), DatasetChangeParams),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "One page of the dataset's changes", body = ChangePage),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_dataset_changes(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
    params: web::Query<DatasetChangeParams>,
) -> Result<HttpResponse, ApiError> {
    let page = feed_page(&state, params.since.as_deref(), Some(&id), params.limit)?;
    json_status(&req, StatusCode::OK, &page)
}

/// Parameters of an LDES page.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LdesParams {
    /// The page of changes after this sequence number (the first page without it).
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// Members per LDES page.
const LDES_PAGE: usize = 500;

/// The change feed as a Linked Data Event Stream.
///
/// An `ldes:EventStream` whose members are ActivityStreams activities (`as:Create`,
/// `as:Update`, `as:Delete`) on items, with `as:published` as timestamp and `as:object` as the
/// item; pages are TREE nodes linked by `tree:GreaterThanRelation` on `dh:sequence`.
#[utoipa::path(
    get,
    path = "/changes",
    tag = "changes",
    params(LdesParams),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "One page of the event stream", content(
            (String = "text/turtle"), (String = "application/ld+json"),
            (String = "application/n-triples"), (String = "application/rdf+xml"))),
        (status = 406, description = "No acceptable RDF syntax", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_event_stream(
    req: HttpRequest,
    state: State,
    params: web::Query<LdesParams>,
) -> Result<HttpResponse, ApiError> {
    let media_type = negotiate::acceptable(&req, &RDF_OFFERS, "The stream", "")?;
    let base = state.iris().event_stream().into_string();
    let page_url = move |after: u64| {
        if after == 0 {
            base.clone()
        } else {
            format!("{base}?after={after}")
        }
    };
    let after = u64::try_from(params.after.unwrap_or(0))
        .map_err(|_| ApiError::parameter("after", "Give a sequence number, 0 or more."))?;
    let body = state.ldes_page(after, LDES_PAGE, &page_url, media_type)?;
    let mut res = crate::http::rdf_response(media_type, body);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    Ok(res)
}

/// Parameters of the audit log.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries to skip (newest first).
    #[param(minimum = 0)]
    pub offset: Option<usize>,
    /// Entries per page (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// A page of the audit log.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries in the whole log.
    pub total: usize,
}

/// The audit log: every write, refused or not (platform administrators only).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "stewards",
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 400, description = "Invalid parameters or body", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Entries, newest first", body = AuditPage),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator's token", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_audit(
    req: HttpRequest,
    state: State,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = match params.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(_) => return Err(ApiError::parameter("limit", "Give a limit from 1 to 1000.")),
    };
    let principal = state.authenticate(bearer(&req).as_deref())?;
    let (entries, total) = state.audit_log(&principal, params.offset.unwrap_or(0), limit)?;
    json_status(&req, StatusCode::OK, &AuditPage { entries, total })
}
