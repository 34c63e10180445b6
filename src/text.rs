//! Small text helpers shared by ingest, mapping and search: folding for comparisons, slugs
//! for identifiers, hexadecimal for digests and ids, random ids and secret comparison. Pure functions, no allocation beyond their
//! result.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `bytes` random bytes from the operating system, as hexadecimal (ids, secrets).
pub fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(hex(&buf))
}

/// SHA-256 of a text, as hexadecimal (what is stored of a secret).
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(text.as_bytes()))
}

/// Whether two secrets are equal, in time independent of where they differ (subtle's
/// constant-time comparison; only the lengths are compared in the open).
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Bytes as lower-case hexadecimal (digests, random ids).
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Folds text for comparison: Unicode NFD, combining marks removed, lower case.
///
/// ```
/// assert_eq!(datahamn::text::fold("Härryda ÖSTRA"), "harryda ostra");
/// ```
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Folds a column header into a key: [`fold`], then every run of characters that are not ASCII
/// letters or digits becomes one `_`, trimmed at both ends.
///
/// ```
/// assert_eq!(datahamn::text::header_key(" Längd (m) "), "langd_m");
/// assert_eq!(datahamn::text::header_key("E-post"), "e_post");
/// ```
pub fn header_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in fold(s).chars() {
        if c.is_ascii_alphanumeric() {
            if pending && !out.is_empty() {
                out.push('_');
            }
            pending = false;
            out.push(c);
        } else {
            pending = true;
        }
    }
    out
}

/// Turns a free-text value into a URI-safe identifier: diacritics folded, case kept, every run of
/// characters outside `[A-Za-z0-9._~-]` replaced by one `-`, trimmed of `-`.
///
/// ```
/// assert_eq!(datahamn::text::slug("Säteriet/Hästviken"), "Sateriet-Hastviken");
/// assert_eq!(datahamn::text::slug("1477-Hattarevik"), "1477-Hattarevik");
/// ```
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '-') {
            if pending && !out.is_empty() {
                out.push('-');
            }
            pending = false;
            out.push(c);
        } else {
            pending = true;
        }
    }
    let trimmed = out.trim_matches('-');
    trimmed.to_owned()
}

/// Lower-case slug, for derived identifiers.
pub fn lower_slug(s: &str) -> String {
    slug(s).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digests_and_secret_comparison() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(random_hex(16).unwrap().len(), 32);
        assert!(same_secret("a1b2", "a1b2"));
        assert!(same_secret("", ""));
        assert!(!same_secret("a1b2", "a1b3"));
        assert!(!same_secret("a1b2", "a1b2c3"));
        assert!(!same_secret("A1B2", "a1b2"));
    }

    #[test]
    fn header_keys_match_swedish_variants() {
        assert_eq!(header_key("Beskrivning"), "beskrivning");
        assert_eq!(header_key("Öppettider"), "oppettider");
        assert_eq!(header_key("\u{feff}place_id"), "place_id");
        assert_eq!(header_key("  Kommun kod "), "kommun_kod");
    }

    #[test]
    fn slugs_are_uri_safe() {
        assert_eq!(slug("Västra Nedsjön"), "Vastra-Nedsjon");
        assert_eq!(slug("  a  b  "), "a-b");
        assert_eq!(slug("///"), "");
        assert_eq!(lower_slug("Frökens udde"), "frokens-udde");
    }
}
