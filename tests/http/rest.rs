//! The REST API over the published datasets.

use crate::common::shared;
use std::collections::HashSet;

#[test]
fn health_is_ok_once_ready() {
    let r = shared().get("/healthz");
    assert_eq!(r.status, 200);
    let h = r.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["datasets"], 8);
}

#[test]
fn harryda_bath_sites_with_names_and_coordinates() {
    let r = shared().get("/api/v1/bathing-sites?municipality=1401");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let page = r.json();
    let items = page["items"].as_array().unwrap();
    let from_harryda: Vec<_> = items
        .iter()
        .filter(|i| i["dataset"] == "harryda-badplatser")
        .collect();
    assert_eq!(from_harryda.len(), 9);
    let names: HashSet<&str> = from_harryda.iter().map(|i| i["name"].as_str().unwrap()).collect();
    for expected in [
        "Frökens udde",
        "Gingsjön",
        "Hornasjön",
        "Rammsjön",
        "Sjöholmen",
        "Säteriet/Hästviken",
        "Västra Nedsjön",
        "Finnsjön",
        "Pålen",
    ] {
        assert!(names.contains(expected), "{expected} missing");
    }
    for item in items {
        assert_eq!(item["municipality"]["code"], "1401");
        assert_eq!(item["municipality"]["name"], "Härryda");
        assert_eq!(item["type"], "bathing-site");
        let lat = item["latitude"].as_f64().unwrap();
        let lon = item["longitude"].as_f64().unwrap();
        assert!(
            (57.0..58.5).contains(&lat) && (11.5..13.0).contains(&lon),
            "{item}"
        );
        assert!(item["uri"].as_str().unwrap().starts_with(&shared().base));
    }
    let frokens = from_harryda.iter().find(|i| i["name"] == "Frökens udde").unwrap();
    // The file's 57.66512181118435, published to about a centimetre.
    assert_eq!(frokens["latitude"].as_f64().unwrap(), 57.6651218);
    assert_eq!(frokens["properties"]["postcode"], "435 35");
    assert_eq!(frokens["properties"]["city"], "Mölnlycke");
}

#[test]
fn the_national_list_publishes_every_bathing_water_with_coordinates() {
    let r = shared().get("/api/v1/datasets/hav-badvatten");
    assert_eq!(r.status, 200);
    let d = r.json();
    // HaV's list has 2,687 rows: 3 without a position, 11 at the placeholder 0, 0 and 5 more
    // outside Sweden are not published.
    assert_eq!(d["item_count"], 2668);
    assert_eq!(d["current_version"]["row_count"], 2687);
    assert_eq!(d["current_version"]["skipped_row_count"], 19);
    assert_eq!(d["publisher"]["name"], "Havs- och vattenmyndigheten");
    let report = &d["report"];
    let skipped: Vec<u64> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "skipped-row")
        .map(|w| w["row"].as_u64().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [
            49, 50, 212, 243, 244, 248, 506, 612, 976, 1079, 1080, 1081, 1137, 1138, 2030, 2031, 2032, 2444,
            2650
        ]
    );
    let names: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "skipped-row")
        .map(|w| w["value"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Busviken");
    assert_eq!(names[5], "Munkholmsbadet");
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["row"] == 248 && e["column"] == "latitude" && e["code"] == "missing-value")
    );
    let placeholder = errors.iter().find(|e| e["row"] == 49).unwrap();
    assert_eq!(placeholder["code"], "outside-sweden");
    assert_eq!(placeholder["value"], "0, 0");
    assert!(
        placeholder["message"]["sv"]
            .as_str()
            .unwrap()
            .contains("platshållare")
    );
}

#[test]
fn paging_walks_a_whole_collection_without_gaps() {
    let server = shared();
    let mut next = Some("/api/v1/bathing-sites?limit=1000".to_owned());
    let mut ids = Vec::new();
    let mut pages = 0;
    while let Some(url) = next {
        let path = url.strip_prefix(&server.base).unwrap_or(&url);
        let page = server.get(path).json();
        pages += 1;
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned()),
        );
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 2668 + 9);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "stable order");
}

#[test]
fn limits_are_clamped() {
    let page = shared().get("/api/v1/bathing-sites?limit=5000").json();
    assert_eq!(page["limit"], 1000);
    assert_eq!(page["items"].as_array().unwrap().len(), 1000);
    let page = shared().get("/api/v1/swimming-pools?limit=2").json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next"].as_str().unwrap().contains("cursor="));
}

#[test]
fn several_municipalities_at_once() {
    let page = shared()
        .get("/api/v1/swimming-pools?municipality=1480,1481")
        .json();
    let codes: HashSet<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["municipality"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, HashSet::from(["1480", "1481"]));
    assert_eq!(page["items"].as_array().unwrap().len(), 7);
}

#[test]
fn services_and_pools_carry_their_properties() {
    let page = shared().get("/api/v1/public-services?municipality=1480").json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let permit = items
        .iter()
        .find(|i| i["id"] == "goteborg-e-tjanster:parkeringstillstand-rorelsehindrade")
        .unwrap();
    assert_eq!(permit["properties"]["channel"], "online");
    assert_eq!(permit["properties"]["language"], serde_json::json!(["sv", "en"]));
    assert!(permit.get("latitude").is_none());
    let pool = shared().get("/api/v1/items/goteborg-badhus:valhallabadet").json();
    assert_eq!(pool["properties"]["pool_length_m"], 50.0);
    assert_eq!(pool["properties"]["lanes"], 10);
    assert_eq!(pool["properties"]["sauna"], true);
    assert_eq!(pool["type"], "swimming-pool");
}

#[test]
fn datasets_are_listed_with_metadata() {
    let list = shared().get("/api/v1/datasets").json();
    let datasets = list["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 8);
    let publishers: HashSet<&str> = datasets
        .iter()
        .map(|d| d["publisher"]["id"].as_str().unwrap())
        .collect();
    assert!(publishers.is_superset(&HashSet::from(["1401", "1480", "1481"])));
    for d in datasets {
        let example = d["example_data"].as_bool().unwrap();
        let title = d["title"]["en"].as_str().unwrap();
        assert_eq!(example, title.contains("example data"), "{title}");
        assert_eq!(d["current_version"]["number"], 1);
    }
    let harryda = datasets.iter().find(|d| d["id"] == "harryda-badplatser").unwrap();
    assert_eq!(
        harryda["conforms_to"],
        "https://dataportal.se/specifications/badplatser/1.0"
    );
    assert_eq!(harryda["publisher"]["organisation_number"], "212000-1264");
    assert_eq!(harryda["item_count"], 9);
}

#[test]
fn dataset_items_and_single_items() {
    let page = shared()
        .get("/api/v1/datasets/harryda-badplatser/items?limit=4")
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    let first = &page["items"][0];
    let id = first["id"].as_str().unwrap();
    let item = shared().get(&format!("/api/v1/items/{id}")).json();
    assert_eq!(&item, first);
}

#[test]
fn derived_ids_are_stable_and_readable() {
    let item = shared().get("/api/v1/items/harryda-badplatser:frokens-udde");
    assert_eq!(item.status, 200, "{}", item.body);
    assert_eq!(
        item.json()["uri"],
        format!("{}/id/harryda-badplatser/frokens-udde", shared().base)
    );
    let hav = shared()
        .get("/api/v1/items/hav-badvatten:SE0A21480000000385")
        .json();
    assert_eq!(hav["name"], "Surtesjön");
    assert_eq!(hav["properties"]["hov_ref"], "SE0A21480000000385");
    assert_eq!(hav["municipality"]["name"], "Göteborg");
}

#[test]
fn head_works_and_has_no_body() {
    let r = shared().request("HEAD", "/api/v1/datasets");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
}
