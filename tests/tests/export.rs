//! The log exported to a file and imported into a new database: the same read models, and a
//! changed file refused with nothing kept.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::fork::{import, ForkError, ImportError};
use serde_json::json;
use tests::{TestApp, TestDb};

async fn exported(app: &TestApp) -> (String, replay::export::Manifest) {
    let mut out = Vec::new();
    let manifest = replay::export::export(&app.db.pool, &mut out, |_, _| {})
        .await
        .unwrap();
    (String::from_utf8(out).unwrap(), manifest)
}

async fn database_exists(app: &TestApp, name: &str) -> bool {
    sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

const READ: &str =
    "{ partners(where: { archived: null }) { edges { node { id name email archived version } } }
    configuration { version taxes { nodes { code rate } } forms { name fields { field label } } } }";

async fn prepared() -> TestApp {
    let app = TestApp::new().await;
    app.graphql(
        "mutation {
            a: installModule(input: { name: \"account\" }) { userErrors { code } }
            b: setTax(input: { code: \"vat21\", name: \"VAT 21%\", rate: \"21\" }) { userErrors { code } }
            c: setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { code } }
            d: createPartner(input: { name: \"Agrolait\", email: \"info@agrolait.be\" }) { userErrors { code } }
            e: createPartner(input: { name: \"Camptocamp\" }) { partner { id } userErrors { code } }
        }",
        json!({}),
    )
    .await;
    app
}

#[tokio::test]
async fn an_imported_export_verifies_and_reads_the_same() {
    let app = prepared().await;
    let (file, manifest) = exported(&app).await;
    let events: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(manifest.events, u64::try_from(events).unwrap());
    assert_eq!(
        file.lines().count() as i64,
        events + 1,
        "one line per event, then the manifest"
    );

    let name = TestDb::fresh_name();
    let (_, imported) = import(file.as_bytes(), &TestDb::url_of(&name), |_| {})
        .await
        .unwrap();
    assert_eq!(imported, manifest);
    let copy = TestApp::on(TestDb::adopt(&name).await).await;
    assert_eq!(
        copy.graphql(READ, json!({})).await,
        app.graphql(READ, json!({})).await
    );
    assert_eq!(
        replay::verify::verify_log(&copy.db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn a_changed_file_is_refused_and_nothing_is_kept() {
    let app = prepared().await;
    let (file, _) = exported(&app).await;

    let changed = file.replace("info@agrolait.be", "pay@agrolait.be");
    assert_ne!(changed, file);
    let name = TestDb::fresh_name();
    let refused = import(changed.as_bytes(), &TestDb::url_of(&name), |_| {}).await;
    assert!(
        matches!(refused, Err(ForkError::Import(ImportError::Mismatch(ref m))) if m.contains("changed after it was written")),
        "{refused:?}"
    );
    assert!(!database_exists(&app, &name).await, "nothing is kept");

    let mut lines: Vec<&str> = file.lines().collect();
    lines.remove(3);
    let shortened = lines.join("\n");
    let name = TestDb::fresh_name();
    let refused = import(shortened.as_bytes(), &TestDb::url_of(&name), |_| {}).await;
    assert!(
        matches!(refused, Err(ForkError::Import(ImportError::Mismatch(ref m))) if m.contains("the manifest says")),
        "{refused:?}"
    );
    assert!(!database_exists(&app, &name).await);

    let cut: String = file.lines().take(4).collect::<Vec<_>>().join("\n");
    let name = TestDb::fresh_name();
    let refused = import(cut.as_bytes(), &TestDb::url_of(&name), |_| {}).await;
    assert!(
        matches!(refused, Err(ForkError::Import(ImportError::NoManifest))),
        "{refused:?}"
    );
    assert!(!database_exists(&app, &name).await);
}

/// `name` of a PostgreSQL client program of the newest version installed (what the embedded
/// cluster runs).
fn pg_program(name: &str) -> std::path::PathBuf {
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .unwrap()
        .filter_map(|d| d.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .collect();
    versions.sort_unstable();
    let newest = versions.last().expect("PostgreSQL is installed");
    std::path::PathBuf::from(format!("/usr/lib/postgresql/{newest}/bin/{name}"))
}

/// The URL of database `name` as libpq reads it (sqlx adds options of its own).
fn libpq_url(name: &str) -> String {
    let url = TestDb::url_of(name);
    url.split('?').next().unwrap_or(&url).to_owned()
}

#[tokio::test]
async fn a_copy_made_with_pg_dump_and_pg_restore_verifies_and_serves() {
    let app = prepared().await;
    let before = app.graphql(READ, json!({})).await;
    let file = std::env::temp_dir().join(format!("erp-{}.dump", uuid::Uuid::new_v4()));
    let dumped = std::process::Command::new(pg_program("pg_dump"))
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&file)
        .arg(format!("--dbname={}", libpq_url(&app.db.name)))
        .output()
        .unwrap();
    assert!(
        dumped.status.success(),
        "{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    let name = TestDb::fresh_name();
    sqlx::query(&format!("create database \"{name}\""))
        .execute(&app.db.pool)
        .await
        .unwrap();
    let restored = std::process::Command::new(pg_program("pg_restore"))
        .args(["--no-owner", "--exit-on-error"])
        .arg(format!("--dbname={}", libpq_url(&name)))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );

    let copy = TestApp::on(TestDb::adopt(&name).await).await;
    assert_eq!(
        replay::verify::verify_log(&copy.db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(copy.graphql(READ, json!({})).await, before);
    // it serves: a new partner is written, projected and read back.
    let created = copy
        .graphql(
            "mutation { createPartner(input: { name: \"After the restore\" }) { partner { name version } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        created["createPartner"]["partner"],
        json!({ "name": "After the restore", "version": 1 })
    );
    assert_eq!(
        replay::verify::verify_log(&copy.db.pool, |_| {})
            .await
            .unwrap(),
        vec![]
    );
}
