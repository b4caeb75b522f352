//! Given the numbers a sequence gave, when a document takes one, then this number (or this
//! error).

use cqrs_es::test::TestFramework;

use super::*;
use crate::configuration::Sequence;
use crate::testing::after;

type NumberingTest = TestFramework<Numbering>;

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

#[test]
fn the_first_number_is_the_configured_one() {
    NumberingTest::with(())
        .given_no_previous_events()
        .when(take(1))
        .then_expect_events(vec![taken(1, "INV/2026/0001")]);
    NumberingTest::with(())
        .given_no_previous_events()
        .when(take(42))
        .then_expect_events(vec![taken(42, "INV/2026/0042")]);
}

#[test]
fn numbers_follow_each_other_without_gaps() {
    let two = || vec![taken(1, "INV/2026/0001"), taken(2, "INV/2026/0002")];
    assert_eq!(after::<Numbering>(two()).last(), 2);
    NumberingTest::with(())
        .given(two())
        .when(take(1))
        .then_expect_events(vec![taken(3, "INV/2026/0003")]);
}

#[test]
fn numbering_never_goes_back_to_a_lower_configured_number() {
    NumberingTest::with(())
        .given(vec![taken(7, "INV/2026/0007")])
        .when(take(3))
        .then_expect_events(vec![taken(8, "INV/2026/0008")]);
    // the number configured being the one just taken does not give it again
    NumberingTest::with(())
        .given(vec![taken(7, "INV/2026/0007")])
        .when(take(7))
        .then_expect_events(vec![taken(8, "INV/2026/0008")]);
}

#[test]
fn a_higher_configured_number_moves_numbering_forward() {
    NumberingTest::with(())
        .given(vec![taken(7, "INV/2026/0007")])
        .when(take(100))
        .then_expect_events(vec![taken(100, "INV/2026/0100")]);
    NumberingTest::with(())
        .given(vec![taken(7, "INV/2026/0007"), taken(100, "INV/2026/0100")])
        .when(take(100))
        .then_expect_events(vec![taken(101, "INV/2026/0101")]);
}

#[test]
fn a_number_wider_than_the_padding_is_written_in_full() {
    NumberingTest::with(())
        .given(vec![taken(9999, "INV/2026/9999")])
        .when(take(1))
        .then_expect_events(vec![taken(10000, "INV/2026/10000")]);
}

#[test]
fn a_sequence_past_its_last_number_is_refused() {
    NumberingTest::with(())
        .given(vec![taken(u64::MAX, "INV/2026/18446744073709551615")])
        .when(take(1))
        .then_expect_error(NumberingError::Exhausted);
}
