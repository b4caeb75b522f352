//! Codes: the keys settings are known by (`vat21`, `411000`, `main`). Apart from the
//! configuration so that what names a setting (a partner's company, a product's taxes) need not
//! import the configuration.

use serde::{Deserialize, Serialize};

use crate::text::{parsed_text, single_line, TextError};

const CODE_MAX: usize = 64;

/// The key an implementer gives a setting (`sale.order`, `vat_21`): lower-case letters, digits
/// and `_ . -`, starting with a letter or digit. Keys are what data modules and stage diffs use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(pub(crate) String);

impl Code {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let text = single_line(raw, CODE_MAX)?;
        let valid = text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if !valid {
            return Err(TextError::Invalid(format!(
                "'{text}' is not a code (lower-case letters, digits and _ . - only)"
            )));
        }
        Ok(Self(text))
    }
}

parsed_text!(Code);
