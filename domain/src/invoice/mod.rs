//! Customer invoices, vendor bills and their credit notes.
//!
//! ```text
//! Draft ──post (numbered, entry written)──▶ Posted ──payments, credit notes──▶ paid
//!   └──cancel──▶ Cancelled
//! ```
//!
//! A posted document never changes: its lines, number and entry stay as posted. What it still
//! owes (its residual) goes down as payments and credit notes are matched against it. A
//! mistake on a posted invoice is put right with a credit note.

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::configuration::Code;
use crate::ledger::{EntryLine, EntryOrigin, JournalEntry};
use crate::money::{Line, Totals, LINES_MAX};
use crate::order::Side;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvoiceKind {
    CustomerInvoice,
    CustomerCreditNote,
    VendorBill,
    VendorCreditNote,
}

impl InvoiceKind {
    pub fn side(&self) -> Side {
        match self {
            InvoiceKind::CustomerInvoice | InvoiceKind::CustomerCreditNote => Side::Sale,
            InvoiceKind::VendorBill | InvoiceKind::VendorCreditNote => Side::Purchase,
        }
    }

    pub fn is_credit_note(&self) -> bool {
        matches!(
            self,
            InvoiceKind::CustomerCreditNote | InvoiceKind::VendorCreditNote
        )
    }

    /// The credit note that reverses this kind of document.
    pub fn credit_note(&self) -> InvoiceKind {
        match self.side() {
            Side::Sale => InvoiceKind::CustomerCreditNote,
            Side::Purchase => InvoiceKind::VendorCreditNote,
        }
    }

    /// +1 when the document's total is a debit of its receivable or payable account (a
    /// customer invoice, a vendor credit note), −1 when it is a credit.
    pub fn sign(&self) -> Decimal {
        match self {
            InvoiceKind::CustomerInvoice | InvoiceKind::VendorCreditNote => Decimal::ONE,
            InvoiceKind::CustomerCreditNote | InvoiceKind::VendorBill => Decimal::NEGATIVE_ONE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceState {
    Draft,
    Posted,
    Cancelled,
}

/// An invoice line: the line and the income (or expense) account it posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub line: Line,
    pub account: Code,
}

/// Everything a draft says, as the user (or the order it comes from) wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDraft {
    pub kind: InvoiceKind,
    pub partner: Uuid,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub decimals: u32,
    pub lines: Vec<InvoiceLine>,
    /// The order the invoice bills, if any: its lines come from the order and stay as they are.
    pub order: Option<Uuid>,
    /// For a credit note, the document it reverses.
    pub reverses: Option<Uuid>,
    pub reference: String,
}

/// Accounts a posting needs beside the lines' own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingAccounts {
    /// Receivable (customer documents) or payable (vendor documents).
    pub counterpart: Code,
    /// Where the document's taxes go.
    pub tax: Code,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InvoiceCommand {
    DraftInvoice {
        draft: InvoiceDraft,
    },
    ReplaceInvoiceLines {
        expected_version: Option<u64>,
        lines: Vec<InvoiceLine>,
    },
    PostInvoice {
        expected_version: Option<u64>,
        number: String,
        entry: Uuid,
    },
    /// Sets part of a payment or credit note (`with`) against the document.
    MatchInvoice {
        with: Uuid,
        amount: Decimal,
        date: NaiveDate,
    },
    CancelInvoice {
        expected_version: Option<u64>,
    },
}

impl InvoiceCommand {
    pub fn name(&self) -> &'static str {
        match self {
            InvoiceCommand::DraftInvoice { .. } => "DraftInvoice",
            InvoiceCommand::ReplaceInvoiceLines { .. } => "ReplaceInvoiceLines",
            InvoiceCommand::PostInvoice { .. } => "PostInvoice",
            InvoiceCommand::MatchInvoice { .. } => "MatchInvoice",
            InvoiceCommand::CancelInvoice { .. } => "CancelInvoice",
        }
    }
}

/// What happened to an invoice. Never rename a variant: the names are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InvoiceEvent {
    InvoiceDrafted {
        draft: InvoiceDraft,
    },
    InvoiceLinesReplaced {
        lines: Vec<InvoiceLine>,
    },
    /// Numbered and in the books: entry `entry` carries its lines.
    InvoicePosted {
        number: String,
        entry: Uuid,
        totals: Totals,
    },
    InvoiceMatched {
        with: Uuid,
        amount: Decimal,
        date: NaiveDate,
    },
    InvoiceCancelled {},
}

impl DomainEvent for InvoiceEvent {
    fn event_type(&self) -> String {
        match self {
            InvoiceEvent::InvoiceDrafted { .. } => "InvoiceDrafted",
            InvoiceEvent::InvoiceLinesReplaced { .. } => "InvoiceLinesReplaced",
            InvoiceEvent::InvoicePosted { .. } => "InvoicePosted",
            InvoiceEvent::InvoiceMatched { .. } => "InvoiceMatched",
            InvoiceEvent::InvoiceCancelled {} => "InvoiceCancelled",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvoiceError {
    #[error("an invoice with this id already exists")]
    AlreadyExists,
    #[error("no invoice with this id")]
    NotFound,
    #[error(
        "the invoice was changed by someone else: your form shows version {expected}, \
         it is now at version {actual}; reload it and make your change again"
    )]
    StaleVersion { expected: u64, actual: u64 },
    #[error("the invoice is {actual:?}; this needs it {needed}")]
    WrongState {
        actual: InvoiceState,
        needed: &'static str,
    },
    #[error("an invoice needs at least one line")]
    NoLines,
    #[error("an invoice has at most {LINES_MAX} lines")]
    TooManyLines,
    #[error("the due date {due} is before the invoice date {date}")]
    DueBeforeDate { date: NaiveDate, due: NaiveDate },
    #[error("the lines of an invoice made from an order come from the order: cancel the invoice and invoice the order again")]
    FromOrder,
    #[error("the total is zero: there is nothing to post")]
    NothingToPost,
    #[error("{amount} is more than the {residual} still open on this document")]
    OverMatched { amount: Decimal, residual: Decimal },
    #[error("an amount matched must be above zero")]
    NoAmount,
    #[error("this payment (or credit note) is already set against the document")]
    AlreadyMatched,
    #[error("a credit note reverses an invoice or bill, not another credit note")]
    NotCreditNote,
}

/// An invoice as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    version: u64,
    current: Option<Current>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Current {
    draft: InvoiceDraft,
    state: InvoiceState,
    number: Option<String>,
    matched: Decimal,
    /// The payments and credit notes set against it.
    #[serde(default)]
    matches: Vec<Uuid>,
}

impl Invoice {
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn draft(&self) -> Option<&InvoiceDraft> {
        self.current.as_ref().map(|c| &c.draft)
    }

    pub fn state(&self) -> Option<InvoiceState> {
        self.current.as_ref().map(|c| c.state)
    }

    pub fn number(&self) -> Option<&str> {
        self.current.as_ref().and_then(|c| c.number.as_deref())
    }

    pub fn totals(&self) -> Totals {
        self.current.as_ref().map_or_else(Totals::default, |c| {
            Totals::of(
                c.draft.lines.iter().map(|l| (&l.line, l.line.quantity)),
                c.draft.decimals,
            )
        })
    }

    /// What the document still owes (or, for a credit note, still credits).
    pub fn residual(&self) -> Decimal {
        match &self.current {
            Some(c) if c.state == InvoiceState::Posted => {
                crate::money::round(self.totals().total - c.matched, c.draft.decimals)
            }
            _ => Decimal::ZERO,
        }
    }

    fn existing(&self, expected_version: Option<u64>) -> Result<&Current, InvoiceError> {
        let current = self.current.as_ref().ok_or(InvoiceError::NotFound)?;
        match expected_version {
            Some(expected) if expected != self.version => Err(InvoiceError::StaleVersion {
                expected,
                actual: self.version,
            }),
            _ => Ok(current),
        }
    }

    /// The journal entry posting the document (invoice `invoice`) writes, in journal `journal`.
    pub fn entry(
        &self,
        invoice: Uuid,
        id: Uuid,
        journal: Code,
        number: &str,
        accounts: &PostingAccounts,
    ) -> Option<JournalEntry> {
        let current = self.current.as_ref()?;
        let draft = &current.draft;
        let sign = draft.kind.sign();
        let partner = Some(draft.partner);
        let decimals = draft.decimals;
        let mut lines = Vec::new();
        let totals = self.totals();
        lines.push(EntryLine::signed(
            accounts.counterpart.clone(),
            partner,
            number,
            totals.total * sign,
        ));
        for line in &draft.lines {
            let amounts = line.line.amounts(line.line.quantity, decimals);
            if !amounts.untaxed.is_zero() {
                lines.push(EntryLine::signed(
                    line.account.clone(),
                    partner,
                    &line.line.description,
                    -amounts.untaxed * sign,
                ));
            }
        }
        for (code, amount) in &totals.taxes {
            if !amount.is_zero() {
                lines.push(EntryLine::signed(
                    accounts.tax.clone(),
                    partner,
                    code.as_str(),
                    -*amount * sign,
                ));
            }
        }
        Some(JournalEntry {
            id,
            journal,
            number: number.to_owned(),
            date: draft.date,
            reference: draft.reference.clone(),
            origin: EntryOrigin::Invoice { invoice },
            lines,
        })
    }
}

fn check_lines(lines: &[InvoiceLine]) -> Result<(), InvoiceError> {
    if lines.is_empty() {
        return Err(InvoiceError::NoLines);
    }
    if lines.len() > LINES_MAX {
        return Err(InvoiceError::TooManyLines);
    }
    Ok(())
}

fn in_state(
    current: &Current,
    state: InvoiceState,
    needed: &'static str,
) -> Result<(), InvoiceError> {
    if current.state != state {
        return Err(InvoiceError::WrongState {
            actual: current.state,
            needed,
        });
    }
    Ok(())
}

impl crate::Decide for Invoice {
    fn decide(&self, command: InvoiceCommand) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        use InvoiceCommand as C;
        use InvoiceEvent as E;
        let event = match command {
            C::DraftInvoice { draft } => {
                if self.current.is_some() {
                    return Err(InvoiceError::AlreadyExists);
                }
                check_lines(&draft.lines)?;
                if draft.due_date < draft.date {
                    return Err(InvoiceError::DueBeforeDate {
                        date: draft.date,
                        due: draft.due_date,
                    });
                }
                if draft.reverses.is_some() && !draft.kind.is_credit_note() {
                    return Err(InvoiceError::NotCreditNote);
                }
                E::InvoiceDrafted { draft }
            }
            C::ReplaceInvoiceLines {
                expected_version,
                lines,
            } => {
                let current = self.existing(expected_version)?;
                in_state(current, InvoiceState::Draft, "a draft")?;
                if current.draft.order.is_some() {
                    return Err(InvoiceError::FromOrder);
                }
                check_lines(&lines)?;
                if lines == current.draft.lines {
                    return Ok(vec![]);
                }
                E::InvoiceLinesReplaced { lines }
            }
            C::PostInvoice {
                expected_version,
                number,
                entry,
            } => {
                let current = self.existing(expected_version)?;
                in_state(current, InvoiceState::Draft, "a draft")?;
                let totals = self.totals();
                if totals.total.is_zero() {
                    return Err(InvoiceError::NothingToPost);
                }
                E::InvoicePosted {
                    number,
                    entry,
                    totals,
                }
            }
            C::MatchInvoice { with, amount, date } => {
                let current = self.existing(None)?;
                in_state(current, InvoiceState::Posted, "posted")?;
                if amount <= Decimal::ZERO {
                    return Err(InvoiceError::NoAmount);
                }
                if current.matches.contains(&with) {
                    return Err(InvoiceError::AlreadyMatched);
                }
                let residual = self.residual();
                if amount > residual {
                    return Err(InvoiceError::OverMatched { amount, residual });
                }
                E::InvoiceMatched { with, amount, date }
            }
            C::CancelInvoice { expected_version } => {
                let current = self.existing(expected_version)?;
                if current.state == InvoiceState::Cancelled {
                    return Ok(vec![]);
                }
                in_state(
                    current,
                    InvoiceState::Draft,
                    "a draft (a posted invoice is put right with a credit note)",
                )?;
                E::InvoiceCancelled {}
            }
        };
        Ok(vec![event])
    }
}

impl Aggregate for Invoice {
    const TYPE: &'static str = "Invoice";
    type Command = InvoiceCommand;
    type Event = InvoiceEvent;
    type Error = InvoiceError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        crate::handle_by_deciding(self, command, sink).await
    }

    fn apply(&mut self, event: Self::Event) {
        use InvoiceEvent as E;
        self.version += 1;
        if let E::InvoiceDrafted { draft } = event {
            self.current = Some(Current {
                draft,
                state: InvoiceState::Draft,
                number: None,
                matched: Decimal::ZERO,
                matches: Vec::new(),
            });
            return;
        }
        let Some(current) = self.current.as_mut() else {
            return;
        };
        match event {
            E::InvoiceDrafted { .. } => {}
            E::InvoiceLinesReplaced { lines } => current.draft.lines = lines,
            E::InvoicePosted { number, .. } => {
                current.number = Some(number);
                current.state = InvoiceState::Posted;
            }
            E::InvoiceMatched { with, amount, .. } => {
                current.matched += amount;
                current.matches.push(with);
            }
            E::InvoiceCancelled {} => current.state = InvoiceState::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests;
