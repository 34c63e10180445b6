//! The organisations that may publish: every municipality, regional bodies and agencies.

use crate::error::ApiError;
use crate::http::{State, json};
use crate::reference::{self, OrganisationKind};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

/// An organisation that may publish.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    /// The id tokens and datasets name it by: the municipality code for municipalities.
    #[schema(example = "1401")]
    pub id: String,
    /// `municipality`, `region` or `agency`.
    #[schema(example = "municipality")]
    pub kind: String,
    #[schema(example = "Härryda kommun")]
    pub name: String,
    /// Swedish organisation number, when known.
    #[schema(example = "212000-1264")]
    pub organisation_number: Option<String>,
    #[schema(example = "1401")]
    pub municipality_code: Option<String>,
    /// Its Linked Data URI.
    pub uri: String,
    /// Datasets it publishes now.
    pub dataset_count: usize,
}

/// Every organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationList {
    pub organisations: Vec<OrganisationView>,
}

/// Every organisation that may publish: Sweden's 290 municipalities (by SCB code, with their
/// organisation numbers where known), regional bodies and agencies.
#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    tag = "datasets",
    responses(
        (status = 200, description = "The organisations", body = OrganisationList),
        (status = 400, description = "Parameters were given", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 406, description = "JSON is not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_organisations(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    crate::http::params::none(req.query_string(), "This list takes no parameters.")?;
    let model = state.model();
    let organisations = reference::organisations()
        .iter()
        .map(|o| OrganisationView {
            id: o.id.clone(),
            kind: match o.kind {
                OrganisationKind::Municipality => "municipality",
                OrganisationKind::Region => "region",
                OrganisationKind::Agency => "agency",
            }
            .to_owned(),
            name: o.name.clone(),
            organisation_number: o.organisation_number.clone(),
            municipality_code: o.municipality_code.clone(),
            uri: state.iris().organisation(&o.id).into_string(),
            dataset_count: model
                .datasets()
                .filter(|d| d.record.meta.publisher == o.id)
                .count(),
        })
        .collect();
    json(&req, &OrganisationList { organisations })
}
