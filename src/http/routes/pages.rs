//! The public web pages' routes: the home page (for browsers at `/`), dataset pages at
//! `/datasets/{id}`, municipality pages at `/municipalities/{code}`, and the vendored map
//! assets. Rendering is in [`crate::http::pages`]; these handlers gather what a page shows
//! from the read model.

use crate::error::ApiError;
use crate::http::pages::{self, DatasetPage, DatasetSummary, HomeFilters, Lang, MunicipalityPage};
use crate::http::render::{csv_columns, flat_properties};
use crate::http::{State, immutable_asset, negotiate};
use crate::service::DatasetState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde_json::Value as Json;

/// The vendored Leaflet's version, in its assets' URLs (which never change content).
pub const LEAFLET_VERSION: &str = "1.9.4";
/// The map script's version, in its URL: change it when `assets/web/map.js` changes.
pub const MAP_JS_VERSION: &str = "2";
const LEAFLET_JS: &[u8] = include_bytes!("../../../assets/leaflet/leaflet.js");
const LEAFLET_CSS: &[u8] = include_bytes!("../../../assets/leaflet/leaflet.css");
const MAP_JS: &[u8] = include_bytes!("../../../assets/web/map.js");

/// Items the home page lists for a search.
const ITEM_HITS: usize = 20;
/// Rows in a preview page.
const PREVIEW_ROWS: usize = 25;

/// Whether a request for `/` wants the home page rather than the API's JSON landing document.
pub fn wants_html(req: &HttpRequest) -> bool {
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    negotiate::best(accept, &["application/json", "text/html"]) == Some("text/html")
}

/// What every page takes from its request: the query parameters (a page ignores those it
/// does not know) and the language; and how every page answers.
pub(super) struct PageRequest<'r> {
    req: &'r HttpRequest,
    pairs: Vec<(String, String)>,
    pub(super) lang: Lang,
}

impl<'r> PageRequest<'r> {
    pub(super) fn new(req: &'r HttpRequest) -> Self {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let lang = Lang::from_param(pairs.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.as_str()));
        Self { req, pairs, lang }
    }

    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The same URL in the other language.
    fn switch_href(&self) -> String {
        let mut kept: Vec<(String, String)> =
            self.pairs.iter().filter(|(k, _)| k != "lang").cloned().collect();
        if self.lang == Lang::Sv {
            kept.push(("lang".into(), "en".into()));
        }
        let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
        if query.is_empty() {
            self.req.path().to_owned()
        } else {
            format!("{}?{query}", self.req.path())
        }
    }

    /// The page: `main` in the layout.
    pub(super) fn respond(
        &self,
        status: StatusCode,
        title: &str,
        head: Markup,
        main: Markup,
    ) -> HttpResponse {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::VARY, "Accept, Accept-Encoding"))
            .body(pages::layout(self.lang, title, &self.switch_href(), head, main).into_string())
    }

    /// A 400 page saying what in the request cannot be answered.
    pub(super) fn bad_request(&self, what: &str) -> HttpResponse {
        self.error_page(
            StatusCode::BAD_REQUEST,
            self.lang
                .t("Sökningen går inte att göra", "The search cannot be made"),
            what,
        )
    }

    /// A 404 page saying what is not there.
    pub(super) fn not_found(&self, what: &str) -> HttpResponse {
        self.error_page(
            StatusCode::NOT_FOUND,
            self.lang.t("Sidan finns inte", "No such page"),
            what,
        )
    }

    /// An error page: a heading, what went wrong, and the way home.
    fn error_page(&self, status: StatusCode, heading: &str, what: &str) -> HttpResponse {
        self.respond(status, heading, html! {}, pages::error(self.lang, heading, what))
    }
}

pub(super) fn publisher_name(id: &str) -> String {
    crate::reference::organisation(id).map_or_else(|| id.to_owned(), |o| o.name.clone())
}

fn summary(d: &DatasetState) -> DatasetSummary<'_> {
    static UNKNOWN: std::sync::OnceLock<crate::profile::Localized> = std::sync::OnceLock::new();
    DatasetSummary {
        record: &d.record,
        publisher_name: publisher_name(&d.record.meta.publisher),
        kind: crate::profile::get(&d.record.meta.profile).map_or_else(
            || UNKNOWN.get_or_init(|| crate::profile::Localized::new("Övrigt", "Other")),
            |p| &p.title,
        ),
        item_count: d.items.len(),
    }
}

/// The home page: every published dataset, with search and filters.
pub async fn home(req: &HttpRequest, state: &State) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(req);
    let lang = page.lang;
    let q = page.param("q").unwrap_or("").trim();
    if crate::http::params::check_q(q).is_err() {
        let max = crate::http::params::MAX_Q_CHARS;
        return Ok(page.bad_request(&match lang {
            Lang::Sv => format!("Sökordet (`q`) får vara högst {max} tecken långt."),
            Lang::En => format!("The search text (`q`) may be at most {max} characters long."),
        }));
    }
    let municipality = page.param("municipality").unwrap_or("");
    let kind = page.param("kind").unwrap_or("");
    let model = state.model();
    let published: Vec<&DatasetState> = model
        .datasets()
        .filter(|d| d.record.current().is_some())
        .collect();
    let mut publishers: Vec<(String, String)> = published
        .iter()
        .map(|d| {
            (
                d.record.meta.publisher.clone(),
                publisher_name(&d.record.meta.publisher),
            )
        })
        .collect();
    publishers.sort_by(|a, b| a.1.cmp(&b.1));
    publishers.dedup();
    let words: Vec<String> = crate::text::fold(q)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    // The datasets the publisher and kind filters keep.
    let kept: Vec<&DatasetState> = published
        .iter()
        .copied()
        .filter(|d| municipality.is_empty() || d.record.meta.publisher == municipality)
        .filter(|d| kind.is_empty() || d.record.meta.profile == kind)
        .collect();
    let matching: Vec<DatasetSummary<'_>> = kept
        .iter()
        .map(|d| summary(d))
        .filter(|s| {
            if words.is_empty() {
                return true;
            }
            let m = &s.record.meta;
            let text = crate::text::fold(&format!(
                "{} {} {} {} {} {} {} {} {}",
                m.id,
                m.title.sv,
                m.title.en,
                m.description.sv,
                m.description.en,
                m.keywords.sv.join(" "),
                m.keywords.en.join(" "),
                s.publisher_name,
                s.kind.sv,
            ));
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect();
    // Items whose name or description holds every word, in the kept datasets.
    let hits = (!words.is_empty()).then(|| {
        let mut hits = pages::ItemHits {
            items: Vec::new(),
            total: 0,
        };
        for d in &kept {
            for entry in &d.items.entries {
                if words.iter().all(|w| entry.folded.contains(w.as_str())) {
                    hits.total += 1;
                    if hits.items.len() < ITEM_HITS {
                        hits.items.push(&entry.view);
                    }
                }
            }
        }
        hits
    });
    let filters = HomeFilters {
        q,
        municipality,
        kind,
        publishers,
        kinds: crate::profile::all()
            .iter()
            .map(|p| (p.id.as_str(), &p.title))
            .collect(),
    };
    let main = pages::home(lang, &filters, &matching, published.len(), hits.as_ref());
    Ok(page.respond(
        StatusCode::OK,
        lang.t("Öppna data från kommunerna", "Open data from the municipalities"),
        html! {},
        main,
    ))
}

/// A preview table cell's text.
fn cell_text(lang: Lang, value: Option<&Json>) -> String {
    match value {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Bool(b)) => lang
            .t(if *b { "ja" } else { "nej" }, if *b { "yes" } else { "no" })
            .to_owned(),
        Some(other) => other.to_string(),
    }
}

/// A preview table cell's text for an access column (`yes`, `limited`, `no`).
fn access_text(lang: Lang, value: Option<&Json>) -> String {
    match value.and_then(Json::as_str) {
        Some("yes") => lang.t("ja", "yes").to_owned(),
        Some("no") => lang.t("nej", "no").to_owned(),
        Some("limited") => lang.t("delvis", "limited").to_owned(),
        _ => cell_text(lang, value),
    }
}

/// A dataset's page.
pub async fn dataset_page(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(&req);
    let lang = request.lang;
    let model = state.model();
    let Some(d) = model.dataset(&id).filter(|d| d.record.current().is_some()) else {
        return Ok(request.not_found(&format!(
            "{} `{id}`.",
            lang.t("Det finns ingen datamängd", "There is no dataset")
        )));
    };
    let entries = &d.items.entries;
    let pages = entries.len().div_ceil(PREVIEW_ROWS).max(1);
    let page = request
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows: Vec<_> = entries
        .iter()
        .skip((page - 1) * PREVIEW_ROWS)
        .take(PREVIEW_ROWS)
        .map(|e| &e.view)
        .collect();
    let profile = crate::profile::get(&d.record.meta.profile);
    let columns: Vec<String> = csv_columns(profile, false)
        .into_iter()
        .filter(|c| {
            !matches!(
                c.as_str(),
                "id" | "uri" | "type" | "dataset" | "municipality_code"
            )
        })
        .collect();
    let cells = rows
        .iter()
        .map(|view| {
            let flat = flat_properties(view, None);
            columns
                .iter()
                .map(|c| match c.as_str() {
                    "latitude" => view.latitude.map(|v| v.to_string()).unwrap_or_default(),
                    "longitude" => view.longitude.map(|v| v.to_string()).unwrap_or_default(),
                    _ if profile
                        .and_then(|p| p.column(c))
                        .is_some_and(|col| col.kind == crate::profile::ColumnType::Access) =>
                    {
                        access_text(lang, flat.get(c))
                    }
                    _ => cell_text(lang, flat.get(c)),
                })
                .collect()
        })
        .collect();
    let has_positions = d.items.extent.is_some();
    let page_data = DatasetPage {
        summary: summary(d),
        base: state.iris().base(),
        rows,
        columns,
        cells,
        page,
        pages,
        has_positions,
        update_frequency: d.record.meta.update_frequency.as_deref(),
    };
    let head = if has_positions {
        pages::map_head()
    } else {
        html! {}
    };
    let title = lang.pick(&d.record.meta.title).to_owned();
    Ok(request.respond(StatusCode::OK, &title, head, pages::dataset(lang, &page_data)))
}

/// A municipality's (or another organisation's) page.
pub async fn municipality_page(
    req: HttpRequest,
    state: State,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest::new(&req);
    let lang = request.lang;
    let Some(org) = crate::reference::organisation(&code) else {
        return Ok(request.not_found(&format!(
            "{} `{code}`.",
            lang.t(
                "Det finns ingen kommun med koden",
                "There is no municipality with the code"
            )
        )));
    };
    let municipality = org
        .municipality_code
        .as_deref()
        .and_then(crate::reference::municipality);
    let model = state.model();
    let mut own = Vec::new();
    let mut others = Vec::new();
    for d in model.datasets().filter(|d| d.record.current().is_some()) {
        if d.record.meta.publisher == org.id {
            own.push(summary(d));
        } else if let Some(m) = municipality
            && let Some(n) = d.items.by_municipality.get(&m.code).map(Vec::len)
        {
            others.push((d.record.meta.id.as_str(), &d.record.meta.title, n));
        }
    }
    let page_data = MunicipalityPage {
        code: &org.id,
        name: &org.name,
        county: municipality.map(|m| m.county_name.as_str()),
        organisation_number: org.organisation_number.as_deref(),
        base: state.iris().base(),
        own,
        others,
    };
    Ok(request.respond(
        StatusCode::OK,
        &org.name,
        html! {},
        pages::municipality(lang, &page_data),
    ))
}

/// Leaflet's script, vendored.
pub async fn leaflet_js() -> HttpResponse {
    immutable_asset(LEAFLET_JS, "text/javascript; charset=utf-8")
}

/// Leaflet's style sheet, vendored.
pub async fn leaflet_css() -> HttpResponse {
    immutable_asset(LEAFLET_CSS, "text/css; charset=utf-8")
}

/// The dataset page's map script.
pub async fn map_js() -> HttpResponse {
    immutable_asset(MAP_JS, "text/javascript; charset=utf-8")
}
