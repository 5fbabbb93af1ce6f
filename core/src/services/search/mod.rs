//! Ranked full-text retrieval over a workspace's candidates: SQLite FTS5 (matches scored by BM25
//! over the workspace's candidates alone, `bm25.rs`) or PostgreSQL `tsvector` (`ts_rank`), behind
//! [`find_candidates`]. Both index name, title, skills, summary and resume text (migration
//! `m20261123_000004`), weighting the first three most. A score depends on the workspace's
//! candidates only, never on what other workspaces store.
//!
//! A question becomes a set of plain words (letters and digits only, generic recruiting words
//! dropped), OR-ed together, so neither engine ever sees query syntax from the user.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement, StreamTrait,
};
use types::chat::CandidateHit;
use uuid::Uuid;

use crate::entities::{candidates, resumes};

mod bm25;
mod list;
pub use list::{
    analyze_after_migrations, count_matches, list_page, list_terms, ListCursor, ListOrder, ListPage,
};

/// At most this many words of a question are searched for.
const MAX_TERMS: usize = 12;

/// Retrieval ranks at most this many of the workspace's full-text matches (the most recently
/// indexed on SQLite, any on PostgreSQL) before taking the best few, so its cost does not grow
/// with the collection.
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

/// Candidate ids of `workspace` matching any of `terms`, best first, with their relative score.
async fn rank(
    db: &(impl ConnectionTrait + StreamTrait),
    workspace: Uuid,
    terms: &[String],
    limit: u64,
) -> Result<Vec<(Uuid, f64)>, DbErr> {
    if terms.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let limit = limit.min(i64::MAX as u64) as i64;
    let ranked = match backend {
        DatabaseBackend::Sqlite => rank_own_matches(db, workspace, terms, limit).await?,
        // ts_rank reads each match's whole tsvector: at most RANK_CAP of the workspace's matches
        // (from the GIN index) are ranked. It uses no statistics of other rows.
        DatabaseBackend::Postgres => db
            .query_all(Statement::from_sql_and_values(
                backend,
                "SELECT m.id AS id, ts_rank(m.search_vector, q)::float8 AS score
                 FROM (SELECT c.id, c.created_at, c.search_vector FROM candidates c
                       WHERE c.workspace_id = $2 AND c.search_vector @@ to_tsquery('english', $1)
                       LIMIT $4) m,
                      to_tsquery('english', $1) q
                 ORDER BY score DESC, m.created_at DESC LIMIT $3",
                [
                    terms.join(" | ").into(),
                    workspace.into(),
                    limit.into(),
                    RANK_CAP.into(),
                ],
            ))
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<Uuid>("", "id")?,
                    row.try_get::<f64>("", "score")?,
                ))
            })
            .collect::<Result<Vec<_>, DbErr>>()?,
        DatabaseBackend::MySql => return Err(DbErr::Custom("MySQL is not supported".into())),
    };
    Ok(relative_scores(ranked))
}

/// SQLite: the workspace's best `limit` matches, newer first among equals. FTS5 only finds them
/// (at most [`RANK_CAP`], the most recently indexed first); `bm25()` is not used, as its
/// statistics come from every workspace's resumes. [`bm25`] scores the matches from their fields,
/// with the statistics of the workspace's candidates alone, so nothing another workspace stores can
/// move a score or the order.
async fn rank_own_matches(
    db: &(impl ConnectionTrait + StreamTrait),
    workspace: Uuid,
    terms: &[String],
    limit: i64,
) -> Result<Vec<(Uuid, f64)>, DbErr> {
    let backend = DatabaseBackend::Sqlite;
    let collection = db
        .query_one(Statement::from_sql_and_values(
            backend,
            "SELECT COUNT(*) AS n FROM candidates WHERE workspace_id = $1",
            [workspace.into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let query = bm25::Query::new(terms);
    // Read row by row: only the counts of each match are kept, not its text.
    let (matches, counts) = {
        let rows = db
            .stream(Statement::from_sql_and_values(
                backend,
                "SELECT c.id AS id, c.created_at AS created_at, c.name AS name,
                        c.current_title AS current_title, c.skills AS skills,
                        c.summary AS summary, c.search_text AS search_text
                 FROM candidates_fts CROSS JOIN candidates c
                 WHERE candidates_fts MATCH $1 AND c.id = candidates_fts.candidate_id
                       AND c.workspace_id = $2
                 ORDER BY candidates_fts.rowid DESC LIMIT $3",
                [fts5_query(terms).into(), workspace.into(), RANK_CAP.into()],
            ))
            .await?;
        let mut rows = std::pin::pin!(rows);
        let mut matches: Vec<(Uuid, DateTime<Utc>)> = Vec::new();
        let mut counts = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let field = |column: &str| -> Result<String, DbErr> {
                Ok(row
                    .try_get::<Option<String>>("", column)?
                    .unwrap_or_default())
            };
            counts.push(query.count([
                &field("name")?,
                &field("current_title")?,
                &field("skills")?,
                &field("summary")?,
                &field("search_text")?,
            ]));
            matches.push((row.try_get("", "id")?, row.try_get("", "created_at")?));
        }
        (matches, counts)
    };
    let scores = bm25::scores(&counts, u64::try_from(collection).unwrap_or(0));
    let mut ranked: Vec<(Uuid, DateTime<Utc>, f64)> = matches
        .into_iter()
        .zip(scores)
        .map(|((id, created_at), score)| (id, created_at, score))
        .collect();
    ranked.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    ranked.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(ranked
        .into_iter()
        .map(|(id, _, score)| (id, score))
        .collect())
}

/// Scores relative to the best match (1.0), rounded: the engines' raw figures differ in
/// scale (BM25 can be a millionth when a word is in most resumes).
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

/// A retrieved candidate: what the prompt and the answer need.
#[derive(Clone, Debug)]
pub struct Retrieved {
    pub hit: CandidateHit,
    pub summary: Option<String>,
    /// The resume's extracted text, as written (the searchable text when there is none).
    pub text: String,
}

/// The `limit` best matches of `question` among `workspace`'s candidates, each with a reason.
pub async fn find_candidates(
    db: &(impl ConnectionTrait + StreamTrait),
    workspace: Uuid,
    question: &str,
    limit: u64,
) -> Result<Vec<Retrieved>, DbErr> {
    let terms = search_terms(question);
    let ranked = rank(db, workspace, &terms, limit).await?;
    let ids: Vec<Uuid> = ranked.iter().map(|(id, _)| *id).collect();
    let mut rows: HashMap<Uuid, candidates::Model> = candidates::Entity::find()
        .filter(candidates::Column::WorkspaceId.eq(workspace))
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

/// Loads `ids` of `workspace` (for a follow-up question that reuses the previous answer's
/// candidates), in the given order, keeping their earlier scores and reasons.
pub async fn load_hits(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    hits: &[CandidateHit],
) -> Result<Vec<Retrieved>, DbErr> {
    let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    let mut texts = resume_texts(db, &ids).await?;
    let mut rows: HashMap<Uuid, candidates::Model> = candidates::Entity::find()
        .filter(candidates::Column::WorkspaceId.eq(workspace))
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
