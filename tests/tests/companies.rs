//! Several companies in one database (issue 18): companies as configuration, users who work in
//! some of them, and requests that name the company they work in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
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
    for other in ["main", "nowhere"] {
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
    for (model, write) in [("SALE_ORDER", true), ("PARTNER", false), ("PRODUCT", false)] {
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
    let created = app
        .graphql(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { message } } }",
            json!({ "input": {
                "login": login, "name": login, "password": USER_PASSWORD, "groups": ["sales"],
                "companies": companies
            } }),
        )
        .await;
    assert_eq!(created["createUser"]["userErrors"], json!([]), "{created}");
    app.login(login, USER_PASSWORD).await
}

/// Sends `query` with `variables` as the holder of `token`, in `company` if given.
async fn as_user(
    app: &TestApp,
    token: &str,
    company: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let bearer = format!("Bearer {token}");
    let mut headers = vec![
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    if let Some(company) = company {
        headers.push(("x-company", company));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let response = app.http(Method::POST, "/graphql", &headers, body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
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
    let partner = tests::books::partner(&app, "Agrolait", true, false).await;
    let product = tests::books::product(&app, "CONSULT", "SERVICE", "100", "0").await;
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
}
