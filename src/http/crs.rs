//! Coordinate reference systems of OGC API – Features Part 2 (CRS by reference): the CRSs the
//! `/ogc` features can be asked for (`crs`) and boxes given in (`bbox-crs`), by their OGC URIs,
//! and positions written in each one's own axis order. Pure: no I/O.
//!
//! Items are stored in WGS84. CRS84 (longitude, latitude) is the default; EPSG:4326 is the same
//! datum with latitude first; SWEREF 99 TM (EPSG:3006) and its twelve local zones (EPSG:3007 to
//! 3018), what Swedish municipalities' GIS work in, are northing then easting, in metres, as the
//! EPSG registry defines them.

use crate::ingest::coords::{ConvertError, Crs, Projection};
use crate::service::search::{BBox, Region};

/// OGC's URI of CRS84 (WGS84, longitude first), the default.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG_PREFIX: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// A CRS the OGC API offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OgcCrs {
    /// WGS84 longitude, latitude.
    Crs84,
    /// WGS84 latitude, longitude (EPSG:4326).
    Epsg4326,
    /// A SWEREF 99 grid (EPSG:3006 to 3018): northing, easting in metres.
    Grid(Crs),
}

impl OgcCrs {
    /// Every CRS offered, CRS84 first.
    pub fn all() -> Vec<OgcCrs> {
        let mut all = vec![OgcCrs::Crs84, OgcCrs::Epsg4326, OgcCrs::Grid(Crs::Sweref99Tm)];
        all.extend((3007..=3018).map(|code| OgcCrs::Grid(Crs::Sweref99Local(code))));
        all
    }

    /// Every CRS offered, as URIs.
    pub fn uris() -> Vec<String> {
        Self::all().into_iter().map(|c| c.uri()).collect()
    }

    pub fn uri(self) -> String {
        match self {
            OgcCrs::Crs84 => CRS84.to_owned(),
            OgcCrs::Epsg4326 => format!("{EPSG_PREFIX}4326"),
            OgcCrs::Grid(crs) => format!("{EPSG_PREFIX}{}", crs.epsg()),
        }
    }

    /// The CRS a URI names, when it is one of ours (exactly as [`OgcCrs::uri`] writes it).
    pub fn parse(s: &str) -> Option<OgcCrs> {
        Self::all().into_iter().find(|c| c.uri() == s)
    }
}

/// Writes WGS84 positions in one CRS, in its axis order.
pub struct Axes {
    crs: OgcCrs,
    projection: Option<Projection>,
}

impl Axes {
    pub fn new(crs: OgcCrs) -> Result<Self, ConvertError> {
        let projection = match crs {
            OgcCrs::Grid(grid) => Some(Projection::new(grid)?),
            _ => None,
        };
        Ok(Self { crs, projection })
    }

    /// CRS84: longitude, latitude.
    pub fn crs84() -> Self {
        Self {
            crs: OgcCrs::Crs84,
            projection: None,
        }
    }

    pub fn crs(&self) -> OgcCrs {
        self.crs
    }

    /// A position's coordinates in this CRS's axis order (grid metres to the millimetre); `None`
    /// when it cannot be projected.
    pub fn point(&self, lat: f64, lon: f64) -> Option<[f64; 2]> {
        match (&self.crs, &self.projection) {
            (OgcCrs::Crs84, _) => Some([lon, lat]),
            (OgcCrs::Epsg4326, _) => Some([lat, lon]),
            (OgcCrs::Grid(_), Some(p)) => {
                let (n, e) = p.from_wgs84(lat, lon).ok()?;
                let mm = |v: f64| (v * 1000.0).round() / 1000.0;
                (n.is_finite() && e.is_finite()).then(|| [mm(n), mm(e)])
            }
            (OgcCrs::Grid(_), None) => None,
        }
    }
}

/// The largest grid box (metres on a side) turned into a WGS84 envelope by sampling its edges;
/// larger ones search every position (and the exact test decides).
const MAX_SAMPLED_SIDE_M: f64 = 2_000_000.0;

/// A `bbox` given in `crs` (four numbers in its axis order, lower corner first) as what the
/// search needs: a WGS84 box that holds every match, and for a grid, the exact test of the box.
pub fn bbox_query(values: [f64; 4], crs: OgcCrs) -> Result<(BBox, Option<Region>), ConvertError> {
    let [a, b, c, d] = values;
    match crs {
        OgcCrs::Crs84 => Ok((bbox(a, b, c, d), None)),
        OgcCrs::Epsg4326 => Ok((bbox(b, a, d, c), None)),
        OgcCrs::Grid(grid) => {
            let (min_n, min_e, max_n, max_e) = (a, b, c, d);
            let projection = Projection::new(grid)?;
            let world = bbox(-180.0, -90.0, 180.0, 90.0);
            let envelope = if max_n - min_n > MAX_SAMPLED_SIDE_M || max_e - min_e > MAX_SAMPLED_SIDE_M {
                world
            } else {
                sampled_envelope(&projection, min_n, min_e, max_n, max_e).unwrap_or(world)
            };
            let region = Region::new(move |lat, lon| {
                projection
                    .from_wgs84(lat, lon)
                    .is_ok_and(|(n, e)| (min_n..=max_n).contains(&n) && (min_e..=max_e).contains(&e))
            });
            Ok((envelope, Some(region)))
        }
    }
}

fn bbox(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> BBox {
    BBox {
        min_lon,
        min_lat,
        max_lon,
        max_lat,
    }
}

/// The WGS84 envelope of a grid box, from points along its edges, widened by a margin (the
/// edges of a transverse Mercator box bulge a little between the samples).
fn sampled_envelope(p: &Projection, min_n: f64, min_e: f64, max_n: f64, max_e: f64) -> Option<BBox> {
    const STEPS: u32 = 32;
    const MARGIN_DEG: f64 = 0.01;
    let mut env: Option<BBox> = None;
    for i in 0..=STEPS {
        let t = f64::from(i) / f64::from(STEPS);
        let n = min_n + (max_n - min_n) * t;
        let e = min_e + (max_e - min_e) * t;
        for (pn, pe) in [(n, min_e), (n, max_e), (min_n, e), (max_n, e)] {
            let (lat, lon) = p.to_wgs84(pn, pe).ok()?;
            if !(lat.is_finite() && lon.is_finite()) {
                return None;
            }
            env = Some(match env {
                None => BBox::point(lon, lat),
                Some(b) => b.expanded(lon, lat),
            });
        }
    }
    let b = env?;
    Some(bbox(
        (b.min_lon - MARGIN_DEG).max(-180.0),
        (b.min_lat - MARGIN_DEG).max(-90.0),
        (b.max_lon + MARGIN_DEG).min(180.0),
        (b.max_lat + MARGIN_DEG).min(90.0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_and_strangers_are_refused() {
        for crs in OgcCrs::all() {
            assert_eq!(OgcCrs::parse(&crs.uri()), Some(crs));
        }
        for bad in [
            "[EPSG:3006]",
            " http://www.opengis.net/def/crs/EPSG/0/3006",
            "http://www.opengis.net/def/crs/EPSG/0/03006",
            "",
            "EPSG:3006",
            "http://www.opengis.net/def/crs/EPSG/0/3857",
            "http://www.opengis.net/def/crs/EPSG/0/",
            "http://www.opengis.net/def/crs/EPSG/0/+3006",
            "http://www.opengis.net/def/crs/EPSG/0/3021",
        ] {
            assert_eq!(OgcCrs::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn axis_order_follows_the_crs() {
        let (lat, lon) = (57.66512, 12.14254);
        assert_eq!(Axes::crs84().point(lat, lon), Some([lon, lat]));
        let epsg4326 = Axes::new(OgcCrs::Epsg4326).unwrap();
        assert_eq!(epsg4326.point(lat, lon), Some([lat, lon]));
        // Frökens udde in SWEREF 99 TM: northing about 6 394 000, easting about 329 000.
        let tm = Axes::new(OgcCrs::Grid(Crs::Sweref99Tm)).unwrap();
        let [n, e] = tm.point(lat, lon).unwrap();
        assert!((6_380_000.0..6_410_000.0).contains(&n), "{n}");
        assert!((310_000.0..340_000.0).contains(&e), "{e}");
    }

    #[test]
    fn a_grid_box_finds_exactly_the_points_inside_it() {
        let tm = Projection::new(Crs::Sweref99Tm).unwrap();
        let (n0, e0) = tm.from_wgs84(57.7, 12.0).unwrap();
        let values = [n0 - 5_000.0, e0 - 5_000.0, n0 + 5_000.0, e0 + 5_000.0];
        let (envelope, region) = bbox_query(values, OgcCrs::Grid(Crs::Sweref99Tm)).unwrap();
        let region = region.unwrap();
        let mut inside = 0;
        for i in 0..=60 {
            for j in 0..=60 {
                let lat = 57.6 + f64::from(i) * 0.2 / 60.0;
                let lon = 11.8 + f64::from(j) * 0.4 / 60.0;
                let (n, e) = tm.from_wgs84(lat, lon).unwrap();
                let expected = (values[0]..=values[2]).contains(&n) && (values[1]..=values[3]).contains(&e);
                assert_eq!(region.contains(lat, lon), expected, "({lat}, {lon})");
                if expected {
                    inside += 1;
                    assert!(envelope.contains(lat, lon), "({lat}, {lon}) outside the envelope");
                }
            }
        }
        assert!(inside > 100, "{inside}");
    }

    #[test]
    fn epsg_4326_boxes_are_latitude_first() {
        let (b, region) = bbox_query([57.5, 11.8, 57.8, 12.3], OgcCrs::Epsg4326).unwrap();
        assert!(region.is_none());
        assert_eq!(
            (b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            (11.8, 57.5, 12.3, 57.8)
        );
    }
}
