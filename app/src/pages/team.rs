//! Team: the workspaces, the current one's members, invites, team key, limits and use. The
//! server renders it and its forms post to the server functions in `api/team.rs`, which come
//! back here with a notice or an error in the query; it works the same without JavaScript.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::codec::resource;
use crate::api::team::team_html;
use crate::components::error_view::ErrorMessage;
use crate::components::loaded::loaded_view;
use crate::components::server_html::ServerHtml;

#[component]
pub fn TeamPage() -> impl IntoView {
    let query = use_query_map();
    let html = resource(|| (), |_| team_html());
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    view! {
        <h1>"Team"</h1>
        {move || param("notice").map(|n| view! { <p class="success" role="status" data-testid="team-notice">{n}</p> })}
        {move || param("error").map(|e| view! { <p class="error" role="alert" data-testid="team-error">{e}</p> })}
        {move || param("invite").map(|url| view! {
            <div class="test-result success" role="status" data-testid="team-new-invite">
                <p>"Invite created. This link is shown only now; send it to your colleague:"</p>
                <input type="text" readonly class="invite-link" value=url aria-label="Invite link" data-testid="team-invite-url" />
            </div>
        })}
        {loaded_view("Loading…", move || async move {
            match html.await {
                Ok(html) => view! { <ServerHtml html /> }.into_any(),
                Err(error) => view! { <ErrorMessage error /> }.into_any(),
            }
        })}
    }
}
