//! A row's position: the two numbers of its latitude and longitude columns resolved to WGS84,
//! whatever system and axis order the file wrote them in, or the issue that says why not.

use super::coords::{self, Converter, Crs, Guess};
use super::report::{Issue, IssueCode, Report};
use super::value::Value;
use crate::profile::Localized;

/// A position resolved to WGS84.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Position {
    pub lat: f64,
    pub lat_text: String,
    pub lon: f64,
    pub lon_text: String,
    pub crs: Crs,
}

/// Why a position could not be resolved: the code, the message and the pair as written.
pub(super) type PositionError = (IssueCode, Localized, String);

/// Takes the coordinate of `column` out of a row's values.
pub(super) fn take_coordinate(values: &mut Vec<(usize, Value)>, column: usize) -> Option<(f64, String)> {
    let i = values.iter().position(|(c, _)| *c == column)?;
    match values.remove(i).1 {
        Value::Coordinate(n, text) => Some((n, text)),
        other => {
            values.push((column, other));
            None
        }
    }
}

/// Resolves the two numbers of a row's latitude and longitude columns (`a`, `b`) to WGS84:
/// degrees when they are (and no other system is declared), else metres in the declared system
/// or the one their magnitudes tell.
pub(super) fn resolve_position(
    a: (f64, String),
    b: (f64, String),
    declared: Option<Crs>,
    axes_ambiguous: bool,
    converter: &Converter,
) -> Result<Position, PositionError> {
    let degrees = a.0.abs() <= 180.0 && b.0.abs() <= 180.0;
    if degrees && matches!(declared, None | Some(Crs::Wgs84)) {
        return in_degrees(a, b, axes_ambiguous);
    }
    let pair = format!("{}, {}", a.1, b.1);
    let (crs, northing, easting) = grid_of(a.0, b.0, declared)
        .map_err(|(sv, en)| (IssueCode::UnknownCrs, Localized::new(sv, en), pair.clone()))?;
    let (lat, lon) = converter.to_wgs84(crs, northing, easting).map_err(|e| {
        (
            IssueCode::UnknownCrs,
            Localized::new(e.to_string(), e.to_string()),
            pair.clone(),
        )
    })?;
    if !coords::in_sweden(lat, lon) {
        return Err(outside(lat, lon, pair));
    }
    Ok(Position {
        lat,
        lat_text: coords::degrees(lat),
        lon,
        lon_text: coords::degrees(lon),
        crs,
    })
}

/// A position in WGS84 degrees: latitude first, unless the headers name axes and the numbers
/// say otherwise.
fn in_degrees(a: (f64, String), b: (f64, String), axes_ambiguous: bool) -> Result<Position, PositionError> {
    let pair = format!("{}, {}", a.1, b.1);
    let (lat, lon, lat_text, lon_text) = if axes_ambiguous && b.0 > a.0 {
        (b.0, a.0, b.1, a.1)
    } else {
        (a.0, b.0, a.1, b.1)
    };
    if !axes_ambiguous && !coords::in_sweden(lat, lon) && coords::in_sweden(lon, lat) {
        return Err((
            IssueCode::SwappedCoordinates,
            Localized::new(
                "Latitud och longitud verkar ha bytt plats: latituden ska vara 55-69 och longituden 11-24 i Sverige. Byt plats på värdena.",
                "Latitude and longitude look swapped: in Sweden latitude is 55-69 and longitude 11-24. Swap the values.",
            ),
            pair,
        ));
    }
    if !coords::in_sweden(lat, lon) {
        return Err(outside(lat, lon, pair));
    }
    Ok(Position {
        lat,
        lat_text,
        lon,
        lon_text,
        crs: Crs::Wgs84,
    })
}

/// The grid system and the northing and easting of two numbers in metres: the declared system,
/// else the one their magnitudes tell; else the message (Swedish, English) that says why not.
fn grid_of(a: f64, b: f64, declared: Option<Crs>) -> Result<(Crs, f64, f64), (&'static str, &'static str)> {
    match (declared, coords::guess(a, b)) {
        (Some(Crs::Wgs84), _) => Err((
            "Koordinaterna är inte grader i WGS84 som angivet. Ange rätt koordinatsystem (t.ex. --crs EPSG:3006).",
            "The coordinates are not WGS84 degrees as declared. Declare the right system (e.g. --crs EPSG:3006).",
        )),
        (Some(crs), _) => Ok((crs, a.max(b), a.min(b))),
        (
            None,
            Guess::Grid {
                crs,
                northing,
                easting,
            },
        ) => Ok((crs, northing, easting)),
        (None, Guess::LocalZone { .. }) => Err((
            "Koordinaterna ser ut att vara i en lokal SWEREF 99-zon, men zonen går inte att avgöra från värdena. Ange den (t.ex. EPSG:3007 för SWEREF 99 12 00, Göteborg) eller räkna om till WGS84.",
            "The coordinates look like a local SWEREF 99 zone, but the zone cannot be told from the values. Declare it (e.g. EPSG:3007 for SWEREF 99 12 00, Göteborg) or convert to WGS84.",
        )),
        (None, _) => Err((
            "Koordinaterna passar inget känt system: WGS84 (grader), SWEREF 99 TM eller RT90 (meter). Kontrollera värdena.",
            "The coordinates fit no known system: WGS84 (degrees), SWEREF 99 TM or RT90 (metres). Check the values.",
        )),
    }
}

/// The error for a point outside Sweden; 0, 0 is named as the placeholder it usually is.
fn outside(lat: f64, lon: f64, pair: String) -> PositionError {
    if lat == 0.0 && lon == 0.0 {
        return (
            IssueCode::OutsideSweden,
            Localized::new(
                "Positionen 0, 0 ligger i Guineabukten och är troligen en platshållare för en saknad position. Fyll i den riktiga positionen.",
                "The position 0, 0 lies in the Gulf of Guinea and is probably a placeholder for a missing position. Fill in the real position.",
            ),
            pair,
        );
    }
    (
        IssueCode::OutsideSweden,
        Localized::new(
            format!(
                "Punkten ({lat:.5} N, {lon:.5} E) ligger utanför Sverige. Kontrollera koordinaterna och att de är i WGS84 (eller ange rätt koordinatsystem)."
            ),
            format!(
                "The point ({lat:.5} N, {lon:.5} E) lies outside Sweden. Check the coordinates and that they are WGS84 (or declare the right coordinate system)."
            ),
        ),
        pair,
    )
}

/// The warning for a file whose coordinates were converted, with the rows per system.
pub(super) fn converted_warning(report: &Report) -> Option<Issue> {
    let converted: Vec<String> = report
        .coordinate_systems
        .iter()
        .filter(|(crs, _)| !crs.starts_with("EPSG:4326"))
        .map(|(crs, n)| format!("{crs}: {n}"))
        .collect();
    if converted.is_empty() {
        return None;
    }
    let list = converted.join(", ");
    Some(Issue::warning(
        IssueCode::ConvertedCoordinates,
        Localized::new(
            format!(
                "Koordinaterna räknades om till WGS84 från {list} rader. Kontrollera några punkter på en karta."
            ),
            format!("Coordinates were converted to WGS84 from {list} rows. Check a few points on a map."),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(a: &str, b: &str, declared: Option<Crs>, axes: bool) -> Result<Position, PositionError> {
        let n = |t: &str| (t.parse::<f64>().unwrap(), t.to_owned());
        resolve_position(n(a), n(b), declared, axes, &Converter::new().unwrap())
    }

    #[test]
    fn degrees_keep_the_digits_the_file_gave() {
        let p = resolve("57.665", "12.14", None, false).unwrap();
        assert_eq!(
            (p.lat_text.as_str(), p.lon_text.as_str(), p.crs),
            ("57.665", "12.14", Crs::Wgs84)
        );
        // Axes named X/Y: the larger number is the latitude.
        let p = resolve("12.14", "57.665", None, true).unwrap();
        assert_eq!((p.lat, p.lon), (57.665, 12.14));
    }

    #[test]
    fn swapped_outside_and_placeholder_positions_are_told_apart() {
        let code = |r: Result<Position, PositionError>| r.unwrap_err().0;
        assert_eq!(
            code(resolve("12.14", "57.665", None, false)),
            IssueCode::SwappedCoordinates
        );
        assert_eq!(
            code(resolve("48.85", "2.35", None, false)),
            IssueCode::OutsideSweden
        );
        let (_, message, pair) = resolve("0", "0", None, false).unwrap_err();
        assert!(message.en.contains("Gulf of Guinea"));
        assert_eq!(pair, "0, 0");
    }

    #[test]
    fn metres_are_converted_from_the_system_their_size_tells() {
        let p = resolve("6400000", "320000", None, false).unwrap();
        assert_eq!(p.crs, Crs::Sweref99Tm);
        assert!(coords::in_sweden(p.lat, p.lon));
        // Northing and easting in either column.
        let q = resolve("320000", "6400000", None, false).unwrap();
        assert_eq!((q.lat_text, q.lon_text), (p.lat_text, p.lon_text));
        let (code, message, _) = resolve("6400000", "320000", Some(Crs::Wgs84), false).unwrap_err();
        assert_eq!(code, IssueCode::UnknownCrs);
        assert!(message.en.contains("not WGS84 degrees as declared"));
        assert_eq!(
            resolve("5", "5000", None, false).unwrap_err().0,
            IssueCode::UnknownCrs
        );
    }

    #[test]
    fn a_coordinate_is_taken_out_of_the_values() {
        let mut values = vec![
            (0, Value::Text("a".into())),
            (1, Value::Coordinate(57.0, "57".into())),
        ];
        assert_eq!(take_coordinate(&mut values, 1), Some((57.0, "57".to_owned())));
        assert_eq!(take_coordinate(&mut values, 0), None);
        assert_eq!(values, [(0, Value::Text("a".into()))]);
    }

    #[test]
    fn converted_rows_are_counted_per_system() {
        let mut report = Report::default();
        report.coordinate_systems.insert("EPSG:4326 (WGS84)".into(), 3);
        assert_eq!(converted_warning(&report), None);
        report
            .coordinate_systems
            .insert("EPSG:3006 (SWEREF 99 TM)".into(), 2);
        let issue = converted_warning(&report).unwrap();
        assert!(issue.message.en.contains("from EPSG:3006 (SWEREF 99 TM): 2 rows"));
    }
}
