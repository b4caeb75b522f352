//! What a frontend built with standard tools needs from the API, tried as those tools do it
//! (issue 15): the standard introspection query, the schema as SDL, clear errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use tests::{TestApp, ADMIN_PASSWORD, STANDARD_INTROSPECTION, USER_PASSWORD};

async fn post(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    post_with(app, token, query, json!({})).await
}

fn type_names(answer: &Value) -> Vec<&str> {
    answer["data"]["__schema"]["types"]
        .as_array()
        .unwrap_or_else(|| panic!("no types: {answer}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_standard_introspection_query_passes_signed_in_or_not() {
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.admin_token);
    for token in ["", bearer.as_str()] {
        let (status, answer) = post(&app, token, STANDARD_INTROSPECTION).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert!(answer.get("errors").is_none(), "{answer}");
        let names = type_names(&answer);
        for expected in ["Partner", "Order", "Invoice", "JournalEntry", "AsOfInput"] {
            assert!(names.contains(&expected), "{expected} missing: {names:?}");
        }
        assert_eq!(answer["data"]["__schema"]["queryType"]["name"], "QueryRoot");
    }
}

#[tokio::test]
async fn a_server_may_show_its_schema_to_signed_in_users_only() {
    let mut app = TestApp::new().await;
    app.router = api::app(api::graphql::schema(
        app.backend.state.clone(),
        api::graphql::Introspection::SignedIn,
    ));
    let bearer = format!("Bearer {}", app.admin_token);
    let (_, anonymous) = post(&app, "", STANDARD_INTROSPECTION).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    assert!(
        anonymous.get("data").is_none_or(Value::is_null),
        "{anonymous}"
    );
    let (_, typed) = post(&app, "", "{ __type(name: \"Partner\") { name } }").await;
    assert_eq!(
        typed["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{typed}"
    );
    let (_, signed_in) = post(&app, &bearer, STANDARD_INTROSPECTION).await;
    assert!(signed_in.get("errors").is_none(), "{signed_in}");
    assert!(type_names(&signed_in).contains(&"Partner"));
    // what is not introspection is as it was: `__typename`, and signing in.
    let (_, plain) = post(&app, "", "{ __typename }").await;
    assert_eq!(plain["data"]["__typename"], "QueryRoot", "{plain}");
    // the SDL follows the same rule.
    for (token, status) in [
        ("", StatusCode::UNAUTHORIZED),
        (bearer.as_str(), StatusCode::OK),
    ] {
        let response = app
            .http(
                Method::GET,
                "/graphql/schema.graphql",
                &[("authorization", token)],
                "",
            )
            .await;
        assert_eq!(response.status, status, "{}", response.body);
    }
}

#[tokio::test]
async fn hostile_introspection_stays_refused() {
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.admin_token);
    // lists of lists of lists of lists: the types of the fields of the types of the fields ...
    let fan_out =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    // a chain of type references far deeper than any tool asks for.
    let mut chain = String::from("name");
    for _ in 0..30 {
        chain = format!("ofType {{ {chain} }}");
    }
    let deep = format!("{{ __type(name: \"Partner\") {{ {chain} }} }}");
    for query in [fan_out, deep.as_str()] {
        let (_, answer) = post(&app, &bearer, query).await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("nested too deep"), "{query}: {answer}");
    }
}

#[tokio::test]
async fn the_schema_is_served_as_the_committed_sdl() {
    let app = TestApp::new().await;
    let response = app
        .http(
            Method::GET,
            "/graphql/schema.graphql",
            &[("authorization", "")],
            "",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.content_type.starts_with("text/plain"),
        "{}",
        response.content_type
    );
    assert_eq!(
        response.body,
        include_str!("../../api/schema/erp.graphql"),
        "the served SDL is not the committed one"
    );
    assert!(response.body.contains("type Partner {"));
}

/// The named type under `type_` (past NON_NULL and LIST).
fn named(type_: &Value) -> &str {
    let mut t = type_;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    t["name"].as_str().unwrap()
}

#[tokio::test]
async fn every_text_argument_refuses_a_nul_byte_by_name_and_writes_nothing() {
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.admin_token);
    let (_, schema) = post(&app, &bearer, STANDARD_INTROSPECTION).await;
    let types = schema["data"]["__schema"]["types"].as_array().unwrap();
    let type_of = |name: &str| types.iter().find(|t| t["name"] == name).unwrap();
    let is_text = |name: &str| name == "String" || name == "ID";
    let before = app.event_count().await;
    let mut tried = 0;
    for (root, keyword) in [
        ("QueryRoot", "query"),
        ("MutationRoot", "mutation"),
        ("ConfigurationSubscription", "subscription"),
    ] {
        for field in type_of(root)["fields"].as_array().unwrap() {
            let field_name = field["name"].as_str().unwrap();
            for argument in field["args"].as_array().unwrap() {
                let argument_name = argument["name"].as_str().unwrap();
                let argument_type = named(&argument["type"]);
                // the argument itself, or each text field of its input object, holds the NUL:
                // once written in the document, once sent as a variable.
                let mut places: Vec<(String, String)> = Vec::new();
                if is_text(argument_type) {
                    places.push((argument_name.to_owned(), "$v".to_owned()));
                } else if let Some(fields) = type_of(argument_type)["inputFields"].as_array() {
                    for input in fields.iter().filter(|f| is_text(named(&f["type"]))) {
                        let input_name = input["name"].as_str().unwrap();
                        places.push((
                            format!("{argument_name}.{input_name}"),
                            format!("{{ {input_name}: $v }}"),
                        ));
                    }
                }
                for (path, value) in places {
                    for literal in [true, false] {
                        let (value, variables) = if literal {
                            (value.replace("$v", "\"a\\u0000b\""), json!({}))
                        } else {
                            (value.clone(), json!({ "v": "a\u{0}b" }))
                        };
                        let declared = if literal { "" } else { "($v: String)" };
                        let document = format!(
                            "{keyword} {declared} {{ {field_name}({argument_name}: {value}) {{ __typename }} }}"
                        );
                        let response = app
                            .http(
                                Method::POST,
                                "/graphql",
                                &[
                                    ("content-type", "application/json"),
                                    ("authorization", &bearer),
                                ],
                                json!({ "query": document, "variables": variables }).to_string(),
                            )
                            .await;
                        let answer = response.json();
                        let error = &answer["errors"][0];
                        assert_eq!(
                            error["extensions"]["code"], "BAD_USER_INPUT",
                            "{document} {variables}: {answer}"
                        );
                        assert_eq!(error["extensions"]["argument"], path.as_str(), "{document}");
                        let message = error["message"].as_str().unwrap();
                        assert!(
                            message.contains(&format!("`{path}`")) && message.contains(field_name),
                            "{document}: {message}"
                        );
                        tried += 1;
                    }
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} text arguments tried");
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_bad_cursor_is_an_invalid_cursor_naming_its_argument() {
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.admin_token);
    // a partner, to have a history and a cursor of a list sorted by name
    let created = app
        .graphql(
            "mutation { createPartner(input: { name: \"Agrolait\" }) { partner { id } } }",
            json!({}),
        )
        .await;
    let id = created["createPartner"]["partner"]["id"].as_str().unwrap();
    let by_name = app
        .graphql(
            "{ partners(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let name_cursor = by_name["partners"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap();
    for module in ["sale", "stock"] {
        app.graphql(
            &format!("mutation {{ installModule(input: {{ name: \"{module}\" }}) {{ userErrors {{ code }} }} }}"),
            json!({}),
        )
        .await;
    }
    let lists = [
        ("partners(first: 5, after: $c) { totalCount }", "after"),
        ("partners(last: 5, before: $c) { totalCount }", "before"),
        ("products(first: 5, after: $c) { totalCount }", "after"),
        ("saleOrders(first: 5, after: $c) { totalCount }", "after"),
        ("invoices(first: 5, after: $c) { totalCount }", "after"),
        ("log(first: 5, after: $c) { totalCount }", "after"),
    ];
    let history =
        format!("partner(id: \"{id}\") {{ history(first: 5, after: $c) {{ totalCount }} }}");
    for cursor in ["garbage", "Zm9v", "\u{f0}\u{9f}", "-1x", ""] {
        for (list, argument) in lists.iter().chain([(history.as_str(), "after")].iter()) {
            let document = format!("query($c: String) {{ {list} }}");
            let (_, answer) = post_with(&app, &bearer, &document, json!({ "c": cursor })).await;
            let error = &answer["errors"][0];
            assert_eq!(
                (
                    &error["extensions"]["code"],
                    &error["extensions"]["argument"]
                ),
                (&json!("INVALID_CURSOR"), &json!(argument)),
                "{document} with {cursor:?}: {answer}"
            );
        }
    }
    // a forged cursor that decodes, with text PostgreSQL cannot take inside.
    use async_graphql::connection::{CursorType, OpaqueCursor};
    let forged = OpaqueCursor(
        json!({ "key": "a\u{0}b", "number": "a\u{0}b", "date": "2026-01-01",
                                       "id": "00000000-0000-0000-0000-000000000000" }),
    )
    .encode_cursor();
    for list in [
        "partners(first: 5, after: $c) { totalCount }",
        "stockLevels(first: 5, after: $c) { totalCount }",
        "journalEntries(first: 5, after: $c) { totalCount }",
        "periods(first: 5, after: $c) { totalCount }",
    ] {
        let document = format!("query($c: String) {{ {list} }}");
        let (_, answer) = post_with(&app, &bearer, &document, json!({ "c": forged })).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
            "{list}: {answer}"
        );
    }
    // a cursor of the list sorted by name, given to the list sorted by creation.
    let (_, answer) = post_with(
        &app,
        &bearer,
        "query($c: String) { partners(first: 5, after: $c, orderBy: { field: CREATED_AT }) { totalCount } }",
        json!({ "c": name_cursor }),
    )
    .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
        "{answer}"
    );
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sorted another way"),
        "{answer}"
    );
}

async fn post_with(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> (StatusCode, Value) {
    let response = app
        .http(
            Method::POST,
            "/graphql",
            &[
                ("content-type", "application/json"),
                ("authorization", token),
            ],
            json!({ "query": query, "variables": variables }).to_string(),
        )
        .await;
    (response.status, response.json())
}

#[tokio::test]
async fn extensions_that_are_not_an_object_are_a_bad_request() {
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.admin_token);
    for extensions in [json!([1]), json!("x"), json!(3), json!(true)] {
        let response = app
            .http(
                Method::POST,
                "/graphql",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &bearer),
                ],
                json!({ "query": "{ __typename }", "extensions": extensions }).to_string(),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{extensions}: {}",
            response.body
        );
        assert!(
            response.body.contains("`extensions` must be a JSON object"),
            "{}",
            response.body
        );
        let get = app
            .http(
                Method::GET,
                &format!(
                    "/graphql?query=%7B__typename%7D&extensions={}",
                    urlencode(&extensions.to_string())
                ),
                &[("accept", "application/json"), ("authorization", &bearer)],
                "",
            )
            .await;
        assert_eq!(
            get.status,
            StatusCode::BAD_REQUEST,
            "GET {extensions}: {}",
            get.body
        );
    }
    for fine in [json!({}), json!({ "persistedQuery": null }), Value::Null] {
        let response = app
            .http(
                Method::POST,
                "/graphql",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &bearer),
                ],
                json!({ "query": "{ __typename }", "extensions": fine }).to_string(),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{fine}: {}", response.body);
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn an_update_changes_what_it_names_and_clears_what_it_nulls() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    const SETTINGS: &str = "configuration { businessSettings { receivableAccount payableAccount
        saleJournal purchaseJournal saleOrderSequence invoicePolicy allowNegativeStock paymentDays } }";
    let before = app.graphql(&format!("{{ {SETTINGS} }}"), json!({})).await["configuration"]
        ["businessSettings"]
        .clone();
    assert_eq!(before["paymentDays"], 30, "{before}");
    // one field named: only it changes.
    let changed = tests::books::must(
        &app,
        "setBusinessSettings",
        "BusinessSettingsInput",
        json!({ "paymentDays": 45 }),
        SETTINGS,
    )
    .await["configuration"]["businessSettings"]
        .clone();
    let mut expected = before.clone();
    expected["paymentDays"] = json!(45);
    assert_eq!(changed, expected);
    // an explicit null clears; the rest stays.
    let cleared = tests::books::must(
        &app,
        "setBusinessSettings",
        "BusinessSettingsInput",
        json!({ "purchaseJournal": null }),
        SETTINGS,
    )
    .await["configuration"]["businessSettings"]
        .clone();
    expected["purchaseJournal"] = Value::Null;
    assert_eq!(cleared, expected);

    // the company's address likewise.
    const COMPANY: &str = "configuration { company { name address { street city country } } }";
    let company = |input: Value| {
        let app = &app;
        async move {
            tests::books::must(app, "updateCompany", "UpdateCompanyInput", input, COMPANY).await
                ["configuration"]["company"]
                .clone()
        }
    };
    let set = company(json!({ "street": "Rue 1", "city": "Wavre", "country": "BE" })).await;
    let renamed = company(json!({ "name": "Agrolait Group" })).await;
    assert_eq!(renamed["address"], set["address"], "{renamed}");
    let without_street = company(json!({ "street": null })).await;
    assert_eq!(
        without_street["address"],
        json!({ "street": null, "city": "Wavre", "country": "BE" })
    );
    assert_eq!(without_street["name"], "Agrolait Group");
}

#[tokio::test]
async fn a_field_of_a_missing_module_fails_alone() {
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.admin_token);
    let (_, answer) = post(
        &app,
        &bearer,
        "{ configuration { company { name } taxes { nodes { code } } accounts { nodes { code } } modules { name } } }",
    )
    .await;
    let configuration = &answer["data"]["configuration"];
    assert!(configuration["company"]["name"].is_string(), "{answer}");
    assert!(configuration["modules"].is_array(), "{answer}");
    assert_eq!(configuration["taxes"], Value::Null, "{answer}");
    let errors = answer["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{answer}");
    assert_eq!(errors[0]["path"], json!(["configuration", "taxes"]));
    assert_eq!(errors[0]["extensions"]["code"], "MODULE_NOT_INSTALLED");
}

const UPDATE_GROUPS: &str = "mutation($id: ID!, $groups: [String!]) {
    updateUser(input: { id: $id, groups: $groups }) { user { groups } userErrors { field code message } } }";
const DEACTIVATE: &str = "mutation($id: ID!) {
    deactivateUser(input: { id: $id }) { user { active } userErrors { field code message } } }";

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.graphql_with(token, "{ me { id } }", json!({})).await;
    me["data"]["me"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_last_administrator_cannot_lock_everyone_out() {
    let app = TestApp::new().await;
    let admin = user_id(&app, &app.admin_token).await;
    let before = app.event_count().await;

    // removing one's own groups, as the issue found it done.
    let demoted = app
        .graphql(UPDATE_GROUPS, json!({ "id": admin, "groups": ["user"] }))
        .await;
    let errors = &demoted["updateUser"]["userErrors"];
    assert_eq!(errors[0]["code"], "LAST_ADMINISTRATOR", "{demoted}");
    assert_eq!(errors[0]["field"], json!(["input", "groups"]));
    assert_eq!(app.event_count().await, before, "a refusal writes nothing");
    let still = app
        .graphql("{ users { edges { node { login } } } }", json!({}))
        .await;
    assert!(still["users"]["edges"].as_array().is_some(), "{still}");

    // a clerk who may write users (not an administrator) cannot deactivate the last one: nor
    // any administrator (a second probe found a clerk setting the administrator's password),
    // so the refusal is FORBIDDEN before the last administrator is even counted.
    app.graphql(
        "mutation { setGroup(input: { code: \"hr\", name: \"HR\" }) { userErrors { message } }
                    setAccess(input: { group: \"hr\", model: USER, read: true, write: true }) { userErrors { message } } }",
        json!({}),
    )
    .await;
    let clerk = app.user("clerk", &["hr"]).await;
    let before = app.event_count().await;
    let deactivated = app
        .graphql_with(&clerk, DEACTIVATE, json!({ "id": admin }))
        .await;
    assert_eq!(
        deactivated["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{deactivated}"
    );
    assert_eq!(app.event_count().await, before, "a refusal writes nothing");

    // with a second administrator, either may step down; the last one left may not.
    let second_token = app.user("second", &["admin"]).await;
    let second = user_id(&app, &second_token).await;
    let listed = app
        .graphql(
            "{ admins: users(where: { group: \"admin\", active: true }) { totalCount }
               found: users(where: { search: \"SEC\" }) { nodes { login } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["admins"]["totalCount"], 2, "{listed}");
    assert_eq!(listed["found"]["nodes"], json!([{ "login": "second" }]));
    let stepped = app
        .graphql(UPDATE_GROUPS, json!({ "id": admin, "groups": ["user"] }))
        .await;
    assert_eq!(stepped["updateUser"]["userErrors"], json!([]), "{stepped}");
    assert_eq!(stepped["updateUser"]["user"]["groups"], json!(["user"]));
    let last = app
        .graphql_with(
            &second_token,
            UPDATE_GROUPS,
            json!({ "id": second, "groups": [] }),
        )
        .await;
    assert_eq!(
        last["data"]["updateUser"]["userErrors"][0]["code"], "LAST_ADMINISTRATOR",
        "{last}"
    );
    // a change of name alone is not a change of administrators.
    let renamed = app
        .graphql_with(
            &second_token,
            "mutation($id: ID!) { updateUser(input: { id: $id, name: \"Second\" }) { userErrors { code } } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateUser"]["userErrors"],
        json!([]),
        "{renamed}"
    );
}

#[tokio::test]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let app = TestApp::new().await;
    let admin = user_id(&app, &app.admin_token).await;
    let second_token = app.user("second", &["admin"]).await;
    let second = user_id(&app, &second_token).await;
    let mut checked = 0;
    for round in 0..8 {
        // a deactivation ends the user's sessions: each round both sign in anew.
        let admin_token = app.login("admin", ADMIN_PASSWORD).await;
        let second_token = app.login("second", USER_PASSWORD).await;
        let (a, b) = tokio::join!(
            app.graphql_with(&admin_token, DEACTIVATE, json!({ "id": second })),
            app.graphql_with(&second_token, DEACTIVATE, json!({ "id": admin })),
        );
        let done = |answer: &Value| answer["data"]["deactivateUser"]["userErrors"] == json!([]);
        let refused = |answer: &Value| {
            answer["data"]["deactivateUser"]["userErrors"][0]["code"] == "LAST_ADMINISTRATOR"
        };
        // one goes through; the other is refused, or (when its user was deactivated before its
        // request signed in) is no longer signed in at all. Never both.
        let stopped = |answer: &Value| {
            refused(answer) || answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        };
        assert!(
            (done(&a) && stopped(&b)) || (stopped(&a) && done(&b)),
            "round {round}: {a} {b}"
        );
        checked += usize::from(refused(&a) || refused(&b));
        // whoever is left brings the other back for the next round.
        let active: Vec<bool> = sqlx::query_scalar(
            "select bool_or(event_type = 'UserActivated' or event_type = 'UserCreated')
               from (select distinct on (aggregate_id) aggregate_id, event_type from events
                      where aggregate_type = 'User'
                        and event_type in ('UserCreated', 'UserActivated', 'UserDeactivated')
                      order by aggregate_id, sequence desc) latest
              where aggregate_id = any($1) group by aggregate_id order by aggregate_id",
        )
        .bind(vec![admin.clone(), second.clone()])
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(active.iter().filter(|a| **a).count(), 1, "round {round}");
        let (left_token, other) = if a["data"]["deactivateUser"]["userErrors"] == json!([]) {
            (&admin_token, &second)
        } else {
            (&second_token, &admin)
        };
        let back = app
            .graphql_with(
                left_token,
                "mutation($id: ID!) { activateUser(input: { id: $id }) { userErrors { code } } }",
                json!({ "id": other }),
            )
            .await;
        assert_eq!(
            back["data"]["activateUser"]["userErrors"],
            json!([]),
            "{back}"
        );
    }
    assert!(
        checked > 0,
        "no round met the check: the race was never run"
    );
}

#[tokio::test]
async fn a_malformed_figure_or_date_names_its_path_and_writes_nothing() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let customer = tests::books::partner(&app, "Agrolait", true, false).await;
    let bearer = format!("Bearer {}", app.admin_token);
    let before = app.event_count().await;
    let create = "mutation($input: CreateOrderInput!) { createSaleOrder(input: $input) { order { id } userErrors { field code } } }";
    let line =
        |quantity: Value| json!({ "description": "Desk", "quantity": quantity, "unitPrice": "10" });
    for (input, path, scalar) in [
        (
            json!({ "partner": customer, "lines": [line(json!("2")), line(json!("two"))] }),
            "input.lines.1.quantity",
            "Decimal",
        ),
        (
            json!({ "partner": customer, "date": "2026-02-30", "lines": [line(json!("1"))] }),
            "input.date",
            "NaiveDate",
        ),
    ] {
        let (status, answer) = post_with(&app, &bearer, create, json!({ "input": input })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{answer}");
        assert_eq!(error["extensions"]["argument"], path, "{answer}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(path) && message.contains(scalar),
            "{message}"
        );
    }
    // the same in a literal, and an as-of time in a query.
    let literal = format!(
        "mutation {{ createSaleOrder(input: {{ partner: \"{customer}\", lines: [{{ description: \"Desk\", quantity: \"1,5\", unitPrice: \"10\" }}] }}) {{ userErrors {{ code }} }} }}"
    );
    let (_, answer) = post(&app, &bearer, &literal).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["argument"], "input.lines.0.quantity",
        "{answer}"
    );
    let (_, answer) = post(
        &app,
        &bearer,
        &format!("{{ partner(id: \"{customer}\", asOf: {{ time: \"yesterday\" }}) {{ name }} }}"),
    )
    .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{answer}"
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["argument"], "asOf.time",
        "{answer}"
    );
    // a value of the wrong kind altogether, refused by validation, gets the code and path too.
    let (_, answer) = post_with(
        &app,
        &bearer,
        create,
        json!({ "input": { "partner": customer, "lines": [{ "description": "Desk", "quantity": "1", "unitPrice": "10", "taxes": 5 }] } }),
    )
    .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{answer}"
    );
    let argument = answer["errors"][0]["extensions"]["argument"]
        .as_str()
        .unwrap_or_default();
    assert!(argument.starts_with("input.lines.0.taxes"), "{answer}");
    assert_eq!(app.event_count().await, before, "nothing was written");
}

#[tokio::test]
async fn a_figure_sent_as_a_number_is_taken_only_as_sent_and_a_date_only_of_years_1_to_9999() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let customer = tests::books::partner(&app, "Agrolait", true, false).await;
    let bearer = format!("Bearer {}", app.admin_token);
    let before = app.event_count().await;
    let create = "mutation($input: CreateOrderInput!) { createSaleOrder(input: $input) {
        order { lines { unitPrice quantity } } userErrors { field code } } }";
    // numbers a float cannot hold as sent: the scalar would read 0.3 and 12345678901234568.
    for (price, quantity) in [
        (json!(0.30000000000000004), json!(1)),
        (json!("10"), json!(12345678901234567_u64)),
    ] {
        let input = json!({ "partner": customer, "date": "2026-11-02",
            "lines": [{ "description": "Desk", "quantity": quantity, "unitPrice": price }] });
        let (status, answer) = post_with(&app, &bearer, create, json!({ "input": input })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{answer}"
        );
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("string"), "{message}");
    }
    assert_eq!(app.event_count().await, before, "nothing was written");
    // a number that reads as sent is taken as it is.
    let input = json!({ "partner": customer, "date": "2026-11-02",
        "lines": [{ "description": "Desk", "quantity": 2, "unitPrice": 10.25 }] });
    let (_, answer) = post_with(&app, &bearer, create, json!({ "input": input })).await;
    assert_eq!(
        answer["data"]["createSaleOrder"]["order"]["lines"][0],
        json!({ "unitPrice": "10.25", "quantity": "2" }),
        "{answer}"
    );
    // dates PostgreSQL cannot hold, in a report's arguments or a list's filter: a clear error,
    // not an internal one.
    for query in [
        "{ trialBalance(from: \"-5000-01-01\") { totalBalance } }",
        "{ stockLevels(date: \"+10000-01-01\") { totalCount } }",
        "{ invoices(where: { from: \"-5000-01-01\" }) { totalCount } }",
        "{ log(where: { from: \"-5000-01-01T00:00:00Z\" }) { totalCount } }",
        "{ trialBalance(asOf: { time: \"-5000-01-01T00:00:00Z\" }) { totalBalance } }",
    ] {
        let (_, answer) = post(&app, &bearer, query).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {answer}"
        );
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("9999"), "{message}");
    }
}

#[tokio::test]
async fn every_error_a_client_meets_has_a_code() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let bearer = format!("Bearer {}", app.admin_token);
    for query in [
        "{ partners {",
        "{ partners(first: -1) { totalCount } }",
        "{ invoice(id: \"zzz\") { id } }",
        "{ configuration(asOf: { position: -5 }) { version } }",
        "{ log(after: \"not a cursor\") { totalCount } }",
    ] {
        let (_, answer) = post(&app, &bearer, query).await;
        let errors = answer["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty(), "{query}: {answer}");
        for error in errors {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            assert!(
                ["BAD_USER_INPUT", "INVALID_CURSOR"].contains(&code),
                "{query}: {answer}"
            );
        }
    }
}

#[tokio::test]
async fn a_refused_line_names_the_line_and_its_field() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let customer = tests::books::partner(&app, "Agrolait", true, false).await;
    let desk = tests::books::product(&app, "DESK", "STOCKABLE", "100", "60").await;
    let fee = tests::books::product(&app, "FEE", "SERVICE", "50", "0").await;
    let box_ = tests::books::product(&app, "BOX", "CONSUMABLE", "1", "0.5").await;
    let order = tests::books::order(
        &app,
        "sale",
        &customer,
        "2026-03-02",
        json!([{ "product": desk, "quantity": "10" }, { "product": fee, "quantity": "1" },
               { "product": box_, "quantity": "10" }]),
    )
    .await;
    let id = order["id"].as_str().unwrap();
    // the second quantity given is the one at fault, whatever line of the order it names.
    for (lines, field, code) in [
        (
            json!([{ "line": 0, "quantity": "1" }, { "line": 0, "quantity": "-1" }]),
            "quantity",
            "INVALID",
        ),
        (
            json!([{ "line": 0, "quantity": "1" }, { "line": 1, "quantity": "1" }]),
            "line",
            "INVALID",
        ),
        (
            json!([{ "line": 0, "quantity": "1" }, { "line": 7, "quantity": "1" }]),
            "line",
            "NOT_FOUND",
        ),
        (
            json!([{ "line": 0, "quantity": "6" }, { "line": 0, "quantity": "5" }]),
            "quantity",
            "INVALID",
        ),
        // not enough in stock (the settings refuse negative stock): the stock's refusal too.
        (
            json!([{ "line": 2, "quantity": "1" }, { "line": 0, "quantity": "1" }]),
            "quantity",
            "NOT_ENOUGH_STOCK",
        ),
    ] {
        let payload = tests::books::deliver(&app, id, "2026-03-03", lines.clone()).await;
        let error = &payload["userErrors"][0];
        assert_eq!(
            error["field"],
            json!(["input", "lines", "1", field]),
            "{lines}: {payload}"
        );
        assert_eq!(error["code"], code, "{lines}: {payload}");
    }
    let none = tests::books::deliver(&app, id, "2026-03-03", json!([])).await;
    assert_eq!(
        none["userErrors"][0]["field"],
        json!(["input", "lines"]),
        "{none}"
    );
}

#[tokio::test]
async fn what_is_created_can_be_read_back_listed_and_followed() {
    use tests::books::{invoice_and_post, must, order, partner, product, text};
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let agrolait = partner(&app, "Agrolait", true, false).await;
    let camptocamp = partner(&app, "Camptocamp", true, false).await;
    let desk = product(&app, "DESK", "CONSUMABLE", "100", "60").await;
    let chair = product(&app, "CHAIR", "CONSUMABLE", "50", "30").await;
    let mut invoices = vec![];
    for (customer, date) in [(&agrolait, "2026-03-02"), (&camptocamp, "2026-04-01")] {
        let sold = order(
            &app,
            "sale",
            customer,
            date,
            json!([{ "product": desk, "quantity": "1" }]),
        )
        .await;
        let delivered = tests::books::deliver(
            &app,
            text(&sold["id"]),
            date,
            json!([{ "line": 0, "quantity": "1" }]),
        )
        .await;
        assert_eq!(delivered["userErrors"], json!([]), "{delivered}");
        invoices.push(invoice_and_post(&app, text(&sold["id"]), date).await);
    }
    // 100 + 21 % VAT: a payment is read back whole from its payload.
    let paid = must(
        &app,
        "registerPayment",
        "RegisterPaymentInput",
        json!({ "journal": "bank", "partner": agrolait, "date": "2026-03-10", "amount": "121.00",
                "allocations": [{ "invoice": invoices[0]["id"], "amount": "121.00" }] }),
        "number payment { id number origin amount date lines { account debit credit partner { name } }
                          allocations { invoice { id } amount } }",
    )
    .await;
    let payment = &paid["payment"];
    assert_eq!(payment["origin"], "PAYMENT", "{paid}");
    assert_eq!(payment["amount"], "121.00");
    assert_eq!(payment["number"], paid["number"]);
    assert_eq!(
        payment["allocations"],
        json!([{ "invoice": { "id": invoices[0]["id"] }, "amount": "121.00" }])
    );
    let partners: Vec<&Value> = payment["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["partner"]["name"])
        .collect();
    assert!(partners.contains(&&json!("Agrolait")), "{payment}");
    let read = app
        .graphql(
            "query($id: ID!) { journalEntry(id: $id) { id number origin amount } }",
            json!({ "id": payment["id"] }),
        )
        .await;
    assert_eq!(read["journalEntry"]["number"], payment["number"]);

    // listed: payments alone, a partner's entries, a page at a time.
    let list = |filter: Value, first: i64, after: Value| {
        let app = &app;
        async move {
            app.graphql(
                "query($w: EntryWhere, $first: Int, $after: String) {
                    journalEntries(where: $w, first: $first, after: $after) {
                        totalCount pageInfo { hasNextPage endCursor } nodes { id origin date } } }",
                json!({ "w": filter, "first": first, "after": after }),
            )
            .await["journalEntries"]
                .clone()
        }
    };
    let payments = list(json!({ "origin": "PAYMENT" }), 10, Value::Null).await;
    assert_eq!(payments["totalCount"], 1, "{payments}");
    assert_eq!(payments["nodes"][0]["id"], payment["id"]);
    let agrolaits = list(json!({ "partner": agrolait }), 10, Value::Null).await;
    assert_eq!(
        agrolaits["totalCount"], 2,
        "its invoice and its payment: {agrolaits}"
    );
    // three entries in all (two invoices, one payment), by date: pages of two, then one.
    let first = list(Value::Null, 2, Value::Null).await;
    assert_eq!(first["totalCount"], 3);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let dates: Vec<&str> = first["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| text(&n["date"]))
        .collect();
    assert_eq!(dates, ["2026-03-02", "2026-03-10"]);
    let second = list(Value::Null, 2, first["pageInfo"]["endCursor"].clone()).await;
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    assert_eq!(second["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(second["nodes"][0]["date"], "2026-04-01");

    // periods and stock levels page too; stock levels and the trial balance filter.
    let data = app
        .graphql(
            "query($chair: ID!) {
                periods(first: 1) { totalCount pageInfo { hasNextPage } nodes { id entries } }
                period(id: \"2026-03\") { entries }
                stockLevels(where: { products: [$chair] }) { totalCount nodes { reference product { name } } }
                all: stockLevels(first: 1) { totalCount nodes { reference } }
                trialBalance(accounts: [\"550000\"]) { lines { account } } }",
            json!({ "chair": chair }),
        )
        .await;
    assert_eq!(data["periods"]["totalCount"], 2, "March and April: {data}");
    assert_eq!(data["periods"]["nodes"][0]["id"], "2026-03");
    assert_eq!(data["periods"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        data["period"]["entries"], 2,
        "an invoice and a payment in March"
    );
    assert_eq!(data["stockLevels"]["totalCount"], 1);
    assert_eq!(data["stockLevels"]["nodes"][0]["product"]["name"], "CHAIR");
    assert_eq!(data["all"]["totalCount"], 2);
    assert_eq!(data["all"]["nodes"][0]["reference"], "CHAIR");
    assert_eq!(
        data["trialBalance"]["lines"],
        json!([{ "account": "550000" }])
    );

    // references are records: a credit note's invoice, a ledger's account and partner.
    let credit = must(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        json!({ "invoice": invoices[1]["id"] }),
        "invoice { reverses { id number partner { name } } }",
    )
    .await;
    let reversed = &credit["invoice"]["reverses"];
    assert_eq!(reversed["id"], invoices[1]["id"]);
    assert_eq!(reversed["partner"]["name"], "Camptocamp");
    let ledgers = app
        .graphql(
            "query($p: ID!) { generalLedger(accounts: [\"550000\"]) { key account { code name kind } }
                              partnerLedger(partner: $p) { partner { name } lines { partner { name } } } }",
            json!({ "p": agrolait }),
        )
        .await;
    assert_eq!(
        ledgers["generalLedger"][0]["account"]["code"], "550000",
        "{ledgers}"
    );
    assert_eq!(ledgers["generalLedger"][0]["account"]["kind"], "BANK");
    assert_eq!(ledgers["partnerLedger"][0]["partner"]["name"], "Agrolait");
    assert_eq!(
        ledgers["partnerLedger"][0]["lines"][0]["partner"]["name"],
        "Agrolait"
    );
}

#[tokio::test]
async fn configuration_records_and_stages_are_read_by_key_and_listed_a_page_at_a_time() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    for (name, note) in [("before-go-live", "chart loaded"), ("go-live", "")] {
        tests::books::must(
            &app,
            "createStage",
            "CreateStageInput",
            json!({ "name": name, "note": note }),
            "stage { name }",
        )
        .await;
    }
    let query = "query($after: String, $where: AccountWhere) {
        configuration {
            account(code: \"411000\") { code name kind }
            nope: account(code: \"999999\") { code }
            tax(code: \"vat21\") { rate }
            journal(code: \"bank\") { kind account }
            sequence(code: \"inv\") { prefix }
            group(code: \"user\") { code }
            accounts(first: 3, after: $after, where: $where) {
                totalCount pageInfo { hasNextPage endCursor } nodes { code } }
            income: accounts(where: { kind: INCOME }) { nodes { code } }
            bank: journals(where: { search: \"BAN\" }) { nodes { code } }
            taxes(where: { search: \"nothing like it\" }) { totalCount nodes { code } }
        }
        stage(name: \"go-live\") { name position }
        stages(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { name } }
        found: stages(where: { search: \"CHART\" }) { nodes { name } } }";
    let first = app.graphql(query, json!({})).await;
    let configuration = &first["configuration"];
    assert_eq!(
        configuration["account"],
        json!({ "code": "411000", "name": "Customers", "kind": "RECEIVABLE" })
    );
    assert_eq!(configuration["nope"], Value::Null);
    assert_eq!(configuration["tax"]["rate"], "21");
    assert_eq!(
        configuration["journal"],
        json!({ "kind": "BANK", "account": "550000" })
    );
    assert_eq!(configuration["sequence"]["prefix"], "INV/2026/");
    assert_eq!(configuration["group"]["code"], "user");
    // the eight accounts the books set up, by code: three a page.
    let codes = [
        "100000", "401000", "411000", "411100", "451000", "550000", "600000", "700000",
    ];
    let mut seen = vec![];
    let mut page = configuration["accounts"].clone();
    loop {
        assert_eq!(page["totalCount"], 8, "{page}");
        for node in page["nodes"].as_array().unwrap() {
            seen.push(node["code"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        page = app
            .graphql(query, json!({ "after": page["pageInfo"]["endCursor"] }))
            .await["configuration"]["accounts"]
            .clone();
    }
    assert_eq!(seen, codes);
    assert_eq!(
        configuration["income"]["nodes"],
        json!([{ "code": "700000" }])
    );
    assert_eq!(configuration["bank"]["nodes"], json!([{ "code": "bank" }]));
    assert_eq!(configuration["taxes"]["totalCount"], 0);
    let filtered = app
        .graphql(query, json!({ "where": { "search": "vat" } }))
        .await;
    assert_eq!(
        filtered["configuration"]["accounts"]["nodes"],
        json!([{ "code": "411100" }, { "code": "451000" }]),
        "by name, ignoring case"
    );
    assert_eq!(first["stage"]["name"], "go-live");
    assert_eq!(first["stages"]["totalCount"], 2);
    assert_eq!(
        first["stages"]["nodes"],
        json!([{ "name": "before-go-live" }])
    );
    let next = app
        .graphql(
            "query($after: String) { stages(after: $after) { pageInfo { hasNextPage } nodes { name } } }",
            json!({ "after": first["stages"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["stages"]["nodes"], json!([{ "name": "go-live" }]));
    assert_eq!(next["stages"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(
        first["found"]["nodes"],
        json!([{ "name": "before-go-live" }]),
        "by note"
    );
}

#[tokio::test]
async fn who_registers_payments_reads_them_and_bills_are_listed_apart() {
    use tests::books::{configure, deliver, invoice_and_post, must, order, partner, product, text};
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "billing", "name": "Billing" }),
    )
    .await;
    configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "billing", "model": "INVOICE", "read": true, "write": true }),
    )
    .await;
    let clerk = app.user("clerk", &["billing"]).await;
    let agrolait = partner(&app, "Agrolait", true, false).await;
    let wood = partner(&app, "Wood Corner", false, true).await;
    let desk = product(&app, "DESK", "CONSUMABLE", "100", "60").await;
    let mut documents = vec![];
    for (side, who) in [("sale", &agrolait), ("purchase", &wood)] {
        let made = order(
            &app,
            side,
            who,
            "2026-03-02",
            json!([{ "product": desk, "quantity": "1" }]),
        )
        .await;
        let delivered = deliver(
            &app,
            text(&made["id"]),
            "2026-03-02",
            json!([{ "line": 0, "quantity": "1" }]),
        )
        .await;
        assert_eq!(delivered["userErrors"], json!([]), "{delivered}");
        documents.push(invoice_and_post(&app, text(&made["id"]), "2026-03-02").await);
    }
    // the clerk registers a payment of the invoice (100 + 21 % VAT) and reads it back.
    let paid = app
        .graphql_with(
            &clerk,
            "mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) {
                payment { id number } userErrors { message } } }",
            json!({ "input": { "journal": "bank", "partner": agrolait, "date": "2026-03-10",
                    "amount": "121.00",
                    "allocations": [{ "invoice": documents[0]["id"], "amount": "121.00" }] } }),
        )
        .await;
    let payment = &paid["data"]["registerPayment"]["payment"];
    assert!(payment["id"].is_string(), "{paid}");
    let read = app
        .graphql_with(
            &clerk,
            "query($id: ID!) { journalEntry(id: $id) { number amount }
                journalEntries(where: { origin: PAYMENT }) { totalCount nodes { id } } }",
            json!({ "id": payment["id"] }),
        )
        .await;
    assert!(read.get("errors").is_none(), "{read}");
    assert_eq!(read["data"]["journalEntry"]["amount"], "121.00");
    assert_eq!(read["data"]["journalEntries"]["totalCount"], 1);
    assert_eq!(
        read["data"]["journalEntries"]["nodes"][0]["id"],
        payment["id"]
    );
    // but not the rest of the books.
    let entries = app
        .graphql(
            "{ journalEntries(where: { origin: INVOICE }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let invoice_entry = &entries["journalEntries"]["nodes"][0]["id"];
    for (query, variables) in [
        ("{ journalEntries { totalCount } }", json!({})),
        (
            "query($id: ID!) { journalEntry(id: $id) { number } }",
            json!({ "id": invoice_entry }),
        ),
    ] {
        let refused = app.graphql_with(&clerk, query, variables).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
    }

    // customer documents and vendor ones are listed apart, and each has its view.
    let sides = must(
        &app,
        "createCreditNote",
        "CreateCreditNoteInput",
        json!({ "invoice": documents[1]["id"] }),
        "invoice { side kind }",
    )
    .await;
    assert_eq!(
        sides["invoice"],
        json!({ "side": "PURCHASE", "kind": "VENDOR_CREDIT_NOTE" })
    );
    let listed = app
        .graphql(
            "{ sale: invoices(where: { side: SALE }) { nodes { id side } }
               purchase: invoices(where: { side: PURCHASE }) { totalCount nodes { kind } }
               invoice: view(name: \"invoice\") { list { fixed { field value } } form { fields { name relation } } }
               bill: view(name: \"bill\") { list { fixed { field value } } form { fields { name relation } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["sale"]["nodes"],
        json!([{ "id": documents[0]["id"], "side": "SALE" }])
    );
    assert_eq!(
        listed["purchase"]["totalCount"], 2,
        "the bill and its refund"
    );
    let order_relation = |view: &str| {
        listed[view]["form"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["fields"].as_array().unwrap())
            .find(|f| f["name"] == "order")
            .map(|f| f["relation"].clone())
    };
    assert_eq!(order_relation("invoice"), Some(json!("sale_order")));
    assert_eq!(order_relation("bill"), Some(json!("purchase_order")));
    assert_eq!(
        listed["bill"]["list"]["fixed"],
        json!([{ "field": "side", "value": "PURCHASE" }])
    );
}

const LOAD: &str = "mutation($c: String!, $dry: Boolean) {
    loadDataModule(content: $c, dryRun: $dry) {
        module applied configuration { area key after } partners userErrors { field message code } } }";

#[tokio::test]
async fn an_administrator_loads_a_data_module_over_graphql() {
    let app = TestApp::new().await;
    let module = include_str!("../../data/l10n_demo.jsonl");
    let bearer = format!("Bearer {}", app.admin_token);

    // not an administrator: refused, whatever the module.
    let clerk = app.user("clerk", &["user"]).await;
    let answer = app
        .graphql_with(&clerk, LOAD, json!({ "c": module, "dry": true }))
        .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{answer}"
    );
    let before = app.event_count().await; // the clerk's creation is not the module's

    // a dry run says what it would do, and writes nothing.
    let (_, dry) = post_with(&app, &bearer, LOAD, json!({ "c": module, "dry": true })).await;
    let dry = &dry["data"]["loadDataModule"];
    assert_eq!(dry["module"], "l10n_demo@1.0.0", "{dry}");
    assert_eq!(dry["applied"], false);
    let keys: Vec<&str> = dry["configuration"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"vat21") && keys.contains(&"USD"), "{dry}");
    assert_eq!(
        dry["partners"],
        json!(["create partner 'Agrolait'", "create partner 'Camptocamp'"])
    );
    assert_eq!(app.event_count().await, before);

    // loaded: in one append, and read back at once.
    let (_, loaded) = post_with(&app, &bearer, LOAD, json!({ "c": module })).await;
    assert_eq!(
        loaded["data"]["loadDataModule"]["applied"], true,
        "{loaded}"
    );
    let appends: i64 = sqlx::query_scalar(
        "select count(distinct transaction_id) from events where metadata->>'data_module' = 'l10n_demo@1.0.0'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(appends, 1, "one transaction");
    let now = app
        .graphql(
            "{ configuration { version taxes { nodes { code } } } partners { totalCount } }",
            json!({}),
        )
        .await;
    // the answer named the configuration the module made, as a change by hand does.
    assert_eq!(
        loaded["extensions"]["configurationVersion"], now["configuration"]["version"],
        "{loaded}"
    );
    assert_eq!(
        now["configuration"]["taxes"]["nodes"],
        json!([{ "code": "vat21" }, { "code": "vat6" }])
    );
    assert_eq!(now["partners"]["totalCount"], 2);
    // again: nothing to change.
    let after = app.event_count().await;
    let (_, again) = post_with(&app, &bearer, LOAD, json!({ "c": module })).await;
    assert_eq!(again["data"]["loadDataModule"]["applied"], false, "{again}");
    assert_eq!(app.event_count().await, after);

    // a module that does not read: the line at fault, nothing written.
    let broken = format!("{module}\n{{\"tax\": \"vat0\", \"name\": \"zero\"");
    let (_, refused) = post_with(&app, &bearer, LOAD, json!({ "c": broken })).await;
    let error = &refused["data"]["loadDataModule"]["userErrors"][0];
    assert_eq!(error["field"], json!(["content"]), "{refused}");
    let lines = broken.lines().count();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("line {lines}:")),
        "{refused}"
    );
    assert_eq!(app.event_count().await, after);
}

const VIEWS: &str = "{ configurationVersion views {
    name title module model typeName stateField create update
    source { kind one list key }
    form { title fields { name label defaultLabel type required readOnly editableIn widget selection { value label } relation help } }
    list { columns { field label } defaultOrder fixed { field value } }
    search { name label type selection { value } relation }
    actions { name label mutation states right alsoNeeds { model right } allowed
              defaults { input from } } } }";

/// The introspected schema's types by name.
fn types_of(schema: &Value) -> std::collections::HashMap<String, Value> {
    schema["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect()
}

/// Field `name` of type `type_`'s fields (or input fields).
/// A view's selection values are the enum's, or some of them when the view's fixed filters
/// keep only part of its records (vendor documents offer their kinds only).
fn same_values(view: &Value, mut view_values: Vec<&str>, mut schema_values: Vec<&str>, what: &str) {
    schema_values.sort();
    view_values.sort();
    if view["list"]["fixed"] == json!([]) {
        assert_eq!(view_values, schema_values, "{what}");
    } else {
        assert!(
            view_values.iter().all(|v| schema_values.contains(v)),
            "{what}: {view_values:?}"
        );
    }
}

fn field_of<'a>(type_: &'a Value, name: &str) -> Option<&'a Value> {
    type_["fields"]
        .as_array()
        .or_else(|| type_["inputFields"].as_array())?
        .iter()
        .find(|f| f["name"] == name)
}

#[tokio::test]
async fn every_view_names_only_what_the_schema_has() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let bearer = format!("Bearer {}", app.admin_token);
    let (_, schema) = post(&app, &bearer, STANDARD_INTROSPECTION).await;
    let types = types_of(&schema);
    let views = app.graphql(VIEWS, json!({})).await["views"].clone();
    let views = views.as_array().unwrap();
    let names: Vec<&str> = views.iter().map(|v| v["name"].as_str().unwrap()).collect();
    for expected in [
        "partner",
        "product",
        "sale_order",
        "purchase_order",
        "invoice",
        "bill",
        "payment",
        "journal_entry",
        "account",
        "tax",
        "journal",
        "user",
        "company",
        "record_rule",
    ] {
        assert!(names.contains(&expected), "no view {expected}: {names:?}");
    }
    let query = &types["QueryRoot"];
    let mutation = &types["MutationRoot"];
    for view in views {
        let name = view["name"].as_str().unwrap();
        let type_name = view["typeName"].as_str().unwrap();
        let type_ = types
            .get(type_name)
            .unwrap_or_else(|| panic!("{name}: no type {type_name}"));
        // every field of the form is a field of the type (nested ones through their types).
        let mut fields = vec![];
        for group in view["form"].as_array().unwrap() {
            for field in group["fields"].as_array().unwrap() {
                let path = field["name"].as_str().unwrap();
                let mut at = type_;
                let mut found = None;
                for step in path.split('.') {
                    let f = field_of(at, step)
                        .unwrap_or_else(|| panic!("{name}: {type_name} has no {path}"));
                    at = &types[named(&f["type"])];
                    found = Some(f);
                }
                let found = found.unwrap();
                // a selection's values are the enum's (those its fixed filters keep: a
                // view of vendor documents offers their kinds only).
                if field["type"] == "SELECTION" {
                    let enum_ = &types[named(&found["type"])];
                    let values = enum_["enumValues"].as_array();
                    let values =
                        values.unwrap_or_else(|| panic!("{name}.{path} is not an enum: {enum_}"));
                    let schema_values: Vec<&str> =
                        values.iter().map(|v| v["name"].as_str().unwrap()).collect();
                    let view_values: Vec<&str> = field["selection"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v["value"].as_str().unwrap())
                        .collect();
                    if (name, path) == ("record_rule", "model") {
                        // the models record rules restrict: the server refuses the others.
                        assert_eq!(
                            view_values,
                            ["SALE_ORDER", "PURCHASE_ORDER", "INVOICE", "PARTNER"]
                        );
                        assert!(view_values.iter().all(|v| schema_values.contains(v)));
                    } else {
                        same_values(view, view_values, schema_values, &format!("{name}.{path}"));
                    }
                }
                if let Some(relation) = field["relation"].as_str() {
                    assert!(
                        names.contains(&relation),
                        "{name}.{path} points to no view: {relation}"
                    );
                }
                assert!(
                    field["label"].as_str().is_some_and(|l| !l.is_empty()),
                    "{name}.{path}"
                );
                fields.push(path);
            }
        }
        for column in view["list"]["columns"].as_array().unwrap() {
            let column = column["field"].as_str().unwrap();
            assert!(
                fields.contains(&column),
                "{name}: column {column} is not in the form"
            );
        }
        if let Some(state) = view["stateField"].as_str() {
            assert!(
                field_of(type_, state).is_some(),
                "{name}: no state field {state}"
            );
        }
        // where the records are read, and what filters their list takes.
        let source = &view["source"];
        match source["kind"].as_str().unwrap() {
            kind @ ("RECORDS" | "CONFIGURATION") => {
                // records are queries; configuration records are fields of `configuration`,
                // one read by its key.
                let parent = match kind {
                    "RECORDS" => query,
                    _ => &types["Configuration"],
                };
                let one = field_of(parent, source["one"].as_str().unwrap())
                    .unwrap_or_else(|| panic!("{name}: {source}"));
                assert_eq!(named(&one["type"]), type_name, "{name}");
                if let Some(key) = source["key"].as_str() {
                    assert!(field_of(type_, key).is_some(), "{name}: no key {key}");
                    assert!(
                        one["args"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|a| a["name"] == key),
                        "{name}: {} takes no {key}",
                        source["one"]
                    );
                }
                let list = field_of(parent, source["list"].as_str().unwrap())
                    .unwrap_or_else(|| panic!("{name}: {source}"));
                let connection = &types[named(&list["type"])];
                let node = field_of(
                    &types[named(&field_of(connection, "edges").unwrap()["type"])],
                    "node",
                )
                .unwrap();
                assert_eq!(named(&node["type"]), type_name, "{name}");
                let where_ = list["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["name"] == "where");
                let filters = view["search"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["name"].as_str().unwrap())
                    .chain(
                        view["list"]["fixed"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|f| f["field"].as_str().unwrap()),
                    );
                for filter in filters {
                    let input = &types
                        [named(&where_.unwrap_or_else(|| panic!("{name}: no where"))["type"])];
                    assert!(
                        field_of(input, filter).is_some(),
                        "{name}: where has no {filter}"
                    );
                }
                for filter in view["search"].as_array().unwrap() {
                    if let Some(relation) = filter["relation"].as_str() {
                        assert!(
                            names.contains(&relation),
                            "{name}: filter {filter} points to no view"
                        );
                    }
                    if filter["type"] == "SELECTION" {
                        let input = &types[named(&where_.unwrap()["type"])];
                        let enum_ = &types[named(
                            &field_of(input, filter["name"].as_str().unwrap()).unwrap()["type"],
                        )];
                        let schema_values: Vec<&str> = enum_["enumValues"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v["name"].as_str().unwrap())
                            .collect();
                        let view_values: Vec<&str> = filter["selection"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v["value"].as_str().unwrap())
                            .collect();
                        same_values(
                            view,
                            view_values,
                            schema_values,
                            &format!("{name}: filter {filter}"),
                        );
                    }
                }
            }
            "SINGLE" => {
                let one =
                    field_of(&types["Configuration"], source["one"].as_str().unwrap()).unwrap();
                assert_eq!(named(&one["type"]), type_name, "{name}");
            }
            "LINES" => assert!(
                views
                    .iter()
                    .any(|v| v["form"].as_array().unwrap().iter().any(|g| g["fields"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["relation"] == name && f["type"] == "ONE_TO_MANY"))),
                "{name}: lines of no view"
            ),
            other => panic!("{name}: source {other}"),
        }
        // every mutation it names exists.
        let actions = view["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["mutation"]);
        for mutation_name in [&view["create"], &view["update"]]
            .into_iter()
            .chain(actions)
        {
            if let Some(m) = mutation_name.as_str() {
                assert!(field_of(mutation, m).is_some(), "{name}: no mutation {m}");
            }
        }
        // what an action fills from the record is a field of its input and of the record.
        for action in view["actions"].as_array().unwrap() {
            let m = field_of(mutation, action["mutation"].as_str().unwrap()).unwrap();
            let input = m["args"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == "input")
                .unwrap_or_else(|| panic!("{name}: {} takes no input", action["name"]));
            for default in action["defaults"].as_array().unwrap() {
                let walk = |start: &str, path: &str| {
                    let mut at = &types[start];
                    for step in path.split('.') {
                        let f = field_of(at, step)
                            .unwrap_or_else(|| panic!("{name}: {start} has no {path}"));
                        at = &types[named(&f["type"])];
                    }
                };
                walk(named(&input["type"]), default["input"].as_str().unwrap());
                walk(type_name, default["from"].as_str().unwrap());
            }
        }
    }
}

#[tokio::test]
async fn views_follow_the_modules_the_labels_and_the_rights() {
    let app = TestApp::new().await;
    // base alone: no sales view.
    let views = app.graphql(VIEWS, json!({})).await;
    let names: Vec<&str> = views["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"partner") && !names.contains(&"sale_order"),
        "{names:?}"
    );
    tests::books::set_up_the_books(&app).await;
    let before = app.graphql("{ configurationVersion }", json!({})).await["configurationVersion"]
        .as_i64()
        .unwrap();
    tests::books::configure(
        &app,
        "setLabel",
        "SetLabelInput",
        json!({ "form": "sale_order", "field": "partner", "label": "Customer" }),
    )
    .await;
    let after = app.graphql(VIEWS, json!({})).await;
    assert!(after["configurationVersion"].as_i64().unwrap() > before);
    let sale = after["views"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "sale_order")
        .unwrap();
    let partner = &sale["form"][0]["fields"][1];
    assert_eq!(partner["name"], "partner");
    assert_eq!(partner["label"], "Customer");
    assert_eq!(partner["defaultLabel"], "Partner");
    assert_eq!(
        partner["editableIn"],
        json!([]),
        "given when the order is made"
    );
    let lines = &sale["form"][1]["fields"][0];
    assert_eq!(lines["name"], "lines");
    assert_eq!(
        lines["editableIn"],
        json!(["DRAFT"]),
        "a draft's lines can change"
    );
    let column = sale["list"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "partner")
        .unwrap();
    assert_eq!(column["label"], "Customer", "the list shows the same label");
    let search = sale["search"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "partner")
        .unwrap();
    assert_eq!(search["label"], "Customer", "and so does the search");
    let purchase = after["views"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "purchase_order")
        .unwrap();
    assert_eq!(
        purchase["form"][0]["fields"][1]["label"], "Partner",
        "a label is one view's"
    );
    // a field no view has is refused by name.
    let refused = tests::books::mutate(
        &app,
        "setLabel",
        "SetLabelInput",
        json!({ "form": "sale_order", "field": "nope", "label": "X" }),
        "configuration { version }",
    )
    .await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "field"]),
        "{refused}"
    );

    // actions say which states allow them, and whether this user may.
    let confirm = sale["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "confirm")
        .unwrap();
    assert_eq!(confirm["states"], json!(["DRAFT"]));
    assert_eq!(confirm["allowed"], true);
    let clerk = app.user("clerk", &["user"]).await;
    let seen = app.graphql_with(&clerk, VIEWS, json!({})).await;
    let views = seen["data"]["views"]
        .as_array()
        .unwrap_or_else(|| panic!("{seen}"));
    let allowed = |view: &str, action: &str| {
        views.iter().find(|v| v["name"] == view).unwrap()["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == action)
            .unwrap()["allowed"]
            .clone()
    };
    assert_eq!(
        allowed("partner", "archive"),
        true,
        "the user group writes partners"
    );
    assert_eq!(allowed("sale_order", "confirm"), false, "but not orders");
    // an action that needs rights on another model says so.
    app.graphql(
        "mutation { setGroup(input: { code: \"sales\", name: \"Sales\" }) { userErrors { message } }
                    setAccess(input: { group: \"sales\", model: SALE_ORDER, create: true, read: true, write: true }) { userErrors { message } } }",
        json!({}),
    )
    .await;
    let seller = app.user("seller", &["sales"]).await;
    let seen = app.graphql_with(&seller, VIEWS, json!({})).await;
    let sale = seen["data"]["views"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "sale_order")
        .unwrap();
    let action = |name: &str| {
        sale["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(action("confirm")["allowed"], true);
    assert_eq!(
        action("invoice")["allowed"],
        false,
        "invoicing makes an invoice"
    );
    assert_eq!(
        action("invoice")["alsoNeeds"],
        json!([{ "model": "INVOICE", "right": "CREATE" }])
    );
}

/// The input object type of mutation `name`'s `input` argument.
fn input_of<'a>(types: &'a std::collections::HashMap<String, Value>, name: &str) -> &'a Value {
    let mutation = field_of(&types["MutationRoot"], name).unwrap_or_else(|| panic!("no {name}"));
    let input = mutation["args"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "input");
    &types[named(&input.unwrap_or_else(|| panic!("{name} takes no input"))["type"])]
}

/// Whether `input` has field `path`, or its last step (the company's address is flat in
/// `updateCompany`).
fn takes(input: &Value, path: &str) -> bool {
    let first = path.split('.').next().unwrap_or(path);
    let last = path.rsplit('.').next().unwrap_or(path);
    field_of(input, first).is_some() || field_of(input, last).is_some()
}

#[tokio::test]
async fn a_form_is_saved_by_the_mutations_its_view_names() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let bearer = format!("Bearer {}", app.admin_token);
    let (_, schema) = post(&app, &bearer, STANDARD_INTROSPECTION).await;
    let types = types_of(&schema);
    let views = app.graphql(VIEWS, json!({})).await["views"].clone();
    let views = views.as_array().unwrap();
    let fields = |view: &Value| -> Vec<Value> {
        view["form"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["fields"].as_array().unwrap().clone())
            .collect()
    };
    for view in views {
        let name = view["name"].as_str().unwrap();
        let create = view["create"].as_str().map(|m| input_of(&types, m));
        let update = view["update"].as_str().map(|m| input_of(&types, m));
        // lines are saved with their record, through its mutations (checked there).
        let lines_view = view["source"]["kind"] == "LINES";
        for field in fields(view) {
            let path = field["name"].as_str().unwrap();
            if field["readOnly"] == true {
                continue;
            }
            // what can be given at all is given when the record is made.
            if let Some(create) = create {
                assert!(
                    takes(create, path),
                    "{name}: {} does not take {path}",
                    view["create"]
                );
            }
            // what can be changed afterwards (in any state, or in some) is saved by the update.
            let later = field["editableIn"].is_null()
                || field["editableIn"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty());
            if later && !lines_view {
                let update = update
                    .unwrap_or_else(|| panic!("{name}: {path} can be changed, but by no mutation"));
                assert!(
                    takes(update, path),
                    "{name}: {} does not take {path}",
                    view["update"]
                );
            }
            // a record's lines are given as the lines input of its mutations.
            if field["type"] == "ONE_TO_MANY" {
                let lines = views
                    .iter()
                    .find(|v| v["name"] == field["relation"])
                    .unwrap();
                for mutation_input in [create, update].into_iter().flatten() {
                    let Some(lines_input) = field_of(mutation_input, path) else {
                        continue;
                    };
                    let line_type = &types[named(&lines_input["type"])];
                    for line_field in fields(lines) {
                        if line_field["readOnly"] == true {
                            continue;
                        }
                        let line_path = line_field["name"].as_str().unwrap();
                        assert!(
                            takes(line_type, line_path),
                            "{name}.{path}: a line input takes no {line_path}"
                        );
                    }
                }
            }
        }
    }
}
