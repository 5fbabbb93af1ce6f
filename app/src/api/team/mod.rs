//! The Team page's server functions. The page is rendered by the server (`team_html`, with the
//! same Leptos components escaping every value) and its forms are plain HTML forms that post to
//! the functions below, which do the work through the same services as the REST routes and
//! answer with a redirect back to `/team`, carrying a notice or an error. So the page works the
//! same with and without JavaScript, and its WASM carries none of the workspace shapes.
use leptos::prelude::*;

use super::AppError;

/// The Team page's body for the caller's current workspace.
#[server(prefix = "/sfn")]
pub async fn team_html() -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let page = view::load(&call.state, &member).await?;
    Ok(crate::components::server_html::render(move || {
        view::page(page)
    }))
}

/// The header's workspace bar: the switcher, for members of more than one workspace, and a
/// marker the style sheet reads to hide Upload and AI Chat from viewers (the server refuses
/// them anyway).
#[cfg(feature = "ssr")]
pub(crate) async fn workspace_bar(
    state: &hirekey_core::state::AppState,
    member: &hirekey_core::session::Member,
) -> Result<String, AppError> {
    let list = hirekey_core::services::workspaces::list(state, member).await?;
    let viewer = !member.role.can_work();
    Ok(crate::components::server_html::render(move || {
        view::bar(list, viewer)
    }))
}

#[cfg(feature = "ssr")]
mod act;

#[server(prefix = "/sfn")]
pub async fn team_switch(workspace_id: String) -> Result<(), AppError> {
    act::run("Switched workspace.", async {
        let (call, user) = super::context::signed_in().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        hirekey_core::services::workspaces::switch(&call.state, &user, id).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_create(name: String) -> Result<(), AppError> {
    act::run("Workspace created; you are working in it now.", async {
        use hirekey_core::services::workspaces;
        let (call, user) = super::context::signed_in().await?;
        let request = types::workspaces::CreateWorkspace { name };
        let created = workspaces::create(&call.state, &user, request).await?;
        workspaces::switch(&call.state, &user, created.id).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_rename(workspace_id: String, name: String) -> Result<(), AppError> {
    act::run("Workspace renamed.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let request = types::workspaces::UpdateWorkspace {
            name: Some(name),
            ..Default::default()
        };
        hirekey_core::services::workspaces::update(&call.state, &member, id, request).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_limits(
    workspace_id: String,
    team_calls_per_minute: Option<String>,
    member_calls_per_minute: Option<String>,
) -> Result<(), AppError> {
    act::run("Limits saved.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let number = |raw: Option<String>| -> Result<Option<u32>, AppError> {
            act::text(raw)
                .map(|t| {
                    t.parse::<u32>().map_err(|_| {
                        AppError::new(
                            422,
                            "Validation failed",
                            "A limit is a whole number of calls per minute, or empty for none",
                        )
                    })
                })
                .transpose()
        };
        let request = types::workspaces::UpdateWorkspace {
            name: None,
            team_calls_per_minute: Some(number(team_calls_per_minute)?),
            member_calls_per_minute: Some(number(member_calls_per_minute)?),
        };
        hirekey_core::services::workspaces::update(&call.state, &member, id, request).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_budget(
    workspace_id: String,
    monthly_usd: Option<String>,
) -> Result<(), AppError> {
    act::run("Budget saved.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let monthly = act::text(monthly_usd)
            .map(|t| {
                t.trim_start_matches('$')
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| {
                        AppError::new(
                        422,
                        "Validation failed",
                        "A budget is a number of dollars, such as 5 or 12.50, or empty for none",
                    )
                    })
            })
            .transpose()?;
        hirekey_core::services::budgets::set_team(&call.state, &member, id, monthly).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_delete(workspace_id: String, confirm: Option<String>) -> Result<(), AppError> {
    act::run("Workspace deleted.", async {
        if confirm.as_deref() != Some("yes") {
            return Err(AppError::new(
                422,
                "Validation failed",
                "Tick the box to confirm that the workspace and its candidates go",
            ));
        }
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        hirekey_core::services::workspaces::delete(&call.state, &member, id).await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_member_role(
    workspace_id: String,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    act::run("Role changed.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let user = super::parse_id(&user_id, "Member")?;
        let role = types::workspaces::Role::parse(&role)
            .ok_or_else(|| AppError::new(422, "Validation failed", "Unknown role"))?;
        hirekey_core::services::workspaces::update_member(
            &call.state,
            &member,
            &call.client(),
            id,
            user,
            role,
        )
        .await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_member_remove(workspace_id: String, user_id: String) -> Result<(), AppError> {
    act::run("Member removed.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let user = super::parse_id(&user_id, "Member")?;
        hirekey_core::services::workspaces::remove_member(
            &call.state,
            &member,
            &call.client(),
            id,
            user,
        )
        .await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_invite(
    workspace_id: String,
    email: String,
    role: String,
) -> Result<(), AppError> {
    let outcome = async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let role = types::workspaces::Role::parse(&role)
            .ok_or_else(|| AppError::new(422, "Validation failed", "Unknown role"))?;
        let origin = super::session::link_origin(&call.state.config);
        let request = types::workspaces::InviteMember {
            email,
            role,
            expires_in_days: None,
        };
        let created = hirekey_core::services::invites::create_for_workspace(
            &call.state,
            &member,
            id,
            request,
            &origin,
            &call.client(),
        )
        .await
        .map_err(act::service)?;
        Ok::<_, AppError>(created.url)
    }
    .await;
    match outcome {
        // The link is shown this once: only its hash is stored.
        Ok(url) => act::back("invite", &url),
        Err(e) if e.status == 401 => return Err(e),
        Err(e) => act::back("error", &e.message),
    }
    Ok(())
}

#[server(prefix = "/sfn")]
pub async fn team_invite_revoke(workspace_id: String, invite_id: String) -> Result<(), AppError> {
    act::run("Invite revoked.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let invite = super::parse_id(&invite_id, "Invite")?;
        hirekey_core::services::invites::revoke_for_workspace(&call.state, &member, id, invite)
            .await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_key_save(
    workspace_id: String,
    provider: Option<String>,
    api_key: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    expires_on: Option<String>,
) -> Result<(), AppError> {
    act::run("Team key saved.", async {
        // A date from the form's date field: the key expires at the start of that day (UTC).
        let expires_at = act::text(expires_on).map(|day| Some(format!("{day}T00:00:00Z")));
        let request = types::workspaces::UpdateTeamAiSettings {
            provider: act::text(provider),
            api_key: act::text(api_key),
            enabled: None,
            model: act::text(model),
            base_url: act::text(base_url),
            expires_at,
        };
        act::update_key(&workspace_id, request).await
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_key_toggle(workspace_id: String, enabled: String) -> Result<(), AppError> {
    let on = enabled == "true";
    act::run(
        if on {
            "Team key turned on."
        } else {
            "Team key turned off."
        },
        async {
            let request = types::workspaces::UpdateTeamAiSettings {
                enabled: Some(on),
                ..Default::default()
            };
            act::update_key(&workspace_id, request).await
        },
    )
    .await
}

#[server(prefix = "/sfn")]
pub async fn team_key_test(workspace_id: String, api_key: Option<String>) -> Result<(), AppError> {
    let outcome = async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        let request = types::profile::TestAiKeyRequest {
            api_key: act::text(api_key).unwrap_or_default(),
            provider: None,
            base_url: None,
        };
        let result = hirekey_core::services::keys::team::test(
            &call.state,
            &member,
            id,
            request,
            &call.client(),
        )
        .await
        .map_err(act::service)?;
        Ok::<_, AppError>(result)
    }
    .await;
    match outcome {
        Ok(r) if r.success => act::back(
            "notice",
            &format!(
                "Key test: {} ({} models available)",
                r.message,
                r.available_models.len()
            ),
        ),
        Ok(r) => act::back("error", &format!("Key test failed: {}", r.message)),
        Err(e) if e.status == 401 => return Err(e),
        Err(e) => act::back("error", &e.message),
    }
    Ok(())
}

#[server(prefix = "/sfn")]
pub async fn team_key_remove(workspace_id: String) -> Result<(), AppError> {
    act::run("Team key removed.", async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&workspace_id, "Workspace")?;
        hirekey_core::services::keys::team::delete(&call.state, &member, id, &call.client())
            .await?;
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
mod retention;
#[cfg(feature = "ssr")]
mod view;

/// The Team page's retention form: a number of days, or empty to keep candidates.
#[server(prefix = "/sfn")]
pub async fn team_retention(retention_days: Option<String>) -> Result<(), AppError> {
    let days = act::text(retention_days);
    let notice = match &days {
        Some(d) => format!("Candidates are now erased after {d} days without activity."),
        None => "Candidates are kept until someone deletes or erases them.".to_owned(),
    };
    act::run(&notice, async {
        let (call, member) = super::context::member().await?;
        let retention_days = match days {
            Some(d) => Some(d.parse::<u32>().map_err(|_| {
                AppError::new(
                    422,
                    "Validation failed",
                    "The retention period is a whole number of days",
                )
            })?),
            None => None,
        };
        hirekey_core::services::privacy::retention::set_settings(
            &call.state,
            &member,
            &call.client(),
            types::privacy::RetentionSettings { retention_days },
        )
        .await?;
        Ok(())
    })
    .await
}

/// The dashboard's list of candidates the retention period erases within 14 days (empty when
/// there are none).
#[server(prefix = "/sfn")]
pub async fn due_html() -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let due = hirekey_core::services::privacy::retention::due(&call.state, &member).await?;
    Ok(crate::components::server_html::render(move || {
        retention::due_list(due)
    }))
}
