//! Given earlier events, when a command arrives, then these events (or this error); and the
//! journal entry a document posts, checked against figures worked out by hand.

use std::collections::BTreeMap;

use cqrs_es::test::TestFramework;

use super::*;
use crate::money::{Line, LineTax, LINES_MAX};
use crate::order::Side;
use crate::testing::{after, code, d, id, march};

type InvoiceTest = TestFramework<Invoice>;

fn tax(name: &str, rate: &str, price_included: bool) -> LineTax {
    LineTax {
        code: code(name),
        rate: d(rate),
        price_included,
    }
}

fn invoice_line(
    description: &str,
    quantity: &str,
    unit_price: &str,
    discount: &str,
    taxes: Vec<LineTax>,
    account: &str,
) -> InvoiceLine {
    InvoiceLine {
        line: Line::new(
            None,
            description,
            d(quantity),
            d(unit_price),
            d(discount),
            taxes,
        )
        .unwrap(),
        account: code(account),
    }
}

/// The income (sales) or expense (purchases) account of a kind of document.
fn account_of(kind: InvoiceKind) -> &'static str {
    match kind.side() {
        Side::Sale => "700000",
        Side::Purchase => "600000",
    }
}

/// 2 × 100.00 at 21 % VAT: 200.00 + 42.00 = 242.00.
fn two_desks(kind: InvoiceKind) -> Vec<InvoiceLine> {
    vec![invoice_line(
        "Desk",
        "2",
        "100.00",
        "0",
        vec![tax("vat21", "21", false)],
        account_of(kind),
    )]
}

fn draft_of(kind: InvoiceKind) -> InvoiceDraft {
    InvoiceDraft {
        kind,
        partner: id(100),
        date: march(2),
        due_date: march(31),
        decimals: 2,
        lines: two_desks(kind),
        order: None,
        reverses: kind.is_credit_note().then_some(id(50)),
        reference: "REF-1".into(),
        company: Code::main_company(),
    }
}

fn drafted_as(kind: InvoiceKind) -> InvoiceEvent {
    InvoiceEvent::InvoiceDrafted {
        draft: draft_of(kind),
    }
}

/// A customer invoice's draft, with `lines`.
fn drafted_with(lines: Vec<InvoiceLine>) -> InvoiceEvent {
    InvoiceEvent::InvoiceDrafted {
        draft: InvoiceDraft {
            lines,
            ..draft_of(InvoiceKind::CustomerInvoice)
        },
    }
}

fn drafted() -> InvoiceEvent {
    drafted_as(InvoiceKind::CustomerInvoice)
}

/// What posting two desks records.
fn totals_of_two_desks() -> Totals {
    Totals {
        untaxed: d("200.00"),
        tax: d("42.00"),
        total: d("242.00"),
        taxes: BTreeMap::from([(code("vat21"), d("42.00"))]),
    }
}

fn posted_event() -> InvoiceEvent {
    InvoiceEvent::InvoicePosted {
        number: "INV/2026/0001".into(),
        entry: id(900),
        totals: totals_of_two_desks(),
    }
}

fn draft() -> Vec<InvoiceEvent> {
    vec![drafted()]
}

fn posted() -> Vec<InvoiceEvent> {
    vec![drafted(), posted_event()]
}

fn cancelled() -> Vec<InvoiceEvent> {
    vec![drafted(), InvoiceEvent::InvoiceCancelled {}]
}

/// Posted, and 100.00 of its 242.00 paid by payment 300.
fn partly_paid() -> Vec<InvoiceEvent> {
    with(posted(), [matched("100.00")])
}

fn matched(amount: &str) -> InvoiceEvent {
    InvoiceEvent::InvoiceMatched {
        with: id(300),
        amount: d(amount),
        date: march(20),
    }
}

fn with(
    mut events: Vec<InvoiceEvent>,
    more: impl IntoIterator<Item = InvoiceEvent>,
) -> Vec<InvoiceEvent> {
    events.extend(more);
    events
}

fn replace(expected_version: Option<u64>, lines: Vec<InvoiceLine>) -> InvoiceCommand {
    InvoiceCommand::ReplaceInvoiceLines {
        expected_version,
        lines,
    }
}

fn post(expected_version: Option<u64>) -> InvoiceCommand {
    InvoiceCommand::PostInvoice {
        expected_version,
        number: "INV/2026/0001".into(),
        entry: id(900),
    }
}

fn match_(amount: &str) -> InvoiceCommand {
    InvoiceCommand::MatchInvoice {
        with: id(300),
        amount: d(amount),
        date: march(20),
    }
}

/// A match by another payment than [`match_`]'s.
fn match_other(amount: &str) -> InvoiceCommand {
    InvoiceCommand::MatchInvoice {
        with: id(301),
        amount: d(amount),
        date: march(20),
    }
}

fn cancel(expected_version: Option<u64>) -> InvoiceCommand {
    InvoiceCommand::CancelInvoice { expected_version }
}

fn other_lines() -> Vec<InvoiceLine> {
    vec![invoice_line("Chair", "1", "80.00", "0", vec![], "700000")]
}

// drafting

#[test]
fn drafting_records_the_draft_of_each_kind() {
    for kind in [
        InvoiceKind::CustomerInvoice,
        InvoiceKind::CustomerCreditNote,
        InvoiceKind::VendorBill,
        InvoiceKind::VendorCreditNote,
    ] {
        InvoiceTest::with(())
            .given_no_previous_events()
            .when(InvoiceCommand::DraftInvoice {
                draft: draft_of(kind),
            })
            .then_expect_events(vec![drafted_as(kind)]);
    }
    let invoice = after::<Invoice>(draft());
    assert_eq!(invoice.version(), 1);
    assert_eq!(invoice.state(), Some(InvoiceState::Draft));
    assert_eq!(
        invoice.draft(),
        Some(&draft_of(InvoiceKind::CustomerInvoice))
    );
    assert_eq!(invoice.number(), None);
    assert_eq!(invoice.totals(), totals_of_two_desks());
}

#[test]
fn drafting_twice_is_refused() {
    for events in [draft(), posted(), cancelled()] {
        InvoiceTest::with(())
            .given(events)
            .when(InvoiceCommand::DraftInvoice {
                draft: draft_of(InvoiceKind::CustomerInvoice),
            })
            .then_expect_error(InvoiceError::AlreadyExists);
    }
}

#[test]
fn a_draft_without_lines_or_with_too_many_is_refused() {
    let with_lines = |lines: Vec<InvoiceLine>| InvoiceCommand::DraftInvoice {
        draft: InvoiceDraft {
            lines,
            ..draft_of(InvoiceKind::CustomerInvoice)
        },
    };
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(with_lines(vec![]))
        .then_expect_error(InvoiceError::NoLines);
    let line = two_desks(InvoiceKind::CustomerInvoice).remove(0);
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(with_lines(vec![line.clone(); LINES_MAX + 1]))
        .then_expect_error(InvoiceError::TooManyLines);
    assert!(InvoiceTest::with(())
        .given_no_previous_events()
        .when(with_lines(vec![line; LINES_MAX]))
        .inspect_result()
        .is_ok());
}

#[test]
fn a_due_date_before_the_invoice_date_is_refused() {
    let command = |due_date| InvoiceCommand::DraftInvoice {
        draft: InvoiceDraft {
            due_date,
            ..draft_of(InvoiceKind::CustomerInvoice)
        },
    };
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(command(march(1)))
        .then_expect_error(InvoiceError::DueBeforeDate {
            date: march(2),
            due: march(1),
        });
    // due the same day is fine
    assert!(InvoiceTest::with(())
        .given_no_previous_events()
        .when(command(march(2)))
        .inspect_result()
        .is_ok());
}

#[test]
fn only_a_credit_note_reverses_a_document() {
    for kind in [InvoiceKind::CustomerInvoice, InvoiceKind::VendorBill] {
        InvoiceTest::with(())
            .given_no_previous_events()
            .when(InvoiceCommand::DraftInvoice {
                draft: InvoiceDraft {
                    reverses: Some(id(50)),
                    ..draft_of(kind)
                },
            })
            .then_expect_error(InvoiceError::NotCreditNote);
    }
}

#[test]
fn every_change_to_an_invoice_that_does_not_exist_is_refused() {
    let commands = [
        replace(None, other_lines()),
        post(None),
        match_("1"),
        cancel(None),
    ];
    for command in commands {
        InvoiceTest::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(InvoiceError::NotFound);
    }
}

// replacing lines

#[test]
fn a_draft_s_lines_can_be_replaced() {
    InvoiceTest::with(())
        .given(draft())
        .when(replace(Some(1), other_lines()))
        .then_expect_events(vec![InvoiceEvent::InvoiceLinesReplaced {
            lines: other_lines(),
        }]);
    let invoice = after::<Invoice>(with(
        draft(),
        [InvoiceEvent::InvoiceLinesReplaced {
            lines: other_lines(),
        }],
    ));
    assert_eq!(invoice.version(), 2);
    assert_eq!(
        invoice.draft().map(|draft| draft.lines.clone()),
        Some(other_lines())
    );
    assert_eq!(invoice.totals().total, d("80.00"));
}

#[test]
fn replacing_lines_with_the_same_lines_records_nothing() {
    InvoiceTest::with(())
        .given(draft())
        .when(replace(None, two_desks(InvoiceKind::CustomerInvoice)))
        .then_expect_events(vec![]);
}

#[test]
fn replacing_lines_with_none_is_refused() {
    InvoiceTest::with(())
        .given(draft())
        .when(replace(None, vec![]))
        .then_expect_error(InvoiceError::NoLines);
}

#[test]
fn replacing_lines_from_a_stale_form_is_refused() {
    InvoiceTest::with(())
        .given(draft())
        .when(replace(Some(2), other_lines()))
        .then_expect_error(InvoiceError::StaleVersion {
            expected: 2,
            actual: 1,
        });
}

#[test]
fn the_lines_of_an_invoice_made_from_an_order_cannot_be_replaced() {
    let from_order = InvoiceEvent::InvoiceDrafted {
        draft: InvoiceDraft {
            order: Some(id(60)),
            ..draft_of(InvoiceKind::CustomerInvoice)
        },
    };
    InvoiceTest::with(())
        .given(vec![from_order])
        .when(replace(None, other_lines()))
        .then_expect_error(InvoiceError::FromOrder);
}

#[test]
fn replacing_lines_of_a_posted_or_cancelled_invoice_is_refused() {
    for (events, actual) in [
        (posted(), InvoiceState::Posted),
        (cancelled(), InvoiceState::Cancelled),
    ] {
        InvoiceTest::with(())
            .given(events)
            .when(replace(None, other_lines()))
            .then_expect_error(InvoiceError::WrongState {
                actual,
                needed: "a draft",
            });
    }
}

// posting

#[test]
fn posting_a_draft_numbers_it_and_records_its_totals() {
    InvoiceTest::with(())
        .given(draft())
        .when(post(Some(1)))
        .then_expect_events(vec![posted_event()]);
    let invoice = after::<Invoice>(posted());
    assert_eq!(invoice.state(), Some(InvoiceState::Posted));
    assert_eq!(invoice.number(), Some("INV/2026/0001"));
}

#[test]
fn posting_a_draft_worth_nothing_is_refused() {
    let free = drafted_with(vec![invoice_line(
        "Sample",
        "1",
        "0",
        "0",
        vec![tax("vat21", "21", false)],
        "700000",
    )]);
    InvoiceTest::with(())
        .given(vec![free])
        .when(post(None))
        .then_expect_error(InvoiceError::NothingToPost);
}

#[test]
fn posting_from_a_stale_form_is_refused() {
    InvoiceTest::with(())
        .given(draft())
        .when(post(Some(0)))
        .then_expect_error(InvoiceError::StaleVersion {
            expected: 0,
            actual: 1,
        });
}

#[test]
fn posting_a_posted_or_cancelled_invoice_is_refused() {
    for (events, actual) in [
        (posted(), InvoiceState::Posted),
        (cancelled(), InvoiceState::Cancelled),
    ] {
        InvoiceTest::with(())
            .given(events)
            .when(post(None))
            .then_expect_error(InvoiceError::WrongState {
                actual,
                needed: "a draft",
            });
    }
}

// matching

#[test]
fn only_a_posted_document_has_a_residual() {
    assert_eq!(after::<Invoice>(draft()).residual(), d("0"));
    assert_eq!(after::<Invoice>(cancelled()).residual(), d("0"));
    assert_eq!(after::<Invoice>(posted()).residual(), d("242.00"));
}

#[test]
fn a_payment_matched_in_parts_lowers_the_residual() {
    InvoiceTest::with(())
        .given(posted())
        .when(match_("100.00"))
        .then_expect_events(vec![matched("100.00")]);
    assert_eq!(after::<Invoice>(partly_paid()).residual(), d("142.00"));
    // the rest, exactly, passes; a cent more does not
    InvoiceTest::with(())
        .given(partly_paid())
        .when(match_other("142.00"))
        .then_expect_events(vec![InvoiceEvent::InvoiceMatched {
            with: id(301),
            amount: d("142.00"),
            date: march(20),
        }]);
    InvoiceTest::with(())
        .given(partly_paid())
        .when(match_other("142.01"))
        .then_expect_error(InvoiceError::OverMatched {
            amount: d("142.01"),
            residual: d("142.00"),
        });
}

#[test]
fn a_fraction_of_a_cent_is_not_matched() {
    // 9.995 against 242.00 would leave 232.005 open, shown as 232.01: a cent never owed.
    InvoiceTest::with(())
        .given(posted())
        .when(match_("9.995"))
        .then_expect_error(InvoiceError::TooPrecise {
            amount: d("9.995"),
            decimals: 2,
        });
    InvoiceTest::with(())
        .given(posted())
        .when(match_("9.990"))
        .then_expect_events(vec![matched("9.990")]);
}

#[test]
fn the_same_payment_is_set_against_a_document_once() {
    InvoiceTest::with(())
        .given(partly_paid())
        .when(match_("10.00"))
        .then_expect_error(InvoiceError::AlreadyMatched);
}

#[test]
fn matching_more_than_the_total_is_refused() {
    InvoiceTest::with(())
        .given(posted())
        .when(match_("242.01"))
        .then_expect_error(InvoiceError::OverMatched {
            amount: d("242.01"),
            residual: d("242.00"),
        });
}

#[test]
fn matching_a_paid_document_is_refused() {
    let paid = || with(posted(), [matched("242.00")]);
    assert_eq!(after::<Invoice>(paid()).residual(), d("0"));
    InvoiceTest::with(())
        .given(paid())
        .when(match_other("0.01"))
        .then_expect_error(InvoiceError::OverMatched {
            amount: d("0.01"),
            residual: d("0"),
        });
}

#[test]
fn matching_nothing_or_less_is_refused() {
    for amount in ["0", "-5"] {
        InvoiceTest::with(())
            .given(posted())
            .when(match_(amount))
            .then_expect_error(InvoiceError::NoAmount);
    }
}

#[test]
fn matching_a_draft_or_cancelled_invoice_is_refused() {
    for (events, actual) in [
        (draft(), InvoiceState::Draft),
        (cancelled(), InvoiceState::Cancelled),
    ] {
        InvoiceTest::with(())
            .given(events)
            .when(match_("1"))
            .then_expect_error(InvoiceError::WrongState {
                actual,
                needed: "posted",
            });
    }
}

#[test]
fn a_credit_note_is_matched_like_an_invoice() {
    let credit_note = || vec![drafted_as(InvoiceKind::CustomerCreditNote), posted_event()];
    assert_eq!(after::<Invoice>(credit_note()).residual(), d("242.00"));
    InvoiceTest::with(())
        .given(credit_note())
        .when(match_("242.00"))
        .then_expect_events(vec![matched("242.00")]);
}

// cancelling

#[test]
fn cancelling_a_draft_records_it() {
    InvoiceTest::with(())
        .given(draft())
        .when(cancel(Some(1)))
        .then_expect_events(vec![InvoiceEvent::InvoiceCancelled {}]);
    assert_eq!(
        after::<Invoice>(cancelled()).state(),
        Some(InvoiceState::Cancelled)
    );
}

#[test]
fn cancelling_a_cancelled_invoice_records_nothing() {
    InvoiceTest::with(())
        .given(cancelled())
        .when(cancel(Some(2)))
        .then_expect_events(vec![]);
}

#[test]
fn cancelling_from_a_stale_form_is_refused() {
    InvoiceTest::with(())
        .given(draft())
        .when(cancel(Some(4)))
        .then_expect_error(InvoiceError::StaleVersion {
            expected: 4,
            actual: 1,
        });
}

#[test]
fn cancelling_a_posted_invoice_is_refused() {
    for events in [posted(), with(posted(), [matched("10.00")])] {
        InvoiceTest::with(())
            .given(events)
            .when(cancel(None))
            .then_expect_error(InvoiceError::WrongState {
                actual: InvoiceState::Posted,
                needed: "a draft (a posted invoice is put right with a credit note)",
            });
    }
}

// the journal entry

fn accounts(kind: InvoiceKind) -> PostingAccounts {
    PostingAccounts {
        counterpart: code(match kind.side() {
            Side::Sale => "411000",
            Side::Purchase => "401000",
        }),
        tax: code("451000"),
    }
}

fn entry_line(account: &str, label: &str, debit: &str, credit: &str) -> EntryLine {
    EntryLine {
        account: code(account),
        partner: Some(id(100)),
        label: label.into(),
        debit: d(debit),
        credit: d(credit),
    }
}

fn entry_of(invoice: &Invoice, kind: InvoiceKind) -> JournalEntry {
    invoice
        .entry(
            id(1),
            id(900),
            code("sales"),
            "INV/2026/0001",
            &accounts(kind),
        )
        .unwrap()
}

#[test]
fn the_entry_of_each_kind_balances_on_the_right_sides() {
    // 2 × 100.00 = 200.00 untaxed, 21 % of it 42.00, 242.00 in all
    let expected = [
        (
            InvoiceKind::CustomerInvoice,
            [
                entry_line("411000", "INV/2026/0001", "242.00", "0"),
                entry_line("700000", "Desk", "0", "200.00"),
                entry_line("451000", "vat21", "0", "42.00"),
            ],
        ),
        (
            InvoiceKind::CustomerCreditNote,
            [
                entry_line("411000", "INV/2026/0001", "0", "242.00"),
                entry_line("700000", "Desk", "200.00", "0"),
                entry_line("451000", "vat21", "42.00", "0"),
            ],
        ),
        (
            InvoiceKind::VendorBill,
            [
                entry_line("401000", "INV/2026/0001", "0", "242.00"),
                entry_line("600000", "Desk", "200.00", "0"),
                entry_line("451000", "vat21", "42.00", "0"),
            ],
        ),
        (
            InvoiceKind::VendorCreditNote,
            [
                entry_line("401000", "INV/2026/0001", "242.00", "0"),
                entry_line("600000", "Desk", "0", "200.00"),
                entry_line("451000", "vat21", "0", "42.00"),
            ],
        ),
    ];
    for (kind, lines) in expected {
        let entry = entry_of(&after::<Invoice>(vec![drafted_as(kind)]), kind);
        assert_eq!(
            entry,
            JournalEntry {
                id: id(900),
                journal: code("sales"),
                number: "INV/2026/0001".into(),
                date: march(2),
                reference: "REF-1".into(),
                origin: EntryOrigin::Invoice { invoice: id(1) },
                lines: lines.to_vec(),
                company: Code::main_company(),
            },
            "{kind:?}"
        );
        assert_eq!(entry.sums(), (d("242.00"), d("242.00")), "{kind:?}");
        assert_eq!(entry.check(), Ok(()), "{kind:?}");
    }
}

#[test]
fn the_entry_has_a_line_per_invoice_line_and_per_tax_and_skips_free_lines() {
    // 3 × 19.99 less 10 % = 53.973 → 53.97, 21 % → 11.3337 → 11.33
    // 1 × 10.00 = 10.00, 6 % → 0.60; the free sample posts nothing
    // 53.97 + 10.00 + 11.33 + 0.60 = 75.90
    let invoice = after::<Invoice>(vec![drafted_with(vec![
        invoice_line(
            "Lamp",
            "3",
            "19.99",
            "10",
            vec![tax("vat21", "21", false)],
            "700000",
        ),
        invoice_line(
            "Book",
            "1",
            "10.00",
            "0",
            vec![tax("vat6", "6", false)],
            "701000",
        ),
        invoice_line(
            "Sample",
            "1",
            "0",
            "0",
            vec![tax("vat21", "21", false)],
            "700000",
        ),
    ])]);
    let entry = entry_of(&invoice, InvoiceKind::CustomerInvoice);
    assert_eq!(
        entry.lines,
        vec![
            entry_line("411000", "INV/2026/0001", "75.90", "0"),
            entry_line("700000", "Lamp", "0", "53.97"),
            entry_line("701000", "Book", "0", "10.00"),
            entry_line("451000", "vat21", "0", "11.33"),
            entry_line("451000", "vat6", "0", "0.60"),
        ]
    );
    assert_eq!(entry.check(), Ok(()));
}

#[test]
fn the_entry_of_a_price_including_tax_still_balances() {
    // 121.00 including 21 %: 100.00 untaxed, 21.00 tax
    let invoice = after::<Invoice>(vec![drafted_with(vec![invoice_line(
        "Desk",
        "1",
        "121.00",
        "0",
        vec![tax("vat21", "21", true)],
        "700000",
    )])]);
    let entry = entry_of(&invoice, InvoiceKind::CustomerInvoice);
    assert_eq!(
        entry.lines,
        vec![
            entry_line("411000", "INV/2026/0001", "121.00", "0"),
            entry_line("700000", "Desk", "0", "100.00"),
            entry_line("451000", "vat21", "0", "21.00"),
        ]
    );
    assert_eq!(entry.check(), Ok(()));
}

#[test]
fn an_invoice_that_does_not_exist_has_no_entry() {
    let entry = Invoice::default().entry(
        id(1),
        id(900),
        code("sales"),
        "INV/2026/0001",
        &accounts(InvoiceKind::CustomerInvoice),
    );
    assert_eq!(entry, None);
}

fn credit(credit_note: u128, total: &str) -> InvoiceCommand {
    InvoiceCommand::CreditInvoice {
        credit_note: id(credit_note),
        total: d(total),
    }
}

fn credited(credit_note: u128, total: &str) -> InvoiceEvent {
    InvoiceEvent::InvoiceCredited {
        credit_note: id(credit_note),
        total: d(total),
    }
}

#[test]
fn credit_notes_credit_at_most_the_total_of_the_posted_document() {
    // two desks: 242.00; 100.00 credited leaves 142.00 to credit, and not a cent more.
    InvoiceTest::with(())
        .given(posted())
        .when(credit(500, "100.00"))
        .then_expect_events(vec![credited(500, "100.00")]);
    let mut partly = posted();
    partly.push(credited(500, "100.00"));
    assert_eq!(after::<Invoice>(partly.clone()).creditable(), d("142.00"));
    InvoiceTest::with(())
        .given(partly.clone())
        .when(credit(501, "142.01"))
        .then_expect_error(InvoiceError::OverCredited {
            total: d("142.01"),
            creditable: d("142.00"),
        });
    InvoiceTest::with(())
        .given(partly.clone())
        .when(credit(501, "142.00"))
        .then_expect_events(vec![credited(501, "142.00")]);
    // the same credit note told twice counts once.
    InvoiceTest::with(())
        .given(partly)
        .when(credit(500, "100.00"))
        .then_expect_events(vec![]);
    // payments do not lower what may be credited: a paid invoice is refunded by a credit note.
    assert_eq!(after::<Invoice>(partly_paid()).creditable(), d("242.00"));
}

#[test]
fn only_a_posted_document_is_credited() {
    InvoiceTest::with(())
        .given(draft())
        .when(credit(500, "1.00"))
        .then_expect_error(InvoiceError::WrongState {
            actual: InvoiceState::Draft,
            needed: "posted",
        });
}

#[test]
fn a_credit_note_of_the_same_lines_reverses_the_whole_document() {
    let invoice = after::<Invoice>(posted());
    let lines = invoice.draft().map(|d| d.lines.clone()).unwrap_or_default();
    assert!(!lines.is_empty());
    assert!(invoice.reversed_whole_by(&lines));
    assert!(!invoice.reversed_whole_by(&lines[..lines.len() - 1]));
    let mut fewer = lines.clone();
    fewer[0].line.quantity -= d("1");
    assert!(!invoice.reversed_whole_by(&fewer));
    // the accounts follow the settings of the day: they do not make it another reversal.
    let mut elsewhere = lines;
    elsewhere[0].account = code("700100");
    assert!(invoice.reversed_whole_by(&elsewhere));
}

#[test]
fn nothing_is_matched_before_the_document_s_date() {
    // posted on 2 March: a payment of 1 March is refused, one of the 2nd is taken.
    InvoiceTest::with(())
        .given(posted())
        .when(InvoiceCommand::MatchInvoice {
            with: id(300),
            amount: d("10.00"),
            date: march(1),
        })
        .then_expect_error(InvoiceError::MatchedBeforeDate {
            date: march(1),
            dated: march(2),
        });
    InvoiceTest::with(())
        .given(posted())
        .when(InvoiceCommand::MatchInvoice {
            with: id(300),
            amount: d("10.00"),
            date: march(2),
        })
        .then_expect_events(vec![InvoiceEvent::InvoiceMatched {
            with: id(300),
            amount: d("10.00"),
            date: march(2),
        }]);
}
