//! Readers: one per file format, each turning a steward's file into a header and rows of cells
//! as text, numbered as the steward's tool shows them (a CSV's header is row 1; a workbook's rows
//! are its sheet's; a GeoJSON file's are its features, the first being 1). The checker sees only
//! [`Reader`], so a new format is a new reader and a branch in [`open`]. The format is told from
//! the file's content ([`format::detect`]), never from its name; [`place`] then names each
//! issue's place as the steward's tool does (`Blad1!C7`, feature 12).
//!
//! Every reader holds a file to the [`Limits`] as it reads (the most cells in a row, the most
//! bytes in a cell) and stops at the first row past one, keeping what it holds in memory
//! within them whatever the file is.

mod delimited;
pub mod format;
mod geojson;
mod workbook;

pub use format::Format;
pub use workbook::ODS_MAX_CELLS;

use super::report::{Dialect, Issue, IssueCode, Report, column_letter};
use super::source::{self, Breach};
use super::{Limits, Source};
use crate::profile::Localized;

/// A file, opened by the reader for its format.
pub struct Opened<'a> {
    pub reader: Box<dyn Reader + 'a>,
    /// What the reader found worth a warning in opening it (an encoding guessed).
    pub warnings: Vec<Issue>,
}

/// Opens a file with the reader for its format: delimited text (CSV, semicolons, tabs) in any
/// encoding a spreadsheet writes, an `.xlsx` or `.ods` workbook (its sheet `sheet`, or the first
/// with data), or a GeoJSON FeatureCollection. A file no reader takes is refused with the issue
/// that says why and names the formats that work.
pub fn open<'a>(source: Source<'a>, limits: &Limits, sheet: Option<&str>) -> Result<Opened<'a>, Issue> {
    match format::detect(source, limits)? {
        Format::Delimited => delimited::Delimited::open(source, limits),
        Format::Xlsx => workbook::Workbook::open_xlsx(source, limits, sheet),
        Format::Ods => workbook::Workbook::open_ods(source, limits, sheet),
        Format::GeoJson => geojson::GeoJson::open(source, limits),
    }
}

/// Names each issue's place as the steward's tool does, for the formats that are not text, at
/// the start of its message: the sheet and cell of a workbook (`Cell Blad1!C7:`, `Blad1, row
/// 7:`), the feature and property of a GeoJSON file (`Feature 5, property NAMN:`). A CSV
/// file's issues keep their row and column as they are.
pub fn place(report: &mut Report) {
    let dialect = std::mem::take(&mut report.dialect);
    let columns = std::mem::take(&mut report.columns);
    for issue in report.errors.iter_mut().chain(report.warnings.iter_mut()) {
        let Some(named) = name_place(issue, &dialect, &columns) else {
            continue;
        };
        issue.message.sv = format!("{}: {}", named.sv, issue.message.sv);
        issue.message.en = format!("{}: {}", named.en, issue.message.en);
    }
    report.columns = columns;
    report.dialect = dialect;
}

/// An issue's place as the tool of the file's format names it; `None` for CSV, and for an
/// issue about the whole file. A GeoJSON position read from the geometry is the feature's
/// geometry, not a property.
pub fn name_place(
    issue: &Issue,
    dialect: &Dialect,
    columns: &[super::report::ColumnMapping],
) -> Option<Localized> {
    let row = issue.row?;
    let from_geometry = |c: &str| {
        dialect.geometry
            && columns
                .iter()
                .find(|m| m.header == c)
                .is_some_and(|m| m.position + 2 > columns.len())
    };
    match (dialect.format.as_deref()?, dialect.sheet.as_deref()) {
        ("geojson", _) => Some(match &issue.column {
            Some(c) if from_geometry(c) => Localized::new(
                format!("Objekt {row}, geometri"),
                format!("Feature {row}, geometry"),
            ),
            Some(c) => Localized::new(
                format!("Objekt {row}, egenskap {c}"),
                format!("Feature {row}, property {c}"),
            ),
            None => Localized::new(format!("Objekt {row}"), format!("Feature {row}")),
        }),
        (_, Some(sheet)) => {
            let column = issue.column.as_deref().and_then(|c| {
                columns
                    .iter()
                    .find(|m| m.header == c)
                    .map(|m| m.position - 1)
                    .or_else(|| column_index(c))
            });
            let name = workbook::cell_name(sheet, row, column);
            Some(match column {
                Some(_) => Localized::new(format!("Cell {name}"), format!("Cell {name}")),
                None => Localized::new(
                    format!("Blad {sheet}, rad {row}"),
                    format!("Sheet {sheet}, row {row}"),
                ),
            })
        }
        _ => None,
    }
}

/// The index of a column named by its letters (`A` → 0, `AB` → 27).
fn column_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some(
        letters
            .bytes()
            .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1))
            - 1,
    )
}

/// One row of a file: its spreadsheet row number and its cells as written. Reused from row to
/// row, so reading a file allocates in proportion to its widest row, not its length.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub number: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// Sets the row's cells, reusing the space of the last row's.
    pub fn fill<'c>(&mut self, number: u64, cells: impl IntoIterator<Item = &'c str>) {
        self.number = number;
        let mut n = 0;
        for cell in cells {
            match self.cells.get_mut(n) {
                Some(kept) => {
                    kept.clear();
                    kept.push_str(cell);
                }
                None => self.cells.push(cell.to_owned()),
            }
            n += 1;
        }
        self.cells.truncate(n);
    }

    /// Whether every cell is empty or white space.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Why a reader stopped before the end of a file: the file is refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// A limit was passed.
    Limit(Breach),
    /// The file could not be read on.
    Unreadable(Issue),
}

impl Stop {
    /// The issue that refuses the file; `headers` name the column of a cell past the limit, and
    /// the file's `dialect` says where its header is and whether it is text.
    pub fn issue(self, limits: &Limits, headers: &[String], dialect: &Dialect) -> Issue {
        match self {
            Stop::Limit(breach) => limit_issue(breach, limits, headers, dialect),
            Stop::Unreadable(issue) => issue,
        }
    }
}

/// A row a reader could not return.
#[derive(Clone, Debug, PartialEq)]
pub enum RowError {
    /// The row cannot be read as its format says (for CSV, text that is not UTF-8): it is
    /// skipped and counted with the rows that have errors; reading goes on.
    Malformed { row: u64, message: Localized },
    /// Reading stops here.
    Stop(Stop),
}

/// A file being read: its header, then its rows in order.
pub trait Reader {
    /// The header row's cells, trimmed. Called once, before any row.
    fn header(&mut self) -> Result<Vec<String>, Stop>;

    /// Reads the next row into `row`; `None` at the end of the file.
    fn next_row(&mut self, row: &mut Row) -> Option<Result<(), RowError>>;

    /// What is known of the file's dialect so far (the line ends are known once every row has
    /// been read).
    fn dialect(&self) -> Dialect;
}

/// The issue for a limit a file passed: what the limit is, where it was passed (as the
/// steward's spreadsheet shows it), and what to do, in Swedish and English.
fn limit_issue(breach: Breach, limits: &Limits, headers: &[String], dialect: &Dialect) -> Issue {
    let header_row = dialect.header_row.unwrap_or(1);
    match breach {
        source::Breach::TooManyCells { row } if row == header_row => Issue::error(
            IssueCode::TooManyColumns,
            Localized::new(
                format!(
                    "Rubrikraden (rad {row}) har fler än {} kolumner, gränsen för en fil. Ta bort de kolumner som inte hör till datamängden.",
                    limits.max_columns
                ),
                format!(
                    "The header row (row {row}) has more than {} columns, the limit for a file. Remove the columns that do not belong to the dataset.",
                    limits.max_columns
                ),
            ),
        )
        .at_row(row),
        // A sheet has no delimiters: a value far to the right of the table is what passes.
        source::Breach::TooManyCells { row } if dialect.format.is_some() => Issue::error(
            IssueCode::TooManyColumns,
            Localized::new(
                format!(
                    "Rad {row} har värden i fler än {} kolumner, gränsen för en fil. Ta bort värdena till höger om tabellen på raden.",
                    limits.max_columns
                ),
                format!(
                    "Row {row} has values in more than {} columns, the limit for a file. Remove the values to the right of the table on that row.",
                    limits.max_columns
                ),
            ),
        )
        .at_row(row),
        source::Breach::TooManyCells { row } => Issue::error(
            IssueCode::TooManyColumns,
            Localized::new(
                format!(
                    "Rad {row} har fler än {} celler, gränsen för en fil. Kontrollera avgränsare och citattecken på raden.",
                    limits.max_columns
                ),
                format!(
                    "Row {row} has more than {} cells, the limit for a file. Check the delimiters and quotes on the row.",
                    limits.max_columns
                ),
            ),
        )
        .at_row(row),
        source::Breach::CellTooLarge { row, column } => cell_too_large(row, column, limits, headers),
    }
}

/// The issue for a GeoJSON file whose features have more properties than a file may have
/// columns.
fn too_many_properties(limits: &Limits) -> Issue {
    Issue::error(
        IssueCode::TooManyColumns,
        Localized::new(
            format!(
                "Objekten har fler än {} olika egenskaper (properties), gränsen för en fils kolumner. Ta bort de egenskaper som inte hör till datamängden innan du exporterar.",
                limits.max_columns
            ),
            format!(
                "The features have more than {} different properties, the limit for a file's columns. Remove the properties that do not belong to the dataset before exporting.",
                limits.max_columns
            ),
        ),
    )
}

fn cell_too_large(row: u64, column: usize, limits: &Limits, headers: &[String]) -> Issue {
    let cell = format!("{}{row}", column_letter(column));
    let issue = Issue::error(
        IssueCode::CellTooLarge,
        Localized::new(
            format!(
                "Cell {cell} (rad {row}) är större än {} byte, gränsen för en cell. Korta värdet, eller kontrollera att inget citattecken saknar sin avslutning.",
                limits.max_cell_bytes
            ),
            format!(
                "Cell {cell} (row {row}) is larger than {} bytes, the limit for a cell. Shorten the value, or check that no quote is left unclosed.",
                limits.max_cell_bytes
            ),
        ),
    )
    .at_row(row);
    match headers.get(column).filter(|h| !h.is_empty()) {
        Some(header) => issue.in_column(header),
        None => issue.in_column(&column_letter(column)),
    }
}

/// Some rows of a file as they are written: the header and the cells of the rows asked for
/// (by spreadsheet row number), for showing a report beside the data it is about.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Excerpt {
    pub headers: Vec<String>,
    /// `(row, cells)`, in file order.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads the header and the rows numbered `wanted` (as the checker numbers them) of a file,
/// stopping after the last one. A file that cannot be read gives what was read before; a row
/// that cannot be read is passed over.
pub fn excerpt(source: Source<'_>, wanted: &std::collections::BTreeSet<u64>, limits: &Limits) -> Excerpt {
    let mut out = Excerpt::default();
    let Ok(Opened { mut reader, .. }) = open(source, limits, None) else {
        return out;
    };
    let Ok(headers) = reader.header() else {
        return out;
    };
    out.headers = headers;
    let Some(&last) = wanted.last() else {
        return out;
    };
    let mut row = Row::default();
    while let Some(next) = reader.next_row(&mut row) {
        match next {
            Ok(()) => {}
            // A row that cannot be read has no cells to show; the rows after it do.
            Err(RowError::Malformed { .. }) => continue,
            Err(RowError::Stop(_)) => break,
        }
        if wanted.contains(&row.number) {
            out.rows.push((row.number, row.cells.clone()));
        }
        if row.number >= last {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, limits: &Limits) -> (Vec<String>, Vec<Result<Row, RowError>>, Dialect) {
        let Opened { mut reader, .. } = open(Source::Bytes(text.as_bytes()), limits, None).unwrap();
        let headers = reader.header().unwrap();
        let mut rows = Vec::new();
        let mut row = Row::default();
        while let Some(next) = reader.next_row(&mut row) {
            let stop = matches!(next, Err(RowError::Stop(_)));
            rows.push(next.map(|()| row.clone()));
            if stop {
                break;
            }
        }
        (headers, rows, reader.dialect())
    }

    fn row(number: u64, cells: &[&str]) -> Result<Row, RowError> {
        Ok(Row {
            number,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        })
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let (headers, rows, dialect) = read_all(" a ;b\r\n\"1\n2\";x\r\n\r\n3;\r\n", &Limits::default());
        assert_eq!(headers, ["a", "b"]);
        // The quoted line break stays in row 2; the empty line is row 3.
        assert_eq!(rows, [row(2, &["1\n2", "x"]), row(4, &["3", ""])]);
        assert_eq!(dialect.delimiter, ";");
        assert_eq!(dialect.line_terminator, "CRLF");
    }

    #[test]
    fn the_dialect_is_what_was_read_so_far() {
        let Opened { mut reader, warnings } =
            open(Source::Bytes(b"a,b\r\n1,2\r\n"), &Limits::default(), None).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(reader.dialect().line_terminator, "LF");
        assert_eq!(reader.dialect().encoding, "UTF-8");
        reader.header().unwrap();
        while reader.next_row(&mut Row::default()).is_some() {}
        assert_eq!(reader.dialect().line_terminator, "CRLF");
        let (_, _, dialect) = read_all("a\tb\r1\t2\r", &Limits::default());
        assert_eq!(
            (dialect.delimiter.as_str(), dialect.line_terminator.as_str()),
            ("\t", "CR")
        );
    }

    #[test]
    fn a_row_past_a_limit_stops_reading_and_names_the_cell() {
        let limits = Limits {
            max_columns: 3,
            max_cell_bytes: 4,
            ..Limits::default()
        };
        let (headers, rows, _) = read_all("a,b\n1,2\n3,abcde\n4,5\n", &limits);
        let Some(Err(RowError::Stop(stop))) = rows.last().cloned() else {
            panic!("{rows:?}");
        };
        assert_eq!(rows[0], row(2, &["1", "2"]));
        let issue = stop.issue(&limits, &headers, &Dialect::default());
        assert_eq!(issue.code, IssueCode::CellTooLarge);
        assert_eq!((issue.row, issue.column.as_deref()), (Some(3), Some("b")));
        assert!(
            issue
                .message
                .en
                .starts_with("Cell B3 (row 3) is larger than 4 bytes")
        );
        let wide = Stop::Limit(Breach::TooManyCells { row: 1 }).issue(&limits, &[], &Dialect::default());
        assert_eq!((wide.code, wide.row), (IssueCode::TooManyColumns, Some(1)));
        assert!(
            wide.message
                .sv
                .starts_with("Rubrikraden (rad 1) har fler än 3 kolumner")
        );
        let unnamed =
            Stop::Limit(Breach::CellTooLarge { row: 9, column: 27 }).issue(&limits, &[], &Dialect::default());
        assert_eq!(unnamed.column.as_deref(), Some("AB"));
        // A sheet whose header is row 3: a wide row past it is told to drop the values to the
        // right of the table (a sheet has no delimiters), the header itself by its own number.
        let sheet = Dialect {
            format: Some("xlsx".into()),
            header_row: Some(3),
            ..Dialect::default()
        };
        let header = Stop::Limit(Breach::TooManyCells { row: 3 }).issue(&limits, &[], &sheet);
        assert!(
            header
                .message
                .en
                .starts_with("The header row (row 3) has more than 3 columns")
        );
        let row = Stop::Limit(Breach::TooManyCells { row: 7 }).issue(&limits, &[], &sheet);
        assert_eq!(row.row, Some(7));
        assert!(
            row.message
                .en
                .contains("Remove the values to the right of the table")
        );
        assert!(!row.message.en.contains("delimiter"));
    }

    #[test]
    fn files_no_reader_takes_are_refused_and_wide_headers_stop() {
        let refused = |bytes: &[u8]| {
            open(Source::Bytes(bytes), &Limits::default(), None)
                .err()
                .unwrap()
                .code
        };
        assert_eq!(refused(b"PK\x03\x04rest"), IssueCode::UnsupportedFormat);
        assert_eq!(refused(b"\n \r\n"), IssueCode::EmptyFile);
        let limits = Limits {
            max_columns: 2,
            ..Limits::default()
        };
        let Opened { mut reader, .. } = open(Source::Bytes(b"a,b,c\n1,2,3\n"), &limits, None).unwrap();
        assert_eq!(reader.header(), Err(Stop::Limit(Breach::TooManyCells { row: 1 })));
    }

    #[test]
    fn issues_are_placed_as_the_tool_names_them() {
        let issue = |column: Option<&str>| Issue {
            row: Some(7),
            column: column.map(str::to_owned),
            ..Issue::error(IssueCode::TypeError, Localized::new("", ""))
        };
        let mut report = Report {
            dialect: Dialect {
                format: Some("xlsx".into()),
                sheet: Some("Blad1".into()),
                ..Dialect::default()
            },
            columns: vec![crate::ingest::report::ColumnMapping::new(3, "lat", None)],
            errors: vec![issue(Some("lat")), issue(Some("AB")), issue(None)],
            ..Report::default()
        };
        place(&mut report);
        let named: Vec<_> = report.errors.iter().map(|i| i.message.en.as_str()).collect();
        assert_eq!(
            named,
            ["Cell Blad1!C7: ", "Cell Blad1!AB7: ", "Sheet Blad1, row 7: "]
        );
        assert_eq!(report.errors[2].message.sv, "Blad Blad1, rad 7: ");
        report.dialect.format = Some("geojson".into());
        report.errors[0].message = Localized::new("", "");
        place(&mut report);
        assert_eq!(report.errors[0].message.en, "Feature 7, property lat: ");
        // A position read from the features' geometry (the last columns) is the geometry's.
        report.dialect.geometry = true;
        report.errors[0].message = Localized::new("", "");
        place(&mut report);
        assert_eq!(report.errors[0].message.en, "Feature 7, geometry: ");
        assert_eq!(report.errors[0].message.sv, "Objekt 7, geometri: ");
        assert_eq!(column_index("A"), Some(0));
        assert_eq!(column_index("name"), None);
    }

    #[test]
    fn reused_rows_hold_only_the_last_cells() {
        let mut row = Row::default();
        row.fill(2, ["a", "b", "c"]);
        row.fill(3, ["d"]);
        assert_eq!(
            row,
            Row {
                number: 3,
                cells: vec!["d".into()]
            }
        );
        assert!(!row.is_blank());
        row.fill(4, [" ", ""]);
        assert!(row.is_blank());
    }

    #[test]
    fn excerpts_stop_after_the_last_row_wanted() {
        let text = "a,b\n1,2\n3,4\n5,6\n\"unclosed\n";
        let wanted = [3].into_iter().collect();
        let excerpt = excerpt(Source::Bytes(text.as_bytes()), &wanted, &Limits::default());
        assert_eq!(excerpt.headers, ["a", "b"]);
        assert_eq!(excerpt.rows, [(3, vec!["3".to_owned(), "4".to_owned()])]);
        let none = excerpt_of_nothing(text);
        assert_eq!(none.headers, ["a", "b"]);
        assert!(none.rows.is_empty());
    }

    fn excerpt_of_nothing(text: &str) -> Excerpt {
        excerpt(
            Source::Bytes(text.as_bytes()),
            &std::collections::BTreeSet::new(),
            &Limits::default(),
        )
    }
}
