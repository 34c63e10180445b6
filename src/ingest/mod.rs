//! Ingest: reading a steward's file (CSV or TSV, an `.xlsx` or `.ods` workbook, GeoJSON) and
//! checking it against a profile.
//!
//! Owns the format and dialect (encoding, delimiter, line ends; sheet and header row), the
//! header → column mapping (with proposals for headers the profile does not name, and the
//! mapping a steward confirmed), typed value parsing, item identity and the validation
//! [`Report`]. Pure: it takes bytes and a profile and
//! returns checked rows and a report; it never touches the store or the network.

pub mod coords;
mod diagnose;
mod header;
mod ids;
mod position;
pub mod propose;
pub mod read;
pub mod report;
mod rows;
pub mod source;
pub mod value;

use crate::profile::{Localized, Profile};
use coords::Crs;
pub use ids::short_hash;
pub use propose::ConfirmedMapping;
use read::RowError;
pub use read::{Excerpt, excerpt};
use report::DEFAULT_ISSUE_LIMIT;
pub use report::{Issue, IssueCode, Report, Severity, column_letter};
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
    /// The most bytes a workbook (a zip archive) may unpack to, by the sizes its directory
    /// declares; checked before anything is unpacked.
    pub max_expanded_bytes: u64,
}

/// Default of [`Limits::max_columns`]: far more than any profile has columns.
pub const DEFAULT_MAX_COLUMNS: usize = 1_000;
/// Default of [`Limits::max_cell_bytes`]: 64 KiB, room for a long description.
pub const DEFAULT_MAX_CELL_BYTES: usize = 64 * 1024;
/// Default of [`Limits::max_rows`]: far more than a municipality's registers hold.
pub const DEFAULT_MAX_ROWS: u64 = 500_000;
/// Default of [`Limits::max_expanded_bytes`]: 512 MiB, far more than a workbook of
/// [`DEFAULT_MAX_ROWS`] short rows unpacks to, far less than a zip bomb.
pub const DEFAULT_MAX_EXPANDED_BYTES: u64 = 512 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_columns: DEFAULT_MAX_COLUMNS,
            max_cell_bytes: DEFAULT_MAX_CELL_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
            max_expanded_bytes: DEFAULT_MAX_EXPANDED_BYTES,
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
    /// The mapping the steward confirmed for the dataset: it wins over names and proposals.
    pub mapping: ConfirmedMapping,
    /// The sheet of a workbook to read; without it, the first with data.
    pub sheet: Option<String>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            default_municipality: None,
            issue_limit: DEFAULT_ISSUE_LIMIT,
            crs: None,
            limits: Limits::default(),
            mapping: ConfirmedMapping::default(),
            sheet: None,
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

/// Checks a file, handing each row to `sink`. The report and ids are final only when the sink
/// keeps the rows (ids are made unique across the kept rows).
///
/// The parts: a reader for the file's format ([`read`]) gives the header and the rows as text;
/// the header is matched to the profile's columns ([`header`]), by name, by the steward's
/// confirmed mapping or by a proposal from the first rows' values ([`propose`]); each row's cells are checked
/// ([`rows`]); each valid row gets its id, and ids are made unique across the file ([`ids`]).
pub fn check_with(
    source: Source<'_>,
    profile: &Profile,
    options: &CheckOptions,
    sink: &mut dyn RowSink,
) -> Checked {
    let mut checked = check_rows(source, profile, options, sink);
    read::place(&mut checked.report);
    checked
}

/// [`check_with`], before each issue's place is named as the file's format names it.
fn check_rows(
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
    let read::Opened { mut reader, warnings } =
        match read::open(source, &options.limits, options.sheet.as_deref()) {
            Ok(opened) => opened,
            Err(issue) => return refused(report, issue, limit),
        };
    for warning in warnings {
        report.push(warning, limit);
    }
    // The line ends are settled once the whole file is read.
    report.dialect = reader.dialect();
    let headers = match reader.header() {
        Ok(headers) => headers,
        Err(stop) => {
            let issue = stop.issue(&options.limits, &[], &report.dialect);
            return refused(report, issue, limit);
        }
    };
    // The first rows are read before the header is mapped: they tell the file's structure,
    // and their values what unknown headers mean.
    let mut sample = Vec::new();
    let mut sampled_bytes = 0;
    let mut row = read::Row::default();
    while sample.len() < SAMPLE_ROWS && sampled_bytes < SAMPLE_BYTES {
        let Some(next) = reader.next_row(&mut row) else {
            break;
        };
        let stop = matches!(next, Err(RowError::Stop(_)));
        sampled_bytes += row.cells.iter().map(String::len).sum::<usize>();
        sample.push(next.map(|()| row.clone()));
        if stop {
            break;
        }
    }
    let Structure {
        headers,
        wrapped,
        delimiter,
    } = structure(profile, headers, &sample, &mut report, limit);
    let mut values = propose::Sample::new(headers.len());
    for kept in sample.iter().flatten().filter(|r| !r.is_blank()) {
        match wrapped.as_ref().and_then(|w| w.unwrap_row(&kept.cells)) {
            Some(cells) => values.add(&cells),
            None => values.add(&kept.cells),
        }
    }
    let evidence = header::Evidence {
        sample: &values,
        confirmed: &options.mapping,
    };
    let map = header::map_header_with(profile, headers, &evidence, &mut report, limit);
    drop(values);
    if report.error_count > 0 {
        report.valid = false;
        return Checked {
            rows: Vec::new(),
            report,
            invalid_rows: Vec::new(),
        };
    }
    let checker = match rows::RowChecker::new(profile, &map, options) {
        Ok(checker) => checker.with_delimiter(delimiter),
        Err(issue) => return refused(report, issue, limit),
    };
    let mut duplicates = diagnose::Duplicates::default();
    for &(first, second) in &map.duplicates {
        if let Some(t) = map.targets[first] {
            duplicates.add(first, second, &profile.columns[t].name);
        }
    }
    let mut pass = Pass {
        report,
        ids: ids::IdColumns::of(profile),
        rows: Vec::new(),
        invalid_rows: Vec::new(),
        derived_ids: 0,
        limit,
        duplicates,
    };
    let mut sampled = sample.into_iter();
    loop {
        let next = match sampled.next() {
            Some(Ok(kept)) => {
                row = kept;
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => match reader.next_row(&mut row) {
                Some(next) => next,
                None => break,
            },
        };
        let step = match next {
            Ok(()) => {
                if let Some(cells) = wrapped.as_ref().and_then(|w| w.unwrap_row(&row.cells)) {
                    row.cells = cells;
                }
                pass.row(&checker, &row, sink)
            }
            Err(RowError::Malformed { row, message }) => checker
                .malformed(row, message, &mut pass.report)
                .map(|()| pass.reject(row, None)),
            Err(RowError::Stop(stop)) => Err(stop.issue(&options.limits, &map.headers, &pass.report.dialect)),
        };
        if let Err(issue) = step {
            // A limit passed, or the file could not be read on: the file is refused.
            return refused(pass.report, issue, limit);
        }
    }
    pass.report.dialect = reader.dialect();
    pass.finish(&map)
}

/// How many rows are read before the header is mapped, to tell the file's structure and what
/// unknown headers mean.
const SAMPLE_ROWS: usize = propose::SAMPLE_ROWS;
/// The most bytes of cells held for that: a few wide rows of long cells end the sample early,
/// so it never holds much more than one row at the limits.
const SAMPLE_BYTES: usize = 1 << 20;

/// What the header and the first rows tell of a file's structure.
struct Structure {
    /// The header to map: as read, or split where it was saved wrong.
    headers: Vec<String>,
    /// Rows saved as one quoted cell each, and the delimiter inside them.
    wrapped: Option<diagnose::Wrapped>,
    /// The delimiter between a row's values; none for a workbook or GeoJSON, whose cells no
    /// delimiter can split.
    delimiter: Option<char>,
}

/// Tells from the header and the sampled rows whether rows were saved as one column each (read
/// from inside their cells) and whether header names were joined by spaces (split when the
/// rows agree, proposed when they do not), with the issue that says so.
fn structure(
    profile: &Profile,
    mut headers: Vec<String>,
    sample: &[Result<read::Row, RowError>],
    report: &mut Report,
    limit: usize,
) -> Structure {
    if report.dialect.format.is_some() {
        // A workbook's or a GeoJSON file's cells are as the steward's tool wrote them: no
        // delimiter joined or split them.
        return Structure {
            headers,
            wrapped: None,
            delimiter: None,
        };
    }
    let file_delimiter = report.dialect.delimiter.bytes().next().unwrap_or(b',');
    let rows: Vec<&[String]> = sample
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|r| !r.is_blank())
        .map(|r| r.cells.as_slice())
        .collect();
    let wrapped = diagnose::wrapped_rows(&headers, &rows, file_delimiter);
    let mut delimiter = char::from(file_delimiter);
    let mut widths: Vec<usize> = rows.iter().map(|r| r.len()).collect();
    if let Some(w) = &wrapped {
        if let Some(split) = &w.header {
            headers.clone_from(split);
        }
        let unwrapped: Vec<Option<Vec<String>>> = rows.iter().map(|r| w.unwrap_row(r)).collect();
        let count = unwrapped.iter().filter(|u| u.is_some()).count() as u64;
        widths = unwrapped
            .iter()
            .zip(&rows)
            .map(|(u, r)| u.as_ref().map_or(r.len(), Vec::len))
            .collect();
        report.push(w.issue(count), limit);
        delimiter = char::from(w.delimiter);
    }
    if let Some(&width) = widths.iter().min() {
        let keys = header::profile_keys(profile);
        let column_of = |h: &str| header::column_of(&keys, h);
        if let Some(joined) = diagnose::joined_header(&headers, width, &column_of) {
            // Mapped split either way: when the counts disagree the error refuses the file
            // alone, without the missing and unknown columns the joined cell would give.
            report.push(joined.issue(&headers, delimiter, width), limit);
            headers = joined.split(&headers);
        }
    }
    Structure {
        headers,
        wrapped,
        delimiter: Some(delimiter),
    }
}

/// A file refused whole: the report so far and the issue that refuses it; no rows.
fn refused(mut report: Report, issue: Issue, limit: usize) -> Checked {
    report.push(issue, limit);
    report.valid = false;
    Checked {
        rows: Vec::new(),
        report,
        invalid_rows: Vec::new(),
    }
}

/// One pass over a file's rows: what was found so far.
struct Pass {
    report: Report,
    ids: ids::IdColumns,
    rows: Vec<CheckedRow>,
    invalid_rows: Vec<(u64, Option<String>)>,
    /// How many rows have derived ids.
    derived_ids: u64,
    limit: usize,
    /// Header cells that mean the same column, compared row by row.
    duplicates: diagnose::Duplicates,
}

impl Pass {
    /// Checks a row and, when it has no errors, gives it its id and hands it to `sink`; an
    /// error refuses the file.
    fn row(
        &mut self,
        checker: &rows::RowChecker<'_>,
        row: &read::Row,
        sink: &mut dyn RowSink,
    ) -> Result<(), Issue> {
        if !self.duplicates.is_empty() && !row.is_blank() {
            self.duplicates.row(row.number, &row.cells);
        }
        let Some(cells) = checker.check(row, &mut self.report)? else {
            return Ok(());
        };
        let label = self.ids.label(&cells.values);
        if !cells.valid {
            self.reject(row.number, label);
            return Ok(());
        }
        let id = match self.ids.assign(row.number, &cells.values) {
            Ok(id) => id,
            Err(issue) => {
                self.report.push(issue, self.limit);
                self.reject(row.number, label);
                return Ok(());
            }
        };
        if id.derived.is_some() {
            self.derived_ids += 1;
        }
        let checked = CheckedRow {
            row: row.number,
            local_id: id.local_id,
            id_derived: id.derived,
            municipality: cells.municipality.unwrap_or_default(),
            values: cells.values,
            extra: cells.extra,
        };
        if let Some(kept) = sink.row(checked) {
            self.rows.push(kept);
        }
        Ok(())
    }

    /// Counts a row with errors, named by `label` when it has a name or id.
    fn reject(&mut self, row: u64, label: Option<String>) {
        self.report.rows.invalid += 1;
        self.invalid_rows.push((row, label));
    }

    /// Makes ids unique and adds what is said of the whole file.
    fn finish(mut self, map: &header::HeaderMap) -> Checked {
        let limit = self.limit;
        for issue in self.duplicates.issues(&map.headers) {
            self.report.push(issue, limit);
        }
        ids::resolve_ids(&mut self.rows, &mut self.report, &mut self.invalid_rows, limit);
        if self.report.rows.total == 0 {
            self.report.push(
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
        if let Some(issue) = position::converted_warning(&self.report) {
            self.report.push(issue, limit);
        }
        if self.derived_ids > 0 {
            let from_link_key = self.ids.link_key.is_some_and(|c| map.targets.contains(&Some(c)));
            self.report
                .push(ids::derived_warning(self.derived_ids, from_link_key), limit);
        }
        self.report.rows.valid = self.rows.len() as u64;
        self.report.valid = self.report.error_count == 0;
        self.invalid_rows.sort_unstable();
        Checked {
            rows: self.rows,
            report: self.report,
            invalid_rows: self.invalid_rows,
        }
    }
}

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
