//! Appending events: the one place that writes `INSERT INTO events` (and its sibling for copies
//! of a log, which keep positions, times and hashes).
//!
//! postgres-es (whose `events` table this is) appends with BEGIN, one INSERT per event and
//! COMMIT, and a fourth round trip to learn where the events landed. Here every event of every
//! stream an operation touches goes in one `INSERT ... SELECT FROM unnest(...) RETURNING`: a
//! single statement is a transaction of its own (all or none of the events are written) and the
//! log positions come back with it. Optimistic concurrency is the primary key's: a second writer
//! of the same `(aggregate_type, aggregate_id, sequence)` gets a unique violation, reported as
//! [`StoreError::Conflict`]. Each event's hash chains to the one before it in its stream, over
//! exactly the text stored and the time it is recorded at (chosen here, not by the database).

use sqlx::postgres::PgArguments;
use sqlx::{Arguments, PgConnection};

use crate::chain;
use crate::{Checkpoint, StoreError, StoredEvent};

/// An event to append, serialized: its type, version and payload (JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub event_type: String,
    pub event_version: String,
    pub payload: String,
}

/// The new events of one stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamAppend<'a> {
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    /// How many events the stream had when it was read: the first new one is `base + 1`.
    pub base: usize,
    /// The hash of the stream's last event as read, when the reader knows it (none: looked up).
    pub last_hash: Option<&'a [u8]>,
    pub events: &'a [NewEvent],
}

/// Where an append landed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// The latest of the appended events, in the log's reading order (none: nothing appended).
    pub at: Option<Checkpoint>,
    /// Each stream's new last hash, in the order the streams were given.
    pub last_hashes: Vec<Vec<u8>>,
    /// What the rider's `returning` gave.
    pub rode: Option<String>,
}

/// Writes that ride in the append's own statement: data-modifying common table expressions
/// (`name as (...)`, separated by commas) that may read what was appended,
/// `appended(aggregate_type, aggregate_id, sequence, position, recorded_at)`. What a record's
/// own read model needs to show it as soon as its events are in the log, at no extra round trip:
/// both land, or neither.
pub struct Rider {
    /// The expressions, whose parameters are `$1` to `$n`, n the number of `arguments`.
    pub ctes: String,
    /// The values of their parameters, in order.
    pub arguments: PgArguments,
    /// An expression over the expressions' output giving one text (JSON, say) the statement
    /// answers with ([`Appended::rode`]): the row written, for a payload that needs no read.
    pub returning: Option<String>,
}

/// Appends every stream's events in one statement, all with `metadata` (JSON text). On a
/// conflict nothing is written.
pub async fn append(
    conn: &mut PgConnection,
    streams: &[StreamAppend<'_>],
    metadata: &str,
) -> Result<Appended, StoreError> {
    append_riding(conn, streams, metadata, None).await
}

/// [`append`], with `rider`'s writes in the same statement.
pub async fn append_riding(
    conn: &mut PgConnection,
    streams: &[StreamAppend<'_>],
    metadata: &str,
    rider: Option<Rider>,
) -> Result<Appended, StoreError> {
    let streams: Vec<&StreamAppend> = streams.iter().filter(|s| !s.events.is_empty()).collect();
    if streams.is_empty() {
        return Ok(Appended::default());
    }
    let previous = previous_hashes(conn, &streams).await?;
    // the time the events are recorded at is chosen here, so that their hashes cover it.
    let now = chrono::Utc::now().timestamp_micros();
    let recorded_at = chrono::DateTime::from_timestamp_micros(now)
        .ok_or_else(|| StoreError::WrongType(format!("the clock reads {now} µs")))?;
    let mut last_hashes = Vec::with_capacity(streams.len());
    let (mut types, mut ids, mut sequences, mut event_types) = (vec![], vec![], vec![], vec![]);
    let (mut versions, mut payloads, mut hashes) = (vec![], vec![], vec![]);
    for (stream, previous) in streams.iter().zip(previous) {
        let mut previous = previous;
        for (n, event) in stream.events.iter().enumerate() {
            let sequence = sequence_of(stream.base + n + 1)?;
            previous = chain::link(
                &previous,
                chain::Link {
                    aggregate_type: stream.aggregate_type,
                    aggregate_id: stream.aggregate_id,
                    sequence,
                    event_type: &event.event_type,
                    event_version: &event.event_version,
                    payload: &event.payload,
                    metadata,
                    recorded_at: Some(now),
                },
            )
            .to_vec();
            types.push(stream.aggregate_type);
            ids.push(stream.aggregate_id);
            sequences.push(sequence);
            event_types.push(event.event_type.as_str());
            versions.push(event.event_version.as_str());
            payloads.push(event.payload.as_str());
            hashes.push(previous.clone());
        }
        last_hashes.push(previous);
    }
    // the rider's parameters come first: its text stays as written, the append's follow.
    let (ctes, mut arguments, returning) = match rider {
        Some(rider) => (
            format!(", {}", rider.ctes),
            rider.arguments,
            rider.returning.unwrap_or_else(|| "null".to_owned()),
        ),
        None => (String::new(), PgArguments::default(), "null".to_owned()),
    };
    let n = arguments.len();
    let bound = (|| {
        arguments.add(&types)?;
        arguments.add(&ids)?;
        arguments.add(&sequences)?;
        arguments.add(&event_types)?;
        arguments.add(&versions)?;
        arguments.add(&payloads)?;
        arguments.add(&hashes)?;
        arguments.add(metadata)?;
        arguments.add(recorded_at)
    })();
    bound.map_err(|e| StoreError::WrongType(format!("cannot bind the append: {e}")))?;
    let p = |k: usize| n + k;
    // `with ordinality ... order by` keeps the events' positions in the order given.
    let sql = format!(
        "with appended as (
           insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, hash, recorded_at)
           select at, id, seq, ty, ver, p::json, ${m}::json, h, ${r}
             from unnest(${a}::text[], ${b}::text[], ${c}::bigint[], ${d}::text[], ${e}::text[], ${f}::text[], ${g}::bytea[])
                  with ordinality as e(at, id, seq, ty, ver, p, h, n)
            order by n
           returning transaction_id::text::bigint as transaction_id, position, aggregate_type,
                     aggregate_id, sequence, recorded_at){ctes}
         select transaction_id, position, ({returning})::text as rode from appended",
        a = p(1),
        b = p(2),
        c = p(3),
        d = p(4),
        e = p(5),
        f = p(6),
        g = p(7),
        m = p(8),
        r = p(9),
    );
    let landed: Vec<(i64, i64, Option<String>)> = sqlx::query_as_with(&sql, arguments)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from_append)?;
    let rode = landed.first().and_then(|(.., rode)| rode.clone());
    let landed = landed
        .into_iter()
        .map(|(transaction_id, position, _)| Checkpoint {
            transaction_id,
            position,
        });
    Ok(Appended {
        at: landed.max(),
        last_hashes,
        rode,
    })
}

fn sequence_of(n: usize) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::WrongType(format!("sequence {n} out of range")))
}

/// The hash each stream's first new event chains to: the genesis for a new stream, the hash the
/// reader knew, or else (in one query for all) the hash of the stream's last event as stored.
async fn previous_hashes(
    conn: &mut PgConnection,
    streams: &[&StreamAppend<'_>],
) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut hashes: Vec<Vec<u8>> = streams
        .iter()
        .map(|s| match (s.base, s.last_hash) {
            (0, _) => chain::GENESIS.to_vec(),
            (_, Some(hash)) => hash.to_vec(),
            (_, None) => Vec::new(),
        })
        .collect();
    let wanted: Vec<usize> = (0..streams.len())
        .filter(|n| hashes[*n].is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(hashes);
    }
    let types: Vec<&str> = wanted.iter().map(|n| streams[*n].aggregate_type).collect();
    let ids: Vec<&str> = wanted.iter().map(|n| streams[*n].aggregate_id).collect();
    let sequences = wanted
        .iter()
        .map(|n| sequence_of(streams[*n].base))
        .collect::<Result<Vec<i64>, _>>()?;
    let rows: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as(
        "select w.n, e.hash
           from unnest($1::text[], $2::text[], $3::bigint[]) with ordinality as w(t, id, seq, n)
           join events e on e.aggregate_type = w.t and e.aggregate_id = w.id and e.sequence = w.seq",
    )
    .bind(&types)
    .bind(&ids)
    .bind(&sequences)
    .fetch_all(&mut *conn)
    .await?;
    for (n, hash) in rows {
        if let (Some(slot), Some(hash)) = (
            usize::try_from(n - 1).ok().and_then(|n| wanted.get(n)),
            hash,
        ) {
            hashes[*slot] = hash;
        }
    }
    // an event written by hand has no hash: the chain starts again from the genesis.
    for hash in &mut hashes {
        if hash.is_empty() {
            *hash = chain::GENESIS.to_vec();
        }
    }
    Ok(hashes)
}

/// Writes `rows`, copied from another log, as they are (positions, times and hashes kept), in
/// one statement: what a fork or a restored backup holds. Not for new events: those go through
/// [`append`].
pub async fn copy(conn: &mut PgConnection, rows: &[StoredEvent]) -> Result<(), sqlx::Error> {
    let texts = |f: fn(&StoredEvent) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata, position, recorded_at, hash)
         overriding system value
         select a, i, s, t, v, p::json, m::json, pos, at, h
           from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::bigint[], $9::timestamptz[], $10::bytea[])
             as u(a, i, s, t, v, p, m, pos, at, h)
          order by pos",
    )
    .bind(texts(|r| &r.aggregate_type))
    .bind(texts(|r| &r.aggregate_id))
    .bind(rows.iter().map(|r| r.sequence).collect::<Vec<_>>())
    .bind(texts(|r| &r.event_type))
    .bind(texts(|r| &r.event_version))
    .bind(texts(|r| &r.payload))
    .bind(texts(|r| &r.metadata))
    .bind(rows.iter().map(|r| r.position).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.recorded_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.hash.clone()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}
