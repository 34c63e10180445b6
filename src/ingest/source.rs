//! Reading a steward's file as text, as a stream.
//!
//! Owns where a file's bytes come from ([`Source`]: a slice, or a file on disk such as a spooled
//! upload), telling its encoding and delimiter ([`sniff`]) and decoding it on the fly
//! ([`Sniffed::text`]), and the physical line numbers of what the CSV reader has consumed
//! ([`Tap`], [`LineIndex`]). A file is read several times (sniffing, then each check pass) but
//! never held whole in memory: what stays in memory is one read buffer and the bytes the CSV
//! reader has read ahead of the last row.

use super::{Issue, IssueCode};
use crate::profile::Localized;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

/// How many bytes are read at a time.
const CHUNK: usize = 64 * 1024;
/// How much decoded text the sniffer looks at for the header line and control characters.
const PREFIX: usize = 1024 * 1024;

/// Where a file's bytes are: in memory, or in a file (a spooled upload, a file named on the
/// command line). Each [`Source::open`] reads it from the start.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl<'a> From<&'a [u8]> for Source<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Source::Bytes(bytes)
    }
}

impl<'a> From<&'a Vec<u8>> for Source<'a> {
    fn from(bytes: &'a Vec<u8>) -> Self {
        Source::Bytes(bytes)
    }
}

impl<'a> From<&'a str> for Source<'a> {
    fn from(text: &'a str) -> Self {
        Source::Bytes(text.as_bytes())
    }
}

impl<'a> Source<'a> {
    /// A reader from the first byte.
    pub fn open(self) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Source::Bytes(b) => Box::new(b),
            Source::File(p) => Box::new(std::fs::File::open(p)?),
        })
    }

    /// The size in bytes.
    pub fn len(self) -> io::Result<u64> {
        Ok(match self {
            Source::Bytes(b) => b.len() as u64,
            Source::File(p) => std::fs::metadata(p)?.len(),
        })
    }

    /// Whether the source has no bytes.
    pub fn is_empty(self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The SHA-256 of the bytes, as lower-case hex.
    pub fn sha256(self) -> io::Result<String> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for_each_chunk(self, |chunk| {
            hasher.update(chunk);
            true
        })?;
        Ok(crate::text::hex(&hasher.finalize()))
    }
}

/// Hands the bytes to `each` a chunk at a time, until it returns false.
fn for_each_chunk(source: Source<'_>, mut each: impl FnMut(&[u8]) -> bool) -> io::Result<()> {
    let mut reader = source.open()?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = read_full(&mut reader, &mut buf)?;
        if n == 0 || !each(&buf[..n]) || n < buf.len() {
            return Ok(());
        }
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// What sniffing a file found.
#[derive(Clone, Copy, Debug)]
pub struct Sniffed {
    pub encoding: &'static encoding_rs::Encoding,
    /// Whether the file starts with a byte-order mark (skipped when decoding).
    pub bom: bool,
    bom_len: usize,
    /// False when the encoding was guessed from too little evidence.
    pub confident: bool,
    pub delimiter: u8,
}

impl Sniffed {
    /// The file's text as UTF-8, decoded as it is read (without the byte-order mark).
    pub fn text<'a>(&self, source: Source<'a>) -> io::Result<Box<dyn Read + 'a>> {
        let mut reader = source.open()?;
        if self.bom_len > 0 {
            let mut bom = [0u8; 3];
            reader.read_exact(&mut bom[..self.bom_len])?;
        }
        if self.encoding == encoding_rs::UTF_8 {
            return Ok(reader);
        }
        Ok(Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(self.encoding))
                .bom_sniffing(false)
                .build(reader),
        ))
    }
}

fn not_text(what_sv: &str, what_en: &str) -> Issue {
    Issue::error(
        IssueCode::EncodingError,
        Localized::new(
            format!(
                "Filen är inte en CSV-fil utan {what_sv}. Öppna den i Excel eller ett GIS-verktyg och spara som \"CSV UTF-8 (kommaavgränsad)\"."
            ),
            format!(
                "The file is not a CSV file but {what_en}. Open it in Excel or a GIS tool and save it as \"CSV UTF-8 (comma delimited)\"."
            ),
        ),
    )
}

/// An issue for a file that could not be read (a server-side fault, not the steward's).
pub fn unreadable(e: &io::Error) -> Issue {
    Issue::error(
        IssueCode::FormatError,
        Localized::new(
            format!("Filen kunde inte läsas: {e}. Försök igen."),
            format!("The file could not be read: {e}. Try again."),
        ),
    )
}

/// Tells a file's encoding (a byte-order mark; valid UTF-8; else chardetng's guess among legacy
/// encodings, in practice Windows-1252 for Swedish files) and delimiter, reading it as a stream.
/// Refuses binary files, empty files and files with invalid characters after a byte-order mark.
pub fn sniff(source: Source<'_>) -> Result<Sniffed, Issue> {
    let io = |e: io::Error| unreadable(&e);
    let mut head = vec![0u8; CHUNK];
    let n = read_full(&mut *source.open().map_err(io)?, &mut head).map_err(io)?;
    head.truncate(n);
    if head.starts_with(b"PK\x03\x04") {
        return Err(not_text(
            "ett Excel- eller zip-arkiv",
            "an Excel workbook or zip archive",
        ));
    }
    if head.starts_with(b"%PDF") {
        return Err(not_text("en PDF", "a PDF"));
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(not_text("en äldre Excel-fil (.xls)", "an old Excel file (.xls)"));
    }
    let (encoding, bom_len, confident) = if let Some((encoding, bom_len)) =
        encoding_rs::Encoding::for_bom(&head)
    {
        if !decodes_cleanly(source, encoding, bom_len).map_err(io)? {
            return Err(Issue::error(
                IssueCode::EncodingError,
                Localized::new(
                    format!(
                        "Filen börjar med en byte-order-mark för {} men innehåller ogiltiga tecken. Spara om den som \"CSV UTF-8\".",
                        encoding.name()
                    ),
                    format!(
                        "The file starts with a {} byte-order mark but holds invalid characters. Save it again as \"CSV UTF-8\".",
                        encoding.name()
                    ),
                ),
            ));
        }
        (encoding, bom_len, true)
    } else if is_utf8(source).map_err(io)? {
        (encoding_rs::UTF_8, 0, true)
    } else {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        for_each_chunk(source, |chunk| {
            detector.feed(chunk, false);
            true
        })
        .map_err(io)?;
        detector.feed(&[], true);
        let encoding = detector.guess(Some(b"se"), chardetng::Utf8Detection::Deny);
        (encoding, 0, reads_as_swedish(source, encoding).map_err(io)?)
    };
    let mut sniffed = Sniffed {
        encoding,
        bom: bom_len > 0,
        bom_len,
        confident,
        delimiter: b',',
    };
    let mut text = sniffed.text(source).map_err(io)?;
    let mut prefix = Vec::with_capacity(CHUNK);
    (&mut text)
        .take(PREFIX as u64)
        .read_to_end(&mut prefix)
        .map_err(io)?;
    let prefix = match std::str::from_utf8(&prefix) {
        Ok(p) => p,
        // Cut inside a character: the part before it.
        Err(e) => std::str::from_utf8(&prefix[..e.valid_up_to()]).unwrap_or_default(),
    };
    if prefix.trim().is_empty() && only_whitespace(&mut text).map_err(io)? {
        return Err(Issue::error(
            IssueCode::EmptyFile,
            Localized::new(
                "Filen är tom. Exportera tabellen igen med rubrikraden och minst en rad data.",
                "The file is empty. Export the table again with its header row and at least one data row.",
            ),
        ));
    }
    let controls = prefix
        .chars()
        .take(65_536)
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if controls > 0 {
        return Err(not_text(
            "binära data (styrtecken)",
            "binary data (control characters)",
        ));
    }
    sniffed.delimiter = detect_delimiter(prefix);
    Ok(sniffed)
}

/// Whether the rest of a text stream is only whitespace.
fn only_whitespace(text: &mut dyn Read) -> io::Result<bool> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = text.read(&mut buf)?;
        if n == 0 {
            return Ok(true);
        }
        // Multi-byte characters are not whitespace a spreadsheet writes; any such byte counts.
        if buf[..n].iter().any(|b| !b.is_ascii_whitespace()) {
            return Ok(false);
        }
    }
}

/// Whether the whole source is valid UTF-8.
fn is_utf8(source: Source<'_>) -> io::Result<bool> {
    let mut carry: Vec<u8> = Vec::new();
    let mut valid = true;
    for_each_chunk(source, |chunk| {
        let joined;
        let bytes = if carry.is_empty() {
            chunk
        } else {
            joined = [carry.as_slice(), chunk].concat();
            joined.as_slice()
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => carry.clear(),
            // A character cut at the chunk's end: carried into the next chunk.
            Err(e) if e.error_len().is_none() => carry = bytes[e.valid_up_to()..].to_vec(),
            Err(_) => valid = false,
        }
        valid
    })?;
    Ok(valid && carry.is_empty())
}

/// Whether the bytes after the byte-order mark decode without errors.
fn decodes_cleanly(
    source: Source<'_>,
    encoding: &'static encoding_rs::Encoding,
    bom_len: usize,
) -> io::Result<bool> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(CHUNK * 3 + 16);
    let mut skip = bom_len;
    let mut clean = true;
    let mut feed = |bytes: &[u8], last: bool| {
        let mut input = bytes;
        loop {
            out.clear();
            let (result, read) = decoder.decode_to_string_without_replacement(input, &mut out, last);
            input = &input[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => return true,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(_, _) => return false,
            }
        }
    };
    for_each_chunk(source, |chunk| {
        let chunk = &chunk[skip.min(chunk.len())..];
        skip = 0;
        clean = feed(chunk, false);
        clean
    })?;
    Ok(clean && feed(&[], true))
}

/// Whether text in a guessed legacy encoding reads as Swedish: at least three non-ASCII
/// characters, eight in ten of them Swedish letters (of the first 10,000).
fn reads_as_swedish(source: Source<'_>, encoding: &'static encoding_rs::Encoding) -> io::Result<bool> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(CHUNK * 3 + 16);
    let (mut non_ascii, mut swedish) = (0usize, 0usize);
    let mut count = |text: &str| {
        for c in text.chars().filter(|c| !c.is_ascii()) {
            if non_ascii == 10_000 {
                return false;
            }
            non_ascii += 1;
            if "åäöÅÄÖéÉüÜ".contains(c) {
                swedish += 1;
            }
        }
        true
    };
    for_each_chunk(source, |chunk| {
        let mut input = chunk;
        loop {
            out.clear();
            let (result, read, _) = decoder.decode_to_string(input, &mut out, false);
            input = &input[read..];
            if !count(&out) {
                return false;
            }
            if result == encoding_rs::CoderResult::InputEmpty {
                return true;
            }
        }
    })?;
    Ok(non_ascii >= 3 && swedish * 10 >= non_ascii * 8)
}

/// How many records of a file's start the delimiter is told from.
const SNIFF_RECORDS: usize = 50;

/// Picks the delimiter of a file from its first records (quotes honoured, so a record may span
/// lines): the one that splits the most data rows into as many cells as the header, so a `;`
/// file whose headers hold commas (`Latitud (WGS84, grader)`) or whose numbers have decimal
/// commas is read by `;`. Failing that (rows saved as one quoted cell, a row wider than the
/// header on every row), one the header holds before one it does not, then the one whose count
/// is the same on the most rows (a header with no delimiter at all), then the one that splits
/// the header into the most cells. On ties the delimiter values hold least often wins (tab, then `;`, then `,`: decimal
/// commas and prose hold commas); `,` when no delimiter is found at all.
pub(super) fn detect_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b'\t', b';', b','];
    // counts[r][d]: delimiters d outside quotes in record r.
    let mut counts: Vec<[usize; 3]> = Vec::new();
    let mut current = [0usize; 3];
    let mut in_quotes = false;
    let mut content = false;
    for b in text.bytes() {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                content = true;
            }
            b'\n' | b'\r' if !in_quotes => {
                if content {
                    counts.push(current);
                    if counts.len() == SNIFF_RECORDS {
                        break;
                    }
                }
                current = [0; 3];
                content = false;
            }
            _ => {
                if !in_quotes && let Some(d) = CANDIDATES.iter().position(|c| *c == b) {
                    current[d] += 1;
                }
                content |= !b.is_ascii_whitespace();
            }
        }
    }
    if content && counts.len() < SNIFF_RECORDS {
        counts.push(current);
    }
    let Some((header, rows)) = counts.split_first() else {
        return b',';
    };
    let mut best = (b',', (0usize, false, 0usize, 0usize));
    let mut found = false;
    for (d, &delimiter) in CANDIDATES.iter().enumerate() {
        // The most common count over the data rows (the larger on ties), and on how many rows.
        let mut tally: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
        for row in rows {
            *tally.entry(row[d]).or_default() += 1;
        }
        let (mode, rows_at_mode) = tally
            .iter()
            .max_by_key(|(count, n)| (**n, **count))
            .map_or((header[d], 0), |(c, n)| (*c, *n));
        let agreeing = if header[d] > 0 {
            rows.iter().filter(|r| r[d] == header[d]).count()
        } else {
            0
        };
        let key = (
            agreeing,
            header[d] > 0,
            if mode > 0 { rows_at_mode } else { 0 },
            header[d],
        );
        if key.3 > 0 || key.2 > 0 {
            if !found || key > best.1 {
                best = (delimiter, key);
            }
            found = true;
        }
    }
    best.0
}

/// The limits a [`Guard`] holds a file to while it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardLimits {
    /// The most cells in one record (the header included).
    pub max_cells: usize,
    /// The most bytes in one cell as UTF-8, without the quotes around it.
    pub max_cell_bytes: usize,
}

/// A limit a [`Guard`] stopped a file at, and where, as a spreadsheet shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breach {
    /// A record (spreadsheet row `row`) has more than `max_cells` cells.
    TooManyCells { row: u64 },
    /// Cell `column` (0-based) of row `row` has more than `max_cell_bytes` bytes.
    CellTooLarge { row: u64, column: usize },
}

/// Where a [`Guard`] is in the CSV grammar (as the `csv` crate reads it: `"` opens a quoted
/// cell only at the start of a cell, `""` inside one is a quote, CR, LF and CR LF end records,
/// empty lines are skipped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CsvState {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A `"` inside a quoted cell: the cell's end, or the first half of `""`.
    QuoteInQuoted,
}

/// What a [`Guard`] shares with the checker: the limit it stopped at, if any.
#[derive(Clone, Debug, Default)]
pub struct GuardReport(Rc<RefCell<Option<Breach>>>);

impl GuardReport {
    /// The limit the guard stopped the file at.
    pub fn breach(&self) -> Option<Breach> {
        *self.0.borrow()
    }
}

/// A reader that follows the CSV grammar as the bytes pass and fails, with a [`Breach`], as
/// soon as a cell or a record passes its limits: the CSV reader behind it never buffers more
/// than one cell of the limit's size, however long a cell or a quote that is never closed.
/// It also numbers rows as a spreadsheet shows them (line breaks inside quoted cells do not
/// start a row; empty lines do).
pub struct Guard<R> {
    inner: R,
    limits: GuardLimits,
    delimiter: u8,
    state: CsvState,
    last_cr: bool,
    /// The spreadsheet row of the record being read.
    row: u64,
    cells: usize,
    cell_bytes: usize,
    report: GuardReport,
}

impl<R: Read> Guard<R> {
    pub fn new(inner: R, delimiter: u8, limits: GuardLimits) -> (Self, GuardReport) {
        let report = GuardReport::default();
        (
            Self {
                inner,
                limits,
                delimiter,
                state: CsvState::StartRecord,
                last_cr: false,
                row: 1,
                cells: 0,
                cell_bytes: 0,
                report: report.clone(),
            },
            report,
        )
    }

    /// Follows one byte; the limit it passes, if any.
    fn step(&mut self, b: u8) -> Option<Breach> {
        let is_break = b == b'\r' || b == b'\n';
        // CR LF is one break; a lone CR or LF is one too.
        let new_line = is_break && !(b == b'\n' && self.last_cr);
        self.last_cr = b == b'\r';
        match self.state {
            CsvState::StartRecord if is_break => {
                if new_line {
                    self.row += 1;
                }
                return None;
            }
            CsvState::StartRecord => {
                self.cells = 0;
                self.state = CsvState::StartField;
                return self.step_field_start(b);
            }
            CsvState::StartField => return self.step_field_start(b),
            CsvState::InField => {
                if b == self.delimiter {
                    self.state = CsvState::StartField;
                } else if is_break {
                    self.end_record(new_line);
                } else {
                    self.cell_bytes += 1;
                }
            }
            CsvState::InQuoted => {
                if b == b'"' {
                    self.state = CsvState::QuoteInQuoted;
                } else {
                    self.cell_bytes += 1;
                }
            }
            CsvState::QuoteInQuoted => {
                if b == b'"' {
                    self.cell_bytes += 1;
                    self.state = CsvState::InQuoted;
                } else if b == self.delimiter {
                    self.state = CsvState::StartField;
                } else if is_break {
                    self.end_record(new_line);
                } else {
                    self.cell_bytes += 1;
                    self.state = CsvState::InField;
                }
            }
        }
        self.over_cell()
    }

    /// The first byte of a cell.
    fn step_field_start(&mut self, b: u8) -> Option<Breach> {
        self.cells += 1;
        self.cell_bytes = 0;
        if self.cells > self.limits.max_cells {
            return Some(Breach::TooManyCells { row: self.row });
        }
        if b == self.delimiter {
            self.state = CsvState::StartField;
        } else if b == b'\r' || b == b'\n' {
            self.end_record(true);
        } else if b == b'"' {
            self.state = CsvState::InQuoted;
        } else {
            self.cell_bytes = 1;
            self.state = CsvState::InField;
        }
        self.over_cell()
    }

    fn end_record(&mut self, new_line: bool) {
        if new_line {
            self.row += 1;
        }
        self.state = CsvState::StartRecord;
    }

    fn over_cell(&self) -> Option<Breach> {
        (self.cell_bytes > self.limits.max_cell_bytes).then_some(Breach::CellTooLarge {
            row: self.row,
            column: self.cells.saturating_sub(1),
        })
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(breach) = self.report.breach() {
            return Err(io::Error::other(format!("{breach:?}")));
        }
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if let Some(breach) = self.step(b) {
                *self.report.0.borrow_mut() = Some(breach);
                // The bytes before the one past the limit are handed on, so the rows before it
                // are read; the next read fails. (None handed on would read as the end.)
                if i > 0 {
                    return Ok(i);
                }
                return Err(io::Error::other(format!("{breach:?}")));
            }
        }
        Ok(n)
    }
}

/// The bytes a CSV reader has read but whose line numbers were not asked for yet.
#[derive(Debug)]
struct Window {
    /// The offset of `bytes[0]` in the text.
    base: u64,
    bytes: VecDeque<u8>,
    /// The line of `base`.
    line: u64,
    crlf: bool,
    /// Whether a CR not followed by LF ended a line (old Mac line ends).
    lone_cr: bool,
    last_cr: bool,
    /// Whether the last byte counted into `line` was a CR (so an LF after it ends no line).
    counted_cr: bool,
}

/// The line breaks in text: CR LF, a lone CR and a lone LF count one each, as the CSV reader
/// ends records at each.
pub fn count_breaks(text: &str) -> u64 {
    let mut cr = false;
    let mut breaks = 0;
    for b in text.bytes() {
        if b == b'\r' || (b == b'\n' && !cr) {
            breaks += 1;
        }
        cr = b == b'\r';
    }
    breaks
}

/// Physical line numbers of byte offsets of a text read through a [`Tap`], for offsets that
/// only move forward. Holds only the bytes read ahead of the last offset asked for.
#[derive(Clone, Debug)]
pub struct LineIndex(Rc<RefCell<Window>>);

/// A reader that shows what passes through it to its [`LineIndex`].
pub struct Tap<R> {
    inner: R,
    index: LineIndex,
}

impl<R: Read> Tap<R> {
    pub fn new(inner: R) -> (Self, LineIndex) {
        let index = LineIndex(Rc::new(RefCell::new(Window {
            base: 0,
            bytes: VecDeque::new(),
            line: 1,
            crlf: false,
            lone_cr: false,
            last_cr: false,
            counted_cr: false,
        })));
        (
            Self {
                inner,
                index: index.clone(),
            },
            index,
        )
    }
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        let mut w = self.index.0.borrow_mut();
        if !w.crlf {
            w.crlf = (w.last_cr && read.first() == Some(&b'\n')) || read.windows(2).any(|p| p == b"\r\n");
        }
        if !w.lone_cr {
            w.lone_cr = (w.last_cr && read.first().is_some_and(|b| *b != b'\n'))
                || read.windows(2).any(|p| p[0] == b'\r' && p[1] != b'\n');
        }
        if let Some(last) = read.last() {
            w.last_cr = *last == b'\r';
        }
        w.bytes.extend(read);
        Ok(n)
    }
}

impl LineIndex {
    /// The 1-based line of the first byte at or after `offset` that is not a line break: where
    /// a record reported at `offset` really starts.
    pub fn line_at(&self, offset: u64) -> u64 {
        let mut w = self.0.borrow_mut();
        if offset < w.base {
            return w.line;
        }
        let upto = usize::try_from(offset - w.base)
            .unwrap_or(usize::MAX)
            .min(w.bytes.len());
        let mut cr = w.counted_cr;
        let mut breaks = 0;
        for b in w.bytes.drain(..upto) {
            if b == b'\r' || (b == b'\n' && !cr) {
                breaks += 1;
            }
            cr = b == b'\r';
        }
        w.base += upto as u64;
        w.line += breaks;
        while let Some(&b) = w.bytes.front() {
            if !matches!(b, b'\r' | b'\n') {
                break;
            }
            if b == b'\r' || !cr {
                w.line += 1;
            }
            cr = b == b'\r';
            w.bytes.pop_front();
            w.base += 1;
        }
        w.counted_cr = cr;
        w.line
    }

    /// Whether any line so far ended with CR LF.
    pub fn crlf(&self) -> bool {
        self.0.borrow().crlf
    }

    /// Whether any line so far ended with a CR alone.
    pub fn lone_cr(&self) -> bool {
        self.0.borrow().lone_cr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_split_across_chunks_is_valid() {
        // "ö" (two bytes) straddling the chunk boundary.
        let mut bytes = vec![b'a'; CHUNK - 1];
        bytes.extend("ö;b\n".as_bytes());
        assert!(is_utf8(Source::Bytes(&bytes)).unwrap());
        bytes.push(0xF6);
        assert!(!is_utf8(Source::Bytes(&bytes)).unwrap());
    }

    #[test]
    fn sniffs_files_on_disk_like_slices() {
        let text = "namn;ort\r\nFrökens udde;Härryda\r\n";
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, &latin1).unwrap();
        let on_disk = sniff(Source::File(file.path())).unwrap();
        let in_memory = sniff(Source::Bytes(&latin1)).unwrap();
        assert_eq!(on_disk.encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(in_memory.encoding, on_disk.encoding);
        assert_eq!(on_disk.delimiter, b';');
        let mut decoded = String::new();
        on_disk
            .text(Source::File(file.path()))
            .unwrap()
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text);
    }

    #[test]
    fn the_delimiter_is_the_one_the_rows_agree_on_with_the_header() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        // Commas inside the headers' names, decimal commas in the rows: `;`.
        let swedish =
            "Namn;Latitud (WGS84, grader);Longitud (WGS84, grader)\nBadet;57,6;12,1\nÖn;57,7;12,2\n";
        assert_eq!(detect_delimiter(swedish), b';');
        // Names joined by spaces in the header: the rows still tell the tab.
        assert_eq!(
            detect_delimiter("place_id  name\tlat\na1\tBadet\t57.6\nb2\tÖn\t57.7\n"),
            b'\t'
        );
        // Rows saved as one quoted cell: the header's delimiter.
        assert_eq!(detect_delimiter("a;b;c\n\"1;2,5;3\"\n\"4;5,5;6\"\n"), b';');
        // A short `;` file with a stray `;` on one row and decimal commas on every row.
        assert_eq!(
            detect_delimiter("a;b;c;d\n1;x; y;57,6;12,1\n2;z;57,7;12,2\n"),
            b';'
        );
        // Rows all one cell wider than the header, with decimal commas: still the header's.
        assert_eq!(detect_delimiter("a;b\n1;2,5;\n3;4,5;x\n5;6\n"), b';');
        // No delimiter in the header at all: the rows decide.
        assert_eq!(
            detect_delimiter("place_id name lat\na1\tBadet\t57.6\nb2\tÖn\t57.7\n"),
            b'\t'
        );
        // A quoted line break does not end a record; a header alone decides by its cells.
        assert_eq!(detect_delimiter("a;b\n\"x,\ny\";2\n3;4\n"), b';');
        assert_eq!(detect_delimiter("a;b;c"), b';');
        assert_eq!(detect_delimiter(""), b',');
    }

    #[test]
    fn bom_is_skipped_and_invalid_text_after_it_refused() {
        let sniffed = sniff(Source::Bytes(b"\xEF\xBB\xBFa,b\n1,2\n")).unwrap();
        assert!(sniffed.bom);
        let mut text = String::new();
        sniffed
            .text(Source::Bytes(b"\xEF\xBB\xBFa,b\n1,2\n"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "a,b\n1,2\n");
        let issue = sniff(Source::Bytes(b"\xEF\xBB\xBFa,b\n\xFF,2\n")).unwrap_err();
        assert_eq!(issue.code, IssueCode::EncodingError);
    }

    #[test]
    fn whitespace_only_is_empty_even_past_the_prefix() {
        let blank = vec![b' '; PREFIX + 10];
        assert_eq!(
            sniff(Source::Bytes(&blank)).unwrap_err().code,
            IssueCode::EmptyFile
        );
        let mut late = blank.clone();
        late.extend(b"a,b\n");
        assert!(sniff(Source::Bytes(&late)).is_ok());
    }

    #[test]
    fn line_index_counts_lone_cr_line_ends() {
        let text = b"a,b\r1,2\r\r3,4\r";
        let (mut tap, index) = Tap::new(&text[..]);
        let mut buf = [0u8; 2];
        while tap.read(&mut buf).unwrap() > 0 {}
        assert!(index.lone_cr());
        assert!(!index.crlf());
        assert_eq!(index.line_at(0), 1);
        assert_eq!(index.line_at(4), 2);
        // After an empty line.
        assert_eq!(index.line_at(8), 4);
        assert_eq!(count_breaks("a\r\nb\rc\nd"), 3);
    }

    fn guard(text: &[u8], limits: GuardLimits) -> (Vec<u8>, Option<Breach>) {
        let (mut guard, report) = Guard::new(text, b',', limits);
        let mut out = Vec::new();
        let _ = guard.read_to_end(&mut out);
        (out, report.breach())
    }

    const ROOMY: GuardLimits = GuardLimits {
        max_cells: 3,
        max_cell_bytes: 4,
    };

    #[test]
    fn guard_passes_files_within_its_limits() {
        let text = b"a,b,c\r\n\"x\"\"y\",\"1\n2\",abcd\n\n,,\r";
        assert_eq!(guard(text, ROOMY), (text.to_vec(), None));
    }

    #[test]
    fn guard_names_the_row_and_cell_past_a_limit() {
        // Rows as a spreadsheet shows them: the quoted line break stays in row 2; the empty
        // line is row 3.
        let text = b"a,b\n\"1\n2\",x\n\n3,abcde\n";
        assert_eq!(
            guard(text, ROOMY).1,
            Some(Breach::CellTooLarge { row: 4, column: 1 })
        );
        assert_eq!(
            guard(b"a,b\r1,2,3,4\r", ROOMY).1,
            Some(Breach::TooManyCells { row: 2 })
        );
        assert_eq!(
            guard(b"a,b,c,d\n", ROOMY).1,
            Some(Breach::TooManyCells { row: 1 })
        );
        // A quote never closed: stopped at the limit, not at the end of the file.
        let mut open = b"a,b\n\"".to_vec();
        open.extend(std::iter::repeat_n(b'x', 1_000_000));
        let (read, breach) = guard(&open, ROOMY);
        assert_eq!(breach, Some(Breach::CellTooLarge { row: 2, column: 0 }));
        assert!(read.len() < 64 * 1024, "{}", read.len());
        // A quote inside an unquoted cell is a character, not the start of a quoted cell.
        assert_eq!(guard(b"a\"b,c\n", ROOMY).1, None);
    }

    #[test]
    fn line_index_counts_lines_read_in_small_pieces() {
        let text = b"a,b\r\n\r\n1,2\r\n3,4\n";
        let (mut tap, index) = Tap::new(&text[..]);
        let mut buf = [0u8; 3];
        while tap.read(&mut buf).unwrap() > 0 {}
        assert!(index.crlf());
        assert_eq!(index.line_at(0), 1);
        // The record after the header starts at byte 5, after a blank line: line 3.
        assert_eq!(index.line_at(5), 3);
        assert_eq!(index.line_at(12), 4);
        // Offsets never move back.
        assert_eq!(index.line_at(3), 4);
    }
}
