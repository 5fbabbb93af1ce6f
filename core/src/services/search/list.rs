//! The Candidates list: substring search through the trigram indexes (FTS5 `trigram` on
//! SQLite, `pg_trgm` on PostgreSQL), relevance then newest, and keyset paging with an opaque
//! cursor.
//!
//! Ranking reads every match, so a search matching a large share of a big pool (tens of
//! thousands of rows) would cost a second or more. Before ranking, the workspace's newest
//! [`SAMPLE_ROWS`] candidates are tested: when they predict at least [`RANKED_MATCHES_MAX`]
//! matches, the page walks the workspace's candidates newest first through the
//! `(workspace_id, created_at, id)` index instead, keeping the matches, and says so
//! ([`ListOrder::Newest`]); its total is then the sample's estimate.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
pub use types::candidates::ListOrder;
use uuid::Uuid;

use super::MAX_TERMS;

/// How many of the workspace's newest candidates are tested to estimate how many match.
const SAMPLE_ROWS: u64 = 1_000;

/// The most matches a search ranks; above it (as estimated) the list is newest first. Ranking
/// this many stays well within the list's budget on both engines.
const RANKED_MATCHES_MAX: u64 = 5_000;

/// Bounds of one step of the newest-first walk, in candidates read.
const WALK_CHUNK_MIN: u64 = 64;
const WALK_CHUNK_MAX: u64 = 5_000;

/// The score field of a cursor of the newest-first order (relevance scores are never negative).
const NEWEST_MARK: i64 = -1;

/// Where a page of the candidate list ends: the order it belongs to and the sort key of its
/// last row. Written as 64 hex digits (relevance, or all `f` for the newest-first order;
/// creation time in nanoseconds; id), opaque to clients; any such string is a valid position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListCursor {
    /// The order the next page continues: a search's order is chosen on its first page only.
    pub order: ListOrder,
    /// The relevance score (0 in the newest-first order).
    pub score: i64,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl ListCursor {
    pub fn encode(&self) -> String {
        let score = match self.order {
            ListOrder::Newest => NEWEST_MARK,
            ListOrder::Relevance => self.score.max(0),
        };
        let nanos =
            self.created_at
                .timestamp_nanos_opt()
                .unwrap_or(if self.created_at.timestamp() < 0 {
                    i64::MIN
                } else {
                    i64::MAX
                });
        format!("{:016x}{:016x}{}", score, nanos, self.id.simple())
    }

    pub fn decode(text: &str) -> Option<Self> {
        if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let score = u64::from_str_radix(text.get(..16)?, 16).ok()? as i64;
        let nanos = u64::from_str_radix(text.get(16..32)?, 16).ok()? as i64;
        let id = Uuid::parse_str(text.get(32..)?).ok()?;
        let (order, score) = if score < 0 {
            (ListOrder::Newest, 0)
        } else {
            (ListOrder::Relevance, score)
        };
        Some(Self {
            order,
            score,
            created_at: DateTime::from_timestamp_nanos(nanos),
            id,
        })
    }
}

/// One page of a workspace's candidate list: ids in order, whether more follow, the total when it
/// was known without another query, and the order of the page.
pub struct ListPage {
    pub rows: Vec<ListCursor>,
    pub more: bool,
    pub total: Option<u64>,
    /// `total` is estimated from a sample (a newest-first search of a large pool).
    pub total_estimated: bool,
    pub order: ListOrder,
}

/// What the Candidates page searches for: the lower-cased words of `q` (at most
/// [`MAX_TERMS`], de-duplicated). Every word must be found, as a substring, in the
/// candidate's searchable text. Control characters separate words like spaces: stored text has
/// none, and PostgreSQL refuses a NUL in a query parameter.
pub fn list_terms(q: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let lower = q.to_lowercase();
    let words = lower
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty());
    for word in words {
        if !terms.iter().any(|t| t == word) {
            terms.push(word.to_owned());
        }
    }
    terms.truncate(MAX_TERMS);
    terms
}

/// Escapes LIKE's wildcards and the escape character itself (`\`).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `"kube" AND "o""brien"`: each word one quoted phrase, which the trigram tokenizer reads as
/// a literal substring.
fn trigram_query(terms: &[&String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// One page of `workspace`'s candidates: newest first, or, with `terms`, those containing every
/// term, most relevant first (a term in the name counts 4, in email, title or skills 2), then
/// newest; or, when a search matches too many to rank (see the module's documentation), the
/// matches newest first. A cursor's page continues the cursor's order. After `cursor` when
/// given, else after skipping `offset`; `limit` rows at most.
///
/// Ranked words of three characters or more are found through an index: the FTS5 trigram
/// table on SQLite, the `pg_trgm` GIN index on PostgreSQL (a plain scan of the workspace's rows
/// without it). Shorter words add a `LIKE` over the rows those select (or over the workspace's
/// rows).
pub async fn list_page(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    terms: &[String],
    cursor: Option<ListCursor>,
    offset: u64,
    limit: u64,
) -> Result<ListPage, DbErr> {
    let backend = db.get_database_backend();
    if matches!(backend, DatabaseBackend::MySql) {
        return Err(DbErr::Custom("MySQL is not supported".into()));
    }
    let offset = if cursor.is_some() { 0 } else { offset };
    if terms.is_empty() {
        return unfiltered_page(db, workspace, cursor, offset, limit).await;
    }
    let order = match cursor {
        Some(cur) => cur.order,
        None => {
            let share = sample_matches(db, workspace, terms).await?;
            if share.estimate() >= RANKED_MATCHES_MAX {
                return newest_matches_page(db, workspace, terms, None, offset, limit, share).await;
            }
            ListOrder::Relevance
        }
    };
    match order {
        ListOrder::Relevance => ranked_page(db, workspace, terms, cursor, offset, limit).await,
        ListOrder::Newest => {
            let share = sample_matches(db, workspace, terms).await?;
            newest_matches_page(db, workspace, terms, cursor, offset, limit, share).await
        }
    }
}

/// The whole list, newest first.
async fn unfiltered_page(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    cursor: Option<ListCursor>,
    offset: u64,
    limit: u64,
) -> Result<ListPage, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![workspace.into()];
    let after = match cursor {
        Some(cur) => {
            values.push(cur.created_at.into());
            values.push(cur.id.into());
            "AND (c.created_at, c.id) < ($2, $3)"
        }
        None => "",
    };
    values.push(fetch_count(limit).into());
    let l = values.len();
    values.push((offset.min(i64::MAX as u64) as i64).into());
    let o = values.len();
    let sql = format!(
        "SELECT c.id AS id, c.created_at AS created_at
         FROM candidates c WHERE c.workspace_id = $1 {after}
         ORDER BY c.created_at DESC, c.id DESC LIMIT ${l} OFFSET ${o}"
    );
    let found = db
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        rows.push(ListCursor {
            order: ListOrder::Newest,
            score: 0,
            created_at: row.try_get::<DateTime<Utc>>("", "created_at")?,
            id: row.try_get::<Uuid>("", "id")?,
        });
    }
    Ok(finish_page(rows, limit, None, false, ListOrder::Newest))
}

/// The matches of `terms`, most relevant first, then newest.
async fn ranked_page(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    terms: &[String],
    cursor: Option<ListCursor>,
    offset: u64,
    limit: u64,
) -> Result<ListPage, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![workspace.into()];
    let param = |values: &mut Vec<Value>, v: Value| {
        values.push(v);
        format!("${}", values.len())
    };
    let mut conditions = Vec::new();
    let mut score = Vec::new();
    let mut long: Vec<&String> = Vec::new();
    for term in terms {
        let p = param(&mut values, like_pattern(term).into());
        score.push(format!(
            "CASE WHEN lower(coalesce(c.name, '')) LIKE {p} ESCAPE '\\' THEN 4 ELSE 0 END
             + CASE WHEN lower(coalesce(c.email, '') || ' ' || coalesce(c.current_title, '')
                 || ' ' || c.skills) LIKE {p} ESCAPE '\\' THEN 2 ELSE 0 END"
        ));
        if term.chars().count() >= 3 && backend == DatabaseBackend::Sqlite {
            long.push(term);
        } else {
            conditions.push(format!("c.search_text LIKE {p} ESCAPE '\\'"));
        }
    }
    // `+c.workspace_id` keeps SQLite from walking the workspace's index when the trigram table
    // has already narrowed the ids.
    let scope_condition = if long.is_empty() {
        "c.workspace_id = $1"
    } else {
        let m = param(&mut values, trigram_query(&long).into());
        conditions.insert(
            0,
            format!(
                "c.id IN (SELECT candidate_id FROM candidates_trigram
                          WHERE candidates_trigram MATCH {m})"
            ),
        );
        "+c.workspace_id = $1"
    };
    let after = match cursor {
        Some(cur) => {
            let s = param(&mut values, cur.score.into());
            let t = param(&mut values, cur.created_at.into());
            let i = param(&mut values, cur.id.into());
            format!("WHERE (m.score, m.created_at, m.id) < ({s}, {t}, {i})")
        }
        None => String::new(),
    };
    let l = param(&mut values, fetch_count(limit).into());
    let o = param(&mut values, (offset.min(i64::MAX as u64) as i64).into());
    let sql = format!(
        "SELECT m.id AS id, m.created_at AS created_at, m.score AS score, m.total AS total
         FROM (SELECT c.id AS id, c.created_at AS created_at,
                      CAST({} AS BIGINT) AS score, count(*) OVER () AS total
               FROM candidates c WHERE {scope_condition} AND {}) m
         {after}
         ORDER BY m.score DESC, m.created_at DESC, m.id DESC LIMIT {l} OFFSET {o}",
        score.join(" + "),
        conditions.join(" AND "),
    );
    let found = db
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut total = None;
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        if total.is_none() {
            total = Some(row.try_get::<i64>("", "total")?.max(0) as u64);
        }
        rows.push(ListCursor {
            order: ListOrder::Relevance,
            score: row.try_get::<i64>("", "score")?,
            created_at: row.try_get::<DateTime<Utc>>("", "created_at")?,
            id: row.try_get::<Uuid>("", "id")?,
        });
    }
    // A cursor's page counts from the cursor, not from the first match.
    if cursor.is_some() {
        total = None;
    }
    Ok(finish_page(rows, limit, total, false, ListOrder::Relevance))
}

/// What the workspace's newest candidates say about how many match a search.
#[derive(Clone, Copy, Debug)]
struct MatchShare {
    /// Candidates tested: [`SAMPLE_ROWS`], or all of the workspace's when fewer.
    sampled: u64,
    matched: u64,
    /// All of the workspace's candidates (counted only when the sample is full).
    pool: u64,
}

impl MatchShare {
    /// The sample covered every candidate of the workspace, so `matched` is the count.
    fn exact(&self) -> bool {
        self.sampled < SAMPLE_ROWS
    }

    fn estimate(&self) -> u64 {
        if self.exact() || self.sampled == 0 {
            return self.matched;
        }
        (u128::from(self.matched) * u128::from(self.pool) / u128::from(self.sampled))
            .min(u128::from(u64::MAX)) as u64
    }
}

/// Tests the workspace's newest [`SAMPLE_ROWS`] candidates against `terms` (a walk of the
/// `(workspace_id, created_at, id)` index, whatever the words), and counts the workspace's
/// candidates when the sample is full.
async fn sample_matches(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    terms: &[String],
) -> Result<MatchShare, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![workspace.into(), (SAMPLE_ROWS as i64).into()];
    let test = like_conditions(&mut values, terms, "s.search_text");
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT CAST(count(*) AS BIGINT) AS sampled,
                        CAST(coalesce(sum(CASE WHEN {test} THEN 1 ELSE 0 END), 0) AS BIGINT)
                            AS matched
                 FROM (SELECT c.search_text AS search_text FROM candidates c
                       WHERE c.workspace_id = $1
                       ORDER BY c.created_at DESC, c.id DESC LIMIT $2) s"
            ),
            values,
        ))
        .await?;
    let (sampled, matched) = match row {
        Some(row) => (
            row.try_get::<i64>("", "sampled")?.max(0) as u64,
            row.try_get::<i64>("", "matched")?.max(0) as u64,
        ),
        None => (0, 0),
    };
    let mut share = MatchShare {
        sampled,
        matched,
        pool: sampled,
    };
    if !share.exact() && matched > 0 {
        let row = db
            .query_one(Statement::from_sql_and_values(
                backend,
                "SELECT count(*) AS n FROM candidates WHERE workspace_id = $1",
                [workspace.into()],
            ))
            .await?;
        share.pool = row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0)
            .max(0) as u64;
    }
    Ok(share)
}

/// The matches of `terms`, newest first: the workspace's candidates read in steps through the
/// `(workspace_id, created_at, id)` index, each step sized by `share` to hold a page of matches,
/// and tested with `LIKE`. Stepping from Rust keeps each statement's plan an index walk on
/// both engines, whatever the planner guesses about the words.
async fn newest_matches_page(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    terms: &[String],
    cursor: Option<ListCursor>,
    offset: u64,
    limit: u64,
    share: MatchShare,
) -> Result<ListPage, DbErr> {
    let backend = db.get_database_backend();
    let fetch = fetch_count(limit) as u64;
    let wanted = offset.saturating_add(fetch);
    // Read enough for a page at the sampled share, with a margin.
    let mut chunk = if share.matched == 0 {
        WALK_CHUNK_MAX
    } else {
        wanted
            .saturating_mul(share.sampled.max(1))
            .saturating_mul(5)
            / share.matched.saturating_mul(4)
    }
    .clamp(WALK_CHUNK_MIN, WALK_CHUNK_MAX);
    let mut after = cursor.map(|c| (c.created_at, c.id));
    let mut skipped = 0u64;
    let mut rows = Vec::new();
    loop {
        let mut values: Vec<Value> = vec![workspace.into()];
        let position = match after {
            Some((created_at, id)) => {
                values.push(created_at.into());
                values.push(id.into());
                "AND (c.created_at, c.id) < ($2, $3)"
            }
            None => "",
        };
        values.push((chunk as i64).into());
        let l = values.len();
        let test = like_conditions(&mut values, terms, "s.search_text");
        let found = db
            .query_all(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT s.id AS id, s.created_at AS created_at,
                            CAST(CASE WHEN {test} THEN 1 ELSE 0 END AS BIGINT) AS hit
                     FROM (SELECT c.id AS id, c.created_at AS created_at,
                                  c.search_text AS search_text
                           FROM candidates c WHERE c.workspace_id = $1 {position}
                           ORDER BY c.created_at DESC, c.id DESC LIMIT ${l}) s
                     ORDER BY s.created_at DESC, s.id DESC"
                ),
                values,
            ))
            .await?;
        for row in &found {
            let key = (
                row.try_get::<DateTime<Utc>>("", "created_at")?,
                row.try_get::<Uuid>("", "id")?,
            );
            after = Some(key);
            if row.try_get::<i64>("", "hit")? == 0 {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            rows.push(ListCursor {
                order: ListOrder::Newest,
                score: 0,
                created_at: key.0,
                id: key.1,
            });
            if rows.len() as u64 >= fetch {
                break;
            }
        }
        if rows.len() as u64 >= fetch || (found.len() as u64) < chunk {
            break;
        }
        chunk = chunk.saturating_mul(2).min(WALK_CHUNK_MAX);
    }
    let total = share.estimate();
    Ok(finish_page(
        rows,
        limit,
        Some(total),
        !share.exact(),
        ListOrder::Newest,
    ))
}

/// `limit + 1` rows are read, to know whether another page follows.
fn fetch_count(limit: u64) -> i64 {
    limit.saturating_add(1).min(i64::MAX as u64) as i64
}

fn finish_page(
    mut rows: Vec<ListCursor>,
    limit: u64,
    total: Option<u64>,
    total_estimated: bool,
    order: ListOrder,
) -> ListPage {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit.min(usize::MAX as u64) as usize);
    ListPage {
        rows,
        more,
        total,
        total_estimated,
        order,
    }
}

/// `%term%` with LIKE's wildcards escaped.
fn like_pattern(term: &str) -> String {
    format!("%{}%", escape_like(term))
}

/// `column LIKE $n ESCAPE '\' AND …`, one per term, its patterns appended to `values`.
fn like_conditions(values: &mut Vec<Value>, terms: &[String], column: &str) -> String {
    terms
        .iter()
        .map(|term| {
            values.push(like_pattern(term).into());
            format!("{column} LIKE ${} ESCAPE '\\'", values.len())
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Refreshes the planner's statistics on PostgreSQL (`ANALYZE`), for after migrations that
/// changed something or a large import: until autovacuum gets to it, a freshly filled table
/// has none, and the list's plans (index walks in the list's order) are mis-costed. SQLite
/// does nothing: its list queries are shaped so that no statistics are needed.
pub async fn analyze_after_migrations(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// How many candidates `workspace` has matching `terms` (the same test as [`list_page`]).
pub async fn count_matches(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    terms: &[String],
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![workspace.into()];
    let mut conditions = vec!["c.workspace_id = $1".to_owned()];
    let mut long: Vec<&String> = Vec::new();
    for term in terms {
        if term.chars().count() >= 3 && backend == DatabaseBackend::Sqlite {
            long.push(term);
        } else {
            values.push(format!("%{}%", escape_like(term)).into());
            conditions.push(format!("c.search_text LIKE ${} ESCAPE '\\'", values.len()));
        }
    }
    if !long.is_empty() {
        values.push(trigram_query(&long).into());
        conditions[0] = "+c.workspace_id = $1".to_owned();
        conditions.push(format!(
            "c.id IN (SELECT candidate_id FROM candidates_trigram
                      WHERE candidates_trigram MATCH ${})",
            values.len()
        ));
    }
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT count(*) AS n FROM candidates c WHERE {}",
                conditions.join(" AND ")
            ),
            values,
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        .max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_scales_the_sample_to_the_pool() {
        let share = |sampled, matched, pool| MatchShare {
            sampled,
            matched,
            pool,
        };
        // The whole pool was read: the count is exact.
        assert_eq!(share(300, 280, 300).estimate(), 280);
        assert!(share(300, 280, 300).exact());
        assert_eq!(share(SAMPLE_ROWS, 900, 100_000).estimate(), 90_000);
        assert!(!share(SAMPLE_ROWS, 900, 100_000).exact());
        assert_eq!(share(SAMPLE_ROWS, 0, 0).estimate(), 0);
    }

    #[test]
    fn cursors_round_trip_and_any_hex_is_one() {
        let cursor = ListCursor {
            order: ListOrder::Relevance,
            score: 6,
            created_at: DateTime::from_timestamp_nanos(1_764_450_000_123_456_789),
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        };
        let text = cursor.encode();
        assert_eq!(text.len(), 64);
        assert_eq!(ListCursor::decode(&text), Some(cursor));
        // The newest-first order survives the round trip: page 2 keeps page 1's order.
        let newest = ListCursor {
            order: ListOrder::Newest,
            score: 0,
            ..cursor
        };
        let text = newest.encode();
        assert!(text.starts_with("ffffffffffffffff"));
        assert_eq!(ListCursor::decode(&text), Some(newest));
        assert!(ListCursor::decode(&"f".repeat(64)).is_some());
        assert!(ListCursor::decode(&"F".repeat(64)).is_none());
        assert!(ListCursor::decode("abc").is_none());
    }

    #[test]
    fn list_terms_split_on_spaces_and_keep_punctuation() {
        assert_eq!(list_terms("  Kube  TERRAF kube "), ["kube", "terraf"]);
        assert_eq!(list_terms("o'brien 50%"), ["o'brien", "50%"]);
        assert_eq!(list_terms("Òm\u{0}Ö\u{1c}x"), ["òm", "ö", "x"]);
        assert_eq!(
            trigram_query(&[&"a\"b".to_owned(), &"xyz".to_owned()]),
            "\"a\"\"b\" AND \"xyz\""
        );
    }
}
