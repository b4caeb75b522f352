//! The command line itself: `erp stage`, `erp data load` and `erp replay verify` run as an
//! operator runs them, against a database of the test server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use tests::TestDb;

fn erp(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erp"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("erp runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "erp failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn an_operator_loads_data_stages_restores_and_verifies_from_the_command_line() {
    let db = TestDb::new().await;
    let url = TestDb::url_of(&db.name);
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/l10n_demo.jsonl");

    let dry = stdout(&erp(&url, &["data", "load", module, "--dry-run"]));
    assert!(dry.contains("would change"), "{dry}");
    assert!(dry.contains("create partner 'Agrolait'"), "{dry}");
    let loaded = stdout(&erp(&url, &["data", "load", module]));
    assert!(loaded.contains("did change"), "{loaded}");
    let again = stdout(&erp(&url, &["data", "load", module]));
    assert!(again.contains("nothing to change"), "{again}");
    // a file that never ends is refused, not read for ever.
    let endless = erp(&url, &["data", "load", "/dev/zero"]);
    assert!(!endless.status.success());
    let said = String::from_utf8_lossy(&endless.stderr);
    assert!(said.contains("not a data module"), "{said}");

    let created = stdout(&erp(
        &url,
        &["stage", "create", "A", "--note", "demo loaded"],
    ));
    assert!(created.contains("Stage A created"), "{created}");
    let listed = stdout(&erp(&url, &["stage", "list"]));
    assert!(
        listed.contains("demo loaded") && listed.contains("tax vat21: added"),
        "{listed}"
    );
    let restored = stdout(&erp(&url, &["stage", "restore", "A"]));
    assert!(restored.contains("nothing to do"), "{restored}");

    let fork = TestDb::fresh_name();
    let forked = erp(&url, &["stage", "restore", "A", "--into", &fork]);
    let forked_out = stdout(&forked);
    assert!(forked_out.contains(&format!("Database {fork} holds the log up to stage A")));
    assert!(
        String::from_utf8_lossy(&forked.stderr).contains("events/s"),
        "long work shows its progress"
    );
    let fork_db = TestDb::adopt(&fork).await;
    let partners: i64 = sqlx::query_scalar("select count(*) from partner")
        .fetch_one(&fork_db.pool)
        .await
        .unwrap();
    assert_eq!(partners, 2);

    let verified = erp(&url, &["replay", "verify"]);
    assert!(stdout(&verified).contains("The log is intact"));

    // a payload changed by hand: verify says where, and exits with status 1.
    let mut tx = db.pool.begin().await.unwrap();
    for statement in [
        "alter table events disable trigger events_append_only",
        "update events set payload = replace(payload::text, 'Camptocamp', 'Camptocamp SA')::json
          where event_type = 'PartnerCreated' and payload::text like '%Camptocamp%'",
        "alter table events enable trigger events_append_only",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let tampered = erp(&url, &["replay", "verify"]);
    assert_eq!(tampered.status.code(), Some(1));
    let report = String::from_utf8_lossy(&tampered.stdout);
    assert!(report.contains("does not match its hash"), "{report}");
}

#[tokio::test]
async fn an_operator_manages_databases_from_the_command_line() {
    let db = TestDb::new().await;
    let url = TestDb::url_of(&db.name);
    let data_dir = std::env::temp_dir().join(format!("erp-db-cli-{}", uuid::Uuid::new_v4()));
    let db_cmd = |args: &[&str], master: &str| {
        Command::new(env!("CARGO_BIN_EXE_erp"))
            .arg("db")
            .args(args)
            .env("DATABASE_URL", &url)
            .env("ERP_DATA_DIR", &data_dir)
            .env("ERP_MASTER_PASSWORD", master)
            .env("ERP_ADMIN_PASSWORD", tests::ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .output()
            .expect("erp runs")
    };
    const MASTER: &str = "master-password-for-the-cli";
    // the first command sets the master password; a wrong one afterwards is refused.
    let listed = stdout(&db_cmd(&["list"], MASTER));
    assert!(listed.contains(&db.name), "{listed}");
    let wrong = db_cmd(&["list"], "not the master password");
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("wrong master password"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );

    let name = TestDb::fresh_name();
    stdout(&db_cmd(&["create", &name], MASTER));
    let file = data_dir.join("backup.jsonl");
    let backed = stdout(&db_cmd(&["backup", &name, file.to_str().unwrap()], MASTER));
    assert!(backed.contains("events"), "{backed}");
    // a backup never replaces a file: the one there stays as it was.
    let kept = std::fs::read(&file).unwrap();
    stdout(&db_cmd(&["create", &format!("{name}_b"), "--demo"], MASTER));
    let again = db_cmd(
        &["backup", &format!("{name}_b"), file.to_str().unwrap()],
        MASTER,
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), kept);
    stdout(&db_cmd(&["drop", &format!("{name}_b")], MASTER));
    let refused = db_cmd(&["restore", file.to_str().unwrap(), &name], MASTER);
    assert!(
        !refused.status.success(),
        "restoring over an existing database needs --replace"
    );
    let restored_name = TestDb::fresh_name();
    let restored = stdout(&db_cmd(
        &["restore", file.to_str().unwrap(), &restored_name],
        MASTER,
    ));
    assert!(restored.contains("verified"), "{restored}");
    let listed = stdout(&db_cmd(&["list"], MASTER));
    assert!(
        listed.contains(&name) && listed.contains(&restored_name),
        "{listed}"
    );
    for database in [&name, &restored_name] {
        stdout(&db_cmd(&["drop", database], MASTER));
    }
    let listed = stdout(&db_cmd(&["list"], MASTER));
    assert!(!listed.contains(&name), "{listed}");
}

#[tokio::test]
async fn an_auditor_keeps_a_digest_and_verifies_the_log_against_it_later() {
    let db = TestDb::new().await;
    let url = TestDb::url_of(&db.name);
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/l10n_demo.jsonl");
    stdout(&erp(&url, &["data", "load", module]));
    let digest = stdout(&erp(&url, &["replay", "digest"])).trim().to_owned();
    let (position, hash) = digest.split_once(':').expect("<position>:<hash>");
    assert!(
        position.parse::<i64>().is_ok() && hash.len() == 64,
        "{digest}"
    );
    let verified = stdout(&erp(&url, &["replay", "verify", "--digest", &digest]));
    assert!(
        verified.contains("is the one the digest was taken of"),
        "{verified}"
    );

    // a time moved back by an hour, by SQL: the chain does not cover it, the digest does.
    let pool = db.connect(1).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table events disable trigger events_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "update events set recorded_at = recorded_at - interval '1 hour' where position = $1",
    )
    .bind(position.parse::<i64>().unwrap())
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("alter table events enable trigger events_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let refused = erp(&url, &["replay", "verify", "--digest", &digest]);
    assert!(!refused.status.success());
    let out = String::from_utf8_lossy(&refused.stdout);
    assert!(out.contains("The digest does not hold"), "{out}");

    let bad = erp(&url, &["replay", "verify", "--digest", "12:nothex"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a digest"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// Whether the test server has a database `name`, and its mark.
async fn database_mark(pool: &sqlx::PgPool, name: &str) -> Option<Option<String>> {
    sqlx::query_scalar(
        "select shobj_description(oid, 'pg_database') from pg_database where datname = $1",
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_import_killed_at_any_moment_leaves_nothing_half_made_under_its_name() {
    let db = TestDb::new().await;
    let url = TestDb::url_of(&db.name);
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/l10n_demo.jsonl");
    stdout(&erp(&url, &["data", "load", module]));
    let file = std::env::temp_dir().join(format!("erp-export-{}.jsonl", uuid::Uuid::new_v4()));
    stdout(&erp(&url, &["replay", "export", file.to_str().unwrap()]));
    let events: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    for delay_ms in [30, 120, 250, 400, 700, 1200] {
        let into = TestDb::fresh_name();
        let mut child = Command::new(env!("CARGO_BIN_EXE_erp"))
            .args(["replay", "import", file.to_str().unwrap(), "--into", &into])
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // under its name: nothing, or the whole log, marked as a test database.
        match database_mark(&db.pool, &into).await {
            None => {}
            Some(mark) => {
                assert_eq!(
                    mark.as_deref(),
                    Some("erp:test"),
                    "killed after {delay_ms} ms"
                );
                let copy = tests::connect_database(&into, 1).await;
                let copied: i64 = sqlx::query_scalar("select count(*) from events")
                    .fetch_one(&copy)
                    .await
                    .unwrap();
                assert_eq!(
                    copied, events,
                    "killed after {delay_ms} ms: a half import kept"
                );
                copy.close().await;
            }
        }
        // what it left elsewhere is found and dropped.
        let mut conn = sqlx::Connection::connect(&TestDb::url_of("postgres"))
            .await
            .unwrap();
        // (the killed process's sessions take a moment to end; until then it is not abandoned)
        let mut left = 0i64;
        for _ in 0..300 {
            api::fork::clean_abandoned(&mut conn).await.unwrap();
            left = sqlx::query_scalar("select count(*) from pg_database where datname like $1")
                .bind(format!("{}\\_partial\\_%", &into[..into.len().min(40)]))
                .fetch_one(&db.pool)
                .await
                .unwrap();
            if left == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            left, 0,
            "killed after {delay_ms} ms: a partial database stays"
        );
    }
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn databases_made_from_the_command_line_are_the_servers_like_any_other() {
    let db = TestDb::new().await;
    let url = TestDb::url_of(&db.name);
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/l10n_demo.jsonl");
    stdout(&erp(&url, &["data", "load", module]));
    let last: i64 = sqlx::query_scalar("select max(position) from events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let copy = TestDb::fresh_name();
    stdout(&erp(
        &url,
        &[
            "replay",
            "to",
            "--position",
            &last.to_string(),
            "--into",
            &copy,
        ],
    ));
    assert_eq!(
        database_mark(&db.pool, &copy).await,
        Some(Some("erp:test".to_owned()))
    );
    let data_dir = std::env::temp_dir().join(format!("erp-db-cli-{}", uuid::Uuid::new_v4()));
    let db_cmd = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_erp"))
            .arg("db")
            .args(args)
            .env("DATABASE_URL", &url)
            .env("ERP_DATA_DIR", &data_dir)
            .env("ERP_MASTER_PASSWORD", "master-password-for-the-cli")
            .env("ERP_ADMIN_PASSWORD", tests::ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .output()
            .expect("erp runs")
    };
    let listed = stdout(&db_cmd(&["list"]));
    assert!(listed.contains(&copy), "{listed}");
    stdout(&db_cmd(&["drop", &copy]));
    assert_eq!(database_mark(&db.pool, &copy).await, None);
}

#[tokio::test]
async fn a_restore_short_of_connections_fails_clearly_and_leaves_nothing_behind() {
    // a cluster of its own, with few connections, so that running out of them hurts no other
    // test.
    let data_dir = std::env::temp_dir().join(format!("erp-few-{}", uuid::Uuid::new_v4()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _stopped = StopsCluster(data_dir.clone());
    let cluster = api::pg::LocalCluster::ensure(&data_dir, port).unwrap();
    let admin = cluster.url("postgres");
    let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&admin).await.unwrap();
    sqlx::query("alter system set max_connections = 40")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    api::pg::stop(&data_dir).unwrap();
    let cluster = api::pg::LocalCluster::ensure(&data_dir, port).unwrap();
    let db_cmd = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_erp"))
            .arg("db")
            .args(args)
            .env_remove("DATABASE_URL")
            .env("ERP_DATA_DIR", &data_dir)
            .env("ERP_PG_PORT", port.to_string())
            .env("ERP_MASTER_PASSWORD", "master-password-for-few")
            .env("ERP_ADMIN_PASSWORD", tests::ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .output()
            .expect("erp runs")
    };
    stdout(&db_cmd(&["create", "source"]));
    let file = data_dir.join("source.jsonl");
    stdout(&db_cmd(&["backup", "source", file.to_str().unwrap()]));

    let databases = |pattern: &'static str| {
        let admin = cluster.url("postgres");
        async move {
            let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&admin).await.unwrap();
            let names: Vec<String> =
                sqlx::query_scalar("select datname::text from pg_database where datname like $1")
                    .bind(pattern)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            names
        }
    };
    let mut failures = 0;
    for free in [4, 6, 8] {
        // every connection but `free` taken.
        let mut hogs = Vec::new();
        while let Ok(conn) =
            <sqlx::PgConnection as sqlx::Connection>::connect(&cluster.url("postgres")).await
        {
            hogs.push(conn);
        }
        assert!(
            hogs.len() > free,
            "the cluster took only {} connections",
            hogs.len()
        );
        hogs.truncate(hogs.len() - free);
        let target = format!("target{free}");
        let restored = db_cmd(&["restore", file.to_str().unwrap(), &target]);
        for hog in hogs {
            sqlx::Connection::close(hog).await.unwrap();
        }
        let said = String::from_utf8_lossy(&restored.stderr).into_owned();
        eprintln!("with {free} free: {said}");
        if restored.status.success() {
            // enough after all: then all of it, verified.
            assert!(String::from_utf8_lossy(&restored.stdout).contains("verified"));
            continue;
        }
        failures += 1;
        assert!(!said.contains("panicked"), "{said}");
        assert!(
            ["too many clients", "connection slots", "max_connections"]
                .iter()
                .any(|why| said.contains(why)),
            "the failure does not say why: {said}"
        );
        // nothing under the target's name; what it left elsewhere goes at the next command.
        assert_eq!(databases("target%").await, Vec::<String>::new(), "{said}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let list = db_cmd(&["list"]);
        assert!(
            list.status.success(),
            "list after a restore with {free} free: {}",
            String::from_utf8_lossy(&list.stderr)
        );
        let listed = stdout(&list);
        assert!(!listed.contains("partial"), "{listed}");
        assert_eq!(databases("%\\_partial\\_%").await, Vec::<String>::new());
    }
    assert!(failures > 0, "no restore ran short of connections");
    // and with connections to spare, the same restore goes through.
    let restored = stdout(&db_cmd(&["restore", file.to_str().unwrap(), "target"]));
    assert!(restored.contains("verified"), "{restored}");
}

/// Stops the cluster under its folder and removes the folder when dropped, even when the test
/// fails.
struct StopsCluster(std::path::PathBuf);

impl Drop for StopsCluster {
    fn drop(&mut self) {
        let _ = api::pg::stop(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn erp_schema_prints_the_committed_sdl_without_a_database() {
    for (args, committed) in [
        (&["schema"][..], include_str!("../schema/erp.graphql")),
        (
            &["schema", "--manager"][..],
            include_str!("../schema/manager.graphql"),
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_erp"))
            .args(args)
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .output()
            .expect("erp runs");
        assert_eq!(stdout(&output), committed, "erp {args:?}");
    }
}

/// A folder of the test's own under the system's temporary folder, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(what: &str) -> Self {
        Self(std::env::temp_dir().join(format!("erp-{what}-{}", uuid::Uuid::new_v4())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn an_operator_with_the_master_password_gets_an_administrator_back() {
    let app = tests::TestApp::new().await;
    let url = TestDb::url_of(&app.db.name);
    let data_dir = Scratch::new("reset-admin");
    const MASTER: &str = "master-password-for-the-reset";
    let reset = |login: &str, master: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_erp"));
        command
            .args(["user", "reset-admin", login])
            .env("DATABASE_URL", &url)
            .env("ERP_DATA_DIR", &data_dir.0)
            .env_remove("ERP_ADMIN_PASSWORD")
            .env_remove("ERP_MASTER_PASSWORD")
            .env("RUST_LOG", "warn");
        if let Some(master) = master {
            command.env("ERP_MASTER_PASSWORD", master);
        }
        command.output().expect("erp runs")
    };
    let signs_in = |login: &'static str, password: String| {
        let app = &app;
        async move {
            let answer = app
                .graphql_with(
                    "",
                    "mutation($login: String!, $password: String!) {
                        login(input: { login: $login, password: $password }) { token } }",
                    serde_json::json!({ "login": login, "password": password }),
                )
                .await;
            answer["data"]["login"]["token"].as_str().map(str::to_owned)
        }
    };
    let before = app.event_count().await;

    // without the master password, or with a wrong one, or before the server ever had one,
    // nothing happens.
    let refused = reset("admin", None);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("master password"), "{said}");
    let unset = reset("admin", Some(MASTER));
    assert!(
        !unset.status.success(),
        "a reset is no way to set the master password"
    );
    assert!(String::from_utf8_lossy(&unset.stderr).contains("no master password is set"));
    assert_eq!(app.event_count().await, before);
    // the server's first start sets it (as `erp db` does).
    let listed = Command::new(env!("CARGO_BIN_EXE_erp"))
        .args(["db", "list"])
        .env("DATABASE_URL", &url)
        .env("ERP_DATA_DIR", &data_dir.0)
        .env("ERP_MASTER_PASSWORD", MASTER)
        .env("RUST_LOG", "warn")
        .output()
        .expect("erp runs");
    stdout(&listed);
    stdout(&reset("admin", Some(MASTER)));
    let after_first = app.event_count().await;
    assert!(after_first > before);
    let wrong = reset("admin", Some("not the master password"));
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong master password"));
    assert_eq!(
        app.event_count().await,
        after_first,
        "a refused reset writes nothing"
    );

    // the forgotten password is replaced by the one written to the data folder.
    let said = stdout(&reset("admin", Some(MASTER)));
    let file = data_dir.0.join(format!("admin-password-{}", app.db.name));
    assert!(said.contains(file.to_str().unwrap()), "{said}");
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    let new_works = tests::eventually(std::time::Duration::from_secs(10), || {
        let password = password.clone();
        async move { signs_in("admin", password).await.is_some() }
    })
    .await;
    assert!(new_works, "admin signs in with the new password");
    assert_eq!(
        signs_in("admin", tests::ADMIN_PASSWORD.to_owned()).await,
        None
    );

    // a login that does not exist is created, an active administrator.
    stdout(&reset("rescue", Some(MASTER)));
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    let mut token = None;
    for _ in 0..500 {
        token = signs_in("rescue", password.clone()).await;
        if token.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let token = token.expect("rescue signs in");
    let users = app
        .graphql_with(
            &token,
            "{ users { edges { node { login active groups } } } }",
            serde_json::json!({}),
        )
        .await;
    let rescue = users["data"]["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["node"]["login"] == "rescue")
        .unwrap_or_else(|| panic!("{users}"));
    assert_eq!(rescue["node"]["groups"], serde_json::json!(["admin"]));
    assert_eq!(rescue["node"]["active"], true);
}

#[tokio::test]
async fn an_auditor_writes_the_ledger_as_csv_from_the_command_line() {
    use rand::SeedableRng;
    let app = tests::TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let cast = tests::books::Cast::new(&app).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(31);
    tests::books::grow(&app, &cast, &mut rng, 10).await;
    let url = TestDb::url_of(&app.db.name);
    // run beside the test's server, whose projections keep going meanwhile (`erp` waits for
    // the read models to catch up with the log).
    let run = |args: &'static [&'static str]| {
        let url = url.clone();
        async move {
            tokio::task::spawn_blocking(move || erp(&url, args))
                .await
                .unwrap()
        }
    };
    let csv = stdout(&run(&["ledger"]).await);
    tests::books::assert_ledger_csv(&app, &csv, &[], None, None).await;
    let part = stdout(&run(&["ledger", "--accounts", "411000", "--from", "2026-04-01"]).await);
    tests::books::assert_ledger_csv(&app, &part, &["411000"], Some("2026-04-01"), None).await;
    // a wrong date is refused by name.
    let wrong = run(&["ledger", "--from", "yesterday"]).await;
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("--from"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    // so is an account the chart does not have (not an empty ledger).
    let unknown = run(&["ledger", "--accounts", "999999"]).await;
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("there is no account '999999'"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

#[tokio::test]
async fn an_implementer_promotes_a_test_databases_configuration_into_production() {
    let production = TestDb::new().await;
    let url = TestDb::url_of(&production.name);
    let books = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/demo_company.jsonl");
    let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/l10n_demo.jsonl");
    stdout(&erp(&url, &["data", "load", books]));
    // the copy right after the stage: the stage another process just made is there.
    stdout(&erp(&url, &["stage", "create", "copied"]));
    let test = TestDb::fresh_name();
    stdout(&erp(&url, &["stage", "restore", "copied", "--into", &test]));
    let test_db = TestDb::adopt(&test).await;
    let test_url = TestDb::url_of(&test);

    stdout(&erp(&test_url, &["stage", "create", "a"]));
    stdout(&erp(&test_url, &["data", "load", setup]));
    stdout(&erp(&test_url, &["stage", "create", "b"]));
    let folder = std::env::temp_dir().join(format!("erp-promotion-{}", test_db.name));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("go_live.jsonl");
    let file = file.to_str().unwrap();
    let export = &[
        "stage",
        "export",
        "a",
        "b",
        "--module",
        "go_live",
        "--version",
        "1.0.0",
    ];
    let written = stdout(&erp(&test_url, &[&export[..], &[file]].concat()));
    // l10n_demo against the demo books: vat6, USD and its rate, sequence sale.order and the
    // label are new; vat21 and the sales group are as the books have them; partners are
    // business records, not configuration.
    assert!(written.starts_with("5 settings promoted"), "{written}");
    let again = erp(&test_url, &[&export[..], &[file]].concat());
    assert!(!again.status.success(), "an export never replaces a file");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing was written"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let dry = stdout(&erp(&url, &["data", "load", file, "--dry-run"]));
    assert!(dry.contains("go_live@1.0.0 would change"), "{dry}");
    assert!(dry.contains("vat6: add VAT 6%"), "{dry}");
    assert_eq!(dry.lines().count(), 6, "{dry}");
    let loaded = stdout(&erp(&url, &["data", "load", file]));
    assert!(loaded.contains("did change"), "{loaded}");
    let twice = stdout(&erp(&url, &["data", "load", file]));
    assert!(twice.contains("nothing to change"), "{twice}");
    assert!(
        twice.contains("5 of the promoted settings are here"),
        "{twice}"
    );
    let diff = stdout(&erp(&url, &["stage", "diff", "copied"]));
    assert!(
        diff.contains("label partner.vat: added: VAT number"),
        "{diff}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

/// Whether database `name`'s configuration (its read model, from its log) says production, and
/// who marked it, oldest first.
async fn production_by_log(name: &str) -> (bool, Vec<String>) {
    let db = TestDb::adopt(name).await;
    let production = projections::configuration::current(&db.pool)
        .await
        .unwrap()
        .is_some_and(|row| row.configuration.is_production());
    let marked_by = sqlx::query_scalar(
        "select metadata->>'user' from events where event_type = 'DatabaseMarked'
          order by position",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    (production, marked_by)
}

#[tokio::test]
async fn a_database_copied_from_a_production_log_is_a_test_database_by_its_log_too() {
    let production = TestDb::new().await;
    let url = TestDb::url_of(&production.name);
    let data_dir = std::env::temp_dir().join(format!("erp-db-mark-{}", production.name));
    let marked = Command::new(env!("CARGO_BIN_EXE_erp"))
        .args(["db", "mark", &production.name, "--production"])
        .env("DATABASE_URL", &url)
        .env("ERP_DATA_DIR", &data_dir)
        .env("ERP_MASTER_PASSWORD", "master-password-for-the-cli")
        .env("RUST_LOG", "warn")
        .output()
        .expect("erp runs");
    assert!(stdout(&marked).contains("is now a production database"));
    let _ = std::fs::remove_dir_all(&data_dir);
    stdout(&erp(&url, &["stage", "create", "live"]));
    let at_stage = TestDb::fresh_name();
    let said = erp(&url, &["stage", "restore", "live", "--into", &at_stage]);
    assert!(
        String::from_utf8_lossy(&said.stderr).contains("is a test database"),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );
    stdout(&said);
    let last: i64 = sqlx::query_scalar("select max(position) from events")
        .fetch_one(&production.pool)
        .await
        .unwrap();
    let at_position = TestDb::fresh_name();
    let position = last.to_string();
    stdout(&erp(
        &url,
        &[
            "replay",
            "to",
            "--position",
            &position,
            "--into",
            &at_position,
        ],
    ));
    let file = std::env::temp_dir().join(format!("erp-copy-{}.jsonl", production.name));
    let file = file.to_str().unwrap();
    stdout(&erp(&url, &["replay", "export", file]));
    let imported = TestDb::fresh_name();
    let import = stdout(&erp(&url, &["replay", "import", file, "--into", &imported]));
    assert!(import.contains("It is a test database"), "{import}");
    let _ = std::fs::remove_file(file);

    for copy in [&at_stage, &at_position, &imported] {
        assert_eq!(
            production_by_log(copy).await,
            (false, vec!["manager".to_owned(), "copy".to_owned()]),
            "{copy}"
        );
        assert_eq!(
            database_mark(&production.pool, copy).await,
            Some(Some("erp:test".to_owned()))
        );
        let verified = erp(&TestDb::url_of(copy), &["replay", "verify"]);
        assert!(stdout(&verified).contains("The log is intact"), "{copy}");
    }
    // the source is what it was.
    assert_eq!(
        production_by_log(&production.name).await,
        (true, vec!["manager".to_owned()])
    );
}
