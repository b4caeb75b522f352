//! The values a partner is made of, each parsed once at the edge so it cannot hold a bad value.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::code::Code;

use crate::text::{optional_line, single_line, TextError};

/// The longest name a partner can have, in characters.
pub const NAME_MAX: usize = 200;
/// The most categories a partner can be in.
pub const CATEGORIES_MAX: usize = 20;
const EMAIL_MAX: usize = 254;
const PHONE_MAX: usize = 32;
const VAT_MAX: usize = 20;
const ADDRESS_LINE_MAX: usize = 200;
const ZIP_MAX: usize = 20;

/// A partner's display name: trimmed, non-empty, at most [`NAME_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartnerName(String);

impl PartnerName {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        single_line(raw, NAME_MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address: one `@`, a local part, and a domain with a dot; no spaces. The domain is
/// lower-cased, the local part kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let text = single_line(raw, EMAIL_MAX)?;
        let invalid = || TextError::Invalid(format!("'{text}' is not an e-mail address"));
        let Some((local, domain)) = text.split_once('@') else {
            return Err(invalid());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty() && !local.chars().any(|c| c.is_whitespace() || c == '@');
        if !domain_ok || !local_ok {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as people write it: digits with `+ - . ( )` and spaces, at least 3 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let text = single_line(raw, PHONE_MAX)?;
        let allowed = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()/".contains(c));
        let digits = text.chars().filter(char::is_ascii_digit).count();
        if !allowed || digits < 3 {
            return Err(TextError::Invalid(format!(
                "'{text}' is not a phone number (digits, spaces and + - . ( ) / only)"
            )));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The countries of ISO 3166-1 alpha-2 (its 249 codes, in order), and Kosovo's `XK`, which
/// the European Commission and most address systems use.
const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

/// A VAT number, normalised: upper case, without spaces, dots or dashes; a two-letter country
/// prefix followed by 2 to 18 letters or digits (`BE0477472701`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VatNumber(String);

impl VatNumber {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let text = single_line(raw, VAT_MAX * 2)?;
        let normalised: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .flat_map(char::to_uppercase)
            .collect();
        let mut chars = normalised.chars();
        let prefix_ok = chars.by_ref().take(2).all(|c| c.is_ascii_alphabetic());
        let rest: Vec<char> = chars.collect();
        let rest_ok =
            (2..=VAT_MAX - 2).contains(&rest.len()) && rest.iter().all(char::is_ascii_alphanumeric);
        if !prefix_ok || !rest_ok {
            return Err(TextError::Invalid(format!(
                "'{text}' is not a VAT number (two-letter country code, then 2 to 18 letters or digits)"
            )));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address; every line is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case (`BE`).
    pub country: Option<String>,
}

/// Which line of an address was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressError {
    pub field: &'static str,
    pub error: TextError,
}

impl Address {
    /// Parses the four lines of an address; blank lines mean "none". Returns every refused line.
    pub fn parse(
        street: Option<&str>,
        city: Option<&str>,
        zip: Option<&str>,
        country: Option<&str>,
    ) -> Result<Self, Vec<AddressError>> {
        let mut errors = Vec::new();
        let mut line = |field: &'static str, raw: Option<&str>, max: usize| {
            optional_line(raw, max).unwrap_or_else(|error| {
                errors.push(AddressError { field, error });
                None
            })
        };
        let street = line("street", street, ADDRESS_LINE_MAX);
        let city = line("city", city, ADDRESS_LINE_MAX);
        let zip = line("zip", zip, ZIP_MAX);
        let country = line("country", country, ADDRESS_LINE_MAX).map(|c| c.to_uppercase());
        if let Some(code) = &country {
            if COUNTRIES.binary_search(&code.as_str()).is_err() {
                errors.push(AddressError {
                    field: "country",
                    error: TextError::Invalid(format!(
                        "'{code}' is not a country's two-letter code (ISO 3166-1, like BE or FR)"
                    )),
                });
            }
        }
        if errors.is_empty() {
            Ok(Self {
                street,
                city,
                zip,
                country,
            })
        } else {
            Err(errors)
        }
    }
}

/// Everything a partner form shows, all of it valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDetails {
    pub name: PartnerName,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub address: Address,
    pub vat: Option<VatNumber>,
    pub is_customer: bool,
    pub is_supplier: bool,
    /// The company the partner belongs to; `None`: shared by every company (as every partner
    /// made before a database held several is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Code>,
    /// The categories the partner is in (`retail`, `region.north`): what a record rule may
    /// let users see partners, and their orders and documents, by.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub categories: BTreeSet<Code>,
}

/// A change to some of a partner's details. `None` keeps a field as it is; for optional fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerChanges {
    pub name: Option<PartnerName>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<Phone>>,
    pub address: Option<Address>,
    pub vat: Option<Option<VatNumber>>,
    pub is_customer: Option<bool>,
    pub is_supplier: Option<bool>,
    /// `Some(None)`: shared by every company from now on.
    pub company: Option<Option<Code>>,
    /// Replaces every category.
    pub categories: Option<BTreeSet<Code>>,
}

impl PartnerChanges {
    /// The details as they are once these changes are made to `current`.
    pub fn applied_to(self, current: &PartnerDetails) -> PartnerDetails {
        let current = current.clone();
        PartnerDetails {
            name: self.name.unwrap_or(current.name),
            email: self.email.unwrap_or(current.email),
            phone: self.phone.unwrap_or(current.phone),
            address: self.address.unwrap_or(current.address),
            vat: self.vat.unwrap_or(current.vat),
            is_customer: self.is_customer.unwrap_or(current.is_customer),
            is_supplier: self.is_supplier.unwrap_or(current.is_supplier),
            company: self.company.unwrap_or(current.company),
            categories: self.categories.unwrap_or(current.categories),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_needs_one_at_and_a_dotted_domain() {
        assert_eq!(
            Email::parse(" Info@Agrolait.BE ").map(|e| e.as_str().to_owned()),
            Ok("Info@agrolait.be".to_owned())
        );
        for bad in [
            "agrolait.be",
            "a@b",
            "@agrolait.be",
            "a b@x.be",
            "a@x..be",
            "a@x.be.",
        ] {
            assert!(
                matches!(Email::parse(bad), Err(TextError::Invalid(_))),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn vat_is_normalised_to_upper_case_without_separators() {
        assert_eq!(
            VatNumber::parse("be 0477.472.701").map(|v| v.as_str().to_owned()),
            Ok("BE0477472701".to_owned())
        );
        assert!(VatNumber::parse("0477472701").is_err());
        assert!(VatNumber::parse("BE1").is_err());
    }

    #[test]
    fn phone_allows_the_usual_punctuation_only() {
        assert!(Phone::parse("+32 (0)81 81.37.00").is_ok());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("12").is_err());
    }

    #[test]
    fn the_countries_are_in_order_for_the_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(COUNTRIES.len(), 250);
        assert!(Address::parse(None, None, None, Some("zz")).is_err());
    }

    #[test]
    fn address_reports_every_bad_line() {
        let errors = Address::parse(Some("x".repeat(201).as_str()), None, None, Some("BEL"))
            .expect_err("two bad lines");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["street", "country"]);
        let address = Address::parse(Some(" Chaussée de Namur 40 "), Some(""), None, Some("be"))
            .expect("valid address");
        assert_eq!(address.street.as_deref(), Some("Chaussée de Namur 40"));
        assert_eq!(address.city, None);
        assert_eq!(address.country.as_deref(), Some("BE"));
    }
}
