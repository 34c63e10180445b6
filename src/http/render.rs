//! Item lists and items in the API's formats: JSON (default), GeoJSON, CSV and JSON-LD. Picks the
//! format from an explicit parameter or the `Accept` header, and builds `next` links.
//!
//! JSON pages are assembled from each item's JSON rendered once by the read model, so a page
//! costs a copy per item, not a serialisation.

use crate::error::ApiError;
use crate::http::crs::Axes;
use crate::http::negotiate;
use crate::mapping::ItemView;
use crate::profile::{Profile, Role};
use crate::service::{Entry, Page};
use actix_web::HttpRequest;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use std::io::Write;

/// A representation of item lists and items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    GeoJson,
    Csv,
    JsonLd,
}

impl Format {
    /// The formats of the REST API, default first.
    pub const REST: [Format; 4] = [Format::Json, Format::GeoJson, Format::Csv, Format::JsonLd];

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv",
            Format::JsonLd => "application/ld+json",
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            other => other.media_type(),
        }
    }

    /// The value of the `format` parameter naming it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
            Format::JsonLd => "jsonld",
        }
    }
}

/// The format to answer in: the one `param` names (`format=geojson`), or the best the `Accept`
/// header allows among `offers`.
pub fn choose(
    req: &HttpRequest,
    explicit: Option<&str>,
    param: &str,
    offers: &[Format],
) -> Result<Format, ApiError> {
    if let Some(name) = explicit {
        return offers.iter().copied().find(|f| f.name() == name).ok_or_else(|| {
            let names: Vec<&str> = offers.iter().map(|f| f.name()).collect();
            ApiError::parameter(
                param,
                format!(
                    "`{param}={}` is not offered here; use one of: {}.",
                    crate::http::params::shown(name),
                    names.join(", ")
                ),
            )
        });
    }
    let media: Vec<&str> = offers.iter().map(|f| f.media_type()).collect();
    let hint = format!(" Ask for one of them in `Accept`, or use `?{param}=`.");
    let chosen = negotiate::acceptable(req, &media, "This resource", &hint)?;
    offers
        .iter()
        .copied()
        .find(|f| f.media_type() == chosen)
        .ok_or_else(|| ApiError::internal(&std::io::Error::other("a negotiated format that was not offered")))
}

/// The URL of the next page: this request's URL with `cursor` replaced.
pub fn next_url(base: &str, path: &str, pairs: &[(String, String)], cursor: &str) -> String {
    let mut kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    kept.push(("cursor", cursor));
    format!(
        "{base}{path}?{}",
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    )
}

/// What a list says about itself besides its items.
#[derive(Serialize)]
pub struct ListMeta {
    /// The page size used.
    pub limit: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// An item of a list and its distance from the `near` point, when asked.
pub type Listed<'a> = (&'a Entry, Option<f64>);

/// The items of a page, as [`Listed`].
fn listed(page: &Page) -> impl Iterator<Item = Listed<'_>> {
    page.hits.iter().map(|h| (&*h.entry, h.distance_m))
}

/// Writes a JSON list, `{"items": [...], ...}`, the members of `meta` after the items: a page
/// (its [`ListMeta`]) or a whole dataset. Streams: each item's JSON is copied as it comes.
pub fn write_json_list<'a>(
    out: &mut impl Write,
    items: impl Iterator<Item = Listed<'a>>,
    meta: &impl Serialize,
) -> std::io::Result<()> {
    out.write_all(b"{\"items\":[")?;
    for (i, (entry, distance)) in items.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let json = &entry.json;
        match distance {
            Some(d) if json.len() > 2 => {
                out.write_all(format!("{{\"distance_m\":{d:.1},").as_bytes())?;
                out.write_all(&json[1..])?;
            }
            _ => out.write_all(json)?,
        }
    }
    out.write_all(b"]")?;
    let tail = serde_json::to_vec(meta).unwrap_or_else(|_| b"{}".to_vec());
    if tail.len() > 2 {
        out.write_all(b",")?;
        out.write_all(&tail[1..])
    } else {
        out.write_all(b"}")
    }
}

/// A JSON page: `{"items": [...], "limit": ..., "next": ..., ...}`.
pub fn json_page(page: &Page, meta: &ListMeta) -> Vec<u8> {
    let size: usize = page.hits.iter().map(|h| h.entry.json.len() + 24).sum();
    let mut out = Vec::with_capacity(size + 256);
    // Writing to memory cannot fail.
    let _ = write_json_list(&mut out, listed(page), meta);
    out
}

/// An item's attributes as one flat record (GeoJSON properties, CSV rows): the common fields,
/// then the profile's columns.
pub fn flat_properties(view: &ItemView, distance_m: Option<f64>) -> Map<String, Json> {
    let mut p = Map::new();
    p.insert("id".into(), json!(view.id));
    p.insert("uri".into(), json!(view.uri));
    p.insert("type".into(), json!(view.kind));
    p.insert("dataset".into(), json!(view.dataset));
    p.insert("name".into(), json!(view.name));
    if let Some(d) = &view.description {
        p.insert("description".into(), json!(d));
    }
    p.insert("municipality_code".into(), json!(view.municipality.code));
    p.insert("municipality_name".into(), json!(view.municipality.name));
    if let Some(u) = &view.updated {
        p.insert("updated".into(), json!(u));
    }
    if let Some(d) = distance_m {
        p.insert("distance_m".into(), json!((d * 10.0).round() / 10.0));
    }
    for (k, v) in &view.properties {
        p.insert(k.clone(), v.clone());
    }
    if !view.extra_columns.is_empty() {
        p.insert("extra_columns".into(), Json::Object(view.extra_columns.clone()));
    }
    p
}

/// A GeoJSON feature (RFC 7946): a point, or no geometry for items without a position.
pub fn feature(view: &ItemView, distance_m: Option<f64>, axes: &Axes) -> Json {
    let geometry = match (view.latitude, view.longitude) {
        (Some(lat), Some(lon)) => axes
            .point(lat, lon)
            .map_or(Json::Null, |xy| json!({"type": "Point", "coordinates": xy})),
        _ => Json::Null,
    };
    json!({
        "type": "Feature",
        "id": view.id,
        "geometry": geometry,
        "properties": flat_properties(view, distance_m),
    })
}

/// A link of a GeoJSON document or an OGC resource.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub href: String,
    pub rel: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Link {
    pub fn new(href: impl Into<String>, rel: &str, media_type: &str, title: &str) -> Self {
        Self {
            href: href.into(),
            rel: rel.to_owned(),
            media_type: (!media_type.is_empty()).then(|| media_type.to_owned()),
            title: (!title.is_empty()).then(|| title.to_owned()),
        }
    }
}

/// Writes a GeoJSON FeatureCollection: its features, then `members` (links, counts, time
/// stamp): a page's (see [`feature_collection`]) or a whole dataset's. Streams: each feature is
/// written as it is rendered.
pub fn write_feature_collection<'a>(
    out: &mut impl Write,
    items: impl Iterator<Item = Listed<'a>>,
    members: &Map<String, Json>,
    axes: &Axes,
) -> std::io::Result<()> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    for (i, (entry, distance)) in items.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &feature(&entry.view, distance, axes))?;
    }
    out.write_all(b"]")?;
    for (key, value) in members {
        out.write_all(b",")?;
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut *out, value)?;
    }
    out.write_all(b"}")
}

/// A GeoJSON FeatureCollection of a page, with OGC API Features' members.
pub fn feature_collection(
    page: &Page,
    meta: &ListMeta,
    links: Vec<Link>,
    time_stamp: &str,
    axes: &Axes,
) -> Vec<u8> {
    let mut members = Map::new();
    members.insert("links".into(), json!(links));
    members.insert("timeStamp".into(), json!(time_stamp));
    members.insert("numberReturned".into(), json!(page.hits.len()));
    if let Some(total) = page.total.filter(|_| meta.total.is_some()) {
        members.insert("numberMatched".into(), json!(total));
    }
    if let Some(next) = &meta.next_cursor {
        members.insert("next_cursor".into(), json!(next));
    }
    if !meta.notices.is_empty() {
        members.insert("notices".into(), json!(meta.notices));
    }
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_feature_collection(&mut out, listed(page), &members, axes);
    out
}

/// The CSV columns of a profile's items: the common fields, then the profile's other columns.
pub fn csv_columns(profile: Option<&Profile>, with_distance: bool) -> Vec<String> {
    let mut cols: Vec<String> = [
        "id",
        "uri",
        "type",
        "dataset",
        "name",
        "description",
        "municipality_code",
        "municipality_name",
        "latitude",
        "longitude",
        "updated",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    if with_distance {
        cols.push("distance_m".into());
    }
    if let Some(p) = profile {
        for c in &p.columns {
            let own = matches!(
                c.role,
                Some(
                    Role::Id
                        | Role::Name
                        | Role::Description
                        | Role::Updated
                        | Role::Latitude
                        | Role::Longitude
                        | Role::Municipality
                        | Role::MunicipalityName
                )
            );
            if !own && !cols.contains(&c.name) {
                cols.push(c.name.clone());
            }
        }
    }
    cols
}

/// A text cell as a spreadsheet must not run it (OWASP's rule against CSV injection): a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
/// Excel, LibreOffice and Google Sheets show it as text instead of evaluating a formula
/// (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3`). A cell that is a plain number (`-12.5`) is left
/// alone: it stays a number. Numbers, booleans and coordinates are never text cells.
pub fn spreadsheet_safe(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = cell.parse::<f64>().is_ok_and(f64::is_finite)
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'));
    if risky && !plain_number {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Writes CSV (RFC 4180, UTF-8, header row), one row per item: a page (see [`csv_page`]) or a
/// whole dataset. Streams: each row is written as it is rendered.
pub fn write_csv<'a, W: Write>(
    out: W,
    items: impl Iterator<Item = Listed<'a>>,
    profile: Option<&Profile>,
    with_distance: bool,
) -> Result<W, csv::Error> {
    let cols = csv_columns(profile, with_distance);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&cols)?;
    for (entry, distance) in items {
        let v = &entry.view;
        let mut flat = flat_properties(v, distance);
        if let (Some(lat), Some(lon)) = (v.latitude, v.longitude) {
            flat.insert("latitude".into(), json!(lat));
            flat.insert("longitude".into(), json!(lon));
        }
        let row = cols.iter().map(|c| match flat.get(c) {
            None | Some(Json::Null) => String::new(),
            Some(Json::String(s)) => spreadsheet_safe(s),
            Some(Json::Array(a)) => spreadsheet_safe(
                &a.iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
            Some(other) => other.to_string(),
        });
        w.write_record(row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A CSV page (RFC 4180, UTF-8, header row), one row per item.
pub fn csv_page(page: &Page, profile: Option<&Profile>) -> Result<Vec<u8>, ApiError> {
    let with_distance = page.hits.iter().any(|h| h.distance_m.is_some());
    write_csv(Vec::new(), listed(page), profile, with_distance).map_err(|e| ApiError::internal(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_that_a_spreadsheet_would_run_are_quoted() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            (
                "=HYPERLINK(\"http://evil\",\"x\")",
                "'=HYPERLINK(\"http://evil\",\"x\")",
            ),
            ("+46 31 123", "'+46 31 123"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("-12.5", "-12.5"),
            ("+7", "+7"),
            ("-3", "-3"),
            ("Sjöbadet", "Sjöbadet"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), want, "{cell:?}");
        }
    }
    use crate::mapping::MunicipalityRef;
    use crate::service::Hit;
    use crate::vocab::Iris;
    use std::sync::Arc;

    fn page() -> Page {
        let mut properties = Map::new();
        properties.insert("toilet".into(), json!(true));
        properties.insert("watertype".into(), json!("lake"));
        let view = ItemView {
            id: "d:a".into(),
            uri: "http://e/id/d/a".into(),
            kind: "bathing-site".into(),
            dataset: "d".into(),
            name: "Sjöbadet, \"norra\"".into(),
            description: None,
            latitude: Some(57.5),
            longitude: Some(12.25),
            municipality: MunicipalityRef::from_code("1401"),
            updated: Some("2024-06-01".into()),
            properties,
            extra_columns: Map::new(),
            links: Default::default(),
        };
        let entry = Arc::new(Entry::new(view, &Iris::new("http://e"), "", "bathing-sites"));
        Page {
            hits: vec![Hit {
                entry,
                distance_m: Some(1234.56),
            }],
            next_cursor: Some("abc".into()),
            total: None,
        }
    }

    #[test]
    fn json_pages_are_valid_json_with_distances() {
        let meta = ListMeta {
            limit: 1,
            next_cursor: Some("abc".into()),
            next: Some("http://e/next".into()),
            total: None,
            notices: vec![],
        };
        let doc: Json = serde_json::from_slice(&json_page(&page(), &meta)).unwrap();
        assert_eq!(doc["items"][0]["distance_m"], json!(1234.6));
        assert_eq!(doc["items"][0]["name"], json!("Sjöbadet, \"norra\""));
        assert_eq!(
            doc["items"][0]["links"]["self"],
            json!("http://e/api/v1/items/d:a")
        );
        assert_eq!(doc["next"], json!("http://e/next"));
        assert!(doc.get("total").is_none());
        let empty = Page {
            hits: vec![],
            next_cursor: None,
            total: Some(0),
        };
        let doc: Json = serde_json::from_slice(&json_page(
            &empty,
            &ListMeta {
                limit: 5,
                next_cursor: None,
                next: None,
                total: Some(0),
                notices: vec!["n".into()],
            },
        ))
        .unwrap();
        assert_eq!(
            doc,
            json!({"items": [], "limit": 5, "total": 0, "notices": ["n"]})
        );
    }

    #[test]
    fn geojson_puts_longitude_first() {
        let f = feature(&page().hits[0].entry.view, None, &Axes::crs84());
        assert_eq!(f["geometry"]["coordinates"], json!([12.25, 57.5]));
        assert_eq!(f["properties"]["municipality_name"], json!("Härryda"));
    }

    #[test]
    fn csv_has_a_header_and_quotes() {
        let csv =
            String::from_utf8(csv_page(&page(), crate::profile::get("bathing-sites")).unwrap()).unwrap();
        let mut lines = csv.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("id,uri,type,dataset,name,description,municipality_code"));
        assert!(header.contains(",distance_m,") && header.contains(",toilet,"));
        let row = lines.next().unwrap();
        assert!(row.contains("\"Sjöbadet, \"\"norra\"\"\""), "{row}");
        assert!(row.contains(",57.5,12.25,"), "{row}");
    }

    #[test]
    fn next_links_replace_the_cursor() {
        let pairs = vec![
            ("q".to_owned(), "sjö bad".to_owned()),
            ("cursor".to_owned(), "old".to_owned()),
        ];
        assert_eq!(
            next_url("http://e", "/api/v1/bathing-sites", &pairs, "new"),
            "http://e/api/v1/bathing-sites?q=sj%C3%B6+bad&cursor=new"
        );
    }
}
