//! Rebuilding read models while the server writes, comparing them with their replay, and
//! databases holding the log up to a point.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use api::read_models;
use commands::CommandContext;
use domain::partner::PartnerCommand;
use serde_json::json;
use tests::{TestApp, TestDb};
use uuid::Uuid;

fn customer(name: &str) -> PartnerCommand {
    PartnerCommand::CreatePartner {
        details: tests::customer_details(name),
    }
}

async fn partner_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from partner")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rebuild_during_concurrent_writes_loses_and_doubles_nothing() {
    let app = TestApp::new().await;
    let bus = app.backend.state.bus.clone();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let bus = Arc::clone(&bus);
            tokio::spawn(async move {
                let context = CommandContext::system("writer");
                for n in 0..60 {
                    bus.partner(
                        Uuid::now_v7(),
                        customer(&format!("Partner {writer}-{n}")),
                        &context,
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    // two rebuilds while the writers write, the live runner applying as they go.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        read_models::rebuild(&app.db.pool, "partner", &|_| {})
            .await
            .unwrap()
            .unwrap();
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(app.backend.catch_up(Duration::from_secs(30)).await.unwrap());
    assert_eq!(
        partner_count(&app).await,
        240,
        "nothing lost, nothing doubled"
    );
    let differences = read_models::compare(&app.db.pool, "partner", &|_| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(differences, vec![]);
    // the server answers from the rebuilt table.
    let data = app
        .graphql("{ partners(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["partners"]["totalCount"], 240);
}

/// The partner's rows are written with their events, ahead of the runner's checkpoint: an
/// auditor comparing the read model with its replay while partners keep being written still
/// finds no difference (and no false one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partner_read_model_equals_its_replay_while_partners_are_written() {
    let app = TestApp::new().await;
    let bus = app.backend.state.bus.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let (bus, stop) = (Arc::clone(&bus), Arc::clone(&stop));
            tokio::spawn(async move {
                let context = CommandContext::system("writer");
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let id = Uuid::now_v7();
                    bus.partner(id, customer(&format!("Partner {writer}-{n}")), &context)
                        .await
                        .unwrap();
                    let archive = PartnerCommand::ArchivePartner {
                        expected_version: Some(1),
                    };
                    bus.partner(id, archive, &context).await.unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..3 {
        let differences = read_models::compare(&app.db.pool, "partner", &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(differences, vec![]);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut written = 0;
    for writer in writers {
        written += writer.await.unwrap();
    }
    assert!(written > 0, "the writers wrote while the comparisons ran");
}

#[tokio::test]
async fn every_read_model_equals_its_replay_and_a_change_by_hand_shows() {
    let app = TestApp::new().await;
    for name in ["Agrolait", "Camptocamp"] {
        app.graphql(
            "mutation($name: String!) { createPartner(input: { name: $name }) { partner { id } } }",
            json!({ "name": name }),
        )
        .await;
    }
    app.graphql(
        "mutation { setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT\" }) { userErrors { code } } }",
        json!({}),
    )
    .await;
    assert!(app.backend.catch_up(Duration::from_secs(10)).await.unwrap());
    for name in read_models::PROJECTIONS {
        let differences = read_models::compare(&app.db.pool, name, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(differences, vec![], "{name}");
    }
    sqlx::query("update partner set name = 'Agrolait Ltd' where name = 'Agrolait'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let differences = read_models::compare(&app.db.pool, "partner", &|_| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(differences.len(), 1);
    assert_eq!(
        (
            differences[0].table.as_str(),
            differences[0].only_live,
            differences[0].only_replayed
        ),
        ("partner", 1, 1)
    );
}

#[tokio::test]
async fn a_database_at_a_position_holds_the_state_there() {
    let app = TestApp::new().await;
    let create =
        "mutation($name: String!) { createPartner(input: { name: $name }) { partner { id } } }";
    let a = app.graphql(create, json!({ "name": "Agrolait" })).await["createPartner"]["partner"]
        ["id"]
        .clone();
    let b = app.graphql(create, json!({ "name": "Camptocamp" })).await["createPartner"]["partner"]
        ["id"]
        .clone();
    app.graphql(
        "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Agrolait SA\" }) { userErrors { code } } }",
        json!({ "id": a }),
    )
    .await;
    let point: i64 = sqlx::query_scalar("select max(position) from events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    app.graphql(create, json!({ "name": "China Export" })).await;
    app.graphql(
        "mutation($id: ID!) { archivePartner(input: { id: $id }) { userErrors { code } } }",
        json!({ "id": b }),
    )
    .await;

    let name = TestDb::fresh_name();
    api::fork::fork(&app.db.pool, point, &TestDb::url_of(&name), |_| {})
        .await
        .unwrap();
    let then = TestApp::on(TestDb::adopt(&name).await).await;
    // at the point: Agrolait renamed, Camptocamp not yet archived, China Export not yet there.
    let partners = then
        .graphql(
            "{ partners(where: { archived: null }) { edges { node { name archived version } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        partners["partners"]["edges"],
        json!([
            { "node": { "name": "Agrolait SA", "archived": false, "version": 2 } },
            { "node": { "name": "Camptocamp", "archived": false, "version": 1 } },
        ])
    );
    let copied: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&then.db.pool)
        .await
        .unwrap();
    let source: i64 = sqlx::query_scalar("select count(*) from events where position <= $1")
        .bind(point)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(copied, source);
    // the copy is intact, chain and seals.
    let findings = replay::verify::verify_log(&then.db.pool, |_| {})
        .await
        .unwrap();
    assert_eq!(findings, vec![]);
}

/// Rows of every table of the read models, as text, table by table.
async fn read_model_rows(app: &TestApp) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select tablename::text from pg_tables where schemaname = 'public'
            and tablename not in ('events', '_sqlx_migrations', 'projection_checkpoints')
          order by 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(&format!("select count(*) from public.\"{table}\""))
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        rows.push((table, count));
    }
    rows
}

#[tokio::test]
async fn every_read_model_rebuilds_on_the_demo_company_while_the_server_answers() {
    let app = TestApp::new().await;
    commands::demo::load(&app.db.pool, &app.backend.state.bus)
        .await
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    commands::demo::business(&app.backend, today).await.unwrap();
    assert!(app.backend.catch_up(Duration::from_secs(30)).await.unwrap());
    let before = read_model_rows(&app).await;
    let report = "{ trialBalance { totalDebit } invoices(first: 5) { totalCount } partners(first: 5) { totalCount } }";
    let answered = app.graphql(report, json!({})).await;
    for name in read_models::PROJECTIONS {
        // the server answers during the rebuild, from the old tables then the new ones.
        let reading = async {
            for _ in 0..5 {
                assert_eq!(app.graphql(report, json!({})).await, answered);
            }
        };
        let (rebuilt, ()) =
            tokio::join!(read_models::rebuild(&app.db.pool, name, &|_| {}), reading);
        rebuilt
            .unwrap()
            .unwrap_or_else(|e| panic!("rebuilding {name}: {e}"));
        let leftover: i64 = sqlx::query_scalar(
            "select count(*) from pg_namespace where nspname like 'rebuild\\_%'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(leftover, 0, "rebuilding {name} left a schema behind");
        let differences = read_models::compare(&app.db.pool, name, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(differences, vec![], "{name}");
    }
    assert_eq!(read_model_rows(&app).await, before);
    // the foreign keys between the business tables came back with them.
    let keys: i64 = sqlx::query_scalar(
        "select count(*) from pg_constraint c join pg_namespace n on n.oid = c.connamespace
          where c.contype = 'f' and n.nspname = 'public'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(keys > 0);
    assert_eq!(app.graphql(report, json!({})).await, answered);
}

#[tokio::test]
async fn a_second_rebuild_of_a_read_model_at_once_is_refused_and_leaves_the_first_alone() {
    let app = TestApp::new().await;
    let projection = projections::configuration::ConfigurationProjection;
    // a rebuild under way holds the read model ...
    let first = replay::rebuild::Shadow::create(&app.db.pool, &projection)
        .await
        .unwrap();
    // ... so a second rebuild or verify of it is refused, and takes nothing of the first's.
    for refused in [
        read_models::rebuild(&app.db.pool, "configuration", &|_| {})
            .await
            .unwrap()
            .map(|_| ()),
        read_models::compare(&app.db.pool, "configuration", &|_| {})
            .await
            .unwrap()
            .map(|_| ()),
    ] {
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("running already"), "{message}");
    }
    let shadow_tables: i64 = sqlx::query_scalar(
        "select count(*) from pg_tables where schemaname = 'rebuild_configuration'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        shadow_tables > 0,
        "the second one removed the first one's tables"
    );
    // another read model is free meanwhile.
    read_models::rebuild(&app.db.pool, "partner", &|_| {})
        .await
        .unwrap()
        .unwrap();
    first.discard(&app.db.pool).await.unwrap();
    // once the first is done, the read model can be rebuilt again.
    read_models::rebuild(&app.db.pool, "configuration", &|_| {})
        .await
        .unwrap()
        .unwrap();
}
