//! Values that become IRIs in the published RDF and links on the public pages: web addresses,
//! e-mail addresses (as `mailto:` IRIs) and the EU authority concepts the catalog uses (data
//! themes, update frequencies).
//!
//! Two halves, both pure:
//! * **at entry**, [`web_url`], [`email`], [`data_theme`] and [`frequency`] check a value a
//!   steward sends (dataset metadata from the API, the steward pages and `dataset.toml`; CSV
//!   cells of URL and e-mail columns) and name the [`Rule`] it breaks;
//! * **when building** RDF or a page from a stored value, [`link`] makes the IRI only when the
//!   value is still an `http`, `https` or `mailto` IRI, and [`is_link`] says whether a page may
//!   render it as `href`. A value stored before these checks (or by a bug) is then left out
//!   rather than written raw, so it can never break out of its position in N-Quads, Turtle or
//!   HTML.

use crate::profile::Localized;
use oxigraph::model::NamedNode;

/// The longest e-mail address taken (RFC 5321: 254 octets in a forward path).
pub const MAX_EMAIL: usize = 254;
/// The longest local part of an e-mail address (RFC 5321).
const MAX_LOCAL_PART: usize = 64;
/// The longest label of a domain name (RFC 1035).
const MAX_LABEL: usize = 63;

/// The EU data-theme authority (the themes DCAT-AP-SE asks for).
pub const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
/// The EU frequency authority.
pub const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";

/// The codes of the EU data themes.
pub const DATA_THEMES: [&str; 13] = [
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN",
];

/// The rule a value breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// An absolute `http` or `https` address with a host name and no user name.
    WebUrl,
    /// An e-mail address `name@domain.tld`.
    Email,
    /// One of the EU data themes.
    DataTheme,
    /// A concept of the EU frequency authority.
    Frequency,
}

impl Rule {
    /// A stable name for the rule (in problem documents' `details`).
    pub fn code(self) -> &'static str {
        match self {
            Rule::WebUrl => "web_url",
            Rule::Email => "email",
            Rule::DataTheme => "data_theme",
            Rule::Frequency => "frequency",
        }
    }

    /// What the rule asks for, in Swedish and English.
    pub fn message(self) -> Localized {
        match self {
            Rule::WebUrl => Localized::new(
                "ska vara en fullständig webbadress som börjar med https:// eller http://, med ett värdnamn, utan användarnamn, mellanslag eller tecknen < > \" { } | \\ ^ `",
                "must be a full web address starting with https:// or http://, with a host name, without a user name, spaces or the characters < > \" { } | \\ ^ `",
            ),
            Rule::Email => Localized::new(
                format!(
                    "ska vara en e-postadress som namn@kommun.se (högst {MAX_EMAIL} tecken; bokstäver, siffror och . _ + - ' före @), utan mailto: och mellanslag"
                ),
                format!(
                    "must be an e-mail address such as name@municipality.se (at most {MAX_EMAIL} characters; letters, digits and . _ + - ' before the @), without mailto: or spaces"
                ),
            ),
            Rule::DataTheme => Localized::new(
                format!(
                    "ska vara ett av EU:s datateman: {} (koden eller hela IRI:n {DATA_THEME}…)",
                    DATA_THEMES.join(", ")
                ),
                format!(
                    "must be one of the EU data themes: {} (the code or the whole IRI {DATA_THEME}…)",
                    DATA_THEMES.join(", ")
                ),
            ),
            Rule::Frequency => Localized::new(
                format!(
                    "ska vara en frekvens ur EU:s vokabulär, t.ex. ANNUAL, MONTHLY eller WEEKLY (eller hela IRI:n {FREQUENCY}…)"
                ),
                format!(
                    "must be a frequency of the EU vocabulary, e.g. ANNUAL, MONTHLY or WEEKLY (or the whole IRI {FREQUENCY}…)"
                ),
            ),
        }
    }
}

/// Characters that change how text is displayed without being seen (bidirectional controls, the
/// byte-order mark): refused in links, where they would make one address look like another.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The scheme of a value, when it has one of the link schemes (any case): `http`, `https` or
/// `mailto`.
fn link_scheme(value: &str) -> Option<&'static str> {
    let (scheme, _) = value.split_once(':')?;
    ["http", "https", "mailto"]
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(scheme))
}

/// Whether a value is a link a page may render as `href`: an `http`, `https` or `mailto` IRI
/// (never `javascript:`, `data:` or a relative reference).
pub fn is_link(value: &str) -> bool {
    link(value).is_some()
}

/// The IRI of a stored value, when it is a link: an `http`, `https` or `mailto` IRI that
/// parses. Anything else gives `None`, and the caller leaves it out.
pub fn link(value: &str) -> Option<NamedNode> {
    link_scheme(value)?;
    if value.chars().any(is_invisible) {
        return None;
    }
    NamedNode::new(value).ok()
}

/// Checks a web address: an absolute `http` or `https` IRI (scheme in any case) whose host
/// has a dot, with no user name (`https://kommun.se@evil.example`), no white space and no
/// invisible characters.
pub fn web_url(raw: &str) -> Result<NamedNode, Rule> {
    let scheme = link_scheme(raw).filter(|s| *s != "mailto").ok_or(Rule::WebUrl)?;
    let rest = raw[scheme.len() + 1..].strip_prefix("//").ok_or(Rule::WebUrl)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            authority
        }
    });
    if authority.contains('@')
        || host.is_empty()
        || !host.contains('.')
        || host.starts_with('.')
        || host.ends_with('.')
        || raw.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Rule::WebUrl);
    }
    link(raw).ok_or(Rule::WebUrl)
}

/// Checks an e-mail address and gives it back as taken. The rules are deliberately narrower
/// than RFC 5322 (no quoted local parts, comments or IP literals), so that `mailto:{address}`
/// is always a valid IRI and the address reads the same everywhere: a local part of letters,
/// digits and `. _ + - '` (no leading, trailing or double dot), one `@`, a domain of at least
/// two labels of letters, digits and hyphens ending in a label of letters, [`MAX_EMAIL`]
/// characters at most. Letters may be any script's (`åsa@härryda.se`).
pub fn email(raw: &str) -> Result<&str, Rule> {
    let ok = |local: &str, domain: &str| {
        let local_ok = (1..=MAX_LOCAL_PART).contains(&local.chars().count())
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '\''))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                (1..=MAX_LABEL).contains(&l.chars().count())
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
        local_ok && domain_ok
    };
    match raw.split_once('@') {
        Some((local, domain))
            if raw.len() <= MAX_EMAIL && ok(local, domain) && link(&format!("mailto:{raw}")).is_some() =>
        {
            Ok(raw)
        }
        _ => Err(Rule::Email),
    }
}

/// The `mailto:` IRI of an address that passes [`email`].
pub fn mailto(address: &str) -> Result<NamedNode, Rule> {
    email(address)?;
    link(&format!("mailto:{address}")).ok_or(Rule::Email)
}

/// Expands a concept of an EU authority given by its code alone (`envi`, `ANNUAL`) to its IRI;
/// anything with a `:` is taken as an IRI already and passes unchanged (the check comes after).
pub fn expand(namespace: &str, value: &str) -> String {
    let value = value.trim();
    if value.contains(':') {
        value.to_owned()
    } else {
        format!("{namespace}{}", value.to_ascii_uppercase())
    }
}

/// Checks a data theme: the IRI of one of the EU data themes ([`DATA_THEMES`]).
pub fn data_theme(iri: &str) -> Result<NamedNode, Rule> {
    iri.strip_prefix(DATA_THEME)
        .filter(|code| DATA_THEMES.contains(code))
        .and_then(|_| link(iri))
        .ok_or(Rule::DataTheme)
}

/// Checks an update frequency: an IRI of the EU frequency authority (its code upper-case
/// letters, digits and `_`).
pub fn frequency(iri: &str) -> Result<NamedNode, Rule> {
    iri.strip_prefix(FREQUENCY)
        .filter(|code| {
            (1..=32).contains(&code.len())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .and_then(|_| link(iri))
        .ok_or(Rule::Frequency)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values an attacker would send where a link or an address is expected.
    const HOSTILE: [&str; 22] = [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "/relative",
        "https://a.se/> <http://evil/s> <http://evil/p> <http://evil/o> .",
        "https://a.se/\n<http://evil/s>",
        "https://a.se/\"onmouseover=\"alert(1)",
        "https://a.se/x y",
        "https://a.se/<script>",
        "https://a.se/{x}",
        "https://a.se/\u{202E}gpj.exe",
        "https://kommun.se@evil.example/",
        "https://",
        "https:///path",
        "http://localhost/",
        "",
        " ",
        "x@y.se> .\n<http://evil/s> <http://evil/p> \"o\" .",
        "a@b.se\u{0}",
    ];

    #[test]
    fn hostile_values_are_neither_web_addresses_nor_e_mail_nor_concepts() {
        for v in HOSTILE {
            assert_eq!(web_url(v), Err(Rule::WebUrl), "{v:?}");
            assert_eq!(email(v), Err(Rule::Email), "{v:?}");
            assert_eq!(data_theme(v), Err(Rule::DataTheme), "{v:?}");
            assert_eq!(frequency(v), Err(Rule::Frequency), "{v:?}");
        }
    }

    #[test]
    fn only_http_https_and_mailto_are_links() {
        for v in [
            "https://a.se/",
            "HTTP://a.se",
            "mailto:a@b.se",
            "http://127.0.0.1:8080/x?y=1#z",
        ] {
            assert!(is_link(v), "{v}");
        }
        for v in HOSTILE.iter().take(7) {
            assert!(!is_link(v), "{v}");
        }
        assert!(!is_link("https://a.se/\u{202E}x"));
        assert!(!is_link("https://a.se/>"));
    }

    #[test]
    fn web_addresses_need_a_scheme_a_host_and_nothing_that_breaks_an_iri() {
        for ok in [
            "https://www.harryda.se/",
            "http://creativecommons.org/publicdomain/zero/1.0/",
            "https://dataportal.se/specifications/badplatser/1.0",
            "https://127.0.0.1:8080/x?a=b&c=d#e",
            "https://härryda.se/bad",
        ] {
            assert_eq!(web_url(ok).map(|n| n.into_string()), Ok(ok.to_owned()));
        }
        for bad in [
            "https://a.se:x@b.se/",
            "ftp://a.se/",
            "mailto:a@b.se",
            "https://.se/",
            "https://a./",
        ] {
            assert_eq!(web_url(bad), Err(Rule::WebUrl), "{bad}");
        }
    }

    #[test]
    fn e_mail_addresses_follow_the_narrow_rule() {
        for ok in [
            "gis@harryda.se",
            "anna.o'brien+data@kommun.se",
            "åsa@härryda.se",
            "exempel@datahamn.invalid",
        ] {
            assert_eq!(email(ok), Ok(ok));
            assert_eq!(mailto(ok).unwrap().as_str(), format!("mailto:{ok}"));
        }
        let long = format!("{}@{}.se", "a".repeat(64), vec!["b".repeat(60); 4].join("."));
        assert!(long.len() > MAX_EMAIL);
        for bad in [
            "gis",
            "gis@",
            "@harryda.se",
            "gis@harryda",
            "gis@@harryda.se",
            "a@b@c.se",
            ".gis@harryda.se",
            "g..is@harryda.se",
            "gis@-harryda.se",
            "gis@harryda.s3",
            "gis@harryda.se?subject=x",
            "gis@harryda.se#x",
            "g%41s@harryda.se",
            "mailto:gis@harryda.se",
            "gis@harryda.se,evil@x.se",
            "\"gis\"@harryda.se",
            long.as_str(),
        ] {
            assert_eq!(email(bad), Err(Rule::Email), "{bad}");
        }
    }

    #[test]
    fn themes_and_frequencies_come_from_the_eu_vocabularies() {
        assert_eq!(expand(DATA_THEME, " envi "), format!("{DATA_THEME}ENVI"));
        assert_eq!(expand(FREQUENCY, "https://x.se/"), "https://x.se/");
        for code in DATA_THEMES {
            assert!(data_theme(&expand(DATA_THEME, code)).is_ok());
        }
        for bad in [
            format!("{DATA_THEME}NOPE"),
            format!("{DATA_THEME}ENVI>"),
            "https://x.se/ENVI".into(),
        ] {
            assert_eq!(data_theme(&bad), Err(Rule::DataTheme), "{bad}");
        }
        assert!(frequency(&expand(FREQUENCY, "annual")).is_ok());
        assert!(frequency(&expand(FREQUENCY, "OP_DATPRO")).is_ok());
        for bad in [
            format!("{FREQUENCY}annual"),
            FREQUENCY.to_owned(),
            "https://x.se/ANNUAL".into(),
        ] {
            assert_eq!(frequency(&bad), Err(Rule::Frequency), "{bad}");
        }
    }
}
