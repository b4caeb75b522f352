//! Partners: the customers and suppliers a company deals with.

mod commands;
mod error;
mod events;
mod values;

pub use commands::PartnerCommand;
pub use error::PartnerError;
pub use events::PartnerEvent;
pub use values::{
    Address, AddressError, Email, PartnerChanges, PartnerDetails, PartnerName, Phone, VatNumber,
    CATEGORIES_MAX, NAME_MAX,
};

use serde::{Deserialize, Serialize};

/// A partner as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    /// How many events the partner has: what a client sends back as `expected_version`.
    version: u64,
    current: Option<Current>,
}

crate::aggregate! { Partner, "Partner", PartnerCommand, PartnerEvent, PartnerError }

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Current {
    details: PartnerDetails,
    archived: bool,
}

impl Partner {
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The partner's details, if it exists.
    pub fn details(&self) -> Option<&PartnerDetails> {
        self.current.as_ref().map(|c| &c.details)
    }

    pub fn is_archived(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.archived)
    }

    /// The partner as it stands, if it exists and is at the version the user saw.
    fn existing(&self, expected_version: Option<u64>) -> Result<&Current, PartnerError> {
        crate::at_version(self.current.as_ref(), self.version, expected_version)
    }
}

/// No event when a command changes nothing (archiving an archived partner, an update to the
/// values it already has).
impl crate::Decide for Partner {
    fn decide(&self, command: PartnerCommand) -> Result<Vec<PartnerEvent>, PartnerError> {
        let event = match command {
            PartnerCommand::CreatePartner { details } => {
                if self.current.is_some() {
                    return Err(PartnerError::AlreadyExists);
                }
                Some(PartnerEvent::PartnerCreated { details })
            }
            PartnerCommand::UpdatePartner {
                expected_version,
                changes,
            } => {
                let current = self.existing(expected_version)?;
                if current.archived {
                    return Err(PartnerError::Archived);
                }
                let details = changes.applied_to(&current.details);
                (details != current.details).then_some(PartnerEvent::PartnerUpdated { details })
            }
            PartnerCommand::ArchivePartner { expected_version } => {
                let current = self.existing(expected_version)?;
                (!current.archived).then_some(PartnerEvent::PartnerArchived {})
            }
            PartnerCommand::UnarchivePartner { expected_version } => {
                let current = self.existing(expected_version)?;
                current
                    .archived
                    .then_some(PartnerEvent::PartnerUnarchived {})
            }
        };
        Ok(event.into_iter().collect())
    }
}

impl Partner {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: PartnerEvent) {
        self.version += 1;
        match event {
            PartnerEvent::PartnerCreated { details } | PartnerEvent::PartnerUpdated { details } => {
                let archived = self.current.as_ref().is_some_and(|c| c.archived);
                self.current = Some(Current { details, archived });
            }
            PartnerEvent::PartnerArchived {} | PartnerEvent::PartnerUnarchived {} => {
                let archived = matches!(event, PartnerEvent::PartnerArchived {});
                if let Some(current) = self.current.as_mut() {
                    current.archived = archived;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
