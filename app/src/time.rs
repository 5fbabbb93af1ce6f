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
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}

macro_rules! timestamp {
    ($(#[$doc:meta])* $name:ident, $millis:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ssr", schema(value_type = String, format = DateTime))]
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
}
