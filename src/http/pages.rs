//! The public web pages: server-rendered HTML for people, in Swedish (default) and English.
//!
//! Owns the layout (header, language switch, footer, style), the home page (datasets with
//! search and filters), the dataset page (metadata, validation status, a preview table with
//! paging, a map where items have positions, downloads, API and SPARQL examples), the
//! municipality page (its datasets, items in it from others' datasets, its catalog URL for the
//! national portal), the error page, and the Linked Data pages: an item's page (in the layout)
//! and the page of any other described resource. Also the components the stewards' pages share:
//! [`options`] and [`anchor`], the one way a stored IRI becomes a link.
//!
//! Pages are maud templates ([`maud::html!`]): every value spliced into them, from data or the
//! request, is escaped; only markup built by maud itself or a fixed literal (the style sheet)
//! goes in unescaped. Pages are read without JavaScript; only the map needs it.

use crate::catalog::DatasetRecord;
use crate::http::routes::pages::{LEAFLET_VERSION, MAP_JS_VERSION};
use crate::mapping::ItemView;
use crate::profile::Localized;
use crate::service::Statement;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value as Json;

/// The language of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    /// From the `lang` parameter: `en` is English, anything else Swedish.
    pub fn from_param(value: Option<&str>) -> Self {
        match value {
            Some(v) if v.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Sv,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// Picks the Swedish or English text.
    pub fn t<'a>(self, sv: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Sv => sv,
            Lang::En => en,
        }
    }

    /// From an `Accept-Language` header (for Linked Data URIs, which take no parameters):
    /// English when the client prefers English to Swedish, else Swedish.
    pub fn from_accept_language(value: Option<&str>) -> Self {
        let (mut sv, mut en) = (0.0f32, 0.0f32);
        for (i, part) in value.unwrap_or("").split(',').enumerate() {
            let mut fields = part.split(';');
            let tag = fields.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = fields
                .find_map(|f| f.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0)
                // Earlier tags win ties.
                - i as f32 * 1e-4;
            let primary = tag.split('-').next().unwrap_or("");
            if primary == "sv" {
                sv = sv.max(q);
            } else if primary == "en" {
                en = en.max(q);
            }
        }
        if en > sv { Lang::En } else { Lang::Sv }
    }

    /// A localized value in this language, or the other when this one is empty.
    pub fn pick(self, text: &Localized) -> &str {
        let (first, second) = match self {
            Lang::Sv => (&text.sv, &text.en),
            Lang::En => (&text.en, &text.sv),
        };
        if first.trim().is_empty() { second } else { first }
    }

    /// A link's query suffix that keeps this language (`?lang=en`, or nothing for Swedish).
    pub fn query(self) -> &'static str {
        match self {
            Lang::Sv => "",
            Lang::En => "?lang=en",
        }
    }
}

/// The page around `main`: `<html lang>`, the header with the language switch (to `switch_href`,
/// the same page in the other language; none when it is empty, as on Linked Data URIs, whose
/// language follows `Accept-Language`) and the footer. `head` goes at the end of `<head>`.
pub fn layout(lang: Lang, title: &str, switch_href: &str, head: Markup, main: Markup) -> Markup {
    let q = lang.query();
    let (switch_label, switch_lang) = match lang {
        Lang::Sv => ("English", "en"),
        Lang::En => ("Svenska", "sv"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · datahamn" }
                style { (PreEscaped(STYLE)) }
                (head)
            }
            body {
                a class="skip" href="#main" { (lang.t("Hoppa till innehållet", "Skip to content")) }
                header {
                    nav aria-label=(lang.t("Huvudmeny", "Main menu")) {
                        a class="brand" href=(format!("/{q}")) { "datahamn" }
                        a href=(format!("/{q}")) { (lang.t("Datamängder", "Datasets")) }
                        a href="/sparql" { "SPARQL" }
                        a href="/docs/" { (lang.t("API-dokumentation", "API documentation")) }
                        a href=(format!("/steward{q}")) { (lang.t("Publicera data", "Publish data")) }
                        @if !switch_href.is_empty() {
                            a href=(switch_href) hreflang=(switch_lang) lang=(switch_lang) { (switch_label) }
                        }
                    }
                }
                main id="main" { (main) }
                footer {
                    p {
                        (lang.t(
                            "Öppna data från svenska kommuner, i ett gemensamt vokabulär.",
                            "Open data from Swedish municipalities, in one shared vocabulary."
                        ))
                        " " a href="/catalog" { "DCAT-AP-SE" }
                        " · " a href="/openapi.json" { "OpenAPI" }
                        " · " a href="/api/v1" { "REST API" }
                    }
                }
            }
        }
    }
}

/// What a page with a map adds to `<head>`: the vendored Leaflet and the map script.
pub fn map_head() -> Markup {
    html! {
        link rel="stylesheet" href=(format!("/assets/leaflet/{LEAFLET_VERSION}/leaflet.css"));
        script defer src=(format!("/assets/leaflet/{LEAFLET_VERSION}/leaflet.js")) {}
        script defer src=(format!("/assets/web/{MAP_JS_VERSION}/map.js")) {}
    }
}

/// A link to `href` reading `text` when `href` is an `http`, `https` or `mailto` IRI
/// ([`crate::links::is_link`]); else the text alone, so a stored `javascript:` or `data:` value
/// is never a link.
pub fn anchor(href: &str, text: &str) -> Markup {
    html! {
        @if crate::links::is_link(href) {
            a href=(href) { (text) }
        } @else {
            (text)
        }
    }
}

/// An error page's `main`: a heading, what went wrong, and the way home.
pub fn error(lang: Lang, heading: &str, what: &str) -> Markup {
    html! {
        h1 { (heading) }
        p { (what) }
        p { a href=(format!("/{}", lang.query())) { (lang.t("Till alla datamängder", "To every dataset")) } }
    }
}

/// Contrast of at least 7:1 for text, visible focus, and no layout that needs JavaScript.
const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;margin:0}\
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}\
header nav{display:flex;flex-wrap:wrap;gap:1.25rem;align-items:baseline;padding:1rem 0;border-bottom:1px solid #ccc}\
.brand{font-weight:700;font-size:1.25rem}\
a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #b35c00;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
form.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;margin:1rem 0}\
form.filters label{display:flex;flex-direction:column;font-weight:600}\
input,select,button{font:inherit;padding:.4rem;border:1px solid #555;border-radius:4px}\
button{background:#0b4f9c;color:#fff;border-color:#0b4f9c;cursor:pointer}\
ul.datasets{list-style:none;padding:0}ul.datasets li{border-top:1px solid #ddd;padding:.75rem 0}\
.meta{color:#444;font-size:.95rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.scroll{overflow-x:auto}.badge{display:inline-block;padding:0 .5rem;border-radius:4px;background:#e6f2e6;color:#114411}\
.badge.warn{background:#fff1d6;color:#5c3b00}\
#map{height:420px;border:1px solid #999;background:#eef3f7}#map.small{height:280px}\
pre{background:#f4f4f4;padding:.75rem;overflow-x:auto}\
footer{margin-top:3rem;border-top:1px solid #ccc;color:#444}\
form.stack{display:flex;flex-direction:column;gap:.35rem;max-width:40rem;margin:1rem 0}\
form.stack label{font-weight:600;margin-top:.5rem}textarea{font:inherit;padding:.4rem;border:1px solid #555;border-radius:4px}\
button.secondary{background:#fff;color:#0b4f9c}form.stack button{align-self:flex-start}button.publish{font-size:1.15rem;padding:.6rem 1.5rem}\
.who{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;margin-top:1rem}.who p{margin:0}\
.notice{padding:.75rem 1rem;border-radius:4px;border-left:6px solid}.notice.ok{background:#e6f2e6;color:#114411;border-color:#1d6b1d}\
.notice.problem{background:#fde8e8;color:#6b0000;border-color:#a40000}\
td.cell-error,th.cell-error{background:#fde8e8;outline:3px solid #a40000;outline-offset:-3px}\
td.cell-error .value{font-weight:700;color:#6b0000}.why{display:block;font-size:.9rem;color:#4a0000}\
.col{display:inline-block;min-width:1.5rem;padding:0 .25rem;background:#eee;border-radius:3px;font-weight:400}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
ol.issues li{margin:.25rem 0}.file{font-weight:400}";

/// A dataset as the pages list it.
pub struct DatasetSummary<'a> {
    pub record: &'a DatasetRecord,
    pub publisher_name: String,
    pub kind: &'a Localized,
    pub item_count: usize,
}

fn dataset_list(lang: Lang, datasets: &[DatasetSummary<'_>]) -> Markup {
    let q = lang.query();
    html! {
        ul class="datasets" {
            @for d in datasets {
                @let meta = &d.record.meta;
                @let updated = d
                    .record
                    .current()
                    .map(|v| v.issued.get(..10).unwrap_or(&v.issued).to_owned())
                    .unwrap_or_default();
                li {
                    h3 {
                        a href=(format!("/datasets/{}{q}", meta.id)) { (lang.pick(&meta.title)) }
                        @if meta.example {
                            " " span class="badge warn" { (lang.t("Exempeldata", "Example data")) }
                        }
                    }
                    p { (lang.pick(&meta.description)) }
                    p class="meta" {
                        (lang.pick(d.kind)) " · "
                        a href=(format!("/municipalities/{}{q}", meta.publisher)) { (d.publisher_name) }
                        " · " (d.item_count) " " (lang.t("poster", "items"))
                        " · " (lang.t("uppdaterad", "updated")) " " (updated)
                    }
                }
            }
        }
    }
}

/// What the home page's filters hold.
pub struct HomeFilters<'a> {
    pub q: &'a str,
    pub municipality: &'a str,
    pub kind: &'a str,
    /// Every publishing organisation: (id, name).
    pub publishers: Vec<(String, String)>,
    /// Every kind of data: (profile id, title).
    pub kinds: Vec<(&'a str, &'a Localized)>,
}

/// A select's options, `(value, label)`, the one equal to `selected` marked so.
pub fn options<'a>(options: impl IntoIterator<Item = (&'a str, &'a str)>, selected: &str) -> Markup {
    html! {
        @for (value, label) in options {
            option value=(value) selected[value == selected] { (label) }
        }
    }
}

/// Items that match a search: the first few, and how many there are.
pub struct ItemHits<'a> {
    pub items: Vec<&'a ItemView>,
    pub total: usize,
}

/// The home page: search and filters, then the datasets and items that match.
pub fn home(
    lang: Lang,
    filters: &HomeFilters<'_>,
    datasets: &[DatasetSummary<'_>],
    total: usize,
    hits: Option<&ItemHits<'_>>,
) -> Markup {
    let kinds = crate::profile::kinds();
    let intro = match lang {
        Lang::Sv => format!(
            "Öppna data från kommunerna: {}, publicerade enligt gemensamma standarder. Allt finns också som REST-API, SPARQL och DCAT-AP-SE.",
            kinds.sv
        ),
        Lang::En => format!(
            "Open data from the municipalities: {}, published to shared standards. Everything is also a REST API, SPARQL and DCAT-AP-SE.",
            kinds.en
        ),
    };
    let publishers = filters
        .publishers
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()));
    let kind_options = filters.kinds.iter().map(|(id, title)| (*id, lang.pick(title)));
    html! {
        h1 { (lang.t("Öppna data från kommunerna", "Open data from the municipalities")) }
        p { (intro) }
        form class="filters" method="get" action="/" role="search" {
            label for="q" { (lang.t("Sök", "Search")) input id="q" name="q" type="search" value=(filters.q); }
            label for="municipality" {
                (lang.t("Utgivare", "Publisher"))
                select id="municipality" name="municipality" {
                    option value="" { (lang.t("Alla", "All")) }
                    (options(publishers, filters.municipality))
                }
            }
            label for="kind" {
                (lang.t("Typ av data", "Kind of data"))
                select id="kind" name="kind" {
                    option value="" { (lang.t("Alla", "All")) }
                    (options(kind_options, filters.kind))
                }
            }
            @if lang == Lang::En {
                input type="hidden" name="lang" value="en";
            }
            button type="submit" { (lang.t("Sök", "Search")) }
        }
        h2 { (datasets.len()) " " (lang.t("av", "of")) " " (total) " " (lang.t("datamängder", "datasets")) }
        @if datasets.is_empty() {
            p {
                (lang.t(
                    "Inga datamängder matchar. Ta bort ett filter eller sök på något annat.",
                    "No dataset matches. Remove a filter or search for something else."
                ))
            }
        } @else {
            (dataset_list(lang, datasets))
        }
        @if let Some(hits) = hits {
            h2 { (hits.total) " " (lang.t("poster matchar", "items match")) }
            @if hits.total > hits.items.len() {
                p { (lang.t("De första", "The first")) " " (hits.items.len()) "." }
            }
            ul {
                @for v in &hits.items {
                    li {
                        a href=(v.uri) { (v.name) }
                        " · " (v.municipality.name) " · "
                        a href=(format!("/datasets/{}{}", v.dataset, lang.query())) { (v.dataset) }
                    }
                }
            }
        }
    }
}

/// The dataset page's parts that are not in the record.
pub struct DatasetPage<'a> {
    pub summary: DatasetSummary<'a>,
    pub base: &'a str,
    /// The preview page: its rows, its number (from 1) and how many pages there are.
    pub rows: Vec<&'a ItemView>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<String>>,
    pub page: usize,
    pub pages: usize,
    pub has_positions: bool,
    pub update_frequency: Option<&'a str>,
}

/// The dataset page.
pub fn dataset(lang: Lang, p: &DatasetPage<'_>) -> Markup {
    let q = lang.query();
    let record = p.summary.record;
    let meta = &record.meta;
    let id = meta.id.as_str();
    // Metadata.
    let mut facts: Vec<(&str, Markup)> = vec![
        (
            lang.t("Utgivare", "Publisher"),
            html! { a href=(format!("/municipalities/{}{q}", meta.publisher)) { (p.summary.publisher_name) } },
        ),
        (
            lang.t("Typ av data", "Kind of data"),
            html! { (lang.pick(p.summary.kind)) },
        ),
        (lang.t("Licens", "Licence"), anchor(&meta.license, &meta.license)),
        (
            lang.t("Kontakt", "Contact"),
            anchor(&format!("mailto:{}", meta.contact_email), &meta.contact_email),
        ),
        ("URI", {
            let uri = format!("{}/dataset/{id}", p.base);
            html! { a href=(uri) { (uri) } }
        }),
    ];
    if let Some(c) = &meta.conforms_to {
        facts.push((lang.t("Följer", "Conforms to"), anchor(c, c)));
    }
    let keywords = match lang {
        Lang::Sv => &meta.keywords.sv,
        Lang::En => &meta.keywords.en,
    };
    if !keywords.is_empty() {
        facts.push((lang.t("Nyckelord", "Keywords"), html! { (keywords.join(", ")) }));
    }
    if let Some(f) = p.update_frequency {
        facts.push((lang.t("Uppdateras", "Updated"), html! { (f) }));
    }
    let page_href = |n: usize| {
        format!(
            "/datasets/{id}?page={n}{}#preview",
            if lang == Lang::En { "&lang=en" } else { "" }
        )
    };
    // Downloads.
    let mut downloads: Vec<(String, &str)> = crate::catalog::DOWNLOADS
        .iter()
        .map(|d| (d.path(id), d.title))
        .collect();
    downloads.push((format!("/dataset/{id}"), "Turtle / JSON-LD / RDF/XML (DCAT)"));
    if let Some(v) = record.current() {
        downloads.push((
            format!("/api/v1/datasets/{id}/versions/{}/data", v.number),
            "RDF (Turtle)",
        ));
    }
    let query = format!(
        "SELECT ?item ?name WHERE {{\n  ?item <http://rdfs.org/ns/void#inDataset> <{base}/dataset/{id}> ;\n        <https://schema.org/name> ?name .\n}} ORDER BY ?name LIMIT 10",
        base = p.base,
    );
    html! {
        h1 { (lang.pick(&meta.title)) }
        p { (lang.pick(&meta.description)) }
        @if meta.example {
            p {
                span class="badge warn" {
                    (lang.t(
                        "Exempeldata: påhittade poster som visar hur datamängden ser ut, inte verkliga uppgifter.",
                        "Example data: made-up items that show what the dataset looks like, not real facts."
                    ))
                }
            }
        }
        table {
            @for (k, v) in &facts {
                tr { th scope="row" { (k) } td { (v) } }
            }
        }
        // Validation status of the current version.
        @if let Some(v) = record.current() {
            h2 { (lang.t("Validering", "Validation")) }
            p {
                @if v.report.error_count == 0 && v.skipped_row_count == 0 {
                    span class="badge" { (lang.t("Giltig", "Valid")) }
                } @else {
                    span class="badge warn" { (lang.t("Publicerad med överhoppade rader", "Published with skipped rows")) }
                }
                " " (lang.t("Version", "Version")) " " (v.number) ", " (v.issued) " (" (v.published_by) "). "
                (lang.t("Rader", "Rows")) ": " (v.row_count) ", "
                (lang.t("poster", "items")) ": " (v.item_count) ", "
                (lang.t("överhoppade", "skipped")) ": " (v.skipped_row_count) ", "
                (lang.t("varningar", "warnings")) ": " (v.report.warning_count) ". "
                a href=(format!("/api/v1/datasets/{id}/versions/{}", v.number)) {
                    (lang.t("Hela rapporten (JSON)", "The whole report (JSON)"))
                }
                " · "
                a href=(format!("/api/v1/datasets/{id}/versions")) { (lang.t("Alla versioner", "Every version")) }
            }
        }
        @if p.has_positions {
            h2 { (lang.t("Karta", "Map")) }
            div id="map" role="region" aria-label=(lang.t("Karta över posterna", "Map of the items"))
                data-items=(format!("/api/v1/datasets/{id}/items?format=geojson&limit=1000"))
                data-lang=(lang.code()) {}
            noscript {
                p {
                    (lang.t(
                        "Kartan behöver JavaScript; tabellen nedan har alla positioner.",
                        "The map needs JavaScript; the table below has every position."
                    ))
                }
            }
        }
        h2 id="preview" { (lang.t("Förhandsvisning", "Preview")) }
        div class="scroll" {
            table {
                caption {
                    (lang.t("Sida", "Page")) " " (p.page) " " (lang.t("av", "of")) " " (p.pages.max(1))
                }
                thead { tr { @for c in &p.columns { th scope="col" { (c) } } } }
                tbody {
                    @for (view, cells) in p.rows.iter().zip(&p.cells) {
                        tr {
                            @for (c, cell) in p.columns.iter().zip(cells) {
                                td {
                                    @if c == "name" {
                                        a href=(view.uri) { (cell) }
                                    } @else {
                                        (cell)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        nav class="pager" aria-label="pages" {
            p {
                @if p.page > 1 {
                    a rel="prev" href=(page_href(p.page - 1)) { "← " (lang.t("Föregående", "Previous")) }
                    " "
                }
                @if p.page < p.pages {
                    a rel="next" href=(page_href(p.page + 1)) { (lang.t("Nästa", "Next")) " →" }
                }
            }
        }
        h2 { (lang.t("Ladda ner", "Download")) }
        p {
            (lang.t(
                "Varje fil har alla poster i den aktuella versionen. Vill du filtrera eller bläddra, använd REST-API:t nedan.",
                "Each file has every item of the current version. To filter or page through them, use the REST API below."
            ))
        }
        ul {
            @for (href, label) in &downloads {
                li { a href=(href) { (label) } }
            }
        }
        h2 { (lang.t("Använd i din app", "Use it in your app")) }
        p {
            (lang.t(
                "REST-API (JSON; GeoJSON och CSV med format=):",
                "REST API (JSON; GeoJSON and CSV with format=):"
            ))
        }
        pre { code { "curl '" (p.base) "/api/v1/datasets/" (id) "/items?limit=10'" } }
        p { (lang.t("SPARQL (spara frågan som query.rq):", "SPARQL (save the query as query.rq):")) }
        pre { code { (query) } }
        pre { code { "curl -H 'Accept: text/csv' --data-urlencode 'query@query.rq' " (p.base) "/sparql" } }
    }
}

/// The municipality page.
pub struct MunicipalityPage<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub county: Option<&'a str>,
    pub organisation_number: Option<&'a str>,
    pub base: &'a str,
    /// Datasets it publishes.
    pub own: Vec<DatasetSummary<'a>>,
    /// Others' datasets with items in it: (dataset id, title, items in the municipality).
    pub others: Vec<(&'a str, &'a Localized, usize)>,
}

pub fn municipality(lang: Lang, p: &MunicipalityPage<'_>) -> Markup {
    let q = lang.query();
    let uri = format!("{}/municipality/{}", p.base, p.code);
    html! {
        h1 { (p.name) }
        table {
            tr { th scope="row" { (lang.t("Kommunkod", "Municipality code")) } td { (p.code) } }
            @if let Some(county) = p.county {
                tr { th scope="row" { (lang.t("Län", "County")) } td { (county) } }
            }
            @if let Some(n) = p.organisation_number {
                tr { th scope="row" { (lang.t("Organisationsnummer", "Organisation number")) } td { (n) } }
            }
            tr { th scope="row" { "URI" } td { a href=(uri) { (uri) } } }
        }
        h2 { (lang.t("Katalog för dataportal.se", "Catalog for dataportal.se")) }
        p {
            (lang.t(
                "Registrera den här adressen hos Sveriges dataportal för att skörda kommunens datamängder (DCAT-AP-SE, RDF/XML).",
                "Register this URL with the Swedish data portal to harvest the municipality's datasets (DCAT-AP-SE, RDF/XML)."
            ))
        }
        pre { code { (p.base) "/catalog/" (p.code) } }
        h2 { (lang.t("Kommunens datamängder", "Its datasets")) }
        @if p.own.is_empty() {
            p {
                (lang.t(
                    "Kommunen publicerar inga datamängder här ännu.",
                    "The municipality publishes no datasets here yet."
                ))
            }
        } @else {
            (dataset_list(lang, &p.own))
        }
        @if !p.others.is_empty() {
            h2 {
                (lang.t(
                    "Poster i kommunen från andra utgivare",
                    "Items in the municipality from other publishers"
                ))
            }
            ul {
                @for (id, title, n) in &p.others {
                    li {
                        a href=(format!("/datasets/{id}{q}")) { (lang.pick(title)) }
                        ": " (n) " " (lang.t("poster", "items"))
                    }
                }
            }
        }
    }
}

/// The HTML page of an item, in the layout: what it is, where (a map with its point), its
/// attributes, its dataset and municipality pages, and links to every other representation.
/// No language switch: an item URI's language follows `Accept-Language`.
pub fn item(v: &ItemView, dataset_title: Option<&Localized>, lang: Lang) -> Markup {
    let q = lang.query();
    let mut rows: Vec<(&str, String)> = vec![(lang.t("typ", "type"), v.kind.clone())];
    if let (Some(lat), Some(lon)) = (v.latitude, v.longitude) {
        rows.push((
            lang.t("position (WGS84)", "position (WGS84)"),
            format!("{lat}, {lon}"),
        ));
    }
    if let Some(u) = &v.updated {
        rows.push((lang.t("uppdaterad", "updated"), u.clone()));
    }
    for (k, val) in &v.properties {
        let text = match val {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        rows.push((k, text));
    }
    let links = [
        (v.uri.as_str(), "Turtle", "text/turtle"),
        (v.uri.as_str(), "JSON-LD", "application/ld+json"),
        (v.uri.as_str(), "N-Triples", "application/n-triples"),
        (v.uri.as_str(), "RDF/XML", "application/rdf+xml"),
        (v.links.self_.as_str(), "JSON (REST API)", "application/json"),
        (
            v.links.feature.as_str(),
            "GeoJSON (OGC API Features)",
            "application/geo+json",
        ),
        (
            v.links.dataset.as_str(),
            lang.t("Datamängden (JSON)", "The dataset (JSON)"),
            "application/json",
        ),
    ];
    let has_position = v.latitude.is_some() && v.longitude.is_some();
    let head = html! {
        @for (href, _, media) in &links {
            link rel="alternate" type=(media) href=(href);
        }
        @if has_position {
            (map_head())
        }
    };
    let dataset_label = format!(
        "{}: {}",
        lang.t("Datamängd", "Dataset"),
        dataset_title.map_or(v.dataset.as_str(), |t| lang.pick(t))
    );
    let main = html! {
        h1 { (v.name) }
        p class="meta" {
            a href=(format!("/datasets/{}{q}", v.dataset)) { (dataset_label) }
            " · "
            a href=(format!("/municipalities/{}{q}", v.municipality.code)) {
                (v.municipality.name) " (" (v.municipality.code) ")"
            }
        }
        p { code { (v.uri) } }
        @if let Some(d) = &v.description {
            p { (d) }
        }
        @if has_position {
            div id="map" class="small" role="region"
                aria-label=(lang.t("Karta med postens läge", "Map of the item's position"))
                data-items=(v.links.feature) data-lang=(lang.code()) {}
        }
        table {
            @for (k, val) in &rows {
                tr { th scope="row" { (k) } td { (val) } }
            }
        }
        h2 { (lang.t("Andra format", "Other formats")) }
        p {
            (lang.t(
                "Samma URI svarar i varje format efter Accept-huvudet.",
                "The same URI answers in each format by the Accept header."
            ))
        }
        ul {
            @for (href, title, media) in &links {
                li { a href=(href) type=(media) { (title) } " " code { (media) } }
            }
        }
    };
    layout(lang, &v.name, "", head, main)
}

/// The style of [`resource`]'s page.
const RESOURCE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}th{text-align:left;padding-right:1rem;vertical-align:top;font-weight:normal}td{word-break:break-word}";

/// The page of a described resource other than an item (a dataset, a version, a municipality,
/// a term…): each subject with its predicates and objects; IRIs are links.
pub fn resource(iri: &str, statements: &[Statement]) -> Markup {
    let label = statements
        .iter()
        .find(|s| {
            s.subject == iri
                && (s.predicate.ends_with("/title")
                    || s.predicate.ends_with("#label")
                    || s.predicate.ends_with("/name"))
        })
        .map_or(iri, |s| s.object.as_str());
    // The statements in runs of one subject.
    let mut subjects: Vec<(&str, Vec<&Statement>)> = Vec::new();
    for s in statements {
        match subjects.last_mut() {
            Some((subject, run)) if *subject == s.subject => run.push(s),
            _ => subjects.push((&s.subject, vec![s])),
        }
    }
    let body = html! {
        h1 { (label) }
        p { code { (iri) } ": also as Turtle, JSON-LD, N-Triples and RDF/XML by " code { "Accept" } "." }
        @for (subject, run) in &subjects {
            h2 { code { (subject) } }
            table {
                @for s in run {
                    tr {
                        th { (anchor(&s.predicate, &s.predicate)) }
                        td {
                            @if s.object_is_iri {
                                (anchor(&s.object, &s.object))
                            } @else if let Some(l) = &s.language {
                                span lang=(l) { (s.object) } " " code { "@" (l) }
                            } @else {
                                (s.object)
                            }
                        }
                    }
                }
            }
        }
    };
    bare(label, html! { style { (PreEscaped(RESOURCE_STYLE)) } }, body)
}

/// A page outside the layout (a described resource, the SPARQL editor): the document, its head
/// (`head` goes at the end of it) and `body`.
pub fn bare(title: &str, head: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="sv" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                (head)
            }
            body { (body) }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn accept_language_picks_english_only_when_preferred_to_swedish() {
        for (header, lang) in [
            (None, Lang::Sv),
            (Some("en-GB,en;q=0.9"), Lang::En),
            (Some("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Sv),
            (Some("de-DE,en;q=0.5"), Lang::En),
            (Some("de-DE"), Lang::Sv),
            (Some("en;q=0.4,sv;q=0.6"), Lang::Sv),
            (Some("en, sv"), Lang::En),
        ] {
            assert_eq!(Lang::from_accept_language(header), lang, "{header:?}");
        }
    }

    use super::*;

    /// A value with every character that matters to HTML.
    const HOSTILE: &str = r#"<script>alert("x")</script> & 'y'"#;
    /// [`HOSTILE`] as text or in a double-quoted attribute: `'` needs no escape there, since
    /// every attribute maud writes is in double quotes.
    const HOSTILE_ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'y'";

    fn page(markup: Markup) -> String {
        markup.into_string()
    }

    #[test]
    fn layout_sets_the_language_and_escapes_the_title() {
        let page = page(layout(
            Lang::En,
            "<script>x</script>",
            "/?q=\"",
            html! {},
            html! { p { "ok" } },
        ));
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(page.contains(r#"<html lang="en">"#));
        assert!(page.contains("<title>&lt;script&gt;x&lt;/script&gt; · datahamn</title>"));
        assert!(!page.contains("<script>x"));
        assert!(page.contains(r#"href="/?q=&quot;""#));
        assert!(page.contains(r#"<main id="main"><p>ok</p></main>"#));
        assert!(page.contains("Svenska"));
        let sv = layout(Lang::Sv, "t", "/?lang=en", html! {}, html! {}).into_string();
        assert!(sv.contains(r#"<html lang="sv">"#) && sv.contains("English"));
        let none = layout(Lang::Sv, "t", "", html! {}, html! {}).into_string();
        assert!(!none.contains("hreflang"), "no switch without a URL");
    }

    #[test]
    fn only_web_and_mail_links_are_rendered_as_links() {
        assert_eq!(
            anchor("https://a.se/?a=1&b='2'", "x<y\"").into_string(),
            r#"<a href="https://a.se/?a=1&amp;b='2'">x&lt;y&quot;</a>"#
        );
        assert_eq!(
            anchor("mailto:a@b.se", "a@b.se").into_string(),
            r#"<a href="mailto:a@b.se">a@b.se</a>"#
        );
        for href in [
            "javascript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "/x",
        ] {
            assert_eq!(anchor(href, "<b>").into_string(), "&lt;b&gt;", "{href}");
        }
    }

    fn record(id: &str) -> DatasetRecord {
        DatasetRecord {
            meta: crate::catalog::DatasetMeta {
                id: id.into(),
                profile: "bathing-sites".into(),
                publisher: HOSTILE.into(),
                title: Localized::new(HOSTILE, HOSTILE),
                description: Localized::new(HOSTILE, HOSTILE),
                license: "javascript:alert(1)".into(),
                conforms_to: Some(format!("https://a.se/{HOSTILE}")),
                keywords: Default::default(),
                themes: Vec::new(),
                contact_email: HOSTILE.into(),
                landing_page: None,
                example: true,
                publish_valid_rows: false,
                provenance: None,
                update_frequency: Some(HOSTILE.into()),
                column_mapping: Default::default(),
            },
            versions: Vec::new(),
            deleted: None,
        }
    }

    fn view() -> ItemView {
        let mut properties = serde_json::Map::new();
        properties.insert(HOSTILE.into(), Json::String(HOSTILE.into()));
        ItemView {
            id: "d:a".into(),
            uri: format!("http://e/id/d/{HOSTILE}"),
            kind: HOSTILE.into(),
            dataset: HOSTILE.into(),
            name: HOSTILE.into(),
            description: Some(HOSTILE.into()),
            latitude: Some(57.5),
            longitude: Some(12.25),
            municipality: crate::mapping::MunicipalityRef::from_code("1401"),
            updated: Some(HOSTILE.into()),
            properties,
            extra_columns: serde_json::Map::new(),
            links: Default::default(),
        }
    }

    /// No `<script`, no `<`/`>`/`"` of the value unescaped: the value only ever appears
    /// escaped.
    fn assert_escaped(html: &str) {
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains(HOSTILE), "{html}");
        assert!(!html.contains("alert(\"x\")"), "{html}");
        assert!(html.contains(HOSTILE_ESCAPED), "{html}");
    }

    #[test]
    fn the_home_and_dataset_pages_escape_every_value() {
        let record = record("d");
        let kind = Localized::new(HOSTILE, HOSTILE);
        let summary = || DatasetSummary {
            record: &record,
            publisher_name: HOSTILE.into(),
            kind: &kind,
            item_count: 1,
        };
        let item = view();
        let home = home(
            Lang::En,
            &HomeFilters {
                q: HOSTILE,
                municipality: HOSTILE,
                kind: "",
                publishers: vec![(HOSTILE.into(), HOSTILE.into())],
                kinds: vec![("bathing-sites", &kind)],
            },
            &[summary()],
            1,
            Some(&ItemHits {
                items: vec![&item],
                total: 1,
            }),
        )
        .into_string();
        assert_escaped(&home);
        assert!(
            home.contains(&format!(r#"value="{HOSTILE_ESCAPED}""#)),
            "the search box"
        );
        assert!(home.contains(&format!(r#"<option value="{HOSTILE_ESCAPED}" selected>"#)));

        let dataset = dataset(
            Lang::En,
            &DatasetPage {
                summary: summary(),
                base: "http://e",
                rows: vec![&item],
                columns: vec!["name".into(), HOSTILE.into()],
                cells: vec![vec![HOSTILE.into(), HOSTILE.into()]],
                page: 1,
                pages: 2,
                has_positions: true,
                update_frequency: Some(HOSTILE),
            },
        )
        .into_string();
        assert_escaped(&dataset);
        assert!(
            !dataset.contains("href=\"javascript:"),
            "a stored licence is no link"
        );
        assert!(dataset.contains(r#"href="/datasets/d?page=2&amp;lang=en#preview""#));
        assert!(dataset.contains(r#"data-items="/api/v1/datasets/d/items?format=geojson&amp;limit=1000""#));

        let municipality = municipality(
            Lang::Sv,
            &MunicipalityPage {
                code: HOSTILE,
                name: HOSTILE,
                county: Some(HOSTILE),
                organisation_number: Some(HOSTILE),
                base: "http://e",
                own: vec![summary()],
                others: vec![(HOSTILE, &kind, 3)],
            },
        )
        .into_string();
        assert_escaped(&municipality);
        assert_escaped(&error(Lang::Sv, HOSTILE, HOSTILE).into_string());
    }

    #[test]
    fn the_item_page_escapes_every_value() {
        let title = Localized::new(HOSTILE, HOSTILE);
        let html = item(&view(), Some(&title), Lang::Sv).into_string();
        assert_escaped(&html);
        assert!(html.contains(&format!(
            "<th scope=\"row\">{HOSTILE_ESCAPED}</th><td>{HOSTILE_ESCAPED}</td>"
        )));
        assert!(html.contains(r#"<div id="map" class="small""#), "{html}");

        let statements = vec![Statement {
            subject: "http://e/dataset/d".into(),
            predicate: "http://purl.org/dc/terms/title".into(),
            object: HOSTILE.into(),
            object_is_iri: false,
            language: Some(HOSTILE.into()),
        }];
        let html = resource("http://e/dataset/d", &statements).into_string();
        assert_escaped(&html);
        assert!(
            html.contains(r#"<a href="http://purl.org/dc/terms/title">"#),
            "{html}"
        );
    }

    #[test]
    fn languages_fall_back_to_the_other_text() {
        let text = Localized::new("Badplatser", "");
        assert_eq!(Lang::En.pick(&text), "Badplatser");
        assert_eq!(Lang::from_param(Some("EN")), Lang::En);
        assert_eq!(Lang::from_param(Some("de")), Lang::Sv);
    }
}
