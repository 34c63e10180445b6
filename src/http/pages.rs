//! The public web pages: server-rendered HTML for people, in Swedish (default) and English.
//!
//! Owns the layout (header, language switch, footer, style), the home page (datasets with
//! search and filters), the dataset page (metadata, validation status, a preview table with
//! paging, a map where items have positions, downloads, API and SPARQL examples) and the
//! municipality page (its datasets, items in it from others' datasets, its catalog URL for the
//! national portal). Pages are read without JavaScript; only the map needs it. Every value that
//! comes from data or the request is escaped with [`escape`].

use crate::catalog::DatasetRecord;
use crate::http::render::{anchor, escape};
use crate::mapping::ItemView;
use crate::profile::Localized;
use std::fmt::Write as _;

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
/// language follows `Accept-Language`) and the footer.
pub fn layout(lang: Lang, title: &str, switch_href: &str, head: &str, main: &str) -> String {
    let e = escape;
    let q = lang.query();
    let (switch_label, switch_lang) = match lang {
        Lang::Sv => ("English", "en"),
        Lang::En => ("Svenska", "sv"),
    };
    let switch = if switch_href.is_empty() {
        String::new()
    } else {
        format!(
            r#"<a href="{}" hreflang="{switch_lang}" lang="{switch_lang}">{switch_label}</a>"#,
            e(switch_href)
        )
    };
    format!(
        r##"<!doctype html>
<html lang="{code}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · datahamn</title>
<style>{STYLE}</style>{head}
</head><body>
<a class="skip" href="#main">{skip}</a>
<header><nav aria-label="{nav}"><a class="brand" href="/{q}">datahamn</a>
<a href="/{q}">{datasets}</a><a href="/sparql">SPARQL</a><a href="/docs/">{api}</a><a href="/steward{q}">{publish}</a>
{switch}</nav></header>
<main id="main">
{main}
</main>
<footer><p>{footer} <a href="/catalog">DCAT-AP-SE</a> · <a href="/openapi.json">OpenAPI</a> · <a href="/api/v1">REST API</a></p></footer>
</body></html>
"##,
        code = lang.code(),
        title = e(title),
        skip = lang.t("Hoppa till innehållet", "Skip to content"),
        nav = lang.t("Huvudmeny", "Main menu"),
        datasets = lang.t("Datamängder", "Datasets"),
        api = lang.t("API-dokumentation", "API documentation"),
        publish = lang.t("Publicera data", "Publish data"),
        footer = lang.t(
            "Öppna data från svenska kommuner, i ett gemensamt vokabulär.",
            "Open data from Swedish municipalities, in one shared vocabulary."
        ),
    )
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

fn dataset_list(lang: Lang, datasets: &[DatasetSummary<'_>]) -> String {
    let e = escape;
    let q = lang.query();
    let mut out = String::from(r#"<ul class="datasets">"#);
    for d in datasets {
        let meta = &d.record.meta;
        let updated = d
            .record
            .current()
            .map(|v| v.issued.get(..10).unwrap_or(&v.issued).to_owned())
            .unwrap_or_default();
        let example = if meta.example {
            format!(
                r#" <span class="badge warn">{}</span>"#,
                lang.t("Exempeldata", "Example data")
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"<li><h3><a href="/datasets/{id}{q}">{title}</a>{example}</h3><p>{description}</p>
<p class="meta">{kind} · <a href="/municipalities/{publisher}{q}">{publisher_name}</a> · {count} {items} · {updated_label} {updated}</p></li>"#,
            id = e(&meta.id),
            title = e(lang.pick(&meta.title)),
            description = e(lang.pick(&meta.description)),
            kind = e(lang.pick(d.kind)),
            publisher = e(&meta.publisher),
            publisher_name = e(&d.publisher_name),
            count = d.item_count,
            items = lang.t("poster", "items"),
            updated_label = lang.t("uppdaterad", "updated"),
            updated = e(&updated),
        );
    }
    out.push_str("</ul>");
    out
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
pub fn options<'a>(out: &mut String, options: impl Iterator<Item = (&'a str, &'a str)>, selected: &str) {
    for (value, label) in options {
        let _ = write!(
            out,
            r#"<option value="{}"{}>{}</option>"#,
            escape(value),
            if value == selected { " selected" } else { "" },
            escape(label),
        );
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
) -> String {
    let e = escape;
    let mut main = format!(
        r#"<h1>{h1}</h1><p>{intro}</p>
<form class="filters" method="get" action="/" role="search">
<label for="q">{search}<input id="q" name="q" type="search" value="{q}"></label>
<label for="municipality">{org}<select id="municipality" name="municipality"><option value="">{all_orgs}</option>"#,
        h1 = lang.t("Öppna data från kommunerna", "Open data from the municipalities"),
        intro = {
            let kinds = crate::profile::kinds();
            let sv = format!(
                "Öppna data från kommunerna: {}, publicerade enligt gemensamma standarder. Allt finns också som REST-API, SPARQL och DCAT-AP-SE.",
                kinds.sv
            );
            let en = format!(
                "Open data from the municipalities: {}, published to shared standards. Everything is also a REST API, SPARQL and DCAT-AP-SE.",
                kinds.en
            );
            e(lang.t(&sv, &en))
        },
        search = lang.t("Sök", "Search"),
        q = e(filters.q),
        org = lang.t("Utgivare", "Publisher"),
        all_orgs = lang.t("Alla", "All"),
    );
    options(
        &mut main,
        filters
            .publishers
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str())),
        filters.municipality,
    );
    let _ = write!(
        main,
        r#"</select></label><label for="kind">{kind}<select id="kind" name="kind"><option value="">{all}</option>"#,
        kind = lang.t("Typ av data", "Kind of data"),
        all = lang.t("Alla", "All"),
    );
    options(
        &mut main,
        filters.kinds.iter().map(|(id, title)| (*id, lang.pick(title))),
        filters.kind,
    );
    let _ = write!(
        main,
        r#"</select></label>{lang_field}<button type="submit">{go}</button></form>
<h2>{n} {of} {total} {datasets}</h2>"#,
        lang_field = if lang == Lang::En {
            r#"<input type="hidden" name="lang" value="en">"#
        } else {
            ""
        },
        go = lang.t("Sök", "Search"),
        n = datasets.len(),
        of = lang.t("av", "of"),
        datasets = lang.t("datamängder", "datasets"),
    );
    if datasets.is_empty() {
        let _ = write!(
            main,
            "<p>{}</p>",
            lang.t(
                "Inga datamängder matchar. Ta bort ett filter eller sök på något annat.",
                "No dataset matches. Remove a filter or search for something else."
            )
        );
    } else {
        main.push_str(&dataset_list(lang, datasets));
    }
    if let Some(hits) = hits {
        let _ = write!(
            main,
            "<h2>{n} {items}</h2>",
            n = hits.total,
            items = lang.t("poster matchar", "items match"),
        );
        if hits.total > hits.items.len() {
            let _ = write!(
                main,
                "<p>{} {}.</p>",
                lang.t("De första", "The first"),
                hits.items.len()
            );
        }
        main.push_str("<ul>");
        for v in &hits.items {
            let _ = write!(
                main,
                r#"<li><a href="{uri}">{name}</a> · {municipality} · <a href="/datasets/{dataset}{q}">{dataset}</a></li>"#,
                uri = e(&v.uri),
                name = e(&v.name),
                municipality = e(&v.municipality.name),
                dataset = e(&v.dataset),
                q = lang.query(),
            );
        }
        main.push_str("</ul>");
    }
    main
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
pub fn dataset(lang: Lang, p: &DatasetPage<'_>) -> String {
    let e = escape;
    let q = lang.query();
    let record = p.summary.record;
    let meta = &record.meta;
    let id = e(&meta.id);
    let mut main = format!(
        "<h1>{title}</h1><p>{description}</p>",
        title = e(lang.pick(&meta.title)),
        description = e(lang.pick(&meta.description)),
    );
    if meta.example {
        let _ = write!(
            main,
            r#"<p><span class="badge warn">{}</span></p>"#,
            lang.t(
                "Exempeldata: påhittade poster som visar hur datamängden ser ut, inte verkliga uppgifter.",
                "Example data: made-up items that show what the dataset looks like, not real facts."
            )
        );
    }
    // Metadata.
    let mut facts: Vec<(&str, String)> = vec![
        (
            lang.t("Utgivare", "Publisher"),
            format!(
                r#"<a href="/municipalities/{}{q}">{}</a>"#,
                e(&meta.publisher),
                e(&p.summary.publisher_name)
            ),
        ),
        (
            lang.t("Typ av data", "Kind of data"),
            e(lang.pick(p.summary.kind)),
        ),
        (lang.t("Licens", "Licence"), anchor(&meta.license, &meta.license)),
        (
            lang.t("Kontakt", "Contact"),
            anchor(&format!("mailto:{}", meta.contact_email), &meta.contact_email),
        ),
        (
            "URI",
            format!(r#"<a href="{0}/dataset/{1}">{0}/dataset/{1}</a>"#, e(p.base), id),
        ),
    ];
    if let Some(c) = &meta.conforms_to {
        facts.push((lang.t("Följer", "Conforms to"), anchor(c, c)));
    }
    let keywords = match lang {
        Lang::Sv => &meta.keywords.sv,
        Lang::En => &meta.keywords.en,
    };
    if !keywords.is_empty() {
        facts.push((
            lang.t("Nyckelord", "Keywords"),
            keywords.iter().map(|k| e(k)).collect::<Vec<_>>().join(", "),
        ));
    }
    if let Some(f) = p.update_frequency {
        facts.push((lang.t("Uppdateras", "Updated"), e(f)));
    }
    main.push_str("<table>");
    for (k, v) in &facts {
        let _ = write!(main, r#"<tr><th scope="row">{k}</th><td>{v}</td></tr>"#);
    }
    main.push_str("</table>");

    // Validation status of the current version.
    if let Some(v) = record.current() {
        let report = &v.report;
        let status = if report.error_count == 0 && v.skipped_row_count == 0 {
            format!(r#"<span class="badge">{}</span>"#, lang.t("Giltig", "Valid"))
        } else {
            format!(
                r#"<span class="badge warn">{}</span>"#,
                lang.t("Publicerad med överhoppade rader", "Published with skipped rows")
            )
        };
        let _ = write!(
            main,
            r#"<h2>{h}</h2><p>{status} {version} {n}, {issued} ({by}). {rows}: {row_count}, {items}: {item_count}, {skipped}: {skipped_count}, {warnings}: {warning_count}.
<a href="/api/v1/datasets/{id}/versions/{n}">{report}</a> · <a href="/api/v1/datasets/{id}/versions">{all}</a></p>"#,
            h = lang.t("Validering", "Validation"),
            version = lang.t("Version", "Version"),
            n = v.number,
            issued = e(&v.issued),
            by = e(&v.published_by),
            rows = lang.t("Rader", "Rows"),
            row_count = v.row_count,
            items = lang.t("poster", "items"),
            item_count = v.item_count,
            skipped = lang.t("överhoppade", "skipped"),
            skipped_count = v.skipped_row_count,
            warnings = lang.t("varningar", "warnings"),
            warning_count = report.warning_count,
            report = lang.t("Hela rapporten (JSON)", "The whole report (JSON)"),
            all = lang.t("Alla versioner", "Every version"),
        );
    }

    // Map.
    if p.has_positions {
        let _ = write!(
            main,
            r#"<h2>{h}</h2><div id="map" role="region" aria-label="{label}" data-items="/api/v1/datasets/{id}/items?format=geojson&amp;limit=1000" data-lang="{lang}"></div>
<noscript><p>{noscript}</p></noscript>"#,
            h = lang.t("Karta", "Map"),
            label = lang.t("Karta över posterna", "Map of the items"),
            lang = lang.code(),
            noscript = lang.t(
                "Kartan behöver JavaScript; tabellen nedan har alla positioner.",
                "The map needs JavaScript; the table below has every position."
            ),
        );
    }

    // Preview.
    let _ = write!(
        main,
        r#"<h2 id="preview">{h}</h2><div class="scroll"><table><caption>{caption}</caption><thead><tr>"#,
        h = lang.t("Förhandsvisning", "Preview"),
        caption = format_args!(
            "{} {} {} {}",
            lang.t("Sida", "Page"),
            p.page,
            lang.t("av", "of"),
            p.pages.max(1)
        ),
    );
    for c in &p.columns {
        let _ = write!(main, r#"<th scope="col">{}</th>"#, e(c));
    }
    main.push_str("</tr></thead><tbody>");
    for (view, cells) in p.rows.iter().zip(&p.cells) {
        main.push_str("<tr>");
        for (c, cell) in p.columns.iter().zip(cells) {
            if c == "name" {
                let _ = write!(main, r#"<td><a href="{}">{}</a></td>"#, e(&view.uri), e(cell));
            } else {
                let _ = write!(main, "<td>{}</td>", e(cell));
            }
        }
        main.push_str("</tr>");
    }
    main.push_str("</tbody></table></div>");
    let page_href = |n: usize| {
        format!(
            "/datasets/{id}?page={n}{}#preview",
            if lang == Lang::En { "&amp;lang=en" } else { "" }
        )
    };
    main.push_str(r#"<nav class="pager" aria-label="pages"><p>"#);
    if p.page > 1 {
        let _ = write!(
            main,
            r#"<a rel="prev" href="{}">← {}</a> "#,
            page_href(p.page - 1),
            lang.t("Föregående", "Previous")
        );
    }
    if p.page < p.pages {
        let _ = write!(
            main,
            r#"<a rel="next" href="{}">{} →</a>"#,
            page_href(p.page + 1),
            lang.t("Nästa", "Next")
        );
    }
    main.push_str("</p></nav>");

    // Downloads.
    let current = record.current().map(|v| v.number);
    let mut downloads: Vec<(String, &str)> = crate::catalog::DOWNLOADS
        .iter()
        .map(|d| (e(&d.path(&meta.id)), d.title))
        .collect();
    downloads.push((format!("/dataset/{id}"), "Turtle / JSON-LD / RDF/XML (DCAT)"));
    if let Some(n) = current {
        downloads.push((format!("/api/v1/datasets/{id}/versions/{n}/data"), "RDF (Turtle)"));
    }
    let _ = write!(
        main,
        "<h2>{}</h2><p>{}</p><ul>",
        lang.t("Ladda ner", "Download"),
        lang.t(
            "Varje fil har alla poster i den aktuella versionen. Vill du filtrera eller bläddra, använd REST-API:t nedan.",
            "Each file has every item of the current version. To filter or page through them, use the REST API below."
        )
    );
    for (href, label) in &downloads {
        let _ = write!(main, r#"<li><a href="{href}">{label}</a></li>"#);
    }
    main.push_str("</ul>");

    // API and SPARQL examples.
    let query = format!(
        "SELECT ?item ?name WHERE {{\n  ?item <http://rdfs.org/ns/void#inDataset> <{base}/dataset/{id_raw}> ;\n        <https://schema.org/name> ?name .\n}} ORDER BY ?name LIMIT 10",
        base = p.base,
        id_raw = meta.id,
    );
    let _ = write!(
        main,
        r#"<h2>{h}</h2><p>{api}</p><pre><code>curl '{base}/api/v1/datasets/{id}/items?limit=10'</code></pre>
<p>{sparql_text}</p><pre><code>{query}</code></pre>
<pre><code>curl -H 'Accept: text/csv' --data-urlencode 'query@query.rq' {base}/sparql</code></pre>"#,
        h = lang.t("Använd i din app", "Use it in your app"),
        api = lang.t(
            "REST-API (JSON; GeoJSON och CSV med format=):",
            "REST API (JSON; GeoJSON and CSV with format=):"
        ),
        base = e(p.base),
        sparql_text = lang.t(
            "SPARQL (spara frågan som query.rq):",
            "SPARQL (save the query as query.rq):"
        ),
        query = e(&query),
    );
    main
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

pub fn municipality(lang: Lang, p: &MunicipalityPage<'_>) -> String {
    let e = escape;
    let q = lang.query();
    let mut main = format!(
        "<h1>{name}</h1><table><tr><th scope=\"row\">{code_label}</th><td>{code}</td></tr>",
        name = e(p.name),
        code_label = lang.t("Kommunkod", "Municipality code"),
        code = e(p.code),
    );
    if let Some(county) = p.county {
        let _ = write!(
            main,
            r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
            lang.t("Län", "County"),
            e(county)
        );
    }
    if let Some(n) = p.organisation_number {
        let _ = write!(
            main,
            r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
            lang.t("Organisationsnummer", "Organisation number"),
            e(n)
        );
    }
    let _ = write!(
        main,
        r#"<tr><th scope="row">URI</th><td><a href="{base}/municipality/{code}">{base}/municipality/{code}</a></td></tr></table>
<h2>{h}</h2><p>{text}</p><pre><code>{base}/catalog/{code}</code></pre>"#,
        base = e(p.base),
        code = e(p.code),
        h = lang.t("Katalog för dataportal.se", "Catalog for dataportal.se"),
        text = lang.t(
            "Registrera den här adressen hos Sveriges dataportal för att skörda kommunens datamängder (DCAT-AP-SE, RDF/XML).",
            "Register this URL with the Swedish data portal to harvest the municipality's datasets (DCAT-AP-SE, RDF/XML)."
        ),
    );
    let _ = write!(
        main,
        "<h2>{}</h2>",
        lang.t("Kommunens datamängder", "Its datasets")
    );
    if p.own.is_empty() {
        let _ = write!(
            main,
            "<p>{}</p>",
            lang.t(
                "Kommunen publicerar inga datamängder här ännu.",
                "The municipality publishes no datasets here yet."
            )
        );
    } else {
        main.push_str(&dataset_list(lang, &p.own));
    }
    if !p.others.is_empty() {
        let _ = write!(
            main,
            "<h2>{}</h2><ul>",
            lang.t(
                "Poster i kommunen från andra utgivare",
                "Items in the municipality from other publishers"
            )
        );
        for (id, title, n) in &p.others {
            let _ = write!(
                main,
                r#"<li><a href="/datasets/{id}{q}">{title}</a>: {n} {items}</li>"#,
                id = e(id),
                title = e(lang.pick(title)),
                items = lang.t("poster", "items"),
            );
        }
        main.push_str("</ul>");
    }
    main
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

    #[test]
    fn layout_sets_the_language_and_escapes_the_title() {
        let page = layout(Lang::En, "<script>x</script>", "/?q=\"", "", "<p>ok</p>");
        assert!(page.contains(r#"<html lang="en">"#));
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!page.contains("<script>x"));
        assert!(page.contains(r#"href="/?q=&quot;""#));
        assert!(page.contains("Svenska"));
        let sv = layout(Lang::Sv, "t", "/?lang=en", "", "");
        assert!(sv.contains(r#"<html lang="sv">"#) && sv.contains("English"));
    }

    #[test]
    fn languages_fall_back_to_the_other_text() {
        let text = Localized::new("Badplatser", "");
        assert_eq!(Lang::En.pick(&text), "Badplatser");
        assert_eq!(Lang::from_param(Some("EN")), Lang::En);
        assert_eq!(Lang::from_param(Some("de")), Lang::Sv);
    }
}
