//! One business operation across several aggregates, written all at once or not at all.
//!
//! Posting an invoice takes a number (its sequence's stream), marks the invoice posted (its
//! stream) and writes the entry (its month's stream); a delivery touches the order and the
//! stock of each product. A [`Work`] loads each aggregate it needs once, decides each command
//! on the aggregate as the earlier commands of the same operation left it, and appends every
//! event of every stream in one `INSERT` statement, which PostgreSQL runs as one transaction.
//! Each stream's next sequence number is the optimistic lock: if anyone appended to any of the
//! streams since it was read, the statement fails as a whole, nothing is written, and the
//! operation is decided again on fresh state ([`crate::commands::CommandBus::run`]).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cqrs_es::{Aggregate, DomainEvent};
use domain::Decide;
use projections::{chain, Checkpoint};
use sqlx::PgPool;

use crate::event_store::{EventRepository, StreamEvent};
use crate::graphql::UserErrorCode;
use crate::store::{LogStore, SNAPSHOT_EVERY};

/// Why an operation wrote nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A business rule refused it: the user can put it right.
    Refused {
        message: String,
        code: UserErrorCode,
        /// The input field the refusal is about (GraphQL names), if one.
        field: Vec<String>,
    },
    /// Others kept changing the same records at the same moment.
    Conflict,
    /// The database failed, or an event could not be read.
    Internal(String),
}

impl Failure {
    pub fn refused(code: UserErrorCode, message: impl Into<String>) -> Self {
        Failure::Refused {
            message: message.into(),
            code,
            field: vec![],
        }
    }

    /// The same failure, about input field `field`.
    pub fn at(self, field: &[&str]) -> Self {
        match self {
            Failure::Refused { message, code, .. } => Failure::Refused {
                message,
                code,
                field: field.iter().map(|f| (*f).to_owned()).collect(),
            },
            other => other,
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        Failure::Internal(error.to_string())
    }
}

/// How a domain error reads to a user: its message and a stable code.
pub trait Refusal: std::error::Error {
    fn code(&self) -> UserErrorCode {
        UserErrorCode::Invalid
    }
}

impl<E: Refusal> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::refused(error.code(), error.to_string())
    }
}

/// The most streams [`AggregateCache`] keeps; past it, it starts again empty.
const CACHE_MAX: usize = 20_000;

/// Aggregates as this process's last operations left them (the state, how many events it
/// folds, and the last event's hash), so the next operation on the same stream reads only the
/// events appended since, by anyone, instead of the snapshot and its tail. An entry is a
/// starting point, never trusted beyond its sequence: the log always has the last word.
#[derive(Default)]
pub struct AggregateCache {
    entries: Mutex<HashMap<(&'static str, String), Cached>>,
}

type State = dyn Any + Send + Sync;

#[derive(Clone)]
struct Cached {
    sequence: usize,
    hash: Vec<u8>,
    state: Arc<State>,
    /// A copy of the state, and the state with one stored event applied: what reading several
    /// streams' tails at once needs without knowing their types.
    copy: fn(&State) -> Option<Box<State>>,
    apply: fn(&mut State, &StreamEvent) -> Result<(), String>,
}

fn copy_of<A: Clone + Send + Sync + 'static>(state: &State) -> Option<Box<State>> {
    state
        .downcast_ref::<A>()
        .map(|a| Box::new(a.clone()) as Box<State>)
}

fn apply_to<A: Aggregate + 'static>(state: &mut State, row: &StreamEvent) -> Result<(), String> {
    let aggregate = state
        .downcast_mut::<A>()
        .ok_or_else(|| format!("{} cached as another type", A::TYPE))?;
    let event: A::Event = domain::upcast::decode(&row.event_type, &row.event_version, &row.payload)
        .map_err(|e| e.to_string())?;
    aggregate.apply(event);
    Ok(())
}

impl AggregateCache {
    fn get(&self, key: &(&'static str, String)) -> Option<Cached> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: (&'static str, String), cached: Cached) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_MAX && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.insert(key, cached);
        }
    }

    fn forget(&self, key: &(&'static str, String)) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

/// A stream the operation has touched: the aggregate as the operation has left it, and the
/// events to append.
struct Touched {
    aggregate_type: &'static str,
    aggregate_id: String,
    /// The events the stream had when read.
    base: usize,
    /// The hash of the stream's last event when read, if known (none for a new stream).
    last_hash: Option<Vec<u8>>,
    aggregate: Box<dyn Any + Send + Sync>,
    /// A copy of the aggregate for the cache, made after the operation's last decision.
    cacheable: Option<Arc<State>>,
    copy: fn(&State) -> Option<Box<State>>,
    apply: fn(&mut State, &StreamEvent) -> Result<(), String>,
    events: Vec<NewEvent>,
    /// The aggregate as JSON after the operation, when it crosses a snapshot boundary.
    snapshot: Option<serde_json::Value>,
}

struct NewEvent {
    event_type: String,
    event_version: String,
    payload: String,
}

/// A business operation under way.
pub struct Work {
    pool: PgPool,
    cache: Arc<AggregateCache>,
    touched: Vec<Touched>,
    index: HashMap<(&'static str, String), usize>,
}

impl Work {
    pub fn new(pool: PgPool, cache: Arc<AggregateCache>) -> Self {
        Self {
            pool,
            cache,
            touched: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Aggregate `id` from the cache and the events appended since, if the cache has it.
    async fn cached_and_since<A>(&self, id: &str) -> Result<Option<(A, usize, Vec<u8>)>, Failure>
    where
        A: Aggregate + Clone + Send + Sync + 'static,
    {
        let key = (A::TYPE, id.to_owned());
        let Some(cached) = self.cache.get(&key) else {
            return Ok(None);
        };
        let Some(state) = cached.state.downcast_ref::<A>() else {
            self.cache.forget(&key);
            return Ok(None);
        };
        let (mut aggregate, mut sequence, mut hash) = (state.clone(), cached.sequence, cached.hash);
        let rows = EventRepository::new(self.pool.clone())
            .read_stream(A::TYPE, id, sequence)
            .await
            .map_err(Failure::internal)?;
        for row in rows {
            let event: A::Event =
                domain::upcast::decode(&row.event_type, &row.event_version, &row.payload)
                    .map_err(Failure::internal)?;
            aggregate.apply(event);
            sequence += 1;
            hash = row.hash.unwrap_or_else(|| chain::GENESIS.to_vec());
        }
        Ok(Some((aggregate, sequence, hash)))
    }

    async fn slot<A>(&mut self, id: &str) -> Result<usize, Failure>
    where
        A: Aggregate + Clone + Send + Sync + 'static,
    {
        let key = (A::TYPE, id.to_owned());
        if let Some(slot) = self.index.get(&key) {
            return Ok(*slot);
        }
        let (aggregate, base, last_hash) = match self.cached_and_since::<A>(id).await? {
            Some((aggregate, base, hash)) => (aggregate, base, Some(hash)),
            None => {
                let (aggregate, base) = LogStore::<A>::new(self.pool.clone())
                    .load(id)
                    .await
                    .map_err(Failure::internal)?;
                let hash = (base == 0).then(|| chain::GENESIS.to_vec());
                (aggregate, base, hash)
            }
        };
        let cacheable: Arc<State> = Arc::new(aggregate.clone());
        self.touched.push(Touched {
            aggregate_type: A::TYPE,
            aggregate_id: id.to_owned(),
            base,
            last_hash,
            aggregate: Box::new(aggregate),
            cacheable: Some(cacheable),
            copy: copy_of::<A>,
            apply: apply_to::<A>,
            events: Vec::new(),
            snapshot: None,
        });
        self.index.insert(key, self.touched.len() - 1);
        Ok(self.touched.len() - 1)
    }

    /// Loads the cached ones of `streams` (type and id) in one query for all their tails, so
    /// the operation's later `get`/`decide` on them need no query. Streams not cached are left to
    /// load one by one.
    pub async fn prefetch(&mut self, streams: &[(&'static str, String)]) -> Result<(), Failure> {
        let wanted: Vec<((&'static str, String), Cached)> = streams
            .iter()
            .filter(|key| !self.index.contains_key(*key))
            .filter_map(|key| self.cache.get(key).map(|cached| (key.clone(), cached)))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let types: Vec<&str> = wanted.iter().map(|((t, _), _)| *t).collect();
        let ids: Vec<&str> = wanted.iter().map(|((_, id), _)| id.as_str()).collect();
        let sequences: Vec<i64> = wanted
            .iter()
            .map(|(_, c)| i64::try_from(c.sequence).unwrap_or(i64::MAX))
            .collect();
        let rows: Vec<(i64, StreamEvent)> = sqlx::query_as::<_, (i64, i64, String, String, String, String, Option<Vec<u8>>)>(
            "select w.n, e.sequence, e.event_type, e.event_version, e.payload::text, e.metadata::text, e.hash
               from unnest($1::text[], $2::text[], $3::bigint[]) with ordinality as w(t, id, seq, n)
               join events e on e.aggregate_type = w.t and e.aggregate_id = w.id and e.sequence > w.seq
              order by w.n, e.sequence",
        )
        .bind(&types)
        .bind(&ids)
        .bind(&sequences)
        .fetch_all(&self.pool)
        .await
        .map_err(Failure::internal)?
        .into_iter()
        .map(|(n, sequence, event_type, event_version, payload, metadata, hash)| {
            (
                n,
                StreamEvent {
                    sequence,
                    event_type,
                    event_version,
                    payload,
                    metadata,
                    hash,
                },
            )
        })
        .collect();
        for (n, (key, cached)) in wanted.into_iter().enumerate() {
            let Some(mut state) = (cached.copy)(&*cached.state) else {
                continue;
            };
            let (mut sequence, mut hash) = (cached.sequence, cached.hash.clone());
            for (_, row) in rows.iter().filter(|(m, _)| *m == n as i64 + 1) {
                (cached.apply)(&mut *state, row).map_err(Failure::Internal)?;
                sequence += 1;
                hash = row.hash.clone().unwrap_or_else(|| chain::GENESIS.to_vec());
            }
            let cacheable = (cached.copy)(&*state).map(Arc::<State>::from);
            self.touched.push(Touched {
                aggregate_type: key.0,
                aggregate_id: key.1.clone(),
                base: sequence,
                last_hash: Some(hash),
                aggregate: state,
                cacheable,
                copy: cached.copy,
                apply: cached.apply,
                events: Vec::new(),
                snapshot: None,
            });
            self.index.insert(key, self.touched.len() - 1);
        }
        Ok(())
    }

    /// Aggregate `id` as the operation sees it: as stored, with the operation's own events so
    /// far applied.
    pub async fn get<A>(&mut self, id: &str) -> Result<&A, Failure>
    where
        A: Aggregate + Clone + Send + Sync + 'static,
    {
        let slot = self.slot::<A>(id).await?;
        self.touched[slot]
            .aggregate
            .downcast_ref::<A>()
            .ok_or_else(|| Failure::Internal(format!("{} {id} loaded twice", A::TYPE)))
    }

    /// Decides `command` on aggregate `id`; its events are applied at once (later commands of
    /// the operation see them) and kept for the append. Returns them.
    pub async fn decide<A>(
        &mut self,
        id: &str,
        command: A::Command,
    ) -> Result<Vec<A::Event>, Failure>
    where
        A: Decide + Clone + Send + Sync + 'static,
        A::Error: Refusal,
    {
        let slot = self.slot::<A>(id).await?;
        let touched = &mut self.touched[slot];
        let aggregate = touched
            .aggregate
            .downcast_mut::<A>()
            .ok_or_else(|| Failure::Internal(format!("{} {id} loaded twice", A::TYPE)))?;
        let events = aggregate.decide(command)?;
        for event in &events {
            aggregate.apply(event.clone());
            touched.events.push(NewEvent {
                event_type: event.event_type(),
                event_version: event.event_version(),
                payload: serde_json::to_string(event).map_err(Failure::internal)?,
            });
        }
        if !events.is_empty() {
            touched.cacheable = Some(Arc::new(aggregate.clone()));
        }
        let now = touched.base + touched.events.len();
        if !events.is_empty() && now / SNAPSHOT_EVERY > touched.base / SNAPSHOT_EVERY {
            touched.snapshot = Some(serde_json::to_value(&*aggregate).map_err(Failure::internal)?);
        }
        Ok(events)
    }

    /// Whether the operation has anything to write.
    pub fn is_empty(&self) -> bool {
        self.touched.iter().all(|t| t.events.is_empty())
    }

    /// Appends every event of the operation in one statement; returns where the last landed
    /// (`None` when there was nothing to write). `Failure::Conflict` when another writer got to
    /// one of the streams first: nothing was written.
    pub async fn commit(self, metadata: &serde_json::Value) -> Result<Option<Checkpoint>, Failure> {
        let streams: Vec<&Touched> = self
            .touched
            .iter()
            .filter(|t| !t.events.is_empty())
            .collect();
        if streams.is_empty() {
            return Ok(None);
        }
        let previous = self.previous_hashes(&streams).await?;
        let metadata = metadata.to_string();
        let mut last_hashes: Vec<Vec<u8>> = Vec::with_capacity(streams.len());
        let (mut types, mut ids, mut sequences, mut event_types) = (vec![], vec![], vec![], vec![]);
        let (mut versions, mut payloads, mut hashes) = (vec![], vec![], vec![]);
        for (touched, previous) in streams.iter().zip(previous) {
            let mut previous = previous;
            for (n, event) in touched.events.iter().enumerate() {
                let sequence = i64::try_from(touched.base + n + 1).map_err(Failure::internal)?;
                let hash = chain::link(
                    &previous,
                    chain::Link {
                        aggregate_type: touched.aggregate_type,
                        aggregate_id: &touched.aggregate_id,
                        sequence,
                        event_type: &event.event_type,
                        event_version: &event.event_version,
                        payload: &event.payload,
                        metadata: &metadata,
                    },
                );
                previous = hash.to_vec();
                types.push(touched.aggregate_type);
                ids.push(touched.aggregate_id.as_str());
                sequences.push(sequence);
                event_types.push(event.event_type.as_str());
                versions.push(event.event_version.as_str());
                payloads.push(event.payload.as_str());
                hashes.push(previous.clone());
            }
            last_hashes.push(previous);
        }
        let landed: Result<Vec<(i64, i64)>, Failure> = sqlx::query_as(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, hash)
             select at, id, seq, ty, ver, p::json, $8::json, h
               from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bytea[])
                    with ordinality as e(at, id, seq, ty, ver, p, h, n)
              order by n
             returning transaction_id::text::bigint, position",
        )
        .bind(&types)
        .bind(&ids)
        .bind(&sequences)
        .bind(&event_types)
        .bind(&versions)
        .bind(&payloads)
        .bind(&hashes)
        .bind(&metadata)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => Failure::Conflict,
            _ => Failure::internal(e),
        });
        let landed = match landed {
            Ok(landed) => landed,
            Err(failure) => {
                // what this operation read may be stale: the next one reads the log afresh.
                for touched in &self.touched {
                    self.cache
                        .forget(&(touched.aggregate_type, touched.aggregate_id.clone()));
                }
                return Err(failure);
            }
        };
        for (touched, hash) in streams.iter().zip(last_hashes) {
            if let Some(state) = &touched.cacheable {
                self.cache.put(
                    (touched.aggregate_type, touched.aggregate_id.clone()),
                    Cached {
                        sequence: touched.base + touched.events.len(),
                        hash,
                        state: state.clone(),
                        copy: touched.copy,
                        apply: touched.apply,
                    },
                );
            }
        }
        // streams only read are as good a starting point as any, when their last hash is known.
        for touched in self.touched.iter().filter(|t| t.events.is_empty()) {
            if let (Some(state), Some(hash)) = (&touched.cacheable, &touched.last_hash) {
                self.cache.put(
                    (touched.aggregate_type, touched.aggregate_id.clone()),
                    Cached {
                        sequence: touched.base,
                        hash: hash.clone(),
                        state: state.clone(),
                        copy: touched.copy,
                        apply: touched.apply,
                    },
                );
            }
        }
        for touched in &streams {
            if let Some(state) = &touched.snapshot {
                // a cache: if writing it fails, the next load replays a little more.
                let sequence = (touched.base + touched.events.len()) as i64;
                if let Err(error) = sqlx::query(
                    "insert into aggregate_snapshot (aggregate_type, aggregate_id, sequence, state)
                     values ($1, $2, $3, $4)
                     on conflict (aggregate_type, aggregate_id) do update
                        set sequence = excluded.sequence, state = excluded.state, taken_at = now()
                      where aggregate_snapshot.sequence < excluded.sequence",
                )
                .bind(touched.aggregate_type)
                .bind(&touched.aggregate_id)
                .bind(sequence)
                .bind(sqlx::types::Json(state))
                .execute(&self.pool)
                .await
                {
                    tracing::warn!(%error, aggregate = touched.aggregate_type, "snapshot not written");
                }
            }
        }
        Ok(landed
            .into_iter()
            .map(|(transaction_id, position)| Checkpoint {
                transaction_id,
                position,
            })
            .max())
    }

    /// The hash each stream's first new event chains to.
    async fn previous_hashes(&self, streams: &[&Touched]) -> Result<Vec<Vec<u8>>, Failure> {
        let mut hashes = vec![chain::GENESIS.to_vec(); streams.len()];
        let wanted: Vec<usize> = (0..streams.len())
            .filter(|n| streams[*n].base > 0)
            .collect();
        if wanted.is_empty() {
            return Ok(hashes);
        }
        let types: Vec<&str> = wanted.iter().map(|n| streams[*n].aggregate_type).collect();
        let ids: Vec<&str> = wanted
            .iter()
            .map(|n| streams[*n].aggregate_id.as_str())
            .collect();
        let sequences: Vec<i64> = wanted.iter().map(|n| streams[*n].base as i64).collect();
        let rows: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as(
            "select w.n, e.hash
               from unnest($1::text[], $2::text[], $3::bigint[]) with ordinality as w(t, id, seq, n)
               join events e on e.aggregate_type = w.t and e.aggregate_id = w.id and e.sequence = w.seq",
        )
        .bind(&types)
        .bind(&ids)
        .bind(&sequences)
        .fetch_all(&self.pool)
        .await
        .map_err(Failure::internal)?;
        for (n, hash) in rows {
            if let (Some(slot), Some(hash)) = (
                usize::try_from(n - 1).ok().and_then(|n| wanted.get(n)),
                hash,
            ) {
                hashes[*slot] = hash;
            }
        }
        Ok(hashes)
    }
}
