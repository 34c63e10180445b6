//! The stewards' web pages over HTTP, as a browser uses them: sign in with a token, the session
//! cookie, checking a file (the report with the offending cells), publishing the checked file,
//! rollback, creating a dataset from the form; and what they refuse: a wrong token, forms
//! without the session's secret or from another site, another organisation's dataset, a
//! revoked token's session.

use crate::common::{Response, TestServer, start, start_with};
use std::collections::BTreeMap;

const HARRYDA: &str = "/steward/datasets/harryda-badplatser";

/// A browser: a cookie jar (name → value), and forms.
pub struct Browser<'a> {
    server: &'a TestServer,
    cookies: BTreeMap<String, String>,
    jar_header: String,
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            cookies: BTreeMap::new(),
            jar_header: String::new(),
        }
    }

    /// Keeps the cookies an answer sets (a `Max-Age=0` one is dropped).
    fn keep_cookies(&mut self, r: &Response) {
        for (name, value) in &r.headers {
            if !name.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let Some((k, v)) = value.split(';').next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            if value.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        self.jar_header = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
    }

    /// The session cookie (`datahamn_session=…`), once signed in.
    fn session_cookie(&self) -> Option<String> {
        self.cookies
            .get("datahamn_session")
            .map(|v| format!("datahamn_session={v}"))
    }

    fn headers<'h>(&'h self, extra: &[(&'h str, &'h str)]) -> Vec<(&'h str, &'h str)> {
        let mut h = vec![("Accept", "text/html")];
        if !self.jar_header.is_empty() {
            h.push(("Cookie", self.jar_header.as_str()));
        }
        h.extend_from_slice(extra);
        h
    }

    /// A page, keeping the cookies it sets.
    pub fn get(&mut self, path: &str) -> Response {
        let r = self.server.send_once("GET", path, &self.headers(&[]), b"");
        self.keep_cookies(&r);
        r
    }

    pub fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Response {
        self.post_form_with(path, pairs, &[])
    }

    fn post_form_with(&self, path: &str, pairs: &[(&str, &str)], extra: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(pairs).unwrap();
        let mut h = self.headers(extra);
        h.push(("Content-Type", "application/x-www-form-urlencoded"));
        self.server.send_once("POST", path, &h, body.as_bytes())
    }

    pub fn post_file(&self, path: &str, csrf: &str, file_name: &str, file: &[u8]) -> Response {
        self.post_file_with(path, &[("csrf", csrf)], file_name, file)
    }

    /// Posts a multipart form: its text fields in order, then the file, as a browser sends it.
    pub fn post_file_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Response {
        let boundary = "----datahamn-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let mut h = self.headers(&[]);
        h.push(("Content-Type", &content_type));
        self.server.send_once("POST", path, &h, &body)
    }

    /// Signs in from the sign-in page's form, as a browser does; the session cookie is kept.
    pub fn sign_in(&mut self, token: &str) -> Response {
        let form = self.get("/steward");
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = field_value(&form.body, "csrf").unwrap_or_else(|| panic!("no csrf field: {}", form.body));
        let r = self.post_form("/steward/sign-in", &[("csrf", &csrf), ("token", token)]);
        self.keep_cookies(&r);
        r
    }

    /// The CSRF secret of the signed-in page at `path`.
    pub fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{}", page.body);
        field_value(&page.body, "csrf").unwrap_or_else(|| panic!("no csrf field: {}", page.body))
    }
}

pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

fn csv(latitude: &str) -> Vec<u8> {
    format!(
        "place_id,name,latitude,longitude,description\n\
         fu,Frökens udde,57.665,12.142,Sandstrand\n\
         gs,Gingsjön,{latitude},12.452,Brygga\n\
         ho,Hornasjön,57.704,12.276,Toalett\n"
    )
    .into_bytes()
}

fn versions(server: &TestServer, id: &str) -> Vec<serde_json::Value> {
    let r = server.get(&format!("/api/v1/datasets/{id}/versions"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["versions"].as_array().unwrap().clone()
}

#[test]
fn a_steward_signs_in_checks_a_file_with_an_error_then_publishes_the_fixed_one() {
    let server = start();
    let token = server.token(Some("1401"), "Anna, GIS");
    let mut browser = Browser::new(&server);

    let page = browser.get("/steward");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"<label for="token">"#), "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));

    let wrong = browser.sign_in("dh_0000000_nope");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains(r#"role="alert""#) && browser.session_cookie().is_none());

    let signed = browser.sign_in(&token);
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.header("location"), Some("/steward"));
    let set = signed.header("set-cookie").unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/steward", "Max-Age="] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains(&token), "the cookie is not the token");

    let home = browser.get("/steward");
    assert!(home.body.contains("Anna, GIS") && home.body.contains("Härryda kommun"));
    assert!(
        home.body.contains(&format!(r#"href="{HARRYDA}""#)),
        "{}",
        home.body
    );
    assert!(
        !home.body.contains("/steward/datasets/goteborg-badhus"),
        "only the organisation's own datasets"
    );

    // A file with an error: the report names row 3, column C, and shows the cell.
    let csrf = browser.csrf(HARRYDA);
    let report = browser.post_file(
        &format!("{HARRYDA}/check"),
        &csrf,
        "badplatser.csv",
        &csv("57.63x"),
    );
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report
            .body
            .contains(r#"<td class="cell-error" data-row="3" data-column="C">"#),
        "{}",
        report.body
    );
    assert!(report.body.contains("57.63x"));
    assert!(report.body.contains("publicerades inte"));
    assert!(
        !report.body.contains(r#"class="publish""#),
        "no publish button for a file with errors"
    );
    assert_eq!(
        versions(&server, "harryda-badplatser").len(),
        1,
        "nothing published"
    );

    // The fixed file: valid, published only when the steward says so.
    let report = browser.post_file(
        &format!("{HARRYDA}/check"),
        &csrf,
        "badplatser.csv",
        &csv("57.632"),
    );
    assert!(report.body.contains("Filen är giltig"), "{}", report.body);
    let draft = field_value(&report.body, "draft").unwrap();
    assert_eq!(
        versions(&server, "harryda-badplatser").len(),
        1,
        "checked, not published"
    );
    let published = browser.post_form(
        &format!("{HARRYDA}/publish"),
        &[("csrf", &csrf), ("draft", &draft)],
    );
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(
        published.header("location"),
        Some(&*format!("{HARRYDA}?published=2"))
    );
    let v = versions(&server, "harryda-badplatser");
    assert_eq!(v.len(), 2);
    let newest = v.iter().find(|v| v["number"] == 2).unwrap();
    assert_eq!(newest["item_count"], 3);
    assert_eq!(newest["published_by"], "Anna, GIS");
    let page = browser.get(&format!("{HARRYDA}?published=2"));
    assert!(page.body.contains("Version 2 är publicerad."));
    assert!(page.body.contains(r#"<tr id="version-2">"#));

    // The draft is gone once published.
    let again = browser.post_form(
        &format!("{HARRYDA}/publish"),
        &[("csrf", &csrf), ("draft", &draft)],
    );
    assert_eq!(again.status, 404);
    assert!(again.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(versions(&server, "harryda-badplatser").len(), 2);

    // Roll back to version 1 from the versions table.
    let rolled = browser.post_form(
        &format!("{HARRYDA}/rollback"),
        &[("csrf", &csrf), ("version", "1")],
    );
    assert_eq!(rolled.status, 303, "{}", rolled.body);
    assert_eq!(
        rolled.header("location"),
        Some(&*format!("{HARRYDA}?rolledback=3"))
    );
    let v = versions(&server, "harryda-badplatser");
    assert_eq!(v.iter().find(|v| v["number"] == 3).unwrap()["rollback_of"], 1);

    // Each step is in the audit log under the token's name.
    let admin = server.token(None, "admin");
    let audit = server.send(
        "GET",
        "/api/v1/audit?limit=100",
        &[("Authorization", &format!("Bearer {admin}"))],
        b"",
    );
    let actions: Vec<String> = audit.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["token_name"] == "Anna, GIS")
        .map(|e| {
            format!(
                "{}:{}",
                e["action"].as_str().unwrap(),
                e["result"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "sign_in:ok",
        "dry_run:ok",
        "publish:ok",
        "publish:draft_not_found",
        "rollback:ok",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
}

#[test]
fn a_sign_in_from_another_site_is_refused() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    let form = browser.get("/steward");
    let set = form
        .header("set-cookie")
        .expect("the sign-in page gives a pre-session cookie");
    for part in ["datahamn_signin=", "HttpOnly", "SameSite=Strict", "Path=/steward"] {
        assert!(set.contains(part), "{set}");
    }
    let secret = field_value(&form.body, "csrf").unwrap();
    assert_eq!(
        field_value(&browser.get("/steward").body, "csrf").unwrap(),
        secret,
        "the same pre-session, the same secret"
    );
    let refused = |r: Response, what: &str| {
        assert_eq!(r.status, 403, "{what}: {}", r.body);
        assert!(r.body.contains("annan webbplats"), "{what}: {}", r.body);
        assert!(
            r.header("set-cookie")
                .is_none_or(|c| !c.contains("datahamn_session=")),
            "{what}: no session"
        );
    };
    // An attacker's page posts its own token: the victim's browser sends no pre-session cookie
    // (SameSite=Strict), or the attacker's secret is not the victim's.
    let other_site = server.send_once(
        "POST",
        "/steward/sign-in",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        serde_urlencoded::to_string([("token", token.as_str())])
            .unwrap()
            .as_bytes(),
    );
    refused(other_site, "no secret, no cookie");
    refused(
        browser.post_form("/steward/sign-in", &[("token", &token)]),
        "no secret",
    );
    refused(
        browser.post_form(
            "/steward/sign-in",
            &[("csrf", &"0".repeat(64)), ("token", &token)],
        ),
        "a wrong secret",
    );
    let mut attacker = Browser::new(&server);
    let attackers_secret = field_value(&attacker.get("/steward").body, "csrf").unwrap();
    assert_ne!(attackers_secret, secret);
    refused(
        browser.post_form(
            "/steward/sign-in",
            &[("csrf", &attackers_secret), ("token", &token)],
        ),
        "another browser's secret",
    );
    let pair = [("csrf", secret.as_str()), ("token", token.as_str())];
    refused(
        browser.post_form_with("/steward/sign-in", &pair, &[("Origin", "https://evil.example")]),
        "a foreign Origin",
    );
    refused(
        browser.post_form_with("/steward/sign-in", &pair, &[("Sec-Fetch-Site", "cross-site")]),
        "Sec-Fetch-Site: cross-site",
    );
    assert!(browser.session_cookie().is_none());
    // The form itself, from this site, signs in.
    let host = format!("http://127.0.0.1:{}", server.port());
    let ok = browser.post_form_with(
        "/steward/sign-in",
        &pair,
        &[("Origin", host.as_str()), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(ok.header("set-cookie").unwrap().contains("datahamn_session="));
}

#[test]
fn forms_need_the_sessions_secret_and_this_sites_origin() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    let csrf = browser.csrf(HARRYDA);
    let rollback = format!("{HARRYDA}/rollback");
    for (pairs, extra) in [
        (vec![("version", "1")], vec![]),
        (vec![("csrf", "0000"), ("version", "1")], vec![]),
        (
            vec![("csrf", csrf.as_str()), ("version", "1")],
            vec![("Origin", "https://evil.example")],
        ),
    ] {
        let r = browser.post_form_with(&rollback, &pairs, &extra);
        assert_eq!(r.status, 403, "{pairs:?} {extra:?}: {}", r.body);
        assert!(r.body.contains("Ladda om sidan"), "{}", r.body);
    }
    let r = browser.post_file(&format!("{HARRYDA}/check"), "wrong", "a.csv", &csv("57.6"));
    assert_eq!(r.status, 403);
    assert_eq!(
        versions(&server, "harryda-badplatser").len(),
        1,
        "nothing changed"
    );
    // The same form from this site's own origin is taken.
    let origin = server.base.clone();
    let r = browser.post_form_with(
        &rollback,
        &[("csrf", &csrf), ("version", "1")],
        &[("Origin", &origin)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn another_organisations_dataset_is_refused_and_without_a_session_forms_go_to_sign_in() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    let r = browser.post_form(&format!("{HARRYDA}/rollback"), &[("version", "1")]);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/steward?ended=1"));
    assert_eq!(browser.get(HARRYDA).header("location"), Some("/steward?ended=1"));

    browser.sign_in(&token);
    let csrf = browser.csrf(HARRYDA);
    let r = browser.get("/steward/datasets/goteborg-badhus");
    assert_eq!(r.status, 403, "{}", r.body);
    let r = browser.post_file(
        "/steward/datasets/goteborg-badhus/check",
        &csrf,
        "a.csv",
        &csv("57.6"),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = browser.post_form(
        "/steward/datasets/goteborg-badhus/rollback",
        &[("csrf", &csrf), ("version", "1")],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(versions(&server, "goteborg-badhus").len(), 1);
    assert_eq!(browser.get("/steward/datasets/no-such-dataset").status, 404);
}

#[test]
fn revoking_the_token_ends_its_sessions_and_signing_out_ends_one() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    assert_eq!(browser.get(HARRYDA).status, 200);
    datahamn::auth::Tokens::in_dir(server.data_dir())
        .revoke(&token)
        .unwrap();
    assert_eq!(browser.get(HARRYDA).status, 303, "a revoked token's session ends");
    assert_eq!(browser.sign_in(&token).status, 401);

    let token = server.token(Some("1401"), "Bo");
    browser.sign_in(&token);
    let csrf = browser.csrf("/steward");
    let out = browser.post_form("/steward/sign-out", &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(browser.get(HARRYDA).status, 303, "the old cookie no longer works");
}

#[test]
fn a_dataset_is_created_from_the_form_and_a_problem_keeps_the_values() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    let csrf = browser.csrf("/steward");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("id", "Fel Id!"),
        ("profile", "swimming-pools"),
        ("title_sv", "Simhallar <i>"),
        ("title_en", "Pools"),
        ("description_sv", "Kommunens simhallar."),
        ("description_en", "The pools."),
        ("license", "http://creativecommons.org/publicdomain/zero/1.0/"),
        ("contact_email", "fritid@example.se"),
        ("update_frequency", "MONTHLY"),
    ];
    let r = browser.post_form("/steward/datasets", &form);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains(r#"value="Fel Id!""#), "the values are kept");
    assert!(r.body.contains("Simhallar &lt;i&gt;") && !r.body.contains("Simhallar <i>"));
    form[1] = ("id", "harryda-simhallar");
    let r = browser.post_form("/steward/datasets", &form);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some("/steward/datasets/harryda-simhallar?created=1")
    );
    let d = server.get("/api/v1/datasets/harryda-simhallar").json();
    assert_eq!(d["publisher"]["id"], "1401", "{d}");
    assert!(
        browser
            .get("/steward/datasets/harryda-simhallar?created=1")
            .body
            .contains("Ladda upp dess första fil")
    );
}

#[test]
fn file_names_and_cells_are_escaped_in_the_report() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    let csrf = browser.csrf(HARRYDA);
    let r = browser.post_file(
        &format!("{HARRYDA}/check?lang=en"),
        &csrf,
        "<img src=x onerror=alert(1)>.csv",
        &csv("<script>alert(1)</script>"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#"<html lang="en">"#));
    assert!(!r.body.contains("<img src=x") && !r.body.contains("<script>alert"));
    assert!(r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        r.body.contains("The file has 1 error in 1 of 3 rows"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(r#"<td class="cell-error" data-row="3" data-column="C">"#)
    );
}

#[test]
fn the_valid_rows_of_a_file_with_errors_can_be_published_on_request() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    let csrf = browser.csrf(HARRYDA);
    let report = browser.post_file(&format!("{HARRYDA}/check"), &csrf, "a.csv", &csv("norr"));
    assert!(report.body.contains("De 2 raderna utan fel"), "{}", report.body);
    let draft = field_value(&report.body, "draft").unwrap();
    let r = browser.post_form(
        &format!("{HARRYDA}/publish"),
        &[("csrf", &csrf), ("draft", &draft), ("valid_rows_only", "1")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let v = versions(&server, "harryda-badplatser");
    let newest = v.iter().find(|v| v["number"] == 2).unwrap();
    assert_eq!(newest["item_count"], 2);
    assert_eq!(newest["skipped_row_count"], 1);
}

/// Checked files wait as drafts, bounded per organisation: one more is refused (429) without
/// dropping anyone's draft; a new check of the same dataset by the same session replaces its
/// draft, and another organisation has room of its own.
#[test]
fn drafts_are_bounded_per_organisation() {
    use datahamn::service::sessions::DraftLimits;
    let server = start_with(|p| {
        p.set_draft_limits(DraftLimits {
            per_organisation: 1,
            total: 10,
        })
    });
    let token = server.token(Some("1401"), "Anna, GIS");
    let mut first = Browser::new(&server);
    let mut second = Browser::new(&server);
    assert_eq!(first.sign_in(&token).status, 303);
    assert_eq!(second.sign_in(&token).status, 303);
    let check = format!("{HARRYDA}/check");
    let csrf = first.csrf(HARRYDA);
    assert_eq!(first.post_file(&check, &csrf, "a.csv", &csv("57.6")).status, 200);
    let again = first.post_file(&check, &csrf, "b.csv", &csv("57.6"));
    assert_eq!(again.status, 200, "a new check replaces the session's draft");
    let csrf2 = second.csrf(HARRYDA);
    let refused = second.post_file(&check, &csrf2, "c.csv", &csv("57.6"));
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("--max-drafts-per-org"), "{}", refused.body);
    // The first session's draft is still there to publish.
    let draft = field_value(&again.body, "draft").unwrap();
    let published = first.post_form(
        &format!("{HARRYDA}/publish"),
        &[("csrf", csrf.as_str()), ("draft", draft.as_str())],
    );
    assert!(published.status < 400, "{}", published.body);
    // Published, the draft is gone: the second session has room now.
    assert_eq!(
        second.post_file(&check, &csrf2, "c.csv", &csv("57.6")).status,
        200
    );
    // Another organisation's checks never counted against 1401's.
    let other = server.token(Some("1480"), "Göteborg");
    let mut third = Browser::new(&server);
    assert_eq!(third.sign_in(&other).status, 303);
    let path = "/steward/datasets/goteborg-badhus";
    let csrf3 = third.csrf(path);
    let r = third.post_file(&format!("{path}/check"), &csrf3, "d.csv", &csv("57.6"));
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A row shifted by a stray delimiter: the page shows the one issue and marks the cell that
/// holds the delimiter.
#[test]
fn the_report_page_names_the_cell_with_a_stray_delimiter() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    let csrf = browser.csrf(HARRYDA);
    let file = "place_id,name,latitude,longitude,description\n\
                fu,Frökens udde,57.665,12.142,Sandstrand\n\
                gs,Gingsjön,57.70,12.452,Brygga, grill och bastu\n";
    let r = browser.post_file(
        &format!("{HARRYDA}/check?lang=en"),
        &csrf,
        "a.csv",
        file.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("The file has 1 error in 1 of 2 rows"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Cell E3 (description) holds the delimiter comma (,) without quotes"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(r#"<td class="cell-error" data-row="3" data-column="E">"#),
        "{}",
        r.body
    );
}

/// The upload form takes a workbook and GeoJSON as it takes CSV: the report says the format and
/// the sheet, and names the offending cell as the spreadsheet does.
#[test]
fn a_workbook_is_checked_from_the_form_with_its_cells_named() {
    let server = start();
    let token = server.token(Some("1401"), "Anna");
    let mut browser = Browser::new(&server);
    browser.sign_in(&token);
    let csrf = browser.csrf(HARRYDA);
    let form = browser.get(HARRYDA);
    assert!(form.body.contains(".xlsx,.ods,.geojson"), "{}", form.body);
    let fixture = |case: &str, file: &str| {
        std::fs::read(crate::common::repo_path(&format!(
            "tests/fixtures/ingest/{case}/{file}"
        )))
        .unwrap()
    };
    let r = browser.post_file(
        &format!("{HARRYDA}/check"),
        &csrf,
        "badplatser.xlsx",
        &fixture("xlsx-bad-values", "input.xlsx"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Format xlsx · blad “Blad1”"), "{}", r.body);
    assert!(r.body.contains("Cell Blad1!B3: "), "{}", r.body);
    assert!(
        r.body
            .contains(r#"<td class="cell-error" data-row="3" data-column="B">"#),
        "{}",
        r.body
    );
    let r = browser.post_file(
        &format!("{HARRYDA}/check"),
        &csrf,
        "badplatser.geojson",
        &fixture("geojson-other-geometries", "input.geojson"),
    );
    assert!(r.body.contains("Objekt 2: "), "{}", r.body);
    assert!(r.body.contains("LineString"), "{}", r.body);
    let r = browser.post_file(&format!("{HARRYDA}/check"), &csrf, "karta.pdf", b"%PDF-1.7\n");
    assert!(r.body.contains("Format som fungerar"), "{}", r.body);
    // The sheet asked for in the form is read, and the report says so; the form's page offers
    // the field before the file (the server reads text fields up to the file).
    let input = fixture("xlsx-sheet-by-name", "input.xlsx");
    let form_page = browser.get(HARRYDA);
    let (sheet_at, file_at) = (
        form_page.body.find(r#"name="sheet""#).unwrap(),
        form_page.body.find(r#"name="file""#).unwrap(),
    );
    assert!(sheet_at < file_at, "{}", form_page.body);
    let first = browser.post_file(&format!("{HARRYDA}/check"), &csrf, "badplatser.xlsx", &input);
    let asked = browser.post_file_with(
        &format!("{HARRYDA}/check"),
        &[("csrf", &csrf), ("sheet", "Badplatser")],
        "badplatser.xlsx",
        &input,
    );
    assert!(asked.body.contains("blad “Badplatser”"), "{}", asked.body);
    let asked_draft = field_value(&asked.body, "draft").unwrap();
    assert!(!first.body.contains("blad “Badplatser”"), "{}", first.body);
    let wrong = browser.post_file_with(
        &format!("{HARRYDA}/check"),
        &[("csrf", &csrf), ("sheet", "Finns inte")],
        "badplatser.xlsx",
        &input,
    );
    assert!(wrong.body.contains("inget blad som heter"), "{}", wrong.body);
    // Publishing the draft reads the sheet it was checked with. (The wrong sheet's check
    // replaced this session's draft, so the sheet is checked again first.)
    let asked = browser.post_file_with(
        &format!("{HARRYDA}/check"),
        &[("csrf", &csrf), ("sheet", "Badplatser")],
        "badplatser.xlsx",
        &input,
    );
    let draft = field_value(&asked.body, "draft").unwrap();
    assert_ne!(draft, asked_draft);
    let before = versions(&server, "harryda-badplatser").len();
    let published = browser.post_form(
        &format!("{HARRYDA}/publish"),
        &[("csrf", &csrf), ("draft", &draft)],
    );
    assert_eq!(published.status, 303, "{}", published.body);
    let v = versions(&server, "harryda-badplatser");
    assert_eq!(v.len(), before + 1);
    let newest = v.iter().max_by_key(|v| v["number"].as_u64()).unwrap();
    assert_eq!(newest["item_count"], 1, "{newest}");
}
