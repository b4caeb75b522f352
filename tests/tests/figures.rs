//! Figures a client can send that no business has (a line's amount beyond any document, a
//! fraction of a cent, an entry beyond what the books sum, a stock worth more than a figure
//! holds): each gets a clear error naming where it is, nothing is written, and what comes after
//! still works. Found by a tester driving the server: the first stopped a database's read
//! models for good, the others dropped the connection or left an invoice overpaid.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::books::{self, must, mutate, set_up_the_books, INVOICE, ORDER};
use tests::TestApp;

async fn booked() -> (TestApp, String) {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let customer = books::partner(&app, "Agrolait", true, false).await;
    (app, customer)
}

fn sale(partner: &str, quantity: &str, price: &str) -> Value {
    json!({ "partner": partner, "date": "2026-03-02",
            "lines": [{ "description": "Goods", "quantity": quantity, "unitPrice": price,
                        "taxes": [] }] })
}

#[tokio::test]
async fn a_line_whose_amount_no_document_holds_is_refused_and_the_books_go_on() {
    let (app, customer) = booked().await;
    let events = app.event_count().await;
    // each figure is within its own limit (10^15); their product is not.
    let refused = mutate(
        &app,
        "createSaleOrder",
        "CreateOrderInput",
        sale(&customer, "999999999999999", "999999999999999"),
        ORDER,
    )
    .await;
    assert_eq!(refused["order"], Value::Null);
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "lines", "0", "quantity"]),
        "{refused}"
    );
    assert_eq!(refused["userErrors"][0]["code"], "INVALID");
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too large"),
        "{refused}"
    );
    assert_eq!(app.event_count().await, events, "nothing written");

    // 1,000 × 10^12 = 10^15, the largest amount: taken, and shown whole.
    let largest = must(
        &app,
        "createSaleOrder",
        "CreateOrderInput",
        sale(&customer, "1000", "1000000000000"),
        ORDER,
    )
    .await;
    assert_eq!(largest["order"]["untaxed"], "1000000000000000.00");
    // and the next order is written and read back: the read models did not stop.
    let next = must(
        &app,
        "createSaleOrder",
        "CreateOrderInput",
        sale(&customer, "2", "10"),
        ORDER,
    )
    .await;
    assert_eq!(next["order"]["untaxed"], "20.00", "{next}");
}

#[tokio::test]
async fn a_payment_of_a_fraction_of_a_cent_is_refused_and_never_overpays() {
    let (app, customer) = booked().await;
    let drafted = must(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-03-02",
                "lines": [{ "description": "Ten", "quantity": "1", "unitPrice": "10",
                            "taxes": [] }] }),
        INVOICE,
    )
    .await;
    let invoice = drafted["invoice"]["id"].as_str().unwrap().to_owned();
    must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": invoice }),
        INVOICE,
    )
    .await;
    let events = app.event_count().await;
    // 9.995 would leave 0.005 open, shown as 0.01; a cent more would then overpay.
    let refused = books::pay(&app, &customer, "2026-03-03", "9.995", &invoice).await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "allocations", "0", "amount"]),
        "{refused}"
    );
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("decimals"),
        "{refused}"
    );
    assert_eq!(app.event_count().await, events, "nothing written");
    let part = books::pay(&app, &customer, "2026-03-03", "9.99", &invoice).await;
    assert_eq!(part["invoices"][0]["residual"], "0.01", "{part}");
    let rest = books::pay(&app, &customer, "2026-03-04", "0.01", &invoice).await;
    assert_eq!(
        rest["invoices"][0],
        json!({ "id": invoice, "residual": "0.00", "paymentState": "PAID" }),
        "{rest}"
    );
}

#[tokio::test]
async fn a_manual_entry_finer_than_the_currency_or_beyond_the_largest_amount_is_refused() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let events = app.event_count().await;
    let entry = |amount: &str| {
        json!({ "journal": "misc", "date": "2026-03-02",
                "lines": [{ "account": "550000", "debit": amount },
                          { "account": "100000", "credit": amount }] })
    };
    let finer = mutate(
        &app,
        "postEntry",
        "PostEntryInput",
        entry("0.001"),
        "entry { number }",
    )
    .await;
    assert_eq!(
        finer["userErrors"][0]["field"],
        json!(["input", "lines", "0", "debit"]),
        "{finer}"
    );
    // Decimal's largest is about 7.9 × 10^28: two such lines would not even sum.
    let beyond = mutate(
        &app,
        "postEntry",
        "PostEntryInput",
        entry("40000000000000000000000000000"),
        "entry { number }",
    )
    .await;
    assert!(
        beyond["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 1000000000000000"),
        "{beyond}"
    );
    assert_eq!(app.event_count().await, events, "nothing written");
    // the books still answer.
    let balance = app
        .graphql(
            "{ trialBalance(from: \"2026-01-01\", to: \"2026-12-31\") { lines { account } } }",
            json!({}),
        )
        .await;
    assert_eq!(balance["trialBalance"]["lines"], json!([]));
}

#[tokio::test]
async fn a_stock_worth_more_than_a_figure_holds_is_an_error_naming_the_product() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let huge = books::product(&app, "HUGE", "STOCKABLE", "1", "999999999999999").await;
    let desk = books::product(&app, "DESK", "STOCKABLE", "10", "4").await;
    for (product, counted) in [(&huge, "999999999999999"), (&desk, "3")] {
        must(
            &app,
            "countStock",
            "CountStockInput",
            json!({ "product": product, "counted": counted }),
            "level { onHand }",
        )
        .await;
    }
    // an answer, not a dropped connection: the error names the product and what to do.
    let response = app
        .graphql_with(
            &app.admin_token,
            "{ stockValuation { totalValue } }",
            json!({}),
        )
        .await;
    let message = response["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("HUGE") && message.contains("count its stock again"),
        "{response}"
    );
    // a product worth what a figure holds is still shown, alone or beside the other.
    let desk_only = app
        .graphql(
            "query($p: [ID!]) { stockLevels(where: { products: $p }) { nodes { reference value } } }",
            json!({ "p": [desk] }),
        )
        .await;
    assert_eq!(
        desk_only["stockLevels"]["nodes"],
        json!([{ "reference": "DESK", "value": "12.00" }])
    );
    let both = app
        .graphql_with(
            &app.admin_token,
            "{ stockLevels { nodes { reference onHand } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        both["data"]["stockLevels"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_date_no_business_has_is_refused_on_its_field() {
    let (app, customer) = booked().await;
    let setup = books::product(&app, "SETUP", "SERVICE", "50", "0").await;
    let goods = books::product(&app, "DESK", "STOCKABLE", "300", "120").await;
    let events = app.event_count().await;
    let refused = |payload: &Value, field: &[&str]| {
        assert_eq!(payload["userErrors"][0]["code"], "INVALID", "{payload}");
        assert_eq!(payload["userErrors"][0]["field"], json!(field), "{payload}");
        let message = payload["userErrors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("1900") && message.contains("2199"),
            "{message}"
        );
    };
    // a year typed wrong (0206 for 2026), the first day there is, the last: all refused.
    for date in [
        "0206-11-02",
        "0001-01-01",
        "1899-12-31",
        "2200-01-01",
        "9999-12-31",
    ] {
        let order = mutate(
            &app,
            "createSaleOrder",
            "CreateOrderInput",
            json!({ "partner": customer, "date": date,
                    "lines": [{ "product": setup, "quantity": "1" }] }),
            ORDER,
        )
        .await;
        refused(&order, &["input", "date"]);
        let invoice = mutate(
            &app,
            "createInvoice",
            "CreateInvoiceInput",
            json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-02",
                    "dueDate": date, "lines": [{ "product": setup, "quantity": "1" }] }),
            INVOICE,
        )
        .await;
        // before the invoice's date, or beyond the years: either way its due date is wrong.
        assert_eq!(invoice["userErrors"][0]["code"], "INVALID", "{invoice}");
        let entry = books::capital_entry(&app, date).await;
        refused(&entry, &["input", "date"]);
        let count = mutate(
            &app,
            "countStock",
            "CountStockInput",
            json!({ "product": goods, "counted": "3", "date": date }),
            "level { name }",
        )
        .await;
        refused(&count, &["input", "date"]);
    }
    let invoice = mutate(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-02",
                "dueDate": "2200-01-01", "lines": [{ "product": setup, "quantity": "1" }] }),
        INVOICE,
    )
    .await;
    refused(&invoice, &["input", "dueDate"]);
    assert_eq!(app.event_count().await, events, "nothing written");

    // the first and the last day of the years a business has are taken.
    for date in ["1900-01-01", "2199-12-31"] {
        let order = books::order(
            &app,
            "sale",
            &customer,
            date,
            json!([{ "product": setup, "quantity": "1" }]),
        )
        .await;
        let id = order["id"].as_str().unwrap().to_owned();
        // what follows from the order takes its own date, checked as well.
        let late = mutate(
            &app,
            "invoiceOrder",
            "InvoiceOrderInput",
            json!({ "id": id, "date": "9999-01-01" }),
            "invoice { id }",
        )
        .await;
        refused(&late, &["input", "date"]);
    }
    let supplier = books::partner(&app, "Wood Supplies", false, true).await;
    let order = books::order(
        &app,
        "purchase",
        &supplier,
        "2026-11-02",
        json!([{ "product": goods, "quantity": "1" }]),
    )
    .await;
    let id = order["id"].as_str().unwrap().to_owned();
    let delivered = mutate(
        &app,
        "deliverOrder",
        "DeliverOrderInput",
        json!({ "id": id, "date": "0001-01-01", "lines": [{ "line": 0, "quantity": "1" }] }),
        ORDER,
    )
    .await;
    refused(&delivered, &["input", "date"]);
    let paid = mutate(
        &app,
        "registerPayment",
        "RegisterPaymentInput",
        json!({ "journal": "bank", "partner": customer, "date": "0001-01-01", "amount": "1",
                "allocations": [] }),
        "number",
    )
    .await;
    refused(&paid, &["input", "date"]);
}

/// A customer of company `company`, and an invoice of 3 × `price` (VAT 21%) to them, posted.
async fn invoiced_in(app: &TestApp, company: &str, price: &str) -> (String, Value) {
    let token = app.admin_token.clone();
    let partner = app
        .graphql_in(
            &token,
            Some(company),
            "mutation { createPartner(input: { name: \"Agrolait\", isCustomer: true }) {
                partner { id } } }",
            json!({}),
        )
        .await;
    let customer = partner["data"]["createPartner"]["partner"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{partner}"))
        .to_owned();
    let created = app
        .graphql_in(
            &token,
            Some(company),
            "mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) {
                invoice { id } userErrors { field message } } }",
            json!({ "input": { "kind": "CUSTOMER_INVOICE", "partner": customer,
                    "date": "2026-11-02",
                    "lines": [{ "description": "Goods", "quantity": "3", "unitPrice": price,
                                "taxes": ["vat21"] }] } }),
        )
        .await;
    let id = created["data"]["createInvoice"]["invoice"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let posted = app
        .graphql_in(
            &token,
            Some(company),
            "mutation($id: ID!) { postInvoice(input: { id: $id }) {
                invoice { id untaxed tax total residual } userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    (customer, posted["data"]["postInvoice"]["invoice"].clone())
}

/// Pays `amount` of `invoice` of `customer`, in company `company`: the payload.
async fn paid_in(
    app: &TestApp,
    company: &str,
    customer: &str,
    invoice: &Value,
    amount: &str,
) -> Value {
    app.graphql_in(
        &app.admin_token,
        Some(company),
        "mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) {
            invoices { residual } userErrors { field message } } }",
        json!({ "input": { "journal": "bank", "partner": customer, "date": "2026-11-03",
                "amount": amount, "allocations": [{ "invoice": invoice, "amount": amount }] } }),
    )
    .await["data"]["registerPayment"]
        .clone()
}

#[tokio::test]
async fn a_company_in_yen_or_dinar_bills_and_books_to_its_currency_s_decimals() {
    let (app, _) = booked().await;
    for (currency, decimals, company) in [("JPY", 0, "jp"), ("KWD", 3, "kw")] {
        let set = app
            .graphql(
                "mutation($c: String!, $d: Int!, $company: String!) {
                    a: setCurrency(input: { code: $c, name: $c, symbol: $c, decimals: $d }) {
                        userErrors { message } }
                    b: setCompany(input: { code: $company, name: $company, currency: $c,
                                           parent: \"main\" }) { userErrors { message } } }",
                json!({ "c": currency, "d": decimals, "company": company }),
            )
            .await;
        assert_eq!(set["a"]["userErrors"], json!([]), "{set}");
        assert_eq!(set["b"]["userErrors"], json!([]), "{set}");
    }
    // 3 × 100.5 = 301.5, to the yen 302 (half away from zero); VAT 21% of 302 = 63.42 → 63.
    let (yen_customer, yen) = invoiced_in(&app, "jp", "100.5").await;
    assert_eq!(
        (&yen["untaxed"], &yen["tax"], &yen["total"]),
        (&json!("302"), &json!("63"), &json!("365")),
        "{yen}"
    );
    // 3 × 1.2345 = 3.7035 → 3.704; VAT 21% of 3.704 = 0.77784 → 0.778; 4.482 in all.
    let (dinar_customer, dinar) = invoiced_in(&app, "kw", "1.2345").await;
    assert_eq!(
        (&dinar["untaxed"], &dinar["tax"], &dinar["total"]),
        (&json!("3.704"), &json!("0.778"), &json!("4.482")),
        "{dinar}"
    );
    // a payment of a fils is a payment in dinar; half a yen is not one in yen.
    let paid = paid_in(&app, "kw", &dinar_customer, &dinar["id"], "1.001").await;
    assert_eq!(paid["invoices"][0]["residual"], "3.481", "{paid}");
    let half = paid_in(&app, "jp", &yen_customer, &yen["id"], "100.5").await;
    assert_ne!(half["userErrors"], json!([]), "{half}");
    // the yen company's trial balance: whole yen, and each line adds up.
    let balance = app
        .graphql(
            "{ trialBalance(company: { code: \"jp\" }) { lines { account debit credit balance } } }",
            json!({}),
        )
        .await;
    let lines: Vec<(String, String, String, String)> = balance["trialBalance"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let t = |k: &str| l[k].as_str().unwrap().to_owned();
            (t("account"), t("debit"), t("credit"), t("balance"))
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("411000".into(), "365".into(), "0".into(), "365".into()),
            ("451000".into(), "0".into(), "63".into(), "-63".into()),
            ("700000".into(), "0".into(), "302".into(), "-302".into()),
        ],
        "{balance}"
    );
}

#[tokio::test]
async fn a_consolidated_line_in_another_currency_adds_up_as_shown() {
    let (app, _) = booked().await;
    let set = app
        .graphql(
            "mutation {
                a: setCurrency(input: { code: \"JPY\", name: \"Yen\", symbol: \"¥\", decimals: 0 }) { userErrors { message } }
                b: setCurrencyRate(input: { code: \"JPY\", date: \"2026-01-01\", rate: \"160\" }) { userErrors { message } }
                c: setCompany(input: { code: \"jp\", name: \"Japan\", currency: \"JPY\", parent: \"main\" }) { userErrors { message } } }",
            json!({}),
        )
        .await;
    for k in ["a", "b", "c"] {
        assert_eq!(set[k]["userErrors"], json!([]), "{set}");
    }
    // the bank of jp: 5 yen in, 1 yen out. In euros at 160 yen: 0.03125 → 0.03 in, 0.00625 →
    // 0.01 out, so the line shows a balance of 0.02 (not 4 / 160 = 0.025 → 0.03).
    for (debit, credit, amount) in [("550000", "100000", "5"), ("600000", "550000", "1")] {
        let posted = app
            .graphql_in(
                &app.admin_token,
                Some("jp"),
                "mutation($d: String!, $c: String!, $a: Decimal!) { postEntry(input: {
                    journal: \"misc\", date: \"2026-11-02\",
                    lines: [{ account: $d, debit: $a }, { account: $c, credit: $a }] }) {
                    userErrors { message } } }",
                json!({ "d": debit, "c": credit, "a": amount }),
            )
            .await;
        assert_eq!(
            posted["data"]["postEntry"]["userErrors"],
            json!([]),
            "{posted}"
        );
    }
    let report = app
        .graphql(
            "{ trialBalance(company: { code: \"main\", consolidated: true }, to: \"2026-11-30\",
                            accounts: [\"550000\"]) { lines { opening debit credit balance } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        report["trialBalance"]["lines"],
        json!([{ "opening": "0.00", "debit": "0.03", "credit": "0.01", "balance": "0.02" }]),
        "{report}"
    );
}
