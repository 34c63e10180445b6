//! The reader of delimited text: CSV with commas, semicolons or tabs, in the encoding the
//! sniffer tells ([`source::sniff`]), decoded and guarded ([`source::Guard`]) as it streams.

use super::{Opened, Reader, Row, RowError, Stop};
use crate::ingest::Limits;
use crate::ingest::report::{Dialect, Issue, IssueCode};
use crate::ingest::source::{self, GuardReport, LineIndex, Sniffed, Source, Tap};
use crate::profile::Localized;
use std::io::Read;

/// The decoded text of a file, as the CSV reader reads it: through the guard and the tap that
/// tells line numbers.
type Text<'a> = source::Guard<Tap<Box<dyn Read + 'a>>>;

/// A delimited text file being read.
pub struct Delimited<'a> {
    reader: csv::Reader<Text<'a>>,
    record: csv::StringRecord,
    guard: GuardReport,
    lines: LineIndex,
    sheet: SheetRows,
    sniffed: Sniffed,
}

impl<'a> Delimited<'a> {
    /// Tells the file's encoding and delimiter and opens it for reading; a warning when the
    /// encoding was guessed from little evidence.
    pub fn open(source: Source<'a>, limits: &Limits) -> Result<Opened<'a>, Issue> {
        let sniffed = source::sniff(source)?;
        let mut warnings = Vec::new();
        if !sniffed.confident {
            warnings.push(encoding_guessed(&sniffed));
        }
        let text = sniffed.text(source).map_err(|e| source::unreadable(&e))?;
        let (text, lines) = Tap::new(text);
        let (reader, guard) = csv_reader(sniffed.delimiter, text, limits);
        let reader = Box::new(Delimited {
            reader,
            record: csv::StringRecord::new(),
            guard,
            lines,
            sheet: SheetRows::default(),
            sniffed,
        });
        Ok(Opened { reader, warnings })
    }
}

impl Reader for Delimited<'_> {
    fn header(&mut self) -> Result<Vec<String>, Stop> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {
                self.sheet.passed(&self.record);
                Ok(self.record.iter().map(|h| h.trim().to_owned()).collect())
            }
            Err(e) => Err(match self.guard.breach() {
                Some(breach) => Stop::Limit(breach),
                None => Stop::Unreadable(
                    Issue::error(
                        IssueCode::FormatError,
                        Localized::new(
                            format!("Rubrikraden kunde inte läsas som CSV: {e}."),
                            format!("The header row could not be read as CSV: {e}."),
                        ),
                    )
                    .at_row(1),
                ),
            }),
            Ok(false) => Err(Stop::Unreadable(Issue::error(
                IssueCode::EmptyFile,
                Localized::new("Filen är tom.", "The file is empty."),
            ))),
        }
    }

    fn next_row(&mut self, row: &mut Row) -> Option<Result<(), RowError>> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let number = self.sheet.row_of(self.record.position(), &self.lines);
                self.sheet.passed(&self.record);
                row.fill(number, &self.record);
                Some(Ok(()))
            }
            Err(e) if self.guard.breach().is_some() || e.is_io_error() => {
                // A limit passed, or the file could not be read on: reading stops here.
                Some(Err(RowError::Stop(match self.guard.breach() {
                    Some(breach) => Stop::Limit(breach),
                    None => Stop::Unreadable(Issue::error(
                        IssueCode::FormatError,
                        Localized::new(
                            format!("Filen kunde inte läsas till slut: {e}. Försök igen."),
                            format!("The file could not be read to its end: {e}. Try again."),
                        ),
                    )),
                })))
            }
            Err(e) => Some(Err(RowError::Malformed {
                row: self.sheet.row_of(e.position(), &self.lines),
                message: Localized::new(
                    format!("Raden kunde inte läsas som CSV ({e}). Kontrollera citattecknen."),
                    format!("The row could not be read as CSV ({e}). Check the quotes."),
                ),
            })),
        }
    }

    fn dialect(&self) -> Dialect {
        Dialect {
            encoding: self.sniffed.encoding.name().to_owned(),
            bom: self.sniffed.bom,
            delimiter: match self.sniffed.delimiter {
                b'\t' => "\t".to_owned(),
                d => (d as char).to_string(),
            },
            line_terminator: if self.lines.crlf() {
                "CRLF"
            } else if self.lines.lone_cr() {
                "CR"
            } else {
                "LF"
            }
            .to_owned(),
            ..Dialect::default()
        }
    }
}

fn encoding_guessed(sniffed: &Sniffed) -> Issue {
    let name = sniffed.encoding.name();
    Issue::warning(
        IssueCode::EncodingGuessed,
        Localized::new(
            format!(
                "Filen är inte UTF-8; teckenkodningen gissades till {name} utifrån för få tecken. Kontrollera å, ä och ö i rapporten, eller spara som \"CSV UTF-8\"."
            ),
            format!(
                "The file is not UTF-8; its encoding was guessed as {name} from too few characters. Check å, ä and ö below, or save as \"CSV UTF-8\"."
            ),
        ),
    )
}

/// The CSV reader every pass over a file uses: records of any length, the header as a record,
/// behind a [`source::Guard`] that stops it at the first cell or record past the limits.
fn csv_reader<R: Read>(
    delimiter: u8,
    text: R,
    limits: &Limits,
) -> (csv::Reader<source::Guard<R>>, GuardReport) {
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
    fn row_of(&mut self, position: Option<&csv::Position>, lines: &LineIndex) -> u64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &[u8]) -> Box<dyn Reader + '_> {
        Delimited::open(Source::Bytes(text), &Limits::default())
            .unwrap()
            .reader
    }

    #[test]
    fn quoted_cells_are_unquoted_and_rows_follow() {
        let mut reader = open(b"a,b\n\"x\"\"y\",2\n3,4\n");
        assert_eq!(reader.header().unwrap(), ["a", "b"]);
        let mut row = Row::default();
        assert_eq!(reader.next_row(&mut row), Some(Ok(())));
        assert_eq!(row.cells, ["x\"y", "2"]);
        assert_eq!(reader.next_row(&mut row), Some(Ok(())));
        assert_eq!(row.number, 3);
        assert_eq!(row.cells, ["3", "4"]);
        assert_eq!(reader.next_row(&mut row), None);
    }

    #[test]
    fn a_guessed_encoding_is_a_warning_and_the_text_is_decoded() {
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode("namn;ort\nÅsa;Lö\n");
        let opened = Delimited::open(Source::Bytes(&latin1), &Limits::default()).unwrap();
        assert_eq!(opened.warnings.len(), 1);
        assert_eq!(opened.warnings[0].code, IssueCode::EncodingGuessed);
        let mut reader = opened.reader;
        assert_eq!(reader.header().unwrap(), ["namn", "ort"]);
        let mut row = Row::default();
        reader.next_row(&mut row);
        assert_eq!(row.cells, ["Åsa", "Lö"]);
        assert_eq!(reader.dialect().encoding, "windows-1252");
    }

    #[test]
    fn rows_after_blank_lines_and_quoted_breaks_keep_their_numbers() {
        let mut sheet = SheetRows::default();
        let mut reader = open(b"h\r\n\"a\r\nb\"\r\n\r\n\r\nc\r\n");
        reader.header().unwrap();
        let mut row = Row::default();
        let mut numbers = Vec::new();
        while let Some(Ok(())) = reader.next_row(&mut row) {
            numbers.push(row.number);
        }
        assert_eq!(numbers, [2, 5]);
        // Without a position (an I/O error), the row after the last one.
        sheet.row = 7;
        assert_eq!(sheet.row_of(None, &Tap::new(&b""[..]).1), 8);
    }
}
