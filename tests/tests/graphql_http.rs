//! The endpoint speaks GraphQL over HTTP as the GraphQL Foundation's specification says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use serde_json::json;
use tests::TestApp;

const JSON: &str = "application/json";
const GRAPHQL_JSON: &str = "application/graphql-response+json";

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn get_runs_a_query_and_refuses_a_mutation() {
    let app = TestApp::new().await;
    let query = encode("{ partners { totalCount } }");
    let ok = app
        .http(Method::GET, &format!("/graphql?query={query}"), &[], "")
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.content_type, JSON);
    let document = ok.json();
    assert_eq!(document["data"], json!({ "partners": { "totalCount": 0 } }));
    assert!(
        document["extensions"]["configurationVersion"].as_i64() > Some(0),
        "every answer says which configuration it was computed at: {document}"
    );

    let variables = encode(r#"{"id":"6d9c1a5e-36b1-4b3b-8a57-8a5d8f0ab0aa"}"#);
    let query = encode("query($id: ID!) { partner(id: $id) { name } }");
    let with_variables = app
        .http(
            Method::GET,
            &format!("/graphql?query={query}&variables={variables}"),
            &[],
            "",
        )
        .await;
    assert_eq!(with_variables.json()["data"], json!({ "partner": null }));

    let mutation =
        encode(r#"mutation { createPartner(input: { name: "Agrolait" }) { partner { id } } }"#);
    let refused = app
        .http(Method::GET, &format!("/graphql?query={mutation}"), &[], "")
        .await;
    assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(refused.headers.get("allow").unwrap(), "POST");
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn a_browser_gets_graphiql() {
    let app = TestApp::new().await;
    let page = app
        .http(
            Method::GET,
            "/graphql",
            &[("accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
            "",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"));
    assert!(
        page.body.contains("graphiql"),
        "{}",
        &page.body[..200.min(page.body.len())]
    );
}

#[tokio::test]
async fn malformed_requests_get_a_clear_4xx_and_run_nothing() {
    let app = TestApp::new().await;
    let mutation = r#"mutation { createPartner(input: { name: "Agrolait" }) { partner { id } } }"#;
    // (case, headers, body, expected status, what the message says)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        String,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "no content type",
            vec![],
            json!({ "query": mutation }).to_string(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type",
        ),
        (
            "form content type",
            vec![("content-type", "application/x-www-form-urlencoded")],
            format!("query={mutation}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type",
        ),
        (
            "not JSON",
            vec![("content-type", JSON)],
            "{ query: ".to_owned(),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            "not UTF-8",
            vec![("content-type", JSON)],
            String::from_utf8_lossy(b"{\"query\": \"\xff\"}")
                .into_owned()
                .replace('\u{FFFD}', "\\udc00"),
            StatusCode::BAD_REQUEST,
            "JSON",
        ),
        (
            "no query",
            vec![("content-type", JSON)],
            json!({ "variables": {} }).to_string(),
            StatusCode::BAD_REQUEST,
            "no `query`",
        ),
        (
            "query not a string",
            vec![("content-type", JSON)],
            json!({ "query": 42 }).to_string(),
            StatusCode::BAD_REQUEST,
            "not a GraphQL request",
        ),
        (
            "variables not an object",
            vec![("content-type", JSON)],
            json!({ "query": mutation, "variables": [1] }).to_string(),
            StatusCode::BAD_REQUEST,
            "variables",
        ),
        (
            "a batch",
            vec![("content-type", JSON)],
            json!([{ "query": mutation }]).to_string(),
            StatusCode::BAD_REQUEST,
            "batched",
        ),
        (
            "nothing acceptable",
            vec![("content-type", JSON), ("accept", "image/png")],
            json!({ "query": mutation }).to_string(),
            StatusCode::NOT_ACCEPTABLE,
            "Accept",
        ),
    ];
    for (case, headers, body, status, says) in cases {
        let response = app.http(Method::POST, "/graphql", &headers, body).await;
        assert_eq!(response.status, status, "{case}: {}", response.body);
        let message = response.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(says), "{case}: {message}");
        // with a code, as every refusal a client meets.
        let code = response.json()["errors"][0]["extensions"]["code"].clone();
        assert!(
            code.as_str().is_some_and(|c| !c.is_empty()),
            "{case}: {}",
            response.body
        );
    }
    // other methods and endpoints: JSON, a code, and a message that says something.
    for (method, path) in [
        (Method::PUT, "/graphql"),
        (Method::DELETE, "/graphql"),
        (Method::POST, "/graphql/ws"),
        (Method::GET, "/ledger.csv?from=-5000-01-01"),
    ] {
        let response = app
            .http(method.clone(), path, &[("content-type", JSON)], "{}")
            .await;
        assert!(response.status.is_client_error(), "{method} {path}");
        let answer = response.json();
        let error = &answer["errors"][0];
        assert!(
            error["extensions"]["code"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
                && error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{method} {path}: {}",
            response.body
        );
    }
    let raw_invalid_utf8 = app
        .http(
            Method::POST,
            "/graphql",
            &[("content-type", JSON)],
            &b"{\"query\": \"\xff\xfe\"}"[..],
        )
        .await;
    assert_eq!(raw_invalid_utf8.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn graphql_response_json_uses_status_codes_and_plain_json_does_not() {
    let app = TestApp::new().await;
    let invalid = json!({ "query": "{ partners { nope } }" }).to_string();

    let strict = app
        .http(
            Method::POST,
            "/graphql",
            &[("content-type", JSON), ("accept", GRAPHQL_JSON)],
            invalid.clone(),
        )
        .await;
    assert_eq!(strict.status, StatusCode::BAD_REQUEST);
    assert_eq!(strict.content_type, GRAPHQL_JSON);
    let body = strict.json();
    assert!(
        body.get("data").is_none(),
        "a request error has no data entry: {body}"
    );
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nope"));

    let legacy = app
        .http(
            Method::POST,
            "/graphql",
            &[("content-type", JSON), ("accept", JSON)],
            invalid,
        )
        .await;
    assert_eq!(legacy.status, StatusCode::OK);
    assert_eq!(legacy.content_type, JSON);

    let syntax = app
        .http(
            Method::POST,
            "/graphql",
            &[("content-type", JSON), ("accept", GRAPHQL_JSON)],
            json!({ "query": "{ partners {" }).to_string(),
        )
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);

    // an error while executing is not a request error: 200, with data.
    let executed = app
        .http(
            Method::POST,
            "/graphql",
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("accept", &format!("{GRAPHQL_JSON}, {JSON};q=0.9")),
            ],
            json!({ "query": r#"{ partner(id: "not-a-uuid") { name } }"# }).to_string(),
        )
        .await;
    assert_eq!(executed.status, StatusCode::OK);
    assert_eq!(executed.content_type, GRAPHQL_JSON);
    let body = executed.json();
    assert!(
        body.get("data").is_some(),
        "an executed request has a data entry: {body}"
    );
    assert_eq!(body["errors"][0]["path"], json!(["partner"]));
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a partner id"));
    assert!(executed.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn a_refused_mutation_is_still_200_with_user_errors() {
    let app = TestApp::new().await;
    let response = app
        .http(
            Method::POST,
            "/graphql",
            &[("content-type", JSON), ("accept", GRAPHQL_JSON)],
            json!({ "query": r#"mutation { createPartner(input: { name: "" }) { partner { id } userErrors { code } } }"# }).to_string(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.json()["data"]["createPartner"]["userErrors"],
        json!([{ "code": "REQUIRED" }])
    );
}
