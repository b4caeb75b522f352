//! Users: who may sign in, and the groups that give them their rights. A user's stream id is
//! derived from the login (the API does it), so two users can never share a login.

mod commands;
mod error;
mod events;
mod values;

pub use commands::UserCommand;
pub use error::UserError;
pub use events::UserEvent;
pub use values::{Login, PasswordHash, UserCompanies, UserName};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::configuration::Code;

/// A user as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    version: u64,
    current: Option<Current>,
}

crate::aggregate! { User, "User", UserCommand, UserEvent, UserError }

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Current {
    name: UserName,
    groups: BTreeSet<Code>,
    #[serde(default)]
    companies: UserCompanies,
    active: bool,
}

impl User {
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The user's groups; `None` before the user is created.
    pub fn groups(&self) -> Option<&BTreeSet<Code>> {
        self.current.as_ref().map(|current| &current.groups)
    }

    /// The user's companies; `None` before the user is created.
    pub fn companies(&self) -> Option<&UserCompanies> {
        self.current.as_ref().map(|current| &current.companies)
    }

    /// Whether the user can sign in with every right: active, and in the administrators' group.
    pub fn is_active_admin(&self) -> bool {
        self.current.as_ref().is_some_and(|current| {
            current.active
                && current
                    .groups
                    .iter()
                    .any(|group| group.as_str() == crate::configuration::ADMIN_GROUP)
        })
    }
}

/// No event when a command changes nothing (deactivating an inactive user, an update to the
/// name and groups it already has).
impl crate::Decide for User {
    fn decide(&self, command: UserCommand) -> Result<Vec<UserEvent>, UserError> {
        if let UserCommand::CreateUser {
            login,
            name,
            password_hash,
            groups,
            companies,
        } = command
        {
            if self.current.is_some() {
                return Err(UserError::AlreadyExists);
            }
            return Ok(vec![UserEvent::UserCreated {
                login,
                name,
                password_hash,
                groups,
                companies,
            }]);
        }
        let current = self.current.as_ref().ok_or(UserError::NotFound)?;
        let event = match command {
            UserCommand::CreateUser { .. } => None,
            UserCommand::UpdateUser {
                name,
                groups,
                companies,
                company,
            } => {
                let name = name.unwrap_or_else(|| current.name.clone());
                let groups = groups.unwrap_or_else(|| current.groups.clone());
                let updated = (name != current.name || groups != current.groups)
                    .then_some(UserEvent::UserUpdated { name, groups });
                let companies = current.companies.changed(companies, company)?;
                let companies = (companies != current.companies)
                    .then_some(UserEvent::UserCompaniesSet { companies });
                return Ok(updated.into_iter().chain(companies).collect());
            }
            UserCommand::ChangePassword { password_hash } => {
                Some(UserEvent::PasswordChanged { password_hash })
            }
            UserCommand::DeactivateUser => current.active.then_some(UserEvent::UserDeactivated {}),
            UserCommand::ActivateUser => (!current.active).then_some(UserEvent::UserActivated {}),
        };
        Ok(event.into_iter().collect())
    }
}

impl User {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: UserEvent) {
        self.version += 1;
        match event {
            UserEvent::UserCreated {
                name,
                groups,
                companies,
                ..
            } => {
                self.current = Some(Current {
                    name,
                    groups,
                    companies,
                    active: true,
                });
            }
            UserEvent::UserCompaniesSet { companies } => {
                if let Some(current) = self.current.as_mut() {
                    current.companies = companies;
                }
            }
            UserEvent::UserUpdated { name, groups } => {
                if let Some(current) = self.current.as_mut() {
                    current.name = name;
                    current.groups = groups;
                }
            }
            UserEvent::PasswordChanged { .. } => {}
            UserEvent::UserDeactivated {} | UserEvent::UserActivated {} => {
                if let Some(current) = self.current.as_mut() {
                    current.active = matches!(event, UserEvent::UserActivated {});
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// The payload fields of user events that hold secrets: kept in the log (a restore needs them),
/// never shown.
pub const SECRET_FIELDS: &[&str] = &["password_hash"];

/// `payload` with every secret field's value replaced by `"[redacted]"`, at any depth: what the
/// log shows to auditors.
pub fn redact(payload: &mut serde_json::Value) {
    match payload {
        serde_json::Value::Object(fields) => {
            for (name, value) in fields.iter_mut() {
                if SECRET_FIELDS.contains(&name.as_str()) {
                    *value = serde_json::Value::String("[redacted]".into());
                } else {
                    redact(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}
