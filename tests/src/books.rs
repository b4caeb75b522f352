//! The books of a small Belgian trading company, set up and worked through GraphQL only: what
//! the business tests share.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::rngs::StdRng;
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::TestApp;

/// Runs a mutation taking `$input: <type_>!` and returns its payload, with `fields` selected.
pub async fn mutate(app: &TestApp, name: &str, type_: &str, input: Value, fields: &str) -> Value {
    let data = app
        .graphql(
            &format!(
                "mutation($input: {type_}!) {{ {name}(input: $input) {{ {fields} userErrors {{ field message code }} }} }}"
            ),
            json!({ "input": input }),
        )
        .await;
    data[name].clone()
}

/// Like [`mutate`], and insists it went through.
pub async fn must(app: &TestApp, name: &str, type_: &str, input: Value, fields: &str) -> Value {
    let payload = mutate(app, name, type_, input.clone(), fields).await;
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "{name} {input} was refused: {payload}"
    );
    payload
}

pub async fn configure(app: &TestApp, name: &str, type_: &str, input: Value) {
    must(app, name, type_, input, "configuration { version }").await;
}

/// The configuration a small Belgian trading company starts with.
pub async fn set_up_the_books(app: &TestApp) {
    for module in ["sale", "purchase", "stock"] {
        configure(
            app,
            "installModule",
            "InstallModuleInput",
            json!({ "name": module }),
        )
        .await;
    }
    for (code, name, prefix) in [
        ("so", "Sales orders", "SO"),
        ("po", "Purchase orders", "PO"),
        ("inv", "Customer invoices", "INV/2026/"),
        ("bill", "Vendor bills", "BILL/2026/"),
        ("bnk", "Bank", "BNK/2026/"),
        ("misc", "Miscellaneous", "MISC/2026/"),
    ] {
        configure(
            app,
            "setSequence",
            "SetSequenceInput",
            json!({ "code": code, "name": name, "prefix": prefix, "padding": 4 }),
        )
        .await;
    }
    configure(
        app,
        "setTax",
        "SetTaxInput",
        json!({ "code": "vat21", "name": "VAT 21%", "rate": "21" }),
    )
    .await;
    for (code, name, kind) in [
        ("100000", "Capital", "EQUITY"),
        ("401000", "Suppliers", "PAYABLE"),
        ("411000", "Customers", "RECEIVABLE"),
        ("411100", "VAT deductible", "ASSET"),
        ("451000", "VAT collected", "LIABILITY"),
        ("550000", "Bank", "BANK"),
        ("600000", "Purchases", "EXPENSE"),
        ("700000", "Sales", "INCOME"),
    ] {
        configure(
            app,
            "setAccount",
            "SetAccountInput",
            json!({ "code": code, "name": name, "kind": kind }),
        )
        .await;
    }
    for (code, name, kind, sequence, account) in [
        ("sales", "Sales", "SALE", "inv", None),
        ("purchases", "Purchases", "PURCHASE", "bill", None),
        ("bank", "Bank", "BANK", "bnk", Some("550000")),
        ("misc", "Miscellaneous", "GENERAL", "misc", None),
    ] {
        configure(
            app,
            "setJournal",
            "SetJournalInput",
            json!({ "code": code, "name": name, "kind": kind, "sequence": sequence, "account": account }),
        )
        .await;
    }
    configure(
        app,
        "setBusinessSettings",
        "BusinessSettingsInput",
        json!({
            "receivableAccount": "411000", "payableAccount": "401000",
            "incomeAccount": "700000", "expenseAccount": "600000",
            "taxCollectedAccount": "451000", "taxDeductibleAccount": "411100",
            "saleJournal": "sales", "purchaseJournal": "purchases", "generalJournal": "misc",
            "saleOrderSequence": "so", "purchaseOrderSequence": "po",
            "invoicePolicy": "DELIVERED", "allowNegativeStock": false, "paymentDays": 30
        }),
    )
    .await;
}

pub async fn partner(app: &TestApp, name: &str, customer: bool, supplier: bool) -> String {
    let payload = must(
        app,
        "createPartner",
        "CreatePartnerInput",
        json!({ "name": name, "isCustomer": customer, "isSupplier": supplier }),
        "partner { id }",
    )
    .await;
    payload["partner"]["id"].as_str().unwrap().to_owned()
}

pub async fn product(
    app: &TestApp,
    reference: &str,
    kind: &str,
    price: &str,
    cost: &str,
) -> String {
    let payload = must(
        app,
        "createProduct",
        "CreateProductInput",
        json!({ "reference": reference, "name": reference, "kind": kind,
                "salePrice": price, "cost": cost, "taxes": ["vat21"] }),
        "product { id }",
    )
    .await;
    payload["product"]["id"].as_str().unwrap().to_owned()
}

pub const ORDER: &str = "order { id number state untaxed tax total deliveryStatus invoiceStatus
    lines { line quantity delivered invoiced untaxed tax total } }";
pub const INVOICE: &str =
    "invoice { id number state paymentState untaxed tax total residual dueDate }";

pub async fn order(app: &TestApp, side: &str, partner: &str, date: &str, lines: Value) -> Value {
    let name = if side == "sale" {
        "createSaleOrder"
    } else {
        "createPurchaseOrder"
    };
    let created = must(
        app,
        name,
        "CreateOrderInput",
        json!({ "partner": partner, "date": date, "lines": lines }),
        ORDER,
    )
    .await;
    let id = created["order"]["id"].as_str().unwrap().to_owned();
    must(
        app,
        "confirmOrder",
        "OrderIdInput",
        json!({ "id": id }),
        ORDER,
    )
    .await["order"]
        .clone()
}

pub async fn deliver(app: &TestApp, order: &str, date: &str, lines: Value) -> Value {
    mutate(
        app,
        "deliverOrder",
        "DeliverOrderInput",
        json!({ "id": order, "date": date, "lines": lines }),
        ORDER,
    )
    .await
}

/// Invoices an order at `date` and posts the invoice; returns the posted invoice.
pub async fn invoice_and_post(app: &TestApp, order: &str, date: &str) -> Value {
    let drafted = must(
        app,
        "invoiceOrder",
        "InvoiceOrderInput",
        json!({ "id": order, "date": date }),
        "invoice { id }",
    )
    .await;
    let id = drafted["invoice"]["id"].as_str().unwrap();
    must(
        app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": id }),
        INVOICE,
    )
    .await["invoice"]
        .clone()
}

/// A manual entry of 10.00 dated `date`: bank against capital. The payload.
pub async fn capital_entry(app: &TestApp, date: &str) -> Value {
    mutate(
        app,
        "postEntry",
        "PostEntryInput",
        json!({ "journal": "misc", "date": date, "lines": [
            { "account": "550000", "debit": "10" },
            { "account": "100000", "credit": "10" } ] }),
        "entry { id }",
    )
    .await
}

/// The books, a customer, a service at 50.00 (VAT 21%), and a confirmed sale order of
/// `quantity` of it, billed on 2026-11-03 and posted: (customer, service, order id, the posted
/// invoice).
pub async fn a_billed_order(app: &TestApp, quantity: &str) -> (String, String, String, Value) {
    set_up_the_books(app).await;
    let customer = partner(app, "Agrolait", true, false).await;
    let service = product(app, "SETUP", "SERVICE", "50", "0").await;
    let so = order(
        app,
        "sale",
        &customer,
        "2026-11-02",
        json!([{ "product": service, "quantity": quantity }]),
    )
    .await;
    let so = so["id"].as_str().unwrap().to_owned();
    let invoice = invoice_and_post(app, &so, "2026-11-03").await;
    (customer, service, so, invoice)
}

pub async fn pay(app: &TestApp, partner: &str, date: &str, amount: &str, invoice: &str) -> Value {
    mutate(
        app,
        "registerPayment",
        "RegisterPaymentInput",
        json!({ "journal": "bank", "partner": partner, "date": date, "amount": amount,
                "allocations": [{ "invoice": invoice, "amount": amount }] }),
        "number invoices { id residual paymentState }",
    )
    .await
}

/// The log's last position (0 before anything was written).
pub async fn position(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("select coalesce(max(position), 0) from events")
        .fetch_one(pool)
        .await
        .unwrap()
}

pub fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

fn date(rng: &mut StdRng) -> String {
    format!(
        "2026-{:02}-{:02}",
        rng.random_range(1..=6),
        rng.random_range(1..=28)
    )
}

/// Who and what the random histories of [`grow`] deal with: two customers, a supplier, two
/// products.
pub struct Cast {
    pub customers: [String; 2],
    pub supplier: String,
    pub products: [String; 2],
}

impl Cast {
    pub async fn new(app: &TestApp) -> Self {
        Cast {
            customers: [
                partner(app, "Agrolait", true, false).await,
                partner(app, "Camptocamp", true, false).await,
            ],
            supplier: partner(app, "Wood Corner", false, true).await,
            products: [
                product(app, "DESK", "CONSUMABLE", "300", "120").await,
                product(app, "FEE", "SERVICE", "45.50", "10").await,
            ],
        }
    }
}

/// A random history: invoices and bills posted on random days, some paid in part or whole.
pub async fn grow(app: &TestApp, cast: &Cast, rng: &mut StdRng, documents: usize) {
    let Cast {
        customers,
        supplier,
        products,
    } = cast;
    for _ in 0..documents {
        let bill = rng.random_bool(0.3);
        let partner = if bill {
            supplier.clone()
        } else {
            customers[rng.random_range(0..2)].clone()
        };
        let lines: Vec<Value> = (0..rng.random_range(1..=3))
            .map(|_| {
                json!({ "product": products[rng.random_range(0..2)],
                        "quantity": rng.random_range(1..=5).to_string() })
            })
            .collect();
        let day = date(rng);
        let drafted = must(
            app,
            "createInvoice",
            "CreateInvoiceInput",
            json!({ "kind": if bill { "VENDOR_BILL" } else { "CUSTOMER_INVOICE" },
                    "partner": partner, "date": day, "lines": lines }),
            "invoice { id }",
        )
        .await;
        let posted = must(
            app,
            "postInvoice",
            "InvoiceIdInput",
            json!({ "id": drafted["invoice"]["id"] }),
            INVOICE,
        )
        .await;
        if !bill && rng.random_bool(0.5) {
            let total: Decimal = text(&posted["invoice"]["total"]).parse().unwrap();
            let amount = if rng.random_bool(0.5) {
                total
            } else {
                (total / Decimal::from(3)).round_dp(2)
            };
            // paid on a day of its own, never before the invoice's (the ISO dates compare as
            // text).
            let paid_on = std::cmp::max(day.clone(), date(rng));
            must(
                app,
                "registerPayment",
                "RegisterPaymentInput",
                json!({ "journal": "bank", "partner": partner, "date": paid_on,
                        "amount": amount.to_string(),
                        "allocations": [{ "invoice": posted["invoice"]["id"], "amount": amount.to_string() }] }),
                "number",
            )
            .await;
        }
    }
}

/// The cells of each line of `csv` (RFC 4180: quoted cells, doubled quotes), the header left
/// out.
pub fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows.into_iter().skip(1).collect()
}

/// Checks that `csv`, a ledger export, says what `generalLedger` says over the same accounts
/// (all when empty) and dates: each account's opening balance, then its lines (number, date,
/// debit, credit, running balance), accounts in code order.
pub async fn assert_ledger_csv(
    app: &TestApp,
    csv: &str,
    accounts: &[&str],
    from: Option<&str>,
    to: Option<&str>,
) {
    let whole = app
        .graphql(
            "query($accounts: [String!], $from: NaiveDate, $to: NaiveDate) {
                generalLedger(accounts: $accounts, from: $from, to: $to) {
                    key name opening lines { number date debit credit balance } } }",
            json!({ "accounts": (!accounts.is_empty()).then_some(accounts),
                    "from": from, "to": to }),
        )
        .await;
    let mut expected = Vec::new();
    for account in whole["generalLedger"].as_array().unwrap() {
        let key = text(&account["key"]).to_owned();
        let name = text(&account["name"]).to_owned();
        expected.push(vec![
            key.clone(),
            name.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "Opening balance".to_owned(),
            String::new(),
            String::new(),
            text(&account["opening"]).to_owned(),
        ]);
        for line in account["lines"].as_array().unwrap() {
            expected.push(vec![
                key.clone(),
                name.clone(),
                text(&line["date"]).to_owned(),
                text(&line["number"]).to_owned(),
            ]);
            let last = expected.len() - 1;
            expected[last]
                .extend(["debit", "credit", "balance"].map(|f| text(&line[f]).to_owned()));
        }
    }
    // the export's journal, partner and label cells are not in the GraphQL lines asked for.
    let got: Vec<Vec<String>> = csv_rows(csv)
        .into_iter()
        .map(|row| {
            if row[6] == "Opening balance" {
                row[..10].to_vec()
            } else {
                [&row[0..4], &row[7..10]].concat()
            }
        })
        .collect();
    assert_eq!(got, expected);
    assert!(
        expected.len() > 1,
        "a ledger with nothing in it proves nothing"
    );
}
