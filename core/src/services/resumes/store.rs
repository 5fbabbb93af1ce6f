//! What an upload stores before its analysis, in one transaction: the candidate (new, the one
//! it replaces, or the same person found by email or phone), the file with its text, the
//! timeline event and the analysis job.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DbErr, Set};
use types::candidates::AnalysisStatus;
use uuid::Uuid;

use super::jobs;
use crate::{
    entities::{candidates, resumes},
    services::{
        busy,
        extract::DocumentKind,
        hiring::{
            duplicates::same_person,
            events::{self, Event, EventKind},
            versions,
        },
    },
    state::AppState,
};

/// What an upload stores before its analysis: the candidate (new, or the one whose resume is
/// replaced) as `pending`, the file with its text, and the analysis job, in one transaction.
pub(super) struct PendingUpload<'a> {
    pub(super) id: Uuid,
    /// The matching keys of what the pattern found: an existing candidate with either is the
    /// same person, and the upload becomes their newest resume version.
    pub(super) email_key: Option<String>,
    pub(super) phone_key: Option<String>,
    pub(super) owner_id: Uuid,
    pub(super) workspace_id: Uuid,
    pub(super) replaces: Option<&'a candidates::Model>,
    /// What the pattern found, known even if the AI call fails.
    pub(super) email: Option<String>,
    pub(super) analysis: String,
    pub(super) search_text: String,
    pub(super) warnings: Option<String>,
    pub(super) text: &'a str,
    pub(super) text_engine: &'a str,
    pub(super) file_name: &'a str,
    pub(super) kind: DocumentKind,
    pub(super) bytes: &'a [u8],
    pub(super) now: DateTime<Utc>,
}

impl PendingUpload<'_> {
    /// Stores it all, or nothing; returns the candidate, the job's id and, when the upload was
    /// an existing candidate's (same email or phone), that candidate's id.
    pub(super) async fn store(
        &self,
        state: &AppState,
    ) -> Result<(candidates::Model, Uuid, Option<Uuid>), DbErr> {
        let now = self.now;
        let txn = busy::begin_write(&state.db).await?;
        // The match is made inside the writing transaction, so two uploads of one person on
        // SQLite cannot both miss each other.
        let (existing, matched) = match self.replaces {
            Some(c) => (Some(c.clone()), None),
            None => match same_person(
                &txn,
                self.workspace_id,
                self.email_key.as_deref(),
                self.phone_key.as_deref(),
            )
            .await?
            {
                Some((c, on)) => (Some(c), Some(on)),
                None => (None, None),
            },
        };
        let id = existing.as_ref().map_or(self.id, |c| c.id);
        let pending = candidates::ActiveModel {
            id: Set(id),
            owner_id: Set(self.owner_id),
            workspace_id: Set(self.workspace_id),
            name: Set(None),
            email: Set(self.email.clone()),
            current_title: Set(None),
            skills: Set("[]".into()),
            summary: Set(None),
            analysis: Set(Some(self.analysis.clone())),
            analysis_status: Set(AnalysisStatus::Pending.as_str().into()),
            analysis_error: Set(None),
            key_source: Set(None),
            search_text: Set(self.search_text.clone()),
            warnings: Set(self.warnings.clone()),
            not_a_resume: Set(false),
            email_key: Set(self
                .email_key
                .clone()
                .or_else(|| existing.as_ref().and_then(|c| c.email_key.clone()))),
            phone_key: Set(self
                .phone_key
                .clone()
                .or_else(|| existing.as_ref().and_then(|c| c.phone_key.clone()))),
            name_key: Set(existing.as_ref().and_then(|c| c.name_key.clone())),
            seniority: Set(None),
            years_experience: Set(None),
            last_activity_at: Set(Some(now)),
            // What a person corrected stays corrected through a new version.
            corrections: Set(existing.as_ref().and_then(|c| c.corrections.clone())),
            created_at: Set(existing.as_ref().map_or(now, |c| c.created_at)),
            updated_at: Set(now),
        };
        let candidate = match &existing {
            Some(_) => {
                // The resume it had stays, as an earlier version.
                versions::keep_current(&txn, id, now).await?;
                pending.update(&txn).await?
            }
            None => pending.insert(&txn).await?,
        };
        let resume_id = Uuid::new_v4();
        resumes::ActiveModel {
            id: Set(resume_id),
            candidate_id: Set(candidate.id),
            file_name: Set(self.file_name.to_owned()),
            content_type: Set(self.kind.content_type().into()),
            bytes: Set(self.bytes.to_vec()),
            text: Set(self.text.to_owned()),
            text_engine: Set(Some(self.text_engine.to_owned())),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut detail = vec![
            ("file_name", self.file_name.to_owned()),
            ("version_id", resume_id.to_string()),
        ];
        if let Some(on) = matched {
            detail.push(("matched_on", on.as_str().to_owned()));
        }
        events::record(
            &txn,
            Event {
                workspace_id: self.workspace_id,
                candidate_id: candidate.id,
                actor_id: Some(self.owner_id),
                kind: if existing.is_some() {
                    EventKind::NewVersion
                } else {
                    EventKind::Uploaded
                },
                detail: &detail,
                at: now,
            },
        )
        .await?;
        let job = jobs::enqueue(&txn, candidate.id, self.owner_id, self.workspace_id, now).await?;
        txn.commit().await?;
        Ok((candidate, job, matched.map(|_| id)))
    }
}
