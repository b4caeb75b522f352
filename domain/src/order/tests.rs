//! Given earlier events, when a command arrives, then these events (or this error).

use cqrs_es::test::TestFramework;

use super::*;
use crate::money::{Line, LineTax, LINES_MAX};
use crate::testing::{after, code, d, id, march};

type OrderTest = TestFramework<Order>;

fn vat21() -> LineTax {
    LineTax {
        code: code("vat21"),
        rate: d("21"),
        price_included: false,
    }
}

fn line(description: &str, quantity: &str, unit_price: &str, goods: bool) -> OrderLine {
    OrderLine {
        line: Line::new(
            None,
            description,
            d(quantity),
            d(unit_price),
            d("0"),
            vec![vat21()],
        )
        .unwrap(),
        goods,
    }
}

/// Line 0: 10 desks at 100.00 (goods); line 1: 3 hours of assembly at 50.00 (a service).
fn lines() -> Vec<OrderLine> {
    vec![
        line("Desk", "10", "100.00", true),
        line("Assembly", "3", "50.00", false),
    ]
}

fn lq(line: usize, quantity: &str) -> LineQuantity {
    LineQuantity {
        line,
        quantity: d(quantity),
    }
}

/// An order of `side` numbered `number`, for partner 100, of 2 March, to 2 decimals.
fn head(side: Side, number: &str) -> OrderHead {
    OrderHead {
        side,
        number: number.into(),
        partner: id(100),
        date: march(2),
        decimals: 2,
        company: Code::main_company(),
    }
}

fn created_as(side: Side, lines: Vec<OrderLine>) -> OrderEvent {
    OrderEvent::OrderCreated {
        head: head(side, "SO0001"),
        lines,
    }
}

fn created() -> OrderEvent {
    created_as(Side::Sale, lines())
}

fn draft() -> Vec<OrderEvent> {
    vec![created()]
}

fn confirmed() -> Vec<OrderEvent> {
    vec![created(), OrderEvent::OrderConfirmed {}]
}

fn cancelled() -> Vec<OrderEvent> {
    vec![created(), OrderEvent::OrderCancelled {}]
}

fn delivered(delivery: u128, quantities: Vec<LineQuantity>) -> OrderEvent {
    OrderEvent::OrderDelivered {
        delivery: id(delivery),
        date: march(5),
        quantities,
    }
}

fn invoiced(invoice: u128, quantities: Vec<LineQuantity>) -> OrderEvent {
    OrderEvent::OrderInvoiced {
        invoice: id(invoice),
        quantities,
    }
}

fn deliver(delivery: u128, quantities: Vec<LineQuantity>) -> OrderCommand {
    OrderCommand::DeliverOrder {
        delivery: id(delivery),
        date: march(5),
        quantities,
    }
}

fn invoice(invoice: u128, policy: InvoicePolicy) -> OrderCommand {
    OrderCommand::InvoiceOrder {
        invoice: id(invoice),
        policy,
    }
}

fn replace(expected_version: Option<u64>, lines: Vec<OrderLine>) -> OrderCommand {
    OrderCommand::ReplaceLines {
        expected_version,
        lines,
    }
}

fn confirm(expected_version: Option<u64>) -> OrderCommand {
    OrderCommand::ConfirmOrder { expected_version }
}

fn cancel(expected_version: Option<u64>) -> OrderCommand {
    OrderCommand::CancelOrder { expected_version }
}

fn with(
    mut events: Vec<OrderEvent>,
    more: impl IntoIterator<Item = OrderEvent>,
) -> Vec<OrderEvent> {
    events.extend(more);
    events
}

// creating

#[test]
fn creating_an_order_records_a_draft_with_its_lines() {
    let command = OrderCommand::CreateOrder {
        head: head(Side::Sale, "SO0001"),
        lines: lines(),
    };
    OrderTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_events(vec![created()]);
    let order = after::<Order>(draft());
    assert_eq!(order.version(), 1);
    assert_eq!(order.state(), Some(OrderState::Draft));
    assert_eq!(order.side(), Some(Side::Sale));
    assert_eq!(order.partner(), Some(id(100)));
    assert_eq!(order.number(), Some("SO0001"));
    assert_eq!(order.lines(), lines().as_slice());
    assert_eq!(
        order.progress(),
        vec![(d("10"), d("0"), d("0")), (d("3"), d("0"), d("0"))]
    );
}

#[test]
fn an_order_totals_its_rounded_lines() {
    // 10 × 100.00 = 1000.00 + 210.00 VAT; 3 × 50.00 = 150.00 + 31.50 VAT
    let totals = after::<Order>(draft()).totals();
    assert_eq!(totals.untaxed, d("1150.00"));
    assert_eq!(totals.tax, d("241.50"));
    assert_eq!(totals.total, d("1391.50"));
    assert_eq!(totals.taxes.get(&code("vat21")), Some(&d("241.50")));
}

#[test]
fn creating_an_order_twice_is_refused() {
    for events in [draft(), confirmed(), cancelled()] {
        let command = OrderCommand::CreateOrder {
            head: head(Side::Sale, "SO0002"),
            lines: lines(),
        };
        OrderTest::with(())
            .given(events)
            .when(command)
            .then_expect_error(OrderError::AlreadyExists);
    }
}

#[test]
fn an_order_without_lines_or_with_too_many_is_refused() {
    let create = |lines: Vec<OrderLine>| OrderCommand::CreateOrder {
        head: head(Side::Purchase, "PO0001"),
        lines,
    };
    OrderTest::with(())
        .given_no_previous_events()
        .when(create(vec![]))
        .then_expect_error(OrderError::NoLines);
    let too_many = vec![line("Screw", "1", "0.10", true); LINES_MAX + 1];
    OrderTest::with(())
        .given_no_previous_events()
        .when(create(too_many))
        .then_expect_error(OrderError::TooManyLines);
    let most = vec![line("Screw", "1", "0.10", true); LINES_MAX];
    assert!(OrderTest::with(())
        .given_no_previous_events()
        .when(create(most))
        .inspect_result()
        .is_ok());
}

#[test]
fn every_change_to_an_order_that_does_not_exist_is_refused() {
    let commands = [
        replace(None, lines()),
        confirm(None),
        deliver(1, vec![lq(0, "1")]),
        invoice(1, InvoicePolicy::Ordered),
        OrderCommand::ReleaseInvoice { invoice: id(1) },
        cancel(None),
    ];
    for command in commands {
        OrderTest::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(OrderError::NotFound);
    }
}

// replacing lines

#[test]
fn a_draft_s_lines_can_be_replaced() {
    let new_lines = vec![line("Desk", "12", "95.00", true)];
    OrderTest::with(())
        .given(draft())
        .when(replace(Some(1), new_lines.clone()))
        .then_expect_events(vec![OrderEvent::OrderLinesReplaced {
            lines: new_lines.clone(),
        }]);
    let order = after::<Order>(with(
        draft(),
        [OrderEvent::OrderLinesReplaced {
            lines: new_lines.clone(),
        }],
    ));
    assert_eq!(order.lines(), new_lines.as_slice());
    assert_eq!(order.progress(), vec![(d("12"), d("0"), d("0"))]);
}

#[test]
fn replacing_lines_with_the_same_lines_records_nothing() {
    OrderTest::with(())
        .given(draft())
        .when(replace(None, lines()))
        .then_expect_events(vec![]);
}

#[test]
fn replacing_lines_with_none_is_refused() {
    OrderTest::with(())
        .given(draft())
        .when(replace(None, vec![]))
        .then_expect_error(OrderError::NoLines);
}

#[test]
fn replacing_lines_from_a_stale_form_is_refused() {
    OrderTest::with(())
        .given(draft())
        .when(replace(Some(3), lines()))
        .then_expect_error(OrderError::StaleVersion {
            expected: 3,
            actual: 1,
        });
}

#[test]
fn replacing_lines_of_a_confirmed_or_cancelled_order_is_refused() {
    for (events, actual) in [
        (confirmed(), OrderState::Confirmed),
        (cancelled(), OrderState::Cancelled),
    ] {
        OrderTest::with(())
            .given(events)
            .when(replace(None, vec![line("Desk", "1", "1", true)]))
            .then_expect_error(OrderError::WrongState {
                actual,
                needed: "a draft",
            });
    }
}

// confirming

#[test]
fn confirming_a_draft_records_it() {
    OrderTest::with(())
        .given(draft())
        .when(confirm(Some(1)))
        .then_expect_events(vec![OrderEvent::OrderConfirmed {}]);
    assert_eq!(
        after::<Order>(confirmed()).state(),
        Some(OrderState::Confirmed)
    );
}

#[test]
fn confirming_from_a_stale_form_is_refused() {
    OrderTest::with(())
        .given(draft())
        .when(confirm(Some(0)))
        .then_expect_error(OrderError::StaleVersion {
            expected: 0,
            actual: 1,
        });
}

#[test]
fn confirming_a_confirmed_or_cancelled_order_is_refused() {
    for (events, actual) in [
        (confirmed(), OrderState::Confirmed),
        (cancelled(), OrderState::Cancelled),
    ] {
        OrderTest::with(())
            .given(events)
            .when(confirm(None))
            .then_expect_error(OrderError::WrongState {
                actual,
                needed: "a draft",
            });
    }
}

// delivering

#[test]
fn delivering_part_of_a_confirmed_order_records_it() {
    OrderTest::with(())
        .given(confirmed())
        .when(deliver(1, vec![lq(0, "4")]))
        .then_expect_events(vec![delivered(1, vec![lq(0, "4")])]);
}

#[test]
fn partial_deliveries_accumulate() {
    let events = with(
        confirmed(),
        [
            delivered(1, vec![lq(0, "4")]),
            delivered(2, vec![lq(0, "2.5")]),
        ],
    );
    let order = after::<Order>(events.clone());
    assert_eq!(
        order.progress(),
        vec![(d("10"), d("6.5"), d("0")), (d("3"), d("0"), d("0"))]
    );
    // 3.5 left: exactly that passes, a little more does not
    OrderTest::with(())
        .given(events.clone())
        .when(deliver(3, vec![lq(0, "3.5")]))
        .then_expect_events(vec![delivered(3, vec![lq(0, "3.5")])]);
    OrderTest::with(())
        .given(events.clone())
        .when(deliver(3, vec![lq(0, "3.6")]))
        .then_expect_error(OrderError::OverDelivery {
            line: 0,
            entry: 0,
            requested: d("3.6"),
            remaining: d("3.5"),
        });
}

#[test]
fn delivering_more_than_ordered_at_once_is_refused() {
    OrderTest::with(())
        .given(confirmed())
        .when(deliver(1, vec![lq(0, "11")]))
        .then_expect_error(OrderError::OverDelivery {
            line: 0,
            entry: 0,
            requested: d("11"),
            remaining: d("10"),
        });
}

#[test]
fn one_delivery_naming_a_line_twice_is_checked_on_the_sum() {
    OrderTest::with(())
        .given(confirmed())
        .when(deliver(1, vec![lq(0, "6"), lq(0, "5")]))
        .then_expect_error(OrderError::OverDelivery {
            line: 0,
            entry: 1,
            requested: d("11"),
            remaining: d("10"),
        });
}

#[test]
fn delivering_a_fully_delivered_line_is_refused() {
    OrderTest::with(())
        .given(with(confirmed(), [delivered(1, vec![lq(0, "10")])]))
        .when(deliver(2, vec![lq(0, "1")]))
        .then_expect_error(OrderError::OverDelivery {
            line: 0,
            entry: 0,
            requested: d("1"),
            remaining: d("0"),
        });
}

#[test]
fn recording_the_same_delivery_twice_is_refused() {
    OrderTest::with(())
        .given(with(confirmed(), [delivered(1, vec![lq(0, "1")])]))
        .when(deliver(1, vec![lq(0, "1")]))
        .then_expect_error(OrderError::DuplicateDelivery);
}

#[test]
fn an_empty_delivery_is_refused() {
    OrderTest::with(())
        .given(confirmed())
        .when(deliver(1, vec![]))
        .then_expect_error(OrderError::EmptyDelivery);
}

#[test]
fn delivering_a_line_the_order_does_not_have_is_refused() {
    OrderTest::with(())
        .given(confirmed())
        .when(deliver(1, vec![lq(2, "1")]))
        .then_expect_error(OrderError::UnknownLine { line: 2, entry: 0 });
}

#[test]
fn delivering_a_service_is_refused() {
    OrderTest::with(())
        .given(confirmed())
        .when(deliver(1, vec![lq(1, "1")]))
        .then_expect_error(OrderError::NotGoods { line: 1, entry: 0 });
}

#[test]
fn delivering_nothing_or_less_than_nothing_of_a_line_is_refused() {
    for quantity in ["0", "-1"] {
        OrderTest::with(())
            .given(confirmed())
            .when(deliver(1, vec![lq(0, quantity)]))
            .then_expect_error(OrderError::NoQuantity { line: 0, entry: 0 });
    }
}

#[test]
fn delivering_a_draft_or_cancelled_order_is_refused() {
    for (events, actual) in [
        (draft(), OrderState::Draft),
        (cancelled(), OrderState::Cancelled),
    ] {
        OrderTest::with(())
            .given(events)
            .when(deliver(1, vec![lq(0, "1")]))
            .then_expect_error(OrderError::WrongState {
                actual,
                needed: "confirmed",
            });
    }
}

#[test]
fn a_purchase_order_is_received_the_same_way() {
    let events = vec![
        created_as(Side::Purchase, lines()),
        OrderEvent::OrderConfirmed {},
    ];
    let order = after::<Order>(events.clone());
    assert_eq!(order.side(), Some(Side::Purchase));
    OrderTest::with(())
        .given(events.clone())
        .when(deliver(1, vec![lq(0, "10")]))
        .then_expect_events(vec![delivered(1, vec![lq(0, "10")])]);
    OrderTest::with(())
        .given(events.clone())
        .when(invoice(7, InvoicePolicy::Ordered))
        .then_expect_events(vec![invoiced(7, vec![lq(0, "10"), lq(1, "3")])]);
}

// invoicing

#[test]
fn invoicing_on_ordered_quantities_bills_every_line_in_full() {
    OrderTest::with(())
        .given(confirmed())
        .when(invoice(7, InvoicePolicy::Ordered))
        .then_expect_events(vec![invoiced(7, vec![lq(0, "10"), lq(1, "3")])]);
}

#[test]
fn invoicing_on_delivered_quantities_bills_goods_delivered_and_services_in_full() {
    let events = with(confirmed(), [delivered(1, vec![lq(0, "4")])]);
    let order = after::<Order>(events.clone());
    assert_eq!(
        order.to_invoice(InvoicePolicy::Delivered),
        vec![lq(0, "4"), lq(1, "3")]
    );
    OrderTest::with(())
        .given(events.clone())
        .when(invoice(7, InvoicePolicy::Delivered))
        .then_expect_events(vec![invoiced(7, vec![lq(0, "4"), lq(1, "3")])]);
}

#[test]
fn a_second_invoice_on_delivered_quantities_bills_only_what_was_delivered_since() {
    let events = with(
        confirmed(),
        [
            delivered(1, vec![lq(0, "4")]),
            invoiced(7, vec![lq(0, "4"), lq(1, "3")]),
            delivered(2, vec![lq(0, "5")]),
        ],
    );
    let order = after::<Order>(events.clone());
    assert_eq!(
        order.progress(),
        vec![(d("10"), d("9"), d("4")), (d("3"), d("0"), d("3"))]
    );
    OrderTest::with(())
        .given(events.clone())
        .when(invoice(8, InvoicePolicy::Delivered))
        .then_expect_events(vec![invoiced(8, vec![lq(0, "5")])]);
    // under the ordered policy the undelivered desk is billed too
    OrderTest::with(())
        .given(events.clone())
        .when(invoice(8, InvoicePolicy::Ordered))
        .then_expect_events(vec![invoiced(8, vec![lq(0, "6")])]);
}

#[test]
fn invoicing_goods_not_yet_delivered_on_delivered_quantities_is_refused() {
    let events = vec![
        created_as(Side::Sale, vec![line("Desk", "10", "100.00", true)]),
        OrderEvent::OrderConfirmed {},
    ];
    let order = after::<Order>(events.clone());
    assert_eq!(order.to_invoice(InvoicePolicy::Delivered), vec![]);
    OrderTest::with(())
        .given(events.clone())
        .when(invoice(7, InvoicePolicy::Delivered))
        .then_expect_error(OrderError::NothingToInvoice);
}

#[test]
fn invoicing_a_fully_invoiced_order_is_refused_under_either_policy() {
    for policy in [InvoicePolicy::Ordered, InvoicePolicy::Delivered] {
        OrderTest::with(())
            .given(with(
                confirmed(),
                [invoiced(7, vec![lq(0, "10"), lq(1, "3")])],
            ))
            .when(invoice(8, policy))
            .then_expect_error(OrderError::NothingToInvoice);
    }
}

#[test]
fn invoicing_a_draft_or_cancelled_order_is_refused() {
    for (events, actual) in [
        (draft(), OrderState::Draft),
        (cancelled(), OrderState::Cancelled),
    ] {
        OrderTest::with(())
            .given(events)
            .when(invoice(7, InvoicePolicy::Ordered))
            .then_expect_error(OrderError::WrongState {
                actual,
                needed: "confirmed",
            });
    }
}

// releasing an invoice

#[test]
fn releasing_an_invoice_makes_what_it_billed_billable_again() {
    OrderTest::with(())
        .given(with(
            confirmed(),
            [
                delivered(1, vec![lq(0, "4")]),
                invoiced(7, vec![lq(0, "4"), lq(1, "3")]),
            ],
        ))
        .when(OrderCommand::ReleaseInvoice { invoice: id(7) })
        .then_expect_events(vec![OrderEvent::OrderInvoiceReleased { invoice: id(7) }]);
    let events = with(
        confirmed(),
        [
            delivered(1, vec![lq(0, "4")]),
            invoiced(7, vec![lq(0, "4"), lq(1, "3")]),
            OrderEvent::OrderInvoiceReleased { invoice: id(7) },
        ],
    );
    let released = after::<Order>(events.clone());
    assert_eq!(
        released.progress(),
        vec![(d("10"), d("4"), d("0")), (d("3"), d("0"), d("0"))]
    );
    OrderTest::with(())
        .given(events.clone())
        .when(invoice(8, InvoicePolicy::Delivered))
        .then_expect_events(vec![invoiced(8, vec![lq(0, "4"), lq(1, "3")])]);
}

#[test]
fn releasing_one_invoice_leaves_the_others_billed() {
    let order = after::<Order>(with(
        confirmed(),
        [
            invoiced(7, vec![lq(1, "3")]),
            invoiced(8, vec![lq(0, "10")]),
            OrderEvent::OrderInvoiceReleased { invoice: id(7) },
        ],
    ));
    assert_eq!(order.to_invoice(InvoicePolicy::Ordered), vec![lq(1, "3")]);
}

#[test]
fn releasing_an_invoice_the_order_did_not_make_records_nothing() {
    OrderTest::with(())
        .given(with(confirmed(), [invoiced(7, vec![lq(1, "3")])]))
        .when(OrderCommand::ReleaseInvoice { invoice: id(8) })
        .then_expect_events(vec![]);
    for events in [draft(), cancelled()] {
        OrderTest::with(())
            .given(events)
            .when(OrderCommand::ReleaseInvoice { invoice: id(7) })
            .then_expect_events(vec![]);
    }
}

#[test]
fn releasing_an_invoice_twice_records_it_once() {
    OrderTest::with(())
        .given(with(
            confirmed(),
            [
                invoiced(7, vec![lq(1, "3")]),
                OrderEvent::OrderInvoiceReleased { invoice: id(7) },
            ],
        ))
        .when(OrderCommand::ReleaseInvoice { invoice: id(7) })
        .then_expect_events(vec![]);
}

// cancelling

#[test]
fn cancelling_a_draft_or_a_confirmed_order_with_nothing_done_records_it() {
    for events in [draft(), confirmed()] {
        OrderTest::with(())
            .given(events)
            .when(cancel(None))
            .then_expect_events(vec![OrderEvent::OrderCancelled {}]);
    }
    assert_eq!(
        after::<Order>(cancelled()).state(),
        Some(OrderState::Cancelled)
    );
}

#[test]
fn cancelling_a_cancelled_order_records_nothing() {
    OrderTest::with(())
        .given(cancelled())
        .when(cancel(Some(2)))
        .then_expect_events(vec![]);
}

#[test]
fn cancelling_from_a_stale_form_is_refused() {
    OrderTest::with(())
        .given(confirmed())
        .when(cancel(Some(1)))
        .then_expect_error(OrderError::StaleVersion {
            expected: 1,
            actual: 2,
        });
}

#[test]
fn cancelling_a_delivered_order_is_refused() {
    OrderTest::with(())
        .given(with(confirmed(), [delivered(1, vec![lq(0, "1")])]))
        .when(cancel(None))
        .then_expect_error(OrderError::CannotCancel("delivered"));
}

#[test]
fn cancelling_an_invoiced_order_is_refused() {
    OrderTest::with(())
        .given(with(confirmed(), [invoiced(7, vec![lq(1, "3")])]))
        .when(cancel(None))
        .then_expect_error(OrderError::CannotCancel("invoiced"));
    OrderTest::with(())
        .given(with(
            confirmed(),
            [
                delivered(1, vec![lq(0, "1")]),
                invoiced(7, vec![lq(0, "1")]),
            ],
        ))
        .when(cancel(None))
        .then_expect_error(OrderError::CannotCancel("invoiced"));
}

#[test]
fn an_order_whose_only_invoice_was_released_can_be_cancelled() {
    OrderTest::with(())
        .given(with(
            confirmed(),
            [
                invoiced(7, vec![lq(1, "3")]),
                OrderEvent::OrderInvoiceReleased { invoice: id(7) },
            ],
        ))
        .when(cancel(None))
        .then_expect_events(vec![OrderEvent::OrderCancelled {}]);
}

// storing

#[test]
fn a_creation_is_stored_with_the_head_beside_the_lines_as_it_always_was() {
    let stored = r#"{"OrderCreated":{"side":"Purchase","number":"SO0001","partner":"00000000-0000-0000-0000-000000000064","date":"2026-03-02","decimals":2,"lines":[]}}"#;
    let event = created_as(Side::Purchase, vec![]);
    assert_eq!(serde_json::to_string(&event).unwrap(), stored);
    assert_eq!(serde_json::from_str::<OrderEvent>(stored).unwrap(), event);
}

#[test]
fn a_snapshot_keeps_the_head_beside_the_lines_and_reads_back() {
    let order = after::<Order>(confirmed());
    let snapshot = serde_json::to_value(&order).unwrap();
    assert_eq!(snapshot["current"]["number"], "SO0001");
    assert_eq!(snapshot["current"]["decimals"], 2);
    assert_eq!(serde_json::from_value::<Order>(snapshot).unwrap(), order);
}
