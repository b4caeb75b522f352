//! What happened to a partner. The variant names are stored as event types: never rename one.

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

crate::event_names! {
    PartnerEvent, "1.0",
    [PartnerCreated, PartnerUpdated, PartnerArchived, PartnerUnarchived]
}
