//! Configuration through GraphQL: modules and their dependencies, settings, labels, users,
//! sign-in and rights.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tests::{TestApp, USER_PASSWORD};

const MODULES: &str = "modules { name installedVersion }";

async fn install(app: &TestApp, name: &str, force: bool) -> Value {
    app.graphql(
        &format!(
            "mutation($name: String!, $force: Boolean!) {{ installModule(input: {{ name: $name, force: $force }}) {{
                configuration {{ {MODULES} }} userErrors {{ field message code }} }} }}"
        ),
        json!({ "name": name, "force": force }),
    )
    .await["installModule"]
        .clone()
}

async fn uninstall(app: &TestApp, name: &str, with_dependents: bool) -> Value {
    app.graphql(
        &format!(
            "mutation($name: String!, $with: Boolean!) {{ uninstallModule(input: {{ name: $name, withDependents: $with }}) {{
                configuration {{ {MODULES} }} userErrors {{ field message code }} }} }}"
        ),
        json!({ "name": name, "with": with_dependents }),
    )
    .await["uninstallModule"]
        .clone()
}

/// The names of the installed modules in a payload's configuration, sorted.
fn installed(payload: &Value) -> Vec<String> {
    let mut names: Vec<String> = payload["configuration"]["modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !m["installedVersion"].is_null())
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn installing_sale_brings_its_dependencies_and_uninstalling_respects_dependents() {
    let app = TestApp::new().await;
    let payload = install(&app, "sale", false).await;
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(installed(&payload), ["account", "base", "product", "sale"]);

    let refused = uninstall(&app, "product", false).await;
    assert_eq!(refused["userErrors"][0]["code"], "REQUIRED_BY_OTHERS");
    assert!(refused["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("sale"));
    assert_eq!(installed(&refused), ["account", "base", "product", "sale"]);

    let both = uninstall(&app, "product", true).await;
    assert_eq!(both["userErrors"], json!([]));
    assert_eq!(installed(&both), ["account", "base"]);

    let base = uninstall(&app, "base", true).await;
    assert_eq!(base["userErrors"][0]["code"], "RESERVED");
    let unknown = install(&app, "payroll", false).await;
    assert_eq!(unknown["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_production_database_refuses_a_development_module_unless_forced() {
    let app = TestApp::new().await;
    // the mark is the manager's alone (under the master password): a database's own
    // administrator cannot change it.
    let own = app
        .graphql_with(
            &app.admin_token,
            "mutation { markDatabase(input: { production: true }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert!(
        own["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Unknown field"),
        "{own}"
    );
    // what the manager's `markDatabase` sends
    app.backend
        .state
        .bus
        .configure(
            domain::configuration::ConfigurationCommand::MarkDatabase { production: true },
            &commands::CommandContext::system("manager"),
        )
        .await
        .unwrap();
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let marked = app
        .graphql("{ configuration { production } }", json!({}))
        .await;
    assert_eq!(marked["configuration"]["production"], json!(true));
    let before = app.event_count().await;
    let refused = install(&app, "crm", false).await;
    assert_eq!(refused["userErrors"][0]["code"], "DEVELOPMENT_VERSION");
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "force"]));
    assert_eq!(installed(&refused), ["base"], "nothing of it installed");
    assert_eq!(app.event_count().await, before, "nothing written");

    let forced = install(&app, "crm", true).await;
    assert_eq!(forced["userErrors"], json!([]));
    assert_eq!(
        installed(&forced),
        ["account", "base", "crm", "product", "sale"]
    );
}

#[tokio::test]
async fn a_test_database_takes_a_development_module() {
    let app = TestApp::new().await;
    let payload = install(&app, "crm", false).await;
    assert_eq!(payload["userErrors"], json!([]));
    assert!(installed(&payload).contains(&"crm".to_owned()));
}

#[tokio::test]
async fn operations_of_a_module_not_installed_get_a_clear_error() {
    let app = TestApp::new().await;
    let taxes = app
        .graphql_with(
            &app.admin_token,
            "{ configuration { taxes { nodes { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        taxes["errors"][0]["extensions"]["code"], "MODULE_NOT_INSTALLED",
        "{taxes}"
    );
    assert!(taxes["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("account"));
    let set_tax = "mutation($rate: Decimal!) { setTax(input: { code: \"vat21\", name: \"VAT 21%\", rate: $rate }) {
        configuration { taxes { nodes { code name rate priceIncluded } } } userErrors { field code message } } }";
    let refused = app
        .graphql_with(&app.admin_token, set_tax, json!({ "rate": "21" }))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "MODULE_NOT_INSTALLED"
    );

    install(&app, "account", false).await;
    let set = app.graphql(set_tax, json!({ "rate": "21.00" })).await;
    assert_eq!(set["setTax"]["userErrors"], json!([]));
    assert_eq!(
        set["setTax"]["configuration"]["taxes"]["nodes"],
        json!([{ "code": "vat21", "name": "VAT 21%", "rate": "21", "priceIncluded": false }])
    );
    let before = app.event_count().await;
    let too_high = app.graphql(set_tax, json!({ "rate": "121" })).await;
    assert_eq!(too_high["setTax"]["userErrors"][0]["code"], "INVALID");
    assert_eq!(
        too_high["setTax"]["userErrors"][0]["field"],
        json!(["input", "rate"])
    );
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_renamed_label_shows_in_the_forms_and_the_version_grows() {
    let app = TestApp::new().await;
    let forms = "{ forms { name fields { field label defaultLabel } } configurationVersion }";
    let vat_label = |data: &Value| {
        data["forms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "partner")
            .unwrap()["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "vat")
            .unwrap()
            .clone()
    };
    let before = app.graphql(forms, json!({})).await;
    assert_eq!(
        vat_label(&before),
        json!({ "field": "vat", "label": "Tax ID", "defaultLabel": "Tax ID" })
    );
    let form_names: Vec<&str> = before["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        !form_names.contains(&"tax"),
        "the tax form belongs to module account, not installed"
    );

    let renamed = app
        .graphql_with(
            &app.admin_token,
            "mutation { setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) {
                configuration { version } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(renamed["data"]["setLabel"]["userErrors"], json!([]));
    let version = renamed["data"]["setLabel"]["configuration"]["version"]
        .as_i64()
        .unwrap();
    assert_eq!(
        version,
        before["configurationVersion"].as_i64().unwrap() + 1
    );
    assert_eq!(renamed["extensions"]["configurationVersion"], version);

    let after = app.graphql(forms, json!({})).await;
    assert_eq!(
        vat_label(&after),
        json!({ "field": "vat", "label": "VAT number", "defaultLabel": "Tax ID" })
    );
    let unknown = app
        .graphql(
            "mutation { setLabel(input: { form: \"partner\", field: \"shoeSize\", label: \"Size\" }) { userErrors { code field } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        unknown["setLabel"]["userErrors"],
        json!([{ "code": "NOT_FOUND", "field": ["input", "field"] }])
    );
}

#[tokio::test]
async fn company_sequences_and_currencies_are_set_and_checked() {
    let app = TestApp::new().await;
    let data = app
        .graphql(
            "mutation {
                a: setCurrency(input: { code: \"usd\", name: \"US Dollar\", symbol: \"$\" }) { userErrors { code } }
                b: setCurrencyRate(input: { code: \"USD\", date: \"2026-01-01\", rate: \"1.0821\" }) { userErrors { code } }
                c: updateCompany(input: { name: \"Agrolait Group\", currency: \"USD\", city: \"Wavre\", country: \"be\", fiscalYearStart: \"04-01\" }) { userErrors { code } }
                d: setSequence(input: { code: \"sale.order\", name: \"Sales orders\", prefix: \"SO\", padding: 4, nextNumber: 42 }) { userErrors { code } }
            }",
            json!({}),
        )
        .await;
    for key in ["a", "b", "c", "d"] {
        assert_eq!(data[key]["userErrors"], json!([]), "{key}: {data}");
    }
    let configuration = app
        .graphql(
            "{ configuration { company { name currency address { city country } fiscalYearStart }
                sequences { nodes { code prefix nextPreview } } currencies { nodes { code rates { date rate } } } } }",
            json!({}),
        )
        .await["configuration"]
        .clone();
    assert_eq!(
        configuration["company"],
        json!({ "name": "Agrolait Group", "currency": "USD",
                "address": { "city": "Wavre", "country": "BE" }, "fiscalYearStart": "04-01" })
    );
    assert_eq!(
        configuration["sequences"]["nodes"],
        json!([{ "code": "sale.order", "prefix": "SO", "nextPreview": "SO0042" }])
    );
    assert_eq!(
        configuration["currencies"]["nodes"],
        json!([{ "code": "EUR", "rates": [] },
               { "code": "USD", "rates": [{ "date": "2026-01-01", "rate": "1.0821" }] }])
    );

    let before = app.event_count().await;
    let refused = app
        .graphql(
            "mutation {
                a: removeCurrency(input: { code: \"USD\" }) { userErrors { code } }
                b: updateCompany(input: { fiscalYearStart: \"02-29\" }) { userErrors { code field } }
                c: updateCompany(input: { currency: \"JPY\" }) { userErrors { code field } }
                d: setCurrencyRate(input: { code: \"EUR\", date: \"2026-01-01\", rate: \"-1\" }) { userErrors { code field } }
            }",
            json!({}),
        )
        .await;
    assert_eq!(refused["a"]["userErrors"][0]["code"], "IN_USE");
    assert_eq!(
        refused["b"]["userErrors"],
        json!([{ "code": "INVALID", "field": ["input", "fiscalYearStart"] }])
    );
    assert_eq!(
        refused["c"]["userErrors"],
        json!([{ "code": "NOT_FOUND", "field": ["input", "currency"] }])
    );
    assert_eq!(
        refused["d"]["userErrors"],
        json!([{ "code": "INVALID", "field": ["input", "rate"] }])
    );
    assert_eq!(app.event_count().await, before, "refusals write nothing");
}

fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response}"))
}

#[tokio::test]
async fn rights_are_enforced_on_queries_and_mutations() {
    let app = TestApp::new().await;
    let nobody = app.user("nobody", &[]).await;
    let clerk = app.user("clerk", &["user"]).await;
    let create = "mutation { createPartner(input: { name: \"Agrolait\" }) { partner { name } userErrors { code } } }";

    let before = app.event_count().await;
    let read = app
        .graphql_with(&nobody, "{ partners { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&read), "FORBIDDEN");
    assert!(read["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("may not read partner"));
    let write = app.graphql_with(&nobody, create, json!({})).await;
    assert_eq!(error_code(&write), "FORBIDDEN");
    assert_eq!(
        app.event_count().await,
        before,
        "a refused command writes nothing"
    );

    // the everyday group may work with partners but not change configuration.
    let created = app.graphql_with(&clerk, create, json!({})).await;
    assert_eq!(
        created["data"]["createPartner"]["partner"]["name"],
        "Agrolait"
    );
    let configure = app
        .graphql_with(
            &clerk,
            "mutation { setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&configure), "FORBIDDEN");
    let configuration = "{ configuration { version } }";
    let refused = app.graphql_with(&clerk, configuration, json!({})).await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    // a right given to the group takes effect for its members at once.
    let granted = app
        .graphql(
            "mutation { setAccess(input: { group: \"user\", model: CONFIGURATION, read: true }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(granted["setAccess"]["userErrors"], json!([]));
    let allowed = app.graphql_with(&clerk, configuration, json!({})).await;
    assert!(allowed.get("errors").is_none(), "{allowed}");

    let anonymous = app
        .graphql_with("", "{ partners { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let forged = app
        .graphql_with("not-a-token", "{ partners { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&forged), "UNAUTHENTICATED");
}

#[tokio::test]
async fn sign_in_sign_out_and_deactivation() {
    let app = TestApp::new().await;
    let token = app.user("alice", &["user"]).await;
    let me = "{ me { login name groups active } }";
    let data = app.graphql_with(&token, me, json!({})).await;
    assert_eq!(
        data["data"]["me"],
        json!({ "login": "alice", "name": "alice", "groups": ["user"], "active": true })
    );

    let wrong = app
        .graphql_with(
            "",
            "mutation { login(input: { login: \"alice\", password: \"wrong password\" }) { token userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(wrong["data"]["login"]["token"], Value::Null);
    assert_eq!(
        wrong["data"]["login"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );

    // the password is kept only as an argon2 hash, in the read model and in the log.
    let hash: String =
        sqlx::query_scalar("select password_hash from app_user where login = 'alice'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let leaked: i64 =
        sqlx::query_scalar("select count(*) from events where payload::text like '%' || $1 || '%'")
            .bind(USER_PASSWORD)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(leaked, 0);

    let second = app.login("alice", USER_PASSWORD).await;
    // used once, so the server has the session in mind when it ends.
    let before_logout = app.graphql_with(&second, me, json!({})).await;
    assert_eq!(before_logout["data"]["me"]["login"], "alice");
    let out = app
        .graphql_with(&second, "mutation { logout { loggedOut } }", json!({}))
        .await;
    assert_eq!(out["data"]["logout"]["loggedOut"], json!(true));
    let after_logout = app.graphql_with(&second, me, json!({})).await;
    assert_eq!(error_code(&after_logout), "UNAUTHENTICATED");
    assert!(app
        .graphql_with(&token, me, json!({}))
        .await
        .get("errors")
        .is_none());

    let id = app
        .graphql("{ users { edges { node { id login } } } }", json!({}))
        .await["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["login"] == "alice")
        .unwrap()["node"]["id"]
        .clone();
    let deactivated = app
        .graphql(
            "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { active } userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        deactivated["deactivateUser"]["user"]["active"],
        json!(false)
    );
    let locked_out = app.graphql_with(&token, me, json!({})).await;
    assert_eq!(error_code(&locked_out), "UNAUTHENTICATED");
    let again = app
        .graphql_with(
            "",
            "mutation($p: String!) { login(input: { login: \"alice\", password: $p }) { token userErrors { code } } }",
            json!({ "p": USER_PASSWORD }),
        )
        .await;
    assert_eq!(
        again["data"]["login"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
}

#[tokio::test]
async fn every_configuration_event_records_who_made_it() {
    let app = TestApp::new().await;
    let admin = app.user("implementer", &["admin"]).await;
    let renamed = app
        .graphql_with(
            &admin,
            "mutation { setLabel(input: { form: \"partner\", field: \"name\", label: \"Company name\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(renamed["data"]["setLabel"]["userErrors"], json!([]));
    let (user, command): (String, String) = sqlx::query_as(
        "select metadata->>'user', metadata->>'command' from events
          where event_type = 'LabelSet' order by position desc limit 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (user.as_str(), command.as_str()),
        ("implementer", "SetLabel")
    );
}

#[tokio::test]
async fn a_subscriber_hears_of_each_configuration_change() {
    use futures::StreamExt;

    let app = TestApp::new().await;
    let version = app.graphql("{ configurationVersion }", json!({})).await["configurationVersion"]
        .as_i64()
        .unwrap();
    let schema = api::schema(&app.backend);
    let subscribe = |token: Option<String>| {
        async_graphql::Request::new(
            "subscription { configurationChanged { version changes { area key before after } } }",
        )
        .data(api::graphql::RequestContext::new(token, None, None))
    };
    let mut stream = schema.execute_stream(subscribe(Some(app.admin_token.clone())));
    let heard = tokio::spawn(async move { stream.next().await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let renamed = app
        .graphql(
            "mutation { setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(renamed["setLabel"]["userErrors"], json!([]));
    let announcement = tokio::time::timeout(std::time::Duration::from_secs(10), heard)
        .await
        .expect("announced in time")
        .unwrap()
        .expect("an announcement");
    assert!(announcement.errors.is_empty(), "{:?}", announcement.errors);
    assert_eq!(
        announcement.data.into_json().unwrap(),
        json!({ "configurationChanged": {
            "version": version + 1,
            "changes": [{ "area": "LABEL", "key": "partner.vat", "before": null, "after": "VAT number" }]
        } })
    );

    let mut anonymous = schema.execute_stream(subscribe(None));
    let refused = anonymous.next().await.unwrap();
    assert_eq!(
        refused.errors[0]
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .cloned(),
        Some(async_graphql::Value::from("UNAUTHENTICATED"))
    );
}

#[tokio::test]
async fn a_new_password_or_a_deactivation_ends_the_users_other_sessions() {
    let app = TestApp::new().await;
    let me = "{ me { login } }";
    let works = |response: &Value| response["data"]["me"]["login"] == "carol";
    app.user("carol", &[]).await;
    let carol_id = app
        .graphql("{ users { nodes { id login } } }", json!({}))
        .await["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "carol")
        .unwrap()["id"]
        .clone();
    let set_password =
        "mutation($id: ID!, $p: String!) { setUserPassword(input: { id: $id, password: $p }) {
        userErrors { code } } }";

    // her own new password: the session that set it goes on, her others end.
    let laptop = app.login("carol", USER_PASSWORD).await;
    let phone = app.login("carol", USER_PASSWORD).await;
    assert!(works(&app.graphql_with(&phone, me, json!({})).await));
    let changed = app
        .graphql_with(
            &laptop,
            set_password,
            json!({ "id": carol_id, "p": "a new long password" }),
        )
        .await;
    assert_eq!(
        changed["data"]["setUserPassword"]["userErrors"],
        json!([]),
        "{changed}"
    );
    assert!(works(&app.graphql_with(&laptop, me, json!({})).await));
    assert_eq!(
        error_code(&app.graphql_with(&phone, me, json!({})).await),
        "UNAUTHENTICATED"
    );

    // set by an administrator: every one of hers ends.
    let changed = app
        .graphql(
            set_password,
            json!({ "id": carol_id, "p": "another long password" }),
        )
        .await;
    assert_eq!(changed["setUserPassword"]["userErrors"], json!([]));
    assert_eq!(
        error_code(&app.graphql_with(&laptop, me, json!({})).await),
        "UNAUTHENTICATED"
    );

    // deactivated, then activated again: the sessions from before stay ended.
    let session = app.login("carol", "another long password").await;
    assert!(works(&app.graphql_with(&session, me, json!({})).await));
    for mutation in ["deactivateUser", "activateUser"] {
        let done = app
            .graphql(
                &format!("mutation($id: ID!) {{ {mutation}(input: {{ id: $id }}) {{ userErrors {{ code }} }} }}"),
                json!({ "id": carol_id }),
            )
            .await;
        assert_eq!(done[mutation]["userErrors"], json!([]), "{done}");
    }
    assert_eq!(
        error_code(&app.graphql_with(&session, me, json!({})).await),
        "UNAUTHENTICATED"
    );
    let anew = app.login("carol", "another long password").await;
    assert!(works(&app.graphql_with(&anew, me, json!({})).await));
    // the administrator's own session was never touched.
    assert!(app
        .graphql_with(&app.admin_token, me, json!({}))
        .await
        .get("errors")
        .is_none());
}

#[tokio::test]
async fn a_record_is_found_by_its_code_as_it_was_typed_when_it_was_made() {
    let app = TestApp::new().await;
    install(&app, "account", false).await;
    let made = app
        .graphql(
            "mutation {
                a: setCurrency(input: { code: \"usd\", name: \"US Dollar\", symbol: \"$\" }) { userErrors { code } }
                b: setTax(input: { code: \" vat21 \", name: \"VAT 21%\", rate: \"21\" }) { userErrors { code } }
            }",
            json!({}),
        )
        .await;
    assert_eq!(made["a"]["userErrors"], json!([]), "{made}");
    assert_eq!(made["b"]["userErrors"], json!([]), "{made}");
    // what a form opens after saving: the record, by the code the person typed.
    let found = app
        .graphql(
            "{ configuration {
                usd: currency(code: \"usd\") { code name }
                tax: tax(code: \" vat21 \") { code rate }
                none: currency(code: \"usx\") { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(found["configuration"]["usd"]["code"], "USD", "{found}");
    assert_eq!(found["configuration"]["tax"]["code"], "vat21", "{found}");
    assert_eq!(found["configuration"]["none"], Value::Null);
}

#[tokio::test]
async fn a_currency_s_decimals_are_refused_on_their_field() {
    let app = TestApp::new().await;
    for decimals in [-1, 5, 300] {
        let set = app
            .graphql(
                "mutation($d: Int!) { setCurrency(input: { code: \"JPY\", name: \"Yen\",
                    symbol: \"¥\", decimals: $d }) { userErrors { field message code } } }",
                json!({ "d": decimals }),
            )
            .await;
        let error = &set["setCurrency"]["userErrors"][0];
        assert_eq!(error["field"], json!(["input", "decimals"]), "{set}");
        assert_eq!(error["code"], "INVALID", "{set}");
        assert!(
            error["message"].as_str().unwrap().contains("0 to 4"),
            "{set}"
        );
    }
    assert_eq!(app.event_count().await, 0);
}
