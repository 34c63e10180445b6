//! The reader of workbooks: Excel `.xlsx` and OpenDocument `.ods` (LibreOffice), read with
//! calamine. Owns choosing the sheet (the one asked for by name, else the first with data),
//! finding the header row (the first row with two or more values: a title above it, often merged
//! across the columns, is skipped with a warning), and turning cells into the text the checker
//! reads as a steward means it: whole numbers Excel stores as floats (`57.0`) without their
//! decimals, dates stored as serial numbers with a date format as ISO dates, empty trailing
//! rows and columns dropped.
//!
//! An `.xlsx` sheet is streamed cell by cell, so its declared dimension means nothing; an `.ods`
//! sheet is read by calamine whole, so its used area (after LibreOffice's repeated rows and
//! columns are expanded) is checked first against [`ODS_MAX_CELLS`]. Either way the cells are
//! kept as one text with offsets, about the size of the same table as CSV, and held to the
//! [`Limits`] as they are read.

use super::format::{self, ReadSeek};
use super::{Opened, Reader, Row, RowError, Stop};
use crate::ingest::Limits;
use crate::ingest::report::{Dialect, Issue, IssueCode, column_letter};
use crate::ingest::source::{Breach, Source};
use crate::profile::Localized;
use calamine::{Data, DataRef, ExcelDateTime, Reader as _};

/// The most cells of an `.ods` sheet's used area (its first to last value, repeats expanded):
/// calamine holds the area whole, about 32 bytes a cell.
pub const ODS_MAX_CELLS: u64 = 12_000_000;

/// How many rows from the top are looked at for the header row.
const HEADER_SEARCH: usize = 20;

/// A sheet's rows that hold values: the text of every cell, one after the other, and where
/// each cell ends.
#[derive(Default)]
struct Cells {
    text: String,
    ends: Vec<usize>,
    /// `(sheet row, index of its first cell in ends, number of cells)`.
    rows: Vec<(u64, usize, usize)>,
}

impl Cells {
    fn row(&self, i: usize) -> (u64, impl Iterator<Item = &str>) {
        let (number, first, len) = self.rows[i];
        let start = |k: usize| if k == 0 { 0 } else { self.ends[k - 1] };
        (
            number,
            (first..first + len).map(move |k| &self.text[start(k)..self.ends[k]]),
        )
    }
}

/// Gathers a sheet's cells, row by row, in the order a sheet is written. A cell's text is
/// written straight into a buffer the row reuses: no allocation per cell.
struct Gather<'l> {
    limits: &'l Limits,
    cells: Cells,
    /// The number of the row being gathered, once it has a value.
    current: Option<u64>,
    /// The row's cells with values: column, and where the text is in `scratch`.
    pending: Vec<(usize, std::ops::Range<usize>)>,
    scratch: String,
    /// The limit a cell passed: gathering stopped there.
    breach: Option<Breach>,
}

impl<'l> Gather<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            cells: Cells::default(),
            current: None,
            pending: Vec::new(),
            scratch: String::new(),
            breach: None,
        }
    }

    /// Whether gathering should stop: a limit was passed, or there are more rows than the limit
    /// (the checker refuses the file with them).
    fn done(&self) -> bool {
        self.breach.is_some()
            || self.cells.rows.len() as u64 > self.limits.max_rows.saturating_add(HEADER_SEARCH as u64)
    }

    /// Adds a cell (0-based row and column, as calamine gives them), whose text `write` appends.
    fn cell(&mut self, row: u32, column: u32, write: impl FnOnce(&mut String)) {
        if self.breach.is_some() {
            return;
        }
        let number = u64::from(row) + 1;
        if self.current.is_some_and(|n| n != number) {
            self.flush();
        }
        let start = self.scratch.len();
        write(&mut self.scratch);
        let len = self.scratch.len() - start;
        if len == 0 {
            return;
        }
        let column = column as usize;
        if column >= self.limits.max_columns {
            self.breach = Some(Breach::TooManyCells { row: number });
        } else if len > self.limits.max_cell_bytes {
            self.breach = Some(Breach::CellTooLarge { row: number, column });
        } else {
            self.current = Some(number);
            self.pending.push((column, start..self.scratch.len()));
            return;
        }
        self.scratch.truncate(start);
    }

    /// Ends the row being gathered: its cells from column A to its last value.
    fn flush(&mut self) {
        let Some(number) = self.current.take() else {
            return;
        };
        let mut values = std::mem::take(&mut self.pending);
        if values
            .iter()
            .any(|(_, r)| !self.scratch[r.clone()].trim().is_empty())
        {
            if !values.is_sorted_by_key(|(c, _)| *c) {
                values.sort_by_key(|(c, _)| *c);
            }
            let width = values.last().map_or(0, |(c, _)| c + 1);
            let first = self.cells.ends.len();
            let mut next = values.iter().peekable();
            for column in 0..width {
                if let Some((_, range)) = next.next_if(|(c, _)| *c == column) {
                    self.cells.text.push_str(&self.scratch[range.clone()]);
                }
                // Two values in one cell (a malformed sheet): the first is kept.
                while next.next_if(|(c, _)| *c == column).is_some() {}
                self.cells.ends.push(self.cells.text.len());
            }
            self.cells.rows.push((number, first, width));
        }
        values.clear();
        self.pending = values;
        self.scratch.clear();
    }

    fn finish(mut self) -> (Cells, Option<Breach>) {
        if self.breach.is_none() {
            self.flush();
        }
        (self.cells, self.breach)
    }
}

/// Text of a number as a steward typed it: whole numbers without decimals (Excel stores every
/// number as a float: a code typed `1401` is `1401.0`), others in their shortest form.
pub fn number_text(n: f64) -> String {
    let mut out = String::new();
    write_number(&mut out, n);
    out
}

fn write_number(out: &mut String, n: f64) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        write!(out, "{}", n as i64)
    } else {
        write!(out, "{n}")
    };
}

/// An Excel serial date as ISO 8601: the date alone at midnight, else date and time.
fn write_date(out: &mut String, d: &ExcelDateTime) {
    use std::fmt::Write as _;
    if d.is_duration() {
        return write_number(out, d.as_f64());
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    let _ = if (h, min, s) == (0, 0, 0) {
        write!(out, "{y:04}-{m:02}-{day:02}")
    } else {
        write!(out, "{y:04}-{m:02}-{day:02}T{h:02}:{min:02}:{s:02}")
    };
}

/// An ISO date and time as OpenDocument writes it, the time left out at midnight.
fn iso_text(s: &str) -> &str {
    s.strip_suffix("T00:00:00").unwrap_or(s)
}

/// Appends the text of a cell of an `.xlsx` sheet.
fn write_ref(out: &mut String, cell: &DataRef<'_>) {
    match cell {
        DataRef::Int(i) => write_int(out, *i),
        DataRef::Float(f) => write_number(out, *f),
        DataRef::String(s) => out.push_str(s),
        DataRef::SharedString(s) => out.push_str(s),
        DataRef::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        DataRef::DateTime(d) => write_date(out, d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => out.push_str(iso_text(s)),
        DataRef::Error(e) => out.push_str(&e.to_string()),
        DataRef::Empty => {}
    }
}

/// Appends the text of a cell of an `.ods` sheet.
fn write_data(out: &mut String, cell: &Data) {
    match cell {
        Data::Int(i) => write_int(out, *i),
        Data::Float(f) => write_number(out, *f),
        Data::String(s) => out.push_str(s),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::DateTime(d) => write_date(out, d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => out.push_str(iso_text(s)),
        Data::Error(e) => out.push_str(&e.to_string()),
        Data::Empty => {}
    }
}

fn write_int(out: &mut String, i: i64) {
    use std::fmt::Write as _;
    let _ = write!(out, "{i}");
}

/// A workbook's sheet, read.
pub struct Workbook {
    cells: Cells,
    breach: Option<Breach>,
    /// The index in `cells.rows` of the header row; `None` when the sheet is empty.
    header: Option<usize>,
    next: usize,
    format: &'static str,
    sheet: String,
}

/// The issue for a workbook calamine could not read.
fn unreadable(what: &dyn std::fmt::Display) -> Issue {
    Issue::error(
        IssueCode::FormatError,
        Localized::new(
            format!(
                "Arbetsboken kunde inte läsas ({what}). Öppna den i Excel eller LibreOffice och spara den igen, eller spara tabellen som CSV."
            ),
            format!(
                "The workbook could not be read ({what}). Open it in Excel or LibreOffice and save it again, or save the table as CSV."
            ),
        ),
    )
}

fn no_such_sheet(asked: &str, names: &[String]) -> Issue {
    let list = names.join("\", \"");
    Issue::error(
        IssueCode::FormatError,
        Localized::new(
            format!("Arbetsboken har inget blad som heter \"{asked}\". Bladen är: \"{list}\"."),
            format!("The workbook has no sheet named \"{asked}\". Its sheets are: \"{list}\"."),
        ),
    )
}

impl Workbook {
    /// Opens an `.xlsx` workbook and reads its sheet.
    pub fn open_xlsx<'a>(
        source: Source<'a>,
        limits: &Limits,
        sheet: Option<&str>,
    ) -> Result<Opened<'a>, Issue> {
        let reader = format::seekable(source).map_err(|e| crate::ingest::source::unreadable(&e))?;
        let mut book: calamine::Xlsx<Box<dyn ReadSeek + 'a>> =
            calamine::Xlsx::new(reader).map_err(|e| unreadable(&e))?;
        let names = worksheet_names(book.sheets_metadata());
        let candidates = candidates(&names, sheet)?;
        let mut first = None;
        for name in candidates {
            let mut gather = Gather::new(limits);
            let mut cells = book.worksheet_cells_reader(&name).map_err(|e| unreadable(&e))?;
            while !gather.done() {
                match cells.next_cell() {
                    Ok(Some(cell)) => {
                        let (row, column) = cell.get_position();
                        gather.cell(row, column, |out| write_ref(out, cell.get_value()));
                    }
                    Ok(None) => break,
                    Err(e) => return Err(unreadable(&e)),
                }
            }
            let (cells, breach) = gather.finish();
            let opened = Workbook::new(cells, breach, "xlsx", name);
            if opened.header.is_some() || opened.breach.is_some() {
                return Ok(opened.opened());
            }
            first.get_or_insert(opened);
        }
        first.map(Workbook::opened).ok_or_else(empty_workbook)
    }

    /// Opens an `.ods` spreadsheet and reads its sheet.
    pub fn open_ods<'a>(
        source: Source<'a>,
        limits: &Limits,
        sheet: Option<&str>,
    ) -> Result<Opened<'a>, Issue> {
        guard_ods(source, limits)?;
        let reader = format::seekable(source).map_err(|e| crate::ingest::source::unreadable(&e))?;
        let mut book: calamine::Ods<Box<dyn ReadSeek + 'a>> =
            calamine::Ods::new(reader).map_err(|e| unreadable(&e))?;
        let names = worksheet_names(book.sheets_metadata());
        let candidates = candidates(&names, sheet)?;
        let mut first = None;
        for name in candidates {
            let range = book.worksheet_range(&name).map_err(|e| unreadable(&e))?;
            let mut gather = Gather::new(limits);
            let (top, left) = range.start().unwrap_or((0, 0));
            'rows: for (i, row) in range.rows().enumerate() {
                for (j, cell) in row.iter().enumerate() {
                    if gather.done() {
                        break 'rows;
                    }
                    gather.cell(top + i as u32, left + j as u32, |out| write_data(out, cell));
                }
            }
            drop(range);
            let (cells, breach) = gather.finish();
            let opened = Workbook::new(cells, breach, "ods", name);
            if opened.header.is_some() || opened.breach.is_some() {
                return Ok(opened.opened());
            }
            first.get_or_insert(opened);
        }
        first.map(Workbook::opened).ok_or_else(empty_workbook)
    }

    fn new(cells: Cells, breach: Option<Breach>, format: &'static str, sheet: String) -> Self {
        let header = header_row(&cells);
        Workbook {
            next: header.map_or(0, |h| h + 1),
            cells,
            breach,
            header,
            format,
            sheet,
        }
    }

    fn opened<'a>(self) -> Opened<'a> {
        let mut warnings = Vec::new();
        if let Some(h) = self.header.filter(|h| *h > 0) {
            let skipped: Vec<String> = (0..h).map(|i| self.cells.rows[i].0.to_string()).collect();
            let header = self.cells.rows[h].0;
            warnings.push(
                Issue::warning(
                    IssueCode::TitleRows,
                    Localized::new(
                        format!(
                            "Rubrikraden är rad {header} på bladet {}; raderna ovanför ({}) har bara en cell med värde och lästes som rubrik eller titel, inte som data.",
                            self.sheet,
                            skipped.join(", ")
                        ),
                        format!(
                            "The header row is row {header} of sheet {}; the rows above it ({}) hold a single value and were read as a title, not as data.",
                            self.sheet,
                            skipped.join(", ")
                        ),
                    ),
                ),
            );
        }
        Opened {
            reader: Box::new(self),
            warnings,
        }
    }
}

fn empty_workbook() -> Issue {
    Issue::error(
        IssueCode::EmptyFile,
        Localized::new(
            "Arbetsboken har inga blad med data. Lägg tabellen med rubrikraden överst på första bladet.",
            "The workbook has no sheet with data. Put the table, its header row on top, on the first sheet.",
        ),
    )
}

/// The names of a workbook's worksheets (not its charts), in order.
fn worksheet_names(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

/// The sheets to try, in order: the one asked for, or every worksheet.
fn candidates(names: &[String], asked: Option<&str>) -> Result<Vec<String>, Issue> {
    match asked {
        None => Ok(names.to_vec()),
        Some(asked) => names
            .iter()
            .find(|n| n.as_str() == asked || n.trim().eq_ignore_ascii_case(asked.trim()))
            .map(|n| vec![n.clone()])
            .ok_or_else(|| no_such_sheet(asked, names)),
    }
}

/// The header row: the first of the top rows with two or more values (a title above it holds
/// one), else the first row with a value.
fn header_row(cells: &Cells) -> Option<usize> {
    if cells.rows.is_empty() {
        return None;
    }
    (0..cells.rows.len().min(HEADER_SEARCH))
        .find(|&i| cells.row(i).1.filter(|c| !c.trim().is_empty()).count() >= 2)
        .or(Some(0))
}

impl Reader for Workbook {
    fn header(&mut self) -> Result<Vec<String>, Stop> {
        let Some(h) = self.header else {
            return Err(match self.breach.take() {
                Some(breach) => Stop::Limit(breach),
                None => Stop::Unreadable(empty_workbook()),
            });
        };
        if let Some(breach) = self.breach
            && breach_row(breach) <= self.cells.rows[h].0
        {
            return Err(Stop::Limit(breach));
        }
        let (_, cells) = self.cells.row(h);
        Ok(cells.map(|c| c.trim().to_owned()).collect())
    }

    fn next_row(&mut self, row: &mut Row) -> Option<Result<(), RowError>> {
        if self.next >= self.cells.rows.len() {
            return self.breach.take().map(|b| Err(RowError::Stop(Stop::Limit(b))));
        }
        let (number, cells) = self.cells.row(self.next);
        row.fill(number, cells);
        self.next += 1;
        // Cells past a row's last value are empty, as in the header.
        let width = self.header.map_or(0, |h| self.cells.rows[h].2);
        while row.cells.len() < width {
            row.cells.push(String::new());
        }
        Some(Ok(()))
    }

    fn dialect(&self) -> Dialect {
        Dialect {
            format: Some(self.format.to_owned()),
            sheet: Some(self.sheet.clone()),
            header_row: self.header.map(|h| self.cells.rows[h].0),
            ..Dialect::default()
        }
    }
}

fn breach_row(breach: Breach) -> u64 {
    match breach {
        Breach::TooManyCells { row } | Breach::CellTooLarge { row, .. } => row,
    }
}

/// Where an issue is in a workbook, as the spreadsheet names it: `Blad1!C7`, `'Mitt blad'!C7`,
/// or `Blad1!7:7` for a whole row.
pub fn cell_name(sheet: &str, row: u64, column: Option<usize>) -> String {
    let plain = sheet.chars().all(|c| c.is_alphanumeric() || c == '_');
    let sheet = if plain {
        sheet.to_owned()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    };
    match column {
        Some(c) => format!("{sheet}!{}{row}", column_letter(c)),
        None => format!("{sheet}!{row}:{row}"),
    }
}

/// Checks an `.ods` file's used area before calamine expands it: LibreOffice writes runs of
/// equal rows and cells once with a repeat count, and a few bytes can stand for millions of
/// cells. Reads `content.xml` as a stream, tag by tag.
fn guard_ods(source: Source<'_>, limits: &Limits) -> Result<(), Issue> {
    let reader = format::seekable(source).map_err(|e| crate::ingest::source::unreadable(&e))?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| unreadable(&e))?;
    let content = archive.by_name("content.xml").map_err(|e| unreadable(&e))?;
    let mut area = OdsArea::default();
    scan_tags(std::io::BufReader::new(content), |tag| area.tag(tag)).map_err(|e| unreadable(&e))?;
    area.end_table();
    let cells = area.max_cells;
    if area.widest > limits.max_columns as u64 {
        return Err(Issue::error(
            IssueCode::TooManyColumns,
            Localized::new(
                format!(
                    "Ett blad har värden i fler än {} kolumner, gränsen för en fil. Ta bort de kolumner som inte hör till datamängden.",
                    limits.max_columns
                ),
                format!(
                    "A sheet has values in more than {} columns, the limit for a file. Remove the columns that do not belong to the dataset.",
                    limits.max_columns
                ),
            ),
        ));
    }
    if cells > ODS_MAX_CELLS {
        return Err(Issue::error(
            IssueCode::TooManyRows,
            Localized::new(
                format!(
                    "Ett blad sträcker sig över {cells} celler (rader gånger kolumner, upprepningar inräknade), mer än {ODS_MAX_CELLS} som ett .ods-blad får ha. Ta bort tomma rader och kolumner mellan värdena, eller spara tabellen som CSV eller .xlsx."
                ),
                format!(
                    "A sheet spans {cells} cells (rows times columns, repeats included), more than the {ODS_MAX_CELLS} an .ods sheet may have. Remove empty rows and columns between the values, or save the table as CSV or .xlsx."
                ),
            ),
        ));
    }
    Ok(())
}

/// The used area of the sheets of an `.ods` file, as calamine would expand it.
#[derive(Default)]
struct OdsArea {
    /// Rows of the current sheet so far, repeats expanded.
    rows: u64,
    /// The end of the current sheet's last row with a value.
    last_row: u64,
    /// The widest row with values of the current sheet, to its last value.
    width: u64,
    /// The current row: its repeat count, width so far and width to its last value.
    row_repeat: u64,
    row_width: u64,
    row_used: u64,
    widest: u64,
    max_cells: u64,
}

impl OdsArea {
    fn tag(&mut self, tag: &[u8]) {
        // The name ends at white space, or at the `/` of an empty element (`<x/>`); a closing
        // tag's name starts with its `/`.
        let name_end = tag
            .iter()
            .skip(1)
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .map_or(tag.len(), |p| p + 1);
        match &tag[..name_end] {
            b"table:table" => self.end_table(),
            b"table:table-row" => {
                self.row_repeat = attr_number(tag, b"table:number-rows-repeated=\"").unwrap_or(1);
                self.row_width = 0;
                self.row_used = 0;
                if tag.ends_with(b"/") {
                    self.end_row();
                }
            }
            b"/table:table-row" => self.end_row(),
            b"table:table-cell" | b"table:covered-table-cell" => {
                let repeat = attr_number(tag, b"table:number-columns-repeated=\"").unwrap_or(1);
                self.row_width = self.row_width.saturating_add(repeat);
                if find(tag, b"office:value-type=\"").is_some() {
                    self.row_used = self.row_width;
                }
            }
            _ => {}
        }
    }

    fn end_row(&mut self) {
        self.rows = self.rows.saturating_add(self.row_repeat);
        if self.row_used > 0 {
            self.last_row = self.rows;
            self.width = self.width.max(self.row_used);
            self.widest = self.widest.max(self.row_used);
        }
        self.row_repeat = 0;
        self.row_used = 0;
    }

    fn end_table(&mut self) {
        self.max_cells = self.max_cells.max(self.last_row.saturating_mul(self.width));
        self.rows = 0;
        self.last_row = 0;
        self.width = 0;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The number in an attribute `name="123"` of a tag.
fn attr_number(tag: &[u8], name: &[u8]) -> Option<u64> {
    let start = find(tag, name)? + name.len();
    let digits: Vec<u8> = tag[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// Hands each tag of an XML stream (the text between `<` and `>`, its first 4 KiB) to `each`.
fn scan_tags(mut xml: impl std::io::BufRead, mut each: impl FnMut(&[u8])) -> std::io::Result<()> {
    const TAG_KEPT: usize = 4096;
    let mut tag = Vec::with_capacity(256);
    let mut in_tag = false;
    loop {
        let buf = xml.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let n = buf.len();
        for &b in buf {
            if in_tag {
                if b == b'>' {
                    each(&tag);
                    tag.clear();
                    in_tag = false;
                } else if tag.len() < TAG_KEPT {
                    tag.push(b);
                }
            } else if b == b'<' {
                in_tag = true;
            }
        }
        xml.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_steward_typed_them() {
        assert_eq!(number_text(1401.0), "1401");
        assert_eq!(number_text(57.0), "57");
        assert_eq!(number_text(57.66512181118435), "57.66512181118435");
        assert_eq!(number_text(-0.5), "-0.5");
        assert_eq!(number_text(1e20), "100000000000000000000");
        let date_text = |d: &ExcelDateTime| {
            let mut out = String::new();
            write_date(&mut out, d);
            out
        };
        let date = ExcelDateTime::new(45078.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(date_text(&date), "2023-06-01");
        let time = ExcelDateTime::new(45078.5, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(date_text(&time), "2023-06-01T12:00:00");
        assert_eq!(iso_text("2023-06-01T00:00:00"), "2023-06-01");
    }

    #[test]
    fn cells_are_named_as_the_spreadsheet_names_them() {
        assert_eq!(cell_name("Blad1", 7, Some(2)), "Blad1!C7");
        assert_eq!(cell_name("Mitt blad", 7, Some(27)), "'Mitt blad'!AB7");
        assert_eq!(cell_name("Blad1", 7, None), "Blad1!7:7");
    }

    #[test]
    fn the_header_is_the_first_row_with_two_values_and_rows_are_padded() {
        let limits = Limits::default();
        let mut gather = Gather::new(&limits);
        gather.cell(0, 0, |out| out.push_str("Badplatser i Härryda"));
        gather.cell(2, 0, |out| out.push_str("namn"));
        gather.cell(2, 2, |out| out.push_str("lat"));
        gather.cell(3, 0, |out| out.push_str("Frökens udde"));
        gather.cell(5, 1, |_| {});
        let (cells, breach) = gather.finish();
        assert!(breach.is_none());
        let mut book = Workbook::new(cells, None, "xlsx", "Blad1".into());
        assert_eq!(book.header().unwrap(), ["namn", "", "lat"]);
        let mut row = Row::default();
        assert_eq!(book.next_row(&mut row), Some(Ok(())));
        assert_eq!(
            (row.number, row.cells.as_slice()),
            (4, &["Frökens udde".to_owned(), String::new(), String::new()][..])
        );
        assert_eq!(book.next_row(&mut row), None);
        assert_eq!(book.dialect().header_row, Some(3));
        let Opened { warnings, .. } = book.opened();
        assert_eq!(warnings[0].code, IssueCode::TitleRows);
    }

    #[test]
    fn limits_are_passed_where_the_cell_is() {
        let limits = Limits {
            max_columns: 3,
            max_cell_bytes: 5,
            ..Limits::default()
        };
        let mut gather = Gather::new(&limits);
        gather.cell(0, 0, |out| out.push('a'));
        gather.cell(0, 1, |out| out.push('b'));
        gather.cell(1, 1, |out| out.push_str("toolong"));
        let (_, breach) = gather.finish();
        assert_eq!(breach, Some(Breach::CellTooLarge { row: 2, column: 1 }));
        let mut gather = Gather::new(&limits);
        gather.cell(0, 3, |out| out.push('d'));
        assert_eq!(gather.finish().1, Some(Breach::TooManyCells { row: 1 }));
    }

    #[test]
    fn an_ods_used_area_counts_repeats_between_values() {
        let mut area = OdsArea::default();
        let xml = br#"<table:table table:name="Blad1"><table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="4"/></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#;
        scan_tags(&xml[..], |t| area.tag(t)).unwrap();
        area.end_table();
        // Trailing empty rows and cells count for nothing.
        assert_eq!((area.max_cells, area.widest), (12, 4));
    }
}
