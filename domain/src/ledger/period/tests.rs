//! Given earlier entries and closings, when an entry or a closing arrives, then these events (or
//! this error).

use chrono::NaiveDate;
use cqrs_es::test::TestFramework;

use super::*;
use crate::ledger::{EntryLine, EntryOrigin, JournalEntry, ENTRY_LINES_MAX};
use crate::testing::{after, code, d, id, march};

type PeriodTest = TestFramework<Period>;

const MARCH: PeriodId = PeriodId {
    year: 2026,
    month: 3,
};

fn debit(account: &str, amount: &str) -> EntryLine {
    EntryLine::debit(code(account), None, "Rent", d(amount))
}

fn credit(account: &str, amount: &str) -> EntryLine {
    EntryLine::credit(code(account), None, "Rent", d(amount))
}

fn entry_with(n: u128, date: NaiveDate, lines: Vec<EntryLine>) -> JournalEntry {
    JournalEntry {
        id: id(n),
        journal: code("misc"),
        number: format!("MISC/{n:04}"),
        date,
        reference: String::new(),
        origin: EntryOrigin::Manual,
        lines,
        company: crate::configuration::Code::main_company(),
    }
}

/// Rent of 1 200.00 paid from the bank on `date`.
fn rent(n: u128, date: NaiveDate) -> JournalEntry {
    entry_with(
        n,
        date,
        vec![debit("613000", "1200.00"), credit("512000", "1200.00")],
    )
}

fn post(entry: JournalEntry) -> PeriodCommand {
    PeriodCommand::PostEntry {
        period: MARCH,
        entry,
    }
}

fn posted(entry: JournalEntry) -> PeriodEvent {
    PeriodEvent::EntryPosted { entry }
}

fn closed() -> PeriodEvent {
    PeriodEvent::PeriodClosed { period: MARCH }
}

// posting

#[test]
fn a_balanced_entry_posts_into_its_open_period() {
    PeriodTest::with(())
        .given_no_previous_events()
        .when(post(rent(1, march(31))))
        .then_expect_events(vec![posted(rent(1, march(31)))]);
    let period = after::<Period>(vec![posted(rent(1, march(1))), posted(rent(2, march(2)))]);
    assert_eq!(period.entries(), 2);
    assert!(!period.is_closed());
}

#[test]
fn posting_into_a_closed_period_is_refused() {
    PeriodTest::with(())
        .given(vec![posted(rent(1, march(1))), closed()])
        .when(post(rent(2, march(2))))
        .then_expect_error(LedgerError::Closed(MARCH));
}

#[test]
fn an_entry_dated_outside_the_period_is_refused() {
    for date in [
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
    ] {
        PeriodTest::with(())
            .given_no_previous_events()
            .when(post(rent(1, date)))
            .then_expect_error(LedgerError::OutsidePeriod {
                date,
                period: MARCH,
            });
    }
}

#[test]
fn an_unbalanced_entry_is_refused() {
    let entry = entry_with(
        1,
        march(2),
        vec![
            debit("613000", "1200.00"),
            credit("512000", "1000.00"),
            credit("445660", "199.99"),
        ],
    );
    PeriodTest::with(())
        .given_no_previous_events()
        .when(post(entry.clone()))
        .then_expect_error(LedgerError::Unbalanced {
            debit: d("1200.00"),
            credit: d("1199.99"),
        });
    assert_eq!(entry.sums(), (d("1200.00"), d("1199.99")));
}

#[test]
fn an_entry_of_fewer_than_two_lines_is_refused() {
    for lines in [vec![], vec![debit("613000", "0")]] {
        PeriodTest::with(())
            .given_no_previous_events()
            .when(post(entry_with(1, march(2), lines)))
            .then_expect_error(LedgerError::TooFewLines);
    }
}

#[test]
fn an_entry_of_too_many_lines_is_refused() {
    let mut lines = vec![debit("613000", "0.01"); ENTRY_LINES_MAX];
    lines.push(credit("512000", "10.00"));
    PeriodTest::with(())
        .given_no_previous_events()
        .when(post(entry_with(1, march(2), lines)))
        .then_expect_error(LedgerError::TooManyLines);
    // the most lines allowed: 999 × 0.01 debit against 9.99 credit
    let mut lines = vec![debit("613000", "0.01"); ENTRY_LINES_MAX - 1];
    lines.push(credit("512000", "9.99"));
    assert!(PeriodTest::with(())
        .given_no_previous_events()
        .when(post(entry_with(1, march(2), lines)))
        .inspect_result()
        .is_ok());
}

#[test]
fn a_line_on_neither_side_or_on_both_is_refused() {
    let both = EntryLine {
        debit: d("5"),
        ..credit("512000", "5")
    };
    let negative = EntryLine {
        debit: d("-5"),
        credit: d("0"),
        ..debit("512000", "1")
    };
    for bad in [debit("512000", "0"), both, negative] {
        let lines = vec![debit("613000", "1200.00"), bad, credit("512000", "1200.00")];
        PeriodTest::with(())
            .given_no_previous_events()
            .when(post(entry_with(1, march(2), lines)))
            .then_expect_error(LedgerError::BadLine { line: 1 });
    }
}

#[test]
fn a_line_above_the_largest_amount_is_refused() {
    // 10^18 passes; a cent more is refused, as a few such lines would overflow their sum.
    assert_eq!(crate::ledger::ENTRY_AMOUNT_MAX, d("1000000000000000000"));
    let largest = "1000000000000000000";
    let lines = vec![debit("613000", largest), credit("512000", largest)];
    PeriodTest::with(())
        .given_no_previous_events()
        .when(post(entry_with(1, march(2), lines.clone())))
        .then_expect_events(vec![posted(entry_with(1, march(2), lines))]);
    let above = "1000000000000000000.01";
    let lines = vec![debit("613000", above), credit("512000", above)];
    PeriodTest::with(())
        .given_no_previous_events()
        .when(post(entry_with(1, march(2), lines)))
        .then_expect_error(LedgerError::TooLarge { line: 0 });
}

#[test]
fn posting_the_same_entry_twice_is_refused() {
    PeriodTest::with(())
        .given(vec![posted(rent(1, march(2)))])
        .when(post(rent(1, march(2))))
        .then_expect_error(LedgerError::AlreadyPosted);
}

// closing

#[test]
fn closing_an_open_period_records_it() {
    for events in [vec![], vec![posted(rent(1, march(2)))]] {
        PeriodTest::with(())
            .given(events)
            .when(PeriodCommand::ClosePeriod { period: MARCH })
            .then_expect_events(vec![closed()]);
    }
    assert!(after::<Period>(vec![closed()]).is_closed());
}

#[test]
fn a_closed_period_is_reopened_and_takes_entries_again() {
    PeriodTest::with(())
        .given(vec![closed()])
        .when(PeriodCommand::ReopenPeriod { period: MARCH })
        .then_expect_events(vec![PeriodEvent::PeriodReopened { period: MARCH }]);
    let reopened = vec![closed(), PeriodEvent::PeriodReopened { period: MARCH }];
    assert!(!after::<Period>(reopened.clone()).is_closed());
    PeriodTest::with(())
        .given(reopened)
        .when(PeriodCommand::PostEntry {
            period: MARCH,
            entry: rent(1, march(1)),
        })
        .then_expect_events(vec![posted(rent(1, march(1)))]);
    PeriodTest::with(())
        .given(vec![])
        .when(PeriodCommand::ReopenPeriod { period: MARCH })
        .then_expect_error(LedgerError::NotClosed(MARCH));
}

#[test]
fn closing_a_closed_period_is_refused() {
    PeriodTest::with(())
        .given(vec![closed()])
        .when(PeriodCommand::ClosePeriod { period: MARCH })
        .then_expect_error(LedgerError::AlreadyClosed(MARCH));
}
