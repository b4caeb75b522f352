//! What happened to a key. The variant names are stored as event types: never rename one.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimEvent {
    KeyClaimed { owner: Uuid },
    KeyReleased { owner: Uuid },
}

crate::event_names! { ClaimEvent, "1.0", [KeyClaimed, KeyReleased] }
