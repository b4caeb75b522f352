//! A month of a small company, played through GraphQL only: configuration, suppliers and
//! customers, products, a purchase received and billed, sales delivered in parts and invoiced,
//! a credit note, payments, a period close. Every report is checked against figures worked out
//! by hand below (not by the code under test).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use tests::books::*;
use tests::TestApp;

/// The trial balance's closing balance per account.
async fn balances(app: &TestApp, args: &str) -> (BTreeMap<String, String>, Value) {
    let data = app
        .graphql(
            &format!(
                "{{ trialBalance{args} {{ lines {{ account balance debit credit }} totalDebit totalCredit totalBalance }} }}"
            ),
            json!({}),
        )
        .await;
    let report = data["trialBalance"].clone();
    let map = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                text(&l["account"]).to_owned(),
                text(&l["balance"]).to_owned(),
            )
        })
        .collect();
    (map, report)
}

fn figures(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_month_of_a_small_company() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;

    let wood = partner(&app, "Wood Supplies", false, true).await;
    let agrolait = partner(&app, "Agrolait", true, false).await;
    let camptocamp = partner(&app, "Camptocamp", true, false).await;
    let desk = product(&app, "DESK", "STOCKABLE", "300", "120").await;
    let chair = product(&app, "CHAIR", "STOCKABLE", "80", "30").await;
    let setup = product(&app, "SETUP", "SERVICE", "50", "0").await;

    // the owner brings 10,000.00 of capital to the bank.
    let capital = must(
        &app,
        "postEntry",
        "PostEntryInput",
        json!({ "journal": "misc", "date": "2026-11-01", "reference": "Capital",
                "lines": [{ "account": "550000", "debit": "10000" },
                          { "account": "100000", "credit": "10000" }] }),
        "entry { number amount }",
    )
    .await;
    assert_eq!(capital["entry"]["number"], "MISC/2026/0001");

    // buy 10 desks at 120 and 20 chairs at 30: 1,200 + 600 = 1,800.00, VAT 378.00, 2,178.00.
    let po = order(
        &app,
        "purchase",
        &wood,
        "2026-11-02",
        json!([{ "product": desk, "quantity": "10" }, { "product": chair, "quantity": "20" }]),
    )
    .await;
    assert_eq!(po["number"], "PO0001");
    assert_eq!(
        (text(&po["untaxed"]), text(&po["tax"]), text(&po["total"])),
        ("1800.00", "378.00", "2178.00")
    );
    let po_id = text(&po["id"]).to_owned();
    let received = deliver(
        &app,
        &po_id,
        "2026-11-03",
        json!([{ "line": 0, "quantity": "10" }, { "line": 1, "quantity": "20" }]),
    )
    .await;
    assert_eq!(received["userErrors"], json!([]), "{received}");
    assert_eq!(received["order"]["deliveryStatus"], "FULL");
    let bill = invoice_and_post(&app, &po_id, "2026-11-04").await;
    assert_eq!(bill["number"], "BILL/2026/0001");
    assert_eq!(text(&bill["total"]), "2178.00");

    // Agrolait: 4 desks at 300 less 10 % (1,080.00 + 226.80), 6 chairs at 80 (480.00 + 100.80),
    // 2 hours of set-up at 50 (100.00 + 21.00): 1,660.00 + 348.60 = 2,008.60.
    let so1 = order(
        &app,
        "sale",
        &agrolait,
        "2026-11-05",
        json!([
            { "product": desk, "quantity": "4", "discount": "10" },
            { "product": chair, "quantity": "6" },
            { "product": setup, "quantity": "2" }
        ]),
    )
    .await;
    assert_eq!(so1["number"], "SO0001");
    assert_eq!(
        (
            text(&so1["untaxed"]),
            text(&so1["tax"]),
            text(&so1["total"])
        ),
        ("1660.00", "348.60", "2008.60")
    );
    let so1_id = text(&so1["id"]).to_owned();

    // delivering 5 of the 4 desks ordered is refused, and writes nothing.
    let before = app.event_count().await;
    let over = deliver(
        &app,
        &so1_id,
        "2026-11-06",
        json!([{ "line": 0, "quantity": "5" }]),
    )
    .await;
    assert_eq!(over["userErrors"][0]["code"], "INVALID", "{over}");
    assert_eq!(app.event_count().await, before);

    let first = deliver(
        &app,
        &so1_id,
        "2026-11-06",
        json!([{ "line": 0, "quantity": "2" }, { "line": 1, "quantity": "6" }]),
    )
    .await;
    assert_eq!(first["userErrors"], json!([]), "{first}");
    assert_eq!(first["order"]["deliveryStatus"], "PARTIAL");

    // invoiced as delivered: 2 desks (540.00 + 113.40), 6 chairs (480.00 + 100.80), the set-up
    // (a service: 100.00 + 21.00) = 1,120.00 + 235.20 = 1,355.20.
    let inv1 = invoice_and_post(&app, &so1_id, "2026-11-07").await;
    assert_eq!(inv1["number"], "INV/2026/0001");
    assert_eq!(
        (
            text(&inv1["untaxed"]),
            text(&inv1["tax"]),
            text(&inv1["total"])
        ),
        ("1120.00", "235.20", "1355.20")
    );
    assert_eq!(inv1["dueDate"], "2026-12-07");

    // Camptocamp wants 15 chairs; 14 are on hand (20 received, 6 delivered).
    let so2 = order(
        &app,
        "sale",
        &camptocamp,
        "2026-11-10",
        json!([{ "product": chair, "quantity": "15" }]),
    )
    .await;
    let so2_id = text(&so2["id"]).to_owned();
    let before = app.event_count().await;
    let short = deliver(
        &app,
        &so2_id,
        "2026-11-10",
        json!([{ "line": 0, "quantity": "15" }]),
    )
    .await;
    assert_eq!(
        short["userErrors"][0]["code"], "NOT_ENOUGH_STOCK",
        "{short}"
    );
    assert!(
        text(&short["userErrors"][0]["message"]).contains("14"),
        "{short}"
    );
    assert_eq!(app.event_count().await, before);
    let ten = deliver(
        &app,
        &so2_id,
        "2026-11-10",
        json!([{ "line": 0, "quantity": "10" }]),
    )
    .await;
    assert_eq!(ten["userErrors"], json!([]), "{ten}");

    let rest = deliver(
        &app,
        &so1_id,
        "2026-11-12",
        json!([{ "line": 0, "quantity": "2" }]),
    )
    .await;
    assert_eq!(rest["order"]["deliveryStatus"], "FULL", "{rest}");
    // the second invoice bills the 2 desks delivered since: 540.00 + 113.40 = 653.40.
    let inv2 = invoice_and_post(&app, &so1_id, "2026-11-13").await;
    assert_eq!(inv2["number"], "INV/2026/0002");
    assert_eq!(text(&inv2["total"]), "653.40");
    // nothing is left to bill on the first order.
    let nothing = mutate(
        &app,
        "invoiceOrder",
        "InvoiceOrderInput",
        json!({ "id": so1_id, "date": "2026-11-13" }),
        "invoice { id }",
    )
    .await;
    assert_eq!(nothing["userErrors"][0]["code"], "WRONG_STATE", "{nothing}");
    // 10 chairs to Camptocamp: 800.00 + 168.00 = 968.00.
    let inv3 = invoice_and_post(&app, &so2_id, "2026-11-14").await;
    assert_eq!(inv3["number"], "INV/2026/0003");
    assert_eq!(text(&inv3["total"]), "968.00");

    // a posted invoice does not change: only a credit note puts it right. One desk of the
    // second invoice came back damaged: 270.00 + 56.70 = 326.70, set against that invoice.
    let inv2_id = text(&inv2["id"]).to_owned();
    let changed = mutate(
        &app,
        "updateInvoiceLines",
        "UpdateInvoiceLinesInput",
        json!({ "id": inv2_id, "lines": [{ "product": desk, "quantity": "1" }] }),
        "invoice { id }",
    )
    .await;
    assert_eq!(changed["userErrors"][0]["code"], "WRONG_STATE", "{changed}");
    // a credit note of a credit note is refused, on the field that names what it reverses.
    let of_itself = mutate(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        json!({ "invoice": inv2_id, "date": "2026-11-16" }),
        "invoice { id }",
    )
    .await;
    assert_eq!(of_itself["userErrors"], json!([]), "{of_itself}");
    let credited = text(&of_itself["invoice"]["id"]).to_owned();
    let refused = mutate(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        json!({ "invoice": credited, "date": "2026-11-16" }),
        "invoice { id }",
    )
    .await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "invoice"]),
        "{refused}"
    );
    must(
        &app,
        "cancelInvoice",
        "InvoiceIdInput",
        json!({ "id": credited }),
        "invoice { id }",
    )
    .await;
    let credit = must(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        json!({ "invoice": inv2_id, "date": "2026-11-16",
                "lines": [{ "product": desk, "quantity": "1", "discount": "10" }] }),
        "invoice { id total }",
    )
    .await;
    assert_eq!(text(&credit["invoice"]["total"]), "326.70");
    let credit_id = text(&credit["invoice"]["id"]).to_owned();
    let posted = must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": credit_id }),
        INVOICE,
    )
    .await;
    assert_eq!(posted["invoice"]["number"], "INV/2026/0004");
    assert_eq!(text(&posted["invoice"]["residual"]), "0.00");
    let inv2_now = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) { residual paymentState } }",
            json!({ "id": inv2_id }),
        )
        .await;
    assert_eq!(text(&inv2_now["invoice"]["residual"]), "326.70");
    assert_eq!(inv2_now["invoice"]["paymentState"], "PARTIALLY_PAID");

    // what the books say before any payment, for the auditor's look back below.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before_payments = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Agrolait pays the first invoice; Camptocamp pays 500.00 of 968.00; we pay the supplier.
    let paid = pay(&app, &agrolait, "2026-11-20", "1355.20", text(&inv1["id"])).await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    assert_eq!(paid["number"], "BNK/2026/0001");
    assert_eq!(paid["invoices"][0]["paymentState"], "PAID");
    let part = pay(&app, &camptocamp, "2026-11-25", "500", text(&inv3["id"])).await;
    assert_eq!(text(&part["invoices"][0]["residual"]), "468.00");
    // paying more than is owed is refused.
    let too_much = pay(&app, &camptocamp, "2026-11-25", "469", text(&inv3["id"])).await;
    assert_eq!(too_much["userErrors"][0]["code"], "INVALID", "{too_much}");
    let supplier = pay(&app, &wood, "2026-11-28", "2178", text(&bill["id"])).await;
    assert_eq!(supplier["userErrors"], json!([]), "{supplier}");

    // November is closed; nothing more posts into it.
    let closed = must(
        &app,
        "closePeriod",
        "ClosePeriodInput",
        json!({ "period": "2026-11" }),
        "period { id closed closedBy }",
    )
    .await;
    assert_eq!(closed["period"]["closed"], true);
    assert_eq!(closed["period"]["closedBy"], "admin");
    let before = app.event_count().await;
    let late = mutate(
        &app,
        "postEntry",
        "PostEntryInput",
        json!({ "journal": "misc", "date": "2026-11-30",
                "lines": [{ "account": "550000", "debit": "1" }, { "account": "100000", "credit": "1" }] }),
        "entry { number }",
    )
    .await;
    assert_eq!(late["userErrors"][0]["code"], "PERIOD_CLOSED", "{late}");
    let late_payment = pay(&app, &camptocamp, "2026-11-30", "1", text(&inv3["id"])).await;
    assert_eq!(
        late_payment["userErrors"][0]["code"], "PERIOD_CLOSED",
        "{late_payment}"
    );
    assert_eq!(app.event_count().await, before);

    // trial balance, worked out by hand:
    //   bank        10,000.00 + 1,355.20 + 500.00 − 2,178.00            =  9,677.20
    //   capital                                                          = −10,000.00
    //   payable     −2,178.00 + 2,178.00                                 =      0.00
    //   receivable  1,355.20 + 653.40 + 968.00 − 326.70 − 1,355.20 − 500 =    794.70
    //   sales       −(1,120.00 + 540.00 + 800.00) + 270.00               = −2,190.00
    //   purchases                                                        =  1,800.00
    //   VAT collected −(235.20 + 113.40 + 168.00) + 56.70                =   −459.90
    //   VAT deductible                                                   =    378.00
    let (trial, report) = balances(&app, "(from: \"2026-11-01\", to: \"2026-11-30\")").await;
    assert_eq!(
        trial,
        figures(&[
            ("100000", "-10000.00"),
            ("401000", "0.00"),
            ("411000", "794.70"),
            ("411100", "378.00"),
            ("451000", "-459.90"),
            ("550000", "9677.20"),
            ("600000", "1800.00"),
            ("700000", "-2190.00"),
        ])
    );
    assert_eq!(text(&report["totalBalance"]), "0.00");
    assert_eq!(report["totalDebit"], report["totalCredit"]);

    // the auditor's view: before the payments, the bank held only the capital and customers
    // owed 1,355.20 + 653.40 + 968.00 − 326.70 = 2,649.90.
    let (then, _) = balances(
        &app,
        &format!("(asOf: {{ time: \"{}\" }})", before_payments.to_rfc3339()),
    )
    .await;
    assert_eq!(then["550000"], "10000.00");
    assert_eq!(then["411000"], "2649.90");
    assert_eq!(then["401000"], "-2178.00");

    // receivables equal the unpaid invoices: 326.70 (Agrolait) + 468.00 (Camptocamp).
    let aged = app
        .graphql(
            "{ now: agedBalance(kind: RECEIVABLE, date: \"2026-11-30\") {
                 lines { name notDue days0To30 total } totals { notDue total } }
               later: agedBalance(kind: RECEIVABLE, date: \"2027-01-20\") {
                 lines { name days31To60 total } totals { days31To60 total } }
               payable: agedBalance(kind: PAYABLE, date: \"2026-11-30\") { totals { total } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        aged["now"]["lines"],
        json!([
            { "name": "Agrolait", "notDue": "326.70", "days0To30": "0.00", "total": "326.70" },
            { "name": "Camptocamp", "notDue": "468.00", "days0To30": "0.00", "total": "468.00" }
        ])
    );
    assert_eq!(text(&aged["now"]["totals"]["total"]), "794.70");
    assert_eq!(trial["411000"], text(&aged["now"]["totals"]["total"]));
    // on 20 January, INV/2026/0002 (due 13 December) is 38 days late, INV/2026/0003 (due 14
    // December) 37 days.
    assert_eq!(text(&aged["later"]["totals"]["days31To60"]), "794.70");
    assert_eq!(text(&aged["payable"]["totals"]["total"]), "0.00");

    // the partner ledger: Agrolait was invoiced 1,355.20 + 653.40 and credited 326.70 + 1,355.20.
    let ledger = app
        .graphql(
            "query($p: ID!) { partnerLedger(partner: $p, from: \"2026-11-01\", to: \"2026-11-30\") {
                 name debit credit closing lines { number debit credit balance } } }",
            json!({ "p": agrolait }),
        )
        .await;
    let agrolait_ledger = &ledger["partnerLedger"][0];
    assert_eq!(agrolait_ledger["name"], "Agrolait");
    assert_eq!(text(&agrolait_ledger["debit"]), "2008.60");
    assert_eq!(text(&agrolait_ledger["credit"]), "1681.90");
    assert_eq!(text(&agrolait_ledger["closing"]), "326.70");
    assert_eq!(agrolait_ledger["lines"].as_array().unwrap().len(), 4);

    // the general ledger of the bank: the capital and three payments, ending at 9,677.20.
    let bank = app
        .graphql(
            "{ generalLedger(accounts: [\"550000\"]) { key closing lines { number balance } } }",
            json!({}),
        )
        .await;
    let bank = &bank["generalLedger"][0];
    assert_eq!(bank["lines"].as_array().unwrap().len(), 4);
    assert_eq!(text(&bank["closing"]), "9677.20");
    assert_eq!(bank["lines"][3]["balance"], bank["closing"]);

    // stock: desks 10 in − 4 out = 6; chairs 20 in − 6 − 10 out = 4, with 5 still to go to
    // Camptocamp. Valued at cost: 6 × 120 + 4 × 30 = 840.00.
    let stock = app
        .graphql(
            "{ stockLevels { nodes { reference onHand outgoing forecast } }
               stockValuation { totalValue lines { reference value } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        stock["stockLevels"]["nodes"],
        json!([
            { "reference": "CHAIR", "onHand": "4", "outgoing": "5", "forecast": "-1" },
            { "reference": "DESK", "onHand": "6", "outgoing": "0", "forecast": "6" }
        ])
    );
    assert_eq!(text(&stock["stockValuation"]["totalValue"]), "840.00");

    // sales analysis: Agrolait 1,660.00, Camptocamp 15 × 80 = 1,200.00; by product, chairs
    // 6 + 15 = 21 for 480 + 1,200 = 1,680.00.
    let sales = app
        .graphql(
            "{ byCustomer: salesAnalysis(groupBy: PARTNER) { name untaxed }
               byProduct: salesAnalysis(groupBy: PRODUCT) { name quantity untaxed }
               byMonth: salesAnalysis(groupBy: MONTH) { name orders untaxed }
               purchases: purchaseAnalysis(groupBy: PARTNER) { name untaxed } }",
            json!({}),
        )
        .await;
    let by_name = |rows: &Value, field: &str| -> BTreeMap<String, String> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| (text(&r["name"]).to_owned(), text(&r[field]).to_owned()))
            .collect()
    };
    assert_eq!(
        by_name(&sales["byCustomer"], "untaxed"),
        figures(&[("Agrolait", "1660.00"), ("Camptocamp", "1200.00")])
    );
    assert_eq!(
        by_name(&sales["byProduct"], "quantity"),
        figures(&[("CHAIR", "21"), ("DESK", "4"), ("SETUP", "2")])
    );
    assert_eq!(
        by_name(&sales["byProduct"], "untaxed"),
        figures(&[
            ("CHAIR", "1680.00"),
            ("DESK", "1080.00"),
            ("SETUP", "100.00")
        ])
    );
    assert_eq!(
        sales["byMonth"],
        json!([{ "name": "2026-11", "orders": 2, "untaxed": "2860.00" }])
    );
    assert_eq!(
        by_name(&sales["purchases"], "untaxed"),
        figures(&[("Wood Supplies", "1800.00")])
    );

    // the whole log still verifies, and every read model replays to what it shows.
    let verified = replay::verify::verify_log(&app.db.pool, |_| {})
        .await
        .unwrap();
    assert_eq!(verified, vec![]);
    let differences = api::read_models::compare(&app.db.pool, "business", &|_| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(differences, vec![]);
}

#[tokio::test]
async fn the_demo_company_fills_every_report() {
    let app = TestApp::new().await;
    let partners = commands::demo::load(&app.db.pool, &app.backend.state.bus)
        .await
        .unwrap();
    assert!(partners > 0);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let operations = commands::demo::business(&app.backend, today).await.unwrap();
    assert!(operations > 30, "{operations}");
    // loading it again changes nothing.
    assert_eq!(
        commands::demo::business(&app.backend, today).await.unwrap(),
        0
    );

    let data = app
        .graphql(
            "{ trialBalance { totalBalance totalDebit lines { account } }
               agedBalance(kind: RECEIVABLE, date: \"2026-11-23\") { totals { notDue days31To60 total } }
               partnerLedger { key }
               generalLedger { key }
               salesAnalysis(groupBy: PARTNER) { name untaxed }
               purchaseAnalysis(groupBy: PRODUCT) { name untaxed }
               stockLevels { nodes { reference onHand outgoing } }
               stockValuation { totalValue }
               journalEntries { nodes { number } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["trialBalance"]["totalBalance"], "0.00");
    assert_ne!(data["trialBalance"]["totalDebit"], "0.00");
    assert_eq!(data["trialBalance"]["lines"].as_array().unwrap().len(), 8);
    let aged = &data["agedBalance"]["totals"];
    assert_ne!(aged["notDue"], "0.00", "{aged}");
    assert_ne!(aged["days31To60"], "0.00", "{aged}");
    for report in [
        "partnerLedger",
        "generalLedger",
        "salesAnalysis",
        "purchaseAnalysis",
        "stockLevels",
        "journalEntries",
    ] {
        let rows = data[report]
            .as_array()
            .or_else(|| data[report]["nodes"].as_array())
            .unwrap();
        assert!(!rows.is_empty(), "{report} is empty: {data}");
    }
    assert_ne!(data["stockValuation"]["totalValue"], "0.00");
    // the count found one mouse missing: 50 received, 10 delivered, 2 invoiced at the
    // counter without delivery, so 40 on hand less the one lost.
    let mouse = data["stockLevels"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["reference"] == "MOUSE")
        .unwrap();
    assert_eq!(mouse["onHand"], "39");
    assert_eq!(
        replay::verify::verify_log(&app.db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn restoring_a_stage_keeps_the_configuration_business_records_use() {
    let app = TestApp::new().await;
    for module in ["sale", "purchase", "stock"] {
        configure(
            &app,
            "installModule",
            "InstallModuleInput",
            json!({ "name": module }),
        )
        .await;
    }
    must(
        &app,
        "createStage",
        "CreateStageInput",
        json!({ "name": "modules only", "note": "before the books" }),
        "stage { name }",
    )
    .await;
    set_up_the_books(&app).await;
    // an account nothing uses, to see it go.
    configure(
        &app,
        "setAccount",
        "SetAccountInput",
        json!({ "code": "999000", "name": "Unused", "kind": "EXPENSE" }),
    )
    .await;
    let customer = partner(&app, "Agrolait", true, false).await;
    let desk = product(&app, "DESK", "CONSUMABLE", "300", "120").await;
    let invoice = must(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-02",
                "lines": [{ "product": desk, "quantity": "1" }] }),
        "invoice { id }",
    )
    .await;
    let posted = must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": invoice["invoice"]["id"] }),
        INVOICE,
    )
    .await;
    assert_eq!(posted["invoice"]["number"], "INV/2026/0001");
    let (before, _) = balances(&app, "").await;

    let restored = must(
        &app,
        "restoreStage",
        "RestoreStageInput",
        json!({ "name": "modules only" }),
        "restored kept { area key } configuration { accounts { nodes { code } } journals { nodes { code } } taxes { nodes { code } } }",
    )
    .await;
    let kept: Vec<(String, String)> = restored["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (text(&k["area"]).to_owned(), text(&k["key"]).to_owned()))
        .collect();
    // the posted invoice used the tax, its accounts, the sales journal and its sequence.
    for expected in [
        ("TAX", "vat21"),
        ("ACCOUNT", "411000"),
        ("ACCOUNT", "451000"),
        ("ACCOUNT", "700000"),
        ("JOURNAL", "sales"),
        ("SEQUENCE", "inv"),
    ] {
        assert!(
            kept.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not kept: {kept:?}"
        );
    }
    let configuration = &restored["configuration"];
    let accounts: Vec<&str> = configuration["accounts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| text(&a["code"]))
        .collect();
    assert_eq!(accounts, ["411000", "451000", "700000"]);
    assert_eq!(
        configuration["journals"]["nodes"],
        json!([{ "code": "sales" }])
    );
    assert_eq!(
        configuration["taxes"]["nodes"],
        json!([{ "code": "vat21" }])
    );
    // business data is untouched.
    let (after, _) = balances(&app, "").await;
    assert_eq!(before, after);
}

/// The books, a customer, a supplier, and `units` of a stockable product received.
async fn a_shop_with(app: &TestApp, units: &str) -> (String, String, String) {
    set_up_the_books(app).await;
    let supplier = partner(app, "Wood Supplies", false, true).await;
    let customer = partner(app, "Agrolait", true, false).await;
    let desk = product(app, "DESK", "STOCKABLE", "300", "120").await;
    let po = order(
        app,
        "purchase",
        &supplier,
        "2026-11-02",
        json!([{ "product": desk, "quantity": units }]),
    )
    .await;
    let received = deliver(
        app,
        text(&po["id"]),
        "2026-11-03",
        json!([{ "line": 0, "quantity": units }]),
    )
    .await;
    assert_eq!(received["userErrors"], json!([]), "{received}");
    (supplier, customer, desk)
}

#[tokio::test]
async fn two_deliveries_of_the_last_units_cannot_both_pass() {
    let app = TestApp::new().await;
    let (_, customer, desk) = a_shop_with(&app, "5").await;
    let a = order(
        &app,
        "sale",
        &customer,
        "2026-11-05",
        json!([{ "product": desk, "quantity": "5" }]),
    )
    .await;
    let b = order(
        &app,
        "sale",
        &customer,
        "2026-11-05",
        json!([{ "product": desk, "quantity": "5" }]),
    )
    .await;
    let lines = json!([{ "line": 0, "quantity": "5" }]);
    let (first, second) = tokio::join!(
        deliver(&app, text(&a["id"]), "2026-11-06", lines.clone()),
        deliver(&app, text(&b["id"]), "2026-11-06", lines.clone()),
    );
    let codes: Vec<Value> = [&first, &second]
        .iter()
        .map(|p| p["userErrors"][0]["code"].clone())
        .collect();
    assert!(
        codes.contains(&Value::Null) && codes.contains(&json!("NOT_ENOUGH_STOCK")),
        "one delivery passes, the other is refused: {first} {second}"
    );
    let levels = app
        .graphql(
            "{ stock: stockLevels { nodes { onHand outgoing } } customers: stockLevels(location: CUSTOMERS) { nodes { onHand } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        levels["stock"]["nodes"],
        json!([{ "onHand": "0", "outgoing": "5" }])
    );
    assert_eq!(levels["customers"]["nodes"], json!([{ "onHand": "5" }]));
}

#[tokio::test]
async fn invoices_posted_at_the_same_moment_are_numbered_without_gaps() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let customer = partner(&app, "Agrolait", true, false).await;
    let mut drafts = Vec::new();
    for n in 1..=6 {
        let draft = must(
            &app,
            "createInvoice",
            "CreateInvoiceInput",
            json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-10",
                    "lines": [{ "description": "Consulting", "quantity": n.to_string(), "unitPrice": "100", "taxes": [] }] }),
            "invoice { id }",
        )
        .await;
        drafts.push(text(&draft["invoice"]["id"]).to_owned());
    }
    let posted = futures::future::join_all(drafts.iter().map(|id| {
        mutate(
            &app,
            "postInvoice",
            "InvoiceIdInput",
            json!({ "id": id }),
            INVOICE,
        )
    }))
    .await;
    let mut numbers: Vec<String> = posted
        .iter()
        .map(|p| {
            assert_eq!(p["userErrors"], json!([]), "{p}");
            text(&p["invoice"]["number"]).to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=6).map(|n| format!("INV/2026/{n:04}")).collect();
    assert_eq!(numbers, expected);
    // 100 + 200 + ... + 600 = 2,100.00 on the customers' account.
    let (trial, _) = balances(&app, "").await;
    assert_eq!(trial["411000"], "2100.00");
}

#[tokio::test]
async fn a_reference_belongs_to_one_product_at_a_time() {
    let app = TestApp::new().await;
    configure(
        &app,
        "installModule",
        "InstallModuleInput",
        json!({ "name": "product" }),
    )
    .await;
    let create = |reference: &'static str| {
        mutate(
            &app,
            "createProduct",
            "CreateProductInput",
            json!({ "reference": reference, "name": reference, "kind": "CONSUMABLE" }),
            "product { id reference }",
        )
    };
    let a = create("A-1").await;
    let before = app.event_count().await;
    let again = create("A-1").await;
    assert_eq!(again["userErrors"][0]["code"], "ALREADY_EXISTS", "{again}");
    assert_eq!(
        again["userErrors"][0]["field"],
        json!(["input", "reference"])
    );
    assert_eq!(app.event_count().await, before);
    // A takes a new reference; its old one is free again.
    let moved = must(
        &app,
        "updateProduct",
        "UpdateProductInput",
        json!({ "id": a["product"]["id"], "reference": "A-2" }),
        "product { reference version }",
    )
    .await;
    assert_eq!(moved["product"]["reference"], "A-2");
    let b = create("A-1").await;
    assert_eq!(b["userErrors"], json!([]), "{b}");
    let taken = mutate(
        &app,
        "updateProduct",
        "UpdateProductInput",
        json!({ "id": b["product"]["id"], "reference": "A-2" }),
        "product { reference }",
    )
    .await;
    assert_eq!(taken["userErrors"][0]["code"], "ALREADY_EXISTS", "{taken}");
    let bad = mutate(
        &app,
        "createProduct",
        "CreateProductInput",
        json!({ "reference": "X", "name": "X", "kind": "SERVICE", "salePrice": "-1", "cost": "0.00001" }),
        "product { id }",
    )
    .await;
    let fields: Vec<&Value> = bad["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["field"])
        .collect();
    assert_eq!(fields, [&json!(["input", "salePrice"])], "{bad}");
}

#[tokio::test]
async fn business_needs_its_rights_and_its_modules() {
    let app = TestApp::new().await;
    let refused = app
        .graphql_with(
            &app.admin_token,
            "{ trialBalance { totalBalance } }",
            json!({}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "MODULE_NOT_INSTALLED",
        "{refused}"
    );
    set_up_the_books(&app).await;
    let clerk = app.user("clerk", &["user"]).await;
    for query in [
        "{ trialBalance { totalBalance } }",
        "{ products { totalCount } }",
        "{ saleOrders { totalCount } }",
        "{ stockLevels { nodes { onHand } } }",
    ] {
        let answer = app.graphql_with(&clerk, query, json!({})).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{query}: {answer}"
        );
    }
    let create = app
        .graphql_with(
            &clerk,
            "mutation { createProduct(input: { reference: \"P\", name: \"P\", kind: SERVICE }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        create["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{create}"
    );
    configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "user", "model": "PRODUCT", "read": true }),
    )
    .await;
    let clerk = app.login("clerk", tests::USER_PASSWORD).await;
    let allowed = app
        .graphql_with(&clerk, "{ products { totalCount } }", json!({}))
        .await;
    assert_eq!(allowed["data"]["products"]["totalCount"], 0, "{allowed}");
}

#[tokio::test]
async fn a_payment_sent_twice_is_registered_once() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let customer = partner(&app, "Agrolait", true, false).await;
    let draft = must(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-10",
                "lines": [{ "description": "Consulting", "quantity": "1", "unitPrice": "100" }] }),
        "invoice { id }",
    )
    .await;
    let id = text(&draft["invoice"]["id"]).to_owned();
    // no tax given: the line has none.
    let posted = must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": id }),
        INVOICE,
    )
    .await;
    assert_eq!(text(&posted["invoice"]["total"]), "100.00");
    let payment = json!({ "id": "0196a0a0-0000-7000-8000-000000000001", "journal": "bank",
        "partner": customer, "date": "2026-11-20", "amount": "40",
        "allocations": [{ "invoice": id, "amount": "40" }] });
    let first = mutate(
        &app,
        "registerPayment",
        "RegisterPaymentInput",
        payment.clone(),
        "number",
    )
    .await;
    assert_eq!(first["userErrors"], json!([]), "{first}");
    let before = app.event_count().await;
    let second = mutate(
        &app,
        "registerPayment",
        "RegisterPaymentInput",
        payment,
        "number",
    )
    .await;
    assert_eq!(
        second["userErrors"][0]["code"], "ALREADY_EXISTS",
        "{second}"
    );
    assert_eq!(app.event_count().await, before);
    let invoice = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) { residual matches { amount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(text(&invoice["invoice"]["residual"]), "60.00");
    assert_eq!(
        invoice["invoice"]["matches"],
        json!([{ "amount": "40.00" }])
    );
}

#[tokio::test]
async fn an_order_is_cancelled_only_before_anything_leaves() {
    let app = TestApp::new().await;
    let (_, customer, desk) = a_shop_with(&app, "5").await;
    let lines = json!([{ "product": desk, "quantity": "2" }]);
    let quotation = must(
        &app,
        "createSaleOrder",
        "CreateOrderInput",
        json!({ "partner": customer, "date": "2026-11-05", "lines": lines }),
        ORDER,
    )
    .await;
    let cancelled = must(
        &app,
        "cancelOrder",
        "OrderIdInput",
        json!({ "id": quotation["order"]["id"] }),
        ORDER,
    )
    .await;
    assert_eq!(cancelled["order"]["state"], "CANCELLED");
    let confirmed = order(&app, "sale", &customer, "2026-11-05", lines).await;
    let id = text(&confirmed["id"]).to_owned();
    deliver(
        &app,
        &id,
        "2026-11-06",
        json!([{ "line": 0, "quantity": "1" }]),
    )
    .await;
    let refused = mutate(
        &app,
        "cancelOrder",
        "OrderIdInput",
        json!({ "id": id }),
        ORDER,
    )
    .await;
    assert_eq!(refused["userErrors"][0]["code"], "WRONG_STATE", "{refused}");
    // a draft invoice of the order, cancelled, gives back what it billed.
    let drafted = must(
        &app,
        "invoiceOrder",
        "InvoiceOrderInput",
        json!({ "id": id, "date": "2026-11-07" }),
        "invoice { id total }",
    )
    .await;
    assert_eq!(text(&drafted["invoice"]["total"]), "363.00"); // 1 delivered × 300 + 21 %
    must(
        &app,
        "cancelInvoice",
        "InvoiceIdInput",
        json!({ "id": drafted["invoice"]["id"] }),
        INVOICE,
    )
    .await;
    let again = must(
        &app,
        "invoiceOrder",
        "InvoiceOrderInput",
        json!({ "id": id, "date": "2026-11-08" }),
        "invoice { total }",
    )
    .await;
    assert_eq!(text(&again["invoice"]["total"]), "363.00");
}

#[tokio::test]
async fn a_manual_entry_sent_twice_is_posted_once_and_one_that_does_not_balance_never() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let entry = json!({ "id": "0196a0a0-0000-7000-8000-0000000000e1", "journal": "misc",
        "date": "2026-11-03", "reference": "Capital",
        "lines": [{ "account": "550000", "debit": "500" }, { "account": "100000", "credit": "500" }] });
    let first = must(
        &app,
        "postEntry",
        "PostEntryInput",
        entry.clone(),
        "entry { number }",
    )
    .await;
    assert_eq!(first["entry"]["number"], "MISC/2026/0001");
    let before = app.event_count().await;
    let again = mutate(
        &app,
        "postEntry",
        "PostEntryInput",
        entry,
        "entry { number }",
    )
    .await;
    assert_eq!(again["userErrors"][0]["code"], "ALREADY_EXISTS", "{again}");
    let unbalanced = mutate(
        &app,
        "postEntry",
        "PostEntryInput",
        json!({ "journal": "misc", "date": "2026-11-03",
                "lines": [{ "account": "550000", "debit": "500" }, { "account": "100000", "credit": "499.99" }] }),
        "entry { number }",
    )
    .await;
    assert_eq!(
        unbalanced["userErrors"][0]["code"], "UNBALANCED",
        "{unbalanced}"
    );
    assert_eq!(app.event_count().await, before);
    // the refused entry took no number: the next one is 0002.
    let next = must(
        &app,
        "postEntry",
        "PostEntryInput",
        json!({ "journal": "misc", "date": "2026-11-04",
                "lines": [{ "account": "550000", "debit": "1" }, { "account": "100000", "credit": "1" }] }),
        "entry { number }",
    )
    .await;
    assert_eq!(next["entry"]["number"], "MISC/2026/0002");
}

#[tokio::test]
async fn two_processes_posting_into_the_same_journal_keep_numbers_and_chains_whole() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let customer = partner(&app, "Agrolait", true, false).await;
    let mut drafts = Vec::new();
    for _ in 0..6 {
        let draft = must(
            &app,
            "createInvoice",
            "CreateInvoiceInput",
            json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-10",
                    "lines": [{ "description": "Consulting", "quantity": "1", "unitPrice": "100" }] }),
            "invoice { id }",
        )
        .await;
        drafts.push(uuid::Uuid::parse_str(text(&draft["invoice"]["id"])).unwrap());
    }
    let settings = std::sync::Arc::new(
        projections::configuration::current(&app.db.pool)
            .await
            .unwrap()
            .unwrap()
            .configuration
            .settings()
            .clone(),
    );
    // two buses, each with its own cache of aggregates, as two server processes have.
    let buses = [
        commands::CommandBus::new(app.db.pool.clone(), projections::Wake::default()),
        commands::CommandBus::new(app.db.pool.clone(), projections::Wake::default()),
    ];
    let context = commands::CommandContext::system("test");
    let mut numbers = Vec::new();
    for (n, id) in drafts.into_iter().enumerate() {
        // alternate: each bus's cached numbering and period are stale half the time.
        let bus = &buses[n % 2];
        let settings = settings.clone();
        let (number, _) = bus
            .run(&context, "PostInvoice", |work| {
                let settings = settings.clone();
                Box::pin(async move {
                    commands::business::post_invoice(work, &settings, id, None).await
                })
            })
            .await
            .unwrap();
        numbers.push(number);
    }
    let expected: Vec<String> = (1..=6).map(|n| format!("INV/2026/{n:04}")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(
        replay::verify::verify_log(&app.db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn a_sequence_shows_the_number_it_gives_next_and_is_never_set_below_one_given() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let customer = partner(&app, "Agrolait", true, false).await;
    let post_one = || async {
        let draft = must(
            &app,
            "createInvoice",
            "CreateInvoiceInput",
            json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-11-10",
                    "lines": [{ "description": "Consulting", "quantity": "1", "unitPrice": "100", "taxes": [] }] }),
            "invoice { id }",
        )
        .await;
        must(
            &app,
            "postInvoice",
            "InvoiceIdInput",
            json!({ "id": draft["invoice"]["id"] }),
            "invoice { number }",
        )
        .await["invoice"]["number"]
            .clone()
    };
    for _ in 0..3 {
        post_one().await;
    }
    // the books' invoice sequence: prefix INV/2026/, 4 digits; three invoices given.
    let read = "{ configuration { sequence(code: \"inv\") { nextNumber nextPreview } } }";
    let now = app.graphql(read, json!({})).await;
    assert_eq!(
        now["configuration"]["sequence"],
        json!({ "nextNumber": 4, "nextPreview": "INV/2026/0004" })
    );
    let set = |next: i64| {
        mutate(
            &app,
            "setSequence",
            "SetSequenceInput",
            json!({ "code": "inv", "name": "Customer invoices", "prefix": "INV/2026/",
                    "padding": 4, "nextNumber": next }),
            "configuration { version }",
        )
    };
    let before = app.event_count().await;
    let refused = set(3).await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "nextNumber"])
    );
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("up to 3"),
        "{refused}"
    );
    assert_eq!(app.event_count().await, before, "nothing written");
    let stage = must(
        &app,
        "createStage",
        "CreateStageInput",
        json!({ "name": "three invoices" }),
        "stage { position }",
    )
    .await;
    // set ahead, the next invoice takes it.
    assert_eq!(set(10).await["userErrors"], json!([]));
    assert_eq!(post_one().await, "INV/2026/0010");
    let after = app.graphql(read, json!({})).await;
    assert_eq!(
        after["configuration"]["sequence"],
        json!({ "nextNumber": 11, "nextPreview": "INV/2026/0011" })
    );
    // as it stood after the third invoice: the fourth came next.
    let then = app
        .graphql(
            "query($p: Int!) { configuration(asOf: { position: $p }) {
                sequence(code: \"inv\") { nextNumber nextPreview } } }",
            json!({ "p": stage["stage"]["position"] }),
        )
        .await;
    assert_eq!(
        then["configuration"]["sequence"],
        json!({ "nextNumber": 4, "nextPreview": "INV/2026/0004" })
    );
}

#[tokio::test]
async fn two_sequences_of_one_prefix_are_refused_so_no_number_is_given_twice() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let events = app.event_count().await;
    let twin = tests::books::mutate(
        &app,
        "setSequence",
        "SetSequenceInput",
        json!({ "code": "inv2", "name": "Invoices bis", "prefix": "INV/2026/", "padding": 4 }),
        "configuration { version }",
    )
    .await;
    assert_eq!(
        twin["userErrors"],
        json!([{ "field": ["input", "prefix"], "code": "ALREADY_EXISTS",
                 "message": "sequence 'inv' numbers with prefix 'INV/2026/' already: two sequences of one prefix would give the same numbers twice" }])
    );
    assert_eq!(app.event_count().await, events, "nothing written");
    // the sequence itself may be saved again with its prefix; another prefix is another's.
    for (code, prefix) in [("inv", "INV/2026/"), ("inv2", "INV2/2026/")] {
        tests::books::configure(
            &app,
            "setSequence",
            "SetSequenceInput",
            json!({ "code": code, "name": "Invoices", "prefix": prefix, "padding": 4 }),
        )
        .await;
    }
}

#[tokio::test]
async fn a_product_with_stock_on_hand_stays_stockable_until_counted_to_zero() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let desk = product(&app, "DESK", "STOCKABLE", "100", "40").await;
    let count = |counted: &'static str| json!({ "product": desk, "counted": counted, "date": "2026-03-02" });
    must(
        &app,
        "countStock",
        "CountStockInput",
        count("13"),
        "level { onHand }",
    )
    .await;
    let events = app.event_count().await;
    let to_service = json!({ "id": desk, "kind": "SERVICE" });
    let refused = mutate(
        &app,
        "updateProduct",
        "UpdateProductInput",
        to_service.clone(),
        "product { kind }",
    )
    .await;
    assert_eq!(refused["userErrors"][0]["code"], "IN_USE", "{refused}");
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "kind"]));
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("13 of it are on hand"),
        "{refused}"
    );
    assert_eq!(app.event_count().await, events, "nothing written");
    // its name still changes; counted to zero, it becomes a service.
    must(
        &app,
        "updateProduct",
        "UpdateProductInput",
        json!({ "id": desk, "name": "Desk (oak)" }),
        "product { kind }",
    )
    .await;
    must(
        &app,
        "countStock",
        "CountStockInput",
        count("0"),
        "level { onHand }",
    )
    .await;
    let service = must(
        &app,
        "updateProduct",
        "UpdateProductInput",
        to_service,
        "product { kind }",
    )
    .await;
    assert_eq!(service["product"]["kind"], "SERVICE");
}

#[tokio::test]
async fn a_delivery_dated_back_is_checked_against_that_day_past_a_stock_snapshot() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let customer = partner(&app, "Agrolait", true, false).await;
    let desk = product(&app, "DESK", "STOCKABLE", "100", "40").await;
    // 120 counts on the 10th (1, 2, 1, 2, ...): the stream passes a snapshot at its 100th move.
    for n in 0..120 {
        let counted = if n % 2 == 0 { "1" } else { "2" };
        must(
            &app,
            "countStock",
            "CountStockInput",
            json!({ "product": desk, "counted": counted, "date": "2026-03-10" }),
            "level { onHand }",
        )
        .await;
    }
    let snapshots: i64 = sqlx::query_scalar(
        "select count(*) from aggregate_snapshot where aggregate_type = 'Stock'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(snapshots, 1, "the stream was snapshotted");
    // 2 on hand today, none on the 5th: a delivery dated the 5th is refused, naming the day.
    let sale = order(
        &app,
        "sale",
        &customer,
        "2026-03-05",
        json!([{ "product": desk, "quantity": "1" }]),
    )
    .await;
    let id = sale["id"].as_str().unwrap();
    let early = deliver(
        &app,
        id,
        "2026-03-05",
        json!([{ "line": 0, "quantity": "1" }]),
    )
    .await;
    assert_eq!(
        early["userErrors"][0]["code"], "NOT_ENOUGH_STOCK",
        "{early}"
    );
    assert!(
        early["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only 0 on hand on 2026-03-05"),
        "{early}"
    );
    let later = deliver(
        &app,
        id,
        "2026-03-11",
        json!([{ "line": 0, "quantity": "1" }]),
    )
    .await;
    assert_eq!(later["userErrors"], json!([]), "{later}");
}

#[tokio::test]
async fn a_manual_entry_on_a_receivable_or_payable_account_is_refused() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let agrolait = partner(&app, "Agrolait", true, false).await;
    let before = app.event_count().await;
    for (account, line) in [("411000", 1), ("401000", 0)] {
        let mut lines = vec![
            json!({ "account": "550000", "debit": "1" }),
            json!({ "account": account, "credit": "1", "partner": agrolait }),
        ];
        lines.swap(0, 1 - line);
        let entry = mutate(
            &app,
            "postEntry",
            "PostEntryInput",
            json!({ "journal": "misc", "date": "2026-11-02", "lines": lines }),
            "entry { id }",
        )
        .await;
        assert_eq!(entry["userErrors"][0]["code"], "INVALID", "{entry}");
        assert_eq!(
            entry["userErrors"][0]["field"],
            json!(["input", "lines", line.to_string(), "account"]),
            "{entry}"
        );
    }
    assert_eq!(app.event_count().await, before, "nothing written");
}

#[tokio::test]
async fn an_account_with_entries_keeps_being_receivable_or_payable_or_not() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let supplier = partner(&app, "Wood Supplies", false, true).await;
    let desk = product(&app, "DESK", "SERVICE", "300", "120").await;
    // a bill: 600000 (expenses) and 401000 (payable) have items.
    let bill = must(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "VENDOR_BILL", "partner": supplier, "date": "2026-11-02",
                "lines": [{ "product": desk, "quantity": "1" }] }),
        "invoice { id }",
    )
    .await;
    must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": bill["invoice"]["id"] }),
        "invoice { id }",
    )
    .await;
    app.backend.catch_up(Duration::from_secs(10)).await.unwrap();
    let before = app.event_count().await;
    for (code, kind) in [("600000", "PAYABLE"), ("401000", "LIABILITY")] {
        let changed = mutate(
            &app,
            "setAccount",
            "SetAccountInput",
            json!({ "code": code, "name": "Changed", "kind": kind }),
            "configuration { version }",
        )
        .await;
        assert_eq!(changed["userErrors"][0]["code"], "IN_USE", "{changed}");
        assert_eq!(
            changed["userErrors"][0]["field"],
            json!(["input", "kind"]),
            "{changed}"
        );
    }
    assert_eq!(app.event_count().await, before, "nothing written");
    // an account without items changes its kind freely; one with items its name.
    for (code, name, kind) in [
        ("100000", "Capital", "RECEIVABLE"),
        ("600000", "Purchases of goods", "EXPENSE"),
    ] {
        must(
            &app,
            "setAccount",
            "SetAccountInput",
            json!({ "code": code, "name": name, "kind": kind }),
            "configuration { version }",
        )
        .await;
    }
}
