//! The books' settings: the chart of accounts, the journals, and the accounts, journals and
//! rules daily business runs on.

use serde::{Deserialize, Serialize};

use super::values::{display_name, Code};
use crate::text::TextError;

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
    /// The company whose books may use the account; `None`: every company's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Code>,
}

impl Account {
    pub fn new(name: &str, kind: AccountKind) -> Result<Self, TextError> {
        Ok(Self {
            name: display_name(name)?,
            kind,
            company: None,
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

/// The most days after its date an invoice may fall due (ten years).
pub const PAYMENT_DAYS_MAX: u32 = 3660;

/// A journal: where entries of one kind are recorded and numbered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub name: String,
    pub kind: JournalKind,
    /// The sequence the journal's entries are numbered from.
    pub sequence: Code,
    /// For a bank journal, its bank account.
    pub account: Option<Code>,
    /// The company whose books the journal is for; `None`: every company's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Code>,
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
            company: None,
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
        chosen([
            ("receivable account", &self.receivable_account),
            ("payable account", &self.payable_account),
            ("income account", &self.income_account),
            ("expense account", &self.expense_account),
            ("tax collected account", &self.tax_collected_account),
            ("tax deductible account", &self.tax_deductible_account),
        ])
    }

    pub fn journals(&self) -> Vec<(&'static str, &Code)> {
        chosen([
            ("sale journal", &self.sale_journal),
            ("purchase journal", &self.purchase_journal),
            ("general journal", &self.general_journal),
        ])
    }

    pub fn sequences(&self) -> Vec<(&'static str, &Code)> {
        chosen([
            ("sales order sequence", &self.sale_order_sequence),
            ("purchase order sequence", &self.purchase_order_sequence),
        ])
    }
}

/// The settings of `named` that are chosen, each with what it is used as.
fn chosen<'a, const N: usize>(
    named: [(&'static str, &'a Option<Code>); N],
) -> Vec<(&'static str, &'a Code)> {
    named
        .into_iter()
        .filter_map(|(what, code)| code.as_ref().map(|c| (what, c)))
        .collect()
}

/// Whether a setting of `owner` (`None`: every company's) may be used in `company`'s books.
pub fn fits(owner: Option<&Code>, company: &Code) -> bool {
    owner.is_none_or(|owner| owner == company)
}
