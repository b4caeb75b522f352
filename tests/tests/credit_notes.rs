//! Credit notes: what they may credit, and what a whole one does to the order it bills. Every
//! figure is worked out by hand: a service at 50.00 with VAT 21%, so one unit is 60.50 and two
//! are 121.00.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::books::*;
use tests::TestApp;

/// A sale order of two of the service, billed and posted (121.00) on 3 November:
/// (customer, service, order id, posted invoice).
async fn an_invoiced_order(app: &TestApp) -> (String, String, String, Value) {
    let billed = a_billed_order(app, "2").await;
    assert_eq!(text(&billed.3["total"]), "121.00");
    billed
}

async fn credit_note(app: &TestApp, invoice: &str, lines: Option<Value>) -> Value {
    let mut input = json!({ "invoice": invoice, "date": "2026-11-05" });
    if let Some(lines) = lines {
        input["lines"] = lines;
    }
    mutate(
        app,
        "createCreditNote",
        "CreateCreditNoteInput",
        input,
        "invoice { id total }",
    )
    .await
}

async fn post(app: &TestApp, id: &str) -> Value {
    mutate(
        app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": id }),
        INVOICE,
    )
    .await
}

async fn the_order(app: &TestApp, id: &str) -> Value {
    app.graphql(
        "query($id: ID!) { order(id: $id) { invoiceStatus lines { invoiced } } }",
        json!({ "id": id }),
    )
    .await["order"]
        .clone()
}

#[tokio::test]
async fn credit_notes_never_credit_more_than_the_invoice() {
    let app = TestApp::new().await;
    let (_, setup, _, invoice) = an_invoiced_order(&app).await;
    let invoice_id = text(&invoice["id"]).to_owned();

    // one of the two is credited: 60.50.
    let one = credit_note(
        &app,
        &invoice_id,
        Some(json!([{ "product": setup, "quantity": "1" }])),
    )
    .await;
    assert_eq!(one["userErrors"], json!([]), "{one}");
    assert_eq!(text(&one["invoice"]["total"]), "60.50");
    let posted = post(&app, text(&one["invoice"]["id"])).await;
    assert_eq!(posted["userErrors"], json!([]), "{posted}");

    // the whole invoice again (121.00) would credit 181.50 of 121.00: refused, nothing written.
    let before = app.event_count().await;
    let whole = credit_note(&app, &invoice_id, None).await;
    assert_eq!(whole["userErrors"][0]["code"], "INVALID", "{whole}");
    assert_eq!(
        whole["userErrors"][0]["field"],
        json!(["input", "invoice"]),
        "{whole}"
    );
    let message = text(&whole["userErrors"][0]["message"]);
    assert!(message.contains("60.50"), "says what is left: {message}");
    assert_eq!(app.event_count().await, before);

    // the other one is credited: the invoice is then credited in full.
    let other = credit_note(
        &app,
        &invoice_id,
        Some(json!([{ "product": setup, "quantity": "1" }])),
    )
    .await;
    assert_eq!(other["userErrors"], json!([]), "{other}");
    let other_id = text(&other["invoice"]["id"]).to_owned();
    // a third draft, made before the second is posted, is then too much when it is posted.
    let third = credit_note(
        &app,
        &invoice_id,
        Some(json!([{ "product": setup, "quantity": "1" }])),
    )
    .await;
    assert_eq!(third["userErrors"], json!([]), "{third}");
    let posted = post(&app, &other_id).await;
    assert_eq!(posted["userErrors"], json!([]), "{posted}");
    let before = app.event_count().await;
    let too_much = post(&app, text(&third["invoice"]["id"])).await;
    assert_eq!(too_much["userErrors"][0]["code"], "INVALID", "{too_much}");
    assert_eq!(
        app.event_count().await,
        before,
        "nothing written, no number taken"
    );
    let left = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) { state number } }",
            json!({ "id": text(&third["invoice"]["id"]) }),
        )
        .await;
    assert_eq!(left["invoice"]["state"], "DRAFT");
    assert_eq!(left["invoice"]["number"], Value::Null);

    let original = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) { residual paymentState } }",
            json!({ "id": invoice_id }),
        )
        .await;
    assert_eq!(text(&original["invoice"]["residual"]), "0.00");
    assert_eq!(original["invoice"]["paymentState"], "PAID");
}

#[tokio::test]
async fn two_whole_credit_notes_posted_at_once_credit_the_invoice_once() {
    let app = TestApp::new().await;
    let (_, _, _, invoice) = an_invoiced_order(&app).await;
    let invoice_id = text(&invoice["id"]).to_owned();
    let first = credit_note(&app, &invoice_id, None).await;
    let second = credit_note(&app, &invoice_id, None).await;
    let (a, b) = tokio::join!(
        post(&app, text(&first["invoice"]["id"])),
        post(&app, text(&second["invoice"]["id"]))
    );
    let posted = [&a, &b]
        .iter()
        .filter(|p| p["userErrors"] == json!([]))
        .count();
    assert_eq!(posted, 1, "{a}\n{b}");
    let credit_notes = app
        .graphql(
            "{ invoices(where: { kind: CUSTOMER_CREDIT_NOTE, state: POSTED }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(credit_notes["invoices"]["totalCount"], 1);
}

#[tokio::test]
async fn a_credit_note_of_lines_of_its_own_leaves_the_order_billed() {
    let app = TestApp::new().await;
    let (_, setup, so, invoice) = an_invoiced_order(&app).await;
    let invoice_id = text(&invoice["id"]).to_owned();
    let billed = the_order(&app, &so).await;
    assert_eq!(billed["invoiceStatus"], "FULL");
    assert_eq!(text(&billed["lines"][0]["invoiced"]), "2");

    // a part credited with lines of its own is a correction of money: the order stays billed.
    let part = credit_note(
        &app,
        &invoice_id,
        Some(json!([{ "product": setup, "quantity": "1", "unitPrice": "10" }])),
    )
    .await;
    assert_eq!(text(&part["invoice"]["total"]), "12.10");
    let posted = post(&app, text(&part["invoice"]["id"])).await;
    assert_eq!(posted["userErrors"], json!([]), "{posted}");
    assert_eq!(the_order(&app, &so).await, billed);

    let original = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) { residual } }",
            json!({ "id": invoice_id }),
        )
        .await;
    assert_eq!(text(&original["invoice"]["residual"]), "108.90");
}

#[tokio::test]
async fn the_whole_invoice_credited_makes_its_quantities_billable_again() {
    let app = TestApp::new().await;
    let (_, _, so, invoice) = an_invoiced_order(&app).await;
    let invoice_id = text(&invoice["id"]).to_owned();

    let whole = credit_note(&app, &invoice_id, None).await;
    assert_eq!(text(&whole["invoice"]["total"]), "121.00");
    let posted = post(&app, text(&whole["invoice"]["id"])).await;
    assert_eq!(posted["userErrors"], json!([]), "{posted}");
    assert_eq!(text(&posted["invoice"]["residual"]), "0.00");

    let order = the_order(&app, &so).await;
    assert_eq!(order["invoiceStatus"], "NOTHING", "{order}");
    assert_eq!(text(&order["lines"][0]["invoiced"]), "0");
    // and it is billed again: two more at 121.00.
    let again = invoice_and_post(&app, &so, "2026-11-06").await;
    assert_eq!(text(&again["total"]), "121.00");
    assert_eq!(the_order(&app, &so).await["invoiceStatus"], "FULL");
}

#[tokio::test]
async fn nothing_is_set_against_a_document_before_its_date() {
    let app = TestApp::new().await;
    // the invoice of 3 November, 121.00.
    let (customer, _, _, invoice) = an_invoiced_order(&app).await;
    let invoice_id = text(&invoice["id"]).to_owned();
    let events = app.event_count().await;
    let early = pay(&app, &customer, "2026-11-02", "10", &invoice_id).await;
    assert_eq!(early["userErrors"][0]["code"], "INVALID", "{early}");
    assert_eq!(early["userErrors"][0]["field"], json!(["input", "date"]));
    let message = text(&early["userErrors"][0]["message"]);
    assert!(message.contains("2026-11-03"), "{message}");
    let mut input = json!({ "invoice": invoice_id, "date": "2026-11-02" });
    let credit = mutate(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        input.clone(),
        "invoice { id }",
    )
    .await;
    assert_eq!(credit["userErrors"][0]["code"], "INVALID", "{credit}");
    assert_eq!(credit["userErrors"][0]["field"], json!(["input", "date"]));
    assert_eq!(app.event_count().await, events, "nothing written");

    // on the invoice's own day both are taken, and the aged balance is the receivable account's
    // balance on every day: 121.00 − 10.00 − 60.50 = 50.50 from the 3rd.
    let paid = pay(&app, &customer, "2026-11-03", "10", &invoice_id).await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    input["date"] = json!("2026-11-03");
    input["lines"] = json!([{ "description": "Half", "quantity": "1", "unitPrice": "50",
                              "taxes": ["vat21"] }]);
    let credit = must(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        input,
        "invoice { id }",
    )
    .await;
    post(&app, text(&credit["invoice"]["id"])).await;
    for (date, expected) in [("2026-11-02", "0.00"), ("2026-11-03", "50.50")] {
        let both = app
            .graphql(
                "query($date: NaiveDate!) {
                    agedBalance(kind: RECEIVABLE, date: $date) { totals { total } }
                    trialBalance(to: $date, accounts: [\"411000\"]) { totalBalance } }",
                json!({ "date": date }),
            )
            .await;
        assert_eq!(
            text(&both["agedBalance"]["totals"]["total"]),
            expected,
            "{date}: {both}"
        );
        assert_eq!(
            text(&both["trialBalance"]["totalBalance"]),
            expected,
            "{date}: {both}"
        );
    }
}

async fn apply(app: &TestApp, input: Value) -> Value {
    mutate(
        app,
        "applyCreditNote",
        "ApplyCreditNoteInput",
        input,
        "invoice { id residual paymentState }",
    )
    .await
}

#[tokio::test]
async fn an_open_credit_note_is_set_against_another_invoice_of_its_partner() {
    let app = TestApp::new().await;
    // invoice A (121.00) paid in full, then credited in full: the credit note stays open.
    let (customer, setup, _, first) = an_invoiced_order(&app).await;
    let first_id = text(&first["id"]).to_owned();
    let paid = pay(&app, &customer, "2026-11-04", "121", &first_id).await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    let note = credit_note(&app, &first_id, None).await;
    let note_id = text(&note["invoice"]["id"]).to_owned();
    let posted = post(&app, &note_id).await;
    assert_eq!(text(&posted["invoice"]["residual"]), "121.00", "{posted}");
    // invoice B, of one more: 60.50.
    let second = must(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-06",
                "lines": [{ "product": setup, "quantity": "1" }] }),
        "invoice { id }",
    )
    .await;
    let second_id = text(&second["invoice"]["id"]).to_owned();
    post(&app, &second_id).await;

    // what is refused writes nothing: more than the credit note has, before B's date, a
    // supplier's bill, a draft.
    let events = app.event_count().await;
    let over = apply(
        &app,
        json!({ "creditNote": note_id, "invoice": second_id, "amount": "121.01", "date": "2026-11-06" }),
    )
    .await;
    assert_eq!(
        over["userErrors"][0]["field"],
        json!(["input", "amount"]),
        "{over}"
    );
    let early = apply(
        &app,
        json!({ "creditNote": note_id, "invoice": second_id, "date": "2026-11-05" }),
    )
    .await;
    assert_eq!(
        early["userErrors"][0]["field"],
        json!(["input", "date"]),
        "{early}"
    );
    let backwards = apply(
        &app,
        json!({ "creditNote": second_id, "invoice": note_id, "date": "2026-11-06" }),
    )
    .await;
    assert_eq!(backwards["userErrors"][0]["code"], "INVALID", "{backwards}");
    assert_eq!(app.event_count().await, events, "nothing written");

    // 20.00 first, then all that both still have open: 40.50. B is paid; the credit note
    // still credits 60.50, and the aged balance is the receivable account's.
    let part = apply(
        &app,
        json!({ "creditNote": note_id, "invoice": second_id, "amount": "20", "date": "2026-11-06" }),
    )
    .await;
    assert_eq!(part["userErrors"], json!([]), "{part}");
    assert_eq!(text(&part["invoice"]["residual"]), "40.50");
    let applied = apply(
        &app,
        json!({ "creditNote": note_id, "invoice": second_id, "date": "2026-11-06" }),
    )
    .await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    assert_eq!(text(&applied["invoice"]["residual"]), "0.00");
    assert_eq!(applied["invoice"]["paymentState"], "PAID");
    let note_now = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) { residual matches { amount } } }",
            json!({ "id": note_id }),
        )
        .await;
    assert_eq!(text(&note_now["invoice"]["residual"]), "60.50");
    assert_eq!(
        note_now["invoice"]["matches"],
        json!([{ "amount": "20.00" }, { "amount": "40.50" }]),
        "{note_now}"
    );
    let both = app
        .graphql(
            "{ agedBalance(kind: RECEIVABLE, date: \"2026-11-30\") { totals { total } }
               trialBalance(to: \"2026-11-30\", accounts: [\"411000\"]) { totalBalance } }",
            json!({}),
        )
        .await;
    // 121.00 + 60.50 invoiced, 121.00 paid, 121.00 credited: −60.50 owed to the customer.
    assert_eq!(
        text(&both["agedBalance"]["totals"]["total"]),
        "-60.50",
        "{both}"
    );
    assert_eq!(
        text(&both["trialBalance"]["totalBalance"]),
        "-60.50",
        "{both}"
    );
}
