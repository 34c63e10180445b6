//! Wall-clock timestamps in RFC 3339 (UTC). The calendar (days in months, leap years, days
//! between dates) is jiff's; this module keeps only the grammar the API accepts. Dates run over
//! jiff's whole civil range (to 9999-12-31T23:59:59Z), wider than its `Timestamp`'s.

use jiff::Timestamp;
use jiff::civil::Date;

/// 1970-01-01, day 0 of Unix time.
const EPOCH: Date = jiff::civil::date(1970, 1, 1);

/// Now, as `2026-11-21T10:00:00Z`.
pub fn now_rfc3339() -> String {
    rfc3339(now_secs().max(0) as u64)
}

/// Now, in seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    Timestamp::now().as_second()
}

/// Seconds since the Unix epoch as RFC 3339 UTC, whole seconds (an instant past the year 9999,
/// which RFC 3339 cannot write, is written as its last second).
pub fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let date = jiff::Span::new()
        .try_days(days)
        .and_then(|span| EPOCH.checked_add(span));
    let (date, rem) = match date {
        Ok(date) => (date, secs % 86_400),
        Err(_) => (Date::MAX, 86_399),
    };
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days from 1970-01-01 to `date`.
fn days_since_epoch(date: Date) -> Option<i64> {
    Some(i64::from(EPOCH.until(date).ok()?.get_days()))
}

/// Parses an instant: a date (`2024-06-01`, midnight UTC) or an RFC 3339 date-time with `Z` or
/// an offset (`2024-06-01T12:00:00+02:00`, fractions of a second ignored). Returns seconds since
/// the Unix epoch, or `None` when the text is not such an instant. A day past the end of its
/// month counts on into the next (`2023-02-31` is 3 March), as the date-time grammars of query
/// parameters cannot tell month lengths apart.
pub fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        (!part.is_empty() && part.bytes().all(|c| c.is_ascii_digit())).then(|| part.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // The first of the month, then the days after it: 31 February is 3 March (2 in a leap year).
    let date = Date::new(i16::try_from(y).ok()?, m as i8, 1)
        .ok()?
        .checked_add(jiff::Span::new().days(d - 1))
        .ok()?;
    let days = days_since_epoch(date)?;
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = rest[1..].split_once(':')?;
            if oh.len() != 2 || om.len() != 2 {
                return None;
            }
            let (oh, om): (i64, i64) = (oh.parse().ok()?, om.parse().ok()?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(super::rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(super::rfc3339(u64::MAX), "9999-12-31T23:59:59Z");
        let before = super::now_secs();
        let now = super::now_rfc3339();
        let parsed = super::parse_instant(&now).unwrap();
        assert!((before..=super::now_secs()).contains(&parsed), "{now}");
        assert!(now.ends_with('Z') && now.len() == 20, "{now}");
    }

    #[test]
    fn parses_dates_and_date_times() {
        use super::parse_instant as p;
        assert_eq!(p("1970-01-01"), Some(0));
        assert_eq!(p("2000-02-29"), Some(951_782_400));
        assert_eq!(p("2026-11-18T11:06:40Z"), Some(1_795_000_000));
        assert_eq!(p("2026-11-18T13:06:40.25+02:00"), Some(1_795_000_000));
        assert_eq!(p("2026-11-18T10:06:40-01:00"), Some(1_795_000_000));
        assert_eq!(p("2023-02-31"), p("2023-03-03"));
        assert_eq!(p("2024-02-31"), p("2024-03-02"));
        assert_eq!(p("2024-12-31T23:30:00-01:00"), p("2025-01-01T00:30:00Z"));
        assert_eq!(p("0000-01-01"), Some(-62_167_219_200));
        assert_eq!(p("9999-12-31T23:59:59Z"), Some(253_402_300_799));
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-01-32",
            "2026-11-18T25:00:00Z",
            "2026-11-18T11:06:40",
            "18/11/2026",
            "2026-1-18",
            "+026-11-18",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
        for secs in [0u64, 86_399, 951_782_400, 1_795_000_000] {
            assert_eq!(p(&super::rfc3339(secs)), Some(secs as i64));
        }
    }
}
