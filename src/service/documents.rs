//! RDF documents: items, catalogs (DCAT-AP-SE), VoID, the SPARQL service description, resource
//! descriptions and dumps, in the syntaxes the platform serves.

use super::{DatasetState, Platform, ServiceError};
use crate::catalog::{self, dcat};
use crate::mapping::ItemView;
use crate::vocab::Iris;
use oxigraph::model::NamedNode;
use std::collections::BTreeMap;

/// What describes a resource, for rendering as RDF or as rows of a page.
#[derive(Debug)]
pub struct ResourceDescription {
    triples: Vec<oxigraph::model::Triple>,
}

/// One statement of a description, as text: the object is an IRI or a literal (with its
/// language tag, if any).
#[derive(Debug, PartialEq)]
pub struct Statement {
    pub subject: String,
    pub predicate: String,
    pub object: String,
    pub object_is_iri: bool,
    pub language: Option<String>,
}

impl ResourceDescription {
    /// The statements, subject by subject (the resource's own first, then its parts).
    pub fn statements(&self) -> Vec<Statement> {
        use oxigraph::model::{NamedOrBlankNode, Term};
        let mut out: Vec<Statement> = self
            .triples
            .iter()
            .map(|t| {
                let subject = match &t.subject {
                    NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                    other => other.to_string(),
                };
                let (object, object_is_iri, language) = match &t.object {
                    Term::NamedNode(n) => (n.as_str().to_owned(), true, None),
                    Term::Literal(l) => (l.value().to_owned(), false, l.language().map(str::to_owned)),
                    other => (other.to_string(), false, None),
                };
                Statement {
                    subject,
                    predicate: t.predicate.as_str().to_owned(),
                    object,
                    object_is_iri,
                    language,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.subject.contains('#'), &a.subject, &a.predicate).cmp(&(
                b.subject.contains('#'),
                &b.subject,
                &b.predicate,
            ))
        });
        out
    }
}

/// datahamn's own vocabulary (`vocab/datahamn.ttl`), with this deployment's base URL.
pub(super) fn vocabulary(iris: &Iris) -> Result<Vec<oxigraph::model::Triple>, ServiceError> {
    use oxigraph::io::{RdfFormat, RdfParser};
    let text = include_str!("../../vocab/datahamn.ttl");
    RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(format!("{}/", iris.base()))
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .for_slice(text.as_bytes())
        .map(|q| {
            q.map(oxigraph::model::Triple::from)
                .map_err(|e| ServiceError::Internal(e.to_string()))
        })
        .collect()
}

/// The RDF syntaxes documents are served in, by media type: Turtle, N-Triples, RDF/XML and
/// JSON-LD (without a profile).
pub fn rdf_syntax(media_type: &str) -> Option<oxigraph::io::RdfFormat> {
    use oxigraph::io::{JsonLdProfileSet, RdfFormat};
    match RdfFormat::from_media_type(media_type)? {
        RdfFormat::JsonLd { .. } => Some(RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        }),
        format @ (RdfFormat::Turtle | RdfFormat::NTriples | RdfFormat::RdfXml) => Some(format),
        _ => None,
    }
}

/// The file in a data directory that records the base URL its store was published under.
/// Items described per store read when the RDF of many is written (a whole dataset's).
pub const DESCRIBE_BATCH: usize = 500;

/// A dump of published graphs (see [`Platform::dump`]).
pub struct Dump {
    quads: Box<dyn Iterator<Item = Result<oxigraph::model::Quad, crate::store::StoreError>> + Send>,
}

impl Dump {
    /// Writes the quads as gzip-compressed N-Quads to `out`, streaming from the store (memory
    /// stays flat however large the graphs). Blocking. Stops at the first write error (a client
    /// that went away).
    pub fn write(self, out: impl std::io::Write) -> Result<(), ServiceError> {
        use oxigraph::io::{RdfFormat, RdfSerializer};
        let gzip = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let mut writer = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(gzip);
        for quad in self.quads {
            writer.serialize_quad(&quad?)?;
        }
        writer.finish()?.finish()?;
        Ok(())
    }
}

impl Platform {
    /// The RDF of some current items (without graph names): each item and its nodes (position,
    /// address, amenity features), exactly as the SPARQL endpoint holds them, in the RDF syntax
    /// of `media_type` (see [`rdf_syntax`]).
    pub fn describe_items(&self, items: &[&ItemView], media_type: &str) -> Result<Vec<u8>, ServiceError> {
        self.write_items(items, media_type, Vec::new())
    }

    /// Writes the RDF of current items (see [`Platform::describe_items`]) to `out`, reading
    /// the store [`DESCRIBE_BATCH`] items at a time, so a whole dataset streams with memory
    /// bounded by a batch. Blocking. Stops at the first write error (a client that went away).
    pub fn write_items<W: std::io::Write>(
        &self,
        items: &[&ItemView],
        media_type: &str,
        out: W,
    ) -> Result<W, ServiceError> {
        // The graphs are chosen and read in one view, so a publish cannot retire one meanwhile.
        let view = self.store.view();
        let model = self.model();
        let mut by_graph: BTreeMap<NamedNode, Vec<NamedNode>> = BTreeMap::new();
        for item in items {
            let Some(version) = model.dataset(&item.dataset).and_then(|d| d.record.current()) else {
                continue;
            };
            let (Ok(subject), graph) = (
                NamedNode::new(item.uri.clone()),
                self.iris.version(&item.dataset, version.number),
            ) else {
                continue;
            };
            by_graph.entry(graph).or_default().push(subject);
        }
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
        let mut writer = self.serializer(media_type)?.for_writer(out);
        for (graph, subjects) in by_graph {
            for batch in subjects.chunks(DESCRIBE_BATCH) {
                for quad in view.describe(batch, &graph)? {
                    writer.serialize_triple(quad.as_ref())?;
                }
            }
        }
        writer.finish().map_err(|e| failed(&e))
    }

    /// A DCAT-AP-SE catalog: the platform's (`None`) or one municipality's, in the RDF syntax
    /// of `media_type` (see [`rdf_syntax`]). `byte_size` gives the size of a dataset's
    /// download, when known.
    pub fn dcat_catalog(
        &self,
        municipality: Option<&str>,
        media_type: &str,
        byte_size: &dyn Fn(&DatasetState, &'static catalog::Download) -> Option<u64>,
    ) -> Result<Vec<u8>, ServiceError> {
        let model = self.model();
        let records: Vec<&catalog::DatasetRecord> = model.datasets().map(|d| &d.record).collect();
        let scope = municipality.map_or(dcat::Scope::Platform, dcat::Scope::Municipality);
        let sizes = |record: &catalog::DatasetRecord, download: &'static catalog::Download| {
            model
                .dataset(&record.meta.id)
                .and_then(|d| byte_size(d, download))
        };
        let coverage = |record: &catalog::DatasetRecord| {
            model
                .dataset(&record.meta.id)
                .map(DatasetState::coverage)
                .unwrap_or_default()
        };
        let triples = dcat::catalog(&self.iris, &records, scope, &sizes, &coverage)?;
        self.serialize(&triples, media_type)
    }

    /// The VoID description of the platform's data, in the RDF syntax of `media_type`.
    pub fn void_document(&self, media_type: &str) -> Result<Vec<u8>, ServiceError> {
        let model = self.model();
        let records: Vec<&catalog::DatasetRecord> = model.datasets().map(|d| &d.record).collect();
        self.serialize(&catalog::void::void_description(&self.iris, &records), media_type)
    }

    /// The SPARQL service description, in the RDF syntax of `media_type`.
    pub fn sparql_service_description(&self, media_type: &str) -> Result<Vec<u8>, ServiceError> {
        let scope = self.query_scope();
        self.serialize(
            &catalog::void::service_description(
                &self.iris,
                &scope.named_graphs,
                &self.store.extension_functions(),
            ),
            media_type,
        )
    }

    /// The description of a platform resource by its IRI: a dataset, a version, a municipality,
    /// a county or an organisation (from the catalog graph), the catalog graph itself (by its
    /// name), a profile, or a term of datahamn's vocabulary (the namespace itself gives the whole
    /// vocabulary). `None` when nothing describes it.
    pub fn describe_resource(&self, iri: &str) -> Result<Option<ResourceDescription>, ServiceError> {
        let namespace = self.iris.dh_namespace();
        let profile_prefix = format!("{namespace}profile/");
        let triples: Vec<oxigraph::model::Triple> = if iri == self.iris.catalog_graph().as_str() {
            // The catalog graph's name: the graph itself.
            self.store
                .graph_quads(&self.iris.catalog_graph())?
                .into_iter()
                .map(oxigraph::model::Triple::from)
                .collect()
        } else if let Some(id) = iri.strip_prefix(&profile_prefix) {
            crate::profile::get(id).map_or_else(Vec::new, |p| catalog::profile_triples(&self.iris, p))
        } else if iri.starts_with(&namespace) {
            let fragment = format!("{iri}#");
            vocabulary(&self.iris)?
                .into_iter()
                .filter(|t| {
                    iri == namespace || {
                        let s = t.subject.to_string();
                        let s = s.trim_start_matches('<').trim_end_matches('>');
                        s == iri || s.starts_with(&fragment)
                    }
                })
                .collect()
        } else {
            let Ok(node) = NamedNode::new(iri) else {
                return Ok(None);
            };
            self.store
                .describe(&[node], &self.iris.catalog_graph())?
                .into_iter()
                .map(oxigraph::model::Triple::from)
                .collect()
        };
        if triples.is_empty() {
            return Ok(None);
        }
        Ok(Some(ResourceDescription { triples }))
    }

    /// A resource description in the RDF syntax of `media_type` (see [`rdf_syntax`]).
    pub fn serialize_description(
        &self,
        d: &ResourceDescription,
        media_type: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        self.serialize(&d.triples, media_type)
    }

    /// A serializer for the RDF syntax of `media_type`, with the platform's prefixes.
    pub(super) fn serializer(&self, media_type: &str) -> Result<oxigraph::io::RdfSerializer, ServiceError> {
        use oxigraph::io::RdfSerializer;
        let format = rdf_syntax(media_type)
            .ok_or_else(|| ServiceError::Internal(format!("no RDF serializer for {media_type}")))?;
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
        let mut serializer = RdfSerializer::from_format(format);
        for (prefix, ns) in crate::vocab::PREFIXES {
            serializer = serializer.with_prefix(*prefix, *ns).map_err(|e| failed(&e))?;
        }
        serializer
            .with_prefix("dh", self.iris.dh_namespace())
            .map_err(|e| failed(&e))
    }

    pub(super) fn serialize(
        &self,
        triples: &[oxigraph::model::Triple],
        media_type: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let failed = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
        let mut writer = self.serializer(media_type)?.for_writer(Vec::new());
        for t in triples {
            writer.serialize_triple(t).map_err(|e| failed(&e))?;
        }
        writer.finish().map_err(|e| failed(&e))
    }

    /// The graphs of a dump: one dataset's current version, or (`None`) every graph a query
    /// sees by default ([`Platform::query_scope`]).
    pub(super) fn dump_graphs(&self, dataset: Option<&str>) -> Result<Vec<NamedNode>, ServiceError> {
        match dataset {
            None => Ok(self.query_scope().named_graphs.clone()),
            Some(id) => {
                let model = self.model();
                let d = model.published(id)?;
                let v = d
                    .record
                    .current()
                    .ok_or_else(|| ServiceError::DatasetNotFound(id.to_owned()))?;
                Ok(vec![self.iris.version(id, v.number)])
            }
        }
    }

    /// A dump, ready to write: one dataset's current version, or (`None`) everything published
    /// (every dataset's current version and the catalog graph). Its snapshot is taken now: a
    /// publish while it is written changes nothing in it. Unknown or unpublished dataset: an
    /// error.
    pub fn dump(&self, dataset: Option<&str>) -> Result<Dump, ServiceError> {
        let view = self.store.view();
        let graphs = self.dump_graphs(dataset)?;
        Ok(Dump {
            quads: Box::new(view.stream_graphs(graphs)),
        })
    }

    /// Every quad of one version of a dataset, current or earlier (from the archive); empty
    /// when there is no such version.
    pub fn version_quads(
        &self,
        dataset: &str,
        number: u64,
    ) -> Result<Vec<oxigraph::model::Quad>, ServiceError> {
        Ok(self.store.any_graph_quads(&self.iris.version(dataset, number))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::changes::ChangeKind;
    use crate::catalog::changes::{self, Change};
    use crate::catalog::{DatasetMeta, VersionRecord};
    use crate::ingest::Report;
    use oxigraph::model::Term;

    /// Every term of our namespace that the platform's own records use (catalog, versions,
    /// deletions, reference data, the change feed) is defined in the vocabulary, including
    /// those the shipped data never needs (a rollback, a deleted dataset).
    #[test]
    fn every_term_the_records_use_is_defined() {
        let iris = Iris::new("http://example.org");
        let meta =
            DatasetMeta::from_toml(include_str!("../../datasets/harryda-badplatser/dataset.toml")).unwrap();
        let version = VersionRecord {
            number: 2,
            issued: "2026-11-21T10:00:00Z".into(),
            row_count: 9,
            item_count: 9,
            skipped_row_count: 0,
            checksum: "ab".into(),
            report: Report::default(),
            published_by: "Härryda GIS".into(),
            rollback_of: Some(1),
        };
        let change = |seq, kind| Change {
            seq,
            kind,
            item: "http://example.org/id/d/a".into(),
            dataset: meta.id.clone(),
            version: 2,
            at: "2026-11-21T10:00:00Z".into(),
            hash: 7,
        };
        let mut quads = catalog::dataset_quads(&iris, &meta);
        quads.extend(catalog::version_quads(&iris, &meta.id, &version));
        quads.push(catalog::deleted_quad(&iris, &meta.id, "2026-11-22T10:00:00Z"));
        quads.push(catalog::current_version_quad(&iris, &meta.id, 2));
        quads.extend(catalog::reference_quads(&iris));
        quads.extend(changes::change_quads(
            &iris,
            &[change(1, ChangeKind::Created), change(2, ChangeKind::Deleted)],
        ));
        let namespace = iris.dh_namespace();
        let profiles = format!("{namespace}profile/");
        let mut used: Vec<String> = quads
            .iter()
            .flat_map(|q| [Term::from(q.predicate.clone()), q.object.clone()])
            .filter_map(|t| match t {
                Term::NamedNode(n) => Some(n.into_string()),
                _ => None,
            })
            .filter(|t| t.starts_with(&namespace) && !t.starts_with(&profiles))
            .collect();
        used.sort();
        used.dedup();
        for term in [
            "byVersion",
            "changeOf",
            "contentHash",
            "sequence",
            "publishedBy",
            "deleted",
            "rollbackOf",
        ] {
            assert!(used.contains(&format!("{namespace}{term}")), "{term} is used");
        }
        let vocabulary = vocabulary(&iris).unwrap();
        for term in &used {
            let said: Vec<_> = vocabulary
                .iter()
                .filter(|t| t.subject.to_string() == format!("<{term}>"))
                .collect();
            for property in ["label", "comment"] {
                for lang in ["sv", "en"] {
                    assert!(
                        said.iter().any(|t| t.predicate.as_str()
                            == format!("{}{property}", crate::vocab::ns::RDFS)
                            && matches!(&t.object, Term::Literal(l) if l.language() == Some(lang))),
                        "{term} has no rdfs:{property}@{lang} in vocab/datahamn.ttl"
                    );
                }
            }
        }
    }
}
