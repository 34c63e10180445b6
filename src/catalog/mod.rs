//! Catalog: dataset metadata, version records and the platform's reference resources
//! (municipalities, counties, organisations), and their RDF form in the catalog graph.
//!
//! The catalog graph is the source of truth for what is published: [`dataset_quads`] and
//! [`version_quads`] write it, [`read`] reads it back. Pure: no files, no store.

pub mod changes;
pub mod coverage;
pub mod dcat;
pub mod void;

use crate::ingest::Report;
use crate::links;
use crate::profile::{self, Localized};
use crate::rdf::{SubjectIndex, text as term_text};
use crate::reference::{self, OrganisationKind};
use crate::vocab::{Iris, iri, ns};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Keywords per language.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Keywords {
    #[serde(default)]
    pub sv: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
}

/// A dataset's metadata, as a steward declares it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DatasetMeta {
    /// URL-safe id, e.g. `harryda-badplatser`.
    pub id: String,
    /// The profile its CSV follows.
    pub profile: String,
    /// The publishing organisation: a municipality code or an agency id.
    pub publisher: String,
    pub title: Localized,
    pub description: Localized,
    /// The licence, as a URL.
    pub license: String,
    /// The national specification the data conforms to.
    pub conforms_to: Option<String>,
    #[serde(default)]
    pub keywords: Keywords,
    /// DCAT themes (EU data-theme IRIs).
    #[serde(default)]
    pub themes: Vec<String>,
    /// Where to ask about the data; may be empty.
    #[serde(default)]
    pub contact_email: String,
    pub landing_page: Option<String>,
    /// True for made-up example data.
    #[serde(default)]
    pub example: bool,
    /// Publish the valid rows of a file that has errors, listing the skipped rows.
    #[serde(default)]
    pub publish_valid_rows: bool,
    /// Where the data comes from.
    pub provenance: Option<String>,
    /// How often it is updated: an EU frequency IRI
    /// (`http://publications.europa.eu/resource/authority/frequency/ANNUAL`).
    #[serde(default)]
    pub update_frequency: Option<String>,
    /// The header → column mapping the steward confirmed; every upload is checked with it.
    #[serde(default, skip_serializing_if = "crate::ingest::ConfirmedMapping::is_empty")]
    pub column_mapping: crate::ingest::ConfirmedMapping,
}

/// An error in dataset metadata: the field, the rule it breaks (a stable name, for clients)
/// and what the rule asks for, in Swedish and English.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {}", message.en)]
pub struct MetaError {
    pub field: &'static str,
    pub rule: &'static str,
    pub message: Localized,
}

impl MetaError {
    /// An error of `field`, breaking `rule`.
    pub fn new(
        field: &'static str,
        rule: &'static str,
        sv: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            field,
            rule,
            message: Localized::new(sv, en),
        }
    }

    /// An error of `field`, breaking one of the link rules.
    pub fn link(field: &'static str, rule: links::Rule) -> Self {
        Self {
            field,
            rule: rule.code(),
            message: rule.message(),
        }
    }
}

fn is_dataset_id(id: &str) -> bool {
    (2..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

impl DatasetMeta {
    /// Parses a `dataset.toml`.
    pub fn from_toml(text: &str) -> Result<Self, MetaError> {
        let meta: Self = toml::from_str(text).map_err(|e| {
            MetaError::new(
                "dataset.toml",
                "toml",
                format!("filen kan inte läsas: {e}"),
                e.to_string(),
            )
        })?;
        meta.check()?;
        Ok(meta)
    }

    /// Checks every field a publish depends on, and every value that becomes an IRI: the
    /// licence, specification and landing page are web addresses, the themes EU data themes,
    /// the frequency an EU frequency, the contact an e-mail address (see [`links`]).
    pub fn check(&self) -> Result<(), MetaError> {
        if !is_dataset_id(&self.id) {
            return Err(MetaError::new(
                "id",
                "dataset_id",
                "använd 2-64 gemena bokstäver (a-z), siffror och bindestreck",
                "use 2-64 lower-case letters, digits and hyphens",
            ));
        }
        if profile::get(&self.profile).is_none() {
            return Err(MetaError::new(
                "profile",
                "known_profile",
                "okänd profil",
                "unknown profile",
            ));
        }
        if reference::organisation(&self.publisher).is_none() {
            return Err(MetaError::new(
                "publisher",
                "known_organisation",
                "okänd organisation (använd en kommunkod)",
                "unknown organisation (use a municipality code)",
            ));
        }
        if self.title.sv.trim().is_empty() || self.title.en.trim().is_empty() {
            return Err(MetaError::new(
                "title",
                "required",
                "ge en titel på svenska och engelska",
                "give a title in Swedish and English",
            ));
        }
        if self.description.sv.trim().is_empty() || self.description.en.trim().is_empty() {
            return Err(MetaError::new(
                "description",
                "required",
                "ge en beskrivning på svenska och engelska",
                "give a description in Swedish and English",
            ));
        }
        for (field, url) in [
            ("license", Some(&self.license)),
            ("conforms_to", self.conforms_to.as_ref()),
            ("landing_page", self.landing_page.as_ref()),
        ] {
            if let Some(url) = url {
                links::web_url(url).map_err(|rule| MetaError::link(field, rule))?;
            }
        }
        if let Some(f) = &self.update_frequency {
            links::frequency(f).map_err(|rule| MetaError::link("update_frequency", rule))?;
        }
        for theme in &self.themes {
            links::data_theme(theme).map_err(|rule| MetaError::link("themes", rule))?;
        }
        if !self.contact_email.is_empty() {
            links::email(&self.contact_email).map_err(|rule| MetaError::link("contact_email", rule))?;
        }
        Ok(())
    }

    /// The municipality code items default to: the publisher's, when it is a municipality.
    pub fn default_municipality(&self) -> Option<String> {
        reference::organisation(&self.publisher).and_then(|o| o.municipality_code.clone())
    }
}

/// A published version of a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VersionRecord {
    /// 1, 2, 3, … per dataset.
    pub number: u64,
    /// When it was published (RFC 3339, UTC).
    pub issued: String,
    /// Data rows in the file.
    pub row_count: u64,
    /// Items published.
    pub item_count: u64,
    /// Rows not published because of errors (only when valid rows alone were published).
    pub skipped_row_count: u64,
    /// SHA-256 of the source file, hex.
    pub checksum: String,
    /// The validation report of the file.
    #[schema(value_type = Object)]
    pub report: Report,
    /// Who published it: the token's name, or how it was published (`command line`,
    /// `datasets/ on first start`).
    #[serde(default)]
    pub published_by: String,
    /// For a rollback: the version whose data it publishes again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u64>,
}

/// A dataset as the catalog graph records it.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetRecord {
    pub meta: DatasetMeta,
    pub versions: Vec<VersionRecord>,
    /// When the dataset was deleted (RFC 3339); its versions stay in the archive.
    pub deleted: Option<String>,
}

impl DatasetRecord {
    /// The current version: the highest number, unless the dataset is deleted.
    pub fn current(&self) -> Option<&VersionRecord> {
        if self.deleted.is_some() {
            return None;
        }
        self.latest()
    }

    /// Whether a harvestable catalog (the platform's, a municipality's) lists it: it has a
    /// current version and is not example data, which a portal would publish as real.
    pub fn harvestable(&self) -> bool {
        self.current().is_some() && !self.meta.example
    }

    /// The newest version, deleted or not (the next one gets the next number).
    pub fn latest(&self) -> Option<&VersionRecord> {
        self.versions.iter().max_by_key(|v| v.number)
    }

    /// A version by number.
    pub fn version(&self, number: u64) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| v.number == number)
    }
}

struct T;
impl T {
    fn dcat(l: &str) -> NamedNode {
        iri(ns::DCAT, l)
    }
    fn dct(l: &str) -> NamedNode {
        iri(ns::DCT, l)
    }
}

/// A language-tagged literal.
pub(crate) fn lang(s: &str, tag: &str) -> Term {
    Literal::new_language_tagged_literal_unchecked(s, tag).into()
}

fn plain(s: &str) -> Term {
    Literal::new_simple_literal(s).into()
}

fn typed(s: impl Into<String>, dt: oxigraph::model::NamedNodeRef<'_>) -> Term {
    Literal::new_typed_literal(s, dt).into()
}

struct Writer {
    graph: GraphName,
    quads: Vec<Quad>,
}

impl Writer {
    fn add(&mut self, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
        self.quads
            .push(Quad::new(s.clone(), p, o.into(), self.graph.clone()));
    }
}

/// The quads describing a dataset (not its versions), in the catalog graph.
pub fn dataset_quads(iris: &Iris, meta: &DatasetMeta) -> Vec<Quad> {
    let mut w = Writer {
        graph: iris.catalog_graph().into(),
        quads: Vec::new(),
    };
    let ds = iris.dataset(&meta.id);
    w.add(&ds, rdf::TYPE.into_owned(), T::dcat("Dataset"));
    w.add(&ds, T::dct("identifier"), plain(&meta.id));
    w.add(&ds, T::dct("title"), lang(&meta.title.sv, "sv"));
    w.add(&ds, T::dct("title"), lang(&meta.title.en, "en"));
    w.add(&ds, T::dct("description"), lang(&meta.description.sv, "sv"));
    w.add(&ds, T::dct("description"), lang(&meta.description.en, "en"));
    w.add(&ds, T::dct("publisher"), iris.organisation(&meta.publisher));
    // Values a steward gave become IRIs only through `links::link`: one that is not an
    // http(s) or mailto IRI (stored before the checks at entry) is left out, never written raw.
    if let Some(license) = links::link(&meta.license) {
        w.add(&ds, T::dct("license"), license);
    }
    if let Some(c) = meta.conforms_to.as_deref().and_then(links::link) {
        w.add(&ds, T::dct("conformsTo"), c);
    }
    for k in &meta.keywords.sv {
        w.add(&ds, T::dcat("keyword"), lang(k, "sv"));
    }
    for k in &meta.keywords.en {
        w.add(&ds, T::dcat("keyword"), lang(k, "en"));
    }
    for t in meta.themes.iter().filter_map(|t| links::link(t)) {
        w.add(&ds, T::dcat("theme"), t);
    }
    let contact = Iris::item_part(&ds, "contact");
    w.add(&ds, T::dcat("contactPoint"), contact.clone());
    w.add(&contact, rdf::TYPE.into_owned(), iri(ns::VCARD, "Organization"));
    let org_name = reference::organisation(&meta.publisher)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    w.add(&contact, iri(ns::VCARD, "fn"), plain(&org_name));
    if let Ok(mailto) = links::mailto(&meta.contact_email) {
        w.add(&contact, iri(ns::VCARD, "hasEmail"), mailto);
    }
    if let Some(page) = meta.landing_page.as_deref().and_then(links::link) {
        w.add(&ds, T::dcat("landingPage"), page);
    }
    if let Some(f) = meta.update_frequency.as_deref().and_then(links::link) {
        w.add(&ds, T::dct("accrualPeriodicity"), f);
    }
    w.add(&ds, iris.dh("profile"), iris.profile(&meta.profile));
    w.add(
        &ds,
        iris.dh("exampleData"),
        typed(meta.example.to_string(), xsd::BOOLEAN),
    );
    w.add(
        &ds,
        iris.dh("publishValidRows"),
        typed(meta.publish_valid_rows.to_string(), xsd::BOOLEAN),
    );
    if !meta.column_mapping.is_empty()
        && let Ok(json) = serde_json::to_string(&meta.column_mapping)
    {
        w.add(
            &ds,
            iris.dh("columnMapping"),
            typed(json, iri(ns::RDF, "JSON").as_ref()),
        );
    }
    if let Some(p) = &meta.provenance {
        let node = Iris::item_part(&ds, "provenance");
        w.add(&ds, T::dct("provenance"), node.clone());
        w.add(&node, rdf::TYPE.into_owned(), T::dct("ProvenanceStatement"));
        w.add(&node, iri(ns::RDFS, "label"), plain(p));
    }
    w.quads
}

/// The quads recording a version, in the catalog graph.
pub fn version_quads(iris: &Iris, dataset: &str, v: &VersionRecord) -> Vec<Quad> {
    let mut w = Writer {
        graph: iris.catalog_graph().into(),
        quads: Vec::new(),
    };
    let ds = iris.dataset(dataset);
    let version = iris.version(dataset, v.number);
    w.add(&ds, T::dcat("hasVersion"), version.clone());
    w.add(&version, rdf::TYPE.into_owned(), iris.dh("Version"));
    w.add(&version, T::dcat("isVersionOf"), ds.clone());
    w.add(&version, T::dcat("version"), plain(&v.number.to_string()));
    w.add(
        &version,
        iris.dh("versionNumber"),
        typed(v.number.to_string(), xsd::INTEGER),
    );
    w.add(&version, T::dct("issued"), typed(&v.issued, xsd::DATE_TIME));
    w.add(
        &version,
        iris.dh("rowCount"),
        typed(v.row_count.to_string(), xsd::INTEGER),
    );
    w.add(
        &version,
        iris.dh("itemCount"),
        typed(v.item_count.to_string(), xsd::INTEGER),
    );
    w.add(
        &version,
        iris.dh("skippedRowCount"),
        typed(v.skipped_row_count.to_string(), xsd::INTEGER),
    );
    w.add(&version, iris.dh("sourceChecksum"), plain(&v.checksum));
    if !v.published_by.is_empty() {
        w.add(&version, iris.dh("publishedBy"), plain(&v.published_by));
    }
    if let Some(n) = v.rollback_of {
        w.add(&version, iris.dh("rollbackOf"), iris.version(dataset, n));
    }
    let report = serde_json::to_string(&v.report).unwrap_or_default();
    w.add(
        &version,
        iris.dh("report"),
        typed(report, iri(ns::RDF, "JSON").as_ref()),
    );
    w.quads
}

/// The quad marking a dataset deleted at `at` (RFC 3339).
pub fn deleted_quad(iris: &Iris, dataset: &str, at: &str) -> Quad {
    Quad::new(
        iris.dataset(dataset),
        iris.dh("deleted"),
        typed(at, xsd::DATE_TIME),
        iris.catalog_graph(),
    )
}

/// The quad pointing a dataset at its current version.
pub fn current_version_quad(iris: &Iris, dataset: &str, number: u64) -> Quad {
    Quad::new(
        iris.dataset(dataset),
        T::dcat("hasCurrentVersion"),
        iris.version(dataset, number),
        iris.catalog_graph(),
    )
}

/// A file offered for every published dataset: its current version, whole, in one format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Download {
    /// The file name's extension, which is also the format's name in the REST API
    /// (`format=csv`), except for the N-Quads dump.
    pub extension: &'static str,
    /// The format's name for people.
    pub title: &'static str,
    /// The IANA media type of the content (before compression).
    pub media_type: &'static str,
    /// The EU file type (`http://publications.europa.eu/resource/authority/file-type/…`).
    pub file_type: &'static str,
    /// Gzip-compressed.
    pub gzip: bool,
}

/// Every download of a dataset: the REST API's formats, then the N-Quads dump.
pub static DOWNLOADS: [Download; 5] = [
    Download {
        extension: "csv",
        title: "CSV",
        media_type: "text/csv",
        file_type: "CSV",
        gzip: false,
    },
    Download {
        extension: "geojson",
        title: "GeoJSON",
        media_type: "application/geo+json",
        file_type: "GEOJSON",
        gzip: false,
    },
    Download {
        extension: "json",
        title: "JSON",
        media_type: "application/json",
        file_type: "JSON",
        gzip: false,
    },
    Download {
        extension: "jsonld",
        title: "JSON-LD",
        media_type: "application/ld+json",
        file_type: "JSON_LD",
        gzip: false,
    },
    NQUADS_DUMP,
];

/// The N-Quads dump of a dataset: its version graph, quads and all.
pub const NQUADS_DUMP: Download = Download {
    extension: "nq.gz",
    title: "N-Quads (gzip)",
    media_type: "application/n-quads",
    file_type: "RDF_N_QUADS",
    gzip: true,
};

impl Download {
    /// Its path on the server: `/dumps/datasets/{dataset}.{extension}`.
    pub fn path(&self, dataset: &str) -> String {
        format!("/dumps/datasets/{dataset}.{}", self.extension)
    }
}

/// An organisation as the national portal names it: `http://dataportal.se/organisation/SE<orgnr>`
/// for the organisation number `212000-1264`.
pub fn dataportal_organisation(number: &str) -> NamedNode {
    NamedNode::new_unchecked(format!(
        "http://dataportal.se/organisation/SE{}",
        number.replace('-', "")
    ))
}

/// The id of the platform itself as an organisation: the publisher of the platform's catalog
/// and of its API, run jointly by the region's municipalities.
pub const PLATFORM_ORGANISATION: &str = "datahamn";
/// Its name.
pub const PLATFORM_NAME: &str = "datahamn, kommunernas gemensamma plattform för öppna data";
/// Its ADMS publisher type.
pub const PLATFORM_PUBLISHER_TYPE: &str = "http://purl.org/adms/publishertype/RegionalAuthority";

/// Municipalities, counties and organisations (the platform among them), in the catalog graph.
pub fn reference_quads(iris: &Iris) -> Vec<Quad> {
    let mut w = Writer {
        graph: iris.catalog_graph().into(),
        quads: Vec::new(),
    };
    let platform = iris.organisation(PLATFORM_ORGANISATION);
    w.add(&platform, rdf::TYPE.into_owned(), iri(ns::FOAF, "Organization"));
    w.add(&platform, iri(ns::FOAF, "name"), lang(PLATFORM_NAME, "sv"));
    w.add(
        &platform,
        T::dct("type"),
        NamedNode::new_unchecked(PLATFORM_PUBLISHER_TYPE),
    );
    let mut counties = BTreeMap::new();
    for m in reference::municipalities() {
        let node = iris.municipality(&m.code);
        w.add(&node, rdf::TYPE.into_owned(), iris.dh("Municipality"));
        w.add(&node, iri(ns::SCHEMA, "name"), lang(&m.name, "sv"));
        w.add(&node, iri(ns::RDFS, "label"), lang(&m.name, "sv"));
        w.add(&node, iris.dh("municipalityCode"), plain(&m.code));
        w.add(&node, iris.dh("county"), iris.county(&m.county_code));
        // Its area, as the catalogs describe a dataset's spatial coverage.
        let a = m.area;
        w.add(&node, rdf::TYPE.into_owned(), T::dct("Location"));
        w.add(
            &node,
            T::dcat("bbox"),
            coverage::wkt(coverage::bbox_wkt(a.west, a.south, a.east, a.north)),
        );
        w.add(
            &node,
            T::dcat("centroid"),
            coverage::wkt(coverage::point_wkt(a.centroid.0, a.centroid.1)),
        );
        counties.insert(m.county_code.clone(), m.county_name.clone());
    }
    for (code, name) in counties {
        let node = iris.county(&code);
        w.add(&node, rdf::TYPE.into_owned(), iris.dh("County"));
        w.add(&node, iri(ns::SCHEMA, "name"), lang(&name, "sv"));
        w.add(&node, iri(ns::RDFS, "label"), lang(&name, "sv"));
        w.add(&node, iris.dh("countyCode"), plain(&code));
    }
    for o in reference::organisations() {
        let node = iris.organisation(&o.id);
        w.add(&node, rdf::TYPE.into_owned(), iri(ns::FOAF, "Organization"));
        w.add(&node, rdf::TYPE.into_owned(), iri(ns::CV, "PublicOrganisation"));
        w.add(&node, iri(ns::FOAF, "name"), lang(&o.name, "sv"));
        w.add(&node, iri(ns::SKOS, "prefLabel"), lang(&o.name, "sv"));
        w.add(
            &node,
            T::dct("type"),
            NamedNode::new_unchecked(match o.kind {
                OrganisationKind::Municipality => "http://purl.org/adms/publishertype/LocalAuthority",
                OrganisationKind::Region => "http://purl.org/adms/publishertype/RegionalAuthority",
                OrganisationKind::Agency => "http://purl.org/adms/publishertype/NationalAuthority",
            }),
        );
        if let Some(number) = &o.organisation_number {
            w.add(&node, T::dct("identifier"), plain(number));
            w.add(&node, iri(ns::OWL, "sameAs"), dataportal_organisation(number));
        }
        if let Some(code) = &o.municipality_code {
            w.add(&node, T::dct("spatial"), iris.municipality(code));
        }
    }
    w.quads
}

/// The description of a profile at its IRI (`{base}/def/profile/{id}`): what datasets that
/// follow it declare, for Linked Data clients.
pub fn profile_triples(iris: &Iris, p: &profile::Profile) -> Vec<oxigraph::model::Triple> {
    use oxigraph::model::Triple;
    let node = iris.profile(&p.id);
    let mut out = vec![
        Triple::new(node.clone(), rdf::TYPE.into_owned(), iris.dh("Profile")),
        Triple::new(node.clone(), T::dct("identifier"), plain(&p.id)),
        Triple::new(node.clone(), T::dct("title"), lang(&p.title.sv, "sv")),
        Triple::new(node.clone(), T::dct("title"), lang(&p.title.en, "en")),
        Triple::new(node.clone(), T::dct("description"), lang(&p.description.sv, "sv")),
        Triple::new(node.clone(), T::dct("description"), lang(&p.description.en, "en")),
        Triple::new(node.clone(), iri(ns::OWL, "versionInfo"), plain(&p.version)),
    ];
    if let Some(c) = &p.conforms_to {
        out.push(Triple::new(
            node.clone(),
            T::dct("conformsTo"),
            NamedNode::new_unchecked(c),
        ));
    }
    for class in p.classes.iter().filter_map(|c| iris.expand(c)) {
        out.push(Triple::new(node.clone(), iri(ns::RDFS, "seeAlso"), class));
    }
    out
}

/// The revision of what is published: a digest of the catalog graph's quads, in any order.
///
/// Every change a reader can see (a version, a rollback, a metadata change, a deletion, the
/// pointer to the current version) changes the catalog graph, and the data of a version never
/// changes after it is loaded; so two stores with the same catalog graph publish the same
/// thing, and the digest names that state wherever it is served: the writer, a replica opened
/// on its checkpoint, a restart. Entity tags are derived from it.
pub fn revision(quads: &[Quad]) -> u64 {
    quads.iter().fold(0u64, |sum, q| {
        // Each quad hashed on its own and the hashes added: the order quads come back in does
        // not matter, and a set has no duplicates to cancel out.
        sum.wrapping_add(xxhash_rust::xxh3::xxh3_64(q.to_string().as_bytes()))
    })
}

/// Reads every dataset and its versions back from the catalog graph's quads.
pub fn read(iris: &Iris, quads: &[Quad]) -> Vec<DatasetRecord> {
    let index = SubjectIndex::new(quads);
    let values = |s: &str, p: &NamedNode| -> Vec<&Term> { index.all(s, p.as_str()) };
    let text = |t: &Term| -> String { term_text(t).unwrap_or_default().to_owned() };
    let first = |s: &str, p: &NamedNode| values(s, p).first().map(|t| text(t));
    let by_lang = |s: &str, p: &NamedNode, tag: &str| -> Vec<String> {
        values(s, p)
            .into_iter()
            .filter_map(|t| match t {
                Term::Literal(l) if l.language() == Some(tag) => Some(l.value().to_owned()),
                _ => None,
            })
            .collect()
    };
    let localized = |s: &str, p: &NamedNode| {
        Localized::new(
            by_lang(s, p, "sv").into_iter().next().unwrap_or_default(),
            by_lang(s, p, "en").into_iter().next().unwrap_or_default(),
        )
    };
    let dataset_prefix = format!("{}/dataset/", iris.base());
    let org_prefix = format!("{}/organisation/", iris.base());
    let profile_prefix = format!("{}/def/profile/", iris.base());
    let dcat_dataset = T::dcat("Dataset");
    let mut out = Vec::new();
    for (subject, pairs) in index.subjects() {
        let Some(id) = subject.strip_prefix(&dataset_prefix) else {
            continue;
        };
        if id.contains(['/', '#'])
            || !pairs.iter().any(|(p, o)| {
                *p == rdf::TYPE.as_str() && matches!(o, Term::NamedNode(n) if *n == dcat_dataset)
            })
        {
            continue;
        }
        let contact = format!("{subject}#contact");
        let provenance = format!("{subject}#provenance");
        let flag = |p: &str| first(subject, &iris.dh(p)).is_some_and(|v| v == "true");
        let meta = DatasetMeta {
            id: id.to_owned(),
            profile: first(subject, &iris.dh("profile"))
                .and_then(|p| p.strip_prefix(&profile_prefix).map(str::to_owned))
                .unwrap_or_default(),
            publisher: first(subject, &T::dct("publisher"))
                .and_then(|p| p.strip_prefix(&org_prefix).map(str::to_owned))
                .unwrap_or_default(),
            title: localized(subject, &T::dct("title")),
            description: localized(subject, &T::dct("description")),
            license: first(subject, &T::dct("license")).unwrap_or_default(),
            conforms_to: first(subject, &T::dct("conformsTo")),
            keywords: Keywords {
                sv: by_lang(subject, &T::dcat("keyword"), "sv"),
                en: by_lang(subject, &T::dcat("keyword"), "en"),
            },
            themes: {
                let mut t: Vec<String> = values(subject, &T::dcat("theme")).into_iter().map(text).collect();
                t.sort();
                t
            },
            contact_email: first(&contact, &iri(ns::VCARD, "hasEmail"))
                .map(|m| m.trim_start_matches("mailto:").to_owned())
                .unwrap_or_default(),
            landing_page: first(subject, &T::dcat("landingPage")),
            example: flag("exampleData"),
            publish_valid_rows: flag("publishValidRows"),
            provenance: first(&provenance, &iri(ns::RDFS, "label")),
            update_frequency: first(subject, &T::dct("accrualPeriodicity")),
            column_mapping: first(subject, &iris.dh("columnMapping"))
                .and_then(|m| serde_json::from_str(&m).ok())
                .unwrap_or_default(),
        };
        let mut versions = Vec::new();
        for v in values(subject, &T::dcat("hasVersion")) {
            let v = text(v);
            let Some((_, number)) = iris.parse_version(&v) else {
                continue;
            };
            let count = |p: &str| first(&v, &iris.dh(p)).and_then(|n| n.parse().ok()).unwrap_or(0);
            versions.push(VersionRecord {
                number,
                issued: first(&v, &T::dct("issued")).unwrap_or_default(),
                row_count: count("rowCount"),
                item_count: count("itemCount"),
                skipped_row_count: count("skippedRowCount"),
                checksum: first(&v, &iris.dh("sourceChecksum")).unwrap_or_default(),
                report: first(&v, &iris.dh("report"))
                    .and_then(|r| serde_json::from_str(&r).ok())
                    .unwrap_or_default(),
                published_by: first(&v, &iris.dh("publishedBy")).unwrap_or_default(),
                rollback_of: first(&v, &iris.dh("rollbackOf"))
                    .and_then(|r| iris.parse_version(&r))
                    .map(|(_, n)| n),
            });
        }
        versions.sort_by_key(|v| v.number);
        let deleted = first(subject, &iris.dh("deleted"));
        out.push(DatasetRecord {
            meta,
            versions,
            deleted,
        });
    }
    out.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> DatasetMeta {
        DatasetMeta::from_toml(include_str!("../../datasets/harryda-badplatser/dataset.toml")).unwrap()
    }

    #[test]
    fn shipped_metadata_is_valid() {
        for dir in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets")).unwrap() {
            let path = dir.unwrap().path().join("dataset.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            let meta = DatasetMeta::from_toml(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(
                Some(meta.id.as_str()),
                path.parent().unwrap().file_name().unwrap().to_str()
            );
            if meta.example {
                assert!(meta.title.sv.contains("exempeldata") && meta.title.en.contains("example data"));
            }
        }
    }

    #[test]
    fn metadata_refusals_name_the_field_and_the_rule() {
        type Spoil = fn(&mut DatasetMeta);
        let cases: [(&str, Spoil); 6] = [
            ("contact_email", |m| m.contact_email = "a@b.se> <x:y".into()),
            ("themes", |m| m.themes = vec!["javascript:alert(1)".into()]),
            ("license", |m| m.license = "javascript:alert(1)".into()),
            ("landing_page", |m| {
                m.landing_page = Some("data:text/html,x".into())
            }),
            ("conforms_to", |m| m.conforms_to = Some("https://a.se/>".into())),
            ("update_frequency", |m| {
                m.update_frequency = Some("https://a.se/ANNUAL".into())
            }),
        ];
        for (field, spoil) in cases {
            let mut m = meta();
            spoil(&mut m);
            let e = m.check().unwrap_err();
            assert_eq!(e.field, field);
            assert!(!e.rule.is_empty() && !e.message.sv.is_empty() && !e.message.en.is_empty());
        }
    }

    #[test]
    fn stored_values_that_are_not_links_never_become_iris() {
        let mut m = meta();
        m.contact_email = "x@evil.example> <http://evil.example/p> <http://evil.example/o".into();
        m.themes = vec!["javascript:alert(1)".into()];
        m.license = "vbscript:x".into();
        m.landing_page = Some("https://a.se/ x".into());
        let iris = Iris::new("http://example.org");
        let quads = dataset_quads(&iris, &m);
        let text: String = quads.iter().map(|q| format!("{q} .\n")).collect();
        for bad in ["evil.example", "javascript:", "vbscript:", "a.se/ x"] {
            assert!(!text.contains(bad), "{bad}: {text}");
        }
        let parsed = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
            .for_slice(text.as_bytes())
            .count();
        assert_eq!(parsed, quads.len());
    }

    #[test]
    fn the_revision_names_the_catalog_whatever_the_order() {
        let iris = Iris::new("http://example.org");
        let quads = dataset_quads(&iris, &meta());
        let mut reversed = quads.clone();
        reversed.reverse();
        assert_eq!(revision(&quads), revision(&reversed));
        let mut changed = meta();
        changed.title.en.push('!');
        assert_ne!(revision(&quads), revision(&dataset_quads(&iris, &changed)));
        let mut pointed = quads.clone();
        pointed.push(current_version_quad(&iris, &meta().id, 1));
        assert_ne!(
            revision(&quads),
            revision(&pointed),
            "the pointer is part of the state"
        );
        assert_eq!(revision(&[]), 0);
    }

    #[test]
    fn rejects_bad_metadata() {
        let mut m = meta();
        m.id = "Bad Id".into();
        assert_eq!(m.check().unwrap_err().field, "id");
        let mut m = meta();
        m.publisher = "9999".into();
        assert_eq!(m.check().unwrap_err().field, "publisher");
        let mut m = meta();
        m.license = "cc0".into();
        assert_eq!(m.check().unwrap_err().field, "license");
    }

    #[test]
    fn metadata_and_versions_round_trip_through_rdf() {
        let iris = Iris::new("http://example.org");
        let m = meta();
        let v = VersionRecord {
            number: 2,
            issued: "2026-11-21T10:00:00Z".into(),
            row_count: 9,
            item_count: 9,
            skipped_row_count: 0,
            checksum: "ab".into(),
            report: Report {
                valid: true,
                profile: "bathing-sites".into(),
                ..Report::default()
            },
            published_by: "Härryda GIS".into(),
            rollback_of: Some(1),
        };
        let mut m = m;
        m.update_frequency = Some("http://publications.europa.eu/resource/authority/frequency/ANNUAL".into());
        // The confirmed mapping, headers as written, "-" for a column left out.
        m.column_mapping
            .0
            .insert("BESKR_KORT".into(), "description".into());
        m.column_mapping.0.insert("OBJECTID \"1\"".into(), "-".into());
        let mut quads = dataset_quads(&iris, &m);
        quads.extend(version_quads(&iris, &m.id, &v));
        quads.extend(reference_quads(&iris));
        let read = read(&iris, &quads);
        assert_eq!(read.len(), 1);
        let mut expected = m.clone();
        expected.themes.sort();
        assert_eq!(read[0].meta, expected);
        assert_eq!(read[0].versions, vec![v]);
        assert_eq!(read[0].deleted, None);
        quads.push(deleted_quad(&iris, &m.id, "2026-11-22T10:00:00Z"));
        let read = super::read(&iris, &quads);
        assert_eq!(read[0].deleted.as_deref(), Some("2026-11-22T10:00:00Z"));
        assert_eq!(read[0].current(), None);
        assert_eq!(read[0].latest().map(|v| v.number), Some(2));
    }
}
