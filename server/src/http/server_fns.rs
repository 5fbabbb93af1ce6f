//! `ServerBackend`: the server's side of `app::api::Backend`, so server functions call the same
//! services as the REST handlers.
use app::api::{
    admin::{AdminAiConfig, AdminSettings, AdminUser, CreateInviteRequest, CreatedInvite, Invite},
    auth::{AuthResponse, ChangePasswordRequest, LoginRequest, RegisterRequest, UserDto},
    candidates::{Candidate, CandidateDetail, CandidatePage, CandidateQuery},
    chat::{AiKeyStatus, ConversationDetail, ConversationSummary},
    dashboard::DashboardSummary,
    profile::{
        PersonalAiSettings, SetupGuide, TestAiKeyRequest, TestAiKeyResponse,
        UpdatePersonalAiSettings,
    },
    usage::{AuditEntry, UsageSummary},
    AppError, Backend,
};
use http::request::Parts;
use uuid::Uuid;

use super::auth::{authenticate_parts, clear_cookie_header, link_origin, session_cookie_header};
use crate::{
    error::ServiceError,
    services::{
        admin, audit, chat, dashboard, guide, invites, keys, resumes, sessions, usage,
        users::{self, NewAccount},
    },
    session::{AuthUser, ClientInfo},
    state::AppState,
};

pub struct ServerBackend {
    state: AppState,
}

impl ServerBackend {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    fn client(&self, parts: &Parts) -> ClientInfo {
        ClientInfo::from_parts(parts, self.state.config.trust_proxy_headers)
    }
}

#[async_trait::async_trait]
impl Backend for ServerBackend {
    async fn authenticate(&self, parts: &Parts) -> Result<UserDto, AppError> {
        let verified = authenticate_parts(parts, &self.state.jwt, &self.state.config)?;
        // A token can outlive its account, its admin rights or its session (logout everywhere,
        // a password change); the database decides all three. The generation read goes into
        // the REST routes' cache as theirs does: not if the entry was dropped meanwhile.
        let epoch = sessions::read_epoch(&self.state);
        let stored = keys::load_user(&self.state, verified.user.id).await?;
        if stored.session_generation != verified.generation {
            return Err(ServiceError::Unauthorized.into());
        }
        sessions::remember_read(&self.state, stored.id, stored.session_generation, epoch);
        // Name, e-mail and admin flag as they are now, not as the token was issued.
        Ok((&users::auth_user(&stored)).into())
    }

    fn registration_open(&self) -> bool {
        matches!(
            self.state.config.registration,
            crate::config::Registration::Open
        )
    }

    async fn register(
        &self,
        request: RegisterRequest,
        parts: &Parts,
    ) -> Result<AuthResponse, AppError> {
        let (user, token) = users::register(
            &self.state,
            NewAccount {
                email: &request.email,
                password: request.password,
                name: &request.name,
                invite: request.invite.as_deref(),
            },
            &self.client(parts),
        )
        .await?;
        Ok(AuthResponse {
            token,
            user: (&user).into(),
        })
    }

    async fn change_password(
        &self,
        user: &UserDto,
        request: ChangePasswordRequest,
        parts: &Parts,
    ) -> Result<AuthResponse, AppError> {
        let (user, token) = users::change_password(
            &self.state,
            &AuthUser::from(user),
            request.current_password,
            request.new_password,
            &self.client(parts),
        )
        .await?;
        Ok(AuthResponse {
            token,
            user: (&user).into(),
        })
    }

    async fn logout_all(&self, user: &UserDto, parts: &Parts) -> Result<(), AppError> {
        Ok(users::logout_all(&self.state, &AuthUser::from(user), &self.client(parts)).await?)
    }

    async fn login(&self, request: LoginRequest, parts: &Parts) -> Result<AuthResponse, AppError> {
        let (user, token) = users::login(
            &self.state,
            &request.email,
            request.password,
            &self.client(parts),
        )
        .await?;
        Ok(AuthResponse {
            token,
            user: (&user).into(),
        })
    }

    fn session_cookie(&self, token: &str) -> String {
        session_cookie_header(token, self.state.config.cookie_secure)
    }

    fn clear_session_cookie(&self) -> String {
        clear_cookie_header(self.state.config.cookie_secure)
    }

    async fn ai_settings(&self, user: &UserDto) -> Result<PersonalAiSettings, AppError> {
        Ok(keys::settings(&self.state, user.id).await?)
    }

    async fn update_ai_settings(
        &self,
        user: &UserDto,
        request: UpdatePersonalAiSettings,
        parts: &Parts,
    ) -> Result<PersonalAiSettings, AppError> {
        Ok(keys::update(
            &self.state,
            &AuthUser::from(user),
            request,
            &self.client(parts),
        )
        .await?)
    }

    async fn delete_ai_key(
        &self,
        user: &UserDto,
        provider: Option<String>,
        parts: &Parts,
    ) -> Result<PersonalAiSettings, AppError> {
        Ok(keys::delete(
            &self.state,
            &AuthUser::from(user),
            provider.as_deref(),
            &self.client(parts),
        )
        .await?)
    }

    async fn test_ai_key(
        &self,
        user: &UserDto,
        request: TestAiKeyRequest,
        parts: &Parts,
    ) -> Result<TestAiKeyResponse, AppError> {
        Ok(keys::test(
            &self.state,
            &AuthUser::from(user),
            request,
            &self.client(parts),
        )
        .await?)
    }

    fn setup_guide(&self, provider: Option<&str>) -> Result<SetupGuide, AppError> {
        Ok(guide::for_request(&self.state.config.providers, provider)?)
    }

    async fn usage(&self, user: &UserDto, days: u32) -> Result<UsageSummary, AppError> {
        Ok(usage::summary(&self.state, user.id, days)
            .await
            .map_err(ServiceError::from)?)
    }

    async fn audit(&self, user: &UserDto) -> Result<Vec<AuditEntry>, AppError> {
        Ok(audit::list(&self.state.db, user.id, 200)
            .await
            .map_err(ServiceError::from)?)
    }

    async fn dashboard(&self, user: &UserDto) -> Result<DashboardSummary, AppError> {
        Ok(dashboard::summary(&self.state, &AuthUser::from(user)).await?)
    }

    async fn list_candidates(
        &self,
        user: &UserDto,
        query: CandidateQuery,
    ) -> Result<CandidatePage, AppError> {
        Ok(resumes::list(&self.state, &AuthUser::from(user), query).await?)
    }

    async fn get_candidate(&self, user: &UserDto, id: Uuid) -> Result<CandidateDetail, AppError> {
        Ok(resumes::get(&self.state, &AuthUser::from(user), id).await?)
    }

    async fn reanalyze_candidate(&self, user: &UserDto, id: Uuid) -> Result<Candidate, AppError> {
        Ok(resumes::reanalyze(&self.state, &AuthUser::from(user), id).await?)
    }

    async fn delete_candidate(&self, user: &UserDto, id: Uuid) -> Result<(), AppError> {
        Ok(resumes::delete(&self.state, &AuthUser::from(user), id).await?)
    }

    async fn keep_candidate(&self, user: &UserDto, id: Uuid) -> Result<(), AppError> {
        Ok(resumes::keep_as_resume(&self.state, &AuthUser::from(user), id).await?)
    }

    async fn list_conversations(
        &self,
        user: &UserDto,
    ) -> Result<Vec<ConversationSummary>, AppError> {
        Ok(chat::list_conversations(&self.state, &AuthUser::from(user)).await?)
    }

    async fn get_conversation(
        &self,
        user: &UserDto,
        id: Uuid,
    ) -> Result<ConversationDetail, AppError> {
        Ok(chat::get_conversation(&self.state, &AuthUser::from(user), id).await?)
    }

    async fn rename_conversation(
        &self,
        user: &UserDto,
        id: Uuid,
        title: String,
    ) -> Result<ConversationSummary, AppError> {
        Ok(chat::rename_conversation(&self.state, &AuthUser::from(user), id, &title).await?)
    }

    async fn delete_conversation(&self, user: &UserDto, id: Uuid) -> Result<(), AppError> {
        Ok(chat::delete_conversation(&self.state, &AuthUser::from(user), id).await?)
    }

    async fn chat_key_status(&self, user: &UserDto) -> Result<AiKeyStatus, AppError> {
        Ok(chat::key_status(&self.state, &AuthUser::from(user)).await?)
    }

    async fn admin_users(&self, user: &UserDto) -> Result<Vec<AdminUser>, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(admin::list_users(&self.state, &admin).await?)
    }

    async fn admin_ai_config(&self, user: &UserDto) -> Result<AdminAiConfig, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(admin::ai_config(&self.state, &admin).await?)
    }

    async fn admin_test_system_key(&self, user: &UserDto) -> Result<TestAiKeyResponse, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(admin::test_system_key(&self.state, &admin).await?)
    }

    async fn admin_update_settings(
        &self,
        user: &UserDto,
        settings: AdminSettings,
    ) -> Result<AdminAiConfig, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(admin::update_settings(&self.state, &admin, settings).await?)
    }

    async fn admin_usage(&self, user: &UserDto, days: u32) -> Result<UsageSummary, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(admin::usage(&self.state, &admin, days).await?)
    }

    async fn admin_invites(&self, user: &UserDto) -> Result<Vec<Invite>, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(invites::list(&self.state, &admin).await?)
    }

    async fn admin_create_invite(
        &self,
        user: &UserDto,
        request: CreateInviteRequest,
        parts: &Parts,
    ) -> Result<CreatedInvite, AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        let origin = link_origin(&self.state.config);
        Ok(invites::create(&self.state, &admin, request, &origin, &self.client(parts)).await?)
    }

    async fn admin_revoke_invite(
        &self,
        user: &UserDto,
        id: Uuid,
        parts: &Parts,
    ) -> Result<(), AppError> {
        let admin = admin::require_admin(&self.state, &AuthUser::from(user)).await?;
        Ok(invites::revoke(&self.state, &admin, id, &self.client(parts)).await?)
    }
}
