//! Who is calling: the signed-in user (`AuthUser`), where the request came from (`ClientInfo`)
//! and the session tokens (HS256 JWTs) that carry the user between requests. The HTTP layer
//! reads these from headers and cookies; services only ever see the types.
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ServiceError;

/// How long a session lasts.
pub const TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// Signs and verifies session tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A token for `user`, carrying the user's current session `generation`: raising the
    /// generation in the database ends this token.
    pub fn issue(&self, user: &AuthUser, generation: i64, now: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            admin: user.is_admin,
            generation,
            iat: now,
            exp: now + TOKEN_LIFETIME_SECS,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The signature and expiry only; whether the token's generation is still current is the
    /// caller's to check (`services::sessions::ensure_current`).
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, ServiceError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ServiceError::Unauthorized)?;
        let c = data.claims;
        Ok(VerifiedToken {
            user: AuthUser {
                id: c.sub,
                email: c.email,
                name: c.name,
                is_admin: c.admin,
            },
            generation: c.generation,
        })
    }
}

/// A token whose signature and expiry are good.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    pub user: AuthUser,
    /// The user's session generation when the token was issued.
    pub generation: i64,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    email: String,
    name: String,
    #[serde(default)]
    admin: bool,
    /// The session generation; tokens from before generations existed count as 0.
    #[serde(rename = "gen", default)]
    generation: i64,
    iat: i64,
    exp: i64,
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

impl From<&AuthUser> for types::auth::UserDto {
    fn from(u: &AuthUser) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            is_admin: u.is_admin,
        }
    }
}

impl From<&types::auth::UserDto> for AuthUser {
    fn from(u: &types::auth::UserDto) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            is_admin: u.is_admin,
        }
    }
}

/// The caller acting in a workspace (`services::workspaces::resolve`): the candidates,
/// resumes and conversations a request sees are this workspace's, and `role` says what the
/// caller may do there.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: AuthUser,
    pub workspace_id: Uuid,
    pub role: types::workspaces::Role,
}

impl std::ops::Deref for Member {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl Member {
    /// Uploads, analyses, chat and deletes: refused to viewers, whatever the page showed.
    pub fn ensure_can_work(&self) -> Result<(), ServiceError> {
        if self.role.can_work() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "Viewers can read candidates but not change them or use AI features".into(),
            ))
        }
    }
}

/// Where a request came from, for audit rows and throttling.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A caller the database says is an admin right now.
#[derive(Clone, Debug)]
pub struct Admin {
    pub(crate) id: Uuid,
    pub(crate) email: String,
}

impl Admin {
    /// The admin's user id.
    pub fn id(&self) -> Uuid {
        self.id
    }
}
