//! Golden fixtures: `tests/fixtures/mapping/<case>/` holds `case.toml` (profile, dataset,
//! default municipality), `input.csv` and `expected.nq`; the mapped RDF must equal the expected
//! RDF after RDFC-1.0 canonicalisation. Set `DATAHAMN_BLESS=1` to write missing expectations.

use super::*;
use crate::canon;
use crate::ingest::{CheckOptions, check};
use crate::profile;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Case {
    profile: String,
    dataset: String,
    default_municipality: Option<String>,
}

const BASE: &str = "http://data.example.se";

fn map_case(dir: &Path) -> (Vec<Quad>, Vec<ItemView>, &'static Profile) {
    let case: Case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap()).unwrap();
    let profile = profile::get(&case.profile).unwrap();
    let bytes = std::fs::read(dir.join("input.csv")).unwrap();
    let checked = check(
        &bytes,
        profile,
        &CheckOptions {
            default_municipality: case.default_municipality,
            ..CheckOptions::default()
        },
    );
    assert!(
        checked.report.valid,
        "{}: {}",
        dir.display(),
        checked.report.to_text()
    );
    let iris = Iris::new(BASE);
    let graph = iris.version(&case.dataset, 1);
    let quads = map_rows(
        profile,
        &MapContext {
            iris: &iris,
            dataset: &case.dataset,
            graph: &graph,
        },
        &checked.rows,
    );
    let items = project(profile, &iris, &case.dataset, &quads);
    (quads, items, profile)
}

#[test]
fn golden_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping");
    let mut cases = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("case.toml").exists() {
            continue;
        }
        cases += 1;
        let (quads, _, _) = map_case(&dir);
        let actual = canon::canonicalize(&quads).unwrap();
        let expected_path = dir.join("expected.nq");
        if !expected_path.exists() && std::env::var_os("DATAHAMN_BLESS").is_some() {
            std::fs::write(&expected_path, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no expected.nq", dir.display()));
        let expected = canon::canonicalize_nquads(&expected).unwrap();
        if actual != expected {
            let missing: Vec<_> = expected
                .lines()
                .filter(|l| !actual.contains(l))
                .take(10)
                .collect();
            let extra: Vec<_> = actual
                .lines()
                .filter(|l| !expected.contains(l))
                .take(10)
                .collect();
            panic!(
                "{}: mapped RDF differs\nmissing:\n{}\nunexpected:\n{}",
                dir.display(),
                missing.join("\n"),
                extra.join("\n")
            );
        }
    }
    assert!(cases >= 3, "expected a golden case per profile, found {cases}");
}

#[test]
fn projection_gives_back_what_was_mapped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping");
    let (_, items, _) = map_case(&root.join("bathing-sites"));
    let site = items.iter().find(|i| i.name == "Badplats Ängen").unwrap();
    assert_eq!(site.latitude, Some(57.665));
    assert_eq!(site.longitude, Some(12.1425));
    assert_eq!(site.municipality.code, "1401");
    assert_eq!(site.municipality.name, "Härryda");
    assert_eq!(site.properties["toilet"], serde_json::json!(true));
    assert_eq!(site.properties["shower"], serde_json::json!(false));
    assert_eq!(site.properties["wheelchair"], serde_json::json!("limited"));
    assert_eq!(site.properties["postcode"], serde_json::json!("435 35"));
    assert_eq!(site.properties["watertype"], serde_json::json!("lake"));
    assert_eq!(site.properties["wikidata"], serde_json::json!("Q123"));
    assert_eq!(site.updated.as_deref(), Some("2024-06-01"));
    // Published to about a centimetre (7 places), in the RDF and so in every view of it.
    let lake = items.iter().find(|i| i.name == "Lilla Sjön").unwrap();
    assert_eq!((lake.latitude, lake.longitude), (Some(57.6000001), Some(12.2)));

    let (_, items, _) = map_case(&root.join("public-services"));
    let service = &items[0];
    assert_eq!(service.properties["language"], serde_json::json!(["sv", "en"]));
    assert_eq!(service.properties["channel"], serde_json::json!("online"));
    assert_eq!(service.properties["processing_time"], serde_json::json!("P8W"));

    let (_, items, _) = map_case(&root.join("swimming-pools"));
    assert_eq!(items[0].properties["lanes"], serde_json::json!(6));
    assert_eq!(items[0].properties["pool_length_m"], serde_json::json!(25.0));
}

#[test]
fn same_kind_same_vocabulary_across_municipalities() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping");
    let (quads, _, _) = map_case(&root.join("bathing-sites"));
    let predicates: std::collections::BTreeSet<_> =
        quads.iter().map(|q| q.predicate.as_str().to_owned()).collect();
    for p in [
        "https://schema.org/name",
        "https://schema.org/amenityFeature",
        "http://www.opengis.net/ont/geosparql#asWKT",
        "http://data.example.se/def/municipalityCode",
        "http://rdfs.org/ns/void#inDataset",
    ] {
        assert!(predicates.contains(p), "missing {p}");
    }
}
