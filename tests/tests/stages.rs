//! Stages: an implementer changes configuration step by step, names stages, compares them, and
//! goes back to one, in place or as a new database, without losing business records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use commands::data_module::{load, DataModule, LoadError, Loading};
use serde_json::{json, Value};
use tests::{TestApp, TestDb};

/// Everything the configuration query shows, for comparing configurations whole.
const CONFIGURATION: &str = "version production
    company { name currency address { street city zip country } fiscalYearStart }
    modules { name installedVersion }
    sequences { nodes { code name prefix padding nextNumber } }
    taxes { nodes { code name rate priceIncluded } }
    currencies { nodes { code name symbol decimals rates { date rate } } }
    groups { nodes { code name rights { model create read write delete } } }
    forms { name fields { field label } }";

/// Runs `mutation` (several fields at once, each with `userErrors { message }`) and insists
/// none was refused.
async fn change(app: &TestApp, mutation: &str) {
    let data = app.graphql(mutation, json!({})).await;
    for (field, payload) in data.as_object().unwrap() {
        assert_eq!(payload["userErrors"], json!([]), "{field}: {data}");
    }
}

async fn configuration(app: &TestApp) -> Value {
    app.graphql(
        &format!("{{ configuration {{ {CONFIGURATION} }} }}"),
        json!({}),
    )
    .await["configuration"]
        .clone()
}

fn without_version(mut configuration: Value) -> Value {
    configuration.as_object_mut().unwrap().remove("version");
    configuration
}

async fn create_partner(app: &TestApp, name: &str) {
    change(
        app,
        &format!("mutation {{ p: createPartner(input: {{ name: \"{name}\" }}) {{ userErrors {{ message }} }} }}"),
    )
    .await;
}

async fn partner_names(app: &TestApp) -> Vec<String> {
    let data = app
        .graphql("{ partners { edges { node { name } } } }", json!({}))
        .await;
    data["partners"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn create_stage(app: &TestApp, name: &str, note: &str) -> Value {
    let data = app
        .graphql(
            "mutation($name: String!, $note: String!) { createStage(input: { name: $name, note: $note }) {
                stage { name note position createdAt createdBy changes { area key before after } } userErrors { code } } }",
            json!({ "name": name, "note": note }),
        )
        .await;
    assert_eq!(data["createStage"]["userErrors"], json!([]), "{data}");
    data["createStage"]["stage"].clone()
}

fn change_entry(area: &str, key: &str, before: Option<&str>, after: Option<&str>) -> Value {
    json!({ "area": area, "key": key, "before": before, "after": after })
}

/// The scripted session of an implementer: returns stages A and B with the configuration
/// each had when it was created.
struct Session {
    app: TestApp,
    a: Value,
    b: Value,
    at_a: Value,
    at_b: Value,
}

async fn scripted_session() -> Session {
    let app = TestApp::new().await;
    change(
        &app,
        "mutation {
            a: installModule(input: { name: \"sale\" }) { userErrors { message } }
            b: setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { message } }
            c: setTax(input: { code: \"vat21\", name: \"VAT 21%\", rate: \"21\" }) { userErrors { message } }
            d: setTax(input: { code: \"vat6\", name: \"VAT 6%\", rate: \"6\" }) { userErrors { message } }
        }",
    )
    .await;
    create_partner(&app, "Agrolait").await;
    create_partner(&app, "Camptocamp").await;
    let a = create_stage(&app, "A", "sales ready").await;
    let at_a = configuration(&app).await;

    change(
        &app,
        "mutation {
            a: installModule(input: { name: \"stock\" }) { userErrors { message } }
            b: setTax(input: { code: \"vat21\", name: \"VAT 20%\", rate: \"20\" }) { userErrors { message } }
            c: removeTax(input: { code: \"vat6\" }) { userErrors { message } }
            d: setTax(input: { code: \"vat12\", name: \"VAT 12%\", rate: \"12\" }) { userErrors { message } }
            e: setLabel(input: { form: \"partner\", field: \"vat\", label: null }) { userErrors { message } }
            f: setLabel(input: { form: \"partner\", field: \"name\", label: \"Company\" }) { userErrors { message } }
            g: setGroup(input: { code: \"sales\", name: \"Sales\" }) { userErrors { message } }
            h: setAccess(input: { group: \"sales\", model: PARTNER, read: true, write: true }) { userErrors { message } }
            i: updateCompany(input: { name: \"Agrolait\" }) { userErrors { message } }
            j: setSequence(input: { code: \"sale.order\", name: \"Sales orders\", prefix: \"SO\", padding: 4 }) { userErrors { message } }
        }",
    )
    .await;
    create_partner(&app, "China Export").await;
    let b = create_stage(&app, "B", "").await;
    let at_b = configuration(&app).await;
    create_partner(&app, "Delta PC").await;
    Session {
        app,
        a,
        b,
        at_a,
        at_b,
    }
}

#[tokio::test]
async fn stages_are_listed_with_author_position_and_what_changed() {
    let Session { app, a, b, .. } = scripted_session().await;
    assert_eq!(a["createdBy"], "admin");
    assert_eq!(a["note"], "sales ready");
    assert!(a["position"].as_i64() < b["position"].as_i64());
    let a_changes = a["changes"].as_array().unwrap();
    assert!(a_changes.contains(&change_entry("MODULE", "sale", None, Some("1.0.0"))));
    assert!(a_changes.contains(&change_entry("TAX", "vat6", None, Some("VAT 6% (6%)"))));

    // what changed from A to B, worked out by hand from the script, area by area, keys sorted.
    let expected = json!([
        change_entry("MODULE", "stock", None, Some("1.0.0")),
        change_entry("COMPANY", "name", Some("My Company"), Some("Agrolait")),
        change_entry(
            "SEQUENCE",
            "sale.order",
            None,
            Some("Sales orders (next SO0001)")
        ),
        change_entry("TAX", "vat12", None, Some("VAT 12% (12%)")),
        change_entry("TAX", "vat21", Some("VAT 21% (21%)"), Some("VAT 20% (20%)")),
        change_entry("TAX", "vat6", Some("VAT 6% (6%)"), None),
        change_entry("LABEL", "partner.name", None, Some("Company")),
        change_entry("LABEL", "partner.vat", Some("VAT number"), None),
        change_entry("GROUP", "sales", None, Some("Sales")),
        change_entry("ACCESS", "sales/partner", None, Some("read, write")),
    ]);
    assert_eq!(b["changes"], expected);
    let diff = app
        .graphql(
            "{ stageDiff(from: \"A\", to: \"B\") { area key before after } }",
            json!({}),
        )
        .await;
    assert_eq!(diff["stageDiff"], expected);
    let listed = app
        .graphql("{ stages { nodes { name } } }", json!({}))
        .await;
    assert_eq!(
        listed["stages"]["nodes"],
        json!([{ "name": "A" }, { "name": "B" }])
    );
    let duplicate = app
        .graphql(
            "mutation { createStage(input: { name: \"A\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        duplicate["createStage"]["userErrors"][0]["code"],
        "ALREADY_EXISTS"
    );
}

#[tokio::test]
async fn the_configuration_as_of_a_stage_is_replayed_from_its_snapshot() {
    let Session {
        app,
        a,
        b,
        at_a,
        at_b,
    } = scripted_session().await;
    let as_of = |position: &Value| {
        format!("{{ configuration(asOf: {{ position: {position} }}) {{ {CONFIGURATION} }} }}")
    };
    let then = app.graphql(&as_of(&a["position"]), json!({})).await;
    assert_eq!(then["configuration"], at_a);
    let then = app.graphql(&as_of(&b["position"]), json!({})).await;
    assert_eq!(then["configuration"], at_b);
    let by_time = app
        .graphql(
            &format!("query($t: DateTime!) {{ configuration(asOf: {{ time: $t }}) {{ {CONFIGURATION} }} }}"),
            json!({ "t": a["createdAt"] }),
        )
        .await;
    assert_eq!(by_time["configuration"], at_a);
}

#[tokio::test]
async fn restoring_a_stage_in_place_brings_its_configuration_back_and_keeps_every_record() {
    let Session {
        app, at_a, at_b, ..
    } = scripted_session().await;
    assert_ne!(without_version(at_a.clone()), without_version(at_b));
    let restore = "mutation { restoreStage(input: { name: \"A\" }) {
        restored kept { key } userErrors { code } configuration { version } } }";
    let restored = app.graphql(restore, json!({})).await;
    assert_eq!(restored["restoreStage"]["userErrors"], json!([]));
    assert_eq!(restored["restoreStage"]["restored"], json!(true));
    assert_eq!(restored["restoreStage"]["kept"], json!([]));

    let now = configuration(&app).await;
    assert!(now["version"].as_i64() > at_a["version"].as_i64());
    assert_eq!(without_version(now), without_version(at_a));
    assert_eq!(
        partner_names(&app).await,
        ["Agrolait", "Camptocamp", "China Export", "Delta PC"],
        "business records stay"
    );
    // the restore is in the history of the configuration.
    let (user, command): (String, String) = sqlx::query_as(
        "select metadata->>'user', metadata->>'command' from events
          where event_type = 'StageRestored' and payload->'StageRestored'->>'name' = 'A'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((user.as_str(), command.as_str()), ("admin", "RestoreStage"));

    let events = app.event_count().await;
    let again = app.graphql(restore, json!({})).await;
    assert_eq!(again["restoreStage"]["restored"], json!(false));
    assert_eq!(
        app.event_count().await,
        events,
        "restoring twice is a no-op"
    );

    let unknown = app
        .graphql(
            "mutation { restoreStage(input: { name: \"Z\" }) { userErrors { code field } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        unknown["restoreStage"]["userErrors"],
        json!([{ "code": "NOT_FOUND", "field": ["input", "name"] }])
    );
}

#[tokio::test]
async fn restoring_a_stage_as_a_new_database_replays_the_log_up_to_it() {
    let Session {
        app,
        a,
        b,
        at_a,
        at_b,
    } = scripted_session().await;
    let source_events = app.event_count().await;

    let name = TestDb::fresh_name();
    let (_, copied) = api::fork::fork(
        &app.db.pool,
        b["position"].as_i64().unwrap(),
        &TestDb::url_of(&name),
        |_| {},
    )
    .await
    .unwrap();
    let fork = TestApp::on(TestDb::adopt(&name).await).await;
    let up_to_b: i64 = sqlx::query_scalar("select count(*) from events where position <= $1")
        .bind(b["position"].as_i64().unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(copied, u64::try_from(up_to_b).unwrap());
    assert_eq!(configuration(&fork).await, at_b);
    assert_eq!(
        partner_names(&fork).await,
        ["Agrolait", "Camptocamp", "China Export"],
        "what was recorded after the stage is not in the fork"
    );
    let stages = fork
        .graphql("{ stages { nodes { name } } }", json!({}))
        .await;
    assert_eq!(
        stages["stages"]["nodes"],
        json!([{ "name": "A" }, { "name": "B" }])
    );
    assert_eq!(
        app.event_count().await,
        source_events,
        "the source is untouched"
    );

    let again = api::fork::fork(
        &app.db.pool,
        a["position"].as_i64().unwrap(),
        &TestDb::url_of(&name),
        |_| {},
    )
    .await;
    assert!(
        matches!(again, Err(api::fork::ForkError::Exists(_))),
        "an existing database is never overwritten"
    );

    let name = TestDb::fresh_name();
    api::fork::fork(
        &app.db.pool,
        a["position"].as_i64().unwrap(),
        &TestDb::url_of(&name),
        |_| {},
    )
    .await
    .unwrap();
    let fork_a = TestApp::on(TestDb::adopt(&name).await).await;
    assert_eq!(configuration(&fork_a).await, at_a);
    assert_eq!(partner_names(&fork_a).await, ["Agrolait", "Camptocamp"]);
}

#[tokio::test]
async fn a_group_users_are_in_is_neither_removed_nor_taken_away_by_a_restore() {
    let app = TestApp::new().await;
    create_stage(&app, "before_groups", "").await;
    change(
        &app,
        "mutation { a: setGroup(input: { code: \"auditors\", name: \"Auditors\" }) { userErrors { message } }
                    b: setGroup(input: { code: \"temps\", name: \"Temps\" }) { userErrors { message } } }",
    )
    .await;
    app.user("bea", &["auditors"]).await;
    let events = app.event_count().await;

    // removed by hand: refused while bea is in it, naming her.
    let removed = app
        .graphql(
            "mutation { removeGroup(input: { code: \"auditors\" }) { userErrors { field code message } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        removed["removeGroup"]["userErrors"],
        json!([{ "field": ["input", "code"], "code": "IN_USE",
                 "message": "group 'auditors' has user 'bea' in it; take them out of it first" }])
    );
    assert_eq!(app.event_count().await, events, "nothing written");

    // a restore to before the groups: the one no one is in goes, the one bea is in stays.
    let restored = app
        .graphql(
            "mutation { restoreStage(input: { name: \"before_groups\" }) {
                restored kept { area key } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        restored["restoreStage"],
        json!({ "restored": true, "kept": [{ "area": "GROUP", "key": "auditors" }],
                "userErrors": [] })
    );
    let groups = app
        .graphql("{ configuration { groups { nodes { code } } } }", json!({}))
        .await;
    let codes: Vec<&str> = groups["configuration"]["groups"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"auditors") && !codes.contains(&"temps"),
        "{codes:?}"
    );

    // bea out of it: the group goes.
    let bea = app
        .graphql("{ users { nodes { id login } } }", json!({}))
        .await["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "bea")
        .unwrap()["id"]
        .clone();
    change(
        &app,
        &format!("mutation {{ u: updateUser(input: {{ id: {bea}, groups: [] }}) {{ userErrors {{ message }} }} }}"),
    )
    .await;
    change(
        &app,
        "mutation { r: removeGroup(input: { code: \"auditors\" }) { userErrors { message } } }",
    )
    .await;
    let groups = app
        .graphql("{ configuration { groups { nodes { code } } } }", json!({}))
        .await;
    assert!(!groups.to_string().contains("auditors"), "{groups}");
}

#[tokio::test]
async fn a_stage_or_data_module_changes_no_currency_of_a_company_with_books() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let set = app
        .graphql(
            "mutation {
                a: setCurrency(input: { code: \"USD\", name: \"US Dollar\", symbol: \"$\" }) { userErrors { message } }
                b: setCompany(input: { code: \"south\", name: \"South\", currency: \"USD\", parent: \"main\" }) { userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(set["a"]["userErrors"], json!([]), "{set}");
    assert_eq!(set["b"]["userErrors"], json!([]), "{set}");
    create_stage(&app, "usd", "south in dollars").await;
    // no books yet: south changes its currency freely, then keeps books in euros.
    let euro = app
        .graphql(
            "mutation { setCompany(input: { code: \"south\", currency: \"EUR\" }) { userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(euro["setCompany"]["userErrors"], json!([]), "{euro}");
    let entry = app
        .graphql_in(
            &app.admin_token,
            Some("south"),
            "mutation { postEntry(input: { journal: \"misc\", date: \"2026-11-02\", lines: [
                { account: \"550000\", debit: \"10\" }, { account: \"100000\", credit: \"10\" } ] }) {
                userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        entry["data"]["postEntry"]["userErrors"],
        json!([]),
        "{entry}"
    );
    let before = app.event_count().await;

    // the stage of dollars would relabel south's euros: refused, naming the company.
    let restored = app
        .graphql(
            "mutation { restoreStage(input: { name: \"usd\" }) { restored userErrors { code field message } } }",
            json!({}),
        )
        .await;
    let error = &restored["restoreStage"]["userErrors"][0];
    assert_eq!(error["code"], "IN_USE", "{restored}");
    // of the stage as a whole: no field of restoreStage's input is wrong.
    assert_eq!(error["field"], Value::Null, "{restored}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("company 'south' keeps its books in EUR"),
        "{restored}"
    );
    // so would a data module that sets it in dollars.
    let module = DataModule::parse(
        r#"{"data_module": "south_usd", "version": "1.0.0", "requires": ["account"]}
{"company": "south", "name": "South", "currency": "USD", "parent": "main"}
"#,
    )
    .unwrap();
    // refused as in use, by a dry run as by a load.
    for loading in [Loading::DRY_RUN, Loading::APPLY] {
        match load(&app.backend.state, &module, loading, "tester").await {
            Err(LoadError::InUse(message)) => {
                assert!(message.contains("keeps its books in EUR"), "{message}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(app.event_count().await, before, "nothing written");
}
