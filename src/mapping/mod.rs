//! Mapping: checked rows → RDF quads in the shared vocabulary, and RDF back → item views.
//!
//! Both directions are driven by the profile alone, so every municipality's items of one kind
//! get the same classes and properties, and the JSON API shows exactly what the RDF says. Pure
//! and deterministic: the same rows always give the same quads.
//!
//! Per item (`{base}/id/{dataset}/{local id}`):
//! * its profile classes, `void:inDataset` the dataset, `dh:municipalityCode` and the profile's
//!   municipality links;
//! * each value under its column's property (literal) or link (IRI), on the item or on a node
//!   `{item}#{node}` (address, channel, contact point);
//! * each facility as `schema:amenityFeature` → `{item}#feature-{column}`, a
//!   `schema:LocationFeatureSpecification` with `schema:propertyID` set to the OpenStreetMap key;
//! * cells of columns the profile does not know, kept as one JSON object under
//!   `dh:extraColumns` (their header → value);
//! * the position both as `schema:geo` → `{item}#geo` and GeoSPARQL `geo:hasGeometry` →
//!   `{item}#geometry` with a WKT point (longitude first).

mod view;

use crate::ingest::{CheckedRow, Value, coords};
use crate::profile::{Column, MunicipalityTarget, Profile, Role};
use crate::vocab::{Iris, iri, ns};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
pub use view::{ItemLinks, ItemView, MunicipalityRef, project};

/// What a mapping needs to know besides the profile and the rows.
pub struct MapContext<'a> {
    pub iris: &'a Iris,
    pub dataset: &'a str,
    /// The graph the quads go into: the version being published.
    pub graph: &'a NamedNode,
}

/// The vocabulary terms the mapping uses, expanded once per mapping.
struct Terms {
    classes: Vec<NamedNode>,
    municipality_links: Vec<NamedNode>,
    columns: Vec<ColumnTerms>,
    nodes: Vec<(String, NamedNode, NamedNode)>,
    in_dataset: NamedNode,
    municipality_code: NamedNode,
    extra_columns: NamedNode,
    amenity_feature: NamedNode,
    feature_class: NamedNode,
    name: NamedNode,
    property_id: NamedNode,
    value: NamedNode,
    geo: NamedNode,
    geo_class: NamedNode,
    latitude: NamedNode,
    longitude: NamedNode,
    has_geometry: NamedNode,
    point: NamedNode,
    as_wkt: NamedNode,
    wkt_literal: NamedNode,
}

struct ColumnTerms {
    main: Option<NamedNode>,
    also: Vec<NamedNode>,
}

impl Terms {
    fn new(profile: &Profile, iris: &Iris) -> Self {
        let expand = |t: &String| iris.expand(t);
        Self {
            classes: profile.classes.iter().filter_map(expand).collect(),
            municipality_links: profile.municipality_links.iter().filter_map(expand).collect(),
            columns: profile
                .columns
                .iter()
                .map(|c| ColumnTerms {
                    main: c.property.as_ref().or(c.link.as_ref()).and_then(expand),
                    also: c.also.iter().filter_map(expand).collect(),
                })
                .collect(),
            nodes: profile
                .nodes
                .iter()
                .filter_map(|(k, n)| Some((k.clone(), expand(&n.via)?, expand(&n.class)?)))
                .collect(),
            in_dataset: iri(ns::VOID, "inDataset"),
            municipality_code: iris.dh("municipalityCode"),
            extra_columns: iris.dh("extraColumns"),
            amenity_feature: iri(ns::SCHEMA, "amenityFeature"),
            feature_class: iri(ns::SCHEMA, "LocationFeatureSpecification"),
            name: iri(ns::SCHEMA, "name"),
            property_id: iri(ns::SCHEMA, "propertyID"),
            value: iri(ns::SCHEMA, "value"),
            geo: iri(ns::SCHEMA, "geo"),
            geo_class: iri(ns::SCHEMA, "GeoCoordinates"),
            latitude: iri(ns::SCHEMA, "latitude"),
            longitude: iri(ns::SCHEMA, "longitude"),
            has_geometry: iri(ns::GEO, "hasGeometry"),
            point: iri(ns::SF, "Point"),
            as_wkt: iri(ns::GEO, "asWKT"),
            wkt_literal: iri(ns::GEO, "wktLiteral"),
        }
    }
}

/// The literal for a value, typed by its column.
pub fn literal(column: &Column, value: &Value) -> Literal {
    match value {
        Value::Text(s) => match &column.lang {
            Some(lang) => Literal::new_language_tagged_literal_unchecked(s, lang),
            None => Literal::new_simple_literal(s),
        },
        Value::Integer(i) => Literal::new_typed_literal(i.to_string(), xsd::INTEGER),
        Value::Decimal(d) => Literal::new_typed_literal(d, xsd::DECIMAL),
        Value::Coordinate(degrees, _) => Literal::new_typed_literal(coords::degrees(*degrees), xsd::DECIMAL),
        Value::Boolean(b) => Literal::new_typed_literal(b.to_string(), xsd::BOOLEAN),
        Value::Limited => Literal::new_simple_literal("limited"),
        Value::Date(d) => Literal::new_typed_literal(d, xsd::DATE),
        Value::Duration(d) => Literal::new_typed_literal(d, xsd::DURATION),
        Value::Url(u) => Literal::new_typed_literal(u, xsd::ANY_URI),
        Value::Email(s)
        | Value::Phone(s)
        | Value::Wikidata(s)
        | Value::HavId(s)
        | Value::Municipality(s)
        | Value::Enum(s) => Literal::new_simple_literal(s),
        Value::Languages(l) => Literal::new_simple_literal(l.join(";")),
    }
}

/// The IRIs a value links to, for link columns.
fn link_targets(value: &Value) -> Vec<NamedNode> {
    match value {
        Value::Url(u) => crate::links::link(u).into_iter().collect(),
        Value::Wikidata(q) => vec![iri(ns::WIKIDATA_ENTITY, q)],
        Value::Languages(codes) => codes
            .iter()
            .filter_map(|c| language_authority(c))
            .map(|code| iri(ns::EU_LANGUAGE, code))
            .collect(),
        _ => Vec::new(),
    }
}

/// ISO 639-1 → the EU language authority's three-letter code.
pub fn language_authority(code: &str) -> Option<&'static str> {
    Some(match code {
        "sv" => "SWE",
        "en" => "ENG",
        "fi" => "FIN",
        "se" => "SME",
        "sma" => "SMA",
        "smj" => "SMJ",
        "yi" => "YID",
        "rom" => "ROM",
        "fit" => "FIT",
        "ar" => "ARA",
        "so" => "SOM",
        "fa" => "FAS",
        "ti" => "TIR",
        "de" => "DEU",
        "fr" => "FRA",
        "es" => "SPA",
        "pl" => "POL",
        "ru" => "RUS",
        "uk" => "UKR",
        "bs" => "BOS",
        "hr" => "HRV",
        "sr" => "SRP",
        "tr" => "TUR",
        "ku" => "KUR",
        "prs" => "PRS",
        "zh" => "ZHO",
        "th" => "THA",
        "sq" => "SQI",
        "am" => "AMH",
        "el" => "ELL",
        "it" => "ITA",
        "pt" => "POR",
        "da" => "DAN",
        "no" => "NOR",
        "et" => "EST",
        "lv" => "LAV",
        "lt" => "LIT",
        "hu" => "HUN",
        "ro" => "RON",
        "bg" => "BUL",
        "cs" => "CES",
        "sk" => "SLK",
        "sl" => "SLV",
        "nl" => "NLD",
        _ => return None,
    })
}

/// Maps checked rows to quads in `ctx.graph`.
pub fn map_rows(profile: &Profile, ctx: &MapContext<'_>, rows: &[CheckedRow]) -> Vec<Quad> {
    let mapper = Mapper::new(profile, ctx);
    let mut quads = Vec::with_capacity(rows.len() * 24);
    for row in rows {
        mapper.map_row(row, &mut quads);
    }
    quads
}

/// Maps rows one at a time with the profile's terms expanded once: for streaming.
pub struct Mapper<'a> {
    profile: &'a Profile,
    ctx: &'a MapContext<'a>,
    terms: Terms,
    graph: GraphName,
    dataset: NamedNode,
}

impl<'a> Mapper<'a> {
    pub fn new(profile: &'a Profile, ctx: &'a MapContext<'a>) -> Self {
        Self {
            profile,
            ctx,
            terms: Terms::new(profile, ctx.iris),
            graph: GraphName::NamedNode(ctx.graph.clone()),
            dataset: ctx.iris.dataset(ctx.dataset),
        }
    }

    /// Appends the quads of one row to `quads`.
    pub fn map_row(&self, row: &CheckedRow, quads: &mut Vec<Quad>) {
        let (profile, ctx, terms, graph, dataset) =
            (self.profile, self.ctx, &self.terms, &self.graph, &self.dataset);
        let item = ctx.iris.item(ctx.dataset, &row.local_id);
        let mut add = |s: &NamedNode, p: &NamedNode, o: Term| {
            quads.push(Quad::new(s.clone(), p.clone(), o, graph.clone()));
        };
        for class in &terms.classes {
            add(&item, &rdf::TYPE.into_owned(), class.clone().into());
        }
        add(&item, &terms.in_dataset, dataset.clone().into());
        add(
            &item,
            &terms.municipality_code,
            Literal::new_simple_literal(&row.municipality).into(),
        );
        let target = match profile.municipality_target {
            MunicipalityTarget::Place => ctx.iris.municipality(&row.municipality),
            MunicipalityTarget::Organisation => ctx.iris.organisation(&row.municipality),
        };
        for link in &terms.municipality_links {
            add(&item, link, target.clone().into());
        }
        let mut nodes_used: Vec<&str> = Vec::new();
        let mut lat = None;
        let mut lon = None;
        for (index, value) in &row.values {
            let column = &profile.columns[*index];
            if let Value::Coordinate(degrees, _) = value {
                // At a precision that means something (and that SPARQL arithmetic can multiply):
                // see `coords::DEGREE_PLACES`.
                match column.role {
                    Some(Role::Latitude) => lat = Some(coords::degrees(*degrees)),
                    Some(Role::Longitude) => lon = Some(coords::degrees(*degrees)),
                    _ => {}
                }
                continue;
            }
            if let Some(key) = &column.feature {
                let node = Iris::item_part(&item, &format!("feature-{}", column.name));
                add(&item, &terms.amenity_feature, node.clone().into());
                add(&node, &rdf::TYPE.into_owned(), terms.feature_class.clone().into());
                add(&node, &terms.property_id, Literal::new_simple_literal(key).into());
                add(
                    &node,
                    &terms.name,
                    Literal::new_language_tagged_literal_unchecked(&column.label.sv, "sv").into(),
                );
                add(
                    &node,
                    &terms.name,
                    Literal::new_language_tagged_literal_unchecked(&column.label.en, "en").into(),
                );
                add(&node, &terms.value, literal(column, value).into());
                continue;
            }
            let ct = &terms.columns[*index];
            let Some(main) = &ct.main else { continue };
            let subject = match &column.node {
                Some(node) => {
                    let n = Iris::item_part(&item, node);
                    if !nodes_used.contains(&node.as_str()) {
                        nodes_used.push(node);
                        if let Some((_, via, class)) = terms.nodes.iter().find(|(k, _, _)| k == node) {
                            add(&item, via, n.clone().into());
                            add(&n, &rdf::TYPE.into_owned(), class.clone().into());
                        }
                    }
                    n
                }
                None => item.clone(),
            };
            if column.link.is_some() {
                for target in link_targets(value) {
                    add(&subject, main, target.into());
                }
            } else {
                let lit = literal(column, value);
                for p in std::iter::once(main).chain(&ct.also) {
                    add(&subject, p, lit.clone().into());
                }
            }
        }
        if !row.extra.is_empty() {
            let object: serde_json::Map<String, serde_json::Value> = row
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            add(
                &item,
                &terms.extra_columns,
                Literal::new_typed_literal(
                    serde_json::Value::Object(object).to_string(),
                    iri(ns::RDF, "JSON"),
                )
                .into(),
            );
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            let geo = Iris::item_part(&item, "geo");
            add(&item, &terms.geo, geo.clone().into());
            add(&geo, &rdf::TYPE.into_owned(), terms.geo_class.clone().into());
            add(
                &geo,
                &terms.latitude,
                Literal::new_typed_literal(&lat, xsd::DECIMAL).into(),
            );
            add(
                &geo,
                &terms.longitude,
                Literal::new_typed_literal(&lon, xsd::DECIMAL).into(),
            );
            let geometry = Iris::item_part(&item, "geometry");
            add(&item, &terms.has_geometry, geometry.clone().into());
            add(&geometry, &rdf::TYPE.into_owned(), terms.point.clone().into());
            add(
                &geometry,
                &terms.as_wkt,
                Literal::new_typed_literal(format!("POINT({lon} {lat})"), terms.wkt_literal.clone()).into(),
            );
        }
    }
}

#[cfg(test)]
mod tests;
