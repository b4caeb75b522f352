//! Reading the event log in global order without ever skipping an event.
//!
//! Positions are handed out at insert, not at commit: a transaction that inserted position 8 can
//! commit after another one that inserted position 9. A reader that remembered "I am at 9" would
//! never see 8. So the log is read in `(transaction_id, position)` order, and only events whose
//! writing transaction is below a safe horizon (see [`horizon`]): every such transaction has
//! ended, so no event can appear later in front of what was read. Events of transactions still
//! running are picked up on a later read; nothing waits on a timeout.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

/// A point in the log, in the reader's order: `(transaction_id, position)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::FromRow)]
pub struct Checkpoint {
    pub transaction_id: i64,
    pub position: i64,
}

/// One event as it is stored. Its JSON form is a line of an export (`replay::export`): every
/// field but the writing transaction (which belongs to the database it was written in), the
/// hash in hex; changing a field changes that file format.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredEvent {
    pub position: i64,
    /// Not exported: an imported event reads as 0 until it is written.
    #[serde(skip)]
    pub transaction_id: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    /// The payload's JSON text as stored: parsed only by who needs it, straight into its type.
    pub payload: String,
    /// The metadata's JSON text as stored.
    pub metadata: String,
    pub recorded_at: DateTime<Utc>,
    /// The event's link in its stream's hash chain; none for an event written by hand.
    #[serde(default, with = "crate::chain::hex_option")]
    pub hash: Option<Vec<u8>>,
}

impl StoredEvent {
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            transaction_id: self.transaction_id,
            position: self.position,
        }
    }

    /// The payload as the event type it is, in today's shape (through the upcasters when it
    /// was stored in an older one).
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        domain::upcast::decode(&self.event_type, &self.event_version, &self.payload)
    }

    /// The payload as a JSON value (null if it does not parse, which the database prevents).
    pub fn payload_value(&self) -> Value {
        serde_json::from_str(&self.payload).unwrap_or(Value::Null)
    }

    /// The metadata as a JSON value (null if it does not parse, which the database prevents).
    pub fn metadata_value(&self) -> Value {
        serde_json::from_str(&self.metadata).unwrap_or(Value::Null)
    }
}

/// Where in the log to look at a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// After the events at or before this position.
    Position(i64),
    /// After the events recorded at or before this time.
    Time(DateTime<Utc>),
}

/// The columns of [`StoredEvent`], for every query that reads events.
pub const EVENT_COLUMNS: &str = "position, transaction_id::text::bigint as transaction_id, \
     aggregate_type, aggregate_id, sequence, event_type, event_version, payload::text as payload, \
     metadata::text as metadata, recorded_at, hash";

/// What one read of the log found.
#[derive(Debug, Default)]
pub struct Batch {
    /// Events after the checkpoint, in order, all of them final.
    pub events: Vec<StoredEvent>,
    /// Committed events exist after the checkpoint that are not safe to read yet, because an
    /// older transaction is still running: read again soon.
    pub held_back: bool,
}

/// The safe horizon after a checkpoint: every event with a transaction id below it is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// Events of transactions below this id can be read.
    pub transaction_id: i64,
    /// Committed events exist after the checkpoint that are not safe to read yet, because an
    /// older transaction is still running: read again soon.
    pub held_back: bool,
}

/// Takes the safe horizon, for a reader whose checkpoint is below every earlier horizon.
///
/// The horizon is the lowest transaction still running when the snapshot was taken, leaving out
/// transactions known to run in other databases of the server (they cannot write this database's
/// log, and a long one in a test database must not stall production). Transactions that started
/// after the snapshot are above its xmax, which caps the horizon.
///
/// Must run in its own statement, before the statement that reads the events: that one then sees
/// every transaction below the horizon as ended. Hence two functions, and `conn` in READ
/// COMMITTED (the default), where each statement takes a new snapshot.
pub async fn horizon(conn: &mut PgConnection) -> Result<Horizon, sqlx::Error> {
    let (transaction_id, held_back): (i64, bool) = sqlx::query_as(
        "with h as (
           select coalesce(
             (select min(x) from pg_snapshot_xip(pg_current_snapshot()) x
               where x::xid not in (select backend_xid from pg_stat_activity
                                     where backend_xid is not null
                                       and datname is distinct from current_database())),
             pg_snapshot_xmax(pg_current_snapshot())) as horizon)
         select h.horizon::text::bigint,
                -- the checkpoint is below every horizon (it was read below an earlier one, and
                -- horizons only grow), so any event at or above this one is after it.
                -- (the newest transaction of the log, by index, not a scan of what is after it)
                coalesce((select max(transaction_id) from events) >= h.horizon, false)
           from h",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Horizon {
        transaction_id,
        held_back,
    })
}

/// Reads up to `limit` events after `after` and below `horizon`, in log order.
pub async fn events_below(
    conn: &mut PgConnection,
    after: Checkpoint,
    horizon: &Horizon,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {EVENT_COLUMNS} from events
          where (transaction_id, position) > ($1::bigint::text::xid8, $2)
            and transaction_id < $3::bigint::text::xid8
          order by events.transaction_id, events.position
          limit $4"
    ))
    .bind(after.transaction_id)
    .bind(after.position)
    .bind(horizon.transaction_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
}

/// Reads up to `limit` final events after `after`: [`horizon`], then [`events_below`].
pub async fn read_batch(
    conn: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
) -> Result<Batch, sqlx::Error> {
    let horizon = horizon(&mut *conn).await?;
    let events = events_below(&mut *conn, after, &horizon, limit).await?;
    Ok(Batch {
        events,
        held_back: horizon.held_back,
    })
}

/// Where the log's latest event stands: what "caught up with the log as it is now" waits for.
pub async fn latest(executor: impl PgExecutor<'_>) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as(
        "select transaction_id::text::bigint as transaction_id, position from events
          order by events.transaction_id desc, events.position desc limit 1",
    )
    .fetch_optional(executor)
    .await
}

/// How far a reader at `at` is behind the log: the events after it, and how many seconds ago
/// the oldest of them was recorded (0 when there are none).
pub async fn behind(
    executor: impl PgExecutor<'_>,
    at: Checkpoint,
) -> Result<(i64, f64), sqlx::Error> {
    sqlx::query_as(
        "select count(*),
                coalesce(extract(epoch from clock_timestamp() - min(recorded_at))::float8, 0)
           from events
          where (transaction_id, position) > ($1::text::xid8, $2)",
    )
    .bind(at.transaction_id)
    .bind(at.position)
    .fetch_one(executor)
    .await
}

/// Where the latest event of one aggregate stands in the log: what a client that just wrote to
/// it waits for to read its own write.
pub async fn latest_of_aggregate(
    executor: impl PgExecutor<'_>,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as(
        "select transaction_id::text::bigint as transaction_id, position from events
          where aggregate_type = $1 and aggregate_id = $2
          order by sequence desc limit 1",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_optional(executor)
    .await
}

/// For each of `positions`, where the log can be read as of just after it: the last event of
/// the command that wrote it (commands told apart as [`check_cut`] does), so that a record is
/// shown as that command left it.
pub async fn command_ends(
    executor: impl PgExecutor<'_>,
    positions: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select e.position,
                coalesce((select max(n.position) from events n
                           where n.position between e.position and e.position + 2000
                             and coalesce(n.metadata->>'command_id', n.transaction_id::text)
                               = coalesce(e.metadata->>'command_id', e.transaction_id::text)),
                         e.position)
           from events e where e.position = any($1)",
    )
    .bind(positions)
    .fetch_all(executor)
    .await
}

/// A position that falls inside a transaction: the log there would hold part of what one
/// command wrote (an invoice posted without its journal entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "position {position} falls inside one transaction (positions {first} to {last} were written \
     together): take {last}, or a position before {first}"
)]
pub struct InsideTransaction {
    pub position: i64,
    /// The transaction's first position.
    pub first: i64,
    /// The transaction's last position: the nearest point after `position` the log can be cut.
    pub last: i64,
}

/// Whether the log can be cut at `position`: what each command wrote (one append, one
/// transaction) is wholly at or before it, or wholly after it. A command's events are told by
/// the command id in their metadata, which copies of a log keep (a fork, an import or a restore
/// writes every event in one transaction of its own), or by their transaction where there is no
/// id. The commands checked are the one of the last event at or before the position and the one
/// of the first event after it: a command's positions are together unless another one wrote
/// between them, and then one of those two is the one cut (three commands interleaved at the
/// same moment can hide a cut). Positions more than 2,000 away are not looked at: no command
/// writes that many events.
pub async fn check_cut(
    executor: impl PgExecutor<'_>,
    position: i64,
) -> Result<Result<(), InsideTransaction>, sqlx::Error> {
    // a command's key: its id in the metadata, which copies keep; the transaction for events
    // written without one.
    let inside: Option<(i64, i64)> = sqlx::query_as(
        "with near as (
           select position, coalesce(metadata->>'command_id', transaction_id::text) as command
             from events where position between $1 - 2000 and $1 + 2001)
         select min(n.position), max(n.position)
           from ((select command from near where position <= $1 order by position desc limit 1)
                 union
                 (select command from near where position > $1 order by position limit 1)) t
           join near n on n.command = t.command
          group by t.command
         having min(n.position) <= $1 and max(n.position) > $1
          limit 1",
    )
    .bind(position)
    .fetch_optional(executor)
    .await?;
    Ok(match inside {
        Some((first, last)) => Err(InsideTransaction {
            position,
            first,
            last,
        }),
        None => Ok(()),
    })
}

/// The position of the last event recorded at or before `time`; `None` if there is none.
pub async fn position_at(
    executor: impl PgExecutor<'_>,
    time: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("select max(position) from events where recorded_at <= $1")
        .bind(time)
        .fetch_one(executor)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_as_json_leaves_out_its_transaction_and_writes_its_hash_in_hex() {
        let event = StoredEvent {
            position: 7,
            transaction_id: 99,
            aggregate_type: "Partner".into(),
            aggregate_id: "a".into(),
            sequence: 1,
            event_type: "PartnerCreated".into(),
            event_version: "1.0".into(),
            payload: "{}".into(),
            metadata: "{}".into(),
            recorded_at: DateTime::<Utc>::UNIX_EPOCH,
            hash: Some(vec![0x01, 0xff]),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"position":7,"aggregate_type":"Partner","aggregate_id":"a","sequence":1,"event_type":"PartnerCreated","event_version":"1.0","payload":"{}","metadata":"{}","recorded_at":"1970-01-01T00:00:00Z","hash":"01ff"}"#
        );
        let read: StoredEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(read.transaction_id, 0);
        assert_eq!(read.hash, event.hash);
        let not_hex = json.replace("01ff", "0g");
        assert!(serde_json::from_str::<StoredEvent>(&not_hex).is_err());
        let with_transaction =
            json.replace("{\"position\":7,", "{\"position\":7,\"transaction_id\":1,");
        assert!(serde_json::from_str::<StoredEvent>(&with_transaction).is_err());
    }
}
