//! Mapping proposals: which profile column a header the profile does not name probably means,
//! told from the header's name (abbreviations, English, the labels of the columns) and from the
//! values under it (a column of `Y/N` is a boolean, `Lake`/`Sea` the water type, `SE` and 16
//! characters a HaV id, six- and seven-digit numbers SWEREF coordinates), each with a confidence
//! and the sample values that support it.
//!
//! Owns the bounded sample of a file's first rows ([`Sample`]), the evidence and the confidence
//! ([`propose`]), and the mapping a steward confirmed ([`ConfirmedMapping`]), which wins over any
//! evidence. What is applied and what is only proposed is decided here: a proposal at or above
//! [`AUTO_APPLY`] is applied and reported as such; one below is reported and waits for the
//! steward's confirmation. Pure: the checker fills the sample from the rows it reads first.

use super::coords;
use super::report::{self, Issue, IssueCode, MappingReason};
use super::value;
use crate::profile::{Column, ColumnType, Localized, Profile, Role};
use crate::text::header_key;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many data rows the values are sampled from: the evidence is the same work for any file.
pub const SAMPLE_ROWS: usize = 50;
/// How many characters of a sampled value are kept.
const SAMPLE_CHARS: usize = 100;
/// How many sample values the report shows per column.
pub const SHOWN_SAMPLES: usize = 3;
/// The confidence (in percent) at which a proposal is applied without confirmation.
pub const AUTO_APPLY: u8 = 70;
/// The least confidence a proposal is reported with.
const MIN_PROPOSAL: u8 = 25;
/// The share of sampled values (in percent) that must fit a type for the values to count.
const FIT_PERCENT: usize = 90;

/// What a confirmed mapping says of a header cell: [`IGNORE`] or a profile column's name.
pub const IGNORE: &str = "-";

/// A mapping a steward confirmed for a dataset: header as written → a profile column's name, or
/// `-` for a column to leave out (no warning, not kept). Headers are matched as profile aliases
/// are (case, white space, punctuation and diacritics do not count). Kept with the dataset and
/// used for every upload, so an upload of the same layout needs nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(example = json!({"BESKR_KORT": "description", "UPDDATUM": "updated", "OBJECTID": "-"}))]
pub struct ConfirmedMapping(pub BTreeMap<String, String>);

/// What a confirmed mapping says of one header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The header maps to the profile column with this index.
    Column(usize),
    /// The column is left out.
    Ignore,
}

impl ConfirmedMapping {
    /// Whether nothing is confirmed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What the mapping says of `header` under `profile`; entries naming no column of the
    /// profile say nothing.
    pub fn get(&self, profile: &Profile, header: &str) -> Option<Confirmed> {
        let key = header_key(header);
        if key.is_empty() {
            return None;
        }
        let target = self
            .0
            .iter()
            .find(|(h, _)| header_key(h) == key)
            .map(|(_, t)| t.as_str())?;
        if target == IGNORE {
            return Some(Confirmed::Ignore);
        }
        profile
            .columns
            .iter()
            .position(|c| c.name == target)
            .map(Confirmed::Column)
    }

    /// The first entry whose target is neither a column of `profile` nor [`IGNORE`], or whose
    /// header is empty: a mapping that cannot be kept.
    pub fn invalid_entry(&self, profile: &Profile) -> Option<(&str, &str)> {
        self.0
            .iter()
            .find(|(h, t)| header_key(h).is_empty() || (*t != IGNORE && profile.column(t).is_none()))
            .map(|(h, t)| (h.as_str(), t.as_str()))
    }
}

/// The values of a file's first [`SAMPLE_ROWS`] data rows, per file column: non-empty, trimmed
/// and clipped, at most `SAMPLE_ROWS` × columns values of at most [`SAMPLE_CHARS`] characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    pub columns: Vec<Vec<String>>,
}

impl Sample {
    /// An empty sample of a file with `width` columns; [`Self::add`] fills it with the first
    /// rows' values.
    pub fn new(width: usize) -> Self {
        Self {
            columns: vec![Vec::new(); width],
        }
    }

    /// Adds one row's cells (those past the header's width are not sampled).
    pub fn add(&mut self, cells: &[String]) {
        for (column, cell) in self.columns.iter_mut().zip(cells) {
            let cell = cell.trim();
            if !cell.is_empty() {
                column.push(cell.chars().take(SAMPLE_CHARS).collect());
            }
        }
    }

    /// The sampled values of file column `pos`.
    pub fn values(&self, pos: usize) -> &[String] {
        self.columns.get(pos).map_or(&[], Vec::as_slice)
    }

    /// Up to [`SHOWN_SAMPLES`] different values of file column `pos`, in file order.
    pub fn shown(&self, pos: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in self.values(pos) {
            if out.len() == SHOWN_SAMPLES {
                break;
            }
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }
}

/// A proposed mapping of one header cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The file column (0-based).
    pub pos: usize,
    /// The profile column.
    pub target: usize,
    /// In percent.
    pub confidence: u8,
    pub reason: MappingReason,
    /// Why, in words: what of the name and what of the values.
    pub why: Localized,
}

impl Proposal {
    /// Whether it is applied without confirmation.
    pub fn applied(&self) -> bool {
        self.confidence >= AUTO_APPLY
    }
}

/// What the values of a file column say of a profile column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fit {
    /// No values sampled, or too few fit to tell.
    Unknown,
    /// Most values fit (count fitting, count sampled).
    Fits(usize, usize),
    /// Most values do not fit: the column is not this one.
    Contradicts,
}

/// Whether the values fit `column`'s type.
fn fit(column: &Column, values: &[String]) -> Fit {
    if values.is_empty() {
        return Fit::Unknown;
    }
    let ok = values.iter().filter(|v| fits(column, v)).count();
    if ok * 100 >= values.len() * FIT_PERCENT {
        Fit::Fits(ok, values.len())
    } else if values.len() >= 3 && ok * 2 < values.len() {
        Fit::Contradicts
    } else {
        Fit::Unknown
    }
}

/// Whether one value fits a column: it parses as the column's type, and coordinates lie in a
/// range of that axis over Sweden (degrees, SWEREF 99 or RT90 metres).
fn fits(column: &Column, v: &str) -> bool {
    match column.kind {
        ColumnType::Latitude | ColumnType::Longitude => {
            let Some(n) = value::parse_decimal(v).and_then(|t| t.parse::<f64>().ok()) else {
                return false;
            };
            if column.kind == ColumnType::Latitude {
                coords::is_northing_over_sweden(n)
            } else {
                coords::is_easting_over_sweden(n)
            }
        }
        _ => value::parse(column, v).is_ok(),
    }
}

/// How much values of a type alone say that a column of that type is meant (in percent), before
/// it is shared among the columns of the profile they fit equally.
fn type_weight(kind: ColumnType) -> u8 {
    match kind {
        ColumnType::HavId => 90,
        ColumnType::Wikidata | ColumnType::Enum => 85,
        ColumnType::Email => 80,
        ColumnType::Latitude | ColumnType::Longitude => 75,
        ColumnType::Date => 60,
        ColumnType::Url | ColumnType::Postcode | ColumnType::MunicipalityCode | ColumnType::Duration => 50,
        ColumnType::Language => 30,
        ColumnType::Boolean => 25,
        ColumnType::Access | ColumnType::Phone => 20,
        ColumnType::Integer => 15,
        ColumnType::Decimal => 10,
        ColumnType::Text | ColumnType::Country | ColumnType::OpeningHours => 0,
    }
}

/// What values of a type are called, in Swedish and English.
fn type_noun(column: &Column) -> (String, String) {
    let (sv, en) = match column.kind {
        ColumnType::HavId => ("badvatten-id från HaV", "HaV bathing-water ids"),
        ColumnType::Wikidata => ("Wikidata-id", "Wikidata ids"),
        ColumnType::Enum => {
            let list = column.values.join(", ");
            return (format!("ur listan {list}"), format!("from the list {list}"));
        }
        ColumnType::Email => ("e-postadresser", "e-mail addresses"),
        ColumnType::Latitude => (
            "nordkoordinater (latitud eller northing i SWEREF 99/RT90)",
            "northings (latitudes, or SWEREF 99/RT90 northings)",
        ),
        ColumnType::Longitude => (
            "ostkoordinater (longitud eller easting i SWEREF 99/RT90)",
            "eastings (longitudes, or SWEREF 99/RT90 eastings)",
        ),
        ColumnType::Date => ("datum", "dates"),
        ColumnType::Url => ("webbadresser", "web addresses"),
        ColumnType::Postcode => ("postnummer", "postcodes"),
        ColumnType::MunicipalityCode => ("kommunkoder", "municipality codes"),
        ColumnType::Duration => ("tidsperioder", "durations"),
        ColumnType::Language => ("språkkoder", "language codes"),
        ColumnType::Boolean => ("ja/nej-värden", "yes/no values"),
        ColumnType::Access => ("ja/nej/delvis", "yes/no/limited"),
        ColumnType::Phone => ("telefonnummer", "phone numbers"),
        ColumnType::Integer => ("heltal", "whole numbers"),
        ColumnType::Decimal => ("tal", "numbers"),
        ColumnType::Text | ColumnType::Country | ColumnType::OpeningHours => ("text", "text"),
    };
    (sv.to_owned(), en.to_owned())
}

/// The words a column is known by, as header keys: its name, aliases and labels.
fn vocabulary(column: &Column) -> Vec<String> {
    let mut out: Vec<String> = column.keys().collect();
    for label in [&column.label.sv, &column.label.en] {
        out.extend(super::header::candidate_keys(label));
    }
    out.retain(|k| k.len() >= 3);
    out.sort();
    out.dedup();
    out
}

/// How much a header's name says it means a key (in percent): the same letters (90), one
/// letter off (75), an abbreviation (70), the same words (85, 65 or 50), the same first three
/// letters or more (30); a tenth of the share of words in common is added.
fn name_score(header: &str, key: &str) -> u8 {
    match rule_score(header, key) {
        0 => 0,
        // Words shared besides tell abbreviations of the same letters apart (`badpl_namn` is
        // nearer `badplats` than `badplats_id`).
        score => (score + dice(header, key) / 10).min(90),
    }
}

/// [`name_score`] before shared words are counted.
fn rule_score(header: &str, key: &str) -> u8 {
    let compact = |s: &str| s.replace('_', "");
    let (h, k) = (compact(header), compact(key));
    if h.len() < 2 {
        return 0;
    }
    if h == k {
        return 90;
    }
    if h.len() >= 5 && k.len() >= 5 && within_one_edit(&h, &k) {
        return 75;
    }
    let first = header.split('_').next().unwrap_or_default();
    let key_first = key.split('_').next().unwrap_or_default();
    if (h.len() >= 4 && k.len() > h.len() + 1 && k.starts_with(&h))
        || (first.len() >= 4 && key_first.len() > first.len() + 1 && key_first.starts_with(first))
    {
        return 70;
    }
    let dice = dice(header, key);
    if dice >= 99 {
        return 85;
    }
    if dice >= 66 {
        return 65;
    }
    if dice >= 50 {
        return 50;
    }
    let common = h.bytes().zip(k.bytes()).take_while(|(a, b)| a == b).count();
    if common >= 3 { 30 } else { 0 }
}

/// The Dice coefficient of two keys' words (in percent); words match when equal, or when the
/// shorter has four letters or more and begins the longer.
fn dice(a: &str, b: &str) -> u8 {
    let words =
        |s: &str| -> Vec<String> { s.split('_').filter(|w| w.len() >= 2).map(str::to_owned).collect() };
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let same = |x: &String, y: &String| {
        let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
        short == long || (short.len() >= 4 && long.starts_with(short.as_str()))
    };
    let matched = a.iter().filter(|x| b.iter().any(|y| same(x, y))).count()
        + b.iter().filter(|y| a.iter().any(|x| same(x, y))).count();
    (matched * 100 / (a.len() + b.len())).min(100) as u8
}

/// Whether two words differ by at most one letter inserted, removed or changed.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        prefix == short.len() || short[prefix + 1..] == long[prefix + 1..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// A header key with the abbreviations Swedish headers use written out: `nr` (nummer) at the
/// end of a word (`postnr`, `kommunnr`, `tel_nr`).
fn expand_abbreviations(key: &str) -> String {
    key.split('_')
        .map(|w| match w.strip_suffix("nr") {
            Some(stem) => format!("{stem}nummer"),
            None => w.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// The best evidence of a header for a column: the name's score and the key it resembles.
fn best_name(header: &str, column: &Column) -> (u8, String) {
    let header = expand_abbreviations(&header_key(header));
    vocabulary(column)
        .into_iter()
        .map(|k| (name_score(&header, &k), k))
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
        .unwrap_or((0, String::new()))
}

/// Among the profile columns that share an alias (`water`: drinking water in Badplatser 1.0,
/// the water type in the older draft), the one the values fit best; the first when the values
/// tell nothing.
pub fn choose_by_values(profile: &Profile, candidates: &[usize], values: &[String]) -> (usize, bool) {
    let told = candidates
        .iter()
        .filter_map(|&c| match fit(&profile.columns[c], values) {
            Fit::Fits(ok, _) => Some((type_weight(profile.columns[c].kind), ok, c)),
            _ => None,
        })
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b.2.cmp(&a.2)));
    match told {
        Some((_, _, c)) => (c, true),
        None => (candidates[0], false),
    }
}

/// Proposes a profile column for each file column in `pending` (those no name, alias or
/// confirmation maps), among the profile columns not `taken`. Each file column gets at most
/// one proposal and each profile column is proposed at most once, the most confident first.
pub fn propose(
    profile: &Profile,
    headers: &[String],
    pending: &[usize],
    taken: &[bool],
    sample: &Sample,
) -> Vec<Proposal> {
    let mut candidates: Vec<Proposal> = Vec::new();
    for &pos in pending {
        let values = sample.values(pos);
        let fits: Vec<Fit> = profile.columns.iter().map(|c| fit(c, values)).collect();
        for (target, column) in profile.columns.iter().enumerate() {
            if taken[target] || fits[target] == Fit::Contradicts {
                continue;
            }
            let (name, key) = best_name(&headers[pos], column);
            let value = match fits[target] {
                // Values that confirm the type of the column a name points to count whole.
                Fit::Fits(..) if name > 0 => type_weight(column.kind),
                Fit::Fits(..) => {
                    // Values alone that fit several free columns of the same type tell which
                    // type, not which column.
                    let alike = profile
                        .columns
                        .iter()
                        .enumerate()
                        .filter(|(i, c)| {
                            !taken[*i] && c.kind == column.kind && matches!(fits[*i], Fit::Fits(..))
                        })
                        .count()
                        .max(1);
                    type_weight(column.kind) / alike as u8
                }
                _ => 0,
            };
            let confidence = combine(name, value);
            if confidence < MIN_PROPOSAL {
                continue;
            }
            let reason = match (name > 0, value > 0) {
                (true, true) => MappingReason::NameAndValues,
                (true, false) => MappingReason::SimilarName,
                _ => MappingReason::Values,
            };
            let why = explain(column, name, &key, value, fits[target]);
            candidates.push(Proposal {
                pos,
                target,
                confidence,
                reason,
                why,
            });
        }
    }
    // The most confident first; of equals, a required column first (without it nothing is
    // published).
    candidates.sort_by(|a, b| {
        let required = |p: &Proposal| !profile.columns[p.target].required;
        b.confidence
            .cmp(&a.confidence)
            .then(required(a).cmp(&required(b)))
            .then(a.pos.cmp(&b.pos))
            .then(a.target.cmp(&b.target))
    });
    let mut taken = taken.to_vec();
    let mut placed = vec![false; headers.len()];
    let mut out = Vec::new();
    for p in candidates {
        if placed[p.pos] || taken[p.target] {
            continue;
        }
        placed[p.pos] = true;
        taken[p.target] = true;
        out.push(p);
    }
    out.sort_by_key(|p| p.pos);
    out
}

/// Two independent pieces of evidence, in percent.
fn combine(name: u8, value: u8) -> u8 {
    let miss = (100 - u32::from(name.min(100))) * (100 - u32::from(value.min(100)));
    (100 - miss / 100) as u8
}

/// Why a proposal was made, in words.
fn explain(column: &Column, name: u8, key: &str, value: u8, fit: Fit) -> Localized {
    let mut sv = Vec::new();
    let mut en = Vec::new();
    if name > 0 {
        sv.push(format!("namnet liknar \"{key}\""));
        en.push(format!("the name resembles \"{key}\""));
    }
    if value > 0
        && let Fit::Fits(ok, of) = fit
    {
        let (noun_sv, noun_en) = type_noun(column);
        sv.push(format!("värdena är {noun_sv} ({ok} av {of})"));
        en.push(format!("the values are {noun_en} ({ok} of {of})"));
    }
    let capital = |parts: Vec<String>, and: &str| {
        let text = parts.join(and);
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
            .unwrap_or_default()
    };
    Localized::new(capital(sv, " och "), capital(en, " and "))
}

/// Whether the values of a column are HaV bathing-water ids (at least half of those sampled, at
/// least one): then a `place_id` column that holds them also gives the bathing-water id (on the
/// rows whose value is one).
pub fn holds_hav_ids(profile: &Profile, link_key: usize, values: &[String]) -> bool {
    let column = &profile.columns[link_key];
    let ids = values.iter().filter(|v| fits(column, v)).count();
    column.kind == ColumnType::HavId && ids > 0 && ids * 2 >= values.len()
}

/// How one header cell came to map where it does.
pub struct Decided {
    pub reason: MappingReason,
    pub confidence: u8,
    pub why: Option<Localized>,
}

/// A header that is an alias several columns share: the values decide.
pub fn shared_alias(profile: &Profile, named: &[usize], values: &[String]) -> (usize, Decided) {
    let (target, told) = choose_by_values(profile, named, values);
    let column = &profile.columns[target];
    let why = told.then(|| {
        Localized::new(
            format!(
                "Rubriken används för flera kolumner; värdena passar {} ({}).",
                column.name, column.label.sv
            ),
            format!(
                "The header is used for several columns; the values fit {} ({}).",
                column.name, column.label.en
            ),
        )
    });
    let decided = Decided {
        reason: if told {
            MappingReason::NameAndValues
        } else {
            MappingReason::Name
        },
        confidence: if told { 95 } else { 60 },
        why,
    };
    (target, decided)
}

/// For each file column, a second profile column its values also fill: the link key (a HaV
/// bathing-water id) when the file has none and the id column holds such ids. The item's id
/// stays the id column's.
pub fn also_fills(profile: &Profile, targets: &[Option<usize>], sample: &Sample) -> Vec<Option<usize>> {
    let mut also = vec![None; targets.len()];
    let role = |r| profile.columns.iter().position(|c| c.role == Some(r));
    let (Some(id), Some(link_key)) = (role(Role::Id), role(Role::LinkKey)) else {
        return also;
    };
    if targets.contains(&Some(link_key)) {
        return also;
    }
    if let Some(pos) = targets.iter().position(|t| *t == Some(id))
        && holds_hav_ids(profile, link_key, sample.values(pos))
    {
        also[pos] = Some(link_key);
    }
    also
}

pub fn also_why(link_key: &Column) -> Localized {
    Localized::new(
        format!(
            "Värdena är badvatten-id från HaV och publiceras också som {} ({}); id:t är detsamma.",
            link_key.name, link_key.label.sv
        ),
        format!(
            "The values are HaV bathing-water ids and are also published as {} ({}); the id stays the same.",
            link_key.name, link_key.label.en
        ),
    )
}

/// The warning for a proposal: applied (`column-guessed`) or waiting for confirmation
/// (`column-proposed`).
pub fn proposal_issue(profile: &Profile, header: &str, p: &Proposal) -> Issue {
    let header = report::clip(header);
    let column = &profile.columns[p.target];
    let (name, c) = (&column.name, p.confidence);
    let (label_sv, label_en) = (&column.label.sv, &column.label.en);
    let (why_sv, why_en) = (&p.why.sv, &p.why.en);
    let issue = if p.applied() {
        Issue::warning(
            IssueCode::ColumnGuessed,
            Localized::new(
                format!(
                    "Kolumnen \"{header}\" tolkades som {name} ({label_sv}), {c} % säkert. {why_sv}. Stämmer det inte, rätta kopplingen innan publicering."
                ),
                format!(
                    "Column \"{header}\" was taken as {name} ({label_en}), {c}% sure. {why_en}. If that is wrong, correct the mapping before publishing."
                ),
            ),
        )
    } else {
        Issue::warning(
            IssueCode::ColumnProposed,
            Localized::new(
                format!(
                    "Kolumnen \"{header}\" kan vara {name} ({label_sv}), {c} % säkert. {why_sv}. Bekräfta kopplingen för att publicera värdena där; till dess sparas de med raden men publiceras inte som egna fält."
                ),
                format!(
                    "Column \"{header}\" may be {name} ({label_en}), {c}% sure. {why_en}. Confirm the mapping to publish its values there; until then they are kept with the row but not published as fields."
                ),
            ),
        )
    };
    issue.in_column(&header).with_value(name)
}
/// What the missing-columns error adds for each missing column a proposal waits for: the one
/// thing to do, in Swedish and English (each sentence led by a space).
pub fn missing_hint(
    profile: &Profile,
    missing: &[usize],
    headers: &[String],
    proposals: &[Proposal],
) -> (String, String) {
    let (mut sv, mut en) = (String::new(), String::new());
    for p in proposals.iter().filter(|p| missing.contains(&p.target)) {
        let header = report::clip(&headers[p.pos]);
        let name = &profile.columns[p.target].name;
        let c = p.confidence;
        sv.push_str(&format!(
            " Kolumnen \"{header}\" föreslås som {name} ({c} %): bekräfta kopplingen, så behövs inget mer."
        ));
        en.push_str(&format!(
            " Column \"{header}\" is proposed as {name} ({c}%): confirm the mapping and nothing more is needed."
        ));
    }
    (sv, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bathing_sites() -> &'static Profile {
        crate::profile::get("bathing-sites").unwrap()
    }

    fn column(name: &str) -> usize {
        bathing_sites()
            .columns
            .iter()
            .position(|c| c.name == name)
            .unwrap()
    }

    fn sample(rows: &[&[&str]]) -> Sample {
        let width = rows.first().map_or(0, |r| r.len());
        let mut s = Sample {
            columns: vec![Vec::new(); width],
        };
        for row in rows {
            s.add(&row.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>());
        }
        s
    }

    fn proposals(headers: &[&str], rows: &[&[&str]]) -> Vec<(String, String, u8, MappingReason)> {
        let profile = bathing_sites();
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        let pending: Vec<usize> = (0..headers.len()).collect();
        let taken = vec![false; profile.columns.len()];
        propose(profile, &headers, &pending, &taken, &sample(rows))
            .into_iter()
            .map(|p| {
                (
                    headers[p.pos].clone(),
                    profile.columns[p.target].name.clone(),
                    p.confidence,
                    p.reason,
                )
            })
            .collect()
    }

    #[test]
    fn names_score_abbreviations_typos_and_words() {
        assert_eq!(name_score("beskr_kort", "beskrivning"), 76);
        assert!(name_score("badpl_namn", "badplats") > name_score("badpl_namn", "badplats_id"));
        assert_eq!(name_score("beskrivnig", "beskrivning"), 75);
        assert_eq!(name_score("street_address", "streetaddress"), 90);
        assert_eq!(name_score("toilets_available", "toilets"), 71);
        assert_eq!(name_score("upddatum", "updated"), 30);
        assert_eq!(name_score("farg", "facilities"), 0);
        assert_eq!(expand_abbreviations("postnr"), "postnummer");
        assert_eq!(expand_abbreviations("tel_nr"), "tel_nummer");
        assert!(within_one_edit("abcde", "abxde"));
        assert!(within_one_edit("abcde", "abde"));
        assert!(!within_one_edit("abcde", "axcxe"));
        assert_eq!(combine(30, 60), 72);
        assert_eq!(combine(0, 0), 0);
        assert_eq!(combine(100, 0), 100);
    }

    #[test]
    fn a_gis_export_is_proposed_from_names_and_values() {
        let got = proposals(
            &["BESKR_KORT", "UPDDATUM", "NORD", "OST", "TOA"],
            &[
                &["Sandstrand med brygga", "2023-05-01", "6398000", "319000", "J"],
                &["Klippbad", "2023-05-02", "6397000,5", "320000", "N"],
            ],
        );
        let names: Vec<(&str, &str)> = got.iter().map(|(h, c, _, _)| (h.as_str(), c.as_str())).collect();
        assert_eq!(
            names,
            [
                ("BESKR_KORT", "description"),
                ("UPDDATUM", "updated"),
                ("NORD", "latitude"),
                ("OST", "longitude"),
                ("TOA", "toilet"),
            ]
        );
        let confidence: Vec<u8> = got.iter().map(|p| p.2).collect();
        assert_eq!(confidence, [76, 72, 95, 83, 48]);
        assert!(
            got[4].2 < AUTO_APPLY,
            "a yes/no column named like no column waits"
        );
        assert_eq!(got[1].3, MappingReason::NameAndValues);
        assert_eq!(got[2].3, MappingReason::NameAndValues);
    }

    #[test]
    fn distinctive_values_propose_a_column_alone() {
        let got = proposals(
            &["kod", "typ", "wd"],
            &[
                &["SE0A21401000000055", "Lake", "Q123"],
                &["SE0A21401000000056", "Sea", "Q7"],
            ],
        );
        assert_eq!(got[0].1, "hov_ref");
        assert!(got[0].2 >= AUTO_APPLY);
        assert_eq!(got[1].1, "watertype");
        assert_eq!(got[1].3, MappingReason::Values);
        assert!(got[1].2 >= AUTO_APPLY);
        // `wd` is an alias, found before proposals; here its values alone tell.
        assert_eq!(got[2].1, "wikidata");
    }

    #[test]
    fn yes_no_values_alone_name_no_column_and_contradicting_values_rule_one_out() {
        // Y/N fits every facility: the values say boolean, not which one.
        let got = proposals(&["kolumn7"], &[&["Y"], &["N"], &["Y"]]);
        assert!(got.iter().all(|p| p.2 < AUTO_APPLY));
        // A header like `updated` whose values are not dates is not proposed as `updated`.
        let got = proposals(&["updat"], &[&["gul"], &["blå"], &["röd"]]);
        assert!(got.iter().all(|p| p.1 != "updated"));
    }

    #[test]
    fn shared_aliases_are_told_apart_by_values() {
        let profile = bathing_sites();
        let candidates = [column("drinking_water"), column("watertype")];
        let lake = ["Lake".to_owned(), "Sea".to_owned()];
        assert_eq!(
            choose_by_values(profile, &candidates, &lake),
            (column("watertype"), true)
        );
        let yes = ["Y".to_owned(), "N".to_owned()];
        assert_eq!(
            choose_by_values(profile, &candidates, &yes),
            (column("drinking_water"), true)
        );
        assert_eq!(
            choose_by_values(profile, &candidates, &[]),
            (candidates[0], false)
        );
    }

    #[test]
    fn confirmed_mappings_match_headers_like_aliases() {
        let profile = bathing_sites();
        let mut m = ConfirmedMapping::default();
        m.0.insert("BESKR_KORT".into(), "description".into());
        m.0.insert("OBJECTID".into(), IGNORE.into());
        assert_eq!(
            m.get(profile, "beskr kort"),
            Some(Confirmed::Column(column("description")))
        );
        assert_eq!(m.get(profile, "ObjectId"), Some(Confirmed::Ignore));
        assert_eq!(m.get(profile, "other"), None);
        assert_eq!(m.invalid_entry(profile), None);
        m.0.insert("X".into(), "nonsense".into());
        assert_eq!(m.invalid_entry(profile), Some(("X", "nonsense")));
    }

    #[test]
    fn samples_are_bounded_and_shown_distinct() {
        let mut s = Sample::new(2);
        for i in 0..SAMPLE_ROWS {
            s.add(&[format!("{}", i % 2), "x".repeat(300), "past the header".into()]);
        }
        assert_eq!(s.columns.len(), 2);
        assert_eq!(s.columns[0].len(), SAMPLE_ROWS);
        assert!(s.columns[1].iter().all(|v| v.chars().count() == SAMPLE_CHARS));
        assert_eq!(s.shown(0), ["0", "1"]);
    }
}
