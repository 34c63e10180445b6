//! Names this build: a digest of everything compiled into the binary (the sources, the
//! vocabulary and profiles, the vendored assets, the locked dependencies), as the
//! `DATAHAMN_BUILD` environment variable of the compilation.
//!
//! Entity tags combine it with the store revision (see `src/http/caching.rs`): two processes
//! built from the same tree give the same tags for the same published state, so replicas behind
//! a load balancer agree, and a new build never answers `304 Not Modified` for a representation
//! it renders differently.

use std::path::{Path, PathBuf};

const INPUTS: &[&str] = &["src", "vocab", "assets", "Cargo.lock", "Cargo.toml", "build.rs"];

/// FNV-1a, 64 bits: stable across Rust versions and platforms, which std's hasher is not.
struct Fnv(u64);

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            files(&entry.path(), out);
        }
    } else if path.is_file() {
        out.push(path.to_owned());
    }
}

fn main() {
    let mut paths = Vec::new();
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
        files(Path::new(input), &mut paths);
    }
    paths.sort();
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    for path in &paths {
        hash.write(path.to_string_lossy().as_bytes());
        hash.write(&[0]);
        if let Ok(bytes) = std::fs::read(path) {
            hash.write(&(bytes.len() as u64).to_le_bytes());
            hash.write(&bytes);
        }
    }
    println!("cargo:rustc-env=DATAHAMN_BUILD={:016x}", hash.0);
    shipped_profiles();
}

/// Lists the shipped profiles (`vocab/profiles/*.toml`, by file name) for `src/profile.rs`, so
/// that adding a profile is adding a file.
fn shipped_profiles() {
    let dir = Path::new("vocab/profiles");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| name.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from(
        "/// The shipped profiles: `(file name, TOML text)`, by file name.\nconst SOURCES: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        code.push_str(&format!(
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/vocab/profiles/{name}\"))),\n"
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("shipped_profiles.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("{}: {e}", out.display());
    }
}
