//! Hostile values where an IRI, a link or a spreadsheet cell comes from: every metadata field
//! that becomes an IRI, through the API's create and PATCH and the steward pages' create form;
//! CSV cells of URL and e-mail columns; and the CSV the service writes back. The values are
//! data: `tests/fixtures/hostile/link-values.jsonl` (one JSON string a line), so adding a case
//! adds a line.

use crate::common::{Response, TestServer, repo_path, start};
use serde_json::{Value, json};

const HARRYDA: &str = "harryda-badplatser";

/// The hostile values of the corpus.
fn hostile() -> Vec<String> {
    let path = repo_path("tests/fixtures/hostile/link-values.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let values: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {l}: {e}", path.display())))
        .collect();
    assert!(values.len() >= 20, "the corpus is there");
    values
}

/// The metadata fields that become IRIs, and how each is sent.
const LINK_FIELDS: [&str; 6] = [
    "license",
    "conforms_to",
    "landing_page",
    "update_frequency",
    "themes",
    "contact_email",
];

fn field_value(field: &str, value: &str) -> Value {
    if field == "themes" {
        json!([value])
    } else {
        json!(value)
    }
}

fn send_json(server: &TestServer, method: &str, path: &str, token: &str, body: &Value) -> Response {
    server.send(
        method,
        path,
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

/// A refusal names the field and the rule, in Swedish and English.
fn assert_refused(r: &Response, field: &str, value: &str) {
    assert_eq!(r.status, 400, "{field} = {value:?}: {}", r.body);
    let problem = r.assert_problem(400, "invalid_body");
    let details = &problem["details"];
    assert_eq!(details["field"], field, "{value:?}: {problem}");
    assert!(
        details["rule"].as_str().is_some_and(|s| !s.is_empty()),
        "{problem}"
    );
    for lang in ["sv", "en"] {
        assert!(
            details["message"][lang].as_str().is_some_and(|s| s.len() > 10),
            "{problem}"
        );
    }
    assert!(
        problem["detail"].as_str().unwrap().starts_with(field),
        "{problem}"
    );
}

/// The steward tests' metadata with every link field filled in.
fn new_dataset(id: &str) -> Value {
    let mut meta: Value = serde_json::from_str(&crate::http::steward::new_dataset(id)).unwrap();
    meta["contact_email"] = json!("gis@harryda.se");
    meta["themes"] = json!(["ENVI"]);
    meta["landing_page"] = json!("https://www.harryda.se/");
    meta["conforms_to"] = json!("https://dataportal.se/specifications/badplatser/1.0");
    meta
}

/// What the public sees must hold none of the hostile values: the catalog (Turtle and
/// N-Triples), the N-Quads dump (every line a well-formed quad), the dataset pages.
fn assert_public_output_clean(server: &TestServer) {
    for accept in ["text/turtle", "application/n-triples"] {
        let catalog = server.get_accept("/catalog", accept);
        assert_eq!(catalog.status, 200, "{}", catalog.body);
        assert!(
            !catalog.body.contains("evil.example"),
            "{accept}: {}",
            catalog.body
        );
        assert!(!catalog.body.contains("hijacked"), "{accept}");
        assert!(
            !catalog.body.to_ascii_lowercase().contains("javascript:"),
            "{accept}"
        );
    }
    let (status, _, dump) = server.get_bytes("/dumps/all.nq.gz");
    assert_eq!(status, 200);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&dump[..]), &mut text).unwrap();
    let quads = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
        .for_slice(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("the dump does not parse: {e}"));
    assert_eq!(quads.len(), text.lines().filter(|l| !l.trim().is_empty()).count());
    assert!(!text.contains("evil.example") && !text.contains("hijacked"));
    for path in [
        format!("/datasets/{HARRYDA}"),
        format!("/dataset/{HARRYDA}"),
        "/datasets/goteborg-badhus".into(),
    ] {
        let page = server.get_accept(&path, "text/html");
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let lower = page.body.to_ascii_lowercase();
        assert!(
            !lower.contains("javascript:") && !lower.contains("evil.example"),
            "{path}"
        );
    }
}

#[test]
fn every_hostile_value_is_refused_in_every_field_that_becomes_an_iri() {
    let server = start();
    let token = server.token(Some("1401"), "Härryda GIS");
    let before = server.get(&format!("/api/v1/datasets/{HARRYDA}")).json();
    let values = hostile();
    for field in LINK_FIELDS {
        for value in &values {
            let patch = json!({ field: field_value(field, value) });
            let r = send_json(
                &server,
                "PATCH",
                &format!("/api/v1/datasets/{HARRYDA}"),
                &token,
                &patch,
            );
            assert_refused(&r, field, value);

            let mut new = new_dataset("harryda-hostile");
            new[field] = field_value(field, value);
            let r = send_json(&server, "POST", "/api/v1/datasets", &token, &new);
            assert_refused(&r, field, value);
        }
    }
    assert_eq!(
        server.get(&format!("/api/v1/datasets/{HARRYDA}")).json(),
        before,
        "nothing changed"
    );
    server
        .get("/api/v1/datasets/harryda-hostile")
        .assert_problem(404, "dataset_not_found");

    // The good values of each field are taken, codes expanded to the EU vocabularies' IRIs.
    let created = send_json(
        &server,
        "POST",
        "/api/v1/datasets",
        &token,
        &new_dataset("harryda-ok"),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let meta = created.json();
    assert_eq!(
        meta["themes"],
        json!(["http://publications.europa.eu/resource/authority/data-theme/ENVI"])
    );
    let patched = send_json(
        &server,
        "PATCH",
        &format!("/api/v1/datasets/{HARRYDA}"),
        &token,
        &json!({"update_frequency": "monthly", "themes": ["envi", "EDUC"], "contact_email": "bad@harryda.se"}),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let catalog = server.get_accept("/catalog", "application/n-triples").body;
    for iri in [
        "<http://publications.europa.eu/resource/authority/frequency/MONTHLY>",
        "<http://publications.europa.eu/resource/authority/data-theme/ENVI>",
        "<http://publications.europa.eu/resource/authority/data-theme/EDUC>",
        "<mailto:bad@harryda.se>",
    ] {
        assert!(catalog.contains(iri), "{iri}");
    }
    assert_public_output_clean(&server);
}

#[test]
fn the_create_form_of_the_steward_pages_refuses_a_hostile_address_in_the_visitors_language() {
    let server = start();
    let token = server.token(Some("1401"), "Härryda GIS");
    let mut browser = crate::http::steward_web::Browser::new(&server);
    assert_eq!(browser.sign_in(&token).status, 303);
    let csrf = browser.csrf("/steward");
    let form = |email: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("id", "harryda-form".to_owned()),
            ("profile", "bathing-sites".to_owned()),
            ("title_sv", "Badplatser".to_owned()),
            ("title_en", "Bath sites".to_owned()),
            ("description_sv", "Kommunens badplatser.".to_owned()),
            ("description_en", "The municipality's bath sites.".to_owned()),
            ("contact_email", email.to_owned()),
        ]
    };
    for value in hostile().iter().filter(|v| !v.trim().is_empty()) {
        let pairs = form(value);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = browser.post_form("/steward/datasets", &pairs);
        assert_eq!(r.status, 400, "{value:?}: {}", r.body);
        assert!(
            r.body.contains("ska vara en e-postadress"),
            "{value:?}: {}",
            r.body
        );
        assert!(!r.body.contains("<script>"), "escaped: {}", r.body);
    }
    let pairs = form("gis@harryda.se");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(browser.post_form("/steward/datasets", &pairs).status, 303);
    assert_eq!(server.get("/api/v1/datasets/harryda-form").status, 200);
    assert_public_output_clean(&server);
}

/// A CSV of one row per hostile value, the value in `column`.
fn csv_with(column: &str, values: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["place_id", "name", "latitude", "longitude", column])
        .unwrap();
    for (i, v) in values.iter().enumerate() {
        w.write_record([&format!("p{i}"), &format!("Plats {i}"), "57.66", "12.14", v])
            .unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn hostile_cells_of_url_and_e_mail_columns_are_errors_in_the_report() {
    let server = start();
    let token = server.token(Some("1401"), "Härryda GIS");
    // Blank cells are missing values, and a file with control characters other than line
    // breaks is refused whole (as binary): each of the rest is a cell of its own.
    let values: Vec<String> = hostile()
        .into_iter()
        .filter(|v| !v.trim().is_empty() && !v.chars().any(|c| c.is_control() && c != '\n' && c != '\r'))
        .collect();
    assert!(values.len() >= 15);
    for column in ["td_url", "visit_url", "email"] {
        let r = server.send(
            "PUT",
            &format!("/api/v1/datasets/{HARRYDA}/data?dry_run=true"),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "text/csv"),
            ],
            &csv_with(column, &values),
        );
        assert_eq!(r.status, 200, "{column}: {}", r.body);
        let answer = r.json();
        let report = &answer["report"];
        let bad_rows: std::collections::BTreeSet<u64> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["column"] == column)
            .filter_map(|e| e["row"].as_u64())
            .collect();
        // Data rows are numbered from 2 (row 1 is the header).
        let every: std::collections::BTreeSet<u64> = (2..2 + values.len() as u64).collect();
        assert_eq!(
            bad_rows, every,
            "{column}: every hostile cell is an error: {report}"
        );
    }
}

#[test]
fn csv_exports_keep_formulas_from_running_and_negative_numbers_as_numbers() {
    let server = start();
    let token = server.token(Some("1401"), "Härryda GIS");
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+46 31 123",
        "-2+3",
        "@SUM(A1)",
        "Vanlig",
    ];
    let distance = |i: usize| -(i as i64 * 10 + 15);
    let mut file = csv::Writer::from_writer(Vec::new());
    file.write_record([
        "place_id",
        "name",
        "latitude",
        "longitude",
        "public_transit_distance",
    ])
    .unwrap();
    for (i, n) in names.iter().enumerate() {
        file.write_record([
            &format!("p{i}"),
            *n,
            &format!("57.6{i}"),
            "12.14",
            &distance(i).to_string(),
        ])
        .unwrap();
    }
    let r = server.send(
        "PUT",
        &format!("/api/v1/datasets/{HARRYDA}/data"),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "text/csv"),
        ],
        &file.into_inner().unwrap(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    for path in [
        format!("/api/v1/bathing-sites?dataset={HARRYDA}&limit=100&format=csv"),
        format!("/dumps/datasets/{HARRYDA}.csv"),
    ] {
        let (status, _, body) = server.get_bytes(&path);
        assert_eq!(status, 200, "{path}");
        let mut rows = csv::Reader::from_reader(&body[..]);
        let headers = rows.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (name, column) = (col("name"), col("public_transit_distance"));
        let mut seen = 0;
        for row in rows.records() {
            let row = row.unwrap();
            for cell in row.iter() {
                let runs = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!runs, "{path}: a spreadsheet would run {cell:?}");
            }
            let i = names
                .iter()
                .position(|n| row[name] == format!("'{n}") || row[name] == **n)
                .unwrap_or_else(|| panic!("{path}: {:?}", &row[name]));
            let want = if names[i] == "Vanlig" {
                names[i].to_owned()
            } else {
                format!("'{}", names[i])
            };
            assert_eq!(row[name], want, "{path}");
            assert_eq!(
                row[column],
                distance(i).to_string(),
                "{path}: a negative number stays a number"
            );
            seen += 1;
        }
        assert_eq!(seen, names.len(), "{path}");
    }
}
