//! What happened to a user account. The variant names are stored as event types: never rename
//! one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::values::{Login, PasswordHash, UserName};
use crate::configuration::Code;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UserEvent {
    /// The password is stored only as its argon2 hash.
    UserCreated {
        login: Login,
        name: UserName,
        password_hash: PasswordHash,
        groups: BTreeSet<Code>,
    },
    /// Carries the name and groups as they now stand.
    UserUpdated {
        name: UserName,
        groups: BTreeSet<Code>,
    },
    PasswordChanged {
        password_hash: PasswordHash,
    },
    UserDeactivated {},
    UserActivated {},
}

crate::event_names! {
    UserEvent, "1.0",
    [UserCreated, UserUpdated, PasswordChanged, UserDeactivated, UserActivated]
}
