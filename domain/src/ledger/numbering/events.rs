//! The numbers a sequence gave. The variant name is stored as the event type: never rename it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberingEvent {
    NumberTaken { number: u64, name: String },
}

crate::event_names! { NumberingEvent, "1.0", [NumberTaken] }
