//! A partner's row is written in the statement that appends its events (issue 16): the form
//! shows a change as soon as the command returns, with no projection runner running at all;
//! a command that writes no event writes no row; and the runner, fed the same events, finds the
//! rows already right, and makes exactly the same rows from scratch.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use commands::{CommandBus, CommandContext, Failure};
use domain::partner::{Address, PartnerChanges, PartnerCommand, PartnerDetails, PartnerName};
use projections::partner::{self, PartnerProjection, PartnerRow};
use projections::runner::{self, RunnerOptions};
use projections::{Checkpoint, Wake};
use sqlx::PgPool;
use tests::TestDb;
use uuid::Uuid;

fn create(name: &str, customer: bool) -> PartnerCommand {
    PartnerCommand::CreatePartner {
        details: PartnerDetails {
            name: PartnerName::parse(name).unwrap(),
            email: None,
            phone: None,
            address: Address {
                city: Some("Liège".into()),
                ..Address::default()
            },
            vat: None,
            is_customer: customer,
            is_supplier: !customer,
            // a supplier of company b, a customer every company shares: both ways of the
            // company column are written.
            company: (!customer).then(|| domain::configuration::Code::parse("b").unwrap()),
            // and categories, none or two.
            categories: if customer {
                ["retail", "region.north"]
                    .map(|c| domain::configuration::Code::parse(c).unwrap())
                    .into()
            } else {
                Default::default()
            },
        },
    }
}

fn rename(name: &str, version: u64) -> PartnerCommand {
    PartnerCommand::UpdatePartner {
        expected_version: Some(version),
        changes: PartnerChanges {
            name: Some(PartnerName::parse(name).unwrap()),
            ..PartnerChanges::default()
        },
    }
}

async fn row(pool: &PgPool, id: Uuid) -> PartnerRow {
    partner::get(pool, id)
        .await
        .unwrap()
        .expect("the partner's row")
}

async fn all_rows(pool: &PgPool) -> Vec<PartnerRow> {
    sqlx::query_as("select * from partner order by id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Where the log says partner `id`'s events were written: its first event's position and time,
/// and its last event's time and sequence.
async fn from_the_log(
    pool: &PgPool,
    id: Uuid,
) -> (
    i64,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
    i64,
) {
    sqlx::query_as(
        "select min(position), min(recorded_at), max(recorded_at), max(sequence)
           from events where aggregate_type = 'Partner' and aggregate_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Runs the partner projection until it has applied the whole log.
async fn run_the_projection(pool: &PgPool) {
    let end: Checkpoint = sqlx::query_as(
        "select transaction_id::text::bigint as transaction_id, position
           from events order by position desc limit 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let (progress, task) = runner::spawn(
        pool.clone(),
        PartnerProjection,
        &Wake::default(),
        RunnerOptions::default(),
    )
    .await
    .unwrap();
    assert!(progress.wait_for(end, Duration::from_secs(30)).await);
    task.abort();
}

#[tokio::test]
async fn a_partners_row_lands_with_its_events_and_the_runner_makes_the_same_rows() {
    let db = TestDb::new().await;
    let pool = db.pool.clone();
    // a bus and no runner: whatever the read model shows, the append wrote.
    let bus = CommandBus::new(pool.clone(), Wake::default());
    let context = CommandContext::system("test");
    let (agrolait, seagate) = (Uuid::now_v7(), Uuid::now_v7());

    let (_, answered) = bus
        .partner_row(agrolait, create("Agrolait", true), &context)
        .await
        .unwrap();
    let created = row(&pool, agrolait).await;
    // the statement answers with the row it wrote: what the mutation's payload shows.
    assert_eq!(answered.as_ref(), Some(&created));
    let (first_position, first_at, last_at, last_sequence) = from_the_log(&pool, agrolait).await;
    assert_eq!(created.name, "Agrolait");
    assert_eq!(created.name_sort, "agrolait");
    assert_eq!(created.city.as_deref(), Some("Liège"));
    assert_eq!(created.categories, ["region.north", "retail"]);
    assert!(created.is_customer && !created.is_supplier && !created.archived);
    assert_eq!(created.version, 1);
    assert_eq!(created.version, last_sequence);
    assert_eq!(created.created_position, first_position);
    assert_eq!(
        (created.created_at, created.updated_at),
        (first_at, last_at)
    );

    bus.partner(agrolait, rename("Agrolait SA", 1), &context)
        .await
        .unwrap();
    let (_, answered) = bus
        .partner_row(
            agrolait,
            PartnerCommand::ArchivePartner {
                expected_version: Some(2),
            },
            &context,
        )
        .await
        .unwrap();
    let archived = row(&pool, agrolait).await;
    assert_eq!(answered.as_ref(), Some(&archived));
    // archiving again changes nothing: no event, no row to answer with.
    let (_, again) = bus
        .partner_row(
            agrolait,
            PartnerCommand::ArchivePartner {
                expected_version: None,
            },
            &context,
        )
        .await
        .unwrap();
    assert_eq!(again, None);
    let (_, _, last_at, last_sequence) = from_the_log(&pool, agrolait).await;
    assert_eq!(archived.name, "Agrolait SA");
    assert!(archived.archived);
    assert_eq!((archived.version, last_sequence), (3, 3));
    assert_eq!(archived.updated_at, last_at);
    assert_eq!(archived.created_position, first_position, "created once");

    bus.partner(seagate, create("Seagate", false), &context)
        .await
        .unwrap();

    // a refused command writes neither events nor a row: a stale version...
    let stale = bus.partner(agrolait, rename("Stale", 1), &context).await;
    assert!(matches!(stale, Err(Failure::Refused { .. })), "{stale:?}");
    // ...and a second creation under a taken id.
    let taken = bus
        .partner(seagate, create("Another", true), &context)
        .await;
    assert!(taken.is_err(), "{taken:?}");
    assert_eq!(row(&pool, agrolait).await, archived);
    assert_eq!(row(&pool, seagate).await.name, "Seagate");

    // the runner, fed the whole log, finds every row already at its version...
    let inline = all_rows(&pool).await;
    assert_eq!(inline.len(), 2);
    run_the_projection(&pool).await;
    assert_eq!(all_rows(&pool).await, inline);
    // ...and, from nothing, makes the very same rows.
    sqlx::query("truncate partner")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("delete from projection_checkpoints where projection = 'partner'")
        .execute(&pool)
        .await
        .unwrap();
    run_the_projection(&pool).await;
    assert_eq!(all_rows(&pool).await, inline);
}

/// A partner event appended without the row (by a process that does not write it, say an older
/// one during an upgrade) leaves the row behind until the runner applies it. A command after it
/// must not write its own events onto that row, which would skip the one in between: it leaves
/// the row to the runner, and its caller reads the read model once the runner is there.
#[tokio::test]
async fn a_row_behind_its_stream_is_left_to_the_runner() {
    use cqrs_es::DomainEvent;
    let db = TestDb::new().await;
    let pool = db.pool.clone();
    let bus = CommandBus::new(pool.clone(), Wake::default());
    let context = CommandContext::system("test");
    let id = Uuid::now_v7();
    bus.partner(id, create("Agrolait", true), &context)
        .await
        .unwrap();
    // version 2, appended the old way: no row written with it.
    let renamed = domain::partner::PartnerEvent::PartnerUpdated {
        details: tests::customer_details("Agrolait SA"),
    };
    let event = store::NewEvent {
        event_type: renamed.event_type(),
        event_version: renamed.event_version(),
        payload: serde_json::to_string(&renamed).unwrap(),
    };
    let id_text = id.to_string();
    let mut conn = pool.acquire().await.unwrap();
    store::append(
        &mut conn,
        &[store::StreamAppend {
            aggregate_type: "Partner",
            aggregate_id: &id_text,
            base: 1,
            last_hash: None,
            events: std::slice::from_ref(&event),
        }],
        "{}",
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(row(&pool, id).await.version, 1, "the row is behind");

    // version 3 through the bus: its row is not written onto version 1's.
    let (_, answered) = bus
        .partner_row(
            id,
            PartnerCommand::ArchivePartner {
                expected_version: Some(2),
            },
            &context,
        )
        .await
        .unwrap();
    assert_eq!(answered, None);
    let behind = row(&pool, id).await;
    assert_eq!((behind.version, behind.archived), (1, false));

    // the runner brings it to the end, the rename included.
    run_the_projection(&pool).await;
    let caught_up = row(&pool, id).await;
    assert_eq!(caught_up.name, "Agrolait SA");
    assert!(caught_up.archived);
    assert_eq!(caught_up.version, 3);
}

/// Found growing the books with four writers (issue 20): two commands appending to the same two
/// streams in opposite orders deadlocked in the log's key, and the one PostgreSQL chose to fail
/// came out as an internal error. A deadlock is two writers meeting: a conflict, decided again.
#[tokio::test]
async fn appends_that_deadlock_are_a_conflict_not_an_internal_error() {
    use store::{NewEvent, StreamAppend};
    let db = TestDb::new().await;
    let event = [NewEvent {
        event_type: "Touched".to_owned(),
        event_version: "1".to_owned(),
        payload: "{}".to_owned(),
    }];
    let stream = |id: &'static str| StreamAppend {
        aggregate_type: "Probe",
        aggregate_id: id,
        base: 0,
        last_hash: None,
        events: &event,
    };
    let (a, b) = ([stream("a")], [stream("b")]);
    let mut one = db.pool.begin().await.unwrap();
    let mut two = db.pool.begin().await.unwrap();
    // each writes the first event of one stream, then of the other's.
    store::append(&mut one, &a, "{}").await.unwrap();
    store::append(&mut two, &b, "{}").await.unwrap();
    let (first, second) = tokio::join!(store::append(&mut one, &b, "{}"), async {
        // (the first waits on the second's key before the second asks for the first's)
        tokio::time::sleep(Duration::from_millis(200)).await;
        store::append(&mut two, &a, "{}").await
    });
    let failed = match (first, second) {
        (Err(e), _) | (_, Err(e)) => e,
        (Ok(_), Ok(_)) => panic!("no deadlock"),
    };
    assert!(matches!(failed, store::StoreError::Conflict), "{failed:?}");
    assert!(matches!(Failure::from(failed), Failure::Conflict));
}
