//! The REST API for app developers and OGC API Features: filters agree with a full scan,
//! formats, paging, conditional requests, CORS and compression.

use crate::common::{enc, shared, shared_socket};
use serde_json::Value;
use std::collections::HashSet;

/// Every item of a list, following `next` links.
fn all(path: &str) -> Vec<Value> {
    let mut next = Some(path.to_owned());
    let mut items = Vec::new();
    while let Some(url) = next {
        let url = url.strip_prefix(&shared().base).unwrap_or(&url).to_owned();
        let page = shared().get(&url);
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        let page = page.json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
    }
    items
}

/// Every feature of an OGC items list, following `next` links.
fn all_features(path: &str) -> Vec<Value> {
    let mut next = Some(path.to_owned());
    let mut features = Vec::new();
    while let Some(url) = next {
        let url = url.strip_prefix(&shared().base).unwrap_or(&url).to_owned();
        let page = shared().get(&url);
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        let page = page.json();
        features.extend(page["features"].as_array().unwrap().iter().cloned());
        next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_owned());
    }
    features
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

#[test]
fn near_returns_every_site_within_the_radius_nearest_first() {
    // Frökens udde, Härryda.
    let (lat, lon, radius) = (57.665, 12.1425, 8_000.0);
    let everything = all("/api/v1/bathing-sites?limit=1000");
    let mut expected: Vec<(f64, String)> = everything
        .iter()
        .filter_map(|i| {
            let d = haversine(lat, lon, i["latitude"].as_f64()?, i["longitude"].as_f64()?);
            (d <= radius).then(|| (d, i["id"].as_str().unwrap().to_owned()))
        })
        .collect();
    expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    assert!(expected.len() > 5, "{expected:?}");
    let got = all(&format!(
        "/api/v1/bathing-sites?near={lat},{lon}&radius={radius}&limit=3"
    ));
    assert_eq!(
        ids(&got),
        expected.iter().map(|e| e.1.clone()).collect::<Vec<_>>()
    );
    for (item, (d, _)) in got.iter().zip(&expected) {
        assert!((item["distance_m"].as_f64().unwrap() - d).abs() < 0.1);
    }
}

/// Checks a filtered list against a full scan of its collection, across pages, with the count.
fn check(collection: &str, query: &str, keep: &dyn Fn(&Value) -> bool) {
    let everything = all(&format!("/api/v1/{collection}?limit=1000"));
    let expected: Vec<String> = everything
        .iter()
        .filter(|i| keep(i))
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty(), "{query} matches nothing");
    assert!(expected.len() < everything.len(), "{query} filters nothing");
    let got = all(&format!("/api/v1/{collection}?{query}&limit=2"));
    assert_eq!(ids(&got), expected, "{query}");
    let counted = shared()
        .get(&format!("/api/v1/{collection}?{query}&count=true&limit=1"))
        .json();
    assert_eq!(counted["total"], expected.len(), "{query}");
}

#[test]
fn facility_and_enum_filters_agree_with_a_full_scan() {
    check("swimming-pools", "sauna=true", &|i| {
        i["properties"]["sauna"] == true
    });
    check("swimming-pools", "sauna=true&wheelchair=yes", &|i| {
        i["properties"]["sauna"] == true && i["properties"]["wheelchair"] == "yes"
    });
    // `true` still names `yes` (and `false` `no`, which no example pool has).
    check("swimming-pools", "wheelchair=true", &|i| {
        i["properties"]["wheelchair"] == "yes"
    });
    check("swimming-pools", "wheelchair=limited", &|i| {
        i["properties"]["wheelchair"] == "limited"
    });
    check("swimming-pools", "pool_type=indoor,outdoor", &|i| {
        ["indoor", "outdoor"].contains(&i["properties"]["pool_type"].as_str().unwrap_or(""))
    });
}

#[test]
fn county_text_bbox_and_date_filters_agree_with_a_full_scan() {
    check("bathing-sites", "county=14", &|i| {
        i["municipality"]["code"].as_str().unwrap().starts_with("14")
    });
    check("bathing-sites", &format!("q={}", enc("UDDE frö")), &|i| {
        let text = format!("{} {}", i["name"], i["description"]).to_lowercase();
        text.contains("udde") && (text.contains("frö") || text.contains("fro"))
    });
    check("bathing-sites", "bbox=11.9,57.6,12.3,57.75", &|i| {
        let (lat, lon) = (i["latitude"].as_f64().unwrap(), i["longitude"].as_f64().unwrap());
        (57.6..=57.75).contains(&lat) && (11.9..=12.3).contains(&lon)
    });
    check(
        "bathing-sites",
        "municipality=1401&updated_since=2000-01-01",
        &|i| i["municipality"]["code"] == "1401" && i["updated"].is_string(),
    );
}

#[test]
fn totals_only_on_request_and_clamping_is_said() {
    let page = shared().get("/api/v1/bathing-sites?limit=2").json();
    assert!(page.get("total").is_none());
    let page = shared()
        .get("/api/v1/bathing-sites?limit=5000&municipality=1401")
        .json();
    assert_eq!(page["limit"], 1000);
    assert!(page["notices"][0].as_str().unwrap().contains("limit"));
}

#[test]
fn items_carry_uri_dataset_municipality_updated_and_links() {
    let item = shared()
        .get("/api/v1/items/harryda-badplatser:frokens-udde")
        .json();
    let base = &shared().base;
    assert_eq!(item["dataset"], "harryda-badplatser");
    assert_eq!(
        item["municipality"],
        serde_json::json!({"code": "1401", "name": "Härryda"})
    );
    assert!(item["updated"].is_string());
    assert_eq!(
        item["links"]["self"],
        format!("{base}/api/v1/items/harryda-badplatser:frokens-udde")
    );
    assert_eq!(
        item["links"]["dataset"],
        format!("{base}/api/v1/datasets/harryda-badplatser")
    );
    assert!(
        item["links"].get("linked_data").is_none(),
        "the Linked Data link is `uri`"
    );
    // The OGC API feature is linked from the item's GeoJSON.
    let geojson = shared()
        .get("/api/v1/items/harryda-badplatser:frokens-udde?format=geojson")
        .json();
    let ogc = geojson["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "alternate" && l["type"] == "application/geo+json")
        .expect("a link to the OGC API feature");
    let feature = shared().get(ogc["href"].as_str().unwrap().strip_prefix(base.as_str()).unwrap());
    assert_eq!(feature.status, 200, "{}", feature.body);
}

#[test]
fn geojson_csv_and_jsonld() {
    let server = shared();
    for r in [
        server.get_accept("/api/v1/bathing-sites?municipality=1401", "application/geo+json"),
        server.get("/api/v1/bathing-sites?municipality=1401&format=geojson"),
    ] {
        assert_eq!(r.header("content-type"), Some("application/geo+json"));
        let fc = r.json();
        assert_eq!(fc["type"], "FeatureCollection");
        let f = &fc["features"][0];
        assert_eq!(f["geometry"]["type"], "Point");
        let [lon, lat] = [
            f["geometry"]["coordinates"][0].as_f64().unwrap(),
            f["geometry"]["coordinates"][1].as_f64().unwrap(),
        ];
        assert!((11.0..13.0).contains(&lon) && (57.0..58.0).contains(&lat));
        assert_eq!(fc["numberReturned"], 16);
    }
    let csv = server.get_accept("/api/v1/bathing-sites?municipality=1401", "text/csv");
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let mut lines = csv.body.lines();
    assert!(lines.next().unwrap().starts_with("id,uri,type,dataset,name"));
    assert_eq!(lines.count(), 16);
    let ld = server.get("/api/v1/items/harryda-badplatser:frokens-udde?format=jsonld");
    assert_eq!(ld.header("content-type"), Some("application/ld+json"));
    assert!(
        ld.body.contains("/id/harryda-badplatser/frokens-udde"),
        "{}",
        ld.body
    );
    assert!(ld.body.contains("Frökens udde"));
    let ld_list = server.get_accept("/api/v1/swimming-pools?limit=2", "application/ld+json");
    assert_eq!(ld_list.status, 200, "{}", ld_list.body);
    assert!(ld_list.header("link").unwrap().contains("rel=\"next\""));
    server
        .get_accept("/api/v1/bathing-sites", "image/png")
        .assert_problem(406, "not_acceptable");
    let p = server
        .get("/api/v1/bathing-sites?format=xml")
        .assert_problem(400, "invalid_parameter");
    assert_eq!(p["parameter"], "format");
}

#[test]
fn unknown_and_malformed_parameters_are_named() {
    for (query, name) in [
        ("toilets=true", "toilets"),
        ("toilet=yes", "toilet"),
        ("near=57.7", "near"),
        ("bbox=1,2", "bbox"),
        ("county=99", "county"),
        ("updated_since=ig%C3%A5r", "updated_since"),
        ("cursor=%21", "cursor"),
    ] {
        let p = shared()
            .get(&format!("/api/v1/bathing-sites?{query}"))
            .assert_problem(400, "invalid_parameter");
        assert_eq!(p["parameter"], name, "{query}");
    }
}

/// The JSON type of a value, as JSON Schema names it (`integer` for whole numbers).
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn every_property_has_one_json_type_as_documented() {
    let doc = shared().get("/openapi.json").json();
    for collection in ["bathing-sites", "swimming-pools", "public-services"] {
        let profile = datahamn::profile::get(collection).unwrap();
        let name = datahamn::http::openapi::properties_schema_name(profile);
        let documented = &doc["components"]["schemas"][&name]["properties"];
        assert!(documented.is_object(), "no schema {name}");
        let items = all(&format!("/api/v1/{collection}?limit=1000"));
        let features = all_features(&format!("/ogc/collections/{collection}/items?limit=1000"));
        assert!(!items.is_empty() && items.len() == features.len(), "{collection}");
        let mut seen: std::collections::BTreeMap<String, HashSet<&'static str>> = Default::default();
        let views = items
            .iter()
            .flat_map(|i| [&i["properties"], &i["extra_columns"]])
            .chain(features.iter().map(|f| &f["properties"]));
        for properties in views {
            for (key, value) in properties.as_object().into_iter().flatten() {
                if !value.is_null() {
                    seen.entry(key.clone()).or_default().insert(json_type(value));
                }
            }
        }
        // The example pools fill in `wheelchair` (`yes` and `limited`); the bath sites do not.
        assert!(collection != "swimming-pools" || seen.contains_key("wheelchair"));
        for (key, types) in &seen {
            // An OGC feature's properties also hold the item's name, links and the like.
            let expected = documented[key]["type"].as_str();
            let types: Vec<&str> = types.iter().copied().collect();
            match (types.as_slice(), expected) {
                // A number column may hold whole numbers.
                (["integer"] | ["integer", "number"] | ["number", "integer"], Some("number")) => {}
                ([one], Some(expected)) => assert_eq!(*one, expected, "{collection}: {key}"),
                ([_], None) => {}
                _ => panic!("{collection}: `{key}` has several JSON types: {types:?}"),
            }
        }
    }
}

#[test]
fn cursors_not_issued_by_the_api_are_refused_on_both_apis() {
    let server = shared();
    let lists = [
        "/api/v1/bathing-sites?limit=2",
        "/api/v1/datasets/hav-badvatten/items?limit=2",
        "/ogc/collections/bathing-sites/items?limit=2",
    ];
    let cursor_of = |path: &str| -> String {
        let page = server.get(path).json();
        let next = page["next"].as_str().map(str::to_owned).unwrap_or_else(|| {
            page["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == "next")
                .map(|l| l["href"].as_str().unwrap().to_owned())
                .unwrap()
        });
        next.split("cursor=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned()
    };
    for list in lists {
        let issued = cursor_of(list);
        assert_eq!(
            server.get(&format!("{list}&cursor={issued}")).status,
            200,
            "{list}"
        );
        let mut changed = issued.clone().into_bytes();
        changed[3] = if changed[3] == b'A' { b'B' } else { b'A' };
        let shapes = [
            // Well-formed base64url that decodes to nothing this API wrote.
            "zzzz".to_owned(),
            "AAAAAAAAAAAAAAAA".to_owned(),
            // The unchecked form of an id cursor, base64url of `i` and an id past every item.
            "aXp6eg".to_owned(),
            // An issued cursor cut short, lengthened, or with one character changed.
            issued[..issued.len() - 3].to_owned(),
            format!("{issued}QQ"),
            String::from_utf8(changed).unwrap(),
            // Not base64url at all.
            "%21%21".to_owned(),
        ];
        for shape in shapes {
            let p = server
                .get(&format!("{list}&cursor={shape}"))
                .assert_problem(400, "invalid_parameter");
            assert_eq!(p["parameter"], "cursor", "{list} cursor={shape}");
        }
    }
}

#[test]
fn conditional_requests_answer_304() {
    let server = shared();
    let first = server.get("/api/v1/bathing-sites?municipality=1401");
    let etag = first.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("W/\""));
    let modified = first.header("last-modified").unwrap().to_owned();
    assert!(first.header("cache-control").unwrap().contains("max-age"));
    let again = server.get_with(
        "GET",
        "/api/v1/bathing-sites?municipality=1401",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let since = server.get_with("GET", "/api/v1/datasets", &[("If-Modified-Since", &modified)]);
    assert_eq!(since.status, 304);
    let other = server.get_with(
        "GET",
        "/api/v1/bathing-sites?municipality=1480",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(other.status, 200);
}

#[test]
fn cors_and_compression() {
    let server = shared();
    let r = server.get_with(
        "GET",
        "/api/v1/bathing-sites?limit=1",
        &[("Origin", "https://app.example")],
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let preflight = server.get_with(
        "OPTIONS",
        "/api/v1/bathing-sites",
        &[
            ("Origin", "https://app.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
    );
    assert!(preflight.status < 300, "{}", preflight.status);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    // Every header a client needs is readable by browser code: the paging `Link`, the entity
    // tag, the rate limit, an OGC answer's CRS, a truncated SPARQL answer's count (see
    // tests/http/sparql.rs), an asynchronous upload's `Preference-Applied`, a download's file
    // name, a 401's challenge.
    let exposed = r.assert_headers_exposed();
    for name in [
        "link",
        "etag",
        "location",
        "retry-after",
        "ratelimit-remaining",
        "content-crs",
        "datahamn-results-truncated",
        "preference-applied",
        "content-disposition",
        "www-authenticate",
    ] {
        assert!(
            exposed.contains(&name.to_owned()),
            "{name} is not exposed: {exposed:?}"
        );
    }
    let ogc = server.get_with(
        "GET",
        "/ogc/collections/bathing-sites/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/3006",
        &[("Origin", "https://app.example")],
    );
    assert!(ogc.header("content-crs").is_some());
    assert!(ogc.header("link").is_some());
    ogc.assert_headers_exposed();
    let dump = server.get_with(
        "GET",
        "/dumps/datasets/harryda-badplatser.nq.gz",
        &[("Origin", "https://app.example")],
    );
    assert!(dump.header("content-disposition").is_some());
    dump.assert_headers_exposed();
    for encoding in ["gzip", "br"] {
        let r = server.get_with(
            "GET",
            "/api/v1/bathing-sites?limit=50",
            &[("Accept-Encoding", encoding)],
        );
        assert_eq!(r.header("content-encoding"), Some(encoding));
    }
}

/// A compressed page is compressed whole and sent with its length (one write, no chunks), in the
/// coding the client prefers, and decodes to exactly the plain answer; a larger answer is still
/// compressed, streamed.
#[test]
fn compressed_answers_are_whole_and_decode_to_the_plain_answer() {
    use std::io::Read;
    // Lengths and chunks are what the socket carries.
    let server = shared_socket();
    let path = "/api/v1/bathing-sites?municipality=1401";
    let plain = server.get(path);
    assert_eq!(plain.status, 200);
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
    ] {
        let (head, body) = server.get_raw(path, &[("Accept-Encoding", accept)]);
        assert_eq!(head.status, 200);
        assert_eq!(head.header("content-encoding"), Some(coding), "{accept}");
        assert_eq!(
            head.header("content-length"),
            Some(body.len().to_string().as_str()),
            "{accept}"
        );
        assert_eq!(head.header("transfer-encoding"), None, "{accept}");
        let mut decoded = String::new();
        if coding == "gzip" {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_string(&mut decoded)
                .unwrap();
        } else {
            brotli::Decompressor::new(&body[..], 4096)
                .read_to_string(&mut decoded)
                .unwrap();
        }
        assert_eq!(decoded, plain.body, "{accept}");
        assert!(
            body.len() < plain.body.len() / 3,
            "{accept}: {} of {}",
            body.len(),
            plain.body.len()
        );
    }
    let (head, _) = server.get_raw(path, &[("Accept-Encoding", "identity")]);
    assert_eq!(head.header("content-encoding"), None);
    // Past the in-place bound (256 KiB): compressed as a stream.
    let (head, body) = server.get_raw(
        "/dumps/datasets/hav-badvatten.json",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-encoding"), Some("gzip"));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert!(decoded.len() as u64 > datahamn::http::compression::MAX_IN_PLACE_BYTES);
}

/// Every accepted socket gets `TCP_NODELAY`: without it, a compressed answer (written as the head,
/// then its encoded chunks) waited for the client's delayed acknowledgement, about 40 ms, on
/// every keep-alive request. The count is read from the server's own `on_connect` hook, so a
/// server built without it fails here.
#[test]
fn accepted_sockets_get_nodelay() {
    use datahamn::http::connection;
    // Lengths and chunks are what the socket carries.
    let server = shared_socket();
    let before = connection::counts();
    // A new connection (the test client opens one per request), compressed and streamed answers.
    for (path, encoding) in [
        ("/api/v1/bathing-sites?limit=200", "gzip"),
        ("/api/v1/bathing-sites?limit=200&format=csv", "br"),
        ("/dumps/datasets/harryda-badplatser.nq.gz", "gzip"),
    ] {
        let r = server.get_with("GET", path, &[("Accept-Encoding", encoding)]);
        assert_eq!(r.status, 200, "{path}");
    }
    let after = connection::counts();
    assert!(
        after.accepted >= before.accepted + 3,
        "{before:?} -> {after:?}: connections were accepted without the on_connect hook"
    );
    assert_eq!(after.without_nodelay, 0, "{after:?}");
}

#[test]
fn ogc_api_features_core() {
    let server = shared();
    let base = server.base.clone();
    let landing = server.get("/ogc").json();
    let rels: HashSet<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(rel), "{rel}");
    }
    let api = server.get("/ogc/api");
    assert_eq!(api.json()["openapi"], "3.0.3");
    let conformance = server.get("/ogc/conformance").json();
    assert!(
        conformance["conformsTo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/core"))
    );
    let collections = server.get("/ogc/collections").json();
    let listed: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "bathing-sites",
            "swimming-pools",
            "public-services",
            "public-toilets",
            "playgrounds"
        ]
    );
    let one = server.get("/ogc/collections/bathing-sites").json();
    let bbox = &one["extent"]["spatial"]["bbox"][0];
    assert!(
        bbox[0].as_f64().unwrap() > 10.0 && bbox[3].as_f64().unwrap() < 70.0,
        "{bbox}"
    );
    // bbox paging: every feature inside the box, numberMatched features in all, said on every
    // page without `count=true` (GDAL reads the feature count from the first page).
    let mut next = Some(format!(
        "{base}/ogc/collections/bathing-sites/items?bbox=11.5,57.5,12.5,58&limit=40"
    ));
    let mut seen = 0;
    let mut matched = None;
    while let Some(url) = next {
        let r = server.get(url.strip_prefix(&base).unwrap());
        assert_eq!(r.header("content-type"), Some("application/geo+json"));
        let fc = r.json();
        let here = fc["numberMatched"].as_u64();
        assert!(here.is_some() && (matched.is_none() || matched == here), "{url}");
        matched = here;
        let features = fc["features"].as_array().unwrap();
        assert_eq!(fc["numberReturned"], features.len());
        for f in features {
            let c = &f["geometry"]["coordinates"];
            assert!(
                (11.5..=12.5).contains(&c[0].as_f64().unwrap())
                    && (57.5..=58.0).contains(&c[1].as_f64().unwrap())
            );
        }
        seen += features.len();
        next = fc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_owned());
    }
    assert!(seen > 40);
    assert_eq!(matched, Some(seen as u64));
    let feature = server
        .get_accept(
            "/ogc/collections/bathing-sites/items/harryda-badplatser:frokens-udde",
            "application/geo+json",
        )
        .json();
    assert_eq!(feature["type"], "Feature");
    assert!(
        feature["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "collection")
    );
    server
        .get("/ogc/collections/swimming-pools/items/harryda-badplatser:frokens-udde")
        .assert_problem(404, "item_not_found");
    server
        .get("/ogc/collections/nope")
        .assert_problem(404, "not_found");
    for query in ["ooga=booga", "limit=unlimited"] {
        server
            .get(&format!("/ogc/collections/bathing-sites/items?{query}"))
            .assert_problem(400, "invalid_parameter");
    }
}

#[test]
fn ogc_crs_by_reference() {
    let server = shared();
    const TM: &str = "http://www.opengis.net/def/crs/EPSG/0/3006";
    const LATLON: &str = "http://www.opengis.net/def/crs/EPSG/0/4326";
    let conformance = server.get("/ogc/conformance").json();
    assert!(
        conformance["conformsTo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs")
    );
    let one = server.get("/ogc/collections/bathing-sites").json();
    assert_eq!(one["storageCrs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    let offered: Vec<&str> = one["crs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(offered.contains(&TM) && offered.contains(&LATLON), "{offered:?}");

    let path = "/ogc/collections/bathing-sites/items/harryda-badplatser:frokens-udde";
    let default = server.get(path);
    assert_eq!(
        default.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    let lonlat = default.json()["geometry"]["coordinates"].clone();
    let r = server.get(&format!("{path}?crs={LATLON}"));
    assert_eq!(r.header("content-crs"), Some(format!("<{LATLON}>").as_str()));
    let c = r.json()["geometry"]["coordinates"].clone();
    assert_eq!(
        (c[0].clone(), c[1].clone()),
        (lonlat[1].clone(), lonlat[0].clone())
    );
    // SWEREF 99 TM: northing first, in metres (Frökens udde, Landvetter).
    let r = server.get(&format!("{path}?crs={TM}"));
    assert_eq!(r.header("content-crs"), Some(format!("<{TM}>").as_str()));
    let c = r.json()["geometry"]["coordinates"].clone();
    let (n, e) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    assert!(
        (6_380_000.0..6_410_000.0).contains(&n) && (310_000.0..340_000.0).contains(&e),
        "{c}"
    );

    // A box in SWEREF 99 TM finds exactly the sites whose grid position lies inside it.
    let (min_n, min_e, max_n, max_e) = (n - 20_000.0, e - 20_000.0, n + 20_000.0, e + 20_000.0);
    let wide = all_features(&format!(
        "/ogc/collections/bathing-sites/items?bbox=11,57,13.5,58.5&crs={TM}&limit=500"
    ));
    let mut expected: Vec<String> = wide
        .iter()
        .filter(|f| {
            let c = &f["geometry"]["coordinates"];
            let (fn_, fe) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            (min_n..=max_n).contains(&fn_) && (min_e..=max_e).contains(&fe)
        })
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    let mut got: Vec<String> = all_features(&format!(
        "/ogc/collections/bathing-sites/items?bbox={min_n},{min_e},{max_n},{max_e}&bbox-crs={TM}&crs={TM}&limit=7"
    ))
    .iter()
    .map(|f| f["id"].as_str().unwrap().to_owned())
    .collect();
    expected.sort();
    got.sort();
    assert!(expected.len() > 3, "{expected:?}");
    assert!(expected.len() < wide.len());
    assert_eq!(got, expected);

    for query in [
        "crs=EPSG:3006",
        "crs=http://www.opengis.net/def/crs/EPSG/0/3857",
        "bbox-crs=urn:x",
    ] {
        let p = server
            .get(&format!("/ogc/collections/bathing-sites/items?{query}"))
            .assert_problem(400, "invalid_parameter");
        assert_eq!(p["parameter"], query.split('=').next().unwrap());
    }
    server
        .get(&format!("{path}?crs=4326"))
        .assert_problem(400, "invalid_parameter");
    // The REST API stays CRS84: `crs` is not one of its parameters.
    server
        .get(&format!("/api/v1/bathing-sites?crs={TM}"))
        .assert_problem(400, "invalid_parameter");
}

#[test]
fn item_uris_dereference_by_accept() {
    let server = shared();
    let item = server.get("/api/v1/items/harryda-badplatser:frokens-udde").json();
    let uri = item["uri"].as_str().unwrap();
    let path = uri
        .strip_prefix(&server.base)
        .expect("item URIs are minted under the base URL");
    assert_eq!(path, "/id/harryda-badplatser/frokens-udde");

    let turtle = server.get_accept(path, "text/turtle");
    assert_eq!(turtle.status, 200, "{}", turtle.body);
    assert_eq!(turtle.header("content-type"), Some("text/turtle; charset=utf-8"));
    assert!(turtle.body.contains("Frökens udde"), "{}", turtle.body);
    // Without Accept (curl's */*), Turtle.
    assert_eq!(
        server.get(path).header("content-type"),
        Some("text/turtle; charset=utf-8")
    );

    let jsonld = server.get_accept(path, "application/ld+json");
    assert_eq!(jsonld.header("content-type"), Some("application/ld+json"));
    assert!(jsonld.json().to_string().contains(uri));

    let nt = server.get_accept(path, "application/n-triples");
    assert!(
        nt.body
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_end().ends_with('.'))
    );
    assert!(nt.body.contains(&format!("<{uri}>")));

    let xml = server.get_accept(path, "application/rdf+xml");
    assert!(xml.body.trim_start().starts_with("<?xml"), "{}", xml.body);

    // A browser gets a page, with every other representation linked.
    let html = server.get_accept(
        path,
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    );
    assert_eq!(html.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(html.body.contains("<h1>Frökens udde</h1>"));
    assert!(
        html.body
            .contains(r#"rel="alternate" type="application/geo+json""#)
    );

    server
        .get_accept(path, "image/png")
        .assert_problem(406, "not_acceptable");
    server
        .get("/id/harryda-badplatser/no-such-site")
        .assert_problem(404, "item_not_found");
    server
        .get(&format!("{path}?format=json"))
        .assert_problem(400, "invalid_parameter");
}

#[test]
fn an_item_format_is_taken_exactly_as_sent() {
    let server = shared();
    for query in ["format=", "format=JSON", "format=%20json"] {
        let p = server
            .get(&format!("/api/v1/items/harryda-badplatser:frokens-udde?{query}"))
            .assert_problem(400, "invalid_parameter");
        assert_eq!(p["parameter"], "format");
    }
}

#[test]
fn dcat_catalogs_for_the_portal() {
    let server = shared();
    let base = server.base.clone();
    let all = server.get("/catalog");
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        all.header("content-type"),
        Some("application/rdf+xml; charset=utf-8")
    );
    assert!(all.body.contains("harryda-badplatser") && all.body.contains("hav-badvatten"));
    // Example data is in no harvestable catalog, the platform's included.
    assert!(!all.body.contains("goteborg-badhus"), "example data in /catalog");

    let harryda = server.get_accept("/catalog/1401", "text/turtle");
    assert_eq!(harryda.status, 200, "{}", harryda.body);
    assert!(
        harryda
            .body
            .contains("http://dataportal.se/organisation/SE2120001264")
    );
    assert!(
        harryda
            .body
            .contains(&format!("{base}/dataset/harryda-badplatser"))
    );
    assert!(
        !harryda.body.contains("goteborg-badhus"),
        "another publisher's data"
    );
    assert!(!harryda.body.contains("_:"), "no blank nodes");
    // JSON-LD too (`json()` fails on anything but JSON).
    let jsonld = server.get_accept("/catalog/1401", "application/ld+json");
    assert_eq!(jsonld.header("content-type"), Some("application/ld+json"));
    assert!(jsonld.json().to_string().contains("SE2120001264"));

    // Göteborg publishes only example data here: nothing for the portal to harvest.
    server.get("/catalog/1480").assert_problem(404, "not_found");
    server.get("/catalog/9999").assert_problem(404, "not_found");
    server
        .get_accept("/catalog", "text/csv")
        .assert_problem(406, "not_acceptable");

    // Every IRI under the base URL in Härryda's catalog, in its dataset's description and in
    // an item's description resolves.
    let dataset = server.get_accept("/dataset/harryda-badplatser", "text/turtle");
    let item = server.get_accept("/id/harryda-badplatser/frokens-udde", "text/turtle");
    let text = format!("{}{}{}", harryda.body, dataset.body, item.body);
    let mut iris: Vec<String> = text
        .split('<')
        .skip(1)
        .filter_map(|s| s.split_once('>').map(|(iri, _)| iri.to_owned()))
        .filter(|iri| iri.starts_with(&base))
        .map(|iri| iri.split('#').next().unwrap().to_owned())
        .collect();
    iris.sort();
    iris.dedup();
    assert!(iris.len() > 5, "{iris:?}");
    for iri in iris {
        let path = iri.strip_prefix(&base).unwrap();
        let r = server.get_accept(
            if path.is_empty() { "/" } else { path },
            "text/turtle, application/json;q=0.9, */*;q=0.1",
        );
        assert_eq!(r.status, 200, "{iri}: {}", r.body);
    }
}

#[test]
fn platform_uris_dereference() {
    let server = shared();
    for (path, expect) in [
        ("/dataset/harryda-badplatser", "Badplatser i Härryda kommun"),
        ("/dataset/harryda-badplatser/version/1", "harryda-badplatser"),
        ("/municipality/1401", "Härryda"),
        ("/county/14", "Västra Götaland"),
        ("/organisation/1401", "Härryda kommun"),
        ("/organisation/datahamn", "datahamn"),
        ("/def/", "Ontology"),
        ("/def/municipalityCode", "municipalityCode"),
        ("/def/profile/bathing-sites", "Profile"),
        ("/graph/catalog", "harryda-badplatser"),
    ] {
        let r = server.get_accept(path, "text/turtle");
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(
            r.header("content-type"),
            Some("text/turtle; charset=utf-8"),
            "{path}"
        );
        assert!(r.body.contains(expect), "{path}: {}", r.body);
        let html = server.get_accept(path, "text/html");
        assert_eq!(
            html.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(html.body.contains("<table>"), "{path}");
        let xml = server.get_accept(path, "application/rdf+xml");
        assert!(xml.body.trim_start().starts_with("<?xml"), "{path}");
    }
    for path in [
        "/def/noSuchTerm",
        "/dataset/nope",
        "/municipality/9999",
        "/organisation/nope",
    ] {
        server
            .get_accept(path, "text/turtle")
            .assert_problem(404, "not_found");
    }
}
