//! The server's notion of "now", which tests can move forward (key expiry, rate windows).
use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock forward; used by tests.
    pub fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

/// The first instant of `now`'s month (UTC): where a month's cost and budget start.
pub fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Datelike;
    now.date_naive()
        .with_day(1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(now, |d| d.and_utc())
}

/// The first instant of the month after `now`'s (UTC): when a monthly budget resets.
pub fn next_month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Datelike;
    let start = month_start(now);
    let (y, m) = if start.month() == 12 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 1)
    };
    chrono::NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(now, |d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_start_and_end_in_utc() -> Result<(), chrono::ParseError> {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
        assert_eq!(
            month_start(t("2026-12-06T10:00:00Z")?),
            t("2026-12-01T00:00:00Z")?
        );
        assert_eq!(
            next_month_start(t("2026-12-06T10:00:00Z")?),
            t("2027-01-01T00:00:00Z")?
        );
        assert_eq!(
            next_month_start(t("2026-01-31T23:59:59Z")?),
            t("2026-02-01T00:00:00Z")?
        );
        Ok(())
    }
}
