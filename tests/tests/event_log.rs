//! The log reader never skips an event, even when transactions commit out of position order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use commands::{CommandBus, CommandContext};
use domain::partner::PartnerCommand;
use projections::log::{read_batch, Checkpoint};
use projections::runner::{self, RunnerOptions};
use projections::{Projection, ProjectionError, StoredEvent, Wake};
use rand::Rng;
use sqlx::{PgConnection, PgPool};
use tests::{eventually, TestDb};
use uuid::Uuid;

/// Appends one event the way postgres-es does, inside `tx`.
async fn append(tx: &mut PgConnection, aggregate_id: &str, sequence: i64) -> i64 {
    sqlx::query_scalar(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         values ('Test', $1, $2, 'Tested', '1.0', '{}', '{}') returning position",
    )
    .bind(aggregate_id)
    .bind(sequence)
    .fetch_one(tx)
    .await
    .unwrap()
}

async fn positions_after(pool: &PgPool, after: Checkpoint) -> (Vec<i64>, bool, Checkpoint) {
    let mut conn = pool.acquire().await.unwrap();
    let batch = read_batch(&mut conn, after, 100).await.unwrap();
    let last = batch.events.last().map_or(after, StoredEvent::checkpoint);
    // the test's own events, not those every new database starts with.
    (
        batch
            .events
            .iter()
            .filter(|e| e.aggregate_type == "Test")
            .map(|e| e.position)
            .collect(),
        batch.held_back,
        last,
    )
}

#[tokio::test]
async fn an_event_whose_transaction_commits_late_is_read_after_later_positions_not_skipped() {
    let db = TestDb::new().await;
    // T1 takes its transaction id first; T2 takes one after it.
    let mut t1 = db.pool.begin().await.unwrap();
    sqlx::query("select pg_current_xact_id()")
        .execute(&mut *t1)
        .await
        .unwrap();
    let mut t2 = db.pool.begin().await.unwrap();
    sqlx::query("select pg_current_xact_id()")
        .execute(&mut *t2)
        .await
        .unwrap();
    // T2 inserts first (lower position), T1 after it (higher position); T1 commits first.
    let low = append(&mut t2, "a", 1).await;
    let high = append(&mut t1, "b", 1).await;
    assert!(low < high);
    t1.commit().await.unwrap();

    // A reader that went by position alone would take `high` now and never look below it again.
    let (read, held_back, at) = positions_after(&db.pool, Checkpoint::default()).await;
    assert_eq!(read, [high]);
    assert!(
        !held_back,
        "T2's event is not committed, so not visible yet"
    );

    t2.commit().await.unwrap();
    let (read, _, _) = positions_after(&db.pool, at).await;
    assert_eq!(
        read,
        [low],
        "the late event is read after the checkpoint, not skipped"
    );
}

#[tokio::test]
async fn committed_events_behind_an_open_transaction_wait_for_it() {
    let db = TestDb::new().await;
    let mut open = db.pool.begin().await.unwrap();
    let first = append(&mut open, "a", 1).await;
    let mut quick = db.pool.begin().await.unwrap();
    let second = append(&mut quick, "b", 1).await;
    quick.commit().await.unwrap();

    let (read, held_back, at) = positions_after(&db.pool, Checkpoint::default()).await;
    assert!(
        read.is_empty(),
        "nothing is safe to read while an older transaction is open"
    );
    assert!(held_back, "the reader knows to look again soon");

    open.commit().await.unwrap();
    let (read, held_back, _) = positions_after(&db.pool, at).await;
    assert_eq!(read, [first, second]);
    assert!(!held_back);
}

/// Records every event it is given, in the order given, with no constraint that would hide a
/// duplicate.
struct Recorder;

impl Projection for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            sqlx::query("insert into seen (position, aggregate_id, sequence) values ($1, $2, $3)")
                .bind(event.position)
                .bind(&event.aggregate_id)
                .bind(event.sequence)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }
}

/// The table [`Recorder`] writes to: `n` numbers the deliveries in the order they happened.
async fn create_seen_table(pool: &PgPool) {
    sqlx::query(
        "create table seen (n bigserial primary key, position bigint not null,
                            aggregate_id text not null, sequence bigint not null)",
    )
    .execute(pool)
    .await
    .unwrap();
}

fn customer(name: &str) -> PartnerCommand {
    PartnerCommand::CreatePartner {
        details: tests::customer_details(name),
    }
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_concurrent_writers_and_held_transactions_every_event_is_projected_exactly_once() {
    let db = TestDb::new().await;
    create_seen_table(&db.pool).await;
    // what every new database starts with.
    let initial = count(&db.pool, "select count(*) from events").await;
    let wake = Wake::default();
    let _listener = wake.listen(db.pool.clone());
    let options = RunnerOptions {
        batch_size: 7,
        poll_interval: Duration::from_millis(200),
        ..RunnerOptions::default()
    };
    let (_progress, runner) = runner::spawn(db.pool.clone(), Recorder, &wake, options)
        .await
        .unwrap();

    let writers_pool = db.connect(30).await;
    let bus = std::sync::Arc::new(CommandBus::new(writers_pool.clone(), wake.clone()));
    let mut tasks = Vec::new();
    // eight clients sending commands through the real command bus...
    for client in 0..8 {
        let bus = bus.clone();
        tasks.push(tokio::spawn(async move {
            let context = CommandContext::system(&format!("client-{client}"));
            for n in 0..30 {
                bus.partner(
                    Uuid::new_v4(),
                    customer(&format!("Partner {client}-{n}")),
                    &context,
                )
                .await
                .unwrap();
            }
        }));
    }
    // ...while some writers hold their transaction open, and two of them roll back. Half of
    // them write their first event, then wait for clients' commands that began after it to
    // commit, then write two more: their transaction is older than those commands' but its
    // last positions are higher (what the check at the end asks for, however loaded the
    // machine); the others start later.
    for held in 0..8 {
        let pool = writers_pool.clone();
        let watcher = db.pool.clone();
        tasks.push(tokio::spawn(async move {
            let pause = Duration::from_millis(100 + rand::rng().random_range(50..150) * held);
            if held >= 4 {
                tokio::time::sleep(pause / 3).await;
            }
            let mut tx = pool.begin().await.unwrap();
            append(&mut tx, &format!("held-{held}"), 1).await;
            if held < 4 {
                // each client has one command in flight at most: past eight more committed,
                // one began after this transaction's first write.
                let partners = "select count(distinct aggregate_id) from events
                                 where aggregate_type = 'Partner'";
                let before = count(&watcher, partners).await;
                let overtaken = eventually(Duration::from_secs(60), || async {
                    count(&watcher, partners).await > before + 8
                })
                .await;
                assert!(
                    overtaken,
                    "the clients did not commit while held-{held} was open"
                );
            }
            for sequence in 2..=3 {
                append(&mut tx, &format!("held-{held}"), sequence).await;
            }
            tokio::time::sleep(pause).await;
            if held % 4 == 3 {
                tx.rollback().await.unwrap();
            } else {
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let total = count(&db.pool, "select count(*) from events").await;
    assert_eq!(
        total,
        initial + 8 * 30 + 6 * 3,
        "every committed event is in the log, rolled-back ones are not"
    );
    let caught_up = eventually(Duration::from_secs(30), || async {
        count(&db.pool, "select count(*) from seen").await >= total
    })
    .await;
    assert!(caught_up, "the projection did not catch up");
    // let any doubled delivery show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    runner.abort();

    assert_eq!(
        count(&db.pool, "select count(*) from seen").await,
        total,
        "nothing doubled"
    );
    assert_eq!(
        count(&db.pool, "select count(*) from events e where not exists (select 1 from seen s where s.position = e.position)").await,
        0,
        "nothing missing"
    );
    assert_eq!(
        count(&db.pool, "select count(*) from seen a join seen b on a.aggregate_id = b.aggregate_id and a.sequence < b.sequence and a.n > b.n").await,
        0,
        "each record's events arrive in their order"
    );
    // the scenario a position-only reader gets wrong did happen: some event was delivered after
    // an event with a higher position.
    assert!(
        count(
            &db.pool,
            "select count(*) from seen a join seen b on a.position < b.position and a.n > b.n"
        )
        .await
            > 0,
        "no transaction committed out of position order; the test proved nothing"
    );
}

#[tokio::test]
async fn a_commit_by_another_process_wakes_the_runner_through_notify() {
    let db = TestDb::new().await;
    create_seen_table(&db.pool).await;
    let wake = Wake::default();
    let _listener = wake.listen(db.pool.clone());
    // polling alone would take a minute: only the notification can wake the runner in time.
    let options = RunnerOptions {
        batch_size: 100,
        poll_interval: Duration::from_secs(60),
        ..RunnerOptions::default()
    };
    let (progress, _runner) = runner::spawn(db.pool.clone(), Recorder, &wake, options)
        .await
        .unwrap();
    // let the runner go to sleep on an empty log, and the listener connect.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // "another process": its own pool, its own command bus, its own (unrelated) wake.
    let other = db.connect(2).await;
    let other_bus = CommandBus::new(other, Wake::default());
    let position = other_bus
        .partner(
            Uuid::new_v4(),
            customer("Written elsewhere"),
            &CommandContext::system("elsewhere"),
        )
        .await
        .unwrap()
        .position;

    let woke = eventually(Duration::from_secs(5), || async {
        progress.current().position >= position
    })
    .await;
    assert!(woke, "the runner did not wake on NOTIFY");
    assert_eq!(
        count(&db.pool, "select count(*) from seen").await,
        count(&db.pool, "select count(*) from events").await
    );
}
