//! Accounts: DTOs shared by the REST API and the pages, and the auth server functions.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppError;

/// A user as every API returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub is_admin: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    pub token: String,
    pub user: UserDto,
}

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

#[server(prefix = "/sfn")]
pub async fn login(email: String, password: String) -> Result<UserDto, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let auth = backend
        .login(LoginRequest { email, password }, &parts)
        .await?;
    super::set_cookie(&backend.session_cookie(&auth.token));
    leptos_axum::redirect("/");
    Ok(auth.user)
}

#[server(prefix = "/sfn")]
pub async fn register(email: String, password: String, name: String) -> Result<UserDto, AppError> {
    let backend = super::backend()?;
    let auth = backend
        .register(RegisterRequest {
            email,
            password,
            name,
        })
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
