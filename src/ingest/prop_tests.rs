//! Property tests: whatever bytes or rows a file holds, checking it against any profile returns
//! a report within its bounds, never a panic, and the rows it passes map onto RDF.

use super::*;
use crate::mapping::{MapContext, Mapper};
use proptest::prelude::*;

/// Checks a file both ways the service reads one and maps its rows; asserts the report's
/// invariants.
fn check_everything(bytes: &[u8], profile: &Profile, options: &CheckOptions) {
    let checked = check(bytes, profile, options);
    let report = &checked.report;
    assert!(report.errors.len() <= options.issue_limit);
    assert!(report.warnings.len() <= options.issue_limit);
    assert!(report.columns.len() <= options.issue_limit);
    assert!(report.error_count >= report.errors.len() as u64);
    assert!(report.warning_count >= report.warnings.len() as u64);
    assert_eq!(report.valid, report.error_count == 0);
    assert_eq!(report.rows.valid, checked.rows.len() as u64);
    assert!(report.rows.total <= options.limits.max_rows);
    for issue in report.errors.iter().chain(&report.warnings) {
        // Messages name a few rows, never a list that grows with the file.
        assert!(issue.message.en.len() < 2_000, "{issue:?}");
        assert!(
            issue
                .value
                .as_ref()
                .is_none_or(|v| v.chars().count() <= report::CLIP_CHARS + 1)
        );
    }
    assert!(serde_json::to_string(report).is_ok());
    let _ = report.to_text();

    // The two passes a publish makes agree with the single pass.
    let plan = check_with(bytes.into(), profile, options, &mut KeepIds);
    assert_eq!(&plan.report, report);
    let ids = final_ids(&plan);
    let iris = crate::vocab::Iris::new("http://example.org");
    let graph = iris.version("prop", 1);
    let context = MapContext {
        iris: &iris,
        dataset: "prop",
        graph: &graph,
    };
    let mapper = Mapper::new(profile, &context);
    let mut quads = Vec::new();
    let mut seen = 0u64;
    for_each_final_row(bytes.into(), profile, options, &ids, &mut |row| {
        seen += 1;
        quads.clear();
        mapper.map_row(&row, &mut quads);
    });
    assert_eq!(seen, report.rows.valid);
    let wanted = checked.invalid_rows.iter().map(|(r, _)| *r).take(5).collect();
    let _ = excerpt(bytes.into(), &wanted, &options.limits);
}

fn profiles() -> impl Strategy<Value = &'static Profile> {
    (0..crate::profile::all().len()).prop_map(|i| &crate::profile::all()[i])
}

/// Options with small limits, so that the limits are reached as often as not.
fn options() -> impl Strategy<Value = CheckOptions> {
    (
        prop::option::of(prop::sample::select(vec!["1401", "1480", "0114"])),
        prop::option::of(prop::sample::select(vec![4326u16, 3006, 3007, 3021])),
        1usize..20,
        1usize..12,
        1usize..200,
        1u64..30,
    )
        .prop_map(
            |(municipality, crs, issue_limit, max_columns, max_cell_bytes, max_rows)| CheckOptions {
                default_municipality: municipality.map(str::to_owned),
                issue_limit,
                crs: crs.and_then(Crs::from_epsg),
                limits: Limits {
                    max_columns,
                    max_cell_bytes,
                    max_rows,
                    ..Limits::default()
                },
                mapping: ConfirmedMapping::default(),
                sheet: None,
            },
        )
}

/// One cell: a value a column might hold, a near miss, or anything at all.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "SEABCé12345678901",
            "SE0A21480000000516",
            "Qé",
            "Q42",
            "4é535",
            "435 35",
            "57,665",
            "12.14",
            "6580821",
            "674032",
            "1401",
            "0114",
            "2023-06-01",
            "1 juni 2023",
            "ja",
            "limited",
            "https://www.harryda.se",
            "www.ä.se",
            "info@kommun.se",
            "P10D",
            "sv;en",
            "same",
            "\"",
            "\"\"",
            "a\r\nb",
            "\r",
            "\u{feff}",
            "\0",
        ])
        .prop_map(str::to_owned),
        "[0-9.,+-]{0,30}",
        any::<String>(),
        "\\PC{0,40}",
    ]
}

/// A CSV file: a header of the profile's column names and other words, then rows of cells,
/// quoted or not, with the delimiter and line end of the case.
fn csv_file() -> impl Strategy<Value = (&'static Profile, Vec<u8>)> {
    profiles().prop_flat_map(|profile| {
        let names: Vec<String> = profile
            .columns
            .iter()
            .flat_map(|c| std::iter::once(c.name.clone()).chain(c.aliases.iter().cloned()))
            .chain(["x".to_owned(), "E SWEREF 99 TM".to_owned(), String::new()])
            .collect();
        (
            Just(profile),
            prop::collection::vec(prop::sample::select(names), 0..12),
            prop::collection::vec(prop::collection::vec((cell(), any::<bool>()), 0..12), 0..12),
            prop::sample::select(vec![",", ";", "\t"]),
            prop::sample::select(vec!["\n", "\r\n", "\r"]),
            any::<bool>(),
        )
            .prop_map(|(profile, header, rows, delimiter, end, bom)| {
                let mut text = String::new();
                if bom {
                    text.push('\u{feff}');
                }
                text.push_str(&header.join(delimiter));
                for row in rows {
                    text.push_str(end);
                    let cells: Vec<String> = row
                        .into_iter()
                        .map(|(c, quoted)| {
                            if quoted {
                                format!("\"{}\"", c.replace('"', "\"\""))
                            } else {
                                c
                            }
                        })
                        .collect();
                    text.push_str(&cells.join(delimiter));
                }
                (profile, text.into_bytes())
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_a_report(bytes in prop::collection::vec(any::<u8>(), 0..2_000), profile in profiles(), options in options()) {
        check_everything(&bytes, profile, &options);
    }

    #[test]
    fn any_rows_give_a_report((profile, bytes) in csv_file(), options in options()) {
        check_everything(&bytes, profile, &options);
        check_everything(&bytes, profile, &CheckOptions::default());
    }
}

#[test]
fn the_reported_panic_is_a_type_error() {
    let bytes = "place_id,name,latitude,longitude,hov_ref\na1,Alpha,57.65,12.14,SEABCé12345678901\n";
    let report = check_bytes(bytes.as_bytes(), crate::profile::get("bathing-sites").unwrap());
    assert_eq!(report.error_count, 1, "{report:?}");
    assert_eq!(report.errors[0].code, IssueCode::TypeError);
    assert_eq!(report.errors[0].column.as_deref(), Some("hov_ref"));
}
