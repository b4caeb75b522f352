//! What happened to a user account. The variant names are stored as event types: never rename
//! one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::values::{Login, PasswordHash, UserCompanies, UserName};
use crate::configuration::Code;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UserEvent {
    /// The password is stored only as its argon2 hash.
    UserCreated {
        login: Login,
        name: UserName,
        password_hash: PasswordHash,
        groups: BTreeSet<Code>,
        /// Absent from users created before a database held several companies: the main one.
        #[serde(default)]
        companies: UserCompanies,
    },
    /// Carries the name and groups as they now stand.
    UserUpdated {
        name: UserName,
        groups: BTreeSet<Code>,
    },
    /// Carries the companies as they now stand.
    UserCompaniesSet {
        companies: UserCompanies,
    },
    PasswordChanged {
        password_hash: PasswordHash,
    },
    UserDeactivated {},
    UserActivated {},
}

crate::event_names! {
    UserEvent, "1.0",
    [
        UserCreated, UserUpdated, PasswordChanged, UserDeactivated, UserActivated,
        UserCompaniesSet
    ]
}
