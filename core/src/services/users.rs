//! Accounts: registration (open, or by invite), login, password changes and ending every
//! session, with argon2id on a blocking thread.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use types::provider::Provider;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::{
    config,
    entities::{invites as invite_rows, settings, users},
    error::{ServiceError, ServiceResult},
    services::{busy, invites, password, rate_limit, sessions, workspaces},
    session::{AuthUser, ClientInfo},
    state::AppState,
    vault::Secret,
};

pub use super::text::Email;

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

/// The account as a request sees it, from its stored row.
pub fn auth_user(row: &users::Model) -> AuthUser {
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

/// The window in which one client address may attempt `HIREKEY_REGISTRATIONS_PER_ADDRESS`
/// registrations (30 unless set), successful or not: bounds probing for registered emails and
/// the password hashing a stranger can cause.
const REGISTRATION_WINDOW_SECS: i64 = 15 * 60;

/// The `settings` row the first registration inserts in its own transaction. Its name is the
/// table's primary key, so of registrations racing on an empty database exactly one inserts
/// it (on PostgreSQL the others wait for that transaction to end, then find the row) and only
/// that one becomes the admin. The value is the id of the account that took it.
const FIRST_ACCOUNT_CLAIM: &str = "first_account";

/// Whether the first account may still be made: nobody has claimed it and no account exists.
/// Read before hashing, so that once there are accounts a caller meets the invite check first;
/// the registering transaction decides ([`claim_first_account`]).
async fn first_account_open(db: &impl ConnectionTrait) -> ServiceResult<bool> {
    let claimed = settings::Entity::find_by_id(FIRST_ACCOUNT_CLAIM.to_owned())
        .one(db)
        .await?
        .is_some();
    Ok(!claimed && !any_account(db).await?)
}

async fn any_account(db: &impl ConnectionTrait) -> ServiceResult<bool> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Claims the first account inside the registering transaction: true for one caller only.
/// A database with accounts made before the claim existed gets the claim too, with no admin.
async fn claim_first_account(txn: &DatabaseTransaction, account: Uuid) -> ServiceResult<bool> {
    let inserted = settings::Entity::insert(settings::ActiveModel {
        name: Set(FIRST_ACCOUNT_CLAIM.to_owned()),
        value: Set(account.to_string()),
    })
    .on_conflict(
        OnConflict::column(settings::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(inserted == 1 && !any_account(txn).await?)
}

async fn email_registered(db: &impl ConnectionTrait, email: &Email) -> ServiceResult<bool> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some())
}

/// A registration, checked and hashed, ready to be written.
struct PreparedAccount<'a> {
    id: Uuid,
    email: &'a Email,
    name: &'a str,
    password_hash: &'a str,
    /// No account existed when the registration began: it tries to claim the first one.
    may_be_first: bool,
    /// The invite already checked (invite mode, accounts exist).
    invite: Option<&'a invite_rows::Model>,
    /// The token as given, for a registration that lost the first account to another one.
    invite_token: Option<&'a str>,
}

enum Insertion {
    Created(users::Model),
    /// The email was registered meanwhile; the invite this registration was using, if any.
    EmailTaken(Option<invite_rows::Model>),
}

/// Writes the account, and uses up its invite, in one transaction.
async fn insert_account(
    state: &AppState,
    account: &PreparedAccount<'_>,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> ServiceResult<Insertion> {
    let txn = state.db.begin().await?;
    let is_first = account.may_be_first && claim_first_account(&txn, account.id).await?;
    let mut invite = account.invite.cloned();
    if account.may_be_first
        && !is_first
        && matches!(state.config.registration, config::Registration::Invite)
    {
        // Another registration became the first account meanwhile: this one needs an invite.
        invite = Some(invites::check(&txn, account.invite_token, account.email, now).await?);
    }
    let inserted = users::ActiveModel {
        id: Set(account.id),
        email: Set(account.email.as_str().to_owned()),
        name: Set(account.name.to_owned()),
        password_hash: Set(account.password_hash.to_owned()),
        is_admin: Set(is_first),
        active_provider: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        session_generation: Set(0),
        current_workspace_id: Set(None),
        fallback_providers: Set(None),
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Ok(Insertion::EmailTaken(invite));
        }
        Err(e) => return Err(e.into()),
    };
    workspaces::create_personal(&txn, row.id, now).await?;
    if let Some(invite) = &invite {
        invites::redeem(&txn, invite, row.id, client, now).await?;
    }
    txn.commit().await?;
    Ok(Insertion::Created(row))
}

/// The answer to a registration for an email that has an account. With an invite, the invite
/// is used up and the answer is a used invite's, so one invite probes one address at most and
/// a second try with it learns nothing; without one (open sign-up), 409.
async fn refuse_registered_email(
    state: &AppState,
    invite: Option<&invite_rows::Model>,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> ServiceError {
    match invite {
        Some(invite) => match invites::spend(&state.db, invite, client, now).await {
            Ok(()) => invites::used(),
            Err(e) => e,
        },
        None => ServiceError::Conflict("An account with this email already exists".into()),
    }
}

/// Creates an account; the first account is the admin (exactly one, however many register at
/// once). After it, with `HIREKEY_REGISTRATION=invite`, only with a usable invite (403
/// "Invite required" otherwise), which this registration then uses up, also when the email
/// turns out to be registered already. Throttled per client address.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    registration: NewAccount<'_>,
    client: &ClientInfo,
) -> ServiceResult<(AuthUser, String)> {
    let now = state.clock.now();
    if let Some(ip) = &client.ip {
        rate_limit::hit(
            &state.db,
            &format!("register-ip:{ip}"),
            REGISTRATION_WINDOW_SECS,
            state.config.registrations_per_address,
            now.timestamp(),
        )
        .await?
        .map_err(|retry_after| ServiceError::TooManyRequests {
            message: "Too many registration attempts; try again later".into(),
            retry_after,
        })?;
    }
    let email = Email::parse(registration.email)?;
    let password = Secret::new(registration.password);
    check_new_password(&password)?;
    // Shown on one line everywhere: no bidirectional controls that would reorder it.
    let name = crate::services::text::clean_label(registration.name);
    let name = if name.is_empty() {
        email.as_str().split('@').next().unwrap_or("").to_owned()
    } else {
        name
    };
    if name.chars().count() > 100 {
        return Err(ServiceError::Validation(
            "The name must be at most 100 characters".into(),
        ));
    }
    let may_be_first = first_account_open(&state.db).await?;
    // Checked before anything else about the account, so an uninvited caller learns nothing
    // (not even whether an email is registered).
    let invite = match state.config.registration {
        config::Registration::Invite if !may_be_first => {
            Some(invites::check(&state.db, registration.invite, &email, now).await?)
        }
        _ => None,
    };
    if email_registered(&state.db, &email).await? {
        return Err(refuse_registered_email(state, invite.as_ref(), client, now).await);
    }
    let password_hash = hash_password(state, password).await?;
    let account = PreparedAccount {
        id: Uuid::new_v4(),
        email: &email,
        name: &name,
        password_hash: &password_hash,
        may_be_first,
        invite: invite.as_ref(),
        invite_token: registration.invite,
    };
    // SQLite may report a write that met another one as busy; the transaction changed nothing.
    let insertion =
        busy::retry_service_if_busy(|| insert_account(state, &account, client, now)).await?;
    let row = match insertion {
        Insertion::Created(row) => row,
        Insertion::EmailTaken(invite) => {
            return Err(refuse_registered_email(state, invite.as_ref(), client, now).await)
        }
    };
    if row.is_admin {
        tracing::info!(user_id = %row.id, "the first account was created; it is the admin");
    }
    if matches!(state.config.registration, config::Registration::Open) {
        // Open sign-up needs no invite, but one that came along is marked used, so the admin's
        // list does not show it waiting. The account stands either way.
        if let Err(e) =
            invites::redeem_if_usable(&state.db, registration.invite, &email, row.id, client, now)
                .await
        {
            tracing::warn!(error = %e, "an invite used with open sign-up was not marked used");
        }
    }
    let user = auth_user(&row);
    let token = state
        .jwt
        .issue(&user, row.session_generation, now.timestamp())?;
    Ok((user, token))
}

/// One login throttle: failed attempts counted in one bucket over a sliding window.
struct LoginThrottle {
    bucket: String,
    window_secs: i64,
    limit: u32,
}

/// Failed logins for one account from one client address, per 15 minutes. Its owner at another
/// address is not affected by them.
const LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: u32 = 10;
/// Failed logins from one client address, whatever the accounts, per 15 minutes.
const LOGIN_FAILURES_PER_ADDRESS: u32 = 50;
const LOGIN_WINDOW_SECS: i64 = 15 * 60;
/// Failed logins for one account from every address together, per hour: the backstop that
/// stops a guesser spread over many addresses.
const LOGIN_FAILURES_PER_ACCOUNT: u32 = 100;
const LOGIN_ACCOUNT_WINDOW_SECS: i64 = 60 * 60;

/// The throttles a login attempt passes, narrowest first.
fn login_throttles(email: &str, client: &ClientInfo) -> Vec<LoginThrottle> {
    // An address holds no space and an email that has an account neither, so the pair's
    // bucket name is unambiguous.
    let address = client.ip.as_deref().unwrap_or("unknown");
    let mut throttles = vec![LoginThrottle {
        bucket: format!("login-pair:{address} {email}"),
        window_secs: LOGIN_WINDOW_SECS,
        limit: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
    }];
    if let Some(ip) = &client.ip {
        throttles.push(LoginThrottle {
            bucket: format!("login-ip:{ip}"),
            window_secs: LOGIN_WINDOW_SECS,
            limit: LOGIN_FAILURES_PER_ADDRESS,
        });
    }
    throttles.push(LoginThrottle {
        bucket: format!("login-account:{email}"),
        window_secs: LOGIN_ACCOUNT_WINDOW_SECS,
        limit: LOGIN_FAILURES_PER_ACCOUNT,
    });
    throttles
}

/// Gives back the hits an attempt counted in `throttles`. Bookkeeping only: a failure is
/// logged, and the attempt answered as it would have been.
async fn refund_login(state: &AppState, throttles: &[LoginThrottle], at: i64) {
    for throttle in throttles {
        if let Err(e) =
            rate_limit::refund(&state.db, &throttle.bucket, throttle.window_secs, at).await
        {
            tracing::warn!(error = %e, "a login attempt's count could not be taken back");
        }
    }
}

/// Checks credentials. Failed attempts are throttled per account and client address, per
/// address and, far higher, per account; a successful login counts against none of them.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> ServiceResult<(AuthUser, String)> {
    let now = state.clock.now().timestamp();
    let normalized = email.trim().to_lowercase();
    // No account's email is longer (`Email::parse`); a longer one still gets a bucket of its
    // own size-bounded name.
    let account_key: String = normalized.chars().take(254).collect();
    let throttles = login_throttles(&account_key, client);
    // Every attempt is counted before the password is checked, so concurrent guesses cannot
    // all slip under a limit; a success then takes its count back.
    for (passed, throttle) in throttles.iter().enumerate() {
        let verdict = rate_limit::hit(
            &state.db,
            &throttle.bucket,
            throttle.window_secs,
            throttle.limit,
            now,
        )
        .await?;
        if let Err(retry_after) = verdict {
            // A refused attempt counts only against the throttle that refused it: a stranger
            // locked out of one account at one address does not feed the wider throttles.
            refund_login(state, &throttles[..passed], now).await;
            return Err(ServiceError::TooManyRequests {
                message: "Too many login attempts; try again later".into(),
                retry_after,
            });
        }
    }
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
            refund_login(state, &throttles, now).await;
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

/// The user's row; 401 if the account is gone (a token can outlive its account).
pub async fn load_user(state: &AppState, user_id: Uuid) -> ServiceResult<users::Model> {
    users::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::Unauthorized)
}

/// The provider the user chose, else the default one.
pub fn active_provider(user: &users::Model) -> Provider {
    user.active_provider
        .as_deref()
        .and_then(|p| Provider::parse(p).ok())
        .unwrap_or(Provider::DEFAULT)
}

/// The caller as the database has them now (name, email, admin flag), not as their token
/// said when it was issued; 401 if the account is gone.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn current(state: &AppState, auth: &AuthUser) -> ServiceResult<AuthUser> {
    Ok(auth_user(&load_user(state, auth.id).await?))
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
    let row = load_user(state, auth.id).await?;
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
