//! `erp replay verify`: is the log what the application wrote? Every event's hash against its
//! stream's chain, the seals over the global order, and every event read back into its type and
//! folded into its aggregate.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::configuration::Configuration;
use domain::partner::Partner;
use domain::user::User;
use projections::chain::{link, seal, Link, GENESIS};
use projections::seal::{head, seals};
use sqlx::PgPool;

use store::log::EVENT_COLUMNS;
use store::StoredEvent;

use crate::batches::{count, Batches};
use crate::configuration::ReplayError;

/// Events read per statement.
const BATCH: i64 = 10_000;

/// How far an event's time may lie before the latest time ahead of it in the log. The log's
/// order is the order transactions first wrote; an event's time is its transaction's start, so
/// a transaction that waited before writing is a little behind the ones that wrote meanwhile.
pub const TIME_TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

/// What is wrong at a place of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The event has no hash: it was not written by the application.
    Unhashed,
    /// The event does not match its hash: it was changed after it was written.
    Changed,
    /// Events of the stream before this one are missing (sequence numbers skipped).
    Missing { expected: i64, found: i64 },
    /// The events up to this seal do not hash to it: one was removed or added since. `missing`:
    /// the positions in the range no event holds (the first 20), where a removed event was.
    SealBroken { after: i64, missing: Vec<i64> },
    /// The payload does not read as its event type.
    Unreadable(String),
    /// The event was recorded well before an event ahead of it in the log (by more than
    /// [`TIME_TOLERANCE`]): its time was changed, or the server's clock went back.
    TimeBackwards { earlier_than: DateTime<Utc> },
    /// The stream's snapshot at this event is not what its events fold to (commands pass over
    /// a snapshot whose seal does not match; one resealed by hand shows here).
    SnapshotDiffers { sequence: i64 },
    /// The event holds a hash of the old kind, which does not cover its time, though an event
    /// before it in the log (`since`) holds one of the new kind: the application writes only
    /// the new kind since then, so it was rewritten.
    OldHash { since: i64 },
}

/// One finding, at the position where it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub position: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub problem: Problem,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stream = format!("{} {}", self.aggregate_type, self.aggregate_id);
        match &self.problem {
            Problem::Unhashed => write!(
                f,
                "position {}: event of {stream} has no hash: written outside the application",
                self.position
            ),
            Problem::Changed => write!(
                f,
                "position {}: event of {stream} does not match its hash: changed after it was written",
                self.position
            ),
            Problem::Missing { expected, found } => write!(
                f,
                "position {}: {stream} jumps from sequence {} to {found}: events were removed before it",
                self.position,
                expected - 1
            ),
            Problem::SealBroken { after, missing } => {
                write!(
                    f,
                    "positions {after}..={}: the log does not hash to its seal: an event was removed or added",
                    self.position
                )?;
                if !missing.is_empty() {
                    let listed: Vec<String> = missing.iter().map(i64::to_string).collect();
                    write!(
                        f,
                        "; no event holds position {} (removed there, or its transaction rolled back)",
                        listed.join(", ")
                    )?;
                }
                Ok(())
            }
            Problem::Unreadable(reason) => write!(
                f,
                "position {}: event of {stream} cannot be read: {reason}",
                self.position
            ),
            Problem::TimeBackwards { earlier_than } => write!(
                f,
                "position {}: event of {stream} was recorded before an event ahead of it in the log ({earlier_than}), by more than {} s: its time was changed, or the clock went back",
                self.position,
                TIME_TOLERANCE.num_seconds()
            ),
            Problem::SnapshotDiffers { sequence } => write!(
                f,
                "position {}: the snapshot of {stream} at sequence {sequence} is not what its events make it: changed by hand, or taken by an older version of the aggregate",
                self.position
            ),
            Problem::OldHash { since } => write!(
                f,
                "position {}: event of {stream} holds a hash that does not cover its time, though the log holds hashes that do since position {since}: rewritten (its time may have been changed)",
                self.position
            ),
        }
    }
}

/// An aggregate being folded, to prove its events still read.
enum Folding {
    Partner(Partner),
    Configuration(Box<Configuration>),
    User(User),
    Product(Box<domain::product::Product>),
    Claim(domain::claim::Claim),
    Order(Box<domain::order::Order>),
    Stock(domain::stock::Stock),
    Invoice(Box<domain::invoice::Invoice>),
    Period(domain::ledger::Period),
    Numbering(domain::ledger::Numbering),
}

impl Folding {
    fn start(aggregate_type: &str) -> Option<Self> {
        match aggregate_type {
            Partner::TYPE => Some(Self::Partner(Partner::default())),
            Configuration::TYPE => Some(Self::Configuration(Box::default())),
            User::TYPE => Some(Self::User(User::default())),
            domain::product::Product::TYPE => Some(Self::Product(Box::default())),
            domain::claim::Claim::TYPE => Some(Self::Claim(Default::default())),
            domain::order::Order::TYPE => Some(Self::Order(Box::default())),
            domain::stock::Stock::TYPE => Some(Self::Stock(Default::default())),
            domain::invoice::Invoice::TYPE => Some(Self::Invoice(Box::default())),
            domain::ledger::Period::TYPE => Some(Self::Period(Default::default())),
            domain::ledger::Numbering::TYPE => Some(Self::Numbering(Default::default())),
            _ => None,
        }
    }

    /// The aggregate as a snapshot stores it.
    fn state(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Self::Partner(a) => serde_json::to_value(a),
            Self::Configuration(a) => serde_json::to_value(a),
            Self::User(a) => serde_json::to_value(a),
            Self::Product(a) => serde_json::to_value(a),
            Self::Claim(a) => serde_json::to_value(a),
            Self::Order(a) => serde_json::to_value(a),
            Self::Stock(a) => serde_json::to_value(a),
            Self::Invoice(a) => serde_json::to_value(a),
            Self::Period(a) => serde_json::to_value(a),
            Self::Numbering(a) => serde_json::to_value(a),
        }
    }

    fn apply(&mut self, row: &StoredEvent) -> Result<(), String> {
        fn read<T: serde::de::DeserializeOwned>(row: &StoredEvent) -> Result<T, String> {
            row.payload_as().map_err(|e| e.to_string())
        }
        match self {
            Self::Partner(a) => a.apply(read(row)?),
            Self::Configuration(a) => a.apply(read(row)?),
            Self::User(a) => a.apply(read(row)?),
            Self::Product(a) => a.apply(read(row)?),
            Self::Claim(a) => a.apply(read(row)?),
            Self::Order(a) => a.apply(read(row)?),
            Self::Stock(a) => a.apply(read(row)?),
            Self::Invoice(a) => a.apply(read(row)?),
            Self::Period(a) => a.apply(read(row)?),
            Self::Numbering(a) => a.apply(read(row)?),
        }
        Ok(())
    }
}

/// How far a verification has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyProgress {
    pub pass: &'static str,
    pub checked: u64,
    pub total: u64,
}

/// Checks the whole log; returns every finding, in log position order (none: the log is
/// intact).
pub async fn verify_log(
    pool: &PgPool,
    progress: impl Fn(VerifyProgress),
) -> Result<Vec<Finding>, ReplayError> {
    let total = count(pool, None).await?;
    let mut findings = streams(pool, total, &progress).await?;
    findings.extend(global_order(pool, total, &progress).await?);
    findings.sort_by_key(|f| f.position);
    Ok(findings)
}

/// The snapshots of the streams `rows` belong to: (aggregate type, id) → (sequence, state).
async fn snapshots_of(
    pool: &PgPool,
    rows: &[StoredEvent],
) -> Result<HashMap<(String, String), (i64, serde_json::Value)>, sqlx::Error> {
    let mut streams: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.aggregate_type.as_str(), r.aggregate_id.as_str()))
        .collect();
    streams.dedup();
    let (types, ids): (Vec<&str>, Vec<&str>) = streams.into_iter().unzip();
    let found = sqlx::query_as::<_, (String, String, i64, sqlx::types::Json<serde_json::Value>)>(
        "select s.aggregate_type, s.aggregate_id, s.sequence, s.state
           from aggregate_snapshot s
           join unnest($1::text[], $2::text[]) k(t, i)
             on s.aggregate_type = k.t and s.aggregate_id = k.i",
    )
    .bind(types)
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(found
        .into_iter()
        .map(|(t, i, sequence, state)| ((t, i), (sequence, state.0)))
        .collect())
}

/// Pass 1: stream by stream, each event against its chain, and folded into its aggregate.
async fn streams(
    pool: &PgPool,
    total: u64,
    progress: &impl Fn(VerifyProgress),
) -> Result<Vec<Finding>, ReplayError> {
    let mut findings = Vec::new();
    // where hashes that cover times begin, and the events after it that hold the old kind.
    let mut first_timed: Option<i64> = None;
    let mut old_hashes: Vec<i64> = Vec::new();
    let mut after = (String::new(), String::new(), i64::MIN);
    let mut previous: Option<(String, String, i64, Vec<u8>)> = None;
    let mut folding: Option<Folding> = None;
    let mut checked = 0u64;
    loop {
        let rows: Vec<StoredEvent> = sqlx::query_as(&format!(
            "select {EVENT_COLUMNS} from events
              where (aggregate_type, aggregate_id, sequence) > ($1, $2, $3)
              order by aggregate_type, aggregate_id, sequence limit {BATCH}"
        ))
        .bind(&after.0)
        .bind(&after.1)
        .bind(after.2)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        let snapshots = snapshots_of(pool, &rows).await?;
        after = (
            last.aggregate_type.clone(),
            last.aggregate_id.clone(),
            last.sequence,
        );
        for row in rows {
            let finding = |problem| Finding {
                position: row.position,
                aggregate_type: row.aggregate_type.clone(),
                aggregate_id: row.aggregate_id.clone(),
                problem,
            };
            let same_stream = previous
                .as_ref()
                .is_some_and(|(t, i, ..)| *t == row.aggregate_type && *i == row.aggregate_id);
            let (expected, chained_to) = match &previous {
                Some((.., sequence, hash)) if same_stream => (sequence + 1, hash.clone()),
                _ => {
                    folding = Folding::start(&row.aggregate_type);
                    if folding.is_none() {
                        findings.push(finding(Problem::Unreadable(format!(
                            "no aggregate is called {}",
                            row.aggregate_type
                        ))));
                    }
                    (1, GENESIS.to_vec())
                }
            };
            let fields = |recorded_at| Link {
                aggregate_type: &row.aggregate_type,
                aggregate_id: &row.aggregate_id,
                sequence: row.sequence,
                event_type: &row.event_type,
                event_version: &row.event_version,
                payload: &row.payload,
                metadata: &row.metadata,
                recorded_at,
            };
            // the hash covers the time (v2); events written before times were covered hold
            // the v1 hash, which a changed time does not turn into.
            let computed = link(
                &chained_to,
                fields(Some(row.recorded_at.timestamp_micros())),
            );
            let timed = row.hash.as_deref() == Some(computed.as_slice());
            let untimed =
                |hash: &[u8]| hash == link(&chained_to, fields(None)).as_slice() && !timed;
            if row.sequence != expected {
                // the hash chains to an event that is gone: the gap is the finding.
                findings.push(finding(Problem::Missing {
                    expected,
                    found: row.sequence,
                }));
            } else {
                match &row.hash {
                    None => findings.push(finding(Problem::Unhashed)),
                    Some(_) if timed => {
                        first_timed =
                            Some(first_timed.map_or(row.position, |p| p.min(row.position)));
                    }
                    Some(hash) if untimed(hash) => {
                        if first_timed.is_none_or(|first| row.position > first) {
                            old_hashes.push(row.position);
                        }
                    }
                    Some(_) => findings.push(finding(Problem::Changed)),
                }
            }
            if let Some(aggregate) = folding.as_mut() {
                if let Err(reason) = aggregate.apply(&row) {
                    findings.push(finding(Problem::Unreadable(reason)));
                }
                let key = (row.aggregate_type.clone(), row.aggregate_id.clone());
                if let Some((sequence, stored)) = snapshots.get(&key) {
                    if *sequence == row.sequence && aggregate.state().ok().as_ref() != Some(stored)
                    {
                        findings.push(finding(Problem::SnapshotDiffers {
                            sequence: *sequence,
                        }));
                    }
                }
            }
            let hash = row.hash.clone().unwrap_or_else(|| computed.to_vec());
            previous = Some((row.aggregate_type, row.aggregate_id, row.sequence, hash));
            checked += 1;
        }
        progress(VerifyProgress {
            pass: "streams",
            checked,
            total,
        });
    }
    if let Some(since) = first_timed {
        old_hashes.retain(|position| *position > since);
        let rewritten: Vec<(i64, String, String)> = sqlx::query_as(
            "select position, aggregate_type, aggregate_id from events where position = any($1)",
        )
        .bind(&old_hashes)
        .fetch_all(pool)
        .await?;
        findings.extend(
            rewritten
                .into_iter()
                .map(|(position, aggregate_type, aggregate_id)| Finding {
                    position,
                    aggregate_type,
                    aggregate_id,
                    problem: Problem::OldHash { since },
                }),
        );
    }
    // a snapshot at a sequence its stream never reached: shown at the stream's last event.
    let beyond: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "select s.aggregate_type, s.aggregate_id, s.sequence,
                (select max(e.position) from events e
                  where e.aggregate_type = s.aggregate_type and e.aggregate_id = s.aggregate_id)
           from aggregate_snapshot s
          where not exists (select 1 from events e
                             where e.aggregate_type = s.aggregate_type
                               and e.aggregate_id = s.aggregate_id and e.sequence = s.sequence)",
    )
    .fetch_all(pool)
    .await?;
    for (aggregate_type, aggregate_id, sequence, last) in beyond {
        findings.push(Finding {
            position: last.unwrap_or(0),
            aggregate_type,
            aggregate_id,
            problem: Problem::SnapshotDiffers { sequence },
        });
    }
    Ok(findings)
}

/// Pass 2: the global order against its seals.
async fn global_order(
    pool: &PgPool,
    total: u64,
    progress: &impl Fn(VerifyProgress),
) -> Result<Vec<Finding>, ReplayError> {
    let mut marks = seals(pool).await?;
    marks.extend(head(pool).await?);
    let mut marks = marks.into_iter().peekable();
    let mut findings = Vec::new();
    let mut running = GENESIS.to_vec();
    let mut latest: Option<DateTime<Utc>> = None;
    let mut sealed_up_to = 0i64;
    let mut batches = Batches::new(BATCH, None);
    let mut checked = 0u64;
    // (the positions missing in a broken range are looked up once the pass is over)
    let broken = |at: &projections::seal::Seal, sealed_up_to: i64| Finding {
        position: at.position,
        aggregate_type: "log".into(),
        aggregate_id: "seal".into(),
        problem: Problem::SealBroken {
            after: sealed_up_to + 1,
            missing: Vec::new(),
        },
    };
    loop {
        let rows = batches.next(pool).await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            // a seal whose event is gone: passed without meeting it.
            while let Some(mark) = marks
                .next_if(|m| (m.transaction_id, m.position) < (row.transaction_id, row.position))
            {
                findings.push(broken(&mark, sealed_up_to));
                sealed_up_to = mark.position;
            }
            running = seal(&running, row.position, row.hash.as_deref()).to_vec();
            match latest {
                Some(latest) if row.recorded_at + TIME_TOLERANCE < latest => {
                    findings.push(Finding {
                        position: row.position,
                        aggregate_type: row.aggregate_type.clone(),
                        aggregate_id: row.aggregate_id.clone(),
                        problem: Problem::TimeBackwards {
                            earlier_than: latest,
                        },
                    })
                }
                _ => latest = latest.max(Some(row.recorded_at)),
            }
            if let Some(mark) = marks
                .next_if(|m| (m.transaction_id, m.position) == (row.transaction_id, row.position))
            {
                if mark.hash != running {
                    findings.push(broken(&mark, sealed_up_to));
                    // go on from the seal, so one break is reported once.
                    running = mark.hash.clone();
                }
                sealed_up_to = mark.position;
            }
            checked += 1;
        }
        progress(VerifyProgress {
            pass: "seals",
            checked,
            total,
        });
    }
    for mark in marks {
        findings.push(broken(&mark, sealed_up_to));
        sealed_up_to = mark.position;
    }
    for finding in &mut findings {
        if let Problem::SealBroken { after, missing } = &mut finding.problem {
            *missing = sqlx::query_scalar(
                "select g from generate_series($1::bigint, $2::bigint) g
                  where not exists (select 1 from events where position = g)
                  order by g limit 20",
            )
            .bind(*after)
            .bind(finding.position)
            .fetch_all(pool)
            .await?;
        }
    }
    Ok(findings)
}
