//! The public web pages over HTTP: the home page's search and filters, dataset and
//! municipality pages, both languages, escaping, and the vendored map assets.

use crate::common::shared;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn page(path: &str) -> (u16, String) {
    let r = shared().send("GET", path, &[("Accept", BROWSER)], b"");
    if r.status == 200 || r.status == 404 {
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
            "{path}: {:?}",
            r.header("content-type")
        );
    }
    (r.status, r.body)
}

#[test]
fn browsers_get_the_home_page_and_api_clients_the_landing_document() {
    let (status, html) = page("/");
    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="sv">"#));
    assert!(html.contains(r#"href="/datasets/harryda-badplatser""#), "{html}");
    assert!(
        html.contains(r#"<label for="q">"#),
        "the search field has a label"
    );
    assert!(html.contains(r#"href="/?lang=en""#), "the language switch");
    let json = shared().get("/");
    assert_eq!(json.status, 200);
    assert!(json.json()["links"]["datasets"].is_string());
    let (_, english) = page("/?lang=en");
    assert!(english.contains(r#"<html lang="en">"#) && english.contains("Open data from the municipalities"));
}

#[test]
fn the_home_page_searches_datasets_and_items_and_filters_by_publisher_and_kind() {
    let (_, html) = page("/?q=fr%C3%B6kens+udde");
    assert!(html.contains(">Frökens udde</a>"), "{html}");
    assert!(html.contains("/id/harryda-badplatser/frokens-udde"), "{html}");
    let (_, html) = page("/?municipality=1401");
    assert!(html.contains(r#"href="/datasets/harryda-badplatser""#));
    assert!(!html.contains(r#"href="/datasets/goteborg-badhus""#), "{html}");
    assert!(html.contains(r#"<option value="1401" selected>"#));
    let (_, html) = page("/?kind=public-services&lang=en");
    assert!(
        html.contains(r#"href="/datasets/goteborg-e-tjanster?lang=en""#),
        "{html}"
    );
    assert!(!html.contains(r#"href="/datasets/harryda-badplatser?lang=en""#));
    assert!(html.contains(r#"<input type="hidden" name="lang" value="en">"#));
    let (_, html) = page("/?q=nothing-matches-this");
    assert!(html.contains("Inga datamängder matchar"));
}

#[test]
fn user_input_is_escaped_everywhere() {
    let (status, html) = page("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&municipality=%22%3E%3Cb%3E");
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("\"><b>"));
    let (status, html) = page("/datasets/%3Cimg%20src%3Dx%3E");
    assert_eq!(status, 404);
    assert!(
        !html.contains("<img src=x>") && html.contains("&lt;img src=x&gt;"),
        "{html}"
    );
}

#[test]
fn a_dataset_page_has_metadata_validation_preview_map_downloads_and_examples() {
    let (status, html) = page("/datasets/hav-badvatten");
    assert_eq!(status, 200);
    for part in [
        "<h2>Validering</h2>",
        r#"<div id="map""#,
        r#"data-items="/api/v1/datasets/hav-badvatten/items?format=geojson&amp;limit=1000""#,
        "/assets/leaflet/1.9.4/leaflet.js",
        r#"<h2 id="preview">Förhandsvisning</h2>"#,
        "Sida 1 av",
        r#"rel="next" href="/datasets/hav-badvatten?page=2#preview""#,
        // Every download is the whole dataset.
        r#"<a href="/dumps/datasets/hav-badvatten.nq.gz">"#,
        r#"<a href="/dumps/datasets/hav-badvatten.csv">"#,
        r#"<a href="/dumps/datasets/hav-badvatten.geojson">"#,
        r#"<a href="/dumps/datasets/hav-badvatten.json">"#,
        r#"<a href="/dumps/datasets/hav-badvatten.jsonld">"#,
        "void#inDataset",
        "<noscript>",
    ] {
        assert!(html.contains(part), "{part} missing");
    }
    // 25 rows a page, each named with a link to its URI.
    assert_eq!(html.matches("<tbody>").count(), 1);
    let body = html
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    assert_eq!(body.matches("<tr>").count(), 25);
    let latitude = |cell: &str| {
        cell.split("</td>")
            .next()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(|v| (55.0..70.0).contains(&v))
    };
    assert!(body.split("<td>").any(latitude), "positions are in the table");
    let (_, second) = page("/datasets/hav-badvatten?page=2&lang=en");
    assert!(
        second.contains(r#"rel="prev" href="/datasets/hav-badvatten?page=1&amp;lang=en#preview""#),
        "{second}"
    );
    assert!(second.contains("Page 2 of"));
    // A page number past the end shows the last page.
    let (status, last) = page("/datasets/hav-badvatten?page=999999");
    assert_eq!(status, 200);
    assert!(!last.contains(r#"rel="next""#));
    // The SPARQL example answers.
    let query = "SELECT ?item ?name WHERE { ?item <http://rdfs.org/ns/void#inDataset> ?d ; <https://schema.org/name> ?name . FILTER(STRENDS(STR(?d), \"/dataset/harryda-badplatser\")) } LIMIT 3";
    let r = shared().send(
        "POST",
        "/sparql",
        &[
            ("Content-Type", "application/sparql-query"),
            ("Accept", "application/sparql-results+json"),
        ],
        query.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["results"]["bindings"].as_array().unwrap().len(), 3);
    let (status, _) = page("/datasets/no-such-dataset");
    assert_eq!(status, 404);
}

#[test]
fn a_municipality_page_lists_its_datasets_and_its_catalog_url() {
    let (status, html) = page("/municipalities/1401");
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Härryda kommun</h1>"), "{html}");
    assert!(html.contains("/catalog/1401</code>"));
    assert!(html.contains("212000-1264"));
    assert!(html.contains(r#"href="/datasets/harryda-badplatser""#));
    // HaV's national list has bathing waters in Härryda: listed with their count.
    assert!(html.contains(r#"href="/datasets/hav-badvatten""#), "{html}");
    let (status, _) = page("/municipalities/0000");
    assert_eq!(status, 404);
}

#[test]
fn map_assets_are_vendored_and_cached_for_good() {
    for path in [
        "/assets/leaflet/1.9.4/leaflet.js",
        "/assets/leaflet/1.9.4/leaflet.css",
        "/assets/web/2/map.js",
    ] {
        let r = shared().get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.header("cache-control").unwrap().contains("immutable"));
    }
}

#[test]
fn an_items_page_is_in_the_layout_in_the_language_the_browser_prefers() {
    let path = "/id/harryda-badplatser/frokens-udde";
    let sv = shared().send("GET", path, &[("Accept", BROWSER)], b"");
    assert_eq!(sv.status, 200);
    assert!(sv.body.contains(r#"<html lang="sv">"#) && sv.body.contains("Andra format"));
    assert!(
        sv.body
            .contains(r#"<a href="/datasets/harryda-badplatser">Datamängd: Badplatser i Härryda kommun</a>"#),
        "{}",
        sv.body
    );
    assert!(sv.body.contains(r#"<a href="/municipalities/1401">"#));
    assert!(sv.body.contains(r#"<div id="map" class="small""#));
    assert!(
        sv.body.contains(r#"<a class="brand" href="/">datahamn</a>"#),
        "the site's header"
    );
    let en = shared().send(
        "GET",
        path,
        &[
            ("Accept", BROWSER),
            ("Accept-Language", "en-GB,en;q=0.9,sv;q=0.5"),
        ],
        b"",
    );
    assert!(en.body.contains(r#"<html lang="en">"#) && en.body.contains("Other formats"));
    assert!(en.body.contains(r#"href="/datasets/harryda-badplatser?lang=en""#));
    assert!(en.header("vary").unwrap().contains("Accept-Language"));
    assert_ne!(
        en.header("etag"),
        sv.header("etag"),
        "one entity tag per language"
    );
}
