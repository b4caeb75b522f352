//! What happened to a partner. The variant names are stored as event types: never rename one.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::values::PartnerDetails;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PartnerEvent {
    PartnerCreated {
        details: PartnerDetails,
    },
    /// Carries every detail as it now stands, so a reader needs no earlier event to show it.
    PartnerUpdated {
        details: PartnerDetails,
    },
    PartnerArchived {},
    PartnerUnarchived {},
}

impl DomainEvent for PartnerEvent {
    fn event_type(&self) -> String {
        match self {
            PartnerEvent::PartnerCreated { .. } => "PartnerCreated",
            PartnerEvent::PartnerUpdated { .. } => "PartnerUpdated",
            PartnerEvent::PartnerArchived { .. } => "PartnerArchived",
            PartnerEvent::PartnerUnarchived { .. } => "PartnerUnarchived",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
