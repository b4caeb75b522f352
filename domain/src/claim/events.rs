//! What happened to a key. The variant names are stored as event types: never rename one.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimEvent {
    KeyClaimed { owner: Uuid },
    KeyReleased { owner: Uuid },
}

impl DomainEvent for ClaimEvent {
    fn event_type(&self) -> String {
        match self {
            ClaimEvent::KeyClaimed { .. } => "KeyClaimed",
            ClaimEvent::KeyReleased { .. } => "KeyReleased",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
