//! Parsing of free-text inputs shared by every aggregate: trimmed, bounded, never control
//! characters.

use thiserror::Error;

/// The plumbing of a value parsed from text and kept as its `String` (`struct Code(String)`
/// with a `parse(&str) -> Result<Self, TextError>`): `as_str`, `Display`, and serde through
/// `TryFrom<String>`/`Into<String>` (with `#[serde(try_from = "String", into = "String")]`), so a
/// stored value is checked again when read.
macro_rules! parsed_text {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::text::TextError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}
pub(crate) use parsed_text;

/// Why a text input was refused. (The API maps each variant to a stable code, in one place.)
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters long (got {len})")]
    TooLong { max: usize, len: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("{0}")]
    Invalid(String),
}

/// Trims `raw` and checks it is non-empty, at most `max` characters and free of control
/// characters.
pub fn single_line(raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(TextError::TooLong { max, len });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Like [`single_line`], but an empty or blank input means "no value".
pub fn optional_line(raw: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => single_line(text, max).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        assert_eq!(
            single_line("  Agrolait  SA ", 20),
            Ok("Agrolait  SA".to_owned())
        );
    }

    #[test]
    fn refuses_blank_long_and_control_characters() {
        assert_eq!(single_line(" \t ", 10), Err(TextError::Empty));
        assert_eq!(
            single_line("ééééé", 4),
            Err(TextError::TooLong { max: 4, len: 5 })
        );
        assert_eq!(single_line("a\u{0}b", 10), Err(TextError::ControlCharacter));
    }

    #[test]
    fn blank_optional_text_means_no_value() {
        assert_eq!(optional_line(Some("   "), 5), Ok(None));
        assert_eq!(optional_line(None, 5), Ok(None));
        assert_eq!(optional_line(Some(" x "), 5), Ok(Some("x".to_owned())));
    }
}
