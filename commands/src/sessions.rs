//! Signed-in sessions remembered for a moment, so that a client's next requests do not look
//! their token up again: the form read and the mutation that follow a sign-in cost one statement
//! less each.
//!
//! A remembered session is trusted only while the read models it was read from stand where they
//! stood (the users' and the configuration's projections have applied nothing since: a user
//! deactivated, a group changed, a right removed is seen at once), while no session has ended
//! here since, and for at most [`FRESH_FOR`]: a session ended through another process serving
//! the same database is honoured here for at most that long.
//!
//! Sessions a user's new password or deactivation ends are deleted in the transaction that
//! appends its event ([`end_sessions`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use projections::Checkpoint;
use uuid::Uuid;

/// How long a session looked up is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The most sessions remembered; past it, the oldest half is forgotten.
const MOST: usize = 10_000;

/// A session as the database showed it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub user_id: Uuid,
    pub login: String,
    pub groups: Vec<String>,
    /// The companies whose records the user may see.
    pub companies: Vec<String>,
    /// The company what the user creates belongs to, unless a request names another.
    pub company: String,
    /// The configuration's version when it was looked up.
    pub config_version: i64,
    pub expires_at: DateTime<Utc>,
}

/// What a lookup saw: where the users' and the configuration's read models stood, and how many
/// sessions had ended here. Taken before the lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    users: Checkpoint,
    configuration: Checkpoint,
    ended: u64,
}

#[derive(Debug)]
struct Remembered {
    session: Session,
    looked_up: Instant,
    seen: Seen,
}

/// The sessions of one database, by token.
#[derive(Debug, Default)]
pub struct Sessions {
    /// By the token's SHA-256, as the database keeps it: the tokens themselves are not kept.
    remembered: Mutex<HashMap<[u8; 32], Remembered>>,
    ended: AtomicU64,
}

impl Sessions {
    /// What a lookup made now sees, the users' read model at `users` and the configuration's at
    /// `configuration`.
    pub fn seen(&self, users: Checkpoint, configuration: Checkpoint) -> Seen {
        Seen {
            users,
            configuration,
            ended: self.ended.load(Ordering::SeqCst),
        }
    }

    /// The session of `token` if it was looked up less than [`FRESH_FOR`] ago, has not expired,
    /// and nothing it depends on changed since (`seen` is now).
    pub fn get(&self, token: &str, seen: Seen) -> Option<Session> {
        let remembered = self.remembered.lock().ok()?;
        let found = remembered.get(&key(token))?;
        let fresh = found.looked_up.elapsed() < FRESH_FOR
            && found.seen == seen
            && found.session.expires_at > Utc::now();
        fresh.then(|| found.session.clone())
    }

    /// Remembers the session of `token`, looked up after `seen`.
    pub fn put(&self, token: &str, session: Session, seen: Seen) {
        let Ok(mut remembered) = self.remembered.lock() else {
            return;
        };
        if remembered.len() >= MOST {
            let now = Instant::now();
            remembered.retain(|_, r| now.duration_since(r.looked_up) < FRESH_FOR / 2);
            if remembered.len() >= MOST {
                remembered.clear();
            }
        }
        remembered.insert(
            key(token),
            Remembered {
                session,
                looked_up: Instant::now(),
                seen,
            },
        );
    }

    /// Forgets the session of `token`, which is being ended; so is any session looked up
    /// while it was.
    pub fn forget(&self, token: &str) {
        self.ended.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut remembered) = self.remembered.lock() {
            remembered.remove(&key(token));
        }
    }
}

/// Whether `command` ends the user's sessions: a new password (but the session that sets it),
/// a deactivation (all of them: activated again, the user signs in anew).
pub(crate) fn ends_sessions(command: &domain::user::UserCommand) -> bool {
    use domain::user::UserCommand;
    matches!(
        command,
        UserCommand::ChangePassword { .. } | UserCommand::DeactivateUser
    )
}

/// Ends, in the append's transaction, the sessions of user `id` but the one of token `keep`.
pub(crate) fn end_sessions(id: Uuid, keep: Option<String>) -> store::streams::AlongWith<'static> {
    Box::new(move |conn, _| {
        Box::pin(async move {
            sqlx::query(
                "delete from user_session where user_id = $1
                   and token_hash is distinct from sha256(convert_to($2, 'UTF8'))",
            )
            .bind(id)
            .bind(keep)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    })
}

/// What a session is remembered by: its token's SHA-256.
fn key(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(expires_in: chrono::Duration) -> Session {
        Session {
            user_id: Uuid::nil(),
            login: "ana".into(),
            groups: vec!["sales".into()],
            companies: vec!["main".into()],
            company: "main".into(),
            config_version: 3,
            expires_at: Utc::now() + expires_in,
        }
    }

    fn at(position: i64) -> Checkpoint {
        Checkpoint {
            transaction_id: position,
            position,
        }
    }

    #[test]
    fn a_session_is_trusted_until_a_change_an_ending_its_expiry_or_a_second() {
        let sessions = Sessions::default();
        let seen = sessions.seen(at(1), at(1));
        sessions.put("t", session(chrono::Duration::hours(1)), seen);
        assert_eq!(sessions.get("t", seen).map(|s| s.login), Some("ana".into()));
        assert!(sessions.get("other", seen).is_none());
        // the users' or the configuration's read model moved since.
        assert!(sessions.get("t", sessions.seen(at(2), at(1))).is_none());
        assert!(sessions.get("t", sessions.seen(at(1), at(2))).is_none());
        // a session ended here since: every one remembered before is looked up again.
        sessions.put("u", session(chrono::Duration::hours(1)), seen);
        sessions.forget("t");
        assert!(sessions.get("t", sessions.seen(at(1), at(1))).is_none());
        assert!(sessions.get("u", sessions.seen(at(1), at(1))).is_none());
        let seen = sessions.seen(at(1), at(1));
        sessions.put("expired", session(chrono::Duration::seconds(-1)), seen);
        assert!(sessions.get("expired", seen).is_none());
        sessions.put("old", session(chrono::Duration::hours(1)), seen);
        assert!(sessions.get("old", seen).is_some());
        std::thread::sleep(FRESH_FOR + Duration::from_millis(50));
        assert!(sessions.get("old", seen).is_none());
    }
}
