//! Bounded SPARQL parsing: no query text, however built, can overflow a stack or abort the
//! process while it is parsed, checked, rewritten, evaluated or dropped.
//!
//! The parser and every walk over the parsed query (printing, rewriting, evaluating, dropping)
//! recurse once per level of nesting, so three limits hold (see [`ParseLimits`]):
//!
//! 1. the size of the text ([`ParseLimits::max_bytes`]);
//! 2. how deep its brackets nest (`{`, `(`, `[`), counted by [`nesting`] before the parser
//!    sees the text: a scan that skips strings and comments and never counts less than the
//!    parser nests, so the parser's own recursion is bounded;
//! 3. how deep the parsed algebra nests ([`ParseLimits::max_depth`]): `1+1+…+1` or
//!    `{} UNION {} UNION …` nest no brackets but build trees as deep as they are long. The depth
//!    is that of the query's SPARQL S-expression, measured with the same scan, or the number of
//!    its triple patterns when that is larger (the evaluator joins them in a chain).
//!
//! The scan reads the text as the parser does in every query seen in practice, but contrived
//! text (a `<` that is an IRI to one reading and a comparison to the other) could mislead it.
//! So it is not what keeps the stack safe: a query with more opening brackets than the nesting
//! limit (anywhere, even in strings) is parsed, measured and, when refused, dropped on a thread
//! of its own with a [`PARSE_STACK`] stack, which holds the parser's recursion for the largest
//! accepted text nested all the way down (about 2.5 KiB of stack per level: 64 Ki levels in
//! 128 KiB of `(`); at most [`BIG_PARSES`] of those run at once. Once a query is within the
//! depth limit, any thread can handle it.

use spargebra::SparqlParser;

/// The limits on a query's text and shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// The longest query text, in bytes.
    pub max_bytes: usize,
    /// The deepest nesting of brackets in the text.
    pub max_nesting: usize,
    /// The deepest nesting of the parsed algebra (operators, joins, unions, paths).
    pub max_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_bytes: 128 * 1024,
            max_nesting: 64,
            max_depth: 256,
        }
    }
}

/// The stack of the thread that parses a query with many brackets: room for the deepest tree
/// a query of the largest accepted size can build (address space only; what is used is what is
/// touched).
pub const PARSE_STACK: usize = 256 * 1024 * 1024;

/// The most queries parsed at once on a [`PARSE_STACK`] thread; more wait for their turn.
pub const BIG_PARSES: usize = 2;

/// Why a text was not parsed into a query.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Longer than the limit: (length, limit).
    TooLarge(usize, usize),
    /// Brackets nest deeper than the limit: (at least this deep, limit).
    TooNested(usize, usize),
    /// The parsed algebra nests deeper than the limit: (depth, limit).
    TooDeep(usize, usize),
    /// Not a query, but a valid update.
    Update,
    /// Not valid SPARQL.
    Syntax(String),
}

/// Parses a query within `limits` (see the module docs). `base` is the base IRI relative IRIs
/// resolve against.
pub fn parse(text: &str, base: Option<&str>, limits: ParseLimits) -> Result<spargebra::Query, Refusal> {
    check_text(text, limits)?;
    // Few brackets in all: the parser cannot recurse deeply on any thread.
    if text.bytes().filter(|b| matches!(b, b'{' | b'(' | b'[')).count() <= limits.max_nesting
        && text.len() <= INLINE_MAX_BYTES
    {
        return parse_and_measure(text, base, limits.max_depth);
    }
    let _turn = BigParse::wait();
    let text = text.to_owned();
    let base = base.map(str::to_owned);
    let max_depth = limits.max_depth;
    let spawned = std::thread::Builder::new()
        .name("sparql-parse".into())
        .stack_size(PARSE_STACK)
        .spawn(move || parse_and_measure(&text, base.as_deref(), max_depth));
    match spawned {
        Ok(thread) => thread
            .join()
            .unwrap_or_else(|_| Err(Refusal::Syntax("the query could not be parsed".into()))),
        Err(e) => Err(Refusal::Syntax(format!(
            "the query could not be parsed now ({e}); retry"
        ))),
    }
}

/// Checks the size and bracket nesting of a text.
fn check_text(text: &str, limits: ParseLimits) -> Result<(), Refusal> {
    if text.len() > limits.max_bytes {
        return Err(Refusal::TooLarge(text.len(), limits.max_bytes));
    }
    let nested = nesting(text, limits.max_nesting);
    if nested > limits.max_nesting {
        return Err(Refusal::TooNested(nested, limits.max_nesting));
    }
    Ok(())
}

/// Parses a query within `limits` on the calling thread, whatever its brackets: for a SPARQL
/// worker, on its evaluating thread, whose big stack counts against the worker's memory and
/// whose overflow would end that worker only (reported like running out of memory).
pub fn parse_here(text: &str, base: Option<&str>, limits: ParseLimits) -> Result<spargebra::Query, Refusal> {
    check_text(text, limits)?;
    parse_and_measure(text, base, limits.max_depth)
}

/// A query parsed on the calling thread is at most this long, so its algebra (a tree as deep as
/// about half its length) is small on any stack.
const INLINE_MAX_BYTES: usize = 2048;

/// A turn to parse on a [`PARSE_STACK`] thread (one of [`BIG_PARSES`]), given back on drop.
struct BigParse;

static BIG_PARSING: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static BIG_PARSE_DONE: std::sync::Condvar = std::sync::Condvar::new();

impl BigParse {
    fn wait() -> Self {
        let mut running = BIG_PARSING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *running >= BIG_PARSES {
            running = BIG_PARSE_DONE
                .wait(running)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *running += 1;
        BigParse
    }
}

impl Drop for BigParse {
    fn drop(&mut self) {
        *BIG_PARSING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) -= 1;
        BIG_PARSE_DONE.notify_one();
    }
}

fn parse_and_measure(text: &str, base: Option<&str>, max_depth: usize) -> Result<spargebra::Query, Refusal> {
    let mut parser = SparqlParser::new();
    if let Some(base) = base {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| Refusal::Syntax(format!("the base IRI is not an IRI: {e}")))?;
    }
    let query = match parser.clone().parse_query(text) {
        Ok(query) => query,
        Err(e) => {
            return Err(match parser.parse_update(text) {
                Ok(_) => Refusal::Update,
                Err(_) => Refusal::Syntax(e.to_string()),
            });
        }
    };
    // Measured, and dropped when refused, here: on this thread's stack.
    // A group of triple patterns is a chain of joins to the evaluator: each counts as a level.
    let sse = query.to_sse();
    let depth = nesting(&sse, usize::MAX).max(sse.matches("(triple ").count());
    if depth > max_depth {
        return Err(Refusal::TooDeep(depth, max_depth));
    }
    Ok(query)
}

/// How deep the brackets `{ ( [` of SPARQL (or SPARQL S-expression) text nest, never less than
/// a parser of the text nests them; the scan stops early once past `stop`. Skips strings
/// (`"…"`, `'…'`, and their long `"""…"""` forms, with escapes), comments (`#` to the end of
/// the line) and backslash escapes in names (`ex:a\(`). A `<…>` that may be an IRI is ambiguous
/// (`?a<?b` compares): inside one, a `#` starts no comment, opening brackets count and closing
/// ones never take the depth below where it began, so it counts at least what the parser
/// nests whichever reading it takes.
pub fn nesting(text: &str, stop: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut i = 0;
    // Inside a `<…>` that may be an IRI: its end, and the depth where it began.
    let mut iri: Option<(usize, usize)> = None;
    while i < bytes.len() {
        if let Some((end, floor)) = iri {
            if i >= end {
                iri = None;
            } else {
                match bytes[i] {
                    b'(' | b'[' => {
                        depth += 1;
                        max = max.max(depth);
                    }
                    b')' | b']' => depth = depth.saturating_sub(1).max(floor),
                    _ => {}
                }
                i += 1;
                continue;
            }
        }
        match bytes[i] {
            b'{' | b'(' | b'[' => {
                depth += 1;
                max = max.max(depth);
                if max > stop {
                    return max;
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'\\' => i += 1,
            quote @ (b'"' | b'\'') => {
                i = string_end(bytes, i, quote);
                continue;
            }
            b'<' => {
                if let Some(end) = iri_end(bytes, i) {
                    iri = Some((end, depth));
                }
            }
            _ => {}
        }
        i += 1;
    }
    max
}

/// Where the string starting at `start` (a quote) ends: the index after its closing quote, or
/// the end of the text.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let long = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = if long { start + 3 } else { start + 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => {
                if !long {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            // A short string ends at a line break (an error the parser reports).
            b'\n' | b'\r' if !long => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// When the `<` at `start` begins something that may be an IRI (`<` then no character an IRI
/// cannot hold, then `>`): the index after its `>`.
fn iri_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return Some(i + 1),
            b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' | 0..=b' ' => return None,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ParseLimits {
        ParseLimits::default()
    }

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        assert_eq!(nesting("ASK {}", usize::MAX), 1);
        assert_eq!(nesting("SELECT * { { ?s ?p [ ?q (1 2) ] } }", usize::MAX), 4);
        assert_eq!(nesting(r#"ASK { FILTER("{{{{" != '((((') }"#, usize::MAX), 2);
        assert_eq!(
            nesting(r#"ASK { FILTER("\"{{" != """a"{{""b""" ) }"#, usize::MAX),
            2
        );
        assert_eq!(nesting("ASK { # {{{{ (((\n }", usize::MAX), 1);
        // An IRI's `#` starts no comment: what follows it on the line counts.
        assert_eq!(nesting("ASK { <http://x/#a> ?p ((((1)))) }", usize::MAX), 5);
        // A backslash escape in a name is not a string.
        assert_eq!(nesting(r"ASK { ex:a\' ((((1)))) ex:b\' }", usize::MAX), 5);
    }

    #[test]
    fn nesting_never_counts_less_than_the_parser_nests() {
        // Read as comparisons, these brackets nest; read as IRIs, they do not: counted.
        let hidden = "ASK { FILTER(1<((((a>0)))) }";
        assert!(nesting(hidden, usize::MAX) >= 6);
        // Closing brackets inside something IRI-like never lower the depth below its start.
        let lowered = format!("ASK {{ {} {} }}", "<x)>".repeat(10), "(".repeat(70));
        assert!(nesting(&lowered, usize::MAX) > 70);
        // Balanced brackets in an IRI do not add up.
        let wiki = "<http://dbpedia.org/resource/A_(b)> ".repeat(100);
        assert_eq!(
            nesting(&format!("SELECT * {{ VALUES ?x {{ {wiki} }} }}"), usize::MAX),
            3
        );
        // An unterminated string or IRI ends the scan without a panic.
        assert_eq!(nesting("ASK { \"((((", usize::MAX), 1);
        assert_eq!(nesting("ASK { <((((", usize::MAX), 5);
        assert_eq!(nesting("\\", usize::MAX), 0);
    }

    #[test]
    fn queries_over_the_limits_are_refused_before_they_are_parsed() {
        let long = format!("ASK {{}} #{}", "x".repeat(limits().max_bytes));
        assert!(matches!(parse(&long, None, limits()), Err(Refusal::TooLarge(..))));
        let deep = format!("ASK {}{}", "{".repeat(50_000), "}".repeat(50_000));
        assert!(matches!(
            parse(&deep, None, limits()),
            Err(Refusal::TooNested(..))
        ));
        let parens = format!("ASK {{ FILTER({}1{}) }}", "(".repeat(70), ")".repeat(70));
        assert!(matches!(
            parse(&parens, None, limits()),
            Err(Refusal::TooNested(..))
        ));
    }

    #[test]
    fn deep_trees_without_brackets_are_refused_on_a_stack_that_holds_them() {
        let sum = format!("ASK {{ FILTER(1{} > 0) }}", "+1".repeat(40_000));
        assert!(matches!(parse(&sum, None, limits()), Err(Refusal::TooDeep(..))));
        let unions = format!("ASK {{ {{}}{} }}", " UNION {}".repeat(12_000));
        assert!(matches!(
            parse(&unions, None, limits()),
            Err(Refusal::TooDeep(..))
        ));
        let path = format!("ASK {{ ?s <urn:p>{} ?o }}", "|<urn:p>".repeat(15_000));
        assert!(matches!(parse(&path, None, limits()), Err(Refusal::TooDeep(..))));
        // A sequence path becomes a chain of triple patterns: a chain of joins.
        let sequence = format!("ASK {{ ?s <urn:p>{} ?o }}", "/<urn:p>".repeat(15_000));
        assert!(matches!(
            parse(&sequence, None, limits()),
            Err(Refusal::TooDeep(..))
        ));
        // Short ones too, parsed inline.
        let short = format!("ASK {{ FILTER(1{} > 0) }}", "+1".repeat(300));
        assert!(matches!(parse(&short, None, limits()), Err(Refusal::TooDeep(..))));
        // Within the limits, the same shapes parse.
        let fine = format!("ASK {{ FILTER(1{} > 0) }}", "+1".repeat(100));
        assert!(parse(&fine, None, limits()).is_ok());
    }

    #[test]
    fn updates_and_syntax_errors_are_told_apart() {
        assert_eq!(
            parse("INSERT DATA { <a:b> <a:c> <a:d> }", None, limits()),
            Err(Refusal::Update)
        );
        assert!(matches!(
            parse("SELECT WHERE", None, limits()),
            Err(Refusal::Syntax(_))
        ));
        let q = parse(
            "SELECT * WHERE { <x> ?p ?o }",
            Some("http://example.org/"),
            limits(),
        )
        .unwrap();
        assert!(q.to_string().contains("<http://example.org/x>"));
    }
}
