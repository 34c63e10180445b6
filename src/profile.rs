//! Profiles: machine-readable descriptions of a CSV layout (columns, aliases, types, required
//! columns) and of how each column maps onto the shared vocabulary.
//!
//! Profiles live in `vocab/profiles/*.toml` and are compiled into the binary, so a running server
//! and the files in the repository can never disagree. This module parses and checks them; it
//! knows nothing about CSV reading or RDF writing.

use crate::text::header_key;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The profiles shipped with datahamn, as `(file name, TOML text)`.
const SOURCES: &[(&str, &str)] = &[
    (
        "bathing-sites.toml",
        include_str!("../vocab/profiles/bathing-sites.toml"),
    ),
    (
        "swimming-pools.toml",
        include_str!("../vocab/profiles/swimming-pools.toml"),
    ),
    (
        "public-services.toml",
        include_str!("../vocab/profiles/public-services.toml"),
    ),
];

/// A text in Swedish and English.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Localized {
    pub sv: String,
    pub en: String,
}

impl Localized {
    pub fn new(sv: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            sv: sv.into(),
            en: en.into(),
        }
    }
}

/// The values of a [`ColumnType::Access`] column in the JSON views, as OpenStreetMap's
/// `wheelchair=*`.
pub const ACCESS_VALUES: [&str; 3] = ["yes", "limited", "no"];

/// The type of a column's values.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Free text.
    Text,
    /// A whole number.
    Integer,
    /// A decimal number, with a decimal point or comma.
    Decimal,
    /// Yes or no (`true/false`, `ja/nej`, `Y/N`, `1/0`, `x`).
    Boolean,
    /// Yes, no or limited, as OpenStreetMap's `wheelchair=yes/no/limited`. In RDF an
    /// `xsd:boolean` or the plain literal `limited`; in JSON, GeoJSON, CSV and OGC always one of
    /// the strings of [`ACCESS_VALUES`], so the field has one type.
    Access,
    /// A calendar date, written to RDF as `xsd:date`.
    Date,
    /// An http(s) URL.
    Url,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A Swedish postcode (`435 35` or `43535`).
    Postcode,
    /// A country, as a name or ISO code.
    Country,
    /// A Wikidata item id (`Q123`).
    Wikidata,
    /// A HaV/EEA bathing-water id (`SE0A21480000000516`).
    HavId,
    /// A four-digit SCB municipality code.
    MunicipalityCode,
    /// WGS84 latitude in decimal degrees.
    Latitude,
    /// WGS84 longitude in decimal degrees.
    Longitude,
    /// One value out of a closed list.
    Enum,
    /// Opening hours in OpenStreetMap syntax.
    OpeningHours,
    /// An ISO 8601 duration (`P10D`), or days and weeks in words.
    Duration,
    /// One or more language codes (`sv;en`).
    Language,
}

/// What a column means to datahamn beyond its RDF mapping.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The item's identifier within its dataset.
    Id,
    /// The item's name.
    Name,
    /// The item's description.
    Description,
    /// Latitude of the item's position.
    Latitude,
    /// Longitude of the item's position.
    Longitude,
    /// The municipality the item belongs to (overrides the dataset's publisher).
    Municipality,
    /// A municipality name given for information; the code is what counts.
    MunicipalityName,
    /// When the item was last updated.
    Updated,
    /// An external identifier that links the item to other registers; used for ids when no id
    /// column is given.
    LinkKey,
}

/// A structured node hanging off each item (an address, a channel, a contact point).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// The property linking the item to the node.
    pub via: String,
    /// The node's class.
    pub class: String,
}

/// One column of a profile.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The canonical column name, also the key in JSON output.
    pub name: String,
    /// Other headers real files use for this column.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default)]
    pub required: bool,
    pub role: Option<Role>,
    /// A literal-valued property.
    pub property: Option<String>,
    /// An IRI-valued property (for URLs, Wikidata ids, languages).
    pub link: Option<String>,
    /// More properties that receive the same value.
    #[serde(default)]
    pub also: Vec<String>,
    /// The node (see [`Profile::nodes`]) that carries the property instead of the item.
    pub node: Option<String>,
    /// An amenity feature (`schema:amenityFeature`) with this OpenStreetMap key as property id.
    pub feature: Option<String>,
    /// Language tag for text values.
    pub lang: Option<String>,
    /// Allowed values of an enum column.
    #[serde(default)]
    pub values: Vec<String>,
    /// Other spellings of enum values (folded key → canonical value).
    #[serde(default)]
    pub value_aliases: BTreeMap<String, String>,
    pub label: Localized,
}

impl Column {
    /// Whether the column is a list filter: a facility boolean or an enum.
    pub fn is_filter(&self) -> bool {
        (self.feature.is_some() && matches!(self.kind, ColumnType::Boolean | ColumnType::Access))
            || self.kind == ColumnType::Enum
    }

    /// Every header key (see [`header_key`]) that names this column.
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(header_key(&self.name)).chain(self.aliases.iter().map(|a| header_key(a)))
    }
}

/// Which resource a profile's municipality links point at.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MunicipalityTarget {
    /// The municipality as a place (`{base}/municipality/{code}`).
    #[default]
    Place,
    /// The municipality as an organisation (`{base}/organisation/{code}`).
    Organisation,
}

/// A CSV profile.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub version: String,
    /// The kind of item, as the `type` of items in JSON (`bathing-site`).
    pub item_kind: String,
    pub title: Localized,
    pub description: Localized,
    pub conforms_to: Option<String>,
    /// RDF classes of every item.
    pub classes: Vec<String>,
    /// Properties linking every item to its municipality.
    #[serde(default)]
    pub municipality_links: Vec<String>,
    #[serde(default)]
    pub municipality_target: MunicipalityTarget,
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeSpec>,
    pub columns: Vec<Column>,
}

impl Profile {
    /// The column with a role, if the profile has one.
    pub fn column_with_role(&self, role: Role) -> Option<&Column> {
        self.columns.iter().find(|c| c.role == Some(role))
    }

    /// The column with this canonical name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether items of this profile have a position.
    pub fn has_position(&self) -> bool {
        self.column_with_role(Role::Latitude).is_some() && self.column_with_role(Role::Longitude).is_some()
    }

    /// The columns that are list filters: facility booleans (`toilet=true`) and enums
    /// (`watertype=lake`).
    pub fn filter_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.is_filter())
    }

    fn check(&self) -> Result<(), String> {
        let mut keys = BTreeMap::new();
        for column in &self.columns {
            for key in column.keys() {
                if let Some(other) = keys.insert(key.clone(), column.name.clone())
                    && other != column.name
                {
                    return Err(format!(
                        "header key `{key}` names both `{other}` and `{}`",
                        column.name
                    ));
                }
            }
            let targets = [
                column.property.is_some(),
                column.link.is_some(),
                column.feature.is_some(),
            ]
            .iter()
            .filter(|t| **t)
            .count();
            let positional = matches!(
                column.role,
                Some(Role::Latitude | Role::Longitude | Role::Municipality | Role::MunicipalityName)
            );
            if targets == 0 && !positional {
                return Err(format!("column `{}` maps to nothing", column.name));
            }
            if targets > 1 {
                return Err(format!("column `{}` has more than one mapping", column.name));
            }
            if let Some(node) = &column.node
                && !self.nodes.contains_key(node)
            {
                return Err(format!("column `{}` uses unknown node `{node}`", column.name));
            }
            if column.kind == ColumnType::Enum && column.values.is_empty() {
                return Err(format!("enum column `{}` lists no values", column.name));
            }
        }
        for role in [Role::Id, Role::Name] {
            if self.column_with_role(role).is_none() {
                return Err(format!("the profile has no {role:?} column"));
            }
        }
        Ok(())
    }
}

/// An error in a shipped profile: a bug in the repository, caught by the unit tests.
#[derive(Debug, thiserror::Error)]
#[error("profile {file}: {message}")]
pub struct ProfileError {
    file: &'static str,
    message: String,
}

/// Parses a profile's TOML text and checks it (the columns' keys, mappings, nodes and roles).
pub fn parse(text: &str) -> Result<Profile, String> {
    let profile: Profile = toml::from_str(text).map_err(|e| e.to_string())?;
    profile.check()?;
    Ok(profile)
}

/// The shipped profiles' files: name and text.
pub fn sources() -> &'static [(&'static str, &'static str)] {
    SOURCES
}

fn parse_all() -> Result<Vec<Profile>, ProfileError> {
    SOURCES
        .iter()
        .map(|(file, text)| parse(text).map_err(|message| ProfileError { file, message }))
        .collect()
}

/// Every shipped profile, parsed once.
///
/// # Panics
/// If a shipped profile is invalid; the unit tests below parse them all, so a broken profile
/// fails the build's tests before it can reach a server.
pub fn all() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| match parse_all() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    })
}

/// The profile with this id.
pub fn get(id: &str) -> Option<&'static Profile> {
    all().iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Iris;

    #[test]
    fn shipped_profiles_parse_and_check() {
        let profiles = parse_all().unwrap();
        let ids: Vec<_> = profiles.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["bathing-sites", "swimming-pools", "public-services"]);
    }

    #[test]
    fn every_mapped_term_expands() {
        let iris = Iris::new("http://example.org");
        for p in all() {
            let mut terms: Vec<&String> = p.classes.iter().chain(&p.municipality_links).collect();
            for c in &p.columns {
                terms.extend(c.property.iter().chain(&c.link).chain(&c.also));
            }
            for n in p.nodes.values() {
                terms.push(&n.via);
                terms.push(&n.class);
            }
            for t in terms {
                assert!(iris.expand(t).is_some(), "{}: cannot expand {t}", p.id);
            }
        }
    }

    #[test]
    fn our_terms_are_defined_in_the_vocabulary() {
        let vocab = include_str!("../vocab/datahamn.ttl");
        for p in all() {
            for c in &p.columns {
                for t in c.property.iter().chain(&c.link).chain(&c.also) {
                    if let Some(local) = t.strip_prefix("dh:") {
                        assert!(
                            vocab.contains(&format!("dh:{local} a ")),
                            "{}: dh:{local} is not defined in vocab/datahamn.ttl",
                            p.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bathing_sites_cover_the_national_spec() {
        let p = get("bathing-sites").unwrap();
        let national = "place_id,name,latitude,longitude,hov_ref,wikidata,updated,description,street,housenumber,postcode,city,country,facilities,toilet,shower,drinking_water,changing_room,lifeguard,lifebuoy,trash,firstaid,fireplace,bathing_jetty,bathing_ladder,diving_tower,td_url,accessibility,wheelchair,watertype,beach_sand,beach_stone,beach_rock,beach_concrete,beach_grass,pet_bath,camping,temp_url,extra_url,visit_url,phone,email";
        for name in national.split(',') {
            assert!(p.column(name).is_some(), "missing {name}");
        }
        for old in [
            "nutskod",
            "wc",
            "grilling_area",
            "address",
            "postalcode",
            "kommunkod",
        ] {
            let key = header_key(old);
            assert!(
                p.columns.iter().any(|c| c.keys().any(|k| k == key)),
                "alias {old}"
            );
        }
    }
}
