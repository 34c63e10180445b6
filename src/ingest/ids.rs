//! Item ids: the id a row gets within its dataset, and ids made unique across a file.
//!
//! A row's id is its id column, as a slug; without one, its link key (a bathing-water id) or, in
//! lower case, its name. Derived ids that several rows share get a short hash of each row's
//! values, taken over their canonical encoding ([`canonical`]), never over `Debug` output, so
//! that no change to [`Value`] or its derives moves a URI. Ids given in the file that repeat are
//! an error on every row involved.

use super::report::{self, Issue, IssueCode, Report};
use super::{CheckedRow, ROWS_NAMED, Value};
use crate::profile::{Localized, Profile, Role};
use crate::text::{lower_slug, slug};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The profile columns ids and row labels are taken from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct IdColumns {
    pub id: Option<usize>,
    pub link_key: Option<usize>,
    pub name: Option<usize>,
}

/// A row's id before ids are made unique across the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RowId {
    /// The URI-safe id.
    pub local_id: String,
    /// For an id derived from other values: the hash of the row's values that tells equal
    /// derived ids apart.
    pub derived: Option<String>,
}

impl IdColumns {
    /// The columns with the id, link-key and name roles.
    pub fn of(profile: &Profile) -> Self {
        let role = |role| profile.columns.iter().position(|c| c.role == Some(role));
        Self {
            id: role(Role::Id),
            link_key: role(Role::LinkKey),
            name: role(Role::Name),
        }
    }

    /// How reports name a row: its name, else its id, else its link key.
    pub fn label(&self, values: &[(usize, Value)]) -> Option<String> {
        text_of(values, self.name)
            .or_else(|| text_of(values, self.id))
            .or_else(|| text_of(values, self.link_key))
    }

    /// The id of the row at spreadsheet row `row`: its id column, else derived from its link key
    /// or its name. An id with no letter or digit (`.`, `..`, which would be dot segments in the
    /// item's URI) is an error.
    pub fn assign(&self, row: u64, values: &[(usize, Value)]) -> Result<RowId, Issue> {
        let (local_id, derived) = match text_of(values, self.id) {
            Some(id) => (slug(&id), false),
            None => match text_of(values, self.link_key) {
                Some(key) => (slug(&key), true),
                None => (lower_slug(&text_of(values, self.name).unwrap_or_default()), true),
            },
        };
        if !local_id.bytes().any(|b| b.is_ascii_alphanumeric()) {
            return Err(Issue::error(
                IssueCode::TypeError,
                Localized::new(
                    "Id:t innehåller inga bokstäver eller siffror. Ge raden ett id som t.ex. 1401-badplats-1.",
                    "The id holds no letters or digits. Give the row an id such as 1401-bath-site-1.",
                ),
            )
            .at_row(row));
        }
        let derived = derived.then(|| content_hash(text_of(values, self.name).as_deref(), values));
        Ok(RowId { local_id, derived })
    }
}

/// The text of a row's value in `column`: what ids and labels are made from.
fn text_of(values: &[(usize, Value)], column: Option<usize>) -> Option<String> {
    let column = column?;
    values
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, v)| v.lexical().into_owned())
}

/// The hash that tells apart rows whose derived ids are equal: of the row's name and each of its
/// values in the order they were read, as `name|3=Text("…")|5=Coordinate(57.6, "57.6")`.
pub(super) fn content_hash(name: Option<&str>, values: &[(usize, Value)]) -> String {
    let mut text = String::with_capacity(64 * (values.len() + 1));
    text.push_str(name.unwrap_or_default());
    text.push('|');
    for (n, (column, value)) in values.iter().enumerate() {
        if n > 0 {
            text.push('|');
        }
        let _ = write!(text, "{column}=");
        canonical(value, &mut text);
    }
    short_hash(&text)
}

/// Writes a value's canonical encoding: its kind and its fields, strings quoted and escaped, as
/// `Text("Frökens udde")`, `Integer(6)`, `Boolean(true)`, `Limited`,
/// `Coordinate(57.665, "57.665")`, `Languages(["sv", "en"])`. These are the bytes derived ids
/// have been hashed over since the first release (when they were `Debug` output), written out
/// here so that URIs stay where they are whatever becomes of `Value`.
pub fn canonical(value: &Value, out: &mut String) {
    let (kind, text) = match value {
        Value::Integer(i) => {
            let _ = write!(out, "Integer({i})");
            return;
        }
        Value::Boolean(b) => {
            let _ = write!(out, "Boolean({b})");
            return;
        }
        Value::Limited => {
            out.push_str("Limited");
            return;
        }
        Value::Coordinate(degrees, text) => {
            out.push_str("Coordinate(");
            number(*degrees, out);
            out.push_str(", ");
            quoted(text, out);
            out.push(')');
            return;
        }
        Value::Languages(codes) => {
            out.push_str("Languages([");
            for (n, code) in codes.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                quoted(code, out);
            }
            out.push_str("])");
            return;
        }
        Value::Text(s) => ("Text", s),
        Value::Decimal(s) => ("Decimal", s),
        Value::Date(s) => ("Date", s),
        Value::Url(s) => ("Url", s),
        Value::Email(s) => ("Email", s),
        Value::Phone(s) => ("Phone", s),
        Value::Wikidata(s) => ("Wikidata", s),
        Value::HavId(s) => ("HavId", s),
        Value::Municipality(s) => ("Municipality", s),
        Value::Enum(s) => ("Enum", s),
        Value::Duration(s) => ("Duration", s),
    };
    out.push_str(kind);
    out.push('(');
    quoted(text, out);
    out.push(')');
}

/// Text in double quotes: `"` and `\` escaped with a backslash, as are tab, CR, LF and NUL
/// (`\t`, `\r`, `\n`, `\0`); other characters that do not print (controls, format characters,
/// combining marks, no-break spaces, unassigned code points) as `\u{hex}`; the rest, `'`
/// included, as they are. [`char::escape_debug`] draws that line from the Unicode tables.
fn quoted(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        if c == '\'' {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out.push('"');
}

/// A number in its shortest form that reads back the same: with at least one decimal
/// (`57.0`), or with an exponent below 0.0001 and from 10^16 up (`1e-5`, `1e16`).
fn number(n: f64, out: &mut String) {
    let magnitude = n.abs();
    if n.is_finite() && n != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let _ = write!(out, "{n:e}");
        return;
    }
    let start = out.len();
    let _ = write!(out, "{n}");
    if n.is_finite() && !out[start..].contains('.') {
        out.push_str(".0");
    }
}

/// A short, stable hash of text, for disambiguating derived ids.
pub fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    crate::text::hex(&digest[..3])
}

/// The warning for rows whose ids were derived: from the link key when the file has that column,
/// else from the name.
pub(super) fn derived_warning(rows: u64, from_link_key: bool) -> Issue {
    let (sv, en) = if from_link_key {
        ("badvatten-id eller namn", "bathing-water id or name")
    } else {
        ("namn", "name")
    };
    Issue::warning(
        IssueCode::DerivedId,
        Localized::new(
            format!(
                "{rows} rader saknar id; deras id härleddes från {sv} och blir detsamma vid nästa uppladdning så länge värdet är oförändrat. Fyll i id-kolumnen för id som aldrig ändras."
            ),
            format!(
                "{rows} rows have no id; their ids were derived from the {en} and stay the same on the next upload as long as that value does not change. Fill in the id column for ids that never change."
            ),
        ),
    )
}

/// Counts ids by a 128-bit hash of their lower-case form: 16 bytes a row, not a copy of every id.
fn count_ids(rows: &[CheckedRow]) -> HashMap<u128, u32> {
    let mut counts: HashMap<u128, u32> = HashMap::with_capacity(rows.len());
    for r in rows {
        let n = counts.entry(id_key(&r.local_id)).or_default();
        *n = n.saturating_add(1);
    }
    counts
}

fn id_key(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.to_lowercase().as_bytes())
}

/// The rows of one repeated id: the first few, and how many in all.
#[derive(Default)]
struct Group {
    /// The id as the first of its rows writes it.
    id: String,
    named: Vec<u64>,
    total: u64,
}

/// The repeated ids (by their lower-case form) and their rows. Rows whose hash is seen twice are
/// grouped by the ids themselves, so a hash collision cannot merge two different ids.
fn repeated_ids(rows: &[CheckedRow]) -> HashMap<String, Group> {
    let counts = count_ids(rows);
    let mut groups: HashMap<String, Group> = HashMap::new();
    for r in rows {
        if counts.get(&id_key(&r.local_id)).is_some_and(|n| *n > 1) {
            let group = groups.entry(r.local_id.to_lowercase()).or_insert_with(|| Group {
                id: r.local_id.clone(),
                ..Group::default()
            });
            if group.named.len() < ROWS_NAMED {
                group.named.push(r.row);
            }
            group.total += 1;
        }
    }
    // A hash collision of two different ids leaves groups of one row: not duplicates.
    groups.retain(|_, g| g.total > 1);
    groups
}

/// Makes ids unique: derived ids that collide get their row's content hash; given ids that
/// collide are an error on each row involved, whose message names the first [`ROWS_NAMED`] rows
/// and the exact number of rows. Time is linear in the rows; memory is one hash per row and, per
/// repeated id, its rows named and a count (never a list of every row).
pub(super) fn resolve_ids(
    rows: &mut Vec<CheckedRow>,
    report: &mut Report,
    invalid: &mut Vec<(u64, Option<String>)>,
    limit: usize,
) {
    let counts = count_ids(rows);
    for r in rows.iter_mut() {
        if let Some(hash) = &r.id_derived
            && counts.get(&id_key(&r.local_id)).is_some_and(|n| *n > 1)
        {
            r.local_id = format!("{}-{hash}", r.local_id);
        }
    }
    drop(counts);
    let groups = repeated_ids(rows);
    if groups.is_empty() {
        return;
    }
    // One message per repeated id, shared by its rows' issues.
    let messages: HashMap<&str, (&str, Localized)> = groups
        .iter()
        .map(|(key, g)| {
            (
                key.as_str(),
                (g.id.as_str(), duplicate_message(&g.id, g.total, &g.named)),
            )
        })
        .collect();
    let mut dropped = 0u64;
    rows.retain(|r| {
        let lower = r.local_id.to_lowercase();
        let Some((id, message)) = messages.get(lower.as_str()) else {
            return true;
        };
        report.push(
            Issue::error(IssueCode::UniqueError, message.clone())
                .at_row(r.row)
                .with_value(id),
            limit,
        );
        invalid.push((r.row, Some((*id).to_owned())));
        dropped += 1;
        false
    });
    report.rows.invalid += dropped;
}

/// The message for an id found on `total` rows, naming the first of them (`named`).
fn duplicate_message(id: &str, total: u64, named: &[u64]) -> Localized {
    let id = report::clip(id);
    let list = named.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    let more = total.saturating_sub(named.len() as u64);
    if more == 0 {
        Localized::new(
            format!(
                "Id:t \"{id}\" förekommer på raderna {list}. Varje rad måste ha ett eget id; ändra eller ta bort dubbletterna."
            ),
            format!(
                "The id \"{id}\" appears on rows {list}. Every row needs its own id; change or remove the duplicates."
            ),
        )
    } else {
        Localized::new(
            format!(
                "Id:t \"{id}\" förekommer på {total} rader: {list} och {more} till. Varje rad måste ha ett eget id; ändra eller ta bort dubbletterna."
            ),
            format!(
                "The id \"{id}\" appears on {total} rows: {list} and {more} more. Every row needs its own id; change or remove the duplicates."
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: &Value) -> String {
        let mut out = String::new();
        canonical(value, &mut out);
        out
    }

    #[test]
    fn values_encode_as_ids_have_always_been_hashed() {
        let cases = [
            (Value::Text("Frökens udde".into()), r#"Text("Frökens udde")"#),
            (Value::Integer(-6), "Integer(-6)"),
            (Value::Decimal("12.5".into()), r#"Decimal("12.5")"#),
            (Value::Boolean(false), "Boolean(false)"),
            (Value::Limited, "Limited"),
            (Value::Date("2024-06-01".into()), r#"Date("2024-06-01")"#),
            (Value::Url("https://a.se/".into()), r#"Url("https://a.se/")"#),
            (Value::Email("a@b.se".into()), r#"Email("a@b.se")"#),
            (Value::Phone("031-1".into()), r#"Phone("031-1")"#),
            (Value::Wikidata("Q42".into()), r#"Wikidata("Q42")"#),
            (
                Value::HavId("SE0A21480000000516".into()),
                r#"HavId("SE0A21480000000516")"#,
            ),
            (Value::Municipality("0114".into()), r#"Municipality("0114")"#),
            (Value::Enum("lake".into()), r#"Enum("lake")"#),
            (Value::Duration("P6W".into()), r#"Duration("P6W")"#),
            (
                Value::Coordinate(57.66512181118435, "57.66512181118435".into()),
                r#"Coordinate(57.66512181118435, "57.66512181118435")"#,
            ),
            (Value::Coordinate(58.0, "58".into()), r#"Coordinate(58.0, "58")"#),
            (
                Value::Languages(vec!["sv".into(), "en".into()]),
                r#"Languages(["sv", "en"])"#,
            ),
            (Value::Languages(Vec::new()), "Languages([])"),
        ];
        for (value, expected) in cases {
            assert_eq!(encoded(&value), expected);
        }
    }

    #[test]
    fn text_escapes_quotes_breaks_and_characters_that_do_not_print() {
        let text = "a\"b\\c'd\te\r\nf\0\u{7}\u{7f} g\u{a0}h\u{ad}o\u{308}\u{200b}\u{feff}\u{2028}é😀";
        assert_eq!(
            encoded(&Value::Text(text.into())),
            r#"Text("a\"b\\c'd\te\r\nf\0\u{7}\u{7f} g\u{a0}h\u{ad}o\u{308}\u{200b}\u{feff}\u{2028}é😀")"#
        );
    }

    #[test]
    fn numbers_have_a_decimal_or_an_exponent() {
        let cases = [
            (57.665, "57.665"),
            (58.0, "58.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (6_580_821.0, "6580821.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-5"),
            (-1e-7, "-1e-7"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e16"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
        ];
        for (n, expected) in cases {
            let mut out = String::new();
            number(n, &mut out);
            assert_eq!(out, expected, "{n}");
        }
    }

    #[test]
    fn content_hash_covers_name_columns_and_values_in_order() {
        let values = vec![
            (1, Value::Text("Sjöbadet".into())),
            (2, Value::Coordinate(57.7, "57.7".into())),
        ];
        // The text hashed: `Sjöbadet|1=Text("Sjöbadet")|2=Coordinate(57.7, "57.7")`.
        let expected = short_hash("Sjöbadet|1=Text(\"Sjöbadet\")|2=Coordinate(57.7, \"57.7\")");
        assert_eq!(content_hash(Some("Sjöbadet"), &values), expected);
        let swapped = vec![values[1].clone(), values[0].clone()];
        assert_ne!(content_hash(Some("Sjöbadet"), &swapped), expected);
        assert_eq!(content_hash(None, &[]), short_hash("|"));
        assert_eq!(short_hash("abc"), "ba7816");
    }

    const COLUMNS: IdColumns = IdColumns {
        id: Some(0),
        link_key: Some(1),
        name: Some(2),
    };

    #[test]
    fn ids_come_from_the_id_column_else_the_link_key_else_the_name() {
        let given = vec![
            (0, Value::Text("Bad 1/a".into())),
            (2, Value::Text("Sjöbadet".into())),
        ];
        assert_eq!(
            COLUMNS.assign(2, &given).unwrap(),
            RowId {
                local_id: "Bad-1-a".into(),
                derived: None
            }
        );
        let keyed = vec![
            (1, Value::HavId("SE0A21480000000516".into())),
            (2, Value::Text("Sjöbadet".into())),
        ];
        let id = COLUMNS.assign(2, &keyed).unwrap();
        assert_eq!(id.local_id, "SE0A21480000000516");
        assert_eq!(id.derived, Some(content_hash(Some("Sjöbadet"), &keyed)));
        let named = vec![(2, Value::Text("Västra Nedsjön".into()))];
        assert_eq!(COLUMNS.assign(2, &named).unwrap().local_id, "vastra-nedsjon");
        assert_eq!(COLUMNS.label(&named).as_deref(), Some("Västra Nedsjön"));
        assert_eq!(COLUMNS.label(&keyed[..1]).as_deref(), Some("SE0A21480000000516"));
        assert_eq!(COLUMNS.label(&[]), None);
    }

    #[test]
    fn ids_of_other_types_are_their_text_and_dots_alone_are_refused() {
        let numbered = vec![(0, Value::Integer(17))];
        assert_eq!(COLUMNS.assign(2, &numbered).unwrap().local_id, "17");
        let issue = COLUMNS.assign(7, &[(0, Value::Text("..".into()))]).unwrap_err();
        assert_eq!((issue.code, issue.row), (IssueCode::TypeError, Some(7)));
        // No id, link key or name: nothing to derive from.
        assert!(COLUMNS.assign(3, &[]).is_err());
    }

    fn row(row: u64, id: &str, derived: Option<&str>) -> CheckedRow {
        CheckedRow {
            row,
            local_id: id.into(),
            id_derived: derived.map(str::to_owned),
            municipality: "1401".into(),
            values: Vec::new(),
            extra: Vec::new(),
        }
    }

    #[test]
    fn equal_derived_ids_get_their_hash_and_equal_given_ids_are_errors() {
        let mut rows = vec![
            row(2, "sjobadet", Some("aaaaaa")),
            row(3, "sjobadet", Some("bbbbbb")),
            row(4, "udde", Some("cccccc")),
            row(5, "A1", None),
            row(6, "a1", None),
            row(7, "b1", None),
        ];
        let mut report = Report::default();
        let mut invalid = Vec::new();
        resolve_ids(&mut rows, &mut report, &mut invalid, 10);
        let ids: Vec<&str> = rows.iter().map(|r| r.local_id.as_str()).collect();
        assert_eq!(ids, ["sjobadet-aaaaaa", "sjobadet-bbbbbb", "udde", "b1"]);
        assert_eq!(invalid, [(5, Some("A1".into())), (6, Some("A1".into()))]);
        assert_eq!(report.rows.invalid, 2);
        assert_eq!(report.error_count, 2);
        assert_eq!(report.errors[1].row, Some(6));
        assert_eq!(report.errors[1].value.as_deref(), Some("A1"));
        assert!(report.errors[0].message.en.contains("rows 5, 6."));
    }

    #[test]
    fn a_repeated_id_names_a_few_rows_and_counts_them_all() {
        let mut rows: Vec<CheckedRow> = (2..1_002).map(|r| row(r, "same", None)).collect();
        let mut report = Report::default();
        let mut invalid = Vec::new();
        resolve_ids(&mut rows, &mut report, &mut invalid, 3);
        assert!(rows.is_empty());
        assert_eq!((report.error_count, report.errors.len()), (1_000, 3));
        assert_eq!(invalid.len(), 1_000);
        let message = &report.errors[0].message;
        assert!(
            message.en.contains("on 1000 rows: 2, 3, 4, 5, 6 and 995 more"),
            "{}",
            message.en
        );
        assert!(message.sv.contains("på 1000 rader: 2, 3, 4, 5, 6 och 995 till"));
    }

    #[test]
    fn derived_ids_are_explained_by_their_source() {
        let issue = derived_warning(3, true);
        assert_eq!(issue.code, IssueCode::DerivedId);
        assert!(issue.message.en.starts_with("3 rows have no id"));
        assert!(issue.message.en.contains("bathing-water id or name"));
        assert!(
            derived_warning(1, false)
                .message
                .sv
                .contains("härleddes från namn")
        );
    }
}
