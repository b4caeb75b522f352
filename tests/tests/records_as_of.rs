//! Every record as it stood at any point of the log, and its history: an order's life from
//! quotation to payment, looked at step by step afterwards, as an auditor would. The expected
//! figures are worked out by hand; the points are read from the log with plain SQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::books::*;
use tests::TestApp;

/// The last position of the log: the point right after the command that wrote it.
async fn head(app: &TestApp) -> i64 {
    sqlx::query_scalar("select max(position) from events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

const ORDER_THEN: &str = "number state untaxed tax total deliveryStatus invoiceStatus
    partner { name } lines { quantity delivered invoiced product { salePrice } }
    invoices { state number total } history(first: 100) { totalCount edges { node { type } } }";

async fn order_at(app: &TestApp, id: &str, position: i64) -> Value {
    app.graphql(
        &format!(
            "query($id: ID!, $p: Int!) {{ order(id: $id, asOf: {{ position: $p }}) {{ {ORDER_THEN} }} }}"
        ),
        json!({ "id": id, "p": position }),
    )
    .await["order"]
        .clone()
}

const INVOICE_THEN: &str = "number state paymentState total residual partner { name }
    lines { quantity total } matches { amount } order { state invoiceStatus }
    history(first: 100) { totalCount }";

async fn invoice_at(app: &TestApp, id: &str, position: i64) -> Value {
    app.graphql(
        &format!(
            "query($id: ID!, $p: Int!) {{ invoice(id: $id, asOf: {{ position: $p }}) {{ {INVOICE_THEN} }} }}"
        ),
        json!({ "id": id, "p": position }),
    )
    .await["invoice"]
        .clone()
}

async fn product_at(app: &TestApp, id: &str, position: i64) -> Value {
    app.graphql(
        "query($id: ID!, $p: Int!) { product(id: $id, asOf: { position: $p }) {
            salePrice version history(first: 100) { totalCount }
            stock { onHand history(first: 100) { totalCount } } } }",
        json!({ "id": id, "p": position }),
    )
    .await["product"]
        .clone()
}

fn types(history: &Value) -> Vec<&str> {
    history["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| text(&e["node"]["type"]))
        .collect()
}

#[tokio::test]
async fn every_record_as_of_a_point_is_the_record_then_with_its_history_to_then() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let agrolait = partner(&app, "Agrolait", true, false).await;
    let widget = product(&app, "WIDGET", "STOCKABLE", "10", "6").await;
    let p_product = head(&app).await;
    must(
        &app,
        "updateProduct",
        "UpdateProductInput",
        json!({ "id": widget, "salePrice": "12" }),
        "product { id }",
    )
    .await;
    let p_price = head(&app).await;
    must(
        &app,
        "countStock",
        "CountStockInput",
        json!({ "product": widget, "counted": "5", "date": "2026-11-02" }),
        "",
    )
    .await;
    let p_counted = head(&app).await;

    // a quotation for 2 widgets at 12.00: 24.00 + 21 % (5.04) = 29.04.
    let created = must(
        &app,
        "createSaleOrder",
        "CreateOrderInput",
        json!({ "partner": agrolait, "date": "2026-11-03",
                "lines": [{ "product": widget, "quantity": "2" }] }),
        "order { id }",
    )
    .await;
    let order = text(&created["order"]["id"]).to_owned();
    let p_quoted = head(&app).await;
    // then 3 widgets: 36.00 + 7.56 = 43.56.
    must(
        &app,
        "updateOrderLines",
        "UpdateOrderLinesInput",
        json!({ "id": order, "lines": [{ "product": widget, "quantity": "3" }] }),
        "order { id }",
    )
    .await;
    let p_changed = head(&app).await;
    must(
        &app,
        "confirmOrder",
        "OrderIdInput",
        json!({ "id": order }),
        "order { id }",
    )
    .await;
    let p_confirmed = head(&app).await;
    let delivered = deliver(
        &app,
        &order,
        "2026-11-04",
        json!([{ "line": 0, "quantity": "3" }]),
    )
    .await;
    assert_eq!(delivered["userErrors"], json!([]), "{delivered}");
    let p_delivered = head(&app).await;
    let drafted = must(
        &app,
        "invoiceOrder",
        "InvoiceOrderInput",
        json!({ "id": order, "date": "2026-11-05" }),
        "invoice { id }",
    )
    .await;
    let invoice = text(&drafted["invoice"]["id"]).to_owned();
    let p_invoiced = head(&app).await;
    must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": invoice }),
        "invoice { id }",
    )
    .await;
    let p_posted = head(&app).await;
    let paid = pay(&app, &agrolait, "2026-11-20", "43.56", &invoice).await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    let p_paid = head(&app).await;
    // afterwards, the customer is renamed and the widget's price goes up.
    must(
        &app,
        "updatePartner",
        "UpdatePartnerInput",
        json!({ "id": agrolait, "name": "Agrolait SA" }),
        "partner { id }",
    )
    .await;
    must(
        &app,
        "updateProduct",
        "UpdateProductInput",
        json!({ "id": widget, "salePrice": "15" }),
        "product { id }",
    )
    .await;
    let events_before_looking = app.event_count().await;
    let order_now = app
        .graphql(
            &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_THEN} }} }}"),
            json!({ "id": order }),
        )
        .await["order"]
        .clone();

    // the order: nothing before it was created.
    assert_eq!(order_at(&app, &order, p_counted).await, Value::Null);
    let quoted = order_at(&app, &order, p_quoted).await;
    assert_eq!(
        (
            text(&quoted["state"]),
            text(&quoted["total"]),
            text(&quoted["lines"][0]["quantity"])
        ),
        ("DRAFT", "29.04", "2")
    );
    // what it points at stands where it stood then: the customer's old name, the price of then.
    assert_eq!(quoted["partner"]["name"], "Agrolait");
    assert_eq!(quoted["lines"][0]["product"]["salePrice"], "12");
    assert_eq!(types(&quoted["history"]), ["OrderCreated"]);
    let changed = order_at(&app, &order, p_changed).await;
    assert_eq!(
        (
            text(&changed["state"]),
            text(&changed["untaxed"]),
            text(&changed["tax"]),
            text(&changed["total"]),
            text(&changed["lines"][0]["quantity"])
        ),
        ("DRAFT", "36.00", "7.56", "43.56", "3")
    );
    let confirmed = order_at(&app, &order, p_confirmed).await;
    assert_eq!(
        (
            text(&confirmed["state"]),
            text(&confirmed["deliveryStatus"]),
            text(&confirmed["lines"][0]["delivered"])
        ),
        ("CONFIRMED", "NOTHING", "0")
    );
    let after_delivery = order_at(&app, &order, p_delivered).await;
    assert_eq!(
        (
            text(&after_delivery["deliveryStatus"]),
            text(&after_delivery["invoiceStatus"]),
            text(&after_delivery["lines"][0]["delivered"])
        ),
        ("FULL", "NOTHING", "3")
    );
    assert_eq!(after_delivery["invoices"], json!([]));
    let after_invoicing = order_at(&app, &order, p_invoiced).await;
    assert_eq!(after_invoicing["invoiceStatus"], "FULL");
    assert_eq!(
        after_invoicing["invoices"],
        json!([{ "state": "DRAFT", "number": null, "total": "43.56" }])
    );
    assert_eq!(
        types(&after_invoicing["history"]),
        [
            "OrderCreated",
            "OrderLinesReplaced",
            "OrderConfirmed",
            "OrderDelivered",
            "OrderInvoiced"
        ]
    );
    // now: the new name and price, the posted invoice; and looking back changed nothing.
    assert_eq!(order_now["partner"]["name"], "Agrolait SA");
    assert_eq!(order_now["lines"][0]["product"]["salePrice"], "15");
    assert_eq!(
        order_now["invoices"],
        json!([{ "state": "POSTED", "number": "INV/2026/0001", "total": "43.56" }])
    );
    assert_eq!(order_at(&app, &order, p_paid + 1000).await, order_now);

    // the invoice: drafted, posted, paid.
    assert_eq!(invoice_at(&app, &invoice, p_delivered).await, Value::Null);
    let draft = invoice_at(&app, &invoice, p_invoiced).await;
    assert_eq!(
        (
            &draft["number"],
            text(&draft["state"]),
            text(&draft["residual"]),
            text(&draft["lines"][0]["total"]),
            text(&draft["order"]["invoiceStatus"]),
            text(&draft["partner"]["name"])
        ),
        (&Value::Null, "DRAFT", "43.56", "43.56", "FULL", "Agrolait")
    );
    assert_eq!(draft["history"]["totalCount"], 1);
    let posted = invoice_at(&app, &invoice, p_posted).await;
    assert_eq!(
        (
            text(&posted["number"]),
            text(&posted["paymentState"]),
            text(&posted["residual"])
        ),
        ("INV/2026/0001", "NOT_PAID", "43.56")
    );
    assert_eq!(posted["matches"], json!([]));
    assert_eq!(posted["history"]["totalCount"], 2);
    let settled = invoice_at(&app, &invoice, p_paid).await;
    assert_eq!(
        (text(&settled["paymentState"]), text(&settled["residual"])),
        ("PAID", "0.00")
    );
    assert_eq!(settled["matches"], json!([{ "amount": "43.56" }]));

    // the payment, a journal entry: not there before it was registered; its history is its
    // posting and what it paid.
    let bank = app
        .graphql(
            "{ journalEntries(where: { journal: \"bank\" }) { nodes { id amount } } }",
            json!({}),
        )
        .await["journalEntries"]["nodes"]
        .clone();
    let payment = text(&bank[0]["id"]).to_owned();
    let entry_at = |position: i64| {
        let (app, payment) = (&app, payment.clone());
        async move {
            app.graphql(
                "query($id: ID!, $p: Int!) { journalEntry(id: $id, asOf: { position: $p }) {
                    amount lines { debit credit } history(first: 10) { edges { node { type } } } } }",
                json!({ "id": payment, "p": position }),
            )
            .await["journalEntry"]
                .clone()
        }
    };
    assert_eq!(entry_at(p_posted).await, Value::Null);
    let payment_then = entry_at(p_paid).await;
    assert_eq!(payment_then["amount"], "43.56");
    assert_eq!(
        types(&payment_then["history"]),
        // one transaction: the match is written first
        ["InvoiceMatched", "EntryPosted"]
    );

    // the product, and its stock: 5 counted, 3 delivered.
    let first = product_at(&app, &widget, p_product).await;
    assert_eq!(
        (text(&first["salePrice"]), &first["version"]),
        ("10", &json!(1))
    );
    assert_eq!(first["stock"]["onHand"], "0");
    let repriced = product_at(&app, &widget, p_price).await;
    assert_eq!(repriced["salePrice"], "12");
    assert_eq!(repriced["history"]["totalCount"], 2);
    let counted = product_at(&app, &widget, p_counted).await;
    assert_eq!(counted["stock"]["onHand"], "5");
    assert_eq!(counted["stock"]["history"]["totalCount"], 1);
    assert_eq!(
        product_at(&app, &widget, p_confirmed).await["stock"]["onHand"],
        "5"
    );
    let shipped = product_at(&app, &widget, p_delivered).await;
    assert_eq!(shipped["stock"]["onHand"], "2");
    assert_eq!(shipped["stock"]["history"]["totalCount"], 2);
    assert_eq!(shipped["history"]["totalCount"], 2);

    // by time, too: the order as of the moment it was confirmed.
    let confirmed_at: String = sqlx::query_scalar(
        "select to_char(recorded_at at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
           from events where position = $1",
    )
    .bind(p_confirmed)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let by_time = app
        .graphql(
            "query($id: ID!, $t: DateTime!) { order(id: $id, asOf: { time: $t }) { state deliveryStatus } }",
            json!({ "id": order, "t": confirmed_at }),
        )
        .await;
    assert_eq!(
        by_time["order"],
        json!({ "state": "CONFIRMED", "deliveryStatus": "NOTHING" })
    );

    // looking back wrote nothing, and the read models still show today.
    assert_eq!(app.event_count().await, events_before_looking);
    let now_again = app
        .graphql(
            &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_THEN} }} }}"),
            json!({ "id": order }),
        )
        .await["order"]
        .clone();
    assert_eq!(now_again, order_now);
}

#[tokio::test]
async fn a_partners_history_includes_its_documents_when_asked() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let agrolait = partner(&app, "Agrolait", true, false).await;
    let other = partner(&app, "Camptocamp", true, false).await;
    let chair = product(&app, "CHAIR", "CONSUMABLE", "80", "40").await;
    // 1 chair at 80.00 + 21 %: 96.80.
    let ordered = order(
        &app,
        "sale",
        &agrolait,
        "2026-11-03",
        json!([{ "product": chair, "quantity": "1" }]),
    )
    .await;
    let order_id = text(&ordered["id"]).to_owned();
    let shipped = deliver(
        &app,
        &order_id,
        "2026-11-04",
        json!([{ "line": 0, "quantity": "1" }]),
    )
    .await;
    assert_eq!(shipped["userErrors"], json!([]), "{shipped}");
    let invoice = invoice_and_post(&app, &order_id, "2026-11-05").await;
    assert_eq!(invoice["total"], "96.80");
    let paid = pay(&app, &agrolait, "2026-11-20", "96.80", text(&invoice["id"])).await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    // another customer's order is not Agrolait's history.
    order(
        &app,
        "sale",
        &other,
        "2026-11-06",
        json!([{ "product": chair, "quantity": "2" }]),
    )
    .await;

    let history = |documents: bool| {
        let (app, id) = (&app, agrolait.clone());
        async move {
            app.graphql(
                "query($id: ID!, $d: Boolean!) { partner(id: $id) { history(first: 100, includeDocuments: $d) {
                    totalCount edges { node { type aggregateType position } } } } }",
                json!({ "id": id, "d": documents }),
            )
            .await["partner"]["history"]
                .clone()
        }
    };
    let own = history(false).await;
    assert_eq!(types(&own), ["PartnerCreated"]);
    let all = history(true).await;
    assert_eq!(
        types(&all),
        [
            "PartnerCreated",
            "OrderCreated",
            "OrderConfirmed",
            "OrderDelivered",
            // invoicing the order: one transaction, the order's event first
            "OrderInvoiced",
            "InvoiceDrafted",
            "InvoicePosted",
            "EntryPosted",
            // the payment: one transaction, the match first
            "InvoiceMatched",
            "EntryPosted"
        ],
        "{all}"
    );
    assert_eq!(all["totalCount"], 10);
    let positions: Vec<i64> = all["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");

    // pages follow one another without a gap or a repeat.
    let first_page = app
        .graphql(
            "query($id: ID!) { partner(id: $id) { history(first: 4, includeDocuments: true) {
                pageInfo { endCursor hasNextPage } edges { node { position } } } } }",
            json!({ "id": agrolait }),
        )
        .await["partner"]["history"]
        .clone();
    assert_eq!(first_page["pageInfo"]["hasNextPage"], true);
    let rest = app
        .graphql(
            "query($id: ID!, $after: String) { partner(id: $id) { history(first: 100, after: $after, includeDocuments: true) {
                edges { node { position } } } } }",
            json!({ "id": agrolait, "after": first_page["pageInfo"]["endCursor"] }),
        )
        .await["partner"]["history"]["edges"]
        .clone();
    let paged: Vec<i64> = first_page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest.as_array().unwrap())
        .map(|e| e["node"]["position"].as_i64().unwrap())
        .collect();
    assert_eq!(paged, positions);

    // someone who may read partners but not the books is refused the documents, not shown less.
    let clerk = app.user("clerk", &["user"]).await;
    let refused = app
        .graphql_with(
            &clerk,
            "query($id: ID!) { partner(id: $id) { history(first: 10, includeDocuments: true) { totalCount } } }",
            json!({ "id": agrolait }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}

#[tokio::test]
async fn a_users_history_hides_password_hashes() {
    let app = TestApp::new().await;
    app.user("carol", &["user"]).await;
    let data = app
        .graphql(
            "{ users { edges { node { login history(first: 10) { edges { node { type payload } } } } } } }",
            json!({}),
        )
        .await;
    let carol = data["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["login"] == "carol")
        .unwrap()["node"]
        .clone();
    let history = &carol["history"];
    assert_eq!(types(history)[0], "UserCreated");
    let created = &history["edges"][0]["node"]["payload"]["UserCreated"];
    assert_eq!(created["login"], "carol");
    assert_eq!(created["password_hash"], "[redacted]", "{created}");
}

#[tokio::test]
async fn each_event_of_a_history_names_the_point_that_shows_what_its_command_left() {
    let app = TestApp::new().await;
    let (_, _, _, invoice) = a_billed_order(&app, "1").await;
    let id = text(&invoice["id"]).to_owned();
    let history = app
        .graphql(
            "query($id: ID!) { invoice(id: $id) {
                history(first: 20) { nodes { position asOf type } } } }",
            json!({ "id": id }),
        )
        .await["invoice"]["history"]["nodes"]
        .clone();
    let events = history.as_array().unwrap().clone();
    let posted = events
        .iter()
        .find(|e| e["type"] == "InvoicePosted")
        .unwrap_or_else(|| panic!("{history}"));
    // posting writes the invoice's event and then its journal entry's, in one command: the
    // point after the invoice's event alone is inside that command.
    assert!(
        posted["asOf"].as_i64() > posted["position"].as_i64(),
        "{history}"
    );
    let at = |position: &Value| {
        let app = &app;
        let id = id.clone();
        let position = position.clone();
        async move {
            app.graphql_with(
                &app.admin_token,
                "query($id: ID!, $p: Int!) { invoice(id: $id, asOf: { position: $p }) { state } }",
                json!({ "id": id, "p": position }),
            )
            .await
        }
    };
    let inside = at(&posted["position"]).await;
    assert!(
        inside["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("falls inside one transaction")),
        "{inside}"
    );
    // every event's point shows the record as its command left it.
    for event in &events {
        let then = at(&event["asOf"]).await;
        assert!(then.get("errors").is_none(), "{event}: {then}");
    }
    assert_eq!(
        at(&posted["asOf"]).await["data"]["invoice"]["state"],
        "POSTED"
    );
    let drafted = &events[0];
    assert_eq!(drafted["type"], "InvoiceDrafted");
    assert_eq!(
        at(&drafted["asOf"]).await["data"]["invoice"]["state"],
        "DRAFT"
    );
}
