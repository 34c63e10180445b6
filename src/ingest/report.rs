//! The validation report: what was detected, how columns were mapped, and every issue with its
//! row (as a spreadsheet shows it: the header is row 1), column, raw value, stable code and a
//! message in Swedish and English that says how to fix it.
//!
//! Codes follow Frictionless Data's names where one exists (`type-error`, `missing-cell`, ...).

use crate::profile::Localized;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// How many issues of each severity the report lists in detail; counts stay exact.
pub const DEFAULT_ISSUE_LIMIT: usize = 1000;

/// Issue codes. Stable: clients and stewards' tooling match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IssueCode {
    /// The file is empty.
    EmptyFile,
    /// The file is not text in a supported encoding.
    EncodingError,
    /// The file is not UTF-8 and its encoding was guessed from little evidence.
    EncodingGuessed,
    /// The file could not be read as its format says (CSV, a workbook, GeoJSON), or a row of it
    /// could not (a GeoJSON feature whose geometry is not a point).
    FormatError,
    /// A header cell is empty while its column holds values.
    BlankLabel,
    /// Two header cells name the same profile column: a warning when they hold the same
    /// values on every row (the second is not read), else an error.
    DuplicateLabel,
    /// Required columns are missing from the header.
    MissingRequiredColumn,
    /// A column the profile does not know; its values are kept with the row.
    UnknownColumn,
    /// A column mapped by a proposal confident enough to apply (a similar name, telling
    /// values); the mapping says why, and a confirmed mapping can correct it.
    ColumnGuessed,
    /// A column a proposal maps, too unsure to apply: its values are not published until the
    /// steward confirms the mapping.
    ColumnProposed,
    /// A row has fewer cells than the header.
    MissingCell,
    /// A row has more cells than the header.
    ExtraCell,
    /// A delimiter inside an unquoted text cell split it and moved the rest of the row right.
    StrayDelimiter,
    /// Decimal commas in a comma-separated file split numbers in two cells.
    SplitDecimal,
    /// A header cell holds several column names joined by spaces instead of the delimiter.
    JoinedHeader,
    /// Rows were saved as one quoted cell each, holding the real delimiter (read anyway).
    WrappedRows,
    /// A row with no values at all; skipped.
    BlankRow,
    /// A required value is empty.
    MissingValue,
    /// A value does not have the column's type.
    TypeError,
    /// A value has the right type but is out of range.
    ConstraintError,
    /// Two rows have the same id.
    UniqueError,
    /// The municipality code is not one of Sweden's 290.
    UnknownMunicipality,
    /// No municipality: the file has none and the dataset's publisher is not a municipality.
    MissingMunicipality,
    /// Latitude and longitude are in each other's columns.
    SwappedCoordinates,
    /// The position lies outside Sweden.
    OutsideSweden,
    /// The coordinates are in no system datahamn recognises, or in a local zone not declared.
    UnknownCrs,
    /// Coordinates were converted to WGS84 from another system.
    ConvertedCoordinates,
    /// Ids were derived because the id column is missing or empty.
    DerivedId,
    /// A row was not published because it has errors and valid rows only were published.
    SkippedRow,
    /// The header or a row has more cells than the limit (`--max-columns`); the file is refused.
    TooManyColumns,
    /// A cell holds more bytes than the limit (`--max-cell-bytes`); the file is refused.
    CellTooLarge,
    /// The file has more data rows than the limit (`--max-rows`); the file is refused.
    TooManyRows,
    /// The file is in a format datahamn does not read (a PDF, an image, a Shapefile archive, an
    /// old `.xls` workbook); the message names the formats that work.
    UnsupportedFormat,
    /// A workbook would expand to more bytes than the limit (`--max-expanded-bytes`) when
    /// unpacked; the file is refused before it is unpacked.
    ExpandedTooLarge,
    /// Rows above a workbook's header row (a title, often merged across the columns) were
    /// skipped.
    TitleRows,
}

impl IssueCode {
    /// Whether the issue is about the whole file even when it names a row: a limit was passed,
    /// checking stopped there, and no row of the file can be published.
    pub fn refuses_file(self) -> bool {
        matches!(
            self,
            IssueCode::TooManyColumns
                | IssueCode::CellTooLarge
                | IssueCode::TooManyRows
                | IssueCode::UnsupportedFormat
                | IssueCode::ExpandedTooLarge
        )
    }
}

/// How many characters of a raw value, a header or a name an issue or a column mapping keeps.
pub const CLIP_CHARS: usize = 200;

/// Text cut to [`CLIP_CHARS`] characters, with `…` when something was cut.
pub fn clip(text: &str) -> String {
    match text.char_indices().nth(CLIP_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Spreadsheet column letters: 0 → A, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Error or warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Issue {
    pub code: IssueCode,
    pub severity: Severity,
    /// Row number as the steward's tool shows it: a CSV file's line as a spreadsheet numbers it
    /// (the header is row 1), a workbook sheet's row (`dialect.sheet`), a GeoJSON feature's
    /// number (the first is 1). Absent for file-level issues. For workbooks and GeoJSON the
    /// message starts with the place as the tool names it (`Cell Blad1!C7:`, `Feature 5,
    /// property NAMN:`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The column's header as written in the file (at most 200 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The raw value (at most 200 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is wrong and how to fix it.
    pub message: Localized,
}

impl Issue {
    pub fn error(code: IssueCode, message: Localized) -> Self {
        Self {
            code,
            severity: Severity::Error,
            row: None,
            column: None,
            value: None,
            message,
        }
    }

    pub fn warning(code: IssueCode, message: Localized) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    pub fn in_column(mut self, column: &str) -> Self {
        self.column = Some(clip(column));
        self
    }

    pub fn with_value(mut self, value: &str) -> Self {
        self.value = Some(clip(value));
        self
    }
}

/// What was detected about the file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dialect {
    /// The detected encoding: `UTF-8`, `windows-1252` (which also reads ISO-8859-1), `UTF-16LE`.
    pub encoding: String,
    /// Whether the file starts with a byte-order mark.
    pub bom: bool,
    /// The field delimiter: `,`, `;` or a tab.
    pub delimiter: String,
    /// `CRLF`, `LF` or `CR`.
    pub line_terminator: String,
    /// The format told from the file's content when it is not delimited text: `xlsx` (Excel),
    /// `ods` (OpenDocument, LibreOffice) or `geojson`. Absent for CSV and TSV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The workbook sheet that was read: the one asked for, or the first with data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The workbook row that was taken as the header (rows above it hold a title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u64>,
    /// Whether a GeoJSON file's positions come from its features' geometry: then its last two
    /// columns (`latitude`, `longitude`, with the coordinate system a `crs` member declares)
    /// are the geometry's, not properties.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub geometry: bool,
}

/// Why a header cell maps where it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MappingReason {
    /// The header is the column's name or one of its aliases.
    Name,
    /// The header resembles the column's name, an alias or label (an abbreviation, a typo,
    /// the same words).
    SimilarName,
    /// The values have the column's type (and no other free column's).
    Values,
    /// Both the name and the values.
    NameAndValues,
    /// The steward confirmed it for the dataset.
    Confirmed,
}

/// How one header cell was mapped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnMapping {
    /// 1-based column position (A = 1).
    pub position: usize,
    /// The header as written in the file (at most 200 characters).
    pub header: String,
    /// The profile column it maps to; absent for unknown columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The profile column proposed for it, not applied: the values are published there once
    /// the steward confirms the mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<String>,
    /// Another profile column its values also fill: a HaV bathing-water id in `place_id` is
    /// also the item's bathing-water id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub also: Option<String>,
    /// Why it maps there (or is proposed there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<MappingReason>,
    /// How sure the mapping is, in percent: 100 for a name, alias or confirmation; a proposal
    /// at 70 or more is applied, one below waits for confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    /// What of the name and the values the proposal rests on, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Localized>,
    /// True when the steward's confirmed mapping leaves the column out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignored: bool,
    /// Some of its values from the first rows (at most 3, each at most 100 characters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
}

impl ColumnMapping {
    /// A header cell's mapping with nothing said of why.
    pub fn new(position: usize, header: &str, column: Option<String>) -> Self {
        Self {
            position,
            header: clip(header),
            column,
            proposed: None,
            also: None,
            reason: None,
            confidence: None,
            why: None,
            ignored: false,
            samples: Vec::new(),
        }
    }
}

/// Row counts. Exact, even when the issue lists are capped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowCounts {
    /// Data rows read (blank rows excluded).
    pub total: u64,
    /// Rows without errors.
    pub valid: u64,
    /// Rows with at least one error.
    pub invalid: u64,
    /// Blank rows skipped.
    pub blank: u64,
}

/// The validation report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// True when the file has no errors and can be published as it is.
    pub valid: bool,
    /// The profile the file was checked against.
    pub profile: String,
    pub dialect: Dialect,
    /// How each header cell was mapped, the first ones up to the list limit (see
    /// `column_count`).
    pub columns: Vec<ColumnMapping>,
    /// The number of cells in the header row, including those left out of `columns`; absent
    /// from reports made before it was counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_count: Option<u64>,
    pub rows: RowCounts,
    /// Rows per coordinate system found (e.g. `EPSG:3006 (SWEREF 99 TM)`); all are published
    /// in WGS84.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub coordinate_systems: std::collections::BTreeMap<String, u64>,
    /// Total number of errors, including those left out of `errors`.
    pub error_count: u64,
    /// Total number of warnings, including those left out of `warnings`.
    pub warning_count: u64,
    /// True when `errors`, `warnings` or `columns` were capped.
    pub truncated: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Report {
    /// Adds an issue, keeping counts exact and lists capped at `limit`.
    pub fn push(&mut self, issue: Issue, limit: usize) {
        let (count, list) = match issue.severity {
            Severity::Error => (&mut self.error_count, &mut self.errors),
            Severity::Warning => (&mut self.warning_count, &mut self.warnings),
        };
        *count += 1;
        if list.len() < limit {
            list.push(issue);
        } else {
            self.truncated = true;
        }
    }

    /// Adds a header cell's mapping, keeping `column_count` exact and the list capped at `limit`.
    pub fn push_column(&mut self, mapping: ColumnMapping, limit: usize) {
        *self.column_count.get_or_insert(0) += 1;
        if self.columns.len() < limit {
            self.columns.push(mapping);
        } else {
            self.truncated = true;
        }
    }

    /// Whether an error concerns the whole file (no row, or a limit passed): then no row can be
    /// published.
    pub fn has_file_errors(&self) -> bool {
        self.errors
            .iter()
            .any(|i| i.row.is_none() || i.code.refuses_file())
    }

    /// A readable form for the terminal, in English.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} rows, {} valid, {} with errors; {} errors, {} warnings",
            if self.valid { "VALID" } else { "INVALID" },
            self.rows.total,
            self.rows.valid,
            self.rows.invalid,
            self.error_count,
            self.warning_count
        );
        match (&self.dialect.format, &self.dialect.sheet) {
            // Nothing was read (a format datahamn does not read).
            (None, _) if self.dialect.encoding.is_empty() => {}
            (Some(format), Some(sheet)) => {
                let _ = writeln!(
                    out,
                    "format: {format}, sheet {sheet:?}, header on row {}",
                    self.dialect.header_row.unwrap_or(1)
                );
            }
            (Some(format), None) => {
                let _ = writeln!(out, "format: {format}");
            }
            _ => {
                let _ = writeln!(
                    out,
                    "dialect: {}{}, delimiter {:?}, {}",
                    self.dialect.encoding,
                    if self.dialect.bom { " with BOM" } else { "" },
                    self.dialect.delimiter,
                    self.dialect.line_terminator
                );
            }
        }
        for issue in self.errors.iter().chain(&self.warnings) {
            let place = match (&issue.row, &issue.column) {
                (Some(r), Some(c)) => format!("row {r}, column {c}"),
                (Some(r), None) => format!("row {r}"),
                (None, Some(c)) => format!("column {c}"),
                (None, None) => "file".to_owned(),
            };
            let _ = writeln!(
                out,
                "{:7} {place} [{}]: {}",
                match issue.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                serde_json::to_value(issue.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                issue.message.en
            );
        }
        if self.truncated {
            let _ = writeln!(
                out,
                "(the lists are capped: {} of {} errors and {} of {} warnings shown; the counts above are exact)",
                self.errors.len(),
                self.error_count,
                self.warnings.len(),
                self.warning_count
            );
        }
        out
    }
}
