//! `GET /api/v1/candidates/{id}/export`: a zip of `candidate.json` (everything Hirekey holds
//! about the candidate: fields, notes with their history, applications, the timeline with its
//! stage moves, screening results, the processing log and retention) and every original file,
//! byte for byte, under `files/`. Audited (the candidate's id, nothing personal).
use std::io::{Cursor, Write};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
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

    let mut originals: Vec<(ExportedFile, Vec<u8>)> = Vec::new();
    let current = resume_rows::Entity::find()
        .filter(resume_rows::Column::CandidateId.eq(id))
        .all(&state.db)
        .await?;
    for r in current {
        let file = ExportedFile {
            path: String::new(),
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.bytes.len() as u64,
            sha256: sha256_hex(&r.bytes),
            text: r.text,
            text_engine: r.text_engine,
            uploaded_at: r.created_at.into(),
            superseded_at: None,
        };
        originals.push((file, r.bytes));
    }
    let versions = resume_versions::Entity::find()
        .filter(resume_versions::Column::CandidateId.eq(id))
        .order_by_desc(resume_versions::Column::SupersededAt)
        .all(&state.db)
        .await?;
    for r in versions {
        let file = ExportedFile {
            path: String::new(),
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.bytes.len() as u64,
            sha256: sha256_hex(&r.bytes),
            text: r.text,
            text_engine: r.text_engine,
            uploaded_at: r.created_at.into(),
            superseded_at: Some(r.superseded_at.into()),
        };
        originals.push((file, r.bytes));
    }
    for (n, (file, _)) in originals.iter_mut().enumerate() {
        file.path = format!("files/{}-{}", n + 1, safe_name(&file.file_name));
    }

    let now = state.clock.now();
    let document = CandidateExport {
        format: EXPORT_FORMAT.to_owned(),
        exported_at: now.into(),
        candidate,
        files: originals.iter().map(|(f, _)| f.clone()).collect(),
        notes,
        applications,
        history,
        screening,
        processing,
        retention,
    };
    let json = serde_json::to_vec_pretty(&document)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("export JSON: {e}")))?;
    let bytes = zip_of(&json, &originals)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("export zip: {e}")))?;
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

fn zip_of(json: &[u8], files: &[(ExportedFile, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut buf = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("candidate.json", options)?;
    zip.write_all(json)?;
    for (file, bytes) in files {
        zip.start_file(file.path.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    zip.finish()?;
    Ok(buf.into_inner())
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
