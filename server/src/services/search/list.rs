//! The Candidates list: substring search through the trigram indexes (FTS5 `trigram` on
//! SQLite, `pg_trgm` on PostgreSQL), relevance then newest, and keyset paging with an opaque
//! cursor.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use uuid::Uuid;

use super::MAX_TERMS;

/// Where a page of the candidate list ends: the sort key of its last row. Written as 64 hex
/// digits (relevance, creation time in nanoseconds, id), opaque to clients; any such string
/// is a valid position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListCursor {
    /// The relevance score (0 when not searching).
    pub score: i64,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl ListCursor {
    pub fn encode(&self) -> String {
        let nanos =
            self.created_at
                .timestamp_nanos_opt()
                .unwrap_or(if self.created_at.timestamp() < 0 {
                    i64::MIN
                } else {
                    i64::MAX
                });
        format!("{:016x}{:016x}{}", self.score, nanos, self.id.simple())
    }

    pub fn decode(text: &str) -> Option<Self> {
        if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let score = u64::from_str_radix(text.get(..16)?, 16).ok()? as i64;
        let nanos = u64::from_str_radix(text.get(16..32)?, 16).ok()? as i64;
        let id = Uuid::parse_str(text.get(32..)?).ok()?;
        Some(Self {
            score,
            created_at: DateTime::from_timestamp_nanos(nanos),
            id,
        })
    }
}

/// One page of a user's candidate list: ids in order, whether more follow, and the total
/// when it was known without another query.
pub struct ListPage {
    pub rows: Vec<ListCursor>,
    pub more: bool,
    pub total: Option<u64>,
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

/// One page of `owner`'s candidates: newest first, or, with `terms`, those containing every
/// term, most relevant first (a term in the name counts 4, in email, title or skills 2), then
/// newest. After `cursor` when given, else after skipping `offset`; `limit` rows at most.
///
/// Words of three characters or more are found through an index: the FTS5 trigram table on
/// SQLite, the `pg_trgm` GIN index on PostgreSQL (a plain scan of the owner's rows without
/// it). Shorter words add a `LIKE` over the rows those select (or over the owner's rows).
pub async fn list_page(
    db: &impl ConnectionTrait,
    owner: Uuid,
    terms: &[String],
    cursor: Option<ListCursor>,
    offset: u64,
    limit: u64,
) -> Result<ListPage, DbErr> {
    let backend = db.get_database_backend();
    if matches!(backend, DatabaseBackend::MySql) {
        return Err(DbErr::Custom("MySQL is not supported".into()));
    }
    let mut values: Vec<Value> = vec![owner.into()];
    let param = |values: &mut Vec<Value>, v: Value| {
        values.push(v);
        format!("${}", values.len())
    };
    let fetch = limit.saturating_add(1).min(i64::MAX as u64) as i64;
    let offset = if cursor.is_some() {
        0
    } else {
        offset.min(i64::MAX as u64) as i64
    };
    let searching = !terms.is_empty();
    let sql = if searching {
        let mut conditions = Vec::new();
        let mut score = Vec::new();
        let mut long: Vec<&String> = Vec::new();
        for term in terms {
            let p = param(&mut values, format!("%{}%", escape_like(term)).into());
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
        // `+c.owner_id` keeps SQLite from walking the owner's index when the trigram table
        // has already narrowed the ids.
        let owner_condition = if long.is_empty() {
            "c.owner_id = $1"
        } else {
            let m = param(&mut values, trigram_query(&long).into());
            conditions.insert(
                0,
                format!(
                    "c.id IN (SELECT candidate_id FROM candidates_trigram
                              WHERE candidates_trigram MATCH {m})"
                ),
            );
            "+c.owner_id = $1"
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
        let l = param(&mut values, fetch.into());
        let o = param(&mut values, offset.into());
        format!(
            "SELECT m.id AS id, m.created_at AS created_at, m.score AS score, m.total AS total
             FROM (SELECT c.id AS id, c.created_at AS created_at,
                          CAST({} AS BIGINT) AS score, count(*) OVER () AS total
                   FROM candidates c WHERE {owner_condition} AND {}) m
             {after}
             ORDER BY m.score DESC, m.created_at DESC, m.id DESC LIMIT {l} OFFSET {o}",
            score.join(" + "),
            conditions.join(" AND "),
        )
    } else {
        let after = match cursor {
            Some(cur) => {
                let t = param(&mut values, cur.created_at.into());
                let i = param(&mut values, cur.id.into());
                format!("AND (c.created_at, c.id) < ({t}, {i})")
            }
            None => String::new(),
        };
        let l = param(&mut values, fetch.into());
        let o = param(&mut values, offset.into());
        format!(
            "SELECT c.id AS id, c.created_at AS created_at, CAST(0 AS BIGINT) AS score
             FROM candidates c WHERE c.owner_id = $1 {after}
             ORDER BY c.created_at DESC, c.id DESC LIMIT {l} OFFSET {o}"
        )
    };
    let found = db
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut total = None;
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        if searching && total.is_none() {
            total = Some(row.try_get::<i64>("", "total")?.max(0) as u64);
        }
        rows.push(ListCursor {
            score: row.try_get::<i64>("", "score")?,
            created_at: row.try_get::<DateTime<Utc>>("", "created_at")?,
            id: row.try_get::<Uuid>("", "id")?,
        });
    }
    let more = rows.len() as u64 > limit;
    rows.truncate(limit.min(usize::MAX as u64) as usize);
    // A cursor's page counts from the cursor, not from the first match.
    if cursor.is_some() {
        total = None;
    }
    Ok(ListPage { rows, more, total })
}

/// How many candidates `owner` has matching `terms` (the same test as [`list_page`]).
pub async fn count_matches(
    db: &impl ConnectionTrait,
    owner: Uuid,
    terms: &[String],
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![owner.into()];
    let mut conditions = vec!["c.owner_id = $1".to_owned()];
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
        conditions[0] = "+c.owner_id = $1".to_owned();
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
    fn cursors_round_trip_and_any_hex_is_one() {
        let cursor = ListCursor {
            score: 6,
            created_at: DateTime::from_timestamp_nanos(1_764_450_000_123_456_789),
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        };
        let text = cursor.encode();
        assert_eq!(text.len(), 64);
        assert_eq!(ListCursor::decode(&text), Some(cursor));
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
