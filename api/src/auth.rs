//! Who is asking, and what they may do: passwords (argon2), sessions (bearer tokens), and the
//! rights check every resolver makes before it reads or sends anything.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash as Phc, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use async_graphql::{Context, ErrorExtensions};
use domain::configuration::{Configuration, Model, Right, ADMIN_GROUP};
use domain::user::PasswordHash;
use rand::RngCore;
use sqlx::PgPool;
use thiserror::Error;
use tokio::sync::{OnceCell, RwLock};
use uuid::Uuid;

use crate::graphql::{internal, RequestContext};
use crate::AppState;

/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The shortest password accepted.
pub const PASSWORD_MIN: usize = 8;
/// The longest password accepted (hashing is deliberately slow; a huge input would be slower).
pub const PASSWORD_MAX: usize = 256;

/// Users' stream ids come from their logins, so a login can be taken only once.
const USER_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b8e_4d3a_4c8e_9a51_7e0d_2c4b_8a19);

/// The stream id of the user who signs in with `login` (already normalised).
pub fn user_id(login: &str) -> Uuid {
    Uuid::new_v5(&USER_NAMESPACE, login.as_bytes())
}

#[derive(Debug, Error)]
pub enum PasswordError {
    #[error("a password has at least {PASSWORD_MIN} characters")]
    TooShort,
    #[error("a password has at most {PASSWORD_MAX} characters")]
    TooLong,
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// Hashes a password with argon2id and a random salt. Slow on purpose: runs off the async
/// threads.
pub async fn hash_password(password: &str) -> Result<PasswordHash, PasswordError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(PasswordError::TooShort);
    }
    if len > PASSWORD_MAX {
        return Err(PasswordError::TooLong);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| PasswordHash::from_phc(hash.to_string()))
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| PasswordError::Hashing(e.to_string()))?
}

/// Whether `password` matches `phc`. Also run for unknown logins (against a hash of nothing),
/// so a wrong login takes as long to refuse as a wrong password.
pub async fn verify_password(password: &str, phc: Option<String>) -> bool {
    if password.chars().count() > PASSWORD_MAX {
        return false;
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        static DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$pTvjJ0a1OjdwrUCg5BKPUBbVJaRw8TUZHXcs8QT8zGU";
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| DECOY.to_owned());
        let Ok(parsed) = Phc::new(&phc) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}

/// Opens a session for `user_id` and returns its token (shown to the client once; only its
/// hash is stored) and when it expires.
pub async fn open_session(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<(String, chrono::DateTime<chrono::Utc>), sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires_at = chrono::Utc::now()
        + chrono::Duration::from_std(SESSION_LIFETIME).unwrap_or(chrono::Duration::hours(12));
    sqlx::query(
        "insert into user_session (token_hash, user_id, expires_at)
         values (sha256(convert_to($1, 'UTF8')), $2, $3)",
    )
    .bind(&token)
    .bind(user_id)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok((token, expires_at))
}

/// Ends the session of `token`.
pub async fn close_session(pool: &PgPool, token: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("delete from user_session where token_hash = sha256(convert_to($1, 'UTF8'))")
            .bind(token)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// The configuration as the read model has it, as one request sees it.
#[derive(Debug, Default)]
pub struct ConfigView {
    pub version: i64,
    pub position: i64,
    pub configuration: Configuration,
}

/// The latest configuration read, shared by all requests; reloaded when a request learns of a
/// newer version.
#[derive(Debug, Default)]
pub struct ConfigCache(RwLock<Arc<ConfigView>>);

impl ConfigCache {
    /// The configuration at `version` or later.
    pub async fn at_least(
        &self,
        pool: &PgPool,
        version: i64,
    ) -> Result<Arc<ConfigView>, sqlx::Error> {
        {
            let cached = self.0.read().await;
            if cached.version >= version {
                return Ok(cached.clone());
            }
        }
        let mut cached = self.0.write().await;
        if cached.version >= version {
            return Ok(cached.clone());
        }
        if let Some(row) = projections::configuration::current(pool).await? {
            *cached = Arc::new(ConfigView {
                version: row.version,
                position: row.position,
                configuration: row.configuration,
            });
        }
        Ok(cached.clone())
    }

    /// The configuration as last read, without asking the database.
    pub async fn cached(&self) -> Arc<ConfigView> {
        self.0.read().await.clone()
    }
}

/// A signed-in user, with the configuration their rights were checked against.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub login: String,
    pub groups: BTreeSet<String>,
    pub config: Arc<ConfigView>,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.groups.contains(ADMIN_GROUP)
    }

    /// Whether any of the user's groups gives `right` on `model`.
    pub fn may(&self, model: Model, right: Right) -> bool {
        self.is_admin()
            || self.groups.iter().any(|group| {
                self.config
                    .configuration
                    .settings()
                    .groups
                    .iter()
                    .find(|(code, _)| code.as_str() == group)
                    .and_then(|(_, g)| g.rights.get(&model))
                    .is_some_and(|rights| rights.allows(right))
            })
    }
}

/// Why a request has no actor.
#[derive(Debug, Clone)]
pub enum AuthFailure {
    /// No token, or one that is unknown, expired or of an inactive user.
    NotSignedIn,
    /// The lookup failed; logged with the request id.
    Internal(String),
}

/// The request's actor, looked up once per request.
#[derive(Debug, Default)]
pub struct Session(OnceCell<Result<Actor, AuthFailure>>);

async fn look_up(state: &AppState, token: Option<&str>) -> Result<Actor, AuthFailure> {
    let Some(token) = token else {
        return Err(AuthFailure::NotSignedIn);
    };
    let row: Option<(Uuid, String, Vec<String>, i64)> = sqlx::query_as(
        "select u.id, u.login, u.groups, coalesce((select version from configuration), 0)
           from user_session s join app_user u on u.id = s.user_id
          where s.token_hash = sha256(convert_to($1, 'UTF8'))
            and s.expires_at > now() and u.active",
    )
    .bind(token)
    .fetch_optional(&state.pool)
    .await
    .map_err(|e| AuthFailure::Internal(e.to_string()))?;
    let Some((user_id, login, groups, version)) = row else {
        return Err(AuthFailure::NotSignedIn);
    };
    let config = state
        .config
        .at_least(&state.pool, version)
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))?;
    Ok(Actor {
        user_id,
        login,
        groups: groups.into_iter().collect(),
        config,
    })
}

fn coded(message: impl Into<String>, code: &'static str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// The signed-in user of the request, or the error that says to sign in.
pub async fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    let state = ctx.data::<AppState>()?;
    let Some(request) = ctx.data_opt::<RequestContext>() else {
        return Err(coded(
            "sign in first (the login mutation gives a token)",
            "UNAUTHENTICATED",
        ));
    };
    let outcome = request
        .session
        .0
        .get_or_init(|| look_up(state, request.token.as_deref()))
        .await;
    match outcome {
        Ok(actor) => {
            let mut actor = actor.clone();
            // a mutation earlier in the same request may have changed the configuration.
            let latest = state.config.cached().await;
            if latest.version > actor.config.version {
                actor.config = latest;
            }
            request.saw_configuration(actor.config.version);
            Ok(actor)
        }
        Err(AuthFailure::NotSignedIn) => Err(coded(
            "sign in first: send `Authorization: Bearer <token>` with a token from the login mutation (the token may have expired, or the user been deactivated)",
            "UNAUTHENTICATED",
        )),
        Err(AuthFailure::Internal(error)) => Err(internal(ctx, error)),
    }
}

/// The signed-in user, if they have `right` on `model`; a `FORBIDDEN` error otherwise.
pub async fn require(
    ctx: &Context<'_>,
    model: Model,
    right: Right,
) -> async_graphql::Result<Actor> {
    let actor = actor(ctx).await?;
    if actor.may(model, right) {
        Ok(actor)
    } else {
        Err(coded(
            format!(
                "user '{}' may not {} {} records: no group of theirs has that right",
                actor.login,
                right.as_str(),
                model.as_str()
            ),
            "FORBIDDEN",
        ))
    }
}

/// An error unless `module` is installed: what a client gets from an operation of a module
/// the database does not have.
pub fn require_module(actor: &Actor, module: &str) -> async_graphql::Result<()> {
    if actor.config.configuration.settings().is_installed(module) {
        Ok(())
    } else {
        Err(coded(
            format!("this operation belongs to module '{module}', which is not installed in this database"),
            "MODULE_NOT_INSTALLED",
        ))
    }
}
