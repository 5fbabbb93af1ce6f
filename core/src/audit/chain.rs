//! The audit trail as a hash chain: each row stores the previous row's hash and the SHA-256 of
//! that hash and its own content, at a place (`seq`) that a unique index makes one per row. An
//! append reads the last row, computes its hash and inserts at the next place; when another
//! append took that place first (on any instance), it reads again. `verify` walks the chain and
//! names the first row that was altered, inserted or removed.
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict, Query},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entities::{audit_events, settings};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many times an append reads the chain's end again after losing its place to another.
const APPEND_ATTEMPTS: usize = 64;

/// Set once the rows written before the chain existed have been given their places.
const SEALED_SETTING: &str = "audit_chain_sealed";

/// What an event says, before it has a place in the chain.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub event: String,
    pub provider: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Entry {
    fn from_row(row: &audit_events::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            event: row.event.clone(),
            provider: row.provider.clone(),
            detail: row.detail.clone(),
            ip: row.ip.clone(),
            user_agent: row.user_agent.clone(),
            created_at: row.created_at,
        }
    }
}

/// The time as the database gives it back: both engines keep microseconds.
pub fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    let micros = t.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(t)
}

/// SHA-256 (hex) of the previous hash, the place and every field, each written with its
/// length so no two different rows hash the same input.
pub fn row_hash(prev_hash: &str, seq: i64, e: &Entry) -> String {
    let mut h = Sha256::new();
    let mut field = |v: Option<&str>| match v {
        Some(s) => {
            h.update(s.len().to_string().as_bytes());
            h.update(b":");
            h.update(s.as_bytes());
            h.update(b";");
        }
        None => h.update(b"-;"),
    };
    field(Some(prev_hash));
    field(Some(&seq.to_string()));
    field(Some(&e.id.to_string()));
    field(e.user_id.map(|u| u.to_string()).as_deref());
    field(Some(&e.event));
    field(e.provider.as_deref());
    field(e.detail.as_deref());
    field(e.ip.as_deref());
    field(e.user_agent.as_deref());
    field(Some(
        &e.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    ));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The last row of the chain: its place and hash (`(0, GENESIS)` for an empty chain).
async fn chain_end(db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
    let last = audit_events::Entity::find()
        .filter(audit_events::Column::Seq.is_not_null())
        .order_by_desc(audit_events::Column::Seq)
        .limit(1)
        .one(db)
        .await?;
    Ok(match last {
        Some(row) => (
            row.seq.unwrap_or_default(),
            row.hash.unwrap_or_else(|| GENESIS.to_owned()),
        ),
        None => (0, GENESIS.to_owned()),
    })
}

/// Appends `entry` at the chain's end (inside the caller's transaction when there is one).
pub async fn append(db: &impl ConnectionTrait, entry: &Entry) -> Result<(), DbErr> {
    use audit_events::Column as C;
    for attempt in 0..APPEND_ATTEMPTS {
        let (last_seq, prev_hash) = chain_end(db).await?;
        let seq = last_seq + 1;
        let hash = row_hash(&prev_hash, seq, entry);
        let insert = Query::insert()
            .into_table(audit_events::Entity)
            .columns([
                C::Id,
                C::UserId,
                C::Event,
                C::Provider,
                C::Detail,
                C::Ip,
                C::UserAgent,
                C::CreatedAt,
                C::Seq,
                C::PrevHash,
                C::Hash,
            ])
            .values([
                entry.id.into(),
                entry.user_id.into(),
                entry.event.clone().into(),
                entry.provider.clone().into(),
                entry.detail.clone().into(),
                entry.ip.clone().into(),
                entry.user_agent.clone().into(),
                entry.created_at.into(),
                seq.into(),
                prev_hash.into(),
                hash.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .on_conflict(OnConflict::column(C::Seq).do_nothing().to_owned())
            .to_owned();
        let done = db.execute(db.get_database_backend().build(&insert)).await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        // Another append took this place: read the new end and try the next one.
        tokio::time::sleep(std::time::Duration::from_millis(2 * (attempt as u64 % 8))).await;
    }
    Err(DbErr::Custom(
        "the audit trail is too busy: no place in the chain after many attempts".into(),
    ))
}

/// Gives the rows written before the chain existed their places, oldest first. Runs once per
/// database (under the start-up lock); a row without a place found later is reported by
/// [`verify`], not sealed.
pub async fn seal_unchained(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    if settings::Entity::find_by_id(SEALED_SETTING.to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(0);
    }
    let rows = audit_events::Entity::find()
        .filter(audit_events::Column::Seq.is_null())
        .order_by_asc(audit_events::Column::CreatedAt)
        .order_by_asc(audit_events::Column::Id)
        .all(db)
        .await?;
    let (mut seq, mut prev) = chain_end(db).await?;
    let mut sealed = 0;
    for row in rows {
        seq += 1;
        let hash = row_hash(&prev, seq, &Entry::from_row(&row));
        audit_events::Entity::update_many()
            .col_expr(audit_events::Column::Seq, Expr::value(seq))
            .col_expr(audit_events::Column::PrevHash, Expr::value(prev.clone()))
            .col_expr(audit_events::Column::Hash, Expr::value(hash.clone()))
            .filter(audit_events::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        prev = hash;
        sealed += 1;
    }
    settings::Entity::insert(settings::ActiveModel {
        name: sea_orm::Set(SEALED_SETTING.to_owned()),
        value: sea_orm::Set("1".to_owned()),
    })
    .on_conflict(
        OnConflict::column(settings::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    Ok(sealed)
}

/// What a walk of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every row is where it belongs and unchanged.
    Intact { rows: u64 },
    /// The first row found wrong, and how.
    Broken {
        seq: Option<i64>,
        id: Option<Uuid>,
        problem: String,
    },
}

/// Rows are read this many at a time.
const PAGE: u64 = 1000;

/// Walks the chain from its first row and stops at the first one that was altered, inserted
/// or removed (or a row outside the chain).
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verdict, DbErr> {
    let outside = audit_events::Entity::find()
        .filter(audit_events::Column::Seq.is_null())
        .one(db)
        .await?;
    let mut expected_seq = 1_i64;
    let mut prev_hash = GENESIS.to_owned();
    let mut rows = 0_u64;
    loop {
        let page = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_events::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            let seq = row.seq.unwrap_or_default();
            if seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: Some(expected_seq),
                    id: None,
                    problem: format!(
                        "row {expected_seq} is missing (removed): the chain goes on at row {seq} (id {})",
                        row.id
                    ),
                });
            }
            let own = row_hash(
                row.prev_hash.as_deref().unwrap_or_default(),
                seq,
                &Entry::from_row(row),
            );
            if row.hash.as_deref() != Some(own.as_str()) {
                return Ok(Verdict::Broken {
                    seq: Some(seq),
                    id: Some(row.id),
                    problem: format!(
                        "row {seq} (id {}) was altered: its content does not match its hash",
                        row.id
                    ),
                });
            }
            if row.prev_hash.as_deref() != Some(prev_hash.as_str()) {
                return Ok(Verdict::Broken {
                    seq: Some(seq),
                    id: Some(row.id),
                    problem: format!(
                        "row {seq} (id {}) was inserted or moved: it does not follow row {}",
                        row.id,
                        seq - 1
                    ),
                });
            }
            prev_hash = own;
            expected_seq += 1;
            rows += 1;
        }
    }
    if let Some(row) = outside {
        return Ok(Verdict::Broken {
            seq: None,
            id: Some(row.id),
            problem: format!(
                "row id {} is outside the chain (written without a place: inserted by hand)",
                row.id
            ),
        });
    }
    Ok(Verdict::Intact { rows })
}
