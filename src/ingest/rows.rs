//! Row checking: each row's cells parsed by the type of the profile column their header names,
//! required values, the position resolved to WGS84 and the municipality the row belongs to.
//! Every finding goes to the report with the row and column as the steward's spreadsheet
//! shows them; the row counts in the report stay exact.

use super::coords::{Converter, Crs};
use super::diagnose::{self, Slot};
use super::header::HeaderMap;
use super::position::{resolve_position, take_coordinate};
use super::read::Row;
use super::report::{Issue, IssueCode, Report, column_letter};
use super::{CheckOptions, Limits, value};
use crate::profile::{Localized, Profile, Role};
use value::Value;

/// A row's values by profile column index.
type Values = Vec<(usize, Value)>;
/// A row's cells in columns the profile does not know: `(header, value)`.
type Extra = Vec<(String, String)>;

/// A row that was checked (a blank row is not).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CheckedCells {
    /// Values by profile column index, in the order the file gives them (the position last).
    pub values: Values,
    /// Cells of columns the profile does not know: `(header, value)`.
    pub extra: Extra,
    /// The municipality code the row belongs to.
    pub municipality: Option<String>,
    /// Whether the row has no errors.
    pub valid: bool,
}

/// Checks the rows of one file against a profile, given how its header maps.
pub(super) struct RowChecker<'a> {
    profile: &'a Profile,
    map: &'a HeaderMap,
    /// Each profile column's header in the file, if it has one: looked up once, not per row.
    headers_of: Vec<Option<&'a str>>,
    municipality: Option<usize>,
    /// The latitude and longitude columns.
    coordinates: Option<(usize, usize)>,
    /// The system the steward declares, else the one the coordinate headers name.
    crs: Option<Crs>,
    axes_ambiguous: bool,
    converter: Converter,
    default_municipality: Option<&'a str>,
    limits: Limits,
    limit: usize,
    /// What each file column is, for telling a shifted row.
    slots: Vec<Slot<'a>>,
    /// The file columns up to the last one with a header.
    labelled: usize,
    /// The file's delimiter; none for a format without one (a stray delimiter cannot shift a
    /// workbook's cells).
    delimiter: Option<char>,
}

impl<'a> RowChecker<'a> {
    /// A checker for the rows under `map`; the issue when coordinates cannot be converted at all.
    pub fn new(profile: &'a Profile, map: &'a HeaderMap, options: &'a CheckOptions) -> Result<Self, Issue> {
        let role = |role| profile.columns.iter().position(|c| c.role == Some(role));
        let coordinate_columns = [role(Role::Latitude), role(Role::Longitude)];
        let converter = Converter::new().map_err(|e| {
            Issue::error(
                IssueCode::UnknownCrs,
                Localized::new(e.to_string(), e.to_string()),
            )
        })?;
        Ok(Self {
            profile,
            map,
            headers_of: (0..profile.columns.len()).map(|c| map.header_for(c)).collect(),
            municipality: role(Role::Municipality),
            coordinates: coordinate_columns[0].zip(coordinate_columns[1]),
            crs: options.crs.or_else(|| map.named_crs(coordinate_columns)),
            axes_ambiguous: map.axes_ambiguous(coordinate_columns),
            converter,
            default_municipality: options.default_municipality.as_deref(),
            limits: options.limits,
            limit: options.issue_limit,
            slots: map
                .targets
                .iter()
                .zip(&map.headers)
                .map(|(t, h)| match t {
                    Some(t) => Slot::Profile(&profile.columns[*t]),
                    None if h.is_empty() => Slot::Blank,
                    None => Slot::Unknown,
                })
                .collect(),
            labelled: map
                .headers
                .iter()
                .rposition(|h| !h.is_empty())
                .map_or(0, |p| p + 1),
            delimiter: Some(','),
        })
    }

    /// The checker for a file with this delimiter (a comma by default), or none.
    pub fn with_delimiter(mut self, delimiter: Option<char>) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Checks a row: `None` for a blank row (counted, with a warning); an error for a row past
    /// the row limit, which refuses the file.
    pub fn check(&self, row: &Row, report: &mut Report) -> Result<Option<CheckedCells>, Issue> {
        if row.is_blank() {
            report.rows.blank += 1;
            report.push(
                Issue::warning(
                    IssueCode::BlankRow,
                    Localized::new("Tom rad; den hoppas över.", "Blank row; it is skipped."),
                )
                .at_row(row.number),
                self.limit,
            );
            return Ok(None);
        }
        self.count(row.number, report)?;
        let errors_before = report.error_count;
        let shifted = self.shifted(row);
        let row = match &shifted {
            Some((issue, merged)) => {
                report.push(issue.clone(), self.limit);
                merged
            }
            None => {
                self.cell_count(row, report);
                row
            }
        };
        let (mut values, extra) = self.cells(row, report);
        self.position(row.number, &mut values, report);
        let municipality = self
            .municipality
            .and_then(|c| values.iter().find(|(t, _)| *t == c))
            .and_then(|(_, v)| match v {
                Value::Municipality(code) => Some(code.clone()),
                _ => None,
            })
            .or_else(|| self.default_municipality.map(str::to_owned));
        if municipality.is_none() && report.error_count == errors_before {
            report.push(missing_municipality().at_row(row.number), self.limit);
        }
        Ok(Some(CheckedCells {
            values,
            extra,
            municipality,
            valid: report.error_count == errors_before,
        }))
    }

    /// Counts a row that could not be read (`message` says why) among the rows with errors; an
    /// error for a row past the row limit.
    pub fn malformed(&self, row: u64, message: Localized, report: &mut Report) -> Result<(), Issue> {
        self.count(row, report)?;
        report.push(
            Issue::error(IssueCode::FormatError, message).at_row(row),
            self.limit,
        );
        Ok(())
    }

    /// Counts a data row; the file is refused at the first row past the limit.
    fn count(&self, row: u64, report: &mut Report) -> Result<(), Issue> {
        if report.rows.total >= self.limits.max_rows {
            return Err(too_many_rows(&self.limits).at_row(row));
        }
        report.rows.total += 1;
        Ok(())
    }

    /// A row whose cells were shifted right by stray delimiters (or split decimal commas), with
    /// values past the header or under columns without a header: the one issue that names the
    /// cause, and the row as it was meant. `None` for other rows, checked as they are.
    fn shifted(&self, row: &Row) -> Option<(Issue, Row)> {
        let delimiter = self.delimiter?;
        let width = self.map.headers.len();
        let end = row.cells.iter().rposition(|c| !c.trim().is_empty())? + 1;
        let (slots, strict) = if end > width {
            (&self.slots[..], false)
        } else if end > self.labelled {
            // Values under columns without a header: a shift only with clear evidence.
            (&self.slots[..self.labelled], true)
        } else {
            return None;
        };
        let cells = &row.cells[..end];
        let shift = diagnose::shifted_row(slots, cells, delimiter, strict)?;
        let issue = diagnose::shift_issue(&shift, row.number, &self.map.headers, cells, delimiter);
        let mut merged = shift.merge(cells, delimiter);
        merged.resize(width.max(merged.len()), String::new());
        Some((
            issue,
            Row {
                number: row.number,
                cells: merged,
            },
        ))
    }

    /// A row with fewer cells than the header, or with values past its last column.
    fn cell_count(&self, row: &Row, report: &mut Report) {
        let (cells, headers) = (row.cells.len(), self.map.headers.len());
        let (code, sv, en) = if cells < headers {
            (
                IssueCode::MissingCell,
                "Lägg till de saknade cellerna (tomma går bra) eller kontrollera avgränsare och citattecken.",
                "Add the missing cells (empty is fine) or check delimiters and quotes.",
            )
        } else if cells > headers && row.cells[headers..].iter().any(|c| !c.trim().is_empty()) {
            (
                IssueCode::ExtraCell,
                "Ta bort de extra cellerna eller sätt citattecken runt värden som innehåller avgränsaren.",
                "Remove the extra cells or quote values that contain the delimiter.",
            )
        } else {
            return;
        };
        report.push(
            Issue::error(
                code,
                Localized::new(
                    format!("Raden har {cells} celler men rubrikraden har {headers}. {sv}"),
                    format!("The row has {cells} cells but the header has {headers}. {en}"),
                ),
            )
            .at_row(row.number),
            self.limit,
        );
    }

    /// Parses each cell by its column's type, then asks for the required values the row lacks.
    /// Cells under headers the profile does not know are kept as they are.
    fn cells(&self, row: &Row, report: &mut Report) -> (Values, Extra) {
        let mut values = Vec::new();
        let mut bad_columns = Vec::new();
        let mut extra = Vec::new();
        for (pos, cell) in row.cells.iter().enumerate().take(self.map.headers.len()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let header = &self.map.headers[pos];
            let Some(target) = self.map.targets[pos] else {
                if !self.map.ignored[pos] {
                    extra.push(self.extra_cell(row.number, pos, cell, report));
                }
                continue;
            };
            match value::parse(&self.profile.columns[target], cell) {
                Ok(v) => {
                    values.push((target, v));
                    // A second column the values also fill, when they have its type.
                    if let Some(also) = self.map.also[pos]
                        && let Ok(v) = value::parse(&self.profile.columns[also], cell)
                    {
                        values.push((also, v));
                    }
                }
                Err(e) => {
                    bad_columns.push(target);
                    let code = if e.constraint {
                        IssueCode::ConstraintError
                    } else {
                        IssueCode::TypeError
                    };
                    report.push(
                        Issue::error(code, e.message)
                            .at_row(row.number)
                            .in_column(header)
                            .with_value(cell),
                        self.limit,
                    );
                }
            }
        }
        self.required_values(row.number, &values, &bad_columns, report);
        (values, extra)
    }

    /// A cell of a column the profile does not know, as `(header, value)`; a warning when the
    /// column has no header (it is then named by its letter).
    fn extra_cell(&self, row: u64, pos: usize, cell: &str, report: &mut Report) -> (String, String) {
        let header = &self.map.headers[pos];
        if !header.is_empty() {
            return (header.clone(), cell.to_owned());
        }
        let letter = column_letter(pos);
        report.push(
            Issue::warning(
                IssueCode::BlankLabel,
                Localized::new(
                    format!("Kolumn {letter} har ett värde men ingen rubrik. Ge kolumnen en rubrik eller töm den."),
                    format!("Column {letter} holds a value but has no header. Give the column a header or empty it."),
                ),
            )
            .at_row(row)
            .in_column(&letter)
            .with_value(cell),
            self.limit,
        );
        (letter, cell.to_owned())
    }

    /// An error for each required column that is in the file but empty on the row (a value of
    /// the wrong type has its own error).
    fn required_values(
        &self,
        row: u64,
        values: &[(usize, Value)],
        bad_columns: &[usize],
        report: &mut Report,
    ) {
        for (i, column) in self.profile.columns.iter().enumerate() {
            let Some(header) = self.headers_of[i] else {
                continue;
            };
            if column.required && !values.iter().any(|(t, _)| *t == i) && !bad_columns.contains(&i) {
                let name = &column.name;
                report.push(
                    Issue::error(
                        IssueCode::MissingValue,
                        Localized::new(
                            format!(
                                "Kolumnen {name} är obligatorisk men tom på den här raden. Fyll i ett värde."
                            ),
                            format!("Column {name} is required but empty on this row. Fill in a value."),
                        ),
                    )
                    .at_row(row)
                    .in_column(header),
                    self.limit,
                );
            }
        }
    }

    /// Replaces the row's two coordinates by its position in WGS84, counting the rows of each
    /// system; an error when they cannot be resolved.
    fn position(&self, row: u64, values: &mut Vec<(usize, Value)>, report: &mut Report) {
        let Some((lat, lon)) = self.coordinates else {
            return;
        };
        let (Some(a), Some(b)) = (take_coordinate(values, lat), take_coordinate(values, lon)) else {
            return;
        };
        match resolve_position(a, b, self.crs, self.axes_ambiguous, &self.converter) {
            Ok(p) => {
                *report.coordinate_systems.entry(p.crs.to_string()).or_default() += 1;
                values.push((lat, Value::Coordinate(p.lat, p.lat_text)));
                values.push((lon, Value::Coordinate(p.lon, p.lon_text)));
            }
            Err((code, message, pair)) => report.push(
                Issue::error(code, message)
                    .at_row(row)
                    .in_column(self.headers_of[lat].unwrap_or("latitude"))
                    .with_value(&pair),
                self.limit,
            ),
        }
    }
}

fn missing_municipality() -> Issue {
    Issue::error(
        IssueCode::MissingMunicipality,
        Localized::new(
            "Raden saknar kommun. Fyll i kolumnen municipality_code (kommunkod) eller publicera datamängden som en kommun.",
            "The row has no municipality. Fill in the municipality_code column or publish the dataset as a municipality.",
        ),
    )
}

/// The issue for a file with more data rows than the limit.
fn too_many_rows(limits: &Limits) -> Issue {
    let max = limits.max_rows;
    Issue::error(
        IssueCode::TooManyRows,
        Localized::new(
            format!(
                "Filen har fler än {max} rader med data, gränsen för en fil. Dela upp datamängden eller be administratören höja gränsen."
            ),
            format!(
                "The file has more than {max} data rows, the limit for a file. Split the dataset or ask the administrator to raise the limit."
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::header::map_header;

    fn bathing_sites() -> &'static Profile {
        crate::profile::get("bathing-sites").unwrap()
    }

    fn header(cells: &[&str]) -> HeaderMap {
        let headers = cells.iter().map(|h| (*h).to_owned()).collect();
        map_header(bathing_sites(), headers, &mut Report::default(), 100)
    }

    fn row(number: u64, cells: &[&str]) -> Row {
        let mut row = Row::default();
        row.fill(number, cells.iter().copied());
        row
    }

    fn options(municipality: Option<&str>, max_rows: u64) -> CheckOptions {
        CheckOptions {
            default_municipality: municipality.map(str::to_owned),
            limits: Limits {
                max_rows,
                ..Limits::default()
            },
            ..CheckOptions::default()
        }
    }

    fn codes(report: &Report) -> Vec<(IssueCode, Option<u64>, Option<&str>)> {
        report
            .errors
            .iter()
            .chain(&report.warnings)
            .map(|i| (i.code, i.row, i.column.as_deref()))
            .collect()
    }

    #[test]
    fn a_valid_row_has_its_values_position_and_municipality() {
        let map = header(&["name", "lat", "lon", "färg"]);
        let options = options(Some("1401"), 10);
        let checker = RowChecker::new(bathing_sites(), &map, &options).unwrap();
        let mut report = Report::default();
        let cells = checker
            .check(&row(2, &[" Sjöbadet ", "57,665", "12.14", "blå"]), &mut report)
            .unwrap()
            .unwrap();
        assert!(cells.valid);
        assert_eq!(cells.municipality.as_deref(), Some("1401"));
        assert_eq!(cells.extra, [("färg".to_owned(), "blå".to_owned())]);
        let name = bathing_sites()
            .columns
            .iter()
            .position(|c| c.name == "name")
            .unwrap();
        assert_eq!(cells.values[0], (name, Value::Text("Sjöbadet".into())));
        // The position comes last, in WGS84, with the digits the file gave.
        assert!(matches!(&cells.values[1].1, Value::Coordinate(_, t) if t == "57.665"));
        assert_eq!(report.rows.total, 1);
        assert_eq!(report.coordinate_systems.values().sum::<u64>(), 1);
        assert_eq!(report.error_count, 0);
    }

    #[test]
    fn each_error_names_its_row_and_column() {
        let map = header(&["name", "lat", "lon", "municipality_code", ""]);
        let options = options(None, 10);
        let checker = RowChecker::new(bathing_sites(), &map, &options).unwrap();
        let mut report = Report::default();
        let cells = checker
            .check(&row(5, &["", "abc", "12.1", "9999", "x", "extra"]), &mut report)
            .unwrap()
            .unwrap();
        assert!(!cells.valid);
        assert_eq!(
            codes(&report),
            [
                (IssueCode::ExtraCell, Some(5), None),
                (IssueCode::TypeError, Some(5), Some("lat")),
                (IssueCode::ConstraintError, Some(5), Some("municipality_code")),
                (IssueCode::MissingValue, Some(5), Some("name")),
                (IssueCode::BlankLabel, Some(5), Some("E")),
            ]
        );
        assert_eq!(report.errors[1].value.as_deref(), Some("abc"));
        assert_eq!(cells.extra, [("E".to_owned(), "x".to_owned())]);
    }

    #[test]
    fn missing_cells_municipality_and_positions_are_errors() {
        let map = header(&["name", "lat", "lon"]);
        let options = options(None, 10);
        let checker = RowChecker::new(bathing_sites(), &map, &options).unwrap();
        let mut report = Report::default();
        checker.check(&row(2, &["A", "57.6"]), &mut report).unwrap();
        checker
            .check(&row(3, &["B", "57.6", "12.1"]), &mut report)
            .unwrap();
        checker
            .check(&row(4, &["C", "12.1", "57.6"]), &mut report)
            .unwrap();
        assert_eq!(
            codes(&report),
            [
                (IssueCode::MissingCell, Some(2), None),
                (IssueCode::MissingValue, Some(2), Some("lon")),
                (IssueCode::MissingMunicipality, Some(3), None),
                (IssueCode::SwappedCoordinates, Some(4), Some("lat")),
            ]
        );
        assert_eq!(report.errors[3].value.as_deref(), Some("12.1, 57.6"));
    }

    #[test]
    fn blank_rows_are_skipped_and_the_row_limit_refuses_the_file() {
        let map = header(&["name", "lat", "lon"]);
        let options = options(Some("1401"), 1);
        let checker = RowChecker::new(bathing_sites(), &map, &options).unwrap();
        let mut report = Report::default();
        assert_eq!(checker.check(&row(2, &[" ", "", ""]), &mut report), Ok(None));
        assert_eq!((report.rows.blank, report.rows.total), (1, 0));
        assert!(
            checker
                .check(&row(3, &["A", "57.6", "12.1"]), &mut report)
                .unwrap()
                .is_some()
        );
        let refused = checker
            .check(&row(4, &["B", "57.6", "12.1"]), &mut report)
            .unwrap_err();
        assert_eq!((refused.code, refused.row), (IssueCode::TooManyRows, Some(4)));
        assert!(
            refused
                .message
                .en
                .starts_with("The file has more than 1 data rows")
        );
        let refused = checker
            .malformed(5, Localized::new("x", "x"), &mut report)
            .unwrap_err();
        assert_eq!(refused.code, IssueCode::TooManyRows);
        assert_eq!(report.rows.total, 1);
    }

    #[test]
    fn a_malformed_row_is_counted_with_its_message() {
        let map = header(&["name", "lat", "lon"]);
        let options = options(Some("1401"), 10);
        let checker = RowChecker::new(bathing_sites(), &map, &options).unwrap();
        let mut report = Report::default();
        checker
            .malformed(7, Localized::new("Trasig rad.", "Broken row."), &mut report)
            .unwrap();
        assert_eq!(report.rows.total, 1);
        assert_eq!(codes(&report), [(IssueCode::FormatError, Some(7), None)]);
        assert_eq!(report.errors[0].message.en, "Broken row.");
    }
}
