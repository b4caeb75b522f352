//! Events whose stored shape is older than the code's are read through upcasters (cqrs-es's
//! `EventUpcaster`): the stored event stays as it was written, the reader sees today's shape.
//! Every reader (aggregate loads, projections, verify) goes through [`upcast`].
//!
//! Known shapes:
//! - `PartnerCreated` 0.1, the pre-release shape: the details flat in the payload, and
//!   `customer`/`supplier` for `is_customer`/`is_supplier`. 1.0 nests them in `details`.

use std::sync::LazyLock;

use cqrs_es::persist::{EventUpcaster, SemanticVersionEventUpcaster, SerializedEvent};
use serde_json::{json, Value};

/// The upcasters, in the order they apply; made once.
static UPCASTERS: LazyLock<Vec<Box<dyn EventUpcaster>>> = LazyLock::new(|| {
    vec![Box::new(SemanticVersionEventUpcaster::new(
        "PartnerCreated",
        "1.0.0",
        Box::new(partner_created_to_1_0),
    ))]
});

/// Whether an event of this type and version is read through an upcaster. Cheap for the
/// event types no upcaster knows (a string comparison each).
pub fn needed(event_type: &str, event_version: &str) -> bool {
    UPCASTERS
        .iter()
        .any(|u| u.can_upcast(event_type, event_version))
}

/// `event` in today's shape.
pub fn upcast(mut event: SerializedEvent) -> SerializedEvent {
    for upcaster in UPCASTERS.iter() {
        if upcaster.can_upcast(&event.event_type, &event.event_version) {
            event = upcaster.upcast(event);
        }
    }
    event
}

/// A stored payload (its JSON text) read as `T` in today's shape: straight from the text when
/// it is current, through the upcasters when it is older.
pub fn decode<T: serde::de::DeserializeOwned>(
    event_type: &str,
    event_version: &str,
    payload: &str,
) -> Result<T, serde_json::Error> {
    if !needed(event_type, event_version) {
        return serde_json::from_str(payload);
    }
    let stored = SerializedEvent {
        aggregate_id: String::new(),
        sequence: 0,
        aggregate_type: String::new(),
        event_type: event_type.to_owned(),
        event_version: event_version.to_owned(),
        payload: serde_json::from_str(payload)?,
        metadata: Value::Null,
    };
    serde_json::from_value(upcast(stored).payload)
}

fn partner_created_to_1_0(payload: Value) -> Value {
    let old = payload
        .get("PartnerCreated")
        .cloned()
        .unwrap_or(Value::Null);
    let field = |name: &str| old.get(name).cloned().unwrap_or(Value::Null);
    let flag = |name: &str| old.get(name).and_then(Value::as_bool).unwrap_or(false);
    json!({ "PartnerCreated": { "details": {
        "name": field("name"),
        "email": field("email"),
        "phone": field("phone"),
        "address": {
            "street": field("street"),
            "city": field("city"),
            "zip": field("zip"),
            "country": field("country"),
        },
        "vat": field("vat"),
        "is_customer": flag("customer"),
        "is_supplier": flag("supplier"),
    } } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partner::PartnerEvent;

    #[test]
    fn an_old_partner_created_reads_in_todays_shape() {
        let stored = SerializedEvent {
            aggregate_id: "a".into(),
            sequence: 1,
            aggregate_type: "Partner".into(),
            event_type: "PartnerCreated".into(),
            event_version: "0.1".into(),
            payload: json!({ "PartnerCreated": { "name": "Agrolait", "email": "info@agrolait.be", "customer": true } }),
            metadata: json!({}),
        };
        assert!(needed("PartnerCreated", "0.1"));
        assert!(!needed("PartnerCreated", "1.0"));
        let event = upcast(stored);
        assert_eq!(event.event_version, "1.0.0");
        let read: PartnerEvent = serde_json::from_value(event.payload).unwrap();
        let PartnerEvent::PartnerCreated { details } = read else {
            panic!("not a creation")
        };
        assert_eq!(details.name.as_str(), "Agrolait");
        assert_eq!(details.email.unwrap().as_str(), "info@agrolait.be");
        assert!(details.is_customer && !details.is_supplier);
    }
}
