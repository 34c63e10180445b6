//! Content negotiation: picks the best of the media types a resource offers for an `Accept`
//! header, honouring q-values, `type/*` and `*/*`. Pure; used by every handler that answers in
//! more than one format.

/// One media range of an `Accept` header.
#[derive(Debug, PartialEq)]
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    q: f32,
    specificity: u8,
}

fn parse(accept: &str) -> Vec<Range<'_>> {
    accept
        .split(',')
        .filter_map(|part| {
            let mut params = part.split(';');
            let media = params.next()?.trim();
            let (kind, subtype) = media.split_once('/')?;
            let mut q = 1.0;
            for p in params {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().ok().filter(|q: &f32| (0.0..=1.0).contains(q))?;
                }
            }
            let specificity = match (kind, subtype) {
                ("*", "*") => 0,
                (_, "*") => 1,
                _ => 2,
            };
            Some(Range {
                kind: kind.trim(),
                subtype: subtype.trim(),
                q,
                specificity,
            })
        })
        .collect()
}

/// The offered media type the client prefers most; `None` when it accepts none of them.
/// A missing or empty header accepts the first offer.
///
/// ```
/// use datahamn::http::negotiate::best;
/// let offers = ["application/json", "text/csv"];
/// assert_eq!(best(None, &offers), Some("application/json"));
/// assert_eq!(best(Some("text/csv;q=0.9, application/json;q=0.5"), &offers), Some("text/csv"));
/// assert_eq!(best(Some("text/*"), &offers), Some("text/csv"));
/// assert_eq!(best(Some("image/png"), &offers), None);
/// ```
pub fn best<'a>(accept: Option<&str>, offers: &[&'a str]) -> Option<&'a str> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return offers.first().copied();
    };
    let ranges = parse(accept);
    let mut chosen: Option<(&'a str, f32, usize)> = None;
    for (index, offer) in offers.iter().enumerate() {
        let (kind, subtype) = offer.split_once('/').unwrap_or((offer, ""));
        let matching = ranges
            .iter()
            .filter(|r| {
                (r.kind == "*" || r.kind.eq_ignore_ascii_case(kind))
                    && (r.subtype == "*" || r.subtype.eq_ignore_ascii_case(subtype))
            })
            .max_by_key(|r| r.specificity);
        if let Some(r) = matching
            && r.q > 0.0
            && chosen.is_none_or(|(_, q, _)| r.q > q)
        {
            chosen = Some((offer, r.q, index));
        }
    }
    chosen.map(|(o, _, _)| o)
}

/// The media type among `offers` that the request's `Accept` prefers, or the `406` problem
/// every handler answers when it offers none the client accepts: "`what` is available as …",
/// then `hint` (how else to choose, if the resource has a parameter for it). The one place a
/// 406 is made.
pub fn acceptable<'a>(
    req: &actix_web::HttpRequest,
    offers: &[&'a str],
    what: &str,
    hint: &str,
) -> Result<&'a str, crate::error::ApiError> {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    best(accept, offers).ok_or_else(|| {
        crate::error::ApiError::new(
            crate::error::Code::NotAcceptable,
            format!("{what} is available as {}.{hint}", offers.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::best;

    const RDF: [&str; 4] = [
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
    ];

    #[test]
    fn wildcards_and_q_values() {
        assert_eq!(best(Some("*/*"), &RDF), Some("text/turtle"));
        assert_eq!(best(Some("application/*"), &RDF), Some("application/n-triples"));
        assert_eq!(
            best(Some("application/rdf+xml;q=0.5, application/ld+json"), &RDF),
            Some("application/ld+json")
        );
        assert_eq!(
            best(Some("text/turtle;q=0, */*;q=0.1"), &RDF),
            Some("application/n-triples")
        );
        assert_eq!(best(Some("text/html"), &RDF), None);
    }

    #[test]
    fn browsers_get_the_first_offer() {
        let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(
            best(Some(accept), &["application/json"]),
            Some("application/json")
        );
    }

    #[test]
    fn malformed_ranges_are_ignored() {
        assert_eq!(
            best(Some("garbage, application/json;q=2"), &["application/json"]),
            None
        );
        assert_eq!(best(Some(""), &["application/json"]), Some("application/json"));
    }
}
