//! A fuzz test of the GraphQL API driven by its own schema: every query and mutation is called
//! with random arguments built from the introspected types (hostile strings, out-of-range
//! numbers, malformed ids, dates and decimals, unknown enum values, wrong JSON types, nulls).
//! No answer may be a 5xx, nothing may panic, and a refused mutation writes no event.
//!
//! Short by default (for CI); `ERP_FUZZ_ROUNDS=50` runs longer, `ERP_FUZZ_SEED` picks the seed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use axum::http::Method;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tests::TestApp;

const TYPE_REF: &str =
    "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// Mutations that would end the fuzzer's own session.
const SKIPPED: &[&str] = &["logout", "deactivateUser", "updateUser", "changePassword"];

struct Types {
    /// Input object fields by type name.
    inputs: HashMap<String, Vec<Value>>,
    enums: HashMap<String, Vec<String>>,
    /// Kind by type name.
    kinds: HashMap<String, String>,
    /// Object types that have `userErrors`.
    with_user_errors: std::collections::HashSet<String>,
}

fn named(type_ref: &Value) -> (&str, bool, bool) {
    // (name, non-null at the top, is a list somewhere)
    let non_null = type_ref["kind"] == "NON_NULL";
    let mut t = type_ref;
    let mut list = false;
    while t["name"].is_null() {
        if t["kind"] == "LIST" {
            list = true;
        }
        t = &t["ofType"];
    }
    (t["name"].as_str().unwrap_or(""), non_null, list)
}

/// The GraphQL type as written in a variable declaration.
fn written(type_ref: &Value) -> String {
    match type_ref["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", written(&type_ref["ofType"])),
        Some("LIST") => format!("[{}]", written(&type_ref["ofType"])),
        _ => type_ref["name"].as_str().unwrap_or("String").to_owned(),
    }
}

fn hostile_string(rng: &mut StdRng) -> Value {
    let choices = [
        String::new(),
        " ".into(),
        "a".repeat(rng.random_range(1..6000)),
        "\u{0}\u{7}\u{1b}[31m".into(),
        "ünïcödé 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👍🏽".into(),
        "'; drop table events; --".into(),
        "<script>alert(1)</script>".into(),
        "../../etc/passwd".into(),
        "vat21".into(),
        "sale".into(),
        "2026-11".into(),
        "admin".into(),
        format!("{}", rng.random::<u64>()),
    ];
    json!(choices[rng.random_range(0..choices.len())].clone())
}

fn scalar(name: &str, rng: &mut StdRng) -> Value {
    // now and then, a value of the wrong JSON type altogether.
    if rng.random_ratio(1, 12) {
        let wrong = [
            json!(true),
            json!(12),
            json!([1, 2]),
            json!({ "a": 1 }),
            json!(1.5e300),
        ];
        return wrong[rng.random_range(0..wrong.len())].clone();
    }
    match name {
        "Int" => {
            let ints = [
                0i64,
                -1,
                1,
                100,
                101,
                i64::from(i32::MAX),
                i64::from(i32::MIN),
            ];
            json!(ints[rng.random_range(0..ints.len())])
        }
        "Float" => json!([0.0, -1.5, 1e308][rng.random_range(0..3)]),
        "Boolean" => json!(rng.random_bool(0.5)),
        "ID" => {
            let ids = [
                uuid::Uuid::now_v7().to_string(),
                uuid::Uuid::nil().to_string(),
                "not-a-uuid".into(),
                String::new(),
            ];
            json!(ids[rng.random_range(0..ids.len())].clone())
        }
        "Decimal" => {
            let decimals = [
                "NaN",
                "-1",
                "0",
                "1",
                "12.3456",
                "0.00001",
                "1e30",
                "abc",
                "79228162514264337593543950335",
                "-0.01",
            ];
            json!(decimals[rng.random_range(0..decimals.len())])
        }
        "NaiveDate" | "Date" => {
            let dates = [
                "2026-11-01",
                "2026-02-30",
                "0000-01-01",
                "9999-12-31",
                "yesterday",
            ];
            json!(dates[rng.random_range(0..dates.len())])
        }
        "DateTime" => {
            let times = ["2026-11-23T00:00:00Z", "1970-01-01T00:00:00Z", "tomorrow"];
            json!(times[rng.random_range(0..times.len())])
        }
        _ => hostile_string(rng),
    }
}

fn value(types: &Types, type_ref: &Value, rng: &mut StdRng, depth: usize) -> Value {
    if type_ref["kind"] == "NON_NULL" {
        return value(types, &type_ref["ofType"], rng, depth);
    }
    if rng.random_ratio(1, 10) {
        return Value::Null;
    }
    if type_ref["kind"] == "LIST" {
        let n = rng.random_range(0..4);
        return Value::Array(
            (0..n)
                .map(|_| value(types, &type_ref["ofType"], rng, depth + 1))
                .collect(),
        );
    }
    let name = type_ref["name"].as_str().unwrap_or("");
    match types.kinds.get(name).map(String::as_str) {
        Some("ENUM") => {
            let values = &types.enums[name];
            if rng.random_ratio(1, 8) || values.is_empty() {
                json!("NOT_A_VALUE")
            } else {
                json!(values[rng.random_range(0..values.len())].clone())
            }
        }
        Some("INPUT_OBJECT") if depth < 4 => {
            let mut object = serde_json::Map::new();
            for field in &types.inputs[name] {
                let (_, required, _) = named(&field["type"]);
                if required || rng.random_bool(0.7) {
                    object.insert(
                        field["name"].as_str().unwrap_or("").to_owned(),
                        value(types, &field["type"], rng, depth + 1),
                    );
                }
            }
            Value::Object(object)
        }
        Some("INPUT_OBJECT") => json!({}),
        _ => scalar(name, rng),
    }
}

#[tokio::test]
async fn random_arguments_never_break_the_server_and_refusals_write_nothing() {
    let app = TestApp::new().await;
    for module in ["sale", "purchase", "stock"] {
        app.graphql(
            &format!("mutation {{ installModule(input: {{ name: \"{module}\" }}) {{ userErrors {{ message }} }} }}"),
            json!({}),
        )
        .await;
    }
    let schema = app
        .graphql(
            &format!(
                "{{ __schema {{
                    queryType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
                    mutationType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
                    types {{ name kind fields {{ name }} inputFields {{ name type {{ {TYPE_REF} }} }} enumValues {{ name }} }}
                }} }}"
            ),
            json!({}),
        )
        .await;
    let mut types = Types {
        inputs: HashMap::new(),
        enums: HashMap::new(),
        kinds: HashMap::new(),
        with_user_errors: Default::default(),
    };
    for t in schema["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap().to_owned();
        types
            .kinds
            .insert(name.clone(), t["kind"].as_str().unwrap().to_owned());
        if t["fields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["name"] == "userErrors"))
        {
            types.with_user_errors.insert(name.clone());
        }
        if let Some(fields) = t["inputFields"].as_array() {
            types.inputs.insert(name.clone(), fields.clone());
        }
        if let Some(values) = t["enumValues"].as_array() {
            types.enums.insert(
                name,
                values
                    .iter()
                    .map(|v| v["name"].as_str().unwrap().to_owned())
                    .collect(),
            );
        }
    }
    let rounds: usize = std::env::var("ERP_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("ERP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261123);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut requests = 0;
    for (operation, root) in [("query", "queryType"), ("mutation", "mutationType")] {
        for field in schema["__schema"][root]["fields"].as_array().unwrap() {
            let name = field["name"].as_str().unwrap();
            if SKIPPED.contains(&name) {
                continue;
            }
            let (returns, _, _) = named(&field["type"]);
            let selection = match types.kinds.get(returns).map(String::as_str) {
                _ if types.with_user_errors.contains(returns) => {
                    "{ __typename userErrors { code } }"
                }
                Some("OBJECT" | "INTERFACE" | "UNION") => "{ __typename }",
                _ => "",
            };
            for _ in 0..rounds {
                let args = field["args"].as_array().unwrap();
                let declared: Vec<String> = args
                    .iter()
                    .map(|a| format!("${}: {}", a["name"].as_str().unwrap(), written(&a["type"])))
                    .collect();
                let passed: Vec<String> = args
                    .iter()
                    .map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap()))
                    .collect();
                let mut variables = serde_json::Map::new();
                for a in args {
                    variables.insert(
                        a["name"].as_str().unwrap().to_owned(),
                        value(&types, &a["type"], &mut rng, 0),
                    );
                }
                let (declared, passed) = if args.is_empty() {
                    (String::new(), String::new())
                } else {
                    (
                        format!("({})", declared.join(", ")),
                        format!("({})", passed.join(", ")),
                    )
                };
                let document = format!("{operation} {declared} {{ {name}{passed} {selection} }}");
                let before = app.event_count().await;
                let body = json!({ "query": document, "variables": variables }).to_string();
                let response = app
                    .http(
                        Method::POST,
                        "/graphql",
                        &[("content-type", "application/json")],
                        body,
                    )
                    .await;
                requests += 1;
                assert!(
                    response.status.as_u16() < 500,
                    "{name} answered {}: {}\n{document}\n{variables:?}",
                    response.status,
                    response.body
                );
                let answer = response.json();
                let refused = answer.get("errors").is_some()
                    || answer["data"][name]["userErrors"]
                        .as_array()
                        .is_some_and(|e| !e.is_empty());
                if operation == "mutation" && refused {
                    assert_eq!(
                        app.event_count().await,
                        before,
                        "refused {name} wrote events: {answer}\n{variables:?}"
                    );
                }
            }
        }
    }
    assert!(requests > 100, "{requests} requests");
    // still answering, and the log is intact.
    assert_eq!(
        app.graphql("{ __typename }", json!({})).await["__typename"],
        "QueryRoot"
    );
    assert_eq!(
        replay::verify::verify_log(&app.db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
}
