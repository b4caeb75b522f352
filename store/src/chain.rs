//! The hash chain of the log: each event's hash covers the previous event of its stream and the
//! event's own fields, exactly as stored.

use sha2::{Digest, Sha256};

/// The fields of an event that its hash covers, as stored (payload and metadata as their JSON
/// text).
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    pub sequence: i64,
    pub event_type: &'a str,
    pub event_version: &'a str,
    pub payload: &'a str,
    pub metadata: &'a str,
    /// When the event was recorded, in microseconds since the epoch: covered by the hash of
    /// every event written since times were (`erp-event-v2`); `None` for the hash events were
    /// written with before (`erp-event-v1`), which `verify` still accepts for them.
    pub recorded_at: Option<i64>,
}

/// The hash before a stream's first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of `event`, chained to `previous` (the hash of the event before it in its stream,
/// [`GENESIS`] for the first). Every field is length-prefixed, so no two different events hash
/// the same by shifting bytes between fields.
pub fn link(previous: &[u8], event: Link<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    match event.recorded_at {
        Some(_) => hasher.update(b"erp-event-v2"),
        None => hasher.update(b"erp-event-v1"),
    }
    hasher.update(previous);
    for field in [
        event.aggregate_type,
        event.aggregate_id,
        event.event_type,
        event.event_version,
        event.payload,
        event.metadata,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hasher.update(event.sequence.to_be_bytes());
    if let Some(micros) = event.recorded_at {
        hasher.update(micros.to_be_bytes());
    }
    hasher.finalize().into()
}

/// The running hash of the global order after one more event (`hash`: none for an event that
/// has none).
pub fn seal(running: &[u8], position: i64, hash: Option<&[u8]>) -> [u8; 32] {
    running_hasher(b"erp-seal-v1", running, position, hash)
        .finalize()
        .into()
}

/// A running hash over the global order, `tag` naming which, fed one more event: the hash so
/// far, the event's position, then a byte saying whether it has a hash, and the hash. The seal
/// ([`seal`]) finishes it as it is; the log's digest adds the time the event was recorded.
pub fn running_hasher(tag: &[u8], running: &[u8], position: i64, hash: Option<&[u8]>) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(tag);
    hasher.update(running);
    hasher.update(position.to_be_bytes());
    match hash {
        Some(hash) => {
            hasher.update([1]);
            hasher.update(hash);
        }
        None => hasher.update([0]),
    }
    hasher
}

/// `bytes` in lowercase hex: how a hash is written where text is wanted (an export).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes `text` writes in hex, if it is hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// An optional hash as hex text, for serde (`#[serde(with = "crate::chain::hex_option")]`).
pub(crate) mod hex_option {
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        hash: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match hash {
            Some(bytes) => serializer.serialize_some(&super::hex(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::unhex(&text).ok_or_else(|| de::Error::custom("the hash is not hex")))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(payload: &str) -> Link<'_> {
        Link {
            aggregate_type: "Partner",
            aggregate_id: "a",
            sequence: 1,
            event_type: "PartnerCreated",
            event_version: "1.0",
            payload,
            metadata: "{}",
            recorded_at: Some(1_764_633_600_000_000),
        }
    }

    #[test]
    fn a_change_anywhere_changes_the_hash() {
        let one = link(&GENESIS, event("{\"a\":1}"));
        assert_eq!(one, link(&GENESIS, event("{\"a\":1}")));
        assert_ne!(one, link(&GENESIS, event("{\"a\":2}")));
        assert_ne!(one, link(&one, event("{\"a\":1}")));
        let shifted = Link {
            aggregate_type: "Partne",
            aggregate_id: "ra",
            ..event("{\"a\":1}")
        };
        assert_ne!(one, link(&GENESIS, shifted));
        // the time it was recorded at, to the microsecond; and the hash of before times were
        // covered is another.
        let later = Link {
            recorded_at: Some(1_764_633_600_000_001),
            ..event("{\"a\":1}")
        };
        assert_ne!(one, link(&GENESIS, later));
        let untimed = Link {
            recorded_at: None,
            ..event("{\"a\":1}")
        };
        assert_ne!(one, link(&GENESIS, untimed));
    }

    #[test]
    fn a_seal_is_the_documented_sha_256_computed_elsewhere() {
        // expected values from Python's hashlib over b"erp-seal-v1" + running + position (8
        // bytes, big-endian) + 1 and the event's hash, or + 0 when it has none.
        assert_eq!(
            hex(&seal(&GENESIS, 7, Some(&[0xab; 32]))),
            "deae8570f31b25515b858113e97f9d924d51bc0b83bef79ccb7ac3fc9c19b9ca"
        );
        assert_eq!(
            hex(&seal(&GENESIS, 8, None)),
            "fa13133dccec40de7816dbb2798951a2e7f1593765bb7fe89a273a7f60b559a1"
        );
    }

    #[test]
    fn hex_reads_back_what_it_writes_and_nothing_else() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
        assert_eq!(unhex("00ab7f"), Some(vec![0x00, 0xab, 0x7f]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }
}
