//! The configuration's parts as GraphQL shows them.

use async_graphql::{Enum, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use domain::configuration::{
    AccountKind, Area, BusinessSettings, Change, Code, Company as DomainCompany, InvoicePolicy,
    JournalKind, Model,
};
use rust_decimal::Decimal;

use crate::graphql::partner::Address as AddressObject;

/// The company the database keeps the books of.
pub struct Company(pub Code, pub DomainCompany);

#[Object]
impl Company {
    /// What records, users and requests (the `X-Company` header) name the company by.
    async fn code(&self) -> &str {
        self.0.as_str()
    }

    async fn name(&self) -> &str {
        &self.1.name
    }

    /// ISO 4217 code of the company's currency.
    async fn currency(&self) -> &str {
        self.1.currency.as_str()
    }

    /// The code of the company this one consolidates into, if any.
    async fn parent(&self) -> Option<&str> {
        self.1.parent.as_ref().map(Code::as_str)
    }

    async fn address(&self) -> AddressObject {
        let a = &self.1.address;
        AddressObject {
            street: a.street.clone(),
            city: a.city.clone(),
            zip: a.zip.clone(),
            country: a.country.clone(),
        }
    }

    /// The day each fiscal year starts, as `MM-DD`.
    async fn fiscal_year_start(&self) -> String {
        self.1.fiscal_year_start.to_string()
    }
}

/// A module this build ships.
#[derive(SimpleObject)]
pub struct Module {
    pub name: String,
    pub summary: String,
    /// The version this build ships.
    pub version: String,
    /// Whether that version is a development one (odd middle number).
    pub development: bool,
    pub depends: Vec<String>,
    /// The version installed; null when the module is not installed.
    pub installed_version: Option<String>,
}

/// A document numbering sequence.
#[derive(SimpleObject)]
pub struct Sequence {
    pub code: String,
    pub name: String,
    pub prefix: String,
    pub padding: i32,
    pub next_number: i64,
    /// How the next document will be numbered (`SO0042`).
    pub next_preview: String,
}

#[derive(SimpleObject)]
pub struct Tax {
    pub code: String,
    pub name: String,
    /// Percent, exact.
    pub rate: Decimal,
    pub price_included: bool,
    /// The company whose documents may use the tax; null: every company's.
    pub company: Option<String>,
}

#[derive(SimpleObject)]
pub struct Currency {
    /// ISO 4217 code.
    pub code: String,
    pub name: String,
    pub symbol: String,
    pub decimals: i32,
    /// Units of this currency per unit of the company currency, from each date on.
    pub rates: Vec<CurrencyRate>,
}

#[derive(SimpleObject)]
pub struct CurrencyRate {
    pub date: NaiveDate,
    pub rate: Decimal,
}

#[derive(SimpleObject)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub rights: Vec<AccessRight>,
}

/// A record rule: which orders, documents or partners users see and touch.
#[derive(SimpleObject)]
pub struct RecordRuleObject {
    pub code: String,
    pub name: String,
    pub model: ModelName,
    /// Empty: a global rule, which restricts everyone but administrators.
    pub groups: Vec<String>,
    /// The rule lets through the orders a user created.
    pub own: bool,
    /// The rule lets through the orders in these states (null: not a state rule).
    pub states: Option<Vec<String>>,
    /// The rule lets through the partners in one of these categories, and the orders and
    /// documents of such partners (null: not a category rule).
    pub partner_categories: Option<Vec<String>>,
}

/// What a group may do with one model.
#[derive(SimpleObject)]
pub struct AccessRight {
    pub model: ModelName,
    pub create: bool,
    pub read: bool,
    pub write: bool,
    pub delete: bool,
}

/// The models access rights are given on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "Model")]
pub enum ModelName {
    Partner,
    User,
    Configuration,
    /// The event log, as auditors read it.
    Log,
    Product,
    SaleOrder,
    PurchaseOrder,
    Stock,
    Invoice,
    /// Journal entries, periods and the financial reports.
    Accounting,
}

/// A form and the labels of its fields, as this database names them.
#[derive(SimpleObject)]
pub struct Form {
    pub name: String,
    /// The module that brings the form.
    pub module: String,
    pub fields: Vec<FormField>,
}

#[derive(SimpleObject)]
pub struct FormField {
    /// The field's name in this schema.
    pub field: String,
    /// The label to show.
    pub label: String,
    /// The label it has when nobody renamed it.
    pub default_label: String,
}

/// The part of the configuration a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "Area")]
pub enum ConfigurationArea {
    Module,
    Company,
    Sequence,
    Tax,
    Currency,
    CurrencyRate,
    Label,
    Group,
    Access,
    Account,
    Journal,
    Business,
    RecordRule,
}

/// One difference between two configurations. `before` is null for something added, `after`
/// for something removed.
#[derive(SimpleObject)]
pub struct ConfigurationChange {
    pub area: ConfigurationArea,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<Change> for ConfigurationChange {
    fn from(change: Change) -> Self {
        Self {
            area: change.area.into(),
            key: change.key,
            before: change.before,
            after: change.after,
        }
    }
}

/// An account of the chart of accounts.
#[derive(SimpleObject)]
#[graphql(name = "Account")]
pub struct AccountObject {
    pub code: String,
    pub name: String,
    pub kind: AccountKindName,
    /// The company whose books may use it; null: every company's.
    pub company: Option<String>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AccountKind", remote = "AccountKind")]
pub enum AccountKindName {
    Receivable,
    Payable,
    Bank,
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

#[derive(SimpleObject)]
#[graphql(name = "Journal")]
pub struct JournalObject {
    pub code: String,
    pub name: String,
    pub kind: JournalKindName,
    /// The sequence its entries are numbered from.
    pub sequence: String,
    /// A bank journal's bank account.
    pub account: Option<String>,
    /// The company whose books it is for; null: every company's.
    pub company: Option<String>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "JournalKind", remote = "JournalKind")]
pub enum JournalKindName {
    Sale,
    Purchase,
    Bank,
    General,
}

/// What an invoice made from an order bills.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "InvoicePolicy", remote = "InvoicePolicy")]
pub enum InvoicePolicyName {
    /// What was ordered.
    Ordered,
    /// What was delivered (received) so far.
    Delivered,
}

/// The accounts, journals, sequences and rules daily business uses. Null: not chosen yet.
#[derive(SimpleObject, Clone)]
#[graphql(name = "BusinessSettings")]
pub struct BusinessSettingsObject {
    pub receivable_account: Option<String>,
    pub payable_account: Option<String>,
    pub income_account: Option<String>,
    pub expense_account: Option<String>,
    pub tax_collected_account: Option<String>,
    pub tax_deductible_account: Option<String>,
    pub sale_journal: Option<String>,
    pub purchase_journal: Option<String>,
    pub general_journal: Option<String>,
    pub sale_order_sequence: Option<String>,
    pub purchase_order_sequence: Option<String>,
    pub invoice_policy: InvoicePolicyName,
    pub allow_negative_stock: bool,
    /// Days from an invoice's date to its due date.
    pub payment_days: i32,
}

/// A change of the business settings: a field left out stays as it is; `null` clears an
/// account, a journal or a sequence.
#[derive(InputObject)]
#[graphql(name = "BusinessSettingsInput")]
pub struct BusinessSettingsChange {
    pub receivable_account: MaybeUndefined<String>,
    pub payable_account: MaybeUndefined<String>,
    pub income_account: MaybeUndefined<String>,
    pub expense_account: MaybeUndefined<String>,
    pub tax_collected_account: MaybeUndefined<String>,
    pub tax_deductible_account: MaybeUndefined<String>,
    pub sale_journal: MaybeUndefined<String>,
    pub purchase_journal: MaybeUndefined<String>,
    pub general_journal: MaybeUndefined<String>,
    pub sale_order_sequence: MaybeUndefined<String>,
    pub purchase_order_sequence: MaybeUndefined<String>,
    pub invoice_policy: Option<InvoicePolicyName>,
    pub allow_negative_stock: Option<bool>,
    /// Days from an invoice's date to its due date.
    pub payment_days: Option<i32>,
    /// The company whose own settings these are; left out: the main ones, which every company
    /// without its own goes by. A company's own start from what it goes by now.
    pub company: Option<String>,
}

impl BusinessSettingsChange {
    /// The settings `current` become with this change.
    pub fn over(self, current: BusinessSettingsObject) -> BusinessSettingsObject {
        let code = |change: MaybeUndefined<String>, now: Option<String>| match change {
            MaybeUndefined::Undefined => now,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(code) => Some(code),
        };
        BusinessSettingsObject {
            receivable_account: code(self.receivable_account, current.receivable_account),
            payable_account: code(self.payable_account, current.payable_account),
            income_account: code(self.income_account, current.income_account),
            expense_account: code(self.expense_account, current.expense_account),
            tax_collected_account: code(self.tax_collected_account, current.tax_collected_account),
            tax_deductible_account: code(
                self.tax_deductible_account,
                current.tax_deductible_account,
            ),
            sale_journal: code(self.sale_journal, current.sale_journal),
            purchase_journal: code(self.purchase_journal, current.purchase_journal),
            general_journal: code(self.general_journal, current.general_journal),
            sale_order_sequence: code(self.sale_order_sequence, current.sale_order_sequence),
            purchase_order_sequence: code(
                self.purchase_order_sequence,
                current.purchase_order_sequence,
            ),
            invoice_policy: self.invoice_policy.unwrap_or(current.invoice_policy),
            allow_negative_stock: self
                .allow_negative_stock
                .unwrap_or(current.allow_negative_stock),
            payment_days: self.payment_days.unwrap_or(current.payment_days),
        }
    }
}

impl From<&BusinessSettings> for BusinessSettingsObject {
    fn from(b: &BusinessSettings) -> Self {
        let text = |c: &Option<Code>| c.as_ref().map(ToString::to_string);
        Self {
            receivable_account: text(&b.receivable_account),
            payable_account: text(&b.payable_account),
            income_account: text(&b.income_account),
            expense_account: text(&b.expense_account),
            tax_collected_account: text(&b.tax_collected_account),
            tax_deductible_account: text(&b.tax_deductible_account),
            sale_journal: text(&b.sale_journal),
            purchase_journal: text(&b.purchase_journal),
            general_journal: text(&b.general_journal),
            sale_order_sequence: text(&b.sale_order_sequence),
            purchase_order_sequence: text(&b.purchase_order_sequence),
            invoice_policy: b.invoice_policy.into(),
            allow_negative_stock: b.allow_negative_stock,
            payment_days: i32::try_from(b.payment_days).unwrap_or(i32::MAX),
        }
    }
}
