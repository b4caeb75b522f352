//! A data module's line as JSON, refused where `serde_json::Value` would silently take the last
//! of a key given twice in one object.

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The JSON value of `raw`, refused (with the reason) if it is not JSON or if one of its
/// objects gives a key twice.
pub(super) fn parse(raw: &str) -> Result<Value, String> {
    serde_json::from_str::<UniqueKeys>(raw)
        .and_then(|_| serde_json::from_str(raw))
        .map_err(|e| format!("not JSON: {e}"))
}

/// A JSON value read only to check that no object in it gives a key twice.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeys)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self, A::Error> {
        while items.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut fields: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = fields.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(A::Error::custom(format!(
                    "the key \"{key}\" is given twice"
                )));
            }
            fields.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_in_any_object_is_refused() {
        assert_eq!(
            parse(r#"{"a": [1, 2.5, "x", null, true, {"b": {}}], "c": -3}"#),
            Ok(serde_json::json!({"a": [1, 2.5, "x", null, true, {"b": {}}], "c": -3}))
        );
        let twice = parse(r#"{"tax": "vat9", "rate": "9", "rate": "90"}"#).unwrap_err();
        assert!(
            twice.contains(r#"the key "rate" is given twice"#),
            "{twice}"
        );
        let nested = parse(r#"{"to": [{"name": "A", "name": "B"}]}"#).unwrap_err();
        assert!(
            nested.contains(r#"the key "name" is given twice"#),
            "{nested}"
        );
        // the same key in two objects is no repetition.
        assert!(parse(r#"{"a": {"k": 1}, "b": {"k": 2}}"#).is_ok());
        assert!(parse(r#"{"a": 1,"#).unwrap_err().starts_with("not JSON: "));
    }
}
