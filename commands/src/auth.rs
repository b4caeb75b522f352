//! Who is asking: passwords (argon2), sessions (bearer tokens, of which only the hash is
//! stored), and signing a request's token in as an [`Actor`].

use std::collections::BTreeSet;
use std::time::Duration;

use argon2::password_hash::{PasswordHash as Phc, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::configuration::ADMIN_GROUP;
use domain::user::PasswordHash;
use rand::RngCore;
use sqlx::PgPool;
use thiserror::Error;
use uuid::Uuid;

use crate::app::AppState;
use crate::policy::Actor;
use crate::sessions::Session;

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

/// Ends the session of `token`: from now on it signs nobody in, in this process at once (and in
/// others serving the same database within [`crate::sessions::FRESH_FOR`]).
pub async fn close_session(state: &AppState, token: &str) -> Result<bool, sqlx::Error> {
    state.sessions.forget(token);
    let done =
        sqlx::query("delete from user_session where token_hash = sha256(convert_to($1, 'UTF8'))")
            .bind(token)
            .execute(&state.pool)
            .await?;
    state.sessions.forget(token);
    Ok(done.rows_affected() > 0)
}

/// Why a request has no actor.
#[derive(Debug, Clone)]
pub enum AuthFailure {
    /// No token, or one that is unknown, expired or of an inactive user.
    NotSignedIn,
    /// The request names a company the user does not work in (or one that does not exist:
    /// the two are not told apart).
    NotYourCompany(String),
    /// The lookup failed; logged with the request id.
    Internal(String),
}

/// The actor a request's bearer token signs in, with the configuration their rights are checked
/// against, working in `company` (one of theirs) or else in their current company.
pub async fn sign_in(
    state: &AppState,
    token: Option<&str>,
    company: Option<&str>,
) -> Result<Actor, AuthFailure> {
    let Some(token) = token else {
        return Err(AuthFailure::NotSignedIn);
    };
    let seen = state.sessions.seen(
        state.user_progress.current(),
        state.configuration_progress.current(),
    );
    let session = match state.sessions.get(token, seen) {
        Some(session) => session,
        None => {
            let Some(session) = look_up(state, token).await? else {
                return Err(AuthFailure::NotSignedIn);
            };
            state.sessions.put(token, session.clone(), seen);
            session
        }
    };
    let config = state
        .config
        .at_least(&state.pool, session.config_version)
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))?;
    let groups: BTreeSet<String> = session.groups.into_iter().collect();
    let companies: BTreeSet<String> = if groups.contains(ADMIN_GROUP) {
        // an administrator can give themselves any company: they see every one.
        let settings = config.configuration.settings();
        settings
            .all_companies()
            .into_keys()
            .map(String::from)
            .collect()
    } else {
        session.companies.into_iter().collect()
    };
    let company = match company {
        Some(asked) if companies.contains(asked) => asked.to_owned(),
        Some(asked) => return Err(AuthFailure::NotYourCompany(asked.to_owned())),
        None => session.company,
    };
    Ok(Actor {
        user_id: session.user_id,
        login: session.login,
        groups,
        companies,
        company,
        config,
    })
}

/// The session of `token` as the database has it: none if the token is unknown or expired, or
/// its user inactive.
async fn look_up(state: &AppState, token: &str) -> Result<Option<Session>, AuthFailure> {
    sqlx::query_as(
        "select u.id as user_id, u.login, u.groups, u.companies, u.company,
                coalesce((select version from configuration), 0) as config_version, s.expires_at
           from user_session s join app_user u on u.id = s.user_id
          where s.token_hash = sha256(convert_to($1, 'UTF8'))
            and s.expires_at > now() and u.active",
    )
    .bind(token)
    .fetch_optional(&state.pool)
    .await
    .map_err(|e| AuthFailure::Internal(e.to_string()))
}
