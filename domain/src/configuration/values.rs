//! The values configuration is made of, each parsed once at the edge.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::code::Code;
use crate::partner::Address;
use crate::text::{parsed_text, single_line, TextError};

const NAME_MAX: usize = 100;
const PREFIX_MAX: usize = 20;
const NOTE_MAX: usize = 2000;
/// The most digits a sequence pads its numbers to.
pub const PADDING_MAX: u8 = 12;
/// The highest next number a sequence may be set to: far past any document count, and far
/// below what the read models' integers hold.
pub const NEXT_NUMBER_MAX: u64 = 999_999_999_999_999;
/// The most decimal places a currency can have.
pub const DECIMALS_MAX: u8 = 4;

/// An ISO 4217 currency code: three upper-case letters (`EUR`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(String);

impl CurrencyCode {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let text = single_line(raw, 3)?.to_ascii_uppercase();
        if text.len() != 3 || !text.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(TextError::Invalid(format!(
                "'{text}' is not a currency code (three letters, as EUR)"
            )));
        }
        Ok(Self(text))
    }
}

parsed_text!(CurrencyCode);

/// A short name shown to people (of a tax, a currency, a group, a sequence).
pub fn display_name(raw: &str) -> Result<String, TextError> {
    single_line(raw, NAME_MAX)
}

/// A stage's name: a single line of at most 100 characters.
pub fn stage_name(raw: &str) -> Result<String, TextError> {
    single_line(raw, NAME_MAX)
}

/// A free note (a stage's), possibly several lines, at most 2000 characters.
pub fn note(raw: &str) -> Result<String, TextError> {
    let text = raw.trim();
    let len = text.chars().count();
    if len > NOTE_MAX {
        return Err(TextError::TooLong { max: NOTE_MAX, len });
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(TextError::ControlCharacter);
    }
    Ok(text.to_owned())
}

/// A renamed field label.
pub fn label(raw: &str) -> Result<String, TextError> {
    single_line(raw, NAME_MAX)
}

/// The day the fiscal year starts on, every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalYearStart {
    month: u32,
    day: u32,
}

impl FiscalYearStart {
    /// A day that exists in every year (29 February does not).
    pub fn new(month: u32, day: u32) -> Result<Self, TextError> {
        let valid = NaiveDate::from_ymd_opt(2023, month, day).is_some();
        if !valid {
            return Err(TextError::Invalid(format!(
                "{month:02}-{day:02} is not a day of every year (month-day)"
            )));
        }
        Ok(Self { month, day })
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn day(&self) -> u32 {
        self.day
    }
}

impl Default for FiscalYearStart {
    fn default() -> Self {
        Self { month: 1, day: 1 }
    }
}

impl fmt::Display for FiscalYearStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// The code of the company every database starts with: the one whose books a database kept
/// before it had several, and the one records without a company belong to.
pub const MAIN_COMPANY: &str = "main";

/// A company the database keeps the books of. Each has its own currency and fiscal year; a
/// parent may consolidate its children in reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub name: String,
    pub currency: CurrencyCode,
    pub address: Address,
    pub fiscal_year_start: FiscalYearStart,
    /// The company this one consolidates into, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Code>,
}

impl Default for Company {
    fn default() -> Self {
        Self {
            name: "My Company".to_owned(),
            currency: CurrencyCode("EUR".to_owned()),
            address: Address::default(),
            fiscal_year_start: FiscalYearStart::default(),
            parent: None,
        }
    }
}

impl Code {
    /// The main company's code.
    pub fn main_company() -> Self {
        Self(MAIN_COMPANY.to_owned())
    }

    pub fn is_main_company(&self) -> bool {
        self.0 == MAIN_COMPANY
    }
}

/// A document numbering sequence: `prefix` then the number, zero-padded to `padding` digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: String,
    pub prefix: String,
    pub padding: u8,
    /// The number the next document gets.
    pub next_number: u64,
}

impl Sequence {
    pub fn new(name: &str, prefix: &str, padding: u8, next_number: u64) -> Result<Self, TextError> {
        let prefix = prefix.trim();
        if prefix.chars().count() > PREFIX_MAX {
            return Err(TextError::TooLong {
                max: PREFIX_MAX,
                len: prefix.chars().count(),
            });
        }
        if prefix.chars().any(char::is_control) {
            return Err(TextError::ControlCharacter);
        }
        if padding > PADDING_MAX {
            return Err(TextError::Invalid(format!(
                "padding must be at most {PADDING_MAX} digits"
            )));
        }
        if next_number > NEXT_NUMBER_MAX {
            return Err(TextError::Invalid(format!(
                "the next number must be at most {NEXT_NUMBER_MAX}"
            )));
        }
        if next_number == 0 {
            return Err(TextError::Invalid(
                "the next number must be at least 1".into(),
            ));
        }
        Ok(Self {
            name: display_name(name)?,
            prefix: prefix.to_owned(),
            padding,
            next_number,
        })
    }

    /// How the next document is numbered: `SO0042`.
    /// The sequence as it numbers the document after number `last`: from the number set, or
    /// from the one after `last` if that is higher (a number is never given twice).
    pub fn following(mut self, last: u64) -> Self {
        self.next_number = self.next_number.max(last.saturating_add(1));
        self
    }

    pub fn preview(&self) -> String {
        format!(
            "{}{:0width$}",
            self.prefix,
            self.next_number,
            width = usize::from(self.padding)
        )
    }
}

/// A tax: a rate in percent, included in prices or added to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tax {
    pub name: String,
    /// Percent, exact: `21`, `5.5`.
    pub rate: Decimal,
    /// Whether prices already include the tax.
    pub price_included: bool,
    /// The company whose documents may use the tax; `None`: every company's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Code>,
}

impl Tax {
    /// A rate from 0 to 100 percent, with at most four decimals.
    pub fn new(name: &str, rate: Decimal, price_included: bool) -> Result<Self, TextError> {
        if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
            return Err(TextError::Invalid(format!(
                "a tax rate is between 0 and 100 percent (got {rate})"
            )));
        }
        if rate.normalize().scale() > 4 {
            return Err(TextError::Invalid(
                "a tax rate has at most four decimals".into(),
            ));
        }
        Ok(Self {
            name: display_name(name)?,
            rate: rate.normalize(),
            price_included,
            company: None,
        })
    }
}

/// A currency the company deals in, with its rates against the company currency by date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    pub name: String,
    pub symbol: String,
    /// Decimal places amounts are rounded to.
    pub decimals: u8,
    /// Units of this currency per unit of the company currency, from each date on.
    #[serde(default)]
    pub rates: BTreeMap<NaiveDate, Decimal>,
}

impl Currency {
    pub fn new(name: &str, symbol: &str, decimals: u8) -> Result<Self, TextError> {
        if decimals > DECIMALS_MAX {
            return Err(TextError::Invalid(format!(
                "a currency has at most {DECIMALS_MAX} decimal places"
            )));
        }
        Ok(Self {
            name: display_name(name)?,
            symbol: single_line(symbol, 5)?,
            decimals,
            rates: BTreeMap::new(),
        })
    }
}

/// The largest rate a currency may have (units of it per unit of the company currency).
pub const RATE_MAX: i64 = 1_000_000_000;

/// A currency rate: positive, at most [`RATE_MAX`], with at most ten decimals.
pub fn currency_rate(rate: Decimal) -> Result<Decimal, TextError> {
    if rate <= Decimal::ZERO {
        return Err(TextError::Invalid(format!(
            "a rate must be above zero (got {rate})"
        )));
    }
    if rate > Decimal::from(RATE_MAX) {
        return Err(TextError::Invalid(format!(
            "a rate is at most {RATE_MAX} (got {rate})"
        )));
    }
    if rate.normalize().scale() > 10 {
        return Err(TextError::Invalid("a rate has at most ten decimals".into()));
    }
    Ok(rate.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_lower_case_keys() {
        assert_eq!(Code::parse(" sale.order ").unwrap().as_str(), "sale.order");
        assert!(Code::parse("Sale").is_err());
        assert!(Code::parse("_x").is_err());
        assert!(Code::parse("a b").is_err());
    }

    #[test]
    fn a_rate_is_above_zero_and_at_most_a_billion() {
        assert_eq!(
            currency_rate(Decimal::new(10821, 4)),
            Ok(Decimal::new(10821, 4))
        );
        for bad in [
            Decimal::ZERO,
            Decimal::new(-1, 0),
            Decimal::from(RATE_MAX) + Decimal::ONE,
        ] {
            assert!(currency_rate(bad).is_err(), "{bad}");
        }
        assert!(currency_rate(Decimal::from(RATE_MAX)).is_ok());
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(CurrencyCode::parse("usd").unwrap().as_str(), "USD");
        assert!(CurrencyCode::parse("US").is_err());
        assert!(CurrencyCode::parse("U5D").is_err());
    }

    #[test]
    fn tax_rates_stay_between_0_and_100_and_exact() {
        let tax = Tax::new("VAT", Decimal::new(5500, 3), false).unwrap();
        assert_eq!(tax.rate.to_string(), "5.5");
        assert!(Tax::new("VAT", Decimal::new(-1, 0), false).is_err());
        assert!(Tax::new("VAT", Decimal::new(10001, 2), false).is_err());
        assert!(Tax::new("VAT", Decimal::new(123456, 5), false).is_err());
    }

    #[test]
    fn sequences_number_with_prefix_and_padding() {
        let sequence = Sequence::new("Sales orders", "SO", 4, 42).unwrap();
        assert_eq!(sequence.preview(), "SO0042");
        assert!(Sequence::new("x", "SO", 13, 1).is_err());
        assert!(Sequence::new("x", "SO", 2, 0).is_err());
    }

    #[test]
    fn fiscal_years_start_on_a_day_every_year_has() {
        assert!(FiscalYearStart::new(4, 1).is_ok());
        assert!(FiscalYearStart::new(2, 29).is_err());
        assert!(FiscalYearStart::new(13, 1).is_err());
    }
}
