//! The auth server functions: sign in, sign up, sign out, password (shapes in `types::auth`).
use leptos::prelude::*;

pub use types::auth::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::users;

/// The logged-in user, or `None` for a visitor: name, e-mail and admin flag as they are now,
/// not as the token was issued; with the header's workspace bar (`api/team.rs`) and the
/// banners across the app (`api/profile.rs` `banners_html`), rendered by the server, so the
/// pages' WASM carries none of their shapes.
#[server(prefix = "/sfn")]
pub async fn current_user() -> Result<Option<(UserDto, String, String)>, AppError> {
    let call = super::context::Call::new()?;
    let member = match call.member().await {
        Ok(member) => member,
        Err(e) if e.status == 401 => return Ok(None),
        Err(e) => return Err(e),
    };
    let user = (&users::current(&call.state, &member).await?).into();
    let bar = super::team::workspace_bar(&call.state, &member).await?;
    let banners = super::profile::banners_html(&call.state, &member).await?;
    Ok(Some((user, bar, banners)))
}

/// Logs in and goes on to `next`, the page that sent the visitor to log in, when it is a
/// page of this site; to the dashboard otherwise.
#[server(prefix = "/sfn")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<UserDto, AppError> {
    let call = super::context::Call::new()?;
    let (user, token) = users::login(&call.state, &email, password, &call.client()).await?;
    call.set_session_cookie(&token);
    let next = next.as_deref().and_then(crate::words::local_path);
    leptos_axum::redirect(next.unwrap_or("/"));
    Ok((&user).into())
}

#[server(prefix = "/sfn")]
pub async fn register(
    email: String,
    password: String,
    name: String,
    invite: Option<String>,
) -> Result<UserDto, AppError> {
    let call = super::context::Call::new()?;
    let invite = invite
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty());
    let account = users::NewAccount {
        email: &email,
        password,
        name: &name,
        invite: invite.as_deref(),
    };
    let (user, token) = users::register(&call.state, account, &call.client()).await?;
    call.set_session_cookie(&token);
    leptos_axum::redirect("/");
    Ok((&user).into())
}

#[server(prefix = "/sfn")]
pub async fn logout() -> Result<(), AppError> {
    super::context::Call::new()?.clear_session_cookie();
    leptos_axum::redirect("/login");
    Ok(())
}

/// My Profile's password form. The session continues on a fresh cookie; every other session
/// of the user ends.
#[server(prefix = "/sfn")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    if new_password != repeat_password {
        return Err(AppError::new(
            422,
            "Validation failed",
            "The new password and its repetition differ",
        ));
    }
    let (_, token) = users::change_password(
        &call.state,
        &user,
        current_password,
        new_password,
        &call.client(),
    )
    .await?;
    call.set_session_cookie(&token);
    Ok(())
}

/// Ends every session of the user, this one included.
#[server(prefix = "/sfn")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    users::logout_all(&call.state, &user, &call.client()).await?;
    call.clear_session_cookie();
    leptos_axum::redirect("/login");
    Ok(())
}
