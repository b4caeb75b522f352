//! What auditors ask: the log, filtered, and a record as it stood at any point.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::TestApp;

const CREATE: &str =
    "mutation($name: String!) { createPartner(input: { name: $name }) { partner { id } } }";

fn id_of(response: &Value) -> String {
    response["data"]["createPartner"]["partner"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

async fn log(app: &TestApp, filter: Value) -> Value {
    app.graphql(
        "query($where: LogWhere) { log(first: 50, where: $where) {
            totalCount edges { node { position type aggregateId user command correlationId } } } }",
        json!({ "where": filter }),
    )
    .await["log"]
        .clone()
}

fn types(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_log_is_listed_with_filters_for_auditors_only() {
    let app = TestApp::new().await;
    let alice = app.user("alice", &["user"]).await;
    let bob = app.user("bob", &["user"]).await;
    let a = id_of(
        &app.graphql_with(&alice, CREATE, json!({ "name": "Agrolait" }))
            .await,
    );
    let started: String = sqlx::query_scalar(
        "select to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let b = id_of(
        &app.graphql_with(&bob, CREATE, json!({ "name": "Camptocamp" }))
            .await,
    );
    app.graphql_with(
        &bob,
        "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Agrolait SA\" }) { userErrors { code } } }",
        json!({ "id": a }),
    )
    .await;

    let by_alice = log(&app, json!({ "user": "alice" })).await;
    assert_eq!(types(&by_alice), ["PartnerCreated"]);
    assert_eq!(by_alice["edges"][0]["node"]["aggregateId"], a.as_str());
    let partners = log(&app, json!({ "aggregateType": "Partner" })).await;
    assert_eq!(partners["totalCount"], 3);
    assert_eq!(
        types(&partners),
        ["PartnerCreated", "PartnerCreated", "PartnerUpdated"]
    );
    let of_a = log(
        &app,
        json!({ "aggregateType": "Partner", "aggregateId": a }),
    )
    .await;
    assert_eq!(types(&of_a), ["PartnerCreated", "PartnerUpdated"]);
    let updates = log(&app, json!({ "type": "PartnerUpdated" })).await;
    assert_eq!(updates["totalCount"], 1);
    assert_eq!(updates["edges"][0]["node"]["user"], "bob");
    let since = log(&app, json!({ "aggregateType": "Partner", "from": started })).await;
    assert_eq!(types(&since), ["PartnerCreated", "PartnerUpdated"]);
    assert_eq!(since["edges"][0]["node"]["aggregateId"], b.as_str());
    let correlation = since["edges"][1]["node"]["correlationId"].clone();
    let one_request = log(&app, json!({ "correlationId": correlation })).await;
    assert_eq!(types(&one_request), ["PartnerUpdated"]);

    let page = app
        .graphql(
            "{ log(first: 1, where: { aggregateType: \"Partner\" }) { pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(page["log"]["pageInfo"]["hasNextPage"], json!(true));
    // a position the log never has is not a cursor of it.
    let negative = app
        .graphql_with(
            &app.admin_token,
            "{ log(first: 1, after: \"-5\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        negative["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
        "{negative}"
    );

    let refused = app
        .graphql_with(&alice, "{ log(first: 5) { totalCount } }", json!({}))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn a_partner_as_of_a_position_or_a_time_is_the_partner_then() {
    let app = TestApp::new().await;
    let id = id_of(
        &app.graphql_with(&app.admin_token, CREATE, json!({ "name": "Agrolait" }))
            .await,
    );
    app.graphql(
        "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Agrolait SA\", email: \"info@agrolait.be\" }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    app.graphql(
        "mutation($id: ID!) { archivePartner(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    let events: Vec<(i64, String)> = sqlx::query_as(
        "select position, to_char(recorded_at at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
           from events where aggregate_id = $1 order by sequence",
    )
    .bind(&id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let at = |as_of: Value| {
        let id = id.clone();
        let app = &app;
        async move {
            app.graphql(
                "query($id: ID!, $asOf: AsOfInput) { partner(id: $id, asOf: $asOf) { name email archived version } }",
                json!({ "id": id, "asOf": as_of }),
            )
            .await["partner"]
                .clone()
        }
    };
    assert_eq!(
        at(json!({ "position": events[0].0 - 1 })).await,
        Value::Null
    );
    assert_eq!(
        at(json!({ "position": events[0].0 })).await,
        json!({ "name": "Agrolait", "email": null, "archived": false, "version": 1 })
    );
    assert_eq!(
        at(json!({ "position": events[1].0 })).await,
        json!({ "name": "Agrolait SA", "email": "info@agrolait.be", "archived": false, "version": 2 })
    );
    assert_eq!(
        at(json!({ "time": events[1].1 })).await,
        json!({ "name": "Agrolait SA", "email": "info@agrolait.be", "archived": false, "version": 2 })
    );
    assert_eq!(
        at(json!({ "position": events[2].0 })).await,
        json!({ "name": "Agrolait SA", "email": "info@agrolait.be", "archived": true, "version": 3 })
    );
    // as of now, the replay and the read model agree.
    let now = app
        .graphql(
            "query($id: ID!) { partner(id: $id) { name email archived version } }",
            json!({ "id": id }),
        )
        .await["partner"]
        .clone();
    assert_eq!(now, at(json!({ "position": events[2].0 + 1000 })).await);
    let both = app
        .graphql_with(
            &app.admin_token,
            "query($id: ID!) { partner(id: $id, asOf: { position: 1, time: \"2026-01-01T00:00:00Z\" }) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert!(both["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("exactly one"));
}

#[tokio::test]
async fn a_user_as_of_a_position_is_the_user_then() {
    let app = TestApp::new().await;
    app.user("carol", &["user"]).await;
    let id = app
        .graphql("{ users { edges { node { id login } } } }", json!({}))
        .await["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["login"] == "carol")
        .unwrap()["node"]["id"]
        .clone();
    app.graphql(
        "mutation($id: ID!) { updateUser(input: { id: $id, name: \"Carol Smith\", groups: [] }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    app.graphql(
        "mutation($id: ID!) { deactivateUser(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    let positions: Vec<i64> = sqlx::query_scalar(
        "select position from events where aggregate_type = 'User' and aggregate_id = $1 order by sequence",
    )
    .bind(id.as_str().unwrap())
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let at = |position: i64| {
        let id = id.clone();
        let app = &app;
        async move {
            app.graphql(
                "query($id: ID!, $p: Int!) { user(id: $id, asOf: { position: $p }) { name groups active version } }",
                json!({ "id": id, "p": position }),
            )
            .await["user"]
                .clone()
        }
    };
    assert_eq!(at(positions[0] - 1).await, Value::Null);
    assert_eq!(
        at(positions[0]).await,
        json!({ "name": "carol", "groups": ["user"], "active": true, "version": 1 })
    );
    assert_eq!(
        at(positions[1]).await,
        json!({ "name": "Carol Smith", "groups": [], "active": true, "version": 2 })
    );
    assert_eq!(
        at(positions[2]).await,
        json!({ "name": "Carol Smith", "groups": [], "active": false, "version": 3 })
    );
}

#[tokio::test]
async fn the_log_never_shows_a_password_hash() {
    let app = TestApp::new().await;
    app.user("alice", &["user"]).await;
    let page = app
        .graphql(
            "{ log(first: 50, where: { aggregateType: \"User\" }) { edges { node { type payload } } } }",
            json!({}),
        )
        .await;
    let text = page.to_string();
    assert!(text.contains("UserCreated"), "{text}");
    assert!(
        !text.contains("$argon2"),
        "a password hash is shown: {text}"
    );
    assert!(text.contains("[redacted]"), "{text}");
    // the log itself keeps it: a restore needs it.
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_type = 'User' and payload::text like '%$argon2%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(stored > 0);
}

#[tokio::test]
async fn a_long_logs_count_is_exact_to_ten_thousand_and_an_estimate_that_says_so_beyond() {
    use domain::configuration::{ConfigurationCommand, CurrencyCode};
    let app = TestApp::new().await;
    let count = async |filter: Value| {
        app.graphql(
            "query($where: LogWhere) { log(first: 1, where: $where) {
                totalCount totalCountIsEstimate } }",
            json!({ "where": filter }),
        )
        .await["log"]
            .clone()
    };
    let before = count(json!({})).await;
    assert_eq!(before["totalCountIsEstimate"], false, "{before}");
    let start = before["totalCount"].as_i64().unwrap();

    // one command of 12,000 events (a rate a day for 12,000 days), and one partner made after.
    let usd = CurrencyCode::parse("USD").unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    let mut commands = vec![ConfigurationCommand::SetCurrency {
        code: usd.clone(),
        currency: domain::configuration::Currency::new("US Dollar", "$", 2).unwrap(),
    }];
    commands.extend((0..12_000).map(|n| ConfigurationCommand::SetCurrencyRate {
        code: usd.clone(),
        date: day + chrono::Days::new(n),
        rate: rust_decimal::Decimal::new(1000 + n as i64 % 7, 3),
    }));
    app.backend
        .state
        .bus
        .configure(
            ConfigurationCommand::Batch(commands),
            &commands::CommandContext::system("tester"),
        )
        .await
        .unwrap();
    id_of(
        &app.graphql_with(&app.admin_token, CREATE, json!({ "name": "Agrolait" }))
            .await,
    );
    let all = start + 12_001 + 1;

    // beyond ten thousand: an estimate, and said to be one; here every position is an event,
    // so the density of the newest ones is that of the whole log.
    let estimated = count(json!({})).await;
    assert_eq!(estimated["totalCountIsEstimate"], true, "{estimated}");
    assert_eq!(estimated["totalCount"], all, "{estimated}");
    // the rates alone: more than ten thousand, estimated (from the positions the newest span).
    let rates = count(json!({ "type": "CurrencyRateSet" })).await;
    assert_eq!(rates["totalCountIsEstimate"], true, "{rates}");
    let rates = rates["totalCount"].as_i64().unwrap();
    assert!((10_001..=all).contains(&rates), "{rates}");
    // a filter that selects fewer: counted exactly.
    let partners = count(json!({ "aggregateType": "Partner" })).await;
    assert_eq!(
        partners,
        json!({ "totalCount": 1, "totalCountIsEstimate": false })
    );
}
