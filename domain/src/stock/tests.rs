//! Given earlier moves, when a move or a count arrives, then these moves (or this error).

use chrono::NaiveDate;
use cqrs_es::test::TestFramework;

use super::*;
use crate::testing::{after, d, id, march};

type StockTest = TestFramework<Stock>;

fn date() -> NaiveDate {
    march(2)
}

fn delivery() -> MoveOrigin {
    MoveOrigin::Order {
        order: id(100),
        delivery: id(200),
    }
}

fn moved(n: u128, from: Location, to: Location, quantity: &str, origin: MoveOrigin) -> StockEvent {
    StockEvent::StockMoved {
        movement: StockMove {
            id: id(n),
            from,
            to,
            quantity: d(quantity),
            date: date(),
            origin,
            company: Code::main_company(),
        },
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
        movement: StockMove {
            id: id(n),
            from,
            to,
            quantity: d(quantity),
            date: date(),
            origin: delivery(),
            company: Code::main_company(),
        },
        check_on_hand,
    }
}

fn count(n: u128, counted: &str) -> StockCommand {
    StockCommand::CountStock {
        id: id(n),
        counted: d(counted),
        date: date(),
        company: Code::main_company(),
    }
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
    StockTest::with(())
        .given_no_previous_events()
        .when(move_stock(
            1,
            Location::Suppliers,
            Location::Stock,
            "10",
            true,
        ))
        .then_expect_events(ten_on_hand());
    assert_eq!(after::<Stock>(ten_on_hand()).on_hand(), d("10"));
}

#[test]
fn a_delivery_within_what_is_on_hand_takes_from_it() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "4",
            true,
        ))
        .then_expect_events(vec![moved(
            2,
            Location::Stock,
            Location::Customers,
            "4",
            delivery(),
        )]);
    let mut events = ten_on_hand();
    events.push(moved(
        2,
        Location::Stock,
        Location::Customers,
        "4",
        delivery(),
    ));
    assert_eq!(after::<Stock>(events).on_hand(), d("6"));
}

#[test]
fn everything_on_hand_can_be_delivered() {
    assert!(StockTest::with(())
        .given(ten_on_hand())
        .when(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "10",
            true
        ))
        .inspect_result()
        .is_ok());
}

#[test]
fn delivering_more_than_is_on_hand_is_refused() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "10.5",
            true,
        ))
        .then_expect_error(StockError::NotEnough {
            on_hand: d("10"),
            requested: d("10.5"),
        });
    StockTest::with(())
        .given_no_previous_events()
        .when(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "1",
            true,
        ))
        .then_expect_error(StockError::NotEnough {
            on_hand: d("0"),
            requested: d("1"),
        });
}

#[test]
fn without_the_check_stock_may_go_below_zero() {
    let out = moved(2, Location::Stock, Location::Customers, "12", delivery());
    StockTest::with(())
        .given(ten_on_hand())
        .when(move_stock(
            2,
            Location::Stock,
            Location::Customers,
            "12",
            false,
        ))
        .then_expect_events(vec![out.clone()]);
    let mut events = ten_on_hand();
    events.push(out);
    assert_eq!(after::<Stock>(events).on_hand(), d("-2"));
}

#[test]
fn moves_that_do_not_leave_the_stock_are_not_checked() {
    // a drop shipment: from the supplier straight to the customer, nothing on hand
    StockTest::with(())
        .given_no_previous_events()
        .when(move_stock(
            2,
            Location::Suppliers,
            Location::Customers,
            "3",
            true,
        ))
        .then_expect_events(vec![moved(
            2,
            Location::Suppliers,
            Location::Customers,
            "3",
            delivery(),
        )]);
    let events = vec![moved(
        2,
        Location::Suppliers,
        Location::Customers,
        "3",
        delivery(),
    )];
    assert_eq!(after::<Stock>(events).on_hand(), d("0"));
}

#[test]
fn a_move_to_the_same_location_is_refused() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(move_stock(2, Location::Stock, Location::Stock, "1", true))
        .then_expect_error(StockError::SameLocation);
}

#[test]
fn a_move_of_nothing_or_less_is_refused() {
    for quantity in ["0", "-1"] {
        StockTest::with(())
            .given(ten_on_hand())
            .when(move_stock(
                2,
                Location::Stock,
                Location::Customers,
                quantity,
                false,
            ))
            .then_expect_error(StockError::NoQuantity);
    }
}

#[test]
fn counting_more_than_on_hand_brings_the_difference_from_inventory_loss() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(count(2, "12.5"))
        .then_expect_events(vec![moved(
            2,
            Location::InventoryLoss,
            Location::Stock,
            "2.5",
            MoveOrigin::Adjustment,
        )]);
}

#[test]
fn counting_less_than_on_hand_sends_the_difference_to_inventory_loss() {
    let loss = moved(
        2,
        Location::Stock,
        Location::InventoryLoss,
        "3",
        MoveOrigin::Adjustment,
    );
    StockTest::with(())
        .given(ten_on_hand())
        .when(count(2, "7"))
        .then_expect_events(vec![loss.clone()]);
    let mut events = ten_on_hand();
    events.push(loss);
    assert_eq!(after::<Stock>(events).on_hand(), d("7"));
}

#[test]
fn counting_zero_empties_the_stock() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(count(2, "0"))
        .then_expect_events(vec![moved(
            2,
            Location::Stock,
            Location::InventoryLoss,
            "10",
            MoveOrigin::Adjustment,
        )]);
}

#[test]
fn counting_what_is_on_hand_records_nothing() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(count(2, "10"))
        .then_expect_events(vec![]);
    StockTest::with(())
        .given_no_previous_events()
        .when(count(2, "0"))
        .then_expect_events(vec![]);
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
    assert_eq!(after::<Stock>(events.clone()).on_hand(), d("-3"));
    StockTest::with(())
        .given(events)
        .when(count(2, "1"))
        .then_expect_events(vec![moved(
            2,
            Location::InventoryLoss,
            Location::Stock,
            "4",
            MoveOrigin::Adjustment,
        )]);
}

#[test]
fn a_negative_count_is_refused() {
    StockTest::with(())
        .given(ten_on_hand())
        .when(count(2, "-1"))
        .then_expect_error(StockError::NegativeCount);
}

#[test]
fn a_move_is_stored_flat_as_it_always_was() {
    let stored = r#"{"StockMoved":{"id":"00000000-0000-0000-0000-000000000001","from":"Suppliers","to":"Stock","quantity":"2.5","date":"2026-03-02","origin":"Adjustment"}}"#;
    let event = moved(
        1,
        Location::Suppliers,
        Location::Stock,
        "2.5",
        MoveOrigin::Adjustment,
    );
    assert_eq!(serde_json::to_string(&event).unwrap(), stored);
    assert_eq!(serde_json::from_str::<StockEvent>(stored).unwrap(), event);
}

#[test]
fn each_company_has_its_own_stock_stream_of_a_product_and_the_main_one_keeps_the_old_id() {
    let product = id(7);
    let main = stream_id(&Code::main_company(), product);
    let b = stream_id(&Code::parse("b").unwrap(), product);
    assert_eq!(main, product.to_string());
    assert_eq!(b, format!("{product}@b"));
    assert_eq!(product_of(&main), Some(product));
    assert_eq!(product_of(&b), Some(product));
    assert_eq!(product_of("nonsense"), None);
}

fn dated(n: u128, from: Location, to: Location, quantity: &str, day: u32) -> StockEvent {
    let StockEvent::StockMoved { mut movement } = moved(n, from, to, quantity, delivery());
    movement.date = march(day);
    StockEvent::StockMoved { movement }
}

fn deliver_on(n: u128, quantity: &str, day: u32) -> StockCommand {
    let StockCommand::MoveStock { mut movement, .. } =
        move_stock(n, Location::Stock, Location::Customers, quantity, true)
    else {
        unreachable!("move_stock makes a move");
    };
    movement.date = march(day);
    StockCommand::MoveStock {
        movement,
        check_on_hand: true,
    }
}

#[test]
fn a_delivery_dated_back_needs_the_goods_on_every_day_since() {
    // 5 in on the 4th, 3 out on the 6th, 10 in on the 10th: on hand 5, 5, 2, 2, 12 from the
    // 4th; 12 today.
    let history = vec![
        dated(1, Location::Suppliers, Location::Stock, "5", 4),
        dated(2, Location::Stock, Location::Customers, "3", 6),
        dated(3, Location::Suppliers, Location::Stock, "10", 10),
    ];
    assert_eq!(after::<Stock>(history.clone()).on_hand(), d("12"));
    // before anything came in: nothing on hand on the 2nd.
    StockTest::with(())
        .given(history.clone())
        .when(deliver_on(4, "1", 2))
        .then_expect_error(StockError::NotEnoughThen {
            on_hand: d("0"),
            day: march(2),
            requested: d("1"),
        });
    // on the 5th: 5 then, but only 2 from the 6th to the 9th.
    StockTest::with(())
        .given(history.clone())
        .when(deliver_on(4, "3", 5))
        .then_expect_error(StockError::NotEnoughThen {
            on_hand: d("2"),
            day: march(6),
            requested: d("3"),
        });
    // 2 on the 5th leaves 0 on the 6th: taken.
    StockTest::with(())
        .given(history.clone())
        .when(deliver_on(4, "2", 5))
        .then_expect_events(vec![dated(4, Location::Stock, Location::Customers, "2", 5)]);
    // on the 10th, 12 are there.
    StockTest::with(())
        .given(history)
        .when(deliver_on(4, "12", 10))
        .then_expect_events(vec![dated(
            4,
            Location::Stock,
            Location::Customers,
            "12",
            10,
        )]);
}

#[test]
fn a_snapshot_from_before_the_days_were_kept_does_not_read() {
    // what an older snapshot holds: on hand, no days; its stream is replayed whole instead.
    assert!(serde_json::from_str::<Stock>(r#"{"on_hand": "7"}"#).is_err());
}
