//! The values a user account is made of.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::UserError;
use crate::configuration::Code;
use crate::text::{single_line, TextError};

const LOGIN_MAX: usize = 64;
const NAME_MAX: usize = 100;

/// What a user signs in with: lower-case letters, digits and `. _ @ -`; compared lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let text = single_line(raw, LOGIN_MAX)?.to_lowercase();
        let valid = text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._@-".contains(c));
        if !valid {
            return Err(TextError::Invalid(format!(
                "'{text}' is not a login (letters, digits and . _ @ - only)"
            )));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user's name as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserName(String);

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        single_line(raw, NAME_MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password hash in PHC string form (`$argon2id$...`). Hashing happens outside the domain,
/// which stays free of randomness.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_lower_case_and_plain() {
        assert_eq!(Login::parse(" Bob.Smith ").unwrap().as_str(), "bob.smith");
        assert!(Login::parse("bob smith").is_err());
        assert!(Login::parse("").is_err());
    }
}

/// The companies a user works in: those whose records they may see and touch, and the one what
/// they create belongs to unless a request names another of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCompanies {
    allowed: BTreeSet<Code>,
    current: Code,
}

impl UserCompanies {
    /// `current` must be one of `allowed`.
    pub fn new(allowed: BTreeSet<Code>, current: Code) -> Result<Self, UserError> {
        if allowed.is_empty() {
            return Err(UserError::NoCompany);
        }
        if !allowed.contains(&current) {
            return Err(UserError::NotTheirCompany(current.to_string()));
        }
        Ok(Self { allowed, current })
    }

    /// These companies with `allowed` or `current` changed where given: the current company
    /// stays if it is still allowed, else the first allowed becomes it.
    pub fn changed(
        &self,
        allowed: Option<BTreeSet<Code>>,
        current: Option<Code>,
    ) -> Result<Self, UserError> {
        let allowed = allowed.unwrap_or_else(|| self.allowed.clone());
        let current = match current {
            Some(current) => current,
            None if allowed.contains(&self.current) => self.current.clone(),
            None => allowed.first().cloned().ok_or(UserError::NoCompany)?,
        };
        Self::new(allowed, current)
    }

    pub fn allowed(&self) -> &BTreeSet<Code> {
        &self.allowed
    }

    pub fn current(&self) -> &Code {
        &self.current
    }
}

/// The main company only: what every user had before a database held several.
impl Default for UserCompanies {
    fn default() -> Self {
        Self {
            allowed: BTreeSet::from([Code::main_company()]),
            current: Code::main_company(),
        }
    }
}
