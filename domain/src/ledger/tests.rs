//! Periods: given earlier entries and closings, when an entry or a closing arrives, then these
//! events (or this error). Numbering: given the numbers taken, the next one.

use std::str::FromStr;

use crate::Decide;

use super::*;

fn d(raw: &str) -> Decimal {
    Decimal::from_str(raw).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn code(raw: &str) -> Code {
    Code::parse(raw).unwrap()
}

fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
}

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

/// The period after `events`.
fn given(events: Vec<PeriodEvent>) -> Period {
    let mut period = Period::default();
    for event in events {
        period.apply(event);
    }
    period
}

// period ids

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

// entry lines

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
    assert_eq!(
        (debit("512000", "5").debit, debit("512000", "5").credit),
        (d("5"), d("0"))
    );
    assert_eq!(
        (credit("512000", "5").debit, credit("512000", "5").credit),
        (d("0"), d("5"))
    );
}

// posting

#[test]
fn a_balanced_entry_posts_into_its_open_period() {
    assert_eq!(
        given(vec![]).decide(post(rent(1, march(31)))),
        Ok(vec![posted(rent(1, march(31)))])
    );
    let period = given(vec![posted(rent(1, march(1))), posted(rent(2, march(2)))]);
    assert_eq!(period.entries(), 2);
    assert!(!period.is_closed());
}

#[test]
fn posting_into_a_closed_period_is_refused() {
    let period = given(vec![posted(rent(1, march(1))), closed()]);
    assert_eq!(
        period.decide(post(rent(2, march(2)))),
        Err(LedgerError::Closed(MARCH))
    );
}

#[test]
fn an_entry_dated_outside_the_period_is_refused() {
    for date in [
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
    ] {
        assert_eq!(
            given(vec![]).decide(post(rent(1, date))),
            Err(LedgerError::OutsidePeriod {
                date,
                period: MARCH
            })
        );
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
    assert_eq!(
        given(vec![]).decide(post(entry.clone())),
        Err(LedgerError::Unbalanced {
            debit: d("1200.00"),
            credit: d("1199.99")
        })
    );
    assert_eq!(entry.sums(), (d("1200.00"), d("1199.99")));
}

#[test]
fn an_entry_of_fewer_than_two_lines_is_refused() {
    for lines in [vec![], vec![debit("613000", "0")]] {
        assert_eq!(
            given(vec![]).decide(post(entry_with(1, march(2), lines))),
            Err(LedgerError::TooFewLines)
        );
    }
}

#[test]
fn an_entry_of_too_many_lines_is_refused() {
    let mut lines = vec![debit("613000", "0.01"); ENTRY_LINES_MAX];
    lines.push(credit("512000", "10.00"));
    assert_eq!(
        given(vec![]).decide(post(entry_with(1, march(2), lines))),
        Err(LedgerError::TooManyLines)
    );
    // the most lines allowed: 999 × 0.01 debit against 9.99 credit
    let mut lines = vec![debit("613000", "0.01"); ENTRY_LINES_MAX - 1];
    lines.push(credit("512000", "9.99"));
    assert!(given(vec![])
        .decide(post(entry_with(1, march(2), lines)))
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
        assert_eq!(
            given(vec![]).decide(post(entry_with(1, march(2), lines))),
            Err(LedgerError::BadLine { line: 1 })
        );
    }
}

#[test]
fn posting_the_same_entry_twice_is_refused() {
    let period = given(vec![posted(rent(1, march(2)))]);
    assert_eq!(
        period.decide(post(rent(1, march(2)))),
        Err(LedgerError::AlreadyPosted)
    );
}

// closing

#[test]
fn closing_an_open_period_records_it() {
    for events in [vec![], vec![posted(rent(1, march(2)))]] {
        assert_eq!(
            given(events).decide(PeriodCommand::ClosePeriod { period: MARCH }),
            Ok(vec![closed()])
        );
    }
    assert!(given(vec![closed()]).is_closed());
}

#[test]
fn closing_a_closed_period_is_refused() {
    assert_eq!(
        given(vec![closed()]).decide(PeriodCommand::ClosePeriod { period: MARCH }),
        Err(LedgerError::AlreadyClosed(MARCH))
    );
}

// numbering

fn sequence(next_number: u64) -> Sequence {
    Sequence::new("Customer invoices", "INV/2026/", 4, next_number).unwrap()
}

fn take(next_number: u64) -> NumberingCommand {
    NumberingCommand::TakeNumber {
        sequence: sequence(next_number),
    }
}

fn taken(number: u64, name: &str) -> NumberingEvent {
    NumberingEvent::NumberTaken {
        number,
        name: name.into(),
    }
}

fn numbering(events: Vec<NumberingEvent>) -> Numbering {
    let mut numbering = Numbering::default();
    for event in events {
        numbering.apply(event);
    }
    numbering
}

#[test]
fn the_first_number_is_the_configured_one() {
    assert_eq!(
        numbering(vec![]).decide(take(1)),
        Ok(vec![taken(1, "INV/2026/0001")])
    );
    assert_eq!(
        numbering(vec![]).decide(take(42)),
        Ok(vec![taken(42, "INV/2026/0042")])
    );
}

#[test]
fn numbers_follow_each_other_without_gaps() {
    let numbering = numbering(vec![taken(1, "INV/2026/0001"), taken(2, "INV/2026/0002")]);
    assert_eq!(numbering.last(), 2);
    assert_eq!(
        numbering.decide(take(1)),
        Ok(vec![taken(3, "INV/2026/0003")])
    );
}

#[test]
fn numbering_never_goes_back_to_a_lower_configured_number() {
    let numbering = numbering(vec![taken(7, "INV/2026/0007")]);
    assert_eq!(
        numbering.decide(take(3)),
        Ok(vec![taken(8, "INV/2026/0008")])
    );
    // the number configured being the one just taken does not give it again
    assert_eq!(
        numbering.decide(take(7)),
        Ok(vec![taken(8, "INV/2026/0008")])
    );
}

#[test]
fn a_higher_configured_number_moves_numbering_forward() {
    let numbering = numbering(vec![taken(7, "INV/2026/0007")]);
    assert_eq!(
        numbering.decide(take(100)),
        Ok(vec![taken(100, "INV/2026/0100")])
    );
    let after = self::numbering(vec![taken(7, "INV/2026/0007"), taken(100, "INV/2026/0100")]);
    assert_eq!(
        after.decide(take(100)),
        Ok(vec![taken(101, "INV/2026/0101")])
    );
}

#[test]
fn a_number_wider_than_the_padding_is_written_in_full() {
    let numbering = numbering(vec![taken(9999, "INV/2026/9999")]);
    assert_eq!(
        numbering.decide(take(1)),
        Ok(vec![taken(10000, "INV/2026/10000")])
    );
}

#[test]
fn a_sequence_past_its_last_number_is_refused() {
    let numbering = numbering(vec![taken(u64::MAX, "INV/2026/18446744073709551615")]);
    assert_eq!(numbering.decide(take(1)), Err(NumberingError::Exhausted));
}
