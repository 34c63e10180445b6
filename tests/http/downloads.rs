//! The downloads the DCAT catalogs list: each `dcat:downloadURL` gives every item of the
//! dataset's current version, in the distribution's media type, with an entity tag that answers
//! `304` on revalidation.

use crate::common::shared;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Quad, Term};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const IANA: &str = "http://www.iana.org/assignments/media-types/";
const IN_DATASET: &str = "http://rdfs.org/ns/void#inDataset";

/// A whole response: status, headers (lower-case names) and body, however large.
struct Download {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A GET of a URL the catalogs give (on the shared server).
fn fetch(url: &str, headers: &[(&str, &str)]) -> Download {
    let (head, body) = shared().get_raw(url, headers);
    Download {
        status: head.status,
        headers: head
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        body,
    }
}

fn parse(format: RdfFormat, bytes: &[u8]) -> Vec<Quad> {
    RdfParser::from_format(format)
        .for_slice(bytes)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not {format}: {e}"))
}

/// The subjects said to be in `dataset` (`void:inDataset`): the items.
fn items_in(quads: &[Quad], dataset: &str) -> usize {
    quads
        .iter()
        .filter(|q| q.predicate.as_str() == IN_DATASET)
        .filter(|q| matches!(&q.object, Term::NamedNode(n) if n.as_str() == dataset))
        .map(|q| q.subject.to_string())
        .collect::<BTreeSet<_>>()
        .len()
}

/// How many items a download holds, read the way a client reads its format.
fn count(media_type: &str, body: &[u8], dataset: &str) -> usize {
    match media_type {
        "text/csv" => csv::Reader::from_reader(body)
            .records()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .len(),
        "application/json" => {
            let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert_eq!(
                doc["total"].as_u64().unwrap() as usize,
                doc["items"].as_array().unwrap().len()
            );
            doc["items"].as_array().unwrap().len()
        }
        "application/geo+json" => {
            let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert_eq!(doc["type"], "FeatureCollection");
            let n = doc["features"].as_array().unwrap().len();
            assert_eq!(doc["numberReturned"].as_u64().unwrap() as usize, n);
            n
        }
        "application/ld+json" => items_in(
            &parse(
                RdfFormat::JsonLd {
                    profile: Default::default(),
                },
                body,
            ),
            dataset,
        ),
        "application/n-quads" => {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(body).read_to_end(&mut text).unwrap();
            items_in(&parse(RdfFormat::NQuads, &text), dataset)
        }
        other => panic!("unexpected media type {other}"),
    }
}

#[test]
fn every_download_in_the_catalog_has_every_item() {
    let server = shared();
    let base = &server.base;
    let catalog = server.get_accept("/catalog", "application/n-triples");
    assert_eq!(catalog.status, 200, "{}", catalog.body);
    let triples = parse(RdfFormat::NTriples, catalog.body.as_bytes());
    let objects = |s: &str, p: &str| -> Vec<String> {
        triples
            .iter()
            .filter(|q| q.subject.to_string() == format!("<{s}>") && q.predicate.as_str() == p)
            .map(|q| match &q.object {
                Term::NamedNode(n) => n.as_str().to_owned(),
                Term::Literal(l) => l.value().to_owned(),
                other => other.to_string(),
            })
            .collect()
    };
    let datasets: Vec<String> = objects(&format!("{base}/catalog"), &format!("{DCAT}dataset"));
    assert!(
        datasets.contains(&format!("{base}/dataset/hav-badvatten")),
        "{datasets:?}"
    );
    let mut checked = BTreeSet::new();
    for dataset in &datasets {
        let id = dataset.rsplit('/').next().unwrap();
        let expected = server.get(&format!("/api/v1/datasets/{id}")).json()["item_count"]
            .as_u64()
            .unwrap() as usize;
        assert!(expected > 0, "{id}");
        let mut api = 0;
        for distribution in objects(dataset, &format!("{DCAT}distribution")) {
            let downloads = objects(&distribution, &format!("{DCAT}downloadURL"));
            if downloads.is_empty() {
                // The REST API: a data service, not a file.
                let service = objects(&distribution, &format!("{DCAT}accessService"));
                assert_eq!(service, [format!("{base}/api/v1")], "{distribution}");
                assert_eq!(
                    objects(&service[0], &format!("{DCAT}endpointDescription")),
                    [format!("{base}/openapi.json")]
                );
                let access = objects(&distribution, &format!("{DCAT}accessURL"));
                assert_eq!(
                    server.get(access[0].strip_prefix(base.as_str()).unwrap()).status,
                    200
                );
                api += 1;
                continue;
            }
            assert_eq!(downloads.len(), 1, "{distribution}");
            let url = &downloads[0];
            assert_eq!(
                objects(&distribution, &format!("{DCAT}accessURL")),
                std::slice::from_ref(url)
            );
            let media_type = objects(&distribution, &format!("{DCAT}mediaType"))
                .pop()
                .and_then(|m| m.strip_prefix(IANA).map(str::to_owned))
                .unwrap_or_else(|| panic!("{distribution} has no IANA media type"));
            let gzip = !objects(&distribution, &format!("{DCAT}compressFormat")).is_empty();

            let d = fetch(url, &[]);
            assert_eq!(d.status, 200, "{url}");
            let content_type = &d.headers["content-type"];
            let expected_type = if gzip {
                "application/gzip"
            } else {
                media_type.as_str()
            };
            assert!(content_type.starts_with(expected_type), "{url}: {content_type}");
            let file = url.rsplit('/').next().unwrap();
            assert_eq!(
                d.headers["content-disposition"],
                format!("attachment; filename=\"{file}\""),
                "{url}"
            );
            assert_eq!(count(&media_type, &d.body, dataset), expected, "{url}");
            // Its size: in the catalog, and sent with it.
            let size = objects(&distribution, &format!("{DCAT}byteSize"));
            assert_eq!(size, [d.body.len().to_string()], "{url}: dcat:byteSize");
            assert_eq!(d.headers.get("content-length"), Some(&size[0]), "{url}");

            // Cacheable: the entity tag answers 304 while the version is current.
            let etag = d.headers.get("etag").unwrap_or_else(|| panic!("{url}: no ETag"));
            let again = fetch(url, &[("If-None-Match", etag)]);
            assert_eq!(again.status, 304, "{url}");
            assert!(again.body.is_empty());
            assert_eq!(again.headers.get("etag"), Some(etag));
            checked.insert(file.to_owned());
        }
        assert_eq!(api, 1, "{dataset}: one REST API distribution");
    }
    for ext in ["csv", "geojson", "json", "jsonld", "nq.gz"] {
        assert!(checked.contains(&format!("hav-badvatten.{ext}")), "{checked:?}");
    }
}

#[test]
fn example_data_is_never_harvested() {
    let server = shared();
    let datasets = server.get("/api/v1/datasets").json();
    let examples: Vec<&str> = datasets["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["example_data"] == true)
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(!examples.is_empty(), "the shipped datasets include example data");
    for path in ["/catalog", "/catalog/1401", "/catalog/1481"] {
        let r = server.get_accept(path, "text/turtle");
        for id in &examples {
            assert!(
                !r.body.contains(&format!("/dataset/{id}>")),
                "{path} lists the example dataset {id}"
            );
        }
    }
    // Its downloads are served all the same.
    let id = examples[0];
    let d = fetch(&server.url(&format!("/dumps/datasets/{id}.csv")), &[]);
    assert_eq!(d.status, 200);
}

#[test]
fn downloads_refuse_parameters_and_unknown_datasets() {
    let server = shared();
    server
        .get("/dumps/datasets/harryda-badplatser.csv?limit=5")
        .assert_problem(400, "invalid_parameter");
    server
        .get("/dumps/datasets/no-such-dataset.geojson")
        .assert_problem(404, "dataset_not_found");
    server
        .get("/dumps/datasets/harryda-badplatser.xml")
        .assert_problem(404, "not_found");
}
