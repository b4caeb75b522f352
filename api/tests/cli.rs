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
