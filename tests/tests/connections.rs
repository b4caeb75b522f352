//! The server's pool of connections: a connection that sat idle for a second is checked before it
//! is handed out, so requests after a restart or a failover of PostgreSQL get new connections;
//! a busier one is not (the check is a round trip, which a profile of writes showed at an eighth
//! of their time). The price: a connection that died less than a second after its last use is
//! handed out untested, and the request on it fails once (the connection is then dropped).
//! Every connection runs without the planner's JIT.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use api::database::{self, Reach, UNTESTED_FOR};
use sqlx::PgPool;
use tests::TestDb;

/// The backends of `pool`'s connections, each acquired and used at once.
async fn backends(pool: &PgPool, n: usize) -> Vec<i32> {
    let mut held = Vec::new();
    let mut pids = Vec::new();
    for _ in 0..n {
        let mut conn = pool.acquire().await.unwrap();
        let pid: i32 = sqlx::query_scalar("select pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        pids.push(pid);
        held.push(conn);
    }
    pids
}

#[tokio::test]
async fn connections_the_server_hung_up_on_while_idle_are_replaced_not_handed_out() {
    let db = TestDb::new().await;
    let pool = database::open(&TestDb::url_of(&db.name), 2, Reach::Existing)
        .await
        .unwrap();
    let before = backends(&pool, 2).await;

    // the server ends both sessions, as a restart or a failover would.
    let ended: i64 = sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from unnest($1::int[]) pid) t",
    )
    .bind(&before)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(ended, 2);
    tokio::time::sleep(UNTESTED_FOR + Duration::from_millis(200)).await;

    // every request after it is answered, on new connections.
    for _ in 0..4 {
        let one: i32 = sqlx::query_scalar("select 1")
            .fetch_one(&pool)
            .await
            .expect("a request after the server hung up on idle connections");
        assert_eq!(one, 1);
    }
    let after = backends(&pool, 2).await;
    assert!(
        after.iter().all(|pid| !before.contains(pid)),
        "{before:?} {after:?}"
    );
}

#[tokio::test]
async fn the_servers_connections_do_not_pay_for_jit() {
    let app = tests::TestApp::new().await;
    let url = tests::TestDb::url_of(&app.db.name);
    let plain = tests::connect_database(&app.db.name, 1).await;
    let server = api::database::pool_options(1).connect(&url).await.unwrap();
    // PostgreSQL's default, which the server's pools turn off.
    let jit = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, String>("show jit")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(jit(plain).await, "on");
    assert_eq!(jit(server).await, "off");
}
