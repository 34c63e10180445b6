//! Structural faults: telling the one cause behind a damaged file's symptoms, so the steward is
//! told the one thing to fix instead of a cascade of errors.
//!
//! Owns four diagnoses, each pure and bounded:
//! - a **shifted row** ([`shifted_row`]): a delimiter inside an unquoted text cell splits it and
//!   moves the rest of the row to the right; or, in a comma-separated file, decimal commas split
//!   numbers in two. Tried only for rows with a few cells more than the header, in time
//!   proportional to the row's cells;
//! - a **joined header** ([`joined_header`]): names joined by spaces instead of the delimiter
//!   (`place_id  name` in a tab-separated file), told by rows that have more cells than the
//!   header has names;
//! - **rows saved as one column** ([`wrapped_rows`]): a file one locale's Excel read into
//!   column A and saved again, so each row is one quoted cell holding the real delimiter;
//! - the **same column twice** ([`Duplicates`]): harmless when both hold the same values.
//!
//! It never reads a file: the checker hands it headers, sampled rows and cells, and reports what
//! it finds with the row and cell as the steward's spreadsheet shows them.

use super::report::{Issue, IssueCode, clip, column_letter};
use super::value;
use crate::profile::{Column, ColumnType, Localized, Role};

/// The most extra cells a shifted row is diagnosed for; past it, the row is too damaged to guess.
pub(super) const MAX_SHIFT: usize = 4;

/// What a file column is, for telling a shifted row.
#[derive(Clone, Copy, Debug)]
pub(super) enum Slot<'a> {
    /// A column of the profile.
    Profile(&'a Column),
    /// A column the profile does not know: free text.
    Unknown,
    /// A column without a header.
    Blank,
}

impl Slot<'_> {
    /// 1 when `cell` does not fit the column (a value of the wrong type, or a required value
    /// missing), else 0.
    fn cost(self, cell: &str) -> u32 {
        let cell = cell.trim();
        match self {
            Slot::Profile(c) if cell.is_empty() => u32::from(c.required),
            Slot::Profile(c) => u32::from(value::parse(c, cell).is_err()),
            Slot::Unknown => 0,
            Slot::Blank => u32::from(!cell.is_empty()),
        }
    }

    /// How likely a text cell of this column is to hold a delimiter: prose first, ids last;
    /// `None` for columns whose values are not free text.
    fn prose(self) -> Option<u8> {
        match self {
            Slot::Profile(c) if matches!(c.kind, ColumnType::Text | ColumnType::OpeningHours) => {
                Some(match c.role {
                    Some(Role::Description) => 4,
                    Some(Role::Name) => 3,
                    Some(Role::Id | Role::LinkKey) => 0,
                    _ => 2,
                })
            }
            Slot::Unknown => Some(1),
            _ => None,
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Slot::Profile(c) if matches!(c.kind, ColumnType::Decimal | ColumnType::Latitude | ColumnType::Longitude))
    }
}

/// How a row's cells were shifted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Shift {
    /// Text cells split by stray delimiters: `(column, extra)`, the column (as the header counts
    /// them) whose value was split into `extra + 1` cells, left to right.
    Text { joins: Vec<(usize, usize)> },
    /// Numbers split at their decimal comma: the columns (as the header counts them) whose
    /// value was split in two. `written` when another choice of columns fits too (`58,12,5`:
    /// 58.12 and 5, or 58 and 12.5): the first and last cells of the row to name as written.
    Decimals {
        columns: Vec<usize>,
        written: Option<(usize, usize)>,
    },
}

impl Shift {
    /// The row's cells as they were meant: the split ones joined again with `delimiter`.
    pub fn merge(&self, cells: &[String], delimiter: char) -> Vec<String> {
        let sep = delimiter.to_string();
        match self {
            Shift::Text { joins } => {
                let mut out = Vec::with_capacity(cells.len());
                let mut i = 0;
                while i < cells.len() {
                    let take = joins
                        .iter()
                        .find(|(c, _)| *c == out.len())
                        .map_or(0, |(_, t)| *t)
                        .min(cells.len() - 1 - i);
                    out.push(cells[i..=i + take].join(&sep));
                    i += take + 1;
                }
                out
            }
            Shift::Decimals { columns, .. } => {
                let mut out = Vec::with_capacity(cells.len());
                let mut i = 0;
                while i < cells.len() {
                    if columns.contains(&out.len()) && i + 1 < cells.len() {
                        out.push(format!("{}{sep}{}", cells[i], cells[i + 1]));
                        i += 2;
                    } else {
                        out.push(cells[i].clone());
                        i += 1;
                    }
                }
                out
            }
        }
    }
}

/// Whether a cell is the integer part of a number split at its decimal comma.
fn integer_part(cell: &str) -> bool {
    let t = cell.trim_start();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a cell is the fraction of a number split at its decimal comma (no space after it).
fn fraction_part(cell: &str) -> bool {
    let t = cell.trim_end();
    !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit())
}

/// Tells how a row with more cells than its columns was shifted, if joining some of its cells
/// again makes the row fit the profile: the columns of the file (`slots`), the row's `cells`
/// (at most [`MAX_SHIFT`] more than `slots`, trailing empty cells dropped) and the file's
/// delimiter. `strict` asks for evidence beyond a fit (a space after the stray delimiter), for
/// rows whose extra cells fell under columns without a header rather than past the header.
///
/// Text columns may each hold stray delimiters (a dynamic programme over the columns and the
/// extra cells used: O(cells × extra²)); numbers split at a decimal comma are tried first, only
/// in a comma-separated file. The shift is taken when the row fits once joined, or has at
/// least two errors fewer; among the ways to join, the fewest errors, then the most spaces
/// after the stray delimiters, then prose columns (description, name) before ids.
pub(super) fn shifted_row(
    slots: &[Slot<'_>],
    cells: &[String],
    delimiter: char,
    strict: bool,
) -> Option<Shift> {
    let width = slots.len();
    let extra = cells
        .len()
        .checked_sub(width)
        .filter(|k| (1..=MAX_SHIFT).contains(k))?;
    // Errors of the row as it is: each cell under its column, the extra cells past the header.
    let baseline: u32 = slots.iter().zip(cells).map(|(s, c)| s.cost(c)).sum::<u32>() + 1;
    let accept = |cost: u32| cost == 0 || cost + 2 <= baseline;
    if delimiter == ','
        && let Some((columns, written)) = decimals(slots, cells, extra)
    {
        return Some(Shift::Decimals { columns, written });
    }
    // best[j][u]: columns 0..j placed using u extra cells, by the rank (errors, joins without a
    // space after their delimiter, how little the joined columns are prose), all lower better;
    // with the extra cells column j-1 took. Ranks add up along a row, so the best row is made
    // of best prefixes.
    type Rank = (u32, u32, u32);
    let add = |a: Rank, b: Rank| (a.0 + b.0, a.1 + b.1, a.2 + b.2);
    let mut best: Vec<Option<(Rank, usize)>> = vec![None; (width + 1) * (extra + 1)];
    let at = |j: usize, u: usize| j * (extra + 1) + u;
    best[at(0, 0)] = Some(((0, 0, 0), 0));
    for j in 0..width {
        for u in 0..=extra {
            let Some((rank, _)) = best[at(j, u)] else {
                continue;
            };
            let i = j + u;
            let mut offer = |t: usize, r: Rank| {
                let to = &mut best[at(j + 1, u + t)];
                if to.is_none_or(|(k, _)| r < k) {
                    *to = Some((r, t));
                }
            };
            offer(0, add(rank, (slots[j].cost(&cells[i]), 0, 0)));
            let Some(prose) = slots[j].prose() else {
                continue;
            };
            for t in 1..=extra - u {
                let pieces = &cells[i..=i + t];
                if pieces.iter().any(|c| c.trim().is_empty()) {
                    break;
                }
                let unspaced = pieces[1..]
                    .iter()
                    .filter(|c| !c.starts_with(char::is_whitespace))
                    .count() as u32;
                offer(t, add(rank, (0, unspaced, u32::from(4 - prose))));
            }
        }
    }
    let ((cost, unspaced, _), _) = best[at(width, extra)]?;
    if strict && unspaced > 0 {
        return None;
    }
    // The joins, read back from the last column.
    let mut joins = Vec::new();
    let mut u = extra;
    for j in (1..=width).rev() {
        let (_, t) = best[at(j, u)]?;
        if t > 0 {
            joins.push((j - 1, t));
        }
        u -= t;
    }
    joins.reverse();
    accept(cost).then_some(Shift::Text { joins })
}

/// The first and last cells of a row (0-based).
type Span = (usize, usize);

/// The columns whose numbers were split at a decimal comma, when joining exactly `extra` such
/// pairs makes every cell of the row fit its column; when another choice fits too, the cells
/// from the first numeric column's to the last one's.
fn decimals(slots: &[Slot<'_>], cells: &[String], extra: usize) -> Option<(Vec<usize>, Option<Span>)> {
    // reach[j][u]: columns 0..j placed with u joins, fitting; whether column j-1 was joined.
    // ways[j][u]: in how many ways (counted to 2).
    let width = slots.len();
    if !slots.iter().any(|s| s.numeric()) {
        return None;
    }
    let mut reach: Vec<Vec<Option<bool>>> = vec![vec![None; extra + 1]; width + 1];
    let mut ways = vec![vec![0u8; extra + 1]; width + 1];
    reach[0][0] = Some(false);
    ways[0][0] = 1;
    for j in 0..width {
        for u in 0..=extra {
            if reach[j][u].is_none() {
                continue;
            }
            let i = j + u;
            let Some(cell) = cells.get(i) else { continue };
            let here = ways[j][u];
            if slots[j].cost(cell) == 0 {
                ways[j + 1][u] = ways[j + 1][u].saturating_add(here).min(2);
                reach[j + 1][u].get_or_insert(false);
            }
            if u < extra
                && slots[j].numeric()
                && integer_part(cell)
                && cells.get(i + 1).is_some_and(|f| fraction_part(f))
                && slots[j].cost(&format!("{cell},{}", cells[i + 1])) == 0
            {
                ways[j + 1][u + 1] = ways[j + 1][u + 1].saturating_add(here).min(2);
                reach[j + 1][u + 1].get_or_insert(true);
            }
        }
    }
    reach[width][extra]?;
    // The joins, read back from the last column.
    let mut columns = Vec::new();
    let mut u = extra;
    for j in (1..=width).rev() {
        if reach[j][u]? {
            columns.push(j - 1);
            u -= 1;
        }
    }
    columns.reverse();
    let numeric = || {
        slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.numeric())
            .map(|(j, _)| j)
    };
    let written = (ways[width][extra] > 1)
        .then(|| Some((numeric().next()?, numeric().next_back()? + extra)))
        .flatten();
    Some((columns, written))
}

/// The delimiter's name for a message: `(sv, en)`.
pub(super) fn delimiter_name(delimiter: char) -> (String, String) {
    match delimiter {
        ',' => ("komma (,)".into(), "comma (,)".into()),
        ';' => ("semikolon (;)".into(), "semicolon (;)".into()),
        '\t' => ("tabb".into(), "tab".into()),
        d => (format!("\"{d}\""), format!("\"{d}\"")),
    }
}

/// The one issue for a shifted row: the cell that most likely holds the stray delimiter (as a
/// spreadsheet shows it: `B7`), its column's header, the value as meant, and the fix.
pub(super) fn shift_issue(
    shift: &Shift,
    row: u64,
    headers: &[String],
    cells: &[String],
    delimiter: char,
) -> Issue {
    let (dsv, den) = delimiter_name(delimiter);
    let header = |c: usize| match headers.get(c).filter(|h| !h.is_empty()) {
        Some(h) => clip(h),
        None => column_letter(c),
    };
    match shift {
        Shift::Text { joins } => {
            let sep = delimiter.to_string();
            // Each split cell as a spreadsheet shows the row: its first and last cell, and the
            // value as meant.
            let mut shifted = 0;
            let split: Vec<(String, String, String, String)> = joins
                .iter()
                .map(|&(column, extra)| {
                    let at = column + shifted;
                    shifted += extra;
                    (
                        format!("{}{row}", column_letter(at)),
                        format!("{}{row}", column_letter(at + extra)),
                        header(column),
                        cells[at..=at + extra].join(&sep),
                    )
                })
                .collect();
            let (first, last, name, value) = &split[0];
            let shown = clip(value);
            let message = if let [_] = split.as_slice() {
                Localized::new(
                    format!(
                        "Cell {first} ({name}) innehåller avgränsaren {dsv} utan citattecken, så värdet \"{shown}\" delades i cellerna {first}–{last} och resten av raden flyttades {shifted} kolumn(er) åt höger. Sätt citattecken runt värdet (\"{shown}\") eller ta bort {dsv} ur det, och ladda upp filen igen."
                    ),
                    format!(
                        "Cell {first} ({name}) holds the delimiter {den} without quotes, so the value \"{shown}\" was split into cells {first}–{last} and the rest of the row moved {shifted} column(s) to the right. Put quotes around the value (\"{shown}\") or remove the {den} from it, and upload the file again."
                    ),
                )
            } else {
                let list = |word: &str| {
                    split
                        .iter()
                        .map(|(f, l, n, v)| format!("{f} ({n}) \"{}\" {word} {f}–{l}", clip(v)))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                Localized::new(
                    format!(
                        "Flera celler innehåller avgränsaren {dsv} utan citattecken och delades: {}. Resten av raden flyttades {shifted} kolumner åt höger. Sätt citattecken runt de värdena eller ta bort {dsv} ur dem, och ladda upp filen igen.",
                        list("delades i")
                    ),
                    format!(
                        "Several cells hold the delimiter {den} without quotes and were split: {}. The rest of the row moved {shifted} columns to the right. Put quotes around those values or remove the {den} from them, and upload the file again.",
                        list("split into")
                    ),
                )
            };
            let column = joins[0].0;
            Issue::error(IssueCode::StrayDelimiter, message)
                .at_row(row)
                .in_column(
                    &headers
                        .get(column)
                        .cloned()
                        .unwrap_or_else(|| column_letter(column)),
                )
                .with_value(value)
        }
        Shift::Decimals { columns, written } => {
            let first = written.map_or(columns[0], |(first, _)| first);
            let (named, numbers) = if let Some((first, last)) = *written {
                (
                    format!("{}{row}–{}{row}", column_letter(first), column_letter(last)),
                    cells[first..=last].join(&delimiter.to_string()),
                )
            } else {
                let merged = shift.merge(cells, delimiter);
                let numbers: Vec<String> = columns.iter().map(|&c| merged[c].clone()).collect();
                let named: Vec<String> = columns
                    .iter()
                    .map(|&c| format!("{}{row} ({})", column_letter(c), header(c)))
                    .collect();
                (named.join(", "), numbers.join("; "))
            };
            Issue::error(
                IssueCode::SplitDecimal,
                Localized::new(
                    format!(
                        "Talen i {named} ({numbers}) har decimalkomma, men filen har komma som avgränsare, så varje tal delades i två celler och resten av raden flyttades åt höger. Spara filen med semikolon som avgränsare (i svenska Excel: \"CSV (semikolonavgränsad)\"), eller skriv talen med decimalpunkt eller inom citattecken."
                    ),
                    format!(
                        "The numbers in {named} ({numbers}) have decimal commas but the file uses commas as its delimiter, so each was split into two cells and the rest of the row moved to the right. Save the file with semicolons as the delimiter (in Swedish Excel: \"CSV (semicolon delimited)\"), or write the numbers with decimal points or in quotes."
                    ),
                ),
            )
            .at_row(row)
            .in_column(&headers.get(first).cloned().unwrap_or_else(|| column_letter(first)))
            .with_value(&numbers)
        }
    }
}

/// Header cells that hold several column names joined by spaces, found because the rows have
/// more cells than the header has names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct JoinedHeader {
    /// `(header cell, the names it holds)`, by position in the header.
    pub cells: Vec<(usize, Vec<String>)>,
    /// Whether splitting them makes the header as wide as every sampled row: then it is applied.
    pub fits: bool,
}

impl JoinedHeader {
    /// The header with the joined cells split.
    pub fn split(&self, headers: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(headers.len() + 4);
        for (i, h) in headers.iter().enumerate() {
            match self.cells.iter().find(|(c, _)| *c == i) {
                Some((_, names)) => out.extend(names.iter().cloned()),
                None => out.push(h.clone()),
            }
        }
        out
    }

    /// A warning when the split was applied, else an error proposing it.
    pub fn issue(&self, headers: &[String], delimiter: char, row_width: usize) -> Issue {
        let (dsv, den) = delimiter_name(delimiter);
        let cells: Vec<String> = self
            .cells
            .iter()
            .map(|(c, names)| {
                format!(
                    "{}1 \"{}\" → {}",
                    column_letter(*c),
                    clip(&headers[*c]),
                    names.join(" | ")
                )
            })
            .collect();
        let cells = cells.join("; ");
        let column = &headers[self.cells[0].0];
        let value = column.clone();
        let issue = if self.fits {
            Issue::warning(
                IssueCode::JoinedHeader,
                Localized::new(
                    format!(
                        "Rubrikraden har namn som skiljs åt av mellanslag i stället för avgränsaren ({dsv}): {cells}. Raderna har {row_width} celler, så rubrikerna delades så och filen lästes ändå. Sätt {dsv} mellan namnen i rubrikraden (rad 1) inför nästa uppladdning."
                    ),
                    format!(
                        "The header row has names separated by spaces instead of the delimiter ({den}): {cells}. The rows have {row_width} cells, so the header was split that way and the file was read. Put a {den} between the names in the header row (row 1) before the next upload."
                    ),
                ),
            )
        } else {
            Issue::error(
                IssueCode::JoinedHeader,
                Localized::new(
                    format!(
                        "Rubrikraden har {} namn men raderna har {row_width} celler. Rubriker som verkar innehålla flera namn åtskilda av mellanslag: {cells}. Sätt {dsv} mellan namnen i rubrikraden (rad 1) så att varje kolumn har sin rubrik.",
                        headers.len()
                    ),
                    format!(
                        "The header row has {} names but the rows have {row_width} cells. Headers that seem to hold several names separated by spaces: {cells}. Put a {den} between the names in the header row (row 1) so each column has its header.",
                        headers.len()
                    ),
                ),
            )
        };
        issue.at_row(1).in_column(column).with_value(&value)
    }
}

/// The most words a header cell is split into when looking for joined names.
const MAX_WORDS: usize = 8;

/// Finds header cells holding several names joined by spaces. `row_width` is the fewest cells
/// of the sampled rows (each counted to its last non-empty cell, or its length when wider than
/// the header); `column_of` tells the profile column a name means. Only cells that name no
/// column whole are split, into names that each mean a column no other header cell means.
pub(super) fn joined_header(
    headers: &[String],
    row_width: usize,
    column_of: &dyn Fn(&str) -> Option<usize>,
) -> Option<JoinedHeader> {
    let missing = row_width.checked_sub(headers.len()).filter(|m| *m > 0)?;
    let taken: Vec<usize> = headers.iter().filter_map(|h| column_of(h)).collect();
    let mut cells = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if column_of(h).is_some() {
            continue;
        }
        let words: Vec<&str> = h.split_whitespace().collect();
        if words.len() < 2 || words.len() > MAX_WORDS {
            continue;
        }
        if let Some(names) = best_split(&words, &taken, column_of) {
            cells.push((i, names));
        }
    }
    if cells.is_empty() {
        return None;
    }
    let added: usize = cells.iter().map(|(_, n)| n.len() - 1).sum();
    Some(JoinedHeader {
        fits: added == missing,
        cells,
    })
}

/// The split of `words` into the most names that each mean a distinct profile column not in
/// `taken`; `None` when no split into two or more such names exists.
fn best_split(
    words: &[&str],
    taken: &[usize],
    column_of: &dyn Fn(&str) -> Option<usize>,
) -> Option<Vec<String>> {
    let gaps = words.len() - 1;
    let mut best: Option<Vec<String>> = None;
    // Each bit of `cuts` is a break between two words: at most 2^7 splits.
    for cuts in 1u32..(1 << gaps) {
        let mut names = Vec::new();
        let mut start = 0;
        for g in 0..=gaps {
            if g == gaps || cuts & (1 << g) != 0 {
                names.push(words[start..=g].join(" "));
                start = g + 1;
            }
        }
        let mut seen = Vec::new();
        let fits = names.iter().all(|n| match column_of(n) {
            Some(c) if !taken.contains(&c) && !seen.contains(&c) => {
                seen.push(c);
                true
            }
            _ => false,
        });
        if fits && best.as_ref().is_none_or(|b| names.len() > b.len()) {
            best = Some(names);
        }
    }
    best
}

/// Rows saved as one column: each row one quoted cell holding the real delimiter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Wrapped {
    /// The delimiter inside the cells.
    pub delimiter: u8,
    /// The header split by it, when the header too was one cell.
    pub header: Option<Vec<String>>,
}

impl Wrapped {
    /// The cells of a row that was saved as one cell; `None` for a row read right.
    pub fn unwrap_row(&self, cells: &[String]) -> Option<Vec<String>> {
        match cells {
            [one] => split_line(one, self.delimiter).filter(|c| c.len() > 1),
            _ => None,
        }
    }

    /// The warning that the rows were read from inside their cells.
    pub fn issue(&self, rows: u64) -> Issue {
        let (sv, en) = delimiter_name(char::from(self.delimiter));
        Issue::warning(
            IssueCode::WrappedRows,
            Localized::new(
                format!(
                    "{rows} av de första raderna är var och en en enda cell inom citattecken som rymmer hela raden, med värdena åtskilda av {sv}: filen har öppnats i ett Excel inställt på en annan avgränsare, som lade varje rad i kolumn A, och sparats igen. Värdena lästes ändå. Rätta filen genom att öppna originalet i Excel med Data → Från text/CSV, välja {sv} som avgränsare och spara som \"CSV UTF-8\"."
                ),
                format!(
                    "{rows} of the first rows are each one quoted cell holding the whole row, its values separated by {en}: the file was opened in an Excel set for another delimiter, which put each row in column A, and saved again. The values were read anyway. To fix the file, open the original in Excel with Data → From Text/CSV, choose {en} as the delimiter and save as \"CSV UTF-8\"."
                ),
            ),
        )
    }
}

/// The delimiters a spreadsheet writes.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// Tells whether a file's rows were saved as one column each: the header (as read with the
/// file's delimiter) and the first rows. When the header is one cell, the delimiter inside it
/// that splits it into the most names is the real one; otherwise it is the file's delimiter,
/// and at least one sampled row must be a single cell it splits.
pub(super) fn wrapped_rows(headers: &[String], sample: &[&[String]], delimiter: u8) -> Option<Wrapped> {
    let (inner, header) = match headers {
        [one] => {
            let (d, cells) = DELIMITERS
                .iter()
                .filter(|d| **d != delimiter)
                .filter_map(|&d| Some((d, split_line(one, d)?)))
                .max_by_key(|(_, cells)| cells.len())?;
            if cells.len() < 2 {
                return None;
            }
            (d, Some(cells.into_iter().map(|c| c.trim().to_owned()).collect()))
        }
        _ => (delimiter, None),
    };
    let wrapped = Wrapped {
        delimiter: inner,
        header,
    };
    let width = wrapped.header.as_ref().map_or(headers.len(), Vec::len);
    let fits = sample
        .iter()
        .filter_map(|cells| wrapped.unwrap_row(cells))
        .filter(|cells| cells.len() == width)
        .count();
    (fits > 0).then_some(wrapped)
}

/// A line of delimited text split into its cells, quotes honoured; `None` when it does not read.
fn split_line(line: &str, delimiter: u8) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Some(record.iter().map(str::to_owned).collect()),
        _ => None,
    }
}

/// Two header cells that mean the same column, tallied over the rows: harmless (a warning, the
/// second ignored) when they hold the same value on every row, else one error for the file.
#[derive(Clone, Debug, Default)]
pub(super) struct Duplicates {
    /// `(first cell, second cell, the column's name, rows where they differ, first such rows)`.
    pairs: Vec<DuplicatePair>,
}

#[derive(Clone, Debug)]
struct DuplicatePair {
    first: usize,
    second: usize,
    name: String,
    differ: u64,
    rows: Vec<u64>,
}

/// How many rows an issue about a duplicate column names.
const DUPLICATE_ROWS_NAMED: usize = 5;

impl Duplicates {
    /// Adds a pair of header cells (by position) that mean the column `name`.
    pub fn add(&mut self, first: usize, second: usize, name: &str) {
        self.pairs.push(DuplicatePair {
            first,
            second,
            name: name.to_owned(),
            differ: 0,
            rows: Vec::new(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Compares a row's cells in each pair.
    pub fn row(&mut self, number: u64, cells: &[String]) {
        for pair in &mut self.pairs {
            let get = |i: usize| cells.get(i).map_or("", |c| c.trim());
            if get(pair.first) != get(pair.second) {
                pair.differ += 1;
                if pair.rows.len() < DUPLICATE_ROWS_NAMED {
                    pair.rows.push(number);
                }
            }
        }
    }

    /// One issue per pair: a warning when the cells always agree, else an error.
    pub fn issues(&self, headers: &[String]) -> Vec<Issue> {
        self.pairs
            .iter()
            .map(|p| {
                let (a, b) = (column_letter(p.first), column_letter(p.second));
                let (ha, hb) = (clip(&headers[p.first]), clip(&headers[p.second]));
                let name = &p.name;
                let issue = if p.differ == 0 {
                    Issue::warning(
                        IssueCode::DuplicateLabel,
                        Localized::new(
                            format!(
                                "Kolumnerna {a} (\"{ha}\") och {b} (\"{hb}\") betyder båda \"{name}\" och har samma värden på varje rad; {b} lästes inte. Ta bort kolumn {b} inför nästa uppladdning."
                            ),
                            format!(
                                "Columns {a} (\"{ha}\") and {b} (\"{hb}\") both mean \"{name}\" and hold the same values on every row; {b} was not read. Remove column {b} before the next upload."
                            ),
                        ),
                    )
                } else {
                    let rows: Vec<String> = p.rows.iter().map(u64::to_string).collect();
                    let (rows, n) = (rows.join(", "), p.differ);
                    Issue::error(
                        IssueCode::DuplicateLabel,
                        Localized::new(
                            format!(
                                "Kolumnerna {a} (\"{ha}\") och {b} (\"{hb}\") betyder båda \"{name}\" men har olika värden på {n} rader (t.ex. rad {rows}). Ta bort den ena kolumnen eller döp om den till något profilen inte känner igen."
                            ),
                            format!(
                                "Columns {a} (\"{ha}\") and {b} (\"{hb}\") both mean \"{name}\" but hold different values on {n} rows (e.g. row {rows}). Remove one of them, or rename it to something the profile does not know."
                            ),
                        ),
                    )
                };
                issue.in_column(&headers[p.second]).with_value(&headers[p.second])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn profile() -> &'static Profile {
        crate::profile::get("bathing-sites").unwrap()
    }

    fn slots(names: &[&str]) -> Vec<Slot<'static>> {
        names
            .iter()
            .map(|n| match profile().columns.iter().find(|c| c.name == *n) {
                Some(c) => Slot::Profile(c),
                None if n.is_empty() => Slot::Blank,
                None => Slot::Unknown,
            })
            .collect()
    }

    fn cells(text: &[&str]) -> Vec<String> {
        text.iter().map(|c| (*c).to_owned()).collect()
    }

    const SITE: [&str; 5] = ["place_id", "name", "latitude", "longitude", "description"];

    #[test]
    fn a_comma_in_a_description_is_found_and_joined() {
        let row = cells(&["a1", "Sjöbadet", "57.6", "12.1", "Sand", " brygga och grill"]);
        let shift = shifted_row(&slots(&SITE), &row, ',', false).unwrap();
        assert_eq!(shift, Shift::Text { joins: vec![(4, 1)] });
        assert_eq!(shift.merge(&row, ',')[4], "Sand, brygga och grill");
    }

    #[test]
    fn a_comma_in_a_name_shifts_the_numbers_and_is_found() {
        let row = cells(&["a1", "Sjöbadet", " Mölnlycke", "57.6", "12.1", "Sand"]);
        let shift = shifted_row(&slots(&SITE), &row, ',', false).unwrap();
        // The id could hold it too; the space after the comma and the name column decide.
        assert_eq!(shift, Shift::Text { joins: vec![(1, 1)] });
        let issue = shift_issue(&shift, 7, &cells(&SITE), &row, ',');
        assert_eq!(issue.code, IssueCode::StrayDelimiter);
        assert_eq!((issue.row, issue.column.as_deref()), (Some(7), Some("name")));
        assert_eq!(issue.value.as_deref(), Some("Sjöbadet, Mölnlycke"));
        assert!(
            issue
                .message
                .en
                .starts_with("Cell B7 (name) holds the delimiter comma (,)"),
            "{}",
            issue.message.en
        );
        assert!(issue.message.sv.contains("B7–C7"));
    }

    #[test]
    fn two_stray_delimiters_in_one_cell() {
        let row = cells(&["a1", "Badet; Ön; Norr", "57,6", "12,1", "x"]);
        let row = [&row[..1], &cells(&["Badet", " Ön", " Norr"]), &row[2..]].concat();
        let shift = shifted_row(&slots(&SITE), &row, ';', false).unwrap();
        assert_eq!(shift, Shift::Text { joins: vec![(1, 2)] });
        assert_eq!(shift.merge(&row, ';')[1], "Badet; Ön; Norr");
    }

    #[test]
    fn stray_delimiters_in_two_cells_are_named_in_one_issue() {
        let row = cells(&["a1", "Bad 1", " Norr", "57.6", "12.1", "Sand", " brygga"]);
        let shift = shifted_row(&slots(&SITE), &row, ',', false).unwrap();
        assert_eq!(
            shift,
            Shift::Text {
                joins: vec![(1, 1), (4, 1)]
            }
        );
        assert_eq!(
            shift.merge(&row, ','),
            cells(&["a1", "Bad 1, Norr", "57.6", "12.1", "Sand, brygga"])
        );
        let issue = shift_issue(&shift, 5, &cells(&SITE), &row, ',');
        assert_eq!(
            (issue.column.as_deref(), issue.value.as_deref()),
            (Some("name"), Some("Bad 1, Norr"))
        );
        assert!(
            issue.message.en.contains("B5 (name) \"Bad 1, Norr\" split into B5–C5; F5 (description) \"Sand, brygga\" split into F5–G5"),
            "{}",
            issue.message.en
        );
    }

    #[test]
    fn rows_that_fit_no_shift_are_left_alone() {
        // A boolean cannot hold a stray delimiter, and the shifted numbers do not fit.
        let row = cells(&["Lång", "57.61", "12.21", "true", "extra"]);
        assert_eq!(
            shifted_row(
                &slots(&["name", "latitude", "longitude", "toilet"]),
                &row,
                ',',
                false
            ),
            None
        );
        // Too many extra cells to guess.
        let wide = cells(&["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
        assert_eq!(shifted_row(&slots(&SITE), &wide, ',', false), None);
        // Under a column without a header, only with a space after the delimiter.
        let row = cells(&["a1", "Badet", "57.6", "12.1", "Sand", "brygga"]);
        assert_eq!(shifted_row(&slots(&SITE), &row, ',', true), None);
        assert!(shifted_row(&slots(&SITE), &row, ',', false).is_some());
    }

    #[test]
    fn decimal_commas_in_a_comma_file_are_told_apart_from_text() {
        let row = cells(&["a1", "Badet", "57", "665", "12", "14"]);
        let columns = ["place_id", "name", "latitude", "longitude"];
        let shift = shifted_row(&slots(&columns), &row, ',', false).unwrap();
        assert_eq!(
            shift,
            Shift::Decimals {
                columns: vec![2, 3],
                written: None
            }
        );
        assert_eq!(shift.merge(&row, ','), cells(&["a1", "Badet", "57,665", "12,14"]));
        let issue = shift_issue(&shift, 3, &cells(&columns), &row, ',');
        assert_eq!(issue.code, IssueCode::SplitDecimal);
        assert_eq!(issue.value.as_deref(), Some("57,665; 12,14"));
        assert!(
            issue
                .message
                .en
                .starts_with("The numbers in C3 (latitude), D3 (longitude) (57,665; 12,14)"),
            "{}",
            issue.message.en
        );
        // 58,12,5: 58.12 and 5, or 58 and 12.5; the cells are named as written.
        let row = cells(&["a1", "Badet", "58", "12", "5"]);
        let shift = shifted_row(&slots(&columns), &row, ',', false).unwrap();
        let issue = shift_issue(&shift, 4, &cells(&columns), &row, ',');
        assert!(
            issue.message.en.starts_with("The numbers in C4–E4 (58,12,5)"),
            "{}",
            issue.message.en
        );
        // Not in a semicolon file.
        assert_ne!(shifted_row(&slots(&columns), &row, ';', false), Some(shift));
    }

    fn column_of(name: &str) -> Option<usize> {
        let key = crate::text::header_key(name);
        profile().columns.iter().position(|c| c.keys().any(|k| k == key))
    }

    #[test]
    fn names_joined_by_spaces_are_split_when_the_rows_agree() {
        let headers = cells(&["place_id  name", "latitude", "longitude"]);
        let joined = joined_header(&headers, 4, &column_of).unwrap();
        assert!(joined.fits);
        assert_eq!(
            joined.split(&headers),
            cells(&["place_id", "name", "latitude", "longitude"])
        );
        let issue = joined.issue(&headers, '\t', 4);
        assert_eq!(
            (issue.code, issue.severity),
            (IssueCode::JoinedHeader, super::super::Severity::Warning)
        );
        assert!(
            issue
                .message
                .en
                .contains("A1 \"place_id  name\" → place_id | name"),
            "{}",
            issue.message.en
        );
        // Rows no wider than the header: nothing to split.
        assert_eq!(joined_header(&headers, 3, &column_of), None);
        // Rows wider still: proposed, not applied.
        let wider = joined_header(&headers, 5, &column_of).unwrap();
        assert!(!wider.fits);
        assert_eq!(
            wider.issue(&headers, '\t', 5).severity,
            super::super::Severity::Error
        );
        // A header that means a column whole is not split; nor into names already taken.
        assert_eq!(
            joined_header(&cells(&["Senast uppdaterad", "name"]), 3, &column_of),
            None
        );
        assert_eq!(
            joined_header(&cells(&["name latitude", "name"]), 3, &column_of),
            None
        );
    }

    #[test]
    fn rows_saved_as_one_quoted_cell_are_read_from_inside() {
        let headers = cells(&["place_id", "name", "latitude"]);
        let wrapped_row = cells(&["a1;Badet;57,6"]);
        let plain_row = cells(&["b2", "Ön", "57.7"]);
        let sample = [wrapped_row.as_slice(), plain_row.as_slice()];
        let wrapped = wrapped_rows(&headers, &sample, b';').unwrap();
        assert_eq!(
            wrapped.unwrap_row(&wrapped_row),
            Some(cells(&["a1", "Badet", "57,6"]))
        );
        assert_eq!(wrapped.unwrap_row(&plain_row), None);
        // The header one cell too: the delimiter inside it.
        let one = cells(&["place_id;name;latitude"]);
        let wrapped = wrapped_rows(&one, &[wrapped_row.as_slice()], b',').unwrap();
        assert_eq!((wrapped.delimiter, wrapped.header), (b';', Some(headers.clone())));
        // A file read right has nothing to unwrap.
        assert_eq!(wrapped_rows(&headers, &[plain_row.as_slice()], b';'), None);
    }

    #[test]
    fn duplicate_columns_are_harmless_when_their_values_agree() {
        let headers = cells(&["name", "lat", "namn"]);
        let mut same = Duplicates::default();
        same.add(0, 2, "name");
        same.row(2, &cells(&["Badet", "57", "Badet "]));
        let issues = same.issues(&headers);
        assert_eq!(issues[0].severity, super::super::Severity::Warning);
        assert!(issues[0].message.en.starts_with(
            "Columns A (\"name\") and C (\"namn\") both mean \"name\" and hold the same values"
        ));
        let mut differ = same.clone();
        differ.row(3, &cells(&["Ön", "57", "Holmen"]));
        let issues = differ.issues(&headers);
        assert_eq!(
            (issues[0].code, issues[0].severity),
            (IssueCode::DuplicateLabel, super::super::Severity::Error)
        );
        assert!(
            issues[0]
                .message
                .en
                .contains("different values on 1 rows (e.g. row 3)")
        );
    }
}
