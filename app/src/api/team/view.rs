//! The page's HTML, rendered on the server only.
use hirekey_core::{
    services::{ai, invites, workspaces},
    session::Member,
    state::AppState,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use types::workspaces::{
    MemberInviteList, MemberList, Role, TeamAiSettings, Workspace, WorkspaceList, WorkspaceUsage,
};

use super::*;
use crate::components::time::RelativeTime;

/// Everything the page shows.
pub struct Page {
    list: WorkspaceList,
    current: Workspace,
    members: MemberList,
    invites: Option<MemberInviteList>,
    key: TeamAiSettings,
    budget: types::usage::BudgetSetting,
    usage: Option<WorkspaceUsage>,
    retention: super::retention::Card,
    me: uuid::Uuid,
}

pub async fn load(state: &AppState, member: &Member) -> Result<Page, AppError> {
    let list = workspaces::list(state, member).await?;
    let id = member.workspace_id;
    let current = workspaces::get(state, member, id).await?;
    let members = workspaces::members(state, member, id).await?;
    let manage = member.role.can_manage() && !current.personal;
    let invites = if manage {
        Some(invites::list_for_workspace(state, member, id).await?)
    } else {
        None
    };
    let key = ai::team_settings(state, member, id).await?;
    let budget = hirekey_core::services::budgets::team(state, member, id).await?;
    let usage = if manage {
        Some(workspaces::usage(state, member, id).await?)
    } else {
        None
    };
    Ok(Page {
        list,
        current,
        members,
        invites,
        key,
        budget,
        usage,
        retention: super::retention::load(state, member).await?,
        me: member.id,
    })
}

fn hidden_id(id: uuid::Uuid) -> impl IntoView {
    view! { <input type="hidden" name="workspace_id" value=id.to_string() /> }
}

fn role_options(selected: Role, owner: bool) -> impl IntoView {
    Role::ALL
        .into_iter()
        .filter(move |r| owner || *r != Role::Owner)
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.as_str()}</option> })
        .collect_view()
}

pub fn bar(list: WorkspaceList, viewer: bool) -> impl IntoView {
    let switcher = (list.workspaces.len() > 1).then(|| {
        let options = list
            .workspaces
            .into_iter()
            .map(|w| {
                let label = if w.personal {
                    format!("{} (personal)", w.name)
                } else {
                    w.name
                };
                view! { <option value=w.id.to_string() selected=w.current>{label}</option> }
            })
            .collect_view();
        view! {
            <form method="post" action=TeamSwitch::url() class="workspace-switcher inline"
                data-testid="workspace-switcher">
                <label for="workspace-select" class="visually-hidden">"Workspace"</label>
                <select id="workspace-select" name="workspace_id">{options}</select>
                <button type="submit" class="link-button">"Switch"</button>
            </form>
        }
    });
    view! {
        {viewer.then(|| view! { <span class="role-viewer" hidden></span> })}
        {switcher}
    }
}

pub fn page(p: Page) -> impl IntoView {
    let role = p.current.role;
    let manage = role.can_manage() && !p.current.personal;
    let owner = role == Role::Owner;
    let id = p.current.id;
    view! {
        <section class="card" data-testid="team-workspaces">
            <h2>"Your workspaces"</h2>
            <table class="stack">
                <thead><tr><th scope="col">"Workspace"</th><th scope="col">"Your role"</th><th scope="col">"Members"</th><th scope="col"><span class="visually-hidden">"Switch"</span></th></tr></thead>
                <tbody>
                    {p.list.workspaces.into_iter().map(|w| view! {
                        <tr>
                            <td data-label="Workspace">{w.name.clone()} {w.personal.then_some(" (personal)")}</td>
                            <td data-label="Your role">{w.role.as_str()}</td>
                            <td data-label="Members">{w.members}</td>
                            <td>{if w.current {
                                view! { <strong>"Current"</strong> }.into_any()
                            } else {
                                view! {
                                    <form method="post" action=TeamSwitch::url() class="inline">
                                        {hidden_id(w.id)}
                                        <button type="submit" class="secondary">"Switch to " {w.name.clone()}</button>
                                    </form>
                                }.into_any()
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <form method="post" action=TeamCreate::url() class="row">
                <label for="new-workspace">"New workspace"</label>
                <input id="new-workspace" name="name" type="text" required maxlength="100" placeholder="e.g. Acme Recruiting" />
                <button type="submit" class="primary">"Create workspace"</button>
            </form>
        </section>
        <section class="card" data-testid="team-current">
            <h2>{p.current.name.clone()}</h2>
            {if p.current.personal {
                view! { <p class="muted">"Your personal workspace: only you see its candidates. Create a workspace to share candidates, chat and a team key with colleagues."</p> }.into_any()
            } else {
                view! {
                    <p>"You are " <strong>{role.as_str()}</strong> " here."</p>
                    {manage.then(|| view! {
                        <form method="post" action=TeamRename::url() class="row">
                            {hidden_id(id)}
                            <label for="rename">"Name"</label>
                            <input id="rename" name="name" type="text" required maxlength="100" value=p.current.name.clone() />
                            <button type="submit" class="secondary">"Rename"</button>
                        </form>
                    })}
                }.into_any()
            }}
        </section>
        {(!p.current.personal).then(|| view! {
            <Members members=p.members manage owner id me=p.me />
            {p.invites.map(|invites| view! { <Invites invites id owner /> })}
            <TeamKey key=p.key.clone() manage id />
            <Limits key=p.key owner id />
            <Budget budget=p.budget owner id />
            {p.usage.map(|usage| view! { <Usage usage /> })}
            <Danger owner id me=p.me />
        })}
        {super::retention::card(p.retention)}
    }
}

#[component]
fn Members(
    members: MemberList,
    manage: bool,
    owner: bool,
    id: uuid::Uuid,
    me: uuid::Uuid,
) -> impl IntoView {
    view! {
        <section class="card" data-testid="team-members">
            <h2>"Members"</h2>
            <table class="stack">
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th>{manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}</tr></thead>
                <tbody>
                    {members.members.into_iter().map(|m| {
                        let label = format!("Role of {}", m.name);
                        let select_id = format!("role-{}", m.user_id);
                        view! {
                            <tr>
                                <td data-label="Name">{m.name.clone()} {(m.user_id == me).then_some(" (you)")}</td>
                                <td data-label="Email">{m.email.clone()}</td>
                                <td data-label="Role">{m.role.as_str()}</td>
                                <td data-label="Joined"><RelativeTime t=m.joined_at /></td>
                                {manage.then(|| view! {
                                    <td class="row">
                                        <form method="post" action=TeamMemberRole::url() class="inline">
                                            {hidden_id(id)}
                                            <input type="hidden" name="user_id" value=m.user_id.to_string() />
                                            <label for=select_id.clone() class="visually-hidden">{label}</label>
                                            <select id=select_id name="role">{role_options(m.role, owner)}</select>
                                            <button type="submit" class="secondary">"Change role"</button>
                                        </form>
                                        {(m.user_id != me).then(|| view! {
                                            <form method="post" action=TeamMemberRemove::url() class="inline">
                                                {hidden_id(id)}
                                                <input type="hidden" name="user_id" value=m.user_id.to_string() />
                                                <button type="submit" class="danger">"Remove " {m.name.clone()}</button>
                                            </form>
                                        })}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Invites(invites: MemberInviteList, id: uuid::Uuid, owner: bool) -> impl IntoView {
    view! {
        <section class="card" data-testid="team-invites">
            <h2>"Invite a colleague"</h2>
            <form method="post" action=TeamInvite::url() class="row">
                {hidden_id(id)}
                <label for="invite-email">"Email"</label>
                <input id="invite-email" name="email" type="email" required autocomplete="off" />
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">{role_options(Role::Recruiter, owner)}</select>
                <button type="submit" class="primary">"Create invite link"</button>
            </form>
            {(!invites.invites.is_empty()).then(|| view! {
                <table class="stack">
                    <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Expires"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        {invites.invites.into_iter().map(|i| {
                            let pending = matches!(i.status, types::admin::InviteStatus::Pending);
                            view! {
                                <tr>
                                    <td data-label="Email">{i.email.clone().unwrap_or_default()}</td>
                                    <td data-label="Role">{i.role.as_str()}</td>
                                    <td data-label="Status">{i.status.as_str()}</td>
                                    <td data-label="Expires"><RelativeTime t=i.expires_at /></td>
                                    <td>{pending.then(|| view! {
                                        <form method="post" action=TeamInviteRevoke::url() class="inline">
                                            {hidden_id(id)}
                                            <input type="hidden" name="invite_id" value=i.id.to_string() />
                                            <button type="submit" class="secondary">"Revoke"</button>
                                        </form>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

#[component]
fn TeamKey(key: TeamAiSettings, manage: bool, id: uuid::Uuid) -> impl IntoView {
    let status = if !key.has_team_key {
        "No team key: members use their personal key, else the system key where the operator allows it.".to_owned()
    } else if key.expired {
        "The team key has expired.".to_owned()
    } else if key.enabled {
        "The team key is on: members without a personal key use it.".to_owned()
    } else {
        "The team key is stored but off.".to_owned()
    };
    let yours = format!("Your AI calls here use {}.", key.my_key_source.describe());
    let enabled = key.enabled;
    view! {
        <section class="card" data-testid="team-key">
            <h2>"Team AI key"</h2>
            <p data-testid="team-key-status">{status}</p>
            {key.has_team_key.then(|| view! {
                <p>
                    <code data-testid="team-key-preview">{key.key_preview.clone().unwrap_or_default()}</code>
                    " · " {key.provider.clone().unwrap_or_default()}
                    " · " {key.model.clone().unwrap_or_default()}
                    {key.expires_at.map(|t| view! { " · expires " <RelativeTime t /> })}
                    {key.last_test_ok.map(|ok| if ok { " · last test passed" } else { " · last test failed" })}
                </p>
            })}
            <p class="muted" data-testid="team-key-yours">{yours}</p>
            {manage.then(|| view! {
                <form method="post" action=TeamKeySave::url() class="stack" data-testid="team-key-form">
                    {hidden_id(id)}
                    <label for="team-provider">"Provider"</label>
                    <select id="team-provider" name="provider">
                        {["groq", "openrouter", "deepseek", "openai", "custom"].into_iter().map(|p| {
                            let selected = key.provider.as_deref() == Some(p);
                            view! { <option value=p selected=selected>{p}</option> }
                        }).collect_view()}
                    </select>
                    <label for="team-api-key">"API key " <span class="muted">"(tested before it is saved; leave empty to keep the stored one)"</span></label>
                    <input id="team-api-key" name="api_key" type="password" autocomplete="off" />
                    <label for="team-model">"Model " <span class="muted">"(optional)"</span></label>
                    <input id="team-model" name="model" type="text" value=key.model.clone().unwrap_or_default() />
                    <label for="team-base-url">"Base URL " <span class="muted">"(custom provider only)"</span></label>
                    <input id="team-base-url" name="base_url" type="url" value=key.base_url.clone().unwrap_or_default() />
                    <label for="team-expires">"Expires on " <span class="muted">"(optional)"</span></label>
                    <input id="team-expires" name="expires_on" type="date" />
                    <button type="submit" class="primary">"💾 Save team key"</button>
                </form>
                <div class="row">
                    <form method="post" action=TeamKeyTest::url() class="inline">
                        {hidden_id(id)}
                        <button type="submit" class="secondary">"🧪 Test the stored key"</button>
                    </form>
                    {key.has_team_key.then(|| view! {
                        <form method="post" action=TeamKeyToggle::url() class="inline">
                            {hidden_id(id)}
                            <input type="hidden" name="enabled" value=if enabled { "false" } else { "true" } />
                            <button type="submit" class="secondary">{if enabled { "Turn off" } else { "Turn on" }}</button>
                        </form>
                        <form method="post" action=TeamKeyRemove::url() class="inline">
                            {hidden_id(id)}
                            <button type="submit" class="danger">"Remove team key"</button>
                        </form>
                    })}
                </div>
            })}
        </section>
    }
}

#[component]
fn Limits(key: TeamAiSettings, owner: bool, id: uuid::Uuid) -> impl IntoView {
    let line = |limit: Option<u32>, used: u64, whose: &str| match limit {
        Some(n) => format!(
            "{whose}: {used} of {n} calls in the last minute ({} left).",
            n.saturating_sub(used.min(u32::MAX as u64) as u32)
        ),
        None => format!("{whose}: no limit."),
    };
    let team_line = line(
        key.team_calls_per_minute,
        key.team_calls_last_minute,
        "The whole team",
    );
    let mine = line(
        key.member_calls_per_minute,
        key.my_calls_last_minute,
        "Each member (you)",
    );
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    view! {
        <section class="card" data-testid="team-limits">
            <h2>"Team key limits"</h2>
            <p>{team_line}</p>
            <p>{mine}</p>
            {owner.then(|| view! {
                <form method="post" action=TeamLimits::url() class="row">
                    {hidden_id(id)}
                    <label for="team-limit">"Team calls per minute"</label>
                    <input id="team-limit" name="team_calls_per_minute" type="number" min="1" max="100000" value=number(key.team_calls_per_minute) />
                    <label for="member-limit">"Per member"</label>
                    <input id="member-limit" name="member_calls_per_minute" type="number" min="1" max="100000" value=number(key.member_calls_per_minute) />
                    <button type="submit" class="secondary">"Save limits"</button>
                </form>
                <p class="muted">"Empty means no limit."</p>
            })}
        </section>
    }
}

#[component]
fn Budget(budget: types::usage::BudgetSetting, owner: bool, id: uuid::Uuid) -> impl IntoView {
    use types::usage::format_usd;
    let spent = format_usd(Some(budget.spent_usd));
    let line = match budget.monthly_usd {
        Some(limit) => format!(
            "{spent} of {} spent this month on the team key.",
            format_usd(Some(limit))
        ),
        None => format!("{spent} spent this month on the team key. No budget is set."),
    };
    let state = if budget.exceeded {
        Some(("badge error", "⛔ The budget is spent: calls on the team key are refused until it resets or an owner raises it."))
    } else if budget.warning {
        Some(("badge warn", "⚠️ 80 % or more of the budget is spent."))
    } else {
        None
    };
    let value = budget
        .monthly_usd
        .map(types::usage::format_amount)
        .unwrap_or_default();
    view! {
        <section class="card" data-testid="team-budget">
            <h2>"Team key budget"</h2>
            <p data-testid="team-budget-line">{line}</p>
            {state.map(|(class, text)| view! { <p class=class>{text}</p> })}
            <p class="muted">"It resets " <time datetime=budget.resets_at.to_string()>{budget.resets_at.to_string()}</time> "."</p>
            {owner.then(|| view! {
                <form method="post" action=TeamBudget::url() class="row">
                    {hidden_id(id)}
                    <label for="team-budget">"Monthly budget, in US dollars"</label>
                    <input id="team-budget" name="monthly_usd" type="number" min="0" step="0.01" value=value />
                    <button type="submit" class="secondary">"Save budget"</button>
                </form>
                <p class="muted">"Empty means no budget. At 80 % members see a warning; at 100 % calls on the team key stop before anything is sent."</p>
            })}
        </section>
    }
}

#[component]
fn Usage(usage: WorkspaceUsage) -> impl IntoView {
    view! {
        <section class="card" data-testid="team-usage">
            <h2>"Use this month, per member"</h2>
            {if usage.members.is_empty() {
                view! { <p class="muted">"No AI calls in this workspace this month."</p> }.into_any()
            } else {
                view! {
                    <table class="stack">
                        <thead><tr><th scope="col">"Member"</th><th scope="col">"Calls"</th><th scope="col">"On the team key"</th><th scope="col">"Tokens in"</th><th scope="col">"Tokens out"</th><th scope="col">"Cost"</th></tr></thead>
                        <tbody>
                            {usage.members.into_iter().map(|m| view! {
                                <tr>
                                    <td data-label="Member">{m.name}</td>
                                    <td data-label="Calls">{m.calls}</td>
                                    <td data-label="On the team key">{m.team_key_calls}</td>
                                    <td data-label="Tokens in">{m.prompt_tokens}</td>
                                    <td data-label="Tokens out">{m.completion_tokens}</td>
                                    <td data-label="Cost">{types::usage::format_cost(m.cost_usd, m.unpriced_calls)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Danger(owner: bool, id: uuid::Uuid, me: uuid::Uuid) -> impl IntoView {
    view! {
        <section class="card" data-testid="team-leave">
            <h2>"Leave or delete"</h2>
            <form method="post" action=TeamMemberRemove::url() class="inline">
                {hidden_id(id)}
                <input type="hidden" name="user_id" value=me.to_string() />
                <button type="submit" class="secondary">"Leave this workspace"</button>
            </form>
            {owner.then(|| view! {
                <form method="post" action=TeamDelete::url() class="inline">
                    {hidden_id(id)}
                    <input type="checkbox" id="confirm-delete" name="confirm" value="yes" required />
                    <label for="confirm-delete">"Delete its candidates, resumes and conversations too"</label>
                    <button type="submit" class="danger">"Delete this workspace and its candidates"</button>
                </form>
            })}
        </section>
    }
}
