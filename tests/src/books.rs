//! The books of a small Belgian trading company, set up and worked through GraphQL only: what
//! the business tests share.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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

pub fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}
