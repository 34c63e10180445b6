//! Mapping proposals over HTTP: a file whose headers the profile does not name is refused with
//! the proposals in its report; the steward confirms the mapping (through the API, or in the
//! report page's table) and it is kept with the dataset, so the next upload of the same layout
//! is published with nothing more to do. One organisation never changes another's mapping.

use crate::common::TestServer;
use crate::http::steward_web::{Browser, field_value};
use serde_json::{Value, json};

/// A GIS tool's export: `Nam` for the name (too unsure to apply alone), an object id, SWEREF 99
/// TM coordinates under `NORD`/`OST`, an abbreviated description and an update date.
const GIS_EXPORT: &str = "OBJECTID;Nam;NORD;OST;BESKR_KORT;UPDDATUM\r\n\
    1;Hästviken;6394812;316240;Sandstrand med brygga;2024-05-30\r\n\
    2;Sandsjön;6399740;324050;Klippor;2024-05-30\r\n";

impl TestServer {
    fn put_json(&self, token: &str, path: &str, body: &Value) -> crate::common::Response {
        self.send(
            "PUT",
            path,
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    fn put_csv(&self, token: &str, dataset: &str, body: &[u8]) -> crate::common::Response {
        self.send(
            "PUT",
            &format!("/api/v1/datasets/{dataset}/data"),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "text/csv"),
            ],
            body,
        )
    }
}

/// The report's mapping of the header `header`.
fn column<'a>(report: &'a Value, header: &str) -> &'a Value {
    report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["header"] == header)
        .unwrap_or_else(|| panic!("no column {header}: {report}"))
}

#[test]
fn a_confirmed_mapping_is_kept_with_the_dataset_and_the_same_layout_then_needs_nothing() {
    let server = crate::common::start();
    let harryda = server.token(Some("1401"), "Härryda GIS");
    let goteborg = server.token(Some("1480"), "Göteborg GIS");
    assert_eq!(server.create(&harryda, "harryda-gis").status, 201);

    // Refused: the name is only proposed. The report says what was mapped and why.
    let refused = server.put_csv(&harryda, "harryda-gis", GIS_EXPORT.as_bytes());
    let problem = refused.assert_problem(422, "validation_failed");
    let report = &problem["details"];
    let nam = column(report, "Nam");
    assert_eq!(nam["proposed"], "name", "{report}");
    assert!(nam["column"].is_null());
    assert_eq!(nam["samples"], json!(["Hästviken", "Sandsjön"]));
    assert!(nam["confidence"].as_u64().unwrap() < 70);
    let nord = column(report, "NORD");
    assert_eq!(nord["column"], "latitude");
    assert_eq!(nord["reason"], "name-and-values");
    assert_eq!(column(report, "UPDDATUM")["column"], "updated");
    let missing = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "missing-required-column")
        .unwrap();
    assert!(
        missing["message"]["en"]
            .as_str()
            .unwrap()
            .contains("Column \"Nam\" is proposed as name"),
        "{missing}"
    );

    // Another organisation may neither set nor read the mapping; a column the profile lacks
    // is refused.
    let mapping = json!({"Nam": "name", "OBJECTID": "-"});
    server
        .put_json(&goteborg, "/api/v1/datasets/harryda-gis/mapping", &mapping)
        .assert_problem(403, "forbidden");
    let read = server.send(
        "GET",
        "/api/v1/datasets/harryda-gis/mapping",
        &[("Authorization", &format!("Bearer {goteborg}"))],
        b"",
    );
    assert_eq!(read.status, 403, "{}", read.body);
    let bad = server.put_json(
        &harryda,
        "/api/v1/datasets/harryda-gis/mapping",
        &json!({"Nam": "colour"}),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("column_mapping"), "{}", bad.body);

    let set = server.put_json(&harryda, "/api/v1/datasets/harryda-gis/mapping", &mapping);
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.json(), mapping);
    let read = server.send(
        "GET",
        "/api/v1/datasets/harryda-gis/mapping",
        &[("Authorization", &format!("Bearer {harryda}"))],
        b"",
    );
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json(), mapping);

    // The same layout: published, with the confirmed headers said to be so.
    for version in [1, 2] {
        let published = server.put_csv(&harryda, "harryda-gis", GIS_EXPORT.as_bytes());
        assert_eq!(published.status, 201, "{}", published.body);
        let body = published.json();
        assert_eq!(body["version"]["number"], version);
        let report = &body["report"];
        assert_eq!(column(report, "Nam")["reason"], "confirmed", "{report}");
        assert_eq!(column(report, "OBJECTID")["ignored"], true);
    }
    let items = server.get("/api/v1/datasets/harryda-gis/items?limit=10").json();
    let names: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{items}");
    assert!(names.contains(&"Hästviken"));
}

#[test]
fn a_steward_confirms_the_proposed_mapping_on_the_report_page_then_publishes() {
    let server = crate::common::start();
    let token = server.token(Some("1401"), "Anna, GIS");
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in(&token).status, 303);
    let page = "/steward/datasets/harryda-badplatser";
    let csrf = browser.csrf(page);

    // The report shows the proposals as a table, the proposal for the name selected.
    let report = browser.post_file(
        &format!("{page}/check"),
        &csrf,
        "export.csv",
        GIS_EXPORT.as_bytes(),
    );
    assert_eq!(report.status, 200, "{}", report.body);
    let body = &report.body;
    assert!(body.contains(r#"<table class="mapping">"#), "{body}");
    assert!(body.contains(r#"name="h1" value="Nam""#), "{body}");
    assert!(body.contains(r#"<option value="name" selected>"#), "{body}");
    assert!(body.contains("förslag, inte tillämpat"), "{body}");
    assert!(body.contains("“Hästviken”"), "{body}");
    assert!(
        !body.contains(r#"class="publish""#),
        "nothing to publish before the mapping is confirmed"
    );
    let draft = field_value(body, "draft").unwrap();

    // Confirm (and leave OBJECTID out): the file is checked again and can be published.
    let form = [
        ("csrf", csrf.as_str()),
        ("draft", draft.as_str()),
        ("h0", "OBJECTID"),
        ("c0", "-"),
        ("h1", "Nam"),
        ("c1", "name"),
        ("h2", "NORD"),
        ("c2", "latitude"),
        ("h3", "OST"),
        ("c3", "longitude"),
        ("h4", "BESKR_KORT"),
        ("c4", "description"),
        ("h5", "UPDDATUM"),
        ("c5", "updated"),
    ];
    let confirmed = browser.post_form(&format!("{page}/mapping"), &form);
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(confirmed.body.contains("Filen är giltig"), "{}", confirmed.body);
    assert!(confirmed.body.contains(r#"class="publish""#));
    let new_draft = field_value(&confirmed.body, "draft").unwrap();
    assert_ne!(new_draft, draft);
    let versions = |s: &TestServer| {
        s.get("/api/v1/datasets/harryda-badplatser/versions").json()["versions"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(versions(&server), 1, "confirming publishes nothing");
    let published = browser.post_form(
        &format!("{page}/publish"),
        &[("csrf", &csrf), ("draft", &new_draft)],
    );
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(versions(&server), 2);

    // The mapping is kept with the dataset: the next upload of the layout needs nothing.
    let again = server.put_csv(&token, "harryda-badplatser", GIS_EXPORT.as_bytes());
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(versions(&server), 3);

    // Another organisation's steward cannot confirm a mapping for this dataset.
    let other = server.token(Some("1480"), "Göteborg GIS");
    let mut intruder = Browser::new(&server);
    assert_eq!(intruder.sign_in(&other).status, 303);
    let their_csrf = intruder.csrf("/steward");
    let refused = intruder.post_form(
        &format!("{page}/mapping"),
        &[
            ("csrf", &their_csrf),
            ("draft", "00"),
            ("h0", "Nam"),
            ("c0", "description"),
        ],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let kept = server.send(
        "GET",
        "/api/v1/datasets/harryda-badplatser/mapping",
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(kept.json()["Nam"], "name", "{}", kept.body);
}
