//! What the server functions need from the server. `server` implements it and provides it as
//! `Arc<dyn Backend>` through Leptos context; the REST handlers call the same services.
use http::request::Parts;
use uuid::Uuid;

use super::admin::{
    AdminAiConfig, AdminSettings, AdminUser, CreateInviteRequest, CreatedInvite, Invite,
};
use super::auth::{AuthResponse, ChangePasswordRequest, LoginRequest, RegisterRequest, UserDto};
use super::candidates::{Candidate, CandidateDetail, CandidatePage, CandidateQuery};
use super::chat::{AiKeyStatus, ConversationDetail, ConversationSummary};
use super::dashboard::DashboardSummary;
use super::profile::{
    PersonalAiSettings, SetupGuide, TestAiKeyRequest, TestAiKeyResponse, UpdatePersonalAiSettings,
};
use super::usage::{AuditEntry, UsageSummary};
use super::AppError;

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The user behind the request's session cookie or bearer token; 401 otherwise.
    async fn authenticate(&self, parts: &Parts) -> Result<UserDto, AppError>;
    async fn register(
        &self,
        request: RegisterRequest,
        parts: &Parts,
    ) -> Result<AuthResponse, AppError>;
    async fn login(&self, request: LoginRequest, parts: &Parts) -> Result<AuthResponse, AppError>;
    /// Checks the current password, stores the new one and ends every other session: the
    /// answer's token is the caller's new session.
    async fn change_password(
        &self,
        user: &UserDto,
        request: ChangePasswordRequest,
        parts: &Parts,
    ) -> Result<AuthResponse, AppError>;
    /// Ends every session of the user, the caller's included.
    async fn logout_all(&self, user: &UserDto, parts: &Parts) -> Result<(), AppError>;
    /// Anyone may sign up (`HIREKEY_REGISTRATION=open`): the register page asks for no invite.
    fn registration_open(&self) -> bool {
        false
    }
    fn session_cookie(&self, token: &str) -> String;
    fn clear_session_cookie(&self) -> String;

    async fn ai_settings(&self, user: &UserDto) -> Result<PersonalAiSettings, AppError>;
    async fn update_ai_settings(
        &self,
        user: &UserDto,
        request: UpdatePersonalAiSettings,
        parts: &Parts,
    ) -> Result<PersonalAiSettings, AppError>;
    async fn delete_ai_key(
        &self,
        user: &UserDto,
        provider: Option<String>,
        parts: &Parts,
    ) -> Result<PersonalAiSettings, AppError>;
    async fn test_ai_key(
        &self,
        user: &UserDto,
        request: TestAiKeyRequest,
        parts: &Parts,
    ) -> Result<TestAiKeyResponse, AppError>;
    fn setup_guide(&self, provider: Option<&str>) -> Result<SetupGuide, AppError>;

    async fn usage(&self, user: &UserDto, days: u32) -> Result<UsageSummary, AppError>;
    async fn audit(&self, user: &UserDto) -> Result<Vec<AuditEntry>, AppError>;
    /// The Dashboard: candidate counts, recent candidates, the key in use and the week's usage.
    async fn dashboard(&self, user: &UserDto) -> Result<DashboardSummary, AppError>;

    async fn list_candidates(
        &self,
        user: &UserDto,
        query: CandidateQuery,
    ) -> Result<CandidatePage, AppError>;
    async fn get_candidate(&self, user: &UserDto, id: Uuid) -> Result<CandidateDetail, AppError>;
    async fn reanalyze_candidate(&self, user: &UserDto, id: Uuid) -> Result<Candidate, AppError>;
    async fn delete_candidate(&self, user: &UserDto, id: Uuid) -> Result<(), AppError>;
    /// Clears the `not_a_resume` flag: a person confirmed the document is a resume.
    async fn keep_candidate(&self, user: &UserDto, id: Uuid) -> Result<(), AppError>;

    /// AI chat history and which key chat would use.
    async fn list_conversations(
        &self,
        user: &UserDto,
    ) -> Result<Vec<ConversationSummary>, AppError>;
    async fn get_conversation(
        &self,
        user: &UserDto,
        id: Uuid,
    ) -> Result<ConversationDetail, AppError>;
    async fn rename_conversation(
        &self,
        user: &UserDto,
        id: Uuid,
        title: String,
    ) -> Result<ConversationSummary, AppError>;
    async fn delete_conversation(&self, user: &UserDto, id: Uuid) -> Result<(), AppError>;
    async fn chat_key_status(&self, user: &UserDto) -> Result<AiKeyStatus, AppError>;

    /// The admin area: each answers 403 unless the database says the user is an admin.
    async fn admin_users(&self, user: &UserDto) -> Result<Vec<AdminUser>, AppError>;
    async fn admin_ai_config(&self, user: &UserDto) -> Result<AdminAiConfig, AppError>;
    async fn admin_test_system_key(&self, user: &UserDto) -> Result<TestAiKeyResponse, AppError>;
    async fn admin_update_settings(
        &self,
        user: &UserDto,
        settings: AdminSettings,
    ) -> Result<AdminAiConfig, AppError>;
    async fn admin_usage(&self, user: &UserDto, days: u32) -> Result<UsageSummary, AppError>;
    async fn admin_invites(&self, user: &UserDto) -> Result<Vec<Invite>, AppError>;
    async fn admin_create_invite(
        &self,
        user: &UserDto,
        request: CreateInviteRequest,
        parts: &Parts,
    ) -> Result<CreatedInvite, AppError>;
    async fn admin_revoke_invite(
        &self,
        user: &UserDto,
        id: Uuid,
        parts: &Parts,
    ) -> Result<(), AppError>;
}
