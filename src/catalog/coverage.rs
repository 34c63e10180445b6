//! What a dataset covers, in space and time, as the catalogs describe it (`dct:spatial` with
//! `dcat:bbox` and `dcat:centroid`, `dct:temporal` with `dcat:startDate` and `dcat:endDate`),
//! derived from what is published: the positions of the current items, the dates they carry and
//! the dates of the dataset's versions. Pure: the caller gives the positions and dates.

use crate::vocab::{iri, ns};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, Term};

/// The positions of a set of items: their bounding box and their centroid (the mean of the
/// positions), in WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extent {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    sum_lon: f64,
    sum_lat: f64,
    count: u64,
}

impl Extent {
    /// The extent of `(longitude, latitude)` points; `None` without any (finite) point.
    pub fn of_points(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Self> {
        points
            .into_iter()
            .filter(|(lon, lat)| lon.is_finite() && lat.is_finite())
            .map(|(lon, lat)| Self {
                min_lon: lon,
                min_lat: lat,
                max_lon: lon,
                max_lat: lat,
                sum_lon: lon,
                sum_lat: lat,
                count: 1,
            })
            .reduce(Self::union)
    }

    /// The extent of both sets of points.
    pub fn union(self, other: Self) -> Self {
        Self {
            min_lon: self.min_lon.min(other.min_lon),
            min_lat: self.min_lat.min(other.min_lat),
            max_lon: self.max_lon.max(other.max_lon),
            max_lat: self.max_lat.max(other.max_lat),
            sum_lon: self.sum_lon + other.sum_lon,
            sum_lat: self.sum_lat + other.sum_lat,
            count: self.count + other.count,
        }
    }

    /// How many points it covers.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The centroid of the points, `(longitude, latitude)`.
    pub fn centroid(&self) -> (f64, f64) {
        let n = self.count.max(1) as f64;
        (self.sum_lon / n, self.sum_lat / n)
    }

    /// The bounding box as a WKT polygon: see [`bbox_wkt`].
    pub fn bbox_wkt(&self) -> String {
        bbox_wkt(self.min_lon, self.min_lat, self.max_lon, self.max_lat)
    }

    /// The centroid as a WKT point.
    pub fn centroid_wkt(&self) -> String {
        let (lon, lat) = self.centroid();
        point_wkt(lon, lat)
    }

    /// [`Self::bbox_wkt`] as a `geo:wktLiteral`, DCAT-AP 3's recommended form for `dcat:bbox`.
    pub fn bbox_literal(&self) -> Term {
        wkt(self.bbox_wkt())
    }

    /// [`Self::centroid_wkt`] as a `geo:wktLiteral`, for `dcat:centroid`.
    pub fn centroid_literal(&self) -> Term {
        wkt(self.centroid_wkt())
    }
}

/// A bounding box as a WKT polygon (longitude before latitude, WGS84: the default reference
/// system of a GeoSPARQL WKT literal), corners counter-clockwise from south-west.
pub fn bbox_wkt(west: f64, south: f64, east: f64, north: f64) -> String {
    let (w, s, e, n) = (
        coordinate(west),
        coordinate(south),
        coordinate(east),
        coordinate(north),
    );
    format!("POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))")
}

/// A point as WKT, longitude first.
pub fn point_wkt(lon: f64, lat: f64) -> String {
    format!("POINT({} {})", coordinate(lon), coordinate(lat))
}

/// Degrees to six decimals (about 0.1 m), without trailing zeros.
fn coordinate(value: f64) -> String {
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// WKT text as a `geo:wktLiteral`.
pub fn wkt(text: String) -> Term {
    Literal::new_typed_literal(text, iri(ns::GEO, "wktLiteral")).into()
}

/// A span of time between two dates or date-times, as published (`2024-06-01` or RFC 3339).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: String,
    pub end: String,
}

impl Period {
    /// The span from the earliest to the latest of `dates`, each given with its instant (seconds
    /// since the epoch) so a date and a date-time compare by time, not by text; `None` without
    /// any date.
    pub fn span<'a>(dates: impl IntoIterator<Item = (i64, &'a str)>) -> Option<Self> {
        let mut earliest: Option<(i64, &str)> = None;
        let mut latest: Option<(i64, &str)> = None;
        for (at, text) in dates {
            if earliest.is_none_or(|(e, _)| at < e) {
                earliest = Some((at, text));
            }
            if latest.is_none_or(|(l, _)| at > l) {
                latest = Some((at, text));
            }
        }
        Some(Self {
            start: earliest?.1.to_owned(),
            end: latest?.1.to_owned(),
        })
    }

    /// The start as an `xsd:date` or `xsd:dateTime` literal, whichever it is.
    pub fn start_literal(&self) -> Term {
        date_or_date_time(&self.start)
    }

    /// The end, likewise.
    pub fn end_literal(&self) -> Term {
        date_or_date_time(&self.end)
    }
}

fn date_or_date_time(text: &str) -> Term {
    let datatype = if text.len() == 10 {
        xsd::DATE
    } else {
        xsd::DATE_TIME
    };
    Literal::new_typed_literal(text, datatype).into()
}

/// What a dataset covers: the extent of its current items' positions (none when no item has
/// one) and its span of time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    pub extent: Option<Extent>,
    pub period: Option<Period>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extent_bounds_every_point_and_the_centroid_is_their_mean() {
        let e = Extent::of_points([(12.0, 57.5), (12.5, 57.75), (12.1, 57.6), (f64::NAN, 1.0)]).unwrap();
        assert_eq!(
            (e.min_lon, e.min_lat, e.max_lon, e.max_lat),
            (12.0, 57.5, 12.5, 57.75)
        );
        assert_eq!(e.count(), 3);
        let (lon, lat) = e.centroid();
        assert!((lon - 12.2).abs() < 1e-9 && (lat - 57.616_666_666).abs() < 1e-6);
        assert_eq!(
            e.bbox_wkt(),
            "POLYGON((12 57.5, 12.5 57.5, 12.5 57.75, 12 57.75, 12 57.5))"
        );
        assert_eq!(e.centroid_wkt(), "POINT(12.2 57.616667)");
        assert!(Extent::of_points([]).is_none());
        assert!(Extent::of_points([(f64::INFINITY, 1.0)]).is_none());
    }

    #[test]
    fn a_union_covers_both_and_weighs_the_centroid_by_points() {
        let a = Extent::of_points([(11.0, 58.0), (13.0, 58.0)]).unwrap();
        let b = Extent::of_points([(18.0, 59.0)]).unwrap();
        let u = a.union(b);
        assert_eq!(
            (u.min_lon, u.min_lat, u.max_lon, u.max_lat),
            (11.0, 58.0, 18.0, 59.0)
        );
        let (lon, lat) = u.centroid();
        assert!((lon - 14.0).abs() < 1e-9 && (lat - 175.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            Extent::of_points([(11.0, 58.0), (13.0, 58.0), (18.0, 59.0)]),
            Some(u)
        );
    }

    #[test]
    fn one_point_is_its_own_centroid_and_a_degenerate_box() {
        let e = Extent::of_points([(-0.0000001, 57.0)]).unwrap();
        assert_eq!(e.centroid_wkt(), "POINT(0 57)");
        assert_eq!(e.bbox_wkt(), "POLYGON((0 57, 0 57, 0 57, 0 57, 0 57))");
        let Term::Literal(l) = e.bbox_literal() else {
            panic!("a literal")
        };
        assert_eq!(
            l.datatype().as_str(),
            "http://www.opengis.net/ont/geosparql#wktLiteral"
        );
    }

    #[test]
    fn the_period_runs_from_the_earliest_to_the_latest_date_by_time() {
        let dates = [
            (1_780_000_000, "2026-05-28T20:26:40Z"),
            (1_717_200_000, "2024-06-01"),
            (1_790_000_000, "2026-09-21T14:13:20Z"),
        ];
        let p = Period::span(dates).unwrap();
        assert_eq!(p.start, "2024-06-01");
        assert_eq!(p.end, "2026-09-21T14:13:20Z");
        let (Term::Literal(start), Term::Literal(end)) = (p.start_literal(), p.end_literal()) else {
            panic!("literals")
        };
        assert_eq!(start.datatype(), xsd::DATE);
        assert_eq!(end.datatype(), xsd::DATE_TIME);
        // One date: a period of one instant, not none.
        let one = Period::span([(1_780_000_000, "2026-05-28T20:26:40Z")]).unwrap();
        assert_eq!(one.start, one.end);
        assert_eq!(Period::span([]), None);
    }
}
