//! Golden fixtures: `tests/fixtures/ingest/<case>/` holds `case.toml` (profile, and optionally
//! org, crs, sheet, the file limits, the issue limit and a confirmed mapping), `input.csv`
//! (or `input.xlsx`, `input.ods`, `input.geojson`, or `input.csv.gz` for a large hostile
//! file, unpacked before it is checked) and `expected.json` (the report, and the id,
//! municipality and position of the first [`LISTED`] checked and invalid rows, with their
//! totals when there are more). Set `DATAHAMN_BLESS=1` to write missing expectations.

use super::*;
use crate::profile::{self, Role};
use serde::Deserialize;
use serde_json::json;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    profile: String,
    org: Option<String>,
    crs: Option<String>,
    max_columns: Option<usize>,
    max_cell_bytes: Option<usize>,
    max_rows: Option<u64>,
    max_expanded_bytes: Option<u64>,
    sheet: Option<String>,
    issue_limit: Option<usize>,
    /// A mapping the steward confirmed: header → column, or `-` to leave it out.
    mapping: Option<std::collections::BTreeMap<String, String>>,
}

/// The options a case asks for.
fn options(case: &Case) -> CheckOptions {
    let defaults = Limits::default();
    CheckOptions {
        default_municipality: case
            .org
            .as_ref()
            .and_then(|o| crate::reference::organisation(o)?.municipality_code.clone()),
        crs: case.crs.as_ref().map(|c| Crs::parse(c).unwrap()),
        issue_limit: case.issue_limit.unwrap_or(DEFAULT_ISSUE_LIMIT),
        limits: Limits {
            max_columns: case.max_columns.unwrap_or(defaults.max_columns),
            max_cell_bytes: case.max_cell_bytes.unwrap_or(defaults.max_cell_bytes),
            max_rows: case.max_rows.unwrap_or(defaults.max_rows),
            max_expanded_bytes: case.max_expanded_bytes.unwrap_or(defaults.max_expanded_bytes),
        },
        mapping: ConfirmedMapping(case.mapping.clone().unwrap_or_default()),
        sheet: case.sheet.clone(),
    }
}

/// How many checked and invalid rows an expectation lists.
const LISTED: usize = 100;

/// A case's input: `input.csv`, `input.xlsx`, `input.ods` or `input.geojson` (the checker
/// tells the format from the content, not the name), or `input.csv.gz` unpacked into a
/// temporary file.
fn input(dir: &Path) -> (std::path::PathBuf, Option<tempfile::NamedTempFile>) {
    let gz = dir.join("input.csv.gz");
    if !gz.exists() {
        let found = [
            "input.csv",
            "input.xlsx",
            "input.ods",
            "input.geojson",
            "input.json",
        ]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|path| path.exists());
        return (found.unwrap_or_else(|| dir.join("input.csv")), None);
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::copy(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()),
        &mut file,
    )
    .unwrap();
    (file.path().to_owned(), Some(file))
}

/// At most [`LISTED`] entries of a list, and its length when it is longer.
fn listed<T: serde::Serialize>(name: &str, list: &[T], out: &mut serde_json::Map<String, serde_json::Value>) {
    out.insert(name.to_owned(), json!(&list[..list.len().min(LISTED)]));
    if list.len() > LISTED {
        out.insert(format!("{name}_total"), json!(list.len()));
    }
}

/// Checks a case's file, read from disk as a stream (`from_disk`) or from memory.
fn run(dir: &Path, from_disk: bool) -> serde_json::Value {
    let case: Case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap()).unwrap();
    let (path, _unpacked) = input(dir);
    let bytes = std::fs::read(&path).unwrap();
    let checked = check(
        if from_disk {
            Source::File(&path)
        } else {
            Source::Bytes(&bytes)
        },
        profile::get(&case.profile).unwrap(),
        &options(&case),
    );
    let lat = profile::get(&case.profile)
        .unwrap()
        .columns
        .iter()
        .position(|c| c.role == Some(Role::Latitude));
    let lon = profile::get(&case.profile)
        .unwrap()
        .columns
        .iter()
        .position(|c| c.role == Some(Role::Longitude));
    let coordinate = |row: &CheckedRow, c: Option<usize>| match c.and_then(|c| row.value(c)) {
        Some(Value::Coordinate(_, text)) => json!(text),
        _ => json!(null),
    };
    let rows: Vec<_> = checked
        .rows
        .iter()
        .map(|r| {
            json!({
                "row": r.row,
                "id": r.local_id,
                "municipality": r.municipality,
                "latitude": coordinate(r, lat),
                "longitude": coordinate(r, lon),
                "extra": r.extra,
            })
        })
        .collect();
    let mut out = serde_json::Map::new();
    out.insert("report".to_owned(), json!(checked.report));
    listed("rows", &rows, &mut out);
    listed("invalid_rows", &checked.invalid_rows, &mut out);
    serde_json::Value::Object(out)
}

#[test]
fn fixture_corpus_behaves_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    for dir in &dirs {
        let actual = run(dir, false);
        // Streamed from disk, the file gives the same report and rows.
        assert_eq!(run(dir, true), actual, "{}", dir.display());
        let path = dir.join("expected.json");
        if !path.exists() && std::env::var_os("DATAHAMN_BLESS").is_some() {
            std::fs::write(&path, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
        }
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} has no expected.json", dir.display())),
        )
        .unwrap();
        if actual != expected {
            failures.push(format!(
                "{}:\n{}",
                dir.display(),
                serde_json::to_string_pretty(&actual).unwrap()
            ));
        }
    }
    assert!(dirs.len() >= 20, "the corpus has {} cases", dirs.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_issue_names_row_column_value_and_a_fix_in_both_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let result = run(&dir, true);
        for issue in result["report"]["errors"].as_array().unwrap() {
            let sv = issue["message"]["sv"].as_str().unwrap();
            let en = issue["message"]["en"].as_str().unwrap();
            assert!(sv.len() > 15 && en.len() > 15, "{}: {issue}", dir.display());
            assert_ne!(sv, en, "{}: {issue}", dir.display());
            let row_level = !matches!(
                issue["code"].as_str().unwrap(),
                "empty-file"
                    | "encoding-error"
                    | "missing-required-column"
                    | "duplicate-label"
                    | "joined-header"
                    | "wrapped-rows"
                    | "format-error"
                    | "too-many-columns"
                    | "cell-too-large"
                    | "too-many-rows"
                    | "unsupported-format"
                    | "expanded-too-large"
            );
            // A GeoJSON file has no header row: its first feature is row 1.
            let first_row = if result["report"]["dialect"]["format"] == "geojson" {
                1
            } else {
                2
            };
            if row_level {
                assert!(
                    issue["row"].as_u64().unwrap() >= first_row,
                    "{}: {issue}",
                    dir.display()
                );
            }
            if issue["code"] == "type-error" || issue["code"] == "constraint-error" {
                assert!(
                    issue["column"].is_string() && issue["value"].is_string(),
                    "{}: {issue}",
                    dir.display()
                );
            }
        }
    }
}

#[test]
fn the_real_samples_check_cleanly_or_with_named_rows() {
    let harryda =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/harryda-badplatser/data.csv"))
            .unwrap();
    let checked = check(
        &harryda,
        profile::get("bathing-sites").unwrap(),
        &CheckOptions {
            default_municipality: Some("1401".into()),
            ..CheckOptions::default()
        },
    );
    assert!(checked.report.valid, "{}", checked.report.to_text());
    assert_eq!(checked.rows.len(), 9);
    let hav =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/hav-badvatten/data.csv")).unwrap();
    let checked = check(
        &hav,
        profile::get("bathing-sites").unwrap(),
        &CheckOptions::default(),
    );
    assert_eq!(checked.rows.len(), 2668);
    assert_eq!(checked.invalid_rows.len(), 19);
    assert_eq!(checked.report.rows.total, 2687);
}

#[test]
fn issue_lists_are_capped_but_counts_exact() {
    let mut csv = String::from("name,latitude,longitude\n");
    for i in 0..50 {
        csv.push_str(&format!("Bad {i},abc,12.2\n"));
    }
    let checked = check(
        csv.as_bytes(),
        profile::get("bathing-sites").unwrap(),
        &CheckOptions {
            default_municipality: Some("1401".into()),
            issue_limit: 10,
            ..CheckOptions::default()
        },
    );
    assert_eq!(checked.report.error_count, 50);
    assert_eq!(checked.report.errors.len(), 10);
    assert!(checked.report.truncated);
    assert_eq!(checked.report.rows.invalid, 50);
}

#[test]
fn excerpts_show_the_cells_each_issue_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    let mut compared = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let case: Case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap()).unwrap();
        let (path, _unpacked) = input(&dir);
        let options = options(&case);
        let checked = check(
            Source::File(&path),
            profile::get(&case.profile).unwrap(),
            &options,
        );
        let issues: Vec<&Issue> = checked
            .report
            .errors
            .iter()
            .chain(&checked.report.warnings)
            .filter(|i| i.row.is_some_and(|r| r > 1))
            .collect();
        let wanted = issues.iter().filter_map(|i| i.row).collect();
        let excerpt = excerpt(Source::File(&path), &wanted, &options.limits);
        for issue in issues {
            let row = issue.row.unwrap();
            let Some((_, cells)) = excerpt.rows.iter().find(|(r, _)| *r == row) else {
                // Blank rows are skipped by the reader; their issue has no cell to show, nor
                // has a row that could not be read. A row past a limit is where reading
                // stopped.
                assert!(
                    matches!(
                        issue.code,
                        IssueCode::BlankRow | IssueCode::FormatError | IssueCode::TitleRows
                    ) || issue.code.refuses_file(),
                    "{}: row {row}",
                    dir.display()
                );
                continue;
            };
            // Coordinate issues quote the position as read (`lat, lon`), not one cell.
            let position = issue.value.as_deref().is_some_and(|v| v.contains(", "))
                && issue
                    .column
                    .as_deref()
                    .is_some_and(|c| ["lat", "north", "y"].iter().any(|k| c.to_lowercase().contains(k)));
            if let (Some(column), Some(value), false) = (&issue.column, &issue.value, position) {
                let Some(at) = excerpt.headers.iter().position(|h| h == column) else {
                    continue;
                };
                let cell = cells.get(at).map_or("", |c| c.trim());
                let value = value.trim_end_matches('…').trim();
                // A cell split by a stray delimiter is quoted whole: the cell shows its start.
                let split = matches!(issue.code, IssueCode::StrayDelimiter | IssueCode::SplitDecimal);
                assert!(
                    if split {
                        value.starts_with(cell)
                    } else {
                        cell.starts_with(value)
                    },
                    "{}: row {row}, column {column}: cell {cell:?}, issue value {value:?}",
                    dir.display()
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 5, "only {compared} cells compared");
}

/// What `dataset.toml` says that ids depend on.
#[derive(Deserialize)]
struct ShippedDataset {
    id: String,
    profile: String,
    publisher: String,
}

/// The item URIs (and, for derived ids, the content hash that tells equal ids apart) of every
/// valid row of a shipped dataset, one row a line: `row`, URI, hash or `-`, tab-separated.
fn item_uris(dir: &Path) -> String {
    let meta: ShippedDataset =
        toml::from_str(&std::fs::read_to_string(dir.join("dataset.toml")).unwrap()).unwrap();
    let options = CheckOptions {
        default_municipality: crate::reference::organisation(&meta.publisher)
            .and_then(|o| o.municipality_code.clone()),
        ..CheckOptions::default()
    };
    let path = dir.join("data.csv");
    let profile = profile::get(&meta.profile).unwrap();
    let checked = check(Source::File(&path), profile, &options);
    // The two passes a publish makes mint the same ids as the single pass.
    let plan = check_with(Source::File(&path), profile, &options, &mut KeepIds);
    assert_eq!(final_ids(&plan), final_ids(&checked), "{}", dir.display());
    let iris = crate::vocab::Iris::new("http://127.0.0.1:8080");
    let mut out = String::new();
    for row in &checked.rows {
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            row.row,
            iris.item(&meta.id, &row.local_id).as_str(),
            row.id_derived.as_deref().unwrap_or("-")
        ));
    }
    out
}

/// Existing URIs never move: every shipped dataset mints the item URIs recorded in
/// `tests/fixtures/item-uris/<dataset>.txt` (written, when missing, with `DATAHAMN_BLESS=1`).
#[test]
fn shipped_datasets_keep_their_item_uris() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("datasets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("dataset.toml").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "{} shipped datasets", dirs.len());
    let mut rows = 0;
    for dir in &dirs {
        let actual = item_uris(dir);
        let name = dir.file_name().unwrap().to_string_lossy();
        let path = root.join(format!("tests/fixtures/item-uris/{name}.txt"));
        if !path.exists() && std::env::var_os("DATAHAMN_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} has no recorded URIs", path.display()));
        assert!(actual == expected, "{name}: the item URIs moved");
        rows += actual.lines().count();
    }
    // Every valid row of the samples, derived ids among them.
    assert!(rows > 2_600, "{rows} URIs");
}

/// The older draft of Badplatser: `water` is the water type, `owner` `K` the municipality, and
/// a HaV id in `place_id` is also the bathing-water id while the item's id stays `place_id`.
#[test]
fn the_older_drafts_variants_are_read_as_they_mean() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/older-draft-water-owner-hav-id");
    let profile = profile::get("bathing-sites").unwrap();
    let col = |name: &str| profile.columns.iter().position(|c| c.name == name).unwrap();
    let checked = check(
        Source::File(&dir.join("input.csv")),
        profile,
        &CheckOptions {
            default_municipality: Some("1401".into()),
            ..CheckOptions::default()
        },
    );
    assert!(checked.report.valid);
    let first = &checked.rows[0];
    assert_eq!(first.local_id, "SE0A21401000000055");
    assert_eq!(first.value(col("watertype")), Some(&Value::Enum("lake".into())));
    assert_eq!(first.value(col("drinking_water")), None);
    assert_eq!(first.value(col("owner")), Some(&Value::Text("kommun".into())));
    assert_eq!(
        first.value(col("hov_ref")),
        Some(&Value::HavId("SE0A21401000000055".into()))
    );
    // An id that is no HaV id gives no bathing-water id; other owners stay as written.
    let third = &checked.rows[2];
    assert_eq!(third.local_id, "1401-Gota");
    assert_eq!(third.value(col("hov_ref")), None);
    assert_eq!(
        checked.rows[1].value(col("owner")),
        Some(&Value::Text("Privat".into()))
    );
    let place_id = &checked.report.columns[0];
    assert_eq!(place_id.column.as_deref(), Some("place_id"));
    assert_eq!(place_id.also.as_deref(), Some("hov_ref"));
}
