//! The numbers a sequence gave. The variant name is stored as the event type: never rename it.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberingEvent {
    NumberTaken { number: u64, name: String },
}

impl DomainEvent for NumberingEvent {
    fn event_type(&self) -> String {
        "NumberTaken".to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
