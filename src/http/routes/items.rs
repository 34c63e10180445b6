//! Items: the typed collections across municipalities, and single items.

use crate::error::{ApiError, Code};
use crate::http::views::ItemPage;
use crate::http::{State, json};
use crate::mapping::ItemView;
use crate::reference;
use crate::service::CollectionQuery;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// Default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size; larger requests are clamped to it.
pub const MAX_LIMIT: usize = 1000;

/// Paging parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1-1000 (default 100; larger values are clamped to 1000).
    #[param(minimum = 1, example = 100)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Filters of a typed collection, plus paging.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollectionParams {
    /// One or more four-digit municipality codes, comma separated (`1401,1480`).
    #[param(example = "1401", pattern = r"^\d{3,4}(,\d{3,4})*$")]
    pub municipality: Option<String>,
    /// Page size, 1-1000 (default 100; larger values are clamped to 1000).
    #[param(minimum = 1, example = 100)]
    pub limit: Option<String>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Parses `limit`: a whole number of at least 1, clamped to [`MAX_LIMIT`].
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.trim().parse::<u64>() {
            Ok(0) | Err(_) => Err(ApiError::parameter(
                "limit",
                format!("`limit` must be a whole number from 1 to {MAX_LIMIT}, not `{s}`."),
            )),
            Ok(n) => Ok((n as usize).min(MAX_LIMIT)),
        },
    }
}

fn parse_municipalities(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(|code| {
            reference::municipality(code)
                .map(|m| m.code.clone())
                .ok_or_else(|| {
                    ApiError::parameter(
                        "municipality",
                        format!("`{code}` is not a Swedish municipality code. Use four digits, e.g. 1401 for Härryda."),
                    )
                })
        })
        .collect()
}

fn raw_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

fn collection(
    req: &HttpRequest,
    state: &State,
    kind: &str,
    params: &CollectionParams,
) -> Result<HttpResponse, ApiError> {
    let limit = parse_limit(params.limit.as_deref())?;
    let query = CollectionQuery {
        municipalities: parse_municipalities(params.municipality.as_deref())?,
    };
    let page = state
        .model()
        .collection(kind, &query, params.cursor.as_deref(), limit);
    json(req, &ItemPage::new(page, limit, req.path(), &raw_pairs(req)))
}

/// Bath sites from every municipality.
///
/// Every published bath site (beaches and bathing waters), in a stable order, filtered by
/// municipality and paged with cursors.
#[utoipa::path(
    get,
    path = "/api/v1/bathing-sites",
    tag = "collections",
    params(CollectionParams),
    responses(
        (status = 200, description = "A page of bath sites", body = ItemPage),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_bathing_sites(
    req: HttpRequest,
    state: State,
    params: web::Query<CollectionParams>,
) -> Result<HttpResponse, ApiError> {
    collection(&req, &state, "bathing-site", &params)
}

/// Bath houses and pools from every municipality.
#[utoipa::path(
    get,
    path = "/api/v1/swimming-pools",
    tag = "collections",
    params(CollectionParams),
    responses(
        (status = 200, description = "A page of pools", body = ItemPage),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_swimming_pools(
    req: HttpRequest,
    state: State,
    params: web::Query<CollectionParams>,
) -> Result<HttpResponse, ApiError> {
    collection(&req, &state, "swimming-pool", &params)
}

/// Municipal services from every municipality.
#[utoipa::path(
    get,
    path = "/api/v1/public-services",
    tag = "collections",
    params(CollectionParams),
    responses(
        (status = 200, description = "A page of services", body = ItemPage),
        (status = 400, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_public_services(
    req: HttpRequest,
    state: State,
    params: web::Query<CollectionParams>,
) -> Result<HttpResponse, ApiError> {
    collection(&req, &state, "public-service", &params)
}

/// One item.
///
/// Item ids are `{dataset}:{local id}` and never change for the same row.
#[utoipa::path(
    get,
    path = "/api/v1/items/{id}",
    tag = "items",
    params(("id" = String, Path, description = "Item id", example = "harryda-badplatser:Frokens-udde")),
    responses(
        (status = 200, description = "The item", body = ItemView),
        (status = 404, description = "No such item", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_item(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let model = state.model();
    let item = model.item(&id).ok_or_else(|| {
        ApiError::new(
            Code::ItemNotFound,
            format!("There is no item `{id}`. Item ids look like `harryda-badplatser:frokens-udde`."),
        )
    })?;
    json(&req, item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped_or_refused() {
        assert_eq!(parse_limit(None).unwrap(), 100);
        assert_eq!(parse_limit(Some("5000")).unwrap(), 1000);
        assert_eq!(parse_limit(Some("7")).unwrap(), 7);
        for bad in ["0", "-1", "x", ""] {
            let e = parse_limit(Some(bad)).unwrap_err();
            assert_eq!(e.parameter_name(), Some("limit"));
        }
    }

    #[test]
    fn municipalities_are_checked() {
        assert_eq!(parse_municipalities(Some("1401,114")).unwrap(), ["1401", "0114"]);
        assert_eq!(
            parse_municipalities(Some("9999")).unwrap_err().parameter_name(),
            Some("municipality")
        );
    }
}
