//! The short fuzz run of `cargo test`: every target's seeds and crash fixtures, then
//! `DATAHAMN_FUZZ_CASES` inputs (default [`DEFAULT_CASES`]) mutated from the seeds with the
//! target's dictionary, deterministically (`DATAHAMN_FUZZ_SEED` changes the sequence). Each
//! target runs on a thread with the stack a server's request handler has.

use super::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Generated inputs per target when `DATAHAMN_FUZZ_CASES` is not set.
const DEFAULT_CASES: usize = 1500;

/// Seeds are cut to this length before mutation, so a case costs little whatever its seed.
const MUTATED_PREFIX: usize = 16 * 1024;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: a small deterministic generator, enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

/// Bytes that matter to most parsers: delimiters, quotes, escapes, nesting, odd encodings.
#[rustfmt::skip]
const INTERESTING: &[&[u8]] = &[
    b"\0", b"\n", b"\r\n", b",", b";", b"\t", b"\"", b"'", b"\\", b"{", b"}", b"(", b")", b"[", b"]", b"<",
    b">", b"&", b"=", b"%", b"%00", b"%FF", b"#", b"?", b"*", b"/", b"-", b".", b"e", b"-1", b"0",
    b"1e309", b"NaN", b"18446744073709551616", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3\xa9", b"\xc3",
    b"\xe2\x80\xae",
];

/// One input mutated from `seed`: 1-8 stacked edits (byte changes, insertions of interesting
/// bytes or dictionary tokens, deletions, repeats of a stretch (deep nesting, long lists), and
/// splices with another seed).
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8], dictionary: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seed[..seed.len().min(MUTATED_PREFIX)].to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(8) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = u8::try_from(rng.below(256)).unwrap_or(0);
            }
            2 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                data.splice(at..at, token.iter().copied());
            }
            3 if !dictionary.is_empty() => {
                let token = &dictionary[rng.below(dictionary.len())];
                data.splice(at..at, token.iter().copied());
            }
            4 if at < data.len() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            5 if at < data.len() => {
                // A stretch repeated: nesting depth, list length, row count.
                let end = (at + 1 + rng.below(8)).min(data.len());
                let stretch = data[at..end].to_vec();
                let times = [2, 16, 256, 4096][rng.below(4)];
                let repeated: Vec<u8> = stretch
                    .iter()
                    .copied()
                    .cycle()
                    .take(stretch.len() * times)
                    .collect();
                data.splice(at..at, repeated);
            }
            6 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..end]);
            }
            _ => {
                data.truncate(at);
            }
        }
    }
    data
}

/// Runs one input; a panic is reported with the input, which is also written to
/// `target/fuzz-failures/` to replay (or to add as a crash fixture).
fn run_case(target: &Target, what: &str, input: &[u8]) -> Result<(), String> {
    if catch_unwind(AssertUnwindSafe(|| (target.run)(input))).is_ok() {
        return Ok(());
    }
    let dir = root().join("target/fuzz-failures");
    let file = dir.join(format!(
        "{}-{}",
        target.name,
        ingest::short_hash(&String::from_utf8_lossy(input))
    ));
    let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, input));
    Err(format!(
        "{} panicked on {what} ({} bytes{}): {:?}",
        target.name,
        input.len(),
        saved.map_or_else(
            |e| format!(", not saved: {e}"),
            |()| format!(", saved as {}", file.display())
        ),
        String::from_utf8_lossy(&input[..input.len().min(200)]),
    ))
}

/// The seeds, the crash fixtures and the generated inputs of one target, on a thread with a
/// request handler's stack; the failures, if any.
fn run_target(name: &'static str) -> Vec<String> {
    let target = super::target(name).expect("a known target");
    let cases =
        usize::try_from(env_number("DATAHAMN_FUZZ_CASES", DEFAULT_CASES as u64)).unwrap_or(DEFAULT_CASES);
    let seed = env_number("DATAHAMN_FUZZ_SEED", 0x9e37_79b9_7f4a_7c15) | 1;
    std::thread::Builder::new()
        .name(format!("fuzz-{name}"))
        .stack_size(SERVER_STACK)
        .spawn(move || {
            let seeds = target.seeds(root());
            assert!(!seeds.is_empty(), "{name} has no seeds");
            let dictionary = target.dictionary(root());
            let mut failures = Vec::new();
            for (i, input) in seeds.iter().enumerate() {
                failures.extend(run_case(target, &format!("seed {i}"), input).err());
            }
            for (path, input) in target.crash_fixtures(root()) {
                failures.extend(run_case(target, &path.display().to_string(), &input).err());
            }
            let mut rng = Rng(seed);
            for i in 0..cases {
                let seed = &seeds[rng.below(seeds.len())];
                let other = &seeds[rng.below(seeds.len())];
                let input = mutate(&mut rng, seed, other, &dictionary);
                failures.extend(run_case(target, &format!("generated input {i}"), &input).err());
            }
            failures
        })
        .expect("a thread starts")
        .join()
        .unwrap_or_else(|_| vec![format!("{name}: the run itself failed")])
}

fn assert_survives(name: &'static str) {
    let failures = run_target(name);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checker_survives_its_corpus_and_mutations() {
    assert_survives("checker");
}

#[test]
fn sparql_requests_survive_their_corpus_and_mutations() {
    assert_survives("sparql");
}

#[test]
fn list_parameters_survive_their_corpus_and_mutations() {
    assert_survives("params");
}

#[test]
fn headers_survive_their_corpus_and_mutations() {
    assert_survives("headers");
}

#[test]
fn profile_toml_survives_its_corpus_and_mutations() {
    assert_survives("profile_toml");
}

#[test]
fn dataset_toml_survives_its_corpus_and_mutations() {
    assert_survives("dataset_toml");
}

#[test]
fn every_target_has_a_test_and_seeds_from_the_repository() {
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "checker",
            "sparql",
            "params",
            "headers",
            "profile_toml",
            "dataset_toml"
        ]
    );
    for t in TARGETS {
        assert!(!t.seeds(root()).is_empty(), "{} has no seeds", t.name);
    }
    // The real files are found, not only the hand-written seeds.
    assert!((target("checker").unwrap().seeds)(root()).len() >= 30);
    assert!(!(target("params").unwrap().seeds)(root()).is_empty());
    assert_eq!(
        (target("profile_toml").unwrap().seeds)(root()).len(),
        profile::all().len()
    );
}

#[test]
fn checker_inputs_carry_their_options() {
    let input = checker_input("bathing-sites", Some("EPSG:3010"), true, b"id\n").unwrap();
    assert_eq!(profile::all()[usize::from(input[0])].id, "bathing-sites");
    assert_eq!(input[1] & 0x0f, 6, "EPSG:3010 is the sixth local zone after 3004");
    assert_eq!(input[1] & 0x40, 0x40);
    assert_eq!(&input[2..], b"id\n");
    assert!(checker_input("no-such-profile", None, false, b"").is_none());
}

#[test]
fn dictionaries_read_what_they_write() {
    let tokens: Vec<Vec<u8>> = vec![b"SELECT".to_vec(), b"a\"b\\c".to_vec(), vec![0, 0xff, b'\n']];
    let text: String = tokens
        .iter()
        .map(|t| format!("k={}\n", dictionary_line(t)))
        .collect();
    assert_eq!(parse_dictionary(&format!("# comment\n{text}\n")), tokens);
    // A line with one quote, or an escape cut short, is no token.
    assert!(parse_dictionary("\"\nx=\"\\x4\"\n").is_empty());
}

#[test]
fn mutations_are_deterministic_and_change_the_input() {
    let seed = b"SELECT * WHERE { ?s ?p ?o }";
    let run = || {
        let mut rng = Rng(7);
        (0..50)
            .map(|_| mutate(&mut rng, seed, b"ASK {}", &[b"FILTER".to_vec()]))
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.iter().filter(|m| m.as_slice() != seed).count() > 40);
}
