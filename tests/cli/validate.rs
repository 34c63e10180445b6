use crate::common::repo_path;
use std::process::Command;

fn datahamn(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_datahamn"))
        .args(args)
        .env("DATAHAMN_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(case: &str) -> String {
    repo_path(&format!("tests/fixtures/ingest/{case}/input.csv"))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn validate_exit_codes() {
    let (code, out, _) = datahamn(&[
        "validate",
        &fixture("windows-1252-semicolon-decimal-comma"),
        "--profile",
        "bathing-sites",
        "--org",
        "1401",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("VALID"));
    assert!(out.contains("windows-1252"));
    insta::assert_snapshot!("windows_1252_report", out);

    let (code, out, _) = datahamn(&[
        "validate",
        &fixture("bad-values"),
        "--profile",
        "bathing-sites",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["row"], 2);

    // The whole report, as a snapshot (snapshots/ beside this file).
    insta::assert_snapshot!("bad_values_report", out);

    let (code, _, err) = datahamn(&["validate", "/nonexistent.csv", "--profile", "bathing-sites"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"));
    let (code, _, err) = datahamn(&["validate", &fixture("bad-values"), "--profile", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("bathing-sites"), "{err}");
    let (code, _, _) = datahamn(&[
        "validate",
        &fixture("bad-values"),
        "--profile",
        "bathing-sites",
        "--crs",
        "EPSG:3857",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn declared_local_zone_is_used() {
    let file = fixture("local-zone-undeclared");
    let (code, _, _) = datahamn(&["validate", &file, "--profile", "bathing-sites", "--org", "0180"]);
    assert_eq!(code, 1);
    let (code, out, _) = datahamn(&[
        "validate",
        &file,
        "--profile",
        "bathing-sites",
        "--org",
        "0180",
        "--crs",
        "EPSG:3011",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("SWEREF 99 18 00"));
}

#[test]
fn the_real_samples_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_string_lossy().into_owned();
    for (file, dataset, org) in [
        ("datasets/harryda-badplatser/data.csv", "harryda", "1401"),
        ("datasets/hav-badvatten/data.csv", "hav", "hav"),
    ] {
        let path = repo_path(file).to_string_lossy().into_owned();
        let mut args = vec![
            "ingest",
            &path,
            "--dataset",
            dataset,
            "--org",
            org,
            "--profile",
            "bathing-sites",
            "--data-dir",
            &data_dir,
        ];
        let (code, out, err) = datahamn(&args);
        if dataset == "hav" {
            assert_eq!(code, 1, "HaV's list has rows without a valid position: {err}");
            args.push("--valid-rows-only");
            let (code, out, err) = datahamn(&args);
            assert_eq!(code, 0, "{out}{err}");
            assert!(err.contains("2668 items (19 rows skipped)"), "{err}");
        } else {
            assert_eq!(code, 0, "{out}{err}");
            assert!(err.contains("published harryda version 1: 9 items"), "{err}");
        }
    }
    // The same file again is a new version with the same URIs.
    let path = repo_path("datasets/harryda-badplatser/data.csv")
        .to_string_lossy()
        .into_owned();
    let harryda = |org: &str, extra: &[&str]| {
        let mut args = vec!["ingest", &path, "--dataset", "harryda", "--org", org];
        args.extend(["--profile", "bathing-sites", "--data-dir", &data_dir]);
        args.extend(extra);
        datahamn(&args)
    };
    let (code, _, err) = harryda("1401", &[]);
    assert_eq!(code, 0);
    assert!(err.contains("version 2: 9 items"), "{err}");
    // Another municipality cannot take the dataset over, and the base URL cannot change.
    let (code, _, err) = harryda("1480", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("published by 1401"), "{err}");
    let (code, _, err) = harryda("1401", &["--base-url", "https://other.example"]);
    assert_eq!(code, 2);
    assert!(err.contains("base URL"), "{err}");
}

/// Every hostile file of the checker's corpus (`tests/fixtures/ingest/hostile-*`): `validate`
/// exits with its documented code (0 publishable, 1 has errors), never a panic's 101, and
/// prints a report of bounded size that says what the golden expectation says.
#[test]
fn hostile_files_exit_with_the_documented_code() {
    use std::io::Read;
    let root = repo_path("tests/fixtures/ingest");
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let case = entry.unwrap().path();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("hostile-") {
            continue;
        }
        let settings: toml::Value =
            toml::from_str(&std::fs::read_to_string(case.join("case.toml")).unwrap()).unwrap();
        let gz = case.join("input.csv.gz");
        let file = if gz.exists() {
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap())
                .read_to_end(&mut bytes)
                .unwrap();
            let file = dir.path().join(format!("{name}.csv"));
            std::fs::write(&file, bytes).unwrap();
            file
        } else {
            // The checker tells the format from the content: a workbook or GeoJSON as it is.
            ["input.csv", "input.xlsx", "input.ods", "input.geojson"]
                .iter()
                .map(|f| case.join(f))
                .find(|f| f.exists())
                .unwrap()
        };
        let mut args = vec![
            "validate".to_owned(),
            file.to_string_lossy().into_owned(),
            "--profile".to_owned(),
            settings["profile"].as_str().unwrap().to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ];
        if let Some(org) = settings.get("org").and_then(|o| o.as_str()) {
            args.extend(["--org".to_owned(), org.to_owned()]);
        }
        for limit in ["max_columns", "max_cell_bytes", "max_rows", "max_expanded_bytes"] {
            if let Some(v) = settings.get(limit).and_then(toml::Value::as_integer) {
                args.extend([format!("--{}", limit.replace('_', "-")), v.to_string()]);
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = datahamn(&args);
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap()).unwrap();
        let valid = expected["report"]["valid"].as_bool().unwrap();
        assert_eq!(code, if valid { 0 } else { 1 }, "{name}: {err}");
        assert!(out.len() < 1_000_000, "{name}: {} bytes", out.len());
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["error_count"], expected["report"]["error_count"], "{name}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} hostile cases");
}
