//! Partners end to end: GraphQL over HTTP in, read models and history out, on real PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::TestApp;

const PARTNER_FIELDS: &str = "id name email phone vat isCustomer isSupplier archived version
    address { street city zip country }";

/// Runs partner mutation `name` (taking a `type_` input) and returns its payload.
async fn mutate(app: &TestApp, name: &str, type_: &str, input: Value) -> Value {
    let data = app
        .graphql(
            &format!(
                "mutation($input: {type_}!) {{
                   {name}(input: $input) {{ partner {{ {PARTNER_FIELDS} }} userErrors {{ field message code }} }}
                 }}"
            ),
            json!({ "input": input }),
        )
        .await;
    data[name].clone()
}

async fn create(app: &TestApp, input: Value) -> Value {
    mutate(app, "createPartner", "CreatePartnerInput", input).await
}

async fn update(app: &TestApp, input: Value) -> Value {
    mutate(app, "updatePartner", "UpdatePartnerInput", input).await
}

async fn form(app: &TestApp, id: &str) -> Value {
    app.graphql(
        &format!("query($id: ID!) {{ partner(id: $id) {{ {PARTNER_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await["partner"]
        .clone()
}

async fn created_id(app: &TestApp, name: &str) -> String {
    let payload = create(app, json!({ "name": name, "isCustomer": true })).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["partner"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_created_partner_is_in_the_payload_and_on_its_form() {
    let app = TestApp::new().await;
    let payload = create(
        &app,
        json!({
            "name": "  Agrolait ",
            "email": "Info@AGROLAIT.be",
            "phone": "+32 10 588 558",
            "vat": "be 0477.472.701",
            "address": { "street": "69 rue de Namur", "city": "Wavre", "zip": "1300", "country": "be" },
            "isCustomer": true
        }),
    )
    .await;
    assert_eq!(payload["userErrors"], json!([]));
    let partner = &payload["partner"];
    // read-your-writes: the payload already shows the projected record, normalised.
    assert_eq!(partner["name"], "Agrolait");
    assert_eq!(partner["email"], "Info@agrolait.be");
    assert_eq!(partner["vat"], "BE0477472701");
    assert_eq!(partner["address"]["country"], "BE");
    assert_eq!(partner["isCustomer"], true);
    assert_eq!(partner["isSupplier"], false);
    assert_eq!(partner["version"], 1);
    let id = partner["id"].as_str().unwrap();
    assert_eq!(&form(&app, id).await, partner);
}

#[tokio::test]
async fn an_update_changes_what_it_names_and_clears_what_is_null() {
    let app = TestApp::new().await;
    let created = create(
        &app,
        json!({ "name": "Agrolait", "email": "info@agrolait.be", "phone": "010 588 558", "isCustomer": true }),
    )
    .await;
    let id = created["partner"]["id"].as_str().unwrap();
    let payload = update(
        &app,
        json!({ "id": id, "expectedVersion": 1, "name": "Agrolait SA", "email": null, "isSupplier": true }),
    )
    .await;
    assert_eq!(payload["userErrors"], json!([]));
    let partner = &payload["partner"];
    assert_eq!(partner["name"], "Agrolait SA");
    assert_eq!(partner["email"], Value::Null);
    assert_eq!(partner["phone"], "010 588 558", "left out, so unchanged");
    assert_eq!(partner["isCustomer"], true);
    assert_eq!(partner["isSupplier"], true);
    assert_eq!(partner["version"], 2);
    assert_eq!(&form(&app, id).await, partner);
    // a name is changed, never cleared: null is refused, not taken for "left out".
    let before = app.event_count().await;
    let cleared = update(&app, json!({ "id": id, "name": null, "isSupplier": false })).await;
    assert_eq!(
        cleared["userErrors"],
        json!([{ "code": "REQUIRED", "field": ["input", "name"],
                 "message": "a partner always has a name: it can be changed, not cleared" }])
    );
    assert_eq!(app.event_count().await, before, "nothing written");
}

#[tokio::test]
async fn an_update_that_changes_nothing_writes_nothing() {
    let app = TestApp::new().await;
    let id = created_id(&app, "Agrolait").await;
    let before = app.event_count().await;
    let payload = update(&app, json!({ "id": id, "name": "Agrolait" })).await;
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["partner"]["version"], 1);
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn bad_input_comes_back_as_user_errors_for_every_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let payload = create(
        &app,
        json!({ "name": " ", "email": "agrolait.be", "vat": "12", "address": { "country": "Belgium" } }),
    )
    .await;
    assert_eq!(payload["partner"], Value::Null);
    let errors: Vec<(Value, &str)> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].clone(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        vec![
            (json!(["input", "name"]), "REQUIRED"),
            (json!(["input", "email"]), "INVALID"),
            (json!(["input", "vat"]), "INVALID"),
            (json!(["input", "address", "country"]), "INVALID"),
        ]
    );
    let too_long = create(&app, json!({ "name": "x".repeat(201) })).await;
    assert_eq!(too_long["userErrors"][0]["code"], "TOO_LONG");
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn two_letters_that_are_no_country_are_refused() {
    let app = TestApp::new().await;
    for code in ["ZZ", "xx", "EU", "UK", "AA"] {
        let payload = create(
            &app,
            json!({ "name": "Agrolait", "address": { "country": code } }),
        )
        .await;
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "address", "country"]),
            "{code}: {payload}"
        );
        assert_eq!(payload["userErrors"][0]["code"], "INVALID");
    }
    assert_eq!(app.event_count().await, 0);
    // countries of every part of the world are taken, whatever their case.
    for code in ["be", "GB", "US", "CW", "SS", "JP", "NZ", "XK"] {
        let payload = create(
            &app,
            json!({ "name": format!("Partner in {code}"), "address": { "country": code } }),
        )
        .await;
        assert_eq!(payload["userErrors"], json!([]), "{code}: {payload}");
    }
}

#[tokio::test]
async fn changing_an_unknown_partner_is_a_user_error() {
    let app = TestApp::new().await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let payload = update(&app, json!({ "id": unknown, "name": "Ghost" })).await;
    assert_eq!(payload["partner"], Value::Null);
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "id"]));
    let malformed = update(&app, json!({ "id": "not-a-uuid", "name": "Ghost" })).await;
    assert_eq!(malformed["userErrors"][0]["code"], "INVALID");
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn a_change_made_on_a_stale_form_is_refused_and_shows_the_current_partner() {
    let app = TestApp::new().await;
    let id = created_id(&app, "Agrolait").await;
    let first = update(
        &app,
        json!({ "id": id, "expectedVersion": 1, "phone": "010 11 11 11" }),
    )
    .await;
    assert_eq!(first["userErrors"], json!([]));
    let events = app.event_count().await;
    let stale = update(
        &app,
        json!({ "id": id, "expectedVersion": 1, "name": "Agrolait SA" }),
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "STALE_VERSION");
    assert_eq!(
        stale["userErrors"][0]["field"],
        json!(["input", "expectedVersion"])
    );
    let message = stale["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("version 1") && message.contains("version 2"),
        "{message}"
    );
    assert_eq!(stale["partner"]["name"], "Agrolait");
    assert_eq!(stale["partner"]["version"], 2);
    assert_eq!(app.event_count().await, events);
}

#[tokio::test]
async fn archiving_hides_a_partner_from_the_list_until_it_is_restored() {
    let app = TestApp::new().await;
    let id = created_id(&app, "Agrolait").await;
    created_id(&app, "Camptocamp").await;
    let names = |data: Value| -> Vec<String> {
        data["partners"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list =
        "query($where: PartnerWhere) { partners(where: $where) { edges { node { name } } } }";
    let archive = "mutation($id: ID!) { archivePartner(input: { id: $id, expectedVersion: 1 }) {
        partner { archived version } userErrors { code } } }";
    let archived = app.graphql(archive, json!({ "id": id })).await;
    assert_eq!(
        archived["archivePartner"]["partner"],
        json!({ "archived": true, "version": 2 })
    );
    assert_eq!(names(app.graphql(list, json!({})).await), ["Camptocamp"]);
    assert_eq!(
        names(
            app.graphql(list, json!({ "where": { "archived": true } }))
                .await
        ),
        ["Agrolait"]
    );
    assert_eq!(
        names(
            app.graphql(list, json!({ "where": { "archived": null } }))
                .await
        ),
        ["Agrolait", "Camptocamp"]
    );
    // an archived partner cannot be edited...
    let edit = update(&app, json!({ "id": id, "name": "Agrolait SA" })).await;
    assert_eq!(edit["userErrors"][0]["code"], "ARCHIVED");
    // ...until it is restored.
    let restore = "mutation($id: ID!) { unarchivePartner(input: { id: $id }) { partner { archived version } } }";
    let restored = app.graphql(restore, json!({ "id": id })).await;
    assert_eq!(
        restored["unarchivePartner"]["partner"],
        json!({ "archived": false, "version": 3 })
    );
    assert_eq!(
        names(app.graphql(list, json!({})).await),
        ["Agrolait", "Camptocamp"]
    );
}

/// Walks a list forwards page by page; returns every page's names and the total count.
async fn pages_forward(
    app: &TestApp,
    size: i64,
    filter: Value,
    order: Value,
) -> (Vec<Vec<String>>, i64) {
    let query =
        "query($first: Int, $after: String, $where: PartnerWhere, $orderBy: PartnerOrderBy) {
        partners(first: $first, after: $after, where: $where, orderBy: $orderBy) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { name } } } }";
    let mut pages = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .graphql(
                query,
                json!({ "first": size, "after": after, "where": filter, "orderBy": order }),
            )
            .await;
        let connection = &data["partners"];
        pages.push(
            connection["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
                .collect(),
        );
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], pages.len() > 1);
        if connection["pageInfo"]["hasNextPage"] != true {
            return (pages, connection["totalCount"].as_i64().unwrap());
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn the_list_pages_by_cursor_filters_and_sorts() {
    let app = TestApp::new().await;
    // created out of name order, mixed case, so sorting by name and by creation differ.
    let order = [7, 3, 12, 1, 10, 5, 11, 2, 9, 4, 8, 6];
    for n in order {
        let name = if n % 2 == 0 {
            format!("partner {n:02}")
        } else {
            format!("Partner {n:02}")
        };
        let supplier = n % 3 == 0;
        let payload = create(
            &app,
            json!({ "name": name, "isCustomer": !supplier, "isSupplier": supplier }),
        )
        .await;
        assert_eq!(payload["userErrors"], json!([]));
    }
    let name = |n: i32| {
        if n % 2 == 0 {
            format!("partner {n:02}")
        } else {
            format!("Partner {n:02}")
        }
    };

    // by name (case-insensitive), 5 per page: 12 partners make pages of 5, 5 and 2.
    let (pages, total) = pages_forward(&app, 5, json!({}), json!(null)).await;
    assert_eq!(total, 12);
    let expected: Vec<Vec<String>> = vec![
        (1..=5).map(name).collect(),
        (6..=10).map(name).collect(),
        (11..=12).map(name).collect(),
    ];
    assert_eq!(pages, expected);

    // by creation, newest first.
    let (pages, _) = pages_forward(
        &app,
        100,
        json!({}),
        json!({ "field": "CREATED_AT", "direction": "DESC" }),
    )
    .await;
    let newest_first: Vec<String> = order.iter().rev().map(|n| name(*n)).collect();
    assert_eq!(pages, vec![newest_first]);

    // the name fragment "1" matches 01, 10, 11 and 12; suppliers are the multiples of 3.
    let (pages, total) = pages_forward(&app, 2, json!({ "nameContains": "1" }), json!(null)).await;
    assert_eq!(total, 4);
    assert_eq!(pages.concat(), vec![name(1), name(10), name(11), name(12)]);
    let (pages, total) = pages_forward(&app, 10, json!({ "isSupplier": true }), json!(null)).await;
    assert_eq!(total, 4);
    assert_eq!(pages.concat(), vec![name(3), name(6), name(9), name(12)]);
    let (pages, _) = pages_forward(
        &app,
        10,
        json!({ "isSupplier": true, "nameContains": "1" }),
        json!(null),
    )
    .await;
    assert_eq!(pages.concat(), vec![name(12)]);
    // LIKE wildcards in a fragment match literally.
    let (pages, total) = pages_forward(&app, 10, json!({ "nameContains": "%" }), json!(null)).await;
    assert_eq!((pages.concat().len(), total), (0, 0));

    // backwards from the end: the last 5 by name, then the 5 before them.
    let query = "query($last: Int, $before: String) { partners(last: $last, before: $before) {
        pageInfo { hasPreviousPage hasNextPage startCursor } edges { node { name } } } }";
    let data = app.graphql(query, json!({ "last": 5 })).await;
    let names = |data: &Value| -> Vec<String> {
        data["partners"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&data), (8..=12).map(name).collect::<Vec<_>>());
    assert_eq!(data["partners"]["pageInfo"]["hasPreviousPage"], true);
    let before = data["partners"]["pageInfo"]["startCursor"].clone();
    let data = app
        .graphql(query, json!({ "last": 5, "before": before }))
        .await;
    assert_eq!(names(&data), (3..=7).map(name).collect::<Vec<_>>());
    assert_eq!(data["partners"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn page_sizes_and_cursors_are_checked() {
    let app = TestApp::new().await;
    created_id(&app, "Agrolait").await;
    let too_big = app
        .graphql_with(
            &app.admin_token,
            "{ partners(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(
        too_big["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 100"),
        "{too_big}"
    );
    let bad_cursor = app
        .graphql_with(
            &app.admin_token,
            r#"{ partners(after: "garbage!") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(bad_cursor["errors"].is_array(), "{bad_cursor}");
    let cursor = app
        .graphql("{ partners { edges { cursor } } }", json!({}))
        .await["partners"]["edges"][0]["cursor"]
        .clone();
    let other_order = app
        .graphql_with(
            &app.admin_token,
            "query($after: String) { partners(after: $after, orderBy: { field: CREATED_AT }) { totalCount } }",
            json!({ "after": cursor }),
        )
        .await;
    assert!(
        other_order["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sorted another way"),
        "{other_order}"
    );
    // the same field the other way: refused too (its rows are on the other side of it).
    let other_direction = app
        .graphql_with(
            &app.admin_token,
            "query($after: String) { partners(after: $after, orderBy: { field: NAME, direction: DESC }) { totalCount } }",
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(
        other_direction["errors"][0]["extensions"]["code"], "INVALID_CURSOR",
        "{other_direction}"
    );
}

#[tokio::test]
async fn history_lists_every_event_with_its_user_and_command() {
    let app = TestApp::new().await;
    let alice = app.user("alice", &["user"]).await;
    let bob = app.user("bob", &["user"]).await;
    let created = app
        .graphql_with(
            &alice,
            "mutation { createPartner(input: { name: \"Agrolait\" }) { partner { id } } }",
            json!({}),
        )
        .await;
    let id = created["data"]["createPartner"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let renamed = app
        .graphql_with(
            &bob,
            "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Agrolait SA\" }) { userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(renamed["data"]["updatePartner"]["userErrors"], json!([]));
    app.graphql_with(
        &alice,
        "mutation($id: ID!) { archivePartner(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": id }),
    )
    .await;
    let data = app
        .graphql(
            "query($id: ID!) { partner(id: $id) { history(first: 2) {
                totalCount pageInfo { hasNextPage endCursor }
                edges { node { sequence position type user command aggregateId payload recordedAt correlationId } } } } }",
            json!({ "id": id }),
        )
        .await;
    let history = &data["partner"]["history"];
    assert_eq!(history["totalCount"], 3);
    let events: Vec<&Value> = history["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (
            events[0]["type"].as_str(),
            events[0]["user"].as_str(),
            events[0]["command"].as_str()
        ),
        (Some("PartnerCreated"), Some("alice"), Some("CreatePartner"))
    );
    assert_eq!(
        (
            events[1]["type"].as_str(),
            events[1]["user"].as_str(),
            events[1]["command"].as_str()
        ),
        (Some("PartnerUpdated"), Some("bob"), Some("UpdatePartner"))
    );
    assert_eq!(
        events[0]["payload"]["PartnerCreated"]["details"]["name"],
        "Agrolait"
    );
    assert_eq!(
        events[1]["payload"]["PartnerUpdated"]["details"]["name"],
        "Agrolait SA"
    );
    assert_eq!(events[0]["aggregateId"], id.as_str());
    assert!(events[0]["position"].as_i64() < events[1]["position"].as_i64());
    assert!(events[0]["correlationId"].is_string());
    let rest = app
        .graphql(
            "query($id: ID!, $after: String) { partner(id: $id) { history(first: 10, after: $after) { edges { node { sequence type user } } } } }",
            json!({ "id": id, "after": history["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        rest["partner"]["history"]["edges"],
        json!([{ "node": { "sequence": 3, "type": "PartnerArchived", "user": "alice" } }])
    );
}

#[tokio::test]
async fn of_two_writers_racing_on_one_partner_exactly_one_wins() {
    let app = TestApp::new().await;
    let id = created_id(&app, "Agrolait").await;
    let writers = (0..8).map(|n| {
        let app = &app;
        let id = id.clone();
        async move {
            update(
                app,
                json!({ "id": id, "expectedVersion": 1, "name": format!("Agrolait {n}") }),
            )
            .await
        }
    });
    let results = futures::future::join_all(writers).await;
    let codes: Vec<Option<&str>> = results
        .iter()
        .map(|r| r["userErrors"][0]["code"].as_str())
        .collect();
    let winners = codes.iter().filter(|c| c.is_none()).count();
    assert_eq!(winners, 1, "{codes:?}");
    assert!(
        codes
            .iter()
            .flatten()
            .all(|c| *c == "STALE_VERSION" || *c == "CONFLICT"),
        "{codes:?}"
    );
    let partner = form(&app, &id).await;
    assert_eq!(partner["version"], 2);
    assert_eq!(app.event_count().await, 2);
}

#[tokio::test]
async fn a_writer_that_loses_the_race_at_commit_gets_a_conflict_and_writes_nothing() {
    let app = TestApp::new().await;
    let id = created_id(&app, "Agrolait").await;
    // another writer has appended event 2 of this partner but not committed yet.
    let mut other = app.db.pool.begin().await.unwrap();
    let other_event = json!({ "PartnerArchived": {} });
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         values ('Partner', $1, 2, 'PartnerArchived', '1.0', $2, '{}')",
    )
    .bind(&id)
    .bind(&other_event)
    .execute(&mut *other)
    .await
    .unwrap();
    // our writer loads version 1 and tries to append event 2: it waits on the other's row...
    let ours = tokio::spawn({
        let router = app.router.clone();
        let id = id.clone();
        let token = app.admin_token.clone();
        async move {
            use tower::ServiceExt;
            let body = json!({
                "query": "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Agrolait SA\" }) { partner { name version } userErrors { code message field } } }",
                "variables": { "id": id }
            });
            let request = axum::http::Request::post("/graphql")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // ...and loses when the other commits first.
    other.commit().await.unwrap();
    let response = ours.await.unwrap();
    let payload = &response["data"]["updatePartner"];
    assert_eq!(payload["userErrors"][0]["code"], "CONFLICT", "{response}");
    assert!(payload["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("reload"));
    assert_eq!(app.event_count().await, 2);
    let names: Vec<String> = sqlx::query_scalar(
        "select event_type from events where aggregate_type = 'Partner' order by position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(names, ["PartnerCreated", "PartnerArchived"]);
}

#[tokio::test]
async fn creating_with_an_id_already_taken_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let id = uuid::Uuid::new_v4().to_string();
    let first = create(&app, json!({ "id": id, "name": "Agrolait" })).await;
    assert_eq!(first["userErrors"], json!([]));
    assert_eq!(first["partner"]["id"], id.as_str());
    let second = create(&app, json!({ "id": id, "name": "Someone else" })).await;
    assert_eq!(second["userErrors"][0]["code"], "ALREADY_EXISTS");
    assert_eq!(second["userErrors"][0]["field"], json!(["input", "id"]));
    assert_eq!(
        second["partner"]["name"], "Agrolait",
        "the existing partner is untouched"
    );
    assert_eq!(app.event_count().await, 1);
}

#[tokio::test]
async fn a_long_lists_count_is_exact_to_ten_thousand_and_an_estimate_that_says_so_beyond() {
    let app = TestApp::new().await;
    let count = async |filter: Value| {
        let data = app
            .graphql(
                "query($where: PartnerWhere) { partners(first: 1, where: $where) {
                    totalCount totalCountIsEstimate nodes { name } } }",
                json!({ "where": filter }),
            )
            .await;
        data["partners"].clone()
    };
    let before = count(json!({})).await;
    assert_eq!(before["totalCountIsEstimate"], false, "{before}");
    let start = before["totalCount"].as_i64().unwrap();

    // 10,050 partners in one data module, every third a supplier.
    let mut module = String::from(r#"{"data_module": "many", "version": "1.0.0"}"#);
    for n in 0..10_050 {
        module.push_str(&format!(
            "\n{{\"partner\":\"p{n}\",\"name\":\"Partner {n:05}\",\"is_supplier\":{}}}",
            n % 3 == 0
        ));
    }
    let loaded = app
        .graphql(
            "mutation($c: String!) { loadDataModule(content: $c) { applied userErrors { message } } }",
            json!({ "c": module }),
        )
        .await;
    assert_eq!(loaded["loadDataModule"]["applied"], true, "{loaded}");
    let all = start + 10_050;

    // beyond ten thousand: the database's estimate (never below what was counted), said to be
    // one; the page itself is read as always.
    let estimated = count(json!({})).await;
    assert_eq!(estimated["totalCountIsEstimate"], true, "{estimated}");
    let total = estimated["totalCount"].as_i64().unwrap();
    assert!(
        (10_001..=all * 2).contains(&total),
        "{total} for {all} partners"
    );
    assert_eq!(estimated["nodes"].as_array().map(Vec::len), Some(1));
    // a filter that selects fewer: counted exactly (3,350 suppliers of the module's, and those
    // there were before).
    let suppliers = count(json!({ "isSupplier": true })).await;
    assert_eq!(suppliers["totalCountIsEstimate"], false, "{suppliers}");
    let suppliers_before: i64 = sqlx::query_scalar(
        "select count(*) from partner where is_supplier and name not like 'Partner %'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(suppliers["totalCount"], 3_350 + suppliers_before);
    let one = count(json!({ "nameContains": "Partner 04321" })).await;
    assert_eq!(
        (&one["totalCount"], &one["totalCountIsEstimate"]),
        (&json!(1), &json!(false))
    );
}
