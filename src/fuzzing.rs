//! Fuzzing entry points: one pure function `fn(&[u8])` per input surface, each driving the real
//! code the way a request or an upload does, and the seed corpus each starts from.
//!
//! The same functions run in two places (see `docs/fuzzing.md`):
//! - `make fuzz`: the coverage-guided harness in `fuzz/` (AFL++ through afl.rs, on stable Rust)
//!   calls them with the inputs AFL++ generates;
//! - `cargo test` (so `make test`): the tests below replay each target's seeds and crash
//!   fixtures (`fuzz/crashes/<target>/`) and a bounded number of inputs mutated from the seeds.
//!
//! An entry function returns normally for every input, valid or not: what it must never do is
//! panic, overflow its stack or run away. The targets:
//!
//! | target | input | the code it drives |
//! | --- | --- | --- |
//! | `checker` | 2 option bytes (profile; CRS, issue limit, default municipality) + the file | [`ingest::check`] and both report renderings, as `datahamn validate` and an upload do |
//! | `sparql` | the query body, optionally `\0` and the URL's query string (query body empty: a `GET`) | the SPARQL protocol parameters and [`Platform::sparql_request`], then the result format negotiation |
//! | `params` | a URL query string | the REST and OGC list parameters ([`params::parse`]) with every profile's filters, and the single-parameter resources |
//! | `headers` | `Accept`, a newline, `Accept-Language` | [`negotiate::best`] over each offer list, [`Lang::from_accept_language`] |
//! | `profile_toml` | a profile's TOML | [`profile::parse`], then that profile's filters, catalog triples and a check of its own header row |
//! | `dataset_toml` | a `dataset.toml` | [`DatasetMeta::from_toml`], then the dataset's catalog quads |
//!
//! Seeds come from the repository's real files (the shipped datasets, profiles and README
//! examples, the ingest fixtures, the SPARQL page's example queries, the W3C protocol tests and
//! samples in `../shared/` (or `DATAHAMN_SHARED`) when present) plus hand-written ones in `fuzz/corpus/<target>/`.

use crate::catalog::{self, DatasetMeta};
use crate::http::negotiate;
use crate::http::pages::Lang;
use crate::http::params::{self, Api};
use crate::http::render::Format;
use crate::http::routes::{items, ogc, sparql as sparql_route, sparql_ui};
use crate::ingest::coords::Crs;
use crate::ingest::{self, CheckOptions, Source};
use crate::profile::{self, Profile};
use crate::service::Platform;
use crate::service::sparql::QueryForm;
use crate::store::Store;
use crate::vocab::Iris;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The base URL the fuzzed requests are read against.
const BASE: &str = "http://127.0.0.1:8080";

/// The stack of the threads that handle requests (actix-web's workers and tokio's blocking
/// pool: Rust's default for spawned threads). The fuzz targets run on a thread of this size, so
/// an input that would overflow a server's stack overflows theirs.
pub const SERVER_STACK: usize = 2 * 1024 * 1024;

/// The municipality option bit 6 of a `checker` input names (Härryda, as the ingest fixtures).
const MUNICIPALITY: &str = "1401";

/// A fuzz target: its name (the folder names under `fuzz/`), its entry function and where its
/// seeds come from.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
    /// The seeds taken from the repository's files (besides `fuzz/corpus/<name>/`), given the
    /// repository's root.
    seeds: fn(&Path) -> Vec<Vec<u8>>,
    /// Tokens worth inserting (AFL++'s dictionary), besides `fuzz/dict/<name>.dict`.
    tokens: fn() -> Vec<Vec<u8>>,
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "checker",
        run: checker,
        seeds: checker_seeds,
        tokens: checker_tokens,
    },
    Target {
        name: "sparql",
        run: sparql,
        seeds: sparql_seeds,
        tokens: no_tokens,
    },
    Target {
        name: "params",
        run: list_params,
        seeds: params_seeds,
        tokens: params_tokens,
    },
    Target {
        name: "headers",
        run: headers,
        seeds: no_seeds,
        tokens: headers_tokens,
    },
    Target {
        name: "profile_toml",
        run: profile_toml,
        seeds: profile_seeds,
        tokens: no_tokens,
    },
    Target {
        name: "dataset_toml",
        run: dataset_toml,
        seeds: dataset_seeds,
        tokens: no_tokens,
    },
];

/// Builds what the targets share once (the profiles, the reference data, the SPARQL platform),
/// so that the first input costs what any other does (AFL++ counts a difference as instability).
pub fn warm_up() {
    std::hint::black_box(profile::all());
    std::hint::black_box(crate::reference::organisation(MUNICIPALITY));
    std::hint::black_box(sparql_platform());
    for t in TARGETS {
        (t.run)(&[]);
    }
}

/// The target with this name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

impl Target {
    /// Every seed: from the repository's files, then `fuzz/corpus/<name>/`.
    pub fn seeds(&self, root: &Path) -> Vec<Vec<u8>> {
        let mut seeds = (self.seeds)(root);
        seeds.extend(
            files_in(&root.join("fuzz/corpus").join(self.name))
                .into_iter()
                .map(|(_, b)| b),
        );
        seeds
    }

    /// The crash fixtures: inputs that once made the target fail, replayed by the tests.
    pub fn crash_fixtures(&self, root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        files_in(&root.join("fuzz/crashes").join(self.name))
    }

    /// The dictionary: `fuzz/dict/<name>.dict` and the tokens drawn from the profiles.
    pub fn dictionary(&self, root: &Path) -> Vec<Vec<u8>> {
        let mut tokens = std::fs::read_to_string(root.join("fuzz/dict").join(format!("{}.dict", self.name)))
            .map(|text| parse_dictionary(&text))
            .unwrap_or_default();
        tokens.extend((self.tokens)());
        tokens.sort();
        tokens.dedup();
        tokens
    }
}

/// The files of a folder (not its subfolders), sorted by name; none when it does not exist.
fn files_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

/// The subfolders of a folder, sorted; none when it does not exist.
fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The tokens of an AFL++ dictionary (`name="value"` or `"value"` lines, `\xNN`, `\\` and `\"`
/// escapes; `#` starts a comment).
pub fn parse_dictionary(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.starts_with('#') {
                return None;
            }
            let start = line.find('"')? + 1;
            let quoted = line.get(start..line.rfind('"').filter(|&end| end >= start)?)?;
            let mut token = Vec::new();
            let mut bytes = quoted.bytes();
            while let Some(b) = bytes.next() {
                if b != b'\\' {
                    token.push(b);
                    continue;
                }
                match bytes.next()? {
                    b'x' => {
                        let hex = [bytes.next()?, bytes.next()?];
                        token.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
                    }
                    other => token.push(other),
                }
            }
            (!token.is_empty()).then_some(token)
        })
        .collect()
}

/// A token as a line of an AFL++ dictionary.
pub fn dictionary_line(token: &[u8]) -> String {
    let mut line = String::from("\"");
    for &b in token {
        match b {
            b'"' | b'\\' => {
                line.push('\\');
                line.push(char::from(b));
            }
            0x20..=0x7e => line.push(char::from(b)),
            _ => line.push_str(&format!("\\x{b:02x}")),
        }
    }
    line.push('"');
    line
}

/// The shared folder beside the repository (`../shared`), or `DATAHAMN_SHARED`.
fn shared(root: &Path) -> PathBuf {
    std::env::var_os("DATAHAMN_SHARED").map_or_else(|| root.join("../shared"), PathBuf::from)
}

fn no_seeds(_root: &Path) -> Vec<Vec<u8>> {
    Vec::new()
}

fn no_tokens() -> Vec<Vec<u8>> {
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// checker: bytes and a profile → report

/// The file checker, as `datahamn validate` and an upload run it. Byte 0 picks the profile;
/// byte 1 the options: bits 0-3 the declared CRS (0 none, 1 EPSG:4326, 2 EPSG:3006, 3-14
/// EPSG:3007-3018, 15 EPSG:3021), bits 4-5 the issue limit (the default, 0, 1, 3), bit 6 a
/// default municipality. The rest is the file.
pub fn checker(data: &[u8]) {
    let Some(([selector, options], file)) = data.split_first_chunk::<2>() else {
        return;
    };
    let profiles = profile::all();
    let profile = &profiles[usize::from(*selector) % profiles.len()];
    let crs = match options & 0x0f {
        0 => None,
        1 => Crs::parse("EPSG:4326"),
        2 => Crs::parse("EPSG:3006"),
        zone @ 3..=14 => Crs::parse(&format!("EPSG:{}", 3004 + u16::from(zone))),
        _ => Crs::parse("EPSG:3021"),
    };
    let mut check_options = CheckOptions {
        crs,
        default_municipality: (options & 0x40 != 0).then(|| MUNICIPALITY.to_owned()),
        ..CheckOptions::default()
    };
    match (options >> 4) & 3 {
        1 => check_options.issue_limit = 0,
        2 => check_options.issue_limit = 1,
        3 => check_options.issue_limit = 3,
        _ => {}
    }
    let checked = ingest::check(Source::Bytes(file), profile, &check_options);
    std::hint::black_box(checked.report.to_text());
    std::hint::black_box(serde_json::to_vec(&checked.report).ok());
}

/// A checker input: the option bytes for a profile, a CRS and a municipality, then the file.
fn checker_input(profile_id: &str, crs: Option<&str>, municipality: bool, file: &[u8]) -> Option<Vec<u8>> {
    let selector = profile::all().iter().position(|p| p.id == profile_id)?;
    let crs_bits = match crs.map(str::trim) {
        None => 0,
        Some("EPSG:4326") => 1,
        Some("EPSG:3006") => 2,
        Some("EPSG:3021") => 15,
        Some(other) => other
            .strip_prefix("EPSG:")
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|c| (3007..=3018).contains(c))
            .map_or(0, |c| u8::try_from(c - 3004).unwrap_or(0)),
    };
    let mut input = vec![
        u8::try_from(selector).ok()?,
        crs_bits | if municipality { 0x40 } else { 0 },
    ];
    input.extend_from_slice(file);
    Some(input)
}

#[derive(serde::Deserialize)]
struct IngestCase {
    profile: String,
    org: Option<String>,
    crs: Option<String>,
}

fn has_municipality(org: Option<&str>) -> bool {
    org.and_then(crate::reference::organisation)
        .is_some_and(|o| o.municipality_code.is_some())
}

fn checker_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    // The ingest fixtures, with their profile, organisation and CRS.
    for dir in dirs_in(&root.join("tests/fixtures/ingest")) {
        let Some(case) = std::fs::read_to_string(dir.join("case.toml"))
            .ok()
            .and_then(|t| toml::from_str::<IngestCase>(&t).ok())
        else {
            continue;
        };
        for (path, file) in files_in(&dir) {
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("input"))
            {
                seeds.extend(checker_input(
                    &case.profile,
                    case.crs.as_deref(),
                    has_municipality(case.org.as_deref()),
                    &file,
                ));
            }
        }
    }
    // The shipped datasets, with their profile and publisher.
    for dir in dirs_in(&root.join("datasets")) {
        let (Ok(meta), Ok(file)) = (
            std::fs::read_to_string(dir.join("dataset.toml")),
            std::fs::read(dir.join("data.csv")),
        ) else {
            continue;
        };
        if let Ok(meta) = DatasetMeta::from_toml(&meta) {
            seeds.extend(checker_input(
                &meta.profile,
                None,
                has_municipality(Some(&meta.publisher)),
                &file,
            ));
        }
    }
    // The shared samples, when present, against every profile.
    for (_, file) in files_in(&shared(root).join("samples")) {
        for p in profile::all() {
            seeds.extend(checker_input(&p.id, None, false, &file));
        }
    }
    seeds
}

/// Every profile's header keys, enum values and the separators and encodings' marks.
fn checker_tokens() -> Vec<Vec<u8>> {
    let mut tokens: Vec<Vec<u8>> = Vec::new();
    for p in profile::all() {
        for c in &p.columns {
            tokens.extend(c.keys().map(String::into_bytes));
            tokens.extend(c.values.iter().map(|v| v.as_bytes().to_vec()));
        }
    }
    tokens
}

// ---------------------------------------------------------------------------------------------
// sparql: query text and protocol parameters → the checked request

/// A platform over an empty in-memory store, built once: what [`Platform::sparql_request`]
/// needs (its base URL and store kind), without a data directory.
fn sparql_platform() -> &'static Platform {
    static PLATFORM: OnceLock<Platform> = OnceLock::new();
    PLATFORM.get_or_init(|| {
        let store = Store::in_memory().expect("an in-memory store opens");
        Platform::open(store, BASE).expect("a platform opens over an empty in-memory store")
    })
}

/// SPARQL request handling up to evaluation: the protocol parameters as the `/sparql` routes
/// read them, [`Platform::sparql_request`] (parsing, the update check, the graph IRIs, the
/// lookup test), then the result formats offered for the query's form. The input is the query
/// body (`application/sparql-query`), optionally followed by `\0` and the URL's query string;
/// an empty body before `\0` is a `GET` (or a form body: the same parsing).
pub fn sparql(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        // Every route refuses a body that is not UTF-8 before reading it.
        return;
    };
    let (body, query_string) = match text.split_once('\0') {
        None => (Some(text), ""),
        Some(("", query_string)) => (None, query_string),
        Some((body, query_string)) => (Some(body), query_string),
    };
    let Ok(pairs) = sparql_route::parse_pairs(query_string, "query string") else {
        return;
    };
    let mut protocol = sparql_route::ProtocolParams::from_pairs(pairs);
    if let Some(body) = body {
        if !protocol.queries.is_empty() {
            return;
        }
        protocol.queries.push(body.to_owned());
    }
    let Ok(query) = sparql_route::single_query(&mut protocol) else {
        return;
    };
    if let Ok(request) =
        sparql_platform().sparql_request(&query, &protocol.default_graph_uri, &protocol.named_graph_uri)
    {
        std::hint::black_box(negotiate::best(None, request.form.media_types()));
    }
}

fn sparql_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = sparql_ui::examples()
        .iter()
        .map(|(_, _, query)| query.replace("{BASE}", BASE).into_bytes())
        .collect();
    // The W3C SPARQL 1.1 Protocol tests' requests: URL query strings and form bodies.
    if let Ok(manifest) = std::fs::read_to_string(shared(root).join("testing/sparql11-protocol/manifest.ttl"))
    {
        for line in manifest.lines() {
            let line = line.trim();
            let request = if let Some(path) = line.strip_prefix("ht:absolutePath \"") {
                path.split_once('?').map(|(_, q)| q)
            } else {
                line.strip_prefix("cnt:chars \"")
            };
            if let Some(request) = request.and_then(|r| r.split('"').next()) {
                seeds.push(format!("\0{request}").into_bytes());
            }
        }
    }
    seeds
}

// ---------------------------------------------------------------------------------------------
// params: REST and OGC query parameters

/// The list parameters of `/api/v1` and `/ogc` (with the filters of every profile, of each
/// profile alone, and of none), and the resources that take one parameter or none. The input is
/// the URL's query string.
pub fn list_params(data: &[u8]) {
    let Ok(query_string) = std::str::from_utf8(data) else {
        return;
    };
    std::hint::black_box(params::none(query_string, "no parameters here").is_ok());
    let Ok(pairs) = items::decode_query(query_string) else {
        return;
    };
    for api in [Api::Rest, Api::Ogc] {
        std::hint::black_box(params::parse(&pairs, &items::filter_profiles(true, None), api).is_ok());
        std::hint::black_box(params::parse(&pairs, &items::filter_profiles(false, None), api).is_ok());
        for p in profile::all() {
            std::hint::black_box(params::parse(&pairs, &items::filter_profiles(false, Some(p)), api).is_ok());
        }
    }
    std::hint::black_box(params::single(&pairs, "format").is_ok());
    std::hint::black_box(params::single(&pairs, "f").is_ok());
    std::hint::black_box(ogc::feature_params(&pairs).is_ok());
}

/// The query strings of the README's REST and OGC examples.
fn params_seeds(root: &Path) -> Vec<Vec<u8>> {
    let Ok(readme) = std::fs::read_to_string(root.join("README.md")) else {
        return Vec::new();
    };
    let mut seeds = Vec::new();
    for word in
        readme.split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | '(' | ')' | '<' | '>'))
    {
        if (word.contains("/api/v1/") || word.contains("/ogc"))
            && let Some((_, query)) = word.split_once('?')
        {
            seeds.push(query.as_bytes().to_vec());
        }
    }
    seeds.sort();
    seeds.dedup();
    seeds
}

/// Every parameter name the lists know, with `=`.
fn params_tokens() -> Vec<Vec<u8>> {
    let every = items::filter_profiles(true, None);
    [Api::Rest, Api::Ogc]
        .into_iter()
        .flat_map(|api| params::known_names(&every, api))
        .map(|name| format!("{name}=").into_bytes())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// headers: Accept and Accept-Language

/// `Accept` (the first line) negotiated over each offer list the routes use, and
/// `Accept-Language` (the second line) read as the pages read it.
pub fn headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let accept = lines.next();
    let accept_language = lines.next();
    let rest: Vec<&str> = Format::REST.iter().map(|f| f.media_type()).collect();
    for form in [QueryForm::Select, QueryForm::Ask, QueryForm::Construct] {
        std::hint::black_box(negotiate::best(accept, form.media_types()));
    }
    std::hint::black_box(negotiate::best(accept, &rest));
    std::hint::black_box(negotiate::best(accept, &["application/json", "text/html"]));
    std::hint::black_box(negotiate::best(accept, &[]));
    std::hint::black_box(Lang::from_accept_language(accept_language));
}

/// Every media type offered anywhere.
fn headers_tokens() -> Vec<Vec<u8>> {
    let mut tokens: Vec<Vec<u8>> = [QueryForm::Select, QueryForm::Ask, QueryForm::Construct]
        .iter()
        .flat_map(|f| f.media_types())
        .map(|m| m.as_bytes().to_vec())
        .collect();
    tokens.extend(Format::REST.iter().map(|f| f.media_type().as_bytes().to_vec()));
    tokens
}

// ---------------------------------------------------------------------------------------------
// profile_toml and dataset_toml

/// A profile's TOML parsed and checked; when it is a profile, what the service derives from
/// it: its filter parameters, its catalog triples, and a check of a file holding its header row.
pub fn profile_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(profile) = profile::parse(text) else {
        return;
    };
    exercise_profile(&profile);
}

fn exercise_profile(profile: &Profile) {
    std::hint::black_box(params::known_names(&[profile], Api::Rest));
    std::hint::black_box(catalog::profile_triples(&Iris::new(BASE), profile));
    let header: Vec<String> = profile.columns.iter().filter_map(|c| c.keys().next()).collect();
    let file = format!("{}\n{}\n", header.join(","), ",".repeat(header.len()));
    let checked = ingest::check(Source::Bytes(file.as_bytes()), profile, &CheckOptions::default());
    std::hint::black_box(checked.report.to_text());
}

fn profile_seeds(_root: &Path) -> Vec<Vec<u8>> {
    profile::sources()
        .iter()
        .map(|(_, text)| text.as_bytes().to_vec())
        .collect()
}

/// A `dataset.toml` parsed and checked; when it passes, its catalog quads.
pub fn dataset_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(meta) = DatasetMeta::from_toml(text) {
        std::hint::black_box(catalog::dataset_quads(&Iris::new(BASE), &meta));
    }
}

fn dataset_seeds(root: &Path) -> Vec<Vec<u8>> {
    dirs_in(&root.join("datasets"))
        .into_iter()
        .filter_map(|dir| std::fs::read(dir.join("dataset.toml")).ok())
        .collect()
}

#[cfg(test)]
mod tests;
