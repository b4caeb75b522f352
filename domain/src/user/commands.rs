//! What an administrator can ask of a user account.

use std::collections::BTreeSet;

use super::values::{Login, PasswordHash, UserCompanies, UserName};
use crate::configuration::Code;

#[derive(Debug, Clone, PartialEq)]
pub enum UserCommand {
    CreateUser {
        login: Login,
        name: UserName,
        password_hash: PasswordHash,
        groups: BTreeSet<Code>,
        companies: UserCompanies,
    },
    /// Changes what is given; `None` keeps it. Without `company`, the current company stays
    /// if it is still among `companies`, else the first of them becomes it.
    UpdateUser {
        name: Option<UserName>,
        groups: Option<BTreeSet<Code>>,
        companies: Option<BTreeSet<Code>>,
        company: Option<Code>,
    },
    ChangePassword {
        password_hash: PasswordHash,
    },
    DeactivateUser,
    ActivateUser,
}

impl UserCommand {
    pub fn creates(&self) -> bool {
        matches!(self, UserCommand::CreateUser { .. })
    }
}

crate::command_names! {
    UserCommand,
    [CreateUser, UpdateUser, ChangePassword, DeactivateUser, ActivateUser]
}
