//! What the domain's tests share: figures, ids, codes and dates written briefly, and the state
//! an aggregate is in after some events (for tests that read it rather than decide on it).

use std::str::FromStr;

use chrono::NaiveDate;
use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::configuration::Code;

/// An exact figure: `d("19.99")`.
pub fn d(raw: &str) -> Decimal {
    Decimal::from_str(raw).unwrap()
}

/// Id number `n`, so a test can name the same record twice.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn code(raw: &str) -> Code {
    Code::parse(raw).unwrap()
}

/// A day of March 2026, the month the tests' documents are dated in.
pub fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
}

/// The aggregate after `events`.
pub fn after<A: Aggregate>(events: impl IntoIterator<Item = A::Event>) -> A {
    let mut aggregate = A::default();
    for event in events {
        aggregate.apply(event);
    }
    aggregate
}
