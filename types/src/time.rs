//! Times as the API writes them: RFC 3339 in UTC (`2026-11-29T19:05:45Z`). Most times are to the
//! second; chat messages, which can follow each other within one, keep milliseconds
//! ([`TimestampMs`]). Both serialise through [`format_rfc3339`], the one formatter.
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Formats a time as RFC 3339 in UTC, to the second or to the millisecond.
pub fn format_rfc3339(t: &DateTime<Utc>, millis: bool) -> String {
    let precision = if millis {
        SecondsFormat::Millis
    } else {
        SecondsFormat::Secs
    };
    t.to_rfc3339_opts(precision, true)
}

fn parse<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    if let Some(t) = parse_utc(&text) {
        return Ok(t);
    }
    // Other offsets than `Z` come only from API clients, so only the server reads them: the
    // browser's WASM does without chrono's general parser.
    #[cfg(not(target_arch = "wasm32"))]
    if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
        return Ok(t.with_timezone(&Utc));
    }
    Err(serde::de::Error::custom(
        "expected an RFC 3339 time such as 2026-11-29T19:05:45Z",
    ))
}

/// Reads the UTC form the API writes: `2026-11-29T19:05:45Z`, with up to nine digits of
/// fractions of a second.
pub fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let sep_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':'
        && matches!(b[b.len() - 1], b'Z' | b'z');
    if !sep_ok {
        return None;
    }
    let digits = |from: usize, to: usize| -> Option<u32> {
        let part = text.get(from..to)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i32::try_from(digits(0, 4)?).ok()?;
    let frac = text.get(19..text.len() - 1)?;
    let nanos = match frac.strip_prefix('.') {
        None if frac.is_empty() => 0,
        Some(d) if (1..=9).contains(&d.len()) && d.bytes().all(|c| c.is_ascii_digit()) => {
            d.parse::<u32>().ok()? * 10u32.pow(9 - d.len() as u32)
        }
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(year, digits(5, 7)?, digits(8, 10)?)?
        .and_hms_nano_opt(digits(11, 13)?, digits(14, 16)?, digits(17, 19)?, nanos)
        .map(|t| t.and_utc())
}

macro_rules! timestamp {
    ($(#[$doc:meta])* $name:ident, $millis:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        pub struct $name(pub DateTime<Utc>);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&format_rfc3339(&self.0, $millis))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                parse(d).map(Self)
            }
        }

        impl From<DateTime<Utc>> for $name {
            fn from(t: DateTime<Utc>) -> Self {
                Self(t)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&format_rfc3339(&self.0, $millis))
            }
        }
    };
}

timestamp!(
    /// A time to the second.
    Timestamp,
    false
);
timestamp!(
    /// A time to the millisecond (chat messages and conversations).
    TimestampMs,
    true
);

/// How far `t` is from `now`, in words: "just now", "2 minutes ago", "in 3 days".
///
/// Rounds down to the largest whole unit (seconds under 45 are "just now"); months are 30 days
/// and years 365 days.
pub fn relative(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let secs = t.signed_duration_since(now).num_seconds();
    let past = secs < 0;
    let abs = secs.unsigned_abs();
    if abs < 45 {
        return "just now".to_owned();
    }
    // 45 to 59 seconds read as a minute.
    let abs = abs.max(60);
    const UNITS: [(u64, &str); 5] = [
        (365 * 86_400, "year"),
        (30 * 86_400, "month"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
    ];
    let (size, unit) = UNITS
        .iter()
        .copied()
        .find(|(size, _)| abs >= *size)
        .unwrap_or((60, "minute"));
    // To the nearest unit (a half rounds down): an invite made "in 7 days" a moment ago
    // expires "in 7 days", not 6.
    let count = ((abs + size / 2 - 1) / size).max(1);
    let plural = if count == 1 { "" } else { "s" };
    if past {
        format!("{count} {unit}{plural} ago")
    } else {
        format!("in {count} {unit}{plural}")
    }
}

/// A time to the minute in UTC, for readers without a clock of their own (the server's render):
/// "2026-11-29 19:05 UTC".
pub fn exact_utc(t: DateTime<Utc>) -> String {
    // Written out rather than with `format("%Y-…")`: chrono's format-string engine would be the
    // largest piece of date code in every page's WASM.
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_it_reads() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T19:05:45.123Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let Some(t) = t else {
            unreachable!("a valid time parses")
        };
        let secs = serde_json::to_string(&Timestamp(t)).ok();
        assert_eq!(secs.as_deref(), Some("\"2026-11-29T19:05:45Z\""));
        let ms = serde_json::to_string(&TimestampMs(t)).ok();
        assert_eq!(ms.as_deref(), Some("\"2026-11-29T19:05:45.123Z\""));
        let back: Option<TimestampMs> = serde_json::from_str("\"2026-11-29T19:05:45.123Z\"").ok();
        assert_eq!(back, Some(TimestampMs(t)));
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn relative_in_words() {
        let now = at("2026-11-29T12:00:00Z");
        let cases = [
            ("2026-11-29T12:00:00Z", "just now"),
            ("2026-11-29T11:59:20Z", "just now"),
            ("2026-11-29T12:00:30Z", "just now"),
            ("2026-11-29T11:59:10Z", "1 minute ago"),
            ("2026-11-29T11:58:00Z", "2 minutes ago"),
            ("2026-11-29T11:00:00Z", "1 hour ago"),
            ("2026-11-29T09:30:00Z", "2 hours ago"),
            ("2026-11-28T12:00:00Z", "1 day ago"),
            ("2026-11-02T12:00:00Z", "27 days ago"),
            ("2026-10-01T12:00:00Z", "2 months ago"),
            ("2026-10-20T12:00:00Z", "1 month ago"),
            ("2025-11-29T12:00:00Z", "1 year ago"),
            ("2023-11-29T12:00:00Z", "3 years ago"),
            ("2026-11-29T12:05:00Z", "in 5 minutes"),
            ("2026-11-29T13:00:00Z", "in 1 hour"),
            ("2026-12-02T12:00:00Z", "in 3 days"),
            ("2026-12-06T11:59:00Z", "in 7 days"),
            ("2026-11-29T14:29:00Z", "in 2 hours"),
            ("2027-02-27T12:00:00Z", "in 3 months"),
        ];
        for (t, words) in cases {
            assert_eq!(relative(now, at(t)), words, "{t}");
        }
    }

    #[test]
    fn reads_the_utc_form_and_other_offsets() {
        let read = |text: &str| serde_json::from_str::<Timestamp>(&format!("\"{text}\"")).ok();
        let t = at("2026-11-29T19:05:45Z");
        assert_eq!(read("2026-11-29T19:05:45Z"), Some(Timestamp(t)));
        assert_eq!(read("2026-11-29T21:05:45+02:00"), Some(Timestamp(t)));
        assert_eq!(
            read("2026-11-29T19:05:45.5Z").map(|t| t.0.timestamp_subsec_millis()),
            Some(500)
        );
        assert_eq!(
            read("2026-11-29T19:05:45.123456789Z").map(|t| t.0.timestamp_subsec_nanos()),
            Some(123_456_789)
        );
        for bad in [
            "",
            "2026-11-29",
            "2026-13-29T19:05:45Z",
            "2026-11-29T25:05:45Z",
            "2026-11-29T19:05:45.Z",
            "+026-11-29T19:05:45Z",
            "2026-11-29T19:05:45",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
    }

    #[test]
    fn exact_utc_to_the_minute() {
        assert_eq!(
            exact_utc(at("2026-11-29T19:05:45Z")),
            "2026-11-29 19:05 UTC"
        );
    }
}
