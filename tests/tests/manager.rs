//! The database manager over HTTP: the master password, and databases listed, created,
//! served, duplicated at a stage, backed up, restored (never over an existing one unless asked),
//! marked production, and dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tests::{TestApp, TestDb, ADMIN_PASSWORD};
use tower::ServiceExt;

const MASTER: &str = tests::MASTER_PASSWORD;

struct Managed {
    app: TestApp,
    router: Router,
    data_dir: std::path::PathBuf,
}

async fn managed() -> Managed {
    let app = TestApp::new().await;
    let (router, data_dir) = app.server_app().await;
    Managed {
        app,
        router,
        data_dir,
    }
}

/// POSTs a GraphQL document to `path`; returns the status and the body.
async fn post(
    router: &Router,
    path: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/json");
    if !token.is_empty() {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A manager operation with the master password; returns `data`, insisting on no errors.
async fn manage(m: &Managed, query: &str, variables: Value) -> Value {
    let mut variables = variables;
    variables["pw"] = json!(MASTER);
    let (status, body) = post(&m.router, "/manager/graphql", "", query, variables).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

async fn sign_in(m: &Managed, database: &str) -> String {
    let (_, body) = post(
        &m.router,
        &format!("/db/{database}/graphql"),
        "",
        "mutation($p: String!) { login(input: { login: \"admin\", password: $p }) { token } }",
        json!({ "p": ADMIN_PASSWORD }),
    )
    .await;
    body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn create_partner(m: &Managed, database: &str, token: &str, name: &str) {
    let (_, body) = post(
        &m.router,
        &format!("/db/{database}/graphql"),
        token,
        "mutation($n: String!) { createPartner(input: { name: $n, isCustomer: true }) { userErrors { message } } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(
        body["data"]["createPartner"]["userErrors"],
        json!([]),
        "{body}"
    );
}

async fn partner_names(m: &Managed, database: &str, token: &str) -> Vec<String> {
    let (_, body) = post(
        &m.router,
        &format!("/db/{database}/graphql"),
        token,
        "{ partners(first: 100) { edges { node { name } } } }",
        json!({}),
    )
    .await;
    body["data"]["partners"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_wrong_master_password_is_refused_and_slows_the_next_try() {
    let m = managed().await;
    let query = "query($pw: String!) { databases(masterPassword: $pw) { name } }";
    let mut waits = Vec::new();
    for _ in 0..2 {
        let (status, body) = post(
            &m.router,
            "/manager/graphql",
            "",
            query,
            json!({ "pw": "not it" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["data"].is_null(), "{body}");
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "WRONG_MASTER_PASSWORD",
            "{body}"
        );
        waits.push(error["extensions"]["waitedMs"].as_u64().unwrap());
    }
    assert!(waits[1] > waits[0], "{waits:?}");
    // the right one still works, and the next wrong one starts from the first wait again.
    let listed = manage(&m, query, json!({})).await;
    assert!(listed["databases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["name"] == m.app.db.name.as_str()));
    let (_, body) = post(
        &m.router,
        "/manager/graphql",
        "",
        query,
        json!({ "pw": "not it" }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["waitedMs"], waits[0]);
    // the password is kept only as an argon2 hash.
    let stored = std::fs::read_to_string(m.data_dir.join("master-password.argon2")).unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(MASTER));

    // changed with the old one; the old one then fails.
    let changed = manage(
        &m,
        "mutation($pw: String!) { changeMasterPassword(old: $pw, new: \"another-master-password\") { done userErrors { message } } }",
        json!({}),
    )
    .await;
    assert_eq!(changed["changeMasterPassword"]["done"], true);
    let (_, body) = post(
        &m.router,
        "/manager/graphql",
        "",
        query,
        json!({ "pw": MASTER }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "WRONG_MASTER_PASSWORD"
    );
    let (_, body) = post(
        &m.router,
        "/manager/graphql",
        "",
        query,
        json!({ "pw": "another-master-password" }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn databases_are_created_served_duplicated_backed_up_restored_marked_and_dropped() {
    let m = managed().await;
    let name = TestDb::fresh_name();
    let created = manage(
        &m,
        "mutation($pw: String!, $n: String!) { createDatabase(masterPassword: $pw, name: $n) {
            database { name production endpoint } userErrors { code } } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(
        created["createDatabase"]["database"],
        json!({ "name": name, "production": false, "endpoint": format!("/db/{name}/graphql") })
    );
    // creating it again is refused.
    let again = manage(
        &m,
        "mutation($pw: String!, $n: String!) { createDatabase(masterPassword: $pw, name: $n) { userErrors { code } } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(
        again["createDatabase"]["userErrors"][0]["code"],
        "ALREADY_EXISTS"
    );
    let bad = manage(
        &m,
        "mutation($pw: String!) { createDatabase(masterPassword: $pw, name: \"Robert'); drop table events;--\") { userErrors { code field } } }",
        json!({}),
    )
    .await;
    assert_eq!(bad["createDatabase"]["userErrors"][0]["code"], "INVALID");

    // each database answers at its own path; the default one keeps /graphql.
    let token = sign_in(&m, &name).await;
    create_partner(&m, &name, &token, "Before the stage").await;
    let (_, stage) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        &token,
        "mutation { createStage(input: { name: \"go-live\" }) { userErrors { message } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        stage["data"]["createStage"]["userErrors"],
        json!([]),
        "{stage}"
    );
    create_partner(&m, &name, &token, "After the stage").await;
    assert_eq!(
        partner_names(&m, &m.app.db.name, &m.app.admin_token).await,
        Vec::<String>::new()
    );
    let (status, missing) = post(
        &m.router,
        "/db/no_such_database/graphql",
        "",
        "{ __typename }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");

    // duplicated at the stage: the partner made after it is not in the copy.
    let copy = TestDb::fresh_name();
    let duplicated = manage(
        &m,
        "mutation($pw: String!, $from: String!, $to: String!) {
            duplicateDatabase(masterPassword: $pw, from: $from, to: $to, stage: \"go-live\") {
              database { name } events userErrors { message } } }",
        json!({ "from": name, "to": copy }),
    )
    .await;
    assert_eq!(
        duplicated["duplicateDatabase"]["userErrors"],
        json!([]),
        "{duplicated}"
    );
    let copy_token = sign_in(&m, &copy).await;
    assert_eq!(
        partner_names(&m, &copy, &copy_token).await,
        ["Before the stage"]
    );

    // backed up, then restored under a new name: the same partners, and a log that verifies.
    let backup = manage(
        &m,
        "mutation($pw: String!, $n: String!) { backupDatabase(masterPassword: $pw, name: $n) {
            backup { file events chain } userErrors { message } } }",
        json!({ "n": name }),
    )
    .await;
    let file = backup["backupDatabase"]["backup"]["file"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        backup["backupDatabase"]["backup"]["events"]
            .as_i64()
            .unwrap()
            > 0
    );
    let listed = manage(
        &m,
        "query($pw: String!) { backups(masterPassword: $pw) { file } }",
        json!({}),
    )
    .await;
    assert_eq!(listed["backups"][0]["file"], file.as_str());
    // the backup holds the users' password hashes: its owner alone may read it.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(m.data_dir.join("backups").join(&file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "backup written with mode {mode:o}");
    }
    let restored_name = TestDb::fresh_name();
    let restore = "mutation($pw: String!, $f: String!, $n: String!, $r: Boolean!) {
        restoreDatabase(masterPassword: $pw, file: $f, name: $n, replace: $r) {
          database { name } events userErrors { code field message } } }";
    let restored = manage(
        &m,
        restore,
        json!({ "f": file, "n": restored_name, "r": false }),
    )
    .await;
    assert_eq!(
        restored["restoreDatabase"]["userErrors"],
        json!([]),
        "{restored}"
    );
    let restored_token = sign_in(&m, &restored_name).await;
    let mut before = partner_names(&m, &name, &token).await;
    let mut after = partner_names(&m, &restored_name, &restored_token).await;
    before.sort();
    after.sort();
    assert_eq!(before, after);
    let restored_db = TestDb::adopt(&restored_name).await;
    assert_eq!(
        replay::verify::verify_log(&restored_db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
    let rows = |db: &sqlx::PgPool| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select coalesce(string_agg(p::text, '|' order by id), '') from partner p",
            )
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let original_db = TestDb::adopt(&name).await;
    assert_eq!(rows(&original_db.pool).await, rows(&restored_db.pool).await);

    // never over an existing database, unless asked to replace it.
    let over = manage(&m, restore, json!({ "f": file, "n": copy, "r": false })).await;
    assert_eq!(
        over["restoreDatabase"]["userErrors"][0]["code"], "ALREADY_EXISTS",
        "{over}"
    );
    assert_eq!(
        partner_names(&m, &copy, &copy_token).await,
        ["Before the stage"]
    );
    let replaced = manage(&m, restore, json!({ "f": file, "n": copy, "r": true })).await;
    assert_eq!(
        replaced["restoreDatabase"]["userErrors"],
        json!([]),
        "{replaced}"
    );
    let copy_token = sign_in(&m, &copy).await;
    assert_eq!(partner_names(&m, &copy, &copy_token).await.len(), 2);
    let outside = manage(
        &m,
        restore,
        json!({ "f": "../master-password.argon2", "n": TestDb::fresh_name(), "r": false }),
    )
    .await;
    assert_eq!(
        outside["restoreDatabase"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );

    // marked production: a development module version is then refused.
    let marked = manage(
        &m,
        "mutation($pw: String!, $n: String!) { markDatabase(masterPassword: $pw, name: $n, production: true) { database { production } } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(marked["markDatabase"]["database"]["production"], true);
    let (_, crm) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        &token,
        "mutation { installModule(input: { name: \"crm\" }) { userErrors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        crm["data"]["installModule"]["userErrors"][0]["code"], "DEVELOPMENT_VERSION",
        "{crm}"
    );
    let listed = manage(
        &m,
        "query($pw: String!) { databases(masterPassword: $pw) { name production } }",
        json!({}),
    )
    .await;
    assert!(listed["databases"]
        .as_array()
        .unwrap()
        .contains(&json!({ "name": name, "production": true })));

    // dropped: gone from the list and from the server.
    drop(original_db);
    drop(restored_db);
    for database in [&name, &copy, &restored_name] {
        let dropped = manage(
            &m,
            "mutation($pw: String!, $n: String!) { dropDatabase(masterPassword: $pw, name: $n) { done userErrors { message } } }",
            json!({ "n": database }),
        )
        .await;
        assert_eq!(dropped["dropDatabase"]["done"], true, "{dropped}");
    }
    let (status, _) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        "",
        "{ __typename }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let default = manage(
        &m,
        "mutation($pw: String!, $n: String!) { dropDatabase(masterPassword: $pw, name: $n) { done userErrors { message } } }",
        json!({ "n": m.app.db.name }),
    )
    .await;
    assert_eq!(default["dropDatabase"]["done"], false);
}

#[tokio::test]
async fn a_database_created_with_demo_data_has_the_demo_company_in_it() {
    let m = managed().await;
    let name = TestDb::fresh_name();
    let created = manage(
        &m,
        "mutation($pw: String!, $n: String!) { createDatabase(masterPassword: $pw, name: $n, demo: true) {
            database { name } userErrors { message } } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(
        created["createDatabase"]["userErrors"],
        json!([]),
        "{created}"
    );
    let token = sign_in(&m, &name).await;
    let (_, books) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        &token,
        "{ trialBalance { totalBalance totalDebit } products { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        books["data"]["trialBalance"]["totalBalance"], "0.00",
        "{books}"
    );
    assert_ne!(
        books["data"]["trialBalance"]["totalDebit"], "0.00",
        "{books}"
    );
    assert_eq!(books["data"]["products"]["totalCount"], 5, "{books}");
    let dropped = manage(
        &m,
        "mutation($pw: String!, $n: String!) { dropDatabase(masterPassword: $pw, name: $n) { done } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(dropped["dropDatabase"]["done"], true);
}

#[tokio::test]
async fn the_standard_introspection_query_passes_on_every_endpoint() {
    let m = managed().await;
    let name = m.app.db.name.clone();
    for path in [
        "/manager/graphql".to_owned(),
        "/graphql".to_owned(),
        format!("/db/{name}/graphql"),
    ] {
        let (status, body) = post(
            &m.router,
            &path,
            "",
            tests::STANDARD_INTROSPECTION,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body.get("errors").is_none(), "{path}: {body}");
        assert!(
            body["data"]["__schema"]["types"]
                .as_array()
                .is_some_and(|types| types.len() > 10),
            "{path}: {body}"
        );
    }
    let _ = std::fs::remove_dir_all(&m.data_dir);
}

#[tokio::test]
async fn every_endpoint_serves_its_schema_as_sdl() {
    let m = managed().await;
    let name = m.app.db.name.clone();
    for (path, committed) in [
        (
            "/manager/graphql/schema.graphql".to_owned(),
            include_str!("../../api/schema/manager.graphql"),
        ),
        (
            "/graphql/schema.graphql".to_owned(),
            include_str!("../../api/schema/erp.graphql"),
        ),
        (
            format!("/db/{name}/graphql/schema.graphql"),
            include_str!("../../api/schema/erp.graphql"),
        ),
    ] {
        let response = m
            .router
            .clone()
            .oneshot(
                Request::builder()
                    .method(Method::GET)
                    .uri(&path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(String::from_utf8_lossy(&bytes), committed, "{path}");
    }
    let _ = std::fs::remove_dir_all(&m.data_dir);
}

#[tokio::test]
async fn a_database_is_made_from_a_data_module_whole_or_not_at_all() {
    let m = managed().await;
    let module = include_str!("../../data/l10n_demo.jsonl");
    let create = "mutation($pw: String!, $n: String!, $d: String) {
        createDatabase(masterPassword: $pw, name: $n, dataModule: $d) {
            database { name } userErrors { field message } } }";
    let name = TestDb::fresh_name();
    let created = manage(&m, create, json!({ "n": name, "d": module })).await;
    assert_eq!(
        created["createDatabase"]["userErrors"],
        json!([]),
        "{created}"
    );
    let token = sign_in(&m, &name).await;
    let mut partners = partner_names(&m, &name, &token).await;
    partners.sort();
    assert_eq!(partners, ["Agrolait", "Camptocamp"]);
    let (_, taxes) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        &token,
        "{ configuration { taxes { nodes { code } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        taxes["data"]["configuration"]["taxes"]["nodes"],
        json!([{ "code": "vat21" }, { "code": "vat6" }]),
        "{taxes}"
    );

    // a module that does not load (a tax needs module `account`, not required here): no
    // database is left behind.
    let broken = "{\"data_module\": \"broken\", \"version\": \"1.0.0\"}\n{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\"}";
    for (content, says) in [(broken, "line 2"), ("not json", "line 1")] {
        let name = TestDb::fresh_name();
        let refused = manage(&m, create, json!({ "n": name, "d": content })).await;
        let errors = &refused["createDatabase"]["userErrors"];
        assert_eq!(errors[0]["field"], json!(["dataModule"]), "{refused}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(says),
            "{refused}"
        );
        let listed = manage(
            &m,
            "query($pw: String!) { databases(masterPassword: $pw) { name } }",
            json!({}),
        )
        .await;
        assert!(
            !listed["databases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["name"] == name.as_str()),
            "{name} was left behind: {listed}"
        );
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
                .bind(&name)
                .fetch_one(&m.app.db.pool)
                .await
                .unwrap();
        assert!(!exists, "{name} exists");
    }
    let dropped = manage(
        &m,
        "mutation($pw: String!, $n: String!) { dropDatabase(masterPassword: $pw, name: $n) { done } }",
        json!({ "n": name }),
    )
    .await;
    assert_eq!(dropped["dropDatabase"]["done"], true);
}

/// `configuration { production }` of database `name`, and the user errors of installing a
/// development module version (`crm`) in it.
async fn production_by_log(m: &Managed, name: &str) -> (bool, Value) {
    let token = sign_in(m, name).await;
    let (_, configuration) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        &token,
        "{ configuration { production } }",
        json!({}),
    )
    .await;
    let (_, crm) = post(
        &m.router,
        &format!("/db/{name}/graphql"),
        &token,
        "mutation { installModule(input: { name: \"crm\" }) { userErrors { code } } }",
        json!({}),
    )
    .await;
    (
        configuration["data"]["configuration"]["production"] == json!(true),
        crm["data"]["installModule"]["userErrors"].clone(),
    )
}

/// Whether the manager lists `name` as production.
async fn listed_production(m: &Managed, name: &str) -> Option<bool> {
    let listed = manage(
        m,
        "query($pw: String!) { databases(masterPassword: $pw) { name production } }",
        json!({}),
    )
    .await;
    listed["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .and_then(|d| d["production"].as_bool())
}

#[tokio::test]
async fn a_copy_of_a_production_database_is_a_test_database_by_its_log_too() {
    let m = managed().await;
    let name = TestDb::fresh_name();
    manage(
        &m,
        "mutation($pw: String!, $n: String!) { createDatabase(masterPassword: $pw, name: $n) { userErrors { code } } }",
        json!({ "n": name }),
    )
    .await;
    manage(
        &m,
        "mutation($pw: String!, $n: String!) { markDatabase(masterPassword: $pw, name: $n, production: true) { userErrors { code } } }",
        json!({ "n": name }),
    )
    .await;
    let (production, refused) = production_by_log(&m, &name).await;
    assert!(production);
    assert_eq!(refused[0]["code"], "DEVELOPMENT_VERSION", "{refused}");

    // duplicated, and restored from a backup: each copy is a test database, listed so and by
    // its own configuration, which then takes a development version.
    let duplicate = TestDb::fresh_name();
    let duplicated = manage(
        &m,
        "mutation($pw: String!, $from: String!, $to: String!) {
            duplicateDatabase(masterPassword: $pw, from: $from, to: $to) {
              database { production } userErrors { message } } }",
        json!({ "from": name, "to": duplicate }),
    )
    .await;
    assert_eq!(
        duplicated["duplicateDatabase"],
        json!({ "database": { "production": false }, "userErrors": [] })
    );
    let backup = manage(
        &m,
        "mutation($pw: String!, $n: String!) { backupDatabase(masterPassword: $pw, name: $n) {
            backup { file } } }",
        json!({ "n": name }),
    )
    .await;
    let restored = TestDb::fresh_name();
    let restore = manage(
        &m,
        "mutation($pw: String!, $f: String!, $n: String!) {
            restoreDatabase(masterPassword: $pw, file: $f, name: $n, replace: false) {
              database { production } userErrors { message } } }",
        json!({ "f": backup["backupDatabase"]["backup"]["file"], "n": restored }),
    )
    .await;
    assert_eq!(
        restore["restoreDatabase"],
        json!({ "database": { "production": false }, "userErrors": [] })
    );
    for copy in [&duplicate, &restored] {
        assert_eq!(listed_production(&m, copy).await, Some(false), "{copy}");
        assert_eq!(
            production_by_log(&m, copy).await,
            (false, json!([])),
            "{copy}"
        );
        let db = TestDb::adopt(copy).await;
        let marked: Vec<(String,)> = sqlx::query_as(
            "select metadata->>'user' from events where event_type = 'DatabaseMarked' order by position",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(
            marked,
            [("manager".to_owned(),), ("copy".to_owned(),)],
            "{copy}: marked production at the source, then test by the copy"
        );
        let problems = replay::verify::verify_log(&db.pool, |_| {}).await.unwrap();
        assert_eq!(problems, vec![], "{copy}");
    }
    // the source is untouched.
    assert_eq!(listed_production(&m, &name).await, Some(true));
    assert!(production_by_log(&m, &name).await.0);
    drop(TestDb::adopt(&name).await);
}

#[tokio::test]
async fn a_database_dropped_from_outside_is_no_longer_served_not_an_internal_error() {
    let m = managed().await;
    let name = TestDb::fresh_name();
    manage(
        &m,
        "mutation($pw: String!, $n: String!) { createDatabase(masterPassword: $pw, name: $n) { userErrors { code } } }",
        json!({ "n": name }),
    )
    .await;
    let token = sign_in(&m, &name).await;
    create_partner(&m, &name, &token, "Served").await;
    // another process drops it (`erp db drop`, `dropdb`), its connections cut.
    let other = tests::connect_database("postgres", 1).await;
    sqlx::query(&format!("drop database \"{name}\" with (force)"))
        .execute(&other)
        .await
        .unwrap();
    other.close().await;
    // within a couple of seconds, its address says there is no such database.
    let gone = tests::eventually(std::time::Duration::from_secs(10), || async {
        let (status, _) = post(
            &m.router,
            &format!("/db/{name}/graphql"),
            &token,
            "{ partners { nodes { name } } }",
            json!({}),
        )
        .await;
        status == StatusCode::NOT_FOUND
    })
    .await;
    assert!(gone, "still served after it was dropped");
    let listed = manage(
        &m,
        "query($pw: String!) { databases(masterPassword: $pw) { name } }",
        json!({}),
    )
    .await;
    assert!(!listed.to_string().contains(&name), "{listed}");
}

#[tokio::test]
async fn a_copy_from_before_the_log_began_is_refused_not_made_empty() {
    let m = managed().await;
    let to = TestDb::fresh_name();
    let refused = manage(
        &m,
        "mutation($pw: String!, $from: String!, $to: String!) {
            duplicateDatabase(masterPassword: $pw, from: $from, to: $to, time: \"1970-01-01T00:00:00Z\") {
              database { name } userErrors { code message } } }",
        json!({ "from": m.app.db.name, "to": to }),
    )
    .await;
    let errors = &refused["duplicateDatabase"]["userErrors"];
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("nothing recorded by then"),
        "{refused}"
    );
    assert_eq!(refused["duplicateDatabase"]["database"], Value::Null);
    let listed = manage(
        &m,
        "query($pw: String!) { databases(masterPassword: $pw) { name } }",
        json!({}),
    )
    .await;
    assert!(!listed.to_string().contains(&to), "{listed}");
}
