//! Typed values: parsing one raw cell by its column type, with a fix-it message on failure.

use crate::profile::{Column, ColumnType, Localized};
use crate::reference;
use crate::text::{fold, header_key};

/// A checked cell value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    /// A decimal in canonical form (`25`, `12.5`).
    Decimal(String),
    Boolean(bool),
    /// OpenStreetMap's `limited` for access columns.
    Limited,
    /// An ISO date `YYYY-MM-DD`.
    Date(String),
    Url(String),
    Email(String),
    Phone(String),
    /// A Wikidata id, `Q123`.
    Wikidata(String),
    /// A HaV/EEA bathing-water id.
    HavId(String),
    /// A four-digit municipality code.
    Municipality(String),
    /// A coordinate in decimal degrees, kept with the digits the file gave.
    Coordinate(f64, String),
    /// A canonical enum value.
    Enum(String),
    /// An ISO 8601 duration.
    Duration(String),
    /// ISO 639-1 language codes.
    Languages(Vec<String>),
}

impl Value {
    /// The value as text, as it is published: what ids and the names of rows in reports are
    /// made from.
    pub fn lexical(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Value::Text(s)
            | Value::Decimal(s)
            | Value::Date(s)
            | Value::Url(s)
            | Value::Email(s)
            | Value::Phone(s)
            | Value::Wikidata(s)
            | Value::HavId(s)
            | Value::Municipality(s)
            | Value::Enum(s)
            | Value::Duration(s)
            | Value::Coordinate(_, s) => Cow::Borrowed(s),
            Value::Integer(i) => Cow::Owned(i.to_string()),
            Value::Boolean(b) => Cow::Owned(b.to_string()),
            Value::Limited => Cow::Borrowed("limited"),
            Value::Languages(codes) => Cow::Owned(codes.join(";")),
        }
    }
}

/// Why a value was rejected.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueError {
    /// True for a value of the right type but out of range (`constraint-error`).
    pub constraint: bool,
    pub message: Localized,
}

fn type_error(sv: impl Into<String>, en: impl Into<String>) -> ValueError {
    ValueError {
        constraint: false,
        message: Localized::new(sv, en),
    }
}

fn constraint_error(sv: impl Into<String>, en: impl Into<String>) -> ValueError {
    ValueError {
        constraint: true,
        message: Localized::new(sv, en),
    }
}

/// Parses a decimal written with a point or a comma, and optional spaces as thousands separators.
/// Returns the canonical text form.
pub fn parse_decimal(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    let digits = cleaned.strip_prefix('-').unwrap_or(cleaned);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let sign = if cleaned.starts_with('-') && !(int.is_empty() && frac.is_empty()) {
        "-"
    } else {
        ""
    };
    let int = if int.is_empty() { "0" } else { int };
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// Parses a boolean in the forms Swedish files use.
pub fn parse_boolean(raw: &str) -> Option<bool> {
    match fold(raw.trim()).as_str() {
        "true" | "yes" | "y" | "ja" | "j" | "1" | "x" | "sant" | "finns" => Some(true),
        "false" | "no" | "n" | "nej" | "0" | "falskt" | "saknas" | "finns ej" | "finns inte" | "ej" => {
            Some(false)
        }
        _ => None,
    }
}

/// An Excel serial date (days since 1899-12-30) of the years 1955 to 2119: five digits, then
/// perhaps a fraction (the time, dropped). Other numbers are not taken for dates.
fn excel_serial_date(raw: &str) -> Option<String> {
    let (days, fraction) = raw.split_once('.').unwrap_or((raw, "0"));
    if days.len() != 5
        || !days.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let days: i32 = days.parse().ok()?;
    if !(20_000..=80_000).contains(&days) {
        return None;
    }
    let date = jiff::civil::date(1899, 12, 30)
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .ok()?;
    Some(date.to_string())
}

/// Parses a date: ISO `2023-06-01`, `2023/06/01`, `20230601`, `1/6/2023` or `1.6.2023` (day
/// first, as Swedish writes it), optionally followed by a time that is dropped, or an Excel
/// serial number (`45078`, also `45078.0` or with a time fraction) as a cell without a date
/// format shows a date.
pub fn parse_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some(date) = parse_written_date(raw) {
        return Some(date);
    }
    if let Some(date) = excel_serial_date(raw) {
        return Some(date);
    }
    let date_part = raw.split(['T', ' ']).next().unwrap_or(raw);
    let (y, m, d) = if date_part.len() == 8 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        (
            date_part.get(0..4)?.parse().ok()?,
            date_part.get(4..6)?.parse().ok()?,
            date_part.get(6..8)?.parse().ok()?,
        )
    } else {
        let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        if parts[0].len() == 4 {
            (
                parts[0].parse().ok()?,
                parts[1].parse().ok()?,
                parts[2].parse().ok()?,
            )
        } else if parts[2].len() == 4 {
            (
                parts[2].parse().ok()?,
                parts[1].parse().ok()?,
                parts[0].parse().ok()?,
            )
        } else {
            return None;
        }
    };
    let (y, m, d): (i32, u32, u32) = (y, m, d);
    if !(1800..=2200).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&d) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// `1 juni 2023`, `1 jun 2023`, `June 1, 2023`.
fn parse_written_date(raw: &str) -> Option<String> {
    const MONTHS: [(&str, &str); 12] = [
        ("jan", "01"),
        ("feb", "02"),
        ("mar", "03"),
        ("apr", "04"),
        ("maj", "05"),
        ("jun", "06"),
        ("jul", "07"),
        ("aug", "08"),
        ("sep", "09"),
        ("okt", "10"),
        ("nov", "11"),
        ("dec", "12"),
    ];
    let folded = fold(raw).replace([',', '.'], " ");
    let words: Vec<&str> = folded.split_whitespace().collect();
    if words.len() != 3 {
        return None;
    }
    let month_of = |w: &str| {
        let w = if w.starts_with("may") {
            "maj"
        } else if w.starts_with("oct") {
            "okt"
        } else {
            w
        };
        MONTHS
            .iter()
            .find(|(m, _)| w.len() >= 3 && w.starts_with(m))
            .map(|(_, n)| *n)
    };
    let (day, month, year) = if let Some(m) = month_of(words[1]) {
        (words[0], m, words[2])
    } else {
        (words[1], month_of(words[0])?, words[2])
    };
    if day.is_empty() || !day.bytes().all(|b| b.is_ascii_digit()) || year.len() != 4 {
        return None;
    }
    parse_date(&format!("{year}-{month}-{:0>2}", day))
}

/// A web address cell: `www.` alone gains `https://`; the rest is [`crate::links::web_url`].
fn parse_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let with_scheme = if raw.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www.")) {
        format!("https://{raw}")
    } else {
        raw.to_owned()
    };
    crate::links::web_url(&with_scheme)
        .ok()
        .map(oxigraph::model::NamedNode::into_string)
}

/// An e-mail cell, in lower case: a leading `mailto:` is dropped; the rest is
/// [`crate::links::email`].
fn parse_email(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("mailto:").unwrap_or(raw).to_lowercase();
    crate::links::email(&raw).is_ok().then_some(raw)
}

fn parse_duration(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let upper = raw.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix('P') {
        let valid = !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b"YMWDTHS.".contains(&b))
            && rest.bytes().any(|b| b.is_ascii_digit());
        return valid.then_some(upper);
    }
    let folded = fold(raw);
    let mut words = folded.split_whitespace();
    let n: u32 = words.next()?.parse().ok()?;
    let unit = words.next()?;
    if words.next().is_some() {
        return None;
    }
    let letter = match unit {
        "dag" | "dagar" | "day" | "days" => "D",
        "vecka" | "veckor" | "week" | "weeks" => "W",
        "manad" | "manader" | "month" | "months" => "M",
        _ => return None,
    };
    Some(format!("P{n}{letter}"))
}

const LANGUAGES: &[&str] = &[
    "sv", "en", "fi", "se", "sma", "smj", "yi", "rom", "fit", "ar", "so", "fa", "ti", "de", "fr", "es", "pl",
    "ru", "uk", "bs", "hr", "sr", "tr", "ku", "prs", "zh", "th", "sq", "am", "el", "it", "pt", "da", "no",
    "et", "lv", "lt", "hu", "ro", "bg", "cs", "sk", "sl", "nl",
];

fn parse_languages(raw: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for part in raw.split([';', ',', '|', ' ']).filter(|p| !p.trim().is_empty()) {
        let p = fold(part.trim());
        let code = match p.as_str() {
            "svenska" | "swedish" => "sv",
            "engelska" | "english" => "en",
            "finska" | "finnish" => "fi",
            "arabiska" | "arabic" => "ar",
            "somaliska" | "somali" => "so",
            other => other,
        };
        if !LANGUAGES.contains(&code) {
            return None;
        }
        if !out.iter().any(|c| c == code) {
            out.push(code.to_owned());
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether text is a HaV/EEA bathing-water id: `SE`, four letters or digits, twelve digits.
/// Compared byte by byte, so a non-ASCII character anywhere simply fails the check.
fn is_hav_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 18
        && b.starts_with(b"SE")
        && b[2..6].iter().all(u8::is_ascii_alphanumeric)
        && b[6..].iter().all(u8::is_ascii_digit)
}

/// Checks one non-empty cell against its column.
pub fn parse(column: &Column, raw: &str) -> Result<Value, ValueError> {
    let v = raw.trim();
    match column.kind {
        ColumnType::Text | ColumnType::OpeningHours => Ok(Value::Text(
            // Value aliases are short codes (`K`): a long text is never one, and is not folded.
            Some(&column.value_aliases)
                .filter(|a| !a.is_empty() && v.len() <= 32)
                .and_then(|a| a.get(&header_key(v)))
                .cloned()
                .unwrap_or_else(|| v.replace("\r\n", "\n")),
        )),
        ColumnType::Phone => parse_phone(v),
        ColumnType::Postcode => parse_postcode(v),
        ColumnType::Country => Ok(Value::Text(match fold(v).as_str() {
            "sverige" | "sweden" | "se" | "swe" => "SE".to_owned(),
            _ => v.to_owned(),
        })),
        ColumnType::Integer => {
            let cleaned: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            cleaned.parse::<i64>().map(Value::Integer).map_err(|_| {
                type_error(
                    "Värdet ska vara ett heltal, t.ex. 6.",
                    "The value must be a whole number, e.g. 6.",
                )
            })
        }
        ColumnType::Decimal => parse_decimal(v).map(Value::Decimal).ok_or_else(|| {
            type_error(
                "Värdet ska vara ett tal, t.ex. 25 eller 12,5.",
                "The value must be a number, e.g. 25 or 12.5.",
            )
        }),
        ColumnType::Boolean => parse_boolean(v).map(Value::Boolean).ok_or_else(|| {
            type_error(
                "Skriv true eller false (även ja/nej, Y/N, 1/0 eller x för ja).",
                "Write true or false (yes/no, ja/nej, Y/N, 1/0, or x for yes also work).",
            )
        }),
        ColumnType::Access => match fold(v).as_str() {
            "limited" | "begransad" | "delvis" | "partly" => Ok(Value::Limited),
            _ => parse_boolean(v).map(Value::Boolean).ok_or_else(|| {
                type_error(
                    "Skriv yes, no eller limited (även ja/nej/delvis).",
                    "Write yes, no or limited (ja/nej/delvis also work).",
                )
            }),
        },
        ColumnType::Date => parse_date(v).map(Value::Date).ok_or_else(|| {
            type_error(
                "Datumet ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2024-06-01.",
                "Write the date as YYYY-MM-DD, e.g. 2024-06-01.",
            )
        }),
        ColumnType::Url => parse_url(v).map(Value::Url).ok_or_else(|| {
            type_error(
                "Länken ska vara en fullständig webbadress som börjar med https://.",
                "The link must be a full web address starting with https://.",
            )
        }),
        ColumnType::Email => parse_email(v).map(Value::Email).ok_or_else(|| {
            type_error(
                "E-postadressen ska se ut som namn@kommun.se, utan mailto: och utan mellanslag.",
                "The e-mail address must look like name@municipality.se, without mailto: or spaces.",
            )
        }),
        ColumnType::Wikidata => parse_wikidata(v),
        ColumnType::HavId => parse_hav_id(v),
        ColumnType::MunicipalityCode => match reference::municipality(v) {
            Some(m) => Ok(Value::Municipality(m.code.clone())),
            None => Err(constraint_error(
                "Okänd kommunkod. Använd SCB:s fyrsiffriga kod, t.ex. 1401 för Härryda eller 0114 för Upplands Väsby.",
                "Unknown municipality code. Use the four-digit Statistics Sweden code, e.g. 1401 for Härryda or 0114 for Upplands Väsby.",
            )),
        },
        ColumnType::Latitude | ColumnType::Longitude => parse_coordinate(v),
        ColumnType::Enum => parse_enum(column, v),
        ColumnType::Duration => parse_duration(v).map(Value::Duration).ok_or_else(|| {
            type_error(
                "Skriv tiden som ISO 8601 (P10D = tio dagar, P6W = sex veckor) eller som \"10 dagar\".",
                "Write the duration as ISO 8601 (P10D = ten days, P6W = six weeks) or as \"10 days\".",
            )
        }),
        ColumnType::Language => parse_languages(v).map(Value::Languages).ok_or_else(|| {
            type_error(
                "Ange språk som tvåbokstavskoder åtskilda med semikolon, t.ex. sv;en.",
                "Give languages as two-letter codes separated by semicolons, e.g. sv;en.",
            )
        }),
    }
}

/// A phone number: digits, spaces and `+ - ( ) / .`.
fn parse_phone(v: &str) -> Result<Value, ValueError> {
    if v.chars().any(|c| c.is_ascii_digit()) && v.chars().all(|c| c.is_ascii_digit() || " +-()/.".contains(c))
    {
        Ok(Value::Phone(v.to_owned()))
    } else {
        Err(type_error(
            "Telefonnumret får bara innehålla siffror, mellanslag och + - ( ). Skriv t.ex. 031-123 45 67.",
            "A phone number may only hold digits, spaces and + - ( ). Write e.g. 031-123 45 67.",
        ))
    }
}

/// A Swedish postcode, as `435 35`.
fn parse_postcode(v: &str) -> Result<Value, ValueError> {
    let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some((head, tail)) = digits
        .split_at_checked(3)
        .filter(|_| digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(Value::Text(format!("{head} {tail}")))
    } else {
        Err(type_error(
            "Postnumret ska ha fem siffror, t.ex. 435 35.",
            "A Swedish postcode has five digits, e.g. 435 35.",
        ))
    }
}

/// A Wikidata id (`Q42`), alone or at the end of its URL.
fn parse_wikidata(v: &str) -> Result<Value, ValueError> {
    let id = v.rsplit('/').next().unwrap_or(v).trim().to_ascii_uppercase();
    if id
        .strip_prefix('Q')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(Value::Wikidata(id))
    } else {
        Err(type_error(
            "Wikidata-id ska se ut som Q123456.",
            "A Wikidata id looks like Q123456.",
        ))
    }
}

/// A HaV bathing-water id, in upper case.
fn parse_hav_id(v: &str) -> Result<Value, ValueError> {
    let id = v.to_ascii_uppercase();
    if is_hav_id(&id) {
        Ok(Value::HavId(id))
    } else {
        Err(type_error(
            "Badvatten-id från HaV ska ha 18 tecken, t.ex. SE0A21480000000516.",
            "A HaV bathing-water id has 18 characters, e.g. SE0A21480000000516.",
        ))
    }
}

/// A coordinate: a finite number, degrees or metres.
fn parse_coordinate(v: &str) -> Result<Value, ValueError> {
    // Ranges and systems are checked per row, with both numbers at hand (see `coords`).
    let Some(text) = parse_decimal(v) else {
        return Err(type_error(
            "Koordinaten ska vara ett tal: WGS84-grader (57,665) eller meter i SWEREF 99 / RT90 (6580821).",
            "The coordinate must be a number: WGS84 degrees (57.665) or metres in SWEREF 99 / RT90 (6580821).",
        ));
    };
    match text.parse::<f64>() {
        // Hundreds of digits parse as infinity: no position, whatever the system.
        Ok(n) if n.is_finite() => Ok(Value::Coordinate(n, text)),
        _ => Err(type_error(
            "Koordinaten är inget rimligt tal. Kontrollera värdet.",
            "The coordinate is not a plausible number. Check the value.",
        )),
    }
}

/// One of an enum column's values, or one of their other spellings.
fn parse_enum(column: &Column, v: &str) -> Result<Value, ValueError> {
    let key = header_key(v);
    if let Some(canonical) = column
        .values
        .iter()
        .find(|c| header_key(c) == key)
        .or_else(|| column.value_aliases.get(&key))
    {
        Ok(Value::Enum(canonical.clone()))
    } else {
        let list = column.values.join(", ");
        Err(type_error(
            format!("Tillåtna värden är: {list}."),
            format!("Allowed values are: {list}."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(kind: ColumnType) -> Column {
        let mut column = crate::profile::get("bathing-sites")
            .unwrap()
            .columns
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| &crate::profile::get("bathing-sites").unwrap().columns[0])
            .clone();
        column.kind = kind;
        column
    }

    #[test]
    fn non_ascii_in_fixed_width_ids_is_a_type_error_not_a_panic() {
        let hav = column(ColumnType::HavId);
        // Eighteen bytes, with a two-byte character where a byte offset would cut it.
        assert!(parse(&hav, "SEABCé12345678901").is_err());
        assert!(parse(&hav, "SEé0000000000000000").is_err());
        assert_eq!(
            parse(&hav, "se0a21480000000516"),
            Ok(Value::HavId("SE0A21480000000516".into()))
        );
        let wikidata = column(ColumnType::Wikidata);
        assert!(parse(&wikidata, "Qé").is_err());
        assert!(parse(&wikidata, "Q").is_err());
        assert_eq!(parse(&wikidata, "q42"), Ok(Value::Wikidata("Q42".into())));
        let postcode = column(ColumnType::Postcode);
        assert!(parse(&postcode, "4é535").is_err());
        assert_eq!(parse(&postcode, "43535"), Ok(Value::Text("435 35".into())));
        assert_eq!(parse_date("2023é601"), None);
        let latitude = column(ColumnType::Latitude);
        assert!(parse(&latitude, &"9".repeat(400)).is_err());
    }

    #[test]
    fn decimals_accept_commas_and_spaces() {
        assert_eq!(parse_decimal("57,665").as_deref(), Some("57.665"));
        assert_eq!(parse_decimal(" 1 200,50 ").as_deref(), Some("1200.5"));
        assert_eq!(parse_decimal("-0.0").as_deref(), Some("0"));
        assert_eq!(parse_decimal("25").as_deref(), Some("25"));
        assert_eq!(parse_decimal("1e5"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("1.2.3"), None);
    }

    #[test]
    fn booleans_in_swedish_habits() {
        for t in ["true", "Y", "ja", "JA", "1", "x", "yes"] {
            assert_eq!(parse_boolean(t), Some(true), "{t}");
        }
        assert_eq!(parse_boolean("Finns"), Some(true));
        assert_eq!(parse_boolean("Saknas"), Some(false));
        for f in ["false", "N", "nej", "0", "no"] {
            assert_eq!(parse_boolean(f), Some(false), "{f}");
        }
        assert_eq!(parse_boolean("kanske"), None);
    }

    #[test]
    fn dates_in_common_forms() {
        assert_eq!(parse_date("45078").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("45078.5").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("36526.0").as_deref(), Some("2000-01-01"));
        assert_eq!(parse_date("4507"), None);
        assert_eq!(parse_date("2023-06-01").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("2023/6/1").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("1.6.2023").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("20230601").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("2023-06-01 12:00").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("1 juni 2023").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("12 okt. 2024").as_deref(), Some("2024-10-12"));
        assert_eq!(parse_date("June 1, 2023").as_deref(), Some("2023-06-01"));
        assert_eq!(parse_date("31 juni 2023"), None);
        assert_eq!(parse_date("juni"), None);
    }

    #[test]
    fn durations_and_languages() {
        assert_eq!(parse_duration("P8W").as_deref(), Some("P8W"));
        assert_eq!(parse_duration("10 dagar").as_deref(), Some("P10D"));
        assert_eq!(parse_duration("snart"), None);
        assert_eq!(parse_languages("sv;en").unwrap(), ["sv", "en"]);
        assert_eq!(parse_languages("Svenska, engelska").unwrap(), ["sv", "en"]);
        assert_eq!(parse_languages("klingon"), None);
    }

    #[test]
    fn urls_and_emails() {
        assert_eq!(
            parse_url("www.harryda.se").as_deref(),
            Some("https://www.harryda.se")
        );
        assert!(parse_url("harryda").is_none());
        assert!(parse_url("ftp://x.se").is_none());
        assert_eq!(
            parse_email("mailto:Info@Kommun.SE").as_deref(),
            Some("info@kommun.se")
        );
        assert!(parse_email("info@kommun").is_none());
        assert!(parse_email("a b@kommun.se").is_none());
    }
}
