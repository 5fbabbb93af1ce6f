//! Erasure that leaves nothing behind: the candidate's rows (through `resumes::delete_rows`),
//! their processing log and retention rows, and their traces in chat (names, e-mails, phones
//! and lines quoted from their resume become `[erased candidate]`), in one transaction that
//! also audits the erasure (the candidate's id, who and when: nothing personal). Then, on
//! SQLite, the full-text indexes are rewritten without the deleted entries and the write-ahead
//! log is checkpointed and truncated; `secure_delete` (`startup.rs`) has zeroed the freed pages.
use sea_orm::{
    sea_query::{Expr, Func, LikeExpr, Query},
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, Statement,
};
use uuid::Uuid;

use super::scrub::Marks;
use crate::{
    audit::{self, AuditEvent},
    entities::{
        candidate_retention, candidates, conversations, erasure_jobs, messages, resume_versions,
        resumes,
    },
    error::{ServiceError, ServiceResult},
    services::{busy, hiring, resumes as resume_service},
    session::{ClientInfo, Member},
    state::AppState,
};

/// Why a candidate was erased (the audit row's detail says it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Request,
    Retention,
}

impl Why {
    fn as_str(self) -> &'static str {
        match self {
            Self::Request => "on request",
            Self::Retention => "by retention",
        }
    }
}

/// `DELETE /api/v1/candidates/{id}?erase=true`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn erase(
    state: &AppState,
    member: &Member,
    client: &ClientInfo,
    id: Uuid,
) -> ServiceResult<()> {
    member.ensure_can_work()?;
    let candidate = hiring::candidate_in(&state.db, member.workspace_id, id).await?;
    if !erase_candidate(state, candidate, Some(member.id), Why::Request, client).await? {
        return Err(ServiceError::NotFound("Candidate"));
    }
    Ok(())
}

/// Erases `candidate`; `false` when it was already gone (another request or instance erased
/// it first).
pub(super) async fn erase_candidate(
    state: &AppState,
    candidate: candidates::Model,
    actor: Option<Uuid>,
    why: Why,
    client: &ClientInfo,
) -> ServiceResult<bool> {
    let id = candidate.id;
    let marks = marks_of(&state.db, &candidate).await?;
    let txn = busy::begin_write(&state.db).await?;
    if !resume_service::delete_rows(&txn, candidate.workspace_id, id).await? {
        return Ok(false);
    }
    scrub_chat(&txn, candidate.workspace_id, id, &marks).await?;
    super::processing::delete_for(&txn, id).await?;
    candidate_retention::Entity::delete_many()
        .filter(candidate_retention::Column::CandidateId.eq(id))
        .exec(&txn)
        .await?;
    erasure_jobs::Entity::delete_many()
        .filter(erasure_jobs::Column::CandidateId.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        AuditEvent::CandidateErased,
        None,
        Some(format!("candidate {id}, {}", why.as_str())),
        client,
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(candidate_id = %id, why = why.as_str(), "candidate erased");
    compact(&state.db).await;
    Ok(true)
}

/// What identifies the candidate in text: names, e-mails, phones and their resumes' texts.
async fn marks_of(db: &impl ConnectionTrait, c: &candidates::Model) -> Result<Marks, DbErr> {
    let mut texts: Vec<String> = resumes::Entity::find()
        .filter(resumes::Column::CandidateId.eq(c.id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.text)
        .collect();
    texts.extend(
        resume_versions::Entity::find()
            .filter(resume_versions::Column::CandidateId.eq(c.id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.text),
    );
    Ok(Marks::new(c, texts))
}

/// Chat messages and conversation titles of the workspace that name the candidate or list
/// them among an answer's candidates, rewritten.
async fn scrub_chat(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    candidate_id: Uuid,
    marks: &Marks,
) -> Result<(), DbErr> {
    let in_workspace = || {
        Query::select()
            .column(conversations::Column::Id)
            .from(conversations::Entity)
            .and_where(conversations::Column::WorkspaceId.eq(workspace_id))
            .to_owned()
    };
    let mut mentions = sea_orm::Condition::any()
        .add(messages::Column::Candidates.like(format!("%{candidate_id}%")));
    for needle in marks.needles() {
        mentions = mentions.add(contains(messages::Column::Content, &needle));
    }
    let found = messages::Entity::find()
        .filter(Expr::col(messages::Column::ConversationId).in_subquery(in_workspace()))
        .filter(mentions)
        .all(db)
        .await?;
    for m in found {
        let listed = m
            .candidates
            .as_deref()
            .is_some_and(|c| c.contains(&candidate_id.to_string()));
        let content = marks.scrub(&m.content, listed);
        let hits = m.candidates.as_deref().map(|c| drop_hit(c, candidate_id));
        messages::Entity::update_many()
            .col_expr(messages::Column::Content, Expr::value(content))
            .col_expr(messages::Column::Candidates, Expr::value(hits))
            .filter(messages::Column::Id.eq(m.id))
            .exec(db)
            .await?;
    }
    let mut named = sea_orm::Condition::any();
    let mut any = false;
    for needle in marks.needles() {
        named = named.add(contains(conversations::Column::Title, &needle));
        any = true;
    }
    if any {
        for c in conversations::Entity::find()
            .filter(conversations::Column::WorkspaceId.eq(workspace_id))
            .filter(named)
            .all(db)
            .await?
        {
            conversations::Entity::update_many()
                .col_expr(
                    conversations::Column::Title,
                    Expr::value(marks.scrub(&c.title, false)),
                )
                .filter(conversations::Column::Id.eq(c.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// `column` holds `needle`, in any case, as a literal (`%` and `_` escaped).
fn contains(column: impl ColumnTrait, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column)))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// The answer's candidate list without the erased one.
fn drop_hit(json: &str, candidate_id: Uuid) -> String {
    let Ok(serde_json::Value::Array(hits)) = serde_json::from_str::<serde_json::Value>(json) else {
        return "[]".to_owned();
    };
    let kept: Vec<serde_json::Value> = hits
        .into_iter()
        .filter(|h| h.get("id").and_then(|v| v.as_str()) != Some(&candidate_id.to_string()))
        .collect();
    serde_json::to_string(&kept).unwrap_or_else(|_| "[]".to_owned())
}

/// SQLite: the full-text indexes rewritten without deleted entries (FTS5 keeps a deleted row's
/// terms in its segments until they merge), then the write-ahead log copied back and truncated
/// so the old pages are in no file. Failures are logged: the rows are gone either way.
async fn compact(db: &sea_orm::DatabaseConnection) {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return;
    }
    for table in ["candidates_fts", "candidates_trigram"] {
        let optimise = format!("INSERT INTO {table}({table}) VALUES('optimize')");
        let done = busy::retry_if_busy(|| {
            let sql = optimise.clone();
            async move {
                let txn = busy::begin_write(db).await?;
                txn.execute_unprepared(&sql).await?;
                txn.commit().await
            }
        })
        .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, table, "could not rewrite the full-text index after an erasure");
        }
    }
    for attempt in 0..20_u64 {
        let row = db
            .query_one(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await;
        match row {
            Ok(Some(row)) if row.try_get_by_index::<i32>(0).unwrap_or(1) == 0 => return,
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "checkpoint after an erasure"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(25 * (attempt + 1))).await;
    }
    tracing::warn!(
        "could not checkpoint the write-ahead log after an erasure: readers kept it busy"
    );
}
