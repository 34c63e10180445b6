//! Structural faults in uploaded files over HTTP: each fault is told by one issue that names
//! its cause (a stray delimiter, names joined in the header, rows saved as one column), not by
//! the symptoms it causes in every later cell.

use crate::common::start;
use serde_json::Value;

fn put(server: &crate::common::TestServer, token: &str, path: &str, body: &[u8]) -> crate::common::Response {
    server.send(
        "PUT",
        path,
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "text/csv"),
        ],
        body,
    )
}

fn codes(issues: &Value) -> Vec<&str> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect()
}

#[test]
fn a_row_shifted_by_a_stray_delimiter_gets_one_issue_naming_the_cell() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    assert_eq!(server.create(&token, "shifted").status, 201);
    // Row 3's name holds an unquoted comma: every later value moved one column right.
    let file = "place_id,name,latitude,longitude,toilet,description\n\
                a1,Sjöbadet,57.655,12.14,ja,Sandstrand\n\
                b2,Härryda strand, Mölnlycke,57.66,12.15,nej,Klippor\n";
    let dry = put(
        &server,
        &token,
        "/api/v1/datasets/shifted/data?dry_run=true",
        file.as_bytes(),
    );
    assert_eq!(dry.status, 200, "{}", dry.body);
    let report = &dry.json()["report"];
    assert_eq!(dry.json()["publishable"], false);
    assert_eq!(codes(&report["errors"]), ["stray-delimiter"], "{report}");
    let issue = &report["errors"][0];
    assert_eq!(issue["row"], 3);
    assert_eq!(issue["column"], "name");
    assert_eq!(issue["value"], "Härryda strand, Mölnlycke");
    assert!(
        issue["message"]["en"]
            .as_str()
            .unwrap()
            .starts_with("Cell B3 (name) holds the delimiter comma (,) without quotes"),
        "{issue}"
    );
    assert!(
        issue["message"]["sv"]
            .as_str()
            .unwrap()
            .contains("Sätt citattecken runt värdet")
    );

    // Uploaded for real: refused with the same single issue.
    let refused = put(&server, &token, "/api/v1/datasets/shifted/data", file.as_bytes());
    let problem = refused.assert_problem(422, "validation_failed");
    assert_eq!(
        codes(&problem["details"]["errors"]),
        ["stray-delimiter"],
        "{problem}"
    );
}

#[test]
fn names_joined_in_the_header_and_rows_saved_as_one_column_are_read_with_a_warning() {
    let server = start();
    let token = server.token(Some("1401"), "steward");
    assert_eq!(server.create(&token, "joined").status, 201);
    let joined = "place_id  name\tlatitude\tlongitude\n\
                  a1\tSjöbadet\t57.655\t12.14\n\
                  b2\tÖsjön\t57.68\t12.17\n";
    let published = put(&server, &token, "/api/v1/datasets/joined/data", joined.as_bytes());
    assert_eq!(published.status, 201, "{}", published.body);
    let report = &published.json()["report"];
    assert_eq!(report["rows"]["valid"], 2, "{report}");
    assert!(codes(&report["warnings"]).contains(&"joined-header"), "{report}");

    assert_eq!(server.create(&token, "wrapped").status, 201);
    // An English Excel read a Swedish `;` file into column A and saved it with commas.
    let wrapped = "place_id;name;latitude;longitude\r\n\
                   \"a1;Sjöbadet;57,655;12,14\"\r\n\
                   \"b2;Ösjön;57,68;12,17\"\r\n";
    let published = put(
        &server,
        &token,
        "/api/v1/datasets/wrapped/data",
        wrapped.as_bytes(),
    );
    assert_eq!(published.status, 201, "{}", published.body);
    let report = &published.json()["report"];
    assert_eq!(report["rows"]["valid"], 2, "{report}");
    assert_eq!(codes(&report["warnings"]), ["wrapped-rows"], "{report}");
}
