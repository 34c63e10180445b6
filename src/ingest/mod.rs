//! Ingest: reading a steward's CSV file and checking it against a profile.
//!
//! Owns the dialect (encoding, delimiter, line ends), the header → column mapping, typed value
//! parsing, item identity and the validation [`Report`]. Pure: it takes bytes and a profile and
//! returns checked rows and a report; it never touches the store or the network.

pub mod coords;
mod ids;
pub mod report;
pub mod source;
pub mod value;

use crate::profile::{Localized, Profile, Role};
use crate::text::header_key;
use coords::{Converter, Crs, Guess};
pub use ids::short_hash;
use report::{ColumnMapping, DEFAULT_ISSUE_LIMIT, Dialect};
pub use report::{Issue, IssueCode, Report, Severity};
pub use source::Source;
use std::collections::HashMap;
pub use value::Value;

/// The bounds a file is held to: past one, checking stops and the file is refused with an
/// issue that names the limit and where it was passed. With them, checking a file takes time
/// and memory in proportion to its rows at worst, whatever it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most cells in the header or in any row.
    pub max_columns: usize,
    /// The most bytes (as UTF-8, without quotes) in one cell.
    pub max_cell_bytes: usize,
    /// The most data rows (blank rows not counted).
    pub max_rows: u64,
}

/// Default of [`Limits::max_columns`]: far more than any profile has columns.
pub const DEFAULT_MAX_COLUMNS: usize = 1_000;
/// Default of [`Limits::max_cell_bytes`]: 64 KiB, room for a long description.
pub const DEFAULT_MAX_CELL_BYTES: usize = 64 * 1024;
/// Default of [`Limits::max_rows`]: far more than a municipality's registers hold.
pub const DEFAULT_MAX_ROWS: u64 = 500_000;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_columns: DEFAULT_MAX_COLUMNS,
            max_cell_bytes: DEFAULT_MAX_CELL_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

/// How many rows a message about a group of rows (duplicate ids) names; the rest are counted.
pub const ROWS_NAMED: usize = 5;

/// How to check a file.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The municipality items belong to when the file has no municipality column: the dataset
    /// publisher's code, when the publisher is a municipality.
    pub default_municipality: Option<String>,
    /// How many issues of each severity to list in detail.
    pub issue_limit: usize,
    /// The coordinate system the steward declares; without it, it is told by magnitude.
    pub crs: Option<Crs>,
    /// The bounds the file is held to.
    pub limits: Limits,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            default_municipality: None,
            issue_limit: DEFAULT_ISSUE_LIMIT,
            crs: None,
            limits: Limits::default(),
        }
    }
}

/// A data row that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedRow {
    /// Row number as a spreadsheet shows it (header = 1).
    pub row: u64,
    /// The URI-safe id within the dataset.
    pub local_id: String,
    /// For ids derived from other values: a short hash of the row's content that tells equal
    /// derived ids apart.
    pub id_derived: Option<String>,
    /// The municipality code the item belongs to.
    pub municipality: String,
    /// Values by profile column index.
    pub values: Vec<(usize, Value)>,
    /// Cells of columns the profile does not know: `(header, value)`.
    pub extra: Vec<(String, String)>,
}

impl CheckedRow {
    /// The value of the column with this index.
    pub fn value(&self, column: usize) -> Option<&Value> {
        self.values.iter().find(|(i, _)| *i == column).map(|(_, v)| v)
    }
}

/// The outcome of checking a file: rows without errors, and the report.
#[derive(Clone, Debug)]
pub struct Checked {
    pub rows: Vec<CheckedRow>,
    pub report: Report,
    /// Rows that have errors: the spreadsheet row number, and the row's name or id when known.
    pub invalid_rows: Vec<(u64, Option<String>)>,
}

struct HeaderMap {
    /// For each file column: the profile column index it maps to.
    targets: Vec<Option<usize>>,
    headers: Vec<String>,
}

fn map_header(profile: &Profile, headers: &[String], report: &mut Report, limit: usize) -> HeaderMap {
    let mut keys: HashMap<String, usize> = HashMap::new();
    for (i, column) in profile.columns.iter().enumerate() {
        for key in column.keys() {
            keys.insert(key, i);
        }
    }
    let mut targets = Vec::with_capacity(headers.len());
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for (pos, header) in headers.iter().enumerate() {
        let key = header_key(header);
        let target = candidate_keys(header).iter().find_map(|k| keys.get(k).copied());
        let mut mapped = target;
        if let Some(t) = target {
            if let Some(first) = seen.get(&t) {
                report.push(
                    Issue::error(
                        IssueCode::DuplicateLabel,
                        Localized::new(
                            format!(
                                "Kolumnerna {} och {} betyder båda \"{}\". Ta bort eller döp om den ena.",
                                column_letter(*first),
                                column_letter(pos),
                                profile.columns[t].name
                            ),
                            format!(
                                "Columns {} and {} both mean \"{}\". Remove or rename one of them.",
                                column_letter(*first),
                                column_letter(pos),
                                profile.columns[t].name
                            ),
                        ),
                    )
                    .in_column(header),
                    limit,
                );
                mapped = None;
            } else {
                seen.insert(t, pos);
            }
        } else if !key.is_empty() {
            let header = report::clip(header);
            report.push(
                Issue::warning(
                    IssueCode::UnknownColumn,
                    Localized::new(
                        format!(
                            "Kolumnen \"{header}\" finns inte i profilen {}. Värdena sparas med raden men publiceras inte som egna fält; kontrollera stavningen om den borde ha känts igen.",
                            profile.id
                        ),
                        format!(
                            "Column \"{header}\" is not part of the profile {}. Its values are kept with the row but not published as fields; check the spelling if it should have been recognised.",
                            profile.id
                        ),
                    ),
                )
                .in_column(&header),
                limit,
            );
        }
        report.push_column(
            ColumnMapping {
                position: pos + 1,
                header: report::clip(header),
                column: mapped.map(|t| profile.columns[t].name.clone()),
            },
            limit,
        );
        targets.push(mapped);
    }
    let missing: Vec<&str> = profile
        .columns
        .iter()
        .enumerate()
        .filter(|(i, c)| c.required && !seen.contains_key(i))
        .map(|(_, c)| c.name.as_str())
        .collect();
    if !missing.is_empty() {
        let list = missing.join(", ");
        report.push(
            Issue::error(
                IssueCode::MissingRequiredColumn,
                Localized::new(
                    format!(
                        "Filen saknar obligatoriska kolumner: {list}. Lägg till dem i rubrikraden (rad 1)."
                    ),
                    format!("The file lacks required columns: {list}. Add them to the header row (row 1)."),
                ),
            )
            .with_value(&list),
            limit,
        );
    }
    HeaderMap {
        targets,
        headers: headers.to_vec(),
    }
}

/// Words in headers that name a unit or a coordinate system rather than the column.
const UNIT_TOKENS: &[&str] = &[
    "wgs84",
    "wgs",
    "84",
    "sweref99tm",
    "sweref99",
    "sweref",
    "99",
    "tm",
    "rt90",
    "rt",
    "90",
    "epsg",
    "3006",
    "4326",
    "3021",
    "m",
    "meter",
    "grader",
    "deg",
    "dd",
];

/// The keys a header may match, best first: the whole header; without parenthesised parts
/// (`Latitud (WGS84)`); without unit and system words (`E_SWEREF99TM`, `lat_wgs84`).
fn candidate_keys(header: &str) -> Vec<String> {
    let mut out = vec![header_key(header)];
    let mut plain = String::with_capacity(header.len());
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    out.push(header_key(&plain));
    let stripped: Vec<&str> = out[1]
        .split('_')
        .filter(|t| !UNIT_TOKENS.contains(t) && !t.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    if !stripped.is_empty() {
        out.push(stripped.join("_"));
    }
    out.dedup();
    out.retain(|k| !k.is_empty());
    out
}

/// A coordinate system named in a coordinate column's header (`N (SWEREF 99 TM)`,
/// `lat_wgs84`, `X RT90`, `E SWEREF 99 12 00`).
fn header_crs(header: &str) -> Option<Crs> {
    let folded: String = crate::text::fold(header)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if folded.contains("rt90") {
        return Some(Crs::Rt90);
    }
    if folded.contains("wgs84") {
        return Some(Crs::Wgs84);
    }
    let rest = folded.split_once("sweref99")?.1;
    if rest.starts_with("tm") {
        return Some(Crs::Sweref99Tm);
    }
    let zones = [
        ("1200", 3007),
        ("1330", 3008),
        ("1500", 3009),
        ("1630", 3010),
        ("1800", 3011),
        ("1415", 3012),
        ("1545", 3013),
        ("1715", 3014),
        ("1845", 3015),
        ("2015", 3016),
        ("2145", 3017),
        ("2315", 3018),
    ];
    zones
        .iter()
        .find(|(digits, _)| rest.starts_with(digits))
        .and_then(|(_, code)| Crs::from_epsg(*code))
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

/// Checks bytes against a profile with the default options and returns the report: the
/// checker as one total function, for fuzzing and property tests.
pub fn check_bytes(bytes: &[u8], profile: &Profile) -> Report {
    check(bytes, profile, &CheckOptions::default()).report
}

/// Checks a file against a profile.
pub fn check<'a>(source: impl Into<Source<'a>>, profile: &Profile, options: &CheckOptions) -> Checked {
    check_with(source.into(), profile, options, &mut KeepRows)
}

/// Where checked rows go while a file is read.
pub trait RowSink {
    /// Receives each row that passed its own checks (before ids are made unique across the
    /// file); returns what [`Checked::rows`] should keep of it, if anything.
    fn row(&mut self, row: CheckedRow) -> Option<CheckedRow>;
}

/// Keeps every row whole: [`check`].
pub struct KeepRows;

impl RowSink for KeepRows {
    fn row(&mut self, row: CheckedRow) -> Option<CheckedRow> {
        Some(row)
    }
}

/// Keeps each row's number, id and municipality but drops its values: the first pass over a
/// large file, which settles the report and every id in little memory.
pub struct KeepIds;

impl RowSink for KeepIds {
    fn row(&mut self, mut row: CheckedRow) -> Option<CheckedRow> {
        row.values = Vec::new();
        row.extra = Vec::new();
        Some(row)
    }
}

/// The final id of every valid row of a first pass ([`KeepIds`]), by spreadsheet row.
pub fn final_ids(plan: &Checked) -> HashMap<u64, String> {
    plan.rows.iter().map(|r| (r.row, r.local_id.clone())).collect()
}

/// The second pass of a two-pass read: reads the file again and hands each row that `final_ids`
/// (from the first pass) keeps to `each`, under its final id. Rows are never collected.
pub fn for_each_final_row(
    source: Source<'_>,
    profile: &Profile,
    options: &CheckOptions,
    final_ids: &HashMap<u64, String>,
    each: &mut dyn FnMut(CheckedRow),
) {
    struct Final<'a> {
        ids: &'a HashMap<u64, String>,
        each: &'a mut dyn FnMut(CheckedRow),
    }
    impl RowSink for Final<'_> {
        fn row(&mut self, mut row: CheckedRow) -> Option<CheckedRow> {
            if let Some(id) = self.ids.get(&row.row) {
                row.local_id.clone_from(id);
                (self.each)(row);
            }
            None
        }
    }
    check_with(source, profile, options, &mut Final { ids: final_ids, each });
}

/// The CSV reader every pass over a file uses: records of any length, the header as a record,
/// behind a [`source::Guard`] that stops it at the first cell or record past the limits.
fn csv_reader<R: std::io::Read>(
    delimiter: u8,
    text: R,
    limits: &Limits,
) -> (csv::Reader<source::Guard<R>>, source::GuardReport) {
    let (guarded, report) = source::Guard::new(
        text,
        delimiter,
        source::GuardLimits {
            max_cells: limits.max_columns,
            max_cell_bytes: limits.max_cell_bytes,
        },
    );
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(64 * 1024)
        .from_reader(guarded);
    (reader, report)
}

/// The issue for a limit a file passed: what the limit is, where it was passed (as the
/// steward's spreadsheet shows it), and what to do, in Swedish and English.
fn limit_issue(breach: source::Breach, limits: &Limits, headers: &[String]) -> Issue {
    match breach {
        source::Breach::TooManyCells { row: 1 } => Issue::error(
            IssueCode::TooManyColumns,
            Localized::new(
                format!(
                    "Rubrikraden (rad 1) har fler än {} kolumner, gränsen för en fil. Ta bort de kolumner som inte hör till datamängden.",
                    limits.max_columns
                ),
                format!(
                    "The header row (row 1) has more than {} columns, the limit for a file. Remove the columns that do not belong to the dataset.",
                    limits.max_columns
                ),
            ),
        )
        .at_row(1),
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
        source::Breach::CellTooLarge { row, column } => {
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
    }
}

/// The issue for a file with more data rows than the limit.
fn too_many_rows(limits: &Limits) -> Issue {
    Issue::error(
        IssueCode::TooManyRows,
        Localized::new(
            format!(
                "Filen har fler än {} rader med data, gränsen för en fil. Dela upp datamängden eller be administratören höja gränsen.",
                limits.max_rows
            ),
            format!(
                "The file has more than {} data rows, the limit for a file. Split the dataset or ask the administrator to raise the limit.",
                limits.max_rows
            ),
        ),
    )
}

/// Spreadsheet row numbers of the records a CSV reader returns: a record's first line, less
/// the line breaks inside quoted cells before it (a spreadsheet shows such a cell in one row),
/// counting the empty lines a reader skips. The header is row 1.
#[derive(Default)]
struct SheetRows {
    embedded_breaks: u64,
    row: u64,
}

impl SheetRows {
    /// The row of the record (or error) at `position`.
    fn row_of(&mut self, position: Option<&csv::Position>, lines: &source::LineIndex) -> u64 {
        self.row = position.map_or(self.row + 1, |p| {
            lines.line_at(p.byte()).saturating_sub(self.embedded_breaks)
        });
        self.row
    }

    /// Counts the line breaks inside the record just read.
    fn passed(&mut self, record: &csv::StringRecord) {
        self.embedded_breaks += record.iter().map(source::count_breaks).sum::<u64>();
        self.row = self.row.max(1);
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

/// Reads the header and the rows numbered `wanted` (as [`check`] numbers them) of a file,
/// stopping after the last one. A file that cannot be read gives what was read before.
pub fn excerpt(source: Source<'_>, wanted: &std::collections::BTreeSet<u64>, limits: &Limits) -> Excerpt {
    let mut out = Excerpt::default();
    let Ok(sniffed) = source::sniff(source) else {
        return out;
    };
    let Ok(text) = sniffed.text(source) else {
        return out;
    };
    let (text, lines) = source::Tap::new(text);
    let (mut reader, _) = csv_reader(sniffed.delimiter, text, limits);
    let mut records = reader.records();
    let mut sheet = SheetRows::default();
    match records.next() {
        Some(Ok(r)) => {
            sheet.passed(&r);
            out.headers = r.iter().map(|h| h.trim().to_owned()).collect();
        }
        _ => return out,
    }
    let Some(&last) = wanted.last() else {
        return out;
    };
    for record in records {
        let Ok(r) = record else {
            break;
        };
        let row = sheet.row_of(r.position(), &lines);
        sheet.passed(&r);
        if wanted.contains(&row) {
            out.rows.push((row, r.iter().map(str::to_owned).collect()));
        }
        if row >= last {
            break;
        }
    }
    out
}

/// Checks a file, handing each row to `sink`. The report and ids are final only when the sink
/// keeps the rows (ids are made unique across the kept rows).
pub fn check_with(
    source: Source<'_>,
    profile: &Profile,
    options: &CheckOptions,
    sink: &mut dyn RowSink,
) -> Checked {
    let limit = options.issue_limit;
    let mut report = Report {
        profile: profile.id.clone(),
        ..Report::default()
    };
    let fail = |mut report: Report, issue: Issue| {
        report.push(issue, limit);
        report.valid = false;
        Checked {
            rows: Vec::new(),
            report,
            invalid_rows: Vec::new(),
        }
    };
    let sniffed = match source::sniff(source) {
        Ok(s) => s,
        Err(issue) => return fail(report, issue),
    };
    let delimiter = sniffed.delimiter;
    if !sniffed.confident {
        report.push(
            Issue::warning(
                IssueCode::EncodingGuessed,
                Localized::new(
                    format!("Filen är inte UTF-8; teckenkodningen gissades till {} utifrån för få tecken. Kontrollera å, ä och ö i rapporten, eller spara som \"CSV UTF-8\".", sniffed.encoding.name()),
                    format!("The file is not UTF-8; its encoding was guessed as {} from too few characters. Check å, ä and ö below, or save as \"CSV UTF-8\".", sniffed.encoding.name()),
                ),
            ),
            limit,
        );
    }
    let text = match sniffed.text(source) {
        Ok(t) => t,
        Err(e) => return fail(report, source::unreadable(&e)),
    };
    let (text, lines) = source::Tap::new(text);
    report.dialect = Dialect {
        encoding: sniffed.encoding.name().to_owned(),
        bom: sniffed.bom,
        delimiter: match delimiter {
            b'\t' => "\t".to_owned(),
            d => (d as char).to_string(),
        },
        // Settled once the whole file is read.
        line_terminator: "LF".to_owned(),
    };
    let limits = options.limits;
    let (mut reader, guard) = csv_reader(delimiter, text, &limits);
    let mut records = reader.records();
    let mut sheet = SheetRows::default();
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => {
            sheet.passed(&r);
            r.iter().map(|h| h.trim().to_owned()).collect()
        }
        Some(Err(e)) => {
            if let Some(breach) = guard.breach() {
                return fail(report, limit_issue(breach, &limits, &[]));
            }
            return fail(
                report,
                Issue::error(
                    IssueCode::FormatError,
                    Localized::new(
                        format!("Rubrikraden kunde inte läsas som CSV: {e}."),
                        format!("The header row could not be read as CSV: {e}."),
                    ),
                )
                .at_row(1),
            );
        }
        None => {
            return fail(
                report,
                Issue::error(
                    IssueCode::EmptyFile,
                    Localized::new("Filen är tom.", "The file is empty."),
                ),
            );
        }
    };
    let map = map_header(profile, &headers, &mut report, limit);
    if report.error_count > 0 {
        report.valid = false;
        return Checked {
            rows: Vec::new(),
            report,
            invalid_rows: Vec::new(),
        };
    }

    let id_columns = ids::IdColumns::of(profile);
    let municipality_column = index_of_role(profile, Role::Municipality);
    let lat_column = index_of_role(profile, Role::Latitude);
    let lon_column = index_of_role(profile, Role::Longitude);
    let axes_ambiguous = [lat_column, lon_column].iter().any(|c| {
        c.and_then(|c| header_for(&map, c)).is_some_and(|h| {
            candidate_keys(h)
                .iter()
                .any(|k| coords::AXIS_KEYS.contains(&k.as_str()))
        })
    });
    // A system the steward declares wins; else one the coordinate headers name.
    let declared_crs = options.crs.or_else(|| {
        [lat_column, lon_column]
            .iter()
            .filter_map(|c| c.and_then(|c| header_for(&map, c)))
            .find_map(header_crs)
    });
    let converter = match Converter::new() {
        Ok(c) => c,
        Err(e) => {
            return fail(
                report,
                Issue::error(
                    IssueCode::UnknownCrs,
                    Localized::new(e.to_string(), e.to_string()),
                ),
            );
        }
    };
    // Whether each profile column has a header in the file, and which: looked up once, not
    // per row.
    let headers_of: Vec<Option<&str>> = (0..profile.columns.len()).map(|c| header_for(&map, c)).collect();
    let mut rows = Vec::new();
    let mut invalid_rows = Vec::new();
    let mut derived_ids = 0u64;
    let mut row;
    for record in records {
        let record = match record {
            Ok(r) => {
                row = sheet.row_of(r.position(), &lines);
                sheet.passed(&r);
                r
            }
            Err(e) if guard.breach().is_some() || e.is_io_error() => {
                // A limit passed, or the file could not be read on: checking stops here and the
                // file is refused.
                let issue = match guard.breach() {
                    Some(breach) => limit_issue(breach, &limits, &headers),
                    None => Issue::error(
                        IssueCode::FormatError,
                        Localized::new(
                            format!("Filen kunde inte läsas till slut: {e}. Försök igen."),
                            format!("The file could not be read to its end: {e}. Try again."),
                        ),
                    ),
                };
                return fail(report, issue);
            }
            Err(e) => {
                row = sheet.row_of(e.position(), &lines);
                if report.rows.total >= limits.max_rows {
                    return fail(report, too_many_rows(&limits).at_row(row));
                }
                report.push(
                    Issue::error(
                        IssueCode::FormatError,
                        Localized::new(
                            format!("Raden kunde inte läsas som CSV ({e}). Kontrollera citattecknen."),
                            format!("The row could not be read as CSV ({e}). Check the quotes."),
                        ),
                    )
                    .at_row(row),
                    limit,
                );
                report.rows.total += 1;
                report.rows.invalid += 1;
                invalid_rows.push((row, None));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            report.rows.blank += 1;
            report.push(
                Issue::warning(
                    IssueCode::BlankRow,
                    Localized::new("Tom rad; den hoppas över.", "Blank row; it is skipped."),
                )
                .at_row(row),
                limit,
            );
            continue;
        }
        if report.rows.total >= limits.max_rows {
            return fail(report, too_many_rows(&limits).at_row(row));
        }
        report.rows.total += 1;
        let errors_before = report.error_count;
        if record.len() < headers.len() {
            report.push(
                Issue::error(
                    IssueCode::MissingCell,
                    Localized::new(
                        format!("Raden har {} celler men rubrikraden har {}. Lägg till de saknade cellerna (tomma går bra) eller kontrollera avgränsare och citattecken.", record.len(), headers.len()),
                        format!("The row has {} cells but the header has {}. Add the missing cells (empty is fine) or check delimiters and quotes.", record.len(), headers.len()),
                    ),
                )
                .at_row(row),
                limit,
            );
        } else if record.len() > headers.len()
            && record.iter().skip(headers.len()).any(|c| !c.trim().is_empty())
        {
            report.push(
                Issue::error(
                    IssueCode::ExtraCell,
                    Localized::new(
                        format!("Raden har {} celler men rubrikraden har {}. Ta bort de extra cellerna eller sätt citattecken runt värden som innehåller avgränsaren.", record.len(), headers.len()),
                        format!("The row has {} cells but the header has {}. Remove the extra cells or quote values that contain the delimiter.", record.len(), headers.len()),
                    ),
                )
                .at_row(row),
                limit,
            );
        }
        let mut values = Vec::new();
        let mut bad_columns = Vec::new();
        let mut extra = Vec::new();
        for (pos, cell) in record.iter().enumerate().take(headers.len()) {
            let cell = cell.trim();
            match map.targets[pos] {
                Some(target) => {
                    if cell.is_empty() {
                        continue;
                    }
                    let column = &profile.columns[target];
                    match value::parse(column, cell) {
                        Ok(v) => values.push((target, v)),
                        Err(e) => {
                            bad_columns.push(target);
                            report.push(
                                Issue::error(
                                    if e.constraint {
                                        IssueCode::ConstraintError
                                    } else {
                                        IssueCode::TypeError
                                    },
                                    e.message,
                                )
                                .at_row(row)
                                .in_column(&map.headers[pos])
                                .with_value(cell),
                                limit,
                            )
                        }
                    }
                }
                None => {
                    if !cell.is_empty() {
                        let header = if map.headers[pos].is_empty() {
                            column_letter(pos)
                        } else {
                            map.headers[pos].clone()
                        };
                        if map.headers[pos].is_empty() {
                            report.push(
                                Issue::warning(
                                    IssueCode::BlankLabel,
                                    Localized::new(
                                        format!("Kolumn {header} har ett värde men ingen rubrik. Ge kolumnen en rubrik eller töm den."),
                                        format!("Column {header} holds a value but has no header. Give the column a header or empty it."),
                                    ),
                                )
                                .at_row(row)
                                .in_column(&header)
                                .with_value(cell),
                                limit,
                            );
                        }
                        extra.push((header, cell.to_owned()));
                    }
                }
            }
        }
        for (i, column) in profile.columns.iter().enumerate() {
            if column.required
                && headers_of[i].is_some()
                && !values.iter().any(|(t, _)| *t == i)
                && !bad_columns.contains(&i)
            {
                report.push(
                    Issue::error(
                        IssueCode::MissingValue,
                        Localized::new(
                            format!(
                                "Kolumnen {} är obligatorisk men tom på den här raden. Fyll i ett värde.",
                                column.name
                            ),
                            format!(
                                "Column {} is required but empty on this row. Fill in a value.",
                                column.name
                            ),
                        ),
                    )
                    .at_row(row)
                    .in_column(headers_of[i].unwrap_or(&column.name)),
                    limit,
                );
            }
        }
        if let (Some(lat_i), Some(lon_i)) = (lat_column, lon_column) {
            let a = take_coordinate(&mut values, lat_i);
            let b = take_coordinate(&mut values, lon_i);
            if let (Some(a), Some(b)) = (a, b) {
                match resolve_position(a, b, declared_crs, axes_ambiguous, &converter) {
                    Ok(p) => {
                        *report.coordinate_systems.entry(p.crs.to_string()).or_default() += 1;
                        values.push((lat_i, Value::Coordinate(p.lat, p.lat_text)));
                        values.push((lon_i, Value::Coordinate(p.lon, p.lon_text)));
                    }
                    Err((code, message, value)) => report.push(
                        Issue::error(code, message)
                            .at_row(row)
                            .in_column(headers_of[lat_i].unwrap_or("latitude"))
                            .with_value(&value),
                        limit,
                    ),
                }
            }
        }
        let municipality = municipality_column
            .and_then(|c| values.iter().find(|(t, _)| *t == c))
            .and_then(|(_, v)| match v {
                Value::Municipality(code) => Some(code.clone()),
                _ => None,
            })
            .or_else(|| options.default_municipality.clone());
        if municipality.is_none() && report.error_count == errors_before {
            report.push(
                Issue::error(
                    IssueCode::MissingMunicipality,
                    Localized::new(
                        "Raden saknar kommun. Fyll i kolumnen municipality_code (kommunkod) eller publicera datamängden som en kommun.",
                        "The row has no municipality. Fill in the municipality_code column or publish the dataset as a municipality.",
                    ),
                )
                .at_row(row),
                limit,
            );
        }
        let label = id_columns.label(&values);
        if report.error_count > errors_before {
            report.rows.invalid += 1;
            invalid_rows.push((row, label));
            continue;
        }
        let id = match id_columns.assign(row, &values) {
            Ok(id) => id,
            Err(issue) => {
                report.push(issue, limit);
                report.rows.invalid += 1;
                invalid_rows.push((row, label));
                continue;
            }
        };
        if id.derived.is_some() {
            derived_ids += 1;
        }
        let checked_row = CheckedRow {
            row,
            local_id: id.local_id,
            id_derived: id.derived,
            municipality: municipality.unwrap_or_default(),
            values,
            extra,
        };
        if let Some(kept) = sink.row(checked_row) {
            rows.push(kept);
        }
    }
    if lines.crlf() {
        report.dialect.line_terminator = "CRLF".to_owned();
    } else if lines.lone_cr() {
        report.dialect.line_terminator = "CR".to_owned();
    }
    ids::resolve_ids(&mut rows, &mut report, &mut invalid_rows, limit);
    if report.rows.total == 0 {
        report.push(
            Issue::error(
                IssueCode::EmptyFile,
                Localized::new(
                    "Filen har en rubrikrad men inga rader med data. Publicering skulle tömma datamängden; exportera tabellen igen med data.",
                    "The file has a header row but no data rows. Publishing it would empty the dataset; export the table again with its data.",
                ),
            ),
            limit,
        );
    }
    let converted: Vec<String> = report
        .coordinate_systems
        .iter()
        .filter(|(crs, _)| !crs.starts_with("EPSG:4326"))
        .map(|(crs, n)| format!("{crs}: {n}"))
        .collect();
    if !converted.is_empty() {
        let list = converted.join(", ");
        report.push(
            Issue::warning(
                IssueCode::ConvertedCoordinates,
                Localized::new(
                    format!("Koordinaterna räknades om till WGS84 från {list} rader. Kontrollera några punkter på en karta."),
                    format!("Coordinates were converted to WGS84 from {list} rows. Check a few points on a map."),
                ),
            ),
            limit,
        );
    }
    if derived_ids > 0 {
        let from_link_key = id_columns
            .link_key
            .is_some_and(|c| map.targets.contains(&Some(c)));
        report.push(ids::derived_warning(derived_ids, from_link_key), limit);
    }
    report.rows.valid = rows.len() as u64;
    report.valid = report.error_count == 0;
    invalid_rows.sort_unstable();
    Checked {
        rows,
        report,
        invalid_rows,
    }
}

fn index_of_role(profile: &Profile, role: Role) -> Option<usize> {
    profile.columns.iter().position(|c| c.role == Some(role))
}

fn header_for(map: &HeaderMap, target: usize) -> Option<&str> {
    map.targets
        .iter()
        .position(|t| *t == Some(target))
        .map(|p| map.headers[p].as_str())
}

fn take_coordinate(values: &mut Vec<(usize, Value)>, column: usize) -> Option<(f64, String)> {
    let i = values.iter().position(|(c, _)| *c == column)?;
    match values.remove(i).1 {
        Value::Coordinate(n, text) => Some((n, text)),
        other => {
            values.push((column, other));
            None
        }
    }
}

/// A position resolved to WGS84.
struct Position {
    lat: f64,
    lat_text: String,
    lon: f64,
    lon_text: String,
    crs: Crs,
}

type PositionError = (IssueCode, Localized, String);

/// Resolves the two numbers of a row's latitude and longitude columns (`a`, `b`) to WGS84.
fn resolve_position(
    a: (f64, String),
    b: (f64, String),
    declared: Option<Crs>,
    axes_ambiguous: bool,
    converter: &Converter,
) -> Result<Position, PositionError> {
    let pair = format!("{}, {}", a.1, b.1);
    let degrees = a.0.abs() <= 180.0 && b.0.abs() <= 180.0;
    let outside = |lat: f64, lon: f64, pair: &str| -> PositionError {
        if lat == 0.0 && lon == 0.0 {
            return (
                IssueCode::OutsideSweden,
                Localized::new(
                    "Positionen 0, 0 ligger i Guineabukten och är troligen en platshållare för en saknad position. Fyll i den riktiga positionen.",
                    "The position 0, 0 lies in the Gulf of Guinea and is probably a placeholder for a missing position. Fill in the real position.",
                ),
                pair.to_owned(),
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
            pair.to_owned(),
        )
    };
    if degrees && matches!(declared, None | Some(Crs::Wgs84)) {
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
            return Err(outside(lat, lon, &pair));
        }
        return Ok(Position {
            lat,
            lat_text,
            lon,
            lon_text,
            crs: Crs::Wgs84,
        });
    }
    let (crs, northing, easting) = match (declared, coords::guess(a.0, b.0)) {
        (Some(Crs::Wgs84), _) => {
            return Err((
                IssueCode::UnknownCrs,
                Localized::new(
                    "Koordinaterna är inte grader i WGS84 som angivet. Ange rätt koordinatsystem (t.ex. --crs EPSG:3006).",
                    "The coordinates are not WGS84 degrees as declared. Declare the right system (e.g. --crs EPSG:3006).",
                ),
                pair,
            ));
        }
        (Some(crs), _) => (crs, a.0.max(b.0), a.0.min(b.0)),
        (
            None,
            Guess::Grid {
                crs,
                northing,
                easting,
            },
        ) => (crs, northing, easting),
        (None, Guess::LocalZone { .. }) => {
            return Err((
                IssueCode::UnknownCrs,
                Localized::new(
                    "Koordinaterna ser ut att vara i en lokal SWEREF 99-zon, men zonen går inte att avgöra från värdena. Ange den (t.ex. EPSG:3007 för SWEREF 99 12 00, Göteborg) eller räkna om till WGS84.",
                    "The coordinates look like a local SWEREF 99 zone, but the zone cannot be told from the values. Declare it (e.g. EPSG:3007 for SWEREF 99 12 00, Göteborg) or convert to WGS84.",
                ),
                pair,
            ));
        }
        (None, _) => {
            return Err((
                IssueCode::UnknownCrs,
                Localized::new(
                    "Koordinaterna passar inget känt system: WGS84 (grader), SWEREF 99 TM eller RT90 (meter). Kontrollera värdena.",
                    "The coordinates fit no known system: WGS84 (degrees), SWEREF 99 TM or RT90 (metres). Check the values.",
                ),
                pair,
            ));
        }
    };
    let (lat, lon) = converter.to_wgs84(crs, northing, easting).map_err(|e| {
        (
            IssueCode::UnknownCrs,
            Localized::new(e.to_string(), e.to_string()),
            pair.clone(),
        )
    })?;
    if !coords::in_sweden(lat, lon) {
        return Err(outside(lat, lon, &pair));
    }
    Ok(Position {
        lat,
        lat_text: coords::degrees(lat),
        lon,
        lon_text: coords::degrees(lon),
        crs,
    })
}

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
