//! Header matching: which profile column each cell of a file's header row names, by the
//! steward's confirmed mapping, the column's name or one of its aliases, or a proposal
//! ([`super::propose`]) confident enough to apply, folded ([`header_key`]) and tried with and without the
//! units and coordinate systems headers carry (`Latitud (WGS84)`, `E_SWEREF99TM`). Also what the
//! coordinate columns' headers say about the coordinates: the system they name, and whether
//! they name axes (X/Y) rather than latitude and longitude.

use super::coords::{self, Crs};
use super::propose::{self, Confirmed, ConfirmedMapping, Proposal, Sample};
use super::report::{self, ColumnMapping, Issue, IssueCode, MappingReason, Report};
use crate::profile::{Localized, Profile};
use crate::text::header_key;
use std::collections::HashMap;

/// How a file's header maps onto a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct HeaderMap {
    /// For each file column: the profile column index it maps to.
    pub targets: Vec<Option<usize>>,
    /// The header row's cells, trimmed.
    pub headers: Vec<String>,
    /// For each file column: another profile column its values also fill, when they parse as
    /// its type (a HaV id in `place_id` is also the bathing-water id).
    pub also: Vec<Option<usize>>,
    /// For each file column: whether the steward's confirmed mapping leaves it out.
    pub ignored: Vec<bool>,
    /// Header cells that mean a column an earlier cell means: `(earlier, later)` positions. The
    /// later one is not read; the rows tell whether that loses anything ([`super::diagnose`]).
    pub duplicates: Vec<(usize, usize)>,
}

impl HeaderMap {
    /// The header of the file column that maps to profile column `target`.
    pub fn header_for(&self, target: usize) -> Option<&str> {
        self.targets
            .iter()
            .position(|t| *t == Some(target))
            .map(|p| self.headers[p].as_str())
    }

    /// Whether the coordinate columns' headers name axes (`X`, `Y`, `N`, `E`) rather than
    /// latitude and longitude: then which number is which is told by magnitude.
    pub fn axes_ambiguous(&self, coordinate_columns: [Option<usize>; 2]) -> bool {
        coordinate_columns.iter().any(|c| {
            c.and_then(|c| self.header_for(c)).is_some_and(|h| {
                candidate_keys(h)
                    .iter()
                    .any(|k| coords::AXIS_KEYS.contains(&k.as_str()))
            })
        })
    }

    /// The coordinate system the coordinate columns' headers name, if any.
    pub fn named_crs(&self, coordinate_columns: [Option<usize>; 2]) -> Option<Crs> {
        coordinate_columns
            .iter()
            .filter_map(|c| c.and_then(|c| self.header_for(c)))
            .find_map(header_crs)
    }
}

/// Maps each header cell to a profile column, with no sample of values and nothing confirmed.
#[cfg(test)]
pub(super) fn map_header(
    profile: &Profile,
    headers: Vec<String>,
    report: &mut Report,
    limit: usize,
) -> HeaderMap {
    let evidence = Evidence {
        sample: &Sample::default(),
        confirmed: &ConfirmedMapping::default(),
    };
    map_header_with(profile, headers, &evidence, report, limit)
}

/// What a header is mapped with besides the profile: the values of the file's first rows and
/// the mapping the steward confirmed for the dataset.
pub(super) struct Evidence<'a> {
    pub sample: &'a Sample,
    pub confirmed: &'a ConfirmedMapping,
}

/// Maps each header cell to a profile column: by the steward's confirmed mapping, else by the
/// column's name or an alias (an alias two columns share is decided by the values), else by a
/// proposal ([`propose`]) when it is confident enough. Two cells naming the same column and
/// missing required columns are errors; cells naming no column are warnings (their values are
/// kept with the row), and so are proposals, applied or not. Each cell's mapping is listed in
/// the report, with why and some of its values.
pub(super) fn map_header_with(
    profile: &Profile,
    headers: Vec<String>,
    evidence: &Evidence<'_>,
    report: &mut Report,
    limit: usize,
) -> HeaderMap {
    let Evidence { sample, confirmed } = evidence;
    let keys = profile_keys(profile);
    let mut duplicates = Vec::new();
    let width = headers.len();
    let mut targets = vec![None; width];
    let mut ignored = vec![false; width];
    let mut decided: Vec<Option<propose::Decided>> = (0..width).map(|_| None).collect();
    let mut pending = Vec::new();
    // Profile column → the first file column that names it.
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for (pos, header) in headers.iter().enumerate() {
        let (target, how) = match confirmed.get(profile, header) {
            Some(Confirmed::Ignore) => {
                ignored[pos] = true;
                decided[pos] = Some(propose::Decided {
                    reason: MappingReason::Confirmed,
                    confidence: 100,
                    why: None,
                });
                continue;
            }
            Some(Confirmed::Column(t)) => (
                t,
                propose::Decided {
                    reason: MappingReason::Confirmed,
                    confidence: 100,
                    why: None,
                },
            ),
            None => match candidate_keys(header).iter().find_map(|k| keys.get(k)) {
                Some(named) if named.len() == 1 => (
                    named[0],
                    propose::Decided {
                        reason: MappingReason::Name,
                        confidence: 100,
                        why: None,
                    },
                ),
                Some(named) => propose::shared_alias(profile, named, sample.values(pos)),
                None => {
                    if !header_key(header).is_empty() {
                        pending.push(pos);
                    }
                    continue;
                }
            },
        };
        if let Some(first) = seen.get(&target) {
            duplicates.push((*first, pos));
        } else {
            seen.insert(target, pos);
            targets[pos] = Some(target);
            decided[pos] = Some(how);
        }
    }
    let taken: Vec<bool> = (0..profile.columns.len())
        .map(|i| seen.contains_key(&i))
        .collect();
    let mut proposals: Vec<Option<Proposal>> = (0..width).map(|_| None).collect();
    let proposed = propose::propose(profile, &headers, &pending, &taken, sample);
    let waiting: Vec<Proposal> = proposed.iter().filter(|p| !p.applied()).cloned().collect();
    for p in proposed {
        let pos = p.pos;
        if p.applied() {
            seen.insert(p.target, pos);
            targets[pos] = Some(p.target);
        }
        proposals[pos] = Some(p);
    }
    let also = propose::also_fills(profile, &targets, sample);
    // Warnings in the order of the columns.
    for &pos in &pending {
        let issue = match &proposals[pos] {
            Some(p) => propose::proposal_issue(profile, &headers[pos], p),
            None => unknown_column(&headers[pos], &profile.id),
        };
        report.push(issue, limit);
    }
    for (pos, header) in headers.iter().enumerate() {
        let mut mapping = ColumnMapping::new(pos + 1, header, None);
        let name = |t: usize| profile.columns[t].name.clone();
        mapping.column = targets[pos].map(name);
        mapping.ignored = ignored[pos];
        mapping.also = also[pos].map(name);
        if let Some(d) = decided[pos].take() {
            mapping.reason = Some(d.reason);
            mapping.confidence = Some(d.confidence);
            mapping.why = d.why;
        }
        if let Some(p) = proposals[pos].take() {
            if !p.applied() {
                mapping.proposed = Some(name(p.target));
            }
            mapping.reason = Some(p.reason);
            mapping.confidence = Some(p.confidence);
            mapping.why = Some(p.why);
        }
        if let Some(a) = also[pos] {
            let why = propose::also_why(&profile.columns[a]);
            mapping.why = Some(why);
        }
        mapping.samples = sample.shown(pos).iter().map(|v| report::clip(v)).collect();
        report.push_column(mapping, limit);
    }
    let missing: Vec<usize> = (0..profile.columns.len())
        .filter(|i| profile.columns[*i].required && !seen.contains_key(i))
        .collect();
    if !missing.is_empty() {
        report.push(missing_required(profile, &missing, &headers, &waiting), limit);
    }
    HeaderMap {
        targets,
        headers,
        also,
        ignored,
        duplicates,
    }
}

/// Every header key of a profile's columns (names, aliases and the aliases columns share,
/// folded), with the columns it names.
pub(super) fn profile_keys(profile: &Profile) -> HashMap<String, Vec<usize>> {
    let mut keys: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, column) in profile.columns.iter().enumerate() {
        for key in column
            .keys()
            .chain(column.shared_aliases.iter().map(|a| header_key(a)))
        {
            keys.entry(key).or_default().push(i);
        }
    }
    keys
}

/// The (first) profile column a header cell names, by [`profile_keys`].
pub(super) fn column_of(keys: &HashMap<String, Vec<usize>>, header: &str) -> Option<usize> {
    candidate_keys(header)
        .iter()
        .find_map(|k| keys.get(k).and_then(|named| named.first().copied()))
}

fn unknown_column(header: &str, profile: &str) -> Issue {
    let header = report::clip(header);
    Issue::warning(
        IssueCode::UnknownColumn,
        Localized::new(
            format!(
                "Kolumnen \"{header}\" finns inte i profilen {profile}. Värdena sparas med raden men publiceras inte som egna fält; kontrollera stavningen om den borde ha känts igen."
            ),
            format!(
                "Column \"{header}\" is not part of the profile {profile}. Its values are kept with the row but not published as fields; check the spelling if it should have been recognised."
            ),
        ),
    )
    .in_column(&header)
}

fn missing_required(
    profile: &Profile,
    missing: &[usize],
    headers: &[String],
    proposals: &[Proposal],
) -> Issue {
    let list = missing
        .iter()
        .map(|&i| profile.columns[i].name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (hint_sv, hint_en) = propose::missing_hint(profile, missing, headers, proposals);
    Issue::error(
        IssueCode::MissingRequiredColumn,
        Localized::new(
            format!(
                "Filen saknar obligatoriska kolumner: {list}. Lägg till dem i rubrikraden (rad 1).{hint_sv}"
            ),
            format!("The file lacks required columns: {list}. Add them to the header row (row 1).{hint_en}"),
        ),
    )
    .with_value(&list)
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
pub(super) fn candidate_keys(header: &str) -> Vec<String> {
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

/// SWEREF 99 local zones by the digits of their central meridian (`12 00`, `13 30`).
const LOCAL_ZONES: [(&str, u16); 12] = [
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

/// A coordinate system named in a coordinate column's header (`N (SWEREF 99 TM)`,
/// `lat_wgs84`, `X RT90`, `E SWEREF 99 12 00`).
pub(super) fn header_crs(header: &str) -> Option<Crs> {
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
    LOCAL_ZONES
        .iter()
        .find(|(digits, _)| rest.starts_with(digits))
        .and_then(|(_, code)| Crs::from_epsg(*code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::report::column_letter;

    fn bathing_sites() -> &'static Profile {
        crate::profile::get("bathing-sites").unwrap()
    }

    fn mapped(headers: &[&str]) -> (HeaderMap, Report) {
        let mut report = Report::default();
        let headers = headers.iter().map(|h| (*h).to_owned()).collect();
        let map = map_header(bathing_sites(), headers, &mut report, 10);
        (map, report)
    }

    fn name_of(map: &HeaderMap, pos: usize) -> Option<&str> {
        map.targets[pos].map(|t| bathing_sites().columns[t].name.as_str())
    }

    #[test]
    fn headers_match_names_and_aliases_with_units_and_systems_dropped() {
        let (map, report) = mapped(&["Namn", "Latitud (WGS84)", "E_SWEREF99TM", "Badplats-ID", "färg"]);
        assert_eq!(name_of(&map, 0), Some("name"));
        assert_eq!(name_of(&map, 1), Some("latitude"));
        assert_eq!(name_of(&map, 2), Some("longitude"));
        assert_eq!(name_of(&map, 3), Some("place_id"));
        assert_eq!(name_of(&map, 4), None);
        assert_eq!(map.header_for(map.targets[1].unwrap()), Some("Latitud (WGS84)"));
        // The unknown column is a warning; the mapping of every cell is listed.
        assert_eq!((report.error_count, report.warning_count), (0, 1));
        assert_eq!(report.warnings[0].code, IssueCode::UnknownColumn);
        assert_eq!(report.warnings[0].column.as_deref(), Some("färg"));
        assert_eq!(report.columns.len(), 5);
        assert_eq!(report.columns[4].column, None);
        assert_eq!(report.column_count, Some(5));
    }

    #[test]
    fn a_column_named_twice_keeps_the_first_and_required_columns_are_named() {
        let (map, report) = mapped(&["name", "", "namn"]);
        assert_eq!(name_of(&map, 0), Some("name"));
        assert_eq!(map.targets[1..], [None, None]);
        // The rows tell whether the second is harmless.
        assert_eq!(map.duplicates, [(0, 2)]);
        let codes: Vec<IssueCode> = report.errors.iter().map(|i| i.code).collect();
        assert_eq!(codes, [IssueCode::MissingRequiredColumn]);
        assert_eq!(report.errors[0].value.as_deref(), Some("latitude, longitude"));
        // An empty header cell is neither a column nor a warning.
        assert_eq!(report.warning_count, 0);
    }

    #[test]
    fn candidate_keys_drop_parentheses_then_unit_words() {
        assert_eq!(candidate_keys("Latitud (WGS84)"), ["latitud_wgs84", "latitud"]);
        assert_eq!(candidate_keys("lat_wgs84"), ["lat_wgs84", "lat"]);
        assert_eq!(candidate_keys("N [SWEREF 99 TM]"), ["n_sweref_99_tm", "n"]);
        assert_eq!(candidate_keys("Längd (m)"), ["langd_m", "langd"]);
        assert_eq!(candidate_keys("99"), ["99"]);
        assert!(candidate_keys("()").is_empty());
    }

    #[test]
    fn systems_are_read_from_coordinate_headers() {
        assert_eq!(header_crs("N (SWEREF 99 TM)"), Some(Crs::Sweref99Tm));
        assert_eq!(header_crs("lat_wgs84"), Some(Crs::Wgs84));
        assert_eq!(header_crs("X RT90"), Some(Crs::Rt90));
        assert_eq!(header_crs("E SWEREF 99 12 00"), Crs::from_epsg(3007));
        assert_eq!(header_crs("E SWEREF 99 23 15"), Crs::from_epsg(3018));
        assert_eq!(header_crs("E SWEREF 99"), None);
        assert_eq!(header_crs("latitude"), None);
    }

    #[test]
    fn coordinate_headers_tell_axes_and_systems() {
        let profile = bathing_sites();
        let role = |r| profile.columns.iter().position(|c| c.role == Some(r));
        let columns = [
            role(crate::profile::Role::Latitude),
            role(crate::profile::Role::Longitude),
        ];
        let (map, _) = mapped(&["name", "X (SWEREF 99 TM)", "Y (SWEREF 99 TM)"]);
        assert!(map.axes_ambiguous(columns));
        assert_eq!(map.named_crs(columns), Some(Crs::Sweref99Tm));
        let (map, _) = mapped(&["name", "latitud", "longitud"]);
        assert!(!map.axes_ambiguous(columns));
        assert_eq!(map.named_crs(columns), None);
    }

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        let letters: Vec<String> = [0, 25, 26, 51, 52, 701, 702]
            .into_iter()
            .map(column_letter)
            .collect();
        assert_eq!(letters, ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]);
    }
}
