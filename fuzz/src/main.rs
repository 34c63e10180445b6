//! The AFL++ harness: one binary for every target of `datahamn::fuzzing` (see docs/fuzzing.md).
//!
//! ```text
//! datahamn-fuzz run <target>                 fuzz <target> under afl-fuzz (persistent mode);
//!                                            outside AFL++, run it once on standard input
//! datahamn-fuzz prepare <target> <repo> <dir>  write the target's seeds to <dir>/seeds and its
//!                                            dictionary to <dir>/dict
//! datahamn-fuzz list                         the targets' names
//! ```

use datahamn::fuzzing::{self, SERVER_STACK, TARGETS, Target};
use std::path::Path;
use std::process::ExitCode;

fn target(name: &str) -> Result<&'static Target, String> {
    fuzzing::target(name).ok_or_else(|| format!("unknown target `{name}`; see `datahamn-fuzz list`"))
}

fn prepare(target: &Target, repo: &Path, dir: &Path) -> Result<(), String> {
    let seeds = dir.join("seeds");
    std::fs::create_dir_all(&seeds).map_err(|e| format!("{}: {e}", seeds.display()))?;
    let all = target.seeds(repo);
    if all.is_empty() {
        return Err(format!("{} has no seeds under {}", target.name, repo.display()));
    }
    for (i, seed) in all.iter().enumerate() {
        let file = seeds.join(format!("seed-{i:04}"));
        std::fs::write(&file, seed).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let dictionary: String = target
        .dictionary(repo)
        .iter()
        .enumerate()
        .map(|(i, token)| format!("t{i}={}\n", fuzzing::dictionary_line(token)))
        .collect();
    let dict = dir.join("dict");
    std::fs::write(&dict, dictionary).map_err(|e| format!("{}: {e}", dict.display()))?;
    println!("{}: {} seeds", target.name, all.len());
    Ok(())
}

/// Fuzzes on a thread with a request handler's stack, so that the stack depth that would take
/// down a server takes down the harness too.
fn run(target: &'static Target) -> Result<(), String> {
    let entry = target.run;
    std::thread::Builder::new()
        .name(format!("fuzz-{}", target.name))
        .stack_size(SERVER_STACK)
        .spawn(move || {
            fuzzing::warm_up();
            afl::fuzz!(|data: &[u8]| {
                entry(data);
            });
        })
        .map_err(|e| e.to_string())?
        .join()
        .map_err(|_| "the fuzz loop failed".to_owned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["run", name] => target(name).and_then(run),
        ["prepare", name, repo, dir] => {
            target(name).and_then(|t| prepare(t, Path::new(repo), Path::new(dir)))
        }
        ["list"] => {
            for t in TARGETS {
                println!("{}", t.name);
            }
            Ok(())
        }
        _ => Err("usage: datahamn-fuzz run <target> | prepare <target> <repo> <dir> | list".to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("datahamn-fuzz: {e}");
            ExitCode::FAILURE
        }
    }
}
