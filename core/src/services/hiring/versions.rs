//! A candidate's resume versions: the current one (`resumes`, which analysis, search and chat
//! read) and the earlier ones (`resume_versions`), newest first, each downloadable. An earlier
//! version can be deleted; the current one goes only with the candidate.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Alias, Expr, Func},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use types::hiring::{ResumeVersion, ResumeVersionList};
use uuid::Uuid;

use super::{
    candidate_in,
    events::{self, Event, EventKind},
};
use crate::{
    entities::{resume_versions, resumes},
    error::{ServiceError, ServiceResult},
    services::busy,
    session::Member,
    state::AppState,
};

#[derive(FromQueryResult)]
struct VersionRow {
    id: Uuid,
    file_name: String,
    content_type: String,
    file_size: i64,
    created_at: DateTime<Utc>,
}

/// `GET /api/v1/candidates/{id}/resumes`: newest first.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn list(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
) -> ServiceResult<ResumeVersionList> {
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let bigint = || Alias::new("BIGINT");
    let size = |col: Expr| Expr::expr(Func::cust(Alias::new("LENGTH")).arg(col)).cast_as(bigint());
    let current: Vec<VersionRow> = resumes::Entity::find()
        .select_only()
        .column(resumes::Column::Id)
        .column(resumes::Column::FileName)
        .column(resumes::Column::ContentType)
        .column_as(size(Expr::col(resumes::Column::Bytes)), "file_size")
        .column(resumes::Column::CreatedAt)
        .filter(resumes::Column::CandidateId.eq(candidate_id))
        .into_model()
        .all(&state.db)
        .await?;
    let earlier: Vec<VersionRow> = resume_versions::Entity::find()
        .select_only()
        .column(resume_versions::Column::Id)
        .column(resume_versions::Column::FileName)
        .column(resume_versions::Column::ContentType)
        .column_as(size(Expr::col(resume_versions::Column::Bytes)), "file_size")
        .column(resume_versions::Column::CreatedAt)
        .filter(resume_versions::Column::CandidateId.eq(candidate_id))
        .into_model()
        .all(&state.db)
        .await?;
    let dto = |r: VersionRow, current: bool| ResumeVersion {
        download_url: format!("/api/v1/candidates/{candidate_id}/resumes/{}", r.id),
        id: r.id,
        file_name: r.file_name,
        content_type: r.content_type,
        file_size: r.file_size.max(0) as u64,
        current,
        uploaded_at: r.created_at.into(),
    };
    let mut items: Vec<ResumeVersion> = current
        .into_iter()
        .map(|r| dto(r, true))
        .chain(earlier.into_iter().map(|r| dto(r, false)))
        .collect();
    items.sort_by(|a, b| {
        b.current
            .cmp(&a.current)
            .then_with(|| b.uploaded_at.cmp(&a.uploaded_at))
    });
    Ok(ResumeVersionList { items })
}

/// A version's file.
pub struct VersionFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// `GET /api/v1/candidates/{id}/resumes/{version}`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn download(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
    version: Uuid,
) -> ServiceResult<VersionFile> {
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    if let Some(r) = resumes::Entity::find_by_id(version)
        .filter(resumes::Column::CandidateId.eq(candidate_id))
        .one(&state.db)
        .await?
    {
        return Ok(VersionFile {
            file_name: r.file_name,
            content_type: r.content_type,
            bytes: r.bytes,
        });
    }
    let r = resume_versions::Entity::find_by_id(version)
        .filter(resume_versions::Column::CandidateId.eq(candidate_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Resume version"))?;
    Ok(VersionFile {
        file_name: r.file_name,
        content_type: r.content_type,
        bytes: r.bytes,
    })
}

/// `DELETE /api/v1/candidates/{id}/resumes/{version}`: an earlier version; the current one is
/// a 409.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn delete(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
    version: Uuid,
) -> ServiceResult<()> {
    member.ensure_can_work()?;
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let is_current = resumes::Entity::find_by_id(version)
        .filter(resumes::Column::CandidateId.eq(candidate_id))
        .one(&state.db)
        .await?
        .is_some();
    if is_current {
        return Err(ServiceError::Conflict(
            "The current resume version cannot be deleted: upload a newer one first, or delete the candidate".into(),
        ));
    }
    let file_name: String = resume_versions::Entity::find_by_id(version)
        .select_only()
        .column(resume_versions::Column::FileName)
        .filter(resume_versions::Column::CandidateId.eq(candidate_id))
        .into_tuple()
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Resume version"))?;
    let now = state.clock.now();
    let txn = busy::begin_write(&state.db).await?;
    let gone = resume_versions::Entity::delete_many()
        .filter(resume_versions::Column::Id.eq(version))
        .filter(resume_versions::Column::CandidateId.eq(candidate_id))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(ServiceError::NotFound("Resume version"));
    }
    events::record(
        &txn,
        Event {
            workspace_id: member.workspace_id,
            candidate_id,
            actor_id: Some(member.id),
            kind: EventKind::VersionDeleted,
            detail: &[
                ("version_id", version.to_string()),
                ("file_name", file_name),
            ],
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Keeps the candidate's current resume as an earlier version (before a newer one replaces
/// it), inside the caller's transaction.
pub async fn keep_current(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute(sea_orm::Statement::from_sql_and_values(
        backend,
        "INSERT INTO resume_versions
            (id, candidate_id, file_name, content_type, bytes, text, text_engine, created_at, superseded_at)
         SELECT id, candidate_id, file_name, content_type, bytes, text, text_engine, created_at, $2
         FROM resumes WHERE candidate_id = $1",
        [candidate_id.into(), now.into()],
    ))
    .await?;
    delete_current(db, candidate_id).await
}

/// Deletes the candidate's current resume (kept elsewhere first), inside the caller's
/// transaction.
pub async fn delete_current(db: &impl ConnectionTrait, candidate_id: Uuid) -> Result<(), DbErr> {
    resumes::Entity::delete_many()
        .filter(resumes::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    Ok(())
}
