//! Query parameters of the item lists (REST collections, a dataset's items, OGC items): parsed
//! from the raw query string into a [`CollectionQuery`] plus paging and format, checked strictly.
//!
//! Rules every parameter follows: an unknown name is a 400 naming it (a typo such as `toilets`
//! never silently returns everything); an empty value means the parameter is not given (as HTML
//! forms send it); list parameters take comma-separated values and may repeat; any other
//! parameter may appear once.
//!
//! Every parameter is bounded: `q` at [`MAX_Q_CHARS`] characters, a list parameter at
//! [`MAX_LIST_VALUES`] values (over all its repeats) of at most [`MAX_VALUE_CHARS`] characters
//! each; past a bound the request is a 400 naming the parameter and the bound, before any
//! value is looked at. A refusal quotes what was sent only cut to [`shown`]'s length. The bounds
//! are part of the published API (the OpenAPI document states them), so they are constants
//! rather than settings.

use crate::error::ApiError;
use crate::http::crs::{self, OgcCrs};
use crate::profile::{ACCESS_VALUES, ColumnType, Profile};
use crate::reference;
use crate::service::time::parse_instant;
use crate::service::{BBox, CollectionQuery, Near, PropertyFilter};
use crate::text::fold;
use serde_json::Value as Json;

/// Default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size; larger requests are clamped to it.
pub const MAX_LIMIT: usize = 1000;
/// Default `radius` of `near`, metres.
pub const DEFAULT_RADIUS_M: f64 = 5_000.0;
/// Largest `radius`, metres: all of Sweden from its middle.
pub const MAX_RADIUS_M: f64 = 1_000_000.0;

/// Which API the parameters belong to; they differ in a few names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `/api/v1`: `format`, `updated_since`.
    Rest,
    /// `/ogc`: `f`, `datetime`.
    Ogc,
}

/// The parameters common to both APIs, besides the profile's property filters.
pub const COMMON: &[&str] = &[
    "municipality",
    "county",
    "dataset",
    "q",
    "bbox",
    "near",
    "radius",
    "limit",
    "cursor",
    "count",
];

/// A parsed list request.
#[derive(Debug, Default)]
pub struct ListRequest {
    pub query: CollectionQuery,
    pub limit: usize,
    pub cursor: Option<String>,
    /// Whether the total number of matches was asked for.
    pub count: bool,
    /// The format named by `format` (REST) or `f` (OGC), if any.
    pub format: Option<String>,
    /// Things the client should know about how its request was read (a clamped `limit`).
    pub notices: Vec<String>,
    /// The CRS asked for with `crs` (OGC only).
    pub crs: Option<OgcCrs>,
}

/// The value of the one parameter a resource takes, given at most once; any other parameter
/// is a 400 naming it.
pub fn single(pairs: &[(String, String)], name: &str) -> Result<Option<String>, ApiError> {
    let mut value = None;
    for (k, v) in pairs {
        if k != name || value.is_some() {
            let k = shown(k);
            return Err(bad(
                &k,
                format!("`{k}` is not a parameter here; this resource takes only `{name}`, once."),
            ));
        }
        value = Some(v.clone());
    }
    Ok(value)
}

/// For resources that take no query parameters: a 400 naming the first one given, if any.
pub fn none(query_string: &str, detail: &str) -> Result<(), ApiError> {
    if query_string.is_empty() {
        return Ok(());
    }
    Err(bad(
        &shown(query_string.split(['=', '&']).next().unwrap_or_default()),
        detail.to_owned(),
    ))
}

/// Every parameter name a list accepts.
pub fn known_names(profiles: &[&Profile], api: Api) -> Vec<String> {
    let mut names: Vec<String> = COMMON.iter().map(|s| (*s).to_owned()).collect();
    match api {
        Api::Rest => names.extend(["updated_since".to_owned(), "format".to_owned()]),
        Api::Ogc => names.extend(
            ["datetime", "f", "crs", "bbox-crs"]
                .into_iter()
                .map(str::to_owned),
        ),
    }
    for p in profiles {
        for c in p.filter_columns() {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    names
}

/// The grammar of the parameters whose values have one: the OpenAPI document publishes these
/// patterns and the parser checks values against the same ones, so the two cannot drift.
pub mod grammar {
    macro_rules! num {
        () => {
            r"-?[0-9]+(\.[0-9]+)?"
        };
    }
    macro_rules! lat {
        () => {
            r"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
        };
    }
    macro_rules! lon {
        () => {
            r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"
        };
    }
    macro_rules! instant {
        () => {
            r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?"
        };
    }
    /// `minLon,minLat,maxLon,maxLat`, optionally with heights (six numbers).
    pub const BBOX: &str = concat!(
        "^",
        num!(),
        ",",
        num!(),
        ",",
        num!(),
        ",",
        num!(),
        "(,",
        num!(),
        ",",
        num!(),
        ")?$"
    );
    /// `lat,lon` in WGS84 decimal degrees.
    pub const NEAR: &str = concat!("^", lat!(), ",", lon!(), "$");
    /// A date or an RFC 3339 date-time with `Z` or an offset.
    pub const INSTANT: &str = concat!("^", instant!(), "$");
    /// An instant, or an interval with `..` for an open end.
    pub const DATETIME: &str = concat!(
        "^(",
        instant!(),
        "|",
        instant!(),
        "/",
        instant!(),
        "|",
        instant!(),
        r"/\.\.|\.\./",
        instant!(),
        ")$"
    );
    /// A cursor: unpadded base64url.
    pub const CURSOR: &str = r"^([A-Za-z0-9_-]{4})*([A-Za-z0-9_-]{2,3})?$";
    /// A whole number.
    pub const WHOLE: &str = r"^[0-9]+$";

    /// Whether `value` is in the language of `pattern` (one of the constants above).
    pub fn matches(pattern: &'static str, value: &str) -> bool {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        static CACHE: OnceLock<Mutex<HashMap<&'static str, regex::Regex>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry(pattern)
            .or_insert_with(|| {
                regex::Regex::new(pattern).expect("the grammar's patterns are valid (unit-tested)")
            })
            .is_match(value)
    }
}

fn bad(name: &str, detail: String) -> ApiError {
    ApiError::parameter(name, detail)
}

/// Parses the raw query pairs of a list request.
///
/// Values are taken exactly as sent (no trimming): what the OpenAPI document allows is what is
/// accepted. An empty value of a text or list parameter means it is not given.
pub fn parse(pairs: &[(String, String)], profiles: &[&Profile], api: Api) -> Result<ListRequest, ApiError> {
    let known = known_names(profiles, api);
    let mut seen: Vec<&str> = Vec::new();
    let mut out = ListRequest {
        limit: DEFAULT_LIMIT,
        ..Default::default()
    };
    let mut near: Option<(f64, f64)> = None;
    let mut radius: Option<f64> = None;
    let mut bbox: Option<[f64; 4]> = None;
    let mut bbox_crs: Option<OgcCrs> = None;
    // Values taken so far by each list parameter.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (name, value) in pairs {
        let name = name.as_str();
        if !known.iter().any(|k| k == name) {
            let name = shown(name);
            return Err(bad(
                &name,
                format!(
                    "Unknown parameter `{name}`. This list accepts: {}.",
                    known.join(", ")
                ),
            ));
        }
        let column = profiles
            .iter()
            .filter_map(|p| p.column(name))
            .find(|c| c.is_filter());
        let is_list = matches!(name, "municipality" | "county" | "dataset")
            || column.is_some_and(|c| c.kind != ColumnType::Boolean);
        if !is_list {
            if seen.contains(&name) {
                return Err(bad(name, format!("`{name}` may be given only once.")));
            }
            seen.push(name);
        }
        let value = value.as_str();
        // An empty list of codes (or text, or cursor) means no filter; a property filter takes at
        // least one value.
        if value.is_empty() && matches!(name, "municipality" | "county" | "dataset" | "q" | "cursor") {
            continue;
        }
        // Every value-list parameter is bounded (a boolean filter takes a list too, of two
        // values at most that mean anything).
        let values = if is_list || column.is_some() {
            let at = match counts.iter().position(|(n, _)| *n == name) {
                Some(at) => at,
                None => {
                    counts.push((name, 0));
                    counts.len() - 1
                }
            };
            list_values(name, value, &mut counts[at].1)?
        } else {
            Vec::new()
        };
        let q = &mut out.query;
        match name {
            "municipality" => {
                for code in values {
                    let known = code.len() == 4 && reference::municipality(code).is_some();
                    if !known {
                        return Err(bad(
                            "municipality",
                            format!(
                                "`{code}` is not a Swedish municipality code: four digits, e.g. 1401 for Härryda or 0180 for Stockholm."
                            ),
                        ));
                    }
                    push_unique(&mut q.municipalities, code.to_owned());
                }
            }
            "county" => {
                for code in values {
                    if code.len() != 2 || !reference::municipalities().iter().any(|m| m.county_code == code) {
                        return Err(bad(
                            "county",
                            format!(
                                "`{code}` is not a Swedish county (län) code: two digits, e.g. 14 for Västra Götalands län."
                            ),
                        ));
                    }
                    push_unique(&mut q.counties, code.to_owned());
                }
            }
            "dataset" => {
                for id in values.into_iter().filter(|s| !s.is_empty()) {
                    push_unique(&mut q.datasets, id.to_owned());
                }
            }
            "q" => {
                check_q(value)?;
                q.words = fold(value).split_whitespace().map(str::to_owned).collect();
            }
            "bbox" => bbox = Some(parse_bbox_values(value)?),
            "bbox-crs" => bbox_crs = Some(parse_crs("bbox-crs", value)?),
            "crs" => out.crs = Some(parse_crs("crs", value)?),
            "near" => near = Some(parse_point(value)?),
            "radius" => radius = Some(parse_radius(value)?),
            "updated_since" => q.updated_since = Some(parse_updated_since(value)?),
            "datetime" => {
                let (from, to) = parse_datetime(value)?;
                q.updated_since = from;
                q.updated_until = to;
            }
            "limit" => {
                let (limit, clamped) = parse_limit(value)?;
                out.limit = limit;
                if clamped {
                    out.notices.push(format!(
                        "`limit={}` is above the maximum page size; {MAX_LIMIT} was used. Follow the `next` links for more.",
                        shown(value)
                    ));
                }
            }
            "cursor" => {
                if !grammar::matches(grammar::CURSOR, value) {
                    return Err(bad("cursor", "`cursor` is not a cursor this API issued; follow the `next` link of the previous page.".into()));
                }
                out.cursor = Some(value.to_owned());
            }
            "count" => out.count = parse_bool("count", value)?,
            "format" | "f" => out.format = Some(value.to_owned()),
            _ => {
                let Some(col) = column else { continue };
                let mut accepted = Vec::new();
                for v in values {
                    accepted.push(property_value(col, v)?);
                }
                q.properties.push(PropertyFilter {
                    column: col.name.clone(),
                    accepted,
                });
            }
        }
    }
    match (near, radius) {
        (Some((lat, lon)), r) => {
            out.query.near = Some(Near {
                lat,
                lon,
                radius_m: r.unwrap_or(DEFAULT_RADIUS_M),
            });
        }
        (None, Some(_)) => out
            .notices
            .push("`radius` has no effect without `near=lat,lon`, the point to measure from.".into()),
        (None, None) => {}
    }
    match (bbox, bbox_crs) {
        (Some(values), crs) => {
            let (envelope, region) = crs::bbox_query(values, crs.unwrap_or(OgcCrs::Crs84))
                .map_err(|e| bad("bbox-crs", format!("The box cannot be converted: {e}.")))?;
            out.query.bbox = Some(envelope);
            out.query.region = region;
        }
        (None, Some(_)) => out
            .notices
            .push("`bbox-crs` has no effect without `bbox`, the box it is the CRS of.".into()),
        (None, None) => {}
    }
    Ok(out)
}

/// `crs` or `bbox-crs`: one of the CRS URIs the OGC API offers.
fn parse_crs(name: &str, value: &str) -> Result<OgcCrs, ApiError> {
    OgcCrs::parse(value).ok_or_else(|| {
        bad(
            name,
            format!(
                "`{}` is not a CRS offered here. `{name}` takes one of: {}.",
                shown(value),
                OgcCrs::uris().join(", ")
            ),
        )
    })
}

/// The longest `q`, in characters (REST, OGC and the home page).
pub const MAX_Q_CHARS: usize = 200;
/// The most values one list parameter (`municipality`, `county`, `dataset`, a property
/// filter) takes, counted over all its repeats.
pub const MAX_LIST_VALUES: usize = 100;
/// The longest value in a list parameter, in characters.
pub const MAX_VALUE_CHARS: usize = 100;
/// The most characters of a value (or name) a refusal quotes.
const SHOWN_CHARS: usize = 60;

/// `s` as a refusal quotes it: cut after [`SHOWN_CHARS`] characters (with `…`), so an answer
/// never grows with what was sent.
pub fn shown(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// The refusal of a `q` longer than [`MAX_Q_CHARS`], if it is.
pub fn check_q(value: &str) -> Result<(), ApiError> {
    if value.chars().count() > MAX_Q_CHARS {
        return Err(bad(
            "q",
            format!("`q` may be at most {MAX_Q_CHARS} characters long."),
        ));
    }
    Ok(())
}

/// The values of one occurrence of a list parameter, counted into `count` (the values of its
/// earlier occurrences): refused past [`MAX_LIST_VALUES`] values or [`MAX_VALUE_CHARS`]
/// characters in one value.
fn list_values<'v>(name: &str, value: &'v str, count: &mut usize) -> Result<Vec<&'v str>, ApiError> {
    let mut values = Vec::new();
    for v in value.split(',') {
        *count += 1;
        if *count > MAX_LIST_VALUES {
            return Err(bad(
                name,
                format!("`{name}` takes at most {MAX_LIST_VALUES} values (comma separated or repeated)."),
            ));
        }
        if v.chars().count() > MAX_VALUE_CHARS {
            return Err(bad(
                name,
                format!(
                    "A value of `{name}` may be at most {MAX_VALUE_CHARS} characters long; `{}` is longer.",
                    shown(v)
                ),
            ));
        }
        values.push(v);
    }
    Ok(values)
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// `limit`: a whole number of at least 1; above [`MAX_LIMIT`] it is clamped (the flag says so).
pub fn parse_limit(s: &str) -> Result<(usize, bool), ApiError> {
    let digits = s.trim_start_matches('0');
    if !grammar::matches(grammar::WHOLE, s) || digits.is_empty() {
        return Err(bad(
            "limit",
            format!(
                "`limit` must be a whole number from 1 to {MAX_LIMIT}, not `{}`.",
                shown(s)
            ),
        ));
    }
    match digits.parse::<u64>() {
        Ok(n) if n <= MAX_LIMIT as u64 => Ok((n as usize, false)),
        // Above the maximum (or even above u64): clamped.
        _ => Ok((MAX_LIMIT, true)),
    }
}

fn parse_bool(name: &str, s: &str) -> Result<bool, ApiError> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(
            name,
            format!("`{name}` must be `true` or `false`, not `{}`.", shown(s)),
        )),
    }
}

/// `near=lat,lon`.
fn parse_point(s: &str) -> Result<(f64, f64), ApiError> {
    let parsed = grammar::matches(grammar::NEAR, s)
        .then(|| s.split_once(','))
        .flatten()
        .and_then(|(a, b)| Some((a.parse::<f64>().ok()?, b.parse::<f64>().ok()?)));
    parsed.ok_or_else(|| {
        bad(
            "near",
            format!("`near` is `latitude,longitude` in WGS84 decimal degrees (latitude -90..90, longitude -180..180), e.g. `57.70,11.97`; got `{}`.", shown(s)),
        )
    })
}

fn parse_radius(s: &str) -> Result<f64, ApiError> {
    s.parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_RADIUS_M)
        .ok_or_else(|| {
            bad(
                "radius",
                format!(
                    "`radius` is a distance in metres, more than 0 and at most {MAX_RADIUS_M}; got `{}`.",
                    shown(s)
                ),
            )
        })
}

/// `bbox=minLon,minLat,maxLon,maxLat` (or six numbers with heights, which are ignored). A box
/// whose minimum longitude is above its maximum crosses the antimeridian; one whose minimum
/// latitude is above its maximum contains nothing.
pub fn parse_bbox(s: &str) -> Result<BBox, ApiError> {
    let [min_lon, min_lat, max_lon, max_lat] = parse_bbox_values(s)?;
    Ok(BBox {
        min_lon,
        min_lat,
        max_lon,
        max_lat,
    })
}

/// The four corner values of `bbox` (of six, the heights dropped), in the order given.
fn parse_bbox_values(s: &str) -> Result<[f64; 4], ApiError> {
    let v: Vec<f64> = if grammar::matches(grammar::BBOX, s) {
        s.split(',').filter_map(|p| p.parse().ok()).collect()
    } else {
        Vec::new()
    };
    match v.as_slice() {
        [a, b, c, d] => Ok([*a, *b, *c, *d]),
        [a, b, _, d, e, _] => Ok([*a, *b, *d, *e]),
        _ => Err(bad(
            "bbox",
            format!(
                "`bbox` is four numbers `minLon,minLat,maxLon,maxLat` in WGS84 decimal degrees, e.g. `11.8,57.6,12.1,57.8` (or six with heights; with `bbox-crs`, the lower and upper corner in that CRS's axis order); got `{}`.",
                shown(s)
            ),
        )),
    }
}

fn parse_updated_since(s: &str) -> Result<i64, ApiError> {
    grammar::matches(grammar::INSTANT, s)
        .then(|| parse_instant(s))
        .flatten()
        .ok_or_else(|| {
            bad(
                "updated_since",
                format!(
                    "`{}` is not a date (2024-06-01) or an RFC 3339 date-time (2024-06-01T12:00:00Z).",
                    shown(s)
                ),
            )
        })
}

/// OGC `datetime`: an instant, or an interval `start/end` with `..` for an open end. A date as
/// an instant means that whole day. Returns inclusive bounds in epoch seconds; an interval that
/// ends before it starts contains nothing.
fn parse_datetime(s: &str) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let bad_value = || {
        bad(
            "datetime",
            format!(
                "`{}` is not an RFC 3339 date-time or interval (`2024-06-01T00:00:00Z`, `2024-06-01/2024-06-30`, `2024-06-01/..`, `../2024-06-30`).",
                shown(s)
            ),
        )
    };
    if !grammar::matches(grammar::DATETIME, s) {
        return Err(bad_value());
    }
    let bound = |part: &str, end: bool| -> Result<Option<i64>, ApiError> {
        if part == ".." {
            return Ok(None);
        }
        let t = parse_instant(part).ok_or_else(bad_value)?;
        Ok(Some(if end && part.len() == 10 { t + 86_399 } else { t }))
    };
    match s.split_once('/') {
        None => {
            let from = bound(s, false)?.ok_or_else(bad_value)?;
            let to = if s.len() == 10 { from + 86_399 } else { from };
            Ok((Some(from), Some(to)))
        }
        Some((a, b)) => Ok((bound(a, false)?, bound(b, true)?)),
    }
}

/// A value of a property filter, as the item's JSON holds it.
fn property_value(col: &crate::profile::Column, v: &str) -> Result<Json, ApiError> {
    match col.kind {
        ColumnType::Boolean => parse_bool(&col.name, v).map(Json::Bool),
        // `true` and `false` name `yes` and `no`, as before the values were strings.
        ColumnType::Access => match v {
            "true" => Ok(Json::String("yes".into())),
            "false" => Ok(Json::String("no".into())),
            _ if ACCESS_VALUES.contains(&v) => Ok(Json::String(v.to_owned())),
            _ => Err(bad(
                &col.name,
                format!(
                    "`{}` takes `yes`, `limited` or `no` (or `true`, `false`), not `{v}`.",
                    col.name
                ),
            )),
        },
        _ => col
            .values
            .iter()
            .find(|allowed| *allowed == v)
            .map(|c| Json::String(c.clone()))
            .ok_or_else(|| {
                bad(
                    &col.name,
                    format!(
                        "`{v}` is not a value of `{}`; use one of: {}.",
                        col.name,
                        col.values.join(", ")
                    ),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(q).unwrap()
    }

    fn rest(q: &str) -> Result<ListRequest, ApiError> {
        parse(
            &pairs(q),
            &[crate::profile::get("bathing-sites").unwrap()],
            Api::Rest,
        )
    }

    fn fails_on(q: &str) -> String {
        rest(q).unwrap_err().parameter_name().unwrap().to_owned()
    }

    #[test]
    fn filters_are_parsed() {
        let r = rest("municipality=1401,0114&municipality=1480&county=14&q=%C3%96stra%20Udde&toilet=true&wheelchair=limited,true&watertype=lake&near=57.7,11.97&radius=2500&updated_since=2024-06-01&limit=5000&count=true&format=geojson&dataset=harryda-badplatser").unwrap();
        let q = &r.query;
        assert_eq!(q.municipalities, ["1401", "0114", "1480"]);
        assert_eq!(q.counties, ["14"]);
        assert_eq!(q.datasets, ["harryda-badplatser"]);
        assert_eq!(q.words, ["ostra", "udde"]);
        assert_eq!(q.properties.len(), 3);
        assert_eq!(q.properties[2].accepted, [Json::String("lake".into())]);
        assert_eq!(
            q.near,
            Some(Near {
                lat: 57.7,
                lon: 11.97,
                radius_m: 2500.0
            })
        );
        assert_eq!(q.updated_since, parse_instant("2024-06-01"));
        assert_eq!(
            (r.limit, r.count, r.format.as_deref()),
            (1000, true, Some("geojson"))
        );
        assert_eq!(r.notices.len(), 1);
    }

    #[test]
    fn empty_text_and_list_values_are_not_given() {
        let r = rest("municipality=&q=&cursor=&county=&dataset=").unwrap();
        assert!(r.query.municipalities.is_empty() && r.query.properties.is_empty());
        assert_eq!(r.limit, DEFAULT_LIMIT);
        for q in [
            "wheelchair=",
            "watertype=",
            "limit=",
            "count=",
            "toilet=",
            "bbox=",
            "near=",
            "updated_since=",
            "format=",
        ] {
            let name = q.trim_end_matches('=');
            if name == "format" {
                assert!(rest(q).is_ok(), "format is checked against the offers");
            } else {
                assert_eq!(fails_on(q), name, "{q}");
            }
        }
    }

    #[test]
    fn each_bad_value_names_its_parameter() {
        for (q, name) in [
            ("toilets=true", "toilets"),
            ("municipality=9999", "municipality"),
            ("municipality=114", "municipality"),
            ("municipality=%201401", "municipality"),
            ("county=99", "county"),
            ("toilet=maybe", "toilet"),
            ("toilet=True", "toilet"),
            ("toilet=true&toilet=false", "toilet"),
            ("watertype=pool", "watertype"),
            ("watertype=Lake", "watertype"),
            ("bbox=1,2,3", "bbox"),
            ("bbox=1,2,3,4,5", "bbox"),
            ("bbox=11,NaN,12,57", "bbox"),
            ("bbox=1e1,2,3,4", "bbox"),
            ("near=57.7", "near"),
            ("near=97,11", "near"),
            ("near=57,181", "near"),
            ("near=057,11", "near"),
            ("near=57,11&radius=-1", "radius"),
            ("near=57,11&radius=1e9", "radius"),
            ("near=57,11&radius=inf", "radius"),
            ("limit=0", "limit"),
            ("limit=-3", "limit"),
            ("limit=ten", "limit"),
            ("limit=+5", "limit"),
            ("limit=5&limit=6", "limit"),
            ("count=yes", "count"),
            ("cursor=a", "cursor"),
            ("cursor=a%2Bb", "cursor"),
            ("updated_since=yesterday", "updated_since"),
            ("updated_since=2024-06-01T12:00:00", "updated_since"),
            ("datetime=2024-01-01", "datetime"),
        ] {
            assert_eq!(fails_on(q), name, "{q}");
        }
    }

    #[test]
    fn list_parameters_and_q_are_bounded() {
        // At the bound: accepted; one value more (over repeats too): refused, naming the bound.
        let at = |n: usize| vec!["1401"; n].join(",");
        assert!(rest(&format!("municipality={}", at(MAX_LIST_VALUES))).is_ok());
        for q in [
            format!("municipality={}", at(MAX_LIST_VALUES + 1)),
            format!("municipality={}&municipality=1401", at(MAX_LIST_VALUES)),
        ] {
            let e = rest(&q).unwrap_err();
            assert_eq!(e.parameter_name(), Some("municipality"));
            assert!(e.detail.contains(&MAX_LIST_VALUES.to_string()), "{}", e.detail);
        }
        let ids = |n: usize, len: usize| vec!["d".repeat(len); n].join(",");
        assert!(rest(&format!("dataset={}", ids(MAX_LIST_VALUES, MAX_VALUE_CHARS))).is_ok());
        assert_eq!(
            fails_on(&format!("dataset={}", ids(MAX_LIST_VALUES + 1, 2))),
            "dataset"
        );
        let long = rest(&format!("dataset={}", ids(1, MAX_VALUE_CHARS + 1))).unwrap_err();
        assert!(long.detail.contains(&MAX_VALUE_CHARS.to_string()));
        assert!(long.detail.len() < 300, "the refusal quotes the value cut short");
        assert_eq!(
            fails_on(&format!("toilet={}", vec!["true"; MAX_LIST_VALUES + 1].join(","))),
            "toilet"
        );
        assert_eq!(
            fails_on(&format!(
                "watertype={}",
                vec!["lake"; MAX_LIST_VALUES + 1].join(",")
            )),
            "watertype"
        );
        assert!(rest(&format!("q={}", "å".repeat(MAX_Q_CHARS))).is_ok());
        assert_eq!(fails_on(&format!("q={}", "å".repeat(MAX_Q_CHARS + 1))), "q");
        // An unknown name, or a bad value, is quoted cut short.
        let e = rest(&format!("{}=1", "x".repeat(100_000))).unwrap_err();
        assert!(e.detail.len() < 1_000 && e.parameter_name().unwrap().chars().count() <= SHOWN_CHARS + 1);
        let e = rest(&format!("bbox={}", "1".repeat(100_000))).unwrap_err();
        assert!(e.detail.len() < 1_000, "{}", e.detail.len());
    }

    #[test]
    fn lenient_where_the_answer_is_simply_empty() {
        // A box north of its own top contains nothing; a radius without a point is ignored,
        // with a notice; an unknown dataset matches nothing.
        assert!(rest("bbox=11,58,12,57").is_ok());
        assert_eq!(rest("radius=5").unwrap().notices.len(), 1);
        assert!(rest("dataset=nope").is_ok());
        assert!(rest("bbox=-11.5,58,12,57.25,0,100").is_ok());
        assert!(rest("near=-90,180").is_ok() && rest("near=0.5,-179.99").is_ok());
    }

    #[test]
    fn ogc_datetime_takes_instants_and_intervals() {
        let ogc = |q: &str| {
            parse(
                &pairs(q),
                &[crate::profile::get("bathing-sites").unwrap()],
                Api::Ogc,
            )
        };
        let day = parse_instant("2024-06-01").unwrap();
        let r = ogc("datetime=2024-06-01").unwrap();
        assert_eq!(
            (r.query.updated_since, r.query.updated_until),
            (Some(day), Some(day + 86_399))
        );
        let r = ogc("datetime=2024-06-01T00:00:00Z/..").unwrap();
        assert_eq!((r.query.updated_since, r.query.updated_until), (Some(day), None));
        let r = ogc("datetime=../2024-06-01").unwrap();
        assert_eq!(
            (r.query.updated_since, r.query.updated_until),
            (None, Some(day + 86_399))
        );
        assert!(ogc("datetime=2024-06-02/2024-06-01").is_ok());
        for bad in [
            "datetime=soon",
            "datetime=/",
            "datetime=../..",
            "datetime=2024-06-01/",
        ] {
            assert_eq!(ogc(bad).unwrap_err().parameter_name(), Some("datetime"), "{bad}");
        }
        assert_eq!(ogc("format=json").unwrap_err().parameter_name(), Some("format"));
    }

    #[test]
    fn limits_are_clamped_or_refused() {
        assert_eq!(parse_limit("7").unwrap(), (7, false));
        assert_eq!(parse_limit("1000").unwrap(), (1000, false));
        assert_eq!(parse_limit("5000").unwrap(), (1000, true));
        assert_eq!(parse_limit("99999999999999999999999").unwrap(), (1000, true));
        for bad in ["0", "-1", "x", "1.5", "00", " 5"] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grammar_patterns_compile_and_mean_what_they_say() {
        use grammar::*;
        for p in [BBOX, NEAR, INSTANT, DATETIME, CURSOR, WHOLE] {
            regex::Regex::new(p).unwrap();
        }
        assert!(matches(INSTANT, "2024-06-01T12:00:00.5+02:00") && !matches(INSTANT, "2024-06-01T12:00:60Z"));
        assert!(matches(CURSOR, "") && matches(CURSOR, "aWQ") && !matches(CURSOR, "a"));
    }
}
