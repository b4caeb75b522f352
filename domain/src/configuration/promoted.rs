//! What a promotion carries: configured settings, each a typed value of its area ([`Item`]),
//! with what it was and what it became ([`Promotion`]), read from a file with the checks a
//! command setting it makes.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::access::{RecordRule, Rights, RuleCondition};
use super::accounts::{Account, BusinessSettings, Journal};
use super::catalogue::ModuleVersion;
use super::changes::Area;
use super::values::{
    currency_rate, display_name, label, Code, Company, Currency, CurrencyCode, FiscalYearStart,
    Sequence, Tax,
};
use crate::partner::Address;
use crate::text::TextError;

/// One configured thing's value, of the kind its area holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Item {
    Module(ModuleVersion),
    Company(Company),
    Sequence(Sequence),
    Tax(Tax),
    /// A currency without its rates (each rate is a thing of its own).
    Currency(Currency),
    CurrencyRate(Decimal),
    Label(String),
    /// A group's name (its rights are things of their own).
    Group(String),
    Access(Rights),
    Account(Account),
    Journal(Journal),
    Business(BusinessSettings),
    RecordRule(RecordRule),
}

impl Item {
    /// Reads the value a promotion file gives for a thing of `area`, with the checks a command
    /// setting it makes (names, rates, codes, dates).
    pub fn read(area: Area, value: Value) -> Result<Self, String> {
        let item =
            Self::from_json(area, value).map_err(|e| format!("not a {}: {e}", area.name()))?;
        item.checked().map_err(|e| format!("{}: {e}", area.name()))
    }

    /// The value of `area` in `value`: a field its kind does not have is refused, not ignored
    /// (what an implementer misspelled would otherwise be lost without a word).
    fn from_json(area: Area, value: Value) -> Result<Self, serde_json::Error> {
        Ok(match area {
            Area::Module => Item::Module(strictly(value)?),
            Area::Company => Item::Company(strictly(value)?),
            Area::Sequence => Item::Sequence(strictly(value)?),
            Area::Tax => Item::Tax(strictly(value)?),
            Area::Currency => {
                let mut currency: Currency = strictly(value)?;
                currency.rates.clear();
                Item::Currency(currency)
            }
            Area::CurrencyRate => Item::CurrencyRate(strictly(value)?),
            Area::Label => Item::Label(strictly(value)?),
            Area::Group => Item::Group(strictly(value)?),
            Area::Access => Item::Access(strictly(value)?),
            Area::Account => Item::Account(strictly(value)?),
            Area::Journal => Item::Journal(strictly(value)?),
            Area::Business => Item::Business(strictly(value)?),
            Area::RecordRule => Item::RecordRule(strictly(value)?),
        })
    }

    /// The value as a promotion file writes it (a currency without its rates, which are
    /// things of their own).
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        let mut value = serde_json::to_value(self)?;
        if let (Item::Currency(_), Some(fields)) = (self, value.as_object_mut()) {
            fields.remove("rates");
        }
        Ok(value)
    }
}

/// `value` read as a `T`, refused if it has a field a `T` does not (named by its path, as
/// `address.colour`).
fn strictly<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    use serde::de::Error;
    let mut unknown = None;
    let read = serde_ignored::deserialize(value, |path| {
        unknown.get_or_insert_with(|| path.to_string());
    })?;
    match unknown {
        Some(field) => Err(serde_json::Error::custom(format!(
            "there is no field \"{field}\""
        ))),
        None => Ok(read),
    }
}

/// `code` if it is one (a file's value is read without the checks a command makes).
fn code(code: &Code) -> Result<Code, TextError> {
    Code::parse(code.as_str())
}

fn codes<'a>(all: impl IntoIterator<Item = &'a Code>) -> Result<(), TextError> {
    all.into_iter().try_for_each(|c| code(c).map(|_| ()))
}

impl Item {
    /// The item as the command that sets it would have made it, or why no command would.
    fn checked(self) -> Result<Self, TextError> {
        Ok(match self {
            Item::Module(version) => Item::Module(version),
            Item::Company(company) => {
                let address = &company.address;
                let lines = [
                    &address.street,
                    &address.city,
                    &address.zip,
                    &address.country,
                ]
                .map(Option::as_deref);
                let [street, city, zip, country] = lines;
                let address = Address::parse(street, city, zip, country).map_err(|errors| {
                    let reasons: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.error))
                        .collect();
                    TextError::Invalid(reasons.join("; "))
                })?;
                let start = &company.fiscal_year_start;
                Item::Company(Company {
                    name: display_name(&company.name)?,
                    currency: CurrencyCode::parse(company.currency.as_str())?,
                    address,
                    fiscal_year_start: FiscalYearStart::new(start.month(), start.day())?,
                    parent: company.parent.as_ref().map(code).transpose()?,
                })
            }
            Item::Sequence(s) => {
                Item::Sequence(Sequence::new(&s.name, &s.prefix, s.padding, s.next_number)?)
            }
            Item::Tax(tax) => {
                let mut checked = Tax::new(&tax.name, tax.rate, tax.price_included)?;
                checked.company = tax.company.as_ref().map(code).transpose()?;
                Item::Tax(checked)
            }
            Item::Currency(c) => Item::Currency(Currency::new(&c.name, &c.symbol, c.decimals)?),
            Item::CurrencyRate(rate) => Item::CurrencyRate(currency_rate(rate)?),
            Item::Label(text) => Item::Label(label(&text)?),
            Item::Group(name) => Item::Group(display_name(&name)?),
            Item::Access(rights) => Item::Access(rights),
            Item::Account(account) => {
                let mut checked = Account::new(&account.name, account.kind)?;
                checked.company = account.company.as_ref().map(code).transpose()?;
                Item::Account(checked)
            }
            Item::Journal(j) => {
                let account = j.account.as_ref().map(code).transpose()?;
                let mut checked = Journal::new(&j.name, j.kind, code(&j.sequence)?, account)?;
                checked.company = j.company.as_ref().map(code).transpose()?;
                Item::Journal(checked)
            }
            Item::Business(business) => {
                codes(business.accounts().into_iter().map(|(_, c)| c))?;
                codes(business.journals().into_iter().map(|(_, c)| c))?;
                codes(business.sequences().into_iter().map(|(_, c)| c))?;
                Item::Business(business)
            }
            Item::RecordRule(rule) => {
                rule.check()
                    .map_err(|e| TextError::Invalid(e.to_string()))?;
                codes(&rule.groups)?;
                if let RuleCondition::PartnerCategories(categories) = &rule.condition {
                    codes(categories)?;
                }
                Item::RecordRule(rule)
            }
        })
    }
}

/// One thing a promotion carries: `None` on a side for a thing that is not there.
#[derive(Debug, Clone, PartialEq)]
pub struct Promotion {
    pub area: Area,
    /// As the stage diff keys it (`vat21`, `EUR 2026-03-01`, `sales/partner`); the main
    /// company and the main business settings are `main`.
    pub key: String,
    pub was: Option<Item>,
    pub to: Option<Item>,
}
