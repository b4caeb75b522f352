//! What a frontend built with standard tools needs from the API, tried as those tools do it
//! (issue 15): the standard introspection query, the schema as SDL, clear errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use tests::{TestApp, STANDARD_INTROSPECTION};

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
    for module in ["sale"] {
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
        "{ configuration { company { name } taxes { code } accounts { code } modules { name } } }",
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
