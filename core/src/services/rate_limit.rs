//! Sliding-window counters in the database, so every instance behind a load balancer shares them.
//!
//! Each bucket keeps one row per fixed window; a hit is judged on the current window plus the
//! previous one weighted by how much of it still overlaps the last `window_secs` seconds. A burst
//! that straddles a window boundary is therefore still counted as one burst.
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};

use crate::entities::rate_limits;

/// Counts one hit in `bucket`; `Err(seconds until a hit would be allowed)` past `limit`.
pub async fn hit(
    db: &DatabaseConnection,
    bucket: &str,
    window_secs: i64,
    limit: u32,
    now: i64,
) -> Result<Result<(), u64>, sea_orm::DbErr> {
    let window_secs = window_secs.max(1);
    let window_start = now - now.rem_euclid(window_secs);
    let row = rate_limits::ActiveModel {
        bucket: Set(bucket.to_owned()),
        window_start: Set(window_start),
        hits: Set(1),
    };
    rate_limits::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                rate_limits::Column::Bucket,
                rate_limits::Column::WindowStart,
            ])
            .value(
                rate_limits::Column::Hits,
                Expr::col((rate_limits::Entity, rate_limits::Column::Hits)).add(1),
            )
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let rows = rate_limits::Entity::find()
        .filter(rate_limits::Column::Bucket.eq(bucket))
        .filter(rate_limits::Column::WindowStart.is_in([window_start, window_start - window_secs]))
        .all(db)
        .await?;
    let hits_in = |start: i64| {
        rows.iter()
            .find(|r| r.window_start == start)
            .map_or(0, |r| i64::from(r.hits).max(0) as u64)
    };
    let window = Window {
        current: hits_in(window_start).max(1),
        previous: hits_in(window_start - window_secs),
        elapsed: now - window_start,
        length: window_secs,
    };
    Ok(window.judge(limit))
}

/// Hits counted in `bucket` over the last `window_secs` seconds (the same sliding estimate
/// [`hit`] judges by), without counting one.
pub async fn recent(
    db: &DatabaseConnection,
    bucket: &str,
    window_secs: i64,
    now: i64,
) -> Result<u64, sea_orm::DbErr> {
    let window_secs = window_secs.max(1);
    let window_start = now - now.rem_euclid(window_secs);
    let rows = rate_limits::Entity::find()
        .filter(rate_limits::Column::Bucket.eq(bucket))
        .filter(rate_limits::Column::WindowStart.is_in([window_start, window_start - window_secs]))
        .all(db)
        .await?;
    let hits_in = |start: i64| {
        rows.iter()
            .find(|r| r.window_start == start)
            .map_or(0, |r| i64::from(r.hits).max(0) as u64)
    };
    let window = Window {
        current: hits_in(window_start),
        previous: hits_in(window_start - window_secs),
        elapsed: now - window_start,
        length: window_secs,
    };
    Ok(window.estimate(0).round() as u64)
}

/// Takes back one hit counted in `bucket` by a [`hit`] at `hit_at` with the same `window_secs`:
/// for an attempt that turned out not to count (a successful login). Never goes below zero.
pub async fn refund(
    db: &DatabaseConnection,
    bucket: &str,
    window_secs: i64,
    hit_at: i64,
) -> Result<(), sea_orm::DbErr> {
    let window_secs = window_secs.max(1);
    let window_start = hit_at - hit_at.rem_euclid(window_secs);
    rate_limits::Entity::update_many()
        .col_expr(
            rate_limits::Column::Hits,
            Expr::col(rate_limits::Column::Hits).sub(1),
        )
        .filter(rate_limits::Column::Bucket.eq(bucket))
        .filter(rate_limits::Column::WindowStart.eq(window_start))
        .filter(rate_limits::Column::Hits.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// The counts around one hit, for the sliding-window estimate.
#[derive(Clone, Copy, Debug)]
struct Window {
    /// Hits in the current fixed window, this one included.
    current: u64,
    /// Hits in the window before it.
    previous: u64,
    /// Seconds since the current window began.
    elapsed: i64,
    length: i64,
}

impl Window {
    /// Hits in the `length` seconds ending `later` seconds from now, counting no new ones.
    fn estimate(&self, later: i64) -> f64 {
        let at = self.elapsed + later;
        let overlap = |into: i64| (self.length - into).max(0) as f64 / self.length as f64;
        if at < self.length {
            self.current as f64 + self.previous as f64 * overlap(at)
        } else {
            self.current as f64 * overlap(at - self.length)
        }
    }

    fn judge(&self, limit: u32) -> Result<(), u64> {
        if self.estimate(0) <= f64::from(limit) {
            return Ok(());
        }
        // The first second at which one more hit would fit under the limit.
        let wait = (1..=2 * self.length)
            .find(|&later| self.estimate(later) + 1.0 <= f64::from(limit))
            .unwrap_or(2 * self.length);
        Err(wait.max(1) as u64)
    }
}

/// Drops windows older than a day.
pub async fn prune(db: &DatabaseConnection, now: i64) -> Result<(), sea_orm::DbErr> {
    rate_limits::Entity::delete_many()
        .filter(rate_limits::Column::WindowStart.lt(now - 86_400))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Window;

    fn window(current: u64, previous: u64, elapsed: i64) -> Window {
        Window {
            current,
            previous,
            elapsed,
            length: 60,
        }
    }

    #[test]
    fn a_burst_across_a_boundary_is_one_burst() {
        // Ten hits at the end of one window and one just after it: eleven in the last minute.
        // 1 + 10 * 59/60 = 10.8 hits in the last minute.
        let w = window(1, 10, 1);
        assert!(w.judge(10).is_err());
        assert!(w.judge(11).is_ok());
        // Room for one more once the earlier hits have faded to 8 of 10: eleven seconds on.
        assert_eq!(w.judge(10), Err(11));
    }

    #[test]
    fn the_previous_window_fades_out() {
        assert!(window(1, 10, 0).judge(10).is_err());
        assert!(window(1, 10, 30).judge(10).is_ok(), "1 + 10 * 0.5 = 6");
        assert!(window(5, 10, 59).judge(5).is_err(), "5 + 10/60 is past 5");
        assert!(window(5, 10, 59).judge(6).is_ok());
        assert!(window(1, 0, 0).judge(1).is_ok());
    }

    #[test]
    fn retry_after_is_when_the_next_hit_fits() -> Result<(), String> {
        // Three hits this window (just begun), limit two: the window must pass, and then
        // one more second for the fading estimate to leave room for one hit.
        let w = window(3, 0, 0);
        let Err(wait) = w.judge(2) else {
            return Err("three hits are past a limit of two".into());
        };
        let wait = wait as i64;
        assert!(w.estimate(wait) + 1.0 <= 2.0);
        assert!(w.estimate(wait - 1) + 1.0 > 2.0);
        // Never longer than two windows.
        assert!(window(1000, 1000, 0).judge(1).is_err_and(|w| w <= 120));
        Ok(())
    }
}
