//! What happened to a user account. The variant names are stored as event types: never rename
//! one.

use std::collections::BTreeSet;

use cqrs_es::DomainEvent;
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

impl DomainEvent for UserEvent {
    fn event_type(&self) -> String {
        match self {
            UserEvent::UserCreated { .. } => "UserCreated",
            UserEvent::UserUpdated { .. } => "UserUpdated",
            UserEvent::PasswordChanged { .. } => "PasswordChanged",
            UserEvent::UserDeactivated {} => "UserDeactivated",
            UserEvent::UserActivated {} => "UserActivated",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
