//! The books: journal entries, the periods they post into, and document numbering.
//!
//! Every entry is posted into its month's [`Period`] stream, so closing a month and posting into
//! it cannot both happen: the second to append conflicts, is decided again, and is refused. An
//! entry always balances; the period refuses one that does not, whoever built it.
//!
//! Numbers come from a [`Numbering`] stream per sequence: each number is given once, in order,
//! with no gaps (the number is taken in the same append as the document it numbers).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::configuration::{Code, Sequence};
use crate::text::{single_line, TextError};

pub const LABEL_MAX: usize = 200;
pub const ENTRY_LINES_MAX: usize = 1000;

/// A month of the books: `2026-11`, the id of its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PeriodId {
    pub year: i32,
    pub month: u32,
}

impl PeriodId {
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `2026-11`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (year, month) = raw.trim().split_once('-')?;
        // digits only: `str::parse` alone also takes `+2026-3` and `999-003`
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return None;
        }
        let (year, month) = (year.parse().ok()?, month.parse().ok()?);
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Self { year, month })
    }

    pub fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }
}

impl fmt::Display for PeriodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One line of an entry: an amount on one side of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryLine {
    pub account: Code,
    /// The customer or supplier the line is about (receivables, payables).
    pub partner: Option<Uuid>,
    pub label: String,
    pub debit: Decimal,
    pub credit: Decimal,
}

impl EntryLine {
    pub fn debit(account: Code, partner: Option<Uuid>, label: &str, amount: Decimal) -> Self {
        Self::signed(account, partner, label, amount)
    }

    pub fn credit(account: Code, partner: Option<Uuid>, label: &str, amount: Decimal) -> Self {
        Self::signed(account, partner, label, -amount)
    }

    /// A debit when `amount` is positive, a credit when negative.
    pub fn signed(account: Code, partner: Option<Uuid>, label: &str, amount: Decimal) -> Self {
        let (debit, credit) = if amount >= Decimal::ZERO {
            (amount, Decimal::ZERO)
        } else {
            (Decimal::ZERO, -amount)
        };
        Self {
            account,
            partner,
            label: label.to_owned(),
            debit,
            credit,
        }
    }
}

/// A line's label, checked.
pub fn label(raw: &str) -> Result<String, TextError> {
    single_line(raw, LABEL_MAX)
}

/// Where an entry comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryOrigin {
    /// Posting an invoice, a bill or a credit note.
    Invoice { invoice: Uuid },
    /// A payment, matched against the documents it pays.
    Payment {
        partner: Uuid,
        allocations: Vec<Allocation>,
    },
    /// Written by an accountant.
    Manual,
}

/// Part of a payment (or credit note) set against one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice: Uuid,
    pub amount: Decimal,
}

/// A journal entry: lines that balance, numbered in their journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: Uuid,
    pub journal: Code,
    pub number: String,
    pub date: NaiveDate,
    pub reference: String,
    pub origin: EntryOrigin,
    pub lines: Vec<EntryLine>,
}

impl JournalEntry {
    /// Σ debit and Σ credit.
    pub fn sums(&self) -> (Decimal, Decimal) {
        self.lines
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(d, c), l| {
                (d + l.debit, c + l.credit)
            })
    }

    /// Whether the entry can be posted: lines, each on one side with a positive amount, and
    /// debit equal to credit.
    pub fn check(&self) -> Result<(), LedgerError> {
        if self.lines.len() < 2 {
            return Err(LedgerError::TooFewLines);
        }
        if self.lines.len() > ENTRY_LINES_MAX {
            return Err(LedgerError::TooManyLines);
        }
        for (n, line) in self.lines.iter().enumerate() {
            let one_side = (line.debit > Decimal::ZERO) != (line.credit > Decimal::ZERO);
            if line.debit < Decimal::ZERO || line.credit < Decimal::ZERO || !one_side {
                return Err(LedgerError::BadLine { line: n });
            }
        }
        let (debit, credit) = self.sums();
        if debit != credit {
            return Err(LedgerError::Unbalanced { debit, credit });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("period {0} is closed: nothing can be posted into it")]
    Closed(PeriodId),
    #[error("period {0} is already closed")]
    AlreadyClosed(PeriodId),
    #[error("the entry is dated {date}, outside period {period}")]
    OutsidePeriod { date: NaiveDate, period: PeriodId },
    #[error("the entry does not balance: debit {debit}, credit {credit}")]
    Unbalanced { debit: Decimal, credit: Decimal },
    #[error("an entry has at least two lines")]
    TooFewLines,
    #[error("an entry has at most {ENTRY_LINES_MAX} lines")]
    TooManyLines,
    #[error("line {line}: each line has either a debit or a credit, above zero")]
    BadLine { line: usize },
    #[error("this entry was already posted")]
    AlreadyPosted,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PeriodCommand {
    PostEntry {
        period: PeriodId,
        entry: JournalEntry,
    },
    ClosePeriod {
        period: PeriodId,
    },
}

impl PeriodCommand {
    pub fn name(&self) -> &'static str {
        match self {
            PeriodCommand::PostEntry { .. } => "PostEntry",
            PeriodCommand::ClosePeriod { .. } => "ClosePeriod",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PeriodEvent {
    EntryPosted { entry: JournalEntry },
    PeriodClosed { period: PeriodId },
}

impl DomainEvent for PeriodEvent {
    fn event_type(&self) -> String {
        match self {
            PeriodEvent::EntryPosted { .. } => "EntryPosted",
            PeriodEvent::PeriodClosed { .. } => "PeriodClosed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

/// A month of the books, as far as posting goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    closed: bool,
    entries: u64,
    /// The latest entries' ids, to refuse posting one twice.
    #[serde(default)]
    recent: Vec<Uuid>,
}

impl Period {
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }
}

const RECENT: usize = 64;

impl crate::Decide for Period {
    fn decide(&self, command: PeriodCommand) -> Result<Vec<PeriodEvent>, LedgerError> {
        match command {
            PeriodCommand::PostEntry { period, entry } => {
                if self.closed {
                    return Err(LedgerError::Closed(period));
                }
                if PeriodId::of(entry.date) != period {
                    return Err(LedgerError::OutsidePeriod {
                        date: entry.date,
                        period,
                    });
                }
                if self.recent.contains(&entry.id) {
                    return Err(LedgerError::AlreadyPosted);
                }
                entry.check()?;
                Ok(vec![PeriodEvent::EntryPosted { entry }])
            }
            PeriodCommand::ClosePeriod { period } => {
                if self.closed {
                    return Err(LedgerError::AlreadyClosed(period));
                }
                Ok(vec![PeriodEvent::PeriodClosed { period }])
            }
        }
    }
}

impl Aggregate for Period {
    const TYPE: &'static str = "Period";
    type Command = PeriodCommand;
    type Event = PeriodEvent;
    type Error = LedgerError;
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
        match event {
            PeriodEvent::EntryPosted { entry } => {
                self.entries += 1;
                self.recent.push(entry.id);
                if self.recent.len() > RECENT {
                    self.recent.remove(0);
                }
            }
            PeriodEvent::PeriodClosed { .. } => self.closed = true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NumberingCommand {
    /// Takes the next number of `sequence` (as configured: prefix, padding, and the number to
    /// start from, which can move numbering forward but never back).
    TakeNumber { sequence: Sequence },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberingEvent {
    NumberTaken { number: u64, name: String },
}

impl DomainEvent for NumberingEvent {
    fn event_type(&self) -> String {
        "NumberTaken".to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumberingError {
    #[error("the sequence has run out of numbers")]
    Exhausted,
}

/// The last number a sequence gave.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Numbering {
    last: u64,
}

impl Numbering {
    pub fn last(&self) -> u64 {
        self.last
    }
}

impl crate::Decide for Numbering {
    fn decide(&self, command: NumberingCommand) -> Result<Vec<NumberingEvent>, NumberingError> {
        let NumberingCommand::TakeNumber { mut sequence } = command;
        let next = self.last.checked_add(1).ok_or(NumberingError::Exhausted)?;
        sequence.next_number = sequence.next_number.max(next);
        Ok(vec![NumberingEvent::NumberTaken {
            number: sequence.next_number,
            name: sequence.preview(),
        }])
    }
}

impl Aggregate for Numbering {
    const TYPE: &'static str = "Numbering";
    type Command = NumberingCommand;
    type Event = NumberingEvent;
    type Error = NumberingError;
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
        let NumberingEvent::NumberTaken { number, .. } = event;
        self.last = number;
    }
}

#[cfg(test)]
mod tests;
