//! `GET /api/v1/candidates/{id}/export`: a zip of `candidate.json` (everything Hirekey holds
//! about the candidate: fields, notes with their history, applications, the timeline with its
//! stage moves, screening results, the processing log and retention) and every original file,
//! byte for byte, under `files/`. Audited (the candidate's id, nothing personal). The zip is
//! built in memory, reading one stored file at a time; files past [`MAX_EXPORT_BYTES`]
//! together are refused (413) before any is read.
use std::io::{Cursor, Write};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};
use types::privacy::{CandidateExport, ExportedFile, EXPORT_FORMAT};
use uuid::Uuid;

use crate::{
    audit::{self, AuditEvent},
    entities::{resume_versions, resumes as resume_rows},
    error::{ServiceError, ServiceResult},
    services::{hiring, resumes, screening},
    session::{ClientInfo, Member},
    state::AppState,
};

/// The zip and its file name.
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A file name safe inside a zip and on any disk: letters, digits, `.`, `-` and `_`.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "resume".to_owned()
    } else {
        cleaned
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The export of one of the workspace's candidates.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn export(
    state: &AppState,
    member: &Member,
    client: &ClientInfo,
    id: Uuid,
) -> ServiceResult<Export> {
    let candidate = resumes::get(state, member, id).await?;
    let mut notes = Vec::new();
    for note in hiring::notes::list(state, member, id).await?.items {
        notes.push(hiring::notes::history(state, member, note.id).await?);
    }
    let applications = hiring::applications::for_candidate(state, member, id)
        .await?
        .items;
    let history = hiring::events::activity(state, member, id).await?;
    let screening = screening::candidate_screenings(state, member, id).await?;
    let processing = super::processing::entries(&state.db, id).await?;
    let retention = super::retention::candidate_retention(state, member, id).await?;

    // Every version's size first: an export past the bound is refused before any file is read.
    let sizes = file_sizes(state, id).await?;
    if sizes.iter().sum::<u64>() > MAX_EXPORT_BYTES {
        return Err(ServiceError::PayloadTooLarge(format!(
            "This candidate's files come to more than {} MB: download the resume versions one by one from the candidate page",
            MAX_EXPORT_BYTES / 1_000_000
        )));
    }
    let mut zip = ZipOut::new();
    let mut files = Vec::new();
    let current = resume_rows::Entity::find()
        .filter(resume_rows::Column::CandidateId.eq(id))
        .all(&state.db)
        .await?;
    for r in current {
        let stored = Stored {
            file_name: r.file_name,
            content_type: r.content_type,
            bytes: r.bytes,
            text: r.text,
            text_engine: r.text_engine,
            uploaded_at: r.created_at,
            superseded_at: None,
        };
        files.push(zip.stored(files.len() + 1, stored)?);
    }
    // Earlier versions one at a time, so only one file's bytes are held besides the zip.
    let version_ids: Vec<Uuid> = resume_versions::Entity::find()
        .select_only()
        .column(resume_versions::Column::Id)
        .filter(resume_versions::Column::CandidateId.eq(id))
        .order_by_desc(resume_versions::Column::SupersededAt)
        .into_tuple()
        .all(&state.db)
        .await?;
    for version in version_ids {
        let Some(r) = resume_versions::Entity::find_by_id(version)
            .one(&state.db)
            .await?
        else {
            continue;
        };
        let stored = Stored {
            file_name: r.file_name,
            content_type: r.content_type,
            bytes: r.bytes,
            text: r.text,
            text_engine: r.text_engine,
            uploaded_at: r.created_at,
            superseded_at: Some(r.superseded_at),
        };
        files.push(zip.stored(files.len() + 1, stored)?);
    }

    let now = state.clock.now();
    let document = CandidateExport {
        format: EXPORT_FORMAT.to_owned(),
        exported_at: now.into(),
        candidate,
        files,
        notes,
        applications,
        history,
        screening,
        processing,
        retention,
    };
    let json = serde_json::to_vec_pretty(&document)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("export JSON: {e}")))?;
    zip.file("candidate.json", &json)?;
    let bytes = zip.finish()?;
    audit::record(
        &state.db,
        Some(member.id),
        AuditEvent::CandidateExported,
        None,
        Some(format!("candidate {id}")),
        client,
        now,
    )
    .await?;
    Ok(Export {
        file_name: format!("candidate-{id}.zip"),
        bytes,
    })
}

/// Files past this many bytes together are not exported as one zip (the zip is built in
/// memory).
const MAX_EXPORT_BYTES: u64 = 256_000_000;

/// The byte size of each stored file of the candidate, read without their bytes.
async fn file_sizes(state: &AppState, id: Uuid) -> ServiceResult<Vec<u64>> {
    use sea_orm::sea_query::{Alias, Expr, Func};
    // `octet_length` counts a blob's bytes on both engines (SQLite 3.43+, bundled 3.46).
    fn length(col: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::SimpleExpr {
        Expr::expr(Func::cust(Alias::new("octet_length")).arg(Expr::col(col)))
            .cast_as(Alias::new("BIGINT"))
    }
    let mut sizes: Vec<i64> = resume_rows::Entity::find()
        .select_only()
        .expr(length(resume_rows::Column::Bytes))
        .filter(resume_rows::Column::CandidateId.eq(id))
        .into_tuple()
        .all(&state.db)
        .await?;
    sizes.extend(
        resume_versions::Entity::find()
            .select_only()
            .expr(length(resume_versions::Column::Bytes))
            .filter(resume_versions::Column::CandidateId.eq(id))
            .into_tuple::<i64>()
            .all(&state.db)
            .await?,
    );
    Ok(sizes.into_iter().map(|n| n.max(0) as u64).collect())
}

/// A current resume or an earlier version, as read from its table.
struct Stored {
    file_name: String,
    content_type: String,
    bytes: Vec<u8>,
    text: String,
    text_engine: Option<String>,
    uploaded_at: chrono::DateTime<chrono::Utc>,
    superseded_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The zip as it is written, in memory.
struct ZipOut(zip::ZipWriter<Cursor<Vec<u8>>>);

fn zip_error(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("export zip: {e}"))
}

impl ZipOut {
    fn new() -> Self {
        Self(zip::ZipWriter::new(Cursor::new(Vec::new())))
    }

    fn file(&mut self, path: &str, bytes: &[u8]) -> ServiceResult<()> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        self.0.start_file(path, options).map_err(zip_error)?;
        self.0.write_all(bytes).map_err(zip_error)
    }

    /// Writes the `n`th stored file under `files/` and describes it for `candidate.json`.
    fn stored(&mut self, n: usize, f: Stored) -> ServiceResult<ExportedFile> {
        let path = format!("files/{n}-{}", safe_name(&f.file_name));
        self.file(&path, &f.bytes)?;
        Ok(ExportedFile {
            path,
            size: f.bytes.len() as u64,
            sha256: sha256_hex(&f.bytes),
            file_name: f.file_name,
            content_type: f.content_type,
            text: f.text,
            text_engine: f.text_engine,
            uploaded_at: f.uploaded_at.into(),
            superseded_at: f.superseded_at.map(Into::into),
        })
    }

    fn finish(self) -> ServiceResult<Vec<u8>> {
        Ok(self.0.finish().map_err(zip_error)?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("Jane Doe résumé.pdf"), "Jane_Doe_résumé.pdf");
        assert_eq!(safe_name("..."), "resume");
    }
}
