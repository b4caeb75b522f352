//! A projection killed at any moment resumes with nothing missing and nothing doubled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use projections::runner::{self, RunnerOptions};
use projections::{Projection, ProjectionError, StoredEvent, Wake};
use rand::Rng;
use sqlx::{PgConnection, PgPool};
use tests::TestDb;

const EVENTS: i64 = 3000;

/// Records every event it is given, slowly, and fails now and then after writing part of a
/// batch, as a crash in the middle of a batch would.
struct SlowRecorder {
    batches: Arc<AtomicUsize>,
}

impl Projection for SlowRecorder {
    fn name(&self) -> &'static str {
        "slow_recorder"
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let batch = self.batches.fetch_add(1, Ordering::SeqCst);
        // the test's own events, not those every new database starts with.
        let events: Vec<&StoredEvent> = events
            .iter()
            .filter(|e| e.aggregate_type == "Test")
            .collect();
        for (i, event) in events.iter().enumerate() {
            sqlx::query("insert into seen (position) values ($1)")
                .bind(event.position)
                .execute(&mut *tx)
                .await?;
            if batch % 7 == 6 && i == events.len() / 2 {
                return Err(ProjectionError::Database(sqlx::Error::Protocol(
                    "injected failure mid-batch".into(),
                )));
            }
            if i % 8 == 7 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        Ok(())
    }
}

/// The `seen` table, and a log of `transactions` transactions of 100 events over 50 records.
async fn prepare(pool: &PgPool, transactions: i64) {
    sqlx::query("create table seen (position bigint not null)")
        .execute(pool)
        .await
        .unwrap();
    for t in 0..transactions {
        sqlx::query(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             select 'Test', 'record-' || (g % 50), g / 50 + 1, 'Tested', '1.0', '{}', '{}'
               from generate_series($1::bigint, $1::bigint + 99) g",
        )
        .bind(t * 100)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// The log's last position.
async fn end_of_log(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select max(position) from events")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn checkpoint(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select position from projection_checkpoints where projection = 'slow_recorder'",
    )
    .fetch_optional(pool)
    .await
    .unwrap()
    .unwrap_or(0)
}

async fn seen(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("select count(*), count(distinct position) from seen")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_projection_killed_mid_batch_resumes_exactly_where_it_committed() {
    let db = TestDb::new().await;
    prepare(&db.pool, 30).await;

    let batches = Arc::new(AtomicUsize::new(0));
    let mut partial_kills = 0;
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 500, "no progress after {rounds} restarts");
        // each round is a "process": its own runtime and connections, killed without warning.
        let batches = batches.clone();
        let database = db.name.clone();
        tokio::task::spawn_blocking(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let pool = tests::connect_database(&database, 3).await;
                let options = RunnerOptions {
                    batch_size: 32,
                    poll_interval: Duration::from_millis(20),
                    ..RunnerOptions::default()
                };
                let projection = SlowRecorder { batches };
                let _running = runner::spawn(pool, projection, &Wake::default(), options)
                    .await
                    .unwrap();
                let life = rand::rng().random_range(20..150);
                tokio::time::sleep(Duration::from_millis(life)).await;
            });
            // kill: drop every task and connection where it stands.
            runtime.shutdown_background();
        })
        .await
        .unwrap();
        let (rows, distinct) = seen(&db.pool).await;
        assert_eq!(
            rows, distinct,
            "an event was applied twice after {rounds} restarts"
        );
        if checkpoint(&db.pool).await == end_of_log(&db.pool).await {
            assert_eq!(
                rows, EVENTS,
                "the checkpoint reached the end but events are missing"
            );
            break;
        }
        if rows > 0 {
            partial_kills += 1;
        }
    }
    assert!(
        partial_kills > 2,
        "the projection was never killed part-way; the test proved nothing"
    );
    assert!(
        batches.load(Ordering::SeqCst) > 7,
        "no injected failure happened"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_running_one_projection_apply_each_event_once() {
    let db = TestDb::new().await;
    prepare(&db.pool, 20).await;
    let options = RunnerOptions {
        batch_size: 16,
        poll_interval: Duration::from_millis(20),
        ..RunnerOptions::default()
    };
    // two "processes": their own pools and wakes, the same projection and checkpoint.
    let mut runners = Vec::new();
    for _ in 0..2 {
        let pool = db.connect(3).await;
        let projection = SlowRecorder {
            batches: Arc::new(AtomicUsize::new(1)),
        };
        runners.push(
            runner::spawn(pool, projection, &Wake::default(), options)
                .await
                .unwrap(),
        );
    }
    let done = tests::eventually(Duration::from_secs(60), || async {
        checkpoint(&db.pool).await == end_of_log(&db.pool).await
    })
    .await;
    for (_, task) in &runners {
        task.abort();
    }
    assert!(done, "the projection did not reach the end of the log");
    assert_eq!(
        seen(&db.pool).await,
        (2000, 2000),
        "every event applied exactly once"
    );
}

/// Panics on the first `panics` batches it is given after writing part of them (a bug met on
/// an event), then records like [`SlowRecorder`].
struct PanicsFirst {
    panics: Arc<AtomicUsize>,
}

impl Projection for PanicsFirst {
    fn name(&self) -> &'static str {
        "slow_recorder"
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        for event in events.iter().filter(|e| e.aggregate_type == "Test") {
            sqlx::query("insert into seen (position) values ($1)")
                .bind(event.position)
                .execute(&mut *tx)
                .await?;
        }
        let left = self.panics.load(Ordering::SeqCst);
        if left > 0 {
            self.panics.store(left - 1, Ordering::SeqCst);
            panic!("a bug met on an event");
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_projection_that_panics_keeps_running_rolls_the_batch_back_and_tries_again() {
    let db = TestDb::new().await;
    prepare(&db.pool, 2).await;
    let panics = Arc::new(AtomicUsize::new(3));
    let options = RunnerOptions {
        batch_size: 50,
        poll_interval: Duration::from_millis(20),
        ..RunnerOptions::default()
    };
    let projection = PanicsFirst {
        panics: panics.clone(),
    };
    let (_, task) = runner::spawn(db.pool.clone(), projection, &Wake::default(), options)
        .await
        .unwrap();
    let done = tests::eventually(Duration::from_secs(30), || async {
        checkpoint(&db.pool).await == end_of_log(&db.pool).await
    })
    .await;
    let finished = task.is_finished();
    task.abort();
    assert_eq!(panics.load(Ordering::SeqCst), 0, "it never panicked");
    assert!(!finished, "the runner died with the panic");
    assert!(done, "the runner did not go on after the panics");
    // what the panicking batches wrote was rolled back: each event once.
    assert_eq!(seen(&db.pool).await, (200, 200));
}
