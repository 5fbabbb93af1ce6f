//! Ranked full-text retrieval over a user's candidates: SQLite FTS5 (`bm25`) or PostgreSQL
//! `tsvector` (`ts_rank`), behind [`find_candidates`]. Both index name, title, skills, summary
//! and resume text (migration `m20261123_000004`), weighting the first three most.
//!
//! A question becomes a set of plain words (letters and digits only, generic recruiting words
//! dropped), OR-ed together, so neither engine ever sees query syntax from the user.
use std::collections::HashMap;

use app::api::chat::CandidateHit;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement, Value,
};
use uuid::Uuid;

use crate::entities::{candidates, resumes};

/// At most this many words of a question are searched for.
const MAX_TERMS: usize = 12;

/// Retrieval ranks at most this many full-text matches (the engine's best on SQLite, any on
/// PostgreSQL) before taking the best few, so its cost does not grow with the collection.
const RANK_CAP: i64 = 1_000;

/// Words that say what is asked, not what to look for; dropped unless nothing else is left.
const GENERIC_WORDS: &[&str] = &[
    "a",
    "about",
    "all",
    "an",
    "and",
    "any",
    "are",
    "at",
    "be",
    "best",
    "can",
    "candidate",
    "candidates",
    "developer",
    "developers",
    "do",
    "does",
    "engineer",
    "engineers",
    "experience",
    "experienced",
    "find",
    "for",
    "from",
    "give",
    "good",
    "has",
    "have",
    "help",
    "how",
    "i",
    "in",
    "is",
    "it",
    "know",
    "knows",
    "list",
    "me",
    "most",
    "my",
    "of",
    "on",
    "or",
    "people",
    "person",
    "please",
    "show",
    "someone",
    "strong",
    "that",
    "the",
    "their",
    "them",
    "to",
    "top",
    "us",
    "want",
    "we",
    "what",
    "which",
    "who",
    "whom",
    "with",
    "years",
    "you",
];

/// The words of a question worth searching for, lower-cased and de-duplicated, in order.
pub fn search_terms(question: &str) -> Vec<String> {
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut specific: Vec<String> = Vec::new();
    for w in words
        .iter()
        .filter(|w| w.chars().count() >= 2 && !GENERIC_WORDS.contains(&w.as_str()))
    {
        if !specific.contains(w) {
            specific.push(w.clone());
        }
    }
    if specific.is_empty() {
        // "Find developers" still searches for something.
        for w in words.iter().filter(|w| w.chars().count() >= 3) {
            if !specific.contains(w) {
                specific.push(w.clone());
            }
        }
    }
    specific.truncate(MAX_TERMS);
    specific
}

/// Candidate ids of `owner` matching any of `terms`, best first, with a positive score.
async fn rank(
    db: &impl ConnectionTrait,
    owner: Uuid,
    terms: &[String],
    limit: u64,
) -> Result<Vec<(Uuid, f64)>, DbErr> {
    if terms.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let limit = limit.min(i64::MAX as u64) as i64;
    let rows = match backend {
        // bm25 is lower-is-better; its column weights follow the table's column order
        // (candidate_id, name, current_title, skills, summary, search_text). FTS5 ranks its
        // matches itself (no join), the best RANK_CAP are then scoped to the owner; only when
        // that leaves too few (other users' resumes ranked first) is every match joined.
        DatabaseBackend::Sqlite => {
            let capped = db
                .query_all(Statement::from_sql_and_values(
                    backend,
                    "SELECT c.id AS id, f.score AS score
                     FROM (SELECT candidate_id,
                                  -bm25(candidates_fts, 0.0, 10.0, 8.0, 8.0, 3.0, 1.0) AS score
                           FROM candidates_fts WHERE candidates_fts MATCH $1
                           ORDER BY score DESC LIMIT $4) f
                     JOIN candidates c ON c.id = f.candidate_id
                     WHERE c.owner_id = $2
                     ORDER BY f.score DESC, c.created_at DESC LIMIT $3",
                    [
                        fts5_query(terms).into(),
                        owner.into(),
                        limit.into(),
                        RANK_CAP.into(),
                    ],
                ))
                .await?;
            if (capped.len() as i64) < limit {
                db.query_all(Statement::from_sql_and_values(
                    backend,
                    "SELECT c.id AS id,
                            -bm25(candidates_fts, 0.0, 10.0, 8.0, 8.0, 3.0, 1.0) AS score
                     FROM candidates_fts JOIN candidates c ON c.id = candidates_fts.candidate_id
                     WHERE candidates_fts MATCH $1 AND c.owner_id = $2
                     ORDER BY score DESC, c.created_at DESC LIMIT $3",
                    [fts5_query(terms).into(), owner.into(), limit.into()],
                ))
                .await?
            } else {
                capped
            }
        }
        // ts_rank reads each match's whole tsvector: at most RANK_CAP of the owner's matches
        // (from the GIN index) are ranked.
        DatabaseBackend::Postgres => {
            db.query_all(Statement::from_sql_and_values(
                backend,
                "SELECT m.id AS id, ts_rank(m.search_vector, q)::float8 AS score
                 FROM (SELECT c.id, c.created_at, c.search_vector FROM candidates c
                       WHERE c.owner_id = $2 AND c.search_vector @@ to_tsquery('english', $1)
                       LIMIT $4) m,
                      to_tsquery('english', $1) q
                 ORDER BY score DESC, m.created_at DESC LIMIT $3",
                [
                    terms.join(" | ").into(),
                    owner.into(),
                    limit.into(),
                    RANK_CAP.into(),
                ],
            ))
            .await?
        }
        DatabaseBackend::MySql => return Err(DbErr::Custom("MySQL is not supported".into())),
    };
    let ranked = rows
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Uuid>("", "id")?,
                row.try_get::<f64>("", "score")?,
            ))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(relative_scores(ranked))
}

/// Scores relative to the best match (1.0), rounded: the engines' raw figures differ in
/// scale (FTS5's bm25 can be a millionth when a word is in most resumes).
fn relative_scores(ranked: Vec<(Uuid, f64)>) -> Vec<(Uuid, f64)> {
    let top = ranked.first().map_or(0.0, |(_, s)| *s);
    ranked
        .into_iter()
        .map(|(id, s)| {
            let relative = if top > 0.0 { s / top } else { 0.0 };
            (id, (relative * 10_000.0).round() / 10_000.0)
        })
        .collect()
}

/// `"python" OR "django"`: every term quoted, so FTS5 reads each as a plain word.
fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

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
/// candidate's searchable text.
pub fn list_terms(q: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in q.to_lowercase().split_whitespace() {
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

/// A retrieved candidate: what the prompt and the answer need.
#[derive(Clone, Debug)]
pub struct Retrieved {
    pub hit: CandidateHit,
    pub summary: Option<String>,
    /// The resume's extracted text, as written (the searchable text when there is none).
    pub text: String,
}

/// The `limit` best matches of `question` among `owner`'s candidates, each with a reason.
pub async fn find_candidates(
    db: &impl ConnectionTrait,
    owner: Uuid,
    question: &str,
    limit: u64,
) -> Result<Vec<Retrieved>, DbErr> {
    let terms = search_terms(question);
    let ranked = rank(db, owner, &terms, limit).await?;
    let ids: Vec<Uuid> = ranked.iter().map(|(id, _)| *id).collect();
    let mut rows: HashMap<Uuid, candidates::Model> = candidates::Entity::find()
        .filter(candidates::Column::OwnerId.eq(owner))
        .filter(candidates::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut texts = resume_texts(db, &ids).await?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, score)| {
            let row = rows.remove(&id)?;
            Some(retrieved(row, texts.remove(&id), score, &terms))
        })
        .collect())
}

/// The extracted resume texts of `ids`, by candidate.
async fn resume_texts(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let rows: Vec<(Uuid, String)> = resumes::Entity::find()
        .select_only()
        .column(resumes::Column::CandidateId)
        .column(resumes::Column::Text)
        .filter(resumes::Column::CandidateId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Loads `ids` of `owner` (for a follow-up question that reuses the previous answer's
/// candidates), in the given order, keeping their earlier scores and reasons.
pub async fn load_hits(
    db: &impl ConnectionTrait,
    owner: Uuid,
    hits: &[CandidateHit],
) -> Result<Vec<Retrieved>, DbErr> {
    let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    let mut texts = resume_texts(db, &ids).await?;
    let mut rows: HashMap<Uuid, candidates::Model> = candidates::Entity::find()
        .filter(candidates::Column::OwnerId.eq(owner))
        .filter(candidates::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(hits
        .iter()
        .filter_map(|h| {
            let row = rows.remove(&h.id)?;
            let mut r = retrieved(row, texts.remove(&h.id), h.score, &[]);
            r.hit.reason.clone_from(&h.reason);
            Some(r)
        })
        .collect())
}

fn retrieved(
    row: candidates::Model,
    resume: Option<String>,
    score: f64,
    terms: &[String],
) -> Retrieved {
    let skills: Vec<String> = serde_json::from_str(&row.skills).unwrap_or_default();
    let name = row
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Unnamed candidate".to_owned());
    let reason = match_reason(
        terms,
        &[
            ("name", row.name.as_deref().unwrap_or_default()),
            ("title", row.current_title.as_deref().unwrap_or_default()),
            ("skills", &skills.join(" ")),
            ("summary", row.summary.as_deref().unwrap_or_default()),
            ("resume", &row.search_text),
        ],
    );
    Retrieved {
        hit: CandidateHit {
            id: row.id,
            name,
            score,
            current_title: row.current_title,
            skills,
            reason,
            cited: false,
        },
        summary: row.summary,
        text: resume.unwrap_or(row.search_text),
    }
}

/// The word without a common English ending, so "developers" is found in "developer".
fn stem(term: &str) -> &str {
    if term.chars().count() <= 4 {
        return term;
    }
    for suffix in ["ers", "ing", "es", "s"] {
        if let Some(stripped) = term.strip_suffix(suffix) {
            return stripped;
        }
    }
    term
}

/// "python in skills and title; django in resume": which fields hold which search words.
pub fn match_reason(terms: &[String], fields: &[(&str, &str)]) -> String {
    let mut parts = Vec::new();
    for term in terms {
        let needle = stem(term);
        let found: Vec<&str> = fields
            .iter()
            .filter(|(_, text)| text.to_lowercase().contains(needle))
            .map(|(field, _)| *field)
            .collect();
        // The resume text repeats every other field; name it only when it is the only one.
        let found: Vec<&str> = if found.len() > 1 {
            found.into_iter().filter(|f| *f != "resume").collect()
        } else {
            found
        };
        match found.as_slice() {
            [] => {}
            [one] => parts.push(format!("{term} in {one}")),
            [init @ .., last] => parts.push(format!("{term} in {} and {last}", init.join(", "))),
        }
    }
    if parts.is_empty() {
        "related wording in the resume".to_owned()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_words_are_dropped() {
        assert_eq!(search_terms("Find Python developers"), ["python"]);
        assert_eq!(
            search_terms("Who knows Rust, Go and PostgreSQL?"),
            ["rust", "go", "postgresql"]
        );
        assert_eq!(search_terms("Find developers"), ["find", "developers"]);
        assert!(search_terms("?? !!").is_empty());
    }

    #[test]
    fn query_syntax_is_not_passed_on() {
        let terms = search_terms(r#"python" OR 1=1; -- NEAR(x* "#);
        assert!(terms.iter().all(|t| t.chars().all(char::is_alphanumeric)));
        assert_eq!(fts5_query(&terms), r#""python" OR "near""#);
    }

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
        assert_eq!(
            trigram_query(&[&"a\"b".to_owned(), &"xyz".to_owned()]),
            "\"a\"\"b\" AND \"xyz\""
        );
    }

    #[test]
    fn reasons_name_the_fields() {
        let terms = vec!["python".to_owned(), "django".to_owned()];
        let reason = match_reason(
            &terms,
            &[
                ("title", "Senior Python Engineer"),
                ("skills", "Python Django"),
                ("resume", "python django ..."),
            ],
        );
        assert_eq!(reason, "python in title and skills; django in skills");
        assert_eq!(
            match_reason(&["kafka".to_owned()], &[("resume", "used kafka")]),
            "kafka in resume"
        );
    }
}
