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

mod commands;
mod error;
mod events;
mod values;

pub use commands::InvoiceCommand;
pub use error::InvoiceError;
pub use events::InvoiceEvent;
pub use values::{InvoiceDraft, InvoiceKind, InvoiceLine, InvoiceState, PostingAccounts};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::Code;
use crate::ledger::{EntryLine, EntryOrigin, JournalEntry};
use crate::money::{check_line_count, Totals};

/// An invoice as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    version: u64,
    current: Option<Current>,
}

crate::aggregate! { Invoice, "Invoice", InvoiceCommand, InvoiceEvent, InvoiceError }

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Current {
    draft: InvoiceDraft,
    state: InvoiceState,
    number: Option<String>,
    matched: Decimal,
    /// The payments and credit notes set against it.
    #[serde(default)]
    matches: Vec<Uuid>,
    /// The posted credit notes that reverse it, and what they add up to.
    #[serde(default)]
    credit_notes: Vec<Uuid>,
    #[serde(default)]
    credited: Decimal,
}

impl Invoice {
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn draft(&self) -> Option<&InvoiceDraft> {
        self.current.as_ref().map(|c| &c.draft)
    }

    /// The company the document belongs to.
    pub fn company(&self) -> Option<&Code> {
        self.draft().map(|d| &d.company)
    }

    pub fn state(&self) -> Option<InvoiceState> {
        self.current.as_ref().map(|c| c.state)
    }

    pub fn number(&self) -> Option<&str> {
        self.current.as_ref().and_then(|c| c.number.as_deref())
    }

    pub fn totals(&self) -> Totals {
        self.current.as_ref().map_or_else(Totals::default, |c| {
            Totals::of_lines(&c.draft.lines, c.draft.decimals)
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

    /// What credit notes may still credit of the posted document: its total less what posted
    /// credit notes already reverse.
    pub fn creditable(&self) -> Decimal {
        match &self.current {
            Some(c) if c.state == InvoiceState::Posted => self.totals().total - c.credited,
            _ => Decimal::ZERO,
        }
    }

    /// Whether `lines` are the document's own, line for line: a credit note of them reverses
    /// it as a whole (accounts aside, which follow the settings).
    pub fn reversed_whole_by(&self, lines: &[InvoiceLine]) -> bool {
        self.draft().is_some_and(|d| {
            d.lines.len() == lines.len()
                && d.lines
                    .iter()
                    .zip(lines)
                    .all(|(own, other)| own.line == other.line)
        })
    }

    fn existing(&self, expected_version: Option<u64>) -> Result<&Current, InvoiceError> {
        crate::at_version(self.current.as_ref(), self.version, expected_version)
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
            company: draft.company.clone(),
        })
    }
}

fn check_lines(lines: &[InvoiceLine]) -> Result<(), InvoiceError> {
    check_line_count(
        lines.len(),
        InvoiceError::NoLines,
        InvoiceError::TooManyLines,
    )
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
                if self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.matches.contains(&with))
                {
                    return Err(InvoiceError::AlreadyMatched);
                }
                self.matched(with, amount, date)?
            }
            C::SetOff { with, amount, date } => self.matched(with, amount, date)?,
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
            C::CreditInvoice { credit_note, total } => {
                let current = self.existing(None)?;
                in_state(current, InvoiceState::Posted, "posted")?;
                if current.credit_notes.contains(&credit_note) {
                    return Ok(vec![]);
                }
                let creditable = self.creditable();
                if total > creditable {
                    return Err(InvoiceError::OverCredited { total, creditable });
                }
                E::InvoiceCredited { credit_note, total }
            }
        };
        Ok(vec![event])
    }
}

impl Invoice {
    /// `amount` of `with` set against the posted document on `date`, if it may be.
    fn matched(
        &self,
        with: Uuid,
        amount: Decimal,
        date: chrono::NaiveDate,
    ) -> Result<InvoiceEvent, InvoiceError> {
        let current = self.existing(None)?;
        in_state(current, InvoiceState::Posted, "posted")?;
        if amount <= Decimal::ZERO {
            return Err(InvoiceError::NoAmount);
        }
        // a fraction of the currency's smallest unit would leave a residual that rounds to
        // what was never owed (9.995 paid on 10.00 leaves 0.01 open).
        let decimals = current.draft.decimals;
        if amount.normalize().scale() > decimals {
            return Err(InvoiceError::TooPrecise { amount, decimals });
        }
        // the aged balance at a date holds what the books hold then.
        if date < current.draft.date {
            return Err(InvoiceError::MatchedBeforeDate {
                date,
                dated: current.draft.date,
            });
        }
        let residual = self.residual();
        if amount > residual {
            return Err(InvoiceError::OverMatched { amount, residual });
        }
        Ok(InvoiceEvent::InvoiceMatched { with, amount, date })
    }

    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: InvoiceEvent) {
        use InvoiceEvent as E;
        self.version += 1;
        if let E::InvoiceDrafted { draft } = event {
            self.current = Some(Current {
                draft,
                state: InvoiceState::Draft,
                number: None,
                matched: Decimal::ZERO,
                matches: Vec::new(),
                credit_notes: Vec::new(),
                credited: Decimal::ZERO,
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
            E::InvoiceCredited { credit_note, total } => {
                current.credited += total;
                current.credit_notes.push(credit_note);
            }
        }
    }
}

#[cfg(test)]
mod tests;
