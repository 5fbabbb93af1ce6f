//! Accounts: registration and login, with argon2id on a blocking thread.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, SqlErr,
};
use uuid::Uuid;

use crate::{
    entities::users,
    error::{ServiceError, ServiceResult},
    services::{password, rate_limit},
    session::{AuthUser, ClientInfo},
    state::AppState,
    vault::Secret,
};

/// A syntactically valid, lower-cased email address.
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ServiceError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            });
        if valid {
            Ok(Self(email))
        } else {
            Err(ServiceError::Validation(
                "Enter a valid email address".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

async fn hash_password(state: &AppState, password: Secret) -> ServiceResult<String> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    tokio::task::spawn_blocking(move || {
        password::hash(password.expose().as_bytes())
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?
}

/// A hash of a random password, verified against when the email is unknown, so a wrong email
/// and a wrong password take the same time.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn verify_password(
    state: &AppState,
    password: Secret,
    hash: Option<String>,
) -> ServiceResult<bool> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = match hash {
            Some(h) => h,
            None => DUMMY_HASH
                .get_or_init(|| password::hash(b"hirekey-dummy-password").unwrap_or_default())
                .clone(),
        };
        let ok = password::verify(password.expose().as_bytes(), &hash);
        Ok(known && ok)
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?
}

fn auth_user(row: &users::Model) -> AuthUser {
    AuthUser {
        id: row.id,
        email: row.email.clone(),
        name: row.name.clone(),
        is_admin: row.is_admin,
    }
}

/// Creates an account; the first account is the admin.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    email: &str,
    password: String,
    name: &str,
) -> ServiceResult<(AuthUser, String)> {
    let email = Email::parse(email)?;
    let password = Secret::new(password);
    if password.expose().chars().count() < 8 {
        return Err(ServiceError::Validation(
            "The password must be at least 8 characters long".into(),
        ));
    }
    if password.expose().len() > 1024 {
        return Err(ServiceError::Validation("The password is too long".into()));
    }
    let name = name.trim();
    let name = if name.is_empty() {
        email.as_str().split('@').next().unwrap_or("")
    } else {
        name
    };
    if name.chars().count() > 100 {
        return Err(ServiceError::Validation(
            "The name must be at most 100 characters".into(),
        ));
    }
    if users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(
            "An account with this email already exists".into(),
        ));
    }
    let hash = hash_password(state, password).await?;
    let is_admin = users::Entity::find().count(&state.db).await? == 0;
    let now = state.clock.now();
    let row = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        password_hash: Set(hash),
        is_admin: Set(is_admin),
        active_provider: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::Conflict("An account with this email already exists".into())
        }
        _ => ServiceError::from(e),
    })?;
    let user = auth_user(&row);
    let token = state.jwt.issue(&user, now.timestamp())?;
    Ok((user, token))
}

/// Checks credentials, throttled per IP and per email.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> ServiceResult<(AuthUser, String)> {
    let now = state.clock.now().timestamp();
    let normalized = email.trim().to_lowercase();
    let too_many = |retry_after| ServiceError::TooManyRequests {
        message: "Too many login attempts; try again later".into(),
        retry_after,
    };
    if let Some(ip) = &client.ip {
        rate_limit::hit(&state.db, &format!("login-ip:{ip}"), 900, 50, now)
            .await?
            .map_err(too_many)?;
    }
    rate_limit::hit(
        &state.db,
        &format!("login-email:{normalized}"),
        900,
        10,
        now,
    )
    .await?
    .map_err(too_many)?;
    let row = users::Entity::find()
        .filter(users::Column::Email.eq(normalized))
        .one(&state.db)
        .await?;
    let ok = verify_password(
        state,
        Secret::new(password),
        row.as_ref().map(|r| r.password_hash.clone()),
    )
    .await?;
    match row {
        Some(row) if ok => {
            let user = auth_user(&row);
            let token = state.jwt.issue(&user, state.clock.now().timestamp())?;
            Ok((user, token))
        }
        _ => Err(ServiceError::InvalidCredentials),
    }
}
