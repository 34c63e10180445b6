//! Datasets: the list, and one dataset with its report (its items are in [`super::items`]).

use crate::error::ApiError;
use crate::http::views::{DatasetDetail, DatasetList, DatasetView};
use crate::http::{State, json};
use actix_web::{HttpRequest, HttpResponse, web};

/// Every published dataset.
#[utoipa::path(
    get,
    path = "/api/v1/datasets",
    tag = "datasets",
    responses(
        (status = 200, description = "The datasets", body = DatasetList),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_datasets(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    let model = state.model();
    let datasets = model
        .datasets()
        .map(|d| DatasetView::new(state.iris(), &d.record, d.items.len()))
        .collect();
    json(&req, &DatasetList { datasets })
}

/// One dataset, with the validation report of its current version.
///
/// The report lists what was detected in the file, how its columns were mapped, and every row
/// that was not published, with the reason.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}",
    tag = "datasets",
    params(("id" = String, Path, description = "Dataset id", example = "harryda-badplatser")),
    responses(
        (status = 200, description = "The dataset", body = DatasetDetail),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_dataset(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let model = state.model();
    let d = model.published(&id)?;
    json(
        &req,
        &DatasetDetail {
            dataset: DatasetView::new(state.iris(), &d.record, d.items.len()),
            report: d.record.current().map(|v| v.report.clone()),
        },
    )
}
