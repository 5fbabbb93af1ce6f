//! The Team page's "Personal data" card: the workspace's retention period (owners and admins
//! change it) and the candidates it erases within the next 14 days. The dashboard shows the
//! same list (`due_html`).
use hirekey_core::{services::privacy::retention, session::Member, state::AppState};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use types::privacy::{DueForErasure, RetentionSettings, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS};

use super::{AppError, TeamRetention};
use crate::components::time::RelativeTime;

pub struct Card {
    settings: RetentionSettings,
    due: DueForErasure,
    manage: bool,
}

pub async fn load(state: &AppState, member: &Member) -> Result<Card, AppError> {
    Ok(Card {
        settings: retention::settings(state, member).await?,
        due: retention::due(state, member).await?,
        manage: member.role.can_manage(),
    })
}

/// The candidates erased soon, or nothing when there are none.
pub fn due_list(due: DueForErasure) -> impl IntoView {
    (!due.items.is_empty()).then(|| view! {
        <section class="card" data-testid="due-for-erasure">
            <h2>"Due for erasure"</h2>
            <p class="muted small">{format!(
                "No activity for {} days: the workspace's retention period erases these candidates unless they are kept until a date.",
                due.retention_days.unwrap_or_default()
            )}</p>
            <ul>
                {due.items.into_iter().map(|c| view! {
                    <li><a href=format!("/candidates/{}#personal-data", c.id)>{c.name}</a>
                        " · erased " <RelativeTime t=c.erase_after exact=true /></li>
                }).collect_view()}
            </ul>
        </section>
    })
}

pub fn card(c: Card) -> impl IntoView {
    let days = c.settings.retention_days;
    view! {
        <section class="card" data-testid="team-retention">
            <h2>"Retention"</h2>
            <p>{match days {
                Some(d) => format!("Candidates with no activity for {d} days are erased, unless kept until a date."),
                None => "Candidates are kept until someone deletes or erases them.".to_owned(),
            }}</p>
            {c.manage.then(|| view! {
                <form method="post" action=TeamRetention::url() class="inline-form">
                    <label for="retention-days">"Erase candidates after this many days without activity (empty: keep them)"</label>
                    <input id="retention-days" name="retention_days" type="number"
                        min=MIN_RETENTION_DAYS max=MAX_RETENTION_DAYS value=days.map(|d| d.to_string()).unwrap_or_default() />
                    <button type="submit" class="secondary">"Save"</button>
                </form>
            })}
        </section>
        {due_list(c.due)}
    }
}
