//! The SPARQL query page for people: `GET /sparql` from a browser gets a YASGUI editor (served
//! from `assets/yasgui/`, so it works without internet) with example queries that answer real
//! questions on the published data (one of them with GeoSPARQL); it runs queries against this
//! endpoint.

use crate::error::ApiError;
use crate::http::State;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, PreEscaped, html};

/// The vendored YASGUI version: part of the asset URLs, so they can be cached for good.
pub const YASGUI_VERSION: &str = "4.6.2";
const YASGUI_JS: &[u8] = include_bytes!("../../../assets/yasgui/yasgui.min.js");
const YASGUI_CSS: &[u8] = include_bytes!("../../../assets/yasgui/yasgui.min.css");

/// Example queries on the facilities every kind of place may have (OpenStreetMap's keys as
/// `schema:propertyID`): (title, question it answers, query with `{BASE}` for the base URL).
const GENERAL_EXAMPLES: [(&str, &str, &str); 2] = [
    (
        "Toaletter per kommun",
        "How many places with toilets does each municipality have?",
        r#"PREFIX schema: <https://schema.org/>
PREFIX dh: <{BASE}/def/>
SELECT ?municipality (COUNT(DISTINCT ?place) AS ?with_toilets) WHERE {
  ?place dh:municipalityCode ?code .
  {
    # The facility, where the file fills it in (propertyID as in OpenStreetMap: "toilets")
    ?place schema:amenityFeature ?feature .
    ?feature schema:propertyID "toilets" ; schema:value true .
  } UNION {
    # Where it does not, a description that mentions a toilet
    ?place schema:description ?description .
    FILTER(CONTAINS(LCASE(?description), "toalett"))
    FILTER NOT EXISTS { ?place schema:amenityFeature/schema:propertyID "toilets" }
  }
  ?m a dh:Municipality ; dh:municipalityCode ?code ; schema:name ?municipality .
}
GROUP BY ?municipality
ORDER BY DESC(?with_toilets)"#,
    ),
    (
        "Rullstolsanpassat per kommun",
        "Which municipality has the most places with wheelchair access?",
        r#"PREFIX schema: <https://schema.org/>
PREFIX dh: <{BASE}/def/>
SELECT ?municipality (COUNT(DISTINCT ?place) AS ?wheelchair_accessible) WHERE {
  ?place schema:amenityFeature ?feature ; dh:municipalityCode ?code .
  ?feature schema:propertyID "wheelchair" ; schema:value true .
  ?m a dh:Municipality ; dh:municipalityCode ?code ; schema:name ?municipality .
}
GROUP BY ?municipality
ORDER BY DESC(?wheelchair_accessible)"#,
    ),
];

/// The page's example queries: each profile's own (`[[sparql_examples]]`; the first profile's
/// first), then the general ones. Each answers on the shipped datasets (`tests/http/sparql.rs`
/// runs every one the page carries).
pub(crate) fn examples() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut profiles = crate::profile::all().iter();
    let own = |p: &'static crate::profile::Profile| {
        p.sparql_examples
            .iter()
            .map(|e| (e.title.as_str(), e.question.as_str(), e.query.as_str()))
    };
    let mut out: Vec<_> = profiles.next().into_iter().flat_map(own).collect();
    out.extend(GENERAL_EXAMPLES);
    out.extend(profiles.flat_map(own));
    out
}

/// The page's own script: opens the editor and the example buttons (a fixed literal).
const SCRIPT: &str = r#"
const examples = JSON.parse(document.getElementById('example-queries').textContent);
// `#example-N` opens and runs example N; read before YASGUI, which uses the URL itself.
const wanted = /^#example-(\d+)$/.exec(location.hash);
const yasgui = new Yasgui(document.getElementById('yasgui'), {
  requestConfig: { endpoint: location.origin + '/sparql', method: 'POST' },
  copyEndpointOnNewTab: false,
  persistenceId: null,
});
function show(i) {
  const tab = yasgui.getTab();
  tab.setQuery(examples[i].query);
  tab.query();
}
for (const b of document.querySelectorAll('#examples button')) b.addEventListener('click', () => show(Number(b.dataset.example)));
if (wanted && examples[Number(wanted[1])]) show(Number(wanted[1]));
else yasgui.getTab().setQuery(examples[0].query);
"#;

/// The page's style (a fixed literal).
const STYLE: &str =
    "body{font-family:system-ui,sans-serif;margin:1rem 2rem}#examples button{margin:0 .3rem .3rem 0}";

/// The examples as JSON for a `<script type="application/json">` element: `</` is written
/// `<\/`, so no value can end the element (JSON reads both the same).
fn script_json(examples: &[serde_json::Value]) -> String {
    serde_json::to_string(examples)
        .unwrap_or_else(|_| "[]".into())
        .replace("</", "<\\/")
}

/// The page. `geosparql`: whether the store evaluates GeoSPARQL's functions (the embedded
/// store does; a remote engine may not), which decides whether their example and mention appear.
pub fn page(base: &str, geosparql: bool) -> Markup {
    let shown: Vec<(&str, &str, &str)> = examples()
        .into_iter()
        .filter(|(_, _, query)| geosparql || !query.contains("geof:"))
        .collect();
    let examples: Vec<serde_json::Value> = shown
        .iter()
        .map(|(title, question, query)| {
            serde_json::json!({"title": title, "question": question, "query": query.replace("{BASE}", base)})
        })
        .collect();
    let v = YASGUI_VERSION;
    let head = html! {
        link rel="stylesheet" href=(format!("/sparql/ui/{v}/yasgui.min.css"));
        style { (PreEscaped(STYLE)) }
    };
    let body = html! {
        h1 { "SPARQL" }
        p {
            "Fråga alla publicerade data med SPARQL. / Query everything published with SPARQL: "
            code { (base) "/sparql" }
            " (GET or POST, SPARQL 1.1 Protocol). The default graph is the union of every dataset and the catalog. Queries stop after the endpoint's time limit, and long answers are cut (the "
            code { "Datahamn-Results-Truncated" }
            " header says so)."
            @if geosparql {
                " GeoSPARQL's functions (" code { "geof:distance" } ", " code { "geof:sfWithin" }
                ", …) work on every item's WKT point."
            }
            " " code { "DESCRIBE" } " of an item includes its position, address and facilities."
        }
        p id="examples" {
            "Exempel / Examples: "
            @for (i, (title, question, _)) in shown.iter().enumerate() {
                button type="button" data-example=(i) title=(question) { (title) } " "
            }
        }
        div id="yasgui" {}
        // JSON, not HTML: escaped for a script element by `script_json`.
        script type="application/json" id="example-queries" { (PreEscaped(script_json(&examples))) }
        script src=(format!("/sparql/ui/{v}/yasgui.min.js")) {}
        script { (PreEscaped(SCRIPT)) }
    };
    crate::http::pages::bare("datahamn: SPARQL", head, body)
}

/// The query page (for a browser's `GET /sparql` without a query).
pub fn respond(state: &State) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "Accept, Accept-Encoding"))
        .body(
            page(
                state.iris().base(),
                !state.store().extension_functions().is_empty(),
            )
            .into_string(),
        )
}

fn asset(req: &HttpRequest, body: &'static [u8], content_type: &str) -> Result<HttpResponse, ApiError> {
    crate::http::params::none(req.query_string(), "A static file takes no parameters.")?;
    Ok(crate::http::immutable_asset(body, content_type))
}

/// YASGUI's script, vendored.
pub async fn yasgui_js(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    asset(&req, YASGUI_JS, "text/javascript; charset=utf-8")
}

/// YASGUI's style sheet, vendored.
pub async fn yasgui_css(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    asset(&req, YASGUI_CSS, "text/css; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_valid_sparql_and_the_page_carries_them_safely() {
        let all = examples();
        for (_, _, q) in &all {
            let q = q.replace("{BASE}", "http://example.org");
            spargebra::SparqlParser::new()
                .parse_query(&q)
                .unwrap_or_else(|e| panic!("{e}: {q}"));
        }
        let page = page("http://example.org/</script><script>alert(1)</script>", true).into_string();
        assert!(!page.contains("</script><script>alert(1)"));
        assert!(page.contains("geof:distance("));
        // Without GeoSPARQL, its example is left out (and the buttons still match the list).
        let page = super::page("http://example.org", false).into_string();
        assert!(!page.contains("geof:"));
        assert!(page.contains(&format!(r#"data-example="{}""#, all.len() - 2)));
        assert!(!page.contains(&format!(r#"data-example="{}""#, all.len() - 1)));
    }
}
