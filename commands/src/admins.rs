//! Someone can always administer a database: no change may leave it without an active user in
//! the administrators' group (every call after that would be FORBIDDEN, with no way back but the
//! master password).
//!
//! A rule over every user, which no single user's stream can see: two administrators demoting
//! each other at the same moment would each see the other still in place. So it is checked in
//! the append's transaction, under a lock of its own ([`keeps_an_admin`]): the second of two
//! such changes waits for the first to commit, then sees it, and is declined. (The operator's
//! way back is [`crate::bootstrap::reset_admin`].)

use cqrs_es::Aggregate;
use domain::user::{User, UserCommand, UserEvent};
use store::streams::AlongWith;
use store::StoreError;

use crate::error::{ErrorCode, Failure};

/// The advisory lock that changes of administrators take in turn (any number, agreed on).
const ADMINS_LOCK: i64 = 0x00AD_4D15;

/// The input field a change of `command` is about, if it may leave no administrator.
pub(crate) fn may_remove_one(command: &UserCommand) -> Option<&'static [&'static str]> {
    match command {
        UserCommand::UpdateUser {
            groups: Some(_), ..
        } => Some(&["input", "groups"]),
        UserCommand::DeactivateUser => Some(&["input", "id"]),
        _ => None,
    }
}

/// The check, run in the append's transaction: declines the operation on user `target`
/// (blaming `field`) when, with it, no user would be an active administrator. A change to a user
/// who was no active administrator cannot lessen them, and is not checked.
pub(crate) fn keeps_an_admin(field: &'static [&'static str], target: String) -> AlongWith<'static> {
    Box::new(move |conn, _| {
        Box::pin(async move {
            let mut before = User::default();
            for event in
                store::stream::read_before_this_transaction(&mut *conn, User::TYPE, &target).await?
            {
                before.apply(event.decode::<UserEvent>(User::TYPE, &target)?);
            }
            if !before.is_active_admin() {
                return Ok(());
            }
            sqlx::query("select pg_advisory_xact_lock($1)")
                .bind(ADMINS_LOCK)
                .execute(&mut *conn)
                .await?;
            // read after the lock: a change that held it before has committed, and is seen.
            let events = store::stream::read_type(&mut *conn, User::TYPE).await?;
            let mut current: Option<(&str, User)> = None;
            for row in &events {
                let user = match &mut current {
                    Some((id, user)) if *id == row.aggregate_id => user,
                    _ => {
                        if current
                            .as_ref()
                            .is_some_and(|(_, user)| user.is_active_admin())
                        {
                            return Ok(());
                        }
                        &mut current.insert((&row.aggregate_id, User::default())).1
                    }
                };
                let event: UserEvent = row.event.decode(User::TYPE, &row.aggregate_id)?;
                user.apply(event);
            }
            if current.is_some_and(|(_, user)| user.is_active_admin()) {
                return Ok(());
            }
            let refusal = Failure::refused(
                ErrorCode::LastAdministrator,
                "this would leave no active administrator, and no one could change anything any \
                 more: give another active user the admin group first",
            )
            .at(field);
            Err(StoreError::Declined(Box::new(refusal)))
        })
    })
}
