//! Given earlier moves, when a move or a count arrives, then these moves (or this error).

use std::str::FromStr;

use crate::Decide;

use super::*;

fn d(raw: &str) -> Decimal {
    Decimal::from_str(raw).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn delivery() -> MoveOrigin {
    MoveOrigin::Order {
        order: id(100),
        delivery: id(200),
    }
}

fn moved(n: u128, from: Location, to: Location, quantity: &str, origin: MoveOrigin) -> StockEvent {
    StockEvent::StockMoved {
        id: id(n),
        from,
        to,
        quantity: d(quantity),
        date: date(),
        origin,
    }
}

fn move_stock(
    n: u128,
    from: Location,
    to: Location,
    quantity: &str,
    check_on_hand: bool,
) -> StockCommand {
    StockCommand::MoveStock {
        id: id(n),
        from,
        to,
        quantity: d(quantity),
        date: date(),
        origin: delivery(),
        check_on_hand,
    }
}

fn count(n: u128, counted: &str) -> StockCommand {
    StockCommand::CountStock {
        id: id(n),
        counted: d(counted),
        date: date(),
    }
}

/// The stock after `events`.
fn given(events: Vec<StockEvent>) -> Stock {
    let mut stock = Stock::default();
    for event in events {
        stock.apply(event);
    }
    stock
}

/// 10 received from a supplier.
fn ten_on_hand() -> Vec<StockEvent> {
    vec![moved(
        1,
        Location::Suppliers,
        Location::Stock,
        "10",
        delivery(),
    )]
}

#[test]
fn a_receipt_adds_to_what_is_on_hand() {
    let events = given(vec![]).decide(move_stock(
        1,
        Location::Suppliers,
        Location::Stock,
        "10",
        true,
    ));
    assert_eq!(events, Ok(ten_on_hand()));
    assert_eq!(given(ten_on_hand()).on_hand(), d("10"));
}

#[test]
fn a_delivery_within_what_is_on_hand_takes_from_it() {
    let stock = given(ten_on_hand());
    assert_eq!(
        stock.decide(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "4",
            true
        )),
        Ok(vec![moved(
            2,
            Location::Stock,
            Location::Customers,
            "4",
            delivery()
        )])
    );
    let mut events = ten_on_hand();
    events.push(moved(
        2,
        Location::Stock,
        Location::Customers,
        "4",
        delivery(),
    ));
    assert_eq!(given(events).on_hand(), d("6"));
}

#[test]
fn everything_on_hand_can_be_delivered() {
    assert!(given(ten_on_hand())
        .decide(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "10",
            true
        ))
        .is_ok());
}

#[test]
fn delivering_more_than_is_on_hand_is_refused() {
    assert_eq!(
        given(ten_on_hand()).decide(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "10.5",
            true
        )),
        Err(StockError::NotEnough {
            on_hand: d("10"),
            requested: d("10.5")
        })
    );
    assert_eq!(
        given(vec![]).decide(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "1",
            true
        )),
        Err(StockError::NotEnough {
            on_hand: d("0"),
            requested: d("1")
        })
    );
}

#[test]
fn without_the_check_stock_may_go_below_zero() {
    let events = given(ten_on_hand()).decide(move_stock(
        2,
        Location::Stock,
        Location::Customers,
        "12",
        false,
    ));
    let out = moved(2, Location::Stock, Location::Customers, "12", delivery());
    assert_eq!(events, Ok(vec![out.clone()]));
    let mut events = ten_on_hand();
    events.push(out);
    assert_eq!(given(events).on_hand(), d("-2"));
}

#[test]
fn moves_that_do_not_leave_the_stock_are_not_checked() {
    // a drop shipment: from the supplier straight to the customer, nothing on hand
    assert_eq!(
        given(vec![]).decide(move_stock(
            2,
            Location::Suppliers,
            Location::Customers,
            "3",
            true
        )),
        Ok(vec![moved(
            2,
            Location::Suppliers,
            Location::Customers,
            "3",
            delivery()
        )])
    );
    let events = vec![moved(
        2,
        Location::Suppliers,
        Location::Customers,
        "3",
        delivery(),
    )];
    assert_eq!(given(events).on_hand(), d("0"));
}

#[test]
fn a_move_to_the_same_location_is_refused() {
    assert_eq!(
        given(ten_on_hand()).decide(move_stock(2, Location::Stock, Location::Stock, "1", true)),
        Err(StockError::SameLocation)
    );
}

#[test]
fn a_move_of_nothing_or_less_is_refused() {
    for quantity in ["0", "-1"] {
        assert_eq!(
            given(ten_on_hand()).decide(move_stock(
                2,
                Location::Stock,
                Location::Customers,
                quantity,
                false
            )),
            Err(StockError::NoQuantity)
        );
    }
}

#[test]
fn counting_more_than_on_hand_brings_the_difference_from_inventory_loss() {
    assert_eq!(
        given(ten_on_hand()).decide(count(2, "12.5")),
        Ok(vec![moved(
            2,
            Location::InventoryLoss,
            Location::Stock,
            "2.5",
            MoveOrigin::Adjustment
        )])
    );
}

#[test]
fn counting_less_than_on_hand_sends_the_difference_to_inventory_loss() {
    let stock = given(ten_on_hand());
    let loss = moved(
        2,
        Location::Stock,
        Location::InventoryLoss,
        "3",
        MoveOrigin::Adjustment,
    );
    assert_eq!(stock.decide(count(2, "7")), Ok(vec![loss.clone()]));
    let mut events = ten_on_hand();
    events.push(loss);
    assert_eq!(given(events).on_hand(), d("7"));
}

#[test]
fn counting_zero_empties_the_stock() {
    assert_eq!(
        given(ten_on_hand()).decide(count(2, "0")),
        Ok(vec![moved(
            2,
            Location::Stock,
            Location::InventoryLoss,
            "10",
            MoveOrigin::Adjustment
        )])
    );
}

#[test]
fn counting_what_is_on_hand_records_nothing() {
    assert_eq!(given(ten_on_hand()).decide(count(2, "10")), Ok(vec![]));
    assert_eq!(given(vec![]).decide(count(2, "0")), Ok(vec![]));
}

#[test]
fn counting_brings_a_negative_stock_back_to_what_is_there() {
    let events = vec![moved(
        1,
        Location::Stock,
        Location::Customers,
        "3",
        delivery(),
    )];
    assert_eq!(given(events.clone()).on_hand(), d("-3"));
    assert_eq!(
        given(events).decide(count(2, "1")),
        Ok(vec![moved(
            2,
            Location::InventoryLoss,
            Location::Stock,
            "4",
            MoveOrigin::Adjustment
        )])
    );
}

#[test]
fn a_negative_count_is_refused() {
    assert_eq!(
        given(ten_on_hand()).decide(count(2, "-1")),
        Err(StockError::NegativeCount)
    );
}

#[test]
fn locations_read_back_what_they_write() {
    for location in Location::ALL {
        assert_eq!(Location::parse(location.as_str()), Some(location));
    }
    assert_eq!(
        Location::parse("inventory_loss"),
        Some(Location::InventoryLoss)
    );
    assert_eq!(Location::parse("Stock"), None);
}
