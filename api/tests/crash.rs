//! A `kill -9` of the server in the middle of a load: every command the server acknowledged is
//! in the log after a restart, and the read models, caught up, are exactly what the log says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tests::{TestDb, ADMIN_PASSWORD};

fn start(url: &str, port: u16, data_dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_erp"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("ERP_DATA_DIR", data_dir)
        .env("ERP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ERP_MASTER_PASSWORD", "master-password-for-tests")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("erp starts")
}

/// POSTs a GraphQL document over a fresh connection; `None` if the server did not answer
/// with 200.
async fn post(port: u16, token: &str, query: &str, variables: Value) -> Option<Value> {
    let body = json!({ "query": query, "variables": variables }).to_string();
    match tests::wire::exchange(port, "POST", "/graphql", token, &body).await? {
        (200, answer) => serde_json::from_str(&answer).ok(),
        _ => None,
    }
}

async fn ready(port: u16) -> String {
    let started = Instant::now();
    loop {
        let login = post(
            port,
            "",
            "mutation($p: String!) { login(input: { login: \"admin\", password: $p }) { token } }",
            json!({ "p": ADMIN_PASSWORD }),
        )
        .await;
        if let Some(token) = login
            .as_ref()
            .and_then(|l| l["data"]["login"]["token"].as_str())
        {
            return token.to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_loses_no_acknowledged_command() {
    let db = TestDb::new().await;
    let url = TestDb::url_of(&db.name);
    let data_dir = std::env::temp_dir().join(format!("erp-crash-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let mut server = start(&url, port, &data_dir);
    let token = ready(port).await;

    // four clients create partners as fast as the server acknowledges them.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..4 {
        let (acknowledged, stop, token) = (acknowledged.clone(), stop.clone(), token.clone());
        clients.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let id = uuid::Uuid::now_v7().to_string();
                let answer = post(
                    port,
                    &token,
                    "mutation($id: ID!, $n: String!) { createPartner(input: { id: $id, name: $n }) { partner { id } userErrors { message } } }",
                    json!({ "id": id, "n": format!("client {client} partner {n}") }),
                )
                .await;
                match answer {
                    Some(a) if a["data"]["createPartner"]["partner"]["id"] == id.as_str() => {
                        acknowledged.lock().unwrap().push(id)
                    }
                    Some(_) => {}
                    None => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        }));
    }
    // let the load run, then kill -9 in the middle of it.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 40,
        "the load ran: {}",
        acknowledged.len()
    );

    // every acknowledged partner is in the log.
    let logged: Vec<String> = sqlx::query_scalar(
        "select aggregate_id from events where aggregate_type = 'Partner' and event_type = 'PartnerCreated'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for id in &acknowledged {
        assert!(
            logged.contains(id),
            "acknowledged partner {id} is not in the log"
        );
    }

    // restarted, the read models catch up to exactly what the log says.
    let mut server = start(&url, port, &data_dir);
    let token = ready(port).await;
    let started = Instant::now();
    loop {
        let listed = post(port, &token, "{ partners { totalCount } }", json!({})).await;
        let count = listed
            .as_ref()
            .and_then(|l| l["data"]["partners"]["totalCount"].as_i64());
        if count == Some(logged.len() as i64) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the read model shows {count:?} partners, the log {}",
            logged.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in acknowledged.iter().take(10) {
        let found = post(
            port,
            &token,
            "query($id: ID!) { partner(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await
        .unwrap();
        assert_eq!(found["data"]["partner"]["id"], id.as_str());
    }
    let differences = api::read_models::compare(&db.pool, "partner", &|_| {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(differences, vec![]);
    server.kill().unwrap();
    server.wait().unwrap();
}
