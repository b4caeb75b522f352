//! Several companies in one database (issue 18): companies as configuration, users who work in
//! some of them, and requests that name the company they work in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::{TestApp, USER_PASSWORD};

const SET_COMPANY: &str = "mutation($input: SetCompanyInput!) {
    setCompany(input: $input) { userErrors { field message code } } }";

const COMPANIES: &str = "{ configuration { companies { code name currency parent } } }";

async fn set_company(app: &TestApp, input: Value) -> Value {
    app.graphql(SET_COMPANY, json!({ "input": input })).await["setCompany"]["userErrors"].clone()
}

#[tokio::test]
async fn companies_are_configuration_with_parents_that_exist() {
    let app = TestApp::new().await;
    assert_eq!(
        set_company(
            &app,
            json!({ "code": "b", "name": "B Ltd", "parent": "main" })
        )
        .await,
        json!([])
    );
    let companies = app.graphql(COMPANIES, json!({})).await;
    assert_eq!(
        companies["configuration"]["companies"],
        json!([
            { "code": "b", "name": "B Ltd", "currency": "EUR", "parent": "main" },
            { "code": "main", "name": "My Company", "currency": "EUR", "parent": null },
        ])
    );

    let errors = set_company(
        &app,
        json!({ "code": "c", "name": "C", "parent": "nowhere" }),
    )
    .await;
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{errors}");
    assert_eq!(errors[0]["field"], json!(["input", "parent"]));
    let errors = set_company(&app, json!({ "code": "main", "parent": "b" })).await;
    assert_eq!(errors[0]["code"], "INVALID", "{errors}");
    let errors = set_company(&app, json!({ "code": "d" })).await;
    assert_eq!(errors[0]["code"], "REQUIRED", "{errors}");
    assert_eq!(errors[0]["field"], json!(["input", "name"]));
    let errors = set_company(&app, json!({ "code": "e", "name": "E", "currency": "XYZ" })).await;
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{errors}");
    // nothing refused was written.
    let companies = app.graphql(COMPANIES, json!({})).await;
    assert_eq!(
        companies["configuration"]["companies"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_user_works_in_their_companies_and_a_request_picks_one_of_them() {
    let app = TestApp::new().await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    let created = app
        .graphql(
            "mutation($input: CreateUserInput!) {
                createUser(input: $input) { user { companies company } userErrors { field code } } }",
            json!({ "input": {
                "login": "bea", "name": "Bea", "password": USER_PASSWORD, "groups": ["user"],
                "companies": ["b"]
            } }),
        )
        .await;
    assert_eq!(
        created["createUser"]["user"],
        json!({ "companies": ["b"], "company": "b" }),
        "{created}"
    );
    let bea = app.login("bea", USER_PASSWORD).await;
    let asked = app
        .graphql_with(&bea, "{ workingCompany }", json!({}))
        .await;
    assert_eq!(asked["data"]["workingCompany"], "b", "{asked}");
    let asked = as_user(&app, &bea, Some("b"), "{ workingCompany }", json!({})).await;
    assert_eq!(asked["data"]["workingCompany"], "b", "{asked}");
    // a company of others, and one that does not exist, get the same answer.
    // a header that is not plain ASCII is refused too, never taken as "no company named".
    for other in ["main", "nowhere", "nowhère"] {
        let refused = as_user(&app, &bea, Some(other), "{ workingCompany }", json!({})).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
        assert!(refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(other));
    }
    // an administrator may work in any company.
    let asked = as_user(
        &app,
        &app.admin_token,
        Some("b"),
        "{ workingCompany }",
        json!({}),
    )
    .await;
    assert_eq!(asked["data"]["workingCompany"], "b", "{asked}");

    // a current company that is not one of theirs is refused, and nothing changes.
    let update = "mutation($input: UpdateUserInput!) {
        updateUser(input: $input) { user { companies company } userErrors { field code } } }";
    let id = created_id(&app, "bea").await;
    let refused = app
        .graphql(update, json!({ "input": { "id": id, "company": "main" } }))
        .await;
    assert_eq!(
        refused["updateUser"]["userErrors"][0]["field"],
        json!(["input", "company"])
    );
    let refused = app
        .graphql(
            update,
            json!({ "input": { "id": id, "companies": ["zzz"] } }),
        )
        .await;
    assert_eq!(refused["updateUser"]["userErrors"][0]["code"], "NOT_FOUND");
    let both = app
        .graphql(
            update,
            json!({ "input": { "id": id, "companies": ["main", "b"] } }),
        )
        .await;
    assert_eq!(
        both["updateUser"]["user"],
        json!({ "companies": ["b", "main"], "company": "b" }),
        "{both}"
    );
    let asked = as_user(&app, &bea, Some("main"), "{ workingCompany }", json!({})).await;
    assert_eq!(asked["data"]["workingCompany"], "main", "{asked}");
}

async fn created_id(app: &TestApp, login: &str) -> String {
    let users = app
        .graphql(
            "query($search: String) { users(where: { search: $search }) { nodes { id login } } }",
            json!({ "search": login }),
        )
        .await;
    users["users"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_company_someone_works_in_or_consolidates_into_is_not_removed() {
    let app = TestApp::new().await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    set_company(&app, json!({ "code": "c", "name": "C Ltd", "parent": "b" })).await;
    let remove = "mutation($code: String!) {
        removeCompany(input: { code: $code }) { userErrors { field message code } } }";
    let refused = app.graphql(remove, json!({ "code": "b" })).await;
    assert_eq!(
        refused["removeCompany"]["userErrors"][0]["code"], "IN_USE",
        "{refused}"
    );
    let refused = app.graphql(remove, json!({ "code": "main" })).await;
    assert_eq!(
        refused["removeCompany"]["userErrors"][0]["code"], "RESERVED",
        "{refused}"
    );

    app.graphql(
        "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { code } } }",
        json!({ "input": {
            "login": "cy", "name": "Cy", "password": USER_PASSWORD, "companies": ["c"]
        } }),
    )
    .await;
    let refused = app.graphql(remove, json!({ "code": "c" })).await;
    let error = &refused["removeCompany"]["userErrors"][0];
    assert_eq!(error["code"], "IN_USE", "{refused}");
    assert!(
        error["message"].as_str().unwrap().contains("user 'cy'"),
        "{refused}"
    );

    let id = created_id(&app, "cy").await;
    app.graphql(
        "mutation($input: UpdateUserInput!) { updateUser(input: $input) { userErrors { code } } }",
        json!({ "input": { "id": id, "companies": ["main"] } }),
    )
    .await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let removed = app.graphql(remove, json!({ "code": "c" })).await;
    assert_eq!(
        removed["removeCompany"]["userErrors"],
        json!([]),
        "{removed}"
    );
    let removed = app.graphql(remove, json!({ "code": "b" })).await;
    assert_eq!(
        removed["removeCompany"]["userErrors"],
        json!([]),
        "{removed}"
    );
    let companies = app.graphql(COMPANIES, json!({})).await;
    assert_eq!(
        companies["configuration"]["companies"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn restoring_a_stage_from_before_a_company_removes_it_and_shows_in_the_diff() {
    let app = TestApp::new().await;
    app.graphql(
        "mutation { createStage(input: { name: \"one company\" }) { userErrors { message } } }",
        json!({}),
    )
    .await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    let diff = app
        .graphql(
            "{ stageDiff(from: \"one company\") { area key before after } }",
            json!({}),
        )
        .await;
    assert_eq!(
        diff["stageDiff"],
        json!([{ "area": "COMPANY", "key": "b", "before": null, "after": "B Ltd (EUR)" }]),
        "{diff}"
    );
    let restored = app
        .graphql(
            "mutation { restoreStage(input: { name: \"one company\" }) { userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        restored["restoreStage"]["userErrors"],
        json!([]),
        "{restored}"
    );
    let companies = app.graphql(COMPANIES, json!({})).await;
    assert_eq!(
        companies["configuration"]["companies"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{companies}"
    );
}

/// A group that may create, read and write sales orders and read partners and products.
async fn sales_group(app: &TestApp) {
    tests::books::configure(
        app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "sales", "name": "Sales" }),
    )
    .await;
    for (model, write) in [
        ("SALE_ORDER", true),
        ("PARTNER", false),
        ("PRODUCT", false),
        ("LOG", false),
    ] {
        tests::books::configure(
            app,
            "setAccess",
            "SetAccessInput",
            json!({ "group": "sales", "model": model, "read": true, "create": write, "write": write }),
        )
        .await;
    }
}

/// Creates user `login` in group `sales`, working in `companies`, and returns their token.
async fn seller(app: &TestApp, login: &str, companies: &[&str]) -> String {
    app.user_in(login, &["sales"], companies).await
}

/// Sends `query` with `variables` as the holder of `token`, in `company` if given.
async fn as_user(
    app: &TestApp,
    token: &str,
    company: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    app.graphql_in(token, company, query, variables).await
}

const CREATE_ORDER: &str = "mutation($partner: ID!, $product: ID!) {
    createSaleOrder(input: { partner: $partner, date: \"2026-03-02\",
                             lines: [{ product: $product, quantity: \"1\" }] }) {
        order { id company } userErrors { field code } } }";

#[tokio::test]
async fn orders_of_another_company_are_not_seen_counted_or_touched() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    sales_group(&app).await;
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let product = shared_product(&app, "CONSULT", "SERVICE", "100", "0").await;
    let ana = seller(&app, "ana", &["main"]).await;
    let bea = seller(&app, "bea", &["b"]).await;
    let both = seller(&app, "cy", &["main", "b"]).await;
    let ids = json!({ "partner": partner, "product": product });

    let order_of = |created: &Value| -> (String, String) {
        let order = &created["data"]["createSaleOrder"]["order"];
        assert!(order.is_object(), "{created}");
        (
            order["id"].as_str().unwrap().to_owned(),
            order["company"].as_str().unwrap().to_owned(),
        )
    };
    let (ana_order, company) =
        order_of(&as_user(&app, &ana, None, CREATE_ORDER, ids.clone()).await);
    assert_eq!(company, "main");
    let mut bea_orders = vec![];
    for _ in 0..2 {
        let (id, company) = order_of(&as_user(&app, &bea, None, CREATE_ORDER, ids.clone()).await);
        assert_eq!(company, "b");
        bea_orders.push(id);
    }
    // a user of both companies creates in the one the request names.
    let (_, company) = order_of(&as_user(&app, &both, Some("b"), CREATE_ORDER, ids.clone()).await);
    assert_eq!(company, "b");
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // lists and their counts: each user sees their companies' orders only, page after page.
    for (token, expected) in [
        (&ana, vec!["main"]),
        (&bea, vec!["b", "b", "b"]),
        (&both, vec!["b", "b", "b", "main"]),
    ] {
        let mut seen = vec![];
        let mut after: Option<String> = None;
        loop {
            let query = "query($after: String) { saleOrders(first: 1, after: $after) {
                totalCount nodes { company } pageInfo { hasNextPage endCursor } } }";
            let page = as_user(&app, token, None, query, json!({ "after": after })).await;
            let orders = &page["data"]["saleOrders"];
            assert_eq!(orders["totalCount"], expected.len(), "{page}");
            seen.extend(
                orders["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["company"].as_str().unwrap().to_owned()),
            );
            if orders["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = orders["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        seen.sort();
        assert_eq!(seen, expected);
    }

    // by id, now and as of a point: nothing, as for an id no order has.
    let by_id = "query($id: ID!) { order(id: $id) { number } }";
    let asked = as_user(&app, &ana, None, by_id, json!({ "id": bea_orders[0] })).await;
    assert_eq!(asked["data"]["order"], Value::Null, "{asked}");
    let as_of = "query($id: ID!) { order(id: $id, asOf: { position: 1000000 }) { number } }";
    let asked = as_user(&app, &ana, None, as_of, json!({ "id": bea_orders[0] })).await;
    assert_eq!(asked["data"]["order"], Value::Null, "{asked}");
    let asked = as_user(&app, &both, None, by_id, json!({ "id": bea_orders[0] })).await;
    assert!(asked["data"]["order"]["number"].is_string(), "{asked}");

    // touching it: the same answer as for an order that does not exist, and nothing written.
    let events = app.event_count().await;
    let confirm = "mutation($id: ID!) { confirmOrder(input: { id: $id }) {
        order { state } userErrors { field message code } } }";
    let refused = as_user(&app, &ana, None, confirm, json!({ "id": bea_orders[0] })).await;
    let nowhere = as_user(
        &app,
        &ana,
        None,
        confirm,
        json!({ "id": uuid::Uuid::now_v7() }),
    )
    .await;
    assert_eq!(
        refused["data"]["confirmOrder"]["userErrors"][0]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(
        refused["data"]["confirmOrder"],
        nowhere["data"]["confirmOrder"]
    );
    assert_eq!(app.event_count().await, events);
    let asked = as_user(&app, &bea, None, by_id, json!({ "id": ana_order })).await;
    assert_eq!(asked["data"]["order"], Value::Null, "{asked}");

    // the sales analysis counts the confirmed orders of the user's companies only.
    for (token, order) in [
        (&ana, &ana_order),
        (&bea, &bea_orders[0]),
        (&bea, &bea_orders[1]),
    ] {
        let confirmed = as_user(&app, token, None, confirm, json!({ "id": order })).await;
        assert_eq!(
            confirmed["data"]["confirmOrder"]["order"]["state"], "CONFIRMED",
            "{confirmed}"
        );
    }
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    // the log shows the events of the user's companies' orders only, and counts only them:
    // ana's order was created and confirmed; bea's two too, and cy made one in b.
    let log = "{ log(where: { aggregateType: \"Order\" }, first: 100) {
        totalCount nodes { aggregateId } } }";
    for (token, ids, events) in [
        (&ana, vec![ana_order.clone()], 2),
        (&bea, bea_orders.clone(), 5),
        (&both, vec![], 7),
    ] {
        let asked = as_user(&app, token, None, log, json!({})).await;
        let nodes = asked["data"]["log"]["nodes"].as_array().unwrap().clone();
        assert_eq!(asked["data"]["log"]["totalCount"], events, "{asked}");
        assert_eq!(nodes.len(), events);
        for id in ids {
            assert!(
                nodes.iter().any(|n| n["aggregateId"] == id.as_str()),
                "{asked}"
            );
        }
        if token == &ana {
            assert!(
                nodes.iter().all(|n| n["aggregateId"] == ana_order.as_str()),
                "{asked}"
            );
        }
    }

    let analysis = "{ salesAnalysis(groupBy: MONTH) { key orders } }";
    for (token, orders) in [(&ana, 1), (&bea, 2), (&both, 3)] {
        let asked = as_user(&app, token, None, analysis, json!({})).await;
        assert_eq!(
            asked["data"]["salesAnalysis"],
            json!([{ "key": "2026-03", "orders": orders }]),
            "{asked}"
        );
    }
}

/// A group that keeps the books: invoices (all rights but delete), the accounting reports, and
/// reading partners and products.
async fn accounting_group(app: &TestApp) {
    tests::books::configure(
        app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "books", "name": "Books" }),
    )
    .await;
    for (model, write) in [
        ("INVOICE", true),
        ("ACCOUNTING", true),
        ("PARTNER", false),
        ("PRODUCT", false),
    ] {
        tests::books::configure(
            app,
            "setAccess",
            "SetAccessInput",
            json!({ "group": "books", "model": model, "read": true, "create": write, "write": write }),
        )
        .await;
    }
}

async fn bookkeeper(app: &TestApp, login: &str, companies: &[&str]) -> String {
    app.user_in(login, &["books"], companies).await
}

/// A posted customer invoice of one line at `price` with 21 % VAT, made by the holder of
/// `token` in their company; its id and company.
async fn posted_invoice(
    app: &TestApp,
    token: &str,
    partner: &str,
    price: &str,
) -> (String, String) {
    posted_invoice_in(app, (token, None), partner, price).await
}

/// [`posted_invoice`], in `company` if given.
async fn posted_invoice_in(
    app: &TestApp,
    (token, company): (&str, Option<&str>),
    partner: &str,
    price: &str,
) -> (String, String) {
    let created = as_user(
        app,
        token,
        company,
        "mutation($partner: ID!, $price: Decimal!) {
            createInvoice(input: { kind: CUSTOMER_INVOICE, partner: $partner, date: \"2026-03-05\",
                lines: [{ description: \"Work\", quantity: \"1\", unitPrice: $price, taxes: [\"vat21\"] }] }) {
                invoice { id company } userErrors { field message } } }",
        json!({ "partner": partner, "price": price }),
    )
    .await;
    let invoice = &created["data"]["createInvoice"]["invoice"];
    assert!(invoice.is_object(), "{created}");
    let id = invoice["id"].as_str().unwrap().to_owned();
    let posted = as_user(
        app,
        token,
        company,
        "mutation($id: ID!) { postInvoice(input: { id: $id }) { userErrors { message } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        posted["data"]["postInvoice"]["userErrors"],
        json!([]),
        "{posted}"
    );
    (id, invoice["company"].as_str().unwrap().to_owned())
}

const BOOKS: &str = "{
    trialBalance { lines { account debit credit } totalDebit }
    agedBalance(kind: RECEIVABLE, date: \"2026-03-31\") { totals { total } }
    invoices { totalCount }
    journalEntries { totalCount nodes { company } }
    generalLedger(accounts: [\"411000\"]) { debit lines { number } }
}";

#[tokio::test]
async fn the_books_of_another_company_are_not_seen_and_a_user_of_both_sees_their_sum() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    accounting_group(&app).await;
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let bea = bookkeeper(&app, "bea", &["b"]).await;
    let both = bookkeeper(&app, "cy", &["main", "b"]).await;

    let (ana_invoice, company) = posted_invoice(&app, &ana, &partner, "100").await;
    assert_eq!(company, "main");
    let (bea_invoice, company) = posted_invoice(&app, &bea, &partner, "200").await;
    assert_eq!(company, "b");
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // worked out by hand: 100 + 21 % = 121 for main, 200 + 21 % = 242 for b, 363 for both.
    let books = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move { as_user(app, &token, None, BOOKS, json!({})).await }
    };
    for (token, receivable, sales, vat, count) in [
        (&ana, "121", "100", "21", 1),
        (&bea, "242", "200", "42", 1),
        (&both, "363", "300", "63", 2),
    ] {
        let answer = books(token).await;
        assert!(answer.get("errors").is_none(), "{answer}");
        let data = &answer["data"];
        let line = |account: &str| {
            data["trialBalance"]["lines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["account"] == account)
                .cloned()
                .unwrap_or_else(|| panic!("no {account} in {data}"))
        };
        let amount = |v: &Value| {
            v.as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        };
        let expect = |v: &str| v.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(
            amount(&line("411000")["debit"]),
            expect(receivable),
            "{data}"
        );
        assert_eq!(amount(&line("700000")["credit"]), expect(sales), "{data}");
        assert_eq!(amount(&line("451000")["credit"]), expect(vat), "{data}");
        assert_eq!(
            amount(&data["trialBalance"]["totalDebit"]),
            expect(receivable)
        );
        assert_eq!(
            amount(&data["agedBalance"]["totals"]["total"]),
            expect(receivable),
            "{data}"
        );
        assert_eq!(data["invoices"]["totalCount"], count, "{data}");
        assert_eq!(data["journalEntries"]["totalCount"], count, "{data}");
        assert_eq!(
            amount(&data["generalLedger"][0]["debit"]),
            expect(receivable),
            "{data}"
        );
        assert_eq!(
            data["generalLedger"][0]["lines"].as_array().unwrap().len(),
            count
        );
    }

    // as of a point after both were posted, the figures are still the user's own.
    let as_of = "{ trialBalance(asOf: { position: 1000000 }) { totalDebit } }";
    let asked = as_user(&app, &ana, None, as_of, json!({})).await;
    assert_eq!(
        asked["data"]["trialBalance"]["totalDebit"], "121.00",
        "{asked}"
    );

    // another company's document: not found, not touched, not paid.
    let by_id = "query($id: ID!) { invoice(id: $id) { number } }";
    let asked = as_user(&app, &ana, None, by_id, json!({ "id": bea_invoice })).await;
    assert_eq!(asked["data"]["invoice"], Value::Null, "{asked}");
    let events = app.event_count().await;
    let cancel = "mutation($id: ID!) { cancelInvoice(input: { id: $id }) { userErrors { code } } }";
    let refused = as_user(&app, &ana, None, cancel, json!({ "id": bea_invoice })).await;
    assert_eq!(
        refused["data"]["cancelInvoice"]["userErrors"][0]["code"], "NOT_FOUND",
        "{refused}"
    );
    let credit =
        "mutation($id: ID!) { createCreditNote(input: { invoice: $id }) { userErrors { code } } }";
    let refused = as_user(&app, &ana, None, credit, json!({ "id": bea_invoice })).await;
    assert_eq!(
        refused["data"]["createCreditNote"]["userErrors"][0]["code"], "NOT_FOUND",
        "{refused}"
    );
    let pay = "mutation($partner: ID!, $invoice: ID!) {
        registerPayment(input: { journal: \"bank\", partner: $partner, amount: \"242\",
                                 allocations: [{ invoice: $invoice, amount: \"242\" }] }) {
            userErrors { field code } } }";
    let refused = as_user(
        &app,
        &ana,
        None,
        pay,
        json!({ "partner": partner, "invoice": bea_invoice }),
    )
    .await;
    assert_eq!(
        refused["data"]["registerPayment"]["userErrors"][0],
        json!({ "field": ["input", "allocations", "0", "invoice"], "code": "NOT_FOUND" }),
        "{refused}"
    );
    assert_eq!(app.event_count().await, events);

    // one payment cannot pay documents of two companies, even for a user of both.
    let pay_both = "mutation($partner: ID!, $a: ID!, $b: ID!) {
        registerPayment(input: { journal: \"bank\", partner: $partner, amount: \"363\",
            allocations: [{ invoice: $a, amount: \"121\" }, { invoice: $b, amount: \"242\" }] }) {
            userErrors { field code message } } }";
    let refused = as_user(
        &app,
        &both,
        None,
        pay_both,
        json!({ "partner": partner, "a": ana_invoice, "b": bea_invoice }),
    )
    .await;
    assert_eq!(
        refused["data"]["registerPayment"]["userErrors"][0]["code"], "INVALID",
        "{refused}"
    );
    assert_eq!(app.event_count().await, events);

    // bea pays her own: the payment is in b's books.
    let paid = as_user(
        &app,
        &bea,
        None,
        "mutation($partner: ID!, $invoice: ID!) {
            registerPayment(input: { journal: \"bank\", partner: $partner, amount: \"242\",
                date: \"2026-03-20\", allocations: [{ invoice: $invoice, amount: \"242\" }] }) {
                payment { company } userErrors { field code } } }",
        json!({ "partner": partner, "invoice": bea_invoice }),
    )
    .await;
    assert_eq!(
        paid["data"]["registerPayment"]["payment"]["company"], "b",
        "{paid}"
    );

    // each company closes its own months: main's March closed, b still posts into its March.
    let close = "mutation { closePeriod(input: { period: \"2026-03\" }) {
        period { id company closed } userErrors { message } } }";
    let closed = as_user(&app, &ana, None, close, json!({})).await;
    assert_eq!(
        closed["data"]["closePeriod"]["period"],
        json!({ "id": "2026-03", "company": "main", "closed": true }),
        "{closed}"
    );
    posted_invoice(&app, &bea, &partner, "50").await;
    let drafted = as_user(
        &app,
        &ana,
        None,
        "mutation($partner: ID!) {
            createInvoice(input: { kind: CUSTOMER_INVOICE, partner: $partner, date: \"2026-03-06\",
                lines: [{ description: \"Late\", quantity: \"1\", unitPrice: \"1\" }] }) {
                invoice { id } } }",
        json!({ "partner": partner }),
    )
    .await;
    let late = drafted["data"]["createInvoice"]["invoice"]["id"].clone();
    let refused = as_user(
        &app,
        &ana,
        None,
        "mutation($id: ID!) { postInvoice(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": late }),
    )
    .await;
    assert_eq!(
        refused["data"]["postInvoice"]["userErrors"][0]["code"], "PERIOD_CLOSED",
        "{refused}"
    );
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let periods = "{ periods { totalCount nodes { id company closed entries } } }";
    for (token, expected) in [
        (
            &ana,
            json!([{ "id": "2026-03", "company": "main", "closed": true, "entries": 1 }]),
        ),
        (
            &bea,
            json!([{ "id": "2026-03", "company": "b", "closed": false, "entries": 3 }]),
        ),
    ] {
        let asked = as_user(&app, token, None, periods, json!({})).await;
        assert_eq!(asked["data"]["periods"]["nodes"], expected, "{asked}");
        assert_eq!(asked["data"]["periods"]["totalCount"], 1, "{asked}");
    }
    let asked = as_user(&app, &both, None, periods, json!({})).await;
    assert_eq!(asked["data"]["periods"]["totalCount"], 2, "{asked}");
}

/// Receives `quantity` of `product` from `partner` on a purchase order made as the
/// administrator working in `company`.
async fn received(app: &TestApp, company: &str, partner: &str, product: &str, quantity: &str) {
    let admin = app.admin_token.clone();
    let created = as_user(
        app,
        &admin,
        Some(company),
        "mutation($partner: ID!, $product: ID!, $quantity: Decimal!) {
            createPurchaseOrder(input: { partner: $partner, date: \"2026-03-02\",
                lines: [{ product: $product, quantity: $quantity }] }) { order { id } userErrors { message } } }",
        json!({ "partner": partner, "product": product, "quantity": quantity }),
    )
    .await;
    let id = created["data"]["createPurchaseOrder"]["order"]["id"].clone();
    assert!(id.is_string(), "{created}");
    for (mutation, input) in [
        (
            "mutation($id: ID!) { confirmOrder(input: { id: $id })",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!, $quantity: Decimal!) {
                deliverOrder(input: { id: $id, lines: [{ line: 0, quantity: $quantity }] })",
            json!({ "id": id, "quantity": quantity }),
        ),
    ] {
        let name = mutation
            .split('{')
            .nth(1)
            .unwrap()
            .split('(')
            .next()
            .unwrap()
            .trim();
        let query = format!("{mutation} {{ userErrors {{ message }} }} }}");
        let done = as_user(app, &admin, Some(company), &query, input).await;
        assert_eq!(done["data"][name]["userErrors"], json!([]), "{done}");
    }
}

#[tokio::test]
async fn each_company_has_its_own_warehouse_and_sees_only_its_stock() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    tests::books::configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "store", "name": "Store" }),
    )
    .await;
    for model in ["STOCK", "PRODUCT", "LOG"] {
        tests::books::configure(
            &app,
            "setAccess",
            "SetAccessInput",
            json!({ "group": "store", "model": model, "read": true, "write": true }),
        )
        .await;
    }
    let supplier = shared_partner(&app, "Asustek", false, true).await;
    let product = shared_product(&app, "MOUSE", "STOCKABLE", "20", "10").await;
    received(&app, "main", &supplier, &product, "10").await;
    received(&app, "b", &supplier, &product, "4").await;
    let mut tokens = vec![];
    for (login, companies) in [
        ("ana", vec!["main"]),
        ("bea", vec!["b"]),
        ("cy", vec!["main", "b"]),
    ] {
        let created = app
            .graphql(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { message } } }",
                json!({ "input": {
                    "login": login, "name": login, "password": USER_PASSWORD, "groups": ["store"],
                    "companies": companies
                } }),
            )
            .await;
        assert_eq!(created["createUser"]["userErrors"], json!([]), "{created}");
        tokens.push(app.login(login, USER_PASSWORD).await);
    }
    let (ana, bea, both) = (&tokens[0], &tokens[1], &tokens[2]);
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();

    let stock = "query($id: ID!) {
        product(id: $id) { stock { onHand history { totalCount } } }
        stockLevels { nodes { onHand incoming } }
        stockValuation { totalValue }
    }";
    // 10 received in main, 4 in b: at a cost of 10, worth 100 and 40.
    for (token, on_hand, moves, value) in [
        (ana, "10", 1, "100"),
        (bea, "4", 1, "40"),
        (both, "14", 2, "140"),
    ] {
        let asked = as_user(&app, token, None, stock, json!({ "id": product })).await;
        assert!(asked.get("errors").is_none(), "{asked}");
        let data = &asked["data"];
        let decimal = |v: &Value| {
            v.as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        };
        let expect = |v: &str| v.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(
            decimal(&data["product"]["stock"]["onHand"]),
            expect(on_hand),
            "{data}"
        );
        assert_eq!(
            data["product"]["stock"]["history"]["totalCount"], moves,
            "{data}"
        );
        assert_eq!(
            decimal(&data["stockLevels"]["nodes"][0]["onHand"]),
            expect(on_hand),
            "{data}"
        );
        assert_eq!(
            decimal(&data["stockValuation"]["totalValue"]),
            expect(value),
            "{data}"
        );
    }

    // the stock reports of one company: a user of both picks it; another company is refused.
    let of_company = "query($company: String!) {
        stockLevels(company: { code: $company }) { nodes { onHand } }
        stockValuation(company: { code: $company }) { totalValue } }";
    for (company, on_hand, value) in [("main", "10", "100.00"), ("b", "4", "40.00")] {
        let asked = as_user(&app, both, None, of_company, json!({ "company": company })).await;
        let data = &asked["data"];
        assert_eq!(
            data["stockLevels"]["nodes"][0]["onHand"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap(),
            on_hand.parse::<rust_decimal::Decimal>().unwrap(),
            "{asked}"
        );
        assert_eq!(data["stockValuation"]["totalValue"], value, "{asked}");
    }
    let refused = as_user(&app, ana, None, of_company, json!({ "company": "b" })).await;
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no company 'b'"),
        "{refused}"
    );

    // a count in b's warehouse changes b's stock only.
    let counted = as_user(
        &app,
        bea,
        None,
        "mutation($id: ID!) { countStock(input: { product: $id, counted: \"3\" }) {
            level { onHand } userErrors { message } } }",
        json!({ "id": product }),
    )
    .await;
    assert_eq!(
        counted["data"]["countStock"]["userErrors"],
        json!([]),
        "{counted}"
    );
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    for (token, on_hand) in [(ana, "10"), (bea, "3"), (both, "13")] {
        let asked = as_user(&app, token, None, stock, json!({ "id": product })).await;
        let on = asked["data"]["product"]["stock"]["onHand"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap();
        assert_eq!(
            on,
            on_hand.parse::<rust_decimal::Decimal>().unwrap(),
            "{asked}"
        );
    }
    // the log shows ana none of b's moves.
    let log = "{ log(where: { aggregateType: \"Stock\" }, first: 100) { totalCount } }";
    let asked = as_user(&app, ana, None, log, json!({})).await;
    assert_eq!(asked["data"]["log"]["totalCount"], 1, "{asked}");
}

/// A partner every company shares, made by the administrator.
async fn shared_partner(app: &TestApp, name: &str, customer: bool, supplier: bool) -> String {
    let payload = tests::books::must(
        app,
        "createPartner",
        "CreatePartnerInput",
        json!({ "name": name, "isCustomer": customer, "isSupplier": supplier, "shared": true }),
        "partner { id company }",
    )
    .await;
    assert_eq!(payload["partner"]["company"], Value::Null);
    payload["partner"]["id"].as_str().unwrap().to_owned()
}

/// A product every company shares (taxed `vat21`), made by the administrator.
async fn shared_product(
    app: &TestApp,
    reference: &str,
    kind: &str,
    price: &str,
    cost: &str,
) -> String {
    let payload = tests::books::must(
        app,
        "createProduct",
        "CreateProductInput",
        json!({ "reference": reference, "name": reference, "kind": kind, "salePrice": price,
                "cost": cost, "taxes": ["vat21"], "shared": true }),
        "product { id company }",
    )
    .await;
    assert_eq!(payload["product"]["company"], Value::Null);
    payload["product"]["id"].as_str().unwrap().to_owned()
}

const CREATE_PARTNER: &str = "mutation($input: CreatePartnerInput!) {
    createPartner(input: $input) { partner { id company } userErrors { field message code } } }";
const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) {
    createProduct(input: $input) { product { id company } userErrors { field message code } } }";

#[tokio::test]
async fn partners_and_products_of_another_company_are_not_seen_used_or_touched() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    sales_group(&app).await;
    for model in ["PARTNER", "PRODUCT"] {
        tests::books::configure(
            &app,
            "setAccess",
            "SetAccessInput",
            json!({ "group": "sales", "model": model, "read": true, "create": true, "write": true }),
        )
        .await;
    }
    let shared = shared_partner(&app, "Everyone's", true, false).await;
    let ana = seller(&app, "ana", &["main"]).await;
    let bea = seller(&app, "bea", &["b"]).await;
    let both = seller(&app, "cy", &["main", "b"]).await;

    // what a user creates belongs to the company they work in.
    let created = |answer: &Value, what: &str| -> (String, Value) {
        let record = &answer["data"][what][what.trim_start_matches("create").to_lowercase()];
        assert!(record.is_object(), "{answer}");
        (
            record["id"].as_str().unwrap().to_owned(),
            record["company"].clone(),
        )
    };
    let customer = json!({ "input": { "name": "Ana's client", "isCustomer": true } });
    let (anas, company) = created(
        &as_user(&app, &ana, None, CREATE_PARTNER, customer).await,
        "createPartner",
    );
    assert_eq!(company, "main");
    let customer = json!({ "input": { "name": "Bea's client", "isCustomer": true } });
    let (beas, company) = created(
        &as_user(&app, &bea, None, CREATE_PARTNER, customer).await,
        "createPartner",
    );
    assert_eq!(company, "b");
    let product = json!({ "input": { "reference": "B-1", "name": "B's own", "kind": "SERVICE",
                                     "salePrice": "50" } });
    let (beas_product, company) = created(
        &as_user(&app, &bea, None, CREATE_PRODUCT, product).await,
        "createProduct",
    );
    assert_eq!(company, "b");

    // a company one does not work in cannot be given; a company and shared are one too many.
    let events = app.event_count().await;
    for (input, code) in [
        (json!({ "name": "X", "company": "b" }), "NOT_FOUND"),
        (json!({ "name": "X", "company": "nowhere" }), "NOT_FOUND"),
        (
            json!({ "name": "X", "company": "main", "shared": true }),
            "INVALID",
        ),
    ] {
        let refused = as_user(&app, &ana, None, CREATE_PARTNER, json!({ "input": input })).await;
        let errors = &refused["data"]["createPartner"]["userErrors"];
        assert_eq!(errors[0]["code"], code, "{refused}");
        assert_eq!(errors[0]["field"], json!(["input", "company"]));
    }
    assert_eq!(app.event_count().await, events);

    // lists, their counts and a search: the shared partner and the company's own.
    let list = "query($name: String) { partners(first: 1, where: { nameContains: $name }) {
        totalCount nodes { name } } }";
    for (token, count, clients) in [(&ana, 2, 1), (&bea, 2, 1), (&both, 3, 2)] {
        let asked = as_user(&app, token, None, list, json!({})).await;
        assert_eq!(asked["data"]["partners"]["totalCount"], count, "{asked}");
        let asked = as_user(&app, token, None, list, json!({ "name": "client" })).await;
        assert_eq!(asked["data"]["partners"]["totalCount"], clients, "{asked}");
    }
    let products = "{ products(first: 100) { totalCount nodes { name } } }";
    for (token, count) in [(&ana, 0), (&bea, 1), (&both, 1)] {
        let asked = as_user(&app, token, None, products, json!({})).await;
        assert_eq!(asked["data"]["products"]["totalCount"], count, "{asked}");
        assert_eq!(
            asked["data"]["products"]["nodes"].as_array().unwrap().len(),
            count
        );
    }

    // by id, now and as of a point: nothing, as for an id nothing has.
    for query in [
        "query($id: ID!) { partner(id: $id) { name } }",
        "query($id: ID!) { partner(id: $id, asOf: { position: 1000000 }) { name } }",
    ] {
        let asked = as_user(&app, &ana, None, query, json!({ "id": beas })).await;
        assert_eq!(asked["data"]["partner"], Value::Null, "{asked}");
        let asked = as_user(&app, &both, None, query, json!({ "id": beas })).await;
        assert_eq!(asked["data"]["partner"]["name"], "Bea's client", "{asked}");
    }
    for query in [
        "query($id: ID!) { product(id: $id) { name } }",
        "query($id: ID!) { product(id: $id, asOf: { position: 1000000 }) { name } }",
    ] {
        let asked = as_user(&app, &ana, None, query, json!({ "id": beas_product })).await;
        assert_eq!(asked["data"]["product"], Value::Null, "{asked}");
    }

    // touching them: the answer for an id nothing has, and nothing written.
    let events = app.event_count().await;
    let nowhere = uuid::Uuid::now_v7().to_string();
    for (query, what, input) in [
        (
            "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Mine\" }) {
                userErrors { field message code } } }",
            "updatePartner",
            &beas,
        ),
        (
            "mutation($id: ID!) { archivePartner(input: { id: $id }) {
                userErrors { field message code } } }",
            "archivePartner",
            &beas,
        ),
        (
            "mutation($id: ID!) { updateProduct(input: { id: $id, name: \"Mine\" }) {
                userErrors { field message code } } }",
            "updateProduct",
            &beas_product,
        ),
        (
            "mutation($id: ID!) { archiveProduct(input: { id: $id }) {
                userErrors { field message code } } }",
            "archiveProduct",
            &beas_product,
        ),
    ] {
        let refused = as_user(&app, &ana, None, query, json!({ "id": input })).await;
        let absent = as_user(&app, &ana, None, query, json!({ "id": nowhere })).await;
        assert_eq!(
            refused["data"][what]["userErrors"][0]["code"], "NOT_FOUND",
            "{refused}"
        );
        assert_eq!(refused["data"][what], absent["data"][what]);
    }
    assert_eq!(app.event_count().await, events);

    // a document of one company cannot use another's partner or product, even for a user of
    // both: refused, nothing written.
    let order = as_user(
        &app,
        &both,
        Some("main"),
        CREATE_ORDER,
        json!({ "partner": beas, "product": beas_product }),
    )
    .await;
    let errors = &order["data"]["createSaleOrder"]["userErrors"];
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{order}");
    assert_eq!(errors[0]["field"], json!(["input", "partner"]));
    let order = as_user(
        &app,
        &both,
        Some("main"),
        CREATE_ORDER,
        json!({ "partner": anas, "product": beas_product }),
    )
    .await;
    let errors = &order["data"]["createSaleOrder"]["userErrors"];
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{order}");
    assert_eq!(
        errors[0]["field"],
        json!(["input", "lines", "0", "product"])
    );
    assert_eq!(app.event_count().await, events);
    // in b, the same partner and product make an order.
    let order = as_user(
        &app,
        &both,
        Some("b"),
        CREATE_ORDER,
        json!({ "partner": beas, "product": beas_product }),
    )
    .await;
    assert_eq!(
        order["data"]["createSaleOrder"]["order"]["company"], "b",
        "{order}"
    );

    // the log shows the partners ana sees: the shared one and her own.
    let log = "{ log(where: { aggregateType: \"Partner\" }, first: 100) {
        totalCount nodes { aggregateId } } }";
    let asked = as_user(&app, &ana, None, log, json!({})).await;
    let mut ids: Vec<&str> = asked["data"]["log"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["aggregateId"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![shared.as_str(), anas.as_str()];
    expected.sort();
    assert_eq!(ids, expected, "{asked}");
    assert_eq!(asked["data"]["log"]["totalCount"], 2);

    // shared from now on, bea's client is everyone's.
    let shared_now = as_user(
        &app,
        &both,
        None,
        "mutation($id: ID!) { updatePartner(input: { id: $id, shared: true }) {
            partner { company } userErrors { code } } }",
        json!({ "id": beas }),
    )
    .await;
    assert_eq!(
        shared_now["data"]["updatePartner"]["partner"]["company"],
        Value::Null,
        "{shared_now}"
    );
    let asked = as_user(&app, &ana, None, list, json!({})).await;
    assert_eq!(asked["data"]["partners"]["totalCount"], 3, "{asked}");
}

#[tokio::test]
async fn a_tax_of_one_company_is_not_seen_or_used_by_another() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    sales_group(&app).await;
    let set_tax = "mutation($input: SetTaxInput!) { setTax(input: $input) {
        userErrors { field message code } } }";
    let set = app
        .graphql(
            set_tax,
            json!({ "input": { "code": "vat6b", "name": "VAT 6% (B)", "rate": "6", "company": "b" } }),
        )
        .await;
    assert_eq!(set["setTax"]["userErrors"], json!([]), "{set}");
    let events = app.event_count().await;
    let refused = app
        .graphql(
            set_tax,
            json!({ "input": { "code": "vat9", "name": "VAT 9%", "rate": "9", "company": "nowhere" } }),
        )
        .await;
    assert_eq!(
        refused["setTax"]["userErrors"][0]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(
        refused["setTax"]["userErrors"][0]["field"],
        json!(["input", "company"])
    );
    let removed = app
        .graphql(
            "mutation { removeCompany(input: { code: \"b\" }) { userErrors { message code } } }",
            json!({}),
        )
        .await;
    let errors = &removed["removeCompany"]["userErrors"];
    assert_eq!(errors[0]["code"], "IN_USE", "{removed}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("vat6b"),
        "{removed}"
    );
    assert_eq!(app.event_count().await, events);

    // a product with b's tax is one of b's.
    let product = |input: Value| app.graphql(CREATE_PRODUCT, json!({ "input": input }));
    let refused = product(json!({ "reference": "S", "name": "S", "kind": "SERVICE",
                                  "salePrice": "100", "taxes": ["vat6b"], "shared": true }))
    .await;
    let errors = &refused["createProduct"]["userErrors"];
    assert_eq!(errors[0]["field"], json!(["input", "taxes"]), "{refused}");
    let made = product(json!({ "reference": "S", "name": "S", "kind": "SERVICE",
                               "salePrice": "100", "taxes": ["vat6b"], "company": "b" }))
    .await;
    assert_eq!(made["createProduct"]["product"]["company"], "b", "{made}");
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let plain = shared_product(&app, "P", "SERVICE", "100", "0").await;

    // on a line of main's order, b's tax is no tax at all, even for a user of both.
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "sales", "model": "CONFIGURATION", "read": true }),
    )
    .await;
    let ana = seller(&app, "ana", &["main"]).await;
    let both = seller(&app, "cy", &["main", "b"]).await;
    let order = "mutation($partner: ID!, $product: ID!) {
        createSaleOrder(input: { partner: $partner, date: \"2026-03-02\",
                                 lines: [{ product: $product, quantity: \"1\", taxes: [\"vat6b\"] }] }) {
            order { company total } userErrors { field message code } } }";
    let ids = json!({ "partner": partner, "product": plain });
    let events = app.event_count().await;
    let refused = as_user(&app, &both, Some("main"), order, ids.clone()).await;
    let errors = &refused["data"]["createSaleOrder"]["userErrors"];
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{refused}");
    assert_eq!(errors[0]["field"], json!(["input", "lines", "0", "taxes"]));
    assert_eq!(app.event_count().await, events);
    // in b it is charged: 100 and 6 % of it.
    let made = as_user(&app, &both, Some("b"), order, ids).await;
    assert_eq!(
        made["data"]["createSaleOrder"]["order"],
        json!({ "company": "b", "total": "106.00" }),
        "{made}"
    );

    // main's users do not see it among the taxes; b's do.
    let taxes = "{ configuration { taxes(first: 100) { nodes { code company } } tax(code: \"vat6b\") { code } } }";
    let asked = as_user(&app, &ana, None, taxes, json!({})).await;
    assert_eq!(
        asked["data"]["configuration"]["taxes"]["nodes"],
        json!([{ "code": "vat21", "company": null }]),
        "{asked}"
    );
    assert_eq!(asked["data"]["configuration"]["tax"], Value::Null);
    let asked = as_user(&app, &both, None, taxes, json!({})).await;
    assert_eq!(
        asked["data"]["configuration"]["taxes"]["nodes"],
        json!([{ "code": "vat21", "company": null }, { "code": "vat6b", "company": "b" }]),
        "{asked}"
    );
}

#[tokio::test]
async fn the_demo_has_a_branch_and_users_of_each_company_and_of_both() {
    let app = TestApp::new().await;
    commands::demo::load(&app.db.pool, &app.backend.state.bus)
        .await
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    commands::demo::business(&app.backend, today).await.unwrap();
    // the demo users sign in with the administrator's password.
    let ana = app.login("ana", tests::ADMIN_PASSWORD).await;
    let bea = app.login("bea", tests::ADMIN_PASSWORD).await;
    let both = app.login("cy", tests::ADMIN_PASSWORD).await;
    let figures = "{ workingCompany
        agedBalance(kind: RECEIVABLE, date: \"2026-11-23\") { totals { total } }
        invoices(first: 100) { totalCount } }";
    let asked = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let answer = as_user(app, &token, None, figures, json!({})).await;
            assert!(answer.get("errors").is_none(), "{answer}");
            let data = &answer["data"];
            (
                data["workingCompany"].as_str().unwrap().to_owned(),
                data["agedBalance"]["totals"]["total"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap(),
                data["invoices"]["totalCount"].as_i64().unwrap(),
            )
        }
    };
    let (company, ana_due, ana_invoices) = asked(&ana).await;
    assert_eq!(company, "main");
    let (company, bea_due, bea_invoices) = asked(&bea).await;
    assert_eq!(company, commands::demo::NORTH);
    // the branch sold 4 and 6 hours of installation at 90, with 21 % VAT, and was paid the
    // first: 6 × 90 × 1.21 is still due.
    assert_eq!(bea_due, "653.40".parse().unwrap());
    assert_eq!(bea_invoices, 2);
    let (_, both_due, both_invoices) = asked(&both).await;
    assert_eq!(both_due, ana_due + bea_due);
    assert_eq!(both_invoices, ana_invoices + bea_invoices);
    assert!(ana_invoices > 2, "{ana_invoices}");
}

/// A database with the books set up, companies main and b, and the group `books`, which may
/// also read the configuration.
async fn books_of_main_and_b() -> TestApp {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    accounting_group(&app).await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "books", "model": "CONFIGURATION", "read": true }),
    )
    .await;
    app
}

const POST_ENTRY: &str = "mutation($journal: String!, $account: String!) {
    postEntry(input: { journal: $journal, date: \"2026-03-10\", reference: \"Capital\",
        lines: [{ account: $account, debit: \"500\" }, { account: \"100000\", credit: \"500\" }] }) {
        entry { company } userErrors { field message code } } }";

#[tokio::test]
async fn a_company_keeps_its_own_accounts_and_journals_out_of_the_others_books() {
    let app = books_of_main_and_b().await;
    let configure = |name: &'static str, input_type: &'static str, input: Value| {
        let app = &app;
        async move {
            let query = format!(
                "mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message code }} }} }}"
            );
            app.graphql(&query, json!({ "input": input })).await[name]["userErrors"].clone()
        }
    };
    let set = configure(
        "setAccount",
        "SetAccountInput",
        json!({ "code": "550100", "name": "Bank B", "kind": "BANK", "company": "b" }),
    )
    .await;
    assert_eq!(set, json!([]));
    let set = configure(
        "setJournal",
        "SetJournalInput",
        json!({ "code": "bankb", "name": "Bank B", "kind": "BANK", "sequence": "bnk",
                "account": "550100", "company": "b" }),
    )
    .await;
    assert_eq!(set, json!([]));

    // what makes no sense is refused, and nothing is written.
    let events = app.event_count().await;
    let refused = configure(
        "setJournal",
        "SetJournalInput",
        json!({ "code": "bankm", "name": "Bank M", "kind": "BANK", "sequence": "bnk",
                "account": "550100", "company": "main" }),
    )
    .await;
    assert_eq!(refused[0]["code"], "INVALID", "{refused}");
    assert_eq!(refused[0]["field"], json!(["input", "account"]));
    let refused = configure(
        "setAccount",
        "SetAccountInput",
        json!({ "code": "550200", "name": "Bank", "kind": "BANK", "company": "nowhere" }),
    )
    .await;
    assert_eq!(refused[0]["code"], "NOT_FOUND", "{refused}");
    assert_eq!(refused[0]["field"], json!(["input", "company"]));
    let refused = configure("removeCompany", "CodeInput", json!({ "code": "b" })).await;
    assert_eq!(refused[0]["code"], "IN_USE", "{refused}");
    assert_eq!(app.event_count().await, events);

    // main's books cannot use b's journal or account, even for a user of both.
    let both = bookkeeper(&app, "cy", &["main", "b"]).await;
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let events = app.event_count().await;
    for (journal, account, field) in [
        ("bankb", "550000", json!(["input", "journal"])),
        ("misc", "550100", json!(["input", "lines", "0", "account"])),
    ] {
        let refused = as_user(
            &app,
            &both,
            Some("main"),
            POST_ENTRY,
            json!({ "journal": journal, "account": account }),
        )
        .await;
        let errors = &refused["data"]["postEntry"]["userErrors"];
        assert_eq!(errors[0]["code"], "NOT_FOUND", "{refused}");
        assert_eq!(errors[0]["field"], field);
    }
    assert_eq!(app.event_count().await, events);
    // b's books can.
    let posted = as_user(
        &app,
        &both,
        Some("b"),
        POST_ENTRY,
        json!({ "journal": "bankb", "account": "550100" }),
    )
    .await;
    assert_eq!(
        posted["data"]["postEntry"]["entry"]["company"], "b",
        "{posted}"
    );

    // a payment of a main invoice cannot go through b's bank journal.
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let (invoice, company) = posted_invoice(&app, &ana, &partner, "100").await;
    assert_eq!(company, "main");
    let pay = "mutation($partner: ID!, $invoice: ID!, $journal: String!) {
        registerPayment(input: { journal: $journal, partner: $partner, date: \"2026-03-20\",
            amount: \"121\", allocations: [{ invoice: $invoice, amount: \"121\" }] }) {
            userErrors { field message code } } }";
    let events = app.event_count().await;
    let refused = as_user(
        &app,
        &both,
        None,
        pay,
        json!({ "partner": partner, "invoice": invoice, "journal": "bankb" }),
    )
    .await;
    let errors = &refused["data"]["registerPayment"]["userErrors"];
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{refused}");
    assert_eq!(app.event_count().await, events);

    // main's users do not see b's account and journal; b's do.
    let chart = "{ configuration { accounts(first: 100) { nodes { code } }
                                   journals(first: 100) { nodes { code company } }
                                   account(code: \"550100\") { code } journal(code: \"bankb\") { code } } }";
    let asked = as_user(&app, &ana, None, chart, json!({})).await;
    let configuration = &asked["data"]["configuration"];
    let codes = |list: &Value| -> Vec<String> {
        list["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        !codes(&configuration["accounts"]).contains(&"550100".to_owned()),
        "{asked}"
    );
    assert!(
        !codes(&configuration["journals"]).contains(&"bankb".to_owned()),
        "{asked}"
    );
    assert_eq!(configuration["account"], Value::Null);
    assert_eq!(configuration["journal"], Value::Null);
    let asked = as_user(&app, &both, None, chart, json!({})).await;
    let configuration = &asked["data"]["configuration"];
    assert!(
        codes(&configuration["accounts"]).contains(&"550100".to_owned()),
        "{asked}"
    );
    assert_eq!(configuration["journal"]["code"], "bankb");
}

#[tokio::test]
async fn a_company_with_business_settings_of_its_own_numbers_and_posts_in_its_own_journal() {
    let app = books_of_main_and_b().await;
    tests::books::configure(
        &app,
        "setSequence",
        "SetSequenceInput",
        json!({ "code": "invb", "name": "B's invoices", "prefix": "B/INV/", "padding": 3 }),
    )
    .await;
    tests::books::configure(
        &app,
        "setJournal",
        "SetJournalInput",
        json!({ "code": "salesb", "name": "B's sales", "kind": "SALE", "sequence": "invb",
                "company": "b" }),
    )
    .await;
    let set_business = "mutation($input: BusinessSettingsInput!) {
        setBusinessSettings(input: $input) { userErrors { field message code } } }";
    // the main settings cannot name b's journal; b's own can.
    let events = app.event_count().await;
    for input in [
        json!({ "saleJournal": "salesb", "company": "main" }),
        json!({ "saleJournal": "salesb" }),
    ] {
        let refused = app.graphql(set_business, json!({ "input": input })).await;
        assert_eq!(
            refused["setBusinessSettings"]["userErrors"][0]["code"], "INVALID",
            "{refused}"
        );
    }
    assert_eq!(app.event_count().await, events);
    let set = app
        .graphql(
            set_business,
            json!({ "input": { "saleJournal": "salesb", "company": "b" } }),
        )
        .await;
    assert_eq!(set["setBusinessSettings"]["userErrors"], json!([]), "{set}");

    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let bea = bookkeeper(&app, "bea", &["b"]).await;
    let number = |token: String| {
        let app = &app;
        let partner = partner.clone();
        async move {
            let (id, _) = posted_invoice(app, &token, &partner, "100").await;
            let asked = as_user(
                app,
                &token,
                None,
                "query($id: ID!) { invoice(id: $id) { number } }",
                json!({ "id": id }),
            )
            .await;
            asked["data"]["invoice"]["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // b's documents go by b's settings (the rest of which are the main ones, as they were when
    // b's were set); main's by the main ones.
    assert_eq!(number(bea.clone()).await, "B/INV/001");
    assert_eq!(number(ana.clone()).await, "INV/2026/0001");
    assert_eq!(number(bea.clone()).await, "B/INV/002");

    let settings =
        "{ configuration { businessSettings(company: \"b\") { saleJournal receivableAccount } } }";
    let asked = as_user(&app, &bea, None, settings, json!({})).await;
    assert_eq!(
        asked["data"]["configuration"]["businessSettings"],
        json!({ "saleJournal": "salesb", "receivableAccount": "411000" }),
        "{asked}"
    );
    let asked = as_user(&app, &ana, None, settings, json!({})).await;
    assert_eq!(
        asked["data"]["configuration"]["businessSettings"],
        Value::Null,
        "{asked}"
    );

    // without settings of its own, b goes by the main ones again.
    let removed = app
        .graphql(
            "mutation { removeBusinessSettings(input: { code: \"b\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        removed["removeBusinessSettings"]["userErrors"],
        json!([]),
        "{removed}"
    );
    assert_eq!(number(bea.clone()).await, "INV/2026/0002");
}

#[tokio::test]
async fn a_report_of_a_parent_consolidates_the_companies_under_it_that_the_user_works_in() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(
        &app,
        json!({ "code": "b", "name": "B Ltd", "parent": "main" }),
    )
    .await;
    set_company(&app, json!({ "code": "c", "name": "C Ltd" })).await;
    accounting_group(&app).await;
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let admin = app.admin_token.clone();
    // an invoice of 100, 200 and 400 (21 % VAT) in main, b and c: debits of 121, 242 and 484.
    for (company, price) in [("main", "100"), ("b", "200"), ("c", "400")] {
        let (_, made_in) = posted_invoice_in(&app, (&admin, Some(company)), &partner, price).await;
        assert_eq!(made_in, company);
    }
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let report = "query($company: CompanyScope) {
        trialBalance(company: $company) { totalDebit }
        agedBalance(kind: RECEIVABLE, date: \"2026-03-31\", company: $company) { totals { total } } }";
    for (token, scope, debit) in [
        (&admin, json!(null), "847.00"),
        (&admin, json!({ "code": "main" }), "121.00"),
        (
            &admin,
            json!({ "code": "main", "consolidated": true }),
            "363.00",
        ),
        (
            &admin,
            json!({ "code": "b", "consolidated": true }),
            "242.00",
        ),
        // b is under main, but not ana's.
        (
            &ana,
            json!({ "code": "main", "consolidated": true }),
            "121.00",
        ),
    ] {
        let asked = as_user(&app, token, None, report, json!({ "company": scope })).await;
        assert_eq!(
            asked["data"]["trialBalance"]["totalDebit"], debit,
            "{scope}: {asked}"
        );
        assert_eq!(
            asked["data"]["agedBalance"]["totals"]["total"], debit,
            "{scope}: {asked}"
        );
    }
    let refused = as_user(
        &app,
        &ana,
        None,
        report,
        json!({ "company": { "code": "b" } }),
    )
    .await;
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no company 'b'"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_parent_consolidates_a_child_in_another_currency_at_the_rate_of_the_last_day() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    // dollars: 1.25 per euro (the main company's currency) from January, 1.60 from April.
    tests::books::configure(
        &app,
        "setCurrency",
        "SetCurrencyInput",
        json!({ "code": "USD", "name": "US Dollar", "symbol": "$" }),
    )
    .await;
    for (date, rate) in [("2026-01-01", "1.25"), ("2026-04-01", "1.60")] {
        tests::books::configure(
            &app,
            "setCurrencyRate",
            "SetCurrencyRateInput",
            json!({ "code": "USD", "date": date, "rate": rate }),
        )
        .await;
    }
    let set = set_company(
        &app,
        json!({ "code": "us", "name": "US Inc", "currency": "USD", "parent": "main" }),
    )
    .await;
    assert_eq!(set, json!([]));
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let admin = app.admin_token.clone();
    // 100 euros and 200 dollars, 21 % VAT each: 121.00 EUR and 242.00 USD receivable.
    for (company, price) in [("main", "100"), ("us", "200")] {
        posted_invoice_in(&app, (&admin, Some(company)), &partner, price).await;
    }
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let report = "query($company: CompanyScope, $to: NaiveDate!) {
        trialBalance(company: $company, to: $to) {
            currency totalDebit totalCredit lines { account debit credit } }
        agedBalance(kind: RECEIVABLE, date: $to, company: $company) { currency totals { total } }
        generalLedger(company: $company, accounts: [\"411000\"], to: $to) { debit }
        partnerLedger(company: $company, to: $to) { debit } }";
    // by hand: at 1.25, 242 dollars are 193.60 euros (200 → 160.00, 42 → 33.60); at 1.60,
    // 151.25 (125.00 and 26.25).
    for (scope, to, currency, receivable, sales, vat) in [
        (
            json!({ "code": "main", "consolidated": true }),
            "2026-03-31",
            "EUR",
            "314.60",
            "260.00",
            "54.60",
        ),
        (
            json!({ "code": "main", "consolidated": true }),
            "2026-04-30",
            "EUR",
            "272.25",
            "225.00",
            "47.25",
        ),
        // without a company: every company of the user's, in the currency of the one the
        // request works in (main).
        (
            json!(null),
            "2026-03-31",
            "EUR",
            "314.60",
            "260.00",
            "54.60",
        ),
        (
            json!({ "code": "main" }),
            "2026-03-31",
            "EUR",
            "121.00",
            "100.00",
            "21.00",
        ),
        (
            json!({ "code": "us" }),
            "2026-03-31",
            "USD",
            "242.00",
            "200.00",
            "42.00",
        ),
    ] {
        let asked = as_user(
            &app,
            &admin,
            None,
            report,
            json!({ "company": scope, "to": to }),
        )
        .await;
        let data = &asked["data"];
        let tb = &data["trialBalance"];
        assert_eq!(tb["currency"], currency, "{scope} {to}: {asked}");
        assert_eq!(tb["totalDebit"], receivable, "{scope} {to}: {asked}");
        assert_eq!(tb["totalCredit"], receivable, "{scope} {to}: {asked}");
        let line = |account: &str| {
            tb["lines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["account"] == account)
                .cloned()
                .unwrap_or_else(|| panic!("no {account} in {asked}"))
        };
        assert_eq!(line("411000")["debit"], receivable, "{asked}");
        assert_eq!(line("700000")["credit"], sales, "{asked}");
        assert_eq!(line("451000")["credit"], vat, "{asked}");
        assert_eq!(data["agedBalance"]["currency"], currency, "{asked}");
        assert_eq!(
            data["agedBalance"]["totals"]["total"], receivable,
            "{asked}"
        );
        assert_eq!(data["generalLedger"][0]["debit"], receivable, "{asked}");
        assert_eq!(data["partnerLedger"][0]["debit"], receivable, "{asked}");
    }

    // a day before the dollar has a rate: refused, naming the currency and the day.
    let early = as_user(
        &app,
        &admin,
        None,
        "{ trialBalance(company: { code: \"main\", consolidated: true }, to: \"2025-12-31\") {
            totalDebit } }",
        json!({}),
    )
    .await;
    let message = early["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("USD") && message.contains("2025-12-31"),
        "{early}"
    );
    assert_eq!(
        early["errors"][0]["extensions"]["code"], "INVALID",
        "{early}"
    );
    // a few cents of dollars (0.14 + 21 % = 0.17): each line rounded on its own, the totals
    // still balance.
    posted_invoice_in(&app, (&admin, Some("us")), &partner, "0.14").await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    for to in ["2026-03-31", "2026-04-30"] {
        let balanced = as_user(
            &app,
            &admin,
            None,
            "query($to: NaiveDate!) { trialBalance(company: { code: \"main\", consolidated: true }, to: $to) {
                lines { opening debit credit balance } totalDebit totalCredit totalBalance } }",
            json!({ "to": to }),
        )
        .await;
        let tb = &balanced["data"]["trialBalance"];
        assert_eq!(tb["totalDebit"], tb["totalCredit"], "{balanced}");
        assert_eq!(tb["totalBalance"], "0.00", "{balanced}");
        // each converted line adds up as shown.
        for line in tb["lines"].as_array().unwrap() {
            let n = |k: &str| {
                line[k]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            };
            assert_eq!(
                n("opening") + n("debit") - n("credit"),
                n("balance"),
                "{line}"
            );
        }
    }
    // reports that sum as they are refuse two currencies, and take one company.
    for (query, named) in [
        (
            "{ salesAnalysis(groupBy: MONTH, company: { code: \"main\", consolidated: true }) {
                key total } }",
            "analysis",
        ),
        (
            "{ ledgerLines(account: \"411000\", company: { code: \"main\", consolidated: true }) {
                totalCount } }",
            "ledgerLines",
        ),
        (
            "{ stockValuation(company: { code: \"main\", consolidated: true }) { totalValue } }",
            "stockValuation",
        ),
    ] {
        let refused = as_user(&app, &admin, None, query, json!({})).await;
        let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named) && message.contains("currenc"),
            "{refused}"
        );
        let one = query.replace(", consolidated: true", "");
        let answered = as_user(&app, &admin, None, &one, json!({})).await;
        assert!(answered["errors"].is_null(), "{answered}");
    }
    // the ledger's export likewise: two currencies refused, one company given.
    let (router, _) = app.server_app().await;
    let export = async |path: &str| {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .uri(path)
            .header("authorization", format!("Bearer {admin}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    };
    let (status, body) = export("/ledger.csv").await;
    assert_eq!(status, axum::http::StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("EUR and USD"), "{body}");
    let (status, body) = export("/ledger.csv?company=us").await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    assert!(body.contains("242.00"), "{body}");
}

#[tokio::test]
async fn users_of_other_companies_are_not_listed_or_shown() {
    let app = TestApp::new().await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    tests::books::configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "hr", "name": "People" }),
    )
    .await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "hr", "model": "USER", "read": true }),
    )
    .await;
    let create = "mutation($input: CreateUserInput!) { createUser(input: $input) {
        user { id } userErrors { message } } }";
    let mut ids = vec![];
    for (login, companies) in [
        ("hana", vec!["main"]),
        ("bea", vec!["b"]),
        ("cy", vec!["main", "b"]),
    ] {
        let created = app
            .graphql(
                create,
                json!({ "input": { "login": login, "name": login, "password": USER_PASSWORD,
                                   "groups": ["hr"], "companies": companies } }),
            )
            .await;
        ids.push(
            created["createUser"]["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let hana = app.login("hana", USER_PASSWORD).await;
    let list = "{ users(first: 100) { totalCount nodes { login } } }";
    let asked = as_user(&app, &hana, None, list, json!({})).await;
    let logins: Vec<&str> = asked["data"]["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["login"].as_str().unwrap())
        .collect();
    // the administrator works in every company; bea in b only.
    assert_eq!(logins, ["admin", "cy", "hana"], "{asked}");
    assert_eq!(asked["data"]["users"]["totalCount"], 3);
    for query in [
        "query($id: ID!) { user(id: $id) { login } }",
        "query($id: ID!) { user(id: $id, asOf: { position: 1000000 }) { login } }",
    ] {
        let asked = as_user(&app, &hana, None, query, json!({ "id": ids[1] })).await;
        assert_eq!(asked["data"]["user"], Value::Null, "{asked}");
        let asked = as_user(&app, &hana, None, query, json!({ "id": ids[2] })).await;
        assert_eq!(asked["data"]["user"]["login"], "cy", "{asked}");
    }
    let all = app.graphql(list, json!({})).await;
    assert_eq!(all["users"]["totalCount"], 4, "{all}");
}

#[tokio::test]
async fn another_companys_settings_are_not_in_stage_diffs_stages_or_announcements() {
    use futures::StreamExt;

    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    sales_group(&app).await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "sales", "model": "CONFIGURATION", "read": true }),
    )
    .await;
    let ana = seller(&app, "ana", &["main"]).await;
    let bo = seller(&app, "bo", &["b"]).await;
    let stage = |name: &str| {
        app.graphql(
            "mutation($name: String!) { createStage(input: { name: $name }) { userErrors { message } } }",
            json!({ "name": name }),
        )
    };
    stage("before").await;

    // ana listens: what b alone changes is not announced to her.
    let schema = api::schema(&app.backend);
    let mut stream = schema.execute_stream(
        async_graphql::Request::new(
            "subscription { configurationChanged { changes { area key after } } }",
        )
        .data(api::graphql::RequestContext::new(
            Some(ana.clone()),
            None,
            None,
        )),
    );
    let heard = tokio::spawn(async move { stream.next().await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let set_tax = |input: Value| {
        app.graphql(
            "mutation($input: SetTaxInput!) { setTax(input: $input) { userErrors { message } } }",
            json!({ "input": input }),
        )
    };
    set_tax(json!({ "code": "vat6b", "name": "VAT 6% (B)", "rate": "6", "company": "b" })).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    set_tax(json!({ "code": "vat9m", "name": "VAT 9% (main)", "rate": "9", "company": "main" }))
        .await;
    let announcement = tokio::time::timeout(std::time::Duration::from_secs(10), heard)
        .await
        .expect("announced in time")
        .unwrap()
        .expect("an announcement");
    assert_eq!(
        announcement.data.into_json().unwrap(),
        json!({ "configurationChanged": { "changes": [
            { "area": "TAX", "key": "vat9m", "after": "VAT 9% (main) (9%)" }
        ] } })
    );
    app.graphql(
        "mutation { setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { code } } }",
        json!({}),
    )
    .await;
    stage("after").await;

    // each sees their own company's tax and what every company shares, nothing of the other's.
    let diff = "{ stageDiff(from: \"before\", to: \"after\") { area key }
                  stage(name: \"after\") { changes { area key } }
                  configuration { companies { code } } }";
    let keys = |answer: &Value, path: &[&str]| -> Vec<String> {
        let mut value = &answer["data"];
        for step in path {
            value = &value[*step];
        }
        value
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["area"].as_str().unwrap_or(""),
                    c["key"].as_str().or(c["code"].as_str()).unwrap()
                )
            })
            .collect()
    };
    let of_ana = as_user(&app, &ana, None, diff, json!({})).await;
    let of_bo = as_user(&app, &bo, None, diff, json!({})).await;
    let admin = app.graphql_with(&app.admin_token, diff, json!({})).await;
    assert_eq!(
        keys(&of_ana, &["stageDiff"]),
        ["TAX vat9m", "LABEL partner.vat"]
    );
    assert_eq!(
        keys(&of_ana, &["stage", "changes"]),
        ["TAX vat9m", "LABEL partner.vat"]
    );
    assert_eq!(
        keys(&of_bo, &["stageDiff"]),
        ["TAX vat6b", "LABEL partner.vat"]
    );
    assert_eq!(
        keys(&of_bo, &["stage", "changes"]),
        ["TAX vat6b", "LABEL partner.vat"]
    );
    assert_eq!(
        keys(&admin, &["stageDiff"]),
        ["TAX vat6b", "TAX vat9m", "LABEL partner.vat"]
    );
    assert_eq!(keys(&of_ana, &["configuration", "companies"]), [" main"]);
    assert_eq!(keys(&of_bo, &["configuration", "companies"]), [" b"]);
    assert_eq!(
        keys(&admin, &["configuration", "companies"]),
        [" b", " main"]
    );

    // a tax moved from b to main: b's users see it leave, main's see it arrive.
    set_tax(json!({ "code": "vat6b", "name": "VAT 6%", "rate": "6", "company": "main" })).await;
    let moved = "{ stageDiff(from: \"after\") { key before after } }";
    let seen = as_user(&app, &bo, None, moved, json!({})).await;
    assert_eq!(
        seen["data"]["stageDiff"],
        json!([{ "key": "vat6b", "before": "VAT 6% (B) (6%)", "after": null }]),
        "{seen}"
    );
    let seen = as_user(&app, &ana, None, moved, json!({})).await;
    assert_eq!(
        seen["data"]["stageDiff"],
        json!([{ "key": "vat6b", "before": null, "after": "VAT 6% (6%)" }]),
        "{seen}"
    );
}

/// Gives group `books` the rights of `models` (read, create, write).
async fn books_may(app: &TestApp, models: &[&str]) {
    for model in models {
        tests::books::configure(
            app,
            "setAccess",
            "SetAccessInput",
            json!({ "group": "books", "model": model, "read": true, "create": true, "write": true }),
        )
        .await;
    }
}

#[tokio::test]
async fn another_companys_draft_lines_and_stock_are_not_changed_through_side_doors() {
    let app = books_of_main_and_b().await;
    books_may(&app, &["STOCK", "LOG"]).await;
    let admin = app.admin_token.clone();
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    // b's draft and b's own product.
    let drafted = as_user(
        &app,
        &admin,
        Some("b"),
        "mutation($partner: ID!) { createInvoice(input: { kind: CUSTOMER_INVOICE, partner: $partner,
            lines: [{ description: \"Work\", quantity: \"1\", unitPrice: \"100\" }] }) {
            invoice { id } userErrors { message } } }",
        json!({ "partner": partner }),
    )
    .await;
    let draft = drafted["data"]["createInvoice"]["invoice"]["id"].clone();
    let made = as_user(
        &app,
        &admin,
        Some("b"),
        CREATE_PRODUCT,
        json!({ "input": { "reference": "BDESK", "name": "B desk", "kind": "STOCKABLE",
                           "salePrice": "10", "cost": "5" } }),
    )
    .await;
    let product = made["data"]["createProduct"]["product"]["id"].clone();
    assert_eq!(
        made["data"]["createProduct"]["product"]["company"], "b",
        "{made}"
    );
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let events = app.event_count().await;
    for (query, variables, field) in [
        (
            "mutation($id: ID!) { updateInvoiceLines(input: { id: $id,
                lines: [{ description: \"Mine\", quantity: \"9\", unitPrice: \"9\" }] }) {
                invoice { id total } userErrors { field code } } }",
            json!({ "id": draft }),
            "updateInvoiceLines",
        ),
        (
            "mutation($product: ID!) { countStock(input: { product: $product, counted: \"1000\" }) {
                userErrors { field code } } }",
            json!({ "product": product }),
            "countStock",
        ),
    ] {
        let refused = as_user(&app, &ana, None, query, variables).await;
        let payload = &refused["data"][field];
        assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND", "{refused}");
        assert_eq!(payload["invoice"], Value::Null, "{refused}");
    }
    assert_eq!(app.event_count().await, events, "nothing written");
}

#[tokio::test]
async fn the_log_keeps_keys_numbers_configuration_and_users_to_those_who_see_every_company() {
    let app = books_of_main_and_b().await;
    books_may(&app, &["LOG"]).await;
    let admin = app.admin_token.clone();
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    shared_product(&app, "DESK", "CONSUMABLE", "10", "5").await;
    posted_invoice_in(&app, (&admin, Some("b")), &partner, "100").await;
    let bea = bookkeeper(&app, "bea", &["b"]).await;
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let cy = bookkeeper(&app, "cy", &["main", "b"]).await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let count = async |token: &str, filter: Value| {
        let answer = as_user(
            &app,
            token,
            None,
            "query($where: LogWhere) { log(first: 1, where: $where) { totalCount } }",
            json!({ "where": filter }),
        )
        .await;
        answer["data"]["log"]["totalCount"]
            .as_i64()
            .unwrap_or_else(|| panic!("{answer}"))
    };
    for kind in ["UniqueKey", "Numbering", "Configuration"] {
        let filter = json!({ "aggregateType": kind });
        assert!(count(&admin, filter.clone()).await > 0, "{kind}");
        // cy works in every company: nothing is hidden from her.
        assert_eq!(
            count(&cy, filter.clone()).await,
            count(&admin, filter.clone()).await
        );
        assert_eq!(count(&ana, filter.clone()).await, 0, "{kind} for ana");
        assert_eq!(count(&bea, filter).await, 0, "{kind} for bea");
    }
    // users: those who share a company with the reader (the administrator was made in main).
    let users = |token: String| {
        let app = &app;
        async move {
            let answer = as_user(
                app,
                &token,
                None,
                "{ log(first: 100, where: { aggregateType: \"User\" }) { nodes { payload } } }",
                json!({}),
            )
            .await;
            let mut logins: Vec<String> = answer["data"]["log"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{answer}"))
                .iter()
                .filter_map(|n| {
                    n["payload"]["UserCreated"]["login"]
                        .as_str()
                        .map(str::to_owned)
                })
                .collect();
            logins.sort();
            logins
        }
    };
    assert_eq!(users(ana.clone()).await, ["admin", "ana", "cy"]);
    assert_eq!(users(bea.clone()).await, ["bea", "cy"]);
}

#[tokio::test]
async fn what_a_record_points_at_shows_no_history_its_reader_may_not_see() {
    let app = books_of_main_and_b().await;
    let admin = app.admin_token.clone();
    let partner = shared_partner(&app, "Mover AB", true, false).await;
    let (invoice, _) = posted_invoice_in(&app, (&admin, Some("main")), &partner, "100").await;
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let query = "query($id: ID!) { invoice(id: $id) { partner { name history { totalCount } } } }";
    let before = as_user(&app, &ana, None, query, json!({ "id": invoice })).await;
    assert!(
        before["data"]["invoice"]["partner"]["history"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0,
        "{before}"
    );
    // the partner moves to b, and changes there: ana still sees her invoice, not its history.
    let moved = tests::books::mutate(
        &app,
        "updatePartner",
        "UpdatePartnerInput",
        json!({ "id": partner, "company": "b", "email": "ceo@mover-b.example" }),
        "partner { company }",
    )
    .await;
    assert_eq!(moved["partner"]["company"], "b", "{moved}");
    let after = as_user(&app, &ana, None, query, json!({ "id": invoice })).await;
    assert_eq!(
        after["data"]["invoice"]["partner"]["history"]["totalCount"], 0,
        "{after}"
    );
}

#[tokio::test]
async fn a_user_of_another_company_gets_no_main_company_and_coded_refusals() {
    let app = books_of_main_and_b().await;
    let bea = bookkeeper(&app, "bea", &["b"]).await;
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let query = "{ configuration { company { name } businessSettings { receivableAccount } } }";
    let theirs = as_user(&app, &bea, None, query, json!({})).await;
    assert_eq!(
        theirs["data"]["configuration"]["company"],
        Value::Null,
        "{theirs}"
    );
    let mine = as_user(&app, &ana, None, query, json!({})).await;
    assert!(
        mine["data"]["configuration"]["company"]["name"].is_string(),
        "{mine}"
    );
    // a report of a company one does not work in: FORBIDDEN, coded.
    let refused = as_user(
        &app,
        &bea,
        None,
        "{ trialBalance(company: { code: \"main\" }) { totalDebit } }",
        json!({}),
    )
    .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    // two companies asked at once: neither is taken.
    let (router, _) = app.server_app().await;
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", app.admin_token))
        .header("x-company", "b")
        .header("x-company", "main")
        .body(axum::body::Body::from(
            r#"{"query":"{ configuration { version } }"}"#,
        ))
        .unwrap();
    let response = tower::ServiceExt::oneshot(router.clone(), request)
        .await
        .unwrap();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body = String::from_utf8_lossy(&bytes);
    assert!(body.contains("FORBIDDEN"), "{body}");
    // the ledger's export takes the header as GraphQL does.
    let request = axum::http::Request::builder()
        .uri("/ledger.csv")
        .header("authorization", format!("Bearer {bea}"))
        .header("x-company", "main")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
    assert_eq!(response.status(), axum::http::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_product_moved_to_another_company_leaves_its_stock_seen_where_it_is() {
    let app = books_of_main_and_b().await;
    books_may(&app, &["STOCK"]).await;
    let supplier = shared_partner(&app, "Asustek", false, true).await;
    let product = shared_product(&app, "MOUSE", "STOCKABLE", "20", "10").await;
    received(&app, "b", &supplier, &product, "7").await;
    let moved = tests::books::mutate(
        &app,
        "updateProduct",
        "UpdateProductInput",
        json!({ "id": product, "company": "main" }),
        "product { company }",
    )
    .await;
    assert_eq!(moved["product"]["company"], "main", "{moved}");
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let bea = bookkeeper(&app, "bea", &["b"]).await;
    let stock = as_user(
        &app,
        &bea,
        None,
        "{ stockLevels(first: 10) { totalCount nodes { reference onHand } }
           stockValuation { totalValue } }",
        json!({}),
    )
    .await;
    // b's warehouse still holds its 7, worth 70.00 at cost.
    assert_eq!(stock["data"]["stockLevels"]["totalCount"], 1, "{stock}");
    assert_eq!(
        stock["data"]["stockLevels"]["nodes"],
        json!([{ "reference": "MOUSE", "onHand": "7" }]),
        "{stock}"
    );
    assert_eq!(
        stock["data"]["stockValuation"]["totalValue"], "70.00",
        "{stock}"
    );
}

/// Posts a manual entry of 500 from the bank to capital, with id `id` if given, as the holder
/// of `token` in `company`: the payload.
async fn manual_entry(
    app: &TestApp,
    token: &str,
    company: Option<&str>,
    id: Option<&str>,
) -> Value {
    let answer = as_user(
        app,
        token,
        company,
        "mutation($id: ID) { postEntry(input: { id: $id, journal: \"misc\", date: \"2026-03-10\",
            lines: [{ account: \"550000\", debit: \"500\" }, { account: \"100000\", credit: \"500\" }] }) {
            entry { id } userErrors { field message code } } }",
        json!({ "id": id }),
    )
    .await;
    answer["data"]["postEntry"].clone()
}

#[tokio::test]
async fn an_id_another_company_used_is_refused_and_the_books_keep_being_read() {
    let app = books_of_main_and_b().await;
    books_may(&app, &["SALE_ORDER", "STOCK"]).await;
    let admin = app.admin_token.clone();
    let partner = shared_partner(&app, "Agrolait", true, false).await;
    let product = shared_product(&app, "MOUSE", "CONSUMABLE", "20", "10").await;
    // b's entry, b's payment of an invoice, b's delivery.
    let theirs = manual_entry(&app, &admin, Some("b"), None).await;
    let entry = theirs["entry"]["id"].as_str().unwrap().to_owned();
    let (invoice_b, _) = posted_invoice_in(&app, (&admin, Some("b")), &partner, "100").await;
    let paid = as_user(
        &app,
        &admin,
        Some("b"),
        "mutation($partner: ID!, $invoice: ID!) { registerPayment(input: { journal: \"bank\",
            partner: $partner, amount: \"10\", allocations: [{ invoice: $invoice, amount: \"10\" }] }) {
            payment { id } userErrors { message } } }",
        json!({ "partner": partner, "invoice": invoice_b }),
    )
    .await;
    let payment = paid["data"]["registerPayment"]["payment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{paid}"))
        .to_owned();
    let order_b = as_user(
        &app,
        &admin,
        Some("b"),
        CREATE_ORDER,
        json!({ "partner": partner, "product": product }),
    )
    .await;
    let order_b = order_b["data"]["createSaleOrder"]["order"]["id"].clone();
    let delivery = "01a23cba-0000-7000-8000-00000000d001";
    for mutation in [
        "mutation($id: ID!) { confirmOrder(input: { id: $id }) { userErrors { message } } }",
        "mutation($id: ID!) { deliverOrder(input: { id: $id, delivery: \"01a23cba-0000-7000-8000-00000000d001\",
            lines: [{ line: 0, quantity: \"1\" }] }) { userErrors { message } } }",
    ] {
        let done = as_user(&app, &admin, Some("b"), mutation, json!({ "id": order_b })).await;
        assert!(done["errors"].is_null(), "{done}");
    }
    // main's invoice, whose entry id a main user can read.
    let (invoice_main, _) = posted_invoice_in(&app, (&admin, Some("main")), &partner, "100").await;
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let ana = bookkeeper(&app, "ana", &["main"]).await;
    let main_entry: String =
        sqlx::query_scalar("select id::text from journal_entry where origin_id = $1::uuid")
            .bind(&invoice_main)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();

    let events = app.event_count().await;
    // ana reuses b's entry id, b's payment id, her own invoice's entry id: refused.
    for id in [&entry, &payment, &main_entry] {
        let refused = manual_entry(&app, &ana, None, Some(id)).await;
        assert_eq!(
            refused["userErrors"][0]["code"], "ALREADY_EXISTS",
            "{id}: {refused}"
        );
    }
    let refused = as_user(
        &app,
        &ana,
        None,
        "mutation($id: ID!, $partner: ID!, $invoice: ID!) { registerPayment(input: { id: $id,
            journal: \"bank\", partner: $partner, amount: \"1\",
            allocations: [{ invoice: $invoice, amount: \"1\" }] }) { userErrors { code } } }",
        json!({ "id": payment, "partner": partner, "invoice": invoice_main }),
    )
    .await;
    assert_eq!(
        refused["data"]["registerPayment"]["userErrors"][0]["code"], "ALREADY_EXISTS",
        "{refused}"
    );
    // ana's own order delivered under b's delivery id: refused at the delivery.
    let mine = as_user(
        &app,
        &ana,
        None,
        CREATE_ORDER,
        json!({ "partner": partner, "product": product }),
    )
    .await;
    let mine = mine["data"]["createSaleOrder"]["order"]["id"].clone();
    let confirmed = as_user(
        &app,
        &ana,
        None,
        "mutation($id: ID!) { confirmOrder(input: { id: $id }) { userErrors { message } } }",
        json!({ "id": mine }),
    )
    .await;
    assert!(confirmed["errors"].is_null(), "{confirmed}");
    let events_before_delivery = app.event_count().await;
    let refused = as_user(
        &app,
        &ana,
        None,
        "mutation($id: ID!, $delivery: ID!) { deliverOrder(input: { id: $id, delivery: $delivery,
            lines: [{ line: 0, quantity: \"1\" }] }) { userErrors { field code } } }",
        json!({ "id": mine, "delivery": delivery }),
    )
    .await;
    let error = &refused["data"]["deliverOrder"]["userErrors"][0];
    assert_eq!(error["code"], "ALREADY_EXISTS", "{refused}");
    assert_eq!(error["field"], json!(["input", "delivery"]), "{refused}");
    assert_eq!(app.event_count().await, events_before_delivery);
    assert!(app.event_count().await > events); // (the order ana made and confirmed)

    // and the books keep being read: a new entry is projected and shown.
    let posted = manual_entry(&app, &ana, None, None).await;
    let id = posted["entry"]["id"].as_str().unwrap().to_owned();
    assert!(
        tests::eventually(std::time::Duration::from_secs(10), || async {
            let shown = as_user(
                &app,
                &ana,
                None,
                "query($id: ID!) { journalEntry(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
            shown["data"]["journalEntry"]["id"] == json!(id)
        })
        .await,
        "the books stopped being read"
    );
    // an id sent to a create shows nothing of another company's record.
    let shown = as_user(
        &app,
        &ana,
        None,
        "mutation($id: ID!, $partner: ID!, $product: ID!) { createSaleOrder(input: { id: $id,
            partner: $partner, lines: [{ product: $product, quantity: \"1\" }] }) {
            order { id company } userErrors { code } } }",
        json!({ "id": order_b, "partner": partner, "product": product }),
    )
    .await;
    assert_eq!(
        shown["data"]["createSaleOrder"]["userErrors"][0]["code"], "ALREADY_EXISTS",
        "{shown}"
    );
    assert_eq!(
        shown["data"]["createSaleOrder"]["order"],
        Value::Null,
        "{shown}"
    );
}

#[tokio::test]
async fn a_manager_of_users_of_one_company_changes_no_one_elses_nor_makes_administrators() {
    let app = books_of_main_and_b().await;
    tests::books::configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "people", "name": "People" }),
    )
    .await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "people", "model": "USER", "read": true, "create": true, "write": true }),
    )
    .await;
    let eve = app.user_in("eve", &["people"], &["b"]).await;
    let ana = app.user_in("ana", &["people"], &["main"]).await;
    let admin_id = commands::auth::user_id("admin").to_string();
    let ana_id = commands::auth::user_id("ana").to_string();
    let bo = app.user_in("bo", &[], &["b"]).await;
    let _ = bo;
    let bo_id = commands::auth::user_id("bo").to_string();
    let events = app.event_count().await;
    let ask =
        async |query: &str, variables: Value| as_user(&app, &eve, None, query, variables).await;
    // the administrator's password: not a user manager's to change, even in his company.
    let taken = as_user(
        &app,
        &ana,
        None,
        "mutation($id: ID!) { setUserPassword(input: { id: $id, password: \"pwned-pass-12345\" }) {
            user { login } userErrors { code } } }",
        json!({ "id": admin_id }),
    )
    .await;
    assert_eq!(
        taken["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{taken}"
    );
    // ana's (main only): not eve's to change, nor to know of.
    for (mutation, field) in [
        (
            "mutation($id: ID!) { updateUser(input: { id: $id, name: \"pwned\" }) {
                user { login } userErrors { code } } }",
            "updateUser",
        ),
        (
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { login } userErrors { code } } }",
            "deactivateUser",
        ),
        (
            "mutation($id: ID!) { setUserPassword(input: { id: $id, password: \"pwned-pass-12345\" }) {
                user { login } userErrors { code } } }",
            "setUserPassword",
        ),
    ] {
        let refused = ask(mutation, json!({ "id": ana_id })).await;
        assert_eq!(refused["data"][field]["userErrors"][0]["code"], "NOT_FOUND", "{refused}");
        assert_eq!(refused["data"][field]["user"], Value::Null, "{refused}");
    }
    // no administrators made, no users put in a company she does not work in.
    for (query, variables) in [
        (
            "mutation($id: ID!) { updateUser(input: { id: $id, groups: [\"admin\"] }) { userErrors { code } } }",
            json!({ "id": commands::auth::user_id("eve").to_string() }),
        ),
        (
            "mutation { createUser(input: { login: \"mallory\", name: \"M\", password: \"a-long-password-1\",
                groups: [\"admin\"] }) { userErrors { code } } }",
            json!({}),
        ),
        (
            "mutation { createUser(input: { login: \"mallory\", name: \"M\", password: \"a-long-password-1\",
                companies: [\"main\"] }) { userErrors { code } } }",
            json!({}),
        ),
        (
            "mutation($id: ID!) { updateUser(input: { id: $id, companies: [\"main\", \"b\"] }) { userErrors { code } } }",
            json!({ "id": bo_id }),
        ),
    ] {
        let refused = ask(query, variables).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    }
    assert_eq!(app.event_count().await, events, "nothing written");
    // her own company's user she does manage.
    let renamed = ask(
        "mutation($id: ID!) { updateUser(input: { id: $id, name: \"Bo B.\" }) { user { name } userErrors { code } } }",
        json!({ "id": bo_id }),
    )
    .await;
    assert_eq!(
        renamed["data"]["updateUser"]["user"]["name"], "Bo B.",
        "{renamed}"
    );
}

#[tokio::test]
async fn a_companys_currency_stays_once_it_has_books() {
    // the demo: north has invoices, posted, and an entry of its own.
    let app = TestApp::demo().await;
    let usd = app
        .graphql(
            "mutation { setCurrency(input: { code: \"USD\", name: \"US Dollar\", symbol: \"$\" }) {
                userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(usd["setCurrency"]["userErrors"], json!([]));
    let events = app.event_count().await;
    for code in ["north", "main"] {
        let errors = set_company(&app, json!({ "code": code, "currency": "USD" })).await;
        assert_eq!(errors[0]["code"], "IN_USE", "{code}: {errors}");
        assert_eq!(errors[0]["field"], json!(["input", "currency"]));
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("company '{code}' keeps its books in EUR")),
            "{message}"
        );
    }
    assert_eq!(app.event_count().await, events, "nothing written");
    // its name still changes; a company without records changes its currency freely.
    assert_eq!(
        set_company(&app, json!({ "code": "north", "name": "North Branch" })).await,
        json!([])
    );
    assert_eq!(
        set_company(
            &app,
            json!({ "code": "south", "name": "South", "parent": "main" })
        )
        .await,
        json!([])
    );
    assert_eq!(
        set_company(&app, json!({ "code": "south", "currency": "USD" })).await,
        json!([])
    );
    let companies = app.graphql(COMPANIES, json!({})).await;
    let currencies: Vec<(&str, &str)> = companies["configuration"]["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap(), c["currency"].as_str().unwrap()))
        .collect();
    assert_eq!(
        currencies,
        [("main", "EUR"), ("north", "EUR"), ("south", "USD")]
    );
}

#[tokio::test]
async fn a_user_manager_of_one_company_changes_no_user_of_another() {
    let app = TestApp::new().await;
    set_company(&app, json!({ "code": "b", "name": "B Ltd" })).await;
    tests::books::configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "people", "name": "People" }),
    )
    .await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "people", "model": "USER", "read": true, "create": true, "write": true }),
    )
    .await;
    let bea = app.user_in("bea", &["people"], &["b"]).await;
    app.user_in("cy", &["user"], &["main", "b"]).await;
    app.user_in("dee", &["user"], &["b"]).await;
    let users = app
        .graphql("{ users(first: 10) { nodes { id login } } }", json!({}))
        .await;
    let id_of = |login: &str| {
        users["users"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["login"] == login)
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (cy, dee) = (id_of("cy"), id_of("dee"));
    let before = app.event_count().await;
    // cy works in main too, where bea does not: her password, her companies and her access
    // stay out of bea's hands (a new password would open main's books to bea).
    for mutation in [
        "setUserPassword(input: { id: $id, password: \"takeover-12345\" })",
        "updateUser(input: { id: $id, companies: [\"b\"] })",
        "deactivateUser(input: { id: $id })",
    ] {
        let answer = app
            .graphql_with(
                &bea,
                &format!("mutation($id: ID!) {{ {mutation} {{ userErrors {{ code }} }} }}"),
                json!({ "id": cy }),
            )
            .await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{mutation}: {answer}"
        );
        // said without naming the company bea does not work in.
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("works in a company you do not") && !message.contains("main"),
            "{answer}"
        );
    }
    assert_eq!(app.event_count().await, before, "nothing written");
    // dee works in b alone: bea manages her.
    let set = app
        .graphql_with(
            &bea,
            "mutation($id: ID!) { setUserPassword(input: { id: $id, password: \"new-password-12345\" }) {
                userErrors { code } } }",
            json!({ "id": dee }),
        )
        .await;
    assert_eq!(
        set["data"]["setUserPassword"]["userErrors"],
        json!([]),
        "{set}"
    );
}
