//! What a server function runs with: the services' state and the request, both provided by
//! `server` through Leptos context, and the caller, by the same session check as the REST API
//! (`session::authenticate`).
use hirekey_core::{
    session::{AuthUser, ClientInfo, Member},
    state::AppState,
};
use http::request::Parts;
use leptos::prelude::use_context;

use super::{session, AppError};

/// One server-function call.
pub(crate) struct Call {
    pub state: AppState,
    pub parts: Parts,
}

impl Call {
    pub fn new() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| {
            AppError::new(500, "Internal error", "The services are not available")
        })?;
        let parts = use_context::<Parts>()
            .ok_or_else(|| AppError::new(500, "Internal error", "The request is not available"))?;
        Ok(Self { state, parts })
    }

    /// The signed-in caller; 401 otherwise.
    pub async fn user(&self) -> Result<AuthUser, AppError> {
        Ok(session::authenticate(&self.parts, &self.state).await?)
    }

    /// The signed-in caller in the workspace the call acts on; 401 otherwise.
    pub async fn member(&self) -> Result<Member, AppError> {
        Ok(session::authenticate_member(&self.parts, &self.state).await?)
    }

    /// Where the call came from, for the audit trail.
    pub fn client(&self) -> ClientInfo {
        session::client_info(&self.parts, self.state.config.trust_proxy_headers)
    }

    pub fn set_session_cookie(&self, token: &str) {
        set_cookie(&session::session_cookie_header(
            token,
            self.state.config.cookie_secure,
        ));
    }

    pub fn clear_session_cookie(&self) {
        set_cookie(&session::clear_cookie_header(
            self.state.config.cookie_secure,
        ));
    }
}

/// The call and its signed-in caller; 401 without one.
pub(crate) async fn signed_in() -> Result<(Call, AuthUser), AppError> {
    let call = Call::new()?;
    let user = call.user().await?;
    Ok((call, user))
}

/// The call and its signed-in caller in their current workspace; 401 without one.
pub(crate) async fn member() -> Result<(Call, Member), AppError> {
    let call = Call::new()?;
    let member = call.member().await?;
    Ok((call, member))
}

fn set_cookie(cookie: &str) {
    if let (Some(opts), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(cookie),
    ) {
        opts.append_header(http::header::SET_COOKIE, value);
    }
}
