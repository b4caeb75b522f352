//! Record rules (issue 18): which orders users see and touch beyond their rights, as
//! configuration. Global rules restrict everyone; a user's group rules widen each other within
//! them; administrators are not restricted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::TestApp;

const SET_RULE: &str = "mutation($input: SetRecordRuleInput!) {
    setRecordRule(input: $input) { userErrors { field message code } } }";

/// Sends `query` as the holder of `token`.
async fn as_user(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql_with(token, query, variables).await
}

/// Creates a sales order for the holder of `token`; its id.
async fn order(app: &TestApp, token: &str, partner: &str, product: &str) -> String {
    let created = as_user(
        app,
        token,
        "mutation($partner: ID!, $product: ID!) {
            createSaleOrder(input: { partner: $partner, date: \"2026-03-02\",
                                     lines: [{ product: $product, quantity: \"1\" }] }) {
                order { id salesperson } userErrors { message } } }",
        json!({ "partner": partner, "product": product }),
    )
    .await;
    let order = &created["data"]["createSaleOrder"]["order"];
    assert!(order.is_object(), "{created}");
    order["id"].as_str().unwrap().to_owned()
}

/// Makes group `code` with the read, create and write rights on `models`.
async fn group_that_may(app: &TestApp, code: &str, name: &str, models: &[&str]) {
    tests::books::configure(
        app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": code, "name": name }),
    )
    .await;
    for model in models {
        tests::books::configure(
            app,
            "setAccess",
            "SetAccessInput",
            json!({ "group": code, "model": model, "read": true, "create": true, "write": true }),
        )
        .await;
    }
}

const CONFIRM: &str = "mutation($id: ID!) { confirmOrder(input: { id: $id }) {
    order { state } userErrors { field message code } } }";

#[tokio::test]
async fn record_rules_restrict_orders_everywhere_and_group_rules_widen_each_other() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    for (group, name) in [("sales", "Sales"), ("managers", "Sales managers")] {
        tests::books::configure(
            &app,
            "setGroup",
            "SetGroupInput",
            json!({ "code": group, "name": name }),
        )
        .await;
        for model in [
            "SALE_ORDER",
            "PURCHASE_ORDER",
            "INVOICE",
            "ACCOUNTING",
            "LOG",
            "PARTNER",
            "PRODUCT",
        ] {
            tests::books::configure(
                &app,
                "setAccess",
                "SetAccessInput",
                json!({ "group": group, "model": model, "read": true, "create": true, "write": true }),
            )
            .await;
        }
    }
    // salespeople see their own orders; managers every state; nobody but the administrators
    // sees a cancelled one.
    for rule in [
        json!({ "code": "own", "name": "Own orders", "model": "SALE_ORDER", "groups": ["sales"],
                "own": true }),
        json!({ "code": "all", "name": "Every order", "model": "SALE_ORDER", "groups": ["managers"],
                "states": ["draft", "confirmed", "cancelled"] }),
        json!({ "code": "live", "name": "Not cancelled", "model": "SALE_ORDER",
                "states": ["draft", "confirmed"] }),
    ] {
        let set = app.graphql(SET_RULE, json!({ "input": rule })).await;
        assert_eq!(set["setRecordRule"]["userErrors"], json!([]), "{set}");
    }
    let partner = tests::books::partner(&app, "Agrolait", true, false).await;
    let product = tests::books::product(&app, "CONSULT", "SERVICE", "100", "0").await;
    let ana = app.user("ana", &["sales"]).await;
    let bo = app.user("bo", &["sales"]).await;
    let max = app.user("max", &["sales", "managers"]).await;

    let anas = order(&app, &ana, &partner, &product).await;
    let cancelled = order(&app, &ana, &partner, &product).await;
    let bos = order(&app, &bo, &partner, &product).await;
    let cancel = as_user(
        &app,
        &ana,
        "mutation($id: ID!) { cancelOrder(input: { id: $id }) { order { state } userErrors { message } } }",
        json!({ "id": cancelled }),
    )
    .await;
    assert_eq!(
        cancel["data"]["cancelOrder"]["order"]["state"], "CANCELLED",
        "{cancel}"
    );
    for (token, order) in [(&ana, &anas), (&bo, &bos)] {
        let confirmed = as_user(&app, token, CONFIRM, json!({ "id": order })).await;
        assert_eq!(
            confirmed["data"]["confirmOrder"]["order"]["state"], "CONFIRMED",
            "{confirmed}"
        );
    }
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // lists, counts and cursors, page after page.
    let admin = app.admin_token.clone();
    for (token, expected) in [
        (&ana, vec![anas.clone()]),
        (&bo, vec![bos.clone()]),
        (&max, vec![anas.clone(), bos.clone()]),
        (&admin, vec![anas.clone(), cancelled.clone(), bos.clone()]),
    ] {
        let mut seen = vec![];
        let mut after: Option<String> = None;
        loop {
            let query = "query($after: String) { saleOrders(first: 1, after: $after) {
                totalCount nodes { id } pageInfo { hasNextPage endCursor } } }";
            let page = as_user(&app, token, query, json!({ "after": after })).await;
            let orders = &page["data"]["saleOrders"];
            assert_eq!(orders["totalCount"], expected.len(), "{page}");
            seen.extend(
                orders["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["id"].as_str().unwrap().to_owned()),
            );
            if orders["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = orders["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        let (mut seen, mut expected) = (seen, expected);
        seen.sort();
        expected.sort();
        assert_eq!(seen, expected);
    }

    // by id, now and as of a point: nothing, as for an id no order has.
    for query in [
        "query($id: ID!) { order(id: $id) { number salesperson } }",
        "query($id: ID!) { order(id: $id, asOf: { position: 1000000 }) { number salesperson } }",
    ] {
        let asked = as_user(&app, &ana, query, json!({ "id": bos })).await;
        assert_eq!(asked["data"]["order"], Value::Null, "{asked}");
        let asked = as_user(&app, &ana, query, json!({ "id": cancelled })).await;
        assert_eq!(asked["data"]["order"], Value::Null, "{asked}");
        let asked = as_user(&app, &max, query, json!({ "id": bos })).await;
        assert_eq!(asked["data"]["order"]["salesperson"], "bo", "{asked}");
    }

    // touching it: the answer for an order that does not exist, and nothing written.
    let events = app.event_count().await;
    let refused = as_user(&app, &ana, CONFIRM, json!({ "id": bos })).await;
    let nowhere = as_user(&app, &ana, CONFIRM, json!({ "id": uuid::Uuid::now_v7() })).await;
    assert_eq!(
        refused["data"]["confirmOrder"]["userErrors"][0]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(
        refused["data"]["confirmOrder"],
        nowhere["data"]["confirmOrder"]
    );
    assert_eq!(app.event_count().await, events);

    // the analysis counts what each may see: ana's confirmed order, or both.
    let analysis = "{ salesAnalysis(groupBy: MONTH) { key orders untaxed } }";
    for (token, orders, untaxed) in [(&ana, 1, "100.00"), (&max, 2, "200.00")] {
        let asked = as_user(&app, token, analysis, json!({})).await;
        assert_eq!(
            asked["data"]["salesAnalysis"],
            json!([{ "key": "2026-03", "orders": orders, "untaxed": untaxed }]),
            "{asked}"
        );
    }

    // the log: ana sees her order's creation and confirmation, not her cancelled order's
    // events nor bo's.
    let log = "{ log(where: { aggregateType: \"Order\" }, first: 100) {
        totalCount nodes { aggregateId } } }";
    let asked = as_user(&app, &ana, log, json!({})).await;
    assert_eq!(asked["data"]["log"]["totalCount"], 2, "{asked}");
    assert!(asked["data"]["log"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["aggregateId"] == anas.as_str()));
    // and a partner's history with its documents leaves out the orders she does not see.
    let history = "query($id: ID!) { partner(id: $id) {
        history(first: 100, includeDocuments: true) { nodes { aggregateId } } } }";
    let asked = as_user(&app, &admin, history, json!({ "id": partner })).await;
    let all = asked["data"]["partner"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .len();
    assert!(all > 0, "{asked}");
    for (token, hidden) in [(&ana, vec![&bos, &cancelled]), (&max, vec![&cancelled])] {
        let asked = as_user(&app, token, history, json!({ "id": partner })).await;
        let nodes = asked["data"]["partner"]["history"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{asked}"))
            .clone();
        assert!(nodes.len() < all);
        for id in hidden {
            assert!(
                nodes.iter().all(|n| n["aggregateId"] != id.as_str()),
                "{asked}"
            );
        }
    }

    // an invoice made of bo's order does not show ana the order through it.
    let invoiced = as_user(
        &app,
        &bo,
        "mutation($id: ID!) { invoiceOrder(input: { id: $id }) {
            invoice { id } userErrors { message } } }",
        json!({ "id": bos }),
    )
    .await;
    let invoice = invoiced["data"]["invoiceOrder"]["invoice"]["id"].clone();
    assert!(invoice.is_string(), "{invoiced}");
    let through = "query($id: ID!) { invoice(id: $id) { order { id } } }";
    let asked = as_user(&app, &ana, through, json!({ "id": invoice })).await;
    assert_eq!(asked["data"]["invoice"]["order"], Value::Null, "{asked}");
    let asked = as_user(&app, &max, through, json!({ "id": invoice })).await;
    assert_eq!(
        asked["data"]["invoice"]["order"]["id"],
        bos.as_str(),
        "{asked}"
    );

    // a rule that makes no sense is refused, and nothing is written.
    let events = app.event_count().await;
    for (rule, code) in [
        (
            json!({ "code": "x", "name": "X", "model": "PARTNER", "own": true }),
            "INVALID",
        ),
        (
            json!({ "code": "x", "name": "X", "model": "SALE_ORDER", "states": ["shipped"] }),
            "INVALID",
        ),
        (
            json!({ "code": "x", "name": "X", "model": "SALE_ORDER" }),
            "INVALID",
        ),
        (
            json!({ "code": "x", "name": "X", "model": "SALE_ORDER", "groups": ["nobody"],
                    "own": true }),
            "NOT_FOUND",
        ),
    ] {
        let refused = app.graphql(SET_RULE, json!({ "input": rule })).await;
        assert_eq!(
            refused["setRecordRule"]["userErrors"][0]["code"], code,
            "{rule}: {refused}"
        );
    }
    let removed = app
        .graphql(
            "mutation { removeGroup(input: { code: \"managers\" }) { userErrors { code message } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        removed["removeGroup"]["userErrors"][0]["code"], "IN_USE",
        "{removed}"
    );
    assert_eq!(app.event_count().await, events);

    // rules are configuration: removing one widens at once.
    let removed = app
        .graphql(
            "mutation { removeRecordRule(input: { code: \"own\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        removed["removeRecordRule"]["userErrors"],
        json!([]),
        "{removed}"
    );
    let asked = as_user(&app, &ana, "{ saleOrders { totalCount } }", json!({})).await;
    assert_eq!(asked["data"]["saleOrders"]["totalCount"], 2, "{asked}");
    let rules = app
        .graphql(
            "{ configuration { recordRules { nodes { code groups own states } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        rules["configuration"]["recordRules"]["nodes"],
        json!([
            { "code": "all", "groups": ["managers"], "own": false,
              "states": ["cancelled", "confirmed", "draft"] },
            { "code": "live", "groups": [], "own": false, "states": ["confirmed", "draft"] },
        ])
    );
}

/// Drafts an invoice to `partner` as the holder of `token`; its id.
async fn invoice(app: &TestApp, token: &str, partner: &str, price: &str) -> String {
    let created = as_user(
        app,
        token,
        "mutation($partner: ID!, $price: Decimal!) {
            createInvoice(input: { kind: CUSTOMER_INVOICE, partner: $partner, date: \"2026-03-02\",
                                   lines: [{ description: \"Advice\", quantity: \"1\", unitPrice: $price }] }) {
                invoice { id salesperson } userErrors { message } } }",
        json!({ "partner": partner, "price": price }),
    )
    .await;
    let invoice = &created["data"]["createInvoice"]["invoice"];
    assert!(invoice.is_object(), "{created}");
    invoice["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn record_rules_restrict_documents_too() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    group_that_may(
        &app,
        "sales",
        "Sales",
        &["SALE_ORDER", "INVOICE", "ACCOUNTING", "LOG", "PARTNER"],
    )
    .await;
    // a state an order has but a document has not is refused, and writes nothing.
    let events = app.event_count().await;
    let refused = app
        .graphql(
            SET_RULE,
            json!({ "input": { "code": "x", "name": "X", "model": "INVOICE", "states": ["confirmed"] } }),
        )
        .await;
    assert_eq!(
        refused["setRecordRule"]["userErrors"][0]["code"], "INVALID",
        "{refused}"
    );
    assert_eq!(app.event_count().await, events);
    let set = app
        .graphql(
            SET_RULE,
            json!({ "input": { "code": "own_docs", "name": "Own documents", "model": "INVOICE",
                               "groups": ["sales"], "own": true } }),
        )
        .await;
    assert_eq!(set["setRecordRule"]["userErrors"], json!([]), "{set}");
    let partner = tests::books::partner(&app, "Agrolait", true, false).await;
    let ana = app.user("ana", &["sales"]).await;
    let bo = app.user("bo", &["sales"]).await;
    let anas = invoice(&app, &ana, &partner, "100").await;
    let bos = invoice(&app, &bo, &partner, "200").await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // lists and counts, by id now and as of then, and the log.
    let admin = app.admin_token.clone();
    for (token, mine, theirs) in [(&ana, &anas, &bos), (&bo, &bos, &anas)] {
        let seen = as_user(
            &app,
            token,
            "query($mine: ID!, $theirs: ID!) {
                invoices(first: 10) { totalCount nodes { id salesperson } }
                mine: invoice(id: $mine) { id }
                theirs: invoice(id: $theirs) { id }
                then: invoice(id: $theirs, asOf: { time: \"2100-01-01T00:00:00Z\" }) { id }
                log(first: 100, where: { aggregateId: $theirs }) { totalCount } }",
            json!({ "mine": mine, "theirs": theirs }),
        )
        .await;
        let data = &seen["data"];
        assert_eq!(data["invoices"]["totalCount"], 1, "{seen}");
        assert_eq!(data["invoices"]["nodes"][0]["id"], json!(mine), "{seen}");
        assert_eq!(data["mine"]["id"], json!(mine), "{seen}");
        assert_eq!(data["theirs"], Value::Null, "{seen}");
        assert_eq!(data["then"], Value::Null, "{seen}");
        assert_eq!(data["log"]["totalCount"], 0, "{seen}");
    }
    let all = as_user(
        &app,
        &admin,
        "{ invoices(first: 10) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(all["data"]["invoices"]["totalCount"], 2, "{all}");

    // another's document is not posted, and nothing is written.
    let events = app.event_count().await;
    let post = as_user(
        &app,
        &ana,
        "mutation($id: ID!) { postInvoice(input: { id: $id }) { invoice { state } userErrors { code } } }",
        json!({ "id": bos }),
    )
    .await;
    assert_eq!(
        post["data"]["postInvoice"]["userErrors"][0]["code"], "NOT_FOUND",
        "{post}"
    );
    assert_eq!(app.event_count().await, events);
    let posted = as_user(
        &app,
        &bo,
        "mutation($id: ID!) { postInvoice(input: { id: $id }) { invoice { state } userErrors { code } } }",
        json!({ "id": bos }),
    )
    .await;
    assert_eq!(
        posted["data"]["postInvoice"]["invoice"]["state"], "POSTED",
        "{posted}"
    );

    // an order ana may see, invoiced by bo: its invoice is not among what ana sees of it.
    let product = tests::books::product(&app, "CHAIR", "CONSUMABLE", "100", "60").await;
    let sold = tests::books::order(
        &app,
        "sale",
        &partner,
        "2026-03-02",
        json!([{ "product": product, "quantity": "1" }]),
    )
    .await;
    let sold = sold["id"].as_str().unwrap().to_owned();
    let delivered = tests::books::deliver(
        &app,
        &sold,
        "2026-03-02",
        json!([{ "line": 0, "quantity": "1" }]),
    )
    .await;
    assert_eq!(delivered["userErrors"], json!([]), "{delivered}");
    let invoiced = as_user(
        &app,
        &bo,
        "mutation($id: ID!) { invoiceOrder(input: { id: $id }) { invoice { id salesperson } userErrors { message } } }",
        json!({ "id": sold }),
    )
    .await;
    assert_eq!(
        invoiced["data"]["invoiceOrder"]["invoice"]["salesperson"], "bo",
        "{invoiced}"
    );
    for (token, expected) in [(&ana, 0), (&bo, 1), (&admin, 1)] {
        let seen = as_user(
            &app,
            token,
            "query($id: ID!) { order(id: $id) { invoices { id } } }",
            json!({ "id": sold }),
        )
        .await;
        let invoices = seen["data"]["order"]["invoices"].as_array().unwrap();
        assert_eq!(invoices.len(), expected, "{seen}");
    }

    // a global rule on states narrows everyone but the administrators: posted ones only.
    let set = app
        .graphql(
            SET_RULE,
            json!({ "input": { "code": "posted", "name": "Posted documents", "model": "INVOICE",
                               "states": ["posted"] } }),
        )
        .await;
    assert_eq!(set["setRecordRule"]["userErrors"], json!([]), "{set}");
    for (token, expected) in [(&ana, 0), (&bo, 1), (&admin, 3)] {
        let seen = as_user(
            &app,
            token,
            "{ invoices(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
        assert_eq!(seen["data"]["invoices"]["totalCount"], expected, "{seen}");
    }
}

/// Creates a partner in `categories` as the administrator; its id.
async fn partner_in(app: &TestApp, name: &str, categories: &[&str]) -> String {
    let created = app
        .graphql(
            "mutation($input: CreatePartnerInput!) {
                createPartner(input: $input) { partner { id categories } userErrors { message } } }",
            json!({ "input": { "name": name, "isCustomer": true, "categories": categories } }),
        )
        .await;
    let partner = &created["createPartner"]["partner"];
    // the categories come back in code order, each once.
    let mut expected: Vec<&str> = categories.to_vec();
    expected.sort_unstable();
    expected.dedup();
    assert_eq!(partner["categories"], json!(expected), "{created}");
    partner["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn record_rules_by_partner_category_restrict_partners_and_their_documents() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    group_that_may(
        &app,
        "north",
        "North desk",
        &["SALE_ORDER", "INVOICE", "LOG", "PARTNER", "PRODUCT"],
    )
    .await;

    // rules that cannot be are refused, naming why, and write nothing.
    let events = app.event_count().await;
    for (input, says) in [
        (
            json!({ "code": "x", "name": "X", "model": "PARTNER", "own": true }),
            "categories",
        ),
        (
            json!({ "code": "x", "name": "X", "model": "PARTNER", "partnerCategories": [] }),
            "at least one category",
        ),
        (
            json!({ "code": "x", "name": "X", "model": "PARTNER", "partnerCategories": ["North!"] }),
            "not a code",
        ),
        (
            json!({ "code": "x", "name": "X", "model": "SALE_ORDER", "own": true,
                    "partnerCategories": ["north"] }),
            "one condition",
        ),
    ] {
        let refused = app.graphql(SET_RULE, json!({ "input": input })).await;
        let error = &refused["setRecordRule"]["userErrors"][0];
        assert_eq!(error["code"], "INVALID", "{refused}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{input}: {refused}"
        );
    }
    assert_eq!(app.event_count().await, events);

    for (code, model) in [
        ("north_partners", "PARTNER"),
        ("north_orders", "SALE_ORDER"),
        ("north_documents", "INVOICE"),
    ] {
        let set = app
            .graphql(
                SET_RULE,
                json!({ "input": { "code": code, "name": code, "model": model,
                                   "groups": ["north"], "partnerCategories": ["region.north"] } }),
            )
            .await;
        assert_eq!(set["setRecordRule"]["userErrors"], json!([]), "{set}");
    }
    let rules = app
        .graphql(
            "{ configuration { recordRules { nodes { code model partnerCategories states own } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        rules["configuration"]["recordRules"]["nodes"][2],
        json!({ "code": "north_partners", "model": "PARTNER",
                "partnerCategories": ["region.north"], "states": null, "own": false }),
        "{rules}"
    );

    let nord = partner_in(&app, "Nord", &["retail", "region.north", "retail"]).await;
    let sud = partner_in(&app, "Sud", &["region.south"]).await;
    let plain = partner_in(&app, "Plain", &[]).await;
    let product = tests::books::product(&app, "CONSULT", "SERVICE", "100", "0").await;
    let admin = app.admin_token.clone();
    let mut orders = vec![];
    let mut invoices = vec![];
    for partner in [&nord, &sud, &plain] {
        orders.push(order(&app, &admin, partner, &product).await);
        invoices.push(invoice(&app, &admin, partner, "100").await);
    }
    let nina = app.user("nina", &["north"]).await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // nina sees Nord, its order and its invoice; not Sud, nor Plain (in no category), however
    // she asks.
    let read = "query($nord: ID!, $sud: ID!) {
        partners(first: 10) { totalCount nodes { id } }
        retail: partners(first: 10, where: { category: \"retail\" }) { totalCount }
        nord: partner(id: $nord) { id categories }
        sud: partner(id: $sud) { id }
        sudThen: partner(id: $sud, asOf: { time: \"2100-01-01T00:00:00Z\" }) { id }
        saleOrders(first: 10) { totalCount nodes { partner { id } } }
        invoices(first: 10) { totalCount nodes { partner { id } } }
        sudLog: log(first: 10, where: { aggregateId: $sud }) { totalCount }
        nordLog: log(first: 10, where: { aggregateId: $nord }) { totalCount } }";
    let seen = as_user(&app, &nina, read, json!({ "nord": nord, "sud": sud })).await;
    let data = &seen["data"];
    assert_eq!(data["partners"]["totalCount"], 1, "{seen}");
    assert_eq!(data["partners"]["nodes"], json!([{ "id": nord }]), "{seen}");
    assert_eq!(data["retail"]["totalCount"], 1, "{seen}");
    assert_eq!(
        data["nord"],
        json!({ "id": nord, "categories": ["region.north", "retail"] })
    );
    assert_eq!(data["sud"], Value::Null, "{seen}");
    assert_eq!(data["sudThen"], Value::Null, "{seen}");
    assert_eq!(data["saleOrders"]["totalCount"], 1, "{seen}");
    assert_eq!(
        data["saleOrders"]["nodes"],
        json!([{ "partner": { "id": nord } }])
    );
    assert_eq!(data["invoices"]["totalCount"], 1, "{seen}");
    assert_eq!(
        data["invoices"]["nodes"],
        json!([{ "partner": { "id": nord } }])
    );
    assert_eq!(data["sudLog"]["totalCount"], 0, "{seen}");
    assert_eq!(data["nordLog"]["totalCount"], 1, "{seen}");
    // the administrator sees all three, and filters them by category.
    let all = app
        .graphql(
            "{ partners(first: 10) { totalCount }
               south: partners(first: 10, where: { category: \"region.south\" }) { nodes { name } }
               saleOrders(first: 10) { totalCount } invoices(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(all["partners"]["totalCount"], 3, "{all}");
    assert_eq!(all["south"]["nodes"], json!([{ "name": "Sud" }]), "{all}");
    assert_eq!(all["saleOrders"]["totalCount"], 3, "{all}");
    assert_eq!(all["invoices"]["totalCount"], 3, "{all}");

    // nothing of Sud's is touched through nina, nor used in her documents; nothing is written.
    let events = app.event_count().await;
    for (mutation, field) in [
        (
            "mutation($sud: ID!) { updatePartner(input: { id: $sud, name: \"Mine\" }) {
                userErrors { field code } } }",
            "updatePartner",
        ),
        (
            "mutation($sud: ID!) { createSaleOrder(input: { partner: $sud, lines: [] }) {
                userErrors { field code } } }",
            "createSaleOrder",
        ),
        (
            "mutation($sud: ID!) { createInvoice(input: { kind: CUSTOMER_INVOICE, partner: $sud,
                lines: [{ description: \"Advice\", quantity: \"1\", unitPrice: \"5\" }] }) {
                userErrors { field code } } }",
            "createInvoice",
        ),
    ] {
        let refused = as_user(&app, &nina, mutation, json!({ "sud": sud })).await;
        let error = &refused["data"][field]["userErrors"][0];
        assert_eq!(error["code"], "NOT_FOUND", "{refused}");
        assert!(error["field"].as_array().unwrap().len() == 2, "{refused}");
    }
    assert_eq!(app.event_count().await, events);

    // Sud moves north: nina sees it and its documents at once; as it stood before the move,
    // it was not hers to see.
    let before = app.event_count().await;
    let moved = app
        .graphql(
            "mutation($sud: ID!) { updatePartner(input: { id: $sud, categories: [\"region.north\"] }) {
                partner { categories } userErrors { message } } }",
            json!({ "sud": sud }),
        )
        .await;
    assert_eq!(
        moved["updatePartner"]["partner"]["categories"],
        json!(["region.north"]),
        "{moved}"
    );
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let seen = as_user(
        &app,
        &nina,
        "query($sud: ID!, $before: Int!) {
            partners(first: 10) { totalCount }
            sud: partner(id: $sud) { name }
            sudBefore: partner(id: $sud, asOf: { position: $before }) { name }
            saleOrders(first: 10) { totalCount } invoices(first: 10) { totalCount } }",
        json!({ "sud": sud, "before": before }),
    )
    .await;
    let data = &seen["data"];
    assert_eq!(data["partners"]["totalCount"], 2, "{seen}");
    assert_eq!(data["sud"]["name"], "Sud", "{seen}");
    assert_eq!(data["sudBefore"], Value::Null, "{seen}");
    assert_eq!(data["saleOrders"]["totalCount"], 2, "{seen}");
    assert_eq!(data["invoices"]["totalCount"], 2, "{seen}");
    // the administrator sees Sud as it stood before the move, in the south.
    let then = app
        .graphql(
            "query($sud: ID!, $before: Int!) {
                partner(id: $sud, asOf: { position: $before }) { categories } }",
            json!({ "sud": sud, "before": before }),
        )
        .await;
    assert_eq!(
        then["partner"]["categories"],
        json!(["region.south"]),
        "{then}"
    );
}

#[tokio::test]
async fn a_partners_history_with_its_documents_leaves_out_the_documents_rules_hide() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    group_that_may(
        &app,
        "sales",
        "Sales",
        &[
            "SALE_ORDER",
            "PURCHASE_ORDER",
            "INVOICE",
            "ACCOUNTING",
            "PARTNER",
        ],
    )
    .await;
    let set = app
        .graphql(
            SET_RULE,
            json!({ "input": { "code": "own_docs", "name": "Own documents", "model": "INVOICE",
                               "groups": ["sales"], "own": true } }),
        )
        .await;
    assert_eq!(set["setRecordRule"]["userErrors"], json!([]), "{set}");
    let partner = tests::books::partner(&app, "Agrolait", true, false).await;
    let ana = app.user("ana", &["sales"]).await;
    let admin = app.admin_token.clone();
    let hers = invoice(&app, &ana, &partner, "100").await;
    let hidden = invoice(&app, &admin, &partner, "200").await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let documents = async |token: &str| {
        let answer = as_user(
            &app,
            token,
            "query($id: ID!) { partner(id: $id) {
                history(first: 100, includeDocuments: true) { nodes { aggregateId } } } }",
            json!({ "id": partner }),
        )
        .await;
        answer["data"]["partner"]["history"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|n| n["aggregateId"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let seen = documents(&ana).await;
    assert!(seen.contains(&hers), "{seen:?}");
    assert!(!seen.contains(&hidden), "{seen:?}");
    assert!(documents(&admin).await.contains(&hidden));

    // a payment of the hidden document: ana may read the books, not that document's events.
    let posted = as_user(
        &app,
        &admin,
        "mutation($id: ID!) { postInvoice(input: { id: $id }) { invoice { total } userErrors { message } } }",
        json!({ "id": hidden }),
    )
    .await;
    let total = posted["data"]["postInvoice"]["invoice"]["total"].clone();
    let paid = as_user(
        &app,
        &admin,
        "mutation($partner: ID!, $invoice: ID!, $amount: Decimal!) { registerPayment(input: {
            journal: \"bank\", partner: $partner, amount: $amount,
            allocations: [{ invoice: $invoice, amount: $amount }] }) { payment { id } userErrors { message } } }",
        json!({ "partner": partner, "invoice": hidden, "amount": total }),
    )
    .await;
    let payment = paid["data"]["registerPayment"]["payment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{paid}"))
        .to_owned();
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let history = async |token: &str| {
        let answer = as_user(
            &app,
            token,
            "query($id: ID!) { journalEntry(id: $id) { history(first: 50) { nodes { aggregateId } } } }",
            json!({ "id": payment }),
        )
        .await;
        answer["data"]["journalEntry"]["history"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|n| n["aggregateId"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(!history(&ana).await.contains(&hidden));
    assert!(history(&admin).await.contains(&hidden));
}
