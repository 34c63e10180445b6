//! A kind of data that exists only as a profile file in a temporary directory: given to the
//! unchanged binary with `--profiles-dir` and a dataset folder with `--datasets-dir`, it is
//! served on every surface (REST list, item and filters, OGC, OpenAPI, SPARQL, the catalogs,
//! the web pages, search). And a bad profile file stops every command before it starts.

use crate::common::{free_port, spawn_serve};

/// Barbecue places (grillplatser), a kind datahamn does not ship: one class from schema.org
/// and one absolute IRI, an address node, a facility, an enum and an integer.
const PROFILE: &str = r#"
id = "grill-places"
version = "1.0"
item_kind = "grill-place"
title = { sv = "Grillplatser", en = "Barbecue places" }
description = { sv = "Grillplatser enligt den nationella specifikationen.", en = "Barbecue places following the national specification." }
conforms_to = "https://dataportal.se/specifications/grillplatser/1.0"
classes = ["schema:CivicStructure", "http://example.org/kinds/GrillPlace"]
municipality_links = ["dct:spatial"]

[[sparql_examples]]
title = "Grillplatser med vindskydd"
question = "Which barbecue places have a shelter?"
query = '''
PREFIX schema: <https://schema.org/>
SELECT ?place ?name WHERE {
  ?place a <http://example.org/kinds/GrillPlace> ; schema:name ?name ;
         schema:amenityFeature [ schema:propertyID "shelter" ; schema:value true ] .
}'''

[nodes.address]
via = "schema:address"
class = "schema:PostalAddress"

[[columns]]
name = "source"
aliases = ["källa", "kommunkod"]
type = "municipality_code"
required = true
role = "municipality"
label = { sv = "Källa (kommunkod)", en = "Source (municipality code)" }

[[columns]]
name = "id"
type = "text"
required = true
role = "id"
property = "dct:identifier"
label = { sv = "Id", en = "Id" }

[[columns]]
name = "name"
aliases = ["namn"]
type = "text"
required = true
role = "name"
property = "schema:name"
label = { sv = "Namn", en = "Name" }

[[columns]]
name = "latitude"
aliases = ["latitud"]
type = "latitude"
required = true
role = "latitude"
label = { sv = "Latitud", en = "Latitude" }

[[columns]]
name = "longitude"
aliases = ["longitud"]
type = "longitude"
required = true
role = "longitude"
label = { sv = "Longitud", en = "Longitude" }

[[columns]]
name = "description"
aliases = ["beskrivning"]
type = "text"
role = "description"
property = "schema:description"
lang = "sv"
label = { sv = "Beskrivning", en = "Description" }

[[columns]]
name = "city"
aliases = ["ort"]
type = "text"
node = "address"
property = "schema:addressLocality"
label = { sv = "Ort", en = "City" }

[[columns]]
name = "shelter"
aliases = ["vindskydd"]
type = "boolean"
feature = "shelter"
label = { sv = "Vindskydd", en = "Shelter" }

[[columns]]
name = "fuel"
aliases = ["bransle"]
type = "enum"
values = ["wood", "gas"]
value_aliases = { ved = "wood", gasol = "gas" }
property = "schema:additionalType"
label = { sv = "Bränsle", en = "Fuel" }

[[columns]]
name = "grills"
aliases = ["antal_grillar"]
type = "integer"
property = "schema:maximumAttendeeCapacity"
label = { sv = "Antal grillar", en = "Grills" }
"#;

const DATASET: &str = r#"
id = "harryda-grillplatser"
profile = "grill-places"
publisher = "1401"
title = { sv = "Grillplatser i Härryda", en = "Barbecue places in Härryda" }
description = { sv = "Kommunens grillplatser.", en = "The municipality's barbecue places." }
license = "http://creativecommons.org/publicdomain/zero/1.0/"
contact_email = "gis@harryda.se"
"#;

/// Swedish headers: the profile's aliases.
const CSV: &str = "källa,id,namn,latitud,longitud,beskrivning,ort,vindskydd,bränsle,antal_grillar
1401,rambo,Rambo grillplats,57.6590,12.1510,Grillplats vid sjön med utsikt,Mölnlycke,ja,ved,2
1401,hindas,Hindås grillplats,57.7050,12.4420,Grillplats i skogen,Hindås,nej,gasol,1
";

struct Dirs {
    _root: tempfile::TempDir,
    data: std::path::PathBuf,
    datasets: std::path::PathBuf,
    profiles: std::path::PathBuf,
}

fn dirs(profile: &str) -> Dirs {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("var");
    let datasets = root.path().join("datasets");
    let profiles = root.path().join("profiles");
    std::fs::create_dir_all(datasets.join("harryda-grillplatser")).unwrap();
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(profiles.join("grillplatser.toml"), profile).unwrap();
    std::fs::write(datasets.join("harryda-grillplatser/dataset.toml"), DATASET).unwrap();
    std::fs::write(datasets.join("harryda-grillplatser/data.csv"), CSV).unwrap();
    Dirs {
        _root: root,
        data,
        datasets,
        profiles,
    }
}

#[test]
fn a_profile_file_alone_is_served_on_every_surface() {
    let d = dirs(PROFILE);
    let server = spawn_serve(
        &[
            "--data-dir",
            d.data.to_str().unwrap(),
            "--datasets-dir",
            d.datasets.to_str().unwrap(),
            "--profiles-dir",
            d.profiles.to_str().unwrap(),
        ],
        &[],
        free_port(),
    );

    // REST: the collection, typed filters, `near`/`bbox`, search, formats, one item.
    let list = server.get("/api/v1/grill-places?count=true");
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.header("etag").is_some(), "cached as every collection");
    let list = list.json();
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["items"][0]["type"], "grill-place");
    let ids = |path: &str| -> Vec<String> {
        let page = server.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        page.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids("/api/v1/grill-places?shelter=true"),
        ["harryda-grillplatser:rambo"]
    );
    assert_eq!(
        ids("/api/v1/grill-places?fuel=gas"),
        ["harryda-grillplatser:hindas"]
    );
    assert_eq!(ids("/api/v1/grill-places?q=sjon"), ["harryda-grillplatser:rambo"]);
    assert_eq!(
        ids("/api/v1/grill-places?near=57.66,12.15&radius=2000"),
        ["harryda-grillplatser:rambo"]
    );
    assert_eq!(
        ids("/api/v1/grill-places?bbox=12.3,57.6,12.5,57.8"),
        ["harryda-grillplatser:hindas"]
    );
    let bad = server.get("/api/v1/grill-places?fuel=coal");
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.json()["parameter"], "fuel");
    assert_eq!(
        server.get("/api/v1/grill-places?sauna=true").status,
        400,
        "not its filter"
    );
    let csv = server.get("/api/v1/grill-places?format=csv");
    assert!(
        csv.body.lines().next().unwrap().contains("shelter"),
        "{}",
        csv.body
    );
    assert_eq!(server.get_accept("/api/v1/grill-places", "image/png").status, 406);
    let item = server.get("/api/v1/items/harryda-grillplatser:rambo").json();
    assert_eq!(item["properties"]["shelter"], true);
    assert_eq!(item["properties"]["fuel"], "wood");
    assert_eq!(item["properties"]["grills"], 2);
    let root = server.get("/api/v1").json();
    assert_eq!(root["links"]["grill_places"], "/api/v1/grill-places");

    // OGC API Features.
    let collections = server.get("/ogc/collections").json();
    assert!(
        collections["collections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "grill-places"),
        "{collections}"
    );
    assert_eq!(server.get("/ogc/collections/grill-places").status, 200);
    let features = server
        .get("/ogc/collections/grill-places/items?shelter=false")
        .json();
    assert_eq!(features["numberMatched"], 1, "{features}");
    let ogc_api = server.get("/ogc/api").json();
    assert!(ogc_api["paths"]["/collections/grill-places/items"].is_object());

    // OpenAPI: the path, its filters typed from the columns, the properties schema.
    let doc = server.get("/openapi.json").json();
    let op = &doc["paths"]["/api/v1/grill-places"]["get"];
    assert_eq!(op["operationId"], "list_grill_places");
    assert_eq!(op["summary"], "Barbecue places from every municipality.");
    let params = op["parameters"].as_array().unwrap();
    let param = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(param("shelter")["schema"]["type"], "boolean");
    assert_eq!(
        param("fuel")["schema"]["items"]["enum"],
        serde_json::json!(["wood", "gas"])
    );
    assert!(param("fuel")["description"].as_str().unwrap().contains("Bränsle"));
    assert!(params.iter().all(|p| p["name"] != "sauna"));
    let schema = &doc["components"]["schemas"]["GrillPlacesProperties"];
    assert_eq!(schema["properties"]["grills"]["type"], "integer");
    assert_eq!(
        schema["properties"]["fuel"]["enum"],
        serde_json::json!(["wood", "gas"])
    );
    assert!(
        doc["paths"]["/api/v1/{collection}"].is_null(),
        "the template is not a path"
    );

    // SPARQL: its classes, and its example on the query page.
    let count = server.post_accept(
        "/sparql",
        "application/sparql-query",
        "application/sparql-results+json",
        "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <http://example.org/kinds/GrillPlace> , <https://schema.org/CivicStructure> }",
    );
    assert_eq!(count.status, 200, "{}", count.body);
    assert_eq!(count.json()["results"]["bindings"][0]["n"]["value"], "2");
    let ui = server.get_accept("/sparql", "text/html");
    assert!(
        ui.body.contains("Grillplatser med vindskydd"),
        "the profile's example"
    );

    // The catalogs, the profile's URI, the dataset's downloads.
    let catalog = server.get_accept("/catalog/1401", "text/turtle");
    assert_eq!(catalog.status, 200);
    assert!(
        catalog.body.contains("/dataset/harryda-grillplatser>"),
        "{}",
        catalog.body
    );
    let profile = server.get_accept("/def/profile/grill-places", "text/turtle");
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert!(profile.body.contains("Grillplatser"));
    assert_eq!(server.get("/dumps/datasets/harryda-grillplatser.csv").status, 200);

    // Web pages: the home page's kinds and search, the dataset's page.
    let home = server.get_accept("/?kind=grill-places&q=hindas", "text/html");
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains(r#"<option value="grill-places""#),
        "{}",
        home.body
    );
    assert!(home.body.contains("Hindås grillplats"), "search finds the item");
    let page = server.get_accept("/datasets/harryda-grillplatser", "text/html");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Rambo grillplats"));
    assert!(page.body.contains("Vindskydd") || page.body.contains("shelter"));

    // The shipped kinds are still there.
    assert_eq!(server.get("/api/v1/bathing-sites?limit=1").status, 200);
}

fn datahamn(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_datahamn"))
        .args(args)
        .current_dir(crate::common::repo_path(""))
        .output()
        .unwrap()
}

#[test]
fn a_bad_profile_file_stops_every_command_and_is_named() {
    // An enum value alias that points at no value, on line 120 of the file.
    let bad = PROFILE.replace("gasol = \"gas\"", "gasol = \"propane\"");
    let line = bad.lines().position(|l| l.starts_with("value_aliases")).unwrap() + 1;
    let d = dirs(&bad);
    let profiles = d.profiles.to_str().unwrap();
    let file = d.profiles.join("grillplatser.toml");
    let csv = d.datasets.join("harryda-grillplatser/data.csv");
    for args in [
        vec![
            "validate",
            "--profile",
            "bathing-sites",
            csv.to_str().unwrap(),
            "--profiles-dir",
            profiles,
        ],
        vec!["openapi", "--profiles-dir", profiles],
        vec![
            "serve",
            "--listen",
            "127.0.0.1:1",
            "--data-dir",
            d.data.to_str().unwrap(),
            "--profiles-dir",
            profiles,
        ],
    ] {
        let out = datahamn(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains(&format!("line {line}")), "{stderr}");
        assert!(stderr.contains("field `columns[8].value_aliases`"), "{stderr}");
        assert!(stderr.contains("propane"), "{stderr}");
    }
    assert!(!d.data.join("store").exists(), "the server never started");
    // The environment variable is the same flag.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datahamn"))
        .args(["openapi"])
        .env("DATAHAMN_PROFILES_DIR", profiles)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A profile with a shipped id replaces it; an unknown profile id lists those loaded.
    let out = datahamn(&["validate", "--profile", "nope", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("public-toilets"));
}
