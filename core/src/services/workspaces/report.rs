//! The workspace's AI use this month, per member (the Team page's table for owners and admins).
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{forbidden, role_in};
use crate::{entities::users, error::ServiceResult, session::Member, state::AppState};

/// The workspace's AI use this month, per member, busiest first (owners and admins).
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn usage(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<types::workspaces::WorkspaceUsage> {
    use crate::entities::ai_usage;
    use chrono::Datelike;
    use sea_orm::sea_query::{Alias, Expr as E};
    if !role_in(state, member, id).await?.can_manage() {
        return Err(forbidden("reading its usage per member"));
    }
    let now = state.clock.now();
    let since = now
        .date_naive()
        .with_day(1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(now, |d| d.and_utc());
    let team_call = E::case(ai_usage::Column::KeySource.eq("team"), 1).finally(0);
    let unpriced = E::case(ai_usage::Column::CostMicroUsd.is_null(), 1).finally(0);
    // (member, calls, calls on the team key, prompt tokens, completion tokens, cost, unpriced)
    type Row = (
        Uuid,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = ai_usage::Entity::find()
        .select_only()
        .column(ai_usage::Column::UserId)
        .column_as(ai_usage::Column::Id.count(), "calls")
        .column_as(
            E::expr(team_call).sum().cast_as(Alias::new("BIGINT")),
            "team_calls",
        )
        .column_as(
            ai_usage::Column::PromptTokens
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "prompt",
        )
        .column_as(
            ai_usage::Column::CompletionTokens
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "completion",
        )
        .column_as(
            ai_usage::Column::CostMicroUsd
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "cost",
        )
        .column_as(
            E::expr(unpriced).sum().cast_as(Alias::new("BIGINT")),
            "unpriced",
        )
        .filter(ai_usage::Column::WorkspaceId.eq(id))
        .filter(ai_usage::Column::CreatedAt.gte(since))
        .group_by(ai_usage::Column::UserId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(&state.db)
        .await?;
    let n = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
    let mut members: Vec<types::workspaces::MemberUsage> = rows
        .into_iter()
        .map(
            |(user_id, calls, team, prompt, completion, cost, unpriced)| {
                let person = people.iter().find(|p| p.id == user_id);
                let unpriced = n(unpriced);
                types::workspaces::MemberUsage {
                    user_id,
                    name: person.map_or_else(|| "Former member".to_owned(), |p| p.name.clone()),
                    email: person.map(|p| p.email.clone()).unwrap_or_default(),
                    calls: calls.max(0) as u64,
                    team_key_calls: n(team),
                    prompt_tokens: n(prompt),
                    completion_tokens: n(completion),
                    cost_usd: (unpriced < calls.max(0) as u64)
                        .then(|| crate::services::costs::usd(cost.unwrap_or(0).max(0))),
                    unpriced_calls: unpriced,
                }
            },
        )
        .collect();
    members.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    Ok(types::workspaces::WorkspaceUsage {
        since: since.into(),
        members,
    })
}
