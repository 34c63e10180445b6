//! Reference data compiled into the binary: Sweden's 290 municipalities (SCB codes, official
//! names, counties, the area each covers) and the organisations that publish on the platform.
//!
//! Sources: `vocab/municipalities.csv` (Statistics Sweden's list), `vocab/municipality-extents.csv`
//! (bounding boxes and centroids from Statistics Sweden's generalised boundaries, written by
//! `vocab/sources/municipality_extents.py`) and `vocab/organisations.csv` (organisation numbers,
//! from the organisations' own registrations).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A Swedish municipality.
#[derive(Clone, Debug, PartialEq)]
pub struct Municipality {
    /// Four-digit SCB code, e.g. `1401`.
    pub code: String,
    /// Official name, e.g. `Härryda`.
    pub name: String,
    /// Two-digit county code.
    pub county_code: String,
    /// County name, e.g. `Västra Götalands län`.
    pub county_name: String,
    /// The area the municipality covers.
    pub area: Area,
}

/// The area a municipality covers, from generalised boundaries (accurate to about a kilometre):
/// its bounding box and the centroid of its surface, in WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
    /// `(longitude, latitude)`.
    pub centroid: (f64, f64),
}

/// What kind of organisation publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganisationKind {
    Municipality,
    /// A regional body: a region, or municipalities' association (Göteborgsregionen).
    Region,
    Agency,
}

/// A publishing organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// The id used in dataset metadata: the municipality code for municipalities.
    pub id: String,
    pub kind: OrganisationKind,
    pub name: String,
    /// Swedish organisation number (`212000-1264`), when known.
    pub organisation_number: Option<String>,
    /// For municipalities, their code.
    pub municipality_code: Option<String>,
}

struct Reference {
    municipalities: Vec<Municipality>,
    by_code: HashMap<String, usize>,
    organisations: Vec<Organisation>,
}

fn parse() -> Reference {
    let areas = areas();
    let mut municipalities = Vec::new();
    let mut reader = csv::Reader::from_reader(include_str!("../vocab/municipalities.csv").as_bytes());
    for record in reader.records().flatten() {
        let area = *areas
            .get(&record[0])
            .unwrap_or_else(|| panic!("vocab/municipality-extents.csv lacks {}", &record[0]));
        municipalities.push(Municipality {
            code: record[0].to_owned(),
            name: record[1].to_owned(),
            county_code: record[2].to_owned(),
            county_name: record[3].to_owned(),
            area,
        });
    }
    let by_code = municipalities
        .iter()
        .enumerate()
        .map(|(i, m)| (m.code.clone(), i))
        .collect();
    let mut listed: Vec<Organisation> = Vec::new();
    let mut reader = csv::Reader::from_reader(include_str!("../vocab/organisations.csv").as_bytes());
    for record in reader.records().flatten() {
        listed.push(Organisation {
            id: record[0].to_owned(),
            kind: match &record[1] {
                "agency" => OrganisationKind::Agency,
                "region" => OrganisationKind::Region,
                _ => OrganisationKind::Municipality,
            },
            name: record[2].to_owned(),
            organisation_number: Some(record[3].to_owned()).filter(|s| !s.is_empty()),
            municipality_code: Some(record[4].to_owned()).filter(|s| !s.is_empty()),
        });
    }
    let mut organisations: Vec<Organisation> = municipalities
        .iter()
        .map(|m| {
            listed
                .iter()
                .find(|o| o.id == m.code)
                .cloned()
                .unwrap_or_else(|| Organisation {
                    id: m.code.clone(),
                    kind: OrganisationKind::Municipality,
                    name: format!("{} kommun", m.name),
                    organisation_number: None,
                    municipality_code: Some(m.code.clone()),
                })
        })
        .collect();
    organisations.extend(
        listed
            .into_iter()
            .filter(|o| o.kind != OrganisationKind::Municipality),
    );
    Reference {
        municipalities,
        by_code,
        organisations,
    }
}

/// Each municipality's area by code, from `vocab/municipality-extents.csv` (compiled in and
/// checked by the tests: every municipality has one).
fn areas() -> HashMap<String, Area> {
    let mut reader = csv::Reader::from_reader(include_str!("../vocab/municipality-extents.csv").as_bytes());
    let mut areas = HashMap::new();
    for record in reader.records().flatten() {
        let figures: Vec<f64> = (1..7)
            .map(|i| {
                record[i]
                    .parse()
                    .expect("vocab/municipality-extents.csv: a number")
            })
            .collect();
        areas.insert(
            record[0].to_owned(),
            Area {
                west: figures[0],
                south: figures[1],
                east: figures[2],
                north: figures[3],
                centroid: (figures[4], figures[5]),
            },
        );
    }
    areas
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(parse)
}

/// All 290 municipalities, ordered by code.
pub fn municipalities() -> &'static [Municipality] {
    &reference().municipalities
}

/// The municipality with this code. Codes that lost their leading zero (`114`) are accepted.
pub fn municipality(code: &str) -> Option<&'static Municipality> {
    let r = reference();
    let code = code.trim();
    let padded;
    let code = if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
        padded = format!("0{code}");
        padded.as_str()
    } else {
        code
    };
    r.by_code.get(code).map(|i| &r.municipalities[*i])
}

/// Every organisation: one per municipality, then agencies.
pub fn organisations() -> &'static [Organisation] {
    &reference().organisations
}

/// The organisation with this id (a municipality code or an agency id such as `hav`).
pub fn organisation(id: &str) -> Option<&'static Organisation> {
    organisations().iter().find(|o| o.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_municipalities_are_there() {
        assert_eq!(municipalities().len(), 290);
        assert_eq!(municipality("1401").unwrap().name, "Härryda");
        assert_eq!(municipality("114").unwrap().name, "Upplands Väsby");
        assert_eq!(municipality("1480").unwrap().county_code, "14");
        assert!(municipality("9999").is_none());
    }

    #[test]
    fn every_municipality_covers_an_area_in_sweden_around_its_centroid() {
        for m in municipalities() {
            let a = m.area;
            assert!(a.west < a.east && a.south < a.north, "{}: {a:?}", m.code);
            assert!(
                (10.9..24.2).contains(&a.west) && (55.3..69.1).contains(&a.north),
                "{}",
                m.code
            );
            let (lon, lat) = a.centroid;
            assert!((a.west..=a.east).contains(&lon) && (a.south..=a.north).contains(&lat));
        }
        // Härryda's bath sites lie within Härryda's box.
        let h = municipality("1401").unwrap().area;
        assert!(h.west < 12.2 && 12.2 < h.east && h.south < 57.62 && 57.62 < h.north);
    }

    #[test]
    fn organisations_have_numbers_where_known() {
        assert_eq!(organisations().len(), 293);
        assert_eq!(organisation("vgr").unwrap().kind, OrganisationKind::Region);
        let g = organisation("1480").unwrap();
        assert_eq!(g.organisation_number.as_deref(), Some("212000-1355"));
        assert_eq!(organisation("hav").unwrap().kind, OrganisationKind::Agency);
        assert_eq!(organisation("0114").unwrap().name, "Upplands Väsby kommun");
    }
}
