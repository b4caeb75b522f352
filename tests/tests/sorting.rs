//! Lists sorted as the client asks (`orderBy`), a page at a time: products, orders and
//! documents by any of their sortable columns, either way, with cursors that hold their place
//! in that order and are refused by the list sorted another way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_graphql::connection::{CursorType, OpaqueCursor};
use serde_json::{json, Value};
use tests::books::{must, order, partner, product, set_up_the_books};
use tests::{TestApp, ADMIN_PASSWORD};

/// Every node of `list` (a query field with its arguments, without `first`/`after`),
/// `fields` of each, read two at a time.
async fn walk(app: &TestApp, list: &str, fields: &str) -> Vec<Value> {
    walk_under(app, None, list, fields).await
}

/// The same, of a list of the configuration (`configuration { <list> }`).
async fn walk_configuration(app: &TestApp, list: &str, fields: &str) -> Vec<Value> {
    walk_under(app, Some("configuration"), list, fields).await
}

/// Every node of `list`, at the top of the query or under field `parent`, two at a time; the
/// total count it says checked against the nodes read.
async fn walk_under(app: &TestApp, parent: Option<&str>, list: &str, fields: &str) -> Vec<Value> {
    let field = list.split('(').next().unwrap();
    let mut after = Value::Null;
    let mut nodes = Vec::new();
    loop {
        let page = format!(
            "{field}(first: 2, after: $after, {args} {{
                totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }}",
            args = &list[field.len() + 1..],
        );
        let document = match parent {
            Some(parent) => format!("query($after: String) {{ {parent} {{ {page} }} }}"),
            None => format!("query($after: String) {{ {page} }}"),
        };
        let data = app.graphql(&document, json!({ "after": after })).await;
        let page = match parent {
            Some(parent) => &data[parent][field],
            None => &data[field],
        };
        nodes.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(page["totalCount"], json!(nodes.len()), "{list}");
            return nodes;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// The `key` of each of `nodes`, as text.
fn column(nodes: &[Value], key: &str) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n[key].as_str().map_or(n[key].to_string(), str::to_owned))
        .collect()
}

#[tokio::test]
async fn products_orders_and_documents_sort_by_any_sortable_column_either_way_across_pages() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    // references, names (the same as references here) and prices chosen so that each order
    // differs from the others.
    for (reference, kind, price, cost) in [
        ("desk", "STOCKABLE", "300", "120"),
        ("Chair", "STOCKABLE", "45.50", "20"),
        ("BOX", "CONSUMABLE", "1", "0.50"),
        ("fee", "SERVICE", "1000", "0"),
        ("Lamp", "CONSUMABLE", "45.5", "21"),
    ] {
        product(&app, reference, kind, price, cost).await;
    }
    let by_price = walk(
        &app,
        "products(orderBy: { field: SALE_PRICE, direction: DESC })",
        "reference salePrice",
    )
    .await;
    // 1000 > 300 > 45.50 = 45.5 (the tie broken by the id, either way) > 1.
    let references = column(&by_price, "reference");
    assert_eq!(references[..2], ["fee", "desk"]);
    let mut tied = references[2..4].to_vec();
    tied.sort();
    assert_eq!(tied, ["Chair", "Lamp"]);
    assert_eq!(references[4], "BOX");
    // by name without regard to case, and backwards.
    let by_name = walk(&app, "products(orderBy: { field: NAME })", "reference").await;
    assert_eq!(
        column(&by_name, "reference"),
        ["BOX", "Chair", "desk", "fee", "Lamp"]
    );
    let by_name_back = walk(
        &app,
        "products(orderBy: { field: REFERENCE, direction: DESC })",
        "reference",
    )
    .await;
    assert_eq!(
        column(&by_name_back, "reference"),
        ["Lamp", "fee", "desk", "Chair", "BOX"]
    );
    let by_cost = walk(&app, "products(orderBy: { field: COST })", "reference").await;
    assert_eq!(
        column(&by_cost, "reference"),
        ["fee", "BOX", "Chair", "Lamp", "desk"]
    );

    // orders: totals by hand (21 % VAT on every product): 2 desks 726.00, 1 fee 1210.00,
    // 10 boxes 12.10, 3 chairs 165.165 -> 165.17 (rounded per line: 136.50 + 28.67 = 165.17).
    let customer = partner(&app, "Agrolait", true, false).await;
    let ids = walk(&app, "products(orderBy: { field: NAME })", "id").await;
    let id = |reference: &str| {
        let at = column(&by_name, "reference")
            .iter()
            .position(|r| r == reference)
            .unwrap();
        ids[at]["id"].as_str().unwrap().to_owned()
    };
    for (date, reference, quantity) in [
        ("2026-03-02", "desk", "2"),
        ("2026-03-05", "fee", "1"),
        ("2026-03-01", "BOX", "10"),
        ("2026-03-04", "Chair", "3"),
    ] {
        order(
            &app,
            "sale",
            &customer,
            date,
            json!([{ "product": id(reference), "quantity": quantity }]),
        )
        .await;
    }
    let by_total = walk(&app, "saleOrders(orderBy: { field: TOTAL })", "date total").await;
    assert_eq!(
        column(&by_total, "date"),
        ["2026-03-01", "2026-03-04", "2026-03-02", "2026-03-05"],
        "{by_total:?}"
    );
    let by_date = walk(&app, "saleOrders(orderBy: { field: DATE })", "date").await;
    assert_eq!(
        column(&by_date, "date"),
        ["2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05"]
    );
    // without orderBy: newest first, as before.
    let newest = walk(&app, "saleOrders(where: {})", "date").await;
    assert_eq!(
        column(&newest, "date"),
        ["2026-03-05", "2026-03-04", "2026-03-02", "2026-03-01"]
    );

    // documents: the box's invoice posted first (so numbered first), dated after the desk's.
    for (date, reference, quantity) in [("2026-03-10", "BOX", "10"), ("2026-03-09", "desk", "2")] {
        let drafted = must(
            &app,
            "createInvoice",
            "CreateInvoiceInput",
            json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": date,
                    "lines": [{ "product": id(reference), "quantity": quantity }] }),
            "invoice { id }",
        )
        .await;
        must(
            &app,
            "postInvoice",
            "InvoiceIdInput",
            json!({ "id": drafted["invoice"]["id"] }),
            "invoice { id }",
        )
        .await;
    }
    let by_total = walk(
        &app,
        "invoices(orderBy: { field: TOTAL, direction: DESC })",
        "total",
    )
    .await;
    assert_eq!(column(&by_total, "total"), ["726.00", "12.10"]);
    let by_number = walk(&app, "invoices(orderBy: { field: NUMBER })", "total date").await;
    assert_eq!(column(&by_number, "date"), ["2026-03-10", "2026-03-09"]);
    let by_date = walk(&app, "invoices(orderBy: { field: DATE })", "date").await;
    assert_eq!(column(&by_date, "date"), ["2026-03-09", "2026-03-10"]);
}

#[tokio::test]
async fn a_cursor_holds_its_place_in_one_order_only_and_a_forged_one_is_refused() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    let token = app.login("admin", ADMIN_PASSWORD).await;
    for (reference, price) in [("A", "3"), ("B", "2"), ("C", "1")] {
        product(&app, reference, "SERVICE", price, "0").await;
    }
    let first = app
        .graphql(
            "{ products(first: 1, orderBy: { field: SALE_PRICE }) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = first["products"]["pageInfo"]["endCursor"].clone();
    // the list sorted the same way goes on after it.
    let next = app
        .graphql(
            "query($c: String) { products(first: 5, after: $c, orderBy: { field: SALE_PRICE }) {
                nodes { reference } } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(
        next["products"]["nodes"],
        json!([{ "reference": "B" }, { "reference": "A" }])
    );
    // sorted another way (another field, the other direction, none asked): refused.
    for order_by in [
        "orderBy: { field: NAME }",
        "orderBy: { field: SALE_PRICE, direction: DESC }",
        "",
    ] {
        let document = format!(
            "query($c: String) {{ products(first: 5, after: $c, {order_by}) {{ totalCount }} }}"
        );
        let answer = app
            .graphql_with(&token, &document, json!({ "c": cursor }))
            .await;
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "INVALID_CURSOR", "{answer}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("sorted another way"),
            "{answer}"
        );
    }
    // a cursor of our shape whose key no row of the list can have: refused, not a database error.
    for (list, table, sort, key) in [
        ("products", "product", "SALE_PRICE", "cheap"),
        ("saleOrders", "business_order", "DATE", "2026-02-30"),
        ("saleOrders", "business_order", "DATE", "0000-01-01"),
        ("invoices", "invoice", "TOTAL", "1e999999"),
        ("products", "product", "NAME", "a\u{0}b"),
    ] {
        let forged = OpaqueCursor(json!({ "t": table, "s": sort, "d": false, "k": key,
                                          "i": "00000000-0000-0000-0000-000000000000" }))
        .encode_cursor();
        let field = sort.to_owned();
        let document = format!(
            "query($c: String) {{ {list}(first: 5, after: $c, orderBy: {{ field: {field} }}) {{ totalCount }} }}"
        );
        let answer = app
            .graphql_with(&token, &document, json!({ "c": forged }))
            .await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{list} {key:?}: {answer}"
        );
    }
    // another list's cursor: refused, not read as a place in this one.
    let answer = app
        .graphql_with(
            &token,
            "query($c: String) { saleOrders(first: 5, after: $c, orderBy: { field: DATE }) { totalCount } }",
            json!({ "c": cursor }),
        )
        .await;
    let error = &answer["errors"][0];
    assert_eq!(error["extensions"]["code"], "INVALID_CURSOR", "{answer}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("another list's cursor"),
        "{answer}"
    );
}

#[tokio::test]
async fn configuration_lists_users_and_journal_entries_sort_too() {
    let app = TestApp::new().await;
    set_up_the_books(&app).await;
    // accounts by name without regard to case, both ways, across pages of two.
    let by_name = walk_configuration(&app, "accounts(orderBy: { field: NAME })", "code").await;
    let expected = [
        "550000", "100000", "411000", "600000", "700000", "401000", "451000", "411100",
    ];
    assert_eq!(column(&by_name, "code"), expected);
    let backwards = walk_configuration(
        &app,
        "accounts(orderBy: { field: NAME, direction: DESC })",
        "code",
    )
    .await;
    let mut reversed = expected.to_vec();
    reversed.reverse();
    assert_eq!(column(&backwards, "code"), reversed);
    // taxes by rate as numbers (as text, "21" would come before "6").
    for (code, name, rate) in [("vat6", "VAT 6%", "6"), ("vat0", "Exempt", "0")] {
        tests::books::configure(
            &app,
            "setTax",
            "SetTaxInput",
            json!({ "code": code, "name": name, "rate": rate }),
        )
        .await;
    }
    let by_rate = walk_configuration(&app, "taxes(orderBy: { field: RATE })", "code").await;
    assert_eq!(column(&by_rate, "code"), ["vat0", "vat6", "vat21"]);
    // a cursor of accounts by name is refused by the accounts by code.
    let first = app
        .graphql(
            "{ configuration { accounts(first: 1, orderBy: { field: NAME }) { pageInfo { endCursor } } } }",
            json!({}),
        )
        .await;
    let cursor = &first["configuration"]["accounts"]["pageInfo"]["endCursor"];
    let token = app.login("admin", ADMIN_PASSWORD).await;
    let refused = app
        .graphql_with(
            &token,
            "query($c: String) { configuration { accounts(first: 2, after: $c) { totalCount } } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
        "{refused}"
    );

    // users by name, inactive ones first.
    for login in ["zoe", "bob"] {
        app.user(login, &[]).await;
    }
    let zoe = app
        .graphql(
            "{ users(where: { search: \"zoe\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    app.graphql(
        "mutation($id: ID!) { deactivateUser(input: { id: $id }) { userErrors { message } } }",
        json!({ "id": zoe["users"]["nodes"][0]["id"] }),
    )
    .await;
    let by_name = walk(&app, "users(orderBy: { field: NAME })", "login").await;
    assert_eq!(column(&by_name, "login"), ["admin", "bob", "zoe"]);
    let by_activity = walk(&app, "users(orderBy: { field: ACTIVE })", "login active").await;
    assert_eq!(column(&by_activity, "login")[0], "zoe", "{by_activity:?}");

    // payments by amount: 10.00, 242.00 and 100.00 paid on one invoice of 363.00.
    let customer = partner(&app, "Agrolait", true, false).await;
    let desk = product(&app, "DESK", "CONSUMABLE", "300", "120").await;
    let drafted = must(
        &app,
        "createInvoice",
        "CreateInvoiceInput",
        json!({ "kind": "CUSTOMER_INVOICE", "partner": customer, "date": "2026-03-01",
                "lines": [{ "product": desk, "quantity": "1" }] }),
        "invoice { id }",
    )
    .await;
    let invoice = drafted["invoice"]["id"].as_str().unwrap().to_owned();
    must(
        &app,
        "postInvoice",
        "InvoiceIdInput",
        json!({ "id": invoice }),
        "invoice { id }",
    )
    .await;
    for (date, amount) in [
        ("2026-03-05", "10.00"),
        ("2026-03-02", "242.00"),
        ("2026-03-03", "100.00"),
    ] {
        tests::books::pay(&app, &customer, date, amount, &invoice).await;
    }
    let payments = |order: &str| {
        format!("journalEntries(where: {{ origin: PAYMENT }}, orderBy: {{ {order} }})")
    };
    let by_amount = walk(&app, &payments("field: AMOUNT, direction: DESC"), "amount").await;
    assert_eq!(column(&by_amount, "amount"), ["242.00", "100.00", "10.00"]);
    let by_date = walk(&app, &payments("field: DATE"), "date").await;
    assert_eq!(
        column(&by_date, "date"),
        ["2026-03-02", "2026-03-03", "2026-03-05"]
    );
}
