//! What a frontend built with standard tools needs from the API, tried as those tools do it
//! (issue 15): the standard introspection query, the schema as SDL, clear errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use tests::{TestApp, STANDARD_INTROSPECTION};

async fn post(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    let response = app
        .http(
            Method::POST,
            "/graphql",
            &[
                ("content-type", "application/json"),
                ("authorization", token),
            ],
            json!({ "query": query }).to_string(),
        )
        .await;
    (response.status, response.json())
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
