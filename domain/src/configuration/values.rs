//! The values configuration is made of, each parsed once at the edge.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::catalogue::Model;
use crate::partner::Address;
use crate::text::{single_line, TextError};

const CODE_MAX: usize = 64;
const NAME_MAX: usize = 100;
const PREFIX_MAX: usize = 20;
const NOTE_MAX: usize = 2000;
/// The most digits a sequence pads its numbers to.
pub const PADDING_MAX: u8 = 12;
/// The most decimal places a currency can have.
pub const DECIMALS_MAX: u8 = 4;

/// The key an implementer gives a setting (`sale.order`, `vat_21`): lower-case letters, digits
/// and `_ . -`, starting with a letter or digit. Keys are what data modules and stage diffs use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

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

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Code {
    type Error = TextError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Code> for String {
    fn from(code: Code) -> Self {
        code.0
    }
}

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

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = TextError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CurrencyCode> for String {
    fn from(code: CurrencyCode) -> Self {
        code.0
    }
}

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

/// The company the database keeps the books of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub name: String,
    pub currency: CurrencyCode,
    pub address: Address,
    pub fiscal_year_start: FiscalYearStart,
}

impl Default for Company {
    fn default() -> Self {
        Self {
            name: "My Company".to_owned(),
            currency: CurrencyCode("EUR".to_owned()),
            address: Address::default(),
            fiscal_year_start: FiscalYearStart::default(),
        }
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

/// A currency rate: positive, with at most ten decimals.
pub fn currency_rate(rate: Decimal) -> Result<Decimal, TextError> {
    if rate <= Decimal::ZERO {
        return Err(TextError::Invalid(format!(
            "a rate must be above zero (got {rate})"
        )));
    }
    if rate.normalize().scale() > 10 {
        return Err(TextError::Invalid("a rate has at most ten decimals".into()));
    }
    Ok(rate.normalize())
}

/// What a group may do with one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    pub create: bool,
    pub read: bool,
    pub write: bool,
    pub delete: bool,
}

impl Rights {
    pub const ALL: Rights = Rights {
        create: true,
        read: true,
        write: true,
        delete: true,
    };

    pub fn none(&self) -> bool {
        *self == Rights::default()
    }

    /// Whether these rights include `right`.
    pub fn allows(&self, right: Right) -> bool {
        match right {
            Right::Create => self.create,
            Right::Read => self.read,
            Right::Write => self.write,
            Right::Delete => self.delete,
        }
    }
}

impl fmt::Display for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.create, "create"),
            (self.read, "read"),
            (self.write, "write"),
            (self.delete, "delete"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        if names.is_empty() {
            f.write_str("no access")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

/// One of the four access rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Create,
    Read,
    Write,
    Delete,
}

impl Right {
    pub fn as_str(&self) -> &'static str {
        match self {
            Right::Create => "create",
            Right::Read => "read",
            Right::Write => "write",
            Right::Delete => "delete",
        }
    }
}

/// What an account is for: how reports group it and which documents may post to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// What customers owe: invoices post here, customer payments clear it.
    Receivable,
    /// What the company owes suppliers.
    Payable,
    /// Bank and cash.
    Bank,
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            AccountKind::Receivable => "receivable",
            AccountKind::Payable => "payable",
            AccountKind::Bank => "bank",
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }
}

/// An account of the chart of accounts, keyed by its code (`411000`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub kind: AccountKind,
}

impl Account {
    pub fn new(name: &str, kind: AccountKind) -> Result<Self, TextError> {
        Ok(Self {
            name: display_name(name)?,
            kind,
        })
    }
}

/// What a journal records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalKind {
    /// Customer invoices and credit notes.
    Sale,
    /// Vendor bills and refunds.
    Purchase,
    /// Payments in and out of one bank account.
    Bank,
    /// Everything else: manual entries by accountants.
    General,
}

/// A journal: where entries of one kind are recorded and numbered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub name: String,
    pub kind: JournalKind,
    /// The sequence the journal's entries are numbered from.
    pub sequence: Code,
    /// For a bank journal, its bank account.
    pub account: Option<Code>,
}

impl Journal {
    pub fn new(
        name: &str,
        kind: JournalKind,
        sequence: Code,
        account: Option<Code>,
    ) -> Result<Self, TextError> {
        if kind == JournalKind::Bank && account.is_none() {
            return Err(TextError::Invalid(
                "a bank journal needs its bank account".into(),
            ));
        }
        Ok(Self {
            name: display_name(name)?,
            kind,
            sequence,
            account,
        })
    }
}

/// What a customer invoice made from a sales order bills (and a vendor bill from a purchase).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoicePolicy {
    /// What was ordered, delivered or not.
    #[default]
    Ordered,
    /// What was delivered (or received) so far.
    Delivered,
}

/// The accounts, journals and rules daily business runs on. `None` where nothing is chosen:
/// the operations that need it say so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusinessSettings {
    pub receivable_account: Option<Code>,
    pub payable_account: Option<Code>,
    pub income_account: Option<Code>,
    pub expense_account: Option<Code>,
    /// Where tax on sales goes (owed to the state).
    pub tax_collected_account: Option<Code>,
    /// Where tax on purchases goes (claimed back).
    pub tax_deductible_account: Option<Code>,
    pub sale_journal: Option<Code>,
    pub purchase_journal: Option<Code>,
    pub general_journal: Option<Code>,
    /// Numbers sales orders.
    pub sale_order_sequence: Option<Code>,
    /// Numbers purchase orders.
    pub purchase_order_sequence: Option<Code>,
    pub invoice_policy: InvoicePolicy,
    /// Whether a delivery may take more than is on hand.
    pub allow_negative_stock: bool,
    /// Days from an invoice's date to its due date, unless the invoice says otherwise.
    pub payment_days: u32,
}

impl BusinessSettings {
    /// The accounts and journals these settings name, each with what it is used as.
    pub fn accounts(&self) -> Vec<(&'static str, &Code)> {
        [
            ("receivable account", &self.receivable_account),
            ("payable account", &self.payable_account),
            ("income account", &self.income_account),
            ("expense account", &self.expense_account),
            ("tax collected account", &self.tax_collected_account),
            ("tax deductible account", &self.tax_deductible_account),
        ]
        .into_iter()
        .filter_map(|(what, code)| code.as_ref().map(|c| (what, c)))
        .collect()
    }

    pub fn journals(&self) -> Vec<(&'static str, &Code)> {
        [
            ("sale journal", &self.sale_journal),
            ("purchase journal", &self.purchase_journal),
            ("general journal", &self.general_journal),
        ]
        .into_iter()
        .filter_map(|(what, code)| code.as_ref().map(|c| (what, c)))
        .collect()
    }

    pub fn sequences(&self) -> Vec<(&'static str, &Code)> {
        [
            ("sales order sequence", &self.sale_order_sequence),
            ("purchase order sequence", &self.purchase_order_sequence),
        ]
        .into_iter()
        .filter_map(|(what, code)| code.as_ref().map(|c| (what, c)))
        .collect()
    }
}

/// A group of users and what its members may do, per model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub rights: BTreeMap<Model, Rights>,
}

/// The group whose members may do everything. It is built in: it cannot be changed or removed,
/// so no configuration change can lock the administrators out.
pub const ADMIN_GROUP: &str = "admin";

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
