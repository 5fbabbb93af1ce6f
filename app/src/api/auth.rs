//! The auth server functions: sign in, sign up, sign out, password (shapes in `types::auth`).
use leptos::prelude::*;

pub use types::auth::*;

use super::AppError;

/// The logged-in user, or `None` for a visitor.
#[server(prefix = "/sfn")]
pub async fn current_user() -> Result<Option<UserDto>, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    match backend.authenticate(&parts).await {
        Ok(user) => Ok(Some(user)),
        Err(e) if e.status == 401 => Ok(None),
        Err(e) => Err(e),
    }
}

/// Logs in and goes on to `next`, the page that sent the visitor to log in, when it is a
/// page of this site; to the dashboard otherwise.
#[server(prefix = "/sfn")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<UserDto, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let auth = backend
        .login(LoginRequest { email, password }, &parts)
        .await?;
    super::set_cookie(&backend.session_cookie(&auth.token));
    let next = next.as_deref().and_then(crate::words::local_path);
    leptos_axum::redirect(next.unwrap_or("/"));
    Ok(auth.user)
}

#[server(prefix = "/sfn")]
pub async fn register(
    email: String,
    password: String,
    name: String,
    invite: Option<String>,
) -> Result<UserDto, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let invite = invite
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty());
    let auth = backend
        .register(
            RegisterRequest {
                email,
                password,
                name,
                invite,
            },
            &parts,
        )
        .await?;
    super::set_cookie(&backend.session_cookie(&auth.token));
    leptos_axum::redirect("/");
    Ok(auth.user)
}

#[server(prefix = "/sfn")]
pub async fn logout() -> Result<(), AppError> {
    let backend = super::backend()?;
    super::set_cookie(&backend.clear_session_cookie());
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
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    if new_password != repeat_password {
        return Err(AppError::new(
            422,
            "Validation failed",
            "The new password and its repetition differ",
        ));
    }
    let auth = backend
        .change_password(
            &user,
            ChangePasswordRequest {
                current_password,
                new_password,
            },
            &parts,
        )
        .await?;
    super::set_cookie(&backend.session_cookie(&auth.token));
    Ok(())
}

/// Ends every session of the user, this one included.
#[server(prefix = "/sfn")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.logout_all(&user, &parts).await?;
    super::set_cookie(&backend.clear_session_cookie());
    leptos_axum::redirect("/login");
    Ok(())
}
