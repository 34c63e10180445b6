//! Coordinates: recognising the Swedish reference systems a file uses and converting positions
//! to WGS84 with proj4rs (pure Rust, no libproj).
//!
//! WGS84 degrees, SWEREF 99 TM (EPSG:3006) and RT90 2.5 gon V (EPSG:3021) are told apart by
//! magnitude; the SWEREF 99 local zones (EPSG:3007-3018) share one range, so their zone must be
//! declared. Swedish geodesy calls the northing X and the easting Y, the reverse of GIS software,
//! so an X/Y pair is also resolved by magnitude: in Sweden every northing is larger than every
//! easting, in metres as in degrees.

use proj4rs::proj::Proj;
use std::fmt;

/// A coordinate reference system datahamn reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 latitude/longitude in decimal degrees (EPSG:4326).
    Wgs84,
    /// SWEREF 99 TM (EPSG:3006), the national grid.
    Sweref99Tm,
    /// A SWEREF 99 local zone, EPSG:3007-3018.
    Sweref99Local(u16),
    /// RT90 2.5 gon V (EPSG:3021), the older national grid on the Bessel ellipsoid.
    Rt90,
}

/// Central meridians of SWEREF 99 12 00 … 23 15 (EPSG:3007 … 3018).
const LOCAL_MERIDIANS: [f64; 12] = [
    12.0, 13.5, 15.0, 16.5, 18.0, 14.25, 15.75, 17.25, 18.75, 20.25, 21.75, 23.25,
];

/// The central meridian of a SWEREF 99 local zone (EPSG:3007-3018); none for other codes.
fn local_meridian(code: u16) -> Option<f64> {
    LOCAL_MERIDIANS.get(usize::from(code.checked_sub(3007)?)).copied()
}

impl Crs {
    /// Parses `EPSG:3006`, `3006`, `epsg:4326`.
    pub fn parse(s: &str) -> Option<Crs> {
        let s = s.trim();
        let code: u16 = s
            .strip_prefix("EPSG:")
            .or_else(|| s.strip_prefix("epsg:"))
            .unwrap_or(s)
            .parse()
            .ok()?;
        Crs::from_epsg(code)
    }

    pub fn from_epsg(code: u16) -> Option<Crs> {
        match code {
            4326 => Some(Crs::Wgs84),
            3006 => Some(Crs::Sweref99Tm),
            3007..=3018 => Some(Crs::Sweref99Local(code)),
            3021 => Some(Crs::Rt90),
            _ => None,
        }
    }

    pub fn epsg(self) -> u16 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::Sweref99Tm => 3006,
            Crs::Sweref99Local(code) => code,
            Crs::Rt90 => 3021,
        }
    }

    pub fn name(self) -> String {
        match self {
            Crs::Wgs84 => "WGS 84".to_owned(),
            Crs::Sweref99Tm => "SWEREF 99 TM".to_owned(),
            Crs::Sweref99Local(code) => match local_meridian(code) {
                Some(m) => format!(
                    "SWEREF 99 {:02} {:02}",
                    m.trunc() as u32,
                    (m.fract() * 60.0).round() as u32
                ),
                None => format!("EPSG:{code}"),
            },
            Crs::Rt90 => "RT90 2.5 gon V".to_owned(),
        }
    }

    fn proj_string(self) -> String {
        match self {
            Crs::Wgs84 => "+proj=longlat +datum=WGS84 +no_defs".to_owned(),
            Crs::Sweref99Tm => "+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs".to_owned(),
            // A code outside the zones has no meridian: an empty definition, which proj4rs
            // refuses with an error.
            Crs::Sweref99Local(code) => local_meridian(code).map_or_else(String::new, |m| format!(
                "+proj=tmerc +lat_0=0 +lon_0={m} +k=1 +x_0=150000 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            )),
            Crs::Rt90 => "+proj=tmerc +lat_0=0 +lon_0=15.80827777777778 +k=1 +x_0=1500000 +y_0=0 +ellps=bessel +towgs84=414.1,41.3,603.1,-0.855,2.141,-7.023,0 +units=m +no_defs".to_owned(),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{} ({})", self.epsg(), self.name())
    }
}

/// Header keys that name an axis without saying which (`X`, `Y`, `northing`): resolved by
/// magnitude, never flagged as swapped.
pub const AXIS_KEYS: &[&str] = &[
    "x",
    "y",
    "n",
    "e",
    "northing",
    "easting",
    "nordlig",
    "ostlig",
    "x_koordinat",
    "y_koordinat",
    "koordinat_x",
    "koordinat_y",
    "sweref_x",
    "sweref_y",
    "sweref99_x",
    "sweref99_y",
    "sweref99tm_x",
    "sweref99tm_y",
    "x_sweref99tm",
    "y_sweref99tm",
    "rt90_x",
    "rt90_y",
    "northing_m",
    "easting_m",
    "point_x",
    "point_y",
];

/// Sweden's extent in WGS84, with a small margin for coastal waters.
pub const SWEDEN_LAT: (f64, f64) = (55.0, 69.1);
pub const SWEDEN_LON: (f64, f64) = (10.9, 24.2);

/// Decimal places kept of a WGS84 degree: 7, about 1 cm on the ground (a degree of latitude is
/// 111 km). More says nothing about a bath site, and in RDF it would make `xsd:decimal`
/// arithmetic overflow: the product of two 15-place coordinates needs 30 places, more than a
/// SPARQL engine's decimals hold (oxigraph's: 18), while 7 + 7 fit.
pub const DEGREE_PLACES: usize = 7;

/// A WGS84 coordinate in decimal degrees as published: rounded to [`DEGREE_PLACES`], without
/// trailing zeros (`57.6651218`, `12.14`, `57`).
pub fn degrees(value: f64) -> String {
    let text = format!("{value:.DEGREE_PLACES$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" => "0".to_owned(),
        t => t.to_owned(),
    }
}

/// Whether a WGS84 position lies in Sweden's extent.
pub fn in_sweden(lat: f64, lon: f64) -> bool {
    (SWEDEN_LAT.0..=SWEDEN_LAT.1).contains(&lat) && (SWEDEN_LON.0..=SWEDEN_LON.1).contains(&lon)
}

/// Whether a number alone is a northing over Sweden in a system datahamn reads: a latitude in
/// degrees, or metres north in SWEREF 99 or RT90. (A column's values are told from an easting's
/// by this, when its header names no axis.)
pub fn is_northing_over_sweden(n: f64) -> bool {
    (SWEDEN_LAT.0..=SWEDEN_LAT.1).contains(&n) || (6_100_000.0..=7_700_000.0).contains(&n)
}

/// Whether a number alone is an easting over Sweden: a longitude in degrees, or metres east in
/// SWEREF 99 TM, a SWEREF 99 local zone or RT90.
pub fn is_easting_over_sweden(n: f64) -> bool {
    (SWEDEN_LON.0..=SWEDEN_LON.1).contains(&n)
        || (40_000.0..=930_000.0).contains(&n)
        || (1_200_000.0..=1_900_000.0).contains(&n)
}

/// What a pair of numbers looks like, by magnitude.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Guess {
    /// Degrees, with latitude and longitude told apart.
    Degrees { lat: f64, lon: f64 },
    /// Metres in a grid whose system is known from the easting's range.
    Grid { crs: Crs, northing: f64, easting: f64 },
    /// Metres in a SWEREF 99 local zone: the zone must be declared.
    LocalZone { northing: f64, easting: f64 },
    /// Not a Swedish position in any known system.
    Unknown,
}

/// Classifies two numbers of one row by magnitude, whatever their order.
pub fn guess(a: f64, b: f64) -> Guess {
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    if big <= 90.0 && small >= -180.0 {
        return Guess::Degrees { lat: big, lon: small };
    }
    if (6_100_000.0..=7_700_000.0).contains(&big) {
        if (1_200_000.0..=1_900_000.0).contains(&small) {
            return Guess::Grid {
                crs: Crs::Rt90,
                northing: big,
                easting: small,
            };
        }
        if (258_000.0..=930_000.0).contains(&small) {
            return Guess::Grid {
                crs: Crs::Sweref99Tm,
                northing: big,
                easting: small,
            };
        }
        if (40_000.0..258_000.0).contains(&small) {
            return Guess::LocalZone {
                northing: big,
                easting: small,
            };
        }
    }
    Guess::Unknown
}

/// Converts between systems; built once per file.
pub struct Converter {
    wgs84: Proj,
}

/// A conversion that failed inside proj4rs.
#[derive(Debug, thiserror::Error)]
#[error("coordinate conversion failed: {0}")]
pub struct ConvertError(String);

impl Converter {
    pub fn new() -> Result<Self, ConvertError> {
        Ok(Self {
            wgs84: Proj::from_proj_string(&Crs::Wgs84.proj_string())
                .map_err(|e| ConvertError(e.to_string()))?,
        })
    }

    /// A grid position (metres) to WGS84 `(lat, lon)` in degrees.
    pub fn to_wgs84(&self, crs: Crs, northing: f64, easting: f64) -> Result<(f64, f64), ConvertError> {
        if crs == Crs::Wgs84 {
            return Ok((northing, easting));
        }
        let src = Proj::from_proj_string(&crs.proj_string()).map_err(|e| ConvertError(e.to_string()))?;
        let (lon, lat) = proj4rs::adaptors::transform_xy(&src, &self.wgs84, easting, northing)
            .map_err(|e| ConvertError(e.to_string()))?;
        Ok((lat.to_degrees(), lon.to_degrees()))
    }

    /// A WGS84 position to `(northing, easting)` in a grid.
    pub fn from_wgs84(&self, crs: Crs, lat: f64, lon: f64) -> Result<(f64, f64), ConvertError> {
        if crs == Crs::Wgs84 {
            return Ok((lat, lon));
        }
        let dst = Proj::from_proj_string(&crs.proj_string()).map_err(|e| ConvertError(e.to_string()))?;
        let (easting, northing) =
            proj4rs::adaptors::transform_xy(&self.wgs84, &dst, lon.to_radians(), lat.to_radians())
                .map_err(|e| ConvertError(e.to_string()))?;
        Ok((northing, easting))
    }
}

/// WGS84 to one grid and back, with both projections parsed once (for many positions, such as
/// a page of features in a client's chosen CRS).
pub struct Projection {
    crs: Crs,
    wgs84: Proj,
    grid: Proj,
}

impl Projection {
    pub fn new(crs: Crs) -> Result<Self, ConvertError> {
        let parse =
            |c: Crs| Proj::from_proj_string(&c.proj_string()).map_err(|e| ConvertError(e.to_string()));
        Ok(Self {
            crs,
            wgs84: parse(Crs::Wgs84)?,
            grid: parse(crs)?,
        })
    }

    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// WGS84 `(lat, lon)` to `(northing, easting)` in metres.
    pub fn from_wgs84(&self, lat: f64, lon: f64) -> Result<(f64, f64), ConvertError> {
        if self.crs == Crs::Wgs84 {
            return Ok((lat, lon));
        }
        let (e, n) =
            proj4rs::adaptors::transform_xy(&self.wgs84, &self.grid, lon.to_radians(), lat.to_radians())
                .map_err(|e| ConvertError(e.to_string()))?;
        Ok((n, e))
    }

    /// `(northing, easting)` in metres to WGS84 `(lat, lon)`.
    pub fn to_wgs84(&self, northing: f64, easting: f64) -> Result<(f64, f64), ConvertError> {
        if self.crs == Crs::Wgs84 {
            return Ok((northing, easting));
        }
        let (lon, lat) = proj4rs::adaptors::transform_xy(&self.grid, &self.wgs84, easting, northing)
            .map_err(|e| ConvertError(e.to_string()))?;
        Ok((lat.to_degrees(), lon.to_degrees()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in metres between two nearby WGS84 points (equirectangular; fine below 1 km).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let dlat = (a.0 - b.0).to_radians() * 6_371_000.0;
        let dlon = (a.1 - b.1).to_radians() * 6_371_000.0 * a.0.to_radians().cos();
        (dlat * dlat + dlon * dlon).sqrt()
    }

    const STOCKHOLM_C: (f64, f64) = (59.330231, 18.059196);

    #[test]
    fn sweref99_tm_reference_point_within_a_metre() {
        let c = Converter::new().unwrap();
        let p = c.to_wgs84(Crs::Sweref99Tm, 6_580_821.991, 674_032.357).unwrap();
        assert!(metres(p, STOCKHOLM_C) < 1.0, "{p:?}");
    }

    #[test]
    fn sweref99_local_zone_reference_point_within_a_metre() {
        let c = Converter::new().unwrap();
        let p = c
            .to_wgs84(Crs::Sweref99Local(3011), 6_579_457.649, 153_369.673)
            .unwrap();
        assert!(metres(p, STOCKHOLM_C) < 1.0, "{p:?}");
        assert_eq!(Crs::Sweref99Local(3011).name(), "SWEREF 99 18 00");
        assert_eq!(Crs::Sweref99Local(3012).name(), "SWEREF 99 14 15");
    }

    #[test]
    fn rt90_round_trips_through_its_own_range() {
        let c = Converter::new().unwrap();
        let (northing, easting) = c.from_wgs84(Crs::Rt90, STOCKHOLM_C.0, STOCKHOLM_C.1).unwrap();
        assert!((6_500_000.0..6_700_000.0).contains(&northing), "{northing}");
        assert!((1_550_000.0..1_700_000.0).contains(&easting), "{easting}");
        assert!(matches!(
            guess(easting, northing),
            Guess::Grid { crs: Crs::Rt90, .. }
        ));
        let back = c.to_wgs84(Crs::Rt90, northing, easting).unwrap();
        assert!(metres(back, STOCKHOLM_C) < 0.01, "{back:?}");
    }

    #[test]
    fn magnitudes_tell_systems_and_axes_apart() {
        assert_eq!(
            guess(12.14, 57.66),
            Guess::Degrees {
                lat: 57.66,
                lon: 12.14
            }
        );
        assert!(
            matches!(guess(674_032.0, 6_580_821.0), Guess::Grid { crs: Crs::Sweref99Tm, northing, .. } if northing == 6_580_821.0)
        );
        assert!(matches!(
            guess(6_580_994.0, 1_628_293.0),
            Guess::Grid { crs: Crs::Rt90, .. }
        ));
        assert!(matches!(guess(153_369.0, 6_579_457.0), Guess::LocalZone { .. }));
        assert_eq!(guess(5.0, 5_000_000.0), Guess::Unknown);
    }

    #[test]
    fn degrees_keep_about_a_centimetre() {
        assert_eq!(degrees(57.66512181118435), "57.6651218");
        assert_eq!(degrees(12.14254534196957), "12.1425453");
        assert_eq!(degrees(57.7), "57.7");
        assert_eq!(degrees(11.97), "11.97");
        assert_eq!(degrees(57.0), "57");
        assert_eq!(degrees(57.99999999), "58");
        assert_eq!(degrees(-0.00000001), "0");
        // Rounded, not cut: 0.5 cm is 0.000000045 degrees of latitude.
        assert_eq!(degrees(57.12345678), "57.1234568");
    }

    #[test]
    fn parses_epsg_codes() {
        assert_eq!(Crs::parse("EPSG:3006"), Some(Crs::Sweref99Tm));
        assert_eq!(Crs::parse("3010"), Some(Crs::Sweref99Local(3010)));
        assert_eq!(Crs::parse("EPSG:3857"), None);
        assert!(in_sweden(57.66, 12.14));
        assert!(!in_sweden(12.14, 57.66));
    }
}
