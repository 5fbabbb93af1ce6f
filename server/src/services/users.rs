//! Accounts: registration (open, or by invite), login, password changes and ending every
//! session, with argon2id on a blocking thread.
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    SqlErr, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    config,
    entities::users,
    error::{ServiceError, ServiceResult},
    services::{
        audit::{self, AuditEvent},
        invites, keys, password, rate_limit, sessions,
    },
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

/// The password rules, at registration and on a change: 8 characters at least, 1 KiB at most.
fn check_new_password(password: &Secret) -> ServiceResult<()> {
    if password.expose().chars().count() < 8 {
        return Err(ServiceError::Validation(
            "The password must be at least 8 characters long".into(),
        ));
    }
    if password.expose().len() > 1024 {
        return Err(ServiceError::Validation("The password is too long".into()));
    }
    Ok(())
}

/// What a registration carries.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password: String,
    pub name: &'a str,
    /// The invite token; needed in invite mode once an account exists.
    pub invite: Option<&'a str>,
}

/// Creates an account; the first account is the admin. After it, with
/// `HIREKEY_REGISTRATION=invite`, only with a usable invite (403 "Invite required"
/// otherwise), which this registration then uses up.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    registration: NewAccount<'_>,
    client: &ClientInfo,
) -> ServiceResult<(AuthUser, String)> {
    let email = Email::parse(registration.email)?;
    let password = Secret::new(registration.password);
    check_new_password(&password)?;
    let name = registration.name.trim();
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
    let now = state.clock.now();
    let is_first = users::Entity::find().count(&state.db).await? == 0;
    // Checked before anything else about the account, so an uninvited caller learns nothing
    // (not even whether an email is registered).
    let invite = match state.config.registration {
        config::Registration::Invite if !is_first => {
            Some(invites::check(&state.db, registration.invite, &email, now).await?)
        }
        _ => None,
    };
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
    let txn = state.db.begin().await?;
    let row = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        password_hash: Set(hash),
        is_admin: Set(is_first),
        active_provider: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        session_generation: Set(0),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::Conflict("An account with this email already exists".into())
        }
        _ => ServiceError::from(e),
    })?;
    if let Some(invite) = &invite {
        invites::redeem(&txn, invite, row.id, client, now).await?;
    }
    txn.commit().await?;
    let user = auth_user(&row);
    let token = state
        .jwt
        .issue(&user, row.session_generation, now.timestamp())?;
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
            let token =
                state
                    .jwt
                    .issue(&user, row.session_generation, state.clock.now().timestamp())?;
            Ok((user, token))
        }
        _ => Err(ServiceError::InvalidCredentials),
    }
}

/// Changes the caller's password and ends every other session: checks the current password
/// (a wrong one is 422, so a client does not take it for an ended session), applies the
/// registration rules to the new one, stores it and raises the session generation in one
/// transaction, and answers a token of the new generation. Throttled per user and per IP as
/// login is.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn change_password(
    state: &AppState,
    auth: &AuthUser,
    current_password: String,
    new_password: String,
    client: &ClientInfo,
) -> ServiceResult<(AuthUser, String)> {
    let now = state.clock.now();
    let too_many = |retry_after| ServiceError::TooManyRequests {
        message: "Too many password attempts; try again later".into(),
        retry_after,
    };
    if let Some(ip) = &client.ip {
        rate_limit::hit(
            &state.db,
            &format!("password-ip:{ip}"),
            900,
            50,
            now.timestamp(),
        )
        .await?
        .map_err(too_many)?;
    }
    rate_limit::hit(
        &state.db,
        &format!("password-user:{}", auth.id),
        900,
        10,
        now.timestamp(),
    )
    .await?
    .map_err(too_many)?;
    let new_password = Secret::new(new_password);
    check_new_password(&new_password)?;
    let current_password = Secret::new(current_password);
    if current_password.expose() == new_password.expose() {
        return Err(ServiceError::Validation(
            "The new password must differ from the current one".into(),
        ));
    }
    let row = keys::load_user(state, auth.id).await?;
    let ok = verify_password(state, current_password, Some(row.password_hash.clone())).await?;
    if !ok {
        return Err(ServiceError::Validation(
            "The current password is not correct".into(),
        ));
    }
    let hash = hash_password(state, new_password).await?;
    let txn = state.db.begin().await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(auth.id))
        .exec(&txn)
        .await?;
    let (generation, published) = sessions::bump(state, &txn, auth.id).await?;
    audit::record(
        &txn,
        Some(auth.id),
        AuditEvent::PasswordChanged,
        None,
        Some("every other session ended".into()),
        client,
        now,
    )
    .await?;
    txn.commit().await?;
    sessions::remember(state, auth.id, generation);
    published.delivered(state).await;
    tracing::info!("password changed; other sessions ended");
    let user = auth_user(&row);
    let token = state.jwt.issue(&user, generation, now.timestamp())?;
    Ok((user, token))
}

/// Ends every session of the caller, this one included.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn logout_all(
    state: &AppState,
    auth: &AuthUser,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let (generation, published) = sessions::bump(state, &txn, auth.id).await?;
    audit::record(
        &txn,
        Some(auth.id),
        AuditEvent::SignedOutEverywhere,
        None,
        None,
        client,
        now,
    )
    .await?;
    txn.commit().await?;
    sessions::remember(state, auth.id, generation);
    published.delivered(state).await;
    tracing::info!("every session ended");
    Ok(())
}
