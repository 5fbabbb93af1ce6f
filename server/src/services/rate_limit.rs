//! Fixed-window counters in the database, so every instance behind a load balancer shares them.
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};

use crate::entities::rate_limits;

/// Counts one hit in `bucket`; `Err(seconds until the window resets)` past `limit`.
pub async fn hit(
    db: &DatabaseConnection,
    bucket: &str,
    window_secs: i64,
    limit: u32,
    now: i64,
) -> Result<Result<(), u64>, sea_orm::DbErr> {
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
    let hits = rate_limits::Entity::find_by_id((bucket.to_owned(), window_start))
        .one(db)
        .await?
        .map(|r| r.hits)
        .unwrap_or(1);
    if hits as i64 > limit as i64 {
        Ok(Err((window_start + window_secs - now).max(1) as u64))
    } else {
        Ok(Ok(()))
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
