//! datahamn: an open-data publishing service for Swedish municipalities.
//!
//! Stewards publish CSV files; datahamn checks them against a *profile* (a machine-readable
//! description of a CSV layout), maps the rows onto one shared vocabulary (RDF), stores each
//! dataset version in its own named graph and serves the result through a REST API, SPARQL and
//! an OpenAPI document.
//!
//! The layers, and which way they depend:
//!
//! ```text
//! http  ──►  service  ──►  ingest, mapping, catalog (pure)  ──►  profile, reference, vocab
//!               │
//!               └──────►  store (the only module that touches oxigraph's Store)
//! ```
//!
//! * [`http`] owns everything actix-web: routes, extractors, content negotiation, the OpenAPI
//!   document. Handlers are thin and call [`service`].
//! * [`service`] is the only layer handlers call: publishing, the in-memory read model, queries.
//! * [`ingest`] reads and checks CSV files and writes reports; [`mapping`] turns checked rows into
//!   RDF and RDF back into item views; [`catalog`] owns dataset metadata and its DCAT form. All
//!   three are pure: no I/O beyond the bytes they are given, no store, no server.
//! * [`store`] wraps the embedded oxigraph store: atomic version loads and SPARQL evaluation.
//! * [`links`] checks every value that becomes an IRI or a link (web addresses, e-mail
//!   addresses, EU themes and frequencies) where it enters, and builds IRIs from stored values
//!   only when they still pass.
//! * [`error`] holds the one table of public error codes and the RFC 9457 problem envelope.
//! * [`fuzzing`] holds one entry function per input surface for the fuzzers (`docs/fuzzing.md`).

pub mod auth;
pub mod canon;
pub mod catalog;
pub mod config;
pub mod error;
pub mod fuzzing;
pub mod http;
pub mod ingest;
pub mod links;
pub mod logging;
pub mod mapping;
pub mod profile;
pub mod rdf;
pub mod reference;
pub mod service;
pub mod store;
pub mod text;
pub mod vocab;
