//! Ingest: reading a steward's CSV file and checking it against a profile.
//!
//! Owns the dialect (encoding, delimiter, line ends), the header → column mapping, typed value
//! parsing, item identity and the validation [`Report`]. Pure: it takes bytes and a profile and
//! returns checked rows and a report; it never touches the store or the network.

pub mod report;
pub mod value;

use crate::profile::{ColumnType, Localized, Profile, Role};
use crate::text::{header_key, lower_slug, slug};
use report::{ColumnMapping, DEFAULT_ISSUE_LIMIT, Dialect};
pub use report::{Issue, IssueCode, Report, Severity};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
pub use value::Value;

/// How to check a file.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The municipality items belong to when the file has no municipality column: the dataset
    /// publisher's code, when the publisher is a municipality.
    pub default_municipality: Option<String>,
    /// How many issues of each severity to list in detail.
    pub issue_limit: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            default_municipality: None,
            issue_limit: DEFAULT_ISSUE_LIMIT,
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
    /// For ids derived from other values: the row content that disambiguates equal ids.
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

fn decode(bytes: &[u8]) -> Result<(&str, bool), Issue> {
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Issue::error(
            IssueCode::EmptyFile,
            Localized::new(
                "Filen är tom. Exportera tabellen igen med rubrikraden och minst en rad data.",
                "The file is empty. Export the table again with its header row and at least one data row.",
            ),
        ));
    }
    if body.contains(&0) {
        return Err(Issue::error(
            IssueCode::EncodingError,
            Localized::new(
                "Filen är inte en textfil (den innehåller binära data). Spara som CSV (kommaavgränsad) i UTF-8.",
                "The file is not a text file (it contains binary data). Save it as CSV (comma separated) in UTF-8.",
            ),
        ));
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok((text, bom)),
        Err(e) => Err(Issue::error(
            IssueCode::EncodingError,
            Localized::new(
                format!(
                    "Filen är inte giltig UTF-8 (byte {}). Spara som \"CSV UTF-8\" i Excel.",
                    e.valid_up_to() + 1
                ),
                format!(
                    "The file is not valid UTF-8 (byte {}). Save it as \"CSV UTF-8\" in Excel.",
                    e.valid_up_to() + 1
                ),
            ),
        )),
    }
}

/// Picks the delimiter that splits the header line into the most cells, preferring `,` on ties.
fn detect_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t'] {
        let mut in_quotes = false;
        let mut count = 0;
        for b in first.bytes() {
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if b == d && !in_quotes {
                count += 1;
            }
        }
        if count > best.1 {
            best = (d, count);
        }
    }
    best.0
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
        let target = keys.get(&key).copied();
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
                .in_column(header),
                limit,
            );
        }
        report.columns.push(ColumnMapping {
            position: pos + 1,
            header: header.clone(),
            column: mapped.map(|t| profile.columns[t].name.clone()),
        });
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

/// Checks a file against a profile.
pub fn check(bytes: &[u8], profile: &Profile, options: &CheckOptions) -> Checked {
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
    let (text, bom) = match decode(bytes) {
        Ok(t) => t,
        Err(issue) => return fail(report, issue),
    };
    let delimiter = detect_delimiter(text);
    report.dialect = Dialect {
        encoding: "UTF-8".to_owned(),
        bom,
        delimiter: match delimiter {
            b'\t' => "\t".to_owned(),
            d => (d as char).to_string(),
        },
        line_terminator: if text.contains("\r\n") { "CRLF" } else { "LF" }.to_owned(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_owned()).collect(),
        Some(Err(e)) => {
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

    let id_column = index_of_role(profile, Role::Id);
    let link_key_column = index_of_role(profile, Role::LinkKey);
    let name_column = index_of_role(profile, Role::Name);
    let municipality_column = index_of_role(profile, Role::Municipality);
    let mut rows = Vec::new();
    let mut invalid_rows = Vec::new();
    let mut derived_ids = 0u64;
    let mut record_index = 0u64;
    for record in records {
        record_index += 1;
        let row = record_index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
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
                && map.targets.contains(&Some(i))
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
                    .in_column(header_for(&map, i).unwrap_or(&column.name)),
                    limit,
                );
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
        let text_of = |c: Option<usize>| -> Option<String> {
            c.and_then(|c| values.iter().find(|(t, _)| *t == c))
                .map(|(_, v)| match v {
                    Value::Text(s) | Value::HavId(s) => s.clone(),
                    other => format!("{other:?}"),
                })
        };
        let (local_id, derived) = match text_of(id_column) {
            Some(id) => (slug(&id), false),
            None => match text_of(link_key_column) {
                Some(key) => (slug(&key), true),
                None => (lower_slug(&text_of(name_column).unwrap_or_default()), true),
            },
        };
        let label = text_of(name_column)
            .or_else(|| text_of(id_column))
            .or_else(|| text_of(link_key_column));
        if report.error_count > errors_before {
            report.rows.invalid += 1;
            invalid_rows.push((row, label));
            continue;
        }
        if local_id.is_empty() {
            report.push(
                Issue::error(
                    IssueCode::TypeError,
                    Localized::new(
                        "Id:t innehåller inga bokstäver eller siffror. Ge raden ett id som t.ex. 1401-badplats-1.",
                        "The id holds no letters or digits. Give the row an id such as 1401-bath-site-1.",
                    ),
                )
                .at_row(row),
                limit,
            );
            report.rows.invalid += 1;
            invalid_rows.push((row, label));
            continue;
        }
        if derived {
            derived_ids += 1;
        }
        let disambiguator = format!(
            "{}|{}",
            text_of(name_column).unwrap_or_default(),
            values
                .iter()
                .map(|(i, v)| format!("{i}={v:?}"))
                .collect::<Vec<_>>()
                .join("|")
        );
        rows.push(CheckedRow {
            row,
            local_id,
            id_derived: derived.then_some(disambiguator),
            municipality: municipality.unwrap_or_default(),
            values,
            extra,
        });
    }
    resolve_ids(&mut rows, &mut report, &mut invalid_rows, limit);
    if derived_ids > 0 {
        let source = if link_key_column.is_some_and(|c| map.targets.contains(&Some(c))) {
            ("badvatten-id eller namn", "bathing-water id or name")
        } else {
            ("namn", "name")
        };
        report.push(
            Issue::warning(
                IssueCode::DerivedId,
                Localized::new(
                    format!("{derived_ids} rader saknar id; deras id härleddes från {} och blir detsamma vid nästa uppladdning så länge värdet är oförändrat. Fyll i id-kolumnen för id som aldrig ändras.", source.0),
                    format!("{derived_ids} rows have no id; their ids were derived from the {} and stay the same on the next upload as long as that value does not change. Fill in the id column for ids that never change.", source.1),
                ),
            ),
            limit,
        );
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

/// Makes ids unique: derived ids that collide get a short content hash; given ids that collide
/// are an error naming every row involved.
fn resolve_ids(
    rows: &mut Vec<CheckedRow>,
    report: &mut Report,
    invalid: &mut Vec<(u64, Option<String>)>,
    limit: usize,
) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in rows.iter() {
        *counts.entry(r.local_id.to_lowercase()).or_default() += 1;
    }
    for r in rows.iter_mut() {
        if let Some(content) = &r.id_derived
            && counts[&r.local_id.to_lowercase()] > 1
        {
            r.local_id = format!("{}-{}", r.local_id, short_hash(content));
        }
    }
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_id.entry(r.local_id.to_lowercase()).or_default().push(i);
    }
    let mut drop = vec![false; rows.len()];
    let mut groups: Vec<Vec<usize>> = by_id.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    for group in groups {
        let numbers: Vec<String> = group.iter().map(|i| rows[*i].row.to_string()).collect();
        let list = numbers.join(", ");
        let id = rows[group[0]].local_id.clone();
        for i in &group {
            report.push(
                Issue::error(
                    IssueCode::UniqueError,
                    Localized::new(
                        format!("Id:t \"{id}\" förekommer på raderna {list}. Varje rad måste ha ett eget id; ändra eller ta bort dubbletterna."),
                        format!("The id \"{id}\" appears on rows {list}. Every row needs its own id; change or remove the duplicates."),
                    ),
                )
                .at_row(rows[*i].row)
                .with_value(&id),
                limit,
            );
            drop[*i] = true;
            invalid.push((rows[*i].row, Some(id.clone())));
        }
    }
    let mut i = 0;
    rows.retain(|_| {
        let keep = !drop[i];
        i += 1;
        keep
    });
    report.rows.invalid += drop.iter().filter(|d| **d).count() as u64;
}

/// A short, stable hash of text, for disambiguating derived ids.
pub fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(3).map(|b| format!("{b:02x}")).collect()
}

/// Whether a column's values are numbers in JSON.
pub fn is_numeric(kind: ColumnType) -> bool {
    matches!(
        kind,
        ColumnType::Integer | ColumnType::Decimal | ColumnType::Latitude | ColumnType::Longitude
    )
}
