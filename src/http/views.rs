//! JSON representations of domain objects, as the REST API serves them.

use crate::catalog::{DatasetRecord, Keywords, VersionRecord};
use crate::mapping::ItemView;
use crate::profile::Localized;
use crate::reference;
use crate::vocab::Iris;
use serde::Serialize;

/// A publishing organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublisherView {
    /// Municipality code or agency id.
    #[schema(example = "1401")]
    pub id: String,
    #[schema(example = "Härryda kommun")]
    pub name: String,
    /// Swedish organisation number, when known.
    #[schema(example = "212000-1264")]
    pub organisation_number: Option<String>,
    pub uri: String,
}

/// A version of a dataset, without its report.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionSummary {
    pub number: u64,
    /// RFC 3339, UTC.
    pub issued: String,
    pub row_count: u64,
    pub item_count: u64,
    pub skipped_row_count: u64,
    /// SHA-256 of the source file.
    pub checksum: String,
    /// The version's URI; also the name of the graph that holds its data in SPARQL (while it
    /// is the current one).
    pub uri: String,
    /// Who published it: the token's name, or how (`command line`).
    pub published_by: String,
    /// For a rollback: the version whose data it publishes again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u64>,
    /// Its data, in RDF.
    pub data: String,
}

impl VersionSummary {
    pub fn new(iris: &Iris, dataset: &str, v: &VersionRecord) -> Self {
        Self {
            number: v.number,
            issued: v.issued.clone(),
            row_count: v.row_count,
            item_count: v.item_count,
            skipped_row_count: v.skipped_row_count,
            checksum: v.checksum.clone(),
            uri: iris.version(dataset, v.number).into_string(),
            published_by: v.published_by.clone(),
            rollback_of: v.rollback_of,
            data: format!("/api/v1/datasets/{dataset}/versions/{}/data", v.number),
        }
    }
}

/// Links from a dataset.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DatasetLinks {
    /// This dataset in the REST API.
    #[serde(rename = "self")]
    pub self_: String,
    /// Its items.
    pub items: String,
    /// The typed collection its items belong to.
    pub collection: String,
}

/// A dataset and its current version.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DatasetView {
    #[schema(example = "harryda-badplatser")]
    pub id: String,
    /// The dataset's stable URI.
    pub uri: String,
    pub title: Localized,
    pub description: Localized,
    /// The profile its CSV follows.
    pub profile: String,
    pub publisher: PublisherView,
    /// Licence URL.
    pub license: String,
    /// The national specification it conforms to.
    pub conforms_to: Option<String>,
    pub keywords: Keywords,
    pub themes: Vec<String>,
    pub contact_email: String,
    pub landing_page: Option<String>,
    /// True for made-up example data.
    pub example_data: bool,
    pub provenance: Option<String>,
    /// Items in the current version.
    pub item_count: usize,
    pub current_version: Option<VersionSummary>,
    pub links: DatasetLinks,
}

/// A dataset with the validation report of its current version.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DatasetDetail {
    #[serde(flatten)]
    pub dataset: DatasetView,
    /// The report of the current version: what was detected and mapped, and every row that was
    /// not published, with why.
    #[schema(value_type = Option<Object>)]
    pub report: Option<crate::ingest::Report>,
}

/// Where the collection of a profile lives.
pub fn collection_path(profile: &str) -> String {
    format!("/api/v1/{profile}")
}

impl DatasetView {
    pub fn new(iris: &Iris, record: &DatasetRecord, item_count: usize) -> Self {
        let m = &record.meta;
        let org = reference::organisation(&m.publisher);
        Self {
            id: m.id.clone(),
            uri: iris.dataset(&m.id).into_string(),
            title: m.title.clone(),
            description: m.description.clone(),
            profile: m.profile.clone(),
            publisher: PublisherView {
                id: m.publisher.clone(),
                name: org.map(|o| o.name.clone()).unwrap_or_default(),
                organisation_number: org.and_then(|o| o.organisation_number.clone()),
                uri: iris.organisation(&m.publisher).into_string(),
            },
            license: m.license.clone(),
            conforms_to: m.conforms_to.clone(),
            keywords: m.keywords.clone(),
            themes: m.themes.clone(),
            contact_email: m.contact_email.clone(),
            landing_page: m.landing_page.clone(),
            example_data: m.example,
            provenance: m.provenance.clone(),
            item_count,
            current_version: record.current().map(|v| VersionSummary::new(iris, &m.id, v)),
            links: DatasetLinks {
                self_: format!("/api/v1/datasets/{}", m.id),
                items: format!("/api/v1/datasets/{}/items", m.id),
                collection: collection_path(&m.profile),
            },
        }
    }
}

/// A dataset's versions, oldest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionList {
    pub dataset: String,
    pub versions: Vec<VersionSummary>,
}

/// A version with its validation report.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionSummary,
    #[schema(value_type = Object)]
    pub report: crate::ingest::Report,
}

/// The list of datasets.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DatasetList {
    pub datasets: Vec<DatasetView>,
}

/// An item in a list: the item, and its distance for `near` queries.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListedItem {
    /// Metres from the `near` point (only with `near`).
    #[schema(example = 1234.5)]
    pub distance_m: Option<f64>,
    #[serde(flatten)]
    pub item: ItemView,
}

/// One page of items.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemPage {
    pub items: Vec<ListedItem>,
    /// The page size used (the requested `limit`, clamped to 1-1000).
    pub limit: usize,
    /// The cursor for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The URL of the next page (also in the `Link` header); absent on the last page.
    pub next: Option<String>,
    /// The number of matching items; only with `count=true`.
    pub total: Option<usize>,
    /// How the request was read, when that differs from what was asked (a clamped `limit`).
    pub notices: Option<Vec<String>>,
}

/// Health of the service.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    /// Published datasets.
    pub datasets: usize,
    /// Published items.
    pub items: usize,
    /// The store revision served (16 hex digits): the same on the writer and on every replica
    /// that has caught up with it, and part of every public read's entity tag.
    #[schema(example = "4a6b1c78005507d0")]
    pub revision: String,
    /// `writer`, or `replica` (read-only, serving the writer's checkpoints).
    #[schema(example = "writer")]
    pub role: String,
    /// On a replica: the checkpoint served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// The landing page of the API.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Landing {
    pub title: String,
    pub description: String,
    /// Named links: `datasets`, one per profile (named by its id in snake case),
    /// `ogc_api_features`, `sparql`, `catalog`, `vocabulary`, `openapi`, `docs`, `health`.
    #[schema(value_type = Object)]
    pub links: serde_json::Map<String, serde_json::Value>,
}

/// Documentation of an error code.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemType {
    pub code: crate::error::Code,
    pub title: String,
    pub status: u16,
}

/// What a finished job answered: the status and body its request would have had.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JobResult {
    /// The HTTP status the request would have answered (201 published, 422 refused, ...).
    pub status: u16,
    /// The body it would have answered: the upload answer, or a problem document.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// A job as its owner sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: String,
    pub status: crate::service::jobs::JobStatus,
    /// While `queued`: its place in the queue (1: it runs next, once a worker is free).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 1)]
    pub queue_position: Option<usize>,
    /// What the job does (`publish`, `dry_run`).
    pub action: String,
    pub dataset: String,
    /// The name of the token that started it.
    pub started_by: String,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Present once the job has finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<JobResult>,
}
