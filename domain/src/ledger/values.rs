//! What the books are made of: months, journal entries and their lines.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::LedgerError;
use crate::configuration::Code;
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

    /// The id of the stream of this month of `company`'s books: `2026-11` for the main company
    /// (as it always was), `2026-11@<company>` for the others. Each company closes its own
    /// months.
    pub fn stream_of(&self, company: &Code) -> String {
        if company.is_main_company() {
            self.to_string()
        } else {
            format!("{self}@{company}")
        }
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

/// The largest amount of an entry's line: what a document's receivable line can reach (its
/// lines at most 10^15 each, with their taxes), and far inside what the books' sums hold.
pub const ENTRY_AMOUNT_MAX: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0); // 10^18

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
    /// The company whose books the entry is in. Absent (as from entries made before a database
    /// held several) for the main one.
    #[serde(
        default = "Code::main_company",
        skip_serializing_if = "Code::is_main_company"
    )]
    pub company: Code,
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
            // the books' sums (an account's balance over years) stay within what they hold.
            if line.debit.max(line.credit) > ENTRY_AMOUNT_MAX {
                return Err(LedgerError::TooLarge { line: n });
            }
        }
        let (debit, credit) = self.sums();
        if debit != credit {
            return Err(LedgerError::Unbalanced { debit, credit });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{code, d, id, march};

    const MARCH: PeriodId = PeriodId {
        year: 2026,
        month: 3,
    };

    #[test]
    fn a_period_id_reads_and_writes_year_dash_month() {
        assert_eq!(PeriodId::parse("2026-03"), Some(MARCH));
        assert_eq!(
            PeriodId::parse(" 2026-11 "),
            Some(PeriodId {
                year: 2026,
                month: 11
            })
        );
        assert_eq!(MARCH.to_string(), "2026-03");
        assert_eq!(
            PeriodId {
                year: 987,
                month: 12
            }
            .to_string(),
            "0987-12"
        );
        assert_eq!(PeriodId::parse(&MARCH.to_string()), Some(MARCH));
    }

    #[test]
    fn a_period_id_is_the_month_of_a_date() {
        assert_eq!(PeriodId::of(march(31)), MARCH);
        assert_eq!(MARCH.first_day(), Some(march(1)));
    }

    #[test]
    fn anything_but_year_dash_month_is_not_a_period_id() {
        for raw in [
            "",
            "2026",
            "2026-3",
            "2026-13",
            "2026-00",
            "2026/03",
            "26-03-01",
            "2026-03-01",
            "+2026-3",
            "2026-+3",
            "999-003",
            "2026-3 ",
            "abcd-ef",
        ] {
            assert_eq!(PeriodId::parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn an_entry_line_goes_on_the_side_its_sign_says() {
        let line = |amount: &str| EntryLine::signed(code("512000"), Some(id(7)), "Bank", d(amount));
        assert_eq!(
            line("10.00"),
            EntryLine {
                account: code("512000"),
                partner: Some(id(7)),
                label: "Bank".into(),
                debit: d("10.00"),
                credit: d("0"),
            }
        );
        assert_eq!(
            (line("-10.00").debit, line("-10.00").credit),
            (d("0"), d("10.00"))
        );
        let debit = EntryLine::debit(code("512000"), None, "Rent", d("5"));
        assert_eq!((debit.debit, debit.credit), (d("5"), d("0")));
        let credit = EntryLine::credit(code("512000"), None, "Rent", d("5"));
        assert_eq!((credit.debit, credit.credit), (d("0"), d("5")));
    }
}
