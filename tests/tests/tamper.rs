//! Tamper evidence: a change made to the log outside the application (an UPDATE, a DELETE, an
//! INSERT by hand) is found, at the position where it shows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use replay::verify::{verify_log, Finding, Problem};
use serde_json::json;
use tests::TestApp;

/// Three partners; the first renamed twice, so its stream has three events.
async fn prepared() -> (TestApp, String) {
    let app = TestApp::new().await;
    let mut first = String::new();
    for name in ["Agrolait", "Camptocamp", "China Export"] {
        let data = app
            .graphql(
                "mutation($name: String!) { createPartner(input: { name: $name }) { partner { id } } }",
                json!({ "name": name }),
            )
            .await;
        if first.is_empty() {
            first = data["createPartner"]["partner"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
        }
    }
    for name in ["Agrolait SA", "Agrolait NV"] {
        app.graphql(
            "mutation($id: ID!, $name: String!) { updatePartner(input: { id: $id, name: $name }) { userErrors { code } } }",
            json!({ "id": first, "name": name }),
        )
        .await;
    }
    assert!(app.backend.catch_up(Duration::from_secs(10)).await.unwrap());
    (app, first)
}

async fn findings(app: &TestApp) -> Vec<Finding> {
    verify_log(&app.db.pool, |_| {}).await.unwrap()
}

async fn position_of(app: &TestApp, id: &str, sequence: i64) -> i64 {
    sqlx::query_scalar(
        "select position from events where aggregate_type = 'Partner' and aggregate_id = $1 and sequence = $2",
    )
    .bind(id)
    .bind(sequence)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// Runs `statement` with the log's append-only guard off, as someone with the database's
/// password could.
async fn by_hand(app: &TestApp, statement: &str) {
    let mut tx = app.db.pool.begin().await.unwrap();
    sqlx::query("alter table events disable trigger events_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(statement).execute(&mut *tx).await.unwrap();
    sqlx::query("alter table events enable trigger events_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_log_written_by_the_application_verifies_clean() {
    let (app, _) = prepared().await;
    assert_eq!(findings(&app).await, vec![]);
}

#[tokio::test]
async fn a_changed_payload_is_found_at_its_position() {
    let (app, id) = prepared().await;
    let position = position_of(&app, &id, 2).await;
    by_hand(
        &app,
        &format!(
            "update events set payload = replace(payload::text, 'Agrolait SA', 'Agrolait Ltd')::json where position = {position}"
        ),
    )
    .await;
    let found = findings(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].position, position);
    assert_eq!(found[0].problem, Problem::Changed);
    assert!(found[0]
        .to_string()
        .contains("changed after it was written"));
}

#[tokio::test]
async fn a_removed_event_is_found_where_its_stream_jumps() {
    let (app, id) = prepared().await;
    let removed = position_of(&app, &id, 2).await;
    let next = position_of(&app, &id, 3).await;
    by_hand(
        &app,
        &format!("delete from events where position = {removed}"),
    )
    .await;
    let found = findings(&app).await;
    assert_eq!(found[0].position, next, "{found:?}");
    assert_eq!(
        found[0].problem,
        Problem::Missing {
            expected: 2,
            found: 3
        }
    );
    assert!(
        found
            .iter()
            .any(|f| matches!(f.problem, Problem::SealBroken { .. })),
        "the seal over the global order is broken too: {found:?}"
    );
}

#[tokio::test]
async fn the_removed_last_event_of_a_stream_breaks_the_seal() {
    let (app, _) = prepared().await;
    // the last partner's only event: no later event chains to it.
    let (position, id): (i64, String) = sqlx::query_as(
        "select position, aggregate_id from events e
          where aggregate_type = 'Partner'
            and (select count(*) from events f where f.aggregate_id = e.aggregate_id) = 1
          order by position desc limit 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let only: i64 = sqlx::query_scalar("select count(*) from events where aggregate_id = $1")
        .bind(&id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(only, 1);
    by_hand(
        &app,
        &format!("delete from events where position = {position}"),
    )
    .await;
    let found = findings(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        matches!(&found[0].problem, Problem::SealBroken { after, missing } if *after <= position && missing == &vec![position]),
        "{found:?}"
    );
    assert!(found[0].position >= position);
    assert!(
        found[0]
            .to_string()
            .contains(&format!("no event holds position {position}")),
        "{}",
        found[0]
    );
}

#[tokio::test]
async fn an_event_inserted_by_hand_is_found() {
    let (app, id) = prepared().await;
    by_hand(
        &app,
        &format!(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             values ('Partner', '{id}', 4, 'PartnerArchived', '1.0', '{{\"PartnerArchived\":{{}}}}', '{{}}')"
        ),
    )
    .await;
    let inserted = position_of(&app, &id, 4).await;
    let found = findings(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].position, inserted);
    assert_eq!(found[0].problem, Problem::Unhashed);
}

/// Rewrites the payload of the event at `position` and recomputes its hash, as someone who
/// knows the (unkeyed) chain can: the chain still holds.
async fn forge(app: &TestApp, position: i64, from: &str, to: &str) {
    #[allow(clippy::type_complexity)]
    let (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, recorded_at): (
        String,
        String,
        i64,
        String,
        String,
        String,
        String,
        chrono::DateTime<chrono::Utc>,
    ) = sqlx::query_as(
        "select aggregate_type, aggregate_id, sequence, event_type, event_version, payload::text, metadata::text, recorded_at
           from events where position = $1",
    )
    .bind(position)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let previous: Vec<u8> = sqlx::query_scalar(
        "select hash from events where aggregate_type = $1 and aggregate_id = $2 and sequence = $3",
    )
    .bind(&aggregate_type)
    .bind(&aggregate_id)
    .bind(sequence - 1)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let payload = payload.replace(from, to);
    let hash = store::chain::link(
        &previous,
        store::chain::Link {
            aggregate_type: &aggregate_type,
            aggregate_id: &aggregate_id,
            sequence,
            event_type: &event_type,
            event_version: &event_version,
            payload: &payload,
            metadata: &metadata,
            recorded_at: Some(recorded_at.timestamp_micros()),
        },
    );
    let literal = payload.replace('\'', "''");
    by_hand(
        app,
        &format!(
            "update events set payload = '{literal}'::json, hash = '\\x{}' where position = {position}",
            store::chain::hex(&hash)
        ),
    )
    .await;
}

#[tokio::test]
async fn a_digest_kept_outside_proves_the_log_up_to_it_unchanged() {
    use replay::digest::{check, digest};
    let (app, id) = prepared().await;
    let kept = digest(&app.db.pool).await.unwrap().unwrap();
    let last: i64 = sqlx::query_scalar("select max(position) from events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kept.position, last);
    assert_eq!(check(&app.db.pool, &kept).await.unwrap(), Ok(()));
    // what comes after the digest is not its business: the log still extends it.
    app.graphql(
        "mutation { createPartner(input: { name: \"Later\" }) { partner { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(check(&app.db.pool, &kept).await.unwrap(), Ok(()));
    assert_ne!(digest(&app.db.pool).await.unwrap().unwrap(), kept);

    // the last rename rewritten with its hash recomputed: the chain holds, the digest does not.
    let renamed = position_of(&app, &id, 3).await;
    forge(&app, renamed, "Agrolait NV", "Agrolait BV").await;
    assert!(
        !findings(&app)
            .await
            .iter()
            .any(|f| f.problem == Problem::Changed),
        "the forged event should pass its chain"
    );
    let problem = check(&app.db.pool, &kept).await.unwrap().unwrap_err();
    assert!(
        problem.contains(&format!("up to position {}", kept.position)),
        "{problem}"
    );
}

#[tokio::test]
async fn a_digest_finds_a_changed_time_and_removed_last_events() {
    use replay::digest::{check, digest};
    let (app, _) = prepared().await;
    let kept = digest(&app.db.pool).await.unwrap().unwrap();
    by_hand(
        &app,
        "update events set recorded_at = recorded_at - interval '1 day' where position = (select min(position) from events)",
    )
    .await;
    assert!(check(&app.db.pool, &kept).await.unwrap().is_err());

    let (app, _) = prepared().await;
    let kept = digest(&app.db.pool).await.unwrap().unwrap();
    by_hand(
        &app,
        &format!("delete from events where position = {}", kept.position),
    )
    .await;
    let problem = check(&app.db.pool, &kept).await.unwrap().unwrap_err();
    assert!(problem.contains("no longer holds position"), "{problem}");
}

#[tokio::test]
async fn a_time_moved_back_by_hand_is_found_at_its_position() {
    let (app, id) = prepared().await;
    let renamed = position_of(&app, &id, 2).await;
    by_hand(
        &app,
        &format!(
            "update events set recorded_at = recorded_at - interval '1 day' where position = {renamed}"
        ),
    )
    .await;
    let found = findings(&app).await;
    // the hash covers the time; and the time runs backwards in the log there.
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|f| f.position == renamed), "{found:?}");
    assert!(found.iter().any(|f| f.problem == Problem::Changed));
    let backwards = found
        .iter()
        .find(|f| matches!(f.problem, Problem::TimeBackwards { .. }))
        .expect("a time running backwards");
    assert!(backwards.to_string().contains("its time was changed"));
}

#[tokio::test]
async fn a_time_moved_a_second_forward_is_found_by_the_hash() {
    let (app, id) = prepared().await;
    let renamed = position_of(&app, &id, 2).await;
    by_hand(
        &app,
        &format!(
            "update events set recorded_at = recorded_at + interval '1 second' where position = {renamed}"
        ),
    )
    .await;
    let found = findings(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].position, &found[0].problem),
        (renamed, &Problem::Changed)
    );
}

#[tokio::test]
async fn an_event_rehashed_the_old_way_to_hide_a_changed_time_is_named() {
    let (app, id) = prepared().await;
    // the last event of its stream, its time moved and its hash recomputed the way hashes were
    // made before they covered times (which the chain before it still accepts).
    let last = position_of(&app, &id, 3).await;
    #[allow(clippy::type_complexity)]
    let (event_type, event_version, payload, metadata): (String, String, String, String) =
        sqlx::query_as(
            "select event_type, event_version, payload::text, metadata::text from events where position = $1",
        )
        .bind(last)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let previous: Vec<u8> = sqlx::query_scalar(
        "select hash from events where aggregate_type = 'Partner' and aggregate_id = $1 and sequence = 2",
    )
    .bind(&id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let old_kind = store::chain::link(
        &previous,
        store::chain::Link {
            aggregate_type: "Partner",
            aggregate_id: &id,
            sequence: 3,
            event_type: &event_type,
            event_version: &event_version,
            payload: &payload,
            metadata: &metadata,
            recorded_at: None,
        },
    );
    by_hand(
        &app,
        &format!(
            "update events set recorded_at = recorded_at + interval '1 hour', hash = '\\x{}' where position = {last}",
            store::chain::hex(&old_kind)
        ),
    )
    .await;
    let found = findings(&app).await;
    assert!(
        found.iter().any(|f| f.position == last
            && matches!(f.problem, Problem::OldHash { since } if since < last)),
        "{found:?}"
    );
}
