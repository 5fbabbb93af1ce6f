//! The server-rendered "Personal data" section of the candidate page: the export link, the
//! processing log (which provider and model saw the candidate's data, on whose key), the
//! "keep until" date against the workspace's retention period, and erasure behind a typed
//! confirmation.
use hirekey_core::{services::privacy, session::Member, state::AppState};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use types::privacy::{CandidateRetention, ProcessingLog};

use super::privacy::{CandidateErase, CandidateKeep, CandidateKeepClear, ERASE_WORD};
use super::AppError;
use crate::components::time::RelativeTime;

/// Processing-log lines the page shows (the export and the REST route have them all).
const LOG_SHOWN: usize = 50;

pub struct PrivacySection {
    pub id: uuid::Uuid,
    pub log: ProcessingLog,
    pub retention: CandidateRetention,
    pub can_work: bool,
}

pub async fn load(
    state: &AppState,
    member: &Member,
    id: uuid::Uuid,
) -> Result<PrivacySection, AppError> {
    Ok(PrivacySection {
        id,
        log: privacy::processing::list(state, member, id).await?,
        retention: privacy::retention::candidate_retention(state, member, id).await?,
        can_work: member.role.can_work(),
    })
}

fn purpose_label(p: &str) -> &'static str {
    match p {
        "analysis" => "Resume analysis",
        "chat" => "Chat answer",
        "search" => "AI search",
        "screening" => "Screening",
        _ => "AI call",
    }
}

pub fn section(s: PrivacySection) -> impl IntoView {
    let id = s.id.to_string();
    let r = s.retention;
    let total = s.log.items.len();
    let retention_line = match (&r.keep_until, &r.erase_after) {
        (Some(k), _) => view! {
            <p data-testid="keep-until">"Kept until " <strong>{k.0.format("%Y-%m-%d").to_string()}</strong>
                {r.reason.clone().map(|why| format!(" ({why})"))}
                {r.erase_after.map(|t| view! { "; retention erases them after " <RelativeTime t exact=true /> })}
                "."</p>
        }
        .into_any(),
        (None, Some(t)) => view! {
            <p data-testid="erase-after">"The workspace's retention period erases this candidate "
                <RelativeTime t=*t exact=true /> " unless there is activity or a \"keep until\" date."</p>
        }
        .into_any(),
        (None, None) => view! {
            <p class="muted">"The workspace keeps candidates until they are deleted (no retention period is set)."</p>
        }
        .into_any(),
    };
    view! {
        <section class="card" id="personal-data" data-testid="personal-data">
            <h2>"Personal data"</h2>
            <p><a href=format!("/api/v1/candidates/{id}/export") download data-testid="export-link">"⬇ Export everything (zip)"</a>
                <span class="muted small">" candidate.json with every field, note, application, screening and the processing log, and the original files"</span></p>
            {retention_line}
            {s.can_work.then(|| view! {
                <form method="post" action=CandidateKeep::url() class="inline-form">
                    <input type="hidden" name="candidate_id" value=id.clone() />
                    <label for="keep-until">"Keep until"</label>
                    <input id="keep-until" name="keep_until" type="date" required />
                    <label for="keep-reason">"Reason"</label>
                    <input id="keep-reason" name="reason" type="text" required maxlength="200" placeholder="e.g. consent given, in process" />
                    <button type="submit" class="secondary">"Keep"</button>
                </form>
                {r.keep_until.is_some().then(|| view! {
                    <form method="post" action=CandidateKeepClear::url() class="inline">
                        <input type="hidden" name="candidate_id" value=id.clone() />
                        <button type="submit" class="secondary">"Remove the date"</button>
                    </form>
                })}
            })}
            <h3>"Processing log"</h3>
            {if total == 0 {
                view! { <p class="muted" data-testid="processing-empty">"No AI call has carried this candidate's data."</p> }.into_any()
            } else {
                view! {
                    <table class="stack" data-testid="processing-log">
                        <thead><tr>
                            <th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th>
                            <th scope="col">"Key"</th><th scope="col">"Provider"</th><th scope="col">"Model"</th>
                        </tr></thead>
                        <tbody>
                            {s.log.items.into_iter().take(LOG_SHOWN).map(|e| view! {
                                <tr>
                                    <td><RelativeTime t=e.at exact=true /></td>
                                    <td>{purpose_label(&e.purpose)}</td>
                                    <td>{e.user_email.unwrap_or_else(|| "—".into())}</td>
                                    <td>{e.key_source}</td>
                                    <td>{e.provider}</td>
                                    <td>{e.model}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(total > LOG_SHOWN).then(|| view! { <p class="muted small">{format!("The newest {LOG_SHOWN} of {total}; the export has them all.")}</p> })}
                }.into_any()
            }}
            {s.can_work.then(|| view! {
                <details class="danger-zone">
                    <summary>"Erase this candidate…"</summary>
                    <p>"Erasure removes the candidate, every resume version and file, notes, applications, screening results and the processing log, and replaces their name, e-mail and phone in stored chat answers with [erased candidate]. It cannot be undone. Usage rows stay, without the link to the candidate."</p>
                    <form method="post" action=CandidateErase::url() class="inline-form">
                        <input type="hidden" name="candidate_id" value=id.clone() />
                        <label for="erase-confirm">{format!("Type {ERASE_WORD} to confirm")}</label>
                        <input id="erase-confirm" name="confirm" type="text" required autocomplete="off" pattern=ERASE_WORD />
                        <button type="submit" class="danger" data-testid="erase">"Erase for good"</button>
                    </form>
                </details>
            })}
        </section>
    }
}
