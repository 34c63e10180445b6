//! The reader of GeoJSON: a FeatureCollection as QGIS or ArcGIS exports it (and ArcGIS's own
//! JSON, whose features hold `attributes` and an `{x, y}` geometry). Each feature is a row,
//! numbered as the file numbers it (the first feature is 1); its properties are the columns, in
//! the order they first appear; a Point's coordinates (3-D ones too, the height dropped) are two
//! more columns, `latitude` and `longitude`, named with the system a `crs` member declares
//! (`latitude (SWEREF 99 TM)`), so the checker tells and converts them as it does a CSV's.
//!
//! The file is read as a stream, twice (once for the columns, once for the rows), one feature
//! at a time: memory holds one feature, never the file. A feature is held to the limits (its
//! bytes, its properties), and nesting is bounded.

use super::{Opened, Reader, Row, RowError, Stop};
use crate::ingest::Limits;
use crate::ingest::coords::Crs;
use crate::ingest::report::{Dialect, Issue, IssueCode};
use crate::ingest::source::{self, Source};
use crate::profile::Localized;
use serde::Deserialize;
use std::io::{self, BufRead, BufReader, Read};

/// How deep a feature's JSON may nest.
const MAX_DEPTH: usize = 64;
/// The most bytes of a top-level member other than `features` that is read (`crs`, `type`).
const MEMBER_BYTES: usize = 64 * 1024;

/// The columns the geometry's coordinates are read into.
pub const LATITUDE: &str = "latitude";
pub const LONGITUDE: &str = "longitude";

/// A GeoJSON file being read.
pub struct GeoJson<'a> {
    scanner: Scanner<Box<dyn Read + 'a>>,
    properties: Vec<String>,
    /// Whether any feature has a geometry: then the coordinate columns follow the properties.
    geometry: bool,
    header: Vec<String>,
    feature: u64,
    bytes: usize,
    buf: Vec<u8>,
}

/// What the first pass over a file found.
#[derive(Default)]
struct Survey {
    kind: Option<String>,
    crs: Option<String>,
    /// The property names, in the order they first appear.
    properties: Vec<String>,
    geometry: bool,
    features: bool,
}

fn unreadable(sv: String, en: String) -> Issue {
    Issue::error(IssueCode::FormatError, Localized::new(sv, en))
}

fn not_a_collection(kind: &str) -> Issue {
    super::format::unsupported(
        &format!("JSON men inte en GeoJSON FeatureCollection (type är {kind})"),
        &format!("JSON but not a GeoJSON FeatureCollection (its type is {kind})"),
        "Exportera lagret som GeoJSON från QGIS (Exportera → Spara objekt som → GeoJSON) eller ArcGIS (Features To JSON med GeoJSON).",
        "Export the layer as GeoJSON from QGIS (Export → Save Features As → GeoJSON) or ArcGIS (Features To JSON, as GeoJSON).",
    )
}

impl<'a> GeoJson<'a> {
    /// Reads the file once for its columns and coordinate system, and opens it for its rows.
    pub fn open(source: Source<'a>, limits: &Limits) -> Result<Opened<'a>, Issue> {
        let survey = survey(source, limits)?;
        if survey.kind.as_deref() != Some("FeatureCollection") && !survey.features {
            return Err(not_a_collection(
                survey.kind.as_deref().unwrap_or("saknas / missing"),
            ));
        }
        let crs = survey.crs.as_deref().map(declared_crs);
        let mut warnings = Vec::new();
        let suffix = match &crs {
            Some(Ok(Crs::Wgs84)) | None => String::new(),
            Some(Ok(crs)) => format!(" ({})", crs.name()),
            Some(Err(name)) => {
                warnings.push(Issue::warning(
                    IssueCode::UnknownCrs,
                    Localized::new(
                        format!("Filen anger koordinatsystemet {name}, som datahamn inte känner till; koordinaterna bedöms efter sin storlek. Exportera i SWEREF 99 TM (EPSG:3006) eller WGS 84 (EPSG:4326)."),
                        format!("The file declares the coordinate system {name}, which datahamn does not know; the coordinates are told by their magnitude. Export in SWEREF 99 TM (EPSG:3006) or WGS 84 (EPSG:4326)."),
                    ),
                ));
                String::new()
            }
        };
        let mut header = survey.properties.clone();
        if survey.geometry {
            header.push(format!("{LATITUDE}{suffix}"));
            header.push(format!("{LONGITUDE}{suffix}"));
        }
        let mut scanner = Scanner::new(source.open().map_err(|e| source::unreadable(&e))?);
        scanner
            .seek_features()
            .map_err(|e| e.issue())?
            .ok_or_else(|| not_a_collection("FeatureCollection"))?;
        Ok(Opened {
            reader: Box::new(GeoJson {
                scanner,
                properties: survey.properties,
                geometry: survey.geometry,
                header,
                feature: 0,
                bytes: feature_bytes(limits),
                buf: Vec::new(),
            }),
            warnings,
        })
    }
}

/// The most bytes of one feature: room for every column at its largest.
fn feature_bytes(limits: &Limits) -> usize {
    limits
        .max_cell_bytes
        .saturating_mul(4)
        .saturating_add(64 * 1024)
        .max(1024 * 1024)
}

/// The coordinate system a `crs` member names (`urn:ogc:def:crs:EPSG::3006`, `EPSG:3006`,
/// `urn:ogc:def:crs:OGC:1.3:CRS84`), or its name when datahamn does not know it.
fn declared_crs(name: &str) -> Result<Crs, String> {
    if name.contains("CRS84") || name.contains("crs84") {
        return Ok(Crs::Wgs84);
    }
    let digits: String = name
        .rsplit(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_owned();
    digits
        .parse::<u16>()
        .ok()
        .and_then(Crs::from_epsg)
        .ok_or_else(|| name.to_owned())
}

/// Reads the whole file once: its `type`, `crs`, the property names of its features and
/// whether they have geometries.
fn survey(source: Source<'_>, limits: &Limits) -> Result<Survey, Issue> {
    let mut scanner = Scanner::new(source.open().map_err(|e| source::unreadable(&e))?);
    let mut survey = Survey::default();
    let mut buf = Vec::new();
    let bytes = feature_bytes(limits);
    let mut number = 0u64;
    loop {
        match scanner.next_member(&mut buf).map_err(|e| e.issue())? {
            None => return Ok(survey),
            Some(Member::Type(kind)) => survey.kind = Some(kind),
            Some(Member::Crs(crs)) => survey.crs = Some(crs),
            Some(Member::Features) => {
                survey.features = true;
                while scanner
                    .next_feature(&mut buf, bytes)
                    .map_err(|e| e.at_feature(number + 1))?
                {
                    number += 1;
                    let Ok(feature) = serde_json::from_slice::<Feature>(&buf) else {
                        // Said again, with its row, when the rows are read.
                        continue;
                    };
                    for (key, _) in feature.properties.iter().flat_map(|p| &p.0) {
                        if !survey.properties.iter().any(|k| k == key) {
                            if survey.properties.len() >= limits.max_columns {
                                return Err(super::too_many_properties(limits));
                            }
                            survey.properties.push(key.clone());
                        }
                    }
                    survey.geometry |= feature.geometry.is_some();
                }
            }
        }
    }
}

/// A feature, as far as datahamn reads it.
#[derive(Deserialize)]
struct Feature {
    #[serde(default, alias = "attributes")]
    properties: Option<Properties>,
    #[serde(default)]
    geometry: Option<Geometry>,
}

/// A feature's geometry: GeoJSON's `type` and `coordinates`, or ArcGIS's `x` and `y`.
#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: Option<String>,
    coordinates: Option<serde_json::Value>,
    x: Option<serde_json::Number>,
    y: Option<serde_json::Number>,
}

/// Properties in the order the file writes them.
struct Properties(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Properties;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of properties")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    out.push(entry);
                }
                Ok(Properties(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A property's value as a cell's text: numbers as written (`57.0` as `57`), `null` empty,
/// objects and arrays as JSON.
fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => number(n),
        serde_json::Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => super::workbook::number_text(f),
        _ => n.to_string(),
    }
}

/// The position of a geometry: `(latitude or northing, longitude or easting)` as written, or
/// why there is none.
fn point(geometry: &Geometry) -> Result<(String, String), (String, String)> {
    if let (Some(x), Some(y)) = (&geometry.x, &geometry.y) {
        return Ok((number(y), number(x)));
    }
    let kind = geometry.kind.as_deref().unwrap_or("");
    let pair = |c: &serde_json::Value| match c.as_array().map(Vec::as_slice) {
        Some([serde_json::Value::Number(x), serde_json::Value::Number(y), ..]) => {
            Some((number(y), number(x)))
        }
        _ => None,
    };
    let coordinates = geometry.coordinates.as_ref();
    let found = match kind {
        "Point" => coordinates.and_then(pair),
        // QGIS writes a point layer read from a Shapefile as MultiPoint: one point is a point.
        "MultiPoint" => coordinates
            .and_then(|c| c.as_array())
            .filter(|points| points.len() == 1)
            .and_then(|points| pair(&points[0])),
        _ => None,
    };
    found.ok_or_else(|| {
        let what = if kind.is_empty() { "utan typ" } else { kind };
        (
            format!(
                "Objektets geometri är {what}; datahamn läser bara punkter (Point, eller MultiPoint med en punkt). Gör om lagret till punkter (i QGIS: Vektor → Geometriverktyg → Centroider) och exportera igen."
            ),
            format!(
                "The feature's geometry is {}; datahamn reads points only (Point, or a MultiPoint of one point). Turn the layer into points (in QGIS: Vector → Geometry Tools → Centroids) and export again.",
                if kind.is_empty() { "without a type" } else { kind }
            ),
        )
    })
}

impl Reader for GeoJson<'_> {
    fn header(&mut self) -> Result<Vec<String>, Stop> {
        Ok(self.header.clone())
    }

    fn next_row(&mut self, row: &mut Row) -> Option<Result<(), RowError>> {
        let number = self.feature + 1;
        match self.scanner.next_feature(&mut self.buf, self.bytes) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => return Some(Err(RowError::Stop(Stop::Unreadable(e.at_feature(number))))),
        }
        self.feature = number;
        let feature = match serde_json::from_slice::<Feature>(&self.buf) {
            Ok(feature) => feature,
            Err(e) => {
                return Some(Err(RowError::Malformed {
                    row: number,
                    message: Localized::new(
                        format!("Objekt {number} är inte ett GeoJSON-objekt (Feature): {e}."),
                        format!("Feature {number} is not a GeoJSON feature: {e}."),
                    ),
                }));
            }
        };
        let mut cells: Vec<String> = vec![String::new(); self.header.len()];
        for (key, value) in feature.properties.iter().flat_map(|p| &p.0) {
            if let Some(i) = self.properties.iter().position(|k| k == key) {
                cells[i] = text(value);
            }
        }
        if self.geometry {
            let Some(geometry) = &feature.geometry else {
                return Some(Err(RowError::Malformed {
                    row: number,
                    message: Localized::new(
                        "Objektet saknar geometri (geometry är null). Placera punkten på kartan i QGIS eller ArcGIS och exportera igen.",
                        "The feature has no geometry (geometry is null). Place its point on the map in QGIS or ArcGIS and export again.",
                    ),
                }));
            };
            match point(geometry) {
                Ok((lat, lon)) => {
                    let n = cells.len();
                    cells[n - 2] = lat;
                    cells[n - 1] = lon;
                }
                Err((sv, en)) => {
                    return Some(Err(RowError::Malformed {
                        row: number,
                        message: Localized::new(sv, en),
                    }));
                }
            }
        }
        row.fill(number, cells.iter().map(String::as_str));
        Some(Ok(()))
    }

    fn dialect(&self) -> Dialect {
        Dialect {
            format: Some("geojson".to_owned()),
            encoding: "UTF-8".to_owned(),
            geometry: self.geometry,
            ..Dialect::default()
        }
    }
}

/// A top-level member of the collection that matters.
enum Member {
    Type(String),
    Crs(String),
    /// The `features` array: its features follow.
    Features,
}

/// Why a file could not be read on.
#[derive(Debug)]
enum ScanError {
    Io(io::Error),
    /// Not JSON, or JSON of the wrong shape: what was expected.
    Syntax(&'static str),
    /// A feature larger than the limit, or nested too deep.
    TooLarge,
    TooDeep,
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

impl ScanError {
    fn issue(self) -> Issue {
        match self {
            ScanError::Io(e) => source::unreadable(&e),
            ScanError::Syntax(what) => unreadable(
                format!("Filen kunde inte läsas som GeoJSON: {what} väntades. Exportera lagret igen."),
                format!(
                    "The file could not be read as GeoJSON: {what} was expected. Export the layer again."
                ),
            ),
            ScanError::TooLarge => unreadable(
                "En del av filen är större än gränsen. Exportera lagret igen.".to_owned(),
                "A part of the file is larger than the limit. Export the layer again.".to_owned(),
            ),
            ScanError::TooDeep => unreadable(
                format!("Filen är nästlad djupare än {MAX_DEPTH} nivåer. Exportera lagret igen."),
                format!("The file nests deeper than {MAX_DEPTH} levels. Export the layer again."),
            ),
        }
    }

    /// The issue, naming the feature where reading stopped (the file is refused whole).
    fn at_feature(self, number: u64) -> Issue {
        let mut issue = self.issue();
        issue.message.sv = format!("Objekt {number}: {}", issue.message.sv);
        issue.message.en = format!("Feature {number}: {}", issue.message.en);
        issue
    }
}

/// A pull reader of a FeatureCollection's structure: its top-level members one by one, then
/// each feature's bytes.
struct Scanner<R: Read> {
    input: BufReader<R>,
    /// Inside the `features` array: no feature read yet (`Some(true)`), or some (`Some(false)`).
    in_features: Option<bool>,
    started: bool,
}

impl<R: Read> Scanner<R> {
    fn new(input: R) -> Self {
        Self {
            input: BufReader::with_capacity(64 * 1024, input),
            in_features: None,
            started: false,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            let buf = self.input.fill_buf()?;
            let Some(&b) = buf.first() else {
                return Ok(None);
            };
            if b.is_ascii_whitespace() {
                self.input.consume(1);
            } else if buf.starts_with(b"\xEF\xBB\xBF") {
                self.input.consume(3);
            } else {
                return Ok(Some(b));
            }
        }
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), ScanError> {
        if self.peek()? == Some(byte) {
            self.input.consume(1);
            Ok(())
        } else {
            Err(ScanError::Syntax(what))
        }
    }

    /// Reads on to the `features` array; `None` when the collection has none.
    fn seek_features(&mut self) -> Result<Option<()>, ScanError> {
        let mut buf = Vec::new();
        loop {
            match self.next_member(&mut buf)? {
                None => return Ok(None),
                Some(Member::Features) => return Ok(Some(())),
                Some(_) => {}
            }
        }
    }

    /// The next top-level member that matters, skipping the others; `None` at the end.
    fn next_member(&mut self, buf: &mut Vec<u8>) -> Result<Option<Member>, ScanError> {
        if self.in_features.is_some() {
            // Whatever features are left are skipped.
            while self.next_feature(buf, usize::MAX)? {}
        }
        loop {
            if !self.started {
                self.expect(b'{', "ett objekt / an object")?;
                self.started = true;
                if self.peek()? == Some(b'}') {
                    self.input.consume(1);
                    return Ok(None);
                }
            } else {
                match self.peek()? {
                    Some(b',') => self.input.consume(1),
                    Some(b'}') | None => return Ok(None),
                    _ => return Err(ScanError::Syntax("\",\" eller/or \"}\"")),
                }
            }
            buf.clear();
            self.value(buf, MEMBER_BYTES)?;
            let key: String =
                serde_json::from_slice(buf).map_err(|_| ScanError::Syntax("en nyckel / a key"))?;
            self.expect(b':', "\":\"")?;
            match key.as_str() {
                "features" => {
                    self.expect(b'[', "en lista av objekt / an array of features")?;
                    self.in_features = Some(true);
                    return Ok(Some(Member::Features));
                }
                "type" | "crs" | "spatialReference" => {
                    buf.clear();
                    self.value(buf, MEMBER_BYTES)?;
                    let value: serde_json::Value =
                        serde_json::from_slice(buf).map_err(|_| ScanError::Syntax("JSON"))?;
                    match key.as_str() {
                        "type" => return Ok(Some(Member::Type(text(&value)))),
                        _ => {
                            let name = value.pointer("/properties/name").map(text).or_else(|| {
                                value
                                    .get("latestWkid")
                                    .or(value.get("wkid"))
                                    .map(|w| format!("EPSG:{}", text(w)))
                            });
                            if let Some(name) = name {
                                return Ok(Some(Member::Crs(name)));
                            }
                        }
                    }
                }
                _ => self.skip()?,
            }
        }
    }

    /// Reads the next feature's bytes into `buf`; false after the last.
    fn next_feature(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<bool, ScanError> {
        let Some(first) = self.in_features else {
            return Ok(false);
        };
        match self.peek()? {
            Some(b']') => {
                self.input.consume(1);
                self.in_features = None;
                return Ok(false);
            }
            Some(b',') if !first => self.input.consume(1),
            _ if first => {}
            _ => return Err(ScanError::Syntax("\",\" eller/or \"]\"")),
        }
        self.in_features = Some(false);
        buf.clear();
        if max == usize::MAX {
            self.skip()?;
        } else {
            self.value(buf, max)?;
        }
        Ok(true)
    }

    /// Skips one value.
    fn skip(&mut self) -> Result<(), ScanError> {
        self.walk(&mut None, usize::MAX)
    }

    /// Copies one value's bytes into `out`.
    fn value(&mut self, out: &mut Vec<u8>, max: usize) -> Result<(), ScanError> {
        let mut sink = Some(std::mem::take(out));
        let result = self.walk(&mut sink, max);
        *out = sink.unwrap_or_default();
        result
    }

    /// Reads one JSON value, keeping its bytes in `out` if there is one: strings with their
    /// escapes, nesting counted. The value's own syntax is checked by whoever parses it.
    fn walk(&mut self, out: &mut Option<Vec<u8>>, max: usize) -> Result<(), ScanError> {
        if self.peek()?.is_none() {
            return Err(ScanError::Syntax("ett värde / a value"));
        }
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut kept = 0usize;
        let mut any = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(ScanError::Syntax("mer JSON / more JSON"));
            }
            let mut used = 0;
            let mut done = false;
            for &b in buf {
                if !in_string
                    && depth == 0
                    && (any || used > 0)
                    && (matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                {
                    done = true;
                    break;
                }
                used += 1;
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            done = true;
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(ScanError::TooDeep);
                        }
                    }
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            done = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(out) = out {
                kept += used;
                if kept > max {
                    return Err(ScanError::TooLarge);
                }
                out.extend_from_slice(&buf[..used]);
            }
            self.input.consume(used);
            any |= used > 0;
            if done {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's header, rows and warnings.
    type Read = (Vec<String>, Vec<Result<Row, RowError>>, Vec<Issue>);

    fn read(text: &str) -> Result<Read, Issue> {
        let Opened { mut reader, warnings } =
            GeoJson::open(Source::Bytes(text.as_bytes()), &Limits::default())?;
        let header = reader.header().unwrap();
        let mut rows = Vec::new();
        let mut row = Row::default();
        while let Some(next) = reader.next_row(&mut row) {
            rows.push(next.map(|()| row.clone()));
        }
        Ok((header, rows, warnings))
    }

    #[test]
    fn a_qgis_collection_reads_as_rows_with_their_position() {
        let text = r#"{
"type": "FeatureCollection",
"name": "badplatser",
"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::3006" } },
"features": [
{ "type": "Feature", "properties": { "NAMN": "Frökens udde", "KOMMUN": 1401.0, "TOALETT": null }, "geometry": { "type": "Point", "coordinates": [ 329841.2, 6396422.5, 0.0 ] } },
{ "type": "Feature", "properties": { "NAMN": "Gingsjön", "DJUP": 4.5 }, "geometry": { "type": "MultiPoint", "coordinates": [ [ 347000.0, 6393000.0 ] ] } },
{ "type": "Feature", "properties": null, "geometry": { "type": "LineString", "coordinates": [ [1, 2], [3, 4] ] } }
]
}"#;
        let (header, rows, warnings) = read(text).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(
            header,
            [
                "NAMN",
                "KOMMUN",
                "TOALETT",
                "DJUP",
                "latitude (SWEREF 99 TM)",
                "longitude (SWEREF 99 TM)"
            ]
        );
        let Ok(first) = &rows[0] else { panic!() };
        assert_eq!(first.number, 1);
        assert_eq!(
            first.cells,
            ["Frökens udde", "1401", "", "", "6396422.5", "329841.2"]
        );
        let Ok(second) = &rows[1] else { panic!() };
        assert_eq!(second.cells, ["Gingsjön", "", "", "4.5", "6393000", "347000"]);
        let Err(RowError::Malformed { row: 3, message }) = &rows[2] else {
            panic!("{:?}", rows[2])
        };
        assert!(message.en.contains("LineString"), "{}", message.en);
    }

    #[test]
    fn arcgis_json_and_members_in_any_order() {
        let text = r#"{"features":[{"attributes":{"OBJECTID":1,"NAME":"A"},"geometry":{"x":12.1,"y":57.6}}],"spatialReference":{"wkid":4326},"geometryType":"esriGeometryPoint"}"#;
        let (header, rows, _) = read(text).unwrap();
        assert_eq!(header, ["OBJECTID", "NAME", "latitude", "longitude"]);
        let Ok(row) = &rows[0] else { panic!() };
        assert_eq!(row.cells, ["1", "A", "57.6", "12.1"]);
    }

    #[test]
    fn other_json_is_refused_and_nesting_is_bounded() {
        let refused = |t: &str| read(t).err().unwrap().code;
        assert_eq!(
            refused(r#"{"type":"Feature","geometry":null}"#),
            IssueCode::UnsupportedFormat
        );
        assert_eq!(
            refused(r#"{"type":"FeatureCollection","features":{}}"#),
            IssueCode::FormatError
        );
        let deep = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            "[".repeat(100)
        );
        let issue = read(&deep).err().unwrap();
        assert!(issue.message.en.contains("nests deeper"), "{}", issue.message.en);
        assert_eq!(declared_crs("urn:ogc:def:crs:OGC:1.3:CRS84"), Ok(Crs::Wgs84));
        assert_eq!(declared_crs("EPSG:3008"), Ok(Crs::Sweref99Local(3008)));
        assert_eq!(declared_crs("EPSG:25833"), Err("EPSG:25833".to_owned()));
    }
}
