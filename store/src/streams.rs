//! The streams one operation reads and writes, appended all at once or not at all: the store's
//! half of a unit of work (the command layer's `Work` decides on it).
//!
//! Each stream is loaded once (from the [`AggregateCache`] and the events appended since, or
//! from its snapshot and the events after it), commands are decided on the aggregate as the
//! operation's earlier commands left it, and [`Streams::commit`] appends every stream's new
//! events in one statement ([`crate::append`]). Each stream's next sequence number is the
//! optimistic lock: if anyone appended to any of the streams since it was read, nothing is
//! written and the caller decides again on fresh state.

use std::collections::HashMap;
use std::sync::Arc;

use cqrs_es::{Aggregate, DomainEvent};
use domain::Decide;
use futures::future::BoxFuture;
use sqlx::{PgConnection, PgPool};

use crate::append::{append_riding, Appended, NewEvent, Rider, StreamAppend};
use crate::cache::{AggregateCache, Cached, Key, Kind, State};
use crate::{chain, snapshot, stream, Checkpoint, StoreError, SNAPSHOT_EVERY};

/// Why a decision wrote nothing: the aggregate refused the command, or the store failed.
#[derive(Debug)]
pub enum DecideError<E> {
    Refused(E),
    Store(StoreError),
}

impl<E> From<StoreError> for DecideError<E> {
    fn from(error: StoreError) -> Self {
        DecideError::Store(error)
    }
}

/// A stream the operation has touched: the aggregate as the operation has left it, and the
/// events to append.
struct Touched {
    aggregate_type: &'static str,
    aggregate_id: String,
    /// The events the stream had when read.
    base: usize,
    /// The hash of the stream's last event when read, if known.
    last_hash: Option<Vec<u8>>,
    aggregate: Box<State>,
    /// A copy of the aggregate for the cache, made after the operation's last decision.
    cacheable: Option<Arc<State>>,
    kind: Kind,
    events: Vec<NewEvent>,
    /// The aggregate as JSON after the operation, when it crosses a snapshot boundary.
    snapshot: Option<serde_json::Value>,
}

/// What runs in the same transaction as the append, given where the events landed: writes that
/// land with the events (a record's own read model), or a check across records that declines
/// the operation ([`StoreError::Declined`]) and so writes nothing.
pub type AlongWith<'a> = Box<
    dyn for<'c> FnOnce(&'c mut PgConnection, &'c Appended) -> BoxFuture<'c, Result<(), StoreError>>
        + Send
        + 'a,
>;

/// Two checks run one after the other in the append's transaction (either may be none).
pub fn both(
    first: Option<AlongWith<'static>>,
    second: Option<AlongWith<'static>>,
) -> AlongWith<'static> {
    Box::new(move |conn, appended| {
        Box::pin(async move {
            if let Some(first) = first {
                first(&mut *conn, appended).await?;
            }
            if let Some(second) = second {
                second(&mut *conn, appended).await?;
            }
            Ok(())
        })
    })
}

/// Where an operation's events landed, and what the rider of their append answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub at: Checkpoint,
    pub rode: Option<String>,
}

/// The streams of one operation under way.
pub struct Streams {
    pool: PgPool,
    cache: Arc<AggregateCache>,
    /// Streams not yet read are taken to be empty (a creation), without reading them: should one
    /// not be, the append conflicts and the caller decides again without this.
    assume_new: bool,
    touched: Vec<Touched>,
    index: HashMap<Key, usize>,
}

impl Streams {
    pub fn new(pool: PgPool, cache: Arc<AggregateCache>) -> Self {
        Self {
            pool,
            cache,
            assume_new: false,
            touched: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Streams read from now on are taken to be empty without reading them (see the field).
    pub fn assume_new(&mut self) {
        self.assume_new = true;
    }

    /// Aggregate `id` from the cache and the events appended since, if the cache has it.
    async fn cached_and_since<A>(&self, id: &str) -> Result<Option<(A, usize, Vec<u8>)>, StoreError>
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
        for row in stream::read(&self.pool, A::TYPE, id, sequence).await? {
            aggregate.apply(row.decode(A::TYPE, id)?);
            sequence += 1;
            hash = row.hash.unwrap_or_else(|| chain::GENESIS.to_vec());
        }
        Ok(Some((aggregate, sequence, hash)))
    }

    /// Aggregate `id` from its snapshot and the events after it (or its whole stream).
    async fn stored<A>(&self, id: &str) -> Result<(A, usize, Option<Vec<u8>>), StoreError>
    where
        A: Aggregate + 'static,
    {
        let (mut sequence, mut aggregate) = snapshot::read::<A>(&self.pool, A::TYPE, id)
            .await?
            .unwrap_or_default();
        // the last hash read is what the next event chains to (an event written without one
        // restarts the chain); none when the tail is empty after a snapshot: looked up then.
        let mut hash = (sequence == 0).then(|| chain::GENESIS.to_vec());
        for row in stream::read(&self.pool, A::TYPE, id, sequence).await? {
            aggregate.apply(row.decode(A::TYPE, id)?);
            sequence += 1;
            hash = Some(row.hash.unwrap_or_else(|| chain::GENESIS.to_vec()));
        }
        Ok((aggregate, sequence, hash))
    }

    async fn slot<A>(&mut self, id: &str) -> Result<usize, StoreError>
    where
        A: Aggregate + Clone + Send + Sync + 'static,
    {
        let key = (A::TYPE, id.to_owned());
        if let Some(slot) = self.index.get(&key) {
            return Ok(*slot);
        }
        let (aggregate, base, last_hash) = if self.assume_new {
            (A::default(), 0, Some(chain::GENESIS.to_vec()))
        } else {
            match self.cached_and_since::<A>(id).await? {
                Some((aggregate, base, hash)) => (aggregate, base, Some(hash)),
                None => self.stored::<A>(id).await?,
            }
        };
        let cacheable: Arc<State> = Arc::new(aggregate.clone());
        self.touched.push(Touched {
            aggregate_type: A::TYPE,
            aggregate_id: id.to_owned(),
            base,
            last_hash,
            aggregate: Box::new(aggregate),
            cacheable: (!self.assume_new).then_some(cacheable),
            kind: Kind::of::<A>(),
            events: Vec::new(),
            snapshot: None,
        });
        self.index.insert(key, self.touched.len() - 1);
        Ok(self.touched.len() - 1)
    }

    /// Loads the cached ones of `streams` (type and id) with one query for all their tails, so
    /// the operation's later reads of them need no query. Streams not cached are left to load
    /// one by one.
    pub async fn prefetch(&mut self, streams: &[(&'static str, String)]) -> Result<(), StoreError> {
        let wanted: Vec<(Key, Cached)> = streams
            .iter()
            .filter(|key| !self.index.contains_key(*key))
            .filter_map(|key| self.cache.get(key).map(|cached| (key.clone(), cached)))
            .collect();
        if wanted.is_empty() || self.assume_new {
            return Ok(());
        }
        let keys: Vec<(&str, &str, usize)> = wanted
            .iter()
            .map(|((t, id), c)| (*t, id.as_str(), c.sequence))
            .collect();
        let tails = stream::read_tails(&self.pool, &keys).await?;
        for ((key, cached), tail) in wanted.into_iter().zip(tails) {
            let Some(mut state) = (cached.kind.copy)(&*cached.state) else {
                continue;
            };
            let (mut sequence, mut hash) = (cached.sequence, cached.hash.clone());
            for row in &tail {
                (cached.kind.apply)(&mut *state, row, &key.1)?;
                sequence += 1;
                hash = row.hash.clone().unwrap_or_else(|| chain::GENESIS.to_vec());
            }
            let cacheable = (cached.kind.copy)(&*state).map(Arc::<State>::from);
            self.touched.push(Touched {
                aggregate_type: key.0,
                aggregate_id: key.1.clone(),
                base: sequence,
                last_hash: Some(hash),
                aggregate: state,
                cacheable,
                kind: cached.kind,
                events: Vec::new(),
                snapshot: None,
            });
            self.index.insert(key, self.touched.len() - 1);
        }
        Ok(())
    }

    /// Aggregate `id` as the operation sees it: as stored, with the operation's own events so
    /// far applied.
    pub async fn get<A>(&mut self, id: &str) -> Result<&A, StoreError>
    where
        A: Aggregate + Clone + Send + Sync + 'static,
    {
        let slot = self.slot::<A>(id).await?;
        self.touched[slot]
            .aggregate
            .downcast_ref::<A>()
            .ok_or_else(|| StoreError::WrongType(format!("{} {id}", A::TYPE)))
    }

    /// Decides `command` on aggregate `id`; its events are applied at once (later commands of
    /// the operation see them) and kept for the append. Returns them.
    pub async fn decide<A>(
        &mut self,
        id: &str,
        command: A::Command,
    ) -> Result<Vec<A::Event>, DecideError<A::Error>>
    where
        A: Decide + Clone + Send + Sync + 'static,
    {
        let slot = self.slot::<A>(id).await?;
        let touched = &mut self.touched[slot];
        let aggregate = touched
            .aggregate
            .downcast_mut::<A>()
            .ok_or_else(|| StoreError::WrongType(format!("{} {id}", A::TYPE)))?;
        let events = aggregate.decide(command).map_err(DecideError::Refused)?;
        if events.is_empty() {
            return Ok(events);
        }
        for event in &events {
            aggregate.apply(event.clone());
            touched.events.push(NewEvent {
                event_type: event.event_type(),
                event_version: event.event_version(),
                payload: serde_json::to_string(event).map_err(StoreError::Encode)?,
            });
        }
        touched.cacheable = Some(Arc::new(aggregate.clone()));
        let now = touched.base + touched.events.len();
        if snapshot::due(touched.base, now, SNAPSHOT_EVERY) {
            touched.snapshot = Some(serde_json::to_value(&*aggregate).map_err(StoreError::Encode)?);
        }
        Ok(events)
    }

    /// Whether the operation has anything to write.
    pub fn is_empty(&self) -> bool {
        self.touched.iter().all(|t| t.events.is_empty())
    }

    /// Appends every event of the operation in one statement, each with `metadata` (JSON
    /// text); returns where the last landed (`None`: nothing to write).
    /// [`StoreError::Conflict`] when another writer got to one of the streams first: nothing was
    /// written.
    pub async fn commit(self, metadata: &str) -> Result<Option<Checkpoint>, StoreError> {
        self.commit_with(metadata, None).await
    }

    /// [`Self::commit`], with `along` writing in the same transaction as the events (when
    /// there are events): both land, or neither.
    pub async fn commit_with(
        self,
        metadata: &str,
        along: Option<AlongWith<'_>>,
    ) -> Result<Option<Checkpoint>, StoreError> {
        let committed = self.commit_riding(metadata, along, |_| Ok(None)).await?;
        Ok(committed.map(|c| c.at))
    }

    /// The events the operation would append, stream by stream (streams it only read left out).
    pub fn appends(&self) -> Vec<StreamAppend<'_>> {
        self.touched
            .iter()
            .filter(|t| !t.events.is_empty())
            .map(|t| StreamAppend {
                aggregate_type: t.aggregate_type,
                aggregate_id: &t.aggregate_id,
                base: t.base,
                last_hash: t.last_hash.as_deref(),
                events: &t.events,
            })
            .collect()
    }

    /// [`Self::commit_with`], with the writes `rider` makes of the events ([`Rider`]) in the
    /// append's own statement.
    pub async fn commit_riding(
        self,
        metadata: &str,
        along: Option<AlongWith<'_>>,
        rider: impl FnOnce(&[StreamAppend<'_>]) -> Result<Option<Rider>, StoreError>,
    ) -> Result<Option<Committed>, StoreError> {
        let streams = self.appends();
        if streams.is_empty() {
            return Ok(None);
        }
        let rider = rider(&streams)?;
        let written = match along {
            None => match self.pool.acquire().await {
                Ok(mut conn) => append_riding(&mut conn, &streams, metadata, rider).await,
                Err(e) => Err(e.into()),
            },
            Some(along) => in_transaction(&self.pool, &streams, metadata, rider, along).await,
        };
        let appended = match written {
            Ok(appended) => appended,
            Err(error) => {
                // what this operation read may be stale: the next one reads the log afresh.
                for touched in &self.touched {
                    self.cache
                        .forget(&(touched.aggregate_type, touched.aggregate_id.clone()));
                }
                return Err(error);
            }
        };
        self.remember(&appended);
        self.snapshot().await;
        Ok(appended.at.map(|at| Committed {
            at,
            rode: appended.rode,
        }))
    }

    /// Keeps what the operation leaves for the next one on the same streams.
    fn remember(&self, appended: &Appended) {
        let mut hashes = appended.last_hashes.iter();
        for touched in &self.touched {
            let written = !touched.events.is_empty();
            let hash = if written {
                hashes.next().cloned()
            } else {
                touched.last_hash.clone()
            };
            if let (Some(state), Some(hash)) = (&touched.cacheable, hash) {
                self.cache.put(
                    (touched.aggregate_type, touched.aggregate_id.clone()),
                    Cached {
                        sequence: touched.base + touched.events.len(),
                        hash,
                        state: state.clone(),
                        kind: touched.kind,
                    },
                );
            }
        }
    }

    /// Writes the snapshots the operation made due. A snapshot is a cache: if writing it fails,
    /// the next load replays a little more.
    async fn snapshot(&self) {
        for touched in &self.touched {
            if let Some(state) = &touched.snapshot {
                let sequence = touched.base + touched.events.len();
                if let Err(error) = snapshot::write(
                    &self.pool,
                    touched.aggregate_type,
                    &touched.aggregate_id,
                    sequence,
                    state,
                )
                .await
                {
                    tracing::warn!(%error, aggregate = touched.aggregate_type, "snapshot not written");
                }
            }
        }
    }
}

async fn in_transaction(
    pool: &PgPool,
    streams: &[StreamAppend<'_>],
    metadata: &str,
    rider: Option<Rider>,
    along: AlongWith<'_>,
) -> Result<Appended, StoreError> {
    let mut tx = pool.begin().await?;
    let appended = append_riding(&mut tx, streams, metadata, rider).await?;
    along(&mut tx, &appended).await?;
    tx.commit().await.map_err(StoreError::from_append)?;
    Ok(appended)
}
