//! Events as GraphQL shows them: a record's history, an auditor's log.

use async_graphql::{ComplexObject, Json, SimpleObject};
use chrono::{DateTime, Utc};
use projections::StoredEvent;

/// Something that happened to a record, as it is stored in the log.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Event {
    /// Where the event stands in the global log.
    pub position: i64,
    /// The event's number within its record's history, from 1.
    pub sequence: i64,
    /// What happened (`PartnerCreated`, ...).
    #[graphql(name = "type")]
    pub event_type: String,
    /// The version of the event's payload format.
    pub version: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// When the database recorded the event.
    pub recorded_at: DateTime<Utc>,
    /// The event's data.
    pub payload: Json<serde_json::Value>,
    /// Who and what caused the event: user, command, correlation and causation ids, client.
    pub metadata: Json<serde_json::Value>,
}

#[ComplexObject]
impl Event {
    /// The acting user's login.
    async fn user(&self) -> Option<&str> {
        self.metadata.0.get("user").and_then(|v| v.as_str())
    }

    /// The command that produced the event.
    async fn command(&self) -> Option<&str> {
        self.metadata.0.get("command").and_then(|v| v.as_str())
    }

    async fn correlation_id(&self) -> Option<&str> {
        self.metadata
            .0
            .get("correlation_id")
            .and_then(|v| v.as_str())
    }

    async fn causation_id(&self) -> Option<&str> {
        self.metadata.0.get("causation_id").and_then(|v| v.as_str())
    }
}

impl From<StoredEvent> for Event {
    fn from(event: StoredEvent) -> Self {
        let (payload, metadata) = (event.payload_value(), event.metadata_value());
        Self {
            position: event.position,
            sequence: event.sequence,
            event_type: event.event_type,
            version: event.event_version,
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            recorded_at: event.recorded_at,
            payload: Json(payload),
            metadata: Json(metadata),
        }
    }
}
