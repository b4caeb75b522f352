//! What a user can ask of a partner.

use super::values::{PartnerChanges, PartnerDetails};

/// A command to a partner. `expected_version`, when given, is the version the user's form
/// showed: the command is refused if the partner has changed since.
#[derive(Debug, Clone, PartialEq)]
pub enum PartnerCommand {
    CreatePartner {
        details: PartnerDetails,
    },
    UpdatePartner {
        expected_version: Option<u64>,
        changes: PartnerChanges,
    },
    ArchivePartner {
        expected_version: Option<u64>,
    },
    UnarchivePartner {
        expected_version: Option<u64>,
    },
}

impl PartnerCommand {
    /// Whether the command can only succeed on a partner that has no events yet. The store may
    /// then skip reading the stream: if it is not empty after all, the append of event 1 is
    /// refused by the log's key.
    pub fn creates(&self) -> bool {
        matches!(self, PartnerCommand::CreatePartner { .. })
    }
}

crate::command_names! {
    PartnerCommand,
    [CreatePartner, UpdatePartner, ArchivePartner, UnarchivePartner]
}
