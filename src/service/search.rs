//! Searching a collection: the filters the REST and OGC APIs offer, evaluated over the read
//! model's indexes, in a stable order, paged with opaque cursors. Pure: no I/O, no HTTP.
//!
//! Order: by item id, or by distance then id when the query has `near`. A cursor names the last
//! item of a page by its sort key, so paging never skips or repeats an item, however deep, and
//! a cursor stays valid across publishes (items published after it simply appear in place).
//! A cursor carries a check, so one this API did not issue is refused rather than read as some
//! made-up position.

use crate::service::grid::{self, EARTH_RADIUS_M};
use crate::service::read_model::{Collection, Entry};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

/// A WGS84 bounding box; `min_lon > max_lon` crosses the antimeridian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub fn point(lon: f64, lat: f64) -> Self {
        Self {
            min_lon: lon,
            min_lat: lat,
            max_lon: lon,
            max_lat: lat,
        }
    }

    pub fn expanded(self, lon: f64, lat: f64) -> Self {
        Self {
            min_lon: self.min_lon.min(lon),
            min_lat: self.min_lat.min(lat),
            max_lon: self.max_lon.max(lon),
            max_lat: self.max_lat.max(lat),
        }
    }

    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        let lon_ok = if self.min_lon <= self.max_lon {
            (self.min_lon..=self.max_lon).contains(&lon)
        } else {
            lon >= self.min_lon || lon <= self.max_lon
        };
        lon_ok && (self.min_lat..=self.max_lat).contains(&lat)
    }
}

/// Items within `radius_m` metres of a point, nearest first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
}

/// Great-circle distance in metres (haversine on the mean Earth radius; within 0.5 % of the
/// ellipsoidal distance).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// An exact test of positions beyond the WGS84 `bbox` (a box drawn in a projected CRS, whose
/// WGS84 envelope is the `bbox`): `contains(lat, lon)`.
#[derive(Clone)]
pub struct Region(Arc<dyn Fn(f64, f64) -> bool + Send + Sync>);

impl Region {
    pub fn new(contains: impl Fn(f64, f64) -> bool + Send + Sync + 'static) -> Self {
        Self(Arc::new(contains))
    }

    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.0)(lat, lon)
    }
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Region(..)")
    }
}

/// An item property must have one of these values (`toilet=true`, `watertype=lake,sea`).
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyFilter {
    /// The profile column (the key in `properties`).
    pub column: String,
    pub accepted: Vec<Json>,
}

/// The filters of a collection query. Filters combine with AND; the values of one filter with OR.
#[derive(Clone, Debug, Default)]
pub struct CollectionQuery {
    /// Municipality codes.
    pub municipalities: Vec<String>,
    /// Two-digit county codes.
    pub counties: Vec<String>,
    /// Dataset ids.
    pub datasets: Vec<String>,
    /// Folded words that must all occur in the name or description.
    pub words: Vec<String>,
    pub properties: Vec<PropertyFilter>,
    pub bbox: Option<BBox>,
    /// Positions must also pass this test (with `bbox` as its envelope).
    pub region: Option<Region>,
    pub near: Option<Near>,
    /// Items updated at or after this instant (seconds since the epoch).
    pub updated_since: Option<i64>,
    /// Items updated at or before this instant (seconds since the epoch).
    pub updated_until: Option<i64>,
}

/// One item of a result, with its distance for `near` queries.
#[derive(Clone, Debug)]
pub struct Hit {
    pub entry: Arc<Entry>,
    pub distance_m: Option<f64>,
}

/// One page of a result.
#[derive(Clone, Debug)]
pub struct Page {
    pub hits: Vec<Hit>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many items match in all, when asked for.
    pub total: Option<usize>,
}

/// Why a query could not be run.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum SearchError {
    #[error("`cursor` is not a cursor this API issued; follow the `next` link of the previous page.")]
    BadCursor,
}

/// Unpadded base64url that also takes non-canonical trailing bits, so that every string of the
/// cursor grammar decodes.
const CURSOR_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// A decoded cursor: the sort key of the last item of the previous page.
///
/// Encoded as unpadded base64url of a kind byte (`i` by id, `d` by distance), the key, and a
/// check: the first [`CHECK_LEN`] bytes of the XXH3 hash of what precedes it. The check is not a
/// secret; it tells a cursor this API issued from garbage or a truncated copy, which would
/// otherwise name some made-up position and answer an empty "last" page. A cursor of the other
/// order (by id when the query has `near`, or the reverse) was issued for another query; it
/// starts that query from its first page.
///
/// A cursor stays valid across publishes: it names a sort key, not an offset, so paging resumes
/// after that key even when the item it names has since been deleted, and items that still
/// exist are neither skipped nor repeated.
#[derive(Clone, Debug, PartialEq)]
enum Cursor {
    Id(String),
    Distance(f64, String),
}

/// Bytes of the check at the end of an encoded cursor.
const CHECK_LEN: usize = 4;

fn cursor_check(body: &[u8]) -> [u8; CHECK_LEN] {
    let hash = xxhash_rust::xxh3::xxh3_64(body).to_be_bytes();
    let mut check = [0u8; CHECK_LEN];
    check.copy_from_slice(&hash[..CHECK_LEN]);
    check
}

impl Cursor {
    fn encode(&self) -> String {
        let mut raw = Vec::new();
        match self {
            Cursor::Id(id) => {
                raw.push(b'i');
                raw.extend_from_slice(id.as_bytes());
            }
            Cursor::Distance(d, id) => {
                raw.push(b'd');
                raw.extend_from_slice(&d.to_bits().to_be_bytes());
                raw.extend_from_slice(id.as_bytes());
            }
        }
        let check = cursor_check(&raw);
        raw.extend_from_slice(&check);
        CURSOR_ENGINE.encode(raw)
    }

    /// Decodes a cursor this API issued.
    fn decode(s: &str) -> Result<Self, SearchError> {
        let raw = CURSOR_ENGINE.decode(s).map_err(|_| SearchError::BadCursor)?;
        let split = raw.len().checked_sub(CHECK_LEN).ok_or(SearchError::BadCursor)?;
        let (body, check) = raw.split_at(split);
        if cursor_check(body) != check {
            return Err(SearchError::BadCursor);
        }
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| SearchError::BadCursor);
        match body.split_first() {
            Some((b'd', rest)) if rest.len() >= 8 => {
                let mut bits = [0u8; 8];
                bits.copy_from_slice(&rest[..8]);
                let d = f64::from_bits(u64::from_be_bytes(bits));
                if !(d.is_finite() && d >= 0.0) {
                    return Err(SearchError::BadCursor);
                }
                Ok(Cursor::Distance(d, text(&rest[8..])?))
            }
            Some((b'i', rest)) => Ok(Cursor::Id(text(rest)?)),
            _ => Err(SearchError::BadCursor),
        }
    }
}

impl CollectionQuery {
    /// Whether the query keeps every item (no filter at all), so a count needs no pass.
    fn filters_nothing(&self) -> bool {
        // Destructured, so that a new filter cannot be forgotten here.
        let CollectionQuery {
            municipalities,
            counties,
            datasets,
            words,
            properties,
            bbox,
            region,
            near,
            updated_since,
            updated_until,
        } = self;
        municipalities.is_empty()
            && counties.is_empty()
            && datasets.is_empty()
            && words.is_empty()
            && properties.is_empty()
            && bbox.is_none()
            && region.is_none()
            && near.is_none()
            && updated_since.is_none()
            && updated_until.is_none()
    }

    /// Whether an entry passes every filter but `near` (which [`Collection::search`] checks while
    /// it computes distances).
    fn keeps(&self, e: &Entry) -> bool {
        let v = &e.view;
        (self.municipalities.is_empty() || self.municipalities.contains(&v.municipality.code))
            && (self.counties.is_empty() || self.counties.iter().any(|c| c == e.county))
            && (self.datasets.is_empty() || self.datasets.contains(&v.dataset))
            && self.words.iter().all(|w| e.folded.contains(w.as_str()))
            && self.properties.iter().all(|f| {
                v.properties
                    .get(&f.column)
                    .is_some_and(|value| f.accepted.contains(value))
            })
            && self
                .bbox
                .is_none_or(|b| e.position().is_some_and(|(lat, lon)| b.contains(lat, lon)))
            && self
                .region
                .as_ref()
                .is_none_or(|r| e.position().is_some_and(|(lat, lon)| r.contains(lat, lon)))
            && self
                .updated_since
                .is_none_or(|since| e.updated_at.is_some_and(|t| t >= since))
            && self
                .updated_until
                .is_none_or(|until| e.updated_at.is_some_and(|t| t <= until))
    }
}

/// Where the candidates of a query come from, before they are materialized.
enum Source<'a> {
    /// Every item.
    All,
    /// One index list, used as it is.
    List(&'a [u32]),
    /// Several index lists, to be merged.
    Lists(Vec<&'a [u32]>),
    /// Ranges of the spatial grid.
    Grid(Vec<Range<usize>>),
}

/// Index lists as a source, with the number of positions they hold.
fn lists(wanted: Vec<&Vec<u32>>) -> (usize, Source<'_>) {
    let size = wanted.iter().map(|l| l.len()).sum();
    match wanted.as_slice() {
        [one] => (size, Source::List(one.as_slice())),
        _ => (size, Source::Lists(wanted.iter().map(|l| l.as_slice()).collect())),
    }
}

/// The positions worth checking: every match is among them.
enum Candidates<'a> {
    /// `0..n`: every item.
    All(u32),
    /// Ascending positions, unless the query is `near` (whose order comes from distances).
    Some(Cow<'a, [u32]>),
}

impl Candidates<'_> {
    fn len(&self) -> usize {
        match self {
            Candidates::All(n) => *n as usize,
            Candidates::Some(list) => list.len(),
        }
    }

    /// The candidates from index `start` on.
    fn iter_from(&self, start: usize) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Candidates::All(n) => Box::new(start as u32..*n),
            Candidates::Some(list) => Box::new(list[start.min(list.len())..].iter().copied()),
        }
    }

    /// The index of the first candidate at or after position `pos` (ascending candidates).
    fn index_of(&self, pos: u32) -> usize {
        match self {
            Candidates::All(n) => pos.min(*n) as usize,
            Candidates::Some(list) => list.partition_point(|p| *p < pos),
        }
    }
}

impl Collection {
    /// The smallest set of candidates that every match must be in. Sizes are compared before
    /// anything is merged or copied; `ordered` asks for ascending positions.
    fn candidates(&self, q: &CollectionQuery, ordered: bool) -> Candidates<'_> {
        let mut sources: Vec<(usize, Source<'_>)> = Vec::new();
        if !q.datasets.is_empty() {
            sources.push(lists(
                q.datasets.iter().filter_map(|d| self.by_dataset.get(d)).collect(),
            ));
        }
        if !q.municipalities.is_empty() {
            sources.push(lists(
                q.municipalities
                    .iter()
                    .filter_map(|m| self.by_municipality.get(m))
                    .collect(),
            ));
        }
        if !q.counties.is_empty() {
            sources.push(lists(
                self.by_municipality
                    .iter()
                    .filter(|(code, _)| q.counties.iter().any(|c| code.starts_with(c.as_str())))
                    .map(|(_, list)| list)
                    .collect(),
            ));
        }
        let ranges = match (q.near, q.bbox) {
            (Some(n), _) => Some(self.grid.circle_ranges(n.lat, n.lon, n.radius_m)),
            (None, Some(b)) => Some(self.grid.bbox_ranges(b.min_lon, b.min_lat, b.max_lon, b.max_lat)),
            (None, None) => None,
        };
        if let Some(ranges) = ranges {
            sources.push((grid::count(&ranges), Source::Grid(ranges)));
        }
        let best = sources.into_iter().min_by_key(|(size, _)| *size);
        match best.map(|(_, source)| source).unwrap_or(Source::All) {
            Source::All => Candidates::All(self.entries.len() as u32),
            Source::List(list) => Candidates::Some(Cow::Borrowed(list)),
            Source::Lists(lists) => {
                let mut all: Vec<u32> = lists.into_iter().flatten().copied().collect();
                if ordered {
                    all.sort_unstable();
                    all.dedup();
                }
                Candidates::Some(Cow::Owned(all))
            }
            Source::Grid(ranges) => {
                let mut all: Vec<u32> = self.grid.positions(&ranges).collect();
                if ordered {
                    all.sort_unstable();
                }
                Candidates::Some(Cow::Owned(all))
            }
        }
    }

    /// One page of the items matching `q`, after `cursor`, at most `limit` long; with the total
    /// number of matches when `count` is set.
    pub fn search(
        &self,
        q: &CollectionQuery,
        cursor: Option<&str>,
        limit: usize,
        count: bool,
    ) -> Result<Page, SearchError> {
        let cursor = cursor.filter(|c| !c.is_empty()).map(Cursor::decode).transpose()?;
        match q.near {
            Some(near) => {
                let candidates = self.candidates(q, false);
                self.search_near(q, near, &candidates, cursor, limit)
            }
            None => {
                let candidates = self.candidates(q, true);
                self.search_by_id(q, &candidates, cursor, limit, count)
            }
        }
    }

    fn search_by_id(
        &self,
        q: &CollectionQuery,
        candidates: &Candidates<'_>,
        cursor: Option<Cursor>,
        limit: usize,
        count: bool,
    ) -> Result<Page, SearchError> {
        let start = match cursor {
            None => 0,
            Some(Cursor::Id(id)) => {
                let pos = self.entries.partition_point(|e| e.view.id <= id) as u32;
                candidates.index_of(pos)
            }
            // A cursor of the nearest-first order (issued for a `near` query): from the start.
            Some(Cursor::Distance(..)) => 0,
        };
        let mut hits = Vec::with_capacity(limit.min(candidates.len()).min(1000));
        let mut more = false;
        for pos in candidates.iter_from(start) {
            let entry = &self.entries[pos as usize];
            if !q.keeps(entry) {
                continue;
            }
            if hits.len() == limit {
                more = true;
                break;
            }
            hits.push(Hit {
                entry: entry.clone(),
                distance_m: None,
            });
        }
        let next_cursor = more
            .then(|| hits.last().map(|h| Cursor::Id(h.entry.view.id.clone()).encode()))
            .flatten();
        // Counting is one pass over the candidates (none for an unfiltered list), cheap enough
        // for the OGC API to give `numberMatched` on every page.
        let total = count.then(|| match candidates {
            Candidates::All(n) if q.filters_nothing() => *n as usize,
            _ => candidates
                .iter_from(0)
                .filter(|p| q.keeps(&self.entries[*p as usize]))
                .count(),
        });
        Ok(Page {
            hits,
            next_cursor,
            total,
        })
    }

    fn search_near(
        &self,
        q: &CollectionQuery,
        near: Near,
        candidates: &Candidates<'_>,
        cursor: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, SearchError> {
        let after = match cursor {
            None => None,
            Some(Cursor::Distance(d, id)) => Some((d, id)),
            // A cursor of the id order (issued without `near`): from the start.
            Some(Cursor::Id(_)) => None,
        };
        let mut matches: Vec<(f64, &Arc<Entry>)> = candidates
            .iter_from(0)
            .filter_map(|pos| {
                let entry = &self.entries[pos as usize];
                let (lat, lon) = entry.position()?;
                let d = distance_m(near.lat, near.lon, lat, lon);
                (d <= near.radius_m && q.keeps(entry)).then_some((d, entry))
            })
            .collect();
        let total = matches.len();
        matches.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.view.id.cmp(&b.1.view.id)));
        let start = match &after {
            None => 0,
            Some((d, id)) => matches.partition_point(|(md, e)| {
                md.total_cmp(d)
                    .then_with(|| e.view.id.as_str().cmp(id.as_str()))
                    .is_le()
            }),
        };
        let rest = &matches[start..];
        let hits: Vec<Hit> = rest
            .iter()
            .take(limit)
            .map(|(d, e)| Hit {
                entry: (*e).clone(),
                distance_m: Some(*d),
            })
            .collect();
        let next_cursor = (rest.len() > limit)
            .then(|| {
                hits.last().map(|h| {
                    Cursor::Distance(h.distance_m.unwrap_or_default(), h.entry.view.id.clone()).encode()
                })
            })
            .flatten();
        Ok(Page {
            hits,
            next_cursor,
            total: Some(total),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{ItemView, MunicipalityRef};
    use crate::vocab::Iris;

    fn entry(i: usize) -> Arc<Entry> {
        let code = ["1401", "1480", "0180", "2580"][i % 4];
        let mut properties = serde_json::Map::new();
        properties.insert("toilet".into(), Json::Bool(i.is_multiple_of(3)));
        properties.insert("watertype".into(), Json::String(["lake", "sea"][i % 2].into()));
        let view = ItemView {
            id: format!("d{}:{i:04}", i % 2),
            uri: format!("http://e/id/d/{i}"),
            kind: "bathing-site".into(),
            dataset: format!("d{}", i % 2),
            name: if i.is_multiple_of(5) {
                format!("Östra stranden {i}")
            } else {
                format!("Badplats {i}")
            },
            description: None,
            // A line of points going north from Göteborg, about 1.1 km apart.
            latitude: Some(57.7 + i as f64 * 0.01),
            longitude: Some(11.97),
            municipality: MunicipalityRef::from_code(code),
            updated: Some(format!("2024-06-{:02}", 1 + i % 28)),
            properties,
            extra_columns: Default::default(),
            links: Default::default(),
        };
        Arc::new(Entry::new(view, &Iris::new("http://e"), "", "bathing-sites"))
    }

    fn collection(n: usize) -> Collection {
        Collection::new((0..n).map(entry).collect())
    }

    fn all_pages(c: &Collection, q: &CollectionQuery, limit: usize) -> Vec<Hit> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = c.search(q, cursor.as_deref(), limit, false).unwrap();
            assert!(page.hits.len() <= limit);
            out.extend(page.hits);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return out,
            }
        }
    }

    fn brute_force(c: &Collection, q: &CollectionQuery) -> Vec<String> {
        c.entries
            .iter()
            .filter(|e| q.keeps(e))
            .map(|e| e.view.id.clone())
            .collect()
    }

    #[test]
    fn every_filter_agrees_with_a_full_scan_across_all_pages() {
        let c = collection(203);
        let queries = [
            CollectionQuery::default(),
            CollectionQuery {
                municipalities: vec!["1401".into(), "0180".into()],
                ..Default::default()
            },
            CollectionQuery {
                counties: vec!["14".into()],
                properties: vec![PropertyFilter {
                    column: "toilet".into(),
                    accepted: vec![Json::Bool(true)],
                }],
                ..Default::default()
            },
            CollectionQuery {
                datasets: vec!["d1".into()],
                words: vec!["ostra".into()],
                ..Default::default()
            },
            CollectionQuery {
                bbox: Some(BBox {
                    min_lon: 11.0,
                    min_lat: 58.0,
                    max_lon: 12.0,
                    max_lat: 58.5,
                }),
                updated_since: crate::service::time::parse_instant("2024-06-20"),
                ..Default::default()
            },
        ];
        for q in &queries {
            let expected = brute_force(&c, q);
            assert!(!expected.is_empty(), "{q:?}");
            for limit in [1, 7, 1000] {
                let got: Vec<String> = all_pages(&c, q, limit)
                    .into_iter()
                    .map(|h| h.entry.view.id.clone())
                    .collect();
                assert_eq!(got, expected, "{q:?} limit {limit}");
            }
            assert_eq!(c.search(q, None, 5, true).unwrap().total, Some(expected.len()));
        }
    }

    #[test]
    fn near_orders_by_distance_and_pages_without_gaps() {
        let c = collection(300);
        let q = CollectionQuery {
            near: Some(Near {
                lat: 57.75,
                lon: 11.97,
                radius_m: 5_000.0,
            }),
            ..Default::default()
        };
        let hits = all_pages(&c, &q, 3);
        // Points every ~1.11 km, the fifth one exactly at the centre: 4 on one side and 4 on the other.
        assert_eq!(hits.len(), 9);
        assert!(hits.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
        assert!(hits[0].distance_m.unwrap() < 1.0);
        assert!(hits.iter().all(|h| h.distance_m.unwrap() <= 5_000.0));
        let first = c.search(&q, None, 3, false).unwrap();
        assert_eq!(first.total, Some(9));
        // A cursor of the other order was issued for another query: from the first page.
        let id_cursor = c
            .search(&CollectionQuery::default(), None, 1, false)
            .unwrap()
            .next_cursor
            .unwrap();
        let from_start = c.search(&q, Some(&id_cursor), 3, false).unwrap();
        let ids = |p: &Page| p.hits.iter().map(|h| h.entry.view.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&from_start), ids(&first));
        let by_id = c
            .search(
                &CollectionQuery::default(),
                first.next_cursor.as_deref(),
                3,
                false,
            )
            .unwrap();
        let first_by_id = c.search(&CollectionQuery::default(), None, 3, false).unwrap();
        assert_eq!(ids(&by_id), ids(&first_by_id));
    }

    #[test]
    fn near_with_other_filters_agrees_with_a_full_scan() {
        let c = collection(300);
        let near = Near {
            lat: 58.2,
            lon: 11.97,
            radius_m: 40_000.0,
        };
        let queries = [
            CollectionQuery {
                municipalities: vec!["1401".into(), "0180".into()],
                ..Default::default()
            },
            CollectionQuery {
                datasets: vec!["d1".into()],
                ..Default::default()
            },
            CollectionQuery {
                counties: vec!["14".into(), "01".into()],
                bbox: Some(BBox {
                    min_lon: 11.0,
                    min_lat: 58.0,
                    max_lon: 12.0,
                    max_lat: 58.3,
                }),
                ..Default::default()
            },
        ];
        for q in queries {
            let q = CollectionQuery {
                near: Some(near),
                ..q
            };
            let mut expected: Vec<(f64, String)> = c
                .entries
                .iter()
                .filter(|e| q.keeps(e))
                .filter_map(|e| {
                    let (lat, lon) = e.position()?;
                    let d = distance_m(near.lat, near.lon, lat, lon);
                    (d <= near.radius_m).then(|| (d, e.view.id.clone()))
                })
                .collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
            assert!(!expected.is_empty(), "{q:?}");
            let got: Vec<String> = all_pages(&c, &q, 4)
                .into_iter()
                .map(|h| h.entry.view.id.clone())
                .collect();
            assert_eq!(got, expected, "{q:?}");
        }
    }

    #[test]
    fn distances_match_known_values() {
        // Göteborg → Stockholm centres, about 398 km.
        let d = distance_m(57.7089, 11.9746, 59.3293, 18.0686);
        assert!((d - 398_000.0).abs() < 3_000.0, "{d}");
        assert_eq!(distance_m(57.0, 12.0, 57.0, 12.0), 0.0);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for cursor in [Cursor::Id("d:ö 1".into()), Cursor::Distance(12.5, "d:x".into())] {
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
        let c = collection(3);
        let issued = c
            .search(&CollectionQuery::default(), None, 1, false)
            .unwrap()
            .next_cursor
            .unwrap();
        let mut flipped = issued.clone().into_bytes();
        flipped[2] = if flipped[2] == b'A' { b'B' } else { b'A' };
        let unchecked = CURSOR_ENGINE.encode(b"izzzz");
        let mut bad: Vec<String> = ["x", "!!!", "a+b/", "", "aR", "zzzz", "AAAAAAAAAAAA"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        bad.extend([
            // Valid base64url of a key without its check, as cursors were before it.
            unchecked,
            // An issued cursor with one character changed, cut short, or lengthened.
            String::from_utf8(flipped).unwrap(),
            issued[..issued.len() - 2].to_owned(),
            format!("{issued}AA"),
        ]);
        for bad in &bad {
            let got = c.search(&CollectionQuery::default(), Some(bad), 1, false);
            if bad.is_empty() {
                // An empty cursor is no cursor (as HTML forms send it).
                assert!(got.is_ok());
                continue;
            }
            assert_eq!(got.unwrap_err(), SearchError::BadCursor, "{bad}");
        }
        // A checked cursor whose key is not UTF-8, or whose distance is not a distance.
        let nan = f64::NAN.to_bits().to_be_bytes();
        for body in [
            b"i\xff\xfe".to_vec(),
            [b"d".as_slice(), nan.as_slice(), b"x".as_slice()].concat(),
        ] {
            let mut raw = body.clone();
            raw.extend_from_slice(&cursor_check(&body));
            let s = CURSOR_ENGINE.encode(raw);
            assert_eq!(Cursor::decode(&s).unwrap_err(), SearchError::BadCursor);
        }
        assert!(
            c.search(&CollectionQuery::default(), Some(&issued), 1, false)
                .is_ok()
        );
    }

    #[test]
    fn a_cursor_outlives_the_item_it_names() {
        // Paging on after a republish that deleted the last item of the page: the next page
        // starts after its key, as if it were still there.
        let before = collection(10);
        let first = before
            .search(&CollectionQuery::default(), None, 3, false)
            .unwrap();
        let cursor = first.next_cursor.unwrap();
        let last = first.hits.last().unwrap().entry.view.id.clone();
        let entries: Vec<Arc<Entry>> = (0..10).map(entry).filter(|e| e.view.id != last).collect();
        let after = Collection::new(entries);
        let next = after
            .search(&CollectionQuery::default(), Some(&cursor), 3, false)
            .unwrap();
        let expected: Vec<String> = before
            .search(&CollectionQuery::default(), Some(&cursor), 3, false)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.entry.view.id.clone())
            .collect();
        let got: Vec<String> = next.hits.iter().map(|h| h.entry.view.id.clone()).collect();
        assert_eq!(got, expected);
        assert!(got.iter().all(|id| *id > last));
    }

    #[test]
    fn bbox_across_the_antimeridian() {
        let b = BBox {
            min_lon: 170.0,
            min_lat: -10.0,
            max_lon: -170.0,
            max_lat: 10.0,
        };
        assert!(b.contains(0.0, 175.0) && b.contains(0.0, -175.0));
        assert!(!b.contains(0.0, 0.0));
    }
}
