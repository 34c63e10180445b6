//! Item views: the JSON shape of an item, projected from the RDF of one dataset version through
//! the dataset's profile.

use crate::profile::{ColumnType, Profile, Role};
use crate::rdf::{SubjectIndex, text};
use crate::reference;
use crate::vocab::{Iris, iri, ns};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Quad, Term};
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// A municipality as items refer to it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MunicipalityRef {
    /// Four-digit SCB code.
    #[schema(example = "1401")]
    pub code: String,
    /// Official name.
    #[schema(example = "Härryda")]
    pub name: String,
}

impl MunicipalityRef {
    pub fn from_code(code: &str) -> Self {
        Self {
            code: code.to_owned(),
            name: reference::municipality(code)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
        }
    }
}

/// Where an item lives on the web. Absolute URLs under the platform's base URL. The Linked Data
/// view is the item's `uri` itself (not repeated here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemLinks {
    /// This item in the REST API.
    #[serde(rename = "self")]
    #[schema(example = "http://127.0.0.1:8080/api/v1/items/harryda-badplatser:frokens-udde")]
    pub self_: String,
    /// The item as a GeoJSON feature in OGC API Features: linked from its GeoJSON and HTML
    /// views, not repeated in every JSON list item.
    #[serde(skip)]
    pub feature: String,
    /// The dataset it is published in.
    #[schema(example = "http://127.0.0.1:8080/api/v1/datasets/harryda-badplatser")]
    pub dataset: String,
}

/// One published item: a bath site, a pool or a service.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// Stable id for `/api/v1/items/{id}`: `{dataset}:{local id}`.
    #[schema(example = "harryda-badplatser:frokens-udde")]
    pub id: String,
    /// The item's stable URI: its Linked Data view (dereference it for RDF or HTML), and what
    /// SPARQL queries name it by.
    #[schema(example = "http://127.0.0.1:8080/id/harryda-badplatser/frokens-udde")]
    pub uri: String,
    /// The kind of item: its profile's `item_kind` (the OpenAPI document lists them).
    #[serde(rename = "type")]
    pub kind: String,
    /// The dataset the item is published in.
    #[schema(example = "harryda-badplatser")]
    pub dataset: String,
    #[schema(example = "Frökens udde")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// WGS84 latitude in decimal degrees (places only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 57.6651218)]
    pub latitude: Option<f64>,
    /// WGS84 longitude in decimal degrees (places only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 12.1425453)]
    pub longitude: Option<f64>,
    pub municipality: MunicipalityRef,
    /// When the item was last updated: the publisher's date (`2024-06-01`) when the file gives
    /// one, otherwise when the dataset version holding it was published (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2024-06-01")]
    pub updated: Option<String>,
    /// Every other column of the profile that has a value, keyed by column name, with one JSON
    /// type per column (booleans, numbers, strings, arrays of language codes; access columns
    /// such as `wheelchair` are `yes`, `limited` or `no`).
    #[schema(value_type = Object)]
    pub properties: Map<String, Json>,
    /// Cells of columns the profile does not know, by their header in the file.
    #[serde(skip_serializing_if = "Map::is_empty")]
    #[schema(value_type = Object)]
    pub extra_columns: Map<String, Json>,
    /// Links to the item's other representations and to its dataset.
    pub links: ItemLinks,
}

fn to_json(kind: ColumnType, term: &Term) -> Option<Json> {
    let text = text(term)?;
    Some(match kind {
        ColumnType::Integer => text.parse::<i64>().map(Json::from).ok()?,
        ColumnType::Decimal | ColumnType::Latitude | ColumnType::Longitude => {
            serde_json::Number::from_f64(text.parse().ok()?).map(Json::Number)?
        }
        ColumnType::Boolean => Json::Bool(text == "true"),
        // One JSON type for the field: `true`/`false` in RDF become `yes`/`no` beside `limited`.
        ColumnType::Access => Json::String(
            match text {
                "true" => "yes",
                "false" => "no",
                other => other,
            }
            .to_owned(),
        ),
        ColumnType::Wikidata => {
            Json::String(text.strip_prefix(ns::WIKIDATA_ENTITY).unwrap_or(text).to_owned())
        }
        _ => Json::String(text.to_owned()),
    })
}

fn language_code(iri: &str) -> Option<String> {
    let three = iri.strip_prefix(ns::EU_LANGUAGE)?;
    [
        "sv", "en", "fi", "se", "sma", "smj", "yi", "rom", "fit", "ar", "so", "fa", "ti", "de", "fr", "es",
        "pl", "ru", "uk", "bs", "hr", "sr", "tr", "ku", "prs", "zh", "th", "sq", "am", "el", "it", "pt",
        "da", "no", "et", "lv", "lt", "hu", "ro", "bg", "cs", "sk", "sl", "nl",
    ]
    .into_iter()
    .find(|c| super::language_authority(c) == Some(three))
    .map(str::to_owned)
}

/// Projects the quads of one dataset version onto item views, in item id order.
pub fn project(profile: &Profile, iris: &Iris, dataset: &str, quads: &[Quad]) -> Vec<ItemView> {
    let index = SubjectIndex::new(quads);
    let Some(class) = profile.classes.first().and_then(|c| iris.expand(c)) else {
        return Vec::new();
    };
    let item_prefix = format!("{}/id/{dataset}/", iris.base());
    let feature_value = iri(ns::SCHEMA, "value");
    let geo = iri(ns::SCHEMA, "geo");
    let latitude = iri(ns::SCHEMA, "latitude");
    let longitude = iri(ns::SCHEMA, "longitude");
    let code_property = iris.dh("municipalityCode");
    let extra_property = iris.dh("extraColumns");
    let first = |subject: &str, predicate: &str| index.first(subject, predicate);
    let all = |subject: &str, predicate: &str| index.all(subject, predicate);
    let mut items = Vec::new();
    for (subject, pairs) in index.subjects() {
        let Some(local) = subject.strip_prefix(&item_prefix) else {
            continue;
        };
        if local.contains('#')
            || !pairs
                .iter()
                .any(|(p, o)| *p == rdf::TYPE.as_str() && matches!(o, Term::NamedNode(n) if n == &class))
        {
            continue;
        }
        let mut view = ItemView {
            id: format!("{dataset}:{local}"),
            uri: subject.to_owned(),
            kind: profile.item_kind.clone(),
            dataset: dataset.to_owned(),
            name: String::new(),
            description: None,
            latitude: None,
            longitude: None,
            municipality: MunicipalityRef::from_code(
                first(subject, code_property.as_str())
                    .and_then(text)
                    .unwrap_or_default(),
            ),
            updated: None,
            properties: Map::new(),
            extra_columns: first(subject, extra_property.as_str())
                .and_then(text)
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_default(),
            links: ItemLinks::default(),
        };
        let geo_node = format!("{subject}#geo");
        if first(subject, geo.as_str()).is_some() {
            view.latitude = first(&geo_node, latitude.as_str())
                .and_then(text)
                .and_then(|v| v.parse().ok());
            view.longitude = first(&geo_node, longitude.as_str())
                .and_then(text)
                .and_then(|v| v.parse().ok());
        }
        for column in &profile.columns {
            let value = if column.feature.is_some() {
                let node = format!("{subject}#feature-{}", column.name);
                first(&node, feature_value.as_str()).and_then(|t| to_json(column.kind, t))
            } else {
                let Some(p) = column
                    .property
                    .as_ref()
                    .or(column.link.as_ref())
                    .and_then(|p| iris.expand(p))
                else {
                    continue;
                };
                let holder = match &column.node {
                    Some(node) => format!("{subject}#{node}"),
                    None => subject.to_owned(),
                };
                if column.kind == ColumnType::Language {
                    let codes: Vec<Json> = all(&holder, p.as_str())
                        .into_iter()
                        .filter_map(|t| match t {
                            Term::NamedNode(n) => language_code(n.as_str()).map(Json::String),
                            _ => None,
                        })
                        .collect();
                    (!codes.is_empty()).then_some(Json::Array(codes))
                } else {
                    first(&holder, p.as_str()).and_then(|t| to_json(column.kind, t))
                }
            };
            let Some(value) = value else { continue };
            match column.role {
                Some(Role::Name) => view.name = value.as_str().unwrap_or_default().to_owned(),
                Some(Role::Description) => view.description = value.as_str().map(str::to_owned),
                Some(Role::Updated) => view.updated = value.as_str().map(str::to_owned),
                _ => {
                    view.properties.insert(column.name.clone(), value);
                }
            }
        }
        items.push(view);
    }
    items.sort_by(|a, b| a.id.cmp(&b.id));
    items
}
