//! The DCAT-AP-SE 3.0.1 catalogs the national portal harvests: one for the whole platform and
//! one per municipality (the URL a municipality registers), built from the dataset records.
//! Pure: no store, no HTTP.
//!
//! Harvesting rules followed (DCAT-AP-SE and its harvesting rules): absolute IRIs and no blank
//! nodes; publishers named by `http://dataportal.se/organisation/SE<orgnr>` with `foaf:name` and
//! an ADMS publisher type; CC0 for the catalog; one distribution per format, each with the
//! REST API as its `dcat:accessService`, a `dcat:DataService` whose endpoint description is the
//! OpenAPI document. Every IRI used as a licence, media type, format, language, theme, standard
//! or agent carries its own `rdf:type`, since SHACL validators do no RDFS inference.
//!
//! The DCAT-AP 3.0.1 recommended properties are filled from the data, never per municipality:
//! each dataset's spatial and temporal coverage from its published items and versions
//! ([`crate::catalog::coverage`]), a catalog's from its datasets', the licence types from the
//! licence IRI ([`licence_types`]), the data service's themes and keywords from the datasets it
//! serves in that catalog.
//!
//! Example data never reaches a municipality's catalog (the portal would publish it as real);
//! the platform catalog lists it with its "(exempeldata)" title.

use crate::catalog::coverage::{Coverage, Extent, bbox_wkt, point_wkt, wkt};
use crate::catalog::{DOWNLOADS, DatasetMeta, DatasetRecord, Download, lang};
use crate::reference::{self, Municipality, OrganisationKind};
use crate::vocab::{Iris, iri, ns};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Literal, NamedNode, Term, Triple};
use std::collections::BTreeSet;

/// Which catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every published dataset of the platform, without example data.
    Platform,
    /// The datasets one municipality publishes (by its code), without example data.
    Municipality(&'a str),
}

const CC0: &str = "http://creativecommons.org/publicdomain/zero/1.0/";
const SWEDISH: &str = "http://publications.europa.eu/resource/authority/language/SWE";
const ENGLISH: &str = "http://publications.europa.eu/resource/authority/language/ENG";
const PUBLIC: &str = "http://publications.europa.eu/resource/authority/access-right/PUBLIC";
const DATA_THEMES: &str = "http://publications.europa.eu/resource/authority/data-theme";
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const IANA: &str = "http://www.iana.org/assignments/media-types/";
const PUBLISHER_TYPE: &str = "http://purl.org/adms/publishertype/";
const LICENCE_TYPE: &str = "http://purl.org/adms/licencetype/";
const DCATAP: &str = "http://data.europa.eu/r5r/";
/// How long a distribution is planned to stay available (the EU planned-availability table):
/// the downloads and the REST API are part of the platform's versioned interface (`/api/v1`,
/// `/dumps/datasets/{id}.{extension}`), kept for as long as the dataset is published.
const STABLE: &str = "http://publications.europa.eu/resource/authority/planned-availability/STABLE";

/// Labels (sv, en) of the controlled-vocabulary concepts the catalogs use: the EU data themes,
/// the ADMS publisher and licence types and the EU planned availabilities. SHACL validators see
/// only the catalog, so each concept it names carries its `skos:prefLabel` there.
const CONCEPT_LABELS: [(&str, &str, &str); 22] = [
    (
        "data-theme/AGRI",
        "Jordbruk, fiske, skogsbruk och livsmedel",
        "Agriculture, fisheries, forestry and food",
    ),
    ("data-theme/ECON", "Ekonomi och finans", "Economy and finance"),
    (
        "data-theme/EDUC",
        "Utbildning, kultur och sport",
        "Education, culture and sport",
    ),
    ("data-theme/ENER", "Energi", "Energy"),
    ("data-theme/ENVI", "Miljö", "Environment"),
    (
        "data-theme/GOVE",
        "Regeringen och den offentliga sektorn",
        "Government and public sector",
    ),
    ("data-theme/HEAL", "Hälsa", "Health"),
    (
        "data-theme/INTR",
        "Internationella frågor",
        "International issues",
    ),
    (
        "data-theme/JUST",
        "Rättvisa, rättssystem och allmän säkerhet",
        "Justice, legal system and public safety",
    ),
    ("data-theme/REGI", "Regioner och städer", "Regions and cities"),
    (
        "data-theme/SOCI",
        "Befolkning och samhälle",
        "Population and society",
    ),
    (
        "data-theme/TECH",
        "Vetenskap och teknik",
        "Science and technology",
    ),
    ("data-theme/TRAN", "Transport", "Transport"),
    (
        "publishertype/LocalAuthority",
        "Lokal myndighet",
        "Local authority",
    ),
    (
        "publishertype/RegionalAuthority",
        "Regional myndighet",
        "Regional authority",
    ),
    (
        "publishertype/NationalAuthority",
        "Nationell myndighet",
        "National authority",
    ),
    ("licencetype/PublicDomain", "Allmän egendom", "Public domain"),
    ("licencetype/Attribution", "Erkännande", "Attribution"),
    ("licencetype/ShareAlike", "Dela lika", "Share alike"),
    (
        "licencetype/NonCommercialUseOnly",
        "Endast icke-kommersiell användning",
        "Non-commercial use only",
    ),
    (
        "licencetype/NoDerivativeWork",
        "Inga bearbetningar",
        "No derivative work",
    ),
    ("planned-availability/STABLE", "Stabil", "Stable"),
];

/// The ADMS licence types (`http://purl.org/adms/licencetype/…`) of a licence, read from its
/// IRI: Creative Commons' (`…/publicdomain/zero/1.0/`, `…/licenses/by-sa/4.0/`) and the EU
/// licence table's (`…/authority/licence/CC_BY_SA_4_0`). Empty for any other licence, whose
/// terms the IRI does not tell.
pub fn licence_types(licence: &str) -> Vec<&'static str> {
    let lower = licence.to_ascii_lowercase();
    let lower = lower.split(['?', '#']).next().unwrap_or_default();
    let elements: Vec<&str> =
        if let Some(rest) = lower.split_once("creativecommons.org/").map(|(_, rest)| rest) {
            let mut parts = rest.split('/');
            match (parts.next(), parts.next()) {
                (Some("publicdomain"), Some("zero" | "mark")) => return vec!["PublicDomain"],
                (Some("licenses"), Some(kind)) => kind.split('-').collect(),
                _ => return Vec::new(),
            }
        } else if let Some(code) = lower
            .strip_prefix("http://publications.europa.eu/resource/authority/licence/")
            .or_else(|| lower.strip_prefix("https://publications.europa.eu/resource/authority/licence/"))
        {
            if code.starts_with("cc0") || code == "pddl" {
                return vec!["PublicDomain"];
            }
            let Some(kind) = code.strip_prefix("cc_") else {
                return Vec::new();
            };
            // `by_sa_4_0`: the elements before the version number.
            kind.split('_')
                .take_while(|p| !p.starts_with(|c: char| c.is_ascii_digit()))
                .collect()
        } else {
            return Vec::new();
        };
    if elements.first() != Some(&"by") {
        return Vec::new();
    }
    let mut types = vec!["Attribution"];
    for element in &elements[1..] {
        types.push(match *element {
            "sa" => "ShareAlike",
            "nc" => "NonCommercialUseOnly",
            "nd" => "NoDerivativeWork",
            _ => return Vec::new(),
        });
    }
    types
}

/// Why there is no catalog.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("`{0}` is not a Swedish municipality code (four digits, e.g. 1401 for Härryda).")]
    UnknownMunicipality(String),
    #[error("{0} publishes no datasets here yet (example data is never listed for harvesting).")]
    NothingPublished(String),
}

/// The catalog's IRI.
pub fn catalog_iri(iris: &Iris, scope: Scope<'_>) -> NamedNode {
    match scope {
        Scope::Platform => iris.catalog(),
        Scope::Municipality(code) => NamedNode::new_unchecked(format!("{}/{code}", iris.catalog().as_str())),
    }
}

/// The organisation portal IRI of a publisher: `http://dataportal.se/organisation/SE<orgnr>`,
/// or the platform's own IRI for an organisation without a known number.
fn publisher_iri(iris: &Iris, id: &str) -> NamedNode {
    reference::organisation(id)
        .and_then(|o| o.organisation_number.as_ref())
        .map(|n| super::dataportal_organisation(n))
        .unwrap_or_else(|| iris.organisation(id))
}

struct Graph {
    triples: Vec<Triple>,
    typed: BTreeSet<(String, String)>,
}

impl Graph {
    fn add(&mut self, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
        self.triples.push(Triple::new(s.clone(), p, o.into()));
    }

    /// Types an IRI once, however often it is used; whether this was the first time.
    fn typed(&mut self, node: &NamedNode, class: NamedNode) -> bool {
        let first = self
            .typed
            .insert((node.as_str().to_owned(), class.as_str().to_owned()));
        if first {
            self.add(node, rdf::TYPE.into_owned(), class);
        }
        first
    }

    /// An object IRI and its type; a concept also gets its labels, when known.
    /// A value that is not an http(s) or mailto IRI (see [`crate::links::link`]) is left out.
    fn link(&mut self, s: &NamedNode, p: NamedNode, o: &str, class: NamedNode) {
        let Some(o) = crate::links::link(o) else {
            return;
        };
        let is_concept = class == iri(ns::SKOS, "Concept");
        if self
            .typed
            .insert((o.as_str().to_owned(), class.as_str().to_owned()))
        {
            self.add(&o, rdf::TYPE.into_owned(), class);
            if is_concept
                && let Some((_, sv, en)) = CONCEPT_LABELS.iter().find(|(k, ..)| o.as_str().ends_with(k))
            {
                self.add(&o, iri(ns::SKOS, "prefLabel"), lang(sv, "sv"));
                self.add(&o, iri(ns::SKOS, "prefLabel"), lang(en, "en"));
            }
        }
        self.add(s, p, o);
    }
}

impl Graph {
    /// A licence, typed as a licence document with the licence types its IRI tells.
    fn licence(&mut self, s: &NamedNode, licence: &str) {
        self.link(s, dct("license"), licence, dct("LicenseDocument"));
        let Some(node) = crate::links::link(licence) else {
            return;
        };
        for kind in licence_types(licence) {
            self.link(
                &node,
                dct("type"),
                &format!("{LICENCE_TYPE}{kind}"),
                iri(ns::SKOS, "Concept"),
            );
        }
    }

    /// `s`'s spatial coverage. With positions: `node`, a location with their bounding box and
    /// centroid, part of `municipality` when given. Without: the municipality itself, whose area
    /// is known ([`Self::municipality`]). With neither, none.
    fn spatial(
        &mut self,
        iris: &Iris,
        s: &NamedNode,
        node: &NamedNode,
        extent: Option<&Extent>,
        municipality: Option<&Municipality>,
        label: (&str, &str),
    ) {
        let within = municipality.map(|m| self.municipality(iris, m));
        let Some(extent) = extent else {
            if let Some(within) = within {
                self.add(s, dct("spatial"), within);
            }
            return;
        };
        self.add(s, dct("spatial"), node.clone());
        self.typed(node, dct("Location"));
        self.add(node, iri(ns::SKOS, "prefLabel"), lang(label.0, "sv"));
        self.add(node, iri(ns::SKOS, "prefLabel"), lang(label.1, "en"));
        self.add(node, dcat("bbox"), extent.bbox_literal());
        self.add(node, dcat("centroid"), extent.centroid_literal());
        if let Some(within) = within {
            self.add(node, dct("isPartOf"), within);
        }
    }

    /// A municipality as a location (described once): its name and the bounding box and
    /// centroid of its area.
    fn municipality(&mut self, iris: &Iris, m: &Municipality) -> NamedNode {
        let node = iris.municipality(&m.code);
        if self.typed(&node, dct("Location")) {
            let a = m.area;
            self.add(&node, iri(ns::SKOS, "prefLabel"), lang(&m.name, "sv"));
            self.add(
                &node,
                dcat("bbox"),
                wkt(bbox_wkt(a.west, a.south, a.east, a.north)),
            );
            self.add(
                &node,
                dcat("centroid"),
                wkt(point_wkt(a.centroid.0, a.centroid.1)),
            );
        }
        node
    }
}

fn dcat(l: &str) -> NamedNode {
    super::T::dcat(l)
}

fn dct(l: &str) -> NamedNode {
    super::T::dct(l)
}

fn foaf(l: &str) -> NamedNode {
    iri(ns::FOAF, l)
}

fn vcard(l: &str) -> NamedNode {
    iri(ns::VCARD, l)
}

fn date_time(s: &str) -> Term {
    Literal::new_typed_literal(s, xsd::DATE_TIME).into()
}

/// The size in bytes of a dataset's download, when known.
pub type ByteSize<'a> = &'a dyn Fn(&DatasetRecord, &'static Download) -> Option<u64>;

/// What a dataset's published items cover (see [`crate::catalog::coverage`]).
pub type Coverages<'a> = &'a dyn Fn(&DatasetRecord) -> Coverage;

/// The catalog for `scope`, as triples; `byte_size` gives each download's `dcat:byteSize`,
/// `coverage` each dataset's spatial and temporal coverage.
pub fn catalog(
    iris: &Iris,
    records: &[&DatasetRecord],
    scope: Scope<'_>,
    byte_size: ByteSize<'_>,
    coverage: Coverages<'_>,
) -> Result<Vec<Triple>, CatalogError> {
    let listed: Vec<&DatasetRecord> = records
        .iter()
        .copied()
        .filter(|r| r.harvestable())
        .filter(|r| match scope {
            Scope::Platform => true,
            Scope::Municipality(code) => r.meta.publisher == code,
        })
        .collect();
    let coverages: Vec<Coverage> = listed.iter().map(|r| coverage(r)).collect();
    let (publisher, title_sv, title_en) = match scope {
        Scope::Platform => (
            None,
            "datahamn: öppna data från kommunerna".to_owned(),
            "datahamn: open data from the municipalities".to_owned(),
        ),
        Scope::Municipality(code) => {
            let m = reference::municipality(code)
                .ok_or_else(|| CatalogError::UnknownMunicipality(code.to_owned()))?;
            let org = reference::organisation(code)
                .filter(|o| o.kind == OrganisationKind::Municipality)
                .map_or_else(|| format!("{} kommun", m.name), |o| o.name.clone());
            if listed.is_empty() {
                return Err(CatalogError::NothingPublished(org));
            }
            (
                Some(code),
                format!("Öppna data från {org}"),
                format!("Open data from {org}"),
            )
        }
    };
    let mut g = Graph {
        triples: Vec::new(),
        typed: BTreeSet::new(),
    };
    let cat = catalog_iri(iris, scope);
    let base = iris.base();
    g.typed(&cat, dcat("Catalog"));
    g.add(&cat, dct("title"), lang(&title_sv, "sv"));
    g.add(&cat, dct("title"), lang(&title_en, "en"));
    g.add(
        &cat,
        dct("description"),
        lang(
            &format!(
                "Datamängder som publiceras på den gemensamma plattformen datahamn, i ett gemensamt format: {}.",
                crate::profile::kinds().sv
            ),
            "sv",
        ),
    );
    g.add(
        &cat,
        dct("description"),
        lang(
            &format!(
                "Datasets published on the shared datahamn platform, in one shared vocabulary: {}.",
                crate::profile::kinds().en
            ),
            "en",
        ),
    );
    let cat_publisher = match publisher {
        Some(code) => agent(&mut g, iris, code),
        None => platform_agent(&mut g, iris),
    };
    g.add(&cat, dct("publisher"), cat_publisher.clone());
    g.licence(&cat, CC0);
    g.link(&cat, dct("language"), SWEDISH, dct("LinguisticSystem"));
    g.link(&cat, dct("language"), ENGLISH, dct("LinguisticSystem"));
    g.link(&cat, foaf("homepage"), &format!("{base}/"), foaf("Document"));
    g.link(
        &cat,
        dcat("themeTaxonomy"),
        DATA_THEMES,
        iri(ns::SKOS, "ConceptScheme"),
    );
    let themes = NamedNode::new_unchecked(DATA_THEMES);
    g.add(&themes, dct("title"), lang("Datatema", "sv"));
    g.add(&themes, dct("title"), lang("Data theme", "en"));
    // What the catalog covers: where its datasets' items are, within the municipality.
    let extent = coverages.iter().filter_map(|c| c.extent).reduce(Extent::union);
    let node = NamedNode::new_unchecked(format!("{}#spatial", cat.as_str()));
    let label = (
        format!("Området som datamängderna i katalogen täcker: {title_sv}"),
        format!("The area the catalog's datasets cover: {title_en}"),
    );
    g.spatial(
        iris,
        &cat,
        &node,
        extent.as_ref(),
        publisher.and_then(reference::municipality),
        (&label.0, &label.1),
    );
    // First published when its first dataset was.
    if let Some(issued) = listed
        .iter()
        .filter_map(|r| r.versions.iter().min_by_key(|v| v.number))
        .map(|v| v.issued.as_str())
        .min()
    {
        g.add(&cat, dct("issued"), date_time(issued));
    }
    if let Some(modified) = listed
        .iter()
        .filter_map(|r| r.current())
        .map(|v| v.issued.as_str())
        .max()
    {
        g.add(&cat, dct("modified"), date_time(modified));
    }
    let service = NamedNode::new_unchecked(format!("{base}/api/v1"));
    g.add(&cat, dcat("service"), service.clone());
    for (record, coverage) in listed.iter().zip(&coverages) {
        let ds = dataset(&mut g, iris, record, coverage, &service, byte_size);
        g.add(&cat, dcat("dataset"), ds.clone());
        g.add(&service, dcat("servesDataset"), ds);
    }
    // The API is the platform's, whoever publishes the catalog.
    let operator = platform_agent(&mut g, iris);
    data_service(&mut g, iris, &service, &operator, &listed);
    let mut seen = std::collections::HashSet::new();
    g.triples.retain(|t| seen.insert(t.clone()));
    Ok(g.triples)
}

/// A publisher, typed and named.
fn agent(g: &mut Graph, iris: &Iris, id: &str) -> NamedNode {
    let node = publisher_iri(iris, id);
    let Some(org) = reference::organisation(id) else {
        g.typed(&node, foaf("Agent"));
        g.add(&node, foaf("name"), lang(id, "sv"));
        g.link(
            &node,
            dct("type"),
            &format!("{PUBLISHER_TYPE}LocalAuthority"),
            iri(ns::SKOS, "Concept"),
        );
        return node;
    };
    g.typed(&node, foaf("Agent"));
    g.typed(&node, foaf("Organization"));
    g.add(&node, foaf("name"), lang(&org.name, "sv"));
    let kind = match org.kind {
        OrganisationKind::Municipality => "LocalAuthority",
        OrganisationKind::Region => "RegionalAuthority",
        OrganisationKind::Agency => "NationalAuthority",
    };
    g.link(
        &node,
        dct("type"),
        &format!("{PUBLISHER_TYPE}{kind}"),
        iri(ns::SKOS, "Concept"),
    );
    if let Some(n) = &org.organisation_number {
        g.add(&node, dct("identifier"), Literal::new_simple_literal(n));
    }
    node
}

/// The platform itself, publisher of the platform catalog and of the API: run jointly by the
/// region's municipalities.
fn platform_agent(g: &mut Graph, iris: &Iris) -> NamedNode {
    let node = iris.organisation(super::PLATFORM_ORGANISATION);
    g.typed(&node, foaf("Agent"));
    g.typed(&node, foaf("Organization"));
    g.add(&node, foaf("name"), lang(super::PLATFORM_NAME, "sv"));
    g.link(
        &node,
        dct("type"),
        super::PLATFORM_PUBLISHER_TYPE,
        iri(ns::SKOS, "Concept"),
    );
    node
}

fn dataset(
    g: &mut Graph,
    iris: &Iris,
    record: &DatasetRecord,
    coverage: &Coverage,
    service: &NamedNode,
    byte_size: ByteSize<'_>,
) -> NamedNode {
    let meta = &record.meta;
    let base = iris.base();
    let ds = iris.dataset(&meta.id);
    g.typed(&ds, dcat("Dataset"));
    g.add(&ds, dct("identifier"), Literal::new_simple_literal(&meta.id));
    g.add(&ds, dct("title"), lang(&meta.title.sv, "sv"));
    g.add(&ds, dct("title"), lang(&meta.title.en, "en"));
    g.add(&ds, dct("description"), lang(&meta.description.sv, "sv"));
    g.add(&ds, dct("description"), lang(&meta.description.en, "en"));
    let publisher = agent(g, iris, &meta.publisher);
    g.add(&ds, dct("publisher"), publisher);
    for k in &meta.keywords.sv {
        g.add(&ds, dcat("keyword"), lang(k, "sv"));
    }
    for k in &meta.keywords.en {
        g.add(&ds, dcat("keyword"), lang(k, "en"));
    }
    for t in &meta.themes {
        g.link(&ds, dcat("theme"), t, iri(ns::SKOS, "Concept"));
    }
    if let Some(c) = &meta.conforms_to {
        g.link(&ds, dct("conformsTo"), c, dct("Standard"));
    }
    if let Some(page) = &meta.landing_page {
        g.link(&ds, dcat("landingPage"), page, foaf("Document"));
    }
    if let Some(f) = &meta.update_frequency {
        g.link(&ds, dct("accrualPeriodicity"), f, dct("Frequency"));
    }
    g.link(&ds, dct("accessRights"), PUBLIC, dct("RightsStatement"));
    g.link(&ds, dct("language"), SWEDISH, dct("LinguisticSystem"));
    // Where its current items are, within the publisher's municipality when it is one; the
    // municipality when they have no positions.
    let municipality = reference::organisation(&meta.publisher)
        .and_then(|o| o.municipality_code.as_deref())
        .and_then(reference::municipality);
    let node = NamedNode::new_unchecked(format!("{}#spatial", ds.as_str()));
    let label = (
        format!("Området som datamängdens platser täcker: {}", meta.title.sv),
        format!("The area the dataset's places cover: {}", meta.title.en),
    );
    g.spatial(
        iris,
        &ds,
        &node,
        coverage.extent.as_ref(),
        municipality,
        (&label.0, &label.1),
    );
    // The time it covers: from its first version (or its items' earliest date) to its latest.
    if let Some(period) = &coverage.period {
        let node = NamedNode::new_unchecked(format!("{}#temporal", ds.as_str()));
        g.add(&ds, dct("temporal"), node.clone());
        g.typed(&node, dct("PeriodOfTime"));
        g.add(&node, dcat("startDate"), period.start_literal());
        g.add(&node, dcat("endDate"), period.end_literal());
    }
    if let Some(first) = record.versions.iter().min_by_key(|v| v.number) {
        g.add(&ds, dct("issued"), date_time(&first.issued));
    }
    if let Some(current) = record.current() {
        g.add(&ds, dct("modified"), date_time(&current.issued));
    }
    let contact = NamedNode::new_unchecked(format!("{}#contact", ds.as_str()));
    g.add(&ds, dcat("contactPoint"), contact.clone());
    g.typed(&contact, vcard("Kind"));
    g.typed(&contact, vcard("Organization"));
    let name = reference::organisation(&meta.publisher).map_or(meta.publisher.as_str(), |o| o.name.as_str());
    g.add(&contact, vcard("fn"), Literal::new_simple_literal(name));
    if let Ok(mailto) = crate::links::mailto(&meta.contact_email) {
        g.add(&contact, vcard("hasEmail"), mailto);
    }
    for download in &DOWNLOADS {
        let d = NamedNode::new_unchecked(format!(
            "{}#distribution-{}",
            ds.as_str(),
            download.extension.replace('.', "-")
        ));
        g.add(&ds, dcat("distribution"), d.clone());
        g.typed(&d, dcat("Distribution"));
        distribution_titles(g, &d, meta, download.title);
        let what = if download.gzip {
            "Every quad of the current version, in its version's graph"
        } else {
            "Every current item"
        };
        g.add(
            &d,
            dct("description"),
            lang(&format!("{what}, as {}, in one file.", download.title), "en"),
        );
        let url = NamedNode::new_unchecked(format!("{base}{}", download.path(&meta.id)));
        g.add(&d, dcat("accessURL"), url.clone());
        g.add(&d, dcat("downloadURL"), url);
        g.link(
            &d,
            dcat("mediaType"),
            &format!("{IANA}{}", download.media_type),
            dct("MediaType"),
        );
        if download.gzip {
            g.link(
                &d,
                dcat("compressFormat"),
                &format!("{IANA}application/gzip"),
                dct("MediaType"),
            );
        }
        g.link(
            &d,
            dct("format"),
            &format!("{FILE_TYPE}{}", download.file_type),
            dct("MediaTypeOrExtent"),
        );
        g.licence(&d, &meta.license);
        availability(g, &d);
        if let Some(current) = record.current() {
            g.add(&d, dct("modified"), date_time(&current.issued));
        }
        if let Some(size) = byte_size(record, download) {
            g.add(
                &d,
                dcat("byteSize"),
                Literal::new_typed_literal(size.to_string(), xsd::NON_NEGATIVE_INTEGER),
            );
        }
    }
    // The REST API: pages of items, filtered, in each of the formats above.
    let d = NamedNode::new_unchecked(format!("{}#distribution-api", ds.as_str()));
    g.add(&ds, dcat("distribution"), d.clone());
    g.typed(&d, dcat("Distribution"));
    distribution_titles(g, &d, meta, "REST API");
    g.add(
        &d,
        dct("description"),
        lang(
            "The dataset's current items through the REST API: filtered (municipality, position, text, facilities) and paged with `next` links, as JSON, GeoJSON, CSV or JSON-LD.",
            "en",
        ),
    );
    g.add(
        &d,
        dcat("accessURL"),
        NamedNode::new_unchecked(format!("{base}/api/v1/datasets/{}/items", meta.id)),
    );
    g.licence(&d, &meta.license);
    availability(g, &d);
    // The format the API answers in unless asked for another.
    if let Some(json) = DOWNLOADS.iter().find(|d| d.extension == "json") {
        g.link(
            &d,
            dct("format"),
            &format!("{FILE_TYPE}{}", json.file_type),
            dct("MediaTypeOrExtent"),
        );
    }
    g.link(
        &d,
        dct("conformsTo"),
        &format!("{base}/openapi.json"),
        dct("Standard"),
    );
    g.add(&d, dcat("accessService"), service.clone());
    ds
}

/// A distribution's planned availability.
fn availability(g: &mut Graph, d: &NamedNode) {
    g.link(d, iri(DCATAP, "availability"), STABLE, iri(ns::SKOS, "Concept"));
}

/// A distribution's titles: the dataset's, and what it is.
fn distribution_titles(g: &mut Graph, d: &NamedNode, meta: &DatasetMeta, what: &str) {
    g.add(
        d,
        dct("title"),
        lang(&format!("{} ({what})", meta.title.sv), "sv"),
    );
    g.add(
        d,
        dct("title"),
        lang(&format!("{} ({what})", meta.title.en), "en"),
    );
}

fn data_service(
    g: &mut Graph,
    iris: &Iris,
    service: &NamedNode,
    publisher: &NamedNode,
    served: &[&DatasetRecord],
) {
    let base = iris.base();
    g.typed(service, dcat("DataService"));
    g.add(service, dct("title"), lang("datahamn REST API", "sv"));
    g.add(service, dct("title"), lang("datahamn REST API", "en"));
    g.add(
        service,
        dct("description"),
        lang(
            "REST API (JSON, GeoJSON, CSV, JSON-LD) över alla publicerade datamängder, beskrivet med OpenAPI 3.1.",
            "sv",
        ),
    );
    g.add(
        service,
        dct("description"),
        lang(
            "REST API (JSON, GeoJSON, CSV, JSON-LD) over every published dataset, described by OpenAPI 3.1.",
            "en",
        ),
    );
    g.add(
        service,
        dcat("endpointURL"),
        NamedNode::new_unchecked(format!("{base}/api/v1")),
    );
    g.add(
        service,
        dcat("endpointDescription"),
        NamedNode::new_unchecked(format!("{base}/openapi.json")),
    );
    g.link(
        service,
        dct("conformsTo"),
        &format!("{base}/openapi.json"),
        dct("Standard"),
    );
    g.licence(service, CC0);
    g.add(service, dct("publisher"), publisher.clone());
    // Its themes and keywords: those of the datasets it serves in this catalog.
    let themes: BTreeSet<&str> = served
        .iter()
        .flat_map(|r| r.meta.themes.iter().map(String::as_str))
        .collect();
    for theme in themes {
        g.link(service, dcat("theme"), theme, iri(ns::SKOS, "Concept"));
    }
    for (tag, keywords) in [
        (
            "sv",
            served
                .iter()
                .flat_map(|r| &r.meta.keywords.sv)
                .collect::<BTreeSet<_>>(),
        ),
        (
            "en",
            served
                .iter()
                .flat_map(|r| &r.meta.keywords.en)
                .collect::<BTreeSet<_>>(),
        ),
    ] {
        for k in keywords {
            g.add(service, dcat("keyword"), lang(k, tag));
        }
    }
    // Whom to ask: the platform, through its home page.
    let contact = NamedNode::new_unchecked(format!("{}#contact", service.as_str()));
    g.add(service, dcat("contactPoint"), contact.clone());
    g.typed(&contact, vcard("Kind"));
    g.typed(&contact, vcard("Organization"));
    g.add(
        &contact,
        vcard("fn"),
        Literal::new_simple_literal(super::PLATFORM_NAME),
    );
    g.add(
        &contact,
        vcard("hasURL"),
        NamedNode::new_unchecked(format!("{base}/")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{DatasetMeta, VersionRecord};
    use oxigraph::model::NamedOrBlankNode as Subject;

    fn record(toml: &str) -> DatasetRecord {
        DatasetRecord {
            meta: DatasetMeta::from_toml(toml).unwrap(),
            versions: vec![VersionRecord {
                number: 1,
                issued: "2026-05-01T10:00:00Z".into(),
                row_count: 9,
                item_count: 9,
                skipped_row_count: 0,
                checksum: "00".into(),
                report: Default::default(),
                published_by: String::new(),
                rollback_of: None,
            }],
            deleted: None,
        }
    }

    fn harryda() -> DatasetRecord {
        record(&std::fs::read_to_string("datasets/harryda-badplatser/dataset.toml").unwrap())
    }

    fn example() -> DatasetRecord {
        record(&std::fs::read_to_string("datasets/goteborg-badhus/dataset.toml").unwrap())
    }

    fn hav() -> DatasetRecord {
        record(&std::fs::read_to_string("datasets/hav-badvatten/dataset.toml").unwrap())
    }

    fn no_sizes(_: &DatasetRecord, _: &'static Download) -> Option<u64> {
        None
    }

    fn no_coverage(_: &DatasetRecord) -> Coverage {
        Coverage::default()
    }

    #[test]
    fn every_data_theme_taken_has_its_labels() {
        for code in crate::links::DATA_THEMES {
            let key = format!("data-theme/{code}");
            assert!(CONCEPT_LABELS.iter().any(|(k, ..)| *k == key), "{code}");
        }
        let themes = CONCEPT_LABELS
            .iter()
            .filter(|(k, ..)| k.starts_with("data-theme/"));
        assert_eq!(themes.count(), crate::links::DATA_THEMES.len());
    }

    #[test]
    fn stored_values_that_are_not_links_never_reach_the_catalog() {
        let mut record = harryda();
        let evil = "x@evil.example> .\n<http://example.org/dataset/other> <http://purl.org/dc/terms/title> \"hijacked\" .\n<mailto:y@evil.example";
        record.meta.contact_email = evil.into();
        record.meta.themes = vec![
            "javascript:alert(1)".into(),
            "https://a.se/> <http://evil.example/p".into(),
        ];
        record.meta.license = "data:text/html,<script>".into();
        record.meta.landing_page = Some("javascript:alert(1)".into());
        record.meta.update_frequency = Some("https://a.se/\n".into());
        let iris = Iris::new("http://example.org");
        let triples = catalog(&iris, &[&record], Scope::Platform, &no_sizes, &no_coverage).unwrap();
        let mut text = String::new();
        for t in &triples {
            text.push_str(&format!("{t} .\n"));
        }
        for bad in ["evil.example", "javascript:", "data:", "hijacked"] {
            assert!(!text.contains(bad), "{bad}: {text}");
        }
        let parsed = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
            .for_slice(text.as_bytes())
            .count();
        assert_eq!(parsed, triples.len());
    }

    fn listed(triples: &[Triple]) -> Vec<String> {
        triples
            .iter()
            .filter(|t| t.predicate == dcat("dataset"))
            .map(|t| t.object.to_string())
            .collect()
    }

    /// The objects of `(subject, predicate)`, as IRIs or literal values.
    fn objects(triples: &[Triple], subject: &str, predicate: NamedNode) -> Vec<String> {
        triples
            .iter()
            .filter(|t| matches!(&t.subject, Subject::NamedNode(n) if n.as_str() == subject))
            .filter(|t| t.predicate == predicate)
            .map(|t| match &t.object {
                Term::NamedNode(n) => n.as_str().to_owned(),
                Term::Literal(l) => l.value().to_owned(),
                other => other.to_string(),
            })
            .collect()
    }

    #[test]
    fn example_data_is_in_no_harvestable_catalog() {
        let iris = Iris::new("http://example.org");
        let (h, e, hav) = (harryda(), example(), hav());
        assert!(!e.harvestable() && h.harvestable());
        let platform = catalog(&iris, &[&h, &e, &hav], Scope::Platform, &no_sizes, &no_coverage).unwrap();
        assert_eq!(
            listed(&platform),
            [
                "<http://example.org/dataset/harryda-badplatser>",
                "<http://example.org/dataset/hav-badvatten>"
            ]
        );
        assert!(!platform.iter().any(|t| t.to_string().contains("goteborg-badhus")));
        // A deleted dataset is in neither.
        let mut deleted = harryda();
        deleted.deleted = Some("2026-05-02T10:00:00Z".into());
        assert!(!deleted.harvestable());
        assert!(matches!(
            catalog(
                &iris,
                &[&deleted, &e],
                Scope::Municipality("1401"),
                &no_sizes,
                &no_coverage
            ),
            Err(CatalogError::NothingPublished(_))
        ));
        assert!(
            listed(&catalog(&iris, &[&deleted, &e], Scope::Platform, &no_sizes, &no_coverage).unwrap())
                .is_empty()
        );
    }

    #[test]
    fn every_file_is_a_download_of_the_whole_dataset_and_the_api_a_data_service() {
        let iris = Iris::new("http://example.org");
        let h = harryda();
        // Sizes known for every file but the dump.
        let sizes =
            |_: &DatasetRecord, d: &'static Download| (!d.gzip).then(|| 100 + d.extension.len() as u64);
        let triples = catalog(&iris, &[&h], Scope::Municipality("1401"), &sizes, &no_coverage).unwrap();
        let ds = "http://example.org/dataset/harryda-badplatser";
        let distributions = objects(&triples, ds, dcat("distribution"));
        assert_eq!(distributions.len(), DOWNLOADS.len() + 1);
        for download in &DOWNLOADS {
            let url = format!(
                "http://example.org/dumps/datasets/harryda-badplatser.{}",
                download.extension
            );
            let d = distributions
                .iter()
                .find(|d| objects(&triples, d, dcat("downloadURL")) == std::slice::from_ref(&url))
                .unwrap_or_else(|| panic!("no distribution downloads {url}"));
            assert_eq!(objects(&triples, d, dcat("accessURL")), [url]);
            assert_eq!(
                objects(&triples, d, dcat("mediaType")),
                [format!("{IANA}{}", download.media_type)]
            );
            assert_eq!(
                objects(&triples, d, dct("format")),
                [format!("{FILE_TYPE}{}", download.file_type)]
            );
            let compressed = objects(&triples, d, dcat("compressFormat"));
            if download.gzip {
                assert_eq!(compressed, [format!("{IANA}application/gzip")]);
            } else {
                assert!(compressed.is_empty());
            }
            assert!(objects(&triples, d, dcat("accessService")).is_empty());
            assert_eq!(objects(&triples, d, dct("modified")), ["2026-05-01T10:00:00Z"]);
            let size: Vec<String> = sizes(&h, download).into_iter().map(|n| n.to_string()).collect();
            assert_eq!(objects(&triples, d, dcat("byteSize")), size);
        }
        let api = format!("{ds}#distribution-api");
        assert!(distributions.contains(&api));
        assert!(objects(&triples, &api, dcat("downloadURL")).is_empty());
        assert_eq!(
            objects(&triples, &api, dcat("accessURL")),
            ["http://example.org/api/v1/datasets/harryda-badplatser/items"]
        );
        let service = objects(&triples, &api, dcat("accessService"));
        assert_eq!(service, ["http://example.org/api/v1"]);
        assert_eq!(
            objects(&triples, &service[0], rdf::TYPE.into_owned()),
            [dcat("DataService").as_str()]
        );
        assert_eq!(
            objects(&triples, &service[0], dcat("endpointURL")),
            ["http://example.org/api/v1"]
        );
        assert_eq!(
            objects(&triples, &service[0], dcat("endpointDescription")),
            ["http://example.org/openapi.json"]
        );
        assert_eq!(objects(&triples, &service[0], dcat("servesDataset")), [ds]);
    }

    #[test]
    fn a_municipality_catalog_lists_its_own_real_datasets_only() {
        let iris = Iris::new("http://example.org");
        let (h, e) = (harryda(), example());
        let triples = catalog(
            &iris,
            &[&h, &e],
            Scope::Municipality("1401"),
            &no_sizes,
            &no_coverage,
        )
        .unwrap();
        let datasets: Vec<String> = triples
            .iter()
            .filter(|t| t.predicate == dcat("dataset"))
            .map(|t| t.object.to_string())
            .collect();
        assert_eq!(datasets, ["<http://example.org/dataset/harryda-badplatser>"]);
        // Published by Härryda under its portal IRI, typed and named.
        let harryda = "http://dataportal.se/organisation/SE2120001264";
        assert!(
            triples
                .iter()
                .any(|t| t.predicate == dct("publisher") && t.object.to_string() == format!("<{harryda}>"))
        );
        assert!(triples.iter().any(
            |t| matches!(&t.subject, Subject::NamedNode(n) if n.as_str() == harryda)
                && t.predicate == foaf("name")
        ));
        // Göteborg has only example data: nothing to harvest.
        assert!(matches!(
            catalog(
                &iris,
                &[&h, &e],
                Scope::Municipality("1480"),
                &no_sizes,
                &no_coverage
            ),
            Err(CatalogError::NothingPublished(_))
        ));
        assert!(matches!(
            catalog(&iris, &[&h], Scope::Municipality("9999"), &no_sizes, &no_coverage),
            Err(CatalogError::UnknownMunicipality(_))
        ));
    }

    #[test]
    fn no_blank_nodes_and_every_linked_iri_is_typed() {
        let iris = Iris::new("http://example.org");
        let (h, e, hav) = (harryda(), example(), hav());
        let triples = catalog(&iris, &[&h, &e, &hav], Scope::Platform, &no_sizes, &no_coverage).unwrap();
        assert!(
            triples
                .iter()
                .all(|t| !matches!(t.subject, Subject::BlankNode(_)))
        );
        assert!(triples.iter().all(|t| !matches!(t.object, Term::BlankNode(_))));
        let typed: BTreeSet<String> = triples
            .iter()
            .filter(|t| t.predicate == rdf::TYPE)
            .map(|t| t.subject.to_string())
            .collect();
        for p in [
            "license",
            "format",
            "language",
            "publisher",
            "conformsTo",
            "accessRights",
        ] {
            for t in triples.iter().filter(|t| t.predicate == dct(p)) {
                assert!(typed.contains(&t.object.to_string()), "{p} {} untyped", t.object);
            }
        }
        for p in ["mediaType", "compressFormat", "accessService"] {
            for t in triples.iter().filter(|t| t.predicate == dcat(p)) {
                assert!(typed.contains(&t.object.to_string()), "{p} {} untyped", t.object);
            }
        }
        let distributions = triples
            .iter()
            .filter(|t| t.predicate == dcat("distribution"))
            .count();
        assert_eq!(distributions, 2 * (DOWNLOADS.len() + 1));
    }

    #[test]
    fn licence_types_come_from_the_licence_iri() {
        assert_eq!(licence_types(CC0), ["PublicDomain"]);
        assert_eq!(
            licence_types("https://creativecommons.org/licenses/by/4.0/"),
            ["Attribution"]
        );
        assert_eq!(
            licence_types("http://creativecommons.org/licenses/by-nc-sa/4.0/deed.sv"),
            ["Attribution", "NonCommercialUseOnly", "ShareAlike"]
        );
        assert_eq!(
            licence_types("http://publications.europa.eu/resource/authority/licence/CC_BY_SA_4_0"),
            ["Attribution", "ShareAlike"]
        );
        assert_eq!(
            licence_types("http://publications.europa.eu/resource/authority/licence/CC0"),
            ["PublicDomain"]
        );
        for unknown in [
            "https://www.kommun.se/villkor",
            "http://creativecommons.org/licenses/xy/4.0/",
            "http://creativecommons.org/",
        ] {
            assert!(licence_types(unknown).is_empty(), "{unknown}");
        }
    }

    #[test]
    fn coverage_availability_and_the_service_are_described_from_the_data() {
        use crate::catalog::coverage::{Extent, Period};
        let iris = Iris::new("http://example.org");
        let (h, hav) = (harryda(), hav());
        let coverage = |r: &DatasetRecord| Coverage {
            extent: (r.meta.id == "harryda-badplatser")
                .then(|| Extent::of_points([(12.1, 57.6), (12.5, 57.7)]))
                .flatten(),
            period: Some(Period {
                start: "2024-06-01".into(),
                end: r.versions[0].issued.clone(),
            }),
        };
        let triples = catalog(
            &iris,
            &[&h, &hav],
            Scope::Municipality("1401"),
            &no_sizes,
            &coverage,
        )
        .unwrap();
        let ds = "http://example.org/dataset/harryda-badplatser";
        let spatial = objects(&triples, ds, dct("spatial"));
        assert_eq!(spatial, [format!("{ds}#spatial")]);
        assert_eq!(
            objects(&triples, &spatial[0], dcat("bbox")),
            ["POLYGON((12.1 57.6, 12.5 57.6, 12.5 57.7, 12.1 57.7, 12.1 57.6))"]
        );
        assert_eq!(
            objects(&triples, &spatial[0], dcat("centroid")),
            ["POINT(12.3 57.65)"]
        );
        assert_eq!(
            objects(&triples, &spatial[0], dct("isPartOf")),
            ["http://example.org/municipality/1401"]
        );
        assert_eq!(
            objects(&triples, "http://example.org/municipality/1401", dcat("bbox")).len(),
            1
        );
        let temporal = objects(&triples, ds, dct("temporal"));
        assert_eq!(objects(&triples, &temporal[0], dcat("startDate")), ["2024-06-01"]);
        assert_eq!(
            objects(&triples, &temporal[0], dcat("endDate")),
            ["2026-05-01T10:00:00Z"]
        );
        // The catalog: issued with its first dataset, covering where its datasets are.
        let cat = "http://example.org/catalog/1401";
        assert_eq!(objects(&triples, cat, dct("issued")), ["2026-05-01T10:00:00Z"]);
        let cat_spatial = objects(&triples, cat, dct("spatial"));
        assert_eq!(
            objects(&triples, &cat_spatial[0], dcat("bbox")),
            objects(&triples, &spatial[0], dcat("bbox"))
        );
        // Every distribution planned to stay; the API's in JSON.
        for d in objects(&triples, ds, dcat("distribution")) {
            assert_eq!(objects(&triples, &d, iri(DCATAP, "availability")), [STABLE]);
            assert_eq!(objects(&triples, &d, dct("format")).len(), 1, "{d}");
        }
        assert!(typed_with_labels(&triples, STABLE));
        // The licence is typed; so is each licence type.
        assert_eq!(
            objects(&triples, CC0, dct("type")),
            [format!("{LICENCE_TYPE}PublicDomain")]
        );
        assert!(typed_with_labels(
            &triples,
            &format!("{LICENCE_TYPE}PublicDomain")
        ));
        // The service: the themes and keywords of the datasets it serves here, and a contact.
        let service = "http://example.org/api/v1";
        assert_eq!(
            objects(&triples, service, dcat("theme")),
            h.meta
                .themes
                .iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        );
        let keywords = objects(&triples, service, dcat("keyword"));
        assert!(
            h.meta
                .keywords
                .sv
                .iter()
                .chain(&h.meta.keywords.en)
                .all(|k| keywords.contains(k))
        );
        assert!(
            !keywords.iter().any(|k| k == "badvatten"),
            "hav is not in Härryda's catalog"
        );
        let contact = objects(&triples, service, dcat("contactPoint"));
        assert_eq!(
            objects(&triples, &contact[0], vcard("hasURL")),
            ["http://example.org/"]
        );
        // The national list: no municipality, its extent only.
        let platform = catalog(&iris, &[&h, &hav], Scope::Platform, &no_sizes, &coverage).unwrap();
        let hav = "http://example.org/dataset/hav-badvatten";
        assert!(
            objects(&platform, hav, dct("spatial")).is_empty(),
            "no positions, no municipality"
        );
        assert_eq!(
            objects(&platform, hav, dct("temporal")),
            [format!("{hav}#temporal")]
        );
        let spatial = objects(&platform, "http://example.org/catalog", dct("spatial"));
        assert!(objects(&platform, &spatial[0], dct("isPartOf")).is_empty());
        assert_eq!(
            objects(&platform, &spatial[0], dcat("centroid")),
            ["POINT(12.3 57.65)"]
        );
    }

    #[test]
    fn a_dataset_without_positions_covers_its_municipality_whose_area_is_described_once() {
        let iris = Iris::new("http://example.org");
        let h = harryda();
        let triples = catalog(&iris, &[&h], Scope::Municipality("1401"), &no_sizes, &no_coverage).unwrap();
        let municipality = "http://example.org/municipality/1401";
        let ds = "http://example.org/dataset/harryda-badplatser";
        assert_eq!(objects(&triples, ds, dct("spatial")), [municipality]);
        assert_eq!(
            objects(&triples, "http://example.org/catalog/1401", dct("spatial")),
            [municipality]
        );
        assert_eq!(
            objects(&triples, municipality, rdf::TYPE.into_owned()),
            [dct("Location").as_str()]
        );
        assert_eq!(
            objects(&triples, municipality, dcat("bbox")),
            ["POLYGON((12.07 57.604, 12.567 57.604, 12.567 57.733, 12.07 57.733, 12.07 57.604))"]
        );
        assert_eq!(
            objects(&triples, municipality, dcat("centroid")),
            ["POINT(12.325 57.669)"]
        );
        assert_eq!(
            objects(&triples, municipality, iri(ns::SKOS, "prefLabel")),
            ["Härryda"]
        );
    }

    fn typed_with_labels(triples: &[Triple], concept: &str) -> bool {
        objects(triples, concept, rdf::TYPE.into_owned()) == [iri(ns::SKOS, "Concept").as_str()]
            && objects(triples, concept, iri(ns::SKOS, "prefLabel")).len() == 2
    }
}
